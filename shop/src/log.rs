//! Leveled log lines on stderr, filtered by `SHOP_LOG` (`off`, `error`, `warn`, `info`,
//! `debug`; default `info`). A demo service needs no more than this.

use std::fmt::Display;
use std::io::Write;
use std::sync::OnceLock;

/// How important a log line is; lines above the configured level are dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Nothing is logged.
    Off,
    /// Failures: 5xx answers, startup errors.
    Error,
    /// Suspicious but handled situations.
    Warn,
    /// Startup steps and shutdown.
    Info,
    /// Everything else.
    Debug,
}

impl Level {
    fn parse(text: &str) -> Level {
        match text.trim().to_ascii_lowercase().as_str() {
            "off" | "none" => Level::Off,
            "error" => Level::Error,
            "warn" | "warning" => Level::Warn,
            "debug" | "trace" => Level::Debug,
            _ => Level::Info,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Error => "ERROR",
            Level::Warn => "WARN",
            Level::Info => "INFO",
            Level::Debug => "DEBUG",
        }
    }
}

fn max_level() -> Level {
    static LEVEL: OnceLock<Level> = OnceLock::new();
    *LEVEL.get_or_init(|| std::env::var("SHOP_LOG").map_or(Level::Info, |v| Level::parse(&v)))
}

/// Writes one line at `level` to stderr, if `SHOP_LOG` lets it through.
pub fn line(level: Level, message: impl Display) {
    if level == Level::Off || level > max_level() {
        return;
    }
    // A closed stderr must not take the service down: the line is simply lost.
    let _ = writeln!(
        std::io::stderr().lock(),
        "shop {}: {message}",
        level.label()
    );
}

/// Logs a startup step or another routine event.
pub fn info(message: impl Display) {
    line(Level::Info, message);
}

/// Logs a handled but suspicious situation.
pub fn warn(message: impl Display) {
    line(Level::Warn, message);
}

/// Logs a failure.
pub fn error(message: impl Display) {
    line(Level::Error, message);
}
