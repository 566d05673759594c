//! perfdsl: a performance-regression gate for HTTP services.
//!
//! The front end (`source` → `syntax` → `ast` → `validate` → `model`) is pure: no network,
//! no async; it only reads files.

pub mod ast;
pub mod cli;
pub mod commands;
pub mod diagnostics;
pub mod frontend;
pub mod loader;
pub mod model;
pub mod source;
pub mod suggest;
pub mod syntax;
pub mod validate;
