//! Go to definition and find references of declared names.
//!
//! A name is either a use recorded by the checker (`Analysis::references`)
//! or the name a declaration introduces (`Symbol::name_span`). Outputs live
//! in their own namespace and have no uses. Kinds and fields are declared in
//! the embedded stdlib, which has no file to jump to, so they have no
//! definition.

use super::{Ctx, Outcome, World};
use crate::resolve::Symbol;
use crate::span::Span;
use lsp_types::{GotoDefinitionParams, GotoDefinitionResponse, Location, ReferenceParams};

/// A declared name found under the cursor.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The declaration.
    pub symbol: &'a Symbol,
    /// True for outputs (their own namespace).
    pub output: bool,
    /// The occurrence under the cursor.
    pub span: Span,
}

/// The declared name at `offset`, used or declared there.
pub fn target_at<'a>(ctx: &Ctx<'a>, offset: u32) -> Option<Target<'a>> {
    let resolved = &ctx.analysis.resolved;
    let here = |span: Span| span.file == ctx.file && span.contains(offset);
    if let Some(reference) = ctx.analysis.references.iter().find(|r| here(r.span)) {
        return resolved
            .symbols
            .get(&reference.target)
            .map(|symbol| Target {
                symbol,
                output: false,
                span: reference.span,
            });
    }
    if let Some(symbol) = resolved.symbols.values().find(|s| here(s.name_span)) {
        return Some(Target {
            symbol,
            output: false,
            span: symbol.name_span,
        });
    }
    resolved
        .outputs
        .values()
        .find(|s| here(s.name_span))
        .map(|symbol| Target {
            symbol,
            output: true,
            span: symbol.name_span,
        })
}

/// Every occurrence of a target's name: its uses (and the declaration).
pub fn occurrences(ctx: &Ctx, target: &Target, with_declaration: bool) -> Vec<Span> {
    let mut spans: Vec<Span> = Vec::new();
    if with_declaration {
        spans.push(target.symbol.name_span);
    }
    if !target.output {
        spans.extend(
            ctx.analysis
                .references
                .iter()
                .filter(|r| r.target == target.symbol.name)
                .map(|r| r.span),
        );
    }
    spans.sort();
    spans.dedup();
    spans
}

/// `textDocument/definition`.
pub fn definition(
    world: &World,
    params: GotoDefinitionParams,
) -> Outcome<Option<GotoDefinitionResponse>> {
    let at = params.text_document_position_params;
    let Some(ctx) = world.ctx(&at.text_document.uri) else {
        return Ok(None);
    };
    let Some(target) = ctx.offset(at.position).and_then(|o| target_at(&ctx, o)) else {
        return Ok(None);
    };
    Ok(ctx
        .location(target.symbol.name_span)
        .map(GotoDefinitionResponse::Scalar))
}

/// `textDocument/references`.
pub fn references(world: &World, params: ReferenceParams) -> Outcome<Option<Vec<Location>>> {
    let at = params.text_document_position;
    let Some(ctx) = world.ctx(&at.text_document.uri) else {
        return Ok(None);
    };
    let Some(target) = ctx.offset(at.position).and_then(|o| target_at(&ctx, o)) else {
        return Ok(None);
    };
    let spans = occurrences(&ctx, &target, params.context.include_declaration);
    Ok(Some(
        spans
            .into_iter()
            .filter_map(|span| ctx.location(span))
            .collect(),
    ))
}
