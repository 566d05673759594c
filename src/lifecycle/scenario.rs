//! One scenario of the run: its target (a service started on first use), its plan, the
//! load with the dead-service watch, then what it measured: the summary, the upstream
//! and database figures, and its limits.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::database::DbSnapshot;
use crate::exit;
use crate::load::client::Protocol;
use crate::load::engine::{self, EngineOptions, ScenarioRun};
use crate::load::plan::{endpoint, Prepared, ScenarioPlan};
use crate::load::progress::{self, ProgressMode};
use crate::load::schedule::Schedule;
use crate::load::worker::Live;
use crate::metrics::ScenarioSummary;
use crate::metrics::{Results, ScenarioResult};
use crate::verdict::limits;
use perfdsl_core::config::Config;

use super::selected::{RunOptions, Selected};
use super::session::Session;
use super::tally::Tally;
use super::targets::{self, Targets};
use super::{print, upstream};

/// A failure that stops the run: the exit code and the message.
type Stop = (u8, String);

/// What the scenarios of a run share: the options, the selection, the gate's config.
#[derive(Clone, Copy)]
pub(super) struct Scenarios<'a> {
    pub(super) opts: &'a RunOptions,
    pub(super) selected: &'a [Selected<'a>],
    pub(super) config: Option<&'a Config>,
}

/// A scenario's result, whether its smoke checks passed, and "the service died" message.
struct Measured {
    result: ScenarioResult,
    smoke_ok: bool,
    died: Option<String>,
}

impl Scenarios<'_> {
    /// Runs one scenario into `results`; false when the run must stop here.
    pub(super) async fn one(
        &self,
        session: &mut Session,
        sel: &Selected<'_>,
        prepared: Prepared,
        results: &mut Results,
        tally: &mut Tally,
    ) -> bool {
        let name = &sel.scenario.name;
        let base = match self.target(session, sel).await {
            Ok(Targets { base_url }) => base_url,
            Err((c, msg)) => {
                crate::errln!("{msg}");
                let first = msg.lines().next().unwrap_or_default();
                let first = first.trim_start_matches("error: ");
                tally
                    .incomplete
                    .push(format!("scenario `{name}` could not start: {first}"));
                tally.code = c;
                return false;
            }
        };
        let outcome = self.measure(session, sel, prepared, &base).await;
        print::hook_output(name);
        match outcome {
            Ok(m) => {
                crate::outln!("{}", crate::report::console::summary(&m.result));
                tally.smoke_failed |= !m.smoke_ok;
                results.scenarios.push(m.result);
                if let Some(msg) = m.died {
                    crate::errln!("{msg}");
                    tally
                        .incomplete
                        .push(format!("the service exited during scenario `{name}`"));
                    tally.code = exit::RUNTIME;
                    return false;
                }
                true
            }
            Err((c, msg)) => {
                crate::errln!("error: {msg}");
                tally
                    .incomplete
                    .push(format!("scenario `{name}` failed: {msg}"));
                tally.code = c;
                false
            }
        }
    }

    /// The scenario's base URL, its service started on first use. A signal while the
    /// service starts (a build behind `cargo run`, a long `ready within`) stops at once:
    /// dropping the start kills what it spawned.
    async fn target(&self, session: &mut Session, sel: &Selected<'_>) -> Result<Targets, Stop> {
        let asked = targets::Asked {
            target: self.opts.target.as_deref(),
            allow_remote: self.opts.allow_remote,
        };
        let stop = session.stop.clone();
        let setup = targets::base_url(asked, sel, &mut session.services, &session.mock_env);
        tokio::select! {
            r = setup => r,
            () = stopped(&stop) => Err((exit::RUNTIME, "error: interrupted while the service was starting".to_string())),
        }
    }

    /// Runs the load of one scenario and measures it.
    async fn measure(
        &self,
        session: &mut Session,
        sel: &Selected<'_>,
        prepared: Prepared,
        base: &str,
    ) -> Result<Measured, Stop> {
        if let Some(m) = &session.mocks {
            m.reset();
        }
        // Reset SQL, then the statistics the per-iteration database work is measured from.
        let db_before = match &session.dbs {
            Some(d) => Some(
                d.before_scenario()
                    .await
                    .map_err(|e| (exit::RUNTIME, e.to_string()))?,
            ),
            None => None,
        };
        let plan = Arc::new(self.plan(sel, prepared, base)?);
        let (run, died) = self.drive(session, sel, plan.clone()).await?;
        let mut summary = ScenarioSummary::build(&sel.scenario.name, &run.recorder, &run.facts);
        let generator = print::generator_info(&run, &mut summary);
        summary.notes.extend(run.max_vus_note(&plan));
        add_notes(&run, died.as_deref(), &mut summary);
        let smoke_ok = !self.opts.smoke || print::smoke(sel, &run.failures);
        let iterations = run.recorder.all_iterations;
        let expectations = session.mocks.as_ref().map_or_else(Vec::new, |m| {
            upstream::figures(m, sel, iterations, &mut summary)
        });
        if let (Some(d), Some(before)) = (&session.dbs, &db_before) {
            database_work(d, before, sel, iterations, &mut summary).await;
        }
        let limits = self.limits(sel, &summary);
        // The notes may quote the service's log; the base URL may hold a secret.
        for n in &mut summary.notes {
            *n = crate::urls::scrub(n);
        }
        let result = ScenarioResult {
            summary,
            target: crate::urls::scrub(base),
            limits,
            expectations,
            generator,
        };
        Ok(Measured {
            result,
            smoke_ok,
            died,
        })
    }

    /// The plan of one scenario against `base`. Where the load goes is said before any
    /// of it; off loopback only when asked for: a copied scenario must not load a real
    /// server by accident.
    fn plan(
        &self,
        sel: &Selected<'_>,
        prepared: Prepared,
        base: &str,
    ) -> Result<ScenarioPlan, Stop> {
        let protocol = if self.opts.http2 {
            Protocol::Http2
        } else {
            Protocol::Http1
        };
        let mut ep = endpoint(base, protocol).map_err(|e| (exit::INVALID_INPUT, e))?;
        ep.max_body = self.opts.max_body;
        crate::errln!(
            "scenario `{}`: load to {base} ({})",
            sel.scenario.name,
            ep.addr
        );
        if !crate::urls::unmapped(ep.addr.ip()).is_loopback() && !self.opts.allow_remote {
            return Err((
                exit::INVALID_INPUT,
                format!(
                    "the target `{base}` resolves to {}, outside loopback: perfdsl loads 127.0.0.1 \
                     and ::1 only, unless `--allow-remote` is given; nothing was sent",
                    ep.addr.ip()
                ),
            ));
        }
        let mut plan = ScenarioPlan::new(sel.scenario, prepared, ep);
        if self.opts.smoke {
            plan.schedule = Schedule::iterations(1, 1);
            // A smoke failure shows the response's body, whatever the step reads of it.
            plan.steps.iter_mut().for_each(|sp| sp.keep_body = true);
        }
        Ok(plan)
    }

    /// Drives the load with the progress display, stopping it when a service dies; the
    /// run and, when a service died, the message that says so.
    async fn drive(
        &self,
        session: &mut Session,
        sel: &Selected<'_>,
        plan: Arc<ScenarioPlan>,
    ) -> Result<(ScenarioRun, Option<String>), Stop> {
        let opts = EngineOptions {
            threads: self
                .opts
                .threads
                .unwrap_or(EngineOptions::default().threads),
            keep_failures: self.opts.smoke,
            ..Default::default()
        };
        let live = Arc::new(Live::default());
        let done = Arc::new(AtomicBool::new(false));
        let progress = self.progress(sel, &plan, &live, &done);
        let stop = session.stop.clone();
        let engine_stop = stop.clone();
        let mut work =
            tokio::task::spawn_blocking(move || engine::run(plan, &opts, engine_stop, live));
        let mut died = false;
        let run = loop {
            tokio::select! {
                r = &mut work => break r.map_err(|e| (exit::RUNTIME, format!("the load engine failed: {e}")))?,
                () = tokio::time::sleep(Duration::from_millis(200)) => {
                    if !died && session.services.values_mut().any(|(s, _)| s.exited().is_some()) {
                        died = true;
                        stop.store(true, Ordering::Relaxed);
                    }
                }
            }
        };
        done.store(true, Ordering::Relaxed);
        let _ = progress.await;
        // Dead before the engine finished, or in the last moments between two checks.
        let dead = died
            || session
                .services
                .values_mut()
                .any(|(s, _)| s.exited().is_some());
        let died = dead.then(|| print::died_message(&mut session.services));
        if died.is_some() {
            // The stop flag was ours, not the user's: later scenarios are skipped anyway.
            stop.store(true, Ordering::Relaxed);
        }
        Ok((run, died))
    }

    /// The progress display of one scenario, until `done`.
    fn progress(
        &self,
        sel: &Selected<'_>,
        plan: &ScenarioPlan,
        live: &Arc<Live>,
        done: &Arc<AtomicBool>,
    ) -> tokio::task::JoinHandle<()> {
        let mode = if self.opts.smoke {
            ProgressMode::Quiet
        } else {
            ProgressMode::detect(self.opts.quiet)
        };
        tokio::spawn(progress::run(
            mode,
            sel.scenario.name.clone(),
            live.clone(),
            plan.schedule.end,
            plan.schedule.warmup,
            plan.schedule.measured_rate(),
            done.clone(),
        ))
    }

    /// The scenario's limits (and the config's), judged on its summary; none in a smoke run.
    fn limits(
        &self,
        sel: &Selected<'_>,
        summary: &ScenarioSummary,
    ) -> Vec<crate::metrics::LimitResult> {
        if self.opts.smoke {
            return Vec::new();
        }
        let configured = self.config.map_or_else(Vec::new, |c| {
            crate::verdict::judge::config_limits(c, summary)
        });
        limits::evaluate(sel.scenario, summary, &configured)
    }
}

/// Resolves once `stop` is set.
async fn stopped(stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Adds the `db.<name>.*_per_iteration` metrics of the scenario's databases. Every
/// iteration counts, warm-up included: the statistics were read before the warm-up.
async fn database_work(
    dbs: &crate::database::Databases,
    before: &DbSnapshot,
    sel: &Selected<'_>,
    iterations: u64,
    summary: &mut ScenarioSummary,
) {
    match dbs.after_scenario(before, iterations).await {
        Ok(works) => {
            for w in works {
                if sel.model.databases.iter().any(|d| d.name == w.database) {
                    summary.metrics.extend(w.metrics);
                    summary.notes.extend(w.notes);
                }
            }
        }
        // The load was measured; only the database figures are lost: say so.
        Err(e) => summary
            .notes
            .push(format!("database work could not be measured: {e}")),
    }
}

/// The notes of what cut the load short: a `unique` feeder out of rows, a dead service.
fn add_notes(run: &ScenarioRun, died: Option<&str>, summary: &mut ScenarioSummary) {
    if run.exhausted {
        summary.notes.push(format!(
            "a `unique` data feeder ran out of rows after {} iterations: the virtual users \
             stopped before the end of the load (give the file a row for every iteration, \
             or use `sequential`)",
            run.recorder.all_iterations
        ));
    }
    if let Some(d) = died {
        // The first line without its `error: ` prefix and the colon announcing the log.
        let first = d.lines().next().unwrap_or("the service exited");
        let note = first.trim_start_matches("error: ").trim_end_matches(':');
        summary.notes.push(note.to_string());
    }
}
