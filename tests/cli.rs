//! The real binary: exit codes, failure reports, malformed files, refused input, and
//! no secret in any output.

// Runs the `partner-auth` binary, built with the `cli` feature.
#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_partner-auth"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn run_stdin(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = bin()
        .args(args)
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

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors")
}

/// A copy of vectors/ in a temporary directory.
fn copy_vectors() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&vectors(), dir.path());
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_tree(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

#[test]
fn check_is_conformant_and_lists_every_scheme() {
    let o = run(&["check"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    // Every registered scheme, from the registry: one added there and not run fails here.
    for scheme in partner_auth::registry::slugs() {
        assert!(out.contains(scheme), "{scheme} missing from:\n{out}");
    }
    assert!(out.contains("conformant:"), "{out}");
}

#[test]
fn check_profile_names_its_profile_and_refuses_an_unknown_one() {
    let o = run(&["check", "--profile", "strict"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("--profile") && out.contains("conformance") && out.contains("hardened"),
        "{out}"
    );
    // The hardened cases count as acceptable under conformance, as passed under hardened.
    let counts = |profile: &str| {
        let o = run(&["check", "--profile", profile, "--format", "json"]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(doc["profile"], profile);
        (
            doc["total"]["passed"].as_u64().unwrap(),
            doc["total"]["acceptable"].as_u64().unwrap(),
        )
    };
    let (conformance, hardened) = (counts("conformance"), counts("hardened"));
    assert!(hardened.0 > conformance.0, "{conformance:?} {hardened:?}");
    assert_eq!(
        hardened.0 - conformance.0,
        conformance.1 - hardened.1,
        "the same cases move from acceptable to passed"
    );
    let o = run(&["check", "--profile", "hardened"]);
    assert!(text(&o).contains("profile hardened"), "{}", text(&o));
    let o = run(&["check"]);
    assert!(text(&o).contains("profile conformance"), "{}", text(&o));
}

#[test]
fn a_changed_signature_fails_and_is_named() {
    let dir = copy_vectors();
    let path = dir.path().join("signupto-partner-hash.json");
    let original = std::fs::read_to_string(&path).unwrap();
    // The first valid sign case's signature (a value no other field shares).
    let mut doc: serde_json::Value = serde_json::from_str(&original).unwrap();
    let case = doc["cases"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["op"] == "sign" && c["expect"]["result"] == "valid")
        .unwrap();
    let id = case["id"].as_str().unwrap().to_owned();
    let sig = case["expect"]["output"]["signature"]
        .as_str()
        .unwrap()
        .to_owned();
    let flipped = format!(
        "{}{}",
        &sig[..39],
        if sig.ends_with('0') { '1' } else { '0' }
    );
    case["expect"]["output"]["signature"] = flipped.clone().into();
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();

    let o = run(&["check", "--vectors", dir.path().to_str().unwrap()]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains(&format!("FAIL {id}")), "{out}");
    assert!(out.contains("stage `signature`"), "{out}");
    assert!(out.contains(&flipped), "{out}");
    // What the verdict rests on (the vendor page and its sentence) and the kind of fault.
    assert!(
        out.contains("rests on: https://dev.sign-up.to/documentation/reference/latest/authorisation/partner-hash/"),
        "{out}"
    );
    assert!(out.contains("\"The signature is the SHA-1 digest"), "{out}");
    assert!(out.contains("failures by kind: BASIC 1"), "{out}");

    let json = run(&[
        "check",
        "--vectors",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(json.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["conformant"], false);
    assert_eq!(report["total"]["failed"], 1);
    let failed = report["schemes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["cases"].as_array().unwrap())
        .find(|c| c["outcome"] == "failed")
        .unwrap();
    assert!(
        failed["basis"][0]
            .as_str()
            .unwrap()
            .starts_with("page:https://"),
        "{failed}"
    );
    assert_eq!(failed["bugTypes"], serde_json::json!(["BASIC"]), "{failed}");
}

#[test]
fn a_reader_that_stops_early_gets_no_panic() {
    // `partner-auth check --format json | head -c 16`: stdout closes while the report
    // (far larger than a pipe buffer) is still being written.
    let mut child = bin()
        .args(["check", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    use std::io::Read;
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(o.status.code(), Some(141), "{err}");
}

#[test]
fn a_changed_canonical_string_names_the_canonical_stage() {
    let dir = copy_vectors();
    let path = dir.path().join("signupto-hash.json");
    let text_in = std::fs::read_to_string(&path).unwrap();
    // LF instead of CR LF in one pinned canonical string.
    let mut doc: serde_json::Value = serde_json::from_str(&text_in).unwrap();
    let case = doc["cases"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["op"] == "sign" && c["expect"]["result"] == "valid")
        .unwrap();
    let id = case["id"].as_str().unwrap().to_owned();
    let canonical = case["expect"]["output"]["canonical"]
        .as_str()
        .unwrap()
        .replacen("\r\n", "\n", 1);
    case["expect"]["output"]["canonical"] = canonical.into();
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let o = run(&[
        "check",
        "--vectors",
        dir.path().to_str().unwrap(),
        "--scheme",
        "signupto-hash",
    ]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains(&format!("FAIL {id}  (stage `canonical` diverged)")),
        "{out}"
    );
    assert!(out.contains("first difference at character"), "{out}");
}

#[test]
fn a_malformed_vector_file_names_file_case_and_field() {
    let dir = copy_vectors();
    let path = dir.path().join("signupto-token.json");
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let case = &mut doc["cases"][2];
    let id = case["id"].as_str().unwrap().to_owned();
    case["expect"]["result"] = "maybe".into();
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let o = run(&["check", "--vectors", dir.path().to_str().unwrap()]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(out.contains("signupto-token.json"), "{out}");
    assert!(out.contains(&format!("case `{id}`")), "{out}");
    assert!(out.contains("field `expect.result`"), "{out}");
}

#[test]
fn an_input_missing_a_field_is_named() {
    let dir = copy_vectors();
    let path = dir.path().join("signupto-hash.json");
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let case = doc["cases"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["op"] == "sign")
        .unwrap();
    let id = case["id"].as_str().unwrap().to_owned();
    case["input"].as_object_mut().unwrap().remove("nonce");
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let o = run(&["check", "--vectors", dir.path().to_str().unwrap()]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains(&format!("case `{id}`")) && out.contains("nonce"),
        "{out}"
    );
}

#[test]
fn unknown_scheme_and_empty_filter_are_tool_errors() {
    let o = run(&["check", "--scheme", "no-such-scheme"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("no-such-scheme"));
    let o = run(&["check", "--filter", "nothing/matches/*"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn filter_and_scheme_select_cases() {
    let o = run(&[
        "check",
        "--scheme",
        "primitives",
        "--filter",
        "*/mac/00?",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let schemes: Vec<&str> = report["schemes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["scheme"].as_str().unwrap())
        .collect();
    assert_eq!(schemes, ["primitives/hmac-sha1", "primitives/hmac-sha256"]);
    assert_eq!(report["total"]["cases"], 15);
}

const PARTNER_INPUT: &str = r#"{"method": "POST", "target": "/v1/account?x=1", "date": "Sat, 09 Sep 1989 11:00:00 GMT",
 "pid": 4567, "cid": 12345, "uid": 678, "nonce": "0123456789abcdef0123456789abcdef01234567",
 "key": "abcdefghijABCDEFGHIJabcdefghijABCDEFGHIJ"}"#;

#[test]
fn sign_shows_every_stage_with_crlf_visible() {
    let o = run_stdin(
        &["sign", "signupto-partner-hash", "--input", "-"],
        PARTNER_INPUT,
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    // The value schemes.md computed with python for these inputs and this key.
    assert!(
        out.contains("signature: 4de7985100ef28d709f16db6ee05c5d87c200354"),
        "{out}"
    );
    assert!(out.contains("POST /v1/account␍␊"), "{out}");
    assert!(out.contains("X-SuT-UID: 678␍␊"), "{out}");
    assert!(!out.contains("?x=1␍␊"), "{out}");

    let o = run_stdin(
        &[
            "sign",
            "signupto-partner-hash",
            "--input",
            "-",
            "--format",
            "json",
        ],
        PARTNER_INPUT,
    );
    let out: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(out["signature"], "4de7985100ef28d709f16db6ee05c5d87c200354");
    assert_eq!(
        out["canonical"],
        "POST /v1/account\r\nDate: Sat, 09 Sep 1989 11:00:00 GMT\r\nX-SuT-PID: 4567\r\nX-SuT-CID: 12345\r\nX-SuT-UID: 678\r\nX-SuT-Nonce: 0123456789abcdef0123456789abcdef01234567"
    );
    assert_eq!(
        out["headers"][5][1],
        "SuTPartner signature=\"4de7985100ef28d709f16db6ee05c5d87c200354\""
    );
}

#[test]
fn refused_input_names_the_field() {
    let uid_only = PARTNER_INPUT.replace("\"cid\": 12345, ", "");
    let o = run_stdin(
        &["sign", "signupto-partner-hash", "--input", "-"],
        &uid_only,
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("UID_WITHOUT_CID") && text(&o).contains("X-SuT-CID"),
        "{}",
        text(&o)
    );

    let bad_key = PARTNER_INPUT.replace(
        "abcdefghijABCDEFGHIJabcdefghijABCDEFGHIJ",
        "2b2d77e014a30792d5048e262e306783",
    );
    let o = run_stdin(&["sign", "signupto-partner-hash", "--input", "-"], &bad_key);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("MALFORMED_KEY") && text(&o).contains("partner API key is 40 characters"),
        "{}",
        text(&o)
    );

    let o = run_stdin(
        &["sign", "signupto-partner-hash", "--input", "-"],
        r#"{"method": "GET"}"#,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("field `target`") || text(&o).contains("`target`"),
        "{}",
        text(&o)
    );
}

#[test]
fn verify_accepts_a_whole_case_from_the_vectors() {
    let doc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(vectors().join("signupto-hash.json")).unwrap(),
    )
    .unwrap();
    let case = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["op"] == "verify" && c["expect"]["result"] == "valid")
        .unwrap();
    let o = run_stdin(
        &[
            "verify",
            "signupto-hash",
            "--input",
            "-",
            "--format",
            "json",
        ],
        &case.to_string(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(out, case["expect"]["output"]);
}

#[test]
fn a_planted_secret_never_shows_in_cli_output() {
    // A syntactically valid partner key that is also a recognisable marker.
    const MARKER: &str = "ZqXwVuTsRqPoNmLkJiHgFeDcBaZyXwVuTsRqPoNm";
    let input = PARTNER_INPUT.replace("abcdefghijABCDEFGHIJabcdefghijABCDEFGHIJ", MARKER);
    for args in [
        &["sign", "signupto-partner-hash", "--input", "-"][..],
        &[
            "sign",
            "signupto-partner-hash",
            "--input",
            "-",
            "--format",
            "json",
        ][..],
        &["run", "signupto-partner-hash", "sign", "--input", "-"][..],
    ] {
        let o = run_stdin(args, &input);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        assert!(
            !text(&o).contains(MARKER),
            "{args:?} printed the key:\n{}",
            text(&o)
        );
    }
    // Refusals and bad-input errors do not echo it either.
    let refused = input.replace("\"cid\": 12345, ", "");
    let o = run_stdin(&["sign", "signupto-partner-hash", "--input", "-"], &refused);
    assert!(!text(&o).contains(MARKER), "{}", text(&o));
    let token_input = format!(
        r#"{{"method":"GET","target":"/v1/folder","date":"Sat, 09 Sep 1989 11:00:00 GMT","nonce":"abc","token":"{}"}}"#,
        "Zq".repeat(48)
    );
    let o = run_stdin(&["sign", "signupto-token", "--input", "-"], &token_input);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!text(&o).contains(&"Zq".repeat(48)), "{}", text(&o));
    assert!(text(&o).contains("SuTToken <redacted>"), "{}", text(&o));
}

#[test]
fn help_explains_commands_and_exit_codes() {
    let o = run(&["--help"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0));
    for word in ["check", "sign", "verify", "Exit status", "0 conformant"] {
        assert!(out.contains(word), "{word}: {out}");
    }
}

#[test]
fn schemes_prints_the_registry_with_probe_and_sandbox_support() {
    let o = run(&["schemes"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["scheme", "probe", "sandbox", "ops"],
        "{out}"
    );
    assert_eq!(
        lines.len(),
        1 + partner_auth::registry::SCHEMES.len(),
        "{out}"
    );
    for (line, entry) in lines[1..].iter().zip(partner_auth::registry::SCHEMES) {
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(words[0], entry.slug, "{line}");
        let yes = |b: bool| if b { "yes" } else { "-" };
        assert_eq!(words[1], yes(entry.probe.is_some()), "{line}");
        let served = entry.sandbox.is_some();
        assert_eq!(words[2], yes(served), "{line}");
        assert!(line.ends_with(&entry.ops.join(", ")), "{line}");
    }
    // What the reference implements, spelled out for one scheme.
    assert!(out.contains(
        "signupto-token           yes    yes      token-request, parse-token-response, sign,"
    ));
    assert!(out.contains("primitives/base64        -      -        encode, decode"));
}

#[test]
fn a_secret_needing_json_escapes_never_shows_in_cli_output() {
    // A Groupcall Password and PartnerKey with `"` and `\`: inside the request body they
    // appear JSON-escaped, and inside `--format json` output escaped twice.
    let build = r#"{"PartnerKey":"pk\"Zq\\mark","styleClass":"YourCompanyName","messageData":[{"CustomerId":"1469","Password":"pw\"Zq\\mark","SMSMessage":"hi","Recipients":["+447700900123"]}]}"#;
    for format in ["text", "json"] {
        let o = run_stdin(
            &[
                "run",
                "groupcall-partner",
                "build",
                "--input",
                "-",
                "--format",
                format,
            ],
            build,
        );
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        let out = text(&o);
        assert!(!out.contains("Zq"), "{format}: {out}");
        assert!(out.contains("<redacted>"), "{format}: {out}");
    }
    // The server side: the body's own Password is redacted even when it is not the
    // directory's (the body is read for secret fields too).
    let verify = serde_json::json!({
        "route": "SMS",
        "body": r#"{"messageData":[{"CustomerId":"1469","Password":"wrong\"Zq\\x","SMSMessage":"hi","Recipients":["+447700900123"]}]}"#,
        "now_ms": 1_751_650_134_585_i64,
        "ids": { "seed": "s", "counter": 1 },
        "directory": { "customers": [{ "CustomerId": "1469", "Password": "right\"Zq\\y" }] }
    })
    .to_string();
    let o = run_stdin(
        &[
            "verify",
            "groupcall-customer",
            "--input",
            "-",
            "--format",
            "json",
        ],
        &verify,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!text(&o).contains("Zq"), "{}", text(&o));
    assert!(text(&o).contains("Data is not valid, no messages sent"));
}

#[test]
fn probe_help_names_every_probed_scheme_and_its_default_path() {
    // The help text is written by hand; the registry decides. A scheme given a probe
    // module, or a changed default path, fails here until the help says so.
    let o = run(&["probe", "--help"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    for slug in partner_auth::probe::schemes() {
        assert!(
            out.contains(slug),
            "probe --help does not name {slug}:\n{out}"
        );
        let path = partner_auth::probe::default_path(slug).unwrap();
        assert!(
            out.contains(path),
            "probe --help does not give {slug}'s default path {path}:\n{out}"
        );
    }
}
