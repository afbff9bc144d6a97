//! The `groupcall-customer` scheme (vectors/README.md, "Groupcall schemes"): `build`,
//! `verify` and `parse-response`. Its types serve
//! [`groupcall_partner`](super::groupcall_partner) too.
//!
//! ```
//! use partner_auth::harness::{Refusal, groupcall_customer as harness};
//! use partner_auth::schemes::groupcall as gc;
//!
//! // Here the crate's own parser; yours goes in its place.
//! let report = harness::parse_response(|input| {
//!     gc::parse_response(input.status, input.body.as_bytes(), input.sent)
//!         .map_err(|e| Refusal::new(e.code()))
//! });
//! report.assert_conformant();
//! ```

use std::fmt;

use serde::Deserialize;
use serde_json::json;

pub use super::HttpRequest;
use super::{HarnessReport, Refusal, bad, body_bytes, request_json, run_op, to_json};
use crate::reference::{Counter, outcome_json, parse_input, route_of};
/// The scheme's own types: the endpoint, and what a server answers and a client reads.
pub use crate::schemes::groupcall::{
    Accepted, Outcome, Refused, ResponseElement, Route, TransmitTime,
};
use crate::vectors::{Answer, Case, bundled};

const SCHEME: &str = crate::schemes::groupcall::CUSTOMER_SLUG;

/// A recipient: the vendor's `Recipients` entry. A case's bare string is
/// `{"MobileNumber": <string>}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(from = "RawRecipient")]
pub struct Recipient {
    /// `Id`.
    pub id: Option<i64>,
    /// `ExternalId`.
    pub external_id: Option<String>,
    /// `MessengerId`.
    pub messenger_id: Option<String>,
    /// `IdaasId`.
    pub idaas_id: Option<String>,
    /// `EmailAddress`.
    pub email_address: Option<String>,
    /// `MobileNumber`.
    pub mobile_number: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawRecipient {
    Number(String),
    Object(RecipientObject),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct RecipientObject {
    id: Option<i64>,
    external_id: Option<String>,
    messenger_id: Option<String>,
    idaas_id: Option<String>,
    email_address: Option<String>,
    mobile_number: Option<String>,
}

impl From<RawRecipient> for Recipient {
    fn from(raw: RawRecipient) -> Self {
        match raw {
            RawRecipient::Number(n) => Recipient {
                mobile_number: Some(n),
                ..Recipient::default()
            },
            RawRecipient::Object(o) => Recipient {
                id: o.id,
                external_id: o.external_id,
                messenger_id: o.messenger_id,
                idaas_id: o.idaas_id,
                email_address: o.email_address,
                mobile_number: o.mobile_number,
            },
        }
    }
}

/// An e-mail attachment as the case gives it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct Attachment {
    /// `FileName`, when given.
    pub file_name: Option<String>,
    /// `FileData` (standard Base64), when given.
    pub file_data: Option<String>,
}

/// One `messageData` element to build, with the vendor's fields; `None` where the case
/// leaves a field out.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageInput {
    /// `CustomerId`.
    #[serde(rename = "CustomerId")]
    pub customer_id: Option<String>,
    /// `Password` (the customer's API key). Left out of `Debug`.
    #[serde(rename = "Password")]
    pub password: Option<String>,
    /// `SMSMessage`.
    #[serde(rename = "SMSMessage")]
    pub sms_message: Option<String>,
    /// `SMSSender`.
    #[serde(rename = "SMSSender")]
    pub sms_sender: Option<String>,
    /// `EmailSubject`.
    #[serde(rename = "EmailSubject")]
    pub email_subject: Option<String>,
    /// `EmailBody`.
    #[serde(rename = "EmailBody")]
    pub email_body: Option<String>,
    /// `EmailSentFromName`.
    #[serde(rename = "EmailSentFromName")]
    pub email_sent_from_name: Option<String>,
    /// `EmailSentFromAddress`.
    #[serde(rename = "EmailSentFromAddress")]
    pub email_sent_from_address: Option<String>,
    /// `EmailReplyToAddress`.
    #[serde(rename = "EmailReplyToAddress")]
    pub email_reply_to_address: Option<String>,
    /// `Attachments`.
    #[serde(rename = "Attachments")]
    pub attachments: Option<Vec<Attachment>>,
    /// `Recipients`; empty when the case leaves it out.
    #[serde(rename = "Recipients", default)]
    pub recipients: Vec<Recipient>,
    /// `SendTo`, the vendor's numeric code as given (valid or not).
    #[serde(rename = "SendTo")]
    pub send_to: Option<i64>,
    /// `ClientRef`.
    #[serde(rename = "ClientRef")]
    pub client_ref: Option<String>,
    /// `CallbackUrl`.
    #[serde(rename = "CallbackUrl")]
    pub callback_url: Option<String>,
}

impl fmt::Debug for MessageInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageInput")
            .field("customer_id", &self.customer_id)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("sms_message", &self.sms_message)
            .field("email_subject", &self.email_subject)
            .field("recipients", &self.recipients)
            .field("client_ref", &self.client_ref)
            .finish_non_exhaustive()
    }
}

/// The input of a `build` case.
#[derive(Clone, PartialEq, Eq)]
pub struct BuildInput {
    /// The endpoint.
    pub route: Route,
    /// `PartnerKey` (partner route only). Left out of `Debug`.
    pub partner_key: Option<String>,
    /// `styleClass` (partner route only).
    pub style_class: Option<String>,
    /// `messageData`.
    pub messages: Vec<MessageInput>,
}

impl fmt::Debug for BuildInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BuildInput")
            .field("route", &self.route)
            .field(
                "partner_key",
                &self.partner_key.as_ref().map(|_| "<redacted>"),
            )
            .field("style_class", &self.style_class)
            .field("messages", &self.messages)
            .finish()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBuild {
    route: Option<String>,
    #[serde(rename = "PartnerKey")]
    partner_key: Option<String>,
    #[serde(rename = "styleClass")]
    style_class: Option<String>,
    #[serde(rename = "messageData")]
    messages: Vec<MessageInput>,
}

/// The `build` harness of `groupcall-customer` or `groupcall-partner`.
pub(super) fn build_scheme(
    scheme: &'static str,
    builder: impl FnMut(&BuildInput) -> Result<HttpRequest, Refusal>,
) -> HarnessReport {
    run_op(
        bundled(),
        scheme,
        "build",
        |case: &Case| {
            let raw: RawBuild = parse_input(&case.input)?;
            Ok(BuildInput {
                route: route_of(scheme, raw.route.as_deref())?,
                partner_key: raw.partner_key,
                style_class: raw.style_class,
                messages: raw.messages,
            })
        },
        |_: &Case, r: HttpRequest| request_json(&r),
        builder,
    )
}

/// Runs every bundled `groupcall-customer` `build` case through `builder` and grades
/// the request it builds (the body compared as JSON where the case says so), or its
/// refusal (`MISSING_FIELD`, …).
///
/// # Panics
/// When a bundled case cannot be typed as a [`BuildInput`] (naming case and field).
pub fn build(builder: impl FnMut(&BuildInput) -> Result<HttpRequest, Refusal>) -> HarnessReport {
    build_scheme(SCHEME, builder)
}

/// A customer account the verifier knows.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    /// `CustomerId`.
    #[serde(rename = "CustomerId")]
    pub customer_id: String,
    /// `Password`. Left out of `Debug`.
    #[serde(rename = "Password")]
    pub password: String,
    /// False when the customer may not send SMS; `true` when the case does not say.
    #[serde(default = "yes")]
    pub sms_allowed: bool,
    /// The partner ids allowed to send for this customer.
    #[serde(default)]
    pub authorised_partners: Vec<String>,
}

impl fmt::Debug for Customer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Customer")
            .field("customer_id", &self.customer_id)
            .field("password", &"<redacted>")
            .field("sms_allowed", &self.sms_allowed)
            .field("authorised_partners", &self.authorised_partners)
            .finish()
    }
}

/// A partner account the verifier knows.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Partner {
    /// The partner's id (as `authorised_partners` names it).
    pub id: String,
    /// `PartnerKey`. Left out of `Debug`.
    #[serde(rename = "PartnerKey")]
    pub partner_key: String,
    /// False when the partner is disabled; `true` when the case does not say.
    #[serde(default = "yes")]
    pub enabled: bool,
}

impl fmt::Debug for Partner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Partner")
            .field("id", &self.id)
            .field("partner_key", &"<redacted>")
            .field("enabled", &self.enabled)
            .finish()
    }
}

fn yes() -> bool {
    true
}

/// The verifier's accounts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Directory {
    /// The customers.
    #[serde(default)]
    pub customers: Vec<Customer>,
    /// The partners.
    #[serde(default)]
    pub partners: Vec<Partner>,
}

/// The input of a `verify` case: a request body as the server receives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyInput {
    /// The endpoint it was sent to.
    pub route: Route,
    /// The body bytes.
    pub body: Vec<u8>,
    /// The server's clock, Unix milliseconds.
    pub now_ms: i64,
    /// The seed of the reference's message ids (`MessageId` is a free member: any id
    /// passes).
    pub ids_seed: String,
    /// The counter of the reference's message ids.
    pub ids_counter: u64,
    /// The accounts.
    pub directory: Directory,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIds {
    seed: String,
    counter: Counter,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVerify {
    route: Option<String>,
    body: Option<String>,
    body_base64: Option<String>,
    now_ms: i64,
    ids: RawIds,
    #[serde(default)]
    directory: Directory,
}

fn verify_input(scheme: &str, case: &Case) -> Result<VerifyInput, Answer> {
    let raw: RawVerify = parse_input(&case.input)?;
    if raw.body.is_none() && raw.body_base64.is_none() {
        return Err(bad("body", "give `body` or `body_base64`"));
    }
    let ids_counter = raw.ids.counter.value()?;
    Ok(VerifyInput {
        route: route_of(scheme, raw.route.as_deref())?,
        body: body_bytes(
            "",
            raw.body.as_deref(),
            raw.body_base64.as_deref(),
            None,
            None,
        )?,
        now_ms: raw.now_ms,
        ids_seed: raw.ids.seed,
        ids_counter,
        directory: raw.directory,
    })
}

/// The `verify` harness of `groupcall-customer` or `groupcall-partner`.
pub(super) fn verify_scheme(
    scheme: &'static str,
    verifier: impl FnMut(&VerifyInput) -> Result<Vec<ResponseElement>, Refusal>,
) -> HarnessReport {
    run_op(
        bundled(),
        scheme,
        "verify",
        |case: &Case| verify_input(scheme, case),
        |_: &Case, elements: Vec<ResponseElement>| json!({ "status": 200, "response": to_json(&elements) }),
        verifier,
    )
}

/// Runs every bundled `groupcall-customer` `verify` case through `verifier` and grades
/// it: the 200 response's elements, or a refusal of the whole request (the code of a
/// 4xx, e.g. `INVALID_JSON`).
///
/// # Panics
/// When a bundled case cannot be typed as a [`VerifyInput`] (naming case and field).
pub fn verify(
    verifier: impl FnMut(&VerifyInput) -> Result<Vec<ResponseElement>, Refusal>,
) -> HarnessReport {
    verify_scheme(SCHEME, verifier)
}

/// The input of a `parse-response` case: the server's answer as a client receives it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseInput {
    /// The HTTP status.
    pub status: u16,
    /// The body text.
    pub body: String,
    /// How many elements the client sent, when the case says.
    #[serde(default)]
    pub sent: Option<usize>,
}

/// The `parse-response` harness of `groupcall-customer` or `groupcall-partner`.
pub(super) fn parse_response_scheme(
    scheme: &'static str,
    parser: impl FnMut(&ResponseInput) -> Result<Vec<Outcome>, Refusal>,
) -> HarnessReport {
    run_op(
        bundled(),
        scheme,
        "parse-response",
        |case: &Case| parse_input(&case.input),
        |_: &Case, outcomes: Vec<Outcome>| json!({ "results": outcomes.iter().map(outcome_json).collect::<Vec<_>>() }),
        parser,
    )
}

/// Runs every bundled `groupcall-customer` `parse-response` case through `parser` and
/// grades it: one outcome per element, or a refusal (`MALFORMED_ELEMENT`, …).
///
/// # Panics
/// When a bundled case cannot be typed as a [`ResponseInput`] (naming case and field).
pub fn parse_response(
    parser: impl FnMut(&ResponseInput) -> Result<Vec<Outcome>, Refusal>,
) -> HarnessReport {
    parse_response_scheme(SCHEME, parser)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn case(op: &str, input: Value) -> Case {
        serde_json::from_value(json!({
            "id": format!("groupcall-customer/{op}/001"), "op": op, "basis": ["rfc8259"],
            "input": input, "expect": {"result": "invalid", "error": "INVALID_JSON"}
        }))
        .expect("a case")
    }

    fn bad_field<T: fmt::Debug>(typed: Result<T, Answer>) -> String {
        match typed {
            Err(Answer::BadInput { field, .. }) => field,
            other => panic!("expected bad input, got {other:?}"),
        }
    }

    #[test]
    fn an_input_the_harness_cannot_type_names_its_field() {
        let verify = |input: Value| verify_input(SCHEME, &case("verify", input));
        let ids = json!({"seed": "s", "counter": 1});
        assert_eq!(
            bad_field(verify(json!({"route": "SMS", "now_ms": 0, "ids": ids}))),
            "body"
        );
        let ids = json!({"seed": "s", "counter": "12a"});
        assert_eq!(
            bad_field(verify(
                json!({"route": "SMS", "body": "", "now_ms": 0, "ids": ids})
            )),
            "ids.counter"
        );
        let ids = json!({"seed": "s", "counter": "2516506506657265717"});
        assert_eq!(
            bad_field(verify(
                json!({"route": "Fax", "body": "", "now_ms": 0, "ids": ids})
            )),
            "route"
        );
        // An element with a misspelt member.
        let element = json!({"CustomerId": "1", "SMSMesage": "typo"});
        assert_eq!(
            bad_field(parse_input::<MessageInput>(&element)),
            "SMSMesage"
        );
    }

    #[test]
    fn a_bare_recipient_string_is_a_mobile_number() {
        let r: Vec<Recipient> =
            serde_json::from_value(json!(["+447700900123", {"EmailAddress": "a@example.com"}]))
                .expect("recipients");
        assert_eq!(r[0].mobile_number.as_deref(), Some("+447700900123"));
        assert_eq!(r[0].email_address, None);
        assert_eq!(r[1].email_address.as_deref(), Some("a@example.com"));
        assert_eq!(r[1].mobile_number, None);
    }
}
