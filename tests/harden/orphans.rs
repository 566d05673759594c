//! No orphaned service: perfdsl killed (SIGKILL, by pid or by name as `pkill -f` does) or
//! stopped (SIGTERM) while its service starts or the load runs leaves no process of the
//! service's tree behind.

use super::*;

/// Starts `perfdsl run test.perf` in `dir`, in the background (its standard error into
/// `dir/stderr.txt`).
fn spawn_run(dir: &Path, perf: &str) -> std::process::Child {
    std::fs::write(dir.join("test.perf"), perf).expect("write the .perf file");
    let stderr = std::fs::File::create(dir.join("stderr.txt")).expect("a stderr file");
    Perfdsl::new()
        .current_dir(dir)
        .args(["run", "test.perf", "--quiet", "--no-report"])
        .command()
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("perfdsl starts")
}

/// Every pid of `pids` and of the group `pgid` is gone within `limit` (they are killed
/// if not, so that no test leaves them behind).
fn assert_all_gone(pids: &[u32], pgid: u32, limit: std::time::Duration, what: &str) {
    let deadline = std::time::Instant::now() + limit;
    loop {
        let mut left: Vec<u32> = pids.iter().copied().filter(|p| alive(*p)).collect();
        left.extend(members(pgid));
        left.sort_unstable();
        left.dedup();
        if left.is_empty() {
            return;
        }
        if std::time::Instant::now() > deadline {
            for p in &left {
                // SAFETY: signalling processes this test started; no memory effects.
                unsafe { libc::kill(*p as i32, libc::SIGKILL) };
            }
            panic!("{what}: {left:?} survived perfdsl by more than {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// SIGKILLs perfdsl once the service's child is running, during the load or before the
/// service is ready; the whole tree must die within 2 s.
fn sigkill_leaves_nothing(block: &str, ready_wait: std::time::Duration, what: &str) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let perf =
        format!("{block}scenario s {{\n  load vus 1 for 30s\n  step hello: GET /hello\n}}\n");
    let mut perfdsl = spawn_run(dir.path(), &perf);
    let service = pid_in_log(dir.path(), "pid ", ready_wait);
    let child = pid_in_log(dir.path(), "child pid ", ready_wait);
    let pgid = group_of(service).expect("the service runs");
    // Let the load (or the wait for readiness) be under way.
    std::thread::sleep(std::time::Duration::from_millis(500));
    perfdsl.kill().expect("SIGKILL perfdsl");
    perfdsl.wait().expect("perfdsl reaped");
    assert_all_gone(
        &[service, child],
        pgid,
        std::time::Duration::from_secs(2),
        what,
    );
}

#[test]
fn sigkill_of_perfdsl_during_the_load_kills_the_service_tree() {
    sigkill_leaves_nothing(
        &service_block(&["--spawn-child"], "10s"),
        std::time::Duration::from_secs(10),
        "during the load",
    );
}

#[test]
fn sigkill_of_perfdsl_during_start_up_kills_the_service_tree() {
    sigkill_leaves_nothing(
        &service_block(&["--spawn-child", "--ready-after", "60s"], "5m"),
        std::time::Duration::from_secs(10),
        "during start-up",
    );
}

#[test]
fn sigkill_with_cargo_run_as_the_service_command_kills_the_whole_tree() {
    // `cargo run` → testsvc → its child: three generations in the service's group.
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let block = format!(
        "service svc {{\n  run \"cargo\" \"run\" \"--quiet\" \"--offline\" \"--manifest-path\" \
         \"{manifest}\" \"--example\" \"testsvc\" \"--\" \"--port\" \"{{{{ port }}}}\" \
         \"--spawn-child\"\n  port auto\n  base_url \"http://127.0.0.1:{{{{ port }}}}\"\n  \
         ready GET /health within 5m\n  grace 2s\n}}\n"
    );
    sigkill_leaves_nothing(
        &block,
        std::time::Duration::from_secs(240),
        "with cargo run",
    );
}

#[test]
fn sigterm_during_start_up_stops_at_once() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let block = service_block(&["--ready-after", "60s"], "15m");
    let perf = format!("{block}scenario s {{\n  load vus 1 for 5s\n  step hello: GET /hello\n}}\n");
    let mut perfdsl = spawn_run(dir.path(), &perf);
    let service = pid_in_log(dir.path(), "pid ", std::time::Duration::from_secs(10));
    let pgid = group_of(service).expect("the service runs");
    let began = std::time::Instant::now();
    // SAFETY: signalling the perfdsl this test started.
    unsafe { libc::kill(perfdsl.id() as i32, libc::SIGTERM) };
    let status = perfdsl.wait().expect("perfdsl ends");
    assert!(
        began.elapsed() < std::time::Duration::from_secs(5),
        "perfdsl waited {:?} for a readiness it no longer needs",
        began.elapsed()
    );
    assert_eq!(status.code(), Some(3));
    assert_all_gone(
        &[service],
        pgid,
        std::time::Duration::from_secs(2),
        "after SIGTERM",
    );
    let stderr = std::fs::read_to_string(dir.path().join("stderr.txt")).unwrap_or_default();
    assert!(
        stderr.contains("interrupted: the service was stopped; no scenario had run"),
        "{stderr}"
    );
}

/// SIGKILLs every process whose command line holds `pattern`, as `pkill -9 -f` does.
fn kill_matching(pattern: &str) -> Vec<u32> {
    let mut killed = Vec::new();
    for e in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if pid != std::process::id() && cmdline.contains(pattern) {
            // SAFETY: signalling processes this test started; no memory effects.
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            killed.push(pid);
        }
    }
    killed
}

#[test]
fn killing_perfdsl_by_name_does_not_kill_its_guard() {
    // `pkill -9 -f "perfdsl run …"`: whatever matches perfdsl's command line dies at once.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let perf = format!(
        "{}scenario s {{\n  load vus 1 for 30s\n  step hello: GET /hello\n}}\n",
        service_block(&["--spawn-child"], "10s")
    );
    std::fs::write(dir.path().join("test.perf"), perf).expect("write the .perf file");
    let marker = dir.path().join("by-name.json");
    let marker = marker.to_str().expect("a UTF-8 path");
    let mut perfdsl = Perfdsl::new()
        .current_dir(dir.path())
        .args([
            "run",
            "test.perf",
            "--quiet",
            "--no-report",
            "--json",
            marker,
        ])
        .command()
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("perfdsl starts");
    let wait = std::time::Duration::from_secs(10);
    let service = pid_in_log(dir.path(), "pid ", wait);
    let child = pid_in_log(dir.path(), "child pid ", wait);
    let pgid = group_of(service).expect("the service runs");
    std::thread::sleep(std::time::Duration::from_millis(500));
    let killed = kill_matching(&format!(
        "run test.perf --quiet --no-report --json {marker}"
    ));
    perfdsl.wait().expect("perfdsl reaped");
    assert_all_gone(
        &[service, child],
        pgid,
        std::time::Duration::from_secs(2),
        "killed by name",
    );
    assert!(
        killed.contains(&perfdsl.id()),
        "perfdsl was not matched: {killed:?}"
    );
    assert_eq!(
        killed.len(),
        1,
        "the guard carries perfdsl's command line: {killed:?}"
    );
}
