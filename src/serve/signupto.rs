//! Sign-Up.to PMAPI under `/v1/`: Hash, Partner Hash and Token behind one set of routes,
//! told apart by the `Authorization` scheme as the real API does.
//!
//! - `POST /v1/token` with `{"username":…,"password":…}` issues a 96-character token
//!   (`data.token`, `data.expiry` in Unix seconds). Expired tokens are forgotten at each
//!   issue, and at most `--signupto-max-tokens` unexpired ones are held (default
//!   [`crate::schemes::signupto::DEFAULT_MAX_TOKENS`]); past that the request gets 503
//!   `TOKEN_STORE_FULL` until some expire.
//! - Any other `/v1/…` request is authenticated by the reference verifier of the scheme
//!   its `Authorization` header names, and answered `{"status":"ok","response":{"data":[…],
//!   "count":1,"next":null}}` with the identity it proved.
//! - A refusal is the vendor's error envelope, HTTP 401:
//!   `{"status":"error","response":{"message":…,"code":401,"subcode":null,
//!   "additional_information":null}}`. With `--explain`, a bad signature's
//!   `additional_information` is the canonical string the server built without its key
//!   line (as the real server sends it), and the message names the likely mistake.

use std::sync::{Arc, RwLock};

use axum::extract::{Request as HttpRequest, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Extension, Router};
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use super::{
    Api, Credentials, CredentialsError, Recorded, STORE_UNAVAILABLE, Settings, Unreadable,
    json_body, read_request, record, tag,
};
use crate::encoding::{base64_encode, ct_eq, digest_eq, hex_decode, random_bytes, sha1_parts};
use crate::layer::VerifyLayer;
use crate::replay::{AsyncNonceStore, DeferredNonceStore, NonceStore, defer};
use crate::schemes::signupto::{
    ApiKey, AuthScheme, Error, HASH_SLUG, Identity, IssuedToken, KeyDirectory, PARTNER_HASH_SLUG,
    Parts, TOKEN_SLUG, Token, TokenVerifier, Variant, Verifier, canonical_string,
    parse_authorization,
};
use crate::{CanonicalString, Clock, InMemoryNonceStore, Request, Secret};

/// The Sign-Up.to API: the `sandbox` of its schemes' entries in [`crate::registry::SCHEMES`].
pub static API: Api = Api {
    mount: "/v1/",
    demo,
    router,
};

/// `signupto-hash` credentials: company id, user id, company key (32 × `[0-9a-f]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HashCredentials {
    /// `X-SuT-CID`.
    pub cid: u64,
    /// `X-SuT-UID`.
    pub uid: u64,
    /// The company API key.
    #[serde(deserialize_with = "secret")]
    pub key: Secret,
}

/// `signupto-partner-hash` credentials: partner id, optional company and user ids,
/// partner key (40 × `[a-zA-Z]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerCredentials {
    /// `X-SuT-PID`.
    pub pid: u64,
    /// `X-SuT-CID`, when acting for a company.
    #[serde(default)]
    pub cid: Option<u64>,
    /// `X-SuT-UID`, when acting as a user (needs `cid`).
    #[serde(default)]
    pub uid: Option<u64>,
    /// The partner API key.
    #[serde(deserialize_with = "secret")]
    pub key: Secret,
}

/// `signupto-token` credentials: the login `POST /v1/token` accepts, and the company
/// and user its tokens stand for.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenCredentials {
    /// The username.
    pub username: String,
    /// The password.
    #[serde(deserialize_with = "secret")]
    pub password: Secret,
    /// The company the tokens stand for.
    pub cid: u64,
    /// The user the tokens stand for.
    pub uid: u64,
}

fn secret<'de, D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
    String::deserialize(d).map(Secret::from)
}

fn demo() -> Vec<(&'static str, Value)> {
    vec![
        (
            HASH_SLUG,
            json!({ "cid": 7654321, "uid": 23456789, "key": "2b2d77e014a30792d5048e262e306783" }),
        ),
        (
            PARTNER_HASH_SLUG,
            json!({ "pid": 4567, "cid": 12345, "uid": 678, "key": "abcdefghijABCDEFGHIJabcdefghijABCDEFGHIJ" }),
        ),
        (
            TOKEN_SLUG,
            json!({ "username": "demo@example.com", "password": "demo-password", "cid": 7654321, "uid": 23456789 }),
        ),
    ]
}

type Clocked = Arc<dyn Clock>;

type Nonces = Arc<dyn NonceStore>;

/// The Sign-Up.to token verifier a [`SignUpTo`] layer reads and a login route writes.
pub type SharedTokens = Arc<RwLock<TokenVerifier<Clocked, Nonces>>>;

/// Proof that a Sign-Up.to request verified: the scheme it used and the ids it
/// proved. Only [`SignUpTo`] builds one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignUpToVerified {
    scheme: AuthScheme,
    identity: Identity,
}

impl SignUpToVerified {
    /// `SuTHash`, `SuTPartner` or `SuTToken`.
    pub fn scheme(&self) -> AuthScheme {
        self.scheme
    }

    /// The ids the request proved (for a token, the ones it was issued for).
    pub fn identity(&self) -> Identity {
        self.identity
    }
}

/// Sign-Up.to's three schemes behind one [`VerifyLayer`]
/// ([`crate::layer::Authenticate`]), told apart by the `Authorization` scheme as the
/// real API does: `SuTHash` by the Hash [`Verifier`], `SuTPartner` by the Partner Hash
/// one, `SuTToken` by a [`TokenVerifier`] shared with the route that issues tokens. A
/// scheme given no verifier is refused as a wrong scheme. The proof is
/// [`SignUpToVerified`]; a refusal is the vendor's error envelope
/// `{"status":"error","response":{"message":…,"code":401,…}}` (503 for a full replay
/// store or a shared store that does not answer).
///
/// ```
/// use std::sync::Arc;
/// use partner_auth::layer::{SignUpTo, VerifyLayer};
/// use partner_auth::replay::NonceStore;
/// use partner_auth::schemes::signupto::{ApiKey, KeyDirectory, Variant, Verifier};
/// use partner_auth::{Clock, InMemoryNonceStore, SystemClock};
///
/// let mut keys = KeyDirectory::new();
/// keys.insert(7654321, ApiKey::new(Variant::Hash, "2b2d77e014a30792d5048e262e306783")?);
/// let clock: Arc<dyn Clock> = Arc::new(SystemClock);
/// let nonces: Arc<dyn NonceStore> = Arc::new(InMemoryNonceStore::default());
/// let layer = VerifyLayer::new(SignUpTo::new().verifier(Verifier::new(Variant::Hash, keys, clock, nonces)));
/// # let _ = layer;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Default)]
pub struct SignUpTo {
    hash: Option<Verifier<Clocked, Nonces>>,
    partner: Option<Verifier<Clocked, Nonces>>,
    tokens: Option<SharedTokens>,
    /// Where nonces are recorded after the verifier's check.
    shared: Option<Arc<dyn AsyncNonceStore>>,
    explain: bool,
    /// With `--redis`: tokens are looked up there (sliding their expiry).
    #[cfg(feature = "redis")]
    redis_tokens: Option<RedisTokens>,
}

impl std::fmt::Debug for SignUpTo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignUpTo")
            .field("hash", &self.hash)
            .field("partner", &self.partner)
            .field("tokens", &self.tokens.is_some())
            .field("shared", &self.shared.is_some())
            .field("explain", &self.explain)
            .finish_non_exhaustive()
    }
}

/// Sign-Up.to tokens kept in Redis ([`SignUpTo::tokens_in_redis`]), by the SHA-256 of
/// the token: every instance on the same Redis accepts a token any of them issued, and
/// each use extends it by `lifetime_secs`. When Redis does not answer, a token request
/// or an issue gets 503 `STORE_UNAVAILABLE`.
#[cfg(feature = "redis")]
#[derive(Clone)]
pub struct RedisTokens {
    store: crate::shared::RedisStore,
    clock: Clocked,
    lifetime_secs: i64,
    window_secs: i64,
    freshness: crate::schemes::signupto::TokenFreshness,
    max_tokens: usize,
}

#[cfg(feature = "redis")]
impl std::fmt::Debug for RedisTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisTokens")
            .field("store", &self.store)
            .field("lifetime_secs", &self.lifetime_secs)
            .field("window_secs", &self.window_secs)
            .field("freshness", &self.freshness)
            .field("max_tokens", &self.max_tokens)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "redis")]
impl RedisTokens {
    /// Tokens in `store`, living `lifetime_secs` after their last use; requests checked
    /// on `clock` with the ±900 s `Date` window, `Date` and `X-SuT-Nonce` required, at most
    /// [`crate::schemes::signupto::DEFAULT_MAX_TOKENS`] live tokens per company and user.
    pub fn new(store: crate::shared::RedisStore, clock: Clocked, lifetime_secs: i64) -> Self {
        Self {
            store,
            clock,
            lifetime_secs,
            window_secs: crate::schemes::signupto::DEFAULT_WINDOW_SECS,
            freshness: crate::schemes::signupto::TokenFreshness::Required,
            max_tokens: crate::schemes::signupto::DEFAULT_MAX_TOKENS,
        }
    }

    /// The `Date` window either side of the clock, in seconds (1 to 86 400).
    pub fn window_secs(mut self, window_secs: i64) -> Result<Self, crate::WindowOutOfRange> {
        self.window_secs = crate::replay::check_window_secs(window_secs)?;
        Ok(self)
    }

    /// Whether `Date` and `X-SuT-Nonce` are required or checked only when sent.
    pub fn freshness(mut self, freshness: crate::schemes::signupto::TokenFreshness) -> Self {
        self.freshness = freshness;
        self
    }

    /// Most live tokens of one company and user; past it an issue is refused with 503
    /// `TOKEN_STORE_FULL`.
    pub fn max_tokens(mut self, max_tokens: usize) -> Self {
        self.max_tokens = max_tokens;
        self
    }

    fn lifetime(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.lifetime_secs.max(1).unsigned_abs())
    }
}

impl SignUpTo {
    /// No scheme accepted yet: add verifiers with [`SignUpTo::verifier`] and
    /// [`SignUpTo::tokens`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Accepts `SuTHash` or `SuTPartner` requests (by the verifier's variant) with
    /// `verifier`, replacing an earlier one of the same variant.
    pub fn verifier(mut self, verifier: Verifier<Clocked, Nonces>) -> Self {
        match verifier.variant() {
            Variant::Hash => self.hash = Some(verifier),
            Variant::PartnerHash => self.partner = Some(verifier),
        }
        self
    }

    /// Accepts `SuTToken` requests with the tokens of `tokens` (the login route that
    /// issues them holds the same `Arc`).
    pub fn tokens(mut self, tokens: SharedTokens) -> Self {
        self.tokens = Some(tokens);
        self
    }

    /// Records each accepted nonce in `store`, shared by several instances (see
    /// [`HmacSha256::record_in`](crate::layer::HmacSha256::record_in)); give the
    /// verifiers a [`DeferredNonceStore`].
    pub fn record_in(mut self, store: Arc<dyn AsyncNonceStore>) -> Self {
        self.shared = Some(store);
        self
    }

    /// On a bad Hash or Partner Hash signature, put the canonical string the server
    /// built (key line shown as `<key>`) in `additional_information` and name the
    /// likely mistake in the message; the key never appears.
    pub fn explain(mut self, on: bool) -> Self {
        self.explain = on;
        self
    }

    /// Keeps `SuTToken` tokens in Redis instead of the verifier given to
    /// [`SignUpTo::tokens`]: [`SignUpTo::issue`] writes them there and a token request
    /// is checked against what Redis holds, on every instance that shares it. The
    /// nonces of token requests are recorded in the store given to
    /// [`SignUpTo::record_in`], or else in the same Redis.
    #[cfg(feature = "redis")]
    pub fn tokens_in_redis(mut self, tokens: RedisTokens) -> Self {
        self.redis_tokens = Some(tokens);
        self
    }

    /// Issues `issued`, so that `SuTToken` requests carrying it verify: in Redis with
    /// [`SignUpTo::tokens_in_redis`], else in the verifier given to [`SignUpTo::tokens`].
    /// A refusal is the vendor's envelope: 503 `TOKEN_STORE_FULL` when the bound of live
    /// tokens is reached, 503 `STORE_UNAVAILABLE` when Redis does not answer, 401
    /// `WRONG_SCHEME` when no token store was given. Checking the username and password
    /// is the caller's (a login route): this only records the token.
    pub async fn issue(&self, issued: IssuedToken) -> Result<(), Response> {
        self.issue_noting(issued, "").await
    }

    /// [`SignUpTo::issue`], `note` appended to a full store's message (the sandbox names
    /// its flag).
    async fn issue_noting(&self, issued: IssuedToken, note: &str) -> Result<(), Response> {
        const SLUG: &str = TOKEN_SLUG;
        #[cfg(feature = "redis")]
        if let Some(r) = &self.redis_tokens {
            use crate::shared::{Opened, WhenFull};
            let opened = r
                .store
                .open_session(
                    TOKEN_KIND,
                    issued.token.expose(),
                    &identity_text(issued.identity),
                    r.lifetime(),
                    r.max_tokens,
                    WhenFull::Refuse,
                )
                .await;
            return match opened {
                Ok(Opened::Stored) => Ok(()),
                Ok(Opened::Full) => {
                    let full = crate::schemes::signupto::TokenStoreFull {
                        limit: r.max_tokens,
                    };
                    Err(refuse(
                        StatusCode::SERVICE_UNAVAILABLE,
                        SLUG,
                        full.code(),
                        format!("{full} for this company and user{note}"),
                        None,
                    ))
                }
                Err(u) => Err(unavailable(SLUG, &u)),
            };
        }
        let Some(tokens) = &self.tokens else {
            return Err(self.not_accepted(SLUG, AuthScheme::Token));
        };
        tokens
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .issue(issued)
            .map_err(|full| {
                refuse(
                    StatusCode::SERVICE_UNAVAILABLE,
                    SLUG,
                    full.code(),
                    format!("{full}{note}"),
                    None,
                )
            })
    }

    /// The refusal of a request in `scheme`, which this layer was given no verifier for:
    /// 401 `WRONG_SCHEME`, naming the first scheme it accepts.
    fn not_accepted(&self, slug: &'static str, scheme: AuthScheme) -> Response {
        let expected = if self.hash.is_some() {
            AuthScheme::Hash
        } else if self.partner.is_some() {
            AuthScheme::Partner
        } else {
            AuthScheme::Token
        };
        let e = Error::WrongScheme {
            expected: expected.token(),
            found: scheme.token(),
        };
        refused(slug, &e)
    }

    /// A `SuTToken` request: the token verifier's check, then the nonce recorded. With
    /// Redis the token is looked up there first (the look-up slides its expiry) and
    /// checked by a verifier holding that one token.
    async fn token_request(
        &self,
        req: &Request,
        presented: &str,
    ) -> Result<SignUpToVerified, Response> {
        #[cfg(not(feature = "redis"))]
        let _ = presented;
        #[cfg(feature = "redis")]
        if let Some(r) = &self.redis_tokens {
            const SLUG: &str = TOKEN_SLUG;
            let lifetime = r.lifetime();
            let mut one =
                match TokenVerifier::new(r.clock.clone(), Arc::new(DeferredNonceStore) as Nonces)
                    .with_window_secs(r.window_secs)
                {
                    Ok(v) => v.with_freshness(r.freshness),
                    Err(e) => {
                        return Err(refuse(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            SLUG,
                            "INTERNAL",
                            e.to_string(),
                            None,
                        ));
                    }
                };
            if let Ok(token) = Token::parse(presented) {
                match r
                    .store
                    .touch_session(TOKEN_KIND, presented, lifetime, None)
                    .await
                {
                    Err(u) => return Err(unavailable(SLUG, &u)),
                    Ok(Some(found)) => {
                        if let Some(identity) = parse_identity(&found.identity) {
                            one.insert(IssuedToken {
                                token,
                                expiry: r.clock.now_secs().saturating_add(r.lifetime_secs),
                                identity,
                            });
                        }
                    }
                    Ok(None) => {}
                }
            }
            let (verified, pending) = defer(|| one.verify(req));
            // The nonce of a token request goes to the shared nonce store, or else to
            // the Redis the tokens live in: never to no store at all.
            let nonces: Arc<dyn AsyncNonceStore> = match &self.shared {
                Some(shared) => Arc::clone(shared),
                None => Arc::new(r.store.clone()),
            };
            return self.finish_token(verified, pending, Some(&nonces)).await;
        }
        let Some(tokens) = &self.tokens else {
            return Err(self.not_accepted(TOKEN_SLUG, AuthScheme::Token));
        };
        let (verified, pending) =
            defer(|| tokens.read().unwrap_or_else(|p| p.into_inner()).verify(req));
        self.finish_token(verified, pending, self.shared.as_ref())
            .await
    }

    async fn finish_token(
        &self,
        verified: Result<crate::schemes::signupto::TokenVerified, Error>,
        pending: Option<crate::replay::PendingNonce>,
        nonces: Option<&Arc<dyn AsyncNonceStore>>,
    ) -> Result<SignUpToVerified, Response> {
        const SLUG: &str = TOKEN_SLUG;
        match verified {
            Ok(v) => match record(nonces, SLUG, pending).await {
                Recorded::Fresh => Ok(SignUpToVerified {
                    scheme: AuthScheme::Token,
                    identity: v.identity(),
                }),
                Recorded::Replayed => Err(refused(SLUG, &Error::NonceReplayed)),
                Recorded::Full => Err(refused(SLUG, &Error::ReplayStoreFull)),
                Recorded::Unavailable(u) => Err(unavailable(SLUG, &u)),
            },
            Err(e) => Err(refused(SLUG, &e)),
        }
    }
}

impl crate::layer::Authenticate for SignUpTo {
    type Proof = SignUpToVerified;

    async fn authenticate(
        &self,
        req: &Request,
        _peer: Option<std::net::IpAddr>,
    ) -> Result<SignUpToVerified, Response> {
        let (scheme, credentials) = match req.headers.get_one("Authorization") {
            Err(d) => {
                let e = Error::DuplicateHeader {
                    header: "Authorization",
                    count: d.count,
                };
                return Err(refused("signupto", &e));
            }
            Ok(None) => {
                let e = Error::MissingAuthorization {
                    expected: "SuTHash, SuTPartner or SuTToken",
                };
                return Err(refused("signupto", &e));
            }
            Ok(Some(value)) => match parse_authorization(value) {
                Ok(a) => (a.scheme, a.credentials),
                Err(e) => return Err(refused("signupto", &e)),
            },
        };
        let (variant, verifier) = match scheme {
            AuthScheme::Hash => (Variant::Hash, &self.hash),
            AuthScheme::Partner => (Variant::PartnerHash, &self.partner),
            AuthScheme::Token => return self.token_request(req, &credentials).await,
        };
        let Some(verifier) = verifier else {
            return Err(self.not_accepted(variant.slug(), scheme));
        };
        let (verified, pending) = defer(|| verifier.verify(req));
        match verified {
            Ok(v) => match record(self.shared.as_ref(), variant.slug(), pending).await {
                Recorded::Fresh => Ok(SignUpToVerified {
                    scheme,
                    identity: v.identity(),
                }),
                Recorded::Replayed => Err(refused(variant.slug(), &Error::NonceReplayed)),
                Recorded::Full => Err(refused(variant.slug(), &Error::ReplayStoreFull)),
                Recorded::Unavailable(u) => Err(unavailable(variant.slug(), &u)),
            },
            Err(Error::SignatureMismatch) if self.explain => {
                let (message, canonical) = explain(variant, req, verifier.keys());
                Err(refuse(
                    StatusCode::UNAUTHORIZED,
                    variant.slug(),
                    "SIGNATURE_MISMATCH",
                    message,
                    Some(canonical),
                ))
            }
            Err(e) => Err(refused(variant.slug(), &e)),
        }
    }

    fn unreadable(&self, why: Unreadable) -> Response {
        unreadable(why)
    }
}

/// What the token route holds.
struct Sandbox {
    max_body: usize,
    token_lifetime_secs: i64,
    clock: Clocked,
    login: TokenCredentials,
    /// The layer's authenticator: tokens are issued into its store.
    auth: Arc<SignUpTo>,
}

/// The kind under which tokens are kept in Redis.
#[cfg(feature = "redis")]
const TOKEN_KIND: &str = TOKEN_SLUG;

fn keys(
    creds: &Credentials,
    slug: &str,
    variant: Variant,
    id: u64,
    key: &Secret,
    identity: Identity,
) -> Result<KeyDirectory, CredentialsError> {
    // Neither message quotes a value, so there is nothing to redact.
    identity
        .check(variant)
        .map_err(|e| creds.error(slug, &Value::Null, format!("the ids: {e}")))?;
    let key = ApiKey::new(variant, key.clone())
        .map_err(|e| creds.error(slug, &Value::Null, format!("`key`: {e}")))?;
    let mut dir = KeyDirectory::new();
    dir.insert(id, key);
    Ok(dir)
}

fn router(settings: &Settings, creds: &Credentials) -> Result<Router, CredentialsError> {
    let hash: HashCredentials = creds.entry(HASH_SLUG)?;
    let partner: PartnerCredentials = creds.entry(PARTNER_HASH_SLUG)?;
    let login: TokenCredentials = creds.entry(TOKEN_SLUG)?;
    let hash_keys = keys(
        creds,
        HASH_SLUG,
        Variant::Hash,
        hash.cid,
        &hash.key,
        Identity {
            pid: None,
            cid: Some(hash.cid),
            uid: Some(hash.uid),
        },
    )?;
    let partner_keys = keys(
        creds,
        PARTNER_HASH_SLUG,
        Variant::PartnerHash,
        partner.pid,
        &partner.key,
        Identity {
            pid: Some(partner.pid),
            cid: partner.cid,
            uid: partner.uid,
        },
    )?;
    let clock = settings.clock.clone();
    let window = settings.window_secs;
    let bad_window = |e| CredentialsError(format!("the Sign-Up.to Date window (--window): {e}"));
    let shared = settings.shared_nonces();
    let store = || -> Nonces {
        if shared.is_some() {
            Arc::new(DeferredNonceStore)
        } else {
            Arc::new(
                InMemoryNonceStore::new(settings.replay_capacity)
                    .with_scope_quota(settings.replay_scope_quota),
            )
        }
    };
    let verifier = |variant, keys: KeyDirectory| {
        Verifier::new(variant, keys, clock.clone(), store())
            .with_window_secs(window)
            .map_err(bad_window)
    };
    let tokens: SharedTokens = Arc::new(RwLock::new(
        TokenVerifier::new(clock.clone(), store())
            .with_window_secs(window)
            .map_err(bad_window)?
            .with_max_tokens(settings.signupto_max_tokens)
            .with_freshness(settings.signupto_token_freshness),
    ));
    let mut auth = SignUpTo::new()
        .verifier(verifier(Variant::Hash, hash_keys)?)
        .verifier(verifier(Variant::PartnerHash, partner_keys)?)
        .tokens(Arc::clone(&tokens))
        .explain(settings.explain);
    if let Some(shared) = shared.clone() {
        auth = auth.record_in(shared);
    }
    #[cfg(feature = "redis")]
    if let Some(redis) = &settings.redis {
        auth = auth.tokens_in_redis(
            RedisTokens::new(redis.clone(), clock.clone(), settings.token_lifetime_secs)
                .window_secs(window)
                .map_err(bad_window)?
                .freshness(settings.signupto_token_freshness)
                .max_tokens(settings.signupto_max_tokens),
        );
    }
    let auth = Arc::new(auth);
    let state = Sandbox {
        max_body: settings.max_body,
        token_lifetime_secs: settings.token_lifetime_secs,
        clock,
        login,
        auth: Arc::clone(&auth),
    };
    Ok(Router::new()
        .route("/v1/token", any(token))
        .route(
            "/v1/{*rest}",
            any(protected).layer(VerifyLayer::shared(auth).max_body(settings.max_body)),
        )
        .with_state(Arc::new(state)))
}

/// The vendor's error envelope.
fn refuse(
    status: StatusCode,
    scheme: &'static str,
    code: &'static str,
    message: String,
    additional_information: Option<String>,
) -> Response {
    let body = json!({
        "status": "error",
        "response": {
            "message": message,
            "code": status.as_u16(),
            "subcode": null,
            "additional_information": additional_information,
        }
    });
    let mut response = (status, json_body(&body)).into_response();
    tag(&mut response, scheme, Some(code));
    response
}

fn refused(scheme: &'static str, e: &Error) -> Response {
    let status = match e {
        Error::ReplayStoreFull => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::UNAUTHORIZED,
    };
    refuse(status, scheme, e.code(), e.to_string(), None)
}

fn unreadable(u: Unreadable) -> Response {
    refuse(u.status, "signupto", u.code, u.message, None)
}

fn ok(scheme: &'static str, data: Value) -> Response {
    let body = json!({ "status": "ok", "response": { "data": data, "count": 1, "next": null } });
    let mut response = (StatusCode::OK, json_body(&body)).into_response();
    tag(&mut response, scheme, None);
    response
}

/// The slug of the scheme a request authenticated with.
fn slug_of(scheme: AuthScheme) -> &'static str {
    match scheme {
        AuthScheme::Hash => HASH_SLUG,
        AuthScheme::Partner => PARTNER_HASH_SLUG,
        AuthScheme::Token => TOKEN_SLUG,
    }
}

/// A request the layer let through: the identity it proved.
async fn protected(Extension(who): Extension<SignUpToVerified>, req: HttpRequest) -> Response {
    let scheme = slug_of(who.scheme);
    let id = who.identity;
    let mut item =
        json!({ "scheme": scheme, "method": req.method().as_str(), "path": req.uri().path() });
    for (name, value) in [("pid", id.pid), ("cid", id.cid), ("uid", id.uid)] {
        if let Some(v) = value {
            item[name] = json!(v);
        }
    }
    ok(scheme, json!([item]))
}

/// 503 in the vendor's envelope: the shared store did not answer.
fn unavailable(scheme: &'static str, u: &crate::replay::Unavailable) -> Response {
    refuse(
        StatusCode::SERVICE_UNAVAILABLE,
        scheme,
        STORE_UNAVAILABLE,
        u.to_string(),
        None,
    )
}

/// An identity as kept in Redis: `pid:cid:uid`, absent ones empty.
#[cfg(feature = "redis")]
fn identity_text(id: Identity) -> String {
    let part = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
    format!("{}:{}:{}", part(id.pid), part(id.cid), part(id.uid))
}

#[cfg(feature = "redis")]
fn parse_identity(text: &str) -> Option<Identity> {
    let mut it = text.split(':').map(|p| {
        if p.is_empty() {
            Ok(None)
        } else {
            p.parse::<u64>().map(Some)
        }
    });
    let id = Identity {
        pid: it.next()?.ok()?,
        cid: it.next()?.ok()?,
        uid: it.next()?.ok()?,
    };
    it.next().is_none().then_some(id)
}

#[derive(Deserialize)]
struct Login {
    username: String,
    password: String,
}

/// Both the username and the password match, each compared by digest in constant time
/// (both always compared), so the time taken tells nothing of either length.
fn login_matches(login: &Login, expected: &TokenCredentials) -> bool {
    let user_ok = digest_eq(login.username.as_bytes(), expected.username.as_bytes());
    let pass_ok = digest_eq(login.password.as_bytes(), expected.password.expose());
    user_ok & pass_ok
}

async fn token(State(s): State<Arc<Sandbox>>, req: HttpRequest) -> Response {
    const SLUG: &str = TOKEN_SLUG;
    if req.method() != Method::POST {
        return refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            SLUG,
            "METHOD_NOT_ALLOWED",
            "a token is requested with POST /v1/token and the JSON body {\"username\":…,\"password\":…}".into(),
            None,
        );
    }
    let req = match read_request(req, s.max_body).await {
        Ok(r) => r,
        Err(u) => return unreadable(u),
    };
    let login: Login = match serde_json::from_slice(&req.body) {
        Ok(l) => l,
        // The serde message may quote a value (a password), so only its position is shown.
        Err(e) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                SLUG,
                "MALFORMED_BODY",
                format!(
                    "the body must be the JSON object {{\"username\":\"…\",\"password\":\"…\"}} with two strings (error at line {}, column {})",
                    e.line(),
                    e.column()
                ),
                None,
            );
        }
    };
    if !login_matches(&login, &s.login) {
        return refuse(
            StatusCode::UNAUTHORIZED,
            SLUG,
            "TOKEN_REFUSED",
            "invalid username or password".into(),
            None,
        );
    }
    // 72 random bytes are 96 Base64 characters without padding: the documented shape.
    let mut bytes = [0u8; 72];
    random_bytes(&mut bytes);
    let Ok(token) = Token::parse(&base64_encode(&bytes)) else {
        return refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            SLUG,
            "INTERNAL",
            "could not issue a token".into(),
            None,
        );
    };
    let expiry = s.clock.now_secs() + s.token_lifetime_secs;
    let text = token.expose().to_owned();
    let identity = Identity {
        pid: None,
        cid: Some(s.login.cid),
        uid: Some(s.login.uid),
    };
    let issued = IssuedToken {
        token,
        expiry,
        identity,
    };
    if let Err(refusal) = s
        .auth
        .issue_noting(issued, " (this sandbox's limit, --signupto-max-tokens)")
        .await
    {
        return refusal;
    }
    let body = json!({ "status": "ok", "response": { "data": { "token": text, "expiry": expiry }, "count": 1, "next": null } });
    let mut response = (StatusCode::OK, json_body(&body)).into_response();
    tag(&mut response, SLUG, None);
    response
}

/// One way a client commonly builds the canonical string wrong.
struct Mistake {
    what: String,
    lines: Vec<String>,
    sep: &'static str,
    key_line: bool,
    trailer: &'static str,
}

fn label(line: &str, index: usize) -> String {
    if index == 0 {
        "the request line".to_owned()
    } else {
        format!("`{}`", line.split(':').next().unwrap_or(line))
    }
}

/// The message and `additional_information` of an explained bad signature: the canonical
/// string the server built (key line shown as `<key>`), and which common mistake, if
/// any, the presented signature matches, naming the first line it changes. The key is
/// used to test each mistake and never appears.
fn explain(variant: Variant, req: &Request, keys: &KeyDirectory) -> (String, String) {
    let header = |name: &str| req.headers.get_one(name).ok().flatten();
    let parts = Parts {
        method: &req.method,
        path: req.path(),
        date: header("Date").unwrap_or(""),
        pid: header("X-SuT-PID").filter(|_| variant == Variant::PartnerHash),
        cid: header("X-SuT-CID"),
        uid: header("X-SuT-UID"),
        nonce: header("X-SuT-Nonce").unwrap_or(""),
    };
    let canonical = canonical_string(variant, &parts);
    let text = canonical.to_string();
    let shown = CanonicalString::from(format!("{text}\r\n<key>")).escaped();
    let mut message = format!(
        "Bad signature. The canonical string for this request should have been: {shown} (the key line is shown as <key>)."
    );

    let presented = header("Authorization")
        .and_then(|a| parse_authorization(a).ok())
        .and_then(|a| hex_decode(&a.credentials));
    let key_id = parts
        .pid
        .filter(|_| variant == Variant::PartnerHash)
        .or(parts.cid)
        .and_then(|v| v.parse().ok());
    let key = key_id.and_then(|id| keys.get(variant, id));
    let (Some(presented), Some(key)) = (presented, key) else {
        return (message, text);
    };
    let base: Vec<String> = text.split("\r\n").map(str::to_owned).collect();
    let tried = mistakes(variant, req, &base);
    let found = tried.iter().find(|m| {
        let mut bytes = m.lines.join(m.sep).into_bytes();
        if m.key_line {
            bytes.extend_from_slice(m.sep.as_bytes());
            bytes.extend_from_slice(key.secret().expose());
            bytes.extend_from_slice(m.trailer.as_bytes());
        }
        ct_eq(&sha1_parts(&[&bytes]), &presented)
    });
    match found {
        Some(m) => {
            message.push_str(&format!(
                " The signature sent is the one for the same request with this mistake: {}.",
                m.what
            ));
            if let Some(i) = (0..base.len()).find(|&i| m.lines.get(i) != base.get(i)) {
                let theirs = m.lines.get(i).map_or("(nothing)", String::as_str);
                message.push_str(&format!(
                    " First differing line: line {} ({}): the client signed {} where the server has {}.",
                    i + 1,
                    label(&base[i], i),
                    CanonicalString::from(theirs).escaped(),
                    CanonicalString::from(base[i].as_str()).escaped(),
                ));
            }
        }
        None => {
            let names: Vec<&str> = tried.iter().map(|m| m.what.as_str()).collect();
            message.push_str(&format!(
                " The signature matches none of the common mistakes tried ({}). Check the key, then compare the client's canonical string with this one line by line, starting with line 1 (the request line: method as sent, path without the query).",
                if names.is_empty() { "none apply".to_owned() } else { names.join("; ") }
            ));
        }
    }
    (message, text)
}

fn mistakes(variant: Variant, req: &Request, base: &[String]) -> Vec<Mistake> {
    let mut out = Vec::new();
    let mut add = |what: &str, lines: Vec<String>| {
        out.push(Mistake {
            what: what.to_owned(),
            lines,
            sep: "\r\n",
            key_line: true,
            trailer: "",
        })
    };
    let with_first = |first: String| {
        let mut l = base.to_vec();
        l[0] = first;
        l
    };
    let (method, path) = (req.method.as_str(), req.path());
    if req.query().is_some() {
        add(
            "the query string was signed (the spec: it must not be included)",
            with_first(format!("{method} {}", req.target)),
        );
    }
    if method != method.to_ascii_uppercase() {
        add(
            "the method was signed upper-cased but sent otherwise (the method is signed as sent)",
            with_first(format!("{} {path}", method.to_ascii_uppercase())),
        );
    }
    if method != method.to_ascii_lowercase() {
        add(
            "the method was signed in lower case",
            with_first(format!("{} {path}", method.to_ascii_lowercase())),
        );
    }
    if path.len() > 1 && path.ends_with('/') {
        add(
            "the path was signed without its trailing slash",
            with_first(format!("{method} {}", path.trim_end_matches('/'))),
        );
    } else {
        add(
            "the path was signed with a trailing slash",
            with_first(format!("{method} {path}/")),
        );
    }
    let relabel = |f: fn(&str) -> String| {
        let mut l = base.to_vec();
        for line in l.iter_mut().skip(1) {
            if let Some((name, value)) = line.split_once(": ") {
                *line = format!("{}: {value}", f(name));
            }
        }
        l
    };
    add(
        "the header labels were lower-cased (they are the literal `X-SuT-…` spelling)",
        relabel(|n| n.to_ascii_lowercase()),
    );
    add(
        "the header labels were upper-cased (they are the literal `X-SuT-…` spelling)",
        relabel(|n| n.to_ascii_uppercase()),
    );
    add(
        "no space after the colons (it is `Name: value` with exactly one space)",
        base.iter()
            .map(|l| l.replacen(": ", ":", 1))
            .enumerate()
            .map(|(i, l)| if i == 0 { base[0].clone() } else { l })
            .collect(),
    );
    // The header lines in the order the headers were sent.
    let position = |line: &String| {
        let name = line.split(':').next().unwrap_or("");
        req.headers
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(name))
    };
    let mut wire = base[1..].to_vec();
    wire.sort_by_key(position);
    if wire != base[1..] {
        let mut l = vec![base[0].clone()];
        l.extend(wire);
        add(
            "the header lines were in the order the headers were sent (the canonical order is Date, X-SuT-PID, X-SuT-CID, X-SuT-UID, X-SuT-Nonce)",
            l,
        );
    }
    if variant == Variant::PartnerHash {
        for (name, after) in [("X-SuT-CID", "X-SuT-PID"), ("X-SuT-UID", "X-SuT-CID")] {
            if !base.iter().any(|l| l.starts_with(name)) {
                let at = base
                    .iter()
                    .position(|l| l.starts_with(after))
                    .map_or(2, |p| p + 1);
                let mut l = base.to_vec();
                l.insert(at, format!("{name}: "));
                add(
                    &format!("an empty `{name}` line was written (an absent id leaves no line)"),
                    l,
                );
            }
        }
    }
    for (what, sep, key_line, trailer) in [
        (
            "the lines were joined with LF instead of CR LF",
            "\n",
            true,
            "",
        ),
        (
            "a line break was added after the key line (it has none)",
            "\r\n",
            true,
            "\r\n",
        ),
        (
            "the key line was left out (it is the last line)",
            "\r\n",
            false,
            "",
        ),
    ] {
        out.push(Mistake {
            what: what.to_owned(),
            lines: base.to_vec(),
            sep,
            key_line,
            trailer,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_login_compare_does_not_show_the_password_length() {
        const LEN: usize = 4096;
        let expected = TokenCredentials {
            username: "demo@example.com".into(),
            password: Secret::new(vec![b'p'; LEN]),
            cid: 1,
            uid: 2,
        };
        let spread = crate::encoding::length_timing_spread(
            LEN,
            |n| Login {
                username: "demo@example.com".into(),
                password: "x".repeat(n),
            },
            |login| login_matches(login, &expected),
        );
        // Before (ct_eq on the passwords): tens of times slower at the right length.
        assert!(
            spread < 1.5,
            "time at the password's length stands out: {spread:.1}×"
        );
    }

    const KEY: &str = "2b2d77e014a30792d5048e262e306783";
    const DATE: &str = "Sat, 09 Sep 1989 11:00:00 GMT";

    /// A Hash request to `target` sent as `method`, signed over `signed` (without the
    /// key) + `tail` (the bytes from the key line on), both written out by hand.
    fn request(method: &str, target: &str, signed: &str, tail: &str) -> Request {
        let sig = crate::encoding::hex_lower(&crate::encoding::sha1(
            format!("{signed}{tail}").as_bytes(),
        ));
        Request::new(method, target)
            .header("Date", DATE)
            .header("X-SuT-CID", "7654321")
            .header("X-SuT-UID", "23456789")
            .header("X-SuT-Nonce", "n1")
            .header("Authorization", format!("SuTHash signature=\"{sig}\""))
    }

    fn keys() -> KeyDirectory {
        let mut k = KeyDirectory::new();
        k.insert(7654321, ApiKey::new(Variant::Hash, KEY).unwrap());
        k
    }

    #[test]
    fn each_common_mistake_is_recognised_and_the_key_never_shown() {
        let lines = |first: &str, sep: &str| {
            [
                first.to_owned(),
                format!("Date: {DATE}"),
                "X-SuT-CID: 7654321".into(),
                "X-SuT-UID: 23456789".into(),
                "X-SuT-Nonce: n1".into(),
            ]
            .join(sep)
        };
        let key_line = format!("\r\n{KEY}");
        let cases = [
            (
                "GET",
                "/v1/list?a=1",
                lines("GET /v1/list?a=1", "\r\n"),
                key_line.clone(),
                "the query string was signed",
            ),
            (
                "get",
                "/v1/list",
                lines("GET /v1/list", "\r\n"),
                key_line.clone(),
                "signed upper-cased",
            ),
            (
                "GET",
                "/v1/list",
                lines("get /v1/list", "\r\n"),
                key_line.clone(),
                "signed in lower case",
            ),
            (
                "GET",
                "/v1/list",
                lines("GET /v1/list/", "\r\n"),
                key_line.clone(),
                "with a trailing slash",
            ),
            (
                "GET",
                "/v1/list",
                lines("GET /v1/list", "\r\n").replace("X-SuT-", "x-sut-"),
                key_line.clone(),
                "lower-cased",
            ),
            (
                "GET",
                "/v1/list",
                lines("GET /v1/list", "\r\n")
                    .replace("X-SuT-", "X-SUT-")
                    .replace("Date:", "DATE:"),
                key_line.clone(),
                "upper-cased (they are",
            ),
            (
                "GET",
                "/v1/list",
                lines("GET /v1/list", "\r\n").replace(": ", ":"),
                key_line.clone(),
                "no space after the colons",
            ),
            (
                "GET",
                "/v1/list",
                lines("GET /v1/list", "\n"),
                format!("\n{KEY}"),
                "LF instead of CR LF",
            ),
            (
                "GET",
                "/v1/list",
                lines("GET /v1/list", "\r\n"),
                format!("\r\n{KEY}\r\n"),
                "a line break was added after the key line",
            ),
            (
                "GET",
                "/v1/list",
                lines("GET /v1/list", "\r\n"),
                String::new(),
                "the key line was left out",
            ),
        ];
        for (method, target, signed, tail, expected) in cases {
            let req = request(method, target, &signed, &tail);
            let (message, canonical) = explain(Variant::Hash, &req, &keys());
            assert!(message.contains(expected), "{expected}: {message}");
            assert!(message.contains("\\r\\n<key>\""), "{message}");
            assert!(
                !message.contains(KEY) && !canonical.contains(KEY),
                "{message}"
            );
            assert_eq!(canonical, lines(&format!("{method} /v1/list"), "\r\n"));
        }
    }

    #[test]
    fn an_empty_optional_line_is_recognised_for_partner_hash() {
        let key = "abcdefghijABCDEFGHIJabcdefghijABCDEFGHIJ";
        let signed = format!(
            "POST /v1/account\r\nDate: {DATE}\r\nX-SuT-PID: 4567\r\nX-SuT-CID: 12345\r\nX-SuT-UID: \r\nX-SuT-Nonce: n1\r\n{key}"
        );
        let sig = crate::encoding::hex_lower(&crate::encoding::sha1(signed.as_bytes()));
        let req = Request::new("POST", "/v1/account")
            .header("Date", DATE)
            .header("X-SuT-PID", "4567")
            .header("X-SuT-CID", "12345")
            .header("X-SuT-Nonce", "n1")
            .header("Authorization", format!("SuTPartner signature=\"{sig}\""));
        let mut keys = KeyDirectory::new();
        keys.insert(4567, ApiKey::new(Variant::PartnerHash, key).unwrap());
        let (message, _) = explain(Variant::PartnerHash, &req, &keys);
        assert!(message.contains("an empty `X-SuT-UID` line"), "{message}");
        assert!(message.contains("line 5 (`X-SuT-Nonce`)"), "{message}");
        assert!(!message.contains(key));
    }
}
