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
    let mismatch = |reason| Err(Error::SignatureMismatch { reason });
    let Some(rest) = value
        .strip_prefix(AUTH_SCHEME)
        .and_then(|r| r.strip_prefix(' '))
    else {
        return mismatch(
            "the `Authorization` value must start with `HMAC-SHA256 ` (that case, one space)",
        );
    };
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

/// Parses `X-Timestamp` (H4): 1 to 18 ASCII digits, nothing else (no sign, no
/// fraction, no spaces). `None` for anything else.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    if text.is_empty() || text.len() > 18 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
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
