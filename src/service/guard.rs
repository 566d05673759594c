//! A guard that outlives perfdsl only to kill the service: a forked child of perfdsl
//! that waits on a pipe whose only writer is perfdsl. However perfdsl ends — SIGKILL and
//! out-of-memory kills included — the kernel closes its end of the pipe; the guard then
//! sees end-of-file and kills the service's whole process group (SIGTERM, then SIGKILL
//! after at most a second). When perfdsl stops the service itself, it tells the guard
//! first (one byte), and the guard leaves the group alone.
//!
//! The child only makes async-signal-safe calls (close, setpgid, sigaction, read, kill,
//! nanosleep, _exit): it is forked from a threaded process, without exec, so that it needs
//! no binary of its own and works for library users too.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// The guard's process name and command line (with its NUL): without "perfdsl" in it,
/// so that no pattern meant for perfdsl matches it.
const GUARD_NAME: &[u8] = b"pdsl-svc-guard\0";

/// Where this process's command line lies in its memory (`/proc/self/stat` fields 48 and
/// 49), when it can be read and looks sane.
fn argv_area() -> Option<(usize, usize)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let start: usize = fields.get(45)?.parse().ok()?;
    let end: usize = fields.get(46)?.parse().ok()?;
    (start > 0 && end > start && end - start < 1 << 20).then_some((start, end))
}

/// The byte that says "stopped by perfdsl: leave the group alone".
const RELEASE: u8 = b'r';
/// How long the guard waits after SIGTERM before SIGKILL.
const TERM_WAIT_STEPS: u32 = 10;
const STEP_NANOS: libc::c_long = 100_000_000;

/// The running guard of one process group.
#[derive(Debug)]
pub(super) struct Guard {
    pid: libc::pid_t,
    /// perfdsl's end of the pipe: closing it (by any death) sets the guard off.
    tell: Option<OwnedFd>,
}

impl Guard {
    /// Forks the guard of process group `pgid`.
    pub(super) fn watch(pgid: libc::pid_t) -> io::Result<Guard> {
        if pgid <= 1 {
            return Err(io::Error::other("no process group to guard"));
        }
        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: `fds` is two writable c_ints; close-on-exec keeps both ends out of every
        // program perfdsl or its children execute.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let (read, write) = (fds[0], fds[1]);
        // Read before the fork: the child may not allocate.
        let args = argv_area();
        // SAFETY: the child runs only async-signal-safe calls until `_exit`.
        match unsafe { libc::fork() } {
            -1 => {
                let e = io::Error::last_os_error();
                // SAFETY: both descriptors were just created and belong to us.
                unsafe {
                    libc::close(read);
                    libc::close(write);
                }
                Err(e)
            }
            // SAFETY: in the child; never returns.
            0 => unsafe { guard(read, write, pgid, args) },
            pid => {
                // SAFETY: the read end is the child's now; `write` is ours alone.
                unsafe { libc::close(read) };
                let tell = unsafe { OwnedFd::from_raw_fd(write) };
                Ok(Guard {
                    pid,
                    tell: Some(tell),
                })
            }
        }
    }

    /// perfdsl has stopped the group itself: the guard exits without touching it, and is
    /// reaped.
    pub(super) fn release(mut self) {
        if let Some(fd) = self.tell.take() {
            let byte = [RELEASE];
            // SAFETY: writing one byte from a valid buffer to a descriptor we own.
            unsafe { libc::write(fd.as_raw_fd(), byte.as_ptr().cast(), 1) };
        }
        self.reap();
    }

    fn reap(&mut self) {
        if self.pid > 0 {
            let mut status = 0;
            // SAFETY: waits for our own child; it exits at once once told or released.
            unsafe { libc::waitpid(self.pid, &raw mut status, 0) };
            self.pid = 0;
        }
    }
}

impl Drop for Guard {
    /// Dropped without `release` (an early return, a panic): closing the pipe sets the
    /// guard off, as perfdsl's death would. It is reaped if it is done already; else it
    /// ends by itself within a second (and is reaped with perfdsl).
    fn drop(&mut self) {
        self.tell.take();
        if self.pid > 0 {
            let mut status = 0;
            // SAFETY: a non-blocking wait for our own child.
            unsafe { libc::waitpid(self.pid, &raw mut status, libc::WNOHANG) };
        }
    }
}

/// The guard's whole life, in the forked child.
///
/// # Safety
/// Only in the child of `fork`, with `read`/`write` the pipe's ends.
unsafe fn guard(
    read: libc::c_int,
    write: libc::c_int,
    pgid: libc::pid_t,
    args: Option<(usize, usize)>,
) -> ! {
    libc::close(write);
    // A name and command line of its own, so that what ends perfdsl by name (`killall
    // perfdsl`, `pkill perfdsl`, `pkill -f "perfdsl run"`) does not end its guard with it.
    libc::prctl(libc::PR_SET_NAME, GUARD_NAME.as_ptr(), 0, 0, 0);
    if let Some((start, end)) = args {
        let len = end - start;
        let name = &GUARD_NAME[..GUARD_NAME.len().min(len)];
        // SAFETY: [start, end) is this process's argument area (its copy since the fork),
        // writable memory of the main thread's stack, as `setproctitle` uses it.
        std::ptr::write_bytes(start as *mut u8, 0, len);
        std::ptr::copy_nonoverlapping(name.as_ptr(), start as *mut u8, name.len());
    }
    // A group of its own: a terminal's Ctrl-C, sent to perfdsl's group, does not reach it
    // (perfdsl stops the service then, and releases the guard).
    libc::setpgid(0, 0);
    for signal in [libc::SIGINT, libc::SIGHUP, libc::SIGPIPE] {
        libc::signal(signal, libc::SIG_IGN);
    }
    // perfdsl's own handlers (its runtime's SIGTERM handler) and mask are not the guard's:
    // a SIGTERM aimed at the guard ends it.
    libc::signal(libc::SIGTERM, libc::SIG_DFL);
    let mut none: libc::sigset_t = std::mem::zeroed();
    libc::sigemptyset(&raw mut none);
    libc::sigprocmask(libc::SIG_SETMASK, &raw const none, std::ptr::null_mut());
    // Keep nothing of perfdsl's open: its sockets, files and pipes (a reader waiting for
    // perfdsl's output to end must not wait for the guard too).
    if libc::dup2(read, 0) == 0 {
        close_from(1);
    }
    let mut byte = 0u8;
    loop {
        let n = libc::read(0, (&raw mut byte).cast(), 1);
        if n == 1 && byte == RELEASE {
            libc::_exit(0);
        }
        if n == 0 || (n < 0 && *libc::__errno_location() != libc::EINTR) {
            break;
        }
    }
    // perfdsl is gone: the service goes too.
    libc::kill(-pgid, libc::SIGTERM);
    let step = libc::timespec {
        tv_sec: 0,
        tv_nsec: STEP_NANOS,
    };
    for _ in 0..TERM_WAIT_STEPS {
        libc::nanosleep(&raw const step, std::ptr::null_mut());
        if libc::kill(-pgid, 0) != 0 {
            libc::_exit(0);
        }
    }
    libc::kill(-pgid, libc::SIGKILL);
    libc::_exit(0)
}

/// Closes every descriptor from `first` up.
///
/// # Safety
/// Async-signal-safe; closes descriptors the caller no longer needs.
unsafe fn close_from(first: libc::c_int) {
    let rc = libc::syscall(
        libc::SYS_close_range,
        first as libc::c_uint,
        libc::c_uint::MAX,
        0,
    );
    if rc != 0 {
        // Kernels before 5.9: the usual range.
        for fd in first..4096 {
            libc::close(fd);
        }
    }
}
