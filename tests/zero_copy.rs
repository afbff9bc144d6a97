//! The borrowed signers (`sign_into`, `sign_request`) against computations that share
//! no code with them: the string to sign built here from the vendor pages' forms and
//! hashed with the `hmac`/`sha1` crates directly, the signature encoded with `base64`.

use base64::Engine as _;
use hmac::{KeyInit, Mac};
use http::HeaderMap;
use partner_auth::schemes::{hmac as h, signupto as sut};
use partner_auth::{FixedClock, InMemoryNonceStore, Request};
use proptest::prelude::*;
use sha1::{Digest, Sha1};

const KEY: &str = "pk_live_4f2a9c7e1b3d";
const SECRET: &str = "sk_live_9b1e7d3c5a0f4e8d2c6b1a7f3e9d5c0b";

/// `Base64(HMAC-SHA256(secret, METHOD\nPATH\nTIMESTAMP\nNONCE\nBODY))`, the page's form,
/// PATH being the target up to the first `?`.
fn independent_hmac(method: &str, target: &str, ts: i64, nonce: &str, body: &[u8]) -> String {
    let path = target.split('?').next().unwrap();
    let mut sts = format!("{method}\n{path}\n{ts}\n{nonce}\n").into_bytes();
    sts.extend_from_slice(body);
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(&sts);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The header map's fields as `(name, value)` text, for comparison with `Signed`.
fn fields(map: &HeaderMap) -> Vec<(String, String)> {
    let mut out: Vec<_> = map
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    out.sort();
    out
}

fn lowercased(headers: impl IntoIterator<Item = (String, String)>) -> Vec<(String, String)> {
    let mut out: Vec<_> = headers
        .into_iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v))
        .collect();
    out.sort();
    out
}

fn hmac_method() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("GET".to_owned()),
        Just("POST".to_owned()),
        "[A-Z]{1,10}"
    ]
}

fn hmac_target() -> impl Strategy<Value = String> {
    (
        "(/[a-zA-Z0-9._~%-]{0,12}){1,5}",
        proptest::option::of("[a-z0-9=&%]{0,20}"),
    )
        .prop_map(|(path, query)| match query {
            Some(q) => format!("{path}?{q}"),
            None => path,
        })
}

proptest! {
    // Counterexamples are kept in the top-level proptest-regressions/ and replayed first.
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct(
                "proptest-regressions/zero_copy.txt",
            ),
        )),
        ..ProptestConfig::default()
    })]
    /// The borrowed signer's signature is the HMAC of the page's string to sign, its
    /// headers are the owned signer's, and the request it describes verifies.
    #[test]
    fn hmac_sign_into_equals_an_independent_hmac(
        method in hmac_method(),
        target in hmac_target(),
        nonce in "[!-~]{1,128}",
        body in proptest::collection::vec(any::<u8>(), 0..2100),
        ts in 0i64..=999_999_999_999,
    ) {
        let signer = h::Signer::new(KEY, SECRET).unwrap();
        let req = h::SignRequest { method: &method, target: &target, timestamp: ts, nonce: &nonce, body: &body };
        let mut map = HeaderMap::new();
        let signature = signer.sign_into(&req, &mut map).unwrap();

        let expected = independent_hmac(&method, &target, ts, &nonce, &body);
        prop_assert_eq!(signature.as_str(), expected.as_str());
        prop_assert_eq!(map["authorization"].to_str().unwrap(), format!("HMAC-SHA256 {expected}"));
        prop_assert_eq!(map["x-timestamp"].to_str().unwrap(), ts.to_string());
        prop_assert_eq!(map["x-nonce"].to_str().unwrap(), nonce.as_str());
        prop_assert_eq!(map["x-api-key"].to_str().unwrap(), KEY);

        let signed = signer.sign(&req).unwrap();
        prop_assert_eq!(&signed.signature, &expected);
        prop_assert_eq!(fields(&map), lowercased(signed.headers.iter().map(|(n, v)| (n.to_string(), v.clone()))));

        let mut wire = Request::new(method.as_str(), target.as_str()).body(body.clone());
        for (n, v) in &map {
            wire.headers.append(n.as_str(), v.to_str().unwrap());
        }
        let verifier = h::Verifier::new(
            {
                let mut keys = h::KeyDirectory::new();
                keys.insert(KEY, h::KeyRecord::new(SECRET).unwrap()).unwrap();
                keys
            },
            FixedClock::from_secs(ts),
            h::ShardedNonceStore::default(),
        );
        prop_assert_eq!(verifier.verify(&wire, None).map(|v| v.api_key().to_owned()), Ok(KEY.to_owned()));
    }
}

#[test]
fn hmac_sign_into_replaces_stale_values_and_writes_nothing_when_refused() {
    let signer = h::Signer::new(KEY, SECRET).unwrap();
    let mut map = HeaderMap::new();
    map.insert("x-nonce", "old".parse().unwrap());
    map.append("authorization", "HMAC-SHA256 old".parse().unwrap());
    map.append("authorization", "Bearer other".parse().unwrap());
    map.insert("content-type", "application/json".parse().unwrap());
    let req = h::SignRequest {
        method: "POST",
        target: "/api/v1/partner/orders",
        timestamp: 1_709_337_600,
        nonce: "n-1",
        body: b"{}",
    };
    let signature = signer.sign_into(&req, &mut map).unwrap();
    let shown = format!("{signer:?} {signer:#?} {signature:?}");
    assert!(
        !shown.contains(SECRET),
        "the secret shows in Debug: {shown}"
    );
    assert_eq!(map.get_all("authorization").iter().count(), 1);
    assert_eq!(map["authorization"], format!("HMAC-SHA256 {signature}"));
    assert_eq!(map["x-nonce"], "n-1");
    assert_eq!(map["content-type"], "application/json");
    assert_eq!(map.len(), 5);

    let before = fields(&map);
    for (bad, code) in [
        (
            h::SignRequest {
                method: "GE T",
                ..req
            },
            "MalformedMethod",
        ),
        (
            h::SignRequest {
                target: "orders",
                ..req
            },
            "MalformedTarget",
        ),
        (
            h::SignRequest {
                nonce: "a b",
                ..req
            },
            "MalformedNonce",
        ),
        (
            h::SignRequest {
                timestamp: -1,
                ..req
            },
            "MalformedTimestamp",
        ),
    ] {
        let err = signer.sign_into(&bad, &mut map).unwrap_err();
        assert_eq!(format!("{err:?}"), code);
        assert_eq!(signer.sign(&bad).map(|s| s.signature), Err(err));
        assert_eq!(
            fields(&map),
            before,
            "a refused request changed the headers"
        );
    }
}

#[test]
fn hmac_sign_request_signs_an_http_request_in_place() {
    let signer = h::Signer::new(KEY, SECRET).unwrap();
    let body = br#"{"reference":"A-1"}"#.to_vec();
    let mut request = http::Request::builder()
        .method("PUT")
        .uri("https://partner.example/api/v1/partner/orders/7?dry=1")
        .header("content-type", "application/json")
        .body(body.clone())
        .unwrap();
    let signature = signer
        .sign_request(&mut request, 1_709_337_600, "nonce-7")
        .unwrap();
    let expected = independent_hmac(
        "PUT",
        "/api/v1/partner/orders/7?dry=1",
        1_709_337_600,
        "nonce-7",
        &body,
    );
    assert_eq!(signature.to_string(), expected);
    let headers = request.headers();
    assert_eq!(headers["authorization"], format!("HMAC-SHA256 {expected}"));
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers.len(), 5);
}

/// The Sign-Up.to canonical string as the pages write it, lines joined by CR LF, and
/// the key line after it; `None` ids leave their line out.
fn independent_canonical(
    variant: sut::Variant,
    who: sut::Identity,
    method: &str,
    target: &str,
    date: &str,
    nonce: &str,
) -> String {
    let path = target.split('?').next().unwrap();
    let mut lines = vec![format!("{method} {path}"), format!("Date: {date}")];
    if variant == sut::Variant::PartnerHash {
        lines.push(format!("X-SuT-PID: {}", who.pid.unwrap()));
    }
    if let Some(cid) = who.cid {
        lines.push(format!("X-SuT-CID: {cid}"));
    }
    if let Some(uid) = who.uid {
        lines.push(format!("X-SuT-UID: {uid}"));
    }
    lines.push(format!("X-SuT-Nonce: {nonce}"));
    lines.join("\r\n")
}

fn sut_key(variant: sut::Variant) -> &'static str {
    match variant {
        sut::Variant::Hash => "2b2d77e014a30792d5048e262e306783",
        sut::Variant::PartnerHash => "abcdefghijABCDEFGHIJabcdefghijABCDEFGHIJ",
    }
}

fn sut_identity() -> impl Strategy<Value = (sut::Variant, sut::Identity)> {
    let id = 1u64..=999_999_999_999_999_999;
    prop_oneof![
        (id.clone(), id.clone()).prop_map(|(cid, uid)| (
            sut::Variant::Hash,
            sut::Identity {
                pid: None,
                cid: Some(cid),
                uid: Some(uid)
            }
        )),
        (
            id.clone(),
            proptest::option::of(id.clone()),
            proptest::option::of(id)
        )
            .prop_map(|(pid, cid, uid)| (
                sut::Variant::PartnerHash,
                sut::Identity {
                    pid: Some(pid),
                    cid,
                    uid: cid.and(uid)
                }
            )),
    ]
}

const DATE: &str = "Sat, 09 Sep 1989 11:00:00 GMT";
const DATE_TS: i64 = 621_342_000;

proptest! {
    // Counterexamples are kept in the top-level proptest-regressions/ and replayed first.
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct(
                "proptest-regressions/zero_copy.txt",
            ),
        )),
        ..ProptestConfig::default()
    })]
    /// The borrowed signer's signature is the SHA-1 of the pages' canonical string and
    /// key line, its headers are the owned signer's, and the request verifies with the
    /// same canonical string.
    #[test]
    fn signupto_sign_into_equals_an_independent_sha1(
        (variant, who) in sut_identity(),
        method in prop_oneof![Just("GET"), Just("POST"), Just("DELETE")],
        target in "/[a-zA-Z0-9/_.~%é-]{0,40}(\\?[a-z=&0-9]{0,20})?",
        nonce in "[!-~]{1,40}",
    ) {
        let key = sut_key(variant);
        let signer = sut::Signer::new(variant, who, key).unwrap();
        let req = sut::SignRequest { method, target: &target, date: DATE, nonce: &nonce };
        let mut map = HeaderMap::new();
        let signature = signer.sign_into(&req, &mut map).unwrap();

        let canonical = independent_canonical(variant, who, method, &target, DATE, &nonce);
        let expected: String = Sha1::digest(format!("{canonical}\r\n{key}").as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        prop_assert_eq!(signature.as_str(), expected.as_str());
        prop_assert_eq!(
            map["authorization"].to_str().unwrap(),
            format!("{} signature=\"{expected}\"", variant.auth_scheme())
        );

        let signed = signer.sign(&req).unwrap();
        prop_assert_eq!(&signed.signature, &expected);
        prop_assert_eq!(signed.canonical.to_string(), canonical.clone());
        prop_assert_eq!(fields(&map), lowercased(signed.headers.clone()));

        let key_id = who.key_id(variant).unwrap();
        let mut keys = sut::KeyDirectory::new();
        keys.insert(key_id, sut::ApiKey::new(variant, key).unwrap());
        let verifier = sut::Verifier::new(
            variant,
            keys,
            FixedClock::from_secs(DATE_TS + 30),
            InMemoryNonceStore::default(),
        );
        let mut wire = Request::new(method, target.as_str());
        for (n, v) in &map {
            wire.headers.append(n.as_str(), v.to_str().unwrap());
        }
        let (verified, built) = verifier.verify_detailed(&wire).unwrap();
        prop_assert_eq!(verified.identity(), who);
        prop_assert_eq!(built.to_string(), canonical);
        // The same request again is a replay: the nonce was recorded under its key id.
        prop_assert_eq!(verifier.verify(&wire).unwrap_err().code(), "NONCE_REPLAYED");
    }
}

#[test]
fn signupto_sign_into_removes_id_headers_the_identity_does_not_send() {
    let key = sut_key(sut::Variant::PartnerHash);
    let who = sut::Identity {
        pid: Some(4567),
        cid: None,
        uid: None,
    };
    let signer = sut::Signer::new(sut::Variant::PartnerHash, who, key).unwrap();
    let mut map = HeaderMap::new();
    map.insert("x-sut-cid", "12345".parse().unwrap());
    map.insert("x-sut-uid", "678".parse().unwrap());
    map.insert("date", "Mon, 01 Jan 2024 00:00:00 GMT".parse().unwrap());
    let req = sut::SignRequest {
        method: "POST",
        target: "/v1/account",
        date: DATE,
        nonce: "0123456789abcdef0123456789abcdef01234567",
    };
    let signature = signer.sign_into(&req, &mut map).unwrap();
    // The vendor page's Partner Hash example.
    assert_eq!(
        signature.as_str(),
        "bb06b477868a127f1042b8f94a9449e4b1188ad0"
    );
    assert!(map.get("x-sut-cid").is_none() && map.get("x-sut-uid").is_none());
    assert_eq!(map["date"], DATE);
    assert_eq!(map["x-sut-pid"], "4567");
    assert_eq!(map.len(), 4);

    let before = fields(&map);
    for bad in [
        sut::SignRequest {
            method: "PO ST",
            ..req
        },
        sut::SignRequest {
            target: "v1",
            ..req
        },
        sut::SignRequest {
            date: "yesterday",
            ..req
        },
        sut::SignRequest { nonce: "", ..req },
    ] {
        let err = signer.sign_into(&bad, &mut map).unwrap_err();
        assert_eq!(signer.sign(&bad).map(|s| s.signature), Err(err));
        assert_eq!(
            fields(&map),
            before,
            "a refused request changed the headers"
        );
    }
}
