//! tower layers that put a reference verifier in front of a server's routes (feature
//! `server`).
//!
//! [`VerifyLayer`] wraps any service taking an `http::Request`: it reads the body up to a
//! limit (413 past it), turns the request into a [`crate::Request`], runs the scheme's
//! [`Authenticate`] step and then either answers the refusal itself, in the vendor's
//! error format, or passes the request on with the body intact and the scheme's proof
//! in its extensions. The sandbox (`partner-auth serve`) serves every verifying scheme
//! through these layers, so a server built on them answers as the sandbox does.
//!
//! | scheme | authenticator | proof in the extensions | refusal |
//! |---|---|---|---|
//! | `hmac-sha256` | [`HmacSha256`] | [`crate::schemes::hmac::Verified`] | the vendor's envelope, 401 / 403, `code` GA20xx |
//! | `signupto-hash`, `signupto-partner-hash`, `signupto-token` | [`SignUpTo`] (one layer for the three, told apart by the `Authorization` scheme) | [`SignUpToVerified`] | `{"status":"error","response":{…}}`, 401 |
//! | `partners-portal` | [`PartnersPortal`] (one per permission; [`PortalSessions`] gives them and answers the login from one session store, in Redis with feature `redis`) | [`crate::schemes::portal::Authenticated`] | the reference's body, 401 / 403 |
//!
//! Every refusal also names its stable code in the `x-partner-auth-error` header
//! ([`crate::serve::ERROR_HEADER`]; the portal's only with `explain`, as its body says
//! nothing of which level failed).
//!
//! # Example
//!
//! An axum route behind the HMAC-SHA256 verifier; the handler reads the proof:
//!
//! ```
//! use std::sync::Arc;
//! use axum::{Extension, Router, routing::post};
//! use partner_auth::layer::{HmacSha256, VerifyLayer};
//! use partner_auth::replay::NonceStore;
//! use partner_auth::schemes::hmac::{KeyDirectory, KeyRecord, ShardedNonceStore, Verified, Verifier};
//! use partner_auth::{Clock, SystemClock};
//!
//! let mut keys = KeyDirectory::new();
//! keys.insert("pk_live_4f2a9c7e1b3d", KeyRecord::new("sk_live_9b1e7d3c5a0f4e8d")?)?;
//! let clock: Arc<dyn Clock> = Arc::new(SystemClock);
//! let nonces: Arc<dyn NonceStore> = Arc::new(ShardedNonceStore::default());
//! let verifier = Verifier::new(keys, clock, nonces);
//!
//! async fn create_lead(Extension(who): Extension<Verified>, body: String) -> String {
//!     format!("lead from {}: {body}", who.api_key())
//! }
//!
//! let app: Router = Router::new()
//!     .route("/api/v1/partner/leads", post(create_lead))
//!     .layer(VerifyLayer::new(HmacSha256::new(verifier)).max_body(64 * 1024));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! With several instances behind a load balancer, give every instance the same shared
//! nonce store (`HmacSha256::record_in`, a Redis store with feature `redis`) so that a
//! request accepted by one instance is a replay on every other.

use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::{Body, HttpBody};
use axum::extract::ConnectInfo;
use axum::response::Response;

use crate::Request;
use crate::serve::{DEFAULT_MAX_BODY, Unreadable, buffer_request};

pub use crate::serve::hmac::HmacSha256;
pub use crate::serve::portal::{PartnersPortal, PortalSessions};
#[cfg(feature = "redis")]
pub use crate::serve::signupto::RedisTokens;
pub use crate::serve::signupto::{SharedTokens, SignUpTo, SignUpToVerified};

/// One scheme's verification step, as a [`VerifyLayer`] runs it.
///
/// Implemented by [`HmacSha256`], [`SignUpTo`] and [`PartnersPortal`]; a scheme of
/// one's own implements it the same way.
pub trait Authenticate: Send + Sync + 'static {
    /// What a verified request carries into the inner service, in its extensions.
    type Proof: Clone + Send + Sync + 'static;

    /// Verifies `req`, received from `peer` (`None` when the server does not know the
    /// client's address). A refusal is the whole answer, in the vendor's format.
    fn authenticate<'a>(
        &'a self,
        req: &'a Request,
        peer: Option<IpAddr>,
    ) -> impl Future<Output = Result<Self::Proof, Response>> + Send + 'a;

    /// The answer to a request that cannot be read: a body over the limit (413), a body
    /// that stalled (408), or a header that is not UTF-8 (400), in the vendor's format.
    fn unreadable(&self, why: Unreadable) -> Response;
}

/// A tower [`Layer`](tower::Layer) verifying every request with `A` before the inner
/// service sees it (see the [module docs](self)).
pub struct VerifyLayer<A> {
    auth: Arc<A>,
    max_body: usize,
}

impl<A> Clone for VerifyLayer<A> {
    fn clone(&self) -> Self {
        Self {
            auth: Arc::clone(&self.auth),
            max_body: self.max_body,
        }
    }
}

impl<A> std::fmt::Debug for VerifyLayer<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyLayer")
            .field("max_body", &self.max_body)
            .finish_non_exhaustive()
    }
}

impl<A: Authenticate> VerifyLayer<A> {
    /// A layer with the body limit [`DEFAULT_MAX_BODY`] (1 MiB).
    pub fn new(auth: A) -> Self {
        Self::shared(Arc::new(auth))
    }

    /// A layer over an authenticator shared with other layers or handlers.
    pub fn shared(auth: Arc<A>) -> Self {
        Self {
            auth,
            max_body: DEFAULT_MAX_BODY,
        }
    }

    /// The largest body read, in bytes; a larger one is refused with 413 in the
    /// vendor's format before any verification. The whole body is held in memory to be
    /// verified, so this bounds what one request can make the server hold.
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// The authenticator.
    pub fn authenticator(&self) -> &Arc<A> {
        &self.auth
    }
}

impl<S, A> tower::Layer<S> for VerifyLayer<A> {
    type Service = Verify<S, A>;

    fn layer(&self, inner: S) -> Self::Service {
        Verify {
            inner,
            auth: Arc::clone(&self.auth),
            max_body: self.max_body,
        }
    }
}

/// The service [`VerifyLayer`] builds around `S`.
pub struct Verify<S, A> {
    inner: S,
    auth: Arc<A>,
    max_body: usize,
}

impl<S: Clone, A> Clone for Verify<S, A> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            auth: Arc::clone(&self.auth),
            max_body: self.max_body,
        }
    }
}

impl<S, A> std::fmt::Debug for Verify<S, A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verify")
            .field("max_body", &self.max_body)
            .finish_non_exhaustive()
    }
}

impl<S, A, B> tower::Service<http::Request<B>> for Verify<S, A>
where
    A: Authenticate,
    S: tower::Service<http::Request<Body>, Response = Response, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: HttpBody<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        // The service that was polled ready serves this request; the clone waits for
        // the next one.
        let ready = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, ready);
        let auth = Arc::clone(&self.auth);
        let max_body = self.max_body;
        Box::pin(async move {
            let peer = req
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip());
            let (mut parts, bytes, request) =
                match buffer_request(req.map(Body::new), max_body).await {
                    Ok(read) => read,
                    Err(why) => return Ok(auth.unreadable(why)),
                };
            match auth.authenticate(&request, peer).await {
                Err(refusal) => Ok(refusal),
                Ok(proof) => {
                    parts.extensions.insert(proof);
                    inner
                        .call(http::Request::from_parts(parts, Body::from(bytes)))
                        .await
                }
            }
        })
    }
}
