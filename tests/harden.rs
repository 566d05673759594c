//! The gate hardened: a broken run is never a baseline, a history that was asked for is
//! never silently replaced. Each test failed before its fix.

use std::path::Path;
use std::process::Stdio;

use serde_json::Value;

mod support;
use support::perf::{against, run, run_in, Run};
use support::procs::{alive, group_of, members, pid_in_log};
use support::{service_block, testsvc, Output, Perfdsl, TestSvc};

/// `perfdsl ARGS` in `dir`.
fn perfdsl(dir: &Path, args: &[&str]) -> Output {
    Perfdsl::new().current_dir(dir).args(args).run()
}

#[test]
fn a_run_whose_service_died_is_never_recorded() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let perf = format!(
        "{}scenario s {{\n  load vus 2 for 5s\n  step hello: GET /hello\n}}\n\
         scenario t {{\n  load iterations 3 with 1 vus\n  step hello: GET /hello\n}}\n",
        service_block(&["--die-after", "1s"], "10s")
    );
    let r = run_in(
        dir.path(),
        &perf,
        &["--mode", "record", "--history", "h.json"],
    );
    r.code(3);
    r.stderr_contains("nothing was judged or recorded");
    let incomplete: Vec<&str> = r.results()["incomplete"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert_eq!(
        incomplete,
        [
            "the service exited during scenario `s`",
            "scenario `t` did not run"
        ],
        "{r}"
    );
    assert!(!dir.path().join("h.json").exists(), "nothing recorded\n{r}");
    // Nor afterwards, from the results file, nor as another run's baseline.
    let record = "record out.json --commit aaaa111 --history h.json";
    Perfdsl::new()
        .current_dir(dir.path())
        .words(record)
        .run()
        .code(3)
        .stderr_contains("holds an incomplete run (the service exited during scenario `s`");
    assert!(!dir.path().join("h.json").exists());
    let compare = "compare out.json --against out.json --no-report";
    Perfdsl::new()
        .current_dir(dir.path())
        .words(compare)
        .run()
        .code(3)
        .stderr_contains("it is not a baseline");
}

#[test]
fn a_history_asked_for_but_empty_is_never_replaced_by_another() {
    let d = tempfile::tempdir().expect("a temporary directory");
    let dir = d.path();
    let results = serde_json::json!({
        "schema": 1, "perfdsl": "0.1.0", "started_at": "2026-01-01T00:00:00Z",
        "scenarios": []
    });
    std::fs::write(dir.join("r.json"), results.to_string()).expect("write");
    // The pull request's own history would be the wrong one to judge against.
    std::fs::write(dir.join("perf_history.json"), "not even JSON").expect("write");
    Perfdsl::new()
        .current_dir(dir)
        .args(["compare", "r.json", "--no-report"])
        .env("PERFDSL_HISTORY", "")
        .run()
        .code(3)
        .stderr_contains("`PERFDSL_HISTORY` is set but empty: no history to read or record into");
    perfdsl(dir, &["compare", "r.json", "--history", " "])
        .code(3)
        .stderr_contains("`--history` is set but empty");
    assert_eq!(
        std::fs::read_to_string(dir.join("perf_history.json")).expect("read"),
        "not even JSON"
    );
}

// ---- no orphaned service ----------------------------------------------------------------

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

#[test]
fn a_port_held_by_another_process_is_not_taken_for_the_service() {
    // Something else already listens where the service should; the service itself (a
    // `sleep`) never listens. The probe is answered — by the wrong program.
    let other = TestSvc::start(&[]);
    let port = other.port;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let perf = format!(
        "service svc {{\n  run \"sleep\" \"30\"\n  port {port}\n  base_url \"{}\"\n  \
         ready GET /health within 10s\n  grace 1s\n}}\n\
         scenario s {{\n  load iterations 5 with 1 vus\n  step hello: GET /hello\n}}\n",
        other.url
    );
    let r = run_in(dir.path(), &perf, &[]);
    r.code(3);
    // Diagnostics wrap long lines: join them back.
    let stderr = r.stderr.replace("\n  │ ", " ");
    assert!(
        stderr.contains(&format!(
            "port {port} answered service `svc`'s readiness probe, but it is held by `testsvc` (pid "
        )),
        "{r}"
    );
    r.stderr_contains("perfdsl::service::port_taken");
}

#[test]
fn a_target_outside_loopback_needs_consent() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    // A non-routable address: refused before anything is sent, so nothing leaves.
    let perf = "target \"http://10.255.255.1:8080\"\n\
                scenario s {\n  load iterations 5 with 1 vus\n  step hello: GET /hello\n}\n";
    let r = run_in(dir.path(), perf, &[]);
    r.code(2);
    assert!(
        r.stderr
            .contains("scenario `s`: load to http://10.255.255.1:8080 (10.255.255.1:8080)"),
        "the resolved address is said\n{r}"
    );
    r.stderr_contains(
        "outside loopback: perfdsl loads 127.0.0.1 and ::1 only, unless `--allow-remote` is given",
    );
    assert!(
        r.results()["scenarios"]
            .as_array()
            .is_some_and(Vec::is_empty),
        "{r}"
    );
}

#[test]
fn a_body_kept_for_checks_is_bounded() {
    let svc = TestSvc::start(&[]);
    let perf = against(
        &svc,
        "scenario big {\n  load iterations 4 with 1 vus\n  step kept: GET /bytes/5000 {\n    \
         expect body contains \"x\"\n  }\n  step counted: GET /bytes/5000\n  \
         step small: GET /bytes/500 {\n    expect body contains \"x\"\n  }\n  \
         limits {\n    error_rate <= 100%\n  }\n}\n",
    );
    let r = run(&perf, &["--max-body", "1KB"]);
    r.code(0);
    assert_eq!(r.step_metric(0, 0, "errors.body_too_large"), 4.0, "{r}");
    let message = r.scenario(0)["steps"][0]["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        message.contains("the response body is larger than 1000 bytes (`--max-body`)"),
        "{r}"
    );
    // A body no check reads is counted whatever its size; one under the cap is kept.
    assert_eq!(r.step_metric(0, 1, "errors.total"), 0.0, "{r}");
    assert_eq!(r.step_metric(0, 1, "response_bytes.max"), 5000.0, "{r}");
    assert_eq!(r.step_metric(0, 2, "errors.total"), 0.0, "{r}");
    let r = run(&perf, &["--max-body", "lots"]);
    r.code(2);
    r.stderr_contains("`lots` is not a size");
}

/// `perfdsl run test.perf --quiet --json out.json --report r.md` in `dir` with `env`
/// added, `perf` written first.
fn run_reported(dir: &Path, perf: &str, env: &[(&str, &str)]) -> Output {
    std::fs::write(dir.join("test.perf"), perf).expect("write");
    Perfdsl::new()
        .current_dir(dir)
        .words("run test.perf --quiet --json out.json --report r.md")
        .envs(env.iter().copied())
        .run()
}

#[test]
fn secrets_from_the_environment_and_query_strings_are_not_printed() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let block = format!(
        "service svc {{\n  run \"sh\" \"-c\" \"exec {} --port {{{{ port }}}} # {{{{ env.PERFDSL_TEST_SECRET }}}}\"\n  \
         port auto\n  base_url \"http://127.0.0.1:{{{{ port }}}}\"\n  ready GET /health within 10s\n  grace 2s\n}}\n",
        testsvc().display()
    );
    let perf = format!(
        "{block}scenario s {{\n  load iterations 2 with 1 vus\n  \
         step st: GET /status/500?access_token=tok3n-value&page=2\n  \
         limits {{\n    error_rate <= 100%\n  }}\n}}\n"
    );
    let r = run_reported(
        dir.path(),
        &perf,
        &[("PERFDSL_TEST_SECRET", "hunter2-secret")],
    );
    r.code(0)
        .stderr_contains("starting service `svc`: sh -c exec ")
        .stderr_contains("# ***");
    let report = std::fs::read_to_string(dir.path().join("r.md")).expect("the report");
    let results = std::fs::read_to_string(dir.path().join("out.json")).expect("results");
    for (what, text) in [
        ("stdout", &r.stdout),
        ("stderr", &r.stderr),
        ("report", &report),
        ("results", &results),
    ] {
        assert!(
            !text.contains("hunter2-secret"),
            "{what} shows the secret:\n{text}"
        );
        assert!(
            !text.contains("tok3n-value"),
            "{what} shows the token:\n{text}"
        );
    }
    r.stdout_contains("GET /status/500?access_token=***&page=2");
}

#[test]
fn what_hooks_print_goes_to_the_log_capped_per_hook() {
    let svc = TestSvc::start(&[]);
    // 30 iterations × 2 lines from the step hook, and from the iteration hook a line with
    // a terminal escape and a debug line each time.
    let perf = against(
        &svc,
        "scenario chatty {\n  load iterations 30 with 1 vus\n  \
         after iteration rhai ```\n    print(\"\\x1b[31mred \" + iteration);\n    debug(iteration);\n  ```\n  \
         step a: GET /health {\n    after rhai ```\n      \
         print(\"HOOKLINE \" + iteration + \"\\nsecond\");\n    ```\n  }\n}\n",
    );
    let r = run(&perf, &[]);
    r.code(0);
    assert!(!r.stdout.contains("HOOKLINE"), "printed to stdout:\n{r}");
    assert!(
        r.stderr
            .contains("the hook at test.perf:9:19 printed 60 lines; the first 20:"),
        "{r}"
    );
    assert_eq!(r.stderr.matches("  | HOOKLINE").count(), 10, "{r}");
    r.stderr_contains("  | HOOKLINE 0\n  | second\n");
    r.stderr_contains("  (40 more not shown)");
    // The other hook has its own count; its escape sequence is spelled out, not sent.
    assert!(
        r.stderr
            .contains("the hook at test.perf:4:27 printed 60 lines; the first 20:"),
        "{r}"
    );
    r.stderr_contains("  | \\u{1b}[31mred 0\n  | 0\n");
    assert!(!r.stderr.contains('\u{1b}'), "{r}");
}

#[test]
fn a_stale_server_on_the_probed_address_is_found_though_the_service_has_the_port_elsewhere() {
    // A leftover server holds [::1]:P; the service listens on 127.0.0.1:P. The base URL
    // names ::1: every request would reach the leftover, whatever the service owns.
    let stale = TestSvc::start(&["--host", "::1"]);
    let port = stale.port;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let perf = format!(
        "service svc {{\n  run \"{}\" \"--host\" \"127.0.0.1\" \"--port\" \"{port}\"\n  port {port}\n  \
         base_url \"http://[::1]:{port}\"\n  ready GET /health within 10s\n  grace 1s\n}}\n\
         scenario s {{\n  load iterations 5 with 1 vus\n  step hello: GET /hello\n}}\n",
        testsvc().display()
    );
    let r = run_in(dir.path(), &perf, &[]);
    r.code(3);
    let stderr = r.stderr.replace("\n  │ ", " ");
    assert!(
        stderr.contains(&format!(
            "port {port} answered service `svc`'s readiness probe, but it is held by `testsvc` (pid "
        )),
        "{r}"
    );
}

#[test]
fn a_service_that_dies_on_the_last_request_makes_the_run_incomplete() {
    // The service crashes on the 20th and last request: the load is over before any
    // periodic check could see it.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let perf = format!(
        "{}scenario s {{\n  load iterations 20 with 1 vus\n  step hello: GET /hello\n  \
         limits {{\n    error_rate <= 100%\n  }}\n}}\n",
        service_block(&["--die-on-request", "20"], "10s")
    );
    let r = run_in(
        dir.path(),
        &perf,
        &["--mode", "record", "--history", "h.json"],
    );
    r.code(3);
    let incomplete = r.results()["incomplete"].to_string();
    assert!(
        incomplete.contains("the service exited during scenario `s`"),
        "{r}"
    );
    assert!(!dir.path().join("h.json").exists(), "nothing recorded\n{r}");
}

#[test]
fn secrets_stay_out_of_every_line_perfdsl_writes_when_the_service_dies() {
    // The service writes the secret and a database URL to its log, then dies mid-run: the
    // death message quotes its log, the base URL holds the secret too.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let block = format!(
        "service svc {{\n  run \"sh\" \"-c\" \"echo config token={{{{ env.PERFDSL_TEST_SECRET }}}}; \
         echo db postgres://u:pa/ss@h/db; exec {} --port {{{{ port }}}} --die-after 1s \
         # {{{{ env.PERFDSL_TEST_QUOTED }}}}\"\n  \
         port auto\n  base_url \"http://127.0.0.1:{{{{ port }}}}/{{{{ env.PERFDSL_TEST_SECRET }}}}\"\n  \
         ready GET /health within 10s\n  grace 2s\n}}\n",
        testsvc().display()
    );
    let perf = format!(
        "{block}scenario s {{\n  load vus 1 for 4s\n  step hello: GET /hello\n  \
         limits {{\n    error_rate <= 100%\n  }}\n}}\n"
    );
    let r = run_reported(
        dir.path(),
        &perf,
        &[
            ("PERFDSL_TEST_SECRET", "hunter2-secret"),
            // Quoted in the log's command line, a secret must still be found.
            ("PERFDSL_TEST_QUOTED", "q\"uo\\ted-secret"),
        ],
    );
    // The death message quotes the log, masked.
    r.code(3)
        .stderr_contains("config token=***")
        .stderr_contains("db postgres://u:***@h/db");
    let results = std::fs::read_to_string(dir.path().join("out.json")).expect("results");
    let report = std::fs::read_to_string(dir.path().join("r.md")).unwrap_or_default();
    let log = std::fs::read_to_string(dir.path().join(".perfdsl/logs/svc.log")).expect("log");
    let header = log
        .lines()
        .find(|l| l.starts_with("--- perfdsl: starting"))
        .expect("perfdsl's line in the log");
    for (what, text) in [
        ("stdout", r.stdout.as_str()),
        ("stderr", r.stderr.as_str()),
        ("results", results.as_str()),
        ("report", report.as_str()),
        ("the log's header", header),
    ] {
        assert!(
            !text.contains("hunter2-secret"),
            "{what} shows the secret:\n{text}"
        );
        assert!(
            !text.contains("pa/ss"),
            "{what} shows the password:\n{text}"
        );
        assert!(
            !text.contains("ted-secret"),
            "{what} shows the quoted secret:\n{text}"
        );
    }
}

/// Runs a service block with `base_url` (its command would leave a `started` file) and
/// checks that perfdsl refused it (exit 2) before starting it.
fn assert_not_started(base_url: &str) -> Run {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let perf = format!(
        "service svc {{\n  run \"sh\" \"-c\" \"touch started; sleep 30\"\n  port auto\n  \
         base_url \"{base_url}\"\n  ready GET /health within 10s\n}}\n\
         scenario s {{\n  load iterations 1 with 1 vus\n  step a: GET /\n}}\n"
    );
    let r = run_in(dir.path(), &perf, &[]);
    r.code(2);
    r.stderr_contains("the service was not started");
    assert!(!dir.path().join("started").exists(), "the service ran\n{r}");
    r
}

#[test]
fn a_service_whose_base_url_is_outside_loopback_is_not_started() {
    let r = assert_not_started("http://10.255.255.1:{{ port }}");
    assert!(
        r.stderr
            .contains("resolves to 10.255.255.1, outside loopback"),
        "{r}"
    );
}

#[test]
fn outside_text_cannot_drive_the_terminal_or_the_ci_log() {
    let svc = TestSvc::start(&[]);
    let dir = tempfile::tempdir().expect("a temporary directory");
    // A service answer with a CI command on a line of its own and a terminal escape.
    let perf = against(
        &svc,
        "scenario s {\n  load iterations 1 with 1 vus\n  step echo: POST /echo {\n    \
         text \"ok\\n::error title=pwned::owned\\u{1b}[2J\"\n    expect status == 500\n  }\n}\n",
    );
    let r = run_in(dir.path(), &perf, &["--smoke"]);
    r.code(1);
    let clean = |what: &str, text: &str| {
        assert!(!text.contains('\u{1b}'), "{what} holds an escape:\n{text}");
        assert!(
            !text.lines().any(|l| l.trim_start().starts_with("::")),
            "{what} starts a line with a CI command:\n{text}"
        );
    };
    clean("smoke stdout", &r.stdout);
    r.stdout_contains("::error title=pwned::owned\\u{1b}[2J");
    // A results file whose names carry the same.
    let run = run_in(
        dir.path(),
        &against(
            &svc,
            "scenario s {\n  load iterations 2 with 1 vus\n  step hello: GET /hello\n}\n",
        ),
        &[],
    );
    run.code(0);
    let mut results = run.results().clone();
    results["scenarios"][0]["name"] = Value::from("x\n::error title=pwned::owned\u{1b}[2J");
    results["scenarios"][0]["steps"][0]["name"] = Value::from("y\r::warning::w");
    std::fs::write(dir.path().join("hostile.json"), results.to_string()).expect("write");
    let mut slower = results.clone();
    slower["scenarios"][0]["metrics"]["latency.p95"] = Value::from(1e6);
    std::fs::write(dir.path().join("slower.json"), slower.to_string()).expect("write");
    let r = perfdsl(
        dir.path(),
        &[
            "compare",
            "slower.json",
            "--against",
            "hostile.json",
            "--no-report",
        ],
    );
    r.code(1);
    clean("compare stdout", &r.stdout);
    clean("compare stderr", &r.stderr);
    r.stdout_contains("regressed x\\n::error title=pwned::owned");
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

#[test]
fn credentials_in_a_url_are_refused_and_never_shown() {
    let svc = TestSvc::start(&[]);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let port = svc.port;
    let target = format!("http://admin:hunter2pass@127.0.0.1:{port}");
    let perf = "scenario s {\n  load iterations 1 with 1 vus\n  step a: GET /hello\n}\n";
    let r = run_in(dir.path(), perf, &["--target", &target]);
    r.code(2);
    r.stderr_contains("holds a user name or password");
    let results = r.json.as_ref().map(Value::to_string).unwrap_or_default();
    for text in [&r.stdout, &r.stderr, &results] {
        assert!(
            !text.contains("hunter2pass"),
            "the password is shown:\n{r}\n{results}"
        );
    }
    // A service whose base URL holds credentials (and would escape the loopback check)
    // is not started.
    let r = assert_not_started("http://u:p4ss@0.0.0.0:{{ port }}");
    r.stderr_lacks("p4ss");
}

#[test]
fn history_listings_show_outside_text_inert() {
    let svc = TestSvc::start(&[]);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let perf = against(
        &svc,
        "scenario s {\n  load iterations 2 with 1 vus\n  step hello: GET /hello\n}\n",
    );
    run_in(dir.path(), &perf, &[]).code(0);
    let mut results: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.json")).unwrap())
            .unwrap();
    results["scenarios"][0]["name"] = Value::from("x\n::error::name\u{1b}]8;;http://evil\u{7}");
    std::fs::write(dir.path().join("h.json"), results.to_string()).expect("write");
    let branch = "b\n::error::branch\r";
    perfdsl(
        dir.path(),
        &[
            "record",
            "h.json",
            "--commit",
            "0123456789abcdef",
            "--branch",
            branch,
            "--history",
            "hist.json",
        ],
    )
    .code(0);
    for args in [
        &["history", "list", "--history", "hist.json"][..],
        &["history", "show", "0123", "--history", "hist.json"][..],
    ] {
        let r = perfdsl(dir.path(), args);
        r.code(0);
        let stdout = &r.stdout;
        assert!(
            !stdout.contains(['\u{1b}', '\u{7}', '\r']),
            "{args:?}: raw control characters:\n{stdout}"
        );
        assert!(
            !stdout.lines().any(|l| l.trim_start().starts_with("::")),
            "{args:?}: a line starts with a CI command:\n{stdout}"
        );
        assert!(stdout.contains("x\\n::error::name"), "{args:?}:\n{stdout}");
    }
}
