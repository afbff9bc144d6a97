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

use serde::Deserialize;
use serde_json::json;

pub use super::HttpRequest;
use super::{HarnessReport, RawRequest, Refusal, run_op};
use crate::reference::{error_body_json, parse_input, substitute};
/// A parsed error body (the scheme's own type).
pub use crate::schemes::portal::ErrorBody;
use crate::vectors::{Answer, Case, bundled};

const SCHEME: &str = crate::schemes::portal::SLUG;

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
    /// The request as the case writes it: in its target and header values,
    /// `{{token:N}}` stands for the token the login of step N (counted from 0, always an
    /// earlier step) answered with. [`Step::request_with_tokens`] puts them in.
    pub request: HttpRequest,
    /// What the step is about (informative).
    pub note: String,
}

impl Step {
    /// The request to send: [`Step::request`] with every `{{token:N}}` replaced by
    /// `tokens[N]`, the token the implementation's login answered step N with (`None`, or
    /// no entry, where it gave none: the placeholder becomes empty, as a client holding no
    /// token would send).
    pub fn request_with_tokens(&self, tokens: &[Option<String>]) -> HttpRequest {
        let token = |n: usize| Some(tokens.get(n).and_then(Option::as_deref).unwrap_or(""));
        let fill = |text: &str| {
            substitute(text, "", token).expect("placeholders are checked when the case is read")
        };
        HttpRequest {
            method: self.request.method.clone(),
            target: fill(&self.request.target),
            headers: self
                .request
                .headers
                .iter()
                .map(|(name, value)| (name.clone(), fill(value)))
                .collect(),
            body: self.request.body.clone(),
        }
    }
}

/// Checks that every `{{token:N}}` of step `n`'s request is well formed and names an
/// earlier step.
fn check_placeholders(n: usize, r: &HttpRequest) -> Result<(), Answer> {
    let earlier = |m: usize| (m < n).then_some("");
    let at = format!("steps[{n}].request");
    substitute(&r.target, &format!("{at}.target"), earlier)?;
    for (h, (_, value)) in r.headers.iter().enumerate() {
        substitute(value, &format!("{at}.headers[{h}]"), earlier)?;
    }
    Ok(())
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
        let request = s.request.typed(&format!("steps[{n}].request."))?;
        check_placeholders(n, &request)?;
        steps.push(Step {
            at: s.at,
            request,
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

/// Runs every bundled `partners-portal` `parse-error-body` case through `parser` and
/// grades it: status, code and message, or a refusal (`MALFORMED_ERROR_BODY`).
///
/// # Panics
/// When a bundled case cannot be typed as an [`ErrorBodyInput`] (naming case and field).
pub fn parse_error_body(
    parser: impl FnMut(&ErrorBodyInput) -> Result<ErrorBody, Refusal>,
) -> HarnessReport {
    run_op(
        bundled(),
        SCHEME,
        "parse-error-body",
        |case: &Case| parse_input(&case.input),
        |_: &Case, b: ErrorBody| error_body_json(b),
        parser,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(target: &str, auth: &str) -> HttpRequest {
        HttpRequest {
            method: "GET".into(),
            target: target.into(),
            headers: vec![("Authorization".into(), auth.into())],
            body: Vec::new(),
        }
    }

    #[test]
    fn a_step_puts_in_the_tokens_of_earlier_logins() {
        let step = Step {
            at: 5,
            request: request("/p?t={{token:1}}", "Bearer {{token:0}}"),
            note: String::new(),
        };
        let filled = step.request_with_tokens(&[Some("abc".into()), None]);
        assert_eq!(filled.target, "/p?t=");
        assert_eq!(
            filled.headers,
            [("Authorization".to_owned(), "Bearer abc".to_owned())]
        );
        assert_eq!(step.request_with_tokens(&[]).headers[0].1, "Bearer ");
    }

    #[test]
    fn a_placeholder_naming_the_same_or_a_later_step_is_a_fault_of_the_case() {
        assert!(check_placeholders(1, &request("/p", "Bearer {{token:0}}")).is_ok());
        for (n, auth) in [(1, "Bearer {{token:1}}"), (0, "Bearer {{token:0}}")] {
            match check_placeholders(n, &request("/p", auth)) {
                Err(Answer::BadInput { field, .. }) => {
                    assert_eq!(field, format!("steps[{n}].request.headers[0]"));
                }
                other => panic!("{auth} at step {n}: {other:?}"),
            }
        }
        match check_placeholders(2, &request("/p?{{token:x}}", "")) {
            Err(Answer::BadInput { field, .. }) => assert_eq!(field, "steps[2].request.target"),
            other => panic!("{other:?}"),
        }
    }
}
