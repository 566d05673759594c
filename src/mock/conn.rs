//! One accepted connection: when it was accepted (the wait before its first request) and
//! its socket (to reset it for an injected fault).

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// One accepted connection.
pub(crate) struct Conn {
    accepted: Instant,
    first: AtomicBool,
    fd: RawFd,
}

impl Conn {
    /// A connection accepted now on the socket `fd`.
    pub(super) fn new(fd: RawFd) -> Conn {
        Conn {
            accepted: Instant::now(),
            first: AtomicBool::new(true),
            fd,
        }
    }

    /// For the connection's first request, the time since the accept.
    pub(super) fn first_request_wait(&self, now: Instant) -> Option<Duration> {
        self.first
            .swap(false, Relaxed)
            .then(|| now.saturating_duration_since(self.accepted))
    }

    /// Makes the coming close send a TCP reset instead of a FIN.
    pub(super) fn linger_zero(&self) {
        let linger = libc::linger {
            l_onoff: 1,
            l_linger: 0,
        };
        // SAFETY: `fd` belongs to the connection whose request is being handled: hyper
        // owns the socket until this handler returns, so the descriptor is open and ours.
        unsafe {
            libc::setsockopt(
                self.fd,
                libc::SOL_SOCKET,
                libc::SO_LINGER,
                (&raw const linger).cast(),
                std::mem::size_of::<libc::linger>() as libc::socklen_t,
            );
        }
    }
}
