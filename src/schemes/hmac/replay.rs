//! [`ShardedNonceStore`]: a bounded, concurrent replay store with time buckets (H5, H8).
//!
//! - Nonces are remembered per scope (the API key): the same nonce under another key is
//!   another entry.
//! - Each `(scope, nonce)` is reduced to a 128-bit fingerprint under two random SipHash
//!   keys chosen when the store is built, so an entry costs 16 bytes plus table
//!   overhead whatever the nonce's length. Two different nonces sharing a fingerprint
//!   (probability about n²/2¹²⁹) would make the second one read as a replay: a false
//!   rejection, never a false acceptance.
//! - The fingerprint picks one of a power-of-two number of shards, each behind its own
//!   mutex, so threads presenting different nonces rarely contend, and threads
//!   presenting the same nonce serialise on one lock: exactly one of them is `Fresh`.
//! - Inside a shard, entries sit in time buckets by deadline (rounded up to the bucket
//!   granularity, so a nonce is kept at least as long as asked). Expiry drops whole
//!   buckets, the oldest first, on the inserts that reach the shard: no call ever scans
//!   the entries.
//! - A global count bounds live entries. When it is reached, the store first drops the
//!   expired buckets of every shard it can lock without waiting; if that frees nothing
//!   it refuses with [`StoreFull`] (fail closed, H8) instead of forgetting a nonce that is
//!   still inside its window.

use std::collections::{HashSet, VecDeque};
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher, RandomState};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use crate::replay::{Insert, NonceStore, StoreFull};

/// A 128-bit fingerprint of `(scope, nonce)`.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Fp(u64, u64);

impl Hash for Fp {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Already a keyed hash: hand the table its first half as is.
        state.write_u64(self.0);
    }
}

/// A hasher that passes a fingerprint through.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 ^= v;
    }
}

type FpSet = HashSet<Fp, BuildHasherDefault<PassThrough>>;

struct Bucket {
    /// Entries are remembered while `now <= until`.
    until: i64,
    set: FpSet,
}

#[derive(Default)]
struct Shard {
    /// Sorted by `until`, oldest first.
    buckets: VecDeque<Bucket>,
}

impl Shard {
    /// Drops the buckets whose deadline passed; returns how many entries went.
    fn purge(&mut self, now: i64) -> usize {
        let mut freed = 0;
        while self.buckets.front().is_some_and(|b| b.until < now) {
            if let Some(b) = self.buckets.pop_front() {
                freed += b.set.len();
            }
        }
        freed
    }

    fn contains(&self, fp: &Fp) -> bool {
        self.buckets.iter().any(|b| b.set.contains(fp))
    }

    fn add(&mut self, fp: Fp, until: i64) {
        // Deadlines mostly arrive in order: search from the newest bucket.
        let pos = self
            .buckets
            .iter()
            .rposition(|b| b.until <= until)
            .map_or(0, |i| i + 1);
        if pos > 0 && self.buckets[pos - 1].until == until {
            self.buckets[pos - 1].set.insert(fp);
            return;
        }
        let mut set = FpSet::default();
        set.insert(fp);
        self.buckets.insert(pos, Bucket { until, set });
    }
}

/// A bounded, sharded, time-bucketed [`NonceStore`] (see the module docs).
///
/// ```
/// use partner_auth::schemes::hmac::ShardedNonceStore;
/// use partner_auth::{Insert, NonceStore};
/// let store = ShardedNonceStore::new(1000);
/// assert_eq!(store.insert("key-a", "n1", 100, 220), Ok(Insert::Fresh));
/// assert_eq!(store.insert("key-a", "n1", 150, 270), Ok(Insert::Replayed));
/// assert_eq!(store.insert("key-b", "n1", 150, 270), Ok(Insert::Fresh));
/// ```
pub struct ShardedNonceStore {
    shards: Box<[Mutex<Shard>]>,
    live: AtomicUsize,
    capacity: usize,
    granularity: i64,
    k0: RandomState,
    k1: RandomState,
}

impl std::fmt::Debug for ShardedNonceStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShardedNonceStore")
            .field("shards", &self.shards.len())
            .field("live", &self.len())
            .field("capacity", &self.capacity)
            .field("granularity", &self.granularity)
            .finish()
    }
}

/// Default number of shards.
pub const DEFAULT_SHARDS: usize = 64;
/// Default bucket granularity, in seconds.
pub const DEFAULT_GRANULARITY_SECS: i64 = 16;

impl ShardedNonceStore {
    /// A store holding at most `capacity` live nonces, with 64 shards and 16-second
    /// buckets.
    pub fn new(capacity: usize) -> Self {
        Self::with_layout(capacity, DEFAULT_SHARDS, DEFAULT_GRANULARITY_SECS)
    }

    /// A store with `shards` shards (rounded up to a power of two, at least 1) and
    /// buckets `granularity_secs` wide (at least 1). Coarser buckets mean fewer tables
    /// to probe and entries kept up to that much longer.
    pub fn with_layout(capacity: usize, shards: usize, granularity_secs: i64) -> Self {
        let shards = shards.max(1).next_power_of_two();
        Self {
            shards: (0..shards).map(|_| Mutex::new(Shard::default())).collect(),
            live: AtomicUsize::new(0),
            capacity,
            granularity: granularity_secs.max(1),
            k0: RandomState::new(),
            k1: RandomState::new(),
        }
    }

    /// Nonces currently remembered (expired buckets not yet dropped included).
    pub fn len(&self) -> usize {
        self.live.load(Ordering::Relaxed)
    }

    /// True when nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The configured bound on live nonces.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    fn fingerprint(&self, scope: &str, nonce: &str) -> Fp {
        let x = (scope, nonce);
        Fp(self.k0.hash_one(x), self.k1.hash_one(x))
    }

    fn shard(&self, fp: &Fp) -> MutexGuard<'_, Shard> {
        let i = (fp.1 as usize) & (self.shards.len() - 1);
        lock(&self.shards[i])
    }

    /// Takes one slot of the bound, dropping expired buckets of the shards it can lock
    /// without waiting when the bound is reached.
    fn reserve(&self, own: &mut Shard, now: i64) -> bool {
        for attempt in 0..2 {
            if self.live.fetch_add(1, Ordering::AcqRel) < self.capacity {
                return true;
            }
            self.live.fetch_sub(1, Ordering::AcqRel);
            if attempt == 1 {
                break;
            }
            let mut freed = own.purge(now);
            for shard in self.shards.iter() {
                if let Ok(mut s) = shard.try_lock() {
                    freed += s.purge(now);
                }
            }
            self.live.fetch_sub(freed, Ordering::AcqRel);
        }
        false
    }
}

fn lock(m: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    // A panic while holding the lock leaves each bucket whole (an entry is in or out).
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Default for ShardedNonceStore {
    fn default() -> Self {
        Self::new(1_000_000)
    }
}

impl NonceStore for ShardedNonceStore {
    fn insert(
        &self,
        scope: &str,
        nonce: &str,
        now: i64,
        keep_until: i64,
    ) -> Result<Insert, StoreFull> {
        let fp = self.fingerprint(scope, nonce);
        let mut shard = self.shard(&fp);
        let freed = shard.purge(now);
        if freed > 0 {
            self.live.fetch_sub(freed, Ordering::AcqRel);
        }
        if shard.contains(&fp) {
            return Ok(Insert::Replayed);
        }
        if !self.reserve(&mut shard, now) {
            return Err(StoreFull {
                capacity: self.capacity,
            });
        }
        let g = self.granularity;
        let until = keep_until
            .div_euclid(g)
            .saturating_add(i64::from(keep_until.rem_euclid(g) != 0))
            .saturating_mul(g);
        shard.add(fp, until);
        Ok(Insert::Fresh)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_per_scope_and_forgotten_after_the_deadline() {
        let s = ShardedNonceStore::with_layout(10, 4, 10);
        assert_eq!(s.insert("k1", "n", 0, 100), Ok(Insert::Fresh));
        assert_eq!(s.insert("k1", "n", 100, 220), Ok(Insert::Replayed));
        assert_eq!(s.insert("k2", "n", 100, 220), Ok(Insert::Fresh));
        // Kept at least until 100 (rounded up to the bucket edge, 100 here).
        assert_eq!(s.insert("k1", "n", 101, 221), Ok(Insert::Fresh));
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn deadlines_round_up_never_down() {
        let s = ShardedNonceStore::with_layout(10, 1, 16);
        assert_eq!(s.insert("k", "n", 0, 17), Ok(Insert::Fresh));
        assert_eq!(s.insert("k", "n", 17, 40), Ok(Insert::Replayed));
        assert_eq!(s.insert("k", "n", 32, 40), Ok(Insert::Replayed));
        assert_eq!(s.insert("k", "n", 33, 60), Ok(Insert::Fresh));
    }

    #[test]
    fn fails_closed_when_full_and_recovers_after_expiry() {
        let s = ShardedNonceStore::with_layout(3, 8, 1);
        for n in ["a", "b", "c"] {
            assert_eq!(s.insert("k", n, 0, 10), Ok(Insert::Fresh));
        }
        assert_eq!(s.insert("k", "d", 5, 15), Err(StoreFull { capacity: 3 }));
        // A replay is still recognised while full.
        assert_eq!(s.insert("k", "a", 5, 15), Ok(Insert::Replayed));
        // Once the old entries expire, room comes back (from every shard).
        assert_eq!(s.insert("k", "d", 11, 21), Ok(Insert::Fresh));
        assert!(s.len() <= 3);
    }

    #[test]
    fn out_of_order_deadlines() {
        let s = ShardedNonceStore::with_layout(100, 1, 1);
        assert_eq!(s.insert("k", "late", 0, 50), Ok(Insert::Fresh));
        assert_eq!(s.insert("k", "early", 0, 10), Ok(Insert::Fresh));
        assert_eq!(s.insert("k", "mid", 0, 30), Ok(Insert::Fresh));
        assert_eq!(s.insert("k", "x", 20, 60), Ok(Insert::Fresh));
        assert_eq!(s.insert("k", "early", 20, 60), Ok(Insert::Fresh));
        assert_eq!(s.insert("k", "mid", 20, 60), Ok(Insert::Replayed));
        assert_eq!(s.insert("k", "late", 45, 60), Ok(Insert::Replayed));
    }
}
