//! One mock's HTTP server: its listener on the caller's tokio runtime, and the handle
//! that stops it and reads its journal.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::answer::MockState;
use super::journal::MockSnapshot;
use super::listen::{bind, spawn_accept, Dispatch};
use super::{MockError, MockOptions};
use perfdsl_core::model::Mock;

/// Starts mock servers.
pub struct MockServer;

impl MockServer {
    /// Compiles the mock, binds `127.0.0.1` (`opts.port`, or a free port) and serves it on
    /// the current tokio runtime until the returned handle is stopped or dropped.
    pub async fn start(mock: &Mock, opts: &MockOptions) -> Result<RunningMock, MockError> {
        let state = Arc::new(MockState::new(mock, opts)?);
        let listener = bind(&mock.name, opts.port.unwrap_or(0)).await?;
        let addr = listener.local_addr().map_err(|e| MockError::Bind {
            mock: mock.name.clone(),
            port: opts.port.unwrap_or(0),
            reason: e.to_string(),
        })?;
        let (tx, rx) = watch::channel(false);
        let task = spawn_accept(listener, Dispatch::Mock(state.clone()), rx);
        Ok(RunningMock {
            state,
            addr,
            shutdown: tx,
            task: Some(task),
        })
    }
}

/// A mock being served. Dropping it stops it (without waiting).
pub struct RunningMock {
    state: Arc<MockState>,
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl RunningMock {
    pub fn name(&self) -> &str {
        &self.state.name
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The journal since the last reset.
    pub fn snapshot(&self) -> MockSnapshot {
        self.state.snapshot()
    }

    /// Zeroes the journal and the routes' call numbers (sequences and `{{ counter }}`
    /// start again at 1).
    pub fn reset(&self) {
        self.state.journal.reset();
    }

    /// Calls being handled right now (waiting out their latency, or hanging).
    pub fn in_flight(&self) -> u64 {
        self.state.in_flight()
    }

    pub(crate) fn state(&self) -> Arc<MockState> {
        self.state.clone()
    }

    /// Stops accepting, closes every connection, and waits for the accept loop to end.
    pub async fn stop(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningMock {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}
