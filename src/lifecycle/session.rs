//! What stays up for the whole run: the mocks, the measured databases, the services
//! started so far, and the stop flag that a signal or a dead service sets.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::database::{DatabaseSpec, Databases};
use crate::exit::{self, fail_with};
use crate::metrics::Results;
use crate::mock::{self, MockSet};
use crate::service::Ended;
use perfdsl_core::diagnostics::Style;
use perfdsl_core::frontend::Checked;

use super::tally::Tally;
use super::targets::{MockEnv, Started};
use super::upstream;

/// The run's surroundings, from the first mock started to the last service stopped.
pub(super) struct Session {
    pub(super) mocks: Option<MockSet>,
    pub(super) dbs: Option<Databases>,
    pub(super) mock_env: MockEnv,
    pub(super) services: Started,
    /// Set by a signal or by a service that died: no further scenario starts.
    pub(super) stop: Arc<AtomicBool>,
    /// Set by a signal only.
    by_signal: Arc<AtomicBool>,
    signals: tokio::task::JoinHandle<()>,
}

impl Session {
    /// Starts the mocks, then connects the databases (their fixtures exist before any
    /// service starts), then watches for signals; exit 3 when a mock or a database
    /// cannot start.
    pub(super) async fn start(checked: &[Checked], style: Style) -> Result<Session, u8> {
        let mocks = start_mocks(checked, style).await?;
        let dbs = match connect_databases(checked, style).await {
            Ok(d) => d,
            Err(code) => {
                if let Some(m) = mocks {
                    m.stop().await;
                }
                return Err(code);
            }
        };
        let mock_env = mocks.as_ref().map_or_else(MockEnv::default, |m| MockEnv {
            env: m.env(),
            urls: m.urls(),
        });
        let stop = Arc::new(AtomicBool::new(false));
        let by_signal = Arc::new(AtomicBool::new(false));
        let signals = tokio::spawn(watch_signals(stop.clone(), by_signal.clone()));
        Ok(Session {
            mocks,
            dbs,
            mock_env,
            services: BTreeMap::new(),
            stop,
            by_signal,
            signals,
        })
    }

    /// Whether the run is being stopped (a signal, a dead service).
    pub(super) fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Whether a signal stopped the run.
    pub(super) fn interrupted(&self) -> bool {
        self.by_signal.load(Ordering::Relaxed)
    }

    /// Stops the services (a service that had exited by itself makes the run
    /// incomplete), closes the databases, stops the mocks; the incomplete reasons go into
    /// the results, masked.
    pub(super) async fn stop(mut self, results: &mut Results, tally: &mut Tally) {
        self.signals.abort();
        let died_before = tally
            .incomplete
            .iter()
            .any(|r| r.starts_with("the service exited"));
        for (_, (svc, _)) in std::mem::take(&mut self.services) {
            let name = svc.name().to_string();
            let report = svc.stop().await;
            // A service that exited by itself between its last check and the end measured
            // less than it should have (it may have crashed on the last requests).
            if let Ended::ByItself(status) = report.ended {
                if !died_before && !results.scenarios.is_empty() {
                    crate::errln!(
                        "error: service `{name}` had exited by itself ({status}) when the run ended"
                    );
                    tally.incomplete.push(format!(
                        "the service `{name}` exited by itself before the run ended ({status})"
                    ));
                    tally.code = tally.code.max(exit::RUNTIME);
                }
            } else if !report.clean() {
                crate::errln!("warning: {report:?}");
            }
        }
        results.incomplete = tally
            .incomplete
            .iter()
            .map(|r| crate::urls::scrub(r))
            .collect();
        if let Some(d) = self.dbs {
            d.close().await;
        }
        if let Some(m) = self.mocks {
            upstream::warn_uncalled_mocks(&m, results);
            m.stop().await;
        }
    }
}

/// Starts every mock of the checked files (interception for the services); exit code 3
/// when one cannot start (a port already taken).
async fn start_mocks(checked: &[Checked], style: Style) -> Result<Option<MockSet>, u8> {
    let specs = match mock::specs(checked, &HashMap::new()) {
        Ok(s) if s.is_empty() => return Ok(None),
        Ok(s) => s,
        Err(e) => return Err(fail_with(exit::RUNTIME, e, style)),
    };
    match MockSet::start(specs, Some(0)).await {
        Ok(set) => {
            for (name, url) in set.urls() {
                crate::errln!("mock `{name}` at {url}");
            }
            Ok(Some(set))
        }
        Err(e) => Err(fail_with(exit::RUNTIME, e, style)),
    }
}

/// Connects to every database of the checked files and runs their setup SQL; exit 3
/// when one cannot be reached or its setup fails.
async fn connect_databases(checked: &[Checked], style: Style) -> Result<Option<Databases>, u8> {
    let mut specs = Vec::new();
    for c in checked {
        for d in &c.model.databases {
            let spec =
                DatabaseSpec::resolve(d, c).map_err(|e| fail_with(exit::RUNTIME, e, style))?;
            specs.push(spec);
        }
    }
    if specs.is_empty() {
        return Ok(None);
    }
    Databases::connect(specs)
        .await
        .map(Some)
        .map_err(|e| fail_with(exit::RUNTIME, e, style))
}

async fn watch_signals(stop: Arc<AtomicBool>, by_signal: Arc<AtomicBool>) {
    let never = std::future::pending::<()>();
    if crate::service::until_interrupted(never).await.is_err() {
        by_signal.store(true, Ordering::Relaxed);
        stop.store(true, Ordering::Relaxed);
    }
}
