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

use axum::Router;
use axum::extract::{Request as HttpRequest, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use super::{
    Api, Credentials, CredentialsError, ERROR_HEADER, Settings, Unreadable, json_body,
    read_request, tag,
};
use crate::schemes::portal::{
    Directory, Portal, Reason, Response as PortalResponse, SessionConfig,
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

struct Sandbox {
    /// Name the failing level in the [`ERROR_HEADER`] (`--explain`).
    explain: bool,
    max_body: usize,
    portal: Portal<Arc<dyn Clock>>,
    /// With `--redis`: where sessions live (by digest, sliding expiry).
    #[cfg(feature = "redis")]
    redis: Option<crate::shared::RedisStore>,
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
    let state = Sandbox {
        explain: settings.explain,
        max_body: settings.max_body,
        portal: Portal::with_sessions(
            dir,
            settings.clock.clone(),
            SessionConfig {
                idle_timeout_ms: settings.portal_idle_timeout_ms,
                ..SessionConfig::default()
            },
        ),
        #[cfg(feature = "redis")]
        redis: settings.redis.clone(),
    };
    Ok(Router::new()
        .route("/API/partnersPortal/authentication", any(login))
        .route("/API/partnersPortal/{*rest}", any(protected))
        .with_state(Arc::new(state)))
}

/// The session idle timeout as a Redis lifetime.
#[cfg(feature = "redis")]
fn idle(s: &Sandbox) -> std::time::Duration {
    let ms = s.portal.sessions().config().idle_timeout_ms.max(1);
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

fn unreadable(u: Unreadable) -> Response {
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
    let req = match read_request(req, s.max_body).await {
        Ok(r) => r,
        Err(u) => return unreadable(u),
    };
    #[cfg(feature = "redis")]
    if let Some(redis) = &s.redis {
        use crate::shared::{Opened, WhenFull};
        let identity = match s.portal.check_login(&req) {
            Ok(i) => i,
            Err(reason) => return refused(reason, s.explain),
        };
        let token = crate::schemes::portal::SessionToken::generate();
        let opened = redis
            .open_session(
                SESSION_KIND,
                token.expose(),
                &identity_text(&identity),
                idle(&s),
                s.portal.sessions().config().max_sessions_per_identity,
                WhenFull::EvictOldest,
            )
            .await;
        return match opened {
            Ok(Opened::Stored) => answer(
                200,
                crate::schemes::portal::login_response_body(token.expose()).into_bytes(),
                None,
            ),
            Ok(Opened::Full) => refused(Reason::SessionStoreFull, s.explain),
            Err(_) => unavailable(),
        };
    }
    let (r, reason) = s.portal.handle_login(&req);
    reasoned(
        answer(r.status, r.body, reason.map(Reason::code)),
        s.explain,
    )
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

async fn protected(State(s): State<Arc<Sandbox>>, req: HttpRequest) -> Response {
    let Some((permission, data)) = route(req.method(), req.uri().path()) else {
        return message(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!(
                "no partners-portal route `{} {}`; the sandbox serves GET simulations, GET proposals, POST proposals, GET commissions under /API/partnersPortal/",
                req.method(),
                req.uri().path()
            ),
        );
    };
    let req = match read_request(req, s.max_body).await {
        Ok(r) => r,
        Err(u) => return unreadable(u),
    };
    #[cfg(feature = "redis")]
    let verdict = match &s.redis {
        Some(redis) => match s.portal.check_bearer(&req) {
            Err(reason) => Err(reason),
            Ok((identity, token)) => {
                let expected = identity_text(&identity);
                match redis
                    .touch_session(SESSION_KIND, token, idle(&s), Some(&expected))
                    .await
                {
                    Err(_) => return unavailable(),
                    Ok(None) => Err(Reason::TokenUnknown),
                    Ok(Some(t)) if !t.extended => Err(Reason::TokenIdentityMismatch),
                    Ok(Some(_)) => s.portal.authorize(identity, permission),
                }
            }
        },
        None => s.portal.authenticate(&req, permission),
    };
    #[cfg(not(feature = "redis"))]
    let verdict = s.portal.authenticate(&req, permission);
    match verdict {
        Ok(who) => {
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
        Err(reason) => refused(reason, s.explain),
    }
}
