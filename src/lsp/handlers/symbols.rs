//! The outline: top-level declarations, with their nested blocks as children.

use super::{Ctx, Outcome, World};
use crate::syntax::ast::{self, ExprKind, StmtKind};
use lsp_types::{DocumentSymbol, DocumentSymbolParams, DocumentSymbolResponse, SymbolKind};

/// `textDocument/documentSymbol`.
pub fn document_symbols(
    world: &World,
    params: DocumentSymbolParams,
) -> Outcome<Option<DocumentSymbolResponse>> {
    let Some(ctx) = world.ctx(&params.text_document.uri) else {
        return Ok(None);
    };
    let symbols = ctx
        .ast
        .stmts
        .iter()
        .filter_map(|stmt| symbol(&ctx, stmt, true))
        .collect();
    Ok(Some(DocumentSymbolResponse::Nested(symbols)))
}

fn symbol(ctx: &Ctx, stmt: &ast::Stmt, top: bool) -> Option<DocumentSymbol> {
    let (name, detail, kind, selection, children) = match &stmt.kind {
        StmtKind::Block(block) => {
            let (name, selection) = match block.label.as_ref().map(|l| (&l.kind, l.span)) {
                Some((ExprKind::Reference(path), span)) if path.len() == 1 => {
                    (path.first().map(|p| p.node.clone())?, span)
                }
                Some((_, span)) => (
                    format!("{} {}", block.kind.node, ctx.analysis.sources.slice(span)),
                    span,
                ),
                None => (block.kind.node.clone(), block.kind.span),
            };
            let children: Vec<DocumentSymbol> = block
                .body
                .iter()
                .flat_map(|body| &body.stmts)
                .filter(|s| matches!(s.kind, StmtKind::Block(_)))
                .filter_map(|s| symbol(ctx, s, false))
                .collect();
            let kind = match (top, block.label.is_some()) {
                (true, _) => SymbolKind::CLASS,
                (false, true) => SymbolKind::OBJECT,
                (false, false) => SymbolKind::STRUCT,
            };
            (
                name,
                Some(block.kind.node.clone()),
                kind,
                selection,
                Some(children),
            )
        }
        StmtKind::Let { name, .. } => (
            name.node.clone(),
            Some("let".into()),
            SymbolKind::CONSTANT,
            name.span,
            None,
        ),
        StmtKind::Param { name, .. } => (
            name.node.clone(),
            Some("param".into()),
            SymbolKind::VARIABLE,
            name.span,
            None,
        ),
        StmtKind::Output { name, .. } => (
            name.node.clone(),
            Some("output".into()),
            SymbolKind::PROPERTY,
            name.span,
            None,
        ),
        StmtKind::Import { path } => (
            path.node.clone(),
            Some("import".into()),
            SymbolKind::MODULE,
            path.span,
            None,
        ),
        _ => return None,
    };
    #[allow(deprecated)]
    Some(DocumentSymbol {
        name,
        detail,
        kind,
        tags: None,
        deprecated: None,
        range: ctx.range(ctx.trim(stmt.span)),
        selection_range: ctx.range(selection),
        children,
    })
}
