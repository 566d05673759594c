//! The service lifecycle against real processes: the `testsvc` example started, probed,
//! stopped and killed, and its process group checked with `kill(-pgid, 0)`.

use std::path::Path;
use std::time::{Duration, Instant};

use hyper::Method;
use miette::Diagnostic;
use perfdsl::service::{
    pick_free_port, until_interrupted, Ended, ReadyProbe, RunningService, ServiceError, ServiceSpec,
};

mod support;
use support::testsvc;

/// A spec for `testsvc --port P ARGS`, logging into a fresh temporary directory.
fn spec(args: &[&str], within: Duration, grace: Duration) -> (ServiceSpec, tempfile::TempDir) {
    let port = pick_free_port().expect("a free port");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut argv = vec![
        testsvc().display().to_string(),
        "--port".into(),
        port.to_string(),
    ];
    argv.extend(args.iter().map(std::string::ToString::to_string));
    let spec = ServiceSpec {
        name: "testsvc".into(),
        argv,
        dir: None,
        env: vec![("PERFDSL_TEST".into(), "1".into())],
        base_url: format!("http://127.0.0.1:{port}"),
        ready: ReadyProbe {
            method: Method::GET,
            path: "/health".into(),
            within,
        },
        grace,
        log_path: dir.path().join("logs").join("testsvc.log"),
        secrets: Vec::new(),
    };
    (spec, dir)
}

/// Polls `check` every 20 ms until it holds or `limit` passes.
async fn eventually(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if check() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `kill(target, 0)` fails with ESRCH: no such process (or group, for a negative target).
fn gone(target: i32) -> bool {
    // SAFETY: signal 0 sends nothing.
    let rc = unsafe { libc::kill(target, 0) };
    rc == -1 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
}

/// Waits (zombies need their parent to reap them) until the group and the pids are gone.
async fn assert_all_gone(pgid: u32, pids: &[u32]) {
    let pgid = i32::try_from(pgid).expect("a pid");
    let group = eventually(Duration::from_secs(3), || gone(-pgid)).await;
    assert!(group, "process group {pgid} still has members");
    for &pid in pids {
        let pid = i32::try_from(pid).expect("a pid");
        assert!(
            eventually(Duration::from_secs(3), || gone(pid)).await,
            "pid {pid} survived"
        );
    }
}

/// The number after `prefix` on a line of the log, waiting for it to be written.
async fn pid_in_log(log: &Path, prefix: &str) -> u32 {
    let mut found = None;
    eventually(Duration::from_secs(5), || {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        found = text
            .lines()
            .find_map(|line| line.strip_prefix(prefix))
            .and_then(|n| n.trim().parse().ok());
        found.is_some()
    })
    .await;
    found.unwrap_or_else(|| panic!("no `{prefix}N` line in {}", log.display()))
}

const LONG: Duration = Duration::from_secs(15);
const GRACE: Duration = Duration::from_secs(5);

#[tokio::test]
async fn starts_becomes_ready_and_stops_on_sigterm() {
    let (spec, _dir) = spec(&["--ready-after", "300ms"], LONG, GRACE);
    let log = spec.log_path.clone();
    let service = RunningService::start(spec)
        .await
        .expect("the service starts");
    assert!(
        service.ready_after() >= Duration::from_millis(250),
        "{:?}",
        service.ready_after()
    );
    let pid = service.pid();
    let text = std::fs::read_to_string(&log).expect("the log exists");
    assert!(text.starts_with("--- perfdsl: starting "), "{text}");
    assert!(text.contains("listening on http://127.0.0.1:"), "{text}");
    let report = service.stop().await;
    assert!(matches!(report.ended, Ended::Terminated(_)), "{report:?}");
    assert!(!report.sigkill_sent && report.clean(), "{report:?}");
    assert_all_gone(pid, &[]).await;
}

#[tokio::test]
async fn a_slow_start_is_reported_while_it_waits() {
    let (spec, _dir) = spec(&["--ready-after", "1200ms"], LONG, GRACE);
    let mut seen = Vec::new();
    let service = RunningService::start_reporting(spec, Duration::from_millis(300), &mut |w| {
        seen.push(w.clone());
    })
    .await
    .expect("the service starts");
    assert!(seen.len() >= 2, "{seen:?}");
    let last = seen.last().expect("a report");
    assert_eq!(last.name, "testsvc");
    assert_eq!(last.within, LONG);
    assert!(last.elapsed >= Duration::from_millis(600), "{last:?}");
    // testsvc says where it listens, then its pid; its health answers 503 until ready.
    let line = last.last_log_line.as_deref().unwrap_or_default();
    assert!(
        line.starts_with("pid ") || line.contains("listening"),
        "{last:?}"
    );
    assert!(
        last.last_attempt
            .as_deref()
            .unwrap_or_default()
            .contains("503"),
        "{last:?}"
    );
    let text = last.to_string();
    assert!(
        text.starts_with("still waiting for service `testsvc` to be ready: "),
        "{text}"
    );
    assert!(text.contains("its last log line: "), "{text}");
    let pid = service.pid();
    service.stop().await;
    assert_all_gone(pid, &[]).await;
}

#[tokio::test]
async fn never_ready_reports_the_log_and_kills_the_group() {
    let (spec, _dir) = spec(&["--ready-after", "60s"], Duration::from_secs(1), GRACE);
    let log = spec.log_path.clone();
    let began = Instant::now();
    let error = RunningService::start(spec).await.expect_err("never ready");
    let elapsed = began.elapsed();
    assert!(
        elapsed >= Duration::from_secs(1) && elapsed < Duration::from_secs(8),
        "{elapsed:?}"
    );
    let ServiceError::NeverReady {
        last_lines,
        last_attempt_error,
        ..
    } = &error
    else {
        panic!("expected NeverReady, got {error:?}");
    };
    assert!(last_attempt_error.contains("503"), "{last_attempt_error}");
    assert!(
        last_lines.iter().any(|l| l.starts_with("listening on")),
        "{last_lines:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("listening on http://127.0.0.1:"),
        "{message}"
    );
    let code = error.code().map(|c| c.to_string());
    assert_eq!(code.as_deref(), Some("perfdsl::service::never_ready"));
    let pid = pid_in_log(&log, "pid ").await;
    assert_all_gone(pid, &[pid]).await;
}

#[tokio::test]
async fn missing_program_is_a_spawn_error() {
    for program in [
        "/nonexistent/perfdsl-no-such-program",
        "perfdsl-no-such-program",
    ] {
        let (mut spec, _dir) = spec(&[], LONG, GRACE);
        spec.argv = vec![program.to_string()];
        let error = RunningService::start(spec).await.expect_err("cannot spawn");
        assert!(
            matches!(&error, ServiceError::Spawn { program: p, .. } if p == program),
            "{error:?}"
        );
        let code = error.code().map(|c| c.to_string());
        assert_eq!(code.as_deref(), Some("perfdsl::service::spawn"));
        assert!(error.help().is_some(), "{error:?}");
    }
}

#[tokio::test]
async fn exit_before_ready_fails_fast() {
    let (spec, _dir) = spec(
        &["--ready-after", "60s", "--die-after", "200ms"],
        LONG,
        GRACE,
    );
    let began = Instant::now();
    let error = RunningService::start(spec).await.expect_err("it dies");
    assert!(
        began.elapsed() < Duration::from_secs(8),
        "{:?}",
        began.elapsed()
    );
    let ServiceError::Exited {
        status, last_lines, ..
    } = &error
    else {
        panic!("expected Exited, got {error:?}");
    };
    assert_eq!(status.code(), Some(3));
    assert!(
        last_lines.iter().any(|l| l.contains("dying as asked")),
        "{last_lines:?}"
    );
}

#[tokio::test]
async fn death_mid_run_is_seen() {
    let (spec, _dir) = spec(&["--die-after", "500ms"], LONG, GRACE);
    let mut service = RunningService::start(spec)
        .await
        .expect("the service starts");
    let mut status = None;
    let died = eventually(Duration::from_secs(8), || {
        status = service.exited();
        status.is_some()
    })
    .await;
    assert!(died, "the service did not die");
    assert_eq!(status.and_then(|s| s.code()), Some(3));
    let lines = service.last_log_lines(20);
    assert!(
        lines.iter().any(|l| l.contains("dying as asked")),
        "{lines:?}"
    );
    let pid = service.pid();
    let report = service.stop().await;
    assert!(
        matches!(report.ended, Ended::ByItself(s) if s.code() == Some(3)),
        "{report:?}"
    );
    assert_all_gone(pid, &[]).await;
}

#[tokio::test]
async fn stop_leaves_no_process_of_the_group() {
    let (spec, _dir) = spec(&["--spawn-child"], LONG, GRACE);
    let log = spec.log_path.clone();
    let service = RunningService::start(spec)
        .await
        .expect("the service starts");
    let child = pid_in_log(&log, "child pid ").await;
    assert!(
        !gone(i32::try_from(child).expect("a pid")),
        "the child is running"
    );
    let pid = service.pid();
    let report = service.stop().await;
    assert!(report.clean(), "{report:?}");
    assert_all_gone(pid, &[child]).await;
}

#[tokio::test]
async fn ignored_sigterm_escalates_to_sigkill() {
    let grace = Duration::from_millis(300);
    let (spec, _dir) = spec(&["--ignore-sigterm", "--spawn-child"], LONG, grace);
    let log = spec.log_path.clone();
    let service = RunningService::start(spec)
        .await
        .expect("the service starts");
    let child = pid_in_log(&log, "child pid ").await;
    let pid = service.pid();
    let report = service.stop().await;
    assert!(matches!(report.ended, Ended::Killed(_)), "{report:?}");
    assert!(report.sigkill_sent && report.clean(), "{report:?}");
    assert!(report.took >= grace, "{report:?}");
    assert!(report.took < Duration::from_secs(3), "{report:?}");
    assert_all_gone(pid, &[child]).await;
}

#[tokio::test]
async fn dropping_kills_the_group() {
    let (spec, _dir) = spec(&["--spawn-child", "--ignore-sigterm"], LONG, GRACE);
    let log = spec.log_path.clone();
    let service = RunningService::start(spec)
        .await
        .expect("the service starts");
    let child = pid_in_log(&log, "child pid ").await;
    let pid = service.pid();
    drop(service);
    assert_all_gone(pid, &[pid, child]).await;
}

#[tokio::test]
async fn an_interrupted_run_still_stops_the_service() {
    let (spec, _dir) = spec(&["--spawn-child"], LONG, GRACE);
    let log = spec.log_path.clone();
    let service = RunningService::start(spec)
        .await
        .expect("the service starts");
    let child = pid_in_log(&log, "child pid ").await;
    assert_eq!(until_interrupted(async { 7 }).await, Ok(7));
    tokio::spawn(async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        // SAFETY: kill(2) has no memory effects. The first `until_interrupted` installed the
        // SIGHUP handler, and tokio keeps it, so the signal cannot end the test binary.
        unsafe { libc::kill(libc::getpid(), libc::SIGHUP) };
    });
    let outcome = until_interrupted(tokio::time::sleep(Duration::from_secs(30))).await;
    assert_eq!(outcome.map_err(|i| i.signal), Err("SIGHUP"));
    let pid = service.pid();
    let report = service.stop().await;
    assert!(report.clean(), "{report:?}");
    assert_all_gone(pid, &[child]).await;
}
