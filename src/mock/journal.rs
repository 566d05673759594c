//! What a mock saw, as counters and histograms: bounded memory however long the run.
//! Counters are atomics; the histograms and the list of unmatched requests sit behind one
//! mutex taken once per request (a mock is not the generator's hot path).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::Duration;

use crate::metrics::hist::Hist;
use perfdsl_core::model::{CallExpect, Origin};
use perfdsl_core::units::show::duration_ms;

/// Distinct unmatched (method, path) pairs kept; later ones are only counted.
pub(super) const MAX_UNMATCHED: usize = 20;

/// Longest path kept for an unmatched request.
const MAX_PATH: usize = 200;

#[derive(Debug, Default)]
struct Timings {
    sampled: Hist,
    applied: Hist,
    queue: Hist,
    lateness: Hist,
    unmatched: Vec<UnmatchedRequest>,
    unmatched_other: u64,
}

/// The live journal of one mock.
#[derive(Debug)]
pub(crate) struct Journal {
    calls: AtomicU64,
    unmatched: AtomicU64,
    template_errors: AtomicU64,
    fault_status: AtomicU64,
    fault_reset: AtomicU64,
    fault_hang: AtomicU64,
    /// Matched calls per route since the last reset: also the route's call number
    /// (sequences, `{{ counter }}`).
    routes: Vec<AtomicU64>,
    timings: Mutex<Timings>,
}

/// Which fault a call got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FaultHit {
    Status,
    Reset,
    Hang,
}

impl Journal {
    pub(crate) fn new(routes: usize) -> Self {
        Journal {
            calls: AtomicU64::new(0),
            unmatched: AtomicU64::new(0),
            template_errors: AtomicU64::new(0),
            fault_status: AtomicU64::new(0),
            fault_reset: AtomicU64::new(0),
            fault_hang: AtomicU64::new(0),
            routes: (0..routes).map(|_| AtomicU64::new(0)).collect(),
            timings: Mutex::new(Timings::default()),
        }
    }

    /// Counts a request arriving; `queued` is the time it waited before the handler
    /// (known for the first request of a connection).
    pub(crate) fn arrived(&self, queued: Option<Duration>) {
        self.calls.fetch_add(1, Relaxed);
        if let Some(q) = queued {
            self.lock().queue.record(micros(q));
        }
    }

    /// Counts a matched call and returns its 1-based number for the route.
    pub(crate) fn matched(&self, route: usize) -> u64 {
        self.routes
            .get(route)
            .map_or(0, |c| c.fetch_add(1, Relaxed) + 1)
    }

    pub(crate) fn unmatched(&self, method: &str, path: &str) {
        self.unmatched.fetch_add(1, Relaxed);
        // Shown in reports: no secret-looking query value, and not too long.
        let mut shown = crate::urls::mask_query(path);
        if shown.len() > MAX_PATH {
            let cut = (0..=MAX_PATH).rev().find(|i| shown.is_char_boundary(*i));
            shown.truncate(cut.unwrap_or(0));
        }
        let mut t = self.lock();
        if let Some(u) = t
            .unmatched
            .iter_mut()
            .find(|u| u.method == method && u.path == shown)
        {
            u.count += 1;
        } else if t.unmatched.len() < MAX_UNMATCHED {
            t.unmatched.push(UnmatchedRequest {
                method: method.to_string(),
                path: shown,
                count: 1,
            });
        } else {
            t.unmatched_other += 1;
        }
    }

    pub(crate) fn template_error(&self) {
        self.template_errors.fetch_add(1, Relaxed);
    }

    pub(crate) fn fault(&self, hit: FaultHit) {
        let c = match hit {
            FaultHit::Status => &self.fault_status,
            FaultHit::Reset => &self.fault_reset,
            FaultHit::Hang => &self.fault_hang,
        };
        c.fetch_add(1, Relaxed);
    }

    /// Records the latency drawn for a call and the time the call actually took in the
    /// handler (`applied`); `lateness` is how late the timer woke up.
    pub(crate) fn timed(&self, sampled: Duration, applied: Duration, lateness: Duration) {
        let mut t = self.lock();
        t.sampled.record(micros(sampled));
        t.applied.record(micros(applied));
        t.lateness.record(micros(lateness));
    }

    /// Zeroes everything (route call numbers too: a new scenario starts at call 1).
    pub(crate) fn reset(&self) {
        let mut t = self.lock();
        for c in [
            &self.calls,
            &self.unmatched,
            &self.template_errors,
            &self.fault_status,
            &self.fault_reset,
            &self.fault_hang,
        ] {
            c.store(0, Relaxed);
        }
        self.routes.iter().for_each(|c| c.store(0, Relaxed));
        *t = Timings::default();
    }

    /// A copy of the counters; `routes` describes the routes (their `calls` are ignored).
    pub(crate) fn snapshot(
        &self,
        mock: &str,
        routes: &[RouteSnapshot],
        expects: &[CallExpect],
        origin: Origin,
    ) -> MockSnapshot {
        let t = self.lock();
        MockSnapshot {
            mock: mock.to_string(),
            calls: self.calls.load(Relaxed),
            unmatched: self.unmatched.load(Relaxed),
            template_errors: self.template_errors.load(Relaxed),
            faults: FaultCounts {
                status: self.fault_status.load(Relaxed),
                reset: self.fault_reset.load(Relaxed),
                hang: self.fault_hang.load(Relaxed),
            },
            routes: routes
                .iter()
                .zip(&self.routes)
                .map(|(r, calls)| RouteSnapshot {
                    calls: calls.load(Relaxed),
                    ..r.clone()
                })
                .collect(),
            unmatched_requests: t.unmatched.clone(),
            unmatched_other: t.unmatched_other,
            expects: expects.to_vec(),
            origin,
            latency_sampled: t.sampled.clone(),
            latency_applied: t.applied.clone(),
            queue: t.queue.clone(),
            lateness: t.lateness.clone(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Timings> {
        // A panic while holding the lock cannot leave the counters inconsistent.
        self.timings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// Calls that got each kind of injected fault.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultCounts {
    pub status: u64,
    pub reset: u64,
    pub hang: u64,
}

/// A request no route matched, with how often it came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmatchedRequest {
    pub method: String,
    pub path: String,
    pub count: u64,
}

/// One route's share of a snapshot.
#[derive(Debug, Clone)]
pub struct RouteSnapshot {
    /// `POST /v1/charges/:id`.
    pub route: String,
    /// Its number of `when` matchers (tells routes with the same path apart).
    pub conditions: usize,
    pub calls: u64,
    pub expects: Vec<CallExpect>,
}

/// The journal of one mock at one moment (since its last reset).
#[derive(Debug, Clone)]
pub struct MockSnapshot {
    pub mock: String,
    /// Every request received, matched or not.
    pub calls: u64,
    /// Requests no route matched (answered 404).
    pub unmatched: u64,
    /// Responses that could not be rendered (answered 500).
    pub template_errors: u64,
    pub faults: FaultCounts,
    /// In declaration order.
    pub routes: Vec<RouteSnapshot>,
    /// The first `MAX_UNMATCHED` distinct unmatched requests.
    pub unmatched_requests: Vec<UnmatchedRequest>,
    /// Unmatched requests beyond those.
    pub unmatched_other: u64,
    /// Mock-level `expect calls ...`.
    pub expects: Vec<CallExpect>,
    /// Where the mock is declared.
    pub origin: Origin,
    /// Latency drawn from the configured distributions, µs.
    pub latency_sampled: Hist,
    /// Time from the handler's start to the response, µs (the latency as applied).
    pub latency_applied: Hist,
    /// Accept to handler start for the first request of each connection, µs.
    pub queue: Hist,
    /// How late the latency timer fired, µs (high when the mock's runtime was busy).
    pub lateness: Hist,
}

/// A queueing delay or timer lateness above this at p99 means the mock was a bottleneck.
pub(super) const BOTTLENECK: Duration = Duration::from_millis(5);

impl MockSnapshot {
    /// Calls per iteration (None without iterations).
    pub fn calls_per_iteration(&self, iterations: u64) -> Option<f64> {
        (iterations > 0).then(|| self.calls as f64 / iterations as f64)
    }

    /// `upstream.<mock>.calls`, `.calls_per_iteration` (without iterations: absent) and
    /// `.unmatched`.
    pub fn metrics(&self, iterations: u64) -> Vec<(String, f64)> {
        let name = |m: &str| format!("upstream.{}.{m}", self.mock);
        let mut out = vec![(name("calls"), self.calls as f64)];
        if let Some(per) = self.calls_per_iteration(iterations) {
            out.push((name("calls_per_iteration"), per));
        }
        out.push((name("unmatched"), self.unmatched as f64));
        out
    }

    /// Warnings worth showing: unmatched calls, template errors, the mock being slow.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.unmatched > 0 {
            let list: Vec<String> = self
                .unmatched_requests
                .iter()
                .map(|u| format!("{} {} ({}×)", u.method, u.path, u.count))
                .collect();
            out.push(format!(
                "mock `{}`: {} call(s) matched no route: {}",
                self.mock,
                self.unmatched,
                list.join(", ")
            ));
        }
        if self.template_errors > 0 {
            out.push(format!(
                "mock `{}`: {} response(s) could not be rendered (answered 500)",
                self.mock, self.template_errors
            ));
        }
        let ms = |us: u64| duration_ms(us as f64 / 1000.0);
        let (q, late) = (self.queue.quantile(0.99), self.lateness.quantile(0.99));
        let limit = BOTTLENECK.as_micros() as u64;
        if q > limit || late > limit {
            out.push(format!(
                "mock `{}` may have been a bottleneck: p99 queueing {}, p99 timer lateness {}",
                self.mock,
                ms(q),
                ms(late)
            ));
        }
        out
    }

    /// The journal as text: calls per route, faults, unmatched requests, latency.
    pub fn render_text(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "mock `{}`: {} call(s), {} unmatched",
            self.mock, self.calls, self.unmatched
        );
        for r in &self.routes {
            let when = match r.conditions {
                0 => String::new(),
                1 => "  (1 condition)".to_string(),
                n => format!("  ({n} conditions)"),
            };
            let _ = writeln!(s, "  {:>8}  {}{when}", r.calls, r.route);
        }
        let f = self.faults;
        if f.status + f.reset + f.hang > 0 {
            let _ = writeln!(
                s,
                "  faults: {} status, {} reset, {} hang",
                f.status, f.reset, f.hang
            );
        }
        if self.template_errors > 0 {
            let _ = writeln!(s, "  template errors: {}", self.template_errors);
        }
        for u in &self.unmatched_requests {
            let _ = writeln!(s, "  unmatched {:>6}× {} {}", u.count, u.method, u.path);
        }
        if self.unmatched_other > 0 {
            let _ = writeln!(
                s,
                "  unmatched {:>6}× (other requests)",
                self.unmatched_other
            );
        }
        if !self.latency_applied.is_empty() {
            let ms = |h: &Hist, q: f64| duration_ms(h.quantile(q) as f64 / 1000.0);
            let _ = writeln!(
                s,
                "  latency configured p50 {} p99 {}; applied p50 {} p99 {}",
                ms(&self.latency_sampled, 0.5),
                ms(&self.latency_sampled, 0.99),
                ms(&self.latency_applied, 0.5),
                ms(&self.latency_applied, 0.99)
            );
        }
        s
    }
}

#[cfg(test)]
#[path = "journal_tests.rs"]
mod tests;
