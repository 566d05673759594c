//! `scenario` blocks: load, data, hooks, limits and steps.

use pest::iterators::Pair;

use super::super::error::internal;
use super::super::{inner, skip_trivia, span_of, Rule, R};
use super::{Kids, Lower};
use crate::ast::*;

impl Lower<'_> {
    pub(super) fn scenario(&self, p: Pair<Rule>) -> R<Scenario> {
        let (span, name, body) = self.named_block(&p, |s, sspan| {
            let rule = s.as_rule();
            Ok(match rule {
                Rule::s_load => ScenarioStmt::Load(self.load(s)?),
                Rule::s_data => ScenarioStmt::Data(self.data(s)?),
                Rule::s_hook => ScenarioStmt::Hook(self.hook(s, true)?),
                Rule::step => ScenarioStmt::Step(self.step(s)?),
                Rule::limits => ScenarioStmt::Limits(self.limits(s)?, sspan),
                Rule::s_timeout => ScenarioStmt::Timeout(self.second_quantity(s)?, sspan),
                Rule::s_redirects => ScenarioStmt::Redirects(self.second_quantity(s)?, sspan),
                _ => {
                    let mut sk = self.after_keyword(&s)?;
                    match rule {
                        Rule::s_against => {
                            ScenarioStmt::Against(self.ident(&sk.take(self)?), sspan)
                        }
                        Rule::s_think => {
                            ScenarioStmt::Think(self.distribution(sk.take(self)?)?, sspan)
                        }
                        Rule::s_vars => {
                            let vars = self.entries(sk.rest(), |name, value, span| {
                                let value = self.literal(value)?;
                                Ok(VarEntry { name, value, span })
                            })?;
                            ScenarioStmt::Vars(vars, sspan)
                        }
                        _ => return Err(self.bad(&s)),
                    }
                }
            })
        })?;
        Ok(Scenario { name, body, span })
    }

    /// `keyword quantity` statements.
    pub(super) fn second_quantity(&self, p: Pair<Rule>) -> R<Quantity> {
        self.quantity(self.sole(&p)?)
    }

    pub(super) fn load(&self, p: Pair<Rule>) -> R<Load> {
        let span = span_of(&p);
        let text = p.as_str();
        let after_keyword = skip_trivia(text, "load".len().min(text.len()));
        let block = text[after_keyword..].starts_with('{');
        let mut k = self.after_keyword(&p)?;
        let mut stages = Vec::new();
        let mut options = Vec::new();
        for s in k.rest() {
            match s.as_rule() {
                Rule::k_then => {}
                Rule::opt_warmup | Rule::opt_max_vus => options.push(self.load_option(&s)?),
                _ => stages.push(self.stage(&s)?),
            }
        }
        Ok(Load {
            stages,
            options,
            block,
            span,
        })
    }

    /// The numbers of a load stage or option, in order.
    fn load_numbers(&self, s: &Pair<Rule>) -> R<Vec<Quantity>> {
        inner(s.clone())
            .filter(|c| c.as_rule() == Rule::quantity)
            .map(|c| self.quantity(c))
            .collect()
    }

    /// The `i`th number of a load stage or option.
    fn nth(&self, qs: &[Quantity], i: usize, span: Span) -> R<Quantity> {
        qs.get(i)
            .cloned()
            .ok_or_else(|| internal(self.file, span.start, "missing load number"))
    }

    /// One stage of a `load` statement: `vus`, `iterations`, `rate`, `ramp`.
    fn stage(&self, s: &Pair<Rule>) -> R<Stage> {
        let span = span_of(s);
        let qs = self.load_numbers(s)?;
        let q = |i: usize| self.nth(&qs, i, span);
        Ok(match s.as_rule() {
            Rule::st_vus => Stage::Vus {
                vus: q(0)?,
                duration: q(1)?,
                span,
            },
            Rule::st_iterations => Stage::Iterations {
                iterations: q(0)?,
                vus: q(1)?,
                span,
            },
            Rule::st_rate => Stage::Rate {
                rate: q(0)?,
                duration: q(1)?,
                span,
            },
            Rule::st_ramp_vus => Stage::RampVus {
                from: q(0)?,
                to: q(1)?,
                over: q(2)?,
                span,
            },
            Rule::st_ramp => Stage::RampRate {
                from: q(0)?,
                to: q(1)?,
                over: q(2)?,
                span,
            },
            _ => return Err(self.bad(s)),
        })
    }

    /// One option of a `load` statement: `warmup`, `max_vus`.
    fn load_option(&self, s: &Pair<Rule>) -> R<LoadOption> {
        let span = span_of(s);
        let q = self.nth(&self.load_numbers(s)?, 0, span)?;
        Ok(match s.as_rule() {
            Rule::opt_warmup => LoadOption::Warmup(q, span),
            _ => LoadOption::MaxVus(q, span),
        })
    }

    pub(super) fn data(&self, p: Pair<Rule>) -> R<Data> {
        let span = span_of(&p);
        let mut k = self.after_keyword(&p)?;
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

    pub(super) fn hook(&self, p: Pair<Rule>, iteration: bool) -> R<Hook> {
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

    pub(super) fn limits(&self, p: Pair<Rule>) -> R<Vec<Limit>> {
        let mut k = self.after_keyword(&p)?;
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

    pub(super) fn step(&self, p: Pair<Rule>) -> R<Step> {
        let span = span_of(&p);
        let mut k = self.after_keyword(&p)?;
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
                Rule::capture => StepStmt::Capture(self.capture(&s)?),
                Rule::expect => StepStmt::Expect(self.expect(&s)?),
                Rule::q_header | Rule::q_query => {
                    let mut sk = self.after_keyword(&s)?;
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

    /// `capture NAME from json|header|regex ...`.
    fn capture(&self, s: &Pair<Rule>) -> R<Capture> {
        let mut sk = self.after_keyword(s)?;
        let name = self.ident(&sk.take(self)?);
        let src = sk.take(self)?;
        let value = self.sole(&src)?;
        let source = match src.as_rule() {
            Rule::cap_json => CaptureSource::Json(self.string(value)?),
            Rule::cap_header => CaptureSource::Header(self.name_or_str(value)?),
            Rule::cap_regex => CaptureSource::Regex(self.string(value)?),
            _ => return Err(self.bad(&src)),
        };
        Ok(Capture {
            name,
            source,
            span: span_of(s),
        })
    }

    /// `expect status|header|json|body|duration ...`.
    fn expect(&self, s: &Pair<Rule>) -> R<Expect> {
        let span = span_of(s);
        let e = self.sole(s)?;
        let mut ek = self.after_keyword(&e)?;
        Ok(match e.as_rule() {
            Rule::e_status => Expect::Status(self.predicate(ek.take(self)?)?, span),
            Rule::e_header => {
                let n = self.name_or_str(ek.take(self)?)?;
                Expect::Header(n, self.predicate(ek.take(self)?)?, span)
            }
            Rule::e_json => {
                let path = self.string(ek.take(self)?)?;
                Expect::Json(path, self.predicate(ek.take(self)?)?, span)
            }
            Rule::e_body => Expect::Body(self.predicate(ek.take(self)?)?, span),
            Rule::e_duration => Expect::Duration(self.predicate(ek.take(self)?)?, span),
            _ => return Err(self.bad(&e)),
        })
    }
}
