//! Embedded code (rhai hooks, SQL) between backtick fences.
//!
//! The code is dedented and re-indented one level deeper than its statement, unless
//! leading whitespace could be part of a multi-line string literal: then its lines are
//! kept exactly as written.

use super::printer::Printer;
use crate::ast::Code;

/// The language inside a fence (it decides which code is unsafe to re-indent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lang {
    Rhai,
    Sql,
}

/// Prints the opening fence at the current position, the code, and the closing fence on
/// its own line at the current indentation (the caller ends that line).
pub(super) fn print(p: &mut Printer, code: &Code, lang: Lang) {
    let indentation = p.indentation();
    let inner = format!("{indentation}  ");
    p.push(&code.fence);
    p.push("\n");
    for line in lines(&code.text, lang) {
        match line {
            Line::Verbatim(l) => p.push(l),
            Line::Code("") => {}
            Line::Code(l) => {
                p.push(&inner);
                p.push(l);
            }
        }
        p.push("\n");
    }
    p.push(&indentation);
    p.push(&code.fence);
}

/// One line of code: to re-indent, or to keep exactly.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Line<'a> {
    Code(&'a str),
    Verbatim(&'a str),
}

/// The lines of `text` without blank first/last lines; dedented unless unsafe.
pub(super) fn lines(text: &str, lang: Lang) -> Vec<Line<'_>> {
    let mut all: Vec<&str> = text.split('\n').collect();
    while all.first().is_some_and(|l| l.trim().is_empty()) {
        all.remove(0);
    }
    while all.last().is_some_and(|l| l.trim().is_empty()) {
        all.pop();
    }
    if !reindent_is_safe(&all, lang) {
        return all.into_iter().map(Line::Verbatim).collect();
    }
    let all: Vec<&str> = all.into_iter().map(|l| l.trim_end_matches('\r')).collect();
    let prefix = common_indent(&all);
    all.into_iter()
        .map(|l| {
            if l.trim().is_empty() {
                Line::Code("")
            } else {
                Line::Code(&l[prefix..])
            }
        })
        .collect()
}

/// The byte length of the whitespace prefix shared by every non-blank line.
fn common_indent(lines: &[&str]) -> usize {
    let mut prefix: Option<&str> = None;
    for l in lines.iter().filter(|l| !l.trim().is_empty()) {
        let ws = &l[..l.len() - l.trim_start_matches([' ', '\t']).len()];
        prefix = Some(match prefix {
            None => ws,
            Some(p) => {
                let n = p
                    .bytes()
                    .zip(ws.bytes())
                    .take_while(|(a, b)| a == b)
                    .count();
                &p[..n]
            }
        });
    }
    prefix.map_or(0, str::len)
}

/// Leading whitespace is part of the program's meaning inside multi-line strings: rhai's
/// backtick strings and `\` line continuations; SQL strings left open at a line's end
/// (an odd number of `'`) and dollar-quoted bodies.
fn reindent_is_safe(lines: &[&str], lang: Lang) -> bool {
    let continued = |l: &&str| l.trim_end().ends_with('\\');
    if lines.iter().any(|l| l.contains('`')) || lines.iter().any(continued) {
        return false;
    }
    match lang {
        Lang::Rhai => true,
        Lang::Sql => !lines
            .iter()
            .any(|l| l.matches('\'').count() % 2 == 1 || l.contains('$')),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedents_and_drops_blank_edges() {
        let got = lines("\n    a\n      b\n\n    c\n  ", Lang::Rhai);
        let want = ["a", "  b", "", "c"].map(Line::Code);
        assert_eq!(got, want);
    }

    #[test]
    fn keeps_multiline_strings_verbatim() {
        let got = lines("\n  let s = `x\n     y`;\n", Lang::Rhai);
        assert_eq!(got, ["  let s = `x", "     y`;"].map(Line::Verbatim));
        let got = lines("\n  let s = \"x\\\n     y\";\n", Lang::Rhai);
        assert!(matches!(got[0], Line::Verbatim(_)));
        let got = lines("\n  insert into t values ('a\n   b');\n", Lang::Sql);
        assert!(matches!(got[0], Line::Verbatim(_)));
        let got = lines("\n  select 'a';\n", Lang::Sql);
        assert_eq!(got, [Line::Code("select 'a';")]);
    }

    #[test]
    fn mixed_tabs_keep_their_difference() {
        let got = lines("\t a\n\t\tb", Lang::Rhai);
        assert_eq!(got, [Line::Code(" a"), Line::Code("\tb")]);
    }
}
