//! What is under the cursor, found by walking the syntax tree by spans.
//!
//! [`locate`] returns the innermost interesting node at a byte offset: a
//! block's kind word, a declaration's name, an assignment's key or a value,
//! each with what the stdlib says about it (the kind, the field, the type
//! expected there). Hover, definition and completion build on it.

use crate::span::Span;
use crate::stdlib::{FieldDef, KindDef, Stdlib};
use crate::syntax::ast::{self, Expr, ExprKind, StmtKind};
use crate::types::Ty;

/// The innermost node at an offset.
#[derive(Debug)]
pub enum Node<'a> {
    /// The kind word of a block: `service`, or a nested `container`.
    BlockKind {
        /// The kind, when known.
        def: Option<&'static KindDef>,
        /// The field of the enclosing kind, for nested blocks.
        field: Option<&'static FieldDef>,
    },
    /// The name a declaration introduces (`api` in `service api`, `x` in `let x`).
    DeclName(&'a ast::Ident),
    /// The key of `key = value`.
    FieldKey {
        /// The field, when the enclosing block's kind has it.
        field: Option<&'static FieldDef>,
    },
    /// A value, with the type expected there (when known).
    Value {
        /// The innermost expression.
        expr: &'a Expr,
        /// The expected type.
        ty: Option<Ty>,
        /// The field the value is assigned to.
        field: Option<&'static FieldDef>,
    },
    /// Nothing of interest (whitespace, comments, `let`/`param` keywords).
    Nothing,
}

/// The innermost block body containing an offset, for completion.
#[derive(Debug, Default)]
pub struct Enclosing<'a> {
    /// The kind of the innermost block (`None` at the top level, or when unknown).
    pub def: Option<&'static KindDef>,
    /// True when the cursor is inside some block body.
    pub in_block: bool,
    /// The statements of that body (or of the file at the top level).
    pub stmts: &'a [ast::Stmt],
}

/// Finds the node at `offset` of `file`.
pub fn locate<'a>(file: &'a ast::File, offset: u32, stdlib: &'static Stdlib) -> Node<'a> {
    Walker { stdlib, offset }.stmts(&file.stmts, None)
}

/// Finds the innermost block body that strictly contains `offset`.
pub fn enclosing<'a>(file: &'a ast::File, offset: u32, stdlib: &'static Stdlib) -> Enclosing<'a> {
    let mut found = Enclosing {
        def: None,
        in_block: false,
        stmts: &file.stmts,
    };
    let mut stmts: &'a [ast::Stmt] = &file.stmts;
    let mut parent: Option<&'static KindDef> = None;
    'descend: loop {
        for stmt in stmts {
            let StmtKind::Block(block) = &stmt.kind else {
                continue;
            };
            let Some(body) = &block.body else { continue };
            if !(body.span.start < offset && offset < body.span.end) {
                continue;
            }
            let def = block_def(stdlib, parent, block, found.in_block);
            found = Enclosing {
                def,
                in_block: true,
                stmts: &body.stmts,
            };
            parent = def;
            stmts = &body.stmts;
            continue 'descend;
        }
        return found;
    }
}

/// The kind of a block: a top-level kind, or the nested kind of a field.
fn block_def(
    stdlib: &'static Stdlib,
    parent: Option<&'static KindDef>,
    block: &ast::Block,
    nested: bool,
) -> Option<&'static KindDef> {
    if !nested {
        return stdlib.top_kind(&block.kind.node);
    }
    match &parent?.fields.get(&block.kind.node)?.ty {
        Ty::Block(path) => stdlib.kind(path),
        _ => None,
    }
}

struct Walker {
    stdlib: &'static Stdlib,
    offset: u32,
}

impl Walker {
    fn inside(&self, span: Span) -> bool {
        span.contains(self.offset)
    }

    fn stmts<'a>(&self, stmts: &'a [ast::Stmt], parent: Option<&'static KindDef>) -> Node<'a> {
        let top = parent.is_none();
        for stmt in stmts.iter().filter(|s| self.inside(s.span)) {
            let node = match &stmt.kind {
                StmtKind::Block(block) => self.block(block, parent, top),
                StmtKind::Assign { key, value } => {
                    let field = parent.and_then(|p| p.fields.get(&key.node));
                    if self.inside(key.span) {
                        Node::FieldKey { field }
                    } else {
                        self.expr(value, field.map(|f| f.ty.clone()), field)
                    }
                }
                StmtKind::Let { name, value } | StmtKind::Output { name, value } => {
                    if self.inside(name.span) {
                        Node::DeclName(name)
                    } else {
                        self.expr(value, None, None)
                    }
                }
                StmtKind::Param { name, default, .. } => match default {
                    _ if self.inside(name.span) => Node::DeclName(name),
                    Some(default) => self.expr(default, None, None),
                    None => Node::Nothing,
                },
                _ => Node::Nothing,
            };
            if !matches!(node, Node::Nothing) {
                return node;
            }
        }
        Node::Nothing
    }

    fn block<'a>(
        &self,
        block: &'a ast::Block,
        parent: Option<&'static KindDef>,
        top: bool,
    ) -> Node<'a> {
        let field = parent.and_then(|p| p.fields.get(&block.kind.node));
        let def = block_def(self.stdlib, parent, block, !top);
        if self.inside(block.kind.span) {
            return Node::BlockKind { def, field };
        }
        if let Some(label) = block.label.as_ref().filter(|l| self.inside(l.span)) {
            return match (&label.kind, top) {
                (ExprKind::Reference(path), true) if path.len() == 1 => {
                    path.first().map_or(Node::Nothing, Node::DeclName)
                }
                _ => self.expr(label, def.and_then(|d| d.label.clone()), None),
            };
        }
        let Some(body) = block.body.as_ref().filter(|b| self.inside(b.span)) else {
            return Node::Nothing;
        };
        match field.map(|f| &f.ty) {
            // `env { KEY = value }`: a map written as a block.
            Some(Ty::Map(inner)) => self.map_entries(&body.stmts, inner),
            _ if def.is_some() => self.stmts(&body.stmts, def),
            _ => Node::Nothing,
        }
    }

    fn map_entries<'a>(&self, stmts: &'a [ast::Stmt], inner: &Ty) -> Node<'a> {
        for stmt in stmts.iter().filter(|s| self.inside(s.span)) {
            if let StmtKind::Assign { key, value } = &stmt.kind {
                if self.inside(key.span) {
                    return Node::FieldKey { field: None };
                }
                return self.expr(value, Some(inner.clone()), None);
            }
        }
        Node::Nothing
    }

    fn expr<'a>(
        &self,
        expr: &'a Expr,
        ty: Option<Ty>,
        field: Option<&'static FieldDef>,
    ) -> Node<'a> {
        if !self.inside(expr.span) {
            return Node::Nothing;
        }
        match &expr.kind {
            ExprKind::List(items) => {
                let inner = match &ty {
                    Some(Ty::List(inner)) => Some((**inner).clone()),
                    _ => None,
                };
                items
                    .iter()
                    .find(|item| self.inside(item.span))
                    .map_or(Node::Nothing, |item| self.expr(item, inner, field))
            }
            ExprKind::Map(stmts) => match &ty {
                Some(Ty::Map(inner)) => self.map_entries(stmts, inner),
                _ => self.map_entries(stmts, &Ty::Error),
            },
            ExprKind::Range(low, high) => {
                let part = if self.inside(low.span) { low } else { high };
                self.expr(part, Some(Ty::Int), field)
            }
            _ => Node::Value { expr, ty, field },
        }
    }
}
