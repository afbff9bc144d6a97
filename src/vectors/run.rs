//! Running cases against an implementation and grading the answers.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;
use serde_json::Value;

use super::load::{LoadError, LoadedFile};
use super::model::{Case, Compare, Profile, Verdict};

/// An implementation's answer to one case.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// The operation succeeded with this output object.
    Output(Value),
    /// The operation failed with this error code.
    Error {
        /// The stable error code.
        code: String,
        /// A human-readable explanation.
        message: String,
    },
    /// The implementation does not implement this scheme or op.
    Unsupported(String),
    /// The case's `input` is not shaped as the scheme needs: the vector file is at fault.
    BadInput {
        /// The field at fault, under `input`.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The implementation misbehaved (crashed, hung, answered garbage).
    Broken(String),
}

/// Something that answers cases: the built-in reference, or another program.
pub trait Implementation {
    /// A name for reports.
    fn name(&self) -> String;
    /// Answers one case of `scheme`.
    fn answer(&mut self, scheme: &str, case: &Case) -> Answer;
}

/// How strictly `acceptable` cases are graded. Orthogonal to the [`Profile`] a run
/// grades by: the reference is held to every case exactly under both profiles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strictness {
    /// The reference must do exactly what the file says it does (`expect.reference`).
    Reference,
    /// Another implementation may take either outcome.
    Conformance,
}

/// The grade of one case.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "lowercase")]
pub enum Outcome {
    /// Exactly what the case expects.
    Passed,
    /// Within what the case allows: an `acceptable` case, or an alternative error code.
    Acceptable {
        /// What happened.
        note: String,
    },
    /// Not what the case expects; `stage` names the first stage that diverged.
    Failed {
        /// `result`, `error`, or the output field (stage) that differs.
        stage: String,
        /// What the case expects at that stage.
        expected: String,
        /// What the implementation gave.
        actual: String,
    },
    /// Failed, but an expectations entry names it as a known deviation.
    #[serde(rename = "expected-failure")]
    ExpectedFailure {
        /// The reason the expectations file gives.
        reason: String,
        /// The stage that diverged.
        stage: String,
        /// What the case expects at that stage.
        expected: String,
        /// What the implementation gave.
        actual: String,
    },
    /// Not run: withdrawn, or unsupported by the implementation.
    Skipped {
        /// Why.
        reason: String,
    },
}

/// One graded case.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CaseReport {
    /// The case id.
    pub id: String,
    /// The case op.
    pub op: String,
    /// The grade.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// What the case's verdict rests on (its `basis`), so a failure names the page
    /// sentence or the standard it departs from.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub basis: Vec<String>,
    /// The `bugType` of each of the case's flags: what kind of fault failing it is.
    #[serde(rename = "bugTypes", skip_serializing_if = "Vec::is_empty")]
    pub bug_types: Vec<String>,
}

/// Counts for one scheme.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Cases in the file(s).
    pub cases: usize,
    /// Graded passed.
    pub passed: usize,
    /// Graded failed.
    pub failed: usize,
    /// Graded acceptable.
    pub acceptable: usize,
    /// Not run.
    pub skipped: usize,
    /// Failed as an expectations file says they will.
    pub expected_failures: usize,
}

impl Summary {
    fn add(&mut self, outcome: &Outcome) {
        self.cases += 1;
        match outcome {
            Outcome::Passed => self.passed += 1,
            Outcome::Acceptable { .. } => self.acceptable += 1,
            Outcome::Failed { .. } => self.failed += 1,
            Outcome::Skipped { .. } => self.skipped += 1,
            Outcome::ExpectedFailure { .. } => self.expected_failures += 1,
        }
    }

    fn merge(&mut self, other: &Summary) {
        self.cases += other.cases;
        self.passed += other.passed;
        self.failed += other.failed;
        self.acceptable += other.acceptable;
        self.skipped += other.skipped;
        self.expected_failures += other.expected_failures;
    }
}

/// The graded cases of one scheme.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SchemeReport {
    /// The scheme slug.
    pub scheme: String,
    /// The files its cases came from.
    pub files: Vec<PathBuf>,
    /// The counts.
    pub summary: Summary,
    /// Every case, in file order.
    pub cases: Vec<CaseReport>,
}

/// A whole run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// The implementation checked.
    pub implementation: String,
    /// The profile that graded the run: under `conformance` the `hardened` cases are
    /// graded `acceptable`, under `hardened` they must pass.
    pub profile: Profile,
    /// Per scheme, sorted by slug.
    pub schemes: Vec<SchemeReport>,
}

impl Report {
    /// The counts over every scheme.
    pub fn total(&self) -> Summary {
        let mut t = Summary::default();
        for s in &self.schemes {
            t.merge(&s.summary);
        }
        t
    }

    /// True when no case failed.
    pub fn conformant(&self) -> bool {
        self.total().failed == 0
    }

    /// Every failed case, with its scheme.
    pub fn failures(&self) -> impl Iterator<Item = &CaseReport> {
        self.schemes
            .iter()
            .flat_map(|s| s.cases.iter())
            .filter(|c| matches!(c.outcome, Outcome::Failed { .. }))
    }
}

/// Known deviations: case-id glob → reason (the `--expectations` file).
#[derive(Clone, Debug, Default)]
pub struct Expectations {
    entries: Vec<(String, String)>,
}

/// What applying [`Expectations`] found besides the expected failures.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExpectationsApplied {
    /// Globs that matched no case of the run (stale entries: an error).
    pub unmatched: Vec<String>,
    /// Cases named as known deviations that passed (the entry can go).
    pub unexpected_passes: Vec<(String, String)>,
}

impl Expectations {
    /// Parses the JSON object `{"<glob>": "<reason>", ...}`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let serde_json::Value::Object(map) = v else {
            return Err("must be a JSON object mapping case-id globs to reasons".into());
        };
        let mut entries = Vec::with_capacity(map.len());
        for (glob, reason) in map {
            match reason {
                serde_json::Value::String(r) if !r.trim().is_empty() => entries.push((glob, r)),
                _ => {
                    return Err(format!(
                        "entry `{glob}`: the reason must be a non-empty string"
                    ));
                }
            }
        }
        Ok(Self { entries })
    }

    /// Marks failed cases matching an entry as expected failures; reports stale
    /// entries and matched cases that passed.
    pub fn apply(&self, report: &mut Report) -> ExpectationsApplied {
        let mut used = vec![false; self.entries.len()];
        let mut applied = ExpectationsApplied::default();
        for scheme in &mut report.schemes {
            for case in &mut scheme.cases {
                let Some(i) = self
                    .entries
                    .iter()
                    .position(|(g, _)| glob_match(g, &case.id))
                else {
                    continue;
                };
                used[i] = true;
                let reason = self.entries[i].1.clone();
                match std::mem::replace(&mut case.outcome, Outcome::Passed) {
                    Outcome::Failed {
                        stage,
                        expected,
                        actual,
                    } => {
                        case.outcome = Outcome::ExpectedFailure {
                            reason,
                            stage,
                            expected,
                            actual,
                        };
                    }
                    Outcome::Passed => applied.unexpected_passes.push((case.id.clone(), reason)),
                    other => case.outcome = other,
                }
            }
            let mut summary = Summary::default();
            for case in &scheme.cases {
                summary.add(&case.outcome);
            }
            scheme.summary = summary;
        }
        applied.unmatched = self
            .entries
            .iter()
            .zip(used)
            .filter(|(_, u)| !u)
            .map(|((g, _), _)| g.clone())
            .collect();
        applied
    }
}

/// Which cases to run.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Only these schemes (exact slugs, or a group such as `primitives`); all when empty.
    pub schemes: Vec<String>,
    /// Only case ids matching this glob (`*` and `?`).
    pub filter: Option<String>,
}

impl Selection {
    /// Does this selection take scheme `slug`?
    pub fn takes_scheme(&self, slug: &str) -> bool {
        self.schemes.is_empty()
            || self.schemes.iter().any(|s| {
                s == slug
                    || slug
                        .strip_prefix(s.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            })
    }

    /// Does this selection take case `id`?
    pub fn takes_case(&self, id: &str) -> bool {
        self.filter.as_deref().is_none_or(|g| glob_match(g, id))
    }
}

/// A `*` / `?` glob match over the whole string.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Runs the selected cases of `files` through `imp` and grades them under the
/// `conformance` profile ([`run_profile`] with [`Profile::Conformance`]). A case whose
/// input the implementation reports as malformed ([`Answer::BadInput`]) is a fault of the
/// vector file and stops the run with a [`LoadError`] naming file, case and field.
pub fn run(
    files: &[LoadedFile],
    imp: &mut dyn Implementation,
    strictness: Strictness,
    selection: &Selection,
    progress: impl FnMut(&str, &CaseReport),
) -> Result<Report, LoadError> {
    run_profile(
        files,
        imp,
        strictness,
        Profile::Conformance,
        selection,
        progress,
    )
}

/// [`run`] under a chosen profile: with [`Profile::Hardened`] the files' `hardened`
/// cases are graded by their `result` (must-pass); with [`Profile::Conformance`] they
/// are graded `acceptable` for another implementation and held exactly (still reported
/// `acceptable`) for the reference. The report records the profile.
pub fn run_profile(
    files: &[LoadedFile],
    imp: &mut dyn Implementation,
    strictness: Strictness,
    profile: Profile,
    selection: &Selection,
    mut progress: impl FnMut(&str, &CaseReport),
) -> Result<Report, LoadError> {
    let mut by_scheme: BTreeMap<String, SchemeReport> = BTreeMap::new();
    for loaded in files {
        let scheme = &loaded.file.scheme;
        if !selection.takes_scheme(scheme) {
            continue;
        }
        for case in &loaded.file.cases {
            if !selection.takes_case(&case.id) {
                continue;
            }
            let entry = by_scheme
                .entry(scheme.clone())
                .or_insert_with(|| SchemeReport {
                    scheme: scheme.clone(),
                    files: Vec::new(),
                    summary: Summary::default(),
                    cases: Vec::new(),
                });
            if entry.files.last() != Some(&loaded.path) {
                entry.files.push(loaded.path.clone());
            }
            let outcome = if case.withdrawn {
                Outcome::Skipped {
                    reason: "withdrawn".into(),
                }
            } else {
                match imp.answer(scheme, case) {
                    Answer::BadInput { field, message } => {
                        return Err(LoadError {
                            file: loaded.path.clone(),
                            case: Some(case.id.clone()),
                            field: format!("input.{field}").trim_end_matches('.').to_owned(),
                            message,
                        });
                    }
                    answer => grade_profile(case, &answer, strictness, profile),
                }
            };
            let mut bug_types: Vec<String> = case
                .flags
                .iter()
                .filter_map(|f| loaded.file.flags.get(f)?.get("bugType")?.as_str())
                .chain(case.basis.iter().filter_map(|b| {
                    let id = b.strip_prefix("hardened:")?;
                    loaded.file.hardened.get(id)?.get("bugType")?.as_str()
                }))
                .map(str::to_owned)
                .collect();
            bug_types.sort();
            bug_types.dedup();
            let report = CaseReport {
                id: case.id.clone(),
                op: case.op.clone(),
                outcome,
                basis: case.basis.clone(),
                bug_types,
            };
            entry.summary.add(&report.outcome);
            progress(scheme, &report);
            entry.cases.push(report);
        }
    }
    Ok(Report {
        implementation: imp.name(),
        profile,
        schemes: by_scheme.into_values().collect(),
    })
}

fn show(v: &Value) -> String {
    v.to_string()
}

fn describe(answer: &Answer) -> String {
    match answer {
        Answer::Output(_) => "valid (an output)".into(),
        Answer::Error { code, message } => format!("invalid: {code} ({message})"),
        Answer::Unsupported(r) => format!("unsupported: {r}"),
        Answer::BadInput { field, message } => format!("bad input `{field}`: {message}"),
        Answer::Broken(r) => format!("broken: {r}"),
    }
}

/// Removes every object member whose value is `null`, at any depth (a `null` member
/// and an absent one are the same under [`Compare::Json`]).
fn drop_nulls(v: &Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, x)| !x.is_null())
                .map(|(k, x)| (k.clone(), drop_nulls(x)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(drop_nulls).collect()),
        other => other.clone(),
    }
}

/// The `[name, value]` pairs of a header list, or `None` when it is not one.
fn header_pairs(v: &Value) -> Option<Vec<(String, &Value)>> {
    v.as_array()?
        .iter()
        .map(|pair| match pair.as_array()?.as_slice() {
            [Value::String(name), value] => Some((name.to_ascii_lowercase(), value)),
            _ => None,
        })
        .collect()
}

/// [`Compare::Headers`]: for every field name `want` has, `got` has the same values
/// under that name (any case), in the same order; other names in `got` are ignored.
fn headers_match(want: &Value, got: &Value) -> bool {
    let (Some(want), Some(got)) = (header_pairs(want), header_pairs(got)) else {
        return false;
    };
    want.iter().all(|(name, _)| {
        let values = |pairs: &[(String, &Value)]| -> Vec<Value> {
            pairs
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, v)| (*v).clone())
                .collect()
        };
        values(&want) == values(&got)
    })
}

/// Does `got` equal `want` under `how`? A JSON-compared string stage is parsed as JSON
/// text on both sides (text that does not parse never matches).
fn stage_matches(want: &Value, got: &Value, how: Compare) -> bool {
    match how {
        Compare::Exact => want == got,
        Compare::Headers => headers_match(want, got),
        Compare::Json => {
            let parsed = |v: &Value| match v {
                Value::String(text) => serde_json::from_str::<Value>(text).ok(),
                other => Some(other.clone()),
            };
            match (parsed(want), parsed(got)) {
                // Object equality ignores member order (serde_json's map comparison).
                (Some(w), Some(g)) => drop_nulls(&w) == drop_nulls(&g),
                _ => false,
            }
        }
    }
}

/// Compares the stages of `expected` with `actual`, in the expected object's order;
/// `compare` says how each stage is compared (exact when absent).
fn compare_output(
    expected: &Value,
    actual: &Value,
    compare: &BTreeMap<String, Compare>,
) -> Option<Outcome> {
    let (Some(exp), Some(act)) = (expected.as_object(), actual.as_object()) else {
        return (expected != actual).then(|| Outcome::Failed {
            stage: "output".into(),
            expected: show(expected),
            actual: show(actual),
        });
    };
    for (stage, want) in exp {
        let got = act.get(stage).unwrap_or(&Value::Null);
        let how = compare.get(stage).copied().unwrap_or(Compare::Exact);
        if !stage_matches(want, got, how) {
            return Some(Outcome::Failed {
                stage: stage.clone(),
                expected: show(want),
                actual: if act.contains_key(stage) {
                    show(got)
                } else {
                    "(missing)".into()
                },
            });
        }
    }
    None
}

/// The JSON type of `v`, for messages.
fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Blanks the member at `path` (segments after the stage; `*` is every index or member)
/// in both `want` and `got` once `got` holds a value of the same JSON type there
/// (non-empty when `want` is a non-empty string). JSON text met on the way is parsed
/// on both sides. `Err` says where `got` does not fit.
fn blank_free(want: &mut Value, got: &mut Value, path: &[&str], at: &str) -> Result<(), String> {
    let Some((first, rest)) = path.split_first() else {
        if want.is_null() {
            // No value expected here (a refusal has no message id): compared as usual.
            return Ok(());
        }
        let fits = match (&*want, &*got) {
            (Value::String(w), Value::String(g)) => w.is_empty() || !g.is_empty(),
            (w, g) => json_type(w) == json_type(g),
        };
        if !fits {
            return Err(format!(
                "{at}: {} expected{}, found {}",
                json_type(want),
                if want.as_str().is_some_and(|w| !w.is_empty()) {
                    " (not empty; its value is the server's choice)"
                } else {
                    ""
                },
                json_type(got)
            ));
        }
        *want = Value::Null;
        *got = Value::Null;
        return Ok(());
    };
    if let (Value::String(w), Value::String(g)) = (&*want, &*got) {
        let (Ok(w), Ok(g)) = (serde_json::from_str(w), serde_json::from_str(g)) else {
            return Err(format!("{at}: not JSON text"));
        };
        *want = w;
        *got = g;
    }
    let keys: Vec<String> = match (&*want, *first) {
        (Value::Array(items), "*") => (0..items.len()).map(|i| i.to_string()).collect(),
        (Value::Object(map), "*") => map.keys().cloned().collect(),
        _ => vec![(*first).to_owned()],
    };
    for key in keys {
        let here = format!("{at}/{key}");
        let (w, g) = match (&mut *want, &mut *got) {
            (Value::Array(ws), Value::Array(gs)) => {
                let Ok(i) = key.parse::<usize>() else {
                    continue;
                };
                (ws.get_mut(i), gs.get_mut(i))
            }
            (Value::Object(ws), Value::Object(gs)) => (ws.get_mut(&key), gs.get_mut(&key)),
            _ => continue,
        };
        match (w, g) {
            (Some(w), Some(g)) => blank_free(w, g, rest, &here)?,
            (Some(w), None) if !w.is_null() => {
                return Err(format!("{here}: missing"));
            }
            // Absent in the expectation, or a null the answer may leave out: the normal
            // comparison decides.
            _ => {}
        }
    }
    Ok(())
}

/// `expected` and `actual` with every `free` member blanked, or the failure naming
/// where the answer does not fit.
fn without_free(
    expected: &Value,
    actual: &Value,
    free: &[String],
) -> Result<(Value, Value), Outcome> {
    let (mut want, mut got) = (expected.clone(), actual.clone());
    for path in free {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        if let Err(why) = blank_free(&mut want, &mut got, &segments, "") {
            return Err(Outcome::Failed {
                stage: segments[0].to_owned(),
                expected: format!("a server-chosen value at {path}"),
                actual: why,
            });
        }
    }
    Ok((want, got))
}

/// Compares one expected output with an answer under the case's `compare` and `free`.
fn compare_relaxed(expected: &Value, actual: &Value, case: &Case) -> Option<Outcome> {
    match without_free(expected, actual, &case.expect.free) {
        Ok((want, got)) => compare_output(&want, &got, &case.expect.compare),
        Err(failure) => Some(failure),
    }
}

/// Grades an output of a `valid` case: exactly `output` for the reference; for
/// another implementation `output` under the case's `compare` rules, or any of its
/// `equivalent` outputs. A failure names the first diverging stage of `output`.
fn grade_valid_output(case: &Case, out: &Value, strictness: Strictness) -> Outcome {
    let e = &case.expect;
    let want = e.output.as_ref().unwrap_or(&Value::Null);
    if strictness == Strictness::Reference {
        return compare_output(want, out, &BTreeMap::new()).unwrap_or(Outcome::Passed);
    }
    let Some(failure) = compare_relaxed(want, out, case) else {
        return Outcome::Passed;
    };
    if e.equivalent
        .iter()
        .any(|eq| compare_relaxed(&eq.output, out, case).is_none())
    {
        return Outcome::Passed;
    }
    failure
}

/// Grades one answer against one case under the `conformance` profile
/// ([`grade_profile`] with [`Profile::Conformance`]).
pub fn grade(case: &Case, answer: &Answer, strictness: Strictness) -> Outcome {
    grade_profile(case, answer, strictness, Profile::Conformance)
}

/// Grades one answer against one case under `profile`. A `hardened` case graded under
/// [`Profile::Conformance`] is `acceptable` whatever another implementation answers (a
/// crash or a hang still fails), while the reference must still give exactly its
/// `result`; under [`Profile::Hardened`] it is graded like any `valid` / `invalid` case.
pub fn grade_profile(
    case: &Case,
    answer: &Answer,
    strictness: Strictness,
    profile: Profile,
) -> Outcome {
    let outcome = grade_case(case, answer, strictness);
    if case.profile != Profile::Hardened || profile == Profile::Hardened {
        return outcome;
    }
    let must_pass_note = "a hardened case: must-pass only under --profile hardened";
    match (strictness, outcome) {
        (_, skipped @ Outcome::Skipped { .. }) => skipped,
        (Strictness::Reference, Outcome::Passed) => Outcome::Acceptable {
            note: format!("as documented ({must_pass_note})"),
        },
        (Strictness::Reference, other) => other,
        (Strictness::Conformance, _) => match answer {
            Answer::Output(_) => Outcome::Acceptable {
                note: format!("accepted ({must_pass_note})"),
            },
            Answer::Error { code, .. } => Outcome::Acceptable {
                note: format!("rejected with {code} ({must_pass_note})"),
            },
            _ => Outcome::Failed {
                stage: "result".into(),
                expected: "valid or invalid".into(),
                actual: describe(answer),
            },
        },
    }
}

/// Grades one answer against one case by its own verdict (no profile applied).
fn grade_case(case: &Case, answer: &Answer, strictness: Strictness) -> Outcome {
    let e = &case.expect;
    if let Answer::Unsupported(reason) = answer {
        return Outcome::Skipped {
            reason: format!("unsupported: {reason}"),
        };
    }
    let failed = |stage: &str, expected: String| Outcome::Failed {
        stage: stage.into(),
        expected,
        actual: describe(answer),
    };
    match e.result {
        Verdict::Valid => match answer {
            Answer::Output(out) => grade_valid_output(case, out, strictness),
            _ => failed("result", "valid".into()),
        },
        Verdict::Invalid => {
            let want = e.error.as_deref().unwrap_or("");
            match answer {
                Answer::Error { code, .. } if code == want => Outcome::Passed,
                Answer::Error { code, .. } if e.alternatives.iter().any(|a| a == code) => {
                    Outcome::Acceptable {
                        note: format!("failed with {code}, an alternative to {want}"),
                    }
                }
                Answer::Error { .. } => failed("error", want.to_owned()),
                _ => failed("result", format!("invalid: {want}")),
            }
        }
        Verdict::Acceptable => {
            let accepted = |note: String| Outcome::Acceptable { note };
            match (strictness, e.reference, answer) {
                (Strictness::Conformance, _, Answer::Output(_)) => accepted("accepted".into()),
                (Strictness::Conformance, _, Answer::Error { code, .. }) => {
                    accepted(format!("rejected with {code}"))
                }
                (Strictness::Reference, Some(Verdict::Valid), Answer::Output(out)) => {
                    match &e.output {
                        Some(want) => compare_output(want, out, &BTreeMap::new())
                            .unwrap_or_else(|| accepted("accepted, as documented".into())),
                        None => accepted("accepted, as documented".into()),
                    }
                }
                (Strictness::Reference, Some(Verdict::Invalid), Answer::Error { code, .. })
                    if Some(code.as_str()) == e.error.as_deref() =>
                {
                    accepted(format!("rejected with {code}, as documented"))
                }
                (Strictness::Reference, Some(Verdict::Invalid), _) => failed(
                    "reference",
                    format!(
                        "invalid: {} (what `expect.reference` documents)",
                        e.error.as_deref().unwrap_or("")
                    ),
                ),
                (Strictness::Reference, _, _) => failed(
                    "reference",
                    "valid (what `expect.reference` documents)".into(),
                ),
                (Strictness::Conformance, _, _) => failed("result", "valid or invalid".into()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob() {
        assert!(glob_match("signupto-*/sign/*", "signupto-hash/sign/001"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("a*d", "abc"));
        assert!(glob_match("*/verify/0*", "x/verify/012"));
    }

    #[test]
    fn selection_groups() {
        let s = Selection {
            schemes: vec!["primitives".into()],
            filter: None,
        };
        assert!(s.takes_scheme(crate::registry::primitives::SHA1));
        assert!(!s.takes_scheme("primitives-x"));
        assert!(!s.takes_scheme(crate::schemes::signupto::HASH_SLUG));
    }

    fn case(expect: serde_json::Value) -> Case {
        serde_json::from_value(serde_json::json!({
            "id": "x/build/001", "op": "build", "input": {}, "expect": expect
        }))
        .unwrap()
    }

    fn out(v: serde_json::Value) -> Answer {
        Answer::Output(v)
    }

    #[test]
    fn json_stage_ignores_order_whitespace_escapes_and_nulls_for_others_only() {
        let c = case(serde_json::json!({
            "result": "valid",
            "output": {"target": "/a", "body": "{\"A\":\"é\",\"B\":[1,{\"C\":2}]}"},
            "compare": {"body": "json"}
        }));
        // Member order, white space, an ASCII escape and a null member: all the same JSON.
        let other = out(serde_json::json!({
            "target": "/a",
            "body": "{\"B\": [1, {\"D\": null, \"C\": 2}], \"A\": \"\\u00e9\", \"E\": null}"
        }));
        assert_eq!(grade(&c, &other, Strictness::Conformance), Outcome::Passed);
        // The reference is held to the exact bytes.
        assert!(matches!(
            grade(&c, &other, Strictness::Reference),
            Outcome::Failed { ref stage, .. } if stage == "body"
        ));
        // A different value still fails, naming the stage; so does text that is not JSON.
        for body in ["{\"A\":\"e\",\"B\":[1,{\"C\":2}]}", "{\"A\":"] {
            let wrong = out(serde_json::json!({"target": "/a", "body": body}));
            assert!(matches!(
                grade(&c, &wrong, Strictness::Conformance),
                Outcome::Failed { ref stage, .. } if stage == "body"
            ));
        }
        // Stages not named in `compare` stay exact.
        let wrong_target = out(serde_json::json!({"target": "/a/", "body": "{}"}));
        assert!(matches!(
            grade(&c, &wrong_target, Strictness::Conformance),
            Outcome::Failed { ref stage, .. } if stage == "target"
        ));
    }

    #[test]
    fn an_equivalent_output_passes_others_but_not_the_reference() {
        let c = case(serde_json::json!({
            "result": "valid",
            "output": {"status": 200, "response": [{"errorMsg": "x", "MessageSentId": 0}]},
            "equivalent": [{
                "output": {"status": 200, "response": [{"errorMsg": "y"}]},
                "basis": ["page:https://example.com/p \"y\""]
            }]
        }));
        let page = out(serde_json::json!({"status": 200, "response": [{"errorMsg": "y"}]}));
        assert_eq!(grade(&c, &page, Strictness::Conformance), Outcome::Passed);
        assert!(matches!(
            grade(&c, &page, Strictness::Reference),
            Outcome::Failed { .. }
        ));
        let neither = out(serde_json::json!({"status": 200, "response": [{"errorMsg": "z"}]}));
        match grade(&c, &neither, Strictness::Conformance) {
            // The failure is reported against `output`, the first expectation.
            Outcome::Failed { stage, .. } => assert_eq!(stage, "response"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn header_stage_ignores_name_case_and_order_across_names_and_extra_fields() {
        let c = case(serde_json::json!({
            "result": "valid",
            "output": {"headers": [["Date", "d"], ["X-A", "1"], ["X-A", "2"], ["Authorization", "s"]]},
            "compare": {"headers": "headers"}
        }));
        let grade_headers = |h: serde_json::Value| {
            grade(
                &c,
                &out(serde_json::json!({"headers": h})),
                Strictness::Conformance,
            )
        };
        assert_eq!(
            grade_headers(serde_json::json!([
                ["authorization", "s"],
                ["Accept", "*/*"],
                ["x-a", "1"],
                ["DATE", "d"],
                ["X-A", "2"]
            ])),
            Outcome::Passed
        );
        for wrong in [
            // a value differs, the order of one name's fields changed, a field is
            // missing, one is doubled, the shape is not a header list
            serde_json::json!([
                ["Date", "d"],
                ["X-A", "1"],
                ["X-A", "2"],
                ["Authorization", "t"]
            ]),
            serde_json::json!([
                ["Date", "d"],
                ["X-A", "2"],
                ["X-A", "1"],
                ["Authorization", "s"]
            ]),
            serde_json::json!([["Date", "d"], ["X-A", "1"], ["X-A", "2"]]),
            serde_json::json!([
                ["Date", "d"],
                ["X-A", "1"],
                ["X-A", "2"],
                ["Authorization", "s"],
                ["Authorization", "s"]
            ]),
            serde_json::json!({"Date": "d"}),
        ] {
            assert!(
                matches!(grade_headers(wrong.clone()), Outcome::Failed { ref stage, .. } if stage == "headers"),
                "{wrong}"
            );
        }
        // The reference keeps the exact list.
        let reordered = out(serde_json::json!({"headers":
            [["X-A", "1"], ["X-A", "2"], ["Date", "d"], ["Authorization", "s"]]}));
        assert!(matches!(
            grade(&c, &reordered, Strictness::Reference),
            Outcome::Failed { .. }
        ));
    }

    #[test]
    fn free_members_need_a_value_of_their_type_but_not_the_same_value() {
        let c = case(serde_json::json!({
            "result": "valid",
            "output": {"status": 200, "response": [
                {"errorMsg": "OK 1 messages queued for sending", "MessageId": "1469.20250704.1-ab"},
                {"errorMsg": "Data is not valid, no messages sent", "MessageId": null}
            ]},
            "compare": {"response": "json"},
            "free": ["/response/*/MessageId"]
        }));
        let answer = |first: serde_json::Value| {
            let mut element = serde_json::json!({"errorMsg": "OK 1 messages queued for sending"});
            if !first.is_null() {
                element["MessageId"] = first;
            }
            out(serde_json::json!({"status": 200, "response": [
                element,
                {"errorMsg": "Data is not valid, no messages sent"}
            ]}))
        };
        // Another id of the server's choosing passes ...
        assert_eq!(
            grade(&c, &answer("x-42".into()), Strictness::Conformance),
            Outcome::Passed
        );
        // ... no id, an empty one or a number does not, naming where.
        for bad in [serde_json::Value::Null, "".into(), 42.into()] {
            match grade(&c, &answer(bad.clone()), Strictness::Conformance) {
                Outcome::Failed { stage, actual, .. } => {
                    assert_eq!(stage, "response");
                    assert!(actual.contains("/response/0/MessageId"), "{actual}");
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
        // The refusal's null stays compared: an id there is a difference.
        let mut both = answer("x-42".into());
        if let Answer::Output(v) = &mut both {
            v["response"][1]["MessageId"] = "y".into();
        }
        assert!(matches!(
            grade(&c, &both, Strictness::Conformance),
            Outcome::Failed { .. }
        ));
        // Other members are still compared.
        let wrong = out(serde_json::json!({"status": 200, "response": [
            {"errorMsg": "OK", "MessageId": "x"},
            {"errorMsg": "Data is not valid, no messages sent"}
        ]}));
        assert!(matches!(
            grade(&c, &wrong, Strictness::Conformance),
            Outcome::Failed { .. }
        ));
        // The reference is held to the exact id.
        assert!(matches!(
            grade(&c, &answer("x-42".into()), Strictness::Reference),
            Outcome::Failed { .. }
        ));
    }

    #[test]
    fn a_hardened_case_is_acceptable_under_conformance_and_must_pass_under_hardened() {
        let c: Case = serde_json::from_value(serde_json::json!({
            "id": "x/verify/001", "op": "verify", "profile": "hardened",
            "basis": ["hardened:NONCE_LENGTH"], "input": {},
            "expect": {"result": "invalid", "error": "GA2004"}
        }))
        .unwrap();
        let refused = Answer::Error {
            code: "GA2004".into(),
            message: "m".into(),
        };
        let accepted = out(serde_json::json!({"api_key": "k"}));
        let wrong_code = Answer::Error {
            code: "GA2012".into(),
            message: "m".into(),
        };
        let acceptable = |o: &Outcome| matches!(o, Outcome::Acceptable { .. });
        let failed = |o: &Outcome| matches!(o, Outcome::Failed { .. });
        // Conformance, another implementation: either outcome conforms; a crash does not.
        for a in [&refused, &accepted, &wrong_code] {
            let o = grade_profile(&c, a, Strictness::Conformance, Profile::Conformance);
            assert!(acceptable(&o), "{a:?}: {o:?}");
        }
        assert!(failed(&grade_profile(
            &c,
            &Answer::Broken("crash".into()),
            Strictness::Conformance,
            Profile::Conformance
        )));
        // The default `grade` is the conformance profile.
        assert!(acceptable(&grade(&c, &accepted, Strictness::Conformance)));
        // Conformance, the reference: still exact, reported acceptable.
        assert!(acceptable(&grade_profile(
            &c,
            &refused,
            Strictness::Reference,
            Profile::Conformance
        )));
        for a in [&accepted, &wrong_code] {
            assert!(failed(&grade_profile(
                &c,
                a,
                Strictness::Reference,
                Profile::Conformance
            )));
        }
        // Hardened: must pass, for everybody.
        for s in [Strictness::Conformance, Strictness::Reference] {
            assert_eq!(
                grade_profile(&c, &refused, s, Profile::Hardened),
                Outcome::Passed
            );
            assert!(failed(&grade_profile(&c, &accepted, s, Profile::Hardened)));
            assert!(failed(&grade_profile(
                &c,
                &wrong_code,
                s,
                Profile::Hardened
            )));
        }
        // A conformance case is graded the same under both profiles.
        let plain = case(serde_json::json!({"result": "invalid", "error": "GA2004"}));
        for p in Profile::ALL {
            assert!(failed(&grade_profile(
                &plain,
                &accepted,
                Strictness::Conformance,
                p
            )));
        }
    }

    #[test]
    fn profile_names() {
        assert_eq!("hardened".parse::<Profile>(), Ok(Profile::Hardened));
        assert_eq!("conformance".parse::<Profile>(), Ok(Profile::Conformance));
        let e = "strict".parse::<Profile>().unwrap_err();
        assert!(e.contains("conformance") && e.contains("hardened"), "{e}");
        assert_eq!(Profile::default(), Profile::Conformance);
    }
}
