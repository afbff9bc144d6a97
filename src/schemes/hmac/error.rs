//! The one error type of the HMAC-SHA256 scheme: the vendor's GA20xx codes for
//! verification, and stable codes for the client-side and parsing errors.

/// Why an HMAC-SHA256 request could not be signed, verified, or a response parsed.
///
/// Verification failures carry the vendor's code ([`Error::code`], e.g. `GA2012`), its
/// HTTP status ([`Error::http_status`], H7) and its wording ([`Error::vendor_message`]);
/// the `Display` text adds the field at fault and the fix. No message carries a secret
/// or the signature the verifier expected.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// GA2001: no usable `X-Api-Key` (absent, empty or sent twice).
    #[error(
        "no usable `{header}`: {reason}; send `{header}: <your provisioned API key>` exactly once"
    )]
    MissingApiKey {
        /// The header's name in the verifier's form (`X-Api-Key`).
        header: &'static str,
        /// Absent, empty or duplicated.
        reason: &'static str,
    },
    /// GA2002: no usable `Authorization` (absent, empty or sent twice).
    #[error(
        "no usable `{header}`: {reason}; send `{header}: {scheme} <Base64 signature>` exactly once"
    )]
    MissingSignature {
        /// The header's name in the verifier's form (`Authorization`).
        header: &'static str,
        /// The form's scheme token (`HMAC-SHA256`).
        scheme: &'static str,
        /// Absent, empty or duplicated.
        reason: &'static str,
    },
    /// GA2003: no usable `X-Timestamp` (absent, empty or sent twice).
    #[error("no usable `{header}`: {reason}; send `{header}: <Unix epoch seconds>` exactly once")]
    MissingTimestamp {
        /// The header's name in the verifier's form (`X-Timestamp`).
        header: &'static str,
        /// Absent, empty or duplicated.
        reason: &'static str,
    },
    /// GA2004: no usable `X-Nonce` (absent, empty, sent twice, or not 1–128 visible
    /// ASCII characters).
    #[error("no usable `{header}`: {reason}; send `{header}: <fresh UUID v4>` exactly once")]
    MissingNonce {
        /// The header's name in the verifier's form (`X-Nonce`).
        header: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// GA2011: the API key is not in the verifier's directory.
    #[error("the `{header}` is invalid or not found; check the key provisioned in the portal")]
    UnknownApiKey {
        /// The API key header's name in the verifier's form (`X-Api-Key`).
        header: &'static str,
    },
    /// GA2012: the signature does not verify (or the `Authorization` value is not
    /// `HMAC-SHA256 <standard padded Base64 of 32 bytes>`).
    #[error(
        "signature verification failed: {reason}; sign METHOD\\nPATH\\nTIMESTAMP\\nNONCE\\nBODY (path without query, raw body) with the API secret and send standard padded Base64"
    )]
    SignatureMismatch {
        /// What did not match (never the expected value).
        reason: &'static str,
    },
    /// GA2013: `X-Timestamp` is not decimal Unix seconds, or further than the window
    /// from the verifier's clock (H4).
    #[error("{reason}; sign with the current Unix time in seconds and check the client's clock")]
    TimestampOutOfWindow {
        /// Malformed, or how far off.
        reason: String,
    },
    /// GA2014: the nonce was already used with this API key inside the window.
    #[error(
        "`{header}` was already used with this API key; generate a fresh UUID v4 for every request"
    )]
    NonceReused {
        /// The nonce header's name in the verifier's form (`X-Nonce`).
        header: &'static str,
    },
    /// GA2021: the API key is disabled.
    #[error(
        "the API key is disabled; enable it in the portal (POST /web/v1/partner/api-keys/{{id}}/enable)"
    )]
    KeyDisabled,
    /// GA2022: the client's IP address is not in the key's allow-list.
    #[error(
        "the client IP address is not in this API key's whitelist; add it in the portal or call from an allowed address"
    )]
    IpNotAllowed,
    /// The replay store is full and refuses rather than forget a live nonce (H8).
    #[error(
        "the verifier's nonce store is full; the request is refused rather than risk a replay (retry later)"
    )]
    ReplayStoreFull,
    /// Signing: the method is not an HTTP token.
    #[error("the method must be an HTTP method token such as `GET` or `POST`")]
    MalformedMethod,
    /// Signing: the target is not an origin-form path.
    #[error(
        "the target must be a path starting with `/` (optionally `?query`), with no spaces or control characters"
    )]
    MalformedTarget,
    /// Signing: the nonce is not 1–128 visible ASCII characters.
    #[error("the nonce must be 1 to 128 visible ASCII characters (a UUID v4 is recommended)")]
    MalformedNonce,
    /// Signing: the timestamp is negative.
    #[error("the timestamp must be non-negative Unix epoch seconds")]
    MalformedTimestamp,
    /// The API key id is empty or not visible ASCII.
    #[error("the API key must be 1 to 256 visible ASCII characters")]
    MalformedApiKey,
    /// The API secret is empty.
    #[error("the API secret is empty; use the secret provisioned with the API key")]
    EmptySecret,
    /// An allow-list entry is not an IP address or CIDR block.
    #[error(
        "`{entry}` is not an IP address or CIDR block such as `203.0.113.0/24` or `2001:db8::/32`"
    )]
    MalformedIpRule {
        /// The entry as given (not secret).
        entry: String,
    },
    /// A code given to render an error response is not one of the vendor's GA codes.
    #[error(
        "`{code}` is not one of the vendor's codes GA2001-GA2004, GA2011-GA2014, GA2021, GA2022"
    )]
    UnknownCode {
        /// The code as given.
        code: String,
    },
    /// A response body is not the vendor's error envelope.
    #[error("the response is not the vendor's error envelope: {reason}")]
    MalformedErrorResponse {
        /// What is wrong with it.
        reason: String,
    },
}

/// The vendor's codes with their wording (the "Common Errors" table) and HTTP status (H7).
pub const GA_CODES: &[(&str, &str, u16)] = &[
    ("GA2001", "Missing X-Api-Key", 401),
    ("GA2002", "Missing X-Signature", 401),
    ("GA2003", "Missing X-Timestamp", 401),
    ("GA2004", "Missing X-Nonce", 401),
    ("GA2011", "API key invalid or not found", 401),
    ("GA2012", "Signature verification failed", 401),
    ("GA2013", "Timestamp outside validity window", 401),
    ("GA2014", "Nonce already used", 401),
    ("GA2021", "API key disabled", 403),
    ("GA2022", "IP not in whitelist", 403),
];

/// The order in which a verifier reports faults (H5): a request with several faults
/// fails with the first of these it has.
pub const PRECEDENCE: &[&str] = &[
    "GA2001", "GA2002", "GA2003", "GA2004", "GA2011", "GA2021", "GA2022", "GA2013", "GA2012",
    "GA2014",
];

/// The vendor's wording and HTTP status of a GA code, when it is one.
pub fn describe_code(code: &str) -> Option<(&'static str, u16)> {
    GA_CODES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, m, s)| (*m, *s))
}

impl Error {
    /// The stable code graded by the test vectors: the vendor's `GA20xx` for
    /// verification failures, an upper-case name otherwise.
    pub fn code(&self) -> &'static str {
        match self {
            Error::MissingApiKey { .. } => "GA2001",
            Error::MissingSignature { .. } => "GA2002",
            Error::MissingTimestamp { .. } => "GA2003",
            Error::MissingNonce { .. } => "GA2004",
            Error::UnknownApiKey { .. } => "GA2011",
            Error::SignatureMismatch { .. } => "GA2012",
            Error::TimestampOutOfWindow { .. } => "GA2013",
            Error::NonceReused { .. } => "GA2014",
            Error::KeyDisabled => "GA2021",
            Error::IpNotAllowed => "GA2022",
            Error::ReplayStoreFull => "REPLAY_STORE_FULL",
            Error::MalformedMethod => "MALFORMED_METHOD",
            Error::MalformedTarget => "MALFORMED_TARGET",
            Error::MalformedNonce => "MALFORMED_NONCE",
            Error::MalformedTimestamp => "MALFORMED_TIMESTAMP",
            Error::MalformedApiKey => "MALFORMED_API_KEY",
            Error::EmptySecret => "EMPTY_SECRET",
            Error::MalformedIpRule { .. } => "MALFORMED_IP_RULE",
            Error::UnknownCode { .. } => "UNKNOWN_CODE",
            Error::MalformedErrorResponse { .. } => "MALFORMED_ERROR_RESPONSE",
        }
    }

    /// The HTTP status a verifier answers with (H7): 401 for GA200x/GA201x, 403 for
    /// GA2021/GA2022, 503 when the replay store is full, 400 for anything else.
    pub fn http_status(&self) -> u16 {
        match self {
            Error::ReplayStoreFull => 503,
            e => describe_code(e.code()).map_or(400, |(_, s)| s),
        }
    }

    /// The vendor's wording for this code (its "Common Errors" table), when it has one.
    pub fn vendor_message(&self) -> Option<&'static str> {
        describe_code(self.code()).map(|(m, _)| m)
    }

    /// Every code, in declaration order (snapshot-tested so a change shows).
    pub const CODES: &'static [&'static str] = &[
        "GA2001",
        "GA2002",
        "GA2003",
        "GA2004",
        "GA2011",
        "GA2012",
        "GA2013",
        "GA2014",
        "GA2021",
        "GA2022",
        "REPLAY_STORE_FULL",
        "MALFORMED_METHOD",
        "MALFORMED_TARGET",
        "MALFORMED_NONCE",
        "MALFORMED_TIMESTAMP",
        "MALFORMED_API_KEY",
        "EMPTY_SECRET",
        "MALFORMED_IP_RULE",
        "UNKNOWN_CODE",
        "MALFORMED_ERROR_RESPONSE",
    ];
}
