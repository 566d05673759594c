//! The front end never panics: a corpus of broken inputs, generated here (no large committed
//! files), goes through `frontend::check_bytes` in process and, for a representative subset,
//! through the `perfdsl check` binary. Broken input must give diagnostics, never a panic.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use perfdsl_core::diagnostics::{render, Style};
use perfdsl_core::source::{MemoryFs, SourceFile};
use perfdsl_core::{fmt, frontend, syntax};

mod support;
use support::{Output, Perfdsl};

#[path = "never_panics/binary.rs"]
mod binary;

/// What a case must produce.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Want {
    /// Diagnostics; with `Some(code)`, one of them carries that code.
    Err(Option<&'static str>),
    /// Either outcome; only "no panic" (and well-formed diagnostics) is asserted.
    Any,
}

struct Case {
    name: String,
    bytes: Vec<u8>,
    want: Want,
}

fn case(name: impl Into<String>, bytes: impl Into<Vec<u8>>, want: Want) -> Case {
    Case {
        name: name.into(),
        bytes: bytes.into(),
        want,
    }
}

const SYNTAX: Want = Want::Err(Some("perfdsl::syntax::unexpected"));
const UNTERMINATED: Want = Want::Err(Some("perfdsl::syntax::unterminated_string"));
const UTF8: Want = Want::Err(Some("perfdsl::syntax::invalid_utf8"));
const EMPTY: Want = Want::Err(Some("perfdsl::syntax::empty_file"));
const DEEP: Want = Want::Err(Some("perfdsl::syntax::too_deep"));
const FENCE: Want = Want::Err(Some("perfdsl::syntax::unterminated_code"));
const ANY_ERR: Want = Want::Err(None);

fn repo_file(rel: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// What "printable" garbage is made of: the language's punctuation, letters and digits.
const ALPHABET: &[u8] = b" \n{}[]()\"#`:,.=<>-/%abcdefghijklmnopqrstuvwxyz0123456789";

/// Deterministic pseudo-random bytes (xorshift64*), so every run sees the same garbage.
fn garbage(seed: u64, len: usize, printable: bool) -> Vec<u8> {
    let mut x = seed.max(1);
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            let b = (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8;
            if printable {
                ALPHABET[b as usize % ALPHABET.len()]
            } else {
                b
            }
        })
        .collect()
}

const MB: usize = 1 << 20;

const SMALL: &str =
    "scenario s {\n  load vus 1 for 1s\n  step a: GET /x {\n    expect status == 200\n  }\n}\n";

/// The whole in-process corpus.
#[allow(clippy::too_many_lines, reason = "the corpus is one list of cases")]
fn corpus() -> Vec<Case> {
    let shop = repo_file("scenarios/shop.perf");
    let mut v = vec![
        case("empty", "", EMPTY),
        case("whitespace", " \n\t\r\n   \n", EMPTY),
        case("comments_only", "# one\n   # two\n#\n", EMPTY),
        case("bom_only", "\u{FEFF}", EMPTY),
        case("nul_bytes", vec![0u8; 64], SYNTAX),
        case("lone_close", "}", SYNTAX),
        case(
            "crlf_broken",
            "scenario s {\r\n  step a: GET\r\n}\r\n",
            SYNTAX,
        ),
        case(
            "lone_cr",
            "scenario s {\r  step a: GET /x\r  load vus\r}",
            ANY_ERR,
        ),
        case(
            "unterminated_string",
            "scenario s {\n  step a: GET \"/x\n}\n",
            UNTERMINATED,
        ),
        case(
            "split_unit_after_multibyte",
            "scenario s {\n  load iterations 1 with 1 vus\n  step a: GET /groß10 sec\n}\n",
            SYNTAX,
        ),
        case("string_at_eof", "target \"http://x", UNTERMINATED),
        case("quote_at_eof", "target \"", UNTERMINATED),
        case("unterminated_interp", "target \"{{ port\"\n", SYNTAX),
        case("backslash_newline", "target \"a\\\nb\"\n", SYNTAX),
        case("bad_unicode_escape", "target \"\\uZZ\\u12\"\n", Want::Any),
        case("surrogate_escape", "target \"\\ud800\"\n", Want::Any),
        case(
            "unterminated_fence",
            "scenario s {\n  step a: GET /x {\n    after rhai ```\n      let x = 1;\n  }\n}\n",
            FENCE,
        ),
        case(
            "fence_at_eof",
            "scenario s { before iteration rhai ````",
            FENCE,
        ),
        case(
            "unterminated_block",
            "scenario s {\n  step a: GET /x {\n    expect status == 200\n",
            SYNTAX,
        ),
        case(
            "unterminated_mock",
            "mock m {\n  on GET /a {\n    status 200\n",
            SYNTAX,
        ),
        case("self_import", "import \"fuzz.perf\"\n", ANY_ERR),
        case(
            "missing_import",
            "import \"nope/../../missing.perf\"\n",
            ANY_ERR,
        ),
        case("interpolated_import", "import \"{{ x }}.perf\"\n", ANY_ERR),
        case(
            "huge_call_range",
            "mock m { on GET /a { call 99999999999999999999999999.. { status 200 } } }",
            Want::Any,
        ),
        case(
            "many_units",
            format!("scenario s {{ timeout {} }}", "1m".repeat(5000)),
            Want::Any,
        ),
        case(
            "huge_status",
            "mock m { on GET /a { status 1e999 } }",
            ANY_ERR,
        ),
        case(
            "hook_syntax_error",
            "scenario s { step a: GET /x { after rhai ```\nlet = ;\n``` } }",
            Want::Any,
        ),
        case(
            "utf8_start",
            [&[0xC3u8, 0x28][..], SMALL.as_bytes()].concat(),
            UTF8,
        ),
        case(
            "utf8_truncated_char",
            [SMALL.as_bytes(), &[0xE2, 0x82]].concat(),
            UTF8,
        ),
    ];
    let mid = shop.len() / 2;
    v.push(case(
        "utf8_middle",
        [&shop[..mid], &[0xFF][..], &shop[mid..]].concat(),
        UTF8,
    ));
    for (i, len) in [1usize, 7, 64, 500, 4096, 65536].into_iter().enumerate() {
        v.push(case(
            format!("garbage_{len}"),
            garbage(i as u64 + 1, len, false),
            ANY_ERR,
        ));
        v.push(case(
            format!("printable_{len}"),
            garbage(i as u64 + 99, len, true),
            ANY_ERR,
        ));
    }
    v.extend(deep_cases());
    v.extend(long_line_cases());
    v
}

/// 10 000-deep nesting of JSON objects, JSON arrays and blocks.
fn deep_cases() -> Vec<Case> {
    const N: usize = 10_000;
    let step =
        |body: String| format!("scenario s {{\n  step a: POST /x {{\n    json {body}\n  }}\n}}\n");
    vec![
        case("deep_json_object", step("{\"a\":".repeat(N)), DEEP),
        case(
            "deep_json_object_closed",
            step(format!("{}1{}", "{\"a\":".repeat(N), "}".repeat(N))),
            DEEP,
        ),
        case("deep_json_array", step("[".repeat(N)), DEEP),
        case(
            "deep_json_array_closed",
            step(format!("{}{}", "[".repeat(N), "]".repeat(N))),
            DEEP,
        ),
        case("deep_scenarios", "scenario x {\n".repeat(N), DEEP),
        case(
            "deep_parens",
            format!("scenario s {{ think {}", "(".repeat(N)),
            DEEP,
        ),
    ]
}

/// 1 MB lines: a string, a comment, an identifier, a number, and an error after a long line.
fn long_line_cases() -> Vec<Case> {
    let a = "a".repeat(MB);
    vec![
        case("long_string", format!("target \"{a}\"\n"), Want::Any),
        case("long_comment", format!("# {a}\n{SMALL}"), Want::Any),
        case(
            "long_identifier",
            format!("scenario {a} {{ step b: GET /x }}\n"),
            Want::Any,
        ),
        case(
            "long_number",
            format!("scenario s {{ load vus {} for 10s }}\n", "9".repeat(MB)),
            Want::Any,
        ),
        case(
            "long_path",
            format!("scenario s {{ step b: GET /{a} }}\n"),
            Want::Any,
        ),
        case(
            "long_line_then_error",
            format!("target \"{a}\" !\n"),
            SYNTAX,
        ),
        case(
            "long_unterminated_string",
            format!("target \"{a}"),
            UNTERMINATED,
        ),
    ]
}

/// Runs the front end and renders its diagnostics; a panic fails the test with the case name.
fn run_in_process(fs: &MemoryFs, path: &Path, name: &str) -> Result<(), Vec<String>> {
    let outcome = catch_unwind(AssertUnwindSafe(|| match frontend::check_path(fs, path) {
        Ok(_) => Ok(()),
        Err(reports) => Err(reports
            .iter()
            .map(|r| render(r, Style::plain(100)))
            .collect::<Vec<_>>()),
    }));
    match outcome {
        Ok(result) => result,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| {
                    payload
                        .downcast_ref::<&str>()
                        .map(std::string::ToString::to_string)
                })
                .unwrap_or_default();
            panic!("case `{name}` panicked: {msg}")
        }
    }
}

/// Checks one outcome against what the case wants.
fn judge(name: &str, want: Want, result: Result<(), Vec<String>>) {
    match (want, result) {
        (Want::Err(_), Ok(())) => panic!("case `{name}`: expected diagnostics, got a valid file"),
        (_, Ok(())) => {}
        (want, Err(rendered)) => {
            assert!(
                !rendered.is_empty(),
                "case `{name}`: Err without diagnostics"
            );
            for r in &rendered {
                assert!(
                    r.contains("perfdsl::"),
                    "case `{name}`: no diagnostic code in\n{r}"
                );
            }
            if let Want::Err(Some(code)) = want {
                assert!(
                    rendered.iter().any(|r| r.contains(code)),
                    "case `{name}`: expected `{code}`, got\n{}",
                    rendered.join("\n")
                );
            }
        }
    }
}

#[test]
fn broken_inputs_never_panic_in_process() {
    let cases = corpus();
    assert!(cases.len() > 50, "the corpus shrank to {}", cases.len());
    for c in &cases {
        let fs = MemoryFs::default().with("fuzz.perf", c.bytes.clone());
        judge(
            &c.name,
            c.want,
            run_in_process(&fs, Path::new("fuzz.perf"), &c.name),
        );
    }
}

#[test]
fn check_bytes_never_panics_on_the_corpus() {
    // The fuzz target's entry point, on the same corpus.
    for c in corpus() {
        let r = catch_unwind(|| frontend::check_bytes("fuzz.perf", &c.bytes).is_ok());
        let ok = r.unwrap_or_else(|_| panic!("case `{}` panicked in check_bytes", c.name));
        if matches!(c.want, Want::Err(_)) {
            assert!(!ok, "case `{}`: check_bytes accepted a broken file", c.name);
        }
    }
}

/// Inputs the fuzz target (`fuzz/`) found, minimized. Each must check without panicking
/// and, since it parses, format to text that parses and formats to itself.
const FUZZ_FINDINGS: &[(&str, &[u8])] = &[
    // `\r\r\n` in a code block: each `fmt` pass removed one `\r` (core/src/fmt/code.rs).
    (
        "fmt_cr_run_in_code",
        b"database in {\n}scenario oks { before iteration rhai ```s\r\r\r\n}n  ```\n \n}\n",
    ),
    (
        "fmt_cr_run_in_hook",
        b"scenario s {\n  before iteration rhai ```\n    x\r\r\n  ```\n}\n",
    ),
];

#[test]
fn fuzz_findings_check_and_format_stably() {
    for (name, bytes) in FUZZ_FINDINGS {
        let fs = MemoryFs::default().with("fuzz.perf", bytes.to_vec());
        judge(
            name,
            Want::Any,
            run_in_process(&fs, Path::new("fuzz.perf"), name),
        );
        let text = std::str::from_utf8(bytes).expect("finding is UTF-8");
        let ast = syntax::parse(&SourceFile::new("fuzz.perf", text))
            .unwrap_or_else(|e| panic!("{name}: no longer parses: {e}"));
        let once = fmt::format(&ast, text);
        let ast2 = syntax::parse(&SourceFile::new("fuzz.perf", once.as_str()))
            .unwrap_or_else(|e| panic!("{name}: formatted text does not parse: {e}\n{once}"));
        let twice = fmt::format(&ast2, &once);
        assert_eq!(once, twice, "{name}: formatting is not idempotent");
    }
}

/// Bracket depth at the end of `text`, skipping comments, strings and fenced code; `None`
/// when the text ends inside a string or a code fence (so it cannot be a complete file).
fn open_depth(text: &[u8]) -> Option<usize> {
    let (mut depth, mut i) = (0usize, 0usize);
    while i < text.len() {
        match text[i] {
            b'#' => {
                while i < text.len() && text[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while i < text.len() && text[i] != b'"' {
                    i += if text[i] == b'\\' { 2 } else { 1 };
                }
                if i >= text.len() {
                    return None;
                }
            }
            b'`' if text[i..].starts_with(b"```") => {
                let close = text[i + 3..].windows(3).position(|w| w == b"```")?;
                i += 3 + close + 2;
            }
            b'{' | b'[' | b'(' => depth += 1,
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Some(depth)
}

/// The repository's scenarios, in memory, as `check` sees them from the repository root.
fn scenario_fs(root_name: &str, root: &[u8]) -> MemoryFs {
    MemoryFs::default()
        .with("scenarios/mocks.perf", repo_file("scenarios/mocks.perf"))
        .with("scenarios/shop.perf", repo_file("scenarios/shop.perf"))
        .with(root_name, root.to_vec())
}

#[test]
fn every_truncation_of_the_shop_scenarios_is_handled() {
    for file in ["scenarios/shop.perf", "scenarios/mocks.perf"] {
        let text = repo_file(file);
        let whole = scenario_fs(file, &text);
        assert_eq!(
            run_in_process(&whole, Path::new(file), file),
            Ok(()),
            "the untruncated `{file}` must be valid"
        );
        let (mut broken, mut total) = (0, 0);
        for cut in (0..text.len()).step_by(7) {
            let prefix = &text[..cut];
            let name = format!("{file} cut at {cut}");
            let fs = scenario_fs(file, prefix);
            let result = run_in_process(&fs, Path::new(file), &name);
            let want = match open_depth(prefix) {
                Some(0) => Want::Any,
                _ => ANY_ERR, // inside a block, string or code fence
            };
            if result.is_err() {
                broken += 1;
            }
            total += 1;
            judge(&name, want, result);
        }
        assert!(
            broken * 2 > total,
            "{file}: only {broken} of {total} truncations were errors"
        );
    }
}
