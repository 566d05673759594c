//! Resolving a `database` block for running: its URL looked up in perfdsl's environment,
//! its SQL files read, and where each script was written (for error locations).

use std::path::Path;

use super::{stats, DatabaseError};
use crate::eval::vars::{self, process_env, Vars};
use perfdsl_core::frontend::Checked;
use perfdsl_core::model::{Database, EnvValue, Sql};

/// SQL to run, with where it was written (for error locations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    pub sql: String,
    /// The SQL file, or the `.perf` file holding the inline block, as shown to the user.
    pub file: String,
    /// Line of `file` where `sql` starts (1 for a file).
    pub first_line: usize,
    /// Inline code is dedented: its columns are not those of the file.
    pub inline: bool,
}

/// A `database` block resolved for running: URL looked up, SQL files read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseSpec {
    pub name: String,
    pub url: String,
    pub setup: Option<Script>,
    pub reset: Option<Script>,
}

impl DatabaseSpec {
    /// Resolves a model block of `checked`: `env("X", "default")` and `{{ env.X }}` from
    /// perfdsl's environment, SQL files read relative to the declaring file.
    pub fn resolve(db: &Database, checked: &Checked) -> Result<DatabaseSpec, DatabaseError> {
        let file = checked.program.files.get(db.origin.file);
        let dir = file
            .and_then(|f| f.source.path.parent())
            .unwrap_or(Path::new(""));
        let (perf_name, text) = file.map_or((String::new(), ""), |f| {
            (f.source.name.clone(), f.source.text.as_str())
        });
        let script = |sql: &Sql, keyword: &str| -> Result<Script, DatabaseError> {
            match sql {
                Sql::File(path) => {
                    let full = dir.join(path);
                    let sql =
                        std::fs::read_to_string(&full).map_err(|e| DatabaseError::SqlFile {
                            database: db.name.clone(),
                            path: full.display().to_string(),
                            message: e.to_string(),
                        })?;
                    let file = full.display().to_string();
                    Ok(Script {
                        sql,
                        file,
                        first_line: 1,
                        inline: false,
                    })
                }
                Sql::Inline(sql) => {
                    let span = db.origin.span;
                    let line = stats::inline_first_line(text, span.start, span.end, keyword)
                        .unwrap_or_else(|| stats::line_col(text, span.start + 1).0);
                    let file = perf_name.clone();
                    Ok(Script {
                        sql: sql.clone(),
                        file,
                        first_line: line,
                        inline: true,
                    })
                }
            }
        };
        Ok(DatabaseSpec {
            name: db.name.clone(),
            url: env_value(&db.url),
            setup: db.setup.as_ref().map(|s| script(s, "setup")).transpose()?,
            reset: db.reset.as_ref().map(|s| script(s, "reset")).transpose()?,
        })
    }
}

/// The URL as written, `env.X` and `env("X", "default")` looked up.
fn env_value(v: &EnvValue) -> String {
    let mut vars = Vars::new(0);
    vars.set("env", process_env());
    vars::env_value(v, &vars)
}
