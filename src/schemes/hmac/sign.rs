//! The signer: string to sign, Base64 HMAC-SHA256, and the four headers to add.

use super::canonical::{Parts, string_to_sign};
use super::wire::encode_mac;
use super::{AUTH_SCHEME, Credentials, Error, check_method, check_nonce, check_target};
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
    /// `METHOD\nPATH\nTIMESTAMP\nNONCE\nBODY`.
    pub string_to_sign: CanonicalString,
    /// Standard padded Base64 of the 32-byte MAC (44 characters).
    pub signature: String,
    /// The headers to add, in order: `X-Api-Key`, `X-Timestamp`, `X-Nonce`,
    /// `Authorization: HMAC-SHA256 <signature>`.
    pub headers: [(&'static str, String); 4],
}

/// Signs requests for one API key.
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
pub struct Signer {
    credentials: Credentials,
}

impl Signer {
    /// Checks the API key (1–256 visible ASCII) and that the secret is not empty.
    pub fn new(api_key: impl Into<String>, secret: impl Into<Secret>) -> Result<Self, Error> {
        Ok(Self {
            credentials: Credentials::new(api_key, secret)?,
        })
    }

    /// Signs one request with the given timestamp and nonce.
    pub fn sign(&self, req: &SignRequest<'_>) -> Result<Signed, Error> {
        check_method(req.method).map_err(|()| Error::MalformedMethod)?;
        let path = check_target(req.target).map_err(|()| Error::MalformedTarget)?;
        check_nonce(req.nonce).map_err(|()| Error::MalformedNonce)?;
        if req.timestamp < 0 {
            return Err(Error::MalformedTimestamp);
        }
        let timestamp = req.timestamp.to_string();
        let string_to_sign = string_to_sign(&Parts {
            method: req.method,
            path,
            timestamp: &timestamp,
            nonce: req.nonce,
            body: req.body,
        });
        let mac = crate::encoding::hmac_sha256(
            self.credentials.secret.expose(),
            string_to_sign.as_bytes(),
        );
        let encoded = encode_mac(&mac);
        let signature = std::str::from_utf8(&encoded).expect("Base64 is ASCII");
        let mut authorization = String::with_capacity(AUTH_SCHEME.len() + 1 + signature.len());
        authorization.push_str(AUTH_SCHEME);
        authorization.push(' ');
        authorization.push_str(signature);
        let headers = [
            ("X-Api-Key", self.credentials.api_key.clone()),
            ("X-Timestamp", timestamp),
            ("X-Nonce", req.nonce.to_owned()),
            ("Authorization", authorization),
        ];
        Ok(Signed {
            string_to_sign,
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
