//! What several integration tests share. Each test file that needs it says `mod common;`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// Fails, naming what needs it, when python3 does not run.
pub fn require_python(what: &str) {
    let python = Command::new("python3").arg("--version").output();
    assert!(
        matches!(&python, Ok(o) if o.status.success()),
        "python3 is required for {what} (install python3): {python:?}"
    );
}

/// Runs `partner-auth check --shim SHIM` over the Groupcall files in `vectors`; returns
/// the exit code and each case's outcome by id.
pub fn groupcall_outcomes(shim: &str, vectors: &Path) -> (Option<i32>, BTreeMap<String, String>) {
    let out = Command::new(env!("CARGO_BIN_EXE_partner-auth"))
        .args(["check", "--shim", shim, "--format", "json"])
        .args([
            "--scheme",
            "groupcall-partner",
            "--scheme",
            "groupcall-customer",
        ])
        .arg("--vectors")
        .arg(vectors)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run partner-auth check --shim");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "check --shim printed no JSON report ({e}); exit {:?}; stderr:\n{stderr}",
            out.status.code()
        )
    });
    let mut outcomes = BTreeMap::new();
    for scheme in report["schemes"].as_array().expect("schemes array") {
        for case in scheme["cases"].as_array().expect("cases array") {
            outcomes.insert(
                case["id"].as_str().expect("case id").to_owned(),
                case["outcome"].as_str().expect("outcome").to_owned(),
            );
        }
    }
    (out.status.code(), outcomes)
}
