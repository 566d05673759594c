//! The time shape of a load: which virtual users are active when (closed models) and
//! when each iteration is due (open models). Pure arithmetic on offsets from the start of
//! the run, in seconds; the warm-up is a first segment at the level the first stage
//! starts from, and only what starts after it is measured.

use std::time::Duration;

use perfdsl_core::model::{ClosedStage, Load, LoadModel, OpenStage};

/// Longest an `iterations` load may run before it is stopped.
pub const ITERATIONS_MAX_DURATION: Duration = Duration::from_secs(600);

/// A linear piece of a load: `from` → `to` over `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Segment {
    start: f64,
    end: f64,
    from: f64,
    to: f64,
    /// Open models: arrivals before `start` (the integral of the rate so far).
    before: f64,
}

impl Segment {
    fn level_at(&self, t: f64) -> f64 {
        let len = self.end - self.start;
        if len <= 0.0 {
            return self.to;
        }
        self.from + (self.to - self.from) * ((t - self.start) / len).clamp(0.0, 1.0)
    }
    /// Arrivals in `[start, t)` for a rate segment.
    fn arrivals_until(&self, t: f64) -> f64 {
        let x = (t - self.start).clamp(0.0, self.end - self.start);
        let slope = self.slope();
        self.from * x + slope * x * x / 2.0
    }
    fn slope(&self) -> f64 {
        let len = self.end - self.start;
        if len <= 0.0 {
            0.0
        } else {
            (self.to - self.from) / len
        }
    }
}

/// What kind of schedule this is.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// Virtual users loop while active; the count follows the segments.
    Closed,
    /// A fixed number of iterations shared by `vus` virtual users.
    Iterations { iterations: u64 },
    /// Iterations start at the segments' rate; at most `max_vus` run at once.
    Open,
}

/// The complete time plan of one scenario's load.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub kind: Kind,
    /// Seconds of warm-up at the start (not measured).
    pub warmup: f64,
    /// End of the run in seconds (warm-up included); for `iterations`, the time limit.
    pub end: f64,
    /// Virtual users to start (closed: the most ever active; open: the cap).
    pub vus: u32,
    segments: Vec<Segment>,
}

/// The rule of [`default_max_vus`], as the docs and the run's notes state it.
pub const DEFAULT_MAX_VUS_RULE: &str = "twice the peak rate, at least 8, at most 1000";

/// Default cap of concurrent iterations for open models without `max_vus`: enough for
/// every iteration due in two seconds at the peak rate, within [8, 1000].
pub fn default_max_vus(peak_rate: f64) -> u32 {
    (peak_rate * 2.0).ceil().clamp(8.0, 1000.0) as u32
}

impl Schedule {
    pub fn new(load: &Load) -> Schedule {
        let warmup = load.warmup.as_secs_f64();
        match &load.model {
            LoadModel::Closed { stages } => closed(stages, warmup),
            LoadModel::Open { stages, max_vus } => open(stages, *max_vus, warmup),
        }
    }

    /// Open models: the highest rate of the schedule, per second.
    pub fn peak_rate(&self) -> f64 {
        self.segments
            .iter()
            .map(|s| s.from.max(s.to))
            .fold(0.0, f64::max)
    }

    /// `iterations` iterations shared by `vus` users (smoke runs use 1 and 1).
    pub fn iterations(iterations: u64, vus: u32) -> Schedule {
        Schedule {
            kind: Kind::Iterations { iterations },
            warmup: 0.0,
            end: ITERATIONS_MAX_DURATION.as_secs_f64(),
            vus,
            segments: Vec::new(),
        }
    }

    /// Closed models: how many virtual users should be active at `t`.
    pub fn vus_at(&self, t: f64) -> u32 {
        match self.kind {
            Kind::Iterations { .. } => self.vus,
            _ => self
                .segment_at(t)
                .map_or(0, |s| s.level_at(t).round().max(0.0) as u32),
        }
    }

    /// Closed models: the first time ≥ `t` at which virtual user `vu` (0-based) is active.
    pub fn next_active(&self, vu: u32, t: f64) -> Option<f64> {
        if matches!(self.kind, Kind::Iterations { .. }) {
            return (vu < self.vus && t < self.end).then_some(t);
        }
        let need = f64::from(vu) + 0.5; // level rounds to > vu from here
        for s in self.segments.iter().filter(|s| s.end > t) {
            let from_t = t.max(s.start);
            if s.level_at(from_t) >= need {
                return Some(from_t);
            }
            if s.to > s.from && s.to >= need {
                let x = (need - s.from) / (s.to - s.from) * (s.end - s.start);
                return Some((s.start + x).max(from_t));
            }
        }
        None
    }

    /// Open models: when iteration `i` (0-based, warm-up included) is due, or None if it
    /// falls after the end.
    pub fn due_time(&self, i: u64) -> Option<f64> {
        let want = i as f64;
        for s in &self.segments {
            let here = s.arrivals_until(s.end);
            if want < s.before + here {
                let c = want - s.before;
                // Solve from*x + slope*x²/2 = c for the smallest x ≥ 0, in a form that
                // stays exact when the slope is zero or negative.
                let (b, a) = (s.from, s.slope() / 2.0);
                let disc = (b * b + 4.0 * a * c).max(0.0);
                let denom = b + disc.sqrt();
                let x = if denom > 0.0 { 2.0 * c / denom } else { 0.0 };
                return Some(s.start + x);
            }
        }
        None
    }

    /// Open models: iterations due before `t`.
    pub fn due_before(&self, t: f64) -> u64 {
        let arrivals: f64 = self.segments.iter().find(|s| t < s.end).map_or_else(
            || {
                self.segments
                    .last()
                    .map_or(0.0, |s| s.before + s.arrivals_until(s.end))
            },
            |s| s.before + s.arrivals_until(t),
        );
        arrivals.ceil().max(0.0) as u64
    }

    /// Open models: the mean intended rate of the measured phase.
    pub fn measured_rate(&self) -> Option<f64> {
        if self.kind != Kind::Open || self.end <= self.warmup {
            return None;
        }
        let n = self.due_before(self.end) - self.due_before(self.warmup);
        Some(n as f64 / (self.end - self.warmup))
    }

    pub fn is_measured(&self, t: f64) -> bool {
        t >= self.warmup
    }

    fn segment_at(&self, t: f64) -> Option<&Segment> {
        self.segments.iter().find(|s| t >= s.start && t < s.end)
    }
}

/// Builds segments from (from, to, duration) pieces with a warm-up piece in front.
fn segments(pieces: &[(f64, f64, f64)], warmup: f64) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut t = 0.0;
    let mut before = 0.0;
    let first = pieces
        .first()
        .map_or(0.0, |p| if p.0 > 0.0 { p.0 } else { p.1 });
    let warm = (warmup > 0.0).then_some((first, first, warmup));
    for (from, to, len) in warm.into_iter().chain(pieces.iter().copied()) {
        let s = Segment {
            start: t,
            end: t + len,
            from,
            to,
            before,
        };
        before += s.arrivals_until(s.end);
        t += len;
        out.push(s);
    }
    out
}

fn closed(stages: &[ClosedStage], warmup: f64) -> Schedule {
    if let Some(ClosedStage::Iterations { iterations, vus }) = stages.first() {
        return Schedule::iterations(*iterations, *vus);
    }
    let pieces: Vec<(f64, f64, f64)> = stages
        .iter()
        .map(|s| match s {
            ClosedStage::Vus { vus, duration } => {
                (f64::from(*vus), f64::from(*vus), duration.as_secs_f64())
            }
            ClosedStage::Ramp { from, to, over } => {
                (f64::from(*from), f64::from(*to), over.as_secs_f64())
            }
            ClosedStage::Iterations { vus, .. } => (f64::from(*vus), f64::from(*vus), 0.0),
        })
        .collect();
    let segments = segments(&pieces, warmup);
    let vus = segments
        .iter()
        .map(|s| s.from.max(s.to))
        .fold(0.0, f64::max)
        .round() as u32;
    Schedule {
        kind: Kind::Closed,
        warmup,
        end: segments.last().map_or(0.0, |s| s.end),
        vus,
        segments,
    }
}

fn open(stages: &[OpenStage], max_vus: Option<u32>, warmup: f64) -> Schedule {
    let pieces: Vec<(f64, f64, f64)> = stages
        .iter()
        .map(|s| match s {
            OpenStage::Rate { rate, duration } => (*rate, *rate, duration.as_secs_f64()),
            OpenStage::Ramp { from, to, over } => (*from, *to, over.as_secs_f64()),
        })
        .collect();
    let segments = segments(&pieces, warmup);
    let peak = segments
        .iter()
        .map(|s| s.from.max(s.to))
        .fold(0.0, f64::max);
    Schedule {
        kind: Kind::Open,
        warmup,
        end: segments.last().map_or(0.0, |s| s.end),
        vus: max_vus.unwrap_or_else(|| default_max_vus(peak)),
        segments,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use perfdsl_core::model::Origin;

    fn load(model: LoadModel, warmup: u64) -> Load {
        Load {
            warmup: Duration::from_secs(warmup),
            model,
            origin: Origin::default(),
        }
    }
    /// The schedule of an open model after `warmup` seconds of warm-up.
    fn open(stages: Vec<OpenStage>, max_vus: Option<u32>, warmup: u64) -> Schedule {
        Schedule::new(&load(LoadModel::Open { stages, max_vus }, warmup))
    }
    /// The schedule of a closed model after `warmup` seconds of warm-up.
    fn closed(stages: Vec<ClosedStage>, warmup: u64) -> Schedule {
        Schedule::new(&load(LoadModel::Closed { stages }, warmup))
    }
    fn rate_for(rate: f64, secs_: u64) -> OpenStage {
        OpenStage::Rate {
            rate,
            duration: secs(secs_),
        }
    }
    fn ramp(from: f64, to: f64, over: u64) -> OpenStage {
        OpenStage::Ramp {
            from,
            to,
            over: secs(over),
        }
    }
    fn vus_for(vus: u32, secs_: u64) -> ClosedStage {
        ClosedStage::Vus {
            vus,
            duration: secs(secs_),
        }
    }
    fn iterations(iterations: u64, vus: u32) -> ClosedStage {
        ClosedStage::Iterations { iterations, vus }
    }
    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn constant_rate_is_evenly_spaced_and_counts_exactly() {
        let s = open(vec![rate_for(100.0, 10)], None, 2);
        assert_eq!(s.end, 12.0);
        assert_eq!(s.due_time(0), Some(0.0));
        assert!((s.due_time(150).unwrap() - 1.5).abs() < 1e-9);
        assert_eq!(s.due_before(12.0), 1200);
        assert_eq!(s.due_time(1200), None);
        assert_eq!(s.measured_rate(), Some(100.0));
        assert_eq!(s.vus, 200);
    }

    #[test]
    fn ramp_arrivals_follow_the_integral() {
        // 0 → 100/s over 10 s: 500 arrivals, the 125th at t = 5 s (A(t) = 5 t²).
        let s = open(vec![ramp(0.0, 100.0, 10)], Some(16), 0);
        assert_eq!(s.due_before(10.0), 500);
        assert!((s.due_time(125).unwrap() - 5.0).abs() < 1e-9);
        assert_eq!(s.vus, 16);
        // ramping down: 100 → 0 over 10 s also has 500 arrivals, the 375th at t = 5 s
        let s = open(vec![ramp(100.0, 0.0, 10)], None, 0);
        assert_eq!(s.due_before(10.0), 500);
        assert!((s.due_time(375).unwrap() - 5.0).abs() < 1e-9);
        let mut last = 0.0;
        for i in 0..500 {
            let t = s.due_time(i).unwrap();
            assert!(t >= last, "due times increase");
            last = t;
        }
    }

    #[test]
    fn closed_stages_and_ramps() {
        let s = closed(
            vec![
                ClosedStage::Ramp {
                    from: 0,
                    to: 10,
                    over: secs(10),
                },
                vus_for(4, 5),
            ],
            0,
        );
        assert_eq!(s.vus, 10);
        assert_eq!(s.end, 15.0);
        assert_eq!(s.vus_at(5.0), 5);
        assert_eq!(s.vus_at(12.0), 4);
        assert_eq!(s.vus_at(20.0), 0);
        // vu 4 (the fifth) is active once the ramp reaches 4.5: at 4.5 s.
        assert!((s.next_active(4, 0.0).unwrap() - 4.5).abs() < 1e-9);
        assert_eq!(s.next_active(2, 11.0), Some(11.0));
        assert_eq!(s.next_active(7, 11.0), None);
    }

    #[test]
    fn warmup_runs_at_the_first_level_and_is_not_measured() {
        let s = closed(vec![vus_for(8, 10)], 3);
        assert_eq!(s.vus_at(1.0), 8);
        assert!(!s.is_measured(2.9));
        assert!(s.is_measured(3.0));
        assert_eq!(s.end, 13.0);
    }

    #[test]
    fn iterations_have_a_time_limit() {
        let s = closed(vec![iterations(100, 4)], 0);
        assert_eq!(s.kind, Kind::Iterations { iterations: 100 });
        assert_eq!(s.vus, 4);
        assert_eq!(s.next_active(3, 1.0), Some(1.0));
        assert_eq!(s.next_active(4, 1.0), None);
        assert_eq!(s.end, 600.0);
    }
}
