//! The reference partners-portal client against wiremock servers: token caching,
//! re-authentication before the inactivity limit (on an injected clock), one retry after
//! a 401, no retry after a 403, a refused login, and one login shared by concurrent
//! requests.

// The reqwest clients come with the `client` feature.
#![cfg(feature = "client")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use partner_auth::FixedClock;
use partner_auth::schemes::portal::client::{ClientError, PortalClient};
use partner_auth::schemes::portal::{LoginCredentials, UNAUTHORIZED_BODY};
use reqwest::Method;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

const CLIENT_ID: &str = "network_abc123";
const SECRET: &str = "marker-secret-5d1e";
const USER: &str = "ana@example.pt";
const LOGIN: &str = "/API/partnersPortal/authentication";
const RESOURCE: &str = "/API/partnersPortal/simulations";

fn creds() -> LoginCredentials {
    LoginCredentials::new(CLIENT_ID, SECRET, 12345, USER)
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

/// The login endpoint, matching the four identification headers exactly.
fn login_mock() -> wiremock::MockBuilder {
    Mock::given(method("POST"))
        .and(path(LOGIN))
        .and(header("xClientID", CLIENT_ID))
        .and(header("xClientSecret", SECRET))
        .and(header("brokerID", "12345"))
        .and(header("username", USER))
}

/// The protected resource, called with the identification headers and token `n`.
fn resource_with(n: usize) -> wiremock::MockBuilder {
    Mock::given(method("GET"))
        .and(path(RESOURCE))
        .and(header("xClientID", CLIENT_ID))
        .and(header("xClientSecret", SECRET))
        .and(header("brokerID", "12345"))
        .and(header("username", USER))
        .and(header(
            "Authorization",
            format!("Bearer marker-token-{n}").as_str(),
        ))
}

fn client(server: &MockServer, clock: Arc<FixedClock>) -> PortalClient {
    PortalClient::builder(server.uri(), creds())
        .clock(clock)
        .build()
        .unwrap()
}

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(SECRET), "{what} shows the secret: {text}");
    assert!(
        !text.contains("marker-token"),
        "{what} shows a token: {text}"
    );
}

#[tokio::test]
async fn caches_the_token_and_logs_in_again_before_the_inactivity_limit() {
    let server = MockServer::start().await;
    login_mock()
        .respond_with(Tokens(AtomicUsize::new(0)))
        .expect(2)
        .mount(&server)
        .await;
    resource_with(1)
        .respond_with(ResponseTemplate::new(200))
        .expect(2)
        .mount(&server)
        .await;
    resource_with(2)
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let clock = Arc::new(FixedClock::from_secs(1_700_000_000));
    let c = client(&server, clock.clone());

    assert_eq!(
        c.send(Method::GET, RESOURCE, None).await.unwrap().status(),
        200
    );
    // 28:59 later: inside the limit minus the 60 s margin, the cached token is used.
    clock.advance_secs(28 * 60 + 59);
    assert_eq!(
        c.send(Method::GET, RESOURCE, None).await.unwrap().status(),
        200
    );
    assert_eq!(c.login_count(), 1);
    // 29:00 after that request (the server's timer restarted with it): the margin is
    // reached, so the client logs in again instead of risking an expired token.
    clock.advance_secs(29 * 60);
    assert_eq!(
        c.send(Method::GET, RESOURCE, None).await.unwrap().status(),
        200
    );
    assert_eq!(c.login_count(), 2);
    assert_clean("client Debug", &format!("{c:?}"));
}

#[tokio::test]
async fn the_margin_is_configurable() {
    let server = MockServer::start().await;
    login_mock()
        .respond_with(Tokens(AtomicUsize::new(0)))
        .expect(2)
        .mount(&server)
        .await;
    resource_with(1)
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    resource_with(2)
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let clock = Arc::new(FixedClock::from_secs(1_700_000_000));
    let c = PortalClient::builder(server.uri(), creds())
        .clock(clock.clone())
        .reauth_margin(Duration::from_secs(5 * 60))
        .build()
        .unwrap();
    c.send(Method::GET, RESOURCE, None).await.unwrap();
    clock.advance_secs(25 * 60);
    c.send(Method::GET, RESOURCE, None).await.unwrap();
    assert_eq!(c.login_count(), 2);
}

#[tokio::test]
async fn a_401_mid_session_logs_in_again_and_retries_once() {
    let server = MockServer::start().await;
    login_mock()
        .respond_with(Tokens(AtomicUsize::new(0)))
        .expect(2)
        .mount(&server)
        .await;
    resource_with(1)
        .respond_with(ResponseTemplate::new(401).set_body_string(UNAUTHORIZED_BODY))
        .expect(1)
        .mount(&server)
        .await;
    resource_with(2)
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .expect(2)
        .mount(&server)
        .await;
    let c = client(&server, Arc::new(FixedClock::from_secs(1_700_000_000)));
    let resp = c.send(Method::GET, RESOURCE, None).await.unwrap();
    assert_eq!(resp.status(), 200);
    // The fresh token is kept.
    c.send(Method::GET, RESOURCE, None).await.unwrap();
    assert_eq!(c.login_count(), 2);
}

#[tokio::test]
async fn a_second_401_after_a_fresh_login_is_an_error_not_a_loop() {
    let server = MockServer::start().await;
    login_mock()
        .respond_with(Tokens(AtomicUsize::new(0)))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(RESOURCE))
        .respond_with(ResponseTemplate::new(401).set_body_string(UNAUTHORIZED_BODY))
        .expect(2)
        .mount(&server)
        .await;
    let c = client(&server, Arc::new(FixedClock::from_secs(1_700_000_000)));
    let err = c.send(Method::GET, RESOURCE, None).await.unwrap_err();
    assert!(matches!(err, ClientError::Unauthorized { .. }), "{err:?}");
    assert_clean("error", &format!("{err} {err:?}"));
}

#[tokio::test]
async fn a_403_is_not_retried() {
    let server = MockServer::start().await;
    login_mock()
        .respond_with(Tokens(AtomicUsize::new(0)))
        .expect(1)
        .mount(&server)
        .await;
    resource_with(1)
        .respond_with(ResponseTemplate::new(403).set_body_string(
            r#"{"status":403,"message":"Forbidden: the user lacks permission for this resource"}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server, Arc::new(FixedClock::from_secs(1_700_000_000)));
    let err = c.send(Method::GET, RESOURCE, None).await.unwrap_err();
    match &err {
        ClientError::Forbidden { message } => {
            assert_eq!(
                message.as_deref(),
                Some("Forbidden: the user lacks permission for this resource")
            );
        }
        other => panic!("expected Forbidden, got {other:?}"),
    }
    assert!(err.to_string().contains("HTTP 403"), "{err}");
    assert_eq!(c.login_count(), 1);
}

#[tokio::test]
async fn a_refused_login_is_a_clear_error_and_sends_no_request() {
    let server = MockServer::start().await;
    login_mock()
        .respond_with(ResponseTemplate::new(401).set_body_string(UNAUTHORIZED_BODY))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(RESOURCE))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let c = client(&server, Arc::new(FixedClock::from_secs(1_700_000_000)));
    let err = c.send(Method::GET, RESOURCE, None).await.unwrap_err();
    assert!(matches!(err, ClientError::LoginRefused { .. }), "{err:?}");
    let text = err.to_string();
    for needle in [
        "refused the login",
        "HTTP 401",
        "xClientSecret",
        "brokerID",
        "username",
        "API access",
    ] {
        assert!(text.contains(needle), "`{needle}` missing from: {text}");
    }
    assert_clean("error", &format!("{err} {err:?}"));
}

#[tokio::test]
async fn a_login_answering_an_object_names_what_it_found() {
    let server = MockServer::start().await;
    login_mock()
        .respond_with(
            ResponseTemplate::new(200).set_body_string(r#"{"sessionToken":"marker-token-9"}"#),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server, Arc::new(FixedClock::from_secs(1_700_000_000)));
    let err = c.send(Method::GET, RESOURCE, None).await.unwrap_err();
    assert!(
        matches!(err, ClientError::MalformedLoginResponse(_)),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("JSON object") && text.contains("`sessionToken`"),
        "{text}"
    );
    assert_clean("error", &format!("{err} {err:?}"));
}

#[tokio::test]
async fn a_login_answering_another_status_is_named() {
    let server = MockServer::start().await;
    login_mock()
        .respond_with(ResponseTemplate::new(503).set_body_string(r#"{"message":"maintenance"}"#))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server, Arc::new(FixedClock::from_secs(1_700_000_000)));
    let err = c.send(Method::GET, RESOURCE, None).await.unwrap_err();
    assert!(
        matches!(err, ClientError::LoginFailed { status: 503, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("maintenance"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_requests_share_one_login() {
    let server = MockServer::start().await;
    login_mock()
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string("\"marker-token-1\"")
                .set_delay(Duration::from_millis(200)),
        )
        .expect(1)
        .mount(&server)
        .await;
    resource_with(1)
        .respond_with(ResponseTemplate::new(200))
        .expect(20)
        .mount(&server)
        .await;
    let c = Arc::new(client(
        &server,
        Arc::new(FixedClock::from_secs(1_700_000_000)),
    ));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let c = c.clone();
        tasks.spawn(async move {
            c.send(Method::GET, RESOURCE, None)
                .await
                .map(|r| r.status())
        });
    }
    while let Some(done) = tasks.join_next().await {
        assert_eq!(done.unwrap().unwrap(), 200);
    }
    assert_eq!(c.login_count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_401s_share_one_fresh_login() {
    let server = MockServer::start().await;
    login_mock()
        .respond_with(Tokens(AtomicUsize::new(0)))
        .expect(2)
        .mount(&server)
        .await;
    // Token 1 works once, then the server forgets it.
    resource_with(1)
        .respond_with(ResponseTemplate::new(200))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    resource_with(1)
        .respond_with(ResponseTemplate::new(401).set_delay(Duration::from_millis(100)))
        .mount(&server)
        .await;
    resource_with(2)
        .respond_with(ResponseTemplate::new(200))
        .expect(10)
        .mount(&server)
        .await;
    let c = Arc::new(client(
        &server,
        Arc::new(FixedClock::from_secs(1_700_000_000)),
    ));
    // One request first, so all ten start with token 1 cached.
    c.send(Method::GET, RESOURCE, None).await.unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let c = c.clone();
        tasks.spawn(async move {
            c.send(Method::GET, RESOURCE, None)
                .await
                .map(|r| r.status())
        });
    }
    while let Some(done) = tasks.join_next().await {
        assert_eq!(done.unwrap().unwrap(), 200);
    }
    assert_eq!(c.login_count(), 2);
}

#[test]
fn no_debug_output_or_error_shows_the_secret_or_a_token() {
    use partner_auth::Request;
    use partner_auth::schemes::portal::{Directory, Portal, identity_headers};

    let c = creds();
    assert_clean("LoginCredentials Debug", &format!("{c:?} {c:#?}"));
    let mut dir = Directory::new();
    dir.add_master(CLIENT_ID, SECRET).unwrap();
    dir.add_broker(CLIENT_ID, 12345, true).unwrap();
    dir.add_user(12345, USER, true, ["read"]).unwrap();
    let duplicate = dir.add_master(CLIENT_ID, SECRET).unwrap_err();
    assert_clean("directory error", &format!("{duplicate} {duplicate:?}"));
    let clock = FixedClock::from_secs(1_700_000_000);
    let portal = Portal::new(dir, &clock);
    let mut login = Request::new("POST", LOGIN);
    for (n, v) in identity_headers(&c).unwrap() {
        login.headers.append(n, v);
    }
    assert_clean("Request Debug", &format!("{login:?}"));
    let (resp, _) = portal.handle_login(&login);
    assert_clean("Response Debug", &format!("{resp:?}"));
    let logged = portal.login(&login).unwrap();
    let token = logged.token().expose().to_owned();
    let shown = format!("{logged:?} {portal:?} {:?}", portal.sessions());
    assert!(!shown.contains(&token), "Debug shows the token: {shown}");
    assert!(!shown.contains(SECRET), "Debug shows the secret: {shown}");
    let bad = LoginCredentials::new(CLIENT_ID, format!("{SECRET}\n"), 12345, USER);
    let e = identity_headers(&bad).unwrap_err();
    assert_clean("header error", &format!("{e} {e:?}"));
}
