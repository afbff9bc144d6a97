//! `partner-auth shim`: the reference answering the shim protocol on stdin/stdout.

use std::process::ExitCode;

use partner_auth::reference;

use super::EXIT_CONFORMANT;

/// Runs the reference as a shim until standard input ends.
pub fn run() -> anyhow::Result<ExitCode> {
    let schemes: Vec<&str> = partner_auth::registry::slugs().collect();
    let name = format!("partner-auth {} (reference)", env!("CARGO_PKG_VERSION"));
    let stdin = std::io::stdin().lock();
    let stdout = std::io::stdout().lock();
    partner_auth::shim::serve(stdin, stdout, &name, &schemes, reference::answer)?;
    Ok(ExitCode::from(EXIT_CONFORMANT))
}
