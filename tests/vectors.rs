//! Every vector file against the reference, the JSON Schema, and the generators that
//! computed the expected values.

use std::path::{Path, PathBuf};
use std::process::Command;

use partner_auth::reference::{self, Reference};
use partner_auth::vectors::{self, Outcome, Profile, Selection, Strictness};

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors")
}

#[test]
fn every_vector_passes_against_the_reference() {
    let files = vectors::load_dir(&vectors_dir()).expect("vector files load");
    assert!(!files.is_empty());
    for f in &files {
        assert!(
            reference::supports(&f.file.scheme),
            "{}: scheme `{}` has no reference implementation",
            f.path.display(),
            f.file.scheme
        );
    }
    for profile in Profile::ALL {
        let report = vectors::run_profile(
            &files,
            &mut Reference,
            Strictness::Reference,
            profile,
            &Selection::default(),
            |_, _| {},
        )
        .unwrap();
        assert_eq!(report.profile, profile);
        let failures: Vec<String> = report
            .failures()
            .map(|c| match &c.outcome {
                Outcome::Failed {
                    stage,
                    expected,
                    actual,
                } => {
                    format!(
                        "{} [{stage}]\n  expected: {expected}\n  actual:   {actual}",
                        c.id
                    )
                }
                _ => unreachable!(),
            })
            .collect();
        assert!(
            failures.is_empty(),
            "profile {profile}: {} case(s) failed:\n{}",
            failures.len(),
            failures.join("\n")
        );
        assert_eq!(report.total().skipped, 0, "the reference skips nothing");
        // The hardened cases: reported acceptable under conformance, passed under hardened.
        let hardened: std::collections::HashSet<&str> = files
            .iter()
            .flat_map(|f| &f.file.cases)
            .filter(|c| c.profile == Profile::Hardened)
            .map(|c| c.id.as_str())
            .collect();
        for case in report.schemes.iter().flat_map(|s| &s.cases) {
            if !hardened.contains(case.id.as_str()) {
                continue;
            }
            match profile {
                Profile::Conformance => assert!(
                    matches!(case.outcome, Outcome::Acceptable { .. }),
                    "{}: {:?}",
                    case.id,
                    case.outcome
                ),
                Profile::Hardened => assert_eq!(case.outcome, Outcome::Passed, "{}", case.id),
            }
        }
    }
}

/// Every file's hardened properties are each pinned by a case, and the four verify
/// schemes with memory between requests hold scenarios and hardened cases.
#[test]
fn hardened_properties_and_scenarios_are_present() {
    let files = vectors::load_dir(&vectors_dir()).unwrap();
    for f in &files {
        for id in f.file.hardened.keys() {
            let entry = format!("hardened:{id}");
            assert!(
                f.file.cases.iter().any(|c| c.basis.contains(&entry)),
                "{}: hardened property {id} is pinned by no case",
                f.path.display()
            );
        }
    }
    for scheme in [
        "signupto-hash",
        "signupto-partner-hash",
        "signupto-token",
        "hmac-sha256",
        "partners-portal",
    ] {
        let cases: Vec<_> = files
            .iter()
            .filter(|f| f.file.scheme == scheme)
            .flat_map(|f| &f.file.cases)
            .collect();
        assert!(
            cases.iter().any(|c| c.op == "scenario"),
            "{scheme}: no scenario"
        );
        assert!(
            cases.iter().any(|c| c.profile == Profile::Hardened),
            "{scheme}: no hardened case"
        );
    }
}

#[test]
fn every_vector_file_matches_the_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(vectors_dir().join("schema.json")).unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("schema.json is a valid JSON Schema");
    for f in vectors::load_dir(&vectors_dir()).unwrap() {
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&f.path).unwrap()).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .take(5)
            .collect();
        assert!(
            errors.is_empty(),
            "{}: {}",
            f.path.display(),
            errors.join("; ")
        );
    }
}

/// The schema states the profile rules the loader enforces: a hardened case names a
/// `hardened:` property and is valid or invalid; a conformance case names none.
#[test]
fn the_schema_holds_the_profile_rules() {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(vectors_dir().join("schema.json")).unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("schema.json is a valid JSON Schema");
    let doc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(vectors_dir().join("hmac-sha256.json")).unwrap(),
    )
    .unwrap();
    let hardened = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c["profile"] == "hardened")
        .expect("hmac-sha256.json holds a hardened case");
    let conformance = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c.get("profile").is_none() && c["expect"]["result"] == "invalid")
        .unwrap();
    assert!(validator.is_valid(&doc));
    type Edit = Box<dyn Fn(&mut serde_json::Value)>;
    let edits: [(&str, Edit); 5] = [
        (
            "a hardened case without a hardened: basis",
            Box::new(move |d| {
                d["cases"][hardened]["basis"] = serde_json::json!(["rfc4648#4"]);
            }),
        ),
        (
            "a hardened case graded acceptable",
            Box::new(move |d| {
                d["cases"][hardened]["expect"] = serde_json::json!({"result": "acceptable", "reference": "invalid", "error": "GA2004"});
            }),
        ),
        (
            "a hardened: basis on a conformance case",
            Box::new(move |d| {
                d["cases"][conformance]["basis"] = serde_json::json!(["hardened:NONCE_LENGTH"]);
            }),
        ),
        (
            "an unknown profile",
            Box::new(move |d| d["cases"][hardened]["profile"] = "strict".into()),
        ),
        (
            "a hardened property without `why`",
            Box::new(|d| {
                d["hardened"]["NONCE_LENGTH"]
                    .as_object_mut()
                    .unwrap()
                    .remove("why");
            }),
        ),
    ];
    for (what, edit) in edits {
        let mut bad = doc.clone();
        edit(&mut bad);
        assert!(!validator.is_valid(&bad), "the schema accepts {what}");
    }
}

#[test]
fn vector_files_carry_no_raw_cr() {
    // CR and LF inside strings are escapes; a raw CR means something normalised or
    // wrote line endings it should not have.
    for f in vectors::load_dir(&vectors_dir()).unwrap() {
        let bytes = std::fs::read(&f.path).unwrap();
        assert!(
            !bytes.contains(&b'\r'),
            "{} holds a raw CR byte",
            f.path.display()
        );
    }
}

#[test]
fn generators_reproduce_the_committed_files() {
    // The expected values come from these stdlib-only Python programs, which share no
    // code with the reference. If a file was edited by hand, or a generator changed
    // without rewriting its files, this fails.
    let dir = vectors_dir().join("generators");
    let mut ran = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "py") {
            continue;
        }
        let out = Command::new("python3")
            .arg(&path)
            .arg("--check")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("python3 runs (install it: the vectors' provenance depends on it)");
        assert!(
            out.status.success(),
            "{} --check failed:\n{}{}",
            path.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        ran += 1;
    }
    assert!(ran >= 2, "expected the generators in {}", dir.display());
}

#[test]
fn case_counts_meet_the_floor() {
    let files = vectors::load_dir(&vectors_dir()).unwrap();
    let count = |scheme: &str, ops: &[&str]| -> usize {
        files
            .iter()
            .filter(|f| f.file.scheme == scheme)
            .flat_map(|f| &f.file.cases)
            .filter(|c| ops.contains(&c.op.as_str()))
            .count()
    };
    assert!(count("signupto-hash", &["sign", "verify"]) >= 30);
    assert!(count("signupto-partner-hash", &["sign", "verify"]) >= 30);
    assert!(
        count(
            "signupto-token",
            &["token-request", "parse-token-response", "sign", "verify"]
        ) >= 10
    );
    assert!(count("partners-portal", &["scenario"]) >= 40);
    assert!(
        count(
            "partners-portal",
            &["parse-login-response", "parse-error-body"]
        ) >= 25
    );
    assert_eq!(
        count("primitives/hmac-sha1", &["mac"]),
        8,
        "RFC 2202's 7 cases, case 5 twice (full and truncated)"
    );
    let groupcall = ["build", "verify", "parse-response"];
    assert!(count("groupcall-customer", &groupcall) >= 100);
    assert!(count("groupcall-partner", &groupcall) >= 30);
    assert!(count("hmac-sha256", &["sign", "verify"]) >= 100);
    assert!(count("hmac-sha256", &["error-response", "parse-error"]) >= 30);
}

/// `vectors::bundled()` is exactly the directory: every file `load_dir` finds, under the
/// same relative path, with the same text and the same parsed content, and nothing else.
#[test]
fn the_bundled_vectors_are_exactly_the_files_on_disk() {
    use std::collections::BTreeMap;

    let dir = vectors_dir();
    let on_disk: BTreeMap<String, (String, vectors::VectorFile)> = vectors::load_dir(&dir)
        .expect("vector files load")
        .into_iter()
        .map(|f| {
            let rel = f.path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap();
            let key = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let text = std::fs::read_to_string(&f.path).unwrap();
            (key, (text, f.file))
        })
        .collect();
    let bundled = vectors::bundled();
    assert_eq!(bundled.len(), vectors::BUNDLED_FILES.len());

    let missing: Vec<&String> = on_disk
        .keys()
        .filter(|p| !vectors::BUNDLED_FILES.iter().any(|(b, _)| b == p))
        .collect();
    assert!(
        missing.is_empty(),
        "on disk but not bundled: {missing:?}; add each to BUNDLED_FILES in src/vectors/bundled.rs"
    );
    let extra: Vec<&str> = vectors::BUNDLED_FILES
        .iter()
        .map(|(b, _)| *b)
        .filter(|b| !on_disk.contains_key(*b))
        .collect();
    assert!(
        extra.is_empty(),
        "bundled but not found by load_dir: {extra:?}; remove each from src/vectors/bundled.rs"
    );

    let paths: Vec<&str> = vectors::BUNDLED_FILES.iter().map(|(p, _)| *p).collect();
    let mut sorted = paths.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(paths, sorted, "BUNDLED_FILES: sorted by path, each once");

    for ((path, text), loaded) in vectors::BUNDLED_FILES.iter().zip(bundled) {
        let (disk_text, disk_file) = &on_disk[*path];
        assert_eq!(loaded.path, Path::new(path));
        assert!(
            text == disk_text,
            "{path}: the bundled text differs from the file"
        );
        assert!(
            loaded.file == *disk_file,
            "{path}: the bundled file parses differently"
        );
    }
}
