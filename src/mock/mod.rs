//! The upstream mock servers of a program (`mock` blocks) and their journal.
//!
//! Each mock is an HTTP/1.1 server (HTTP/2 with prior knowledge too) on a loopback port,
//! served by hyper on the *caller's* tokio runtime. `perfdsl run` starts them on its
//! control runtime, never on the load engine's worker threads, so a slow or busy mock
//! delays its own answers (and shows it in its journal: queueing delay, timer lateness)
//! but never steals time from the load generator.
//!
//! ```text
//! let set = MockSet::start(mock::specs(&checked, &ports)?, Some(0)).await?;  // proxy on a free port
//! service_env.extend(set.env());      // MOCK_SERVICES, <NAME>_URL, HTTP_PROXY, NO_PROXY
//! for scenario { set.reset(); run(scenario); let snaps = set.snapshots();
//!                for s in &snaps { check_expectations(s, iterations); s.metrics(iterations); } }
//! set.stop().await;
//! ```
//!
//! Everything a mock answers is compiled once at start (routes indexed in a trie, response
//! templates compiled into literal text and variables, body files read); a request only
//! matches, renders and waits.

mod answer;
mod conn;
mod context;
mod expect;
mod journal;
mod listen;
mod proxy;
mod render;
mod request;
mod router;
mod server;
mod set;

use std::path::PathBuf;

use miette::Diagnostic;
use thiserror::Error;

pub use expect::check_expectations;
pub use journal::{FaultCounts, MockSnapshot, RouteSnapshot, UnmatchedRequest};
pub use proxy::Unrouted;
pub use server::{MockServer, RunningMock};
pub use set::{specs, MockSet, MockSpec};

/// Seed of a mock's random choices when neither the mock (`seed N`) nor the caller gives one.
pub const DEFAULT_SEED: u64 = 0x7065_7266_6473_6c00;

/// Longest a `fail ... with hang` call is held before the connection is closed.
pub const HANG_CAP: std::time::Duration = std::time::Duration::from_secs(300);

/// Largest request body a mock reads; a larger one gets `413`.
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// How to start one mock.
#[derive(Debug, Clone, Default)]
pub struct MockOptions {
    /// Seed used when the mock has no `seed` statement (default `DEFAULT_SEED`).
    pub seed: Option<u64>,
    /// A fixed loopback port (None or 0: a free one).
    pub port: Option<u16>,
    /// Folder that `file "..."` bodies are relative to (the `.perf` file's folder).
    pub dir: PathBuf,
}

/// Why a mock (or the mock proxy) could not start.
#[derive(Debug, Error, Diagnostic)]
pub enum MockError {
    #[error("mock `{mock}`: port {port} is already taken")]
    #[diagnostic(
        code(perfdsl::mock::port_taken),
        help("another program listens on 127.0.0.1:{port}; stop it, or give the mock another port (`perfdsl mock --port {mock}=N`, 0 for a free one)")
    )]
    PortTaken { mock: String, port: u16 },

    #[error("mock `{mock}`: cannot listen on 127.0.0.1:{port}: {reason}")]
    #[diagnostic(code(perfdsl::mock::bind))]
    Bind {
        mock: String,
        port: u16,
        reason: String,
    },

    #[error("mock `{mock}`: cannot read the body file `{path}`: {reason}")]
    #[diagnostic(
        code(perfdsl::mock::body_file),
        help("a `file` path is relative to the `.perf` file that names it")
    )]
    BodyFile {
        mock: String,
        path: String,
        reason: String,
    },

    #[error("mock `{mock}`: cannot compile the response of `{route}`: {reason}")]
    #[diagnostic(code(perfdsl::mock::template))]
    Template {
        mock: String,
        route: String,
        reason: String,
    },

    #[error("two different mocks are named `{mock}`")]
    #[diagnostic(
        code(perfdsl::mock::duplicate),
        help("mock names are global to a run (they become `<NAME>_URL`); rename one of them")
    )]
    Duplicate { mock: String },
}

/// The environment variable that holds a mock's URL: `payments-v2` → `PAYMENTS_V2_URL`.
pub fn url_var(mock: &str) -> String {
    let mut name: String = mock
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    name.push_str("_URL");
    name
}

#[cfg(test)]
mod tests {
    #[test]
    fn url_vars_are_upper_case_with_underscores() {
        assert_eq!(super::url_var("payments"), "PAYMENTS_URL");
        assert_eq!(super::url_var("payments-v2"), "PAYMENTS_V2_URL");
    }
}
