//! The `signupto-partner-hash` scheme (vectors/README.md, "Sign-Up.to schemes"): `sign`
//! and `verify`, with the input and output types of
//! [`signupto_hash`](super::signupto_hash).

pub use super::signupto_hash::{
    DEFAULT_WINDOW_SECONDS, HttpRequest, Identity, KeyEntry, SeenNonce, SignInput, SignOutput,
    VerifyInput,
};
use super::{HarnessReport, Refusal};

/// Runs every bundled `signupto-partner-hash` `sign` case through `signer` and grades
/// it. [`SignInput::pid`] is the partner id; `cid` and `uid` are optional.
///
/// # Panics
/// When a bundled case cannot be typed as a [`SignInput`] (naming case and field).
pub fn sign(signer: impl FnMut(&SignInput) -> Result<SignOutput, Refusal>) -> HarnessReport {
    super::signupto_hash::sign_scheme("signupto-partner-hash", signer)
}

/// Runs every bundled `signupto-partner-hash` `verify` case through `verifier` and
/// grades it. [`KeyEntry::id`] and [`SeenNonce::id`] are partner ids.
///
/// # Panics
/// When a bundled case cannot be typed as a [`VerifyInput`] (naming case and field).
pub fn verify(verifier: impl FnMut(&VerifyInput) -> Result<Identity, Refusal>) -> HarnessReport {
    super::signupto_hash::verify_scheme("signupto-partner-hash", "pid", verifier)
}
