//! The errors of starting a service, with the end of its log in the message.

use std::process::ExitStatus;
use std::time::Duration;

/// Why the service could not be started.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ServiceError {
    #[error("cannot start service `{name}`: `{program}`: {reason}")]
    #[diagnostic(code(perfdsl::service::spawn))]
    Spawn {
        name: String,
        program: String,
        reason: String,
        #[help]
        help: String,
    },
    #[error("service `{name}` exited before it was ready ({status}){}", tail(.last_lines))]
    #[diagnostic(
        code(perfdsl::service::exited),
        help("its whole output is in `{log}`; run the command by hand to see why it stops. A service that exits with status 0 before it is ready has most likely gone to the background (a daemon: nginx without `daemon off;`, `--daemon`, `&`): perfdsl must run it in the foreground, and the daemon may still be running")
    )]
    Exited {
        name: String,
        status: ExitStatus,
        last_lines: Vec<String>,
        log: String,
    },
    #[error(
        "service `{name}` was not ready within {}ms: {last_attempt_error}{}",
        .waited.as_millis(),
        tail(.last_lines)
    )]
    #[diagnostic(
        code(perfdsl::service::never_ready),
        help("check that it listens on the URL perfdsl gives it (`port`) and that the ready path answers 2xx, or raise `within`; its output is in `{log}`")
    )]
    NeverReady {
        name: String,
        waited: Duration,
        last_attempt_error: String,
        last_lines: Vec<String>,
        log: String,
    },
    #[error("port {port} answered service `{name}`'s readiness probe, but it is held by {holder}, not by the service")]
    #[diagnostic(
        code(perfdsl::service::port_taken),
        help("a load against it would measure the wrong program. If it is another program, stop it or use another port (`port auto` picks a free one); if it is the service's own daemon that left perfdsl's process tree (nginx without `daemon off;`, a server that forks into the background), run the service in the foreground")
    )]
    PortTaken {
        name: String,
        port: u16,
        holder: String,
    },
    #[error("cannot write the log of service `{name}` to `{path}`: {reason}")]
    #[diagnostic(
        code(perfdsl::service::log),
        help("check that the directory is writable, or choose another `log` path")
    )]
    Log {
        name: String,
        path: String,
        reason: String,
    },
    #[error("cannot probe service `{name}` at `{url}`: {reason}")]
    #[diagnostic(
        code(perfdsl::service::base_url),
        help("the base URL must look like `http://127.0.0.1:8080`")
    )]
    BaseUrl {
        name: String,
        url: String,
        reason: String,
    },
}

/// The log lines as an indented block for an error message.
fn tail(lines: &[String]) -> String {
    if lines.is_empty() {
        return "\n(the service wrote nothing to its log)".to_string();
    }
    let mut out = String::from("\nlast lines of its log:");
    for line in lines {
        let cut = line.char_indices().nth(300).map_or(line.len(), |(i, _)| i);
        out.push_str("\n  | ");
        out.push_str(&line[..cut]);
    }
    out
}
