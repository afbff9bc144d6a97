//! Groupcall `SendMessage_V3` under `/api/SendMessage_V3/`: customer authentication
//! (`POST …/SMS`, `POST …/Email`) and partner authentication (`POST …/PartnerRoute`),
//! answered by the reference [`Verifier`].
//!
//! As the vendor's API does, the credentials travel in the body and a refusal is mostly
//! HTTP 200: the answer is an array with one element per `messageData` element, in
//! order, each either queued (`"errorMsg":"OK 1 messages queued for sending"`, a
//! `MessageId`) or refused with the vendor's text (`Data is not valid, no messages
//! sent`, `Partner key is not valid`, …). A body that is not JSON, or not an object with
//! a non-empty `messageData` array, answers 400 `{"message":…}` (G4).
//!
//! The sandbox's `X-Partner-Auth-Error` header names the first refused element's reason
//! as a code (`DATA_NOT_VALID`, `PARTNER_KEY_NOT_VALID`, `PARTNER_NOT_ENABLED`,
//! `PARTNER_NOT_AUTHORIZED`, `SMS_NOT_ALLOWED`) or the 400's (`MALFORMED_JSON`,
//! `MALFORMED_PAYLOAD`).
//!
//! A request holds at most `--groupcall-max-messages` elements (default 1000,
//! [`crate::schemes::groupcall::DEFAULT_MAX_MESSAGES`]); a larger one is refused as a
//! whole with 413 `TOO_MANY_MESSAGES` before any credential is checked, so an answer
//! never holds more results than that (each under 300 bytes plus its echoed
//! `ClientRef`).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Request as HttpRequest, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use super::{Api, Credentials, CredentialsError, Settings, json_body, read_request, tag};
use crate::schemes::groupcall::{
    Customer, DATA_NOT_VALID, Directory, Error, PARTNER_KEY_NOT_VALID, PARTNER_NOT_AUTHORIZED,
    PARTNER_NOT_ENABLED, Partner, RandomIds, ResponseElement, Route, SMS_NOT_ALLOWED, Verifier,
    response_json,
};
use crate::{Clock, Secret};

/// The customer-authentication slug (`/SMS`, `/Email`).
pub const CUSTOMER: &str = crate::schemes::groupcall::CUSTOMER_SLUG;
/// The partner-authentication slug (`/PartnerRoute`).
pub const PARTNER: &str = crate::schemes::groupcall::PARTNER_SLUG;

/// The Groupcall API: the `sandbox` of its schemes' entries in [`crate::registry::SCHEMES`].
pub static API: Api = Api {
    mount: "/api/SendMessage_V3/",
    demo,
    router,
};

/// `groupcall-customer` credentials: a customer's `CustomerId` and `Password` (its API
/// key).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerEntry {
    /// `CustomerId`.
    pub customer_id: String,
    /// `Password`: the customer API key.
    #[serde(deserialize_with = "secret")]
    pub password: Secret,
}

/// `groupcall-partner` credentials: the partner's `PartnerKey` and `styleClass`, and a
/// customer who authorised that partner.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerEntry {
    /// `PartnerKey`.
    #[serde(deserialize_with = "secret")]
    pub partner_key: Secret,
    /// `styleClass`.
    pub style_class: String,
    /// `CustomerId` of a customer who authorised the partner.
    pub customer_id: String,
    /// That customer's `Password`.
    #[serde(deserialize_with = "secret")]
    pub password: Secret,
}

fn secret<'de, D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
    String::deserialize(d).map(Secret::from)
}

fn demo() -> Vec<(&'static str, Value)> {
    vec![
        (
            CUSTOMER,
            json!({ "customer_id": "1469", "password": "customer-api-key-67890" }),
        ),
        (
            PARTNER,
            json!({
                "partner_key": "partner-abc-12345",
                "style_class": "YourCompanyName",
                "customer_id": "1470",
                "password": "customer-api-key-13579"
            }),
        ),
    ]
}

/// The partner's id in the directory (never on the wire).
const PARTNER_ID: &str = "sandbox-partner";

struct Sandbox {
    max_body: usize,
    verifier: Verifier<Arc<dyn Clock>, RandomIds>,
}

fn router(settings: &Settings, creds: &Credentials) -> Result<Router, CredentialsError> {
    let customer: CustomerEntry = creds.entry(CUSTOMER)?;
    let partner: PartnerEntry = creds.entry(PARTNER)?;
    for (slug, field, value) in [
        (CUSTOMER, "customer_id", customer.customer_id.as_bytes()),
        (CUSTOMER, "password", customer.password.expose()),
        (PARTNER, "partner_key", partner.partner_key.expose()),
        (PARTNER, "style_class", partner.style_class.as_bytes()),
        (PARTNER, "customer_id", partner.customer_id.as_bytes()),
        (PARTNER, "password", partner.password.expose()),
    ] {
        if value.is_empty() {
            return Err(creds.error(slug, &Value::Null, format!("`{field}` must not be empty")));
        }
    }
    let mut dir = Directory::new();
    let same_customer = customer.customer_id == partner.customer_id;
    if same_customer && customer.password != partner.password {
        return Err(creds.error(
            PARTNER,
            &Value::Null,
            format!(
                "`customer_id` is the `{CUSTOMER}` customer's, so `password` must be that customer's too"
            ),
        ));
    }
    dir.insert_customer(
        customer.customer_id.clone(),
        Customer {
            password: customer.password.clone(),
            sms_allowed: true,
            authorised_partners: if same_customer {
                vec![PARTNER_ID.into()]
            } else {
                Vec::new()
            },
        },
    );
    if !same_customer {
        dir.insert_customer(
            partner.customer_id.clone(),
            Customer {
                password: partner.password.clone(),
                sms_allowed: true,
                authorised_partners: vec![PARTNER_ID.into()],
            },
        );
    }
    dir.insert_partner(Partner {
        id: PARTNER_ID.into(),
        key: partner.partner_key.clone(),
        enabled: true,
    });
    let state = Sandbox {
        max_body: settings.max_body,
        verifier: Verifier::new(dir, settings.clock.clone(), RandomIds::default())
            .with_max_messages(settings.groupcall_max_messages),
    };
    Ok(Router::new()
        .route("/api/SendMessage_V3/{route}", any(send))
        .with_state(Arc::new(state)))
}

fn error(status: StatusCode, scheme: &'static str, code: &'static str, text: String) -> Response {
    let mut response = (status, json_body(&json!({ "message": text }))).into_response();
    tag(&mut response, scheme, Some(code));
    response
}

/// The code of a refused element's vendor text.
fn code_of(e: &ResponseElement) -> Option<&'static str> {
    if e.is_queued() {
        return None;
    }
    let text = e
        .error_msg
        .as_deref()
        .filter(|m| !m.is_empty())
        .or(e.warning_messages.first().map(String::as_str))
        .unwrap_or("");
    Some(match text {
        DATA_NOT_VALID => "DATA_NOT_VALID",
        PARTNER_KEY_NOT_VALID => "PARTNER_KEY_NOT_VALID",
        PARTNER_NOT_ENABLED => "PARTNER_NOT_ENABLED",
        PARTNER_NOT_AUTHORIZED => "PARTNER_NOT_AUTHORIZED",
        SMS_NOT_ALLOWED => "SMS_NOT_ALLOWED",
        _ => "REFUSED",
    })
}

async fn send(
    State(s): State<Arc<Sandbox>>,
    Path(name): Path<String>,
    req: HttpRequest,
) -> Response {
    let route = Route::from_name(&name);
    let scheme = match route {
        Some(Route::PartnerRoute) => PARTNER,
        _ => CUSTOMER,
    };
    let Some(route) = route else {
        return error(
            StatusCode::NOT_FOUND,
            scheme,
            "NOT_FOUND",
            format!(
                "no route `{name}`; SendMessage_V3 has SMS, Email (customer authentication) and PartnerRoute (partner authentication)"
            ),
        );
    };
    if req.method() != Method::POST {
        return error(
            StatusCode::METHOD_NOT_ALLOWED,
            scheme,
            "METHOD_NOT_ALLOWED",
            format!(
                "send with POST {} and a JSON body {{\"messageData\":[…]}}",
                route.path()
            ),
        );
    }
    let req = match read_request(req, s.max_body).await {
        Ok(r) => r,
        Err(u) => return error(u.status, scheme, u.code, u.message),
    };
    match s.verifier.verify(route, &req.body) {
        Ok(elements) => {
            let code = elements.iter().find_map(code_of);
            let body = response_json(&elements);
            drop(elements);
            let mut response = (
                StatusCode::OK,
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                body,
            )
                .into_response();
            tag(&mut response, scheme, code);
            response
        }
        Err(e @ Error::TooManyMessages { .. }) => error(
            StatusCode::PAYLOAD_TOO_LARGE,
            scheme,
            e.code(),
            format!("{e} (this sandbox's limit, --groupcall-max-messages)"),
        ),
        // The messages name positions and fields, never a value from the body.
        Err(e) => error(
            StatusCode::from_u16(e.http_status().unwrap_or(400)).unwrap_or(StatusCode::BAD_REQUEST),
            scheme,
            e.code(),
            e.to_string(),
        ),
    }
}
