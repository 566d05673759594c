//! The Markdown report (`perf_report.md`) through handlebars, JUnit XML, and the GitHub
//! step summary. Units and rounding are computed here in Rust (the view model); the
//! templates only lay them out.
