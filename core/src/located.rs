//! The one shape of a diagnostic found in a file's text, shared by `validate` (`.perf`
//! meaning errors) and `config` (`perf_config.json` mistakes): a message, the file, one
//! labelled span, a help line, and a stable code per kind.

use std::sync::Arc;

use miette::NamedSource;

use crate::ast::Span;

/// The parts of a located error, before its kind picks the variant.
pub(crate) struct Detail {
    pub message: String,
    pub src: NamedSource<Arc<String>>,
    pub span: Span,
    pub label: String,
    pub help: Option<String>,
}

/// Declares an error enum with one located variant per kind (`Name => code(...)`), after
/// any `extra` variants written out in full; the matching kind enum (the same names, as
/// data); and `new`, `kind` and `span` on the error (`None` for the extra variants).
/// Each kind's `///` lines document both its error variant and its kind variant; the
/// fields of the located variants are documented here, once.
macro_rules! located_errors {
    (
        $(#[$meta:meta])*
        pub enum $error:ident / $kind:ident {
            extra { $($extra:tt)* }
            $( $(#[doc = $doc:literal])* $variant:ident => code($($code:tt)+); )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, thiserror::Error, miette::Diagnostic)]
        pub enum $error {
            $($extra)*
            $(
                $(#[doc = $doc])*
                #[error("{message}")]
                #[diagnostic(code($($code)+))]
                $variant {
                    /// The one-line message that heads the diagnostic: what is wrong.
                    message: String,
                    /// The file the error is in, with its name as shown and its whole text.
                    #[source_code]
                    src: miette::NamedSource<std::sync::Arc<String>>,
                    /// The byte offset and length, in the file's text, of what is wrong;
                    /// the caret goes under it.
                    #[label("{label}")]
                    span: miette::SourceSpan,
                    /// The short text shown at the caret.
                    label: String,
                    /// How to fix it (often "did you mean"); `None` when there is no
                    /// useful advice.
                    #[help]
                    help: Option<String>,
                },
            )*
        }

        #[doc = concat!("The kind of a located `", stringify!($error), "`, without its data.")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $kind {
            $(
                $(#[doc = $doc])*
                #[doc = ""]
                #[doc = concat!(
                    "The kind of `", stringify!($error), "::", stringify!($variant), "`."
                )]
                $variant,
            )*
        }

        impl $error {
            pub(crate) fn new(kind: $kind, d: $crate::located::Detail) -> Self {
                let $crate::located::Detail { message, src, span, label, help } = d;
                let span: miette::SourceSpan = span.into();
                match kind {
                    $( $kind::$variant => $error::$variant { message, src, span, label, help }, )*
                }
            }

            /// The kind of a located error; `None` for the others.
            #[allow(unreachable_patterns)]
            pub fn kind(&self) -> Option<$kind> {
                match self {
                    $( $error::$variant { .. } => Some($kind::$variant), )*
                    _ => None,
                }
            }

            /// The labelled span (byte offset and length in the file), if located.
            #[allow(unreachable_patterns)]
            pub fn span(&self) -> Option<miette::SourceSpan> {
                match self {
                    $( $error::$variant { span, .. } => Some(*span), )*
                    _ => None,
                }
            }
        }
    };
}

pub(crate) use located_errors;
