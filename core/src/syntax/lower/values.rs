//! Leaves shared by every block: names, strings and interpolations, quantities, literals,
//! predicates, distributions, JSON, bodies and code.

use pest::iterators::Pair;

use super::super::{inner, span_of, Rule, R};
use super::{Kids, Lower};
use crate::ast::*;

impl Lower<'_> {
    #[allow(
        clippy::unused_self,
        reason = "one of the lowering's methods, called like the rest"
    )]
    pub(super) fn ident(&self, p: &Pair<Rule>) -> Ident {
        Ident {
            name: p.as_str().to_string(),
            span: span_of(p),
        }
    }

    pub(super) fn string(&self, p: Pair<Rule>) -> R<Str> {
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

    pub(super) fn interp(&self, p: Pair<Rule>) -> R<Interp> {
        let span = span_of(&p);
        let mut k = Kids::new(&p);
        let path = k.take(self)?;
        Ok(Interp {
            path: path.as_str().split('.').map(str::to_string).collect(),
            span,
        })
    }

    /// A path (`/a/{{ b }}`) lowered to a string.
    pub(super) fn path(&self, p: Pair<Rule>) -> R<Str> {
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

    pub(super) fn path_or_string(&self, p: Pair<Rule>) -> R<Str> {
        match p.as_rule() {
            Rule::string => self.string(p),
            _ => self.path(p),
        }
    }

    pub(super) fn quantity(&self, p: Pair<Rule>) -> R<Quantity> {
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

    pub(super) fn value_str(&self, p: Pair<Rule>) -> R<ValueStr> {
        match p.as_rule() {
            Rule::string => Ok(ValueStr::Str(self.string(p)?)),
            Rule::env_call => {
                let span = span_of(&p);
                let mut k = self.after_keyword(&p)?;
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

    pub(super) fn name_or_str(&self, p: Pair<Rule>) -> R<NameOrStr> {
        match p.as_rule() {
            Rule::ident => Ok(NameOrStr::Name(self.ident(&p))),
            Rule::string => Ok(NameOrStr::Str(self.string(p)?)),
            _ => Err(self.bad(&p)),
        }
    }

    pub(super) fn literal(&self, p: Pair<Rule>) -> R<Literal> {
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

    pub(super) fn cmp(&self, p: &Pair<Rule>) -> R<CmpOp> {
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

    pub(super) fn predicate(&self, p: Pair<Rule>) -> R<Predicate> {
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

    pub(super) fn distribution(&self, p: Pair<Rule>) -> R<Distribution> {
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

    pub(super) fn json(&self, p: Pair<Rule>) -> R<Json> {
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

    pub(super) fn body(&self, p: Pair<Rule>) -> R<Body> {
        let span = span_of(&p);
        let rule = p.as_rule();
        let mut k = self.after_keyword(&p)?;
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

    pub(super) fn code(&self, p: Pair<Rule>) -> R<Code> {
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
