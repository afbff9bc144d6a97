//! What `cargo package` ships: every file the library, the CLI and the bundled vectors
//! need, and nothing a dependent never needs. Compared with the files on disk, so a new
//! vector file or source file that the `include` list in Cargo.toml misses fails here
//! instead of silently dropping out of the published crate.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// Files cargo adds to every package on its own (`.cargo_vcs_info.json` only when the
/// package is built from a git checkout).
const CARGO_GENERATED: &[&str] = &["Cargo.toml.orig", "Cargo.lock", ".cargo_vcs_info.json"];

/// Top-level files the package must carry.
const TOP_LEVEL: &[&str] = &[
    "Cargo.toml",
    "README.md",
    "CHANGELOG.md",
    "LICENSE-MIT",
    "LICENSE-APACHE",
];

/// Paths no packaged file may start with: the fixtures the tests read from a clone
/// (fuzzing, snapshots, shims, the test shims), CI files and build output.
const LEFT_OUT: &[&str] = &[
    "target/",
    "fuzz/",
    "snapshots/",
    "examples/",
    "tests/shims/",
    ".ci/",
    ".clusterfuzzlite/",
    "proptest-regressions/",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `cargo package --list`: the paths the package would hold, relative to its root.
fn package_list() -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(&cargo)
        .args([
            "package",
            "--list",
            "--allow-dirty",
            "--locked",
            "--offline",
        ])
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{cargo} package --list`: {e}"));
    assert!(
        out.status.success(),
        "`cargo package --list --allow-dirty --locked --offline` failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("cargo package --list prints UTF-8 paths")
        .lines()
        .map(|l| l.trim().replace('\\', "/"))
        .filter(|l| !l.is_empty())
        .collect()
}

/// Every file under `dir` (relative to the package root, `/`-separated) that `keep`
/// takes.
fn files_under(dir: &str, keep: &dyn Fn(&str) -> bool) -> BTreeSet<String> {
    fn walk(path: &Path, out: &mut Vec<std::path::PathBuf>) {
        let entries = std::fs::read_dir(path)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", path.display()));
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
    walk(&root().join(dir), &mut paths);
    paths
        .iter()
        .map(|p| {
            p.strip_prefix(root())
                .expect("under the package root")
                .to_string_lossy()
                .replace('\\', "/")
        })
        .filter(|p| keep(p))
        .collect()
}

/// What the package must hold, built from the files on disk.
fn required() -> BTreeSet<String> {
    let mut want: BTreeSet<String> = TOP_LEVEL.iter().map(|s| s.to_string()).collect();
    // Every source file, and the page `src/cli/matrix.rs` embeds with `include_str!`.
    want.extend(files_under("src", &|p| {
        p.ends_with(".rs") || p == "src/cli/matrix.html"
    }));
    // Every file the vector loader reads (every `*.json` under vectors/, schema.json
    // among them), the folder's README, CHANGELOG and CC0 licence, and the generators
    // that computed the expected values.
    want.extend(files_under("vectors", &|p| {
        p.ends_with(".json")
            || p == "vectors/README.md"
            || p == "vectors/CHANGELOG.md"
            || p == "vectors/LICENSE"
            || (p.starts_with("vectors/generators/") && p.ends_with(".py"))
    }));
    // The integration tests and benches as sources: cargo drops (with a warning) every
    // test or bench target whose file the package leaves out.
    want.extend(files_under("tests", &|p| p.ends_with(".rs")));
    want.extend(files_under("benches", &|p| p.ends_with(".rs")));
    want
}

#[test]
fn the_package_holds_every_source_and_vector_file() {
    let listed = package_list();
    let want = required();
    for must in [
        "src/lib.rs",
        "src/main.rs",
        "src/cli/matrix.html",
        "vectors/schema.json",
        "vectors/hmac-sha256.json",
        "vectors/LICENSE",
        "tests/package.rs",
        "benches/hmac.rs",
    ] {
        assert!(
            want.contains(must),
            "{must} is missing from the checkout itself"
        );
    }
    let missing: Vec<&String> = want.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "`cargo package --list` leaves out {missing:?}: add them to `include` in Cargo.toml"
    );
}

#[test]
fn the_package_holds_nothing_else() {
    let listed = package_list();
    let want = required();
    let left_out: Vec<&String> = listed
        .iter()
        .filter(|p| LEFT_OUT.iter().any(|dir| p.starts_with(dir)))
        .collect();
    assert!(
        left_out.is_empty(),
        "the package carries {left_out:?}, which a dependent never needs: narrow `include` in Cargo.toml"
    );
    let unexpected: Vec<&String> = listed
        .iter()
        .filter(|p| !want.contains(*p) && !CARGO_GENERATED.contains(&p.as_str()))
        .collect();
    assert!(
        unexpected.is_empty(),
        "the package carries {unexpected:?}, which no list in tests/package.rs expects: \
         leave them out of `include` in Cargo.toml or add them here with the reason"
    );
}
