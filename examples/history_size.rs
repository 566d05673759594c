//! How big `perf_history.json` gets: 1 000 recorded runs of 10 scenarios, each record shaped
//! like a real run of the shop's `checkout` scenario (59 scenario metrics, 3 steps of 35,
//! two latency histograms), compacted with the default retention and with `max_runs` 1000.
//!
//! `cargo run --release --example history_size`

use std::collections::BTreeMap;
use std::time::Instant;

use perfdsl::history::{HistoryStore, JsonStore, Record, Retention, RunMeta};
use perfdsl::metrics::Hist;
use perfdsl::metrics::{rfc3339, Runner};
use perfdsl_core::config::HistoryConfig;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

const RUNS: usize = 1000;
const SCENARIOS: [&str; 10] = [
    "browse",
    "checkout",
    "search",
    "login",
    "cart",
    "orders",
    "admin_report",
    "inventory_sync",
    "refund",
    "recommendations",
];
const STEPS: [&str; 3] = ["products", "order", "confirm"];
const QUANTILES: [(&str, f64); 6] = [
    ("p50", 0.5),
    ("p90", 0.9),
    ("p95", 0.95),
    ("p99", 0.99),
    ("p999", 0.999),
    ("max", 1.0),
];

/// Latencies (µs) of one scenario run: log-normal around `median_us`, 2 000 requests.
fn latencies(rng: &mut SmallRng, median_us: f64) -> Hist {
    let mut hist = Hist::new();
    for _ in 0..2000 {
        // Box-Muller: a standard normal from two uniforms.
        let (u, v): (f64, f64) = (rng.random::<f64>().max(1e-12), rng.random());
        let normal = (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos();
        hist.record((median_us * (0.9 * normal).exp()).max(50.0) as u64);
    }
    hist
}

/// The latency metrics of a histogram under `prefix`, as the summary names them.
fn latency_metrics(prefix: &str, hist: &Hist, into: &mut BTreeMap<String, f64>) {
    for (name, q) in QUANTILES {
        into.insert(format!("{prefix}.{name}"), hist.quantile(q) as f64 / 1000.0);
    }
    into.insert(format!("{prefix}.min"), hist.min() as f64 / 1000.0);
    into.insert(format!("{prefix}.mean"), hist.mean() / 1000.0);
    into.insert(format!("{prefix}.stdev"), hist.stdev() / 1000.0);
}

/// Request/response sizes, errors and throughput (shared by scenarios and steps).
fn traffic_metrics(rng: &mut SmallRng, requests: f64, into: &mut BTreeMap<String, f64>) {
    let errors = f64::from(rng.random_range(0..6u32));
    let body = f64::from(rng.random_range(100..500u32));
    let values = [
        ("requests", requests),
        ("throughput.rps", requests / 20.0),
        ("error_rate", errors / requests),
        ("errors.status", errors),
        ("errors.expect", 0.0),
        ("errors.timeout", 0.0),
        ("errors.connect", 0.0),
        ("errors.hook", 0.0),
        ("errors.total", errors),
        ("request_bytes.p50", 0.0),
        ("request_bytes.p95", 53.0),
        ("request_bytes.max", 53.0),
        ("request_bytes.total", 53.0 * requests / 2.0),
        ("response_bytes.p50", 147.0),
        ("response_bytes.p95", body),
        ("response_bytes.max", body),
        ("response_bytes.total", (body * requests * 0.66).round()),
    ];
    into.extend(values.map(|(k, v)| (k.to_string(), v)));
}

fn record(rng: &mut SmallRng, meta: &RunMeta, scenario: &str, base_us: f64) -> Record {
    let mut metrics = BTreeMap::new();
    let corrected = latencies(rng, base_us);
    let uncorrected = latencies(rng, base_us * 0.95);
    latency_metrics("latency", &corrected, &mut metrics);
    latency_metrics("latency_uncorrected", &uncorrected, &mut metrics);
    traffic_metrics(rng, 2000.0, &mut metrics);
    let calls = f64::from(rng.random_range(1140..1160u32));
    let extra = [
        ("iterations", 1000.0),
        ("dropped_iterations", 0.0),
        ("failed_iterations", 0.0),
        ("throughput.iterations_per_s", 50.0),
        ("throughput.target_iterations_per_s", 50.0),
        (
            "schedule_lag.p50",
            f64::from(rng.random_range(500..1000u32)) / 1000.0,
        ),
        ("schedule_lag.p95", 1.466),
        ("schedule_lag.p99", 1.551),
        ("schedule_lag.max", 3.683),
        ("upstream.payments.calls", calls),
        ("upstream.payments.calls_per_iteration", calls / 1150.0),
        ("upstream.payments.unmatched", 0.0),
        ("upstream.inventory.calls", 1150.0),
        ("upstream.inventory.calls_per_iteration", 1.0),
        ("upstream.inventory.unmatched", 0.0),
    ];
    metrics.extend(extra.map(|(k, v)| (k.to_string(), v)));
    for stat in ["count", "sum", "min", "max", "mean", "p50", "p95", "p99"] {
        metrics.insert(format!("big_orders.{stat}"), 1.0);
    }
    metrics.insert("big_orders.per_iteration".into(), 0.995);
    let mut steps = BTreeMap::new();
    for step in STEPS {
        let mut m = BTreeMap::new();
        latency_metrics("latency", &latencies(rng, base_us * 0.6), &mut m);
        latency_metrics(
            "latency_uncorrected",
            &latencies(rng, base_us * 0.55),
            &mut m,
        );
        traffic_metrics(rng, 1000.0, &mut m);
        steps.insert(step.to_string(), m);
    }
    Record {
        meta: meta.clone(),
        scenario: scenario.to_string(),
        measured_secs: 20.0,
        metrics,
        steps,
        histograms: BTreeMap::from([
            ("latency".to_string(), corrected.to_base64()),
            ("latency_uncorrected".to_string(), uncorrected.to_base64()),
        ]),
    }
}

fn all_records() -> Vec<Record> {
    let mut rng = SmallRng::seed_from_u64(5);
    let runner = Runner {
        cpu_model: "AMD EPYC 7763 64-Core Processor".into(),
        cores: 4,
        os: "linux/x86_64".into(),
    };
    let mut records = Vec::with_capacity(RUNS * SCENARIOS.len());
    for run in 0..RUNS {
        let meta = RunMeta {
            commit: format!("{:032x}{:08x}", rng.random::<u128>(), rng.random::<u32>()),
            branch: Some("main".into()),
            recorded_at: rfc3339(1_795_000_000 + run as u64 * 3600),
            perfdsl: "0.1.0".into(),
            runner: runner.clone(),
        };
        for (i, scenario) in SCENARIOS.iter().enumerate() {
            records.push(record(&mut rng, &meta, scenario, 5000.0 + 900.0 * i as f64));
        }
    }
    records
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let records = all_records();
    let dir = tempfile::tempdir()?;
    let default = Retention::from(&HistoryConfig::default());
    println!(
        "{RUNS} runs x {} scenarios; one full record (histograms included) is {} bytes",
        SCENARIOS.len(),
        serde_json::to_string_pretty(&records[records.len() - 1])?.len()
    );
    for retention in [
        default,
        Retention {
            max_runs: 1000,
            ..default
        },
    ] {
        let path = dir
            .path()
            .join(format!("history_{}.json", retention.max_runs));
        let store = JsonStore::new(&path);
        store.record(&records, retention)?;
        let kept = store.records()?.len();
        println!(
            "max_runs {:>4}, histogram_runs {}: {kept:>5} records, {}",
            retention.max_runs,
            retention.histogram_runs,
            megabytes(std::fs::metadata(&path)?.len())
        );
    }
    // What keeping every step metric of every old record would cost.
    let mut full = records[records.len() - default.max_runs * SCENARIOS.len()..].to_vec();
    for r in &mut full {
        r.histograms.clear();
    }
    let full_size = serde_json::to_vec_pretty(&full)?.len() as u64;
    println!(
        "max_runs {:>4} without trimming old step metrics: {}",
        default.max_runs,
        megabytes(full_size)
    );
    // The cost of one more run recorded into the default-retention file.
    let store = JsonStore::new(
        dir.path()
            .join(format!("history_{}.json", default.max_runs)),
    );
    let mut rng = SmallRng::seed_from_u64(6);
    let meta = RunMeta::detect(Some("next"), Some("main"));
    let next: Vec<Record> = SCENARIOS
        .iter()
        .map(|s| record(&mut rng, &meta, s, 5000.0))
        .collect();
    let started = Instant::now();
    store.record(&next, default)?;
    println!(
        "recording one more run (read, compact, write, fsync): {:.0} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    Ok(())
}
