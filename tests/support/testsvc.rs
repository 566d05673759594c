//! The `testsvc` example: where it was built, a server of the test's own
//! ([`TestSvc`]), and a `service` block that has perfdsl start it ([`service_block`]).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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

/// A `testsvc ARGS` the test started on a free port; killed when dropped.
pub(crate) struct TestSvc {
    child: Child,
    /// `http://127.0.0.1:PORT`, whatever `--host` it was given.
    pub(crate) url: String,
    pub(crate) port: u16,
    _dir: tempfile::TempDir,
}

impl TestSvc {
    /// Starts `testsvc --port 0 --port-file F ARGS` and waits (20 s at most) for the port
    /// it writes once it listens.
    pub(crate) fn start(args: &[&str]) -> TestSvc {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let port_file = dir.path().join("port");
        let log = File::create(dir.path().join("testsvc.log")).expect("a log file");
        let mut child = Command::new(testsvc())
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
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                let log = std::fs::read_to_string(dir.path().join("testsvc.log"));
                panic!(
                    "testsvc did not start\n--- its log ---\n{}",
                    log.unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        TestSvc {
            child,
            url: format!("http://127.0.0.1:{port}"),
            port,
            _dir: dir,
        }
    }
}

impl Drop for TestSvc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `service svc` block that runs `testsvc --port {{ port }} ARGS` (perfdsl picks the
/// port), ready when `GET /health` answers `within` (`"10s"`), given 2 s to stop.
pub(crate) fn service_block(args: &[&str], within: &str) -> String {
    let mut run = format!("\"{}\" \"--port\" \"{{{{ port }}}}\"", testsvc().display());
    for a in args {
        run.push_str(&format!(" \"{a}\""));
    }
    format!(
        "service svc {{\n  run {run}\n  port auto\n  base_url \"http://127.0.0.1:{{{{ port }}}}\"\n  \
         ready GET /health within {within}\n  grace 2s\n}}\n"
    )
}
