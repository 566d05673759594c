//! Trend charts: a scenario's latency p95 and throughput over its recent history plus the
//! current run, as the lines of a Mermaid `xychart-beta` chart.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{format, ReportInput};
use crate::metrics::ScenarioResult;
use crate::verdict::State;

/// The trend section of one scenario.
#[derive(Debug, Clone, Serialize)]
pub struct TrendView {
    /// Shown expanded (the scenario regressed or warned).
    pub open: bool,
    /// `Trend over the last 5 runs`.
    pub summary: String,
    pub charts: Vec<Chart>,
}

/// One Mermaid `xychart-beta` chart; every field is ready to paste into its line.
#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    /// `checkout: latency p95 (ms)`, without double quotes.
    pub title: String,
    /// `"1a2b3c4", "5d6e7f8", "now"`.
    pub x_axis: String,
    /// `ms`.
    pub y_label: String,
    /// The top of the y axis (the axis starts at 0): `250`.
    pub y_max: String,
    /// `120.5, 121, 182.25`.
    pub values: String,
}

/// The charts drawn for each scenario: (metric, title suffix, y-axis label).
const CHARTS: [(&str, &str, &str); 2] = [
    ("latency.p95", "latency p95 (ms)", "ms"),
    ("throughput.rps", "throughput (requests/s)", "req/s"),
];

/// The trend of scenario `name`: the newest `trend_length - 1` history records of the
/// scenario plus the current run (`now`). None when no chart has two points.
pub fn build(
    input: &ReportInput,
    name: &str,
    state: State,
    current: Option<&ScenarioResult>,
) -> Option<TrendView> {
    let length = input.config.trend_length;
    let past = length.saturating_sub(usize::from(current.is_some()));
    let mut records: Vec<(String, &BTreeMap<String, f64>)> = input
        .history
        .iter()
        .filter(|r| r.scenario == name && !is_current(&r.meta.commit, input.commit))
        .map(|r| (format::short_commit(&r.meta.commit), &r.metrics))
        .collect();
    let skip = records.len().saturating_sub(past);
    records.drain(..skip);
    if let Some(c) = current {
        records.push(("now".to_string(), &c.summary.metrics));
    }
    let charts: Vec<Chart> = CHARTS
        .iter()
        .filter_map(|(metric, what, unit)| chart(name, &records, metric, what, unit))
        .collect();
    if charts.is_empty() {
        return None;
    }
    Some(TrendView {
        open: matches!(state, State::Regressed | State::Warn),
        summary: format!("Trend over the last {} runs", records.len()),
        charts,
    })
}

/// A re-recorded commit is the current run, not its own history.
fn is_current(record_commit: &str, current: Option<&str>) -> bool {
    current.is_some_and(|c| {
        !c.is_empty() && (record_commit.starts_with(c) || c.starts_with(record_commit))
    })
}

fn chart(
    scenario: &str,
    points: &[(String, &BTreeMap<String, f64>)],
    metric: &str,
    what: &str,
    unit: &str,
) -> Option<Chart> {
    let values: Vec<(&str, f64)> = points
        .iter()
        .filter_map(|(label, m)| {
            let v = m.get(metric).copied()?;
            v.is_finite().then_some((label.as_str(), v))
        })
        .collect();
    if values.len() < 2 {
        return None;
    }
    let max = values.iter().map(|(_, v)| *v).fold(0.0, f64::max);
    Some(Chart {
        title: format!("{}: {what}", quote_free(scenario)),
        x_axis: values
            .iter()
            .map(|(l, _)| format!("\"{}\"", quote_free(l)))
            .collect::<Vec<_>>()
            .join(", "),
        y_label: unit.to_string(),
        y_max: plain(nice_ceiling(max * 1.1)),
        values: values
            .iter()
            .map(|(_, v)| plain(*v))
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// Mermaid strings cannot contain double quotes; line breaks would end the statement.
fn quote_free(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '"' | '`' => '\'',
            '\r' | '\n' => ' ',
            '<' | '>' => ' ',
            c => c,
        })
        .collect()
}

/// A number for Mermaid: at most two decimals, no separators.
fn plain(v: f64) -> String {
    let text = format!("{v:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The smallest of 1, 2, 2.5, 5 × 10ⁿ at least `v` (1 for nothing positive).
fn nice_ceiling(v: f64) -> f64 {
    if v.is_nan() || v <= 0.0 {
        return 1.0;
    }
    let step = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * step)
        .find(|c| *c >= v)
        .unwrap_or(10.0 * step)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(nice_ceiling(133.1), 200.0);
        assert_eq!(nice_ceiling(200.5), 250.0);
        assert_eq!(nice_ceiling(18.0), 20.0);
        assert_eq!(nice_ceiling(100.0), 100.0);
        assert_eq!(nice_ceiling(0.913), 1.0);
        assert_eq!(nice_ceiling(0.3), 0.5);
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(plain(120.5), "120.5");
        assert_eq!(plain(121.0), "121");
        assert_eq!(plain(182.254), "182.25");
    }

    #[test]
    fn current_commit_matches_by_prefix() {
        assert!(is_current("0123456789", Some("0123456")));
        assert!(!is_current("0123456789", Some("abc")));
        assert!(!is_current("0123456789", None));
    }
}
