//! What the mocks saw of a scenario: the `upstream.<mock>.*` figures, the call
//! expectations, and the notes that say where a service's calls went instead.

use std::collections::BTreeMap;

use crate::metrics::ScenarioSummary;
use crate::metrics::{MockExpectation, Results};
use crate::mock::{check_expectations, MockSet, Unrouted};
use perfdsl_core::model::Scenario;

use super::selected::Selected;

/// Adds the `upstream.<mock>.*` metrics of the scenario's mocks, their warnings, and
/// checks their call expectations. The mocks count the warm-up's calls too, so the
/// per-iteration figures divide by every iteration, warm-up included: exact, since
/// every iteration runs to its end.
pub(super) fn figures(
    set: &MockSet,
    sel: &Selected<'_>,
    iterations: u64,
    summary: &mut ScenarioSummary,
) -> Vec<MockExpectation> {
    let mut out = Vec::new();
    let unrouted = set.unrouted();
    summary.notes.extend(unrouted_notes(&unrouted));
    for snap in set.snapshots() {
        if !sel.model.mocks.iter().any(|m| m.name == snap.mock) {
            continue;
        }
        summary.metrics.extend(snap.metrics(iterations));
        summary.notes.extend(snap.warnings());
        // A mock the scenario never called is not the scenario's business unless it
        // counts on it (a limit of its own on the mock's metrics): a browse scenario and
        // the payments mock. Where it does, say so, and judge the call expectations,
        // which a mock with no call may well break.
        let counts_on_it = limits_mention(sel.scenario, &snap.mock);
        if snap.calls == 0 {
            if !counts_on_it {
                continue;
            }
            summary.notes.push(no_call_note(&snap.mock, "", &unrouted));
        }
        out.extend(check_expectations(&snap, iterations));
    }
    out
}

/// `mock NAME received no call: …`: where the service's calls went instead, when the
/// proxy saw calls for a host that looks meant for this mock (a label of it names the
/// mock); else the variables that point a service at it.
fn no_call_note(mock: &str, when: &str, unrouted: &Unrouted) -> String {
    let name = mock.to_ascii_lowercase();
    let meant = |seen: &BTreeMap<String, u64>| -> Vec<String> {
        seen.keys()
            .filter(|h| {
                h.split([':', ' '])
                    .next()
                    .unwrap_or(h)
                    .split('.')
                    .any(|label| label.contains(&name))
            })
            .map(|h| format!("`{h}`"))
            .collect()
    };
    let (hosts, tunnels) = (meant(&unrouted.hosts), meant(&unrouted.tunnels));
    if !hosts.is_empty() {
        return format!(
            "mock `{mock}` received no call{when}: the service called {} through the proxy, which no mock answers for (declare it in the mock with `host`)",
            hosts.join(", ")
        );
    }
    if !tunnels.is_empty() {
        return format!(
            "mock `{mock}` received no call{when}: the service called {} over HTTPS, which the proxy cannot intercept (give it an `http://` base URL)",
            tunnels.join(", ")
        );
    }
    format!(
        "mock `{mock}` received no call{when}: was the service pointed at it (MOCK_SERVICES, {}_URL)?",
        mock.to_ascii_uppercase().replace('-', "_")
    )
}

/// What the proxy could not route during the scenario: a note per kind, naming each host.
fn unrouted_notes(unrouted: &Unrouted) -> Vec<String> {
    let list = |m: &BTreeMap<String, u64>| {
        m.iter()
            .map(|(h, n)| format!("`{h}` ({n} request{})", if *n == 1 { "" } else { "s" }))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = Vec::new();
    if !unrouted.hosts.is_empty() {
        out.push(format!(
            "the mock proxy answered 502 for hosts no mock answers for: {}; declare a host in its mock with `host \"NAME\"`",
            list(&unrouted.hosts)
        ));
    }
    if !unrouted.tunnels.is_empty() {
        out.push(format!(
            "the mock proxy refused HTTPS tunnels (CONNECT) to {}: mocks speak plain HTTP; give the service an `http://` base URL for them",
            list(&unrouted.tunnels)
        ));
    }
    out
}

/// Whether the scenario (or one of its steps) limits a metric of `mock`.
fn limits_mention(sc: &Scenario, mock: &str) -> bool {
    let prefix = format!("upstream.{mock}.");
    sc.limits
        .iter()
        .chain(sc.steps.iter().flat_map(|s| s.limits.iter()))
        .any(|l| l.metric.starts_with(&prefix))
}

/// Warns about mocks that no scenario of the run called: the service was most likely
/// never pointed at them.
pub(super) fn warn_uncalled_mocks(set: &MockSet, results: &Results) {
    for snap in set.snapshots() {
        let key = format!("upstream.{}.calls", snap.mock);
        let measured: Vec<f64> = results
            .scenarios
            .iter()
            .filter_map(|s| s.summary.metrics.get(&key).copied())
            .collect();
        if !measured.is_empty() && measured.iter().all(|c| *c == 0.0) {
            crate::errln!(
                "warning: {}",
                no_call_note(
                    &snap.mock,
                    " in any scenario of this run",
                    &Unrouted::default()
                )
            );
        }
    }
}
