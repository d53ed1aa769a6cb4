//! Diagnostics: the analysis's [`Diagnostic`]s as LSP diagnostics, grouped
//! by the file they point into.
//!
//! Each LSP diagnostic carries the code (`E2001`), the severity, the range of
//! the primary span, a message (the diagnostic's message, its primary label
//! and its help line), related information for secondary labels, and a
//! `codeDescription` link to the code's explanation. The link is a `file:`
//! URI of the explanation (the same markdown `ecsc explain` prints), written
//! once per server version under the system's temporary directory, so it
//! works offline and always matches the running binary. If it cannot be
//! written, the link is left out.

use super::super::convert;
use super::super::documents::Documents;
use super::is_stdlib;
use crate::diagnostics::{Code, Diagnostic, Diagnostics, Severity};
use crate::driver::Analysis;
use crate::source::SourceMap;
use crate::span::FileId;
use indexmap::IndexMap;
use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    Position, Range, Uri,
};
use std::collections::HashMap;
use std::path::PathBuf;

/// Links to the explanation of each code, written on first use.
#[derive(Debug, Default)]
pub struct ExplainLinks {
    links: HashMap<Code, Option<Uri>>,
}

impl ExplainLinks {
    /// The link for a code, `None` if the explanation cannot be written.
    pub fn get(&mut self, code: Code) -> Option<Uri> {
        self.links
            .entry(code)
            .or_insert_with(|| write_explanation(code))
            .clone()
    }
}

fn write_explanation(code: Code) -> Option<Uri> {
    let dir: PathBuf = std::env::temp_dir()
        .join(format!("ecsc-{}", env!("CARGO_PKG_VERSION")))
        .join("explain");
    let path = dir.join(format!("{}.md", code.as_str()));
    let text = code.explanation();
    let current = std::fs::read_to_string(&path).ok();
    if current.as_deref() != Some(text) {
        std::fs::create_dir_all(&dir).ok()?;
        std::fs::write(&path, text).ok()?;
    }
    super::super::documents::path_to_uri(&path)
}

/// The LSP diagnostics of an analysis (or of the build on save, which
/// includes them), per file: always an entry for `root`, and entries for
/// imported files that are not open themselves.
pub fn batches(
    documents: &Documents,
    root: &Uri,
    analysis: &Analysis,
    build: Option<&Diagnostics>,
    links: &mut ExplainLinks,
) -> Vec<(Uri, Vec<lsp_types::Diagnostic>)> {
    let root_file = documents
        .get(root)
        .and_then(|d| analysis.sources.find(&d.path));
    let mut by_file: IndexMap<String, (Uri, Vec<lsp_types::Diagnostic>)> = IndexMap::new();
    by_file.insert(root.as_str().into(), (root.clone(), Vec::new()));
    let all = build.unwrap_or(&analysis.diagnostics);
    for diagnostic in all {
        let file = diagnostic.primary.span.file;
        let target = if Some(file) == root_file || is_stdlib(file) {
            Some(root.clone())
        } else {
            other_file_uri(documents, &analysis.sources, file)
        };
        let Some(target) = target else { continue };
        let converted = to_lsp(diagnostic, &analysis.sources, documents, links);
        by_file
            .entry(target.as_str().into())
            .or_insert_with(|| (target.clone(), Vec::new()))
            .1
            .push(converted);
    }
    by_file.into_values().collect()
}

/// The URI of an imported file that is not open (open ones publish their own).
fn other_file_uri(documents: &Documents, sources: &SourceMap, file: FileId) -> Option<Uri> {
    let path = &sources.get(file)?.path;
    if documents.iter().any(|d| &d.path == path) {
        return None;
    }
    super::super::documents::path_to_uri(path)
}

/// One diagnostic in LSP form.
pub fn to_lsp(
    diagnostic: &Diagnostic,
    sources: &SourceMap,
    documents: &Documents,
    links: &mut ExplainLinks,
) -> lsp_types::Diagnostic {
    let span = diagnostic.primary.span;
    let range = match sources.get(span.file) {
        Some(file) if !is_stdlib(span.file) => convert::range(file, span),
        _ => Range::new(Position::new(0, 0), Position::new(0, 0)),
    };
    let mut message = diagnostic.message.clone();
    if let Some(label) = &diagnostic.primary.message {
        message.push_str(&format!("\n{label}"));
    }
    if let Some(help) = &diagnostic.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = diagnostic
        .secondary
        .iter()
        .filter(|label| !is_stdlib(label.span.file))
        .filter_map(|label| {
            let file = sources.get(label.span.file)?;
            Some(DiagnosticRelatedInformation {
                location: Location {
                    uri: documents.uri_of(&file.path)?,
                    range: convert::range(file, label.span),
                },
                message: label.message.clone().unwrap_or_default(),
            })
        })
        .collect();
    lsp_types::Diagnostic {
        range,
        severity: Some(match diagnostic.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(diagnostic.code.as_str().into())),
        code_description: links
            .get(diagnostic.code)
            .map(|href| CodeDescription { href }),
        source: Some("ecsc".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}
