//! The `perfdsl check` binary on a representative subset of the corpus: exit 2 with a
//! diagnostic code and a source frame, never a panic nor colour; carets on the offending
//! byte; a long import chain that must not overflow the stack; a 1 MB line clipped.

use super::*;

/// Cases for the binary: every in-process case that must fail, but the huge ones
/// (kept: one deep, one long-line), so the set stays near 30 files.
fn binary_cases() -> Vec<Case> {
    let keep_big = ["deep_json_object", "deep_scenarios", "long_line_then_error"];
    let shop = repo_file("scenarios/shop.perf");
    let mut cases: Vec<Case> = corpus()
        .into_iter()
        .filter(|c| matches!(c.want, Want::Err(_)))
        .filter(|c| c.bytes.len() <= 4096 || keep_big.contains(&c.name.as_str()))
        .filter(|c| !c.name.contains("import"))
        .collect();
    // A few truncations of shop.perf that end inside a block.
    for cut in [100, 400, 700, 1000, 1300] {
        let cut = cut.min(shop.len() - 1);
        assert_ne!(
            open_depth(&shop[..cut]),
            Some(0),
            "cut {cut} is not inside a block"
        );
        cases.push(case(format!("shop_cut_{cut}"), &shop[..cut], ANY_ERR));
    }
    cases
}

/// `perfdsl --color never ARGS` in `dir`, with no `NO_COLOR` to lean on.
fn run_binary(args: &[&str], dir: &Path) -> Output {
    Perfdsl::new()
        .current_dir(dir)
        .args(args)
        .env_remove("NO_COLOR")
        .run()
}

fn write_cases(dir: &Path, cases: &[Case]) -> Vec<PathBuf> {
    // The shop truncations import `mocks.perf`; give them the real one.
    std::fs::write(dir.join("mocks.perf"), repo_file("scenarios/mocks.perf")).expect("write");
    cases
        .iter()
        .map(|c| {
            let p = dir.join(format!("{}.perf", c.name));
            std::fs::write(&p, &c.bytes).expect("write case");
            p
        })
        .collect()
}

#[test]
fn the_binary_reports_broken_files_with_codes_and_frames() {
    let cases = binary_cases();
    assert!(
        (25..=40).contains(&cases.len()),
        "{} binary cases",
        cases.len()
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = write_cases(dir.path(), &cases);
    for (c, path) in cases.iter().zip(&paths) {
        let file = path.file_name().and_then(|f| f.to_str()).expect("name");
        let r = run_binary(&["check", file], dir.path());
        assert_eq!(r.code, 2, "case `{}`: exit code\n{r}", c.name);
        assert!(
            !r.stderr.contains("panicked"),
            "case `{}` panicked\n{r}",
            c.name
        );
        assert!(
            r.stderr.contains("perfdsl::"),
            "case `{}`: no code\n{r}",
            c.name
        );
        assert!(
            r.stderr.contains(&format!("╭─[{file}:")),
            "case `{}`: no source frame\n{r}",
            c.name
        );
        assert!(
            !r.stderr.contains("\x1b["),
            "case `{}`: colour with --color never",
            c.name
        );
        assert!(
            r.stdout.starts_with(&format!("error  {file}")),
            "case `{}`\n{r}",
            c.name
        );
        if let Want::Err(Some(code)) = c.want {
            assert!(
                r.stderr.contains(code),
                "case `{}`: expected {code}\n{r}",
                c.name
            );
        }
    }
}

/// 1-based line and byte column of `offset`, as miette counts them.
fn line_col(text: &[u8], offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    #[allow(
        clippy::naive_bytecount,
        reason = "a test counting the lines of one file"
    )]
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = offset
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1)
        + 1;
    (line, col)
}

/// Asserts the frame header names `line:col` and the first underline starts under column `col`.
fn assert_caret(stderr: &str, file: &str, line: usize, col: usize) {
    let header = format!("╭─[{file}:{line}:{col}]");
    assert!(stderr.contains(&header), "expected `{header}` in\n{stderr}");
    let rows: Vec<&str> = stderr.lines().collect();
    let at = rows
        .iter()
        .position(|r| r.trim_start().starts_with(&format!("{line} │")))
        .unwrap_or_else(|| panic!("no source row for line {line} in\n{stderr}"));
    let gutter = rows[at].find('│').expect("gutter");
    let under = rows
        .get(at + 1)
        .filter(|r| r.get(gutter..).is_some_and(|s| s.starts_with('·')))
        .unwrap_or_else(|| panic!("no underline after line {line} in\n{stderr}"));
    // Both rows share the gutter; `│ ` and `· ` are one char plus a space.
    let mark = under[gutter..]
        .chars()
        .skip(2)
        .position(|c| c != ' ')
        .expect("mark");
    assert_eq!(
        mark + 1,
        col,
        "underline starts at column {} not {col}\n{stderr}",
        mark + 1
    );
}

#[test]
fn carets_point_at_the_offending_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    let shop = repo_file("scenarios/shop.perf");
    // Invalid UTF-8 in the middle of a line of a real file.
    let nl = shop
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == b'\n')
        .nth(20)
        .expect("21 lines")
        .0;
    let bad_at = nl + 5;
    let bad = [&shop[..bad_at], &[0xFE][..], &shop[bad_at..]].concat();
    // The 65th opening bracket is the first one past the limit.
    let deep = format!(
        "scenario s {{\n  step a: POST /x {{\n    json {}\n  }}\n}}\n",
        "[".repeat(100)
    );
    let deep_at = deep.find('[').expect("[") + (64 - 2);
    let fence = "scenario s {\n  step a: GET /x {\n    after rhai ```\n  }\n}\n";
    let cases: Vec<(&str, Vec<u8>, usize)> = vec![
        ("utf8_mid.perf", bad, bad_at),
        (
            "utf8_start.perf",
            [&[0x80u8][..], SMALL.as_bytes()].concat(),
            0,
        ),
        ("deep.perf", deep.clone().into_bytes(), deep_at),
        (
            "fence.perf",
            fence.as_bytes().to_vec(),
            fence.find("```").expect("fence"),
        ),
        (
            "junk.perf",
            format!("{SMALL}\nscenario t {{ lod vus 1 }}\n").into_bytes(),
            SMALL.len() + 14,
        ),
    ];
    for (file, bytes, offset) in &cases {
        std::fs::write(dir.path().join(file), bytes).expect("write");
        let r = run_binary(&["check", file], dir.path());
        assert_eq!(r.code, 2, "{file}: {}", r.stderr);
        let (line, col) = line_col(bytes, *offset);
        assert_caret(&r.stderr, file, line, col);
    }
}

/// A chain of imports, each file holding 60-deep JSON: the loader recurses once per import,
/// and once the native stack is nearly used up, lowering the JSON of the next file used to
/// overflow it (`has overflowed its stack`, SIGABRT). Run through the binary so that an
/// overflow fails this test instead of aborting the whole test process.
#[test]
fn a_long_import_chain_never_overflows_the_stack() {
    const N: usize = 6000;
    let dir = tempfile::tempdir().expect("tempdir");
    let deep = format!("{}1{}", "{\"a\":".repeat(60), "}".repeat(60));
    for i in 0..N {
        let text = format!(
            "import \"f{}.perf\"\nscenario s{i} {{\n  load vus 1 for 1s\n  step a: POST /x {{ json {deep} }}\n}}\n",
            i + 1
        );
        std::fs::write(dir.path().join(format!("f{i}.perf")), text).expect("write");
    }
    let last = "scenario last {\n  load vus 1 for 1s\n  step a: GET /x\n}\n";
    std::fs::write(dir.path().join(format!("f{N}.perf")), last).expect("write");
    let r = run_binary(&["check", "f0.perf"], dir.path());
    let head: String = r.stderr.chars().take(3000).collect();
    assert!(!r.stderr.contains("overflow"), "stack overflow:\n{head}");
    match r.code {
        0 => {}
        2 => {
            assert!(
                r.stderr.contains("perfdsl::"),
                "no diagnostic code:\n{head}"
            );
            // pest's own guard message is not a diagnostic a person can act on.
            assert!(
                !r.stderr.contains("stack limit reached"),
                "raw parser limit message:\n{head}"
            );
        }
        other => panic!("exit {other} (killed by a signal?):\n{head}"),
    }
}

#[test]
fn a_long_line_error_names_its_real_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!("target \"{}\" !\n", "a".repeat(MB));
    std::fs::write(dir.path().join("long.perf"), &text).expect("write");
    let r = run_binary(&["check", "long.perf"], dir.path());
    assert_eq!(r.code, 2, "{}", r.stderr);
    let col = text.find('!').expect("!") + 1;
    assert!(
        r.stderr.contains(&format!("line 1, column {col}")),
        "the clipped frame must name the real column {col}:\n{}",
        r.stderr
    );
    assert!(
        r.stderr.len() < 10_000,
        "a 1 MB line was not clipped ({} bytes)",
        r.stderr.len()
    );
}
