//! Who listens on the service's port: the port is chosen, released, then bound by the
//! service, and another process could take it meanwhile (or already hold a fixed one), in
//! which case the readiness probe and the whole load would reach that process instead.
//! Linux: the listening socket's inode (`/proc/net/tcp`, `tcp6`) is looked for among the
//! file descriptors of the service's process group.

use std::fs;

/// A process holding a port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub pid: u32,
    /// Its command name (`/proc/PID/comm`).
    pub name: String,
}

/// Whether the port is the service's: `Ok(())` when a process of group `pgid` holds the
/// listening socket (or when nothing can be told: no `/proc`, no listener found), else
/// `Err` with the process that holds it, if it can be seen.
pub fn check(port: u16, pgid: u32) -> Result<(), Option<Holder>> {
    let inodes = listening_inodes(port);
    if inodes.is_empty() {
        return Ok(());
    }
    let Ok(dir) = fs::read_dir("/proc") else {
        return Ok(());
    };
    let mut holder = None;
    for pid in dir
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
    {
        if !holds(pid, &inodes) {
            continue;
        }
        if group_of(pid) == Some(pgid) {
            return Ok(());
        }
        holder.get_or_insert(Holder {
            pid,
            name: fs::read_to_string(format!("/proc/{pid}/comm"))
                .map(|s| s.trim().to_string())
                .unwrap_or_default(),
        });
    }
    match holder {
        Some(h) => Err(Some(h)),
        // A listener none of whose holders we may look at (another user's process).
        None => Err(None),
    }
}

/// The inodes of the sockets listening on `port` (IPv4 and IPv6).
fn listening_inodes(port: u16) -> Vec<u64> {
    let mut out = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = fs::read_to_string(table) else {
            continue;
        };
        out.extend(text.lines().skip(1).filter_map(|l| listener(l, port)));
    }
    out
}

/// The inode of a `/proc/net/tcp` line when it is a listener on `port`.
fn listener(line: &str, port: u16) -> Option<u64> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let local = fields.get(1)?;
    let state = fields.get(3)?;
    let (_, hex_port) = local.rsplit_once(':')?;
    let listening = *state == "0A";
    (listening && u16::from_str_radix(hex_port, 16).ok()? == port)
        .then(|| fields.get(9)?.parse().ok())
        .flatten()
}

/// Whether process `pid` has one of `inodes` open.
fn holds(pid: u32, inodes: &[u64]) -> bool {
    let Ok(fds) = fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten().any(|fd| {
        fs::read_link(fd.path()).ok().is_some_and(|target| {
            let t = target.to_string_lossy();
            t.strip_prefix("socket:[")
                .and_then(|r| r.strip_suffix(']'))
                .and_then(|n| n.parse::<u64>().ok())
                .is_some_and(|n| inodes.contains(&n))
        })
    })
}

fn group_of(pid: u32) -> Option<u32> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(2)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listeners_are_read_from_the_tcp_table() {
        let line = "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0";
        assert_eq!(listener(line, 8080), Some(4242));
        assert_eq!(listener(line, 8081), None);
        let established = line.replace(" 0A ", " 01 ");
        assert_eq!(listener(&established, 8080), None);
    }

    #[test]
    fn a_socket_of_this_process_is_found_and_judged_by_group() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let port = l.local_addr().expect("addr").port();
        let me = std::process::id();
        let my_group = group_of(me).expect("a group");
        assert_eq!(check(port, my_group), Ok(()));
        let other = check(port, my_group + 1_000_000);
        assert_eq!(other.map_err(|h| h.map(|h| h.pid)), Err(Some(me)));
    }
}
