//! AST → typed `model`, collecting every error in one pass: a mistake in one statement
//! never stops the checks of the next one. No I/O: data and SQL files are only named.
//!
//! Submodules follow the program's blocks; `names` holds the program-wide namespace,
//! `vars` the `{{ }}` scopes, `values` the pieces shared by every block.

mod dist;
mod error;
mod fault;
mod hook;
mod json;
mod limits;
mod load;
mod mock;
mod names;
mod response;
mod scenario;
mod service;
mod step;
mod values;
mod vars;

use crate::ast::{self, Span};
use crate::loader::Program;
use crate::model::{Model, Origin};
use crate::source::SourceFile;
use crate::units::{UnitError, UnitErrorKind};

use error::Detail;
pub use error::{Kind, ValidateError};
use names::Names;

/// What one run takes from several root files at once must agree between them: one mock
/// per name (a run serves a mock once, as `<NAME>_URL`), one mock per proxied host. Returns
/// every disagreement, placed at the second definition with the first one named.
pub(crate) fn across_programs(programs: &[(&Program, &Model)]) -> Vec<ValidateError> {
    let mut errors = Vec::new();
    let mut seen: Vec<(&Program, &crate::model::Mock)> = Vec::new();
    let place = |p: &Program, o: crate::model::Origin| {
        let source = &p.files[o.file].source;
        let line = source
            .text
            .get(..o.span.start)
            .map_or(1, |t| t.matches('\n').count() + 1);
        format!("{}:{line}", source.name)
    };
    for (program, model) in programs {
        for mock in &model.mocks {
            let clash = seen.iter().find(|(_, m)| m.name == mock.name && *m != mock);
            if let Some((first_program, first)) = clash {
                let message = format!(
                    "two different mocks are named `{}`: the other is at {}",
                    mock.name,
                    place(first_program, first.origin)
                );
                let help = "a run serves one mock per name (it becomes `<NAME>_URL`): rename \
                            one, or define it once in a file both import";
                let head = head_of(program, mock.origin);
                errors.push(detail(program, head, Kind::DuplicateName, message, help));
                continue;
            }
            for h in &mock.hosts {
                let other = seen.iter().find_map(|(p, m)| {
                    let same =
                        m.name != mock.name && m.hosts.iter().any(|x| x.pattern == h.pattern);
                    same.then(|| (m.name.clone(), place(p, m.origin)))
                });
                if let Some((name, at)) = other {
                    let message = format!(
                        "the host `{}` is already answered by mock `{name}` at {at}",
                        h.pattern
                    );
                    let help = "a host belongs to one mock: remove it from one of them";
                    errors.push(detail(
                        program,
                        h.origin,
                        Kind::DuplicateName,
                        message,
                        help,
                    ));
                }
            }
            seen.push((program, mock));
        }
    }
    errors
}

/// The first line of a block (`mock pricing`), up to its `{`.
fn head_of(program: &Program, o: crate::model::Origin) -> crate::model::Origin {
    let text = program.files[o.file].source.text.as_str();
    let block = text.get(o.span.start..o.span.end).unwrap_or_default();
    let len = block.find(['{', '\n']).unwrap_or(block.len());
    let len = block[..len].trim_end().len();
    crate::model::Origin {
        file: o.file,
        span: Span::new(o.span.start, o.span.start + len),
    }
}

/// An error at `origin` of `program`, labelled as defined again.
fn detail(
    program: &Program,
    origin: crate::model::Origin,
    kind: Kind,
    message: String,
    help: &str,
) -> ValidateError {
    let d = Detail {
        message,
        src: program.files[origin.file].source.named(),
        span: origin.span,
        label: "defined again here".into(),
        help: Some(help.into()),
    };
    ValidateError::new(kind, d)
}

/// Validates a loaded program into its model, or returns every error found.
pub fn validate(program: &Program) -> Result<Model, Vec<ValidateError>> {
    let mut cx = Cx {
        program,
        file: 0,
        errors: Vec::new(),
    };
    let names = Names::collect(&mut cx);
    let mut model = Model::default();
    for (index, file) in program.files.iter().enumerate() {
        cx.file = index;
        for item in &file.ast.items {
            item_into(&mut cx, &names, item, &mut model);
        }
    }
    mock::shared_hosts(&mut cx, &model.mocks);
    if cx.errors.is_empty() {
        return Ok(model);
    }
    // In reading order: by file, then by position (a stable sort keeps simultaneous ones).
    cx.errors
        .sort_by_key(|(file, e)| (*file, e.span().map_or(0, |s| s.offset())));
    Err(cx.errors.into_iter().map(|(_, e)| e).collect())
}

fn item_into(cx: &mut Cx, names: &Names, item: &ast::Item, model: &mut Model) {
    let (errors, before) = (cx.errors.len(), blocks(model));
    match item {
        ast::Item::Import(_) => return,
        ast::Item::Service(s) => model.services.extend(service::service(cx, names, s)),
        ast::Item::Target(t) => model.targets.extend(service::target(cx, t)),
        ast::Item::Database(d) => model.databases.extend(service::database(cx, d)),
        ast::Item::Mock(m) => model.mocks.extend(mock::mock(cx, m)),
        ast::Item::Scenario(s) => model.scenarios.extend(scenario::scenario(cx, names, s)),
    }
    // A block is left out of the model only when an error says why.
    debug_assert!(
        blocks(model) > before || cx.errors.len() > errors,
        "a block was dropped without an error"
    );
}

fn blocks(m: &Model) -> usize {
    m.services.len() + m.targets.len() + m.mocks.len() + m.databases.len() + m.scenarios.len()
}

/// The validation context: the program, the file being read, the errors so far.
pub(crate) struct Cx<'p> {
    pub program: &'p Program,
    /// Index of the current file in `program.files`.
    pub file: usize,
    /// Errors with the index of their file.
    pub errors: Vec<(usize, ValidateError)>,
}

impl Cx<'_> {
    pub(crate) fn source(&self) -> &SourceFile {
        &self.program.files[self.file].source
    }

    pub(crate) fn report(&mut self, d: Diag) {
        let detail = Detail {
            message: d.message,
            src: self.source().named(),
            span: d.span,
            label: d.label,
            help: d.help,
        };
        self.errors
            .push((self.file, ValidateError::new(d.kind, detail)));
    }

    pub(crate) fn origin(&self, span: Span) -> Origin {
        Origin {
            file: self.file,
            span,
        }
    }

    /// "line 3", or "line 3 of `mocks.perf`" when `file` is not the current file.
    pub(crate) fn place(&self, file: usize, span: Span) -> String {
        let source = &self.program.files[file].source;
        let text = source.text.as_str();
        let line = text
            .get(..span.start)
            .map_or(1, |t| t.matches('\n').count() + 1);
        if file == self.file {
            format!("line {line}")
        } else {
            format!("line {line} of `{}`", source.name)
        }
    }

    /// The span of the first word of a statement (its keyword), for statements that
    /// run over several lines.
    pub(crate) fn head(&self, span: Span) -> Span {
        let text = self.source().text.as_str();
        let Some(rest) = text.get(span.start..span.end) else {
            return span;
        };
        let len = match rest.find(|c: char| c.is_whitespace() || c == '{' || c == '(') {
            Some(0) => rest.chars().next().map_or(0, char::len_utf8),
            Some(n) => n,
            None => rest.len(),
        };
        Span::new(span.start, span.start + len)
    }

    /// The source text under a span.
    pub(crate) fn text(&self, span: Span) -> &str {
        self.source().text.get(span.start..span.end).unwrap_or("")
    }

    /// Reports a unit error; the value when there is none.
    pub(crate) fn unit<T>(&mut self, r: Result<T, UnitError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                let kind = match e.kind {
                    UnitErrorKind::BadUnit => Kind::BadUnit,
                    UnitErrorKind::UnitMismatch => Kind::UnitMismatch,
                    UnitErrorKind::OutOfRange => Kind::OutOfRange,
                    UnitErrorKind::BadValue => Kind::BadValue,
                };
                let mut d = Diag::new(kind, e.span, e.message, e.label);
                d.help = e.help;
                self.report(d);
                None
            }
        }
    }
}

/// An error being built.
pub(crate) struct Diag {
    kind: Kind,
    span: Span,
    message: String,
    label: String,
    help: Option<String>,
}

impl Diag {
    pub(crate) fn new(
        kind: Kind,
        span: Span,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> Self {
        Diag {
            kind,
            span,
            message: message.into(),
            label: label.into(),
            help: None,
        }
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// A setting that may be written once per block (`load`, `run`, `status`, ...).
pub(crate) struct Setting<T> {
    what: &'static str,
    first: Option<Span>,
    value: Option<T>,
}

impl<T> Setting<T> {
    pub(crate) fn new(what: &'static str) -> Self {
        Setting {
            what,
            first: None,
            value: None,
        }
    }

    /// Records the setting written at `span` (value None: it was invalid and reported);
    /// a second one is a `duplicate_setting` error.
    pub(crate) fn set(&mut self, cx: &mut Cx, span: Span, value: Option<T>) {
        if let Some(first) = self.first {
            let head = cx.head(span);
            let message = format!(
                "`{}` is set twice; it was first set at {}",
                self.what,
                cx.place(cx.file, first)
            );
            let label = format!("second `{}`", self.what);
            cx.report(
                Diag::new(Kind::DuplicateSetting, head, message, label)
                    .help(format!("keep one `{}`", self.what)),
            );
            return;
        }
        self.first = Some(span);
        self.value = value;
    }

    pub(crate) fn is_set(&self) -> bool {
        self.first.is_some()
    }

    pub(crate) fn value(self) -> Option<T> {
        self.value
    }
}

/// Quotes a list of names for messages: "`a`, `b` or `c`".
pub(crate) fn one_of<S: AsRef<str>>(names: &[S], conj: &str) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{}`", n.as_ref())).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, init)) => format!("{} {conj} {last}", init.join(", ")),
    }
}

/// "did you mean `x`?" when a candidate is close to `word`.
pub(crate) fn suggestion<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    crate::suggest::did_you_mean(word, candidates).map(|s| format!("did you mean `{s}`?"))
}
