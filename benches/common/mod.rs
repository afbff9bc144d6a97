//! What the benches that drive the sandbox share (`serve_load`, `soak`): environment
//! settings, resident memory from `/proc`, and the demo credentials' signers.

// Each bench includes this module and uses part of it.
#![allow(dead_code)]

use partner_auth::schemes::hmac;
use serde_json::Value;

/// The value of the environment variable `name` as a number, or `default` when it is
/// unset; a value that is not a number stops the bench with a message naming it.
pub fn env_or(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Err(_) => default,
        Ok(v) => v.trim().parse().unwrap_or_else(|_| {
            panic!("{name}={v:?}: expected a whole number (default {default})")
        }),
    }
}

/// Resident memory of process `pid` (this process when `None`), in KiB: `VmRSS` from
/// `/proc/<pid>/status` (Linux; `None` elsewhere or once the process is gone).
pub fn rss_kib(pid: Option<u32>) -> Option<u64> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/status"),
        None => "/proc/self/status".to_owned(),
    };
    let status = std::fs::read_to_string(path).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The sandbox's built-in demo credentials, keyed by scheme slug.
pub fn demo() -> Value {
    partner_auth::serve::demo::demo_json()
}

/// A string field of one scheme's demo credentials.
pub fn demo_str(slug: &str, field: &str) -> String {
    demo()[slug][field]
        .as_str()
        .unwrap_or_else(|| panic!("demo credentials: {slug}.{field} is not a string"))
        .to_owned()
}

/// A signer for the demo HMAC-SHA256 key.
pub fn demo_hmac_signer() -> hmac::Signer {
    hmac::Signer::new(
        demo_str("hmac-sha256", "api_key"),
        demo_str("hmac-sha256", "secret"),
    )
    .expect("the demo HMAC-SHA256 credentials are well formed")
}
