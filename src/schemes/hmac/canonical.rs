//! The string to sign: a pure function of the signed request parts and the form.

use super::form::{Form, PartnerApi};
use crate::CanonicalString;

/// The request parts the string to sign is made of, exactly as sent.
#[derive(Clone, Copy, Debug)]
pub struct Parts<'a> {
    /// The method, as sent (`GET`).
    pub method: &'a str,
    /// The path: the request target up to the first `?` (H1).
    pub path: &'a str,
    /// The `X-Timestamp` value, as sent (decimal Unix seconds).
    pub timestamp: &'a str,
    /// The `X-Nonce` value, as sent.
    pub nonce: &'a str,
    /// The raw body bytes (H2); empty when there is no body.
    pub body: &'a [u8],
}

impl<'a> Parts<'a> {
    /// The pieces in signing order of the partner API's form ([`PartnerApi`]),
    /// separators included: hashing them one after the other gives the same MAC as
    /// hashing [`string_to_sign`], without a copy of the body.
    pub fn pieces(&self) -> [&'a [u8]; 9] {
        [
            self.method.as_bytes(),
            b"\n",
            self.path.as_bytes(),
            b"\n",
            self.timestamp.as_bytes(),
            b"\n",
            self.nonce.as_bytes(),
            b"\n",
            self.body,
        ]
    }
}

/// `METHOD + "\n" + PATH + "\n" + TIMESTAMP + "\n" + NONCE + "\n" + BODY`, the body as
/// raw bytes; an empty body leaves the trailing `\n` after the nonce (H2).
///
/// ```
/// use partner_auth::schemes::hmac::{Parts, string_to_sign};
/// let s = string_to_sign(&Parts {
///     method: "GET",
///     path: "/api/v1/partner/constants/countries",
///     timestamp: "1709337600",
///     nonce: "550e8400-e29b-41d4-a716-446655440000",
///     body: b"",
/// });
/// assert_eq!(
///     s.as_bytes(),
///     b"GET\n/api/v1/partner/constants/countries\n1709337600\n550e8400-e29b-41d4-a716-446655440000\n"
/// );
/// ```
pub fn string_to_sign(parts: &Parts<'_>) -> CanonicalString {
    string_to_sign_with::<PartnerApi>(parts)
}

/// The string to sign of form `F`: its [`Form::pieces`] concatenated.
pub fn string_to_sign_with<F: Form>(parts: &Parts<'_>) -> CanonicalString {
    let pieces = F::pieces(parts);
    let pieces = pieces.as_ref();
    let mut bytes = Vec::with_capacity(pieces.iter().map(|p| p.len()).sum());
    for p in pieces {
        bytes.extend_from_slice(p);
    }
    CanonicalString::new(bytes)
}

/// HMAC-SHA256 of the string to sign under the secret's bytes: the 32 bytes whose
/// standard padded Base64 is the signature.
///
/// The MAC absorbs [`Parts::pieces`] one after the other (separators included), so
/// neither the body nor the string to sign is ever copied; the signer and the verifier
/// both sign through [`mac_with`], and [`string_to_sign`] concatenates the same pieces.
pub fn mac(parts: &Parts<'_>, secret: &[u8]) -> [u8; 32] {
    mac_with::<PartnerApi>(parts, secret)
}

/// HMAC-SHA256 of form `F`'s string to sign under the secret's bytes: the MAC absorbs
/// [`Form::pieces`] in place, as [`mac`] does for the partner API's form.
pub fn mac_with<F: Form>(parts: &Parts<'_>, secret: &[u8]) -> [u8; 32] {
    crate::encoding::hmac_sha256_parts(secret, F::pieces(parts).as_ref())
}
