//! The sandbox: a local HTTP server emulating each API's authentication layer, with the
//! reference verifiers behind it and seeded demo credentials (`partner-auth serve`).
//!
//! Every API is one [`Api`] value: its mount point, its demo credentials and a function
//! building its routes. The scheme registry ([`crate::registry`]) names the API of each
//! scheme it serves (`Entry::sandbox`; Sign-Up.to's three schemes share one API), and
//! [`apis`] walks the registry, so the sandbox mounts, the `serve` banner and
//! `partner-auth schemes` all read one list. This module adds what every API shares:
//! the body-size limit, one log line per request on stderr (never a secret), and graceful
//! shutdown.
//!
//! | API | mount | schemes |
//! |---|---|---|
//! | Sign-Up.to PMAPI | `/v1/` | `signupto-hash`, `signupto-partner-hash`, `signupto-token` (`POST /v1/token`) |
//! | Partners portal | `/API/partnersPortal/` | `partners-portal` (`POST /API/partnersPortal/authentication`) |
//! | Groupcall `SendMessage_V3` | `/api/SendMessage_V3/` | `groupcall-customer` (`SMS`, `Email`), `groupcall-partner` (`PartnerRoute`) |
//! | Partner API (HMAC) | `/api/v1/partner/` | `hmac-sha256` (`GET …/constants/countries`, `POST …/leads`) |
//!
//! Every verifying API checks its requests through the public tower layer
//! ([`crate::layer::VerifyLayer`]) with its scheme's authenticator
//! ([`hmac::HmacSha256`], [`signupto::SignUpTo`], [`portal::PartnersPortal`]), which
//! reads the body within `--max-body`, answers refusals in the vendor's format and
//! hands the route its proof: a server built on those layers answers as the sandbox.
//!
//! Adding an API is one module, `src/serve/<api>.rs`, holding its credential types, its
//! demo values (keyed by the scheme modules' slug constants) and `pub static API: Api`
//! (mount, `demo`, `router`), plus `sandbox: Some(&serve::<api>::API)` in each of its
//! schemes' registry entries; the router function builds full paths under the mount (for
//! example `/api/v1/partner/…` for `hmac-sha256`, `/API/partnersPortal/…` for
//! `partners-portal`, `/api/SendMessage_V3/…` for the Groupcall schemes), reads the
//! request with [`read_request`] and tags each response with `tag` for the log.
//!
//! With `Settings::redis` (`--redis`, feature `redis`) the replay nonces, Sign-Up.to
//! tokens and portal sessions live in Redis (module `shared`), shared by every
//! instance on it; when it does not answer, a request that needs it gets 503
//! [`STORE_UNAVAILABLE`] in the scheme's envelope.
//!
//! Requests are answered in each vendor's documented envelope; a rejected request also
//! carries its stable error code in the [`ERROR_HEADER`] response header, so tools such as
//! `partner-auth probe` can grade it without parsing the message.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request as HttpRequest;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::{Clock, Request};

mod conn;
pub mod demo;
pub mod groupcall;
pub mod hmac;
pub mod portal;
pub mod signupto;

pub use conn::{
    BodyTimedOut, ConnLimits, DEFAULT_BODY_TIMEOUT, DEFAULT_HEADER_TIMEOUT, DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS, MAX_MAX_CONNECTIONS, serve_with_limits,
};
pub use demo::{Credentials, CredentialsError};

/// The response header naming the stable error code of a rejected request.
pub const ERROR_HEADER: &str = "x-partner-auth-error";

/// The default `--max-body`: 1 MiB.
pub const DEFAULT_MAX_BODY: usize = 1 << 20;

/// One vendor API's authentication layer.
#[derive(Clone, Copy)]
pub struct Api {
    /// Where its routes live, e.g. `/v1/`.
    pub mount: &'static str,
    /// Its demo credentials: one JSON object per scheme slug, for exactly the registry
    /// entries that name this API as their sandbox.
    pub demo: fn() -> Vec<(&'static str, serde_json::Value)>,
    /// Builds its routes (full paths, under `mount`) from the settings and credentials;
    /// an error names the credentials field at fault.
    pub router: fn(&Settings, &Credentials) -> Result<Router, CredentialsError>,
}

impl Api {
    /// The scheme slugs it serves, in registry order: the registry entries whose
    /// `sandbox` is this API, and the keys of its entries in a credentials file.
    pub fn schemes(&'static self) -> impl Iterator<Item = &'static str> {
        crate::registry::SCHEMES
            .iter()
            .filter(move |e| e.sandbox.is_some_and(|a| std::ptr::eq(a, self)))
            .map(|e| e.slug)
    }
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("mount", &self.mount)
            .finish_non_exhaustive()
    }
}

/// Every API the sandbox serves, each once, in the order the registry first names it
/// (`Entry::sandbox`).
pub fn apis() -> Vec<&'static Api> {
    let mut out: Vec<&'static Api> = Vec::new();
    for api in crate::registry::SCHEMES.iter().filter_map(|e| e.sandbox) {
        if !out.iter().any(|a| std::ptr::eq(*a, api)) {
            out.push(api);
        }
    }
    out
}

/// The sandbox's settings, shared by every API.
#[derive(Clone)]
pub struct Settings {
    /// On a signature mismatch, put the canonical string the server built (key line shown
    /// as `<key>`) and the likely mistake in the error body.
    pub explain: bool,
    /// Largest request body accepted, in bytes; larger ones get 413.
    pub max_body: usize,
    /// Freshness window for dates and timestamps, in seconds either side of the clock.
    pub window_secs: i64,
    /// Lifetime of issued session tokens, in seconds.
    pub token_lifetime_secs: i64,
    /// The clock the verifiers read.
    pub clock: Arc<dyn Clock>,
    /// Most nonces each replay store (HMAC-SHA256, each Sign-Up.to verifier) holds at
    /// once (it refuses beyond that, fail closed).
    pub replay_capacity: usize,
    /// Most `messageData` elements in one Groupcall request (more: 413
    /// `TOO_MANY_MESSAGES`); `--groupcall-max-messages`.
    pub groupcall_max_messages: usize,
    /// Most unexpired Sign-Up.to tokens held at once (expired ones are purged at each
    /// issue; when full, `POST /v1/token` gets 503 `TOKEN_STORE_FULL`);
    /// `--signupto-max-tokens`.
    pub signupto_max_tokens: usize,
    /// Whether Sign-Up.to token requests must carry `Date` and `X-SuT-Nonce`. The sandbox
    /// checks them only when sent, so that every real client (the PyPI `signupto` 0.1
    /// sends neither) can talk to it; the reference requires both.
    pub signupto_token_freshness: crate::schemes::signupto::TokenFreshness,
    /// Most nonces one key (or token) may hold in a replay store at once; past it that
    /// key alone is refused (fail closed) while the others go on.
    pub replay_scope_quota: usize,
    /// Answer the HMAC-SHA256 routes without verifying anything. Only for measuring what
    /// authentication costs (`benches/serve_load.rs`); the CLI has no flag for it and
    /// the default is off.
    pub skip_auth: bool,
    /// Write the one-line-per-request log on stderr (on by default; the load benchmark
    /// turns it off so that it measures the verifiers, not the terminal).
    pub log_requests: bool,
    /// A partners-portal session ends after this many milliseconds without use
    /// (default [`crate::schemes::portal::IDLE_TIMEOUT_MS`], the vendor's 30 minutes).
    pub portal_idle_timeout_ms: i64,
    /// Keep replay nonces, Sign-Up.to tokens and portal sessions in this Redis instead
    /// of in memory, so that several sandboxes share them (`--redis`; see
    /// [`crate::shared`]). Token and session expiry then slide with each use and follow
    /// Redis's clock.
    #[cfg(feature = "redis")]
    pub redis: Option<crate::shared::RedisStore>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("explain", &self.explain)
            .field("max_body", &self.max_body)
            .field("window_secs", &self.window_secs)
            .field("token_lifetime_secs", &self.token_lifetime_secs)
            .field("replay_capacity", &self.replay_capacity)
            .field("groupcall_max_messages", &self.groupcall_max_messages)
            .field("signupto_max_tokens", &self.signupto_max_tokens)
            .field("signupto_token_freshness", &self.signupto_token_freshness)
            .field("replay_scope_quota", &self.replay_scope_quota)
            .field("skip_auth", &self.skip_auth)
            .field("log_requests", &self.log_requests)
            .field("portal_idle_timeout_ms", &self.portal_idle_timeout_ms)
            .finish_non_exhaustive()
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            explain: false,
            max_body: DEFAULT_MAX_BODY,
            window_secs: crate::schemes::signupto::DEFAULT_WINDOW_SECS,
            token_lifetime_secs: 3600,
            clock: Arc::new(crate::SystemClock),
            replay_capacity: crate::replay::DEFAULT_CAPACITY,
            groupcall_max_messages: crate::schemes::groupcall::DEFAULT_MAX_MESSAGES,
            signupto_max_tokens: crate::schemes::signupto::DEFAULT_MAX_TOKENS,
            signupto_token_freshness: crate::schemes::signupto::TokenFreshness::IfSent,
            replay_scope_quota: crate::replay::DEFAULT_SCOPE_QUOTA,
            skip_auth: false,
            log_requests: true,
            portal_idle_timeout_ms: crate::schemes::portal::IDLE_TIMEOUT_MS,
            #[cfg(feature = "redis")]
            redis: None,
        }
    }
}

impl Settings {
    /// The shared nonce store when `--redis` is set: verifiers then run with a
    /// [`crate::replay::DeferredNonceStore`] and [`record`] stores the nonce there.
    pub(crate) fn shared_nonces(&self) -> Option<Arc<dyn crate::replay::AsyncNonceStore>> {
        #[cfg(feature = "redis")]
        if let Some(r) = &self.redis {
            return Some(Arc::new(r.clone()));
        }
        None
    }
}

/// What became of the nonce a verifier accepted, once recorded in the shared store.
#[derive(Debug)]
pub(crate) enum Recorded {
    /// New (or nothing to record): the request goes on.
    Fresh,
    /// Seen before, by this instance or another: refuse as the scheme's replay.
    Replayed,
    /// The store is at its bound: refuse as the scheme's full store.
    Full,
    /// The store did not answer: 503.
    Unavailable(crate::replay::Unavailable),
}

/// The record step for a verifier run inside [`crate::replay::defer`]: without a
/// captured nonce the verifier already recorded it in its own store; a nonce captured
/// (a [`crate::replay::DeferredNonceStore`]) with no shared store to record it in is
/// refused as unavailable, never accepted unrecorded.
pub(crate) async fn record(
    shared: Option<&Arc<dyn crate::replay::AsyncNonceStore>>,
    scheme: &str,
    pending: Option<crate::replay::PendingNonce>,
) -> Recorded {
    use crate::replay::{Insert, StoreError, Unavailable};
    let Some(pending) = pending else {
        // The verifier recorded the nonce in its own store (or had none to record).
        return Recorded::Fresh;
    };
    let Some(store) = shared else {
        // A verifier over a `DeferredNonceStore` with nowhere to record its nonce would
        // accept every replay: refuse instead (fail closed).
        return Recorded::Unavailable(Unavailable {
            reason: "the verifier's nonce store is a DeferredNonceStore but no shared store records its nonces (give the layer one with `record_in`, or the verifier a store of its own)".into(),
        });
    };
    match store.insert(scheme, &pending).await {
        Ok(Insert::Fresh) => Recorded::Fresh,
        Ok(Insert::Replayed) => Recorded::Replayed,
        Err(StoreError::Full(_)) => Recorded::Full,
        Err(StoreError::Unavailable(u)) => Recorded::Unavailable(u),
    }
}

/// The stable code of a request refused because the shared store did not answer.
pub const STORE_UNAVAILABLE: &str = "STORE_UNAVAILABLE";

/// What the request log records about a request, set by the API that answered it as a
/// response extension. Holds no secret by construction: two static strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The scheme slug (or the API's name when the scheme could not be told).
    pub scheme: &'static str,
    /// The stable error code, when the request was refused.
    pub code: Option<&'static str>,
}

/// Builds the whole sandbox: every API's routes, a 404 for anything else, the request log.
pub fn app(settings: &Settings, credentials: &Credentials) -> Result<Router, CredentialsError> {
    credentials.check_known()?;
    let mut router = Router::new();
    for api in apis() {
        router = router.merge((api.router)(settings, credentials)?);
    }
    let router = router.fallback(not_found);
    Ok(if settings.log_requests {
        router.layer(axum::middleware::from_fn(log_request))
    } else {
        router
    })
}

async fn not_found(req: HttpRequest) -> Response {
    let mounts: Vec<&str> = apis().iter().map(|a| a.mount).collect();
    let body = serde_json::json!({
        "error": format!(
            "no sandbox route for `{}`; the sandbox serves {}",
            req.uri().path(),
            mounts.join(", ")
        ),
    });
    let mut response = (StatusCode::NOT_FOUND, json_body(&body)).into_response();
    tag(&mut response, "sandbox", Some("NOT_FOUND"));
    response
}

/// A JSON body with its content type.
pub(crate) fn json_body(value: &serde_json::Value) -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        value.to_string(),
    )
}

/// Records the outcome for the log and, for a refusal, the [`ERROR_HEADER`].
pub(crate) fn tag(response: &mut Response, scheme: &'static str, code: Option<&'static str>) {
    if let Some(code) = code {
        response
            .headers_mut()
            .insert(ERROR_HEADER, HeaderValue::from_static(code));
    }
    response.extensions_mut().insert(Outcome { scheme, code });
}

/// Why a request could not even be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    /// 413, 408 or 400.
    pub status: StatusCode,
    /// `BODY_TOO_LARGE`, `BODY_TIMEOUT`, `BODY_UNREADABLE` or `HEADER_NOT_UTF8`.
    pub code: &'static str,
    /// Says what is wrong and the fix.
    pub message: String,
}

/// Reads the body (at most `max_body` bytes) and turns the request into a [`Request`].
pub async fn read_request(req: HttpRequest, max_body: usize) -> Result<Request, Unreadable> {
    buffer_request(req, max_body).await.map(|(_, _, r)| r)
}

/// Reads a body of at most `max_body` bytes: 413 past it, 408 when it stalls past the
/// connection's body timeout, 400 when it cannot be read.
pub(crate) async fn read_body(
    body: axum::body::Body,
    max_body: usize,
) -> Result<bytes::Bytes, Unreadable> {
    match axum::body::to_bytes(body, max_body).await {
        Ok(b) => Ok(b),
        Err(e) => {
            let too_large = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            if let Some(timed_out) = conn::body_timed_out(&e) {
                return Err(Unreadable {
                    status: StatusCode::REQUEST_TIMEOUT,
                    code: "BODY_TIMEOUT",
                    message: format!(
                        "{timed_out}; send the whole body at once, or raise the sandbox's --body-timeout"
                    ),
                });
            }
            Err(if too_large {
                Unreadable {
                    status: StatusCode::PAYLOAD_TOO_LARGE,
                    code: "BODY_TOO_LARGE",
                    message: format!(
                        "the request body is larger than {max_body} bytes, the limit of this sandbox (--max-body)"
                    ),
                }
            } else {
                Unreadable {
                    status: StatusCode::BAD_REQUEST,
                    code: "BODY_UNREADABLE",
                    message: "the request body could not be read".into(),
                }
            })
        }
    }
}

/// [`read_request`], keeping the request's parts and body bytes for the service after
/// a verifier ([`crate::layer`]).
pub(crate) async fn buffer_request(
    req: HttpRequest,
    max_body: usize,
) -> Result<(axum::http::request::Parts, bytes::Bytes, Request), Unreadable> {
    let (parts, body) = req.into_parts();
    let bytes = read_body(body, max_body).await?;
    let http = axum::http::Request::from_parts(parts, bytes);
    let request = Request::try_from(&http).map_err(|e| Unreadable {
        status: StatusCode::BAD_REQUEST,
        code: "HEADER_NOT_UTF8",
        message: e.to_string(),
    })?;
    let (parts, bytes) = http.into_parts();
    Ok((parts, bytes, request))
}

/// One line per request on stderr: method, path (never the query), status, scheme, error
/// code, duration. Nothing from headers or body is printed, so no secret can be.
async fn log_request(req: HttpRequest, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let started = monotonic_now();
    let response = next.run(req).await;
    let elapsed = monotonic_now().duration_since(started);
    let outcome = response.extensions().get::<Outcome>().copied();
    eprintln!(
        "{method} {path} {} scheme={} code={} {:.1}ms",
        response.status().as_u16(),
        outcome.map_or("-", |o| o.scheme),
        outcome.and_then(|o| o.code).unwrap_or("-"),
        elapsed.as_secs_f64() * 1000.0
    );
    response
}

/// Monotonic time for request durations only (never the time of day, which goes
/// through [`Clock`]).
#[allow(clippy::disallowed_methods)]
fn monotonic_now() -> std::time::Instant {
    std::time::Instant::now()
}

/// Serves `app` on `listener` with the default [`ConnLimits`] until `shutdown`
/// resolves, then stops accepting, lets requests in flight finish (at most `grace`), and
/// returns. See [`serve_with_limits`].
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    serve_with_limits(listener, app, shutdown, grace, ConnLimits::default()).await
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM.
///
/// On Unix the handlers are installed when this is called, not when the future is first
/// polled, so a signal that arrives between the call and the first poll (for example
/// right after the address is printed) stops the server gracefully instead of killing
/// it. Call it inside the runtime.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate()).ok();
        let int = signal(SignalKind::interrupt()).ok();
        async move {
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = wait(term) => {}
                _ = wait(int) => {}
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
