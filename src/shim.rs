//! The shim protocol (examples/shims/PROTOCOL.md), both sides: [`serve`] answers it for
//! an [`Implementation`] (the reference, in `partner-auth shim`), and [`ShimProcess`]
//! drives another program through it as an [`Implementation`] the runner can grade.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
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

/// Answers the protocol on `input`/`output` for `imp`, which implements `schemes`, until
/// `input` ends. Lines that are not requests get an `error` answer; nothing panics.
pub fn serve(
    input: impl BufRead,
    mut output: impl Write,
    name: &str,
    schemes: &[&str],
    mut answer: impl FnMut(&str, &str, &Value) -> Answer,
) -> std::io::Result<()> {
    for line in input.lines() {
        let line = line?;
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

struct Running {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<std::io::Result<String>>,
}

/// Another implementation, driven through the shim protocol as a child process.
pub struct ShimProcess {
    command: String,
    options: ShimOptions,
    running: Option<Running>,
    implementation: String,
    schemes: Vec<String>,
    restarts: usize,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
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

const STDERR_TAIL: usize = 8;

impl ShimProcess {
    /// Starts `command` (run by `sh -c`) and completes the hello handshake.
    pub fn start(command: &str, options: ShimOptions) -> Result<Self, ShimError> {
        let mut shim = Self {
            command: command.to_owned(),
            options,
            running: None,
            implementation: String::new(),
            schemes: Vec::new(),
            restarts: 0,
            stderr_tail: Arc::new(Mutex::new(VecDeque::new())),
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
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(&self.command)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| ShimError::Spawn {
                command: self.command.clone(),
                source,
            })?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");
        let (tx, rx) = channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let end = line.is_err();
                if tx.send(line).is_err() || end {
                    break;
                }
            }
        });
        let tail = Arc::clone(&self.stderr_tail);
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut t = tail.lock().unwrap_or_else(|p| p.into_inner());
                if t.len() == STDERR_TAIL {
                    t.pop_front();
                }
                t.push_back(line);
            }
        });
        self.running = Some(Running {
            child,
            stdin,
            lines: rx,
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
        if writeln!(run.stdin, "{line}")
            .and_then(|()| run.stdin.flush())
            .is_err()
        {
            return Err(self.exit_report("the shim closed its input"));
        }
        match run.lines.recv_timeout(timeout) {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(e)) => Err(format!("reading the shim's output failed: {e}")),
            Err(RecvTimeoutError::Timeout) => Err(format!(
                "timeout: no answer within {} s",
                timeout.as_secs_f64()
            )),
            Err(RecvTimeoutError::Disconnected) => Err(self.exit_report("the shim exited")),
        }
    }

    fn exit_report(&mut self, what: &str) -> String {
        let status = self.running.as_mut().and_then(|r| {
            for _ in 0..50 {
                if let Ok(Some(s)) = r.child.try_wait() {
                    return Some(s);
                }
                thread::sleep(Duration::from_millis(10));
            }
            None
        });
        let tail: Vec<String> = self
            .stderr_tail
            .lock()
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default();
        let mut msg = match status {
            Some(s) => format!("{what} ({s})"),
            None => what.to_owned(),
        };
        if !tail.is_empty() {
            msg.push_str("; its stderr ended with: ");
            msg.push_str(&tail.join(" | "));
        }
        msg
    }

    fn stop(&mut self) {
        if let Some(mut run) = self.running.take() {
            let _ = run.child.kill();
            let _ = run.child.wait();
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
        if let Ok(mut t) = self.stderr_tail.lock() {
            t.clear();
        }
        self.spawn().map(|_| ()).map_err(|e| e.to_string())
    }
}

impl Drop for ShimProcess {
    fn drop(&mut self) {
        if let Some(mut run) = self.running.take() {
            drop(run.stdin);
            // Give a well-behaved shim a moment to exit on end of input, then kill it.
            for _ in 0..20 {
                if let Ok(Some(_)) = run.child.try_wait() {
                    return;
                }
                thread::sleep(Duration::from_millis(10));
            }
            let _ = run.child.kill();
            let _ = run.child.wait();
        }
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
