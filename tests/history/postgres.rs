//! What only the PostgreSQL store has: recorders on their own connections at once (nothing
//! lost, compaction exact), a newer database schema refused, an unreachable database
//! named without its password, and a role that may only read.

use super::*;

/// Four recorders with their own connections, each recording 25 commits.
fn record_from_threads(url: &str, keep: Retention) {
    std::thread::scope(|scope| {
        for c in 0..CHILDREN {
            scope.spawn(move || {
                let store = PgStore::connect(url).unwrap();
                record_commits(&store, &format!("child{c}"), keep);
            });
        }
    });
}

#[test]
fn postgres_recorders_at_once_lose_nothing() {
    let server = pg::PgServer::from_env_or_start(PG_VARS);
    let url = fresh_database(&server, "history_concurrent");
    record_from_threads(&url, retention(500, 10));
    assert_every_commit_present(&PgStore::connect(&url).unwrap());
}

/// Compaction under concurrent recorders keeps exactly the newest `max_runs` commits of
/// all ever recorded (each recorder compacts only once it sees the others' commits).
#[test]
fn postgres_recorders_at_once_compact_exactly() {
    let server = pg::PgServer::from_env_or_start(PG_VARS);
    let url = fresh_database(&server, "history_concurrent_compaction");
    record_from_threads(&url, retention(10, 2));
    let records = PgStore::connect(&url).unwrap().records().unwrap();
    let commits: BTreeSet<String> = records.iter().map(|r| r.meta.commit.clone()).collect();
    // The children record seconds 0..24; the newest are 24, 23 and the greatest of 22.
    let expected: BTreeSet<String> = [
        "child0-24",
        "child1-24",
        "child2-24",
        "child3-24",
        "child0-23",
        "child1-23",
        "child2-23",
        "child3-23",
        "child2-22",
        "child3-22",
    ]
    .map(String::from)
    .into();
    assert_eq!(commits, expected);
    assert_eq!(records.len(), 20);
    let with_histograms: BTreeSet<&str> = records
        .iter()
        .filter(|r| !r.histograms.is_empty())
        .map(|r| r.meta.commit.as_str())
        .collect();
    assert_eq!(with_histograms, BTreeSet::from(["child2-24", "child3-24"]));
}

#[test]
fn postgres_newer_schema_is_refused() {
    let server = pg::PgServer::from_env_or_start(PG_VARS);
    let url = fresh_database(&server, "history_newer");
    drop(PgStore::connect(&url).unwrap());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::query(
            "INSERT INTO perfdsl_history_migrations \
             (version, description, success, checksum, execution_time) \
             VALUES (2, 'from a newer perfdsl', true, '\\x00'::bytea, 0)",
        )
        .execute(&mut conn)
        .await
        .unwrap();
    });
    let error = PgStore::connect(&url).unwrap_err();
    match error {
        HistoryError::NewerSchema {
            found, supported, ..
        } => assert_eq!((found, supported), (2, 1)),
        other => panic!("expected a newer schema, found {other:?}"),
    }
}

#[test]
fn an_unreachable_database_is_an_error_without_the_password() {
    let url = "postgres://perf:hunter2@127.0.0.1:1/history?sslmode=disable";
    let error = PgStore::connect(url).unwrap_err();
    match &error {
        HistoryError::Database { url, .. } => {
            assert_eq!(
                url,
                "postgres://perf:***@127.0.0.1:1/history?sslmode=disable"
            );
        }
        other => panic!("expected a database error, found {other:?}"),
    }
    let shown = error.to_string();
    assert!(
        shown.starts_with(
            "history database `postgres://perf:***@127.0.0.1:1/history?sslmode=disable`: \
             cannot connect: error communicating with database: "
        ),
        "{shown}"
    );
    assert!(!shown.contains("hunter2"), "{shown}");
}

/// Runs SQL statements on `url` as its user.
fn execute(url: &str, statements: &[&str]) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        for sql in statements {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(&mut conn)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    });
}

/// `url` with another user (no password: the throwaway cluster trusts loopback).
fn as_user(url: &str, user: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let host = rest.split_once('@').map_or(rest, |(_, h)| h);
    format!("{scheme}://{user}@{host}")
}

#[test]
fn a_select_only_role_reads_the_postgres_history() {
    // Creates a role: a server named by a variable must let its user do that and trust
    // loopback logins (a throwaway cluster does both).
    let server = pg::PgServer::from_env_or_start(PG_VARS);
    // A database nobody recorded into reads as empty, with no table created.
    let url = fresh_database(&server, "history_roles");
    execute(
        &url,
        &["DO $$ BEGIN CREATE ROLE perf_reader LOGIN; \
           EXCEPTION WHEN duplicate_object THEN NULL; END $$"],
    );
    let reader_url = as_user(&url, "perf_reader");
    let db = url
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_string();
    execute(
        &url,
        &[&format!("GRANT CONNECT ON DATABASE {db} TO perf_reader")],
    );
    let reader = PgStore::open(&reader_url, Access::Read).unwrap();
    assert_eq!(reader.records().unwrap(), Vec::<Record>::new());
    drop(reader);
    // The writer records; the reader gets SELECT and nothing else (docs/history.md).
    let writer = PgStore::connect(&url).unwrap();
    writer
        .record(&[rec("aaa", "checkout", 10, 12.5)], retention(500, 10))
        .unwrap();
    drop(writer);
    execute(
        &url,
        &[
            "GRANT USAGE ON SCHEMA public TO perf_reader",
            "GRANT SELECT ON perfdsl_history_records, perfdsl_history_migrations TO perf_reader",
        ],
    );
    let reader = PgStore::open(&reader_url, Access::Read).unwrap();
    assert_eq!(
        keys(&reader.records().unwrap()),
        [("aaa".into(), "checkout".into())]
    );
    // Opened to read, it writes nothing, whatever it is asked.
    match reader.record(&[rec("bbb", "checkout", 20, 12.5)], retention(500, 10)) {
        Err(HistoryError::ReadOnly { .. }) => {}
        other => panic!("expected a read-only refusal, found {other:?}"),
    }
    // Opening it to write (as compare mode did before) needs DDL the role lacks.
    let error = PgStore::open(&reader_url, Access::Write).unwrap_err();
    assert!(error.to_string().contains("permission denied"), "{error}");
}
