//! The signer: canonical string, SHA-1 lowercase hex, and the headers to add.
//!
//! One path computes every signature: [`Signer::sign_into`] checks the request, feeds
//! SHA-1 the canonical lines and the key in place ([`digest_parts`]) and writes the
//! headers into the caller's `http::HeaderMap`; [`Signer::sign`] runs the same checks
//! and digest and also returns the owned stages.

use http::{HeaderMap, HeaderName, HeaderValue};

use super::canonical::{Parts, canonical_string, digest_parts};
use super::{ApiKey, Error, Identity, Variant, check_method, check_nonce, check_target};
use crate::encoding::{Decimal, format_http_date, hex_lower, parse_http_date, random_bytes};
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

/// The signature of one request: lowercase hex SHA-1, held on the stack (40 ASCII
/// characters).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    text: [u8; 40],
}

impl Signature {
    fn new(digest: &[u8; 20]) -> Self {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut text = [0u8; 40];
        for (pair, b) in text.chunks_exact_mut(2).zip(digest) {
            pair[0] = DIGITS[usize::from(b >> 4)];
            pair[1] = DIGITS[usize::from(b & 0x0f)];
        }
        Self { text }
    }

    /// The 40 lowercase hex characters, as sent in `signature="…"`.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.text).expect("hex is ASCII")
    }
}

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A signature is sent in the clear; it reveals nothing usable about the key.
        f.debug_tuple("Signature").field(&self.as_str()).finish()
    }
}

impl std::fmt::Display for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The header names the signer writes, lowercase as `http` stores them.
const DATE: HeaderName = http::header::DATE;
const X_SUT_PID: HeaderName = HeaderName::from_static("x-sut-pid");
const X_SUT_CID: HeaderName = HeaderName::from_static("x-sut-cid");
const X_SUT_UID: HeaderName = HeaderName::from_static("x-sut-uid");
const X_SUT_NONCE: HeaderName = HeaderName::from_static("x-sut-nonce");

/// The longest `Authorization` value: `SuTPartner signature="` (22), 40 hex, `"`.
const AUTHORIZATION_MAX: usize = 63;

/// One id the signer sends: its decimal text and its header value, built once.
#[derive(Clone, Debug)]
struct Id {
    text: Decimal,
    value: HeaderValue,
}

impl Id {
    fn new(n: u64) -> Self {
        let text = Decimal::new(n);
        let value =
            HeaderValue::from_str(text.as_str()).expect("decimal digits are a header value");
        Self { text, value }
    }
}

/// Signs requests for one set of credentials.
///
/// [`Signer::sign_into`] is the borrowed form: SHA-1 absorbs the canonical lines and
/// the key in place (no canonical string is built) and the headers go straight into the
/// caller's `http::HeaderMap`:
///
/// ```
/// use http::HeaderMap;
/// use partner_auth::schemes::signupto::{Identity, SignRequest, Signer, Variant};
///
/// let signer = Signer::new(
///     Variant::PartnerHash,
///     Identity { pid: Some(4567), cid: None, uid: None },
///     "abcdefghijABCDEFGHIJabcdefghijABCDEFGHIJ",
/// )?;
/// let mut headers = HeaderMap::new();
/// let signature = signer.sign_into(
///     &SignRequest {
///         method: "POST",
///         target: "/v1/account",
///         date: "Sat, 09 Sep 1989 11:00:00 GMT",
///         nonce: "0123456789abcdef0123456789abcdef01234567",
///     },
///     &mut headers,
/// )?;
/// assert_eq!(signature.as_str(), "bb06b477868a127f1042b8f94a9449e4b1188ad0");
/// assert_eq!(headers["x-sut-pid"], "4567");
/// assert_eq!(
///     headers["authorization"],
///     "SuTPartner signature=\"bb06b477868a127f1042b8f94a9449e4b1188ad0\""
/// );
/// # Ok::<(), partner_auth::schemes::signupto::Error>(())
/// ```
///
/// [`Signer::sign`] signs the same way and returns the stages as owned values:
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
    key: ApiKey,
    /// `X-SuT-PID` (Partner Hash only), `X-SuT-CID`, `X-SuT-UID`, as sent.
    ids: [Option<Id>; 3],
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
        let pid = identity.pid.filter(|_| variant == Variant::PartnerHash);
        Ok(Self {
            variant,
            key,
            ids: [pid, identity.cid, identity.uid].map(|n| n.map(Id::new)),
        })
    }

    /// The checks every request goes through, in order (method, target, `Date`,
    /// nonce), and its canonical parts.
    fn check<'a>(&'a self, req: &SignRequest<'a>) -> Result<Parts<'a>, Error> {
        check_method(req.method)?;
        let (path, _query) = check_target(req.target)?;
        parse_http_date(req.date).ok_or(Error::MalformedDate)?;
        check_nonce(req.nonce)?;
        let [pid, cid, uid] = self
            .ids
            .each_ref()
            .map(|id| id.as_ref().map(|id| id.text.as_str()));
        Ok(Parts {
            method: req.method,
            path,
            date: req.date,
            pid,
            cid,
            uid,
            nonce: req.nonce,
        })
    }

    /// The signature of the parts: SHA-1 absorbs the lines and the key in place.
    fn signature(&self, parts: &Parts<'_>) -> Signature {
        Signature::new(&digest_parts(
            self.variant,
            parts,
            self.key.secret().expose(),
        ))
    }

    /// Signs one request into `headers`: sets `Date`, `X-SuT-PID`/`CID`/`UID` as the
    /// signer's identity has them (removing those it has not, which would change the
    /// canonical string a server builds), `X-SuT-Nonce` and `Authorization`, replacing
    /// earlier values of those names, and returns the signature. Nothing is written
    /// when the request is refused.
    ///
    /// No owned string is built: SHA-1 absorbs each canonical line in place, the hex is
    /// encoded on the stack, and each header value is built once (the ids' once per
    /// signer).
    pub fn sign_into(
        &self,
        req: &SignRequest<'_>,
        headers: &mut HeaderMap,
    ) -> Result<Signature, Error> {
        let parts = self.check(req)?;
        let signature = self.signature(&parts);
        let scheme = self.variant.auth_scheme().as_bytes();
        let mut authorization = [0u8; AUTHORIZATION_MAX];
        let mut at = 0;
        for piece in [scheme, b" signature=\"", &signature.text, b"\""] {
            authorization[at..at + piece.len()].copy_from_slice(piece);
            at += piece.len();
        }
        // The Date parsed as an IMF-fixdate and the nonce is visible ASCII: both are
        // header values.
        let date = HeaderValue::from_str(req.date).map_err(|_| Error::MalformedDate)?;
        let nonce = HeaderValue::from_str(req.nonce).map_err(|_| Error::MalformedNonce {
            reason: "only visible ASCII characters (no spaces) may appear",
        })?;
        let authorization =
            HeaderValue::from_bytes(&authorization[..at]).expect("hex is a header value");
        headers.insert(DATE, date);
        for (name, id) in [X_SUT_PID, X_SUT_CID, X_SUT_UID].into_iter().zip(&self.ids) {
            match id {
                Some(id) => {
                    headers.insert(name, id.value.clone());
                }
                None => {
                    headers.remove(name);
                }
            }
        }
        headers.insert(X_SUT_NONCE, nonce);
        headers.insert(http::header::AUTHORIZATION, authorization);
        Ok(signature)
    }

    /// Signs one request with the given `Date` and nonce, returning every stage as an
    /// owned value. The signature is the one [`Signer::sign_into`] computes.
    pub fn sign(&self, req: &SignRequest<'_>) -> Result<Signed, Error> {
        let parts = self.check(req)?;
        let signature = self.signature(&parts).as_str().to_owned();
        let mut headers = vec![("Date".to_owned(), req.date.to_owned())];
        for (label, value) in [
            ("X-SuT-PID", parts.pid),
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
            canonical: canonical_string(self.variant, &parts),
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
