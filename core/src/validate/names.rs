//! The program-wide namespace: every file's blocks are visible everywhere. Services and
//! targets share one namespace (a scenario's `against` names either).

use std::collections::HashMap;

use crate::ast::{self, Span};

use super::{Cx, Diag, Kind};

/// A declared name and where.
#[derive(Debug, Clone)]
pub(crate) struct Decl {
    pub name: String,
    /// `service`, `target`, `mock`, `database` or `scenario`.
    pub what: &'static str,
    pub file: usize,
    pub span: Span,
}

/// Every declared block name, in source order.
#[derive(Debug, Default)]
pub(crate) struct Names {
    /// Services and targets (an unnamed target is called `target`).
    pub targets: Vec<Decl>,
    pub mocks: Vec<Decl>,
    pub databases: Vec<Decl>,
    pub scenarios: Vec<Decl>,
    /// (namespace, name) → index in its list, so that large programs stay fast.
    index: HashMap<(Namespace, String), usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Namespace {
    Targets,
    Mocks,
    Databases,
    Scenarios,
}

impl Names {
    /// Collects the names of all files, reporting duplicates.
    pub(super) fn collect(cx: &mut Cx) -> Names {
        let mut names = Names::default();
        for file in 0..cx.program.files.len() {
            cx.file = file;
            let program = cx.program;
            for item in &program.files[file].ast.items {
                names.add(cx, item);
            }
        }
        cx.file = 0;
        names
    }

    fn add(&mut self, cx: &mut Cx, item: &ast::Item) {
        use Namespace as N;
        let (ns, name, span, what) = match item {
            ast::Item::Import(_) => return,
            ast::Item::Service(s) => (N::Targets, s.name.name.as_str(), s.name.span, "service"),
            ast::Item::Target(t) => match &t.name {
                Some(n) => (N::Targets, n.name.as_str(), n.span, "target"),
                None => (N::Targets, DEFAULT_TARGET, cx.head(t.span), "target"),
            },
            ast::Item::Mock(m) => (N::Mocks, m.name.name.as_str(), m.name.span, "mock"),
            ast::Item::Database(d) => (N::Databases, d.name.name.as_str(), d.name.span, "database"),
            ast::Item::Scenario(s) => (N::Scenarios, s.name.name.as_str(), s.name.span, "scenario"),
        };
        let key = (ns, name.to_string());
        if let Some(first) = self.index.get(&key).map(|&i| &self.list(ns)[i]) {
            let message = format!(
                "the {what} name `{name}` is already taken by the {} at {}",
                first.what,
                cx.place(first.file, first.span)
            );
            let help = if what == "target" && name == DEFAULT_TARGET {
                "give each target a name: `target staging \"http://...\"`".to_string()
            } else {
                format!("rename one of them; names of {what}s must be unique")
            };
            let d = Diag::new(Kind::DuplicateName, span, message, "defined again here");
            cx.report(d.help(help));
            return;
        }
        let decl = Decl {
            name: name.to_string(),
            what,
            file: cx.file,
            span,
        };
        let list = match ns {
            N::Targets => &mut self.targets,
            N::Mocks => &mut self.mocks,
            N::Databases => &mut self.databases,
            N::Scenarios => &mut self.scenarios,
        };
        self.index.insert(key, list.len());
        list.push(decl);
    }

    fn list(&self, ns: Namespace) -> &[Decl] {
        match ns {
            Namespace::Targets => &self.targets,
            Namespace::Mocks => &self.mocks,
            Namespace::Databases => &self.databases,
            Namespace::Scenarios => &self.scenarios,
        }
    }

    pub(super) fn mock_names(&self) -> Vec<&str> {
        self.mocks.iter().map(|d| d.name.as_str()).collect()
    }

    pub(super) fn database_names(&self) -> Vec<&str> {
        self.databases.iter().map(|d| d.name.as_str()).collect()
    }

    pub(super) fn has_mock(&self, name: &str) -> bool {
        self.index
            .contains_key(&(Namespace::Mocks, name.to_string()))
    }

    pub(super) fn has_database(&self, name: &str) -> bool {
        self.index
            .contains_key(&(Namespace::Databases, name.to_string()))
    }
}

/// The name of an unnamed `target`.
pub(crate) const DEFAULT_TARGET: &str = "target";
