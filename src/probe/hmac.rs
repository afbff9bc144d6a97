//! Probing an HMAC-SHA256 partner API: requests signed by the reference signer with the
//! current time, answers graded by the vendor's envelope and codes.
//!
//! A case passes when an accepted request gets a 2xx whose body is not an error
//! envelope, and a refused one gets a 4xx with the vendor's envelope
//! (`"success":false`) carrying the code of the page's table. Which 4xx is not on any
//! vendor page: the reference answers 401 for GA200x/GA201x and 403 for GA2021/GA2022
//! (decision H7), and another 4xx passes with a note.

use super::{
    AcceptEverything, CaseResult, Expect, Outgoing, ProbeError, ProbeModule, Prober, Reply,
};
use crate::encoding::parse_http_date;
use crate::schemes::hmac::{
    SignRequest, Signer, describe_code, generate_nonce, parse_error_envelope,
};
use crate::serve::Credentials;
use crate::serve::hmac::{HmacCredentials, POST_PATH, SLUG};
use crate::{Clock, SystemClock};

/// How far from now the stale and future timestamps are: an hour, far outside the
/// vendor's ±60 s.
pub const STALE_SECS: i64 = 3600;

/// The vendor's window either side of the server's clock: "must be within ±60s of
/// server time".
pub const WINDOW_SECS: i64 = 60;

/// How old the near-stale case is: 90 s, outside the page's 60 s but inside the 300 s
/// many other APIs use, so a server with a wider window is caught.
pub const STALE_NEAR_SECS: i64 = 90;

/// The most the probe may be unsure of the server's clock (either way, including the
/// request's transit) and still send the exact ±60 s edge cases, each inside one
/// second of the server's clock.
pub const EDGE_MAX_UNCERTAINTY_MS: i64 = 200;

/// How many extra requests (refused for a missing `X-Api-Key`, so with no effect) the
/// probe may send to learn the server's clock from its `Date` header when the envelope
/// carries no millisecond `timestamp`.
pub const CLOCK_SAMPLES: usize = 12;

/// The spacing of those requests: not a divisor of a second, so that they fall at
/// different points of the server's seconds.
pub const CLOCK_SAMPLE_GAP_MS: u64 = 87;

/// How many times an edge case is sent at most while its answer shows another second
/// of the server's clock than the one it was stamped for.
pub const EDGE_TRIES: usize = 3;

/// How many signatures the probe draws at most to find one holding `+` or `/` (each
/// misses with odds (62/64)^43 ≈ 1/4).
pub const URL_SAFE_TRIES: usize = 64;

/// Runs the HMAC-SHA256 cases against the GET route `path` (and [`POST_PATH`] for the
/// The probe of `hmac-sha256`.
pub const PROBE: ProbeModule = ProbeModule {
    default_path: crate::serve::hmac::DEFAULT_PATH,
    run,
    accept_everything: AcceptEverything {
        pass: &["valid"],
        fail: &[
            "replay",
            "stale-timestamp",
            "tampered-signature",
            "tampered-body",
            "missing-x-nonce",
            "unknown-key",
            "disabled-key",
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
    let sign_with = |signer: &Signer,
                     method: &str,
                     target: &str,
                     body: &[u8],
                     timestamp: i64,
                     nonce: &str|
     -> Result<Outgoing, ProbeError> {
        let signed = signer
            .sign(&SignRequest {
                method,
                target,
                timestamp,
                nonce,
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
    let sign = |signer: &Signer, method: &str, target: &str, body: &[u8], timestamp: i64| {
        sign_with(signer, method, target, body, timestamp, &generate_nonce())
    };
    let now = || clock.now_secs();
    let mut results = Vec::new();

    let valid = sign(&signer, "GET", &target, b"", now())?;
    let reply = prober.send("valid", &valid).await?;
    let mut server_clock = ServerClock::default();
    server_clock.learn(&reply);
    results.push(super::fail_redirect(
        grade("valid", Expect::Accept, &reply, &secrets),
        &reply,
        &secrets,
    ));
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
    set_signature(&mut tampered, swap_first);
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

    // The body bytes are signed: the same JSON written with other bytes is another
    // body, and a server that verifies a re-serialisation accepts it.
    let mut reserialised = sign(&signer, "POST", &post_target, lead, now())?;
    reserialised.body = br#"{ "name": "partner-auth probe", "country": "PT" }"#.to_vec();
    results.push(
        check(
            prober,
            "reserialised-body",
            &reserialised,
            reject("GA2012"),
            &secrets,
        )
        .await?,
    );

    // Base64 is case-sensitive: the valid signature with its letters' case flipped is
    // another MAC, which only a case-insensitive comparison accepts.
    let mut flipped = sign(&signer, "GET", &target, b"", now())?;
    set_signature(&mut flipped, |sig| {
        sig.chars()
            .map(|c| {
                if c.is_ascii_uppercase() {
                    c.to_ascii_lowercase()
                } else {
                    c.to_ascii_uppercase()
                }
            })
            .collect()
    });
    results.push(
        check(
            prober,
            "signature-case-flipped",
            &flipped,
            reject("GA2012"),
            &secrets,
        )
        .await?
        .hardened(),
    );

    // The page's Base64 is the standard alphabet (RFC 4648 §4); the URL-safe one (§5)
    // differs only where the signature holds `+` or `/`, so the nonce is drawn again
    // until it does.
    let mut url_safe = None;
    for _ in 0..URL_SAFE_TRIES {
        let out = sign(&signer, "GET", &target, b"", now())?;
        if signature_of(&out).is_some_and(|s| s.contains(['+', '/'])) {
            url_safe = Some(out);
            break;
        }
    }
    if let Some(mut out) = url_safe {
        set_signature(&mut out, |sig| sig.replace('+', "-").replace('/', "_"));
        results.push(
            check(
                prober,
                "url-safe-signature",
                &out,
                reject("GA2012"),
                &secrets,
            )
            .await?,
        );
    }

    // The nonce and the timestamp are signed: the valid request (accepted above) with
    // another nonce or a timestamp one second on is refused. A server that lets a signature stand for
    // other values (say, a cache of signatures already verified) lets anyone replay a
    // request by changing them.
    let mut other_nonce = valid.clone();
    for (name, value) in &mut other_nonce.headers {
        if name == "X-Nonce" {
            *value = generate_nonce();
        }
    }
    results.push(
        check(
            prober,
            "nonce-changed",
            &other_nonce,
            reject("GA2012"),
            &secrets,
        )
        .await?,
    );
    // A fresh nonce too: the used one could be refused (GA2014) before the signature
    // is looked at, in whatever order the server checks.
    let mut other_time = valid.clone();
    for (name, value) in &mut other_time.headers {
        if name == "X-Timestamp" {
            *value = (value.parse::<i64>().unwrap_or(0) + 1).to_string();
        } else if name == "X-Nonce" {
            *value = generate_nonce();
        }
    }
    results.push(
        check(
            prober,
            "timestamp-changed",
            &other_time,
            reject("GA2012"),
            &secrets,
        )
        .await?,
    );

    // A forged request must not burn its nonce: the genuine request with the same nonce
    // is still accepted (the nonce is recorded only once the signature verified).
    let nonce = generate_nonce();
    let genuine = sign_with(&signer, "GET", &target, b"", now(), &nonce)?;
    let mut forged = genuine.clone();
    set_signature(&mut forged, swap_first);
    results.push(check(prober, "forged-nonce", &forged, reject("GA2012"), &secrets).await?);
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

    // The window is the page's ±60 s of the server's clock.
    if !server_clock.precise() {
        server_clock
            .refine(prober, &sign(&signer, "GET", &target, b"", now())?)
            .await;
    }
    let server_now = server_clock.now_secs();
    let stale_near = sign(
        &signer,
        "GET",
        &target,
        b"",
        server_now.unwrap_or_else(now) - STALE_NEAR_SECS,
    )?;
    let mut stale_near =
        check(prober, "stale-90s", &stale_near, reject("GA2013"), &secrets).await?;
    stale_near
        .got
        .push_str(&format!(" ({})", server_clock.describe()));
    results.push(stale_near);
    if server_clock.precise() {
        for (name, offset, expect) in [
            ("window-past-59s", -(WINDOW_SECS - 1), Expect::Accept),
            ("window-past-61s", -(WINDOW_SECS + 1), reject("GA2013")),
            ("window-future-60s", WINDOW_SECS, Expect::Accept),
            ("window-future-61s", WINDOW_SECS + 1, reject("GA2013")),
        ] {
            // The answer shows the second the server was in when it answered: a case
            // answered in another second than the one it was stamped for (a request held
            // up on the way) is sent again with a fresh nonce.
            let mut tries = 0;
            let result = loop {
                tries += 1;
                let second = server_clock.inside_one_second().await;
                let out = sign(&signer, "GET", &target, b"", second + offset)?;
                let reply = prober.send(name, &out).await?;
                let answered_in = server_second(&reply);
                server_clock.learn(&reply);
                let mut result =
                    super::fail_redirect(grade(name, expect, &reply, &secrets), &reply, &secrets);
                result.got.push_str(&format!(
                    " (stamped {offset:+} s from the server's second, {})",
                    server_clock.describe()
                ));
                if answered_in.is_none_or(|s| s == second) {
                    break result;
                }
                if tries >= EDGE_TRIES {
                    result.got.push_str(&format!(
                        "; answered in another second of the server's clock each of {EDGE_TRIES} times"
                    ));
                    break result;
                }
            };
            results.push(result);
        }
    } else {
        results.push(
            CaseResult {
                name: "window-edges".into(),
                expect: Expect::Accept,
                got: format!("not sent: {}", server_clock.describe()),
                pass: false,
                reason: Some(format!(
                    "the server's clock could not be learned to within ±{EDGE_MAX_UNCERTAINTY_MS} ms (from the envelope's `timestamp` in ms or the `Date` header), so the exact ±{WINDOW_SECS} s edges cannot be placed"
                )),
                profile: super::Profile::Conformance,
            }
            .hardened(),
        );
    }

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

/// The Base64 signature in `Authorization`.
fn signature_of(out: &Outgoing) -> Option<&str> {
    out.headers
        .iter()
        .find(|(n, _)| n == "Authorization")
        .and_then(|(_, v)| v.strip_prefix("HMAC-SHA256 "))
}

/// Replaces the signature in `Authorization` by `change(signature)`.
fn set_signature(out: &mut Outgoing, change: impl Fn(&str) -> String) {
    for (name, value) in &mut out.headers {
        if name == "Authorization"
            && let Some(sig) = value.strip_prefix("HMAC-SHA256 ")
        {
            *value = format!("HMAC-SHA256 {}", change(sig));
        }
    }
}

/// The first Base64 character stands for 6 bits of the MAC: another letter keeps the
/// shape and changes the digest.
fn swap_first(sig: &str) -> String {
    let mut chars = sig.chars();
    let first = chars.next().unwrap_or('A');
    let swapped = if first == 'A' { 'B' } else { 'A' };
    format!("{swapped}{}", chars.as_str())
}

/// The second of the server's clock an answer shows: its envelope's `timestamp` (Unix
/// ms), else its `Date` header.
fn server_second(reply: &Reply) -> Option<i64> {
    envelope_millis(reply)
        .map(|ms| ms.div_euclid(1000))
        .or_else(|| reply.date.as_deref().and_then(parse_http_date))
}

/// The envelope's `timestamp`, when it is Unix milliseconds.
fn envelope_millis(reply: &Reply) -> Option<i64> {
    serde_json::from_slice::<serde_json::Value>(&reply.body)
        .ok()
        .and_then(|v| v.get("timestamp").and_then(serde_json::Value::as_i64))
        // Unix milliseconds since 2001: anything smaller is not in milliseconds.
        .filter(|ms| *ms > 1_000_000_000_000)
}

/// What the probe knows of the server's clock: the range its offset from this
/// machine's clock lies in (server ms − local ms), narrowed by every answer that shows
/// the server's time, and the longest round trip seen.
#[derive(Debug, Default)]
struct ServerClock {
    range: Option<(i64, i64)>,
    source: Option<&'static str>,
    round_trip_ms: i64,
}

impl ServerClock {
    /// Narrows the range with one answer: the envelope's `timestamp` (Unix ms) or else
    /// the `Date` header (a whole second), read at some instant between sending and
    /// receiving.
    fn learn(&mut self, reply: &Reply) {
        self.round_trip_ms = self.round_trip_ms.max(reply.received_ms - reply.sent_ms);
        let (low, high, source) = if let Some(ms) = envelope_millis(reply) {
            (ms, ms, "the envelope's `timestamp`")
        } else if let Some(secs) = reply.date.as_deref().and_then(parse_http_date) {
            (secs * 1000, secs * 1000 + 999, "the `Date` header")
        } else {
            return;
        };
        let seen = (low - reply.received_ms, high - reply.sent_ms);
        self.range = Some(match self.range {
            // Clocks that disagree with what was seen (a server clock that jumped)
            // start over from the newest answer.
            Some((lo, hi)) if lo.max(seen.0) <= hi.min(seen.1) => (lo.max(seen.0), hi.min(seen.1)),
            _ => seen,
        });
        self.source = Some(source);
    }

    /// How far the server's clock may be from the middle of the range when a request
    /// gets there: half the range and a round trip.
    fn uncertainty_ms(&self) -> Option<i64> {
        self.range
            .map(|(lo, hi)| (hi - lo + 1) / 2 + self.round_trip_ms)
    }

    fn precise(&self) -> bool {
        self.uncertainty_ms()
            .is_some_and(|u| u <= EDGE_MAX_UNCERTAINTY_MS)
    }

    /// Sends `harmless` (stripped of `X-Api-Key`, so refused GA2001 with no effect) at
    /// most [`CLOCK_SAMPLES`] times, [`CLOCK_SAMPLE_GAP_MS`] apart, until the range is
    /// narrow enough. An answer that does not come is simply not learnt from.
    async fn refine(&mut self, prober: &Prober, harmless: &Outgoing) {
        let mut out = harmless.clone();
        out.headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case("X-Api-Key"));
        for _ in 0..CLOCK_SAMPLES {
            if self.precise() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(CLOCK_SAMPLE_GAP_MS)).await;
            match prober.send("server-clock", &out).await {
                Ok(reply) => self.learn(&reply),
                Err(_) => return,
            }
        }
    }

    /// The server's time now, in whole seconds, when known at all.
    fn now_secs(&self) -> Option<i64> {
        let (lo, hi) = self.range?;
        Some((SystemClock.now_millis() + (lo + hi) / 2).div_euclid(1000))
    }

    /// Waits until a request sent now reaches the server inside one second of its
    /// clock, whatever the uncertainty, and returns that second.
    async fn inside_one_second(&self) -> i64 {
        let Some((lo, hi)) = self.range else {
            return SystemClock.now_secs();
        };
        loop {
            let local = SystemClock.now_millis();
            let earliest = local + lo;
            let latest = local + hi + self.round_trip_ms;
            let second = earliest.div_euclid(1000);
            if latest.div_euclid(1000) == second {
                return second;
            }
            // Wait for the next second of the server's clock to begin.
            let wait = (second + 1) * 1000 - earliest + 1;
            tokio::time::sleep(std::time::Duration::from_millis(wait.clamp(1, 1000) as u64)).await;
        }
    }

    /// For people: where the clock came from and how sure the probe is of it.
    fn describe(&self) -> String {
        match (self.source, self.uncertainty_ms()) {
            (Some(source), Some(u)) => format!("server clock from {source}, ±{u} ms"),
            _ => "the server's clock is unknown (no millisecond `timestamp` in the envelope, no `Date` header): this machine's clock was used".to_owned(),
        }
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
            if !(400..500).contains(&reply.status) {
                Some(format!(
                    "{code} must be answered with a 4xx status (RFC 9110 §15.5: the client's request is refused; the reference answers {status})"
                ))
            } else if e.code != code {
                Some(format!(
                    "refused, but with code {} where the spec's check order gives {code}",
                    e.code
                ))
            } else {
                if reply.status != status {
                    // Which 4xx is the reference's decision H7: no vendor page gives
                    // the status of a GA code, so another one is acceptable.
                    got.push_str(&format!(
                        " (acceptable: the reference answers {status}, decision H7; no vendor page gives the status)"
                    ));
                }
                None
            }
        }
        (Expect::Reject { code }, Err(_)) => Some(format!(
            "the request must be refused with a 4xx status and the vendor's envelope carrying {code} (the reference answers {})",
            describe_code(code).map_or(401, |(_, s)| s)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A refusal graded by its code and a 4xx: the page's table gives no status, so
    /// another 4xx than the reference's passes (with a note); 2xx and 5xx fail.
    #[test]
    fn a_refusal_passes_with_any_4xx_carrying_the_pages_code() {
        let envelope = r#"{"version":"2.0.0","timestamp":1,"success":false,"code":"GA2021","message":"API key disabled","data":null}"#;
        let answer = |status: u16| Reply {
            status,
            code: None,
            body: envelope.as_bytes().to_vec(),
            location: None,
            date: None,
            sent_ms: 0,
            received_ms: 0,
        };
        let reference = grade("disabled-key", reject("GA2021"), &answer(403), &[]);
        assert!(
            reference.pass && !reference.got.contains("acceptable"),
            "{reference:?}"
        );
        let other = grade("disabled-key", reject("GA2021"), &answer(401), &[]);
        assert!(other.pass, "{other:?}");
        assert!(
            other.got.contains("acceptable") && other.got.contains("H7"),
            "{other:?}"
        );
        for status in [200, 500] {
            let r = grade("disabled-key", reject("GA2021"), &answer(status), &[]);
            assert!(!r.pass, "{status}: {r:?}");
        }
        let wrong_code = grade("disabled-key", reject("GA2011"), &answer(403), &[]);
        assert!(!wrong_code.pass, "{wrong_code:?}");
    }

    fn reply(body: &str, date: Option<i64>, sent_ms: i64, received_ms: i64) -> Reply {
        Reply {
            status: 200,
            code: None,
            body: body.as_bytes().to_vec(),
            location: None,
            date: date.map(crate::encoding::format_http_date),
            sent_ms,
            received_ms,
        }
    }

    #[test]
    fn the_envelope_timestamp_places_the_clock_within_the_round_trip() {
        let mut clock = ServerClock::default();
        // The server is 5 000.5 s ahead; the answer took 10 ms.
        let local = 1_700_000_000_000;
        let server = local + 5_000_500 + 4;
        clock.learn(&reply(
            &format!(r#"{{"timestamp":{server},"success":true}}"#),
            None,
            local,
            local + 10,
        ));
        assert_eq!(clock.range, Some((5_000_494, 5_000_504)));
        assert!(clock.precise(), "{clock:?}");
        assert!(
            clock.describe().contains("envelope"),
            "{}",
            clock.describe()
        );
        // A seconds `timestamp` is not taken for milliseconds.
        let mut secs = ServerClock::default();
        secs.learn(&reply(
            r#"{"timestamp":1700000000}"#,
            None,
            local,
            local + 10,
        ));
        assert_eq!(secs.range, None);
        assert!(secs.describe().contains("unknown"), "{}", secs.describe());
    }

    #[test]
    fn date_headers_at_different_phases_narrow_the_clock() {
        let mut clock = ServerClock::default();
        // Server clock = local + 250 ms; answers take 2 ms.
        let offset = 250;
        let mut local = 1_700_000_000_000;
        let date_at = |l: i64| (l + 1 + offset).div_euclid(1000);
        clock.learn(&reply("", Some(date_at(local)), local, local + 2));
        assert!(!clock.precise(), "one Date is a whole second: {clock:?}");
        for _ in 0..CLOCK_SAMPLES {
            local += CLOCK_SAMPLE_GAP_MS as i64;
            clock.learn(&reply("", Some(date_at(local)), local, local + 2));
        }
        let (lo, hi) = clock.range.unwrap();
        assert!(lo <= offset && offset <= hi, "{lo}..{hi} misses {offset}");
        assert!(clock.precise(), "{clock:?}");
        assert!(clock.describe().contains("`Date`"), "{}", clock.describe());
    }

    #[test]
    fn the_answer_shows_its_second() {
        let ms: i64 = 1_700_000_000_999;
        let r = reply(&format!(r#"{{"timestamp":{ms}}}"#), Some(1), 0, 0);
        assert_eq!(server_second(&r), Some(1_700_000_000));
        let r = reply("{}", Some(1_700_000_005), 0, 0);
        assert_eq!(server_second(&r), Some(1_700_000_005));
        assert_eq!(server_second(&reply("", None, 0, 0)), None);
    }
}
