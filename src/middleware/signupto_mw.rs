//! [`SignUpToSigning`] (Hash, Partner Hash) and [`SignUpToToken`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use http::Extensions;
use reqwest_middleware::{Middleware, Next};

use super::{
    Error, check_login_not_redirected, check_same_origin, put_signed, set_headers, target,
};
use crate::encoding::format_http_date;
use crate::schemes::signupto::{
    Identity, Signer, Token, Variant, generate_nonce, parse_token_response, token_headers,
    token_request,
};
use crate::{Clock, Secret, SystemClock};

/// The Token method's slug.
const TOKEN_SLUG: &str = crate::schemes::signupto::TOKEN_SLUG;

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

    /// Adds the headers to `req`, signed now ([`Signer::sign_into`]).
    pub fn sign(&self, req: &mut reqwest::Request) -> Result<(), Error> {
        let date = format_http_date(self.clock.now_secs());
        let nonce = generate_nonce();
        let mut signed = http::HeaderMap::new();
        self.signer
            .sign_into(
                &crate::schemes::signupto::SignRequest {
                    method: req.method().as_str(),
                    target: &target(req.url()),
                    date: &date,
                    nonce: &nonce,
                },
                &mut signed,
            )
            .map_err(Error::SignUpTo)?;
        put_signed(req, signed);
        Ok(())
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

/// How long before a token's `expiry` [`SignUpToToken::login`] asks for a new one,
/// unless [`SignUpToToken::renew_margin`] says otherwise.
pub const DEFAULT_RENEW_MARGIN: Duration = Duration::from_secs(60);

/// Where the token comes from.
enum Source {
    /// Given once; never renewed.
    Fixed,
    /// `POST {base}/v1/token` with these credentials, on first use and when it runs out.
    Login {
        base: reqwest::Url,
        username: String,
        password: Secret,
    },
}

struct Held {
    token: Token,
    /// Unix seconds, when the server said (`data.expiry` as an integer).
    expiry: Option<i64>,
    generation: u64,
}

/// Authenticates every request with a Sign-Up.to token: `Date` (the clock's time),
/// `X-SuT-Nonce` (fresh) and `Authorization: SuTToken <token>` (S-TOKEN). Nothing is
/// signed, so any body goes.
///
/// - [`SignUpToToken::new`] sends a token you already hold, as it is.
/// - [`SignUpToToken::login`] asks for one (`POST /v1/token`, through the rest of the
///   chain) on the first request, asks again [`DEFAULT_RENEW_MARGIN`] before the
///   `data.expiry` the server gave (when it is a Unix-seconds integer; the vendor does
///   not document its format), and after a 401 asks again and retries the request once
///   when it can be cloned. It sends nothing to another origin than the API's.
///
/// The token and the password never appear in `Debug` output or errors.
pub struct SignUpToToken {
    source: Source,
    clock: Arc<dyn Clock>,
    renew_margin_secs: i64,
    held: tokio::sync::Mutex<Option<Arc<Held>>>,
    logins: AtomicU64,
}

impl std::fmt::Debug for SignUpToToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("SignUpToToken");
        if let Source::Login { base, username, .. } = &self.source {
            d.field("base", &base.as_str()).field("username", username);
        }
        d.field("token", &"<redacted>")
            .field("logins", &self.logins.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl SignUpToToken {
    /// Sends `token` (see [`crate::schemes::signupto::parse_token_response`]) on every
    /// request, never renewing it; on the system clock.
    pub fn new(token: Token) -> Self {
        Self {
            source: Source::Fixed,
            clock: Arc::new(SystemClock),
            renew_margin_secs: 0,
            held: tokio::sync::Mutex::new(Some(Arc::new(Held {
                token,
                expiry: None,
                generation: 1,
            }))),
            logins: AtomicU64::new(0),
        }
    }

    /// Logs in to the API at `base_url` (scheme, host, port, e.g.
    /// `https://api.sign-up.to`; `/v1/token` is appended) with `username` and
    /// `password` on first use.
    pub fn login(
        base_url: &str,
        username: impl Into<String>,
        password: impl Into<Secret>,
    ) -> Result<Self, Error> {
        let trimmed = base_url.trim_end_matches('/');
        let base = reqwest::Url::parse(trimmed)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| Error::BaseUrl {
                scheme: TOKEN_SLUG,
                url: base_url.to_owned(),
            })?;
        let username = username.into();
        let password = password.into();
        // Refuse now what the token request could never carry.
        token_request(&username, &password).map_err(Error::SignUpTo)?;
        Ok(Self {
            source: Source::Login {
                base,
                username,
                password,
            },
            clock: Arc::new(SystemClock),
            renew_margin_secs: secs(DEFAULT_RENEW_MARGIN),
            held: tokio::sync::Mutex::new(None),
            logins: AtomicU64::new(0),
        })
    }

    /// Takes `Date` (and the time compared with the token's expiry) from `clock`
    /// instead of the system clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// How long before the token's expiry to ask for a new one
    /// ([`DEFAULT_RENEW_MARGIN`]; only with [`Self::login`]).
    pub fn renew_margin(mut self, margin: Duration) -> Self {
        self.renew_margin_secs = secs(margin);
        self
    }

    /// How many times a token was asked for (refusals included).
    pub fn login_count(&self) -> u64 {
        self.logins.load(Ordering::SeqCst)
    }

    fn usable(&self, held: &Held) -> bool {
        match (&self.source, held.expiry) {
            (Source::Fixed, _) | (_, None) => true,
            (Source::Login { .. }, Some(expiry)) => {
                self.clock.now_secs() < expiry.saturating_sub(self.renew_margin_secs)
            }
        }
    }

    /// The token to send now: the held one, or a new one (`stale`: after a 401 with it).
    async fn current(
        &self,
        stale: Option<u64>,
        next: &Next<'_>,
        extensions: &mut Extensions,
    ) -> reqwest_middleware::Result<Arc<Held>> {
        let mut slot = self.held.lock().await;
        if let Some(h) = slot
            .as_ref()
            .filter(|h| Some(h.generation) != stale && self.usable(h))
        {
            return Ok(h.clone());
        }
        let Source::Login {
            base,
            username,
            password,
        } = &self.source
        else {
            // A fixed token is all there is.
            return Ok(slot.clone().expect("a fixed token is always held"));
        };
        let generation = slot.as_ref().map_or(0, |h| h.generation);
        *slot = None;
        let asked = token_request(username, password).map_err(Error::SignUpTo)?;
        let url = base
            .join(&format!(
                "{}{}",
                base.path().trim_end_matches('/'),
                asked.target
            ))
            .expect("a path joins an http(s) URL");
        let mut req = reqwest::Request::new(reqwest::Method::POST, url.clone());
        set_headers(&mut req, TOKEN_SLUG, asked.headers)?;
        *req.body_mut() = Some(asked.body.into());
        self.logins.fetch_add(1, Ordering::SeqCst);
        let resp = next.clone().run(req, extensions).await?;
        check_same_origin(TOKEN_SLUG, &url, &resp)?;
        check_login_not_redirected(TOKEN_SLUG, &resp)?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await?;
        let grant = parse_token_response(status, &body).map_err(Error::SignUpTo)?;
        let fresh = Arc::new(Held {
            token: grant.token,
            expiry: grant.expiry.as_i64(),
            generation: generation + 1,
        });
        *slot = Some(fresh.clone());
        Ok(fresh)
    }

    /// Adds the three headers to `req` with `token`.
    fn authorize(&self, req: &mut reqwest::Request, token: &Token) -> Result<(), Error> {
        let headers = token_headers(
            req.method().as_str(),
            &target(req.url()),
            token,
            &format_http_date(self.clock.now_secs()),
            &generate_nonce(),
        )
        .map_err(Error::SignUpTo)?;
        set_headers(req, TOKEN_SLUG, headers)
    }

    async fn attempt(
        &self,
        mut req: reqwest::Request,
        held: &Held,
        next: &Next<'_>,
        extensions: &mut Extensions,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        self.authorize(&mut req, &held.token)?;
        let sent_to = req.url().clone();
        let resp = next.clone().run(req, extensions).await?;
        check_same_origin(TOKEN_SLUG, &sent_to, &resp)?;
        Ok(resp)
    }
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

#[async_trait::async_trait]
impl Middleware for SignUpToToken {
    async fn handle(
        &self,
        req: reqwest::Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let retry = match &self.source {
            Source::Fixed => None,
            Source::Login { base, .. } => {
                if req.url().origin() != base.origin() {
                    return Err(Error::OtherOrigin {
                        scheme: TOKEN_SLUG,
                        expected: base.origin().ascii_serialization(),
                        got: req.url().origin().ascii_serialization(),
                    }
                    .into());
                }
                req.try_clone()
            }
        };
        let held = self.current(None, &next, extensions).await?;
        let resp = self.attempt(req, &held, &next, extensions).await?;
        if resp.status().as_u16() != 401 {
            return Ok(resp);
        }
        let Some(again) = retry else {
            return Ok(resp);
        };
        drop(resp);
        let fresh = self
            .current(Some(held.generation), &next, extensions)
            .await?;
        self.attempt(again, &fresh, &next, extensions).await
    }
}
