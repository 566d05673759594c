//! PostgreSQL statistics: which sources are available (`pg_stat_statements`, exact and
//! immediate; else the `pg_stat_database` counters), reading them without adding to them,
//! and, for the fallback, waiting for other backends' lazily flushed counters to settle.
//!
//! perfdsl's reads call the `pg_stat_get_*` functions with the database's oid written
//! into the query: they open no table, so they add no row, block or statement of the
//! service's kind. They do count as transactions (subtracted, since perfdsl counts its
//! own) and appear in `pg_stat_statements` tagged `perfdsl:stats` (excluded).

use std::time::{Duration, Instant};

use sqlx::{AssertSqlSafe, PgConnection, Row};

use super::stats::Counters;

/// Since PostgreSQL 15, a backend keeps its counters for up to 10 s once idle
/// (`PGSTAT_IDLE_INTERVAL`) before flushing them; a backend idle for longer has flushed.
const QUIET_MS: u64 = 10_500;

/// How long to wait for the statistics to settle.
#[derive(Debug, Clone, Copy)]
pub struct Settle {
    /// Time between two reads.
    pub poll: Duration,
    /// The statistics are never taken as settled earlier than this.
    pub min: Duration,
    /// After this, the values are used as they are, with a note.
    pub cap: Duration,
}

impl Default for Settle {
    fn default() -> Self {
        Settle {
            poll: Duration::from_millis(250),
            min: Duration::from_millis(1200),
            cap: Duration::from_secs(13),
        }
    }
}

/// The statistics sources of one PostgreSQL database and perfdsl's own statement count.
#[derive(Debug)]
pub(super) struct PgStats {
    /// The query that reads every counter at once.
    read_sql: String,
    /// The statement run before each read: clear the snapshot, flush our own counters.
    flush_sql: &'static str,
    /// Statements perfdsl issued on its connection so far.
    issued: u64,
    /// Whether `pg_stat_statements` counts statements exactly.
    pub exact_statements: bool,
    /// Why it does not, when it does not.
    pub why_not_exact: Option<String>,
}

/// One read of the counters.
#[derive(Debug, Clone, Copy)]
pub(super) struct Reading {
    pub counters: Counters,
    /// Statements perfdsl had issued (and flushed) when the counters were read.
    pub issued: u64,
}

/// Whether the statistics settled before a read was kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Settled {
    Yes,
    /// The cap was reached: another backend stayed busy or the counters kept moving.
    No {
        busy: i64,
    },
}

impl PgStats {
    /// Finds the database's oid and the statistics sources; installs `pg_stat_statements`
    /// when the server preloads it; warms perfdsl's own read up.
    pub(super) async fn probe(conn: &mut PgConnection) -> Result<PgStats, sqlx::Error> {
        let row = sqlx::query(
            "SELECT /* perfdsl:stats */ oid::int8, current_setting('server_version_num')::int4, \
             current_setting('shared_preload_libraries') \
             FROM pg_database WHERE datname = current_database()",
        )
        .fetch_one(&mut *conn)
        .await?;
        let oid: i64 = row.try_get(0)?;
        let version: i32 = row.try_get(1)?;
        let preload: String = row.try_get(2)?;
        let (schema, why_not_exact) = statements_source(conn, &preload).await;
        // A backend flushes its transaction counts only along with table counters: the
        // one-row scan of the shared catalog `pg_database` (counted under no database)
        // makes the forced flush happen, so every statement perfdsl ran before it counts.
        let flush_sql = if version >= 150_000 {
            "SELECT /* perfdsl:stats */ pg_stat_clear_snapshot(), pg_stat_force_next_flush() \
             FROM (SELECT 1 FROM pg_catalog.pg_database LIMIT 1) AS shared_scan"
        } else {
            "SELECT /* perfdsl:stats */ pg_stat_clear_snapshot()"
        };
        let mut stats = PgStats {
            read_sql: read_sql(oid, schema.as_deref()),
            flush_sql,
            issued: 0,
            exact_statements: schema.is_some(),
            why_not_exact,
        };
        stats.read(conn).await?;
        Ok(stats)
    }

    /// Reads every counter once, after flushing perfdsl's own pending ones. Also returns
    /// how many other client backends of the database may still hold unflushed counters.
    pub(super) async fn read(
        &mut self,
        conn: &mut PgConnection,
    ) -> Result<(Reading, i64), sqlx::Error> {
        self.issued += 1;
        sqlx::query(self.flush_sql).execute(&mut *conn).await?;
        let issued = self.issued;
        self.issued += 1;
        let row = sqlx::query(AssertSqlSafe(self.read_sql.clone()))
            .fetch_one(&mut *conn)
            .await?;
        let counters = Counters {
            statements: row.try_get(0)?,
            transactions: row.try_get(1)?,
            rows_read: row.try_get(2)?,
            rows_written: row.try_get(3)?,
            blocks: row.try_get(4)?,
        };
        let busy: i64 = row.try_get(5)?;
        Ok((Reading { counters, issued }, busy))
    }

    /// Reads until two consecutive reads agree, no other backend can hold unflushed
    /// counters and `min` has passed; or until `cap`, then with [`Settled::No`]. With
    /// `pg_stat_statements` every figure comes from it, and it is updated as each
    /// statement ends: one read is exact, nothing to wait for.
    pub(super) async fn settle(
        &mut self,
        conn: &mut PgConnection,
        settle: Settle,
    ) -> Result<(Reading, Settled), sqlx::Error> {
        if self.exact_statements {
            let (reading, _) = self.read(conn).await?;
            return Ok((reading, Settled::Yes));
        }
        let start = Instant::now();
        let mut previous: Option<Counters> = None;
        loop {
            let (reading, busy) = self.read(conn).await?;
            // Our own reads move the transaction count: compare without them.
            let mut others = reading.counters;
            others.transactions = others.transactions.saturating_sub(reading.issued as i64);
            let stable = previous == Some(others);
            if stable && busy == 0 && start.elapsed() >= settle.min {
                return Ok((reading, Settled::Yes));
            }
            if start.elapsed() >= settle.cap {
                return Ok((reading, Settled::No { busy }));
            }
            previous = Some(others);
            tokio::time::sleep(settle.poll).await;
        }
    }
}

/// The schema of a usable `pg_stat_statements`, or why there is none.
async fn statements_source(
    conn: &mut PgConnection,
    preload: &str,
) -> (Option<String>, Option<String>) {
    if !preload
        .split(',')
        .any(|lib| lib.trim() == "pg_stat_statements")
    {
        return (
            None,
            Some("`pg_stat_statements` is not in the server's `shared_preload_libraries`".into()),
        );
    }
    if let Err(e) = sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        .execute(&mut *conn)
        .await
    {
        return (
            None,
            Some(format!(
                "cannot create the `pg_stat_statements` extension: {e}"
            )),
        );
    }
    let found = sqlx::query(
        "SELECT /* perfdsl:stats */ quote_ident(n.nspname), \
         coalesce(current_setting('pg_stat_statements.track', true), 'top') \
         FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace \
         WHERE e.extname = 'pg_stat_statements'",
    )
    .fetch_optional(&mut *conn)
    .await;
    match found {
        Ok(Some(row)) => {
            let schema: Result<String, _> = row.try_get(0);
            let track: Result<String, _> = row.try_get(1);
            match (schema, track) {
                (Ok(_), Ok(t)) if t == "none" => {
                    (None, Some("`pg_stat_statements.track` is `none`".into()))
                }
                (Ok(s), Ok(_)) => (Some(s), None),
                (Err(e), _) | (_, Err(e)) => (None, Some(e.to_string())),
            }
        }
        Ok(None) => (None, Some("`pg_stat_statements` is not installed".into())),
        Err(e) => (None, Some(e.to_string())),
    }
}

/// The read query; `oid` comes from the server, `schema` is quoted by it. With
/// `pg_stat_statements`, statements, rows and blocks all come from it (updated as each
/// statement ends, never lazily): rows read are the rows SELECTs returned, rows written
/// those INSERT/UPDATE/DELETE/MERGE affected, blocks the shared and local blocks hit or
/// read. Without it, the `pg_stat_database` counters (flushed lazily by each backend).
fn read_sql(oid: i64, schema: Option<&str>) -> String {
    let (statements, rows_read, rows_written, blocks) = match schema {
        Some(s) => {
            let sum = |expr: &str, filter: &str| {
                format!(
                    "(SELECT coalesce(sum({expr}), 0)::int8 FROM {s}.pg_stat_statements \
                     WHERE dbid = {oid} AND query NOT LIKE '%perfdsl:stats%'{filter})"
                )
            };
            (
                sum("calls", ""),
                sum("rows", " AND query ~* '^\\s*(select|values|table)\\M'"),
                sum(
                    "rows",
                    " AND query ~* '^\\s*(insert|update|delete|merge)\\M'",
                ),
                sum(
                    "shared_blks_hit + shared_blks_read + local_blks_hit + local_blks_read",
                    "",
                ),
            )
        }
        None => (
            "NULL::int8".to_string(),
            format!("pg_stat_get_db_tuples_returned({oid})"),
            format!(
                "pg_stat_get_db_tuples_inserted({oid}) + pg_stat_get_db_tuples_updated({oid}) \
                 + pg_stat_get_db_tuples_deleted({oid})"
            ),
            format!("pg_stat_get_db_blocks_fetched({oid})"),
        ),
    };
    format!(
        "SELECT /* perfdsl:stats */ {statements}, \
         pg_stat_get_db_xact_commit({oid}) + pg_stat_get_db_xact_rollback({oid}), \
         {rows_read}, {rows_written}, {blocks}, \
         (SELECT count(*) FROM pg_stat_get_activity(NULL) a \
           WHERE a.datid = {oid} AND a.pid <> pg_backend_pid() \
             AND a.backend_type = 'client backend' \
             AND (a.state IS DISTINCT FROM 'idle' \
               OR a.state_change > clock_timestamp() - interval '{QUIET_MS} milliseconds'))"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_sql_excludes_perfdsls_own_statements_and_names_the_oid() {
        let sql = read_sql(16384, Some("public"));
        assert!(sql.contains("FROM public.pg_stat_statements WHERE dbid = 16384"));
        assert!(sql.contains("query NOT LIKE '%perfdsl:stats%'"));
        assert!(sql.contains("shared_blks_hit + shared_blks_read"));
        assert!(sql.contains("(insert|update|delete|merge)"));
        let fallback = read_sql(1, None);
        assert!(fallback.contains("NULL::int8"));
        assert!(fallback.contains("pg_stat_get_db_blocks_fetched(1)"));
        assert!(fallback.contains("pg_stat_get_db_tuples_returned(1)"));
    }
}
