//! Judging a run: for every scenario, which metrics get a verdict (the judged ones and
//! every metric with a limit, scenario-level and per step), their baseline values and
//! noise floors, and the states of the scenarios and of the run.

use std::collections::{BTreeMap, BTreeSet};

use crate::history::Record;
use crate::metrics::LimitResult;
use crate::metrics::{Hist, ScenarioSummary};
use crate::metrics::{Results, ScenarioResult};
use crate::verdict::limits::{defaults, evaluate_limits, Stated};
use perfdsl_core::config::Config;
use perfdsl_core::model::{Limit, MetricCatalog, MetricKind};

use super::baseline::{on_branch, record_value, Baseline};
use super::noise::{combined_error, history_spread, percentile_of, quantile_error, NoiseFloor};
use super::rules::{judge_metric, MetricInput};
use super::{MetricVerdict, RunVerdict, ScenarioVerdict, State};

/// Judges every scenario of `results` against `baseline`. `history` (all records, any
/// order) estimates the noise floors; `config` gives judged metrics, tolerances, limits
/// and noise settings.
pub fn judge(
    results: &Results,
    baseline: &Baseline,
    history: &[Record],
    config: &Config,
) -> RunVerdict {
    let foreign = foreign_baseline(results, baseline);
    let mut scenarios: Vec<ScenarioVerdict> = results
        .scenarios
        .iter()
        .map(|r| judge_scenario(r, baseline, history, config, foreign.is_some()))
        .collect();
    for name in baseline.by_scenario.keys() {
        if !results.scenarios.iter().any(|r| &r.summary.name == name) {
            scenarios.push(ScenarioVerdict {
                name: name.clone(),
                state: State::Missing,
                metrics: Vec::new(),
                failed_expectations: Vec::new(),
            });
        }
    }
    let mut info = baseline.info.clone();
    if let Some(note) = foreign {
        info.note = Some(match info.note {
            Some(n) => format!("{n}; {note}"),
            None => note,
        });
    }
    RunVerdict {
        state: worst(scenarios.iter().map(|s| s.state)),
        baseline: info,
        scenarios,
    }
}

/// A sentence when the baseline was measured on another kind of machine than this run
/// (another CPU model, core count or OS): timings then differ by the machines as much as
/// by the code, so a timing change beyond tolerance only warns. None when the machines
/// match or either is unknown (an unknown machine is not a different one).
fn foreign_baseline(results: &Results, baseline: &Baseline) -> Option<String> {
    let here = results.runner.as_ref().filter(|r| r.is_known())?;
    let there = baseline
        .by_scenario
        .values()
        .flatten()
        .map(|r| &r.meta.runner)
        .find(|r| r.is_known() && !r.same_as(here))?;
    Some(format!(
        "the baseline was measured on another machine ({}; this run: {}): timing changes \
         only warn",
        there.describe(),
        here.describe()
    ))
}

/// The worst of the states; `unchanged` when there are none.
pub fn worst(states: impl Iterator<Item = State>) -> State {
    states.max().unwrap_or(State::Unchanged)
}

/// What judging one scenario reads.
struct Ctx<'a> {
    config: &'a Config,
    /// The baseline comes from another kind of machine: timing regressions only warn.
    foreign: bool,
    result: &'a ScenarioResult,
    baseline: &'a Baseline,
    /// The scenario's last `noise_runs` records on the baseline branch, oldest first.
    recent: Vec<&'a Record>,
    limits: Vec<LimitResult>,
}

fn judge_scenario(
    result: &ScenarioResult,
    baseline: &Baseline,
    history: &[Record],
    config: &Config,
    foreign: bool,
) -> ScenarioVerdict {
    let summary = &result.summary;
    let limits = all_limits(result, config);
    let ctx = Ctx {
        config,
        foreign,
        result,
        baseline,
        recent: recent(history, &summary.name, config),
        limits,
    };
    let mut metrics = Vec::new();
    for step in step_order(summary, baseline.records(&summary.name)) {
        let names = metric_names(&ctx, step.as_deref());
        metrics.extend(names.iter().map(|n| judge_one(&ctx, step.as_deref(), n)));
    }
    let failed_expectations = failed_expectations(result);
    let mut state = worst(metrics.iter().map(|m| m.state));
    if !failed_expectations.is_empty() {
        state = State::Regressed;
    }
    ScenarioVerdict {
        name: summary.name.clone(),
        state,
        metrics,
        failed_expectations,
    }
}

/// Every limit on the scenario, judged: the results' own (written in the `.perf` files),
/// `perf_config.json`'s, and the default `error_rate` limit, decided again here with this
/// config's limits known.
fn all_limits(result: &ScenarioResult, config: &Config) -> Vec<LimitResult> {
    let summary = &result.summary;
    let configured = config_limits(config, summary);
    let own: Vec<LimitResult> = result
        .limits
        .iter()
        .filter(|l| !l.default)
        .cloned()
        .collect();
    let stated: Vec<Stated> = own
        .iter()
        .map(Stated::of_result)
        .chain(configured.iter().map(Stated::of))
        .collect();
    let defaulted = defaults(&stated, summary);
    let mut limits = own;
    limits.extend(evaluate_limits(&configured, summary));
    limits.extend(defaulted);
    limits
}

/// The mocks' call-count expectations that failed, as messages.
fn failed_expectations(result: &ScenarioResult) -> Vec<String> {
    result
        .expectations
        .iter()
        .filter(|e| !e.passed)
        .map(|e| {
            if e.message.is_empty() {
                format!("mock `{}`: expected {}", e.mock, e.expectation)
            } else {
                e.message.clone()
            }
        })
        .collect()
}

/// The limits of `perf_config.json` that apply to the scenario of `summary`: its own and
/// the `"*"` ones on metrics it has (a limit on `upstream.payments.*` does not fail a
/// scenario without the `payments` mock).
pub fn config_limits(config: &Config, summary: &ScenarioSummary) -> Vec<Limit> {
    let mut out = config.limits_under(&summary.name);
    out.extend(
        config
            .limits_under("*")
            .into_iter()
            .filter(|l| summary.metric_of(l.step.as_deref(), &l.metric).is_some()),
    );
    out
}

/// None (the scenario) first, then the current run's steps in order, then steps only the
/// baseline has, by name.
fn step_order(summary: &ScenarioSummary, base: &[Record]) -> Vec<Option<String>> {
    let mut out: Vec<Option<String>> = vec![None];
    out.extend(summary.steps.iter().map(|s| Some(s.name.clone())));
    let only_base: BTreeSet<&String> = base
        .iter()
        .flat_map(|r| r.steps.keys())
        .filter(|n| !summary.steps.iter().any(|s| &&s.name == n))
        .collect();
    out.extend(only_base.into_iter().map(|n| Some(n.clone())));
    out
}

/// The judged metrics present on either side, plus every metric with a limit, by name.
fn metric_names(ctx: &Ctx, step: Option<&str>) -> BTreeSet<String> {
    let summary = &ctx.result.summary;
    let current: Vec<&String> = match step {
        None => summary.metrics.keys().collect(),
        Some(s) => summary
            .steps
            .iter()
            .filter(|x| x.name == s)
            .flat_map(|x| x.metrics.keys())
            .collect(),
    };
    let base = ctx.baseline.records(&summary.name).iter().flat_map(|r| {
        let m = match step {
            None => Some(&r.metrics),
            Some(s) => r.steps.get(s),
        };
        m.into_iter().flat_map(|m| m.keys())
    });
    let mut names: BTreeSet<String> = current
        .into_iter()
        .chain(base)
        .filter(|n| ctx.config.judged(n))
        .cloned()
        .collect();
    names.extend(
        ctx.limits
            .iter()
            .filter(|l| l.step.as_deref() == step)
            .map(|l| l.metric.clone()),
    );
    names
}

fn judge_one(ctx: &Ctx, step: Option<&str>, metric: &str) -> MetricVerdict {
    let scenario = &ctx.result.summary.name;
    let info = MetricCatalog::resolve(metric).map(|(_, i)| i);
    let kind = info.map_or(MetricKind::Timing, |i| i.kind);
    // A value that is not a number (NaN, ∞) cannot be compared: treat it as absent.
    let current = ctx
        .result
        .summary
        .metric_of(step, metric)
        .filter(|v| v.is_finite());
    let baseline = ctx.baseline.value(scenario, step, metric);
    let noise = (kind == MetricKind::Timing && current.is_some() && baseline.is_some())
        .then(|| noise_floor(ctx, step, metric));
    let mut verdict = judge_metric(MetricInput {
        metric: metric.to_string(),
        step: step.map(String::from),
        info,
        current,
        baseline,
        limits: ctx
            .limits
            .iter()
            .filter(|l| l.step.as_deref() == step && l.metric == metric)
            .cloned()
            .collect(),
        tolerance: ctx.config.tolerance_for(scenario, metric, kind),
        noise,
    });
    let by_limit = verdict.limits.iter().any(|l| !l.passed);
    if ctx.foreign && kind == MetricKind::Timing && verdict.state == State::Regressed && !by_limit {
        verdict.state = State::Warn;
        verdict
            .reason
            .push_str(" (baseline from another machine: warn only)");
    }
    verdict
}

fn noise_floor(ctx: &Ctx, step: Option<&str>, metric: &str) -> NoiseFloor {
    let values: Vec<f64> = ctx
        .recent
        .iter()
        .filter_map(|r| record_value(r, step, metric))
        .collect();
    let v = &ctx.config.verdict;
    NoiseFloor::new(
        v.min_noise,
        v.noise_factor,
        history_spread(&values),
        histogram_error(ctx, step, metric),
    )
}

/// The sampling error of a latency percentile, current run and baseline combined. Step
/// histograms exist only in the current run; the history keeps scenario histograms.
fn histogram_error(ctx: &Ctx, step: Option<&str>, metric: &str) -> Option<f64> {
    let (key, q) = percentile_of(metric)?;
    let summary = &ctx.result.summary;
    let current_map: Option<&BTreeMap<String, String>> = match step {
        None => Some(&summary.histograms),
        Some(s) => summary
            .steps
            .iter()
            .find(|x| x.name == s)
            .map(|x| &x.histograms),
    };
    let current = current_map
        .and_then(|m| m.get(key))
        .and_then(|h| Hist::from_base64(h).ok())
        .and_then(|h| quantile_error(&h, q));
    let base = match step {
        Some(_) => None,
        None => {
            merged(ctx.baseline.records(&summary.name), key).and_then(|h| quantile_error(&h, q))
        }
    };
    combined_error(current, base)
}

/// The baseline records' histograms `key` merged (a window pools its runs); None when no
/// record has a readable one.
fn merged(records: &[Record], key: &str) -> Option<Hist> {
    let mut out: Option<Hist> = None;
    for h in records
        .iter()
        .filter_map(|r| r.histograms.get(key))
        .filter_map(|h| Hist::from_base64(h).ok())
    {
        out.get_or_insert_with(Hist::new).merge(&h);
    }
    out
}

/// The scenario's last `noise_runs` records on the baseline branch, oldest first.
fn recent<'a>(history: &'a [Record], scenario: &str, config: &Config) -> Vec<&'a Record> {
    let mut own: Vec<&Record> = history
        .iter()
        .filter(|r| r.scenario == scenario && on_branch(r, &config.baseline.branch))
        .collect();
    own.sort_by(|a, b| a.meta.recorded_at.cmp(&b.meta.recorded_at));
    let skip = own.len().saturating_sub(config.verdict.noise_runs);
    own.split_off(skip)
}
