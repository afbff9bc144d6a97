//! Partners portal three-level authentication with a bearer session
//! (`partners-portal`).
//!
//! Source: the vendor's authentication guide (a full copy is the project's
//! `specs/partners-portal-three-level-auth.txt`): "Every API request requires three
//! levels of identification", then "All protected endpoints require all three
//! authentication levels plus the Bearer token".
//!
//! # The requests
//!
//! ```text
//! POST /API/partnersPortal/authentication
//! xClientID: network_abc123          level 1: with the secret, identifies the master
//! xClientSecret: secret_xyz789
//! brokerID: 12345                    level 2: a broker of that master, API access on
//! username: ana@example.pt           level 3: a user of that broker, API access on
//!
//! 200 OK  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9..."     the token, a bare JSON string
//! 401     any level failed (one body for all of them)
//!
//! GET /API/partnersPortal/...        the same four headers, plus
//! Authorization: Bearer <token>
//! 401     a level failed, or the token is missing, unknown, expired or another's
//! 403     authenticated, but the user lacks the permission
//! ```
//!
//! # Example
//!
//! ```
//! use partner_auth::schemes::portal::{Directory, LoginCredentials, Portal, protected_headers, identity_headers};
//! use partner_auth::{FixedClock, Request};
//!
//! let mut dir = Directory::new();
//! dir.add_master("network_abc123", "secret_xyz789")?;
//! dir.add_broker("network_abc123", 12345, true)?;
//! dir.add_user(12345, "ana@example.pt", true, ["simulations.read"])?;
//! let portal = Portal::new(dir, FixedClock::from_secs(1_700_000_000));
//!
//! let creds = LoginCredentials::new("network_abc123", "secret_xyz789", 12345, "ana@example.pt");
//! let mut login = Request::new("POST", "/API/partnersPortal/authentication");
//! for (n, v) in identity_headers(&creds)? {
//!     login.headers.append(n, v);
//! }
//! let token = portal.login(&login).unwrap().token().clone();
//!
//! let mut req = Request::new("GET", "/API/partnersPortal/simulations");
//! for (n, v) in protected_headers(&creds, token.expose())? {
//!     req.headers.append(n, v);
//! }
//! assert!(portal.authenticate(&req, "simulations.read").is_ok());
//! // 30 minutes without activity: expired.
//! portal.clock().advance_secs(30 * 60);
//! assert_eq!(portal.authenticate(&req, "simulations.read").unwrap_err().status(), 401);
//! # Ok::<(), partner_auth::schemes::portal::Error>(())
//! ```
//!
//! # Where the vendor's page is silent
//!
//! - P1: header names as on the guide (`xClientID`, `xClientSecret`, `brokerID`,
//!   `username`), case-insensitive on the wire; `brokerID` is 1–18 ASCII digits
//!   (leading zeros allowed); a header sent twice is refused (401).
//! - P2: login answers 200 with the token as a bare JSON string; 401 for any failing
//!   level, with the same body whichever failed. The verifier keeps a [`Reason`] for
//!   diagnostics.
//! - P3: a token is valid while `now − last_activity < 30 min` (expired at exactly
//!   30:00); every request that passes authentication resets the timer, a 403 too; a
//!   401 does not.
//! - P4: a token is bound to its (master, broker, user); with other identity headers it
//!   is refused (401). Tokens carry 256 random bits as 43 characters of unpadded
//!   base64url; the store keeps only their SHA-256 and compares in constant time.
//! - P5: the reference `client` (feature `client`) re-authenticates before the limit
//!   and retries once after a 401.
//! - P-SECOND-LOGIN: a second login opens a second session; the first lives on (at most
//!   16 live sessions per identity, the least recently active ending first).
//! - P-USERNAME: usernames are compared byte for byte (no case folding).
//! - P-LOGIN-BODY / P-ERROR-BODY: see [`parse_login_response`] and [`parse_error_body`].

#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub mod client;
mod credentials;
mod error;
mod headers;
#[cfg(feature = "client")]
pub(crate) mod keeper;
mod session;
mod verify;
mod wire;

/// The scheme slug used in vectors, the CLI and the registry.
pub const SLUG: &str = "partners-portal";

pub use credentials::{Directory, Identity, LoginCredentials};
pub use error::{Error, Reason};
pub use headers::{
    BROKER_ID, CLIENT_ID, CLIENT_SECRET, LOGIN_PATH, USERNAME, identity_headers, protected_headers,
};
pub use session::{IDLE_TIMEOUT_MS, SessionConfig, SessionStore, SessionToken, TOKEN_BYTES};
pub use verify::{Authenticated, LoggedIn, Portal, Response};
pub use wire::{
    ErrorBody, FORBIDDEN_BODY, MAX_TOKEN_LEN, UNAUTHORIZED_BODY, UNAVAILABLE_BODY, is_b64token,
    login_response_body, parse_bearer, parse_broker_id, parse_error_body, parse_login_response,
};
