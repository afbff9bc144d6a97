//! Sign-Up.to Permission Marketing API (PMAPI) authorisation v1.2: **Hash**
//! (`signupto-hash`), **Partner Hash** (`signupto-partner-hash`) and **Token**
//! (`signupto-token`).
//!
//! Sources: <https://dev.sign-up.to/documentation/reference/latest/authorisation/hash/>,
//! <https://dev.sign-up.to/documentation/reference/latest/authorisation/partner-hash/>,
//! <https://dev.sign-up.to/documentation/reference/latest/authorisation/token/>.
//!
//! # The canonical string
//!
//! ```text
//! POST /v1/account␍␊                         verb, space, path (never the query)
//! Date: Sat, 09 Sep 1989 11:00:00 GMT␍␊
//! X-SuT-PID: 4567␍␊                          Partner Hash only
//! X-SuT-CID: 12345␍␊                         left out entirely when absent
//! X-SuT-UID: 678␍␊                           left out entirely when absent
//! X-SuT-Nonce: 0123456789abcdef0123456789abcdef01234567␍␊
//! abcdefghijABCDEFGHIJabcdefghijABCDEFGHIJ   the key; no line break after it
//! ```
//!
//! The signature is the lowercase hex SHA-1 of those bytes, sent as
//! `Authorization: SuTHash signature="<hex>"` (Hash) or `SuTPartner signature="<hex>"`.
//! [`CanonicalString`](crate::CanonicalString)s returned by this module stop before the
//! key line, as the real server's `additional_information` does, so they never hold a
//! secret.
//!
//! # Example
//!
//! ```
//! use partner_auth::schemes::signupto::{
//!     ApiKey, Identity, KeyDirectory, SignRequest, Signer, Variant, Verifier,
//! };
//! use partner_auth::{FixedClock, InMemoryNonceStore, Request};
//!
//! let key = "2b2d77e014a30792d5048e262e306783";
//! let who = Identity { pid: None, cid: Some(7654321), uid: Some(23456789) };
//! let signed = Signer::new(Variant::Hash, who, key)?.sign(&SignRequest {
//!     method: "GET",
//!     target: "/v1/list",
//!     date: "Sat, 09 Sep 1989 11:00:00 GMT",
//!     nonce: "0123456789abcdef0123456789abcdef01234567",
//! })?;
//! assert_eq!(signed.signature, "2c5a5886f00792f09f945d7a6df46e3622bbb678");
//!
//! let mut keys = KeyDirectory::new();
//! keys.insert(7654321, ApiKey::new(Variant::Hash, key)?);
//! let verifier = Verifier::new(
//!     Variant::Hash,
//!     keys,
//!     FixedClock::from_secs(621_342_060),
//!     InMemoryNonceStore::default(),
//! );
//! let mut request = Request::new("GET", "/v1/list");
//! for (name, value) in &signed.headers {
//!     request.headers.append(name.clone(), value.clone());
//! }
//! assert_eq!(verifier.verify(&request)?.identity(), who);
//! // The same request again is a replay.
//! assert_eq!(verifier.verify(&request).unwrap_err().code(), "NONCE_REPLAYED");
//! # Ok::<(), partner_auth::schemes::signupto::Error>(())
//! ```
//!
//! # Where the vendor's pages are silent
//!
//! - S1: the query string is never signed, and neither is the body: tampering with
//!   either leaves a signature valid (the vectors pin this).
//! - S2: lines end in CR LF; the key line has none; labels are the literal `X-SuT-…`
//!   spelling whatever the wire case; order Date, PID, CID, UID, Nonce.
//! - S3: an absent CID/UID leaves no line; UID without CID is refused.
//! - S4: signers emit lowercase hex; verifiers decode and compare bytes in constant
//!   time, so uppercase hex is accepted.
//! - S5: a nonce is 1–40 visible ASCII characters, used once per key id inside the
//!   window, recorded only after the signature verified.
//! - S6: signers send `Date` as an IMF-fixdate; verifiers read all three HTTP-date forms
//!   (RFC 9110 §5.6.7) and accept it within ±900 s (configurable) of their clock.
//! - S7: company keys are 32 × `[0-9a-f]`, partner keys 40 × `[a-zA-Z]`.
//! - S8: a duplicated `Date`, `Authorization` or `X-SuT-*` header is refused.
//! - S-HASH-IDS: the Hash method requires both CID and UID.
//! - S-AUTH: `<Scheme> signature="<hex>"` exactly; the scheme token is matched
//!   case-insensitively (RFC 9110 §11.1).
//! - S-TOKEN: token requests carry `Date` and `X-SuT-Nonce`; a token is valid while
//!   `now < expiry`.

mod canonical;
mod credentials;
mod error;
mod sign;
mod token;
mod verify;
mod wire;

pub use canonical::{Parts, canonical_string, digest, digest_parts};
pub use credentials::{ApiKey, Identity, KeyDirectory};
pub use error::Error;
pub use sign::{SignRequest, Signature, Signed, Signer, generate_nonce};
pub use token::{
    DEFAULT_MAX_TOKENS, IssuedToken, Token, TokenFreshness, TokenGrant, TokenRequest,
    TokenStoreFull, TokenVerified, TokenVerifier, parse_token_response, token_headers,
    token_request,
};
pub use verify::{DEFAULT_WINDOW_SECS, Verified, Verifier};
pub use wire::{AuthScheme, Authorization, Envelope, parse_authorization, parse_response};

/// The slug of Sign-Up.to Hash in vectors, the CLI and the registry.
pub const HASH_SLUG: &str = "signupto-hash";
/// The slug of Sign-Up.to Partner Hash.
pub const PARTNER_HASH_SLUG: &str = "signupto-partner-hash";
/// The slug of Sign-Up.to Token.
pub const TOKEN_SLUG: &str = "signupto-token";

/// Which of the two signature schemes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Variant {
    /// Hash: company id + user id + company key (32 hex).
    Hash,
    /// Partner Hash: partner id, optional company/user id, partner key (40 letters).
    PartnerHash,
}

impl Variant {
    /// The `Authorization` scheme token.
    pub fn auth_scheme(self) -> &'static str {
        match self {
            Variant::Hash => "SuTHash",
            Variant::PartnerHash => "SuTPartner",
        }
    }

    /// The scheme slug used in vectors and the CLI.
    pub fn slug(self) -> &'static str {
        match self {
            Variant::Hash => HASH_SLUG,
            Variant::PartnerHash => PARTNER_HASH_SLUG,
        }
    }

    /// The header whose id selects the key.
    pub fn key_id_header(self) -> &'static str {
        match self {
            Variant::Hash => "X-SuT-CID",
            Variant::PartnerHash => "X-SuT-PID",
        }
    }
}

/// A nonce is 1 to 40 visible ASCII characters (S5).
pub(crate) fn check_nonce(nonce: &str) -> Result<(), Error> {
    if nonce.is_empty() {
        return Err(Error::MalformedNonce {
            reason: "it is empty",
        });
    }
    if nonce.len() > 40 {
        return Err(Error::MalformedNonce {
            reason: "it is longer than 40 characters",
        });
    }
    if !nonce.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::MalformedNonce {
            reason: "only visible ASCII characters (no spaces) may appear",
        });
    }
    Ok(())
}

/// A method is an HTTP token (RFC 9110 §9.1).
pub(crate) fn check_method(method: &str) -> Result<(), Error> {
    let tchar = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if method.is_empty() || !method.bytes().all(tchar) {
        return Err(Error::MalformedMethod);
    }
    Ok(())
}

/// A target is an origin-form path (optionally with a query); returns (path, query).
pub(crate) fn check_target(target: &str) -> Result<(&str, Option<&str>), Error> {
    if !target.starts_with('/') || target.contains([' ', '\r', '\n', '\t']) {
        return Err(Error::MalformedTarget);
    }
    Ok(crate::request::split_target(target))
}
