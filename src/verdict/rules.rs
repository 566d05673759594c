//! The verdict on one metric: limits first, then new/missing, then the change against
//! the baseline judged by tolerance and (for timing metrics) noise. The rules are those
//! of `docs/verdicts.md`; reasons are short sentences for the report.

use crate::metrics::LimitResult;
use perfdsl_core::config::Tolerance;
use perfdsl_core::model::{Direction, MetricInfo, MetricKind, MetricUnit};
use perfdsl_core::units::show::{amount, difference, exact, fraction, percent_change, value};

use super::noise::NoiseFloor;
use super::{MetricVerdict, State};

/// Relative differences below this are floating-point noise, not change.
const EPSILON: f64 = 1e-9;

/// Everything known about one metric when it is judged.
#[derive(Debug, Clone)]
pub struct MetricInput {
    pub metric: String,
    pub step: Option<String>,
    /// From the metric catalogue; None for a name it does not know (judged as a
    /// lower-is-better timing metric).
    pub info: Option<MetricInfo>,
    pub current: Option<f64>,
    pub baseline: Option<f64>,
    pub limits: Vec<LimitResult>,
    pub tolerance: Tolerance,
    /// The noise floor of a timing metric; ignored for count metrics.
    pub noise: Option<NoiseFloor>,
}

/// Judges one metric.
pub fn judge_metric(m: MetricInput) -> MetricVerdict {
    let kind = m.info.map_or(MetricKind::Timing, |i| i.kind);
    let margin = match kind {
        MetricKind::Timing => m.noise.map_or(0.0, |n| n.margin),
        MetricKind::Count => 0.0,
    };
    let change = match (m.current, m.baseline) {
        (Some(c), Some(b)) if b != 0.0 => Some((c - b) / b),
        _ => None,
    };
    let (state, reason) = decide(&m, margin);
    MetricVerdict {
        metric: m.metric,
        step: m.step,
        info: m.info,
        current: m.current,
        baseline: m.baseline,
        change,
        limits: m.limits,
        noise: m
            .noise
            .filter(|_| kind == MetricKind::Timing)
            .map(|n| n.margin),
        state,
        reason,
    }
}

fn decide(m: &MetricInput, margin: f64) -> (State, String) {
    let unit = m.info.map(|i| i.unit);
    if let Some(reason) = breached(&m.limits, unit) {
        return (State::Regressed, reason);
    }
    match (m.current, m.baseline) {
        // A metric with no value is missing, with or without a baseline (a target that
        // is down has no latency; 0 would read as a very fast service).
        (None, Some(b)) => (
            State::Missing,
            format!(
                "{} (baseline {})",
                crate::verdict::limits::no_value(&m.metric),
                value(unit, b)
            ),
        ),
        (None, None) => (
            State::Missing,
            crate::verdict::limits::no_value(&m.metric).to_string(),
        ),
        (Some(_), None) => (State::New, "no baseline".to_string()),
        (Some(c), Some(b)) => compare(m, c, b, margin),
    }
}

/// `limit < 150 ms breached (measured 182 ms)` for the first failed limit.
fn breached(limits: &[LimitResult], unit: Option<MetricUnit>) -> Option<String> {
    // `limit < 150 ms breached (no successful request to measure)`
    let failed: Vec<&LimitResult> = limits.iter().filter(|l| !l.passed).collect();
    let first = failed.first()?;
    let measured = match first.actual {
        Some(a) => format!("measured {}", exact(unit, a)),
        None => crate::verdict::limits::no_value(&first.metric).to_string(),
    };
    let more = match failed.len() {
        1 => String::new(),
        n => format!(", +{} more", n - 1),
    };
    Some(format!(
        "limit {} {} breached ({measured}{more})",
        first.op, first.shown
    ))
}

/// Where a change lands against the bounds.
fn band(worse: f64, warn: f64, fail: f64) -> State {
    if worse > fail {
        State::Regressed
    } else if worse > warn {
        State::Warn
    } else if -worse > warn {
        State::Improved
    } else {
        State::Unchanged
    }
}

fn compare(m: &MetricInput, current: f64, base: f64, margin: f64) -> (State, String) {
    let info = m.info;
    let unit = info.map(|i| i.unit);
    let sign = match info.map_or(Direction::LowerIsBetter, |i| i.direction) {
        Direction::LowerIsBetter => 1.0,
        Direction::HigherIsBetter => -1.0,
    };
    let count = info.is_some_and(|i| i.kind == MetricKind::Count);
    let mut delta = current - base;
    if delta.abs() <= EPSILON * base.abs().max(current.abs()) {
        delta = 0.0;
    }
    let t = m.tolerance;
    let transition = format!("{} → {}", value(unit, base), value(unit, current));
    if delta != 0.0 && delta.abs() < t.min_change {
        let reason = format!(
            "{} within the minimum change {}",
            difference(unit, delta),
            amount(unit, t.min_change)
        );
        return (State::Unchanged, reason);
    }
    if delta == 0.0 {
        let reason = if count {
            format!("{} (no change)", value(unit, current))
        } else {
            "no change".to_string()
        };
        return (State::Unchanged, reason);
    }
    if t.absolute {
        // Noise is relative: in absolute terms it is the margin times the baseline.
        let noise = margin * base.abs();
        let (warn, fail) = (t.warn.max(noise), t.fail.max(noise));
        let state = band(sign * delta, warn, fail);
        let shown = |v: f64| amount(unit, v);
        let detail = explain(state, &difference(unit, delta), t, noise, &shown);
        return (state, format!("{transition} ({detail})"));
    }
    if base == 0.0 {
        return from_zero(
            band(sign * delta * f64::INFINITY, 0.0, 0.0),
            count,
            unit,
            current,
        );
    }
    let rel = delta / base.abs();
    let state = band(sign * rel, t.warn.max(margin), t.fail.max(margin));
    let detail = explain(state, &percent_change(rel), t, margin, &fraction);
    if !count {
        return (state, detail);
    }
    let zero = t.warn == 0.0 && t.fail == 0.0;
    if zero && state == State::Regressed {
        return (state, format!("{transition} (count metric, tolerance 0)"));
    }
    (state, format!("{transition} ({detail})"))
}

/// A change from a zero baseline: any rise of a lower-is-better metric regresses.
fn from_zero(state: State, count: bool, unit: Option<MetricUnit>, current: f64) -> (State, String) {
    let tail = if state == State::Improved {
        "better".to_string()
    } else {
        format!("{} metric", if count { "count" } else { "timing" })
    };
    (
        state,
        format!("was 0, now {} ({tail})", value(unit, current)),
    )
}

/// `+31.2% > fail 25% (noise ±4.1%)`, `+12.0% > warn 10%`, `−12.0% better`,
/// `+3.0% within ±10%`. `shown` formats a tolerance or the noise in the change's terms.
fn explain(
    state: State,
    change: &str,
    t: Tolerance,
    noise: f64,
    shown: &dyn Fn(f64) -> String,
) -> String {
    let bound = |name: &str, v: f64| {
        if noise > v {
            format!("{change} > noise ±{} ({name} {})", shown(noise), shown(v))
        } else if noise > 0.0 {
            format!("{change} > {name} {} (noise ±{})", shown(v), shown(noise))
        } else {
            format!("{change} > {name} {}", shown(v))
        }
    };
    match state {
        State::Regressed => bound("fail", t.fail),
        State::Warn => bound("warn", t.warn),
        State::Improved => format!("{change} better"),
        _ => format!("{change} within ±{}", shown(t.warn.max(noise))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands() {
        assert_eq!(band(0.3, 0.1, 0.25), State::Regressed);
        assert_eq!(band(0.25, 0.1, 0.25), State::Warn);
        assert_eq!(band(0.1, 0.1, 0.25), State::Unchanged);
        assert_eq!(band(-0.11, 0.1, 0.25), State::Improved);
        assert_eq!(band(f64::INFINITY, 0.0, 0.0), State::Regressed);
    }
}
