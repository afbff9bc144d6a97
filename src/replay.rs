//! [`NonceStore`]: remembers nonces so a request cannot be replayed.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// The answer of [`NonceStore::insert`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Insert {
    /// The nonce was new and is now remembered.
    Fresh,
    /// The nonce was already remembered under this scope: a replay.
    Replayed,
}

/// The store cannot remember another nonce without forgetting one still inside its
/// window, so it refuses (fails closed) rather than risk accepting a replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the nonce store is full ({capacity} live nonces); refusing rather than forgetting one still inside the window"
)]
pub struct StoreFull {
    /// The configured capacity.
    pub capacity: usize,
}

/// Remembers `(scope, nonce)` pairs until a deadline.
///
/// `scope` is the credential the nonce was presented under (a key id), so the same nonce
/// under two keys is two entries. Verifiers call [`NonceStore::insert`] only after the
/// signature verified, so an attacker cannot burn nonces with forged requests.
pub trait NonceStore: Send + Sync {
    /// Atomically checks and records `nonce` under `scope`, to be remembered until
    /// `keep_until` (Unix seconds). `now` lets the store forget expired entries.
    fn insert(
        &self,
        scope: &str,
        nonce: &str,
        now: i64,
        keep_until: i64,
    ) -> Result<Insert, StoreFull>;
}

impl<S: NonceStore + ?Sized> NonceStore for std::sync::Arc<S> {
    fn insert(
        &self,
        scope: &str,
        nonce: &str,
        now: i64,
        keep_until: i64,
    ) -> Result<Insert, StoreFull> {
        (**self).insert(scope, nonce, now, keep_until)
    }
}

/// An in-memory [`NonceStore`] with a bound on live entries.
///
/// Expired entries are purged a few at a time on each insert, oldest deadline first,
/// so no call scans the whole store. When `capacity` live entries exist, inserts fail
/// with [`StoreFull`] until some expire.
#[derive(Debug)]
pub struct InMemoryNonceStore {
    inner: Mutex<Inner>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct Inner {
    live: HashMap<(String, String), i64>,
    /// Entries in insertion order with their deadline; deadlines are not strictly
    /// ordered, so an entry is only dropped once its own deadline passed.
    order: VecDeque<((String, String), i64)>,
}

/// How many queue entries one insert examines for expiry, at most.
const PURGE_STEP: usize = 8;

impl InMemoryNonceStore {
    /// A store holding at most `capacity` live nonces.
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            capacity,
        }
    }

    /// Number of nonces currently remembered (expired ones not yet purged included).
    pub fn len(&self) -> usize {
        self.lock().live.len()
    }

    /// True when nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps inconsistent in a way
        // that matters for replay safety (an entry is either there or not).
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Default for InMemoryNonceStore {
    fn default() -> Self {
        Self::new(1_000_000)
    }
}

impl Inner {
    fn purge(&mut self, now: i64, budget: usize) {
        for _ in 0..budget {
            match self.order.front() {
                Some((_, deadline)) if *deadline < now => {
                    let (key, deadline) = self.order.pop_front().expect("front exists");
                    if self.live.get(&key) == Some(&deadline) {
                        self.live.remove(&key);
                    }
                }
                _ => break,
            }
        }
    }
}

impl NonceStore for InMemoryNonceStore {
    fn insert(
        &self,
        scope: &str,
        nonce: &str,
        now: i64,
        keep_until: i64,
    ) -> Result<Insert, StoreFull> {
        let mut inner = self.lock();
        inner.purge(now, PURGE_STEP);
        let key = (scope.to_owned(), nonce.to_owned());
        if let Some(deadline) = inner.live.get(&key)
            && *deadline >= now
        {
            return Ok(Insert::Replayed);
        }
        if inner.live.len() >= self.capacity && !inner.live.contains_key(&key) {
            // Try harder before refusing: purge everything already expired at the front.
            inner.purge(now, usize::MAX);
            if inner.live.len() >= self.capacity {
                return Err(StoreFull {
                    capacity: self.capacity,
                });
            }
        }
        inner.live.insert(key.clone(), keep_until);
        inner.order.push_back((key, keep_until));
        Ok(Insert::Fresh)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_per_scope() {
        let s = InMemoryNonceStore::new(10);
        assert_eq!(s.insert("k1", "n", 0, 100), Ok(Insert::Fresh));
        assert_eq!(s.insert("k1", "n", 50, 150), Ok(Insert::Replayed));
        assert_eq!(s.insert("k2", "n", 50, 150), Ok(Insert::Fresh));
    }

    #[test]
    fn forgets_after_deadline_and_fails_closed_when_full() {
        let s = InMemoryNonceStore::new(2);
        assert_eq!(s.insert("k", "a", 0, 10), Ok(Insert::Fresh));
        assert_eq!(s.insert("k", "b", 0, 10), Ok(Insert::Fresh));
        assert_eq!(s.insert("k", "c", 5, 15), Err(StoreFull { capacity: 2 }));
        // Past the deadlines the old entries go and the new one fits.
        assert_eq!(s.insert("k", "c", 11, 21), Ok(Insert::Fresh));
        assert_eq!(s.insert("k", "a", 11, 21), Ok(Insert::Fresh));
        assert_eq!(s.len(), 2);
    }
}
