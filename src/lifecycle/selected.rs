//! Which scenarios a run takes, and the options that drive their load.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use clap::Args;

use perfdsl_core::frontend::Checked;
use perfdsl_core::model::{Model, Scenario};
use perfdsl_core::source::{DiskFs, FileSystem};

/// How the load is driven: where it goes, how much of it, and over what.
#[derive(Debug, Clone, Default, Args)]
pub struct RunOptions {
    /// Send the load to this base URL instead of the scenarios' service or target.
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// Run only the scenario with this name (repeatable).
    #[arg(long, value_name = "NAME")]
    pub filter: Vec<String>,
    /// One iteration of each scenario; every expectation is checked and each failure shown.
    #[arg(long)]
    pub smoke: bool,
    /// No progress display.
    #[arg(long, short)]
    pub quiet: bool,
    /// Load worker threads (default: one per core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Speak HTTP/2 with prior knowledge (h2c) instead of HTTP/1.1.
    #[arg(long)]
    pub http2: bool,
    /// Load a target outside loopback (127.0.0.1, ::1); without it such a target is
    /// refused.
    #[arg(long)]
    pub allow_remote: bool,
    /// The largest response body kept for expectations, captures and hooks (`16MiB`,
    /// `512KB`); a larger one is an `errors.body_too_large`.
    #[arg(long, value_name = "SIZE", value_parser = perfdsl_core::config::parse_size, default_value = "16MiB")]
    pub max_body: u64,
}

/// A scenario to run, with the model and file it came from.
pub struct Selected<'a> {
    pub scenario: &'a Scenario,
    pub model: &'a Model,
    /// Index of the checked root file it came from.
    pub root: usize,
    pub checked: &'a Checked,
    /// Folder of the file that declares the scenario (data files are relative to it).
    pub dir: PathBuf,
}

/// Every scenario of every checked file, once (a scenario imported by several files runs
/// once), in file order, filtered by name.
pub fn select<'a>(checked: &'a [Checked], filter: &[String]) -> Result<Vec<Selected<'a>>, String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (root, c) in checked.iter().enumerate() {
        for sc in &c.model.scenarios {
            let file = &c.program.files[sc.origin.file].source.path;
            if !seen.insert((DiskFs.identity(file), sc.name.clone())) {
                continue;
            }
            if filter.is_empty() || filter.contains(&sc.name) {
                let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
                out.push(Selected {
                    scenario: sc,
                    model: &c.model,
                    root,
                    checked: c,
                    dir,
                });
            }
        }
    }
    for f in filter {
        if !out.iter().any(|s| &s.scenario.name == f) {
            let names: Vec<&str> = checked
                .iter()
                .flat_map(|c| c.model.scenarios.iter().map(|s| s.name.as_str()))
                .collect();
            let hint = perfdsl_core::suggest::did_you_mean(f, names.iter().copied())
                .map_or(String::new(), |n| format!(" (did you mean `{n}`?)"));
            return Err(format!("no scenario named `{f}`{hint}"));
        }
    }
    Ok(out)
}
