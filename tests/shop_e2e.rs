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

/// The longest one `perfdsl run` may take before the test gives up on it.
const RUN_LIMIT: Duration = Duration::from_secs(90);
/// The longest building the shop may take (a cold build of sqlx and axum).
const BUILD_LIMIT: Duration = Duration::from_secs(600);
/// Variables of the test's own environment that would change what the shop does (those
/// that would change what perfdsl does are [`Perfdsl`]'s to remove).
const ISOLATED: &str = "DATABASE_URL SHOP_DATABASE_URL MOCK_SERVICES PAYMENTS_URL \
    INVENTORY_URL HTTP_PROXY http_proxy SHOP_N_PLUS_ONE SHOP_SLOW_MS SHOP_BLOAT \
    SHOP_EXTRA_UPSTREAM SHOP_LOG";

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

/// The baseline: every switch off, both scenarios, every limit met, exact counts.
fn baseline(backend: &Backend) -> Run {
    let base = backend.run("baseline", "shop.perf", &[], &[]);
    base.code(0);
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
    run.code(0);
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
    run.code(0);
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
    run.code(0);
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
    run.code(1);
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
    run.code(0);
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
    recorded.code(0);
    recorded.ensure(
        recorded
            .stdout
            .contains("recorded 1 scenario(s) of 1111111"),
        format_args!("the record mode says what it recorded"),
    );
    let same = run("same", "2222222222", "compare", &[]);
    same.code(0);
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
    red.code(1);
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

/// The note perfdsl adds when `pg_stat_statements` is missing and it counts transactions.
const TRANSACTIONS_NOTE: &str =
    "db.main.statements_per_iteration counts transactions, an approximation: ";
/// What counting transactions may add per iteration of `shop_db.perf`'s `browse` (100
/// iterations): each connection the shop's pool (16 at most) opens during the scenario
/// counts one transaction for its start-up and one for preparing each of its (at most 3)
/// statements. Measured: 0.13 without the switch, 0.48 with it.
const TRANSACTIONS_SLACK: f64 = 16.0 * (1.0 + 3.0) / 100.0;

/// How perfdsl counted `db.main.statements_per_iteration` in a run, as its notes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Counting {
    /// `pg_stat_statements`: exact.
    Statements,
    /// Transactions, with the note saying it is an approximation.
    Transactions,
}

impl Run {
    /// How `scenario`'s database statements were counted: every `db.main` note of the
    /// scenario must be the approximation note, and a run without it counted exactly.
    fn counting(&self, scenario: &str) -> Counting {
        let notes = self.scenario(scenario)["notes"]
            .as_array()
            .unwrap_or_else(|| panic!("no notes in `{scenario}`\n{self}"));
        let db: Vec<&str> = notes
            .iter()
            .filter_map(Value::as_str)
            .filter(|n| n.starts_with("db.main"))
            .collect();
        let approximated = db.iter().all(|n| n.starts_with(TRANSACTIONS_NOTE));
        self.ensure(approximated, format_args!("`{scenario}` db notes: {db:?}"));
        if db.is_empty() {
            Counting::Statements
        } else {
            Counting::Transactions
        }
    }

    /// `scenario`'s `db.main.statements_per_iteration` is `expected` statements: exactly
    /// when counted as statements, within the slack when counted as transactions.
    fn expect_statements(&self, scenario: &str, expected: f64, counting: Counting) {
        let name = "db.main.statements_per_iteration";
        if counting == Counting::Statements {
            return self.expect(scenario, name, expected);
        }
        let actual = self.metric(scenario, name);
        let high = expected + TRANSACTIONS_SLACK;
        let what = format_args!(
            "`{scenario}` `{name}` (transactions): expected {expected} to {high}, found {actual}"
        );
        self.ensure(actual >= expected && actual <= high, what);
    }
}

/// Rows of each of `tables` in the database at `url`, `None` for a table that does not
/// exist; read over a direct connection once the runs are over.
fn table_rows(url: &str, tables: &[&str]) -> Vec<Option<i64>> {
    use sqlx::{AssertSqlSafe, Connection};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let mut conn = sqlx::PgConnection::connect(url)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
        let mut rows = Vec::new();
        for table in tables {
            let exists: bool = sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
                .bind(table)
                .fetch_one(&mut conn)
                .await
                .unwrap_or_else(|e| panic!("cannot look `{table}` up: {e}"));
            if !exists {
                rows.push(None);
                continue;
            }
            let sql = format!("SELECT count(*) FROM {table}");
            let count = sqlx::query_scalar(AssertSqlSafe(sql))
                .fetch_one(&mut conn)
                .await
                .unwrap_or_else(|e| panic!("cannot count `{table}`: {e}"));
            rows.push(Some(count));
        }
        let _ = conn.close().await;
        rows
    })
}

/// `database` blocks through `perfdsl run` (`shop_db.perf`, PostgreSQL only): the setup
/// runs once, the reset before each scenario, and `db.main.*_per_iteration` are the
/// statements and rows the shop's requests cost. `browse` is 3 statements an iteration
/// (the page and the count of the list, the product of the detail), 23 with the N+1
/// switch (the ids, 20 single products, the count); the pool's health checks are
/// protocol-level syncs, no statement. `checkout` is 7: the 2 of its list, the product,
/// and `BEGIN`, the stock `UPDATE`, the order `INSERT`, `COMMIT` (utility statements
/// count, as `pg_stat_statements.track_utility` is on by default), 2 of them writes.
/// On a throwaway cluster (`pg_stat_statements` preloaded) counting must be exact; on a
/// server named by `PERFDSL_TEST_DATABASE_URL` the figures are checked the way perfdsl's
/// note says it counted them.
fn database_blocks(backend: &Backend, throwaway: bool) {
    let began = Instant::now();
    let (run, counting) = setup_and_reset(backend, throwaway);
    let n1 = backend.run(
        "db_n_plus_one",
        "shop_db.perf",
        &["browse"],
        &[("SHOP_N_PLUS_ONE", "1")],
    );
    n1.code(0);
    assert_eq!(n1.counting("browse"), counting, "{n1}");
    n1.expect("browse", "error_rate", 0.0);
    n1.expect_statements("browse", 23.0, counting);
    n1.expect("browse", "db.main.rows_written_per_iteration", 0.0);
    broken_setup(backend);
    let metric = |r: &Run, s: &str, m: &str| r.metric(s, &format!("db.main.{m}_per_iteration"));
    eprintln!(
        "[postgres] database blocks ({counting:?}): statements per iteration: checkout {}, \
         browse {} -> {} with SHOP_N_PLUS_ONE; rows written: checkout {}, browse {}; \
         rows read: browse {} -> {}; {:.1}s",
        metric(&run, "checkout", "statements"),
        metric(&run, "browse", "statements"),
        metric(&n1, "browse", "statements"),
        metric(&run, "checkout", "rows_written"),
        metric(&run, "browse", "rows_written"),
        metric(&run, "browse", "rows_read"),
        metric(&n1, "browse", "rows_read"),
        began.elapsed().as_secs_f64(),
    );
}

/// Both scenarios of `shop_db.perf`, switch off: the setup ran once, the reset before
/// `browse` deleted `checkout`'s orders (and its deletes are nobody's work), and the
/// figures are the statements and writes derived above.
fn setup_and_reset(backend: &Backend, throwaway: bool) -> (Run, Counting) {
    let url = (backend.database)("db");
    // Rows the setup left by earlier runs (only on a server named by the variable).
    let setups_before: i64 = table_rows(&url, &["perfdsl_setups"])
        .into_iter()
        .flatten()
        .sum();
    let run = perfdsl("postgres db".into(), "shop_db.perf", &[], &url, &[]);
    run.code(0);
    let counting = run.counting("browse");
    assert_eq!(run.counting("checkout"), counting, "{run}");
    if throwaway {
        assert_eq!(counting, Counting::Statements, "{run}");
        run.expect("checkout", "db.main.statements_per_iteration", 7.0);
    }
    run.expect("checkout", "iterations", 20.0);
    run.expect("checkout", "error_rate", 0.0);
    run.expect("checkout", "db.main.rows_written_per_iteration", 2.0);
    run.expect("browse", "iterations", 100.0);
    run.expect("browse", "error_rate", 0.0);
    run.expect_statements("browse", 3.0, counting);
    // The reset deleted checkout's 20 orders before browse's snapshot: not browse's work.
    run.expect("browse", "db.main.rows_written_per_iteration", 0.0);
    let limit = run.limit("browse", "db.main.rows_written_per_iteration");
    assert_eq!(limit["passed"], true, "{limit}\n{run}");
    let rows = table_rows(&url, &["orders", "perfdsl_setups"]);
    let setups = setups_before + 1;
    assert_eq!(rows, [Some(0), Some(setups)], "orders, setups\n{run}");
    (run, counting)
}

/// A `database` whose setup SQL fails: exit 3 naming the database, its URL and the
/// failing line, before the shop starts; the batch's first statement is not kept.
fn broken_setup(backend: &Backend) {
    let url = (backend.database)("db_broken");
    let run = perfdsl(
        "postgres db broken".into(),
        "shop_db_broken.perf",
        &[],
        &url,
        &[],
    );
    run.code(3);
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shop/shop_db_broken.perf");
    let expected = format!(
        "database `inventory` ({}): `setup` SQL failed at {}:8: type \"nosuchtype\" does not exist",
        perfdsl::urls::redact(&url),
        fixture.display()
    );
    // The diagnostic is wrapped to the terminal's width: compare without the layout.
    let bare = |text: &str| -> String {
        text.chars()
            .filter(|c| !c.is_whitespace() && *c != '│')
            .collect()
    };
    let said = bare(&run.stderr).contains(&bare(&expected));
    run.ensure(
        said,
        format_args!("stderr names the database and the line:\n{expected}"),
    );
    run.ensure(
        run.stderr.contains("perfdsl::database::sql"),
        format_args!("the error code"),
    );
    run.ensure(
        run.json.is_none() && !run.stderr.contains("starting service"),
        format_args!("nothing ran"),
    );
    let shop_log = run.dir.path().join(".perfdsl/logs/shop.log");
    run.ensure(!shop_log.exists(), format_args!("the shop never started"));
    assert_eq!(
        table_rows(&url, &["fine"]),
        [None],
        "one batch: nothing kept"
    );
}

/// Every case on one backend, one after the other.
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
    database_blocks(&backend, server.is_throwaway());
}
