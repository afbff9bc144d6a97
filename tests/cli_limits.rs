//! Numeric flags out of range: the real binary answers a clear error naming the flag and
//! the accepted range, with exit status 2, never a panic.

// Runs the `partner-auth` binary, built with the `cli` feature.
#![cfg(feature = "cli")]

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_partner-auth"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap()
}

/// Exit 2, the flag and the accepted range named on stderr, no panic message.
fn assert_refused(args: &[&str], flag: &str) {
    let o = run(args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    assert!(
        err.contains(flag),
        "{args:?}: the error does not name {flag}: {err}"
    );
    assert!(
        err.contains("from 0.001 to 86400"),
        "{args:?}: the error does not state the accepted range: {err}"
    );
}

#[test]
fn probe_timeout_out_of_range_is_refused() {
    // Nothing listens on port 1; the flag must be refused before any connection.
    for bad in ["1e20", "inf", "NaN", "0", "-5", "0.0000001", "ten"] {
        assert_refused(
            &[
                "probe",
                "hmac-sha256",
                "--url",
                "http://127.0.0.1:1",
                &format!("--timeout={bad}"),
            ],
            "--timeout",
        );
    }
}

#[test]
fn check_timeout_out_of_range_is_refused() {
    for bad in ["1e20", "inf", "NaN", "0", "-5", "ten"] {
        assert_refused(
            &["check", "--shim", "true", &format!("--timeout={bad}")],
            "--timeout",
        );
    }
}

#[test]
fn timeout_in_range_is_accepted() {
    // A fraction is fine: the probe then fails to connect (a tool error about the
    // connection), not about the flag.
    let o = run(&[
        "probe",
        "hmac-sha256",
        "--url",
        "http://127.0.0.1:1",
        "--timeout",
        "0.5",
    ]);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!all.contains("--timeout"), "{all}");
    assert!(!all.contains("panicked"), "{all}");
}

#[test]
fn serve_timeouts_out_of_range_are_refused() {
    for flag in ["--header-timeout", "--body-timeout", "--idle-timeout"] {
        for bad in ["1e20", "0", "NaN", "-1"] {
            assert_refused(
                &["serve", "--addr", "127.0.0.1:0", &format!("{flag}={bad}")],
                flag,
            );
        }
    }
}

#[test]
fn serve_max_connections_out_of_range_is_refused() {
    for bad in ["0", "1000001", "-3", "many"] {
        let o = run(&[
            "serve",
            "--addr",
            "127.0.0.1:0",
            &format!("--max-connections={bad}"),
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{bad}: {err}");
        assert!(err.contains("--max-connections"), "{bad}: {err}");
        assert!(!err.contains("panicked"), "{bad}: {err}");
    }
}
