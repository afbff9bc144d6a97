//! The vector files compiled into the crate, so a downstream `cargo test` runs them
//! without knowing where they are on disk.
//!
//! ```
//! use partner_auth::reference::Reference;
//! use partner_auth::vectors::{self, Selection, Strictness};
//!
//! let report = vectors::run(
//!     vectors::bundled(),
//!     &mut Reference,
//!     Strictness::Reference,
//!     &Selection::default(),
//!     |_, _| {},
//! )?;
//! assert_eq!(report.failures().count(), 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::PathBuf;
use std::sync::OnceLock;

use super::load::{LoadedFile, parse_file};

macro_rules! bundle {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/", $path)))),*]
    };
}

/// Every vector file under `vectors/` (the files [`load_dir`](super::load_dir) finds
/// there: `*.json` except `schema.json`), as `(path, text)`, sorted by path. The crate's
/// tests check this list against the directory, so a file added there and not here fails
/// them.
pub const BUNDLED_FILES: &[(&str, &str)] = bundle![
    "vectors/groupcall-customer.json",
    "vectors/groupcall-partner.json",
    "vectors/hmac-sha256.json",
    "vectors/partners-portal.json",
    "vectors/primitives/base64.json",
    "vectors/primitives/hmac-sha1.json",
    "vectors/primitives/hmac-sha256.json",
    "vectors/primitives/sha1.json",
    "vectors/primitives/sha256.json",
    "vectors/signupto-hash.json",
    "vectors/signupto-partner-hash.json",
    "vectors/signupto-token.json",
];

/// Every bundled vector file, parsed and checked by the same loader as
/// [`load_dir`](super::load_dir), with paths relative to the crate root
/// (`vectors/hmac-sha256.json`). Parsed once, on first use.
///
/// # Panics
/// If a bundled file does not load, which the crate's own tests rule out
/// (`tests/vectors.rs`).
pub fn bundled() -> &'static [LoadedFile] {
    static FILES: OnceLock<Vec<LoadedFile>> = OnceLock::new();
    FILES.get_or_init(|| {
        BUNDLED_FILES
            .iter()
            .map(|&(path, text)| {
                let path = PathBuf::from(path);
                match parse_file(&path, text) {
                    Ok(file) => LoadedFile { path, file },
                    Err(e) => panic!("a bundled vector file does not load: {e}"),
                }
            })
            .collect()
    })
}
