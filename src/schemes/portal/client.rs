//! A reference async client (reqwest + tokio) for the partners portal (P5).
//!
//! - Logs in on first use and caches the token.
//! - Tracks inactivity on its injected [`Clock`] and logs in again before the server's
//!   30-minute limit, `reauth_margin` early (60 s by default).
//! - After a 401 it logs in once more and retries the request once; a 403 is returned
//!   as [`ClientError::Forbidden`] without a retry (a new token grants no permission).
//! - Concurrent requests share one login (single flight): whoever finds no usable token
//!   logs in while holding the session lock, and the others wait for that token.
//! - The secret and the token never appear in `Debug` output or errors.
//!
//! ```no_run
//! use partner_auth::schemes::portal::{LoginCredentials, client::PortalClient};
//! # async fn demo() -> Result<(), partner_auth::schemes::portal::client::ClientError> {
//! let creds = LoginCredentials::new("network_abc123", "secret_xyz789", 12345, "ana@example.pt");
//! let client = PortalClient::builder("https://portal.example", creds).build()?;
//! let resp = client.send(reqwest::Method::GET, "/API/partnersPortal/simulations", None).await?;
//! println!("{}", resp.status());
//! # Ok(()) }
//! ```

use std::sync::Arc;
use std::time::Duration;

use super::keeper::{DEFAULT_REAUTH_MARGIN, Keeper, Kept, millis};
use super::{
    Error, IDLE_TIMEOUT_MS, LOGIN_PATH, LoginCredentials, identity_headers, parse_error_body,
    parse_login_response, protected_headers,
};
use crate::{Clock, SystemClock};

/// Why a request through [`PortalClient`] failed.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The credentials cannot be sent as header values.
    #[error("the credentials are unusable: {0}")]
    Credentials(#[source] Error),
    /// The HTTP exchange itself failed (connection, TLS, timeout, a bad base URL).
    #[error("the HTTP request failed: {0}")]
    Http(#[from] reqwest::Error),
    /// The login was refused with 401: one of the three levels failed, and the server
    /// does not say which.
    #[error(
        "the portal refused the login (HTTP 401{}): check xClientID/xClientSecret (level 1: the master), that brokerID belongs to that master and has API access (level 2), and that username belongs to that broker and has API access (level 3)",
        server_says(.message)
    )]
    LoginRefused {
        /// The error body's message, if it had one.
        message: Option<String>,
    },
    /// The login answered neither 200 nor 401.
    #[error("the login answered HTTP {status}, expected 200{}", server_says(.message))]
    LoginFailed {
        /// The status.
        status: u16,
        /// The error body's message, if it had one.
        message: Option<String>,
    },
    /// The login answered 200 with a body that holds no usable token.
    #[error("the login answered 200 but {0}")]
    MalformedLoginResponse(#[source] Error),
    /// The request was refused with 401 again right after a fresh login.
    #[error(
        "the request was refused with 401 even with a fresh token{}; the session may be revoked or the identity headers rejected",
        server_says(.message)
    )]
    Unauthorized {
        /// The error body's message, if it had one.
        message: Option<String>,
    },
    /// The server answered a redirection (3xx). It is never followed: the login carries
    /// `xClientSecret` and every request the token, and reqwest would re-send them to
    /// wherever the `Location` points.
    #[error(
        "the server answered HTTP {status} redirecting to {location}; redirects are not followed (they would re-send the credentials): use the address that answers itself as the base URL"
    )]
    Redirected {
        /// The status (301, 302, 303, 307, 308…).
        status: u16,
        /// The `Location` header, or `(no Location header)`.
        location: String,
    },
    /// 403: authenticated, but the user lacks the permission for this resource. Not
    /// retried.
    #[error(
        "the user lacks permission for this resource (HTTP 403{}); ask for the permission, logging in again will not help",
        server_says(.message)
    )]
    Forbidden {
        /// The error body's message, if it had one.
        message: Option<String>,
    },
}

fn server_says(message: &Option<String>) -> String {
    match message {
        Some(m) if !m.is_empty() => format!(", the server says: {m:?}"),
        _ => String::new(),
    }
}

/// How long a [`PortalClient`] built without [`PortalClientBuilder::http_client`] waits
/// for a whole exchange, unless [`PortalClientBuilder::timeout`] says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The redirection error for a 3xx answer, `None` for any other.
fn redirected(resp: &reqwest::Response) -> Option<ClientError> {
    if !resp.status().is_redirection() {
        return None;
    }
    let location = resp.headers().get(reqwest::header::LOCATION).map_or_else(
        || "(no Location header)".to_owned(),
        |v| String::from_utf8_lossy(v.as_bytes()).into_owned(),
    );
    Some(ClientError::Redirected {
        status: resp.status().as_u16(),
        location,
    })
}

/// Builds a [`PortalClient`].
pub struct PortalClientBuilder {
    base_url: String,
    creds: LoginCredentials,
    http: Option<reqwest::Client>,
    timeout: Duration,
    clock: Arc<dyn Clock>,
    reauth_margin_ms: i64,
    idle_timeout_ms: i64,
}

impl std::fmt::Debug for PortalClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortalClientBuilder")
            .field("base_url", &self.base_url)
            .field("creds", &self.creds)
            .field("timeout", &self.timeout)
            .field("reauth_margin_ms", &self.reauth_margin_ms)
            .field("idle_timeout_ms", &self.idle_timeout_ms)
            .finish_non_exhaustive()
    }
}

impl PortalClientBuilder {
    /// The clock inactivity is measured on (the system clock by default).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// How long before the inactivity limit the client logs in again (60 s by default).
    pub fn reauth_margin(mut self, margin: Duration) -> Self {
        self.reauth_margin_ms = millis(margin);
        self
    }

    /// The server's inactivity limit (30 minutes, as the vendor documents).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout_ms = millis(timeout);
        self
    }

    /// How long one exchange (login or request) may take in all ([`DEFAULT_TIMEOUT`]
    /// by default). Ignored with [`Self::http_client`], whose own timeout applies.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The reqwest client to send with (timeouts, proxies, TLS roots). Give it a timeout
    /// and `redirect(reqwest::redirect::Policy::none())`: reqwest follows redirects by
    /// default and strips only `Authorization`, so the login's `xClientSecret` would go
    /// wherever a 307 points. A 3xx is [`ClientError::Redirected`] either way.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Checks the credentials and builds the client.
    pub fn build(self) -> Result<PortalClient, ClientError> {
        identity_headers(&self.creds).map_err(ClientError::Credentials)?;
        let http = match self.http {
            Some(h) => h,
            None => reqwest::Client::builder()
                .timeout(self.timeout)
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
        };
        let mut keeper = Keeper::new();
        keeper.clock = self.clock;
        keeper.reauth_margin_ms = self.reauth_margin_ms;
        keeper.idle_timeout_ms = self.idle_timeout_ms;
        Ok(PortalClient {
            http,
            base_url: self.base_url.trim_end_matches('/').to_owned(),
            creds: self.creds,
            keeper,
        })
    }
}

/// The partners-portal client. Share it (`Arc<PortalClient>`) between tasks: they share
/// its session and its logins.
pub struct PortalClient {
    http: reqwest::Client,
    base_url: String,
    creds: LoginCredentials,
    keeper: Keeper,
}

impl std::fmt::Debug for PortalClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortalClient")
            .field("base_url", &self.base_url)
            .field("creds", &self.creds)
            .field("reauth_margin_ms", &self.keeper.reauth_margin_ms)
            .field("idle_timeout_ms", &self.keeper.idle_timeout_ms)
            .field("logins", &self.keeper.login_count())
            .finish_non_exhaustive()
    }
}

impl PortalClient {
    /// A builder for a client of the portal at `base_url` (scheme and host, e.g.
    /// `https://portal.example`; request paths are appended to it).
    pub fn builder(base_url: impl Into<String>, creds: LoginCredentials) -> PortalClientBuilder {
        PortalClientBuilder {
            base_url: base_url.into(),
            creds,
            http: None,
            timeout: DEFAULT_TIMEOUT,
            clock: Arc::new(SystemClock),
            reauth_margin_ms: millis(DEFAULT_REAUTH_MARGIN),
            idle_timeout_ms: IDLE_TIMEOUT_MS,
        }
    }

    /// How many logins this client has attempted (refused ones included).
    pub fn login_count(&self) -> u64 {
        self.keeper.login_count()
    }

    /// Logs in now: the token, or why not (the keeper holds the session lock).
    async fn login(&self) -> Result<String, ClientError> {
        let headers = identity_headers(&self.creds).map_err(ClientError::Credentials)?;
        let mut rb = self.http.post(format!("{}{LOGIN_PATH}", self.base_url));
        for (n, v) in headers {
            rb = rb.header(n, v);
        }
        let resp = rb.send().await?;
        if let Some(e) = redirected(&resp) {
            return Err(e);
        }
        let status = resp.status().as_u16();
        let body = resp.bytes().await?;
        match status {
            200 => parse_login_response(&body).map_err(ClientError::MalformedLoginResponse),
            401 => Err(ClientError::LoginRefused {
                message: message_of(status, &body),
            }),
            _ => Err(ClientError::LoginFailed {
                status,
                message: message_of(status, &body),
            }),
        }
    }

    async fn attempt(
        &self,
        session: &Kept,
        method: &reqwest::Method,
        path: &str,
        body: Option<&[u8]>,
    ) -> Result<reqwest::Response, ClientError> {
        let headers =
            protected_headers(&self.creds, session.token()).map_err(ClientError::Credentials)?;
        let mut rb = self
            .http
            .request(method.clone(), format!("{}{path}", self.base_url));
        for (n, v) in headers {
            rb = rb.header(n, v);
        }
        if let Some(b) = body {
            rb = rb
                .header("Content-Type", "application/json")
                .body(b.to_vec());
        }
        let sent_at = self.keeper.now();
        let resp = rb.send().await?;
        if let Some(e) = redirected(&resp) {
            return Err(e);
        }
        self.keeper
            .answered(session, sent_at, resp.status().as_u16());
        Ok(resp)
    }

    /// Sends `method path` (with an optional JSON body) with the identification headers
    /// and the bearer token, logging in first when needed; after a 401, logs in again
    /// and retries once. A 403 is [`ClientError::Forbidden`]; any other status is
    /// returned as the response.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<reqwest::Response, ClientError> {
        let session = self.keeper.current(|| self.login()).await?;
        let mut resp = self
            .attempt(&session, &method, path, body.as_deref())
            .await?;
        if resp.status().as_u16() == 401 {
            let fresh = self.keeper.replace(&session, || self.login()).await?;
            resp = self.attempt(&fresh, &method, path, body.as_deref()).await?;
            if resp.status().as_u16() == 401 {
                let body = resp.bytes().await?;
                return Err(ClientError::Unauthorized {
                    message: message_of(401, &body),
                });
            }
        }
        if resp.status().as_u16() == 403 {
            let body = resp.bytes().await?;
            return Err(ClientError::Forbidden {
                message: message_of(403, &body),
            });
        }
        Ok(resp)
    }
}

fn message_of(status: u16, body: &[u8]) -> Option<String> {
    parse_error_body(status, body).ok().and_then(|e| e.message)
}
