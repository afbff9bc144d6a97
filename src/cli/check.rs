//! `partner-auth check`: every vector against the reference or another implementation
//! (through the shim protocol), a table per scheme.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use partner_auth::canonical::escape_bytes;
use partner_auth::reference::{self, Reference};
use partner_auth::shim::{ShimOptions, ShimProcess};
use partner_auth::vectors::{
    self, Expectations, ExpectationsApplied, Implementation, Outcome, Profile, Report, Selection,
    Strictness,
};

use super::{EXIT_CONFORMANT, EXIT_NONCONFORMANT};

/// Output format of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// For people: failures, then a table per scheme.
    Text,
    /// For programs: the whole report as one JSON document.
    Json,
    /// JUnit XML for CI dashboards: a testsuite per scheme, a testcase per case.
    Junit,
}

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
    /// Check another implementation: a command (run by `sh -c`) that speaks the shim
    /// protocol (examples/shims/PROTOCOL.md) on its stdin/stdout. Without it, the
    /// built-in reference is checked.
    #[arg(long, value_name = "CMD")]
    pub shim: Option<String>,
    /// Seconds a shim may take to answer one case before it is killed and restarted
    /// (fractions allowed), from 0.001 to 86400.
    #[arg(long, value_name = "SECS", default_value = "10", requires = "shim", value_parser = super::probe::parse_seconds)]
    pub timeout: Duration,
    /// Restarts of a crashing or hanging shim before the remaining cases are failed unsent.
    #[arg(long, value_name = "N", default_value_t = 20, requires = "shim")]
    pub max_restarts: usize,
    /// Known deviations: a JSON object of case-id glob → reason. Matching failures are
    /// reported as expected; an entry that matches no case is an error.
    #[arg(long, value_name = "FILE")]
    pub expectations: Option<PathBuf>,
    /// Which cases must pass. `conformance` (the default): the verdicts the vendors'
    /// pages and the standards decide; the files' `hardened` cases are graded
    /// `acceptable`. `hardened`: those too — the security properties beyond the pages
    /// (a nonce recorded only after the signature verified, bounded nonce lengths, an
    /// empty id header not read as absent, …; vectors/README.md lists them) must pass.
    /// The reference is held to every case exactly under both.
    #[arg(long, value_name = "PROFILE", default_value = "conformance", value_parser = parse_profile)]
    pub profile: Profile,
    /// `text` for people, `json` for programs, `junit` for CI dashboards.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// List every case with its grade, not only the failures.
    #[arg(long, short)]
    pub verbose: bool,
}

/// `--profile`: `conformance` or `hardened`, with an error that lists both.
pub(super) fn parse_profile(text: &str) -> Result<Profile, String> {
    text.parse()
}

pub(super) fn default_vectors_dir() -> anyhow::Result<PathBuf> {
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
        let one = Selection {
            schemes: vec![wanted.clone()],
            filter: None,
        };
        if !files.iter().any(|f| one.takes_scheme(&f.file.scheme)) {
            let mut known: Vec<&str> = files.iter().map(|f| f.file.scheme.as_str()).collect();
            known.dedup();
            bail!(
                "--scheme {wanted}: no vector file has this scheme; found: {}",
                known.join(", ")
            );
        }
    }
    let expectations = match &args.expectations {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            Some(
                Expectations::parse(&text)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
            )
        }
        None => None,
    };

    let (mut imp, strictness): (Box<dyn Implementation>, Strictness) = match &args.shim {
        Some(cmd) => {
            let options = ShimOptions {
                timeout: args.timeout,
                max_restarts: args.max_restarts,
            };
            (
                Box::new(ShimProcess::start(cmd, options)?),
                Strictness::Conformance,
            )
        }
        None => {
            for f in &files {
                if selection.takes_scheme(&f.file.scheme) && !reference::supports(&f.file.scheme) {
                    eprintln!(
                        "partner-auth: warning: {}: scheme `{}` has no reference implementation; its cases are skipped",
                        f.path.display(),
                        f.file.scheme
                    );
                }
            }
            (Box::new(Reference), Strictness::Reference)
        }
    };

    let total_cases: usize = files
        .iter()
        .filter(|f| selection.takes_scheme(&f.file.scheme))
        .map(|f| {
            f.file
                .cases
                .iter()
                .filter(|c| selection.takes_case(&c.id))
                .count()
        })
        .sum();
    let show_progress = args.shim.is_some() && std::io::stderr().is_terminal();
    let mut done = 0usize;
    let mut report = vectors::run_profile(
        &files,
        imp.as_mut(),
        strictness,
        args.profile,
        &selection,
        |_, _| {
            done += 1;
            if show_progress && (done.is_multiple_of(25) || done == total_cases) {
                eprint!("\rchecked {done}/{total_cases} cases");
                if done == total_cases {
                    eprintln!();
                }
            }
        },
    )?;
    drop(imp);
    if report.total().cases == 0 {
        bail!(
            "no case matches --filter {}",
            args.filter.as_deref().unwrap_or("*")
        );
    }
    let applied = match &expectations {
        Some(e) => {
            let applied = e.apply(&mut report);
            if !applied.unmatched.is_empty() {
                bail!(
                    "{}: these entries match no case of this run; remove them or fix the glob: {}",
                    args.expectations
                        .as_deref()
                        .unwrap_or(Path::new(""))
                        .display(),
                    applied.unmatched.join(", ")
                );
            }
            applied
        }
        None => ExpectationsApplied::default(),
    };

    match args.format {
        CheckFormat::Json => {
            let doc = serde_json::json!({
                "implementation": report.implementation,
                "profile": report.profile,
                "vectors": dir,
                "conformant": report.conformant(),
                "total": report.total(),
                "unexpected_passes": applied.unexpected_passes.iter().map(|(id, r)| serde_json::json!({"id": id, "reason": r})).collect::<Vec<_>>(),
                "schemes": report.schemes,
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        CheckFormat::Junit => print!("{}", junit(&report)),
        CheckFormat::Text => print_text(&report, &dir, files.len(), args.verbose, &applied),
    }
    Ok(ExitCode::from(if report.conformant() {
        EXIT_CONFORMANT
    } else {
        EXIT_NONCONFORMANT
    }))
}

fn print_text(
    report: &Report,
    dir: &Path,
    nfiles: usize,
    verbose: bool,
    applied: &ExpectationsApplied,
) {
    println!(
        "partner-auth check: {} against {} vector files in {}, profile {}",
        report.implementation,
        nfiles,
        dir.display(),
        report.profile
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
                    let mut label = "rests on:";
                    for line in basis_lines(&case.basis) {
                        println!("     {label:<9} {line}");
                        label = "";
                    }
                    if !case.bug_types.is_empty() {
                        println!("     kind:     {}", case.bug_types.join(", "));
                    }
                }
                other if verbose => {
                    let (tag, note) = match other {
                        Outcome::Passed => ("pass", String::new()),
                        Outcome::Acceptable { note } => ("acceptable", note.clone()),
                        Outcome::Skipped { reason } => ("skip", reason.clone()),
                        Outcome::ExpectedFailure { reason, stage, .. } => {
                            ("xfail", format!("[{stage}] {reason}"))
                        }
                        Outcome::Failed { .. } => unreachable!(),
                    };
                    println!("{tag:<10} {}  {note}", case.id);
                }
                _ => {}
            }
        }
    }
    for (id, reason) in &applied.unexpected_passes {
        println!(
            "note: {id} passed although the expectations file lists it ({reason}); the entry can go"
        );
    }
    if verbose || !report.conformant() || !applied.unexpected_passes.is_empty() {
        println!();
    }
    let xfail = report.total().expected_failures > 0;
    print!(
        "{:<26} {:>6} {:>7} {:>7} {:>11} {:>8}",
        "scheme", "cases", "passed", "failed", "acceptable", "skipped"
    );
    println!(
        "{}",
        if xfail {
            format!(" {:>6}", "xfail")
        } else {
            String::new()
        }
    );
    let row = |name: &str, s: &vectors::Summary| {
        print!(
            "{name:<26} {:>6} {:>7} {:>7} {:>11} {:>8}",
            s.cases, s.passed, s.failed, s.acceptable, s.skipped
        );
        println!(
            "{}",
            if xfail {
                format!(" {:>6}", s.expected_failures)
            } else {
                String::new()
            }
        );
    };
    for scheme in &report.schemes {
        row(&scheme.scheme, &scheme.summary);
    }
    let total = report.total();
    row("total", &total);
    println!();
    if report.conformant() {
        let mut line = format!(
            "conformant: {} passed, {} acceptable, {} skipped, 0 failed",
            total.passed, total.acceptable, total.skipped
        );
        if xfail {
            line.push_str(&format!(", {} expected failures", total.expected_failures));
        }
        println!("{line}");
    } else {
        let ids: Vec<&str> = report.failures().map(|c| c.id.as_str()).collect();
        println!(
            "NOT conformant: {} failed: {}",
            total.failed,
            ids.join(", ")
        );
        let mut kinds: std::collections::BTreeMap<&str, usize> = Default::default();
        for case in report.failures() {
            if case.bug_types.is_empty() {
                *kinds.entry("(no flag)").or_default() += 1;
            }
            for kind in &case.bug_types {
                *kinds.entry(kind.as_str()).or_default() += 1;
            }
        }
        let kinds: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
        println!("failures by kind: {}", kinds.join(", "));
    }
}

/// What a failed verdict rests on, one line each: a page's URL once, then each of its
/// quotes indented; standards as they are. Project decisions are left out (they never
/// decide a binding verdict).
fn basis_lines(basis: &[String]) -> Vec<String> {
    let mut lines = Vec::new();
    let mut last_url = "";
    for entry in basis.iter().filter(|b| !b.starts_with("decision:")) {
        match entry.strip_prefix("page:").and_then(|p| p.split_once(' ')) {
            Some((url, quote)) => {
                if url != last_url {
                    lines.push(url.to_owned());
                    last_url = url;
                }
                lines.push(format!("  {quote}"));
            }
            None => {
                lines.push(entry.clone());
                last_url = "";
            }
        }
    }
    lines
}

/// The basis lines of a failed case for JUnit's failure text.
fn rests_on(case: &vectors::CaseReport) -> String {
    basis_lines(&case.basis)
        .iter()
        .map(|l| format!("\nrests on: {l}"))
        .collect()
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

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 cannot carry most control characters, even escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// The report as JUnit XML.
fn junit(report: &Report) -> String {
    let total = report.total();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(&format!(
        "<testsuites name=\"partner-auth check (profile {})\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">\n",
        report.profile, total.cases, total.failed, total.skipped
    ));
    for s in &report.schemes {
        x.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">\n",
            xml_escape(&s.scheme),
            s.summary.cases,
            s.summary.failed,
            s.summary.skipped
        ));
        x.push_str(&format!(
            "    <properties><property name=\"implementation\" value=\"{}\"/></properties>\n",
            xml_escape(&report.implementation)
        ));
        for c in &s.cases {
            let open = format!(
                "    <testcase classname=\"{}\" name=\"{}\"",
                xml_escape(&s.scheme),
                xml_escape(&c.id)
            );
            match &c.outcome {
                Outcome::Passed => x.push_str(&format!("{open}/>\n")),
                Outcome::Acceptable { note } => x.push_str(&format!(
                    "{open}><system-out>acceptable: {}</system-out></testcase>\n",
                    xml_escape(note)
                )),
                Outcome::Skipped { reason } => {
                    x.push_str(&format!("{open}><skipped message=\"{}\"/></testcase>\n", xml_escape(reason)))
                }
                Outcome::ExpectedFailure { reason, stage, .. } => x.push_str(&format!(
                    "{open}><system-out>expected failure at stage {}: {}</system-out></testcase>\n",
                    xml_escape(stage),
                    xml_escape(reason)
                )),
                Outcome::Failed { stage, expected, actual } => x.push_str(&format!(
                    "{open}><failure message=\"stage `{}` diverged\" type=\"{}\">expected: {}\nactual:   {}{}</failure></testcase>\n",
                    xml_escape(stage),
                    xml_escape(stage),
                    xml_escape(expected),
                    xml_escape(actual),
                    xml_escape(&rests_on(c))
                )),
            }
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    x
}
