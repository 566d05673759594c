//! `perfdsl fmt`: rewrite files canonically, or with `--check` list the ones that differ.
//!
//! Each file is parsed on its own (imports are not followed, nothing is validated).

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use miette::Report;

use crate::exit;
use perfdsl_core::diagnostics::{render, Style};
use perfdsl_core::loader::{self, LoadError};
use perfdsl_core::source::DiskFs;

/// How many changed lines of each side `--check` shows per file.
const DIFF_LINES: usize = 8;

/// Runs the command; returns the exit code.
pub fn run(paths: &[PathBuf], check: bool, style: Style) -> u8 {
    let files = match super::files_or_exit(paths) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let (mut changed, mut invalid, mut unwritable) = (0usize, 0usize, 0usize);
    for path in &files {
        let (original, formatted) = match format_file(path) {
            Ok(pair) => pair,
            Err(e) => {
                crate::errln!("{}", render(&Report::new(e), style));
                invalid += 1;
                continue;
            }
        };
        if original == formatted {
            continue;
        }
        changed += 1;
        if check {
            crate::outln!("would reformat {}", path.display());
            crate::out!("{}", diff_excerpt(&original, &formatted));
        } else if let Err(e) = write_in_place(path, &formatted) {
            crate::errln!("error: cannot write `{}`: {e}", path.display());
            unwritable += 1;
        } else {
            crate::outln!("formatted {}", path.display());
        }
    }
    if unwritable > 0 {
        exit::RUNTIME
    } else if invalid > 0 {
        exit::INVALID_INPUT
    } else if check && changed > 0 {
        exit::FAILED
    } else {
        exit::OK
    }
}

/// Reads and parses one file; returns its text and its canonical form.
fn format_file(path: &Path) -> Result<(String, String), LoadError> {
    let source = loader::read_source(&DiskFs, path)?;
    let formatted = perfdsl_core::fmt::format_source(&source)?;
    Ok((source.text.to_string(), formatted))
}

/// Replaces `path` by writing a temporary file beside it and renaming it over the
/// original, so a failure at any point leaves the original untouched.
fn write_in_place(path: &Path, text: &str) -> std::io::Result<()> {
    // Through a symlink, the file it points to is replaced, not the link.
    let path = &fs::canonicalize(path)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or("file".into(), |n| n.to_string_lossy());
    let tmp = dir.join(format!(".{name}.fmt-{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        fs::set_permissions(&tmp, fs::metadata(path)?.permissions())?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// The first differing lines of two texts, unified-diff style.
pub fn diff_excerpt(old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (removed, added) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);
    if removed.is_empty() && added.is_empty() {
        return "  (only line endings or the final newline differ)\n".into();
    }
    let mut out = format!(
        "@@ -{},{} +{},{} @@\n",
        head + 1,
        removed.len(),
        head + 1,
        added.len()
    );
    for (sign, lines) in [('-', removed), ('+', added)] {
        for l in lines.iter().take(DIFF_LINES) {
            out.push_str(&format!("{sign}{l}\n"));
        }
        if lines.len() > DIFF_LINES {
            out.push_str(&format!(
                "{sign}... ({} more lines)\n",
                lines.len() - DIFF_LINES
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::diff_excerpt;

    #[test]
    fn excerpt_shows_the_changed_lines_only() {
        let old = "a\nb\nc\nd\n";
        let new = "a\nB\nC\nd\n";
        assert_eq!(diff_excerpt(old, new), "@@ -2,2 +2,2 @@\n-b\n-c\n+B\n+C\n");
    }

    #[test]
    fn excerpt_is_cut_after_a_few_lines() {
        let old: String = (0..20).map(|i| i.to_string() + "\n").collect();
        let out = diff_excerpt(&old, "x\n");
        assert!(out.starts_with("@@ -1,20 +1,1 @@\n-0\n"), "{out}");
        assert!(out.contains("-... (12 more lines)\n+x\n"), "{out}");
    }

    #[test]
    fn excerpt_names_invisible_changes() {
        assert!(diff_excerpt("a\r\n", "a\n").contains("line endings"));
    }
}
