//! Mock responses compiled once at start: status, headers, body plans. Each text with
//! variables (a header value, a `text` body, a form field, a `json` body) is compiled into
//! literal pieces and numbered variables, so rendering a response is appending strings:
//! no template engine runs per request. Templates are strict: a value the request lacks
//! is an error naming it, never a silent blank. Each variable is written encoded for where
//! it stands (plain text; JSON-escaped inside a JSON string; JSON for a bare `{{ x }}` in
//! a JSON body).

use std::path::Path;

use bytes::Bytes;
use hyper::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use hyper::StatusCode;

use super::context::{Encoding, Needs, Values};
use crate::eval::encode::form_field;
use crate::eval::vars::{json_members, push_json_escaped};
use perfdsl_core::model::{
    Body, Distribution, Fault, JsonTemplate, Response, Template, TemplatePart,
};

/// A piece of a compiled template.
#[derive(Debug, Clone)]
enum Seg {
    Lit(Box<str>),
    Var { var: usize, encoding: Encoding },
}

/// A compiled template: literal text and variables, in order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tpl(Vec<Seg>);

impl Tpl {
    fn lit(&mut self, text: &str) {
        match self.0.last_mut() {
            Some(Seg::Lit(prev)) => *prev = format!("{prev}{text}").into_boxed_str(),
            _ => self.0.push(Seg::Lit(text.into())),
        }
    }

    fn var(&mut self, var: usize, encoding: Encoding) {
        self.0.push(Seg::Var { var, encoding });
    }

    fn render(&self, needs: &Needs, values: &Values, out: &mut String) -> Result<(), String> {
        for seg in &self.0 {
            match seg {
                Seg::Lit(t) => out.push_str(t),
                Seg::Var { var, encoding } => values.write(needs, *var, *encoding, out)?,
            }
        }
        Ok(())
    }
}

/// A piece of text: fixed, or a template.
#[derive(Debug, Clone)]
pub(crate) enum Text {
    Plain(String),
    Template(Tpl),
}

#[derive(Debug, Clone)]
enum HeaderText {
    Fixed(HeaderValue),
    Template(Tpl),
}

#[derive(Debug, Clone)]
enum BodyPlan {
    Fixed(Bytes),
    Text(Text),
    Json(Tpl),
    Form(Vec<(String, Text)>),
}

/// One complete response, ready to render.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    pub status: StatusCode,
    headers: Vec<(HeaderName, HeaderText)>,
    body: BodyPlan,
    pub needs: Needs,
    /// Effective latency: the response's (route's) own, else the mock's.
    pub latency: Option<Distribution>,
    /// Effective faults: the response's (route's) own when it has any, else the mock's.
    pub faults: Vec<Fault>,
}

/// A rendered response.
pub(crate) struct Rendered {
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Bytes,
}

/// The template compiler and renderer of one mock.
#[derive(Debug, Default)]
pub(crate) struct Templates;

impl Templates {
    pub(super) fn new() -> Self {
        Templates
    }

    /// Compiles one response. `mock_latency` and `mock_faults` apply when the response
    /// has none of its own.
    pub(super) fn compile(
        &mut self,
        resp: &Response,
        mock_latency: Option<&Distribution>,
        mock_faults: &[Fault],
        dir: &Path,
    ) -> Result<Compiled, CompileError> {
        let mut needs = Needs::default();
        let mut headers = Vec::new();
        for (name, value) in &resp.headers {
            headers.push(self.header(name, value, &mut needs)?);
        }
        let (body, content_type) = self.body(resp.body.as_ref(), dir, &mut needs)?;
        if let Some(ct) = content_type {
            if !headers.iter().any(|(n, _)| n == CONTENT_TYPE) {
                headers.push((
                    CONTENT_TYPE,
                    HeaderText::Fixed(HeaderValue::from_static(ct)),
                ));
            }
        }
        let fixed = needs.none();
        let mut compiled = Compiled {
            status: StatusCode::from_u16(resp.status).unwrap_or(StatusCode::OK),
            headers,
            body,
            needs,
            latency: resp.latency.clone().or_else(|| mock_latency.cloned()),
            faults: if resp.faults.is_empty() {
                mock_faults.to_vec()
            } else {
                resp.faults.clone()
            },
        };
        if fixed {
            // Nothing depends on the request: render once, answer with shared bytes.
            if let Ok(r) = self.render(&compiled, &Values::none()) {
                compiled.body = BodyPlan::Fixed(r.body);
            }
        }
        Ok(compiled)
    }

    /// One header of a response: fixed when it has no template.
    fn header(
        &mut self,
        name: &str,
        value: &Template,
        needs: &mut Needs,
    ) -> Result<(HeaderName, HeaderText), CompileError> {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| CompileError::Template(format!("header `{name}`: {e}")))?;
        let value = match self.text(value, needs)? {
            Text::Plain(p) => HeaderText::Fixed(HeaderValue::from_str(&p).map_err(|_| {
                CompileError::Template(format!("header `{name}`: `{p}` is not a valid value"))
            })?),
            Text::Template(t) => HeaderText::Template(t),
        };
        Ok((name, value))
    }

    /// A response's body and the `Content-Type` it implies.
    fn body(
        &mut self,
        body: Option<&Body>,
        dir: &Path,
        needs: &mut Needs,
    ) -> Result<(BodyPlan, Option<&'static str>), CompileError> {
        Ok(match body {
            None => (BodyPlan::Fixed(Bytes::new()), None),
            Some(Body::Text(t)) => (
                BodyPlan::Text(self.text(t, needs)?),
                Some("text/plain; charset=utf-8"),
            ),
            Some(Body::Json(j)) => {
                let mut tpl = Tpl::default();
                json_source(j, &mut tpl, needs);
                (BodyPlan::Json(tpl), Some("application/json"))
            }
            Some(Body::Form(fields)) => {
                let mut out = Vec::new();
                for (k, v) in fields {
                    out.push((k.clone(), self.text(v, needs)?));
                }
                (
                    BodyPlan::Form(out),
                    Some("application/x-www-form-urlencoded"),
                )
            }
            Some(Body::File(path)) => {
                let bytes = std::fs::read(dir.join(path)).map_err(|e| CompileError::File {
                    path: path.clone(),
                    reason: e.to_string(),
                })?;
                (
                    BodyPlan::Fixed(Bytes::from(bytes)),
                    Some(content_type_of(path)),
                )
            }
        })
    }

    #[allow(
        clippy::unused_self,
        clippy::unnecessary_wraps,
        reason = "one of the compiler's methods, called like its fallible siblings"
    )]
    fn text(&mut self, t: &Template, needs: &mut Needs) -> Result<Text, CompileError> {
        if let Some(plain) = t.as_plain() {
            return Ok(Text::Plain(plain));
        }
        let mut tpl = Tpl::default();
        for part in &t.parts {
            match part {
                TemplatePart::Text(s) => tpl.lit(s),
                TemplatePart::Var(path) => tpl.var(needs.add(path), Encoding::Text),
            }
        }
        Ok(Text::Template(tpl))
    }

    /// Renders a text piece with the request's values.
    #[allow(
        clippy::unused_self,
        reason = "one of the renderer's methods, like its siblings"
    )]
    fn render_text(&self, t: &Text, needs: &Needs, values: &Values) -> Result<String, String> {
        match t {
            Text::Plain(p) => Ok(p.clone()),
            Text::Template(tpl) => render_tpl(tpl, needs, values),
        }
    }

    /// Renders a compiled response with the request's values (`context()`); `Err` says
    /// which value was missing.
    pub(super) fn render(&self, c: &Compiled, values: &Values) -> Result<Rendered, String> {
        let mut headers = Vec::with_capacity(c.headers.len());
        for (name, value) in &c.headers {
            let v = match value {
                HeaderText::Fixed(v) => v.clone(),
                HeaderText::Template(t) => {
                    let text = render_tpl(t, &c.needs, values)?;
                    HeaderValue::from_str(&text).map_err(|_| {
                        format!("header `{name}`: `{text}` is not a valid header value")
                    })?
                }
            };
            headers.push((name.clone(), v));
        }
        let body = match &c.body {
            BodyPlan::Fixed(b) => b.clone(),
            BodyPlan::Text(t) => Bytes::from(self.render_text(t, &c.needs, values)?),
            BodyPlan::Json(t) => Bytes::from(render_tpl(t, &c.needs, values)?),
            BodyPlan::Form(fields) => {
                let mut s = String::new();
                for (k, v) in fields {
                    form_field(&mut s, k, &self.render_text(v, &c.needs, values)?);
                }
                Bytes::from(s)
            }
        };
        Ok(Rendered {
            status: c.status,
            headers,
            body,
        })
    }
}

fn render_tpl(t: &Tpl, needs: &Needs, values: &Values) -> Result<String, String> {
    let mut out = String::with_capacity(256);
    t.render(needs, values, &mut out)?;
    Ok(out)
}

/// Compiles a JSON body: JSON text, with variables inside strings (JSON-escaped) and bare
/// variables (written as JSON).
fn json_source(j: &JsonTemplate, tpl: &mut Tpl, needs: &mut Needs) {
    match j {
        JsonTemplate::Null => tpl.lit("null"),
        JsonTemplate::Bool(b) => tpl.lit(if *b { "true" } else { "false" }),
        JsonTemplate::Number(n) => tpl.lit(&n.to_string()),
        JsonTemplate::String(t) => json_string_source(t, tpl, needs),
        JsonTemplate::Var(path) => tpl.var(needs.add(path), Encoding::Json),
        JsonTemplate::Array(items) => {
            json_members(tpl, Tpl::lit, ["[", "]"], items, |tpl, item| {
                json_source(item, tpl, needs);
            });
        }
        JsonTemplate::Object(members) => {
            json_members(tpl, Tpl::lit, ["{", "}"], members, |tpl, (k, v)| {
                json_string_source(k, tpl, needs);
                tpl.lit(":");
                json_source(v, tpl, needs);
            });
        }
    }
}

fn json_string_source(t: &Template, tpl: &mut Tpl, needs: &mut Needs) {
    tpl.lit("\"");
    for part in &t.parts {
        match part {
            TemplatePart::Text(s) => {
                let mut escaped = String::new();
                push_json_escaped(s, &mut escaped);
                tpl.lit(&escaped);
            }
            TemplatePart::Var(path) => tpl.var(needs.add(path), Encoding::JsonString),
        }
    }
    tpl.lit("\"");
}

/// Why a response could not be compiled.
#[derive(Debug)]
pub(crate) enum CompileError {
    Template(String),
    File { path: String, reason: String },
}

fn content_type_of(path: &str) -> &'static str {
    let ext = Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "json" => "application/json",
        "html" | "htm" => "text/html; charset=utf-8",
        "txt" | "text" => "text/plain; charset=utf-8",
        "xml" => "application/xml",
        "csv" => "text/csv",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
