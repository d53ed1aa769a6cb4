//! Rename a declaration and every use of it, in every file of the program.
//!
//! The new name must be a name (`[A-Za-z_][A-Za-z0-9_]*`), not a keyword or
//! `true`/`false`, and not already declared in the same namespace; otherwise
//! the request fails with `RequestFailed` and a message saying why.

use super::definition::{occurrences, target_at};
use super::{Failure, Outcome, World};
use lsp_server::ErrorCode;
use lsp_types::{
    PrepareRenameResponse, RenameParams, TextDocumentPositionParams, TextEdit, Uri, WorkspaceEdit,
};
use std::collections::HashMap;

/// Words that cannot be names.
const RESERVED: &[&str] = &[
    "let", "param", "output", "import", "kind", "attr", "true", "false",
];

/// `textDocument/prepareRename`: the range of the name, if it can be renamed.
pub fn prepare(
    world: &World,
    params: TextDocumentPositionParams,
) -> Outcome<Option<PrepareRenameResponse>> {
    let Some(ctx) = world.ctx(&params.text_document.uri) else {
        return Ok(None);
    };
    let target = ctx.offset(params.position).and_then(|o| target_at(&ctx, o));
    Ok(target.map(|t| PrepareRenameResponse::RangeWithPlaceholder {
        range: ctx.range(t.span),
        placeholder: t.symbol.name.clone(),
    }))
}

/// `textDocument/rename`.
#[allow(clippy::mutable_key_type)] // `WorkspaceEdit::changes` is keyed by `Uri`.
pub fn rename(world: &World, params: RenameParams) -> Outcome<Option<WorkspaceEdit>> {
    let at = params.text_document_position;
    let Some(ctx) = world.ctx(&at.text_document.uri) else {
        return Ok(None);
    };
    let Some(target) = ctx.offset(at.position).and_then(|o| target_at(&ctx, o)) else {
        return Ok(None);
    };
    let new_name = params.new_name.trim();
    check_name(new_name)?;
    let resolved = &ctx.analysis.resolved;
    let table = if target.output {
        &resolved.outputs
    } else {
        &resolved.symbols
    };
    if new_name != target.symbol.name && table.contains_key(new_name) {
        return Err(failure(format!("`{new_name}` is already declared")));
    }
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for span in occurrences(&ctx, &target, true) {
        if let Some(location) = ctx.location(span) {
            changes.entry(location.uri).or_default().push(TextEdit {
                range: location.range,
                new_text: new_name.to_string(),
            });
        }
    }
    Ok(Some(WorkspaceEdit {
        changes: Some(changes),
        ..WorkspaceEdit::default()
    }))
}

fn check_name(name: &str) -> Outcome<()> {
    let mut chars = name.chars();
    let starts_well = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !starts_well || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(failure(format!(
            "`{name}` is not a valid name: use letters, digits and `_`, not starting with a digit"
        )));
    }
    if RESERVED.contains(&name) {
        return Err(failure(format!("`{name}` is a keyword")));
    }
    Ok(())
}

fn failure(message: String) -> Failure {
    Failure {
        code: ErrorCode::RequestFailed,
        message,
    }
}
