//! The client side of a portal session, shared by [`super::client::PortalClient`] and
//! the `PortalBearer` middleware: one kept token, logins one at a time (single
//! flight), a new login `reauth_margin` before the server's inactivity limit, and the
//! activity the server counted.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use super::IDLE_TIMEOUT_MS;
use crate::{Clock, Secret, SystemClock};

/// How long before the server's inactivity limit a client logs in again, unless told
/// otherwise.
pub(crate) const DEFAULT_REAUTH_MARGIN: Duration = Duration::from_secs(60);

/// One login's token.
pub(crate) struct Kept {
    token: Secret,
    generation: u64,
    /// When the last request the server counted as activity was sent (Unix ms). The
    /// server resets its timer when it handles the request, which is no earlier, so
    /// this errs on the safe side.
    last_activity_ms: AtomicI64,
}

impl Kept {
    /// The bearer token.
    pub(crate) fn token(&self) -> &str {
        self.token.expose_str().expect("tokens are text")
    }
}

/// A duration in whole milliseconds (saturating).
pub(crate) fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The kept session and the timing rules.
pub(crate) struct Keeper {
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) reauth_margin_ms: i64,
    pub(crate) idle_timeout_ms: i64,
    slot: tokio::sync::Mutex<Option<Arc<Kept>>>,
    logins: AtomicU64,
}

impl Keeper {
    /// The system clock, the vendor's 30-minute limit, [`DEFAULT_REAUTH_MARGIN`].
    pub(crate) fn new() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            reauth_margin_ms: millis(DEFAULT_REAUTH_MARGIN),
            idle_timeout_ms: IDLE_TIMEOUT_MS,
            slot: tokio::sync::Mutex::new(None),
            logins: AtomicU64::new(0),
        }
    }

    /// How many logins were attempted (refused ones included).
    pub(crate) fn login_count(&self) -> u64 {
        self.logins.load(Ordering::SeqCst)
    }

    fn usable(&self, s: &Kept) -> bool {
        self.clock
            .now_millis()
            .saturating_sub(s.last_activity_ms.load(Ordering::SeqCst))
            < self.idle_timeout_ms.saturating_sub(self.reauth_margin_ms)
    }

    /// A token usable now: the kept one, or the token of a fresh `login` (one at a
    /// time: the others wait for it).
    pub(crate) async fn current<E, Fut>(&self, login: impl FnOnce() -> Fut) -> Result<Arc<Kept>, E>
    where
        Fut: Future<Output = Result<String, E>>,
    {
        self.fresh_unless(None, login).await
    }

    /// After a 401 with `stale`: a token another request fetched since, or a fresh
    /// `login`.
    pub(crate) async fn replace<E, Fut>(
        &self,
        stale: &Kept,
        login: impl FnOnce() -> Fut,
    ) -> Result<Arc<Kept>, E>
    where
        Fut: Future<Output = Result<String, E>>,
    {
        self.fresh_unless(Some(stale.generation), login).await
    }

    async fn fresh_unless<E, Fut>(
        &self,
        stale: Option<u64>,
        login: impl FnOnce() -> Fut,
    ) -> Result<Arc<Kept>, E>
    where
        Fut: Future<Output = Result<String, E>>,
    {
        let mut slot = self.slot.lock().await;
        if let Some(s) = slot
            .as_ref()
            .filter(|s| Some(s.generation) != stale && self.usable(s))
        {
            return Ok(s.clone());
        }
        let generation = slot.as_ref().map_or(0, |s| s.generation);
        *slot = None;
        let sent_at = self.clock.now_millis();
        self.logins.fetch_add(1, Ordering::SeqCst);
        let token = login().await?;
        let fresh = Arc::new(Kept {
            token: Secret::from(token),
            generation: generation + 1,
            last_activity_ms: AtomicI64::new(sent_at),
        });
        *slot = Some(fresh.clone());
        Ok(fresh)
    }

    /// The time to note when a request is sent.
    pub(crate) fn now(&self) -> i64 {
        self.clock.now_millis()
    }

    /// A request sent at `sent_at` with `kept`'s token was answered `status`: anything
    /// but a 401 or a server-side failure passed authentication and reset the server's
    /// timer (a 403 included, P3).
    pub(crate) fn answered(&self, kept: &Kept, sent_at: i64, status: u16) {
        if status != 401 && status < 500 {
            kept.last_activity_ms.fetch_max(sent_at, Ordering::SeqCst);
        }
    }
}
