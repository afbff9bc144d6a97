//! Credentials: the customer's (`CustomerId` + `Password`) and the partner's
//! (`PartnerKey` + `styleClass`), and the server's directory of both.

use std::collections::HashMap;

use super::Error;
use crate::Secret;
use crate::encoding::{ct_eq, digest_eq, sha256};

fn check_credential(field: &str, value: &[u8]) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::MissingField {
            field: field.to_owned(),
        });
    }
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    if value.first().is_some_and(ws) || value.last().is_some_and(ws) {
        return Err(Error::MalformedCredential {
            field: field.to_owned(),
        });
    }
    Ok(())
}

/// A customer's credentials, carried in every `messageData` element (G1):
/// `CustomerId` ("Customer's unique ID", e.g. `"1469"`) and `Password` (the customer's
/// API key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomerCredentials {
    customer_id: String,
    password: Secret,
}

impl CustomerCredentials {
    /// Checks both are non-empty and carry no surrounding white space.
    pub fn new(customer_id: impl Into<String>, password: impl Into<Secret>) -> Result<Self, Error> {
        let customer_id = customer_id.into();
        let password = password.into();
        check_credential("CustomerId", customer_id.as_bytes())?;
        check_credential("Password", password.expose())?;
        if password.expose_str().is_none() {
            return Err(Error::MalformedCredential {
                field: "Password".into(),
            });
        }
        Ok(Self {
            customer_id,
            password,
        })
    }

    /// `CustomerId`.
    pub fn customer_id(&self) -> &str {
        &self.customer_id
    }

    /// `Password`, for serialising into the body.
    pub(crate) fn password(&self) -> &str {
        self.password.expose_str().unwrap_or_default()
    }
}

/// A partner's credentials, at the root of a `PartnerRoute` payload (G2): `PartnerKey`
/// ("Your unique partner identifier", e.g. `"partner-abc-12345"`) and `styleClass`
/// ("Partner branding identifier", e.g. `"YourCompanyName"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartnerCredentials {
    key: Secret,
    style_class: String,
}

impl PartnerCredentials {
    /// Checks the key is non-empty text without surrounding white space and the style
    /// class is non-empty.
    pub fn new(key: impl Into<Secret>, style_class: impl Into<String>) -> Result<Self, Error> {
        let key = key.into();
        let style_class = style_class.into();
        check_credential("PartnerKey", key.expose())?;
        if key.expose_str().is_none() {
            return Err(Error::MalformedCredential {
                field: "PartnerKey".into(),
            });
        }
        if style_class.is_empty() {
            return Err(Error::MissingField {
                field: "styleClass".into(),
            });
        }
        Ok(Self { key, style_class })
    }

    /// `PartnerKey`, for serialising into the body.
    pub(crate) fn key(&self) -> &str {
        self.key.expose_str().unwrap_or_default()
    }

    /// `styleClass`.
    pub fn style_class(&self) -> &str {
        &self.style_class
    }
}

/// A customer account as the server knows it.
#[derive(Clone, Debug)]
pub struct Customer {
    /// The customer's API key (`Password` in requests).
    pub password: Secret,
    /// Whether the customer allows sending SMS ("Customer does not allow sending SMS").
    pub sms_allowed: bool,
    /// The ids of the partner accounts the customer authorised to send on its behalf.
    pub authorised_partners: Vec<String>,
}

/// A partner account as the server knows it.
#[derive(Clone, Debug)]
pub struct Partner {
    /// An id for the partner account (what customers authorise; never sent on the wire).
    pub id: String,
    /// The partner key.
    pub key: Secret,
    /// Whether onboarding completed ("Partner is not enabled, no message was sent.").
    pub enabled: bool,
}

/// The verifier's directory of customers (by `CustomerId`) and partners (by key).
#[derive(Clone, Debug, Default)]
pub struct Directory {
    customers: HashMap<String, Customer>,
    /// Partners by SHA-256 of their key, so look-up time says nothing of the key.
    partners: HashMap<[u8; 32], Partner>,
}

impl Directory {
    /// An empty directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a customer.
    pub fn insert_customer(&mut self, customer_id: impl Into<String>, customer: Customer) {
        self.customers.insert(customer_id.into(), customer);
    }

    /// Adds (or replaces) a partner.
    pub fn insert_partner(&mut self, partner: Partner) {
        self.partners.insert(sha256(partner.key.expose()), partner);
    }

    /// The customer whose id and password both match (the passwords' digests compared
    /// in constant time, so the time taken tells nothing of the password's length).
    pub fn authenticate_customer(&self, customer_id: &str, password: &[u8]) -> Option<&Customer> {
        self.customers
            .get(customer_id)
            .filter(|c| digest_eq(c.password.expose(), password))
    }

    /// The partner holding this key: found by the key's SHA-256, the digests then
    /// compared again in constant time (never the keys themselves, whose lengths
    /// differ).
    pub fn partner_by_key(&self, key: &[u8]) -> Option<&Partner> {
        let digest = sha256(key);
        self.partners
            .get_key_value(&digest)
            .filter(|(stored, _)| ct_eq(stored.as_slice(), &digest))
            .map(|(_, p)| p)
    }
}
