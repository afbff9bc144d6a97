//! The signer: string to sign, Base64 HMAC-SHA256, and the four headers to add.
//!
//! One path computes every signature: [`Signer::sign_into`] checks the request, feeds
//! the MAC the string to sign piece by piece ([`mac`]) and writes the four headers into
//! the caller's `http::HeaderMap`; [`Signer::sign`] runs the same checks and MAC and also
//! returns the owned stages (the string to sign, the headers as strings).

use std::marker::PhantomData;

use http::{HeaderMap, HeaderValue};

use super::canonical::{Parts, mac_with, string_to_sign_with};
use super::form::{Form, PartnerApi, is_scheme_token};
use super::wire::encode_mac;
use super::{Credentials, Error, check_method, check_nonce, check_target};
use crate::encoding::Decimal;
use crate::{CanonicalString, Clock, Secret};
/// What one request needs signed, besides the credentials.
#[derive(Clone, Copy, Debug)]
pub struct SignRequest<'a> {
    /// The HTTP method, as it will be sent.
    pub method: &'a str,
    /// The request target: path, optionally `?query` (the query is not signed, H1).
    pub target: &'a str,
    /// Unix epoch seconds, sent as `X-Timestamp`.
    pub timestamp: i64,
    /// The `X-Nonce` value (a UUID v4: [`generate_nonce`]).
    pub nonce: &'a str,
    /// The raw body bytes, exactly as they will be sent (H2).
    pub body: &'a [u8],
}

/// The result of signing: every stage, and the headers to add to the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signed {
    /// `METHOD\nPATH\nTIMESTAMP\nNONCE\nBODY` (another form's: its
    /// [`Form::pieces`] concatenated).
    pub string_to_sign: CanonicalString,
    /// Standard padded Base64 of the 32-byte MAC (44 characters).
    pub signature: String,
    /// The headers to add, in order: `X-Api-Key`, `X-Timestamp`, `X-Nonce`,
    /// `Authorization: HMAC-SHA256 <signature>` (another form's: its API key,
    /// timestamp, nonce and signature headers, named as in [`Form::HEADERS`]).
    pub headers: [(&'static str, String); 4],
}

/// The signature of one request: standard padded Base64 of the 32-byte MAC, held on
/// the stack (44 ASCII characters).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    text: [u8; 44],
}

impl Signature {
    /// The 44 Base64 characters, as sent after `HMAC-SHA256 `.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.text).expect("Base64 is ASCII")
    }
}

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A signature is sent in the clear; it reveals nothing about the secret.
        f.debug_tuple("Signature").field(&self.as_str()).finish()
    }
}

impl std::fmt::Display for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The length of the signature header's value in form `F`: the scheme token, one
/// space and the 44 Base64 characters (`HMAC-SHA256 ` + 44 = 56 bytes for
/// [`PartnerApi`]). A constant once `F` is known.
const fn authorization_len<F: Form>() -> usize {
    F::AUTH_SCHEME.len() + 1 + 44
}

/// Signs requests for one API key, in form `F` (by default the partner API's,
/// [`PartnerApi`]; another form: [`Signer::with_form`]).
///
/// [`Signer::sign_into`] is the borrowed form: the request is described by references,
/// the MAC absorbs the method, path, timestamp, nonce and body where they lie (no copy
/// of the body, no string to sign built), and the four headers go straight into the
/// caller's `http::HeaderMap`, replacing any earlier value of the same names:
///
/// ```
/// use http::HeaderMap;
/// use partner_auth::schemes::hmac::{SignRequest, Signer};
///
/// let signer = Signer::new("pk_live_4f2a9c7e1b3d", "sk_live_9b1e7d3c5a0f4e8d2c6b1a7f3e9d5c0b")?;
/// let body = br#"{"reference":"A-1"}"#;
/// let mut headers = HeaderMap::new();
/// let signature = signer.sign_into(
///     &SignRequest {
///         method: "POST",
///         target: "/api/v1/partner/orders?page=2",
///         timestamp: 1_709_337_600,
///         nonce: "550e8400-e29b-41d4-a716-446655440000",
///         body,
///     },
///     &mut headers,
/// )?;
/// assert_eq!(headers["x-api-key"], "pk_live_4f2a9c7e1b3d");
/// assert_eq!(headers["x-timestamp"], "1709337600");
/// assert_eq!(headers["x-nonce"], "550e8400-e29b-41d4-a716-446655440000");
/// assert_eq!(headers["authorization"], format!("HMAC-SHA256 {signature}"));
/// # Ok::<(), partner_auth::schemes::hmac::Error>(())
/// ```
///
/// [`Signer::sign`] signs the same way and also returns the stages as owned values:
///
/// ```
/// use partner_auth::schemes::hmac::{SignRequest, Signer};
/// let signer = Signer::new("pk_live_demo", "demo-secret")?;
/// let signed = signer.sign(&SignRequest {
///     method: "GET",
///     target: "/api/v1/partner/constants/countries",
///     timestamp: 1_709_337_600,
///     nonce: "550e8400-e29b-41d4-a716-446655440000",
///     body: b"",
/// })?;
/// assert!(signed.string_to_sign.as_bytes().ends_with(b"446655440000\n"));
/// assert_eq!(signed.headers[3].0, "Authorization");
/// # Ok::<(), partner_auth::schemes::hmac::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Signer<F: Form = PartnerApi> {
    credentials: Credentials,
    /// `X-Api-Key`, built once: every signed request sends the same value.
    api_key_value: HeaderValue,
    form: PhantomData<F>,
}

impl Signer {
    /// Checks the API key (1–256 visible ASCII) and that the secret is not empty.
    pub fn new(api_key: impl Into<String>, secret: impl Into<Secret>) -> Result<Self, Error> {
        Self::with_form(PartnerApi, api_key, secret)
    }
}

impl<F: Form> Signer<F> {
    /// A signer for another form of the scheme (see [`Form`]); the same checks as
    /// [`Signer::new`].
    pub fn with_form(
        form: F,
        api_key: impl Into<String>,
        secret: impl Into<Secret>,
    ) -> Result<Self, Error> {
        let _ = form;
        const {
            assert!(
                is_scheme_token(F::AUTH_SCHEME),
                "Form::AUTH_SCHEME must be 1 to 64 HTTP token characters"
            );
        }
        let credentials = Credentials::new(api_key, secret)?;
        let api_key_value =
            HeaderValue::from_str(&credentials.api_key).map_err(|_| Error::MalformedApiKey)?;
        Ok(Self {
            credentials,
            api_key_value,
            form: PhantomData,
        })
    }

    /// The checks every request goes through, in order (method, target, nonce,
    /// timestamp): the path to sign and the `X-Timestamp` text.
    fn check<'a>(req: &SignRequest<'a>) -> Result<(&'a str, Decimal), Error> {
        check_method(req.method).map_err(|()| Error::MalformedMethod)?;
        let path = check_target(req.target).map_err(|()| Error::MalformedTarget)?;
        check_nonce(req.nonce).map_err(|()| Error::MalformedNonce)?;
        let timestamp = u64::try_from(req.timestamp).map_err(|_| Error::MalformedTimestamp)?;
        Ok((path, Decimal::new(timestamp)))
    }

    /// The signature of the pieces: the MAC absorbs them in place.
    fn signature(&self, parts: &Parts<'_>) -> Signature {
        Signature {
            text: encode_mac(&mac_with::<F>(parts, self.credentials.secret.expose())),
        }
    }

    /// Signs one request into `headers`: sets `X-Api-Key`, `X-Timestamp`, `X-Nonce` and
    /// `Authorization: HMAC-SHA256 <signature>` (replacing any values they had) and
    /// returns the signature. Nothing is written when the request is refused.
    ///
    /// No owned string is built and the body is not copied: the MAC absorbs each
    /// component in place, the Base64 is encoded on the stack, and each header value is
    /// built once (the `X-Api-Key` value once per signer).
    pub fn sign_into(
        &self,
        req: &SignRequest<'_>,
        headers: &mut HeaderMap,
    ) -> Result<Signature, Error> {
        let (path, timestamp) = Self::check(req)?;
        let parts = Parts {
            method: req.method,
            path,
            timestamp: timestamp.as_str(),
            nonce: req.nonce,
            body: req.body,
        };
        let signature = self.signature(&parts);
        // Built in an allocation of exactly its length, which becomes the header
        // value's own storage (no second copy).
        let mut authorization = Vec::with_capacity(const { authorization_len::<F>() });
        authorization.extend_from_slice(F::AUTH_SCHEME.as_bytes());
        authorization.push(b' ');
        authorization.extend_from_slice(&signature.text);
        // The nonce was checked to be visible ASCII; digits and Base64 always are, and
        // a form's scheme token is a token (`Form::names_agree`).
        let nonce_value = HeaderValue::from_str(parts.nonce).map_err(|_| Error::MalformedNonce)?;
        let timestamp_value =
            HeaderValue::from_str(parts.timestamp).expect("decimal digits are a header value");
        let authorization_value =
            HeaderValue::try_from(authorization).expect("a token and Base64 are a header value");
        headers.insert(F::API_KEY, self.api_key_value.clone());
        headers.insert(F::TIMESTAMP, timestamp_value);
        headers.insert(F::NONCE, nonce_value);
        headers.insert(F::SIGNATURE, authorization_value);
        Ok(signature)
    }

    /// Signs an `http::Request` in place with the given timestamp and nonce: its method,
    /// its target (path and query of the URI; `/` when the URI has none) and its body are
    /// read where they are, and the four headers are set on it (see
    /// [`Signer::sign_into`]).
    pub fn sign_request<B: AsRef<[u8]>>(
        &self,
        request: &mut http::Request<B>,
        timestamp: i64,
        nonce: &str,
    ) -> Result<Signature, Error> {
        let mut headers = std::mem::take(request.headers_mut());
        let target = request
            .uri()
            .path_and_query()
            .map_or("/", http::uri::PathAndQuery::as_str);
        let signed = self.sign_into(
            &SignRequest {
                method: request.method().as_str(),
                target,
                timestamp,
                nonce,
                body: request.body().as_ref(),
            },
            &mut headers,
        );
        *request.headers_mut() = headers;
        signed
    }

    /// Signs one request with the given timestamp and nonce, returning every stage as
    /// an owned value. The signature is the one [`Signer::sign_into`] computes.
    pub fn sign(&self, req: &SignRequest<'_>) -> Result<Signed, Error> {
        let (path, timestamp) = Self::check(req)?;
        let parts = Parts {
            method: req.method,
            path,
            timestamp: timestamp.as_str(),
            nonce: req.nonce,
            body: req.body,
        };
        let signature = self.signature(&parts);
        let signature = signature.as_str();
        let mut authorization = String::with_capacity(authorization_len::<F>());
        authorization.push_str(F::AUTH_SCHEME);
        authorization.push(' ');
        authorization.push_str(signature);
        let [api_key, signature_header, timestamp_header, nonce_header] = F::HEADERS;
        let headers = [
            (api_key, self.credentials.api_key.clone()),
            (timestamp_header, timestamp.as_str().to_owned()),
            (nonce_header, req.nonce.to_owned()),
            (signature_header, authorization),
        ];
        Ok(Signed {
            string_to_sign: string_to_sign_with::<F>(&parts),
            signature: signature.to_owned(),
            headers,
        })
    }

    /// Signs with the current time from `clock` and a fresh UUID v4 nonce.
    pub fn sign_now(
        &self,
        method: &str,
        target: &str,
        body: &[u8],
        clock: &dyn Clock,
    ) -> Result<Signed, Error> {
        let nonce = generate_nonce();
        self.sign(&SignRequest {
            method,
            target,
            timestamp: clock.now_secs(),
            nonce: &nonce,
            body,
        })
    }
}

/// A fresh nonce: a random UUID v4 in its lowercase hyphenated form, as the vendor
/// recommends.
pub fn generate_nonce() -> String {
    crate::encoding::uuid_v4()
}
