//! Property tests of the Groupcall schemes' invariants.

use partner_auth::schemes::groupcall::{
    self as gc, Batch, Customer, Directory, Message, Outcome, Partner, PartnerCredentials,
    Recipient, Route, SeededIds, Verifier, classify, parse_response,
};
use partner_auth::{FixedClock, Secret};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const NOW_MS: i64 = 1_751_650_134_585;

/// Printable text including characters JSON must escape.
fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            proptest::char::range(' ', '~'),
            Just('"'),
            Just('\\'),
            Just('\n'),
            Just('\u{1}'),
            Just('é'),
            Just('😀'),
            Just('\u{2028}'),
        ],
        1..max,
    )
    .prop_map(|c| c.into_iter().collect())
}

/// A credential: non-empty, no surrounding white space.
fn credential() -> impl Strategy<Value = String> {
    text(24).prop_map(|s| {
        let t = s.trim_matches([' ', '\t', '\r', '\n']);
        if t.is_empty() {
            "k".to_owned()
        } else {
            t.to_owned()
        }
    })
}

fn mobile() -> impl Strategy<Value = String> {
    (1u8..=9, proptest::collection::vec(0u8..=9, 6..=14)).prop_map(|(first, rest)| {
        let digits: String = rest.iter().map(|d| char::from(b'0' + d)).collect();
        format!("+{first}{digits}")
    })
}

#[derive(Debug, Clone)]
struct Spec {
    customer_id: String,
    password: String,
    text: String,
    numbers: Vec<String>,
    client_ref: Option<String>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        credential(),
        credential(),
        text(60),
        proptest::collection::vec(mobile(), 1..4),
        proptest::option::of(text(20)),
    )
        .prop_map(|(customer_id, password, text, numbers, client_ref)| Spec {
            customer_id,
            password,
            text,
            numbers,
            client_ref,
        })
}

fn message(s: &Spec) -> Message {
    let mut b = Message::sms(s.customer_id.as_str(), s.password.as_str()).text(s.text.as_str());
    for n in &s.numbers {
        b = b.recipient(Recipient::mobile(n.as_str()));
    }
    if let Some(c) = &s.client_ref {
        b = b.client_ref(c.as_str());
    }
    b.build().expect("a valid spec builds")
}

proptest! {
    // Counterexamples are kept in the top-level proptest-regressions/ and replayed first.
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct(
                "proptest-regressions/groupcall_properties.txt",
            ),
        )),
        ..ProptestConfig::default()
    })]

    /// Build, read the body back as JSON, verify it on a server that knows the
    /// customers, parse the server's answer: every field survives, every message is
    /// queued, in order.
    #[test]
    fn build_verify_parse_round_trip(specs in proptest::collection::vec(spec(), 1..5), partner in any::<bool>()) {
        let messages: Vec<Message> = specs.iter().map(message).collect();
        let (batch, route) = if partner {
            let p = PartnerCredentials::new("partner-abc-12345", "YourCompanyName").unwrap();
            (Batch::partner(p, messages).unwrap(), Route::PartnerRoute)
        } else {
            (Batch::sms(messages).unwrap(), Route::Sms)
        };
        let body = batch.body();
        let v: Value = serde_json::from_slice(body.expose()).unwrap();
        let elements = v["messageData"].as_array().unwrap();
        prop_assert_eq!(elements.len(), specs.len());
        for (e, s) in elements.iter().zip(&specs) {
            prop_assert_eq!(e["CustomerId"].as_str(), Some(s.customer_id.as_str()));
            prop_assert_eq!(e["Password"].as_str(), Some(s.password.as_str()));
            prop_assert_eq!(e["SMSMessage"].as_str(), Some(s.text.as_str()));
            let numbers: Vec<&str> = e["Recipients"].as_array().unwrap().iter()
                .map(|r| r["MobileNumber"].as_str().unwrap()).collect();
            prop_assert_eq!(numbers, s.numbers.iter().map(String::as_str).collect::<Vec<_>>());
            prop_assert_eq!(e.get("ClientRef").and_then(Value::as_str), s.client_ref.as_deref());
        }
        // The serialisation is canonical: re-serialising the parsed body gives the bytes.
        prop_assert_eq!(serde_json::to_vec(&v).unwrap(), body.expose().to_vec());

        let mut directory = Directory::new();
        directory.insert_partner(Partner { id: "abc".into(), key: Secret::from("partner-abc-12345"), enabled: true });
        for s in &specs {
            directory.insert_customer(s.customer_id.as_str(), Customer {
                password: Secret::from(s.password.as_str()),
                sms_allowed: true,
                authorised_partners: vec!["abc".into()],
            });
        }
        // Two specs may share a CustomerId with different passwords: the later wins.
        let verifier = Verifier::new(directory, FixedClock::from_millis(NOW_MS), SeededIds::new("p", 1));
        let (status, answer) = verifier.respond(route, body.expose());
        prop_assert_eq!(status, 200);
        let outcomes = parse_response(status, &answer, Some(specs.len())).unwrap();
        for (i, (o, s)) in outcomes.iter().zip(&specs).enumerate() {
            let last_password = specs.iter().rev().find(|t| t.customer_id == s.customer_id).unwrap();
            match o {
                Outcome::Accepted(a) => {
                    prop_assert_eq!(&last_password.password, &s.password, "element {}", i);
                    let prefix = format!("{}.20250704.", s.customer_id);
                    prop_assert!(a.message_id.starts_with(&prefix), "{}", a.message_id);
                    prop_assert_eq!(&a.error_msg, &gc::queued(s.numbers.len()));
                    prop_assert_eq!(a.client_ref.as_deref(), s.client_ref.as_deref());
                }
                Outcome::Refused(r) => {
                    prop_assert_ne!(&last_password.password, &s.password, "element {}", i);
                    prop_assert_eq!(r.error.as_str(), gc::DATA_NOT_VALID);
                }
            }
        }
    }

    /// An `OK` without a non-empty `MessageId` is never a success; `MessageSentId`
    /// never changes the outcome; the error text follows G3.
    #[test]
    fn classifier_invariants(
        error_msg in proptest::option::of(prop_oneof![Just("OK 1 messages queued for sending".to_owned()), Just(String::new()), Just(" OK".to_owned()), text(12)]),
        message_id in proptest::option::of(prop_oneof![Just(String::new()), text(12)]),
        warnings in proptest::option::of(proptest::collection::vec(prop_oneof![Just(String::new()), text(8)], 0..3)),
        sent_ids in proptest::collection::vec(prop_oneof![any::<i64>().prop_map(Value::from), Just(Value::Null), Just(json!("x")), Just(json!([1]))], 2),
    ) {
        let element = |sent_id: &Value| {
            let mut m = Map::new();
            if let Some(w) = &warnings { m.insert("WarningMessages".into(), json!(w)); }
            m.insert("errorMsg".into(), error_msg.as_deref().map_or(Value::Null, Value::from));
            m.insert("MessageSentId".into(), sent_id.clone());
            m.insert("MessageId".into(), message_id.as_deref().map_or(Value::Null, Value::from));
            Value::Object(m)
        };
        let a = classify(0, &element(&sent_ids[0])).unwrap();
        let b = classify(0, &element(&sent_ids[1])).unwrap();
        prop_assert_eq!(&a, &b, "MessageSentId decided");
        let ok_prefix = error_msg.as_deref().is_some_and(|e| e.starts_with("OK"));
        let has_id = message_id.as_deref().is_some_and(|m| !m.is_empty());
        prop_assert_eq!(a.is_success(), ok_prefix && has_id);
        if let Outcome::Refused(r) = &a {
            let expected = error_msg.as_deref().filter(|e| !e.is_empty())
                .or_else(|| warnings.as_ref().and_then(|w| w.first()).map(String::as_str).filter(|w| !w.is_empty()))
                .unwrap_or(gc::UNKNOWN_ERROR);
            prop_assert_eq!(r.error.as_str(), expected);
        }
    }

    /// The parser never panics on any JSON value, and what it accepts has one outcome
    /// per array element.
    #[test]
    fn parser_never_panics_on_json(v in arbitrary_json(), status in prop_oneof![Just(200u16), 100u16..600]) {
        let text = v.to_string();
        if let Ok(outcomes) = parse_response(status, text.as_bytes(), None) {
            prop_assert_eq!(outcomes.len(), v.as_array().unwrap().len());
        }
        // As an element, too.
        let _ = classify(0, &v);
    }

    /// …nor on any bytes, and nor does the verifier.
    #[test]
    fn parser_and_verifier_never_panic_on_bytes(data in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse_response(200, &data, Some(1));
        let verifier = Verifier::new(Directory::new(), FixedClock::from_millis(NOW_MS), SeededIds::new("p", 1));
        for route in [Route::Sms, Route::Email, Route::PartnerRoute] {
            let (status, _) = verifier.respond(route, &data);
            prop_assert!(status == 200 || status == 400);
        }
    }
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let field = prop_oneof![
        Just("errorMsg".to_owned()),
        Just("MessageId".to_owned()),
        Just("WarningMessages".to_owned()),
        Just("MessageSentId".to_owned()),
        Just("transmitDateTime".to_owned()),
        Just("statusMsg".to_owned()),
        Just("ClientRef".to_owned()),
        "[a-zA-Z]{1,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        Just(json!("OK 1 messages queued for sending")),
        Just(json!("2025-07-04T17:28:54.5859378Z")),
        Just(json!("2025-07-04T17:28:54.58593781Z")),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((field.clone(), inner), 0..7)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}
