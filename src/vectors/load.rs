//! Loading vector files, with errors that name the file, the case and the field.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::model::{Case, FORMAT_VERSION, VectorFile, Verdict};

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
                "missing; add \"formatVersion\": 1".into(),
            ));
        }
    }
    let Some(Value::Array(raw_cases)) = root.remove("cases") else {
        return Err(err(None, "cases", "missing or not an array".into()));
    };
    root.insert("cases".into(), Value::Array(Vec::new()));
    let mut file: VectorFile = serde_json::from_value(Value::Object(root))
        .map_err(|e| err(None, "(top level)", e.to_string()))?;

    let mut seen = HashSet::new();
    for (index, raw) in raw_cases.into_iter().enumerate() {
        let label = match raw.get("id") {
            Some(Value::String(id)) => id.clone(),
            _ => format!("#{index} (no id)"),
        };
        precheck(&raw).map_err(|(field, message)| err(Some(label.clone()), field, message))?;
        let case: Case = serde_json::from_value(raw)
            .map_err(|e| err(Some(label.clone()), &field_of(&e), e.to_string()))?;
        check_case(&file, &case)
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
    Ok(file)
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
    for field in ["result", "output", "error", "alternatives", "reference"] {
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
