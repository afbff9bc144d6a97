//! `partner-auth serve`: the sandbox, a local server emulating each API's authentication
//! layer with the reference verifiers behind it.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use partner_auth::schemes::signupto::TokenFreshness;
use partner_auth::serve::{self, Credentials, Settings, demo};
use partner_auth::{SystemClock, replay};

use super::EXIT_CONFORMANT;

/// Arguments of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port. The bound address is the first
    /// line printed.
    #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// On a bad signature, answer with the canonical string the server built (key line
    /// shown as `<key>`) and the likely mistake; name the failing partners-portal level
    /// in `X-Partner-Auth-Error`. A debugging aid; off by default.
    #[arg(long)]
    pub explain: bool,
    /// Largest request body accepted, in bytes; larger ones get 413.
    #[arg(long, value_name = "BYTES", default_value_t = serve::DEFAULT_MAX_BODY)]
    pub max_body: usize,
    /// Most messages (`messageData` elements) in one Groupcall request; a larger batch
    /// gets 413 `TOO_MANY_MESSAGES`. Bounds the answer, one result per message.
    #[arg(long, value_name = "COUNT", default_value_t = partner_auth::schemes::groupcall::DEFAULT_MAX_MESSAGES,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub groupcall_max_messages: usize,
    /// Most unexpired Sign-Up.to tokens held at once; expired ones are purged at each
    /// `POST /v1/token`, and when full it gets 503 `TOKEN_STORE_FULL`.
    #[arg(long, value_name = "COUNT", default_value_t = partner_auth::schemes::signupto::DEFAULT_MAX_TOKENS,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub signupto_max_tokens: usize,
    /// Sign-Up.to token requests: `if-sent` (default) checks `Date` and `X-SuT-Nonce` only
    /// when a request carries them, as the Token page's example (a `Date`, no nonce) and
    /// the PyPI client (neither) need; `required` refuses a request without them
    /// (`MISSING_DATE`, `MISSING_NONCE`), as the reference does.
    #[arg(long, value_enum, value_name = "MODE", default_value_t = TokenFreshnessArg::IfSent)]
    pub signupto_token_freshness: TokenFreshnessArg,
    /// Freshness window for Sign-Up.to's `Date`, in seconds either side of the clock,
    /// 1 to 86400 (HMAC-SHA256 keeps the vendor's ±60 s for `X-Timestamp`).
    #[arg(long, value_name = "SECS", allow_hyphen_values = true, default_value_t = partner_auth::schemes::signupto::DEFAULT_WINDOW_SECS,
        value_parser = clap::value_parser!(i64).range(replay::MIN_WINDOW_SECS..=replay::MAX_WINDOW_SECS))]
    pub window: i64,
    /// Most nonces each replay store holds at once (HMAC-SHA256, each Sign-Up.to
    /// verifier); past it every key is refused (503) until some expire.
    #[arg(long, value_name = "N", default_value_t = replay::DEFAULT_CAPACITY,
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub replay_capacity: usize,
    /// Most nonces one key (or token) may hold in a replay store at once; past it that
    /// key alone is refused (503) until some of its nonces expire.
    #[arg(long, value_name = "N", default_value_t = replay::DEFAULT_SCOPE_QUOTA,
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub replay_quota: usize,
    /// Credentials to use instead of the demo ones: a JSON object keyed by scheme slug,
    /// shaped as `--demo-credentials` prints. Its values are never printed.
    #[arg(long, value_name = "FILE")]
    pub credentials: Option<PathBuf>,
    /// Print the built-in demo credentials as JSON (keyed by scheme slug) and exit.
    #[arg(long)]
    pub demo_credentials: bool,
    /// Seconds from a request's first byte to the end of its header; a connection still
    /// sending its header then is closed (0.001 to 86400).
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = super::probe::parse_seconds)]
    pub header_timeout: Duration,
    /// Seconds from the end of a request's header to the end of its body; past it the
    /// request is answered 408 BODY_TIMEOUT (0.001 to 86400).
    #[arg(long, value_name = "SECS", default_value = "30", value_parser = super::probe::parse_seconds)]
    pub body_timeout: Duration,
    /// Seconds a connection may stay open with no request (after it opens or after its
    /// last answer) before it is closed (0.001 to 86400).
    #[arg(long, value_name = "SECS", default_value = "30", value_parser = super::probe::parse_seconds)]
    pub idle_timeout: Duration,
    /// Connections open at once (1 to 1000000). Beyond it, or when the process runs out
    /// of file descriptors, the connection idle or sending its header the longest is
    /// closed to make room; when every one is busy, new ones wait.
    #[arg(long, value_name = "N", default_value_t = serve::DEFAULT_MAX_CONNECTIONS,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=serve::MAX_MAX_CONNECTIONS as u64))]
    pub max_connections: usize,
    /// Keep replay nonces, Sign-Up.to tokens and partners-portal sessions in this Redis
    /// (redis://HOST:PORT, optionally redis://:PASSWORD@HOST:PORT/DB) instead of in
    /// memory, so that several sandboxes behind one load balancer refuse each other's
    /// replays and accept each other's tokens. Token and session expiry then slide with
    /// each use. When Redis is down or slower than --redis-deadline-ms, requests are
    /// refused with 503 STORE_UNAVAILABLE (never accepted unrecorded) and served again
    /// once it is back. Run Redis with `maxmemory-policy noeviction`. The password is
    /// never printed.
    #[arg(long, value_name = "URL")]
    pub redis: Option<String>,
    /// Milliseconds one Redis command may take, connecting included, before the request
    /// is refused with 503 (1 to 60000).
    #[arg(long, value_name = "MS", default_value_t = partner_auth::shared::DEFAULT_DEADLINE.as_millis() as u64,
          value_parser = clap::value_parser!(u64).range(1..=60_000))]
    pub redis_deadline_ms: u64,
}

/// `--signupto-token-freshness`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TokenFreshnessArg {
    /// Check `Date` and `X-SuT-Nonce` when sent.
    IfSent,
    /// Refuse a token request without them.
    Required,
}

/// Runs `serve`.
pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    if args.demo_credentials {
        println!("{}", serde_json::to_string_pretty(&demo::demo_json())?);
        return Ok(ExitCode::from(EXIT_CONFORMANT));
    }
    let credentials = match &args.credentials {
        Some(path) => Credentials::from_file(path)?,
        None => Credentials::demo(),
    };
    let settings = Settings {
        explain: args.explain,
        max_body: args.max_body,
        window_secs: args.window,
        groupcall_max_messages: args.groupcall_max_messages,
        signupto_max_tokens: args.signupto_max_tokens,
        signupto_token_freshness: match args.signupto_token_freshness {
            TokenFreshnessArg::IfSent => TokenFreshness::IfSent,
            TokenFreshnessArg::Required => TokenFreshness::Required,
        },
        replay_capacity: args.replay_capacity,
        replay_scope_quota: args.replay_quota,
        clock: Arc::new(SystemClock),
        ..Settings::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    // The Redis connection manager is set up inside the runtime (it connects lazily:
    // the sandbox starts with Redis down and refuses requests until it is up).
    let entered = runtime.enter();
    let mut settings = settings;
    if let Some(url) = &args.redis {
        let deadline = Duration::from_millis(args.redis_deadline_ms);
        settings.redis = Some(partner_auth::shared::RedisStore::connect(url, deadline)?);
    }
    let app = serve::app(&settings, &credentials)?;
    drop(entered);
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("cannot listen on {}", args.addr))?;
        let bound = listener.local_addr()?;
        // Before the address is printed: whoever reads it may signal at once.
        let shutdown = serve::shutdown_signal();
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{bound}")?;
        for slug in partner_auth::registry::sandboxed().map(|e| e.slug) {
            match credentials.printable(slug) {
                Some(v) => writeln!(out, "  {slug} (demo credentials): {v}")?,
                None => writeln!(out, "  {slug}: credentials from the file (not shown)")?,
            }
        }
        out.flush()?;
        drop(out);
        if let Some(url) = &args.redis {
            // The URL as typed, its user and password replaced by `***`.
            eprintln!(
                "partner-auth serve: replay nonces, Sign-Up.to tokens and portal sessions in Redis at {}",
                partner_auth::shared::redact_url(url)
            );
        }
        if !bound.ip().is_loopback() {
            eprintln!(
                "partner-auth serve: warning: listening on {bound}, reachable from other machines; the sandbox holds demo credentials and is meant for local testing"
            );
        }
        let limits = serve::ConnLimits {
            header_timeout: args.header_timeout,
            body_timeout: args.body_timeout,
            idle_timeout: args.idle_timeout,
            max_connections: args.max_connections,
        };
        serve::serve_with_limits(listener, app, shutdown, Duration::from_secs(10), limits)
            .await
            .context("serving")?;
        eprintln!("partner-auth serve: stopped");
        Ok(ExitCode::from(EXIT_CONFORMANT))
    })
}
