//! The reference Groupcall client against a wiremock server: the exact bytes it sends,
//! and what it makes of every documented answer.

// The reqwest clients come with the `client` feature.
#![cfg(feature = "client")]

use partner_auth::schemes::groupcall::{
    Batch, Client, Error, Message, Outcome, PartnerCredentials, Recipient,
};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SUCCESS: &str = r#"[{"WarningMessages":[],"errorMsg":"OK 1 messages queued for sending","MessageSentId":0,"MessageId":"1469.20250704.02516506506657265717-e0684dbcb71f402ab39d4d6b86d44cbb","statusMsg":"In Queue","transmitDateTime":"2025-07-04T17:28:54.5859378Z","ClientRef":"MSG-12345"}]"#;

fn message(client_ref: &str) -> Message {
    Message::sms("1469", "customer-api-key-67890")
        .text("Hello from the Communications API!")
        .recipient(Recipient::mobile("+447700900123"))
        .client_ref(client_ref)
        .build()
        .unwrap()
}

/// A server answering `status` + `body` on `route`, and the client pointed at it.
async fn serve(route: &str, status: u16, body: &str) -> (MockServer, Client) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/api/SendMessage_V3/{route}")))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(status).set_body_string(body))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::new(server.uri()).unwrap();
    (server, client)
}

async fn received_body(server: &MockServer) -> String {
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    assert!(
        requests[0].headers.get("authorization").is_none(),
        "no Authorization header: the credentials travel in the body"
    );
    String::from_utf8(requests[0].body.clone()).unwrap()
}

fn refusal(error_msg: Value, warnings: Value) -> String {
    json!([{ "WarningMessages": warnings, "errorMsg": error_msg, "MessageSentId": 0, "MessageId": null,
             "statusMsg": null, "transmitDateTime": null, "ClientRef": null }])
    .to_string()
}

#[tokio::test]
async fn success_on_the_sms_route_sends_exactly_the_documented_body() {
    let (server, client) = serve("SMS", 200, SUCCESS).await;
    let outcomes = client
        .send(&Batch::sms(vec![message("MSG-12345")]).unwrap())
        .await
        .unwrap();
    assert_eq!(
        received_body(&server).await,
        r#"{"messageData":[{"CustomerId":"1469","Password":"customer-api-key-67890","SMSMessage":"Hello from the Communications API!","Recipients":[{"MobileNumber":"+447700900123"}],"ClientRef":"MSG-12345"}]}"#
    );
    let [Outcome::Accepted(ok)] = outcomes.as_slice() else {
        panic!("{outcomes:?}")
    };
    assert_eq!(
        ok.message_id,
        "1469.20250704.02516506506657265717-e0684dbcb71f402ab39d4d6b86d44cbb"
    );
    assert_eq!(ok.status_msg.as_deref(), Some("In Queue"));
    assert_eq!(ok.client_ref.as_deref(), Some("MSG-12345"));
    assert_eq!(ok.transmitted.unwrap().nanos, 585_937_800);
}

#[tokio::test]
async fn the_partner_route_sends_partner_key_and_style_class_first() {
    let (server, client) = serve("PartnerRoute", 200, SUCCESS).await;
    let partner = PartnerCredentials::new("partner-abc-12345", "YourCompanyName").unwrap();
    let outcomes = client
        .send(&Batch::partner(partner, vec![message("MSG-12345")]).unwrap())
        .await
        .unwrap();
    assert_eq!(
        received_body(&server).await,
        r#"{"PartnerKey":"partner-abc-12345","styleClass":"YourCompanyName","messageData":[{"CustomerId":"1469","Password":"customer-api-key-67890","SMSMessage":"Hello from the Communications API!","Recipients":[{"MobileNumber":"+447700900123"}],"ClientRef":"MSG-12345"}]}"#
    );
    assert!(outcomes[0].is_success());
}

#[tokio::test]
async fn the_email_route() {
    let (server, client) = serve("Email", 200, SUCCESS).await;
    let msg = Message::email("1469", "customer-api-key-67890")
        .subject("Trip")
        .body("<p>Friday</p>")
        .recipient(Recipient::email("parent@example.org"))
        .build()
        .unwrap();
    client
        .send(&Batch::email(vec![msg]).unwrap())
        .await
        .unwrap();
    assert_eq!(
        received_body(&server).await,
        r#"{"messageData":[{"CustomerId":"1469","Password":"customer-api-key-67890","EmailSubject":"Trip","EmailBody":"<p>Friday</p>","Recipients":[{"EmailAddress":"parent@example.org"}]}]}"#
    );
}

#[tokio::test]
async fn every_documented_error_body_is_a_refusal_with_its_text() {
    let cases = [
        (
            "SMS",
            refusal(json!("Data is not valid, no messages sent"), json!([])),
            "Data is not valid, no messages sent",
        ),
        (
            "SMS",
            refusal(json!(null), json!(["Customer does not allow sending SMS"])),
            "Customer does not allow sending SMS",
        ),
        (
            "PartnerRoute",
            refusal(
                json!(null),
                json!(["Partner account not authorized for this customer"]),
            ),
            "Partner account not authorized for this customer",
        ),
        (
            "PartnerRoute",
            // The partner-auth page's body, verbatim: four fields only.
            "[{\n\"WarningMessages\": [\"Partner key is not valid\"],\n\"errorMsg\": \"Partner key is not valid\",\n\"MessageSentId\": 0,\n\"MessageId\": null\n}]".to_owned(),
            "Partner key is not valid",
        ),
        (
            "PartnerRoute",
            refusal(
                json!("Partner is not enabled, no message was sent."),
                json!(["Partner is not enabled, no message was sent."]),
            ),
            "Partner is not enabled, no message was sent.",
        ),
        ("SMS", refusal(json!(null), json!([])), "Unknown error"),
    ];
    for (route, body, text) in cases {
        let (_server, client) = serve(route, 200, &body).await;
        let batch = if route == "SMS" {
            Batch::sms(vec![message("r")]).unwrap()
        } else {
            let p = PartnerCredentials::new("partner-abc-12345", "YourCompanyName").unwrap();
            Batch::partner(p, vec![message("r")]).unwrap()
        };
        let outcomes = client.send(&batch).await.unwrap();
        let [Outcome::Refused(r)] = outcomes.as_slice() else {
            panic!("{text}: {outcomes:?}")
        };
        assert_eq!(r.error, text);
    }
}

#[tokio::test]
async fn http_400_and_500_are_errors_whatever_the_body() {
    for (status, body) in [
        (400, r#"{"message":"The request is invalid."}"#),
        (500, SUCCESS),
    ] {
        let (_server, client) = serve("SMS", status, body).await;
        let err = client
            .send(&Batch::sms(vec![message("x")]).unwrap())
            .await
            .unwrap_err();
        assert_eq!(err, Error::HttpStatus { status });
    }
}

#[tokio::test]
async fn malformed_bodies_are_typed_errors() {
    for (body, code) in [
        (
            "<html>Service Unavailable</html>",
            "MALFORMED_RESPONSE_JSON",
        ),
        (r#"{"errorMsg":"OK"}"#, "NOT_AN_ARRAY"),
        ("[]", "EMPTY_RESPONSE"),
        (r#"[{"errorMsg":42}]"#, "MALFORMED_ELEMENT"),
        (
            &format!("[{0},{0}]", &SUCCESS[1..SUCCESS.len() - 1]),
            "COUNT_MISMATCH",
        ),
    ] {
        let (_server, client) = serve("SMS", 200, body).await;
        let err = client
            .send(&Batch::sms(vec![message("x")]).unwrap())
            .await
            .unwrap_err();
        assert_eq!(err.code(), code, "{body}");
    }
}

#[tokio::test]
async fn a_mixed_batch_reports_every_element_in_order() {
    let body = json!([
        { "WarningMessages": [], "errorMsg": "OK 1 messages queued for sending", "MessageSentId": 0,
          "MessageId": "1469.20250704.00000000000000000001-ec67084e49b2498dad72904665f2f78c",
          "statusMsg": "In Queue", "transmitDateTime": "2025-07-04T17:28:54.585Z", "ClientRef": "a" },
        { "WarningMessages": [], "errorMsg": "Data is not valid, no messages sent", "MessageSentId": 0,
          "MessageId": null, "ClientRef": "b" },
        { "WarningMessages": ["Customer does not allow sending SMS"], "errorMsg": null, "MessageSentId": 0,
          "MessageId": null, "ClientRef": "c" },
        // OK without a MessageId is never a success (G3).
        { "WarningMessages": [], "errorMsg": "OK 1 messages queued for sending", "MessageSentId": 7,
          "MessageId": null, "ClientRef": "d" }
    ])
    .to_string();
    let (server, client) = serve("SMS", 200, &body).await;
    let batch = Batch::sms(vec![message("a"), message("b"), message("c"), message("d")]).unwrap();
    let outcomes = client.send(&batch).await.unwrap();
    let sent: Value = serde_json::from_str(&received_body(&server).await).unwrap();
    assert_eq!(sent["messageData"].as_array().unwrap().len(), 4);
    let summary: Vec<(bool, Option<&str>)> = outcomes
        .iter()
        .map(|o| match o {
            Outcome::Accepted(a) => (true, a.client_ref.as_deref()),
            Outcome::Refused(r) => (false, r.client_ref.as_deref()),
        })
        .collect();
    assert_eq!(
        summary,
        [
            (true, Some("a")),
            (false, Some("b")),
            (false, Some("c")),
            (false, Some("d"))
        ]
    );
    let Outcome::Refused(last) = &outcomes[3] else {
        unreachable!()
    };
    assert_eq!(last.error, "OK 1 messages queued for sending");
}

#[tokio::test]
async fn a_failed_exchange_is_a_transport_error_without_the_password() {
    // A port that was bound and released: it refuses connections.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::new(format!("http://127.0.0.1:{port}")).unwrap();
    let err = client
        .send(&Batch::sms(vec![message("x")]).unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "TRANSPORT");
    assert!(!format!("{err} {err:?}").contains("customer-api-key-67890"));
}
