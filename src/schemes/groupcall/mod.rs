//! Groupcall Messenger "Communications API" (`SendMessage_V3`): **customer
//! authentication** (`groupcall-customer`) and **partner authentication**
//! (`groupcall-partner`).
//!
//! Sources: <https://xporterdocs.groupcall.com/docs/Communications/authentication/customer-auth>,
//! <https://xporterdocs.groupcall.com/docs/Communications/authentication/partner-auth>,
//! <https://xporterdocs.groupcall.com/docs/Communications/troubleshooting/authentication-errors>.
//!
//! # Where the credentials travel
//!
//! "Credentials are included in the request body rather than in headers. No
//! Authorization header is required." Every `messageData` element carries its own
//! customer's `CustomerId` and `Password` (the customer API key); the partner route adds
//! `PartnerKey` and `styleClass` at the root:
//!
//! ```text
//! POST /api/SendMessage_V3/PartnerRoute        (or /SMS, /Email without the root pair)
//! Content-Type: application/json
//!
//! {"PartnerKey":"partner-abc-12345","styleClass":"YourCompanyName",
//!  "messageData":[{"CustomerId":"1469","Password":"customer-api-key-67890",
//!                  "SMSMessage":"…","Recipients":[{"MobileNumber":"+447700900123"}],
//!                  "ClientRef":"MSG-12345"}]}
//! ```
//!
//! The answer is an array, one element per `messageData` element, in order, mostly
//! with HTTP 200 even when nothing was sent:
//!
//! ```text
//! [{"WarningMessages":[],"errorMsg":"OK 1 messages queued for sending","MessageSentId":0,
//!   "MessageId":"1469.20250704.02516506506657265717-e0684dbcb71f402ab39d4d6b86d44cbb",
//!   "statusMsg":"In Queue","transmitDateTime":"2025-07-04T17:28:54.5859378Z","ClientRef":null}]
//! ```
//!
//! # Example
//!
//! ```
//! use partner_auth::schemes::groupcall::{
//!     Batch, Customer, Directory, Message, Outcome, Partner, PartnerCredentials, Recipient,
//!     Route, SeededIds, Verifier, parse_response,
//! };
//! use partner_auth::{FixedClock, Secret};
//!
//! // Client side: a validated message, the exact body.
//! let msg = Message::sms("1469", "customer-api-key-67890")
//!     .text("Hello from the Communications API!")
//!     .recipient(Recipient::mobile("+447700900123"))
//!     .build()?;
//! let partner = PartnerCredentials::new("partner-abc-12345", "YourCompanyName")?;
//! let request = Batch::partner(partner, vec![msg])?.request();
//! assert_eq!(request.target, "/api/SendMessage_V3/PartnerRoute");
//! assert!(request.body.expose().starts_with(b"{\"PartnerKey\":\"partner-abc-12345\",\"styleClass\""));
//! assert!(!format!("{request:?}").contains("customer-api-key-67890"));
//!
//! // Server side: a directory of customers and partners.
//! let mut directory = Directory::new();
//! directory.insert_partner(Partner { id: "abc".into(), key: Secret::from("partner-abc-12345"), enabled: true });
//! directory.insert_customer("1469", Customer {
//!     password: Secret::from("customer-api-key-67890"),
//!     sms_allowed: true,
//!     authorised_partners: vec!["abc".into()],
//! });
//! let verifier = Verifier::new(directory, FixedClock::from_millis(1_751_650_134_585), SeededIds::new("doc", 1));
//! let (status, answer) = verifier.respond(Route::PartnerRoute, request.body.expose());
//! assert_eq!(status, 200);
//!
//! // Client side again: every element classified.
//! let outcomes = parse_response(status, &answer, Some(1))?;
//! let Outcome::Accepted(ok) = &outcomes[0] else { panic!() };
//! assert_eq!(ok.error_msg, "OK 1 messages queued for sending");
//! assert!(ok.message_id.starts_with("1469.20250704.00000000000000000001-"));
//! # Ok::<(), partner_auth::schemes::groupcall::Error>(())
//! ```
//!
//! # Where the vendor's pages are silent
//!
//! - G1: each `messageData` element carries its own `CustomerId` + `Password`; the
//!   response is an array with one result per element, in order.
//! - G2: PartnerRoute needs a known, enabled `PartnerKey`, a customer who authorised
//!   the partner, and a present, non-empty `styleClass` (its value is not checked).
//! - G3: success iff `errorMsg` starts with `OK` and `MessageId` is a non-empty string;
//!   the error text is `errorMsg` if non-empty, else `WarningMessages[0]`, else
//!   `Unknown error`; `MessageSentId` is never read.
//! - G4: refusals answer HTTP 200 with the documented strings; a body that is not JSON,
//!   or not an object with a non-empty `messageData` array, answers 400.
//! - G5: parsers never panic; unknown fields are ignored; null reads as absent; a
//!   present field of the wrong type is an error.
//! - The builder writes `Recipients` as objects (`{"MobileNumber":…}`, what the field
//!   table, the customer-auth page and the recipients reference show); the verifier
//!   also accepts bare strings (the SMS quick-start's form) as mobile numbers.
//! - `SMSMessage` length is counted in Unicode scalar values, at most 918.
//! - The vendor documents no limit on the number of messages in one request; the
//!   verifier accepts at most [`DEFAULT_MAX_MESSAGES`] (1000, set with
//!   [`Verifier::with_max_messages`]) and refuses a larger batch as a whole, HTTP 413
//!   `TOO_MANY_MESSAGES`, so that no answer (one result per message) grows past that.

#[cfg(feature = "client")]
mod client;
mod credentials;
mod error;
mod message;
mod verify;
mod wire;

#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub use client::{Client, DEFAULT_TIMEOUT, PRODUCTION, SANDBOX};
pub use credentials::{Customer, CustomerCredentials, Directory, Partner, PartnerCredentials};
pub use error::Error;
pub use message::{
    Attachment, Batch, Body, BuiltRequest, Content, Message, MessageBuilder, Recipient, Route,
    SMS_MAX_CHARS, SendTo,
};
pub use verify::{
    DATA_NOT_VALID, DEFAULT_MAX_MESSAGES, IN_QUEUE, MessageIds, PARTNER_KEY_NOT_VALID,
    PARTNER_NOT_AUTHORIZED, PARTNER_NOT_ENABLED, RandomIds, ResponseElement, SMS_NOT_ALLOWED,
    SeededIds, Verifier, queued, response_json,
};

/// The slug of Groupcall customer authentication in vectors, the CLI and the registry.
pub const CUSTOMER_SLUG: &str = "groupcall-customer";
/// The slug of Groupcall partner authentication.
pub const PARTNER_SLUG: &str = "groupcall-partner";

pub use wire::{
    Accepted, MAX_FRACTION_DIGITS, Outcome, Refused, TransmitTime, UNKNOWN_ERROR, classify,
    parse_response,
};
