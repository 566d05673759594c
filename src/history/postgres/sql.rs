//! The SQL the PostgreSQL store runs, in one place, and its migrations.

use sqlx::migrate::Migrator;

/// The table where sqlx tracks the applied history migrations (kept apart from the
/// `_sqlx_migrations` of an application sharing the database).
pub const MIGRATIONS_TABLE: &str = "perfdsl_history_migrations";

/// The history's migrations (`migrations/history`), tracked in [`MIGRATIONS_TABLE`].
pub(super) fn migrator() -> Migrator {
    let mut migrator = sqlx::migrate!("./migrations/history");
    migrator.dangerous_set_table_name(MIGRATIONS_TABLE);
    migrator
}

/// The newest schema (migration version) this perfdsl knows.
pub(super) fn known_schema() -> i64 {
    migrator().iter().map(|m| m.version).max().unwrap_or(0)
}

/// Key of the `pg_advisory_xact_lock` that serializes writers ("perfdslh").
pub(super) const LOCK_KEY: i64 = 0x7065_7266_6473_6c68;

/// `recorded_at` back as RFC 3339 UTC text, with microseconds only when there are any.
macro_rules! recorded_at_text {
    ($column:literal) => {
        concat!(
            "CASE WHEN date_trunc('second', ",
            $column,
            ") = ",
            $column,
            " THEN to_char(",
            $column,
            " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
            " ELSE to_char(",
            $column,
            " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') END"
        )
    };
}

pub(super) const HAS_MIGRATIONS: &str =
    "SELECT to_regclass('perfdsl_history_migrations') IS NOT NULL";
pub(super) const APPLIED_SCHEMA: &str = "SELECT max(version) FROM perfdsl_history_migrations";
pub(super) const SELECT_RECORDS: &str = concat!(
    "SELECT \"commit\", branch, ",
    recorded_at_text!("recorded_at"),
    " AS recorded_at_text, perfdsl, runner::text AS runner, scenario, measured_secs, \
     metrics::text AS metrics, steps::text AS steps, histograms::text AS histograms \
     FROM perfdsl_history_records \
     ORDER BY recorded_at, \"commit\" COLLATE \"C\", scenario COLLATE \"C\""
);
pub(super) const UPSERT: &str = "INSERT INTO perfdsl_history_records (\"commit\", scenario, branch, \
     recorded_at, perfdsl, runner, measured_secs, metrics, steps, histograms, compacted) \
     VALUES ($1, $2, $3, $4::timestamptz, $5, $6::jsonb, $7, $8::jsonb, $9::jsonb, $10::jsonb, false) \
     ON CONFLICT (\"commit\", scenario) DO UPDATE SET branch = EXCLUDED.branch, \
     recorded_at = EXCLUDED.recorded_at, perfdsl = EXCLUDED.perfdsl, runner = EXCLUDED.runner, \
     measured_secs = EXCLUDED.measured_secs, metrics = EXCLUDED.metrics, \
     steps = EXCLUDED.steps, histograms = EXCLUDED.histograms, compacted = false \
     RETURNING (xmax = 0) AS inserted";
pub(super) const NEWEST_PER_COMMIT: &str = concat!(
    "SELECT \"commit\", ",
    recorded_at_text!("max(recorded_at)"),
    " FROM perfdsl_history_records GROUP BY \"commit\""
);
pub(super) const DELETE_OLD: &str =
    "DELETE FROM perfdsl_history_records WHERE \"commit\" = ANY($1)";
pub(super) const SELECT_STALE: &str =
    "SELECT \"commit\", scenario, steps::text FROM perfdsl_history_records \
     WHERE NOT compacted AND \"commit\" = ANY($1)";
pub(super) const SUMMARIZE: &str = "UPDATE perfdsl_history_records \
     SET steps = $3::jsonb, histograms = '{}'::jsonb, compacted = true \
     WHERE \"commit\" = $1 AND scenario = $2";
