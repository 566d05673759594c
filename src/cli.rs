//! Command-line arguments: the clap types, and nothing else. Each subcommand's options
//! are one `Args` struct, handed as it is to its command (`commands::dispatch`); the
//! options a stage owns are that stage's own `Args` (`RunOptions`, `GateOpts`), flattened.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::gate::{GateOpts, Mode, StoreOpts};
use crate::lifecycle::RunOptions;
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
    Check(CheckArgs),
    /// Run the scenarios: start the service, drive the load, measure, check limits.
    Run(RunArgs),
    /// Judge a results file (`run --json`) against the history or another results file.
    Compare(JudgeArgs),
    /// Record a results file into the history as one commit (idempotent).
    Record(RecordArgs),
    /// Re-render the report from a results file and the history (exit 0 once written).
    Report(JudgeArgs),
    /// Look into the recorded history, or compact it.
    History(HistoryArgs),
    /// Serve the files' mocks alone until Ctrl-C, then print what each received.
    Mock(MockArgs),
    /// Rewrite `.perf` files in canonical form (comments kept).
    Fmt(FmtArgs),
}

/// `perfdsl check`.
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// Files or folders to check.
    pub paths: Vec<PathBuf>,
}

/// `perfdsl run`.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Files or folders (default `scenarios/`).
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub options: RunOptions,
    /// Write the results (metrics, raw histograms, limits) to this JSON file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// `compare`: judge against the history, never write it; `record`: also record
    /// this commit's results into the history (the main branch).
    #[arg(long, value_enum, default_value_t = Mode::Compare)]
    pub mode: Mode,
    #[command(flatten)]
    pub gate: GateOpts,
}

/// `perfdsl compare` and `perfdsl report`.
#[derive(Debug, Clone, Args)]
pub struct JudgeArgs {
    /// The results file (`perfdsl run --json`).
    pub results: PathBuf,
    #[command(flatten)]
    pub gate: GateOpts,
}

/// `perfdsl record`.
#[derive(Debug, Clone, Args)]
pub struct RecordArgs {
    /// The results file to record.
    pub results: PathBuf,
    #[command(flatten)]
    pub store: StoreOpts,
}

/// `perfdsl history`.
#[derive(Debug, Clone, Args)]
pub struct HistoryArgs {
    #[command(subcommand)]
    pub action: HistoryCmd,
    #[command(flatten)]
    pub store: StoreOpts,
}

/// `perfdsl mock`.
#[derive(Debug, Clone, Default, Args)]
pub struct MockArgs {
    /// Files or folders (default `scenarios/`).
    pub paths: Vec<PathBuf>,
    /// A fixed port for a mock, as `NAME=PORT` (repeatable; default: free ports).
    #[arg(long = "port", value_name = "NAME=PORT")]
    pub ports: Vec<String>,
    /// Port of the forward proxy that routes by host name (default: a free one).
    #[arg(long, value_name = "PORT")]
    pub proxy_port: Option<u16>,
}

/// `perfdsl fmt`.
#[derive(Debug, Clone, Args)]
pub struct FmtArgs {
    /// Do not write; exit 1 if any file is not formatted.
    #[arg(long)]
    pub check: bool,
    /// Files or folders to format.
    pub paths: Vec<PathBuf>,
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

impl Cli {
    /// How diagnostics are drawn: `--color`, else colour on a terminal without `NO_COLOR`.
    pub fn style(&self) -> Style {
        let color = match self.color {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => {
                std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        };
        Style { color, width: 100 }
    }
}
