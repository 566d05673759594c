//! The demo shop end to end: `perfdsl run` starts the debug `shop` binary with the
//! fixture mocks (`tests/fixtures/shop/`), drives short iteration-bounded loads, and the
//! results file must show each regression switch moving its metric — on in-memory SQLite
//! and on PostgreSQL — and the shop reaching the mocks through perfdsl's forward proxy.
//!
//! One baseline run per backend is shared by the switch cases; cases run one after the
//! other (and the two backends never at the same time), so the latency bounds, which are
//! generous anyway, are not disturbed by the file's own load. Counts (queries, upstream
//! calls, bytes) are asserted exactly or by large factors; speed never is.

#[path = "../shop/tests/support/pg.rs"]
mod pg;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The longest one `perfdsl run` may take before the test gives up on it.
const RUN_LIMIT: Duration = Duration::from_secs(90);
/// The longest building the shop may take (a cold build of sqlx and axum).
const BUILD_LIMIT: Duration = Duration::from_secs(600);
/// Variables of the test's own environment that would change what the shop does.
const ISOLATED: &str = "DATABASE_URL SHOP_DATABASE_URL MOCK_SERVICES PAYMENTS_URL \
    INVENTORY_URL HTTP_PROXY http_proxy SHOP_N_PLUS_ONE SHOP_SLOW_MS SHOP_BLOAT \
    SHOP_EXTRA_UPSTREAM SHOP_LOG PERFDSL_HISTORY GITHUB_STEP_SUMMARY GITHUB_SHA \
    GITHUB_HEAD_REF GITHUB_REF_NAME";

/// Held by each backend's test: its runs never overlap the other's.
static SERIAL: Mutex<()> = Mutex::new(());

/// The debug `shop` binary, built once per test process with `cargo build -p shop` into
/// the target directory this test binary lives in (a no-op when it is fresh).
fn shop_bin() -> &'static Path {
    static SHOP: OnceLock<PathBuf> = OnceLock::new();
    SHOP.get_or_init(build_shop)
}

fn build_shop() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    // target/<profile>/deps/shop_e2e-HASH
    let profile = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary lives in target/<profile>/deps");
    let target = profile.parent().expect("target/<profile> has a parent");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let mut command = Command::new(cargo);
    command
        .args(["build", "--quiet", "-p", "shop", "--bin", "shop"])
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--target-dir")
        .arg(target);
    if profile.file_name().is_some_and(|p| p == "release") {
        command.arg("--release");
    }
    let status = run_within(&mut command, BUILD_LIMIT)
        .unwrap_or_else(|| panic!("`cargo build -p shop` took longer than {BUILD_LIMIT:?}"));
    assert!(status.success(), "`cargo build -p shop` failed: {status}");
    let bin = profile.join("shop");
    assert!(bin.is_file(), "no shop binary at {}", bin.display());
    bin
}

/// Runs `command` to its end, or kills it after `limit` and returns `None`.
fn run_within(command: &mut Command, limit: Duration) -> Option<ExitStatus> {
    let began = Instant::now();
    let mut child = command.spawn().expect("the command starts");
    loop {
        if let Some(status) = child.try_wait().expect("the command can be waited for") {
            return Some(status);
        }
        if began.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// What one `perfdsl run` did; its directory (and the service logs in it) lives as long.
struct Run {
    label: String,
    code: i32,
    stdout: String,
    stderr: String,
    json: Option<Value>,
    dir: tempfile::TempDir,
}

impl Run {
    fn scenario(&self, name: &str) -> &Value {
        let results = self
            .json
            .as_ref()
            .unwrap_or_else(|| panic!("no results file\n{self}"));
        results["scenarios"]
            .as_array()
            .and_then(|all| all.iter().find(|s| s["name"] == name))
            .unwrap_or_else(|| panic!("no scenario `{name}` in the results\n{self}"))
    }

    /// A scenario metric (fails the test when missing).
    fn metric(&self, scenario: &str, name: &str) -> f64 {
        self.scenario(scenario)["metrics"][name]
            .as_f64()
            .unwrap_or_else(|| panic!("no metric `{name}` in scenario `{scenario}`\n{self}"))
    }

    /// A step metric (fails the test when missing).
    fn step_metric(&self, scenario: &str, step: &str, name: &str) -> f64 {
        self.step(scenario, step)["metrics"][name]
            .as_f64()
            .unwrap_or_else(|| panic!("no metric `{name}` in step `{scenario}.{step}`\n{self}"))
    }

    fn step(&self, scenario: &str, step: &str) -> &Value {
        self.scenario(scenario)["steps"]
            .as_array()
            .and_then(|all| all.iter().find(|s| s["name"] == step))
            .unwrap_or_else(|| panic!("no step `{step}` in scenario `{scenario}`\n{self}"))
    }

    /// The scenario's limit result on `metric`.
    fn limit(&self, scenario: &str, metric: &str) -> &Value {
        self.scenario(scenario)["limits"]
            .as_array()
            .and_then(|all| all.iter().find(|l| l["metric"] == metric))
            .unwrap_or_else(|| panic!("no limit on `{metric}` in `{scenario}`\n{self}"))
    }

    /// The log perfdsl kept of service `name`.
    fn service_log(&self, name: &str) -> String {
        let path = self.dir.path().join(format!(".perfdsl/logs/{name}.log"));
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}\n{self}", path.display()))
    }

    /// A file the run wrote in its directory.
    fn file(&self, name: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}\n{self}", path.display()))
    }

    fn assert_code(&self, code: i32) {
        assert_eq!(self.code, code, "unexpected exit code\n{self}");
    }

    /// Scenario metric `name` is exactly `expected`.
    fn expect(&self, scenario: &str, name: &str, expected: f64) {
        let actual = self.metric(scenario, name);
        let what = format_args!("`{scenario}` `{name}`: expected {expected}, found {actual}");
        self.ensure(actual == expected, what);
    }

    /// Scenario metric `name` is `expected` ± 0.01.
    fn expect_near(&self, scenario: &str, name: &str, expected: f64) {
        let actual = self.metric(scenario, name);
        let what =
            format_args!("`{scenario}` `{name}`: expected {expected} ± 0.01, found {actual}");
        self.ensure((actual - expected).abs() <= 0.01, what);
    }

    /// Step metric `name` is exactly `expected`.
    fn expect_step(&self, scenario: &str, step: &str, name: &str, expected: f64) {
        let actual = self.step_metric(scenario, step, name);
        let what =
            format_args!("`{scenario}.{step}` `{name}`: expected {expected}, found {actual}");
        self.ensure(actual == expected, what);
    }

    /// Fails the test with `what` and this run's output unless `ok`.
    fn ensure(&self, ok: bool, what: std::fmt::Arguments) {
        assert!(ok, "{what}\n{self}");
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "[{}] exit {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.label, self.code, self.stdout, self.stderr
        )
    }
}

/// `perfdsl run tests/fixtures/shop/FIXTURE --json out.json [--filter F]` in a fresh
/// directory, with the shop binary, the database and the switches in the environment.
fn perfdsl(label: String, fixture: &str, filter: &[&str], db: &str, env: &[(&str, &str)]) -> Run {
    perfdsl_with(label, fixture, filter, db, env, &[])
}

/// `perfdsl` with more arguments (the gate's `--mode`, `--history`, `--config`…).
fn perfdsl_with(
    label: String,
    fixture: &str,
    filter: &[&str],
    db: &str,
    env: &[(&str, &str)],
    args: &[&str],
) -> Run {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/shop")
        .join(fixture);
    let (out, err) = (dir.path().join("stdout.txt"), dir.path().join("stderr.txt"));
    let mut command = Command::new(env!("CARGO_BIN_EXE_perfdsl"));
    command
        .arg("run")
        .arg(&fixture)
        .args(["--json", "out.json", "--quiet", "--color", "never"])
        .args(args);
    for f in filter {
        command.args(["--filter", f]);
    }
    ISOLATED.split_whitespace().for_each(|var| {
        command.env_remove(var);
    });
    command
        .envs(env.iter().copied())
        .env("SHOP_BIN", shop_bin())
        .env("SHOP_DATABASE_URL", db)
        .env("NO_COLOR", "1")
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(File::create(&out).expect("stdout file"))
        .stderr(File::create(&err).expect("stderr file"));
    let status = run_within(&mut command, RUN_LIMIT);
    let json = std::fs::read_to_string(dir.path().join("out.json"))
        .ok()
        .map(|text| serde_json::from_str(&text).expect("the results file is JSON"));
    let run = Run {
        label,
        code: status.and_then(|s| s.code()).unwrap_or(-1),
        stdout: std::fs::read_to_string(&out).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err).unwrap_or_default(),
        json,
        dir,
    };
    assert!(
        status.is_some(),
        "perfdsl ran longer than {RUN_LIMIT:?}\n{run}"
    );
    run
}

/// A backend under test: its name and a fresh database URL per case.
struct Backend<'a> {
    name: &'static str,
    database: &'a dyn Fn(&str) -> String,
}

impl Backend<'_> {
    fn run(&self, case: &str, fixture: &str, filter: &[&str], env: &[(&str, &str)]) -> Run {
        let db = (self.database)(case);
        perfdsl(format!("{} {case}", self.name), fixture, filter, &db, env)
    }

    /// `shop.perf`'s `scenario` alone with `switch` on.
    fn switched(&self, scenario: &str, switch: (&str, &str)) -> Run {
        self.run(switch.0, "shop.perf", &[scenario], &[switch])
    }
}

/// The baseline: every switch off, both scenarios, every limit met, exact counts.
fn baseline(backend: &Backend) -> Run {
    let base = backend.run("baseline", "shop.perf", &[], &[]);
    base.assert_code(0);
    base.expect("browse", "iterations", 200.0);
    base.expect("checkout", "iterations", 100.0);
    base.expect("browse", "error_rate", 0.0);
    base.expect("checkout", "error_rate", 0.0);
    base
}

/// `SHOP_N_PLUS_ONE=1`: the `x-db-queries` of a 20-product page goes from 2 (the page and
/// the count) to 22 (the ids, 20 single products, the count), for the same answer.
fn n_plus_one(backend: &Backend, base: &Run) {
    let run = backend.switched("browse", ("SHOP_N_PLUS_ONE", "1"));
    run.assert_code(0);
    for (r, expected) in [(base, 2.0), (&run, 22.0)] {
        for stat in ["per_iteration", "min", "max"] {
            r.expect("browse", &format!("db_queries.{stat}"), expected);
        }
    }
    let bytes = |r: &Run| r.step_metric("browse", "list", "response_bytes.p95");
    assert_eq!(bytes(&run), bytes(base), "the same page either way\n{run}");
    eprintln!(
        "[{}] SHOP_N_PLUS_ONE: db_queries.per_iteration {} -> {}",
        backend.name,
        base.metric("browse", "db_queries.per_iteration"),
        run.metric("browse", "db_queries.per_iteration"),
    );
}

/// `SHOP_BLOAT=1`: the list step's `response_bytes.p95` grows by a large factor.
fn bloat(backend: &Backend, base: &Run) {
    let run = backend.switched("browse", ("SHOP_BLOAT", "1"));
    run.assert_code(0);
    let bytes = |r: &Run| r.step_metric("browse", "list", "response_bytes.p95");
    let (plain, bloated) = (bytes(base), bytes(&run));
    base.ensure(
        plain > 1000.0 && plain < 4000.0,
        format_args!("plain: {plain} B"),
    );
    run.ensure(
        bloated >= 20.0 * plain,
        format_args!("bloated: {bloated} B"),
    );
    eprintln!(
        "[{}] SHOP_BLOAT: list response_bytes.p95 {plain} -> {bloated} ({:.1}x)",
        backend.name,
        bloated / plain
    );
}

/// `SHOP_SLOW_MS=50`: the order step's median latency goes above 45 ms.
fn slow(backend: &Backend, base: &Run) {
    let run = backend.switched("checkout", ("SHOP_SLOW_MS", "50"));
    run.assert_code(0);
    let p50 = |r: &Run| r.step_metric("checkout", "order", "latency.p50");
    let (plain, slowed) = (p50(base), p50(&run));
    base.ensure(plain < 20.0, format_args!("order p50, plain: {plain} ms"));
    run.ensure(
        slowed >= 45.0,
        format_args!("order p50, slowed: {slowed} ms"),
    );
    let products = run.step_metric("checkout", "products", "latency.p50");
    run.ensure(products < 20.0, format_args!("products p50: {products} ms"));
    eprintln!(
        "[{}] SHOP_SLOW_MS=50: order latency.p50 {plain} ms -> {slowed} ms",
        backend.name
    );
}

/// `SHOP_EXTRA_UPSTREAM=1`: inventory calls per iteration 1 → 2, which breaks the
/// fixture's `<= 1` limit: exit code 1.
fn extra_upstream(backend: &Backend, base: &Run) {
    let run = backend.switched("checkout", ("SHOP_EXTRA_UPSTREAM", "1"));
    run.assert_code(1);
    let inventory = "upstream.inventory.calls_per_iteration";
    let payments = "upstream.payments.calls_per_iteration";
    base.expect_near("checkout", inventory, 1.0);
    base.expect_near("checkout", payments, 1.0);
    run.expect_near("checkout", inventory, 2.0);
    run.expect_near("checkout", payments, 1.0);
    run.expect("checkout", "error_rate", 0.0);
    let limit = run.limit("checkout", inventory);
    assert_eq!(limit["passed"], false, "{limit}\n{run}");
    assert_eq!(run.limit("checkout", payments)["passed"], true, "{run}");
    eprintln!(
        "[{}] SHOP_EXTRA_UPSTREAM: {inventory} {} -> {} (exit {})",
        backend.name,
        base.metric("checkout", inventory),
        run.metric("checkout", inventory),
        run.code
    );
}

/// Proxy mode: upstream base URLs that are host names, no mock URL in the environment;
/// every call goes through `HTTP_PROXY` and is counted by the mock its host names. A host
/// no mock answers to gets the proxy's 502, which the shop passes on.
fn proxy(backend: &Backend) {
    let run = backend.run("proxy", "proxy.perf", &[], &[]);
    run.assert_code(0);
    let log = run.service_log("shop_proxied");
    let hosts = "upstreams: payments at http://payments, inventory at http://inventory";
    run.ensure(
        log.contains(hosts),
        format_args!("no host-name upstreams:\n{log}"),
    );
    run.expect("proxied", "iterations", 100.0);
    run.expect("proxied", "error_rate", 0.0);
    for mock in ["payments", "inventory"] {
        run.expect_near(
            "proxied",
            &format!("upstream.{mock}.calls_per_iteration"),
            1.0,
        );
        run.expect("proxied", &format!("upstream.{mock}.unmatched"), 0.0);
        // Nothing reached a mock for the host nobody mocked.
        run.expect("unmocked", &format!("upstream.{mock}.calls"), 0.0);
    }
    run.expect_step("unmocked", "order", "errors.status", 20.0);
    run.expect_step("unmocked", "order", "error_rate", 1.0);
    let errors = &run.step("unmocked", "order")["errors"];
    let message = errors[0]["message"].as_str().unwrap_or("");
    run.ensure(
        message.contains("found 502"),
        format_args!("error: {message}"),
    );
    run.expect("unmocked", "upstream_status.min", 502.0);
    run.expect("unmocked", "upstream_status.max", 502.0);
    let log = run.service_log("shop_unmocked");
    let cause = "`inventory` answered HTTP 502";
    run.ensure(log.contains(cause), format_args!("shop log:\n{log}"));
    eprintln!(
        "[{}] proxy: calls per iteration payments {}, inventory {}; unmocked host: {} x 502",
        backend.name,
        run.metric("proxied", "upstream.payments.calls_per_iteration"),
        run.metric("proxied", "upstream.inventory.calls_per_iteration"),
        run.step_metric("unmocked", "order", "errors.status"),
    );
}

/// Every case on one backend, one after the other.
/// The gate end to end: a recorded baseline; the same run again stays green; the N+1
/// switch turns the report red on `db_queries.per_iteration` and exits 1 — through the
/// verdict, since the fixture has no limit on it. Timing tolerances are wide open in the
/// config, so only the deterministic metrics can decide on a shared 2-core machine.
fn gate(backend: &Backend) {
    let work = tempfile::tempdir().expect("a temporary directory");
    let config = work.path().join("perf_config.json");
    let history = work.path().join("perf_history.json");
    std::fs::write(
        &config,
        r#"{
  "tolerances": {
    "timing": { "warn": 5, "fail": 20 },
    "metrics": { "db_queries.per_iteration": { "warn": 0, "fail": 0 } }
  },
  "baseline": { "policy": "latest" }
}"#,
    )
    .expect("write the config");
    let (config, history) = (config.to_string_lossy(), history.to_string_lossy());
    let db = (backend.database)("gate");
    let run = |label: &str, commit: &str, mode: &str, env: &[(&str, &str)]| {
        let args = [
            "--config",
            &config,
            "--history",
            &history,
            "--mode",
            mode,
            "--commit",
            commit,
            "--branch",
            "main",
            "--junit",
            "junit.xml",
        ];
        let label = format!("{} gate {label}", backend.name);
        perfdsl_with(label, "shop.perf", &["browse"], &db, env, &args)
    };
    let recorded = run("record", "1111111111", "record", &[]);
    recorded.assert_code(0);
    recorded.ensure(
        recorded
            .stdout
            .contains("recorded 1 scenario(s) of 1111111"),
        format_args!("the record mode says what it recorded"),
    );
    let same = run("same", "2222222222", "compare", &[]);
    same.assert_code(0);
    let report = same.file("perf_report.md");
    same.ensure(
        report.starts_with("<!-- perfdsl-report -->\n## 🟢"),
        format_args!("the same run stays green"),
    );
    same.ensure(
        report.contains("**Baseline** latest recorded run `1111111`"),
        format_args!("the report names its baseline:\n{report}"),
    );
    let red = run("n+1", "3333333333", "compare", &[("SHOP_N_PLUS_ONE", "1")]);
    red.assert_code(1);
    let report = red.file("perf_report.md");
    red.ensure(
        report.starts_with("<!-- perfdsl-report -->\n## 🔴"),
        format_args!("the N+1 run is red"),
    );
    let row = report
        .lines()
        .find(|l| l.starts_with("| `db_queries.per_iteration` |"))
        .unwrap_or_default();
    red.ensure(
        row.contains("| 22 | 2 |") && row.contains("🔴 regressed"),
        format_args!("the regressed row shows 2 -> 22: {row}"),
    );
    let junit = red.file("junit.xml");
    red.ensure(
        junit.contains("<failure") && junit.contains("db_queries.per_iteration"),
        format_args!("JUnit carries the failure"),
    );
    // Compare never writes: the history still holds the one recorded commit.
    let stored = std::fs::read_to_string(&*history).expect("the history file");
    assert_eq!(
        stored.matches("\"scenario\": \"browse\"").count(),
        1,
        "{stored}"
    );
}

fn all_cases(backend: &Backend) {
    let base = baseline(backend);
    n_plus_one(backend, &base);
    bloat(backend, &base);
    slow(backend, &base);
    extra_upstream(backend, &base);
    proxy(backend);
    gate(backend);
}

#[test]
fn switches_and_proxy_on_sqlite() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let database = |_case: &str| "sqlite::memory:".to_owned();
    all_cases(&Backend {
        name: "sqlite",
        database: &database,
    });
}

#[test]
fn switches_and_proxy_on_postgres() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let server = pg::PgServer::from_env_or_start(&["PERFDSL_TEST_DATABASE_URL"]);
    let database = |case: &str| {
        server
            .create_database(&format!("shop_e2e_{}", case.to_ascii_lowercase()))
            .unwrap_or_else(|e| panic!("cannot create the database for `{case}`: {e}"))
    };
    all_cases(&Backend {
        name: "postgres",
        database: &database,
    });
}
