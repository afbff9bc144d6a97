//! The session store: bearer tokens bound to an [`Identity`], with the 30-minute sliding
//! inactivity limit (P3), bounded memory, and constant-time token comparison (P4).

use std::collections::HashMap;
use std::sync::Mutex;

use super::{Identity, Reason};
use crate::Secret;
use crate::encoding::{base64url_encode, ct_eq, random_bytes, sha256};

/// "Bearer token valid for 30 minutes of inactivity", in milliseconds.
pub const IDLE_TIMEOUT_MS: i64 = 30 * 60 * 1000;

/// Random bytes in a token: 256 bits, encoded as 43 characters of unpadded base64url.
pub const TOKEN_BYTES: usize = 32;

/// A bearer token the store issued. `Debug` is redacted; the text is read with
/// [`SessionToken::expose`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionToken(Secret);

impl SessionToken {
    /// The token text, as sent in `Authorization: Bearer <token>`.
    pub fn expose(&self) -> &str {
        self.0.expose_str().expect("tokens are base64url text")
    }

    /// The token as a [`Secret`].
    pub fn secret(&self) -> &Secret {
        &self.0
    }
}

impl SessionToken {
    /// A fresh random token ([`TOKEN_BYTES`] bytes, unpadded base64url), for a server
    /// that keeps its sessions in another store (the `redis` feature's
    /// `shared::RedisStore`); [`SessionStore::open`] makes its own.
    pub fn generate() -> Self {
        let mut raw = [0u8; TOKEN_BYTES];
        random_bytes(&mut raw);
        Self(Secret::from(base64url_encode(&raw)))
    }
}

/// Limits of a [`SessionStore`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionConfig {
    /// A session is live while `now − last_activity < idle_timeout_ms` (P3).
    pub idle_timeout_ms: i64,
    /// The most sessions held at once. When full, expired sessions are purged first; if
    /// every session is still live, a new login is refused (503) rather than ending a
    /// session someone is using.
    pub max_sessions: usize,
    /// The most live sessions one (master, broker, user) may hold; a further login ends
    /// that identity's least recently active session.
    pub max_sessions_per_identity: usize,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            idle_timeout_ms: IDLE_TIMEOUT_MS,
            max_sessions: 100_000,
            max_sessions_per_identity: 16,
        }
    }
}

struct Session {
    identity: Identity,
    last_activity_ms: i64,
}

#[derive(Default)]
struct Inner {
    /// Sessions by SHA-256 of the token: the store never holds a usable token, and a
    /// look-up's timing says nothing about the token's bytes.
    sessions: HashMap<[u8; 32], Session>,
    by_identity: HashMap<Identity, Vec<[u8; 32]>>,
}

impl Inner {
    fn remove(&mut self, digest: &[u8; 32]) {
        if let Some(s) = self.sessions.remove(digest)
            && let Some(list) = self.by_identity.get_mut(&s.identity)
        {
            list.retain(|d| d != digest);
            if list.is_empty() {
                self.by_identity.remove(&s.identity);
            }
        }
    }
}

/// Live sessions, shared by every request handler (interior locking).
pub struct SessionStore {
    config: SessionConfig,
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for SessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionStore")
            .field("config", &self.config)
            .field("sessions", &self.len())
            .finish()
    }
}

impl Default for SessionStore {
    fn default() -> Self {
        Self::new(SessionConfig::default())
    }
}

fn expired(config: &SessionConfig, s: &Session, now_ms: i64) -> bool {
    now_ms.saturating_sub(s.last_activity_ms) >= config.idle_timeout_ms
}

impl SessionStore {
    /// An empty store with these limits.
    pub fn new(config: SessionConfig) -> Self {
        Self {
            config,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The limits.
    pub fn config(&self) -> SessionConfig {
        self.config
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent maps (every mutation is a
        // single insert or remove), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Opens a session for `identity` at `now_ms` and returns its fresh token.
    pub fn open(&self, identity: Identity, now_ms: i64) -> Result<SessionToken, Reason> {
        let mut inner = self.lock();
        // This identity's expired sessions go first, then its oldest beyond the cap.
        let mine: Vec<[u8; 32]> = inner
            .by_identity
            .get(&identity)
            .cloned()
            .unwrap_or_default();
        for d in &mine {
            if inner
                .sessions
                .get(d)
                .is_some_and(|s| expired(&self.config, s, now_ms))
            {
                inner.remove(d);
            }
        }
        while inner.by_identity.get(&identity).map_or(0, Vec::len)
            >= self.config.max_sessions_per_identity.max(1)
        {
            let oldest = inner.by_identity[&identity]
                .iter()
                .min_by_key(|d| inner.sessions[*d].last_activity_ms)
                .copied()
                .expect("non-empty");
            inner.remove(&oldest);
        }
        if inner.sessions.len() >= self.config.max_sessions {
            Self::purge_locked(&self.config, &mut inner, now_ms);
            if inner.sessions.len() >= self.config.max_sessions {
                return Err(Reason::SessionStoreFull);
            }
        }
        let mut raw = [0u8; TOKEN_BYTES];
        random_bytes(&mut raw);
        let token = base64url_encode(&raw);
        let digest = sha256(token.as_bytes());
        inner
            .by_identity
            .entry(identity.clone())
            .or_default()
            .push(digest);
        inner.sessions.insert(
            digest,
            Session {
                identity,
                last_activity_ms: now_ms,
            },
        );
        Ok(SessionToken(Secret::from(token)))
    }

    /// Checks a presented token for a request that passed the three levels as
    /// `identity`, and on success resets the inactivity timer (P3).
    ///
    /// Refuses with [`Reason::TokenUnknown`], [`Reason::TokenExpired`] (the session is
    /// then removed) or [`Reason::TokenIdentityMismatch`] (P4); a refusal leaves the
    /// timer as it was.
    pub fn touch(&self, presented: &str, identity: &Identity, now_ms: i64) -> Result<(), Reason> {
        let digest = sha256(presented.as_bytes());
        let mut inner = self.lock();
        let Some((stored, session)) = inner.sessions.get_key_value(&digest) else {
            return Err(Reason::TokenUnknown);
        };
        // The map found the entry by digest; the bytes are compared again in constant time.
        if !ct_eq(stored, &digest) {
            return Err(Reason::TokenUnknown);
        }
        if expired(&self.config, session, now_ms) {
            inner.remove(&digest);
            return Err(Reason::TokenExpired);
        }
        if session.identity != *identity {
            return Err(Reason::TokenIdentityMismatch);
        }
        let session = inner.sessions.get_mut(&digest).expect("present");
        session.last_activity_ms = session.last_activity_ms.max(now_ms);
        Ok(())
    }

    fn purge_locked(config: &SessionConfig, inner: &mut Inner, now_ms: i64) -> usize {
        let dead: Vec<[u8; 32]> = inner
            .sessions
            .iter()
            .filter(|(_, s)| expired(config, s, now_ms))
            .map(|(d, _)| *d)
            .collect();
        for d in &dead {
            inner.remove(d);
        }
        dead.len()
    }

    /// Removes every expired session; returns how many. Call it from a timer to keep
    /// memory low between logins (logins also purge when the store is full).
    pub fn purge_expired(&self, now_ms: i64) -> usize {
        Self::purge_locked(&self.config, &mut self.lock(), now_ms)
    }

    /// Ends the session of `token` (a logout); true when there was one.
    pub fn revoke(&self, token: &str) -> bool {
        let digest = sha256(token.as_bytes());
        let mut inner = self.lock();
        let had = inner.sessions.contains_key(&digest);
        inner.remove(&digest);
        had
    }

    /// Sessions held (live or not yet purged).
    pub fn len(&self) -> usize {
        self.lock().sessions.len()
    }

    /// True when no session is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(user: &str) -> Identity {
        Identity {
            client_id: "m".into(),
            broker_id: 1,
            username: user.into(),
        }
    }

    #[test]
    fn tokens_are_43_base64url_characters_and_distinct() {
        let store = SessionStore::default();
        let a = store.open(who("a"), 0).unwrap();
        let b = store.open(who("a"), 0).unwrap();
        assert_eq!(a.expose().len(), 43);
        assert!(
            a.expose()
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        assert_ne!(a, b);
        assert!(!format!("{a:?}").contains(a.expose()));
    }

    #[test]
    fn expiry_is_at_exactly_thirty_minutes_of_inactivity() {
        let store = SessionStore::default();
        let t = store.open(who("a"), 1_000).unwrap();
        // 29:59.999 after the last activity: live, and the timer moves.
        assert_eq!(
            store.touch(t.expose(), &who("a"), 1_000 + 1_799_999),
            Ok(())
        );
        let last = 1_000 + 1_799_999;
        assert_eq!(store.touch(t.expose(), &who("a"), last + 1_799_999), Ok(()));
        let last = last + 1_799_999;
        assert_eq!(
            store.touch(t.expose(), &who("a"), last + 1_800_000),
            Err(Reason::TokenExpired)
        );
        // Expired sessions are gone.
        assert_eq!(
            store.touch(t.expose(), &who("a"), last),
            Err(Reason::TokenUnknown)
        );
    }

    #[test]
    fn a_refusal_does_not_move_the_timer() {
        let store = SessionStore::default();
        let t = store.open(who("a"), 0).unwrap();
        assert_eq!(
            store.touch(t.expose(), &who("b"), 1_000_000),
            Err(Reason::TokenIdentityMismatch)
        );
        assert_eq!(
            store.touch(t.expose(), &who("a"), 1_800_000),
            Err(Reason::TokenExpired)
        );
    }

    #[test]
    fn memory_is_bounded() {
        let store = SessionStore::new(SessionConfig {
            idle_timeout_ms: 10,
            max_sessions: 3,
            max_sessions_per_identity: 2,
        });
        let first = store.open(who("a"), 0).unwrap();
        store.open(who("a"), 1).unwrap();
        store.open(who("a"), 2).unwrap(); // ends `first`, the least recently active
        assert_eq!(store.len(), 2);
        assert_eq!(
            store.touch(first.expose(), &who("a"), 3),
            Err(Reason::TokenUnknown)
        );
        store.open(who("b"), 3).unwrap();
        assert_eq!(store.open(who("c"), 4), Err(Reason::SessionStoreFull));
        // Once they expire, the store purges them to make room.
        assert!(store.open(who("c"), 12).is_ok());
        assert_eq!(store.len(), 2);
        assert_eq!(store.purge_expired(100), 2);
        assert!(store.is_empty());
    }
}
