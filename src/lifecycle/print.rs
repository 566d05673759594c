//! What a scenario says on the terminal besides its summary: smoke failures, what its
//! hooks printed, a dead service's last log lines, and the generator's own limits.

use crate::load::engine::ScenarioRun;
use crate::load::worker::Failure;
use crate::metrics::Generator;
use crate::metrics::ScenarioSummary;
use perfdsl_core::diagnostics::shown;

use super::selected::Selected;
use super::targets::{self, Started};

/// A dead service's message: what it exited with and its last log lines.
pub(super) fn died_message(services: &mut Started) -> String {
    let mut msg = String::new();
    for (svc, _) in services.values_mut() {
        if let Some(status) = svc.exited() {
            msg.push_str(&format!(
                "error: service `{}` exited during the run ({status}); its last log lines ({}):\n",
                svc.name(),
                svc.log_path().display()
            ));
            for l in svc.last_log_lines(20) {
                msg.push_str(&format!("  | {l}\n"));
            }
        }
    }
    msg
}

/// Facts about the generator, and a note when it could not keep up.
pub(super) fn generator_info(run: &ScenarioRun, summary: &mut ScenarioSummary) -> Generator {
    let threads = run.threads;
    let wake_p99 = run.generator_lag.quantile(0.99) as f64 / 1000.0;
    let cpu_share = run.cpu_secs / (run.wall_secs.max(1e-9) * threads.max(1) as f64);
    let lagging = summary.model == "open" && wake_p99 > 10.0;
    // Below half a second, thread start-up dominates the CPU share: it says nothing.
    let saturated = run.wall_secs >= 0.5 && cpu_share > 0.95;
    if lagging || saturated {
        summary.notes.push(format!(
            "the load generator could not keep the schedule (wake-up lag p99 {wake_p99:.1}ms, CPU {:.0}% of {threads} threads): latency may be inflated by perfdsl itself, not by the service",
            cpu_share * 100.0
        ));
    }
    if run.interrupted {
        summary
            .notes
            .push("the run was interrupted before the end of its schedule".into());
    }
    Generator {
        threads,
        cpu_secs: run.cpu_secs,
        wall_secs: run.wall_secs,
        wake_lag_p99_ms: wake_p99,
        bottleneck: lagging || saturated,
    }
}

/// Prints each smoke failure Hurl-style; true when there was none.
pub(super) fn smoke(sel: &Selected<'_>, failures: &[Failure]) -> bool {
    if failures.is_empty() {
        crate::outln!("✓ {} (smoke: every expectation held)", sel.scenario.name);
        return true;
    }
    for f in failures {
        let at = sel
            .scenario
            .steps
            .iter()
            .find(|s| s.name == f.step)
            .map(|s| targets::location(sel.checked, s.origin))
            .unwrap_or_default();
        crate::outln!(
            "✗ {} › {}: {}{at}",
            sel.scenario.name,
            f.step,
            shown(&f.request)
        );
        crate::outln!("    {}: {}", f.kind.name(), shown(&f.message));
        if let Some(r) = &f.response {
            crate::outln!("    response: {}", shown(r));
        }
    }
    false
}

/// What the scenario's hooks printed, on perfdsl's standard error (its log), at most
/// `hooks::PRINTED_LINES` lines a hook; the rest counted.
pub(super) fn hook_output(scenario: &str) {
    for p in perfdsl_core::hooks::take_printed() {
        let shown = p.lines.len() as u64;
        let first = if p.total > shown {
            format!("; the first {shown}")
        } else {
            String::new()
        };
        crate::errln!(
            "scenario `{scenario}`: the hook at {} printed {} line{}{first}:",
            p.hook,
            crate::report::format::count(p.total as f64),
            if p.total == 1 { "" } else { "s" }
        );
        for line in &p.lines {
            crate::errln!("  | {line}");
        }
        if p.total > shown {
            crate::errln!(
                "  ({} more not shown)",
                crate::report::format::count((p.total - shown) as f64)
            );
        }
    }
}
