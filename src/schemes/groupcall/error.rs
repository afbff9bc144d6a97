//! The one error type of the two Groupcall schemes, with stable codes.

/// Why a Groupcall request could not be built, a payload could not be verified, or a
/// response could not be read.
///
/// Each variant has a stable [`Error::code`] (the string the test vectors grade) and a
/// message that names the field at fault and the fix. No message carries a password,
/// a partner key or any other part of a request body.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A batch with no message: `messageData` must hold at least one element.
    #[error("`messageData` is empty; add at least one message")]
    EmptyMessageData,
    /// A required field is absent or empty.
    #[error("`{field}` is required and must not be empty")]
    MissingField {
        /// The field, as a path into the body (`messageData[0].SMSMessage`).
        field: String,
    },
    /// `CustomerId`, `Password` or `PartnerKey` starts or ends with white space (the
    /// vendor's troubleshooting: "Ensure no extra spaces or characters").
    #[error(
        "`{field}` starts or ends with white space; copy the credential without spaces or line breaks"
    )]
    MalformedCredential {
        /// The field at fault.
        field: String,
    },
    /// `Recipients` is empty.
    #[error("`{field}` is empty; name at least one recipient")]
    EmptyRecipients {
        /// The field at fault.
        field: String,
    },
    /// A recipient names nobody, or an identifier has the wrong shape.
    #[error("`{field}` is not a usable recipient: {reason}")]
    MalformedRecipient {
        /// The field at fault.
        field: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A `MobileNumber` is not in international form.
    #[error(
        "`{field}` must be a mobile number in international form: `+`, then 7 to 15 digits, no spaces (e.g. `+447700900123`)"
    )]
    MalformedMobileNumber {
        /// The field at fault.
        field: String,
    },
    /// An e-mail address is not `local@domain.tld`.
    #[error("`{field}` must be an e-mail address such as `someone@example.org`")]
    MalformedEmailAddress {
        /// The field at fault.
        field: String,
    },
    /// `SMSMessage` is longer than 918 characters.
    #[error("`{field}` is {length} characters long; the limit is 918 (6 concatenated SMS parts)")]
    MessageTooLong {
        /// The field at fault.
        field: String,
        /// Its length in characters (Unicode scalar values).
        length: usize,
    },
    /// `CallbackUrl` is not an absolute `https://` (or `http://`) URL.
    #[error(
        "`{field}` must be an absolute URL such as `https://example.org/sms-callback`: {reason}"
    )]
    MalformedCallbackUrl {
        /// The field at fault.
        field: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// `SendTo` is not 0, 1 or 2.
    #[error(
        "`{field}` must be 0 (the recipient), 1 (their priority contact) or 2 (all their contacts)"
    )]
    MalformedSendTo {
        /// The field at fault.
        field: String,
    },
    /// An attachment lacks a `FileName` or its `FileData` is not standard Base64.
    #[error("`{field}` is not a usable attachment: {reason}")]
    MalformedAttachment {
        /// The field at fault.
        field: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A message's content does not belong on the route (e-mail fields on an SMS route).
    #[error("`{field}` does not belong on the `{route}` route: {reason}")]
    WrongContent {
        /// The field at fault.
        field: String,
        /// The route.
        route: &'static str,
        /// What belongs there instead.
        reason: &'static str,
    },
    /// The request body is not JSON (the server answers HTTP 400).
    #[error("the request body is not JSON ({reason}); send a JSON object with `messageData`")]
    MalformedJson {
        /// Where parsing stopped (position only, never the body's text).
        reason: String,
    },
    /// The request body is JSON but not `{"messageData":[…]}` (HTTP 400).
    #[error("the request body is not a SendMessage_V3 payload: {reason}")]
    MalformedPayload {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// `messageData` holds more elements than the verifier accepts in one request (HTTP
    /// 413); see [`super::Verifier::with_max_messages`].
    #[error(
        "`messageData` holds {count} messages; at most {limit} are accepted in one request: send them in batches of {limit} or fewer"
    )]
    TooManyMessages {
        /// How many elements the payload holds.
        count: usize,
        /// The verifier's limit.
        limit: usize,
    },
    /// The server answered with a status other than 2xx.
    #[error("the server answered HTTP {status}; no message is known to have been queued")]
    HttpStatus {
        /// The HTTP status.
        status: u16,
    },
    /// The response body is not JSON.
    #[error("the response body is not JSON ({reason})")]
    MalformedResponseJson {
        /// Where parsing stopped.
        reason: String,
    },
    /// The response body is JSON but not an array.
    #[error("the response must be a JSON array with one result per message")]
    NotAnArray,
    /// The response is an empty array.
    #[error("the response array is empty; every message sent should have a result")]
    EmptyResponse,
    /// An element of the response array has a field of the wrong type or shape.
    #[error("response element {index}: `{field}` {reason}")]
    MalformedElement {
        /// The element's position in the array.
        index: usize,
        /// The field at fault (`.` for the element itself).
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The response holds a different number of results from the messages sent.
    #[error(
        "{sent} message(s) sent but {received} result(s) received; results cannot be matched to messages"
    )]
    CountMismatch {
        /// Messages sent.
        sent: usize,
        /// Results received.
        received: usize,
    },
    /// The HTTP exchange failed (connection, TLS, timeout).
    #[error("the request could not be sent: {reason}")]
    Transport {
        /// The transport's description.
        reason: String,
    },
}

impl Error {
    /// The stable code graded by the test vectors.
    pub fn code(&self) -> &'static str {
        match self {
            Error::EmptyMessageData => "EMPTY_MESSAGE_DATA",
            Error::MissingField { .. } => "MISSING_FIELD",
            Error::MalformedCredential { .. } => "MALFORMED_CREDENTIAL",
            Error::EmptyRecipients { .. } => "EMPTY_RECIPIENTS",
            Error::MalformedRecipient { .. } => "MALFORMED_RECIPIENT",
            Error::MalformedMobileNumber { .. } => "MALFORMED_MOBILE_NUMBER",
            Error::MalformedEmailAddress { .. } => "MALFORMED_EMAIL_ADDRESS",
            Error::MessageTooLong { .. } => "MESSAGE_TOO_LONG",
            Error::MalformedCallbackUrl { .. } => "MALFORMED_CALLBACK_URL",
            Error::MalformedSendTo { .. } => "MALFORMED_SEND_TO",
            Error::MalformedAttachment { .. } => "MALFORMED_ATTACHMENT",
            Error::WrongContent { .. } => "WRONG_CONTENT",
            Error::MalformedJson { .. } => "MALFORMED_JSON",
            Error::MalformedPayload { .. } => "MALFORMED_PAYLOAD",
            Error::TooManyMessages { .. } => "TOO_MANY_MESSAGES",
            Error::HttpStatus { .. } => "HTTP_ERROR",
            Error::MalformedResponseJson { .. } => "MALFORMED_RESPONSE_JSON",
            Error::NotAnArray => "NOT_AN_ARRAY",
            Error::EmptyResponse => "EMPTY_RESPONSE",
            Error::MalformedElement { .. } => "MALFORMED_ELEMENT",
            Error::CountMismatch { .. } => "COUNT_MISMATCH",
            Error::Transport { .. } => "TRANSPORT",
        }
    }

    /// The HTTP status a server answers this error with: 400 for a body that is not a
    /// payload (G4), 413 for one with too many messages, `None` for errors that are not
    /// a server's to give.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::MalformedJson { .. } | Error::MalformedPayload { .. } => Some(400),
            Error::TooManyMessages { .. } => Some(413),
            _ => None,
        }
    }

    /// The same error with its field path placed under `messageData[index]`.
    pub fn in_element(self, index: usize) -> Self {
        let prefix = |f: String| format!("messageData[{index}].{f}");
        match self {
            Error::MissingField { field } => Error::MissingField {
                field: prefix(field),
            },
            Error::MalformedCredential { field } => Error::MalformedCredential {
                field: prefix(field),
            },
            Error::EmptyRecipients { field } => Error::EmptyRecipients {
                field: prefix(field),
            },
            Error::MalformedRecipient { field, reason } => Error::MalformedRecipient {
                field: prefix(field),
                reason,
            },
            Error::MalformedMobileNumber { field } => Error::MalformedMobileNumber {
                field: prefix(field),
            },
            Error::MalformedEmailAddress { field } => Error::MalformedEmailAddress {
                field: prefix(field),
            },
            Error::MessageTooLong { field, length } => Error::MessageTooLong {
                field: prefix(field),
                length,
            },
            Error::MalformedCallbackUrl { field, reason } => Error::MalformedCallbackUrl {
                field: prefix(field),
                reason,
            },
            Error::MalformedSendTo { field } => Error::MalformedSendTo {
                field: prefix(field),
            },
            Error::MalformedAttachment { field, reason } => Error::MalformedAttachment {
                field: prefix(field),
                reason,
            },
            Error::WrongContent {
                field,
                route,
                reason,
            } => Error::WrongContent {
                field: prefix(field),
                route,
                reason,
            },
            other => other,
        }
    }

    /// Every code, in declaration order (the list is snapshot-tested so a change shows).
    pub const CODES: &'static [&'static str] = &[
        "EMPTY_MESSAGE_DATA",
        "MISSING_FIELD",
        "MALFORMED_CREDENTIAL",
        "EMPTY_RECIPIENTS",
        "MALFORMED_RECIPIENT",
        "MALFORMED_MOBILE_NUMBER",
        "MALFORMED_EMAIL_ADDRESS",
        "MESSAGE_TOO_LONG",
        "MALFORMED_CALLBACK_URL",
        "MALFORMED_SEND_TO",
        "MALFORMED_ATTACHMENT",
        "WRONG_CONTENT",
        "MALFORMED_JSON",
        "MALFORMED_PAYLOAD",
        "TOO_MANY_MESSAGES",
        "HTTP_ERROR",
        "MALFORMED_RESPONSE_JSON",
        "NOT_AN_ARRAY",
        "EMPTY_RESPONSE",
        "MALFORMED_ELEMENT",
        "COUNT_MISMATCH",
        "TRANSPORT",
    ];
}
