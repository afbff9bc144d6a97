//! The sandbox's credentials: built-in demo values, or a JSON file of the same shape.
//!
//! The shape is one object keyed by scheme slug (the slugs the registry says the sandbox
//! serves), each API reading its own entries; `partner-auth serve --demo-credentials`
//! prints every one. For example the Sign-Up.to Hash entry:
//!
//! ```json
//! {
//!   "<signupto::HASH_SLUG>": { "cid": 7654321, "uid": 23456789, "key": "2b2d77e014a30792d5048e262e306783" }
//! }
//! ```
//!
//! A file replaces the demo entry of every slug it names; slugs it leaves out keep their
//! demo values. Demo values are public and may be printed; values from a file never are
//! (not even in an error message about them).

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::apis;

/// Why credentials could not be used. Messages name the file, the slug and the field,
/// and never hold a value from the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CredentialsError(pub String);

/// Where one scheme's credentials came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The built-in demo values (public).
    Demo,
    /// A credentials file (secret).
    File,
}

/// The credentials of every scheme, keyed by slug.
#[derive(Clone)]
pub struct Credentials {
    entries: Map<String, Value>,
    from_file: Vec<String>,
    file: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("slugs", &self.entries.keys().collect::<Vec<_>>())
            .field("from_file", &self.from_file)
            .finish_non_exhaustive()
    }
}

/// Every API's demo credentials as one JSON object keyed by slug
/// (`partner-auth serve --demo-credentials`).
pub fn demo_json() -> Value {
    let mut entries = Map::new();
    for api in apis() {
        for (slug, value) in (api.demo)() {
            entries.insert(slug.to_owned(), value);
        }
    }
    Value::Object(entries)
}

impl Credentials {
    /// The built-in demo credentials.
    pub fn demo() -> Self {
        let Value::Object(entries) = demo_json() else {
            unreachable!("demo_json builds an object")
        };
        Self {
            entries,
            from_file: Vec::new(),
            file: String::new(),
        }
    }

    /// The demo credentials with every entry of `file` put in their place.
    pub fn from_file(path: &Path) -> Result<Self, CredentialsError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| CredentialsError(format!("credentials file {name}: {e}")))?;
        Self::from_json(&text, &name)
    }

    /// As [`Credentials::from_file`], from the file's text; `name` is used in errors.
    pub fn from_json(text: &str, name: &str) -> Result<Self, CredentialsError> {
        let value: Value = serde_json::from_str(text).map_err(|e| {
            CredentialsError(format!(
                "credentials file {name}: not JSON (line {}, column {})",
                e.line(),
                e.column()
            ))
        })?;
        let Value::Object(file) = value else {
            return Err(CredentialsError(format!(
                "credentials file {name}: the root must be an object keyed by scheme slug, as `partner-auth serve --demo-credentials` prints"
            )));
        };
        let mut creds = Self::demo();
        creds.file = name.to_owned();
        for (slug, entry) in file {
            if !entry.is_object() {
                return Err(CredentialsError(format!(
                    "credentials file {name}: `{slug}` must be an object of that scheme's fields"
                )));
            }
            creds.from_file.push(slug.clone());
            creds.entries.insert(slug, entry);
        }
        creds.check_known()?;
        Ok(creds)
    }

    /// Refuses slugs no API serves.
    pub fn check_known(&self) -> Result<(), CredentialsError> {
        let known: Vec<&str> = crate::registry::sandboxed().map(|e| e.slug).collect();
        for slug in self.entries.keys() {
            if !known.contains(&slug.as_str()) {
                return Err(CredentialsError(format!(
                    "credentials file {}: unknown scheme `{slug}`; the sandbox serves {}",
                    self.file,
                    known.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// Where `slug`'s credentials came from.
    pub fn source(&self, slug: &str) -> Source {
        if self.from_file.iter().any(|s| s == slug) {
            Source::File
        } else {
            Source::Demo
        }
    }

    /// The entry of `slug` as JSON, only when it holds demo values (so printable).
    pub fn printable(&self, slug: &str) -> Option<&Value> {
        match self.source(slug) {
            Source::Demo => self.entries.get(slug),
            Source::File => None,
        }
    }

    /// The raw entry of `slug`. It may hold secrets: never print it.
    pub fn raw_entry(&self, slug: &str) -> Option<&Value> {
        self.entries.get(slug)
    }

    /// Deserialises `slug`'s entry into the scheme's own type. Errors name the slug and
    /// the field, with every value of the entry redacted.
    pub fn entry<T: DeserializeOwned>(&self, slug: &str) -> Result<T, CredentialsError> {
        let value = self.entries.get(slug).cloned().unwrap_or(Value::Null);
        serde_json::from_value(value.clone()).map_err(|e| self.error(slug, &value, e))
    }

    /// An error about `slug`'s entry: `<source>: `slug`: <reason>`, values redacted.
    pub fn error(&self, slug: &str, entry: &Value, reason: impl ToString) -> CredentialsError {
        // serde quotes a value it complains about as "text" or `number`; those forms
        // are replaced (a bare substring match would garble field names).
        let mut reason = reason.to_string();
        let mut values = Vec::new();
        quoted_values(entry, &mut values);
        values.sort_by_key(|s| std::cmp::Reverse(s.len()));
        for v in values {
            reason = reason.replace(&v, "<redacted>");
        }
        let source = match self.source(slug) {
            Source::File => format!("credentials file {}", self.file),
            Source::Demo => "demo credentials".to_owned(),
        };
        CredentialsError(format!("{source}: `{slug}`: {reason}"))
    }
}

/// Every string and number in `v`, in the quoted forms serde's messages use.
fn quoted_values(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => {
            out.push(format!("\"{s}\""));
            out.push(Value::from(s.as_str()).to_string());
        }
        Value::Number(n) => out.push(format!("`{n}`")),
        Value::Array(items) => items.iter().for_each(|i| quoted_values(i, out)),
        Value::Object(m) => m.values().for_each(|i| quoted_values(i, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schemes::signupto::{HASH_SLUG, TOKEN_SLUG};

    #[test]
    fn file_entries_replace_demo_ones_and_errors_hide_values() {
        let c = Credentials::from_json(
            &format!(r#"{{"{HASH_SLUG}": {{"cid": 1, "uid": 2, "key": "SECRETSECRET"}}}}"#),
            "f.json",
        )
        .unwrap();
        assert_eq!(c.source(HASH_SLUG), Source::File);
        assert_eq!(c.source(TOKEN_SLUG), Source::Demo);
        assert!(c.printable(HASH_SLUG).is_none());
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct K {
            key: u64,
        }
        let e = c.entry::<K>(HASH_SLUG).unwrap_err().to_string();
        assert!(
            e.contains(&format!("credentials file f.json: `{HASH_SLUG}`")),
            "{e}"
        );
        assert!(!e.contains("SECRETSECRET"), "{e}");
    }

    #[test]
    fn unknown_slugs_and_bad_shapes_are_named() {
        let e = Credentials::from_json(r#"{"nope": {}}"#, "f.json").unwrap_err();
        assert!(e.0.contains("unknown scheme `nope`"), "{e}");
        let e = Credentials::from_json(&format!(r#"{{"{HASH_SLUG}": 3}}"#), "f.json").unwrap_err();
        assert!(
            e.0.contains(&format!("`{HASH_SLUG}` must be an object")),
            "{e}"
        );
        let e = Credentials::from_json("[", "f.json").unwrap_err();
        assert!(e.0.contains("not JSON"), "{e}");
    }
}
