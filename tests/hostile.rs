//! Hostile input against the sandbox (`partner-auth serve` as a child process, over real
//! loopback HTTP) and the library verifiers behind it: amplification (`groupcall_*`) and
//! leaks by design (`leak_*`).

// Runs the `partner-auth` binary, built with the `cli` feature.
#![cfg(feature = "cli")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use partner_auth::FixedClock;
use partner_auth::schemes::groupcall::{
    self as gc, DEFAULT_MAX_MESSAGES, Directory, Route, SeededIds, Verifier,
};

/// A running sandbox, killed when dropped.
struct Sandbox {
    child: Child,
    /// `127.0.0.1:PORT`.
    addr: String,
}

impl Sandbox {
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_partner-auth"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting partner-auth serve");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut first = String::new();
        stdout.read_line(&mut first).expect("reading the address");
        let addr = first
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("serve {args:?} did not start: first line {first:?}"))
            .to_owned();
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = stdout.read_to_end(&mut sink);
        });
        Self { child, addr }
    }

    /// One `Connection: close` exchange: status, head, body.
    fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        exchange(&self.addr, method, path, headers, body)
    }

    /// The sandbox's peak resident set so far (`VmHWM`), in KiB.
    #[cfg(target_os = "linux")]
    fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("reading /proc/<pid>/status of the sandbox");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no VmHWM in {status}"))
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One `Connection: close` exchange with the server at `addr`.
fn exchange(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut stream = TcpStream::connect(addr).expect("connecting to the sandbox");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
        addr,
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("reading the answer");
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP head in {:?}", String::from_utf8_lossy(&answer)));
    let head = String::from_utf8_lossy(&answer[..split]).to_ascii_lowercase();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    Reply {
        status,
        head,
        body: answer[split + 4..].to_vec(),
    }
}

struct Reply {
    status: u16,
    /// The status line and headers, lower-cased.
    head: String,
    body: Vec<u8>,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

const JSON: (&str, &str) = ("Content-Type", "application/json");

/// The 1 MiB attack: `{"PartnerKey":"x","messageData":[0,0,…]}`, about 524 000 elements.
fn attack_body() -> Vec<u8> {
    const SIZE: usize = 1 << 20;
    let head = b"{\"PartnerKey\":\"x\",\"messageData\":[0";
    let mut body = head.to_vec();
    while body.len() + 2 + 2 <= SIZE {
        body.extend_from_slice(b",0");
    }
    body.extend_from_slice(b"]}");
    assert!(body.len() <= SIZE && body.len() > SIZE - 4);
    body
}

/// `n` elements `{"ClientRef":"r<i>"}` under an unknown `PartnerKey`.
fn bad_key_batch(n: usize) -> Vec<u8> {
    let items: Vec<String> = (0..n)
        .map(|i| format!("{{\"ClientRef\":\"r{i}\"}}"))
        .collect();
    format!(
        "{{\"PartnerKey\":\"no-such-key\",\"styleClass\":\"S\",\"messageData\":[{}]}}",
        items.join(",")
    )
    .into_bytes()
}

const PARTNER_ROUTE: &str = "/api/SendMessage_V3/PartnerRoute";

#[test]
fn groupcall_the_1_mib_amplification_body_is_refused_with_a_short_413() {
    let sandbox = Sandbox::start(&[]);
    let body = attack_body();
    let reply = sandbox.send("POST", PARTNER_ROUTE, &[JSON], &body);
    assert_eq!(reply.status, 413, "{}", reply.text());
    // Before the limit: 200 and a 94 MB array of 524 000 refusals.
    assert!(
        reply.body.len() < 1024,
        "answer of {} bytes",
        reply.body.len()
    );
    let text = reply.text();
    for words in [
        "524271 messages",
        "at most 1000",
        "--groupcall-max-messages",
    ] {
        assert!(text.contains(words), "`{words}` missing from {text}");
    }
    assert!(
        reply
            .head
            .contains("x-partner-auth-error: too_many_messages"),
        "{}",
        reply.head
    );
    // Four more at once: the peak stays small (before: 913 MB for one, 1.8 GB for four).
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let addr = sandbox.addr.clone();
            let body = body.clone();
            std::thread::spawn(move || {
                let reply = exchange(&addr, "POST", PARTNER_ROUTE, &[JSON], &body);
                assert_eq!(reply.status, 413);
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    #[cfg(target_os = "linux")]
    {
        let peak = sandbox.peak_rss_kib();
        assert!(
            peak < 128 * 1024,
            "the sandbox peaked at {peak} KiB answering five 1 MiB attack bodies"
        );
    }
}

#[test]
fn groupcall_the_library_verifier_refuses_the_attack_body_too() {
    let verifier = Verifier::new(
        Directory::new(),
        FixedClock::from_millis(1_751_650_134_585),
        SeededIds::new("hostile", 1),
    );
    assert_eq!(verifier.max_messages(), DEFAULT_MAX_MESSAGES);
    assert_eq!(DEFAULT_MAX_MESSAGES, 1000);
    let body = attack_body();
    let err = verifier.verify(Route::PartnerRoute, &body).unwrap_err();
    assert_eq!(
        err,
        gc::Error::TooManyMessages {
            count: 524_271,
            limit: 1000
        }
    );
    assert_eq!(err.code(), "TOO_MANY_MESSAGES");
    let (status, answer) = verifier.respond(Route::PartnerRoute, &body);
    assert_eq!(status, 413);
    assert!(answer.len() < 512, "answer of {} bytes", answer.len());
    // The limit is the library's setting.
    let small = Verifier::new(
        Directory::new(),
        FixedClock::from_millis(0),
        SeededIds::new("hostile", 1),
    )
    .with_max_messages(3);
    assert!(small.verify(Route::PartnerRoute, &bad_key_batch(3)).is_ok());
    assert_eq!(
        small.verify(Route::PartnerRoute, &bad_key_batch(4)),
        Err(gc::Error::TooManyMessages { count: 4, limit: 3 })
    );
}

#[test]
fn groupcall_a_request_level_refusal_at_the_limit_stays_within_its_bound() {
    let sandbox = Sandbox::start(&[]);
    let reply = sandbox.send("POST", PARTNER_ROUTE, &[JSON], &bad_key_batch(1000));
    assert_eq!(reply.status, 200, "{}", reply.text());
    let results: Vec<serde_json::Value> = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(results.len(), 1000);
    assert_eq!(results[999]["errorMsg"], gc::PARTNER_KEY_NOT_VALID);
    assert_eq!(results[999]["ClientRef"], "r999");
    // Under 300 bytes a result, as documented.
    assert!(
        reply.body.len() < 1000 * 300,
        "answer of {} bytes",
        reply.body.len()
    );
}

#[test]
fn groupcall_the_serve_flag_sets_the_limit() {
    let sandbox = Sandbox::start(&["--groupcall-max-messages", "2"]);
    let two = sandbox.send("POST", PARTNER_ROUTE, &[JSON], &bad_key_batch(2));
    assert_eq!(two.status, 200, "{}", two.text());
    let three = sandbox.send("POST", PARTNER_ROUTE, &[JSON], &bad_key_batch(3));
    assert_eq!(three.status, 413, "{}", three.text());
    assert!(three.text().contains("at most 2"), "{}", three.text());
    let sms = sandbox.send(
        "POST",
        "/api/SendMessage_V3/SMS",
        &[JSON],
        br#"{"messageData":[{},{},{}]}"#,
    );
    assert_eq!(sms.status, 413, "{}", sms.text());

    let zero = Command::new(env!("CARGO_BIN_EXE_partner-auth"))
        .args(["serve", "--groupcall-max-messages", "0"])
        .output()
        .unwrap();
    assert_eq!(zero.status.code(), Some(2));
    let err = String::from_utf8_lossy(&zero.stderr);
    assert!(err.contains("--groupcall-max-messages"), "{err}");
}

/// A login to the demo partners portal with `secret` as `xClientSecret`.
fn portal_login(sandbox: &Sandbox, client_id: &str, secret: &str) -> Reply {
    sandbox.send(
        "POST",
        "/API/partnersPortal/authentication",
        &[
            ("xClientID", client_id),
            ("xClientSecret", secret),
            ("brokerID", "12345"),
            ("username", "ana@example.pt"),
        ],
        b"",
    )
}

#[test]
fn leak_the_portal_names_the_failing_level_only_with_explain() {
    let quiet = Sandbox::start(&[]);
    let unknown = portal_login(&quiet, "no-such-client", "x");
    let wrong_secret = portal_login(&quiet, "network_abc123", "x");
    for reply in [&unknown, &wrong_secret] {
        assert_eq!(reply.status, 401, "{}", reply.text());
        assert!(
            !reply.head.contains("x-partner-auth-error"),
            "a refusal names its level without --explain: {}",
            reply.head
        );
    }
    // Nothing else tells the two levels apart either.
    assert_eq!(unknown.body, wrong_secret.body);
    assert_eq!(
        portal_login(&quiet, "network_abc123", "secret_xyz789").status,
        200
    );

    let explained = Sandbox::start(&["--explain"]);
    let reply = portal_login(&explained, "network_abc123", "x");
    assert_eq!(reply.status, 401);
    assert!(
        reply
            .head
            .contains("x-partner-auth-error: master_secret_mismatch"),
        "{}",
        reply.head
    );
}

#[test]
fn leak_the_hmac_explain_echo_of_a_1_mib_body_is_clipped() {
    use partner_auth::encoding::{base64_encode, hmac_sha256};
    use partner_auth::{Clock, SystemClock};
    let sandbox = Sandbox::start(&["--explain"]);
    // 1 MiB of control bytes: each shown as `\x01`, then JSON-escaped, twice over.
    let body = vec![1u8; 1 << 20];
    let ts = SystemClock.now_secs().to_string();
    // Signed without its body: a mistake the explanation names, with both strings.
    let signed = format!("POST\n/api/v1/partner/leads\n{ts}\nleak-echo\n");
    let mac = hmac_sha256(b"sk_demo_9a8b7c6d5e4f3a2b1c0d", signed.as_bytes());
    let auth = format!("HMAC-SHA256 {}", base64_encode(&mac));
    let reply = sandbox.send(
        "POST",
        "/api/v1/partner/leads",
        &[
            JSON,
            ("X-Api-Key", "pk_demo_4f1c2b7e"),
            ("X-Timestamp", &ts),
            ("X-Nonce", "leak-echo"),
            ("Authorization", &auth),
        ],
        &body,
    );
    assert_eq!(reply.status, 401, "{:.300}", reply.text());
    // Before the clip: about ten times the body (10.5 MB).
    assert!(
        reply.body.len() < 64 * 1024,
        "an explained refusal of {} bytes for a body of {}",
        reply.body.len(),
        body.len()
    );
    let v: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    let total = signed.len() + body.len();
    assert_eq!(v["data"]["string_to_sign_bytes"], total, "{v:.300}");
    let shown = v["data"]["string_to_sign"].as_str().unwrap();
    assert!(
        shown.ends_with(&format!("… ({total} bytes in all)")),
        "{shown:.300}"
    );
    assert!(
        v["data"]["mistake"]
            .as_str()
            .unwrap_or("")
            .contains("body was left out"),
        "{v:.300}"
    );
}

#[test]
fn leak_signupto_tokens_held_are_bounded_with_a_clear_answer() {
    let sandbox = Sandbox::start(&["--signupto-max-tokens", "2"]);
    let login = br#"{"username":"demo@example.com","password":"demo-password"}"#;
    for _ in 0..2 {
        let reply = sandbox.send("POST", "/v1/token", &[JSON], login);
        assert_eq!(reply.status, 200, "{}", reply.text());
    }
    // Before: every token ever issued was kept, with no limit and no purge.
    let full = sandbox.send("POST", "/v1/token", &[JSON], login);
    assert_eq!(full.status, 503, "{}", full.text());
    assert!(
        full.head.contains("x-partner-auth-error: token_store_full"),
        "{}",
        full.head
    );
    let text = full.text();
    for words in ["2 unexpired tokens", "--signupto-max-tokens"] {
        assert!(text.contains(words), "`{words}` missing from {text}");
    }
    assert!(!text.contains("demo-password"), "{text}");
}

/// How much the time `check` takes varies with the length of what it is given, around
/// `len`: the fastest of many runs on `make(len - 1)`, `make(len)` and `make(len + 1)`
/// (all wrong), the slowest of the three over the fastest. About 1 when the length does
/// not show; far above it when a comparison answers at once on a length mismatch.
#[allow(clippy::disallowed_methods)]
fn length_timing_spread<T>(
    len: usize,
    make: impl Fn(usize) -> T,
    check: impl Fn(&T) -> bool,
) -> f64 {
    let inputs: Vec<T> = [len - 1, len, len + 1].into_iter().map(make).collect();
    let mut best = [f64::MAX; 3];
    // Short samples, many rounds, the fastest kept: a sample that ran undisturbed.
    for _ in 0..300 {
        for (i, input) in inputs.iter().enumerate() {
            let started = std::time::Instant::now();
            let answer = check(std::hint::black_box(input));
            best[i] = best[i].min(started.elapsed().as_secs_f64());
            assert!(!answer);
        }
    }
    let max = best.iter().copied().fold(0.0, f64::max);
    let min = best.iter().copied().fold(f64::MAX, f64::min);
    max / min
}

/// The secret length the timing checks use: long enough that comparing it byte by byte
/// takes far longer than answering at once.
const SECRET_LEN: usize = 1024;

#[test]
fn leak_a_groupcall_password_compare_does_not_show_its_length() {
    let mut directory = Directory::new();
    directory.insert_customer(
        "1469",
        gc::Customer {
            password: partner_auth::Secret::new(vec![b'p'; SECRET_LEN]),
            sms_allowed: true,
            authorised_partners: Vec::new(),
        },
    );
    let spread = length_timing_spread(
        SECRET_LEN,
        |n| vec![b'x'; n],
        |p| directory.authenticate_customer("1469", p).is_some(),
    );
    // Before (ct_eq on the passwords): several hundred at the right length.
    assert!(
        spread < 1.5,
        "time at the password's length stands out: {spread:.1}×"
    );
}

#[test]
fn leak_secret_equality_does_not_show_the_length() {
    let stored = partner_auth::Secret::new(vec![b's'; SECRET_LEN]);
    let spread = length_timing_spread(
        SECRET_LEN,
        |n| partner_auth::Secret::new(vec![b'x'; n]),
        |p| stored == *p,
    );
    assert!(
        spread < 1.5,
        "time at the secret's length stands out: {spread:.1}×"
    );
}
