//! The history stores: one suite of semantics (empty, insert, idempotent re-record, order,
//! compaction, prune) run against the JSON file store and against PostgreSQL, plus what
//! only one store has (a corrupt file, concurrent processes, a newer database schema).

#[path = "../shop/tests/support/pg.rs"]
mod pg;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use perfdsl::history::{
    Access, HistoryError, HistoryStore, JsonStore, PgStore, Record, RecordOutcome, Retention,
    RunMeta,
};
use perfdsl::metrics::Runner;

#[path = "history/postgres.rs"]
mod postgres;

const PG_VARS: &[&str] = &["PERFDSL_TEST_DATABASE_URL"];

fn at(secs: u32) -> String {
    format!("2026-11-27T11:{:02}:{:02}Z", secs / 60, secs % 60)
}

/// A record as a real run makes one (numbers with a long binary expansion included).
#[allow(clippy::unreadable_literal, reason = "figures as a run wrote them")]
fn rec(commit: &str, scenario: &str, secs: u32, p95: f64) -> Record {
    Record {
        meta: RunMeta {
            commit: commit.to_string(),
            branch: Some("main".to_string()),
            recorded_at: at(secs),
            perfdsl: "0.1.0".to_string(),
            runner: Runner {
                cpu_model: "AMD EPYC 7763 64-Core Processor".to_string(),
                cores: 4,
                os: "linux/x86_64".to_string(),
            },
        },
        scenario: scenario.to_string(),
        measured_secs: 20.0,
        metrics: BTreeMap::from([
            ("latency.p95".to_string(), p95),
            ("latency.mean".to_string(), 17.111165000000003),
            ("requests".to_string(), 2000.0),
            (
                "upstream.payments.calls_per_iteration".to_string(),
                0.999130434782609,
            ),
        ]),
        steps: BTreeMap::from([(
            "order".to_string(),
            BTreeMap::from([
                ("latency.p95".to_string(), p95 + 1.0),
                ("latency.stdev".to_string(), 18.762995703878815),
                ("requests".to_string(), 1000.0),
            ]),
        )]),
        histograms: BTreeMap::from([(
            "latency".to_string(),
            "HISTFAAAACl4nJNpmSzMwMDAxQABzFCaEUzOmQ".to_string(),
        )]),
    }
}

/// `rec` as compaction leaves it outside the newest `histogram_runs` commits.
fn summary(commit: &str, scenario: &str, secs: u32, p95: f64) -> Record {
    let mut r = rec(commit, scenario, secs, p95);
    r.histograms.clear();
    r.steps = BTreeMap::from([(
        "order".to_string(),
        BTreeMap::from([
            ("latency.p95".to_string(), p95 + 1.0),
            ("requests".to_string(), 1000.0),
        ]),
    )]);
    r
}

fn retention(max_runs: usize, histogram_runs: usize) -> Retention {
    Retention {
        max_runs,
        histogram_runs,
    }
}

fn outcome(inserted: usize, replaced: usize, pruned: usize) -> RecordOutcome {
    RecordOutcome {
        inserted,
        replaced,
        pruned,
    }
}

fn keys(records: &[Record]) -> Vec<(String, String)> {
    records
        .iter()
        .map(|r| (r.meta.commit.clone(), r.scenario.clone()))
        .collect()
}

// ---------------------------------------------------------------------------------------
// The suite: every store must pass each of these on an empty history.

fn empty_history(store: &dyn HistoryStore) {
    assert_eq!(store.records().unwrap(), Vec::<Record>::new());
    assert_eq!(store.prune(retention(3, 1)).unwrap(), 0);
    assert_eq!(store.records().unwrap(), Vec::<Record>::new());
}

fn insert(store: &dyn HistoryStore) {
    let checkout = rec("aaa", "checkout", 10, 12.5);
    let browse = rec("aaa", "browse", 10, 3.25);
    let done = store.record(&[checkout.clone(), browse.clone()], retention(500, 10));
    assert_eq!(done.unwrap(), outcome(2, 0, 0));
    assert_eq!(store.records().unwrap(), vec![browse, checkout]);
}

fn idempotent_rerecord(store: &dyn HistoryStore) {
    let first = rec("aaa", "checkout", 10, 12.5);
    assert_eq!(
        store
            .record(std::slice::from_ref(&first), retention(500, 10))
            .unwrap(),
        outcome(1, 0, 0)
    );
    assert_eq!(
        store
            .record(std::slice::from_ref(&first), retention(500, 10))
            .unwrap(),
        outcome(0, 1, 0)
    );
    assert_eq!(store.records().unwrap(), vec![first]);

    let mut newer = rec("aaa", "checkout", 20, 99.0);
    newer.meta.branch = Some("feature".to_string());
    assert_eq!(
        store.record(&[newer.clone()], retention(500, 10)).unwrap(),
        outcome(0, 1, 0)
    );
    assert_eq!(
        store.records().unwrap(),
        vec![newer],
        "the newest content replaces"
    );
}

fn ordering(store: &dyn HistoryStore) {
    let calls = [
        vec![rec("ccc", "zeta", 30, 1.0), rec("ccc", "alpha", 30, 1.0)],
        vec![rec("aaa", "alpha", 10, 1.0)],
        vec![rec("bbb", "alpha", 30, 1.0)],
        vec![rec("ddd", "alpha", 20, 1.0)],
    ];
    for records in &calls {
        store.record(records, retention(500, 10)).unwrap();
    }
    let expected = [
        ("aaa", "alpha"),
        ("ddd", "alpha"),
        ("bbb", "alpha"),
        ("ccc", "alpha"),
        ("ccc", "zeta"),
    ]
    .map(|(c, s)| (c.to_string(), s.to_string()));
    assert_eq!(keys(&store.records().unwrap()), expected);
}

fn compaction(store: &dyn HistoryStore) {
    let keep = retention(3, 1);
    let both = |commit: &str, secs: u32| {
        vec![
            rec(commit, "browse", secs, 2.0),
            rec(commit, "checkout", secs, 10.0),
        ]
    };
    for (i, commit) in ["c1", "c2", "c3"].into_iter().enumerate() {
        let done = store.record(&both(commit, i as u32 + 1), keep).unwrap();
        assert_eq!(done, outcome(2, 0, 0), "{commit}");
    }
    // A fourth commit pushes out the oldest one.
    assert_eq!(
        store.record(&both("c4", 4), keep).unwrap(),
        outcome(2, 0, 2)
    );
    // Re-recording c2 makes it the newest commit, so c3 is the oldest now.
    let again = store.record(&[rec("c2", "browse", 5, 2.5)], keep).unwrap();
    assert_eq!(again, outcome(0, 1, 0));
    assert_eq!(
        store.record(&both("c5", 6), keep).unwrap(),
        outcome(2, 0, 2)
    );

    let expected = vec![
        summary("c2", "checkout", 2, 10.0),
        summary("c4", "browse", 4, 2.0),
        summary("c4", "checkout", 4, 10.0),
        summary("c2", "browse", 5, 2.5),
        rec("c5", "browse", 6, 2.0),
        rec("c5", "checkout", 6, 10.0),
    ];
    assert_eq!(store.records().unwrap(), expected);
}

fn prune(store: &dyn HistoryStore) {
    for (i, commit) in ["c1", "c2", "c3", "c4"].into_iter().enumerate() {
        let secs = i as u32 + 1;
        store
            .record(&[rec(commit, "browse", secs, 1.0)], retention(10, 10))
            .unwrap();
    }
    assert_eq!(store.records().unwrap().len(), 4);
    assert_eq!(store.prune(retention(2, 1)).unwrap(), 2);
    let expected = vec![summary("c3", "browse", 3, 1.0), rec("c4", "browse", 4, 1.0)];
    assert_eq!(store.records().unwrap(), expected);
    assert_eq!(
        store.prune(retention(2, 1)).unwrap(),
        0,
        "pruning is idempotent"
    );
    // Nothing removed, but the histograms of the newest commit go too.
    assert_eq!(store.prune(retention(2, 0)).unwrap(), 0);
    let expected = vec![
        summary("c3", "browse", 3, 1.0),
        summary("c4", "browse", 4, 1.0),
    ];
    assert_eq!(store.records().unwrap(), expected);
}

type Case = (&'static str, fn(&dyn HistoryStore));

const SUITE: &[Case] = &[
    ("empty_history", empty_history),
    ("insert", insert),
    ("idempotent_rerecord", idempotent_rerecord),
    ("ordering", ordering),
    ("compaction", compaction),
    ("prune", prune),
];

// ---------------------------------------------------------------------------------------
// The suite against each store.

#[test]
fn json_store_semantics() {
    for (name, case) in SUITE {
        let dir = tempfile::tempdir().unwrap();
        eprintln!("json store: {name}");
        case(&JsonStore::new(dir.path().join("perf_history.json")));
    }
}

#[test]
fn postgres_store_semantics() {
    let server = pg::PgServer::from_env_or_start(PG_VARS);
    for (name, case) in SUITE {
        let url = fresh_database(&server, &format!("history_{name}"));
        let store = PgStore::connect(&url).unwrap();
        eprintln!("postgres store: {name}");
        case(&store);
    }
}

/// A new empty database `name`: on a throwaway cluster through the helper, on a server
/// named by a variable with `CREATE DATABASE` (the tests must not share one database).
fn fresh_database(server: &pg::PgServer, name: &str) -> String {
    if server.is_throwaway() {
        return server.create_database(name).unwrap();
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(server.url()).await.unwrap();
        for sql in [
            format!("DROP DATABASE IF EXISTS {name}"),
            format!("CREATE DATABASE {name}"),
        ] {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut conn)
                .await
                .unwrap();
        }
    });
    let url = server.url();
    let (scheme, rest) = url.split_once("://").unwrap();
    let host_end = rest.find('/').unwrap_or(rest.len());
    let query = rest.find('?').map_or("", |q| &rest[q..]);
    format!("{scheme}://{}/{name}{query}", &rest[..host_end])
}

// ---------------------------------------------------------------------------------------
// JSON file only.

fn json_in(dir: &Path, text: &str) -> JsonStore {
    let path = dir.join("perf_history.json");
    std::fs::write(&path, text).unwrap();
    JsonStore::new(path)
}

#[test]
fn a_missing_file_is_an_empty_history_and_is_created_on_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("perf_history.json");
    let store = JsonStore::new(&path);
    assert_eq!(store.records().unwrap(), Vec::<Record>::new());
    assert_eq!(store.prune(retention(1, 1)).unwrap(), 0);
    assert!(!path.exists(), "pruning nothing creates no file");

    store
        .record(&[rec("aaa", "browse", 1, 1.0)], retention(500, 10))
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text
        .starts_with("{\n  \"schema\": 1,\n  \"records\": [\n    {\n      \"commit\": \"aaa\",\n"));
    assert!(text.ends_with("}\n"));
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        value["records"][0]["histograms"]["latency"],
        "HISTFAAAACl4nJNpmSzMwMDAxQABzFCaEUzOmQ"
    );
    assert!(dir.path().join("perf_history.json.lock").exists());
    assert_eq!(store.describe(), path.display().to_string());
}

#[test]
fn a_corrupt_file_is_an_error_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let broken = "{\n  \"schema\": 1,\n  \"records\": [\n    {\"commit\": \"aaa\",\n";
    let store = json_in(dir.path(), broken);
    let path = store.path().display().to_string();
    let expected = format!(
        "the history `{path}` is not valid history JSON (EOF while parsing a value at line 5 column 0); it was left untouched"
    );
    let failures = [
        store.records().map(|_| ()),
        store
            .record(&[rec("bbb", "browse", 1, 1.0)], retention(500, 10))
            .map(|_| ()),
        store.prune(retention(1, 1)).map(|_| ()),
    ];
    for failure in failures {
        let error = failure.unwrap_err();
        assert!(matches!(error, HistoryError::Corrupt { .. }), "{error:?}");
        assert_eq!(error.to_string(), expected);
    }
    assert_eq!(std::fs::read_to_string(store.path()).unwrap(), broken);

    let wrong_type = "{\"schema\": 1, \"records\": [{\"commit\": 5}]}";
    let store = json_in(dir.path(), wrong_type);
    let error = store
        .record(&[rec("b", "s", 1, 1.0)], retention(5, 5))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("the history `{path}` is not valid history JSON (missing field `scenario` at line 1 column 39); it was left untouched")
    );
    assert_eq!(std::fs::read_to_string(store.path()).unwrap(), wrong_type);
}

#[test]
fn a_newer_schema_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    for newer in [
        "{\"schema\": 2, \"records\": [{\"shape\": \"unknown to schema 1\"}]}",
        "{\"schema\": 7, \"records\": []}",
    ] {
        let store = json_in(dir.path(), newer);
        let error = store
            .record(&[rec("b", "s", 1, 1.0)], retention(5, 5))
            .unwrap_err();
        let found = if newer.contains('7') { 7 } else { 2 };
        match &error {
            HistoryError::NewerSchema {
                found: f,
                supported,
                ..
            } => assert_eq!((*f, *supported), (found, 1)),
            other => panic!("expected a newer schema, found {other:?}"),
        }
        assert!(matches!(
            store.records(),
            Err(HistoryError::NewerSchema { .. })
        ));
        assert_eq!(std::fs::read_to_string(store.path()).unwrap(), newer);
    }
}

/// Set in the children of `two_processes_recording_at_once_lose_nothing`: `FILE|PREFIX`.
const CHILD_ENV: &str = "PERFDSL_HISTORY_TEST_CHILD";
const CHILDREN: usize = 4;
const COMMITS_PER_CHILD: u32 = 25;

/// Records `COMMITS_PER_CHILD` commits, one `record` call each, into the file the parent
/// names; does nothing when run on its own.
#[test]
#[ignore = "run by two_processes_recording_at_once_lose_nothing as a child process"]
fn child_records_commits() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (path, prefix) = spec.split_once('|').unwrap();
    record_commits(&JsonStore::new(path), prefix, retention(500, 10));
}

fn record_commits(store: &dyn HistoryStore, prefix: &str, keep: Retention) {
    for i in 0..COMMITS_PER_CHILD {
        let commit = format!("{prefix}-{i:02}");
        let records = [
            rec(&commit, "browse", i, 1.0),
            rec(&commit, "checkout", i, 2.0),
        ];
        let done = store.record(&records, keep).unwrap();
        assert_eq!((done.inserted, done.replaced), (2, 0));
    }
}

fn assert_every_commit_present(store: &dyn HistoryStore) {
    let records = store.records().unwrap();
    let commits: BTreeSet<String> = records.iter().map(|r| r.meta.commit.clone()).collect();
    let expected: BTreeSet<String> = (0..CHILDREN)
        .flat_map(|c| (0..COMMITS_PER_CHILD).map(move |i| format!("child{c}-{i:02}")))
        .collect();
    assert_eq!(commits.len(), 100);
    assert_eq!(commits, expected);
    assert_eq!(records.len(), 200, "one record per (commit, scenario)");
}

#[test]
fn two_processes_recording_at_once_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("perf_history.json");
    let exe = std::env::current_exe().unwrap();
    // Start every child before waiting for any, so that they record at the same time.
    let running: Vec<_> = (0..CHILDREN)
        .map(|c| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "child_records_commits",
                    "--nocapture",
                    "--include-ignored",
                ])
                .env(CHILD_ENV, format!("{}|child{c}", path.display()))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in running {
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("1 passed"),
            "child failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert_every_commit_present(&JsonStore::new(&path));
}
