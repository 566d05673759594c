//! Measurement: per-worker recorders (HDR histograms and counters, no locks), merged at
//! the end of a scenario into a `ScenarioSummary` of named metric values, and the
//! results file (`Results`) that carries them with the machine that measured them.

pub mod hist;
pub mod recorder;
pub mod results;
mod runner;
pub mod sizes;
pub mod summary;
pub mod usage;

pub use hist::Hist;
pub use recorder::{Recorder, Sample, StepRecorder};
pub use results::{
    now_rfc3339, rfc3339, Generator, LimitResult, MockExpectation, Results, ScenarioResult,
};
pub use runner::Runner;
pub use sizes::Sizes;
pub use summary::{MetricValue, ScenarioSummary, StepSummary};

use serde::{Deserialize, Serialize};

/// Why a request (or its iteration) failed. Names are the `errors.<kind>` metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The response status was not the expected one (or ≥ 400 when nothing is expected).
    Status,
    /// An `expect` other than status failed, or a capture found nothing.
    Expect,
    /// No complete response within the request timeout.
    Timeout,
    /// The connection could not be made, or broke (including malformed responses).
    Connect,
    /// A hook raised an error, exceeded its limits, or called `fail()`.
    Hook,
    /// A body to keep for checks was larger than the cap (`--max-body`).
    BodyTooLarge,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 6] = [
        ErrorKind::Status,
        ErrorKind::Expect,
        ErrorKind::Timeout,
        ErrorKind::Connect,
        ErrorKind::Hook,
        ErrorKind::BodyTooLarge,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Status => "status",
            ErrorKind::Expect => "expect",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Connect => "connect",
            ErrorKind::Hook => "hook",
            ErrorKind::BodyTooLarge => "body_too_large",
        }
    }
}

/// Widens `[min, max]` to take in `v`; the first value (`first`) sets both.
#[inline]
pub(crate) fn widen<T: PartialOrd + Copy>(min: &mut T, max: &mut T, v: T, first: bool) {
    if first || v < *min {
        *min = v;
    }
    if first || v > *max {
        *max = v;
    }
}

/// A recorder whose merge the tests check against recording everything in one.
#[cfg(test)]
trait Mergeable: Default {
    fn add(&mut self, v: u64);
    fn merge_in(&mut self, other: &Self);
}

/// `Mergeable` for recorders whose own `record` and `merge` say it.
#[cfg(test)]
macro_rules! mergeable {
    ($($t:ty),*) => {$(
        impl Mergeable for $t {
            fn add(&mut self, v: u64) {
                self.record(v);
            }
            fn merge_in(&mut self, other: &Self) {
                self.merge(other);
            }
        }
    )*};
}
#[cfg(test)]
mergeable!(Hist, Sizes);

/// Records `value(i)` for `i` in `0..n` into two recorders (every `every`th into the
/// first) and all of them into a third; returns the two merged and the third, which must
/// be equal.
#[cfg(test)]
fn merged_and_whole<T: Mergeable>(n: u64, value: impl Fn(u64) -> u64, every: u64) -> (T, T) {
    let (mut a, mut b, mut all) = (T::default(), T::default(), T::default());
    for i in 0..n {
        let x = value(i);
        if i % every == 0 { &mut a } else { &mut b }.add(x);
        all.add(x);
    }
    a.merge_in(&b);
    (a, all)
}
