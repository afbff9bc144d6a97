//! The partners portal under `/API/partnersPortal/`: the three-level login and a few
//! protected demo routes, answered by the reference [`Portal`] verifier.
//!
//! - `POST /API/partnersPortal/authentication` with the four identification headers
//!   (`xClientID`, `xClientSecret`, `brokerID`, `username`) answers 200 with the token
//!   as a bare JSON string, or 401 with one body whichever level failed (P2).
//! - The protected routes need the four headers plus `Authorization: Bearer <token>`
//!   (401 when a level or the token fails) and a permission (403 when the user lacks
//!   it):
//!
//! | route | permission | demo users hold it |
//! |---|---|---|
//! | `GET /API/partnersPortal/simulations` | `simulations.read` | yes |
//! | `GET /API/partnersPortal/proposals` | `proposals.read` | yes |
//! | `POST /API/partnersPortal/proposals` | `proposals.write` | yes |
//! | `GET /API/partnersPortal/commissions` | `commissions.read` | no: always 403 |
//!
//! Bodies are the reference's ([`UNAUTHORIZED_BODY`], [`FORBIDDEN_BODY`]): the same
//! 401 body for every failing level, so a caller cannot tell which level failed (which
//! client ids, brokers or users exist). With `serve --explain` only, the
//! `X-Partner-Auth-Error` header names the diagnostic reason (e.g.
//! `MASTER_SECRET_MISMATCH`), for debugging a client; without it a refusal by the
//! verifier carries no such header (the request log still records the reason). Errors
//! that name no level (`BODY_TOO_LARGE`, `METHOD_NOT_ALLOWED`, `NOT_FOUND`) always
//! carry it.
//!
//! [`UNAUTHORIZED_BODY`]: crate::schemes::portal::UNAUTHORIZED_BODY
//! [`FORBIDDEN_BODY`]: crate::schemes::portal::FORBIDDEN_BODY

use std::sync::Arc;

use axum::extract::{Request as HttpRequest, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use super::{
    Api, Credentials, CredentialsError, ERROR_HEADER, Settings, Unreadable, json_body,
    read_request, tag,
};
use crate::layer::VerifyLayer;
use crate::schemes::portal::{
    Authenticated, Directory, Portal, Reason, Response as PortalResponse, SessionConfig,
};
use crate::{Clock, Secret};

/// The scheme slug.
pub const SLUG: &str = crate::schemes::portal::SLUG;

/// Where the routes live.
pub const MOUNT: &str = "/API/partnersPortal/";

/// The permissions every user of the sandbox holds.
pub const PERMISSIONS: &[&str] = &["simulations.read", "proposals.read", "proposals.write"];

/// The protected route the probe uses by default (`simulations.read`).
pub const DEFAULT_PATH: &str = "/API/partnersPortal/simulations";

/// A protected route whose permission (`commissions.read`) no sandbox user holds.
pub const FORBIDDEN_PATH: &str = "/API/partnersPortal/commissions";

/// The partners-portal API: the `sandbox` of its schemes' entries in [`crate::registry::SCHEMES`].
pub static API: Api = Api {
    mount: MOUNT,
    demo,
    router,
};

/// `partners-portal` credentials: the three levels of one user, and a second user of
/// the same broker (the probe presents the first user's token with the second's
/// username, which must be refused: a token is bound to its identity, P4).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortalCredentials {
    /// `xClientID`: the master.
    pub client_id: String,
    /// `xClientSecret`: the master's secret.
    #[serde(deserialize_with = "secret")]
    pub client_secret: Secret,
    /// `brokerID`: a broker of that master, API access on.
    pub broker_id: u64,
    /// `username`: a user of that broker, API access on.
    pub username: String,
    /// Another user of the same broker.
    pub other_username: String,
}

fn secret<'de, D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
    String::deserialize(d).map(Secret::from)
}

fn demo() -> Vec<(&'static str, Value)> {
    vec![(
        SLUG,
        json!({
            "client_id": "network_abc123",
            "client_secret": "secret_xyz789",
            "broker_id": 12345,
            "username": "ana@example.pt",
            "other_username": "rui@example.pt"
        }),
    )]
}

/// The partners-portal verifier as a [`VerifyLayer`]'s step
/// ([`crate::layer::Authenticate`]) for routes needing one permission: the three
/// levels, `Authorization: Bearer <token>` with a live session bound to them (the use
/// slides its 30-minute expiry), then the permission. The proof is
/// [`Authenticated`]; a refusal is the reference's body, 401 whichever level failed
/// ([`UNAUTHORIZED_BODY`]) or 403 for a missing permission ([`FORBIDDEN_BODY`]). Routes
/// needing different permissions get one layer each over the same [`Portal`]:
///
/// ```
/// use std::sync::Arc;
/// use axum::{Extension, Router, routing::{get, post}};
/// use partner_auth::layer::{PartnersPortal, VerifyLayer};
/// use partner_auth::schemes::portal::{Authenticated, Directory, Portal};
/// use partner_auth::{Clock, SystemClock};
///
/// let mut directory = Directory::new();
/// directory.add_master("network_abc123", "secret_xyz789")?;
/// directory.add_broker("network_abc123", 12345, true)?;
/// directory.add_user(12345, "ana@example.pt", true, ["proposals.read", "proposals.write"])?;
/// let clock: Arc<dyn Clock> = Arc::new(SystemClock);
/// let portal = Arc::new(Portal::new(directory, clock));
/// let needs = |permission: &str| VerifyLayer::new(PartnersPortal::new(Arc::clone(&portal), permission));
///
/// async fn proposals(Extension(who): Extension<Authenticated>) -> String {
///     who.identity().username.clone()
/// }
/// let app: Router = Router::new().route(
///     "/API/partnersPortal/proposals",
///     get(proposals).layer(needs("proposals.read")).merge(post(proposals).layer(needs("proposals.write"))),
/// );
/// # Ok::<(), partner_auth::schemes::portal::Error>(())
/// ```
///
/// [`UNAUTHORIZED_BODY`]: crate::schemes::portal::UNAUTHORIZED_BODY
/// [`FORBIDDEN_BODY`]: crate::schemes::portal::FORBIDDEN_BODY
pub struct PartnersPortal {
    sessions: PortalSessions,
    permission: String,
}

impl std::fmt::Debug for PartnersPortal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartnersPortal")
            .field("sessions", &self.sessions)
            .field("permission", &self.permission)
            .finish()
    }
}

impl PartnersPortal {
    /// Requests must be authenticated by `portal` and hold `permission` (sessions in
    /// `portal`'s memory; for sessions shared by several instances, see
    /// [`PortalSessions`]).
    pub fn new(portal: Arc<Portal<Arc<dyn Clock>>>, permission: impl Into<String>) -> Self {
        PortalSessions::new(portal).require(permission)
    }

    /// Name the failing level (e.g. `MASTER_SECRET_MISMATCH`) in the
    /// `x-partner-auth-error` header of a refusal, for debugging a client. Off by
    /// default: the body is the same whichever level failed, so that a caller cannot
    /// learn which client ids, brokers or users exist.
    pub fn explain(mut self, on: bool) -> Self {
        self.sessions.explain = on;
        self
    }
}

impl crate::layer::Authenticate for PartnersPortal {
    type Proof = Authenticated;

    async fn authenticate(
        &self,
        req: &crate::Request,
        _peer: Option<std::net::IpAddr>,
    ) -> Result<Authenticated, Response> {
        let s = &self.sessions;
        #[cfg(feature = "redis")]
        if let Some(redis) = &s.redis {
            let (identity, token) = s
                .portal
                .check_bearer(req)
                .map_err(|reason| refused(reason, s.explain))?;
            let expected = identity_text(&identity);
            return match redis
                .touch_session(SESSION_KIND, token, idle(&s.portal), Some(&expected))
                .await
            {
                Err(_) => Err(unavailable()),
                Ok(None) => Err(refused(Reason::TokenUnknown, s.explain)),
                Ok(Some(t)) if !t.extended => {
                    Err(refused(Reason::TokenIdentityMismatch, s.explain))
                }
                Ok(Some(_)) => s
                    .portal
                    .authorize(identity, &self.permission)
                    .map_err(|reason| refused(reason, s.explain)),
            };
        }
        s.portal
            .authenticate(req, &self.permission)
            .map_err(|reason| refused(reason, s.explain))
    }

    fn unreadable(&self, why: Unreadable) -> Response {
        unreadable(why)
    }
}

/// A partners-portal server's sessions: the [`Portal`] (the three levels; sessions in
/// its memory) or, with [`PortalSessions::in_redis`], sessions kept in Redis so that
/// every instance of the server sees them (a token issued by one works on all, and use
/// on any slides the 30-minute expiry). It answers logins ([`PortalSessions::login`])
/// and gives one [`PartnersPortal`] layer step per permission
/// ([`PortalSessions::require`]), so that a login and the routes use one store.
///
/// ```
/// use std::sync::Arc;
/// use axum::{Router, extract::Request, routing::{get, post}};
/// use partner_auth::layer::{PortalSessions, VerifyLayer};
/// use partner_auth::schemes::portal::{Directory, Portal};
/// use partner_auth::{Clock, SystemClock};
///
/// let mut directory = Directory::new();
/// directory.add_master("network_abc123", "secret_xyz789")?;
/// directory.add_broker("network_abc123", 12345, true)?;
/// directory.add_user(12345, "ana@example.pt", true, ["simulations.read"])?;
/// let clock: Arc<dyn Clock> = Arc::new(SystemClock);
/// let sessions = PortalSessions::new(Arc::new(Portal::new(directory, clock)));
/// // With feature `redis`: `.in_redis(RedisStore::connect(url, deadline)?)` on every instance.
///
/// let login = sessions.clone();
/// let app: Router = Router::new()
///     .route(
///         "/API/partnersPortal/authentication",
///         post(move |req: Request| async move {
///             match partner_auth::serve::read_request(req, 64 * 1024).await {
///                 Ok(req) => login.login(&req).await,
///                 Err(why) => partner_auth::serve::portal::unreadable(why),
///             }
///         }),
///     )
///     .route(
///         "/API/partnersPortal/simulations",
///         get(|| async { "[]" }).layer(VerifyLayer::new(sessions.require("simulations.read"))),
///     );
/// # Ok::<(), partner_auth::schemes::portal::Error>(())
/// ```
#[derive(Clone)]
pub struct PortalSessions {
    portal: Arc<Portal<Arc<dyn Clock>>>,
    /// Name the failing level in the [`ERROR_HEADER`].
    explain: bool,
    /// Where sessions live (by digest, sliding expiry), when not in `portal`.
    #[cfg(feature = "redis")]
    redis: Option<crate::shared::RedisStore>,
}

impl std::fmt::Debug for PortalSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("PortalSessions");
        d.field("portal", &self.portal)
            .field("explain", &self.explain);
        #[cfg(feature = "redis")]
        d.field("redis", &self.redis);
        d.finish()
    }
}

impl PortalSessions {
    /// Sessions in `portal`'s memory.
    pub fn new(portal: Arc<Portal<Arc<dyn Clock>>>) -> Self {
        Self {
            portal,
            explain: false,
            #[cfg(feature = "redis")]
            redis: None,
        }
    }

    /// Name the failing level in the `x-partner-auth-error` header of a refusal (see
    /// [`PartnersPortal::explain`]), for logins and every layer it gives.
    pub fn explain(mut self, on: bool) -> Self {
        self.explain = on;
        self
    }

    /// Keep sessions in Redis, by the SHA-256 of their token, each use extending them
    /// by the portal's idle timeout; at most the portal's
    /// `max_sessions_per_identity` per identity, a new login ending the oldest. When
    /// Redis does not answer, a login or a request gets 503 `STORE_UNAVAILABLE`.
    #[cfg(feature = "redis")]
    pub fn in_redis(mut self, store: crate::shared::RedisStore) -> Self {
        self.redis = Some(store);
        self
    }

    /// The layer step for routes needing `permission`.
    pub fn require(&self, permission: impl Into<String>) -> PartnersPortal {
        PartnersPortal {
            sessions: self.clone(),
            permission: permission.into(),
        }
    }

    /// The answer to `POST /API/partnersPortal/authentication`: the three levels
    /// checked, a session opened, 200 with the token as a bare JSON string; or the one
    /// 401 body whichever level failed.
    pub async fn login(&self, req: &crate::Request) -> Response {
        #[cfg(feature = "redis")]
        if let Some(redis) = &self.redis {
            use crate::shared::{Opened, WhenFull};
            let identity = match self.portal.check_login(req) {
                Ok(i) => i,
                Err(reason) => return refused(reason, self.explain),
            };
            let token = crate::schemes::portal::SessionToken::generate();
            let opened = redis
                .open_session(
                    SESSION_KIND,
                    token.expose(),
                    &identity_text(&identity),
                    idle(&self.portal),
                    self.portal.sessions().config().max_sessions_per_identity,
                    WhenFull::EvictOldest,
                )
                .await;
            return match opened {
                Ok(Opened::Stored) => answer(
                    200,
                    crate::schemes::portal::login_response_body(token.expose()).into_bytes(),
                    None,
                ),
                Ok(Opened::Full) => refused(Reason::SessionStoreFull, self.explain),
                Err(_) => unavailable(),
            };
        }
        let (r, reason) = self.portal.handle_login(req);
        reasoned(
            answer(r.status, r.body, reason.map(Reason::code)),
            self.explain,
        )
    }
}

/// What the login route holds.
struct Sandbox {
    max_body: usize,
    sessions: PortalSessions,
}

/// The kind under which sessions are kept in Redis.
#[cfg(feature = "redis")]
const SESSION_KIND: &str = SLUG;

/// An identity as kept in Redis: the JSON array `[client_id, broker_id, username]`.
#[cfg(feature = "redis")]
fn identity_text(id: &crate::schemes::portal::Identity) -> String {
    json!([id.client_id, id.broker_id, id.username]).to_string()
}

/// 503 with the reference's body: the shared store did not answer. It names no level,
/// so the [`ERROR_HEADER`] is always sent.
#[cfg(feature = "redis")]
fn unavailable() -> Response {
    answer(
        503,
        crate::schemes::portal::UNAVAILABLE_BODY.as_bytes().to_vec(),
        Some(super::STORE_UNAVAILABLE),
    )
}

fn router(settings: &Settings, creds: &Credentials) -> Result<Router, CredentialsError> {
    let c: PortalCredentials = creds.entry(SLUG)?;
    let mut dir = Directory::new();
    // The directory's messages quote no secret; they are shown with the slug.
    let bad = |e: crate::schemes::portal::Error| creds.error(SLUG, &Value::Null, e);
    dir.add_master(c.client_id.clone(), c.client_secret.clone())
        .map_err(bad)?;
    dir.add_broker(&c.client_id, c.broker_id, true)
        .map_err(bad)?;
    for user in [&c.username, &c.other_username] {
        dir.add_user(c.broker_id, user.clone(), true, PERMISSIONS.iter().copied())
            .map_err(|e| match e {
                crate::schemes::portal::Error::DuplicateEntry { .. } => creds.error(
                    SLUG,
                    &Value::Null,
                    "`other_username` must differ from `username`",
                ),
                e => bad(e),
            })?;
    }
    let portal = Arc::new(Portal::with_sessions(
        dir,
        settings.clock.clone(),
        SessionConfig {
            idle_timeout_ms: settings.portal_idle_timeout_ms,
            ..SessionConfig::default()
        },
    ));
    #[cfg_attr(not(feature = "redis"), allow(unused_mut))]
    let mut sessions = PortalSessions::new(portal).explain(settings.explain);
    #[cfg(feature = "redis")]
    if let Some(redis) = &settings.redis {
        sessions = sessions.in_redis(redis.clone());
    }
    let needs = |permission: &'static str| {
        VerifyLayer::new(sessions.require(permission)).max_body(settings.max_body)
    };
    let state = Sandbox {
        max_body: settings.max_body,
        sessions: sessions.clone(),
    };
    Ok(Router::new()
        .route("/API/partnersPortal/authentication", any(login))
        .route(
            "/API/partnersPortal/simulations",
            get(demo_route)
                .layer(needs("simulations.read"))
                .fallback(no_route),
        )
        .route(
            "/API/partnersPortal/proposals",
            get(demo_route)
                .layer(needs("proposals.read"))
                .merge(post(demo_route).layer(needs("proposals.write")))
                .fallback(no_route),
        )
        .route(
            FORBIDDEN_PATH,
            get(demo_route)
                .layer(needs("commissions.read"))
                .fallback(no_route),
        )
        .route("/API/partnersPortal/{*rest}", any(no_route))
        .with_state(Arc::new(state)))
}

/// The session idle timeout as a Redis lifetime.
#[cfg(feature = "redis")]
fn idle(portal: &Portal<Arc<dyn Clock>>) -> std::time::Duration {
    let ms = portal.sessions().config().idle_timeout_ms.max(1);
    std::time::Duration::from_millis(ms.unsigned_abs())
}

fn answer(status: u16, body: Vec<u8>, code: Option<&'static str>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response();
    tag(&mut response, SLUG, code);
    response
}

/// A refusal by the verifier: the reference's body; its reason in the [`ERROR_HEADER`]
/// only with `explain` (the log records it either way).
fn refused(reason: Reason, explain: bool) -> Response {
    let r = PortalResponse::refusal(reason);
    reasoned(answer(r.status, r.body, Some(reason.code())), explain)
}

fn reasoned(mut response: Response, explain: bool) -> Response {
    if !explain {
        response.headers_mut().remove(ERROR_HEADER);
    }
    response
}

/// The answer to a request that cannot be read (413, 408, 400), in the portal's
/// `{"status":…,"message":…}` shape.
pub fn unreadable(u: Unreadable) -> Response {
    let body = json!({ "status": u.status.as_u16(), "message": u.message });
    let mut response = (u.status, json_body(&body)).into_response();
    tag(&mut response, SLUG, Some(u.code));
    response
}

fn message(status: StatusCode, code: &'static str, text: String) -> Response {
    let body = json!({ "status": status.as_u16(), "message": text });
    let mut response = (status, json_body(&body)).into_response();
    tag(&mut response, SLUG, Some(code));
    response
}

async fn login(State(s): State<Arc<Sandbox>>, req: HttpRequest) -> Response {
    if req.method() != Method::POST {
        return message(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "log in with POST /API/partnersPortal/authentication and the headers xClientID, xClientSecret, brokerID, username".into(),
        );
    }
    match read_request(req, s.max_body).await {
        Ok(req) => s.sessions.login(&req).await,
        Err(u) => unreadable(u),
    }
}

/// The demo routes: (method, path, permission, demo data).
fn route(method: &Method, path: &str) -> Option<(&'static str, Value)> {
    let rest = path.strip_prefix("/API/partnersPortal/")?;
    Some(match (method.as_str(), rest) {
        ("GET", "simulations") => (
            "simulations.read",
            json!([{ "id": 1, "product": "mortgage", "amount": 150000, "term_months": 360 }]),
        ),
        ("GET", "proposals") => (
            "proposals.read",
            json!([{ "id": 7, "simulation_id": 1, "state": "submitted" }]),
        ),
        ("POST", "proposals") => ("proposals.write", json!({ "id": 8, "state": "created" })),
        ("GET", "commissions") => ("commissions.read", json!([])),
        _ => return None,
    })
}

/// A method and path the sandbox does not serve (checked before any authentication).
async fn no_route(method: Method, uri: axum::http::Uri) -> Response {
    message(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        format!(
            "no partners-portal route `{method} {}`; the sandbox serves GET simulations, GET proposals, POST proposals, GET commissions under /API/partnersPortal/",
            uri.path()
        ),
    )
}

/// A demo route the layer let through: its data and who asked.
async fn demo_route(
    Extension(who): Extension<Authenticated>,
    method: Method,
    uri: axum::http::Uri,
) -> Response {
    let Some((permission, data)) = route(&method, uri.path()) else {
        return no_route(method, uri).await;
    };
    let id = who.identity();
    let body = json!({
        "data": data,
        "brokerID": id.broker_id,
        "username": id.username,
        "permission": permission,
    });
    let mut response = (StatusCode::OK, json_body(&body)).into_response();
    tag(&mut response, SLUG, None);
    response
}
