//! Command-line arguments (clap) and dispatch to `commands`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::commands;
use crate::diagnostics::Style;

/// perfdsl: load scenarios and upstream mocks in `.perf` files; a performance gate for CI.
#[derive(Debug, Parser)]
#[command(name = "perfdsl", version, about, propagate_version = true)]
pub struct Cli {
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value_t = Color::Auto, global = true)]
    pub color: Color,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate `.perf` files (files or folders; default `scenarios/`) and report every error.
    Check {
        /// Files or folders to check.
        paths: Vec<PathBuf>,
    },
    /// Run the scenarios: start the service, drive the load, measure, check limits.
    Run {
        /// Files or folders (default `scenarios/`).
        paths: Vec<PathBuf>,
        /// Send the load to this base URL instead of the scenarios' service or target.
        #[arg(long, value_name = "URL")]
        target: Option<String>,
        /// Run only the scenario with this name (repeatable).
        #[arg(long, value_name = "NAME")]
        filter: Vec<String>,
        /// Write the results (metrics, raw histograms, limits) to this JSON file.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// One iteration of each scenario; every expectation is checked and each failure shown.
        #[arg(long)]
        smoke: bool,
        /// No progress display.
        #[arg(long, short)]
        quiet: bool,
        /// Load worker threads (default: one per core).
        #[arg(long, value_name = "N")]
        threads: Option<usize>,
        /// Speak HTTP/2 with prior knowledge (h2c) instead of HTTP/1.1.
        #[arg(long)]
        http2: bool,
    },
    /// Serve the files' mocks alone until Ctrl-C, then print what each received.
    Mock {
        /// Files or folders (default `scenarios/`).
        paths: Vec<PathBuf>,
        /// A fixed port for a mock, as `NAME=PORT` (repeatable; default: free ports).
        #[arg(long = "port", value_name = "NAME=PORT")]
        ports: Vec<String>,
        /// Port of the forward proxy that routes by host name (default: a free one).
        #[arg(long, value_name = "PORT")]
        proxy_port: Option<u16>,
    },
    /// Rewrite `.perf` files in canonical form (comments kept).
    Fmt {
        /// Do not write; exit 1 if any file is not formatted.
        #[arg(long)]
        check: bool,
        /// Files or folders to format.
        paths: Vec<PathBuf>,
    },
}

/// Process exit codes (SPEC section 6).
pub mod exit {
    pub const OK: u8 = 0;
    pub const FAILED: u8 = 1;
    pub const INVALID_INPUT: u8 = 2;
    pub const RUNTIME: u8 = 3;
}

/// Parses arguments, runs the command, returns the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit::INVALID_INPUT
            } else {
                exit::OK
            });
        }
    };
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let style = Style { color, width: 100 };
    let code = match cli.command {
        Command::Check { paths } => commands::check::run(&paths, style),
        Command::Run {
            paths,
            target,
            filter,
            json,
            smoke,
            quiet,
            threads,
            http2,
        } => commands::run::run(
            &commands::run::RunArgs {
                paths,
                target,
                filter,
                json,
                smoke,
                quiet,
                threads,
                http2,
            },
            style,
        ),
        Command::Mock {
            paths,
            ports,
            proxy_port,
        } => commands::mock::run(
            &commands::mock::MockArgs {
                paths,
                ports,
                proxy_port,
            },
            style,
        ),
        Command::Fmt { check, paths } => commands::fmt::run(&paths, check, style),
    };
    ExitCode::from(code)
}
