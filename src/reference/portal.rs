//! Answers for the partners-portal cases: `scenario` (a directory, routes, and timed
//! requests with their statuses), `parse-login-response`, `parse-error-body`.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{RequestInput, error, parse_input, unknown_op};
use crate::schemes::portal::{
    self as pp, Directory, ErrorBody, LOGIN_PATH, Portal, Response, parse_error_body,
    parse_login_response,
};
use crate::vectors::Answer;
use crate::{FixedClock, Request};

fn bad(field: impl Into<String>, message: impl ToString) -> Answer {
    Answer::BadInput {
        field: field.into(),
        message: message.to_string(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserEntry {
    username: String,
    api_access: bool,
    #[serde(default)]
    permissions: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BrokerEntry {
    broker_id: u64,
    api_access: bool,
    #[serde(default)]
    users: Vec<UserEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MasterEntry {
    client_id: String,
    client_secret: String,
    #[serde(default)]
    brokers: Vec<BrokerEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DirectoryInput {
    masters: Vec<MasterEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Route {
    method: String,
    path: String,
    permission: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    at: i64,
    request: RequestInput,
    /// What the step is about (informative).
    #[serde(default)]
    #[allow(dead_code)]
    note: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioInput {
    directory: DirectoryInput,
    #[serde(default)]
    routes: Vec<Route>,
    start: i64,
    steps: Vec<Step>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BodyInput {
    body: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ErrorBodyInput {
    status: u16,
    body: String,
}

pub(crate) fn answer(_slug: &str, op: &str, input: &Value) -> Result<Answer, Answer> {
    let fail = |e: pp::Error| error(e.code(), e);
    Ok(match op {
        "scenario" => Answer::Output(scenario(parse_input(input)?)?),
        "parse-login-response" => {
            let i: BodyInput = parse_input(input)?;
            match parse_login_response(i.body.as_bytes()) {
                Ok(token) => Answer::Output(json!({ "token": token })),
                Err(e) => fail(e),
            }
        }
        "parse-error-body" => {
            let i: ErrorBodyInput = parse_input(input)?;
            match parse_error_body(i.status, i.body.as_bytes()) {
                Ok(b) => Answer::Output(error_body_json(b)),
                Err(e) => fail(e),
            }
        }
        _ => return Err(unknown_op(pp::SLUG, op)),
    })
}

/// A `parse-error-body` output.
pub(crate) fn error_body_json(b: ErrorBody) -> Value {
    json!({ "status": b.status, "code": b.code, "message": b.message })
}

fn directory(input: &DirectoryInput) -> Result<Directory, Answer> {
    let mut dir = Directory::new();
    for (m, master) in input.masters.iter().enumerate() {
        let at = format!("directory.masters[{m}]");
        dir.add_master(master.client_id.as_str(), master.client_secret.as_str())
            .map_err(|e| bad(&at, e))?;
        for (b, broker) in master.brokers.iter().enumerate() {
            let at = format!("{at}.brokers[{b}]");
            dir.add_broker(&master.client_id, broker.broker_id, broker.api_access)
                .map_err(|e| bad(&at, e))?;
            for (u, user) in broker.users.iter().enumerate() {
                dir.add_user(
                    broker.broker_id,
                    user.username.as_str(),
                    user.api_access,
                    user.permissions.iter().cloned(),
                )
                .map_err(|e| bad(format!("{at}.users[{u}]"), e))?;
            }
        }
    }
    Ok(dir)
}

/// Replaces every `{{token:N}}` in `text` with `token(N)`: the token step N's login
/// returned, or `None` where step N is no earlier successful login (an error naming
/// `field`).
pub(crate) fn substitute<'t>(
    text: &str,
    field: &str,
    token: impl Fn(usize) -> Option<&'t str>,
) -> Result<String, Answer> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{token:") {
        out.push_str(&rest[..start]);
        let after = &rest[start + "{{token:".len()..];
        let end = after
            .find("}}")
            .ok_or_else(|| bad(field, "an unterminated `{{token:N}}` placeholder"))?;
        let n: usize = after[..end].parse().map_err(|_| {
            bad(
                field,
                "a placeholder must be `{{token:N}}` with N a step index",
            )
        })?;
        let token = token(n).ok_or_else(|| {
            bad(
                field,
                format!(
                    "`{{{{token:{n}}}}}` names step {n}, which is not an earlier successful login"
                ),
            )
        })?;
        out.push_str(token);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn scenario(i: ScenarioInput) -> Result<Value, Answer> {
    let clock = FixedClock::from_secs(i.start);
    let portal = Portal::new(directory(&i.directory)?, &clock);
    let mut tokens: Vec<Option<String>> = Vec::with_capacity(i.steps.len());
    let mut statuses = Vec::with_capacity(i.steps.len());
    let mut last_at = 0;
    for (n, step) in i.steps.iter().enumerate() {
        let at = format!("steps[{n}]");
        if step.at < last_at {
            return Err(bad(format!("{at}.at"), "steps must not go back in time"));
        }
        last_at = step.at;
        clock.set_secs(i.start + step.at);
        let mut req: Request = step.request.to_request()?;
        let mut headers = crate::Headers::new();
        for (h, (name, value)) in req.headers.iter().enumerate() {
            headers.append(
                name,
                substitute(value, &format!("{at}.request.headers[{h}]"), |n| {
                    tokens.get(n).and_then(Option::as_deref)
                })?,
            );
        }
        req.headers = headers;
        req.target = substitute(&req.target, &format!("{at}.request.target"), |n| {
            tokens.get(n).and_then(Option::as_deref)
        })?;
        let (response, token) = if req.method == "POST" && req.path() == LOGIN_PATH {
            let (resp, _why) = portal.handle_login(&req);
            let token = if resp.status == 200 {
                // The token travels through the same parser a client uses.
                Some(parse_login_response(&resp.body).map_err(|e| {
                    Answer::Broken(format!("the reference's own login body did not parse: {e}"))
                })?)
            } else {
                None
            };
            (resp, token)
        } else {
            let route = i
                .routes
                .iter()
                .find(|r| r.method == req.method && r.path == req.path())
                .ok_or_else(|| {
                    bad(
                        format!("{at}.request"),
                        "no route matches this method and path; add it to `routes`",
                    )
                })?;
            let resp = match portal.authenticate(&req, &route.permission) {
                Ok(_) => Response {
                    status: 200,
                    headers: Vec::new(),
                    body: b"{}".to_vec(),
                },
                Err(reason) => Response::refusal(reason),
            };
            (resp, None)
        };
        debug_assert!(response.status != 401 || response.body == pp::UNAUTHORIZED_BODY.as_bytes());
        statuses.push(response.status);
        tokens.push(token);
    }
    Ok(json!({ "statuses": statuses }))
}
