//! What `perfdsl run` prints: the live progress (a bar on a terminal, a plain line every
//! few seconds otherwise) and the end-of-run summary table.

use std::io::{IsTerminal, Write};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use super::worker::Live;
use crate::metrics::Hist;
use perfdsl_core::units::show::{duration_ms, rate, seconds};

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
        duration_ms(merged.quantile(0.95) as f64 / 1000.0)
    };
    let target = target.map_or(String::new(), |t| format!(" (target {})", rate(t)));
    format!(
        "{:>5.1}s/{:.0}s  {ips:>6.1} iterations/s{target}  {rps:>7.1} requests/s  p95 {p95}  errors {errors}/{requests}",
        elapsed.min(total),
        total,
    )
}

/// The progress bar of a scenario, in tenths of a second.
fn bar(name: &str, total_secs: f64) -> ProgressBar {
    let b = ProgressBar::new((total_secs * 10.0).max(1.0) as u64);
    let style = ProgressStyle::with_template("{prefix:.bold} [{bar:25}] {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    b.set_style(style);
    b.set_prefix(name.to_string());
    b
}

/// Shows progress until `done` is set; returns when the bar is cleared.
pub async fn run(
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
    let bar = (mode == ProgressMode::Bar).then(|| bar(&name, total_secs));
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
                "{:>5.1}s/{:.0}s  warming up for {} (not measured)",
                elapsed,
                total_secs,
                seconds(warmup_secs)
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
            " 10.0s/23s    50.0 iterations/s (target 50.0/s)    100.0 requests/s  p95 —  errors 3/1000"
        );
        // The next tick counts from this one.
        live.requests.store(1_100, Ordering::Relaxed);
        live.iterations.store(550, Ordering::Relaxed);
        let line = status_line(&live, 11.0, 23.0, None, &mut since);
        assert!(line.contains("  50.0 iterations/s  "), "{line}");
        assert!(line.contains(" 100.0 requests/s"), "{line}");
    }
}
