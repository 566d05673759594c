//! `perfdsl run` of a `.perf` text the test wrote: what it printed and the results file
//! it wrote.

use std::ops::Deref;
use std::path::Path;

use serde_json::Value;

use super::{Output, Perfdsl, TestSvc};

/// What one `perfdsl run` did: its [`Output`] (and the assertions on it) and the results
/// file.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) output: Output,
    /// The results file, when it was written.
    pub(crate) json: Option<Value>,
}

impl Run {
    /// The results file (panics with the output when there is none).
    pub(crate) fn results(&self) -> &Value {
        self.json
            .as_ref()
            .unwrap_or_else(|| panic!("no results file\n{self}"))
    }

    pub(crate) fn scenario(&self, i: usize) -> &Value {
        &self.results()["scenarios"][i]
    }

    /// A scenario metric (panics when it is missing).
    pub(crate) fn metric(&self, i: usize, name: &str) -> f64 {
        self.scenario(i)["metrics"][name]
            .as_f64()
            .unwrap_or_else(|| panic!("no metric `{name}` in scenario {i}\n{self}"))
    }

    /// A step metric (panics when it is missing).
    pub(crate) fn step_metric(&self, i: usize, step: usize, name: &str) -> f64 {
        self.scenario(i)["steps"][step]["metrics"][name]
            .as_f64()
            .unwrap_or_else(|| panic!("no metric `{name}` in step {step} of scenario {i}\n{self}"))
    }
}

impl Deref for Run {
    type Target = Output;

    fn deref(&self) -> &Output {
        &self.output
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.output.fmt(f)
    }
}

/// Writes `perf` to `DIR/test.perf` and runs
/// `perfdsl run test.perf --json out.json --quiet ARGS` in `DIR`.
pub(crate) fn run_in(dir: &Path, perf: &str, args: &[&str]) -> Run {
    std::fs::write(dir.join("test.perf"), perf).expect("write the .perf file");
    let _ = std::fs::remove_file(dir.join("out.json"));
    let output = Perfdsl::new()
        .current_dir(dir)
        .args(["run", "test.perf", "--json", "out.json", "--quiet"])
        .args(args)
        .run();
    let json = std::fs::read_to_string(dir.join("out.json"))
        .ok()
        .map(|t| serde_json::from_str(&t).expect("the results file is JSON"));
    Run { output, json }
}

/// `run_in` a fresh temporary directory.
pub(crate) fn run(perf: &str, args: &[&str]) -> Run {
    let dir = tempfile::tempdir().expect("a temporary directory");
    run_in(dir.path(), perf, args)
}

/// `target "URL"` followed by `body`.
pub(crate) fn against(svc: &TestSvc, body: &str) -> String {
    format!("target \"{}\"\n{body}", svc.url)
}
