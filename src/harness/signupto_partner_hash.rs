//! The `signupto-partner-hash` scheme (vectors/README.md, "Sign-Up.to schemes"): `sign`,
//! `verify`, `scenario` and `parse-authorization`, with the input and output types of
//! [`signupto_hash`](super::signupto_hash).
//!
//! ```
//! use partner_auth::harness::{Refusal, signupto_partner_hash as harness};
//! use partner_auth::schemes::signupto as sut;
//!
//! // Here the crate's own parser; yours goes in its place.
//! let report = harness::parse_authorization(|input| {
//!     let a = sut::parse_authorization(&input.value).map_err(|e| Refusal::new(e.code()))?;
//!     Ok(harness::Authorization {
//!         scheme: a.scheme.token().to_owned(),
//!         credentials: a.credentials.to_string(),
//!     })
//! });
//! report.assert_conformant();
//! ```

pub use super::signupto_hash::{
    Authorization, AuthorizationInput, DEFAULT_WINDOW_SECONDS, HttpRequest, Identity, KeyEntry,
    Scenario, ScenarioStep, SeenNonce, SignInput, SignOutput, VerifyInput, World,
};
use super::{HarnessReport, Refusal};

/// Runs every bundled `signupto-partner-hash` `sign` case through `signer` and grades
/// it. [`SignInput::pid`] is the partner id; `cid` and `uid` are optional.
///
/// # Panics
/// When a bundled case cannot be typed as a [`SignInput`] (naming case and field).
pub fn sign(signer: impl FnMut(&SignInput) -> Result<SignOutput, Refusal>) -> HarnessReport {
    super::signupto_hash::sign_scheme(crate::schemes::signupto::PARTNER_HASH_SLUG, signer)
}

/// Runs every bundled `signupto-partner-hash` `verify` case through `verifier` and
/// grades it. [`KeyEntry::id`] and [`SeenNonce::id`] are partner ids.
///
/// # Panics
/// When a bundled case cannot be typed as a [`VerifyInput`] (naming case and field).
pub fn verify(verifier: impl FnMut(&VerifyInput) -> Result<Identity, Refusal>) -> HarnessReport {
    super::signupto_hash::verify_scheme(
        crate::schemes::signupto::PARTNER_HASH_SLUG,
        "pid",
        verifier,
    )
}

/// Runs every bundled `signupto-partner-hash` `scenario` case through `verifier` and
/// grades it. [`KeyEntry::id`] is a partner id.
///
/// # Panics
/// When a bundled case cannot be typed as a [`Scenario`] (naming case and field).
pub fn scenario(
    verifier: impl FnMut(&Scenario<World>) -> Vec<Result<Identity, Refusal>>,
) -> HarnessReport {
    super::signupto_hash::scenario_scheme(
        crate::schemes::signupto::PARTNER_HASH_SLUG,
        "pid",
        verifier,
    )
}

/// Runs every bundled `signupto-partner-hash` `parse-authorization` case through
/// `parser` and grades it.
///
/// # Panics
/// When a bundled case cannot be typed as an [`AuthorizationInput`] (naming case and
/// field).
pub fn parse_authorization(
    parser: impl FnMut(&AuthorizationInput) -> Result<Authorization, Refusal>,
) -> HarnessReport {
    super::serde_op(
        crate::schemes::signupto::PARTNER_HASH_SLUG,
        "parse-authorization",
        parser,
    )
}
