//! Keeps secrets given on input out of everything the CLI prints.
//!
//! The CLI collects the values of secret-bearing input fields (keys, secrets, passwords,
//! tokens) and replaces every occurrence in what it prints with `<redacted>`, unless the
//! user asks with `--reveal-secrets`. A secret of any length is redacted: a short one
//! (under [`SHORT_SECRET_BYTES`]) also where the same bytes occur by chance, and the CLI
//! says so on stderr ([`short_secret_note`]).

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
    "sessionToken",
];

/// Header names (any case) whose values are secrets, in `[name, value]` lists.
const SECRET_HEADERS: &[&str] = &["xClientSecret"];

/// `Authorization` schemes whose credential is a bearer secret (not a signature).
const BEARER_SCHEMES: &[&str] = &["Bearer", "SuTToken"];

/// Secrets shorter than this many bytes are likely to occur in output by chance.
pub const SHORT_SECRET_BYTES: usize = 4;

/// What the CLI prints in place of a secret.
const REDACTED: &str = "<redacted>";

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
    // An empty value has nothing to hide (and would match everywhere).
    out.retain(|s| !s.is_empty());
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
                    Value::String(s) if SECRET_FIELDS.contains(&k.as_str()) => out.push(s.clone()),
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
        Value::Array(items) => {
            if let [Value::String(name), Value::String(value)] = items.as_slice() {
                header(name, value, out);
            }
            items.iter().for_each(|i| walk(i, out));
        }
        _ => {}
    }
}

/// The secret in a `[name, value]` header pair, if it carries one.
fn header(name: &str, value: &str, out: &mut Vec<String>) {
    if SECRET_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name)) {
        out.push(value.to_owned());
    } else if name.eq_ignore_ascii_case("authorization")
        && let Some((scheme, credential)) = value.trim().split_once(' ')
        && BEARER_SCHEMES
            .iter()
            .any(|b| b.eq_ignore_ascii_case(scheme))
    {
        out.push(credential.trim().to_owned());
    }
}

/// `s` as it appears inside a JSON string literal (without the quotes).
fn json_escaped(s: &str) -> String {
    let quoted = Value::from(s).to_string();
    quoted[1..quoted.len() - 1].to_owned()
}

/// Replaces every occurrence of every secret in `text` (`secrets` longest first, as
/// [`secrets_in`] returns them), in one pass: what one replacement wrote is never read
/// again, so a one-letter secret cannot eat into `<redacted>` itself.
pub fn redact(text: &str, secrets: &[String]) -> String {
    if !secrets
        .iter()
        .any(|s| !s.is_empty() && text.contains(s.as_str()))
    {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        match secrets
            .iter()
            .find(|s| !s.is_empty() && rest.starts_with(s.as_str()))
        {
            Some(s) => {
                out.push_str(REDACTED);
                rest = &rest[s.len()..];
            }
            None => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

/// A line for stderr when a secret is so short that redacting it may also hide text that
/// only happens to contain the same bytes. The line names no secret and no length.
pub fn short_secret_note(secrets: &[String]) -> Option<String> {
    secrets
        .iter()
        .any(|s| s.len() < SHORT_SECRET_BYTES)
        .then(|| {
            format!(
                "note: the input holds a secret shorter than {SHORT_SECRET_BYTES} bytes; every \
                 occurrence of those bytes below is shown as {REDACTED}, also where it is not \
                 the secret (--reveal-secrets prints everything as is)"
            )
        })
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
    fn a_secret_of_any_length_is_redacted_and_replacements_are_not_redacted_again() {
        let input = serde_json::json!({ "username": "u", "password": "e" });
        let secrets = secrets_in(&input);
        // Every `e` goes (over-redaction of chance matches is the price, a leak is not),
        // and the `e`s of `<redacted>` itself stay.
        assert_eq!(
            redact(r#"{"username":"u","password":"e"}"#, &secrets),
            r#"{"us<redacted>rnam<redacted>":"u","password":"<redacted>"}"#
        );
        assert!(short_secret_note(&secrets).is_some());
        let long = secrets_in(&serde_json::json!({ "password": "four" }));
        assert!(short_secret_note(&long).is_none());
        assert!(secrets_in(&serde_json::json!({ "password": "" })).is_empty());
    }

    #[test]
    fn secret_headers_and_bearer_credentials_are_found() {
        let input = serde_json::json!({ "request": { "headers": [
            ["XCLIENTSECRET", "cs-Zq"],
            ["Authorization", "Bearer tk-Zq"],
            ["Authorization", "SuTHash signature=\"0123\""],
        ] } });
        let secrets = secrets_in(&input);
        assert!(secrets.contains(&"cs-Zq".to_owned()));
        assert!(secrets.contains(&"tk-Zq".to_owned()));
        assert!(!secrets.iter().any(|s| s.contains("0123")), "{secrets:?}");
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
