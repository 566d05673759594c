//! [`Ancestry`] read from a git repository with the `git` command. Every failure (no
//! `git`, not a repository, unknown ref, shallow clone) reads as "unknown", never as an
//! error: the baseline then falls back and says so.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::baseline::Ancestry;

/// The commit graph of the repository at `dir`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitAncestry {
    pub dir: PathBuf,
}

impl GitAncestry {
    pub fn new(dir: impl Into<PathBuf>) -> GitAncestry {
        GitAncestry { dir: dir.into() }
    }

    /// Runs `git <args>` in `dir`; its standard output lines when it succeeds.
    fn lines(&self, args: &[&str]) -> Option<Vec<String>> {
        let out = Command::new("git")
            .args(args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        let text = String::from_utf8(out.stdout).ok()?;
        Some(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect(),
        )
    }
}

impl Ancestry for GitAncestry {
    fn merge_base(&self, branch: &str) -> Option<String> {
        // A ref starting with `-` would be read as an option.
        if branch.is_empty() || branch.starts_with('-') {
            return None;
        }
        let remote = format!("origin/{branch}");
        [remote.as_str(), branch].iter().find_map(|r| {
            self.lines(&["merge-base", "HEAD", r])
                .and_then(|l| l.into_iter().next())
        })
    }

    fn ancestors(&self, commit: &str, max: usize) -> Vec<String> {
        if max == 0 || commit.is_empty() || commit.starts_with('-') {
            return Vec::new();
        }
        let count = format!("--max-count={max}");
        self.lines(&["rev-list", &count, commit, "--"])
            .unwrap_or_default()
    }
}
