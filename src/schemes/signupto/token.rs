//! The Token method: `POST /v1/token`, then `Authorization: SuTToken <token>` with
//! `Date` and `X-SuT-Nonce` (S-TOKEN).

use std::collections::HashMap;

use serde_json::Value;

use super::verify::{
    DEFAULT_WINDOW_SECS, check_duplicates, check_window, nonce, one, read_date, record_nonce,
};
use super::wire::{AuthScheme, Envelope, parse_authorization, parse_response};
use super::{Error, Identity, check_method, check_nonce, check_target};
use crate::encoding::{ct_eq, parse_http_date, sha256};
use crate::replay::{NonceStore, WindowOutOfRange, check_window_secs};
use crate::{Clock, Request, Secret};

/// A session token: exactly 96 characters of the Base64 alphabet `[A-Za-z0-9+/]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token(Secret);

impl Token {
    /// Checks the shape (the official clients' `^[a-z0-9/+]{96}$`, case-insensitive).
    pub fn parse(text: &str) -> Result<Self, Error> {
        if text.len() != 96 {
            return Err(Error::MalformedToken {
                reason: "it must be exactly 96 characters long",
            });
        }
        if !text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
        {
            return Err(Error::MalformedToken {
                reason: "only A-Z, a-z, 0-9, `+` and `/` may appear",
            });
        }
        Ok(Self(Secret::from(text)))
    }

    /// The token text.
    pub fn expose(&self) -> &str {
        self.0.expose_str().expect("checked ASCII")
    }
}

/// The unauthenticated request that asks for a token.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenRequest {
    /// `POST`.
    pub method: &'static str,
    /// `/v1/token`.
    pub target: &'static str,
    /// `Content-Type: application/json`.
    pub headers: Vec<(String, String)>,
    /// `{"username":"…","password":"…"}`, compact.
    pub body: Vec<u8>,
}

impl std::fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRequest")
            .field("method", &self.method)
            .field("target", &self.target)
            .field("headers", &self.headers)
            .field("body", &"<redacted: holds the password>")
            .finish()
    }
}

/// Builds the `POST /v1/token` request.
pub fn token_request(username: &str, password: &Secret) -> Result<TokenRequest, Error> {
    let password = password.expose_str().ok_or(Error::MalformedKey {
        reason: "the password must be UTF-8 text",
    })?;
    let mut body = Vec::with_capacity(32 + username.len() + password.len());
    body.extend_from_slice(b"{\"username\":");
    body.extend_from_slice(Value::from(username).to_string().as_bytes());
    body.extend_from_slice(b",\"password\":");
    body.extend_from_slice(Value::from(password).to_string().as_bytes());
    body.push(b'}');
    Ok(TokenRequest {
        method: "POST",
        target: "/v1/token",
        headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
        body,
    })
}

/// What `POST /v1/token` granted.
#[derive(Clone, Debug, PartialEq)]
pub struct TokenGrant {
    /// The token.
    pub token: Token,
    /// `data.expiry`, as the server sent it (its format is undocumented).
    pub expiry: Value,
}

/// Parses the answer to `POST /v1/token`: an `"ok"` envelope whose `data` (an object,
/// or a one-element array of one) holds `token` and `expiry`.
pub fn parse_token_response(status: u16, body: &[u8]) -> Result<TokenGrant, Error> {
    match parse_response(status, body)? {
        Envelope::Error { code, message, .. } => Err(Error::TokenRefused { code, message }),
        Envelope::Ok { data, .. } => {
            let data = match data {
                Value::Array(mut items) if items.len() == 1 => items.remove(0),
                other => other,
            };
            let Value::Object(data) = data else {
                return Err(Error::MalformedResponse {
                    reason: "`response.data` must be an object with `token` and `expiry`".into(),
                });
            };
            let token = match data.get("token") {
                Some(Value::String(t)) => Token::parse(t)?,
                _ => {
                    return Err(Error::MalformedResponse {
                        reason: "`response.data.token` must be a string".into(),
                    });
                }
            };
            Ok(TokenGrant {
                token,
                expiry: data.get("expiry").cloned().unwrap_or(Value::Null),
            })
        }
    }
}

/// The headers a token-authenticated request carries: `Date`, `X-SuT-Nonce`,
/// `Authorization: SuTToken <token>`.
pub fn token_headers(
    method: &str,
    target: &str,
    token: &Token,
    date: &str,
    nonce: &str,
) -> Result<Vec<(String, String)>, Error> {
    check_method(method)?;
    check_target(target)?;
    parse_http_date(date).ok_or(Error::MalformedDate)?;
    check_nonce(nonce)?;
    Ok(vec![
        ("Date".to_owned(), date.to_owned()),
        ("X-SuT-Nonce".to_owned(), nonce.to_owned()),
        (
            "Authorization".to_owned(),
            format!("SuTToken {}", token.expose()),
        ),
    ])
}

/// A token a server issued, as its verifier remembers it.
#[derive(Clone, Debug)]
pub struct IssuedToken {
    /// The token.
    pub token: Token,
    /// Unix seconds; the token is valid while `now < expiry`.
    pub expiry: i64,
    /// The company and user the token stands for.
    pub identity: Identity,
}

/// Proof that a token request verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenVerified {
    identity: Identity,
}

impl TokenVerified {
    /// The company and user the token stands for.
    pub fn identity(&self) -> Identity {
        self.identity
    }
}

/// The default [`TokenVerifier::with_max_tokens`]: 10 000 unexpired tokens held at once
/// (about 3 MB).
pub const DEFAULT_MAX_TOKENS: usize = 10_000;

/// [`TokenVerifier::issue`] refused to remember another token: the verifier already holds
/// its limit of unexpired ones (a server answers 503).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{limit} unexpired tokens are already held, the limit; use an issued token until it expires instead of requesting new ones"
)]
pub struct TokenStoreFull {
    /// The limit.
    pub limit: usize,
}

impl TokenStoreFull {
    /// The stable code: `TOKEN_STORE_FULL`.
    pub fn code(&self) -> &'static str {
        "TOKEN_STORE_FULL"
    }
}

/// Whether a token request must carry `Date` and `X-SuT-Nonce`.
///
/// The Token page's example request carries a `Date` and no nonce, and says neither is
/// required; the official PHP and Node clients send both, the PyPI client `signupto` 0.1
/// sends neither. The reference requires both (decision S-TOKEN); a server that must
/// accept every real client checks them only when they are sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TokenFreshness {
    /// Both headers are required (`MISSING_DATE`, `MISSING_NONCE`): the reference.
    #[default]
    Required,
    /// Each is checked when sent (window, replay); a request without them is
    /// authenticated by the token alone, as a bearer token is.
    IfSent,
}

/// Verifies token-authenticated requests.
pub struct TokenVerifier<C: Clock, S: NonceStore> {
    /// Issued tokens by SHA-256 of the token, so look-up time says nothing of the token.
    tokens: HashMap<[u8; 32], IssuedToken>,
    clock: C,
    store: S,
    window_secs: i64,
    max_tokens: usize,
    freshness: TokenFreshness,
}

impl<C: Clock, S: NonceStore> std::fmt::Debug for TokenVerifier<C, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenVerifier")
            .field("tokens", &self.tokens.len())
            .field("window_secs", &self.window_secs)
            .field("max_tokens", &self.max_tokens)
            .field("freshness", &self.freshness)
            .finish_non_exhaustive()
    }
}

impl<C: Clock, S: NonceStore> TokenVerifier<C, S> {
    /// A verifier with no tokens and the default ±900 s Date window.
    pub fn new(clock: C, store: S) -> Self {
        Self {
            tokens: HashMap::new(),
            clock,
            store,
            window_secs: DEFAULT_WINDOW_SECS,
            max_tokens: DEFAULT_MAX_TOKENS,
            freshness: TokenFreshness::Required,
        }
    }

    /// Whether `Date` and `X-SuT-Nonce` are required (default) or checked only when
    /// sent (see [`TokenFreshness`]).
    pub fn with_freshness(mut self, freshness: TokenFreshness) -> Self {
        self.freshness = freshness;
        self
    }

    /// Sets the most unexpired tokens [`TokenVerifier::issue`] holds at once (default
    /// [`DEFAULT_MAX_TOKENS`]).
    pub fn with_max_tokens(mut self, max_tokens: usize) -> Self {
        self.max_tokens = max_tokens;
        self
    }

    /// The most unexpired tokens [`TokenVerifier::issue`] holds at once.
    pub fn max_tokens(&self) -> usize {
        self.max_tokens
    }

    /// How many tokens are held (expired ones included until purged).
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// True when no token is held.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// Forgets every token expired at `now` (Unix seconds: `now >= expiry`); returns how
    /// many. A purged token is then refused as [`Error::UnknownToken`].
    pub fn purge_expired(&mut self, now: i64) -> usize {
        let before = self.tokens.len();
        self.tokens.retain(|_, t| now < t.expiry);
        before - self.tokens.len()
    }

    /// Remembers a token a server has just issued: first forgets the expired ones (by
    /// the verifier's clock), then refuses with [`TokenStoreFull`] when
    /// [`TokenVerifier::max_tokens`] unexpired tokens are already held, so the tokens
    /// held never outgrow the limit however many are requested.
    pub fn issue(&mut self, issued: IssuedToken) -> Result<(), TokenStoreFull> {
        self.purge_expired(self.clock.now_secs());
        let digest = sha256(issued.token.expose().as_bytes());
        if self.tokens.len() >= self.max_tokens && !self.tokens.contains_key(&digest) {
            return Err(TokenStoreFull {
                limit: self.max_tokens,
            });
        }
        self.tokens.insert(digest, issued);
        Ok(())
    }

    /// Sets the Date window, in seconds either side of the clock: 1 to 86 400
    /// ([`crate::replay::MIN_WINDOW_SECS`]..=[`crate::replay::MAX_WINDOW_SECS`]); any
    /// other value is refused.
    pub fn with_window_secs(mut self, window_secs: i64) -> Result<Self, WindowOutOfRange> {
        self.window_secs = check_window_secs(window_secs)?;
        Ok(self)
    }

    /// Remembers an issued token, whatever its expiry and however many are held: for
    /// tests and fixed directories (an expired one is answered
    /// [`Error::TokenExpired`]). A server issuing tokens uses [`TokenVerifier::issue`],
    /// which purges and bounds.
    pub fn insert(&mut self, issued: IssuedToken) {
        self.tokens
            .insert(sha256(issued.token.expose().as_bytes()), issued);
    }

    /// The nonce store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The scope nonces are remembered under: the token's digest.
    pub fn replay_scope(token: &str) -> String {
        format!(
            "token:{}",
            crate::encoding::hex_lower(&sha256(token.as_bytes()))
        )
    }

    /// Verifies `req`, checking in the order of decision S-TOKEN-ORDER: headers, token
    /// shape, `Date`, nonce, known token, window, expiry, replay.
    pub fn verify(&self, req: &Request) -> Result<TokenVerified, Error> {
        check_duplicates(req)?;
        let auth = one(req, "Authorization")?.ok_or(Error::MissingAuthorization {
            expected: "SuTToken",
        })?;
        let auth = parse_authorization(auth)?;
        if auth.scheme != AuthScheme::Token {
            return Err(Error::WrongScheme {
                expected: "SuTToken",
                found: auth.scheme.token(),
            });
        }
        let token = Token::parse(&auth.credentials)?;
        let lenient = self.freshness == TokenFreshness::IfSent;
        let date_ts = match read_date(req, self.clock.now_secs()) {
            Err(Error::MissingDate) if lenient => None,
            other => Some(other?.1),
        };
        let nonce = match nonce(req) {
            Err(Error::MissingNonce) if lenient => None,
            other => Some(other?),
        };
        let digest = sha256(token.expose().as_bytes());
        // Found by digest, the digests compared again in constant time.
        let issued = self
            .tokens
            .get_key_value(&digest)
            .filter(|(stored, _)| ct_eq(stored.as_slice(), &digest))
            .map(|(_, t)| t)
            .ok_or(Error::UnknownToken)?;
        let now = self.clock.now_secs();
        if let Some(date_ts) = date_ts {
            check_window(date_ts, now, self.window_secs)?;
        }
        if now >= issued.expiry {
            return Err(Error::TokenExpired);
        }
        if let Some(nonce) = nonce {
            record_nonce(
                &self.store,
                &Self::replay_scope(token.expose()),
                nonce,
                now,
                // Without a Date the nonce is kept as long as one sent now could be.
                date_ts.unwrap_or(now),
                self.window_secs,
            )?;
        }
        Ok(TokenVerified {
            identity: issued.identity,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};

    use super::*;
    use crate::InMemoryNonceStore;

    /// A clock the test moves.
    #[derive(Clone, Default)]
    struct Manual(Arc<AtomicI64>);

    impl Clock for Manual {
        fn now_millis(&self) -> i64 {
            self.0.load(Ordering::SeqCst) * 1000
        }
    }

    fn issued(n: u8, expiry: i64) -> IssuedToken {
        let text: String = std::iter::repeat_n(char::from(b'A' + n), 96).collect();
        IssuedToken {
            token: Token::parse(&text).unwrap(),
            expiry,
            identity: Identity::default(),
        }
    }

    #[test]
    fn issued_tokens_are_purged_on_expiry_and_bounded() {
        let clock = Manual::default();
        clock.0.store(1_000, Ordering::SeqCst);
        let mut v =
            TokenVerifier::new(clock.clone(), InMemoryNonceStore::default()).with_max_tokens(2);
        assert_eq!(v.max_tokens(), 2);
        v.issue(issued(0, 1_100)).unwrap();
        v.issue(issued(1, 1_200)).unwrap();
        // Full: a third is refused while both are unexpired, naming the limit.
        let full = v.issue(issued(2, 1_300)).unwrap_err();
        assert_eq!(full, TokenStoreFull { limit: 2 });
        assert!(full.to_string().contains("2 unexpired tokens"), "{full}");
        assert_eq!(v.len(), 2);
        // Re-issuing a token already held does not count twice.
        v.issue(issued(1, 1_200)).unwrap();
        // Once the first expires, it is forgotten and makes room.
        clock.0.store(1_100, Ordering::SeqCst);
        v.issue(issued(2, 1_300)).unwrap();
        assert_eq!(v.len(), 2);
        // Every one expired: all purged.
        assert_eq!(v.purge_expired(1_300), 2);
        assert!(v.is_empty());
    }

    #[test]
    fn if_sent_freshness_accepts_a_bare_token_but_still_checks_what_is_sent() {
        let clock = Manual::default();
        clock.0.store(621_000_000, Ordering::SeqCst); // 1989-09-05
        let token = issued(0, 621_003_600);
        let auth = format!("SuTToken {}", token.token.expose());
        let bare = crate::Request::new("GET", "/v1/list").header("Authorization", &auth);
        let make = |freshness| {
            let mut v = TokenVerifier::new(clock.clone(), InMemoryNonceStore::default())
                .with_freshness(freshness);
            v.insert(issued(0, 621_003_600));
            v
        };
        // The reference requires the Date.
        assert_eq!(
            make(TokenFreshness::Required)
                .verify(&bare)
                .unwrap_err()
                .code(),
            "MISSING_DATE"
        );
        let lenient = make(TokenFreshness::IfSent);
        assert!(lenient.verify(&bare).is_ok());
        // A Date that is sent is still held to the window ...
        let stale = bare
            .clone()
            .header("Date", "Sat, 09 Sep 1989 11:00:00 GMT")
            .header("X-SuT-Nonce", "n-1");
        assert_eq!(
            lenient.verify(&stale).unwrap_err().code(),
            "DATE_OUT_OF_WINDOW"
        );
        // ... a nonce that is sent is still single-use, Date or not ...
        let with_nonce = bare.clone().header("X-SuT-Nonce", "n-2");
        assert!(lenient.verify(&with_nonce).is_ok());
        assert_eq!(
            lenient.verify(&with_nonce).unwrap_err().code(),
            "NONCE_REPLAYED"
        );
        // ... and a malformed one is refused, never read as absent.
        let empty_nonce = bare.header("X-SuT-Nonce", "");
        assert_eq!(
            lenient.verify(&empty_nonce).unwrap_err().code(),
            "MALFORMED_NONCE"
        );
    }
}
