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

impl serde::Serialize for ResponseElement {
    /// The same object as [`ResponseElement::to_json`], written without building it.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = serializer.serialize_map(Some(7))?;
        m.serialize_entry("WarningMessages", &self.warning_messages)?;
        m.serialize_entry("errorMsg", &self.error_msg)?;
        m.serialize_entry("MessageSentId", &self.message_sent_id)?;
        m.serialize_entry("MessageId", &self.message_id)?;
        m.serialize_entry("statusMsg", &self.status_msg)?;
        m.serialize_entry("transmitDateTime", &self.transmit_date_time)?;
        m.serialize_entry("ClientRef", &self.client_ref)?;
        m.end()
    }
}

/// The response array's JSON text, written straight from the elements (no intermediate
/// tree of `Value`s): the bytes `serde_json::to_vec` gives for the array of
/// [`ResponseElement::to_json`].
pub fn response_json(elements: &[ResponseElement]) -> Vec<u8> {
    serde_json::to_vec(elements).unwrap_or_default()
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
        let mut uuid = [0u8; 16];
        crate::encoding::random_bytes(&mut uuid);
        id_shape(customer_id, now_millis, k, uuid)
    }
}

/// The default [`Verifier::with_max_messages`]: at most 1000 `messageData` elements in
/// one request.
///
/// The vendor documents no limit. Without one, a 1 MiB body of `[0,0,…]` (about 524 000
/// elements) asks for 524 000 results, a 94 MB answer; with it, such a body is refused
/// with HTTP 413 ([`Error::TooManyMessages`]) and no answer holds more than this many
/// results.
pub const DEFAULT_MAX_MESSAGES: usize = 1000;

/// Verifies `SendMessage_V3` payloads.
pub struct Verifier<C: Clock, I: MessageIds> {
    directory: Directory,
    clock: C,
    ids: I,
    max_messages: usize,
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
            max_messages: DEFAULT_MAX_MESSAGES,
        }
    }

    /// Sets the most `messageData` elements one request may hold (default
    /// [`DEFAULT_MAX_MESSAGES`]); a payload with more is refused as a whole with
    /// [`Error::TooManyMessages`] (HTTP 413), before any credential is looked at. `0`
    /// refuses every payload.
    ///
    /// The answer holds one result per element, so this bounds it too: at most
    /// `max_messages` results of under 300 bytes each, plus the `ClientRef`s echoed
    /// (which the body itself had to hold).
    pub fn with_max_messages(mut self, max_messages: usize) -> Self {
        self.max_messages = max_messages;
        self
    }

    /// The most `messageData` elements one request may hold.
    pub fn max_messages(&self) -> usize {
        self.max_messages
    }

    /// Reads `body` as a payload for `route` and answers one element per
    /// `messageData` element, in order.
    ///
    /// Checks, in this order: the body is JSON (else [`Error::MalformedJson`]), an
    /// object with a non-empty `messageData` array (else [`Error::MalformedPayload`])
    /// of at most [`Verifier::max_messages`] elements (else [`Error::TooManyMessages`]:
    /// only that many elements are kept while the rest are counted); on PartnerRoute, `PartnerKey` is a known key ([`PARTNER_KEY_NOT_VALID`]), the
    /// partner is enabled ([`PARTNER_NOT_ENABLED`]), `styleClass` is a non-empty string
    /// ([`DATA_NOT_VALID`]), each answered for every element. Then per element: its data
    /// and its customer credentials ([`DATA_NOT_VALID`]), the partner authorised by the
    /// customer ([`PARTNER_NOT_AUTHORIZED`]), SMS allowed ([`SMS_NOT_ALLOWED`]).
    pub fn verify(&self, route: Route, body: &[u8]) -> Result<Vec<ResponseElement>, Error> {
        let root = parse_payload(body, self.max_messages)?;
        let elements = match root.message_data {
            MessageData::Array { items, count } if count > self.max_messages => {
                drop(items);
                return Err(Error::TooManyMessages {
                    count,
                    limit: self.max_messages,
                });
            }
            MessageData::Array { items, .. } if !items.is_empty() => items,
            MessageData::Array { .. } => {
                return Err(Error::MalformedPayload {
                    reason: "`messageData` is empty; send at least one message",
                });
            }
            MessageData::NotArray => {
                return Err(Error::MalformedPayload {
                    reason: "`messageData` must be an array of messages",
                });
            }
            MessageData::Absent => {
                return Err(Error::MalformedPayload {
                    reason: "the root object has no `messageData` (the key is case-sensitive)",
                });
            }
            MessageData::NotObject => {
                return Err(Error::MalformedPayload {
                    reason: "the body must be a JSON object such as {\"messageData\":[…]}",
                });
            }
        };
        let elements = &elements;
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
                .partner_key
                .as_deref()
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
            if root.style_class.as_deref().is_none_or(str::is_empty) {
                return Ok(all(Some(DATA_NOT_VALID), None));
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
            Ok(elements) => (200, response_json(&elements)),
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

/// The root object as far as the verifier reads it. Parsed without keeping anything it
/// does not read: unknown fields are checked as JSON and dropped, and past `limit`
/// elements of `messageData` are only counted, so the memory held is bounded by the
/// elements kept, not by the body.
struct Payload {
    partner_key: Option<String>,
    style_class: Option<String>,
    message_data: MessageData,
}

enum MessageData {
    /// The root is not an object.
    NotObject,
    /// No `messageData`.
    Absent,
    /// `messageData` is not an array.
    NotArray,
    /// The first `limit` elements, and how many there are in all.
    Array { items: Vec<Value>, count: usize },
}

fn parse_payload(body: &[u8], limit: usize) -> Result<Payload, Error> {
    use serde::de::DeserializeSeed;
    let mut de = serde_json::Deserializer::from_slice(body);
    let parsed = RootSeed { limit }
        .deserialize(&mut de)
        .and_then(|p| de.end().map(|()| p));
    parsed.map_err(|e| Error::MalformedJson {
        reason: format!(
            "{} at line {} column {}",
            classify(&e),
            e.line(),
            e.column()
        ),
    })
}

/// Accepts any JSON value and keeps nothing of it (numbers and strings are still checked
/// as `serde_json::Value` would check them).
struct Skip;

impl<'de> serde::Deserialize<'de> for Skip {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SkipVisitor).map(|()| Skip)
    }
}

struct SkipVisitor;

impl<'de> serde::de::Visitor<'de> for SkipVisitor {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<Skip, Skip>()?.is_some() {}
        Ok(())
    }
}

/// A string field: `Some` when it is a string, `None` for anything else (null, a number,
/// an array…), which the verifier treats as absent or invalid alike.
struct StringField(Option<String>);

impl<'de> serde::Deserialize<'de> for StringField {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Option<String>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
                Ok(Some(s.to_owned()))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<Self::Value, A::Error> {
                SkipVisitor.visit_seq(seq).map(|()| None)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                SkipVisitor.visit_map(map).map(|()| None)
            }
        }
        d.deserialize_any(V).map(StringField)
    }
}

/// `messageData`: its first `limit` elements kept, the rest counted.
struct MessageDataSeed {
    limit: usize,
}

impl<'de> serde::de::DeserializeSeed<'de> for MessageDataSeed {
    type Value = MessageData;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<MessageData, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for MessageDataSeed {
    type Value = MessageData;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<MessageData, E> {
        Ok(MessageData::NotArray)
    }
    fn visit_i64<E>(self, _: i64) -> Result<MessageData, E> {
        Ok(MessageData::NotArray)
    }
    fn visit_u64<E>(self, _: u64) -> Result<MessageData, E> {
        Ok(MessageData::NotArray)
    }
    fn visit_f64<E>(self, _: f64) -> Result<MessageData, E> {
        Ok(MessageData::NotArray)
    }
    fn visit_str<E>(self, _: &str) -> Result<MessageData, E> {
        Ok(MessageData::NotArray)
    }
    fn visit_unit<E>(self) -> Result<MessageData, E> {
        Ok(MessageData::NotArray)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<MessageData, A::Error> {
        SkipVisitor.visit_map(map).map(|()| MessageData::NotArray)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<MessageData, A::Error> {
        let mut items = Vec::new();
        let mut count = 0usize;
        while count < self.limit {
            match seq.next_element::<Value>()? {
                Some(v) => {
                    items.push(v);
                    count += 1;
                }
                None => return Ok(MessageData::Array { items, count }),
            }
        }
        while seq.next_element::<Skip>()?.is_some() {
            count = count.saturating_add(1);
        }
        Ok(MessageData::Array { items, count })
    }
}

/// The root: an object whose `PartnerKey`, `styleClass` and `messageData` are kept (the
/// last one wins when a key repeats, as with `serde_json::Value`).
struct RootSeed {
    limit: usize,
}

impl<'de> serde::de::DeserializeSeed<'de> for RootSeed {
    type Value = Payload;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Payload, D::Error> {
        d.deserialize_any(self)
    }
}

impl RootSeed {
    fn not_object() -> Payload {
        Payload {
            partner_key: None,
            style_class: None,
            message_data: MessageData::NotObject,
        }
    }
}

impl<'de> serde::de::Visitor<'de> for RootSeed {
    type Value = Payload;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Payload, E> {
        Ok(Self::not_object())
    }
    fn visit_i64<E>(self, _: i64) -> Result<Payload, E> {
        Ok(Self::not_object())
    }
    fn visit_u64<E>(self, _: u64) -> Result<Payload, E> {
        Ok(Self::not_object())
    }
    fn visit_f64<E>(self, _: f64) -> Result<Payload, E> {
        Ok(Self::not_object())
    }
    fn visit_str<E>(self, _: &str) -> Result<Payload, E> {
        Ok(Self::not_object())
    }
    fn visit_unit<E>(self) -> Result<Payload, E> {
        Ok(Self::not_object())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Payload, A::Error> {
        SkipVisitor.visit_seq(seq).map(|()| Self::not_object())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Payload, A::Error> {
        let mut payload = Payload {
            partner_key: None,
            style_class: None,
            message_data: MessageData::Absent,
        };
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "PartnerKey" => payload.partner_key = map.next_value::<StringField>()?.0,
                "styleClass" => payload.style_class = map.next_value::<StringField>()?.0,
                "messageData" => {
                    // A repeated key: let the earlier elements go before reading these.
                    payload.message_data = MessageData::Absent;
                    payload.message_data =
                        map.next_value_seed(MessageDataSeed { limit: self.limit })?;
                }
                _ => {
                    map.next_value::<Skip>()?;
                }
            }
        }
        Ok(payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FixedClock;

    fn verifier(max: usize) -> Verifier<FixedClock, SeededIds> {
        Verifier::new(
            Directory::new(),
            FixedClock::from_millis(1_751_650_134_585),
            SeededIds::new("t", 1),
        )
        .with_max_messages(max)
    }

    fn code(v: &Verifier<FixedClock, SeededIds>, body: &str) -> &'static str {
        match v.verify(Route::PartnerRoute, body.as_bytes()) {
            Ok(_) => "OK",
            Err(e) => e.code(),
        }
    }

    #[test]
    fn the_streaming_parse_answers_as_a_full_parse_would() {
        let v = verifier(3);
        for (body, want) in [
            ("", "MALFORMED_JSON"),
            ("{", "MALFORMED_JSON"),
            ("{\"messageData\":[{}]} x", "MALFORMED_JSON"),
            // Checked even where nothing is kept: a number out of range, bad UTF-8.
            ("{\"x\":1e400,\"messageData\":[{}]}", "MALFORMED_JSON"),
            ("{\"messageData\":[{},{},{},{},1e400]}", "MALFORMED_JSON"),
            ("{\"messageData\":[{},{},{},{},[}]}", "MALFORMED_JSON"),
            ("[]", "MALFORMED_PAYLOAD"),
            ("\"messageData\"", "MALFORMED_PAYLOAD"),
            ("{}", "MALFORMED_PAYLOAD"),
            ("{\"MessageData\":[{}]}", "MALFORMED_PAYLOAD"),
            ("{\"messageData\":null}", "MALFORMED_PAYLOAD"),
            ("{\"messageData\":{\"a\":[1]}}", "MALFORMED_PAYLOAD"),
            ("{\"messageData\":[]}", "MALFORMED_PAYLOAD"),
            // The last of a repeated key wins.
            (
                "{\"messageData\":[{}],\"messageData\":[]}",
                "MALFORMED_PAYLOAD",
            ),
            ("{\"messageData\":[],\"messageData\":[{}]}", "OK"),
            ("{\"messageData\":[{},{},{}]}", "OK"),
            ("{\"messageData\":[{},{},{},{}]}", "TOO_MANY_MESSAGES"),
        ] {
            assert_eq!(code(&v, body), want, "{body}");
        }
    }

    #[test]
    fn past_the_limit_the_whole_batch_is_refused_with_its_count_and_the_limit() {
        let body = format!("{{\"messageData\":[{}]}}", vec!["0"; 5000].join(","));
        let err = verifier(1000)
            .verify(Route::Sms, body.as_bytes())
            .unwrap_err();
        assert_eq!(
            err,
            Error::TooManyMessages {
                count: 5000,
                limit: 1000
            }
        );
        assert_eq!(err.http_status(), Some(413));
        let text = err.to_string();
        assert!(text.contains("5000") && text.contains("1000"), "{text}");
        let (status, answer) = verifier(1000).respond(Route::Sms, body.as_bytes());
        assert_eq!(status, 413);
        assert!(answer.len() < 300, "{}", String::from_utf8_lossy(&answer));
    }

    #[test]
    fn a_request_level_refusal_keeps_the_vendor_shape_and_reads_only_strings() {
        let v = verifier(10);
        let body = r#"{"PartnerKey":["k"],"styleClass":"S","messageData":[{"ClientRef":"a"},0]}"#;
        let out = v.verify(Route::PartnerRoute, body.as_bytes()).unwrap();
        assert_eq!(out.len(), 2);
        assert!(
            out.iter()
                .all(|e| e.error_msg.as_deref() == Some(PARTNER_KEY_NOT_VALID))
        );
        assert_eq!(out[0].client_ref.as_deref(), Some("a"));
    }

    #[test]
    fn the_written_answer_is_the_array_of_to_json() {
        let elements = vec![
            ResponseElement::refused(Some(DATA_NOT_VALID), None, Some("r\"1".into())),
            ResponseElement {
                warning_messages: vec!["w".into()],
                error_msg: Some(queued(2)),
                message_sent_id: 0,
                message_id: Some("1.20250101.1-ab".into()),
                status_msg: Some(IN_QUEUE.into()),
                transmit_date_time: Some("2025-01-01T00:00:00.0000000Z".into()),
                client_ref: None,
            },
        ];
        let tree = Value::Array(elements.iter().map(ResponseElement::to_json).collect());
        assert_eq!(response_json(&elements), serde_json::to_vec(&tree).unwrap());
    }
}
