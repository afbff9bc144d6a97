//! Each probe case added for the server blind spots catches the buggy server variant it
//! was written for: tests/mutants/server_score.py runs `partner-auth probe` against the
//! small correct server of tests/mutants/server/ patched with each variant, and its
//! line for the variant must name the case. Removing a case (or weakening its grading)
//! makes its variant missed and this test fail.

// Runs the `partner-auth` binary, built with the `cli` feature.
#![cfg(feature = "cli")]

// Only `require_python` is used here.
#[allow(dead_code)]
mod common;

use std::collections::BTreeMap;
use std::process::Command;

/// Variant id → the `scheme:case` results that must be among those that caught it.
const CATCHES: &[(&str, &[&str])] = &[
    ("hmac-window-300", &["hmac-sha256:stale-90s"]),
    (
        "hmac-window-accepts-61",
        &[
            "hmac-sha256:window-past-61s",
            "hmac-sha256:window-future-61s",
        ],
    ),
    ("hmac-window-refuses-60", &["hmac-sha256:window-future-60s"]),
    (
        "hmac-signature-case-insensitive",
        &["hmac-sha256:signature-case-flipped"],
    ),
    (
        "hmac-url-safe-accepted",
        &["hmac-sha256:url-safe-signature"],
    ),
    (
        "hmac-nonce-before-signature",
        &["hmac-sha256:genuine-after-forged"],
    ),
    ("hmac-body-reserialised", &["hmac-sha256:reserialised-body"]),
    (
        "sut-empty-uid-as-absent",
        &[
            "signupto-partner-hash:empty-uid-line",
            "signupto-partner-hash:empty-cid-line",
        ],
    ),
    (
        "sut-partner-requires-uid",
        &["signupto-partner-hash:partner-without-uid"],
    ),
    (
        "sut-nonce-before-signature",
        &[
            "signupto-hash:genuine-after-forged",
            "signupto-partner-hash:genuine-after-forged",
        ],
    ),
    (
        "hmac-verified-signature-cache",
        &["hmac-sha256:nonce-changed", "hmac-sha256:timestamp-changed"],
    ),
    (
        "sut-verified-signature-cache",
        &["signupto-hash:nonce-changed", "signupto-hash:date-changed"],
    ),
    (
        "sut-uid-without-cid-accepted",
        &["signupto-partner-hash:uid-without-cid"],
    ),
    // Graded by the vendor's `Bad signature` text (the server names no code).
    ("sut-stale-as-bad-signature", &["signupto-hash:stale-date"]),
    ("sut-replay-as-bad-signature", &["signupto-hash:replay"]),
    (
        "sut-bad-signature-other-text",
        &[
            "signupto-hash:tampered-signature",
            "signupto-hash:wrong-key",
        ],
    ),
];

/// Allowed variants that exercise a new path of the probe and must still pass: the
/// server's clock learnt from `Date` alone, a fractional-second window, a used nonce
/// refused before the signature is checked (the changed-value cases send fresh nonces).
const MUST_PASS: &[&str] = &[
    "hmac-envelope-without-timestamp",
    "hmac-fractional-clock",
    "hmac-nonce-looked-up-first",
    "sut-nonce-looked-up-first",
];

fn score(profile: &str, ids: &[&str]) -> (Option<i32>, String) {
    common::require_python("the server variants of tests/mutants/server");
    let out = Command::new("python3")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("tests/mutants/server_score.py")
        .arg(env!("CARGO_BIN_EXE_partner-auth"))
        .arg(profile)
        .args(["--only", &ids.join(",")])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

/// The `caught  <id>: by a, b` lines, as id → cases.
fn caught(text: &str) -> BTreeMap<String, Vec<String>> {
    text.lines()
        .filter_map(|l| l.strip_prefix("caught  "))
        .filter_map(|l| l.split_once(": by "))
        .map(|(id, by)| (id.to_owned(), by.split(", ").map(str::to_owned).collect()))
        .collect()
}

#[test]
fn each_new_probe_case_catches_its_server_variant_under_hardened() {
    let mut ids: Vec<&str> = CATCHES.iter().map(|(id, _)| *id).collect();
    ids.extend(MUST_PASS);
    let (code, text) = score("hardened", &ids);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("correct server: passes every scheme"),
        "{text}"
    );
    let caught = caught(&text);
    for (id, cases) in CATCHES {
        let by = caught
            .get(*id)
            .unwrap_or_else(|| panic!("{id} not caught:\n{text}"));
        for case in *cases {
            assert!(by.iter().any(|c| c == case), "{id}: not by {case}:\n{text}");
        }
    }
    for id in MUST_PASS {
        assert!(
            text.contains(&format!("pass    {id}: allowed")),
            "{id}:\n{text}"
        );
    }
}

#[test]
fn hardened_bugs_are_informational_under_conformance() {
    let ids = [
        "hmac-signature-case-insensitive",
        "sut-empty-uid-as-absent",
        "sut-nonce-before-signature",
        "hmac-window-refuses-60",
    ];
    let (code, text) = score("conformance", &ids);
    assert_eq!(code, Some(0), "{text}");
    for (id, case) in [
        (
            "hmac-signature-case-insensitive",
            "hmac-sha256:signature-case-flipped",
        ),
        (
            "sut-empty-uid-as-absent",
            "signupto-partner-hash:empty-uid-line",
        ),
        (
            "sut-nonce-before-signature",
            "signupto-hash:genuine-after-forged",
        ),
    ] {
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("n/s     {id}:")))
            .unwrap_or_else(|| panic!("{id}:\n{text}"));
        assert!(
            line.contains("informational:") && line.contains(case),
            "{line}"
        );
    }
    // A conformance bug is still caught, by its case.
    assert!(
        caught(&text)["hmac-window-refuses-60"]
            .contains(&"hmac-sha256:window-future-60s".to_owned()),
        "{text}"
    );
    assert!(text.contains("score (conformance): 1/1"), "{text}");
}
