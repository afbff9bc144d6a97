//! The vector file model (format version 3; vectors/README.md documents every field).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The format version this crate reads and writes.
pub const FORMAT_VERSION: u64 = 3;

/// The `bugType` values a flag may carry (vectors/README.md, "Flags"): what kind of
/// fault an implementation failing a case with this flag has.
pub const BUG_TYPES: &[&str] = &[
    "BASIC",
    "AUTH_BYPASS",
    "REPLAY",
    "FRESHNESS",
    "CANONICALIZATION",
    "INTEROP",
    "MALFORMED_INPUT",
    "INFORMATION_LEAK",
    "SPEC_AMBIGUITY",
];

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
    /// Vendor pages and RFCs the cases come from (public URLs).
    #[serde(default)]
    pub sources: Vec<String>,
    /// How many cases the file holds, withdrawn ones included.
    #[serde(
        rename = "numberOfTests",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub number_of_tests: Option<u64>,
    /// Flag name → `{"description", "bugType"}`: why cases carry it and what kind of
    /// fault failing such a case is.
    #[serde(default)]
    pub flags: Map<String, Value>,
    /// Decision id → what the reference does where the spec is silent.
    #[serde(default)]
    pub decisions: Map<String, Value>,
    /// Hardened-property id → `{"description", "bugType", "why"}`: the security
    /// properties beyond what a vendor page decides that the file's `hardened` cases pin
    /// (a hardened case's `basis` names one as `hardened:<ID>`).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub hardened: Map<String, Value>,
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
    /// What the verdict rests on: `page:<URL> "<quote>"`, `rfc<N>#<section>`,
    /// `fips180-4`, or `decision:<ID>`. A `valid` or `invalid` case needs at least one
    /// entry that is not a decision.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub basis: Vec<String>,
    /// A case kept only so its id is never reused.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub withdrawn: bool,
    /// The profile the case belongs to: `conformance` (absent) or `hardened`.
    #[serde(default, skip_serializing_if = "Profile::is_conformance")]
    pub profile: Profile,
    /// Everything the operation needs.
    pub input: Value,
    /// The expected result.
    pub expect: Expect,
}

/// The profile a case belongs to, and the profile a run grades by.
///
/// `conformance` cases carry verdicts a vendor page or a standard decides. `hardened`
/// cases pin security properties beyond the pages (a nonce recorded only after the
/// signature verified, bounded nonce lengths, an empty id header not read as absent, …):
/// a run under [`Profile::Conformance`] grades them as `acceptable` (the reference is
/// still held to them exactly), a run under [`Profile::Hardened`] grades them by their
/// `result`, as must-pass.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Page-grounded verdicts only (the default).
    #[default]
    Conformance,
    /// Page-grounded verdicts plus the hardened security properties.
    Hardened,
}

impl Profile {
    /// Every profile, in the order `--help` lists them.
    pub const ALL: [Profile; 2] = [Profile::Conformance, Profile::Hardened];

    /// The profile's name as written in files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Conformance => "conformance",
            Profile::Hardened => "hardened",
        }
    }

    /// True for [`Profile::Conformance`] (serde's `skip_serializing_if`).
    pub fn is_conformance(&self) -> bool {
        *self == Profile::Conformance
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Profile {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Profile::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                format!("unknown profile `{s}`; the profiles are `conformance` (the default) and `hardened`")
            })
    }
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
    /// Stage name → how another implementation's value at that stage is compared
    /// (exact unless named here). The reference is always compared exactly.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub compare: BTreeMap<String, Compare>,
    /// Members of the output whose value the server chooses and no page fixes (a message
    /// id, a clock reading): paths like `/response/*/MessageId` (`*` is any array index or
    /// member). Another implementation must give a value of the same JSON type there
    /// (non-empty when the expected string is); the value itself is not compared. The
    /// reference is always compared exactly.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub free: Vec<String>,
    /// Other outputs that conform just as well as `output` (what a vendor page shows,
    /// where it differs from the reference), each with its own basis.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub equivalent: Vec<Equivalent>,
}

/// How one output stage is compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compare {
    /// Byte for byte (strings) or value for value: the default.
    Exact,
    /// As parsed JSON: a string stage is parsed as JSON text first; object members in
    /// any order; a member whose value is `null` equals an absent one.
    Json,
    /// As HTTP header fields (RFC 9110 §5.1, §5.3): a list of `[name, value]` pairs whose
    /// names compare case-insensitively; the order of fields with different names is
    /// free, the order of fields with one name is kept; fields the expectation does not
    /// name may be added.
    Headers,
}

/// An output that conforms as well as the case's `output`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Equivalent {
    /// The output, graded stage by stage like `output`.
    pub output: Value,
    /// Why it conforms: at least one entry that is not a decision.
    pub basis: Vec<String>,
}
