//! Mock servers end to end: real servers on free loopback ports, real HTTP clients (a
//! small hyper client, curl when present, raw sockets), and the `perfdsl mock` binary.
//!
//! Every request has a timeout and every loop a fixed count. Timing bounds are generous
//! (these tests share two cores with other builds); statistics are checked on the sampler
//! directly with a seeded generator, and on the server only loosely.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo};
use perfdsl::mock::{check_expectations, MockError, MockOptions, MockServer, MockSet, MockSpec};
use perfdsl_core::model::{Distribution, Mock};
use rand::SeedableRng;
use tokio::net::TcpStream;

mod support;
use support::Perfdsl;

const REQUEST_LIMIT: Duration = Duration::from_secs(10);

// ------------------------------------------------------------------ helpers

fn mocks(text: &str) -> Vec<Mock> {
    match perfdsl_core::frontend::check_bytes("t.perf", text.as_bytes()) {
        Ok(c) => c.model.mocks,
        Err(reports) => {
            let shown: Vec<String> = reports.iter().map(|r| format!("{r:?}")).collect();
            panic!("invalid test file:\n{}", shown.join("\n"))
        }
    }
}

fn one(text: &str) -> Mock {
    mocks(text).remove(0)
}

async fn start(text: &str) -> perfdsl::mock::RunningMock {
    MockServer::start(&one(text), &MockOptions::default())
        .await
        .expect("mock starts")
}

#[derive(Debug)]
struct Reply {
    status: u16,
    headers: hyper::HeaderMap,
    body: String,
}

/// A keep-alive HTTP/1.1 client on one connection (reconnects after an error).
struct Client {
    addr: std::net::SocketAddr,
    tx: Option<http1::SendRequest<Full<Bytes>>>,
}

impl Client {
    fn new(addr: std::net::SocketAddr) -> Self {
        Client { addr, tx: None }
    }

    async fn get(&mut self, path: &str) -> Result<Reply, String> {
        self.send("GET", path, &[], "").await
    }

    async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Result<Reply, String> {
        tokio::time::timeout(REQUEST_LIMIT, self.send_inner(method, path, headers, body))
            .await
            .map_err(|_| "timed out".to_string())?
            .inspect_err(|_| self.tx = None)
    }

    async fn send_inner(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Result<Reply, String> {
        if self.tx.as_ref().is_none_or(|t| t.is_closed()) {
            let stream = TcpStream::connect(self.addr)
                .await
                .map_err(|e| e.to_string())?;
            let (tx, conn) = http1::handshake(TokioIo::new(stream))
                .await
                .map_err(|e| e.to_string())?;
            tokio::spawn(conn);
            self.tx = Some(tx);
        }
        let tx = self.tx.as_mut().expect("connected");
        tx.ready().await.map_err(|e| e.to_string())?;
        let mut req = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", "mock");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req
            .body(Full::new(Bytes::from(body.to_string())))
            .map_err(|e| e.to_string())?;
        let resp = tx.send_request(req).await.map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok(Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }
}

fn json(r: &Reply) -> serde_json::Value {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", r.body))
}

/// A raw request over a fresh TCP connection; returns the whole answer as text.
async fn raw(addr: std::net::SocketAddr, request: &str) -> String {
    let work = async {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = TcpStream::connect(addr).await.expect("connect");
        s.write_all(request.as_bytes()).await.expect("write");
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out).await;
        String::from_utf8_lossy(&out).into_owned()
    };
    tokio::time::timeout(REQUEST_LIMIT, work)
        .await
        .expect("raw request in time")
}

fn quantile(mut xs: Vec<f64>, q: f64) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs[((xs.len() - 1) as f64 * q).round() as usize]
}

// ------------------------------------------------------------------ matching

const PRECEDENCE: &str = r#"
mock m {
  on GET /v1/items/* { text "wildcard" }
  on GET /v1/items/:id { text "param {{ request.params.id }}" }
  on GET /v1/items/featured { text "literal" }
  on ANY /v1/orders { text "any" }
  on POST /v1/orders {
    when json "$.qty" > 10
    text "big"
  }
  on POST /v1/orders {
    when query dry_run == "true"
    when json "$.sku" exists
    text "dry"
  }
  on GET /tie {
    when header X-A exists
    text "first"
  }
  on GET /tie {
    when header X-B exists
    text "second"
  }
}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_most_specific_route_answers() {
    let m = start(PRECEDENCE).await;
    let mut c = Client::new(m.addr());
    let body = |r: Result<Reply, String>| r.expect("reply").body;
    assert_eq!(body(c.get("/v1/items/featured").await), "literal");
    assert_eq!(body(c.get("/v1/items/42").await), "param 42");
    assert_eq!(body(c.get("/v1/items/42/reviews").await), "wildcard");
    // Two matchers beat one even when both hold; any other method falls to ANY.
    let both = r#"{"qty": 20, "sku": "a"}"#;
    assert_eq!(
        body(c.send("POST", "/v1/orders?dry_run=true", &[], both).await),
        "dry"
    );
    assert_eq!(body(c.send("POST", "/v1/orders", &[], both).await), "big");
    assert_eq!(
        body(c.send("POST", "/v1/orders", &[], r#"{"qty": 1}"#).await),
        "any"
    );
    assert_eq!(body(c.send("DELETE", "/v1/orders", &[], "").await), "any");
    // Same shape, same number of matchers: the first declared wins.
    let ab = [("X-A", "1"), ("X-B", "1")];
    assert_eq!(body(c.send("GET", "/tie", &ab, "").await), "first");
    assert_eq!(
        body(c.send("GET", "/tie", &[("x-b", "1")], "").await),
        "second"
    );
    let snap = m.snapshot();
    assert_eq!(snap.calls, 9);
    assert_eq!(snap.unmatched, 0);
    let calls: Vec<u64> = snap.routes.iter().map(|r| r.calls).collect();
    assert_eq!(calls, vec![1, 1, 1, 2, 1, 1, 1, 1]);
}

// ------------------------------------------------------------------ templating

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_are_rendered_from_the_request() {
    let m = start(
        r#"
mock payments {
  on POST /v1/charges/:account {
    status 201
    header X-Echo "{{ request.headers.x-request-id }}"
    json {
      "id": "ch_{{ uuid }}",
      "account": "{{ request.params.account }}",
      "page": "{{ request.query.page }}",
      "amount": {{ request.json.amount }},
      "customer": {{ request.json.customer }},
      "first_item": "{{ request.json.items.0.sku }}",
      "n": {{ counter }},
      "at": {{ timestamp_ms }}
    }
  }
  on GET /text {
    text "hello {{ request.query.name }} #{{ counter }}"
  }
}
"#,
    )
    .await;
    let mut c = Client::new(m.addr());
    let body = r#"{"amount": 1250, "customer": {"id": 7, "vip": true}, "items": [{"sku": "a-1"}]}"#;
    let h = [
        ("X-Request-Id", "req-9"),
        ("content-type", "application/json"),
    ];
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let r = c
        .send("POST", "/v1/charges/acc_1?page=3", &h, body)
        .await
        .expect("reply");
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.headers["x-echo"], "req-9");
    assert_eq!(r.headers["content-type"], "application/json");
    let v = json(&r);
    assert_eq!(v["account"], "acc_1");
    assert_eq!(v["page"], "3");
    assert_eq!(v["amount"], 1250, "a bare `{{{{ }}}}` keeps the number");
    assert_eq!(v["customer"], serde_json::json!({"id": 7, "vip": true}));
    assert_eq!(v["first_item"], "a-1");
    assert_eq!(v["n"], 1);
    let at = v["at"].as_u64().expect("timestamp is a number");
    assert!(at >= before && at < before + 60_000, "{at} vs {before}");
    let id = v["id"].as_str().expect("id is text");
    let uuid = id.strip_prefix("ch_").expect("ch_ prefix");
    assert!(uuid::Uuid::parse_str(uuid).is_ok(), "{uuid}");
    assert_eq!(uuid.len(), 36);

    let r2 = c
        .send("POST", "/v1/charges/acc_2?page=1", &h, body)
        .await
        .expect("reply");
    let v2 = json(&r2);
    assert_eq!(v2["n"], 2, "the counter grows per call");
    assert_ne!(v2["id"], v["id"], "a fresh uuid per call");

    // The counter is per route.
    let t = c.get("/text?name=ada").await.expect("reply");
    assert_eq!(t.body, "hello ada #1");
    assert_eq!(t.headers["content-type"], "text/plain; charset=utf-8");

    // Strict templates: what the request lacks is a visible 500, counted in the journal.
    let r = c.get("/text").await.expect("reply");
    assert_eq!(r.status, 500);
    assert!(
        r.body.contains("`request.query.name` is missing"),
        "{}",
        r.body
    );
    let r = c
        .send(
            "POST",
            "/v1/charges/x?page=1",
            &h,
            r#"{"customer": 1, "items": []}"#,
        )
        .await;
    let r = r.expect("reply");
    assert_eq!(r.status, 500);
    assert!(r.body.contains("request.json"), "{}", r.body);
    assert_eq!(m.snapshot().template_errors, 2);
}

// ------------------------------------------------------------------ latency

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

// ------------------------------------------------------------------ sequences, journal

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sequences_answer_by_call_number_and_restart_after_reset() {
    let m = start(
        r#"
mock inv {
  on POST /v1/reservations/:sku {
    status 200
    json { "sku": "{{ request.params.sku }}", "n": {{ counter }} }
    call 1 {
      status 500
      json { "error": "warming_up" }
    }
    calls 2..3 {
      status 202
    }
  }
}
"#,
    )
    .await;
    let mut c = Client::new(m.addr());
    let mut seen = Vec::new();
    for _ in 0..5 {
        let r = c
            .send("POST", "/v1/reservations/a1", &[], "")
            .await
            .expect("reply");
        seen.push((r.status, json(&r)));
    }
    assert_eq!(seen[0].0, 500);
    assert_eq!(seen[0].1, serde_json::json!({"error": "warming_up"}));
    assert_eq!(
        (seen[1].0, seen[2].0, seen[3].0, seen[4].0),
        (202, 202, 200, 200)
    );
    assert_eq!(
        seen[2].1,
        serde_json::json!({"sku": "a1", "n": 3}),
        "a call block keeps the route's body"
    );
    m.reset();
    let r = c
        .send("POST", "/v1/reservations/a1", &[], "")
        .await
        .expect("reply");
    assert_eq!(r.status, 500, "after a reset the sequence starts again");
    assert_eq!(m.snapshot().calls, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unmatched_calls_get_a_clear_404_and_are_journaled() {
    let m = start(
        "mock payments {\n  on POST /v1/charges { status 201 }\n  on GET /v1/charges/:id { }\n}\n",
    )
    .await;
    let mut c = Client::new(m.addr());
    let r = c
        .send("POST", "/v1/refunds?x=1", &[], "{}")
        .await
        .expect("reply");
    assert_eq!(r.status, 404);
    assert_eq!(
        r.body.trim(),
        "perfdsl mock `payments`: no route matches POST /v1/refunds (routes: POST /v1/charges, GET /v1/charges/:id)"
    );
    c.send("POST", "/v1/refunds", &[], "").await.expect("reply");
    c.get("/v1/charges").await.expect("reply");
    assert_eq!(
        c.send("POST", "/v1/charges", &[], "")
            .await
            .expect("reply")
            .status,
        201
    );
    let s = m.snapshot();
    assert_eq!((s.calls, s.unmatched), (4, 3));
    let list: Vec<(String, String, u64)> = s
        .unmatched_requests
        .iter()
        .map(|u| (u.method.clone(), u.path.clone(), u.count))
        .collect();
    assert_eq!(
        list,
        vec![
            ("POST".into(), "/v1/refunds".into(), 2),
            ("GET".into(), "/v1/charges".into(), 1)
        ]
    );
    let metrics = s.metrics(2);
    assert!(metrics.contains(&("upstream.payments.unmatched".to_string(), 3.0)));
    assert!(metrics.contains(&("upstream.payments.calls_per_iteration".to_string(), 2.0)));
    assert!(
        s.warnings()[0].contains("3 call(s) matched no route"),
        "{:?}",
        s.warnings()
    );
    let text = s.render_text();
    assert!(text.contains("       1  POST /v1/charges"), "{text}");
    assert!(
        text.contains("unmatched      2× POST /v1/refunds"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_expectations_are_checked_against_the_journal() {
    let m = start(
        r#"
mock notify {
  on POST /v1/emails {
    status 202
    expect calls_per_iteration == 1
  }
  expect calls >= 1
}
"#,
    )
    .await;
    let mut c = Client::new(m.addr());
    for _ in 0..2 {
        c.send("POST", "/v1/emails", &[], "").await.expect("reply");
    }
    let s = m.snapshot();
    let ok = check_expectations(&s, 2);
    assert!(ok.iter().all(|r| r.passed), "{ok:?}");
    let bad = check_expectations(&s, 4);
    assert!(bad[0].passed);
    assert!(!bad[1].passed);
    assert_eq!(
        bad[1].message,
        "mock `notify` route `POST /v1/emails`: expected calls_per_iteration == 1, found 0.5 (2 calls in 4 iterations)"
    );
    m.reset();
    let none = check_expectations(&m.snapshot(), 4);
    assert_eq!(
        none[0].message,
        "mock `notify`: expected calls >= 1, found 0"
    );
}

// ------------------------------------------------------------------ h2c

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_with_prior_knowledge_is_served_too() {
    let m = start("mock m {\n  on GET /x/:id { text \"h2 {{ request.params.id }}\" }\n}\n").await;
    let stream = TcpStream::connect(m.addr()).await.expect("connect");
    let (mut tx, conn) = http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
        .await
        .expect("h2 handshake");
    tokio::spawn(conn);
    let req = hyper::Request::builder()
        .uri(format!("http://{}/x/5", m.addr()))
        .body(Full::new(Bytes::new()))
        .expect("request");
    let resp = tokio::time::timeout(REQUEST_LIMIT, tx.send_request(req))
        .await
        .expect("in time")
        .expect("reply");
    assert_eq!(resp.version(), hyper::Version::HTTP_2);
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    assert_eq!(&body[..], b"h2 5");
}

// ------------------------------------------------------------------ interception

const TWO: &str = r#"
mock payments {
  on POST /v1/charges {
    status 201
    json { "via": "payments" }
  }
}
mock inventory-v2 {
  on GET /v1/stock/:sku { text "{{ request.params.sku }}: 3" }
}
"#;

async fn start_set(text: &str) -> MockSet {
    let all = mocks(text);
    let specs = all
        .iter()
        .map(|mock| MockSpec {
            mock,
            options: MockOptions::default(),
        })
        .collect();
    MockSet::start(specs, Some(0)).await.expect("mocks start")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mock_set_gives_the_interception_environment() {
    let set = start_set(TWO).await;
    let env: HashMap<String, String> = set.env().into_iter().collect();
    let urls = set.urls();
    assert_eq!(urls[0].0, "payments");
    assert_eq!(
        env["MOCK_SERVICES"],
        format!("payments={},inventory-v2={}", urls[0].1, urls[1].1)
    );
    assert_eq!(env["PAYMENTS_URL"], urls[0].1);
    assert_eq!(env["INVENTORY_V2_URL"], urls[1].1);
    let proxy = set.proxy_url().expect("the proxy runs");
    assert_eq!(env["HTTP_PROXY"], proxy);
    assert_eq!(env["http_proxy"], proxy);
    assert_eq!(env["NO_PROXY"], "127.0.0.1,localhost");
    assert!(urls[0].1.starts_with("http://127.0.0.1:"));
    set.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proxy_routes_by_host_and_refuses_unknown_hosts() {
    let set = start_set(TWO).await;
    let proxy = set.proxy_url().expect("proxy");
    let proxy_addr: std::net::SocketAddr =
        proxy.trim_start_matches("http://").parse().expect("addr");

    // Raw absolute-URI requests, as any HTTP_PROXY-aware client sends them.
    let text = raw(
        proxy_addr,
        "GET http://inventory-v2:8080/v1/stock/ab HTTP/1.1\r\nHost: inventory-v2:8080\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.ends_with("ab: 3"), "{text}");
    let text = raw(
        proxy_addr,
        "GET http://billing/v1/x HTTP/1.1\r\nHost: billing\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(text.starts_with("HTTP/1.1 502"), "{text}");
    assert!(
        text.contains(
            "perfdsl: no mock answers for host `billing` (mocked hosts: payments, inventory-v2)"
        ),
        "{text}"
    );

    // HTTPS through the proxy: a tunnel it cannot look into, said plainly, and counted
    // apart from unknown hosts.
    let text = raw(
        proxy_addr,
        "CONNECT payments:443 HTTP/1.1\r\nHost: payments:443\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(text.starts_with("HTTP/1.1 502"), "{text}");
    assert!(
        text.contains("cannot intercept HTTPS (CONNECT payments:443)"),
        "{text}"
    );
    assert!(
        text.contains("(`http://payments`), mock `payments` answers for `payments` over HTTP"),
        "{text}"
    );
    let unrouted = set.unrouted();
    assert_eq!(unrouted.hosts.get("billing"), Some(&1));
    assert_eq!(unrouted.tunnels.get("payments:443"), Some(&1));

    // curl honouring a proxy (`-x`, as HTTP_PROXY does), when curl is installed.
    let curl = Command::new("curl")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if curl {
        let proxy2 = proxy.clone();
        let out = tokio::task::spawn_blocking(move || {
            Command::new("curl")
                .args(["-s", "-m", "10", "-x", &proxy2, "-X", "POST", "-d", "{}"])
                .args(["-w", "\n%{http_code}", "http://payments/v1/charges"])
                .output()
                .expect("curl runs")
        })
        .await
        .expect("curl task");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(stdout, "{\"via\":\"payments\"}\n201", "{out:?}");
        let proxy2 = proxy.clone();
        let out = tokio::task::spawn_blocking(move || {
            let mut cmd = Command::new("curl");
            cmd.args(["-s", "-m", "10", "-w", "\n%{http_code}", "http://nowhere/x"]);
            cmd.env("http_proxy", &proxy2)
                .env_remove("no_proxy")
                .env_remove("NO_PROXY");
            cmd.output().expect("curl runs")
        })
        .await
        .expect("curl task");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(stdout.ends_with("\n502"), "{stdout}");
    } else {
        eprintln!("curl not installed: proxy checked with raw requests only");
    }
    let snaps = set.snapshots();
    assert_eq!(snaps[0].calls, u64::from(curl));
    assert_eq!(snaps[1].calls, 1);
    set.reset();
    assert!(set.unrouted().is_empty(), "reset before each scenario");
    set.stop().await;
}

// ------------------------------------------------------------------ ports

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_port_is_reported_as_such() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let opts = MockOptions {
        port: Some(port),
        ..Default::default()
    };
    let err = MockServer::start(&one("mock payments {\n  on GET /x { }\n}\n"), &opts)
        .await
        .err()
        .expect("the port is taken");
    assert!(
        matches!(&err, MockError::PortTaken { mock, port: p } if mock == "payments" && *p == port),
        "{err:?}"
    );
    let code = miette::Diagnostic::code(&err).map(|c| c.to_string());
    assert_eq!(code.as_deref(), Some("perfdsl::mock::port_taken"));
    assert!(miette::Diagnostic::help(&err).is_some());
}

// ------------------------------------------------------------------ `perfdsl mock`

fn perf_file(dir: &std::path::Path) -> std::path::PathBuf {
    let p = dir.join("mocks.perf");
    std::fs::write(&p, TWO).expect("write");
    p
}

#[test]
fn perfdsl_mock_exits_3_when_a_fixed_port_is_taken() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = perf_file(dir.path());
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    Perfdsl::new()
        .args(["mock", "--port", &format!("payments={port}")])
        .arg(&file)
        .run()
        .code(3)
        .stderr_contains("perfdsl::mock::port_taken")
        .stderr_contains(&format!("port {port} is already taken"));

    Perfdsl::new()
        .args(["mock", "--port", "paymnets=1"])
        .arg(&file)
        .run()
        .code(2)
        .stderr_contains("did you mean `payments`?");
}

#[test]
fn perfdsl_mock_serves_until_interrupted_then_prints_the_journal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = perf_file(dir.path());
    let mut child = Perfdsl::new()
        .arg("mock")
        .arg(&file)
        .command()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut urls = HashMap::new();
    for _ in 0..3 {
        let line = lines.next().expect("a line").expect("text");
        let mut parts = line.split_whitespace();
        let (name, url) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        urls.insert(name.to_string(), url.to_string());
    }
    let payments = urls["payments"].trim_start_matches("http://").to_string();
    assert!(
        urls.keys().any(|k| k.starts_with("HTTP_PROXY=")),
        "{urls:?}"
    );
    let send = |req: &str| {
        let mut s = std::net::TcpStream::connect(&payments).expect("connect");
        s.set_read_timeout(Some(REQUEST_LIMIT)).expect("timeout");
        s.write_all(req.as_bytes()).expect("write");
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    };
    let r = send(
        "POST /v1/charges HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    assert!(r.starts_with("HTTP/1.1 201"), "{r}");
    let r = send("GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(r.starts_with("HTTP/1.1 404"), "{r}");
    // SAFETY: signalling the child this test started, by its id.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("perfdsl mock did not stop on SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let rest = rest.join("\n");
    assert_eq!(status.code(), Some(0), "{rest}");
    assert!(
        rest.contains("mock `payments`: 2 call(s), 1 unmatched"),
        "{rest}"
    );
    assert!(rest.contains("       1  POST /v1/charges"), "{rest}");
    assert!(rest.contains("unmatched      1× GET /nope"), "{rest}");
    assert!(
        rest.contains("mock `inventory-v2`: 0 call(s), 0 unmatched"),
        "{rest}"
    );
}
