//! Processes as `/proc` shows them, for the tests that check that a service's process
//! tree is gone.

use std::path::Path;
use std::time::{Duration, Instant};

/// The process exists and is not a zombie (a zombie's parent may be a non-reaping init).
pub(crate) fn alive(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let state = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().next());
    !matches!(state, Some("Z" | "X") | None)
}

/// The process group of `pid` (from /proc), if it is alive.
pub(crate) fn group_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(2)?.parse().ok()
}

/// Every live process of group `pgid`.
pub(crate) fn members(pgid: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| group_of(*pid) == Some(pgid) && alive(*pid))
        .collect()
}

/// Waits up to `limit` for a line `PREFIX N` in the log perfdsl keeps of service `svc`
/// in `dir` (`.perfdsl/logs/svc.log`); returns N.
pub(crate) fn pid_in_log(dir: &Path, prefix: &str, limit: Duration) -> u32 {
    let deadline = Instant::now() + limit;
    let path = dir.join(".perfdsl/logs/svc.log");
    loop {
        let log = std::fs::read_to_string(&path).unwrap_or_default();
        if let Some(pid) = log
            .lines()
            .find_map(|l| l.strip_prefix(prefix))
            .and_then(|n| n.trim().parse().ok())
        {
            return pid;
        }
        assert!(
            Instant::now() < deadline,
            "no `{prefix}N` line in the service log:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
