//! Answers for the two Groupcall schemes' cases.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{error, parse_input, unknown_op};
use crate::schemes::groupcall::{
    self as gc, Attachment, Batch, Customer, Directory, Message, MessageBuilder, Outcome, Partner,
    PartnerCredentials, Recipient, Route, SeededIds, SendTo, Verifier,
};
use crate::vectors::Answer;
use crate::{FixedClock, Secret};

fn fail(e: &gc::Error) -> Answer {
    error(e.code(), e)
}

fn bad(field: &str, message: impl ToString) -> Answer {
    Answer::BadInput {
        field: field.into(),
        message: message.to_string(),
    }
}

/// A `Recipients` entry of a build input: an object with the vendor's field names, or
/// a bare string meaning `{"MobileNumber": <string>}` (as the vendor's code examples map
/// `recipients.map(number => ({MobileNumber: number}))`).
#[derive(Deserialize)]
#[serde(untagged)]
enum RecipientInput {
    Number(String),
    Object(RecipientObject),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)]
struct RecipientObject {
    Id: Option<i64>,
    ExternalId: Option<String>,
    MessengerId: Option<String>,
    IdaasId: Option<String>,
    EmailAddress: Option<String>,
    MobileNumber: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)]
struct AttachmentInput {
    #[serde(default)]
    FileName: String,
    #[serde(default)]
    FileData: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)]
struct ElementInput {
    #[serde(default)]
    CustomerId: String,
    #[serde(default)]
    Password: String,
    SMSMessage: Option<String>,
    SMSSender: Option<String>,
    EmailSubject: Option<String>,
    EmailBody: Option<String>,
    EmailSentFromName: Option<String>,
    EmailSentFromAddress: Option<String>,
    EmailReplyToAddress: Option<String>,
    Attachments: Option<Vec<AttachmentInput>>,
    #[serde(default)]
    Recipients: Vec<RecipientInput>,
    SendTo: Option<i64>,
    ClientRef: Option<String>,
    CallbackUrl: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)]
struct BuildInput {
    route: Option<String>,
    PartnerKey: Option<String>,
    styleClass: Option<String>,
    messageData: Vec<ElementInput>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)]
struct CustomerEntry {
    CustomerId: String,
    Password: String,
    #[serde(default = "yes")]
    sms_allowed: bool,
    #[serde(default)]
    authorised_partners: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)]
struct PartnerEntry {
    id: String,
    PartnerKey: String,
    #[serde(default = "yes")]
    enabled: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct DirectoryInput {
    #[serde(default)]
    customers: Vec<CustomerEntry>,
    #[serde(default)]
    partners: Vec<PartnerEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IdsInput {
    seed: String,
    counter: Counter,
}

/// `ids.counter`: a JSON integer, or its decimal digits as a string (vector files write
/// counters above 2^53 as strings: JavaScript and untyped JSON decoders lose precision
/// on such numbers).
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum Counter {
    Number(u64),
    Digits(String),
}

impl Counter {
    pub(crate) fn value(&self) -> Result<u64, Answer> {
        match self {
            Counter::Number(n) => Ok(*n),
            Counter::Digits(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                s.parse().map_err(|_| {
                    bad(
                        "ids.counter",
                        format!("`{s}` is above 2^64 - 1; give a smaller counter"),
                    )
                })
            }
            Counter::Digits(s) => Err(bad(
                "ids.counter",
                format!(
                    "`{s}` is not a decimal number; give a non-negative integer or its digits as a string"
                ),
            )),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyInput {
    route: Option<String>,
    body: Option<String>,
    body_base64: Option<String>,
    now_ms: i64,
    ids: IdsInput,
    #[serde(default)]
    directory: DirectoryInput,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResponseInput {
    status: u16,
    body: String,
    #[serde(default)]
    sent: Option<usize>,
}

/// The route of a case: `route` must be `SMS` or `Email` on the customer scheme and
/// absent (or `PartnerRoute`) on the partner scheme.
pub(crate) fn route_of(scheme: &str, route: Option<&str>) -> Result<Route, Answer> {
    let partner = scheme == crate::schemes::groupcall::PARTNER_SLUG;
    match (partner, route) {
        (true, None | Some("PartnerRoute")) => Ok(Route::PartnerRoute),
        (false, Some("SMS")) => Ok(Route::Sms),
        (false, Some("Email")) => Ok(Route::Email),
        (true, Some(_)) => Err(bad(
            "route",
            "groupcall-partner cases use PartnerRoute only",
        )),
        (false, _) => Err(bad("route", "give `SMS` or `Email`")),
    }
}

pub(crate) fn answer(scheme: &str, op: &str, input: &Value) -> Result<Answer, Answer> {
    let result = match op {
        "build" => {
            let i: BuildInput = parse_input(input)?;
            let route = route_of(scheme, i.route.as_deref())?;
            build(route, i).map(|r| {
                json!({
                    "method": r.method,
                    "target": r.target,
                    "headers": r.headers.iter().map(|(n, v)| json!([n, v])).collect::<Vec<_>>(),
                    "body": String::from_utf8_lossy(r.body.expose()),
                })
            })
        }
        "verify" => {
            let i: VerifyInput = parse_input(input)?;
            let route = route_of(scheme, i.route.as_deref())?;
            verify(route, i)?
        }
        "parse-response" => {
            let i: ResponseInput = parse_input(input)?;
            gc::parse_response(i.status, i.body.as_bytes(), i.sent)
                .map(|outcomes| json!({ "results": outcomes.iter().map(outcome_json).collect::<Vec<_>>() }))
        }
        _ => return Err(unknown_op(scheme, op)),
    };
    Ok(match result {
        Ok(out) => Answer::Output(out),
        Err(e) => fail(&e),
    })
}

const EMAIL_FIELDS: [&str; 6] = [
    "EmailSubject",
    "EmailBody",
    "EmailSentFromName",
    "EmailSentFromAddress",
    "EmailReplyToAddress",
    "Attachments",
];

fn element(route: Route, e: ElementInput) -> Result<Message, gc::Error> {
    if let Some(code) = e.SendTo
        && SendTo::from_code(code).is_none()
    {
        return Err(gc::Error::MalformedSendTo {
            field: "SendTo".into(),
        });
    }
    let email_present = [
        e.EmailSubject.is_some(),
        e.EmailBody.is_some(),
        e.EmailSentFromName.is_some(),
        e.EmailSentFromAddress.is_some(),
        e.EmailReplyToAddress.is_some(),
        e.Attachments.is_some(),
    ];
    let wrong = if route.is_sms() {
        EMAIL_FIELDS
            .iter()
            .zip(email_present)
            .find(|(_, present)| *present)
            .map(|(f, _)| {
                (
                    *f,
                    "this route sends SMS: give `SMSMessage`, or send e-mail on the Email route",
                )
            })
    } else {
        [("SMSMessage", e.SMSMessage.is_some()), ("SMSSender", e.SMSSender.is_some())]
            .into_iter()
            .find(|(_, present)| *present)
            .map(|(f, _)| (f, "this route sends e-mail: give `EmailSubject` and `EmailBody`, or send SMS on the SMS route"))
    };
    if let Some((field, reason)) = wrong {
        return Err(gc::Error::WrongContent {
            field: field.into(),
            route: route.name(),
            reason,
        });
    }
    let password = Secret::from(e.Password);
    let mut b: MessageBuilder = if route.is_sms() {
        let mut b = Message::sms(e.CustomerId, password).text(e.SMSMessage.unwrap_or_default());
        if let Some(s) = e.SMSSender {
            b = b.sender(s);
        }
        b
    } else {
        let mut b = Message::email(e.CustomerId, password)
            .subject(e.EmailSubject.unwrap_or_default())
            .body(e.EmailBody.unwrap_or_default());
        if let Some(v) = e.EmailSentFromName {
            b = b.from_name(v);
        }
        if let Some(v) = e.EmailSentFromAddress {
            b = b.from_address(v);
        }
        if let Some(v) = e.EmailReplyToAddress {
            b = b.reply_to(v);
        }
        for a in e.Attachments.unwrap_or_default() {
            b = b.attachment(Attachment {
                file_name: a.FileName,
                file_data: a.FileData,
            });
        }
        b
    };
    for r in e.Recipients {
        b = b.recipient(match r {
            RecipientInput::Number(n) => Recipient::mobile(n),
            RecipientInput::Object(o) => Recipient {
                id: o.Id,
                external_id: o.ExternalId,
                messenger_id: o.MessengerId,
                idaas_id: o.IdaasId,
                email_address: o.EmailAddress,
                mobile_number: o.MobileNumber,
            },
        });
    }
    if let Some(code) = e.SendTo.and_then(SendTo::from_code) {
        b = b.send_to(code);
    }
    if let Some(c) = e.ClientRef {
        b = b.client_ref(c);
    }
    if let Some(u) = e.CallbackUrl {
        b = b.callback_url(u);
    }
    b.build()
}

fn build(route: Route, i: BuildInput) -> Result<gc::BuiltRequest, gc::Error> {
    let partner = if route == Route::PartnerRoute {
        Some(PartnerCredentials::new(
            i.PartnerKey.unwrap_or_default(),
            i.styleClass.unwrap_or_default(),
        )?)
    } else {
        None
    };
    let mut messages = Vec::with_capacity(i.messageData.len());
    for (n, e) in i.messageData.into_iter().enumerate() {
        messages.push(element(route, e).map_err(|err| err.in_element(n))?);
    }
    let batch = match partner {
        Some(p) => Batch::partner(p, messages),
        None if route == Route::Email => Batch::email(messages),
        None => Batch::sms(messages),
    }?;
    Ok(batch.request())
}

fn verify(route: Route, i: VerifyInput) -> Result<Result<Value, gc::Error>, Answer> {
    let body = match (i.body, i.body_base64) {
        (Some(text), None) => text.into_bytes(),
        (None, Some(b64)) => crate::encoding::base64_decode(&b64)
            .ok_or_else(|| bad("body_base64", "not standard padded Base64"))?,
        _ => return Err(bad("body", "give `body` or `body_base64`, exactly one")),
    };
    let mut directory = Directory::new();
    for c in i.directory.customers {
        directory.insert_customer(
            c.CustomerId,
            Customer {
                password: Secret::from(c.Password),
                sms_allowed: c.sms_allowed,
                authorised_partners: c.authorised_partners,
            },
        );
    }
    for p in i.directory.partners {
        directory.insert_partner(Partner {
            id: p.id,
            key: Secret::from(p.PartnerKey),
            enabled: p.enabled,
        });
    }
    let counter = i.ids.counter.value()?;
    let verifier = Verifier::new(
        directory,
        FixedClock::from_millis(i.now_ms),
        SeededIds::new(i.ids.seed, counter),
    );
    Ok(verifier.verify(route, &body).map(|elements| {
        json!({
            "status": 200,
            "response": elements.iter().map(gc::ResponseElement::to_json).collect::<Vec<_>>(),
        })
    }))
}

fn opt(v: &Option<String>) -> Value {
    v.as_deref().map_or(Value::Null, Value::from)
}

/// The `results` element of a `parse-response` output for one outcome.
pub(crate) fn outcome_json(o: &Outcome) -> Value {
    let mut m = Map::new();
    match o {
        Outcome::Accepted(a) => {
            m.insert("success".into(), true.into());
            m.insert("MessageId".into(), a.message_id.as_str().into());
            m.insert("errorMsg".into(), a.error_msg.as_str().into());
            m.insert("statusMsg".into(), opt(&a.status_msg));
            m.insert("transmitDateTime".into(), opt(&a.transmit_date_time));
            m.insert(
                "transmitted".into(),
                a.transmitted.map_or(Value::Null, |t| {
                    json!({ "unix_seconds": t.unix_seconds, "nanos": t.nanos, "has_zone": t.has_zone })
                }),
            );
            m.insert("ClientRef".into(), opt(&a.client_ref));
        }
        Outcome::Refused(r) => {
            m.insert("success".into(), false.into());
            m.insert("error".into(), r.error.as_str().into());
            m.insert(
                "WarningMessages".into(),
                Value::Array(r.warnings.iter().map(|w| Value::from(w.as_str())).collect()),
            );
            m.insert("ClientRef".into(), opt(&r.client_ref));
        }
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counter(v: Value) -> Result<u64, Answer> {
        let c: Counter = serde_json::from_value(v).expect("a number or a string");
        c.value()
    }

    #[test]
    fn a_counter_above_2_pow_53_is_read_from_its_decimal_string() {
        assert_eq!(counter(json!(41)).ok(), Some(41));
        assert_eq!(
            counter(json!("2516506506657265717")).ok(),
            Some(2_516_506_506_657_265_717)
        );
        assert_eq!(counter(json!("18446744073709551615")).ok(), Some(u64::MAX));
        for bad_value in ["", "12a", "-1", " 5", "18446744073709551616"] {
            match counter(json!(bad_value)) {
                Err(Answer::BadInput { field, .. }) => assert_eq!(field, "ids.counter"),
                other => panic!("{bad_value:?}: {other:?}"),
            }
        }
    }
}
