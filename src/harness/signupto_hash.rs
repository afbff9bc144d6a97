//! The `signupto-hash` scheme (vectors/README.md, "Sign-Up.to schemes"): `sign`. Its
//! types serve [`signupto_partner_hash`](super::signupto_partner_hash) too.

use std::fmt;

use serde::Deserialize;
use serde_json::json;

use super::{HarnessReport, Refusal, bad, call, headers_json, refused, run_cases};
use crate::reference::parse_input;
use crate::vectors::{Answer, Case, bundled};

const SCHEME: &str = "signupto-hash";

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
enum RawId {
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

fn id(field: &str, raw: Option<RawId>) -> Result<Option<u64>, Answer> {
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
    mut signer: impl FnMut(&SignInput) -> Result<SignOutput, Refusal>,
) -> HarnessReport {
    run_cases(bundled(), scheme, "sign", |case: &Case| {
        answer_sign(case, &mut signer).unwrap_or_else(|a| a)
    })
}

fn answer_sign(
    case: &Case,
    signer: &mut impl FnMut(&SignInput) -> Result<SignOutput, Refusal>,
) -> Result<Answer, Answer> {
    let raw: RawSign = parse_input(&case.input)?;
    let input = SignInput {
        pid: id("pid", raw.pid)?,
        cid: id("cid", raw.cid)?,
        uid: id("uid", raw.uid)?,
        method: raw.method,
        target: raw.target,
        date: raw.date,
        nonce: raw.nonce,
        key: raw.key,
    };
    Ok(match call(signer, &input)? {
        Ok(out) => Answer::Output(json!({
            "canonical": out.canonical,
            "signature": out.signature,
            "headers": headers_json(&out.headers),
        })),
        Err(r) => refused(r),
    })
}
