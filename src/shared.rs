//! Stores shared by several instances through Redis (the `redis` feature): replay
//! nonces, Sign-Up.to tokens and partners-portal sessions, so that two servers behind
//! one load balancer refuse each other's replays and accept each other's tokens
//! (`partner-auth serve --redis redis://HOST:PORT`).
//!
//! - **Nonces** ([`RedisStore`] as an [`AsyncNonceStore`]): one atomic
//!   `SET <key> 1 NX PX <retention>` per nonce; `OK` is [`Insert::Fresh`], nil
//!   [`Insert::Replayed`]. The verifiers stay synchronous: they run inside
//!   [`crate::replay::defer`] and the pending nonce is recorded here afterwards (see
//!   [`crate::replay`]).
//! - **Tokens and sessions** ([`RedisStore::open_session`], [`RedisStore::touch_session`]):
//!   stored under the SHA-256 of the token (never the token), valued by who it stands
//!   for, with a sliding expiry: each use that finds the record extends it
//!   (`PEXPIRE`) by the full lifetime. Per identity, at most `max_per_identity` live
//!   records are held (a sorted set per identity, scored by expiry, kept in step by
//!   the same Lua scripts): past it the oldest is ended (portal sessions) or the new
//!   one refused (Sign-Up.to tokens), as the in-memory stores do. Redis's own clock
//!   decides expiry (`TIME` in the scripts, `PX` on keys), not the verifier's
//!   [`crate::Clock`].
//!
//! Keys are `<prefix>:<kind>:<part>…`, kind a scheme slug; a part is the value itself
//! when it is at most [`KEY_PART_MAX`] visible ASCII characters without `:`, else `#`
//! and the hex SHA-256 of the value, so a key is at most a few hundred bytes whatever
//! the request holds.
//!
//! **Fail closed.** Every command is bounded by the deadline ([`DEFAULT_DEADLINE`],
//! `serve --redis-deadline-ms`): no answer in time, a refused connection or any Redis
//! error is [`Unavailable`], and the caller refuses the request (the sandbox answers
//! 503). The connection manager reconnects in the background, so service resumes by
//! itself once Redis is back. Run Redis with `maxmemory-policy noeviction`: an evicted
//! nonce is a replay accepted, while a refused write (out of memory) only refuses
//! requests.

use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::encoding::{hex_lower, sha256};
use crate::replay::{AsyncNonceStore, Insert, InsertFuture, PendingNonce, StoreError, Unavailable};

/// Default deadline for one Redis command, connection included (250 ms): past it the
/// request is refused as unavailable (`serve --redis-deadline-ms`).
pub const DEFAULT_DEADLINE: Duration = Duration::from_millis(250);

/// Longest deadline accepted (60 s).
pub const MAX_DEADLINE: Duration = Duration::from_secs(60);

/// Default prefix of every key.
pub const DEFAULT_KEY_PREFIX: &str = "partner-auth";

/// Longest key part kept as is; longer ones (and any holding `:` or a byte outside
/// visible ASCII) are replaced by `#` and their hex SHA-256.
pub const KEY_PART_MAX: usize = 64;

/// A `--redis` URL that cannot be used. The message shows the URL with its password
/// replaced by `***`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "--redis: `{shown}` is not a usable Redis URL: {reason}; give redis://HOST:PORT (optionally redis://:PASSWORD@HOST:PORT/DB)"
)]
pub struct BadRedisUrl {
    /// The URL, password redacted.
    pub shown: String,
    /// What is wrong.
    pub reason: String,
}

/// `url` with anything between `://` and the last `@` of the authority replaced by
/// `***` (user and password), for messages.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        // Not a URL: it could be anything, a password pasted in the wrong place too.
        return "***".to_owned();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    match authority.rfind('@') {
        Some(at) => format!("{scheme}://***@{}{tail}", &authority[at + 1..]),
        None => url.to_owned(),
    }
}

/// The key part for `value` (see the module docs).
pub fn key_part(value: &str) -> String {
    if value.len() <= KEY_PART_MAX
        && !value.is_empty()
        && value.bytes().all(|b| b.is_ascii_graphic() && b != b':')
    {
        value.to_owned()
    } else {
        format!("#{}", hex_lower(&sha256(value.as_bytes())))
    }
}

/// The replay, token and session stores on one Redis, through one connection manager
/// (cheap to clone: every clone shares it).
#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
    prefix: Arc<str>,
    deadline: Duration,
    shown: Arc<str>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("url", &self.shown)
            .field("prefix", &self.prefix)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

/// What [`RedisStore::open_session`] does when the identity already holds its bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WhenFull {
    /// End the identity's record that would expire first (its least recently used).
    EvictOldest,
    /// Refuse the new one ([`Opened::Full`]).
    Refuse,
}

/// The answer of [`RedisStore::open_session`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opened {
    /// Stored.
    Stored,
    /// Refused: the identity holds its bound of live records ([`WhenFull::Refuse`]).
    Full,
}

/// The answer of [`RedisStore::touch_session`] for a record that exists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Touched {
    /// Who the token stands for, as stored by [`RedisStore::open_session`].
    pub identity: String,
    /// Whether its expiry was extended (false when `expect_identity` did not match).
    pub extended: bool,
}

/// Opens a record: drops the identity's expired index entries, applies the bound,
/// stores the record with its lifetime, indexes it by expiry.
/// KEYS[1] record, KEYS[2] identity index; ARGV: value, ttl ms, max, evict (1/0),
/// member, record key prefix.
const OPEN: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local n = redis.call('ZCARD', KEYS[2])
while n >= tonumber(ARGV[3]) do
  if ARGV[4] ~= '1' then return 0 end
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0)
  redis.call('ZREM', KEYS[2], oldest[1])
  redis.call('DEL', ARGV[6] .. oldest[1])
  n = n - 1
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
redis.call('ZADD', KEYS[2], now + ttl, ARGV[5])
redis.call('PEXPIRE', KEYS[2], ttl)
return 1
";

/// Finds a record and slides its expiry (and its index entry) by the full lifetime,
/// unless the stored identity hash differs from the expected one.
/// KEYS[1] record; ARGV: ttl ms, member, index key prefix, expected identity hash or ''.
const TOUCH: &str = r"
local v = redis.call('GET', KEYS[1])
if not v then return false end
local h = string.sub(v, 1, 64)
if ARGV[4] ~= '' and ARGV[4] ~= h then return {v, 0} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl)
local idx = ARGV[3] .. h
redis.call('ZADD', idx, 'XX', now + ttl, ARGV[2])
redis.call('PEXPIRE', idx, ttl)
return {v, 1}
";

impl RedisStore {
    /// A store on `url` (`redis://HOST:PORT`, optionally with a password and a
    /// database number), each command bounded by `deadline`. Connects lazily: it
    /// succeeds with Redis down, and requests are refused until it is up. Must be
    /// called inside a tokio runtime.
    pub fn connect(url: &str, deadline: Duration) -> Result<Self, BadRedisUrl> {
        let shown = redact_url(url);
        let bad = |reason: &str| BadRedisUrl {
            shown: shown.clone(),
            reason: reason.to_owned(),
        };
        if !url.starts_with("redis://") {
            return Err(bad("only the redis:// scheme is supported"));
        }
        if deadline.is_zero() || deadline > MAX_DEADLINE {
            return Err(bad("the deadline must be 1 ms to 60 s"));
        }
        // The crate's message is not shown: it could quote the URL.
        let client = redis::Client::open(url)
            .map_err(|_| bad("it does not parse as redis://[:PASSWORD@]HOST:PORT[/DB]"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(deadline))
            .set_response_timeout(Some(deadline))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(10))
            .set_max_delay(Duration::from_millis(200));
        let conn = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|_| bad("the connection manager could not be set up"))?;
        Ok(Self {
            conn,
            prefix: Arc::from(DEFAULT_KEY_PREFIX),
            deadline,
            shown: Arc::from(shown),
        })
    }

    /// Uses `prefix` instead of [`DEFAULT_KEY_PREFIX`] (several sandboxes on one Redis
    /// that must not share state).
    pub fn with_prefix(mut self, prefix: &str) -> Self {
        self.prefix = Arc::from(prefix);
        self
    }

    /// The per-command deadline.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// The key of `nonce` under `scope` for `scheme`.
    pub fn nonce_key(&self, scheme: &str, scope: &str, nonce: &str) -> String {
        format!(
            "{}:nonce:{}:{}:{}",
            self.prefix,
            key_part(scheme),
            key_part(scope),
            key_part(nonce)
        )
    }

    fn record_prefix(&self, kind: &str) -> String {
        format!("{}:{}:record:", self.prefix, key_part(kind))
    }

    fn index_prefix(&self, kind: &str) -> String {
        format!("{}:{}:identity:", self.prefix, key_part(kind))
    }

    /// Runs one command or script invocation within the deadline. A connection
    /// error (the manager still holding a connection that died while Redis was away)
    /// makes the manager reconnect; the call is then tried once more on the new
    /// connection, within the same deadline, so the first request after Redis returns
    /// is served. A retried call whose first try did reach Redis fails closed: a
    /// nonce it recorded reads as a replay.
    async fn run<T, F, Fut>(&self, call: F) -> Result<T, Unavailable>
    where
        T: redis::FromRedisValue,
        F: Fn(ConnectionManager) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        let twice = async {
            match call(self.conn.clone()).await {
                Err(e) if e.is_io_error() || e.is_unrecoverable_error() => {
                    call(self.conn.clone()).await
                }
                other => other,
            }
        };
        match tokio::time::timeout(self.deadline, twice).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) if !e.is_timeout() => Err(Unavailable {
                reason: describe(&e),
            }),
            // The connection's own timeout (the same deadline) or this one.
            _ => Err(Unavailable {
                reason: format!(
                    "Redis did not answer within {} ms (--redis-deadline-ms)",
                    self.deadline.as_millis()
                ),
            }),
        }
    }

    /// Stores a token or session record under the SHA-256 of `token`, for `identity`
    /// (any text naming who it stands for), expiring after `ttl` unless touched; at
    /// most `max_per_identity` live records per identity (see [`WhenFull`]).
    pub async fn open_session(
        &self,
        kind: &str,
        token: &str,
        identity: &str,
        ttl: Duration,
        max_per_identity: usize,
        when_full: WhenFull,
    ) -> Result<Opened, Unavailable> {
        let member = hex_lower(&sha256(token.as_bytes()));
        let id_hash = hex_lower(&sha256(identity.as_bytes()));
        let value = format!("{id_hash}{identity}");
        let script = redis::Script::new(OPEN);
        let mut inv = script.prepare_invoke();
        inv.key(format!("{}{member}", self.record_prefix(kind)))
            .key(format!("{}{id_hash}", self.index_prefix(kind)))
            .arg(value)
            .arg(ms(ttl))
            .arg(max_per_identity.max(1))
            .arg(if when_full == WhenFull::EvictOldest {
                1
            } else {
                0
            })
            .arg(&member)
            .arg(self.record_prefix(kind));
        let stored: i64 = self
            .run(|mut conn| {
                let inv = &inv;
                async move { inv.invoke_async(&mut conn).await }
            })
            .await?;
        Ok(if stored == 1 {
            Opened::Stored
        } else {
            Opened::Full
        })
    }

    /// Looks up the record of `token` and, when found, extends its expiry to `ttl` from
    /// now (sliding expiry): `None` when there is none (unknown or expired). With
    /// `expect_identity`, a record for another identity is returned unextended.
    pub async fn touch_session(
        &self,
        kind: &str,
        token: &str,
        ttl: Duration,
        expect_identity: Option<&str>,
    ) -> Result<Option<Touched>, Unavailable> {
        let member = hex_lower(&sha256(token.as_bytes()));
        let expected = expect_identity
            .map(|i| hex_lower(&sha256(i.as_bytes())))
            .unwrap_or_default();
        let script = redis::Script::new(TOUCH);
        let mut inv = script.prepare_invoke();
        inv.key(format!("{}{member}", self.record_prefix(kind)))
            .arg(ms(ttl))
            .arg(&member)
            .arg(self.index_prefix(kind))
            .arg(expected);
        let found: Option<(String, i64)> = self
            .run(|mut conn| {
                let inv = &inv;
                async move { inv.invoke_async(&mut conn).await }
            })
            .await?;
        Ok(found.map(|(value, extended)| Touched {
            identity: value.get(64..).unwrap_or("").to_owned(),
            extended: extended == 1,
        }))
    }

    /// Milliseconds left before the record of `token` expires (`None`: no record), for
    /// tests and diagnostics.
    pub async fn session_ttl(&self, kind: &str, token: &str) -> Result<Option<u64>, Unavailable> {
        let member = hex_lower(&sha256(token.as_bytes()));
        let mut cmd = redis::cmd("PTTL");
        cmd.arg(format!("{}{member}", self.record_prefix(kind)));
        let ttl: i64 = self
            .run(|mut conn| {
                let cmd = cmd.clone();
                async move { cmd.query_async(&mut conn).await }
            })
            .await?;
        Ok(u64::try_from(ttl).ok())
    }
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// A Redis error in words, never quoting the URL: its kind and whether it was the
/// connection.
fn describe(e: &redis::RedisError) -> String {
    if e.is_connection_refusal() {
        "the connection to Redis was refused".to_owned()
    } else if e.is_io_error() || e.is_connection_dropped() {
        "the connection to Redis failed".to_owned()
    } else {
        format!("Redis answered with an error ({:?})", e.kind())
    }
}

impl AsyncNonceStore for RedisStore {
    fn insert<'a>(&'a self, scheme: &'a str, p: &'a PendingNonce) -> InsertFuture<'a> {
        Box::pin(async move {
            let key = self.nonce_key(scheme, &p.scope, &p.nonce);
            let mut cmd = redis::cmd("SET");
            cmd.arg(key)
                .arg(1)
                .arg("NX")
                .arg("PX")
                .arg(p.retention_ms());
            let answer: Option<String> = self
                .run(|mut conn| {
                    let cmd = cmd.clone();
                    async move { cmd.query_async(&mut conn).await }
                })
                .await
                .map_err(StoreError::Unavailable)?;
            Ok(match answer {
                Some(_) => Insert::Fresh,
                None => Insert::Replayed,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_or_unsafe_parts_are_hashed_short_ones_kept() {
        assert_eq!(key_part("pk_demo"), "pk_demo");
        let long = "n".repeat(KEY_PART_MAX + 1);
        for v in [long.as_str(), "a:b", "a b", "", "é"] {
            let p = key_part(v);
            assert_eq!(p.len(), 65, "{v:?}");
            assert!(p.starts_with('#'), "{v:?}");
        }
        // Kept as is only up to the bound: a raw part is never 65 bytes long, so it
        // cannot collide with a hashed one.
        assert_eq!(key_part(&"n".repeat(KEY_PART_MAX)).len(), KEY_PART_MAX);
    }

    #[test]
    fn the_password_never_shows() {
        for (url, want) in [
            ("redis://:hunter2@h:6379/0", "redis://***@h:6379/0"),
            ("redis://user:hunter2@h:6379", "redis://***@h:6379"),
            ("redis://h:6379", "redis://h:6379"),
            ("bad:hunter2@h", "***"),
        ] {
            assert_eq!(redact_url(url), want);
        }
    }
}
