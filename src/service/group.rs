//! The service's process group: spawning into it, watching it, signalling it.

use std::fs::{self, File};
use std::io;
use std::os::unix::process::ExitStatusExt;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

use super::{ServiceError, ServiceSpec};

/// How often the group is looked at while it is being stopped.
pub(super) const STOP_POLL: Duration = Duration::from_millis(20);

/// Sends `signal` to the process group `pgid`.
pub(super) fn signal_group(pgid: i32, signal: libc::c_int) {
    // -1 or 0 would signal far more than the group.
    if pgid > 1 {
        // SAFETY: kill(2) has no memory effects; a negative pid names the process group.
        unsafe { libc::kill(-pgid, signal) };
    }
}

pub(super) fn spawn(spec: &ServiceSpec, log: File) -> Result<Child, ServiceError> {
    let program = spec.argv.first().map_or("", String::as_str);
    let error = |reason: String, help: String| ServiceError::Spawn {
        name: spec.name.clone(),
        program: program.to_string(),
        reason,
        help,
    };
    if program.is_empty() {
        return Err(error(
            "the command is empty".into(),
            "give the command in `run`".into(),
        ));
    }
    if let Some(dir) = spec.dir.as_ref().filter(|d| !d.is_dir()) {
        let reason = format!("working directory `{}` is not a directory", dir.display());
        return Err(error(reason, "fix the service's `dir`".into()));
    }
    let out = log
        .try_clone()
        .map_err(|e| error(e.to_string(), "check the log file".into()))?;
    let mut command = Command::new(program);
    command
        .args(&spec.argv[1..])
        .envs(spec.env.iter().cloned())
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(log))
        .process_group(0);
    if let Some(dir) = &spec.dir {
        command.current_dir(dir);
    }
    command
        .spawn()
        .map_err(|e| error(e.to_string(), spawn_help(program, &e)))
}

fn spawn_help(program: &str, error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound if program.contains('/') => {
            format!("no file `{program}`; a relative path starts from the service's `dir`")
        }
        io::ErrorKind::NotFound => {
            format!("`{program}` is not on PATH; install it or give its path")
        }
        io::ErrorKind::PermissionDenied => format!("make `{program}` executable (`chmod +x`)"),
        _ if error.raw_os_error() == Some(libc::ENOEXEC) => {
            format!("`{program}` is not an executable; a script needs a `#!` line")
        }
        _ => "check the command in the service's `run`".to_string(),
    }
}

/// The leader's exit status without reaping it (`waitid` with `WNOWAIT`).
pub(super) fn peek_exit(pid: i32) -> Option<ExitStatus> {
    if pid <= 1 {
        return None;
    }
    // SAFETY: siginfo_t is plain data, all zeroes is a valid value.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    let flags = libc::WEXITED | libc::WNOHANG | libc::WNOWAIT;
    // SAFETY: `info` is a valid, writable siginfo_t for the duration of the call.
    let rc = unsafe { libc::waitid(libc::P_PID, pid.unsigned_abs(), &raw mut info, flags) };
    // SAFETY: waitid filled the SIGCHLD fields (si_pid stays 0 while the child runs).
    let (who, status) = unsafe { (info.si_pid(), info.si_status()) };
    if rc != 0 || who == 0 {
        return None;
    }
    let raw = match info.si_code {
        libc::CLD_EXITED => (status & 0xff) << 8,
        libc::CLD_DUMPED => (status & 0x7f) | 0x80,
        _ => status & 0x7f,
    };
    Some(ExitStatus::from_raw(raw))
}

/// Polls until no live process is left in the group, or `limit`; returns the survivors.
pub(super) async fn wait_group_gone(pgid: i32, limit: Duration) -> Vec<u32> {
    let deadline = Instant::now() + limit;
    loop {
        let live = live_members(pgid);
        if live.is_empty() || Instant::now() >= deadline {
            return live;
        }
        tokio::time::sleep(STOP_POLL).await;
    }
}

/// The group's members that are not zombies. `kill(-pgid, 0)` counts zombies too (a member
/// waiting for its new parent to reap it), so on Linux `/proc` tells them apart.
pub fn live_members(pgid: i32) -> Vec<u32> {
    if pgid <= 1 {
        return Vec::new();
    }
    // SAFETY: signal 0 only checks that the group exists.
    if unsafe { libc::kill(-pgid, 0) } != 0
        && io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
    {
        return Vec::new();
    }
    proc_members(pgid).unwrap_or_else(|| vec![pgid.unsigned_abs()])
}

/// Non-zombie processes of group `pgid` according to `/proc` (None without `/proc`).
fn proc_members(pgid: i32) -> Option<Vec<u32>> {
    let mut live = Vec::new();
    for entry in fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = fs::read_to_string(entry.path().join("stat")) else {
            continue; // it exited meanwhile
        };
        // `pid (comm) state ppid pgrp ...`; comm may hold spaces and parentheses.
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let mut fields = rest.split_whitespace();
        let state = fields.next().unwrap_or("Z");
        let pgrp = fields.nth(1).and_then(|s| s.parse::<i32>().ok());
        if pgrp == Some(pgid) && state != "Z" && state != "X" {
            live.push(pid);
        }
    }
    Some(live)
}
