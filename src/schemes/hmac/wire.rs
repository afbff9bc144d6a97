//! Wire parsers: the `Authorization` value, `X-Timestamp`, and the vendor's JSON error
//! envelope (with its renderer).

use serde_json::{Map, Value, json};

use super::error::describe_code;
use super::{AUTH_SCHEME, Error};

/// Decodes `HMAC-SHA256 <signature>` to the 32 MAC bytes (H3, H6): the scheme token
/// exactly as the vendor writes it (case-sensitive), one space, then standard Base64
/// with padding of exactly 32 bytes. URL-safe characters, missing padding, other
/// lengths and anything else are GA2012.
pub fn parse_authorization(value: &str) -> Result<[u8; 32], Error> {
    parse_signature_value(AUTH_SCHEME, value)
}

/// Decodes `<scheme> <signature>`, the signature header's value in a form whose scheme
/// token is `scheme` ([`Form::AUTH_SCHEME`](super::Form::AUTH_SCHEME)), as
/// [`parse_authorization`] does for `HMAC-SHA256`.
pub(crate) fn parse_signature_value(scheme: &str, value: &str) -> Result<[u8; 32], Error> {
    let mismatch = |reason| Err(Error::SignatureMismatch { reason });
    let Some(rest) = value.strip_prefix(scheme).and_then(|r| r.strip_prefix(' ')) else {
        return mismatch(if scheme == AUTH_SCHEME {
            "the `Authorization` value must start with `HMAC-SHA256 ` (that case, one space)"
        } else {
            "the signature header's value must start with the form's scheme token (that case) and one space"
        });
    };
    if let Some(mac) = decode_mac(rest.as_bytes()) {
        return Ok(mac);
    }
    // Not the usual 44 characters: the general decoder tells why.
    let mut buf = [0u8; 64];
    let Some(len) = crate::encoding::base64_decode_into(rest, &mut buf) else {
        return mismatch(
            "the signature is not standard padded Base64 (`+/` alphabet, `=` padding) of 32 bytes",
        );
    };
    match <[u8; 32]>::try_from(&buf[..len]) {
        Ok(mac) => Ok(mac),
        Err(_) => mismatch("the signature does not decode to 32 bytes (an HMAC-SHA256 digest)"),
    }
}

/// The standard Base64 alphabet (RFC 4648 §4).
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The signature of a MAC: its standard padded Base64, 44 characters, on the stack.
pub(crate) fn encode_mac(mac: &[u8; 32]) -> [u8; 44] {
    let mut text = [b'='; 44];
    for (out, group) in text.chunks_exact_mut(4).zip(mac.chunks(3)) {
        let mut v = [0u8; 4];
        v[1..=group.len()].copy_from_slice(group);
        let v = u32::from_be_bytes(v);
        // A group of two bytes gives three characters; its `=` is already there.
        for (k, c) in out.iter_mut().take(group.len() + 1).enumerate() {
            *c = ALPHABET[(v >> (18 - 6 * k) & 63) as usize];
        }
    }
    text
}

const INVALID: u8 = 0xff;

/// The value of each standard Base64 character, [`INVALID`] for every other byte.
const SEXTET: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// The one strict standard Base64 form of 32 bytes: 43 alphabet characters (the last
/// one's two low bits zero, RFC 4648 §3.5) and one `=`. `None` for anything else.
/// Decoded in one pass with no engine set-up: the verifier's common case.
fn decode_mac(text: &[u8]) -> Option<[u8; 32]> {
    let sextet = |c: u8| match SEXTET[usize::from(c)] {
        INVALID => None,
        v => Some(u32::from(v)),
    };
    let (digits, b"=") = text.split_at_checked(43)? else {
        return None;
    };
    let mut mac = [0u8; 32];
    // Ten groups of four characters give 30 bytes.
    for (out, group) in mac.chunks_exact_mut(3).zip(digits.chunks_exact(4)) {
        let mut v = 0;
        for &c in group {
            v = v << 6 | sextet(c)?;
        }
        out.copy_from_slice(&v.to_be_bytes()[1..]);
    }
    // The last three carry 18 bits: 16 of data and two that must be zero.
    let mut v = 0;
    for &c in &digits[40..] {
        v = v << 6 | sextet(c)?;
    }
    if v & 0b11 != 0 {
        return None;
    }
    mac[30..].copy_from_slice(&(v >> 2).to_be_bytes()[2..]);
    Some(mac)
}

/// Parses `X-Timestamp` (H4): 1 to 18 ASCII digits, nothing else (no sign, no
/// fraction, no spaces). `None` for anything else.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    if text.is_empty() || text.len() > 18 {
        return None;
    }
    // At most 18 digits: below 10¹⁸, no overflow.
    text.bytes().try_fold(0i64, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + i64::from(b - b'0'))
    })
}

/// The vendor's error envelope:
/// `{"version":"2.0.0","timestamp":<ms>,"success":false,"code":"GA2012","message":"…","data":null}`.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorEnvelope {
    /// `version`, when present.
    pub version: Option<String>,
    /// `timestamp`: the server's time in Unix milliseconds, when present.
    pub timestamp: Option<i64>,
    /// `code`, e.g. `GA2012` (unknown codes are kept as they are).
    pub code: String,
    /// `message`; empty when absent or null.
    pub message: String,
    /// `data`; null when absent.
    pub data: Value,
}

/// The `version` the reference writes.
pub const ENVELOPE_VERSION: &str = "2.0.0";

impl ErrorEnvelope {
    /// The envelope a verifier answers for one of the vendor's codes, with the vendor's
    /// wording, at `timestamp_ms`.
    pub fn for_code(code: &str, timestamp_ms: i64) -> Result<Self, Error> {
        let (message, _) = describe_code(code).ok_or_else(|| Error::UnknownCode {
            code: code.to_owned(),
        })?;
        Ok(Self {
            version: Some(ENVELOPE_VERSION.to_owned()),
            timestamp: Some(timestamp_ms),
            code: code.to_owned(),
            message: message.to_owned(),
            data: Value::Null,
        })
    }

    /// The body text: compact JSON, members in the vendor's order (`version`,
    /// `timestamp`, `success`, `code`, `message`, `data`); absent optional members are
    /// left out.
    pub fn to_json(&self) -> String {
        let mut m = Map::new();
        if let Some(v) = &self.version {
            m.insert("version".into(), json!(v));
        }
        if let Some(t) = self.timestamp {
            m.insert("timestamp".into(), json!(t));
        }
        m.insert("success".into(), Value::Bool(false));
        m.insert("code".into(), json!(self.code));
        m.insert("message".into(), json!(self.message));
        m.insert("data".into(), self.data.clone());
        Value::Object(m).to_string()
    }
}

/// The HTTP status and body a verifier answers for `error` at `timestamp_ms` (H7),
/// when the error is one of the vendor's codes.
pub fn error_response(error: &Error, timestamp_ms: i64) -> Option<(u16, String)> {
    let env = ErrorEnvelope::for_code(error.code(), timestamp_ms).ok()?;
    Some((error.http_status(), env.to_json()))
}

fn bad(reason: impl Into<String>) -> Error {
    Error::MalformedErrorResponse {
        reason: reason.into(),
    }
}

/// Parses a response body as the vendor's error envelope. Never panics on any bytes.
///
/// Rules: a JSON object; `success` present and exactly `false`; `code` a non-empty
/// string; `message` a string (absent or null reads as empty); `version` a string or
/// null/absent; `timestamp` an integer in the i64 range or null/absent; `data` anything
/// (absent reads as null). Unknown members are ignored; a duplicated member takes its
/// last value (as JSON parsers commonly do).
pub fn parse_error_envelope(body: &[u8]) -> Result<ErrorEnvelope, Error> {
    let root: Value =
        serde_json::from_slice(body).map_err(|e| bad(format!("the body is not JSON ({e})")))?;
    let Value::Object(root) = root else {
        return Err(bad("the body must be a JSON object"));
    };
    match root.get("success") {
        Some(Value::Bool(false)) => {}
        Some(Value::Bool(true)) => return Err(bad("`success` is true: not an error response")),
        Some(_) => return Err(bad("`success` must be the boolean false")),
        None => return Err(bad("no `success` member")),
    }
    let code = match root.get("code") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::String(_)) => return Err(bad("`code` is empty")),
        Some(_) => return Err(bad("`code` must be a string such as \"GA2012\"")),
        None => return Err(bad("no `code` member")),
    };
    let message = match root.get("message") {
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => String::new(),
        Some(_) => return Err(bad("`message` must be a string")),
    };
    let version = match root.get("version") {
        Some(Value::String(s)) => Some(s.clone()),
        None | Some(Value::Null) => None,
        Some(_) => return Err(bad("`version` must be a string")),
    };
    let timestamp = match root.get("timestamp") {
        None | Some(Value::Null) => None,
        Some(v @ Value::Number(_)) => Some(
            v.as_i64()
                .ok_or_else(|| bad("`timestamp` must be an integer (Unix milliseconds)"))?,
        ),
        Some(_) => return Err(bad("`timestamp` must be an integer (Unix milliseconds)")),
    };
    Ok(ErrorEnvelope {
        version,
        timestamp,
        code,
        message,
        data: root.get("data").cloned().unwrap_or(Value::Null),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_codec_agrees_with_the_base64_crate() {
        // Hand-derived: 43 `A`s and `=` are 32 zero bytes; `/` is 63, so `AAA/` ends
        // a group with 0x00003F; `AAE=` ends in 0x0001 (E = 4, its two low bits clear).
        let zero = format!("{}=", "A".repeat(43));
        assert_eq!(decode_mac(zero.as_bytes()), Some([0; 32]));
        let mut want = [0u8; 32];
        want[2] = 0x3f;
        want[31] = 0x01;
        let text = format!("AAA/{}AAE=", "A".repeat(36));
        assert_eq!(decode_mac(text.as_bytes()), Some(want));
        assert_eq!(&encode_mac(&want)[..], text.as_bytes());
        // Same answer as the general decoder on random MACs.
        for _ in 0..200 {
            let mut mac = [0u8; 32];
            crate::encoding::random_bytes(&mut mac);
            let text = crate::encoding::base64_encode(&mac);
            assert_eq!(decode_mac(text.as_bytes()), Some(mac), "{text}");
            assert_eq!(&encode_mac(&mac)[..], text.as_bytes(), "{text}");
        }
        // Non-canonical trailing bits, URL-safe characters, wrong padding or length.
        for bad in [
            format!("{}AAF=", "A".repeat(40)),
            format!("{}AA-=", "A".repeat(40)),
            format!("{}AA_=", "A".repeat(40)),
            "A".repeat(44),
            format!("{}==", "A".repeat(42)),
            format!("{}=", "A".repeat(42)),
            format!("{}==", "A".repeat(43)),
        ] {
            assert_eq!(decode_mac(bad.as_bytes()), None, "{bad}");
            assert!(
                parse_authorization(&format!("HMAC-SHA256 {bad}")).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn timestamps_are_one_to_eighteen_digits() {
        assert_eq!(parse_timestamp("1709337600"), Some(1_709_337_600));
        assert_eq!(parse_timestamp("0"), Some(0));
        assert_eq!(
            parse_timestamp("999999999999999999"),
            Some(999_999_999_999_999_999)
        );
        for bad in [
            "",
            "1234567890123456789",
            "+1",
            "-1",
            "1.0",
            " 1",
            "1 ",
            "١",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn envelope_text_is_the_vendors_shape() {
        let e = ErrorEnvelope::for_code("GA2012", 1_709_337_600_000).unwrap();
        assert_eq!(
            e.to_json(),
            r#"{"version":"2.0.0","timestamp":1709337600000,"success":false,"code":"GA2012","message":"Signature verification failed","data":null}"#
        );
        assert_eq!(parse_error_envelope(e.to_json().as_bytes()).unwrap(), e);
    }

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp("1709337600"), Some(1_709_337_600));
        for bad in ["", "-1", "+1", "1.0", " 1", "1e9", "1234567890123456789"] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }
}
