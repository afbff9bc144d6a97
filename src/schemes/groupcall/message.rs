//! The request: `messageData` elements, recipients, the three routes, and the exact JSON
//! body (this scheme's "canonical" form: the bytes that carry the credentials).

use serde_json::{Map, Value};

use super::{CustomerCredentials, Error, PartnerCredentials};

/// The longest `SMSMessage` the vendor accepts: "max 918 characters".
pub const SMS_MAX_CHARS: usize = 918;

/// The three `SendMessage_V3` routes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Route {
    /// `POST /api/SendMessage_V3/SMS` (customer authentication).
    Sms,
    /// `POST /api/SendMessage_V3/Email` (customer authentication).
    Email,
    /// `POST /api/SendMessage_V3/PartnerRoute` (partner authentication, SMS content).
    PartnerRoute,
}

impl Route {
    /// The request path.
    pub const fn path(self) -> &'static str {
        match self {
            Route::Sms => "/api/SendMessage_V3/SMS",
            Route::Email => "/api/SendMessage_V3/Email",
            Route::PartnerRoute => "/api/SendMessage_V3/PartnerRoute",
        }
    }

    /// The last path segment, as the vendor spells it.
    pub fn name(self) -> &'static str {
        match self {
            Route::Sms => "SMS",
            Route::Email => "Email",
            Route::PartnerRoute => "PartnerRoute",
        }
    }

    /// The route named `name` (`SMS`, `Email`, `PartnerRoute`).
    pub fn from_name(name: &str) -> Option<Self> {
        [Route::Sms, Route::Email, Route::PartnerRoute]
            .into_iter()
            .find(|r| r.name() == name)
    }

    /// True when elements carry `SMSMessage` (SMS and PartnerRoute).
    pub fn is_sms(self) -> bool {
        matches!(self, Route::Sms | Route::PartnerRoute)
    }
}

/// `SendTo`: whom the message goes to (the reference page's delegation flag).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SendTo {
    /// `0`: the recipient itself.
    Recipient,
    /// `1`: the recipient's priority contact.
    Priority,
    /// `2`: all the recipient's contacts (e.g. a student's parents).
    All,
}

impl SendTo {
    /// The wire value.
    pub fn code(self) -> i64 {
        match self {
            SendTo::Recipient => 0,
            SendTo::Priority => 1,
            SendTo::All => 2,
        }
    }

    /// The variant of a wire value.
    pub fn from_code(code: i64) -> Option<Self> {
        match code {
            0 => Some(SendTo::Recipient),
            1 => Some(SendTo::Priority),
            2 => Some(SendTo::All),
            _ => None,
        }
    }
}

/// One entry of `Recipients`. The server uses the first usable identifier in this
/// order: `Id` (when > 0), `ExternalId`, `MessengerId`, `IdaasId`, `EmailAddress`,
/// `MobileNumber`. At least one must be given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recipient {
    /// `Id`: the internal contact id (used when > 0).
    pub id: Option<i64>,
    /// `ExternalId`: your system's id.
    pub external_id: Option<String>,
    /// `MessengerId`.
    pub messenger_id: Option<String>,
    /// `IdaasId`.
    pub idaas_id: Option<String>,
    /// `EmailAddress`.
    pub email_address: Option<String>,
    /// `MobileNumber`, in international form (`+447700900123`).
    pub mobile_number: Option<String>,
}

impl Recipient {
    /// A recipient named by mobile number: `{"MobileNumber": "+447700900123"}`.
    pub fn mobile(number: impl Into<String>) -> Self {
        Self {
            mobile_number: Some(number.into()),
            ..Self::default()
        }
    }

    /// A recipient named by e-mail address: `{"EmailAddress": "…"}`.
    pub fn email(address: impl Into<String>) -> Self {
        Self {
            email_address: Some(address.into()),
            ..Self::default()
        }
    }

    /// Checks every identifier given; `field` is the recipient's path.
    pub fn check(&self, field: &str) -> Result<(), Error> {
        let sub = |name: &str| format!("{field}.{name}");
        let mut any = false;
        if let Some(id) = self.id {
            if id <= 0 {
                return Err(Error::MalformedRecipient {
                    field: sub("Id"),
                    reason: "`Id` is used only when greater than 0; leave it out instead",
                });
            }
            any = true;
        }
        for (name, value) in [
            ("ExternalId", &self.external_id),
            ("MessengerId", &self.messenger_id),
            ("IdaasId", &self.idaas_id),
        ] {
            if let Some(v) = value {
                if v.is_empty() {
                    return Err(Error::MalformedRecipient {
                        field: sub(name),
                        reason: "an identifier must not be empty; leave it out instead",
                    });
                }
                any = true;
            }
        }
        if let Some(e) = &self.email_address {
            check_email(&sub("EmailAddress"), e)?;
            any = true;
        }
        if let Some(m) = &self.mobile_number {
            check_mobile(&sub("MobileNumber"), m)?;
            any = true;
        }
        if !any {
            return Err(Error::MalformedRecipient {
                field: field.to_owned(),
                reason: "it names nobody: give `MobileNumber`, `EmailAddress`, `Id`, `ExternalId`, `MessengerId` or `IdaasId`",
            });
        }
        Ok(())
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        if let Some(id) = self.id {
            m.insert("Id".into(), Value::from(id));
        }
        for (name, value) in [
            ("ExternalId", &self.external_id),
            ("MessengerId", &self.messenger_id),
            ("IdaasId", &self.idaas_id),
            ("EmailAddress", &self.email_address),
            ("MobileNumber", &self.mobile_number),
        ] {
            if let Some(v) = value {
                m.insert(name.into(), Value::from(v.as_str()));
            }
        }
        Value::Object(m)
    }
}

/// An e-mail attachment: `{"FileName": "…", "FileData": "<standard Base64>"}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    /// `FileName`.
    pub file_name: String,
    /// `FileData`: the file's bytes in standard padded Base64.
    pub file_data: String,
}

/// What a message says: SMS text, or an e-mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    /// An SMS.
    Sms {
        /// `SMSMessage`: at most 918 characters.
        message: String,
        /// `SMSSender`: the sender id shown on the handset.
        sender: Option<String>,
    },
    /// An e-mail.
    Email {
        /// `EmailSubject`.
        subject: String,
        /// `EmailBody` (HTML or plain text).
        body: String,
        /// `EmailSentFromName`.
        from_name: Option<String>,
        /// `EmailSentFromAddress`.
        from_address: Option<String>,
        /// `EmailReplyToAddress`.
        reply_to: Option<String>,
        /// `Attachments`.
        attachments: Vec<Attachment>,
    },
}

/// A `messageData` element that passed every check. Build one with [`Message::sms`] or
/// [`Message::email`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    customer: CustomerCredentials,
    content: Content,
    recipients: Vec<Recipient>,
    send_to: Option<SendTo>,
    client_ref: Option<String>,
    callback_url: Option<String>,
}

/// Builds a [`Message`]; [`MessageBuilder::build`] checks every field.
#[derive(Clone, Debug)]
pub struct MessageBuilder {
    customer_id: String,
    password: crate::Secret,
    content: Content,
    recipients: Vec<Recipient>,
    send_to: Option<SendTo>,
    client_ref: Option<String>,
    callback_url: Option<String>,
}

impl Message {
    /// An SMS for the customer `customer_id`, authenticated by `password` (its API key).
    ///
    /// ```
    /// use partner_auth::schemes::groupcall::{Message, Recipient};
    /// let msg = Message::sms("1469", "customer-api-key-67890")
    ///     .text("Hello from the Communications API!")
    ///     .recipient(Recipient::mobile("+447700900123"))
    ///     .client_ref("MSG-12345")
    ///     .build()?;
    /// assert_eq!(msg.customer_id(), "1469");
    /// # Ok::<(), partner_auth::schemes::groupcall::Error>(())
    /// ```
    pub fn sms(
        customer_id: impl Into<String>,
        password: impl Into<crate::Secret>,
    ) -> MessageBuilder {
        MessageBuilder::new(
            customer_id,
            password,
            Content::Sms {
                message: String::new(),
                sender: None,
            },
        )
    }

    /// An e-mail for the customer `customer_id`, authenticated by `password`.
    pub fn email(
        customer_id: impl Into<String>,
        password: impl Into<crate::Secret>,
    ) -> MessageBuilder {
        MessageBuilder::new(
            customer_id,
            password,
            Content::Email {
                subject: String::new(),
                body: String::new(),
                from_name: None,
                from_address: None,
                reply_to: None,
                attachments: Vec::new(),
            },
        )
    }

    /// `CustomerId`.
    pub fn customer_id(&self) -> &str {
        self.customer.customer_id()
    }

    /// The content.
    pub fn content(&self) -> &Content {
        &self.content
    }

    /// `Recipients`.
    pub fn recipients(&self) -> &[Recipient] {
        &self.recipients
    }

    /// `ClientRef`.
    pub fn client_ref(&self) -> Option<&str> {
        self.client_ref.as_deref()
    }

    /// The element as JSON, fields in the documented order (see [`Batch::body`]).
    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("CustomerId".into(), self.customer.customer_id().into());
        m.insert("Password".into(), self.customer.password().into());
        match &self.content {
            Content::Sms { message, sender } => {
                m.insert("SMSMessage".into(), message.as_str().into());
                if let Some(s) = sender {
                    m.insert("SMSSender".into(), s.as_str().into());
                }
            }
            Content::Email {
                subject,
                body,
                from_name,
                from_address,
                reply_to,
                attachments,
            } => {
                m.insert("EmailSubject".into(), subject.as_str().into());
                m.insert("EmailBody".into(), body.as_str().into());
                for (name, v) in [
                    ("EmailSentFromName", from_name),
                    ("EmailSentFromAddress", from_address),
                    ("EmailReplyToAddress", reply_to),
                ] {
                    if let Some(v) = v {
                        m.insert(name.into(), v.as_str().into());
                    }
                }
                if !attachments.is_empty() {
                    let list = attachments
                        .iter()
                        .map(|a| {
                            let mut o = Map::new();
                            o.insert("FileName".into(), a.file_name.as_str().into());
                            o.insert("FileData".into(), a.file_data.as_str().into());
                            Value::Object(o)
                        })
                        .collect();
                    m.insert("Attachments".into(), Value::Array(list));
                }
            }
        }
        m.insert(
            "Recipients".into(),
            Value::Array(self.recipients.iter().map(Recipient::to_json).collect()),
        );
        if let Some(s) = self.send_to {
            m.insert("SendTo".into(), s.code().into());
        }
        if let Some(c) = &self.client_ref {
            m.insert("ClientRef".into(), c.as_str().into());
        }
        if let Some(u) = &self.callback_url {
            m.insert("CallbackUrl".into(), u.as_str().into());
        }
        Value::Object(m)
    }
}

impl MessageBuilder {
    fn new(
        customer_id: impl Into<String>,
        password: impl Into<crate::Secret>,
        content: Content,
    ) -> Self {
        Self {
            customer_id: customer_id.into(),
            password: password.into(),
            content,
            recipients: Vec::new(),
            send_to: None,
            client_ref: None,
            callback_url: None,
        }
    }

    /// `SMSMessage` (SMS only; ignored on an e-mail).
    pub fn text(mut self, text: impl Into<String>) -> Self {
        if let Content::Sms { message, .. } = &mut self.content {
            *message = text.into();
        }
        self
    }

    /// `SMSSender` (SMS only).
    pub fn sender(mut self, id: impl Into<String>) -> Self {
        if let Content::Sms { sender, .. } = &mut self.content {
            *sender = Some(id.into());
        }
        self
    }

    /// `EmailSubject` (e-mail only).
    pub fn subject(mut self, text: impl Into<String>) -> Self {
        if let Content::Email { subject, .. } = &mut self.content {
            *subject = text.into();
        }
        self
    }

    /// `EmailBody` (e-mail only).
    pub fn body(mut self, text: impl Into<String>) -> Self {
        if let Content::Email { body, .. } = &mut self.content {
            *body = text.into();
        }
        self
    }

    /// `EmailSentFromName` (e-mail only).
    pub fn from_name(mut self, text: impl Into<String>) -> Self {
        if let Content::Email { from_name, .. } = &mut self.content {
            *from_name = Some(text.into());
        }
        self
    }

    /// `EmailSentFromAddress` (e-mail only).
    pub fn from_address(mut self, text: impl Into<String>) -> Self {
        if let Content::Email { from_address, .. } = &mut self.content {
            *from_address = Some(text.into());
        }
        self
    }

    /// `EmailReplyToAddress` (e-mail only).
    pub fn reply_to(mut self, text: impl Into<String>) -> Self {
        if let Content::Email { reply_to, .. } = &mut self.content {
            *reply_to = Some(text.into());
        }
        self
    }

    /// Adds an entry to `Attachments` (e-mail only).
    pub fn attachment(mut self, attachment: Attachment) -> Self {
        if let Content::Email { attachments, .. } = &mut self.content {
            attachments.push(attachment);
        }
        self
    }

    /// Adds an entry to `Recipients`.
    pub fn recipient(mut self, recipient: Recipient) -> Self {
        self.recipients.push(recipient);
        self
    }

    /// `SendTo`.
    pub fn send_to(mut self, send_to: SendTo) -> Self {
        self.send_to = Some(send_to);
        self
    }

    /// `ClientRef`: your reference, echoed in the response.
    pub fn client_ref(mut self, text: impl Into<String>) -> Self {
        self.client_ref = Some(text.into());
        self
    }

    /// `CallbackUrl`: where delivery statuses are sent.
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    /// Checks every field, in body order, and returns the message or the first fault
    /// (its field path relative to the element).
    pub fn build(self) -> Result<Message, Error> {
        let customer = CustomerCredentials::new(self.customer_id, self.password)?;
        match &self.content {
            Content::Sms { message, sender } => {
                check_sms_text("SMSMessage", message)?;
                if sender.as_deref() == Some("") {
                    return Err(Error::MissingField {
                        field: "SMSSender".into(),
                    });
                }
            }
            Content::Email {
                subject,
                body,
                from_name,
                from_address,
                reply_to,
                attachments,
            } => {
                for (name, v) in [("EmailSubject", subject), ("EmailBody", body)] {
                    if v.is_empty() {
                        return Err(Error::MissingField { field: name.into() });
                    }
                }
                if from_name.as_deref() == Some("") {
                    return Err(Error::MissingField {
                        field: "EmailSentFromName".into(),
                    });
                }
                for (name, v) in [
                    ("EmailSentFromAddress", from_address),
                    ("EmailReplyToAddress", reply_to),
                ] {
                    if let Some(v) = v {
                        check_email(name, v)?;
                    }
                }
                for (i, a) in attachments.iter().enumerate() {
                    check_attachment(&format!("Attachments[{i}]"), a)?;
                }
            }
        }
        check_recipients(&self.recipients)?;
        if let Some(url) = &self.callback_url {
            check_callback_url("CallbackUrl", url)?;
        }
        Ok(Message {
            customer,
            content: self.content,
            recipients: self.recipients,
            send_to: self.send_to,
            client_ref: self.client_ref,
            callback_url: self.callback_url,
        })
    }
}

/// A whole request: the route, the partner credentials (PartnerRoute), and the messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    route: Route,
    partner: Option<PartnerCredentials>,
    messages: Vec<Message>,
}

impl Batch {
    /// `POST /api/SendMessage_V3/SMS`: SMS messages under customer authentication.
    pub fn sms(messages: Vec<Message>) -> Result<Self, Error> {
        Self::new(Route::Sms, None, messages)
    }

    /// `POST /api/SendMessage_V3/Email`: e-mails under customer authentication.
    pub fn email(messages: Vec<Message>) -> Result<Self, Error> {
        Self::new(Route::Email, None, messages)
    }

    /// `POST /api/SendMessage_V3/PartnerRoute`: SMS messages sent by a partner for its
    /// customers; each element still carries its customer's credentials (G1, G2).
    pub fn partner(partner: PartnerCredentials, messages: Vec<Message>) -> Result<Self, Error> {
        Self::new(Route::PartnerRoute, Some(partner), messages)
    }

    fn new(
        route: Route,
        partner: Option<PartnerCredentials>,
        messages: Vec<Message>,
    ) -> Result<Self, Error> {
        if messages.is_empty() {
            return Err(Error::EmptyMessageData);
        }
        for (i, m) in messages.iter().enumerate() {
            let (field, reason) = match (&m.content, route.is_sms()) {
                (Content::Sms { .. }, true) | (Content::Email { .. }, false) => continue,
                (Content::Email { .. }, true) => (
                    "EmailSubject",
                    "this route sends SMS: give `SMSMessage`, or send e-mail on the Email route",
                ),
                (Content::Sms { .. }, false) => (
                    "SMSMessage",
                    "this route sends e-mail: give `EmailSubject` and `EmailBody`, or send SMS on the SMS route",
                ),
            };
            return Err(Error::WrongContent {
                field: field.into(),
                route: route.name(),
                reason,
            }
            .in_element(i));
        }
        Ok(Self {
            route,
            partner,
            messages,
        })
    }

    /// The route.
    pub fn route(&self) -> Route {
        self.route
    }

    /// The messages, in `messageData` order.
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// The exact body bytes: compact JSON (no white space), UTF-8, non-ASCII written
    /// as is, only `"`, `\` and U+0000–U+001F escaped (`\b \f \n \r \t`, others
    /// `\u00xx` lowercase). Root: `PartnerKey`, `styleClass` (PartnerRoute only), then
    /// `messageData`. Element: `CustomerId`, `Password`, then `SMSMessage`, `SMSSender`
    /// or `EmailSubject`, `EmailBody`, `EmailSentFromName`, `EmailSentFromAddress`,
    /// `EmailReplyToAddress`, `Attachments`, then `Recipients`, `SendTo`, `ClientRef`,
    /// `CallbackUrl`. Absent optional fields are left out, never `null`.
    pub fn body(&self) -> Body {
        let mut root = Map::new();
        if let Some(p) = &self.partner {
            root.insert("PartnerKey".into(), p.key().into());
            root.insert("styleClass".into(), p.style_class().into());
        }
        root.insert(
            "messageData".into(),
            Value::Array(self.messages.iter().map(Message::to_json).collect()),
        );
        Body(serde_json::to_vec(&Value::Object(root)).unwrap_or_default())
    }

    /// The whole HTTP request (no `Authorization` header: the credentials are in the body).
    pub fn request(&self) -> BuiltRequest {
        BuiltRequest {
            method: "POST",
            target: self.route.path(),
            headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
            body: self.body(),
        }
    }
}

/// A request body that holds passwords: its `Debug` shows only its length.
#[derive(Clone, PartialEq, Eq)]
pub struct Body(Vec<u8>);

impl Body {
    /// The bytes to send. Every call site is a place where the credentials leave.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Consumes the body into its bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Body(<redacted: {} bytes with credentials>)",
            self.0.len()
        )
    }
}

/// The HTTP request a [`Batch`] becomes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuiltRequest {
    /// `POST`.
    pub method: &'static str,
    /// `/api/SendMessage_V3/<route>`.
    pub target: &'static str,
    /// `Content-Type: application/json`.
    pub headers: Vec<(String, String)>,
    /// The JSON body.
    pub body: Body,
}

// ---------------------------------------------------------------------------------------
// Field checks, shared by the builder and the verifier.
// ---------------------------------------------------------------------------------------

/// `SMSMessage`: non-empty, at most 918 characters (Unicode scalar values).
pub(crate) fn check_sms_text(field: &str, text: &str) -> Result<(), Error> {
    if text.is_empty() {
        return Err(Error::MissingField {
            field: field.to_owned(),
        });
    }
    let length = text.chars().count();
    if length > SMS_MAX_CHARS {
        return Err(Error::MessageTooLong {
            field: field.to_owned(),
            length,
        });
    }
    Ok(())
}

/// `Recipients`: non-empty, every entry usable.
pub(crate) fn check_recipients(recipients: &[Recipient]) -> Result<(), Error> {
    if recipients.is_empty() {
        return Err(Error::EmptyRecipients {
            field: "Recipients".into(),
        });
    }
    for (i, r) in recipients.iter().enumerate() {
        r.check(&format!("Recipients[{i}]"))?;
    }
    Ok(())
}

/// A mobile number in international form: `+`, then 7 to 15 digits, the first not 0
/// (E.164 allows at most 15 digits).
pub(crate) fn check_mobile(field: &str, number: &str) -> Result<(), Error> {
    let ok = number.strip_prefix('+').is_some_and(|d| {
        (7..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0')
    });
    if ok {
        Ok(())
    } else {
        Err(Error::MalformedMobileNumber {
            field: field.to_owned(),
        })
    }
}

/// An e-mail address `local@domain`: local part 1–64 visible ASCII characters without
/// `@ " ( ) , : ; < > [ \ ]`; domain of at least two dot-separated labels of 1–63
/// characters `[A-Za-z0-9-]`, not starting or ending with `-`; 254 characters at most.
pub(crate) fn check_email(field: &str, address: &str) -> Result<(), Error> {
    let bad = || {
        Err(Error::MalformedEmailAddress {
            field: field.to_owned(),
        })
    };
    if address.len() > 254 {
        return bad();
    }
    let Some((local, domain)) = address.split_once('@') else {
        return bad();
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"@\"(),:;<>[\\]".contains(&b));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if local_ok && domain_ok { Ok(()) } else { bad() }
}

/// `CallbackUrl`: `http(s)://host[:port][/path][?query]`, at most 2048 characters;
/// host of dot-separated labels `[A-Za-z0-9-]`; no user information, no fragment, only
/// visible ASCII (percent-encode the rest).
pub(crate) fn check_callback_url(field: &str, url: &str) -> Result<(), Error> {
    let bad = |reason| {
        Err(Error::MalformedCallbackUrl {
            field: field.to_owned(),
            reason,
        })
    };
    if url.len() > 2048 {
        return bad("it is longer than 2048 characters");
    }
    if !url.bytes().all(|b| b.is_ascii_graphic()) {
        return bad("it holds white space, control or non-ASCII characters; percent-encode them");
    }
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &url[8..]
    } else if lower.starts_with("http://") {
        &url[7..]
    } else {
        return bad("it must start with `https://` (or `http://`)");
    };
    if url.contains('#') {
        return bad("it has a fragment (`#…`), which is never sent to a server");
    }
    if url.bytes().any(|b| b"<>\"{}|\\^`".contains(&b)) {
        return bad("it holds a character URLs may not carry (`< > \" { } | \\ ^ ``)");
    }
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.contains('@') {
        return bad("it carries user information (`user@`); put no credentials in a callback URL");
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    if host.is_empty() {
        return bad("it has no host");
    }
    let host_ok = host.split('.').all(|l| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    });
    if !host_ok {
        return bad("the host must be a domain name or IPv4 address");
    }
    if let Some(p) = port {
        let ok = !p.is_empty()
            && p.len() <= 5
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u32>().is_ok_and(|n| (1..=65_535).contains(&n));
        if !ok {
            return bad("the port must be a number from 1 to 65535");
        }
    }
    Ok(())
}

/// An attachment: non-empty `FileName`, `FileData` standard padded Base64.
pub(crate) fn check_attachment(field: &str, a: &Attachment) -> Result<(), Error> {
    if a.file_name.is_empty() {
        return Err(Error::MalformedAttachment {
            field: format!("{field}.FileName"),
            reason: "the file name is empty",
        });
    }
    if a.file_data.is_empty() || crate::encoding::base64_decode(&a.file_data).is_none() {
        return Err(Error::MalformedAttachment {
            field: format!("{field}.FileData"),
            reason: "the file data must be non-empty standard Base64 with padding",
        });
    }
    Ok(())
}
