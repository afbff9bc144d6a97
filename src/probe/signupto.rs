//! Probing a Sign-Up.to verifier: Hash, Partner Hash and Token requests built by the
//! reference signer with the current time, answers graded by the PMAPI envelope.
//!
//! A case passes when an accepted request gets a 2xx `"status":"ok"` envelope and a
//! refused one gets HTTP 401 with a `"status":"error"` envelope; when the server names
//! an error code ([`crate::serve::ERROR_HEADER`]), it must be the reference's code.

use super::{AcceptEverything, CaseResult, Expect, Outgoing, ProbeError, ProbeModule, Prober};
use crate::encoding::{
    base64_encode, format_http_date, hex_lower, parse_http_date, random_bytes, sha1_parts,
};
use crate::schemes::signupto::{
    Envelope, HASH_SLUG, Identity, PARTNER_HASH_SLUG, Parts, SignRequest, Signer, TOKEN_SLUG,
    Token, Variant, canonical_string, generate_nonce, parse_response, parse_token_response,
    token_headers, token_request,
};
use crate::serve::Credentials;
use crate::serve::signupto::{HashCredentials, PartnerCredentials, TokenCredentials};
use crate::{Clock, Secret, SystemClock};

/// How far in the past the stale-Date case is signed: an hour, well outside any sane
/// window (the reference's is ±900 s).
pub const STALE_SECS: i64 = 3600;

/// A key id no server is expected to know.
pub const UNKNOWN_ID: u64 = 999_999_999_999_999;

/// Where the Sign-Up.to cases go by default: a protected PMAPI list endpoint.
pub const DEFAULT_PATH: &str = "/v1/list";

/// The signature cases an accept-everything server still passes and those it must fail
/// (Hash and Partner Hash alike).
const SIGNATURE_ACCEPT_EVERYTHING: AcceptEverything = AcceptEverything {
    pass: &["valid"],
    fail: &["replay", "stale-date", "tampered-signature"],
};

/// The probe of `signupto-hash`.
pub const HASH: ProbeModule = ProbeModule {
    default_path: DEFAULT_PATH,
    run,
    accept_everything: SIGNATURE_ACCEPT_EVERYTHING,
};

/// The probe of `signupto-partner-hash`.
pub const PARTNER_HASH: ProbeModule = ProbeModule {
    default_path: DEFAULT_PATH,
    run,
    accept_everything: SIGNATURE_ACCEPT_EVERYTHING,
};

/// The probe of `signupto-token`: an accept-everything server answers `POST /v1/token`
/// with a list envelope that holds no token, so even the genuine token request fails.
pub const TOKEN: ProbeModule = ProbeModule {
    default_path: DEFAULT_PATH,
    run,
    accept_everything: AcceptEverything {
        pass: &[],
        fail: &["token-wrong-password"],
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

/// Runs the cases of `slug` (`signupto-hash`, `signupto-partner-hash` or `signupto-token`).
pub async fn probe(
    slug: &str,
    prober: &Prober,
    path: &str,
    credentials: &Credentials,
) -> Result<Vec<CaseResult>, ProbeError> {
    let usage = |e: crate::serve::CredentialsError| ProbeError::Usage(e.to_string());
    let target = format!("{}{path}", prober.prefix());
    match slug {
        HASH_SLUG => {
            let c: HashCredentials = credentials.entry(slug).map_err(usage)?;
            let who = Identity {
                pid: None,
                cid: Some(c.cid),
                uid: Some(c.uid),
            };
            signature_cases(Variant::Hash, who, &c.key, prober, &target).await
        }
        PARTNER_HASH_SLUG => {
            let c: PartnerCredentials = credentials.entry(slug).map_err(usage)?;
            let who = Identity {
                pid: Some(c.pid),
                cid: c.cid,
                uid: c.uid,
            };
            signature_cases(Variant::PartnerHash, who, &c.key, prober, &target).await
        }
        TOKEN_SLUG => {
            let c: TokenCredentials = credentials.entry(slug).map_err(usage)?;
            let token_target = format!("{}/v1/token", prober.prefix());
            token_cases(&c, prober, &target, &token_target).await
        }
        _ => Err(ProbeError::Usage(format!(
            "`{slug}` is not a Sign-Up.to scheme"
        ))),
    }
}

/// The Sign-Up.to grading of one answer.
fn grade(name: &str, expect: Expect, reply: &super::Reply, secrets: &[String]) -> CaseResult {
    let envelope = parse_response(reply.status, &reply.body);
    let mut got = reply.status.to_string();
    if let Some(code) = &reply.code {
        got.push(' ');
        got.push_str(code);
    }
    match &envelope {
        Ok(Envelope::Ok { .. }) => got.push_str(" ok"),
        Ok(Envelope::Error { message, .. }) => {
            let mut m: String = message.chars().take(120).collect();
            for s in secrets {
                m = m.replace(s.as_str(), "<redacted>");
            }
            got.push_str(&format!(" error: {m}"));
        }
        Err(_) => got.push_str(" (not a PMAPI envelope)"),
    }
    let reason = match (expect, &envelope) {
        (_, Err(e)) => Some(e.to_string()),
        (Expect::Accept, Ok(Envelope::Ok { .. })) if (200..300).contains(&reply.status) => None,
        (Expect::Accept, _) => Some("the request is valid and must be accepted".to_owned()),
        (Expect::Reject { code }, Ok(Envelope::Error { message, .. })) if reply.status == 401 => {
            match &reply.code {
                Some(named) if named != code => Some(format!(
                    "refused, but with code {named} where the check order gives {code}"
                )),
                Some(_) => None,
                None => wrong_reason(code, message),
            }
        }
        (Expect::Reject { .. }, _) => {
            Some("the request must be refused with HTTP 401 and an error envelope".to_owned())
        }
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

/// The start of the message the real server answers a bad signature with (a captured
/// answer: `"message": "Bad signature: 9ec6…"`); it documents no other error text.
pub const BAD_SIGNATURE_TEXT: &str = "Bad signature";

/// Grades a refusal by its message when the server names no code (a real Sign-Up.to
/// server sends no [`crate::serve::ERROR_HEADER`]): a case whose signature is wrong must
/// be refused as a bad signature, and a case whose signature is right but whose nonce
/// was used or whose `Date` is stale must not be (a server that answers those
/// `Bad signature` built another canonical string, or refuses for the wrong reason).
/// Other refusals are left ungraded: the vendor documents no text for them, and an
/// unknown id answered as a bad signature hides which ids exist.
fn wrong_reason(code: &str, message: &str) -> Option<String> {
    let says_bad_signature = message
        .get(..BAD_SIGNATURE_TEXT.len())
        .is_some_and(|m| m.eq_ignore_ascii_case(BAD_SIGNATURE_TEXT));
    match code {
        "SIGNATURE_MISMATCH" if !says_bad_signature => Some(format!(
            "refused, but not as a bad signature: the vendor answers a wrong signature with the message `{BAD_SIGNATURE_TEXT}…` (the server names no code in {})",
            crate::serve::ERROR_HEADER
        )),
        "NONCE_REPLAYED" | "DATE_OUT_OF_WINDOW" if says_bad_signature => Some(format!(
            "refused as a bad signature, but the signature is right: the refusal is for the wrong reason ({code} expected)"
        )),
        _ => None,
    }
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

fn get(target: &str, headers: Vec<(String, String)>) -> Outgoing {
    Outgoing {
        method: "GET".into(),
        target: target.into(),
        headers,
        body: Vec::new(),
    }
}

fn without(mut out: Outgoing, header: &str) -> Outgoing {
    out.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(header));
    out
}

fn flip_last(text: &str, alphabet: (char, char)) -> String {
    let mut s = text.to_owned();
    let last = s.pop().unwrap_or(alphabet.0);
    s.push(if last == alphabet.0 {
        alphabet.1
    } else {
        alphabet.0
    });
    s
}

fn reject(code: &'static str) -> Expect {
    Expect::Reject { code }
}

/// A request with the ids `ids` signed and sent, and `empty` (when given) sent as an
/// empty header in its canonical place with its line left out of the signature. Built
/// by hand: the signer rightly refuses an empty id or a user id without its company.
fn hand_signed(
    variant: Variant,
    ids: Identity,
    empty: Option<&str>,
    key: &Secret,
    target: &str,
    now: i64,
) -> Outgoing {
    let date = format_http_date(now);
    let nonce = generate_nonce();
    let (pid, cid, uid) = (
        ids.pid.map(|v| v.to_string()),
        ids.cid.map(|v| v.to_string()),
        ids.uid.map(|v| v.to_string()),
    );
    let parts = Parts {
        method: "GET",
        path: target.split('?').next().unwrap_or(target),
        date: &date,
        pid: pid.as_deref().filter(|_| variant == Variant::PartnerHash),
        cid: cid.as_deref(),
        uid: uid.as_deref(),
        nonce: &nonce,
    };
    let canonical = canonical_string(variant, &parts).to_string();
    let signature = hex_lower(&sha1_parts(&[canonical.as_bytes(), b"\r\n", key.expose()]));
    let mut headers = vec![("Date".to_owned(), date.clone())];
    for (name, value) in [
        ("X-SuT-PID", &parts.pid),
        ("X-SuT-CID", &parts.cid),
        ("X-SuT-UID", &parts.uid),
    ] {
        if Some(name) == empty {
            headers.push((name.to_owned(), String::new()));
        } else if let Some(v) = value {
            headers.push((name.to_owned(), (*v).to_owned()));
        }
    }
    headers.push(("X-SuT-Nonce".to_owned(), nonce.clone()));
    let scheme = match variant {
        Variant::Hash => "SuTHash",
        Variant::PartnerHash => "SuTPartner",
    };
    headers.push((
        "Authorization".to_owned(),
        format!("{scheme} signature=\"{signature}\""),
    ));
    get(target, headers)
}

async fn signature_cases(
    variant: Variant,
    who: Identity,
    key: &Secret,
    prober: &Prober,
    target: &str,
) -> Result<Vec<CaseResult>, ProbeError> {
    let bad = |e: crate::schemes::signupto::Error| {
        ProbeError::Usage(format!("{} credentials: {e}", variant.slug()))
    };
    let signer = Signer::new(variant, who, key.clone()).map_err(bad)?;
    let secrets: Vec<String> = key.expose_str().into_iter().map(str::to_owned).collect();
    let clock = SystemClock;
    let fresh = |target: &str| -> Result<Outgoing, ProbeError> {
        let signed = signer.sign_now("GET", target, &clock).map_err(bad)?;
        Ok(get(target, signed.headers))
    };
    let mut results = Vec::new();

    let valid = fresh(target)?;
    results.push(check(prober, "valid", &valid, Expect::Accept, &secrets).await?);
    results.push(check(prober, "replay", &valid, reject("NONCE_REPLAYED"), &secrets).await?);

    let mut unsigned_query = fresh(target)?;
    unsigned_query.target = format!("{target}?probe=1");
    results.push(
        check(
            prober,
            "query-not-signed",
            &unsigned_query,
            Expect::Accept,
            &secrets,
        )
        .await?,
    );

    // The nonce and the `Date` are signed: the valid request (accepted above) with
    // another nonce or a `Date` one second on is refused. A server that lets a signature stand for other
    // values (say, a cache of signatures already verified) lets anyone replay a request
    // by changing them.
    // Each with a fresh nonce: the used one could be refused before the signature is
    // looked at, in whatever order the server checks.
    for (name, changes_date) in [("nonce-changed", false), ("date-changed", true)] {
        let mut out = valid.clone();
        for (n, value) in &mut out.headers {
            if n == "X-SuT-Nonce" {
                *value = generate_nonce();
            } else if n == "Date" && changes_date {
                *value = parse_http_date(value)
                    .map_or_else(|| value.clone(), |t| format_http_date(t + 1));
            }
        }
        results.push(check(prober, name, &out, reject("SIGNATURE_MISMATCH"), &secrets).await?);
    }

    // The page: "If you do not supply the X-SuT-CID header you must not include a
    // X-SuT-UID header".
    if variant == Variant::PartnerHash
        && let Some(uid) = who.uid
    {
        let ids = Identity {
            cid: None,
            uid: Some(uid),
            ..who
        };
        let out = hand_signed(variant, ids, None, key, target, clock.now_secs());
        results.push(
            check(
                prober,
                "uid-without-cid",
                &out,
                reject("UID_WITHOUT_CID"),
                &secrets,
            )
            .await?,
        );
    }

    let stale_date = format_http_date(clock.now_secs() - STALE_SECS);
    let stale = signer
        .sign(&SignRequest {
            method: "GET",
            target,
            date: &stale_date,
            nonce: &generate_nonce(),
        })
        .map_err(bad)?;
    let stale = get(target, stale.headers);
    results.push(
        check(
            prober,
            "stale-date",
            &stale,
            reject("DATE_OUT_OF_WINDOW"),
            &secrets,
        )
        .await?,
    );

    let mut tampered = fresh(target)?;
    for (name, value) in &mut tampered.headers {
        if name == "Authorization" {
            *value = format!("{}\"", flip_last(value.trim_end_matches('"'), ('0', '1')));
        }
    }
    results.push(
        check(
            prober,
            "tampered-signature",
            &tampered,
            reject("SIGNATURE_MISMATCH"),
            &secrets,
        )
        .await?,
    );

    // A forged request must not burn its nonce: the genuine request with the same
    // nonce is still accepted (the nonce is recorded only once the signature verified).
    let nonce = generate_nonce();
    let date = format_http_date(clock.now_secs());
    let genuine = signer
        .sign(&SignRequest {
            method: "GET",
            target,
            date: &date,
            nonce: &nonce,
        })
        .map_err(bad)?;
    let genuine = get(target, genuine.headers);
    let mut forged = genuine.clone();
    for (name, value) in &mut forged.headers {
        if name == "Authorization" {
            *value = format!("{}\"", flip_last(value.trim_end_matches('"'), ('0', '1')));
        }
    }
    results.push(
        check(
            prober,
            "forged-nonce",
            &forged,
            reject("SIGNATURE_MISMATCH"),
            &secrets,
        )
        .await?,
    );
    results.push(
        check(
            prober,
            "genuine-after-forged",
            &genuine,
            Expect::Accept,
            &secrets,
        )
        .await?
        .hardened(),
    );

    // The page: the user id "is always optional" for Partner Hash (the company's
    // administrator is implied), and an absent id leaves no line.
    if variant == Variant::PartnerHash && who.cid.is_some() && who.uid.is_some() {
        let without_uid = Identity { uid: None, ..who };
        let out = Signer::new(variant, without_uid, key.clone())
            .and_then(|s| s.sign_now("GET", target, &clock))
            .map_err(bad)?;
        results.push(
            check(
                prober,
                "partner-without-uid",
                &get(target, out.headers),
                Expect::Accept,
                &secrets,
            )
            .await?,
        );
    }

    // An id header sent empty while the signature leaves its line out: an empty id is
    // not an absent one ("each header must be fully omitted"), so a server that reads
    // it as absent accepts a request whose headers and signature disagree.
    let empty_lines: &[&str] = match variant {
        Variant::Hash => &["X-SuT-UID"],
        Variant::PartnerHash => &["X-SuT-UID", "X-SuT-CID"],
    };
    for header in empty_lines {
        let mut ids = who;
        if *header == "X-SuT-CID" {
            ids.cid = None;
        }
        ids.uid = None;
        let out = hand_signed(variant, ids, Some(header), key, target, clock.now_secs());
        let name = format!(
            "empty-{}-line",
            header.trim_start_matches("X-SuT-").to_ascii_lowercase()
        );
        results.push(
            check(prober, &name, &out, reject("MALFORMED_ID"), &secrets)
                .await?
                .hardened(),
        );
    }

    // Another key of the same shape signs a request for the same ids.
    let other_key = match variant {
        Variant::Hash => "0123456789abcdef0123456789abcdef",
        Variant::PartnerHash => "zyxwvutsrqZYXWVUTSRQzyxwvutsrqZYXWVUTSRQ",
    };
    let other_key = if key.expose() == other_key.as_bytes() {
        flip_last(other_key, ('a', 'b'))
    } else {
        other_key.to_owned()
    };
    let wrong = Signer::new(variant, who, other_key.as_str())
        .and_then(|s| s.sign_now("GET", target, &clock))
        .map_err(bad)?;
    results.push(
        check(
            prober,
            "wrong-key",
            &get(target, wrong.headers),
            reject("SIGNATURE_MISMATCH"),
            &secrets,
        )
        .await?,
    );

    let missing: &[(&str, &'static str)] = match variant {
        Variant::Hash => &[
            ("Authorization", "MISSING_AUTHORIZATION"),
            ("Date", "MISSING_DATE"),
            ("X-SuT-CID", "MISSING_CID"),
            ("X-SuT-UID", "MISSING_UID"),
            ("X-SuT-Nonce", "MISSING_NONCE"),
        ],
        Variant::PartnerHash => &[
            ("Authorization", "MISSING_AUTHORIZATION"),
            ("Date", "MISSING_DATE"),
            ("X-SuT-PID", "MISSING_PID"),
            ("X-SuT-Nonce", "MISSING_NONCE"),
        ],
    };
    for (header, code) in missing {
        let out = without(fresh(target)?, header);
        let name = format!("missing-{}", header.to_ascii_lowercase());
        results.push(check(prober, &name, &out, reject(code), &secrets).await?);
    }

    let key_id = who.key_id(variant).unwrap_or(0);
    let unknown_id = if key_id == UNKNOWN_ID {
        UNKNOWN_ID - 1
    } else {
        UNKNOWN_ID
    };
    let stranger = match variant {
        Variant::Hash => Identity {
            cid: Some(unknown_id),
            ..who
        },
        Variant::PartnerHash => Identity {
            pid: Some(unknown_id),
            ..who
        },
    };
    let unknown = Signer::new(variant, stranger, key.clone())
        .and_then(|s| s.sign_now("GET", target, &clock))
        .map_err(bad)?;
    results.push(
        check(
            prober,
            "unknown-key",
            &get(target, unknown.headers),
            reject("UNKNOWN_CREDENTIALS"),
            &secrets,
        )
        .await?,
    );
    Ok(results)
}

async fn token_cases(
    c: &TokenCredentials,
    prober: &Prober,
    target: &str,
    token_target: &str,
) -> Result<Vec<CaseResult>, ProbeError> {
    let bad = |e: crate::schemes::signupto::Error| {
        ProbeError::Usage(format!("signupto-token credentials: {e}"))
    };
    let mut secrets: Vec<String> = c
        .password
        .expose_str()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let login = |password: &Secret| -> Result<Outgoing, ProbeError> {
        let r = token_request(&c.username, password).map_err(bad)?;
        Ok(Outgoing {
            method: r.method.into(),
            target: token_target.into(),
            headers: r.headers.clone(),
            body: r.body.clone(),
        })
    };
    let mut results = Vec::new();
    let wrong = Secret::from(format!("{}-wrong", c.password.expose_str().unwrap_or("")));
    results.push(
        check(
            prober,
            "token-wrong-password",
            &login(&wrong)?,
            reject("TOKEN_REFUSED"),
            &secrets,
        )
        .await?,
    );

    let reply = prober.send("token-issued", &login(&c.password)?).await?;
    let issued = super::fail_redirect(
        grade("token-issued", Expect::Accept, &reply, &secrets),
        &reply,
        &secrets,
    );
    let token = match parse_token_response(reply.status, &reply.body) {
        Ok(grant) if issued.pass => grant.token,
        Ok(_) => {
            results.push(issued);
            return Ok(results);
        }
        Err(e) => {
            let result = CaseResult {
                pass: false,
                reason: Some(format!("no usable token in the answer: {e}")),
                ..issued
            };
            results.push(super::fail_redirect(result, &reply, &secrets));
            return Ok(results);
        }
    };
    results.push(issued);
    secrets.push(token.expose().to_owned());

    let clock = SystemClock;
    let with = |token: &Token, date: i64| -> Result<Outgoing, ProbeError> {
        let headers = token_headers(
            "GET",
            target,
            token,
            &format_http_date(date),
            &generate_nonce(),
        )
        .map_err(bad)?;
        Ok(get(target, headers))
    };
    let now = clock.now_secs();
    let valid = with(&token, now)?;
    results.push(check(prober, "valid", &valid, Expect::Accept, &secrets).await?);
    // The Token page requires neither a nonce nor a `Date` (its example has no nonce),
    // so refusing a replayed or stale token request is a hardened property.
    results.push(
        check(prober, "replay", &valid, reject("NONCE_REPLAYED"), &secrets)
            .await?
            .hardened(),
    );
    results.push(
        check(
            prober,
            "stale-date",
            &with(&token, now - STALE_SECS)?,
            reject("DATE_OUT_OF_WINDOW"),
            &secrets,
        )
        .await?
        .hardened(),
    );
    let tampered = Token::parse(&flip_last(token.expose(), ('A', 'B'))).map_err(bad)?;
    results.push(
        check(
            prober,
            "tampered-token",
            &with(&tampered, now)?,
            reject("UNKNOWN_TOKEN"),
            &secrets,
        )
        .await?,
    );
    // Only the token itself is required: the Token page's example carries a `Date` and no
    // nonce and requires neither, and a real client (PyPI `signupto` 0.1) sends neither,
    // so a server accepting a token request without them is not at fault.
    let out = without(with(&token, now)?, "Authorization");
    results.push(
        check(
            prober,
            "missing-authorization",
            &out,
            reject("MISSING_AUTHORIZATION"),
            &secrets,
        )
        .await?,
    );
    let mut bytes = [0u8; 72];
    random_bytes(&mut bytes);
    let unknown = Token::parse(&base64_encode(&bytes)).map_err(bad)?;
    results.push(
        check(
            prober,
            "unknown-token",
            &with(&unknown, now)?,
            reject("UNKNOWN_TOKEN"),
            &secrets,
        )
        .await?,
    );
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_without_a_code_are_graded_by_the_vendors_text() {
        // A wrong signature must be answered as one.
        assert_eq!(
            wrong_reason("SIGNATURE_MISMATCH", "Bad signature: 9ec6"),
            None
        );
        assert_eq!(wrong_reason("SIGNATURE_MISMATCH", "bad signature"), None);
        assert!(wrong_reason("SIGNATURE_MISMATCH", "Unauthorized").is_some());
        // A right signature must not be.
        for code in ["NONCE_REPLAYED", "DATE_OUT_OF_WINDOW"] {
            let reason = wrong_reason(code, "Bad signature").unwrap();
            assert!(reason.contains(code), "{reason}");
            assert_eq!(wrong_reason(code, "Nonce already used"), None);
        }
        // No documented text: anything goes, a bad signature included.
        assert_eq!(wrong_reason("UNKNOWN_CREDENTIALS", "Bad signature"), None);
        assert_eq!(wrong_reason("MISSING_DATE", "Bad signature"), None);
    }
}
