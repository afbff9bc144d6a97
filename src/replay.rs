//! [`NonceStore`]: remembers nonces so a request cannot be replayed.
//!
//! Two bounds keep a store's memory and fairness in check: a capacity (live nonces in
//! all) and a per-scope quota (live nonces under one scope, i.e. one key or token), so
//! that one key filling its share fails closed for itself while the others go on. The
//! freshness window that decides how long a nonce is kept is validated once, by
//! [`check_window_secs`], for every verifier.
//!
//! # Stores shared by several instances (async)
//!
//! The verifiers are synchronous and call [`NonceStore::insert`] last, once the
//! signature verified. A store shared by several instances (Redis, the `redis`
//! feature) answers over the network, so it cannot sit behind that synchronous call.
//! The decision: the verifier is split into a *check* step and a *record* step without
//! changing it. It runs with a [`DeferredNonceStore`] inside [`defer`], which captures
//! the insert the verifier would have made as a [`PendingNonce`] instead of recording
//! it; the caller then awaits an [`AsyncNonceStore`] with that pending nonce, and acts
//! on the verifier's proof only when the store answered [`Insert::Fresh`]. Fail
//! closed: a store that is unreachable or slow answers [`StoreError::Unavailable`]
//! (the sandbox: 503), and a [`DeferredNonceStore`] used outside [`defer`] refuses
//! every nonce. [`Local`] runs any synchronous store behind the same async interface,
//! so a server has one code path whichever store it holds.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
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
pub enum StoreFull {
    /// Every slot of the store holds a live nonce: every scope is refused until some
    /// expire.
    #[error(
        "the nonce store is full ({capacity} live nonces); refusing rather than forgetting one still inside the window"
    )]
    Total {
        /// The configured capacity.
        capacity: usize,
    },
    /// This scope (key or token) holds its whole quota of live nonces: it is refused
    /// until some of its own expire; other scopes are unaffected.
    #[error(
        "this key already holds {quota} live nonces, its quota in the nonce store; refusing rather than forgetting one still inside the window (other keys are unaffected)"
    )]
    Scope {
        /// The configured per-scope quota.
        quota: usize,
    },
}

/// Default number of live nonces one store holds in all (1 000 000).
pub const DEFAULT_CAPACITY: usize = 1_000_000;

/// Default number of live nonces one scope (an API key, a key id, a token) may hold:
/// a quarter of [`DEFAULT_CAPACITY`], so that at least four keys must be filled before
/// a default-sized store refuses everyone. At the HMAC-SHA256 window (nonces kept
/// 120 s) that is about 2 000 accepted requests per second per key, sustained.
pub const DEFAULT_SCOPE_QUOTA: usize = 250_000;

/// Smallest freshness window a verifier accepts, in seconds either side of its clock.
pub const MIN_WINDOW_SECS: i64 = 1;
/// Largest freshness window a verifier accepts, in seconds either side of its clock
/// (one day): beyond it nonces would be kept for days, and time arithmetic near the
/// ends of `i64` could wrap.
pub const MAX_WINDOW_SECS: i64 = 86_400;

/// A freshness window outside [`MIN_WINDOW_SECS`]`..=`[`MAX_WINDOW_SECS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the freshness window must be {MIN_WINDOW_SECS} to {MAX_WINDOW_SECS} seconds either side of the clock; got {value}"
)]
pub struct WindowOutOfRange {
    /// The value refused.
    pub value: i64,
}

/// Checks a freshness window (seconds either side of the verifier's clock): 1 to 86 400.
/// Zero or negative windows would keep nonces until the past (a replay accepted), huge
/// ones overflow `date + window`.
pub fn check_window_secs(value: i64) -> Result<i64, WindowOutOfRange> {
    if (MIN_WINDOW_SECS..=MAX_WINDOW_SECS).contains(&value) {
        Ok(value)
    } else {
        Err(WindowOutOfRange { value })
    }
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

/// An in-memory [`NonceStore`] with a bound on live entries in all and per scope.
///
/// Expired entries are purged a few at a time on each insert, earliest deadline first
/// (a min-heap of deadlines), so no call scans the whole store and an entry kept far
/// into the future never holds back the purge of those already expired. When
/// `capacity` live entries exist, or the scope already holds `scope_quota` of them, the
/// store first purges everything expired, then refuses with [`StoreFull`] (fail closed)
/// rather than forget a nonce still inside its window.
///
/// ```
/// use partner_auth::{InMemoryNonceStore, Insert, NonceStore, StoreFull};
/// let store = InMemoryNonceStore::new(100).with_scope_quota(2);
/// assert_eq!(store.insert("cid:1", "a", 0, 60), Ok(Insert::Fresh));
/// assert_eq!(store.insert("cid:1", "b", 0, 60), Ok(Insert::Fresh));
/// assert_eq!(store.insert("cid:1", "c", 0, 60), Err(StoreFull::Scope { quota: 2 }));
/// assert_eq!(store.insert("cid:2", "c", 0, 60), Ok(Insert::Fresh));
/// ```
#[derive(Debug)]
pub struct InMemoryNonceStore {
    inner: Mutex<Inner>,
    capacity: usize,
    scope_quota: usize,
}

type Key = std::sync::Arc<(String, String)>;

#[derive(Debug, Default)]
struct Inner {
    live: HashMap<Key, i64>,
    /// Every deadline handed out, earliest first. An entry re-inserted after expiring
    /// leaves its old deadline here; it is dropped when popped, as it no longer matches.
    deadlines: BinaryHeap<Reverse<(i64, Key)>>,
    /// Live entries per scope (absent when none).
    per_scope: HashMap<String, usize>,
}

/// How many expired entries one insert purges, at most.
const PURGE_STEP: usize = 8;

impl InMemoryNonceStore {
    /// A store holding at most `capacity` live nonces, and at most
    /// [`DEFAULT_SCOPE_QUOTA`] under one scope. A capacity of 0 refuses every nonce.
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            capacity,
            scope_quota: DEFAULT_SCOPE_QUOTA,
        }
    }

    /// Sets how many live nonces one scope may hold (a quota of 0 refuses every nonce;
    /// a quota at or above the capacity means only the capacity binds).
    pub fn with_scope_quota(mut self, quota: usize) -> Self {
        self.scope_quota = quota;
        self
    }

    /// The configured bound on live nonces.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The configured bound on live nonces under one scope.
    pub fn scope_quota(&self) -> usize {
        self.scope_quota
    }

    /// Number of nonces currently remembered (expired ones not yet purged included).
    pub fn len(&self) -> usize {
        self.lock().live.len()
    }

    /// True when nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Nonces currently remembered under `scope` (expired ones not yet purged included).
    pub fn scope_len(&self, scope: &str) -> usize {
        self.lock().per_scope.get(scope).copied().unwrap_or(0)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps inconsistent in a way
        // that matters for replay safety (an entry is either there or not).
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Default for InMemoryNonceStore {
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY)
    }
}

impl Inner {
    /// Purges up to `budget` expired entries (deadline before `now`), earliest first.
    fn purge(&mut self, now: i64, budget: usize) {
        for _ in 0..budget {
            match self.deadlines.peek() {
                Some(Reverse((deadline, _))) if *deadline < now => {
                    let Some(Reverse((deadline, key))) = self.deadlines.pop() else {
                        break;
                    };
                    if self.live.get(&key) == Some(&deadline) {
                        self.live.remove(&key);
                        self.release(&key.0);
                    }
                }
                _ => break,
            }
        }
    }

    fn release(&mut self, scope: &str) {
        if let Some(n) = self.per_scope.get_mut(scope) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.per_scope.remove(scope);
            }
        }
    }

    fn scope_count(&self, scope: &str) -> usize {
        self.per_scope.get(scope).copied().unwrap_or(0)
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
        let key: Key = std::sync::Arc::new((scope.to_owned(), nonce.to_owned()));
        match inner.live.get_mut(&key) {
            Some(deadline) if *deadline >= now => return Ok(Insert::Replayed),
            // Expired but not yet purged: the entry (and its count) is reused.
            Some(deadline) => *deadline = keep_until,
            None => {
                // Before refusing, purge everything already expired.
                if inner.scope_count(scope) >= self.scope_quota || inner.live.len() >= self.capacity
                {
                    inner.purge(now, usize::MAX);
                }
                if inner.scope_count(scope) >= self.scope_quota {
                    return Err(StoreFull::Scope {
                        quota: self.scope_quota,
                    });
                }
                if inner.live.len() >= self.capacity {
                    return Err(StoreFull::Total {
                        capacity: self.capacity,
                    });
                }
                inner.live.insert(key.clone(), keep_until);
                *inner.per_scope.entry(scope.to_owned()).or_insert(0) += 1;
            }
        }
        inner.deadlines.push(Reverse((keep_until, key)));
        Ok(Insert::Fresh)
    }
}

/// An insert a verifier asked for inside [`defer`], not yet recorded: the arguments
/// of [`NonceStore::insert`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingNonce {
    /// The credential the nonce was presented under (a key id, a token's digest).
    pub scope: String,
    /// The nonce.
    pub nonce: String,
    /// The verifier's clock, Unix seconds.
    pub now: i64,
    /// Remember the nonce until then, Unix seconds.
    pub keep_until: i64,
}

impl PendingNonce {
    /// How long to remember the nonce from now, in milliseconds (at least 1).
    pub fn retention_ms(&self) -> u64 {
        let secs = self.keep_until.saturating_sub(self.now).max(0);
        u64::try_from(secs).unwrap_or(0).saturating_mul(1000).max(1)
    }
}

thread_local! {
    /// `Some(slot)` while [`defer`] runs on this thread.
    static CAPTURE: std::cell::RefCell<Option<Option<PendingNonce>>> =
        const { std::cell::RefCell::new(None) };
}

/// A [`NonceStore`] that records nothing: inside [`defer`] it captures the insert as a
/// [`PendingNonce`] and answers [`Insert::Fresh`], so the verifier finishes and returns
/// its proof; the caller must then record the pending nonce in the real store before
/// acting on that proof. Outside [`defer`] (or on a second insert in one call) it
/// refuses with [`StoreFull::Total`] of capacity 0: fail closed.
#[derive(Clone, Copy, Debug, Default)]
pub struct DeferredNonceStore;

impl NonceStore for DeferredNonceStore {
    fn insert(
        &self,
        scope: &str,
        nonce: &str,
        now: i64,
        keep_until: i64,
    ) -> Result<Insert, StoreFull> {
        CAPTURE.with(|c| match &mut *c.borrow_mut() {
            Some(slot @ None) => {
                *slot = Some(PendingNonce {
                    scope: scope.to_owned(),
                    nonce: nonce.to_owned(),
                    now,
                    keep_until,
                });
                Ok(Insert::Fresh)
            }
            _ => Err(StoreFull::Total { capacity: 0 }),
        })
    }
}

/// Runs `verify` (a synchronous verifier holding a [`DeferredNonceStore`]) and returns
/// its result with the insert it asked for, if any. `None` means the verifier recorded
/// nothing: it refused before the nonce step, or the request carried no nonce (a
/// Sign-Up.to token request without `X-SuT-Nonce` where that is allowed).
///
/// ```
/// use partner_auth::replay::{DeferredNonceStore, NonceStore, defer};
/// let store = DeferredNonceStore;
/// let (answer, pending) = defer(|| store.insert("key", "n-1", 100, 220));
/// assert!(answer.is_ok());
/// assert_eq!(pending.unwrap().retention_ms(), 120_000);
/// // Outside `defer` nothing can be captured: refused.
/// assert!(store.insert("key", "n-1", 100, 220).is_err());
/// ```
pub fn defer<R>(verify: impl FnOnce() -> R) -> (R, Option<PendingNonce>) {
    struct Reset(Option<Option<PendingNonce>>);
    impl Drop for Reset {
        fn drop(&mut self) {
            let outer = self.0.take();
            CAPTURE.with(|c| *c.borrow_mut() = outer);
        }
    }
    // A nested `defer` keeps the outer capture aside and puts it back.
    let outer = CAPTURE.with(|c| c.borrow_mut().replace(None));
    let reset = Reset(outer);
    let result = verify();
    let pending = CAPTURE.with(|c| c.borrow_mut().take()).flatten();
    // Puts the outer capture (or none) back; on a panic in `verify` too.
    drop(reset);
    (result, pending)
}

/// Why an [`AsyncNonceStore`] could not record a nonce. Either way the request is
/// refused: a nonce is never accepted unrecorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The store holds its bound of live nonces.
    #[error(transparent)]
    Full(#[from] StoreFull),
    /// The store did not answer in time or at all (a server answers 503 and the client
    /// may retry once it is back).
    #[error("{0}")]
    Unavailable(Unavailable),
}

/// A store that did not answer: what happened, without any secret (never the URL's
/// password).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the shared store is unavailable: {reason}; refusing rather than accepting an unrecorded nonce or an unchecked token"
)]
pub struct Unavailable {
    /// What failed, e.g. "no answer within 250 ms" or "connection refused".
    pub reason: String,
}

/// The future an [`AsyncNonceStore`] returns.
pub type InsertFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Insert, StoreError>> + Send + 'a>>;

/// A nonce store awaited after the verifier's check step (see the module docs): the
/// record step of [`defer`]. `scheme` namespaces the entries (a scheme slug such as
/// `hmac-sha256`), so that one store serves every verifier.
pub trait AsyncNonceStore: Send + Sync {
    /// Atomically checks and records `pending` under `scheme`.
    fn insert<'a>(&'a self, scheme: &'a str, pending: &'a PendingNonce) -> InsertFuture<'a>;
}

impl<S: AsyncNonceStore + ?Sized> AsyncNonceStore for std::sync::Arc<S> {
    fn insert<'a>(&'a self, scheme: &'a str, pending: &'a PendingNonce) -> InsertFuture<'a> {
        (**self).insert(scheme, pending)
    }
}

/// Any synchronous [`NonceStore`] as an [`AsyncNonceStore`] (answers at once). The
/// scheme is ignored: keep one `Local` store per scheme.
#[derive(Debug, Default)]
pub struct Local<S>(pub S);

impl<S: NonceStore> AsyncNonceStore for Local<S> {
    fn insert<'a>(&'a self, _scheme: &'a str, p: &'a PendingNonce) -> InsertFuture<'a> {
        let answer = self
            .0
            .insert(&p.scope, &p.nonce, p.now, p.keep_until)
            .map_err(StoreError::Full);
        Box::pin(std::future::ready(answer))
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
        assert_eq!(
            s.insert("k", "c", 5, 15),
            Err(StoreFull::Total { capacity: 2 })
        );
        // Past the deadlines the old entries go and the new one fits.
        assert_eq!(s.insert("k", "c", 11, 21), Ok(Insert::Fresh));
        assert_eq!(s.insert("k", "a", 11, 21), Ok(Insert::Fresh));
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn a_far_future_entry_does_not_hold_back_the_purge() {
        // Inserted first, kept for ever: in insertion order it would sit at the front.
        let s = InMemoryNonceStore::new(1000);
        assert_eq!(s.insert("k", "far", 0, i64::MAX), Ok(Insert::Fresh));
        for i in 0..100 {
            assert_eq!(s.insert("k", &format!("old-{i}"), 0, 10), Ok(Insert::Fresh));
        }
        assert_eq!(s.len(), 101);
        // Each insert past the deadlines purges a bounded number of expired entries.
        for i in 0..20 {
            assert_eq!(
                s.insert("k", &format!("new-{i}"), 11, 30),
                Ok(Insert::Fresh)
            );
        }
        assert_eq!(s.len(), 1 + 20);
        assert_eq!(s.scope_len("k"), 21);
        // The far one is still remembered.
        assert_eq!(
            s.insert("k", "far", 1_000_000, 1_000_010),
            Ok(Insert::Replayed)
        );
    }

    #[test]
    fn a_scope_at_its_quota_fails_closed_alone_and_recovers_after_expiry() {
        let s = InMemoryNonceStore::new(10).with_scope_quota(3);
        for n in ["a", "b", "c"] {
            assert_eq!(s.insert("A", n, 0, 10), Ok(Insert::Fresh));
        }
        assert_eq!(
            s.insert("A", "d", 5, 15),
            Err(StoreFull::Scope { quota: 3 })
        );
        // A replay is still recognised while the scope is at its quota.
        assert_eq!(s.insert("A", "a", 5, 15), Ok(Insert::Replayed));
        assert_eq!(s.insert("B", "d", 5, 15), Ok(Insert::Fresh));
        // Once A's entries expire, A gets room again.
        assert_eq!(s.insert("A", "d", 11, 21), Ok(Insert::Fresh));
        assert_eq!(s.scope_len("A"), 1);
        assert_eq!(s.scope_len("B"), 1);
    }

    #[test]
    fn defer_captures_one_insert_and_restores_an_outer_capture() {
        let d = DeferredNonceStore;
        let (outer, pending) = defer(|| {
            let (inner, p) = defer(|| d.insert("a", "1", 0, 10));
            assert_eq!(
                (inner, p.map(|p| p.nonce)),
                (Ok(Insert::Fresh), Some("1".into()))
            );
            // A second insert in one capture is refused, not silently dropped.
            let first = d.insert("b", "2", 0, 5);
            let second = d.insert("b", "3", 0, 5);
            (first, second)
        });
        assert_eq!(
            outer,
            (Ok(Insert::Fresh), Err(StoreFull::Total { capacity: 0 }))
        );
        let p = pending.unwrap();
        assert_eq!(
            (p.scope.as_str(), p.nonce.as_str(), p.retention_ms()),
            ("b", "2", 5000)
        );
        assert_eq!(
            d.insert("c", "4", 0, 5),
            Err(StoreFull::Total { capacity: 0 })
        );
        // A verifier that refused before the nonce step leaves nothing pending.
        let (r, p) = defer(|| Err::<(), ()>(()));
        assert_eq!((r, p), (Err(()), None));
    }

    #[test]
    fn local_runs_a_sync_store_behind_the_async_interface() {
        let store = Local(InMemoryNonceStore::new(1));
        let pending = |nonce: &str| PendingNonce {
            scope: "k".into(),
            nonce: nonce.into(),
            now: 0,
            keep_until: 60,
        };
        let now = |f: InsertFuture<'_>| {
            let mut f = f;
            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
            match f.as_mut().poll(&mut cx) {
                std::task::Poll::Ready(r) => r,
                std::task::Poll::Pending => panic!("a local store answers at once"),
            }
        };
        assert_eq!(now(store.insert("s", &pending("a"))), Ok(Insert::Fresh));
        assert_eq!(now(store.insert("s", &pending("a"))), Ok(Insert::Replayed));
        assert_eq!(
            now(store.insert("s", &pending("b"))),
            Err(StoreError::Full(StoreFull::Total { capacity: 1 }))
        );
    }

    #[test]
    fn windows_in_range_only() {
        for ok in [1, 60, 900, 86_400] {
            assert_eq!(check_window_secs(ok), Ok(ok));
        }
        for bad in [i64::MIN, -60, 0, 86_401, i64::MAX] {
            let err = check_window_secs(bad).unwrap_err();
            assert_eq!(err, WindowOutOfRange { value: bad });
            assert!(err.to_string().contains("1 to 86400 seconds"), "{err}");
        }
    }
}
