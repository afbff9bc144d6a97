//! [`reqwest_middleware`] middlewares that sign outgoing requests (feature `client`).
//!
//! | middleware | scheme | what it adds to each request |
//! |---|---|---|
//! | [`HmacSigning`] | `hmac-sha256` | `X-Api-Key`, `X-Timestamp`, `X-Nonce`, `Authorization: HMAC-SHA256 …` over method, path (never the query, H1), time, nonce and the body bytes |
//! | [`SignUpToSigning`] | `signupto-hash`, `signupto-partner-hash` | `Date`, `X-SuT-PID`/`CID`/`UID`, `X-SuT-Nonce`, `Authorization: SuTHash`/`SuTPartner signature="…"` over method, path (never the query nor the body, S1) |
//! | [`SignUpToToken`] | `signupto-token` | `Date`, `X-SuT-Nonce`, `Authorization: SuTToken <token>`; with [`SignUpToToken::login`], asking for the token lazily, again before its expiry, and once more (with one retry) after a 401 |
//! | [`PortalBearer`] | `partners-portal` | the four identification headers and `Authorization: Bearer <token>`, logging in lazily, again before the 30-minute inactivity limit, and once more (with one retry) after a 401 |
//!
//! Each request is signed as it leaves: its method, its URL's path (and query, for the
//! schemes that sign it: none of these does) exactly as reqwest puts them on the request
//! line, a fresh nonce and the time of an injectable [`Clock`] (the system clock by
//! default). HMAC-SHA256 signs the body: a streaming body (`reqwest::Body::wrap_stream`)
//! cannot be read without consuming it, so that middleware refuses it with
//! [`Error::StreamingBody`] instead of signing the wrong bytes. The Sign-Up.to schemes
//! never sign the body, so any body goes.
//!
//! # Redirects
//!
//! Every one of these headers is a credential, and reqwest, when it follows a redirect,
//! strips only `Authorization`, `Cookie` and `Proxy-Authorization` (and only when the
//! origin changes): the
//! `X-Api-Key` or the portal's `xClientSecret` would go wherever the `Location` points.
//! Build the client with [`http_client`] (or your own with
//! `redirect(reqwest::redirect::Policy::none())`): a 3xx is then handed back as the
//! response, never followed. If a client that follows redirects is used anyway, the
//! middlewares notice that the answer came from another origin and return
//! [`Error::FollowedRedirect`] (too late to unsend the headers, but never silently).
//! [`PortalBearer`] also refuses to send anything to an origin other than the one it was
//! built for ([`Error::OtherOrigin`]).
//!
//! # Example
//!
//! ```no_run
//! use partner_auth::middleware::{HmacSigning, PortalBearer, http_client};
//! use partner_auth::schemes::hmac::Signer;
//! use partner_auth::schemes::portal::LoginCredentials;
//! use partner_auth::middleware::reqwest_middleware::ClientBuilder;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! // HMAC-SHA256: every request through `client` is signed.
//! let signer = Signer::new("pk_demo_4f1c2b7e", "sk_demo_9a8b7c6d5e4f3a2b1c0d")?;
//! let client = ClientBuilder::new(http_client()?)
//!     .with(HmacSigning::new(signer))
//!     .build();
//! let resp = client
//!     .post("http://127.0.0.1:8080/api/v1/partner/leads")
//!     .header("Content-Type", "application/json")
//!     .body(r#"{"name":"Ana"}"#)
//!     .send()
//!     .await?;
//! println!("{}", resp.status());
//!
//! // Partners portal: logs in on first use, keeps the session alive.
//! let creds = LoginCredentials::new("network_abc123", "secret_xyz789", 12345, "ana@example.pt");
//! let portal = ClientBuilder::new(http_client()?)
//!     .with(PortalBearer::new("http://127.0.0.1:8080", creds)?)
//!     .build();
//! let resp = portal
//!     .get("http://127.0.0.1:8080/API/partnersPortal/simulations")
//!     .send()
//!     .await?;
//! println!("{}", resp.text().await?);
//! # Ok(()) }
//! ```

use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};

use crate::schemes::{hmac, portal, signupto};

mod hmac_mw;
mod portal_mw;
mod signupto_mw;

pub use hmac_mw::HmacSigning;
pub use portal_mw::{DEFAULT_REAUTH_MARGIN, PortalBearer};
pub use signupto_mw::{DEFAULT_RENEW_MARGIN, SignUpToSigning, SignUpToToken};

#[doc(no_inline)]
pub use crate::Clock;
/// The middleware crate these implement, re-exported so a dependent builds its
/// `ClientWithMiddleware` with the same version.
pub use reqwest_middleware;

/// How long a client built by [`http_client`] waits for a whole exchange.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A reqwest client fit to carry credentials: redirects are never followed (a 3xx is
/// the response), and an exchange takes at most [`DEFAULT_TIMEOUT`].
pub fn http_client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(DEFAULT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

/// Why a middleware did not send a request. Never holds a secret, a signature or a
/// token.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The body is a stream: its bytes cannot be signed without consuming it.
    #[error(
        "the {scheme} middleware signs the body, and this request's body is a stream it cannot read without consuming it: give the request a buffered body (bytes, a String, `.json(…)`)"
    )]
    StreamingBody {
        /// The scheme slug.
        scheme: &'static str,
    },
    /// The HMAC-SHA256 signer refused the request (its method or target).
    #[error("cannot sign the request for hmac-sha256: {0}")]
    Hmac(#[source] hmac::Error),
    /// The Sign-Up.to signer refused the request (its method or target).
    #[error("cannot sign the request for Sign-Up.to: {0}")]
    SignUpTo(#[source] signupto::Error),
    /// A header the scheme adds cannot be an HTTP header value.
    #[error("the `{name}` header the {scheme} middleware adds is not a valid HTTP header value")]
    HeaderValue {
        /// The scheme slug.
        scheme: &'static str,
        /// The header name.
        name: String,
    },
    /// The portal login failed (refused, another status, or no token in the answer).
    #[error("partners-portal login: {0}")]
    PortalLogin(#[source] portal::client::ClientError),
    /// The base URL given to a middleware is not an absolute `http://` or `https://` URL.
    #[error(
        "the {scheme} middleware's base URL {url:?} is not an absolute http:// or https:// URL (e.g. https://portal.example)"
    )]
    BaseUrl {
        /// The scheme slug.
        scheme: &'static str,
        /// The URL as given.
        url: String,
    },
    /// The request goes to another origin than the one the credentials are for.
    #[error(
        "the request goes to {got}, but the {scheme} middleware holds credentials for {expected} only: send it with a client without this middleware"
    )]
    OtherOrigin {
        /// The scheme slug.
        scheme: &'static str,
        /// The origin the middleware was built for.
        expected: String,
        /// The request's origin.
        got: String,
    },
    /// A login the middleware sent itself was answered with a redirection, which is
    /// never followed (it would re-send the credentials).
    #[error(
        "the {scheme} login answered HTTP {status} redirecting to {location}; redirects are not followed (they would re-send the credentials): use the address that answers itself as the base URL"
    )]
    LoginRedirected {
        /// The scheme slug.
        scheme: &'static str,
        /// The status (301, 302, 303, 307, 308…).
        status: u16,
        /// The `Location` header, or `(no Location header)`.
        location: String,
    },
    /// The answer came from another origin: the reqwest client followed a redirect, and
    /// the credentials went along.
    #[error(
        "the reqwest client followed a redirect from {from} to {to}, taking the {scheme} credentials there: build it with `redirect(reqwest::redirect::Policy::none())` (partner_auth::middleware::http_client does)"
    )]
    FollowedRedirect {
        /// The scheme slug.
        scheme: &'static str,
        /// The origin the request was sent to.
        from: String,
        /// The origin that answered.
        to: String,
    },
}

impl From<Error> for reqwest_middleware::Error {
    fn from(e: Error) -> Self {
        reqwest_middleware::Error::middleware(e)
    }
}

/// The request target as reqwest writes it on the request line: path, then `?query`
/// when the URL has one. The signers take what to sign from it (none of these schemes
/// signs the query).
pub(crate) fn target(url: &reqwest::Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

/// Sets each header (replacing any value the request had); `Authorization` and the
/// listed secret-bearing names are marked sensitive so reqwest's own `Debug` hides them.
pub(crate) fn set_headers(
    req: &mut reqwest::Request,
    scheme: &'static str,
    headers: impl IntoIterator<Item = (String, String)>,
) -> Result<(), Error> {
    for (name, value) in headers {
        let bad = || Error::HeaderValue {
            scheme,
            name: name.clone(),
        };
        let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad())?;
        let mut value = HeaderValue::from_str(&value).map_err(|_| bad())?;
        if header == reqwest::header::AUTHORIZATION
            || header.as_str().eq_ignore_ascii_case(portal::CLIENT_SECRET)
        {
            value.set_sensitive(true);
        }
        req.headers_mut().insert(header, value);
    }
    Ok(())
}

/// Moves the headers a signer wrote into `req`, replacing earlier values;
/// `Authorization` is marked sensitive (left out of reqwest's and http's `Debug`).
pub(crate) fn put_signed(req: &mut reqwest::Request, signed: http::HeaderMap) {
    let mut name = None;
    for (next, mut value) in signed {
        if next.is_some() {
            name = next;
        }
        let Some(header) = name.clone() else { continue };
        if header == reqwest::header::AUTHORIZATION {
            value.set_sensitive(true);
        }
        req.headers_mut().insert(header, value);
    }
}

/// [`Error::FollowedRedirect`] when `resp` came from another origin than `sent_to`.
pub(crate) fn check_same_origin(
    scheme: &'static str,
    sent_to: &reqwest::Url,
    resp: &reqwest::Response,
) -> Result<(), Error> {
    let (from, to) = (sent_to.origin(), resp.url().origin());
    if from != to {
        return Err(Error::FollowedRedirect {
            scheme,
            from: from.ascii_serialization(),
            to: to.ascii_serialization(),
        });
    }
    Ok(())
}

/// [`Error::LoginRedirected`] when a login's answer is a redirection.
pub(crate) fn check_login_not_redirected(
    scheme: &'static str,
    resp: &reqwest::Response,
) -> Result<(), Error> {
    if !resp.status().is_redirection() {
        return Ok(());
    }
    let location = resp.headers().get(reqwest::header::LOCATION).map_or_else(
        || "(no Location header)".to_owned(),
        |v| String::from_utf8_lossy(v.as_bytes()).into_owned(),
    );
    Err(Error::LoginRedirected {
        scheme,
        status: resp.status().as_u16(),
        location,
    })
}
