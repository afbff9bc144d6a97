//! Loading vector files, with errors that name the file, the case and the field.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::model::{BUG_TYPES, Case, FORMAT_VERSION, Profile, VectorFile, Verdict};

/// A vector file that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// The file.
    pub file: PathBuf,
    /// The case id, when the fault is inside a case (or its index when the id is unusable).
    pub case: Option<String>,
    /// The field at fault (a dotted path).
    pub field: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(case) = &self.case {
            write!(f, ": case `{case}`")?;
        }
        write!(f, ": field `{}`: {}", self.field, self.message)
    }
}

impl std::error::Error for LoadError {}

/// A loaded, checked file.
#[derive(Debug, Clone)]
pub struct LoadedFile {
    /// Where it came from.
    pub path: PathBuf,
    /// Its content.
    pub file: VectorFile,
}

/// Parses and checks one vector file's text.
pub fn parse_file(path: &Path, text: &str) -> Result<VectorFile, LoadError> {
    let err = |case: Option<String>, field: &str, message: String| LoadError {
        file: path.to_owned(),
        case,
        field: field.to_owned(),
        message,
    };
    let root: Value = serde_json::from_str(text)
        .map_err(|e| err(None, "(file)", format!("not valid JSON: {e}")))?;
    let Value::Object(mut root) = root else {
        return Err(err(
            None,
            "(file)",
            "the top level must be a JSON object".into(),
        ));
    };
    match root.get("formatVersion") {
        Some(Value::Number(n)) if n.as_u64() == Some(FORMAT_VERSION) => {}
        Some(other) => {
            return Err(err(
                None,
                "formatVersion",
                format!("this reader knows format version {FORMAT_VERSION}, the file says {other}"),
            ));
        }
        None => {
            return Err(err(
                None,
                "formatVersion",
                format!("missing; add \"formatVersion\": {FORMAT_VERSION}"),
            ));
        }
    }
    let Some(Value::Array(raw_cases)) = root.remove("cases") else {
        return Err(err(None, "cases", "missing or not an array".into()));
    };
    root.insert("cases".into(), Value::Array(Vec::new()));
    if let Some(path) = first_big_integer(&Value::Object(root.clone()), "") {
        return Err(err(None, path.trim_start_matches('.'), BIG_INTEGER.into()));
    }
    let mut file: VectorFile = serde_json::from_value(Value::Object(root))
        .map_err(|e| err(None, "(top level)", e.to_string()))?;

    let mut seen = HashSet::new();
    let raw_count = raw_cases.len();
    for (index, raw) in raw_cases.into_iter().enumerate() {
        let label = match raw.get("id") {
            Some(Value::String(id)) => id.clone(),
            _ => format!("#{index} (no id)"),
        };
        precheck(&raw).map_err(|(field, message)| err(Some(label.clone()), field, message))?;
        if let Some(path) = first_big_integer(&raw, "") {
            return Err(err(
                Some(label.clone()),
                path.trim_start_matches('.'),
                BIG_INTEGER.into(),
            ));
        }
        let case: Case = serde_json::from_value(raw)
            .map_err(|e| err(Some(label.clone()), &field_of(&e), e.to_string()))?;
        check_case(&file, &case)
            .and_then(|()| check_basis(&file, &case))
            .map_err(|(field, message)| err(Some(label.clone()), field, message))?;
        if !seen.insert(case.id.clone()) {
            return Err(err(
                Some(label),
                "id",
                "this id appears twice in the file; ids are unique".into(),
            ));
        }
        file.cases.push(case);
    }
    check_file(&file, raw_count).map_err(|(field, message)| err(None, field, message))?;
    Ok(file)
}

const BIG_INTEGER: &str = "an integer beyond ±2^53 loses precision in JavaScript and in \
     untyped JSON decoders; write it as a string";

/// The path of the first integer whose magnitude exceeds 2^53, if any.
fn first_big_integer(v: &Value, path: &str) -> Option<String> {
    const LIMIT: u64 = 1 << 53;
    match v {
        Value::Number(n) => {
            let big = match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => u > LIMIT,
                (None, Some(i)) => i.unsigned_abs() > LIMIT,
                // A float: integral values that large are just as lossy.
                (None, None) => n
                    .as_f64()
                    .is_some_and(|f| f.fract() == 0.0 && f.abs() > LIMIT as f64),
            };
            big.then(|| path.to_owned())
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, x)| first_big_integer(x, &format!("{path}[{i}]"))),
        Value::Object(map) => map
            .iter()
            .find_map(|(k, x)| first_big_integer(x, &format!("{path}.{k}"))),
        _ => None,
    }
}

/// Checks of the top level: `numberOfTests`, flag entries, public sources.
fn check_file(file: &VectorFile, count: usize) -> Result<(), (&'static str, String)> {
    match file.number_of_tests {
        Some(n) if n == count as u64 => {}
        Some(n) => {
            return Err((
                "numberOfTests",
                format!("says {n}, the file holds {count} cases (withdrawn ones count)"),
            ));
        }
        None => {
            return Err((
                "numberOfTests",
                format!("missing; the file holds {count} cases"),
            ));
        }
    }
    for (name, entry) in &file.flags {
        let ok = entry.as_object().is_some_and(|o| {
            o.get("description")
                .and_then(Value::as_str)
                .is_some_and(|d| !d.trim().is_empty())
                && o.get("bugType")
                    .and_then(Value::as_str)
                    .is_some_and(|b| BUG_TYPES.contains(&b))
        });
        if !ok {
            return Err((
                "flags",
                format!(
                    "flag `{name}` must be {{\"description\": <text>, \"bugType\": <one of {}>}}",
                    BUG_TYPES.join(", ")
                ),
            ));
        }
    }
    for (id, entry) in &file.hardened {
        let text = |name: &str| {
            entry
                .get(name)
                .and_then(Value::as_str)
                .is_some_and(|d| !d.trim().is_empty())
        };
        let ok = entry.is_object()
            && text("description")
            && text("why")
            && entry
                .get("bugType")
                .and_then(Value::as_str)
                .is_some_and(|b| BUG_TYPES.contains(&b) && b != "SPEC_AMBIGUITY");
        if !ok {
            return Err((
                "hardened",
                format!(
                    "hardened property `{id}` must be {{\"description\": <text>, \"bugType\": <one of {} but SPEC_AMBIGUITY>, \"why\": <text>}}",
                    BUG_TYPES.join(", ")
                ),
            ));
        }
    }
    if let Some(bad) = file.sources.iter().find(|s| !s.starts_with("https://")) {
        return Err((
            "sources",
            format!("`{bad}` is not a public https:// URL; name the vendor page, not a local path"),
        ));
    }
    Ok(())
}

/// What kind of entry a `basis` entry is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum BasisKind {
    /// `decision:<ID>`: the project's choice, never a verdict on others.
    Decision,
    /// `hardened:<ID>`: a security property of the `hardened` profile.
    Hardened,
    /// A page or a standard: it decides.
    Decides,
}

/// What kind of `basis` entry `entry` is, or `None` when it is none of the forms.
fn basis_kind(entry: &str) -> Option<BasisKind> {
    if let Some(id) = entry.strip_prefix("decision:") {
        return (!id.is_empty()).then_some(BasisKind::Decision);
    }
    if let Some(id) = entry.strip_prefix("hardened:") {
        return (!id.is_empty()).then_some(BasisKind::Hardened);
    }
    if let Some(rest) = entry.strip_prefix("page:") {
        let (url, quote) = rest.split_once(' ')?;
        let quoted = quote.len() >= 3 && quote.starts_with('"') && quote.ends_with('"');
        return (url.starts_with("https://") && quoted).then_some(BasisKind::Decides);
    }
    if let Some(rest) = entry.strip_prefix("rfc") {
        let number = rest.split('#').next().unwrap_or("");
        return (!number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()))
            .then_some(BasisKind::Decides);
    }
    if let Some(rest) = entry.strip_prefix("fips") {
        return (!rest.is_empty()).then_some(BasisKind::Decides);
    }
    None
}

fn check_basis_list(
    file: &VectorFile,
    field: &'static str,
    basis: &[String],
    binding: bool,
    profile: Profile,
) -> Result<(), (&'static str, String)> {
    if basis.is_empty() {
        return Err((field, "missing: say what the verdict rests on".into()));
    }
    let mut decided = false;
    let mut hardened = false;
    for entry in basis {
        match basis_kind(entry) {
            None => {
                return Err((
                    field,
                    format!(
                        "`{entry}` is none of `page:<https URL> \"<quote>\"`, `rfc<N>#<section>`, \
                         `fips<N>`, `decision:<ID>`, `hardened:<ID>`"
                    ),
                ));
            }
            Some(BasisKind::Decision) => {
                let id = &entry["decision:".len()..];
                if !file.decisions.contains_key(id) {
                    return Err((
                        field,
                        format!("`{entry}`: `{id}` is not in the file's `decisions`"),
                    ));
                }
            }
            Some(BasisKind::Hardened) => {
                let id = &entry["hardened:".len()..];
                if profile != Profile::Hardened {
                    return Err((
                        field,
                        format!(
                            "`{entry}`: only a case with `\"profile\": \"hardened\"` rests on a hardened property; \
                             add the profile or name a page, a standard or a decision"
                        ),
                    ));
                }
                if !file.hardened.contains_key(id) {
                    return Err((
                        field,
                        format!(
                            "`{entry}`: `{id}` is not in the file's `hardened` table; add it there \
                             (`{{\"description\", \"bugType\", \"why\"}}`) or fix the id"
                        ),
                    ));
                }
                hardened = true;
            }
            Some(BasisKind::Decides) => decided = true,
        }
    }
    if profile == Profile::Hardened && !hardened {
        return Err((
            field,
            "a hardened case names the property it pins: add `hardened:<ID>` with an id of the \
             file's `hardened` table"
                .into(),
        ));
    }
    if binding && !decided && !hardened {
        return Err((
            field,
            "a valid or invalid verdict needs a page or a standard that decides it; \
             where only a decision decides, the case is `acceptable`"
                .into(),
        ));
    }
    Ok(())
}

/// Checks of one case: its `basis`, and the bases of its `equivalent` outputs.
fn check_basis(file: &VectorFile, case: &Case) -> Result<(), (&'static str, String)> {
    let binding = case.expect.result != Verdict::Acceptable;
    if case.profile == Profile::Hardened && !binding {
        return Err((
            "expect.result",
            "a hardened case is `valid` or `invalid`: the hardened profile grades it by its \
             result (the conformance profile already grades it as acceptable)"
                .into(),
        ));
    }
    check_basis_list(file, "basis", &case.basis, binding, case.profile)?;
    for eq in &case.expect.equivalent {
        check_basis_list(
            file,
            "expect.equivalent.basis",
            &eq.basis,
            true,
            Profile::Conformance,
        )?;
        if !eq.output.is_object() {
            return Err(("expect.equivalent.output", "must be an object".into()));
        }
    }
    for path in &case.expect.free {
        let stage = path
            .strip_prefix('/')
            .and_then(|p| p.split('/').next())
            .unwrap_or("");
        let named = case
            .expect
            .output
            .as_ref()
            .and_then(Value::as_object)
            .is_some_and(|o| o.contains_key(stage));
        if case.expect.result != Verdict::Valid || !named {
            return Err((
                "expect.free",
                format!(
                    "`{path}` must start with `/` and a stage of a valid case's `output` (e.g. `/response/*/MessageId`)"
                ),
            ));
        }
    }
    if !case.expect.equivalent.is_empty() && case.expect.result != Verdict::Valid {
        return Err((
            "expect.equivalent",
            "only valid cases have equivalent outputs".into(),
        ));
    }
    Ok(())
}

/// Checks the fields whose serde errors would not name them (types and enum values).
fn precheck(raw: &Value) -> Result<(), (&'static str, String)> {
    let Value::Object(case) = raw else {
        return Err(("(case)", "each case must be a JSON object".into()));
    };
    if !matches!(case.get("id"), Some(Value::String(_))) {
        return Err(("id", "missing or not a string".into()));
    }
    if !matches!(case.get("op"), Some(Value::String(_))) {
        return Err(("op", "missing or not a string".into()));
    }
    match case.get("profile") {
        None => {}
        Some(Value::String(p)) if p.parse::<Profile>().is_ok() => {}
        Some(other) => {
            return Err((
                "profile",
                format!(
                    "{other} is not a profile: write \"hardened\", or leave the field out for \
                     `conformance`"
                ),
            ));
        }
    }
    let Some(Value::Object(expect)) = case.get("expect") else {
        return Err(("expect", "missing or not an object".into()));
    };
    match expect.get("result").and_then(Value::as_str) {
        Some("valid" | "invalid" | "acceptable") => {}
        _ => {
            return Err((
                "expect.result",
                "must be \"valid\", \"invalid\" or \"acceptable\"".into(),
            ));
        }
    }
    match expect.get("reference") {
        None => {}
        Some(Value::String(r)) if r == "valid" || r == "invalid" => {}
        Some(_) => {
            return Err((
                "expect.reference",
                "must be \"valid\" or \"invalid\"".into(),
            ));
        }
    }
    Ok(())
}

/// Best-effort: the field a serde error is about (serde names it in backquotes).
fn field_of(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let named = |f: &str| text.contains(&format!("`{f}`"));
    for field in [
        "result",
        "output",
        "error",
        "alternatives",
        "reference",
        "compare",
        "free",
        "equivalent",
    ] {
        if named(field) {
            return format!("expect.{field}");
        }
    }
    for field in [
        "id",
        "op",
        "input",
        "expect",
        "flags",
        "comment",
        "withdrawn",
        "basis",
        "profile",
    ] {
        if named(field) {
            return field.to_owned();
        }
    }
    "(case)".to_owned()
}

fn check_case(file: &VectorFile, case: &Case) -> Result<(), (&'static str, String)> {
    let prefix = format!("{}/{}/", file.scheme, case.op);
    let Some(number) = case.id.strip_prefix(&prefix) else {
        return Err((
            "id",
            format!("must start with `{prefix}` (scheme, then op)"),
        ));
    };
    if number.len() != 3 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(("id", "must end in a three-digit number".into()));
    }
    if !case.input.is_object() {
        return Err(("input", "must be a JSON object".into()));
    }
    for flag in &case.flags {
        if !file.flags.contains_key(flag) {
            return Err((
                "flags",
                format!("flag `{flag}` is not defined in the file's `flags` object"),
            ));
        }
    }
    let e = &case.expect;
    let code_ok = |c: &str| {
        !c.is_empty()
            && c.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    };
    match e.result {
        Verdict::Valid => {
            if e.output.as_ref().is_none_or(|o| !o.is_object()) {
                return Err((
                    "expect.output",
                    "a valid case needs an `output` object".into(),
                ));
            }
            if e.error.is_some() || e.reference.is_some() || !e.alternatives.is_empty() {
                return Err(("expect", "a valid case has only `output`".into()));
            }
        }
        Verdict::Invalid => {
            match &e.error {
                Some(c) if code_ok(c) => {}
                _ => {
                    return Err((
                        "expect.error",
                        "an invalid case needs an `error` code (A-Z, 0-9, _)".into(),
                    ));
                }
            }
            if e.output.is_some() || e.reference.is_some() {
                return Err((
                    "expect",
                    "an invalid case has `error` (and `alternatives`), no `output` or `reference`"
                        .into(),
                ));
            }
            if let Some(bad) = e.alternatives.iter().find(|c| !code_ok(c)) {
                return Err((
                    "expect.alternatives",
                    format!("`{bad}` is not an error code"),
                ));
            }
        }
        Verdict::Acceptable => {
            if case.flags.is_empty() {
                return Err((
                    "flags",
                    "an acceptable case carries a flag saying why".into(),
                ));
            }
            match e.reference {
                Some(Verdict::Valid) => {
                    if e.error.is_some() {
                        return Err(("expect.error", "reference `valid` takes no `error`".into()));
                    }
                }
                Some(Verdict::Invalid) => match &e.error {
                    Some(c) if code_ok(c) => {}
                    _ => {
                        return Err((
                            "expect.error",
                            "reference `invalid` needs the `error` code the reference gives".into(),
                        ));
                    }
                },
                _ => {
                    return Err((
                        "expect.reference",
                        "an acceptable case says what the reference does: `valid` or `invalid`"
                            .into(),
                    ));
                }
            }
            if !e.alternatives.is_empty() {
                return Err((
                    "expect.alternatives",
                    "only invalid cases have alternatives".into(),
                ));
            }
        }
    }
    Ok(())
}

/// Loads one file from disk.
pub fn load_file(path: &Path) -> Result<VectorFile, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|e| LoadError {
        file: path.to_owned(),
        case: None,
        field: "(file)".into(),
        message: format!("cannot read: {e}"),
    })?;
    parse_file(path, &text)
}

/// Every vector file under `dir` (recursively, `*.json` except `schema.json`), sorted by
/// path.
pub fn load_dir(dir: &Path) -> Result<Vec<LoadedFile>, LoadError> {
    let mut paths = Vec::new();
    collect(dir, &mut paths).map_err(|e| LoadError {
        file: dir.to_owned(),
        case: None,
        field: "(directory)".into(),
        message: format!("cannot list: {e}"),
    })?;
    paths.sort();
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let file = load_file(&path)?;
        files.push(LoadedFile { path, file });
    }
    Ok(files)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json")
            && path.file_name().is_some_and(|n| n != "schema.json")
        {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A format-3 file with one case; `edit` changes the document before parsing.
    fn parse_v3(edit: impl FnOnce(&mut Value)) -> Result<VectorFile, LoadError> {
        let mut doc = serde_json::json!({
            "scheme": "x",
            "formatVersion": 3,
            "description": "d",
            "sources": ["https://example.com/page"],
            "numberOfTests": 1,
            "flags": {"F": {"description": "why", "bugType": "INTEROP"}},
            "decisions": {"D1": "what the reference does"},
            "cases": [{
                "id": "x/sign/001", "op": "sign", "comment": "c", "flags": [],
                "basis": ["page:https://example.com/page \"must\"", "decision:D1"],
                "input": {}, "expect": {"result": "invalid", "error": "E"}
            }]
        });
        edit(&mut doc);
        parse_file(Path::new("x.json"), &doc.to_string())
    }

    fn refused(edit: impl FnOnce(&mut Value), field: &str, words: &str) {
        let e = parse_v3(edit).expect_err("the file must be refused");
        assert_eq!(e.field, field, "{e}");
        assert!(e.message.contains(words), "{e}");
    }

    #[test]
    fn a_well_formed_format_2_file_loads() {
        let f = parse_v3(|_| {}).unwrap();
        assert_eq!(f.cases[0].basis.len(), 2);
        assert_eq!(f.number_of_tests, Some(1));
    }

    #[test]
    fn a_verdict_resting_on_a_decision_alone_is_refused() {
        refused(
            |d| d["cases"][0]["basis"] = serde_json::json!(["decision:D1"]),
            "basis",
            "acceptable",
        );
        // The same case as `acceptable` is fine.
        parse_v3(|d| {
            d["cases"][0]["basis"] = serde_json::json!(["decision:D1"]);
            d["cases"][0]["flags"] = serde_json::json!(["F"]);
            d["cases"][0]["expect"] =
                serde_json::json!({"result": "acceptable", "reference": "invalid", "error": "E"});
        })
        .unwrap();
    }

    #[test]
    fn basis_entries_are_checked() {
        refused(
            |d| d["cases"][0]["basis"] = serde_json::json!([]),
            "basis",
            "missing",
        );
        refused(
            |d| d["cases"][0]["basis"] = serde_json::json!(["the page says so"]),
            "basis",
            "none of",
        );
        refused(
            |d| d["cases"][0]["basis"] = serde_json::json!(["page:specs/x.txt \"q\""]),
            "basis",
            "none of",
        );
        refused(
            |d| d["cases"][0]["basis"] = serde_json::json!(["rfc9110#5.6.7", "decision:D9"]),
            "basis",
            "`D9` is not in the file's `decisions`",
        );
        parse_v3(|d| d["cases"][0]["basis"] = serde_json::json!(["rfc9110#5.6.7"])).unwrap();
    }

    #[test]
    fn file_level_rules_of_format_2() {
        refused(
            |d| d["numberOfTests"] = 2.into(),
            "numberOfTests",
            "holds 1",
        );
        refused(|d| d["flags"]["F"] = "just text".into(), "flags", "bugType");
        refused(
            |d| d["flags"]["F"]["bugType"] = "OOPS".into(),
            "flags",
            "bugType",
        );
        refused(
            |d| d["sources"] = serde_json::json!(["shared/specs/x.txt"]),
            "sources",
            "public",
        );
        refused(
            |d| d["cases"][0]["input"] = serde_json::json!({"cid": 9_007_199_254_740_993_u64}),
            "input.cid",
            "2^53",
        );
        // 2^53 itself is exact everywhere.
        parse_v3(|d| {
            d["cases"][0]["input"] = serde_json::json!({"cid": 9_007_199_254_740_992_u64})
        })
        .unwrap();
    }

    /// The one-case file as a hardened case resting on property `NONCE_AFTER_SIGNATURE`.
    fn hardened(d: &mut Value) {
        d["hardened"] = serde_json::json!({"NONCE_AFTER_SIGNATURE": {
            "description": "a nonce is recorded only after the signature verified",
            "bugType": "REPLAY",
            "why": "otherwise one forged request burns a client's nonce"
        }});
        d["cases"][0]["profile"] = "hardened".into();
        d["cases"][0]["basis"] =
            serde_json::json!(["hardened:NONCE_AFTER_SIGNATURE", "decision:D1"]);
    }

    #[test]
    fn a_hardened_case_names_a_property_of_the_files_table() {
        let f = parse_v3(hardened).unwrap();
        assert_eq!(f.cases[0].profile, Profile::Hardened);
        assert!(f.hardened.contains_key("NONCE_AFTER_SIGNATURE"));
        // An unknown id.
        refused(
            |d| {
                hardened(d);
                d["cases"][0]["basis"] = serde_json::json!(["hardened:NONCE_BEFORE"]);
            },
            "basis",
            "`NONCE_BEFORE` is not in the file's `hardened` table",
        );
        // A hardened case without any hardened entry (a page alone is not enough).
        refused(
            |d| {
                hardened(d);
                d["cases"][0]["basis"] =
                    serde_json::json!(["page:https://example.com/page \"must\""]);
            },
            "basis",
            "add `hardened:<ID>`",
        );
        // A hardened entry on a conformance case.
        refused(
            |d| {
                hardened(d);
                d["cases"][0].as_object_mut().unwrap().remove("profile");
            },
            "basis",
            "only a case with",
        );
        // A hardened case graded `acceptable` would never be must-pass.
        refused(
            |d| {
                hardened(d);
                d["cases"][0]["flags"] = serde_json::json!(["F"]);
                d["cases"][0]["expect"] = serde_json::json!({"result": "acceptable", "reference": "invalid", "error": "E"});
            },
            "expect.result",
            "valid` or `invalid",
        );
    }

    #[test]
    fn the_profile_field_and_the_hardened_table_are_checked() {
        refused(
            |d| {
                hardened(d);
                d["cases"][0]["profile"] = "strict".into();
            },
            "profile",
            "not a profile",
        );
        refused(
            |d| {
                hardened(d);
                d["cases"][0]["profile"] = 1.into();
            },
            "profile",
            "not a profile",
        );
        // `"profile": "conformance"` spelled out is the default.
        let f = parse_v3(|d| d["cases"][0]["profile"] = "conformance".into()).unwrap();
        assert_eq!(f.cases[0].profile, Profile::Conformance);
        for (member, value) in [
            ("why", serde_json::json!("")),
            ("bugType", serde_json::json!("SPEC_AMBIGUITY")),
            ("bugType", serde_json::json!("OOPS")),
            ("description", serde_json::Value::Null),
        ] {
            refused(
                |d| {
                    hardened(d);
                    d["hardened"]["NONCE_AFTER_SIGNATURE"][member] = value.clone();
                },
                "hardened",
                "must be",
            );
        }
    }

    #[test]
    fn a_format_2_file_is_refused_naming_the_version() {
        // Format 3 added profiles: a format-2 reader would grade a hardened case as
        // must-pass, so neither reads the other's files.
        let e = parse_v3(|d| d["formatVersion"] = 2.into()).unwrap_err();
        assert_eq!(e.field, "formatVersion");
        assert!(
            e.message
                .contains("knows format version 3, the file says 2"),
            "{}",
            e.message
        );
    }
}
