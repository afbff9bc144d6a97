//! Load benchmark of the sandbox's HMAC-SHA256 route (`cargo bench --bench serve_load`).
//!
//! 1. Throughput: two sandboxes on loopback, one verifying HMAC-SHA256, one with
//!    authentication off (`Settings::skip_auth`, not reachable from the CLI), are sent
//!    the same signed `GET /api/v1/partner/constants/countries` requests by a reqwest
//!    load generator (`CONCURRENCY` requests in flight), in alternating phases bounded
//!    in time and count. The client signs in both cases, so the difference is the
//!    server's verification (headers, HMAC, replay store). The request log is off in
//!    both (`Settings::log_requests`). Target: authenticated throughput ≥ 0.8 ×
//!    unauthenticated.
//! 2. Replay store bound: one million distinct nonces, all inside the window, inserted
//!    straight into the `ShardedNonceStore` the sandbox uses (through HTTP that would
//!    take minutes on a laptop); entries and resident memory are printed, for a store
//!    whose bound is one million (all fit) and one whose bound is 250 000 (the rest are
//!    refused, fail closed, and the store stays at its bound).
//!
//! The phases alternate in short rounds (off, on, off, on, …) so that drift in the
//! machine's load hits both sides alike; the ratio is printed over the whole run and as
//! the median of the rounds' ratios.
//!
//! Environment: `SERVE_LOAD_SECS` (seconds per phase, default 2), `SERVE_LOAD_ROUNDS`
//! (default 6: 24 s of load), `SERVE_LOAD_CONCURRENCY` (default 32).

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

async fn start(skip_auth: bool) -> String {
    let settings = Settings {
        skip_auth,
        log_requests: false,
        // One key sends every request: the per-key quota would cap the run, not measure
        // authentication.
        replay_scope_quota: usize::MAX,
        ..Settings::default()
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

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing useful.
    let secs = env_or("SERVE_LOAD_SECS", 2);
    let rounds = env_or("SERVE_LOAD_ROUNDS", 6);
    let concurrency = env_or("SERVE_LOAD_CONCURRENCY", 32) as usize;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let signer = Arc::new(common::demo_hmac_signer());
    println!(
        "serve_load: {concurrency} requests in flight, {rounds} rounds of two {secs} s phases (at most {MAX_REQUESTS_PER_PHASE} requests each), GET {PATH} on loopback, {} CPUs",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let (auth, open) = runtime.block_on(async {
        let authenticated = start(false).await;
        let unauthenticated = start(true).await;
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(concurrency)
            .build()
            .unwrap();
        // Warm-up: connections and caches.
        phase(
            &client,
            &unauthenticated,
            &signer,
            concurrency,
            Duration::from_millis(500),
        )
        .await;
        phase(
            &client,
            &authenticated,
            &signer,
            concurrency,
            Duration::from_millis(500),
        )
        .await;
        let mut auth = Vec::new();
        let mut open = Vec::new();
        for _ in 0..rounds {
            open.push(
                phase(
                    &client,
                    &unauthenticated,
                    &signer,
                    concurrency,
                    Duration::from_secs(secs),
                )
                .await,
            );
            auth.push(
                phase(
                    &client,
                    &authenticated,
                    &signer,
                    concurrency,
                    Duration::from_secs(secs),
                )
                .await,
            );
        }
        (auth, open)
    });
    let total = |v: &[Stats]| {
        let ok: u64 = v.iter().map(|s| s.ok).sum();
        let failed: u64 = v.iter().map(|s| s.failed).sum();
        let elapsed: f64 = v.iter().map(|s| s.elapsed.as_secs_f64()).sum();
        (ok, failed, ok as f64 / elapsed)
    };
    let merged = |v: Vec<Stats>| {
        let mut all = Stats {
            ok: 0,
            failed: 0,
            elapsed: Duration::ZERO,
            latencies_us: Vec::new(),
        };
        for s in v {
            all.latencies_us.extend(s.latencies_us);
        }
        (all.percentile(0.5), all.percentile(0.99))
    };
    let (a_ok, a_failed, a_rate) = total(&auth);
    let (o_ok, o_failed, o_rate) = total(&open);
    let per_phase = |v: &[Stats]| {
        v.iter()
            .map(|s| format!("{:.0}", s.rate()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (a_phases, o_phases) = (per_phase(&auth), per_phase(&open));
    let mut round_ratios: Vec<f64> = auth
        .iter()
        .zip(&open)
        .map(|(a, o)| a.rate() / o.rate())
        .collect();
    round_ratios.sort_by(f64::total_cmp);
    let median = round_ratios[round_ratios.len() / 2];
    let (a50, a99) = merged(auth);
    let (o50, o99) = merged(open);
    println!(
        "authentication off: {o_rate:.0} req/s ({o_ok} ok, {o_failed} failed; phases {o_phases}), latency p50 {o50:.2} ms, p99 {o99:.2} ms"
    );
    println!(
        "HMAC-SHA256 on:     {a_rate:.0} req/s ({a_ok} ok, {a_failed} failed; phases {a_phases}), latency p50 {a50:.2} ms, p99 {a99:.2} ms"
    );
    let ratio = a_rate / o_rate;
    println!(
        "ratio authenticated / unauthenticated: {ratio:.3} over the run, median of rounds {median:.3} (target >= 0.8: {})",
        if ratio.min(median) >= 0.8 {
            "met"
        } else {
            "NOT met"
        }
    );
    store_bound(1_000_000, 1_000_000);
    store_bound(250_000, 1_000_000);
}
