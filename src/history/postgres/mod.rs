//! The PostgreSQL store: one row per (commit, scenario) in `perfdsl_history_records`,
//! written by upsert; compaction runs in the same transaction under a transaction-level
//! advisory lock, so concurrent recorders neither lose nor duplicate runs. Migrations are
//! embedded (`migrations/history`) and tracked in `perfdsl_history_migrations`.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use sqlx::migrate::MigrateError;
use sqlx::postgres::{PgPool, PgRow};
use sqlx::{PgConnection, Row};
use tokio::runtime::Runtime;

mod pool;
mod sql;

use super::compact::{sanitized, summarize_steps, Plan};
use super::{
    Access, HistoryError, HistoryStore, Record, RecordOutcome, Retention, RunMeta, SCHEMA,
};
use crate::urls::redact;
use pool::{open_pool, refuse_inside_runtime};
use sql::*;

/// The table of records.
pub const TABLE: &str = "perfdsl_history_records";
pub use sql::MIGRATIONS_TABLE;

/// The history in a PostgreSQL database. Owns a current-thread runtime: its methods block
/// and must not be called from inside another tokio runtime.
pub struct PgStore {
    pool: PgPool,
    url: String,
    runtime: Runtime,
    access: Access,
    /// The tables exist (a reader of a database nobody recorded into finds none).
    migrated: bool,
}

#[allow(
    clippy::missing_fields_in_debug,
    reason = "the pool is left out; the URL is shown without its password"
)]
impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("url", &self.url).finish()
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://…`) to write, bringing the tables up to date. A
    /// database already migrated by a newer perfdsl is refused with
    /// [`HistoryError::NewerSchema`].
    pub fn connect(url: &str) -> Result<PgStore, HistoryError> {
        Self::open(url, Access::Write)
    }

    /// Connects to `url`. To write, the tables are migrated; to read, nothing is created
    /// or changed (no DDL, no lock; every session is read-only (`SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY`)), so
    /// a `SELECT`-only role suffices: the schema is checked with a query, a database that
    /// was never recorded into reads as an empty history, and one at another schema
    /// version is refused.
    pub fn open(url: &str, access: Access) -> Result<PgStore, HistoryError> {
        let shown = redact(url);
        let fail = |message: String| HistoryError::Database {
            url: shown.clone(),
            message,
        };
        refuse_inside_runtime(&shown)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| fail(format!("cannot start a runtime: {e}")))?;
        let pool = runtime
            .block_on(open_pool(url, access))
            .map_err(|e| fail(format!("cannot connect: {e}")))?;
        let mut store = PgStore {
            pool,
            url: shown,
            runtime,
            access,
            migrated: true,
        };
        match access {
            Access::Write => store.runtime.block_on(store.migrate())?,
            Access::Read => store.migrated = store.runtime.block_on(store.check_schema())?,
        }
        Ok(store)
    }

    /// A reader's check: whether the tables exist, and that they are at this perfdsl's
    /// schema.
    async fn check_schema(&self) -> Result<bool, HistoryError> {
        let applied = self
            .applied_schema()
            .await
            .map_err(|e| self.error("cannot read the applied migrations", e))?;
        let known = known_schema();
        match applied {
            None => Ok(false),
            Some(found) if found > known => Err(self.newer(found)),
            Some(found) if found < known => Err(HistoryError::OlderSchema {
                url: self.url.clone(),
                found,
                known,
            }),
            Some(_) => Ok(true),
        }
    }

    fn writable(&self, what: &str) -> Result<(), HistoryError> {
        match self.access {
            Access::Write => Ok(()),
            Access::Read => Err(HistoryError::ReadOnly {
                url: self.url.clone(),
                what: what.to_string(),
            }),
        }
    }

    fn error(&self, what: &str, error: impl std::fmt::Display) -> HistoryError {
        HistoryError::Database {
            url: self.url.clone(),
            message: format!("{what}: {error}"),
        }
    }

    fn newer(&self, found: i64) -> HistoryError {
        HistoryError::NewerSchema {
            path: self.url.clone(),
            found: u32::try_from(found).unwrap_or(u32::MAX),
            supported: SCHEMA,
        }
    }

    async fn migrate(&self) -> Result<(), HistoryError> {
        let applied = self
            .applied_schema()
            .await
            .map_err(|e| self.error("cannot read the applied migrations", e))?;
        if let Some(found) = applied.filter(|v| *v > known_schema()) {
            return Err(self.newer(found));
        }
        match migrator().run(&self.pool).await {
            Ok(()) => Ok(()),
            Err(MigrateError::VersionMissing(found)) => Err(self.newer(found)),
            Err(e) => Err(self.error("cannot migrate the history tables", e)),
        }
    }

    /// The newest migration applied to the database, if it has been migrated at all.
    async fn applied_schema(&self) -> Result<Option<i64>, sqlx::Error> {
        let exists: bool = sqlx::query_scalar(HAS_MIGRATIONS)
            .fetch_one(&self.pool)
            .await?;
        if !exists {
            return Ok(None);
        }
        sqlx::query_scalar(APPLIED_SCHEMA)
            .fetch_one(&self.pool)
            .await
    }

    fn block_on<T>(
        &self,
        work: impl std::future::Future<Output = Result<T, HistoryError>>,
    ) -> Result<T, HistoryError> {
        refuse_inside_runtime(&self.url)?;
        self.runtime.block_on(work)
    }

    async fn all_records(&self) -> Result<Vec<Record>, HistoryError> {
        let rows = sqlx::query(SELECT_RECORDS)
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.error("cannot read the records", e))?;
        rows.iter().map(|row| self.record_of(row)).collect()
    }

    fn record_of(&self, row: &PgRow) -> Result<Record, HistoryError> {
        let bad = |e: sqlx::Error| self.error("unexpected row", e);
        Ok(Record {
            meta: RunMeta {
                commit: row.try_get("commit").map_err(bad)?,
                branch: row.try_get("branch").map_err(bad)?,
                recorded_at: row.try_get("recorded_at_text").map_err(bad)?,
                perfdsl: row.try_get("perfdsl").map_err(bad)?,
                runner: self.json_column(row, "runner")?,
            },
            scenario: row.try_get("scenario").map_err(bad)?,
            measured_secs: row.try_get("measured_secs").map_err(bad)?,
            metrics: self.json_column(row, "metrics")?,
            steps: self.json_column(row, "steps")?,
            histograms: self.json_column(row, "histograms")?,
        })
    }

    fn json<T: serde::Serialize>(&self, value: &T) -> Result<String, HistoryError> {
        serde_json::to_string(value).map_err(|e| self.error("cannot encode a record", e))
    }

    fn json_column<T: DeserializeOwned>(
        &self,
        row: &PgRow,
        column: &str,
    ) -> Result<T, HistoryError> {
        let text: String = row
            .try_get(column)
            .map_err(|e| self.error("unexpected row", e))?;
        serde_json::from_str(&text)
            .map_err(|e| self.error(&format!("column `{column}` holds unexpected JSON"), e))
    }

    async fn record_all(
        &self,
        records: &[Record],
        retention: Retention,
    ) -> Result<RecordOutcome, HistoryError> {
        let mut tx = self.locked().await?;
        let mut outcome = RecordOutcome::default();
        for record in records {
            if self.upsert(&mut tx, &sanitized(record)).await? {
                outcome.inserted += 1;
            } else {
                outcome.replaced += 1;
            }
        }
        outcome.pruned = self.compact(&mut tx, retention).await?;
        tx.commit()
            .await
            .map_err(|e| self.error("cannot commit", e))?;
        Ok(outcome)
    }

    async fn prune_all(&self, retention: Retention) -> Result<usize, HistoryError> {
        let mut tx = self.locked().await?;
        let pruned = self.compact(&mut tx, retention).await?;
        tx.commit()
            .await
            .map_err(|e| self.error("cannot commit", e))?;
        Ok(pruned)
    }

    /// A transaction holding the history's advisory lock: one writer at a time.
    async fn locked(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, HistoryError> {
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(|e| self.error("cannot begin a transaction", e))?;
        self.lock(&mut tx).await?;
        Ok(tx)
    }

    /// Waits for the writer lock; it is released when the transaction ends.
    async fn lock(&self, conn: &mut PgConnection) -> Result<(), HistoryError> {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(LOCK_KEY)
            .execute(conn)
            .await
            .map_err(|e| self.error("cannot take the history lock", e))?;
        Ok(())
    }

    /// Inserts or replaces one record; true when it was new.
    async fn upsert(&self, conn: &mut PgConnection, r: &Record) -> Result<bool, HistoryError> {
        let row = sqlx::query(UPSERT)
            .bind(&r.meta.commit)
            .bind(&r.scenario)
            .bind(&r.meta.branch)
            .bind(&r.meta.recorded_at)
            .bind(&r.meta.perfdsl)
            .bind(self.json(&r.meta.runner)?)
            .bind(r.measured_secs)
            .bind(self.json(&r.metrics)?)
            .bind(self.json(&r.steps)?)
            .bind(self.json(&r.histograms)?)
            .fetch_one(conn)
            .await
            .map_err(|e| {
                self.error(
                    &format!("cannot record `{}` of `{}`", r.scenario, r.meta.commit),
                    e,
                )
            })?;
        row.try_get("inserted")
            .map_err(|e| self.error("unexpected row", e))
    }

    /// Applies the compaction [`Plan`]; returns how many records were removed.
    async fn compact(
        &self,
        conn: &mut PgConnection,
        retention: Retention,
    ) -> Result<usize, HistoryError> {
        let newest: Vec<(String, String)> = sqlx::query_as(NEWEST_PER_COMMIT)
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| self.error("cannot rank the recorded commits", e))?;
        let plan = Plan::new(
            newest.iter().map(|(c, at)| (c.as_str(), at.as_str())),
            retention,
        );
        // Name the commits to change rather than those to keep: a statement must never
        // touch a commit this ranking did not see.
        let pick = |wanted: &dyn Fn(&String) -> bool| -> Vec<&str> {
            newest
                .iter()
                .filter(|(c, _)| wanted(c))
                .map(|(c, _)| c.as_str())
                .collect()
        };
        let removed = pick(&|c| !plan.kept.contains(c));
        let summarized = pick(&|c| plan.kept.contains(c) && !plan.detailed.contains(c));
        let deleted = sqlx::query(DELETE_OLD)
            .bind(&removed)
            .execute(&mut *conn)
            .await
            .map_err(|e| self.error("cannot remove old records", e))?;
        let stale: Vec<(String, String, String)> = sqlx::query_as(SELECT_STALE)
            .bind(&summarized)
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| self.error("cannot read records to compact", e))?;
        for (commit, scenario, steps) in stale {
            self.summarize(conn, &commit, &scenario, &steps).await?;
        }
        usize::try_from(deleted.rows_affected()).map_err(|e| self.error("removed records", e))
    }

    /// Drops the histograms and the detailed step metrics of one record.
    async fn summarize(
        &self,
        conn: &mut PgConnection,
        commit: &str,
        scenario: &str,
        steps: &str,
    ) -> Result<(), HistoryError> {
        let mut steps: BTreeMap<String, BTreeMap<String, f64>> = serde_json::from_str(steps)
            .map_err(|e| self.error("column `steps` holds unexpected JSON", e))?;
        summarize_steps(&mut steps);
        sqlx::query(SUMMARIZE)
            .bind(commit)
            .bind(scenario)
            .bind(self.json(&steps)?)
            .execute(conn)
            .await
            .map_err(|e| self.error("cannot compact a record", e))?;
        Ok(())
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // Close the connections while the runtime can still drive them.
        if tokio::runtime::Handle::try_current().is_err() {
            self.runtime.block_on(self.pool.close());
        }
    }
}

impl HistoryStore for PgStore {
    fn records(&self) -> Result<Vec<Record>, HistoryError> {
        if !self.migrated {
            return Ok(Vec::new());
        }
        self.block_on(self.all_records())
    }

    fn record(
        &self,
        records: &[Record],
        retention: Retention,
    ) -> Result<RecordOutcome, HistoryError> {
        self.writable("recording")?;
        self.block_on(self.record_all(records, retention))
    }

    fn prune(&self, retention: Retention) -> Result<usize, HistoryError> {
        self.writable("pruning")?;
        self.block_on(self.prune_all(retention))
    }

    fn describe(&self) -> String {
        self.url.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_migration_is_the_schema() {
        assert_eq!(known_schema(), i64::from(SCHEMA));
    }
}
