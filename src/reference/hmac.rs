//! Answers for the `hmac-sha256` cases, and for any other form of the scheme
//! ([`hm::Form`]): [`answer_form`] signs and verifies with that form's signer and
//! verifier, so a second form's registry entry is
//! `answer: answer!(reference::hmac::answer_form::<TheForm>)`.

use std::net::IpAddr;

use serde::Deserialize;
use serde_json::{Value, json};

use super::{error, parse_input, unknown_op};
use crate::schemes::hmac::{
    self as hm, ErrorEnvelope, Form, IpRule, KeyDirectory, KeyRecord, PartnerApi,
    ShardedNonceStore, SignRequest, Signer, Verifier,
};
use crate::vectors::Answer;
use crate::{FixedClock, NonceStore, Request};

fn fail(e: &hm::Error) -> Answer {
    error(e.code(), e)
}

fn bad(field: &str, message: impl ToString) -> Answer {
    Answer::BadInput {
        field: field.into(),
        message: message.to_string(),
    }
}

/// How a body is given: `body` (text), `body_base64` (bytes), or `body_pattern`
/// repeated `body_repeat` times (large bodies without a large file). At most one form.
#[derive(Clone, Copy)]
struct BodyForms<'a> {
    body: &'a Option<String>,
    body_base64: &'a Option<String>,
    body_pattern: &'a Option<String>,
    body_repeat: Option<usize>,
}

impl BodyForms<'_> {
    fn repeated(&self) -> bool {
        self.body_repeat.is_some()
    }

    fn bytes(&self, at: &str) -> Result<Vec<u8>, Answer> {
        body_bytes(
            at,
            self.body.as_deref(),
            self.body_base64.as_deref(),
            self.body_pattern.as_deref(),
            self.body_repeat,
        )
    }
}

/// The largest body `body_pattern` × `body_repeat` may build.
pub(crate) const MAX_REPEATED_BODY: usize = 16 << 20;

/// The body forms of vectors/README.md: `body` (UTF-8 text), `body_base64`, or
/// `body_pattern` repeated `body_repeat` times; none means empty. `at` prefixes the
/// field names in errors (`request.`). The reference and the typed harness both read
/// bodies through this.
pub(crate) fn body_bytes(
    at: &str,
    body: Option<&str>,
    body_base64: Option<&str>,
    body_pattern: Option<&str>,
    body_repeat: Option<usize>,
) -> Result<Vec<u8>, Answer> {
    let forms = [
        body.is_some(),
        body_base64.is_some(),
        body_pattern.is_some() || body_repeat.is_some(),
    ];
    if forms.iter().filter(|g| **g).count() > 1 {
        return Err(bad(
            &format!("{at}body"),
            "give one of `body`, `body_base64`, or `body_pattern` with `body_repeat`",
        ));
    }
    if let Some(text) = body {
        return Ok(text.as_bytes().to_vec());
    }
    if let Some(b64) = body_base64 {
        return crate::encoding::base64_decode(b64).ok_or_else(|| {
            bad(
                &format!("{at}body_base64"),
                "not standard padded Base64 (RFC 4648 §4)",
            )
        });
    }
    match (body_pattern, body_repeat) {
        (None, None) => Ok(Vec::new()),
        (Some(p), Some(n)) if !p.is_empty() && p.len().saturating_mul(n) <= MAX_REPEATED_BODY => {
            Ok(p.as_bytes().repeat(n))
        }
        (Some(_), Some(_)) => Err(bad(
            &format!("{at}body_pattern"),
            "the pattern must be non-empty and the repeated body at most 16 MiB",
        )),
        _ => Err(bad(
            &format!("{at}body_repeat"),
            "`body_pattern` and `body_repeat` go together",
        )),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignInput {
    method: String,
    target: String,
    timestamp: i64,
    nonce: String,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    body_base64: Option<String>,
    #[serde(default)]
    body_pattern: Option<String>,
    #[serde(default)]
    body_repeat: Option<usize>,
    api_key: String,
    secret: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestInput {
    method: String,
    target: String,
    #[serde(default)]
    headers: Vec<(String, String)>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    body_base64: Option<String>,
    #[serde(default)]
    body_pattern: Option<String>,
    #[serde(default)]
    body_repeat: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyEntry {
    api_key: String,
    secret: String,
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default)]
    allowed_ips: Vec<String>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NonceEntry {
    api_key: String,
    nonce: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct State {
    #[serde(default)]
    nonces: Vec<NonceEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyInput {
    request: RequestInput,
    now: i64,
    #[serde(default)]
    window_seconds: Option<i64>,
    #[serde(default)]
    client_ip: Option<String>,
    #[serde(default)]
    keys: Vec<KeyEntry>,
    #[serde(default)]
    state: State,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ErrorResponseInput {
    code: String,
    timestamp_ms: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ParseErrorInput {
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    body_base64: Option<String>,
}

/// The partner API's own form ([`PartnerApi`]).
pub(crate) fn answer(scheme: &str, op: &str, input: &Value) -> Result<Answer, Answer> {
    answer_form::<PartnerApi>(scheme, op, input)
}

/// The answers of the form `F`: its header names, token and string to sign; the
/// checks, codes and envelopes are the scheme's.
pub(crate) fn answer_form<F: Form>(
    scheme: &str,
    op: &str,
    input: &Value,
) -> Result<Answer, Answer> {
    let result = match op {
        "sign" => sign::<F>(parse_input(input)?)?,
        "verify" => verify::<F>(parse_input(input)?)?,
        "scenario" => return Ok(Answer::Output(scenario::<F>(parse_input(input)?)?)),
        "error-response" => {
            let i: ErrorResponseInput = parse_input(input)?;
            ErrorEnvelope::for_code(&i.code, i.timestamp_ms).map(|env| {
                let status = hm::describe_code(&i.code).map_or(400, |(_, s)| s);
                json!({ "status": status, "body": env.to_json() })
            })
        }
        "parse-error" => {
            let i: ParseErrorInput = parse_input(input)?;
            let forms = BodyForms {
                body: &i.body,
                body_base64: &i.body_base64,
                body_pattern: &None,
                body_repeat: None,
            };
            let body = forms.bytes("")?;
            hm::parse_error_envelope(&body).map(error_envelope_json)
        }
        _ => return Err(unknown_op(scheme, op)),
    };
    Ok(match result {
        Ok(out) => Answer::Output(out),
        Err(e) => fail(&e),
    })
}

/// A `parse-error` output.
pub(crate) fn error_envelope_json(e: ErrorEnvelope) -> Value {
    json!({
        "code": e.code,
        "message": e.message,
        "version": e.version,
        "timestamp": e.timestamp,
        "data": e.data,
    })
}

fn headers_json(headers: &[(&str, String)]) -> Value {
    Value::Array(headers.iter().map(|(n, v)| json!([n, v])).collect())
}

fn sign<F: Form>(i: SignInput) -> Result<Result<Value, hm::Error>, Answer> {
    let forms = BodyForms {
        body: &i.body,
        body_base64: &i.body_base64,
        body_pattern: &i.body_pattern,
        body_repeat: i.body_repeat,
    };
    let body = forms.bytes("")?;
    let signed =
        Signer::with_form(F::default(), i.api_key.as_str(), i.secret.as_str()).and_then(|s| {
            s.sign(&SignRequest {
                method: &i.method,
                target: &i.target,
                timestamp: i.timestamp,
                nonce: &i.nonce,
                body: &body,
            })
        });
    Ok(signed.map(|s| {
        let bytes = s.string_to_sign.as_bytes();
        let (stage, text) = if forms.repeated() {
            (
                "string_to_sign_sha256",
                crate::encoding::hex_lower(&crate::encoding::sha256(bytes)),
            )
        } else if let Some(text) = s.string_to_sign.as_str() {
            ("string_to_sign", text.to_owned())
        } else {
            (
                "string_to_sign_base64",
                crate::encoding::base64_encode(bytes),
            )
        };
        let mut out = serde_json::Map::new();
        out.insert(stage.into(), json!(text));
        out.insert("signature".into(), json!(s.signature));
        out.insert("headers".into(), headers_json(&s.headers));
        Value::Object(out)
    }))
}

fn key_directory(entries: &[KeyEntry]) -> Result<KeyDirectory, Answer> {
    let mut keys = KeyDirectory::new();
    for (n, entry) in entries.iter().enumerate() {
        let mut record = KeyRecord::new(entry.secret.as_str())
            .map_err(|e| bad(&format!("keys[{n}].secret"), e))?
            .enabled(entry.enabled);
        for (m, rule) in entry.allowed_ips.iter().enumerate() {
            let rule =
                IpRule::parse(rule).map_err(|e| bad(&format!("keys[{n}].allowed_ips[{m}]"), e))?;
            record = record.allow(rule);
        }
        keys.insert(entry.api_key.as_str(), record)
            .map_err(|e| bad(&format!("keys[{n}].api_key"), e))?;
    }
    Ok(keys)
}

fn client_address(text: &Option<String>) -> Result<Option<IpAddr>, Answer> {
    match text {
        Some(text) => Ok(Some(text.parse::<IpAddr>().map_err(|_| {
            bad(
                "client_ip",
                "not an IPv4 or IPv6 address such as `203.0.113.7`",
            )
        })?)),
        None => Ok(None),
    }
}

impl RequestInput {
    fn to_request(&self, at: &str) -> Result<Request, Answer> {
        let forms = BodyForms {
            body: &self.body,
            body_base64: &self.body_base64,
            body_pattern: &self.body_pattern,
            body_repeat: self.body_repeat,
        };
        Ok(Request {
            method: self.method.clone(),
            target: self.target.clone(),
            headers: self.headers.iter().cloned().collect(),
            body: forms.bytes(at)?,
        })
    }
}

/// One step of a verify `scenario`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioStep {
    at: i64,
    request: RequestInput,
    /// What the step is about (informative).
    #[serde(default)]
    #[allow(dead_code)]
    note: String,
}

/// A verify `scenario`: one verifier (keys, window, client address, replay store) and a
/// clock starting at `start`; each step's request verified in turn.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioInput {
    keys: Vec<KeyEntry>,
    #[serde(default)]
    window_seconds: Option<i64>,
    #[serde(default)]
    client_ip: Option<String>,
    start: i64,
    steps: Vec<ScenarioStep>,
}

fn scenario<F: Form>(i: ScenarioInput) -> Result<Value, Answer> {
    let clock = FixedClock::from_secs(i.start);
    let client_ip = client_address(&i.client_ip)?;
    let window = i.window_seconds.unwrap_or(hm::DEFAULT_WINDOW_SECS);
    let verifier = Verifier::with_form(
        F::default(),
        key_directory(&i.keys)?,
        &clock,
        ShardedNonceStore::new(10_000),
    )
    .with_window_secs(window)
    .map_err(|e| bad("window_seconds", e))?;
    super::signupto::run_steps(
        i.start,
        &i.steps,
        &clock,
        |s| s.at,
        |n, step| {
            let request = step.request.to_request(&format!("steps[{n}].request."))?;
            Ok(verifier
                .verify(&request, client_ip)
                .map(|v| json!({ "api_key": v.api_key() }))
                .map_err(|e| (e.code(), e.to_string())))
        },
    )
}

fn verify<F: Form>(i: VerifyInput) -> Result<Result<Value, hm::Error>, Answer> {
    let keys = key_directory(&i.keys)?;
    let client_ip = client_address(&i.client_ip)?;
    let window = i.window_seconds.unwrap_or(hm::DEFAULT_WINDOW_SECS);
    let verifier = Verifier::with_form(
        F::default(),
        keys,
        FixedClock::from_secs(i.now),
        ShardedNonceStore::new(10_000),
    )
    .with_window_secs(window)
    .map_err(|e| bad("window_seconds", e))?;
    for seen in &i.state.nonces {
        verifier
            .store()
            .insert(
                &seen.api_key,
                &seen.nonce,
                i.now,
                i.now.saturating_add(2 * window),
            )
            .map_err(|e| bad("state.nonces", e))?;
    }
    let r = &i.request;
    let forms = BodyForms {
        body: &r.body,
        body_base64: &r.body_base64,
        body_pattern: &r.body_pattern,
        body_repeat: r.body_repeat,
    };
    let request = Request {
        method: r.method.clone(),
        target: r.target.clone(),
        headers: r.headers.iter().cloned().collect(),
        body: forms.bytes("request.")?,
    };
    Ok(verifier
        .verify(&request, client_ip)
        .map(|v| json!({ "api_key": v.api_key() })))
}
