//! Fake upstreams: routes, matchers, responses, call sequences, faults, expectations.

use std::time::Duration;

use serde::{Serialize, Serializer};

use super::Template;
use super::{opt_ms, Body, CmpOp, Distribution, JsonPathExpr, Method, Origin, Predicate};

/// `mock NAME { ... }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mock {
    /// The mock's name: `upstream.NAME.*` metrics and `{{ mock.NAME.url }}` use it, and
    /// in proxy mode it answers for the host `NAME`.
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
    /// Where the block is written.
    #[serde(skip)]
    pub origin: Origin,
}

/// `host "pricing.internal"` or `host "*.internal"`: a host a mock answers for in proxy
/// mode, lowercase, without port.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostPattern {
    /// A host name, or `*.` and a suffix; validate guarantees valid labels, no scheme,
    /// port or path, and that no other mock answers for the same pattern.
    pub pattern: String,
    /// Where the `host` statement is written.
    #[serde(skip)]
    pub origin: Origin,
}

impl HostPattern {
    /// `*.internal` matches `a.internal` and `a.b.internal`, not `internal`; any other
    /// pattern matches itself. `host` must be lowercase, without port.
    pub(crate) fn matches(&self, host: &str) -> bool {
        match self.pattern.strip_prefix('*') {
            Some(suffix) => host.len() > suffix.len() && host.ends_with(suffix),
            None => host == self.pattern,
        }
    }

    /// How specific the pattern is: an exact name beats every wildcard, and a longer
    /// suffix beats a shorter one.
    pub(crate) fn specificity(&self) -> usize {
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
    /// The method a request must have.
    pub method: RouteMethod,
    /// `/v1/charges/:id/*` → `["v1", "charges", ":id", "*"]`.
    pub path: Vec<Segment>,
    /// All must hold for the route to match.
    pub matchers: Vec<Matcher>,
    /// The answer when no call override applies.
    pub response: Response,
    /// `call N { ... }` / `calls N..M { ... }`: answers for given call numbers.
    pub calls: Vec<CallOverride>,
    /// Expectations on the calls to this route, checked after the run.
    pub expects: Vec<CallExpect>,
    /// Where the route is written.
    #[serde(skip)]
    pub origin: Origin,
}

/// A route's method: one method or `ANY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteMethod {
    /// `ANY`: every method.
    Any,
    /// This method only.
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
    /// A segment that must be exactly this text.
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
    /// `when query NAME ...`: a query parameter of the request.
    Query {
        /// The parameter's name.
        name: String,
        /// The check on its value.
        predicate: Predicate,
    },
    /// `when header NAME ...`: a request header.
    Header {
        /// The header's name (a valid HTTP token).
        name: String,
        /// The check on its value.
        predicate: Predicate,
    },
    /// `when json "$.path" ...`: a value in the request's JSON body.
    Json {
        /// Where the value is.
        path: JsonPathExpr,
        /// The check on it.
        predicate: Predicate,
    },
    /// `when body ...`: the raw request body.
    Body(Predicate),
}

/// A complete response. For a `call` block, whatever the block does not set was taken
/// from the route's default response (a header it sets replaces the route's header of
/// the same name).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Response {
    /// Default 200.
    pub status: u16,
    /// Headers in source order; values are templates over the request
    /// (`{{ request.headers.x }}`, `{{ request.params.id }}`, `{{ uuid }}`...).
    pub headers: Vec<(String, Template)>,
    /// The body; None for an empty one.
    pub body: Option<Body>,
    /// None: the enclosing route's (then the mock's) latency.
    pub latency: Option<Distribution>,
    /// Faults of this response; when any, they replace the mock's (as `latency` does).
    pub faults: Vec<Fault>,
}

/// Answers for calls `first..=last` to a route (1-based; `last` None: every later call).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallOverride {
    /// The first call answered so (1 or more).
    pub first: u64,
    /// The last call answered so (inclusive, at least `first`); None: every call from
    /// `first` on.
    pub last: Option<u64>,
    /// The complete answer to those calls.
    pub response: Response,
}

impl CallOverride {
    /// Whether the two call ranges share a call number (validate guarantees that the
    /// call blocks of a route never do).
    pub fn overlaps(&self, other: &CallOverride) -> bool {
        let end = |c: &CallOverride| c.last.unwrap_or(u64::MAX);
        self.first <= end(other) && other.first <= end(self)
    }
}

/// `expect calls >= 1` / `expect calls_per_iteration <= 1`: checked after the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallExpect {
    /// What is counted.
    pub what: CallTarget,
    /// The comparison that must hold: `count OP value`.
    pub op: CmpOp,
    /// The number compared with: whole for `calls`, never negative for
    /// `calls_per_iteration`.
    pub value: f64,
    /// Where the expectation is written.
    #[serde(skip)]
    pub origin: Origin,
}

/// What a call expectation counts (of the mock, or of one route).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallTarget {
    /// `calls`: the calls of the whole run.
    Calls,
    /// `calls_per_iteration`: the calls divided by the iterations run (no value when
    /// no iteration ran).
    CallsPerIteration,
}

/// `fail 1% with 503` / `with reset` / `with hang`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fault {
    /// The fraction of calls that fail this way (0..=1).
    pub rate: f64,
    /// What the failing calls get.
    pub kind: FaultKind,
}

/// How a faulty call fails.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer with this status (and a `Retry-After` header when given).
    Status {
        /// The status code (100 to 599).
        status: u16,
        /// The `Retry-After` delay (sent in whole seconds, rounded up; serialized in
        /// milliseconds); validate allows it only with 429, 503 and 3xx statuses.
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
