//! The per-worker recorder: one per load thread, owned by it (no lock, no atomics on the
//! hot path), merged into one after the run.

use std::collections::BTreeMap;

use super::{ErrorKind, Hist, Sizes};

/// One request's measurement.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sample {
    /// Request start → last body byte, plus the iteration's schedule lag (open models).
    pub latency_us: u64,
    /// Request start → last body byte, from the actual send time.
    pub uncorrected_us: u64,
    pub request_bytes: u64,
    pub response_bytes: u64,
    /// A response arrived (latency is meaningful).
    pub responded: bool,
    pub error: Option<ErrorKind>,
}

/// The first failure of a kind, kept as an example for the report.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorSample {
    pub kind: ErrorKind,
    pub message: String,
}

/// Everything measured for one step.
#[derive(Debug, Clone, Default)]
pub struct StepRecorder {
    pub latency: Hist,
    pub latency_uncorrected: Hist,
    /// Body sizes of every request sent.
    pub request_bytes: Sizes,
    /// Body sizes of every response received (requests without one have none).
    pub response_bytes: Sizes,
    pub requests: u64,
    /// Requests that got a response (whatever its status or checks).
    pub responses: u64,
    pub errors: [u64; ErrorKind::ALL.len()],
    pub samples: Vec<ErrorSample>,
}

/// How many error messages of each kind a step keeps (the report shows one).
const SAMPLES_PER_KIND: usize = 1;

impl StepRecorder {
    #[inline]
    pub fn record(&mut self, s: &Sample) {
        self.requests += 1;
        self.request_bytes.record(s.request_bytes);
        if s.responded {
            self.responses += 1;
            self.latency.record(s.latency_us.max(1));
            self.latency_uncorrected.record(s.uncorrected_us.max(1));
            self.response_bytes.record(s.response_bytes);
        }
        if let Some(k) = s.error {
            self.errors[k.index()] += 1;
        }
    }

    /// Keeps `message` as an example of `kind` unless one is already kept.
    pub fn sample_error(&mut self, kind: ErrorKind, message: impl FnOnce() -> String) {
        if self.samples.iter().filter(|s| s.kind == kind).count() < SAMPLES_PER_KIND {
            self.samples.push(ErrorSample {
                kind,
                message: message(),
            });
        }
    }

    pub fn error_total(&self) -> u64 {
        self.errors.iter().sum()
    }

    pub fn merge(&mut self, o: &StepRecorder) {
        self.latency.merge(&o.latency);
        self.latency_uncorrected.merge(&o.latency_uncorrected);
        self.request_bytes.merge(&o.request_bytes);
        self.response_bytes.merge(&o.response_bytes);
        self.requests += o.requests;
        self.responses += o.responses;
        for (a, b) in self.errors.iter_mut().zip(o.errors.iter()) {
            *a += *b;
        }
        for s in &o.samples {
            if self.samples.iter().filter(|x| x.kind == s.kind).count() < SAMPLES_PER_KIND {
                self.samples.push(s.clone());
            }
        }
    }
}

/// A custom metric emitted by hooks: values scaled by 1000 into a histogram, plus exact
/// count and sum.
#[derive(Debug, Clone, Default)]
pub struct CustomRecorder {
    pub hist: Hist,
    pub count: u64,
    pub sum: f64,
    pub min: f64,
    pub max: f64,
}

/// Custom values are kept with three decimals in the histogram.
pub const CUSTOM_SCALE: f64 = 1000.0;

impl CustomRecorder {
    pub fn record(&mut self, v: f64) {
        if !v.is_finite() {
            return;
        }
        super::widen(&mut self.min, &mut self.max, v, self.count == 0);
        self.count += 1;
        self.sum += v;
        self.hist.record((v.max(0.0) * CUSTOM_SCALE).round() as u64);
    }

    pub fn merge(&mut self, o: &CustomRecorder) {
        if o.count == 0 {
            return;
        }
        if self.count == 0 {
            self.min = o.min;
            self.max = o.max;
        } else {
            self.min = self.min.min(o.min);
            self.max = self.max.max(o.max);
        }
        self.count += o.count;
        self.sum += o.sum;
        self.hist.merge(&o.hist);
    }
}

/// All measurements of one worker for one scenario.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    pub steps: Vec<StepRecorder>,
    /// Iterations that ran to the end (whatever their errors).
    pub iterations: u64,
    /// Iterations with at least one error.
    pub failed_iterations: u64,
    /// Iterations whose every request got a response (throughput counts these).
    pub answered_iterations: u64,
    /// Every iteration that ran to the end, warm-up included (per-iteration upstream
    /// counts use it: the mocks count the warm-up's calls too).
    pub all_iterations: u64,
    /// Open models: how late iterations started compared with their intended time.
    pub schedule_lag: Hist,
    pub custom: BTreeMap<String, CustomRecorder>,
    /// Failures of `before`/`after iteration` hooks (they belong to no request).
    pub iteration_hook_errors: u64,
    /// The first such failure's message.
    pub iteration_hook_sample: Option<String>,
}

impl Recorder {
    pub fn new(steps: usize) -> Self {
        Recorder {
            steps: vec![StepRecorder::default(); steps],
            ..Default::default()
        }
    }

    #[inline]
    pub fn step(&mut self, i: usize) -> &mut StepRecorder {
        if i >= self.steps.len() {
            self.steps.resize_with(i + 1, StepRecorder::default);
        }
        &mut self.steps[i]
    }

    pub fn custom(&mut self, name: &str, v: f64) {
        match self.custom.get_mut(name) {
            Some(c) => c.record(v),
            None => {
                let mut c = CustomRecorder::default();
                c.record(v);
                self.custom.insert(name.to_string(), c);
            }
        }
    }

    pub fn merge(&mut self, o: &Recorder) {
        for (i, s) in o.steps.iter().enumerate() {
            self.step(i).merge(s);
        }
        self.iterations += o.iterations;
        self.failed_iterations += o.failed_iterations;
        self.answered_iterations += o.answered_iterations;
        self.all_iterations += o.all_iterations;
        self.schedule_lag.merge(&o.schedule_lag);
        self.iteration_hook_errors += o.iteration_hook_errors;
        if self.iteration_hook_sample.is_none() {
            self.iteration_hook_sample
                .clone_from(&o.iteration_hook_sample);
        }
        for (k, v) in &o.custom {
            self.custom.entry(k.clone()).or_default().merge(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(lat: u64, err: Option<ErrorKind>) -> Sample {
        Sample {
            latency_us: lat,
            uncorrected_us: lat / 2,
            request_bytes: 10,
            response_bytes: 100,
            responded: err != Some(ErrorKind::Timeout),
            error: err,
        }
    }

    #[test]
    fn records_counts_errors_and_skips_latency_without_response() {
        let mut r = Recorder::new(2);
        r.step(0).record(&sample(1000, None));
        r.step(0).record(&sample(3000, Some(ErrorKind::Status)));
        r.step(1).record(&sample(5000, Some(ErrorKind::Timeout)));
        assert_eq!(r.steps[0].requests, 2);
        assert_eq!(r.steps[0].latency.len(), 2);
        assert_eq!(r.steps[0].errors[ErrorKind::Status.index()], 1);
        assert_eq!(r.steps[1].latency.len(), 0, "a timeout has no latency");
        assert_eq!(r.steps[1].error_total(), 1);
    }

    #[test]
    fn merge_adds_everything_and_keeps_one_sample_per_kind() {
        let mut a = Recorder::new(1);
        let mut b = Recorder::new(1);
        a.step(0).record(&sample(10, None));
        a.step(0).sample_error(ErrorKind::Status, || "first".into());
        b.step(0).record(&sample(20, Some(ErrorKind::Status)));
        b.step(0)
            .sample_error(ErrorKind::Status, || "second".into());
        b.step(0).sample_error(ErrorKind::Hook, || "hook".into());
        b.iterations = 3;
        b.custom("big_orders", 2.5);
        a.merge(&b);
        assert_eq!(a.steps[0].requests, 2);
        assert_eq!(a.iterations, 3);
        let msgs: Vec<&str> = a.steps[0]
            .samples
            .iter()
            .map(|s| s.message.as_str())
            .collect();
        assert_eq!(msgs, vec!["first", "hook"]);
        let c = &a.custom["big_orders"];
        assert_eq!((c.count, c.sum, c.min, c.max), (1, 2.5, 2.5, 2.5));
        // 3 significant digits: the bucket holding 2500 reports its highest value.
        assert!((2500..=2502).contains(&c.hist.quantile(0.5)));
    }

    #[test]
    fn custom_metric_statistics_are_exact() {
        let mut c = CustomRecorder::default();
        for v in [3.0, -1.0, 10.0, f64::NAN] {
            c.record(v);
        }
        assert_eq!((c.count, c.sum, c.min, c.max), (3, 12.0, -1.0, 10.0));
    }
}
