//! Command-line arguments (clap) and dispatch to `commands`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::commands;
use crate::commands::gate::{GateArgs, Mode};
use perfdsl_core::config::BaselinePolicy;
use perfdsl_core::diagnostics::Style;

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
        /// Load a target outside loopback (127.0.0.1, ::1); without it such a target is
        /// refused.
        #[arg(long)]
        allow_remote: bool,
        /// The largest response body kept for expectations, captures and hooks (`16MiB`,
        /// `512KB`); a larger one is an `errors.body_too_large`.
        #[arg(long, value_name = "SIZE", value_parser = perfdsl_core::config::parse_size, default_value = "16MiB")]
        max_body: u64,
        /// `compare`: judge against the history, never write it; `record`: also record
        /// this commit's results into the history (the main branch).
        #[arg(long, value_enum, default_value_t = Mode::Compare)]
        mode: Mode,
        #[command(flatten)]
        gate: GateOpts,
    },
    /// Judge a results file (`run --json`) against the history or another results file.
    Compare {
        /// The results file to judge.
        results: PathBuf,
        #[command(flatten)]
        gate: GateOpts,
    },
    /// Record a results file into the history as one commit (idempotent).
    Record {
        /// The results file to record.
        results: PathBuf,
        #[command(flatten)]
        store: StoreOpts,
    },
    /// Re-render the report from a results file and the history (exit 0 once written).
    Report {
        /// The results file to report on.
        results: PathBuf,
        #[command(flatten)]
        gate: GateOpts,
    },
    /// Look into the recorded history, or compact it.
    History {
        #[command(subcommand)]
        action: HistoryCmd,
        #[command(flatten)]
        store: StoreOpts,
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

/// Where the history is, and which commit a record belongs to.
#[derive(Debug, Clone, Args)]
pub struct StoreOpts {
    /// The configuration file (default `perf_config.json` when present).
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// History: a JSON file or a `postgres://` URL (default: `PERFDSL_HISTORY`, then the
    /// config's `history.url`, then its `history.path`).
    #[arg(long, value_name = "PATH|URL", global = true)]
    pub history: Option<String>,
    /// The commit recorded (default: `GITHUB_SHA`, then `git rev-parse HEAD`).
    #[arg(long, value_name = "SHA", global = true)]
    pub commit: Option<String>,
    /// The branch recorded (default: from the CI variables or git).
    #[arg(long, value_name = "NAME", global = true)]
    pub branch: Option<String>,
}

/// Options of the verdict and the report.
#[derive(Debug, Clone, Args)]
pub struct GateOpts {
    #[command(flatten)]
    pub store: StoreOpts,
    /// Baseline policy, overriding the config's.
    #[arg(long, value_enum, value_name = "POLICY")]
    pub baseline: Option<Baseline>,
    /// Compare with this results file instead of the history.
    #[arg(long, value_name = "RESULTS")]
    pub against: Option<PathBuf>,
    /// Where to write the Markdown report (default: the config's `report.path`,
    /// `perf_report.md`).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Do not write the Markdown report.
    #[arg(long)]
    pub no_report: bool,
    /// Also write the verdict as JUnit XML.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
}

/// `--baseline` values (the config's `baseline.policy`).
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Baseline {
    /// The record of the merge-base with the main branch (or its nearest recorded ancestor).
    MergeBase,
    /// The newest record of the main branch.
    Latest,
    /// The last N records of the main branch, pooled (`baseline.window`).
    Window,
}

impl From<Baseline> for BaselinePolicy {
    fn from(b: Baseline) -> Self {
        match b {
            Baseline::MergeBase => BaselinePolicy::MergeBase,
            Baseline::Latest => BaselinePolicy::Latest,
            Baseline::Window => BaselinePolicy::Window,
        }
    }
}

/// `perfdsl history` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum HistoryCmd {
    /// One line per recorded commit, newest first.
    List {
        /// Only this scenario.
        #[arg(long)]
        scenario: Option<String>,
    },
    /// Every metric recorded for a commit (a prefix of the hash is enough).
    Show {
        commit: String,
        /// Only this scenario.
        #[arg(long)]
        scenario: Option<String>,
    },
    /// Compact the history (default: the config's retention).
    Prune {
        /// Keep the newest N commits.
        #[arg(long, value_name = "N")]
        max_runs: Option<usize>,
        /// Keep histograms for the newest N commits.
        #[arg(long, value_name = "N")]
        histogram_runs: Option<usize>,
    },
}

impl GateOpts {
    fn into_args(self, mode: Mode) -> GateArgs {
        GateArgs {
            config: self.store.config,
            history: self.store.history,
            baseline: self.baseline.map(Into::into),
            against: self.against,
            report: self.report,
            no_report: self.no_report,
            junit: self.junit,
            mode,
            commit: self.store.commit,
            branch: self.store.branch,
            ignore_verdict: false,
        }
    }
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
            allow_remote,
            max_body,
            mode,
            gate,
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
                allow_remote,
                max_body,
                gate: gate.into_args(mode),
            },
            style,
        ),
        Command::Compare { results, gate } => {
            commands::compare::run(&results, &gate.into_args(Mode::Compare), style)
        }
        Command::Report { results, gate } => {
            commands::report::run(&results, &gate.into_args(Mode::Compare), style)
        }
        Command::Record { results, store } => commands::record::run(&results, &store, style),
        Command::History { action, store } => commands::history::run(
            &action,
            store.config.as_ref(),
            store.history.as_deref(),
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
