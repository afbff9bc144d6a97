//! `partner-auth matrix`: the reference and every implementation listed in an
//! implementations file, over every vector, side by side.
//!
//! Each implementation is a shim command (examples/shims/PROTOCOL.md), an optional set-up
//! command run first (installing a registry package into a virtual environment, say), and
//! an optional expectations file naming its known deviations with a reason each. The run
//! is clean (exit 0) when every failure of every implementation is such a known deviation.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use partner_auth::reference::Reference;
use partner_auth::shim::{ShimOptions, ShimProcess, kill_group};
use partner_auth::vectors::{
    self, Expectations, Implementation, LoadedFile, Outcome, Report, Selection, Strictness, Summary,
};
use serde::{Deserialize, Serialize};

use super::{EXIT_CONFORMANT, EXIT_NONCONFORMANT, EXIT_TOOL_ERROR};

/// Arguments of `matrix`.
#[derive(Debug, Args)]
pub struct MatrixArgs {
    /// The implementations file: `{"implementations": [{"name", "command", "setup"?,
    /// "expectations"?, "description"?}]}`. Commands run through `sh -c` in the current
    /// directory; relative `expectations` paths are relative to this file.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "examples/shims/implementations.json"
    )]
    pub implementations: PathBuf,
    /// The vectors directory. Default: `./vectors`, else the one this binary was built with.
    #[arg(long, value_name = "DIR")]
    pub vectors: Option<PathBuf>,
    /// Also write `matrix.md`, `matrix.json` and a self-contained `matrix.html` here.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Only the implementation of this name (repeatable); the reference always runs.
    #[arg(long, value_name = "NAME")]
    pub only: Vec<String>,
    /// Seconds an implementation may take to answer one case before it is restarted
    /// (0.001 to 86400).
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = super::probe::parse_seconds)]
    pub timeout: Duration,
}

/// One entry of the implementations file.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    #[serde(default)]
    description: String,
    command: String,
    #[serde(default)]
    setup: Option<String>,
    #[serde(default)]
    expectations: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ImplementationsFile {
    implementations: Vec<Entry>,
}

/// One column of the matrix.
#[derive(Debug, Serialize)]
struct Column {
    name: String,
    implementation: String,
    description: String,
    summary: Summary,
    /// Expectation globs that matched no failure (the entry is stale or too wide).
    stale_expectations: Vec<String>,
    /// Cases the expectations file names that passed (the entry can go).
    unexpected_passes: Vec<String>,
    #[serde(skip)]
    report: Report,
}

/// Upper bound on what a set-up command may print that is kept for the error message.
const SETUP_OUTPUT_KEPT: usize = 4096;
/// How long a set-up command may run (installing a package from a registry included).
const SETUP_TIMEOUT: Duration = Duration::from_secs(600);

/// Runs `matrix`.
pub fn run(args: MatrixArgs) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.implementations).with_context(|| {
        format!(
            "reading --implementations {}",
            args.implementations.display()
        )
    })?;
    let file: ImplementationsFile = serde_json::from_str(&text).with_context(|| {
        format!(
            "{}: not an implementations file ({{\"implementations\": [{{\"name\", \"command\", \"setup\"?, \"expectations\"?}}]}})",
            args.implementations.display()
        )
    })?;
    let base = args
        .implementations
        .parent()
        .unwrap_or(Path::new("."))
        .to_path_buf();
    for wanted in &args.only {
        if !file.implementations.iter().any(|e| &e.name == wanted) {
            let names: Vec<&str> = file
                .implementations
                .iter()
                .map(|e| e.name.as_str())
                .collect();
            bail!(
                "--only {wanted}: no such implementation; the file lists {}",
                names.join(", ")
            );
        }
    }
    let dir = match &args.vectors {
        Some(d) => d.clone(),
        None => super::check::default_vectors_dir()?,
    };
    let files = vectors::load_dir(&dir)?;

    let mut columns = vec![column(
        "reference",
        "the built-in reference, at reference strictness",
        &files,
        &mut Reference,
        Strictness::Reference,
        None,
    )?];
    eprintln!("matrix: reference done");
    for entry in &file.implementations {
        if !args.only.is_empty() && !args.only.contains(&entry.name) {
            continue;
        }
        if let Some(setup) = &entry.setup {
            eprintln!("matrix: {}: setting up (`{setup}`)", entry.name);
            if let Err(why) = run_setup(setup) {
                eprintln!(
                    "partner-auth: error: implementation `{}` cannot be set up: {why}",
                    entry.name
                );
                return Ok(ExitCode::from(EXIT_TOOL_ERROR));
            }
        }
        let expectations = match &entry.expectations {
            Some(path) => {
                let path = base.join(path);
                let text = std::fs::read_to_string(&path).with_context(|| {
                    format!("{}: reading expectations {}", entry.name, path.display())
                })?;
                Some(
                    Expectations::parse(&text)
                        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
                )
            }
            None => None,
        };
        let started = monotonic();
        let options = ShimOptions {
            timeout: args.timeout,
            ..ShimOptions::default()
        };
        let mut shim = match ShimProcess::start(&entry.command, options) {
            Ok(s) => s,
            Err(e) => {
                eprintln!(
                    "partner-auth: error: implementation `{}` cannot be started (`{}`): {e}",
                    entry.name, entry.command
                );
                return Ok(ExitCode::from(EXIT_TOOL_ERROR));
            }
        };
        let col = column(
            &entry.name,
            &entry.description,
            &files,
            &mut shim,
            Strictness::Conformance,
            expectations.as_ref(),
        )?;
        drop(shim);
        eprintln!(
            "matrix: {} done in {:.1} s",
            entry.name,
            started.elapsed().as_secs_f64()
        );
        columns.push(col);
    }

    let schemes = scheme_list(&files);
    print!("{}", markdown_table(&columns, &schemes));
    if let Some(out) = &args.out {
        std::fs::create_dir_all(out)
            .with_context(|| format!("creating --out {}", out.display()))?;
        let doc = matrix_json(&columns, &files);
        let json = serde_json::to_string_pretty(&doc)?;
        std::fs::write(out.join("matrix.json"), &json)?;
        std::fs::write(out.join("matrix.md"), markdown_full(&columns, &schemes))?;
        std::fs::write(out.join("matrix.html"), html(&doc)?)?;
        eprintln!(
            "matrix: wrote matrix.md, matrix.json and matrix.html to {}",
            out.display()
        );
    }

    let mut clean = true;
    for col in &columns {
        for case in col.report.failures() {
            clean = false;
            let Outcome::Failed { stage, .. } = &case.outcome else {
                continue;
            };
            eprintln!(
                "matrix: {}: {} failed (stage `{stage}`) and its expectations file does not list it",
                col.name, case.id
            );
        }
        for glob in &col.stale_expectations {
            clean = false;
            eprintln!(
                "matrix: {}: expectations entry `{glob}` matches no case of this run; remove it or fix the glob",
                col.name
            );
        }
        for id in &col.unexpected_passes {
            eprintln!(
                "matrix: note: {}: {id} is listed as a known deviation but passed; the entry can go",
                col.name
            );
        }
    }
    Ok(ExitCode::from(if clean {
        EXIT_CONFORMANT
    } else {
        EXIT_NONCONFORMANT
    }))
}

fn column(
    name: &str,
    description: &str,
    files: &[LoadedFile],
    imp: &mut dyn Implementation,
    strictness: Strictness,
    expectations: Option<&Expectations>,
) -> anyhow::Result<Column> {
    let mut report = vectors::run(files, imp, strictness, &Selection::default(), |_, _| {})?;
    let (stale, passes) = match expectations {
        Some(e) => {
            let applied = e.apply(&mut report);
            (
                applied.unmatched,
                applied
                    .unexpected_passes
                    .into_iter()
                    .map(|(id, _)| id)
                    .collect(),
            )
        }
        None => (Vec::new(), Vec::new()),
    };
    Ok(Column {
        name: name.to_owned(),
        implementation: report.implementation.clone(),
        description: description.to_owned(),
        summary: report.total(),
        stale_expectations: stale,
        unexpected_passes: passes,
        report,
    })
}

/// Runs a set-up command with a deadline; the error carries the tail of its output.
fn run_setup(command: &str) -> Result<(), String> {
    use std::io::Read;
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(command);
    // Its own process group: a set-up that runs past its deadline is stopped with
    // everything it started (pip, a compiler), not just the shell.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("`sh -c {command}` could not start: {e}"))?;
    // Drained while it runs (a chatty set-up must not block on a full pipe), keeping
    // only the tail for the error message.
    let tail_of = |stream: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut kept: Vec<u8> = Vec::new();
            let mut buf = [0u8; 8192];
            let Some(mut r) = stream else { return kept };
            while let Ok(n @ 1..) = r.read(&mut buf) {
                kept.extend_from_slice(&buf[..n]);
                if kept.len() > 2 * SETUP_OUTPUT_KEPT {
                    kept.drain(..kept.len() - SETUP_OUTPUT_KEPT);
                }
            }
            kept
        })
    };
    let stderr = tail_of(child.stderr.take().map(|s| Box::new(s) as _));
    let stdout = tail_of(child.stdout.take().map(|s| Box::new(s) as _));
    let deadline = monotonic() + SETUP_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if monotonic() < deadline => std::thread::sleep(Duration::from_millis(50)),
            Ok(None) => {
                kill_group(&mut child);
                let _ = child.wait();
                return Err(format!(
                    "`{command}` ran past {} s",
                    SETUP_TIMEOUT.as_secs()
                ));
            }
            Err(e) => return Err(format!("waiting for `{command}`: {e}")),
        }
    };
    // stdout first, stderr last: the tail quoted ends with what the set-up complained of.
    let mut text = String::from_utf8_lossy(&stdout.join().unwrap_or_default()).into_owned();
    text.push_str(&String::from_utf8_lossy(&stderr.join().unwrap_or_default()));
    if status.success() {
        return Ok(());
    }
    let tail: String = {
        let chars: Vec<char> = text.trim().chars().collect();
        chars[chars.len().saturating_sub(SETUP_OUTPUT_KEPT)..]
            .iter()
            .collect()
    };
    Err(format!("`{command}` exited with {status}: {tail}"))
}

/// Elapsed-time readings for progress lines and the set-up deadline; nothing here
/// authenticates, so the injected `Clock` has no role.
#[allow(clippy::disallowed_methods)]
fn monotonic() -> Instant {
    Instant::now()
}

fn scheme_list(files: &[LoadedFile]) -> Vec<String> {
    let mut s: Vec<String> = files.iter().map(|f| f.file.scheme.clone()).collect();
    s.sort();
    s.dedup();
    s
}

fn cell(summary: Option<&Summary>) -> String {
    match summary {
        None => "—".into(),
        Some(s) if s.cases == s.skipped => "skipped".into(),
        Some(s) => {
            let mut c = format!(
                "{} / {} / {} / {}",
                s.passed, s.acceptable, s.failed, s.skipped
            );
            if s.expected_failures > 0 {
                c.push_str(&format!(" (+{} known)", s.expected_failures));
            }
            c
        }
    }
}

/// Schemes down, implementations across; each cell `passed / acceptable / failed /
/// skipped`, known deviations counted apart.
fn markdown_table(columns: &[Column], schemes: &[String]) -> String {
    let mut t = String::from("| scheme |");
    for c in columns {
        t.push_str(&format!(" {} |", c.name));
    }
    t.push_str("\n|---|");
    for _ in columns {
        t.push_str("---|");
    }
    t.push('\n');
    for scheme in schemes.iter().map(String::as_str).chain(["total"]) {
        t.push_str(&format!("| {scheme} |"));
        for c in columns {
            let summary = if scheme == "total" {
                Some(c.summary.clone())
            } else {
                c.report
                    .schemes
                    .iter()
                    .find(|s| s.scheme == scheme)
                    .map(|s| s.summary.clone())
            };
            t.push_str(&format!(" {} |", cell(summary.as_ref())));
        }
        t.push('\n');
    }
    t.push_str("\nCells: passed / acceptable / failed / skipped; \"known\" counts failures the implementation's expectations file lists with a reason.\n");
    t
}

fn markdown_full(columns: &[Column], schemes: &[String]) -> String {
    let mut m = String::from("# partner-auth matrix\n\n");
    for c in columns {
        m.push_str(&format!(
            "- **{}**: {} — {}\n",
            c.name, c.implementation, c.description
        ));
    }
    m.push('\n');
    m.push_str(&markdown_table(columns, schemes));
    for c in columns {
        let deviations: Vec<_> = c
            .report
            .schemes
            .iter()
            .flat_map(|s| s.cases.iter())
            .filter(|k| {
                matches!(
                    k.outcome,
                    Outcome::Failed { .. } | Outcome::ExpectedFailure { .. }
                )
            })
            .collect();
        if deviations.is_empty() {
            continue;
        }
        m.push_str(&format!(
            "\n## {} — {} deviation(s)\n\n",
            c.name,
            deviations.len()
        ));
        for k in deviations {
            match &k.outcome {
                Outcome::ExpectedFailure { reason, stage, .. } => m.push_str(&format!(
                    "- `{}` (stage `{stage}`, known): {reason}\n",
                    k.id
                )),
                Outcome::Failed { stage, .. } => m.push_str(&format!(
                    "- `{}` (stage `{stage}`): **not listed in the expectations file**\n",
                    k.id
                )),
                _ => {}
            }
        }
    }
    m
}

/// The whole matrix as one JSON document: the columns, then one row per case.
fn matrix_json(columns: &[Column], files: &[LoadedFile]) -> serde_json::Value {
    let mut rows = Vec::new();
    for f in files {
        for case in &f.file.cases {
            let cells: Vec<serde_json::Value> = columns
                .iter()
                .map(|c| {
                    c.report
                        .schemes
                        .iter()
                        .flat_map(|s| s.cases.iter())
                        .find(|k| k.id == case.id)
                        .map(|k| serde_json::to_value(&k.outcome).unwrap_or_default())
                        .unwrap_or(serde_json::Value::Null)
                })
                .collect();
            rows.push(serde_json::json!({
                "id": case.id,
                "scheme": f.file.scheme,
                "op": case.op,
                "comment": case.comment,
                "result": case.expect.result,
                "basis": case.basis,
                "cells": cells,
            }));
        }
    }
    serde_json::json!({
        "columns": columns,
        "rows": rows,
    })
}

const HTML_TEMPLATE: &str = include_str!("matrix.html");

/// A self-contained page: the JSON document embedded, a small script renders it.
fn html(doc: &serde_json::Value) -> anyhow::Result<String> {
    // `</` cannot end the script element when escaped this way; the JSON stays valid.
    let data = serde_json::to_string(doc)?.replace("</", "<\\/");
    Ok(HTML_TEMPLATE.replace("/*MATRIX_DATA*/null", &data))
}
