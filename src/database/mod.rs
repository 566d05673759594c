//! `database` blocks at run time: connecting, the `setup` SQL (once) and `reset` SQL
//! (before each scenario), and the `db.NAME.*_per_iteration` metrics read from
//! PostgreSQL's statistics around each scenario.

mod pg;
mod spec;
mod stats;

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

use miette::Diagnostic;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgDatabaseError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection};
use tokio::sync::Mutex;

pub use crate::urls::redact;
pub use pg::Settle;
use pg::{PgStats, Reading, Settled};
pub use spec::{DatabaseSpec, Script};

/// How long connecting may take before it is a failure.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A failure of a database block at run time: a runtime failure of the run (exit 3).
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum DatabaseError {
    #[error("database `{database}`: {message}")]
    #[diagnostic(
        code(perfdsl::database::url),
        help("use a `postgres://`, `postgresql://` or `sqlite:` URL")
    )]
    Url { database: String, message: String },
    #[error("database `{database}`: cannot read `{path}`: {message}")]
    #[diagnostic(
        code(perfdsl::database::sql_file),
        help("SQL file paths are relative to the `.perf` file that declares the database")
    )]
    SqlFile {
        database: String,
        path: String,
        message: String,
    },
    #[error("database `{database}`: cannot connect to `{url}`: {message}")]
    #[diagnostic(
        code(perfdsl::database::connect),
        help("is the server running, and is the URL right?")
    )]
    Connect {
        database: String,
        url: String,
        message: String,
    },
    #[error("database `{database}` ({url}): `{phase}` SQL failed {location}: {message}")]
    #[diagnostic(code(perfdsl::database::sql))]
    Sql {
        database: String,
        url: String,
        phase: &'static str,
        location: String,
        message: String,
        #[help]
        hint: Option<String>,
    },
    #[error("database `{database}` ({url}): cannot read its statistics: {message}")]
    #[diagnostic(code(perfdsl::database::statistics))]
    Statistics {
        database: String,
        url: String,
        message: String,
    },
}

/// An open connection, with its statistics sources for PostgreSQL.
enum Conn {
    Pg(Box<PgConnection>, PgStats),
    Sqlite(Box<SqliteConnection>),
}

struct Handle {
    spec: DatabaseSpec,
    /// The URL without its password.
    shown: String,
    conn: Mutex<Conn>,
}

/// Every database of the run, connected and set up.
pub struct Databases {
    handles: Vec<Handle>,
    settle: Settle,
}

/// The statistics read before a scenario, one entry per database.
#[derive(Debug, Clone)]
pub struct DbSnapshot {
    readings: Vec<Option<(Reading, Settled)>>,
}

/// The database work of one scenario for one database.
#[derive(Debug, Clone, PartialEq)]
pub struct DbWork {
    pub database: String,
    /// `db.NAME.{statements,rows_read,rows_written,blocks}_per_iteration` (count).
    pub metrics: BTreeMap<String, f64>,
    /// What the reader should know about these figures.
    pub notes: Vec<String>,
}

impl Databases {
    /// Connects to every database (a duplicate of name and URL once) and runs its
    /// `setup` SQL once.
    pub async fn connect(specs: Vec<DatabaseSpec>) -> Result<Databases, DatabaseError> {
        let mut handles: Vec<Handle> = Vec::new();
        for spec in specs {
            if handles
                .iter()
                .any(|h| h.spec.name == spec.name && h.spec.url == spec.url)
            {
                continue;
            }
            let shown = redact(&spec.url);
            let mut conn = open(&spec, &shown).await?;
            if let Some(setup) = &spec.setup {
                run_script(&mut conn, setup, "setup", &spec.name, &shown).await?;
            }
            handles.push(Handle {
                spec,
                shown,
                conn: Mutex::new(conn),
            });
        }
        Ok(Databases {
            handles,
            settle: Settle::default(),
        })
    }

    /// Replaces how long the statistics may take to settle.
    #[must_use]
    pub fn with_settle(mut self, settle: Settle) -> Databases {
        self.settle = settle;
        self
    }

    /// The names of the connected databases.
    pub fn names(&self) -> Vec<&str> {
        self.handles.iter().map(|h| h.spec.name.as_str()).collect()
    }

    /// Before a scenario: runs each database's `reset` SQL, then reads its statistics
    /// once they have settled (the service's start-up work must not count).
    pub async fn before_scenario(&self) -> Result<DbSnapshot, DatabaseError> {
        let mut readings = Vec::new();
        for h in &self.handles {
            let mut conn = h.conn.lock().await;
            if let Some(reset) = &h.spec.reset {
                run_script(&mut conn, reset, "reset", &h.spec.name, &h.shown).await?;
            }
            readings.push(match &mut *conn {
                Conn::Pg(c, stats) => Some(
                    stats
                        .settle(c, self.settle)
                        .await
                        .map_err(|e| h.statistics(e))?,
                ),
                Conn::Sqlite(_) => None,
            });
        }
        Ok(DbSnapshot { readings })
    }

    /// After a scenario: waits for the statistics to settle and returns each database's
    /// work divided by `iterations` (every iteration run, warm-up included, since the
    /// snapshot was taken before the warm-up), with notes for the reader.
    pub async fn after_scenario(
        &self,
        before: &DbSnapshot,
        iterations: u64,
    ) -> Result<Vec<DbWork>, DatabaseError> {
        let mut out = Vec::new();
        for (h, start) in self.handles.iter().zip(&before.readings) {
            let name = &h.spec.name;
            let mut work = DbWork {
                database: name.clone(),
                metrics: BTreeMap::new(),
                notes: Vec::new(),
            };
            let mut conn = h.conn.lock().await;
            let (Conn::Pg(c, stats), Some((start, settled_before))) = (&mut *conn, start) else {
                work.notes.push(format!(
                    "db.{name}.* needs PostgreSQL statistics views: database `{name}` is not PostgreSQL"
                ));
                out.push(work);
                continue;
            };
            let (end, settled_after) = stats
                .settle(c, self.settle)
                .await
                .map_err(|e| h.statistics(e))?;
            work.notes = notes(name, stats, *settled_before, settled_after);
            let own = end.issued.saturating_sub(start.issued);
            match stats::delta(&start.counters, &end.counters, own) {
                Ok(w) if iterations > 0 => work.metrics = stats::per_iteration(name, &w, iterations),
                Ok(_) => work
                    .notes
                    .push(format!("db.{name}.* not computed: no iteration ran")),
                Err(counter) => work.notes.push(format!(
                    "db.{name}.* not computed: the `{counter}` statistics went backwards during the scenario (were they reset?)"
                )),
            }
            out.push(work);
        }
        Ok(out)
    }

    /// Closes every connection.
    pub async fn close(self) {
        for h in self.handles {
            match h.conn.into_inner() {
                Conn::Pg(c, _) => {
                    let _ = c.close().await;
                }
                Conn::Sqlite(c) => {
                    let _ = c.close().await;
                }
            }
        }
    }
}

impl Handle {
    fn statistics(&self, e: sqlx::Error) -> DatabaseError {
        DatabaseError::Statistics {
            database: self.spec.name.clone(),
            url: self.shown.clone(),
            message: e.to_string(),
        }
    }
}

/// Notes on how the figures of one database were obtained.
fn notes(name: &str, stats: &PgStats, before: Settled, after: Settled) -> Vec<String> {
    let mut notes = Vec::new();
    if !stats.exact_statements {
        let why = stats
            .why_not_exact
            .as_deref()
            .unwrap_or("it is not available");
        notes.push(format!(
            "db.{name}.statements_per_iteration counts transactions, an approximation: {why} (see docs/metrics.md)"
        ));
    }
    for (when, settled) in [("before", before), ("after", after)] {
        if let Settled::No { busy } = settled {
            notes.push(format!(
                "db.{name}.* may be inexact: the statistics were still moving {when} the scenario ({busy} other connection(s) busy or recently active)"
            ));
        }
    }
    notes
}

/// Opens the connection (within [`CONNECT_TIMEOUT`]) and probes PostgreSQL's statistics.
async fn open(spec: &DatabaseSpec, shown: &str) -> Result<Conn, DatabaseError> {
    let connect_error = |message: String| DatabaseError::Connect {
        database: spec.name.clone(),
        url: shown.to_string(),
        message,
    };
    let url = spec.url.trim();
    let timed_out = |_| connect_error(format!("no answer within {}s", CONNECT_TIMEOUT.as_secs()));
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| connect_error(e.to_string()))?
            .application_name("perfdsl");
        let mut conn = tokio::time::timeout(CONNECT_TIMEOUT, options.connect())
            .await
            .map_err(timed_out)?
            .map_err(|e| connect_error(e.to_string()))?;
        let stats = PgStats::probe(&mut conn)
            .await
            .map_err(|e| connect_error(format!("cannot read its statistics: {e}")))?;
        return Ok(Conn::Pg(Box::new(conn), stats));
    }
    if url.starts_with("sqlite:") {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| connect_error(e.to_string()))?
            .create_if_missing(true);
        let conn = tokio::time::timeout(CONNECT_TIMEOUT, options.connect())
            .await
            .map_err(timed_out)?
            .map_err(|e| connect_error(e.to_string()))?;
        return Ok(Conn::Sqlite(Box::new(conn)));
    }
    let found = if url.is_empty() {
        "an empty URL (is its environment variable set?)".to_string()
    } else {
        format!("`{shown}`")
    };
    Err(DatabaseError::Url {
        database: spec.name.clone(),
        message: format!("expected a PostgreSQL or SQLite URL, found {found}"),
    })
}

/// Runs a script as one batch (PostgreSQL runs it in one implicit transaction unless it
/// holds its own `BEGIN`/`COMMIT`).
async fn run_script(
    conn: &mut Conn,
    script: &Script,
    phase: &'static str,
    database: &str,
    shown: &str,
) -> Result<(), DatabaseError> {
    let batch = sqlx::raw_sql(AssertSqlSafe(script.sql.clone()));
    let result = match conn {
        Conn::Pg(c, _) => batch.execute(&mut **c).await.map(|_| ()),
        Conn::Sqlite(c) => batch.execute(&mut **c).await.map(|_| ()),
    };
    result.map_err(|e| sql_error(e, script, phase, database, shown))
}

/// The failed script's error, located at the failing statement when the server says where.
fn sql_error(
    e: sqlx::Error,
    script: &Script,
    phase: &'static str,
    database: &str,
    shown: &str,
) -> DatabaseError {
    let pg = e
        .as_database_error()
        .and_then(|d| d.try_downcast_ref::<PgDatabaseError>());
    let position = pg.and_then(|p| match p.position() {
        Some(sqlx::postgres::PgErrorPosition::Original(at)) => Some(at),
        _ => None,
    });
    let file = &script.file;
    let location = match position {
        Some(at) => {
            let (line, col) = stats::line_col(&script.sql, at);
            let line = script.first_line + line - 1;
            if script.inline {
                format!("at {file}:{line}")
            } else {
                format!("at {file}:{line}:{col}")
            }
        }
        None if script.inline => format!("in the code at {file}:{}", script.first_line),
        None => format!("in {file}"),
    };
    let message = match pg {
        Some(p) => match p.detail() {
            Some(detail) => format!("{} ({detail})", p.message()),
            None => p.message().to_string(),
        },
        None => e.to_string(),
    };
    DatabaseError::Sql {
        database: database.to_string(),
        url: shown.to_string(),
        phase,
        location,
        message,
        hint: pg.and_then(|p| p.hint()).map(str::to_string),
    }
}
