//! The pure parts of database statistics: counter snapshots, their deltas, the
//! per-iteration metrics and error positions turned into lines.

use std::collections::BTreeMap;

/// Cumulative counters of one PostgreSQL database, as read at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Counters {
    /// Sum of `pg_stat_statements.calls` for the database, perfdsl's own queries
    /// excluded; `None` when the extension is not available.
    pub statements: Option<i64>,
    /// `xact_commit + xact_rollback`.
    pub transactions: i64,
    /// `tup_returned`.
    pub rows_read: i64,
    /// `tup_inserted + tup_updated + tup_deleted`.
    pub rows_written: i64,
    /// `blks_read + blks_hit`.
    pub blocks: i64,
}

/// The work done between two snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Work {
    pub statements: u64,
    /// Whether `statements` comes from `pg_stat_statements` (else it counts transactions).
    pub statements_exact: bool,
    pub rows_read: u64,
    pub rows_written: u64,
    pub blocks: u64,
}

/// `after - before`, with `own_transactions` (perfdsl's own, counted by it) taken out of
/// the transaction count. `Err(counter)` when a counter went backwards: the statistics
/// were reset (or statement entries evicted) during the scenario.
pub(super) fn delta(
    before: &Counters,
    after: &Counters,
    own_transactions: u64,
) -> Result<Work, String> {
    let diff = |name: &str, b: i64, a: i64| -> Result<u64, String> {
        u64::try_from(a.saturating_sub(b)).map_err(|_| name.to_string())
    };
    let (statements, statements_exact) = match (before.statements, after.statements) {
        (Some(b), Some(a)) => (diff("statements", b, a)?, true),
        _ => {
            let xacts = diff("transactions", before.transactions, after.transactions)?;
            let own = xacts
                .checked_sub(own_transactions)
                .ok_or_else(|| "transactions".to_string())?;
            (own, false)
        }
    };
    Ok(Work {
        statements,
        statements_exact,
        rows_read: diff("rows_read", before.rows_read, after.rows_read)?,
        rows_written: diff("rows_written", before.rows_written, after.rows_written)?,
        blocks: diff("blocks", before.blocks, after.blocks)?,
    })
}

/// `db.NAME.{statements,rows_read,rows_written,blocks}_per_iteration`; empty when no
/// iteration ran (nothing to divide by).
pub(super) fn per_iteration(database: &str, work: &Work, iterations: u64) -> BTreeMap<String, f64> {
    if iterations == 0 {
        return BTreeMap::new();
    }
    let n = iterations as f64;
    [
        ("statements", work.statements),
        ("rows_read", work.rows_read),
        ("rows_written", work.rows_written),
        ("blocks", work.blocks),
    ]
    .into_iter()
    .map(|(field, value)| {
        (
            format!("db.{database}.{field}_per_iteration"),
            value as f64 / n,
        )
    })
    .collect()
}

/// The 1-based line and column of a 1-based character position in `text`.
pub(super) fn line_col(text: &str, position: usize) -> (usize, usize) {
    let mut line = 1;
    let mut col = 1;
    for c in text.chars().take(position.saturating_sub(1)) {
        if c == '\n' {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
    }
    (line, col)
}

/// The 1-based line, in the `.perf` file, where the code of the inline SQL block of
/// `keyword` (`setup` or `reset`) starts, searching the block `text[start..end]`.
pub(super) fn inline_first_line(
    text: &str,
    start: usize,
    end: usize,
    keyword: &str,
) -> Option<usize> {
    let block = text.get(start..end.min(text.len()))?;
    let line0 = text.get(..start)?.matches('\n').count() + 1;
    let lines: Vec<&str> = block.lines().collect();
    let at = lines.iter().position(|l| {
        let mut words = l.split_whitespace();
        words.next() == Some(keyword) && words.next().is_some_and(|w| w.starts_with("sql"))
    })?;
    let line = lines[at];
    let fence = line.find("```")?;
    let after = line[fence..].trim_start_matches('`');
    if !after.trim().is_empty() {
        return Some(line0 + at);
    }
    let next = lines[at + 1..].iter().position(|l| !l.trim().is_empty())?;
    Some(line0 + at + 1 + next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counters(statements: Option<i64>, t: i64, r: i64, w: i64, b: i64) -> Counters {
        Counters {
            statements,
            transactions: t,
            rows_read: r,
            rows_written: w,
            blocks: b,
        }
    }

    #[test]
    fn delta_uses_statements_when_both_snapshots_have_them() {
        let before = counters(Some(100), 50, 1000, 10, 300);
        let after = counters(Some(160), 90, 1600, 30, 420);
        let work = delta(&before, &after, 7).expect("counters only grew");
        assert_eq!(
            work,
            Work {
                statements: 60,
                statements_exact: true,
                rows_read: 600,
                rows_written: 20,
                blocks: 120,
            }
        );
    }

    #[test]
    fn delta_falls_back_to_transactions_minus_perfdsls_own() {
        let before = counters(None, 50, 0, 0, 0);
        let after = counters(None, 90, 0, 0, 0);
        let work = delta(&before, &after, 7).expect("counters only grew");
        assert_eq!((work.statements, work.statements_exact), (33, false));
    }

    #[test]
    fn delta_reports_a_counter_that_went_backwards() {
        let before = counters(Some(10), 5, 100, 1, 1);
        let after = counters(Some(12), 6, 40, 1, 1);
        assert_eq!(delta(&before, &after, 0), Err("rows_read".to_string()));
        let fewer_than_own = delta(&counters(None, 5, 0, 0, 0), &counters(None, 6, 0, 0, 0), 2);
        assert_eq!(fewer_than_own, Err("transactions".to_string()));
    }

    #[test]
    fn per_iteration_divides_every_counter() {
        let work = Work {
            statements: 30,
            statements_exact: true,
            rows_read: 45,
            rows_written: 10,
            blocks: 7,
        };
        let m = per_iteration("main", &work, 10);
        let got: Vec<(&str, f64)> = m.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(
            got,
            vec![
                ("db.main.blocks_per_iteration", 0.7),
                ("db.main.rows_read_per_iteration", 4.5),
                ("db.main.rows_written_per_iteration", 1.0),
                ("db.main.statements_per_iteration", 3.0),
            ]
        );
        assert!(per_iteration("main", &work, 0).is_empty());
    }

    #[test]
    fn line_col_counts_characters() {
        let sql = "CREATE TABLE t (id int);\nINSERT INTO nope VALUES (1);";
        assert_eq!(line_col(sql, 1), (1, 1));
        assert_eq!(line_col(sql, 38), (2, 13));
        assert_eq!(line_col("é\nx", 3), (2, 1));
    }

    #[test]
    fn inline_first_line_finds_the_code() {
        let text = "# top\ndatabase main {\n  url \"x\"\n  reset sql ```\n\n    TRUNCATE t;\n  ```\n  setup sql ```SELECT 1;```\n}\n";
        let start = text.find("database").unwrap_or(0);
        assert_eq!(inline_first_line(text, start, text.len(), "reset"), Some(6));
        assert_eq!(inline_first_line(text, start, text.len(), "setup"), Some(8));
        assert_eq!(inline_first_line(text, start, text.len(), "other"), None);
    }
}
