//! The Groupcall success cases bind other implementations. A queued message's
//! MessageSentId, MessageId, statusMsg and transmitDateTime are the server's choice
//! (`expect.free`); the rest of the answer is the SMS guide's success example. So a
//! verifier that refuses every message fails those cases, while one that queues them
//! and picks its own ids and clock passes. The last test takes `free` back out of the
//! files, to show it is `free` that lets other ids through.
//! These tests need python3; without it they fail saying so.

// Runs the `partner-auth` binary, built with the `cli` feature.
#![cfg(feature = "cli")]

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_partner-auth");

/// Single-message success cases that a page decides: one SMS to one number, no ClientRef.
const SUCCESS: &[&str] = &[
    "groupcall-customer/verify/001",
    "groupcall-customer/verify/032",
    "groupcall-customer/verify/034",
    "groupcall-customer/verify/037",
    "groupcall-partner/verify/023",
];

/// Refusal cases the refusing shim answers exactly as the pages do.
const REFUSALS: &[&str] = &[
    "groupcall-customer/verify/002",
    "groupcall-customer/verify/003",
    "groupcall-partner/verify/011",
];

fn vectors() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors")
}

fn outcome<'a>(outcomes: &'a BTreeMap<String, String>, id: &str) -> Option<&'a str> {
    outcomes.get(id).map(String::as_str)
}

fn other_ids_shim() -> String {
    format!("python3 tests/shims/groupcall_other_ids.py {BIN} shim")
}

#[test]
fn a_verifier_that_queues_nothing_fails_the_success_cases() {
    common::require_python("the test shims");
    let (code, outcomes) =
        common::groupcall_outcomes("python3 tests/shims/groupcall_refuse_all.py", &vectors());
    assert_eq!(code, Some(1), "check --shim must report failures");
    for id in SUCCESS {
        assert_eq!(
            outcome(&outcomes, id),
            Some("failed"),
            "{id}: refusing a message a page says is queued"
        );
    }
    for id in REFUSALS {
        assert_eq!(
            outcome(&outcomes, id),
            Some("passed"),
            "{id}: the refusal the pages show"
        );
    }
}

#[test]
fn a_verifier_choosing_its_own_ids_and_clock_passes_them() {
    common::require_python("the test shims");
    let (code, outcomes) = common::groupcall_outcomes(&other_ids_shim(), &vectors());
    let failed: Vec<_> = outcomes
        .iter()
        .filter(|(_, o)| !matches!(o.as_str(), "passed" | "acceptable" | "skipped"))
        .collect();
    assert!(failed.is_empty(), "failed: {failed:?}");
    assert_eq!(code, Some(0), "check --shim exit status");
    for id in SUCCESS {
        assert_eq!(outcome(&outcomes, id), Some("passed"), "{id}");
    }
}

#[test]
fn without_free_members_other_ids_fail() {
    common::require_python("the test shims");
    let dir = tempfile::tempdir().unwrap();
    for name in ["groupcall-customer.json", "groupcall-partner.json"] {
        let text = std::fs::read_to_string(vectors().join(name)).unwrap();
        let mut doc: Value = serde_json::from_str(&text).unwrap();
        let mut removed = 0;
        for case in doc["cases"].as_array_mut().unwrap() {
            let expect = case["expect"].as_object_mut().unwrap();
            removed += usize::from(expect.remove("free").is_some());
        }
        assert!(removed > 0, "{name} has no case with `free`");
        std::fs::write(
            dir.path().join(name),
            serde_json::to_string_pretty(&doc).unwrap(),
        )
        .unwrap();
    }
    let (code, outcomes) = common::groupcall_outcomes(&other_ids_shim(), dir.path());
    assert_eq!(code, Some(1), "check --shim must report failures");
    for id in SUCCESS {
        assert_eq!(
            outcome(&outcomes, id),
            Some("failed"),
            "{id}: other ids, and nothing marks them free"
        );
    }
}
