//! Load benchmark of the sandbox's HMAC-SHA256 route (`cargo bench --bench serve_load`).
//!
//! 1. Throughput and latency: three sandboxes on loopback are sent the same signed
//!    `GET /api/v1/partner/constants/countries` requests by a reqwest load generator
//!    (`CONCURRENCY` requests in flight), in alternating phases bounded in time and
//!    count: one with authentication off (`Settings::skip_auth`, not reachable from the
//!    CLI), one verifying HMAC-SHA256 with its nonces in memory (the default), and one
//!    verifying with its nonces in Redis (`Settings::redis`, `serve --redis`; one
//!    `SET NX PX` per request) on a `redis-server` the bench starts on a free port
//!    (`--save '' --appendonly no`) and kills at the end; a missing `redis-server` stops
//!    the bench with a message naming the Debian package. The client signs in every
//!    case, so the differences are the server's verification (headers, HMAC, replay
//!    store). The request log is off in all three (`Settings::log_requests`). Printed
//!    per side: requests/s, p50 and p99 latency; then the ratios. Targets: in-memory ≥
//!    0.8 × unauthenticated throughput; Redis ≥ 0.5 × in-memory (marked met or MISSED).
//! 2. Replay store bound: one million distinct nonces, all inside the window, inserted
//!    straight into the `ShardedNonceStore` the sandbox uses (through HTTP that would
//!    take minutes on a laptop); entries and resident memory are printed, for a store
//!    whose bound is one million (all fit) and one whose bound is 250 000 (the rest are
//!    refused, fail closed, and the store stays at its bound).
//!
//! The phases alternate in short rounds (off, memory, Redis, off, …) so that drift in
//! the machine's load hits every side alike; each ratio is printed over the whole run
//! and as the median of the rounds' ratios, and a target is met when both reach it.
//!
//! Environment: `SERVE_LOAD_SECS` (seconds per phase, default 2), `SERVE_LOAD_ROUNDS`
//! (default 6: 36 s of load), `SERVE_LOAD_CONCURRENCY` (default 32),
//! `SERVE_LOAD_REDIS_DEADLINE_MS` (the Redis store's per-command deadline, default the
//! sandbox's 250 ms; an answer later than that is a 503, counted as failed).
//!
//! Needs the `redis` feature (on by default through `cli`).

// Durations are measured with the monotonic clock; the verifiers read the Clock trait.
#![allow(clippy::disallowed_methods)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use partner_auth::schemes::hmac::{ShardedNonceStore, Signer};
use partner_auth::serve::{self, Credentials, Settings};
use partner_auth::{Insert, NonceStore, SystemClock};

const PATH: &str = "/api/v1/partner/constants/countries";
/// Most requests one phase sends, whatever its duration.
const MAX_REQUESTS_PER_PHASE: u64 = 2_000_000;
/// Default per-command deadline of the Redis store (`SERVE_LOAD_REDIS_DEADLINE_MS`): the
/// sandbox's own default (`serve --redis-deadline-ms`), so that a slow answer is counted
/// as the 503 a deployment would give.
const DEFAULT_REDIS_DEADLINE_MS: u64 = partner_auth::shared::DEFAULT_DEADLINE.as_millis() as u64;

use common::{env_or, rss_kib};

struct Stats {
    ok: u64,
    failed: u64,
    elapsed: Duration,
    latencies_us: Vec<u32>,
}

impl Stats {
    fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&mut self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        self.latencies_us.sort_unstable();
        let i = ((self.latencies_us.len() - 1) as f64 * p).round() as usize;
        f64::from(self.latencies_us[i]) / 1000.0
    }
}

/// Where the sandbox under load keeps its replay nonces, if it verifies at all.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Store {
    /// Authentication off (`Settings::skip_auth`).
    Off,
    /// HMAC-SHA256 verified, nonces in the process's `ShardedNonceStore`.
    Memory,
    /// HMAC-SHA256 verified, nonces in Redis (`SET NX PX`, `Settings::redis`).
    Redis,
}

async fn start(store: Store, redis: Option<&redis_server::RedisServer>) -> String {
    let settings = Settings {
        skip_auth: store == Store::Off,
        log_requests: false,
        // One key sends every request: the per-key quota would cap the run, not measure
        // authentication.
        replay_scope_quota: usize::MAX,
        ..Settings::default()
    };
    let settings = Settings {
        redis: match (store, redis) {
            (Store::Redis, Some(r)) => Some(r.store()),
            (Store::Redis, None) => unreachable!("the Redis side is started with its server"),
            _ => None,
        },
        ..settings
    };
    let app = serve::app(&settings, &Credentials::demo()).expect("demo credentials");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(serve::serve(
        listener,
        app,
        std::future::pending(),
        Duration::from_secs(1),
    ));
    url
}

async fn phase(
    client: &reqwest::Client,
    url: &str,
    signer: &Arc<Signer>,
    concurrency: usize,
    duration: Duration,
) -> Stats {
    let sent = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let client = client.clone();
        let url = format!("{url}{PATH}");
        let signer = signer.clone();
        let sent = sent.clone();
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut failed, mut lat) = (0u64, 0u64, Vec::new());
            while Instant::now() < deadline
                && sent.fetch_add(1, Ordering::Relaxed) < MAX_REQUESTS_PER_PHASE
            {
                let signed = signer
                    .sign_now("GET", PATH, b"", &SystemClock)
                    .expect("signable");
                let mut req = client.get(&url);
                for (name, value) in &signed.headers {
                    req = req.header(*name, value);
                }
                let t = Instant::now();
                let good = match req.send().await {
                    Ok(r) => r.status() == 200 && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                if good {
                    ok += 1;
                } else {
                    failed += 1;
                }
                lat.push(u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX));
            }
            (ok, failed, lat)
        }));
    }
    let mut stats = Stats {
        ok: 0,
        failed: 0,
        elapsed: Duration::ZERO,
        latencies_us: Vec::new(),
    };
    for t in tasks {
        let (ok, failed, lat) = t.await.unwrap();
        stats.ok += ok;
        stats.failed += failed;
        stats.latencies_us.extend(lat);
    }
    stats.elapsed = started.elapsed();
    stats
}

fn store_bound(capacity: usize, inserts: usize) {
    let before = rss_kib(None);
    // One key sends everything: only the global bound is measured here, not the per-key
    // quota.
    let store = ShardedNonceStore::new(capacity).with_scope_quota(capacity);
    let now = 1_709_337_600;
    let started = Instant::now();
    let (mut fresh, mut refused) = (0usize, 0usize);
    for i in 0..inserts {
        // Distinct UUID-shaped nonces, all inside the 60 s window (kept 120 s).
        let nonce = format!("{:08x}-0000-4000-8000-{:012x}", i >> 16, i);
        match store.insert("pk_demo_4f1c2b7e", &nonce, now + (i as i64 % 60), now + 120) {
            Ok(Insert::Fresh) => fresh += 1,
            Ok(Insert::Replayed) => panic!("nonce {i} read as a replay"),
            Err(_) => refused += 1,
        }
    }
    let took = started.elapsed();
    let after = rss_kib(None);
    assert!(store.len() <= capacity, "the store exceeded its bound");
    let memory = match (before, after) {
        (Some(b), Some(a)) => {
            let kib = a.saturating_sub(b);
            format!(
                "{:.1} MiB resident ({:.0} bytes per entry)",
                kib as f64 / 1024.0,
                kib as f64 * 1024.0 / store.len().max(1) as f64
            )
        }
        _ => "resident memory not measurable here".to_owned(),
    };
    println!(
        "replay store, bound {capacity}: {inserts} distinct nonces in {:.2} s ({:.0} inserts/s): {fresh} fresh, {refused} refused (store full, fail closed); entries held {} <= bound; {memory}",
        took.as_secs_f64(),
        inserts as f64 / took.as_secs_f64(),
        store.len()
    );
    drop(store);
}

/// The `redis-server` the Redis side runs on: started by the bench on a free loopback
/// port without persistence, killed when dropped (at the end, or when the bench fails).
mod redis_server {
    use std::net::TcpStream;
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    /// Longest wait for a started `redis-server` to listen.
    const START_TIMEOUT: Duration = Duration::from_secs(10);

    pub struct RedisServer {
        port: u16,
        child: Child,
        deadline: Duration,
    }

    impl RedisServer {
        /// Starts `redis-server` on a free port; every command of the sandbox's store is
        /// bounded by `deadline`.
        pub fn start(deadline: Duration) -> Self {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free loopback port")
                .port();
            let child = Command::new("redis-server")
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no"])
                .args(["--maxmemory-policy", "noeviction"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| {
                    panic!(
                        "cannot run `redis-server` ({e}): the Redis side of this bench needs a \
                         real Redis; install it (Debian: apt-get install redis-server) so that \
                         `redis-server` is on PATH"
                    )
                });
            let mut server = Self {
                port,
                child,
                deadline,
            };
            let started = Instant::now();
            while TcpStream::connect(("127.0.0.1", port)).is_err() {
                if let Ok(Some(status)) = server.child.try_wait() {
                    panic!("redis-server on port {port} exited at start ({status})");
                }
                assert!(
                    started.elapsed() < START_TIMEOUT,
                    "redis-server did not listen on port {port} within {START_TIMEOUT:?}"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
            server
        }

        pub fn url(&self) -> String {
            format!("redis://127.0.0.1:{}", self.port)
        }

        /// The sandbox's store on this server (inside the runtime: the connection
        /// manager is spawned on it).
        pub fn store(&self) -> partner_auth::shared::RedisStore {
            partner_auth::shared::RedisStore::connect(&self.url(), self.deadline)
                .expect("the bench's Redis URL and deadline are valid")
        }

        /// Number of keys the server holds (`DBSIZE`, spoken in RESP over a plain
        /// socket).
        pub fn dbsize(&self) -> u64 {
            use std::io::{BufRead, BufReader, Write};
            let mut conn = TcpStream::connect(("127.0.0.1", self.port)).expect("redis-server");
            conn.set_read_timeout(Some(START_TIMEOUT)).unwrap();
            conn.write_all(b"*1\r\n$6\r\nDBSIZE\r\n")
                .expect("DBSIZE sent");
            let mut line = String::new();
            BufReader::new(conn)
                .read_line(&mut line)
                .expect("DBSIZE answered");
            line.trim()
                .strip_prefix(':')
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("DBSIZE answered {line:?}, not an integer"))
        }

        /// Resident memory of the server, in KiB.
        pub fn rss_kib(&self) -> Option<u64> {
            super::common::rss_kib(Some(self.child.id()))
        }
    }

    impl Drop for RedisServer {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One side's phases, and what is printed of them.
struct Side {
    label: &'static str,
    url: String,
    phases: Vec<Stats>,
}

impl Side {
    /// Requests answered 200, failed, and the rate over the side's whole time.
    fn total(&self) -> (u64, u64, f64) {
        let ok: u64 = self.phases.iter().map(|s| s.ok).sum();
        let failed: u64 = self.phases.iter().map(|s| s.failed).sum();
        let elapsed: f64 = self.phases.iter().map(|s| s.elapsed.as_secs_f64()).sum();
        (ok, failed, ok as f64 / elapsed)
    }

    /// p50 and p99 latency over every request of the side, in ms.
    fn percentiles(&self) -> (f64, f64) {
        let mut all = Stats {
            ok: 0,
            failed: 0,
            elapsed: Duration::ZERO,
            latencies_us: self
                .phases
                .iter()
                .flat_map(|s| s.latencies_us.iter().copied())
                .collect(),
        };
        (all.percentile(0.5), all.percentile(0.99))
    }

    fn print(&self) {
        let (ok, failed, rate) = self.total();
        let (p50, p99) = self.percentiles();
        let phases = self
            .phases
            .iter()
            .map(|s| format!("{:.0}", s.rate()))
            .collect::<Vec<_>>()
            .join(", ");
        println!(
            "{:<26} {rate:>7.0} req/s ({ok} ok, {failed} failed; phases {phases}), latency p50 {p50:.2} ms, p99 {p99:.2} ms",
            format!("{}:", self.label)
        );
    }
}

/// Prints `num / den` over the run and as the median of the rounds' ratios, against
/// `target` when there is one.
fn ratio(num: &Side, den: &Side, target: Option<f64>) {
    let over_run = num.total().2 / den.total().2;
    let mut rounds: Vec<f64> = num
        .phases
        .iter()
        .zip(&den.phases)
        .map(|(a, b)| a.rate() / b.rate())
        .collect();
    rounds.sort_by(f64::total_cmp);
    let median = rounds[rounds.len() / 2];
    let verdict = match target {
        Some(t) if over_run.min(median) >= t => format!(" (target >= {t}: met)"),
        Some(t) => format!(" (target >= {t}: MISSED)"),
        None => String::new(),
    };
    println!(
        "ratio {} / {}: {over_run:.3} over the run, median of rounds {median:.3}{verdict}",
        num.label, den.label
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing useful.
    let secs = env_or("SERVE_LOAD_SECS", 2);
    let rounds = env_or("SERVE_LOAD_ROUNDS", 6).max(1);
    let concurrency = env_or("SERVE_LOAD_CONCURRENCY", 32) as usize;
    let deadline = Duration::from_millis(env_or(
        "SERVE_LOAD_REDIS_DEADLINE_MS",
        DEFAULT_REDIS_DEADLINE_MS,
    ));
    let redis = redis_server::RedisServer::start(deadline);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let signer = Arc::new(common::demo_hmac_signer());
    println!(
        "serve_load: {concurrency} requests in flight, {rounds} rounds of three {secs} s phases (at most {MAX_REQUESTS_PER_PHASE} requests each), GET {PATH} on loopback, {} CPUs; Redis side on redis-server at {} (per-command deadline {} ms)",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        redis.url(),
        deadline.as_millis()
    );
    let sides = runtime.block_on(async {
        let mut sides = [
            Side {
                label: "authentication off",
                url: start(Store::Off, None).await,
                phases: Vec::new(),
            },
            Side {
                label: "HMAC-SHA256, in memory",
                url: start(Store::Memory, None).await,
                phases: Vec::new(),
            },
            Side {
                label: "HMAC-SHA256, Redis",
                url: start(Store::Redis, Some(&redis)).await,
                phases: Vec::new(),
            },
        ];
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(concurrency)
            .build()
            .unwrap();
        // Warm-up: connections, caches, the Redis connection.
        for side in &sides {
            phase(
                &client,
                &side.url,
                &signer,
                concurrency,
                Duration::from_millis(500),
            )
            .await;
        }
        // Alternating rounds (off, memory, Redis, off, …) so that drift in the machine's
        // load hits every side alike.
        for _ in 0..rounds {
            for side in &mut sides {
                let stats = phase(
                    &client,
                    &side.url,
                    &signer,
                    concurrency,
                    Duration::from_secs(secs),
                )
                .await;
                side.phases.push(stats);
            }
        }
        sides
    });
    drop(runtime);
    let [off, memory, on_redis] = &sides;
    for side in &sides {
        side.print();
    }
    ratio(memory, off, Some(0.8));
    ratio(on_redis, memory, Some(0.5));
    ratio(on_redis, off, None);
    // Every request the Redis side accepted recorded its nonce there (kept for twice
    // the window, longer than the run at the default durations).
    let keys = redis.dbsize();
    let accepted = on_redis.total().0;
    assert!(
        accepted == 0 || keys > 0,
        "the Redis side accepted {accepted} requests but redis-server holds no key: its nonces did not go to Redis"
    );
    println!(
        "redis-server after the run: {keys} keys ({accepted} requests accepted by the Redis side, warm-up not counted){}",
        redis.rss_kib().map_or(String::new(), |kib| format!(
            ", {:.1} MiB resident",
            kib as f64 / 1024.0
        ))
    );
    drop(redis);
    store_bound(1_000_000, 1_000_000);
    store_bound(250_000, 1_000_000);
}
