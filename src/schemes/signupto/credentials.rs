//! Credentials: the two key shapes, the identity a request asserts, the key directory.

use std::collections::HashMap;

use super::{Error, Variant};
use crate::Secret;

/// A Sign-Up.to API key whose shape was checked (S7): a company key is 32 × `[0-9a-f]`
/// (Hash), a partner key 40 × `[a-zA-Z]` (Partner Hash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKey {
    variant: Variant,
    secret: Secret,
}

impl ApiKey {
    /// Checks `key` against the shape `variant` requires.
    pub fn new(variant: Variant, key: impl Into<Secret>) -> Result<Self, Error> {
        let secret = key.into();
        let bytes = secret.expose();
        match variant {
            Variant::Hash => {
                if bytes.len() != 32
                    || !bytes.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
                {
                    return Err(Error::MalformedKey {
                        reason: "a company API key is 32 characters of 0-9 and a-f (lowercase)",
                    });
                }
            }
            Variant::PartnerHash => {
                if bytes.len() != 40 || !bytes.iter().all(u8::is_ascii_alphabetic) {
                    return Err(Error::MalformedKey {
                        reason: "a partner API key is 40 characters of a-z and A-Z",
                    });
                }
            }
        }
        Ok(Self { variant, secret })
    }

    /// The scheme this key belongs to.
    pub fn variant(&self) -> Variant {
        self.variant
    }

    /// The key bytes, for hashing.
    pub(crate) fn secret(&self) -> &Secret {
        &self.secret
    }
}

/// The ids a request asserts: partner, company, user.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Identity {
    /// `X-SuT-PID`: the partner (Partner Hash only).
    pub pid: Option<u64>,
    /// `X-SuT-CID`: the company acted for.
    pub cid: Option<u64>,
    /// `X-SuT-UID`: the user acted as.
    pub uid: Option<u64>,
}

impl Identity {
    /// Checks the combination against the scheme's rules (S3, S-HASH-IDS).
    pub fn check(&self, variant: Variant) -> Result<(), Error> {
        match variant {
            Variant::Hash => {
                if self.cid.is_none() {
                    return Err(Error::MissingCid);
                }
                if self.uid.is_none() {
                    return Err(Error::MissingUid);
                }
            }
            Variant::PartnerHash => {
                if self.pid.is_none() {
                    return Err(Error::MissingPid);
                }
                if self.uid.is_some() && self.cid.is_none() {
                    return Err(Error::UidWithoutCid);
                }
            }
        }
        Ok(())
    }

    /// The id that selects the key: CID for Hash, PID for Partner Hash.
    pub fn key_id(&self, variant: Variant) -> Option<u64> {
        match variant {
            Variant::Hash => self.cid,
            Variant::PartnerHash => self.pid,
        }
    }
}

/// The verifier's keys, by company id (Hash) or partner id (Partner Hash).
#[derive(Clone, Debug, Default)]
pub struct KeyDirectory {
    keys: HashMap<u64, ApiKey>,
}

impl KeyDirectory {
    /// An empty directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the key of `id`.
    pub fn insert(&mut self, id: u64, key: ApiKey) {
        self.keys.insert(id, key);
    }

    /// The key of `id`, when known and of the right scheme.
    pub fn get(&self, variant: Variant, id: u64) -> Option<&ApiKey> {
        self.keys.get(&id).filter(|k| k.variant == variant)
    }
}
