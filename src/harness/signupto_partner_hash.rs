//! The `signupto-partner-hash` scheme (vectors/README.md, "Sign-Up.to schemes"): `sign`,
//! with the input and output types of [`signupto_hash`](super::signupto_hash).

pub use super::signupto_hash::{SignInput, SignOutput};
use super::{HarnessReport, Refusal};

/// Runs every bundled `signupto-partner-hash` `sign` case through `signer` and grades
/// it. [`SignInput::pid`] is the partner id; `cid` and `uid` are optional.
///
/// # Panics
/// When a bundled case cannot be typed as a [`SignInput`] (naming case and field).
pub fn sign(signer: impl FnMut(&SignInput) -> Result<SignOutput, Refusal>) -> HarnessReport {
    super::signupto_hash::sign_scheme("signupto-partner-hash", signer)
}
