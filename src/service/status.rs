//! What a service's start and stop report: where a slow start stands, and how the
//! service ended.

use std::process::ExitStatus;
use std::time::Duration;

/// How often a service that is slow to get ready is reported on (a build behind
/// `cargo run` can take minutes with nothing else to see).
pub const WAITING_EVERY: Duration = Duration::from_secs(10);

/// Where a service that is not ready yet stands: reported every [`WAITING_EVERY`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub name: String,
    pub elapsed: Duration,
    pub within: Duration,
    /// What the last probe got (`connection refused`, `answered 503`).
    pub last_attempt: Option<String>,
    /// The last line the service wrote to its log, if any.
    pub last_log_line: Option<String>,
}

/// The last `max` characters of `line` (a progress line may be very long).
fn clip(line: &str, max: usize) -> String {
    let n = line.chars().count();
    if n <= max {
        line.to_string()
    } else {
        let tail: String = line.chars().skip(n - max).collect();
        format!("…{tail}")
    }
}

impl std::fmt::Display for Waiting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "still waiting for service `{}` to be ready: {}s of {}s",
            self.name,
            self.elapsed.as_secs(),
            self.within.as_secs()
        )?;
        if let Some(a) = &self.last_attempt {
            write!(f, "; last probe: {a}")?;
        }
        match &self.last_log_line {
            Some(l) => {
                // A progress line rewritten in place: its last state.
                let l = l.rsplit('\r').find(|p| !p.trim().is_empty()).unwrap_or(l);
                write!(f, "; its last log line: {}", clip(l.trim(), 200))
            }
            None => write!(f, "; it has logged nothing yet"),
        }
    }
}

/// How the service's leader ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// It had exited by itself before `stop` (it crashed or finished).
    ByItself(ExitStatus),
    /// It exited within the grace period after SIGTERM.
    Terminated(ExitStatus),
    /// It was still running after the grace period and was SIGKILLed (`None`: not reaped).
    Killed(Option<ExitStatus>),
}

/// What `stop` did and found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopReport {
    pub ended: Ended,
    /// SIGKILL had to be sent to the group (to the leader or to members it left behind).
    pub sigkill_sent: bool,
    /// Pids still alive in the service's process group afterwards; must be empty.
    pub survivors: Vec<u32>,
    pub took: Duration,
}

impl StopReport {
    /// Nothing of the group is left.
    pub fn clean(&self) -> bool {
        self.survivors.is_empty()
    }
}

impl std::fmt::Display for StopReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.ended {
            Ended::ByItself(status) => write!(f, "had already exited ({status})")?,
            Ended::Terminated(status) => write!(f, "stopped by SIGTERM ({status})")?,
            Ended::Killed(_) => write!(f, "killed with SIGKILL after the grace period")?,
        }
        write!(
            f,
            " in {}",
            perfdsl_core::units::show::duration_ms(self.took.as_secs_f64() * 1000.0)
        )?;
        if !self.survivors.is_empty() {
            write!(
                f,
                "; processes of its group still alive: {:?}",
                self.survivors
            )?;
        }
        Ok(())
    }
}
