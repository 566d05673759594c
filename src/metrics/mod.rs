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

/// Records `values` into two recorders (`first` says which) and all of them into a third;
/// returns the two merged and the third, which must be equal.
#[cfg(test)]
fn merged_and_whole<T: Default>(
    values: impl Iterator<Item = u64>,
    first: impl Fn(u64) -> bool,
    record: impl Fn(&mut T, u64),
    merge: impl Fn(&mut T, &T),
) -> (T, T) {
    let (mut a, mut b, mut all) = (T::default(), T::default(), T::default());
    for (i, x) in values.enumerate() {
        record(if first(i as u64) { &mut a } else { &mut b }, x);
        record(&mut all, x);
    }
    merge(&mut a, &b);
    (a, all)
}
