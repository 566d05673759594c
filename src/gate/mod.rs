//! The gate shared by `run`, `compare` and `report`: read `perf_config.json` and the
//! history, choose the baseline, judge every metric, write `perf_report.md` (and JUnit,
//! and the GitHub step summary), record the run in `record` mode, and give the exit code.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use crate::exit::{self, fail, fail_with};
use crate::history::{Access, HistoryStore, Record, RunMeta};
use crate::metrics::Results;
use crate::report::{self, ReportInput};
use crate::verdict::baseline::{self, Baseline, GitAncestry};
use crate::verdict::{self, RunVerdict};
use perfdsl_core::config::{BaselinePolicy, Config};
use perfdsl_core::diagnostics::Style;

mod files;

use files::write_file;
pub use files::{load_config, open_store, read_measured, read_results, record_into, Use};

/// Whether a run only compares with the history or also records itself into it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// Read the history, never write it (pull requests).
    #[default]
    Compare,
    /// Compare, then add (or replace) this commit's records (the main branch).
    Record,
}

/// Where the history is, and which commit a record belongs to.
#[derive(Debug, Clone, Default, Args)]
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

/// Options of the verdict and the report, shared by the commands that judge results.
#[derive(Debug, Clone, Default, Args)]
pub struct GateOpts {
    #[command(flatten)]
    pub store: StoreOpts,
    /// Baseline policy, overriding the config's.
    #[arg(long, value_enum, value_name = "POLICY")]
    pub baseline: Option<PolicyArg>,
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
pub enum PolicyArg {
    /// The record of the merge-base with the main branch (or its nearest recorded ancestor).
    MergeBase,
    /// The newest record of the main branch.
    Latest,
    /// The last N records of the main branch, pooled (`baseline.window`).
    Window,
}

impl From<PolicyArg> for BaselinePolicy {
    fn from(b: PolicyArg) -> Self {
        match b {
            PolicyArg::MergeBase => BaselinePolicy::MergeBase,
            PolicyArg::Latest => BaselinePolicy::Latest,
            PolicyArg::Window => BaselinePolicy::Window,
        }
    }
}

/// What the verdict decides: the exit code (`compare`, `run`), or nothing (`report`,
/// which only renders).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Decides,
    Ignored,
}

/// Config, store and history, read before any load is sent so that a bad config or a
/// corrupt history stops the run at once.
pub struct Gate {
    args: GateOpts,
    mode: Mode,
    verdict_use: Verdict,
    config: Config,
    store: Option<Box<dyn HistoryStore>>,
    records: Vec<Record>,
    /// `--against`: the other results file, read up front like the history.
    against: Option<Results>,
    meta: RunMeta,
    style: Style,
    /// Every scenario of the `.perf` files (`run`), when known; else the results' own.
    known: Option<Vec<String>>,
}

impl Gate {
    /// Loads the config and the history; on a problem prints it and returns the exit code.
    pub fn prepare(
        args: &GateOpts,
        mode: Mode,
        verdict_use: Verdict,
        style: Style,
    ) -> Result<Gate, u8> {
        let config = load_config(args.store.config.as_deref(), style)?;
        let store = &args.store;
        let meta = RunMeta::detect(store.commit.as_deref(), store.branch.as_deref());
        // A missing or bad `--against` file stops a run before any load, too.
        let against = match &args.against {
            Some(path) => Some(read_measured(path, Use::Baseline)?),
            None => None,
        };
        // Another results file as the baseline needs no history, unless recording.
        let needs_store = args.against.is_none() || mode == Mode::Record;
        let store = if needs_store {
            let access = match mode {
                Mode::Record => Access::Write,
                Mode::Compare => Access::Read,
            };
            Some(open_store(
                store.history.as_deref(),
                &config,
                access,
                style,
            )?)
        } else {
            None
        };
        let records = match &store {
            Some(s) => match s.records() {
                Ok(r) => r,
                Err(e) => return Err(fail_with(exit::RUNTIME, e, style)),
            },
            None => Vec::new(),
        };
        Ok(Gate {
            args: args.clone(),
            mode,
            verdict_use,
            config,
            store,
            records,
            against,
            meta,
            style,
            known: None,
        })
    }

    /// Names every scenario of the files run (a `--filter` leaves some out of the results;
    /// their settings in the config are not typos).
    pub fn set_known_scenarios(&mut self, names: Vec<String>) {
        self.known = Some(names);
    }

    /// The loaded configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Judges `results`, writes the outputs, records in `record` mode; returns the exit
    /// code (1 when the verdict fails).
    pub fn finish(&self, results: &Results) -> u8 {
        self.warn_unknown_scenarios(results);
        let baseline = self.baseline();
        let verdict = verdict::judge(results, &baseline, &self.records, &self.config);
        crate::outln!("{}", report::console::verdict(&verdict));
        let mut code = if verdict.fails() && self.verdict_use == Verdict::Decides {
            exit::FAILED
        } else {
            exit::OK
        };
        if let Err(c) = self.write_outputs(&verdict, results) {
            code = code.max(c);
        }
        if self.mode == Mode::Record {
            if let Err(c) = self.record(results) {
                code = code.max(c);
            }
        }
        code
    }

    fn baseline(&self) -> Baseline {
        if let (Some(other), Some(path)) = (&self.against, &self.args.against) {
            return Baseline::from_results(other, &format!("file:{}", path.display()));
        }
        let mut cfg = self.config.baseline.clone();
        if let Some(p) = self.args.baseline {
            cfg.policy = p.into();
        }
        // A commit is never its own baseline (re-recording main compares with before).
        let candidates: Vec<Record> = self
            .records
            .iter()
            .filter(|r| r.meta.commit != self.meta.commit)
            .cloned()
            .collect();
        baseline::select(&cfg, &candidates, &GitAncestry::new(Path::new(".")))
    }

    /// Settings for a scenario the run does not have are most likely a typo (or a
    /// renamed scenario): say so, with the closest name, rather than ignore them.
    fn warn_unknown_scenarios(&self, results: &Results) {
        let names: Vec<&str> = match &self.known {
            Some(known) => known.iter().map(String::as_str).collect(),
            None => results
                .scenarios
                .iter()
                .map(|s| s.summary.name.as_str())
                .collect(),
        };
        for name in self.config.scenario_names() {
            if names.contains(&name) {
                continue;
            }
            let hint = perfdsl_core::suggest::did_you_mean(name, names.iter().copied())
                .map_or(String::new(), |s| format!(" (did you mean `{s}`?)"));
            crate::errln!(
                "warning: `perf_config.json` has settings for scenario `{name}`, which the run does not have{hint}"
            );
        }
    }

    fn write_outputs(&self, verdict: &RunVerdict, results: &Results) -> Result<(), u8> {
        let mut code = Ok(());
        if !self.args.no_report {
            match self.render(verdict, results) {
                Ok(md) => {
                    let path = self
                        .args
                        .report
                        .clone()
                        .unwrap_or_else(|| PathBuf::from(&self.config.report.path));
                    if let Err(e) = write_file(&path, md.as_bytes()) {
                        code = Err(fail(
                            exit::RUNTIME,
                            &format!("cannot write `{}`: {e}", path.display()),
                        ));
                    } else {
                        crate::outln!("report: {}", path.display());
                    }
                    if let Err(e) = report::append_step_summary(&md) {
                        crate::errln!("warning: cannot append to `$GITHUB_STEP_SUMMARY`: {e}");
                    }
                }
                Err(c) => code = Err(c),
            }
        }
        if let Some(path) = &self.args.junit {
            if let Err(e) = write_file(path, report::junit(verdict, results).as_bytes()) {
                code = Err(fail(
                    exit::RUNTIME,
                    &format!("cannot write `{}`: {e}", path.display()),
                ));
            }
        }
        code
    }

    fn render(&self, verdict: &RunVerdict, results: &Results) -> Result<String, u8> {
        let template = match &self.config.report.template {
            Some(t) => Some(
                report::load_template(Path::new(t))
                    .map_err(|e| fail_with(exit::INVALID_INPUT, e, self.style))?,
            ),
            None => None,
        };
        let input = ReportInput {
            verdict,
            results,
            history: &self.records,
            config: &self.config.report,
            commit: Some(&self.meta.commit),
        };
        report::render(&input, template.as_deref())
            .map_err(|e| fail_with(exit::INVALID_INPUT, e, self.style))
    }

    fn record(&self, results: &Results) -> Result<(), u8> {
        let Some(store) = &self.store else {
            return Ok(());
        };
        // A record carries the time its results were measured, as `perfdsl record` does.
        let mut meta = self.meta.clone();
        meta.recorded_at.clone_from(&results.started_at);
        meta.runner = results.runner.clone().unwrap_or_default();
        record_into(store.as_ref(), results, &meta, &self.config, self.style)
    }
}
