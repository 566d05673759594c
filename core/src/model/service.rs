//! The service under test (or an already running target) and databases.

use std::time::Duration;

use serde::{Serialize, Serializer};

use super::{ms, Method, Origin, Template};

/// `service NAME { ... }`: how to start, reach and stop the service under test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Service {
    /// The service's name, unique among services and targets; scenarios name it with
    /// `against`.
    pub name: String,
    /// The command and its arguments (a single `run` string is split on whitespace).
    /// Arguments may use `port`, `mock.NAME.url` and `env.NAME`.
    pub argv: Vec<Template>,
    /// Working directory, relative to the `.perf` file.
    pub dir: Option<String>,
    /// Environment variables given to the service, besides the interception variables
    /// perfdsl sets (`MOCK_SERVICES`, `<NAME>_URL`...); keys are unique.
    pub env: Vec<EnvVar>,
    /// The port the service listens on.
    pub port: Port,
    /// Default `http://127.0.0.1:{{ port }}`.
    pub base_url: Template,
    /// How perfdsl knows that the service is up.
    pub ready: Ready,
    /// Time between SIGTERM and SIGKILL when stopping (default 5s).
    #[serde(serialize_with = "ms")]
    pub grace: Duration,
    /// Where the service's output is kept (default: chosen by the runtime).
    pub log: Option<String>,
    /// Where the block is written.
    #[serde(skip)]
    pub origin: Origin,
}

/// One environment variable given to the service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnvVar {
    /// The variable's name, unique in the service's `env` block.
    pub key: String,
    /// Its value: a template, or a lookup in perfdsl's own environment.
    pub value: EnvValue,
}

/// A literal (templated) value, or a lookup in perfdsl's own environment.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EnvValue {
    /// A string, possibly with `{{ }}` variables.
    Template(Template),
    /// `env("NAME", "default")`: the variable, or the default when it is unset.
    Lookup {
        /// The variable of perfdsl's environment (not empty, no `=` or NUL).
        name: String,
        /// The value when the variable is unset; None: the empty string.
        default: Option<Template>,
    },
}

/// The port the service listens on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Port {
    /// A free loopback port chosen by perfdsl (the default).
    Auto,
    /// This port (1 to 65535).
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
    /// The probe's method.
    pub method: Method,
    /// The probed path, on the service's base URL.
    pub path: Template,
    /// How long perfdsl waits for a 2xx answer before it gives up (above zero;
    /// serialized in milliseconds).
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
    /// Where the statement is written.
    #[serde(skip)]
    pub origin: Origin,
}

/// `database NAME { ... }`: fixtures and per-iteration database work.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Database {
    /// The database's name, as in its metrics (`db.NAME.*`).
    pub name: String,
    /// May use `env.NAME`.
    pub url: EnvValue,
    /// SQL run before the scenarios (fixtures); None: nothing to run.
    pub setup: Option<Sql>,
    /// SQL run between scenarios; None: nothing to run.
    pub reset: Option<Sql>,
    /// Where the block is written.
    #[serde(skip)]
    pub origin: Origin,
}

/// SQL from a file (path relative to the `.perf` file; read at run time) or inline.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sql {
    /// A file's path, relative to the `.perf` file.
    File(String),
    /// The fenced text, dedented.
    Inline(String),
}
