//! All the mocks of a run, the mock proxy, and the environment that points a service at
//! them (`MOCK_SERVICES`, `<NAME>_URL`, `HTTP_PROXY`).

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::journal::MockSnapshot;
use super::listen::{bind, spawn_accept, Dispatch};
use super::proxy::{ProxyState, Unrouted};
use super::server::{MockServer, RunningMock};
use super::{url_var, MockError, MockOptions};
use perfdsl_core::frontend::Checked;
use perfdsl_core::model::Mock;

/// A mock to start and how.
#[derive(Debug, Clone)]
pub struct MockSpec<'a> {
    pub mock: &'a Mock,
    pub options: MockOptions,
}

/// The mocks of checked programs, each once, with its body-file folder and the fixed port
/// given in `ports` (by mock name). A mock imported by several files counts once; two
/// different mocks with the same name are an error.
#[allow(
    clippy::implicit_hasher,
    reason = "the ports come from the CLI, in a plain HashMap"
)]
pub fn specs<'a>(
    checked: &'a [Checked],
    ports: &HashMap<String, u16>,
) -> Result<Vec<MockSpec<'a>>, MockError> {
    let mut out: Vec<MockSpec<'a>> = Vec::new();
    for c in checked {
        for mock in &c.model.mocks {
            if let Some(seen) = out.iter().find(|s| s.mock.name == mock.name) {
                if seen.mock != mock {
                    return Err(MockError::Duplicate {
                        mock: mock.name.clone(),
                    });
                }
                continue;
            }
            let dir = c
                .program
                .files
                .get(mock.origin.file)
                .and_then(|f| f.source.path.parent().map(std::path::Path::to_path_buf))
                .unwrap_or_default();
            out.push(MockSpec {
                mock,
                options: MockOptions {
                    seed: None,
                    port: ports.get(&mock.name).copied(),
                    dir,
                },
            });
        }
    }
    Ok(out)
}

struct Proxy {
    url: String,
    state: Arc<ProxyState>,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
}

/// Running mocks (and the proxy). Dropping the set stops them.
pub struct MockSet {
    mocks: Vec<RunningMock>,
    proxy: Option<Proxy>,
}

impl MockSet {
    /// Starts every mock, then the proxy when `proxy_port` is given (0: a free port).
    /// On error, the mocks already started are stopped.
    pub async fn start(
        specs: Vec<MockSpec<'_>>,
        proxy_port: Option<u16>,
    ) -> Result<MockSet, MockError> {
        let mut mocks = Vec::new();
        for s in &specs {
            if mocks.iter().any(|m: &RunningMock| m.name() == s.mock.name) {
                return Err(MockError::Duplicate {
                    mock: s.mock.name.clone(),
                });
            }
            mocks.push(MockServer::start(s.mock, &s.options).await?);
        }
        let proxy = match proxy_port {
            None => None,
            Some(port) => {
                let listener = bind("proxy", port).await?;
                let addr = listener.local_addr().map_err(|e| MockError::Bind {
                    mock: "proxy".into(),
                    port,
                    reason: e.to_string(),
                })?;
                let state = Arc::new(ProxyState::new(
                    mocks.iter().map(RunningMock::state).collect(),
                ));
                let (tx, rx) = watch::channel(false);
                let task = spawn_accept(listener, Dispatch::Proxy(state.clone()), rx);
                Some(Proxy {
                    url: format!("http://{addr}"),
                    state,
                    shutdown: tx,
                    task,
                })
            }
        };
        Ok(MockSet { mocks, proxy })
    }

    pub fn mocks(&self) -> &[RunningMock] {
        &self.mocks
    }

    pub fn get(&self, name: &str) -> Option<&RunningMock> {
        self.mocks.iter().find(|m| m.name() == name)
    }

    /// `(name, http://127.0.0.1:PORT)` per mock, in start order.
    pub fn urls(&self) -> Vec<(String, String)> {
        self.mocks
            .iter()
            .map(|m| (m.name().to_string(), m.url()))
            .collect()
    }

    /// The forward-proxy URL, when the proxy runs.
    pub fn proxy_url(&self) -> Option<String> {
        self.proxy.as_ref().map(|p| p.url.clone())
    }

    /// The interception environment of the service under test: `MOCK_SERVICES`, one
    /// `<NAME>_URL` per mock and, with the proxy, `HTTP_PROXY`/`http_proxy` with
    /// `NO_PROXY`/`no_proxy=127.0.0.1,localhost` (so the service's own probes and the
    /// direct mock URLs are not proxied).
    /// `MOCK_SERVICES` also maps each exact `host` a mock declares to its URL
    /// (`pricing=http://127.0.0.1:P,pricing.internal=http://127.0.0.1:P`), for services
    /// that look their upstreams up by host name.
    pub fn env(&self) -> Vec<(String, String)> {
        let urls = self.urls();
        let mut services: Vec<String> = urls.iter().map(|(n, u)| format!("{n}={u}")).collect();
        for m in &self.mocks {
            let state = m.state();
            let exact = state.hosts.iter().filter(|h| !h.pattern.starts_with('*'));
            services.extend(exact.map(|h| format!("{}={}", h.pattern, m.url())));
        }
        let mut env = vec![("MOCK_SERVICES".to_string(), services.join(","))];
        env.extend(urls.into_iter().map(|(n, u)| (url_var(&n), u)));
        if let Some(p) = self.proxy_url() {
            for k in ["HTTP_PROXY", "http_proxy"] {
                env.push((k.to_string(), p.clone()));
            }
            for k in ["NO_PROXY", "no_proxy"] {
                env.push((k.to_string(), "127.0.0.1,localhost".to_string()));
            }
        }
        env
    }

    /// Every mock's journal since its last reset, in start order.
    pub fn snapshots(&self) -> Vec<MockSnapshot> {
        self.mocks.iter().map(RunningMock::snapshot).collect()
    }

    /// Resets every journal and the proxy's unknown hosts (call it before each scenario).
    pub fn reset(&self) {
        self.mocks.iter().for_each(RunningMock::reset);
        if let Some(p) = &self.proxy {
            p.state.reset();
        }
    }

    /// What the service asked the proxy for that no mock could answer since the last
    /// reset (hosts no mock answers for, HTTPS tunnels): where calls went that no mock saw.
    pub fn unrouted(&self) -> Unrouted {
        self.proxy
            .as_ref()
            .map_or_else(Unrouted::default, |p| p.state.unrouted())
    }

    /// Stops the proxy and every mock.
    pub async fn stop(self) {
        if let Some(p) = self.proxy {
            let _ = p.shutdown.send(true);
            let _ = p.task.await;
        }
        for m in self.mocks {
            m.stop().await;
        }
    }
}
