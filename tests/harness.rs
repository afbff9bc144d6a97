//! The typed harnesses (`partner_auth::harness`) around the crate's own signers and
//! verifier pass every bundled case; broken implementations fail, and the panic of
//! `assert_conformant()` names the case and the stage.

use std::panic::{AssertUnwindSafe, catch_unwind};

use hmac::{KeyInit, Mac};
use partner_auth::harness::{
    HarnessReport, Refusal, hmac_sha256, signupto_hash, signupto_partner_hash,
};
use partner_auth::schemes::{hmac as hm, signupto as sut};
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
    let r = &input.request;
    let request = Request {
        method: r.method.clone(),
        target: r.target.clone(),
        headers: r.headers.iter().cloned().collect(),
        body: r.body.clone(),
    };
    verifier
        .verify(&request, input.client_ip)
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
    let request = Request {
        method: r.method.clone(),
        target: r.target.clone(),
        headers: r.headers.iter().cloned().collect(),
        body: r.body.clone(),
    };
    let who = verifier
        .verify(&request)
        .map_err(|e| Refusal::new(e.code()))?
        .identity();
    Ok(signupto_hash::Identity {
        pid: who.pid,
        cid: who.cid,
        uid: who.uid,
    })
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
    // vectors/hmac-sha256.json holds 33 sign cases (18 valid, 4 invalid, 11 acceptable).
    assert_eq!(report.cases(), 33, "{report}");
}

#[test]
fn the_reference_hmac_verifier_passes_the_verify_harness() {
    let report = hmac_sha256::verify(reference_hmac_verify);
    assert_all_graded(&report);
    // vectors/hmac-sha256.json holds 81 verify cases (13 valid, 51 invalid, verify/066 of
    // them hardened, 17 acceptable).
    assert_eq!(report.cases(), 81, "{report}");
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
    assert_eq!(report.cases(), 27, "{report}");
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
    // vectors/signupto-partner-hash.json: 16 valid, 42 invalid (2 of them hardened, graded
    // acceptable under conformance), 25 acceptable.
    assert_eq!(partner.cases(), 83, "{partner}");
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
