//! The signer: canonical string, SHA-1 lowercase hex, and the headers to add.

use super::canonical::{Parts, canonical_string, digest};
use super::{ApiKey, Error, Identity, Variant, check_method, check_nonce, check_target};
use crate::encoding::{format_http_date, hex_lower, parse_http_date, random_bytes};
use crate::{CanonicalString, Clock, Secret};

/// What one request needs signed, besides the credentials.
#[derive(Clone, Copy, Debug)]
pub struct SignRequest<'a> {
    /// The HTTP method, as it will be sent.
    pub method: &'a str,
    /// The request target: path, optionally `?query` (the query is not signed, S1).
    pub target: &'a str,
    /// The `Date` value, an IMF-fixdate.
    pub date: &'a str,
    /// The `X-SuT-Nonce` value.
    pub nonce: &'a str,
}

/// The result of signing: every stage, and the headers to add to the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signed {
    /// The canonical string without its key line.
    pub canonical: CanonicalString,
    /// Lowercase hex SHA-1 (40 characters).
    pub signature: String,
    /// The headers to add, in order: `Date`, `X-SuT-PID`/`CID`/`UID` as present,
    /// `X-SuT-Nonce`, `Authorization`.
    pub headers: Vec<(String, String)>,
}

/// Signs requests for one set of credentials.
///
/// ```
/// use partner_auth::schemes::signupto::{Identity, SignRequest, Signer, Variant};
/// let signer = Signer::new(
///     Variant::PartnerHash,
///     Identity { pid: Some(4567), cid: None, uid: None },
///     "abcdefghijABCDEFGHIJabcdefghijABCDEFGHIJ",
/// )?;
/// let signed = signer.sign(&SignRequest {
///     method: "POST",
///     target: "/v1/account",
///     date: "Sat, 09 Sep 1989 11:00:00 GMT",
///     nonce: "0123456789abcdef0123456789abcdef01234567",
/// })?;
/// assert_eq!(signed.signature, "bb06b477868a127f1042b8f94a9449e4b1188ad0");
/// assert_eq!(signed.headers[1], ("X-SuT-PID".into(), "4567".into()));
/// # Ok::<(), partner_auth::schemes::signupto::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Signer {
    variant: Variant,
    identity: Identity,
    key: ApiKey,
}

impl Signer {
    /// Checks the key shape (S7) and the id combination (S3) and returns a signer.
    pub fn new(
        variant: Variant,
        identity: Identity,
        key: impl Into<Secret>,
    ) -> Result<Self, Error> {
        identity.check(variant)?;
        let key = ApiKey::new(variant, key)?;
        Ok(Self {
            variant,
            identity,
            key,
        })
    }

    /// Signs one request with the given `Date` and nonce.
    pub fn sign(&self, req: &SignRequest<'_>) -> Result<Signed, Error> {
        check_method(req.method)?;
        let (path, _query) = check_target(req.target)?;
        parse_http_date(req.date).ok_or(Error::MalformedDate)?;
        check_nonce(req.nonce)?;
        let ids = [self.identity.pid, self.identity.cid, self.identity.uid]
            .map(|v| v.map(|n| n.to_string()));
        let [pid, cid, uid] = &ids;
        let pid = if self.variant == Variant::PartnerHash {
            pid.as_deref()
        } else {
            None
        };
        let parts = Parts {
            method: req.method,
            path,
            date: req.date,
            pid,
            cid: cid.as_deref(),
            uid: uid.as_deref(),
            nonce: req.nonce,
        };
        let canonical = canonical_string(self.variant, &parts);
        let signature = hex_lower(&digest(&canonical, self.key.secret().expose()));
        let mut headers = vec![("Date".to_owned(), req.date.to_owned())];
        for (label, value) in [
            ("X-SuT-PID", pid),
            ("X-SuT-CID", parts.cid),
            ("X-SuT-UID", parts.uid),
        ] {
            if let Some(v) = value {
                headers.push((label.to_owned(), v.to_owned()));
            }
        }
        headers.push(("X-SuT-Nonce".to_owned(), req.nonce.to_owned()));
        headers.push((
            "Authorization".to_owned(),
            format!("{} signature=\"{signature}\"", self.variant.auth_scheme()),
        ));
        Ok(Signed {
            canonical,
            signature,
            headers,
        })
    }

    /// Signs with the current time from `clock` and a fresh nonce.
    pub fn sign_now(&self, method: &str, target: &str, clock: &dyn Clock) -> Result<Signed, Error> {
        let date = format_http_date(clock.now_secs());
        let nonce = generate_nonce();
        self.sign(&SignRequest {
            method,
            target,
            date: &date,
            nonce: &nonce,
        })
    }
}

/// A fresh nonce: 40 lowercase hex characters (160 random bits), the form the official
/// clients send.
pub fn generate_nonce() -> String {
    let mut bytes = [0u8; 20];
    random_bytes(&mut bytes);
    hex_lower(&bytes)
}
