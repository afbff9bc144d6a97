//! `check --shim`: the reference through the protocol, deliberately broken shims, the
//! expectations file and the report formats.

// Runs the `partner-auth` binary, built with the `cli` feature.
#![cfg(feature = "cli")]

use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_partner-auth");

fn check(args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("check")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn broken(mode: &str) -> String {
    format!("python3 tests/shims/broken_shim.py {mode} {BIN} shim")
}

fn json_report(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

fn outcome_of<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["schemes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["cases"].as_array().unwrap())
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no case {id}"))
}

#[test]
fn the_reference_through_the_protocol_is_conformant() {
    let cmd = format!("{BIN} shim");
    let o = check(&["--shim", &cmd]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("(shim `"), "{}", text(&o));
}

#[test]
fn a_wrong_signature_fails_that_case_only() {
    let id = "signupto-partner-hash/sign/001";
    let o = check(&[
        "--shim",
        &broken(&format!("wrong-signature:{id}")),
        "--scheme",
        "signupto-partner-hash",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains(&format!("FAIL {id}  (stage `signature` diverged)")),
        "{out}"
    );
    assert!(
        out.contains(&format!("NOT conformant: 1 failed: {id}")),
        "{out}"
    );
}

#[test]
fn a_crash_is_reported_per_case_and_the_run_goes_on() {
    let o = check(&[
        "--shim",
        &broken("crash-on:signupto-hash/sign/002"),
        "--scheme",
        "signupto-hash",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let r = json_report(&o);
    let c = outcome_of(&r, "signupto-hash/sign/002");
    assert_eq!(c["outcome"], "failed");
    let actual = c["actual"].as_str().unwrap();
    assert!(
        actual.contains("exited") && actual.contains("crashing on purpose"),
        "{actual}"
    );
    // Every other case still ran, on a restarted shim.
    assert_eq!(r["total"]["failed"], 1, "{}", text(&o));
    assert_eq!(
        outcome_of(&r, "signupto-hash/sign/003")["outcome"],
        "passed"
    );
}

#[test]
fn a_shim_that_keeps_crashing_stops_being_restarted() {
    let o = check(&[
        "--shim",
        &broken("crash-after:3"),
        "--scheme",
        "primitives/sha1",
        "--max-restarts",
        "0",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let r = json_report(&o);
    assert_eq!(r["total"]["passed"], 3);
    assert_eq!(r["total"]["failed"], 1);
    let c = outcome_of(&r, "primitives/sha1/digest/004");
    assert!(c["actual"].as_str().unwrap().contains("exited"), "{c}");
}

#[test]
fn a_hang_times_out_and_the_run_goes_on() {
    let id = "primitives/sha256/digest/002";
    let o = check(&[
        "--shim",
        &broken(&format!("hang-on:{id}")),
        "--scheme",
        "primitives/sha256",
        "--timeout",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let r = json_report(&o);
    assert!(
        outcome_of(&r, id)["actual"]
            .as_str()
            .unwrap()
            .contains("timeout")
    );
    assert_eq!(r["total"]["passed"], 3, "{}", text(&o));
}

#[test]
fn garbage_and_out_of_order_answers_fail_their_case() {
    let id = "primitives/hmac-sha1/mac/002";
    for (mode, word) in [("garbage-on", "garbage"), ("out-of-order", "out of order")] {
        let o = check(&[
            "--shim",
            &broken(&format!("{mode}:{id}")),
            "--scheme",
            "primitives/hmac-sha1",
            "--format",
            "json",
        ]);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        let r = json_report(&o);
        let actual = outcome_of(&r, id)["actual"].as_str().unwrap().to_owned();
        assert!(actual.contains(word), "{mode}: {actual}");
        assert_eq!(r["total"]["failed"], 1);
        assert_eq!(r["total"]["passed"], 7);
    }
}

#[test]
fn unsupported_cases_are_skipped_never_passed() {
    let o = check(&[
        "--shim",
        &broken("unsupported-op:verify"),
        "--scheme",
        "signupto-hash",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let r = json_report(&o);
    let verify_cases = r["schemes"][0]["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["op"] == "verify")
        .count();
    assert!(verify_cases > 30);
    assert_eq!(r["total"]["skipped"], verify_cases);
    assert_eq!(
        outcome_of(&r, "signupto-hash/verify/001")["outcome"],
        "skipped"
    );
}

#[test]
fn a_bad_hello_is_a_tool_error() {
    let o = check(&["--shim", &broken("bad-hello")]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("protocol"), "{}", text(&o));
    let o = check(&["--shim", "exit 0"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn expectations_excuse_known_failures_and_stale_entries_are_errors() {
    let id = "signupto-partner-hash/sign/001";
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("expectations.json");
    std::fs::write(
        &file,
        format!(r#"{{"{id}": "known: our signer is wrong here"}}"#),
    )
    .unwrap();
    let shim = broken(&format!("wrong-signature:{id}"));
    let o = check(&[
        "--shim",
        &shim,
        "--scheme",
        "signupto-partner-hash",
        "--expectations",
        file.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("1 expected failures"), "{}", text(&o));

    std::fs::write(&file, r#"{"signupto-partner-hash/sign/9*": "stale"}"#).unwrap();
    let o = check(&[
        "--shim",
        &shim,
        "--scheme",
        "signupto-partner-hash",
        "--expectations",
        file.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("match no case"), "{}", text(&o));
}

#[test]
fn junit_reports_failures_and_skips() {
    let id = "signupto-partner-hash/sign/001";
    let o = check(&[
        "--shim",
        &broken(&format!("wrong-signature:{id}")),
        "--scheme",
        "signupto-partner-hash",
        "--format",
        "junit",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let xml = String::from_utf8(o.stdout).unwrap();
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(
        xml.contains(&format!(
            "name=\"{id}\"><failure message=\"stage `signature` diverged\""
        )),
        "{xml}"
    );
    assert!(xml.contains("failures=\"1\""));
    let file: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/vectors/signupto-partner-hash.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        xml.matches("<testcase ").count(),
        file["cases"].as_array().unwrap().len()
    );
}
