//! `partner-auth check`: every vector against the reference, a table per scheme.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::bail;
use clap::Args;
use partner_auth::canonical::escape_bytes;
use partner_auth::reference::{self, Reference};
use partner_auth::vectors::{self, Outcome, Report, Selection, Strictness};

use super::{EXIT_CONFORMANT, EXIT_NONCONFORMANT, Format};

/// Arguments of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The vectors directory (every `*.json` under it except `schema.json`). Default:
    /// `./vectors` when it exists, else the directory this binary was built with.
    #[arg(long, value_name = "DIR")]
    pub vectors: Option<PathBuf>,
    /// Only this scheme (repeatable); a group such as `primitives` takes all under it.
    #[arg(long, value_name = "SLUG")]
    pub scheme: Vec<String>,
    /// Only cases whose id matches this glob (`*`, `?`), e.g. `'*/verify/*'`.
    #[arg(long, value_name = "GLOB")]
    pub filter: Option<String>,
    /// `text` for people, `json` for programs.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// List every case with its grade, not only the failures.
    #[arg(long, short)]
    pub verbose: bool,
}

fn default_vectors_dir() -> anyhow::Result<PathBuf> {
    let local = PathBuf::from("vectors");
    if local.is_dir() {
        return Ok(local);
    }
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors");
    if built.is_dir() {
        return Ok(built);
    }
    bail!(
        "no `vectors` directory here or at {}; pass --vectors DIR",
        built.display()
    )
}

/// Runs `check`.
pub fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let dir = match &args.vectors {
        Some(d) => d.clone(),
        None => default_vectors_dir()?,
    };
    if !dir.is_dir() {
        bail!("--vectors {}: not a directory", dir.display());
    }
    let files = vectors::load_dir(&dir)?;
    if files.is_empty() {
        bail!("{}: no vector files (*.json) found", dir.display());
    }
    let selection = Selection {
        schemes: args.scheme.clone(),
        filter: args.filter.clone(),
    };
    for wanted in &args.scheme {
        if !files.iter().any(|f| {
            Selection {
                schemes: vec![wanted.clone()],
                filter: None,
            }
            .takes_scheme(&f.file.scheme)
        }) {
            let mut known: Vec<&str> = files.iter().map(|f| f.file.scheme.as_str()).collect();
            known.dedup();
            bail!(
                "--scheme {wanted}: no vector file has this scheme; found: {}",
                known.join(", ")
            );
        }
    }
    for f in &files {
        if selection.takes_scheme(&f.file.scheme) && !reference::supports(&f.file.scheme) {
            eprintln!(
                "partner-auth: warning: {}: scheme `{}` has no reference implementation; its cases are skipped",
                f.path.display(),
                f.file.scheme
            );
        }
    }
    let report = vectors::run(
        &files,
        &mut Reference,
        Strictness::Reference,
        &selection,
        |_, _| {},
    )?;
    if report.total().cases == 0 {
        bail!(
            "no case matches --filter {}",
            args.filter.as_deref().unwrap_or("*")
        );
    }
    match args.format {
        Format::Json => {
            let doc = serde_json::json!({
                "implementation": report.implementation,
                "vectors": dir,
                "conformant": report.conformant(),
                "total": report.total(),
                "schemes": report.schemes,
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        Format::Text => print_text(&report, &dir, files.len(), args.verbose),
    }
    Ok(ExitCode::from(if report.conformant() {
        EXIT_CONFORMANT
    } else {
        EXIT_NONCONFORMANT
    }))
}

fn print_text(report: &Report, dir: &Path, nfiles: usize, verbose: bool) {
    println!(
        "partner-auth check: {} against {} vector files in {}",
        report.implementation,
        nfiles,
        dir.display()
    );
    println!();
    for scheme in &report.schemes {
        for case in &scheme.cases {
            match &case.outcome {
                Outcome::Failed {
                    stage,
                    expected,
                    actual,
                } => {
                    println!("FAIL {}  (stage `{stage}` diverged)", case.id);
                    println!("     expected: {expected}");
                    println!("     actual:   {actual}");
                    if let Some(hint) = first_difference(expected, actual) {
                        println!("     {hint}");
                    }
                }
                other if verbose => {
                    let (tag, note) = match other {
                        Outcome::Passed => ("pass", String::new()),
                        Outcome::Acceptable { note } => ("acceptable", note.clone()),
                        Outcome::Skipped { reason } => ("skip", reason.clone()),
                        Outcome::Failed { .. } => unreachable!(),
                    };
                    println!("{tag:<10} {}  {note}", case.id);
                }
                _ => {}
            }
        }
    }
    if verbose || !report.conformant() {
        println!();
    }
    println!(
        "{:<26} {:>6} {:>7} {:>7} {:>11} {:>8}",
        "scheme", "cases", "passed", "failed", "acceptable", "skipped"
    );
    let row = |name: &str, s: &vectors::Summary| {
        println!(
            "{name:<26} {:>6} {:>7} {:>7} {:>11} {:>8}",
            s.cases, s.passed, s.failed, s.acceptable, s.skipped
        );
    };
    for scheme in &report.schemes {
        row(&scheme.scheme, &scheme.summary);
    }
    let total = report.total();
    row("total", &total);
    println!();
    if report.conformant() {
        println!(
            "conformant: {} passed, {} acceptable, {} skipped, 0 failed",
            total.passed, total.acceptable, total.skipped
        );
    } else {
        let ids: Vec<&str> = report.failures().map(|c| c.id.as_str()).collect();
        println!(
            "NOT conformant: {} failed: {}",
            total.failed,
            ids.join(", ")
        );
    }
}

/// Where two JSON-encoded strings first differ, by character and line.
fn first_difference(expected: &str, actual: &str) -> Option<String> {
    let e: String = serde_json::from_str(expected).ok()?;
    let a: String = serde_json::from_str(actual).ok()?;
    let at = e
        .chars()
        .zip(a.chars())
        .position(|(x, y)| x != y)
        .unwrap_or(e.chars().count().min(a.chars().count()));
    let line = e.chars().take(at).filter(|&c| c == '\n').count() + 1;
    let snippet =
        |s: &str| escape_bytes(s.chars().skip(at).take(12).collect::<String>().as_bytes());
    Some(format!(
        "first difference at character {at} (line {line}): expected {} but got {}",
        snippet(&e),
        snippet(&a)
    ))
}
