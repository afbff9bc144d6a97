//! The verifier: the checks of H5, in order, then the nonce is recorded.

use std::marker::PhantomData;
use std::net::IpAddr;
use std::sync::Arc;

use super::canonical::{Parts, mac_with};
use super::form::{Form, PartnerApi, is_scheme_token};
use super::wire::{parse_signature_value, parse_timestamp};
use super::{Error, KeyDirectory, check_method, check_nonce};
use crate::replay::{Insert, NonceStore, WindowOutOfRange, check_window_secs};
use crate::{Clock, Request};

/// The default timestamp window either side of the verifier's clock: ±60 s (the spec).
pub const DEFAULT_WINDOW_SECS: i64 = 60;

/// Proof that a request verified. Only a verifier can build one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    api_key: Arc<str>,
}

impl Verified {
    /// The API key the request authenticated as.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }
}

/// Verifies HMAC-SHA256 requests against a key directory, a clock and a replay store,
/// in form `F` (by default the partner API's, [`PartnerApi`]; another form:
/// [`Verifier::with_form`]). The checks and their order are the same in every form.
///
/// ```
/// use partner_auth::schemes::hmac::{KeyDirectory, KeyRecord, ShardedNonceStore, Signer, Verifier};
/// use partner_auth::{FixedClock, Request};
///
/// let clock = FixedClock::from_secs(1_709_337_600);
/// let signed = Signer::new("pk_demo", "s3cret")?.sign_now("POST", "/api/v1/partner/orders", b"{}", &clock)?;
/// let mut keys = KeyDirectory::new();
/// keys.insert("pk_demo", KeyRecord::new("s3cret")?)?;
/// let verifier = Verifier::new(keys, &clock, ShardedNonceStore::default());
/// let mut req = Request::new("POST", "/api/v1/partner/orders").body(b"{}".to_vec());
/// for (n, v) in &signed.headers {
///     req.headers.append(*n, v.clone());
/// }
/// assert_eq!(verifier.verify(&req, None)?.api_key(), "pk_demo");
/// assert_eq!(verifier.verify(&req, None).unwrap_err().code(), "GA2014");
/// # Ok::<(), partner_auth::schemes::hmac::Error>(())
/// ```
pub struct Verifier<C: Clock, S: NonceStore, F: Form = PartnerApi> {
    keys: KeyDirectory,
    clock: C,
    store: S,
    window_secs: i64,
    form: PhantomData<F>,
}

impl<C: Clock, S: NonceStore, F: Form> std::fmt::Debug for Verifier<C, S, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("form", &F::default())
            .field("window_secs", &self.window_secs)
            .finish_non_exhaustive()
    }
}

/// A header value without the spaces and tabs around it.
fn trim_ows(value: &str) -> &str {
    let ows = |b: &u8| *b == b' ' || *b == b'\t';
    let bytes = value.as_bytes();
    let start = bytes.iter().position(|b| !ows(b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !ows(b)).map_or(start, |i| i + 1);
    // Both ends sit next to an ASCII byte or the string's ends: char boundaries.
    &value[start..end]
}

/// One pass over the header fields: each of the form's four headers ([`Form::HEADERS`],
/// in H5 order) as its single value (surrounding spaces and tabs removed), or why it is
/// unusable. Names match case-insensitively.
fn read_headers<F: Form>(req: &Request) -> Result<[&str; 4], Error> {
    let mut found: [Option<&str>; 4] = [None; 4];
    let mut twice = [false; 4];
    for (name, value) in req.headers.iter() {
        let Some(i) = F::HEADERS
            .iter()
            .position(|h| h.len() == name.len() && h.eq_ignore_ascii_case(name))
        else {
            continue;
        };
        twice[i] |= found[i].is_some();
        found[i] = Some(trim_ows(value));
    }
    let mut out = [""; 4];
    for i in 0..4 {
        let reason = match found[i] {
            _ if twice[i] => "the header appears more than once",
            None => "the header is absent",
            Some("") => "the header is empty",
            Some(v) => {
                out[i] = v;
                continue;
            }
        };
        let header = F::HEADERS[i];
        return Err(match i {
            0 => Error::MissingApiKey { header, reason },
            1 => Error::MissingSignature {
                header,
                scheme: F::AUTH_SCHEME,
                reason,
            },
            2 => Error::MissingTimestamp { header, reason },
            _ => Error::MissingNonce { header, reason },
        });
    }
    Ok(out)
}

impl<C: Clock, S: NonceStore> Verifier<C, S> {
    /// A verifier with the spec's ±60 s window.
    pub fn new(keys: KeyDirectory, clock: C, store: S) -> Self {
        Self::with_form(PartnerApi, keys, clock, store)
    }
}

impl<C: Clock, S: NonceStore, F: Form> Verifier<C, S, F> {
    /// A verifier for another form of the scheme (see [`Form`]), with the spec's
    /// ±60 s window.
    pub fn with_form(form: F, keys: KeyDirectory, clock: C, store: S) -> Self {
        let _ = form;
        const {
            assert!(
                is_scheme_token(F::AUTH_SCHEME),
                "Form::AUTH_SCHEME must be 1 to 64 HTTP token characters"
            );
        }
        Self {
            keys,
            clock,
            store,
            window_secs: DEFAULT_WINDOW_SECS,
            form: PhantomData,
        }
    }

    /// Sets the window, in seconds either side of the clock: 1 to 86 400
    /// ([`crate::replay::MIN_WINDOW_SECS`]..=[`crate::replay::MAX_WINDOW_SECS`]); any
    /// other value is refused. Nonces are kept for twice this long after the request is
    /// accepted.
    pub fn with_window_secs(mut self, window_secs: i64) -> Result<Self, WindowOutOfRange> {
        self.window_secs = check_window_secs(window_secs)?;
        Ok(self)
    }

    /// The replay store (to preload or inspect it).
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The clock it reads.
    pub fn clock(&self) -> &C {
        &self.clock
    }

    /// The key directory it verifies against.
    pub fn keys(&self) -> &KeyDirectory {
        &self.keys
    }

    /// Verifies `req`, received from `client_ip` (`None` when the address is unknown:
    /// a key with an allow-list then refuses, GA2022). The checks run in the order of
    /// H5 and the first failure is returned: GA2001, GA2002, GA2003, GA2004 (absent,
    /// empty or duplicated headers; a nonce that is not 1–128 visible ASCII counts as
    /// missing), GA2011, GA2021, GA2022, GA2013 (malformed or outside ±window,
    /// inclusive), GA2012, then GA2014; the nonce is recorded only once the signature
    /// verified.
    pub fn verify(&self, req: &Request, client_ip: Option<IpAddr>) -> Result<Verified, Error> {
        let [api_key, authorization, timestamp, nonce] = read_headers::<F>(req)?;
        check_nonce(nonce).map_err(|()| Error::MissingNonce {
            header: F::HEADERS[3],
            reason: "the value is not 1 to 128 visible ASCII characters",
        })?;

        let (key, record) = self.keys.get_shared(api_key).ok_or(Error::UnknownApiKey {
            header: F::HEADERS[0],
        })?;
        if !record.is_enabled() {
            return Err(Error::KeyDisabled);
        }
        if !record.allows(client_ip) {
            return Err(Error::IpNotAllowed);
        }

        let now = self.clock.now_secs();
        let ts = parse_timestamp(timestamp).ok_or_else(|| Error::TimestampOutOfWindow {
            reason: format!("`{}` is not decimal Unix epoch seconds", F::HEADERS[2]),
        })?;
        let skew = ts.saturating_sub(now);
        if skew.unsigned_abs() > self.window_secs.unsigned_abs() {
            return Err(Error::TimestampOutOfWindow {
                reason: format!(
                    "`{}` is {skew} s from the server's clock, outside ±{} s",
                    F::HEADERS[2],
                    self.window_secs
                ),
            });
        }

        let presented = parse_signature_value(F::AUTH_SCHEME, authorization)?;
        let path = crate::request::split_target(&req.target).0;
        if check_method(&req.method).is_err() || path.bytes().any(|b| b.is_ascii_control()) {
            return Err(Error::SignatureMismatch {
                reason: "the method or path holds characters that cannot be signed unambiguously",
            });
        }
        let expected = mac_with::<F>(
            &Parts {
                method: &req.method,
                path,
                timestamp,
                nonce,
                body: &req.body,
            },
            record.secret().expose(),
        );
        if !crate::encoding::ct_eq(&expected, &presented) {
            return Err(Error::SignatureMismatch {
                reason: "the signature does not match the request",
            });
        }

        // A request stamped ts stays acceptable until ts + window ≤ now + 2 × window. A
        // deadline that cannot be computed cannot be kept: refuse (fail closed).
        let keep_until = self
            .window_secs
            .checked_mul(2)
            .and_then(|w| now.checked_add(w))
            .ok_or(Error::ReplayStoreFull)?;
        match self.store.insert(api_key, nonce, now, keep_until) {
            Ok(Insert::Fresh) => Ok(Verified {
                api_key: Arc::clone(key),
            }),
            Ok(Insert::Replayed) => Err(Error::NonceReused {
                header: F::HEADERS[3],
            }),
            Err(_) => Err(Error::ReplayStoreFull),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trim_ows_strips_spaces_and_tabs_only() {
        for (raw, want) in [
            (" \tx y\t ", "x y"),
            ("x", "x"),
            ("", ""),
            (" \t ", ""),
            ("\rx\n", "\rx\n"),
            (" é ", "é"),
        ] {
            assert_eq!(trim_ows(raw), want, "{raw:?}");
        }
    }
}
