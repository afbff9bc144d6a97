//! The `signupto-token` scheme (vectors/README.md, "Sign-Up.to schemes"):
//! `token-request`, `parse-token-response`, `sign`, `verify` and `scenario`. Responses, identities
//! and requests use the types of [`signupto_hash`](super::signupto_hash).
//!
//! ```
//! use partner_auth::harness::{Refusal, signupto_token};
//! use partner_auth::schemes::signupto as sut;
//!
//! // Here the crate's own parser; yours goes in its place.
//! let report = signupto_token::parse_token_response(|input| {
//!     let grant = sut::parse_token_response(input.status, input.body.as_bytes())
//!         .map_err(|e| Refusal::new(e.code()))?;
//!     Ok(signupto_token::TokenGrant {
//!         token: grant.token.expose().to_owned(),
//!         expiry: grant.expiry,
//!     })
//! });
//! report.assert_conformant();
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use super::signupto_hash::{DEFAULT_WINDOW_SECONDS, Identity, ResponseInput};
use super::signupto_hash::{RawId, id, identity_json};
use super::{
    HarnessReport, RawRequest, RawState, RawStep, Refusal, request_json, run_op, scenario_op,
    serde_op, typed_steps,
};
pub use super::{HttpRequest, Scenario, ScenarioStep};
use crate::reference::parse_input;
use crate::vectors::{Answer, Case, bundled};

const SCHEME: &str = crate::schemes::signupto::TOKEN_SLUG;

/// The input of a `token-request` case: the credentials a client trades for a token.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRequestInput {
    /// The account's user name.
    pub username: String,
    /// Its password. Left out of `Debug`.
    pub password: String,
}

impl fmt::Debug for TokenRequestInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenRequestInput")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Runs every bundled `signupto-token` `token-request` case through `builder` and grades
/// the request it builds (method, target, headers, body).
///
/// # Panics
/// When a bundled case cannot be typed as a [`TokenRequestInput`] (naming case and
/// field).
pub fn token_request(
    builder: impl FnMut(&TokenRequestInput) -> Result<HttpRequest, Refusal>,
) -> HarnessReport {
    run_op(
        bundled(),
        SCHEME,
        "token-request",
        |case: &Case| parse_input(&case.input),
        |_: &Case, r: HttpRequest| request_json(&r),
        builder,
    )
}

/// A token as the token endpoint grants it.
#[derive(Clone, PartialEq, Serialize)]
pub struct TokenGrant {
    /// The token. Left out of `Debug`.
    pub token: String,
    /// `data.expiry`, as the server sent it (the page does not document its format).
    pub expiry: Value,
}

impl fmt::Debug for TokenGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenGrant")
            .field("token", &"<redacted>")
            .field("expiry", &self.expiry)
            .finish()
    }
}

/// Runs every bundled `signupto-token` `parse-token-response` case through `parser` and
/// grades it: the token and its expiry, or a refusal (`MALFORMED_TOKEN`, …).
///
/// # Panics
/// When a bundled case cannot be typed as a [`ResponseInput`] (naming case and field).
pub fn parse_token_response(
    parser: impl FnMut(&ResponseInput) -> Result<TokenGrant, Refusal>,
) -> HarnessReport {
    serde_op(SCHEME, "parse-token-response", parser)
}

/// The input of a `sign` case.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInput {
    /// The HTTP method, as sent.
    pub method: String,
    /// The request target.
    pub target: String,
    /// The `Date` header value.
    pub date: String,
    /// The `X-SuT-Nonce` value.
    pub nonce: String,
    /// The token. Left out of `Debug`.
    pub token: String,
}

impl fmt::Debug for SignInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignInput")
            .field("method", &self.method)
            .field("target", &self.target)
            .field("date", &self.date)
            .field("nonce", &self.nonce)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// What a signer gives for a `sign` case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SignOutput {
    /// The headers the signer adds, `(name, value)`, in the order it adds them.
    pub headers: Vec<(String, String)>,
}

/// Runs every bundled `signupto-token` `sign` case through `signer` and grades the
/// headers it adds, or its refusal (`MALFORMED_TOKEN`, …).
///
/// # Panics
/// When a bundled case cannot be typed as a [`SignInput`] (naming case and field).
pub fn sign(signer: impl FnMut(&SignInput) -> Result<SignOutput, Refusal>) -> HarnessReport {
    serde_op(SCHEME, "sign", signer)
}

/// A token the verifier has issued.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The token. Left out of `Debug`.
    pub token: String,
    /// When it expires, Unix seconds.
    pub expiry: i64,
    /// The company it was issued for.
    pub cid: Option<u64>,
    /// The user it was issued for.
    pub uid: Option<u64>,
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedToken")
            .field("token", &"<redacted>")
            .field("expiry", &self.expiry)
            .field("cid", &self.cid)
            .field("uid", &self.uid)
            .finish()
    }
}

/// A nonce already seen with a token inside the window.
#[derive(Clone, PartialEq, Eq)]
pub struct SeenNonce {
    /// The token it was used with. Left out of `Debug`.
    pub token: String,
    /// The nonce.
    pub nonce: String,
}

impl fmt::Debug for SeenNonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeenNonce")
            .field("token", &"<redacted>")
            .field("nonce", &self.nonce)
            .finish()
    }
}

/// The input of a `verify` case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyInput {
    /// The request to verify.
    pub request: HttpRequest,
    /// The verifier's clock, Unix seconds.
    pub now: i64,
    /// The accepted `Date` skew either side of `now`, seconds:
    /// [`DEFAULT_WINDOW_SECONDS`] when the case does not set it.
    pub window_seconds: i64,
    /// The tokens issued.
    pub tokens: Vec<IssuedToken>,
    /// Nonces already seen inside the window (the case's `state.nonces`).
    pub seen_nonces: Vec<SeenNonce>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawToken {
    token: String,
    expiry: i64,
    cid: Option<RawId>,
    uid: Option<RawId>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNonce {
    token: String,
    nonce: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVerify {
    request: RawRequest,
    now: i64,
    window_seconds: Option<i64>,
    #[serde(default)]
    tokens: Vec<RawToken>,
    #[serde(default)]
    state: RawState<RawNonce>,
}

fn issued_tokens(raw: Vec<RawToken>) -> Result<Vec<IssuedToken>, Answer> {
    raw.into_iter()
        .enumerate()
        .map(|(n, t)| {
            Ok(IssuedToken {
                cid: id(&format!("tokens[{n}].cid"), t.cid)?,
                uid: id(&format!("tokens[{n}].uid"), t.uid)?,
                token: t.token,
                expiry: t.expiry,
            })
        })
        .collect()
}

fn verify_input(case: &Case) -> Result<VerifyInput, Answer> {
    let raw: RawVerify = parse_input(&case.input)?;
    let tokens = issued_tokens(raw.tokens)?;
    Ok(VerifyInput {
        request: raw.request.typed("request.")?,
        now: raw.now,
        window_seconds: raw.window_seconds.unwrap_or(DEFAULT_WINDOW_SECONDS),
        tokens,
        seen_nonces: raw
            .state
            .nonces
            .into_iter()
            .map(|n| SeenNonce {
                token: n.token,
                nonce: n.nonce,
            })
            .collect(),
    })
}

/// Runs every bundled `signupto-token` `verify` case through `verifier` and grades it:
/// the identity the token was issued for, or a refusal (`UNKNOWN_TOKEN`,
/// `TOKEN_EXPIRED`, …).
///
/// # Panics
/// When a bundled case cannot be typed as a [`VerifyInput`] (naming case and field).
pub fn verify(verifier: impl FnMut(&VerifyInput) -> Result<Identity, Refusal>) -> HarnessReport {
    run_op(
        bundled(),
        SCHEME,
        "verify",
        verify_input,
        |_: &Case, who: Identity| -> Value { identity_json(who) },
        verifier,
    )
}

/// The verifier of a `scenario` case: what a `verify` case gives besides the request,
/// the clock and the seen nonces (a scenario starts with none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct World {
    /// The accepted `Date` skew either side of the clock, seconds:
    /// [`DEFAULT_WINDOW_SECONDS`] when the case does not set it.
    pub window_seconds: i64,
    /// The tokens issued.
    pub tokens: Vec<IssuedToken>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    window_seconds: Option<i64>,
    #[serde(default)]
    tokens: Vec<RawToken>,
    start: i64,
    steps: Vec<RawStep>,
}

/// Runs every bundled `signupto-token` `scenario` case through `verifier` and grades
/// it: one verifier per scenario, its steps answered in order (the identity the token
/// was issued for, or a refusal), its seen nonces kept from step to step.
///
/// # Panics
/// When a bundled case cannot be typed as a [`Scenario`] (naming case and field).
pub fn scenario(
    verifier: impl FnMut(&Scenario<World>) -> Vec<Result<Identity, Refusal>>,
) -> HarnessReport {
    scenario_op(
        SCHEME,
        |case: &Case| {
            let raw: RawScenario = parse_input(&case.input)?;
            Ok(Scenario {
                world: World {
                    window_seconds: raw.window_seconds.unwrap_or(DEFAULT_WINDOW_SECONDS),
                    tokens: issued_tokens(raw.tokens)?,
                },
                start: raw.start,
                steps: typed_steps(raw.steps)?,
            })
        },
        identity_json,
        verifier,
    )
}
