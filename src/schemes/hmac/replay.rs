//! [`ShardedNonceStore`]: a bounded, concurrent replay store with time buckets (H5, H8).
//!
//! - Nonces are remembered per scope (the API key): the same nonce under another key is
//!   another entry.
//! - Each `(scope, nonce)` is reduced to a 64-bit fingerprint under a random SipHash key
//!   chosen when the store is built, so an entry costs 8 bytes plus its 4-byte deadline
//!   and table overhead, whatever the nonce's length. A fresh nonce that shares a
//!   fingerprint with one of the n live entries (probability about n/2⁶⁴ per request,
//!   5·10⁻¹⁴ with a million live nonces) reads as a replay: a false rejection, never a
//!   false acceptance.
//! - The fingerprint picks one of a power-of-two number of shards, each behind its own
//!   mutex, so threads presenting different nonces rarely contend, and threads
//!   presenting the same nonce serialise on one lock: exactly one of them is `Fresh`.
//! - Inside a shard, one hash table maps fingerprints to deadlines (one probe per
//!   insert), and a queue of time buckets (deadline rounded up to the granularity, so a
//!   nonce is kept at least as long as asked) lists the fingerprints to forget. Each
//!   insert forgets at most a fixed number of expired entries from the oldest bucket,
//!   so expiry is incremental: no call scans the store. An expired entry not yet
//!   forgotten is never read as live (its deadline is checked).
//! - A global count bounds live entries. When it is reached, the store first forgets
//!   expired entries from every shard it can lock without waiting (a bounded number per
//!   shard); if that frees nothing it refuses with [`StoreFull`] (fail closed, H8)
//!   instead of forgetting a nonce that is still inside its window.
//! - Deadlines are kept as `u32` Unix seconds (clamped to 0..=2³²−1, i.e. until 2106).

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher, RandomState};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use crate::replay::{Insert, NonceStore, StoreFull};

/// A 64-bit keyed fingerprint of `(scope, nonce)`. Bits 32.. pick the shard; the table
/// hashes the whole word (its low bits index, its top bits tag), which the shard bits
/// never reach.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Fp(u64);

impl Hash for Fp {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Already a keyed hash: hand it to the table as it is.
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

type FpMap = HashMap<Fp, u32, BuildHasherDefault<PassThrough>>;

/// Fingerprints whose deadline is `until`, to forget once `now > until`.
struct Bucket {
    until: u32,
    keys: Vec<Fp>,
}

#[derive(Default)]
struct Shard {
    live: FpMap,
    /// Sorted by `until`, oldest first.
    buckets: VecDeque<Bucket>,
}

/// How many expired entries one insert forgets at most (per shard visited).
const FORGET_STEP: usize = 32;

fn secs(t: i64) -> u32 {
    u32::try_from(t.clamp(0, i64::from(u32::MAX))).unwrap_or(u32::MAX)
}

impl Shard {
    /// Forgets up to `budget` expired entries, oldest bucket first; returns how many.
    fn forget(&mut self, now: u32, budget: usize) -> usize {
        let mut freed = 0;
        let mut looked = 0;
        while looked < budget {
            let Some(front) = self.buckets.front_mut() else {
                break;
            };
            if front.until >= now {
                break;
            }
            let Some(fp) = front.keys.pop() else {
                self.buckets.pop_front();
                continue;
            };
            looked += 1;
            // Re-inserted later under another deadline: that entry stays.
            if self.live.get(&fp) == Some(&front.until) {
                self.live.remove(&fp);
                freed += 1;
            }
        }
        freed
    }

    fn enqueue(&mut self, fp: Fp, until: u32) {
        // Deadlines mostly arrive in order: search from the newest bucket.
        let pos = self
            .buckets
            .iter()
            .rposition(|b| b.until <= until)
            .map_or(0, |i| i + 1);
        if pos > 0 && self.buckets[pos - 1].until == until {
            self.buckets[pos - 1].keys.push(fp);
        } else {
            self.buckets.insert(
                pos,
                Bucket {
                    until,
                    keys: vec![fp],
                },
            );
        }
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
    granularity: u32,
    key: RandomState,
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
pub const DEFAULT_GRANULARITY_SECS: i64 = 4;

impl ShardedNonceStore {
    /// A store holding at most `capacity` live nonces, with 64 shards and 4-second
    /// buckets.
    pub fn new(capacity: usize) -> Self {
        Self::with_layout(capacity, DEFAULT_SHARDS, DEFAULT_GRANULARITY_SECS)
    }

    /// A store with `shards` shards (rounded up to a power of two, at least 1) and
    /// buckets `granularity_secs` wide (1 to 3600). Coarser buckets mean fewer, larger
    /// queues, and entries kept up to that much longer than asked.
    pub fn with_layout(capacity: usize, shards: usize, granularity_secs: i64) -> Self {
        let shards = shards.max(1).next_power_of_two();
        Self {
            shards: (0..shards).map(|_| Mutex::new(Shard::default())).collect(),
            live: AtomicUsize::new(0),
            capacity,
            granularity: secs(granularity_secs.clamp(1, 3600)),
            key: RandomState::new(),
        }
    }

    /// Nonces currently remembered (expired ones not yet forgotten included).
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

    fn fingerprint(&self, scope: &str, nonce: &str) -> (Fp, usize) {
        let h = self.key.hash_one((scope, nonce));
        (Fp(h), (h >> 32) as usize & (self.shards.len() - 1))
    }

    /// Gives back `n` slots of the bound.
    fn release(&self, n: usize) {
        if n > 0 {
            self.live.fetch_sub(n, Ordering::AcqRel);
        }
    }

    /// Takes one slot of the bound; when the bound is reached, first forgets expired
    /// entries of every shard it can lock without waiting.
    fn reserve(&self, own: &mut Shard, now: u32) -> bool {
        for attempt in 0..2 {
            if self.live.fetch_add(1, Ordering::AcqRel) < self.capacity {
                return true;
            }
            self.live.fetch_sub(1, Ordering::AcqRel);
            if attempt == 1 {
                break;
            }
            const FULL_STEP: usize = 4096;
            let mut freed = own.forget(now, FULL_STEP);
            for shard in self.shards.iter() {
                if let Ok(mut s) = shard.try_lock() {
                    freed += s.forget(now, FULL_STEP);
                }
            }
            self.live.fetch_sub(freed, Ordering::AcqRel);
        }
        false
    }
}

fn lock(m: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    // A panic while holding the lock leaves the table and queues usable: at worst an
    // entry is remembered longer than needed.
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
        let (fp, shard) = self.fingerprint(scope, nonce);
        let now = secs(now);
        let g = self.granularity;
        // Round the deadline up to the bucket edge: kept at least as long as asked.
        let until = secs(keep_until).div_ceil(g).saturating_mul(g);
        let mut shard = lock(&self.shards[shard]);
        let freed = shard.forget(now, FORGET_STEP);
        match shard.live.get_mut(&fp) {
            Some(deadline) if *deadline >= now => {
                self.release(freed);
                return Ok(Insert::Replayed);
            }
            Some(deadline) => {
                *deadline = until;
                self.release(freed);
            }
            None => {
                // A slot freed just now is taken over by this entry: in the steady state
                // (one forgotten per one remembered) the shared count is not touched.
                if freed > 0 {
                    self.release(freed - 1);
                } else if !self.reserve(&mut shard, now) {
                    return Err(StoreFull {
                        capacity: self.capacity,
                    });
                }
                shard.live.insert(fp, until);
            }
        }
        shard.enqueue(fp, until);
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
