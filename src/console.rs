//! What `perfdsl run` prints: the live progress (a bar on a terminal, a plain line every
//! few seconds otherwise) and the end-of-run summary table.

use std::io::{IsTerminal, Write};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::limits::{format_ms, trim, LimitResult};
use crate::metrics::Hist;
use crate::results::ScenarioResult;
use crate::runtime::engine::Live;
use perfdsl_core::diagnostics::shown;

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    Bar,
    Lines,
    Quiet,
}

impl ProgressMode {
    pub fn detect(quiet: bool) -> ProgressMode {
        if quiet {
            ProgressMode::Quiet
        } else if std::io::stderr().is_terminal() {
            ProgressMode::Bar
        } else {
            ProgressMode::Lines
        }
    }
}

/// The live counters at the last tick: (elapsed seconds, requests, iterations).
type Since = (f64, u64, u64);

/// The live figures as one line: iterations per second (against the target of an open
/// model, which is a rate of iterations), requests per second beside it, p95, errors.
fn status_line(
    live: &Live,
    elapsed: f64,
    total: f64,
    target: Option<f64>,
    since: &mut Since,
) -> String {
    let requests = live.requests.load(Ordering::Relaxed);
    let iterations = live.iterations.load(Ordering::Relaxed);
    let errors = live.errors.load(Ordering::Relaxed);
    let span = elapsed - since.0;
    let per_s = |now: u64, then: u64| {
        if span > 0.0 {
            now.saturating_sub(then) as f64 / span
        } else {
            0.0
        }
    };
    let (rps, ips) = (per_s(requests, since.1), per_s(iterations, since.2));
    *since = (elapsed, requests, iterations);
    let mut merged = Hist::new();
    if let Ok(slots) = live.latency.lock() {
        for h in slots.iter() {
            merged.merge(h);
        }
    }
    let p95 = if merged.is_empty() {
        "—".to_string()
    } else {
        format_ms(merged.quantile(0.95) as f64 / 1000.0)
    };
    let target = target.map_or(String::new(), |t| {
        format!(" (target {}/s)", trim((t * 10.0).round() / 10.0))
    });
    format!(
        "{:>5.1}s/{:.0}s  {ips:>6.1} iterations/s{target}  {rps:>7.1} requests/s  p95 {p95}  errors {errors}/{requests}",
        elapsed.min(total),
        total,
    )
}

/// Shows progress until `done` is set; returns when the bar is cleared.
pub async fn progress(
    mode: ProgressMode,
    name: String,
    live: Arc<Live>,
    total_secs: f64,
    warmup_secs: f64,
    target_rate: Option<f64>,
    done: Arc<std::sync::atomic::AtomicBool>,
) {
    if mode == ProgressMode::Quiet {
        return;
    }
    let start = Instant::now();
    // Rates count from the start of the measured phase.
    let mut since: Since = (warmup_secs, 0, 0);
    let bar = (mode == ProgressMode::Bar).then(|| {
        let b = ProgressBar::new((total_secs * 10.0).max(1.0) as u64);
        let style = ProgressStyle::with_template("{prefix:.bold} [{bar:25}] {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        b.set_style(style);
        b.set_prefix(name.clone());
        b
    });
    let tick = if bar.is_some() {
        Duration::from_millis(200)
    } else {
        Duration::from_secs(5)
    };
    let mut next = start + tick;
    loop {
        // Short sleeps: the caller awaits this task when the scenario ends.
        tokio::time::sleep(Duration::from_millis(50)).await;
        if done.load(Ordering::Relaxed) {
            break;
        }
        if Instant::now() < next {
            continue;
        }
        next += tick;
        let elapsed = start.elapsed().as_secs_f64();
        let line = if elapsed < warmup_secs {
            // Nothing is measured yet: the live counters stay at zero until the phase.
            format!(
                "{:>5.1}s/{:.0}s  warming up for {}s (not measured)",
                elapsed,
                total_secs,
                trim(warmup_secs)
            )
        } else {
            status_line(&live, elapsed, total_secs, target_rate, &mut since)
        };
        match (&bar, mode) {
            (Some(b), _) => {
                b.set_position((elapsed * 10.0) as u64);
                b.set_message(line);
            }
            (None, ProgressMode::Lines) => {
                let mut err = std::io::stderr().lock();
                let _ = writeln!(err, "{name}: {line}");
            }
            _ => {}
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
}

/// The summary table of one scenario.
pub fn summary(r: &ScenarioResult) -> String {
    let s = &r.summary;
    let m = |k: &str| s.metric(k).unwrap_or(0.0);
    let mut out = String::new();
    let target = s
        .metric("throughput.target_iterations_per_s")
        .map_or(String::new(), |t| format!(" (target {}/s)", trim(t)));
    out.push_str(&format!(
        "scenario {}  [{} model, {:.1}s measured, {} iterations{}]\n",
        shown(&s.name),
        shown(&s.model),
        s.measured_secs,
        m("iterations"),
        target
    ));
    out.push_str(&format!(
        "  {:<22} {:>9} {:>10} {:>10} {:>10} {:>10} {:>10} {:>8}\n",
        "", "requests", "req/s", "p50", "p95", "p99", "max", "errors"
    ));
    let mut row = |label: &str, mm: &dyn Fn(&str) -> Option<f64>| {
        let ms = |k: &str| mm(k).map_or("—".to_string(), format_ms);
        let errors = mm("error_rate").map_or("—".to_string(), |e| format!("{:.2}%", e * 100.0));
        out.push_str(&format!(
            "  {:<22} {:>9} {:>10.1} {:>10} {:>10} {:>10} {:>10} {:>8}\n",
            label,
            mm("requests").unwrap_or(0.0),
            mm("throughput.rps").unwrap_or(0.0),
            ms("latency.p50"),
            ms("latency.p95"),
            ms("latency.p99"),
            ms("latency.max"),
            errors
        ));
    };
    row("all steps", &|k| s.metric(k));
    for st in &s.steps {
        let f = |k: &str| st.metrics.get(k).copied();
        row(&format!("step {}", shown(&st.name)), &f);
    }
    if s.model == "open" {
        let ms = |k: &str| s.metric(k).map_or("—".to_string(), format_ms);
        out.push_str(&format!(
            "  uncorrected p99 {}, schedule lag p99 {}, dropped iterations {}\n",
            ms("latency_uncorrected.p99"),
            ms("schedule_lag.p99"),
            m("dropped_iterations")
        ));
    }
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
            format!("{} {}", shown(name), trim((v * 1000.0).round() / 1000.0))
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

fn limit_line(l: &LimitResult) -> String {
    let mark = if l.passed { "✓" } else { "✗" };
    let unit = perfdsl_core::model::MetricCatalog::resolve(&l.metric).map(|(_, i)| i.unit);
    let actual = l
        .actual
        .map_or(crate::limits::no_value(&l.metric).to_string(), |a| {
            show_value(unit, a)
        });
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

/// A measured value in its metric's unit: `12.3ms`, `0.25%`, `98.5/s`, `5000B`, `1.999`.
fn show_value(unit: Option<perfdsl_core::model::MetricUnit>, v: f64) -> String {
    use perfdsl_core::model::MetricUnit;
    match unit {
        Some(MetricUnit::Duration) => format_ms(v),
        Some(MetricUnit::Fraction) => format!("{}%", trim((v * 100_000.0).round() / 1000.0)),
        Some(MetricUnit::Rate) => format!("{}/s", trim((v * 10.0).round() / 10.0)),
        Some(MetricUnit::Bytes) => format!("{}B", trim(v.round())),
        _ => trim((v * 1000.0).round() / 1000.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_compares_iterations_with_the_target_and_labels_requests() {
        let live = Live::default();
        live.requests.store(1_000, Ordering::Relaxed);
        live.iterations.store(500, Ordering::Relaxed);
        live.errors.store(3, Ordering::Relaxed);
        let mut since: Since = (0.0, 0, 0);
        let line = status_line(&live, 10.0, 23.0, Some(50.0), &mut since);
        assert_eq!(
            line,
            " 10.0s/23s    50.0 iterations/s (target 50/s)    100.0 requests/s  p95 —  errors 3/1000"
        );
        // The next tick counts from this one.
        live.requests.store(1_100, Ordering::Relaxed);
        live.iterations.store(550, Ordering::Relaxed);
        let line = status_line(&live, 11.0, 23.0, None, &mut since);
        assert!(line.contains("  50.0 iterations/s  "), "{line}");
        assert!(line.contains(" 100.0 requests/s"), "{line}");
    }
}
