//! The `signupto-hash` scheme (vectors/README.md, "Sign-Up.to schemes"): `sign`,
//! `verify`, `scenario`, `parse-authorization` and `parse-response`. Its types serve
//! [`signupto_partner_hash`](super::signupto_partner_hash) and
//! [`signupto_token`](super::signupto_token) too.
//!
//! ```
//! use partner_auth::harness::{Refusal, signupto_hash};
//! use partner_auth::schemes::signupto as sut;
//!
//! // Here the crate's own parser; yours goes in its place.
//! let report = signupto_hash::parse_response(|input| {
//!     sut::parse_response(input.status, input.body.as_bytes()).map_err(|e| Refusal::new(e.code()))
//! });
//! report.assert_conformant();
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{
    HarnessReport, RawRequest, RawState, RawStep, Refusal, bad, headers_json, run_op, scenario_op,
    serde_op, typed_steps,
};
pub use super::{HttpRequest, Scenario, ScenarioStep};
use crate::reference::{envelope_json, parse_input};
/// A parsed response envelope (the scheme's own type).
pub use crate::schemes::signupto::Envelope;
use crate::vectors::{Answer, Case, bundled};

const SCHEME: &str = crate::schemes::signupto::HASH_SLUG;

/// The input of a `sign` case.
#[derive(Clone, PartialEq, Eq)]
pub struct SignInput {
    /// The HTTP method, as sent.
    pub method: String,
    /// The request target: path, optionally `?query` (never signed).
    pub target: String,
    /// The `Date` header value.
    pub date: String,
    /// The partner id (`X-SuT-PID`): `signupto-partner-hash` only, `None` here.
    pub pid: Option<u64>,
    /// The company id (`X-SuT-CID`); `None` when the case leaves it out.
    pub cid: Option<u64>,
    /// The user id (`X-SuT-UID`); `None` when the case leaves it out.
    pub uid: Option<u64>,
    /// The `X-SuT-Nonce` value.
    pub nonce: String,
    /// The API key (the company key for Hash, the partner key for Partner Hash). Left out
    /// of `Debug`.
    pub key: String,
}

impl fmt::Debug for SignInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignInput")
            .field("method", &self.method)
            .field("target", &self.target)
            .field("date", &self.date)
            .field("pid", &self.pid)
            .field("cid", &self.cid)
            .field("uid", &self.uid)
            .field("nonce", &self.nonce)
            .field("key", &"<redacted>")
            .finish()
    }
}

/// What a signer gives for a `sign` case: every stage the vectors pin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignOutput {
    /// The canonical string without its final key line (lines joined by `\r\n`).
    pub canonical: String,
    /// Lowercase hex SHA-1 of `canonical + "\r\n" + key`.
    pub signature: String,
    /// The headers the signer adds, `(name, value)`, in the order it adds them.
    pub headers: Vec<(String, String)>,
}

/// An id as the vectors write it: an integer, or a decimal string above 2^53.
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum RawId {
    Number(u64),
    Text(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSign {
    method: String,
    target: String,
    date: String,
    pid: Option<RawId>,
    cid: Option<RawId>,
    uid: Option<RawId>,
    nonce: String,
    key: String,
}

pub(super) fn id(field: &str, raw: Option<RawId>) -> Result<Option<u64>, Answer> {
    match raw {
        None => Ok(None),
        Some(RawId::Number(n)) => Ok(Some(n)),
        Some(RawId::Text(text)) => text
            .parse::<u64>()
            .map(Some)
            .map_err(|_| bad(field, format!("`{text}` is not a decimal id below 2^64"))),
    }
}

/// Runs every bundled `signupto-hash` `sign` case through `signer` and grades it.
///
/// # Panics
/// When a bundled case cannot be typed as a [`SignInput`] (naming case and field).
pub fn sign(signer: impl FnMut(&SignInput) -> Result<SignOutput, Refusal>) -> HarnessReport {
    sign_scheme(SCHEME, signer)
}

/// The `sign` harness of `signupto-hash` or `signupto-partner-hash`.
pub(super) fn sign_scheme(
    scheme: &str,
    signer: impl FnMut(&SignInput) -> Result<SignOutput, Refusal>,
) -> HarnessReport {
    run_op(bundled(), scheme, "sign", sign_input, sign_output, signer)
}

fn sign_input(case: &Case) -> Result<SignInput, Answer> {
    let raw: RawSign = parse_input(&case.input)?;
    Ok(SignInput {
        pid: id("pid", raw.pid)?,
        cid: id("cid", raw.cid)?,
        uid: id("uid", raw.uid)?,
        method: raw.method,
        target: raw.target,
        date: raw.date,
        nonce: raw.nonce,
        key: raw.key,
    })
}

fn sign_output(_: &Case, out: SignOutput) -> Value {
    json!({
        "canonical": out.canonical,
        "signature": out.signature,
        "headers": headers_json(&out.headers),
    })
}

/// One entry of the verifier's key directory.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyEntry {
    /// The key's id: the company id (`cid`) for Hash, the partner id (`pid`) for
    /// Partner Hash.
    pub id: u64,
    /// The API key. Left out of `Debug`.
    pub key: String,
}

impl fmt::Debug for KeyEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyEntry")
            .field("id", &self.id)
            .field("key", &"<redacted>")
            .finish()
    }
}

/// A nonce already seen under a key id inside the window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeenNonce {
    /// The key id it was used under (`cid` for Hash, `pid` for Partner Hash).
    pub id: u64,
    /// The nonce.
    pub nonce: String,
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
    /// The key directory.
    pub keys: Vec<KeyEntry>,
    /// Nonces already seen inside the window (the case's `state.nonces`).
    pub seen_nonces: Vec<SeenNonce>,
}

/// The window a `verify` case means when it sets none (vectors/README.md, S6).
pub const DEFAULT_WINDOW_SECONDS: i64 = 900;

/// Who a verified request authenticated: the ids it presented.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    /// `X-SuT-PID` (Partner Hash).
    pub pid: Option<u64>,
    /// `X-SuT-CID`.
    pub cid: Option<u64>,
    /// `X-SuT-UID`.
    pub uid: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKey {
    pid: Option<RawId>,
    cid: Option<RawId>,
    key: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNonce {
    pid: Option<RawId>,
    cid: Option<RawId>,
    nonce: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVerify {
    request: RawRequest,
    now: i64,
    window_seconds: Option<i64>,
    #[serde(default)]
    keys: Vec<RawKey>,
    #[serde(default)]
    state: RawState<RawNonce>,
}

/// Runs every bundled `signupto-hash` `verify` case through `verifier` and grades it.
/// The verifier answers with the identity the request presented, or a refusal with its
/// code (`SIGNATURE_MISMATCH`, …). [`KeyEntry::id`] and [`SeenNonce::id`] are company
/// ids.
///
/// # Panics
/// When a bundled case cannot be typed as a [`VerifyInput`] (naming case and field).
pub fn verify(verifier: impl FnMut(&VerifyInput) -> Result<Identity, Refusal>) -> HarnessReport {
    verify_scheme(SCHEME, "cid", verifier)
}

/// The `verify` harness of `signupto-hash` (key ids are `cid`) or
/// `signupto-partner-hash` (`pid`).
pub(super) fn verify_scheme(
    scheme: &str,
    id_field: &'static str,
    verifier: impl FnMut(&VerifyInput) -> Result<Identity, Refusal>,
) -> HarnessReport {
    run_op(
        bundled(),
        scheme,
        "verify",
        |case: &Case| verify_input(case, id_field),
        |_: &Case, who: Identity| identity_json(who),
        verifier,
    )
}

/// `{"identity": {…}}` with the ids the identity holds.
pub(super) fn identity_json(who: Identity) -> Value {
    let mut ids = Map::new();
    for (name, value) in [("pid", who.pid), ("cid", who.cid), ("uid", who.uid)] {
        if let Some(v) = value {
            ids.insert(name.into(), Value::from(v));
        }
    }
    json!({ "identity": ids })
}

fn key_id(
    field: &str,
    id_field: &str,
    pid: Option<RawId>,
    cid: Option<RawId>,
) -> Result<u64, Answer> {
    let (wanted, other) = if id_field == "pid" {
        (pid, cid)
    } else {
        (cid, pid)
    };
    if other.is_some() {
        return Err(bad(field, format!("holds an id other than `{id_field}`")));
    }
    id(&format!("{field}.{id_field}"), wanted)?
        .ok_or_else(|| bad(field, format!("needs `{id_field}`")))
}

fn key_entries(raw: Vec<RawKey>, id_field: &str) -> Result<Vec<KeyEntry>, Answer> {
    raw.into_iter()
        .enumerate()
        .map(|(n, k)| {
            Ok(KeyEntry {
                id: key_id(&format!("keys[{n}]"), id_field, k.pid, k.cid)?,
                key: k.key,
            })
        })
        .collect()
}

fn verify_input(case: &Case, id_field: &str) -> Result<VerifyInput, Answer> {
    let raw: RawVerify = parse_input(&case.input)?;
    let r = raw.request;
    let keys = key_entries(raw.keys, id_field)?;
    let mut seen_nonces = Vec::with_capacity(raw.state.nonces.len());
    for (n, s) in raw.state.nonces.into_iter().enumerate() {
        seen_nonces.push(SeenNonce {
            id: key_id(&format!("state.nonces[{n}]"), id_field, s.pid, s.cid)?,
            nonce: s.nonce,
        });
    }
    Ok(VerifyInput {
        request: r.typed("request.")?,
        now: raw.now,
        window_seconds: raw.window_seconds.unwrap_or(DEFAULT_WINDOW_SECONDS),
        keys,
        seen_nonces,
    })
}

/// The verifier of a `scenario` case: what a `verify` case gives besides the request,
/// the clock and the seen nonces (a scenario starts with none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct World {
    /// The accepted `Date` skew either side of the clock, seconds:
    /// [`DEFAULT_WINDOW_SECONDS`] when the case does not set it.
    pub window_seconds: i64,
    /// The key directory ([`KeyEntry::id`]: company ids for Hash, partner ids for
    /// Partner Hash).
    pub keys: Vec<KeyEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    window_seconds: Option<i64>,
    #[serde(default)]
    keys: Vec<RawKey>,
    start: i64,
    steps: Vec<RawStep>,
}

/// Runs every bundled `signupto-hash` `scenario` case through `verifier` and grades it:
/// one verifier per scenario, its steps answered in order (the identity a request
/// presented, or a refusal with its code), its seen nonces kept from step to step.
///
/// # Panics
/// When a bundled case cannot be typed as a [`Scenario`] (naming case and field).
pub fn scenario(
    verifier: impl FnMut(&Scenario<World>) -> Vec<Result<Identity, Refusal>>,
) -> HarnessReport {
    scenario_scheme(SCHEME, "cid", verifier)
}

/// The `scenario` harness of `signupto-hash` (key ids are `cid`) or
/// `signupto-partner-hash` (`pid`).
pub(super) fn scenario_scheme(
    scheme: &str,
    id_field: &'static str,
    verifier: impl FnMut(&Scenario<World>) -> Vec<Result<Identity, Refusal>>,
) -> HarnessReport {
    scenario_op(
        scheme,
        |case: &Case| {
            let raw: RawScenario = parse_input(&case.input)?;
            Ok(Scenario {
                world: World {
                    window_seconds: raw.window_seconds.unwrap_or(DEFAULT_WINDOW_SECONDS),
                    keys: key_entries(raw.keys, id_field)?,
                },
                start: raw.start,
                steps: typed_steps(raw.steps)?,
            })
        },
        identity_json,
        verifier,
    )
}

/// The input of a `parse-authorization` case.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorizationInput {
    /// The `Authorization` header value, as received.
    pub value: String,
}

/// A parsed `Authorization` value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Authorization {
    /// The scheme token as the page writes it (`SuTHash`, `SuTPartnerHash`, `SuTToken`).
    pub scheme: String,
    /// The credentials: the signature's hex, or the token.
    pub credentials: String,
}

/// Runs every bundled `signupto-hash` `parse-authorization` case through `parser` and
/// grades it: the scheme and credentials, or a refusal (`MALFORMED_AUTHORIZATION`, …).
///
/// # Panics
/// When a bundled case cannot be typed as an [`AuthorizationInput`] (naming case and
/// field).
pub fn parse_authorization(
    parser: impl FnMut(&AuthorizationInput) -> Result<Authorization, Refusal>,
) -> HarnessReport {
    serde_op(SCHEME, "parse-authorization", parser)
}

/// The input of a `parse-response` (or `parse-token-response`) case: a response as a
/// client receives it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseInput {
    /// The HTTP status.
    pub status: u16,
    /// The body text.
    pub body: String,
}

/// Runs every bundled `signupto-hash` `parse-response` case through `parser` and grades
/// it: the envelope, or a refusal (`MALFORMED_RESPONSE`, …).
///
/// # Panics
/// When a bundled case cannot be typed as a [`ResponseInput`] (naming case and field).
pub fn parse_response(
    parser: impl FnMut(&ResponseInput) -> Result<Envelope, Refusal>,
) -> HarnessReport {
    run_op(
        bundled(),
        SCHEME,
        "parse-response",
        |case: &Case| parse_input(&case.input),
        |_: &Case, e: Envelope| envelope_json(e),
        parser,
    )
}
