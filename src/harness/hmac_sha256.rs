//! The `hmac-sha256` scheme (vectors/README.md, "`hmac-sha256`"): `sign`, `verify`,
//! `scenario`, `error-response` and `parse-error`.
//!
//! ```
//! use partner_auth::harness::{Refusal, hmac_sha256};
//! use partner_auth::schemes::hmac as hm;
//!
//! // Here the crate's own parser; yours goes in its place.
//! let report = hmac_sha256::parse_error(|input| {
//!     hm::parse_error_envelope(&input.body).map_err(|e| Refusal::new(e.code()))
//! });
//! report.assert_conformant();
//! ```

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{
    HarnessReport, RawRequest, RawState, RawStep, Refusal, bad, body_bytes, headers_json, run_op,
    scenario_op, serde_op, typed_steps,
};
pub use super::{HttpRequest, Scenario, ScenarioStep};
use crate::reference::{error_envelope_json, parse_input};
/// A parsed error envelope (the scheme's own type).
pub use crate::schemes::hmac::ErrorEnvelope;
use crate::vectors::{Answer, Case, LoadedFile, bundled};

const SCHEME: &str = crate::schemes::hmac::SLUG;

/// The input of a `sign` case.
#[derive(Clone, PartialEq, Eq)]
pub struct SignInput {
    /// The HTTP method, as sent.
    pub method: String,
    /// The request target: path, optionally `?query`.
    pub target: String,
    /// `X-Timestamp`, Unix seconds.
    pub timestamp: i64,
    /// `X-Nonce`.
    pub nonce: String,
    /// The body bytes (from `body`, `body_base64` or `body_pattern` × `body_repeat`).
    pub body: Vec<u8>,
    /// `X-Api-Key`.
    pub api_key: String,
    /// The secret; its UTF-8 bytes are the HMAC key. Left out of `Debug`.
    pub secret: String,
}

impl fmt::Debug for SignInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignInput")
            .field("method", &self.method)
            .field("target", &self.target)
            .field("timestamp", &self.timestamp)
            .field("nonce", &self.nonce)
            .field("body", &format_args!("{} bytes", self.body.len()))
            .field("api_key", &self.api_key)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// What a signer gives for a `sign` case: every stage the vectors pin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignOutput {
    /// The bytes of `METHOD\nPATH\nTIMESTAMP\nNONCE\nBODY`. The harness grades them as
    /// the case gives them (`string_to_sign`, `string_to_sign_base64` when not UTF-8, or
    /// `string_to_sign_sha256` for the large repeated bodies).
    pub string_to_sign: Vec<u8>,
    /// Standard padded Base64 of the MAC.
    pub signature: String,
    /// The headers the signer adds, `(name, value)`, in the order it adds them.
    pub headers: Vec<(String, String)>,
}

/// One entry of the verifier's key directory.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyEntry {
    /// The API key.
    pub api_key: String,
    /// Its secret. Left out of `Debug`.
    pub secret: String,
    /// False when the key is disabled (`GA2021`); `true` when the case does not say.
    pub enabled: bool,
    /// The allow-list (`203.0.113.0/24`, `2001:db8::1`, …) as the case writes it; empty
    /// means any client address.
    pub allowed_ips: Vec<String>,
}

impl fmt::Debug for KeyEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyEntry")
            .field("api_key", &self.api_key)
            .field("secret", &"<redacted>")
            .field("enabled", &self.enabled)
            .field("allowed_ips", &self.allowed_ips)
            .finish()
    }
}

/// A nonce already used with a key inside the window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeenNonce {
    /// The key it was used with.
    pub api_key: String,
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
    /// The accepted timestamp skew either side of `now`, seconds:
    /// [`DEFAULT_WINDOW_SECONDS`] when the case does not set it.
    pub window_seconds: i64,
    /// The connecting address; `None` means unknown.
    pub client_ip: Option<IpAddr>,
    /// The key directory.
    pub keys: Vec<KeyEntry>,
    /// Nonces already used inside the window (the case's `state.nonces`).
    pub seen_nonces: Vec<SeenNonce>,
}

/// The window a `verify` case means when it sets none: the page's ±60 s.
pub const DEFAULT_WINDOW_SECONDS: i64 = 60;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSign {
    method: String,
    target: String,
    timestamp: i64,
    nonce: String,
    body: Option<String>,
    body_base64: Option<String>,
    body_pattern: Option<String>,
    body_repeat: Option<usize>,
    api_key: String,
    secret: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKey {
    api_key: String,
    secret: String,
    enabled: Option<bool>,
    #[serde(default)]
    allowed_ips: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNonce {
    api_key: String,
    nonce: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVerify {
    request: RawRequest,
    now: i64,
    window_seconds: Option<i64>,
    client_ip: Option<String>,
    #[serde(default)]
    keys: Vec<RawKey>,
    #[serde(default)]
    state: RawState<RawNonce>,
}

/// Runs every bundled `hmac-sha256` `sign` case through `signer` and grades it.
///
/// # Panics
/// When a bundled case cannot be typed as a [`SignInput`] (naming case and field).
pub fn sign(signer: impl FnMut(&SignInput) -> Result<SignOutput, Refusal>) -> HarnessReport {
    sign_cases(bundled(), signer)
}

pub(super) fn sign_cases(
    files: &[LoadedFile],
    signer: impl FnMut(&SignInput) -> Result<SignOutput, Refusal>,
) -> HarnessReport {
    run_op(files, SCHEME, "sign", sign_input, sign_output, signer)
}

fn sign_input(case: &Case) -> Result<SignInput, Answer> {
    let raw: RawSign = parse_input(&case.input)?;
    Ok(SignInput {
        body: body_bytes(
            "",
            raw.body.as_deref(),
            raw.body_base64.as_deref(),
            raw.body_pattern.as_deref(),
            raw.body_repeat,
        )?,
        method: raw.method,
        target: raw.target,
        timestamp: raw.timestamp,
        nonce: raw.nonce,
        api_key: raw.api_key,
        secret: raw.secret,
    })
}

fn sign_output(case: &Case, out: SignOutput) -> Value {
    let bytes = &out.string_to_sign;
    let (stage, text) = if case.input.get("body_repeat").is_some_and(|v| !v.is_null()) {
        (
            "string_to_sign_sha256",
            crate::encoding::hex_lower(&crate::encoding::sha256(bytes)),
        )
    } else {
        match std::str::from_utf8(bytes) {
            Ok(text) => ("string_to_sign", text.to_owned()),
            Err(_) => (
                "string_to_sign_base64",
                crate::encoding::base64_encode(bytes),
            ),
        }
    };
    let mut json = Map::new();
    json.insert(stage.into(), Value::from(text));
    json.insert("signature".into(), Value::from(out.signature));
    json.insert("headers".into(), headers_json(&out.headers));
    Value::Object(json)
}

/// Runs every bundled `hmac-sha256` `verify` case through `verifier` and grades it. The
/// verifier answers with the authenticated API key, or a refusal with its GA code.
///
/// # Panics
/// When a bundled case cannot be typed as a [`VerifyInput`] (naming case and field).
pub fn verify(verifier: impl FnMut(&VerifyInput) -> Result<String, Refusal>) -> HarnessReport {
    verify_cases(bundled(), verifier)
}

fn verify_cases(
    files: &[LoadedFile],
    verifier: impl FnMut(&VerifyInput) -> Result<String, Refusal>,
) -> HarnessReport {
    run_op(
        files,
        SCHEME,
        "verify",
        verify_input,
        |_: &Case, api_key: String| json!({ "api_key": api_key }),
        verifier,
    )
}

fn client_ip(text: Option<String>) -> Result<Option<IpAddr>, Answer> {
    text.map(|text| {
        text.parse::<IpAddr>().map_err(|_| {
            bad(
                "client_ip",
                "not an IPv4 or IPv6 address such as `203.0.113.7`",
            )
        })
    })
    .transpose()
}

fn key_entries(keys: Vec<RawKey>) -> Vec<KeyEntry> {
    keys.into_iter()
        .map(|k| KeyEntry {
            api_key: k.api_key,
            secret: k.secret,
            enabled: k.enabled.unwrap_or(true),
            allowed_ips: k.allowed_ips,
        })
        .collect()
}

fn verify_input(case: &Case) -> Result<VerifyInput, Answer> {
    let raw: RawVerify = parse_input(&case.input)?;
    let r = raw.request;
    Ok(VerifyInput {
        request: r.typed("request.")?,
        now: raw.now,
        window_seconds: raw.window_seconds.unwrap_or(DEFAULT_WINDOW_SECONDS),
        client_ip: client_ip(raw.client_ip)?,
        keys: key_entries(raw.keys),
        seen_nonces: raw
            .state
            .nonces
            .into_iter()
            .map(|n| SeenNonce {
                api_key: n.api_key,
                nonce: n.nonce,
            })
            .collect(),
    })
}

/// The verifier of a `scenario` case: what a `verify` case gives besides the request,
/// the clock and the used nonces (a scenario starts with none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct World {
    /// The accepted timestamp skew either side of the clock, seconds:
    /// [`DEFAULT_WINDOW_SECONDS`] when the case does not set it.
    pub window_seconds: i64,
    /// The connecting address of every step; `None` means unknown.
    pub client_ip: Option<IpAddr>,
    /// The key directory.
    pub keys: Vec<KeyEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    window_seconds: Option<i64>,
    client_ip: Option<String>,
    #[serde(default)]
    keys: Vec<RawKey>,
    start: i64,
    steps: Vec<RawStep>,
}

fn scenario_input(case: &Case) -> Result<Scenario<World>, Answer> {
    let raw: RawScenario = parse_input(&case.input)?;
    Ok(Scenario {
        world: World {
            window_seconds: raw.window_seconds.unwrap_or(DEFAULT_WINDOW_SECONDS),
            client_ip: client_ip(raw.client_ip)?,
            keys: key_entries(raw.keys),
        },
        start: raw.start,
        steps: typed_steps(raw.steps)?,
    })
}

/// Runs every bundled `hmac-sha256` `scenario` case through `verifier` and grades it:
/// one verifier per scenario, its steps answered in order (the authenticated API key,
/// or a refusal with its GA code), its used nonces kept from step to step. The
/// scenarios pin replay protection across requests: a replayed request is refused, and
/// (under [`Profile::Hardened`](crate::vectors::Profile)) a forged request does not
/// burn the nonce of the genuine one that follows.
///
/// # Panics
/// When a bundled case cannot be typed as a [`Scenario`] (naming case and field).
pub fn scenario(
    verifier: impl FnMut(&Scenario<World>) -> Vec<Result<String, Refusal>>,
) -> HarnessReport {
    scenario_op(
        SCHEME,
        scenario_input,
        |api_key: String| json!({ "api_key": api_key }),
        verifier,
    )
}

/// The input of an `error-response` case: the error a verifier answers with.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorResponseInput {
    /// The GA code (`GA2001`, …).
    pub code: String,
    /// The server's clock, Unix milliseconds (the envelope's `timestamp`).
    pub timestamp_ms: i64,
}

/// The response a verifier sends for an error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErrorResponse {
    /// The HTTP status.
    pub status: u16,
    /// The JSON envelope, as sent (compared as JSON where the case says so).
    pub body: String,
}

/// Runs every bundled `hmac-sha256` `error-response` case through `imp` and grades it:
/// the status and envelope a verifier sends for a GA code, or a refusal of an unknown
/// code.
///
/// # Panics
/// When a bundled case cannot be typed as an [`ErrorResponseInput`] (naming case and
/// field).
pub fn error_response(
    imp: impl FnMut(&ErrorResponseInput) -> Result<ErrorResponse, Refusal>,
) -> HarnessReport {
    serde_op(SCHEME, "error-response", imp)
}

/// The input of a `parse-error` case: an error response's body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseErrorInput {
    /// The body bytes (from `body` or `body_base64`).
    pub body: Vec<u8>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParseError {
    body: Option<String>,
    body_base64: Option<String>,
}

/// Runs every bundled `hmac-sha256` `parse-error` case through `parser` and grades it:
/// the envelope's members, or a refusal (`MALFORMED_ERROR_RESPONSE`).
///
/// # Panics
/// When a bundled case cannot be typed as a [`ParseErrorInput`] (naming case and field).
pub fn parse_error(
    parser: impl FnMut(&ParseErrorInput) -> Result<ErrorEnvelope, Refusal>,
) -> HarnessReport {
    run_op(
        bundled(),
        SCHEME,
        "parse-error",
        |case: &Case| {
            let raw: RawParseError = parse_input(&case.input)?;
            Ok(ParseErrorInput {
                body: body_bytes(
                    "",
                    raw.body.as_deref(),
                    raw.body_base64.as_deref(),
                    None,
                    None,
                )?,
            })
        },
        |_: &Case, e: ErrorEnvelope| error_envelope_json(e),
        parser,
    )
}
