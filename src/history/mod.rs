//! The history of recorded runs behind one trait, [`HistoryStore`], with two stores: a
//! JSON file (`perf_history.json`, the default) and PostgreSQL (sqlx).
//!
//! Both stores share the rules of [`compact`] (upsert key, order, retention); the file
//! format, locking and the database layout are described in `docs/history.md`.

pub mod compact;
mod json;
mod meta;
mod open;
mod postgres;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::metrics::{Runner, ScenarioResult};

pub use crate::urls::redact;
pub use compact::SUMMARY_STEP_METRICS;
pub use json::JsonStore;
pub use open::{choose, is_postgres_url, open, ENV};
pub use postgres::{PgStore, MIGRATIONS_TABLE, TABLE};

/// Version of the history schema (the JSON file and the PostgreSQL tables).
pub const SCHEMA: u32 = 1;

/// Where and when a run was recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunMeta {
    /// Full commit hash (or a label such as `file:results.json` for ad-hoc baselines).
    pub commit: String,
    pub branch: Option<String>,
    /// RFC 3339 UTC.
    pub recorded_at: String,
    /// The perfdsl version that measured the run.
    pub perfdsl: String,
    #[serde(default)]
    pub runner: Runner,
}

/// One scenario of one recorded commit: the unit the history stores and replaces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    #[serde(flatten)]
    pub meta: RunMeta,
    pub scenario: String,
    pub measured_secs: f64,
    /// Scenario metrics in canonical units (as in the results file).
    pub metrics: BTreeMap<String, f64>,
    /// Step name → its metrics.
    #[serde(default)]
    pub steps: BTreeMap<String, BTreeMap<String, f64>>,
    /// Scenario histograms (base64 HDR V2-deflate, µs); emptied by compaction for all but
    /// the newest `Retention::histogram_runs` commits.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub histograms: BTreeMap<String, String>,
}

/// What a command does with the history: compare mode only reads it (a pull request's
/// role may be `SELECT`-only), recording and pruning write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// What compaction keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// The newest N recorded commits are kept.
    pub max_runs: usize,
    /// Histograms are kept for the newest N recorded commits.
    pub histogram_runs: usize,
}

/// What a `record` call did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordOutcome {
    pub inserted: usize,
    pub replaced: usize,
    /// Records removed by compaction (older than `max_runs` commits).
    pub pruned: usize,
}

/// A history store. Records are returned oldest first (by `recorded_at`, then commit,
/// then scenario). Calls are synchronous: the PostgreSQL store drives its own runtime, so
/// they must not be made from inside a tokio runtime.
pub trait HistoryStore {
    /// Every record, oldest first.
    fn records(&self) -> Result<Vec<Record>, HistoryError>;
    /// Inserts the records, replacing any with the same (commit, scenario), then compacts.
    fn record(
        &self,
        records: &[Record],
        retention: Retention,
    ) -> Result<RecordOutcome, HistoryError>;
    /// Compacts only; returns how many records were removed.
    fn prune(&self, retention: Retention) -> Result<usize, HistoryError>;
    /// `perf_history.json` or the URL without its password, for messages.
    fn describe(&self) -> String;
}

/// Why the history could not be read or written.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum HistoryError {
    #[error("cannot use the history `{path}`: {message}")]
    #[diagnostic(code(perfdsl::history::io))]
    Io { path: String, message: String },
    #[error("the history `{path}` is not valid history JSON ({message}); it was left untouched")]
    #[diagnostic(
        code(perfdsl::history::corrupt),
        help("restore it from version control (`git checkout -- {path}`) or move it away to start a new history")
    )]
    Corrupt { path: String, message: String },
    #[error("the history `{path}` has schema {found}, newer than this perfdsl reads ({supported}); it was left untouched")]
    #[diagnostic(code(perfdsl::history::newer_schema), help("upgrade perfdsl"))]
    NewerSchema {
        path: String,
        found: u32,
        supported: u32,
    },
    #[error("the history `{url}` was opened read-only: {what} needs a writer")]
    #[diagnostic(code(perfdsl::history::read_only))]
    ReadOnly { url: String, what: String },
    #[error("the history database `{url}` has schema {found}, older than this perfdsl's ({known}), and a reader does not migrate it")]
    #[diagnostic(
        code(perfdsl::history::older_schema),
        help("let the writer (`perfdsl record` or `perfdsl history prune` on the main branch) migrate it first")
    )]
    OlderSchema { url: String, found: i64, known: i64 },
    #[error("`{name}` is set but empty: no history to read or record into")]
    #[diagnostic(
        code(perfdsl::history::empty),
        help("set it to a history file or a `postgres://` URL, or leave it unset to use `perf_config.json`'s; in a pull request from a fork, secrets come through empty: judge in a job that has them, or let the base branch's history be read from the repository")
    )]
    Empty { name: String },
    #[error("history database `{url}`: {message}")]
    #[diagnostic(code(perfdsl::history::database))]
    Database { url: String, message: String },
}

impl Record {
    /// The record of one scenario's results.
    pub fn from_result(result: &ScenarioResult, meta: &RunMeta) -> Record {
        let s = &result.summary;
        Record {
            meta: meta.clone(),
            scenario: s.name.clone(),
            measured_secs: s.measured_secs,
            metrics: s.metrics.clone(),
            steps: s
                .steps
                .iter()
                .map(|st| (st.name.clone(), st.metrics.clone()))
                .collect(),
            histograms: s.histograms.clone(),
        }
    }
}
