//! The errors of loading a `perf_config.json`: one variant, and one stable code
//! (`perfdsl::config::*`), per kind. Every variant found in the text carries the same
//! parts: a message, the file, one labelled span and a help line.

use crate::located::located_errors;
pub(crate) use crate::located::Detail;

located_errors! {
    /// A mistake in, or a failure to read, a `perf_config.json`.
    pub enum ConfigError / ErrorKind {
        extra {
            /// The file cannot be read (or is a directory).
            #[error("cannot read `{path}`: {reason}")]
            #[diagnostic(code(perfdsl::config::io))]
            Io {
                /// The config file's path, as given.
                path: String,
                /// The I/O error, as text.
                reason: String,
                /// What to do about it; `None` when the error says it all.
                #[help]
                help: Option<String>,
            },
            /// Several mistakes at once; each is a related diagnostic.
            #[error("`{file}` has {} mistakes", errors.len())]
            #[diagnostic(code(perfdsl::config::invalid))]
            Many {
                /// The config file's display name.
                file: String,
                /// The mistakes, each a located error, in the order of their positions in
                /// the file.
                #[related]
                errors: Vec<ConfigError>,
            },
        }
    /// Not valid JSON (or not UTF-8).
    Syntax => code(perfdsl::config::syntax);
    /// A key the config does not have (with "did you mean").
    UnknownField => code(perfdsl::config::unknown_field);
    /// A required key of an object is missing (`warn`/`fail` of a tolerance).
    MissingField => code(perfdsl::config::missing_field);
    /// A value of the wrong JSON type, or a number out of its type's range.
    Type => code("perfdsl::config::type");
    /// A string that is not one of the allowed words (`baseline.policy`).
    UnknownValue => code(perfdsl::config::unknown_value);
    /// The same key twice in one object.
    DuplicateKey => code(perfdsl::config::duplicate_key);
    /// A `version` this perfdsl cannot read.
    Version => code(perfdsl::config::version);
    /// A metric name (of a limit, tolerance or judged metric) that does not exist.
    Metric => code(perfdsl::config::metric);
    /// A limit that is not `OP VALUE` with a value fitting the metric's unit.
    Limit => code(perfdsl::config::limit);
    /// A tolerance with negative, non-finite or out-of-order bounds.
    Tolerance => code(perfdsl::config::tolerance);
    /// A setting outside the range it allows (`baseline.window` of 0, ...).
    OutOfRange => code(perfdsl::config::out_of_range);
    }
}

impl ConfigError {
    /// Every single error: itself, or the errors of `Many`.
    pub fn errors(&self) -> Vec<&ConfigError> {
        match self {
            ConfigError::Many { errors, .. } => errors.iter().collect(),
            other => vec![other],
        }
    }

    /// One error as is; several as `Many`.
    pub(crate) fn collect(file: &str, mut errors: Vec<ConfigError>) -> Result<(), ConfigError> {
        match errors.len() {
            0 => Ok(()),
            1 => Err(errors.remove(0)),
            _ => Err(ConfigError::Many {
                file: file.to_string(),
                errors,
            }),
        }
    }
}
