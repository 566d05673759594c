//! Loading a program: a root `.perf` file and, transitively, the files it imports.
//! Missing and cyclic imports are diagnostics; each file is read and parsed once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

use crate::ast;
use crate::source::{decode, FileSystem, SourceFile};
use crate::syntax::{self, SyntaxError};

/// A file of a program with its syntax tree.
#[derive(Debug, Clone)]
pub struct LoadedFile {
    /// The file's path, display name and UTF-8 text, which every span of `ast` points into.
    pub source: SourceFile,
    /// The parsed file: its top-level blocks and imports, and its comments.
    pub ast: ast::File,
}

/// The root file and every file it imports (each once), root first.
#[derive(Debug, Clone)]
pub struct Program {
    /// The loaded files in the order they were first reached (depth first), the root at
    /// index 0; never empty.
    pub files: Vec<LoadedFile>,
}

impl Program {
    /// The file the program was loaded from (the one named on the command line).
    pub fn root(&self) -> &LoadedFile {
        &self.files[0]
    }
}

/// Errors found while reading files and following imports.
#[derive(Debug, Error, Diagnostic)]
pub enum LoadError {
    /// `perfdsl::load::unreadable`: a program's root file, or a file given to
    /// `read_source`, cannot be read (missing, a directory or device, over 16 MiB).
    #[error("cannot read `{path}`: {reason}")]
    #[diagnostic(code(perfdsl::load::unreadable))]
    Unreadable {
        /// The path as given.
        path: String,
        /// The I/O error, as text.
        reason: String,
    },

    #[error("imported file `{path}` cannot be read: {reason}")]
    #[diagnostic(code(perfdsl::load::missing_import))]
    /// `perfdsl::load::missing_import`: an `import` names a file that cannot be read.
    MissingImport {
        /// The imported path, resolved against the importing file's folder.
        path: String,
        /// The I/O error, as text.
        reason: String,
        /// The importing file.
        #[source_code]
        src: NamedSource<Arc<String>>,
        /// The import's path string in the importing file.
        #[label("imported here")]
        span: SourceSpan,
        /// "did you mean" a `.perf` file with a close name in the same folder; `None` when
        /// there is none.
        #[help]
        help: Option<String>,
    },

    #[error("import cycle: {cycle}")]
    #[diagnostic(
        code(perfdsl::load::import_cycle),
        help("move the shared blocks into a file that imports neither")
    )]
    /// `perfdsl::load::import_cycle`: a file imports, directly or through other files,
    /// a file that is still importing it.
    Cycle {
        /// The files of the cycle, `a.perf → b.perf → a.perf`.
        cycle: String,
        /// The file whose import closes the cycle.
        #[source_code]
        src: NamedSource<Arc<String>>,
        /// That whole `import` statement.
        #[label("this import leads back to `{back_to}`")]
        span: SourceSpan,
        /// The display name of the file the import leads back to (the cycle's first file).
        back_to: String,
    },

    #[error("import path must be a plain string")]
    #[diagnostic(
        code(perfdsl::load::interpolated_import),
        help("write the path literally, relative to this file")
    )]
    /// `perfdsl::load::interpolated_import`: an `import` path with `{{ }}` in it; imports
    /// are resolved before any variable exists.
    InterpolatedImport {
        /// The importing file.
        #[source_code]
        src: NamedSource<Arc<String>>,
        /// The import's path string.
        #[label("`{{{{ }}}}` is not allowed here")]
        span: SourceSpan,
    },

    /// A file (root or imported) that is not valid UTF-8 or does not parse; its code is
    /// the syntax error's (`perfdsl::syntax::*`).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Syntax(#[from] SyntaxError),
}

/// Reads one file into a `SourceFile`, turning invalid UTF-8 into a diagnostic.
pub fn read_source(fs: &dyn FileSystem, path: &Path) -> Result<SourceFile, LoadError> {
    let bytes = fs.read(path).map_err(|e| LoadError::Unreadable {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    source_from_bytes(path, bytes)
}

/// Builds a `SourceFile` from bytes (invalid UTF-8 → diagnostic at the first bad byte).
pub(crate) fn source_from_bytes(path: &Path, bytes: Vec<u8>) -> Result<SourceFile, LoadError> {
    match decode(bytes) {
        Ok(text) => Ok(SourceFile::new(path, text)),
        Err((at, lossy)) => {
            let file = SourceFile::new(path, lossy);
            // The lossy text is identical up to `at`, and the bad byte became U+FFFD.
            let end = file.text[at..]
                .chars()
                .next()
                .map_or(at, |c| at + c.len_utf8());
            Err(SyntaxError::InvalidUtf8 {
                src: file.named(),
                span: ast::Span::new(at, end).into(),
            }
            .into())
        }
    }
}

/// Loads `root` and its imports. Every problem found is returned (one per file at most
/// for syntax errors, since parsing stops at the first one in a file).
pub fn load(fs: &dyn FileSystem, root: &Path) -> Result<Program, Vec<LoadError>> {
    let root_source = read_source(fs, root).map_err(|e| vec![e])?;
    load_source(fs, root_source)
}

/// Parses source text that has no file behind it (imports are resolved against `fs`).
pub fn load_source(fs: &dyn FileSystem, source: SourceFile) -> Result<Program, Vec<LoadError>> {
    let mut loader = Loader {
        fs,
        files: Vec::new(),
        index: HashMap::new(),
        errors: Vec::new(),
    };
    loader.visit(source);
    if loader.errors.is_empty() {
        Ok(Program {
            files: loader.files,
        })
    } else {
        Err(loader.errors)
    }
}

struct Loader<'a> {
    fs: &'a dyn FileSystem,
    files: Vec<LoadedFile>,
    /// identity → index in `files` (or usize::MAX while a file failed to parse).
    index: HashMap<PathBuf, usize>,
    errors: Vec<LoadError>,
}

impl Loader<'_> {
    /// Parses `root` and follows its imports depth first, with an explicit stack (a long
    /// chain of imports must not exhaust the thread's stack).
    fn visit(&mut self, root: SourceFile) {
        let mut stack: Vec<Frame> = self.open(root).into_iter().collect();
        while let Some(top) = stack.last_mut() {
            let Some(imp) = top.imports.get(top.next).cloned() else {
                stack.pop();
                continue;
            };
            top.next += 1;
            let from = top.source.clone();
            if let Some(next) = self.follow(&from, &imp, &stack) {
                stack.extend(self.open(next));
            }
        }
    }

    /// Parses and registers a file; its frame when it parsed.
    fn open(&mut self, source: SourceFile) -> Option<Frame> {
        let id = self.fs.identity(&source.path);
        let ast = match syntax::parse(&source) {
            Ok(a) => a,
            Err(e) => {
                self.index.insert(id, usize::MAX);
                self.errors.push(e.into());
                return None;
            }
        };
        self.index.insert(id.clone(), self.files.len());
        let imports: Vec<ast::Import> = ast
            .items
            .iter()
            .filter_map(|i| match i {
                ast::Item::Import(imp) => Some(imp.clone()),
                _ => None,
            })
            .collect();
        self.files.push(LoadedFile {
            source: source.clone(),
            ast,
        });
        Some(Frame {
            id,
            source,
            imports,
            next: 0,
        })
    }

    /// Resolves an import: the file to visit next, or None when it is already loaded or
    /// an error was recorded (missing, cyclic, not UTF-8).
    fn follow(
        &mut self,
        from: &SourceFile,
        imp: &ast::Import,
        stack: &[Frame],
    ) -> Option<SourceFile> {
        let Some(rel) = imp.path.as_plain() else {
            self.errors.push(LoadError::InterpolatedImport {
                src: from.named(),
                span: imp.path.span.into(),
            });
            return None;
        };
        let dir = from.path.parent().unwrap_or(Path::new(""));
        let path = crate::source::normalize(&dir.join(&rel));
        let id = self.fs.identity(&path);
        if let Some(pos) = stack.iter().position(|f| f.id == id) {
            let mut names: Vec<String> =
                stack[pos..].iter().map(|f| f.source.name.clone()).collect();
            names.push(stack[pos].source.name.clone());
            self.errors.push(LoadError::Cycle {
                cycle: names.join(" → "),
                src: from.named(),
                span: imp.span.into(),
                back_to: stack[pos].source.name.clone(),
            });
            return None;
        }
        if self.index.contains_key(&id) {
            return None; // already loaded (diamond imports are fine)
        }
        match self.fs.read(&path) {
            Ok(bytes) => match source_from_bytes(&path, bytes) {
                Ok(src) => Some(src),
                Err(e) => {
                    self.index.insert(id, usize::MAX);
                    self.errors.push(e);
                    None
                }
            },
            Err(e) => {
                let help = sibling_suggestion(self.fs, &path);
                self.errors.push(LoadError::MissingImport {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                    src: from.named(),
                    span: imp.path.span.into(),
                    help,
                });
                None
            }
        }
    }
}

/// A file whose imports are being followed.
struct Frame {
    id: PathBuf,
    source: SourceFile,
    imports: Vec<ast::Import>,
    /// How many of `imports` have been followed.
    next: usize,
}

/// "did you mean" for a missing import: a `.perf` file in the same folder with a close name.
fn sibling_suggestion(fs: &dyn FileSystem, path: &Path) -> Option<String> {
    let want = path.file_name()?.to_string_lossy().to_string();
    let names: Vec<String> = fs
        .list(path.parent()?)
        .into_iter()
        .filter(|n| {
            #[allow(
                clippy::case_sensitive_file_extension_comparisons,
                reason = "the loader reads `.perf` files, spelled in lowercase"
            )]
            n.ends_with(".perf")
        })
        .collect();
    crate::suggest::did_you_mean(&want, names.iter().map(String::as_str))
        .map(|n| format!("did you mean `{n}`?"))
}
