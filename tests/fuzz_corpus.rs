//! Replays every fuzz corpus and regression file through the fuzz targets' functions on
//! stable Rust, so `cargo test` keeps every past finding fixed, and keeps the seed
//! corpus in step with the vectors.
//!
//! To (re)write the seeds after the vectors change:
//! `PARTNER_AUTH_WRITE_CORPUS=1 cargo test --test fuzz_corpus`.

// The fuzz targets' functions come with the `fuzzing` feature.
#![cfg(feature = "fuzzing")]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use partner_auth::fuzzing::{TARGETS, seeds};
use partner_auth::vectors;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors")
}

fn sha1_name(bytes: &[u8]) -> String {
    partner_auth::encoding::hex_lower(&partner_auth::encoding::sha1(bytes))
}

#[test]
fn seed_corpus_holds_every_seed_from_the_vectors() {
    let files = vectors::load_dir(&vectors_dir()).unwrap();
    let write = std::env::var_os("PARTNER_AUTH_WRITE_CORPUS").is_some();
    let mut missing = BTreeSet::new();
    for (target, bytes) in seeds(&files) {
        let path = root().join("corpus").join(target).join(sha1_name(&bytes));
        if path.exists() {
            continue;
        }
        if write {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &bytes).unwrap();
        } else {
            missing.insert(format!("{target}/{}", sha1_name(&bytes)));
        }
    }
    assert!(
        missing.is_empty(),
        "{} seeds derived from vectors/ are not in fuzz/corpus (first: {:?}); run PARTNER_AUTH_WRITE_CORPUS=1 cargo test --test fuzz_corpus",
        missing.len(),
        missing.iter().next()
    );
}

#[test]
fn every_corpus_and_regression_file_replays_clean() {
    let mut replayed = 0;
    for (name, run) in TARGETS {
        assert!(
            root()
                .join("fuzz_targets")
                .join(format!("{name}.rs"))
                .exists(),
            "no cargo-fuzz target for {name}"
        );
        let mut seeds = files_in(&root().join("corpus").join(name));
        if *name == "vector_file" {
            // Its seeds are the vector files themselves, never committed copies.
            assert!(
                seeds.is_empty(),
                "fuzz/corpus/vector_file holds copies of vector files: delete them (the fuzz runs read vectors/ itself)"
            );
            seeds = vectors::load_dir(&vectors_dir())
                .unwrap()
                .into_iter()
                .map(|f| f.path)
                .collect();
        }
        assert!(
            !seeds.is_empty() || *name == "signupto_verify_structured",
            "fuzz/corpus/{name} is empty"
        );
        for path in seeds
            .iter()
            .chain(files_in(&root().join("regressions").join(name)).iter())
        {
            let bytes = std::fs::read(path).unwrap();
            if let Err(panic) = std::panic::catch_unwind(|| run(&bytes)) {
                let msg = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                panic!("{name}: {} fails: {msg}", path.display());
            }
            replayed += 1;
        }
    }
    assert!(replayed > 100, "only {replayed} corpus files replayed");
}

#[test]
fn every_fuzz_target_file_is_registered() {
    for path in files_in(&root().join("fuzz_targets")) {
        let name = path.file_stem().unwrap().to_str().unwrap();
        assert!(
            TARGETS.iter().any(|(t, _)| *t == name),
            "{name}.rs is not in fuzzing::TARGETS"
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(&format!("partner_auth::fuzzing::{name}(")),
            "{name}.rs must be a thin call into fuzzing::{name}"
        );
    }
}

/// fuzz/Cargo.toml has exactly one `[[bin]]` per target file, each with one `name` and
/// the matching `path` (cargo-fuzz refuses the whole workspace otherwise, and only on
/// nightly, so stable CI must catch it here).
#[test]
fn fuzz_manifest_has_one_bin_per_target() {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let mut bins: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    let mut in_bin = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
            if in_bin {
                bins.push((Vec::new(), Vec::new()));
            }
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if let (true, Some(bin)) = (in_bin, bins.last_mut()) {
            let value = value.trim().trim_matches('"').to_owned();
            match key.trim() {
                "name" => bin.0.push(value),
                "path" => bin.1.push(value),
                _ => {}
            }
        }
    }
    let mut names = Vec::new();
    for (name, path) in &bins {
        assert!(
            name.len() == 1 && path.len() == 1,
            "a [[bin]] needs exactly one name and one path, found names {name:?} paths {path:?}"
        );
        assert_eq!(
            path[0],
            format!("fuzz_targets/{}.rs", name[0]),
            "[[bin]] {} points at another file",
            name[0]
        );
        names.push(name[0].clone());
    }
    let mut files: Vec<String> = files_in(&root().join("fuzz_targets"))
        .iter()
        .map(|p| p.file_stem().unwrap().to_str().unwrap().to_owned())
        .collect();
    files.sort();
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(
        sorted.len(),
        names.len(),
        "a [[bin]] name is repeated: {names:?}"
    );
    assert_eq!(sorted, files, "[[bin]] names vs fuzz/fuzz_targets/*.rs");
}
