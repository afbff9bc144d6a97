//! The `partners-portal` scheme (vectors/README.md, "`partners-portal`"): `scenario`,
//! `parse-login-response` and `parse-error-body`.
//!
//! ```
//! use partner_auth::harness::{Refusal, partners_portal};
//! use partner_auth::schemes::portal;
//!
//! // Here the crate's own parser; yours goes in its place.
//! let report = partners_portal::parse_login_response(|input| {
//!     portal::parse_login_response(input.body.as_bytes()).map_err(|e| Refusal::new(e.code()))
//! });
//! report.assert_conformant();
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::json;

pub use super::HttpRequest;
use super::{HarnessReport, RawRequest, Refusal, run_op, serde_op};
use crate::reference::parse_input;
use crate::vectors::{Answer, Case, bundled};

const SCHEME: &str = "partners-portal";

/// A user of a broker.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// The user name (`xUsername`).
    pub username: String,
    /// False when the user may not use the API.
    pub api_access: bool,
    /// The permissions the user holds (`simulations.read`, …).
    #[serde(default)]
    pub permissions: Vec<String>,
}

/// A broker under a master account.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Broker {
    /// The broker id (`xBrokerID`).
    pub broker_id: u64,
    /// False when the broker may not use the API.
    pub api_access: bool,
    /// Its users.
    #[serde(default)]
    pub users: Vec<User>,
}

/// A master account (the first level of identification).
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Master {
    /// `xClientID`.
    pub client_id: String,
    /// `xClientSecret`. Left out of `Debug`.
    pub client_secret: String,
    /// Its brokers.
    #[serde(default)]
    pub brokers: Vec<Broker>,
}

impl fmt::Debug for Master {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Master")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("brokers", &self.brokers)
            .finish()
    }
}

/// The portal's accounts.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Directory {
    /// The master accounts.
    pub masters: Vec<Master>,
}

/// A protected route and the permission it needs.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// The HTTP method.
    pub method: String,
    /// The path (no query).
    pub path: String,
    /// The permission a user needs.
    pub permission: String,
}

/// One request of a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// When it arrives: seconds after [`ScenarioInput::start`], never going back.
    pub at: i64,
    /// The request. In its target and header values, `{{token:N}}` stands for the token
    /// the login of step N (counted from 0) answered with; the implementation puts it in.
    pub request: HttpRequest,
    /// What the step is about (informative).
    pub note: String,
}

/// The input of a `scenario` case: a portal's accounts and routes, and the requests
/// that reach it in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioInput {
    /// The accounts.
    pub directory: Directory,
    /// The protected routes; `POST` to the login path is the login.
    pub routes: Vec<Route>,
    /// The server's clock at the first step, Unix seconds.
    pub start: i64,
    /// The requests.
    pub steps: Vec<Step>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    at: i64,
    request: RawRequest,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    directory: Directory,
    #[serde(default)]
    routes: Vec<Route>,
    start: i64,
    steps: Vec<RawStep>,
}

fn scenario_input(case: &Case) -> Result<ScenarioInput, Answer> {
    let raw: RawScenario = parse_input(&case.input)?;
    let mut steps = Vec::with_capacity(raw.steps.len());
    for (n, s) in raw.steps.into_iter().enumerate() {
        steps.push(Step {
            at: s.at,
            request: s.request.typed(&format!("steps[{n}].request."))?,
            note: s.note,
        });
    }
    Ok(ScenarioInput {
        directory: raw.directory,
        routes: raw.routes,
        start: raw.start,
        steps,
    })
}

/// Runs every bundled `partners-portal` `scenario` case through `portal` and grades the
/// HTTP status it answers each step with (200 for a request a route lets through).
///
/// # Panics
/// When a bundled case cannot be typed as a [`ScenarioInput`] (naming case and field).
pub fn scenario(portal: impl FnMut(&ScenarioInput) -> Result<Vec<u16>, Refusal>) -> HarnessReport {
    run_op(
        bundled(),
        SCHEME,
        "scenario",
        scenario_input,
        |_: &Case, statuses: Vec<u16>| json!({ "statuses": statuses }),
        portal,
    )
}

/// The input of a `parse-login-response` case.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginResponseInput {
    /// The body of the login's 200 response.
    pub body: String,
}

/// Runs every bundled `partners-portal` `parse-login-response` case through `parser` and
/// grades it: the session token, or a refusal (`MALFORMED_LOGIN_RESPONSE`).
///
/// # Panics
/// When a bundled case cannot be typed as a [`LoginResponseInput`] (naming case and
/// field).
pub fn parse_login_response(
    parser: impl FnMut(&LoginResponseInput) -> Result<String, Refusal>,
) -> HarnessReport {
    run_op(
        bundled(),
        SCHEME,
        "parse-login-response",
        |case: &Case| parse_input(&case.input),
        |_: &Case, token: String| json!({ "token": token }),
        parser,
    )
}

/// The input of a `parse-error-body` case.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorBodyInput {
    /// The HTTP status.
    pub status: u16,
    /// The body text.
    pub body: String,
}

/// A parsed error body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErrorBody {
    /// The HTTP status.
    pub status: u16,
    /// The body's `code`, when present (an integer written in decimal).
    pub code: Option<String>,
    /// The body's message, when present.
    pub message: Option<String>,
}

/// Runs every bundled `partners-portal` `parse-error-body` case through `parser` and
/// grades it: status, code and message, or a refusal (`MALFORMED_ERROR_BODY`).
///
/// # Panics
/// When a bundled case cannot be typed as an [`ErrorBodyInput`] (naming case and field).
pub fn parse_error_body(
    parser: impl FnMut(&ErrorBodyInput) -> Result<ErrorBody, Refusal>,
) -> HarnessReport {
    serde_op(SCHEME, "parse-error-body", parser)
}
