//! The crate this project depends on bundles every vector file the repository holds.
//!
//! Run from this folder, the crate is the checkout two levels up; `.ci/run` also runs
//! this test against the crate as `cargo package` packed it (unpacked into a scratch
//! directory), with `PARTNER_AUTH_VECTORS_DIR` naming the repository's `vectors/`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The repository's vector files: every `*.json` under `vectors/` but the schema,
/// relative to the repository root (`vectors/hmac-sha256.json`).
fn on_disk(dir: &Path) -> BTreeSet<String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| {
            panic!(
                "cannot list {}: {e} (set PARTNER_AUTH_VECTORS_DIR to the repository's vectors/)",
                dir.display()
            )
        });
        for entry in entries {
            let p = entry.expect("directory entry").path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut paths = Vec::new();
    walk(dir, &mut paths);
    paths
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter(|p| p.file_name().is_some_and(|n| n != "schema.json"))
        .map(|p| {
            let rel = p.strip_prefix(dir).expect("under the vectors folder");
            format!("vectors/{}", rel.to_string_lossy().replace('\\', "/"))
        })
        .collect()
}

#[test]
fn every_vector_file_of_the_repository_is_bundled() {
    let dir = std::env::var_os("PARTNER_AUTH_VECTORS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../vectors"));
    let want = on_disk(&dir);
    assert!(
        want.len() >= 12,
        "{} holds only {} vector files: is it the repository's vectors/?",
        dir.display(),
        want.len()
    );
    let bundled: BTreeSet<String> = partner_auth::vectors::bundled()
        .iter()
        .map(|f| f.path.to_string_lossy().replace('\\', "/"))
        .collect();
    let missing: Vec<&String> = want.difference(&bundled).collect();
    let extra: Vec<&String> = bundled.difference(&want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "bundled() misses {missing:?} and has {extra:?} beyond {}",
        dir.display()
    );
    for file in partner_auth::vectors::bundled() {
        assert!(
            !file.file.cases.is_empty(),
            "{} bundles no case",
            file.path.display()
        );
    }
}
