//! The reference implementation answering vector cases: each case's `input` object is
//! turned into typed calls of the scheme modules, and the result into the `output`
//! object (or error code) the vector format defines. The CLI's `sign` and `verify`
//! commands and the `check` runner both go through [`answer`].

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::Request;
use crate::vectors::{Answer, Case, Implementation};

pub(crate) mod groupcall;
pub(crate) mod hmac;
pub(crate) mod portal;
pub(crate) mod primitives;
pub(crate) mod signupto;

pub(crate) use groupcall::{Counter, outcome_json, route_of};
pub(crate) use hmac::{body_bytes, error_envelope_json};
pub(crate) use portal::{error_body_json, substitute};
pub(crate) use signupto::envelope_json;

/// True when the reference implements `scheme` (every [`registry`](crate::registry) entry).
pub fn supports(scheme: &str) -> bool {
    crate::registry::get(scheme).is_some()
}

/// The operations of `scheme`, from its registry entry; `None` for an unknown slug.
pub fn ops(scheme: &str) -> Option<&'static [&'static str]> {
    crate::registry::get(scheme).map(|e| e.ops)
}

/// Answers one operation of one scheme for an `input` object, through the scheme's
/// registry entry.
pub fn answer(scheme: &str, op: &str, input: &Value) -> Answer {
    match crate::registry::get(scheme) {
        Some(entry) => (entry.answer)(scheme, op, input),
        None => Answer::Unsupported(format!("the reference has no scheme `{scheme}`")),
    }
}

/// The built-in reference as an [`Implementation`].
#[derive(Debug, Default, Clone, Copy)]
pub struct Reference;

impl Implementation for Reference {
    fn name(&self) -> String {
        format!("partner-auth {} (reference)", env!("CARGO_PKG_VERSION"))
    }

    fn answer(&mut self, scheme: &str, case: &Case) -> Answer {
        answer(scheme, &case.op, &case.input)
    }
}

/// Deserialises an `input` object, mapping a shape error to [`Answer::BadInput`] with
/// the field serde names.
pub(crate) fn parse_input<T: DeserializeOwned>(input: &Value) -> Result<T, Answer> {
    T::deserialize(input).map_err(|e| {
        let text = e.to_string();
        let field = text
            .split('`')
            .nth(1)
            .filter(|_| text.contains("field"))
            .unwrap_or("")
            .to_owned();
        Answer::BadInput {
            field,
            message: text,
        }
    })
}

/// An op name the scheme does not have.
pub(crate) fn unknown_op(scheme: &str, op: &str) -> Answer {
    Answer::Unsupported(format!("scheme `{scheme}` has no op `{op}`"))
}

/// A library error as an answer.
pub(crate) fn error(code: &str, message: impl ToString) -> Answer {
    Answer::Error {
        code: code.to_owned(),
        message: message.to_string(),
    }
}

/// The `request` object of verify inputs.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RequestInput {
    method: String,
    target: String,
    #[serde(default)]
    headers: Vec<(String, String)>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    body_base64: Option<String>,
}

impl RequestInput {
    pub(crate) fn to_request(&self) -> Result<Request, Answer> {
        let body = match (&self.body, &self.body_base64) {
            (Some(_), Some(_)) => {
                return Err(Answer::BadInput {
                    field: "request.body".into(),
                    message: "give `body` or `body_base64`, not both".into(),
                });
            }
            (Some(text), None) => text.as_bytes().to_vec(),
            (None, Some(b64)) => {
                crate::encoding::base64_decode(b64).ok_or_else(|| Answer::BadInput {
                    field: "request.body_base64".into(),
                    message: "not standard padded Base64".into(),
                })?
            }
            (None, None) => Vec::new(),
        };
        Ok(Request {
            method: self.method.clone(),
            target: self.target.clone(),
            headers: self.headers.iter().cloned().collect(),
            body,
        })
    }
}
