//! `cargo bench --bench hmac`: the HMAC-SHA256 scheme's cost against the raw primitive.
//!
//! Side by side, at 0 B, 1 KiB and 64 KiB bodies: raw HMAC-SHA256 over the exact
//! string-to-sign bytes, `Signer::sign`, and `Verifier::verify` (a fresh nonce every
//! time, so the replay-store insert is included) against a replay store held at a
//! steady 100 000 live nonces (about 800 requests/s, each nonce kept 120 s) and, as
//! extra information, at a steady million. Then the replay store alone: inserts
//! per second on 1 and 2 threads, and heap bytes per remembered nonce (measured with a
//! counting allocator). A summary with the ratios is printed at the end.
//!
//! Kept short (about a minute): small sample sizes and measurement times.

#![allow(missing_docs)]
#![allow(clippy::disallowed_methods)] // a benchmark reads the wall clock by design

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput};
use partner_auth::encoding::hmac_sha256;
use partner_auth::schemes::hmac::{
    KeyDirectory, KeyRecord, ShardedNonceStore, SignRequest, Signer, Verifier,
};
use partner_auth::{Clock, FixedClock, NonceStore, Request};

/// Counts live heap bytes, to measure the replay store's footprint.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
/// Counting is on only while a footprint is measured, so that the timed runs pay no
/// atomic operation per allocation (a cost the scheme would not have in a server).
static COUNTING: AtomicBool = AtomicBool::new(false);

fn count(delta: isize) {
    if COUNTING.load(Ordering::Relaxed) {
        LIVE.fetch_add(delta, Ordering::Relaxed);
    }
}

// SAFETY: every method forwards to the system allocator unchanged and only adds
// bookkeeping on an atomic counter.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as isize));
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size as isize - layout.size() as isize);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const KEY: &str = "pk_live_4f2a9c7e1b3d";
const SECRET: &str = "sk_live_9b1e7d3c5a0f4e8d2c6b1a7f3e9d5c0b";
const TS: i64 = 1_709_337_600;
const TARGET: &str = "/api/v1/partner/orders";
const SIZES: [(usize, &str); 3] = [(0, "0B"), (1024, "1KiB"), (65536, "64KiB")];

fn body(n: usize) -> Vec<u8> {
    b"0123456789abcdef"
        .iter()
        .copied()
        .cycle()
        .take(n)
        .collect()
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(1500))
        .configure_from_args()
}

fn signer() -> Signer {
    Signer::new(KEY, SECRET).unwrap()
}

fn sign_req<'a>(nonce: &'a str, body: &'a [u8]) -> SignRequest<'a> {
    SignRequest {
        method: "POST",
        target: TARGET,
        timestamp: TS,
        nonce,
        body,
    }
}

type BenchVerifier = Verifier<Arc<FixedClock>, ShardedNonceStore>;

/// Request rates whose steady replay store is measured: each nonce is kept 120 s (twice
/// the window), so about 800 requests/s hold 100 000 live nonces and 8192/s a million.
const RATES: [(u64, &str); 2] = [(800, "100k-live"), (8192, "1M-live")];

/// A verifier seeing `rate` requests per second: its clock moves one second per `rate`
/// requests, and its replay store already holds 125 s of that traffic, so its size
/// stays where a server at that rate would keep it (nonces expire as new ones arrive).
struct Traffic {
    v: BenchVerifier,
    clock: Arc<FixedClock>,
    rate: u64,
    n: Cell<u64>,
}

impl Traffic {
    fn new(rate: u64) -> Self {
        let clock = Arc::new(FixedClock::from_secs(TS));
        let mut keys = KeyDirectory::new();
        keys.insert(KEY, KeyRecord::new(SECRET).unwrap()).unwrap();
        // One key sends all the traffic: lift the per-key quota, only the bound applies.
        let store = ShardedNonceStore::new(4_000_000).with_scope_quota(usize::MAX);
        let v = Verifier::new(keys, clock.clone(), store);
        let t = Self {
            v,
            clock,
            rate,
            n: Cell::new(0),
        };
        for _ in 0..rate * 125 {
            let now = t.tick();
            let nonce = format!("fill-{}", t.n.get());
            t.v.store().insert(KEY, &nonce, now, now + 120).unwrap();
        }
        t
    }

    /// Counts one request; the clock's time for it.
    fn tick(&self) -> i64 {
        let n = self.n.get() + 1;
        self.n.set(n);
        if n.is_multiple_of(self.rate) {
            self.clock.advance_secs(1);
        }
        self.clock.now_secs()
    }

    /// The next request, signed now with a fresh nonce.
    fn request(&self, s: &Signer, body: &[u8]) -> Request {
        let now = self.tick();
        let nonce = format!("bench-{}", self.n.get());
        let mut req = sign_req(&nonce, body);
        req.timestamp = now;
        let signed = s.sign(&req).unwrap();
        let mut req = Request::new("POST", TARGET).body(body.to_vec());
        for (k, val) in signed.headers {
            req.headers.append(k, val);
        }
        req
    }

    /// Live nonces in the store.
    fn live(&self) -> usize {
        self.v.store().len()
    }
}

/// Requests verified per timed batch: few enough that the batch sits in cache, as a
/// request a server has just read does.
fn batch(size: usize) -> usize {
    if size > 4096 { 8 } else { 64 }
}

fn bench_scheme(c: &mut Criterion) {
    let mut g = c.benchmark_group("hmac-sha256");
    for (size, label) in SIZES {
        let body = body(size);
        let s = signer();
        let nonce = "550e8400-e29b-41d4-a716-446655440000";
        let sts = s.sign(&sign_req(nonce, &body)).unwrap().string_to_sign;
        g.throughput(Throughput::Bytes(sts.as_bytes().len() as u64));
        g.bench_with_input(BenchmarkId::new("raw-hmac", label), &sts, |b, sts| {
            b.iter(|| hmac_sha256(SECRET.as_bytes(), black_box(sts.as_bytes())))
        });
        g.bench_with_input(BenchmarkId::new("sign", label), &body, |b, body| {
            b.iter(|| s.sign(black_box(&sign_req(nonce, body))).unwrap())
        });
        for (rate, live) in RATES {
            let t = Traffic::new(rate);
            let id = BenchmarkId::new(format!("verify-{live}"), label);
            g.bench_with_input(id, &body, |b, body| {
                b.iter_batched_ref(
                    || t.request(&s, body),
                    |req| t.v.verify(black_box(req), None).unwrap(),
                    BatchSize::NumIterations(batch(size) as u64),
                )
            });
            println!("  (replay store at the end: {} live nonces)", t.live());
        }
    }
    g.finish();
}

/// `count` distinct nonces, UUID-shaped.
fn nonces(count: usize) -> Vec<String> {
    (0..count)
        .map(|i| format!("{i:08x}-e29b-41d4-a716-446655440000"))
        .collect()
}

/// Inserts `iters` distinct nonces split over `threads` threads into a fresh store;
/// the wall time of the inserts alone.
fn timed_inserts(pool: &Arc<Vec<String>>, threads: usize, iters: u64) -> Duration {
    // One key: lift the per-key quota, only the bound applies.
    let store = Arc::new(ShardedNonceStore::new(pool.len() * 2).with_scope_quota(usize::MAX));
    let per = (iters as usize).div_ceil(threads);
    let barrier = Arc::new(std::sync::Barrier::new(threads + 1));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (store, pool, barrier) = (store.clone(), pool.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                for i in 0..per {
                    // The clock moves one second per 8192 inserts (all threads together),
                    // so buckets roll over, expired entries are forgotten as inserts
                    // arrive, and about a million nonces are live at any time (each
                    // kept 120 s, twice the window).
                    let now = TS + (i * threads / 8192) as i64;
                    let r = store.insert(KEY, &pool[(t * per + i) % pool.len()], now, now + 120);
                    black_box(r.unwrap());
                }
            })
        })
        .collect();
    barrier.wait();
    let start = Instant::now();
    for h in handles {
        h.join().unwrap();
    }
    start.elapsed()
}

fn bench_store(c: &mut Criterion) {
    let pool = Arc::new(nonces(1 << 20));
    let mut g = c.benchmark_group("replay-store");
    g.throughput(Throughput::Elements(1));
    for threads in [1usize, 2] {
        g.bench_function(
            BenchmarkId::new("insert", format!("{threads}-thread")),
            |b| b.iter_custom(|iters| timed_inserts(&pool, threads, iters)),
        );
    }
    g.finish();
}

/// Heap bytes per remembered nonce, for `count` nonces (the nonce strings themselves
/// are allocated before measuring: the store keeps only fingerprints).
fn bytes_per_nonce(count: usize) -> f64 {
    let pool = nonces(count);
    COUNTING.store(true, Ordering::SeqCst);
    let before = LIVE.load(Ordering::SeqCst);
    let store = ShardedNonceStore::new(count * 2).with_scope_quota(usize::MAX);
    for n in &pool {
        store.insert(KEY, n, TS, TS + 120).unwrap();
    }
    let after = LIVE.load(Ordering::SeqCst);
    drop(store);
    COUNTING.store(false, Ordering::SeqCst);
    (after - before) as f64 / count as f64
}

/// A short, self-timed median of `f` (nanoseconds per call), for the summary ratios;
/// the clock is read once per 32 calls.
fn median_ns(mut f: impl FnMut()) -> f64 {
    let mut samples = Vec::new();
    for _ in 0..15 {
        let mut n = 0u32;
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(20) {
            for _ in 0..32 {
                f();
            }
            n += 32;
        }
        samples.push(start.elapsed().as_nanos() as f64 / f64::from(n));
    }
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Median nanoseconds per verify with a fresh nonce, timed a batch at a time (the
/// requests are signed before each batch, outside the timing).
fn verify_ns(t: &Traffic, s: &Signer, body: &[u8]) -> f64 {
    let mut samples = Vec::new();
    for _ in 0..if body.len() > 4096 { 60 } else { 300 } {
        let reqs: Vec<Request> = (0..batch(body.len())).map(|_| t.request(s, body)).collect();
        let start = Instant::now();
        for r in &reqs {
            black_box(t.v.verify(black_box(r), None).unwrap());
        }
        samples.push(start.elapsed().as_nanos() as f64 / reqs.len() as f64);
    }
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn summary() {
    println!("\n== hmac-sha256 summary (self-timed medians; criterion's figures above) ==");
    let traffic: Vec<Traffic> = RATES.iter().map(|&(rate, _)| Traffic::new(rate)).collect();
    println!(
        "{:<7} {:>9} {:>9} {:>9} {:>9} {:>9} {:>11} {:>11}",
        "body", "raw ns", "sign ns", "vfy ns", "vfy1M ns", "sign/raw", "verify/raw", "vfy1M/raw"
    );
    for (size, label) in SIZES {
        let body = body(size);
        let s = signer();
        let nonce = "550e8400-e29b-41d4-a716-446655440000";
        let sts = s.sign(&sign_req(nonce, &body)).unwrap().string_to_sign;
        let raw = median_ns(|| {
            black_box(hmac_sha256(SECRET.as_bytes(), black_box(sts.as_bytes())));
        });
        let sign = median_ns(|| {
            black_box(s.sign(black_box(&sign_req(nonce, &body))).unwrap());
        });
        let verify = verify_ns(&traffic[0], &s, &body);
        let verify_1m = verify_ns(&traffic[1], &s, &body);
        println!(
            "{:<7} {:>9.0} {:>9.0} {:>9.0} {:>9.0} {:>8.2}x {:>10.2}x {:>10.2}x",
            label,
            raw,
            sign,
            verify,
            verify_1m,
            sign / raw,
            verify / raw,
            verify_1m / raw
        );
    }
    for (t, (rate, _)) in traffic.iter().zip(RATES) {
        println!(
            "verify store: {} live nonces at the end ({rate} requests per simulated second, nonces kept 120 s)",
            t.live()
        );
    }
    let pool = Arc::new(nonces(1 << 20));
    for threads in [1usize, 2] {
        let mut rates: Vec<f64> = (0..5)
            .map(|_| {
                let n = 1u64 << 20;
                n as f64 / timed_inserts(&pool, threads, n).as_secs_f64()
            })
            .collect();
        rates.sort_by(f64::total_cmp);
        println!(
            "replay store: {:.2} M inserts/s on {threads} thread(s) (median of 5 runs of 2^20 inserts, clock rolling)",
            rates[2] / 1e6
        );
    }
    for count in [100_000usize, 1_000_000] {
        println!(
            "replay store: {:.1} heap bytes per remembered nonce at {count} nonces",
            bytes_per_nonce(count)
        );
    }
    println!(
        "targets: sign <= 1.2x raw and verify <= 1.5x raw at 1 KiB; >= 2 M inserts/s on one thread"
    );
}

fn main() {
    let mut c = config();
    bench_scheme(&mut c);
    bench_store(&mut c);
    c.final_summary();
    summary();
}
