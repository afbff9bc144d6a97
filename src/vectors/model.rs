//! The vector file model (format version 1; vectors/README.md documents every field).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The format version this crate reads and writes.
pub const FORMAT_VERSION: u64 = 1;

/// One vector file: one scheme's cases.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VectorFile {
    /// The scheme slug.
    pub scheme: String,
    /// Always [`FORMAT_VERSION`].
    #[serde(rename = "formatVersion")]
    pub format_version: u64,
    /// What the file covers.
    #[serde(default)]
    pub description: String,
    /// Vendor pages and RFCs the cases come from.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Flag name → why cases carry it.
    #[serde(default)]
    pub flags: Map<String, Value>,
    /// Decision id → what the reference does where the spec is silent.
    #[serde(default)]
    pub decisions: Map<String, Value>,
    /// The cases.
    pub cases: Vec<Case>,
}

/// One case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// `<scheme>/<op>/<nnn>`, stable forever.
    pub id: String,
    /// The operation.
    pub op: String,
    /// What the case is about.
    #[serde(default)]
    pub comment: String,
    /// Flags from the file's `flags` table.
    #[serde(default)]
    pub flags: Vec<String>,
    /// A case kept only so its id is never reused.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub withdrawn: bool,
    /// Everything the operation needs.
    pub input: Value,
    /// The expected result.
    pub expect: Expect,
}

/// `valid`, `invalid` or `acceptable`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Must succeed with exactly the output.
    Valid,
    /// Must fail with exactly the error code.
    Invalid,
    /// Either outcome conforms.
    Acceptable,
}

/// The expected result of a case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The verdict.
    pub result: Verdict,
    /// The exact output (`valid`, or `acceptable` with reference `valid`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
    /// The exact error code (`invalid`, or `acceptable` with reference `invalid`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Other defensible error codes of an `invalid` case (grade as acceptable).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<String>,
    /// What the reference does on an `acceptable` case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<Verdict>,
}
