//! Soak benchmark of the sandbox (`cargo bench --bench soak`).
//!
//! Starts the real `partner-auth serve` binary (built by cargo for this bench), then
//! sends mixed traffic for a warm-up and a measured phase while sampling the server's
//! resident memory (`VmRSS` of `/proc/<pid>/status`) every second:
//!
//! - valid requests, signed with the library's signers and fresh nonces, at a steady
//!   rate across every scheme (HMAC-SHA256 GET and POST, Sign-Up.to Hash, Partner Hash
//!   and Token, the partners portal with a bearer token, Groupcall customer and partner
//!   sends); each must be answered 200 (and, for Groupcall, queued);
//! - invalid requests as fast as the workers go: bad signatures, replays of a request
//!   already accepted, stale timestamps and dates, an unknown bearer token, a wrong
//!   Groupcall password; each must be refused;
//! - garbage on raw connections: random bytes, a head cut off, a body cut off, and (from
//!   one worker, so at most one at a time) a 256 KiB header and a 2 MiB body, over
//!   `--max-body`.
//!
//! Valid traffic is paced because every accepted nonce is kept for its window (HMAC-SHA256
//! 2 × 60 s, Sign-Up.to `Date` + `--window`): at full speed the replay stores grow for two
//! minutes by design, which is not a leak. Invalid and garbage traffic store nothing, so
//! they run unpaced.
//!
//! It prints the RSS curve (post-warm-up value, min, max, final, largest deviation) and
//! the requests by kind, and fails when a valid request was not answered 200, an invalid
//! one was accepted, or RSS left ±20 % of its post-warm-up value.
//!
//! The post-warm-up value is the median of the last five samples of the warm-up; every
//! sample of the measured phase must lie within ±20 % of it.
//!
//! Environment: `SOAK_SECONDS` (measured phase, default 60), `SOAK_WARMUP_SECONDS`
//! (default 15), `SOAK_VALID_RPS` (valid requests per second, default 200),
//! `SOAK_WORKERS` (concurrent invalid/garbage senders, default 8), `SOAK_WINDOW`
//! (the sandbox's `--window`, default 30).

// Durations are measured with the monotonic clock; requests are signed with the system
// clock the sandbox also reads.
#![allow(clippy::disallowed_methods)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use partner_auth::encoding::format_http_date;
use partner_auth::schemes::signupto::{
    self, Identity, SignRequest as SutSignRequest, Token, Variant, generate_nonce,
    parse_token_response, token_headers,
};
use partner_auth::schemes::{hmac, signupto::Signer as SutSigner};
use partner_auth::{Clock, SystemClock};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use common::{demo, demo_hmac_signer, demo_str, env_or, rss_kib};

/// Largest drift of RSS from its post-warm-up value, in percent.
const MAX_DEVIATION_PCT: f64 = 20.0;

/// Every kind of request sent, in the order printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
enum Kind {
    HmacGet,
    HmacPost,
    SutHash,
    SutPartner,
    SutToken,
    Portal,
    GroupcallCustomer,
    GroupcallPartner,
    HmacBadSignature,
    HmacReplay,
    HmacStale,
    SutBadSignature,
    SutReplay,
    SutStale,
    PortalUnknownToken,
    GroupcallWrongPassword,
    RandomBytes,
    HugeHeader,
    TruncatedHead,
    TruncatedBody,
    OversizedBody,
}

const VALID: [Kind; 8] = [
    Kind::HmacGet,
    Kind::HmacPost,
    Kind::SutHash,
    Kind::SutPartner,
    Kind::SutToken,
    Kind::Portal,
    Kind::GroupcallCustomer,
    Kind::GroupcallPartner,
];
const INVALID: [Kind; 8] = [
    Kind::HmacBadSignature,
    Kind::HmacReplay,
    Kind::HmacStale,
    Kind::SutBadSignature,
    Kind::SutReplay,
    Kind::SutStale,
    Kind::PortalUnknownToken,
    Kind::GroupcallWrongPassword,
];
/// Light kinds first, then the two heavy ones.
const GARBAGE: [Kind; 5] = [
    Kind::RandomBytes,
    Kind::TruncatedHead,
    Kind::TruncatedBody,
    Kind::HugeHeader,
    Kind::OversizedBody,
];
const KINDS: usize = 21;

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::HmacGet => "valid hmac-sha256 GET",
            Kind::HmacPost => "valid hmac-sha256 POST",
            Kind::SutHash => "valid signupto-hash",
            Kind::SutPartner => "valid signupto-partner-hash",
            Kind::SutToken => "valid signupto-token",
            Kind::Portal => "valid partners-portal",
            Kind::GroupcallCustomer => "valid groupcall-customer",
            Kind::GroupcallPartner => "valid groupcall-partner",
            Kind::HmacBadSignature => "invalid hmac bad signature",
            Kind::HmacReplay => "invalid hmac replay",
            Kind::HmacStale => "invalid hmac stale timestamp",
            Kind::SutBadSignature => "invalid signupto bad signature",
            Kind::SutReplay => "invalid signupto replay",
            Kind::SutStale => "invalid signupto stale Date",
            Kind::PortalUnknownToken => "invalid portal unknown token",
            Kind::GroupcallWrongPassword => "invalid groupcall wrong password",
            Kind::RandomBytes => "garbage random bytes",
            Kind::HugeHeader => "garbage 256 KiB header",
            Kind::TruncatedHead => "garbage truncated head",
            Kind::TruncatedBody => "garbage truncated body",
            Kind::OversizedBody => "garbage body over --max-body",
        }
    }
}

/// Per kind: sent, answered as expected, answered otherwise (or not at all).
struct Tally {
    sent: [AtomicU64; KINDS],
    expected: [AtomicU64; KINDS],
    unexpected: [AtomicU64; KINDS],
    /// The first few unexpected answers, to say what went wrong.
    examples: Mutex<Vec<String>>,
}

impl Tally {
    fn new() -> Self {
        Self {
            sent: std::array::from_fn(|_| AtomicU64::new(0)),
            expected: std::array::from_fn(|_| AtomicU64::new(0)),
            unexpected: std::array::from_fn(|_| AtomicU64::new(0)),
            examples: Mutex::new(Vec::new()),
        }
    }

    fn record(&self, kind: Kind, outcome: Result<(), String>) {
        let k = kind as usize;
        self.sent[k].fetch_add(1, Ordering::Relaxed);
        match outcome {
            Ok(()) => self.expected[k].fetch_add(1, Ordering::Relaxed),
            Err(why) => {
                let mut ex = self.examples.lock().unwrap();
                if ex.len() < 10 {
                    ex.push(format!("{}: {why}", kind.name()));
                }
                self.unexpected[k].fetch_add(1, Ordering::Relaxed)
            }
        };
    }

    fn get(a: &[AtomicU64; KINDS], kinds: &[Kind]) -> u64 {
        kinds
            .iter()
            .map(|k| a[*k as usize].load(Ordering::Relaxed))
            .sum()
    }
}

/// The `partner-auth serve` child, killed when dropped.
struct Server {
    child: Child,
    addr: String,
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Server {
    fn start(window: u64) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_partner-auth"))
            .args(["serve", "--addr", "127.0.0.1:0", "--window"])
            .arg(window.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            // One log line per request: nobody reads them here.
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start partner-auth serve");
        let mut first = String::new();
        let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
        stdout
            .read_line(&mut first)
            .expect("reading the address line of serve");
        let addr = first
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("serve's first line is not its address: {first:?}"))
            .to_owned();
        // Kept open: serve goes on printing its banner, and stops on a closed stdout.
        Self {
            child,
            addr,
            _stdout: stdout,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Everything a request needs: the base URL, the client, credentials and tokens.
struct Ctx {
    url: String,
    addr: String,
    client: reqwest::Client,
    hmac: hmac::Signer,
    hash: SutSigner,
    partner: SutSigner,
    token: Token,
    portal_headers: Vec<(&'static str, String)>,
    bearer: String,
    customer: (String, String),
    partner_route: (String, String, String, String),
    /// A request accepted once, replayed by the invalid traffic.
    hmac_seen: Mutex<Option<Vec<(&'static str, String)>>>,
    sut_seen: Mutex<Option<Vec<(String, String)>>>,
    tally: Tally,
}

const HMAC_GET: &str = "/api/v1/partner/constants/countries";
const HMAC_POST: &str = "/api/v1/partner/leads";
const LEAD: &[u8] = br#"{"name":"Ana","country":"PT"}"#;

fn now() -> i64 {
    SystemClock.now_secs()
}

fn sut_signed(signer: &SutSigner, date_ts: i64) -> Vec<(String, String)> {
    signer
        .sign(&SutSignRequest {
            method: "GET",
            target: "/v1/list",
            date: &format_http_date(date_ts),
            nonce: &generate_nonce(),
        })
        .expect("signable")
        .headers
}

fn hmac_signed(
    signer: &hmac::Signer,
    method: &str,
    path: &str,
    body: &[u8],
    ts: i64,
) -> hmac::Signed {
    signer
        .sign(&hmac::SignRequest {
            method,
            target: path,
            timestamp: ts,
            nonce: &hmac::generate_nonce(),
            body,
        })
        .expect("signable")
}

/// Status, the error-code header and the body of an answer.
async fn send(req: reqwest::RequestBuilder) -> Result<(u16, String, String), String> {
    let r = req.send().await.map_err(|e| format!("no answer: {e}"))?;
    let status = r.status().as_u16();
    let code = r
        .headers()
        .get("x-partner-auth-error")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = r
        .text()
        .await
        .map_err(|e| format!("body unreadable: {e}"))?;
    Ok((status, code, body))
}

fn expect(
    got: Result<(u16, String, String), String>,
    ok: impl Fn(u16, &str, &str) -> bool,
) -> Result<(), String> {
    let (status, code, body) = got?;
    if ok(status, &code, &body) {
        Ok(())
    } else {
        let body: String = body.chars().take(160).collect();
        Err(format!("{status} {code} {body}"))
    }
}

fn accepted(status: u16, _: &str, _: &str) -> bool {
    status == 200
}

fn refused(status: u16, _: &str, _: &str) -> bool {
    (400..500).contains(&status)
}

impl Ctx {
    fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(format!("{}{path}", self.url))
    }

    fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.post(format!("{}{path}", self.url))
    }

    fn with<'h, N: AsRef<str> + 'h>(
        mut req: reqwest::RequestBuilder,
        headers: impl IntoIterator<Item = &'h (N, String)>,
    ) -> reqwest::RequestBuilder {
        for (n, v) in headers {
            req = req.header(n.as_ref(), v);
        }
        req
    }

    fn groupcall_customer(&self, password: &str) -> serde_json::Value {
        json!({"messageData": [{
            "CustomerId": self.customer.0, "Password": password,
            "SMSMessage": "soak", "Recipients": [{"MobileNumber": "+447700900123"}],
        }]})
    }

    async fn valid(&self, kind: Kind) -> Result<(), String> {
        match kind {
            Kind::HmacGet => {
                let s = hmac_signed(&self.hmac, "GET", HMAC_GET, b"", now());
                let r = expect(
                    send(Self::with(self.get(HMAC_GET), &s.headers)).await,
                    accepted,
                );
                if r.is_ok() {
                    *self.hmac_seen.lock().unwrap() = Some(s.headers.to_vec());
                }
                r
            }
            Kind::HmacPost => {
                let s = hmac_signed(&self.hmac, "POST", HMAC_POST, LEAD, now());
                let req = Self::with(self.post(HMAC_POST), &s.headers)
                    .header("Content-Type", "application/json")
                    .body(LEAD);
                expect(send(req).await, accepted)
            }
            Kind::SutHash | Kind::SutPartner => {
                let signer = if kind == Kind::SutHash {
                    &self.hash
                } else {
                    &self.partner
                };
                let h = sut_signed(signer, now());
                let r = expect(send(Self::with(self.get("/v1/list"), &h)).await, accepted);
                if r.is_ok() && kind == Kind::SutHash {
                    *self.sut_seen.lock().unwrap() = Some(h);
                }
                r
            }
            Kind::SutToken => {
                let h = token_headers(
                    "GET",
                    "/v1/list",
                    &self.token,
                    &format_http_date(now()),
                    &generate_nonce(),
                )
                .expect("token headers");
                expect(send(Self::with(self.get("/v1/list"), &h)).await, accepted)
            }
            Kind::Portal => {
                let req = Self::with(
                    self.get("/API/partnersPortal/simulations"),
                    &self.portal_headers,
                )
                .bearer_auth(&self.bearer);
                expect(send(req).await, accepted)
            }
            Kind::GroupcallCustomer => {
                let body = self.groupcall_customer(&self.customer.1);
                expect(
                    send(self.post("/api/SendMessage_V3/SMS").json(&body)).await,
                    |s, _, b| s == 200 && b.contains("queued"),
                )
            }
            Kind::GroupcallPartner => {
                let (key, style, id, password) = &self.partner_route;
                let body = json!({"PartnerKey": key, "styleClass": style, "messageData": [{
                    "CustomerId": id, "Password": password, "SMSMessage": "soak",
                    "Recipients": [{"MobileNumber": "+447700900123"}],
                }]});
                expect(
                    send(self.post("/api/SendMessage_V3/PartnerRoute").json(&body)).await,
                    |s, _, b| s == 200 && b.contains("queued"),
                )
            }
            _ => unreachable!("not a valid kind"),
        }
    }

    async fn invalid(&self, kind: Kind) -> Result<(), String> {
        match kind {
            Kind::HmacBadSignature => {
                let mut s = hmac_signed(&self.hmac, "GET", HMAC_GET, b"", now());
                for (n, v) in &mut s.headers {
                    if *n == "Authorization" {
                        *v = "HMAC-SHA256 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into();
                    }
                }
                expect(
                    send(Self::with(self.get(HMAC_GET), &s.headers)).await,
                    |s, c, _| s == 401 && c == "GA2012",
                )
            }
            Kind::HmacReplay => {
                let Some(h) = self.hmac_seen.lock().unwrap().clone() else {
                    return expect(send(self.get(HMAC_GET)).await, refused);
                };
                expect(send(Self::with(self.get(HMAC_GET), &h)).await, |s, c, _| {
                    s == 401 && c == "GA2014"
                })
            }
            Kind::HmacStale => {
                let s = hmac_signed(&self.hmac, "GET", HMAC_GET, b"", now() - 3600);
                expect(
                    send(Self::with(self.get(HMAC_GET), &s.headers)).await,
                    |s, c, _| s == 401 && c == "GA2013",
                )
            }
            Kind::SutBadSignature => {
                let mut h = sut_signed(&self.hash, now());
                for (n, v) in &mut h {
                    if n == "Authorization" {
                        *v = format!("SuTHash signature=\"{}\"", "0".repeat(40));
                    }
                }
                expect(send(Self::with(self.get("/v1/list"), &h)).await, refused)
            }
            Kind::SutReplay => {
                let Some(h) = self.sut_seen.lock().unwrap().clone() else {
                    return expect(send(self.get("/v1/list")).await, refused);
                };
                expect(
                    send(Self::with(self.get("/v1/list"), &h)).await,
                    |s, c, _| s == 401 && c == "NONCE_REPLAYED",
                )
            }
            Kind::SutStale => {
                let h = sut_signed(&self.hash, now() - 7200);
                expect(send(Self::with(self.get("/v1/list"), &h)).await, refused)
            }
            Kind::PortalUnknownToken => {
                let req = Self::with(
                    self.get("/API/partnersPortal/simulations"),
                    &self.portal_headers,
                )
                .bearer_auth("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
                expect(send(req).await, |s, _, _| s == 401)
            }
            Kind::GroupcallWrongPassword => {
                let body = self.groupcall_customer("not-the-password");
                expect(
                    send(self.post("/api/SendMessage_V3/SMS").json(&body)).await,
                    |_, _, b| !b.contains("queued"),
                )
            }
            _ => unreachable!("not an invalid kind"),
        }
    }

    /// Sends raw bytes on a fresh connection and waits (5 s at most) for an answer or
    /// the close. Any outcome but a hang or a crash is fine: the point is what it
    /// leaves behind in the server.
    async fn garbage(&self, kind: Kind, rng: &mut u64) -> Result<(), String> {
        let bytes: Vec<u8> = match kind {
            Kind::RandomBytes => (0..1 + next(rng) % 4096).map(|_| next(rng) as u8).collect(),
            Kind::HugeHeader => {
                let mut b = b"GET /v1/list HTTP/1.1\r\nHost: x\r\nX-Big: ".to_vec();
                b.resize(b.len() + 256 * 1024, b'a');
                b.extend_from_slice(b"\r\nConnection: close\r\n\r\n");
                b
            }
            Kind::TruncatedHead => b"GET /api/v1/partner/constants/coun".to_vec(),
            Kind::TruncatedBody => format!(
                "POST {HMAC_POST} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n{{\"name\":\"An"
            )
            .into_bytes(),
            Kind::OversizedBody => {
                let mut b = format!(
                    "POST /api/SendMessage_V3/SMS HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    2 << 20
                )
                .into_bytes();
                b.resize(b.len() + (2 << 20), b' ');
                b
            }
            _ => unreachable!("not a garbage kind"),
        };
        let exchange = async {
            let mut s = tokio::net::TcpStream::connect(&self.addr)
                .await
                .map_err(|e| format!("connect: {e}"))?;
            // The server may answer and close before everything is written.
            let _ = s.write_all(&bytes).await;
            let _ = s.shutdown().await;
            let mut sink = [0u8; 4096];
            while let Ok(n) = s.read(&mut sink).await {
                if n == 0 {
                    break;
                }
            }
            Ok::<(), String>(())
        };
        tokio::time::timeout(Duration::from_secs(5), exchange)
            .await
            .map_err(|_| "no answer or close within 5 s".to_owned())?
    }
}

/// xorshift64: deterministic garbage, no dependency.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

async fn setup(server: &Server) -> Ctx {
    let url = format!("http://{}", server.addr);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .pool_max_idle_per_host(64)
        .build()
        .expect("a reqwest client");
    let d = demo();
    let id = |slug: &str, f: &str| d[slug][f].as_u64();
    let hash = SutSigner::new(
        Variant::Hash,
        Identity {
            pid: None,
            cid: id("signupto-hash", "cid"),
            uid: id("signupto-hash", "uid"),
        },
        demo_str("signupto-hash", "key"),
    )
    .expect("demo Hash credentials");
    let partner = SutSigner::new(
        Variant::PartnerHash,
        Identity {
            pid: id("signupto-partner-hash", "pid"),
            cid: id("signupto-partner-hash", "cid"),
            uid: id("signupto-partner-hash", "uid"),
        },
        demo_str("signupto-partner-hash", "key"),
    )
    .expect("demo Partner Hash credentials");
    // One token and one portal session for the whole run: logins are valid traffic
    // too, but each leaves a token or session behind until it expires.
    let login = signupto::token_request(
        &demo_str("signupto-token", "username"),
        &demo_str("signupto-token", "password").into(),
    )
    .expect("a token request");
    let r = client
        .post(format!("{url}{}", login.target))
        .header("Content-Type", "application/json")
        .body(login.body.clone())
        .send()
        .await
        .expect("POST /v1/token answered");
    let status = r.status().as_u16();
    let body = r.bytes().await.expect("token body");
    let token = parse_token_response(status, &body)
        .expect("the demo login is granted a token")
        .token;
    let portal_headers = vec![
        ("xClientID", demo_str("partners-portal", "client_id")),
        (
            "xClientSecret",
            demo_str("partners-portal", "client_secret"),
        ),
        (
            "brokerID",
            d["partners-portal"]["broker_id"]
                .as_u64()
                .unwrap()
                .to_string(),
        ),
        ("username", demo_str("partners-portal", "username")),
    ];
    let mut login = client.post(format!("{url}/API/partnersPortal/authentication"));
    for (n, v) in &portal_headers {
        login = login.header(*n, v);
    }
    let r = login.send().await.expect("portal login answered");
    assert_eq!(r.status().as_u16(), 200, "portal login");
    let bearer: String = serde_json::from_slice(&r.bytes().await.unwrap())
        .expect("the portal login answers the token as a JSON string");
    Ctx {
        addr: server.addr.clone(),
        url,
        client,
        hmac: demo_hmac_signer(),
        hash,
        partner,
        token,
        portal_headers,
        bearer,
        customer: (
            demo_str("groupcall-customer", "customer_id"),
            demo_str("groupcall-customer", "password"),
        ),
        partner_route: (
            demo_str("groupcall-partner", "partner_key"),
            demo_str("groupcall-partner", "style_class"),
            demo_str("groupcall-partner", "customer_id"),
            demo_str("groupcall-partner", "password"),
        ),
        hmac_seen: Mutex::new(None),
        sut_seen: Mutex::new(None),
        tally: Tally::new(),
    }
}

fn main() {
    let seconds = env_or("SOAK_SECONDS", 60);
    let warmup = env_or("SOAK_WARMUP_SECONDS", 15).max(1);
    let valid_rps = env_or("SOAK_VALID_RPS", 200).max(1);
    let workers = env_or("SOAK_WORKERS", 8).max(1);
    let window = env_or("SOAK_WINDOW", 30);
    let server = Server::start(window);
    let pid = server.child.id();
    let rss_start = rss_kib(Some(pid));
    println!(
        "soak: partner-auth serve (pid {pid}, --window {window}) on {}; {warmup} s warm-up, then {seconds} s; valid traffic {valid_rps}/s across {} kinds, {workers} unpaced workers of invalid and garbage traffic; {} CPUs",
        server.addr,
        VALID.len(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (ctx, samples) = runtime.block_on(async {
        let ctx = Arc::new(setup(&server).await);
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        // Valid traffic: one request per tick, each in its own task so slow answers do
        // not lower the rate (at most 256 in flight).
        {
            let (ctx, stop) = (ctx.clone(), stop.clone());
            tasks.push(tokio::spawn(async move {
                let permits = Arc::new(tokio::sync::Semaphore::new(256));
                let mut tick =
                    tokio::time::interval(Duration::from_secs_f64(1.0 / valid_rps as f64));
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                let mut n = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    tick.tick().await;
                    let permit = permits.clone().acquire_owned().await.unwrap();
                    let kind = VALID[n % VALID.len()];
                    n += 1;
                    let ctx = ctx.clone();
                    tokio::spawn(async move {
                        let outcome = ctx.valid(kind).await;
                        ctx.tally.record(kind, outcome);
                        drop(permit);
                    });
                }
                // Wait for the requests still in flight.
                let _ = permits.acquire_many(256).await;
            }));
        }
        for w in 0..workers {
            let (ctx, stop) = (ctx.clone(), stop.clone());
            tasks.push(tokio::spawn(async move {
                let mut rng = 0x9e37_79b9_7f4a_7c15_u64 ^ (w + 1);
                let mut n = w as usize;
                while !stop.load(Ordering::Relaxed) {
                    // Four invalid requests for each garbage one.
                    let i = n % (INVALID.len() + 2);
                    n += 1;
                    if i < INVALID.len() {
                        let kind = INVALID[i];
                        let outcome = ctx.invalid(kind).await;
                        ctx.tally.record(kind, outcome);
                    } else {
                        // The two heavy kinds (a 256 KiB head, a 2 MiB body) come from
                        // one worker only: at most one of them in flight, so RSS measures
                        // what stays behind rather than how many large buffers happen to
                        // be alive at the sampling instant.
                        let kinds = if w == 0 { &GARBAGE[..] } else { &GARBAGE[..3] };
                        let kind = kinds[(next(&mut rng) % kinds.len() as u64) as usize];
                        let outcome = ctx.garbage(kind, &mut rng).await;
                        ctx.tally.record(kind, outcome);
                    }
                }
            }));
        }
        // RSS, every second, through the warm-up and the measured phase.
        let started = Instant::now();
        let mut samples: Vec<(f64, u64)> = Vec::new();
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        for _ in 0..=(warmup + seconds) {
            tick.tick().await;
            let rss =
                rss_kib(Some(pid)).expect("the server's /proc/<pid>/status (is it still running?)");
            samples.push((started.elapsed().as_secs_f64(), rss));
        }
        stop.store(true, Ordering::Relaxed);
        for t in tasks {
            t.await.unwrap();
        }
        (ctx, samples)
    });
    drop(server);

    let tally = &ctx.tally;
    println!(
        "\n{:<34} {:>9} {:>9} {:>10}",
        "requests by kind", "sent", "as meant", "otherwise"
    );
    for k in VALID.iter().chain(&INVALID).chain(&GARBAGE) {
        let i = *k as usize;
        println!(
            "{:<34} {:>9} {:>9} {:>10}",
            k.name(),
            tally.sent[i].load(Ordering::Relaxed),
            tally.expected[i].load(Ordering::Relaxed),
            tally.unexpected[i].load(Ordering::Relaxed)
        );
    }
    let total = |kinds: &[Kind]| {
        (
            Tally::get(&tally.sent, kinds),
            Tally::get(&tally.unexpected, kinds),
        )
    };
    let (valid, valid_bad) = total(&VALID);
    let (invalid, invalid_bad) = total(&INVALID);
    let (garbage, garbage_bad) = total(&GARBAGE);
    let elapsed = samples.last().map_or(1.0, |s| s.0);
    println!(
        "totals: {valid} valid ({valid_bad} not answered 200), {invalid} invalid ({invalid_bad} not refused), {garbage} garbage ({garbage_bad} hung); {:.0} requests/s overall",
        (valid + invalid + garbage) as f64 / elapsed
    );
    for ex in tally.examples.lock().unwrap().iter() {
        println!("  unexpected: {ex}");
    }

    // The post-warm-up value: the median of the warm-up's last five samples (a single
    // sample lands on a peak or a trough of the allocator as often as not).
    let end = warmup as usize;
    let mut tail: Vec<u64> = samples[end.saturating_sub(4)..=end]
        .iter()
        .map(|s| s.1)
        .collect();
    tail.sort_unstable();
    let base = tail[tail.len() / 2];
    let measured: Vec<u64> = samples[end..].iter().map(|s| s.1).collect();
    let (min, max) = (
        *measured.iter().min().unwrap(),
        *measured.iter().max().unwrap(),
    );
    let last = *measured.last().unwrap();
    let dev = |v: u64| (v as f64 - base as f64) / base as f64 * 100.0;
    let worst = dev(min).abs().max(dev(max).abs());
    let mib = |k: u64| k as f64 / 1024.0;
    println!(
        "\nserver RSS (MiB): at start {}, post-warm-up {:.1}, min {:.1}, max {:.1}, final {:.1}; largest deviation {worst:.1} % (limit {MAX_DEVIATION_PCT} %), final {:+.1} %",
        rss_start.map_or("?".to_owned(), |k| format!("{:.1}", mib(k))),
        mib(base),
        mib(min),
        mib(max),
        mib(last),
        dev(last)
    );
    let curve: Vec<String> = samples
        .iter()
        .step_by(5)
        .map(|(t, k)| format!("{t:.0}s {:.1}", mib(*k)))
        .collect();
    println!("RSS every 5 s: {}", curve.join(", "));

    assert_eq!(valid_bad, 0, "every valid request must be answered 200");
    assert_eq!(invalid_bad, 0, "every invalid request must be refused");
    assert_eq!(garbage_bad, 0, "no garbage may hang the server");
    assert!(
        valid > 0 && invalid > 0 && garbage > 0,
        "every class of traffic was sent"
    );
    assert!(
        worst <= MAX_DEVIATION_PCT,
        "RSS left ±{MAX_DEVIATION_PCT} % of its post-warm-up value: {worst:.1} %"
    );
    println!("soak: passed");
}
