//! The files and stores the gate reads and writes: results files (`run --json`), the
//! history store, `perf_config.json`, the report's outputs.

use std::path::Path;

use crate::exit::{self, fail, fail_with};
use crate::history::{self, Access, HistoryStore, Record, Retention, RunMeta};
use crate::metrics::Results;
use crate::verdict::baseline::short;
use perfdsl_core::config::Config;
use perfdsl_core::diagnostics::Style;

/// Writes an output file, creating its folder if needed.
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
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
    if probe.schema > crate::metrics::results::SCHEMA {
        return Err(fail(
            exit::INVALID_INPUT,
            &format!(
                "`{}` has results schema {}, newer than this perfdsl reads ({}): upgrade perfdsl",
                path.display(),
                probe.schema,
                crate::metrics::results::SCHEMA
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
