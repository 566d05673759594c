//! Call-count expectations (`expect calls >= 1`, `expect calls_per_iteration == 1`) at
//! mock and route level, checked against a journal snapshot after a scenario.

use perfdsl_core::model::{CallExpect, CallTarget};
use perfdsl_core::units::show::{count, trim};

use super::journal::MockSnapshot;
use crate::metrics::MockExpectation;

/// Checks every expectation of a mock and its routes; `iterations` is the number of
/// scenario iterations the snapshot covers.
pub fn check_expectations(snap: &MockSnapshot, iterations: u64) -> Vec<MockExpectation> {
    let mut out: Vec<MockExpectation> = snap
        .expects
        .iter()
        .map(|e| check(&snap.mock, None, e, snap.calls, iterations))
        .collect();
    for r in &snap.routes {
        for e in &r.expects {
            out.push(check(&snap.mock, Some(&r.route), e, r.calls, iterations));
        }
    }
    out
}

fn check(
    mock: &str,
    route: Option<&str>,
    e: &CallExpect,
    calls: u64,
    iterations: u64,
) -> MockExpectation {
    let what = match e.what {
        CallTarget::Calls => "calls",
        CallTarget::CallsPerIteration => "calls_per_iteration",
    };
    let expectation = format!("{what} {} {}", e.op.as_str(), trim(e.value));
    let actual = match e.what {
        CallTarget::Calls => Some(calls as f64),
        CallTarget::CallsPerIteration => (iterations > 0).then(|| calls as f64 / iterations as f64),
    };
    let passed = actual.is_some_and(|a| e.op.holds(a, e.value));
    let whom = match route {
        Some(r) => format!("mock `{mock}` route `{r}`"),
        None => format!("mock `{mock}`"),
    };
    let plural = |n: u64, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    let found = match (e.what, actual) {
        (_, None) => format!(
            "no iteration completed ({} received)",
            plural(calls, "call")
        ),
        (CallTarget::Calls, Some(a)) => count(a),
        (CallTarget::CallsPerIteration, Some(a)) => format!(
            "{} ({} in {})",
            count(a),
            plural(calls, "call"),
            plural(iterations, "iteration")
        ),
    };
    let message = if passed {
        format!("{whom}: {expectation} (found {found})")
    } else {
        format!("{whom}: expected {expectation}, found {found}")
    };
    MockExpectation {
        mock: mock.to_string(),
        route: route.map(str::to_string),
        expectation,
        actual,
        passed,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::hist::Hist;
    use crate::mock::journal::{FaultCounts, RouteSnapshot};
    use perfdsl_core::model::CmpOp;
    use perfdsl_core::model::Origin;

    fn expect(what: CallTarget, op: CmpOp, value: f64) -> CallExpect {
        CallExpect {
            what,
            op,
            value,
            origin: Origin::default(),
        }
    }

    fn snap(calls: u64, route_calls: u64) -> MockSnapshot {
        MockSnapshot {
            mock: "payments".into(),
            calls,
            unmatched: 0,
            template_errors: 0,
            faults: FaultCounts::default(),
            routes: vec![RouteSnapshot {
                route: "POST /v1/charges".into(),
                conditions: 0,
                calls: route_calls,
                expects: vec![expect(CallTarget::CallsPerIteration, CmpOp::Eq, 1.0)],
            }],
            unmatched_requests: vec![],
            unmatched_other: 0,
            expects: vec![expect(CallTarget::Calls, CmpOp::Ge, 1.0)],
            origin: Origin::default(),
            latency_sampled: Hist::new(),
            latency_applied: Hist::new(),
            queue: Hist::new(),
            lateness: Hist::new(),
        }
    }

    #[test]
    fn passing_and_failing_expectations_say_what_was_found() {
        let r = check_expectations(&snap(200, 200), 100);
        assert_eq!(r.len(), 2);
        assert!(r[0].passed);
        assert_eq!(r[0].message, "mock `payments`: calls >= 1 (found 200)");
        assert!(!r[1].passed);
        assert_eq!(
            r[1].message,
            "mock `payments` route `POST /v1/charges`: expected calls_per_iteration == 1, found 2 (200 calls in 100 iterations)"
        );
        let r = check_expectations(&snap(0, 0), 3);
        assert_eq!(
            r[0].message,
            "mock `payments`: expected calls >= 1, found 0"
        );
        assert!(
            r[1].message.ends_with("found 0 (0 calls in 3 iterations)"),
            "{}",
            r[1].message
        );
    }

    #[test]
    fn per_iteration_without_iterations_fails_with_a_reason() {
        let r = check_expectations(&snap(1, 1), 0);
        assert!(!r[1].passed);
        assert_eq!(r[1].actual, None);
        assert!(r[1]
            .message
            .contains("no iteration completed (1 call received)"));
        assert_eq!(trim(1.0 / 3.0), "0.333");
        assert_eq!(trim(0.5), "0.5");
    }
}
