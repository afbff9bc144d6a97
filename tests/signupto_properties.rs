//! Property tests of the Sign-Up.to schemes' invariants.

use partner_auth::schemes::signupto::{
    ApiKey, Identity, KeyDirectory, SignRequest, Signed, Signer, Variant, Verifier, generate_nonce,
};
use partner_auth::{FixedClock, InMemoryNonceStore, Request};
use proptest::prelude::*;

const PARTNER_KEY: &str = "abcdefghijABCDEFGHIJabcdefghijABCDEFGHIJ";
const COMPANY_KEY: &str = "2b2d77e014a30792d5048e262e306783";
const DATE: &str = "Sat, 09 Sep 1989 11:00:00 GMT";
const DATE_TS: i64 = 621_342_000;

fn key_of(variant: Variant) -> &'static str {
    match variant {
        Variant::Hash => COMPANY_KEY,
        Variant::PartnerHash => PARTNER_KEY,
    }
}

fn verifier(variant: Variant, id: u64) -> Verifier<FixedClock, InMemoryNonceStore> {
    let mut keys = KeyDirectory::new();
    keys.insert(id, ApiKey::new(variant, key_of(variant)).unwrap());
    Verifier::new(
        variant,
        keys,
        FixedClock::from_secs(DATE_TS + 30),
        InMemoryNonceStore::default(),
    )
}

/// A valid identity for the variant: Hash needs CID+UID; Partner needs PID, UID only with CID.
fn identity() -> impl Strategy<Value = (Variant, Identity)> {
    let id = 1u64..=999_999_999_999_999_999;
    prop_oneof![
        (id.clone(), id.clone()).prop_map(|(cid, uid)| (
            Variant::Hash,
            Identity {
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
                Variant::PartnerHash,
                Identity {
                    pid: Some(pid),
                    cid,
                    uid: cid.and(uid)
                }
            )),
    ]
}

fn method() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("GET"),
        Just("POST"),
        Just("PUT"),
        Just("DELETE"),
        Just("PATCH")
    ]
    .prop_map(str::to_owned)
}

/// Paths: `/` then any printable characters but `?`, `#`, space (non-ASCII included).
fn path() -> impl Strategy<Value = String> {
    "/[a-zA-Z0-9/_.~%é-]{0,40}".prop_map(|s| s)
}

fn nonce() -> impl Strategy<Value = String> {
    "[!-~]{1,40}"
}

fn request_of(signed: &Signed, method: &str, target: &str) -> Request {
    let mut r = Request::new(method, target);
    for (n, v) in &signed.headers {
        r.headers.append(n.clone(), v.clone());
    }
    r
}

fn sign(variant: Variant, who: Identity, method: &str, target: &str, nonce: &str) -> Signed {
    Signer::new(variant, who, key_of(variant))
        .unwrap()
        .sign(&SignRequest {
            method,
            target,
            date: DATE,
            nonce,
        })
        .unwrap()
}

proptest! {
    // Counterexamples are kept in the top-level proptest-regressions/ and replayed first.
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct(
                "proptest-regressions/signupto_properties.txt",
            ),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn canonical_lines_end_in_crlf_only_between_lines(
        (variant, who) in identity(), m in method(), p in path(), n in nonce(), q in proptest::option::of("[a-z=&0-9]{0,20}")
    ) {
        let target = match &q { Some(q) => format!("{p}?{q}"), None => p.clone() };
        let signed = sign(variant, who, &m, &target, &n);
        let text = signed.canonical.as_str().unwrap().to_owned();
        let lines: Vec<&str> = text.split("\r\n").collect();
        prop_assert_eq!(text.matches("\r\n").count(), lines.len() - 1);
        prop_assert!(!text.replace("\r\n", "").contains(['\r', '\n']), "a bare CR or LF");
        prop_assert!(!text.ends_with('\n') && !text.ends_with('\r'));
        // Absent ids leave no line; present ones exactly one.
        prop_assert_eq!(text.contains("\r\nX-SuT-CID: "), who.cid.is_some());
        prop_assert_eq!(text.contains("\r\nX-SuT-UID: "), who.uid.is_some());
        prop_assert_eq!(text.contains("\r\nX-SuT-PID: "), variant == Variant::PartnerHash);
        // The query never reaches the canonical string.
        let first_line = format!("{m} {p}");
        prop_assert_eq!(lines[0], first_line.as_str());
        // The line count: verb line, Date, ids present, nonce.
        let ids = [who.pid.filter(|_| variant == Variant::PartnerHash), who.cid, who.uid].iter().flatten().count();
        prop_assert_eq!(lines.len(), 3 + ids);
    }

    #[test]
    fn sign_then_verify_round_trips_whatever_the_header_order(
        (variant, who) in identity(), m in method(), p in path(), n in nonce(), seed in any::<u64>()
    ) {
        let signed = sign(variant, who, &m, &p, &n);
        let mut headers = signed.headers.clone();
        // A deterministic shuffle from the seed.
        let mut s = seed;
        for i in (1..headers.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            headers.swap(i, (s >> 33) as usize % (i + 1));
        }
        let mut req = Request::new(m.clone(), p.clone());
        for (name, value) in headers {
            req.headers.append(name, value);
        }
        let v = verifier(variant, who.key_id(variant).unwrap());
        let (verified, canonical) = v.verify_detailed(&req).unwrap();
        prop_assert_eq!(verified.identity(), Identity { pid: who.pid.filter(|_| variant == Variant::PartnerHash), ..who });
        prop_assert_eq!(canonical, signed.canonical);
    }

    #[test]
    fn a_nonce_is_accepted_once((variant, who) in identity(), n in nonce()) {
        let signed = sign(variant, who, "GET", "/v1/list", &n);
        let req = request_of(&signed, "GET", "/v1/list");
        let v = verifier(variant, who.key_id(variant).unwrap());
        prop_assert!(v.verify(&req).is_ok());
        prop_assert_eq!(v.verify(&req).unwrap_err().code(), "NONCE_REPLAYED");
    }

    #[test]
    fn changing_any_character_of_any_signed_component_fails(
        (variant, who) in identity(), n in "[a-z0-9]{1,40}", which in 0usize..16, pos in any::<prop::sample::Index>(), pick in any::<prop::sample::Index>()
    ) {
        let signed = sign(variant, who, "POST", "/v1/account", &n);
        let mut req = request_of(&signed, "POST", "/v1/account");
        // Replaces one character by another that differs beyond ASCII case (hex case
        // is not a change, S4) and is not whitespace.
        let mutate = |s: &str, from: usize| -> String {
            let chars: Vec<char> = s.chars().collect();
            let i = from + pos.index(chars.len() - from);
            let old = chars[i].to_ascii_lowercase();
            let pool: Vec<char> = "0123456789abcdefghijklmnopqrstuvwxyz".chars().filter(|c| *c != old).collect();
            let mut out = chars.clone();
            out[i] = pool[pick.index(pool.len())];
            out.into_iter().collect()
        };
        let components = 2 + signed.headers.len();
        match which % components {
            0 => req.method = mutate("POST", 0),
            1 => req.target = mutate("/v1/account", 1),
            k => {
                let mut h = partner_auth::Headers::new();
                for (j, (name, value)) in signed.headers.iter().enumerate() {
                    let value = if j == k - 2 {
                        // In `Authorization`, change the signature itself, not the scheme token.
                        let from = value.find('"').map_or(0, |q| q + 1);
                        let end = value.len() - usize::from(from > 0);
                        format!("{}{}{}", &value[..from], mutate(&value[from..end], 0), &value[end..])
                    } else {
                        value.clone()
                    };
                    h.append(name.clone(), value);
                }
                req.headers = h;
            }
        }
        let v = verifier(variant, who.key_id(variant).unwrap());
        let result = v.verify(&req);
        prop_assert!(result.is_err(), "a changed component still verified: {:?}", req);
    }
}

#[test]
fn generated_nonces_are_unique_and_well_formed() {
    let mut seen = std::collections::HashSet::new();
    for _ in 0..10_000 {
        let n = generate_nonce();
        assert!((1..=40).contains(&n.len()), "{n}");
        assert!(
            n.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
            "{n}"
        );
        assert!(seen.insert(n), "a nonce repeated");
    }
}
