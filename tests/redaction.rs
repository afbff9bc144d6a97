//! Secrets of any length stay out of `run`'s output: every vector case, its secret-bearing
//! fields replaced by 1–3 byte markers, through the real binary, in both formats.

// Runs the `partner-auth` binary, built with the `cli` feature.
#![cfg(feature = "cli")]

use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_partner-auth");

/// Every marker holds `¤` or `¬`, which occur nowhere in the vectors or the program's
/// own text, so either character in the output can only come from a planted secret.
const RARE: [char; 2] = ['¤', '¬'];

/// The short secret planted for each secret-bearing input field.
fn marker(field: &str) -> Option<&'static str> {
    Some(match field {
        "password" => "¤",
        "Password" => "¬",
        "PartnerKey" => "¤Z",
        "key" => "Z¬",
        "secret" => "¬Q",
        "client_secret" | "xClientSecret" => "Q¤",
        "token" => "¤~",
        "sessionToken" => "~¬",
        _ => return None,
    })
}

/// Replaces every secret in `v` by its marker (fields, secret headers, bearer
/// credentials, and fields of JSON bodies given as strings); returns the field names hit.
fn plant(v: &mut Value, hit: &mut BTreeSet<&'static str>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m.iter_mut() {
                match (marker(k), &mut *v) {
                    (Some(mark), Value::String(s)) => {
                        *s = mark.to_owned();
                        hit.insert(field_name(k));
                    }
                    (_, Value::String(s)) if s.trim_start().starts_with(['{', '[']) => {
                        if let Ok(mut inner) = serde_json::from_str::<Value>(s) {
                            plant(&mut inner, hit);
                            *s = inner.to_string();
                        }
                    }
                    _ => plant(v, hit),
                }
            }
        }
        Value::Array(items) => {
            if let [Value::String(name), Value::String(value)] = items.as_mut_slice() {
                if name.eq_ignore_ascii_case("xClientSecret") {
                    *value = marker("xClientSecret").unwrap().to_owned();
                    hit.insert("xClientSecret");
                } else if name.eq_ignore_ascii_case("authorization")
                    && let Some(scheme @ ("Bearer" | "SuTToken")) = value.split(' ').next()
                    && !value.contains("{{")
                {
                    *value = format!("{scheme} {}", marker("token").unwrap());
                    hit.insert("Authorization");
                }
            }
            items.iter_mut().for_each(|i| plant(i, hit));
        }
        _ => {}
    }
}

fn field_name(k: &str) -> &'static str {
    [
        "password",
        "Password",
        "PartnerKey",
        "key",
        "secret",
        "client_secret",
        "xClientSecret",
        "token",
        "sessionToken",
    ]
    .into_iter()
    .find(|f| *f == k)
    .unwrap()
}

fn run(scheme: &str, op: &str, input: &str, extra: &[&str]) -> Output {
    let mut child = Command::new(BIN)
        .args(["run", scheme, op, "--input", "-"])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn short_secrets_in_every_secret_bearing_field_never_show() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors");
    let mut planted = BTreeSet::new();
    let mut revealed = BTreeSet::new();
    let mut runs = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") || path.ends_with("schema.json") {
            continue;
        }
        let file: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let scheme = file["scheme"].as_str().unwrap();
        for case in file["cases"].as_array().unwrap() {
            if case["withdrawn"] == true {
                continue;
            }
            let mut input = case["input"].clone();
            let mut hit = BTreeSet::new();
            plant(&mut input, &mut hit);
            if hit.is_empty() {
                continue;
            }
            let input = input.to_string();
            let op = case["op"].as_str().unwrap();
            for format in ["text", "json"] {
                let o = run(scheme, op, &input, &["--format", format]);
                runs += 1;
                let out = text(&o);
                assert!(
                    !out.contains(RARE),
                    "{} ({format}) printed a planted secret of {hit:?}:\n{out}",
                    case["id"]
                );
            }
            // The same input with --reveal-secrets: which planted secrets the output
            // really carries (what the check above had to catch).
            let shown = text(&run(scheme, op, &input, &["--reveal-secrets"]));
            for f in &hit {
                let mark = match *f {
                    "Authorization" => marker("token").unwrap(),
                    f => marker(f).unwrap(),
                };
                if shown.contains(mark) {
                    revealed.insert(*f);
                }
            }
            planted.extend(hit);
        }
    }
    eprintln!("{runs} runs; planted in {planted:?}; echoed by some op: {revealed:?}");
    for f in [
        "password",
        "Password",
        "PartnerKey",
        "key",
        "secret",
        "client_secret",
        "xClientSecret",
        "token",
    ] {
        assert!(planted.contains(f), "no case has a `{f}` to plant in");
    }
    // Without redaction these would have been printed: the check was not vacuous.
    for f in ["password", "Password", "PartnerKey"] {
        assert!(revealed.contains(f), "`{f}` is never echoed: {revealed:?}");
    }
}

#[test]
fn the_three_byte_password_of_the_report_is_redacted_and_the_note_says_why() {
    let input = r#"{"username":"u","password":"pw1"}"#;
    for format in ["text", "json"] {
        let o = run(
            "signupto-token",
            "token-request",
            input,
            &["--format", format],
        );
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(!text(&o).contains("pw1"), "{format}: {}", text(&o));
        assert!(stdout.contains("password"), "{format}: {stdout}");
        assert!(stdout.contains("<redacted>"), "{format}: {stdout}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("shorter than 4 bytes"),
            "{format}: {}",
            text(&o)
        );
    }
    // A long secret needs no note.
    let o = run(
        "signupto-token",
        "token-request",
        r#"{"username":"u","password":"long-enough"}"#,
        &[],
    );
    assert!(o.stderr.is_empty(), "{}", text(&o));
}
