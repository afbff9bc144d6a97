//! `cargo bench --bench hmac`: the signing schemes' cost against the raw primitive.
//!
//! HMAC-SHA256, side by side at 0 B, 1 KiB and 64 KiB bodies: raw HMAC-SHA256 over the
//! exact string-to-sign bytes, the borrowed signer `Signer::sign_into` (into a header
//! map the caller reuses, as the request it builds would hold), the owned
//! `Signer::sign` (extra information), and `Verifier::verify` (a fresh nonce every
//! time, so the replay-store insert is included) against a replay store held at a
//! steady 100 000 live nonces (about 800 requests/s, each nonce kept 120 s) and, as
//! extra information, at a steady million.
//!
//! Sign-Up.to Hash, at 0 B and 1 KiB bodies: raw SHA-1 over the exact signed bytes
//! (canonical string, CR LF, key), `Signer::sign_into` and `Verifier::verify` against a
//! replay store held at about 100 000 live nonces (112 requests/s, each nonce kept
//! 900 s). The body is not signed by this scheme: both sizes hash the same bytes.
//!
//! Then the replay store alone: inserts per second on 1 and 2 threads, and heap bytes
//! per remembered nonce (measured with a counting allocator). A summary with the
//! ratios and the targets, each marked met or missed, is printed at the end.
//!
//! Kept short (about two minutes): small sample sizes and measurement times.

#![allow(missing_docs)]
#![allow(clippy::disallowed_methods)] // a benchmark reads the wall clock by design

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput};
use http::{HeaderMap, HeaderName, HeaderValue};
use partner_auth::encoding::{format_http_date, hmac_sha256, parse_http_date, sha1};
use partner_auth::schemes::hmac::{
    KeyDirectory, KeyRecord, Parts, ShardedNonceStore, SignRequest, Signer, Verifier, mac,
};
use partner_auth::schemes::signupto as sut;
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
const X_API_KEY: HeaderName = HeaderName::from_static("x-api-key");
const X_TIMESTAMP: HeaderName = HeaderName::from_static("x-timestamp");
const X_NONCE: HeaderName = HeaderName::from_static("x-nonce");
const X_SUT_PID: HeaderName = HeaderName::from_static("x-sut-pid");
const X_SUT_CID: HeaderName = HeaderName::from_static("x-sut-cid");
const X_SUT_UID: HeaderName = HeaderName::from_static("x-sut-uid");
const X_SUT_NONCE: HeaderName = HeaderName::from_static("x-sut-nonce");
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
        let mut map = HeaderMap::new();
        g.bench_with_input(BenchmarkId::new("sign-into", label), &body, |b, body| {
            b.iter(|| {
                s.sign_into(black_box(&sign_req(nonce, body)), &mut map)
                    .unwrap()
            })
        });
        g.bench_with_input(BenchmarkId::new("sign-owned", label), &body, |b, body| {
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

const SUT_KEY: &str = "2b2d77e014a30792d5048e262e306783";
const SUT_CID: u64 = 7_654_321;
const SUT_UID: u64 = 23_456_789;
const SUT_TARGET: &str = "/v1/list";
const SUT_NONCE: &str = "0123456789abcdef0123456789abcdef01234567";
/// Sign-Up.to's sizes: the body is not signed, so both hash the same bytes.
const SUT_SIZES: [(usize, &str); 2] = [(0, "0B"), (1024, "1KiB")];
/// Sign-Up.to requests per simulated second: each nonce is kept 900 s (the window), so
/// 112/s hold about 100 000 live nonces.
const SUT_RATE: u64 = 112;

fn sut_signer() -> sut::Signer {
    let who = sut::Identity {
        pid: None,
        cid: Some(SUT_CID),
        uid: Some(SUT_UID),
    };
    sut::Signer::new(sut::Variant::Hash, who, SUT_KEY).unwrap()
}

fn sut_req<'a>(date: &'a str, nonce: &'a str) -> sut::SignRequest<'a> {
    sut::SignRequest {
        method: "POST",
        target: SUT_TARGET,
        date,
        nonce,
    }
}

/// The exact bytes SHA-1 covers for one request: canonical string, CR LF, key.
fn sut_signed_bytes(s: &sut::Signer, date: &str) -> Vec<u8> {
    let canonical = s.sign(&sut_req(date, SUT_NONCE)).unwrap().canonical;
    let mut bytes = canonical.as_bytes().to_vec();
    bytes.extend_from_slice(b"\r\n");
    bytes.extend_from_slice(SUT_KEY.as_bytes());
    bytes
}

type SutVerifier = sut::Verifier<Arc<FixedClock>, ShardedNonceStore>;

/// A Sign-Up.to Hash verifier seeing [`SUT_RATE`] requests per second, its replay store
/// already holding 905 s of that traffic (as [`Traffic`] for HMAC-SHA256).
struct SutTraffic {
    v: SutVerifier,
    clock: Arc<FixedClock>,
    n: Cell<u64>,
}

impl SutTraffic {
    fn new() -> Self {
        let clock = Arc::new(FixedClock::from_secs(TS));
        let mut keys = sut::KeyDirectory::new();
        keys.insert(
            SUT_CID,
            sut::ApiKey::new(sut::Variant::Hash, SUT_KEY).unwrap(),
        );
        let store = ShardedNonceStore::new(4_000_000).with_scope_quota(usize::MAX);
        let v = sut::Verifier::new(sut::Variant::Hash, keys, clock.clone(), store);
        let t = Self {
            v,
            clock,
            n: Cell::new(0),
        };
        let scope = SutVerifier::replay_scope(sut::Variant::Hash, SUT_CID);
        for _ in 0..SUT_RATE * 905 {
            let now = t.tick();
            let nonce = format!("fill-{}", t.n.get());
            t.v.store().insert(&scope, &nonce, now, now + 900).unwrap();
        }
        t
    }

    fn tick(&self) -> i64 {
        let n = self.n.get() + 1;
        self.n.set(n);
        if n.is_multiple_of(SUT_RATE) {
            self.clock.advance_secs(1);
        }
        self.clock.now_secs()
    }

    /// The next request, dated now with a fresh nonce.
    fn request(&self, s: &sut::Signer, body: &[u8]) -> Request {
        let date = format_http_date(self.tick());
        let nonce = format!("bench-{}", self.n.get());
        let signed = s.sign(&sut_req(&date, &nonce)).unwrap();
        let mut req = Request::new("POST", SUT_TARGET).body(body.to_vec());
        for (k, val) in signed.headers {
            req.headers.append(k, val);
        }
        req
    }

    fn live(&self) -> usize {
        self.v.store().len()
    }
}

fn bench_signupto(c: &mut Criterion) {
    let mut g = c.benchmark_group("signupto-hash");
    let s = sut_signer();
    let date = format_http_date(TS);
    let bytes = sut_signed_bytes(&s, &date);
    g.bench_function("raw-sha1", |b| b.iter(|| sha1(black_box(&bytes))));
    let mut map = HeaderMap::new();
    g.bench_function("sign-into", |b| {
        b.iter(|| {
            s.sign_into(black_box(&sut_req(&date, SUT_NONCE)), &mut map)
                .unwrap()
        })
    });
    for (size, label) in SUT_SIZES {
        let body = body(size);
        let t = SutTraffic::new();
        g.bench_with_input(
            BenchmarkId::new("verify-100k-live", label),
            &body,
            |b, body| {
                b.iter_batched_ref(
                    || t.request(&s, body),
                    |req| t.v.verify(black_box(req)).unwrap(),
                    BatchSize::NumIterations(64),
                )
            },
        );
        println!("  (replay store at the end: {} live nonces)", t.live());
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

/// Nanoseconds per call of `f`, over `n` calls timed together.
fn per_call(f: &mut impl FnMut(), n: u32) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed().as_nanos() as f64 / f64::from(n)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Two measurements taken in alternation, `rounds` times (one sample of each per round),
/// so that both see the same load on a shared machine: the median of each (ns per call)
/// and the median of the per-round ratios `b / a`, the figure the targets are read on.
fn paired(
    rounds: usize,
    mut a: impl FnMut() -> f64,
    mut b: impl FnMut() -> f64,
) -> (f64, f64, f64) {
    let (mut xa, mut xb, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let (ta, tb) = (a(), b());
        xa.push(ta);
        xb.push(tb);
        ratio.push(tb / ta);
    }
    (median(xa), median(xb), median(ratio))
}

/// Calls per sample when timing a function alone.
const CALLS: u32 = 256;
/// Rounds of paired samples.
const ROUNDS: usize = 201;

/// Nanoseconds per verify with a fresh nonce for one batch (the requests are signed
/// before the batch, outside the timing).
fn verify_batch_ns(t: &Traffic, s: &Signer, body: &[u8]) -> f64 {
    let reqs: Vec<Request> = (0..batch(body.len())).map(|_| t.request(s, body)).collect();
    let start = Instant::now();
    for r in &reqs {
        black_box(t.v.verify(black_box(r), None).unwrap());
    }
    start.elapsed().as_nanos() as f64 / reqs.len() as f64
}

/// As [`verify_batch_ns`], for Sign-Up.to Hash.
fn sut_verify_batch_ns(t: &SutTraffic, s: &sut::Signer, body: &[u8]) -> f64 {
    let reqs: Vec<Request> = (0..64).map(|_| t.request(s, body)).collect();
    let start = Instant::now();
    for r in &reqs {
        black_box(t.v.verify(black_box(r)).unwrap());
    }
    start.elapsed().as_nanos() as f64 / reqs.len() as f64
}

/// One measured ratio against its target: a line of the targets table.
struct Target {
    what: String,
    ratio: f64,
    limit: f64,
}

impl Target {
    fn line(&self) -> String {
        let verdict = if self.ratio <= self.limit {
            "met".to_owned()
        } else {
            format!(
                "MISSED by {:.2}x ({:.0}% over)",
                self.ratio - self.limit,
                (self.ratio / self.limit - 1.0) * 100.0
            )
        };
        format!(
            "  {:<34} {:>6.2}x  target <= {:.1}x  {verdict}",
            self.what, self.ratio, self.limit
        )
    }
}

/// The targets: sign <= 1.5x raw at 0 B and <= 1.2x at 1 KiB, verify <= 1.5x at 1 KiB.
fn targets_of(scheme: &str, label: &str, sign: f64, verify: f64) -> Vec<Target> {
    let sign_limit = match label {
        "0B" => 1.5,
        "1KiB" => 1.2,
        _ => return Vec::new(),
    };
    let mut out = vec![Target {
        what: format!("{scheme} sign/raw at {label}"),
        ratio: sign,
        limit: sign_limit,
    }];
    if label == "1KiB" {
        out.push(Target {
            what: format!("{scheme} verify/raw at {label}"),
            ratio: verify,
            limit: 1.5,
        });
    }
    out
}

/// Where sign_into's time goes beyond the raw MAC (0 B body), each part timed in
/// alternation with the raw MAC: the MAC fed piece by piece (what the signer does), the
/// header values built, and their inserts into a reused map; the rest (method/target/nonce checks,
/// timestamp digits, Base64) is what remains.
fn hmac_breakdown(nonce: &str) {
    let s = signer();
    let signed = s.sign(&sign_req(nonce, b"")).unwrap();
    let sts = signed.string_to_sign;
    let ts = TS.to_string();
    let parts = Parts {
        method: "POST",
        path: TARGET,
        timestamp: &ts,
        nonce,
        body: b"",
    };
    let auth = signed.headers[3].1.clone();
    let api_key = HeaderValue::from_static(KEY);
    let mut raw = || {
        black_box(hmac_sha256(SECRET.as_bytes(), black_box(sts.as_bytes())));
    };
    let mut pieces = || {
        black_box(mac(black_box(&parts), SECRET.as_bytes()));
    };
    let mut values = || {
        black_box(HeaderValue::from_str(black_box(&ts)).unwrap());
        black_box(HeaderValue::from_str(black_box(nonce)).unwrap());
        black_box(HeaderValue::from_str(black_box(&auth)).unwrap());
    };
    let (tv, nv, av) = (
        HeaderValue::from_str(&ts).unwrap(),
        HeaderValue::from_str(nonce).unwrap(),
        HeaderValue::from_str(&auth).unwrap(),
    );
    let mut map = HeaderMap::new();
    let mut inserts = || {
        map.insert(X_API_KEY, api_key.clone());
        map.insert(X_TIMESTAMP, tv.clone());
        map.insert(X_NONCE, nv.clone());
        map.insert(http::header::AUTHORIZATION, av.clone());
    };
    let mut map2 = HeaderMap::new();
    let mut sign = || {
        black_box(
            s.sign_into(black_box(&sign_req(nonce, b"")), &mut map2)
                .unwrap(),
        );
    };
    let (raw_ns, pieces_ns, _) = paired(
        ROUNDS,
        || per_call(&mut raw, CALLS),
        || per_call(&mut pieces, CALLS),
    );
    let (_, values_ns, _) = paired(
        ROUNDS,
        || per_call(&mut raw, CALLS),
        || per_call(&mut values, CALLS),
    );
    let (_, inserts_ns, _) = paired(
        ROUNDS,
        || per_call(&mut raw, CALLS),
        || per_call(&mut inserts, CALLS),
    );
    let (_, sign_ns, _) = paired(
        ROUNDS,
        || per_call(&mut raw, CALLS),
        || per_call(&mut sign, CALLS),
    );
    println!(
        "hmac-sha256 sign_into at 0 B, where the time goes: raw MAC {raw_ns:.0} ns; MAC fed \
         its 9 pieces {pieces_ns:.0} ns ({:+.0}); 3 header values built (one allocation \
         each) {values_ns:.0} ns; 4 HeaderMap inserts replacing earlier values \
         {inserts_ns:.0} ns; the rest (checks, timestamp digits, Base64) {:.0} ns; \
         sign_into {sign_ns:.0} ns",
        pieces_ns - raw_ns,
        sign_ns - pieces_ns - values_ns - inserts_ns,
    );
}

/// As [`hmac_breakdown`] for Sign-Up.to Hash sign_into, and the parts of verify that
/// are not hashing: the `Date` parse and the replay-store insert.
fn sut_breakdown(s: &sut::Signer, date: &str) {
    let bytes = sut_signed_bytes(s, date);
    let parts = sut::Parts {
        method: "POST",
        path: SUT_TARGET,
        date,
        pid: None,
        cid: Some("7654321"),
        uid: Some("23456789"),
        nonce: SUT_NONCE,
    };
    let auth = format!(
        "SuTHash signature=\"{}\"",
        s.sign(&sut_req(date, SUT_NONCE)).unwrap().signature
    );
    let (cid, uid) = (
        HeaderValue::from_static("7654321"),
        HeaderValue::from_static("23456789"),
    );
    let mut raw = || {
        black_box(sha1(black_box(&bytes)));
    };
    let mut pieces = || {
        black_box(sut::digest_parts(
            sut::Variant::Hash,
            black_box(&parts),
            SUT_KEY.as_bytes(),
        ));
    };
    let mut date_parse = || {
        black_box(parse_http_date(black_box(date)));
    };
    let mut values = || {
        black_box(HeaderValue::from_str(black_box(date)).unwrap());
        black_box(HeaderValue::from_str(black_box(SUT_NONCE)).unwrap());
        black_box(HeaderValue::from_str(black_box(&auth)).unwrap());
    };
    let (dv, nv, av) = (
        HeaderValue::from_str(date).unwrap(),
        HeaderValue::from_str(SUT_NONCE).unwrap(),
        HeaderValue::from_str(&auth).unwrap(),
    );
    let mut map = HeaderMap::new();
    let mut inserts = || {
        map.insert(http::header::DATE, dv.clone());
        map.remove(X_SUT_PID);
        map.insert(X_SUT_CID, cid.clone());
        map.insert(X_SUT_UID, uid.clone());
        map.insert(X_SUT_NONCE, nv.clone());
        map.insert(http::header::AUTHORIZATION, av.clone());
    };
    let store = ShardedNonceStore::new(4_000_000).with_scope_quota(usize::MAX);
    let mut k = 0u64;
    let mut now = TS;
    let mut insert = || {
        k += 1;
        if k.is_multiple_of(SUT_RATE) {
            now += 1;
        }
        let nonce = format!("{k:040}");
        black_box(store.insert("cid:7654321", &nonce, now, now + 900).unwrap());
    };
    for _ in 0..SUT_RATE * 905 {
        insert();
    }
    let mut j = 0u64;
    let mut format_only = || {
        j += 1;
        black_box(format!("{j:040}"));
    };
    let (raw_ns, pieces_ns, _) = paired(
        ROUNDS,
        || per_call(&mut raw, CALLS),
        || per_call(&mut pieces, CALLS),
    );
    let (_, date_ns, _) = paired(
        ROUNDS,
        || per_call(&mut raw, CALLS),
        || per_call(&mut date_parse, CALLS),
    );
    let (_, values_ns, _) = paired(
        ROUNDS,
        || per_call(&mut raw, CALLS),
        || per_call(&mut values, CALLS),
    );
    let (_, inserts_ns, _) = paired(
        ROUNDS,
        || per_call(&mut raw, CALLS),
        || per_call(&mut inserts, CALLS),
    );
    let (_, insert_ns, _) = paired(
        ROUNDS,
        || per_call(&mut raw, CALLS),
        || per_call(&mut insert, CALLS),
    );
    let (_, format_ns, _) = paired(
        ROUNDS,
        || per_call(&mut raw, CALLS),
        || per_call(&mut format_only, CALLS),
    );
    println!(
        "signupto-hash, where the time goes: raw SHA-1 {raw_ns:.0} ns; SHA-1 fed its 15 \
         pieces {pieces_ns:.0} ns ({:+.0}); Date parse {date_ns:.0} ns; 3 header values \
         built {values_ns:.0} ns; 5 HeaderMap inserts and 1 removal {inserts_ns:.0} ns; \
         replay-store insert at ~100k live {:.0} ns (sign_into = pieces + Date parse + \
         header values + inserts + checks; verify \
         also parses every header it reads and inserts the nonce)",
        pieces_ns - raw_ns,
        (insert_ns - format_ns).max(0.0),
    );
}

fn summary() {
    println!("\n== summary (self-timed, paired: each figure is sampled in alternation with");
    println!("   its raw primitive; ratios are medians of the per-round ratios) ==");
    println!("hmac-sha256: raw = HMAC-SHA256 over the string to sign; sign = sign_into;");
    println!("  owned = sign (Signed); vfy = verify at 100k live nonces, vfy1M at 1M");
    let traffic: Vec<Traffic> = RATES.iter().map(|&(rate, _)| Traffic::new(rate)).collect();
    println!(
        "{:<7} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9} {:>11} {:>10}",
        "body",
        "raw ns",
        "sign ns",
        "owned ns",
        "vfy ns",
        "vfy1M ns",
        "sign/raw",
        "owned/raw",
        "verify/raw",
        "vfy1M/raw"
    );
    let mut targets = Vec::new();
    let nonce = "550e8400-e29b-41d4-a716-446655440000";
    for (size, label) in SIZES {
        let body = body(size);
        let s = signer();
        let sts = s.sign(&sign_req(nonce, &body)).unwrap().string_to_sign;
        let mut raw = || {
            black_box(hmac_sha256(SECRET.as_bytes(), black_box(sts.as_bytes())));
        };
        let mut map = HeaderMap::new();
        let mut sign = || {
            black_box(
                s.sign_into(black_box(&sign_req(nonce, &body)), &mut map)
                    .unwrap(),
            );
        };
        let mut owned = || {
            black_box(s.sign(black_box(&sign_req(nonce, &body))).unwrap());
        };
        let calls = if size > 4096 { 8 } else { CALLS };
        let (raw_ns, sign_ns, sign_r) = paired(
            ROUNDS,
            || per_call(&mut raw, calls),
            || per_call(&mut sign, calls),
        );
        let (_, owned_ns, owned_r) = paired(
            ROUNDS,
            || per_call(&mut raw, calls),
            || per_call(&mut owned, calls),
        );
        let n = batch(size) as u32;
        let rounds = if size > 4096 { 60 } else { 300 };
        let (_, vfy_ns, vfy_r) = paired(
            rounds,
            || per_call(&mut raw, n),
            || verify_batch_ns(&traffic[0], &s, &body),
        );
        let (_, vfy1m_ns, vfy1m_r) = paired(
            rounds,
            || per_call(&mut raw, n),
            || verify_batch_ns(&traffic[1], &s, &body),
        );
        println!(
            "{:<7} {:>8.0} {:>8.0} {:>8.0} {:>8.0} {:>8.0} {:>8.2}x {:>8.2}x {:>10.2}x {:>9.2}x",
            label, raw_ns, sign_ns, owned_ns, vfy_ns, vfy1m_ns, sign_r, owned_r, vfy_r, vfy1m_r
        );
        targets.extend(targets_of("hmac-sha256", label, sign_r, vfy_r));
    }
    for (t, (rate, _)) in traffic.iter().zip(RATES) {
        println!(
            "verify store: {} live nonces at the end ({rate} requests per simulated second, nonces kept 120 s)",
            t.live()
        );
    }
    hmac_breakdown(nonce);

    println!("signupto-hash: raw = SHA-1 over canonical string, CR LF, key (the body is not");
    println!(
        "  signed: both sizes hash the same bytes); sign = sign_into; vfy = verify at 100k live"
    );
    println!(
        "{:<7} {:>8} {:>8} {:>8} {:>9} {:>11}",
        "body", "raw ns", "sign ns", "vfy ns", "sign/raw", "verify/raw"
    );
    let s = sut_signer();
    let t = SutTraffic::new();
    let date = format_http_date(TS);
    let bytes = sut_signed_bytes(&s, &date);
    let mut raw = || {
        black_box(sha1(black_box(&bytes)));
    };
    for (size, label) in SUT_SIZES {
        let body = body(size);
        let mut map = HeaderMap::new();
        let mut sign = || {
            black_box(
                s.sign_into(black_box(&sut_req(&date, SUT_NONCE)), &mut map)
                    .unwrap(),
            );
        };
        let (raw_ns, sign_ns, sign_r) = paired(
            ROUNDS,
            || per_call(&mut raw, CALLS),
            || per_call(&mut sign, CALLS),
        );
        let (_, vfy_ns, vfy_r) = paired(
            300,
            || per_call(&mut raw, 64),
            || sut_verify_batch_ns(&t, &s, &body),
        );
        println!(
            "{:<7} {:>8.0} {:>8.0} {:>8.0} {:>8.2}x {:>10.2}x",
            label, raw_ns, sign_ns, vfy_ns, sign_r, vfy_r
        );
        targets.extend(targets_of("signupto-hash", label, sign_r, vfy_r));
    }
    println!(
        "verify store: {} live nonces at the end ({SUT_RATE} requests per simulated second, nonces kept 900 s)",
        t.live()
    );
    sut_breakdown(&s, &date);

    let pool = Arc::new(nonces(1 << 20));
    let mut inserts_1 = 0.0;
    for threads in [1usize, 2] {
        let mut rates: Vec<f64> = (0..5)
            .map(|_| {
                let n = 1u64 << 20;
                n as f64 / timed_inserts(&pool, threads, n).as_secs_f64()
            })
            .collect();
        rates.sort_by(f64::total_cmp);
        if threads == 1 {
            inserts_1 = rates[2] / 1e6;
        }
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
    println!("targets:");
    for t in &targets {
        println!("{}", t.line());
    }
    println!(
        "  {:<34} {:>5.2}M  target >= 2 M/s  {}",
        "replay store inserts, 1 thread",
        inserts_1,
        if inserts_1 >= 2.0 { "met" } else { "MISSED" }
    );
}

fn main() {
    let mut c = config();
    bench_scheme(&mut c);
    bench_signupto(&mut c);
    bench_store(&mut c);
    c.final_summary();
    summary();
}
