//! [`PortalBearer`]: the partners portal's identification headers and bearer token.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use http::Extensions;
use reqwest_middleware::{Middleware, Next};

use super::{Error, check_same_origin, set_headers};
use crate::schemes::portal::client::ClientError;
use crate::schemes::portal::{
    IDLE_TIMEOUT_MS, LOGIN_PATH, LoginCredentials, identity_headers, parse_error_body,
    parse_login_response, protected_headers,
};
use crate::{Clock, Secret, SystemClock};

/// The scheme slug.
const SLUG: &str = crate::schemes::portal::SLUG;

/// How long before the server's inactivity limit [`PortalBearer`] logs in again,
/// unless [`PortalBearer::reauth_margin`] says otherwise.
pub const DEFAULT_REAUTH_MARGIN: Duration = Duration::from_secs(60);

struct Session {
    token: Secret,
    generation: u64,
    /// When the last request the server counted as activity was sent (Unix ms); the
    /// server resets its timer no earlier, so this errs on the safe side.
    last_activity_ms: AtomicI64,
}

/// Adds the four identification headers (`xClientID`, `xClientSecret`, `brokerID`,
/// `username`) and `Authorization: Bearer <token>` to every request to one portal.
///
/// - Logs in (`POST /API/partnersPortal/authentication`, through the rest of the chain)
///   on the first request, and keeps the token.
/// - Measures inactivity on its [`Clock`] and logs in again before the server's
///   30-minute limit ([`IDLE_TIMEOUT_MS`]), [`DEFAULT_REAUTH_MARGIN`] early.
/// - After a 401 it logs in again and retries the request once, when the request can be
///   cloned (a streaming body cannot: the 401 is then returned). A second 401, a 403 or
///   any other status is returned as the response.
/// - Concurrent requests share one login: the session lock is held while logging in.
/// - Sends nothing to another origin than the portal's ([`Error::OtherOrigin`]).
///
/// Share it between clients with `Arc` and `ClientBuilder::with_arc`: they then share
/// the session. The secret and the token never appear in `Debug` output or errors.
pub struct PortalBearer {
    base_url: String,
    base: reqwest::Url,
    creds: LoginCredentials,
    clock: Arc<dyn Clock>,
    reauth_margin_ms: i64,
    idle_timeout_ms: i64,
    session: tokio::sync::Mutex<Option<Arc<Session>>>,
    logins: AtomicU64,
}

impl std::fmt::Debug for PortalBearer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortalBearer")
            .field("base_url", &self.base_url)
            .field("creds", &self.creds)
            .field("reauth_margin_ms", &self.reauth_margin_ms)
            .field("idle_timeout_ms", &self.idle_timeout_ms)
            .field("logins", &self.logins.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl PortalBearer {
    /// For the portal at `base_url` (scheme, host and port, e.g. `https://portal.example`;
    /// the login path is appended to it). Checks the URL and that the credentials can be
    /// sent as header values.
    pub fn new(base_url: &str, creds: LoginCredentials) -> Result<Self, Error> {
        identity_headers(&creds).map_err(|e| Error::PortalLogin(ClientError::Credentials(e)))?;
        let base_url = base_url.trim_end_matches('/').to_owned();
        let base = reqwest::Url::parse(&base_url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| Error::BaseUrl {
                scheme: SLUG,
                url: base_url.clone(),
            })?;
        Ok(Self {
            base_url,
            base,
            creds,
            clock: Arc::new(SystemClock),
            reauth_margin_ms: millis(DEFAULT_REAUTH_MARGIN),
            idle_timeout_ms: IDLE_TIMEOUT_MS,
            session: tokio::sync::Mutex::new(None),
            logins: AtomicU64::new(0),
        })
    }

    /// Measures inactivity on `clock` instead of the system clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// How long before the inactivity limit to log in again ([`DEFAULT_REAUTH_MARGIN`]).
    pub fn reauth_margin(mut self, margin: Duration) -> Self {
        self.reauth_margin_ms = millis(margin);
        self
    }

    /// The server's inactivity limit (30 minutes, as the vendor documents).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout_ms = millis(timeout);
        self
    }

    /// How many logins were attempted (refused ones included).
    pub fn login_count(&self) -> u64 {
        self.logins.load(Ordering::SeqCst)
    }

    fn usable(&self, s: &Session, now_ms: i64) -> bool {
        now_ms.saturating_sub(s.last_activity_ms.load(Ordering::SeqCst))
            < self.idle_timeout_ms.saturating_sub(self.reauth_margin_ms)
    }

    /// A token usable now: the kept one, or a fresh login (one at a time).
    async fn current(
        &self,
        next: &Next<'_>,
        extensions: &mut Extensions,
    ) -> reqwest_middleware::Result<Arc<Session>> {
        let mut slot = self.session.lock().await;
        if let Some(s) = slot
            .as_ref()
            .filter(|s| self.usable(s, self.clock.now_millis()))
        {
            return Ok(s.clone());
        }
        let generation = slot.as_ref().map_or(0, |s| s.generation);
        *slot = None;
        let fresh = self.login(next, extensions, generation).await?;
        *slot = Some(fresh.clone());
        Ok(fresh)
    }

    /// After a 401 with `stale`: a token another request fetched since, or a fresh login.
    async fn replace(
        &self,
        stale: &Session,
        next: &Next<'_>,
        extensions: &mut Extensions,
    ) -> reqwest_middleware::Result<Arc<Session>> {
        let mut slot = self.session.lock().await;
        if let Some(s) = slot
            .as_ref()
            .filter(|s| s.generation != stale.generation && self.usable(s, self.clock.now_millis()))
        {
            return Ok(s.clone());
        }
        let generation = slot.as_ref().map_or(0, |s| s.generation);
        *slot = None;
        let fresh = self.login(next, extensions, generation).await?;
        *slot = Some(fresh.clone());
        Ok(fresh)
    }

    /// Logs in now, through the rest of the chain (callers hold the session lock).
    async fn login(
        &self,
        next: &Next<'_>,
        extensions: &mut Extensions,
        previous_generation: u64,
    ) -> reqwest_middleware::Result<Arc<Session>> {
        let url = self
            .base
            .join(&format!(
                "{}{LOGIN_PATH}",
                self.base.path().trim_end_matches('/')
            ))
            .expect("a path joins an http(s) URL");
        let mut req = reqwest::Request::new(reqwest::Method::POST, url.clone());
        let headers = identity_headers(&self.creds)
            .map_err(|e| Error::PortalLogin(ClientError::Credentials(e)))?;
        set_headers(&mut req, SLUG, headers)?;
        let sent_at = self.clock.now_millis();
        self.logins.fetch_add(1, Ordering::SeqCst);
        let resp = next.clone().run(req, extensions).await?;
        check_same_origin(SLUG, &url, &resp)?;
        let status = resp.status().as_u16();
        if resp.status().is_redirection() {
            let location = resp.headers().get(reqwest::header::LOCATION).map_or_else(
                || "(no Location header)".to_owned(),
                |v| String::from_utf8_lossy(v.as_bytes()).into_owned(),
            );
            return Err(Error::PortalLogin(ClientError::Redirected { status, location }).into());
        }
        let body = resp.bytes().await?;
        let message = || parse_error_body(status, &body).ok().and_then(|e| e.message);
        match status {
            200 => {
                let token = parse_login_response(&body)
                    .map_err(|e| Error::PortalLogin(ClientError::MalformedLoginResponse(e)))?;
                Ok(Arc::new(Session {
                    token: Secret::from(token),
                    generation: previous_generation + 1,
                    last_activity_ms: AtomicI64::new(sent_at),
                }))
            }
            401 => Err(Error::PortalLogin(ClientError::LoginRefused { message: message() }).into()),
            _ => Err(Error::PortalLogin(ClientError::LoginFailed {
                status,
                message: message(),
            })
            .into()),
        }
    }

    /// Sends `req` with `session`'s token; notes the activity the server counted.
    async fn attempt(
        &self,
        session: &Session,
        mut req: reqwest::Request,
        next: &Next<'_>,
        extensions: &mut Extensions,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let token = session.token.expose_str().expect("tokens are text");
        let headers = protected_headers(&self.creds, token)
            .map_err(|e| Error::PortalLogin(ClientError::Credentials(e)))?;
        set_headers(&mut req, SLUG, headers)?;
        let sent_to = req.url().clone();
        let sent_at = self.clock.now_millis();
        let resp = next.clone().run(req, extensions).await?;
        check_same_origin(SLUG, &sent_to, &resp)?;
        let status = resp.status().as_u16();
        // Anything but a 401 or a server-side failure passed authentication and reset
        // the server's timer (a 403 included, P3).
        if status != 401 && status < 500 {
            session
                .last_activity_ms
                .fetch_max(sent_at, Ordering::SeqCst);
        }
        Ok(resp)
    }
}

#[async_trait::async_trait]
impl Middleware for PortalBearer {
    async fn handle(
        &self,
        req: reqwest::Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        if req.url().origin() != self.base.origin() {
            return Err(Error::OtherOrigin {
                scheme: SLUG,
                expected: self.base.origin().ascii_serialization(),
                got: req.url().origin().ascii_serialization(),
            }
            .into());
        }
        let retry = req.try_clone();
        let session = self.current(&next, extensions).await?;
        let resp = self.attempt(&session, req, &next, extensions).await?;
        if resp.status().as_u16() != 401 {
            return Ok(resp);
        }
        let Some(again) = retry else {
            return Ok(resp);
        };
        drop(resp);
        let fresh = self.replace(&session, &next, extensions).await?;
        self.attempt(&fresh, again, &next, extensions).await
    }
}
