//! Values as written: strings and interpolations, quantities, literals, predicates,
//! distributions, JSON, bodies, code.

use serde::Serialize;

use super::*;

/// A string literal: text pieces and `{{ path }}` interpolations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Str {
    pub parts: Vec<StrPart>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum StrPart {
    /// Literal text with escapes already decoded.
    Text(String),
    Interp(Interp),
}

/// `{{ a.b.c }}`: a dotted variable path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interp {
    pub path: Vec<String>,
    pub span: Span,
}

impl Interp {
    pub fn dotted(&self) -> String {
        self.path.join(".")
    }
}

impl Str {
    /// The literal text if the string has no interpolation.
    pub fn as_plain(&self) -> Option<String> {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                StrPart::Text(t) => out.push_str(t),
                StrPart::Interp(_) => return None,
            }
        }
        Some(out)
    }
    pub fn interps(&self) -> impl Iterator<Item = &Interp> {
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
    pub span: Span,
}

impl Quantity {
    pub fn text(&self) -> String {
        self.parts.iter().map(|(n, u)| format!("{n}{u}")).collect()
    }
}

/// A string value or an `env("NAME", "default")` lookup.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ValueStr {
    Str(Str),
    Env {
        name: Str,
        default: Option<Str>,
        span: Span,
    },
}

impl ValueStr {
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
    Str(Str),
    Quantity(Quantity),
    Bool(bool, Span),
    Null(Span),
}

impl Literal {
    pub fn span(&self) -> Span {
        match self {
            Literal::Str(s) => s.span,
            Literal::Quantity(q) => q.span,
            Literal::Bool(_, s) | Literal::Null(s) => *s,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn as_str(&self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Predicate {
    Exists(Span),
    Absent(Span),
    Contains(Str, Span),
    Matches(Str, Span),
    In(Vec<Literal>, Span),
    Compare(CmpOp, Literal, Span),
}

impl Predicate {
    pub fn span(&self) -> Span {
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
    Fixed(Quantity),
    Call {
        name: Ident,
        args: Vec<DistArg>,
        span: Span,
    },
}

impl Distribution {
    pub fn span(&self) -> Span {
        match self {
            Distribution::Fixed(q) => q.span,
            Distribution::Call { span, .. } => *span,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DistArg {
    pub name: Option<Ident>,
    pub value: Quantity,
}

/// Inline JSON, possibly with interpolation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Json {
    Object(Vec<(Str, Json)>, Span),
    Array(Vec<Json>, Span),
    Str(Str),
    /// The number exactly as written.
    Number(String, Span),
    Bool(bool, Span),
    Null(Span),
    /// A bare `{{ path }}` substituted as a raw JSON value.
    Interp(Interp),
}

impl Json {
    pub fn span(&self) -> Span {
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
    Json(Json, Span),
    Text(Str, Span),
    File(Str, Span),
    Form(Vec<(NameOrStr, Str)>, Span),
}

impl Body {
    pub fn span(&self) -> Span {
        match self {
            Body::Json(_, s) | Body::Text(_, s) | Body::File(_, s) | Body::Form(_, s) => *s,
        }
    }
}

/// A bare name (`Content-Type`) or a quoted one (`"X-Api-Key"`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum NameOrStr {
    Name(Ident),
    Str(Str),
}

impl NameOrStr {
    pub fn span(&self) -> Span {
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
    pub span: Span,
}
