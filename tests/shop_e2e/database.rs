//! `database` blocks through `perfdsl run` on PostgreSQL: the setup and reset SQL, the
//! `db.main.*_per_iteration` metrics counted exactly (`pg_stat_statements`) or as
//! transactions, and a setup that fails before the shop starts.

use super::*;

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
pub(super) fn database_blocks(backend: &Backend, throwaway: bool) {
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
