//! Two sandbox instances on one real `redis-server` (`serve --redis`): a replay sent to
//! the other instance is refused, a token issued by one works on the other and use on
//! one slides the expiry the other sees, 32 concurrent copies of one request are
//! accepted once, and with Redis down requests get 503 (never accepted) until it is
//! back on the same port, without restarting the sandboxes.
//!
//! Each test starts its own `redis-server` on a free port and fails, naming the
//! package to install, when the binary is missing.
#![cfg(feature = "cli")]
// Elapsed time against Redis's real-time expiry, not the time of day.
#![allow(clippy::disallowed_methods)]

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use partner_auth::encoding::{base64_encode, format_http_date, hex_lower, hmac_sha256, sha1};
use partner_auth::serve::{self, Credentials, Settings};
use partner_auth::shared::RedisStore;
use partner_auth::{Clock, SystemClock};
use serde_json::Value;

const HMAC_KEY: &str = "pk_demo_4f1c2b7e";
const HMAC_SECRET: &str = "sk_demo_9a8b7c6d5e4f3a2b1c0d";
const HMAC_PATH: &str = "/api/v1/partner/constants/countries";
const HASH_KEY: &str = "2b2d77e014a30792d5048e262e306783";

/// A `redis-server` this test owns, killed on drop.
struct Redis {
    port: u16,
    child: Option<Child>,
    /// More `redis-server` arguments (`--requirepass …`).
    extra: Vec<String>,
}

impl Redis {
    fn start() -> Self {
        Self::start_with(&[])
    }

    fn start_with(extra: &[&str]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut r = Self {
            port,
            child: None,
            extra: extra.iter().map(|a| (*a).to_owned()).collect(),
        };
        r.restart();
        r
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .args(["--maxmemory-policy", "noeviction"])
            .args(&self.extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run `redis-server` ({e}): these tests need a real Redis; install it \
                     (Debian: apt-get install redis-server) so that `redis-server` is on PATH"
                )
            });
        self.child = Some(child);
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "redis-server did not listen on port {} within 10 s",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends `signal` (`STOP`, `CONT`) to the server: a stopped Redis accepts
    /// connections and never answers, a slow Redis at its worst.
    fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("running").id().to_string();
        let ok = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill -{signal} {pid}");
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A sandbox on `redis` (in memory when `None`), with the given Sign-Up.to token
/// lifetime and portal idle timeout; returns its base URL.
async fn sandbox(redis: Option<&Redis>, token_lifetime_secs: i64, portal_idle_ms: i64) -> String {
    let settings = Settings {
        log_requests: false,
        token_lifetime_secs,
        portal_idle_timeout_ms: portal_idle_ms,
        redis: redis.map(|r| {
            RedisStore::connect(&r.url(), Duration::from_secs(2)).expect("the test's URL")
        }),
        ..Settings::default()
    };
    let app = serve::app(&settings, &Credentials::demo()).expect("demo credentials");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(serve::serve(
        listener,
        app,
        std::future::pending(),
        Duration::from_secs(1),
    ));
    url
}

fn hmac_headers(nonce: &str) -> Vec<(&'static str, String)> {
    let ts = SystemClock.now_secs().to_string();
    let signed = format!("GET\n{HMAC_PATH}\n{ts}\n{nonce}\n");
    let sig = base64_encode(&hmac_sha256(HMAC_SECRET.as_bytes(), signed.as_bytes()));
    vec![
        ("X-Api-Key", HMAC_KEY.into()),
        ("X-Timestamp", ts),
        ("X-Nonce", nonce.into()),
        ("Authorization", format!("HMAC-SHA256 {sig}")),
    ]
}

fn hash_headers(nonce: &str) -> Vec<(&'static str, String)> {
    let date = format_http_date(SystemClock.now_secs());
    let canonical = format!(
        "GET /v1/list\r\nDate: {date}\r\nX-SuT-CID: 7654321\r\nX-SuT-UID: 23456789\r\nX-SuT-Nonce: {nonce}\r\n{HASH_KEY}"
    );
    let sig = hex_lower(&sha1(canonical.as_bytes()));
    vec![
        ("Date", date),
        ("X-SuT-CID", "7654321".into()),
        ("X-SuT-UID", "23456789".into()),
        ("X-SuT-Nonce", nonce.into()),
        ("Authorization", format!("SuTHash signature=\"{sig}\"")),
    ]
}

/// Status, error code header, body.
async fn send(method: &str, url: &str, headers: &[(&'static str, String)]) -> (u16, String, Value) {
    let client = reqwest::Client::new();
    let mut req = client.request(method.parse().unwrap(), url);
    for (n, v) in headers {
        req = req.header(*n, v);
    }
    let resp = req.send().await.expect("the sandbox answers");
    let status = resp.status().as_u16();
    let code = resp
        .headers()
        .get(serve::ERROR_HEADER)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    (status, code, body)
}

async fn hmac(base: &str, headers: &[(&'static str, String)]) -> (u16, String, Value) {
    send("GET", &format!("{base}{HMAC_PATH}"), headers).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_replay_sent_to_the_other_instance_is_refused() {
    let redis = Redis::start();
    let a = sandbox(Some(&redis), 3600, 60_000).await;
    let b = sandbox(Some(&redis), 3600, 60_000).await;

    let h = hmac_headers("cross-instance-1");
    assert_eq!(hmac(&a, &h).await.0, 200);
    let (status, code, body) = hmac(&b, &h).await;
    assert_eq!((status, code.as_str()), (401, "GA2014"), "{body}");
    assert_eq!(body["code"], "GA2014", "the vendor's envelope: {body}");

    let h = hash_headers("cross-instance-2");
    assert_eq!(send("GET", &format!("{a}/v1/list"), &h).await.0, 200);
    let (status, code, body) = send("GET", &format!("{b}/v1/list"), &h).await;
    assert_eq!((status, code.as_str()), (401, "NONCE_REPLAYED"), "{body}");
    assert_eq!(body["status"], "error", "the vendor's envelope: {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn in_memory_instances_do_not_see_each_others_nonces() {
    // What `--redis` is for: without it the replay above is accepted by B.
    let a = sandbox(None, 3600, 60_000).await;
    let b = sandbox(None, 3600, 60_000).await;
    let h = hmac_headers("in-memory-1");
    assert_eq!(hmac(&a, &h).await.0, 200);
    assert_eq!(hmac(&b, &h).await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn thirty_two_concurrent_copies_over_two_instances_are_accepted_once() {
    let redis = Redis::start();
    let a = sandbox(Some(&redis), 3600, 60_000).await;
    let b = sandbox(Some(&redis), 3600, 60_000).await;
    for (round, scheme) in ["hmac", "signupto-hash"].iter().enumerate() {
        let nonce = format!("race-{round}");
        let headers = if *scheme == "hmac" {
            hmac_headers(&nonce)
        } else {
            hash_headers(&nonce)
        };
        let mut tasks = Vec::new();
        for i in 0..32 {
            let base = if i % 2 == 0 { a.clone() } else { b.clone() };
            let url = if *scheme == "hmac" {
                format!("{base}{HMAC_PATH}")
            } else {
                format!("{base}/v1/list")
            };
            let headers = headers.clone();
            tasks.push(tokio::spawn(
                async move { send("GET", &url, &headers).await },
            ));
        }
        let mut ok = 0;
        let mut replayed = 0;
        for t in tasks {
            let (status, code, _) = t.await.unwrap();
            match status {
                200 => ok += 1,
                401 if code == "GA2014" || code == "NONCE_REPLAYED" => replayed += 1,
                other => panic!("{scheme}: unexpected {other} {code}"),
            }
        }
        assert_eq!((ok, replayed), (1, 31), "{scheme}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_signupto_token_from_a_works_on_b_and_use_on_b_slides_its_expiry() {
    let redis = Redis::start();
    // Tokens live 3 s unless used.
    let a = sandbox(Some(&redis), 3, 60_000).await;
    let b = sandbox(Some(&redis), 3, 60_000).await;
    let client = reqwest::Client::new();
    let resp = client
        .post(format!("{a}/v1/token"))
        .header("Content-Type", "application/json")
        .body(r#"{"username":"demo@example.com","password":"demo-password"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let body: Value = resp.json().await.unwrap();
    let token = body["response"]["data"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let started = Instant::now();
    let use_on = |base: String, nonce: &'static str| {
        let token = token.clone();
        async move {
            let date = format_http_date(SystemClock.now_secs());
            let h = vec![
                ("Date", date),
                ("X-SuT-Nonce", nonce.to_owned()),
                ("Authorization", format!("SuTToken {token}")),
            ];
            send("GET", &format!("{base}/v1/list"), &h).await
        }
    };
    let (status, _, body) = use_on(b.clone(), "tok-1").await;
    assert_eq!(status, 200, "issued by A, accepted by B: {body}");
    assert_eq!(body["response"]["data"][0]["cid"], 7654321);
    // A nonce used on B is a replay on A.
    assert_eq!(use_on(a.clone(), "tok-1").await.1, "NONCE_REPLAYED");
    tokio::time::sleep(Duration::from_millis(2000).saturating_sub(started.elapsed())).await;
    assert_eq!(use_on(b.clone(), "tok-2").await.0, 200);
    // 4 s after issue: past the first 3 s, alive because B's use at 2 s slid it.
    tokio::time::sleep(Duration::from_millis(4000).saturating_sub(started.elapsed())).await;
    let (status, code, _) = use_on(a.clone(), "tok-3").await;
    assert_eq!(
        (status, code.as_str()),
        (200, ""),
        "B's use slid the expiry A sees"
    );
    // Unused for more than 3 s: gone on both.
    tokio::time::sleep(Duration::from_millis(7500).saturating_sub(started.elapsed())).await;
    assert_eq!(use_on(b.clone(), "tok-4").await.1, "UNKNOWN_TOKEN");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_redis_down_requests_get_503_and_service_resumes_when_it_returns() {
    let mut redis = Redis::start();
    let a = sandbox(Some(&redis), 3600, 60_000).await;
    let b = sandbox(Some(&redis), 3600, 60_000).await;
    assert_eq!(hmac(&a, &hmac_headers("before")).await.0, 200);

    redis.kill();
    let down = hmac_headers("while-down");
    for base in [&a, &b, &a] {
        let (status, code, body) = hmac(base, &down).await;
        assert_eq!(
            (status, code.as_str()),
            (503, "STORE_UNAVAILABLE"),
            "{body}"
        );
        assert_eq!(body["success"], false, "the vendor's envelope: {body}");
        assert!(
            !body["message"].as_str().unwrap().contains("redis://"),
            "{body}"
        );
        let (status, code, _) =
            send("GET", &format!("{base}/v1/list"), &hash_headers("down-h")).await;
        assert_eq!((status, code.as_str()), (503, "STORE_UNAVAILABLE"));
    }

    // Nothing that needs the store is served: no token, no session, no login.
    let login = send(
        "POST",
        &format!("{a}/API/partnersPortal/authentication"),
        &portal_levels("ana@example.pt"),
    )
    .await;
    assert_eq!(
        (login.0, login.1.as_str()),
        (503, "STORE_UNAVAILABLE"),
        "{login:?}"
    );
    let client = reqwest::Client::new();
    let token = client
        .post(format!("{b}/v1/token"))
        .body(r#"{"username":"demo@example.com","password":"demo-password"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(token.status().as_u16(), 503);
    let body: Value = token.json().await.unwrap();
    assert_eq!(body["status"], "error", "the vendor's envelope: {body}");

    redis.restart();
    let started = Instant::now();
    let mut last = (0, String::new(), Value::Null);
    while started.elapsed() < Duration::from_secs(15) {
        last = hmac(&b, &down).await;
        if last.0 == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(last.0, 200, "service did not resume within 15 s: {last:?}");
    // The nonce refused while Redis was down was never recorded; now it is, on both.
    assert_eq!(hmac(&a, &down).await.1, "GA2014");
    assert_eq!(hmac(&a, &hmac_headers("after")).await.0, 200);
}

#[test]
fn a_bad_redis_url_exits_2_naming_the_flag_without_the_password() {
    for url in [
        "http://:hunter2@127.0.0.1:6379",
        "redis://:hunter2@[::1",
        "hunter2",
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_partner-auth"))
            .args(["serve", "--addr", "127.0.0.1:0", "--redis", url])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{url}: {stderr}");
        assert!(stderr.contains("--redis"), "{stderr}");
        assert!(!stderr.contains("hunter2"), "{stderr}");
        assert!(out.stdout.is_empty(), "nothing served: {:?}", out.stdout);
    }
}

fn portal_levels(user: &str) -> Vec<(&'static str, String)> {
    vec![
        ("xClientID", "network_abc123".into()),
        ("xClientSecret", "secret_xyz789".into()),
        ("brokerID", "12345".into()),
        ("username", user.into()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_portal_session_from_a_works_on_b_and_use_on_b_slides_its_expiry() {
    let redis = Redis::start();
    // Sessions end after 3 s without use.
    let a = sandbox(Some(&redis), 3600, 3000).await;
    let b = sandbox(Some(&redis), 3600, 3000).await;
    let (status, _, body) = send(
        "POST",
        &format!("{a}/API/partnersPortal/authentication"),
        &portal_levels("ana@example.pt"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let token = body
        .as_str()
        .expect("the token as a bare JSON string")
        .to_owned();
    let started = Instant::now();
    let use_on = |base: String, user: &'static str| {
        let mut h = portal_levels(user);
        h.push(("Authorization", format!("Bearer {token}")));
        async move { send("GET", &format!("{base}/API/partnersPortal/simulations"), &h).await }
    };
    let (status, _, body) = use_on(b.clone(), "ana@example.pt").await;
    assert_eq!(status, 200, "opened on A, accepted by B: {body}");
    assert_eq!(body["username"], "ana@example.pt");
    // Bound to its identity on every instance (P4).
    assert_eq!(use_on(a.clone(), "rui@example.pt").await.0, 401);
    tokio::time::sleep(Duration::from_millis(2000).saturating_sub(started.elapsed())).await;
    assert_eq!(use_on(b.clone(), "ana@example.pt").await.0, 200);
    // 4 s after login: past the first 3 s, alive because B's use at 2 s slid it.
    tokio::time::sleep(Duration::from_millis(4000).saturating_sub(started.elapsed())).await;
    assert_eq!(
        use_on(a.clone(), "ana@example.pt").await.0,
        200,
        "B's use slid the expiry A sees"
    );
    tokio::time::sleep(Duration::from_millis(7500).saturating_sub(started.elapsed())).await;
    assert_eq!(
        use_on(b.clone(), "ana@example.pt").await.0,
        401,
        "idle 3 s: ended"
    );
}

/// `partner-auth serve --redis URL` as a process, killed on drop.
struct Served {
    child: Child,
    url: String,
}

impl Served {
    fn start(redis: &Redis) -> Self {
        Self::start_url(&redis.url(), Stdio::null())
    }

    fn start_url(url: &str, stderr: Stdio) -> Self {
        use std::io::BufRead;
        let mut child = Command::new(env!("CARGO_BIN_EXE_partner-auth"))
            .args(["serve", "--addr", "127.0.0.1:0", "--redis", url])
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let mut first = String::new();
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        out.read_line(&mut first).unwrap();
        // The rest (the credentials list) is drained: a closed pipe would stop it.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        let url = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("first line: {first:?}"))
            .to_owned();
        Self { child, url }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_readme_redis_example_really_works() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let script = readme
        .split("<!-- redis-example")
        .nth(1)
        .expect("README.md has a redis-example block")
        .split("```sh\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .unwrap()
        .to_owned();
    let redis = Redis::start();
    let a = Served::start(&redis);
    let b = Served::start(&redis);
    let script = script
        .replace("http://127.0.0.1:8080", &a.url)
        .replace("http://127.0.0.1:8081", &b.url);
    let o = Command::new("sh").arg("-c").arg(&script).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    let accepted: Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(accepted["status"], "ok", "B accepted A's token: {out}");
    assert_eq!(accepted["response"]["data"][0]["scheme"], "signupto-token");
    assert_eq!(
        lines[1].trim().to_ascii_lowercase(),
        "x-partner-auth-error: nonce_replayed",
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn per_identity_bounds_hold_across_instances() {
    let redis = Redis::start();
    let mut bases = Vec::new();
    for _ in 0..2 {
        let settings = Settings {
            log_requests: false,
            signupto_max_tokens: 2,
            redis: Some(RedisStore::connect(&redis.url(), Duration::from_secs(2)).unwrap()),
            ..Settings::default()
        };
        let app = serve::app(&settings, &Credentials::demo()).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        bases.push(format!("http://{}", listener.local_addr().unwrap()));
        tokio::spawn(serve::serve(
            listener,
            app,
            std::future::pending(),
            Duration::from_secs(1),
        ));
    }
    // Sign-Up.to: two live tokens for the demo company and user, wherever issued; the
    // third is refused.
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    for i in 0..3 {
        let resp = client
            .post(format!("{}/v1/token", bases[i % 2]))
            .body(r#"{"username":"demo@example.com","password":"demo-password"}"#)
            .send()
            .await
            .unwrap();
        let code = resp
            .headers()
            .get(serve::ERROR_HEADER)
            .map(|v| v.to_str().unwrap().to_owned());
        statuses.push((resp.status().as_u16(), code));
    }
    assert_eq!(
        statuses,
        [
            (200, None),
            (200, None),
            (503, Some("TOKEN_STORE_FULL".to_owned()))
        ]
    );
    // Portal: 16 sessions per user; the 17th login, on the other instance, ends the
    // oldest.
    let mut tokens = Vec::new();
    for i in 0..17 {
        let (status, _, body) = send(
            "POST",
            &format!("{}/API/partnersPortal/authentication", bases[i % 2]),
            &portal_levels("ana@example.pt"),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        tokens.push(body.as_str().unwrap().to_owned());
    }
    let simulate = |token: &str| {
        let mut h = portal_levels("ana@example.pt");
        h.push(("Authorization", format!("Bearer {token}")));
        let url = format!("{}/API/partnersPortal/simulations", bases[0]);
        async move { send("GET", &url, &h).await.0 }
    };
    assert_eq!(simulate(&tokens[0]).await, 401, "the oldest was ended");
    assert_eq!(simulate(&tokens[1]).await, 200);
    assert_eq!(simulate(&tokens[16]).await, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_redis_slower_than_the_deadline_gets_503_then_service_resumes() {
    let redis = Redis::start();
    let settings = Settings {
        log_requests: false,
        redis: Some(RedisStore::connect(&redis.url(), Duration::from_millis(300)).unwrap()),
        ..Settings::default()
    };
    let app = serve::app(&settings, &Credentials::demo()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(serve::serve(
        listener,
        app,
        std::future::pending(),
        Duration::from_secs(1),
    ));
    assert_eq!(hmac(&base, &hmac_headers("slow-0")).await.0, 200);
    redis.signal("STOP");
    let started = Instant::now();
    let (status, code, body) = hmac(&base, &hmac_headers("slow-1")).await;
    let waited = started.elapsed();
    redis.signal("CONT");
    assert_eq!(
        (status, code.as_str()),
        (503, "STORE_UNAVAILABLE"),
        "{body}"
    );
    assert!(
        body["message"].as_str().unwrap().contains("300 ms"),
        "names the deadline: {body}"
    );
    assert!(waited < Duration::from_secs(2), "answered after {waited:?}");
    let started = Instant::now();
    let mut last = 0;
    while started.elapsed() < Duration::from_secs(10) {
        last = hmac(
            &base,
            &hmac_headers(&format!("slow-2-{}", started.elapsed().as_millis())),
        )
        .await
        .0;
        if last == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(last, 200, "service did not resume after Redis caught up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_redis_password_is_used_and_never_shown() {
    const PASSWORD: &str = "hunter2-redis-pass";
    let mut redis = Redis::start_with(&["--requirepass", PASSWORD]);
    let log = tempfile::NamedTempFile::new().unwrap();
    let good = format!("redis://:{PASSWORD}@127.0.0.1:{}", redis.port);
    let wrong = format!("redis://:wrong-{PASSWORD}@127.0.0.1:{}", redis.port);
    let a = Served::start_url(&good, Stdio::from(log.reopen().unwrap()));
    let b = Served::start_url(&wrong, Stdio::from(log.reopen().unwrap()));
    let mut seen = String::new();
    let h = hmac_headers("password-1");
    let (status, _, body) = hmac(&a.url, &h).await;
    assert_eq!(status, 200, "authenticated with the URL's password: {body}");
    seen.push_str(&body.to_string());
    // A wrong password: refused by Redis, so 503, never accepted.
    let (status, code, body) = hmac(&b.url, &hmac_headers("password-2")).await;
    assert_eq!(
        (status, code.as_str()),
        (503, "STORE_UNAVAILABLE"),
        "{body}"
    );
    seen.push_str(&body.to_string());
    redis.kill();
    let (status, _, body) = hmac(&a.url, &hmac_headers("password-3")).await;
    assert_eq!(status, 503, "{body}");
    seen.push_str(&body.to_string());
    drop((a, b));
    seen.push_str(&std::fs::read_to_string(log.path()).unwrap());
    assert!(seen.contains("Redis at redis://***@127.0.0.1"), "{seen}");
    assert!(!seen.contains(PASSWORD), "{seen}");
}

#[test]
fn the_prober_finds_a_redis_backed_sandbox_conformant() {
    // Every scheme's probe (valid, replay, tampered, unknown token, other user's
    // session, …) grades a `--redis` sandbox as it grades the in-memory one.
    let redis = Redis::start();
    let served = Served::start(&redis);
    for scheme in [
        "hmac-sha256",
        "signupto-hash",
        "signupto-partner-hash",
        "signupto-token",
        "partners-portal",
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_partner-auth"))
            .args(["probe", scheme, "--url", &served.url])
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert_eq!(o.status.code(), Some(0), "{scheme}: {out}");
        assert!(out.contains("conformant:"), "{scheme}: {out}");
    }
}

/// A user's own server on the public layer API (not the sandbox): two instances, each
/// an axum app behind `layer::HmacSha256` with `record_in` the same Redis, refuse on
/// one the request the other accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_layered_apps_recording_in_one_redis_refuse_each_others_replays() {
    use std::sync::Arc;

    use axum::Router;
    use partner_auth::layer::{HmacSha256, VerifyLayer};
    use partner_auth::replay::{DeferredNonceStore, NonceStore};
    use partner_auth::schemes::hmac::{KeyDirectory, KeyRecord, Verifier};
    use tower::ServiceExt;

    let redis = Redis::start();
    let url = redis.url();
    let instance = || -> Result<Router, Box<dyn std::error::Error>> {
        let mut keys = KeyDirectory::new();
        keys.insert(HMAC_KEY, KeyRecord::new(HMAC_SECRET)?)?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        // readme-layer-redis: begin
        let store = RedisStore::connect(&url, Duration::from_millis(250))?;
        let nonces: Arc<dyn NonceStore> = Arc::new(DeferredNonceStore);
        let auth = HmacSha256::new(Verifier::new(keys, clock, nonces)).record_in(Arc::new(store));
        // readme-layer-redis: end
        Ok(Router::new()
            .route(HMAC_PATH, axum::routing::get(|| async { "countries" }))
            .layer(VerifyLayer::new(auth)))
    };
    let (a, b) = (instance().unwrap(), instance().unwrap());
    let request = |nonce: &str| {
        let mut req = axum::http::Request::builder().uri(HMAC_PATH);
        for (name, value) in hmac_headers(nonce) {
            req = req.header(name, value);
        }
        req.body(axum::body::Body::empty()).unwrap()
    };
    let ok = a.clone().oneshot(request("layered-1")).await.unwrap();
    assert_eq!(ok.status(), 200);
    let replay = b.clone().oneshot(request("layered-1")).await.unwrap();
    assert_eq!(replay.status(), 401);
    assert_eq!(replay.headers()[serve::ERROR_HEADER], "GA2014");
    // A fresh nonce is accepted by B: the refusal was the replay, not B.
    assert_eq!(b.oneshot(request("layered-2")).await.unwrap().status(), 200);
}

/// A user's own partners-portal server on the public API: `PortalSessions::in_redis`
/// on two instances; a login answered by A gives a token B accepts, and a token B has
/// never seen in Redis is refused there.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_portal_login_on_one_layered_app_works_on_another_through_redis() {
    use std::sync::Arc;

    use axum::Router;
    use axum::extract::Request;
    use partner_auth::layer::{PortalSessions, VerifyLayer};
    use partner_auth::schemes::portal::{Directory, Portal, parse_login_response};
    use tower::ServiceExt;

    let redis = Redis::start();
    let instance = || {
        let mut directory = Directory::new();
        directory
            .add_master("network_abc123", "secret_xyz789")
            .unwrap();
        directory.add_broker("network_abc123", 12345, true).unwrap();
        directory
            .add_user(12345, "ana@example.pt", true, ["simulations.read"])
            .unwrap();
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let store = RedisStore::connect(&redis.url(), Duration::from_millis(500)).unwrap();
        let sessions = PortalSessions::new(Arc::new(Portal::new(directory, clock))).in_redis(store);
        let login = sessions.clone();
        Router::new()
            .route(
                "/API/partnersPortal/authentication",
                axum::routing::post(move |req: Request| async move {
                    let req = serve::read_request(req, 1024).await.unwrap();
                    login.login(&req).await
                }),
            )
            .route(
                "/API/partnersPortal/simulations",
                axum::routing::get(|| async { "[]" })
                    .layer(VerifyLayer::new(sessions.require("simulations.read"))),
            )
    };
    let (a, b) = (instance(), instance());
    let levels = |builder: axum::http::request::Builder| {
        builder
            .header("xClientID", "network_abc123")
            .header("xClientSecret", "secret_xyz789")
            .header("brokerID", "12345")
            .header("username", "ana@example.pt")
    };
    let login = levels(
        axum::http::Request::builder()
            .method("POST")
            .uri("/API/partnersPortal/authentication"),
    )
    .body(axum::body::Body::empty())
    .unwrap();
    let answer = a.clone().oneshot(login).await.unwrap();
    assert_eq!(answer.status(), 200);
    let body = axum::body::to_bytes(answer.into_body(), 4096)
        .await
        .unwrap();
    let token = parse_login_response(&body).unwrap();
    let call = |token: &str| {
        levels(axum::http::Request::builder().uri("/API/partnersPortal/simulations"))
            .header("Authorization", format!("Bearer {token}"))
            .body(axum::body::Body::empty())
            .unwrap()
    };
    assert_eq!(b.clone().oneshot(call(&token)).await.unwrap().status(), 200);
    assert_eq!(a.oneshot(call(&token)).await.unwrap().status(), 200);
    let unknown = b.oneshot(call(&"A".repeat(43))).await.unwrap();
    assert_eq!(unknown.status(), 401);
}

/// A user's own Sign-Up.to server on the public API: `SignUpTo::tokens_in_redis` on two
/// instances; a token one of them issued (`SignUpTo::issue`) is accepted by the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_signupto_token_issued_by_one_layered_app_works_on_another_through_redis() {
    use std::sync::Arc;

    use axum::Router;
    use partner_auth::layer::{RedisTokens, SignUpTo, VerifyLayer};
    use partner_auth::schemes::signupto::{Identity, IssuedToken, Token};
    use tower::ServiceExt;

    let redis = Redis::start();
    let instance = || {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let store = RedisStore::connect(&redis.url(), Duration::from_millis(500)).unwrap();
        let auth = Arc::new(SignUpTo::new().tokens_in_redis(RedisTokens::new(store, clock, 3600)));
        let app = Router::new()
            .route("/v1/list", axum::routing::get(|| async { "listed" }))
            .layer(VerifyLayer::shared(Arc::clone(&auth)));
        (auth, app)
    };
    let ((a, a_app), (_, b_app)) = (instance(), instance());
    let text = "T".repeat(96);
    a.issue(IssuedToken {
        token: Token::parse(&text).unwrap(),
        expiry: SystemClock.now_secs() + 3600,
        identity: Identity {
            pid: None,
            cid: Some(7654321),
            uid: Some(23456789),
        },
    })
    .await
    .unwrap();
    let call = |token: &str, nonce: &str| {
        axum::http::Request::builder()
            .uri("/v1/list")
            .header("Date", format_http_date(SystemClock.now_secs()))
            .header("X-SuT-Nonce", nonce)
            .header("Authorization", format!("SuTToken {token}"))
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let ok = b_app.clone().oneshot(call(&text, "tok-1")).await.unwrap();
    assert_eq!(ok.status(), 200);
    // Its nonce went to the same Redis: the request replayed to A is refused.
    let replay = a_app.oneshot(call(&text, "tok-1")).await.unwrap();
    assert_eq!(replay.status(), 401);
    assert_eq!(replay.headers()[serve::ERROR_HEADER], "NONCE_REPLAYED");
    let unknown = b_app.oneshot(call(&"U".repeat(96), "tok-2")).await.unwrap();
    assert_eq!(unknown.status(), 401);
}

/// The README's `--redis` library block is the text the test above runs.
#[test]
fn the_readme_layer_redis_block_is_the_one_run_above() {
    let readme = include_str!("../README.md");
    let block = readme
        .split("<!-- layer-redis-example:")
        .nth(1)
        .and_then(|rest| rest.split("```rust\n").nth(1))
        .and_then(|rest| rest.split("\n```").next())
        .expect("README.md has a layer-redis-example block");
    let here = include_str!("redis.rs");
    let ran: Vec<&str> = here
        .split("// readme-layer-redis: begin\n")
        .nth(1)
        .and_then(|rest| rest.split("\n        // readme-layer-redis: end").next())
        .unwrap()
        .lines()
        .map(str::trim)
        .collect();
    let shown: Vec<&str> = block.lines().map(str::trim).collect();
    assert_eq!(
        shown, ran,
        "README.md's layer + Redis block differs from tests/redis.rs"
    );
}
