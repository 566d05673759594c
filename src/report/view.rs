//! The view model: everything the report template prints, already formatted (units,
//! rounding, emoji). Templates only lay these fields out (`docs/report.md` lists them).

use serde::Serialize;

use super::details::{self, ErrorRow, Fact, NoiseRow, StepRow, UpstreamRow};
use super::format;
use super::trend::{self, TrendView};
use super::{ReportInput, MARKER};
use crate::metrics::ScenarioResult;
use crate::verdict::{BaselineInfo, MetricVerdict, ScenarioVerdict, State};

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    /// `<!-- perfdsl-report -->`: the sticky comment's marker, first line of the report.
    pub marker: String,
    /// `report.title` of `perf_config.json`.
    pub title: String,
    /// `🔴 Performance report: 1 regression in checkout`.
    pub headline: String,
    /// The run's state.
    pub verdict: StateView,
    /// The current commit, shortened; None when unknown.
    pub commit: Option<String>,
    pub baseline: BaselineView,
    /// `**3 scenarios**: 1 🔴 regressed · 2 🟢 unchanged`.
    pub counts: String,
    pub scenarios: Vec<ScenarioView>,
    /// Set when unremarkable scenarios were left out to fit the size limit.
    pub omitted_scenarios: Option<String>,
    /// Noise floors of the judged timing metrics, every scenario.
    pub noise: Vec<NoiseRow>,
    /// Set when the report was shortened to fit GitHub's comment limit.
    pub trimmed: Option<String>,
    /// The emoji legend, one line.
    pub legend: String,
    /// The perfdsl version that produced the results.
    pub perfdsl: String,
}

/// A state as shown: `🔴`, `regressed`, `🔴 regressed`.
#[derive(Debug, Clone, Serialize)]
pub struct StateView {
    /// `regressed`, `warn`, ... (the `State` name).
    pub state: State,
    pub emoji: String,
    pub word: String,
    /// Emoji and word: `🔴 regressed`.
    pub label: String,
}

/// What the run was compared with.
#[derive(Debug, Clone, Serialize)]
pub struct BaselineView {
    /// `merge-base`, `latest`, `window`, `file`.
    pub policy: String,
    /// The baseline commit, shortened.
    pub commit: Option<String>,
    /// One sentence: ``merge-base `1a2b3c4` (walked back 2 commits from `9f8e7d6`)``.
    pub line: String,
    /// The verdict's note on something unusual (no history, walked back...).
    pub note: Option<String>,
    /// Every pooled commit, shortened.
    pub commits: Vec<String>,
}

/// One scenario's section.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioView {
    pub name: String,
    pub status: StateView,
    /// `open model · 20.0 s measured · 1,996 requests`; empty for a missing scenario.
    pub subtitle: String,
    /// Set for a scenario in the baseline that did not run.
    pub missing: Option<String>,
    /// The judged metrics (table rows).
    pub metrics: Vec<MetricRow>,
    /// A sentence under the table: there are no judged metrics, or how many rows were
    /// left out to fit the size limit.
    pub omitted: Option<String>,
    /// How many rows `omitted` speaks of.
    #[serde(skip)]
    pub omitted_rows: usize,
    pub trend: Option<TrendView>,
    pub steps: Vec<StepRow>,
    pub upstream: Vec<UpstreamRow>,
    /// Failed call-count expectations of mocks.
    pub expectations: Vec<String>,
    /// Whether the "Upstream calls" section has anything (rows or expectations).
    pub has_upstream: bool,
    pub errors: Vec<ErrorRow>,
    pub notes: Vec<String>,
    /// Facts about the load generator; empty when the scenario did not run.
    pub runner: Vec<Fact>,
    /// The generator was the bottleneck: a warning sentence.
    pub bottleneck: Option<String>,
}

/// One judged metric (a table row).
#[derive(Debug, Clone, Serialize)]
pub struct MetricRow {
    /// ``latency.p95``, or ``order` › `latency.p95`` for a step's metric (Markdown).
    pub label: String,
    pub metric: String,
    pub step: Option<String>,
    pub current: String,
    pub baseline: String,
    /// `< 150 ms`, `—` when none; a breached limit is bold.
    pub limit: String,
    /// `+12.3%`, `−4.0%`, `0 → 2`, `—`.
    pub delta: String,
    /// `🔴 regressed: +31% > fail 25%`: the reason is added for warn and regressed.
    pub status: String,
    pub state: State,
    pub reason: String,
}

/// The text of the trimming note.
pub const TRIM_NOTE: &str =
    "Details trimmed to stay under GitHub's comment limit; see the artifact for the full report.";

/// The emoji and word of a state.
pub fn state_view(state: State) -> StateView {
    let (emoji, word) = match state {
        State::Improved => ("🟢", "improved"),
        State::Unchanged => ("🟢", "unchanged"),
        State::New => ("🆕", "new"),
        State::Missing => ("❔", "missing"),
        State::Warn => ("⚠️", "warn"),
        State::Regressed => ("🔴", "regressed"),
    };
    StateView {
        state,
        emoji: emoji.to_string(),
        word: word.to_string(),
        label: format!("{emoji} {word}"),
    }
}

/// Builds the full (untrimmed) view of a report.
pub fn build(input: &ReportInput) -> ReportView {
    let verdict = input.verdict;
    let scenarios: Vec<ScenarioView> = verdict
        .scenarios
        .iter()
        .map(|s| scenario(input, s, find_result(input, &s.name)))
        .collect();
    let noise = verdict
        .scenarios
        .iter()
        .flat_map(|s| details::noise_rows(&s.name, &s.metrics))
        .collect();
    ReportView {
        marker: MARKER.to_string(),
        title: input.config.title.clone(),
        headline: headline(
            &format::text(&input.config.title),
            verdict.state,
            &verdict.scenarios,
        ),
        verdict: state_view(verdict.state),
        commit: input.commit.map(format::short_commit),
        baseline: baseline(&verdict.baseline),
        counts: counts(&verdict.scenarios),
        scenarios,
        omitted_scenarios: None,
        noise,
        trimmed: None,
        legend: "🟢 improved or unchanged · ⚠️ warn · 🔴 regressed · 🆕 new · ❔ missing · \
                 Δ is the change from the baseline"
            .to_string(),
        perfdsl: format::text(&input.results.perfdsl),
    }
}

fn find_result<'a>(input: &ReportInput<'a>, name: &str) -> Option<&'a ScenarioResult> {
    input
        .results
        .scenarios
        .iter()
        .find(|r| r.summary.name == name)
}

fn scenario(
    input: &ReportInput,
    s: &ScenarioVerdict,
    result: Option<&ScenarioResult>,
) -> ScenarioView {
    let expectations: Vec<String> = s
        .failed_expectations
        .iter()
        .map(|e| format::text(e))
        .collect();
    let upstream = result.map(details::upstream_rows).unwrap_or_default();
    let (runner, bottleneck) = result.map(details::runner).unwrap_or_default();
    ScenarioView {
        name: format::text(&s.name),
        status: state_view(s.state),
        subtitle: result.map(details::subtitle).unwrap_or_default(),
        missing: result.is_none().then(|| {
            "This scenario is in the baseline but did not run: nothing was measured.".to_string()
        }),
        metrics: s
            .metrics
            .iter()
            .filter(|m| headline_row(m))
            .map(metric_row)
            .collect(),
        omitted: omitted_note(s),
        omitted_rows: s.metrics.iter().filter(|m| !headline_row(m)).count(),
        trend: trend::build(input, &s.name, s.state, result),
        steps: result.map(details::step_rows).unwrap_or_default(),
        has_upstream: !upstream.is_empty() || !expectations.is_empty(),
        upstream,
        expectations,
        errors: result.map(details::error_rows).unwrap_or_default(),
        notes: result
            .map(|r| {
                r.summary
                    .notes
                    .iter()
                    .map(|n| format::line_text(n))
                    .collect()
            })
            .unwrap_or_default(),
        runner,
        bottleneck,
    }
}

/// Scenario metrics always have a row; a step's metric only when it says something (a
/// limit, or a state other than unchanged or new): the Steps details hold the rest, so
/// the table stays readable at a glance.
fn headline_row(m: &MetricVerdict) -> bool {
    m.step.is_none() || !m.limits.is_empty() || !matches!(m.state, State::Unchanged | State::New)
}

fn omitted_note(s: &ScenarioVerdict) -> Option<String> {
    if s.metrics.is_empty() {
        return Some("No judged metrics.".to_string());
    }
    let quiet = s.metrics.iter().filter(|m| !headline_row(m)).count();
    (quiet > 0).then(|| {
        let noun = if quiet == 1 { "metric" } else { "metrics" };
        format!("{quiet} step {noun} unchanged or new: see Steps below.")
    })
}

fn metric_row(m: &MetricVerdict) -> MetricRow {
    let state = state_view(m.state);
    let label = format::metric_label(m.step.as_deref(), &m.metric);
    let status = match m.state {
        State::Warn | State::Regressed if !m.reason.is_empty() => {
            format!("{}: {}", state.label, format::text(&m.reason))
        }
        _ => state.label.clone(),
    };
    MetricRow {
        label,
        metric: m.metric.clone(),
        step: m.step.clone(),
        current: format::opt_value(m.info, m.current),
        baseline: format::opt_value(m.info, m.baseline),
        limit: format::limits(m.info, &m.limits),
        delta: format::delta(m.info, m.change, m.current, m.baseline),
        status,
        state: m.state,
        reason: m.reason.clone(),
    }
}

/// `🔴 Performance report: 2 regressions in checkout and search`.
fn headline(title: &str, state: State, scenarios: &[ScenarioVerdict]) -> String {
    let view = state_view(state);
    let summary = match state {
        State::Regressed | State::Warn => {
            let hit: Vec<&ScenarioVerdict> =
                scenarios.iter().filter(|s| s.state == state).collect();
            let n: usize = hit
                .iter()
                .map(|s| {
                    let metrics = s.metrics.iter().filter(|m| m.state == state).count();
                    let extra = if state == State::Regressed {
                        s.failed_expectations.len()
                    } else {
                        0
                    };
                    (metrics + extra).max(1)
                })
                .sum();
            let noun = if state == State::Regressed {
                "regression"
            } else {
                "warning"
            };
            format!("{} in {}", plural(n, noun), names(&hit))
        }
        _ => "no regression".to_string(),
    };
    let emoji = if matches!(state, State::Regressed | State::Warn) {
        view.emoji
    } else {
        "🟢".to_string()
    };
    format!("{emoji} {title}: {summary}")
}

/// `checkout`, `checkout and search`, `a, b and c`, or `5 scenarios`.
fn names(scenarios: &[&ScenarioVerdict]) -> String {
    match scenarios {
        [] => "no scenario".to_string(),
        [one] => format::text(&one.name),
        _ if scenarios.len() > 3 => plural(scenarios.len(), "scenario"),
        [init @ .., last] => {
            let head: Vec<String> = init.iter().map(|s| format::text(&s.name)).collect();
            format!("{} and {}", head.join(", "), format::text(&last.name))
        }
    }
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", format::count(n as f64))
    }
}

/// `**3 scenarios**: 1 🔴 regressed · 2 🟢 unchanged`, worst first.
fn counts(scenarios: &[ScenarioVerdict]) -> String {
    let mut states: Vec<State> = scenarios.iter().map(|s| s.state).collect();
    states.sort_unstable_by(|a, b| b.cmp(a));
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < states.len() {
        let n = states[i..].iter().take_while(|s| **s == states[i]).count();
        parts.push(format!("{n} {}", state_view(states[i]).label));
        i += n;
    }
    format!(
        "**{}**: {}",
        plural(scenarios.len(), "scenario"),
        parts.join(" · ")
    )
}

fn baseline(b: &BaselineInfo) -> BaselineView {
    let commit = b.commit.as_deref().map(format::short_commit);
    let line = match (&commit, b.policy.as_str()) {
        (None, _) => "none (no recorded run to compare with)".to_string(),
        (Some(c), "window") => format!(
            "window of {} recorded runs, newest `{c}`",
            b.commits.len().max(1)
        ),
        (Some(c), "latest") => format!("latest recorded run `{c}`"),
        (Some(c), "file") => format!("results file `{c}`"),
        (Some(c), policy) => {
            let walked = match (&b.requested, b.walked_back) {
                (Some(r), n) if n > 0 => format!(
                    " (nearest recorded ancestor, {} back from `{}`)",
                    plural(n, "commit"),
                    format::short_commit(r)
                ),
                _ => String::new(),
            };
            format!("{policy} `{c}`{walked}")
        }
    };
    BaselineView {
        policy: b.policy.clone(),
        commit,
        line,
        note: b.note.as_deref().map(format::line_text),
        commits: b.commits.iter().map(|c| format::short_commit(c)).collect(),
    }
}
