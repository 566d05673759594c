//! One module per subcommand, wiring the stages together, and the one place that turns
//! parsed arguments into a command and its exit code.

pub mod check;
pub mod fmt;
pub mod history;
pub mod judge;
pub mod mock;
pub mod record;
pub mod run;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::exit::{self, fail};
use perfdsl_core::diagnostics::{render, Style};
use perfdsl_core::frontend::{self, Checked};
use perfdsl_core::source::DiskFs;

/// Parses the arguments, runs the command, returns its exit code.
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
    ExitCode::from(dispatch(&cli.command, cli.style()))
}

/// Runs one command; returns its exit code.
pub fn dispatch(command: &Command, style: Style) -> u8 {
    match command {
        Command::Check(a) => check::run(&a.paths, style),
        Command::Run(a) => run::run(a, style),
        Command::Compare(a) => judge::compare(a, style),
        Command::Report(a) => judge::report(a, style),
        Command::Record(a) => record::run(a, style),
        Command::History(a) => history::run(a, style),
        Command::Mock(a) => mock::run(a, style),
        Command::Fmt(a) => fmt::run(&a.paths, a.check, style),
    }
}

/// The default folder of scenarios.
pub const DEFAULT_DIR: &str = "scenarios";

/// Expands files and folders into the sorted list of `.perf` files they name.
/// Folders are walked recursively; a file named explicitly is taken whatever its extension.
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let defaults = [PathBuf::from(DEFAULT_DIR)];
    let paths = if paths.is_empty() {
        &defaults[..]
    } else {
        paths
    };
    let mut out = Vec::new();
    for p in paths {
        let meta =
            std::fs::metadata(p).map_err(|e| format!("cannot read `{}`: {e}", p.display()))?;
        if meta.is_dir() {
            walk(p, &mut out).map_err(|e| format!("cannot read folder `{}`: {e}", p.display()))?;
        } else {
            out.push(p.clone());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for e in entries {
        let path = e.path();
        let ft = e.file_type()?;
        if ft.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|x| x == "perf") {
            out.push(path);
        }
    }
    Ok(())
}

/// The `.perf` files named, or the exit code after saying why there are none.
pub fn files_or_exit(paths: &[PathBuf]) -> Result<Vec<PathBuf>, u8> {
    match collect_files(paths) {
        Ok(f) if !f.is_empty() => Ok(f),
        Ok(_) => Err(fail(exit::INVALID_INPUT, "no `.perf` files found")),
        Err(e) => Err(fail(exit::INVALID_INPUT, &e)),
    }
}

/// Collects and checks every file; on any problem prints it (every diagnostic of every
/// file) and returns the exit code, `what` saying what was not done.
pub fn check_all(paths: &[PathBuf], style: Style, what: &str) -> Result<Vec<Checked>, u8> {
    let files = files_or_exit(paths)?;
    let mut checked = Vec::new();
    let mut bad = false;
    for f in &files {
        match frontend::check_path(&DiskFs, f) {
            Ok(c) => checked.push(c),
            Err(reports) => {
                bad = true;
                for r in &reports {
                    crate::errln!("{}", render(r, style));
                }
            }
        }
    }
    let together = frontend::check_together(&checked);
    for r in &together {
        crate::errln!("{}", render(r, style));
    }
    if bad || !together.is_empty() {
        return Err(fail(exit::INVALID_INPUT, &format!("invalid input; {what}")));
    }
    Ok(checked)
}
