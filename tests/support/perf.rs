//! Running the built `perfdsl run` against a `testsvc` the test starts: the server, the
//! run, and what it printed and wrote.

use std::fs::File;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::testsvc;

/// The longest any single `perfdsl run` may take before the test gives up on it.
pub(crate) const RUN_LIMIT: Duration = Duration::from_secs(60);

/// A `testsvc` started by the test on a free port; killed when dropped.
pub(crate) struct Svc {
    child: Child,
    pub url: String,
    _dir: tempfile::TempDir,
}

impl Svc {
    pub(crate) fn start(args: &[&str]) -> Svc {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let port_file = dir.path().join("port");
        let log = File::create(dir.path().join("testsvc.log")).expect("a log file");
        let child = Command::new(testsvc())
            .args(["--port", "0", "--port-file"])
            .arg(&port_file)
            .args(args)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("a second handle"))
            .stderr(log)
            .spawn()
            .expect("testsvc starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        let port = loop {
            // The file is renamed into place once complete.
            if let Ok(text) = std::fs::read_to_string(&port_file) {
                break text.trim().parse::<u16>().expect("a port number");
            }
            assert!(Instant::now() < deadline, "testsvc did not start");
            std::thread::sleep(Duration::from_millis(10));
        };
        Svc {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        }
    }
}

impl Drop for Svc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What one `perfdsl run` did.
#[derive(Debug)]
pub(crate) struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// The results file, when it was written.
    pub json: Option<Value>,
    pub took: Duration,
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

    pub(crate) fn assert_code(&self, code: i32) {
        assert_eq!(self.code, code, "unexpected exit code\n{self}");
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {} after {:.1}s\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code,
            self.took.as_secs_f64(),
            self.stdout,
            self.stderr
        )
    }
}

/// Writes `perf` to `DIR/test.perf` and runs
/// `perfdsl run test.perf --json out.json --quiet --color never ARGS` in `DIR`.
pub(crate) fn run_in(dir: &Path, perf: &str, args: &[&str]) -> Run {
    std::fs::write(dir.join("test.perf"), perf).expect("write the .perf file");
    let _ = std::fs::remove_file(dir.join("out.json"));
    let (out, err) = (dir.join("stdout.txt"), dir.join("stderr.txt"));
    let began = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_perfdsl"))
        .args(["run", "test.perf", "--json", "out.json", "--quiet"])
        .args(["--color", "never"])
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        // The gate's outputs stay in `dir`: no CI step summary, no outside history.
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("PERFDSL_HISTORY")
        .stdin(Stdio::null())
        .stdout(File::create(&out).expect("stdout file"))
        .stderr(File::create(&err).expect("stderr file"))
        .spawn()
        .expect("perfdsl starts");
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for perfdsl") {
            break status;
        }
        if began.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "perfdsl ran longer than {RUN_LIMIT:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
                std::fs::read_to_string(&out).unwrap_or_default(),
                std::fs::read_to_string(&err).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = began.elapsed();
    let json = std::fs::read_to_string(dir.join("out.json"))
        .ok()
        .map(|t| serde_json::from_str(&t).expect("the results file is JSON"));
    Run {
        code: status.code().unwrap_or(-1),
        stdout: std::fs::read_to_string(&out).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err).unwrap_or_default(),
        json,
        took,
    }
}

/// `run_in` a fresh temporary directory.
pub(crate) fn run(perf: &str, args: &[&str]) -> Run {
    let dir = tempfile::tempdir().expect("a temporary directory");
    run_in(dir.path(), perf, args)
}

/// `target "URL"` followed by `body`.
pub(crate) fn against(svc: &Svc, body: &str) -> String {
    format!("target \"{}\"\n{body}", svc.url)
}

/// Runs `perfdsl ARGS --color never` in `dir` with `env` added, outside any git repository
/// and CI summary; (exit code, stdout, stderr).
pub(crate) fn perfdsl(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_perfdsl"));
    cmd.args(args)
        .args(["--color", "never"])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("GIT_CEILING_DIRECTORIES", dir.parent().unwrap_or(dir))
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("PERFDSL_HISTORY")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("perfdsl runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
