//! The lifecycle of the service under test: spawn it in a process group of its own with its
//! output in a log file, probe it until ready, stop it (SIGTERM, grace, SIGKILL of the whole
//! group) and check that nothing of the group survived.
//!
//! The group leader is never reaped before the end (`stop`, or a failed `start`): an unreaped
//! leader keeps its pid, and so the group id, from being reused, which makes signalling the
//! group at any time — `stop`, `Drop` — safe.
//!
//! Interrupts: a terminal sends Ctrl-C to its foreground process group only, and the service is
//! in a group of its own, so it never sees it; a CI runner's SIGTERM reaches perfdsl alone too.
//! Keep the `RunningService` outside the interruptible part and stop it in every case:
//!
//! ```ignore
//! let service = RunningService::start(spec).await?;
//! let outcome = until_interrupted(run_scenarios(&base_url)).await; // Err on SIGINT/SIGTERM/SIGHUP
//! let report = service.stop().await;
//! ```
//!
//! `start` may be wrapped too: dropping its unfinished future kills what it spawned.
//! `Drop` SIGKILLs the group (early return, `?`, panic). And when perfdsl dies without
//! either (SIGKILL, `std::process::exit`, a crash), the service's guard — a child
//! watching a pipe only perfdsl writes to — kills the group within a second.
//!
//! Limit: a process that leaves the group (`setsid`, `setpgid`, a double-forking daemon) cannot
//! be reached through it, and no portable mechanism catches it; such services should be run in
//! the foreground. `stop` can only report survivors that are still in the group.

mod error;
mod group;
mod guard;
mod log;
pub mod owner;
mod probe;
mod signal;
mod status;

use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use hyper::Method;
use tokio::process::Child;

pub use error::ServiceError;
pub use group::live_members;
use group::{peek_exit, signal_group, spawn, wait_group_gone, STOP_POLL};
use log::{open_log, read_tail};
use probe::Probe;
pub use signal::{until_interrupted, Interrupted};
pub use status::{Ended, StopReport, Waiting, WAITING_EVERY};

const READY_POLL: Duration = Duration::from_millis(50);
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(1);
const REAP_WAIT: Duration = Duration::from_secs(2);
/// Log lines shown in an error.
const TAIL_LINES: usize = 20;

/// `ready METHOD PATH within DURATION`: any 2xx answer means ready.
#[derive(Debug, Clone)]
pub struct ReadyProbe {
    pub method: Method,
    /// Appended to the base URL's path.
    pub path: String,
    pub within: Duration,
}

/// A fully resolved service: templates expanded, port chosen, paths absolute or cwd-relative.
#[derive(Debug, Clone)]
pub struct ServiceSpec {
    pub name: String,
    /// Program and arguments (the program is looked up on `PATH` when it has no `/`).
    pub argv: Vec<String>,
    pub dir: Option<PathBuf>,
    /// Added to the inherited environment.
    pub env: Vec<(String, String)>,
    /// `http://HOST:PORT[/prefix]`.
    pub base_url: String,
    pub ready: ReadyProbe,
    /// SIGTERM → wait this long → SIGKILL.
    pub grace: Duration,
    /// The service's stdout and stderr (appended; created with its parents).
    pub log_path: PathBuf,
    /// Values (from the environment) never to print: masked in the command shown.
    pub secrets: Vec<String>,
}

impl ServiceSpec {
    /// The command line as perfdsl prints it: passwords of connection strings and the
    /// [`secrets`](Self::secrets) masked.
    pub fn shown_command(&self) -> String {
        let words: Vec<String> = self.argv.iter().map(|a| crate::urls::redact(a)).collect();
        crate::urls::mask_values(&words.join(" "), &self.secrets)
    }
}

/// A free loopback port: bound on `127.0.0.1:0`, read, released. Another process may take it
/// before the service binds it; the readiness probe then fails with the service's own error.
pub fn pick_free_port() -> io::Result<u16> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    Ok(listener.local_addr()?.port())
}

/// A started, ready service. Dropping it SIGKILLs its process group.
#[derive(Debug)]
pub struct RunningService {
    name: String,
    child: Child,
    /// The leader's pid, which is also the group id (`process_group(0)`).
    pid: i32,
    grace: Duration,
    log_path: PathBuf,
    /// Where this run's output starts in the (appended) log file.
    log_start: u64,
    ready_after: Duration,
    /// The leader has been reaped: its pid may be reused, so the group is never signalled again.
    reaped: bool,
    /// Kills the group if perfdsl dies without stopping it (SIGKILL included).
    guard: Option<guard::Guard>,
}

impl RunningService {
    /// Spawns the service and waits until its readiness probe answers 2xx, saying on
    /// standard error every [`WAITING_EVERY`] where it stands. On failure the group is
    /// killed and reaped before the error is returned.
    pub async fn start(spec: ServiceSpec) -> Result<RunningService, ServiceError> {
        Self::start_reporting(spec, WAITING_EVERY, &mut |w| crate::errln!("{w}")).await
    }

    /// [`start`](Self::start), handing `report` where the service stands every `every`
    /// while it is not ready.
    pub async fn start_reporting(
        spec: ServiceSpec,
        every: Duration,
        report: &mut dyn FnMut(&Waiting),
    ) -> Result<RunningService, ServiceError> {
        let probe = Probe::new(&spec)?;
        let (log, log_start) = open_log(&spec).map_err(|e| ServiceError::Log {
            name: spec.name.clone(),
            path: spec.log_path.display().to_string(),
            reason: e.to_string(),
        })?;
        let child = spawn(&spec, log)?;
        let pid = child
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .unwrap_or(0);
        let guard = match guard::Guard::watch(pid) {
            Ok(g) => Some(g),
            Err(e) => {
                crate::errln!(
                    "warning: service `{}`: no guard could be started ({e}): if perfdsl is \
                     killed, the service's processes will outlive it",
                    spec.name
                );
                None
            }
        };
        let mut service = RunningService {
            name: spec.name,
            child,
            pid,
            grace: spec.grace,
            log_path: spec.log_path,
            log_start,
            ready_after: Duration::ZERO,
            reaped: false,
            guard,
        };
        service
            .wait_ready(&probe, spec.ready.within, every, report)
            .await?;
        service.owns_port(&probe).await?;
        Ok(service)
    }

    /// The process that answered the probe is the service: on loopback, the listening
    /// sockets a connection to the probed address reaches (the address the load resolves
    /// to, as the load resolves it) must belong to the service: its process group, or a
    /// process below its leader. When that cannot be told, a warning says so.
    async fn owns_port(&mut self, probe: &Probe) -> Result<(), ServiceError> {
        use std::net::ToSocketAddrs;
        let host = probe.host.trim_matches(['[', ']']);
        let Some(addr) = (host, probe.port)
            .to_socket_addrs()
            .ok()
            .and_then(|mut a| a.next())
        else {
            return Ok(());
        };
        // `::ffff:127.0.0.1` is 127.0.0.1 to the kernel, and to this check.
        let addr = std::net::SocketAddr::new(crate::urls::unmapped(addr.ip()), addr.port());
        if !addr.ip().is_loopback() {
            return Ok(());
        }
        let pid = self.pid.unsigned_abs();
        let holder = match owner::check(addr, pid, pid) {
            owner::Owner::Service => return Ok(()),
            owner::Owner::Unknown => {
                if cfg!(target_os = "linux") {
                    crate::errln!(
                        "warning: service `{}`: perfdsl cannot tell which process listens on \
                         {addr} (it may not look at the socket's holder); the load goes there",
                        self.name
                    );
                }
                return Ok(());
            }
            owner::Owner::Foreign(h) => h,
        };
        self.fail().await;
        Err(ServiceError::PortTaken {
            name: self.name.clone(),
            port: probe.port,
            holder: format!("`{}` (pid {})", holder.name, holder.pid),
        })
    }

    /// The leader's exit status if it has died (non-blocking; it is not reaped).
    pub fn exited(&mut self) -> Option<ExitStatus> {
        if self.reaped {
            return self.child.try_wait().ok().flatten();
        }
        peek_exit(self.pid)
    }

    /// The last `n` lines this run wrote to the log (older runs in the same file excluded).
    pub fn last_log_lines(&self, n: usize) -> Vec<String> {
        read_tail(&self.log_path, self.log_start, n).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.pid.unsigned_abs()
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// How long the service took to answer its readiness probe.
    pub fn ready_after(&self) -> Duration {
        self.ready_after
    }

    /// SIGTERM to the group, up to `grace` for all of it to exit, then SIGKILL; reaps the
    /// leader and reports whatever of the group is still alive. Safe at any time, including
    /// after the service died by itself.
    pub async fn stop(mut self) -> StopReport {
        let began = Instant::now();
        let before = self.exited();
        let (at_grace_end, sigkill_sent) = self.terminate_group().await;
        let status = self.reap().await;
        let survivors = wait_group_gone(self.pid, REAP_WAIT).await;
        // Stopped by perfdsl: the guard has nothing left to do.
        if let Some(g) = self.guard.take() {
            g.release();
        }
        let ended = match (before, at_grace_end) {
            (Some(status), _) => Ended::ByItself(status),
            (None, Some(status)) => Ended::Terminated(status),
            (None, None) => Ended::Killed(status),
        };
        StopReport {
            ended,
            sigkill_sent,
            survivors,
            took: began.elapsed(),
        }
    }

    /// Polls the probe every 50 ms until 2xx, the leader's death or `within`; reports
    /// every `every` meanwhile.
    async fn wait_ready(
        &mut self,
        probe: &Probe,
        within: Duration,
        every: Duration,
        report: &mut dyn FnMut(&Waiting),
    ) -> Result<(), ServiceError> {
        let started = Instant::now();
        let deadline = started + within;
        let mut last_error: Option<String> = None;
        let mut next_report = started + every;
        loop {
            if Instant::now() >= next_report {
                next_report += every;
                report(&Waiting {
                    name: self.name.clone(),
                    elapsed: started.elapsed(),
                    within,
                    last_attempt: last_error.clone(),
                    last_log_line: self.last_log_lines(1).pop(),
                });
            }
            if let Some(status) = self.exited() {
                let (last_lines, log) = self.fail().await;
                let name = self.name.clone();
                return Err(ServiceError::Exited {
                    name,
                    status,
                    last_lines,
                    log,
                });
            }
            if attempt(probe, deadline, &mut last_error).await {
                self.ready_after = started.elapsed();
                return Ok(());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                let waited = started.elapsed();
                let (last_lines, log) = self.fail().await;
                return Err(ServiceError::NeverReady {
                    name: self.name.clone(),
                    waited,
                    last_attempt_error: last_error.unwrap_or_else(|| "no attempt was made".into()),
                    last_lines,
                    log,
                });
            }
            tokio::time::sleep(left.min(READY_POLL)).await;
        }
    }

    /// Kills and reaps the group, then reads what it left in the log: (last lines, log path).
    async fn fail(&mut self) -> (Vec<String>, String) {
        self.signal_group(libc::SIGKILL);
        self.reap().await;
        wait_group_gone(self.pid, REAP_WAIT).await;
        if let Some(g) = self.guard.take() {
            g.release();
        }
        let lines = self.last_log_lines(TAIL_LINES);
        (lines, self.log_path.display().to_string())
    }

    /// SIGTERM, then wait for the leader and every member; SIGKILL when `grace` runs out.
    /// Returns the leader's status as it was before any SIGKILL, and whether one was sent.
    async fn terminate_group(&mut self) -> (Option<ExitStatus>, bool) {
        self.signal_group(libc::SIGTERM);
        let deadline = Instant::now() + self.grace;
        loop {
            let leader = self.exited();
            if leader.is_some() && live_members(self.pid).is_empty() {
                return (leader, false);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                self.signal_group(libc::SIGKILL);
                return (leader, true);
            }
            tokio::time::sleep(left.min(STOP_POLL)).await;
        }
    }

    /// Reaps the leader (bounded: a process stuck in the kernel may not die at once).
    async fn reap(&mut self) -> Option<ExitStatus> {
        let status = tokio::time::timeout(REAP_WAIT, self.child.wait()).await;
        let status = status.ok().and_then(Result::ok);
        self.reaped = status.is_some();
        status
    }

    fn signal_group(&self, signal: libc::c_int) {
        // Once the leader is reaped its pid, the group id, may be reused by strangers.
        if !self.reaped {
            signal_group(self.pid, signal);
        }
    }
}

impl Drop for RunningService {
    fn drop(&mut self) {
        // tokio reaps the dropped child in the background.
        self.signal_group(libc::SIGKILL);
    }
}

/// One readiness probe within what is left until `deadline`: true when the service
/// answered with success; otherwise `last_error` says what happened (an attempt cut short
/// by the deadline says less than the one before it, which is kept).
async fn attempt(probe: &Probe, deadline: Instant, last_error: &mut Option<String>) -> bool {
    let budget = deadline
        .saturating_duration_since(Instant::now())
        .min(ATTEMPT_TIMEOUT);
    match tokio::time::timeout(budget, probe.attempt()).await {
        Ok(Ok(status)) if status.is_success() => return true,
        Ok(Ok(status)) => *last_error = Some(format!("{} answered {status}", probe.url)),
        Ok(Err(error)) => *last_error = Some(error),
        Err(_) if budget < ATTEMPT_TIMEOUT && last_error.is_some() => {}
        Err(_) => *last_error = Some(format!("{} gave no answer in {budget:?}", probe.url)),
    }
    false
}
