//! What a mock remembers: sequences that answer by call number, the journal of calls
//! (unmatched ones with a clear 404) checked against call expectations, and h2c served
//! like HTTP/1.1.

use super::*;

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
        r"
mock notify {
  on POST /v1/emails {
    status 202
    expect calls_per_iteration == 1
  }
  expect calls >= 1
}
",
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
