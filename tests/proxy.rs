//! Interception of real host names: a service that calls `http://pricing.internal` (any
//! HTTP client honouring `HTTP_PROXY`; here `testsvc`'s `/fetch/HOST/PATH`, started by
//! perfdsl with the interception environment) reaches the mock that declared that host;
//! an unknown host gets a 502 naming the mocked hosts, and the run says which hosts the
//! service called that no mock answers.

mod support;
use support::perf::run;
use support::service_block;

const MOCKS: &str = r#"
mock pricing {
  host "pricing.internal"
  on GET /price {
    json { "price": 42 }
  }
}

mock stock {
  host "*.internal"
  on GET /level {
    json { "level": 7 }
  }
}
"#;

#[test]
fn declared_hosts_are_intercepted_through_the_proxy() {
    let scenario = r#"
scenario shop {
  load iterations 10 with 2 vus
  step price: GET /fetch/pricing.internal/price {
    expect status == 200
    expect body contains "42"
  }
  step level: GET /fetch/eu.stock.internal/level {
    expect status == 200
    expect body contains "7"
  }
  step services: GET /env/MOCK_SERVICES {
    expect body contains "pricing.internal=http://127.0.0.1:"
  }
  limits {
    upstream.pricing.calls_per_iteration == 1
    upstream.stock.calls_per_iteration == 1
  }
}
"#;
    let r = run(
        &format!("{}{MOCKS}{scenario}", service_block(&[], "20s")),
        &[],
    );
    r.code(0);
    assert_eq!(r.metric(0, "upstream.pricing.calls"), 10.0, "{r}");
    assert_eq!(r.metric(0, "upstream.stock.calls"), 10.0, "{r}");
    assert_eq!(r.metric(0, "error_rate"), 0.0, "{r}");
}

#[test]
fn an_unknown_host_is_named_in_the_502_and_the_notes() {
    let scenario = r#"
mock billing {
  on POST /invoices {
    status 201
  }
}

mock audit {
  on POST /events {
    status 202
  }
}

scenario unknown {
  load iterations 4 with 1 vus
  step other: GET /fetch/billing.example.com/invoices {
    expect status == 502
    expect body contains "no mock answers for host `billing.example.com` (mocked hosts: pricing, pricing.internal, stock, *.internal, billing, audit)"
  }
  limits {
    upstream.billing.calls_per_iteration <= 1
    upstream.audit.calls_per_iteration <= 1
  }
}
"#;
    let r = run(
        &format!("{}{MOCKS}{scenario}", service_block(&[], "20s")),
        &[],
    );
    r.code(0);
    let notes = r.scenario(0)["notes"].to_string();
    assert!(
        notes.contains(
            "the mock proxy answered 502 for hosts no mock answers for: `billing.example.com` (4 requests)"
        ),
        "{r}"
    );
    // The note about the silent mock says where the calls went, not which variable to set.
    assert!(
        notes.contains(
            "mock `billing` received no call: the service called `billing.example.com` through the proxy"
        ),
        "{r}"
    );
    assert!(!notes.contains("BILLING_URL"), "{r}");
    // A silent mock the host has nothing to do with gets the usual question.
    assert!(
        notes.contains("mock `audit` received no call: was the service pointed at it (MOCK_SERVICES, AUDIT_URL)?"),
        "{r}"
    );
}
