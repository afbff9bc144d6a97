//! The independent implementation: examples/shims/python/shim.py, written from the
//! vendors' pages in standard-library Python and sharing no code with the reference,
//! must pass every vector of every scheme through `check --shim`. A `valid` expectation
//! that both implementations reproduce was not computed by the code under test.
//!
//! This test needs python3 (3.11 or later); `.ci/run` installs it. Without it the test
//! fails with a message saying so: it never skips.

// Runs the `partner-auth` binary, built with the `cli` feature.
#![cfg(feature = "cli")]

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_partner-auth");
const SHIM: &str = "python3 examples/shims/python/shim.py";

#[test]
fn python_shim_passes_every_vector_of_every_scheme() {
    let python = Command::new("python3").arg("--version").output();
    assert!(
        matches!(&python, Ok(o) if o.status.success()),
        "python3 is required for the independent implementation (install python3 3.11+): {python:?}"
    );

    for profile in ["conformance", "hardened"] {
        passes_every_vector_under(profile);
    }
}

/// `check --shim … --profile <profile>`: no case failed or skipped, every scheme run.
fn passes_every_vector_under(profile: &str) {
    let out = Command::new(BIN)
        .args([
            "check",
            "--shim",
            SHIM,
            "--format",
            "json",
            "--profile",
            profile,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run partner-auth check --shim");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "check --shim did not print a JSON report ({e}); exit {:?}; stderr:\n{stderr}",
            out.status.code()
        )
    });

    let mut problems = Vec::new();
    let mut schemes = BTreeSet::new();
    for scheme in report["schemes"].as_array().expect("schemes array") {
        let name = scheme["scheme"].as_str().unwrap_or("?").to_owned();
        for case in scheme["cases"].as_array().expect("cases array") {
            let outcome = case["outcome"].as_str().unwrap_or("?");
            if !matches!(outcome, "passed" | "acceptable") {
                problems.push(format!("{} {outcome}: {}", case["id"], case));
            }
        }
        schemes.insert(name);
    }
    assert_eq!(report["profile"], profile, "the report names its profile");
    assert!(
        problems.is_empty(),
        "profile {profile}: the Python shim does not pass {} case(s) (failed or skipped):\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "check --shim exit status; stderr:\n{stderr}"
    );

    // Every scheme the vectors hold was exercised, not only some of them.
    let vectors = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors");
    let all: BTreeSet<String> = partner_auth::vectors::load_dir(&vectors)
        .expect("load vectors")
        .into_iter()
        .map(|f| f.file.scheme)
        .collect();
    assert_eq!(schemes, all, "schemes in the report vs in vectors/");
    let total = &report["total"];
    assert_eq!(total["skipped"], 0, "skipped cases: {total}");
    assert_eq!(total["failed"], 0, "failed cases: {total}");
}
