//! Rendering diagnostics for people: miette's graphical report, with or without colour.

use miette::{GraphicalReportHandler, GraphicalTheme, Report};

/// How diagnostics are drawn.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    pub width: usize,
}

impl Style {
    /// Plain unicode at a fixed width: stable output for snapshots.
    pub fn plain(width: usize) -> Self {
        Style {
            color: false,
            width,
        }
    }
}

/// Renders one diagnostic to text.
pub fn render(report: &Report, style: Style) -> String {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false);
    let mut out = String::new();
    if handler.render_report(&mut out, report.as_ref()).is_err() {
        out = format!("{report:?}");
    }
    out
}
