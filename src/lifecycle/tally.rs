//! How a run is going: its exit code so far, failed smoke checks, and why its results
//! are incomplete.

use crate::exit;
use crate::metrics::Results;

/// How the run is going: its exit code so far, failed smoke checks, and why its results
/// are incomplete.
#[derive(Default)]
pub(super) struct Tally {
    pub(super) code: u8,
    pub(super) smoke_failed: bool,
    pub(super) incomplete: Vec<String>,
}

impl Tally {
    /// The run's exit code once everything is stopped: 3 when a signal stopped it, 1 when
    /// a smoke check or a limit failed.
    pub(super) fn exit_code(&self, interrupted: bool, results: &Results) -> u8 {
        if interrupted {
            if results.scenarios.is_empty() {
                crate::errln!("interrupted: the service was stopped; no scenario had run");
            } else {
                crate::errln!("interrupted: the service was stopped; results so far are above");
            }
            return exit::RUNTIME;
        }
        if self.code == exit::OK && (self.smoke_failed || !results.limits_passed()) {
            return exit::FAILED;
        }
        self.code
    }
}
