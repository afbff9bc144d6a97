//! Answers for the three Sign-Up.to schemes' cases.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{RequestInput, error, parse_input, unknown_op};
use crate::schemes::signupto::{
    self as sut, ApiKey, Envelope, Identity, IssuedToken, KeyDirectory, SignRequest, Signer, Token,
    TokenVerifier, Variant, Verifier,
};
use crate::vectors::Answer;
use crate::{FixedClock, InMemoryNonceStore, NonceStore, Secret};

fn fail(e: &sut::Error) -> Answer {
    error(e.code(), e)
}

fn headers_json(headers: &[(String, String)]) -> Value {
    Value::Array(headers.iter().map(|(n, v)| json!([n, v])).collect())
}

fn identity_json(id: Identity) -> Value {
    let mut m = Map::new();
    for (name, value) in [("pid", id.pid), ("cid", id.cid), ("uid", id.uid)] {
        if let Some(v) = value {
            m.insert(name.into(), json!(v));
        }
    }
    Value::Object(m)
}

/// Reads a `pid` / `cid` / `uid`: a JSON integer, or a decimal string (1 or more ASCII
/// digits, no sign, fitting in 64 bits). Vector files write ids above 2^53 as strings,
/// because JavaScript and Go's untyped JSON decoding corrupt such integers.
fn read_id<'de, D: serde::Deserializer<'de>>(de: D, field: &str) -> Result<Option<u64>, D::Error> {
    use serde::de::Error as _;
    match Option::<Value>::deserialize(de)? {
        None => Ok(None),
        Some(Value::Number(n)) => n.as_u64().map(Some).ok_or_else(|| {
            D::Error::custom(format!(
                "field `{field}` must be a non-negative integer (or a string of ASCII digits), not {n}"
            ))
        }),
        Some(Value::String(t)) if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => {
            t.parse().map(Some).map_err(|_| {
                D::Error::custom(format!(
                    "field `{field}` given as a string must fit in 64 bits; {t:?} does not"
                ))
            })
        }
        Some(other) => Err(D::Error::custom(format!(
            "field `{field}` must be a non-negative integer or a string of ASCII digits, not {other}"
        ))),
    }
}

fn pid_id<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<u64>, D::Error> {
    read_id(de, "pid")
}

fn cid_id<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<u64>, D::Error> {
    read_id(de, "cid")
}

fn uid_id<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<u64>, D::Error> {
    read_id(de, "uid")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignInput {
    method: String,
    target: String,
    date: String,
    #[serde(default, deserialize_with = "pid_id")]
    pid: Option<u64>,
    #[serde(default, deserialize_with = "cid_id")]
    cid: Option<u64>,
    #[serde(default, deserialize_with = "uid_id")]
    uid: Option<u64>,
    nonce: String,
    key: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyEntry {
    #[serde(default, deserialize_with = "pid_id")]
    pid: Option<u64>,
    #[serde(default, deserialize_with = "cid_id")]
    cid: Option<u64>,
    key: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NonceEntry {
    #[serde(default, deserialize_with = "pid_id")]
    pid: Option<u64>,
    #[serde(default, deserialize_with = "cid_id")]
    cid: Option<u64>,
    #[serde(default)]
    token: Option<String>,
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
    keys: Vec<KeyEntry>,
    #[serde(default)]
    tokens: Vec<TokenEntry>,
    #[serde(default)]
    state: State,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenEntry {
    token: String,
    expiry: i64,
    #[serde(default, deserialize_with = "cid_id")]
    cid: Option<u64>,
    #[serde(default, deserialize_with = "uid_id")]
    uid: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthorizationInput {
    value: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResponseInput {
    status: u16,
    body: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequestInput {
    username: String,
    password: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenSignInput {
    method: String,
    target: String,
    date: String,
    nonce: String,
    token: String,
}

fn bad(field: &str, message: impl ToString) -> Answer {
    Answer::BadInput {
        field: field.into(),
        message: message.to_string(),
    }
}

pub(crate) fn answer(scheme: &str, op: &str, input: &Value) -> Result<Answer, Answer> {
    let variant = match scheme {
        sut::HASH_SLUG => Some(Variant::Hash),
        sut::PARTNER_HASH_SLUG => Some(Variant::PartnerHash),
        _ => None,
    };
    let result = match (variant, op) {
        (Some(v), "sign") => sign(v, parse_input(input)?),
        (Some(v), "verify") => verify(v, parse_input(input)?)?,
        (Some(_), "parse-authorization") | (None, "parse-authorization") => {
            let i: AuthorizationInput = parse_input(input)?;
            sut::parse_authorization(&i.value)
                .map(|a| json!({ "scheme": a.scheme.token(), "credentials": a.credentials }))
        }
        (_, "parse-response") => {
            let i: ResponseInput = parse_input(input)?;
            sut::parse_response(i.status, i.body.as_bytes()).map(envelope_json)
        }
        (None, "token-request") => {
            let i: TokenRequestInput = parse_input(input)?;
            sut::token_request(&i.username, &Secret::from(i.password)).map(|r| {
                json!({
                    "method": r.method,
                    "target": r.target,
                    "headers": headers_json(&r.headers),
                    "body": String::from_utf8_lossy(&r.body),
                })
            })
        }
        (None, "parse-token-response") => {
            let i: ResponseInput = parse_input(input)?;
            sut::parse_token_response(i.status, i.body.as_bytes())
                .map(|g| json!({ "token": g.token.expose(), "expiry": g.expiry }))
        }
        (None, "sign") => {
            let i: TokenSignInput = parse_input(input)?;
            Token::parse(&i.token)
                .and_then(|t| sut::token_headers(&i.method, &i.target, &t, &i.date, &i.nonce))
                .map(|h| json!({ "headers": headers_json(&h) }))
        }
        (None, "verify") => verify_token(parse_input(input)?)?,
        (_, "scenario") => return Ok(Answer::Output(scenario(variant, parse_input(input)?)?)),
        _ => return Err(unknown_op(scheme, op)),
    };
    Ok(match result {
        Ok(out) => Answer::Output(out),
        Err(e) => fail(&e),
    })
}

fn sign(variant: Variant, i: SignInput) -> Result<Value, sut::Error> {
    let identity = Identity {
        pid: i.pid,
        cid: i.cid,
        uid: i.uid,
    };
    let signer = Signer::new(variant, identity, i.key.as_str())?;
    let signed = signer.sign(&SignRequest {
        method: &i.method,
        target: &i.target,
        date: &i.date,
        nonce: &i.nonce,
    })?;
    Ok(json!({
        "canonical": signed.canonical.to_string(),
        "signature": signed.signature,
        "headers": headers_json(&signed.headers),
    }))
}

fn key_directory(variant: Variant, entries: &[KeyEntry]) -> Result<KeyDirectory, Answer> {
    let mut keys = KeyDirectory::new();
    for (n, entry) in entries.iter().enumerate() {
        let id = match variant {
            Variant::Hash => entry.cid,
            Variant::PartnerHash => entry.pid,
        };
        let id = id.ok_or_else(|| {
            bad(
                &format!("keys[{n}]"),
                format!(
                    "needs `{}`",
                    if variant == Variant::Hash {
                        "cid"
                    } else {
                        "pid"
                    }
                ),
            )
        })?;
        let key = ApiKey::new(variant, entry.key.as_str())
            .map_err(|e| bad(&format!("keys[{n}].key"), e))?;
        keys.insert(id, key);
    }
    Ok(keys)
}

fn verify(variant: Variant, i: VerifyInput) -> Result<Result<Value, sut::Error>, Answer> {
    let keys = key_directory(variant, &i.keys)?;
    let window = i.window_seconds.unwrap_or(sut::DEFAULT_WINDOW_SECS);
    let verifier = Verifier::new(
        variant,
        keys,
        FixedClock::from_secs(i.now),
        InMemoryNonceStore::default(),
    )
    .with_window_secs(window)
    .map_err(|e| bad("window_seconds", e))?;
    for (n, seen) in i.state.nonces.iter().enumerate() {
        let id = match variant {
            Variant::Hash => seen.cid,
            Variant::PartnerHash => seen.pid,
        };
        let id = id.ok_or_else(|| {
            bad(
                &format!("state.nonces[{n}]"),
                "needs the key id (`cid` for Hash, `pid` for Partner Hash)",
            )
        })?;
        let scope = Verifier::<FixedClock, InMemoryNonceStore>::replay_scope(variant, id);
        verifier
            .store()
            .insert(&scope, &seen.nonce, i.now, i.now.saturating_add(window))
            .map_err(|e| bad("state.nonces", e))?;
    }
    let request = i.request.to_request()?;
    Ok(verifier
        .verify(&request)
        .map(|v| json!({ "identity": identity_json(v.identity()) })))
}

fn verify_token(i: VerifyInput) -> Result<Result<Value, sut::Error>, Answer> {
    let window = i.window_seconds.unwrap_or(sut::DEFAULT_WINDOW_SECS);
    let mut verifier =
        TokenVerifier::new(FixedClock::from_secs(i.now), InMemoryNonceStore::default())
            .with_window_secs(window)
            .map_err(|e| bad("window_seconds", e))?;
    insert_tokens(&mut verifier, &i.tokens)?;
    for (n, seen) in i.state.nonces.iter().enumerate() {
        let token = seen
            .token
            .as_deref()
            .ok_or_else(|| bad(&format!("state.nonces[{n}]"), "needs `token`"))?;
        let scope = TokenVerifier::<FixedClock, InMemoryNonceStore>::replay_scope(token);
        verifier
            .store()
            .insert(&scope, &seen.nonce, i.now, i.now.saturating_add(window))
            .map_err(|e| bad("state.nonces", e))?;
    }
    let request = i.request.to_request()?;
    Ok(verifier
        .verify(&request)
        .map(|v| json!({ "identity": identity_json(v.identity()) })))
}

fn insert_tokens<C: crate::Clock, S: NonceStore>(
    verifier: &mut TokenVerifier<C, S>,
    tokens: &[TokenEntry],
) -> Result<(), Answer> {
    for (n, t) in tokens.iter().enumerate() {
        let token = Token::parse(&t.token).map_err(|e| bad(&format!("tokens[{n}].token"), e))?;
        verifier.insert(IssuedToken {
            token,
            expiry: t.expiry,
            identity: Identity {
                pid: None,
                cid: t.cid,
                uid: t.uid,
            },
        });
    }
    Ok(())
}

/// One step of a verify `scenario`: a request at a time after the scenario's start.
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

/// A verify `scenario`: one verifier (its keys or tokens, window and replay store) and
/// a clock that starts at `start`, then each step's request verified in turn.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioInput {
    #[serde(default)]
    keys: Vec<KeyEntry>,
    #[serde(default)]
    tokens: Vec<TokenEntry>,
    #[serde(default)]
    window_seconds: Option<i64>,
    start: i64,
    steps: Vec<ScenarioStep>,
}

/// The output of one scenario step: `{"result": "valid", "identity": …}` or
/// `{"result": "invalid", "error": "<CODE>"}`.
pub(super) fn step_json(result: Result<Value, (&str, String)>) -> Value {
    match result {
        Ok(Value::Object(mut out)) => {
            let mut m = Map::new();
            m.insert("result".into(), json!("valid"));
            m.append(&mut out);
            Value::Object(m)
        }
        Ok(other) => json!({ "result": "valid", "output": other }),
        Err((code, _)) => json!({ "result": "invalid", "error": code }),
    }
}

/// Runs the steps of a scenario through `verify_at` (which sees the clock already set).
pub(super) fn run_steps<T>(
    start: i64,
    steps: &[T],
    clock: &FixedClock,
    at_of: impl Fn(&T) -> i64,
    mut verify_at: impl FnMut(usize, &T) -> Result<Result<Value, (&'static str, String)>, Answer>,
) -> Result<Value, Answer> {
    let mut out = Vec::with_capacity(steps.len());
    let mut last = 0;
    for (n, step) in steps.iter().enumerate() {
        let at = at_of(step);
        if at < last {
            return Err(bad(
                &format!("steps[{n}].at"),
                "steps must not go back in time",
            ));
        }
        last = at;
        let now = start
            .checked_add(at)
            .ok_or_else(|| bad(&format!("steps[{n}].at"), "start + at overflows"))?;
        clock.set_secs(now);
        out.push(step_json(verify_at(n, step)?));
    }
    Ok(json!({ "steps": out }))
}

fn scenario(variant: Option<Variant>, i: ScenarioInput) -> Result<Value, Answer> {
    let clock = FixedClock::from_secs(i.start);
    let window = i.window_seconds.unwrap_or(sut::DEFAULT_WINDOW_SECS);
    let coded = |e: sut::Error| (e.code(), e.to_string());
    match variant {
        Some(variant) => {
            if !i.tokens.is_empty() {
                return Err(bad(
                    "tokens",
                    "a Hash or Partner Hash scenario takes `keys`",
                ));
            }
            let verifier = Verifier::new(
                variant,
                key_directory(variant, &i.keys)?,
                &clock,
                InMemoryNonceStore::default(),
            )
            .with_window_secs(window)
            .map_err(|e| bad("window_seconds", e))?;
            run_steps(
                i.start,
                &i.steps,
                &clock,
                |s| s.at,
                |n, step| {
                    let request = step
                        .request
                        .to_request()
                        .map_err(|e| prefix_field(e, &format!("steps[{n}].")))?;
                    Ok(verifier
                        .verify(&request)
                        .map(|v| json!({ "identity": identity_json(v.identity()) }))
                        .map_err(coded))
                },
            )
        }
        None => {
            if !i.keys.is_empty() {
                return Err(bad("keys", "a Token scenario takes `tokens`"));
            }
            let mut verifier = TokenVerifier::new(&clock, InMemoryNonceStore::default())
                .with_window_secs(window)
                .map_err(|e| bad("window_seconds", e))?;
            insert_tokens(&mut verifier, &i.tokens)?;
            run_steps(
                i.start,
                &i.steps,
                &clock,
                |s| s.at,
                |n, step| {
                    let request = step
                        .request
                        .to_request()
                        .map_err(|e| prefix_field(e, &format!("steps[{n}].")))?;
                    Ok(verifier
                        .verify(&request)
                        .map(|v| json!({ "identity": identity_json(v.identity()) }))
                        .map_err(coded))
                },
            )
        }
    }
}

/// A [`Answer::BadInput`] about a field inside a step names the step.
pub(super) fn prefix_field(answer: Answer, prefix: &str) -> Answer {
    match answer {
        Answer::BadInput { field, message } => Answer::BadInput {
            field: format!("{prefix}{field}"),
            message,
        },
        other => other,
    }
}

/// A `parse-response` output.
pub(crate) fn envelope_json(e: Envelope) -> Value {
    match e {
        Envelope::Ok { data, count, next } => {
            json!({ "status": "ok", "data": data, "count": count, "next": next })
        }
        Envelope::Error {
            code,
            message,
            subcode,
            additional_information,
        } => json!({
            "status": "error",
            "code": code,
            "message": message,
            "subcode": subcode,
            "additional_information": additional_information,
        }),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::answer;
    use crate::vectors::Answer;

    fn sign_with(cid: serde_json::Value, uid: serde_json::Value) -> Result<Answer, Answer> {
        let input = json!({
            "method": "GET", "target": "/v1/list", "date": "Sat, 09 Sep 1989 11:00:00 GMT",
            "cid": cid, "uid": uid,
            "nonce": "0123456789abcdef0123456789abcdef01234567",
            "key": "2b2d77e014a30792d5048e262e306783",
        });
        answer(crate::schemes::signupto::HASH_SLUG, "sign", &input)
    }

    #[test]
    fn an_id_may_be_given_as_a_decimal_string() {
        let as_numbers = sign_with(json!(7_654_321), json!(23_456_789)).unwrap();
        let as_strings = sign_with(json!("7654321"), json!("23456789")).unwrap();
        assert_eq!(as_numbers, as_strings);
        // Above 2^53, where only the string form survives other languages' decoders.
        let big = sign_with(json!("999999999999999999"), json!("999999999999999998")).unwrap();
        let Answer::Output(out) = big else {
            panic!("expected an output, got {big:?}")
        };
        let canonical = out["canonical"].as_str().unwrap();
        assert!(
            canonical.contains("X-SuT-CID: 999999999999999999\r\n"),
            "{canonical}"
        );
    }

    #[test]
    fn a_malformed_id_is_bad_input_naming_its_field() {
        for bad in [
            json!("12a"),
            json!("-1"),
            json!(""),
            json!(" 7"),
            json!(1.5),
            json!(-3),
            json!(true),
            json!("99999999999999999999999"),
        ] {
            match sign_with(json!(7_654_321), bad.clone()) {
                Err(Answer::BadInput { field, message }) => {
                    assert_eq!(field, "uid", "{bad}: {message}");
                }
                other => panic!("{bad}: expected bad input for uid, got {other:?}"),
            }
        }
    }

    #[test]
    fn a_scenario_step_going_back_in_time_or_a_bad_request_names_its_step() {
        let request = json!({"method": "GET", "target": "/v1/list", "headers": []});
        let input = json!({
            "keys": [{"cid": 7654321, "key": "2b2d77e014a30792d5048e262e306783"}],
            "start": 621342000,
            "steps": [{"at": 5, "request": request}, {"at": 4, "request": request}],
        });
        match answer(crate::schemes::signupto::HASH_SLUG, "scenario", &input) {
            Err(Answer::BadInput { field, .. }) => assert_eq!(field, "steps[1].at"),
            other => panic!("expected bad input for steps[1].at, got {other:?}"),
        }
        let input = json!({
            "keys": [{"cid": 7654321, "key": "2b2d77e014a30792d5048e262e306783"}],
            "start": 621342000,
            "steps": [{"at": 0, "request": {"method": "GET", "target": "/", "body": "a", "body_base64": "YQ=="}}],
        });
        match answer(crate::schemes::signupto::HASH_SLUG, "scenario", &input) {
            Err(Answer::BadInput { field, .. }) => assert_eq!(field, "steps[0].request.body"),
            other => panic!("expected bad input naming the step, got {other:?}"),
        }
        // A Token scenario takes tokens, not keys.
        match answer(
            crate::schemes::signupto::TOKEN_SLUG,
            "scenario",
            &json!({"keys": [{"cid": 1, "key": "k"}], "start": 0, "steps": []}),
        ) {
            Err(Answer::BadInput { field, .. }) => assert_eq!(field, "keys"),
            other => panic!("expected bad input for keys, got {other:?}"),
        }
    }

    #[test]
    fn a_scenario_keeps_the_replay_store_between_steps() {
        // A step's answer depends on an earlier one: the same request twice is a replay.
        let key = "2b2d77e014a30792d5048e262e306783";
        let date = "Sat, 09 Sep 1989 11:00:00 GMT";
        let nonce = "0123456789abcdef0123456789abcdef01234567";
        let canonical = format!(
            "GET /v1/list\r\nDate: {date}\r\nX-SuT-CID: 7654321\r\nX-SuT-UID: 23456789\r\nX-SuT-Nonce: {nonce}\r\n{key}"
        );
        let sig = crate::encoding::hex_lower(&crate::encoding::sha1(canonical.as_bytes()));
        let request = json!({"method": "GET", "target": "/v1/list", "headers": [
            ["Date", date], ["X-SuT-CID", "7654321"], ["X-SuT-UID", "23456789"],
            ["X-SuT-Nonce", nonce], ["Authorization", format!("SuTHash signature=\"{sig}\"")]
        ]});
        let input = json!({
            "keys": [{"cid": 7654321, "key": key}],
            "start": 621342000,
            "steps": [{"at": 0, "request": request}, {"at": 1, "request": request}],
        });
        let Ok(Answer::Output(out)) =
            answer(crate::schemes::signupto::HASH_SLUG, "scenario", &input)
        else {
            panic!("expected an output")
        };
        assert_eq!(
            out,
            json!({"steps": [
                {"result": "valid", "identity": {"cid": 7654321, "uid": 23456789}},
                {"result": "invalid", "error": "NONCE_REPLAYED"}
            ]})
        );
    }
}
