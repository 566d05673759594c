//! `service` and `database` blocks.

use pest::iterators::Pair;

use super::super::{Rule, R};
use super::Lower;
use crate::ast::*;

impl Lower<'_> {
    pub(super) fn service(&self, p: Pair<Rule>) -> R<Service> {
        let (span, name, body) = self.named_block(&p, |s, sspan| {
            let rule = s.as_rule();
            let mut sk = self.after_keyword(&s)?;
            Ok(match rule {
                Rule::svc_run => ServiceStmt::Run(
                    sk.rest()
                        .into_iter()
                        .map(|a| self.string(a))
                        .collect::<R<_>>()?,
                    sspan,
                ),
                Rule::svc_dir => ServiceStmt::Dir(self.string(sk.take(self)?)?, sspan),
                Rule::svc_env => {
                    let entries = self.entries(sk.rest(), |key, value, span| {
                        let value = self.value_str(value)?;
                        Ok(EnvEntry { key, value, span })
                    })?;
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
                    let within = self.quantity_after(&mut sk, Rule::k_within)?;
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
            })
        })?;
        Ok(Service { name, body, span })
    }

    pub(super) fn database(&self, p: Pair<Rule>) -> R<Database> {
        let (span, name, body) = self.named_block(&p, |s, sspan| {
            Ok(match s.as_rule() {
                Rule::db_url => DatabaseStmt::Url(self.value_str(self.sole(&s)?)?, sspan),
                Rule::db_setup => DatabaseStmt::Setup(self.sql_source(self.sole(&s)?)?, sspan),
                Rule::db_reset => DatabaseStmt::Reset(self.sql_source(self.sole(&s)?)?, sspan),
                _ => return Err(self.bad(&s)),
            })
        })?;
        Ok(Database { name, body, span })
    }

    pub(super) fn sql_source(&self, p: Pair<Rule>) -> R<SqlSource> {
        let rule = p.as_rule();
        let mut k = self.after_keyword(&p)?;
        match rule {
            Rule::sql_file => Ok(SqlSource::File(self.string(k.take(self)?)?)),
            Rule::sql_inline => Ok(SqlSource::Inline(self.code(k.take(self)?)?)),
            _ => Err(self.bad(&p)),
        }
    }
}
