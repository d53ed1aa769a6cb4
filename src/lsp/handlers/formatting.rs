//! Formatting (whole document) with `ecsc fmt`'s formatter ([`crate::fmt`]).
//!
//! The answer is one edit that replaces the whole text, or no edit when the
//! text is already canonical. A document with syntax errors is left alone
//! (no edits: its diagnostics already say what is wrong); a formatter bug
//! fails the request with its message.

use super::super::transport;
use super::{Failure, Outcome, World};
use crate::fmt::{self, FormatError};
use crate::span::Span;
use lsp_server::ErrorCode;
use lsp_types::{DocumentFormattingParams, TextEdit};

/// Whether the server offers formatting.
pub const AVAILABLE: bool = true;

/// `textDocument/formatting`.
pub fn format(world: &World, params: DocumentFormattingParams) -> Outcome<Option<Vec<TextEdit>>> {
    let Some(ctx) = world.ctx(&params.text_document.uri) else {
        return Ok(None);
    };
    let text = ctx.text();
    match fmt::format_text(text) {
        Ok(formatted) if formatted == text => Ok(Some(Vec::new())),
        Ok(formatted) => {
            let whole = Span::new(ctx.file, 0, text.len());
            Ok(Some(vec![TextEdit {
                range: ctx.range(whole),
                new_text: formatted,
            }]))
        }
        Err(FormatError::Syntax(_)) => {
            transport::log("not formatting a document with syntax errors");
            Ok(None)
        }
        Err(FormatError::Internal(message)) => Err(Failure {
            code: ErrorCode::RequestFailed,
            message: format!("the formatter failed: {message}"),
        }),
    }
}
