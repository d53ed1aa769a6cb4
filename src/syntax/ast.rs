//! The owned, span-carrying syntax tree.
//!
//! The tree mirrors the grammar's uniform shape: a file is a list of
//! [`Stmt`]s, and blocks contain statements again. It has no AWS words; the
//! meaning of a block comes from the `kind` declarations in `stdlib/`.

use crate::span::{Span, Spanned};

/// A parsed file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct File {
    /// Top-level statements in source order.
    pub stmts: Vec<Stmt>,
}

/// A name as written, with its span.
pub type Ident = Spanned<String>;

/// One statement, with the `///` doc comments before it.
#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    /// Doc comment lines, without the `///` and one leading space.
    pub docs: Vec<String>,
    /// The whole statement.
    pub span: Span,
    /// What it is.
    pub kind: StmtKind,
}

/// The statement forms.
#[derive(Debug, Clone, PartialEq)]
pub enum StmtKind {
    /// `let name = value`
    Let {
        /// The constant's name.
        name: Ident,
        /// Its value.
        value: Expr,
    },
    /// `param name: Type = default`
    Param {
        /// The parameter's name.
        name: Ident,
        /// Its type.
        ty: TypeExpr,
        /// Its default value.
        default: Option<Expr>,
    },
    /// `output name = value`
    Output {
        /// The output's name.
        name: Ident,
        /// Its value.
        value: Expr,
    },
    /// `import "path"`
    Import {
        /// The path, relative to the importing file.
        path: Spanned<String>,
    },
    /// `kind name(LabelType) { fields }` (stdlib only)
    Kind {
        /// The kind's name.
        name: Ident,
        /// The label's type, if the kind takes a label.
        label: Option<TypeExpr>,
        /// Field, attribute and nested kind declarations.
        body: Vec<Stmt>,
    },
    /// `attr name: Type` (stdlib only)
    Attr {
        /// The attribute's name.
        name: Ident,
        /// Its type.
        ty: TypeExpr,
    },
    /// `name: Type = default` (stdlib only)
    Field {
        /// The field's name.
        name: Ident,
        /// Its type.
        ty: TypeExpr,
        /// Its default.
        default: Option<Expr>,
    },
    /// `key = value`
    Assign {
        /// The key (a name or a string).
        key: Ident,
        /// The value.
        value: Expr,
    },
    /// `kind label? { body }`
    Block(Block),
    /// Text that could not be parsed (a diagnostic was reported).
    Error,
}

/// A block: `kind label? { ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// The block's kind (or field name, for nested blocks).
    pub kind: Ident,
    /// The label after the kind.
    pub label: Option<Expr>,
    /// The body, if braces were written.
    pub body: Option<Body>,
}

/// A `{ ... }` body.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// The braces and what is between them.
    pub span: Span,
    /// The statements.
    pub stmts: Vec<Stmt>,
}

/// A type as written: `String`, `ref(cluster)`, `enum(a, b) | String`, `Int?`.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeExpr {
    /// The whole type.
    pub span: Span,
    /// The alternatives of a union (one for a plain type).
    pub alternatives: Vec<TypeAtom>,
    /// Whether `?` marks it optional.
    pub optional: bool,
}

/// One type name with optional arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeAtom {
    /// The type constructor (`ref`, `enum`, `list`, `String`...).
    pub name: Ident,
    /// Its arguments.
    pub args: Vec<TypeExpr>,
}

/// A value expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// Where it was written.
    pub span: Span,
    /// What it is.
    pub kind: ExprKind,
}

/// A number literal: its text (as written) and value.
#[derive(Debug, Clone, PartialEq)]
pub struct Number {
    /// The digits as written, e.g. `0.5`.
    pub text: String,
    /// The value.
    pub value: f64,
    /// True when written without a decimal point.
    pub is_integer: bool,
}

/// The expression forms.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `"text"` (escapes decoded)
    Str(String),
    /// `42`, `0.5`
    Number(Number),
    /// `true`, `false`
    Bool(bool),
    /// `512 MiB`, `30s`, `60%`
    Quantity {
        /// The number.
        number: Number,
        /// The unit as written.
        unit: Ident,
    },
    /// `[a, b]`
    List(Vec<Expr>),
    /// `{ key = value, ... }`
    Map(Vec<Stmt>),
    /// `name` or `name.attribute`
    Reference(Vec<Ident>),
    /// `low..high`
    Range(Box<Expr>, Box<Expr>),
    /// Something that could not be parsed.
    Error,
}

// ---- span walk ---------------------------------------------------------------
//
// Every `Span` of the tree, visited in place: the parse cache builds a
// declaration at offset 0 and moves it to where it is in the file. The
// patterns below name every field (no `..`), so a new span-carrying field
// does not compile until it is visited here.

impl File {
    /// Calls `f` on every span of the file's tree.
    pub fn for_each_span_mut<F: FnMut(&mut Span)>(&mut self, f: &mut F) {
        let File { stmts } = self;
        for stmt in stmts {
            stmt.for_each_span_mut(f);
        }
    }
}

impl Stmt {
    /// Calls `f` on every span of the statement and what it contains.
    pub fn for_each_span_mut<F: FnMut(&mut Span)>(&mut self, f: &mut F) {
        let Stmt {
            docs: _,
            span,
            kind,
        } = self;
        f(span);
        match kind {
            StmtKind::Let { name, value }
            | StmtKind::Output { name, value }
            | StmtKind::Assign { key: name, value } => {
                f(&mut name.span);
                value.for_each_span_mut(f);
            }
            StmtKind::Param { name, ty, default } | StmtKind::Field { name, ty, default } => {
                f(&mut name.span);
                ty.for_each_span_mut(f);
                if let Some(default) = default {
                    default.for_each_span_mut(f);
                }
            }
            StmtKind::Import { path } => f(&mut path.span),
            StmtKind::Kind { name, label, body } => {
                f(&mut name.span);
                if let Some(label) = label {
                    label.for_each_span_mut(f);
                }
                for stmt in body {
                    stmt.for_each_span_mut(f);
                }
            }
            StmtKind::Attr { name, ty } => {
                f(&mut name.span);
                ty.for_each_span_mut(f);
            }
            StmtKind::Block(block) => block.for_each_span_mut(f),
            StmtKind::Error => {}
        }
    }
}

impl Block {
    /// Calls `f` on every span of the block and its body.
    pub fn for_each_span_mut<F: FnMut(&mut Span)>(&mut self, f: &mut F) {
        let Block { kind, label, body } = self;
        f(&mut kind.span);
        if let Some(label) = label {
            label.for_each_span_mut(f);
        }
        if let Some(Body { span, stmts }) = body {
            f(span);
            for stmt in stmts {
                stmt.for_each_span_mut(f);
            }
        }
    }
}

impl TypeExpr {
    /// Calls `f` on every span of the type.
    pub fn for_each_span_mut<F: FnMut(&mut Span)>(&mut self, f: &mut F) {
        let TypeExpr {
            span,
            alternatives,
            optional: _,
        } = self;
        f(span);
        for TypeAtom { name, args } in alternatives {
            f(&mut name.span);
            for arg in args {
                arg.for_each_span_mut(f);
            }
        }
    }
}

impl Expr {
    /// Calls `f` on every span of the expression.
    pub fn for_each_span_mut<F: FnMut(&mut Span)>(&mut self, f: &mut F) {
        let Expr { span, kind } = self;
        f(span);
        match kind {
            ExprKind::Str(_) | ExprKind::Number(_) | ExprKind::Bool(_) | ExprKind::Error => {}
            ExprKind::Quantity { number: _, unit } => f(&mut unit.span),
            ExprKind::List(items) => {
                for item in items {
                    item.for_each_span_mut(f);
                }
            }
            ExprKind::Map(stmts) => {
                for stmt in stmts {
                    stmt.for_each_span_mut(f);
                }
            }
            ExprKind::Reference(path) => {
                for ident in path {
                    f(&mut ident.span);
                }
            }
            ExprKind::Range(low, high) => {
                low.for_each_span_mut(f);
                high.for_each_span_mut(f);
            }
        }
    }
}
