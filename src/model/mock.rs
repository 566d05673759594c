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
    #[serde(skip)]
    pub origin: Origin,
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
