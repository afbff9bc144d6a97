//! Probing a partners-portal verifier: the login with each level failing, then protected
//! requests with a valid, missing, malformed, unknown and misbound bearer token, and one
//! to a route the user lacks the permission for.
//!
//! A case passes when an accepted request gets a 2xx (a login's body must hold the
//! token as the guide shows: a bare JSON string) and a refused one gets 401, or 403 for
//! a missing permission. When the server names an error code
//! ([`crate::serve::ERROR_HEADER`]), it must be the reference's [`Reason`] code.
//!
//! [`Reason`]: crate::schemes::portal::Reason

use super::{
    AcceptEverything, CaseResult, Expect, Outgoing, ProbeError, ProbeModule, Prober, Reply,
};
use crate::encoding::{base64url_encode, random_bytes};
use crate::schemes::portal::{
    BROKER_ID, CLIENT_ID, CLIENT_SECRET, LOGIN_PATH, LoginCredentials, USERNAME, identity_headers,
    parse_error_body, parse_login_response, protected_headers,
};
use crate::serve::Credentials;
use crate::serve::portal::{FORBIDDEN_PATH, PortalCredentials, SLUG};

/// A broker id no server is expected to know (18 digits, the most `brokerID` holds).
pub const UNKNOWN_BROKER: u64 = 999_999_999_999_999_999;

/// Runs the partners-portal cases against the protected route `path` (a GET the demo
/// The probe of `partners-portal`.
pub const PROBE: ProbeModule = ProbeModule {
    default_path: crate::serve::portal::DEFAULT_PATH,
    run,
    accept_everything: AcceptEverything {
        pass: &["login-valid"],
        fail: &[
            "login-wrong-secret",
            "login-unknown-broker",
            "login-missing-username",
            "bearer-missing",
            "bearer-unknown",
            "bearer-other-username",
            "permission-missing",
        ],
    },
};

fn run<'a>(
    slug: &'a str,
    prober: &'a Prober,
    path: &'a str,
    credentials: &'a Credentials,
) -> super::ProbeFuture<'a> {
    Box::pin(probe(slug, prober, path, credentials))
}

/// user may call); the permission case uses [`FORBIDDEN_PATH`].
pub async fn probe(
    slug: &str,
    prober: &Prober,
    path: &str,
    credentials: &Credentials,
) -> Result<Vec<CaseResult>, ProbeError> {
    if slug != SLUG {
        return Err(ProbeError::Usage(format!(
            "`{slug}` is not the partners-portal scheme"
        )));
    }
    let c: PortalCredentials = credentials
        .entry(SLUG)
        .map_err(|e| ProbeError::Usage(e.to_string()))?;
    let bad =
        |e: crate::schemes::portal::Error| ProbeError::Usage(format!("{SLUG} credentials: {e}"));
    let prefix = prober.prefix();
    let login_target = format!("{prefix}{LOGIN_PATH}");
    let target = format!("{prefix}{path}");
    let forbidden_target = format!("{prefix}{FORBIDDEN_PATH}");
    let creds = LoginCredentials::new(
        c.client_id.clone(),
        c.client_secret.clone(),
        c.broker_id,
        c.username.clone(),
    );
    let mut secrets: Vec<String> = c
        .client_secret
        .expose_str()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let login = |creds: &LoginCredentials| -> Result<Outgoing, ProbeError> {
        Ok(Outgoing {
            method: "POST".into(),
            target: login_target.clone(),
            headers: identity_headers(creds).map_err(bad)?,
            body: Vec::new(),
        })
    };
    let mut results = Vec::new();

    let wrong_secret = LoginCredentials {
        client_secret: format!("{}-wrong", c.client_secret.expose_str().unwrap_or("x")).into(),
        ..creds.clone()
    };
    let unknown_client = LoginCredentials {
        client_id: format!("{}-unknown", c.client_id),
        ..creds.clone()
    };
    let unknown_broker = LoginCredentials {
        broker_id: if c.broker_id == UNKNOWN_BROKER {
            UNKNOWN_BROKER - 1
        } else {
            UNKNOWN_BROKER
        },
        ..creds.clone()
    };
    let unknown_user = LoginCredentials {
        username: format!("unknown-{}", c.username),
        ..creds.clone()
    };
    for (name, creds, code) in [
        (
            "login-wrong-secret",
            &wrong_secret,
            "MASTER_SECRET_MISMATCH",
        ),
        ("login-unknown-client", &unknown_client, "MASTER_UNKNOWN"),
        ("login-unknown-broker", &unknown_broker, "BROKER_UNKNOWN"),
        ("login-unknown-user", &unknown_user, "USER_UNKNOWN"),
    ] {
        results.push(check(prober, name, &login(creds)?, reject(code), &secrets).await?);
    }
    for header in [CLIENT_ID, CLIENT_SECRET, BROKER_ID, USERNAME] {
        let out = without(login(&creds)?, header);
        let name = format!("login-missing-{}", header.to_ascii_lowercase());
        results.push(check(prober, &name, &out, reject("MISSING_HEADER"), &secrets).await?);
    }

    let reply = prober.send("login-valid", &login(&creds)?).await?;
    let mut issued = super::fail_redirect(
        grade("login-valid", Expect::Accept, &reply, &secrets),
        &reply,
        &secrets,
    );
    let token = match parse_login_response(&reply.body) {
        Ok(token) if issued.pass => token,
        Ok(_) => {
            results.push(issued);
            return Ok(results);
        }
        Err(e) => {
            issued.pass = false;
            issued.reason = Some(format!("no usable token in the answer: {e}"));
            results.push(super::fail_redirect(issued, &reply, &secrets));
            return Ok(results);
        }
    };
    results.push(issued);
    secrets.push(token.clone());

    let get = |target: &str, headers: Vec<(String, String)>| Outgoing {
        method: "GET".into(),
        target: target.to_owned(),
        headers,
        body: Vec::new(),
    };
    let with = |creds: &LoginCredentials, token: &str| -> Result<Outgoing, ProbeError> {
        Ok(get(&target, protected_headers(creds, token).map_err(bad)?))
    };
    let bearer_with = |value: &str| -> Result<Outgoing, ProbeError> {
        let mut headers = identity_headers(&creds).map_err(bad)?;
        headers.push(("Authorization".into(), value.to_owned()));
        Ok(get(&target, headers))
    };

    results.push(
        check(
            prober,
            "bearer-valid",
            &with(&creds, &token)?,
            Expect::Accept,
            &secrets,
        )
        .await?,
    );
    results.push(
        check(
            prober,
            "bearer-missing",
            &get(&target, identity_headers(&creds).map_err(bad)?),
            reject("MISSING_AUTHORIZATION"),
            &secrets,
        )
        .await?,
    );
    // The token sent under another scheme, then `Bearer` with a character a token
    // cannot hold.
    for (name, value) in [
        ("bearer-malformed-scheme", format!("Basic {token}")),
        ("bearer-malformed-token", format!("Bearer {token} x")),
    ] {
        results.push(
            check(
                prober,
                name,
                &bearer_with(&value)?,
                reject("MALFORMED_AUTHORIZATION"),
                &secrets,
            )
            .await?,
        );
    }
    let mut raw = [0u8; 32];
    random_bytes(&mut raw);
    results.push(
        check(
            prober,
            "bearer-unknown",
            &with(&creds, &base64url_encode(&raw))?,
            reject("TOKEN_UNKNOWN"),
            &secrets,
        )
        .await?,
    );
    let other = LoginCredentials {
        username: c.other_username.clone(),
        ..creds.clone()
    };
    results.push(
        check(
            prober,
            "bearer-other-username",
            &with(&other, &token)?,
            reject("TOKEN_IDENTITY_MISMATCH"),
            &secrets,
        )
        .await?,
    );
    results.push(
        check(
            prober,
            "bearer-wrong-secret",
            &with(&wrong_secret, &token)?,
            reject("MASTER_SECRET_MISMATCH"),
            &secrets,
        )
        .await?,
    );
    results.push(
        check(
            prober,
            "permission-missing",
            &get(
                &forbidden_target,
                protected_headers(&creds, &token).map_err(bad)?,
            ),
            reject("PERMISSION_DENIED"),
            &secrets,
        )
        .await?,
    );
    // Refusals end no session: the token still works.
    results.push(
        check(
            prober,
            "bearer-valid-after-refusals",
            &with(&creds, &token)?,
            Expect::Accept,
            &secrets,
        )
        .await?,
    );
    Ok(results)
}

fn reject(code: &'static str) -> Expect {
    Expect::Reject { code }
}

fn without(mut out: Outgoing, header: &str) -> Outgoing {
    out.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(header));
    out
}

async fn check(
    prober: &Prober,
    name: &str,
    out: &Outgoing,
    expect: Expect,
    secrets: &[String],
) -> Result<CaseResult, ProbeError> {
    let reply = prober.send(name, out).await?;
    Ok(super::fail_redirect(
        grade(name, expect, &reply, secrets),
        &reply,
        secrets,
    ))
}

/// The status a refusal with `code` must have: 403 for a missing permission, else 401.
fn status_for(code: &str) -> u16 {
    if code == "PERMISSION_DENIED" {
        403
    } else {
        401
    }
}

fn grade(name: &str, expect: Expect, reply: &Reply, secrets: &[String]) -> CaseResult {
    let mut got = reply.status.to_string();
    if let Some(code) = &reply.code {
        got.push(' ');
        got.push_str(code);
    }
    if !(200..300).contains(&reply.status)
        && let Ok(body) = parse_error_body(reply.status, &reply.body)
        && let Some(m) = body.message
    {
        let mut m: String = m.chars().take(100).collect();
        for s in secrets {
            m = m.replace(s.as_str(), "<redacted>");
        }
        got.push_str(&format!(": {m}"));
    }
    let reason = match expect {
        Expect::Accept if (200..300).contains(&reply.status) => None,
        Expect::Accept => Some("the request is valid and must be accepted (2xx)".to_owned()),
        Expect::Reject { code } if reply.status == status_for(code) => match &reply.code {
            Some(named) if named != code => Some(format!(
                "refused, but with code {named} where the reference gives {code}"
            )),
            _ => None,
        },
        Expect::Reject { code } => Some(format!(
            "the request must be refused with HTTP {}",
            status_for(code)
        )),
    };
    CaseResult {
        name: name.to_owned(),
        expect,
        got,
        pass: reason.is_none(),
        reason,
        profile: super::Profile::Conformance,
    }
}
