//! What a mock makes worse on purpose: latency drawn from its distribution (checked on the
//! sampler with a seeded generator, and loosely on the server), and faults at their rate,
//! repeatable with the seed.

use super::*;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn samples(d: &Distribution, n: usize, seed: u64) -> Vec<f64> {
    let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);
    (0..n)
        .map(|_| ms(perfdsl::eval::dist::sample_duration(d, &mut rng)))
        .collect()
}

#[test]
fn each_distribution_has_its_configured_shape() {
    let d = |ms: u64| Duration::from_millis(ms);
    let fixed = samples(&Distribution::Fixed { value: d(25) }, 1000, 1);
    assert!(fixed.iter().all(|x| (*x - 25.0).abs() < 1e-9));

    let u = samples(
        &Distribution::Uniform {
            min: d(10),
            max: d(30),
        },
        50_000,
        2,
    );
    assert!(u.iter().all(|x| (10.0..=30.0).contains(x)));
    assert!((quantile(u.clone(), 0.5) - 20.0).abs() < 0.3);
    assert!((quantile(u, 0.99) - 29.8).abs() < 0.3);

    // Normal(50, 5): p50 = 50, p99 = 50 + 2.326 * 5 = 61.6.
    let n = samples(
        &Distribution::Normal {
            mean: d(50),
            sd: d(5),
        },
        50_000,
        3,
    );
    assert!((quantile(n.clone(), 0.5) - 50.0).abs() < 0.3);
    assert!((quantile(n, 0.99) - 61.63).abs() < 0.6);

    let ln = samples(
        &Distribution::LogNormal {
            p50: d(20),
            p99: d(80),
        },
        50_000,
        4,
    );
    assert!((quantile(ln.clone(), 0.5) - 20.0).abs() < 0.5);
    assert!((quantile(ln, 0.99) - 80.0).abs() < 4.0);

    // The same seed draws the same durations.
    let ln = Distribution::LogNormal {
        p50: d(20),
        p99: d(80),
    };
    assert_eq!(samples(&ln, 100, 9), samples(&ln, 100, 9));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mock_applies_its_latency_and_a_route_overrides_it() {
    let m = start(
        r#"
mock slow {
  latency lognormal(p50: 20ms, p99: 60ms)
  seed 5
  on GET /mock { text "m" }
  on GET /route {
    latency 5ms
    text "r"
  }
}
"#,
    )
    .await;
    // 20 concurrent clients x 10 calls: the waits overlap, so this takes well under a second.
    let addr = m.addr();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            tokio::spawn(async move {
                let mut c = Client::new(addr);
                let mut out = Vec::new();
                for _ in 0..10 {
                    let t = Instant::now();
                    c.get("/mock").await.expect("reply");
                    out.push(ms(t.elapsed()));
                }
                out
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    let (p50, p99) = (quantile(all.clone(), 0.5), quantile(all, 0.99));
    assert!((17.0..35.0).contains(&p50), "observed p50 {p50:.1}ms");
    assert!((40.0..150.0).contains(&p99), "observed p99 {p99:.1}ms");
    let snap = m.snapshot();
    let sampled = snap.latency_sampled.quantile(0.5) as f64 / 1000.0;
    let applied = snap.latency_applied.quantile(0.5) as f64 / 1000.0;
    assert!((15.0..26.0).contains(&sampled), "sampled p50 {sampled}");
    assert!(
        applied >= sampled - 0.1 && applied < sampled + 10.0,
        "{applied} vs {sampled}"
    );

    let mut c = Client::new(addr);
    let t = Instant::now();
    for _ in 0..10 {
        c.get("/route").await.expect("reply");
    }
    let per = ms(t.elapsed()) / 10.0;
    assert!((4.5..20.0).contains(&per), "route latency {per:.1}ms");
}

// ------------------------------------------------------------------ faults

const FAULTY: &str = r#"
mock flaky {
  fail 10% with 503
  seed 7
  on GET /x { text "ok" }
  on GET /own {
    fail 50% with 429 retry_after 1500ms
    text "ok"
  }
}
"#;

async fn failing_calls(m: &perfdsl::mock::RunningMock, path: &str, n: usize) -> Vec<usize> {
    let mut c = Client::new(m.addr());
    let mut failed = Vec::new();
    for i in 0..n {
        let r = c.get(path).await.expect("reply");
        if r.status != 200 {
            failed.push(i);
        }
    }
    failed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_hit_their_rate_and_repeat_with_the_seed() {
    let m = start(FAULTY).await;
    let failed = failing_calls(&m, "/x", 2000).await;
    let rate = failed.len() as f64 / 2000.0;
    assert!((0.07..=0.13).contains(&rate), "fault rate {rate}");
    assert_eq!(m.snapshot().faults.status, failed.len() as u64);
    let mut c = Client::new(m.addr());
    let r = loop {
        let r = c.get("/x").await.expect("reply");
        if r.status == 503 {
            break r;
        }
    };
    assert_eq!(r.body, r#"{"error":"injected fault"}"#);

    let again = start(FAULTY).await;
    assert_eq!(
        failing_calls(&again, "/x", 2000).await,
        failed,
        "same seed, same faults"
    );
    let other = MockServer::start(
        &one(&FAULTY.replace("seed 7", "seed 8")),
        &MockOptions::default(),
    )
    .await
    .expect("starts");
    assert_ne!(failing_calls(&other, "/x", 2000).await, failed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_route_fault_replaces_the_mock_faults_and_429_says_when_to_retry() {
    let m = start(FAULTY).await;
    let mut c = Client::new(m.addr());
    let mut statuses = HashMap::new();
    for _ in 0..400 {
        let r = c.get("/own").await.expect("reply");
        *statuses.entry(r.status).or_insert(0) += 1;
        if r.status == 429 {
            assert_eq!(r.headers["retry-after"], "2", "1500ms rounds up to 2s");
        }
    }
    assert_eq!(
        statuses.get(&503),
        None,
        "the mock's 503s do not apply: {statuses:?}"
    );
    let n429 = statuses[&429];
    assert!((140..=260).contains(&n429), "{statuses:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_fault_closes_the_connection_without_an_answer() {
    let m = start("mock r {\n  on GET /x {\n    fail 100% with reset\n  }\n}\n").await;
    let mut c = Client::new(m.addr());
    let err = c.get("/x").await.expect_err("no answer");
    assert_ne!(err, "timed out");
    let text = raw(m.addr(), "GET /x HTTP/1.1\r\nHost: r\r\n\r\n").await;
    assert_eq!(text, "", "nothing is written before the close");
    assert_eq!(m.snapshot().faults.reset, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hang_outlasts_the_client_and_ends_with_its_connection() {
    let m = start("mock h {\n  on GET /x {\n    fail 100% with hang\n  }\n}\n").await;
    let addr = m.addr();
    let call = async move { Client::new(addr).get("/x").await };
    let r = tokio::time::timeout(Duration::from_millis(500), call).await;
    assert!(r.is_err(), "the client times out: {r:?}");
    // The client (its connection) is gone: the hanging call ends with it.
    let deadline = Instant::now() + Duration::from_secs(5);
    while m.in_flight() > 0 {
        assert!(
            Instant::now() < deadline,
            "the hang outlived its connection"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(m.snapshot().faults.hang, 1);
}
