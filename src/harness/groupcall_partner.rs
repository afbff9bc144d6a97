//! The `groupcall-partner` scheme (vectors/README.md, "Groupcall schemes"): `build`,
//! `verify` and `parse-response` on the partner route, with the input and output types
//! of [`groupcall_customer`](super::groupcall_customer).
//!
//! ```
//! use partner_auth::harness::{HttpRequest, Refusal, groupcall_partner as harness};
//!
//! // A builder that refuses everything fails every case that expects a request.
//! let report = harness::build(|_| -> Result<HttpRequest, Refusal> {
//!     Err(Refusal::new("MISSING_FIELD"))
//! });
//! assert!(!report.is_conformant());
//! ```

pub use super::groupcall_customer::{
    Accepted, Attachment, BuildInput, Customer, Directory, HttpRequest, MessageInput, Outcome,
    Partner, Recipient, Refused, ResponseElement, ResponseInput, Route, TransmitTime, VerifyInput,
};
use super::groupcall_customer::{build_scheme, parse_response_scheme, verify_scheme};
use super::{HarnessReport, Refusal};

const SCHEME: &str = crate::schemes::groupcall::PARTNER_SLUG;

/// Runs every bundled `groupcall-partner` `build` case through `builder` and grades the
/// request it builds. [`BuildInput::route`] is always [`Route::PartnerRoute`].
///
/// # Panics
/// When a bundled case cannot be typed as a [`BuildInput`] (naming case and field).
pub fn build(builder: impl FnMut(&BuildInput) -> Result<HttpRequest, Refusal>) -> HarnessReport {
    build_scheme(SCHEME, builder)
}

/// Runs every bundled `groupcall-partner` `verify` case through `verifier` and grades
/// it.
///
/// # Panics
/// When a bundled case cannot be typed as a [`VerifyInput`] (naming case and field).
pub fn verify(
    verifier: impl FnMut(&VerifyInput) -> Result<Vec<ResponseElement>, Refusal>,
) -> HarnessReport {
    verify_scheme(SCHEME, verifier)
}

/// Runs every bundled `groupcall-partner` `parse-response` case through `parser` and
/// grades it.
///
/// # Panics
/// When a bundled case cannot be typed as a [`ResponseInput`] (naming case and field).
pub fn parse_response(
    parser: impl FnMut(&ResponseInput) -> Result<Vec<Outcome>, Refusal>,
) -> HarnessReport {
    parse_response_scheme(SCHEME, parser)
}
