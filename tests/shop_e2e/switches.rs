//! The cases every backend runs: the baseline, each regression switch moving its metric,
//! the shop reaching the mocks through perfdsl's forward proxy, and the gate (record,
//! compare green, compare red) on the deterministic metrics.

use super::*;

/// The baseline: every switch off, both scenarios, every limit met, exact counts.
pub(super) fn baseline(backend: &Backend) -> Run {
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
pub(super) fn n_plus_one(backend: &Backend, base: &Run) {
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
pub(super) fn bloat(backend: &Backend, base: &Run) {
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
pub(super) fn slow(backend: &Backend, base: &Run) {
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
pub(super) fn extra_upstream(backend: &Backend, base: &Run) {
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
pub(super) fn proxy(backend: &Backend) {
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
pub(super) fn gate(backend: &Backend) {
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
