//! Rendering diagnostics for people (miette) and machines (JSON).
//!
//! This is the only module that names miette. The LSP converts diagnostics
//! itself in `lsp/`.

use super::{Diagnostic, Diagnostics, Severity};
use crate::source::SourceMap;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use serde::Serialize;
use std::fmt;

/// A diagnostic paired with its sources, as miette wants it.
struct Rendered<'a> {
    diag: &'a Diagnostic,
    source: NamedSource<String>,
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl std::error::Error for Rendered<'_> {}

fn source_span(span: crate::span::Span) -> SourceSpan {
    SourceSpan::new((span.start as usize).into(), span.len())
}

impl miette::Diagnostic for Rendered<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diag.code.as_str()))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let explain = format!("run `ecsc explain {}`", self.diag.code);
        Some(Box::new(match &self.diag.help {
            Some(help) => format!("{help}\n{explain}"),
            None => explain,
        }))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let file = self.diag.primary.span.file;
        let primary = LabeledSpan::new_primary_with_span(
            self.diag.primary.message.clone(),
            source_span(self.diag.primary.span),
        );
        let secondary = self
            .diag
            .secondary
            .iter()
            .filter(move |label| label.span.file == file)
            .map(|label| {
                LabeledSpan::new_with_span(label.message.clone(), source_span(label.span))
            });
        Some(Box::new(std::iter::once(primary).chain(secondary)))
    }
}

/// Renders one diagnostic for a terminal; `color` only when writing to a TTY.
pub fn human(diag: &Diagnostic, sources: &SourceMap, color: bool, width: usize) -> String {
    let (name, text) = sources
        .get(diag.primary.span.file)
        .map(|file| (file.path.display().to_string(), file.text.to_string()))
        .unwrap_or_default();
    let rendered = Rendered {
        diag,
        source: NamedSource::new(name, text),
    };
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false);
    let mut out = String::new();
    if handler.render_report(&mut out, &rendered).is_err() {
        out = format!(
            "{}[{}]: {}\n",
            severity_word(diag.severity),
            diag.code,
            diag.message
        );
    }
    out
}

/// Renders all diagnostics, one after another.
pub fn human_all(diags: &Diagnostics, sources: &SourceMap, color: bool) -> String {
    diags
        .iter()
        .map(|diag| human(diag, sources, color, 100))
        .collect::<Vec<_>>()
        .join("")
}

fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// A position range in the JSON output (1-based lines and columns).
#[derive(Debug, Serialize)]
pub struct JsonRange {
    /// File path.
    pub file: String,
    /// Start line.
    pub line: u32,
    /// Start column.
    pub column: u32,
    /// End line.
    pub end_line: u32,
    /// End column.
    pub end_column: u32,
}

/// A label in the JSON output.
#[derive(Debug, Serialize)]
pub struct JsonLabel {
    /// What the label says.
    pub message: Option<String>,
    /// Where.
    #[serde(flatten)]
    pub range: JsonRange,
}

/// A suggested edit in the JSON output.
#[derive(Debug, Serialize)]
pub struct JsonSuggestion {
    /// What the fix does.
    pub title: String,
    /// The new text.
    pub replacement: String,
    /// The text to replace.
    #[serde(flatten)]
    pub range: JsonRange,
}

/// One diagnostic in the JSON output of `--format json`.
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic {
    /// Stable code.
    pub code: String,
    /// `error` or `warning`.
    pub severity: Severity,
    /// The message.
    pub message: String,
    /// Primary range.
    #[serde(flatten)]
    pub range: JsonRange,
    /// Secondary labels (the primary label's text is the first entry when present).
    pub labels: Vec<JsonLabel>,
    /// Help line.
    pub help: Option<String>,
    /// Machine-applicable fix.
    pub suggestion: Option<JsonSuggestion>,
}

fn json_range(span: crate::span::Span, sources: &SourceMap) -> JsonRange {
    let (file, start, end) = match sources.get(span.file) {
        Some(source) => (
            source.path.display().to_string(),
            source.line_col(span.start),
            source.line_col(span.end),
        ),
        None => {
            let zero = crate::source::LineCol { line: 1, column: 1 };
            (String::new(), zero, zero)
        }
    };
    JsonRange {
        file,
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
    }
}

/// Converts one diagnostic to its JSON form.
pub fn to_json(diag: &Diagnostic, sources: &SourceMap) -> JsonDiagnostic {
    let primary_label = diag.primary.message.as_ref().map(|message| JsonLabel {
        message: Some(message.clone()),
        range: json_range(diag.primary.span, sources),
    });
    let labels = primary_label
        .into_iter()
        .chain(diag.secondary.iter().map(|label| JsonLabel {
            message: label.message.clone(),
            range: json_range(label.span, sources),
        }))
        .collect();
    JsonDiagnostic {
        code: diag.code.as_str().to_string(),
        severity: diag.severity,
        message: diag.message.clone(),
        range: json_range(diag.primary.span, sources),
        labels,
        help: diag.help.clone(),
        suggestion: diag.suggestion.as_ref().map(|s| JsonSuggestion {
            title: s.title.clone(),
            replacement: s.replacement.clone(),
            range: json_range(s.span, sources),
        }),
    }
}

/// All diagnostics as a JSON array (pretty, one run's worth).
pub fn json_all(diags: &Diagnostics, sources: &SourceMap) -> String {
    let list: Vec<JsonDiagnostic> = diags.iter().map(|d| to_json(d, sources)).collect();
    serde_json::to_string_pretty(&list).unwrap_or_else(|_| "[]".to_string())
}
