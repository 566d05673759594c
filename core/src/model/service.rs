//! The service under test (or an already running target) and databases.

use std::time::Duration;

use serde::{Serialize, Serializer};

use super::{ms, Method, Origin, Template};

/// `service NAME { ... }`: how to start, reach and stop the service under test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Service {
    pub name: String,
    /// The command and its arguments (a single `run` string is split on whitespace).
    /// Arguments may use `port`, `mock.NAME.url` and `env.NAME`.
    pub argv: Vec<Template>,
    /// Working directory, relative to the `.perf` file.
    pub dir: Option<String>,
    pub env: Vec<EnvVar>,
    pub port: Port,
    /// Default `http://127.0.0.1:{{ port }}`.
    pub base_url: Template,
    pub ready: Ready,
    /// Time between SIGTERM and SIGKILL when stopping (default 5s).
    #[serde(serialize_with = "ms")]
    pub grace: Duration,
    /// Where the service's output is kept (default: chosen by the runtime).
    pub log: Option<String>,
    #[serde(skip)]
    pub origin: Origin,
}

/// One environment variable given to the service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnvVar {
    pub key: String,
    pub value: EnvValue,
}

/// A literal (templated) value, or a lookup in perfdsl's own environment.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EnvValue {
    Template(Template),
    /// `env("NAME", "default")`: the variable, or the default when it is unset.
    Lookup {
        name: String,
        default: Option<Template>,
    },
}

/// The port the service listens on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Port {
    /// A free loopback port chosen by perfdsl (the default).
    Auto,
    Fixed(u16),
}

/// `"auto"` or the port number.
impl Serialize for Port {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Port::Auto => s.serialize_str("auto"),
            Port::Fixed(p) => s.serialize_u16(*p),
        }
    }
}

/// The readiness probe: `ready GET /health within 30s` (default `GET /` within 30s).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ready {
    pub method: Method,
    pub path: Template,
    #[serde(serialize_with = "ms")]
    pub within: Duration,
}

/// `target [NAME] URL`: a service that is already running.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    /// `target` when unnamed.
    pub name: String,
    /// May use `env.NAME`.
    pub url: EnvValue,
    #[serde(skip)]
    pub origin: Origin,
}

/// `database NAME { ... }`: fixtures and per-iteration database work.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Database {
    pub name: String,
    /// May use `env.NAME`.
    pub url: EnvValue,
    pub setup: Option<Sql>,
    pub reset: Option<Sql>,
    #[serde(skip)]
    pub origin: Origin,
}

/// SQL from a file (path relative to the `.perf` file; read at run time) or inline.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sql {
    File(String),
    /// The fenced text, dedented.
    Inline(String),
}
