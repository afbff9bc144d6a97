//! [`HmacSigning`]: API key + HMAC-SHA256 on every request.

use std::sync::Arc;

use http::Extensions;
use reqwest_middleware::{Middleware, Next};

use super::{Error, check_same_origin, put_signed, target};
use crate::schemes::hmac::{SLUG, SignRequest, Signer, generate_nonce};
use crate::{Clock, SystemClock};

/// Signs every request with [`Signer`]: `X-Api-Key`, `X-Timestamp` (the clock's Unix
/// seconds), `X-Nonce` (a fresh UUID v4) and `Authorization: HMAC-SHA256 <signature>`
/// over the method, the URL's path (never its query, H1), the timestamp, the nonce and
/// the body bytes exactly as sent (H2).
///
/// A streaming body is refused ([`Error::StreamingBody`]). The secret never appears in
/// `Debug` output or errors.
#[derive(Clone)]
pub struct HmacSigning {
    signer: Signer,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for HmacSigning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HmacSigning")
            .field("signer", &self.signer)
            .finish_non_exhaustive()
    }
}

impl HmacSigning {
    /// Signs with `signer`, on the system clock.
    pub fn new(signer: Signer) -> Self {
        Self {
            signer,
            clock: Arc::new(SystemClock),
        }
    }

    /// Takes `X-Timestamp` from `clock` instead of the system clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Adds the four headers to `req`, signed now. The MAC reads the body where the
    /// request holds it ([`Signer::sign_into`]): nothing is copied.
    pub fn sign(&self, req: &mut reqwest::Request) -> Result<(), Error> {
        let target = target(req.url());
        let nonce = generate_nonce();
        let mut signed = http::HeaderMap::new();
        let body: &[u8] = match req.body() {
            None => b"",
            Some(b) => b.as_bytes().ok_or(Error::StreamingBody { scheme: SLUG })?,
        };
        self.signer
            .sign_into(
                &SignRequest {
                    method: req.method().as_str(),
                    target: &target,
                    timestamp: self.clock.now_secs(),
                    nonce: &nonce,
                    body,
                },
                &mut signed,
            )
            .map_err(Error::Hmac)?;
        put_signed(req, signed);
        Ok(())
    }
}

#[async_trait::async_trait]
impl Middleware for HmacSigning {
    async fn handle(
        &self,
        mut req: reqwest::Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        self.sign(&mut req)?;
        let sent_to = req.url().clone();
        let resp = next.run(req, extensions).await?;
        check_same_origin(SLUG, &sent_to, &resp)?;
        Ok(resp)
    }
}
