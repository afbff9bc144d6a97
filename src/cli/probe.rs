//! `partner-auth probe`: black-box checks of a live verifier.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use partner_auth::probe;
use partner_auth::serve::Credentials;
use serde_json::Value;

use super::{EXIT_CONFORMANT, EXIT_NONCONFORMANT};

/// Arguments of `probe`.
#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// The scheme slug: signupto-hash, signupto-partner-hash, signupto-token,
    /// partners-portal, groupcall-customer, groupcall-partner or hmac-sha256 (the
    /// registry's schemes with a probe: `partner-auth schemes`).
    pub scheme: String,
    /// The server's base URL, e.g. `http://127.0.0.1:8080` (a path prefix is kept and
    /// signed).
    #[arg(long, value_name = "URL")]
    pub url: String,
    /// The protected endpoint to send the cases to; default: `/v1/list` (Sign-Up.to),
    /// `/API/partnersPortal/simulations` (partners-portal), `/api/SendMessage_V3/SMS`
    /// (groupcall-customer), `/api/SendMessage_V3/PartnerRoute` (groupcall-partner),
    /// `/api/v1/partner/constants/countries` (hmac-sha256).
    #[arg(long, value_name = "PATH")]
    pub path: Option<String>,
    /// Credentials (the JSON shape `partner-auth serve --demo-credentials` prints);
    /// default: the sandbox's demo credentials.
    #[arg(long, value_name = "FILE")]
    pub credentials: Option<PathBuf>,
    /// Partner id (overrides the credentials).
    #[arg(long)]
    pub pid: Option<u64>,
    /// Company id (overrides the credentials).
    #[arg(long)]
    pub cid: Option<u64>,
    /// User id (overrides the credentials).
    #[arg(long)]
    pub uid: Option<u64>,
    /// API key (overrides the credentials; visible to other local users in the process
    /// list, so prefer --credentials).
    #[arg(long)]
    pub key: Option<String>,
    /// Token username (overrides the credentials).
    #[arg(long)]
    pub username: Option<String>,
    /// Token password (overrides the credentials; prefer --credentials).
    #[arg(long)]
    pub password: Option<String>,
    /// Output format: `text` (one line per case) or `json` (one object: scheme, url,
    /// profile, cases with name, profile, expected, got, pass, reason; the counts, the
    /// failed cases and the informational ones).
    #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
    /// Which cases fail the run: `conformance` (what the vendor's page requires) or
    /// `hardened` (also the security properties the page leaves unsaid: exact-case
    /// signature comparison, a nonce not burnt by a forged request, empty id lines
    /// refused, …). Under `conformance` a failing hardened case is shown as `INFO` and
    /// does not fail the run.
    #[arg(long, value_name = "PROFILE", default_value = "conformance", value_parser = super::check::parse_profile)]
    pub profile: probe::Profile,
    /// Seconds to wait for each answer (fractions allowed), from 0.001 to 86400.
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = parse_seconds)]
    pub timeout: Duration,
}

/// Shortest duration a seconds flag (`--timeout`, the `serve` timeouts) accepts.
pub(crate) const MIN_SECONDS: f64 = 0.001;
/// Longest duration a seconds flag accepts: one day.
pub(crate) const MAX_SECONDS: f64 = 86_400.0;

/// Parses a seconds flag (`2`, `0.5`) into a [`Duration`], refusing what is not a number
/// from [`MIN_SECONDS`] to [`MAX_SECONDS`] (clap names the flag and exits 2), so no
/// value can reach `Duration::from_secs_f64` and panic there.
pub(crate) fn parse_seconds(text: &str) -> Result<Duration, String> {
    let range = format!("a number of seconds from {MIN_SECONDS} to {MAX_SECONDS}, e.g. 10 or 0.5");
    let secs: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("not a number; expected {range}"))?;
    if !(MIN_SECONDS..=MAX_SECONDS).contains(&secs) {
        return Err(format!("out of range; expected {range}"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Runs `probe`.
pub fn run(args: ProbeArgs) -> anyhow::Result<ExitCode> {
    let Some(default_path) = probe::default_path(&args.scheme) else {
        bail!(
            "unknown scheme `{}`; probe supports {}",
            args.scheme,
            probe::schemes().collect::<Vec<_>>().join(", ")
        );
    };
    let path = args.path.clone().unwrap_or_else(|| default_path.to_owned());
    if !path.starts_with('/') {
        bail!("--path must start with `/`, e.g. /v1/list");
    }
    let mut credentials = match &args.credentials {
        Some(path) => Credentials::from_file(path)?,
        None => Credentials::demo(),
    };
    let overrides: Vec<(&str, Value)> = [
        ("pid", args.pid.map(Value::from)),
        ("cid", args.cid.map(Value::from)),
        ("uid", args.uid.map(Value::from)),
        ("key", args.key.clone().map(Value::from)),
        ("username", args.username.clone().map(Value::from)),
        ("password", args.password.clone().map(Value::from)),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();
    if !overrides.is_empty() {
        let mut entry = credentials
            .raw_entry(&args.scheme)
            .cloned()
            .unwrap_or_else(|| Value::Object(Default::default()));
        for (field, value) in overrides {
            entry[field] = value;
        }
        let doc = serde_json::json!({ args.scheme.clone(): entry });
        credentials = Credentials::from_json(&doc.to_string(), "from the command-line flags")?;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let results = runtime.block_on(probe::run(
        &args.scheme,
        &args.url,
        &path,
        &credentials,
        args.timeout,
    ))?;
    let profile = args.profile;
    let failed: Vec<&str> = results
        .iter()
        .filter(|r| r.fails_under(profile))
        .map(|r| r.name.as_str())
        .collect();
    let informational: Vec<&str> = results
        .iter()
        .filter(|r| !r.pass && !r.fails_under(profile))
        .map(|r| r.name.as_str())
        .collect();
    let code = if failed.is_empty() {
        EXIT_CONFORMANT
    } else {
        EXIT_NONCONFORMANT
    };
    if args.format == "json" {
        let cases: Vec<Value> = results
            .iter()
            .map(|r| {
                serde_json::json!({
                    "name": r.name,
                    "profile": r.profile.as_str(),
                    "expected": r.expect.to_string(),
                    "got": r.got,
                    "pass": r.pass,
                    "reason": r.reason,
                })
            })
            .collect();
        let doc = serde_json::json!({
            "scheme": args.scheme,
            "url": format!("{}{path}", args.url.trim_end_matches('/')),
            "profile": profile.as_str(),
            "conformant": failed.is_empty(),
            "passed": results.iter().filter(|r| r.pass).count(),
            "failed": failed,
            "informational": informational,
            "cases": cases,
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(ExitCode::from(code));
    }
    println!(
        "partner-auth probe {} at {}{} (profile {profile})",
        args.scheme,
        args.url.trim_end_matches('/'),
        path
    );
    for r in &results {
        let verdict = if r.pass {
            "PASS"
        } else if r.fails_under(profile) {
            "FAIL"
        } else {
            "INFO"
        };
        let name = match r.profile {
            probe::Profile::Hardened => format!("{} [hardened]", r.name),
            probe::Profile::Conformance => r.name.clone(),
        };
        println!(
            "{verdict} {:<33} expected {:<36} got {}",
            name,
            r.expect.to_string(),
            r.got
        );
        if let Some(reason) = &r.reason {
            println!("     {reason}");
        }
    }
    let passed = results.iter().filter(|r| r.pass).count();
    let info = if informational.is_empty() {
        String::new()
    } else {
        format!(
            "; {} hardened case(s) not met, informational under --profile conformance: {}",
            informational.len(),
            informational.join(", ")
        )
    };
    if failed.is_empty() {
        println!("conformant: {passed} passed, 0 failed{info}");
        Ok(ExitCode::from(EXIT_CONFORMANT))
    } else {
        println!(
            "non-conformant: {passed} passed, {} failed: {}{info}",
            failed.len(),
            failed.join(", ")
        );
        Ok(ExitCode::from(EXIT_NONCONFORMANT))
    }
}
