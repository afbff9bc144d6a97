//! `check --shim` against shims that fight back: process trees that outlive their
//! parent, answers that never end, stderr floods. The runner must clean up after itself
//! and stay bounded in memory.

// Runs the `partner-auth` binary, built with the `cli` feature.
#![cfg(feature = "cli")]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_partner-auth");

/// The hello a shell-script shim answers with.
const HELLO: &str = r#"{"protocol":1,"implementation":"hostile","schemes":["primitives/sha1"]}"#;

/// Peak RSS the runner may reach while a shim floods it (the answer cap is 16 MiB).
const RSS_LIMIT_KIB: u64 = 200 * 1024;

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Writes `body` as a shell script that first answers the hello, and returns a `--shim`
/// command running it through a second shell, as users do (`sh -c '...'`).
fn script(dir: &Path, name: &str, body: &str) -> String {
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!("read hello\nprintf '%s\\n' '{HELLO}'\n{body}\n"),
    )
    .unwrap();
    format!("sh -c 'sh {}'", path.display())
}

fn check(shim: &str, extra: &[&str]) -> Output {
    Command::new(BIN)
        .args(["check", "--shim", shim, "--scheme", "primitives/sha1"])
        .args(["--format", "json"])
        .args(extra)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn cases(o: &Output) -> Vec<serde_json::Value> {
    let r: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)));
    r["schemes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["cases"].as_array().unwrap().clone())
        .collect()
}

/// Whether `pid` is a live process (a zombie waiting for its reaper counts as gone).
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => false,
        Ok(stat) => {
            let state = stat.rsplit_once(") ").map(|(_, rest)| &rest[..1]);
            !matches!(state, Some("Z" | "X"))
        }
    }
}

/// The pids the shims wrote, after giving the kernel a moment to finish killing them.
/// Any still alive are killed here (they are this test's own sleepers) and returned.
fn survivors(pid_file: &Path) -> (Vec<u32>, Vec<u32>) {
    let pids: Vec<u32> = std::fs::read_to_string(pid_file)
        .unwrap_or_default()
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    for _ in 0..100 {
        if !pids.iter().any(|&p| alive(p)) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let left: Vec<u32> = pids.iter().copied().filter(|&p| alive(p)).collect();
    for p in &left {
        let _ = Command::new("kill")
            .args(["-KILL", &p.to_string()])
            .status();
    }
    (pids, left)
}

#[test]
fn a_hanging_shim_started_through_a_shell_leaves_no_process_behind() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    // Every start leaves a background sleeper (a grandchild of the runner's own shell),
    // then hangs on its first case.
    let shim = script(
        dir.path(),
        "hang.sh",
        &format!(
            "sleep 300 </dev/null >/dev/null 2>&1 &\necho $! >> {}\nread case\nsleep 300",
            pids.display()
        ),
    );
    let o = check(&shim, &["--timeout", "0.5", "--max-restarts", "1"]);
    let (all, left) = survivors(&pids);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    // Started once, restarted once: two timeouts, then the cases left are not sent.
    assert_eq!(all.len(), 2, "{}", text(&o));
    assert!(left.is_empty(), "left running after the run: {left:?}");
    let timeouts = cases(&o)
        .iter()
        .filter(|c| c["actual"].as_str().unwrap_or("").contains("timeout"))
        .count();
    assert_eq!(timeouts, 2, "{}", text(&o));
}

#[test]
fn a_well_behaved_shim_leaves_no_background_process_behind_at_exit() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let path = dir.path().join("bg.sh");
    std::fs::write(
        &path,
        format!(
            "sleep 300 </dev/null >/dev/null 2>&1 &\necho $! >> {}\nexec {BIN} shim\n",
            pids.display()
        ),
    )
    .unwrap();
    let o = check(&format!("sh -c 'sh {}'", path.display()), &[]);
    let (all, left) = survivors(&pids);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(all.len(), 1, "{}", text(&o));
    assert!(left.is_empty(), "left running after the run: {left:?}");
}

/// Runs `check` with `shim`, sampling the runner's peak RSS; kills it (and fails) past
/// [`RSS_LIMIT_KIB`] or after about a minute.
fn check_bounded(shim: &str) -> (Output, u64) {
    let mut child = Command::new(BIN)
        .args(["check", "--shim", shim, "--scheme", "primitives/sha1"])
        .args(["--format", "json", "--max-restarts", "1", "--timeout", "30"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    for tick in 0.. {
        if let Some(hwm) = std::fs::read_to_string(&status).ok().and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        }) {
            peak = peak.max(hwm);
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if peak > RSS_LIMIT_KIB || tick > 6000 {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the runner reached {} MiB peak RSS after {} ms or more (limit {} MiB)",
                peak / 1024,
                tick * 10,
                RSS_LIMIT_KIB / 1024
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    (child.wait_with_output().unwrap(), peak)
}

#[test]
fn an_endless_answer_line_is_cut_at_the_cap_and_memory_stays_bounded() {
    let dir = tempfile::tempdir().unwrap();
    // Answers every case with bytes and no newline, forever.
    let shim = script(
        dir.path(),
        "endless.sh",
        "read case\ntr '\\0' x < /dev/zero",
    );
    let (o, peak) = check_bounded(&shim);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let cases = cases(&o);
    let too_long: Vec<&str> = cases
        .iter()
        .filter_map(|c| c["actual"].as_str())
        .filter(|a| a.contains("answer too long (more than 16777216 bytes)"))
        .collect();
    assert_eq!(too_long.len(), 2, "{}", text(&o));
    assert!(peak <= RSS_LIMIT_KIB, "{peak} KiB");
    eprintln!("peak RSS of the runner: {} MiB", peak / 1024);
}

#[test]
fn endless_short_answer_lines_do_not_pile_up_in_the_runner() {
    let dir = tempfile::tempdir().unwrap();
    // A flood of complete lines, none of them the answer asked for.
    let shim = script(
        dir.path(),
        "flood.sh",
        "read case\nyes '{\"id\":\"not-this-one\",\"output\":{}}'",
    );
    let (o, peak) = check_bounded(&shim);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out_of_order = cases(&o)
        .iter()
        .filter(|c| c["actual"].as_str().unwrap_or("").contains("out of order"))
        .count();
    assert_eq!(out_of_order, 2, "{}", text(&o));
    assert!(peak <= RSS_LIMIT_KIB, "{peak} KiB");
}

#[test]
fn a_stderr_flood_is_clipped_to_its_tail_in_the_report() {
    let dir = tempfile::tempdir().unwrap();
    // 8 MB on stderr without a line end, between two markers, then a crash.
    let shim = script(
        dir.path(),
        "stderr.sh",
        "read case\nprintf FIRST-MARK >&2\nhead -c 8000000 /dev/zero | tr '\\0' s >&2\n\
         printf LAST-MARK >&2\nexit 3",
    );
    let o = check(&shim, &["--max-restarts", "0"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let cases = cases(&o);
    let actual = cases[0]["actual"].as_str().unwrap();
    assert!(
        actual.contains("exited"),
        "{}",
        &actual[..actual.len().min(500)]
    );
    assert!(
        actual.ends_with("LAST-MARK"),
        "{}",
        &actual[actual.len().saturating_sub(200)..]
    );
    assert!(!actual.contains("FIRST-MARK"));
    assert!(
        actual.len() <= 64 * 1024 + 1024,
        "{} bytes of stderr in one report line",
        actual.len()
    );
    assert!(
        o.stdout.len() < 1024 * 1024,
        "{} bytes of report",
        o.stdout.len()
    );
}

#[test]
fn a_shim_that_never_reads_its_input_still_times_out() {
    // One case whose input is far larger than a pipe holds: writing it blocks until the
    // shim reads, and this shim never does.
    let dir = tempfile::tempdir().unwrap();
    let vectors = dir.path().join("vectors");
    std::fs::create_dir(&vectors).unwrap();
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/primitives/sha1.json");
    let mut file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(src).unwrap()).unwrap();
    file["cases"][0]["input"]["padding"] = "p".repeat(4 * 1024 * 1024).into();
    std::fs::write(vectors.join("sha1.json"), file.to_string()).unwrap();
    let shim = script(dir.path(), "deaf.sh", "sleep 60");
    let mut child = Command::new(BIN)
        .args(["check", "--shim", &shim, "--vectors"])
        .arg(&vectors)
        .args(["--format", "json", "--timeout", "1", "--max-restarts", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut finished = false;
    for _ in 0..3000 {
        if child.try_wait().unwrap().is_some() {
            finished = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    if !finished {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the run did not finish within 30 s with --timeout 1");
    }
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let first = &cases(&o)[0];
    assert!(
        first["actual"].as_str().unwrap().contains("timeout"),
        "{first}"
    );
}

#[test]
fn the_reference_shim_skips_an_overlong_request_line_in_bounded_memory() {
    let mut child = Command::new(BIN)
        .arg("shim")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // 160 MiB in one line, between two hellos.
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let hello = b"{\"op\":\"hello\",\"protocol\":1}\n";
        stdin.write_all(hello)?;
        let chunk = vec![b'x'; 1024 * 1024];
        for _ in 0..160 {
            stdin.write_all(&chunk)?;
        }
        stdin.write_all(b"\n")?;
        stdin.write_all(hello)
    });
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    for _ in 0..6000 {
        if let Some(hwm) = std::fs::read_to_string(&status).ok().and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        }) {
            peak = peak.max(hwm);
        }
        if writer.is_finished() || peak > 100 * 1024 {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    if peak > 100 * 1024 || !writer.is_finished() {
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "`shim` reached {} MiB peak RSS reading one line",
            peak / 1024
        );
    }
    writer.join().unwrap().unwrap();
    let o = child.wait_with_output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].contains("\"protocol\":1"), "{out}");
    assert!(
        lines[1].contains("BAD_REQUEST") && lines[1].contains("longer than 16777216 bytes"),
        "{out}"
    );
    assert!(lines[2].contains("\"protocol\":1"), "{out}");
    eprintln!("peak RSS of `shim`: {} MiB", peak / 1024);
}

#[test]
fn a_restarted_shim_that_fails_its_hello_is_not_asked_cases() {
    let dir = tempfile::tempdir().unwrap();
    let starts = dir.path().join("starts");
    // The first start answers the hello and crashes on its first case; every later start
    // answers the hello with a protocol it does not speak, then waits forever.
    let path = dir.path().join("flaky.sh");
    std::fs::write(
        &path,
        format!(
            "read hello\necho x >> {s}\nif [ \"$(wc -l < {s})\" -eq 1 ]; then\n\
             printf '%s\\n' '{HELLO}'\nread case\nexit 3\nfi\n\
             printf '%s\\n' '{{\"protocol\":2}}'\nsleep 60\n",
            s = starts.display()
        ),
    )
    .unwrap();
    let o = check(
        &format!("sh -c 'sh {}'", path.display()),
        &["--timeout", "3", "--max-restarts", "2"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let actual: Vec<String> = cases(&o)
        .iter()
        .map(|c| c["actual"].as_str().unwrap_or("").to_owned())
        .collect();
    assert!(actual[0].contains("exited"), "{actual:?}");
    assert!(actual[1].contains("hello handshake"), "{actual:?}");
    assert!(actual[2].contains("hello handshake"), "{actual:?}");
    assert!(actual[3].contains("not sent"), "{actual:?}");
}
