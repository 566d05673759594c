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

#[path = "mock/faults.rs"]
mod faults;
#[path = "mock/journal.rs"]
mod journal;
#[path = "mock/proxy.rs"]
mod proxy;

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
        if self
            .tx
            .as_ref()
            .is_none_or(hyper::client::conn::http1::SendRequest::is_closed)
        {
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
    xs.sort_by(f64::total_cmp);
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
