//! Slow and stalled clients against the real `partner-auth serve`: hundreds of half-sent
//! requests must not starve a normal client, and each stalled phase (header, body, idle)
//! is closed after its timeout.

// Runs the `partner-auth` binary, built with the `cli` feature.
#![cfg(feature = "cli")]
#![allow(clippy::disallowed_methods)] // these tests measure how long the server takes

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Half a request: the request line and one header, no blank line.
const HALF: &[u8] = b"GET /v1/list HTTP/1.1\r\nHost: 127.0.0.1\r\n";
/// A whole request to a route that answers at once (401: no credentials).
const WHOLE: &[u8] = b"GET /v1/list HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";

/// A running sandbox, killed when dropped.
struct Sandbox {
    child: Child,
    addr: String,
}

impl Sandbox {
    /// `serve --addr 127.0.0.1:0 ARGS`, with at most `max_files` open file descriptors
    /// when given (set through the shell's `ulimit -n`).
    fn start(args: &[&str], max_files: Option<u32>) -> Self {
        let bin = env!("CARGO_BIN_EXE_partner-auth");
        let mut command = match max_files {
            Some(n) => {
                let mut c = Command::new("sh");
                c.arg("-c")
                    .arg(format!("ulimit -n {n} && exec \"$0\" \"$@\""))
                    .arg(bin);
                c
            }
            None => Command::new(bin),
        };
        let mut child = command
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start partner-auth serve");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let addr = match first.trim().strip_prefix("listening on http://") {
            Some(a) => a.to_owned(),
            None => {
                let mut err = String::new();
                let _ = stderr.read_to_string(&mut err);
                panic!("serve {args:?} did not start: {first:?} {err}");
            }
        };
        // Keep both pipes drained so the server never blocks on a full one.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        Self { child, addr }
    }

    fn connect(&self) -> TcpStream {
        TcpStream::connect(&self.addr).expect("connect to the sandbox")
    }

    /// `n` connections that each sent half a request and stall.
    fn stall(&self, n: usize) -> Vec<TcpStream> {
        (0..n)
            .map(|_| {
                let mut s = self.connect();
                s.write_all(HALF).unwrap();
                s
            })
            .collect()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends a whole request on a new connection; the status line and how long it took, or
/// a panic when no answer comes within `limit`.
fn answered_within(sandbox: &Sandbox, limit: Duration) -> (String, Duration) {
    let started = Instant::now();
    let mut s = sandbox.connect();
    s.set_read_timeout(Some(limit)).unwrap();
    s.write_all(WHOLE).unwrap();
    let mut line = String::new();
    let read = BufReader::new(&s).read_line(&mut line);
    let took = started.elapsed();
    assert!(
        read.is_ok() && line.starts_with("HTTP/1.1 "),
        "a normal request got no answer within {limit:?} (after {took:?}): {read:?} {line:?}"
    );
    assert!(
        took <= limit,
        "answered after {took:?}, more than {limit:?}"
    );
    (line.trim().to_owned(), took)
}

/// How long until the server closes `s` (EOF or reset), reading and discarding whatever
/// it sends; panics after `limit`.
fn closed_after(s: &mut TcpStream, started: Instant, limit: Duration) -> (Duration, Vec<u8>) {
    s.set_read_timeout(Some(limit)).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return (started.elapsed(), got),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return (started.elapsed(), got),
            Err(e) => panic!(
                "still open after {:?} ({e}); received {:?}",
                started.elapsed(),
                String::from_utf8_lossy(&got)
            ),
        }
    }
}

/// Whether the server has closed `s` (a read sees EOF or a reset within a moment).
fn is_closed(mut s: &TcpStream) -> bool {
    s.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
    let mut buf = [0u8; 1024];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

#[test]
#[cfg(unix)]
fn stalled_connections_past_the_file_limit_do_not_starve_a_normal_client() {
    // 300 stalled connections are more than the process may hold open (256 descriptors),
    // with the default flags.
    let sandbox = Sandbox::start(&[], Some(256));
    let _stalled = sandbox.stall(300);
    let (status, took) = answered_within(&sandbox, Duration::from_secs(1));
    assert!(status.starts_with("HTTP/1.1 401"), "{status}");
    eprintln!("answered in {took:?} with 300 stalled connections and 256 descriptors");
}

#[test]
fn stalled_connections_past_the_cap_do_not_starve_a_normal_client() {
    let sandbox = Sandbox::start(&["--max-connections", "50"], None);
    let stalled = sandbox.stall(300);
    let (status, took) = answered_within(&sandbox, Duration::from_secs(1));
    assert!(status.starts_with("HTTP/1.1 401"), "{status}");
    eprintln!("answered in {took:?} with 300 stalled connections and a cap of 50");
    // The cap holds: at most 50 connections are open, so the server closed the rest.
    let closed = stalled.iter().filter(|s| is_closed(s)).count();
    assert!(
        closed >= 300 - 50,
        "only {closed} of 300 stalled connections were closed with a cap of 50"
    );
}

#[test]
fn a_stalled_header_is_closed_after_the_header_timeout() {
    let sandbox = Sandbox::start(&["--header-timeout", "1", "--idle-timeout", "60"], None);
    let started = Instant::now();
    let mut s = sandbox.connect();
    s.write_all(HALF).unwrap();
    let (took, got) = closed_after(&mut s, started, Duration::from_secs(5));
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "closed after {took:?}, expected about 1 s"
    );
    assert!(got.is_empty(), "{:?}", String::from_utf8_lossy(&got));
}

#[test]
fn a_header_sent_a_byte_at_a_time_is_closed_after_the_header_timeout() {
    // Slowloris proper: every byte arrives in time, the header never completes.
    let sandbox = Sandbox::start(&["--header-timeout", "1", "--idle-timeout", "60"], None);
    let started = Instant::now();
    let mut s = sandbox.connect();
    let mut writer = s.try_clone().unwrap();
    std::thread::spawn(move || {
        for byte in HALF.iter().cycle() {
            if writer.write_all(&[*byte]).is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    let (took, _) = closed_after(&mut s, started, Duration::from_secs(5));
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "closed after {took:?}, expected about 1 s"
    );
}

#[test]
fn a_stalled_body_is_answered_408_after_the_body_timeout() {
    let sandbox = Sandbox::start(&["--body-timeout", "1"], None);
    let started = Instant::now();
    let mut s = sandbox.connect();
    s.write_all(
        b"POST /v1/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"username\"",
    )
    .unwrap();
    let (took, got) = closed_after(&mut s, started, Duration::from_secs(5));
    let answer = String::from_utf8_lossy(&got);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("x-partner-auth-error: body_timeout"),
        "{answer}"
    );
    assert!(answer.contains("--body-timeout"), "{answer}");
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "answered after {took:?}, expected about 1 s"
    );
}

#[test]
fn an_idle_connection_is_closed_after_the_idle_timeout() {
    let sandbox = Sandbox::start(&["--idle-timeout", "1", "--header-timeout", "60"], None);
    // Opened and never used.
    let started = Instant::now();
    let mut silent = sandbox.connect();
    let (took, _) = closed_after(&mut silent, started, Duration::from_secs(5));
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "silent connection closed after {took:?}, expected about 1 s"
    );
    // Kept alive after an answer.
    let mut s = sandbox.connect();
    s.write_all(b"GET /v1/list HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .expect("a content-length")
        .trim()
        .parse()
        .unwrap();
    let mut body = vec![0u8; length];
    s.read_exact(&mut body).unwrap();
    let answered = Instant::now();
    let (took, rest) = closed_after(&mut s, answered, Duration::from_secs(5));
    assert!(rest.is_empty());
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "kept-alive connection closed {took:?} after its answer, expected about 1 s"
    );
}

#[test]
#[cfg(unix)]
fn sigterm_with_stalled_connections_still_stops_promptly() {
    let mut sandbox = Sandbox::start(&[], None);
    let _stalled = sandbox.stall(50);
    // Let the server accept them before it is told to stop.
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    let pid = sandbox.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let code = loop {
        if let Some(status) = sandbox.child.try_wait().unwrap() {
            break status.code();
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "still running 5 s after SIGTERM with stalled connections"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(code, Some(0));
}
