//! The typed harnesses (`partner_auth::harness`) around the crate's own signers and
//! verifier pass every bundled case; broken implementations fail, and the panic of
//! `assert_conformant()` names the case and the stage.

use std::panic::{AssertUnwindSafe, catch_unwind};

use hmac::{KeyInit, Mac};
use partner_auth::harness::{
    HarnessReport, HttpRequest, Refusal, groupcall_customer, groupcall_partner, hmac_sha256,
    partners_portal, primitives, signupto_hash, signupto_partner_hash, signupto_token,
    under_profile,
};
use partner_auth::schemes::{groupcall as gc, hmac as hm, portal as pp, signupto as sut};
use partner_auth::vectors::{Profile, Strictness};
use partner_auth::{FixedClock, InMemoryNonceStore, NonceStore, Request};

fn reference_hmac_sign(input: &hmac_sha256::SignInput) -> Result<hmac_sha256::SignOutput, Refusal> {
    let refuse = |e: hm::Error| Refusal::new(e.code());
    let signed = hm::Signer::new(input.api_key.as_str(), input.secret.as_str())
        .map_err(refuse)?
        .sign(&hm::SignRequest {
            method: &input.method,
            target: &input.target,
            timestamp: input.timestamp,
            nonce: &input.nonce,
            body: &input.body,
        })
        .map_err(refuse)?;
    Ok(hmac_sha256::SignOutput {
        string_to_sign: signed.string_to_sign.as_bytes().to_vec(),
        signature: signed.signature,
        headers: signed
            .headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), v.clone()))
            .collect(),
    })
}

fn reference_hmac_verify(input: &hmac_sha256::VerifyInput) -> Result<String, Refusal> {
    let mut keys = hm::KeyDirectory::new();
    for k in &input.keys {
        let mut record = hm::KeyRecord::new(k.secret.as_str())
            .expect("a case's secret is usable")
            .enabled(k.enabled);
        for rule in &k.allowed_ips {
            record = record.allow(hm::IpRule::parse(rule).expect("a case's allow-list parses"));
        }
        keys.insert(k.api_key.as_str(), record)
            .expect("a case's API key is usable");
    }
    let verifier = hm::Verifier::new(
        keys,
        FixedClock::from_secs(input.now),
        hm::ShardedNonceStore::new(1_000),
    )
    .with_window_secs(input.window_seconds)
    .expect("a case's window is usable");
    for seen in &input.seen_nonces {
        let until = input.now + 2 * input.window_seconds;
        verifier
            .store()
            .insert(&seen.api_key, &seen.nonce, input.now, until)
            .expect("the store takes a case's nonces");
    }
    verifier
        .verify(&request_of(&input.request), input.client_ip)
        .map(|v| v.api_key().to_owned())
        .map_err(|e| Refusal::new(e.code()))
}

fn reference_signupto_sign(
    input: &signupto_hash::SignInput,
) -> Result<signupto_hash::SignOutput, Refusal> {
    reference_signupto_sign_as(sut::Variant::Hash, input)
}

fn reference_signupto_sign_as(
    variant: sut::Variant,
    input: &signupto_hash::SignInput,
) -> Result<signupto_hash::SignOutput, Refusal> {
    let refuse = |e: sut::Error| Refusal::new(e.code());
    let who = sut::Identity {
        pid: input.pid,
        cid: input.cid,
        uid: input.uid,
    };
    let signed = sut::Signer::new(variant, who, input.key.as_str())
        .map_err(refuse)?
        .sign(&sut::SignRequest {
            method: &input.method,
            target: &input.target,
            date: &input.date,
            nonce: &input.nonce,
        })
        .map_err(refuse)?;
    Ok(signupto_hash::SignOutput {
        canonical: signed.canonical.to_string(),
        signature: signed.signature,
        headers: signed.headers,
    })
}

fn reference_signupto_verify_as(
    variant: sut::Variant,
    input: &signupto_hash::VerifyInput,
) -> Result<signupto_hash::Identity, Refusal> {
    let mut keys = sut::KeyDirectory::new();
    for k in &input.keys {
        let key = sut::ApiKey::new(variant, k.key.as_str()).expect("a case's key is usable");
        keys.insert(k.id, key);
    }
    let clock = FixedClock::from_secs(input.now);
    let verifier = sut::Verifier::new(variant, keys, clock, InMemoryNonceStore::default())
        .with_window_secs(input.window_seconds)
        .expect("a case's window is usable");
    for seen in &input.seen_nonces {
        let scope = sut::Verifier::<FixedClock, InMemoryNonceStore>::replay_scope(variant, seen.id);
        let until = input.now + input.window_seconds;
        verifier
            .store()
            .insert(&scope, &seen.nonce, input.now, until)
            .expect("the store takes a case's nonces");
    }
    let r = &input.request;
    let who = verifier
        .verify(&request_of(r))
        .map_err(|e| Refusal::new(e.code()))?
        .identity();
    Ok(harness_identity(who))
}

/// The text `assert_conformant()` panics with; fails the test when it does not panic.
fn conformance_panic(report: &HarnessReport) -> String {
    let panic = catch_unwind(AssertUnwindSafe(|| report.assert_conformant()))
        .expect_err("assert_conformant() must panic on a broken implementation");
    panic
        .downcast_ref::<String>()
        .cloned()
        .expect("a formatted panic message")
}

/// How many bundled cases a scheme's op has, counted from the case ids
/// (`<scheme>/<op>/<nnn>`), so a harness that skips cases cannot pass unnoticed.
fn bundled_cases(scheme: &str, op: &str) -> usize {
    let prefix = format!("{scheme}/{op}/");
    let n = partner_auth::vectors::bundled()
        .iter()
        .flat_map(|f| &f.file.cases)
        .filter(|c| c.id.starts_with(&prefix))
        .count();
    assert!(n > 0, "no bundled case has an id starting {prefix}");
    n
}

fn assert_all_graded(report: &HarnessReport) {
    report.assert_conformant();
    assert!(report.passed() > 0, "{report}");
    assert_eq!(report.failed(), 0, "{report}");
    assert_eq!(
        report.passed() + report.acceptable() + report.skipped(),
        report.cases()
    );
}

#[test]
fn the_reference_hmac_signer_passes_the_sign_harness() {
    let report = hmac_sha256::sign(reference_hmac_sign);
    assert_all_graded(&report);
    assert_eq!((report.scheme(), report.op()), ("hmac-sha256", "sign"));
    assert_eq!(
        report.cases(),
        bundled_cases("hmac-sha256", "sign"),
        "{report}"
    );
}

#[test]
fn the_reference_hmac_verifier_passes_the_verify_harness() {
    let report = hmac_sha256::verify(reference_hmac_verify);
    assert_all_graded(&report);
    assert_eq!(
        report.cases(),
        bundled_cases("hmac-sha256", "verify"),
        "{report}"
    );
}

#[test]
fn the_reference_signupto_signer_passes_the_sign_harness() {
    let report = signupto_hash::sign(reference_signupto_sign);
    assert_all_graded(&report);
}

#[test]
fn the_reference_partner_hash_signer_passes_the_sign_harness() {
    let report = signupto_partner_hash::sign(|input| {
        reference_signupto_sign_as(sut::Variant::PartnerHash, input)
    });
    assert_all_graded(&report);
    assert_eq!(
        report.cases(),
        bundled_cases("signupto-partner-hash", "sign"),
        "{report}"
    );
}

#[test]
fn a_partner_hash_signer_that_signs_another_pid_fails() {
    let report = signupto_partner_hash::sign(|input| {
        reference_signupto_sign_as(
            sut::Variant::PartnerHash,
            &signupto_partner_hash::SignInput {
                pid: Some(1),
                ..input.clone()
            },
        )
    });
    let message = conformance_panic(&report);
    assert!(
        message.contains("signupto-partner-hash/sign/001: stage `canonical`"),
        "{message}"
    );
}

/// A signer that joins the string to sign with CR LF, and signs that.
fn crlf_signer(input: &hmac_sha256::SignInput) -> Result<hmac_sha256::SignOutput, Refusal> {
    let path = input.target.split('?').next().unwrap_or_default();
    let mut text = format!(
        "{}\r\n{}\r\n{}\r\n{}\r\n",
        input.method, path, input.timestamp, input.nonce
    )
    .into_bytes();
    text.extend_from_slice(&input.body);
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(input.secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(&text);
    let signature = partner_auth::encoding::base64_encode(&mac.finalize().into_bytes());
    Ok(hmac_sha256::SignOutput {
        string_to_sign: text,
        headers: vec![
            ("X-Api-Key".into(), input.api_key.clone()),
            ("X-Timestamp".into(), input.timestamp.to_string()),
            ("X-Nonce".into(), input.nonce.clone()),
            ("Authorization".into(), format!("HMAC-SHA256 {signature}")),
        ],
        signature,
    })
}

#[test]
fn a_crlf_joined_signer_fails_and_the_panic_names_case_stage_and_basis() {
    let report = hmac_sha256::sign(crlf_signer);
    assert!(report.failed() > 0, "{report}");
    assert!(!report.is_conformant());
    let message = conformance_panic(&report);
    // The vendor's example, at the first stage that differs.
    assert!(
        message.contains("hmac-sha256/sign/001: stage `string_to_sign`"),
        "{message}"
    );
    assert!(
        message.contains(r#"expected: "GET\n/api/v1/partner/constants/countries\n1709337600\n"#),
        "{message}"
    );
    assert!(message.contains(r"actual:   "), "{message}");
    assert!(message.contains(r"GET\r\n/api/v1"), "{message}");
    assert!(
        message.contains("basis:    page:https://slaunchx-handbook-partner.pages.dev"),
        "{message}"
    );
    // The secret of a case never appears in the report.
    assert!(
        !message.contains("sk_live_9b1e7d3c5a0f4e8d2c6b1a7f3e9d5c0b"),
        "{message}"
    );
}

#[test]
fn a_signer_with_the_right_string_and_a_wrong_signature_fails_at_the_signature() {
    let report = hmac_sha256::sign(|input| {
        let mut out = reference_hmac_sign(input)?;
        out.signature = out.signature.to_lowercase();
        Ok(out)
    });
    let message = conformance_panic(&report);
    assert!(
        message.contains("hmac-sha256/sign/001: stage `signature`"),
        "{message}"
    );
}

#[test]
fn a_verifier_that_accepts_everything_fails_the_refusal_cases() {
    let report = hmac_sha256::verify(|input| {
        Ok(input
            .keys
            .first()
            .map_or_else(String::new, |k| k.api_key.clone()))
    });
    let message = conformance_panic(&report);
    assert!(report.failed() >= 49, "{report}");
    assert!(message.contains("stage `result`"), "{message}");
    assert!(message.contains("expected: invalid: GA2001"), "{message}");
}

#[test]
fn a_signupto_signer_that_signs_the_query_fails() {
    let report = signupto_hash::sign(|input| {
        let mut out = reference_signupto_sign(input)?;
        // The request line with the whole target, query included.
        let path = input.target.split('?').next().unwrap_or_default();
        out.canonical = out.canonical.replacen(
            &format!("{} {path}\r\n", input.method),
            &format!("{} {}\r\n", input.method, input.target),
            1,
        );
        Ok(out)
    });
    // Only the cases whose target has a query fail.
    assert_eq!(report.failed(), 3, "{report}");
    let message = conformance_panic(&report);
    assert!(
        message.contains("signupto-hash/sign/005: stage `canonical`"),
        "{message}"
    );
    assert!(message.contains("GET /v1/list?id=123"), "{message}");
}

#[test]
fn the_reference_signupto_verifiers_pass_the_verify_harnesses() {
    let hash = signupto_hash::verify(|i| reference_signupto_verify_as(sut::Variant::Hash, i));
    assert_all_graded(&hash);
    let partner = signupto_partner_hash::verify(|i| {
        reference_signupto_verify_as(sut::Variant::PartnerHash, i)
    });
    assert_all_graded(&partner);
    assert_eq!(
        partner.cases(),
        bundled_cases("signupto-partner-hash", "verify"),
        "{partner}"
    );
}

#[test]
fn a_signupto_verifier_that_drops_the_uid_fails_at_the_identity() {
    let report = signupto_hash::verify(|i| {
        let who = reference_signupto_verify_as(sut::Variant::Hash, i)?;
        Ok(signupto_hash::Identity { uid: None, ..who })
    });
    let message = conformance_panic(&report);
    assert!(message.contains("stage `identity`"), "{message}");
}

/// Like [`assert_all_graded`], for an op whose cases may all be `acceptable` (whose
/// output `check` does not grade for other implementations): none failed, none left out.
fn assert_none_failed(report: &HarnessReport) {
    report.assert_conformant();
    assert_eq!(report.failed(), 0, "{report}");
    assert_eq!(
        report.passed() + report.acceptable() + report.skipped(),
        report.cases(),
        "{report}"
    );
}

/// The ids of the failed cases, in file order.
fn failed_ids(report: &HarnessReport) -> Vec<String> {
    report.failures().map(|c| c.id.clone()).collect()
}

/// Asserts that case `id` failed at `stage` and that the panic of `assert_conformant()`
/// says so, with `expected` in its text; returns that text.
fn assert_failed_at(report: &HarnessReport, id: &str, stage: &str, expected: &str) -> String {
    assert!(
        failed_ids(report).iter().any(|f| f == id),
        "{id} did not fail: {report}"
    );
    let message = conformance_panic(report);
    assert!(
        message.contains(&format!("{id}: stage `{stage}`")),
        "{message}"
    );
    assert!(message.contains(expected), "{message}");
    message
}

fn refuse<E: std::fmt::Display>(code: impl Fn(&E) -> &'static str) -> impl Fn(E) -> Refusal {
    move |e| Refusal::new(code(&e))
}

/// The crate's primitives through their six harnesses.
fn reference_primitives() -> [HarnessReport; 6] {
    use partner_auth::encoding as enc;
    [
        primitives::sha1(|i| Ok(enc::sha1(&i.data).to_vec())),
        primitives::sha256(|i| Ok(enc::sha256(&i.data).to_vec())),
        primitives::hmac_sha1(|i| Ok(enc::hmac_sha1(&i.key, &i.data).to_vec())),
        primitives::hmac_sha256(|i| Ok(enc::hmac_sha256(&i.key, &i.data).to_vec())),
        primitives::base64_encode(|i| Ok(enc::base64_encode(&i.data))),
        primitives::base64_decode(|i| {
            enc::base64_decode(&i.text).ok_or_else(|| Refusal::new("MALFORMED_BASE64"))
        }),
    ]
}

#[test]
fn the_reference_primitives_pass_their_harnesses() {
    for report in reference_primitives() {
        assert_all_graded(&report);
    }
}

#[test]
fn broken_primitives_fail_naming_their_cases() {
    use partner_auth::encoding as enc;
    // SHA-256 where SHA-1 is asked for: every case fails at the digest.
    let report = primitives::sha1(|i| Ok(enc::sha256(&i.data).to_vec()));
    assert_eq!(report.failed(), report.cases(), "{report}");
    assert_failed_at(
        &report,
        "primitives/sha1/digest/001",
        "digest_hex",
        "expected: \"da39a3ee5e6b4b0d3255bfef95601890afd80709\"",
    );
    // A MAC that drops its last byte fails every untruncated case.
    let report = primitives::hmac_sha256(|i| {
        let mac = enc::hmac_sha256(&i.key, &i.data);
        Ok(mac[..31].to_vec())
    });
    assert_failed_at(
        &report,
        "primitives/hmac-sha256/mac/001",
        "mac_hex",
        "actual:",
    );
    assert!(
        report.passed() > 0,
        "the truncated case still passes: {report}"
    );
    // A lenient decoder that accepts unpadded text is acceptable where the case says so,
    // but one that decodes everything to nothing fails the refusal cases.
    let report = primitives::base64_decode(|_| Ok(Vec::new()));
    assert_failed_at(
        &report,
        "primitives/base64/decode/008",
        "result",
        "expected: invalid: MALFORMED_BASE64",
    );
}

fn reference_parse_error(
    i: &hmac_sha256::ParseErrorInput,
) -> Result<hmac_sha256::ErrorEnvelope, Refusal> {
    hm::parse_error_envelope(&i.body).map_err(refuse(hm::Error::code))
}

fn reference_error_response(
    i: &hmac_sha256::ErrorResponseInput,
) -> Result<hmac_sha256::ErrorResponse, Refusal> {
    let env =
        hm::ErrorEnvelope::for_code(&i.code, i.timestamp_ms).map_err(refuse(hm::Error::code))?;
    Ok(hmac_sha256::ErrorResponse {
        status: hm::describe_code(&i.code).map_or(400, |(_, s)| s),
        body: env.to_json(),
    })
}

#[test]
fn the_reference_hmac_error_ops_pass_their_harnesses() {
    assert_all_graded(&hmac_sha256::parse_error(reference_parse_error));
    // Every error-response case is acceptable: no page gives the status of a GA code.
    let report = hmac_sha256::error_response(reference_error_response);
    assert_none_failed(&report);
    assert_eq!(report.acceptable(), 12, "{report}");
}

#[test]
fn hmac_error_ops_that_accept_a_success_envelope_or_crash_fail() {
    // A parser that takes `success: true` as an error too.
    let report = hmac_sha256::parse_error(|i| {
        let fixed =
            String::from_utf8_lossy(&i.body).replace("\"success\":true", "\"success\":false");
        reference_parse_error(&hmac_sha256::ParseErrorInput {
            body: fixed.into_bytes(),
        })
    });
    assert_failed_at(
        &report,
        "hmac-sha256/parse-error/010",
        "result",
        "expected: invalid: MALFORMED_ERROR_RESPONSE",
    );
    // Acceptable cases grade no output, but a crash still fails each of them.
    let report = hmac_sha256::error_response(|i| {
        assert!(i.code.starts_with("GA1"), "no GA2xxx table yet");
        reference_error_response(i)
    });
    assert_eq!(report.failed(), report.cases(), "{report}");
    assert_failed_at(
        &report,
        "hmac-sha256/error-response/001",
        "result",
        "panicked: no GA2xxx table yet",
    );
}

fn reference_parse_authorization(
    i: &signupto_hash::AuthorizationInput,
) -> Result<signupto_hash::Authorization, Refusal> {
    let a = sut::parse_authorization(&i.value).map_err(refuse(sut::Error::code))?;
    Ok(signupto_hash::Authorization {
        scheme: a.scheme.token().to_owned(),
        credentials: a.credentials.to_string(),
    })
}

fn reference_parse_response(
    i: &signupto_hash::ResponseInput,
) -> Result<signupto_hash::Envelope, Refusal> {
    sut::parse_response(i.status, i.body.as_bytes()).map_err(refuse(sut::Error::code))
}

#[test]
fn the_reference_signupto_parsers_pass_their_harnesses() {
    assert_all_graded(&signupto_hash::parse_authorization(
        reference_parse_authorization,
    ));
    assert_all_graded(&signupto_partner_hash::parse_authorization(
        reference_parse_authorization,
    ));
    assert_all_graded(&signupto_hash::parse_response(reference_parse_response));
}

#[test]
fn signupto_parsers_that_accept_everything_fail_the_refusal_cases() {
    let report = signupto_hash::parse_authorization(|i| {
        Ok(signupto_hash::Authorization {
            scheme: "SuTHash".into(),
            credentials: i.value.rsplit('"').nth(1).unwrap_or_default().to_owned(),
        })
    });
    assert_failed_at(
        &report,
        "signupto-hash/parse-authorization/004",
        "result",
        "expected: invalid: MALFORMED_AUTHORIZATION",
    );
    // A parser that reads every body as an empty ok envelope fails the bodies that are
    // not JSON.
    let report = signupto_hash::parse_response(|_| {
        Ok(signupto_hash::Envelope::Ok {
            data: serde_json::Value::Null,
            count: None,
            next: serde_json::Value::Null,
        })
    });
    assert_failed_at(
        &report,
        "signupto-hash/parse-response/006",
        "result",
        "expected: invalid: MALFORMED_RESPONSE",
    );
}

fn reference_token_verify(
    i: &signupto_token::VerifyInput,
) -> Result<signupto_hash::Identity, Refusal> {
    let mut verifier =
        sut::TokenVerifier::new(FixedClock::from_secs(i.now), InMemoryNonceStore::default())
            .with_window_secs(i.window_seconds)
            .expect("a case's window is usable");
    for t in &i.tokens {
        verifier.insert(sut::IssuedToken {
            token: sut::Token::parse(&t.token).expect("a case's token parses"),
            expiry: t.expiry,
            identity: sut::Identity {
                pid: None,
                cid: t.cid,
                uid: t.uid,
            },
        });
    }
    for seen in &i.seen_nonces {
        let scope = sut::TokenVerifier::<FixedClock, InMemoryNonceStore>::replay_scope(&seen.token);
        verifier
            .store()
            .insert(&scope, &seen.nonce, i.now, i.now + i.window_seconds)
            .expect("the store takes a case's nonces");
    }
    let r = &i.request;
    let who = verifier
        .verify(&request_of(r))
        .map_err(refuse(sut::Error::code))?
        .identity();
    Ok(harness_identity(who))
}

fn reference_token_sign(
    i: &signupto_token::SignInput,
) -> Result<signupto_token::SignOutput, Refusal> {
    let token = sut::Token::parse(&i.token).map_err(refuse(sut::Error::code))?;
    let headers = sut::token_headers(&i.method, &i.target, &token, &i.date, &i.nonce)
        .map_err(refuse(sut::Error::code))?;
    Ok(signupto_token::SignOutput { headers })
}

fn reference_token_request(i: &signupto_token::TokenRequestInput) -> Result<HttpRequest, Refusal> {
    let r = sut::token_request(&i.username, &partner_auth::Secret::from(i.password.clone()))
        .map_err(refuse(sut::Error::code))?;
    Ok(HttpRequest {
        method: r.method.to_string(),
        target: r.target.to_string(),
        headers: r.headers,
        body: r.body,
    })
}

fn reference_token_response(
    i: &signupto_token::ResponseInput,
) -> Result<signupto_token::TokenGrant, Refusal> {
    let g =
        sut::parse_token_response(i.status, i.body.as_bytes()).map_err(refuse(sut::Error::code))?;
    Ok(signupto_token::TokenGrant {
        token: g.token.expose().to_owned(),
        expiry: g.expiry,
    })
}

#[test]
fn the_reference_token_scheme_passes_its_harnesses() {
    assert_none_failed(&signupto_token::token_request(reference_token_request));
    assert_all_graded(&signupto_token::parse_token_response(
        reference_token_response,
    ));
    assert_all_graded(&signupto_token::sign(reference_token_sign));
    assert_all_graded(&signupto_token::verify(reference_token_verify));
}

#[test]
fn token_harnesses_fail_a_signer_taking_any_token_and_a_verifier_taking_any_request() {
    // A signer that writes whatever token it is given.
    let report = signupto_token::sign(|i| {
        Ok(signupto_token::SignOutput {
            headers: vec![
                ("Date".into(), i.date.clone()),
                ("X-SuT-Nonce".into(), i.nonce.clone()),
                ("Authorization".into(), format!("SuTToken {}", i.token)),
            ],
        })
    });
    assert_eq!(
        failed_ids(&report),
        [
            "signupto-token/sign/002",
            "signupto-token/sign/003",
            "signupto-token/sign/004"
        ],
        "{report}"
    );
    assert_failed_at(
        &report,
        "signupto-token/sign/002",
        "result",
        "expected: invalid: MALFORMED_TOKEN",
    );
    // A verifier that lets every request in as the first token's holder fails exactly the
    // invalid cases.
    let report = signupto_token::verify(|i| {
        let t = &i.tokens[0];
        Ok(signupto_hash::Identity {
            pid: None,
            cid: t.cid,
            uid: t.uid,
        })
    });
    assert_eq!(
        failed_ids(&report),
        ["004", "009", "010", "011", "012", "016", "018", "019"]
            .map(|n| format!("signupto-token/verify/{n}")),
        "{report}"
    );
    assert_failed_at(
        &report,
        "signupto-token/verify/004",
        "result",
        "expected: invalid: UNKNOWN_TOKEN",
    );
}

/// The crate's portal over a scenario; `check_permission` false skips the route's
/// permission (a deliberately broken portal).
fn reference_scenario(
    i: &partners_portal::ScenarioInput,
    check_permission: bool,
) -> Result<Vec<u16>, Refusal> {
    let mut dir = pp::Directory::new();
    for m in &i.directory.masters {
        dir.add_master(m.client_id.as_str(), m.client_secret.as_str())
            .expect("a case's master is usable");
        for b in &m.brokers {
            dir.add_broker(&m.client_id, b.broker_id, b.api_access)
                .expect("a case's broker is usable");
            for u in &b.users {
                dir.add_user(
                    b.broker_id,
                    u.username.as_str(),
                    u.api_access,
                    u.permissions.iter().cloned(),
                )
                .expect("a case's user is usable");
            }
        }
    }
    let clock = FixedClock::from_secs(i.start);
    let portal = pp::Portal::new(dir, &clock);
    let mut tokens = Vec::new();
    let mut statuses = Vec::new();
    for step in &i.steps {
        clock.set_secs(i.start + step.at);
        let r = step.request_with_tokens(&tokens);
        let request = Request {
            method: r.method,
            target: r.target,
            headers: r.headers.into_iter().collect(),
            body: r.body,
        };
        let (status, token) = if request.method == "POST" && request.path() == pp::LOGIN_PATH {
            let (resp, _) = portal.handle_login(&request);
            let token = (resp.status == 200)
                .then(|| pp::parse_login_response(&resp.body).expect("the login body parses"));
            (resp.status, token)
        } else {
            let route = i
                .routes
                .iter()
                .find(|rt| rt.method == request.method && rt.path == request.path())
                .expect("a case's request has a route");
            let permission = if check_permission {
                route.permission.as_str()
            } else {
                "simulations.read"
            };
            match portal.authenticate(&request, permission) {
                Ok(_) => (200, None),
                Err(reason) => (pp::Response::refusal(reason).status, None),
            }
        };
        statuses.push(status);
        tokens.push(token);
    }
    Ok(statuses)
}

fn reference_parse_error_body(
    i: &partners_portal::ErrorBodyInput,
) -> Result<partners_portal::ErrorBody, Refusal> {
    pp::parse_error_body(i.status, i.body.as_bytes()).map_err(refuse(pp::Error::code))
}

fn reference_login(i: &partners_portal::LoginResponseInput) -> Result<String, Refusal> {
    pp::parse_login_response(i.body.as_bytes()).map_err(refuse(pp::Error::code))
}

#[test]
fn the_reference_portal_passes_its_harnesses() {
    let report = partners_portal::scenario(|i| reference_scenario(i, true));
    assert_all_graded(&report);
    assert_eq!(
        report.cases(),
        bundled_cases("partners-portal", "scenario"),
        "{report}"
    );
    assert_all_graded(&partners_portal::parse_login_response(reference_login));
    // No page documents an error body: every case is acceptable.
    assert_none_failed(&partners_portal::parse_error_body(
        reference_parse_error_body,
    ));
}

#[test]
fn a_portal_that_ignores_permissions_fails_at_the_statuses() {
    let report = partners_portal::scenario(|i| reference_scenario(i, false));
    assert_failed_at(
        &report,
        "partners-portal/scenario/037",
        "statuses",
        "expected: [200,403,200]\n  actual:   [200,200,200]",
    );
    // A login parser that takes any JSON string member as the token.
    let report = partners_portal::parse_login_response(|i| {
        let v: serde_json::Value =
            serde_json::from_str(&i.body).map_err(|_| Refusal::new("MALFORMED_LOGIN_RESPONSE"))?;
        v.as_str()
            .or_else(|| v.get("token").and_then(|t| t.as_str()))
            .map(str::to_owned)
            .ok_or_else(|| Refusal::new("MALFORMED_LOGIN_RESPONSE"))
    });
    assert_failed_at(
        &report,
        "partners-portal/parse-login-response/007",
        "result",
        "expected: invalid: MALFORMED_LOGIN_RESPONSE",
    );
}

fn gc_code(e: &gc::Error) -> &'static str {
    e.code()
}

/// The crate's message builder over a typed `build` input, with the reference's check
/// that a route carries its own content.
fn reference_build(i: &groupcall_customer::BuildInput) -> Result<HttpRequest, Refusal> {
    let route = i.route;
    let no = |code: &str| Err(Refusal::new(code));
    let mut messages = Vec::new();
    for e in &i.messages {
        if e.send_to
            .is_some_and(|c| gc::SendTo::from_code(c).is_none())
        {
            return no("MALFORMED_SEND_TO");
        }
        let email = e.email_subject.is_some()
            || e.email_body.is_some()
            || e.email_sent_from_name.is_some()
            || e.email_sent_from_address.is_some()
            || e.email_reply_to_address.is_some()
            || e.attachments.is_some();
        let sms = e.sms_message.is_some() || e.sms_sender.is_some();
        if (route.is_sms() && email) || (!route.is_sms() && sms) {
            return no("WRONG_CONTENT");
        }
        let id = e.customer_id.clone().unwrap_or_default();
        let password = partner_auth::Secret::from(e.password.clone().unwrap_or_default());
        let mut b = if route.is_sms() {
            let mut b =
                gc::Message::sms(id, password).text(e.sms_message.clone().unwrap_or_default());
            if let Some(s) = &e.sms_sender {
                b = b.sender(s.clone());
            }
            b
        } else {
            let mut b = gc::Message::email(id, password)
                .subject(e.email_subject.clone().unwrap_or_default())
                .body(e.email_body.clone().unwrap_or_default());
            if let Some(v) = &e.email_sent_from_name {
                b = b.from_name(v.clone());
            }
            if let Some(v) = &e.email_sent_from_address {
                b = b.from_address(v.clone());
            }
            if let Some(v) = &e.email_reply_to_address {
                b = b.reply_to(v.clone());
            }
            for a in e.attachments.iter().flatten() {
                b = b.attachment(gc::Attachment {
                    file_name: a.file_name.clone().unwrap_or_default(),
                    file_data: a.file_data.clone().unwrap_or_default(),
                });
            }
            b
        };
        for r in &e.recipients {
            b = b.recipient(gc::Recipient {
                id: r.id,
                external_id: r.external_id.clone(),
                messenger_id: r.messenger_id.clone(),
                idaas_id: r.idaas_id.clone(),
                email_address: r.email_address.clone(),
                mobile_number: r.mobile_number.clone(),
            });
        }
        if let Some(code) = e.send_to.and_then(gc::SendTo::from_code) {
            b = b.send_to(code);
        }
        if let Some(c) = &e.client_ref {
            b = b.client_ref(c.clone());
        }
        if let Some(u) = &e.callback_url {
            b = b.callback_url(u.clone());
        }
        messages.push(b.build().map_err(refuse(gc_code))?);
    }
    let batch = match route {
        gc::Route::PartnerRoute => {
            let p = gc::PartnerCredentials::new(
                i.partner_key.clone().unwrap_or_default(),
                i.style_class.clone().unwrap_or_default(),
            )
            .map_err(refuse(gc_code))?;
            gc::Batch::partner(p, messages)
        }
        gc::Route::Email => gc::Batch::email(messages),
        gc::Route::Sms => gc::Batch::sms(messages),
    }
    .map_err(refuse(gc_code))?;
    let r = batch.request();
    Ok(HttpRequest {
        method: r.method.to_string(),
        target: r.target.to_string(),
        headers: r
            .headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        body: r.body.expose().to_vec(),
    })
}

fn reference_gc_verify(
    i: &groupcall_customer::VerifyInput,
) -> Result<Vec<groupcall_customer::ResponseElement>, Refusal> {
    let mut directory = gc::Directory::new();
    for c in &i.directory.customers {
        directory.insert_customer(
            c.customer_id.clone(),
            gc::Customer {
                password: partner_auth::Secret::from(c.password.clone()),
                sms_allowed: c.sms_allowed,
                authorised_partners: c.authorised_partners.clone(),
            },
        );
    }
    for p in &i.directory.partners {
        directory.insert_partner(gc::Partner {
            id: p.id.clone(),
            key: partner_auth::Secret::from(p.partner_key.clone()),
            enabled: p.enabled,
        });
    }
    let route = i.route;
    let verifier = gc::Verifier::new(
        directory,
        FixedClock::from_millis(i.now_ms),
        gc::SeededIds::new(i.ids_seed.clone(), i.ids_counter),
    );
    verifier.verify(route, &i.body).map_err(refuse(gc_code))
}

fn reference_gc_parse(
    i: &groupcall_customer::ResponseInput,
) -> Result<Vec<groupcall_customer::Outcome>, Refusal> {
    gc::parse_response(i.status, i.body.as_bytes(), i.sent).map_err(refuse(gc_code))
}

#[test]
fn the_reference_groupcall_schemes_pass_their_harnesses() {
    let build = groupcall_customer::build(reference_build);
    assert_all_graded(&build);
    assert_eq!(
        build.cases(),
        bundled_cases("groupcall-customer", "build"),
        "{build}"
    );
    assert_all_graded(&groupcall_partner::build(reference_build));
    assert_all_graded(&groupcall_customer::verify(reference_gc_verify));
    assert_all_graded(&groupcall_partner::verify(reference_gc_verify));
    assert_all_graded(&groupcall_customer::parse_response(reference_gc_parse));
    assert_all_graded(&groupcall_partner::parse_response(reference_gc_parse));
}

#[test]
fn broken_groupcall_implementations_fail_naming_cases_and_stages() {
    // A builder that sends to the customer SMS endpoint whatever the route.
    let report = groupcall_partner::build(|i| {
        let mut r = reference_build(i)?;
        r.target = "/api/SendMessage_V3/SMS".into();
        Ok(r)
    });
    assert_failed_at(
        &report,
        "groupcall-partner/build/001",
        "target",
        "expected: \"/api/SendMessage_V3/PartnerRoute\"",
    );
    // A verifier that queues everything, credentials or not.
    let report = groupcall_customer::verify(|i| {
        let queued = |e: groupcall_customer::ResponseElement| groupcall_customer::ResponseElement {
            warning_messages: Vec::new(),
            error_msg: Some("OK 1 messages queued for sending".into()),
            ..e
        };
        Ok(reference_gc_verify(i)
            .unwrap_or_default()
            .into_iter()
            .map(queued)
            .collect())
    });
    assert_failed_at(
        &report,
        "groupcall-customer/verify/002",
        "response",
        "Data is not valid, no messages sent",
    );
    // A parser that refuses every response.
    let report = groupcall_customer::parse_response(|_| Err(Refusal::new("MALFORMED_ELEMENT")));
    assert_failed_at(
        &report,
        "groupcall-customer/parse-response/001",
        "result",
        "expected: valid",
    );
}

/// Every harness with the crate's own implementation wired through it.
fn every_reference_harness() -> Vec<HarnessReport> {
    let mut reports = vec![
        hmac_sha256::sign(reference_hmac_sign),
        hmac_sha256::verify(reference_hmac_verify),
        hmac_sha256::error_response(reference_error_response),
        hmac_sha256::parse_error(reference_parse_error),
        signupto_hash::sign(reference_signupto_sign),
        signupto_hash::verify(|i| reference_signupto_verify_as(sut::Variant::Hash, i)),
        signupto_hash::parse_authorization(reference_parse_authorization),
        signupto_hash::parse_response(reference_parse_response),
        signupto_partner_hash::sign(|i| reference_signupto_sign_as(sut::Variant::PartnerHash, i)),
        signupto_partner_hash::verify(|i| {
            reference_signupto_verify_as(sut::Variant::PartnerHash, i)
        }),
        signupto_partner_hash::parse_authorization(reference_parse_authorization),
        signupto_token::token_request(reference_token_request),
        signupto_token::parse_token_response(reference_token_response),
        signupto_token::sign(reference_token_sign),
        signupto_token::verify(reference_token_verify),
        partners_portal::scenario(|i| reference_scenario(i, true)),
        partners_portal::parse_login_response(reference_login),
        partners_portal::parse_error_body(reference_parse_error_body),
        groupcall_customer::build(reference_build),
        groupcall_customer::verify(reference_gc_verify),
        groupcall_customer::parse_response(reference_gc_parse),
        groupcall_partner::build(reference_build),
        groupcall_partner::verify(reference_gc_verify),
        groupcall_partner::parse_response(reference_gc_parse),
    ];
    reports.extend(reference_primitives());
    reports
}

#[test]
fn the_reference_through_every_harness_does_what_the_files_pin_for_it() {
    // Graded as `check` grades the reference: exact outputs, and each acceptable case
    // held to its `expect.reference`, so a harness that loses or misnames a member of
    // an input or an output fails here even where the default grading looks away.
    let reports = partner_auth::harness::pinned_to_reference(every_reference_harness);
    assert_eq!(reports.len(), 30);
    for report in &reports {
        assert_eq!(report.strictness(), Strictness::Reference);
        assert_none_failed(report);
        assert!(
            report.to_string().contains("(pinned to the reference)"),
            "{report}"
        );
    }
    // Outside the closure the default grading is back.
    assert_eq!(
        primitives::sha1(|_| Err(Refusal::new("X"))).strictness(),
        Strictness::Conformance
    );
}

#[test]
fn pinned_to_the_reference_an_implementation_must_make_the_reference_s_choices() {
    // A parser that takes two spaces after the scheme name, as RFC 9110 allows and the
    // reference refuses: it conforms, but pinned to the reference case 005 fails.
    let lenient = |i: &signupto_hash::AuthorizationInput| {
        let squeezed = i.value.replacen("  ", " ", 1);
        reference_parse_authorization(&signupto_hash::AuthorizationInput { value: squeezed })
    };
    let conformance = signupto_hash::parse_authorization(lenient);
    assert_none_failed(&conformance);
    let pinned =
        partner_auth::harness::pinned_to_reference(|| signupto_hash::parse_authorization(lenient));
    assert_failed_at(
        &pinned,
        "signupto-hash/parse-authorization/005",
        "reference",
        "expected: invalid: MALFORMED_AUTHORIZATION (what `expect.reference` documents)",
    );
}

/// The crate's HMAC verifier over one scenario: one key directory, one replay store and
/// one clock for every step. With `forget` set, each step gets a fresh replay store (a
/// verifier with no memory between requests).
fn reference_hmac_scenario(
    s: &hmac_sha256::Scenario<hmac_sha256::World>,
    forget: bool,
) -> Vec<Result<String, Refusal>> {
    let keys = || {
        let mut keys = hm::KeyDirectory::new();
        for k in &s.world.keys {
            let mut record = hm::KeyRecord::new(k.secret.as_str())
                .expect("a case's secret is usable")
                .enabled(k.enabled);
            for rule in &k.allowed_ips {
                record = record.allow(hm::IpRule::parse(rule).expect("a case's allow-list parses"));
            }
            keys.insert(k.api_key.as_str(), record)
                .expect("a case's API key is usable");
        }
        keys
    };
    let clock = FixedClock::from_secs(s.start);
    let verifier = || {
        hm::Verifier::new(keys(), &clock, hm::ShardedNonceStore::new(1_000))
            .with_window_secs(s.world.window_seconds)
            .expect("a case's window is usable")
    };
    let mut shared = verifier();
    s.steps
        .iter()
        .map(|step| {
            clock.set_secs(s.now(step));
            if forget {
                shared = verifier();
            }
            shared
                .verify(&request_of(&step.request), s.world.client_ip)
                .map(|v| v.api_key().to_owned())
                .map_err(|e| Refusal::new(e.code()))
        })
        .collect()
}

fn request_of(r: &HttpRequest) -> Request {
    Request {
        method: r.method.clone(),
        target: r.target.clone(),
        headers: r.headers.iter().cloned().collect(),
        body: r.body.clone(),
    }
}

fn reference_signupto_scenario(
    variant: sut::Variant,
    s: &signupto_hash::Scenario<signupto_hash::World>,
) -> Vec<Result<signupto_hash::Identity, Refusal>> {
    let mut keys = sut::KeyDirectory::new();
    for k in &s.world.keys {
        keys.insert(
            k.id,
            sut::ApiKey::new(variant, k.key.as_str()).expect("a case's key is usable"),
        );
    }
    let clock = FixedClock::from_secs(s.start);
    let verifier = sut::Verifier::new(variant, keys, &clock, InMemoryNonceStore::default())
        .with_window_secs(s.world.window_seconds)
        .expect("a case's window is usable");
    s.steps
        .iter()
        .map(|step| {
            clock.set_secs(s.now(step));
            verifier
                .verify(&request_of(&step.request))
                .map(|v| harness_identity(v.identity()))
                .map_err(refuse(sut::Error::code))
        })
        .collect()
}

fn harness_identity(who: sut::Identity) -> signupto_hash::Identity {
    signupto_hash::Identity {
        pid: who.pid,
        cid: who.cid,
        uid: who.uid,
    }
}

fn reference_token_scenario(
    s: &signupto_token::Scenario<signupto_token::World>,
) -> Vec<Result<signupto_hash::Identity, Refusal>> {
    let clock = FixedClock::from_secs(s.start);
    let mut verifier = sut::TokenVerifier::new(&clock, InMemoryNonceStore::default())
        .with_window_secs(s.world.window_seconds)
        .expect("a case's window is usable");
    for t in &s.world.tokens {
        verifier.insert(sut::IssuedToken {
            token: sut::Token::parse(&t.token).expect("a case's token parses"),
            expiry: t.expiry,
            identity: sut::Identity {
                pid: None,
                cid: t.cid,
                uid: t.uid,
            },
        });
    }
    s.steps
        .iter()
        .map(|step| {
            clock.set_secs(s.now(step));
            verifier
                .verify(&request_of(&step.request))
                .map(|v| harness_identity(v.identity()))
                .map_err(refuse(sut::Error::code))
        })
        .collect()
}

#[test]
fn the_reference_verifiers_pass_the_scenario_harnesses_under_both_profiles() {
    for profile in Profile::ALL {
        let reports = under_profile(profile, || {
            [
                hmac_sha256::scenario(|s| reference_hmac_scenario(s, false)),
                signupto_hash::scenario(|s| reference_signupto_scenario(sut::Variant::Hash, s)),
                signupto_partner_hash::scenario(|s| {
                    reference_signupto_scenario(sut::Variant::PartnerHash, s)
                }),
                signupto_token::scenario(reference_token_scenario),
            ]
        });
        for report in reports {
            assert_eq!(report.profile(), profile);
            assert_all_graded(&report);
            assert_eq!(
                report.cases(),
                bundled_cases(report.scheme(), "scenario"),
                "{report}"
            );
        }
    }
}

#[test]
fn a_verifier_without_memory_between_requests_fails_the_replay_scenario() {
    let report = hmac_sha256::scenario(|s| reference_hmac_scenario(s, true));
    assert_failed_at(
        &report,
        "hmac-sha256/scenario/001",
        "steps",
        r#"actual:   [{"result":"valid","api_key":"pk_live_4f2a9c7e1b3d"},{"result":"valid""#,
    );
}

#[test]
fn a_verifier_that_records_the_nonce_before_the_signature_fails_only_under_hardened() {
    // The nonce is taken before the signature is checked: a forged request with the
    // genuine client's next nonce burns it.
    let careless = |s: &hmac_sha256::Scenario<hmac_sha256::World>| {
        let mut taken = std::collections::HashSet::new();
        let answers = reference_hmac_scenario(s, false);
        s.steps
            .iter()
            .zip(answers)
            .map(|(step, answer)| {
                let key = step.header("X-Api-Key").unwrap_or_default().to_owned();
                let nonce = step.header("X-Nonce").unwrap_or_default().to_owned();
                if !taken.insert((key, nonce)) {
                    return Err(Refusal::new("GA2014"));
                }
                answer
            })
            .collect()
    };
    let conformance = hmac_sha256::scenario(careless);
    assert_eq!(conformance.profile(), Profile::Conformance);
    assert_none_failed(&conformance);
    let hardened = under_profile(Profile::Hardened, || hmac_sha256::scenario(careless));
    assert!(
        failed_ids(&hardened).contains(&"hmac-sha256/scenario/002".to_owned()),
        "{hardened}"
    );
}
