//! Unit tests of `mock::answer`.

use super::*;

const BENCH: &str = r#"
mock bench {
  on POST /v1/accounts/:account/charges {
status 201
json { "id": "ch_{{ uuid }}", "account": "{{ request.params.account }}", "amount": {{ request.json.amount }}, "currency": "{{ request.json.currency }}", "n": {{ counter }} }
  }
  on GET /hello {
text "hello"
  }
}
"#;

/// The handler's synchronous cost per route (match, count, render), printed: run with
/// `cargo test --release --lib mock::server -- --nocapture` for meaningful numbers.
#[test]
fn handler_cost_per_route() {
    let checked = perfdsl_core::frontend::check_bytes("b.perf", BENCH.as_bytes()).expect("valid");
    let state = MockState::new(&checked.model.mocks[0], &MockOptions::default()).expect("compiles");
    let body = br#"{"amount": 1250, "currency": "eur", "customer": {"id": 7}}"#;
    let cases: [(&str, &str, &[u8]); 2] = [
        ("GET", "/hello", b""),
        ("POST", "/v1/accounts/acc_42/charges", body),
    ];
    for (method, uri, body) in cases {
        let (parts, ()) = hyper::Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/json")
            .body(())
            .expect("request")
            .into_parts();
        let rounds: u32 = std::env::var("MOCK_BENCH_ROUNDS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(20_000);
        let start = Instant::now();
        for _ in 0..rounds {
            match state.plan(&parts, body) {
                Plan::Answer { response, .. } => assert!(response.status().is_success()),
                _ => panic!("{method} {uri} was not answered"),
            }
        }
        crate::errln!("{method} {uri}: {:?} per call", start.elapsed() / rounds);
    }
}
