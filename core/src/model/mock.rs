//! Fake upstreams: routes, matchers, responses, call sequences, faults, expectations.

use std::time::Duration;

use serde::{Serialize, Serializer};

use super::Template;
use super::{opt_ms, Body, CmpOp, Distribution, JsonPathExpr, Method, Origin, Predicate};

/// `mock NAME { ... }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mock {
    pub name: String,
    /// Default latency of every route (none: answer at once).
    pub latency: Option<Distribution>,
    /// Faults of every route.
    pub faults: Vec<Fault>,
    /// Seed of the mock's random choices (latency, faults), for repeatable runs.
    pub seed: Option<u64>,
    /// Routes in source order; the first that matches answers.
    pub routes: Vec<Route>,
    /// Expectations on the calls to the whole mock.
    pub expects: Vec<CallExpect>,
    /// Host names it answers for through the proxy, besides its own name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<HostPattern>,
    #[serde(skip)]
    pub origin: Origin,
}

/// `host "pricing.internal"` or `host "*.internal"`: a host a mock answers for in proxy
/// mode, lowercase, without port.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostPattern {
    pub pattern: String,
    #[serde(skip)]
    pub origin: Origin,
}

impl HostPattern {
    /// `*.internal` matches `a.internal` and `a.b.internal`, not `internal`; any other
    /// pattern matches itself. `host` must be lowercase, without port.
    pub fn matches(&self, host: &str) -> bool {
        match self.pattern.strip_prefix('*') {
            Some(suffix) => host.len() > suffix.len() && host.ends_with(suffix),
            None => host == self.pattern,
        }
    }

    /// How specific the pattern is: an exact name beats every wildcard, and a longer
    /// suffix beats a shorter one.
    pub fn specificity(&self) -> usize {
        match self.pattern.strip_prefix('*') {
            Some(suffix) => suffix.len(),
            None => usize::MAX,
        }
    }
}

/// The mock answering for `host` among `mocks` (by index): a mock named so, else the
/// most specific matching host pattern. `host` is compared without case and port.
pub fn mock_for_host<'a, I>(mocks: I, host: &str) -> Option<usize>
where
    I: IntoIterator<Item = (&'a str, &'a [HostPattern])>,
{
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let mut best: Option<(usize, usize)> = None;
    for (i, (name, patterns)) in mocks.into_iter().enumerate() {
        if name.eq_ignore_ascii_case(&host) {
            return Some(i);
        }
        for p in patterns.iter().filter(|p| p.matches(&host)) {
            if best.is_none_or(|(_, s)| p.specificity() > s) {
                best = Some((i, p.specificity()));
            }
        }
    }
    best.map(|(i, _)| i)
}

/// `on METHOD /path { ... }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Route {
    pub method: RouteMethod,
    /// `/v1/charges/:id/*` → `["v1", "charges", ":id", "*"]`.
    pub path: Vec<Segment>,
    /// All must hold for the route to match.
    pub matchers: Vec<Matcher>,
    /// The answer when no call override applies.
    pub response: Response,
    /// `call N { ... }` / `calls N..M { ... }`: answers for given call numbers.
    pub calls: Vec<CallOverride>,
    pub expects: Vec<CallExpect>,
    #[serde(skip)]
    pub origin: Origin,
}

/// A route's method: one method or `ANY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteMethod {
    Any,
    Only(Method),
}

impl Serialize for RouteMethod {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            RouteMethod::Any => s.serialize_str("ANY"),
            RouteMethod::Only(m) => s.serialize_str(m.as_str()),
        }
    }
}

/// One segment of a route path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    Literal(String),
    /// `:name`: any one segment, available as `request.params.name`.
    Param(String),
    /// `*`: the rest of the path; always the last segment.
    Wildcard,
}

/// Serialized as written: `"v1"`, `":id"`, `"*"`.
impl Serialize for Segment {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Segment::Literal(l) => s.serialize_str(l),
            Segment::Param(p) => s.serialize_str(&format!(":{p}")),
            Segment::Wildcard => s.serialize_str("*"),
        }
    }
}

/// `when ...`: a condition on the incoming request.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Matcher {
    Query {
        name: String,
        predicate: Predicate,
    },
    Header {
        name: String,
        predicate: Predicate,
    },
    Json {
        path: JsonPathExpr,
        predicate: Predicate,
    },
    Body(Predicate),
}

/// A complete response. For a `call` block, whatever the block does not set was taken
/// from the route's default response (a header it sets replaces the route's header of
/// the same name).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Response {
    /// Default 200.
    pub status: u16,
    pub headers: Vec<(String, Template)>,
    pub body: Option<Body>,
    /// None: the enclosing route's (then the mock's) latency.
    pub latency: Option<Distribution>,
    /// Faults of this response; when any, they replace the mock's (as `latency` does).
    pub faults: Vec<Fault>,
}

/// Answers for calls `first..=last` to a route (1-based; `last` None: every later call).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallOverride {
    pub first: u64,
    pub last: Option<u64>,
    pub response: Response,
}

impl CallOverride {
    /// Whether the two call ranges share a call number.
    pub fn overlaps(&self, other: &CallOverride) -> bool {
        let end = |c: &CallOverride| c.last.unwrap_or(u64::MAX);
        self.first <= end(other) && other.first <= end(self)
    }
}

/// `expect calls >= 1` / `expect calls_per_iteration <= 1`: checked after the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallExpect {
    pub what: CallTarget,
    pub op: CmpOp,
    pub value: f64,
    #[serde(skip)]
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallTarget {
    Calls,
    CallsPerIteration,
}

/// `fail 1% with 503` / `with reset` / `with hang`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fault {
    /// The fraction of calls that fail this way (0..=1).
    pub rate: f64,
    pub kind: FaultKind,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer with this status (and a `Retry-After` header when given).
    Status {
        status: u16,
        #[serde(serialize_with = "opt_ms")]
        retry_after: Option<Duration>,
    },
    /// Reset the connection.
    Reset,
    /// Never answer (the client times out).
    Hang,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pats(list: &[&str]) -> Vec<HostPattern> {
        list.iter()
            .map(|p| HostPattern {
                pattern: p.to_string(),
                origin: Origin::default(),
            })
            .collect()
    }

    #[test]
    fn hosts_choose_the_most_specific_mock() {
        let (a, b, c) = (
            pats(&["pricing.internal"]),
            pats(&["*.internal"]),
            pats(&["*.eu.internal", "api.stripe.com"]),
        );
        let mocks = [
            ("pricing", a.as_slice()),
            ("internal", b.as_slice()),
            ("eu", c.as_slice()),
        ];
        let find = |h: &str| mock_for_host(mocks.iter().copied(), h);
        assert_eq!(find("pricing"), Some(0), "a mock's own name");
        assert_eq!(find("Pricing.Internal"), Some(0));
        assert_eq!(find("pricing.internal."), Some(0), "a fully qualified name");
        assert_eq!(find("stock.internal"), Some(1));
        assert_eq!(find("stock.eu.internal"), Some(2), "the longer suffix wins");
        assert_eq!(find("api.stripe.com"), Some(2));
        assert_eq!(
            find("internal"),
            Some(1),
            "the name `internal`, not the pattern"
        );
        assert_eq!(find("example.com"), None);
        assert_eq!(find("xinternal"), None);
    }
}
