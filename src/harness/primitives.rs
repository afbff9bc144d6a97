//! The `primitives/*` files (published RFC and FIPS vectors): `sha1` and `sha256`
//! `digest`, `hmac-sha1` and `hmac-sha256` `mac`, `base64` `encode` and `decode`. Each
//! takes and gives bytes; the harness writes them as the hex and text the cases hold.
//!
//! ```
//! use partner_auth::harness::primitives;
//!
//! // Here the crate's own SHA-256; yours goes in its place.
//! let report = primitives::sha256(|input| Ok(partner_auth::encoding::sha256(&input.data).to_vec()));
//! report.assert_conformant();
//! ```

use std::fmt;

use serde::Deserialize;
use serde_json::{Value, json};

use super::{HarnessReport, Refusal, bad, run_op};
use crate::encoding::{hex_decode, hex_lower};
use crate::reference::parse_input;
use crate::registry::primitives;
use crate::vectors::{Answer, Case, bundled};

/// The input of a `digest` case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigestInput {
    /// The message: `data_hex` repeated `repeat` times.
    pub data: Vec<u8>,
}

/// The input of a `mac` case.
#[derive(Clone, PartialEq, Eq)]
pub struct MacInput {
    /// The key. Left out of `Debug`.
    pub key: Vec<u8>,
    /// The message.
    pub data: Vec<u8>,
}

impl fmt::Debug for MacInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MacInput")
            .field("key", &"<redacted>")
            .field("data", &format_args!("{} bytes", self.data.len()))
            .finish()
    }
}

/// The input of a `base64` `encode` case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodeInput {
    /// The bytes to encode.
    pub data: Vec<u8>,
}

/// The input of a `base64` `decode` case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeInput {
    /// The text to decode.
    pub text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDigest {
    data_hex: String,
    repeat: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMac {
    key_hex: String,
    data_hex: String,
    /// Typed here so that a malformed value stops the harness; [`mac_output`] applies it.
    #[allow(dead_code)]
    truncate_bytes: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEncode {
    data_hex: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDecode {
    text: String,
}

fn hex(field: &str, text: &str) -> Result<Vec<u8>, Answer> {
    hex_decode(text).ok_or_else(|| bad(field, "not hexadecimal"))
}

fn digest_input(case: &Case) -> Result<DigestInput, Answer> {
    let raw: RawDigest = parse_input(&case.input)?;
    Ok(DigestInput {
        data: hex("data_hex", &raw.data_hex)?.repeat(raw.repeat.unwrap_or(1)),
    })
}

fn digest(
    scheme: &str,
    imp: impl FnMut(&DigestInput) -> Result<Vec<u8>, Refusal>,
) -> HarnessReport {
    let output = |_: &Case, d: Vec<u8>| json!({ "digest_hex": hex_lower(&d) });
    run_op(bundled(), scheme, "digest", digest_input, output, imp)
}

/// Runs every bundled `primitives/sha1` `digest` case through `imp` (the SHA-1 of
/// [`DigestInput::data`]) and grades it.
///
/// # Panics
/// When a bundled case cannot be typed as a [`DigestInput`] (naming case and field).
pub fn sha1(imp: impl FnMut(&DigestInput) -> Result<Vec<u8>, Refusal>) -> HarnessReport {
    digest(primitives::SHA1, imp)
}

/// Runs every bundled `primitives/sha256` `digest` case through `imp` (the SHA-256 of
/// [`DigestInput::data`]) and grades it.
///
/// # Panics
/// When a bundled case cannot be typed as a [`DigestInput`] (naming case and field).
pub fn sha256(imp: impl FnMut(&DigestInput) -> Result<Vec<u8>, Refusal>) -> HarnessReport {
    digest(primitives::SHA256, imp)
}

fn mac_input(case: &Case) -> Result<MacInput, Answer> {
    let raw: RawMac = parse_input(&case.input)?;
    Ok(MacInput {
        key: hex("key_hex", &raw.key_hex)?,
        data: hex("data_hex", &raw.data_hex)?,
    })
}

/// The MAC as the case holds it: its first `truncate_bytes` bytes when it says so.
fn mac_output(case: &Case, mut mac: Vec<u8>) -> Value {
    if let Some(n) = case.input.get("truncate_bytes").and_then(Value::as_u64) {
        mac.truncate(usize::try_from(n).unwrap_or(usize::MAX));
    }
    json!({ "mac_hex": hex_lower(&mac) })
}

/// Runs every bundled `primitives/hmac-sha1` `mac` case through `imp` and grades it.
/// `imp` gives the whole MAC; where a case pins only a prefix (`truncate_bytes`, RFC 2202
/// and RFC 4231 test case 5) the harness compares that prefix.
///
/// # Panics
/// When a bundled case cannot be typed as a [`MacInput`] (naming case and field).
pub fn hmac_sha1(imp: impl FnMut(&MacInput) -> Result<Vec<u8>, Refusal>) -> HarnessReport {
    run_op(
        bundled(),
        primitives::HMAC_SHA1,
        "mac",
        mac_input,
        mac_output,
        imp,
    )
}

/// Runs every bundled `primitives/hmac-sha256` `mac` case through `imp` and grades it,
/// as [`hmac_sha1`] does.
///
/// # Panics
/// When a bundled case cannot be typed as a [`MacInput`] (naming case and field).
pub fn hmac_sha256(imp: impl FnMut(&MacInput) -> Result<Vec<u8>, Refusal>) -> HarnessReport {
    run_op(
        bundled(),
        primitives::HMAC_SHA256,
        "mac",
        mac_input,
        mac_output,
        imp,
    )
}

/// Runs every bundled `primitives/base64` `encode` case through `imp` (standard padded
/// Base64 of [`EncodeInput::data`]) and grades it.
///
/// # Panics
/// When a bundled case cannot be typed as an [`EncodeInput`] (naming case and field).
pub fn base64_encode(imp: impl FnMut(&EncodeInput) -> Result<String, Refusal>) -> HarnessReport {
    run_op(
        bundled(),
        primitives::BASE64,
        "encode",
        |case: &Case| {
            let raw: RawEncode = parse_input(&case.input)?;
            Ok(EncodeInput {
                data: hex("data_hex", &raw.data_hex)?,
            })
        },
        |_: &Case, text: String| json!({ "text": text }),
        imp,
    )
}

/// Runs every bundled `primitives/base64` `decode` case through `imp` and grades it: the
/// decoded bytes, or a refusal with `MALFORMED_BASE64`.
///
/// # Panics
/// When a bundled case cannot be typed as a [`DecodeInput`] (naming case and field).
pub fn base64_decode(imp: impl FnMut(&DecodeInput) -> Result<Vec<u8>, Refusal>) -> HarnessReport {
    run_op(
        bundled(),
        primitives::BASE64,
        "decode",
        |case: &Case| {
            let raw: RawDecode = parse_input(&case.input)?;
            Ok(DecodeInput { text: raw.text })
        },
        |_: &Case, data: Vec<u8>| json!({ "data_hex": hex_lower(&data) }),
        imp,
    )
}
