//! One run, as a library: mocks → databases → each scenario (its service started on first
//! use, warm-up, the measured phase, upstream and database figures, limits) → teardown.
//! A signal or a service that dies stops the run; what it leaves behind is stopped, and
//! the results say why they are incomplete. The command (`perfdsl run`) only wires its
//! arguments to [`select`] and [`run`]; the verdict is the gate's.

mod print;
mod scenario;
mod selected;
mod session;
mod tally;
mod targets;
mod upstream;

use crate::exit::{self, fail};
use crate::load::plan::{self, Prepared};
use crate::metrics::{now_rfc3339, Results};
use perfdsl_core::config::Config;
use perfdsl_core::diagnostics::Style;
use perfdsl_core::frontend::Checked;

use scenario::Scenarios;
pub use selected::{select, RunOptions, Selected};
use session::Session;
use tally::Tally;

/// What a run ends with: its exit code (before any verdict) and its results.
pub struct Outcome {
    pub code: u8,
    pub results: Results,
    /// The mocks and databases came up and the scenarios were tried: the results are
    /// worth a results file (incomplete or not).
    pub started: bool,
}

/// Reads every scenario's data and body files (before any service starts or any load is
/// sent), then runs the scenarios on a runtime of its own. `config` is the gate's, when
/// the run is judged: its limits decide where the default ones apply.
pub fn run(
    opts: &RunOptions,
    checked: &[Checked],
    selected: &[Selected<'_>],
    config: Option<&Config>,
    style: Style,
) -> Result<Outcome, u8> {
    let mut prepared = Vec::new();
    for sel in selected {
        let p = plan::prepare(sel.scenario, &sel.dir).map_err(|e| {
            fail(
                exit::INVALID_INPUT,
                &format!("scenario `{}`: {e}; nothing was run", sel.scenario.name),
            )
        })?;
        prepared.push(p);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| {
            fail(
                exit::RUNTIME,
                &format!("cannot start the async runtime: {e}"),
            )
        })?;
    let run = Scenarios {
        opts,
        selected,
        config,
    };
    Ok(rt.block_on(run_all(run, checked, prepared, style)))
}

/// The whole sequence on the runtime: start, each scenario until one stops the run, stop.
async fn run_all(
    run: Scenarios<'_>,
    checked: &[Checked],
    prepared: Vec<Prepared>,
    style: Style,
) -> Outcome {
    let mut results = Results::new(now_rfc3339());
    results.runner = Some(crate::metrics::Runner::detect());
    results.smoke = run.opts.smoke;
    let mut session = match Session::start(checked, style).await {
        Ok(s) => s,
        Err(code) => {
            return Outcome {
                code,
                results,
                started: false,
            }
        }
    };
    let mut tally = Tally::default();
    for (sel, prep) in run.selected.iter().zip(prepared) {
        if session.stopping() {
            break;
        }
        if !run
            .one(&mut session, sel, prep, &mut results, &mut tally)
            .await
        {
            break;
        }
    }
    let interrupted = session.interrupted();
    if interrupted {
        tally.incomplete.push("interrupted by a signal".to_string());
    }
    for sel in run.selected {
        let name = &sel.scenario.name;
        if !results.scenarios.iter().any(|r| &r.summary.name == name) {
            tally
                .incomplete
                .push(format!("scenario `{name}` did not run"));
        }
    }
    session.stop(&mut results, &mut tally).await;
    let code = tally.exit_code(interrupted, &results);
    Outcome {
        code,
        results,
        started: true,
    }
}
