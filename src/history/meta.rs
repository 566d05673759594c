//! Facts recorded with a run: the commit and branch (arguments, GitHub Actions variables,
//! then git), the time, the perfdsl version, and the machine.

use std::process::Command;

use super::RunMeta;
use crate::metrics::{now_rfc3339, Runner};

impl RunMeta {
    /// The meta of a run measured now on this machine. `commit` falls back to `GITHUB_SHA`,
    /// then `git rev-parse HEAD`, then `"unknown"`; `branch` to `GITHUB_HEAD_REF` (set on
    /// pull requests), `GITHUB_REF_NAME`, then the checked-out git branch.
    pub fn detect(commit: Option<&str>, branch: Option<&str>) -> RunMeta {
        let env = |name: &str| std::env::var(name).ok();
        let (commit, branch) = commit_and_branch(commit, branch, env, git);
        RunMeta {
            commit,
            branch,
            recorded_at: now_rfc3339(),
            perfdsl: env!("CARGO_PKG_VERSION").to_string(),
            runner: Runner::detect(),
        }
    }
}

/// The commit and branch from the arguments, else the environment (`env`), else git
/// (`git` runs `git ARGS` and returns its trimmed output on success).
fn commit_and_branch(
    commit: Option<&str>,
    branch: Option<&str>,
    env: impl Fn(&str) -> Option<String>,
    git: impl Fn(&[&str]) -> Option<String>,
) -> (String, Option<String>) {
    let non_empty = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let commit = commit
        .map(str::to_string)
        .or_else(|| non_empty(env("GITHUB_SHA")))
        .or_else(|| non_empty(git(&["rev-parse", "HEAD"])))
        .unwrap_or_else(|| "unknown".to_string());
    let branch = branch
        .map(str::to_string)
        .or_else(|| non_empty(env("GITHUB_HEAD_REF")))
        .or_else(|| non_empty(env("GITHUB_REF_NAME")))
        // A detached HEAD has no branch.
        .or_else(|| non_empty(git(&["rev-parse", "--abbrev-ref", "HEAD"])).filter(|b| b != "HEAD"));
    (commit, branch)
}

/// `git ARGS` in the working directory: its trimmed output, or None when git fails.
fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    Some(text.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    fn git_says<'a>(head: &'a str, branch: &'a str) -> impl Fn(&[&str]) -> Option<String> + 'a {
        move |args| match args {
            ["rev-parse", "HEAD"] => Some(head.to_string()),
            ["rev-parse", "--abbrev-ref", "HEAD"] => Some(branch.to_string()),
            _ => None,
        }
    }

    #[test]
    fn arguments_win_over_everything() {
        let env = vars(&[("GITHUB_SHA", "envsha"), ("GITHUB_REF_NAME", "envref")]);
        let got = commit_and_branch(Some("abc"), Some("feat"), env, git_says("g", "gb"));
        assert_eq!(got, ("abc".to_string(), Some("feat".to_string())));
    }

    #[test]
    fn github_variables_win_over_git_and_head_ref_over_ref_name() {
        let env = vars(&[
            ("GITHUB_SHA", "envsha"),
            ("GITHUB_HEAD_REF", "pr-branch"),
            ("GITHUB_REF_NAME", "42/merge"),
        ]);
        let got = commit_and_branch(None, None, env, git_says("g", "gb"));
        assert_eq!(got, ("envsha".to_string(), Some("pr-branch".to_string())));
        // On a push, GITHUB_HEAD_REF is set but empty.
        let env = vars(&[("GITHUB_HEAD_REF", ""), ("GITHUB_REF_NAME", "main")]);
        let got = commit_and_branch(None, None, env, git_says("g", "gb"));
        assert_eq!(got, ("g".to_string(), Some("main".to_string())));
    }

    #[test]
    fn git_then_unknown() {
        let got = commit_and_branch(None, None, vars(&[]), git_says("deadbeef", "topic"));
        assert_eq!(got, ("deadbeef".to_string(), Some("topic".to_string())));
        let got = commit_and_branch(None, None, vars(&[]), git_says("deadbeef", "HEAD"));
        assert_eq!(got, ("deadbeef".to_string(), None), "detached HEAD");
        let got = commit_and_branch(None, None, vars(&[]), |_: &[&str]| None);
        assert_eq!(got, ("unknown".to_string(), None));
    }

    #[test]
    fn detect_fills_every_field() {
        let meta = RunMeta::detect(Some("c0ffee"), Some("main"));
        assert_eq!(meta.commit, "c0ffee");
        assert_eq!(meta.branch.as_deref(), Some("main"));
        assert_eq!(meta.perfdsl, env!("CARGO_PKG_VERSION"));
        assert_eq!(meta.recorded_at.len(), "2026-11-27T11:15:05Z".len());
        assert!(meta.runner.cores >= 1);
        assert_eq!(
            meta.runner.os,
            format!("{}/{}", std::env::consts::OS, std::env::consts::ARCH)
        );
    }
}
