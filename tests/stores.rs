//! Replay stores under a hostile key, and freshness windows at their bounds: one key
//! filling its quota fails closed for itself only, an entry kept far into the future
//! never holds back the purge of expired ones, windows outside 1..=86400 s are refused
//! by the library and by `serve`, and a replay is refused at the largest window.

use partner_auth::encoding::format_http_date;
use partner_auth::replay::{DEFAULT_SCOPE_QUOTA, MAX_WINDOW_SECS};
use partner_auth::schemes::{hmac, signupto};
use partner_auth::{
    FixedClock, InMemoryNonceStore, Insert, NonceStore, Request, StoreFull, WindowOutOfRange,
};

const T0: i64 = 1_709_337_600;
const HMAC_KEY_A: &str = "pk_live_aaaaaaaaaaaa";
const HMAC_KEY_B: &str = "pk_live_bbbbbbbbbbbb";
const HMAC_SECRET: &str = "sk_live_9b1e7d3c5a0f4e8d2c6b1a7f3e9d5c0b";
const HASH_KEY: &str = "2b2d77e014a30792d5048e262e306783";
const HASH_WHO: signupto::Identity = signupto::Identity {
    pid: None,
    cid: Some(7654321),
    uid: Some(23456789),
};

fn hmac_keys() -> hmac::KeyDirectory {
    let mut keys = hmac::KeyDirectory::new();
    for k in [HMAC_KEY_A, HMAC_KEY_B] {
        keys.insert(k, hmac::KeyRecord::new(HMAC_SECRET).unwrap())
            .unwrap();
    }
    keys
}

fn hmac_request(api_key: &str, nonce: &str, ts: i64) -> Request {
    let signed = hmac::Signer::new(api_key, HMAC_SECRET)
        .unwrap()
        .sign(&hmac::SignRequest {
            method: "GET",
            target: "/x",
            timestamp: ts,
            nonce,
            body: b"",
        })
        .unwrap();
    let mut req = Request::new("GET", "/x");
    for (n, v) in &signed.headers {
        req.headers.append(*n, v.clone());
    }
    req
}

fn hash_request(nonce: &str, date_ts: i64) -> Request {
    let date = format_http_date(date_ts);
    let signed = signupto::Signer::new(signupto::Variant::Hash, HASH_WHO, HASH_KEY)
        .unwrap()
        .sign(&signupto::SignRequest {
            method: "GET",
            target: "/v1/list",
            date: &date,
            nonce,
        })
        .unwrap();
    let mut req = Request::new("GET", "/v1/list");
    for (n, v) in &signed.headers {
        req.headers.append(n.clone(), v.clone());
    }
    req
}

fn hash_keys() -> signupto::KeyDirectory {
    let mut keys = signupto::KeyDirectory::new();
    keys.insert(
        7654321,
        signupto::ApiKey::new(signupto::Variant::Hash, HASH_KEY).unwrap(),
    );
    keys
}

// ---- Item 5: fairness and purge order -------------------------------------------------

#[test]
fn one_hmac_key_filling_its_quota_does_not_lock_out_another() {
    let clock = FixedClock::from_secs(T0);
    let store = hmac::ShardedNonceStore::new(100).with_scope_quota(10);
    let v = hmac::Verifier::new(hmac_keys(), &clock, store);
    for i in 0..10 {
        v.verify(&hmac_request(HMAC_KEY_A, &format!("a-{i}"), T0), None)
            .unwrap();
    }
    // Key A is at its quota: it alone fails closed (503), key B goes on.
    let err = v
        .verify(&hmac_request(HMAC_KEY_A, "a-10", T0), None)
        .unwrap_err();
    assert_eq!(err, hmac::Error::ReplayStoreFull);
    assert_eq!(err.http_status(), 503);
    for i in 0..10 {
        assert_eq!(
            v.verify(&hmac_request(HMAC_KEY_B, &format!("b-{i}"), T0), None)
                .map(|ok| ok.api_key().to_owned()),
            Ok(HMAC_KEY_B.to_owned()),
            "key B, request {i}"
        );
    }
    // A's nonces are still remembered: a replay is a replay, not a store error.
    assert_eq!(
        v.verify(&hmac_request(HMAC_KEY_A, "a-3", T0), None)
            .unwrap_err()
            .code(),
        "GA2014"
    );
    // Once A's nonces leave the window (kept 2 × 60 s, rounded up to the bucket), A is
    // served again.
    clock.set_secs(T0 + 130);
    v.verify(&hmac_request(HMAC_KEY_A, "a-11", T0 + 130), None)
        .unwrap();
}

#[test]
fn with_the_default_quota_one_key_cannot_fill_a_default_shaped_store() {
    // A store slightly larger than the default quota: before the quota existed, key A
    // filled it all and key B was refused.
    let capacity = DEFAULT_SCOPE_QUOTA + 16;
    for store in [
        Box::new(hmac::ShardedNonceStore::new(capacity)) as Box<dyn NonceStore>,
        Box::new(InMemoryNonceStore::new(capacity)),
    ] {
        let mut refused = None;
        for i in 0..capacity {
            if let Err(e) = store.insert("A", &i.to_string(), T0, T0 + 120) {
                refused = Some((i, e));
                break;
            }
        }
        assert_eq!(
            refused,
            Some((
                DEFAULT_SCOPE_QUOTA,
                StoreFull::Scope {
                    quota: DEFAULT_SCOPE_QUOTA
                }
            ))
        );
        assert_eq!(store.insert("B", "0", T0, T0 + 120), Ok(Insert::Fresh));
    }
}

#[test]
fn one_signupto_key_filling_its_quota_does_not_lock_out_a_token() {
    // The sandbox shares one store shape across Hash and Token; scopes are `cid:…` and
    // `token:…`. Here two scopes share one store directly.
    let store = std::sync::Arc::new(InMemoryNonceStore::new(50).with_scope_quota(5));
    let clock = FixedClock::from_secs(T0);
    let v = signupto::Verifier::new(signupto::Variant::Hash, hash_keys(), &clock, store.clone());
    for i in 0..5 {
        v.verify(&hash_request(&format!("n{i}"), T0)).unwrap();
    }
    assert_eq!(
        v.verify(&hash_request("n5", T0)).unwrap_err().code(),
        "REPLAY_STORE_FULL"
    );
    assert_eq!(
        store.insert("token:other", "n5", T0, T0 + 900),
        Ok(Insert::Fresh)
    );
}

#[test]
fn an_entry_far_in_the_future_does_not_stop_expired_ones_being_purged() {
    let store = InMemoryNonceStore::new(3);
    assert_eq!(
        store.insert("k", "far", T0, T0 + 10 * 86_400),
        Ok(Insert::Fresh)
    );
    assert_eq!(store.insert("k", "a", T0, T0 + 10), Ok(Insert::Fresh));
    assert_eq!(store.insert("k", "b", T0, T0 + 10), Ok(Insert::Fresh));
    // Full, and a and b have expired: they go, though `far` was inserted before them.
    assert_eq!(store.insert("k", "c", T0 + 11, T0 + 21), Ok(Insert::Fresh));
    assert_eq!(store.insert("k", "d", T0 + 11, T0 + 21), Ok(Insert::Fresh));
    assert_eq!(store.len(), 3);
    // Nothing inside its window was forgotten.
    assert_eq!(
        store.insert("k", "far", T0 + 11, T0 + 21),
        Ok(Insert::Replayed)
    );
    assert_eq!(
        store.insert("k", "c", T0 + 12, T0 + 22),
        Ok(Insert::Replayed)
    );
}

// ---- Item 6: windows -------------------------------------------------------------------

const BAD_WINDOWS: [i64; 6] = [i64::MIN, -60, -1, 0, MAX_WINDOW_SECS + 1, i64::MAX];

#[test]
fn the_library_refuses_windows_outside_one_second_to_one_day() {
    let clock = FixedClock::from_secs(T0);
    for w in BAD_WINDOWS {
        let want = Err(WindowOutOfRange { value: w });
        let h = hmac::Verifier::new(hmac_keys(), &clock, hmac::ShardedNonceStore::new(10))
            .with_window_secs(w);
        assert_eq!(h.map(|_| ()), want, "hmac {w}");
        let s = signupto::Verifier::new(
            signupto::Variant::Hash,
            hash_keys(),
            &clock,
            InMemoryNonceStore::new(10),
        )
        .with_window_secs(w);
        assert_eq!(s.map(|_| ()), want, "signupto {w}");
        let t =
            signupto::TokenVerifier::new(&clock, InMemoryNonceStore::new(10)).with_window_secs(w);
        assert_eq!(t.map(|_| ()), want, "token {w}");
        let message = WindowOutOfRange { value: w }.to_string();
        assert!(
            message.contains("1 to 86400 seconds") && message.contains(&w.to_string()),
            "{message}"
        );
    }
    for w in [1, 60, 900, MAX_WINDOW_SECS] {
        assert!(
            hmac::Verifier::new(hmac_keys(), &clock, hmac::ShardedNonceStore::new(10))
                .with_window_secs(w)
                .is_ok()
        );
    }
}

#[test]
fn a_replay_is_refused_at_the_largest_window() {
    let w = MAX_WINDOW_SECS;
    // Stamped at the future edge, first seen at T0, replayed when the stamp is at the
    // past edge: the nonce must still be remembered.
    let clock = FixedClock::from_secs(T0);
    let h = hmac::Verifier::new(hmac_keys(), &clock, hmac::ShardedNonceStore::new(10))
        .with_window_secs(w)
        .unwrap();
    let req = hmac_request(HMAC_KEY_A, "edge", T0 + w);
    h.verify(&req, None).unwrap();
    for now in [T0, T0 + w, T0 + 2 * w] {
        clock.set_secs(now);
        assert_eq!(
            h.verify(&req, None).unwrap_err().code(),
            "GA2014",
            "at {now}"
        );
    }

    let clock = FixedClock::from_secs(T0);
    let s = signupto::Verifier::new(
        signupto::Variant::Hash,
        hash_keys(),
        &clock,
        InMemoryNonceStore::new(10),
    )
    .with_window_secs(w)
    .unwrap();
    let req = hash_request("edge", T0 + w);
    s.verify(&req).unwrap();
    for now in [T0, T0 + w, T0 + 2 * w] {
        clock.set_secs(now);
        assert_eq!(
            s.verify(&req).unwrap_err().code(),
            "NONCE_REPLAYED",
            "at {now}"
        );
    }
}

/// `serve`'s window bounds, through the binary.
#[cfg(feature = "cli")]
mod cli {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpStream;
    use std::process::{Child, Command, Stdio};
    use std::time::Duration;

    use partner_auth::replay::MAX_WINDOW_SECS;
    use partner_auth::{Clock, Request, SystemClock};

    use super::hash_request;

    fn bin() -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_partner-auth"));
        c.current_dir(env!("CARGO_MANIFEST_DIR"));
        c
    }

    /// Runs the binary, expecting it to exit by itself within 20 s (a `serve` that starts
    /// serving is killed and the test fails).
    fn run_briefly(args: &[&str]) -> std::process::Output {
        let mut child = bin()
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut waited = 0;
        while child.try_wait().unwrap().is_none() {
            waited += 1;
            if waited > 1000 {
                let _ = child.kill();
                let out = child.wait_with_output().unwrap();
                panic!(
                    "`partner-auth {}` did not exit: it accepted the value and served ({})",
                    args.join(" "),
                    String::from_utf8_lossy(&out.stdout)
                        .lines()
                        .next()
                        .unwrap_or("")
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        child.wait_with_output().unwrap()
    }

    #[test]
    fn serve_refuses_a_window_out_of_range_with_exit_2() {
        for w in ["9223372036854775807", "-60", "0", "86401"] {
            let out = run_briefly(&["serve", "--addr", "127.0.0.1:0", "--window", w]);
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "--window {w}: {err}");
            assert!(
                err.contains("--window") && err.contains("1..=86400"),
                "--window {w}: {err}"
            );
            assert!(out.stdout.is_empty(), "--window {w} must not start serving");
        }
        for flag in ["--replay-quota", "--replay-capacity"] {
            let out = run_briefly(&["serve", "--addr", "127.0.0.1:0", flag, "0"]);
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{flag} 0: {err}");
            assert!(err.contains(flag), "{flag} 0: {err}");
        }
    }

    /// A running sandbox, killed when dropped.
    struct Sandbox {
        child: Child,
        addr: String,
        _stdout: BufReader<std::process::ChildStdout>,
    }

    impl Sandbox {
        fn start(args: &[&str]) -> Self {
            let mut child = bin()
                .args(["serve", "--addr", "127.0.0.1:0"])
                .args(args)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let mut first = String::new();
            let mut stdout = BufReader::new(child.stdout.take().unwrap());
            stdout.read_line(&mut first).unwrap();
            let addr = first
                .trim()
                .strip_prefix("listening on http://")
                .unwrap_or_else(|| panic!("first line of serve: {first:?}"))
                .to_owned();
            // Kept open: serve goes on printing its banner, and stops on a closed stdout.
            Self {
                child,
                addr,
                _stdout: stdout,
            }
        }

        /// Sends `req` and returns the status and the error-code header.
        fn send(&self, req: &Request) -> (u16, String) {
            let mut s = TcpStream::connect(&self.addr).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let mut head = format!("{} {} HTTP/1.1\r\nHost: x\r\n", req.method, req.target);
            for (n, v) in req.headers.iter() {
                head.push_str(&format!("{n}: {v}\r\n"));
            }
            head.push_str("Content-Length: 0\r\nConnection: close\r\n\r\n");
            s.write_all(head.as_bytes()).unwrap();
            let mut answer = String::new();
            s.read_to_string(&mut answer).unwrap();
            let status = answer
                .get(9..12)
                .and_then(|c| c.parse().ok())
                .unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"));
            let code = answer
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("x-partner-auth-error:")
                        .map(|c| c.trim().to_uppercase())
                })
                .unwrap_or_default();
            (status, code)
        }
    }

    impl Drop for Sandbox {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    #[test]
    fn serve_refuses_a_replay_at_the_largest_window() {
        let sandbox = Sandbox::start(&["--window", &MAX_WINDOW_SECS.to_string()]);
        // Stamped nearly a day ahead: accepted once, then a replay.
        let req = hash_request(
            &format!("edge-{}", std::process::id()),
            SystemClock.now_secs() + MAX_WINDOW_SECS - 60,
        );
        assert_eq!(sandbox.send(&req), (200, String::new()));
        for _ in 0..2 {
            assert_eq!(sandbox.send(&req), (401, "NONCE_REPLAYED".to_owned()));
        }
    }
}
