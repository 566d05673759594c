//! The `perfdsl` binary as a user meets it: `check` on good and broken folders, bad paths,
//! `--help`. Exit codes: 0 all valid, 2 invalid input.

use std::path::{Path, PathBuf};

mod support;
use support::{Output, Perfdsl};

/// `perfdsl ARGS` in `dir`.
fn perfdsl(dir: &Path, args: &[&str]) -> Output {
    Perfdsl::new().current_dir(dir).args(args).run()
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn perf_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read_dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            perf_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "perf") {
            out.push(p);
        }
    }
}

fn write(dir: &Path, rel: &str, text: &[u8]) {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(p, text).expect("write");
}

#[test]
fn check_on_the_repository_scenarios_passes_with_one_ok_line_per_file() {
    let r = perfdsl(&repo(), &["check", "scenarios/"]);
    r.code(0);
    let mut files = Vec::new();
    perf_files(&repo().join("scenarios"), &mut files);
    assert!(
        files.len() >= 2,
        "scenarios/ has {} .perf files",
        files.len()
    );
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), files.len(), "one line per file:\n{r}");
    for f in &files {
        let rel = f
            .strip_prefix(repo().join("scenarios"))
            .expect("under scenarios");
        let n = lines
            .iter()
            .filter(|l| l.starts_with("ok ") && l.contains(&*rel.to_string_lossy()))
            .count();
        assert_eq!(n, 1, "`{}` needs exactly one ok line:\n{r}", rel.display());
    }
    r.stderr_lacks("error");
}

#[test]
fn check_without_paths_defaults_to_scenarios() {
    let r = perfdsl(&repo(), &["check"]);
    r.code(0);
    r.stdout_contains("shop.perf");
}

const VALID: &str =
    "scenario s {\n  load vus 1 for 1s\n  step a: GET /x {\n    expect status == 200\n  }\n}\n";

#[test]
fn check_on_a_broken_folder_reports_every_error_of_every_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    // Two missing imports in one file: both are reported.
    write(
        d,
        "a_imports.perf",
        format!("import \"gone1.perf\"\nimport \"gone2.perf\"\n{VALID}").as_bytes(),
    );
    write(d, "b_syntax.perf", b"scenario s {\n  step a: GIT /x\n}\n");
    write(d, "c_utf8.perf", b"scenario s {\n  \xff\n}\n");
    write(d, "d_valid.perf", VALID.as_bytes());
    write(d, "e_empty.perf", b"# nothing here\n");
    let r = perfdsl(d, &["check", "."]);
    r.code(2);
    let out = &r.stdout;
    for line in [
        "error  ./a_imports.perf  (2 errors)",
        "error  ./b_syntax.perf  (1 error)",
        "error  ./c_utf8.perf  (1 error)",
        "ok     ./d_valid.perf",
        "error  ./e_empty.perf  (1 error)",
    ] {
        assert!(out.contains(line), "missing `{line}`:\n{r}");
    }
    // Files are reported in sorted order.
    let pos = |s: &str| out.find(s).unwrap_or(usize::MAX);
    assert!(pos("a_imports") < pos("b_syntax") && pos("b_syntax") < pos("e_empty"));
    let err = &r.stderr;
    for needle in [
        "perfdsl::load::missing_import",
        "gone1.perf",
        "gone2.perf",
        "perfdsl::syntax::unexpected",
        "╭─[./b_syntax.perf:2:",
        "perfdsl::syntax::invalid_utf8",
        "╭─[./c_utf8.perf:2:3]",
        "perfdsl::syntax::empty_file",
        "4 of 5 files have errors",
    ] {
        assert!(err.contains(needle), "missing `{needle}`:\n{r}");
    }
    assert_eq!(err.matches("missing_import").count(), 2, "{r}");
    assert!(!err.contains("panicked"), "{r}");
}

#[test]
fn an_imported_files_error_is_shown_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "one.perf",
        format!("import \"shared/broken.perf\"\n{VALID}").as_bytes(),
    );
    write(
        d,
        "two.perf",
        format!("import \"shared/broken.perf\"\n{VALID}").as_bytes(),
    );
    write(
        d,
        "shared/broken.perf",
        b"mock m {\n  on GET /a {\n    status\n  }\n}\n",
    );
    let r = perfdsl(d, &["check", "one.perf", "two.perf"]);
    r.code(2);
    r.stdout_contains("error  one.perf  (1 error)");
    r.stdout_contains("error  two.perf  (1 error)");
    assert_eq!(
        r.stderr.matches("╭─[shared/broken.perf:4:3]").count(),
        1,
        "{r}"
    );
}

#[test]
fn check_on_a_missing_path_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = perfdsl(dir.path(), &["check", "no/such/dir"]);
    r.code(2);
    r.stderr_contains("cannot read `no/such/dir`");
    assert!(r.stderr.to_lowercase().contains("no such file"), "{r}");
    assert!(r.stdout.is_empty(), "{r}");
}

#[test]
fn check_on_a_folder_without_perf_files_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "notes.txt", b"scenario s {}");
    let r = perfdsl(dir.path(), &["check", "."]);
    r.code(2);
    r.stderr_contains("no `.perf` files found");
}

#[test]
fn check_without_paths_and_no_scenarios_folder_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = perfdsl(dir.path(), &["check"]);
    r.code(2);
    r.stderr_contains("scenarios");
}

#[test]
fn help_and_version_exit_zero() {
    let r = perfdsl(&repo(), &["--help"]);
    r.code(0);
    for word in ["Usage", "check", "fmt", "--color"] {
        r.stdout_contains(word);
    }
    let r = perfdsl(&repo(), &["check", "--help"]);
    r.code(0);
    r.stdout_contains("Files or folders to check");
    let r = perfdsl(&repo(), &["--version"]);
    r.code(0);
    r.stdout_contains(env!("CARGO_PKG_VERSION"));
}

#[test]
fn unknown_subcommands_and_flags_are_invalid_input() {
    let r = perfdsl(&repo(), &["chek"]);
    r.code(2);
    r.stderr_contains("chek");
    let r = perfdsl(&repo(), &["check", "--bogus"]);
    r.code(2);
}

#[test]
fn check_rejects_what_run_rejects_two_different_mocks_of_one_name() {
    let r = perfdsl(&repo(), &["check", "tests/fixtures/together"]);
    r.code(2);
    for part in [
        "perfdsl::validate::duplicate_name",
        "two different mocks are named `pricing`: the other is at tests/fixtures/together/first.perf:1",
        "tests/fixtures/together/second.perf:3:1",
        "1 disagreement between files run together",
    ] {
        r.stderr_contains(part);
    }
    // `run` says the same before anything starts (exit 2, not a runtime failure).
    let r = perfdsl(&repo(), &["run", "tests/fixtures/together", "--no-report"]);
    r.code(2);
    r.stderr_contains("two different mocks are named `pricing`");
}
