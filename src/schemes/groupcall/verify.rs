//! The server side: reads a `SendMessage_V3` payload, authenticates every element
//! against a [`Directory`], and answers the per-element response array (G1, G2, G4).

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Map, Value};

use super::message::{
    check_attachment, check_callback_url, check_email, check_mobile, check_sms_text,
};
use super::{Attachment, Directory, Error, Recipient, Route, SendTo};
use crate::Clock;
use crate::encoding::{civil_date, format_iso8601_ticks, hex_lower, sha256};

/// `errorMsg` when an element's customer credentials (or its data) are not valid:
/// wrong `CustomerId` or `Password`, a revoked key, a missing field.
pub const DATA_NOT_VALID: &str = "Data is not valid, no messages sent";
/// `errorMsg` and `WarningMessages[0]` when `PartnerKey` is unknown (PartnerRoute).
pub const PARTNER_KEY_NOT_VALID: &str = "Partner key is not valid";
/// `errorMsg` and `WarningMessages[0]` when the partner has not completed onboarding.
pub const PARTNER_NOT_ENABLED: &str = "Partner is not enabled, no message was sent.";
/// `WarningMessages[0]` (with `errorMsg` null) when the customer does not allow SMS.
pub const SMS_NOT_ALLOWED: &str = "Customer does not allow sending SMS";
/// `WarningMessages[0]` (with `errorMsg` null) when the customer has not authorised the
/// partner.
pub const PARTNER_NOT_AUTHORIZED: &str = "Partner account not authorized for this customer";
/// `statusMsg` of a queued message.
pub const IN_QUEUE: &str = "In Queue";

/// `errorMsg` of a queued element: `OK <n> messages queued for sending`, `n` the
/// element's number of recipients (the vendor's example writes "1 messages").
pub fn queued(n: usize) -> String {
    format!("OK {n} messages queued for sending")
}

/// One element of the response array, fields in the order the vendor's examples show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponseElement {
    /// `WarningMessages`.
    pub warning_messages: Vec<String>,
    /// `errorMsg`.
    pub error_msg: Option<String>,
    /// `MessageSentId`: always 0 (the docs: "may be 0 even for successful messages").
    pub message_sent_id: i64,
    /// `MessageId`.
    pub message_id: Option<String>,
    /// `statusMsg`.
    pub status_msg: Option<String>,
    /// `transmitDateTime`.
    pub transmit_date_time: Option<String>,
    /// `ClientRef`: the element's own, echoed.
    pub client_ref: Option<String>,
}

impl ResponseElement {
    fn refused(error_msg: Option<&str>, warning: Option<&str>, client_ref: Option<String>) -> Self {
        Self {
            warning_messages: warning.map(str::to_owned).into_iter().collect(),
            error_msg: error_msg.map(str::to_owned),
            message_sent_id: 0,
            message_id: None,
            status_msg: None,
            transmit_date_time: None,
            client_ref,
        }
    }

    /// True for a queued element.
    pub fn is_queued(&self) -> bool {
        self.message_id.is_some()
    }

    /// The element as JSON: `WarningMessages`, `errorMsg`, `MessageSentId`, `MessageId`,
    /// `statusMsg`, `transmitDateTime`, `ClientRef`, every one present (null when empty).
    pub fn to_json(&self) -> Value {
        let opt = |v: &Option<String>| v.as_deref().map_or(Value::Null, Value::from);
        let mut m = Map::new();
        m.insert(
            "WarningMessages".into(),
            Value::Array(
                self.warning_messages
                    .iter()
                    .map(|w| Value::from(w.as_str()))
                    .collect(),
            ),
        );
        m.insert("errorMsg".into(), opt(&self.error_msg));
        m.insert("MessageSentId".into(), self.message_sent_id.into());
        m.insert("MessageId".into(), opt(&self.message_id));
        m.insert("statusMsg".into(), opt(&self.status_msg));
        m.insert("transmitDateTime".into(), opt(&self.transmit_date_time));
        m.insert("ClientRef".into(), opt(&self.client_ref));
        Value::Object(m)
    }
}

/// Where `MessageId`s come from. The shape is the vendor's example's:
/// `<CustomerId>.<yyyyMMdd>.<20 digits>-<32 lowercase hex>`.
pub trait MessageIds: Send + Sync {
    /// The id of the next queued element of `customer_id`, queued at `now_millis`.
    fn next_id(&self, customer_id: &str, now_millis: i64) -> String;
}

fn id_shape(customer_id: &str, now_millis: i64, sequence: u64, mut uuid: [u8; 16]) -> String {
    uuid[6] = (uuid[6] & 0x0f) | 0x40;
    uuid[8] = (uuid[8] & 0x3f) | 0x80;
    let (y, m, d) = civil_date(now_millis.div_euclid(1000));
    format!(
        "{customer_id}.{y:04}{m:02}{d:02}.{sequence:020}-{}",
        hex_lower(&uuid)
    )
}

/// Deterministic ids for tests and vectors: the `k`-th id (counting from `counter`) is
/// `<CustomerId>.<yyyyMMdd>.<k as 20 digits>-<h>`, where `h` is the first 16 bytes of
/// SHA-256(`<seed>:<k>`) with the UUID version-4 and variant bits set, in hex.
#[derive(Debug)]
pub struct SeededIds {
    seed: String,
    counter: AtomicU64,
}

impl SeededIds {
    /// Ids from `seed`, the first numbered `counter`.
    pub fn new(seed: impl Into<String>, counter: u64) -> Self {
        Self {
            seed: seed.into(),
            counter: AtomicU64::new(counter),
        }
    }
}

impl MessageIds for SeededIds {
    fn next_id(&self, customer_id: &str, now_millis: i64) -> String {
        let k = self.counter.fetch_add(1, Ordering::SeqCst);
        let digest = sha256(format!("{}:{k}", self.seed).as_bytes());
        let mut uuid = [0u8; 16];
        uuid.copy_from_slice(&digest[..16]);
        id_shape(customer_id, now_millis, k, uuid)
    }
}

/// Random ids for a running server: a sequence number and a random UUID v4.
#[derive(Debug, Default)]
pub struct RandomIds {
    counter: AtomicU64,
}

impl MessageIds for RandomIds {
    fn next_id(&self, customer_id: &str, now_millis: i64) -> String {
        let k = self.counter.fetch_add(1, Ordering::SeqCst);
        id_shape(customer_id, now_millis, k, *uuid::Uuid::new_v4().as_bytes())
    }
}

/// Verifies `SendMessage_V3` payloads.
pub struct Verifier<C: Clock, I: MessageIds> {
    directory: Directory,
    clock: C,
    ids: I,
}

impl<C: Clock, I: MessageIds> std::fmt::Debug for Verifier<C, I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier").finish_non_exhaustive()
    }
}

/// What one element is, once its shape checked.
struct ElementView<'a> {
    customer_id: &'a str,
    password: &'a str,
    recipients: usize,
}

fn opt_str<'a>(m: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, ()> {
    match m.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(()),
    }
}

fn req_str<'a>(m: &'a Map<String, Value>, name: &str) -> Result<&'a str, ()> {
    opt_str(m, name)?.filter(|s| !s.is_empty()).ok_or(())
}

/// A `Recipients` entry: an object with at least one usable identifier, or (as the SMS
/// quick-start shows) a bare string read as a `MobileNumber` (G-RECIPIENTS).
fn recipient_ok(v: &Value) -> bool {
    match v {
        Value::String(s) => check_mobile("", s).is_ok(),
        Value::Object(m) => {
            let id = match m.get("Id") {
                None | Some(Value::Null) => None,
                Some(Value::Number(n)) => match n.as_i64() {
                    Some(i) => Some(i),
                    None => return false,
                },
                Some(_) => return false,
            };
            let mut strings = [None, None, None, None, None];
            for (slot, name) in strings.iter_mut().zip([
                "ExternalId",
                "MessengerId",
                "IdaasId",
                "EmailAddress",
                "MobileNumber",
            ]) {
                match opt_str(m, name) {
                    Ok(v) => *slot = v.map(str::to_owned),
                    Err(()) => return false,
                }
            }
            let [
                external_id,
                messenger_id,
                idaas_id,
                email_address,
                mobile_number,
            ] = strings;
            Recipient {
                id,
                external_id,
                messenger_id,
                idaas_id,
                email_address,
                mobile_number,
            }
            .check("")
            .is_ok()
        }
        _ => false,
    }
}

/// The element's data checks (the same rules the builder applies); `None` means
/// "Data is not valid, no messages sent".
fn element_view(route: Route, v: &Value) -> Option<ElementView<'_>> {
    let m = v.as_object()?;
    let customer_id = req_str(m, "CustomerId").ok()?;
    let password = req_str(m, "Password").ok()?;
    if route.is_sms() {
        check_sms_text("", req_str(m, "SMSMessage").ok()?).ok()?;
        if opt_str(m, "SMSSender").ok()? == Some("") {
            return None;
        }
    } else {
        req_str(m, "EmailSubject").ok()?;
        req_str(m, "EmailBody").ok()?;
        if opt_str(m, "EmailSentFromName").ok()? == Some("") {
            return None;
        }
        for name in ["EmailSentFromAddress", "EmailReplyToAddress"] {
            if let Some(a) = opt_str(m, name).ok()? {
                check_email("", a).ok()?;
            }
        }
        match m.get("Attachments") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for item in items {
                    let o = item.as_object()?;
                    let a = Attachment {
                        file_name: opt_str(o, "FileName").ok()??.to_owned(),
                        file_data: opt_str(o, "FileData").ok()??.to_owned(),
                    };
                    check_attachment("", &a).ok()?;
                }
            }
            Some(_) => return None,
        }
    }
    let recipients = m.get("Recipients")?.as_array()?;
    if recipients.is_empty() || !recipients.iter().all(recipient_ok) {
        return None;
    }
    match m.get("SendTo") {
        None | Some(Value::Null) => {}
        Some(v) => {
            v.as_i64().and_then(SendTo::from_code)?;
        }
    }
    if let Some(url) = opt_str(m, "CallbackUrl").ok()? {
        check_callback_url("", url).ok()?;
    }
    opt_str(m, "ClientRef").ok()?;
    Some(ElementView {
        customer_id,
        password,
        recipients: recipients.len(),
    })
}

impl<C: Clock, I: MessageIds> Verifier<C, I> {
    /// A verifier over `directory`, stamping times from `clock` and ids from `ids`.
    pub fn new(directory: Directory, clock: C, ids: I) -> Self {
        Self {
            directory,
            clock,
            ids,
        }
    }

    /// Reads `body` as a payload for `route` and answers one element per
    /// `messageData` element, in order.
    ///
    /// Checks, in this order: the body is JSON (else [`Error::MalformedJson`]), an
    /// object with a non-empty `messageData` array (else [`Error::MalformedPayload`]);
    /// on PartnerRoute, `PartnerKey` is a known key ([`PARTNER_KEY_NOT_VALID`]), the
    /// partner is enabled ([`PARTNER_NOT_ENABLED`]), `styleClass` is a non-empty string
    /// ([`DATA_NOT_VALID`]), each answered for every element. Then per element: its data
    /// and its customer credentials ([`DATA_NOT_VALID`]), the partner authorised by the
    /// customer ([`PARTNER_NOT_AUTHORIZED`]), SMS allowed ([`SMS_NOT_ALLOWED`]).
    pub fn verify(&self, route: Route, body: &[u8]) -> Result<Vec<ResponseElement>, Error> {
        let root: Value = serde_json::from_slice(body).map_err(|e| Error::MalformedJson {
            reason: format!(
                "{} at line {} column {}",
                classify(&e),
                e.line(),
                e.column()
            ),
        })?;
        let Value::Object(root) = root else {
            return Err(Error::MalformedPayload {
                reason: "the body must be a JSON object such as {\"messageData\":[…]}",
            });
        };
        let elements = match root.get("messageData") {
            Some(Value::Array(items)) if !items.is_empty() => items,
            Some(Value::Array(_)) => {
                return Err(Error::MalformedPayload {
                    reason: "`messageData` is empty; send at least one message",
                });
            }
            Some(_) => {
                return Err(Error::MalformedPayload {
                    reason: "`messageData` must be an array of messages",
                });
            }
            None => {
                return Err(Error::MalformedPayload {
                    reason: "the root object has no `messageData` (the key is case-sensitive)",
                });
            }
        };
        let client_ref = |v: &Value| {
            v.get("ClientRef")
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let all = |error_msg: Option<&str>, warning: Option<&str>| {
            elements
                .iter()
                .map(|e| ResponseElement::refused(error_msg, warning, client_ref(e)))
                .collect()
        };
        let mut partner_id = None;
        if route == Route::PartnerRoute {
            let partner = root
                .get("PartnerKey")
                .and_then(Value::as_str)
                .and_then(|k| self.directory.partner_by_key(k.as_bytes()));
            let Some(partner) = partner else {
                return Ok(all(
                    Some(PARTNER_KEY_NOT_VALID),
                    Some(PARTNER_KEY_NOT_VALID),
                ));
            };
            if !partner.enabled {
                return Ok(all(Some(PARTNER_NOT_ENABLED), Some(PARTNER_NOT_ENABLED)));
            }
            match root.get("styleClass") {
                Some(Value::String(s)) if !s.is_empty() => {}
                _ => return Ok(all(Some(DATA_NOT_VALID), None)),
            }
            partner_id = Some(partner.id.as_str());
        }
        let now = self.clock.now_millis();
        let stamp = format_iso8601_ticks(
            now.div_euclid(1000),
            u32::try_from(now.rem_euclid(1000)).unwrap_or(0) * 10_000,
        );
        let mut out = Vec::with_capacity(elements.len());
        for element in elements {
            let cref = client_ref(element);
            let view = element_view(route, element);
            let customer = view.as_ref().and_then(|v| {
                self.directory
                    .authenticate_customer(v.customer_id, v.password.as_bytes())
            });
            let (Some(view), Some(customer)) = (view, customer) else {
                out.push(ResponseElement::refused(Some(DATA_NOT_VALID), None, cref));
                continue;
            };
            if let Some(pid) = partner_id
                && !customer.authorised_partners.iter().any(|p| p == pid)
            {
                out.push(ResponseElement::refused(
                    None,
                    Some(PARTNER_NOT_AUTHORIZED),
                    cref,
                ));
                continue;
            }
            if route.is_sms() && !customer.sms_allowed {
                out.push(ResponseElement::refused(None, Some(SMS_NOT_ALLOWED), cref));
                continue;
            }
            out.push(ResponseElement {
                warning_messages: Vec::new(),
                error_msg: Some(queued(view.recipients)),
                message_sent_id: 0,
                message_id: Some(self.ids.next_id(view.customer_id, now)),
                status_msg: Some(IN_QUEUE.to_owned()),
                transmit_date_time: Some(stamp.clone()),
                client_ref: cref,
            });
        }
        Ok(out)
    }

    /// [`Verifier::verify`] as an HTTP answer: `(200, <JSON array>)`, or
    /// `(400, {"message":"…"})` for a body that is not a payload.
    pub fn respond(&self, route: Route, body: &[u8]) -> (u16, Vec<u8>) {
        match self.verify(route, body) {
            Ok(elements) => (
                200,
                serde_json::to_vec(&Value::Array(
                    elements.iter().map(ResponseElement::to_json).collect(),
                ))
                .unwrap_or_default(),
            ),
            Err(e) => (
                e.http_status().unwrap_or(400),
                serde_json::to_vec(&serde_json::json!({ "message": e.to_string() }))
                    .unwrap_or_default(),
            ),
        }
    }
}

fn classify(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Eof => "it ends early",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Io => "read error",
        serde_json::error::Category::Data => "unexpected data",
    }
}
