//! The response parser and classifier (G3, G5): every element of the array, in order.

use serde_json::{Map, Value};

use super::Error;
use crate::encoding::parse_iso8601;

/// The most fractional digits `transmitDateTime` carries (.NET's 100 ns ticks).
pub const MAX_FRACTION_DIGITS: usize = 7;

/// A `transmitDateTime`, read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransmitTime {
    /// Seconds since the Unix epoch, UTC.
    pub unix_seconds: i64,
    /// Nanoseconds within the second (a multiple of 100 from 7 digits).
    pub nanos: u32,
    /// False when the text had no zone designator (read as UTC, G-TIME).
    pub has_zone: bool,
}

/// A queued message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    /// `MessageId`: non-empty.
    pub message_id: String,
    /// `errorMsg`, which starts with `OK` (e.g. `OK 1 messages queued for sending`).
    pub error_msg: String,
    /// `statusMsg` (e.g. `In Queue`).
    pub status_msg: Option<String>,
    /// `transmitDateTime`, as sent.
    pub transmit_date_time: Option<String>,
    /// `transmitDateTime`, read.
    pub transmitted: Option<TransmitTime>,
    /// `ClientRef`, echoed.
    pub client_ref: Option<String>,
}

/// A refused message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// `errorMsg` if non-empty, else `WarningMessages[0]` if non-empty, else
    /// `Unknown error` (G3).
    pub error: String,
    /// `WarningMessages`, all of them.
    pub warnings: Vec<String>,
    /// `ClientRef`, echoed.
    pub client_ref: Option<String>,
}

/// The result of one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Queued for sending.
    Accepted(Accepted),
    /// Not sent.
    Refused(Refused),
}

impl Outcome {
    /// True for [`Outcome::Accepted`].
    pub fn is_success(&self) -> bool {
        matches!(self, Outcome::Accepted(_))
    }
}

/// The error text when neither `errorMsg` nor `WarningMessages[0]` has one.
pub const UNKNOWN_ERROR: &str = "Unknown error";

fn opt_string(
    m: &Map<String, Value>,
    index: usize,
    field: &'static str,
) -> Result<Option<String>, Error> {
    match m.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Error::MalformedElement {
            index,
            field,
            reason: "must be a string or null",
        }),
    }
}

/// Classifies one element (G3). Fields read: `errorMsg`, `MessageId`,
/// `WarningMessages`, `statusMsg`, `transmitDateTime`, `ClientRef`; each may be
/// missing or null; a present one of the wrong type is [`Error::MalformedElement`].
/// `MessageSentId` and every other field are never read.
pub fn classify(index: usize, element: &Value) -> Result<Outcome, Error> {
    let Value::Object(m) = element else {
        return Err(Error::MalformedElement {
            index,
            field: ".",
            reason: "must be an object",
        });
    };
    let error_msg = opt_string(m, index, "errorMsg")?;
    let message_id = opt_string(m, index, "MessageId")?;
    let warnings = match m.get("WarningMessages") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|w| w.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or(Error::MalformedElement {
                index,
                field: "WarningMessages",
                reason: "must be an array of strings",
            })?,
        Some(_) => {
            return Err(Error::MalformedElement {
                index,
                field: "WarningMessages",
                reason: "must be an array of strings or null",
            });
        }
    };
    let status_msg = opt_string(m, index, "statusMsg")?;
    let transmit_date_time = opt_string(m, index, "transmitDateTime")?;
    let transmitted = match &transmit_date_time {
        None => None,
        Some(t) => {
            let p = parse_iso8601(t, MAX_FRACTION_DIGITS).ok_or(Error::MalformedElement {
                index,
                field: "transmitDateTime",
                reason: "must be an ISO 8601 time `YYYY-MM-DDTHH:MM:SS[.f{1,7}][Z|±HH:MM]`",
            })?;
            Some(TransmitTime {
                unix_seconds: p.unix_seconds,
                nanos: p.nanos,
                has_zone: p.has_zone,
            })
        }
    };
    let client_ref = opt_string(m, index, "ClientRef")?;
    let ok = error_msg.as_deref().is_some_and(|e| e.starts_with("OK"));
    match (ok, message_id) {
        (true, Some(id)) if !id.is_empty() => Ok(Outcome::Accepted(Accepted {
            message_id: id,
            error_msg: error_msg.unwrap_or_default(),
            status_msg,
            transmit_date_time,
            transmitted,
            client_ref,
        })),
        _ => {
            let error = error_msg
                .filter(|e| !e.is_empty())
                .or_else(|| warnings.first().filter(|w| !w.is_empty()).cloned())
                .unwrap_or_else(|| UNKNOWN_ERROR.to_owned());
            Ok(Outcome::Refused(Refused {
                error,
                warnings,
                client_ref,
            }))
        }
    }
}

/// Reads a `SendMessage_V3` response: HTTP `status` must be 2xx (else
/// [`Error::HttpStatus`]); the body a non-empty JSON array; each element is classified
/// by [`classify`]. With `sent`, the array must hold exactly that many results.
/// Never panics, whatever the bytes.
pub fn parse_response(
    status: u16,
    body: &[u8],
    sent: Option<usize>,
) -> Result<Vec<Outcome>, Error> {
    if !(200..=299).contains(&status) {
        return Err(Error::HttpStatus { status });
    }
    let root: Value = serde_json::from_slice(body).map_err(|e| Error::MalformedResponseJson {
        reason: format!("line {} column {}", e.line(), e.column()),
    })?;
    let Value::Array(items) = root else {
        return Err(Error::NotAnArray);
    };
    if items.is_empty() {
        return Err(Error::EmptyResponse);
    }
    if let Some(n) = sent
        && n != items.len()
    {
        return Err(Error::CountMismatch {
            sent: n,
            received: items.len(),
        });
    }
    items
        .iter()
        .enumerate()
        .map(|(i, v)| classify(i, v))
        .collect()
}
