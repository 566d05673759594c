//! AST → typed model, collecting every error in one pass.

use miette::Diagnostic;
use thiserror::Error;

use crate::loader::Program;
use crate::model::Model;

/// A meaning error in a `.perf` file.
#[derive(Debug, Error, Diagnostic)]
pub enum ValidateError {}

/// Validates a loaded program into its model.
pub fn validate(program: &Program) -> Result<Model, Vec<ValidateError>> {
    let _ = program;
    Ok(Model::default())
}
