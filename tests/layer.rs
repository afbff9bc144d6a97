//! The tower layers (`partner_auth::layer`): the README's example app run as written,
//! each scheme's authenticator in front of a handler, refusals in the vendor's formats,
//! the body limit, and the inner service never reached by a refused request.
//!
//! Signatures are computed here with the `hmac`, `sha2` and `sha1` crates over strings
//! written out by hand (the Sign-Up.to one is also the cross-checked signature of
//! vector `signupto-hash/sign/001`), never with the crate's signers.
#![cfg(feature = "cli")]

// layer-example: begin
use std::sync::Arc;

use axum::{Extension, Router, routing::post};
use partner_auth::layer::{HmacSha256, VerifyLayer};
use partner_auth::replay::NonceStore;
use partner_auth::schemes::hmac::{KeyDirectory, KeyRecord, ShardedNonceStore, Verified, Verifier};
use partner_auth::{Clock, SystemClock};

async fn create_lead(Extension(who): Extension<Verified>, body: String) -> String {
    format!("lead from {}: {body}", who.api_key())
}

fn app() -> Result<Router, Box<dyn std::error::Error>> {
    let mut keys = KeyDirectory::new();
    keys.insert(
        "pk_live_4f2a9c7e1b3d",
        KeyRecord::new("sk_live_9b1e7d3c5a0f4e8d")?,
    )?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let nonces: Arc<dyn NonceStore> = Arc::new(ShardedNonceStore::default());
    let verifier = Verifier::new(keys, clock, nonces);
    Ok(Router::new()
        .route("/api/v1/partner/leads", post(create_lead))
        .layer(VerifyLayer::new(HmacSha256::new(verifier)).max_body(64 * 1024)))
}
// layer-example: end

use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::Response;
use base64::Engine;
use hmac::{KeyInit, Mac};
use partner_auth::FixedClock;
use partner_auth::layer::{PartnersPortal, SignUpTo, SignUpToVerified};
use partner_auth::schemes::portal::{
    Authenticated, Directory, FORBIDDEN_BODY, Portal, UNAUTHORIZED_BODY,
};
use partner_auth::schemes::signupto::{self, ApiKey, AuthScheme, Variant};
use serde_json::Value;
use sha1::Digest;
use tower::{ServiceBuilder, ServiceExt};

const API_KEY: &str = "pk_live_4f2a9c7e1b3d";
const SECRET: &str = "sk_live_9b1e7d3c5a0f4e8d";

/// `Base64(HMAC-SHA256(secret, METHOD\nPATH\nTIMESTAMP\nNONCE\nBODY))`, the vendor page's
/// formula, with the RustCrypto crates directly.
fn hmac_signature(
    secret: &str,
    method: &str,
    path: &str,
    ts: i64,
    nonce: &str,
    body: &[u8],
) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{method}\n{path}\n{ts}\n{nonce}\n").as_bytes());
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn hmac_request(
    method: &str,
    path: &str,
    ts: i64,
    nonce: &str,
    body: &str,
    signature: &str,
) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header("X-Api-Key", API_KEY)
        .header("X-Timestamp", ts.to_string())
        .header("X-Nonce", nonce)
        .header("Authorization", format!("HMAC-SHA256 {signature}"))
        .header("Content-Type", "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

fn signed_lead(ts: i64, nonce: &str, body: &str) -> Request<Body> {
    let path = "/api/v1/partner/leads";
    let sig = hmac_signature(SECRET, "POST", path, ts, nonce, body.as_bytes());
    hmac_request("POST", path, ts, nonce, body, &sig)
}

async fn text(response: Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

async fn json(response: Response) -> Value {
    serde_json::from_str(&text(response).await).unwrap()
}

fn error_header(response: &Response) -> Option<String> {
    response
        .headers()
        .get("x-partner-auth-error")
        .map(|v| v.to_str().unwrap().to_owned())
}

/// A GA20xx refusal: the vendor page's envelope, its code, message and status.
async fn assert_envelope(response: Response, status: StatusCode, code: &str, message: &str) {
    assert_eq!(response.status(), status, "{code}");
    assert_eq!(error_header(&response).as_deref(), Some(code));
    let body = json(response).await;
    assert_eq!(body["version"], "2.0.0", "{body}");
    assert_eq!(body["success"], false, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["message"], message, "{body}");
    assert!(body["timestamp"].is_i64(), "{body}");
    assert_eq!(body["data"], Value::Null, "{body}");
}

#[test]
fn the_readme_block_is_the_one_this_file_runs() {
    let readme = include_str!("../README.md");
    let block = readme
        .split("<!-- layer-example:")
        .nth(1)
        .and_then(|rest| rest.split("```rust\n").nth(1))
        .and_then(|rest| rest.split("\n```").next())
        .expect("README.md has a layer-example block");
    let here = include_str!("layer.rs");
    let ours = here
        .split("// layer-example: begin\n")
        .nth(1)
        .and_then(|rest| rest.split("\n// layer-example: end").next())
        .unwrap();
    assert_eq!(
        block, ours,
        "README.md's layer example differs from tests/layer.rs"
    );
}

#[tokio::test]
async fn the_readme_app_passes_a_signed_request_with_its_body_and_proof_once() {
    let app = app().unwrap();
    let now = SystemClock.now_secs();
    let body = r#"{"name":"Ana"}"#;
    let response = app
        .clone()
        .oneshot(signed_lead(now, "nonce-readme-1", body))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(text(response).await, format!("lead from {API_KEY}: {body}"));

    // The same signed request again: a replay, GA2014, before the handler.
    let again = app
        .clone()
        .oneshot(signed_lead(now, "nonce-readme-1", body))
        .await
        .unwrap();
    assert_envelope(
        again,
        StatusCode::UNAUTHORIZED,
        "GA2014",
        "Nonce already used",
    )
    .await;
}

#[tokio::test]
async fn the_readme_app_refuses_in_the_vendor_envelope() {
    let app = app().unwrap();
    let now = SystemClock.now_secs();
    let path = "/api/v1/partner/leads";

    // Signed over another body than the one sent.
    let sig = hmac_signature(SECRET, "POST", path, now, "n-2", br#"{"name":"Rui"}"#);
    let tampered = hmac_request("POST", path, now, "n-2", r#"{"name":"Ana"}"#, &sig);
    let response = app.clone().oneshot(tampered).await.unwrap();
    assert_envelope(
        response,
        StatusCode::UNAUTHORIZED,
        "GA2012",
        "Signature verification failed",
    )
    .await;

    // Outside the ±60 s window.
    let stale = signed_lead(now - 61, "n-3", "{}");
    let response = app.clone().oneshot(stale).await.unwrap();
    assert_eq!(error_header(&response).as_deref(), Some("GA2013"));

    // No X-Api-Key at all.
    let mut bare = signed_lead(now, "n-4", "{}");
    bare.headers_mut().remove("X-Api-Key");
    let response = app.clone().oneshot(bare).await.unwrap();
    assert_envelope(
        response,
        StatusCode::UNAUTHORIZED,
        "GA2001",
        "Missing X-Api-Key",
    )
    .await;

    // A body past the layer's 64 KiB: 413 in the same envelope, before any check.
    let big = "x".repeat(64 * 1024 + 1);
    let response = app
        .clone()
        .oneshot(signed_lead(now, "n-5", &big))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_header(&response).as_deref(), Some("BODY_TOO_LARGE"));
    let body = json(response).await;
    assert_eq!(body["success"], false, "{body}");
    assert_eq!(body["version"], "2.0.0", "{body}");

    // Exactly at the limit it is read and verified.
    let edge = "x".repeat(64 * 1024);
    let response = app.oneshot(signed_lead(now, "n-6", &edge)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_plain_tower_service_behind_the_layer_sees_only_verified_requests() {
    let mut keys = KeyDirectory::new();
    keys.insert(API_KEY, KeyRecord::new(SECRET).unwrap())
        .unwrap();
    let clock: Arc<dyn Clock> = Arc::new(FixedClock::from_secs(1_709_337_600));
    let nonces: Arc<dyn NonceStore> = Arc::new(ShardedNonceStore::default());
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    let service = ServiceBuilder::new()
        .layer(VerifyLayer::new(HmacSha256::new(Verifier::new(
            keys, clock, nonces,
        ))))
        .service_fn(move |req: Request<Body>| {
            let seen = Arc::clone(&seen);
            async move {
                seen.fetch_add(1, Ordering::SeqCst);
                let who = req.extensions().get::<Verified>().cloned();
                let body = axum::body::to_bytes(req.into_body(), 1024).await.unwrap();
                let answer = format!(
                    "{}|{}",
                    who.map_or("-".into(), |v| v.api_key().to_owned()),
                    String::from_utf8_lossy(&body)
                );
                Ok::<_, std::convert::Infallible>(Response::new(Body::from(answer)))
            }
        });
    // The layer takes any body type: here a `String` one.
    let path = "/api/v1/partner/leads";
    let make = |nonce: &str, signed_body: &str, sent_body: &str| {
        let sig = hmac_signature(
            SECRET,
            "POST",
            path,
            1_709_337_600,
            nonce,
            signed_body.as_bytes(),
        );
        Request::builder()
            .method("POST")
            .uri(path)
            .header("X-Api-Key", API_KEY)
            .header("X-Timestamp", "1709337600")
            .header("X-Nonce", nonce)
            .header("Authorization", format!("HMAC-SHA256 {sig}"))
            .body(sent_body.to_owned())
            .unwrap()
    };
    let ok = service
        .clone()
        .oneshot(make("a", "{}", "{}"))
        .await
        .unwrap();
    assert_eq!(text(ok).await, format!("{API_KEY}|{{}}"));
    let refused = service
        .clone()
        .oneshot(make("b", "{}", "{ }"))
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let replayed = service
        .clone()
        .oneshot(make("a", "{}", "{}"))
        .await
        .unwrap();
    assert_eq!(error_header(&replayed).as_deref(), Some("GA2014"));
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "refused requests reached the inner service"
    );
}

/// The Hash example of vector `signupto-hash/sign/001` (the page's example client).
const SUT_DATE: &str = "Sat, 09 Sep 1989 11:00:00 GMT";
const SUT_NONCE: &str = "0123456789abcdef0123456789abcdef01234567";
const SUT_KEY: &str = "2b2d77e014a30792d5048e262e306783";

fn signupto_app(calls: Arc<AtomicUsize>) -> Router {
    let mut keys = signupto::KeyDirectory::new();
    keys.insert(7654321, ApiKey::new(Variant::Hash, SUT_KEY).unwrap());
    // 621342060 is the Date of the example, 1989-09-09T11:01:00Z.
    let clock: Arc<dyn Clock> = Arc::new(FixedClock::from_secs(621_342_060));
    let nonces: Arc<dyn NonceStore> = Arc::new(partner_auth::InMemoryNonceStore::default());
    let auth =
        SignUpTo::new().verifier(signupto::Verifier::new(Variant::Hash, keys, clock, nonces));
    Router::new()
        .route(
            "/v1/list",
            axum::routing::get(
                move |Extension(who): Extension<SignUpToVerified>| async move {
                    calls.fetch_add(1, Ordering::SeqCst);
                    let id = who.identity();
                    format!("{:?} {:?} {:?}", who.scheme(), id.cid, id.uid)
                },
            ),
        )
        .layer(VerifyLayer::new(auth))
}

fn sut_request(authorization: &str) -> Request<Body> {
    Request::builder()
        .uri("/v1/list")
        .header("Date", SUT_DATE)
        .header("X-SuT-CID", "7654321")
        .header("X-SuT-UID", "23456789")
        .header("X-SuT-Nonce", SUT_NONCE)
        .header("Authorization", authorization)
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn sign_up_to_hash_behind_the_layer_and_its_refusals() {
    let canonical = format!(
        "GET /v1/list\r\nDate: {SUT_DATE}\r\nX-SuT-CID: 7654321\r\nX-SuT-UID: 23456789\r\nX-SuT-Nonce: {SUT_NONCE}\r\n{SUT_KEY}"
    );
    let digest = sha1::Sha1::digest(canonical.as_bytes());
    let signature: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        signature, "2c5a5886f00792f09f945d7a6df46e3622bbb678",
        "vector signupto-hash/sign/001"
    );
    let calls = Arc::new(AtomicUsize::new(0));
    let app = signupto_app(Arc::clone(&calls));

    let hash = format!("SuTHash signature=\"{signature}\"");
    let response = app.clone().oneshot(sut_request(&hash)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        text(response).await,
        format!("{:?} Some(7654321) Some(23456789)", AuthScheme::Hash)
    );

    // Refusals: the vendor's error envelope, 401, the code in the header.
    let mut flipped = signature.clone();
    flipped.replace_range(39.., if signature.ends_with('8') { "9" } else { "8" });
    for (authorization, code) in [
        (hash.clone(), "NONCE_REPLAYED"),
        (
            format!("SuTHash signature=\"{flipped}\""),
            "SIGNATURE_MISMATCH",
        ),
        (format!("SuTToken {}", "A".repeat(96)), "WRONG_SCHEME"),
    ] {
        let response = app
            .clone()
            .oneshot(sut_request(&authorization))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{code}");
        assert_eq!(error_header(&response).as_deref(), Some(code));
        let body = json(response).await;
        assert_eq!(body["status"], "error", "{body}");
        assert_eq!(body["response"]["code"], 401, "{body}");
        assert!(body["response"]["message"].is_string(), "{body}");
        assert_eq!(body["response"]["subcode"], Value::Null, "{body}");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

fn portal_app(explain: bool) -> (Arc<Portal<Arc<dyn Clock>>>, Router) {
    let mut directory = Directory::new();
    directory
        .add_master("network_abc123", "secret_xyz789")
        .unwrap();
    directory.add_broker("network_abc123", 12345, true).unwrap();
    directory
        .add_user(12345, "ana@example.pt", true, ["proposals.read"])
        .unwrap();
    let clock: Arc<dyn Clock> = Arc::new(FixedClock::from_secs(1_765_000_000));
    let portal = Arc::new(Portal::new(directory, clock));
    let needs = |permission: &str| {
        VerifyLayer::new(PartnersPortal::new(Arc::clone(&portal), permission).explain(explain))
    };
    let who =
        |Extension(who): Extension<Authenticated>| async move { who.identity().username.clone() };
    let app = Router::new()
        .route(
            "/API/partnersPortal/proposals",
            axum::routing::get(who).layer(needs("proposals.read")),
        )
        .route(
            "/API/partnersPortal/commissions",
            axum::routing::get(who).layer(needs("commissions.read")),
        );
    (portal, app)
}

fn portal_request(path: &str, secret: &str, token: &str) -> Request<Body> {
    Request::builder()
        .uri(path)
        .header("xClientID", "network_abc123")
        .header("xClientSecret", secret)
        .header("brokerID", "12345")
        .header("username", "ana@example.pt")
        .header("Authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn partners_portal_behind_one_layer_per_permission() {
    for explain in [false, true] {
        let (portal, app) = portal_app(explain);
        let login = partner_auth::Request::new("POST", "/API/partnersPortal/authentication")
            .header("xClientID", "network_abc123")
            .header("xClientSecret", "secret_xyz789")
            .header("brokerID", "12345")
            .header("username", "ana@example.pt");
        let session = portal.login(&login).unwrap();
        let token = session.token().expose().to_owned();

        let ok = app
            .clone()
            .oneshot(portal_request(
                "/API/partnersPortal/proposals",
                "secret_xyz789",
                &token,
            ))
            .await
            .unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(text(ok).await, "ana@example.pt");

        let forbidden = app
            .clone()
            .oneshot(portal_request(
                "/API/partnersPortal/commissions",
                "secret_xyz789",
                &token,
            ))
            .await
            .unwrap();
        assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
        assert_eq!(text(forbidden).await, FORBIDDEN_BODY);

        // A wrong master secret: the one 401 body; the level named only with explain.
        let refused = app
            .clone()
            .oneshot(portal_request(
                "/API/partnersPortal/proposals",
                "wrong",
                &token,
            ))
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        let header = error_header(&refused);
        assert_eq!(text(refused).await, UNAUTHORIZED_BODY);
        assert_eq!(
            header.as_deref(),
            explain.then_some("MASTER_SECRET_MISMATCH")
        );
    }
}

/// The README's app on a real socket, called through the HMAC-SHA256 reqwest
/// middleware: the layer and the middleware agree end to end.
#[tokio::test]
async fn the_readme_app_on_a_socket_answers_the_signing_middleware() {
    use partner_auth::middleware::reqwest_middleware::ClientBuilder;
    use partner_auth::middleware::{HmacSigning, http_client};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(partner_auth::serve::serve(
        listener,
        app().unwrap(),
        async {
            let _ = stopped.await;
        },
        std::time::Duration::from_secs(1),
    ));
    let signer = partner_auth::schemes::hmac::Signer::new(API_KEY, SECRET).unwrap();
    let client = ClientBuilder::new(http_client().unwrap())
        .with(HmacSigning::new(signer))
        .build();
    let response = client
        .post(format!("http://{addr}/api/v1/partner/leads"))
        .body(r#"{"name":"Ana"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.text().await.unwrap(),
        format!("lead from {API_KEY}: {{\"name\":\"Ana\"}}")
    );
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

/// Two instances of a user's server (two layered apps in one process) recording their
/// nonces in one shared store: a request accepted by one is a replay on the other.
/// Without `record_in`, a verifier whose store defers its nonces refuses (503) rather
/// than accept every replay.
#[tokio::test]
async fn record_in_shares_nonces_between_instances_and_a_deferred_store_alone_fails_closed() {
    use partner_auth::replay::{AsyncNonceStore, DeferredNonceStore, Local};
    let shared: Arc<dyn AsyncNonceStore> = Arc::new(Local(ShardedNonceStore::default()));
    let clock: Arc<dyn Clock> = Arc::new(FixedClock::from_secs(1_709_337_600));
    let instance = |record: Option<Arc<dyn AsyncNonceStore>>| {
        let mut keys = KeyDirectory::new();
        keys.insert(API_KEY, KeyRecord::new(SECRET).unwrap())
            .unwrap();
        let deferred: Arc<dyn NonceStore> = Arc::new(DeferredNonceStore);
        let mut auth = HmacSha256::new(Verifier::new(keys, Arc::clone(&clock), deferred));
        if let Some(store) = record {
            auth = auth.record_in(store);
        }
        Router::new()
            .route("/api/v1/partner/leads", post(create_lead))
            .layer(VerifyLayer::new(auth))
    };
    let (a, b) = (
        instance(Some(Arc::clone(&shared))),
        instance(Some(Arc::clone(&shared))),
    );
    let ok = a
        .oneshot(signed_lead(1_709_337_600, "shared-1", "{}"))
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let replay = b
        .oneshot(signed_lead(1_709_337_600, "shared-1", "{}"))
        .await
        .unwrap();
    assert_envelope(
        replay,
        StatusCode::UNAUTHORIZED,
        "GA2014",
        "Nonce already used",
    )
    .await;

    let alone = instance(None);
    for _ in 0..2 {
        let response = alone
            .clone()
            .oneshot(signed_lead(1_709_337_600, "alone-1", "{}"))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            error_header(&response).as_deref(),
            Some("STORE_UNAVAILABLE")
        );
    }
}

/// The authenticators and layers print no secret, key or password in `Debug`.
#[test]
fn debug_output_of_the_layers_shows_no_secret() {
    let mut keys = KeyDirectory::new();
    keys.insert(API_KEY, KeyRecord::new(SECRET).unwrap())
        .unwrap();
    let clock: Arc<dyn Clock> = Arc::new(FixedClock::from_secs(1));
    let nonces: Arc<dyn NonceStore> = Arc::new(ShardedNonceStore::default());
    let hmac = VerifyLayer::new(
        HmacSha256::new(Verifier::new(keys, Arc::clone(&clock), nonces)).explain(true),
    );

    let mut sut_keys = signupto::KeyDirectory::new();
    sut_keys.insert(7654321, ApiKey::new(Variant::Hash, SUT_KEY).unwrap());
    let sut_nonces: Arc<dyn NonceStore> = Arc::new(partner_auth::InMemoryNonceStore::default());
    let sut = SignUpTo::new().verifier(signupto::Verifier::new(
        Variant::Hash,
        sut_keys,
        Arc::clone(&clock),
        sut_nonces,
    ));

    let (portal, _) = portal_app(true);
    let portal = PartnersPortal::new(portal, "proposals.read");

    let shown = format!(
        "{hmac:?} {:?} {sut:?} {portal:?} {:#?}",
        hmac.authenticator(),
        portal
    );
    for secret in [SECRET, SUT_KEY, "secret_xyz789"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(
        shown.contains("HmacSha256") && shown.contains("PartnersPortal"),
        "{shown}"
    );
}

/// A second form of the scheme (its own header names, token and string to sign) behind
/// the same layer: its requests pass, the default form's are refused by its checks.
#[derive(Clone, Copy, Debug, Default)]
struct Acme;

impl partner_auth::schemes::hmac::Form for Acme {
    const AUTH_SCHEME: &'static str = "ACME-HMAC";
    const HEADERS: [&'static str; 4] = ["X-Key", "X-Signature", "X-Time", "X-Request-Id"];
    const API_KEY: http::HeaderName = http::HeaderName::from_static("x-key");
    const SIGNATURE: http::HeaderName = http::HeaderName::from_static("x-signature");
    const TIMESTAMP: http::HeaderName = http::HeaderName::from_static("x-time");
    const NONCE: http::HeaderName = http::HeaderName::from_static("x-request-id");
    type Pieces<'a> = [&'a [u8]; 9];
    fn pieces<'a>(p: &partner_auth::schemes::hmac::Parts<'a>) -> [&'a [u8]; 9] {
        let bar: &[u8] = b"|";
        [
            p.timestamp.as_bytes(),
            bar,
            p.nonce.as_bytes(),
            bar,
            p.method.as_bytes(),
            bar,
            p.path.as_bytes(),
            bar,
            p.body,
        ]
    }
}

#[tokio::test]
async fn a_second_hmac_form_goes_behind_the_same_layer() {
    use partner_auth::schemes::hmac::Form;
    assert!(Acme::names_agree());
    let mut keys = KeyDirectory::new();
    keys.insert(API_KEY, KeyRecord::new(SECRET).unwrap())
        .unwrap();
    let clock: Arc<dyn Clock> = Arc::new(FixedClock::from_secs(1_709_337_600));
    let nonces: Arc<dyn NonceStore> = Arc::new(ShardedNonceStore::default());
    let auth = HmacSha256::with_form(Verifier::with_form(Acme, keys, clock, nonces));
    let app = Router::new()
        .route("/api/v1/partner/leads", post(create_lead))
        .layer(VerifyLayer::new(auth));

    // TIMESTAMP|NONCE|METHOD|PATH|BODY, signed with the RustCrypto crates directly.
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(b"1709337600|acme-1|POST|/api/v1/partner/leads|{}");
    let sig = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let acme = Request::builder()
        .method("POST")
        .uri("/api/v1/partner/leads")
        .header("X-Key", API_KEY)
        .header("X-Time", "1709337600")
        .header("X-Request-Id", "acme-1")
        .header("X-Signature", format!("ACME-HMAC {sig}"))
        .body(Body::from("{}"))
        .unwrap();
    let ok = app.clone().oneshot(acme).await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(text(ok).await, format!("lead from {API_KEY}: {{}}"));

    // The partner API's own form carries no `X-Key`: GA2001, in the vendor's envelope.
    let default_form = signed_lead(1_709_337_600, "acme-2", "{}");
    let refused = app.oneshot(default_form).await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_header(&refused).as_deref(), Some("GA2001"));
    assert_eq!(json(refused).await["code"], "GA2001");
}
