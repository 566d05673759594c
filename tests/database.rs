//! `database` blocks at run time: setup and reset SQL, and the `db.NAME.*` metrics read
//! from a real PostgreSQL server (the one `PERFDSL_TEST_DATABASE_URL` names, else a
//! throwaway cluster started with `pg_stat_statements` preloaded; never skipped), plus
//! SQLite fixtures, unreachable servers and the resolution of `.perf` blocks.

#[path = "../shop/tests/support/pg.rs"]
mod pg;

use std::collections::BTreeMap;
use std::path::Path;

use miette::Diagnostic;
use perfdsl::database::{DatabaseError, DatabaseSpec, Databases, DbWork, Script};
use perfdsl_core::frontend::check_path;
use perfdsl_core::source::DiskFs;
use sqlx::{Connection, PgConnection, Row, SqliteConnection};

const PG_VARS: &[&str] = &["PERFDSL_TEST_DATABASE_URL"];
const FIXTURES: &str = "tests/fixtures/database";
/// Statements the workload runs per iteration; two of them write one row each.
const STATEMENTS: f64 = 3.0;
const ITERATIONS: u64 = 20;

fn script(sql: &str, file: &str) -> Script {
    Script {
        sql: sql.to_string(),
        file: file.to_string(),
        first_line: 1,
        inline: false,
    }
}

fn spec(name: &str, url: &str, setup: Option<Script>, reset: Option<Script>) -> DatabaseSpec {
    DatabaseSpec {
        name: name.to_string(),
        url: url.to_string(),
        setup,
        reset,
    }
}

/// The service stand-in: per iteration an insert, a read by key and an update.
async fn workload(conn: &mut PgConnection, iterations: u64) {
    for i in 0..iterations {
        let product = 1 + (i % 3) as i32;
        sqlx::query("INSERT INTO orders (product_id, qty) VALUES ($1, 1)")
            .bind(product)
            .execute(&mut *conn)
            .await
            .unwrap();
        sqlx::query("SELECT stock FROM products WHERE id = $1")
            .bind(product)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        sqlx::query("UPDATE products SET stock = stock - 1 WHERE id = $1")
            .bind(product)
            .execute(&mut *conn)
            .await
            .unwrap();
    }
}

/// A fresh database `name` (on a server named by a variable: its one database, with the
/// fixture tables dropped first by the setup).
fn database(server: &pg::PgServer, name: &str) -> String {
    server.create_database(name).unwrap()
}

fn fixture_sql(file: &str) -> Script {
    let path = Path::new(FIXTURES).join(file);
    let sql = std::fs::read_to_string(&path).unwrap();
    let drop = "DROP TABLE IF EXISTS orders, products;\n";
    Script {
        sql: format!("{drop}{sql}"),
        file: path.display().to_string(),
        first_line: 0,
        inline: false,
    }
}

const RESET: &str = "TRUNCATE orders RESTART IDENTITY;\nUPDATE products SET stock = 100;";

/// Two scenarios of the same workload: the reset restores the data in between, the
/// figures are exact and identical in both.
async fn measures_exact_work(server: &pg::PgServer) {
    let url = database(server, "db_work");
    let main = spec(
        "main",
        &url,
        Some(fixture_sql("schema.sql")),
        Some(script(RESET, "reset.sql")),
    );
    let dbs = Databases::connect(vec![main]).await.unwrap();
    // The service's connection stays open (and idle) through both scenarios, as a pool's
    // would: its counters reach the statistics only when PostgreSQL flushes them.
    let mut service = PgConnection::connect(&url).await.unwrap();
    workload(&mut service, 1).await;
    let mut runs: Vec<Vec<DbWork>> = Vec::new();
    for _ in 0..2 {
        let before = dbs.before_scenario().await.unwrap();
        workload(&mut service, ITERATIONS).await;
        runs.push(dbs.after_scenario(&before, ITERATIONS).await.unwrap());
    }
    let first = &runs[0][0];
    eprintln!("db work: {runs:?}");
    assert_eq!(first.database, "main");
    let metric = |name: &str| first.metrics.get(&format!("db.main.{name}")).copied();
    assert_eq!(metric("statements_per_iteration"), Some(STATEMENTS));
    assert_eq!(metric("rows_written_per_iteration"), Some(2.0));
    assert!(metric("rows_read_per_iteration").is_some_and(|v| v >= 1.0));
    assert!(metric("blocks_per_iteration").is_some_and(|v| v >= 1.0));
    assert_eq!(first.metrics.len(), 4);
    assert_eq!(
        runs[0], runs[1],
        "the same work twice gives the same figures"
    );
    if server.is_throwaway() {
        // pg_stat_statements is preloaded there: exact statements, and no note at all.
        assert_eq!(first.notes, Vec::<String>::new());
    } else {
        assert!(first.notes.iter().all(|n| n.contains("approximation")));
    }
    // The reset ran before the second scenario: identities restarted, stock restored.
    let row = sqlx::query("SELECT count(*), max(id) FROM orders")
        .fetch_one(&mut service)
        .await
        .unwrap();
    assert_eq!((row.get::<i64, _>(0), row.get::<i32, _>(1)), (20, 20));
    let stock: i64 = sqlx::query("SELECT sum(stock) FROM products")
        .fetch_one(&mut service)
        .await
        .unwrap()
        .get(0);
    assert_eq!(stock, 300 - ITERATIONS as i64);
    service.close().await.unwrap();
    dbs.close().await;
}

async fn broken_setup_names_database_and_line(server: &pg::PgServer) {
    let url = database(server, "db_broken");
    let setup = script(
        "CREATE TABLE fine (id int);\nCREATE TABLE broken (id nosuchtype);\n",
        "schema.sql",
    );
    let err = Databases::connect(vec![spec("inventory", &url, Some(setup), None)])
        .await
        .err()
        .expect("the setup fails");
    let code = err.code().map(|c| c.to_string());
    assert_eq!(code.as_deref(), Some("perfdsl::database::sql"));
    let text = err.to_string();
    assert!(
        text.starts_with("database `inventory` (postgres://"),
        "{text}"
    );
    assert!(
        text.ends_with("`setup` SQL failed at schema.sql:2:25: type \"nosuchtype\" does not exist"),
        "{text}"
    );
    // One batch, one transaction: the first table was not kept.
    let mut conn = PgConnection::connect(&url).await.unwrap();
    let kept: Option<String> = sqlx::query("SELECT to_regclass('fine')::text")
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get(0);
    assert_eq!(kept, None);
    conn.close().await.unwrap();
}

async fn failing_reset_is_an_error(server: &pg::PgServer) {
    let url = database(server, "db_reset");
    let reset = script("TRUNCATE no_such_table;", "reset.sql");
    let dbs = Databases::connect(vec![spec("main", &url, None, Some(reset))])
        .await
        .unwrap();
    let err = dbs.before_scenario().await.expect_err("the reset fails");
    let text = err.to_string();
    assert!(
        text.ends_with(
            "`reset` SQL failed in reset.sql: relation \"no_such_table\" does not exist"
        ),
        "{text}"
    );
    dbs.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_databases() {
    let server = tokio::task::spawn_blocking(|| {
        pg::PgServer::from_env_or_start_with(
            PG_VARS,
            &["shared_preload_libraries=pg_stat_statements"],
        )
    })
    .await
    .unwrap();
    measures_exact_work(&server).await;
    broken_setup_names_database_and_line(&server).await;
    failing_reset_is_an_error(&server).await;
    tokio::task::spawn_blocking(move || drop(server))
        .await
        .unwrap();
}

#[test]
fn throwaway_clusters_can_preload_pg_stat_statements() {
    let out = std::process::Command::new("pg_config")
        .arg("--sharedir")
        .output()
        .unwrap();
    let share = String::from_utf8(out.stdout).unwrap();
    let control = Path::new(share.trim()).join("extension/pg_stat_statements.control");
    assert!(control.is_file(), "{} is missing", control.display());
}

#[tokio::test]
async fn unreachable_server_fails_clearly_without_its_password() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let url = format!("postgres://shop:hunter2@127.0.0.1:{port}/shop");
    let err = Databases::connect(vec![spec("main", &url, None, None)])
        .await
        .err()
        .expect("nothing listens there");
    assert!(matches!(err, DatabaseError::Connect { .. }), "{err:?}");
    let text = err.to_string();
    let prefix =
        format!("database `main`: cannot connect to `postgres://shop:***@127.0.0.1:{port}/shop`: ");
    assert!(text.starts_with(&prefix), "{text}");
    assert!(!format!("{err:?}").contains("hunter2"));
}

#[tokio::test]
async fn unsupported_url_is_named() {
    let err = Databases::connect(vec![spec("main", "mysql://u:pw@db/shop", None, None)])
        .await
        .err()
        .expect("not a supported database");
    assert_eq!(
        err.to_string(),
        "database `main`: expected a PostgreSQL or SQLite URL, found `mysql://u:***@db/shop`"
    );
    let empty = Databases::connect(vec![spec("main", "", None, None)])
        .await
        .err();
    assert_eq!(
        empty.map(|e| e.to_string()).as_deref(),
        Some("database `main`: expected a PostgreSQL or SQLite URL, found an empty URL (is its environment variable set?)")
    );
}

#[tokio::test]
async fn sqlite_runs_setup_and_reset_without_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("lite.db").display());
    let setup = script(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER);\nINSERT INTO t (v) VALUES (1), (2);",
        "lite.sql",
    );
    let reset = script("DELETE FROM t WHERE v > 2;", "lite.sql");
    let dbs = Databases::connect(vec![spec("lite", &url, Some(setup), Some(reset))])
        .await
        .unwrap();
    let mut other = SqliteConnection::connect(&url).await.unwrap();
    sqlx::query("INSERT INTO t (v) VALUES (3)")
        .execute(&mut other)
        .await
        .unwrap();
    let before = dbs.before_scenario().await.unwrap();
    let count: i64 = sqlx::query("SELECT count(*) FROM t")
        .fetch_one(&mut other)
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 2, "the reset removed the extra row");
    let work = dbs.after_scenario(&before, 10).await.unwrap();
    assert_eq!(
        work,
        vec![DbWork {
            database: "lite".into(),
            metrics: BTreeMap::new(),
            notes: vec![
                "db.lite.* needs PostgreSQL statistics views: database `lite` is not PostgreSQL"
                    .into()
            ],
        }]
    );
    other.close().await.unwrap();
    dbs.close().await;
}

#[test]
fn resolves_files_inline_code_and_env_urls() {
    let checked = check_path(&DiskFs, &Path::new(FIXTURES).join("shop.perf")).unwrap();
    let spec = DatabaseSpec::resolve(&checked.model.databases[0], &checked).unwrap();
    assert_eq!(spec.name, "main");
    if std::env::var_os("PERFDSL_DB_FIXTURE_URL").is_none() {
        assert_eq!(spec.url, "postgres://shop:s3cret@127.0.0.1:1/shop");
    }
    let setup = spec.setup.unwrap();
    assert!(
        setup.file.ends_with("database/schema.sql"),
        "{}",
        setup.file
    );
    assert!(setup.sql.starts_with("CREATE TABLE products"));
    assert_eq!((setup.first_line, setup.inline), (1, false));
    let reset = spec.reset.unwrap();
    assert_eq!(reset.sql, RESET);
    assert_eq!((reset.first_line, reset.inline), (6, true));
    assert!(reset.file.ends_with("shop.perf"), "{}", reset.file);
}

#[test]
fn missing_sql_file_is_reported() {
    let checked = check_path(&DiskFs, &Path::new(FIXTURES).join("missing_file.perf")).unwrap();
    let err = DatabaseSpec::resolve(&checked.model.databases[0], &checked)
        .expect_err("the file is missing");
    let code = err.code().map(|c| c.to_string());
    assert_eq!(code.as_deref(), Some("perfdsl::database::sql_file"));
    let text = err.to_string();
    assert!(text.starts_with("database `main`: cannot read `"), "{text}");
    assert!(text.contains("no_such_schema.sql`: "), "{text}");
}

/// Without `pg_stat_statements`, statements are counted as transactions: exact for a
/// service running in autocommit, and said to be an approximation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_without_pg_stat_statements_counts_transactions() {
    let server = tokio::task::spawn_blocking(|| pg::PgServer::from_env_or_start(PG_VARS))
        .await
        .unwrap();
    let url = database(&server, "db_plain");
    let main = spec("main", &url, Some(fixture_sql("schema.sql")), None);
    let dbs = Databases::connect(vec![main]).await.unwrap();
    // The stand-in leaves before the end of the scenario: its counters are flushed when
    // it exits. It connects and prepares its statements before: connecting and preparing
    // count as transactions too.
    let mut service = PgConnection::connect(&url).await.unwrap();
    workload(&mut service, 1).await;
    let before = dbs.before_scenario().await.unwrap();
    workload(&mut service, 10).await;
    service.close().await.unwrap();
    let work = dbs.after_scenario(&before, 10).await.unwrap();
    let work = &work[0];
    eprintln!("db work: {work:?}");
    let metric = |name: &str| work.metrics.get(&format!("db.main.{name}")).copied();
    assert_eq!(metric("statements_per_iteration"), Some(STATEMENTS));
    assert_eq!(metric("rows_written_per_iteration"), Some(2.0));
    if server.is_throwaway() {
        assert_eq!(
            work.notes,
            vec![
                "db.main.statements_per_iteration counts transactions, an approximation: \
                  `pg_stat_statements` is not in the server's `shared_preload_libraries` \
                  (see docs/metrics.md)"
                    .to_string()
            ]
        );
    }
    dbs.close().await;
    tokio::task::spawn_blocking(move || drop(server))
        .await
        .unwrap();
}
