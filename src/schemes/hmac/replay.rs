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
//! - A global count bounds live entries, and a per-scope count bounds the live entries
//!   of one key ([`DEFAULT_SCOPE_QUOTA`] unless set): one key filling its quota is
//!   refused alone ([`StoreFull::Scope`]) while the others go on. When either bound is
//!   reached, the store first forgets expired entries from every shard it can lock
//!   without waiting (a bounded number per shard); if that frees nothing it refuses with
//!   [`StoreFull`] (fail closed, H8) instead of forgetting a nonce that is still inside
//!   its window.
//! - Per-scope counts live in their own small sharded table keyed by a 64-bit keyed
//!   fingerprint of the scope (an entry of the queues carries it, so forgetting an entry
//!   gives its slot back to the right scope); a scope's count goes when it reaches 0, so
//!   the table holds at most one row per scope with live nonces.
//! - Deadlines are kept as `u32` Unix seconds (clamped to 0..=2³²−1, i.e. until 2106).

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher, RandomState};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use crate::replay::{DEFAULT_CAPACITY, DEFAULT_SCOPE_QUOTA, Insert, NonceStore, StoreFull};

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

/// Fingerprints whose deadline is `until`, to forget once `now > until`, each with the
/// fingerprint of its scope.
struct Bucket {
    until: u32,
    keys: Vec<(Fp, u64)>,
}

#[derive(Default)]
struct Shard {
    live: FpMap,
    /// Sorted by `until`, oldest first.
    buckets: VecDeque<Bucket>,
}

/// How many expired entries one insert forgets at most (per shard visited).
const FORGET_STEP: usize = 32;

/// How many expired entries a store at one of its bounds forgets per shard before
/// refusing.
const FULL_STEP: usize = 4096;

/// Number of shards of the per-scope count table.
const SCOPE_SHARDS: usize = 16;

fn secs(t: i64) -> u32 {
    u32::try_from(t.clamp(0, i64::from(u32::MAX))).unwrap_or(u32::MAX)
}

/// What a round of forgetting freed: in all, and per scope (runs of the same scope
/// merged; the first run inline, as one insert usually frees one entry of one scope).
#[derive(Default)]
struct Freed {
    total: usize,
    first: Option<(u64, usize)>,
    rest: Vec<(u64, usize)>,
}

impl Freed {
    fn add(&mut self, scope: u64) {
        self.total += 1;
        match (&mut self.first, self.rest.last_mut()) {
            (None, _) => self.first = Some((scope, 1)),
            (Some((s, n)), None) if *s == scope => *n += 1,
            (_, Some((s, n))) if *s == scope => *n += 1,
            _ => self.rest.push((scope, 1)),
        }
    }

    /// Takes out, and returns, how many of `scope`'s entries were freed.
    fn take(&mut self, scope: u64) -> usize {
        let mut n = 0;
        if let Some((s, c)) = self.first
            && s == scope
        {
            n += c;
            self.first = None;
        }
        self.rest.retain(|&(s, c)| {
            if s == scope {
                n += c;
            }
            s != scope
        });
        n
    }

    fn per_scope(&self) -> impl Iterator<Item = (u64, usize)> + '_ {
        self.first.into_iter().chain(self.rest.iter().copied())
    }
}

impl Shard {
    /// Forgets up to `budget` expired entries, oldest bucket first, into `freed`.
    fn forget(&mut self, now: u32, budget: usize, freed: &mut Freed) {
        let mut looked = 0;
        while looked < budget {
            let Some(front) = self.buckets.front_mut() else {
                break;
            };
            if front.until >= now {
                break;
            }
            let Some((fp, scope)) = front.keys.pop() else {
                self.buckets.pop_front();
                continue;
            };
            looked += 1;
            // Re-inserted later under another deadline: that entry stays.
            if self.live.get(&fp) == Some(&front.until) {
                self.live.remove(&fp);
                freed.add(scope);
            }
        }
    }

    fn enqueue(&mut self, fp: Fp, scope: u64, until: u32) {
        // Deadlines mostly arrive in order: search from the newest bucket.
        let pos = self
            .buckets
            .iter()
            .rposition(|b| b.until <= until)
            .map_or(0, |i| i + 1);
        if pos > 0 && self.buckets[pos - 1].until == until {
            self.buckets[pos - 1].keys.push((fp, scope));
        } else {
            self.buckets.insert(
                pos,
                Bucket {
                    until,
                    keys: vec![(fp, scope)],
                },
            );
        }
    }
}

type CountMap = HashMap<u64, usize, BuildHasherDefault<PassThrough>>;

/// A bounded, sharded, time-bucketed [`NonceStore`] with a per-scope quota (see the
/// module docs).
///
/// ```
/// use partner_auth::schemes::hmac::ShardedNonceStore;
/// use partner_auth::{Insert, NonceStore, StoreFull};
/// let store = ShardedNonceStore::new(1000).with_scope_quota(2);
/// assert_eq!(store.insert("key-a", "n1", 100, 220), Ok(Insert::Fresh));
/// assert_eq!(store.insert("key-a", "n1", 150, 270), Ok(Insert::Replayed));
/// assert_eq!(store.insert("key-b", "n1", 150, 270), Ok(Insert::Fresh));
/// assert_eq!(store.insert("key-a", "n2", 150, 270), Ok(Insert::Fresh));
/// // key-a holds its quota: it alone is refused.
/// assert_eq!(store.insert("key-a", "n3", 150, 270), Err(StoreFull::Scope { quota: 2 }));
/// assert_eq!(store.insert("key-b", "n3", 150, 270), Ok(Insert::Fresh));
/// ```
pub struct ShardedNonceStore {
    shards: Box<[Mutex<Shard>]>,
    /// Live entries per scope fingerprint, sharded by that fingerprint.
    counts: Box<[Mutex<CountMap>]>,
    live: AtomicUsize,
    capacity: usize,
    scope_quota: usize,
    granularity: u32,
    key: RandomState,
}

impl std::fmt::Debug for ShardedNonceStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShardedNonceStore")
            .field("shards", &self.shards.len())
            .field("live", &self.len())
            .field("capacity", &self.capacity)
            .field("scope_quota", &self.scope_quota)
            .field("granularity", &self.granularity)
            .finish()
    }
}

/// Default number of shards.
pub const DEFAULT_SHARDS: usize = 64;
/// Default bucket granularity, in seconds.
pub const DEFAULT_GRANULARITY_SECS: i64 = 4;

impl ShardedNonceStore {
    /// A store holding at most `capacity` live nonces (at most [`DEFAULT_SCOPE_QUOTA`]
    /// under one scope), with 64 shards and 4-second buckets.
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
            counts: (0..SCOPE_SHARDS)
                .map(|_| Mutex::new(CountMap::default()))
                .collect(),
            live: AtomicUsize::new(0),
            capacity,
            scope_quota: DEFAULT_SCOPE_QUOTA,
            granularity: secs(granularity_secs.clamp(1, 3600)),
            key: RandomState::new(),
        }
    }

    /// Sets how many live nonces one scope (API key) may hold; past it that scope alone
    /// is refused with [`StoreFull::Scope`] until some of its nonces expire. A quota of
    /// 0 refuses every nonce; one at or above the capacity means only the capacity binds.
    pub fn with_scope_quota(mut self, quota: usize) -> Self {
        self.scope_quota = quota;
        self
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

    /// The configured bound on live nonces under one scope.
    pub fn scope_quota(&self) -> usize {
        self.scope_quota
    }

    /// Nonces currently remembered under `scope` (expired ones not yet forgotten
    /// included).
    pub fn scope_len(&self, scope: &str) -> usize {
        let s = self.scope_fingerprint(scope);
        lock(self.count_shard(s)).get(&s).copied().unwrap_or(0)
    }

    fn scope_fingerprint(&self, scope: &str) -> u64 {
        self.key.hash_one(scope)
    }

    fn fingerprint(&self, scope: u64, nonce: &str) -> (Fp, usize) {
        let h = self.key.hash_one((scope, nonce));
        (Fp(h), (h >> 32) as usize & (self.shards.len() - 1))
    }

    fn count_shard(&self, scope: u64) -> &Mutex<CountMap> {
        &self.counts[(scope >> 32) as usize % SCOPE_SHARDS]
    }

    /// Gives back `n` slots of the global bound.
    fn release(&self, n: usize) {
        if n > 0 {
            self.live.fetch_sub(n, Ordering::AcqRel);
        }
    }

    /// Gives back `n` slots of `scope`'s quota.
    fn uncount(&self, scope: u64, n: usize) {
        if n == 0 {
            return;
        }
        let mut counts = lock(self.count_shard(scope));
        if let Some(c) = counts.get_mut(&scope) {
            *c = c.saturating_sub(n);
            if *c == 0 {
                counts.remove(&scope);
            }
        }
    }

    /// Gives back every slot `freed` lists, of the global bound and of each scope.
    fn release_all(&self, freed: &Freed) {
        self.release(freed.total);
        for (scope, n) in freed.per_scope() {
            self.uncount(scope, n);
        }
    }

    /// Forgets expired entries of `own` and of every shard it can lock without waiting
    /// (at most [`FULL_STEP`] each), and gives their slots back.
    fn sweep(&self, own: &mut Shard, now: u32) {
        let mut freed = Freed::default();
        own.forget(now, FULL_STEP, &mut freed);
        for shard in self.shards.iter() {
            if let Ok(mut s) = shard.try_lock() {
                s.forget(now, FULL_STEP, &mut freed);
            }
        }
        self.release_all(&freed);
    }

    /// Takes one slot of `scope`'s quota; when the quota is reached, first sweeps
    /// expired entries.
    fn reserve_scope(&self, own: &mut Shard, scope: u64, now: u32) -> bool {
        for attempt in 0..2 {
            {
                let mut counts = lock(self.count_shard(scope));
                let c = counts.entry(scope).or_insert(0);
                if *c < self.scope_quota {
                    *c += 1;
                    return true;
                }
                if *c == 0 {
                    counts.remove(&scope);
                }
            }
            if attempt == 0 {
                self.sweep(own, now);
            }
        }
        false
    }

    /// Takes one slot of the global bound; when the bound is reached, first sweeps
    /// expired entries.
    fn reserve(&self, own: &mut Shard, now: u32) -> bool {
        for attempt in 0..2 {
            if self.live.fetch_add(1, Ordering::AcqRel) < self.capacity {
                return true;
            }
            self.live.fetch_sub(1, Ordering::AcqRel);
            if attempt == 0 {
                self.sweep(own, now);
            }
        }
        false
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves the tables and queues usable: at worst an
    // entry is remembered longer than needed.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Default for ShardedNonceStore {
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY)
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
        let scope = self.scope_fingerprint(scope);
        let (fp, shard) = self.fingerprint(scope, nonce);
        let now = secs(now);
        let g = self.granularity;
        // Round the deadline up to the bucket edge: kept at least as long as asked.
        let until = secs(keep_until).div_ceil(g).saturating_mul(g);
        let mut shard = lock(&self.shards[shard]);
        let mut freed = Freed::default();
        shard.forget(now, FORGET_STEP, &mut freed);
        match shard.live.get_mut(&fp) {
            Some(deadline) if *deadline >= now => {
                self.release_all(&freed);
                return Ok(Insert::Replayed);
            }
            Some(deadline) => {
                // Expired, not yet forgotten: the entry and its slots are reused.
                *deadline = until;
                self.release_all(&freed);
            }
            None => {
                let own = freed.take(scope);
                let total = freed.total;
                freed.total = 0;
                for (s, n) in freed.per_scope() {
                    self.uncount(s, n);
                }
                // Likewise for the scope: an entry of its own forgotten just now is taken
                // over (its count only falls), else a slot of its quota is reserved.
                if own > 0 {
                    self.uncount(scope, own - 1);
                } else if !self.reserve_scope(&mut shard, scope, now) {
                    self.release(total);
                    return Err(StoreFull::Scope {
                        quota: self.scope_quota,
                    });
                }
                // A slot freed just now is taken over by this entry: in the steady state
                // (one forgotten per one remembered) the shared count is not touched.
                if total > 0 {
                    self.release(total - 1);
                } else if !self.reserve(&mut shard, now) {
                    self.uncount(scope, 1);
                    return Err(StoreFull::Total {
                        capacity: self.capacity,
                    });
                }
                shard.live.insert(fp, until);
            }
        }
        shard.enqueue(fp, scope, until);
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
        assert_eq!(
            s.insert("k", "d", 5, 15),
            Err(StoreFull::Total { capacity: 3 })
        );
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

    #[test]
    fn a_scope_at_its_quota_is_refused_alone_and_recovers_after_expiry() {
        let s = ShardedNonceStore::with_layout(100, 8, 1).with_scope_quota(3);
        for n in ["a", "b", "c"] {
            assert_eq!(s.insert("A", n, 0, 10), Ok(Insert::Fresh));
        }
        assert_eq!(
            s.insert("A", "d", 5, 15),
            Err(StoreFull::Scope { quota: 3 })
        );
        // A replay is still recognised while the scope is at its quota.
        assert_eq!(s.insert("A", "a", 5, 15), Ok(Insert::Replayed));
        // Another scope is unaffected.
        for n in ["a", "b", "c"] {
            assert_eq!(s.insert("B", n, 5, 15), Ok(Insert::Fresh));
        }
        assert_eq!((s.scope_len("A"), s.scope_len("B"), s.len()), (3, 3, 6));
        // Once A's entries expire (in whatever shards they sit), A has room again: its
        // whole quota of fresh nonces. Expired entries are forgotten lazily, shard by
        // shard, so the count in between depends on which shards the nonces landed in.
        for n in ["d", "e", "f"] {
            assert_eq!(s.insert("A", n, 11, 21), Ok(Insert::Fresh), "{n}");
        }
        assert_eq!(s.scope_len("A"), 3);
        assert_eq!(
            s.insert("A", "g", 12, 22),
            Err(StoreFull::Scope { quota: 3 })
        );
        assert_eq!(s.scope_len("B"), 3);
    }

    #[test]
    fn counts_follow_the_entries_in_the_steady_state() {
        // Two scopes inserting over time, entries expiring as they go: the per-scope
        // counts add up to the global one and never drift past the quota.
        let s = ShardedNonceStore::with_layout(10_000, 4, 1).with_scope_quota(500);
        for t in 0..2_000i64 {
            for scope in ["A", "B"] {
                assert_eq!(
                    s.insert(scope, &format!("{t}"), t / 10, t / 10 + 20),
                    Ok(Insert::Fresh),
                    "{scope} {t}"
                );
            }
            assert_eq!(s.scope_len("A") + s.scope_len("B"), s.len());
            assert!(s.scope_len("A") <= 500);
        }
    }

    #[test]
    fn the_scope_quota_holds_under_concurrent_inserts() {
        let s = std::sync::Arc::new(ShardedNonceStore::new(1_000_000).with_scope_quota(1000));
        let handles: Vec<_> = (0..4)
            .map(|t| {
                let s = s.clone();
                std::thread::spawn(move || {
                    (0..600)
                        .filter(|i| s.insert("A", &format!("{t}-{i}"), 0, 100).is_ok())
                        .count()
                })
            })
            .collect();
        let fresh: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(fresh, 1000);
        assert_eq!(s.scope_len("A"), 1000);
        assert_eq!(s.len(), 1000);
    }
}
