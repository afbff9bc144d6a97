//! No credentials through redirects: the probe and the library clients never follow a
//! 3xx (reqwest strips only `Authorization` when it does, so `xClientSecret`,
//! `X-Api-Key` and a Groupcall `Password` body would reach the other origin); each
//! names the `Location` instead; and the portal client has a timeout.

// The probe and the reqwest clients come with the `client` and `server` features.
#![cfg(all(feature = "client", feature = "server"))]

use std::time::{Duration, Instant};

use partner_auth::probe;
use partner_auth::schemes::groupcall::{self, Batch, Message, Recipient};
use partner_auth::schemes::portal::LoginCredentials;
use partner_auth::schemes::portal::client::{ClientError, PortalClient};
use partner_auth::serve::Credentials;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A server that answers everything with 200 (so a followed redirect would be recorded),
/// and one that answers everything with `status` pointing at it.
async fn pair(status: u16) -> (MockServer, MockServer, String) {
    let elsewhere = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_string("\"token-from-elsewhere\""))
        .mount(&elsewhere)
        .await;
    let location = format!("{}/collected", elsewhere.uri());
    let first = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(status).insert_header("Location", location.as_str()))
        .mount(&first)
        .await;
    (first, elsewhere, location)
}

async fn assert_untouched(elsewhere: &MockServer) {
    let got = elsewhere.received_requests().await.unwrap();
    assert!(
        got.is_empty(),
        "the redirect was followed: the other origin received {} request(s), headers of the first: {:?}",
        got.len(),
        got.first()
            .map(|r| r.headers.keys().map(|k| k.to_string()).collect::<Vec<_>>())
    );
}

#[tokio::test]
async fn probe_follows_no_redirect_and_fails_naming_the_location() {
    for slug in probe::schemes() {
        for status in [307, 308, 302] {
            let (first, elsewhere, location) = pair(status).await;
            let results = probe::run(
                slug,
                &first.uri(),
                probe::default_path(slug).expect("a probed scheme has a default path"),
                &Credentials::demo(),
                Duration::from_secs(5),
            )
            .await
            .unwrap_or_else(|e| panic!("{slug}: {e}"));
            assert_untouched(&elsewhere).await;
            assert!(!results.is_empty(), "{slug}: no case was run");
            for r in &results {
                assert!(
                    !r.pass,
                    "{slug} {status}: case {} passed on a redirect",
                    r.name
                );
                let reason = r.reason.as_deref().unwrap_or("");
                assert!(
                    reason.contains(&location) && reason.contains(&status.to_string()),
                    "{slug}: case {} does not name the status and Location: {reason}",
                    r.name
                );
                assert!(r.got.contains(&location), "{slug}: {}", r.got);
            }
        }
    }
}

fn portal_creds() -> LoginCredentials {
    LoginCredentials::new(
        "network_abc123",
        "marker-secret-5d1e",
        12345,
        "ana@example.pt",
    )
}

#[tokio::test]
async fn portal_client_login_redirect_is_an_error_naming_the_location() {
    let (first, elsewhere, location) = pair(307).await;
    let client = PortalClient::builder(first.uri(), portal_creds())
        .build()
        .unwrap();
    let err = client
        .send(
            reqwest::Method::GET,
            "/API/partnersPortal/simulations",
            None,
        )
        .await
        .unwrap_err();
    assert_untouched(&elsewhere).await;
    assert!(
        matches!(&err, ClientError::Redirected { status: 307, location: l } if *l == location),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains(&location), "{text}");
    assert!(!text.contains("marker-secret"), "{text}");
}

#[tokio::test]
async fn portal_client_request_redirect_is_an_error_naming_the_location() {
    let elsewhere = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .mount(&elsewhere)
        .await;
    let location = format!("{}/collected", elsewhere.uri());
    let first = MockServer::start().await;
    Mock::given(wiremock::matchers::path(
        "/API/partnersPortal/authentication",
    ))
    .respond_with(ResponseTemplate::new(200).set_body_string("\"marker-token-1\""))
    .mount(&first)
    .await;
    Mock::given(wiremock::matchers::path("/API/partnersPortal/simulations"))
        .respond_with(ResponseTemplate::new(308).insert_header("Location", location.as_str()))
        .mount(&first)
        .await;
    let client = PortalClient::builder(first.uri(), portal_creds())
        .build()
        .unwrap();
    let err = client
        .send(
            reqwest::Method::GET,
            "/API/partnersPortal/simulations",
            None,
        )
        .await
        .unwrap_err();
    assert_untouched(&elsewhere).await;
    assert!(
        matches!(&err, ClientError::Redirected { status: 308, location: l } if *l == location),
        "{err:?}"
    );
}

#[tokio::test]
async fn portal_client_times_out() {
    let slow = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string("\"marker-token-1\"")
                .set_delay(Duration::from_secs(30)),
        )
        .mount(&slow)
        .await;
    let client = PortalClient::builder(slow.uri(), portal_creds())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    #[allow(clippy::disallowed_methods)] // measures how long the client waited
    let started = Instant::now();
    let err = client
        .send(
            reqwest::Method::GET,
            "/API/partnersPortal/simulations",
            None,
        )
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(&err, ClientError::Http(e) if e.is_timeout()),
        "not a timeout: {err:?}"
    );
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

#[test]
fn portal_client_default_timeout_is_bounded() {
    assert!(
        partner_auth::schemes::portal::client::DEFAULT_TIMEOUT <= Duration::from_secs(60),
        "the default must bound an exchange"
    );
}

#[tokio::test]
async fn groupcall_client_redirect_sends_no_password_elsewhere() {
    let (first, elsewhere, location) = pair(307).await;
    let message = Message::sms("1469", "marker-password-77")
        .text("Hello")
        .recipient(Recipient::mobile("+447700900123"))
        .build()
        .unwrap();
    let err = groupcall::Client::new(first.uri())
        .unwrap()
        .send(&Batch::sms(vec![message]).unwrap())
        .await
        .unwrap_err();
    assert_untouched(&elsewhere).await;
    assert_eq!(err.code(), "TRANSPORT", "{err:?}");
    let text = err.to_string();
    assert!(text.contains(&location) && text.contains("307"), "{text}");
    assert!(!text.contains("marker-password"), "{text}");
}
