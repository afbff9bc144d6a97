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

/// Verifies token-authenticated requests.
pub struct TokenVerifier<C: Clock, S: NonceStore> {
    /// Issued tokens by SHA-256 of the token, so look-up time says nothing of the token.
    tokens: HashMap<[u8; 32], IssuedToken>,
    clock: C,
    store: S,
    window_secs: i64,
}

impl<C: Clock, S: NonceStore> std::fmt::Debug for TokenVerifier<C, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenVerifier")
            .field("tokens", &self.tokens.len())
            .field("window_secs", &self.window_secs)
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
        }
    }

    /// Sets the Date window, in seconds either side of the clock: 1 to 86 400
    /// ([`crate::replay::MIN_WINDOW_SECS`]..=[`crate::replay::MAX_WINDOW_SECS`]); any
    /// other value is refused.
    pub fn with_window_secs(mut self, window_secs: i64) -> Result<Self, WindowOutOfRange> {
        self.window_secs = check_window_secs(window_secs)?;
        Ok(self)
    }

    /// Remembers an issued token.
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
        let (_date, date_ts) = read_date(req)?;
        let nonce = nonce(req)?;
        let digest = sha256(token.expose().as_bytes());
        let issued = self
            .tokens
            .get(&digest)
            .filter(|t| ct_eq(t.token.expose().as_bytes(), token.expose().as_bytes()))
            .ok_or(Error::UnknownToken)?;
        let now = self.clock.now_secs();
        check_window(date_ts, now, self.window_secs)?;
        if now >= issued.expiry {
            return Err(Error::TokenExpired);
        }
        record_nonce(
            &self.store,
            &Self::replay_scope(token.expose()),
            nonce,
            now,
            date_ts,
            self.window_secs,
        )?;
        Ok(TokenVerified {
            identity: issued.identity,
        })
    }
}
