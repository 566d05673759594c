//! The front-end pipeline in one call: load (read, parse, follow imports) → validate.

use std::path::{Path, PathBuf};

use miette::Report;

use crate::loader::{self, Program};
use crate::model::Model;
use crate::source::{FileSystem, MemoryFs};
use crate::validate;

/// A checked program: its files and the validated model.
#[derive(Debug)]
pub struct Checked {
    /// The root `.perf` file and every file it imports, with their source text and AST.
    pub program: Program,
    /// What the program declares, resolved and typed: services, targets, mocks, databases
    /// and scenarios.
    pub model: Model,
}

/// Loads and validates the program rooted at `path`, reporting every problem found.
pub fn check_path(fs: &dyn FileSystem, path: &Path) -> Result<Checked, Vec<Report>> {
    let program = loader::load(fs, path).map_err(to_reports)?;
    let model = validate::validate(&program).map_err(to_reports)?;
    Ok(Checked { program, model })
}

/// Checks one in-memory file (no other files exist): used by fuzzing and tests.
pub fn check_bytes(name: &str, bytes: &[u8]) -> Result<Checked, Vec<Report>> {
    let fs = MemoryFs::default().with(PathBuf::from(name), bytes.to_vec());
    check_path(&fs, Path::new(name))
}

/// What several checked root files, run together, must agree on (one mock per name, one
/// mock per proxied host): every disagreement, with both places.
pub fn check_together(checked: &[Checked]) -> Vec<Report> {
    let programs: Vec<(&Program, &Model)> =
        checked.iter().map(|c| (&c.program, &c.model)).collect();
    to_reports(validate::across_programs(&programs))
}

fn to_reports<E: miette::Diagnostic + Send + Sync + 'static>(errors: Vec<E>) -> Vec<Report> {
    errors.into_iter().map(Report::new).collect()
}
