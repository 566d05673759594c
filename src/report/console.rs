//! What `perfdsl run` and the gate print on the terminal: each scenario's summary table
//! and the verdict in a few lines. Text from outside perfdsl goes through `shown`.

use crate::metrics::{LimitResult, ScenarioResult, ScenarioSummary};
use crate::verdict::baseline::short;
use crate::verdict::{RunVerdict, State};
use perfdsl_core::diagnostics::shown;
use perfdsl_core::units::show::{count, duration_ms, exact, fraction, rate, seconds};

/// The summary table of one scenario.
pub fn summary(r: &ScenarioResult) -> String {
    let s = &r.summary;
    let mut out = table(s);
    errors(s, &mut out);
    for l in &r.limits {
        out.push_str(&limit_line(l));
    }
    for e in &r.expectations {
        let mark = if e.passed { "✓" } else { "✗" };
        out.push_str(&format!("  {mark} {}\n", shown(&e.message)));
    }
    let upstream: Vec<String> = s
        .metrics
        .iter()
        .filter(|(k, _)| k.starts_with("upstream.") && k.ends_with(".calls_per_iteration"))
        .map(|(k, v)| {
            let name = k
                .trim_start_matches("upstream.")
                .trim_end_matches(".calls_per_iteration");
            format!("{} {}", shown(name), count(*v))
        })
        .collect();
    if !upstream.is_empty() {
        out.push_str(&format!(
            "  upstream calls per iteration: {}\n",
            upstream.join(", ")
        ));
    }
    for n in &s.notes {
        out.push_str(&format!("  note: {}\n", shown(n)));
    }
    out
}

/// The heading and the table: a row for all steps, one per step, and an open model's
/// uncorrected latency, schedule lag and dropped iterations.
fn table(s: &ScenarioSummary) -> String {
    let m = |k: &str| s.metric(k).unwrap_or(0.0);
    let target = s
        .metric("throughput.target_iterations_per_s")
        .map_or(String::new(), |t| format!(" (target {})", rate(t)));
    let mut out = format!(
        "scenario {}  [{} model, {} measured, {} iterations{}]\n",
        shown(&s.name),
        shown(&s.model),
        seconds(s.measured_secs),
        count(m("iterations")),
        target
    );
    out.push_str(&format!(
        "  {:<22} {:>9} {:>10} {:>10} {:>10} {:>10} {:>10} {:>8}\n",
        "", "requests", "req/s", "p50", "p95", "p99", "max", "errors"
    ));
    out.push_str(&row("all steps", &|k| s.metric(k)));
    for st in &s.steps {
        let f = |k: &str| st.metrics.get(k).copied();
        out.push_str(&row(&format!("step {}", shown(&st.name)), &f));
    }
    if s.model == "open" {
        let ms = |k: &str| s.metric(k).map_or("—".to_string(), duration_ms);
        out.push_str(&format!(
            "  uncorrected p99 {}, schedule lag p99 {}, dropped iterations {}\n",
            ms("latency_uncorrected.p99"),
            ms("schedule_lag.p99"),
            count(m("dropped_iterations"))
        ));
    }
    out
}

/// One row of the table, from the metrics `mm` reads.
fn row(label: &str, mm: &dyn Fn(&str) -> Option<f64>) -> String {
    let ms = |k: &str| mm(k).map_or("—".to_string(), duration_ms);
    let errors = mm("error_rate").map_or("—".to_string(), fraction);
    format!(
        "  {:<22} {:>9} {:>10.1} {:>10} {:>10} {:>10} {:>10} {:>8}\n",
        label,
        count(mm("requests").unwrap_or(0.0)),
        mm("throughput.rps").unwrap_or(0.0),
        ms("latency.p50"),
        ms("latency.p95"),
        ms("latency.p99"),
        ms("latency.max"),
        errors
    )
}

/// The errors seen, by step and kind, with an example each.
fn errors(s: &ScenarioSummary, out: &mut String) {
    for st in &s.steps {
        for e in &st.errors {
            out.push_str(&format!(
                "  ✗ {} × {} in step {}: {}\n",
                e.count,
                e.kind.name(),
                shown(&st.name),
                shown(&e.message)
            ));
        }
    }
    for e in &s.iteration_errors {
        out.push_str(&format!(
            "  ✗ {} × {}: {}\n",
            e.count,
            e.kind.name(),
            shown(&e.message)
        ));
    }
}

fn limit_line(l: &LimitResult) -> String {
    let mark = if l.passed { "✓" } else { "✗" };
    let unit = perfdsl_core::model::MetricCatalog::resolve(&l.metric).map(|(_, i)| i.unit);
    let actual = l.actual.map_or(
        crate::verdict::limits::no_value(&l.metric).to_string(),
        |a| exact(unit, a),
    );
    let step = l
        .step
        .as_ref()
        .map_or(String::new(), |s| format!("step {s}: "));
    let measured = if l.actual.is_some() {
        format!("measured {actual}")
    } else {
        actual
    };
    let mut line = format!(
        "  {mark} limit {step}{} {} {} ({measured})\n",
        l.metric, l.op, l.shown
    );
    if l.default && !l.passed {
        let (what, limit) = if l.metric == "errors.iteration" {
            ("no iteration hook may fail", "errors.iteration <= N")
        } else {
            ("no request may fail", "error_rate < N%")
        };
        line.push_str(&format!(
            "    by default {what}: state what the scenario tolerates with `{limit}` in its \
             `limits` (or in perf_config.json)\n"
        ));
    }
    line
}

/// A few lines for the terminal: the run's state and every metric that is not fine.
pub fn verdict(v: &RunVerdict) -> String {
    let mut out = format!("verdict: {}", state_word(v.state));
    if let Some(note) = &v.baseline.note {
        out.push_str(&format!("\n  baseline: {}", shown(note)));
    } else if let Some(c) = &v.baseline.commit {
        // Another results file is named in full (`file:PATH`), a commit by its short hash.
        let name = if v.baseline.policy == "file" {
            c.as_str()
        } else {
            short(c)
        };
        out.push_str(&format!(
            "\n  baseline: {} ({})",
            shown(name),
            v.baseline.policy
        ));
    }
    for s in &v.scenarios {
        if s.state == State::Missing {
            out.push_str(&format!("\n  {}: missing from this run", shown(&s.name)));
        }
        for m in s.metrics.iter().filter(|m| m.state >= State::Warn) {
            let at = m
                .step
                .as_ref()
                .map_or(String::new(), |st| format!("{}: ", shown(st)));
            out.push_str(&format!(
                "\n  {} {}{}{}: {}",
                state_word(m.state),
                shown(&s.name),
                if at.is_empty() { " " } else { " step " },
                format_args!("{at}{}", shown(&m.metric)),
                shown(&m.reason)
            ));
        }
        for e in &s.failed_expectations {
            out.push_str(&format!("\n  regressed {}: {}", shown(&s.name), shown(e)));
        }
    }
    out
}

fn state_word(s: State) -> &'static str {
    match s {
        State::Improved => "improved",
        State::Unchanged => "unchanged",
        State::New => "new",
        State::Missing => "missing",
        State::Warn => "warn",
        State::Regressed => "regressed",
    }
}
