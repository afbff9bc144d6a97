//! Probing an HMAC-SHA256 partner API: requests signed by the reference signer with the
//! current time, answers graded by the vendor's envelope and codes.
//!
//! A case passes when an accepted request gets a 2xx whose body is not an error
//! envelope, and a refused one gets the status the spec's table gives its code (401 for
//! GA200x/GA201x, 403 for GA2021/GA2022) with the vendor's envelope
//! (`"success":false`) carrying that code.

use super::{CaseResult, Expect, Outgoing, ProbeError, Prober, Reply};
use crate::schemes::hmac::{
    SignRequest, Signer, describe_code, generate_nonce, parse_error_envelope,
};
use crate::serve::Credentials;
use crate::serve::hmac::{HmacCredentials, POST_PATH, SLUG};
use crate::{Clock, SystemClock};

/// How far from now the stale and future timestamps are: an hour, far outside the
/// vendor's ±60 s.
pub const STALE_SECS: i64 = 3600;

/// Runs the HMAC-SHA256 cases against the GET route `path` (and [`POST_PATH`] for the
/// body cases).
pub async fn probe(
    slug: &str,
    prober: &Prober,
    path: &str,
    credentials: &Credentials,
) -> Result<Vec<CaseResult>, ProbeError> {
    if slug != SLUG {
        return Err(ProbeError::Usage(format!(
            "`{slug}` is not the HMAC-SHA256 scheme"
        )));
    }
    let c: HmacCredentials = credentials
        .entry(SLUG)
        .map_err(|e| ProbeError::Usage(e.to_string()))?;
    let bad =
        |e: crate::schemes::hmac::Error| ProbeError::Usage(format!("{SLUG} credentials: {e}"));
    let signer = Signer::new(c.api_key.clone(), c.secret.clone()).map_err(bad)?;
    let secrets: Vec<String> = c
        .secret
        .expose_str()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let prefix = prober.prefix();
    let target = format!("{prefix}{path}");
    let post_target = format!("{prefix}{POST_PATH}");
    let clock = SystemClock;
    let sign = |signer: &Signer,
                method: &str,
                target: &str,
                body: &[u8],
                timestamp: i64|
     -> Result<Outgoing, ProbeError> {
        let nonce = generate_nonce();
        let signed = signer
            .sign(&SignRequest {
                method,
                target,
                timestamp,
                nonce: &nonce,
                body,
            })
            .map_err(bad)?;
        let mut headers: Vec<(String, String)> = signed
            .headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), v.clone()))
            .collect();
        if !body.is_empty() {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        Ok(Outgoing {
            method: method.into(),
            target: target.into(),
            headers,
            body: body.to_vec(),
        })
    };
    let now = || clock.now_secs();
    let mut results = Vec::new();

    let valid = sign(&signer, "GET", &target, b"", now())?;
    results.push(check(prober, "valid", &valid, Expect::Accept, &secrets).await?);
    results.push(check(prober, "replay", &valid, reject("GA2014"), &secrets).await?);

    let lead = br#"{"name":"partner-auth probe","country":"PT"}"#;
    let post = sign(&signer, "POST", &post_target, lead, now())?;
    results.push(check(prober, "valid-post", &post, Expect::Accept, &secrets).await?);

    let mut query = sign(&signer, "GET", &format!("{target}?page=2"), b"", now())?;
    query.target = format!("{target}?page=2");
    results.push(check(prober, "query-not-signed", &query, Expect::Accept, &secrets).await?);

    let stale = sign(&signer, "GET", &target, b"", now() - STALE_SECS)?;
    results.push(
        check(
            prober,
            "stale-timestamp",
            &stale,
            reject("GA2013"),
            &secrets,
        )
        .await?,
    );
    let future = sign(&signer, "GET", &target, b"", now() + STALE_SECS)?;
    results.push(
        check(
            prober,
            "future-timestamp",
            &future,
            reject("GA2013"),
            &secrets,
        )
        .await?,
    );

    let mut tampered = sign(&signer, "GET", &target, b"", now())?;
    for (name, value) in &mut tampered.headers {
        if name == "Authorization" {
            // The first Base64 character stands for 6 bits of the MAC: another letter
            // keeps the shape and changes the digest.
            let sig = value.split_off("HMAC-SHA256 ".len());
            let mut chars = sig.chars();
            let first = chars.next().unwrap_or('A');
            let swapped = if first == 'A' { 'B' } else { 'A' };
            value.push(swapped);
            value.push_str(chars.as_str());
        }
    }
    results.push(
        check(
            prober,
            "tampered-signature",
            &tampered,
            reject("GA2012"),
            &secrets,
        )
        .await?,
    );
    let mut tampered_body = sign(&signer, "POST", &post_target, lead, now())?;
    tampered_body.body = br#"{"name":"partner-auth probe","country":"ES"}"#.to_vec();
    results.push(
        check(
            prober,
            "tampered-body",
            &tampered_body,
            reject("GA2012"),
            &secrets,
        )
        .await?,
    );

    for (header, code) in [
        ("X-Api-Key", "GA2001"),
        ("Authorization", "GA2002"),
        ("X-Timestamp", "GA2003"),
        ("X-Nonce", "GA2004"),
    ] {
        let mut out = sign(&signer, "GET", &target, b"", now())?;
        out.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(header));
        let name = format!("missing-{}", header.to_ascii_lowercase());
        results.push(check(prober, &name, &out, reject(code), &secrets).await?);
    }

    let unknown_key = format!("{}-unknown", c.api_key);
    let stranger = Signer::new(unknown_key, c.secret.clone()).map_err(bad)?;
    let unknown = sign(&stranger, "GET", &target, b"", now())?;
    results.push(check(prober, "unknown-key", &unknown, reject("GA2011"), &secrets).await?);

    if let Some(disabled) = &c.disabled_api_key {
        let signer = Signer::new(disabled.clone(), c.secret.clone()).map_err(bad)?;
        let out = sign(&signer, "GET", &target, b"", now())?;
        results.push(check(prober, "disabled-key", &out, reject("GA2021"), &secrets).await?);
    }
    Ok(results)
}

fn reject(code: &'static str) -> Expect {
    Expect::Reject { code }
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

fn grade(name: &str, expect: Expect, reply: &Reply, secrets: &[String]) -> CaseResult {
    let envelope = parse_error_envelope(&reply.body);
    let mut got = reply.status.to_string();
    match &envelope {
        Ok(e) => {
            let mut m: String = e.message.chars().take(100).collect();
            for s in secrets {
                m = m.replace(s.as_str(), "<redacted>");
            }
            got.push_str(&format!(" {} {m}", e.code));
        }
        Err(_) if (200..300).contains(&reply.status) => got.push_str(" ok"),
        Err(_) => got.push_str(" (not the vendor's error envelope)"),
    }
    let reason = match (expect, &envelope) {
        (Expect::Accept, Err(_)) if (200..300).contains(&reply.status) => None,
        (Expect::Accept, _) => Some("the request is valid and must be accepted".to_owned()),
        (Expect::Reject { code }, Ok(e)) => {
            let status = describe_code(code).map_or(401, |(_, s)| s);
            if reply.status != status {
                Some(format!("{code} must be answered with HTTP {status}"))
            } else if e.code != code {
                Some(format!(
                    "refused, but with code {} where the spec's check order gives {code}",
                    e.code
                ))
            } else {
                None
            }
        }
        (Expect::Reject { code }, Err(_)) => Some(format!(
            "the request must be refused with HTTP {} and the vendor's envelope carrying {code}",
            describe_code(code).map_or(401, |(_, s)| s)
        )),
    };
    CaseResult {
        name: name.to_owned(),
        expect,
        got,
        pass: reason.is_none(),
        reason,
    }
}
