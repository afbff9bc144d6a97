//! The signing middlewares (`partner_auth::middleware`) against real HTTP servers: the
//! crate's own sandbox (`partner-auth serve`, a child process on a free port) whose
//! reference verifiers must accept what each middleware signs, and wiremock servers for
//! the portal's retry after a 401, its re-login before the inactivity limit, and
//! redirects to another origin.

// Runs the `partner-auth` binary, built with the `cli` feature (which has `client`).
#![cfg(feature = "cli")]

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use partner_auth::FixedClock;
use partner_auth::middleware::reqwest_middleware::{self, ClientBuilder, ClientWithMiddleware};
use partner_auth::middleware::{
    Error, HmacSigning, PortalBearer, SignUpToSigning, SignUpToToken, http_client,
};
use partner_auth::schemes::hmac::Signer;
use partner_auth::schemes::portal::{LoginCredentials, UNAUTHORIZED_BODY};
use partner_auth::schemes::signupto::{Identity, Variant, parse_token_response};
use serde_json::Value;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

// The sandbox's demo credentials (`partner-auth serve --demo-credentials`).
const HMAC_KEY: &str = "pk_demo_4f1c2b7e";
const HMAC_SECRET: &str = "sk_demo_9a8b7c6d5e4f3a2b1c0d";
const HASH_KEY: &str = "2b2d77e014a30792d5048e262e306783";
const PARTNER_KEY: &str = "abcdefghijABCDEFGHIJabcdefghijABCDEFGHIJ";
const PORTAL_SECRET: &str = "secret_xyz789";

const LOGIN: &str = "/API/partnersPortal/authentication";
const RESOURCE: &str = "/API/partnersPortal/simulations";

/// A running `partner-auth serve`, killed when dropped.
struct Sandbox {
    child: Child,
    url: String,
    log: Arc<Mutex<String>>,
}

impl Sandbox {
    fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_partner-auth"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["serve", "--addr", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start partner-auth serve");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        let url = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("the sandbox's first line is not its address: {first:?}"))
            .to_owned();
        // Keep both pipes drained so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = stdout.read_to_end(&mut sink);
        });
        let log = Arc::new(Mutex::new(String::new()));
        let into = log.clone();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        std::thread::spawn(move || {
            let mut line = String::new();
            while stderr.read_line(&mut line).unwrap_or(0) > 0 {
                into.lock().unwrap().push_str(&line);
                line.clear();
            }
        });
        Self { child, url, log }
    }

    fn at(&self, target: &str) -> String {
        format!("{}{target}", self.url)
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn with(m: impl reqwest_middleware::Middleware) -> ClientWithMiddleware {
    ClientBuilder::new(http_client().unwrap()).with(m).build()
}

fn hmac() -> HmacSigning {
    HmacSigning::new(Signer::new(HMAC_KEY, HMAC_SECRET).unwrap())
}

async fn json_of(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    let value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("HTTP {status}, body not JSON ({e}): {text}"));
    (status, value)
}

/// The middleware error inside a reqwest-middleware error.
fn middleware_error(e: &reqwest_middleware::Error) -> &Error {
    match e {
        reqwest_middleware::Error::Middleware(inner) => inner
            .downcast_ref::<Error>()
            .unwrap_or_else(|| panic!("not a partner_auth::middleware::Error: {inner:?}")),
        other => panic!("expected a middleware error, got {other:?}"),
    }
}

// ---- HMAC-SHA256 against the sandbox ------------------------------------------------

/// GET with a query: the sandbox's verifier (which signs PATH without the query, H1)
/// accepts it. A middleware that put the query into PATH would get GA2012.
#[tokio::test]
async fn hmac_get_with_query_is_accepted_by_the_sandbox() {
    let sb = Sandbox::start();
    let client = with(hmac());
    let resp = client
        .get(sb.at("/api/v1/partner/constants/countries?page=2&size=10"))
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(resp).await;
    assert_eq!(status, 200, "{body}\n{}", sb.log());
    assert_eq!(body["data"][0]["code"], "PT", "{body}");
}

/// POST with a JSON body: the body bytes are signed (a middleware signing an empty body
/// gets GA2012), and the sandbox sees the body unchanged.
#[tokio::test]
async fn hmac_post_body_is_signed_as_sent() {
    let sb = Sandbox::start();
    let client = with(hmac());
    let resp = client
        .post(sb.at("/api/v1/partner/leads"))
        .header("Content-Type", "application/json")
        .body(r#"{"country":"PT","name":"Ana"}"#)
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(resp).await;
    assert_eq!(status, 200, "{body}\n{}", sb.log());
    assert_eq!(body["data"]["received"]["name"], "Ana", "{body}");
}

/// The same request three times: each gets a fresh nonce (a reused one is GA2014).
#[tokio::test]
async fn hmac_each_request_gets_a_fresh_nonce() {
    let sb = Sandbox::start();
    let client = with(hmac());
    for i in 0..3 {
        let resp = client
            .get(sb.at("/api/v1/partner/constants/countries"))
            .send()
            .await
            .unwrap();
        let (status, body) = json_of(resp).await;
        assert_eq!(status, 200, "request {i}: {body}");
    }
}

/// The timestamp comes from the injected clock: two minutes behind the sandbox's, the
/// request is outside the ±60 s window (GA2013); on the system clock it passes (above).
#[tokio::test]
async fn hmac_timestamp_comes_from_the_injected_clock() {
    let sb = Sandbox::start();
    let now = partner_auth::Clock::now_secs(&partner_auth::SystemClock);
    let clock = Arc::new(FixedClock::from_secs(now - 120));
    let client = with(hmac().with_clock(clock.clone()));
    let resp = client
        .get(sb.at("/api/v1/partner/constants/countries"))
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(resp).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("GA2013")),
        "{body}"
    );
    // Moved to now, the same middleware is accepted.
    clock.set_secs(partner_auth::Clock::now_secs(&partner_auth::SystemClock));
    let resp = client
        .get(sb.at("/api/v1/partner/constants/countries"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
}

/// A streaming body cannot be signed without consuming it: refused before anything is
/// sent, with an error naming the fix, and the secret nowhere in it.
#[tokio::test]
async fn hmac_refuses_a_streaming_body() {
    let server = MockServer::start().await;
    let client = with(hmac());
    let stream = stream(b"{}");
    let err = client
        .post(format!("{}/api/v1/partner/leads", server.uri()))
        .body(stream)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            middleware_error(&err),
            Error::StreamingBody {
                scheme: "hmac-sha256"
            }
        ),
        "{err:?}"
    );
    let text = format!("{err} {err:?}");
    assert!(text.contains("buffered body"), "{text}");
    assert!(!text.contains(HMAC_SECRET), "{text}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// A body reqwest holds as a stream (`Body::as_bytes` is `None`).
fn stream(b: &'static [u8]) -> reqwest::Body {
    reqwest::Body::wrap(http_body_util::Full::new(b))
}

// ---- Sign-Up.to against the sandbox -------------------------------------------------

/// Hash and Partner Hash on a percent-encoded path with a query: the middleware signs
/// the path as reqwest sends it (encoded), never the query, and the sandbox's verifier
/// accepts both and reports the identity it proved.
#[tokio::test]
async fn signupto_hash_and_partner_hash_are_accepted_by_the_sandbox() {
    let sb = Sandbox::start();
    let hash = SignUpToSigning::new(
        Variant::Hash,
        Identity {
            pid: None,
            cid: Some(7654321),
            uid: Some(23456789),
        },
        HASH_KEY,
    )
    .unwrap();
    let partner = SignUpToSigning::new(
        Variant::PartnerHash,
        Identity {
            pid: Some(4567),
            cid: Some(12345),
            uid: Some(678),
        },
        PARTNER_KEY,
    )
    .unwrap();
    for (slug, m, id) in [("hash", hash, "7654321"), ("partner hash", partner, "4567")] {
        let client = with(m);
        for target in ["/v1/list?count=5&name=caf%C3%A9", "/v1/caf%C3%A9/list"] {
            let resp = client.get(sb.at(target)).send().await.unwrap();
            let (status, body) = json_of(resp).await;
            assert_eq!(status, 200, "{slug} {target}: {body}\n{}", sb.log());
            assert_eq!(body["status"], "ok", "{slug}: {body}");
            assert!(body.to_string().contains(id), "{slug}: {body}");
        }
        // A body is not signed (S1), so a stream goes through.
        let stream = stream(b"{\"a\":1}");
        let resp = client
            .post(sb.at("/v1/list"))
            .header("Content-Type", "application/json")
            .body(stream)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{slug} streaming POST");
    }
}

/// A Sign-Up.to `Date` from the injected clock 20 minutes behind is outside the
/// sandbox's ±900 s window.
#[tokio::test]
async fn signupto_date_comes_from_the_injected_clock() {
    let sb = Sandbox::start();
    let now = partner_auth::Clock::now_secs(&partner_auth::SystemClock);
    let m = SignUpToSigning::new(
        Variant::Hash,
        Identity {
            pid: None,
            cid: Some(7654321),
            uid: Some(23456789),
        },
        HASH_KEY,
    )
    .unwrap()
    .with_clock(Arc::new(FixedClock::from_secs(now - 1200)));
    let resp = with(m).get(sb.at("/v1/list")).send().await.unwrap();
    let (status, body) = json_of(resp).await;
    assert_eq!(status, 401, "{body}");
}

/// Token: `POST /v1/token` with the demo login, then every request through
/// [`SignUpToToken`] is accepted, twice (fresh nonces).
#[tokio::test]
async fn signupto_token_is_accepted_by_the_sandbox() {
    let sb = Sandbox::start();
    let login = http_client()
        .unwrap()
        .post(sb.at("/v1/token"))
        .header("Content-Type", "application/json")
        .body(r#"{"username":"demo@example.com","password":"demo-password"}"#)
        .send()
        .await
        .unwrap();
    let status = login.status().as_u16();
    let grant = parse_token_response(status, &login.bytes().await.unwrap()).unwrap();
    let secret = grant.token.expose().to_owned();
    let m = SignUpToToken::new(grant.token);
    assert!(!format!("{m:?}").contains(&secret));
    let client = with(m);
    for i in 0..2 {
        let resp = client.get(sb.at("/v1/list?x=1")).send().await.unwrap();
        let (status, body) = json_of(resp).await;
        assert_eq!(status, 200, "request {i}: {body}");
        assert!(body.to_string().contains("7654321"), "{body}");
    }
}

/// `SignUpToToken::login` against the sandbox: the first request asks for a token
/// (`POST /v1/token` with the demo login), the next reuse it.
#[tokio::test]
async fn signupto_token_login_asks_once_and_is_accepted() {
    let sb = Sandbox::start();
    let m = Arc::new(SignUpToToken::login(&sb.url, "demo@example.com", "demo-password").unwrap());
    assert_eq!(m.login_count(), 0);
    let client = ClientBuilder::new(http_client().unwrap())
        .with_arc(m.clone())
        .build();
    for i in 0..3 {
        let resp = client.get(sb.at("/v1/list")).send().await.unwrap();
        let (status, body) = json_of(resp).await;
        assert_eq!(status, 200, "request {i}: {body}\n{}", sb.log());
    }
    assert_eq!(m.login_count(), 1);
    assert!(!format!("{m:?}").contains("demo-password"));
}

/// A 96-character token ending in `n`.
fn sut_token(n: usize) -> String {
    format!("{}{n}", "A".repeat(95))
}

/// Answers each `POST /v1/token` with the next token, expiring at `expiry`.
struct SutTokens {
    issued: AtomicUsize,
    expiry: i64,
}

impl Respond for SutTokens {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "status": "ok",
            "response": { "data": { "token": sut_token(n), "expiry": self.expiry }, "count": 1, "next": null }
        }))
    }
}

fn sut_login_mock(expiry: i64) -> Mock {
    Mock::given(method("POST"))
        .and(path("/v1/token"))
        .and(wiremock::matchers::body_json(serde_json::json!(
            { "username": "demo@example.com", "password": MOCK_SECRET }
        )))
        .respond_with(SutTokens {
            issued: AtomicUsize::new(0),
            expiry,
        })
}

fn sut_with(n: usize) -> wiremock::MockBuilder {
    Mock::given(method("GET")).and(path("/v1/list")).and(header(
        "Authorization",
        format!("SuTToken {}", sut_token(n)).as_str(),
    ))
}

fn sut_client(
    server: &MockServer,
    clock: Arc<FixedClock>,
) -> (Arc<SignUpToToken>, ClientWithMiddleware) {
    let m = Arc::new(
        SignUpToToken::login(&server.uri(), "demo@example.com", MOCK_SECRET)
            .unwrap()
            .with_clock(clock),
    );
    let client = ClientBuilder::new(http_client().unwrap())
        .with_arc(m.clone())
        .build();
    (m, client)
}

/// The token is renewed 60 s (the default margin) before the `expiry` the server gave,
/// on the injected clock: kept at expiry − 61 s, replaced at expiry − 60 s.
#[tokio::test]
async fn signupto_token_is_renewed_before_its_expiry() {
    let server = MockServer::start().await;
    let t0 = 1_700_000_000;
    sut_login_mock(t0 + 3600).expect(2).mount(&server).await;
    sut_with(1)
        .respond_with(ResponseTemplate::new(200))
        .expect(2)
        .mount(&server)
        .await;
    sut_with(2)
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let clock = Arc::new(FixedClock::from_secs(t0));
    let (m, client) = sut_client(&server, clock.clone());
    let url = format!("{}/v1/list", server.uri());
    assert_eq!(
        client.get(&url).send().await.unwrap().status().as_u16(),
        200
    );
    clock.set_secs(t0 + 3600 - 61);
    assert_eq!(
        client.get(&url).send().await.unwrap().status().as_u16(),
        200
    );
    assert_eq!(m.login_count(), 1);
    clock.set_secs(t0 + 3600 - 60);
    assert_eq!(
        client.get(&url).send().await.unwrap().status().as_u16(),
        200
    );
    assert_eq!(m.login_count(), 2);
}

/// A 401 with the held token: a new token, and the request retried once.
#[tokio::test]
async fn signupto_token_asks_again_and_retries_once_after_a_401() {
    let server = MockServer::start().await;
    let t0 = 1_700_000_000;
    sut_login_mock(t0 + 3600).expect(2).mount(&server).await;
    sut_with(1)
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    sut_with(2)
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let (m, client) = sut_client(&server, Arc::new(FixedClock::from_secs(t0)));
    let resp = client
        .get(format!("{}/v1/list", server.uri()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(m.login_count(), 2);
}

/// A refused token request is an error with the server's message, never the password.
#[tokio::test]
async fn signupto_token_refused_login_is_a_clear_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "status": "error",
            "response": { "message": "Invalid username or password", "code": 401, "subcode": null, "additional_information": null }
        })))
        .mount(&server)
        .await;
    let (_, client) = sut_client(&server, Arc::new(FixedClock::from_secs(1_700_000_000)));
    let err = client
        .get(format!("{}/v1/list", server.uri()))
        .send()
        .await
        .unwrap_err();
    let inner = middleware_error(&err);
    assert!(matches!(inner, Error::SignUpTo(_)), "{err:?}");
    let text = format!("{inner} {inner:?}");
    assert!(text.contains("Invalid username or password"), "{text}");
    assert!(!text.contains(MOCK_SECRET), "{text}");
}

// ---- Partners portal ----------------------------------------------------------------

fn sandbox_creds() -> LoginCredentials {
    LoginCredentials::new("network_abc123", PORTAL_SECRET, 12345, "ana@example.pt")
}

/// Against the sandbox: the first request logs in, the next reuse the token; the
/// sandbox's verifier accepts the headers and the token.
#[tokio::test]
async fn portal_logs_in_lazily_and_keeps_the_token() {
    let sb = Sandbox::start();
    let portal = Arc::new(PortalBearer::new(&sb.url, sandbox_creds()).unwrap());
    assert_eq!(portal.login_count(), 0, "no login before the first request");
    let client = ClientBuilder::new(http_client().unwrap())
        .with_arc(portal.clone())
        .build();
    for i in 0..3 {
        let resp = client.get(sb.at(RESOURCE)).send().await.unwrap();
        let (status, body) = json_of(resp).await;
        assert_eq!(status, 200, "request {i}: {body}\n{}", sb.log());
    }
    assert_eq!(portal.login_count(), 1);
    let debug = format!("{portal:?}");
    assert!(!debug.contains(PORTAL_SECRET), "{debug}");
}

const MOCK_SECRET: &str = "marker-secret-5d1e";

fn mock_creds() -> LoginCredentials {
    LoginCredentials::new("network_abc123", MOCK_SECRET, 12345, "ana@example.pt")
}

/// Answers each login with the next token: `"marker-token-1"`, `"marker-token-2"`, …
struct Tokens(AtomicUsize);

impl Respond for Tokens {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200)
            .insert_header("Content-Type", "application/json")
            .set_body_string(format!("\"marker-token-{n}\""))
    }
}

fn login_mock() -> wiremock::MockBuilder {
    Mock::given(method("POST"))
        .and(path(LOGIN))
        .and(header("xClientID", "network_abc123"))
        .and(header("xClientSecret", MOCK_SECRET))
        .and(header("brokerID", "12345"))
        .and(header("username", "ana@example.pt"))
}

fn resource_with(verb: &str, n: usize) -> wiremock::MockBuilder {
    Mock::given(method(verb))
        .and(path(RESOURCE))
        .and(header("xClientSecret", MOCK_SECRET))
        .and(header(
            "Authorization",
            format!("Bearer marker-token-{n}").as_str(),
        ))
}

fn unauthorized() -> ResponseTemplate {
    ResponseTemplate::new(401)
        .insert_header("Content-Type", "application/json")
        .set_body_string(UNAUTHORIZED_BODY)
}

async fn portal_client(
    server: &MockServer,
    clock: Option<Arc<FixedClock>>,
) -> (Arc<PortalBearer>, ClientWithMiddleware) {
    let mut m = PortalBearer::new(&server.uri(), mock_creds()).unwrap();
    if let Some(c) = clock {
        m = m.with_clock(c);
    }
    let m = Arc::new(m);
    let client = ClientBuilder::new(http_client().unwrap())
        .with_arc(m.clone())
        .build();
    (m, client)
}

/// A 401 on a kept token: one new login, the request retried once with the new token
/// (body included), and its answer returned.
#[tokio::test]
async fn portal_logs_in_again_and_retries_once_after_a_401() {
    let server = MockServer::start().await;
    login_mock()
        .respond_with(Tokens(AtomicUsize::new(0)))
        .expect(2)
        .mount(&server)
        .await;
    resource_with("POST", 1)
        .respond_with(unauthorized())
        .expect(1)
        .mount(&server)
        .await;
    resource_with("POST", 2)
        .and(wiremock::matchers::body_string(r#"{"amount":1}"#))
        .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
        .expect(1)
        .mount(&server)
        .await;
    let (m, client) = portal_client(&server, None).await;
    let resp = client
        .post(format!("{}{RESOURCE}", server.uri()))
        .body(r#"{"amount":1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(m.login_count(), 2);
}

/// A 401 again after the fresh login is returned, not retried a second time.
#[tokio::test]
async fn portal_retries_only_once() {
    let server = MockServer::start().await;
    login_mock()
        .respond_with(Tokens(AtomicUsize::new(0)))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(RESOURCE))
        .respond_with(unauthorized())
        .expect(2)
        .mount(&server)
        .await;
    let (m, client) = portal_client(&server, None).await;
    let resp = client
        .get(format!("{}{RESOURCE}", server.uri()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    assert_eq!(m.login_count(), 2);
}

/// A request whose body is a stream cannot be sent twice: its 401 is returned with no
/// second login and no retry.
#[tokio::test]
async fn portal_does_not_retry_a_streaming_body() {
    let server = MockServer::start().await;
    login_mock()
        .respond_with(Tokens(AtomicUsize::new(0)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(RESOURCE))
        .respond_with(unauthorized())
        .expect(1)
        .mount(&server)
        .await;
    let (m, client) = portal_client(&server, None).await;
    let stream = stream(b"{}");
    let resp = client
        .post(format!("{}{RESOURCE}", server.uri()))
        .body(stream)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    assert_eq!(m.login_count(), 1);
}

/// The re-login before the 30-minute inactivity limit, on the injected clock: with the
/// default 60 s margin the token is kept up to 28:59 after the last activity and
/// replaced from 29:00, before the server would expire it at 30:00.
#[tokio::test]
async fn portal_logs_in_again_before_the_inactivity_limit() {
    let server = MockServer::start().await;
    login_mock()
        .respond_with(Tokens(AtomicUsize::new(0)))
        .expect(2)
        .mount(&server)
        .await;
    resource_with("GET", 1)
        .respond_with(ResponseTemplate::new(200))
        .expect(2)
        .mount(&server)
        .await;
    resource_with("GET", 2)
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let clock = Arc::new(FixedClock::from_secs(1_700_000_000));
    let (m, client) = portal_client(&server, Some(clock.clone())).await;
    let get = || client.get(format!("{}{RESOURCE}", server.uri())).send();
    assert_eq!(get().await.unwrap().status().as_u16(), 200);
    assert_eq!(m.login_count(), 1);
    // 28:59 idle: still within the margin, same token (activity resets the timer).
    clock.advance_secs(28 * 60 + 59);
    assert_eq!(get().await.unwrap().status().as_u16(), 200);
    assert_eq!(m.login_count(), 1);
    // 29:00 idle: logs in again first.
    clock.advance_secs(29 * 60);
    assert_eq!(get().await.unwrap().status().as_u16(), 200);
    assert_eq!(m.login_count(), 2);
}

/// A refused login is an error naming the three levels; the secret is not in it.
#[tokio::test]
async fn portal_refused_login_is_a_clear_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(LOGIN))
        .respond_with(unauthorized())
        .mount(&server)
        .await;
    let (_, client) = portal_client(&server, None).await;
    let err = client
        .get(format!("{}{RESOURCE}", server.uri()))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(middleware_error(&err), Error::PortalLogin(_)),
        "{err:?}"
    );
    let text = format!("{err} {:?}", middleware_error(&err));
    assert!(text.contains("xClientID"), "{text}");
    assert!(!text.contains(MOCK_SECRET), "{text}");
}

/// The portal middleware sends nothing to another origin than its portal's.
#[tokio::test]
async fn portal_sends_nothing_to_another_origin() {
    let portal = MockServer::start().await;
    let other = MockServer::start().await;
    let (m, client) = portal_client(&portal, None).await;
    let err = client
        .get(format!("{}{RESOURCE}", other.uri()))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(middleware_error(&err), Error::OtherOrigin { .. }),
        "{err:?}"
    );
    assert_eq!(m.login_count(), 0);
    assert!(other.received_requests().await.unwrap().is_empty());
    assert!(portal.received_requests().await.unwrap().is_empty());
}

// ---- Redirects ----------------------------------------------------------------------

/// `from` answers every request with a 307 to `to`.
async fn redirect_to(from: &MockServer, to: &MockServer) {
    Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(307).insert_header("Location", format!("{}/landing", to.uri())),
        )
        .mount(from)
        .await;
}

/// With [`http_client`], a 307 to another origin is handed back and not followed: the
/// other origin never sees the HMAC key, the portal secret or the token.
#[tokio::test]
async fn a_redirect_to_another_origin_is_not_followed() {
    let here = MockServer::start().await;
    let there = MockServer::start().await;
    redirect_to(&here, &there).await;

    let resp = with(hmac())
        .get(format!("{}/api/v1/partner/constants/countries", here.uri()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 307);

    // The portal's login itself is redirected: an error, not followed.
    let (_, client) = portal_client(&here, None).await;
    let err = client
        .get(format!("{}{RESOURCE}", here.uri()))
        .send()
        .await
        .unwrap_err();
    let text = middleware_error(&err).to_string();
    assert!(
        text.contains("307") && text.contains("not followed"),
        "{text}"
    );
    assert!(!text.contains(MOCK_SECRET), "{text}");

    // So is the Sign-Up.to token request (it carries the password).
    let (_, client) = sut_client(&here, Arc::new(FixedClock::from_secs(1_700_000_000)));
    let err = client
        .get(format!("{}/v1/list", here.uri()))
        .send()
        .await
        .unwrap_err();
    let inner = middleware_error(&err);
    assert!(
        matches!(inner, Error::LoginRedirected { status: 307, .. }),
        "{inner:?}"
    );
    assert!(!format!("{inner} {inner:?}").contains(MOCK_SECRET));

    assert!(
        there.received_requests().await.unwrap().is_empty(),
        "the other origin was reached"
    );
}

/// With a client that follows redirects (reqwest's default), the key does reach the
/// other origin (reqwest strips only `Authorization`): the middleware cannot stop
/// that, but it refuses the answer with an error that names the fix instead of
/// returning it as if nothing happened.
#[tokio::test]
async fn a_followed_redirect_is_reported() {
    let here = MockServer::start().await;
    let there = MockServer::start().await;
    redirect_to(&here, &there).await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200))
        .mount(&there)
        .await;
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(hmac())
        .build();
    let err = client
        .get(format!("{}/api/v1/partner/constants/countries", here.uri()))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(middleware_error(&err), Error::FollowedRedirect { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("Policy::none()"), "{err}");
    let reached = there.received_requests().await.unwrap();
    assert_eq!(reached.len(), 1);
    assert_eq!(
        reached[0].headers.get("X-Api-Key").map(|v| v.as_bytes()),
        Some(HMAC_KEY.as_bytes()),
        "the hazard this test documents: reqwest forwards X-Api-Key"
    );
}

/// No middleware's `Debug` output holds its secret.
#[test]
fn debug_output_holds_no_secret() {
    let h = format!("{:?}", hmac());
    assert!(h.contains(HMAC_KEY) && !h.contains(HMAC_SECRET), "{h}");
    let s = format!(
        "{:?}",
        SignUpToSigning::new(
            Variant::PartnerHash,
            Identity {
                pid: Some(4567),
                cid: None,
                uid: None
            },
            PARTNER_KEY
        )
        .unwrap()
    );
    assert!(!s.contains(PARTNER_KEY), "{s}");
    let p = format!(
        "{:?}",
        PortalBearer::new("https://portal.example", mock_creds()).unwrap()
    );
    assert!(!p.contains(MOCK_SECRET), "{p}");
}

/// The README's "Signing with reqwest" example is the module's doctest (which the
/// compiler checks), minus its hidden lines.
#[test]
fn the_readme_example_is_the_compiled_doctest() {
    let readme = include_str!("../README.md");
    let section = readme
        .split_once("## Signing with reqwest")
        .expect("README.md has a `## Signing with reqwest` section")
        .1;
    let block = section
        .split_once("```rust\n")
        .and_then(|(_, rest)| rest.split_once("\n```"))
        .expect("the section has a rust block")
        .0;
    let docs = include_str!("../src/middleware/mod.rs");
    let doctest: Vec<&str> = docs
        .split_once("//! ```no_run\n")
        .and_then(|(_, rest)| rest.split_once("//! ```\n"))
        .expect("src/middleware/mod.rs has a no_run example")
        .0
        .lines()
        .map(|l| {
            l.strip_prefix("//! ")
                .unwrap_or(l.trim_start_matches("//!"))
        })
        .filter(|l| !(l.starts_with("# ") || *l == "#"))
        .collect();
    assert_eq!(block, doctest.join("\n"));
}

/// A base URL that is not an absolute http(s) URL is refused when the middleware is
/// built, naming the field and an example.
#[test]
fn portal_refuses_a_base_url_that_is_not_http() {
    for bad in ["portal.example", "ftp://portal.example", ""] {
        let err = PortalBearer::new(bad, mock_creds()).unwrap_err();
        assert!(matches!(err, Error::BaseUrl { .. }), "{bad}: {err:?}");
        assert!(err.to_string().contains("https://portal.example"), "{err}");
    }
}

/// Concurrent first requests share one login (the session lock is held while logging
/// in), and all of them carry its token.
#[tokio::test]
async fn portal_concurrent_requests_share_one_login() {
    let server = MockServer::start().await;
    login_mock()
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string("\"marker-token-1\"")
                .set_delay(std::time::Duration::from_millis(200)),
        )
        .expect(1)
        .mount(&server)
        .await;
    resource_with("GET", 1)
        .respond_with(ResponseTemplate::new(200))
        .expect(8)
        .mount(&server)
        .await;
    let (m, client) = portal_client(&server, None).await;
    let url = format!("{}{RESOURCE}", server.uri());
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (client, url) = (client.clone(), url.clone());
        tasks.spawn(async move { client.get(url).send().await.unwrap().status().as_u16() });
    }
    while let Some(status) = tasks.join_next().await {
        assert_eq!(status.unwrap(), 200);
    }
    assert_eq!(m.login_count(), 1);
}
