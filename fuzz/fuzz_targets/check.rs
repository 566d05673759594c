//! Fuzz target `check`: arbitrary bytes through the whole front end (read, parse, follow
//! imports, validate, render diagnostics) and, for text that parses, the formatter.
//! Must never panic. The formatter is also held to its contract: its output parses and
//! formatting it again changes nothing. `FUZZ_FMT=parse` checks only the first half (to
//! fuzz on past a known idempotence bug), `FUZZ_FMT=none` only that nothing panics.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use perfdsl_core::diagnostics::{render, Style};
use perfdsl_core::source::SourceFile;

/// How much of the formatter's contract to check: 0 none, 1 output parses, 2 idempotent.
fn fmt_level() -> u8 {
    static LEVEL: OnceLock<u8> = OnceLock::new();
    *LEVEL.get_or_init(|| match std::env::var("FUZZ_FMT").as_deref() {
        Ok("none") => 0,
        Ok("parse") => 1,
        _ => 2,
    })
}

fuzz_target!(|data: &[u8]| {
    if let Err(reports) = perfdsl_core::frontend::check_bytes("fuzz.perf", data) {
        // Rendering walks the spans: a span past the end of the text would show up here.
        for r in &reports {
            let _ = render(r, Style::plain(80));
        }
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = SourceFile::new("fuzz.perf", text);
    let Ok(ast) = perfdsl_core::syntax::parse(&source) else {
        return;
    };
    let once = perfdsl_core::fmt::format(&ast, text);
    if fmt_level() == 0 {
        return;
    }
    let again = SourceFile::new("fuzz.perf", once.as_str());
    match perfdsl_core::syntax::parse(&again) {
        Ok(_) if fmt_level() == 1 => {}
        Ok(ast2) => {
            let twice = perfdsl_core::fmt::format(&ast2, &once);
            assert_eq!(once, twice, "fmt is not idempotent");
        }
        Err(e) => panic!("fmt output does not parse: {e}\n--- output ---\n{once}"),
    }
});
