//! The pest parser and the lowering of its pairs into the spanned AST. This is the only
//! module that names `Rule`.

use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};
use pest::iterators::Pair;
use pest::Parser;
use thiserror::Error;

use crate::ast::*;
use crate::source::SourceFile;
use crate::suggest::did_you_mean;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/perf.pest"]
struct PerfParser;

/// Deepest `{`/`[` nesting accepted (keeps every recursive stage far from the stack limit).
pub const MAX_NESTING: usize = 64;

/// Errors that stop a file from parsing.
#[derive(Debug, Error, Diagnostic)]
pub enum SyntaxError {
    #[error("{message}")]
    #[diagnostic(code(perfdsl::syntax::unexpected))]
    Unexpected {
        message: String,
        #[source_code]
        src: NamedSource<Arc<String>>,
        #[label("{label}")]
        span: SourceSpan,
        label: String,
        #[help]
        help: Option<String>,
    },
    #[error("the file is not valid UTF-8")]
    #[diagnostic(
        code(perfdsl::syntax::invalid_utf8),
        help("save the file as UTF-8 text; `.perf` files are text, not binary data")
    )]
    InvalidUtf8 {
        #[source_code]
        src: NamedSource<Arc<String>>,
        #[label("first invalid byte here")]
        span: SourceSpan,
    },
    #[error("the file is empty")]
    #[diagnostic(
        code(perfdsl::syntax::empty_file),
        help("a `.perf` file holds `scenario`, `mock`, `service`, `target`, `database` or `import` blocks")
    )]
    Empty {
        #[source_code]
        src: NamedSource<Arc<String>>,
        #[label("nothing but whitespace and comments")]
        span: SourceSpan,
    },
    #[error("nesting is deeper than {max} levels")]
    #[diagnostic(
        code(perfdsl::syntax::too_deep),
        help("flatten the structure, or load deep JSON from a file with `file \"...\"`")
    )]
    TooDeep {
        max: usize,
        #[source_code]
        src: NamedSource<Arc<String>>,
        #[label("nesting goes past {max} levels here")]
        span: SourceSpan,
    },
    #[error("unterminated string")]
    #[diagnostic(
        code(perfdsl::syntax::unterminated_string),
        help("close the string with `\"` on the same line (strings cannot span lines; write `\\n` for a newline)")
    )]
    UnterminatedString {
        #[source_code]
        src: NamedSource<Arc<String>>,
        #[label("this string is never closed")]
        span: SourceSpan,
    },
    #[error("unterminated code block: no closing fence of {count} backticks")]
    #[diagnostic(
        code(perfdsl::syntax::unterminated_code),
        help("end the code with a line holding the same {count} backticks as the opening fence")
    )]
    UnterminatedCode {
        count: usize,
        #[source_code]
        src: NamedSource<Arc<String>>,
        #[label("this fence opens a code block")]
        span: SourceSpan,
    },
}

/// Parses one file into its AST.
pub fn parse(file: &SourceFile) -> Result<File, SyntaxError> {
    let text = file.text.as_str();
    prescan(file)?;
    let mut pairs = PerfParser::parse(Rule::file, text).map_err(|e| translate(file, e))?;
    let root = pairs
        .next()
        .ok_or_else(|| internal(file, 0, "no file rule"))?;
    let mut comments = Vec::new();
    for p in root.clone().into_inner().flatten() {
        if p.as_rule() == Rule::COMMENT {
            comments.push(Comment {
                text: p.as_str().trim_end_matches('\r').to_string(),
                span: span_of(&p),
            });
        }
    }
    let mut l = Lower { file };
    let mut items = Vec::new();
    for p in inner(root) {
        match p.as_rule() {
            Rule::EOI => {}
            _ => items.push(l.item(p)?),
        }
    }
    if items.is_empty() {
        return Err(SyntaxError::Empty {
            src: file.named(),
            span: Span::new(0, text.len()).into(),
        });
    }
    Ok(File { items, comments })
}

/// Checks that pest would not understand well: nesting depth and unclosed fences.
fn prescan(file: &SourceFile) -> Result<(), SyntaxError> {
    let b = file.text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'`' => {
                let start = i;
                while i < b.len() && b[i] == b'`' {
                    i += 1;
                }
                let n = i - start;
                if n >= 3 {
                    let fence = &file.text[start..i];
                    match file.text[i..].find(fence) {
                        Some(off) => {
                            i += off + n;
                            // A longer run of backticks closes with its first n.
                            while i < b.len() && b[i] == b'`' {
                                i += 1;
                            }
                        }
                        None => {
                            return Err(SyntaxError::UnterminatedCode {
                                count: n,
                                src: file.named(),
                                span: Span::new(start, i).into(),
                            })
                        }
                    }
                }
                continue;
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(SyntaxError::TooDeep {
                        max: MAX_NESTING,
                        src: file.named(),
                        span: Span::new(i, i + 1).into(),
                    });
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

fn internal(file: &SourceFile, at: usize, what: &str) -> SyntaxError {
    SyntaxError::Unexpected {
        message: format!("internal parser error: {what}"),
        src: file.named(),
        span: Span::new(at, at).into(),
        label: "here".into(),
        help: Some("this is a bug in perfdsl; please report it with this file".into()),
    }
}

/// Turns a pest error into "expected X, found Y" with a caret on the offending token.
fn translate(file: &SourceFile, e: pest::error::Error<Rule>) -> SyntaxError {
    use pest::error::{ErrorVariant, InputLocation};
    let text = file.text.as_str();
    let pos = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    }
    .min(text.len());
    if let ErrorVariant::ParsingError { positives, .. } = &e.variant {
        let at_line_end = text[pos..].starts_with(['\n', '\r']) || pos == text.len();
        if at_line_end && positives.contains(&Rule::str_text) {
            if let Some(open) = unclosed_quote(text, pos) {
                return SyntaxError::UnterminatedString {
                    src: file.named(),
                    span: Span::new(open, open + 1).into(),
                };
            }
        }
    }
    let (found, found_span) = token_at(text, pos);
    let mut expected: Vec<String> = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => positives
            .iter()
            .filter(|r| **r != Rule::COMMENT)
            .map(|r| describe(*r))
            .collect(),
        // pest's own limits (e.g. its call stack): say so plainly.
        ErrorVariant::CustomError { message } => {
            return SyntaxError::Unexpected {
                message: format!("the file is too complex to parse ({message})"),
                src: file.named(),
                span: found_span.into(),
                label: "the parser gave up here".into(),
                help: Some("split the file, or reduce nesting".into()),
            }
        }
    };
    expected.sort();
    expected.dedup();
    // Every backticked word of the expectations is a candidate for "did you mean".
    let keywords: Vec<&str> = expected
        .iter()
        .flat_map(|d| d.split('`').skip(1).step_by(2))
        .collect();
    let word = &text[found_span.start..found_span.end];
    let help = if let Some(help) = split_unit_help(text, found_span.start, word) {
        Some(help)
    } else if word.starts_with(|c: char| c.is_ascii_alphabetic()) {
        did_you_mean(word, keywords.iter().copied()).map(|k| format!("did you mean `{k}`?"))
    } else {
        None
    };
    let message = if expected.is_empty() {
        format!("unexpected {found}")
    } else {
        format!("expected {}, found {found}", list_or(&expected))
    };
    SyntaxError::Unexpected {
        message,
        src: file.named(),
        span: found_span.into(),
        label: "unexpected here".into(),
        help,
    }
}

/// `for 10 sec`: a number, a space, then a unit word. Quantities are written with their
/// unit attached (`10s`), so say that, with the units of its kind.
fn split_unit_help(text: &str, at: usize, word: &str) -> Option<String> {
    let (unit, kind) = crate::units::split_unit(word)?;
    let before = text[..at].trim_end_matches([' ', '\t']);
    if before.len() == text[..at].len() {
        return None;
    }
    // The number: the ASCII digits and dots that end `before` (a char boundary, whatever
    // precedes them).
    let start = before.len()
        - before
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .count();
    let number = &before[start..];
    if number.is_empty() || !number.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    Some(format!(
        "write the number and its unit together: `{number}{unit}` ({})",
        crate::units::units_help(kind)
    ))
}

/// The opening quote of the string that runs to `pos` (the end of its line), if any.
fn unclosed_quote(text: &str, pos: usize) -> Option<usize> {
    let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start..pos];
    // Walk the line, tracking strings, to find the quote that opened the last one.
    let (mut open, mut escaped) = (None, false);
    for (i, c) in line.char_indices() {
        match (open, c) {
            (Some(_), '\\') if !escaped => {
                escaped = true;
                continue;
            }
            (Some(_), '"') if !escaped => open = None,
            (None, '"') => open = Some(line_start + i),
            (None, '#') => break,
            _ => {}
        }
        escaped = false;
    }
    open
}

/// The token starting at `pos` for messages: a word, a quoted string start, or one character.
fn token_at(text: &str, pos: usize) -> (String, Span) {
    let rest = &text[pos..];
    let Some(c) = rest.chars().next() else {
        return ("end of file".into(), Span::new(pos, pos));
    };
    let len = if c.is_alphanumeric() || c == '_' {
        rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == '%'))
            .unwrap_or(rest.len())
    } else {
        c.len_utf8()
    };
    let word = &rest[..len];
    let shown = match c {
        '\n' | '\r' => "end of line".to_string(),
        _ => format!("`{}`", word.escape_debug()),
    };
    (shown, Span::new(pos, pos + len))
}

fn list_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// A reader's name for a grammar rule.
fn describe(rule: Rule) -> String {
    let name = format!("{rule:?}");
    if let Some(k) = name.strip_prefix("k_") {
        return format!("`{k}`");
    }
    let kw = |k: &str| format!("`{k}`");
    match rule {
        Rule::EOI => "end of file".into(),
        Rule::file => {
            "a `service`, `target`, `mock`, `database`, `scenario` or `import` block".into()
        }
        Rule::ident | Rule::env_key => "a name".into(),
        Rule::metric => "a metric name".into(),
        Rule::string => "a string".into(),
        Rule::quantity | Rule::number | Rule::json_number => "a number".into(),
        Rule::unit => "a unit".into(),
        Rule::cmp_op => "a comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`)".into(),
        Rule::method => "an HTTP method (`GET`, `POST`, ...)".into(),
        Rule::path => "a path starting with `/`".into(),
        Rule::fenced | Rule::fence => "a code block (```...```)".into(),
        Rule::interp => "`{{ name }}`".into(),
        Rule::json_object => "a JSON object".into(),
        Rule::json_array => "a JSON array".into(),
        Rule::json_member => "a JSON member (`\"key\": value`)".into(),
        Rule::list => "a list (`[...]`)".into(),
        Rule::predicate => "a predicate (`== value`, `contains`, `exists`, ...)".into(),
        Rule::distribution | Rule::dist_call => "a duration or distribution".into(),
        Rule::call_range => "a call number or range (`1`, `2..3`, `4..`)".into(),
        Rule::import => kw("import"),
        Rule::service => kw("service"),
        Rule::target => kw("target"),
        Rule::mock => kw("mock"),
        Rule::database => kw("database"),
        Rule::scenario => kw("scenario"),
        Rule::svc_run => kw("run"),
        Rule::svc_dir => kw("dir"),
        Rule::svc_env => kw("env"),
        Rule::svc_base_url => kw("base_url"),
        Rule::svc_port => kw("port"),
        Rule::svc_ready => kw("ready"),
        Rule::svc_grace => kw("grace"),
        Rule::svc_log => kw("log"),
        Rule::env_entry => "an environment entry (`NAME = \"value\"`)".into(),
        Rule::env_call => kw("env"),
        Rule::db_url => kw("url"),
        Rule::db_setup => kw("setup"),
        Rule::db_reset => kw("reset"),
        Rule::sql_file => kw("file"),
        Rule::sql_inline => kw("sql"),
        Rule::latency => kw("latency"),
        Rule::seed => kw("seed"),
        Rule::mock_host => kw("host"),
        Rule::fault => kw("fail"),
        Rule::fault_status => "a status code".into(),
        Rule::call_expect | Rule::expect => kw("expect"),
        Rule::route => kw("on"),
        Rule::when => kw("when"),
        Rule::m_query | Rule::q_query => kw("query"),
        Rule::m_header | Rule::r_header | Rule::q_header | Rule::e_header | Rule::cap_header => {
            kw("header")
        }
        Rule::m_json | Rule::e_json | Rule::cap_json | Rule::body_json => kw("json"),
        Rule::m_body | Rule::e_body => kw("body"),
        Rule::r_status | Rule::e_status => kw("status"),
        Rule::body_text => kw("text"),
        Rule::body_file => kw("file"),
        Rule::body_form => kw("form"),
        Rule::form_entry => "a form field (`name = \"value\"`)".into(),
        Rule::call_seq => kw("call"),
        Rule::s_against => kw("against"),
        Rule::s_think => kw("think"),
        Rule::s_timeout => kw("timeout"),
        Rule::s_redirects => kw("redirects"),
        Rule::s_data => kw("data"),
        Rule::s_vars => kw("vars"),
        Rule::var_entry => "a variable (`name = value`)".into(),
        Rule::s_hook | Rule::step_hook => "`before` or `after`".into(),
        Rule::s_load => kw("load"),
        Rule::st_vus => kw("vus"),
        Rule::st_iterations => kw("iterations"),
        Rule::st_rate => kw("rate"),
        Rule::st_ramp | Rule::st_ramp_vus => kw("ramp"),
        Rule::opt_warmup => kw("warmup"),
        Rule::opt_max_vus => kw("max_vus"),
        Rule::step => kw("step"),
        Rule::e_duration => kw("duration"),
        Rule::capture => kw("capture"),
        Rule::cap_regex => kw("regex"),
        Rule::limits => kw("limits"),
        Rule::limit => "a limit (`metric < value`)".into(),
        _ => name.replace('_', " "),
    }
}

/// The span of a pair without the whitespace and comments pest skipped after its last
/// part (a rule ending in an optional part, such as a step without a block, would
/// otherwise extend over the comments that follow it).
fn span_of(p: &Pair<Rule>) -> Span {
    let s = p.as_span();
    let last = p
        .clone()
        .into_inner()
        .filter(|c| c.as_rule() != Rule::COMMENT)
        .last();
    let end = match last {
        Some(c) if only_trivia(&p.get_input()[c.as_span().end()..s.end()]) => c.as_span().end(),
        _ => s.end(),
    };
    Span::new(s.start(), end)
}

/// True when `text` holds nothing but whitespace and `#` comments.
fn only_trivia(text: &str) -> bool {
    skip_trivia(text, 0) == text.len()
}

/// The offset of the first character at or after `at` that is not whitespace or part of
/// a comment.
fn skip_trivia(text: &str, mut at: usize) -> usize {
    let b = text.as_bytes();
    while at < b.len() {
        match b[at] {
            b' ' | b'\t' | b'\r' | b'\n' => at += 1,
            b'#' => {
                while at < b.len() && b[at] != b'\n' {
                    at += 1;
                }
            }
            _ if text[at..].starts_with('\u{FEFF}') => at += '\u{FEFF}'.len_utf8(),
            _ => break,
        }
    }
    at
}

/// Children of a pair without comments.
fn inner(p: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    p.into_inner().filter(|c| c.as_rule() != Rule::COMMENT)
}

type R<T> = Result<T, SyntaxError>;

/// Lowering from pest pairs to AST nodes.
struct Lower<'f> {
    file: &'f SourceFile,
}

/// A cursor over a pair's children that reports grammar/lowering mismatches as errors.
struct Kids<'i> {
    items: Vec<Pair<'i, Rule>>,
    at: usize,
    end: usize,
}

impl<'i> Kids<'i> {
    fn new(p: &Pair<'i, Rule>) -> Self {
        Kids {
            items: inner(p.clone()).collect(),
            at: 0,
            end: p.as_span().end(),
        }
    }
    fn peek(&self) -> Option<Rule> {
        self.items.get(self.at).map(|p| p.as_rule())
    }
    fn take(&mut self, l: &Lower) -> R<Pair<'i, Rule>> {
        let p = self
            .items
            .get(self.at)
            .cloned()
            .ok_or_else(|| internal(l.file, self.end, "missing child"))?;
        self.at += 1;
        Ok(p)
    }
    /// Takes the next child if it has rule `r`.
    fn take_if(&mut self, r: Rule) -> Option<Pair<'i, Rule>> {
        if self.peek() == Some(r) {
            self.at += 1;
            self.items.get(self.at - 1).cloned()
        } else {
            None
        }
    }
    fn rest(&mut self) -> Vec<Pair<'i, Rule>> {
        let out = self.items[self.at.min(self.items.len())..].to_vec();
        self.at = self.items.len();
        out
    }
}

impl<'f> Lower<'f> {
    fn bad(&self, p: &Pair<Rule>) -> SyntaxError {
        internal(
            self.file,
            p.as_span().start(),
            &format!("unexpected {:?}", p.as_rule()),
        )
    }

    fn item(&mut self, p: Pair<Rule>) -> R<Item> {
        Ok(match p.as_rule() {
            Rule::import => {
                let span = span_of(&p);
                let mut k = Kids::new(&p);
                k.take(self)?;
                Item::Import(Import {
                    path: self.string(k.take(self)?)?,
                    span,
                })
            }
            Rule::target => {
                let span = span_of(&p);
                let mut k = Kids::new(&p);
                k.take(self)?;
                let name = k.take_if(Rule::ident).map(|i| self.ident(&i));
                Item::Target(Target {
                    name,
                    url: self.value_str(k.take(self)?)?,
                    span,
                })
            }
            Rule::service => Item::Service(self.service(p)?),
            Rule::mock => Item::Mock(self.mock(p)?),
            Rule::database => Item::Database(self.database(p)?),
            Rule::scenario => Item::Scenario(self.scenario(p)?),
            _ => return Err(self.bad(&p)),
        })
    }

    fn ident(&self, p: &Pair<Rule>) -> Ident {
        Ident {
            name: p.as_str().to_string(),
            span: span_of(p),
        }
    }

    fn string(&self, p: Pair<Rule>) -> R<Str> {
        let span = span_of(&p);
        let mut parts: Vec<StrPart> = Vec::new();
        for c in inner(p) {
            match c.as_rule() {
                Rule::str_text => push_text(&mut parts, c.as_str()),
                // `\{` only exists to stop `{{` from starting an interpolation; before
                // anything else the backslash stays (so the regex `\{` reads naturally).
                Rule::str_escape if c.as_str() == "\\{" => {
                    let next_is_brace = self.file.text[c.as_span().end()..].starts_with('{');
                    push_text(&mut parts, if next_is_brace { "{" } else { "\\{" });
                }
                Rule::str_escape => push_text(&mut parts, &unescape(c.as_str())),
                Rule::interp => parts.push(StrPart::Interp(self.interp(c)?)),
                _ => return Err(self.bad(&c)),
            }
        }
        Ok(Str { parts, span })
    }

    fn interp(&self, p: Pair<Rule>) -> R<Interp> {
        let span = span_of(&p);
        let mut k = Kids::new(&p);
        let path = k.take(self)?;
        Ok(Interp {
            path: path.as_str().split('.').map(str::to_string).collect(),
            span,
        })
    }

    /// A path (`/a/{{ b }}`) lowered to a string.
    fn path(&self, p: Pair<Rule>) -> R<Str> {
        let span = span_of(&p);
        let mut parts = vec![StrPart::Text("/".into())];
        for c in inner(p) {
            match c.as_rule() {
                Rule::path_text => push_text(&mut parts, c.as_str()),
                Rule::interp => parts.push(StrPart::Interp(self.interp(c)?)),
                _ => return Err(self.bad(&c)),
            }
        }
        Ok(Str { parts, span })
    }

    fn path_or_string(&self, p: Pair<Rule>) -> R<Str> {
        match p.as_rule() {
            Rule::string => self.string(p),
            _ => self.path(p),
        }
    }

    fn quantity(&self, p: Pair<Rule>) -> R<Quantity> {
        let span = span_of(&p);
        let mut parts: Vec<(String, String)> = Vec::new();
        for c in inner(p) {
            match c.as_rule() {
                Rule::number => parts.push((c.as_str().to_string(), String::new())),
                Rule::unit => match parts.last_mut() {
                    Some(last) => last.1 = c.as_str().to_string(),
                    None => return Err(self.bad(&c)),
                },
                _ => return Err(self.bad(&c)),
            }
        }
        Ok(Quantity { parts, span })
    }

    fn value_str(&self, p: Pair<Rule>) -> R<ValueStr> {
        match p.as_rule() {
            Rule::string => Ok(ValueStr::Str(self.string(p)?)),
            Rule::env_call => {
                let span = span_of(&p);
                let mut k = Kids::new(&p);
                k.take(self)?;
                let name = self.string(k.take(self)?)?;
                let default = match k.take_if(Rule::string) {
                    Some(d) => Some(self.string(d)?),
                    None => None,
                };
                Ok(ValueStr::Env {
                    name,
                    default,
                    span,
                })
            }
            _ => Err(self.bad(&p)),
        }
    }

    fn name_or_str(&self, p: Pair<Rule>) -> R<NameOrStr> {
        match p.as_rule() {
            Rule::ident => Ok(NameOrStr::Name(self.ident(&p))),
            Rule::string => Ok(NameOrStr::Str(self.string(p)?)),
            _ => Err(self.bad(&p)),
        }
    }

    fn literal(&self, p: Pair<Rule>) -> R<Literal> {
        let span = span_of(&p);
        Ok(match p.as_rule() {
            Rule::string => Literal::Str(self.string(p)?),
            Rule::quantity => Literal::Quantity(self.quantity(p)?),
            Rule::k_true => Literal::Bool(true, span),
            Rule::k_false => Literal::Bool(false, span),
            Rule::k_null => Literal::Null(span),
            _ => return Err(self.bad(&p)),
        })
    }

    fn cmp(&self, p: &Pair<Rule>) -> R<CmpOp> {
        Ok(match p.as_str() {
            "==" => CmpOp::Eq,
            "!=" => CmpOp::Ne,
            "<" => CmpOp::Lt,
            "<=" => CmpOp::Le,
            ">" => CmpOp::Gt,
            ">=" => CmpOp::Ge,
            _ => return Err(self.bad(p)),
        })
    }

    fn predicate(&self, p: Pair<Rule>) -> R<Predicate> {
        let span = span_of(&p);
        let mut k = Kids::new(&p);
        let first = k.take(self)?;
        Ok(match first.as_rule() {
            Rule::k_exists => Predicate::Exists(span),
            Rule::k_absent => Predicate::Absent(span),
            Rule::k_contains => Predicate::Contains(self.string(k.take(self)?)?, span),
            Rule::k_matches => Predicate::Matches(self.string(k.take(self)?)?, span),
            Rule::k_in => {
                let list = k.take(self)?;
                let items = inner(list)
                    .map(|c| self.literal(c))
                    .collect::<R<Vec<_>>>()?;
                Predicate::In(items, span)
            }
            Rule::cmp_op => {
                Predicate::Compare(self.cmp(&first)?, self.literal(k.take(self)?)?, span)
            }
            _ => return Err(self.bad(&first)),
        })
    }

    fn distribution(&self, p: Pair<Rule>) -> R<Distribution> {
        let mut k = Kids::new(&p);
        let c = k.take(self)?;
        match c.as_rule() {
            Rule::quantity => Ok(Distribution::Fixed(self.quantity(c)?)),
            Rule::dist_call => {
                let span = span_of(&c);
                let mut k = Kids::new(&c);
                let name = self.ident(&k.take(self)?);
                let mut args = Vec::new();
                for a in k.rest() {
                    let mut ak = Kids::new(&a);
                    let name = ak.take_if(Rule::ident).map(|i| self.ident(&i));
                    let value = self.quantity(ak.take(self)?)?;
                    args.push(DistArg { name, value });
                }
                Ok(Distribution::Call { name, args, span })
            }
            _ => Err(self.bad(&c)),
        }
    }

    fn json(&self, p: Pair<Rule>) -> R<Json> {
        let span = span_of(&p);
        Ok(match p.as_rule() {
            Rule::json_object => {
                let mut members = Vec::new();
                for m in inner(p) {
                    let mut k = Kids::new(&m);
                    let key = self.string(k.take(self)?)?;
                    let value = self.json(k.take(self)?)?;
                    members.push((key, value));
                }
                Json::Object(members, span)
            }
            Rule::json_array => {
                Json::Array(inner(p).map(|c| self.json(c)).collect::<R<_>>()?, span)
            }
            Rule::string => Json::Str(self.string(p)?),
            Rule::json_number => Json::Number(p.as_str().to_string(), span),
            Rule::k_true => Json::Bool(true, span),
            Rule::k_false => Json::Bool(false, span),
            Rule::k_null => Json::Null(span),
            Rule::interp => Json::Interp(self.interp(p)?),
            _ => return Err(self.bad(&p)),
        })
    }

    fn body(&self, p: Pair<Rule>) -> R<Body> {
        let span = span_of(&p);
        let rule = p.as_rule();
        let mut k = Kids::new(&p);
        k.take(self)?;
        Ok(match rule {
            Rule::body_json => Body::Json(self.json(k.take(self)?)?, span),
            Rule::body_text => Body::Text(self.string(k.take(self)?)?, span),
            Rule::body_file => Body::File(self.string(k.take(self)?)?, span),
            Rule::body_form => {
                let mut fields = Vec::new();
                for f in k.rest() {
                    let mut fk = Kids::new(&f);
                    let name = self.name_or_str(fk.take(self)?)?;
                    fields.push((name, self.string(fk.take(self)?)?));
                }
                Body::Form(fields, span)
            }
            _ => return Err(self.bad(&p)),
        })
    }

    fn code(&self, p: Pair<Rule>) -> R<Code> {
        let span = span_of(&p);
        let mut k = Kids::new(&p);
        let fence = k.take(self)?;
        let body = k.take(self)?;
        Ok(Code {
            text: body.as_str().to_string(),
            body_span: span_of(&body),
            fence: fence.as_str().to_string(),
            span,
        })
    }

    fn service(&self, p: Pair<Rule>) -> R<Service> {
        let span = span_of(&p);
        let mut k = Kids::new(&p);
        k.take(self)?;
        let name = self.ident(&k.take(self)?);
        let mut body = Vec::new();
        for s in k.rest() {
            let sspan = span_of(&s);
            let rule = s.as_rule();
            let mut sk = Kids::new(&s);
            sk.take(self)?;
            body.push(match rule {
                Rule::svc_run => ServiceStmt::Run(
                    sk.rest()
                        .into_iter()
                        .map(|a| self.string(a))
                        .collect::<R<_>>()?,
                    sspan,
                ),
                Rule::svc_dir => ServiceStmt::Dir(self.string(sk.take(self)?)?, sspan),
                Rule::svc_env => {
                    let mut entries = Vec::new();
                    for e in sk.rest() {
                        let espan = span_of(&e);
                        let mut ek = Kids::new(&e);
                        let key = self.ident(&ek.take(self)?);
                        let value = self.value_str(ek.take(self)?)?;
                        entries.push(EnvEntry {
                            key,
                            value,
                            span: espan,
                        });
                    }
                    ServiceStmt::Env(entries, sspan)
                }
                Rule::svc_base_url => ServiceStmt::BaseUrl(self.string(sk.take(self)?)?, sspan),
                Rule::svc_port => {
                    let v = sk.take(self)?;
                    let q = match v.as_rule() {
                        Rule::k_auto => None,
                        _ => Some(self.quantity(v)?),
                    };
                    ServiceStmt::Port(q, sspan)
                }
                Rule::svc_ready => {
                    let method = self.ident(&sk.take(self)?);
                    let path = self.path_or_string(sk.take(self)?)?;
                    let within = match sk.take_if(Rule::k_within) {
                        Some(_) => Some(self.quantity(sk.take(self)?)?),
                        None => None,
                    };
                    ServiceStmt::Ready {
                        method,
                        path,
                        within,
                        span: sspan,
                    }
                }
                Rule::svc_grace => ServiceStmt::Grace(self.quantity(sk.take(self)?)?, sspan),
                Rule::svc_log => ServiceStmt::Log(self.string(sk.take(self)?)?, sspan),
                _ => return Err(self.bad(&s)),
            });
        }
        Ok(Service { name, body, span })
    }

    fn database(&self, p: Pair<Rule>) -> R<Database> {
        let span = span_of(&p);
        let mut k = Kids::new(&p);
        k.take(self)?;
        let name = self.ident(&k.take(self)?);
        let mut body = Vec::new();
        for s in k.rest() {
            let sspan = span_of(&s);
            let rule = s.as_rule();
            let mut sk = Kids::new(&s);
            sk.take(self)?;
            let stmt = match rule {
                Rule::db_url => DatabaseStmt::Url(self.value_str(sk.take(self)?)?, sspan),
                Rule::db_setup => DatabaseStmt::Setup(self.sql_source(sk.take(self)?)?, sspan),
                Rule::db_reset => DatabaseStmt::Reset(self.sql_source(sk.take(self)?)?, sspan),
                _ => return Err(self.bad(&s)),
            };
            body.push(stmt);
        }
        Ok(Database { name, body, span })
    }

    fn sql_source(&self, p: Pair<Rule>) -> R<SqlSource> {
        let rule = p.as_rule();
        let mut k = Kids::new(&p);
        k.take(self)?;
        match rule {
            Rule::sql_file => Ok(SqlSource::File(self.string(k.take(self)?)?)),
            Rule::sql_inline => Ok(SqlSource::Inline(self.code(k.take(self)?)?)),
            _ => Err(self.bad(&p)),
        }
    }

    fn mock(&self, p: Pair<Rule>) -> R<Mock> {
        let span = span_of(&p);
        let mut k = Kids::new(&p);
        k.take(self)?;
        let name = self.ident(&k.take(self)?);
        let mut body = Vec::new();
        for s in k.rest() {
            let sspan = span_of(&s);
            body.push(match s.as_rule() {
                Rule::latency => {
                    let mut sk = Kids::new(&s);
                    sk.take(self)?;
                    MockStmt::Latency(self.distribution(sk.take(self)?)?, sspan)
                }
                Rule::seed => {
                    let mut sk = Kids::new(&s);
                    sk.take(self)?;
                    MockStmt::Seed(self.quantity(sk.take(self)?)?, sspan)
                }
                Rule::mock_host => {
                    let mut sk = Kids::new(&s);
                    sk.take(self)?;
                    MockStmt::Host(self.string(sk.take(self)?)?, sspan)
                }
                Rule::fault => MockStmt::Fault(self.fault(s)?),
                Rule::call_expect => MockStmt::CallExpect(self.call_expect(s)?),
                Rule::route => MockStmt::Route(self.route(s)?),
                _ => return Err(self.bad(&s)),
            });
        }
        Ok(Mock { name, body, span })
    }

    fn fault(&self, p: Pair<Rule>) -> R<Fault> {
        let span = span_of(&p);
        let mut k = Kids::new(&p);
        k.take(self)?;
        let rate = self.quantity(k.take(self)?)?;
        k.take(self)?; // with
        let kind_pair = k.take(self)?;
        let kind = match kind_pair.as_rule() {
            Rule::k_reset => FaultKind::Reset(span_of(&kind_pair)),
            Rule::k_hang => FaultKind::Hang(span_of(&kind_pair)),
            Rule::fault_status => {
                let mut fk = Kids::new(&kind_pair);
                let status = self.quantity(fk.take(self)?)?;
                let retry_after = match fk.take_if(Rule::k_retry_after) {
                    Some(_) => Some(self.quantity(fk.take(self)?)?),
                    None => None,
                };
                FaultKind::Status {
                    status,
                    retry_after,
                }
            }
            _ => return Err(self.bad(&kind_pair)),
        };
        Ok(Fault { rate, kind, span })
    }

    fn call_expect(&self, p: Pair<Rule>) -> R<CallExpect> {
        let span = span_of(&p);
        let mut k = Kids::new(&p);
        k.take(self)?;
        let what = self.ident(&k.take(self)?);
        let op = self.cmp(&k.take(self)?)?;
        let value = self.quantity(k.take(self)?)?;
        Ok(CallExpect {
            what,
            op,
            value,
            span,
        })
    }

    fn route(&self, p: Pair<Rule>) -> R<Route> {
        let span = span_of(&p);
        let mut k = Kids::new(&p);
        k.take(self)?;
        let method = self.ident(&k.take(self)?);
        let path = self.path_or_string(k.take(self)?)?;
        let mut body = Vec::new();
        for s in k.rest() {
            body.push(match s.as_rule() {
                Rule::when => {
                    let mut sk = Kids::new(&s);
                    sk.take(self)?;
                    RouteStmt::When(self.matcher(sk.take(self)?)?)
                }
                Rule::call_expect => RouteStmt::CallExpect(self.call_expect(s)?),
                Rule::call_seq => {
                    let sspan = span_of(&s);
                    let mut sk = Kids::new(&s);
                    let keyword = self.ident(&sk.take(self)?);
                    let range = sk.take(self)?;
                    let mut stmts = Vec::new();
                    for r in sk.rest() {
                        stmts.push(self.response_stmt(r)?);
                    }
                    RouteStmt::Sequence(CallSeq {
                        keyword,
                        range: range.as_str().to_string(),
                        range_span: span_of(&range),
                        body: stmts,
                        span: sspan,
                    })
                }
                _ => RouteStmt::Response(self.response_stmt(s)?),
            });
        }
        Ok(Route {
            method,
            path,
            body,
            span,
        })
    }

    fn matcher(&self, p: Pair<Rule>) -> R<Matcher> {
        let span = span_of(&p);
        let rule = p.as_rule();
        let mut k = Kids::new(&p);
        k.take(self)?;
        Ok(match rule {
            Rule::m_query => {
                let n = self.name_or_str(k.take(self)?)?;
                Matcher::Query(n, self.predicate(k.take(self)?)?, span)
            }
            Rule::m_header => {
                let n = self.name_or_str(k.take(self)?)?;
                Matcher::Header(n, self.predicate(k.take(self)?)?, span)
            }
            Rule::m_json => {
                let path = self.string(k.take(self)?)?;
                Matcher::Json(path, self.predicate(k.take(self)?)?, span)
            }
            Rule::m_body => Matcher::Body(self.predicate(k.take(self)?)?, span),
            _ => return Err(self.bad(&p)),
        })
    }

    fn response_stmt(&self, p: Pair<Rule>) -> R<ResponseStmt> {
        let span = span_of(&p);
        Ok(match p.as_rule() {
            Rule::r_status => {
                let mut k = Kids::new(&p);
                k.take(self)?;
                ResponseStmt::Status(self.quantity(k.take(self)?)?, span)
            }
            Rule::r_header => {
                let mut k = Kids::new(&p);
                k.take(self)?;
                let n = self.name_or_str(k.take(self)?)?;
                ResponseStmt::Header(n, self.string(k.take(self)?)?, span)
            }
            Rule::body_json | Rule::body_text | Rule::body_file => {
                ResponseStmt::Body(self.body(p)?)
            }
            Rule::latency => {
                let mut k = Kids::new(&p);
                k.take(self)?;
                ResponseStmt::Latency(self.distribution(k.take(self)?)?, span)
            }
            Rule::fault => ResponseStmt::Fault(self.fault(p)?),
            _ => return Err(self.bad(&p)),
        })
    }

    fn scenario(&self, p: Pair<Rule>) -> R<Scenario> {
        let span = span_of(&p);
        let mut k = Kids::new(&p);
        k.take(self)?;
        let name = self.ident(&k.take(self)?);
        let mut body = Vec::new();
        for s in k.rest() {
            let sspan = span_of(&s);
            let rule = s.as_rule();
            let stmt = match rule {
                Rule::s_load => ScenarioStmt::Load(self.load(s)?),
                Rule::s_data => ScenarioStmt::Data(self.data(s)?),
                Rule::s_hook => ScenarioStmt::Hook(self.hook(s, true)?),
                Rule::step => ScenarioStmt::Step(self.step(s)?),
                Rule::limits => ScenarioStmt::Limits(self.limits(s)?, sspan),
                Rule::s_timeout => ScenarioStmt::Timeout(self.second_quantity(s)?, sspan),
                Rule::s_redirects => ScenarioStmt::Redirects(self.second_quantity(s)?, sspan),
                _ => {
                    let mut sk = Kids::new(&s);
                    sk.take(self)?;
                    match rule {
                        Rule::s_against => {
                            ScenarioStmt::Against(self.ident(&sk.take(self)?), sspan)
                        }
                        Rule::s_think => {
                            ScenarioStmt::Think(self.distribution(sk.take(self)?)?, sspan)
                        }
                        Rule::s_vars => {
                            let mut vars = Vec::new();
                            for v in sk.rest() {
                                let vspan = span_of(&v);
                                let mut vk = Kids::new(&v);
                                let name = self.ident(&vk.take(self)?);
                                let value = self.literal(vk.take(self)?)?;
                                vars.push(VarEntry {
                                    name,
                                    value,
                                    span: vspan,
                                });
                            }
                            ScenarioStmt::Vars(vars, sspan)
                        }
                        _ => return Err(self.bad(&s)),
                    }
                }
            };
            body.push(stmt);
        }
        Ok(Scenario { name, body, span })
    }

    /// `keyword quantity` statements.
    fn second_quantity(&self, p: Pair<Rule>) -> R<Quantity> {
        let mut k = Kids::new(&p);
        k.take(self)?;
        self.quantity(k.take(self)?)
    }

    fn load(&self, p: Pair<Rule>) -> R<Load> {
        let span = span_of(&p);
        let text = p.as_str();
        let after_keyword = skip_trivia(text, "load".len().min(text.len()));
        let block = text[after_keyword..].starts_with('{');
        let mut k = Kids::new(&p);
        k.take(self)?;
        let mut stages = Vec::new();
        let mut options = Vec::new();
        for s in k.rest() {
            let sspan = span_of(&s);
            let rule = s.as_rule();
            if rule == Rule::k_then {
                continue;
            }
            let qs: Vec<Quantity> = inner(s.clone())
                .filter(|c| c.as_rule() == Rule::quantity)
                .map(|c| self.quantity(c))
                .collect::<R<_>>()?;
            let q = |i: usize| -> R<Quantity> {
                qs.get(i)
                    .cloned()
                    .ok_or_else(|| internal(self.file, sspan.start, "missing load number"))
            };
            match rule {
                Rule::st_vus => stages.push(Stage::Vus {
                    vus: q(0)?,
                    duration: q(1)?,
                    span: sspan,
                }),
                Rule::st_iterations => stages.push(Stage::Iterations {
                    iterations: q(0)?,
                    vus: q(1)?,
                    span: sspan,
                }),
                Rule::st_rate => stages.push(Stage::Rate {
                    rate: q(0)?,
                    duration: q(1)?,
                    span: sspan,
                }),
                Rule::st_ramp_vus => stages.push(Stage::RampVus {
                    from: q(0)?,
                    to: q(1)?,
                    over: q(2)?,
                    span: sspan,
                }),
                Rule::st_ramp => stages.push(Stage::RampRate {
                    from: q(0)?,
                    to: q(1)?,
                    over: q(2)?,
                    span: sspan,
                }),
                Rule::opt_warmup => options.push(LoadOption::Warmup(q(0)?, sspan)),
                Rule::opt_max_vus => options.push(LoadOption::MaxVus(q(0)?, sspan)),
                _ => return Err(self.bad(&s)),
            }
        }
        Ok(Load {
            stages,
            options,
            block,
            span,
        })
    }

    fn data(&self, p: Pair<Rule>) -> R<Data> {
        let span = span_of(&p);
        let mut k = Kids::new(&p);
        k.take(self)?;
        let name = k.take_if(Rule::ident).map(|i| self.ident(&i));
        let format = self.ident(&k.take(self)?);
        let path = self.string(k.take(self)?)?;
        let mode = k.rest().first().map(|m| self.ident(m));
        Ok(Data {
            name,
            format,
            path,
            mode,
            span,
        })
    }

    fn hook(&self, p: Pair<Rule>, iteration: bool) -> R<Hook> {
        let span = span_of(&p);
        let mut k = Kids::new(&p);
        let when = self.ident(&k.take(self)?);
        if iteration {
            k.take(self)?; // iteration
        }
        k.take(self)?; // rhai
        let code = self.code(k.take(self)?)?;
        Ok(Hook {
            when,
            iteration,
            code,
            span,
        })
    }

    fn limits(&self, p: Pair<Rule>) -> R<Vec<Limit>> {
        let mut k = Kids::new(&p);
        k.take(self)?;
        let mut out = Vec::new();
        for l in k.rest() {
            let span = span_of(&l);
            let mut lk = Kids::new(&l);
            let metric = self.ident(&lk.take(self)?);
            let op = self.cmp(&lk.take(self)?)?;
            let value = self.quantity(lk.take(self)?)?;
            out.push(Limit {
                metric,
                op,
                value,
                span,
            });
        }
        Ok(out)
    }

    fn step(&self, p: Pair<Rule>) -> R<Step> {
        let span = span_of(&p);
        let mut k = Kids::new(&p);
        k.take(self)?;
        let name = self.ident(&k.take(self)?);
        let method = self.ident(&k.take(self)?);
        let target = k.take(self)?;
        let quoted_path = target.as_rule() == Rule::string;
        let has_block = self.file.text[target.as_span().end()..span.end].contains('{');
        let path = if quoted_path {
            self.string(target)?
        } else {
            self.path(target)?
        };
        let mut body = Vec::new();
        for s in k.rest() {
            let sspan = span_of(&s);
            let rule = s.as_rule();
            let stmt = match rule {
                Rule::body_json | Rule::body_text | Rule::body_file | Rule::body_form => {
                    StepStmt::Body(self.body(s)?)
                }
                Rule::s_timeout => StepStmt::Timeout(self.second_quantity(s)?, sspan),
                Rule::s_redirects => StepStmt::Redirects(self.second_quantity(s)?, sspan),
                Rule::step_hook => StepStmt::Hook(self.hook(s, false)?),
                Rule::limits => StepStmt::Limits(self.limits(s)?, sspan),
                Rule::capture => {
                    let mut sk = Kids::new(&s);
                    sk.take(self)?;
                    let cname = self.ident(&sk.take(self)?);
                    let src = sk.take(self)?;
                    let srule = src.as_rule();
                    let mut srk = Kids::new(&src);
                    srk.take(self)?;
                    let source = match srule {
                        Rule::cap_json => CaptureSource::Json(self.string(srk.take(self)?)?),
                        Rule::cap_header => {
                            CaptureSource::Header(self.name_or_str(srk.take(self)?)?)
                        }
                        Rule::cap_regex => CaptureSource::Regex(self.string(srk.take(self)?)?),
                        _ => return Err(self.bad(&src)),
                    };
                    StepStmt::Capture(Capture {
                        name: cname,
                        source,
                        span: sspan,
                    })
                }
                Rule::expect => {
                    let mut sk = Kids::new(&s);
                    sk.take(self)?;
                    let e = sk.take(self)?;
                    let erule = e.as_rule();
                    let mut ek = Kids::new(&e);
                    ek.take(self)?;
                    StepStmt::Expect(match erule {
                        Rule::e_status => Expect::Status(self.predicate(ek.take(self)?)?, sspan),
                        Rule::e_header => {
                            let n = self.name_or_str(ek.take(self)?)?;
                            Expect::Header(n, self.predicate(ek.take(self)?)?, sspan)
                        }
                        Rule::e_json => {
                            let path = self.string(ek.take(self)?)?;
                            Expect::Json(path, self.predicate(ek.take(self)?)?, sspan)
                        }
                        Rule::e_body => Expect::Body(self.predicate(ek.take(self)?)?, sspan),
                        Rule::e_duration => {
                            Expect::Duration(self.predicate(ek.take(self)?)?, sspan)
                        }
                        _ => return Err(self.bad(&e)),
                    })
                }
                Rule::q_header | Rule::q_query => {
                    let mut sk = Kids::new(&s);
                    sk.take(self)?;
                    let n = self.name_or_str(sk.take(self)?)?;
                    let v = sk.take(self)?;
                    if rule == Rule::q_header {
                        StepStmt::Header(n, self.string(v)?, sspan)
                    } else {
                        StepStmt::Query(n, self.literal(v)?, sspan)
                    }
                }
                _ => return Err(self.bad(&s)),
            };
            body.push(stmt);
        }
        Ok(Step {
            name,
            method,
            path,
            quoted_path,
            body,
            has_block,
            span,
        })
    }
}

fn push_text(parts: &mut Vec<StrPart>, s: &str) {
    if let Some(StrPart::Text(t)) = parts.last_mut() {
        t.push_str(s);
    } else {
        parts.push(StrPart::Text(s.to_string()));
    }
}

/// Decodes one escape sequence (`\n`, `\"`, `\u00e9`, ...).
fn unescape(esc: &str) -> String {
    let body = &esc[1..];
    match body {
        "n" => "\n".into(),
        "t" => "\t".into(),
        "r" => "\r".into(),
        "b" => "\u{8}".into(),
        "f" => "\u{c}".into(),
        "\"" | "\\" | "/" | "{" => body.into(),
        _ if body.len() == 5 && body.starts_with('u') => u32::from_str_radix(&body[1..], 16)
            .ok()
            .and_then(char::from_u32)
            .unwrap_or(char::REPLACEMENT_CHARACTER)
            .to_string(),
        // Not an escape: the backslash stays (regexes such as `\d+`).
        _ => esc.into(),
    }
}
