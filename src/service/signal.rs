//! Signals that stop perfdsl: SIGINT, SIGTERM, SIGHUP.

use std::future::Future;

/// Perfdsl was interrupted by a signal (see `until_interrupted`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted {
    pub signal: &'static str,
}

/// Runs `work` until it finishes, or until SIGINT (Ctrl-C), SIGTERM or SIGHUP arrives. The
/// caller then stops the service. Signals stay handled by tokio for the rest of the process,
/// so a second Ctrl-C does not kill perfdsl halfway through the cleanup.
pub async fn until_interrupted<F: Future>(work: F) -> Result<F::Output, Interrupted> {
    use tokio::signal::unix::{signal, SignalKind};
    tokio::pin!(work);
    let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        return Ok(work.await);
    };
    tokio::select! {
        out = &mut work => Ok(out),
        _ = int.recv() => Err(Interrupted { signal: "SIGINT" }),
        _ = term.recv() => Err(Interrupted { signal: "SIGTERM" }),
        _ = hup.recv() => Err(Interrupted { signal: "SIGHUP" }),
    }
}
