//! The shim protocol (examples/shims/PROTOCOL.md), both sides: [`serve`] answers it for
//! an [`Implementation`] (the reference, in `partner-auth shim`), and [`ShimProcess`]
//! drives another program through it as an [`Implementation`] the runner can grade.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use serde_json::{Value, json};

use crate::vectors::{Answer, Case, Implementation};

/// The protocol version this crate speaks.
pub const PROTOCOL: u64 = 1;

/// Turns an answer into its protocol line (without the newline).
pub fn answer_line(id: &str, answer: &Answer) -> String {
    let v = match answer {
        Answer::Output(out) => json!({ "id": id, "output": out }),
        Answer::Error { code, message } => {
            json!({ "id": id, "error": { "code": code, "message": message } })
        }
        Answer::Unsupported(reason) => json!({ "id": id, "unsupported": reason }),
        Answer::BadInput { field, message } => json!({
            "id": id,
            "error": { "code": "BAD_INPUT", "message": format!("input field `{field}`: {message}") },
        }),
        Answer::Broken(reason) => {
            json!({ "id": id, "error": { "code": "BROKEN", "message": reason } })
        }
    };
    v.to_string()
}

/// The longest request line [`serve`] reads, in bytes, line end excluded: 16 MiB. A
/// longer line is skipped unread and answered with a `BAD_REQUEST` error.
pub const MAX_REQUEST_BYTES: usize = 16 * 1024 * 1024;

/// Answers the protocol on `input`/`output` for `imp`, which implements `schemes`, until
/// `input` ends. Lines that are not requests (too long, not UTF-8, not JSON) get an
/// `error` answer; nothing panics.
pub fn serve(
    mut input: impl BufRead,
    mut output: impl Write,
    name: &str,
    schemes: &[&str],
    mut answer: impl FnMut(&str, &str, &Value) -> Answer,
) -> std::io::Result<()> {
    let refuse = |message: String| {
        answer_line(
            "",
            &Answer::Error {
                code: "BAD_REQUEST".into(),
                message,
            },
        )
    };
    while let Some(read) = read_answer(&mut input, MAX_REQUEST_BYTES) {
        let line = match read {
            Read1::Line(line) => line,
            Read1::TooLong => {
                skip_line(&mut input)?;
                writeln!(
                    output,
                    "{}",
                    refuse(format!(
                        "the line is longer than {MAX_REQUEST_BYTES} bytes; it was skipped"
                    ))
                )?;
                output.flush()?;
                continue;
            }
            Read1::Failed(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                writeln!(output, "{}", refuse("the line is not UTF-8".into()))?;
                output.flush()?;
                continue;
            }
            Read1::Failed(e) => return Err(e),
        };
        if line.trim().is_empty() {
            continue;
        }
        let reply = match serde_json::from_str::<Value>(&line) {
            Ok(Value::Object(req)) if req.get("op").and_then(Value::as_str) == Some("hello") => {
                json!({ "protocol": PROTOCOL, "implementation": name, "schemes": schemes })
                    .to_string()
            }
            Ok(Value::Object(req)) => {
                let id = req.get("id").and_then(Value::as_str).unwrap_or("");
                match (
                    req.get("scheme").and_then(Value::as_str),
                    req.get("op").and_then(Value::as_str),
                    req.get("input"),
                ) {
                    (Some(scheme), Some(op), Some(input)) => {
                        answer_line(id, &answer(scheme, op, input))
                    }
                    _ => answer_line(
                        id,
                        &Answer::Error {
                            code: "BAD_REQUEST".into(),
                            message: "a case line needs `id`, `scheme`, `op` and `input`".into(),
                        },
                    ),
                }
            }
            _ => answer_line(
                "",
                &Answer::Error {
                    code: "BAD_REQUEST".into(),
                    message: "each line must be a JSON object".into(),
                },
            ),
        };
        writeln!(output, "{reply}")?;
        output.flush()?;
    }
    Ok(())
}

/// Why a shim could not be used at all.
#[derive(Debug, thiserror::Error)]
pub enum ShimError {
    /// The command could not be started.
    #[error("cannot start the shim `{command}`: {source}")]
    Spawn {
        /// The command line.
        command: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The hello exchange failed.
    #[error("the shim `{command}` did not complete the hello handshake: {reason}")]
    Handshake {
        /// The command line.
        command: String,
        /// What went wrong.
        reason: String,
    },
}

/// The longest answer line (hello included) the runner reads from a shim, in bytes, line
/// end excluded: 16 MiB. Past it the case is `Broken: answer too long` and the shim is
/// restarted; the runner never holds more than about twice this per shim.
pub const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

/// How much of a shim's stderr the runner keeps for its reports: the last 64 KiB. Older
/// output is dropped as it arrives, however much the shim writes.
pub const STDERR_TAIL_BYTES: usize = 64 * 1024;

/// How many lines of the kept stderr a report quotes.
const STDERR_TAIL_LINES: usize = 8;

/// Memory bounds of the runner side, per shim.
#[derive(Clone, Debug)]
pub struct ShimLimits {
    /// The longest answer line, in bytes ([`MAX_ANSWER_BYTES`]).
    pub max_answer_bytes: usize,
    /// How many bytes of the shim's stderr are kept for reports ([`STDERR_TAIL_BYTES`]).
    pub stderr_tail_bytes: usize,
}

impl Default for ShimLimits {
    fn default() -> Self {
        Self {
            max_answer_bytes: MAX_ANSWER_BYTES,
            stderr_tail_bytes: STDERR_TAIL_BYTES,
        }
    }
}

/// Options for driving a shim.
#[derive(Clone, Debug)]
pub struct ShimOptions {
    /// How long one case may take.
    pub timeout: Duration,
    /// How many times the shim is restarted before the remaining cases are failed unsent.
    pub max_restarts: usize,
}

impl Default for ShimOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            max_restarts: 20,
        }
    }
}

/// What the stdout reader hands over: one answer line, or why there is none.
enum Read1 {
    Line(String),
    TooLong,
    Failed(std::io::Error),
}

struct Running {
    child: Child,
    /// Lines for the shim's stdin, written by a thread of their own: a shim that does not
    /// read blocks that thread, never the runner, and the case times out.
    input: Sender<String>,
    lines: Receiver<Read1>,
    /// Set once the shim was ended: its exit status if it exited by itself.
    ended: Option<Option<std::process::ExitStatus>>,
}

/// The kept end of a shim's stderr, and whether the shim closed it.
#[derive(Default)]
struct StderrTail {
    bytes: VecDeque<u8>,
    dropped: bool,
    closed: bool,
}

/// Another implementation, driven through the shim protocol as a child process.
pub struct ShimProcess {
    command: String,
    options: ShimOptions,
    running: Option<Running>,
    implementation: String,
    schemes: Vec<String>,
    restarts: usize,
    limits: ShimLimits,
    stderr_tail: Arc<Mutex<StderrTail>>,
}

impl std::fmt::Debug for ShimProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShimProcess")
            .field("command", &self.command)
            .field("implementation", &self.implementation)
            .field("schemes", &self.schemes)
            .field("restarts", &self.restarts)
            .finish_non_exhaustive()
    }
}

impl ShimProcess {
    /// Starts `command` (run by `sh -c`) and completes the hello handshake.
    ///
    /// The shim runs in a process group of its own, and the whole group is killed
    /// whenever the runner is done with it (a timeout, a restart, the end of the run), so
    /// nothing a shell-started shim spawned outlives the run.
    pub fn start(command: &str, options: ShimOptions) -> Result<Self, ShimError> {
        Self::start_with_limits(command, options, ShimLimits::default())
    }

    /// [`ShimProcess::start`] with other memory bounds.
    pub fn start_with_limits(
        command: &str,
        options: ShimOptions,
        limits: ShimLimits,
    ) -> Result<Self, ShimError> {
        let mut shim = Self {
            command: command.to_owned(),
            options,
            running: None,
            implementation: String::new(),
            schemes: Vec::new(),
            restarts: 0,
            limits,
            stderr_tail: Arc::new(Mutex::new(StderrTail::default())),
        };
        let (implementation, schemes) = shim.spawn()?;
        shim.implementation = implementation;
        shim.schemes = schemes;
        Ok(shim)
    }

    /// The schemes the shim said it implements.
    pub fn schemes(&self) -> &[String] {
        &self.schemes
    }

    /// How many times the shim was restarted.
    pub fn restarts(&self) -> usize {
        self.restarts
    }

    fn handshake_error(&self, reason: impl Into<String>) -> ShimError {
        ShimError::Handshake {
            command: self.command.clone(),
            reason: reason.into(),
        }
    }

    fn spawn(&mut self) -> Result<(String, Vec<String>), ShimError> {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(&self.command)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command.spawn().map_err(|source| ShimError::Spawn {
            command: self.command.clone(),
            source,
        })?;
        let mut stdin = child.stdin.take().expect("piped");
        let stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");
        // One answer waits in the channel at most: a shim that floods lines is held back
        // by its pipe, not buffered by the runner.
        let (tx, rx) = sync_channel(1);
        let max = self.limits.max_answer_bytes;
        thread::spawn(move || {
            let mut stdout = BufReader::new(stdout);
            while let Some(read) = read_answer(&mut stdout, max) {
                let end = !matches!(read, Read1::Line(_));
                if tx.send(read).is_err() || end {
                    break;
                }
            }
        });
        let (input, to_write) = channel::<String>();
        thread::spawn(move || {
            for line in to_write {
                if writeln!(stdin, "{line}")
                    .and_then(|()| stdin.flush())
                    .is_err()
                {
                    break;
                }
            }
        });
        let tail = Arc::clone(&self.stderr_tail);
        let keep = self.limits.stderr_tail_bytes;
        thread::spawn(move || keep_tail(stderr, &tail, keep));
        self.running = Some(Running {
            child,
            input,
            lines: rx,
            ended: None,
        });
        let hello = self.exchange(&json!({ "op": "hello", "protocol": PROTOCOL }).to_string());
        let line = match hello {
            Ok(line) => line,
            Err(reason) => {
                self.stop();
                return Err(self.handshake_error(reason));
            }
        };
        let parsed: Value = serde_json::from_str(&line).map_err(|_| {
            self.handshake_error(format!("the answer is not JSON: {}", clip(&line)))
        })?;
        if parsed.get("protocol").and_then(Value::as_u64) != Some(PROTOCOL) {
            return Err(self.handshake_error(format!(
                "expected \"protocol\": {PROTOCOL}, got: {}",
                clip(&line)
            )));
        }
        let name = parsed
            .get("implementation")
            .and_then(Value::as_str)
            .unwrap_or("(unnamed shim)")
            .to_owned();
        let schemes = parsed
            .get("schemes")
            .and_then(Value::as_array)
            .ok_or_else(|| self.handshake_error("the hello answer has no `schemes` array"))?
            .iter()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect();
        Ok((name, schemes))
    }

    /// Sends one line and waits for one line back.
    fn exchange(&mut self, line: &str) -> Result<String, String> {
        let timeout = self.options.timeout;
        let Some(run) = self.running.as_mut() else {
            return Err("the shim is not running".into());
        };
        if run.input.send(line.to_owned()).is_err() {
            return Err(self.exit_report("the shim closed its input"));
        }
        match run.lines.recv_timeout(timeout) {
            Ok(Read1::Line(answer)) => Ok(answer),
            Ok(Read1::TooLong) => Err(format!(
                "answer too long (more than {} bytes)",
                self.limits.max_answer_bytes
            )),
            Ok(Read1::Failed(e)) => Err(format!("reading the shim's output failed: {e}")),
            Err(RecvTimeoutError::Timeout) => Err(format!(
                "timeout: no answer within {} s",
                timeout.as_secs_f64()
            )),
            Err(RecvTimeoutError::Disconnected) => Err(self.exit_report("the shim exited")),
        }
    }

    fn exit_report(&mut self, what: &str) -> String {
        // Every caller fails the case and stops the shim next, so ending it here loses
        // nothing and gets its exit status.
        let status = self
            .running
            .as_mut()
            .and_then(|r| r.end(Duration::from_millis(500)));
        // Let the stderr reader catch up with what the shim wrote before it went.
        for _ in 0..100 {
            if self.stderr_tail.lock().map_or(true, |t| t.closed) {
                break;
            }
            thread::sleep(Duration::from_millis(5));
        }
        let tail = self
            .stderr_tail
            .lock()
            .map(|t| quote_tail(&t))
            .unwrap_or_default();
        let mut msg = match status {
            Some(s) => format!("{what} ({s})"),
            None => what.to_owned(),
        };
        if !tail.is_empty() {
            msg.push_str("; its stderr ended with: ");
            msg.push_str(&tail);
        }
        msg
    }

    fn stop(&mut self) {
        if let Some(mut run) = self.running.take() {
            run.end(Duration::ZERO);
        }
    }

    fn restart(&mut self) -> Result<(), String> {
        self.stop();
        if self.restarts >= self.options.max_restarts {
            return Err(format!(
                "not sent: the shim was already restarted {} times (--max-restarts)",
                self.restarts
            ));
        }
        self.restarts += 1;
        // The old shim's stderr reader may still hold the old tail: give the new one its own.
        self.stderr_tail = Arc::new(Mutex::new(StderrTail::default()));
        self.spawn().map(|_| ()).map_err(|e| {
            // A shim that failed its hello is not used, and not left running either.
            self.stop();
            e.to_string()
        })
    }
}

impl Drop for ShimProcess {
    fn drop(&mut self) {
        if let Some(mut run) = self.running.take() {
            // End of input: a well-behaved shim exits by itself; what is left of its group
            // is killed either way (a shell's background jobs outlive the shell).
            let (tx, _) = channel();
            drop(std::mem::replace(&mut run.input, tx));
            run.end(Duration::from_millis(200));
        }
    }
}

impl Running {
    /// Gives the shim up to `patience` to exit by itself, then kills its whole process
    /// group and reaps it. Returns the exit status if it exited by itself. Idempotent.
    ///
    /// The group is killed before the child is reaped (on Linux the wait below does not
    /// reap), so its id cannot have been handed to another process in between.
    fn end(&mut self, patience: Duration) -> Option<std::process::ExitStatus> {
        if let Some(done) = self.ended {
            return done;
        }
        let step = Duration::from_millis(10);
        let mut waited = Duration::ZERO;
        let mut exited = has_exited(&mut self.child);
        while !exited && waited < patience {
            thread::sleep(step);
            waited += step;
            exited = has_exited(&mut self.child);
        }
        kill_group(&mut self.child);
        let status = self.child.wait().ok();
        let by_itself = if exited { status } else { None };
        self.ended = Some(by_itself);
        by_itself
    }
}

/// Whether the child has exited, without reaping it where the OS allows.
fn has_exited(child: &mut Child) -> bool {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{Pid, WaitId, WaitIdOptions, waitid};
        let options = WaitIdOptions::EXITED | WaitIdOptions::NOHANG | WaitIdOptions::NOWAIT;
        matches!(
            waitid(WaitId::Pid(Pid::from_child(child)), options),
            Ok(Some(_))
        )
    }
    #[cfg(not(target_os = "linux"))]
    {
        matches!(child.try_wait(), Ok(Some(_)))
    }
}

/// Kills a child that leads its own process group (started with
/// `CommandExt::process_group(0)`, as shims are) together with everything in the group,
/// or only the child where there are no process groups. `partner-auth matrix` stops
/// set-up commands this way too.
pub fn kill_group(child: &mut Child) {
    #[cfg(unix)]
    {
        let pgid = rustix::process::Pid::from_child(child);
        // ESRCH (nothing left in the group) is the normal case after a clean exit.
        let _ = rustix::process::kill_process_group(pgid, rustix::process::Signal::KILL);
    }
    let _ = child.kill();
}

/// Reads one answer line of at most `max` bytes (line end excluded). `None` at the end
/// of the stream; [`Read1::TooLong`] as soon as `max` is passed, without reading on.
fn read_answer(reader: &mut impl BufRead, max: usize) -> Option<Read1> {
    let mut line = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    match reader.by_ref().take(limit).read_until(b'\n', &mut line) {
        Err(e) => return Some(Read1::Failed(e)),
        Ok(0) => return None,
        Ok(_) => {}
    }
    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
    } else if line.len() > max {
        return Some(Read1::TooLong);
    }
    Some(match String::from_utf8(line) {
        Ok(s) => Read1::Line(s),
        Err(_) => Read1::Failed(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )),
    })
}

/// Reads up to and including the next line end (or the end of input), keeping no more
/// than 64 KiB of it at a time.
fn skip_line(reader: &mut impl BufRead) -> std::io::Result<()> {
    let mut scratch = Vec::new();
    loop {
        scratch.clear();
        let n = reader
            .by_ref()
            .take(64 * 1024)
            .read_until(b'\n', &mut scratch)?;
        if n == 0 || scratch.last() == Some(&b'\n') {
            return Ok(());
        }
    }
}

/// Keeps the last `keep` bytes of `stderr` in `tail` until the shim closes it.
fn keep_tail(mut stderr: impl Read, tail: &Mutex<StderrTail>, keep: usize) {
    let mut buf = [0u8; 8192];
    loop {
        let n = match stderr.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mut t = tail.lock().unwrap_or_else(|p| p.into_inner());
        let chunk = &buf[n.saturating_sub(keep)..n];
        let excess = (t.bytes.len() + chunk.len()).saturating_sub(keep);
        if excess > 0 || chunk.len() < n {
            t.dropped = true;
        }
        let old = t.bytes.len();
        t.bytes.drain(..excess.min(old));
        t.bytes.extend(chunk);
    }
    tail.lock().unwrap_or_else(|p| p.into_inner()).closed = true;
}

/// The last lines of the kept stderr, for a report: `…` first if older output was dropped.
fn quote_tail(t: &StderrTail) -> String {
    let (a, b) = t.bytes.as_slices();
    let text = String::from_utf8_lossy(&[a, b].concat()).into_owned();
    let mut lines: Vec<&str> = text
        .lines()
        .rev()
        .filter(|l| !l.trim().is_empty())
        .take(STDERR_TAIL_LINES)
        .collect();
    lines.reverse();
    let joined = lines.join(" | ");
    if t.dropped && !joined.is_empty() {
        format!("…{joined}")
    } else {
        joined
    }
}

fn clip(s: &str) -> String {
    const MAX: usize = 200;
    if s.len() <= MAX {
        s.to_owned()
    } else {
        let mut end = MAX;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}… ({} bytes)", &s[..end], s.len())
    }
}

/// Interprets one answer line for case `id`.
pub fn parse_answer(id: &str, line: &str) -> Answer {
    let Ok(Value::Object(v)) = serde_json::from_str::<Value>(line) else {
        return Answer::Broken(format!("garbage: not a JSON object: {}", clip(line)));
    };
    match v.get("id").and_then(Value::as_str) {
        Some(got) if got == id => {}
        Some(got) => {
            return Answer::Broken(format!(
                "out of order: answered case `{got}` while `{id}` was asked"
            ));
        }
        None => return Answer::Broken(format!("garbage: the answer has no `id`: {}", clip(line))),
    }
    if let Some(out) = v.get("output") {
        return Answer::Output(out.clone());
    }
    if let Some(err) = v.get("error") {
        return match err.get("code").and_then(Value::as_str) {
            Some(code) => Answer::Error {
                code: code.to_owned(),
                message: err
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
            },
            None => Answer::Broken(format!("garbage: `error` without a `code`: {}", clip(line))),
        };
    }
    if let Some(reason) = v.get("unsupported") {
        return Answer::Unsupported(reason.as_str().unwrap_or("unsupported").to_owned());
    }
    Answer::Broken(format!(
        "garbage: no `output`, `error` or `unsupported`: {}",
        clip(line)
    ))
}

impl Implementation for ShimProcess {
    fn name(&self) -> String {
        format!("{} (shim `{}`)", self.implementation, self.command)
    }

    fn answer(&mut self, scheme: &str, case: &Case) -> Answer {
        if !self.schemes.iter().any(|s| s == scheme) {
            return Answer::Unsupported(format!(
                "the shim does not list scheme `{scheme}` in its hello"
            ));
        }
        if self.running.is_none()
            && let Err(reason) = self.restart()
        {
            return Answer::Broken(reason);
        }
        let request =
            json!({ "id": case.id, "scheme": scheme, "op": case.op, "input": case.input })
                .to_string();
        let answer = match self.exchange(&request) {
            Ok(line) => parse_answer(&case.id, &line),
            Err(reason) => Answer::Broken(reason),
        };
        if matches!(answer, Answer::Broken(_)) {
            // Whatever state the shim is in, the next case gets a fresh one.
            self.stop();
        }
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], max: usize) -> Vec<String> {
        let mut r = std::io::Cursor::new(input.to_vec());
        let mut out = Vec::new();
        while let Some(read) = read_answer(&mut r, max) {
            out.push(match read {
                Read1::Line(s) => s,
                Read1::TooLong => "<too long>".into(),
                Read1::Failed(e) => format!("<failed: {e}>"),
            });
        }
        out
    }

    #[test]
    fn an_answer_of_exactly_the_cap_is_read_and_one_byte_more_is_not() {
        assert_eq!(lines(b"12345\nab\r\n", 5), ["12345", "ab"]);
        assert_eq!(lines(b"123456\n", 5)[0], "<too long>");
        assert_eq!(lines(b"123456", 5)[0], "<too long>");
        // A last line without its end is still an answer.
        assert_eq!(lines(b"abc", 5), ["abc"]);
        assert_eq!(
            lines(b"\xff\n", 5)[0],
            "<failed: stream did not contain valid UTF-8>"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn an_exited_shim_is_seen_without_being_reaped_so_its_group_id_stays_its_own() {
        let mut child = Command::new("sh").args(["-c", "exit 7"]).spawn().unwrap();
        let mut exited = false;
        for _ in 0..500 {
            exited = has_exited(&mut child);
            if exited {
                break;
            }
            thread::sleep(Duration::from_millis(10));
        }
        assert!(exited);
        // Still a zombie: its pid (and so the group id) cannot have been reused yet.
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", child.id())).unwrap();
        assert_eq!(stat.rsplit_once(") ").unwrap().1.chars().next(), Some('Z'));
        kill_group(&mut child);
        assert_eq!(child.wait().unwrap().code(), Some(7));
    }

    #[test]
    fn serve_answers_a_line_that_is_not_utf8_and_goes_on() {
        let input = b"\xff\xfe\n{\"op\":\"hello\",\"protocol\":1}\n";
        let mut out = Vec::new();
        serve(&input[..], &mut out, "t", &["x"], |_, _, _| {
            Answer::Unsupported("none".into())
        })
        .unwrap();
        let out = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2, "{out}");
        assert!(lines[0].contains("BAD_REQUEST") && lines[0].contains("not UTF-8"));
        assert!(lines[1].contains(r#""protocol":1"#));
    }

    #[test]
    fn skipping_a_long_line_stops_right_after_its_end() {
        let mut input = vec![b'x'; 200_000];
        input.extend(b"\nnext\n");
        let mut r = std::io::Cursor::new(input);
        skip_line(&mut r).unwrap();
        assert_eq!(r.position(), 200_001);
        assert_eq!(
            read_answer(&mut r, 10).map(|l| matches!(l, Read1::Line(s) if s == "next")),
            Some(true)
        );
        let mut empty = std::io::Cursor::new(Vec::new());
        skip_line(&mut empty).unwrap();
    }

    #[test]
    fn only_the_end_of_stderr_is_kept() {
        let tail = Mutex::new(StderrTail::default());
        let mut input = b"first line\n".to_vec();
        input.extend(std::iter::repeat_n(b's', 20_000));
        input.extend(b"\nlast line\n");
        keep_tail(&input[..], &tail, 100);
        let t = tail.lock().unwrap();
        assert!(t.closed && t.dropped);
        assert_eq!(t.bytes.len(), 100);
        let quoted = quote_tail(&t);
        assert!(
            quoted.starts_with('…') && quoted.ends_with(" | last line"),
            "{quoted}"
        );
        assert!(!quoted.contains("first"));
    }
}
