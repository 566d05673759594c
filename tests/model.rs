//! Model snapshots: every valid fixture (`tests/fixtures/valid/*.perf`) and every scenario
//! file of the repository (`scenarios/*.perf`) validates without error, and its typed model
//! (defaults applied, names resolved) is compared with a committed JSON snapshot.

use std::path::{Path, PathBuf};
use std::time::Duration;

use perfdsl_core::diagnostics::{render, Style};
use perfdsl_core::frontend;
use perfdsl_core::model::{
    Body, CaptureSource, ClosedStage, Distribution, EnvValue, ExpectKind, LimitValue, LoadModel,
    Model, OpenStage, Port, Segment, Template,
};
use perfdsl_core::source::DiskFs;

fn at_crate_root() {
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).expect("crate root exists");
}

fn relative(path: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    path.strip_prefix(&root).unwrap_or(path).to_path_buf()
}

/// The model of a file that must be valid; its diagnostics otherwise.
fn model_of(path: &Path) -> Model {
    match frontend::check_path(&DiskFs, path) {
        Ok(checked) => checked.model,
        Err(reports) => {
            let text: Vec<String> = reports
                .iter()
                .map(|r| render(r, Style::plain(100)))
                .collect();
            panic!("{} is not valid:\n{}", path.display(), text.join("\n"));
        }
    }
}

#[test]
fn valid_fixtures() {
    at_crate_root();
    insta::glob!("fixtures/valid/*.perf", |path| {
        let model = model_of(&relative(path));
        insta::assert_json_snapshot!(model);
    });
}

#[test]
fn repository_scenarios() {
    at_crate_root();
    insta::glob!("../scenarios", "*.perf", |path| {
        let model = model_of(&relative(path));
        insta::assert_json_snapshot!(model);
    });
}

fn load(rel: &str) -> Model {
    at_crate_root();
    model_of(Path::new(rel))
}

#[test]
fn defaults_are_applied() {
    let m = load("tests/fixtures/valid/service.perf");
    let worker = &m.services[1];
    assert_eq!(worker.port, Port::Auto);
    assert_eq!(worker.grace, Duration::from_secs(5));
    assert_eq!(worker.ready.within, Duration::from_secs(30));
    assert_eq!(worker.ready.path, Template::text("/"));
    assert_eq!(
        serde_json::to_value(&worker.base_url).unwrap(),
        serde_json::json!(["http://127.0.0.1:", {"var": "port"}])
    );
    // A single `run` string is split on whitespace; variables stay inside their word.
    assert_eq!(worker.argv.len(), 8);
    assert_eq!(worker.argv[0], Template::text("cargo"));
    let shop = &m.services[0];
    assert_eq!(shop.argv.len(), 5);
    assert_eq!(shop.port, Port::Fixed(18080));
    assert!(matches!(
        &shop.env[0].value,
        EnvValue::Lookup { name, default: Some(_) } if name == "DATABASE_URL"
    ));
    let jobs = m.scenario("jobs").unwrap();
    assert_eq!(jobs.target.as_deref(), Some("worker"));
    assert_eq!(jobs.timeout, Duration::from_secs(10));
    assert_eq!(jobs.steps[0].timeout, Duration::from_secs(10));
    assert_eq!(jobs.load.warmup, Duration::ZERO);
    assert_eq!(m.summary(), "2 scenarios, 1 mock, 2 services, 2 databases");
}

#[test]
fn scenarios_are_typed() {
    let m = load("tests/fixtures/valid/closed_load.perf");
    let s = &m.scenarios[0];
    assert_eq!(s.target.as_deref(), Some("target"));
    assert_eq!(s.load.warmup, Duration::from_secs(10));
    let LoadModel::Closed { stages } = &s.load.model else {
        panic!("closed")
    };
    assert_eq!(
        stages[1],
        ClosedStage::Ramp {
            from: 5,
            to: 20,
            over: Duration::from_secs(60)
        }
    );
    assert_eq!(s.load.model.duration(), Some(Duration::from_secs(180)));
    assert_eq!(s.feeders[0].name, "row");
    let search = &s.steps[1];
    assert_eq!(search.timeout, Duration::from_secs(2));
    assert_eq!(s.steps[0].timeout, Duration::from_secs(5));
    assert!(matches!(s.steps[0].body, Some(Body::Form(_))));
    assert!(matches!(search.captures[1].source, CaptureSource::Regex(_)));
    assert!(matches!(
        search.expects.last().unwrap().what,
        ExpectKind::Duration { .. }
    ));
    assert_eq!(search.limits[0].step.as_deref(), Some("search"));
    let after = s.steps[2].after.as_ref().unwrap();
    assert_eq!(after.metrics, ["cart_size"]);
    assert_eq!(after.sets_vars, ["last_status"]);
    assert!(after.source.starts_with("vars[\"last_status\"]"));
    let value = |metric: &str| s.limits.iter().find(|l| l.metric == metric).unwrap().value;
    assert_eq!(value("error_rate"), LimitValue::Fraction(0.005));
    assert_eq!(value("throughput.rps"), LimitValue::Rate(50.0));
    assert_eq!(value("request_bytes.p95"), LimitValue::Bytes(4096));
    assert_eq!(
        value("response_bytes.total"),
        LimitValue::Bytes(500_000_000)
    );
    assert_eq!(
        value("latency.p99"),
        LimitValue::Duration(Duration::from_secs(1))
    );

    let m = load("tests/fixtures/valid/open_load.perf");
    let LoadModel::Open { stages, max_vus } = &m.scenarios[1].load.model else {
        panic!("open")
    };
    assert_eq!(*max_vus, Some(64));
    assert_eq!(
        stages[0],
        OpenStage::Rate {
            rate: 100.0,
            duration: Duration::from_secs(60)
        }
    );
}

#[test]
fn mocks_are_typed() {
    let m = load("tests/fixtures/valid/mocks.perf");
    let payments = m.mock("payments").unwrap();
    assert_eq!(payments.faults.len(), 4);
    assert_eq!(payments.faults[0].rate, 0.01);
    assert_eq!(payments.seed, Some(42));
    assert!(matches!(
        payments.latency,
        Some(Distribution::LogNormal { .. })
    ));
    let inventory = m.mock("inventory").unwrap();
    let reserve = &inventory.routes[0];
    assert_eq!(
        reserve.path,
        [
            Segment::Literal("v1".into()),
            Segment::Literal("reservations".into()),
            Segment::Param("sku".into())
        ]
    );
    assert_eq!(
        (reserve.calls[1].first, reserve.calls[1].last),
        (2, Some(3))
    );
    assert_eq!((reserve.calls[2].first, reserve.calls[2].last), (4, None));
    // A `call` block takes what it does not set from the route.
    let first = &reserve.calls[0].response;
    assert_eq!(first.status, 503);
    assert_eq!(first.body, reserve.response.body);
    assert!(matches!(first.latency, Some(Distribution::Fixed { .. })));
    let second = &reserve.calls[1].response;
    assert_eq!(second.status, 429);
    assert_eq!(second.body, reserve.response.body);
    assert_eq!(second.headers.len(), 1);
    assert_eq!(second.faults.len(), 1);
    assert_eq!(reserve.calls[2].response.faults, reserve.response.faults);
    assert_eq!(inventory.routes[1].path.last(), Some(&Segment::Wildcard));
    assert_eq!(inventory.routes[1].response.status, 200);
}

/// Equal meaning, different layout: equal models, equal serializations.
#[test]
fn layout_does_not_change_the_model() {
    let a = "target \"http://x:1\"\nscenario s {\n  load vus 2 for 1m30s\n  step a: GET / {\n    after rhai ```\n      let x = 1;\n        x += 1;\n    ```\n  }\n}\n";
    let b = "target \"http://x:1\" scenario s { load { vus 2 for 90s }\n step a: GET / { after rhai ```\nlet x = 1;\n  x += 1;\n``` } }";
    let ma = frontend::check_bytes("a.perf", a.as_bytes())
        .map_err(|_| "a")
        .unwrap()
        .model;
    let mb = frontend::check_bytes("b.perf", b.as_bytes())
        .map_err(|_| "b")
        .unwrap()
        .model;
    assert_eq!(ma, mb);
    assert_eq!(
        serde_json::to_value(&ma).unwrap(),
        serde_json::to_value(&mb).unwrap()
    );
    let c = b.replace("90s", "91s");
    let mc = frontend::check_bytes("c.perf", c.as_bytes())
        .map_err(|_| "c")
        .unwrap()
        .model;
    assert_ne!(ma, mc);
    assert_ne!(
        serde_json::to_value(&ma).unwrap(),
        serde_json::to_value(&mc).unwrap()
    );
}
