//! `mock` blocks: faults, call expectations, routes, matchers, responses.

use pest::iterators::Pair;

use super::super::{span_of, Rule, R};
use super::{Kids, Lower};
use crate::ast::*;

impl Lower<'_> {
    pub(super) fn mock(&self, p: Pair<Rule>) -> R<Mock> {
        let (span, name, body) = self.named_block(&p, |s, sspan| {
            Ok(match s.as_rule() {
                Rule::latency => MockStmt::Latency(self.distribution(self.sole(&s)?)?, sspan),
                Rule::seed => MockStmt::Seed(self.quantity(self.sole(&s)?)?, sspan),
                Rule::mock_host => MockStmt::Host(self.string(self.sole(&s)?)?, sspan),
                Rule::fault => MockStmt::Fault(self.fault(s)?),
                Rule::call_expect => MockStmt::CallExpect(self.call_expect(s)?),
                Rule::route => MockStmt::Route(self.route(s)?),
                _ => return Err(self.bad(&s)),
            })
        })?;
        Ok(Mock { name, body, span })
    }

    pub(super) fn fault(&self, p: Pair<Rule>) -> R<Fault> {
        let span = span_of(&p);
        let mut k = self.after_keyword(&p)?;
        let rate = self.quantity(k.take(self)?)?;
        k.take(self)?; // with
        let kind_pair = k.take(self)?;
        let kind = match kind_pair.as_rule() {
            Rule::k_reset => FaultKind::Reset(span_of(&kind_pair)),
            Rule::k_hang => FaultKind::Hang(span_of(&kind_pair)),
            Rule::fault_status => {
                let mut fk = Kids::new(&kind_pair);
                let status = self.quantity(fk.take(self)?)?;
                let retry_after = self.quantity_after(&mut fk, Rule::k_retry_after)?;
                FaultKind::Status {
                    status,
                    retry_after,
                }
            }
            _ => return Err(self.bad(&kind_pair)),
        };
        Ok(Fault { rate, kind, span })
    }

    pub(super) fn call_expect(&self, p: Pair<Rule>) -> R<CallExpect> {
        let span = span_of(&p);
        let mut k = self.after_keyword(&p)?;
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

    pub(super) fn route(&self, p: Pair<Rule>) -> R<Route> {
        let span = span_of(&p);
        let mut k = self.after_keyword(&p)?;
        let method = self.ident(&k.take(self)?);
        let path = self.path_or_string(k.take(self)?)?;
        let mut body = Vec::new();
        for s in k.rest() {
            body.push(match s.as_rule() {
                Rule::when => RouteStmt::When(self.matcher(self.sole(&s)?)?),
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

    pub(super) fn matcher(&self, p: Pair<Rule>) -> R<Matcher> {
        let span = span_of(&p);
        let rule = p.as_rule();
        let mut k = self.after_keyword(&p)?;
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

    pub(super) fn response_stmt(&self, p: Pair<Rule>) -> R<ResponseStmt> {
        let span = span_of(&p);
        Ok(match p.as_rule() {
            Rule::r_status => ResponseStmt::Status(self.quantity(self.sole(&p)?)?, span),
            Rule::r_header => {
                let mut k = self.after_keyword(&p)?;
                let n = self.name_or_str(k.take(self)?)?;
                ResponseStmt::Header(n, self.string(k.take(self)?)?, span)
            }
            Rule::body_json | Rule::body_text | Rule::body_file => {
                ResponseStmt::Body(self.body(p)?)
            }
            Rule::latency => ResponseStmt::Latency(self.distribution(self.sole(&p)?)?, span),
            Rule::fault => ResponseStmt::Fault(self.fault(p)?),
            _ => return Err(self.bad(&p)),
        })
    }
}
