//! The scheme registry against everything that lists schemes outside the code: the
//! vector files, the scheme tables of README.md and of the crate docs, the fuzz seeds.
//! Adding a scheme to one of them and not to the registry (or the other way round)
//! fails here, naming the slug.

use std::collections::BTreeSet;
use std::path::Path;

use partner_auth::registry;
use partner_auth::vectors;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn registry_slugs() -> BTreeSet<String> {
    registry::slugs().map(str::to_owned).collect()
}

#[test]
fn every_vector_file_is_a_registry_entry_and_every_entry_has_a_vector_file() {
    let files = vectors::load_dir(&root().join("vectors")).expect("vector files load");
    let mut with_file = BTreeSet::new();
    for f in &files {
        assert!(
            registry::get(&f.file.scheme).is_some(),
            "{}: scheme `{}` is not in the registry (src/registry.rs)",
            f.path.display(),
            f.file.scheme
        );
        assert!(
            with_file.insert(f.file.scheme.clone()),
            "{}: a second file for scheme `{}`",
            f.path.display(),
            f.file.scheme
        );
        let entry = registry::get(&f.file.scheme).unwrap();
        for case in &f.file.cases {
            assert!(
                entry.ops.contains(&case.op.as_str()),
                "{}: case {} has op `{}`, which the registry entry of `{}` does not list",
                f.path.display(),
                case.id,
                case.op,
                entry.slug
            );
        }
    }
    for e in registry::SCHEMES.iter().filter(|e| !e.ops.is_empty()) {
        assert!(
            with_file.contains(e.slug),
            "registry entry `{}` has ops but no vector file under vectors/",
            e.slug
        );
    }
}

/// The slugs named in the first column of a markdown table, one row per line starting
/// with `prefix` + `|`: every backticked word of the first cell. `group/*` stands for
/// every registry entry of that group (at least one).
fn table_slugs(text: &str, prefix: &str, what: &str) -> BTreeSet<String> {
    let mut slugs = BTreeSet::new();
    for line in text.lines() {
        let Some(row) = line.strip_prefix(prefix) else {
            continue;
        };
        let Some(first) = row
            .trim_start()
            .strip_prefix('|')
            .and_then(|r| r.split('|').next())
        else {
            continue;
        };
        for (i, word) in first.split('`').enumerate() {
            if i % 2 == 0 || word == "slug" {
                continue;
            }
            if let Some(group) = word.strip_suffix("/*") {
                let members: Vec<&str> = registry::SCHEMES
                    .iter()
                    .filter(|e| e.group() == group && e.slug != group)
                    .map(|e| e.slug)
                    .collect();
                assert!(
                    !members.is_empty(),
                    "{what}: `{word}` matches no registry entry"
                );
                slugs.extend(members.into_iter().map(str::to_owned));
            } else {
                assert!(slugs.insert(word.to_owned()), "{what}: `{word}` twice");
            }
        }
    }
    assert!(!slugs.is_empty(), "{what}: no scheme table found");
    slugs
}

fn section<'a>(text: &'a str, heading: &str) -> &'a str {
    let start = text
        .find(heading)
        .unwrap_or_else(|| panic!("no `{heading}` heading"));
    let rest = &text[start + heading.len()..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    &rest[..end]
}

#[test]
fn the_readme_scheme_table_lists_exactly_the_registry() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let table = table_slugs(section(&readme, "\n## Schemes\n"), "", "README.md, Schemes");
    assert_eq!(
        table,
        registry_slugs(),
        "README.md's scheme table (left) and src/registry.rs (right) differ"
    );
}

#[test]
fn the_crate_docs_scheme_table_lists_exactly_the_registry() {
    let lib = std::fs::read_to_string(root().join("src/lib.rs")).unwrap();
    let table = table_slugs(&lib, "//!", "src/lib.rs crate docs");
    assert_eq!(
        table,
        registry_slugs(),
        "the crate docs' scheme table (left) and src/registry.rs (right) differ"
    );
}

#[test]
fn table_slugs_reads_first_cells_only_and_expands_groups() {
    let text = "| slug | x |\n|---|---|\n| `a`, `b` | `not-this` |\n| `primitives/*` | y |\n";
    let got = table_slugs(text, "", "example");
    assert!(got.contains("a") && got.contains("b") && got.contains("primitives/sha1"));
    assert!(!got.contains("not-this") && !got.contains("primitives/*"));
}

#[cfg(feature = "fuzzing")]
#[test]
fn every_entry_with_a_seed_builder_gets_seeds_from_its_vector_file() {
    let files = vectors::load_dir(&root().join("vectors")).expect("vector files load");
    for e in registry::SCHEMES.iter().filter(|e| e.fuzz_seeds.is_some()) {
        let file: Vec<_> = files
            .iter()
            .filter(|f| f.file.scheme == e.slug)
            .cloned()
            .collect();
        assert_eq!(file.len(), 1, "`{}`: no vector file", e.slug);
        let seeds = partner_auth::fuzzing::seeds(&file);
        assert!(
            !seeds.is_empty(),
            "`{}`: its seed builder makes no seed from its vector file",
            e.slug
        );
    }
}

#[cfg(all(feature = "client", feature = "server"))]
#[test]
fn every_probe_module_declares_accept_everything_cases_and_a_default_path() {
    for e in registry::SCHEMES {
        let Some(m) = e.probe else { continue };
        assert!(
            m.default_path.starts_with('/'),
            "`{}`: default path {:?}",
            e.slug,
            m.default_path
        );
        assert!(
            !m.accept_everything.fail.is_empty(),
            "`{}`: its probe module names no case an accept-everything server must fail",
            e.slug
        );
        for case in m.accept_everything.pass {
            assert!(
                !m.accept_everything.fail.contains(case),
                "`{}`: `{case}` both passes and fails",
                e.slug
            );
        }
    }
}

/// The probe drives the sandbox with its demo credentials, and `probe --help` promises a
/// probe for every scheme the sandbox serves: the two lists are one.
#[cfg(all(feature = "client", feature = "server"))]
#[test]
fn every_probed_scheme_has_a_sandbox_and_every_sandboxed_scheme_a_probe() {
    for e in registry::SCHEMES {
        assert_eq!(
            e.probe.is_some(),
            e.sandbox.is_some(),
            "`{}`: {} (src/registry.rs: set both `probe` and `sandbox`, or neither)",
            e.slug,
            if e.probe.is_some() {
                "has a probe module but no sandbox API"
            } else {
                "has a sandbox API but no probe module"
            }
        );
    }
}

/// Each sandbox API's demo credentials are keyed by exactly the slugs whose registry
/// entries name that API, and no two APIs share a mount.
#[cfg(feature = "server")]
#[test]
fn every_sandbox_api_has_demo_credentials_for_exactly_its_schemes() {
    let apis = partner_auth::serve::apis();
    assert!(!apis.is_empty(), "no registry entry names a sandbox API");
    let mut mounts = BTreeSet::new();
    for api in &apis {
        assert!(mounts.insert(api.mount), "two APIs mount {}", api.mount);
        let demo: BTreeSet<&str> = (api.demo)().into_iter().map(|(s, _)| s).collect();
        let registered: BTreeSet<&str> = api.schemes().collect();
        assert_eq!(
            demo, registered,
            "the API mounted at {}: demo credentials for {demo:?}, registry entries {registered:?}",
            api.mount
        );
    }
    let served: BTreeSet<&str> = apis.iter().flat_map(|a| a.schemes()).collect();
    let sandboxed: BTreeSet<&str> = registry::sandboxed().map(|e| e.slug).collect();
    assert_eq!(served, sandboxed);
    for slug in registry::slugs() {
        assert_eq!(
            registry::sandbox_serves(slug),
            sandboxed.contains(slug),
            "{slug}"
        );
    }
}

#[cfg(feature = "fuzzing")]
#[test]
fn every_seed_goes_to_a_fuzz_target_that_exists() {
    let files = vectors::load_dir(&root().join("vectors")).expect("vector files load");
    let targets: BTreeSet<&str> = partner_auth::fuzzing::seeds(&files)
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    assert!(!targets.is_empty());
    for t in targets {
        assert!(
            partner_auth::fuzzing::TARGETS.iter().any(|(n, _)| *n == t),
            "a seed builder writes seeds for `{t}`, which is not in fuzzing::TARGETS"
        );
        let file = root().join("fuzz/fuzz_targets").join(format!("{t}.rs"));
        assert!(file.exists(), "seeds for `{t}` but no {}", file.display());
    }
}
