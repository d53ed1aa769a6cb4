//! Request handlers, one module per feature, and the dispatch table.
//!
//! A handler is a plain function `fn(&World, Params) -> Outcome<Result>`.
//! Requests for documents that are not open, or for positions past the end
//! of a document, get empty results; parameters that do not fit the method
//! get `InvalidParams`; unknown methods get `MethodNotFound`.

pub mod code_action;
pub mod completion;
pub mod definition;
pub mod diagnostics;
pub mod folding;
pub mod formatting;
pub mod hover;
pub mod rename;
pub mod semantic_tokens;
pub mod symbols;

use super::convert;
use super::documents::Documents;
use super::transport;
use crate::driver::Analysis;
use crate::source::SourceFile;
use crate::span::{FileId, Span};
use crate::syntax::ast;
use lsp_server::{ErrorCode, Request, Response};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, CompletionOptions,
    FoldingRangeProviderCapability, HoverProviderCapability, InitializeResult, Location, OneOf,
    Position, PositionEncodingKind, Range, RenameOptions, SaveOptions, ServerCapabilities,
    ServerInfo, TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, Uri, WorkDoneProgressOptions,
};
use std::collections::HashMap;

/// Why a request failed.
#[derive(Debug)]
pub struct Failure {
    /// The JSON-RPC error code.
    pub code: ErrorCode,
    /// What to tell the user.
    pub message: String,
}

/// What a handler returns.
pub type Outcome<T> = Result<T, Failure>;

/// The state handlers read: open documents and their fresh analyses.
pub struct World<'a> {
    /// The open documents.
    pub documents: &'a Documents,
    /// The analysis of each open document (as the root of its program),
    /// keyed by the text of its URI.
    pub analyses: HashMap<String, &'a Analysis>,
}

impl World<'_> {
    /// The context for a request about `uri`; `None` if it is not open.
    pub fn ctx(&self, uri: &Uri) -> Option<Ctx<'_>> {
        let analysis = *self.analyses.get(uri.as_str())?;
        let document = self.documents.get(uri)?;
        let file = analysis.sources.find(&document.path)?;
        let source = analysis.sources.get(file)?;
        let ast = analysis
            .files
            .iter()
            .find(|(id, _)| *id == file)
            .map(|(_, ast)| ast)?;
        Some(Ctx {
            analysis,
            file,
            source,
            ast,
            documents: self.documents,
        })
    }
}

/// One open document with its analysis.
pub struct Ctx<'a> {
    /// The analysis of the program rooted at the document.
    pub analysis: &'a Analysis,
    /// The document's file in the analysis.
    pub file: FileId,
    /// Its text and line index.
    pub source: &'a SourceFile,
    /// Its syntax tree.
    pub ast: &'a ast::File,
    /// All open documents (for URIs of other files).
    pub documents: &'a Documents,
}

impl Ctx<'_> {
    /// The byte offset of a position, `None` past the end.
    pub fn offset(&self, position: Position) -> Option<u32> {
        convert::offset(self.source, position)
    }

    /// The range of a span of this document.
    pub fn range(&self, span: Span) -> Range {
        convert::range(self.source, span)
    }

    /// The location of a span in any user file of the program (not the stdlib).
    pub fn location(&self, span: Span) -> Option<Location> {
        if is_stdlib(span.file) {
            return None;
        }
        let file = self.analysis.sources.get(span.file)?;
        let uri = self.documents.uri_of(&file.path)?;
        Some(Location {
            uri,
            range: convert::range(file, span),
        })
    }

    /// A span of this document without the whitespace and commas the
    /// grammar lets statements swallow at their end.
    pub fn trim(&self, span: Span) -> Span {
        let text = self.source.slice(span);
        let kept = text.trim_end_matches(|c: char| c.is_whitespace() || c == ',');
        Span {
            end: span.start + u32::try_from(kept.len()).unwrap_or(0),
            ..span
        }
    }

    /// The document's text.
    pub fn text(&self) -> &str {
        &self.source.text
    }
}

/// True for the embedded stdlib files (the first ids of every source map).
pub fn is_stdlib(file: FileId) -> bool {
    (file.0 as usize) < crate::stdlib::FILES.len()
}

/// Answers one request.
pub fn dispatch(world: &World, request: Request) -> Response {
    match request.method.as_str() {
        req::HoverRequest::METHOD => on::<req::HoverRequest>(world, request, hover::hover),
        req::GotoDefinition::METHOD => {
            on::<req::GotoDefinition>(world, request, definition::definition)
        }
        req::References::METHOD => on::<req::References>(world, request, definition::references),
        req::PrepareRenameRequest::METHOD => {
            on::<req::PrepareRenameRequest>(world, request, rename::prepare)
        }
        req::Rename::METHOD => on::<req::Rename>(world, request, rename::rename),
        req::Completion::METHOD => on::<req::Completion>(world, request, completion::completion),
        req::DocumentSymbolRequest::METHOD => {
            on::<req::DocumentSymbolRequest>(world, request, symbols::document_symbols)
        }
        req::FoldingRangeRequest::METHOD => {
            on::<req::FoldingRangeRequest>(world, request, folding::folding_ranges)
        }
        req::Formatting::METHOD if formatting::AVAILABLE => {
            on::<req::Formatting>(world, request, formatting::format)
        }
        req::SemanticTokensFullRequest::METHOD => {
            on::<req::SemanticTokensFullRequest>(world, request, semantic_tokens::semantic_tokens)
        }
        req::CodeActionRequest::METHOD => {
            on::<req::CodeActionRequest>(world, request, code_action::code_actions)
        }
        _ => transport::error_response(
            request.id,
            ErrorCode::MethodNotFound,
            format!("unknown method `{}`", request.method),
        ),
    }
}

fn on<R: req::Request>(
    world: &World,
    request: Request,
    handler: fn(&World, R::Params) -> Outcome<R::Result>,
) -> Response {
    let params = match serde_json::from_value::<R::Params>(request.params) {
        Ok(params) => params,
        Err(error) => {
            return transport::error_response(
                request.id,
                ErrorCode::InvalidParams,
                format!("invalid parameters for `{}`: {error}", R::METHOD),
            );
        }
    };
    match handler(world, params) {
        Ok(result) => transport::ok_response(request.id, result),
        Err(failure) => transport::error_response(request.id, failure.code, failure.message),
    }
}

/// What the server can do.
pub fn initialize_result() -> InitializeResult {
    let capabilities = ServerCapabilities {
        position_encoding: Some(PositionEncodingKind::UTF16),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into()]),
            ..CompletionOptions::default()
        }),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        document_symbol_provider: Some(OneOf::Left(true)),
        folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
        semantic_tokens_provider: Some(
            lsp_types::SemanticTokensOptions {
                legend: semantic_tokens::legend(),
                full: Some(lsp_types::SemanticTokensFullOptions::Bool(true)),
                ..lsp_types::SemanticTokensOptions::default()
            }
            .into(),
        ),
        document_formatting_provider: formatting::AVAILABLE.then_some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        ..ServerCapabilities::default()
    };
    InitializeResult {
        capabilities,
        server_info: Some(ServerInfo {
            name: "ecsc".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
    }
}
