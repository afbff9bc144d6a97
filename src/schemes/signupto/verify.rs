//! The verifier: header look-up, key look-up, Date window, signature, replay.

use super::canonical::{Parts, canonical_string, digest_parts};
use super::wire::{AuthScheme, parse_authorization, parse_date_any_form};
use super::{Error, Identity, KeyDirectory, Variant, check_nonce};
use crate::encoding::{Decimal, ct_eq, hex_decode_into};
use crate::replay::{Insert, NonceStore, WindowOutOfRange, check_window_secs};
use crate::{Clock, Request};

/// The default Date window either side of the verifier's clock (S6).
pub const DEFAULT_WINDOW_SECS: i64 = 900;

/// Proof that a request verified. Only a verifier can build one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    identity: Identity,
}

impl Verified {
    /// The ids the authenticated request asserted.
    pub fn identity(&self) -> Identity {
        self.identity
    }
}

/// Verifies Hash or Partner Hash requests.
pub struct Verifier<C: Clock, S: NonceStore> {
    variant: Variant,
    keys: KeyDirectory,
    clock: C,
    store: S,
    window_secs: i64,
}

impl<C: Clock, S: NonceStore> std::fmt::Debug for Verifier<C, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("variant", &self.variant)
            .field("window_secs", &self.window_secs)
            .finish_non_exhaustive()
    }
}

/// Reads the single value of a header, refusing duplicates (S8).
pub(crate) fn one<'r>(req: &'r Request, header: &'static str) -> Result<Option<&'r str>, Error> {
    req.headers
        .get_one(header)
        .map_err(|d| Error::DuplicateHeader {
            header,
            count: d.count,
        })
}

/// Parses an id header: 1 to 18 ASCII digits.
fn parse_id(value: &str, header: &'static str) -> Result<u64, Error> {
    if value.is_empty() || value.len() > 18 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::MalformedId { header });
    }
    value.parse().map_err(|_| Error::MalformedId { header })
}

/// The headers a Sign-Up.to verifier reads, each of which must appear at most once.
pub(crate) const SINGLE_HEADERS: [&str; 6] = [
    "Authorization",
    "Date",
    "X-SuT-PID",
    "X-SuT-CID",
    "X-SuT-UID",
    "X-SuT-Nonce",
];

/// Checks every header the scheme reads for duplicates, in one pass (S8).
pub(crate) fn check_duplicates(req: &Request) -> Result<(), Error> {
    for header in SINGLE_HEADERS {
        one(req, header)?;
    }
    Ok(())
}

/// One pass over the header fields: the single value of each of [`SINGLE_HEADERS`]
/// (surrounding spaces and tabs removed, as [`one`] reads it), or the first of them, in
/// that order, that appears more than once (S8): the answer of [`check_duplicates`]
/// followed by [`one`] for each, without scanning the fields once per header.
fn read_single_headers(req: &Request) -> Result<[Option<&str>; 6], Error> {
    let mut found: [Option<&str>; 6] = [None; 6];
    let mut count = [0usize; 6];
    for (name, value) in req.headers.iter() {
        let Some(i) = SINGLE_HEADERS
            .iter()
            .position(|h| h.len() == name.len() && h.eq_ignore_ascii_case(name))
        else {
            continue;
        };
        count[i] += 1;
        if found[i].is_none() {
            found[i] = Some(value.trim_matches([' ', '\t']));
        }
    }
    for (header, count) in SINGLE_HEADERS.into_iter().zip(count) {
        if count > 1 {
            return Err(Error::DuplicateHeader { header, count });
        }
    }
    Ok(found)
}

/// The replay scope text of [`Verifier::replay_scope`], written into `buf`.
fn scope_text(variant: Variant, key_id: u64, buf: &mut [u8; 24]) -> &str {
    let prefix: &[u8; 4] = match variant {
        Variant::Hash => b"cid:",
        Variant::PartnerHash => b"pid:",
    };
    let id = Decimal::new(key_id);
    let len = 4 + id.as_str().len();
    buf[..4].copy_from_slice(prefix);
    buf[4..len].copy_from_slice(id.as_str().as_bytes());
    std::str::from_utf8(&buf[..len]).expect("ASCII")
}

/// Reads and parses `Date` in any of the three HTTP-date forms (common to every
/// Sign-Up.to verifier; S6). `now` reads an RFC 850 two-digit year.
pub(crate) fn read_date(req: &Request, now: i64) -> Result<(&str, i64), Error> {
    let date = one(req, "Date")?.ok_or(Error::MissingDate)?;
    let ts = parse_date_any_form(date, now).ok_or(Error::MalformedDate)?;
    Ok((date, ts))
}

/// Reads and checks the nonce.
pub(crate) fn nonce(req: &Request) -> Result<&str, Error> {
    let nonce = one(req, "X-SuT-Nonce")?.ok_or(Error::MissingNonce)?;
    check_nonce(nonce)?;
    Ok(nonce)
}

/// The Date window check (S6).
pub(crate) fn check_window(date_ts: i64, now: i64, window_secs: i64) -> Result<(), Error> {
    let skew = date_ts.saturating_sub(now);
    if skew.unsigned_abs() > window_secs.unsigned_abs() {
        return Err(Error::DateOutOfWindow {
            skew_secs: skew,
            window_secs,
        });
    }
    Ok(())
}

/// Records the nonce after everything else verified (S5).
pub(crate) fn record_nonce(
    store: &dyn NonceStore,
    scope: &str,
    nonce: &str,
    now: i64,
    date_ts: i64,
    window_secs: i64,
) -> Result<(), Error> {
    // A request with this Date stays acceptable until date + window; remember the nonce
    // at least that long (and never less than a full window from now). A deadline that
    // cannot be computed cannot be kept: refuse (fail closed).
    let keep_until = date_ts
        .max(now)
        .checked_add(window_secs)
        .ok_or(Error::ReplayStoreFull)?;
    match store.insert(scope, nonce, now, keep_until) {
        Ok(Insert::Fresh) => Ok(()),
        Ok(Insert::Replayed) => Err(Error::NonceReplayed),
        Err(_) => Err(Error::ReplayStoreFull),
    }
}

impl<C: Clock, S: NonceStore> Verifier<C, S> {
    /// A verifier with the default ±900 s Date window.
    pub fn new(variant: Variant, keys: KeyDirectory, clock: C, store: S) -> Self {
        Self {
            variant,
            keys,
            clock,
            store,
            window_secs: DEFAULT_WINDOW_SECS,
        }
    }

    /// Sets the Date window, in seconds either side of the clock: 1 to 86 400
    /// ([`crate::replay::MIN_WINDOW_SECS`]..=[`crate::replay::MAX_WINDOW_SECS`]); any
    /// other value is refused.
    pub fn with_window_secs(mut self, window_secs: i64) -> Result<Self, WindowOutOfRange> {
        self.window_secs = check_window_secs(window_secs)?;
        Ok(self)
    }

    /// The nonce store (to preload or inspect it).
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The variant it verifies (Hash or Partner Hash).
    pub fn variant(&self) -> Variant {
        self.variant
    }

    /// The key directory it verifies against.
    pub fn keys(&self) -> &KeyDirectory {
        &self.keys
    }

    /// The scope a nonce is remembered under: the key id.
    pub fn replay_scope(variant: Variant, key_id: u64) -> String {
        scope_text(variant, key_id, &mut [0; 24]).to_owned()
    }

    /// Verifies `req`; checks run in the order vectors/README.md lists.
    ///
    /// SHA-1 absorbs the canonical lines the verifier reads from the request and the
    /// key in place: no canonical string is built (see [`Verifier::verify_detailed`]
    /// for one).
    pub fn verify(&self, req: &Request) -> Result<Verified, Error> {
        self.verify_parts(req).map(|(v, _)| v)
    }

    /// As [`Verifier::verify`], also returning the canonical string the verifier built
    /// (for diagnostics that the caller chooses to show).
    pub fn verify_detailed(
        &self,
        req: &Request,
    ) -> Result<(Verified, crate::CanonicalString), Error> {
        let (verified, parts) = self.verify_parts(req)?;
        Ok((verified, canonical_string(self.variant, &parts)))
    }

    /// The checks of [`Verifier::verify`], and the parts the signature covered.
    fn verify_parts<'r>(&self, req: &'r Request) -> Result<(Verified, Parts<'r>), Error> {
        let variant = self.variant;
        let [auth, date, pid_raw, cid_raw, uid_raw, nonce] = read_single_headers(req)?;
        let auth = auth.ok_or(Error::MissingAuthorization {
            expected: variant.auth_scheme(),
        })?;
        let auth = parse_authorization(auth)?;
        if auth.scheme != AuthScheme::from(variant) {
            return Err(Error::WrongScheme {
                expected: variant.auth_scheme(),
                found: auth.scheme.token(),
            });
        }
        let mut presented = [0u8; 20];
        if hex_decode_into(&auth.credentials, &mut presented).is_none() {
            return Err(Error::MalformedSignature);
        }
        let date = date.ok_or(Error::MissingDate)?;
        let date_ts =
            parse_date_any_form(date, self.clock.now_secs()).ok_or(Error::MalformedDate)?;

        let pid_raw = if variant == Variant::PartnerHash {
            pid_raw
        } else {
            None
        };
        let identity = Identity {
            pid: pid_raw.map(|v| parse_id(v, "X-SuT-PID")).transpose()?,
            cid: cid_raw.map(|v| parse_id(v, "X-SuT-CID")).transpose()?,
            uid: uid_raw.map(|v| parse_id(v, "X-SuT-UID")).transpose()?,
        };
        identity.check(variant)?;
        let nonce = nonce.ok_or(Error::MissingNonce)?;
        check_nonce(nonce)?;

        let key_id = identity
            .key_id(variant)
            .expect("checked by Identity::check");
        let key = self
            .keys
            .get(variant, key_id)
            .ok_or(Error::UnknownCredentials {
                header: variant.key_id_header(),
            })?;
        let now = self.clock.now_secs();
        check_window(date_ts, now, self.window_secs)?;

        let parts = Parts {
            method: &req.method,
            path: req.path(),
            date,
            pid: pid_raw,
            cid: cid_raw,
            uid: uid_raw,
            nonce,
        };
        let expected = digest_parts(variant, &parts, key.secret().expose());
        if !ct_eq(&expected, &presented) {
            return Err(Error::SignatureMismatch);
        }
        record_nonce(
            &self.store,
            scope_text(variant, key_id, &mut [0; 24]),
            nonce,
            now,
            date_ts,
            self.window_secs,
        )?;
        Ok((Verified { identity }, parts))
    }
}
