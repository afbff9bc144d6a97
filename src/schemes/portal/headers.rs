//! The client side of a request: the headers of the login request and of a protected
//! request (the scheme's counterpart of "sign").

use super::{Error, LoginCredentials};

/// Level 1, part one: the master's client id.
pub const CLIENT_ID: &str = "xClientID";
/// Level 1, part two: the master's secret.
pub const CLIENT_SECRET: &str = "xClientSecret";
/// Level 2: the calling broker, an integer.
pub const BROKER_ID: &str = "brokerID";
/// Level 3: the user, "usually the user's email".
pub const USERNAME: &str = "username";
/// The login endpoint.
pub const LOGIN_PATH: &str = "/API/partnersPortal/authentication";

fn check_value(field: &'static str, value: &str) -> Result<(), Error> {
    let bad = |reason| Err(Error::MalformedHeaderValue { field, reason });
    if value.is_empty() {
        return bad("it is empty");
    }
    if value.starts_with([' ', '\t']) || value.ends_with([' ', '\t']) {
        return bad("it has leading or trailing whitespace, which HTTP strips");
    }
    if !value.bytes().all(|b| b == b' ' || b.is_ascii_graphic()) {
        return bad("it holds control or non-ASCII characters");
    }
    Ok(())
}

/// The four identification headers, in the spec page's order and spelling (P1). Every
/// request carries them: the login request, and every protected request beside the
/// bearer token.
///
/// The result holds the client secret: keep it out of logs.
pub fn identity_headers(creds: &LoginCredentials) -> Result<Vec<(String, String)>, Error> {
    let secret = creds
        .client_secret
        .expose_str()
        .ok_or(Error::MalformedHeaderValue {
            field: CLIENT_SECRET,
            reason: "it is not UTF-8 text",
        })?;
    check_value(CLIENT_ID, &creds.client_id)?;
    check_value(CLIENT_SECRET, secret)?;
    check_value(USERNAME, &creds.username)?;
    Ok(vec![
        (CLIENT_ID.to_owned(), creds.client_id.clone()),
        (CLIENT_SECRET.to_owned(), secret.to_owned()),
        (BROKER_ID.to_owned(), creds.broker_id.to_string()),
        (USERNAME.to_owned(), creds.username.clone()),
    ])
}

/// The headers of a protected request: the four identification headers, then
/// `Authorization: Bearer <token>`.
pub fn protected_headers(
    creds: &LoginCredentials,
    token: &str,
) -> Result<Vec<(String, String)>, Error> {
    let mut headers = identity_headers(creds)?;
    headers.push(("Authorization".to_owned(), format!("Bearer {token}")));
    Ok(headers)
}
