//! Quick fixes: diagnostics that carry a [`crate::diagnostics::Suggestion`]
//! (`did you mean ...?`, `add the unit`) become code actions that apply it.

use super::super::convert;
use super::diagnostics::{ExplainLinks, to_lsp};
use super::{Outcome, World};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CodeActionResponse,
    TextEdit, WorkspaceEdit,
};
use std::collections::HashMap;

/// `textDocument/codeAction`.
#[allow(clippy::mutable_key_type)] // `WorkspaceEdit::changes` is keyed by `Uri`.
pub fn code_actions(
    world: &World,
    params: CodeActionParams,
) -> Outcome<Option<CodeActionResponse>> {
    let Some(ctx) = world.ctx(&params.text_document.uri) else {
        return Ok(None);
    };
    let Some(wanted) = convert::span(ctx.source, ctx.file, params.range) else {
        return Ok(Some(Vec::new()));
    };
    let mut links = ExplainLinks::default();
    let mut actions = Vec::new();
    for diagnostic in &ctx.analysis.diagnostics {
        let primary = diagnostic.primary.span;
        let Some(suggestion) = &diagnostic.suggestion else {
            continue;
        };
        let overlaps =
            primary.file == ctx.file && primary.start <= wanted.end && wanted.start <= primary.end;
        if !overlaps {
            continue;
        }
        let Some(location) = ctx.location(suggestion.span) else {
            continue;
        };
        let edit = TextEdit {
            range: location.range,
            new_text: suggestion.replacement.clone(),
        };
        let changes = HashMap::from([(location.uri, vec![edit])]);
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: suggestion.title.clone(),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![to_lsp(
                diagnostic,
                &ctx.analysis.sources,
                ctx.documents,
                &mut links,
            )]),
            edit: Some(WorkspaceEdit {
                changes: Some(changes),
                ..WorkspaceEdit::default()
            }),
            is_preferred: Some(true),
            ..CodeAction::default()
        }));
    }
    Ok(Some(actions))
}
