//! An HMAC-SHA256 request signer for the partner API, written from the vendor's
//! "Authentication Models" page alone:
//!
//! ```text
//! stringToSign = METHOD + "\n" + PATH + "\n" + TIMESTAMP + "\n" + NONCE + "\n" + BODY
//! signature = Base64(HMAC-SHA256(apiSecret, stringToSign))
//! Authorization: HMAC-SHA256 <signature>
//! ```
//!
//! with the headers `X-Api-Key`, `X-Timestamp`, `X-Nonce` and `Authorization`.

use base64::Engine as _;
use hmac::{KeyInit, Mac};

/// A request to sign.
pub struct Request<'a> {
    /// The HTTP method.
    pub method: &'a str,
    /// The request target: path, optionally `?query` (the query is not part of PATH).
    pub target: &'a str,
    /// Unix seconds.
    pub timestamp: i64,
    /// A fresh nonce (a UUID).
    pub nonce: &'a str,
    /// The body bytes, signed as they are sent.
    pub body: &'a [u8],
}

/// A signed request: what was signed, the signature and the headers to send.
pub struct Signed {
    /// The bytes of the string to sign.
    pub string_to_sign: Vec<u8>,
    /// Base64 of the MAC.
    pub signature: String,
    /// `X-Api-Key`, `X-Timestamp`, `X-Nonce`, `Authorization`.
    pub headers: Vec<(String, String)>,
}

/// Why a request cannot be signed (it could not be sent as it is).
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// The method is not an HTTP token.
    Method,
    /// The target is not a path starting with `/`, or holds a space or control.
    Target,
    /// The nonce holds a space or control character, or is empty.
    Nonce,
}

impl Refused {
    /// The error code partner-auth's vectors use for this refusal.
    pub fn code(&self) -> &'static str {
        match self {
            Refused::Method => "MALFORMED_METHOD",
            Refused::Target => "MALFORMED_TARGET",
            Refused::Nonce => "MALFORMED_NONCE",
        }
    }
}

/// The separator between the lines of the string to sign.
const SEPARATOR: &str = "\n";

/// Signs `req` for `api_key` with `secret`.
pub fn sign(api_key: &str, secret: &str, req: &Request<'_>) -> Result<Signed, Refused> {
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if req.method.is_empty() || !req.method.chars().all(token) {
        return Err(Refused::Method);
    }
    let visible = |c: char| c.is_ascii_graphic() || !c.is_ascii();
    if !req.target.starts_with('/') || !req.target.chars().all(visible) {
        return Err(Refused::Target);
    }
    if req.nonce.is_empty() || !req.nonce.chars().all(visible) {
        return Err(Refused::Nonce);
    }
    let path = req.target.split('?').next().unwrap_or(req.target);
    let timestamp = req.timestamp.to_string();
    let mut string_to_sign = [req.method, path, &timestamp, req.nonce, ""]
        .join(SEPARATOR)
        .into_bytes();
    string_to_sign.extend_from_slice(req.body);

    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(&string_to_sign);
    let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let headers = vec![
        ("X-Api-Key".to_owned(), api_key.to_owned()),
        ("X-Timestamp".to_owned(), timestamp),
        ("X-Nonce".to_owned(), req.nonce.to_owned()),
        (
            "Authorization".to_owned(),
            format!("HMAC-SHA256 {signature}"),
        ),
    ];
    Ok(Signed {
        string_to_sign,
        signature,
        headers,
    })
}
