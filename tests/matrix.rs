//! `partner-auth matrix`: the real binary over the vendored vectors with every listed
//! implementation (the PyPI Sign-Up.to client installed by its set-up script, openssl,
//! the independent Python shim), its three output files, and the HTML page rendered by
//! a real browser (Debian's chromium; `.ci/run` installs it — without it this fails).

// Runs the `partner-auth` binary, built with the `cli` feature.
#![cfg(feature = "cli")]

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_partner-auth");

fn matrix(args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("matrix")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run partner-auth matrix")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn write_implementations(dir: &Path, entries: serde_json::Value) -> String {
    let path = dir.join("implementations.json");
    std::fs::write(
        &path,
        serde_json::json!({ "implementations": entries }).to_string(),
    )
    .unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn the_vendored_matrix_is_clean_and_its_page_renders_in_chromium() {
    let out = tempfile::tempdir().unwrap();
    let o = matrix(&["--out", out.path().to_str().unwrap()]);
    let report = text(&o);
    assert_eq!(
        o.status.code(),
        Some(0),
        "every failure of every implementation must be a listed, explained deviation:\n{report}"
    );
    for f in ["matrix.md", "matrix.json", "matrix.html"] {
        assert!(out.path().join(f).is_file(), "{f} missing:\n{report}");
    }
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("matrix.json")).unwrap())
            .unwrap();
    let columns = doc["columns"].as_array().unwrap();
    let names: Vec<&str> = columns
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "reference",
            "python-stdlib",
            "signupto-pypi",
            "openssl",
            "openssl-quickstart"
        ],
        "{report}"
    );
    for c in columns {
        assert_eq!(c["summary"]["failed"], 0, "{}: {report}", c["name"]);
    }
    // The third-party columns really ran cases (a shim that skips everything proves nothing).
    let pypi = &columns[2]["summary"];
    let openssl = &columns[3]["summary"];
    assert!(pypi["passed"].as_u64().unwrap() >= 10, "{pypi}");
    assert!(openssl["passed"].as_u64().unwrap() >= 50, "{openssl}");
    let implementation = |i: usize| columns[i]["implementation"].as_str().unwrap().to_owned();
    assert!(
        implementation(2).contains("signupto 0.1"),
        "{}",
        implementation(2)
    );
    assert!(
        implementation(3).contains("OpenSSL"),
        "{}",
        implementation(3)
    );
    // The markdown table printed on stdout has a row per scheme and the total.
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("| scheme | reference | python-stdlib | signupto-pypi | openssl |"),
        "{stdout}"
    );
    assert!(stdout.contains("| total |"), "{stdout}");
    assert_eq!(
        doc["rows"].as_array().unwrap().len() as u64,
        columns[0]["summary"]["cases"].as_u64().unwrap()
    );

    // The page: no script error, and the counts it shows are the JSON's.
    let dom = render(&out.path().join("matrix.html"));
    assert!(
        dom.contains("id=\"status\">ok: "),
        "the page did not finish rendering (script error?):\n{}",
        &dom[dom.len().saturating_sub(2000)..]
    );
    for c in columns {
        let s = &c["summary"];
        let row = format!(
            "data-col=\"{}\" data-cases=\"{}\" data-passed=\"{}\" data-acceptable=\"{}\" data-failed=\"{}\" data-expected-failures=\"{}\" data-skipped=\"{}\"",
            c["name"].as_str().unwrap(),
            s["cases"],
            s["passed"],
            s["acceptable"],
            s["failed"],
            s["expected_failures"],
            s["skipped"]
        );
        assert!(dom.contains(&row), "the page does not show {row}");
    }
    let rows_rendered = dom.matches("<tr data-scheme=").count();
    assert_eq!(rows_rendered, doc["rows"].as_array().unwrap().len());
}

/// The DOM of `page` after its scripts ran, from headless chromium.
fn render(page: &Path) -> String {
    let browser = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect("a headless browser is required for the matrix page test: install Debian's `chromium` (.ci/run does)");
    let profile = tempfile::tempdir().unwrap();
    let o = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    assert!(
        o.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn an_implementation_that_cannot_be_set_up_is_a_tool_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_implementations(
        dir.path(),
        serde_json::json!([{
            "name": "broken-client",
            "setup": "echo 'no such package: acme-auth==9' >&2; exit 3",
            "command": "true"
        }]),
    );
    let o = matrix(&["--implementations", &file]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(t.contains("`broken-client` cannot be set up"), "{t}");
    assert!(t.contains("no such package: acme-auth==9"), "{t}");
}

/// A shim (python3) that implements SHA-1 digests wrongly for one input.
const WRONG_SHA1_SHIM: &str = r#"python3 -c '
import hashlib, json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("op") == "hello":
        print(json.dumps({"protocol": 1, "implementation": "wrong-sha1 0", "schemes": ["primitives/sha1"]}), flush=True)
        continue
    data = bytes.fromhex(m["input"]["data_hex"]) * int(m["input"].get("repeat", 1))
    d = hashlib.sha1(data).hexdigest()
    if data == b"abc":
        d = "0" * 40
    print(json.dumps({"id": m["id"], "output": {"digest_hex": d}}), flush=True)
'"#;

#[test]
fn an_unlisted_failure_makes_the_matrix_unclean_and_a_listed_one_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let entry = |expectations: Option<&str>| {
        let mut e = serde_json::json!({"name": "wrong-sha1", "command": WRONG_SHA1_SHIM});
        if let Some(x) = expectations {
            e["expectations"] = x.into();
        }
        serde_json::json!([e])
    };
    let file = write_implementations(dir.path(), entry(None));
    let o = matrix(&["--implementations", &file]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(
        t.contains("wrong-sha1: primitives/sha1/digest/001 failed (stage `digest_hex`)"),
        "{t}"
    );

    std::fs::write(
        dir.path().join("x.json"),
        r#"{"primitives/sha1/digest/001": "answers zeros for abc"}"#,
    )
    .unwrap();
    let file = write_implementations(dir.path(), entry(Some("x.json")));
    let o = matrix(&["--implementations", &file]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("(+1 known)"));

    // A stale entry is not clean either.
    std::fs::write(
        dir.path().join("x.json"),
        r#"{"primitives/sha1/digest/001": "answers zeros for abc", "primitives/sha1/digest/9*": "no such case"}"#,
    )
    .unwrap();
    let o = matrix(&["--implementations", &file]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(
        t.contains("`primitives/sha1/digest/9*` matches no case"),
        "{t}"
    );
}

#[test]
fn a_set_up_that_prints_a_lot_is_drained_and_its_error_still_named() {
    // Two megabytes on stdout would fill the pipe and block a set-up nobody reads.
    let dir = tempfile::tempdir().unwrap();
    let file = write_implementations(
        dir.path(),
        serde_json::json!([{
            "name": "chatty-client",
            "setup": "head -c 2000000 /dev/zero | tr '\\0' x; echo 'the real error' >&2; exit 4",
            "command": "true"
        }]),
    );
    let o = matrix(&["--implementations", &file]);
    let t = text(&o);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        &t[t.len().saturating_sub(500)..]
    );
    assert!(
        t.contains("`chatty-client` cannot be set up"),
        "{}",
        &t[..t.len().min(500)]
    );
    assert!(t.contains("the real error"));
    // Only a tail of its output is quoted, not two megabytes.
    assert!(t.len() < 20_000, "{} bytes of output", t.len());
}
