//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

// Each test binary uses its own part of these helpers.
#[allow(dead_code)]
pub(crate) mod perf;

/// `target/<profile>/deps/<test>-HASH` → `target/<profile>/examples/testsvc`; fails the
/// test with a clear message when the example was not built.
pub(crate) fn testsvc() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let path = exe
        .parent()
        .and_then(Path::parent)
        .map(|profile| profile.join("examples").join("testsvc"))
        .expect("the test binary lives in target/<profile>/deps");
    assert!(
        path.is_file(),
        "the test server is missing at {}: build it with `cargo build --example testsvc` \
         (plain `cargo test` builds it)",
        path.display()
    );
    path
}
