//! Rendering diagnostics for people (miette) and machines (JSON).
//!
//! This is the only module that names miette. The LSP converts diagnostics
//! itself in `lsp/`.

use super::{Diagnostic, Diagnostics, Severity};
use crate::source::SourceMap;
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceSpan, SpanContents,
};
use serde::Serialize;
use std::fmt;

/// A diagnostic paired with its sources, as miette wants it.
struct Rendered<'a> {
    diag: &'a Diagnostic,
    source: Window,
}

/// The lines of a file around the spans of one diagnostic. miette scans a
/// source from its start to find lines, so handing it the whole file made
/// rendering many diagnostics of a large file quadratic; a window keeps each
/// one proportional to the lines it shows.
struct Window {
    name: String,
    text: String,
    /// Byte offset of the window in the file.
    offset: usize,
    /// 0-based line number of the window's first line.
    first_line: usize,
}

/// Lines of context kept around the spans (miette shows one).
const WINDOW_CONTEXT_LINES: usize = 2;

impl Window {
    fn new(file: Option<&crate::source::SourceFile>, spans: &[crate::span::Span]) -> Self {
        let Some(file) = file else {
            return Window {
                name: String::new(),
                text: String::new(),
                offset: 0,
                first_line: 0,
            };
        };
        let text: &str = &file.text;
        let clamp = |offset: u32| {
            let mut offset = (offset as usize).min(text.len());
            while !text.is_char_boundary(offset) {
                offset -= 1;
            }
            offset
        };
        let low = spans.iter().map(|s| clamp(s.start)).min().unwrap_or(0);
        let high = spans
            .iter()
            .map(|s| clamp(s.end))
            .max()
            .unwrap_or(0)
            .max(low);
        let line_start = |at: usize| {
            text.get(..at)
                .and_then(|before| before.rfind('\n'))
                .map_or(0, |newline| newline + 1)
        };
        let line_end = |at: usize| {
            text.get(at..)
                .and_then(|after| after.find('\n'))
                .map_or(text.len(), |newline| at + newline + 1)
        };
        let mut start = line_start(low);
        let mut end = line_end(high);
        for _ in 0..WINDOW_CONTEXT_LINES {
            if start > 0 {
                start = line_start(start - 1);
            }
            if end < text.len() {
                end = line_end(end);
            }
        }
        Window {
            name: file.path.display().to_string(),
            text: text.get(start..end).unwrap_or("").to_string(),
            offset: start,
            first_line: (file.line_col(u32::try_from(start).unwrap_or(u32::MAX)).line as usize)
                .saturating_sub(1),
        }
    }

    /// A file span as a span of the window.
    fn span(&self, span: crate::span::Span) -> SourceSpan {
        let start = (span.start as usize)
            .saturating_sub(self.offset)
            .min(self.text.len());
        let len = span.len().min(self.text.len() - start);
        SourceSpan::new(start.into(), len)
    }
}

impl miette::SourceCode for Window {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner =
            self.text
                .as_str()
                .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line,
            inner.column(),
            inner.line_count(),
        )))
    }
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
            self.source.span(self.diag.primary.span),
        );
        let secondary = self
            .diag
            .secondary
            .iter()
            .filter(move |label| label.span.file == file)
            .map(|label| {
                LabeledSpan::new_with_span(label.message.clone(), self.source.span(label.span))
            });
        Some(Box::new(std::iter::once(primary).chain(secondary)))
    }
}

/// Renders one diagnostic for a terminal; `color` only when writing to a TTY.
pub fn human(diag: &Diagnostic, sources: &SourceMap, color: bool, width: usize) -> String {
    let file = diag.primary.span.file;
    let spans: Vec<crate::span::Span> = std::iter::once(diag.primary.span)
        .chain(
            diag.secondary
                .iter()
                .map(|label| label.span)
                .filter(|span| span.file == file),
        )
        .collect();
    let rendered = Rendered {
        diag,
        source: Window::new(sources.get(file), &spans),
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
