//! The scheme registry: one entry per scheme slug, naming everything the role modules
//! need of it — its operations and the reference's answer for them
//! ([`crate::reference`]), its probe module (`probe`, features `client` and `server`), its
//! sandbox API (`serve`, feature `server`) and the builder of its fuzz seeds (`fuzzing`).
//! `check`, `run`, `sign`, `verify`, `schemes`, `shim`, `serve`, `probe`, the vector
//! runner's callers and the fuzz seed builder iterate [`SCHEMES`]; no other code outside
//! `src/schemes/` names a slug.
//!
//! The code stays by role (`reference/`, `probe/`, `fuzzing.rs`, `serve/`), and the
//! registry is the seam between the roles: adding a scheme is its module under
//! `src/schemes/`, its role modules, and one entry here (README.md, "Adding a scheme").
//!
//! ```
//! use partner_auth::registry;
//!
//! let hmac = registry::get("hmac-sha256").expect("a registered scheme");
//! assert!(hmac.ops.contains(&"verify"));
//! assert!(registry::get("primitives/sha1").is_some());
//! assert!(registry::get("nope").is_none());
//! ```

use serde_json::Value;

use crate::reference;
use crate::schemes::{groupcall, hmac, portal, signupto};
use crate::vectors::Answer;

/// Answers one operation of a scheme: `(slug, op, input)` → the answer the vector
/// format defines (an unknown op is [`Answer::Unsupported`]).
pub type AnswerFn = fn(&str, &str, &Value) -> Answer;

/// Adds a vector file's fuzz seeds, `(target, bytes)`, to the list.
#[cfg(feature = "fuzzing")]
pub type SeedFn = fn(&crate::vectors::VectorFile, &mut Vec<(&'static str, Vec<u8>)>);

/// One scheme.
#[derive(Clone, Copy)]
pub struct Entry {
    /// The slug, as vector files, the CLI and the shim protocol spell it.
    pub slug: &'static str,
    /// One line for `partner-auth schemes`: the vendor and the form.
    pub summary: &'static str,
    /// The operations the reference answers, in the order `schemes` lists them.
    pub ops: &'static [&'static str],
    /// The reference's answer for every op.
    pub answer: AnswerFn,
    /// The live-server probe of the scheme, when it has one.
    #[cfg(all(feature = "client", feature = "server"))]
    #[cfg_attr(docsrs, doc(cfg(all(feature = "client", feature = "server"))))]
    pub probe: Option<crate::probe::ProbeModule>,
    /// The sandbox API that serves the scheme (`partner-auth serve`), when it has one:
    /// its mount, demo credentials and routes. Several entries may name one API
    /// (Sign-Up.to's three schemes share `/v1/`). Every entry with a probe has one, and
    /// the other way round (tests/registry.rs).
    #[cfg(feature = "server")]
    #[cfg_attr(docsrs, doc(cfg(feature = "server")))]
    pub sandbox: Option<&'static crate::serve::Api>,
    /// The builder of the fuzz seeds derived from the scheme's vector file, when a fuzz
    /// target takes them.
    #[cfg(feature = "fuzzing")]
    #[cfg_attr(docsrs, doc(cfg(feature = "fuzzing")))]
    pub fuzz_seeds: Option<SeedFn>,
}

impl Entry {
    /// The group of the slug: the part before `/` (`primitives` for `primitives/sha1`),
    /// or the slug itself.
    pub fn group(&self) -> &'static str {
        self.slug.split_once('/').map_or(self.slug, |(g, _)| g)
    }
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("slug", &self.slug)
            .field("ops", &self.ops)
            .finish_non_exhaustive()
    }
}

/// The slugs of the published-primitive vector files (RFC / FIPS vectors of the hashes,
/// MACs and encoding the schemes build on).
pub mod primitives {
    /// SHA-1 (FIPS 180-4).
    pub const SHA1: &str = "primitives/sha1";
    /// SHA-256 (FIPS 180-4).
    pub const SHA256: &str = "primitives/sha256";
    /// HMAC-SHA1 (RFC 2202).
    pub const HMAC_SHA1: &str = "primitives/hmac-sha1";
    /// HMAC-SHA256 (RFC 4231).
    pub const HMAC_SHA256: &str = "primitives/hmac-sha256";
    /// Base64 (RFC 4648).
    pub const BASE64: &str = "primitives/base64";
}

const SIGNUPTO_HASH_OPS: &[&str] = &[
    "sign",
    "verify",
    "scenario",
    "parse-authorization",
    "parse-response",
];

/// Non-capturing closures coerce to [`AnswerFn`]; each unwraps its module's
/// `Result<Answer, Answer>` (an early `Err` is an answer too).
macro_rules! answer {
    ($f:path) => {
        |slug: &str, op: &str, input: &Value| $f(slug, op, input).unwrap_or_else(|a| a)
    };
}

/// Every scheme, in the order `partner-auth schemes` lists them.
pub static SCHEMES: &[Entry] = &[
    Entry {
        slug: signupto::HASH_SLUG,
        summary: "Sign-Up.to PMAPI Hash v1.2 (SHA-1, SuTHash)",
        ops: SIGNUPTO_HASH_OPS,
        answer: answer!(reference::signupto::answer),
        #[cfg(all(feature = "client", feature = "server"))]
        probe: Some(crate::probe::signupto::HASH),
        #[cfg(feature = "server")]
        sandbox: Some(&crate::serve::signupto::API),
        #[cfg(feature = "fuzzing")]
        fuzz_seeds: Some(crate::fuzzing::signupto_seeds),
    },
    Entry {
        slug: signupto::PARTNER_HASH_SLUG,
        summary: "Sign-Up.to PMAPI Partner Hash v1.2 (SHA-1, SuTPartner)",
        ops: SIGNUPTO_HASH_OPS,
        answer: answer!(reference::signupto::answer),
        #[cfg(all(feature = "client", feature = "server"))]
        probe: Some(crate::probe::signupto::PARTNER_HASH),
        #[cfg(feature = "server")]
        sandbox: Some(&crate::serve::signupto::API),
        #[cfg(feature = "fuzzing")]
        fuzz_seeds: Some(crate::fuzzing::signupto_seeds),
    },
    Entry {
        slug: signupto::TOKEN_SLUG,
        summary: "Sign-Up.to PMAPI Token v1.2 (POST /v1/token, SuTToken)",
        ops: &[
            "token-request",
            "parse-token-response",
            "sign",
            "verify",
            "scenario",
            "parse-authorization",
            "parse-response",
        ],
        answer: answer!(reference::signupto::answer),
        #[cfg(all(feature = "client", feature = "server"))]
        probe: Some(crate::probe::signupto::TOKEN),
        #[cfg(feature = "server")]
        sandbox: Some(&crate::serve::signupto::API),
        #[cfg(feature = "fuzzing")]
        fuzz_seeds: Some(crate::fuzzing::signupto_seeds),
    },
    primitive(primitives::SHA1, "SHA-1 (FIPS 180-4)", &["digest"]),
    primitive(primitives::SHA256, "SHA-256 (FIPS 180-4)", &["digest"]),
    primitive(primitives::HMAC_SHA1, "HMAC-SHA1 (RFC 2202)", &["mac"]),
    primitive(primitives::HMAC_SHA256, "HMAC-SHA256 (RFC 4231)", &["mac"]),
    primitive(
        primitives::BASE64,
        "Base64 (RFC 4648)",
        &["encode", "decode"],
    ),
    Entry {
        slug: portal::SLUG,
        summary: "partners portal three-level identification, bearer session",
        ops: &["scenario", "parse-login-response", "parse-error-body"],
        answer: answer!(reference::portal::answer),
        #[cfg(all(feature = "client", feature = "server"))]
        probe: Some(crate::probe::portal::PROBE),
        #[cfg(feature = "server")]
        sandbox: Some(&crate::serve::portal::API),
        #[cfg(feature = "fuzzing")]
        fuzz_seeds: Some(crate::fuzzing::portal_seeds),
    },
    Entry {
        slug: groupcall::CUSTOMER_SLUG,
        summary: "Groupcall Messenger SendMessage_V3, customer credentials in the body",
        ops: &["build", "verify", "parse-response"],
        answer: answer!(reference::groupcall::answer),
        #[cfg(all(feature = "client", feature = "server"))]
        probe: Some(crate::probe::groupcall::CUSTOMER_PROBE),
        #[cfg(feature = "server")]
        sandbox: Some(&crate::serve::groupcall::API),
        #[cfg(feature = "fuzzing")]
        fuzz_seeds: Some(|file, out| out.extend(crate::fuzzing::groupcall_seeds(file))),
    },
    Entry {
        slug: groupcall::PARTNER_SLUG,
        summary: "Groupcall Messenger SendMessage_V3, PartnerKey + styleClass route",
        ops: &["build", "verify", "parse-response"],
        answer: answer!(reference::groupcall::answer),
        #[cfg(all(feature = "client", feature = "server"))]
        probe: Some(crate::probe::groupcall::PARTNER_PROBE),
        #[cfg(feature = "server")]
        sandbox: Some(&crate::serve::groupcall::API),
        #[cfg(feature = "fuzzing")]
        fuzz_seeds: Some(|file, out| out.extend(crate::fuzzing::groupcall_seeds(file))),
    },
    Entry {
        slug: hmac::SLUG,
        summary: "partner API key + HMAC-SHA256, single-use nonce, GA20xx codes",
        ops: &[
            "sign",
            "verify",
            "scenario",
            "error-response",
            "parse-error",
        ],
        answer: answer!(reference::hmac::answer),
        #[cfg(all(feature = "client", feature = "server"))]
        probe: Some(crate::probe::hmac::PROBE),
        #[cfg(feature = "server")]
        sandbox: Some(&crate::serve::hmac::API),
        #[cfg(feature = "fuzzing")]
        fuzz_seeds: Some(crate::fuzzing::hmac_seeds),
    },
];

/// A primitive's entry: reference answers, no probe, no fuzz seeds.
const fn primitive(
    slug: &'static str,
    summary: &'static str,
    ops: &'static [&'static str],
) -> Entry {
    Entry {
        slug,
        summary,
        ops,
        answer: answer!(reference::primitives::answer),
        #[cfg(all(feature = "client", feature = "server"))]
        probe: None,
        #[cfg(feature = "server")]
        sandbox: None,
        #[cfg(feature = "fuzzing")]
        fuzz_seeds: None,
    }
}

/// The entry of `slug`.
pub fn get(slug: &str) -> Option<&'static Entry> {
    SCHEMES.iter().find(|e| e.slug == slug)
}

/// Every slug, in registry order.
pub fn slugs() -> impl Iterator<Item = &'static str> {
    SCHEMES.iter().map(|e| e.slug)
}

/// Whether the sandbox (`partner-auth serve`) serves `slug`: its entry names a sandbox
/// API.
#[cfg(feature = "server")]
#[cfg_attr(docsrs, doc(cfg(feature = "server")))]
pub fn sandbox_serves(slug: &str) -> bool {
    get(slug).is_some_and(|e| e.sandbox.is_some())
}

/// The entries the sandbox serves, in registry order: the slugs of its credentials file
/// and of the `serve` banner.
#[cfg(feature = "server")]
#[cfg_attr(docsrs, doc(cfg(feature = "server")))]
pub fn sandboxed() -> impl Iterator<Item = &'static Entry> {
    SCHEMES.iter().filter(|e| e.sandbox.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_unique_and_every_entry_has_ops() {
        let mut seen = std::collections::BTreeSet::new();
        for e in SCHEMES {
            assert!(seen.insert(e.slug), "`{}` is registered twice", e.slug);
            assert!(!e.ops.is_empty(), "`{}` has no ops", e.slug);
        }
    }

    #[test]
    fn every_entry_answers_its_own_ops_and_refuses_others() {
        // An empty input: each op exists (it gets past op dispatch to the input check)
        // and an op the entry does not list is unsupported.
        for e in SCHEMES {
            for op in e.ops {
                let a = (e.answer)(e.slug, op, &serde_json::json!({}));
                assert!(
                    !matches!(a, Answer::Unsupported(_)),
                    "{} {op}: the registry lists it but the reference answered {a:?}",
                    e.slug
                );
            }
            let a = (e.answer)(e.slug, "no-such-op", &serde_json::json!({}));
            assert!(matches!(a, Answer::Unsupported(_)), "{}: {a:?}", e.slug);
        }
    }
}
