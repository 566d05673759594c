//! Top-level items and the statements of services, databases and mocks.

use super::body::body;
use super::code::{self, Lang};
use super::printer::Printer;
use super::scenario;
use super::text::{self, quantity, string};
use crate::ast::*;

/// Prints every item, with a blank line between items (consecutive imports, or
/// consecutive targets, keep the source's choice).
pub(super) fn file(p: &mut Printer, f: &File) {
    let mut prev: Option<&Item> = None;
    for item in &f.items {
        if prev.is_some_and(|prev| !same_group(prev, item)) {
            p.force_blank();
        }
        match item {
            Item::Import(i) => p.line(i.span, &format!("import {}", string(&i.path))),
            Item::Target(t) => p.line(t.span, &target(t)),
            Item::Service(s) => service(p, s),
            Item::Database(d) => database(p, d),
            Item::Mock(m) => mock(p, m),
            Item::Scenario(s) => scenario::scenario(p, s),
        }
        prev = Some(item);
    }
}

fn same_group(a: &Item, b: &Item) -> bool {
    matches!(
        (a, b),
        (Item::Import(_), Item::Import(_)) | (Item::Target(_), Item::Target(_))
    )
}

fn target(t: &Target) -> String {
    match &t.name {
        Some(n) => format!("target {} {}", n.name, text::value_str(&t.url)),
        None => format!("target {}", text::value_str(&t.url)),
    }
}

fn service(p: &mut Printer, s: &Service) {
    let header = format!("service {}", s.name.name);
    p.block(s.span, s.name.span.end, &header, &s.body, service_stmt);
}

fn service_stmt(p: &mut Printer, s: &ServiceStmt) {
    match s {
        ServiceStmt::Run(args, span) => {
            let args: Vec<String> = args.iter().map(string).collect();
            p.line(*span, &format!("run {}", args.join(" ")));
        }
        ServiceStmt::Dir(d, span) => p.line(*span, &format!("dir {}", string(d))),
        ServiceStmt::Env(entries, span) => {
            let env_entry = |p: &mut Printer, e: &EnvEntry| {
                let line = format!("{} = {}", e.key.name, text::value_str(&e.value));
                p.line(e.span, &line);
            };
            p.block(*span, span.start + "env".len(), "env", entries, env_entry);
        }
        ServiceStmt::BaseUrl(u, span) => p.line(*span, &format!("base_url {}", string(u))),
        ServiceStmt::Port(port, span) => {
            let port = port.as_ref().map_or("auto".into(), quantity);
            p.line(*span, &format!("port {port}"));
        }
        ServiceStmt::Ready {
            method,
            path,
            within,
            span,
        } => {
            let mut line = format!("ready {} {}", method.name, text::path(path));
            if let Some(w) = within {
                line.push_str(&format!(" within {}", quantity(w)));
            }
            p.line(*span, &line);
        }
        ServiceStmt::Grace(q, span) => p.line(*span, &format!("grace {}", quantity(q))),
        ServiceStmt::Log(l, span) => p.line(*span, &format!("log {}", string(l))),
    }
}

fn database(p: &mut Printer, d: &Database) {
    let header = format!("database {}", d.name.name);
    p.block(d.span, d.name.span.end, &header, &d.body, |p, s| {
        let (keyword, src, span) = match s {
            DatabaseStmt::Url(u, span) => {
                return p.line(*span, &format!("url {}", text::value_str(u)));
            }
            DatabaseStmt::Setup(src, span) => ("setup", src, span),
            DatabaseStmt::Reset(src, span) => ("reset", src, span),
        };
        p.leaf_upto(*span, span.end, |p| match src {
            SqlSource::File(f) => p.push(&format!("{keyword} file {}", string(f))),
            SqlSource::Inline(c) => {
                p.push(&format!("{keyword} sql "));
                code::print(p, c, Lang::Sql);
            }
        });
    });
}

fn mock(p: &mut Printer, m: &Mock) {
    let header = format!("mock {}", m.name.name);
    p.block(m.span, m.name.span.end, &header, &m.body, |p, s| match s {
        MockStmt::Latency(d, span) => p.line(*span, &format!("latency {}", text::distribution(d))),
        MockStmt::Fault(f) => p.line(f.span, &text::fault(f)),
        MockStmt::Seed(q, span) => p.line(*span, &format!("seed {}", quantity(q))),
        MockStmt::Host(h, span) => p.line(*span, &format!("host {}", string(h))),
        MockStmt::Route(r) => route(p, r),
        MockStmt::CallExpect(c) => p.line(c.span, &text::call_expect(c)),
    });
}

fn route(p: &mut Printer, r: &Route) {
    let header = format!("on {} {}", r.method.name, text::path(&r.path));
    p.block(r.span, r.path.span.end, &header, &r.body, |p, s| match s {
        RouteStmt::When(m) => p.line(m.span(), &format!("when {}", matcher(m))),
        RouteStmt::Response(r) => response_stmt(p, r),
        RouteStmt::Sequence(seq) => {
            let header = format!("{} {}", seq.keyword.name, seq.range);
            let end = seq.range_span.end;
            p.block(seq.span, end, &header, &seq.body, response_stmt);
        }
        RouteStmt::CallExpect(c) => p.line(c.span, &text::call_expect(c)),
    });
}

fn matcher(m: &Matcher) -> String {
    match m {
        Matcher::Query(n, pr, _) => {
            format!("query {} {}", text::name_or_str(n), text::predicate(pr))
        }
        Matcher::Header(n, pr, _) => {
            format!("header {} {}", text::name_or_str(n), text::predicate(pr))
        }
        Matcher::Json(path, pr, _) => format!("json {} {}", string(path), text::predicate(pr)),
        Matcher::Body(pr, _) => format!("body {}", text::predicate(pr)),
    }
}

fn response_stmt(p: &mut Printer, r: &ResponseStmt) {
    match r {
        ResponseStmt::Status(q, span) => p.line(*span, &format!("status {}", quantity(q))),
        ResponseStmt::Header(n, v, span) => {
            let line = format!("header {} {}", text::name_or_str(n), string(v));
            p.line(*span, &line);
        }
        ResponseStmt::Body(b) => body(p, b),
        ResponseStmt::Latency(d, span) => {
            p.line(*span, &format!("latency {}", text::distribution(d)));
        }
        ResponseStmt::Fault(f) => p.line(f.span, &text::fault(f)),
    }
}
