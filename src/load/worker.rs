//! What a worker thread shares with its virtual users and with the progress display:
//! its recorder, the failures it keeps, and the live figures.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::metrics::{ErrorKind, Hist, Recorder};

/// Live figures for the progress display, written by the workers.
#[derive(Debug, Default)]
pub struct Live {
    pub requests: AtomicU64,
    pub errors: AtomicU64,
    pub iterations: AtomicU64,
    /// Latency of the measured requests so far, refreshed by each worker twice a second.
    pub latency: Mutex<Vec<Hist>>,
}

/// A failure seen in an iteration, with enough context to show it (smoke mode, reports).
#[derive(Debug, Clone)]
pub struct Failure {
    pub step: String,
    pub kind: ErrorKind,
    /// What was expected and what was found.
    pub message: String,
    /// The request line (`GET /products?limit=5`).
    pub request: String,
    /// Status and the first part of the body, when a response arrived.
    pub response: Option<String>,
}

/// What one worker hands back.
#[derive(Default)]
pub(super) struct WorkerResult {
    pub(super) recorder: Recorder,
    pub(super) failures: Vec<Failure>,
    pub(super) generator_lag: Hist,
    pub(super) started_measured: u64,
    pub(super) late_starts: u64,
    pub(super) exhausted: bool,
}

impl WorkerResult {
    /// Adds another worker's results to these.
    pub(super) fn merge(&mut self, r: WorkerResult) {
        self.recorder.merge(&r.recorder);
        self.failures.extend(r.failures);
        self.generator_lag.merge(&r.generator_lag);
        self.started_measured += r.started_measured;
        self.late_starts += r.late_starts;
        self.exhausted |= r.exhausted;
    }
}

/// Gives a virtual user short-lived access to its worker's recorder.
pub struct RecorderCell<'a>(pub(super) &'a RefCell<WorkerResult>, pub(super) &'a Live);

impl RecorderCell<'_> {
    pub fn with<R>(&self, f: impl FnOnce(&mut Recorder) -> R) -> R {
        f(&mut self.0.borrow_mut().recorder)
    }

    /// Counts a measured request in the live figures.
    pub fn live(&self, error: bool) {
        self.1.requests.fetch_add(1, Ordering::Relaxed);
        if error {
            self.1.errors.fetch_add(1, Ordering::Relaxed);
        }
    }
}
