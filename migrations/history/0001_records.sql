-- perfdsl history, schema 1: one row per (commit, scenario), as in `perf_history.json`.
CREATE TABLE IF NOT EXISTS perfdsl_history_records (
    "commit"      text             NOT NULL,
    scenario      text             NOT NULL,
    branch        text,
    recorded_at   timestamptz      NOT NULL,
    perfdsl       text             NOT NULL,
    runner        jsonb            NOT NULL,
    measured_secs double precision NOT NULL,
    metrics       jsonb            NOT NULL,
    steps         jsonb            NOT NULL DEFAULT '{}'::jsonb,
    histograms    jsonb            NOT NULL DEFAULT '{}'::jsonb,
    -- true once compaction has dropped the histograms and the detailed step metrics
    compacted     boolean          NOT NULL DEFAULT false,
    PRIMARY KEY ("commit", scenario)
);

CREATE INDEX IF NOT EXISTS perfdsl_history_records_recorded_at
    ON perfdsl_history_records (recorded_at);
