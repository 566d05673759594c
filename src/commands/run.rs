//! `perfdsl run`: validate everything, start the service (or use a target), run each
//! scenario (warm-up, then the measured phase), stop the service, print the summary,
//! write results, and exit with the verdict (0 pass, 1 limit failed, 2 invalid input,
//! 3 runtime failure).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::cli::exit;
use crate::console::{self, ProgressMode};
use crate::limits;
use crate::metrics::ScenarioSummary;
use crate::mock::{self, check_expectations, MockSet, Unrouted};
use crate::results::{now_rfc3339, Generator, MockExpectation, Results, ScenarioResult};
use crate::runtime::client::Protocol;
use crate::runtime::database::{DatabaseSpec, Databases};
use crate::runtime::engine::{self, EngineOptions, Live};
use crate::runtime::plan::{self, endpoint, Prepared, ScenarioPlan};
use crate::runtime::schedule::Schedule;
use crate::runtime::service::Ended;
use perfdsl_core::diagnostics::{shown, Style};
use perfdsl_core::frontend::Checked;
use perfdsl_core::model::{Model, Scenario};
use perfdsl_core::source::{DiskFs, FileSystem};

use super::gate::{Gate, GateArgs};
use super::run_setup::{self, MockEnv, Started, Targets};
use super::{fail, fail_with};

/// Options of `perfdsl run`.
#[derive(Debug, Clone, Default)]
pub struct RunArgs {
    pub paths: Vec<PathBuf>,
    /// Base URL overriding every scenario's service or target.
    pub target: Option<String>,
    /// Only these scenarios (exact names).
    pub filter: Vec<String>,
    pub json: Option<PathBuf>,
    pub smoke: bool,
    pub quiet: bool,
    pub threads: Option<usize>,
    pub http2: bool,
    /// Load targets outside loopback.
    pub allow_remote: bool,
    /// The largest body kept for checks.
    pub max_body: u64,
    /// Config, history, baseline, report and mode.
    pub gate: GateArgs,
}

/// A scenario to run, with the model and file it came from.
struct Selected<'a> {
    scenario: &'a Scenario,
    model: &'a Model,
    /// Index of the checked root file it came from.
    root: usize,
    checked: &'a Checked,
    /// Folder of the file that declares the scenario (data files are relative to it).
    dir: PathBuf,
}

/// Runs the command; returns the exit code.
pub fn run(args: &RunArgs, style: Style) -> u8 {
    let checked = match super::check_all(&args.paths, style, "nothing was run") {
        Ok(c) => c,
        Err(code) => return code,
    };
    let selected = match select(&checked, &args.filter) {
        Ok(s) => s,
        Err(e) => return fail(exit::INVALID_INPUT, &e),
    };
    if selected.is_empty() {
        return fail(exit::INVALID_INPUT, "no scenario to run");
    }
    // A bad config or an unreadable history stops the run before any load is sent.
    // A smoke run (one iteration) is not judged against the history.
    let gate = if args.smoke {
        if args.gate.mode == super::gate::Mode::Record {
            crate::errln!("note: a smoke run (one iteration) is neither judged nor recorded");
        }
        None
    } else {
        match Gate::prepare(&args.gate, style) {
            Ok(mut g) => {
                let all = checked.iter().flat_map(|c| c.model.scenarios.iter());
                g.set_known_scenarios(all.map(|sc| sc.name.clone()).collect());
                Some(g)
            }
            Err(code) => return code,
        }
    };
    // Data and body files are read before any service starts or any load is sent.
    let mut prepared = Vec::new();
    for sel in &selected {
        match plan::prepare(sel.scenario, &sel.dir) {
            Ok(p) => prepared.push(Some(p)),
            Err(e) => {
                return fail(
                    exit::INVALID_INPUT,
                    &format!("scenario `{}`: {e}; nothing was run", sel.scenario.name),
                )
            }
        }
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            return fail(
                exit::RUNTIME,
                &format!("cannot start the async runtime: {e}"),
            )
        }
    };
    let config = gate.as_ref().map(Gate::config);
    let (code, results) = rt.block_on(run_all(args, &checked, &selected, prepared, config, style));
    // The history stores drive their own runtimes: judge outside this one.
    drop(rt);
    match gate {
        Some(g) if code == exit::OK || code == exit::FAILED => code.max(g.finish(&results)),
        _ => {
            if args.gate.mode == super::gate::Mode::Record && !args.smoke {
                let why = match results.incomplete.as_slice() {
                    [] => "the run failed".to_string(),
                    reasons => format!("the run is incomplete ({})", reasons.join("; ")),
                };
                crate::errln!("error: {why}: nothing was judged or recorded");
            }
            code
        }
    }
}

/// Every scenario of every checked file, once (a scenario imported by several files runs
/// once), in file order, filtered by name.
fn select<'a>(checked: &'a [Checked], filter: &[String]) -> Result<Vec<Selected<'a>>, String> {
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

async fn run_all(
    args: &RunArgs,
    checked: &[Checked],
    selected: &[Selected<'_>],
    mut prepared: Vec<Option<Prepared>>,
    config: Option<&perfdsl_core::config::Config>,
    style: Style,
) -> (u8, Results) {
    let mut results = Results::new(now_rfc3339());
    results.runner = Some(crate::history::Runner::detect());
    results.smoke = args.smoke;
    let mocks = match start_mocks(checked, style).await {
        Ok(m) => m,
        Err(code) => return (code, results),
    };
    // Database fixtures exist before any service starts.
    let dbs = match connect_databases(checked, style).await {
        Ok(d) => d,
        Err(code) => {
            if let Some(m) = mocks {
                m.stop().await;
            }
            return (code, results);
        }
    };
    let mock_env = mocks.as_ref().map_or_else(MockEnv::default, |m| MockEnv {
        env: m.env(),
        urls: m.urls(),
    });
    let stop = Arc::new(AtomicBool::new(false));
    // Set by a signal only: `stop` is also set when the service dies.
    let by_signal = Arc::new(AtomicBool::new(false));
    let signals = tokio::spawn(watch_signals(stop.clone(), by_signal.clone()));
    let mut services: Started = BTreeMap::new();
    let mut smoke_failed = false;
    let mut code = exit::OK;
    let mut incomplete: Vec<String> = Vec::new();
    for (i, sel) in selected.iter().enumerate() {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let setup = run_setup::base_url(
            run_setup::Asked {
                target: args.target.as_deref(),
                allow_remote: args.allow_remote,
            },
            sel.scenario,
            sel.model,
            sel.root,
            sel.checked,
            &mut services,
            &mock_env,
        );
        // A signal while the service starts (a build behind `cargo run`, a long `ready
        // within`) stops at once: dropping the start kills what it spawned.
        let setup = tokio::select! {
            r = setup => r,
            () = stopped(&stop) => Err((exit::RUNTIME, "error: interrupted while the service was starting".to_string())),
        };
        let base = match setup {
            Ok(Targets { base_url }) => base_url,
            Err((c, msg)) => {
                crate::errln!("{msg}");
                let first = msg.lines().next().unwrap_or_default();
                let first = first.trim_start_matches("error: ");
                incomplete.push(format!(
                    "scenario `{}` could not start: {first}",
                    sel.scenario.name
                ));
                code = c;
                break;
            }
        };
        let Some(prep) = prepared.get_mut(i).and_then(Option::take) else {
            break;
        };
        let outcome = run_one(
            args,
            sel,
            prep,
            &base,
            stop.clone(),
            &mut services,
            Around {
                mocks: mocks.as_ref(),
                dbs: dbs.as_ref(),
                config,
            },
        )
        .await;
        print_hook_output(&sel.scenario.name);
        match outcome {
            Ok((result, smoke_ok, died)) => {
                crate::outln!("{}", console::summary(&result));
                smoke_failed |= !smoke_ok;
                results.scenarios.push(result);
                if let Some(msg) = died {
                    crate::errln!("{msg}");
                    incomplete.push(format!(
                        "the service exited during scenario `{}`",
                        sel.scenario.name
                    ));
                    code = exit::RUNTIME;
                    break;
                }
            }
            Err((c, msg)) => {
                crate::errln!("error: {msg}");
                incomplete.push(format!("scenario `{}` failed: {msg}", sel.scenario.name));
                code = c;
                break;
            }
        }
    }
    let interrupted = by_signal.load(Ordering::Relaxed);
    if interrupted {
        incomplete.push("interrupted by a signal".to_string());
    }
    for sel in selected {
        if !results
            .scenarios
            .iter()
            .any(|r| r.summary.name == sel.scenario.name)
        {
            incomplete.push(format!("scenario `{}` did not run", sel.scenario.name));
        }
    }
    signals.abort();
    let died_before = incomplete
        .iter()
        .any(|r| r.starts_with("the service exited"));
    for (_, (svc, _)) in std::mem::take(&mut services) {
        let name = svc.name().to_string();
        let report = svc.stop().await;
        // A service that exited by itself between its last check and the end measured
        // less than it should have (it may have crashed on the last requests).
        if let Ended::ByItself(status) = report.ended {
            if !died_before && !results.scenarios.is_empty() {
                crate::errln!(
                    "error: service `{name}` had exited by itself ({status}) when the run ended"
                );
                incomplete.push(format!(
                    "the service `{name}` exited by itself before the run ended ({status})"
                ));
                code = code.max(exit::RUNTIME);
            }
        } else if !report.clean() {
            crate::errln!("warning: {report:?}");
        }
    }
    results.incomplete = incomplete.iter().map(|r| crate::urls::scrub(r)).collect();
    if let Some(d) = dbs {
        d.close().await;
    }
    if let Some(m) = mocks {
        warn_uncalled_mocks(&m, &results);
        m.stop().await;
    }
    if let Some(path) = &args.json {
        if let Err(e) = write_json(path, &results) {
            crate::errln!("error: cannot write `{}`: {e}", path.display());
            code = code.max(exit::RUNTIME);
        }
    }
    if interrupted {
        if results.scenarios.is_empty() {
            crate::errln!("interrupted: the service was stopped; no scenario had run");
        } else {
            crate::errln!("interrupted: the service was stopped; results so far are above");
        }
        return (exit::RUNTIME, results);
    }
    if code == exit::OK && (smoke_failed || !results.limits_passed()) {
        code = exit::FAILED;
    }
    (code, results)
}

/// Starts every mock of the checked files (interception for the services); exit code 3
/// when one cannot start (a port already taken).
async fn start_mocks(checked: &[Checked], style: Style) -> Result<Option<MockSet>, u8> {
    let specs = match mock::specs(checked, &HashMap::new()) {
        Ok(s) if s.is_empty() => return Ok(None),
        Ok(s) => s,
        Err(e) => return Err(fail_with(exit::RUNTIME, e, style)),
    };
    match MockSet::start(specs, Some(0)).await {
        Ok(set) => {
            for (name, url) in set.urls() {
                crate::errln!("mock `{name}` at {url}");
            }
            Ok(Some(set))
        }
        Err(e) => Err(fail_with(exit::RUNTIME, e, style)),
    }
}

/// Resolves once `stop` is set.
async fn stopped(stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn watch_signals(stop: Arc<AtomicBool>, by_signal: Arc<AtomicBool>) {
    let never = std::future::pending::<()>();
    if crate::runtime::service::until_interrupted(never)
        .await
        .is_err()
    {
        by_signal.store(true, Ordering::Relaxed);
        stop.store(true, Ordering::Relaxed);
    }
}

/// What a scenario runs among: the mocks and the measured databases the service talks
/// to, and the gate's config (its limits decide where the default ones apply).
#[derive(Clone, Copy)]
struct Around<'a> {
    mocks: Option<&'a MockSet>,
    dbs: Option<&'a Databases>,
    config: Option<&'a perfdsl_core::config::Config>,
}

/// A scenario's result, whether its smoke checks passed, and "the service died" message.
type ScenarioOutcome = (ScenarioResult, bool, Option<String>);

/// Runs one scenario.
async fn run_one(
    args: &RunArgs,
    sel: &Selected<'_>,
    prepared: Prepared,
    base: &str,
    stop: Arc<AtomicBool>,
    services: &mut Started,
    Around { mocks, dbs, config }: Around<'_>,
) -> Result<ScenarioOutcome, (u8, String)> {
    if let Some(m) = mocks {
        m.reset();
    }
    let sc = sel.scenario;
    // Reset SQL, then the statistics the per-iteration database work is measured from.
    let db_before = match dbs {
        Some(d) => Some(
            d.before_scenario()
                .await
                .map_err(|e| (exit::RUNTIME, e.to_string()))?,
        ),
        None => None,
    };
    let protocol = if args.http2 {
        Protocol::Http2
    } else {
        Protocol::Http1
    };
    let mut ep = endpoint(base, protocol).map_err(|e| (exit::INVALID_INPUT, e))?;
    ep.max_body = args.max_body;
    // Where the load goes, said before any of it; off loopback only when asked for: a
    // copied scenario must not load a real server by accident.
    crate::errln!("scenario `{}`: load to {base} ({})", sc.name, ep.addr);
    if !crate::urls::unmapped(ep.addr.ip()).is_loopback() && !args.allow_remote {
        return Err((
            exit::INVALID_INPUT,
            format!(
                "the target `{base}` resolves to {}, outside loopback: perfdsl loads 127.0.0.1 \
                 and ::1 only, unless `--allow-remote` is given; nothing was sent",
                ep.addr.ip()
            ),
        ));
    }
    let mut plan = ScenarioPlan::new(sc, prepared, ep);
    if args.smoke {
        plan.schedule = Schedule::iterations(1, 1);
        // A smoke failure shows the response's body, whatever the step reads of it.
        plan.steps.iter_mut().for_each(|sp| sp.keep_body = true);
    }
    let plan = Arc::new(plan);
    let opts = EngineOptions {
        threads: args.threads.unwrap_or(EngineOptions::default().threads),
        keep_failures: args.smoke,
        ..Default::default()
    };
    let live = Arc::new(Live::default());
    let done = Arc::new(AtomicBool::new(false));
    let mode = if args.smoke {
        ProgressMode::Quiet
    } else {
        ProgressMode::detect(args.quiet)
    };
    let progress = tokio::spawn(console::progress(
        mode,
        sc.name.clone(),
        live.clone(),
        plan.schedule.end,
        plan.schedule.warmup,
        plan.schedule.measured_rate(),
        done.clone(),
    ));
    let engine_stop = stop.clone();
    let (p2, o2, l2) = (plan.clone(), opts.clone(), live.clone());
    let mut work = tokio::task::spawn_blocking(move || engine::run(p2, &o2, engine_stop, l2));
    let died_stop = Arc::new(AtomicBool::new(false));
    let run = loop {
        tokio::select! {
            r = &mut work => break r.map_err(|e| (exit::RUNTIME, format!("the load engine failed: {e}")))?,
            _ = tokio::time::sleep(Duration::from_millis(200)) => {
                if !died_stop.load(Ordering::Relaxed) && services.values_mut().any(|(s, _)| s.exited().is_some()) {
                    died_stop.store(true, Ordering::Relaxed);
                    stop.store(true, Ordering::Relaxed);
                }
            }
        }
    };
    done.store(true, Ordering::Relaxed);
    let _ = progress.await;
    // Dead before the engine finished, or in the last moments between two checks.
    let dead = died_stop.load(Ordering::Relaxed)
        || services.values_mut().any(|(s, _)| s.exited().is_some());
    let died = dead.then(|| died_message(services));
    if died.is_some() {
        // The stop flag was ours, not the user's: later scenarios are skipped anyway.
        stop.store(true, Ordering::Relaxed);
    }
    let mut summary = ScenarioSummary::build(&sc.name, &run.recorder, &run.facts);
    let generator = generator_info(&run, &mut summary);
    summary.notes.extend(run.max_vus_note(&plan));
    if run.exhausted {
        summary.notes.push(format!(
            "a `unique` data feeder ran out of rows after {} iterations: the virtual users \
             stopped before the end of the load (give the file a row for every iteration, \
             or use `sequential`)",
            run.recorder.all_iterations
        ));
    }
    if let Some(d) = &died {
        // The first line without its `error: ` prefix and the colon announcing the log.
        let first = d.lines().next().unwrap_or("the service exited");
        let note = first.trim_start_matches("error: ").trim_end_matches(':');
        summary.notes.push(note.to_string());
    }
    let smoke_ok = if args.smoke {
        print_smoke(sel, &run.failures)
    } else {
        true
    };
    let expectations = mocks.map_or_else(Vec::new, |m| {
        upstream(m, sel, run.recorder.all_iterations, &mut summary)
    });
    if let (Some(d), Some(before)) = (dbs, &db_before) {
        database_work(
            d,
            before,
            sel.model,
            run.recorder.all_iterations,
            &mut summary,
        )
        .await;
    }
    let limits = if args.smoke {
        Vec::new()
    } else {
        let configured = config.map_or_else(Vec::new, |c| {
            crate::verdict::judge::config_limits(c, &summary)
        });
        limits::evaluate(sc, &summary, &configured)
    };
    // The notes may quote the service's log; the base URL may hold a secret.
    for n in &mut summary.notes {
        *n = crate::urls::scrub(n);
    }
    Ok((
        ScenarioResult {
            summary,
            target: crate::urls::scrub(base),
            limits,
            expectations,
            generator,
        },
        smoke_ok,
        died,
    ))
}

/// `mock NAME received no call: …`: where the service's calls went instead, when the
/// proxy saw calls for a host that looks meant for this mock (a label of it names the
/// mock); else the variables that point a service at it.
fn no_call_note(mock: &str, when: &str, unrouted: &Unrouted) -> String {
    let name = mock.to_ascii_lowercase();
    let meant = |h: &&String| {
        h.split([':', ' '])
            .next()
            .unwrap_or(h)
            .split('.')
            .any(|label| label.contains(&name))
    };
    let hosts: Vec<String> = unrouted
        .hosts
        .keys()
        .filter(meant)
        .map(|h| format!("`{h}`"))
        .collect();
    let tunnels: Vec<String> = unrouted
        .tunnels
        .keys()
        .filter(meant)
        .map(|h| format!("`{h}`"))
        .collect();
    if !hosts.is_empty() {
        return format!(
            "mock `{mock}` received no call{when}: the service called {} through the proxy, which no mock answers for (declare it in the mock with `host`)",
            hosts.join(", ")
        );
    }
    if !tunnels.is_empty() {
        return format!(
            "mock `{mock}` received no call{when}: the service called {} over HTTPS, which the proxy cannot intercept (give it an `http://` base URL)",
            tunnels.join(", ")
        );
    }
    format!(
        "mock `{mock}` received no call{when}: was the service pointed at it (MOCK_SERVICES, {}_URL)?",
        mock.to_ascii_uppercase().replace('-', "_")
    )
}

/// What the proxy could not route during the scenario: a note per kind, naming each host.
fn unrouted_notes(unrouted: &Unrouted) -> Vec<String> {
    let list = |m: &std::collections::BTreeMap<String, u64>| {
        m.iter()
            .map(|(h, n)| format!("`{h}` ({n} request{})", if *n == 1 { "" } else { "s" }))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = Vec::new();
    if !unrouted.hosts.is_empty() {
        out.push(format!(
            "the mock proxy answered 502 for hosts no mock answers for: {}; declare a host in its mock with `host \"NAME\"`",
            list(&unrouted.hosts)
        ));
    }
    if !unrouted.tunnels.is_empty() {
        out.push(format!(
            "the mock proxy refused HTTPS tunnels (CONNECT) to {}: mocks speak plain HTTP; give the service an `http://` base URL for them",
            list(&unrouted.tunnels)
        ));
    }
    out
}

/// Whether the scenario (or one of its steps) limits a metric of `mock`.
fn limits_mention(sc: &Scenario, mock: &str) -> bool {
    let prefix = format!("upstream.{mock}.");
    sc.limits
        .iter()
        .chain(sc.steps.iter().flat_map(|s| s.limits.iter()))
        .any(|l| l.metric.starts_with(&prefix))
}

/// Warns about mocks that no scenario of the run called: the service was most likely
/// never pointed at them.
fn warn_uncalled_mocks(set: &MockSet, results: &Results) {
    for snap in set.snapshots() {
        let key = format!("upstream.{}.calls", snap.mock);
        let measured: Vec<f64> = results
            .scenarios
            .iter()
            .filter_map(|s| s.summary.metrics.get(&key).copied())
            .collect();
        if !measured.is_empty() && measured.iter().all(|c| *c == 0.0) {
            crate::errln!(
                "warning: {}",
                no_call_note(
                    &snap.mock,
                    " in any scenario of this run",
                    &Unrouted::default()
                )
            );
        }
    }
}

/// Connects to every database of the checked files and runs their setup SQL; exit 3
/// when one cannot be reached or its setup fails.
async fn connect_databases(checked: &[Checked], style: Style) -> Result<Option<Databases>, u8> {
    let mut specs = Vec::new();
    for c in checked {
        for d in &c.model.databases {
            let spec =
                DatabaseSpec::resolve(d, c).map_err(|e| fail_with(exit::RUNTIME, e, style))?;
            specs.push(spec);
        }
    }
    if specs.is_empty() {
        return Ok(None);
    }
    Databases::connect(specs)
        .await
        .map(Some)
        .map_err(|e| fail_with(exit::RUNTIME, e, style))
}

/// Adds the `db.<name>.*_per_iteration` metrics of the scenario's databases. Every
/// iteration counts, warm-up included: the statistics were read before the warm-up.
async fn database_work(
    dbs: &Databases,
    before: &crate::runtime::database::DbSnapshot,
    model: &Model,
    iterations: u64,
    summary: &mut ScenarioSummary,
) {
    match dbs.after_scenario(before, iterations).await {
        Ok(works) => {
            for w in works {
                if model.databases.iter().any(|d| d.name == w.database) {
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

/// Adds the `upstream.<mock>.*` metrics of the scenario's mocks, their warnings, and
/// checks their call expectations. The mocks count the warm-up's calls too, so the
/// per-iteration figures divide by every iteration, warm-up included: exact, since
/// every iteration runs to its end.
fn upstream(
    set: &MockSet,
    sel: &Selected<'_>,
    iterations: u64,
    summary: &mut ScenarioSummary,
) -> Vec<MockExpectation> {
    let mut out = Vec::new();
    let unrouted = set.unrouted();
    summary.notes.extend(unrouted_notes(&unrouted));
    for snap in set.snapshots() {
        if !sel.model.mocks.iter().any(|m| m.name == snap.mock) {
            continue;
        }
        summary.metrics.extend(snap.metrics(iterations));
        summary.notes.extend(snap.warnings());
        // A mock the scenario never called is not the scenario's business unless it
        // counts on it (a limit of its own on the mock's metrics): a browse scenario and
        // the payments mock. Where it does, say so, and judge the call expectations,
        // which a mock with no call may well break.
        let counts_on_it = limits_mention(sel.scenario, &snap.mock);
        if snap.calls == 0 {
            if !counts_on_it {
                continue;
            }
            summary.notes.push(no_call_note(&snap.mock, "", &unrouted));
        }
        out.extend(
            check_expectations(&snap, iterations)
                .into_iter()
                .map(|e| MockExpectation {
                    mock: e.mock,
                    route: e.route,
                    expectation: e.expectation,
                    actual: e.actual,
                    passed: e.passed,
                    message: e.message,
                }),
        );
    }
    out
}

fn died_message(services: &mut Started) -> String {
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
fn generator_info(run: &engine::ScenarioRun, summary: &mut ScenarioSummary) -> Generator {
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
fn print_smoke(sel: &Selected<'_>, failures: &[crate::runtime::vu::Failure]) -> bool {
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
            .map(|s| run_setup::location(sel.checked, s.origin))
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
fn print_hook_output(scenario: &str) {
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

fn write_json(path: &Path, results: &Results) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(results).map_err(std::io::Error::other)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}
