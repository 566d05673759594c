//! Lowering from pest pairs to AST nodes: the cursor over a pair's children, the items
//! of a file; values, services and databases, mocks and scenarios each in a file.

mod mock;
mod scenario;
mod service;
mod values;

use pest::iterators::Pair;

use super::error::{internal, SyntaxError};
use super::{inner, span_of, Rule, R};
use crate::ast::*;
use crate::source::SourceFile;

/// Lowering from pest pairs to AST nodes.
pub(super) struct Lower<'f> {
    pub(super) file: &'f SourceFile,
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
        self.items.get(self.at).map(pest::iterators::Pair::as_rule)
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

impl Lower<'_> {
    /// The children of a `KEYWORD ...` pair after its keyword.
    fn after_keyword<'i>(&self, p: &Pair<'i, Rule>) -> R<Kids<'i>> {
        let mut k = Kids::new(p);
        k.take(self)?;
        Ok(k)
    }

    /// The one child of a `KEYWORD value` pair after its keyword.
    fn sole<'i>(&self, p: &Pair<'i, Rule>) -> R<Pair<'i, Rule>> {
        self.after_keyword(p)?.take(self)
    }

    /// A `KEYWORD name { ... }` block: its span, its name and the statements of its body,
    /// each lowered by `stmt` from its pair and its span.
    fn named_block<'i, T>(
        &self,
        p: &Pair<'i, Rule>,
        mut stmt: impl FnMut(Pair<'i, Rule>, Span) -> R<T>,
    ) -> R<(Span, Ident, Vec<T>)> {
        let mut k = self.after_keyword(p)?;
        let name = self.ident(&k.take(self)?);
        let body = k.rest().into_iter().map(|s| {
            let span = span_of(&s);
            stmt(s, span)
        });
        Ok((span_of(p), name, body.collect::<R<_>>()?))
    }

    /// The `name value` entries of an `env` or `vars` list, each built by `entry` from its
    /// name, its value's pair and its span.
    fn entries<'i, T>(
        &self,
        pairs: Vec<Pair<'i, Rule>>,
        entry: impl Fn(Ident, Pair<'i, Rule>, Span) -> R<T>,
    ) -> R<Vec<T>> {
        pairs
            .into_iter()
            .map(|e| {
                let mut k = Kids::new(&e);
                let name = self.ident(&k.take(self)?);
                entry(name, k.take(self)?, span_of(&e))
            })
            .collect()
    }

    /// An optional `KEYWORD quantity` tail (`within 5s`, `retry_after 2s`).
    fn quantity_after(&self, k: &mut Kids, keyword: Rule) -> R<Option<Quantity>> {
        match k.take_if(keyword) {
            Some(_) => Ok(Some(self.quantity(k.take(self)?)?)),
            None => Ok(None),
        }
    }

    pub(super) fn bad(&self, p: &Pair<Rule>) -> SyntaxError {
        internal(
            self.file,
            p.as_span().start(),
            &format!("unexpected {:?}", p.as_rule()),
        )
    }

    pub(super) fn item(&mut self, p: Pair<Rule>) -> R<Item> {
        Ok(match p.as_rule() {
            Rule::import => {
                let span = span_of(&p);
                let mut k = self.after_keyword(&p)?;
                Item::Import(Import {
                    path: self.string(k.take(self)?)?,
                    span,
                })
            }
            Rule::target => {
                let span = span_of(&p);
                let mut k = self.after_keyword(&p)?;
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
}
