//! The JSON file store (`perf_history.json`): `{"schema": 1, "records": [...]}`,
//! pretty-printed and sorted so that diffs stay small. Writers hold an exclusive lock on
//! the sidecar `<file>.lock` and replace the file atomically (temporary file in the same
//! directory, fsync, rename, fsync of the directory); readers need no lock.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tempfile::NamedTempFile;

use super::compact::{compact, record_order, upsert};
use super::{HistoryError, HistoryStore, Record, RecordOutcome, Retention, SCHEMA};

/// The history in a JSON file.
#[derive(Debug, Clone)]
pub struct JsonStore {
    path: PathBuf,
}

/// The file as written.
#[derive(Serialize)]
struct FileOut<'a> {
    schema: u32,
    records: &'a [Record],
}

/// The file as read.
#[derive(Deserialize)]
struct FileIn {
    schema: u32,
    records: Vec<Record>,
}

/// Only the schema, to tell a newer file from a broken one.
#[derive(Deserialize)]
struct SchemaOnly {
    schema: u32,
}

impl JsonStore {
    /// A store in the file `path`; nothing is read or created until it is used.
    pub fn new(path: impl Into<PathBuf>) -> JsonStore {
        JsonStore { path: path.into() }
    }

    /// The history file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The sidecar lock file: `<file>.lock`, next to the history.
    pub fn lock_path(&self) -> PathBuf {
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(".lock");
        self.path.with_file_name(name)
    }

    fn shown(&self) -> String {
        self.path.display().to_string()
    }

    fn io_error(&self, what: &str, error: &io::Error) -> HistoryError {
        HistoryError::Io {
            path: self.shown(),
            message: format!("{what}: {error}"),
        }
    }

    /// Reads and checks the file; a missing or empty file is an empty history.
    fn read(&self) -> Result<Vec<Record>, HistoryError> {
        let text = match fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(self.io_error("cannot read it", &e)),
        };
        if text.trim().is_empty() {
            return Ok(Vec::new());
        }
        let newer = |found: u32| HistoryError::NewerSchema {
            path: self.shown(),
            found,
            supported: SCHEMA,
        };
        match serde_json::from_str::<FileIn>(&text) {
            Ok(file) if file.schema > SCHEMA => Err(newer(file.schema)),
            Ok(file) if file.schema < 1 => Err(HistoryError::Corrupt {
                path: self.shown(),
                message: format!("expected schema 1 to {SCHEMA}, found {}", file.schema),
            }),
            Ok(file) => Ok(file.records),
            // A newer file may not parse as this schema: say it is newer, not broken.
            Err(error) => match serde_json::from_str::<SchemaOnly>(&text) {
                Ok(probe) if probe.schema > SCHEMA => Err(newer(probe.schema)),
                _ => Err(HistoryError::Corrupt {
                    path: self.shown(),
                    message: error.to_string(),
                }),
            },
        }
    }

    /// Takes the exclusive writer lock; it is released when the returned file drops.
    fn lock(&self) -> Result<File, HistoryError> {
        let lock_path = self.lock_path();
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| {
                self.io_error(
                    &format!("cannot open the lock file `{}`", lock_path.display()),
                    &e,
                )
            })?;
        file.lock()
            .map_err(|e| self.io_error(&format!("cannot lock `{}`", lock_path.display()), &e))?;
        Ok(file)
    }

    /// Under the lock: reads the file, lets `change` edit the records (it returns whether
    /// anything changed), and writes the result back atomically when something did.
    fn update<T>(
        &self,
        change: impl FnOnce(&mut Vec<Record>) -> (T, bool),
    ) -> Result<T, HistoryError> {
        let _lock = self.lock()?;
        let mut records = self.read()?;
        let (result, changed) = change(&mut records);
        if changed {
            records.sort_by(record_order);
            self.write(&records)?;
        }
        Ok(result)
    }

    /// Writes `records` to a temporary file beside the history, then renames it over.
    fn write(&self, records: &[Record]) -> Result<(), HistoryError> {
        let dir = match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let tmp = NamedTempFile::new_in(dir).map_err(|e| {
            self.io_error(
                &format!("cannot create a temporary file in `{}`", dir.display()),
                &e,
            )
        })?;
        let written = self.write_into(&tmp, records);
        written
            .map_err(|e| self.io_error(&format!("cannot write `{}`", tmp.path().display()), &e))?;
        tmp.persist(&self.path).map_err(|e| {
            self.io_error("cannot rename the new history over the old one", &e.error)
        })?;
        // The rename is durable only once the directory entry is on disk.
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| self.io_error(&format!("cannot sync `{}`", dir.display()), &e))
    }

    fn write_into(&self, tmp: &NamedTempFile, records: &[Record]) -> io::Result<()> {
        let mut out = BufWriter::new(tmp.as_file());
        let file = FileOut {
            schema: SCHEMA,
            records,
        };
        serde_json::to_writer_pretty(&mut out, &file)?;
        out.write_all(b"\n")?;
        out.flush()?;
        drop(out);
        // Keep the old file's permissions (the temporary file is private to its owner).
        let permissions = match fs::metadata(&self.path) {
            Ok(meta) => Some(meta.permissions()),
            Err(_) => default_permissions(),
        };
        if let Some(permissions) = permissions {
            tmp.as_file().set_permissions(permissions)?;
        }
        tmp.as_file().sync_all()
    }
}

#[cfg(unix)]
#[allow(
    clippy::unnecessary_wraps,
    reason = "None on the platforms without Unix permissions"
)]
fn default_permissions() -> Option<fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn default_permissions() -> Option<fs::Permissions> {
    None
}

impl HistoryStore for JsonStore {
    fn records(&self) -> Result<Vec<Record>, HistoryError> {
        let mut records = self.read()?;
        records.sort_by(record_order);
        Ok(records)
    }

    fn record(
        &self,
        records: &[Record],
        retention: Retention,
    ) -> Result<RecordOutcome, HistoryError> {
        self.update(|all| {
            let mut outcome = upsert(all, records);
            let (pruned, summarized) = compact(all, retention);
            outcome.pruned = pruned;
            let changed = outcome.inserted + outcome.replaced + pruned + summarized > 0;
            (outcome, changed)
        })
    }

    fn prune(&self, retention: Retention) -> Result<usize, HistoryError> {
        self.update(|all| {
            let (pruned, summarized) = compact(all, retention);
            (pruned, pruned + summarized > 0)
        })
    }

    fn describe(&self) -> String {
        self.shown()
    }
}
