//! Who listens on the service's port: the port is chosen, released, then bound by the
//! service, and another process could take it meanwhile (or already hold a fixed one), in
//! which case the readiness probe and the whole load would reach that process instead.
//! Linux: the listening socket's inode (`/proc/net/tcp`, `tcp6`) is looked for among the
//! file descriptors of the service's process group.

use std::fs;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// A process holding a port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub pid: u32,
    /// Its command name (`/proc/PID/comm`).
    pub name: String,
}

/// Whose the sockets that would take a connection to the service's address are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// Every one of them is held by the service: a process of its group, or a descendant
    /// of its leader that moved to a group of its own (a reloader's child).
    Service,
    /// Nothing can be told: no `/proc`, no listener found, or a listener none of whose
    /// holders perfdsl may look at (another user's process, a non-dumpable one).
    Unknown,
    /// A process outside the service holds one of them.
    Foreign(Holder),
}

/// Who would take a connection to `addr`: the listeners the kernel would pick for it (the
/// ones bound to exactly that address, else the wildcard of its family, else a dual-stack
/// `::`), judged against the service of group `pgid` and leader `leader`.
pub fn check(addr: SocketAddr, pgid: u32, leader: u32) -> Owner {
    let receivers = receivers(&listeners(addr.port()), addr.ip());
    if receivers.is_empty() {
        return Owner::Unknown;
    }
    let Ok(dir) = fs::read_dir("/proc") else {
        return Owner::Unknown;
    };
    // Each process's descriptors are read once, whatever the number of receivers.
    let held: Vec<(u32, Vec<u64>)> = dir
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .map(|pid| (pid, sockets(pid)))
        .filter(|(_, inodes)| inodes.iter().any(|i| receivers.contains(i)))
        .collect();
    let mut unknown = false;
    for &inode in &receivers {
        let holders: Vec<u32> = held
            .iter()
            .filter(|(_, inodes)| inodes.contains(&inode))
            .map(|(pid, _)| *pid)
            .collect();
        if holders.is_empty() {
            unknown = true;
            continue;
        }
        if holders.iter().any(|&p| is_service(p, pgid, leader)) {
            continue;
        }
        let pid = holders[0];
        return Owner::Foreign(Holder {
            pid,
            name: fs::read_to_string(format!("/proc/{pid}/comm"))
                .map(|s| s.trim().to_string())
                .unwrap_or_default(),
        });
    }
    if unknown {
        Owner::Unknown
    } else {
        Owner::Service
    }
}

/// A listening socket: its local address and inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Listener {
    ip: IpAddr,
    inode: u64,
}

/// The sockets listening on `port` (IPv4 and IPv6).
fn listeners(port: u16) -> Vec<Listener> {
    let mut out = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = fs::read_to_string(table) else {
            continue;
        };
        out.extend(text.lines().skip(1).filter_map(|l| listener(l, port)));
    }
    out
}

/// The listeners a connection to `ip` reaches, as the kernel chooses: those bound to the
/// address itself (several with `SO_REUSEPORT`, all of which take connections), else the
/// family's wildcard, else (for IPv4) a dual-stack IPv6 wildcard.
fn receivers(all: &[Listener], ip: IpAddr) -> Vec<u64> {
    let mapped = match ip {
        IpAddr::V4(v4) => IpAddr::V6(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
    };
    let wildcards: &[IpAddr] = match ip {
        IpAddr::V4(_) => &[
            IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        ],
        IpAddr::V6(_) => &[IpAddr::V6(Ipv6Addr::UNSPECIFIED)],
    };
    let pick = |want: &dyn Fn(IpAddr) -> bool| -> Vec<u64> {
        all.iter().filter(|l| want(l.ip)).map(|l| l.inode).collect()
    };
    let exact = pick(&|l| l == ip || l == mapped);
    if !exact.is_empty() {
        return exact;
    }
    for w in wildcards {
        let found = pick(&|l| l == *w);
        if !found.is_empty() {
            return found;
        }
    }
    Vec::new()
}

/// A `/proc/net/tcp` or `tcp6` line, when it is a listener on `port`.
fn listener(line: &str, port: u16) -> Option<Listener> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let local = fields.get(1)?;
    let state = fields.get(3)?;
    let (hex_ip, hex_port) = local.rsplit_once(':')?;
    if *state != "0A" || u16::from_str_radix(hex_port, 16).ok()? != port {
        return None;
    }
    Some(Listener {
        ip: table_ip(hex_ip)?,
        inode: fields.get(9)?.parse().ok()?,
    })
}

/// An address as the tables print it: 32-bit words in host (little-endian) byte order.
fn table_ip(hex: &str) -> Option<IpAddr> {
    let word = |i: usize| -> Option<[u8; 4]> {
        let w = u32::from_str_radix(hex.get(i * 8..i * 8 + 8)?, 16).ok()?;
        Some(w.to_le_bytes())
    };
    match hex.len() {
        8 => Some(IpAddr::V4(Ipv4Addr::from(word(0)?))),
        32 => {
            let mut bytes = [0u8; 16];
            for i in 0..4 {
                bytes[i * 4..i * 4 + 4].copy_from_slice(&word(i)?);
            }
            Some(IpAddr::V6(Ipv6Addr::from(bytes)))
        }
        _ => None,
    }
}

/// A process of the service: in its group, or below its leader.
fn is_service(pid: u32, pgid: u32, leader: u32) -> bool {
    if group_of(pid) == Some(pgid) {
        return true;
    }
    let mut at = pid;
    for _ in 0..64 {
        match parent_of(at) {
            Some(p) if p == leader => return true,
            Some(p) if p > 1 => at = p,
            _ => return false,
        }
    }
    false
}

/// The inodes of the sockets process `pid` has open (none when it may not be looked at).
fn sockets(pid: u32) -> Vec<u64> {
    let Ok(fds) = fs::read_dir(format!("/proc/{pid}/fd")) else {
        return Vec::new();
    };
    fds.flatten()
        .filter_map(|fd| {
            let target = fs::read_link(fd.path()).ok()?;
            let t = target.to_string_lossy();
            t.strip_prefix("socket:[")?.strip_suffix(']')?.parse().ok()
        })
        .collect()
}

/// Field `n` after the command name of `/proc/PID/stat` (0: state, 1: parent, 2: group).
fn stat_field(pid: u32, n: usize) -> Option<u32> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(n)?.parse().ok()
}

fn group_of(pid: u32) -> Option<u32> {
    stat_field(pid, 2)
}

fn parent_of(pid: u32) -> Option<u32> {
    stat_field(pid, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listeners_are_read_from_the_tcp_tables() {
        let line = "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0";
        let l = listener(line, 8080).expect("a listener");
        assert_eq!((l.ip, l.inode), ("127.0.0.1".parse().unwrap(), 4242));
        assert_eq!(listener(line, 8081), None);
        let established = line.replace(" 0A ", " 01 ");
        assert_eq!(listener(&established, 8080), None);
        let v6 = "   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 77 1 0000000000000000 100 0 0 10 0";
        assert_eq!(
            listener(v6, 8080).map(|l| l.ip),
            Some("::1".parse().unwrap())
        );
        let mapped = v6.replace(
            "00000000000000000000000001000000",
            "0000000000000000FFFF00000100007F",
        );
        assert_eq!(
            listener(&mapped, 8080).map(|l| l.ip),
            Some("::ffff:127.0.0.1".parse().unwrap())
        );
    }

    #[test]
    fn the_kernel_s_choice_of_listener_is_followed() {
        let l = |ip: &str, inode| Listener {
            ip: ip.parse().unwrap(),
            inode,
        };
        let v4: IpAddr = "127.0.0.1".parse().unwrap();
        let v6: IpAddr = "::1".parse().unwrap();
        // The exact address wins over a wildcard; every exact one takes connections.
        let all = [
            l("0.0.0.0", 1),
            l("127.0.0.1", 2),
            l("127.0.0.1", 3),
            l("::1", 4),
        ];
        assert_eq!(receivers(&all, v4), vec![2, 3]);
        assert_eq!(receivers(&all, v6), vec![4]);
        // A stale server on ::1 is not the service listening on 127.0.0.1.
        assert_eq!(receivers(&[l("127.0.0.1", 5)], v6), Vec::<u64>::new());
        // Wildcards: the family's first, then a dual-stack ::.
        assert_eq!(receivers(&[l("::", 6), l("0.0.0.0", 7)], v4), vec![7]);
        assert_eq!(receivers(&[l("::", 6)], v4), vec![6]);
        assert_eq!(receivers(&[l("0.0.0.0", 7)], v6), Vec::<u64>::new());
        assert_eq!(receivers(&[l("::ffff:127.0.0.1", 8)], v4), vec![8]);
    }

    #[test]
    fn a_socket_of_this_process_is_found_and_judged_by_group_and_parent() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let addr = l.local_addr().expect("addr");
        let me = std::process::id();
        let my_group = group_of(me).expect("a group");
        let far = my_group + 1_000_000;
        assert_eq!(check(addr, my_group, 0), Owner::Service);
        // Not in the group, but below the leader: the service's.
        let parent = parent_of(me).expect("a parent");
        assert_eq!(check(addr, far, parent), Owner::Service);
        let other = check(addr, far, 0);
        assert!(
            matches!(other, Owner::Foreign(Holder { pid, .. }) if pid == me),
            "{other:?}"
        );
        // The same port on ::1 is another listener: nothing listens there.
        let v6: SocketAddr = format!("[::1]:{}", addr.port()).parse().unwrap();
        assert_eq!(check(v6, far, 0), Owner::Unknown);
    }
}
