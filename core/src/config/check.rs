//! The meaning checks of a config that has the right shape: limits on real metrics with
//! values in the metric's unit, sane tolerances, known judged metrics, settings in range.
//! Every mistake is collected, in the order of the file.

use std::collections::BTreeMap;

use super::error::{ConfigError, ErrorKind};
use super::limits::parse;
use super::source::{path_name, Source};
use super::{Config, Tolerance};
use crate::ast::Span;
use crate::model::{MetricCatalog, MetricRef};
use crate::suggest::did_you_mean;

const METRICS_HELP: &str = "metrics are `latency.*`, `latency_uncorrected.*`, `throughput.*`, \
     `error_rate`, `errors.*`, `request_bytes.*`, `response_bytes.*`, `upstream.MOCK.*`, \
     `db.NAME.*` and custom metrics of hooks (`NAME.count`, `NAME.p95`, ...)";

fn path(parts: &[&str]) -> Vec<String> {
    parts.iter().map(std::string::ToString::to_string).collect()
}

fn child(base: &[String], part: &str) -> Vec<String> {
    let mut p = base.to_vec();
    p.push(part.to_string());
    p
}

/// Every meaning error of `config`, sorted by position in the file.
pub(crate) fn check(config: &Config, src: &Source) -> Vec<ConfigError> {
    let mut out = Vec::new();
    for (name, sc) in &config.scenarios {
        let base = path(&["scenarios", name]);
        limits(src, &child(&base, "limits"), &sc.limits, &mut out);
        for (step, st) in &sc.steps {
            let at = child(&child(&child(&base, "steps"), step), "limits");
            limits(src, &at, &st.limits, &mut out);
        }
        tolerances(src, &child(&base, "tolerances"), &sc.tolerances, &mut out);
    }
    let t = &config.tolerances;
    tolerance(src, &path(&["tolerances", "timing"]), &t.timing, &mut out);
    tolerance(src, &path(&["tolerances", "count"]), &t.count, &mut out);
    tolerances(src, &path(&["tolerances", "metrics"]), &t.metrics, &mut out);
    for (i, pattern) in config.verdict.metrics.iter().enumerate() {
        let span = src.value_span(&path(&["verdict", "metrics", &i.to_string()]));
        out.extend(metric_pattern(src, span, pattern));
    }
    settings(config, src, &mut out);
    out.sort_by_key(|e| e.span().map(|s| s.offset()));
    out
}

fn limits(
    src: &Source,
    at: &[String],
    limits: &BTreeMap<String, String>,
    out: &mut Vec<ConfigError>,
) {
    for (metric, text) in limits {
        let here = child(at, metric);
        if metric.contains('*') {
            let message = format!("a limit names one metric, found the pattern `{metric}`");
            let help = Some("write a full metric name such as `latency.p95`".to_string());
            let span = src.key_span(&here);
            out.push(src.error(ErrorKind::Metric, span, message, "a pattern", help));
            continue;
        }
        let Some((_, info)) = known_metric(src, src.key_span(&here), metric, out) else {
            continue;
        };
        if let Err(p) = parse(text, info.unit) {
            let span = src.inside_string(&here, p.span);
            out.push(src.error(ErrorKind::Limit, span, p.message, &p.label, p.help));
        }
    }
}

/// Resolves a metric name, reporting it when it names nothing. A "custom metric" whose
/// name is one typo away from a built-in one is taken for that typo.
fn known_metric<'a>(
    src: &Source,
    span: Span,
    metric: &'a str,
    out: &mut Vec<ConfigError>,
) -> Option<(MetricRef<'a>, crate::model::MetricInfo)> {
    let builtins = MetricCatalog::names(&[], &[], &[]);
    let suggestion = did_you_mean(metric, builtins.iter().map(String::as_str));
    let resolved = MetricCatalog::resolve(metric);
    let typo_of_builtin = match resolved {
        Some((MetricRef::Custom { name }, _)) => {
            let roots = builtins.iter().filter_map(|n| n.split('.').next());
            suggestion.is_some() && did_you_mean(name, roots).is_some()
        }
        _ => false,
    };
    if resolved.is_some() && !typo_of_builtin {
        return resolved;
    }
    let help = match suggestion {
        Some(s) => format!("did you mean `{s}`?"),
        None => METRICS_HELP.to_string(),
    };
    let message = format!("unknown metric `{metric}`");
    out.push(src.error(ErrorKind::Metric, span, message, "not a metric", Some(help)));
    None
}

/// A tolerance or judged-metric name: a metric, or a pattern with `*`.
fn metric_pattern(src: &Source, span: Span, pattern: &str) -> Option<ConfigError> {
    if pattern.is_empty() {
        let message = "a metric pattern is empty".to_string();
        let help = Some("write a metric such as `latency.p95` or a pattern such as `db.*`".into());
        return Some(src.error(ErrorKind::Metric, span, message, "empty", help));
    }
    if pattern.contains('*') {
        return None;
    }
    let mut out = Vec::new();
    known_metric(src, span, pattern, &mut out);
    out.pop()
}

fn tolerances(
    src: &Source,
    at: &[String],
    map: &BTreeMap<String, Tolerance>,
    out: &mut Vec<ConfigError>,
) {
    for (pattern, t) in map {
        let here = child(at, pattern);
        out.extend(metric_pattern(src, src.key_span(&here), pattern));
        tolerance(src, &here, t, out);
    }
}

/// `0 <= warn <= fail`, both finite.
fn tolerance(src: &Source, at: &[String], t: &Tolerance, out: &mut Vec<ConfigError>) {
    for (field, v) in [
        ("warn", t.warn),
        ("fail", t.fail),
        ("min_change", t.min_change),
    ] {
        if !v.is_finite() || v < 0.0 {
            let here = child(at, field);
            let span = src.value_span(&here);
            let message = format!(
                "`{}` must be zero or more, found `{}`",
                path_name(&here),
                src.snippet(span)
            );
            let help = Some(
                "a tolerance is a change in the worse direction: `0.1` is 10% of the \
                 baseline, or 0.1 in the metric's unit with `\"absolute\": true`"
                    .to_string(),
            );
            out.push(src.error(ErrorKind::Tolerance, span, message, "negative", help));
            return;
        }
    }
    if t.warn > t.fail {
        let span = src.value_span(&child(at, "fail"));
        let message = format!(
            "`fail` is smaller than `warn` in `{}`: {} < {}",
            path_name(at),
            t.fail,
            t.warn
        );
        let help = Some(format!(
            "`fail` must be at least `warn`; a change first warns, then fails (write `\"fail\": {}` or more)",
            t.warn
        ));
        out.push(src.error(
            ErrorKind::Tolerance,
            span,
            message,
            "smaller than `warn`",
            help,
        ));
    }
}

/// A setting: its path, whether it is in range, the rule it breaks, a help line.
type Rule = (&'static [&'static str], bool, String, &'static str);

/// Settings that must lie in a range.
fn settings(config: &Config, src: &Source, out: &mut Vec<ConfigError>) {
    let (v, h) = (&config.verdict, &config.history);
    let rules: [Rule; 6] = [
        (
            &["verdict", "noise_factor"],
            v.noise_factor > 0.0 && v.noise_factor.is_finite(),
            "must be more than 0".into(),
            "a change counts when it exceeds `noise_factor` times the noise floor; 3 is usual",
        ),
        (
            &["verdict", "min_noise"],
            v.min_noise >= 0.0 && v.min_noise.is_finite(),
            "must be zero or more".into(),
            "the smallest noise floor assumed, as a fraction: `0.02` is 2%",
        ),
        (
            &["baseline", "window"],
            config.baseline.window >= 1,
            "must be at least 1".into(),
            "the `window` policy pools this many recent runs",
        ),
        (
            &["history", "max_runs"],
            h.max_runs >= 1,
            "must be at least 1".into(),
            "the history keeps this many recorded commits",
        ),
        histogram_runs(config, src),
        (
            &["report", "trend_length"],
            config.report.trend_length >= 2,
            "must be at least 2".into(),
            "a trend needs two points: a past run and the current one",
        ),
    ];
    for (at, ok, rule, help) in rules {
        if ok {
            continue;
        }
        let span = src.value_span(&path(at));
        let name = path_name(&path(at));
        let message = format!("`{name}` {rule}, found `{}`", src.snippet(span));
        let help = Some(help.to_string());
        out.push(src.error(ErrorKind::OutOfRange, span, message, "out of range", help));
    }
}

/// `histogram_runs <= max_runs`, pointing at `histogram_runs` when it is written.
fn histogram_runs(config: &Config, src: &Source) -> Rule {
    let h = &config.history;
    let ok = h.max_runs < 1 || h.histogram_runs <= h.max_runs;
    let help =
        "histograms are kept for the newest `histogram_runs` of the `max_runs` recorded commits";
    if src.spans.get(&["history", "histogram_runs"]).is_some() {
        let rule = format!("must be at most `history.max_runs` ({})", h.max_runs);
        (&["history", "histogram_runs"], ok, rule, help)
    } else {
        let rule = format!(
            "must be at least `history.histogram_runs` ({})",
            h.histogram_runs
        );
        (&["history", "max_runs"], ok, rule, help)
    }
}
