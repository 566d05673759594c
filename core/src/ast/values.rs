//! Values as written: strings and interpolations, quantities, literals, predicates,
//! distributions, JSON, bodies, code.

use serde::Serialize;

use super::*;

/// A string literal: text pieces and `{{ path }}` interpolations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Str {
    /// Text and interpolations in order; adjacent text is merged into one part.
    pub parts: Vec<StrPart>,
    /// The whole literal, quotes included (an unquoted path: the path as written).
    pub span: Span,
}

/// A piece of a string literal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum StrPart {
    /// Literal text with escapes already decoded.
    Text(String),
    /// A `{{ path }}` interpolation.
    Interp(Interp),
}

/// `{{ a.b.c }}`: a dotted variable path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interp {
    /// The path split on `.`: `{{ row.email }}` → `["row", "email"]`; a segment after
    /// the first may be a number (an array index, as in `items.0.id`).
    pub path: Vec<String>,
    /// From `{{` to `}}`.
    pub span: Span,
}

impl Interp {
    pub(crate) fn dotted(&self) -> String {
        self.path.join(".")
    }
}

impl Str {
    /// The literal text if the string has no interpolation.
    pub(crate) fn as_plain(&self) -> Option<String> {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                StrPart::Text(t) => out.push_str(t),
                StrPart::Interp(_) => return None,
            }
        }
        Some(out)
    }
    pub(crate) fn interps(&self) -> impl Iterator<Item = &Interp> {
        self.parts.iter().filter_map(|p| match p {
            StrPart::Interp(i) => Some(i),
            StrPart::Text(_) => None,
        })
    }
}

/// A number with unit suffixes as written: `250ms`, `1m30s`, `100/s`, `0.5%`, `20`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quantity {
    /// (number text, unit text) pairs; the unit is empty for a bare number.
    pub parts: Vec<(String, String)>,
    /// The quantity as written (it holds no space).
    pub span: Span,
}

impl Quantity {
    pub(crate) fn text(&self) -> String {
        self.parts
            .iter()
            .flat_map(|(n, u)| [n.as_str(), u.as_str()])
            .collect()
    }
}

/// A string value or an `env("NAME", "default")` lookup.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ValueStr {
    /// A string literal, possibly with `{{ }}` interpolations.
    Str(Str),
    /// `env("NAME")` or `env("NAME", "default")`: a variable of perfdsl's own
    /// environment, read at run time.
    Env {
        /// The variable's name (validate requires a plain string, without `{{ }}`).
        name: Str,
        /// The value used when the variable is unset; None when not written.
        default: Option<Str>,
        /// From `env` to the closing parenthesis.
        span: Span,
    },
}

impl ValueStr {
    /// The span of the string, or of the whole `env(...)` call.
    pub fn span(&self) -> Span {
        match self {
            ValueStr::Str(s) => s.span,
            ValueStr::Env { span, .. } => *span,
        }
    }
}

/// A literal in a predicate, a list or `vars`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Literal {
    /// A string, possibly with `{{ }}` interpolations.
    Str(Str),
    /// A number, with or without unit (`200`, `250ms`, `4KiB`, `0.5%`).
    Quantity(Quantity),
    /// `true` or `false`, and where it is written.
    Bool(bool, Span),
    /// `null`, and where it is written.
    Null(Span),
}

impl Literal {
    pub(crate) fn span(&self) -> Span {
        match self {
            Literal::Str(s) => s.span,
            Literal::Quantity(q) => q.span,
            Literal::Bool(_, s) | Literal::Null(s) => *s,
        }
    }
}

/// A comparison operator as written in a predicate, a limit or a call expectation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CmpOp {
    /// `==`: equal to.
    Eq,
    /// `!=`: not equal to.
    Ne,
    /// `<`: less than.
    Lt,
    /// `<=`: less than or equal to.
    Le,
    /// `>`: greater than.
    Gt,
    /// `>=`: greater than or equal to.
    Ge,
}

/// How each operator is written, in the order of the variants of [`CmpOp`] (and of the
/// model's operator, which spells itself from this table too).
pub(crate) const CMP_SPELLING: [&str; 6] = ["==", "!=", "<", "<=", ">", ">="];

impl CmpOp {
    /// The operator as written (`<=`).
    pub(crate) fn as_str(self) -> &'static str {
        CMP_SPELLING[self as usize]
    }
}

/// A check as written, shared by `expect` (steps) and `when` (mock routes). Each variant
/// ends with the span of the whole predicate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Predicate {
    /// `exists`: the header, parameter or JSON value is present.
    Exists(Span),
    /// `absent`: it is not present.
    Absent(Span),
    /// `contains "text"`: the value holds the text.
    Contains(Str, Span),
    /// `matches "regex"`: the value matches the regular expression.
    Matches(Str, Span),
    /// `in [a, b, ...]`: the value equals one of the literals.
    In(Vec<Literal>, Span),
    /// `OP literal`, as in `== 200` or `< 500ms`.
    Compare(CmpOp, Literal, Span),
}

impl Predicate {
    pub(crate) fn span(&self) -> Span {
        match self {
            Predicate::Exists(s) | Predicate::Absent(s) => *s,
            Predicate::Contains(_, s) | Predicate::Matches(_, s) => *s,
            Predicate::In(_, s) | Predicate::Compare(_, _, s) => *s,
        }
    }
}

/// A fixed duration or a named distribution such as `lognormal(p50: 20ms, p99: 80ms)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Distribution {
    /// A fixed duration such as `20ms`.
    Fixed(Quantity),
    /// `name(args)`; validate accepts `uniform`, `normal` and `lognormal` with their two
    /// parameters.
    Call {
        /// The function's name as written.
        name: Ident,
        /// The arguments in order, named or positional.
        args: Vec<DistArg>,
        /// From the name to the closing parenthesis.
        span: Span,
    },
}

impl Distribution {
    /// Where the distribution is written.
    pub fn span(&self) -> Span {
        match self {
            Distribution::Fixed(q) => q.span,
            Distribution::Call { span, .. } => *span,
        }
    }
}

/// One argument of a distribution call: `20ms` or `p50: 20ms`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DistArg {
    /// The parameter's name (`min`, `mean`, `p50`...); None for a positional argument.
    pub name: Option<Ident>,
    /// The argument, a duration as written.
    pub value: Quantity,
}

/// Inline JSON, possibly with interpolation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Json {
    /// `{ "key": value, ... }`: members in source order (keys are strings and may be
    /// interpolated), and the span from `{` to `}`.
    Object(Vec<(Str, Json)>, Span),
    /// `[ ... ]`: items in order, and the span from `[` to `]`.
    Array(Vec<Json>, Span),
    /// A string, possibly with `{{ }}` interpolations.
    Str(Str),
    /// The number exactly as written.
    Number(String, Span),
    /// `true` or `false`, and where it is written.
    Bool(bool, Span),
    /// `null`, and where it is written.
    Null(Span),
    /// A bare `{{ path }}` substituted as a raw JSON value.
    Interp(Interp),
}

impl Json {
    pub(crate) fn span(&self) -> Span {
        match self {
            Json::Object(_, s) | Json::Array(_, s) => *s,
            Json::Str(s) => s.span,
            Json::Number(_, s) | Json::Bool(_, s) | Json::Null(s) => *s,
            Json::Interp(i) => i.span,
        }
    }
}

/// A request or response body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Body {
    /// `json VALUE`: inline JSON. Each variant ends with the span of the whole statement,
    /// keyword included.
    Json(Json, Span),
    /// `text "..."`: a text body.
    Text(Str, Span),
    /// `file "path"`: a body read from a file, relative to the `.perf` file.
    File(Str, Span),
    /// `form { name = "value", ... }`: URL-encoded fields in order (request bodies only).
    Form(Vec<(NameOrStr, Str)>, Span),
}

impl Body {
    pub(crate) fn span(&self) -> Span {
        match self {
            Body::Json(_, s) | Body::Text(_, s) | Body::File(_, s) | Body::Form(_, s) => *s,
        }
    }
}

/// A bare name (`Content-Type`) or a quoted one (`"X-Api-Key"`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum NameOrStr {
    /// A bare name, as in `header Content-Type "text/plain"`.
    Name(Ident),
    /// A quoted name; validate rejects `{{ }}` in it.
    Str(Str),
}

impl NameOrStr {
    pub(crate) fn span(&self) -> Span {
        match self {
            NameOrStr::Name(i) => i.span,
            NameOrStr::Str(s) => s.span,
        }
    }
}

/// Embedded code between backtick fences.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Code {
    /// The text between the fences, untouched.
    pub text: String,
    /// Span of the text between the fences (for placing errors inside it).
    pub body_span: Span,
    /// The fence as written (three or more backticks).
    pub fence: String,
    /// The whole block, from the opening fence to the end of the closing one.
    pub span: Span,
}
