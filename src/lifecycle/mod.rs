//! One run, as a library: mocks → databases → each scenario (its service started on first
//! use, warm-up, the measured phase, upstream and database figures, limits) → teardown.
//! A signal or a service that dies stops the run; what it leaves behind is stopped, and
//! the results say why they are incomplete. The command (`perfdsl run`) only wires its
//! arguments to [`select`] and [`run`]; the verdict is the gate's.

mod print;
mod scenario;
mod session;
mod targets;
mod upstream;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::exit::{self, fail};
use crate::results::{now_rfc3339, Results};
use crate::runtime::plan::{self, Prepared};
use perfdsl_core::config::Config;
use perfdsl_core::diagnostics::Style;
use perfdsl_core::frontend::Checked;
use perfdsl_core::model::{Model, Scenario};
use perfdsl_core::source::{DiskFs, FileSystem};

use scenario::Scenarios;
use session::Session;

/// How the load is driven: where it goes, how much of it, and over what.
#[derive(Debug, Clone, Default, Args)]
pub struct RunOptions {
    /// Send the load to this base URL instead of the scenarios' service or target.
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// Run only the scenario with this name (repeatable).
    #[arg(long, value_name = "NAME")]
    pub filter: Vec<String>,
    /// One iteration of each scenario; every expectation is checked and each failure shown.
    #[arg(long)]
    pub smoke: bool,
    /// No progress display.
    #[arg(long, short)]
    pub quiet: bool,
    /// Load worker threads (default: one per core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Speak HTTP/2 with prior knowledge (h2c) instead of HTTP/1.1.
    #[arg(long)]
    pub http2: bool,
    /// Load a target outside loopback (127.0.0.1, ::1); without it such a target is
    /// refused.
    #[arg(long)]
    pub allow_remote: bool,
    /// The largest response body kept for expectations, captures and hooks (`16MiB`,
    /// `512KB`); a larger one is an `errors.body_too_large`.
    #[arg(long, value_name = "SIZE", value_parser = perfdsl_core::config::parse_size, default_value = "16MiB")]
    pub max_body: u64,
}

/// A scenario to run, with the model and file it came from.
pub struct Selected<'a> {
    pub scenario: &'a Scenario,
    pub model: &'a Model,
    /// Index of the checked root file it came from.
    pub root: usize,
    pub checked: &'a Checked,
    /// Folder of the file that declares the scenario (data files are relative to it).
    pub dir: PathBuf,
}

/// What a run ends with: its exit code (before any verdict) and its results.
pub struct Outcome {
    pub code: u8,
    pub results: Results,
    /// The mocks and databases came up and the scenarios were tried: the results are
    /// worth a results file (incomplete or not).
    pub started: bool,
}

/// Every scenario of every checked file, once (a scenario imported by several files runs
/// once), in file order, filtered by name.
pub fn select<'a>(checked: &'a [Checked], filter: &[String]) -> Result<Vec<Selected<'a>>, String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (root, c) in checked.iter().enumerate() {
        for sc in &c.model.scenarios {
            let file = &c.program.files[sc.origin.file].source.path;
            if !seen.insert((DiskFs.identity(file), sc.name.clone())) {
                continue;
            }
            if filter.is_empty() || filter.contains(&sc.name) {
                let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
                out.push(Selected {
                    scenario: sc,
                    model: &c.model,
                    root,
                    checked: c,
                    dir,
                });
            }
        }
    }
    for f in filter {
        if !out.iter().any(|s| &s.scenario.name == f) {
            let names: Vec<&str> = checked
                .iter()
                .flat_map(|c| c.model.scenarios.iter().map(|s| s.name.as_str()))
                .collect();
            let hint = perfdsl_core::suggest::did_you_mean(f, names.iter().copied())
                .map_or(String::new(), |n| format!(" (did you mean `{n}`?)"));
            return Err(format!("no scenario named `{f}`{hint}"));
        }
    }
    Ok(out)
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
    results.runner = Some(crate::history::Runner::detect());
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
    let mut tally = scenario::Tally::default();
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
