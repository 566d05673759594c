//! The house's boundaries that the compiler alone does not keep.

use std::path::Path;
use std::process::Command;

/// The names of the crates in `perfdsl-core`'s normal dependency tree.
fn core_dependencies() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(env!("CARGO"))
        .current_dir(root)
        .args([
            "tree",
            "-p",
            "perfdsl-core",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{lib}",
            "--locked",
            "--offline",
        ])
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or("").to_string())
        .filter(|n| !n.is_empty())
        .collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn the_front_end_crate_has_no_network_async_or_database_dependency() {
    let names = core_dependencies();
    // The tree was really read: the parser and the hook engine are in it.
    for expected in ["perfdsl_core", "pest", "rhai", "miette"] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
    let banned = [
        "tokio",
        "hyper",
        "hyper_util",
        "sqlx",
        "sqlx_core",
        "mio",
        "h2",
    ];
    let found: Vec<&String> = names
        .iter()
        .filter(|n| banned.contains(&n.as_str()))
        .collect();
    assert!(found.is_empty(), "perfdsl-core depends on {found:?}");
}
