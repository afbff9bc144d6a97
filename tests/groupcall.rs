//! Groupcall: insta snapshots of every request body the vectors pin (byte-exact against
//! the vector, which an independent program computed), the stable error codes, the
//! builders' field-naming errors, and no secret in any Debug or error output.

use std::path::Path;

use partner_auth::reference;
use partner_auth::schemes::groupcall::{
    self as gc, Batch, Customer, Directory, Message, Partner, PartnerCredentials, Recipient, Route,
    SeededIds, Verifier,
};
use partner_auth::vectors::{self, Answer, Verdict};
use partner_auth::{FixedClock, Secret};
use serde_json::Value;

#[test]
fn every_request_body() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors");
    let mut count = 0;
    for f in vectors::load_dir(&dir).unwrap() {
        if !f.file.scheme.starts_with("groupcall-") {
            continue;
        }
        for case in &f.file.cases {
            if case.withdrawn || case.op != "build" || case.expect.result == Verdict::Invalid {
                continue;
            }
            let Some(Value::String(want)) = case.expect.output.as_ref().map(|o| &o["body"]) else {
                continue;
            };
            let Answer::Output(out) = reference::answer(&f.file.scheme, &case.op, &case.input)
            else {
                panic!("{}: the reference refused a case it should build", case.id);
            };
            let got = out["body"].as_str().expect("a body");
            // Byte-exact, independent of insta's normalisation.
            assert_eq!(got.as_bytes(), want.as_bytes(), "{}: body bytes", case.id);
            let name = format!("{}__body", case.id.replace('/', "__"));
            insta::with_settings!({
                snapshot_path => "../snapshots",
                prepend_module_to_snapshot => false,
                description => case.comment.clone(),
                omit_expression => true,
            }, {
                insta::assert_snapshot!(name, got);
            });
            count += 1;
        }
    }
    assert!(
        count >= 20,
        "expected request bodies in the vectors, found {count}"
    );
}

#[test]
fn groupcall_error_codes() {
    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!("groupcall_error_codes", gc::Error::CODES.join("\n"));
    });
}

#[test]
fn builder_errors_name_the_field() {
    let err = Message::sms("1469", "k")
        .text("hi")
        .recipient(Recipient::mobile("07700900123"))
        .build()
        .unwrap_err();
    assert_eq!(err.code(), "MALFORMED_MOBILE_NUMBER");
    assert!(
        err.to_string().contains("`Recipients[0].MobileNumber`"),
        "{err}"
    );
    assert!(
        err.to_string().contains("+447700900123"),
        "the message shows the form: {err}"
    );

    let err = Message::sms("1469", "k").text("hi").build().unwrap_err();
    assert_eq!(err.code(), "EMPTY_RECIPIENTS");
    assert!(err.to_string().contains("`Recipients`"), "{err}");

    let err = Message::sms("1469", "k")
        .text("é".repeat(919))
        .recipient(Recipient::mobile("+447700900123"))
        .build()
        .unwrap_err();
    assert_eq!(
        err,
        gc::Error::MessageTooLong {
            field: "SMSMessage".into(),
            length: 919
        }
    );

    let err = Message::sms("1469", "k")
        .text("hi")
        .recipient(Recipient::mobile("+447700900123"))
        .callback_url("https://platform.com/cb#x")
        .build()
        .unwrap_err();
    assert_eq!(err.code(), "MALFORMED_CALLBACK_URL");
    assert!(err.to_string().contains("`CallbackUrl`"), "{err}");

    // In a batch the path names the element.
    let ok = Message::sms("1469", "k")
        .text("hi")
        .recipient(Recipient::mobile("+447700900123"))
        .build()
        .unwrap();
    let email = Message::email("1469", "k")
        .subject("s")
        .body("b")
        .recipient(Recipient::email("a@example.org"))
        .build()
        .unwrap();
    let err = Batch::sms(vec![ok, email]).unwrap_err();
    assert_eq!(err.code(), "WRONG_CONTENT");
    assert!(
        err.to_string().contains("`messageData[1].EmailSubject`"),
        "{err}"
    );
    assert_eq!(Batch::sms(vec![]).unwrap_err().code(), "EMPTY_MESSAGE_DATA");

    let err = PartnerCredentials::new("partner-abc-12345 ", "X").unwrap_err();
    assert_eq!(err.code(), "MALFORMED_CREDENTIAL");
    assert!(err.to_string().contains("`PartnerKey`"), "{err}");
    let err = PartnerCredentials::new("partner-abc-12345", "").unwrap_err();
    assert!(err.to_string().contains("`styleClass`"), "{err}");
}

/// Unmistakable in any output, and needing JSON escapes (`"` and `\`).
const MARKER_PASSWORD: &str = "mk-pw\"Zq\\7f3a9c";
const MARKER_PARTNER: &str = "mk-partner-Zq-1b2e";

fn assert_clean(what: &str, text: &str) {
    for marker in [
        "Zq\\7f3a9c",
        "Zq\\\\7f3a9c",
        "mk-partner-Zq",
        MARKER_PASSWORD,
    ] {
        assert!(!text.contains(marker), "{what} shows a secret: {text}");
    }
}

#[test]
fn debug_and_errors_never_show_key_material() {
    let msg = Message::sms("1469", MARKER_PASSWORD)
        .text("hello")
        .recipient(Recipient::mobile("+447700900123"))
        .build()
        .unwrap();
    assert_clean("Message Debug", &format!("{msg:?} {msg:#?}"));
    let partner = PartnerCredentials::new(MARKER_PARTNER, "YourCompanyName").unwrap();
    assert_clean("PartnerCredentials Debug", &format!("{partner:?}"));
    let batch = Batch::partner(partner, vec![msg]).unwrap();
    assert_clean("Batch Debug", &format!("{batch:?}"));
    let request = batch.request();
    assert_clean("BuiltRequest Debug", &format!("{request:?} {request:#?}"));
    let body = String::from_utf8(request.body.expose().to_vec()).unwrap();
    assert!(
        body.contains(r#""Password":"mk-pw\"Zq\\7f3a9c""#),
        "the body itself carries the password, escaped: {body}"
    );
    assert!(body.contains(MARKER_PARTNER), "and the partner key");

    // Builder errors about the credentials do not echo them.
    for bad in [
        format!("{MARKER_PASSWORD} "),
        format!("\t{MARKER_PASSWORD}"),
    ] {
        let err = Message::sms("1469", bad.as_str())
            .text("x")
            .recipient(Recipient::mobile("+447700900123"))
            .build()
            .unwrap_err();
        assert_eq!(err.code(), "MALFORMED_CREDENTIAL");
        assert_clean("credential error", &format!("{err} {err:?}"));
    }

    // The verifier, its directory, and its 400 answers.
    let mut directory = Directory::new();
    directory.insert_customer(
        "1469",
        Customer {
            password: Secret::from(MARKER_PASSWORD),
            sms_allowed: true,
            authorised_partners: vec!["abc".into()],
        },
    );
    directory.insert_partner(Partner {
        id: "abc".into(),
        key: Secret::from(MARKER_PARTNER),
        enabled: true,
    });
    assert_clean("Directory Debug", &format!("{directory:?}"));
    let verifier = Verifier::new(
        directory,
        FixedClock::from_millis(1_751_650_134_585),
        SeededIds::new("t", 1),
    );
    assert_clean("Verifier Debug", &format!("{verifier:?}"));
    let truncated = &request.body.expose()[..request.body.expose().len() - 2];
    let err = verifier.verify(Route::PartnerRoute, truncated).unwrap_err();
    assert_eq!(err.code(), "MALFORMED_JSON");
    assert_clean("MALFORMED_JSON", &format!("{err} {err:?}"));
    let (status, answer) = verifier.respond(Route::PartnerRoute, truncated);
    assert_eq!(status, 400);
    assert_clean("400 body", &String::from_utf8_lossy(&answer));
    let (status, answer) = verifier.respond(Route::PartnerRoute, request.body.expose());
    assert_eq!(status, 200);
    assert_clean("200 body", &String::from_utf8_lossy(&answer));
    let wrong = body.replace("7f3a9c", "000000");
    let (_, answer) = verifier.respond(Route::PartnerRoute, wrong.as_bytes());
    assert!(String::from_utf8_lossy(&answer).contains("Data is not valid, no messages sent"));
}

#[test]
fn iso8601_reads_what_the_vendor_sends() {
    use partner_auth::encoding::parse_iso8601;
    let t = parse_iso8601("2025-07-04T17:28:54.5859378Z", 7).unwrap();
    // 2025-07-04T17:28:54Z, computed by hand: 20 273 days × 86 400 + 17:28:54.
    assert_eq!(t.unix_seconds, 20_273 * 86_400 + 17 * 3600 + 28 * 60 + 54);
    assert_eq!(t.nanos, 585_937_800);
    assert!(parse_iso8601("2025-07-04T17:28:54.58593781Z", 7).is_none());
    assert!(parse_iso8601("2025-07-04 17:28:54Z", 7).is_none());
    assert!(parse_iso8601("2025-07-04T17:28:54Z\n", 7).is_none());
    assert_eq!(
        partner_auth::encoding::format_iso8601_ticks(1_751_650_134, 5_859_378),
        "2025-07-04T17:28:54.5859378Z"
    );
}
