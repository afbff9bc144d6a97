//! Command-line interface: one file per subcommand.

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

mod check;
mod matrix;
mod probe;
mod redact;
mod serve;
mod shim;
mod sign;

/// Exit status: every case conformed.
pub const EXIT_CONFORMANT: u8 = 0;
/// Exit status: at least one case did not conform (or an operation was refused).
pub const EXIT_NONCONFORMANT: u8 = 1;
/// Exit status: the tool could not do its job (bad arguments, unreadable or malformed
/// vector file, I/O error).
pub const EXIT_TOOL_ERROR: u8 = 2;

/// Conformance kit for partner-API authentication schemes: reference signers and
/// verifiers, test vectors, and a checker.
#[derive(Debug, Parser)]
#[command(name = "partner-auth", version, about, long_about = None, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

const EXAMPLES: &str = "\
Exit status: 0 conformant, 1 non-conformant (a case failed or an operation was refused),
2 tool error (bad arguments, unreadable or malformed vector file).

Examples:
  partner-auth check                              every vector against the built-in reference
  partner-auth check --scheme signupto-hash --format json
  partner-auth check --shim \"python3 examples/shims/python/shim.py\" --format junit > report.xml
  partner-auth sign signupto-partner-hash --input case.json
  partner-auth serve --addr 127.0.0.1:0 --explain   the sandbox, demo credentials printed
  partner-auth probe signupto-hash --url http://127.0.0.1:8080
  partner-auth matrix --out target/matrix         every implementation side by side
  echo '{\"value\":\"SuTHash signature=\\\"ab12…\\\"\"}' | partner-auth run signupto-hash parse-authorization --input -";

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the test vectors against the built-in reference (or, with --shim, another
    /// implementation) and report per scheme.
    Check(check::CheckArgs),
    /// Sign one request and show every stage (canonical string with CR LF visible,
    /// signature, headers).
    Sign(sign::OpArgs),
    /// Verify one request (a verify case's `input`: request, clock, keys, state).
    Verify(sign::OpArgs),
    /// Run any operation of a scheme on one input (e.g. `parse-authorization`).
    Run(sign::RunArgs),
    /// Answer the shim protocol (examples/shims/PROTOCOL.md) on stdin/stdout with the
    /// reference, so other runners can check it or compare with it.
    Shim,
    /// List the scheme registry: each slug, whether `probe` and the sandbox (`serve`)
    /// support it, and the operations the reference implements.
    Schemes,
    /// Run the sandbox: a local server emulating each API's authentication layer with
    /// the reference verifiers and built-in demo credentials.
    Serve(serve::ServeArgs),
    /// Run the reference and every implementation of an implementations file
    /// (examples/shims/implementations.json: real third-party clients installed from
    /// registries, the independent Python shim, openssl) over every vector, side by side:
    /// a markdown table, and with --out a JSON document and an HTML page. Exit 0 when
    /// every failure is a known deviation listed with its reason, 1 otherwise, 2 when an
    /// implementation cannot be set up.
    Matrix(matrix::MatrixArgs),
    /// Send a scheme's verify cases (valid, replay, stale date, tampering, missing
    /// headers, unknown key) to a live server and grade its answers.
    Probe(probe::ProbeArgs),
}

/// Output format of `check`, `sign`, `verify` and `run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// For programs: one JSON document.
    Json,
}

/// The registry as `partner-auth schemes` prints it: one line per slug with whether
/// `probe` and the sandbox support it, then its ops.
fn schemes_table() -> String {
    use partner_auth::registry;
    let yes_no = |b: bool| if b { "yes" } else { "-" };
    let mut out = format!("{:<24} {:<6} {:<8} ops\n", "scheme", "probe", "sandbox");
    for e in registry::SCHEMES {
        out.push_str(&format!(
            "{:<24} {:<6} {:<8} {}\n",
            e.slug,
            yes_no(e.probe.is_some()),
            yes_no(registry::sandbox_serves(e.slug)),
            e.ops.join(", ")
        ));
    }
    out
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Sign(args) => sign::run_op("sign", args),
        Command::Verify(args) => sign::run_op("verify", args),
        Command::Run(args) => sign::run_any(args),
        Command::Shim => shim::run(),
        Command::Serve(args) => serve::run(args),
        Command::Probe(args) => probe::run(args),
        Command::Matrix(args) => matrix::run(args),
        Command::Schemes => {
            print!("{}", schemes_table());
            Ok(ExitCode::from(EXIT_CONFORMANT))
        }
    }
}
