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

/// The secret values found anywhere in `input`, each also in the forms it takes once
/// and twice JSON-escaped (a password inside a JSON request body, and that body inside
/// a JSON output document).
pub fn secrets_in(input: &Value) -> Vec<String> {
    let mut found = Vec::new();
    walk(input, &mut found);
    let mut out = Vec::new();
    for s in found {
        let once = json_escaped(&s);
        let twice = json_escaped(&once);
        out.extend([s, once, twice]);
    }
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
                    // A request body given as JSON text (e.g. a Groupcall payload).
                    Value::String(s) if s.trim_start().starts_with(['{', '[']) => {
                        if let Ok(inner) = serde_json::from_str::<Value>(s) {
                            walk(&inner, out);
                        }
                    }
                    _ => walk(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
        _ => {}
    }
}

/// `s` as it appears inside a JSON string literal (without the quotes).
fn json_escaped(s: &str) -> String {
    let quoted = Value::from(s).to_string();
    quoted[1..quoted.len() - 1].to_owned()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_forms_are_redacted() {
        let input = serde_json::json!({ "messageData": [{ "Password": "pw\"Zq\\mk" }] });
        let secrets = secrets_in(&input);
        let raw = "pw\"Zq\\mk";
        let once = r#"pw\"Zq\\mk"#;
        let twice = r#"pw\\\"Zq\\\\mk"#;
        for form in [raw, once, twice] {
            assert_eq!(
                redact(&format!("<{form}>"), &secrets),
                "<<redacted>>",
                "{form}"
            );
        }
    }

    #[test]
    fn secrets_inside_a_json_body_string_are_found() {
        let body = r#"{"PartnerKey":"pk-Zq-123","messageData":[{"Password":"pw-Zq-456"}]}"#;
        let secrets = secrets_in(&serde_json::json!({ "body": body }));
        assert!(secrets.contains(&"pk-Zq-123".to_owned()));
        assert!(secrets.contains(&"pw-Zq-456".to_owned()));
        assert!(!redact(body, &secrets).contains("Zq"));
    }
}
