//! [`PortalBearer`]: the partners portal's identification headers and bearer token.

use std::sync::Arc;
use std::time::Duration;

use http::Extensions;
use reqwest_middleware::{Middleware, Next};

use super::{Error, check_same_origin, set_headers};
use crate::Clock;
use crate::schemes::portal::client::ClientError;
use crate::schemes::portal::keeper::{self, Keeper, Kept, millis};
use crate::schemes::portal::{
    LOGIN_PATH, LoginCredentials, identity_headers, parse_error_body, parse_login_response,
    protected_headers,
};

/// The scheme slug.
const SLUG: &str = crate::schemes::portal::SLUG;

/// How long before the server's inactivity limit [`PortalBearer`] logs in again,
/// unless [`PortalBearer::reauth_margin`] says otherwise.
pub const DEFAULT_REAUTH_MARGIN: Duration = keeper::DEFAULT_REAUTH_MARGIN;

/// Adds the four identification headers (`xClientID`, `xClientSecret`, `brokerID`,
/// `username`) and `Authorization: Bearer <token>` to every request to one portal.
///
/// - Logs in (`POST /API/partnersPortal/authentication`, through the rest of the chain)
///   on the first request, and keeps the token.
/// - Measures inactivity on its [`Clock`] and logs in again before the server's
///   30-minute limit ([`IDLE_TIMEOUT_MS`](crate::schemes::portal::IDLE_TIMEOUT_MS)), [`DEFAULT_REAUTH_MARGIN`] early.
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
    keeper: Keeper,
}

impl std::fmt::Debug for PortalBearer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortalBearer")
            .field("base_url", &self.base_url)
            .field("creds", &self.creds)
            .field("reauth_margin_ms", &self.keeper.reauth_margin_ms)
            .field("idle_timeout_ms", &self.keeper.idle_timeout_ms)
            .field("logins", &self.keeper.login_count())
            .finish_non_exhaustive()
    }
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
            keeper: Keeper::new(),
        })
    }

    /// Measures inactivity on `clock` instead of the system clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.keeper.clock = clock;
        self
    }

    /// How long before the inactivity limit to log in again ([`DEFAULT_REAUTH_MARGIN`]).
    pub fn reauth_margin(mut self, margin: Duration) -> Self {
        self.keeper.reauth_margin_ms = millis(margin);
        self
    }

    /// The server's inactivity limit (30 minutes, as the vendor documents).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.keeper.idle_timeout_ms = millis(timeout);
        self
    }

    /// How many logins were attempted (refused ones included).
    pub fn login_count(&self) -> u64 {
        self.keeper.login_count()
    }

    /// Logs in now, through the rest of the chain (callers hold the session lock).
    async fn login(
        &self,
        next: &Next<'_>,
        extensions: &mut Extensions,
    ) -> reqwest_middleware::Result<String> {
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
            200 => Ok(parse_login_response(&body)
                .map_err(|e| Error::PortalLogin(ClientError::MalformedLoginResponse(e)))?),
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
        session: &Kept,
        mut req: reqwest::Request,
        next: &Next<'_>,
        extensions: &mut Extensions,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let headers = protected_headers(&self.creds, session.token())
            .map_err(|e| Error::PortalLogin(ClientError::Credentials(e)))?;
        set_headers(&mut req, SLUG, headers)?;
        let sent_to = req.url().clone();
        let sent_at = self.keeper.now();
        let resp = next.clone().run(req, extensions).await?;
        check_same_origin(SLUG, &sent_to, &resp)?;
        self.keeper
            .answered(session, sent_at, resp.status().as_u16());
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
        let session = self
            .keeper
            .current(|| self.login(&next, extensions))
            .await?;
        let resp = self.attempt(&session, req, &next, extensions).await?;
        if resp.status().as_u16() != 401 {
            return Ok(resp);
        }
        let Some(again) = retry else {
            return Ok(resp);
        };
        drop(resp);
        let fresh = self
            .keeper
            .replace(&session, || self.login(&next, extensions))
            .await?;
        self.attempt(&fresh, again, &next, extensions).await
    }
}
