//! The typed, validated program: what the runtime executes.
//!
//! Everything here is resolved (names checked, defaults applied, templates, regexes,
//! JSON paths and hooks compiled). Spans are kept where the runtime will point at the
//! source (`Origin`), but they are never serialized and never compared: two models are
//! equal, and serialize identically, exactly when they mean the same.

mod metrics;
mod mock;
mod scenario;
mod service;
mod values;

use std::time::Duration;

use serde::{Serialize, Serializer};

use crate::ast::Span;

pub use metrics::{Direction, Limit, LimitValue, MetricCatalog, MetricInfo, MetricKind};
pub use metrics::{MetricRef, MetricUnit};
pub use mock::{mock_for_host, HostPattern, Response, Route, RouteMethod, Segment};
pub use mock::{CallExpect, CallOverride, CallTarget, Fault, FaultKind, Matcher, Mock};
pub use scenario::{Capture, CaptureSource, Hook, HookPlace, OpenStage, Scenario, Step, Var};
pub use scenario::{
    ClosedStage, Expect, ExpectKind, Feeder, FeederFormat, FeederMode, Load, LoadModel,
};
pub use service::{Database, EnvValue, EnvVar, Port, Ready, Service, Sql, Target};
pub use values::{Body, Distribution, JsonPathExpr, JsonTemplate, Pattern, Predicate};
pub use values::{StatusCheck, Template, TemplatePart, Value};

/// Everything a set of `.perf` files declares, resolved and typed, in source order
/// (root file first, then imported files).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Model {
    /// `service` blocks: the services perfdsl starts and stops. Services and targets
    /// share one namespace, and every name in this model is unique in its namespace.
    pub services: Vec<Service>,
    /// `target` statements: services that are already running.
    pub targets: Vec<Target>,
    /// `mock` blocks: the fake upstreams.
    pub mocks: Vec<Mock>,
    /// `database` blocks: fixtures and per-iteration database work.
    pub databases: Vec<Database>,
    /// `scenario` blocks: each a load run against one service or target.
    pub scenarios: Vec<Scenario>,
}

impl Model {
    /// A one-line summary such as `2 scenarios, 2 mocks, 1 service`.
    pub fn summary(&self) -> String {
        let counts = [
            (self.scenarios.len(), "scenario"),
            (self.mocks.len(), "mock"),
            (self.services.len(), "service"),
            (self.targets.len(), "target"),
            (self.databases.len(), "database"),
        ];
        let parts: Vec<String> = counts
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}{}", if *n == 1 { "" } else { "s" }))
            .collect();
        if parts.is_empty() {
            "nothing declared".to_string()
        } else {
            parts.join(", ")
        }
    }

    /// The scenario named `name`, if the program declares one.
    pub fn scenario(&self, name: &str) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.name == name)
    }

    /// The mock named `name`, if the program declares one.
    pub fn mock(&self, name: &str) -> Option<&Mock> {
        self.mocks.iter().find(|m| m.name == name)
    }
}

/// Where a model element was written: the index of its file in `Program::files` and its
/// span there. Ignored by `==` and never serialized.
#[derive(Debug, Clone, Copy, Default)]
pub struct Origin {
    /// Index of the file in `Program::files` (0: the root file, then the imported files).
    pub file: usize,
    /// The element's byte range in that file.
    pub span: Span,
}

impl PartialEq for Origin {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// An HTTP method of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// `GET`: fetch a resource (the readiness probe's default method).
    Get,
    /// `POST`: submit data for the resource to process.
    Post,
    /// `PUT`: replace a resource.
    Put,
    /// `PATCH`: modify part of a resource.
    Patch,
    /// `DELETE`: remove a resource.
    Delete,
    /// `HEAD`: like `GET`, without the response body.
    Head,
    /// `OPTIONS`: ask what a resource supports.
    Options,
}

impl Method {
    /// The method named by `text`; `ANY` is not a request method.
    pub(crate) fn parse(text: &str) -> Option<Method> {
        Some(match text {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            "HEAD" => Method::Head,
            "OPTIONS" => Method::Options,
            _ => return None,
        })
    }

    /// The method's name as HTTP writes it, in upper case (`GET`).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
        }
    }
}

/// A comparison operator of a predicate, a limit or a call expectation; serialized as
/// written (`"<="`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum CmpOp {
    /// `==`: equal to.
    #[serde(rename = "==")]
    Eq,
    /// `!=`: not equal to.
    #[serde(rename = "!=")]
    Ne,
    /// `<`: less than.
    #[serde(rename = "<")]
    Lt,
    /// `<=`: less than or equal to.
    #[serde(rename = "<=")]
    Le,
    /// `>`: greater than.
    #[serde(rename = ">")]
    Gt,
    /// `>=`: greater than or equal to.
    #[serde(rename = ">=")]
    Ge,
}

impl CmpOp {
    /// Whether `left op right` holds.
    pub fn holds<T: PartialOrd>(self, left: T, right: T) -> bool {
        match self {
            CmpOp::Eq => left == right,
            CmpOp::Ne => left != right,
            CmpOp::Lt => left < right,
            CmpOp::Le => left <= right,
            CmpOp::Gt => left > right,
            CmpOp::Ge => left >= right,
        }
    }

    /// The operator as written in a `.perf` file (`<=`); the variants are in the order of
    /// the syntax's operator, whose spelling table this reads.
    pub fn as_str(self) -> &'static str {
        crate::ast::CMP_SPELLING[self as usize]
    }
}

impl From<crate::ast::CmpOp> for CmpOp {
    fn from(op: crate::ast::CmpOp) -> Self {
        use crate::ast::CmpOp as A;
        match op {
            A::Eq => CmpOp::Eq,
            A::Ne => CmpOp::Ne,
            A::Lt => CmpOp::Lt,
            A::Le => CmpOp::Le,
            A::Gt => CmpOp::Gt,
            A::Ge => CmpOp::Ge,
        }
    }
}

/// Serializes a duration as a number of milliseconds (whole when it is whole).
pub(crate) fn ms<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    let nanos = d.as_nanos();
    if nanos.is_multiple_of(1_000_000) {
        s.serialize_u64(u64::try_from(nanos / 1_000_000).unwrap_or(u64::MAX))
    } else {
        s.serialize_f64(nanos as f64 / 1e6)
    }
}

/// `ms` for an optional duration.
#[allow(
    clippy::ref_option,
    reason = "serde's serialize_with passes a reference"
)]
pub(crate) fn opt_ms<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => ms(d, s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::CmpOp;
    use crate::ast::CmpOp as Written;

    /// Both operators read one spelling table by variant order: each variant keeps its
    /// spelling through the conversion, and serializes as it is written.
    #[test]
    fn operators_are_spelled_as_written() {
        let all = [
            (Written::Eq, "=="),
            (Written::Ne, "!="),
            (Written::Lt, "<"),
            (Written::Le, "<="),
            (Written::Gt, ">"),
            (Written::Ge, ">="),
        ];
        for (written, text) in all {
            let op = CmpOp::from(written);
            assert_eq!((written.as_str(), op.as_str()), (text, text));
            assert_eq!(serde_json::to_string(&op).unwrap(), format!("\"{text}\""));
        }
    }
}
