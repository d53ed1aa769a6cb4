//! Name resolution: collects the top-level declarations of every file of a
//! program into one symbol table, and reports duplicates, unknown kinds and
//! statements that do not belong at the top level.
//!
//! Codes: E1002 duplicate declaration, E1004 unknown kind, E1006 misplaced
//! declaration, E2008 missing or invalid name label.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::span::Span;
use crate::stdlib::Stdlib;
use crate::syntax::ast::{self, StmtKind};
use indexmap::IndexMap;

/// What a name stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SymbolKind {
    /// A block declaration of this kind (`service`).
    Decl(String),
    /// A `let` constant.
    Let,
    /// A `param`.
    Param,
    /// An `output`.
    Output,
}

impl SymbolKind {
    /// How the kind is named in messages.
    pub fn describe(&self) -> String {
        match self {
            SymbolKind::Decl(kind) => kind.replace('_', " "),
            SymbolKind::Let => "constant".into(),
            SymbolKind::Param => "parameter".into(),
            SymbolKind::Output => "output".into(),
        }
    }
}

/// A declared name.
#[derive(Debug, Clone)]
pub struct Symbol {
    /// The name.
    pub name: String,
    /// What it is.
    pub kind: SymbolKind,
    /// Where the name is written.
    pub name_span: Span,
    /// The whole declaration.
    pub span: Span,
    /// Its doc comment.
    pub docs: Vec<String>,
}

/// The symbol table of a program.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    /// Declarations (blocks, lets, params) by name.
    pub symbols: IndexMap<String, Symbol>,
    /// Outputs by name (their own namespace, as in CloudFormation).
    pub outputs: IndexMap<String, Symbol>,
}

/// Builds the symbol table for the statements of all files, in order.
pub fn resolve<'a>(
    stmts: impl Iterator<Item = &'a ast::Stmt>,
    stdlib: &Stdlib,
    diags: &mut Diagnostics,
) -> Resolved {
    let mut resolved = Resolved::default();
    // CloudFormation names (logical IDs) already taken, for declarations and
    // parameters, and for outputs.
    let mut ids = IdTable::default();
    let mut output_ids = IdTable::default();
    for stmt in stmts {
        let (name, kind) = match &stmt.kind {
            StmtKind::Let { name, .. } => (name, SymbolKind::Let),
            StmtKind::Param { name, .. } => (name, SymbolKind::Param),
            StmtKind::Output { name, .. } => {
                output_ids.claim(name, diags);
                declare(&mut resolved.outputs, name, SymbolKind::Output, stmt, diags);
                continue;
            }
            StmtKind::Block(block) => match block_symbol(block, stmt.span, stdlib, diags) {
                Some(found) => found,
                None => continue,
            },
            StmtKind::Import { .. } | StmtKind::Error => continue,
            StmtKind::Kind { name, .. }
            | StmtKind::Attr { name, .. }
            | StmtKind::Field { name, .. } => {
                diags.push(
                    Diagnostic::new(Code::E1006, name.span, "this declaration is only allowed in the standard library")
                        .with_help("programs declare blocks such as `service api { ... }`, `let`, `param` and `output`"),
                );
                continue;
            }
            StmtKind::Assign { key, .. } => {
                diags.push(
                    Diagnostic::new(
                        Code::E1006,
                        key.span,
                        format!("`{}` is assigned outside any block", key.node),
                    )
                    .with_primary_label("not inside a block")
                    .with_help(format!(
                        "to declare a constant, write `let {} = ...`",
                        key.node
                    )),
                );
                continue;
            }
        };
        if kind != SymbolKind::Let {
            ids.claim(name, diags);
        }
        declare(&mut resolved.symbols, name, kind, stmt, diags);
    }
    resolved
}

/// The CloudFormation name each declared name becomes (`my_api` -> `MyApi`).
#[derive(Default)]
struct IdTable(std::collections::HashMap<String, (String, Span)>);

impl IdTable {
    /// Records the CloudFormation name of `name`, and reports `E1002` when a
    /// different name already turned into the same one (names that differ
    /// only in `_` or in case). Equal names are left to [`declare`], which
    /// reports them as declared twice.
    fn claim(&mut self, name: &ast::Ident, diags: &mut Diagnostics) {
        let id = crate::cfn::pascal(&name.node);
        match self.0.get(&id) {
            Some((other, span)) if *other != name.node => {
                diags.push(
                    Diagnostic::new(
                        Code::E1002,
                        name.span,
                        format!(
                            "`{}` and `{other}` would have the same name `{id}` in the template",
                            name.node
                        ),
                    )
                    .with_primary_label(format!("becomes `{id}`"))
                    .with_label(*span, format!("`{other}` also becomes `{id}`"))
                    .with_help(
                        "CloudFormation names keep only letters and digits, so names that differ \
                         only in `_` or in case collide; rename one of them",
                    ),
                );
            }
            Some(_) => {}
            None => {
                self.0.insert(id, (name.node.clone(), name.span));
            }
        }
    }
}

fn declare(
    table: &mut IndexMap<String, Symbol>,
    name: &ast::Ident,
    kind: SymbolKind,
    stmt: &ast::Stmt,
    diags: &mut Diagnostics,
) {
    if let Some(previous) = table.get(&name.node) {
        diags.push(
            Diagnostic::new(
                Code::E1002,
                name.span,
                format!("`{}` is declared twice", name.node),
            )
            .with_primary_label("declared again here")
            .with_label(
                previous.name_span,
                format!("first declared here as a {}", previous.kind.describe()),
            )
            .with_help("rename one of them; names are shared by all declarations of a program"),
        );
        return;
    }
    table.insert(
        name.node.clone(),
        Symbol {
            name: name.node.clone(),
            kind,
            name_span: name.span,
            span: stmt.span,
            docs: stmt.docs.clone(),
        },
    );
}

fn block_symbol<'b>(
    block: &'b ast::Block,
    span: Span,
    stdlib: &Stdlib,
    diags: &mut Diagnostics,
) -> Option<(&'b ast::Ident, SymbolKind)> {
    let kind = &block.kind;
    if stdlib.top_kind(&kind.node).is_none() {
        let names = stdlib.top_kind_names();
        let mut diag = Diagnostic::new(
            Code::E1004,
            kind.span,
            format!("unknown kind `{}`", kind.node),
        )
        .with_primary_label("not a kind of declaration");
        diag = match did_you_mean(&kind.node, names.iter().copied()) {
            Some(best) => diag
                .with_help(format!("did you mean `{best}`?"))
                .with_suggestion(format!("replace with `{best}`"), kind.span, best),
            None => diag.with_help(format!("the kinds are: {}", names.join(", "))),
        };
        diags.push(diag);
        return None;
    }
    match block.label.as_ref().map(|l| &l.kind) {
        Some(ast::ExprKind::Reference(path)) if path.len() == 1 => path
            .first()
            .map(|name| (name, SymbolKind::Decl(kind.node.clone()))),
        _ if stdlib
            .top_kind(&kind.node)
            .is_some_and(|def| def.label == Some(crate::types::Ty::Name)) =>
        {
            // The type checker reports the missing or invalid name.
            None
        }
        _ => {
            let at = block.label.as_ref().map_or(kind.span, |l| l.span);
            diags.push(
                Diagnostic::new(
                    Code::E2008,
                    at,
                    format!("a `{}` declaration needs a name", kind.node),
                )
                .with_primary_label("expected a name here")
                .with_help(format!("write `{} my_name {{ ... }}`", kind.node)),
            );
            let _ = span;
            None
        }
    }
}

/// The closest candidate to `word`, if any is close enough to suggest.
pub fn did_you_mean<'c>(word: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    candidates
        .map(|candidate| (strsim::jaro_winkler(word, candidate), candidate))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}
