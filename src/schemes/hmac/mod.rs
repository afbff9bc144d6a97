//! The partner API's **API key + HMAC-SHA256** authentication (`hmac-sha256`).
//!
//! Source: the vendor's "Authentication Models" page (shared/specs/hmac-sha256-partner-api.txt
//! in the project; quoted names are the page's). Every request to `/api/v1/partner/**`
//! carries `X-Api-Key`, `Authorization: HMAC-SHA256 <signature>`, `X-Timestamp` (Unix
//! epoch seconds, "within ±60s of server time") and `X-Nonce` ("UUID recommended").
//!
//! # The string to sign
//!
//! ```text
//! GET␊                                       METHOD, as sent
//! /api/v1/partner/constants/countries␊       PATH, without the query (H1)
//! 1709337600␊                                TIMESTAMP, the X-Timestamp text
//! 550e8400-e29b-41d4-a716-446655440000␊      NONCE, the X-Nonce text
//!                                            BODY: raw bytes; empty here, so the
//!                                            string ends in the ␊ after NONCE (H2)
//! ```
//!
//! `signature = Base64(HMAC-SHA256(apiSecret, stringToSign))`: the secret's bytes are
//! the key, standard Base64 with padding (H3).
//!
//! # Example
//!
//! ```
//! use partner_auth::schemes::hmac::{
//!     KeyDirectory, KeyRecord, ShardedNonceStore, SignRequest, Signer, Verifier,
//! };
//! use partner_auth::{FixedClock, Request};
//!
//! let signed = Signer::new("pk_demo", "demo-secret")?.sign(&SignRequest {
//!     method: "GET",
//!     target: "/api/v1/partner/constants/countries",
//!     timestamp: 1_709_337_600,
//!     nonce: "550e8400-e29b-41d4-a716-446655440000",
//!     body: b"",
//! })?;
//! assert_eq!(
//!     signed.string_to_sign.as_bytes(),
//!     b"GET\n/api/v1/partner/constants/countries\n1709337600\n550e8400-e29b-41d4-a716-446655440000\n",
//! );
//!
//! let mut keys = KeyDirectory::new();
//! keys.insert("pk_demo", KeyRecord::new("demo-secret")?)?;
//! let verifier = Verifier::new(keys, FixedClock::from_secs(1_709_337_660), ShardedNonceStore::default());
//! let mut request = Request::new("GET", "/api/v1/partner/constants/countries");
//! for (name, value) in &signed.headers {
//!     request.headers.append(*name, value.clone());
//! }
//! assert_eq!(verifier.verify(&request, None)?.api_key(), "pk_demo");
//! // The same request again is a replay.
//! assert_eq!(verifier.verify(&request, None).unwrap_err().code(), "GA2014");
//! # Ok::<(), partner_auth::schemes::hmac::Error>(())
//! ```
//!
//! # Forms
//!
//! The header names, the scheme token and the string to sign above are the partner
//! API's form, [`PartnerApi`], the default of [`Signer`] and [`Verifier`]. Another
//! form of the same vendor (other header names, another order or separator) is a type
//! implementing [`Form`]: [`Signer::with_form`] and [`Verifier::with_form`] then sign
//! and verify it with the same code, checks and codes, at the same cost.
//!
//! # Where the vendor's page is silent
//!
//! - H1: PATH is the target up to the first `?`, verbatim; a client that signed the
//!   query fails with GA2012 (vectors mark it `acceptable`).
//! - H2: BODY is the raw bytes sent, non-UTF-8 included; an empty body leaves the
//!   trailing `\n`.
//! - H3: the signature is standard padded Base64 of the 32-byte MAC; the URL-safe
//!   alphabet, missing padding or another length is GA2012.
//! - H4: `X-Timestamp` is 1–18 ASCII digits; `|now − ts| ≤ 60` passes (both
//!   directions), 61 fails with GA2013; a malformed value is GA2013.
//! - H5: checks in the order GA2001, GA2002, GA2003, GA2004, GA2011, GA2021, GA2022,
//!   GA2013, GA2012, GA2014; nonces are recorded per API key, only after the
//!   signature verified, and kept for 2 × the window.
//! - H6: `Authorization: HMAC-SHA256 <sig>` exactly (scheme token case-sensitive, one
//!   space); `X-Signature` is not read.
//! - H7: GA200x/GA201x answer 401, GA2021/GA2022 answer 403, with the vendor's envelope
//!   `{"version":"2.0.0","timestamp":<ms>,"success":false,"code":…,"message":…,"data":null}`.
//! - H8: the replay store ([`ShardedNonceStore`]) is bounded and fails closed.
//! - H-HEADERS: an empty or duplicated `X-Api-Key`/`Authorization`/`X-Timestamp`/`X-Nonce`
//!   counts as missing (its GA200x code); a nonce must be 1–128 visible ASCII.
//! - H-IP: a key with no allow-list is usable from anywhere; with one, only from a listed
//!   address or CIDR block, and an unknown client address is refused.

mod canonical;
mod credentials;
mod error;
mod form;
mod replay;
mod sign;
mod verify;
mod wire;

pub use canonical::{Parts, mac, mac_with, string_to_sign, string_to_sign_with};
pub use credentials::{Credentials, IpRule, KeyDirectory, KeyRecord};
pub use error::{Error, GA_CODES, PRECEDENCE, describe_code};
pub use form::{Form, MAX_AUTH_SCHEME_LEN, PartnerApi};
pub use replay::{DEFAULT_GRANULARITY_SECS, DEFAULT_SHARDS, ShardedNonceStore};
pub use sign::{SignRequest, Signature, Signed, Signer, generate_nonce};
pub use verify::{DEFAULT_WINDOW_SECS, Verified, Verifier};
pub use wire::{
    ENVELOPE_VERSION, ErrorEnvelope, error_response, parse_authorization, parse_error_envelope,
    parse_timestamp,
};

/// The `Authorization` scheme token, exactly as the vendor writes it.
pub const AUTH_SCHEME: &str = "HMAC-SHA256";

/// The scheme slug used in vectors and the CLI.
pub const SLUG: &str = "hmac-sha256";

/// A method is an HTTP token (RFC 9110 §9.1).
pub(crate) fn check_method(method: &str) -> Result<(), ()> {
    let tchar = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if method.is_empty() || !method.bytes().all(tchar) {
        return Err(());
    }
    Ok(())
}

/// A target is an origin-form path (optionally with a query); returns the path.
pub(crate) fn check_target(target: &str) -> Result<&str, ()> {
    if !target.starts_with('/') || target.bytes().any(|b| b == b' ' || b.is_ascii_control()) {
        return Err(());
    }
    Ok(crate::request::split_target(target).0)
}

/// A nonce is 1 to 128 visible ASCII characters (H-HEADERS): no separator can hide in it.
pub(crate) fn check_nonce(nonce: &str) -> Result<(), ()> {
    if nonce.is_empty() || nonce.len() > 128 || !nonce.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(());
    }
    Ok(())
}
