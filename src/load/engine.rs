//! The load engine: one OS thread per worker, each with its own single-threaded tokio
//! runtime, its virtual users and its own recorder, so nothing on the hot path is shared
//! or locked. One virtual-user loop serves every load model; the schedule decides when
//! each iteration starts. Recorders are merged when all workers are done.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::SeedableRng;

use super::plan::ScenarioPlan;
use super::schedule::Kind;
use super::vu::Vu;
use super::worker::{Failure, Live, RecorderCell, WorkerResult};
use crate::metrics::summary::RunFacts;
use crate::metrics::usage::cpu_seconds;
use crate::metrics::{Hist, Recorder};
use perfdsl_core::model::LoadModel;

/// How to run.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Worker threads (each runs a share of the virtual users).
    pub threads: usize,
    /// Keep every failure's details (smoke mode).
    pub keep_failures: bool,
    /// Seed for think times, random feeders; each virtual user derives its own.
    pub seed: u64,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            threads: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
            keep_failures: false,
            seed: 0x5eed,
        }
    }
}

/// What a scenario run produced.
#[derive(Debug)]
pub struct ScenarioRun {
    pub recorder: Recorder,
    pub facts: RunFacts,
    pub failures: Vec<Failure>,
    /// How late idle virtual users woke for their scheduled start (the generator's own
    /// timer and CPU lag), microseconds.
    pub generator_lag: Hist,
    /// CPU seconds used by this process during the run.
    pub cpu_secs: f64,
    pub wall_secs: f64,
    /// Worker threads actually used (never more than the virtual users).
    pub threads: usize,
    /// The run was stopped early (Ctrl-C).
    pub interrupted: bool,
    /// Open models: measured iterations that started late because every one of the
    /// `max_vus` users was busy when they were due.
    pub late_starts: u64,
    /// A `unique` data feeder ran out of rows: virtual users stopped before the end of
    /// the schedule.
    pub exhausted: bool,
}

/// A start this much past its due time, taken by a user that was busy until then, means
/// no user was free: the `max_vus` cap bound.
const LATE_START_SECS: f64 = 0.010;

impl ScenarioRun {
    /// Open models: a note when the `max_vus` cap bound (iterations dropped or started
    /// late), naming the cap and where it came from, so that nobody wonders why.
    pub fn max_vus_note(&self, plan: &ScenarioPlan) -> Option<String> {
        let sched = &plan.schedule;
        let dropped = self.facts.dropped_iterations;
        if sched.kind != Kind::Open || (dropped == 0 && self.late_starts == 0) {
            return None;
        }
        let source = match &plan.scenario.load.model {
            LoadModel::Open { max_vus: None, .. } => format!(
                " (the default for a peak of {}: {})",
                perfdsl_core::units::show::rate(sched.peak_rate()),
                super::schedule::DEFAULT_MAX_VUS_RULE
            ),
            _ => String::new(),
        };
        let lag = self.recorder.schedule_lag.quantile(0.99) as f64 / 1000.0;
        let mut what = Vec::new();
        if dropped > 0 {
            what.push(format!("{dropped} iterations dropped"));
        }
        if self.late_starts > 0 {
            what.push(format!(
                "{} started late (schedule lag p99 {}, counted in the corrected latency)",
                self.late_starts,
                perfdsl_core::units::show::duration_ms(lag)
            ));
        }
        Some(format!(
            "max_vus {}{source} reached: every user was busy; {}; raise max_vus",
            sched.vus,
            what.join(", ")
        ))
    }
}

/// State shared by the workers (touched once per iteration, never per request).
struct Shared {
    start: Instant,
    ticket: AtomicU64,
    stop: Arc<AtomicBool>,
    live: Arc<Live>,
}

impl Shared {
    fn now(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }
}

/// Runs one scenario to the end of its schedule (or until `stop` is set).
pub fn run(
    plan: Arc<ScenarioPlan>,
    opts: &EngineOptions,
    stop: Arc<AtomicBool>,
    live: Arc<Live>,
) -> ScenarioRun {
    let threads = opts.threads.clamp(1, plan.schedule.vus.max(1) as usize);
    *live
        .latency
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = vec![Hist::new(); threads];
    let shared = Arc::new(Shared {
        start: Instant::now() + Duration::from_millis(10),
        ticket: AtomicU64::new(0),
        stop,
        live,
    });
    let cpu0 = cpu_seconds();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (plan, shared, opts) = (plan.clone(), shared.clone(), opts.clone());
            std::thread::Builder::new()
                .name(format!("perfdsl-worker-{t}"))
                .spawn(move || worker(t, threads, &plan, &shared, &opts))
        })
        .collect();
    let mut total = WorkerResult::default();
    for h in handles {
        if let Ok(Ok(r)) = h.map(std::thread::JoinHandle::join) {
            total.merge(r);
        }
    }
    let wall = shared.start.elapsed().as_secs_f64();
    let interrupted = shared.stop.load(Ordering::Relaxed);
    let facts = facts(&plan, wall, interrupted, total.started_measured);
    ScenarioRun {
        recorder: total.recorder,
        facts,
        failures: total.failures,
        generator_lag: total.generator_lag,
        cpu_secs: cpu_seconds() - cpu0,
        wall_secs: wall,
        threads,
        interrupted,
        late_starts: total.late_starts,
        exhausted: total.exhausted,
    }
}

/// The facts of a run the recorders do not hold: how long the measured phase was, the
/// model, and for an open model the iterations due that never started.
fn facts(plan: &ScenarioPlan, wall: f64, interrupted: bool, started_measured: u64) -> RunFacts {
    let sched = &plan.schedule;
    let measured_end = if interrupted || matches!(sched.kind, Kind::Iterations { .. }) {
        wall.min(sched.end)
    } else {
        sched.end
    };
    let open = sched.kind == Kind::Open;
    let due = if open {
        sched.due_before(measured_end)
            - sched
                .due_before(sched.warmup)
                .min(sched.due_before(measured_end))
    } else {
        0
    };
    RunFacts {
        measured_secs: (measured_end - sched.warmup).max(0.0),
        model: if open { "open" } else { "closed" }.into(),
        target_iterations_per_s: if open { sched.measured_rate() } else { None },
        dropped_iterations: due.saturating_sub(started_measured),
        step_names: plan.steps.iter().map(|s| s.step.name.clone()).collect(),
        iteration_hooks: plan.scenario.before_iteration.is_some()
            || plan.scenario.after_iteration.is_some(),
    }
}

fn worker(
    index: usize,
    threads: usize,
    plan: &Arc<ScenarioPlan>,
    shared: &Arc<Shared>,
    opts: &EngineOptions,
) -> WorkerResult {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return WorkerResult::default();
    };
    let local = tokio::task::LocalSet::new();
    let state = Rc::new(RefCell::new(WorkerResult {
        recorder: Recorder::new(plan.steps.len()),
        ..Default::default()
    }));
    let hard_end = hard_end(plan, shared.start);
    local.block_on(&rt, async {
        // Every model counts time from `start`: nothing may begin before it (an
        // `iterations` load would otherwise be measured over a negative time).
        tokio::time::sleep_until(shared.start.into()).await;
        let mut tasks = Vec::new();
        for k in (index..plan.schedule.vus as usize).step_by(threads) {
            let (plan, shared, state) = (plan.clone(), shared.clone(), state.clone());
            let rng =
                SmallRng::seed_from_u64(opts.seed ^ (k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let keep = opts.keep_failures;
            tasks.push(tokio::task::spawn_local(async move {
                vu_loop(k as u32, &plan, &shared, &state, rng, keep).await;
            }));
        }
        let ticker = tokio::task::spawn_local(publish_live(index, shared.clone(), state.clone()));
        let all = async {
            for t in tasks {
                let _ = t.await;
            }
        };
        tokio::select! {
            () = all => {}
            () = tokio::time::sleep_until(hard_end.into()) => {}
            () = wait_stop(&shared.stop) => {}
        }
        ticker.abort();
    });
    drop(local);
    Rc::try_unwrap(state).map_or_else(
        |rc| {
            let mut r = rc.borrow_mut();
            std::mem::take(&mut *r)
        },
        RefCell::into_inner,
    )
}

/// When a worker stops waiting for its virtual users: the end of the schedule, plus the
/// longest request timeout and five seconds.
fn hard_end(plan: &ScenarioPlan, start: Instant) -> Instant {
    let grace = plan
        .steps
        .iter()
        .map(|s| s.step.timeout)
        .max()
        .unwrap_or_default()
        + Duration::from_secs(5);
    start + Duration::from_secs_f64(plan.schedule.end) + grace
}

async fn wait_stop(stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Copies this worker's latency histogram into the live figures twice a second.
async fn publish_live(index: usize, shared: Arc<Shared>, state: Rc<RefCell<WorkerResult>>) {
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut h = Hist::new();
        for s in &state.borrow().recorder.steps {
            h.merge(&s.latency);
        }
        if let Ok(mut slots) = shared.live.latency.lock() {
            if let Some(slot) = slots.get_mut(index) {
                *slot = h;
            }
        }
    }
}

/// When the next iteration of virtual user `k` starts: (intended time, lag), or None
/// when this user is done.
async fn next_start(
    k: u32,
    plan: &ScenarioPlan,
    shared: &Shared,
    state: &RefCell<WorkerResult>,
) -> Option<(f64, f64)> {
    let sched = &plan.schedule;
    loop {
        if shared.stop.load(Ordering::Relaxed) {
            return None;
        }
        let now = shared.now();
        match sched.kind {
            Kind::Closed => {
                let t = sched.next_active(k, now)?;
                if t >= sched.end {
                    return None;
                }
                if t > now {
                    sleep_until(shared, t).await;
                    continue;
                }
                return Some((now, 0.0));
            }
            Kind::Iterations { iterations } => {
                let i = shared.ticket.fetch_add(1, Ordering::Relaxed);
                return (i < iterations && now < sched.end).then_some((now, 0.0));
            }
            Kind::Open => {
                let i = shared.ticket.fetch_add(1, Ordering::Relaxed);
                let t = sched.due_time(i)?;
                if t >= sched.end || now >= sched.end {
                    return None;
                }
                if t > now {
                    sleep_until(shared, t).await;
                    let woke = shared.now();
                    if sched.is_measured(t) {
                        state
                            .borrow_mut()
                            .generator_lag
                            .record(((woke - t) * 1e6) as u64);
                    }
                    // An idle user that wakes late was held up by the generator's own
                    // timer, not by the service: not a lag to correct latency for (it
                    // counts in the generator's wake-up lag above).
                    return Some((t, 0.0));
                }
                if now - t > LATE_START_SECS && sched.is_measured(t) {
                    state.borrow_mut().late_starts += 1;
                }
                return Some((t, now - t));
            }
        }
    }
}

async fn sleep_until(shared: &Shared, t: f64) {
    tokio::time::sleep_until((shared.start + Duration::from_secs_f64(t)).into()).await;
}

/// The one virtual-user loop of every load model.
async fn vu_loop(
    k: u32,
    plan: &ScenarioPlan,
    shared: &Shared,
    state: &RefCell<WorkerResult>,
    rng: SmallRng,
    keep: bool,
) {
    let mut vu = Vu::new(u64::from(k) + 1, rng, plan);
    while let Some((intended, lag)) = next_start(k, plan, shared, state).await {
        let measured = plan.schedule.is_measured(intended);
        if measured {
            let mut s = state.borrow_mut();
            s.started_measured += 1;
            if plan.schedule.kind == Kind::Open {
                s.recorder.schedule_lag.record((lag * 1e6) as u64);
            }
        }
        let rec = RecorderCell(state, &shared.live);
        let out = vu
            .iteration(plan, &rec, Duration::from_secs_f64(lag), measured, keep)
            .await;
        if out.exhausted {
            state.borrow_mut().exhausted = true;
            break;
        }
        let mut s = state.borrow_mut();
        s.recorder.all_iterations += 1;
        if measured {
            s.recorder.iterations += 1;
            if out.failed {
                s.recorder.failed_iterations += 1;
            }
            if !out.unanswered {
                s.recorder.answered_iterations += 1;
                // The live figure counts what the summary's throughput counts.
                shared.live.iterations.fetch_add(1, Ordering::Relaxed);
            }
        }
        s.failures.extend(out.failures);
    }
}
