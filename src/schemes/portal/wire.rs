//! Wire formats: the `brokerID` value, `Authorization: Bearer <token>`, the login
//! response (a bare JSON string, P2) and error bodies, both to parse and to write.

use serde_json::Value;

use super::Error;

/// The largest token the login-response parser accepts, in bytes.
pub const MAX_TOKEN_LEN: usize = 8192;

/// True for RFC 6750's `b64token`: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" /
/// "/" ) *"="`, the characters a token may hold to travel in `Authorization: Bearer`.
pub fn is_b64token(text: &str) -> bool {
    let body = text.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

/// Parses `brokerID` (P1): 1 to 18 ASCII digits, nothing else (no sign, no spaces inside,
/// no exponent). Leading zeros are allowed and do not change the value.
pub fn parse_broker_id(value: &str) -> Option<u64> {
    if value.is_empty() || value.len() > 18 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

/// Parses an `Authorization` value as `Bearer <token>` (RFC 6750 §2.1): the scheme
/// matched case-insensitively (RFC 9110 §11.1), one or more spaces, then a `b64token`.
/// Returns the token.
pub fn parse_bearer(value: &str) -> Option<&str> {
    let (scheme, rest) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("Bearer") {
        return None;
    }
    let token = rest.trim_start_matches(' ');
    is_b64token(token).then_some(token)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "JSON null",
        Value::Bool(_) => "a JSON boolean",
        Value::Number(_) => "a JSON number",
        Value::String(_) => "a JSON string",
        Value::Array(_) => "a JSON array",
        Value::Object(_) => "a JSON object",
    }
}

fn is_json_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Parses the body of a `200 OK` from `POST /API/partnersPortal/authentication` and
/// returns the token (P2, decision P-LOGIN-BODY):
///
/// - a JSON string (RFC 8259, so whitespace around it and escapes inside it are fine)
///   whose content is a `b64token` of at most [`MAX_TOKEN_LEN`] bytes;
/// - tolerated: the token unquoted, as a `text/plain` body (whitespace around it
///   trimmed), when that text is not itself JSON;
/// - anything else is [`Error::MalformedLoginResponse`] naming what was found: an object
///   (its member names are listed, never their values: the vendor's API reference
///   describes a `sessionToken` member), an array, a number, an empty body, text that is
///   not JSON, or a string that cannot be a bearer token.
///
/// Never panics on any input.
pub fn parse_login_response(body: &[u8]) -> Result<String, Error> {
    let bad = |found: String| Error::MalformedLoginResponse { found };
    let token = match serde_json::from_slice::<Value>(body) {
        Ok(Value::String(s)) => s,
        Ok(Value::Object(members)) => {
            let names: Vec<String> = members.keys().take(8).map(|k| format!("`{k}`")).collect();
            return Err(bad(if names.is_empty() {
                "found an empty JSON object".to_owned()
            } else {
                format!(
                    "found a JSON object with member(s) {} (the guide's login answers the token itself, as a JSON string)",
                    names.join(", ")
                )
            }));
        }
        Ok(other) => return Err(bad(format!("found {}", kind(&other)))),
        Err(_) => {
            let Ok(text) = std::str::from_utf8(body) else {
                return Err(bad("found bytes that are not UTF-8 text".to_owned()));
            };
            let text = text.trim_matches(is_json_ws);
            if text.is_empty() {
                return Err(bad("found an empty body".to_owned()));
            }
            if !is_b64token(text) {
                return Err(bad(
                    "found text that is neither JSON nor a bare token".to_owned()
                ));
            }
            text.to_owned()
        }
    };
    if token.len() > MAX_TOKEN_LEN {
        return Err(bad(format!(
            "found a string longer than {MAX_TOKEN_LEN} bytes"
        )));
    }
    if !is_b64token(&token) {
        return Err(bad(
            "found a string that cannot be a bearer token (empty, or characters other than A-Z a-z 0-9 - . _ ~ + / and trailing =)"
                .to_owned(),
        ));
    }
    Ok(token)
}

/// An error response, as read by [`parse_error_body`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorBody {
    /// The HTTP status.
    pub status: u16,
    /// The body's `code` (a string, or an integer written in decimal), when present.
    pub code: Option<String>,
    /// The first of `message`, `detail`, `title`, `error` that is present, or the body
    /// itself when it is a JSON string.
    pub message: Option<String>,
}

/// Parses an error body (decision P-ERROR-BODY; the vendor documents none):
///
/// - empty or whitespace only: no code, no message;
/// - a JSON object: `code` (string or integer), and the message from `message`,
///   `detail`, `title` or `error` (RFC 9457 problem details included); each of those
///   members, when present and not null, must have that type; other members are ignored;
/// - a JSON string: the message;
/// - anything else (another JSON value, text that is not JSON) is
///   [`Error::MalformedErrorBody`].
pub fn parse_error_body(status: u16, body: &[u8]) -> Result<ErrorBody, Error> {
    let bad = |reason: String| Error::MalformedErrorBody { reason };
    let mut out = ErrorBody {
        status,
        code: None,
        message: None,
    };
    if body
        .iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
    {
        return Ok(out);
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| bad(format!("it is not JSON ({e}) and not empty")))?;
    match value {
        Value::String(s) => out.message = Some(s),
        Value::Object(m) => {
            out.code = match m.get("code") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Number(n)) if n.is_i64() || n.is_u64() => Some(n.to_string()),
                Some(other) => {
                    return Err(bad(format!(
                        "`code` must be a string or an integer, found {}",
                        kind(other)
                    )));
                }
            };
            for field in ["message", "detail", "title", "error"] {
                match m.get(field) {
                    None | Some(Value::Null) => {}
                    Some(Value::String(s)) => {
                        if out.message.is_none() {
                            out.message = Some(s.clone());
                        }
                    }
                    Some(other) => {
                        return Err(bad(format!(
                            "`{field}` must be a string, found {}",
                            kind(other)
                        )));
                    }
                }
            }
        }
        other => {
            return Err(bad(format!(
                "it must be a JSON object or string, found {}",
                kind(&other)
            )));
        }
    }
    Ok(out)
}

/// The body of every 401 the reference verifier sends: the same bytes whichever level
/// failed (P2).
pub const UNAUTHORIZED_BODY: &str = r#"{"status":401,"message":"Unauthorized: authentication failed; call POST /API/partnersPortal/authentication again"}"#;

/// The body of a 403.
pub const FORBIDDEN_BODY: &str =
    r#"{"status":403,"message":"Forbidden: the user lacks permission for this resource"}"#;

/// The body of a 503 when no session can be opened.
pub const UNAVAILABLE_BODY: &str =
    r#"{"status":503,"message":"Service Unavailable: try again later"}"#;

/// The body of a successful login: the token as a bare JSON string.
pub fn login_response_body(token: &str) -> String {
    Value::from(token).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_id() {
        assert_eq!(parse_broker_id("12345"), Some(12345));
        assert_eq!(parse_broker_id("012345"), Some(12345));
        for bad in [
            "",
            "+1",
            "-1",
            "1.0",
            "1e4",
            "0x10",
            "12 34",
            "1234567890123456789",
        ] {
            assert_eq!(parse_broker_id(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn bearer() {
        assert_eq!(
            parse_bearer("Bearer abc.DEF-_~+/=="),
            Some("abc.DEF-_~+/==")
        );
        assert_eq!(parse_bearer("bearer  abc"), Some("abc"));
        for bad in [
            "Bearer",
            "Bearer ",
            "Basic abc",
            "Bearerabc",
            "Bearer a b",
            "Bearer =a",
        ] {
            assert_eq!(parse_bearer(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn error_bodies_are_one_per_status() {
        let e = parse_error_body(401, UNAUTHORIZED_BODY.as_bytes()).unwrap();
        assert_eq!(e.code, None);
        assert!(e.message.unwrap().starts_with("Unauthorized"));
    }
}
