//! The error type of the partners-portal scheme (configuration and parsing, with stable
//! codes) and the verifier's diagnostic [`Reason`] for a refused request.

/// Why a partners-portal value could not be built or parsed.
///
/// Each variant has a stable [`Error::code`] (the string the test vectors grade) and a
/// message that names the field at fault and the fix. No message carries a client
/// secret or a token.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The login response is not a bare JSON string holding a usable token (P2).
    #[error(
        "the login response must be a bare JSON string holding the token (e.g. \"eyJhbGci…\"), but {found}"
    )]
    MalformedLoginResponse {
        /// What the body held instead (never the value of a token-like member).
        found: String,
    },
    /// An error body that is neither empty, a JSON object of the documented shape, nor a
    /// JSON string.
    #[error("the error body is not readable: {reason}")]
    MalformedErrorBody {
        /// What is wrong with it.
        reason: String,
    },
    /// A value that cannot travel as an HTTP header value (empty, surrounding whitespace,
    /// control characters or non-ASCII).
    #[error(
        "`{field}` cannot be sent as a header value: {reason}; use printable ASCII without leading or trailing spaces"
    )]
    MalformedHeaderValue {
        /// The credential field (`xClientID`, `xClientSecret`, `username`).
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The directory already holds this master, broker or user.
    #[error("the directory already holds {what}; every entry must be unique")]
    DuplicateEntry {
        /// Which entry.
        what: String,
    },
    /// A broker or user was added under a parent the directory does not hold.
    #[error("the directory holds no {what}; add the parent before its children")]
    UnknownParent {
        /// The missing parent.
        what: String,
    },
}

impl Error {
    /// The stable code graded by the test vectors.
    pub fn code(&self) -> &'static str {
        match self {
            Error::MalformedLoginResponse { .. } => "MALFORMED_LOGIN_RESPONSE",
            Error::MalformedErrorBody { .. } => "MALFORMED_ERROR_BODY",
            Error::MalformedHeaderValue { .. } => "MALFORMED_HEADER_VALUE",
            Error::DuplicateEntry { .. } => "DUPLICATE_ENTRY",
            Error::UnknownParent { .. } => "UNKNOWN_PARENT",
        }
    }

    /// Every code, in declaration order.
    pub const CODES: &'static [&'static str] = &[
        "MALFORMED_LOGIN_RESPONSE",
        "MALFORMED_ERROR_BODY",
        "MALFORMED_HEADER_VALUE",
        "DUPLICATE_ENTRY",
        "UNKNOWN_PARENT",
    ];
}

/// Why the verifier refused a request: a diagnostic for the server's own logs and for
/// tests. It never reaches the response body, which is the same for every 401 (P2).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// A required header is absent or empty.
    MissingHeader(&'static str),
    /// A header the scheme reads appears more than once.
    DuplicateHeader(&'static str),
    /// `brokerID` is not a decimal integer of 1 to 18 digits (P1).
    MalformedBrokerId,
    /// Level 1: no master has this `xClientID`.
    MasterUnknown,
    /// Level 1: the `xClientSecret` is not the master's.
    MasterSecretMismatch,
    /// Level 2: no broker has this `brokerID`.
    BrokerUnknown,
    /// Level 2: the broker belongs to another master.
    BrokerOfOtherMaster,
    /// Level 2: the broker's API access is off.
    BrokerApiAccessOff,
    /// Level 3: no broker has a user with this `username`.
    UserUnknown,
    /// Level 3: the user belongs to another broker.
    UserOfOtherBroker,
    /// Level 3: the user's API access is off.
    UserApiAccessOff,
    /// A protected request without `Authorization`.
    MissingAuthorization,
    /// `Authorization` is not `Bearer <token>`.
    MalformedAuthorization,
    /// The token was never issued, or its session was purged.
    TokenUnknown,
    /// 30 minutes or more since the session's last authenticated request (P3).
    TokenExpired,
    /// The token was issued to another (master, broker, user) (P4).
    TokenIdentityMismatch,
    /// Authenticated, but the user lacks the permission the resource requires (403).
    PermissionDenied,
    /// The session store is full of live sessions; no new session can be opened (503).
    SessionStoreFull,
}

impl Reason {
    /// A stable code for logs and tests.
    pub fn code(self) -> &'static str {
        match self {
            Reason::MissingHeader(_) => "MISSING_HEADER",
            Reason::DuplicateHeader(_) => "DUPLICATE_HEADER",
            Reason::MalformedBrokerId => "MALFORMED_BROKER_ID",
            Reason::MasterUnknown => "MASTER_UNKNOWN",
            Reason::MasterSecretMismatch => "MASTER_SECRET_MISMATCH",
            Reason::BrokerUnknown => "BROKER_UNKNOWN",
            Reason::BrokerOfOtherMaster => "BROKER_OF_OTHER_MASTER",
            Reason::BrokerApiAccessOff => "BROKER_API_ACCESS_OFF",
            Reason::UserUnknown => "USER_UNKNOWN",
            Reason::UserOfOtherBroker => "USER_OF_OTHER_BROKER",
            Reason::UserApiAccessOff => "USER_API_ACCESS_OFF",
            Reason::MissingAuthorization => "MISSING_AUTHORIZATION",
            Reason::MalformedAuthorization => "MALFORMED_AUTHORIZATION",
            Reason::TokenUnknown => "TOKEN_UNKNOWN",
            Reason::TokenExpired => "TOKEN_EXPIRED",
            Reason::TokenIdentityMismatch => "TOKEN_IDENTITY_MISMATCH",
            Reason::PermissionDenied => "PERMISSION_DENIED",
            Reason::SessionStoreFull => "SESSION_STORE_FULL",
        }
    }

    /// The HTTP status the request is answered with: 403 for a missing permission, 503
    /// for a full session store, 401 for everything else.
    pub fn status(self) -> u16 {
        match self {
            Reason::PermissionDenied => 403,
            Reason::SessionStoreFull => 503,
            _ => 401,
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::MissingHeader(h) => write!(f, "MISSING_HEADER ({h})"),
            Reason::DuplicateHeader(h) => write!(f, "DUPLICATE_HEADER ({h})"),
            other => f.write_str(other.code()),
        }
    }
}
