//! The gate shared by `run`, `compare` and `report`: read `perf_config.json` and the
//! history, choose the baseline, judge every metric, write `perf_report.md` (and JUnit,
//! and the GitHub step summary), record the run in `record` mode, and give the exit code.

use std::path::{Path, PathBuf};

use clap::ValueEnum;

use crate::cli::exit;
use crate::history::{self, Access, HistoryStore, Record, Retention, RunMeta};
use crate::report::{self, ReportInput};
use crate::results::Results;
use crate::verdict::baseline::{self, Baseline, GitAncestry};
use crate::verdict::{self, RunVerdict, State};
use perfdsl_core::config::{BaselinePolicy, Config};
use perfdsl_core::diagnostics::Style;

use super::{fail, fail_with};

/// Whether a run only compares with the history or also records itself into it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// Read the history, never write it (pull requests).
    #[default]
    Compare,
    /// Compare, then add (or replace) this commit's records (the main branch).
    Record,
}

/// Options of the gate, shared by the commands that judge results.
#[derive(Debug, Clone, Default)]
pub struct GateArgs {
    /// `perf_config.json` (default: that name in the working directory, if present).
    pub config: Option<PathBuf>,
    /// A history file path or `postgres://` URL.
    pub history: Option<String>,
    /// Overrides the config's baseline policy.
    pub baseline: Option<BaselinePolicy>,
    /// Compare with this results file instead of the history.
    pub against: Option<PathBuf>,
    /// Where the report goes (default: the config's `report.path`).
    pub report: Option<PathBuf>,
    /// Do not write the Markdown report.
    pub no_report: bool,
    /// Write JUnit XML here.
    pub junit: Option<PathBuf>,
    pub mode: Mode,
    /// The commit and branch recorded (default: detected from CI variables or git).
    pub commit: Option<String>,
    pub branch: Option<String>,
    /// Exit 0 whatever the verdict (`perfdsl report` only renders).
    pub ignore_verdict: bool,
}

/// Config, store and history, read before any load is sent so that a bad config or a
/// corrupt history stops the run at once.
pub struct Gate {
    args: GateArgs,
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
    pub fn prepare(args: &GateArgs, style: Style) -> Result<Gate, u8> {
        let config = load_config(args.config.as_deref(), style)?;
        let meta = RunMeta::detect(args.commit.as_deref(), args.branch.as_deref());
        // A missing or bad `--against` file stops a run before any load, too.
        let against = match &args.against {
            Some(path) => Some(read_measured(path, Use::Baseline)?),
            None => None,
        };
        // Another results file as the baseline needs no history, unless recording.
        let needs_store = args.against.is_none() || args.mode == Mode::Record;
        let store = if needs_store {
            let access = match args.mode {
                Mode::Record => Access::Write,
                Mode::Compare => Access::Read,
            };
            Some(open_store(args.history.as_deref(), &config, access, style)?)
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
        crate::outln!("{}", console_verdict(&verdict));
        let mut code = if verdict.fails() && !self.args.ignore_verdict {
            exit::FAILED
        } else {
            exit::OK
        };
        if let Err(c) = self.write_outputs(&verdict, results) {
            code = code.max(c);
        }
        if self.args.mode == Mode::Record {
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
            cfg.policy = p;
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

/// Writes an output file, creating its folder if needed.
fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, bytes)
}

/// Records `results` as `meta`'s commit; prints what happened.
pub fn record_into(
    store: &dyn HistoryStore,
    results: &Results,
    meta: &RunMeta,
    config: &Config,
    style: Style,
) -> Result<(), u8> {
    let records: Vec<Record> = results
        .scenarios
        .iter()
        .map(|s| Record::from_result(s, meta))
        .collect();
    match store.record(&records, Retention::from(&config.history)) {
        Ok(o) => {
            crate::outln!(
                "recorded {} scenario(s) of {} into {} ({} new, {} replaced, {} pruned)",
                records.len(),
                short(&meta.commit),
                store.describe(),
                o.inserted,
                o.replaced,
                o.pruned
            );
            Ok(())
        }
        Err(e) => Err(fail_with(exit::RUNTIME, e, style)),
    }
}

/// Loads the config named, or `perf_config.json` when present, else the defaults.
pub fn load_config(path: Option<&Path>, style: Style) -> Result<Config, u8> {
    let loaded = match path {
        Some(p) => Config::load(p),
        None => Config::load_or_default(Path::new(perfdsl_core::config::FILE)),
    };
    loaded.map_err(|e| fail_with(exit::INVALID_INPUT, e, style))
}

/// What a results file is read for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// `compare`, `report`: judged against the history.
    Judged,
    /// `record`: stored as a commit's records.
    Recorded,
    /// `--against`: the baseline of another run.
    Baseline,
}

impl Use {
    fn words(self) -> &'static str {
        match self {
            Use::Judged => "judged",
            Use::Recorded => "recorded",
            Use::Baseline => "a baseline",
        }
    }
}

/// Reads a results file for `what`. A smoke run (one iteration per scenario, `perfdsl run
/// --smoke`) is refused with exit 2: it checks the scenarios but measures nothing. An
/// incomplete run (the service died, a signal stopped it…) is refused with exit 3 as a
/// record or a baseline, and judged with a warning.
pub fn read_measured(path: &Path, what: Use) -> Result<Results, u8> {
    let results = read_results(path)?;
    if results.smoke {
        return Err(fail(
            exit::INVALID_INPUT,
            &format!(
                "`{}` holds a smoke run (one iteration per scenario, `perfdsl run --smoke`): it \
                 checks the scenarios but measures nothing, so it is not {}; use the results \
                 of a run without `--smoke`",
                path.display(),
                what.words()
            ),
        ));
    }
    if !results.incomplete.is_empty() {
        let why = format!(
            "`{}` holds an incomplete run ({})",
            path.display(),
            results.incomplete.join("; ")
        );
        if what != Use::Judged {
            // The run itself failed: it must never stand for a commit.
            return Err(fail(
                exit::RUNTIME,
                &format!("{why}: it is not {}", what.words()),
            ));
        }
        crate::errln!("warning: {why}: judged as it is");
    }
    Ok(results)
}

/// Reads a results file written by `perfdsl run --json`.
pub fn read_results(path: &Path) -> Result<Results, u8> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        fail(
            exit::INVALID_INPUT,
            &format!("cannot read `{}`: {e}", path.display()),
        )
    })?;
    let not_results = |e: serde_json::Error| {
        fail(
            exit::INVALID_INPUT,
            &format!("`{}` is not a perfdsl results file: {e}", path.display()),
        )
    };
    // The version first: a newer layout may not fit this perfdsl's types at all, and
    // "upgrade perfdsl" is then the useful message, not a missing field.
    let probe: SchemaProbe = serde_json::from_str(&text).map_err(not_results)?;
    if probe.schema > crate::results::SCHEMA {
        return Err(fail(
            exit::INVALID_INPUT,
            &format!(
                "`{}` has results schema {}, newer than this perfdsl reads ({}): upgrade perfdsl",
                path.display(),
                probe.schema,
                crate::results::SCHEMA
            ),
        ));
    }
    serde_json::from_str(&text).map_err(not_results)
}

/// Only the `schema` field of a results file (every other field is ignored).
#[derive(serde::Deserialize)]
struct SchemaProbe {
    schema: u32,
}

/// Opens the history store (`--history`, `PERFDSL_HISTORY`, then the config); exit 3
/// after saying why when it cannot be opened.
pub fn open_store(
    flag: Option<&str>,
    config: &Config,
    access: Access,
    style: Style,
) -> Result<Box<dyn HistoryStore>, u8> {
    history::open(flag, &config.history, access).map_err(|e| fail_with(exit::RUNTIME, e, style))
}

/// The first 7 characters of a commit hash.
pub fn short(commit: &str) -> &str {
    commit.get(..7).unwrap_or(commit)
}

/// A few lines for the terminal: the run's state and every metric that is not fine.
fn console_verdict(v: &RunVerdict) -> String {
    use perfdsl_core::diagnostics::shown;
    let mut out = format!("verdict: {}", state_word(v.state));
    if let Some(note) = &v.baseline.note {
        out.push_str(&format!("\n  baseline: {}", shown(note)));
    } else if let Some(c) = &v.baseline.commit {
        // Another results file is named in full (`file:PATH`), a commit by its short hash.
        let name = if v.baseline.policy == "file" {
            c.as_str()
        } else {
            short(c)
        };
        out.push_str(&format!(
            "\n  baseline: {} ({})",
            shown(name),
            v.baseline.policy
        ));
    }
    for s in &v.scenarios {
        if s.state == State::Missing {
            out.push_str(&format!("\n  {}: missing from this run", shown(&s.name)));
        }
        for m in s.metrics.iter().filter(|m| m.state >= State::Warn) {
            let at = m
                .step
                .as_ref()
                .map_or(String::new(), |st| format!("{}: ", shown(st)));
            out.push_str(&format!(
                "\n  {} {}{}{}: {}",
                state_word(m.state),
                shown(&s.name),
                if at.is_empty() { " " } else { " step " },
                format_args!("{at}{}", shown(&m.metric)),
                shown(&m.reason)
            ));
        }
        for e in &s.failed_expectations {
            out.push_str(&format!("\n  regressed {}: {}", shown(&s.name), shown(e)));
        }
    }
    out
}

fn state_word(s: State) -> &'static str {
    match s {
        State::Improved => "improved",
        State::Unchanged => "unchanged",
        State::New => "new",
        State::Missing => "missing",
        State::Warn => "warn",
        State::Regressed => "regressed",
    }
}
