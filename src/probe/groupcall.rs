//! Probing a Groupcall `SendMessage_V3` verifier: payloads built by the reference
//! builder (or by hand where the builder refuses to), answers read by the reference
//! classifier.
//!
//! The vendor answers refusals with HTTP 200 and the per-element array (G4), so a case
//! is graded on the array: a valid message must come back queued (`errorMsg` starting
//! with `OK` and a `MessageId`, G3), a refused one with the vendor's text
//! (`Data is not valid, no messages sent`, `Partner key is not valid`); a body that is
//! not a payload must get HTTP 400.

use serde_json::{Value, json};

use super::{
    AcceptEverything, CaseResult, Expect, Outgoing, ProbeError, ProbeModule, Prober, Reply,
};
use crate::schemes::groupcall::{
    Batch, DATA_NOT_VALID, Message, Outcome, PARTNER_KEY_NOT_VALID, PartnerCredentials, Recipient,
    Route, parse_response,
};
use crate::serve::Credentials;
use crate::serve::groupcall::{CUSTOMER, CustomerEntry, PARTNER, PartnerEntry};

/// The recipient of every probe message: the vendor's example number, in Ofcom's range
/// reserved for drama (never a real phone).
pub const RECIPIENT: &str = "+447700900123";

/// The probe of `groupcall-customer`: its cases go to the SMS route by default.
pub const CUSTOMER_PROBE: ProbeModule = ProbeModule {
    default_path: Route::Sms.path(),
    run,
    accept_everything: AcceptEverything {
        pass: &["valid-send"],
        fail: &[
            "wrong-password",
            "missing-password",
            "mixed-batch",
            "malformed-json",
        ],
    },
};

/// The probe of `groupcall-partner`, on the partner route.
pub const PARTNER_PROBE: ProbeModule = ProbeModule {
    default_path: Route::PartnerRoute.path(),
    run,
    accept_everything: AcceptEverything {
        pass: &["valid-send"],
        fail: &[
            "wrong-password",
            "bad-partner-key",
            "missing-style-class",
            "not-a-payload",
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

/// Runs the cases of `slug` (`groupcall-customer` or `groupcall-partner`) against the
/// route `path` (`/api/SendMessage_V3/SMS` or `…/Email` for the customer scheme,
/// `…/PartnerRoute` for the partner scheme).
pub async fn probe(
    slug: &str,
    prober: &Prober,
    path: &str,
    credentials: &Credentials,
) -> Result<Vec<CaseResult>, ProbeError> {
    let usage = |e: crate::serve::CredentialsError| ProbeError::Usage(e.to_string());
    let route = path
        .rsplit('/')
        .next()
        .and_then(Route::from_name)
        .ok_or_else(|| {
            ProbeError::Usage(format!(
                "--path {path}: a Groupcall route ends in /SMS, /Email or /PartnerRoute"
            ))
        })?;
    let (customer_id, password, partner) = match slug {
        CUSTOMER if route != Route::PartnerRoute => {
            let c: CustomerEntry = credentials.entry(slug).map_err(usage)?;
            (c.customer_id, c.password, None)
        }
        PARTNER if route == Route::PartnerRoute => {
            let c: PartnerEntry = credentials.entry(slug).map_err(usage)?;
            (
                c.customer_id,
                c.password,
                Some((c.partner_key, c.style_class)),
            )
        }
        CUSTOMER | PARTNER => {
            return Err(ProbeError::Usage(format!(
                "--path {path}: `{CUSTOMER}` uses /SMS or /Email, `{PARTNER}` uses /PartnerRoute"
            )));
        }
        _ => {
            return Err(ProbeError::Usage(format!(
                "`{slug}` is not a Groupcall scheme"
            )));
        }
    };
    let bad =
        |e: crate::schemes::groupcall::Error| ProbeError::Usage(format!("{slug} credentials: {e}"));
    let mut secrets: Vec<String> = password
        .expose_str()
        .into_iter()
        .map(str::to_owned)
        .collect();
    if let Some((key, _)) = &partner {
        secrets.extend(key.expose_str().map(str::to_owned));
    }
    let target = format!("{}{path}", prober.prefix());
    let message = |password: &str, reference: &str| -> Result<Message, ProbeError> {
        let builder = match route {
            Route::Email => Message::email(customer_id.clone(), password)
                .subject("partner-auth probe")
                .body("A message from partner-auth probe.")
                .recipient(Recipient::email("probe@example.com")),
            _ => Message::sms(customer_id.clone(), password)
                .text("A message from partner-auth probe.")
                .recipient(Recipient::mobile(RECIPIENT)),
        };
        builder.client_ref(reference).build().map_err(bad)
    };
    let real = password.expose_str().unwrap_or_default().to_owned();
    let wrong = format!("{real}-wrong");
    let batch = |messages: Vec<Message>, key: Option<&str>| -> Result<Vec<u8>, ProbeError> {
        let b = match (&partner, route) {
            (Some((real_key, style)), _) => {
                let key = key.map_or_else(|| real_key.clone(), crate::Secret::from);
                Batch::partner(
                    PartnerCredentials::new(key, style.clone()).map_err(bad)?,
                    messages,
                )
            }
            (None, Route::Email) => Batch::email(messages),
            (None, _) => Batch::sms(messages),
        };
        Ok(b.map_err(bad)?.body().into_bytes())
    };
    let post = |body: Vec<u8>| Outgoing {
        method: "POST".into(),
        target: target.clone(),
        headers: vec![("Content-Type".into(), "application/json".into())],
        body,
    };
    let mut results = Vec::new();

    let valid = post(batch(vec![message(&real, "PROBE-VALID")?], None)?);
    results.push(check(prober, "valid-send", &valid, &[None], &secrets).await?);
    let wrong_password = post(batch(vec![message(&wrong, "PROBE-WRONG")?], None)?);
    results.push(
        check(
            prober,
            "wrong-password",
            &wrong_password,
            &[Some(DATA_NOT_VALID)],
            &secrets,
        )
        .await?,
    );
    let unknown_customer = {
        let m = match route {
            Route::Email => Message::email(format!("{customer_id}0"), real.as_str())
                .subject("s")
                .body("b")
                .recipient(Recipient::email("probe@example.com")),
            _ => Message::sms(format!("{customer_id}0"), real.as_str())
                .text("t")
                .recipient(Recipient::mobile(RECIPIENT)),
        };
        post(batch(vec![m.build().map_err(bad)?], None)?)
    };
    results.push(
        check(
            prober,
            "unknown-customer",
            &unknown_customer,
            &[Some(DATA_NOT_VALID)],
            &secrets,
        )
        .await?,
    );
    // The builder will not leave out `Password`: the element is edited after it.
    let mut no_password: Value = serde_json::from_slice(&valid.body).unwrap_or(Value::Null);
    if let Some(e) = no_password["messageData"][0].as_object_mut() {
        e.remove("Password");
    }
    results.push(
        check(
            prober,
            "missing-password",
            &post(no_password.to_string().into_bytes()),
            &[Some(DATA_NOT_VALID)],
            &secrets,
        )
        .await?,
    );
    let mixed = post(batch(
        vec![message(&real, "PROBE-1")?, message(&wrong, "PROBE-2")?],
        None,
    )?);
    results.push(
        check(
            prober,
            "mixed-batch",
            &mixed,
            &[None, Some(DATA_NOT_VALID)],
            &secrets,
        )
        .await?,
    );
    if partner.is_some() {
        let bad_key = post(batch(
            vec![message(&real, "PROBE-KEY")?],
            Some("partner-auth-probe-unknown-key"),
        )?);
        results.push(
            check(
                prober,
                "bad-partner-key",
                &bad_key,
                &[Some(PARTNER_KEY_NOT_VALID)],
                &secrets,
            )
            .await?,
        );
        let mut no_style: Value = serde_json::from_slice(&valid.body).unwrap_or(Value::Null);
        if let Some(root) = no_style.as_object_mut() {
            root.remove("styleClass");
        }
        results.push(
            check(
                prober,
                "missing-style-class",
                &post(no_style.to_string().into_bytes()),
                &[Some(DATA_NOT_VALID)],
                &secrets,
            )
            .await?,
        );
    }
    let mut truncated = valid.body.clone();
    truncated.truncate(truncated.len() / 2);
    results.push(
        check_400(
            prober,
            "malformed-json",
            &post(truncated),
            "MALFORMED_JSON",
            &secrets,
        )
        .await?,
    );
    results.push(
        check_400(
            prober,
            "not-a-payload",
            &post(json!({ "messageData": [] }).to_string().into_bytes()),
            "MALFORMED_PAYLOAD",
            &secrets,
        )
        .await?,
    );
    Ok(results)
}

fn summary(reply: &Reply, secrets: &[String]) -> String {
    let mut got = reply.status.to_string();
    if let Some(code) = &reply.code {
        got.push(' ');
        got.push_str(code);
    }
    match parse_response(reply.status, &reply.body, None) {
        Ok(outcomes) => {
            let parts: Vec<String> = outcomes
                .iter()
                .map(|o| match o {
                    Outcome::Accepted(a) => a.error_msg.clone(),
                    Outcome::Refused(r) => r.error.clone(),
                })
                .collect();
            got.push_str(&format!(" [{}]", parts.join("; ")));
        }
        Err(_) => {
            let text: String = String::from_utf8_lossy(&reply.body)
                .chars()
                .take(80)
                .collect();
            got.push_str(&format!(" {text}"));
        }
    }
    for s in secrets {
        got = got.replace(s.as_str(), "<redacted>");
    }
    got
}

/// `expected`: one entry per element sent, `None` for queued, `Some(text)` for refused
/// with that text.
async fn check(
    prober: &Prober,
    name: &str,
    out: &Outgoing,
    expected: &[Option<&'static str>],
    secrets: &[String],
) -> Result<CaseResult, ProbeError> {
    let reply = prober.send(name, out).await?;
    let expect = match expected.iter().flatten().next() {
        Some(text) => Expect::Reject { code: text },
        None => Expect::Accept,
    };
    let reason =
        match parse_response(reply.status, &reply.body, Some(expected.len())) {
            Err(e) => Some(format!(
                "the answer must be HTTP 200 with one result per message: {e}"
            )),
            Ok(outcomes) => outcomes
                .iter()
                .zip(expected)
                .enumerate()
                .find_map(|(i, (o, want))| match (o, want) {
                    (Outcome::Accepted(_), None) => None,
                    (Outcome::Refused(r), Some(text)) if r.error == *text => None,
                    (Outcome::Refused(r), Some(text)) => Some(format!(
                        "message {}: refused with `{}` where the reference answers `{text}`",
                        i + 1,
                        r.error
                    )),
                    (Outcome::Refused(r), None) => Some(format!(
                        "message {}: valid, must be queued, but refused: {}",
                        i + 1,
                        r.error
                    )),
                    (Outcome::Accepted(_), Some(text)) => Some(format!(
                        "message {}: must be refused with `{text}`, but was queued",
                        i + 1
                    )),
                }),
        };
    let result = CaseResult {
        name: name.to_owned(),
        expect,
        got: summary(&reply, secrets),
        pass: reason.is_none(),
        reason,
        profile: super::Profile::Conformance,
    };
    Ok(super::fail_redirect(result, &reply, secrets))
}

async fn check_400(
    prober: &Prober,
    name: &str,
    out: &Outgoing,
    code: &'static str,
    secrets: &[String],
) -> Result<CaseResult, ProbeError> {
    let reply = prober.send(name, out).await?;
    let reason = if reply.status != 400 {
        Some("a body that is not a SendMessage_V3 payload must get HTTP 400".to_owned())
    } else {
        match &reply.code {
            Some(named) if named != code => Some(format!(
                "HTTP 400, but with code {named} where the reference gives {code}"
            )),
            _ => None,
        }
    };
    let result = CaseResult {
        name: name.to_owned(),
        expect: Expect::Reject { code },
        got: summary(&reply, secrets),
        pass: reason.is_none(),
        reason,
        profile: super::Profile::Conformance,
    };
    Ok(super::fail_redirect(result, &reply, secrets))
}
