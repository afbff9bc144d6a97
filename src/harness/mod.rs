//! Typed harnesses: run the bundled vectors of one scheme and op against a Rust
//! implementation written elsewhere, without speaking the JSON case format.
//!
//! Each function takes a closure from a typed input (read from the case's `input`) to a
//! typed output or a [`Refusal`], runs every bundled case of that scheme and op through
//! it, and grades the answers exactly as `partner-auth check --shim` does
//! ([`Strictness::Conformance`]: `acceptable` cases, `alternatives`, `compare` rules,
//! `equivalent` outputs and `free` members all apply):
//!
//! ```
//! use partner_auth::harness::{Refusal, hmac_sha256};
//! use partner_auth::schemes::hmac::{SignRequest, Signer};
//!
//! // Here the crate's own signer; yours goes in its place.
//! let report = hmac_sha256::sign(|input| {
//!     let refuse = |e: partner_auth::schemes::hmac::Error| Refusal::new(e.code());
//!     let signed = Signer::new(input.api_key.as_str(), input.secret.as_str())
//!         .map_err(refuse)?
//!         .sign(&SignRequest {
//!             method: &input.method,
//!             target: &input.target,
//!             timestamp: input.timestamp,
//!             nonce: &input.nonce,
//!             body: &input.body,
//!         })
//!         .map_err(refuse)?;
//!     Ok(hmac_sha256::SignOutput {
//!         string_to_sign: signed.string_to_sign.as_bytes().to_vec(),
//!         signature: signed.signature,
//!         headers: signed.headers.iter().map(|(n, v)| (n.to_string(), v.clone())).collect(),
//!     })
//! });
//! report.assert_conformant();
//! assert!(report.passed() > 0);
//! ```
//!
//! One module per scheme, one function per op:
//!
//! | module | functions (ops) |
//! |---|---|
//! | [`hmac_sha256`] | `sign`, `verify`, `scenario`, `error_response`, `parse_error` |
//! | [`signupto_hash`] | `sign`, `verify`, `scenario`, `parse_authorization`, `parse_response` |
//! | [`signupto_partner_hash`] | `sign`, `verify`, `scenario`, `parse_authorization` |
//! | [`signupto_token`] | `token_request`, `parse_token_response`, `sign`, `verify`, `scenario` |
//! | [`partners_portal`] | `scenario`, `parse_login_response`, `parse_error_body` |
//! | [`groupcall_customer`], [`groupcall_partner`] | `build`, `verify`, `parse_response` |
//! | [`primitives`] | `sha1`, `sha256`, `hmac_sha1`, `hmac_sha256`, `base64_encode`, `base64_decode` |
//!
//! Where every case of an op is `acceptable` (no page decides it: `hmac_sha256`
//! `error_response`, `partners_portal` `parse_error_body`, `signupto_token`
//! `token_request`), success and refusal both conform and only a panic fails a case.
//!
//! [`pinned_to_reference`] grades stricter, as `partner-auth check` grades the reference
//! itself: for an implementation meant to do exactly what this crate's does.
//! [`under_profile`] chooses the profile, as `check --profile` does: the `hardened`
//! cases (a nonce recorded only after the signature verified, a bounded nonce, …) are
//! `acceptable` under the default [`Profile::Conformance`] and must-pass under
//! [`Profile::Hardened`].
//!
//! A `scenario` harness hands the implementation a whole [`Scenario`]: the verifier's
//! configuration (`world`), a start time and the requests in order; the implementation
//! sets up one verifier, moves its clock to [`Scenario::now`] before each step and
//! answers every step, keeping its state (used nonces, sessions) from one to the next.
//!
//! A case whose `input` the harness cannot type (a field missing, of another type, or
//! one it does not know) is a fault of the vector files, not of the implementation: the
//! harness panics naming the file, the case id and the field. A closure that panics on a
//! case fails that case (stage `result`, actual `broken: panicked: …`) and the run goes
//! on.

use std::cell::Cell;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::reference::parse_input;
use crate::vectors::{
    self, Answer, Case, CaseReport, Implementation, LoadedFile, Outcome, Profile, Report,
    Selection, Strictness, Summary, bundled,
};

pub mod groupcall_customer;
pub mod groupcall_partner;
pub mod hmac_sha256;
pub mod partners_portal;
pub mod primitives;
pub mod signupto_hash;
pub mod signupto_partner_hash;
pub mod signupto_token;

/// An implementation's refusal of a case's input: the error code it fails with (the
/// scheme's codes in vectors/README.md, `GA2012`, `MALFORMED_NONCE`, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The stable error code, compared with the case's `error` and `alternatives`.
    pub code: String,
}

impl Refusal {
    /// A refusal with error code `code`.
    pub fn new(code: impl Into<String>) -> Self {
        Refusal { code: code.into() }
    }
}

/// A request as it arrives at a verifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest {
    /// The HTTP method.
    pub method: String,
    /// The request target, as sent.
    pub target: String,
    /// The header fields, `(name, value)`, in order, duplicates kept.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

thread_local! {
    static STRICTNESS: Cell<Strictness> = const { Cell::new(Strictness::Conformance) };
    static PROFILE: Cell<Profile> = const { Cell::new(Profile::Conformance) };
}

/// Runs `f` with every harness it calls grading under `profile`, as
/// `partner-auth check --profile` does. By default a harness grades under
/// [`Profile::Conformance`]: the `hardened` cases (security properties beyond what the
/// vendors' pages decide, vectors/README.md "Profiles") are `acceptable`; under
/// [`Profile::Hardened`] they are must-pass.
///
/// ```
/// use partner_auth::harness::{Refusal, hmac_sha256, under_profile};
/// use partner_auth::vectors::Profile;
///
/// // A verifier that refuses every step fails the scenarios' genuine requests, and the
/// // report says which profile graded it.
/// let report = under_profile(Profile::Hardened, || {
///     hmac_sha256::scenario(|s| s.steps.iter().map(|_| Err(Refusal::new("GA2012"))).collect())
/// });
/// assert_eq!(report.profile(), Profile::Hardened);
/// assert!(!report.is_conformant());
/// ```
pub fn under_profile<R>(profile: Profile, f: impl FnOnce() -> R) -> R {
    struct Restore(Profile);
    impl Drop for Restore {
        fn drop(&mut self) {
            PROFILE.with(|p| p.set(self.0));
        }
    }
    let _restore = Restore(PROFILE.with(|p| p.replace(profile)));
    f()
}

/// Runs `f` with every harness it calls grading as `partner-auth check` grades the
/// reference itself ([`Strictness::Reference`]): outputs compared exactly (no `compare`,
/// `equivalent` or `free` relaxing them) and each `acceptable` case held to what its
/// `expect.reference` documents. For an implementation meant to do what this crate
/// does, case for case; the default grading lets it choose wherever the pages leave the
/// choice open.
///
/// ```
/// use partner_auth::harness::{Refusal, pinned_to_reference, primitives};
///
/// // A decoder that takes unpadded Base64 conforms (RFC 4648 leaves it open) ...
/// let lenient = |input: &primitives::DecodeInput| {
///     let padded = format!("{}{}", input.text, "=".repeat((4 - input.text.len() % 4) % 4));
///     partner_auth::encoding::base64_decode(&padded).ok_or_else(|| Refusal::new("MALFORMED_BASE64"))
/// };
/// primitives::base64_decode(lenient).assert_conformant();
/// // ... but does not do what the reference does.
/// assert!(!pinned_to_reference(|| primitives::base64_decode(lenient)).is_conformant());
/// ```
pub fn pinned_to_reference<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(Strictness);
    impl Drop for Restore {
        fn drop(&mut self) {
            STRICTNESS.with(|s| s.set(self.0));
        }
    }
    let _restore = Restore(STRICTNESS.with(|s| s.replace(Strictness::Reference)));
    f()
}

/// The graded cases of one scheme and op.
#[derive(Clone, Debug)]
pub struct HarnessReport {
    scheme: String,
    op: String,
    strictness: Strictness,
    profile: Profile,
    report: Report,
}

impl HarnessReport {
    /// The profile that graded the run ([`under_profile`]).
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// The scheme slug (`hmac-sha256`).
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The op (`sign`).
    pub fn op(&self) -> &str {
        &self.op
    }

    /// The counts: cases, passed, failed, acceptable, skipped (withdrawn).
    pub fn summary(&self) -> Summary {
        self.report.total()
    }

    /// How many cases of the op the bundled vectors hold (withdrawn ones included).
    pub fn cases(&self) -> usize {
        self.summary().cases
    }

    /// How many cases passed exactly.
    pub fn passed(&self) -> usize {
        self.summary().passed
    }

    /// How many cases were graded acceptable (an `acceptable` case, or an alternative
    /// error code).
    pub fn acceptable(&self) -> usize {
        self.summary().acceptable
    }

    /// How many cases failed.
    pub fn failed(&self) -> usize {
        self.summary().failed
    }

    /// How many cases were not run (withdrawn).
    pub fn skipped(&self) -> usize {
        self.summary().skipped
    }

    /// Every failed case, in file order.
    pub fn failures(&self) -> impl Iterator<Item = &CaseReport> {
        self.report.failures()
    }

    /// How the cases were graded: [`Strictness::Conformance`], or
    /// [`Strictness::Reference`] inside [`pinned_to_reference`].
    pub fn strictness(&self) -> Strictness {
        self.strictness
    }

    /// The underlying runner report (every case with its outcome).
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// True when at least one case was graded and none failed.
    pub fn is_conformant(&self) -> bool {
        self.failed() == 0 && self.passed() + self.acceptable() > 0
    }

    /// Panics, with the list of failing cases (id, stage, expected, actual and the
    /// case's basis), unless [`is_conformant`](Self::is_conformant).
    #[track_caller]
    pub fn assert_conformant(&self) {
        if !self.is_conformant() {
            panic!("{self}");
        }
    }
}

impl fmt::Display for HarnessReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.summary();
        let pinned = match self.strictness {
            Strictness::Reference => " (pinned to the reference)",
            Strictness::Conformance => "",
        };
        writeln!(
            f,
            "{} {}{pinned}: {} of {} cases failed ({} passed, {} acceptable, {} skipped)",
            self.scheme, self.op, s.failed, s.cases, s.passed, s.acceptable, s.skipped
        )?;
        if s.passed + s.acceptable == 0 {
            writeln!(
                f,
                "no case was graded: nothing shows the implementation works"
            )?;
        }
        for case in self.failures() {
            let Outcome::Failed {
                stage,
                expected,
                actual,
            } = &case.outcome
            else {
                continue;
            };
            writeln!(f)?;
            writeln!(f, "{}: stage `{stage}`", case.id)?;
            writeln!(f, "  expected: {expected}")?;
            writeln!(f, "  actual:   {actual}")?;
            for (n, line) in case.basis.iter().enumerate() {
                let label = if n == 0 { "basis:" } else { "" };
                writeln!(f, "  {label:<9} {line}")?;
            }
        }
        Ok(())
    }
}

/// Answers the cases of one op by a closure over the case.
struct Typed<F> {
    name: String,
    answer: F,
}

impl<F: FnMut(&Case) -> Answer> Implementation for Typed<F> {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn answer(&mut self, _scheme: &str, case: &Case) -> Answer {
        (self.answer)(case)
    }
}

/// Runs the cases of `scheme`/`op` in `files` through `answer` and grades them.
///
/// # Panics
/// When a case's input cannot be typed ([`Answer::BadInput`]), naming file, case and
/// field.
fn run_cases(
    files: &[LoadedFile],
    scheme: &str,
    op: &str,
    answer: impl FnMut(&Case) -> Answer,
) -> HarnessReport {
    let selection = Selection {
        schemes: vec![scheme.to_owned()],
        filter: Some(format!("{scheme}/{op}/*")),
    };
    let mut imp = Typed {
        name: format!("harness {scheme} {op}"),
        answer,
    };
    let strictness = STRICTNESS.with(Cell::get);
    let profile = PROFILE.with(Cell::get);
    let report = vectors::run_profile(files, &mut imp, strictness, profile, &selection, |_, _| {})
        .unwrap_or_else(|e| panic!("the {scheme} {op} harness cannot type a case: {e}"));
    HarnessReport {
        scheme: scheme.to_owned(),
        op: op.to_owned(),
        strictness,
        profile,
        report,
    }
}

/// Runs the cases of `scheme`/`op` in `files` through the implementation `imp`: `typed`
/// reads a case's input (an [`Answer::BadInput`] stops the harness, naming the field),
/// `output` writes the implementation's output as the case's `output` object.
fn run_op<I, O>(
    files: &[LoadedFile],
    scheme: &str,
    op: &str,
    typed: impl Fn(&Case) -> Result<I, Answer>,
    output: impl Fn(&Case, O) -> Value,
    mut imp: impl FnMut(&I) -> Result<O, Refusal>,
) -> HarnessReport {
    run_cases(files, scheme, op, |case: &Case| {
        let input = match typed(case) {
            Ok(input) => input,
            Err(bad_input) => return bad_input,
        };
        match call(&mut imp, &input) {
            Ok(Ok(out)) => Answer::Output(output(case, out)),
            Ok(Err(r)) => refused(r),
            Err(broken) => broken,
        }
    })
}

/// [`run_op`] over the bundled vectors for an op whose input type reads the case's
/// `input` object as it is and whose output type writes the `output` object as it is.
fn serde_op<I: DeserializeOwned, O: Serialize>(
    scheme: &str,
    op: &str,
    imp: impl FnMut(&I) -> Result<O, Refusal>,
) -> HarnessReport {
    run_op(
        bundled(),
        scheme,
        op,
        |case: &Case| parse_input(&case.input),
        |_: &Case, out: O| to_json(&out),
        imp,
    )
}

/// An output type as JSON; the harness's own types always serialise.
fn to_json(out: &impl Serialize) -> Value {
    serde_json::to_value(out).expect("harness output types serialise to JSON")
}

/// Calls the implementation, turning a panic into a [`Answer::Broken`] for that case.
fn call<I, O>(
    f: &mut impl FnMut(&I) -> Result<O, Refusal>,
    input: &I,
) -> Result<Result<O, Refusal>, Answer> {
    catch_unwind(AssertUnwindSafe(|| f(input))).map_err(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a non-string payload".into());
        Answer::Broken(format!("panicked: {message}"))
    })
}

/// A refusal as the runner's answer.
fn refused(r: Refusal) -> Answer {
    Answer::Error {
        code: r.code,
        message: "refused by the implementation".into(),
    }
}

/// One step of a verify `scenario`: a request arriving `at` seconds after the scenario's
/// start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioStep {
    /// Seconds after [`Scenario::start`]; never decreasing from one step to the next.
    pub at: i64,
    /// The request.
    pub request: HttpRequest,
}

impl ScenarioStep {
    /// The value of the first header field named `name` (case-insensitive), if any.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.request
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A verify `scenario`: one verifier, set up from `world` (its keys or tokens, window,
/// …) with an empty replay store, whose clock reads `start + step.at` when each step's
/// request arrives. The implementation answers every step in order, keeping whatever
/// state its verifier keeps (used nonces above all) from one step to the next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario<W> {
    /// The verifier's configuration.
    pub world: W,
    /// Unix seconds of step time 0.
    pub start: i64,
    /// The requests, in order.
    pub steps: Vec<ScenarioStep>,
}

impl<W> Scenario<W> {
    /// The verifier's clock, Unix seconds, when `step` arrives.
    pub fn now(&self, step: &ScenarioStep) -> i64 {
        self.start + step.at
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    at: i64,
    request: RawRequest,
    /// What the step is about (informative).
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
}

/// The typed steps of a scenario.
fn typed_steps(raw: Vec<RawStep>) -> Result<Vec<ScenarioStep>, Answer> {
    raw.into_iter()
        .enumerate()
        .map(|(n, s)| {
            Ok(ScenarioStep {
                at: s.at,
                request: s.request.typed(&format!("steps[{n}].request."))?,
            })
        })
        .collect()
}

/// Runs every bundled `scenario` case of `scheme` through `imp`: `typed` reads the
/// scenario, `valid` writes an accepted step's output object (the verify op's output),
/// and each step is graded as `{"result": "valid", …}` or
/// `{"result": "invalid", "error": <code>}`.
fn scenario_op<W, O>(
    scheme: &str,
    typed: impl Fn(&Case) -> Result<Scenario<W>, Answer>,
    valid: impl Fn(O) -> Value,
    mut imp: impl FnMut(&Scenario<W>) -> Vec<Result<O, Refusal>>,
) -> HarnessReport {
    run_op(
        bundled(),
        scheme,
        "scenario",
        typed,
        |_: &Case, answers: Vec<Result<O, Refusal>>| {
            let steps = answers
                .into_iter()
                .map(|answer| match answer {
                    Ok(out) => {
                        let mut step = serde_json::Map::new();
                        step.insert("result".into(), Value::from("valid"));
                        if let Value::Object(mut members) = valid(out) {
                            step.append(&mut members);
                        }
                        Value::Object(step)
                    }
                    Err(r) => serde_json::json!({ "result": "invalid", "error": r.code }),
                })
                .collect();
            serde_json::json!({ "steps": Value::Array(steps) })
        },
        |s: &Scenario<W>| Ok(imp(s)),
    )
}

/// A `[name, value]` header list as JSON.
fn headers_json(headers: &[(String, String)]) -> Value {
    Value::Array(
        headers
            .iter()
            .map(|(n, v)| Value::Array(vec![Value::from(n.as_str()), Value::from(v.as_str())]))
            .collect(),
    )
}

/// An [`HttpRequest`] as the `output` of a `build`-like op: method, target, headers,
/// and the body as text (bytes that are not UTF-8 shown as U+FFFD).
fn request_json(r: &HttpRequest) -> Value {
    serde_json::json!({
        "method": r.method,
        "target": r.target,
        "headers": headers_json(&r.headers),
        "body": String::from_utf8_lossy(&r.body),
    })
}

/// A `request` object of a case's input, in any of the body forms of vectors/README.md.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequest {
    method: String,
    target: String,
    #[serde(default)]
    headers: Vec<(String, String)>,
    body: Option<String>,
    body_base64: Option<String>,
    body_pattern: Option<String>,
    body_repeat: Option<usize>,
}

impl RawRequest {
    /// The typed request; `at` prefixes the body fields in an error (`request.`).
    fn typed(self, at: &str) -> Result<HttpRequest, Answer> {
        Ok(HttpRequest {
            body: body_bytes(
                at,
                self.body.as_deref(),
                self.body_base64.as_deref(),
                self.body_pattern.as_deref(),
                self.body_repeat,
            )?,
            method: self.method,
            target: self.target,
            headers: self.headers,
        })
    }
}

/// A verify case's `state`: the nonces already seen, each an `N`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawState<N> {
    #[serde(default = "Vec::new")]
    nonces: Vec<N>,
}

impl<N> Default for RawState<N> {
    fn default() -> Self {
        RawState { nonces: Vec::new() }
    }
}

fn bad(field: &str, message: impl ToString) -> Answer {
    Answer::BadInput {
        field: field.to_owned(),
        message: message.to_string(),
    }
}

// The body forms of vectors/README.md, read exactly as the reference reads them.
use crate::reference::body_bytes;

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::vectors::parse_file;

    /// A one-file bundle from `text`, whose `@SLUG@` stands for the HMAC-SHA256 slug.
    fn file(text: &str) -> Vec<LoadedFile> {
        let text = text.replace("@SLUG@", crate::schemes::hmac::SLUG);
        let path = PathBuf::from(format!("vectors/{}.json", crate::schemes::hmac::SLUG));
        let file = parse_file(&path, &text).expect("the test file loads");
        vec![LoadedFile { path, file }]
    }

    /// One `sign` case whose input lacks `nonce`.
    const NO_NONCE: &str = r#"{
        "scheme": "@SLUG@", "formatVersion": 3, "numberOfTests": 1, "cases": [{
            "id": "@SLUG@/sign/001", "op": "sign", "basis": ["rfc2104"],
            "input": {"method": "GET", "target": "/", "timestamp": 1,
                      "api_key": "k", "secret": "s"},
            "expect": {"result": "invalid", "error": "MALFORMED_NONCE"}
        }]
    }"#;

    #[test]
    fn an_input_the_harness_cannot_type_panics_naming_the_case_and_field() {
        let files = file(NO_NONCE);
        let panic = catch_unwind(|| {
            hmac_sha256::sign_cases(&files, |_| Err(Refusal::new("MALFORMED_NONCE")))
        })
        .expect_err("a case without `nonce` must stop the harness");
        let message = panic.downcast_ref::<String>().expect("a formatted panic");
        assert!(message.contains("case `hmac-sha256/sign/001`"), "{message}");
        assert!(message.contains("field `input.nonce`"), "{message}");
    }

    #[test]
    fn a_panicking_implementation_fails_the_case_and_the_run_goes_on() {
        let files =
            file(&NO_NONCE.replace(r#""timestamp": 1,"#, r#""timestamp": 1, "nonce": "n","#));
        let report = hmac_sha256::sign_cases(&files, |_| panic!("not yet written"));
        assert_eq!((report.cases(), report.failed()), (1, 1));
        let text = report.to_string();
        assert!(text.contains("panicked: not yet written"), "{text}");
        assert!(!report.is_conformant());
    }

    #[test]
    fn a_run_that_graded_nothing_is_not_conformant() {
        let report = run_cases(&[], crate::schemes::hmac::SLUG, "sign", |_| {
            Answer::Unsupported("none".into())
        });
        assert_eq!(report.cases(), 0);
        assert!(!report.is_conformant());
        assert!(report.to_string().contains("no case was graded"));
    }
}
