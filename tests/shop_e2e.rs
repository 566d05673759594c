//! The demo shop end to end: `perfdsl run` starts the debug `shop` binary with the
//! fixture mocks (`tests/fixtures/shop/`), drives short iteration-bounded loads, and the
//! results file must show each regression switch moving its metric — on in-memory SQLite
//! and on PostgreSQL — and the shop reaching the mocks through perfdsl's forward proxy.
//! On PostgreSQL, a `database` block's setup and reset SQL run and its
//! `db.main.*_per_iteration` metrics count the shop's statements and written rows.
//!
//! One baseline run per backend is shared by the switch cases; cases run one after the
//! other (and the two backends never at the same time), so the latency bounds, which are
//! generous anyway, are not disturbed by the file's own load. Counts (queries, upstream
//! calls, bytes) are asserted exactly or by large factors; speed never is.

#[path = "../shop/tests/support/pg.rs"]
mod pg;
mod support;

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{Output, Perfdsl};

#[path = "shop_e2e/database.rs"]
mod database;
#[path = "shop_e2e/switches.rs"]
mod switches;

/// The longest one `perfdsl run` may take before the test gives up on it.
const RUN_LIMIT: Duration = Duration::from_secs(90);
/// The longest building the shop may take (a cold build of sqlx and axum).
const BUILD_LIMIT: Duration = Duration::from_secs(600);
/// Variables of the test's own environment that would change what the shop does (those
/// that would change what perfdsl does are [`Perfdsl`]'s to remove).
const ISOLATED: &str = "DATABASE_URL SHOP_DATABASE_URL MOCK_SERVICES PAYMENTS_URL \
    INVENTORY_URL HTTP_PROXY http_proxy SHOP_N_PLUS_ONE SHOP_SLOW_MS SHOP_BLOAT \
    SHOP_EXTRA_UPSTREAM SHOP_HASH_ROUNDS SHOP_LOG";

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

/// Runs `command` (the build) to its end, or kills it after `limit` and returns `None`.
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

/// What one `perfdsl run` did: its [`Output`] (and the assertions on it) and results
/// file; its directory (and the service logs in it) lives as long.
struct Run {
    label: String,
    output: Output,
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

impl Deref for Run {
    type Target = Output;

    fn deref(&self) -> &Output {
        &self.output
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {}", self.label, self.output)
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
    let mut command = Perfdsl::new()
        .current_dir(dir.path())
        .arg("run")
        .arg(&fixture)
        .args(["--json", "out.json", "--quiet"])
        .args(args)
        .timeout(RUN_LIMIT);
    for f in filter {
        command = command.args(["--filter", f]);
    }
    for var in ISOLATED.split_whitespace() {
        command = command.env_remove(var);
    }
    let output = command
        .envs(env.iter().copied())
        .env("SHOP_BIN", shop_bin())
        .env("SHOP_DATABASE_URL", db)
        .run();
    let json = std::fs::read_to_string(dir.path().join("out.json"))
        .ok()
        .map(|text| serde_json::from_str(&text).expect("the results file is JSON"));
    Run {
        label,
        output,
        json,
        dir,
    }
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

/// Every case on one backend, one after the other.
fn all_cases(backend: &Backend) {
    let base = switches::baseline(backend);
    switches::n_plus_one(backend, &base);
    switches::bloat(backend, &base);
    switches::slow(backend, &base);
    switches::extra_upstream(backend, &base);
    switches::proxy(backend);
    switches::gate(backend);
}

#[test]
fn switches_and_proxy_on_sqlite() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
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
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // A throwaway cluster preloads `pg_stat_statements`, so that `database` blocks count
    // statements exactly; a server named by the variable is used as it is.
    let server = pg::PgServer::from_env_or_start_with(
        &["PERFDSL_TEST_DATABASE_URL"],
        &["shared_preload_libraries=pg_stat_statements"],
    );
    let database = |case: &str| {
        server
            .create_database(&format!("shop_e2e_{}", case.to_ascii_lowercase()))
            .unwrap_or_else(|e| panic!("cannot create the database for `{case}`: {e}"))
    };
    let backend = Backend {
        name: "postgres",
        database: &database,
    };
    all_cases(&backend);
    database::database_blocks(&backend, server.is_throwaway());
}
