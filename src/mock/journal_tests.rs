//! Unit tests of `mock::journal`.

use super::*;

fn route(label: &str) -> RouteSnapshot {
    RouteSnapshot {
        route: label.to_string(),
        conditions: 0,
        calls: 0,
        expects: vec![],
    }
}

#[test]
fn unmatched_list_is_bounded_and_counts_repeats() {
    let j = Journal::new(1);
    for i in 0..30 {
        j.unmatched("GET", &format!("/x/{i}"));
    }
    j.unmatched("GET", "/x/3");
    let s = j.snapshot("m", &[route("GET /")], &[], Origin::default());
    assert_eq!(s.unmatched, 31);
    assert_eq!(s.unmatched_requests.len(), MAX_UNMATCHED);
    assert_eq!(s.unmatched_requests[3].count, 2);
    assert_eq!(s.unmatched_other, 10);
    j.reset();
    let s = j.snapshot("m", &[route("GET /")], &[], Origin::default());
    assert_eq!((s.unmatched, s.unmatched_requests.len()), (0, 0));
}

#[test]
fn route_numbers_restart_after_reset_and_metrics_are_named() {
    let j = Journal::new(2);
    j.arrived(None);
    j.arrived(None);
    assert_eq!(j.matched(1), 1);
    assert_eq!(j.matched(1), 2);
    let routes = [route("GET /a"), route("GET /b")];
    let s = j.snapshot("pay", &routes, &[], Origin::default());
    assert_eq!(s.routes[1].calls, 2);
    assert_eq!(
        s.metrics(4),
        vec![
            ("upstream.pay.calls".to_string(), 2.0),
            ("upstream.pay.calls_per_iteration".to_string(), 0.5),
            ("upstream.pay.unmatched".to_string(), 0.0)
        ]
    );
    j.reset();
    assert_eq!(j.matched(1), 1);
}
