//! Wire parsers: the `Authorization` header and the PMAPI response envelope.

use serde_json::Value;

use super::{Error, Variant};

/// The three Sign-Up.to `Authorization` schemes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuthScheme {
    /// `SuTHash signature="<hex>"`.
    Hash,
    /// `SuTPartner signature="<hex>"`.
    Partner,
    /// `SuTToken <token>`.
    Token,
}

impl AuthScheme {
    /// The scheme token, as the vendor spells it.
    pub fn token(self) -> &'static str {
        match self {
            AuthScheme::Hash => "SuTHash",
            AuthScheme::Partner => "SuTPartner",
            AuthScheme::Token => "SuTToken",
        }
    }
}

impl From<Variant> for AuthScheme {
    fn from(v: Variant) -> Self {
        match v {
            Variant::Hash => AuthScheme::Hash,
            Variant::PartnerHash => AuthScheme::Partner,
        }
    }
}

/// A parsed `Authorization` value.
#[derive(Clone, PartialEq, Eq)]
pub struct Authorization {
    /// Which scheme.
    pub scheme: AuthScheme,
    /// The signature (hash schemes) or the token (token scheme), as sent.
    pub credentials: String,
}

impl std::fmt::Debug for Authorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown: &dyn std::fmt::Debug = match self.scheme {
            AuthScheme::Token => &"<redacted token>",
            _ => &self.credentials,
        };
        f.debug_struct("Authorization")
            .field("scheme", &self.scheme)
            .field("credentials", shown)
            .finish()
    }
}

/// Parses an `Authorization` value (S-AUTH): exactly `<Scheme> signature="<value>"` for
/// the hash schemes, `SuTToken <token>` for the token scheme, one space after the scheme
/// token. The scheme token is matched case-insensitively (RFC 9110 §11.1); the parameter
/// must be the quoted form the vendor documents.
pub fn parse_authorization(value: &str) -> Result<Authorization, Error> {
    let malformed = |reason| Err(Error::MalformedAuthorization { reason });
    let Some((token, rest)) = value.split_once(' ') else {
        return malformed("expected `<Scheme> signature=\"<hex>\"` or `SuTToken <token>`");
    };
    let scheme = [AuthScheme::Hash, AuthScheme::Partner, AuthScheme::Token]
        .into_iter()
        .find(|s| s.token().eq_ignore_ascii_case(token));
    let Some(scheme) = scheme else {
        return malformed("the scheme must be `SuTHash`, `SuTPartner` or `SuTToken`");
    };
    if rest.starts_with([' ', '\t']) {
        return malformed("exactly one space must follow the scheme");
    }
    if scheme == AuthScheme::Token {
        if rest.is_empty() || rest.contains([' ', '\t', '"']) {
            return malformed("expected `SuTToken <token>`, the token alone after one space");
        }
        return Ok(Authorization {
            scheme,
            credentials: rest.to_owned(),
        });
    }
    let Some(quoted) = rest.strip_prefix("signature=") else {
        return malformed("expected `signature=\"<hex>\"` after the scheme");
    };
    let Some(inner) = quoted.strip_prefix('"').and_then(|q| q.strip_suffix('"')) else {
        return malformed("the signature must be in double quotes: signature=\"<hex>\"");
    };
    if inner.is_empty() || inner.contains(['"', '\\', ' ']) {
        return malformed(
            "the quoted signature must be non-empty hex with nothing else inside the quotes",
        );
    }
    Ok(Authorization {
        scheme,
        credentials: inner.to_owned(),
    })
}

/// A PMAPI response envelope: `{"status":"ok"|"error","response":{...}}`.
#[derive(Clone, Debug, PartialEq)]
pub enum Envelope {
    /// `"status":"ok"`.
    Ok {
        /// `response.data` (an array on list endpoints, an object on some).
        data: Value,
        /// `response.count`, when present.
        count: Option<i64>,
        /// `response.next`: the key of the next page, or null.
        next: Value,
    },
    /// `"status":"error"`.
    Error {
        /// `response.code`, which mirrors the HTTP status.
        code: i64,
        /// `response.message`.
        message: String,
        /// `response.subcode`.
        subcode: Value,
        /// `response.additional_information`; on a bad signature the real server puts
        /// its canonical string (without the key line) here.
        additional_information: Option<String>,
    },
}

fn bad(reason: impl Into<String>) -> Error {
    Error::MalformedResponse {
        reason: reason.into(),
    }
}

/// Parses a response body into an [`Envelope`]. `status` is the HTTP status, used to
/// fill a missing `code` of an error envelope. Never panics on any input.
pub fn parse_response(status: u16, body: &[u8]) -> Result<Envelope, Error> {
    let root: Value =
        serde_json::from_slice(body).map_err(|e| bad(format!("the body is not JSON ({e})")))?;
    let Value::Object(root) = root else {
        return Err(bad(
            "the body must be a JSON object with `status` and `response`",
        ));
    };
    let status_field = match root.get("status") {
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err(bad("`status` must be the string \"ok\" or \"error\"")),
        None => return Err(bad("no `status` field")),
    };
    let response = match root.get("response") {
        Some(Value::Object(r)) => r,
        Some(_) => return Err(bad("`response` must be an object")),
        None => return Err(bad("no `response` field")),
    };
    match status_field {
        "ok" => {
            let count = match response.get("count") {
                None | Some(Value::Null) => None,
                Some(v) => Some(
                    v.as_i64()
                        .ok_or_else(|| bad("`response.count` must be an integer"))?,
                ),
            };
            Ok(Envelope::Ok {
                data: response.get("data").cloned().unwrap_or(Value::Null),
                count,
                next: response.get("next").cloned().unwrap_or(Value::Null),
            })
        }
        "error" => {
            let code = match response.get("code") {
                None | Some(Value::Null) => i64::from(status),
                Some(v) => v
                    .as_i64()
                    .ok_or_else(|| bad("`response.code` must be an integer"))?,
            };
            let message = match response.get("message") {
                Some(Value::String(s)) => s.clone(),
                None | Some(Value::Null) => String::new(),
                Some(_) => return Err(bad("`response.message` must be a string")),
            };
            let additional_information = match response.get("additional_information") {
                Some(Value::String(s)) => Some(s.clone()),
                None | Some(Value::Null) => None,
                Some(_) => {
                    return Err(bad(
                        "`response.additional_information` must be a string or null",
                    ));
                }
            };
            Ok(Envelope::Error {
                code,
                message,
                subcode: response.get("subcode").cloned().unwrap_or(Value::Null),
                additional_information,
            })
        }
        _ => Err(bad("`status` must be \"ok\" or \"error\"")),
    }
}
