//! Connection handling for the sandbox: HTTP/1.1 served with hyper directly so that every
//! connection is bounded in time and their number is bounded (slow-request attacks such
//! as Slowloris hold many connections open by sending a request a byte at a time).
//!
//! Each connection is in one of three phases, and only the first two can be closed by the
//! server on its own:
//!
//! - **idle**: no request in flight and no byte of the next one received (just accepted,
//!   or its last answer sent). Closed after [`ConnLimits::idle_timeout`].
//! - **header**: the first byte of a request arrived, its header is not complete yet.
//!   Closed after [`ConnLimits::header_timeout`], counted from that first byte.
//! - **busy**: a request is being answered. Its body must arrive within
//!   [`ConnLimits::body_timeout`] of its header, else the handler answers 408
//!   `BODY_TIMEOUT` (see [`super::read_request`]).
//!
//! At most [`ConnLimits::max_connections`] connections are open at once. A connection
//! accepted beyond that (or while the process is out of file descriptors) closes the
//! connection that has been idle or reading a header the longest, so a client that
//! sends whole requests is served even while the rest are held by stalled ones; when
//! every connection is busy, accepting waits for one to finish.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::{Body, Bytes, Frame, Incoming, SizeHint};
use hyper::service::Service as _;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::Instant;

/// The default `--header-timeout`: 10 s from a request's first byte to the end of its
/// header.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// The default `--body-timeout`: 30 s from the end of a request's header to the end of
/// its body.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// The default `--idle-timeout`: 30 s with no request on a connection (after it is opened
/// or after its last answer).
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// The default `--max-connections`: connections open at once.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// The largest `--max-connections` accepted.
pub const MAX_MAX_CONNECTIONS: usize = 1_000_000;

/// How long a connection closed by the server (idle, evicted, shutting down) may take to
/// finish writing an answer already under way before it is dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(1);
/// How long accepting waits for an evicted connection to close before trying again.
const EVICT_WAIT: Duration = Duration::from_millis(100);
/// The pause after an accept error that is not about file descriptors.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(50);

/// Time and count bounds on the sandbox's connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnLimits {
    /// From a request's first byte to the end of its header; past it the connection is
    /// closed.
    pub header_timeout: Duration,
    /// From the end of a request's header to the end of its body; past it the request is
    /// answered 408 `BODY_TIMEOUT`.
    pub body_timeout: Duration,
    /// A connection with no request for this long (after it opened or after its last
    /// answer) is closed.
    pub idle_timeout: Duration,
    /// Connections open at once (1 to [`MAX_MAX_CONNECTIONS`]); beyond it the longest
    /// idle or header-reading connection is closed to make room.
    pub max_connections: usize,
}

impl Default for ConnLimits {
    fn default() -> Self {
        Self {
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// The error a request body gives when it does not arrive within the body timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the request body did not arrive within {} s (--body-timeout)", .limit.as_secs_f64())]
pub struct BodyTimedOut {
    /// The timeout that passed.
    pub limit: Duration,
}

/// A request body that fails with [`BodyTimedOut`] once its deadline passes.
struct TimedBody<B> {
    inner: B,
    deadline: Pin<Box<tokio::time::Sleep>>,
    limit: Duration,
}

impl<B> Body for TimedBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => Poll::Ready(frame.map(|f| f.map_err(Into::into))),
            Poll::Pending => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    Poll::Ready(Some(Err(Box::new(BodyTimedOut { limit: this.limit }))))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Where a connection is, as far as the server's timers are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Header,
    Busy,
}

#[derive(Debug)]
struct Track {
    /// Requests being answered (more than one only with pipelining).
    in_flight: usize,
    /// Whether a byte arrived since the connection went idle.
    header_started: bool,
    /// When the current phase began.
    since: Instant,
}

impl Track {
    fn phase(&self) -> Phase {
        if self.in_flight > 0 {
            Phase::Busy
        } else if self.header_started {
            Phase::Header
        } else {
            Phase::Idle
        }
    }
}

/// What the server knows about one open connection.
#[derive(Debug)]
struct ConnState {
    track: Mutex<Track>,
    /// Woken when the phase changes, so the connection's timer is set again.
    changed: Notify,
    /// Woken to close the connection to make room (ignored once it is busy).
    evict: Notify,
}

impl ConnState {
    fn new() -> Self {
        Self {
            track: Mutex::new(Track {
                in_flight: 0,
                header_started: false,
                since: Instant::now(),
            }),
            changed: Notify::new(),
            evict: Notify::new(),
        }
    }

    fn track(&self) -> std::sync::MutexGuard<'_, Track> {
        self.track.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Bytes arrived: an idle connection starts reading a header.
    fn on_read(&self) {
        let mut t = self.track();
        if t.in_flight == 0 && !t.header_started {
            t.header_started = true;
            t.since = Instant::now();
            drop(t);
            self.changed.notify_one();
        }
    }

    /// A request's header is complete and it goes to the handler.
    fn begin(self: &Arc<Self>) -> InFlight {
        let mut t = self.track();
        t.in_flight += 1;
        t.header_started = false;
        t.since = Instant::now();
        drop(t);
        self.changed.notify_one();
        InFlight(self.clone())
    }

    /// When the current phase runs out, if it can.
    fn deadline(&self, limits: &ConnLimits) -> Option<Instant> {
        let t = self.track();
        match t.phase() {
            Phase::Idle => Some(t.since + limits.idle_timeout),
            Phase::Header => Some(t.since + limits.header_timeout),
            Phase::Busy => None,
        }
    }

    /// Since when it has been closable (idle or reading a header), if it is.
    fn closable_since(&self) -> Option<Instant> {
        let t = self.track();
        (t.phase() != Phase::Busy).then_some(t.since)
    }
}

/// A request being answered; the connection goes idle when the last one ends.
struct InFlight(Arc<ConnState>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut t = self.0.track();
        t.in_flight = t.in_flight.saturating_sub(1);
        if t.in_flight == 0 {
            t.header_started = false;
            t.since = Instant::now();
        }
        drop(t);
        self.0.changed.notify_one();
    }
}

/// A socket that reports incoming bytes to its [`ConnState`].
struct Tracked<S> {
    inner: S,
    state: Arc<ConnState>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Tracked<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.state.on_read();
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tracked<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Everything the accept loop and the connections share.
struct Shared {
    limits: ConnLimits,
    permits: Arc<Semaphore>,
    open: Mutex<HashMap<u64, Arc<ConnState>>>,
    next_id: AtomicU64,
    /// Woken whenever a connection closes.
    closed: Notify,
    shutdown: watch::Sender<bool>,
}

impl Shared {
    fn open(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<ConnState>>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Asks the connection that has been idle or reading a header the longest to close,
    /// and waits (briefly) until one closes. Returns whether there was one to ask.
    async fn evict_one(&self) -> bool {
        let victim = self
            .open()
            .values()
            .filter_map(|c| c.closable_since().map(|since| (since, c.clone())))
            .min_by_key(|(since, _)| *since)
            .map(|(_, c)| c);
        let Some(victim) = victim else {
            return false;
        };
        let closed = self.closed.notified();
        tokio::pin!(closed);
        closed.as_mut().enable();
        victim.evict.notify_one();
        let _ = tokio::time::timeout(EVICT_WAIT, closed).await;
        true
    }

    /// A slot for a new connection: a free one, else one made by closing the longest
    /// idle or header-reading connection, else the first one a busy connection frees.
    async fn slot(&self) -> OwnedSemaphorePermit {
        loop {
            if let Ok(permit) = self.permits.clone().try_acquire_owned() {
                return permit;
            }
            if !self.evict_one().await {
                // Every connection is busy: wait for one to end, but look again now and
                // then, as a busy one may have gone idle without closing.
                if let Ok(Ok(permit)) =
                    tokio::time::timeout(EVICT_WAIT, self.permits.clone().acquire_owned()).await
                {
                    return permit;
                }
            }
        }
    }
}

/// Whether an accept error means the process (or the system) has no file descriptor
/// left (`EMFILE`, `ENFILE`).
fn out_of_descriptors(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        matches!(e.raw_os_error(), Some(23 | 24))
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

/// Serves `app` on `listener` within `limits` until `shutdown` resolves, then stops
/// accepting, closes idle connections, lets requests in flight finish (at most
/// `grace`), and returns.
pub async fn serve_with_limits(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
    limits: ConnLimits,
) -> std::io::Result<()> {
    if limits.max_connections == 0 || limits.max_connections > MAX_MAX_CONNECTIONS {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("--max-connections must be from 1 to {MAX_MAX_CONNECTIONS}"),
        ));
    }
    let (shutdown_tx, _) = watch::channel(false);
    let shared = Arc::new(Shared {
        limits,
        permits: Arc::new(Semaphore::new(limits.max_connections)),
        open: Mutex::new(HashMap::new()),
        next_id: AtomicU64::new(0),
        closed: Notify::new(),
        shutdown: shutdown_tx,
    });
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) if out_of_descriptors(&e) => {
                // The backlog holds the connection; make room and accept it again.
                if !shared.evict_one().await {
                    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                }
                continue;
            }
            Err(_) => {
                tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                continue;
            }
        };
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = shared.slot() => permit,
        };
        tokio::spawn(connection(
            shared.clone(),
            app.clone(),
            stream,
            peer,
            permit,
        ));
    }
    drop(listener);
    let _ = shared.shutdown.send(true);
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(grace, shared.permits.acquire_many(all)).await;
    Ok(())
}

/// Serves one connection until the client closes it, a timeout closes it, it is evicted,
/// or the server shuts down.
async fn connection(
    shared: Arc<Shared>,
    app: Router,
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    permit: OwnedSemaphorePermit,
) {
    let _ = stream.set_nodelay(true);
    let state = Arc::new(ConnState::new());
    let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
    shared.open().insert(id, state.clone());
    let mut shutdown = shared.shutdown.subscribe();

    let body_timeout = shared.limits.body_timeout;
    let service_state = state.clone();
    let service = hyper::service::service_fn(move |mut req: http::Request<Incoming>| {
        let in_flight = service_state.begin();
        req.extensions_mut().insert(ConnectInfo(peer));
        let req = req.map(|inner| TimedBody {
            inner,
            deadline: Box::pin(tokio::time::sleep(body_timeout)),
            limit: body_timeout,
        });
        let answer = TowerToHyperService::new(app.clone()).call(req);
        async move {
            let response = answer.await;
            drop(in_flight);
            response
        }
    });
    let io = TokioIo::new(Tracked {
        inner: stream,
        state: state.clone(),
    });
    // Boxed, not pinned on the stack, so that dropping it below closes the socket before
    // the slot is given back.
    let mut conn =
        Box::pin(hyper::server::conn::http1::Builder::new().serve_connection(io, service));

    let mut closing: Option<Instant> = None;
    loop {
        let deadline = match closing {
            // Shutting down: a request in flight may finish (the server's grace bounds
            // it), anything else gets a moment to flush.
            Some(at) => state.closable_since().map(|_| at + CLOSE_GRACE),
            None => state.deadline(&shared.limits),
        };
        let timer = async move {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = conn.as_mut() => break,
            () = timer => {
                // Still in the phase that ran out (a change wakes `changed` first)?
                let now = Instant::now();
                let expired = match closing {
                    Some(at) => state.closable_since().is_some() && at + CLOSE_GRACE <= now,
                    None => state.deadline(&shared.limits).is_some_and(|at| at <= now),
                };
                if expired {
                    break;
                }
            }
            () = state.changed.notified() => {}
            () = state.evict.notified(), if closing.is_none() => {
                if state.closable_since().is_some() {
                    break;
                }
            }
            _ = shutdown.changed(), if closing.is_none() => {
                conn.as_mut().graceful_shutdown();
                closing = Some(Instant::now());
            }
        }
    }
    // Dropping the connection closes the socket.
    drop(conn);
    shared.open().remove(&id);
    drop(permit);
    shared.closed.notify_waiters();
}

/// Whether `e` (an error reading a request body) is, or wraps, a [`BodyTimedOut`].
pub(crate) fn body_timed_out(e: &(dyn std::error::Error + 'static)) -> Option<BodyTimedOut> {
    let mut current = Some(e);
    while let Some(err) = current {
        if let Some(t) = err.downcast_ref::<BodyTimedOut>() {
            return Some(*t);
        }
        current = err.source();
    }
    None
}
