//! The sandbox and the probe over real loopback HTTP: `partner-auth serve` runs as a
//! child process, `partner-auth probe` and hand-written requests talk to it.

// Runs the `partner-auth` binary, built with the `cli` feature.
#![cfg(feature = "cli")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use partner_auth::encoding::{format_http_date, hex_lower, sha1};
use partner_auth::{Clock, SystemClock};
use serde_json::Value;

const HASH_KEY: &str = "2b2d77e014a30792d5048e262e306783";
const PARTNER_KEY: &str = "abcdefghijABCDEFGHIJabcdefghijABCDEFGHIJ";
const PASSWORD: &str = "demo-password";

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_partner-auth"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A running sandbox, killed when dropped.
struct Sandbox {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    url: String,
    /// `127.0.0.1:PORT`.
    addr: String,
    /// Everything printed on stdout after the address line.
    banner: Vec<String>,
    /// Everything the server printed on stderr so far.
    log: Arc<Mutex<String>>,
}

impl Sandbox {
    fn start(args: &[&str]) -> Self {
        let mut child = bin()
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        let url = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("first line is not the address: {first:?}"))
            .to_owned();
        let mut banner = Vec::new();
        // One banner line per scheme the registry says the sandbox serves.
        let slugs = partner_auth::registry::sandboxed().count();
        for _ in 0..slugs {
            let mut line = String::new();
            stdout.read_line(&mut line).unwrap();
            banner.push(line);
        }
        let log = Arc::new(Mutex::new(String::new()));
        let sink = log.clone();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        std::thread::spawn(move || {
            let mut line = String::new();
            while stderr.read_line(&mut line).unwrap_or(0) > 0 {
                sink.lock().unwrap().push_str(&line);
                line.clear();
            }
        });
        let addr = url.trim_start_matches("http://").to_owned();
        Self {
            child,
            url,
            addr,
            banner,
            log,
        }
    }

    fn log(&self) -> String {
        // The log line is written after the answer; give it a moment.
        std::thread::sleep(Duration::from_millis(200));
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One raw HTTP/1.1 exchange: any bytes out, (status, headers, body) back.
fn raw(addr: &str, request: &[u8]) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {answer:?}"));
    (status, head.to_owned(), body.to_owned())
}

fn get(addr: &str, target: &str, headers: &[(&str, String)]) -> (u16, String, String) {
    let mut req = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (n, v) in headers {
        req.push_str(&format!("{n}: {v}\r\n"));
    }
    req.push_str("\r\n");
    raw(addr, req.as_bytes())
}

fn post(addr: &str, target: &str, body: &[u8]) -> (u16, String, String) {
    let mut req = format!(
        "POST {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    raw(addr, &req)
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}"))
}

/// Hash headers for a hand-built canonical string (key appended here).
fn hash_headers(
    canonical_without_key: &str,
    date: &str,
    nonce: &str,
) -> Vec<(&'static str, String)> {
    let sig = hex_lower(&sha1(
        format!("{canonical_without_key}\r\n{HASH_KEY}").as_bytes(),
    ));
    vec![
        ("Date", date.to_owned()),
        ("X-SuT-CID", "7654321".into()),
        ("X-SuT-UID", "23456789".into()),
        ("X-SuT-Nonce", nonce.to_owned()),
        ("Authorization", format!("SuTHash signature=\"{sig}\"")),
    ]
}

fn now_date() -> String {
    format_http_date(SystemClock.now_secs())
}

fn probe(scheme: &str, url: &str, extra: &[&str]) -> Output {
    bin()
        .args(["probe", scheme, "--url", url, "--timeout", "5"])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn probe_conforms_for_every_signupto_scheme_and_the_log_holds_no_secret() {
    let sandbox = Sandbox::start(&[]);
    let mut outputs = String::new();
    for scheme in ["signupto-hash", "signupto-partner-hash", "signupto-token"] {
        let o = probe(scheme, &sandbox.url, &[]);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(0), "{scheme}:\n{out}");
        assert!(out.contains("conformant:"), "{out}");
        // A token request needs no Date (the Token page requires none): only the
        // signature schemes are probed for it.
        let cases: &[&str] = if scheme == "signupto-token" {
            &["valid", "replay", "stale-date", "missing-authorization"]
        } else {
            &["valid", "replay", "stale-date", "missing-date"]
        };
        for case in cases {
            assert!(out.contains(&format!("PASS {case} ")), "{case}: {out}");
        }
        outputs.push_str(&out);
    }
    // A token the server issued, to look for it in the log.
    let (status, _, body) = post(
        &sandbox.addr,
        "/v1/token",
        br#"{"username":"demo@example.com","password":"demo-password"}"#,
    );
    assert_eq!(status, 200, "{body}");
    let token = json(&body)["response"]["data"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(token.len(), 96);

    let log = sandbox.log();
    assert!(
        log.contains("GET /v1/list 401 scheme=signupto-hash code=NONCE_REPLAYED"),
        "{log}"
    );
    assert!(
        log.contains("POST /v1/token 200 scheme=signupto-token code=-"),
        "{log}"
    );
    // One line per request: 17 + 19 + 8 probe cases and the token request above.
    assert_eq!(log.lines().count(), 45, "{log}");
    for secret in [
        HASH_KEY,
        PARTNER_KEY,
        PASSWORD,
        token.as_str(),
        "signature=",
    ] {
        assert!(!log.contains(secret), "the log shows {secret}:\n{log}");
        assert!(!outputs.contains(secret), "probe output shows {secret}");
    }
}

#[test]
fn probe_against_a_server_that_accepts_everything_fails_naming_the_cases() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(|| async {
        (
            [("content-type", "application/json")],
            r#"{"status":"ok","response":{"data":[],"count":0,"next":null}}"#,
        )
    });
    runtime.spawn(async move { axum::serve(listener, app).await });

    let o = probe("signupto-hash", &format!("http://{addr}"), &[]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("PASS valid "), "{out}");
    for case in [
        "replay",
        "stale-date",
        "tampered-signature",
        "wrong-key",
        "missing-authorization",
        "missing-x-sut-nonce",
        "unknown-key",
    ] {
        assert!(out.contains(&format!("FAIL {case} ")), "{case}: {out}");
    }
    // An accept-everything server passes a forged-then-genuine pair; the empty id line
    // it accepts is a hardened case: informational here, a failure under `hardened`.
    assert!(
        out.contains("non-conformant: 3 passed, 13 failed: replay,"),
        "{out}"
    );
    assert!(out.contains("INFO empty-uid-line [hardened] "), "{out}");
    assert!(
        out.contains("informational under --profile conformance: empty-uid-line"),
        "{out}"
    );
    let o = probe(
        "signupto-hash",
        &format!("http://{addr}"),
        &["--profile", "hardened"],
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("FAIL empty-uid-line [hardened] "), "{out}");
    assert!(
        out.contains("non-conformant: 3 passed, 14 failed: replay,"),
        "{out}"
    );
    drop(runtime);
}

#[test]
fn probe_of_a_url_that_does_not_answer_is_a_tool_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let o = probe("signupto-token", &format!("http://127.0.0.1:{port}"), &[]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(out.contains("no answer from http://127.0.0.1:"), "{out}");
    let o = probe("nope", "http://127.0.0.1:1", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("unknown scheme `nope`"));
    let o = probe(
        "hmac-sha256",
        "http://127.0.0.1:1",
        &["--profile", "strict"],
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("'--profile <PROFILE>'") && out.contains("unknown profile `strict`"),
        "{out}"
    );
}

#[test]
fn oversized_bodies_get_413_and_malformed_requests_never_break_the_server() {
    let sandbox = Sandbox::start(&["--max-body", "1024"]);
    let (status, head, body) = post(&sandbox.addr, "/v1/token", &[b'x'; 4096]);
    assert_eq!(status, 413, "{head}\n{body}");
    assert!(
        head.to_ascii_lowercase()
            .contains("x-partner-auth-error: body_too_large")
    );
    let v = json(&body);
    assert_eq!(v["status"], "error");
    assert_eq!(v["response"]["code"], 413);
    assert!(
        v["response"]["message"]
            .as_str()
            .unwrap()
            .contains("larger than 1024 bytes"),
        "{body}"
    );
    // Within the limit, a body that is not the login object is a clear 400.
    let (status, _, body) = post(
        &sandbox.addr,
        "/v1/token",
        b"{\"username\": 5, \"password\": \"pw-marker\"}",
    );
    assert_eq!(status, 400, "{body}");
    assert!(!body.contains("pw-marker"), "{body}");

    // A header value that is not UTF-8: 400 naming the header.
    let mut req = format!(
        "GET /v1/list HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nX-SuT-Nonce: ",
        sandbox.addr
    )
    .into_bytes();
    req.extend_from_slice(b"\xff\xfe\x80\r\n\r\n");
    let (status, _, body) = raw(&sandbox.addr, &req);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("x-sut-nonce"), "{body}");

    // Garbage in every Sign-Up.to header: refused, not a crash.
    let junk: Vec<(&str, String)> = [
        "Date",
        "X-SuT-CID",
        "X-SuT-UID",
        "X-SuT-PID",
        "X-SuT-Nonce",
        "Authorization",
    ]
    .into_iter()
    .map(|n| (n, "\"\\ ;=,\t".to_owned()))
    .collect();
    let (status, _, body) = get(&sandbox.addr, "/v1/list", &junk);
    assert_eq!(status, 401, "{body}");
    for auth in [
        "SuTHash",
        "SuTPartner signature=\"zz\"",
        "SuTToken a b",
        "SuTHash signature=\"\"",
    ] {
        let (status, _, body) = get(&sandbox.addr, "/v1/list", &[("Authorization", auth.into())]);
        assert_eq!(status, 401, "{auth}: {body}");
        assert_eq!(json(&body)["status"], "error");
    }
    // Duplicated Authorization, unknown routes, a wrong method on /v1/token.
    let (status, _, _) = get(
        &sandbox.addr,
        "/v1/list",
        &[
            ("Authorization", "SuTToken x".into()),
            ("Authorization", "SuTToken y".into()),
        ],
    );
    assert_eq!(status, 401);
    assert_eq!(get(&sandbox.addr, "/elsewhere", &[]).0, 404);
    assert_eq!(get(&sandbox.addr, "/v1/token", &[]).0, 405);
    // Still serving.
    let (status, _, body) = post(
        &sandbox.addr,
        "/v1/token",
        br#"{"username":"demo@example.com","password":"demo-password"}"#,
    );
    assert_eq!(status, 200, "{body}");
}

#[test]
fn explain_names_the_differing_component_and_never_the_key() {
    let sandbox = Sandbox::start(&["--explain"]);
    let date = now_date();
    let server_canonical = |nonce: &str| {
        format!(
            "GET /v1/list\r\nDate: {date}\r\nX-SuT-CID: 7654321\r\nX-SuT-UID: 23456789\r\nX-SuT-Nonce: {nonce}"
        )
    };

    // The client signed the query string.
    let signed = format!(
        "GET /v1/list?page=2\r\nDate: {date}\r\nX-SuT-CID: 7654321\r\nX-SuT-UID: 23456789\r\nX-SuT-Nonce: explain-1"
    );
    let (status, _, body) = get(
        &sandbox.addr,
        "/v1/list?page=2",
        &hash_headers(&signed, &date, "explain-1"),
    );
    assert_eq!(status, 401, "{body}");
    let v = json(&body);
    let message = v["response"]["message"].as_str().unwrap();
    assert!(
        message.contains("The canonical string for this request should have been:"),
        "{message}"
    );
    assert!(message.contains("the query string was signed"), "{message}");
    assert!(message.contains("line 1 (the request line)"), "{message}");
    assert!(message.contains("\\r\\n<key>"), "{message}");
    assert_eq!(
        v["response"]["additional_information"],
        server_canonical("explain-1")
    );
    assert_eq!(v["response"]["subcode"], Value::Null);

    // LF line ends.
    let lf = server_canonical("explain-2").replace("\r\n", "\n");
    let sig = hex_lower(&sha1(format!("{lf}\n{HASH_KEY}").as_bytes()));
    let mut headers = hash_headers(&server_canonical("explain-2"), &date, "explain-2");
    headers[4].1 = format!("SuTHash signature=\"{sig}\"");
    let (_, _, body2) = get(&sandbox.addr, "/v1/list", &headers);
    assert!(body2.contains("joined with LF instead of CR LF"), "{body2}");

    // The header lines in wire order (Nonce sent before CID).
    let wire = format!(
        "GET /v1/list\r\nDate: {date}\r\nX-SuT-Nonce: explain-3\r\nX-SuT-CID: 7654321\r\nX-SuT-UID: 23456789"
    );
    let mut headers = hash_headers(&wire, &date, "explain-3");
    headers.swap(1, 3);
    headers.swap(2, 3);
    let (_, _, body3) = get(&sandbox.addr, "/v1/list", &headers);
    assert!(
        body3.contains("in the order the headers were sent"),
        "{body3}"
    );
    assert!(body3.contains("line 3 (`X-SuT-CID`)"), "{body3}");

    // A signature matching no known mistake.
    let mut headers = hash_headers(&server_canonical("explain-4"), &date, "explain-4");
    headers[4].1 = format!("SuTHash signature=\"{}\"", "0".repeat(40));
    let (_, _, body4) = get(&sandbox.addr, "/v1/list", &headers);
    assert!(body4.contains("none of the common mistakes"), "{body4}");

    for b in [&body, &body2, &body3, &body4] {
        assert!(!b.contains(HASH_KEY), "the key leaked: {b}");
    }
    assert!(!sandbox.log().contains(HASH_KEY));

    // Without --explain, the same mistake gets no diagnostics.
    let plain = Sandbox::start(&[]);
    let (status, _, body) = get(
        &plain.addr,
        "/v1/list?page=2",
        &hash_headers(&signed.replace("explain-1", "plain-1"), &date, "plain-1"),
    );
    assert_eq!(status, 401);
    let v = json(&body);
    assert_eq!(v["response"]["additional_information"], Value::Null);
    assert!(
        !body.contains("canonical string for this request"),
        "{body}"
    );
    assert!(plain.log().contains("code=SIGNATURE_MISMATCH"));
}

#[test]
fn the_readme_sandbox_example_really_works() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let after = readme
        .split("<!-- sandbox-example")
        .nth(1)
        .expect("README.md has a sandbox-example block");
    let script = after
        .split("```sh\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .unwrap();
    let sandbox = Sandbox::start(&[]);
    let script = script.replace("http://127.0.0.1:8080", &sandbox.url);
    let o = Command::new("sh").arg("-c").arg(&script).output().unwrap();
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    let lines: Vec<&str> = out.lines().filter(|l| l.starts_with('{')).collect();
    assert_eq!(lines.len(), 2, "{out}");
    let token = json(lines[0]);
    assert_eq!(token["status"], "ok", "{out}");
    assert_eq!(
        token["response"]["data"]["token"].as_str().unwrap().len(),
        96
    );
    let list = json(lines[1]);
    assert_eq!(list["status"], "ok", "{out}");
    assert_eq!(list["response"]["data"][0]["scheme"], "signupto-hash");
    assert_eq!(list["response"]["data"][0]["cid"], 7654321);
}

#[test]
fn credentials_demo_json_file_replacement_and_clear_errors() {
    let o = bin()
        .args(["serve", "--demo-credentials"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let demo: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(demo["signupto-hash"]["key"], HASH_KEY);
    assert_eq!(demo["signupto-partner-hash"]["pid"], 4567);
    assert_eq!(demo["signupto-token"]["username"], "demo@example.com");
    assert_eq!(demo["hmac-sha256"]["api_key"], HMAC_KEY);
    assert_eq!(demo["hmac-sha256"]["secret"], HMAC_SECRET);
    assert_eq!(demo["partners-portal"]["client_id"], "network_abc123");
    assert_eq!(demo["groupcall-customer"]["customer_id"], "1469");
    assert_eq!(
        demo["groupcall-partner"]["partner_key"],
        "partner-abc-12345"
    );

    let dir = tempfile::tempdir().unwrap();
    let marker = "0123456789abcdef0123456789abcdef";
    let good = dir.path().join("good.json");
    std::fs::write(
        &good,
        format!(r#"{{"signupto-hash": {{"cid": 42, "uid": 43, "key": "{marker}"}}}}"#),
    )
    .unwrap();
    let sandbox = Sandbox::start(&["--credentials", good.to_str().unwrap()]);
    let banner = sandbox.banner.concat();
    assert!(!banner.contains(marker), "{banner}");
    assert!(
        banner.contains("signupto-hash: credentials from the file (not shown)"),
        "{banner}"
    );
    assert!(
        banner.contains("signupto-token (demo credentials)"),
        "{banner}"
    );
    let o = probe(
        "signupto-hash",
        &sandbox.url,
        &["--credentials", good.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!text(&o).contains(marker));
    // The demo key no longer works for Hash.
    let o = probe("signupto-hash", &sandbox.url, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(!sandbox.log().contains(marker));

    for (content, expect) in [
        (
            r#"{"signupto-hash": {"cid": 1, "uid": 2, "key": "NOT-A-HEX-KEY-secret-marker"}}"#,
            "`signupto-hash`: `key`: the API key is malformed",
        ),
        (
            r#"{"signupto-hash": {"cid": 1, "key": "0123456789abcdef0123456789abcdef"}}"#,
            "`signupto-hash`: missing field `uid`",
        ),
        (
            r#"{"signupto-hash": {"cid": "secret-marker", "uid": 2, "key": "0123456789abcdef0123456789abcdef"}}"#,
            "`signupto-hash`: invalid type",
        ),
        (
            r#"{"signupto-partner-hash": {"pid": 1, "uid": 2, "key": "abcdefghijABCDEFGHIJabcdefghijABCDEFGHIJ"}}"#,
            "`signupto-partner-hash`: the ids",
        ),
        (r#"{"hmac": {}}"#, "unknown scheme `hmac`"),
        (
            r#"{"partners-portal": {"client_id": "m", "client_secret": "secret-marker", "broker_id": 1, "username": "a", "other_username": "a"}}"#,
            "`partners-portal`: `other_username` must differ from `username`",
        ),
        (
            r#"{"groupcall-partner": {"partner_key": "secret-marker", "style_class": "S", "customer_id": "1469", "password": "secret-marker-2"}}"#,
            "`groupcall-partner`: `customer_id` is the `groupcall-customer` customer's",
        ),
        (
            r#"{"hmac-sha256": {"api_key": "pk", "secret": ""}}"#,
            "`hmac-sha256`: `secret`: the API secret is empty",
        ),
        (
            r#"{"hmac-sha256": {"api_key": "pk", "secret": "secret-marker", "disabled_api_key": "pk"}}"#,
            "`disabled_api_key` must differ from `api_key`",
        ),
        (
            r#"{"groupcall-customer": {"customer_id": "1", "password": ""}}"#,
            "`groupcall-customer`: `password` must not be empty",
        ),
        (
            r#"{"signupto-token": {"username": "u", "password": "secret-marker", "cid": 1, "uid": 2, "extra": 1}}"#,
            "unknown field `extra`",
        ),
    ] {
        let path = dir.path().join("bad.json");
        std::fs::write(&path, content).unwrap();
        let o = bin()
            .args([
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--credentials",
                path.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        let out = text(&o);
        assert_eq!(o.status.code(), Some(2), "{content}: {out}");
        assert!(
            out.contains(expect),
            "{content}: expected {expect:?} in {out}"
        );
        assert!(out.contains("bad.json"), "{out}");
        assert!(!out.contains("secret-marker"), "{out}");
    }
}

#[test]
#[cfg(unix)]
fn sigterm_stops_the_server_gracefully() {
    let mut sandbox = Sandbox::start(&[]);
    let pid = sandbox.child.id().to_string();
    let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(status.success());
    let mut waited = 0;
    let code = loop {
        if let Some(s) = sandbox.child.try_wait().unwrap() {
            break s.code();
        }
        assert!(waited < 100, "still running 10 s after SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
        waited += 1;
    };
    assert_eq!(code, Some(0));
    assert!(sandbox.log().contains("partner-auth serve: stopped"));
}

/// Every secret of the demo credentials, to look for in logs and outputs.
fn demo_secrets() -> Vec<String> {
    let demo = partner_auth::serve::demo::demo_json();
    let mut out = Vec::new();
    for (_, entry) in demo.as_object().unwrap() {
        for field in ["key", "password", "client_secret", "partner_key", "secret"] {
            if let Some(v) = entry.get(field).and_then(Value::as_str) {
                out.push(v.to_owned());
            }
        }
    }
    out
}

#[test]
fn probe_conforms_for_every_scheme_slug_in_text_and_json() {
    let sandbox = Sandbox::start(&[]);
    let secrets = demo_secrets();
    assert!(secrets.iter().any(|s| s == "secret_xyz789"), "{secrets:?}");
    assert!(
        secrets.iter().any(|s| s == "partner-abc-12345"),
        "{secrets:?}"
    );
    for scheme in partner_auth::probe::schemes() {
        let o = probe(scheme, &sandbox.url, &[]);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(0), "{scheme}:\n{out}");
        assert!(
            out.contains("conformant:") && !out.contains("FAIL"),
            "{out}"
        );
        // The sandbox meets the hardened cases too: nothing informational, nothing failed.
        let o = probe(scheme, &sandbox.url, &["--profile", "hardened"]);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(0), "{scheme} (hardened):\n{out}");
        assert!(
            out.contains("(profile hardened)") && !out.contains("FAIL") && !out.contains("INFO"),
            "{out}"
        );
        let o = probe(scheme, &sandbox.url, &["--format", "json"]);
        assert_eq!(o.status.code(), Some(0), "{scheme}: {}", text(&o));
        let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(doc["profile"], "conformance", "{doc}");
        assert_eq!(doc["informational"], serde_json::json!([]), "{doc}");
        assert_eq!(doc["scheme"], scheme);
        assert_eq!(doc["conformant"], true);
        let cases = doc["cases"].as_array().unwrap();
        assert!(cases.len() >= 7, "{scheme}: {doc}");
        assert_eq!(doc["passed"], cases.len());
        for s in &secrets {
            assert!(!out.contains(s.as_str()), "{scheme} output shows {s}");
            assert!(!text(&o).contains(s.as_str()), "{scheme} json shows {s}");
        }
    }
    let log = sandbox.log();
    for line in [
        "POST /API/partnersPortal/authentication 200 scheme=partners-portal code=-",
        "POST /API/partnersPortal/authentication 401 scheme=partners-portal code=MASTER_SECRET_MISMATCH",
        "GET /API/partnersPortal/commissions 403 scheme=partners-portal code=PERMISSION_DENIED",
        "GET /API/partnersPortal/simulations 401 scheme=partners-portal code=TOKEN_IDENTITY_MISMATCH",
        "POST /api/SendMessage_V3/SMS 200 scheme=groupcall-customer code=-",
        "POST /api/SendMessage_V3/SMS 200 scheme=groupcall-customer code=DATA_NOT_VALID",
        "POST /api/SendMessage_V3/SMS 400 scheme=groupcall-customer code=MALFORMED_JSON",
        "POST /api/SendMessage_V3/PartnerRoute 200 scheme=groupcall-partner code=PARTNER_KEY_NOT_VALID",
    ] {
        assert!(log.contains(line), "{line}:\n{log}");
    }
    for s in &secrets {
        assert!(!log.contains(s.as_str()), "the log shows {s}");
    }
}

/// A server that accepts everything, each API in its own success shape: a PMAPI `ok`
/// envelope, a portal token, a queued Groupcall element per message.
fn accept_everything() -> (tokio::runtime::Runtime, String) {
    use axum::http::Uri;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(|uri: Uri, body: axum::body::Bytes| async move {
        let path = uri.path();
        let body = if path.starts_with("/api/v1/partner/") {
            r#"{"version":"2.0.0","timestamp":0,"success":true,"data":[]}"#.to_owned()
        } else if path.starts_with("/API/partnersPortal/authentication") {
            "\"accepted-token-0123456789\"".to_owned()
        } else if path.starts_with("/API/partnersPortal/") {
            r#"{"data":[]}"#.to_owned()
        } else if path.starts_with("/api/SendMessage_V3/") {
            let n = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v["messageData"].as_array().map(Vec::len))
                .unwrap_or(1);
            let element = r#"{"WarningMessages":[],"errorMsg":"OK 1 messages queued for sending","MessageSentId":0,"MessageId":"1.20250704.1-x","statusMsg":"In Queue","transmitDateTime":null,"ClientRef":null}"#;
            format!("[{}]", vec![element; n].join(","))
        } else {
            r#"{"status":"ok","response":{"data":[],"count":0,"next":null}}"#.to_owned()
        };
        ([("content-type", "application/json")], body)
    });
    runtime.spawn(async move { axum::serve(listener, app).await });
    (runtime, format!("http://{addr}"))
}

#[test]
fn probe_of_an_accept_everything_server_fails_for_every_api() {
    // Every scheme with a probe, and the cases its probe module declares: the registry,
    // not a list here, so a scheme added to the probe is checked (or fails) at once.
    let (runtime, url) = accept_everything();
    let mut probed = 0;
    for entry in partner_auth::registry::SCHEMES {
        let Some(module) = entry.probe else { continue };
        let scheme = entry.slug;
        probed += 1;
        let expected = module.accept_everything;
        assert!(
            !expected.fail.is_empty(),
            "{scheme}: its probe module names no case an accept-everything server fails"
        );
        let o = probe(scheme, &url, &[]);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(1), "{scheme}: {out}");
        assert!(out.contains("non-conformant:"), "{out}");
        for case in expected.pass {
            assert!(
                out.contains(&format!("PASS {case} ")),
                "{scheme} {case}: {out}"
            );
        }
        for case in expected.fail {
            assert!(
                out.contains(&format!("FAIL {case} ")),
                "{scheme} {case}: {out}"
            );
        }
    }
    assert_eq!(probed, partner_auth::probe::schemes().count());
    assert!(probed >= 7, "only {probed} schemes have a probe");
    drop(runtime);
}

#[test]
fn portal_and_groupcall_routes_answer_as_the_reference_does() {
    let sandbox = Sandbox::start(&[]);
    let levels = |secret: &str| {
        format!(
            "xClientID: network_abc123\r\nxClientSecret: {secret}\r\nbrokerID: 12345\r\nusername: ana@example.pt\r\n"
        )
    };
    let send = |method: &str, target: &str, headers: &str, body: &[u8]| {
        let mut req = format!(
            "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n{headers}Content-Length: {}\r\n\r\n",
            sandbox.addr,
            body.len()
        )
        .into_bytes();
        req.extend_from_slice(body);
        raw(&sandbox.addr, &req)
    };
    let (status, _, body) = send(
        "POST",
        "/API/partnersPortal/authentication",
        &levels("secret_xyz789"),
        b"",
    );
    assert_eq!(status, 200, "{body}");
    let token = json(&body).as_str().unwrap().to_owned();
    assert_eq!(token.len(), 43, "{body}");
    // The same 401 body whichever level failed (P2).
    let (s1, _, wrong_secret) = send(
        "POST",
        "/API/partnersPortal/authentication",
        &levels("nope"),
        b"",
    );
    let (s2, _, wrong_user) = send(
        "POST",
        "/API/partnersPortal/authentication",
        &levels("secret_xyz789").replace("ana@", "zoe@"),
        b"",
    );
    assert_eq!((s1, s2), (401, 401));
    assert_eq!(wrong_secret, wrong_user);
    assert_eq!(
        wrong_secret,
        partner_auth::schemes::portal::UNAUTHORIZED_BODY
    );
    let bearer = format!(
        "{}Authorization: Bearer {token}\r\n",
        levels("secret_xyz789")
    );
    let (status, _, body) = send("POST", "/API/partnersPortal/proposals", &bearer, b"{}");
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["permission"], "proposals.write");
    let (status, _, body) = send("GET", "/API/partnersPortal/commissions", &bearer, b"");
    assert_eq!(status, 403, "{body}");
    assert_eq!(body, partner_auth::schemes::portal::FORBIDDEN_BODY);
    let (status, _, _) = send("GET", "/API/partnersPortal/nowhere", &bearer, b"");
    assert_eq!(status, 404);
    assert_eq!(
        send("GET", "/API/partnersPortal/authentication", "", b"").0,
        405
    );

    // Groupcall: the e-mail route, then a batch with one good and one bad element.
    let email = br#"{"messageData":[{"CustomerId":"1469","Password":"customer-api-key-67890","EmailSubject":"s","EmailBody":"b","Recipients":[{"EmailAddress":"a@example.com"}],"ClientRef":"E-1"}]}"#;
    let (status, _, body) = post(&sandbox.addr, "/api/SendMessage_V3/Email", email);
    assert_eq!(status, 200, "{body}");
    let v = json(&body);
    assert_eq!(v[0]["errorMsg"], "OK 1 messages queued for sending");
    assert_eq!(v[0]["statusMsg"], "In Queue");
    assert_eq!(v[0]["ClientRef"], "E-1");
    assert!(v[0]["MessageId"].as_str().unwrap().starts_with("1469."));
    let batch = br#"{"messageData":[{"CustomerId":"1469","Password":"customer-api-key-67890","SMSMessage":"hi","Recipients":[{"MobileNumber":"+447700900123"},{"MobileNumber":"+447700900124"}]},{"CustomerId":"1469","Password":"wrong","SMSMessage":"hi","Recipients":["+447700900123"]}]}"#;
    let (status, head, body) = post(&sandbox.addr, "/api/SendMessage_V3/SMS", batch);
    assert_eq!(status, 200, "{body}");
    assert!(
        head.to_ascii_lowercase()
            .contains("x-partner-auth-error: data_not_valid")
    );
    let v = json(&body);
    assert_eq!(v[0]["errorMsg"], "OK 2 messages queued for sending");
    assert_eq!(v[1]["errorMsg"], "Data is not valid, no messages sent");
    assert_eq!(v[1]["MessageId"], Value::Null);
    // The partner's customer authorised the partner; the customer-route customer did not.
    let foreign = br#"{"PartnerKey":"partner-abc-12345","styleClass":"X","messageData":[{"CustomerId":"1469","Password":"customer-api-key-67890","SMSMessage":"hi","Recipients":["+447700900123"]}]}"#;
    let (_, _, body) = post(&sandbox.addr, "/api/SendMessage_V3/PartnerRoute", foreign);
    assert_eq!(
        json(&body)[0]["WarningMessages"][0],
        "Partner account not authorized for this customer"
    );
    assert_eq!(post(&sandbox.addr, "/api/SendMessage_V3/Fax", b"{}").0, 404);
    assert_eq!(get(&sandbox.addr, "/api/SendMessage_V3/SMS", &[]).0, 405);
}

/// Runs `cmd` with `input` on its standard input and collects what it printed.
fn output_with_stdin(mut cmd: Command, input: &[u8]) -> std::process::Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd:?} could not start (is python3 installed?): {e}"));
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

/// Sends one message with the independent implementation's own Groupcall client
/// (examples/shims/python/groupcall_send.py: its `build`, urllib, its `parse-response`).
fn groupcall_send(url: &str, route: &str, message: &str) -> std::process::Output {
    let mut cmd = Command::new("python3");
    cmd.arg(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/shims/python/groupcall_send.py"
    ))
    .args([url, route]);
    output_with_stdin(cmd, message.as_bytes())
}

#[test]
fn a_python_groupcall_client_sends_through_the_sandbox() {
    let sandbox = Sandbox::start(&[]);
    let o = groupcall_send(
        &sandbox.url,
        "PartnerRoute",
        r#"{"PartnerKey":"partner-abc-12345","styleClass":"YourCompanyName","messageData":[{"CustomerId":"1470","Password":"customer-api-key-13579","SMSMessage":"Hello","Recipients":[{"MobileNumber":"+447700900123"}],"ClientRef":"r-1"}]}"#,
    );
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    let result = json(String::from_utf8_lossy(&o.stdout).trim());
    assert_eq!(result["status"], 200, "{out}");
    let first = &result["results"][0];
    assert_eq!(first["success"], true, "{out}");
    assert_eq!(first["statusMsg"], "In Queue", "{out}");
    assert_eq!(first["ClientRef"], "r-1", "{out}");
    assert!(
        first["MessageId"].as_str().unwrap().starts_with("1470."),
        "{out}"
    );
    // A refused message: the client reports the element's error text and exits 1.
    let o = groupcall_send(
        &sandbox.url,
        "PartnerRoute",
        r#"{"PartnerKey":"not-a-partner-key","styleClass":"YourCompanyName","messageData":[{"CustomerId":"1470","Password":"customer-api-key-13579","SMSMessage":"Hello","Recipients":[{"MobileNumber":"+447700900123"}]}]}"#,
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let result = json(String::from_utf8_lossy(&o.stdout).trim());
    assert_eq!(
        result["results"][0]["error"],
        "Partner key is not valid",
        "{}",
        text(&o)
    );
    // The customer route, with the customer's own credentials.
    let o = groupcall_send(
        &sandbox.url,
        "SMS",
        r#"{"messageData":[{"CustomerId":"1469","Password":"customer-api-key-67890","SMSMessage":"Hi","Recipients":[{"MobileNumber":"+447700900123"}]}]}"#,
    );
    assert!(o.status.success(), "{}", text(&o));
    let log = sandbox.log();
    assert!(
        log.contains("POST /api/SendMessage_V3/PartnerRoute 200 scheme=groupcall-partner code=-"),
        "{log}"
    );
    assert!(
        log.contains("POST /api/SendMessage_V3/SMS 200 scheme=groupcall-customer"),
        "{log}"
    );
    assert!(!log.contains("customer-api-key-13579") && !log.contains("partner-abc-12345"));
}

/// The `sh` block following `<!-- {marker}` in README.md, pointed at `url`.
fn readme_block(marker: &str, url: &str) -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let after = readme
        .split(&format!("<!-- {marker}"))
        .nth(1)
        .unwrap_or_else(|| panic!("README.md has no {marker} block"));
    after
        .split("```sh\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .unwrap()
        .replace("http://127.0.0.1:8080", url)
}

#[test]
fn the_readme_portal_and_groupcall_examples_really_work() {
    let sandbox = Sandbox::start(&[]);
    let o = Command::new("sh")
        .arg("-c")
        .arg(readme_block("portal-example", &sandbox.url))
        .output()
        .unwrap();
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("token: 43 characters"), "{out}");
    let lines: Vec<&str> = out.lines().filter(|l| l.starts_with('{')).collect();
    assert_eq!(lines.len(), 1, "{out}");
    let v = json(lines[0]);
    assert_eq!(v["username"], "ana@example.pt", "{out}");
    assert_eq!(v["permission"], "simulations.read", "{out}");

    let o = Command::new("sh")
        .arg("-c")
        .arg(readme_block("groupcall-example", &sandbox.url))
        .output()
        .unwrap();
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    let lines: Vec<&str> = out.lines().filter(|l| l.starts_with('[')).collect();
    assert_eq!(lines.len(), 1, "{out}");
    let v = json(lines[0]);
    assert_eq!(
        v[0]["errorMsg"], "OK 1 messages queued for sending",
        "{out}"
    );
}

const HMAC_KEY: &str = "pk_demo_4f1c2b7e";
const HMAC_SECRET: &str = "sk_demo_9a8b7c6d5e4f3a2b1c0d";

/// How a test encodes a MAC into the `Authorization` value.
type Encode = fn(&[u8]) -> String;

/// HMAC-SHA256 headers for a string to sign written out by hand (the spec's formula),
/// the signature encoded by `encode`.
fn hmac_headers(
    signed: &str,
    ts: &str,
    nonce: &str,
    encode: Encode,
) -> Vec<(&'static str, String)> {
    let mac = partner_auth::encoding::hmac_sha256(HMAC_SECRET.as_bytes(), signed.as_bytes());
    vec![
        ("X-Api-Key", HMAC_KEY.to_owned()),
        ("X-Timestamp", ts.to_owned()),
        ("X-Nonce", nonce.to_owned()),
        ("Authorization", format!("HMAC-SHA256 {}", encode(&mac))),
    ]
}

fn send_with(
    addr: &str,
    method: &str,
    target: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> (u16, String, String) {
    let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (n, v) in headers {
        req.push_str(&format!("{n}: {v}\r\n"));
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut req = req.into_bytes();
    req.extend_from_slice(body);
    raw(addr, &req)
}

#[test]
fn hmac_envelopes_statuses_and_explain_never_the_secret() {
    use partner_auth::encoding::{base64_encode, base64url_encode, hex_lower};
    let sandbox = Sandbox::start(&["--explain"]);
    let ts = SystemClock.now_secs().to_string();
    let path = "/api/v1/partner/constants/countries";
    let server = |nonce: &str| format!("GET\n{path}\n{ts}\n{nonce}\n");

    // A valid request: the success envelope.
    let (status, _, body) = get(
        &sandbox.addr,
        path,
        &hmac_headers(&server("n-ok"), &ts, "n-ok", base64_encode),
    );
    assert_eq!(status, 200, "{body}");
    let v = json(&body);
    assert_eq!(v["success"], true);
    assert_eq!(v["data"][0]["code"], "PT");
    // Again: GA2014, 401, the vendor's envelope.
    let (status, _, body) = get(
        &sandbox.addr,
        path,
        &hmac_headers(&server("n-ok"), &ts, "n-ok", base64_encode),
    );
    assert_eq!(status, 401);
    let v = json(&body);
    assert_eq!(v["code"], "GA2014");
    assert_eq!(v["success"], false);
    assert_eq!(v["version"], "2.0.0");
    assert_eq!(v["message"], "Nonce already used");

    // A nonce whose signature needs a URL-safe character (`-` or `_`) in Base64url.
    let url_safe_nonce = (0..)
        .map(|i| format!("n-u{i}"))
        .find(|n| {
            let mac =
                partner_auth::encoding::hmac_sha256(HMAC_SECRET.as_bytes(), server(n).as_bytes());
            base64url_encode(&mac).contains(['-', '_'])
        })
        .unwrap();
    // Each mistake: (what was signed, how it was sent, encoding, expected words, component).
    let cases: Vec<(String, &str, &str, Encode, &str, &str)> = vec![
        (
            format!("GET\n{path}?page=2\n{ts}\nn-q\n"),
            "GET",
            "?page=2",
            base64_encode,
            "the query string was signed",
            "PATH",
        ),
        (
            format!("get\n{path}\n{ts}\nn-m\n"),
            "GET",
            "",
            base64_encode,
            "the method was signed in lower case",
            "METHOD",
        ),
        (
            format!("GET\n{path}\n{ts}\nn-s"),
            "GET",
            "",
            base64_encode,
            "the separator before the empty body was left out",
            "the separator between NONCE and BODY",
        ),
        (
            format!("GET\n{path}\n{ts}\n{url_safe_nonce}\n"),
            "GET",
            "",
            base64url_encode,
            "URL-safe",
            "signature encoding",
        ),
        (
            format!("GET\n{path}\n{ts}\nn-h\n"),
            "GET",
            "",
            |b| hex_lower(b),
            "hex-encoded",
            "signature encoding",
        ),
        (
            format!("GET\r\n{path}\r\n{ts}\r\nn-c\r\n"),
            "GET",
            "",
            base64_encode,
            "CR LF",
            "the separators",
        ),
    ];
    let mut bodies = Vec::new();
    for (signed, method, query, encode, words, component) in cases {
        let nonce = signed
            .split(['\n', '\r'])
            .find(|l| l.starts_with("n-"))
            .unwrap()
            .to_owned();
        let (status, head, body) = send_with(
            &sandbox.addr,
            method,
            &format!("{path}{query}"),
            &hmac_headers(&signed, &ts, &nonce, encode),
            b"",
        );
        assert_eq!(status, 401, "{words}: {body}");
        assert!(
            head.to_ascii_lowercase()
                .contains("x-partner-auth-error: ga2012")
        );
        let v = json(&body);
        assert_eq!(v["code"], "GA2012", "{body}");
        // The string to sign the server built, newlines escaped.
        let expected = server(&nonce).replace('\n', "\\n");
        assert_eq!(v["data"]["string_to_sign"], expected, "{body}");
        assert!(
            v["data"]["mistake"].as_str().unwrap_or("").contains(words),
            "{words}: {body}"
        );
        assert_eq!(v["data"]["first_difference"], component, "{body}");
        assert!(v["message"].as_str().unwrap().contains(&expected), "{body}");
        bodies.push(body);
    }

    // A body signed, then another sent: BODY differs.
    let sent = br#"{"name":"x","country":"PT"}"#;
    let signed = format!("POST\n/api/v1/partner/leads\n{ts}\nn-b\n");
    let (status, _, body) = send_with(
        &sandbox.addr,
        "POST",
        "/api/v1/partner/leads",
        &hmac_headers(&signed, &ts, "n-b", base64_encode),
        sent,
    );
    assert_eq!(status, 401, "{body}");
    let v = json(&body);
    assert!(
        v["data"]["mistake"]
            .as_str()
            .unwrap()
            .contains("the body was left out"),
        "{body}"
    );
    assert_eq!(v["data"]["first_difference"], "BODY");
    // A signature matching nothing.
    let mut headers = hmac_headers(&server("n-z"), &ts, "n-z", base64_encode);
    headers[3].1 = format!("HMAC-SHA256 {}", base64_encode(&[7u8; 32]));
    let (_, _, body) = get(&sandbox.addr, path, &headers);
    assert!(body.contains("none of the common mistakes"), "{body}");
    assert_eq!(json(&body)["data"].get("mistake"), None);
    bodies.push(body);

    for b in &bodies {
        assert!(!b.contains(HMAC_SECRET), "the secret leaked: {b}");
    }
    let log = sandbox.log();
    assert!(!log.contains(HMAC_SECRET));
    assert!(
        log.contains(&format!("GET {path} 401 scheme=hmac-sha256 code=GA2012")),
        "{log}"
    );

    // Without --explain: the envelope only, data null.
    let plain = Sandbox::start(&[]);
    let (status, _, body) = get(
        &plain.addr,
        &format!("{path}?page=2"),
        &hmac_headers(
            &format!("GET\n{path}?page=2\n{ts}\nn-p\n"),
            &ts,
            "n-p",
            base64_encode,
        ),
    );
    assert_eq!(status, 401);
    let v = json(&body);
    assert_eq!(v["data"], Value::Null, "{body}");
    assert_eq!(v["message"], "Signature verification failed");
    // The disabled demo key: 403 GA2021.
    let mut headers = hmac_headers(&server("n-d"), &ts, "n-d", base64_encode);
    headers[0].1 = "pk_demo_disabled".into();
    let (status, _, body) = get(&plain.addr, path, &headers);
    assert_eq!(status, 403, "{body}");
    assert_eq!(json(&body)["code"], "GA2021");
}

#[test]
fn the_readme_hmac_example_really_works() {
    let sandbox = Sandbox::start(&[]);
    let o = Command::new("sh")
        .arg("-c")
        .arg(readme_block("hmac-example", &sandbox.url))
        .output()
        .unwrap();
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    let lines: Vec<&str> = out.lines().filter(|l| l.starts_with('{')).collect();
    assert_eq!(lines.len(), 2, "{out}");
    let countries = json(lines[0]);
    assert_eq!(countries["success"], true, "{out}");
    assert_eq!(countries["data"][0]["code"], "PT", "{out}");
    let lead = json(lines[1]);
    assert_eq!(lead["success"], true, "{out}");
    assert_eq!(lead["data"]["received"]["country"], "PT", "{out}");
}

#[test]
fn hmac_credentials_from_a_file_replace_the_demo_key() {
    let dir = tempfile::tempdir().unwrap();
    let marker = "hmac-secret-marker-0123456789";
    let file = dir.path().join("hmac.json");
    std::fs::write(
        &file,
        format!(r#"{{"hmac-sha256": {{"api_key": "pk_file", "secret": "{marker}"}}}}"#),
    )
    .unwrap();
    let sandbox = Sandbox::start(&["--credentials", file.to_str().unwrap()]);
    assert!(
        sandbox
            .banner
            .concat()
            .contains("hmac-sha256: credentials from the file (not shown)")
    );
    let o = probe(
        "hmac-sha256",
        &sandbox.url,
        &["--credentials", file.to_str().unwrap()],
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    // No disabled key named: no GA2021 case.
    assert!(!out.contains("disabled-key"), "{out}");
    assert!(out.contains("conformant: 25 passed"), "{out}");
    assert!(!out.contains(marker));
    // The demo key is unknown to this sandbox: GA2011 where 200 was expected.
    let o = probe("hmac-sha256", &sandbox.url, &[]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("FAIL valid "), "{out}");
    assert!(out.contains("GA2011"), "{out}");
    assert!(!sandbox.log().contains(marker));
}

/// The PyPI `signupto` 0.1 client, installed by examples/shims/signupto-pypi/setup.sh
/// into its virtual environment (the test runs the set-up itself: it needs python3 with
/// venv and PyPI; it fails, never skips, without them).
fn pypi_signupto_python() -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/shims/signupto-pypi");
    let o = Command::new(format!("{dir}/setup.sh"))
        .output()
        .expect("run examples/shims/signupto-pypi/setup.sh");
    assert!(
        o.status.success(),
        "installing the PyPI client failed (python3 -m venv and PyPI access are needed):\n{}",
        text(&o)
    );
    format!("{dir}/.venv/bin/python")
}

#[test]
fn the_pypi_signupto_client_authenticates_against_the_sandbox() {
    let python = pypi_signupto_python();
    let sandbox = Sandbox::start(&[]);
    let mut cmd = Command::new(&python);
    cmd.arg(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/shims/signupto-pypi/against_server.py"
    ))
    .arg(&sandbox.url);
    // The sandbox's demo credentials (printed in its banner).
    let o = output_with_stdin(
        cmd,
        br#"{"hash": {"cid": 7654321, "uid": 23456789, "key": "2b2d77e014a30792d5048e262e306783"},
            "token": {"username": "demo@example.com", "password": "demo-password"}}"#,
    );
    let out = text(&o);
    let result = json(String::from_utf8_lossy(&o.stdout).trim());
    assert_eq!(result["hash"]["ok"], true, "Hash: {out}\n{}", sandbox.log());
    assert_eq!(result["hash"]["data"][0]["cid"], 7654321, "{out}");
    assert_eq!(
        result["token"]["ok"],
        true,
        "Token: {out}\n{}",
        sandbox.log()
    );
    assert_eq!(result["token"]["data"][0]["uid"], 23456789, "{out}");
    assert!(o.status.success(), "{out}");
    let log = sandbox.log();
    assert!(
        log.contains("GET /v1/list 200 scheme=signupto-hash"),
        "{log}"
    );
    assert!(
        log.contains("POST /v1/token 200 scheme=signupto-token"),
        "{log}"
    );
    assert!(
        log.contains("GET /v1/list 200 scheme=signupto-token"),
        "{log}"
    );
}
