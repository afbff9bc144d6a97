//! [`Secret`]: key material that never shows in logs, errors or `Debug` output.

use std::fmt;

use zeroize::Zeroize;

/// Key material: an API key, a shared secret, a password, a bearer token.
///
/// - `Debug` prints `Secret(<redacted, N bytes>)`; there is no `Display`.
/// - The bytes are wiped from memory when the value is dropped.
/// - Reading them is explicit: [`Secret::expose`] / [`Secret::expose_str`].
/// - Equality is constant-time.
///
/// ```
/// use partner_auth::Secret;
/// let key = Secret::new("abcdefghijABCDEFGHIJabcdefghijABCDEFGHIJ");
/// assert_eq!(format!("{key:?}"), "Secret(<redacted, 40 bytes>)");
/// assert_eq!(key.expose().len(), 40);
/// ```
#[derive(Clone)]
pub struct Secret {
    bytes: Box<[u8]>,
}

impl Secret {
    /// Wraps key material.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            bytes: bytes.into().into_boxed_slice(),
        }
    }

    /// The raw bytes. Every call site is a place where the secret leaves its wrapper.
    pub fn expose(&self) -> &[u8] {
        &self.bytes
    }

    /// The bytes as text, when they are UTF-8.
    pub fn expose_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.bytes).ok()
    }

    /// Length in bytes (not secret: every scheme fixes it).
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// True when the secret holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(<redacted, {} bytes>)", self.bytes.len())
    }
}

impl PartialEq for Secret {
    /// Compares digests in constant time, so neither the bytes nor the lengths of the
    /// two secrets show in the time taken ([`crate::encoding::digest_eq`]).
    fn eq(&self, other: &Self) -> bool {
        crate::encoding::digest_eq(&self.bytes, &other.bytes)
    }
}

impl Eq for Secret {}

impl Drop for Secret {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Self::new(s.as_bytes())
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Self::new(s.into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = Secret::new("marker-7f3a9c");
        let shown = format!("{s:?} {:?}", vec![s.clone()]);
        assert!(!shown.contains("marker"), "{shown}");
        assert_eq!(format!("{s:?}"), "Secret(<redacted, 13 bytes>)");
    }

    #[test]
    fn equality_compares_bytes() {
        assert_eq!(Secret::new("a"), Secret::new("a"));
        assert_ne!(Secret::new("a"), Secret::new("b"));
        assert_ne!(Secret::new("a"), Secret::new("ab"));
    }
}
