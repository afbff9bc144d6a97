//! Keeps secrets given on input out of everything the CLI prints.
//!
//! The CLI collects the values of secret-bearing input fields (keys, secrets, passwords,
//! tokens) and replaces every occurrence in what it prints with `<redacted>`, unless the
//! user asks with `--reveal-secrets`.

use serde_json::Value;

/// Input field names whose values are secrets, in any scheme.
const SECRET_FIELDS: &[&str] = &[
    "key",
    "secret",
    "password",
    "token",
    "Password",
    "PartnerKey",
    "xClientSecret",
    "client_secret",
];

/// The secret values found anywhere in `input`.
pub fn secrets_in(input: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(input, &mut out);
    // Longest first, so a secret containing another is replaced whole.
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out.dedup();
    out
}

fn walk(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match v {
                    Value::String(s) if SECRET_FIELDS.contains(&k.as_str()) && s.len() >= 4 => {
                        out.push(s.clone())
                    }
                    _ => walk(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
        _ => {}
    }
}

/// Replaces every secret in `text`.
pub fn redact(text: &str, secrets: &[String]) -> String {
    let mut text = text.to_owned();
    for s in secrets {
        if text.contains(s.as_str()) {
            text = text.replace(s.as_str(), "<redacted>");
        }
    }
    text
}
