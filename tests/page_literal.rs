//! The vectors never fail the vendor: examples/shims/page-literal/shim.py answers exactly
//! what the Groupcall pages show, verbatim (the partner-auth page's Python client body as
//! `requests`' `json=` sends it, the pages' refusal bodies, the SMS guide's success
//! example for one SMS to one number), and answers `unsupported`
//! for everything else. It must fail no Groupcall case, and must answer the cases below,
//! so the check cannot pass by skipping everything.
//!
//! The control run grades the same shim against the partner file with the format-2
//! leniencies taken out (`compare`, `equivalent`): it must fail there, the way it failed
//! the format-1 vectors. This test needs python3; without it the test fails saying so.

// Runs the `partner-auth` binary, built with the `cli` feature.
#![cfg(feature = "cli")]

mod common;

use std::path::Path;

use serde_json::Value;

const SHIM: &str = "python3 examples/shims/page-literal/shim.py";

/// Cases the page-literal shim answers and must pass outright (not merely `acceptable`):
/// the partner page's client bodies and refusal bodies, and what the customer pages show.
const MUST_PASS: &[&str] = &[
    "groupcall-partner/build/001",
    "groupcall-partner/build/002",
    "groupcall-partner/build/007",
    "groupcall-partner/build/009",
    "groupcall-partner/build/010",
    "groupcall-partner/build/014",
    "groupcall-partner/verify/003",
    "groupcall-partner/verify/004",
    "groupcall-partner/verify/009",
    "groupcall-partner/verify/010",
    "groupcall-partner/verify/011",
    "groupcall-partner/verify/013",
    "groupcall-partner/verify/015",
    "groupcall-partner/verify/017",
    "groupcall-partner/verify/020",
    "groupcall-partner/verify/021",
    "groupcall-partner/verify/023",
    "groupcall-customer/build/001",
    "groupcall-customer/build/003",
    "groupcall-customer/build/005",
    "groupcall-customer/build/006",
    "groupcall-customer/build/007",
    "groupcall-customer/build/008",
    "groupcall-customer/build/036",
    "groupcall-customer/build/041",
    "groupcall-customer/build/042",
    "groupcall-customer/verify/002",
    "groupcall-customer/verify/003",
    "groupcall-customer/verify/005",
    "groupcall-customer/verify/009",
    "groupcall-customer/verify/033",
    "groupcall-customer/verify/001",
    "groupcall-customer/verify/032",
    "groupcall-customer/verify/034",
    "groupcall-customer/verify/037",
];

#[test]
fn an_implementation_answering_what_the_groupcall_pages_show_fails_no_case() {
    common::require_python("the page-literal shim");
    let vectors = Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors");
    let (code, outcomes) = common::groupcall_outcomes(SHIM, &vectors);

    let failed: Vec<_> = outcomes
        .iter()
        .filter(|(_, o)| !matches!(o.as_str(), "passed" | "acceptable" | "skipped"))
        .collect();
    assert!(
        failed.is_empty(),
        "the vectors fail what the vendor's pages show: {failed:?}"
    );
    assert_eq!(code, Some(0), "check --shim exit status");

    let not_passed: Vec<_> = MUST_PASS
        .iter()
        .filter(|id| outcomes.get(**id).map(String::as_str) != Some("passed"))
        .map(|id| (id, outcomes.get(*id)))
        .collect();
    assert!(
        not_passed.is_empty(),
        "cases the page-literal shim answers and must pass: {not_passed:?}"
    );
    let passed = outcomes.values().filter(|o| *o == "passed").count();
    assert!(
        passed >= MUST_PASS.len(),
        "{passed} passed, fewer than the {} listed",
        MUST_PASS.len()
    );
}

/// The partner file with the grading of format 2 taken back out (build bodies compared
/// byte for byte, no equivalent outputs), beside the customer file as it is.
fn strict_copy(dir: &Path) {
    let vectors = Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors");
    std::fs::copy(
        vectors.join("groupcall-customer.json"),
        dir.join("groupcall-customer.json"),
    )
    .unwrap();
    let src = vectors.join("groupcall-partner.json");
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(src).unwrap()).unwrap();
    for case in doc["cases"].as_array_mut().unwrap() {
        let expect = case["expect"].as_object_mut().unwrap();
        expect.remove("compare");
        expect.remove("equivalent");
    }
    std::fs::write(
        dir.join("groupcall-partner.json"),
        serde_json::to_string_pretty(&doc).unwrap(),
    )
    .unwrap();
}

#[test]
fn the_same_shim_fails_vectors_that_pin_the_reference_bytes() {
    common::require_python("the page-literal shim");
    let dir = tempfile::tempdir().unwrap();
    strict_copy(dir.path());
    let (code, outcomes) = common::groupcall_outcomes(SHIM, dir.path());
    assert_eq!(
        code,
        Some(1),
        "check --shim must report failures: {outcomes:?}"
    );
    for id in [
        "groupcall-partner/build/001",
        "groupcall-partner/build/010",
        "groupcall-partner/verify/003",
        "groupcall-partner/verify/009",
    ] {
        assert_eq!(
            outcomes.get(id).map(String::as_str),
            Some("failed"),
            "{id} with exact bodies and no equivalent outputs"
        );
    }
}
