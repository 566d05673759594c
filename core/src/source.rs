//! Source files: reading them (bytes → UTF-8 text), naming them for diagnostics, and
//! the file system seen by the loader (real or in memory, for tests and fuzzing).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::NamedSource;

/// One loaded `.perf` file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path it was read from (as given, joined with its importer's folder).
    pub path: PathBuf,
    /// The display name used in diagnostics.
    pub name: String,
    /// The whole file, decoded as UTF-8; spans are byte offsets into it. Shared, so the
    /// diagnostics that quote the file do not copy it.
    pub text: Arc<String>,
}

impl SourceFile {
    /// The file at `path` with its text; its display name is the path as written.
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        let path = path.into();
        let name = path.display().to_string();
        SourceFile {
            path,
            name,
            text: Arc::new(text.into()),
        }
    }

    /// The source handed to miette for labels.
    pub fn named(&self) -> NamedSource<Arc<String>> {
        NamedSource::new(self.name.clone(), self.text.clone())
    }
}

/// Where the loader reads files from.
pub trait FileSystem {
    /// The raw bytes of a file.
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>>;
    /// A stable identity for cycle detection (canonical path on disk).
    fn identity(&self, path: &Path) -> PathBuf;
    /// The names of the entries of a folder (empty when it cannot be read).
    fn list(&self, dir: &Path) -> Vec<String>;
}

/// Largest `.perf` file read (anything bigger is surely not a scenario file).
pub(crate) const MAX_FILE_BYTES: u64 = 16 << 20;

/// The real file system.
pub struct DiskFs;

impl FileSystem for DiskFs {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        use std::io::{Error, ErrorKind};
        // Devices and pipes (`import "/dev/zero"`) and huge files are refused, not read.
        let meta = std::fs::metadata(path)?;
        if !meta.is_file() {
            return Err(Error::new(ErrorKind::InvalidInput, "not a regular file"));
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!("larger than {} MiB", MAX_FILE_BYTES >> 20),
            ));
        }
        std::fs::read(path)
    }
    fn identity(&self, path: &Path) -> PathBuf {
        std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
    }
    fn list(&self, dir: &Path) -> Vec<String> {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        std::fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(std::result::Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// An in-memory file system: path → bytes.
#[derive(Default)]
pub struct MemoryFs {
    /// Path → the file's bytes. Lookups normalize the path asked for (`normalize`), so
    /// keys are written without `.` or `..` components.
    pub files: BTreeMap<PathBuf, Vec<u8>>,
}

impl MemoryFs {
    /// The same file system with one more file at `path` (replacing any file there).
    #[must_use]
    pub fn with(mut self, path: impl Into<PathBuf>, bytes: impl Into<Vec<u8>>) -> Self {
        self.files.insert(path.into(), bytes.into());
        self
    }
}

impl FileSystem for MemoryFs {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        self.files
            .get(&normalize(path))
            .cloned()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"))
    }
    fn identity(&self, path: &Path) -> PathBuf {
        normalize(path)
    }
    fn list(&self, dir: &Path) -> Vec<String> {
        let dir = normalize(dir);
        self.files
            .keys()
            .filter(|p| p.parent().map(normalize).as_deref() == Some(dir.as_path()))
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect()
    }
}

/// Lexically removes `.` and `a/..` components.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Decodes bytes as UTF-8, or says where the first invalid byte is.
pub(crate) fn decode(bytes: Vec<u8>) -> Result<String, (usize, String)> {
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
            // Map the byte offset to the lossy text: everything before `at` is identical.
            Err((at, lossy))
        }
    }
}
