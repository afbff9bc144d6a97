//! [`SignUpToSigning`] (Hash, Partner Hash) and [`SignUpToToken`].

use std::sync::Arc;

use http::Extensions;
use reqwest_middleware::{Middleware, Next};

use super::{Error, check_same_origin, set_headers, target};
use crate::encoding::format_http_date;
use crate::schemes::signupto::{Identity, Signer, Token, Variant, generate_nonce, token_headers};
use crate::{Clock, Secret, SystemClock};

/// The Token method's slug.
const TOKEN_SLUG: &str = "signupto-token";

/// Signs every request with the Sign-Up.to Hash or Partner Hash method: `Date` (the
/// clock's time as an IMF-fixdate), the `X-SuT-PID`/`CID`/`UID` headers the identity
/// has, `X-SuT-Nonce` (40 fresh hex characters) and `Authorization: SuTHash` or
/// `SuTPartner signature="<hex>"` over the method and the URL's path. Neither the query
/// nor the body is signed (S1), so any body, streams included, is sent as it is.
#[derive(Clone)]
pub struct SignUpToSigning {
    variant: Variant,
    signer: Signer,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for SignUpToSigning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignUpToSigning")
            .field("variant", &self.variant)
            .field("signer", &self.signer)
            .finish_non_exhaustive()
    }
}

impl SignUpToSigning {
    /// Checks the key's shape (S7) and the ids the variant needs (S3, S-HASH-IDS), on the
    /// system clock.
    pub fn new(
        variant: Variant,
        identity: Identity,
        key: impl Into<Secret>,
    ) -> Result<Self, crate::schemes::signupto::Error> {
        Ok(Self {
            variant,
            signer: Signer::new(variant, identity, key)?,
            clock: Arc::new(SystemClock),
        })
    }

    /// Takes `Date` from `clock` instead of the system clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Adds the headers to `req`, signed now.
    pub fn sign(&self, req: &mut reqwest::Request) -> Result<(), Error> {
        let signed = self
            .signer
            .sign_now(
                req.method().as_str(),
                &target(req.url()),
                self.clock.as_ref(),
            )
            .map_err(Error::SignUpTo)?;
        set_headers(req, self.variant.slug(), signed.headers)
    }
}

#[async_trait::async_trait]
impl Middleware for SignUpToSigning {
    async fn handle(
        &self,
        mut req: reqwest::Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        self.sign(&mut req)?;
        let sent_to = req.url().clone();
        let resp = next.run(req, extensions).await?;
        check_same_origin(self.variant.slug(), &sent_to, &resp)?;
        Ok(resp)
    }
}

/// Authenticates every request with a Sign-Up.to token (`POST /v1/token` issued it):
/// `Date` (the clock's time), `X-SuT-Nonce` (fresh) and `Authorization: SuTToken
/// <token>` (S-TOKEN). Nothing is signed, so any body goes. The token never appears in
/// `Debug` output or errors.
#[derive(Clone)]
pub struct SignUpToToken {
    token: Token,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for SignUpToToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignUpToToken")
            .field("token", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl SignUpToToken {
    /// Sends `token` (see [`crate::schemes::signupto::parse_token_response`]), on the
    /// system clock.
    pub fn new(token: Token) -> Self {
        Self {
            token,
            clock: Arc::new(SystemClock),
        }
    }

    /// Takes `Date` from `clock` instead of the system clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Adds the three headers to `req`.
    pub fn sign(&self, req: &mut reqwest::Request) -> Result<(), Error> {
        let headers = token_headers(
            req.method().as_str(),
            &target(req.url()),
            &self.token,
            &format_http_date(self.clock.now_secs()),
            &generate_nonce(),
        )
        .map_err(Error::SignUpTo)?;
        set_headers(req, TOKEN_SLUG, headers)
    }
}

#[async_trait::async_trait]
impl Middleware for SignUpToToken {
    async fn handle(
        &self,
        mut req: reqwest::Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        self.sign(&mut req)?;
        let sent_to = req.url().clone();
        let resp = next.run(req, extensions).await?;
        check_same_origin(TOKEN_SLUG, &sent_to, &resp)?;
        Ok(resp)
    }
}
