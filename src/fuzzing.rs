//! Fuzzing entry points: each cargo-fuzz target in `fuzz/` is one line calling a function
//! here, and `tests/fuzz_corpus.rs` replays every corpus and regression file through the
//! same functions on stable Rust. Each function asserts something beyond "no panic": a
//! round trip, agreement with a second parser, or that an accepted request really
//! carries a valid signature.

#![allow(missing_docs)]

use arbitrary::{Arbitrary, Unstructured};
use serde_json::Value;

use crate::schemes::hmac as hm;
use crate::schemes::signupto::{
    self as sut, ApiKey, AuthScheme, Envelope, KeyDirectory, Variant, Verifier,
};
use crate::{FixedClock, InMemoryNonceStore, Request};

/// A fuzz target's entry point.
pub type FuzzTarget = fn(&[u8]);

/// The fuzz targets, by name: `(name, function)`.
pub const TARGETS: &[(&str, FuzzTarget)] = &[
    ("signupto_authorization", signupto_authorization),
    ("signupto_response", signupto_response),
    ("signupto_token_response", signupto_token_response),
    ("signupto_verify_http", signupto_verify_http),
    ("signupto_verify_structured", signupto_verify_structured),
    ("vector_file", vector_file),
    ("portal_login_response", portal_login_response),
    ("portal_verify", portal_verify),
    ("groupcall_response", groupcall_response),
    ("groupcall_verify", groupcall_verify),
    ("hmac_error_envelope", hmac_error_envelope),
    ("hmac_verify", hmac_verify),
];

/// The `Authorization` parser: whatever it accepts, printing it back and parsing again
/// gives the same value, and the scheme token and credentials are what the text holds.
pub fn signupto_authorization(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(auth) = sut::parse_authorization(text) else {
        return;
    };
    let printed = match auth.scheme {
        AuthScheme::Token => format!("SuTToken {}", auth.credentials),
        s => format!("{} signature=\"{}\"", s.token(), auth.credentials),
    };
    let again = sut::parse_authorization(&printed).expect("a printed Authorization parses");
    assert_eq!(again, auth);
    // The credentials are a substring of the input, and the scheme token starts it.
    assert!(text.contains(&auth.credentials));
    assert!(text[..auth.scheme.token().len()].eq_ignore_ascii_case(auth.scheme.token()));
}

/// The PMAPI envelope parser agrees with `serde_json::Value` on what is an envelope.
pub fn signupto_response(data: &[u8]) {
    let ours = sut::parse_response(401, data);
    let oracle: Option<Value> = serde_json::from_slice(data).ok();
    let shaped = oracle.as_ref().and_then(|v| {
        let status = v.get("status")?.as_str()?;
        v.get("response")?.as_object()?;
        matches!(status, "ok" | "error").then_some(status)
    });
    match (&ours, shaped) {
        (Ok(Envelope::Ok { data: d, .. }), Some("ok")) => {
            let oracle = oracle.unwrap();
            assert_eq!(d, oracle["response"].get("data").unwrap_or(&Value::Null));
        }
        (Ok(Envelope::Error { message, .. }), Some("error")) => {
            let oracle = oracle.unwrap();
            let m = oracle["response"]
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("");
            assert_eq!(message, m);
        }
        // A well-shaped envelope may still be refused for a wrongly typed member.
        (Err(_), Some(_)) => {}
        (Err(_), None) => {}
        (Ok(e), other) => panic!("parsed {e:?} but the oracle says {other:?}"),
    }
}

/// The token response parser: an accepted token is always 96 Base64-alphabet characters
/// taken verbatim from the body.
pub fn signupto_token_response(data: &[u8]) {
    if let Ok(grant) = sut::parse_token_response(200, data) {
        let t = grant.token.expose();
        assert_eq!(t.len(), 96);
        assert!(
            t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
        );
        let v: Value = serde_json::from_slice(data).expect("accepted implies JSON");
        let text = v.to_string();
        assert!(text.contains(t));
    }
}

/// Keys the verifier fuzz targets use.
pub const FUZZ_COMPANY: (u64, &str) = (7_654_321, "2b2d77e014a30792d5048e262e306783");
/// Keys the verifier fuzz targets use.
pub const FUZZ_PARTNER: (u64, &str) = (4567, "abcdefghijABCDEFGHIJabcdefghijABCDEFGHIJ");
/// The verifier's clock in the fuzz targets: 60 s after `Sat, 09 Sep 1989 11:00:00 GMT`.
pub const FUZZ_NOW: i64 = 621_342_060;

/// Parses a minimal HTTP/1.1 request: request line, header lines, blank line, body.
/// Returns `None` for anything that is not shaped so.
pub fn parse_http(data: &[u8]) -> Option<Request> {
    let text = std::str::from_utf8(data).ok()?;
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((text, ""));
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, target) = (first.next()?, first.next()?);
    let mut req = Request::new(method, target).body(body.as_bytes().to_vec());
    for line in lines {
        let (name, value) = line.split_once(':')?;
        req.headers.append(name, value);
    }
    Some(req)
}

/// An independent statement of the canonical string and signature, written apart from
/// the scheme module, used to check what the verifier accepts.
fn independent_signature(variant: Variant, req: &Request, key: &str) -> Option<String> {
    let get = |n: &str| {
        req.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.trim_matches([' ', '\t']).to_owned())
    };
    let path = req.target.split(['?', '#']).next().unwrap_or("");
    let mut s = format!("{} {}\r\nDate: {}\r\n", req.method, path, get("Date")?);
    if variant == Variant::PartnerHash {
        s += &format!("X-SuT-PID: {}\r\n", get("X-SuT-PID")?);
    }
    if let Some(cid) = get("X-SuT-CID") {
        s += &format!("X-SuT-CID: {cid}\r\n");
    }
    if let Some(uid) = get("X-SuT-UID") {
        s += &format!("X-SuT-UID: {uid}\r\n");
    }
    s += &format!("X-SuT-Nonce: {}\r\n{key}", get("X-SuT-Nonce")?);
    Some(crate::encoding::hex_lower(&crate::encoding::sha1(
        s.as_bytes(),
    )))
}

fn verifier(variant: Variant) -> Verifier<FixedClock, InMemoryNonceStore> {
    let (id, key) = if variant == Variant::Hash {
        FUZZ_COMPANY
    } else {
        FUZZ_PARTNER
    };
    let mut keys = KeyDirectory::new();
    keys.insert(id, ApiKey::new(variant, key).expect("valid fuzz key"));
    Verifier::new(
        variant,
        keys,
        FixedClock::from_secs(FUZZ_NOW),
        InMemoryNonceStore::new(16),
    )
}

/// Accepted implies the signature is really valid (by an independent computation), and
/// a second presentation of an accepted request is a replay.
fn check_verify(req: &Request) {
    for variant in [Variant::Hash, Variant::PartnerHash] {
        let v = verifier(variant);
        if v.verify(req).is_ok() {
            let key = if variant == Variant::Hash {
                FUZZ_COMPANY.1
            } else {
                FUZZ_PARTNER.1
            };
            let expected = independent_signature(variant, req, key)
                .expect("accepted implies the headers exist");
            let auth = req.headers.get_one("Authorization").unwrap().unwrap();
            let presented = sut::parse_authorization(auth)
                .unwrap()
                .credentials
                .to_ascii_lowercase();
            assert_eq!(
                presented, expected,
                "accepted a request whose signature is not valid"
            );
            assert_eq!(v.verify(req).unwrap_err().code(), "NONCE_REPLAYED");
        }
    }
}

/// The verifiers on a raw HTTP request.
pub fn signupto_verify_http(data: &[u8]) {
    if let Some(req) = parse_http(data) {
        check_verify(&req);
    }
}

/// A request built from structured choices, signed correctly or not, so the fuzzer
/// reaches deep into the verifier (and past it) often.
#[derive(Debug, Arbitrary)]
pub struct FuzzSignupto {
    partner: bool,
    method: u8,
    path: String,
    query: Option<String>,
    date_offset: i16,
    cid: Option<u64>,
    uid: Option<u64>,
    nonce: String,
    sign_correctly: bool,
    uppercase_signature: bool,
    extra_headers: Vec<(u8, String)>,
    wire_case: u8,
}

/// See [`FuzzSignupto`].
pub fn signupto_verify_structured(data: &[u8]) {
    let Ok(f) = FuzzSignupto::arbitrary(&mut Unstructured::new(data)) else {
        return;
    };
    let variant = if f.partner {
        Variant::PartnerHash
    } else {
        Variant::Hash
    };
    let method = ["GET", "POST", "PUT", "DELETE", "get", ""][usize::from(f.method) % 6];
    let target = match &f.query {
        Some(q) => format!("/{}?{q}", f.path),
        None => format!("/{}", f.path),
    };
    let date = crate::encoding::format_http_date(FUZZ_NOW + i64::from(f.date_offset));
    let name = |n: &str| match f.wire_case % 3 {
        0 => n.to_owned(),
        1 => n.to_ascii_lowercase(),
        _ => n.to_ascii_uppercase(),
    };
    let mut req = Request::new(method, &target).header(name("Date"), &date);
    let (key_id, key) = if f.partner {
        FUZZ_PARTNER
    } else {
        FUZZ_COMPANY
    };
    if f.partner {
        req.headers.append(name("X-SuT-PID"), key_id.to_string());
    }
    let cid = if f.partner {
        f.cid
    } else {
        Some(f.cid.map_or(key_id, |_| key_id))
    };
    if let Some(c) = cid {
        req.headers.append(name("X-SuT-CID"), c.to_string());
    }
    if let Some(u) = f.uid {
        req.headers.append(name("X-SuT-UID"), u.to_string());
    }
    req.headers.append(name("X-SuT-Nonce"), &f.nonce);
    for (which, value) in &f.extra_headers {
        let header = [
            "Date",
            "X-SuT-Nonce",
            "X-SuT-CID",
            "X-SuT-UID",
            "X-SuT-PID",
            "Authorization",
            "Host",
        ][usize::from(*which) % 7];
        req.headers.append(header, value);
    }
    let sig = if f.sign_correctly {
        independent_signature(variant, &req, key).unwrap_or_default()
    } else {
        "0".repeat(40)
    };
    let sig = if f.uppercase_signature {
        sig.to_ascii_uppercase()
    } else {
        sig
    };
    req.headers.append(
        "Authorization",
        format!("{} signature=\"{sig}\"", variant.auth_scheme()),
    );
    check_verify(&req);
}

/// The vector-file loader: never panics; whatever it accepts survives a serialise /
/// parse round trip unchanged.
pub fn vector_file(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = std::path::Path::new("fuzz.json");
    if let Ok(file) = crate::vectors::parse_file(path, text) {
        let printed = serde_json::to_string(&file).expect("a loaded file serialises");
        let again = crate::vectors::parse_file(path, &printed).expect("a printed file loads");
        assert_eq!(again, file);
    }
}

/// Seed inputs for each target, derived from the vector files: `(target, bytes)`.
/// The `vector_file` target has none here: its seeds are the vector files themselves,
/// handed to the fuzzer from `vectors/` at run time (fuzz/targets.sh,
/// `fuzz_seed_dirs_for`) rather than committed as copies.
pub fn seeds(files: &[crate::vectors::LoadedFile]) -> Vec<(&'static str, Vec<u8>)> {
    let mut out = Vec::new();
    for f in files {
        if let Some(build) = crate::registry::get(&f.file.scheme).and_then(|e| e.fuzz_seeds) {
            build(&f.file, &mut out);
        }
    }
    out
}

/// Seeds of the Sign-Up.to targets from one Sign-Up.to vector file (any of the three).
pub(crate) fn signupto_seeds(
    file: &crate::vectors::VectorFile,
    out: &mut Vec<(&'static str, Vec<u8>)>,
) {
    for case in &file.cases {
        let input = &case.input;
        match case.op.as_str() {
            "parse-authorization" => {
                if let Some(v) = input["value"].as_str() {
                    out.push(("signupto_authorization", v.as_bytes().to_vec()));
                }
            }
            "parse-response" => {
                if let Some(b) = input["body"].as_str() {
                    out.push(("signupto_response", b.as_bytes().to_vec()));
                }
            }
            "parse-token-response" => {
                if let Some(b) = input["body"].as_str() {
                    out.push(("signupto_token_response", b.as_bytes().to_vec()));
                }
            }
            "verify" => {
                let r = &input["request"];
                let mut http = format!(
                    "{} {} HTTP/1.1\r\n",
                    r["method"].as_str().unwrap_or("GET"),
                    r["target"].as_str().unwrap_or("/")
                );
                for h in r["headers"].as_array().into_iter().flatten() {
                    http += &format!(
                        "{}: {}\r\n",
                        h[0].as_str().unwrap_or(""),
                        h[1].as_str().unwrap_or("")
                    );
                    if let Some(auth) = h[1].as_str().filter(|_| {
                        h[0].as_str()
                            .is_some_and(|n| n.eq_ignore_ascii_case("authorization"))
                    }) {
                        out.push(("signupto_authorization", auth.as_bytes().to_vec()));
                    }
                }
                http += "\r\n";
                http += r["body"].as_str().unwrap_or("");
                out.push(("signupto_verify_http", http.into_bytes()));
            }
            _ => {}
        }
    }
}

/// The partners-portal login-response parser agrees with `serde_json::Value`: a JSON
/// string is accepted exactly when its content is a bearer token of at most
/// `MAX_TOKEN_LEN` bytes (checked here independently), and then verbatim; any other JSON
/// value is refused; text that is not JSON is accepted only as a bare token.
pub fn portal_login_response(data: &[u8]) {
    use crate::schemes::portal::{MAX_TOKEN_LEN, parse_login_response};
    fn token_chars(t: &str) -> bool {
        let body = t.trim_end_matches('=');
        !body.is_empty()
            && body.chars().all(|c| {
                c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '+' | '/')
            })
            && t.len() <= MAX_TOKEN_LEN
    }
    let ours = parse_login_response(data);
    match serde_json::from_slice::<Value>(data) {
        Ok(Value::String(s)) => match &ours {
            Ok(t) => assert!(t == &s && token_chars(&s), "accepted {t:?} from {s:?}"),
            Err(_) => assert!(!token_chars(&s), "refused the token string {s:?}"),
        },
        Ok(other) => assert!(ours.is_err(), "accepted {other}"),
        Err(_) => {
            let trimmed = std::str::from_utf8(data)
                .ok()
                .map(|t| t.trim_matches([' ', '\t', '\r', '\n']));
            match (&ours, trimmed) {
                (Ok(t), Some(text)) => assert!(t == text && token_chars(text)),
                (Ok(t), None) => panic!("accepted {t:?} from bytes that are not UTF-8"),
                (Err(_), Some(text)) => {
                    assert!(!token_chars(text), "refused the bare token {text:?}")
                }
                (Err(_), None) => {}
            }
        }
    }
}

/// The identity the `portal_verify` target's portal knows: the vectors' master, broker
/// and user, so seeds from the vectors reach deep.
pub const FUZZ_PORTAL: (&str, &str, u64, &str) =
    ("network_abc123", "secret_xyz789", 12345, "ana@example.pt");

/// True when `req` carries exactly one of each identity header with the expected value,
/// read independently of the scheme module.
fn portal_levels_hold(req: &Request) -> bool {
    let (client_id, secret, broker, user) = FUZZ_PORTAL;
    let single = |name: &str| {
        let mut vs = req
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim_matches([' ', '\t']));
        match (vs.next(), vs.next()) {
            (Some(v), None) => Some(v),
            _ => None,
        }
    };
    single("xClientID") == Some(client_id)
        && single("xClientSecret") == Some(secret)
        && single("brokerID").is_some_and(|b| {
            !b.is_empty()
                && b.len() <= 18
                && b.bytes().all(|c| c.is_ascii_digit())
                && b.parse::<u64>() == Ok(broker)
        })
        && single("username") == Some(user)
}

/// The portal verifier on a raw HTTP request, where `{{token}}` in a header value stands
/// for a live token issued just before: an accepted login or protected request really
/// carries the three levels (checked independently), an accepted protected request
/// really carries that token in `Authorization: Bearer`, and a refusal leaves the
/// session usable.
pub fn portal_verify(data: &[u8]) {
    use crate::schemes::portal::{Directory, Portal};
    let Some(raw) = parse_http(data) else {
        return;
    };
    let (client_id, secret, broker, user) = FUZZ_PORTAL;
    let mut dir = Directory::new();
    dir.add_master(client_id, secret).expect("fresh directory");
    dir.add_broker(client_id, broker, true)
        .expect("fresh directory");
    dir.add_user(broker, user, true, ["simulations.read"])
        .expect("fresh directory");
    let clock = FixedClock::from_secs(FUZZ_NOW);
    let portal = Portal::new(dir, &clock);
    let good = Request::new("POST", "/API/partnersPortal/authentication")
        .header("xClientID", client_id)
        .header("xClientSecret", secret)
        .header("brokerID", broker.to_string())
        .header("username", user);
    let token = portal
        .login(&good)
        .expect("the fixture logs in")
        .token()
        .clone();
    let mut req = Request::new(raw.method.clone(), raw.target.clone());
    for (n, v) in raw.headers.iter() {
        req.headers
            .append(n, v.replace("{{token}}", token.expose()));
    }
    if portal.login(&req).is_ok() {
        assert!(
            portal_levels_hold(&req),
            "a login was accepted without the three levels"
        );
    }
    match portal.authenticate(&req, "simulations.read") {
        Ok(_) => {
            assert!(
                portal_levels_hold(&req),
                "accepted without the three levels"
            );
            assert_eq!(
                req.headers.get_all("authorization").count(),
                1,
                "accepted two Authorization headers"
            );
            let auth = req
                .headers
                .get_all("authorization")
                .next()
                .expect("accepted implies a token");
            let auth = auth.trim_matches([' ', '\t']);
            assert!(auth.len() > 7 && auth[..6].eq_ignore_ascii_case("bearer"));
            assert_eq!(
                auth[6..].trim_start_matches(' '),
                token.expose(),
                "accepted another token"
            );
        }
        Err(_) => {
            let mut ok = good
                .clone()
                .header("Authorization", format!("Bearer {}", token.expose()));
            ok.method = "GET".into();
            assert!(
                portal.authenticate(&ok, "simulations.read").is_ok(),
                "a refused request ended the session"
            );
        }
    }
}

/// Seeds from the partners-portal vectors: every login body for `portal_login_response`,
/// every scenario request (its `{{token:N}}` written `{{token}}`) for `portal_verify`.
pub(crate) fn portal_seeds(
    file: &crate::vectors::VectorFile,
    out: &mut Vec<(&'static str, Vec<u8>)>,
) {
    for case in &file.cases {
        let input = &case.input;
        match case.op.as_str() {
            "parse-login-response" => {
                if let Some(b) = input["body"].as_str() {
                    out.push(("portal_login_response", b.as_bytes().to_vec()));
                }
            }
            "scenario" => {
                for step in input["steps"].as_array().into_iter().flatten() {
                    let r = &step["request"];
                    let mut http = format!(
                        "{} {} HTTP/1.1\r\n",
                        r["method"].as_str().unwrap_or("GET"),
                        r["target"].as_str().unwrap_or("/")
                    );
                    for h in r["headers"].as_array().into_iter().flatten() {
                        let value = h[1].as_str().unwrap_or("");
                        let mut v = String::new();
                        let mut rest = value;
                        while let Some(i) = rest.find("{{token:") {
                            v.push_str(&rest[..i]);
                            v.push_str("{{token}}");
                            rest = rest[i..].split_once("}}").map_or("", |(_, after)| after);
                        }
                        v.push_str(rest);
                        http += &format!("{}: {v}\r\n", h[0].as_str().unwrap_or(""));
                    }
                    http += "\r\n";
                    out.push(("portal_verify", http.into_bytes()));
                }
            }
            _ => {}
        }
    }
}

/// The Groupcall response parser agrees with a direct reading of the same bytes as a
/// `serde_json::Value`: what is an array, which elements are well-typed, and for each
/// element success (G3), the error text and the `MessageId`.
pub fn groupcall_response(data: &[u8]) {
    use crate::schemes::groupcall::{Error as GcError, Outcome, parse_response};
    let ours = parse_response(200, data, None);
    let Ok(oracle) = serde_json::from_slice::<Value>(data) else {
        assert!(
            matches!(ours, Err(GcError::MalformedResponseJson { .. })),
            "not JSON, yet {ours:?}"
        );
        return;
    };
    let Value::Array(items) = &oracle else {
        assert_eq!(ours, Err(GcError::NotAnArray));
        return;
    };
    if items.is_empty() {
        assert_eq!(ours, Err(GcError::EmptyResponse));
        return;
    }
    let str_or_null = |v: Option<&Value>| matches!(v, None | Some(Value::Null | Value::String(_)));
    let typed = |e: &Value| {
        let Some(m) = e.as_object() else { return false };
        [
            "errorMsg",
            "MessageId",
            "statusMsg",
            "transmitDateTime",
            "ClientRef",
        ]
        .iter()
        .all(|f| str_or_null(m.get(*f)))
            && match m.get("WarningMessages") {
                None | Some(Value::Null) => true,
                Some(Value::Array(w)) => w.iter().all(Value::is_string),
                Some(_) => false,
            }
    };
    // A transmitDateTime string may still be malformed: only then may a well-typed
    // array be refused.
    let has_time = |e: &Value| e.get("transmitDateTime").is_some_and(Value::is_string);
    match &ours {
        Err(GcError::MalformedElement { index, .. }) => {
            let first_bad = items.iter().position(|e| !typed(e) || has_time(e));
            assert!(
                first_bad.is_some_and(|b| b <= *index),
                "refused element {index} the oracle finds well-typed"
            );
        }
        Err(e) => panic!("a JSON array refused with {e:?}"),
        Ok(outcomes) => {
            assert_eq!(outcomes.len(), items.len());
            for (o, e) in outcomes.iter().zip(items) {
                assert!(typed(e), "accepted an ill-typed element {e}");
                let text = |f: &str| e.get(f).and_then(Value::as_str);
                let success = text("errorMsg").is_some_and(|m| m.starts_with("OK"))
                    && text("MessageId").is_some_and(|m| !m.is_empty());
                assert_eq!(o.is_success(), success, "{e}");
                match o {
                    Outcome::Accepted(a) => {
                        assert_eq!(Some(a.message_id.as_str()), text("MessageId"))
                    }
                    Outcome::Refused(r) => {
                        let first_warning = e
                            .get("WarningMessages")
                            .and_then(|w| w.get(0))
                            .and_then(Value::as_str);
                        let want = text("errorMsg")
                            .filter(|m| !m.is_empty())
                            .or(first_warning.filter(|w| !w.is_empty()))
                            .unwrap_or("Unknown error");
                        assert_eq!(r.error, want);
                    }
                }
            }
        }
    }
    if !items.iter().any(|e| !typed(e) || has_time(e)) {
        assert!(ours.is_ok(), "a well-typed array refused: {ours:?}");
    }
}

/// The customer and partner the Groupcall verifier fuzz target knows (the vectors'
/// example credentials, so seeds from the vectors reach the success path).
pub const FUZZ_GROUPCALL_CUSTOMER: (&str, &str) = ("1469", "customer-api-key-67890");
/// See [`FUZZ_GROUPCALL_CUSTOMER`].
pub const FUZZ_GROUPCALL_PARTNER: &str = "partner-abc-12345";

/// The Groupcall payload verifier on arbitrary bytes: never panics; a malformed body is
/// a 400; otherwise one result per element; and an element is queued only if the body
/// really carries credentials the directory holds (and, on PartnerRoute, the partner's
/// key and a non-empty `styleClass`).
pub fn groupcall_verify(data: &[u8]) {
    use crate::schemes::groupcall::{Customer, Directory, Partner, Route, SeededIds, Verifier};
    let mut directory = Directory::new();
    directory.insert_customer(
        FUZZ_GROUPCALL_CUSTOMER.0,
        Customer {
            password: crate::Secret::from(FUZZ_GROUPCALL_CUSTOMER.1),
            sms_allowed: true,
            authorised_partners: vec!["abc".into()],
        },
    );
    directory.insert_partner(Partner {
        id: "abc".into(),
        key: crate::Secret::from(FUZZ_GROUPCALL_PARTNER),
        enabled: true,
    });
    let verifier = Verifier::new(
        directory,
        FixedClock::from_millis(1_751_650_134_585),
        SeededIds::new("fuzz", 1),
    );
    let oracle: Option<Value> = serde_json::from_slice(data).ok();
    for route in [Route::Sms, Route::Email, Route::PartnerRoute] {
        let result = verifier.verify(route, data);
        let elements = oracle
            .as_ref()
            .and_then(|v| v.get("messageData"))
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty());
        let (Ok(out), Some(elements)) = (&result, elements) else {
            let err =
                result.expect_err("a body without a non-empty messageData array was accepted");
            assert_eq!(err.http_status(), Some(400));
            continue;
        };
        assert_eq!(out.len(), elements.len());
        let root = oracle.as_ref().unwrap();
        for (answer, element) in out.iter().zip(elements) {
            if !answer.is_queued() {
                continue;
            }
            assert_eq!(
                element.get("CustomerId").and_then(Value::as_str),
                Some(FUZZ_GROUPCALL_CUSTOMER.0)
            );
            assert_eq!(
                element.get("Password").and_then(Value::as_str),
                Some(FUZZ_GROUPCALL_CUSTOMER.1),
                "queued an element whose Password is not the customer's"
            );
            if route == Route::PartnerRoute {
                assert_eq!(
                    root.get("PartnerKey").and_then(Value::as_str),
                    Some(FUZZ_GROUPCALL_PARTNER)
                );
                assert!(
                    root.get("styleClass")
                        .and_then(Value::as_str)
                        .is_some_and(|s| !s.is_empty())
                );
            }
            let id = answer.message_id.as_deref().unwrap();
            assert!(id.starts_with("1469.20250704."), "{id}");
        }
    }
}

/// Seeds for the Groupcall targets: response bodies, request bodies of verify cases and
/// the bodies build cases produce.
pub(crate) fn groupcall_seeds(file: &crate::vectors::VectorFile) -> Vec<(&'static str, Vec<u8>)> {
    let mut out = Vec::new();
    for case in &file.cases {
        match case.op.as_str() {
            "parse-response" => {
                if let Some(b) = case.input["body"].as_str() {
                    out.push(("groupcall_response", b.as_bytes().to_vec()));
                }
            }
            "verify" => {
                if let Some(b) = case.input["body"].as_str() {
                    out.push(("groupcall_verify", b.as_bytes().to_vec()));
                }
                if let Some(r) = case.expect.output.as_ref().map(|o| &o["response"])
                    && r.is_array()
                {
                    out.push(("groupcall_response", r.to_string().into_bytes()));
                }
            }
            "build" => {
                if let Some(b) = case.expect.output.as_ref().and_then(|o| o["body"].as_str()) {
                    out.push(("groupcall_verify", b.as_bytes().to_vec()));
                }
            }
            _ => {}
        }
    }
    out
}

// ---------------------------------------------------------------------------
// hmac-sha256
// ---------------------------------------------------------------------------

/// The error-envelope parser agrees with `serde_json::Value` (a second parser) on which
/// bodies are envelopes and on every member, and what it accepts survives a render /
/// parse round trip.
pub fn hmac_error_envelope(data: &[u8]) {
    let ours = hm::parse_error_envelope(data);
    let oracle: Option<Value> = serde_json::from_slice(data).ok();
    // The rules of H7, restated over the oracle's tree.
    let expected = oracle.as_ref().and_then(|v| {
        let o = v.as_object()?;
        if o.get("success") != Some(&Value::Bool(false)) {
            return None;
        }
        let code = o.get("code")?.as_str().filter(|c| !c.is_empty())?;
        let message = match o.get("message") {
            None | Some(Value::Null) => "",
            Some(Value::String(s)) => s.as_str(),
            Some(_) => return None,
        };
        let version = match o.get("version") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return None,
        };
        let timestamp = match o.get("timestamp") {
            None | Some(Value::Null) => None,
            Some(t) => Some(t.as_i64()?),
        };
        Some(hm::ErrorEnvelope {
            version,
            timestamp,
            code: code.to_owned(),
            message: message.to_owned(),
            data: o.get("data").cloned().unwrap_or(Value::Null),
        })
    });
    match (&ours, &expected) {
        (Ok(env), Some(want)) => {
            assert_eq!(env, want);
            let again = hm::parse_error_envelope(env.to_json().as_bytes())
                .expect("a rendered envelope parses");
            assert_eq!(&again, env);
        }
        (Err(_), None) => {}
        (ours, expected) => panic!("parser says {ours:?}, the oracle says {expected:?}"),
    }
}

/// Keys the hmac fuzz target's verifier knows: `(api key, secret)`.
pub const FUZZ_HMAC_KEYS: [(&str, &str); 3] = [
    ("pk_fuzz_enabled", "sk_fuzz_secret_enabled"),
    ("pk_fuzz_disabled", "sk_fuzz_secret_disabled"),
    ("pk_fuzz_iplocked", "sk_fuzz_secret_iplocked"),
];
/// The hmac fuzz target's clock (Unix seconds).
pub const FUZZ_HMAC_NOW: i64 = 1_709_337_600;

/// The string to sign and signature, restated from the vendor's page without the scheme
/// module: `Base64(HMAC-SHA256(secret, METHOD\nPATH\nTS\nNONCE\nBODY))`.
fn hmac_independent_signature(
    method: &str,
    target: &str,
    ts: &str,
    nonce: &str,
    body: &[u8],
    secret: &str,
) -> String {
    let path = target.split(['?', '#']).next().unwrap_or("");
    let mut sts = format!("{method}\n{path}\n{ts}\n{nonce}\n").into_bytes();
    sts.extend_from_slice(body);
    crate::encoding::base64_encode(&crate::encoding::hmac_sha256(secret.as_bytes(), &sts))
}

/// A request built around a correctly signed one, then bent in structured ways.
#[derive(Debug, Arbitrary)]
pub struct FuzzHmac {
    method: u8,
    path: String,
    query: Option<String>,
    body: Vec<u8>,
    ts_offset: i16,
    ts_text: Option<String>,
    nonce: Option<String>,
    key: u8,
    sign_with_wrong_secret: bool,
    drop_headers: u8,
    signature_form: u8,
    extra_headers: Vec<(u8, String)>,
    wire_case: u8,
    client_ip: Option<[u8; 4]>,
    tamper_body: Option<u8>,
    replay_first: bool,
}

/// See [`FuzzHmac`]: accepted implies the signature, recomputed independently over the
/// request as received, is exactly the one presented, that the key is enabled, the IP
/// allowed and the timestamp inside ±60 s; and a second presentation is GA2014.
pub fn hmac_verify(data: &[u8]) {
    let Ok(f) = FuzzHmac::arbitrary(&mut Unstructured::new(data)) else {
        return;
    };
    let method = ["GET", "POST", "PUT", "DELETE", "get", ""][usize::from(f.method) % 6];
    let target = match &f.query {
        Some(q) => format!("/{}?{q}", f.path),
        None => format!("/{}", f.path),
    };
    let (api_key, secret) = FUZZ_HMAC_KEYS[usize::from(f.key) % 3];
    let ts = f
        .ts_text
        .clone()
        .unwrap_or_else(|| (FUZZ_HMAC_NOW + i64::from(f.ts_offset)).to_string());
    let nonce = f
        .nonce
        .clone()
        .unwrap_or_else(|| "550e8400-e29b-41d4-a716-446655440000".to_owned());
    let sign_secret = if f.sign_with_wrong_secret {
        "not the secret"
    } else {
        secret
    };
    let sig = hmac_independent_signature(method, &target, &ts, &nonce, &f.body, sign_secret);
    let auth = match f.signature_form % 6 {
        0 | 1 => format!("HMAC-SHA256 {sig}"),
        2 => format!("hmac-sha256 {sig}"),
        3 => format!("HMAC-SHA256 {}", sig.trim_end_matches('=')),
        4 => format!("HMAC-SHA256 {}", sig.replace('+', "-").replace('/', "_")),
        _ => sig.clone(),
    };
    let name = |n: &str| match f.wire_case % 3 {
        0 => n.to_owned(),
        1 => n.to_ascii_lowercase(),
        _ => n.to_ascii_uppercase(),
    };
    let mut req = Request::new(method, &target).body(f.body.clone());
    for (bit, (n, v)) in [
        ("X-Api-Key", api_key),
        ("X-Timestamp", ts.as_str()),
        ("X-Nonce", nonce.as_str()),
        ("Authorization", auth.as_str()),
    ]
    .into_iter()
    .enumerate()
    {
        if f.drop_headers & (1 << bit) == 0 {
            req.headers.append(name(n), v);
        }
    }
    for (which, value) in &f.extra_headers {
        let header = [
            "X-Api-Key",
            "X-Timestamp",
            "X-Nonce",
            "Authorization",
            "X-Signature",
            "Host",
        ][usize::from(*which) % 6];
        req.headers.append(header, value);
    }
    if let Some(b) = f.tamper_body {
        req.body.push(b);
    }

    let mut keys = hm::KeyDirectory::new();
    for (i, (k, s)) in FUZZ_HMAC_KEYS.iter().enumerate() {
        let mut rec = hm::KeyRecord::new(*s).expect("valid fuzz secret");
        if i == 1 {
            rec = rec.enabled(false);
        }
        if i == 2 {
            rec = rec.allow(hm::IpRule::parse("10.0.0.0/8").expect("valid rule"));
        }
        keys.insert(*k, rec).expect("valid fuzz key");
    }
    let v = hm::Verifier::new(
        keys,
        FixedClock::from_secs(FUZZ_HMAC_NOW),
        hm::ShardedNonceStore::new(16),
    );
    let ip = f.client_ip.map(std::net::IpAddr::from);
    if f.replay_first {
        let _ = v.verify(&req, ip);
    }
    let Ok(ok) = v.verify(&req, ip) else {
        return;
    };
    // Accepted: restate every condition from the request as received.
    let get = |n: &str| {
        let mut it = req
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(n));
        let one = it
            .next()
            .map(|(_, v)| v.trim_matches([' ', '\t']).to_owned());
        assert!(it.next().is_none(), "accepted a duplicated {n}");
        one.expect("accepted implies the header exists")
    };
    let (key, ts, nonce, auth) = (
        get("X-Api-Key"),
        get("X-Timestamp"),
        get("X-Nonce"),
        get("Authorization"),
    );
    assert_eq!(ok.api_key(), key);
    let idx = FUZZ_HMAC_KEYS
        .iter()
        .position(|(k, _)| *k == key)
        .expect("accepted implies a known key");
    assert_ne!(idx, 1, "accepted a disabled key");
    if idx == 2 {
        assert!(
            ip.is_some_and(|ip| matches!(ip, std::net::IpAddr::V4(v4) if v4.octets()[0] == 10))
        );
    }
    let t: i64 = ts.parse().expect("accepted implies a numeric timestamp");
    assert!(ts.bytes().all(|b| b.is_ascii_digit()));
    assert!((t - FUZZ_HMAC_NOW).abs() <= 60);
    let expected = hmac_independent_signature(
        &req.method,
        &req.target,
        &ts,
        &nonce,
        &req.body,
        FUZZ_HMAC_KEYS[idx].1,
    );
    assert_eq!(
        auth,
        format!("HMAC-SHA256 {expected}"),
        "accepted a request whose signature is not valid"
    );
    assert_eq!(v.verify(&req, ip).unwrap_err().code(), "GA2014");
}

/// Seeds of the hmac targets: every error body of the vectors (parsed and rendered),
/// and each verify case's request as raw bytes (the structured target reads them as
/// its choices).
pub(crate) fn hmac_seeds(
    file: &crate::vectors::VectorFile,
    out: &mut Vec<(&'static str, Vec<u8>)>,
) {
    for case in &file.cases {
        let input = &case.input;
        match case.op.as_str() {
            "parse-error" => {
                if let Some(b) = input["body"].as_str() {
                    out.push(("hmac_error_envelope", b.as_bytes().to_vec()));
                }
            }
            "error-response" => {
                if let Some(Value::Object(o)) = &case.expect.output
                    && let Some(b) = o.get("body").and_then(Value::as_str)
                {
                    out.push(("hmac_error_envelope", b.as_bytes().to_vec()));
                }
            }
            "verify" => {
                let r = &input["request"];
                let mut bytes = format!(
                    "{} {}\n",
                    r["method"].as_str().unwrap_or("GET"),
                    r["target"].as_str().unwrap_or("/")
                )
                .into_bytes();
                for h in r["headers"].as_array().into_iter().flatten() {
                    bytes.extend_from_slice(
                        format!(
                            "{}: {}\n",
                            h[0].as_str().unwrap_or(""),
                            h[1].as_str().unwrap_or("")
                        )
                        .as_bytes(),
                    );
                }
                bytes.extend_from_slice(r["body"].as_str().unwrap_or("").as_bytes());
                out.push(("hmac_verify", bytes));
            }
            _ => {}
        }
    }
}
