//! The standard library: the kinds of blocks, their fields, types, defaults
//! and doc comments, declared in `stdlib/*.ecs` and embedded in the binary.
//!
//! The type checker is generic over these declarations; hover and completion
//! read the same doc comments. The stdlib files occupy the first [`FileId`]s
//! of every [`SourceMap`], so spans into them are valid in every analysis.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::source::SourceMap;
use crate::span::{FileId, Span};
use crate::syntax::{self, ast};
use crate::types::Ty;
use indexmap::IndexMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// The embedded stdlib files, in load order.
pub const FILES: &[(&str, &str)] = &[
    ("network.ecs", include_str!("../stdlib/network.ecs")),
    ("cluster.ecs", include_str!("../stdlib/cluster.ecs")),
    ("service.ecs", include_str!("../stdlib/service.ecs")),
    ("capacity.ecs", include_str!("../stdlib/capacity.ecs")),
    ("task.ecs", include_str!("../stdlib/task.ecs")),
    ("security.ecs", include_str!("../stdlib/security.ecs")),
    ("storage.ecs", include_str!("../stdlib/storage.ecs")),
    (
        "load_balancer.ecs",
        include_str!("../stdlib/load_balancer.ecs"),
    ),
    ("discovery.ecs", include_str!("../stdlib/discovery.ecs")),
];

/// A field of a kind.
#[derive(Debug, Clone)]
pub struct FieldDef {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: Ty,
    /// Its default, as written in the stdlib.
    pub default: Option<ast::Expr>,
    /// True when it has no default and is not optional.
    pub required: bool,
    /// True for nested blocks that may appear several times (labelled kinds).
    pub repeated: bool,
    /// Doc comment.
    pub docs: Vec<String>,
    /// Where it is declared.
    pub span: Span,
}

/// An attribute of a kind (`web.dns_name`).
#[derive(Debug, Clone)]
pub struct AttrDef {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: Ty,
    /// Doc comment.
    pub docs: Vec<String>,
    /// Where it is declared.
    pub span: Span,
}

/// A kind of block.
#[derive(Debug, Clone)]
pub struct KindDef {
    /// Path: `service` or `service.container`.
    pub path: String,
    /// Last segment of the path.
    pub name: String,
    /// Doc comment.
    pub docs: Vec<String>,
    /// Where it is declared.
    pub span: Span,
    /// The label's type, if the kind takes one (`Ty::Name` declares a name).
    pub label: Option<Ty>,
    /// Fields in declaration order (nested kinds included, as `Ty::Block`).
    pub fields: IndexMap<String, FieldDef>,
    /// Attributes.
    pub attrs: IndexMap<String, AttrDef>,
    /// True for kinds declared at the top level of a stdlib file.
    pub top_level: bool,
}

/// The loaded standard library.
#[derive(Debug)]
pub struct Stdlib {
    /// Kinds by path.
    pub kinds: IndexMap<String, KindDef>,
    /// Problems in the stdlib itself (a test keeps this empty).
    pub diagnostics: Diagnostics,
    /// The stdlib files as a source map (ids 0..n).
    pub sources: SourceMap,
}

impl Stdlib {
    /// A top-level kind.
    pub fn top_kind(&self, name: &str) -> Option<&KindDef> {
        self.kinds.get(name).filter(|k| k.top_level)
    }

    /// Any kind by path.
    pub fn kind(&self, path: &str) -> Option<&KindDef> {
        self.kinds.get(path)
    }

    /// Names of all top-level kinds.
    pub fn top_kind_names(&self) -> Vec<&str> {
        self.kinds
            .values()
            .filter(|k| k.top_level)
            .map(|k| k.name.as_str())
            .collect()
    }
}

/// The process-wide stdlib.
static STDLIB: OnceLock<Stdlib> = OnceLock::new();

/// The process-wide stdlib, loaded on first use.
pub fn get() -> &'static Stdlib {
    STDLIB.get_or_init(load)
}

/// Whether the stdlib has been loaded already in this process.
pub fn is_loaded() -> bool {
    STDLIB.get().is_some()
}

/// Adds the stdlib files to a fresh source map (ids 0..n, matching [`get`]).
pub fn add_to(sources: &mut SourceMap) {
    for (name, text) in FILES {
        sources.add(PathBuf::from(format!("<stdlib>/{name}")), Arc::from(*text));
    }
}

fn load() -> Stdlib {
    let mut sources = SourceMap::new();
    add_to(&mut sources);
    let mut diagnostics = Diagnostics::new();
    let mut kinds = IndexMap::new();
    for (index, (_, text)) in FILES.iter().enumerate() {
        let file = FileId(u32::try_from(index).unwrap_or(u32::MAX));
        let parsed = syntax::parse(file, text, &mut diagnostics);
        for stmt in &parsed.stmts {
            match &stmt.kind {
                ast::StmtKind::Kind { name, label, body } => {
                    load_kind(
                        None,
                        stmt,
                        name,
                        label.as_ref(),
                        body,
                        &mut kinds,
                        &mut diagnostics,
                    );
                }
                _ => diagnostics.push(Diagnostic::new(
                    Code::E1006,
                    stmt.span,
                    "only `kind` declarations may appear at the top of a stdlib file",
                )),
            }
        }
    }
    borrowed_blocks(&mut kinds, &mut diagnostics);
    Stdlib {
        kinds,
        diagnostics,
        sources,
    }
}

/// Fields typed `block(kind, nested)` borrow a nested kind declared in
/// another kind: they repeat when it takes a label, and it must exist.
fn borrowed_blocks(kinds: &mut IndexMap<String, KindDef>, diags: &mut Diagnostics) {
    let labelled: IndexMap<String, bool> = kinds
        .iter()
        .map(|(path, kind)| (path.clone(), kind.label.is_some()))
        .collect();
    for kind in kinds.values_mut() {
        for field in kind.fields.values_mut() {
            let Ty::Block(path) = &field.ty else {
                continue;
            };
            match labelled.get(path) {
                Some(repeated) => {
                    field.repeated = *repeated;
                    field.required = false;
                }
                None => diags.push(Diagnostic::new(
                    Code::E2003,
                    field.span,
                    format!("unknown kind `{path}`"),
                )),
            }
        }
    }
}

fn load_kind(
    parent: Option<&str>,
    stmt: &ast::Stmt,
    name: &ast::Ident,
    label: Option<&ast::TypeExpr>,
    body: &[ast::Stmt],
    kinds: &mut IndexMap<String, KindDef>,
    diags: &mut Diagnostics,
) {
    let path = match parent {
        Some(parent) => format!("{parent}.{}", name.node),
        None => name.node.clone(),
    };
    let mut def = KindDef {
        path: path.clone(),
        name: name.node.clone(),
        docs: stmt.docs.clone(),
        span: name.span,
        label: label.map(|l| type_of(l, diags)),
        fields: IndexMap::new(),
        attrs: IndexMap::new(),
        top_level: parent.is_none(),
    };
    for member in body {
        match &member.kind {
            ast::StmtKind::Field { name, ty, default } => {
                let required = !ty.optional && default.is_none();
                def.fields.insert(
                    name.node.clone(),
                    FieldDef {
                        name: name.node.clone(),
                        ty: type_of(ty, diags),
                        default: default.clone(),
                        required,
                        repeated: false,
                        docs: member.docs.clone(),
                        span: name.span,
                    },
                );
            }
            ast::StmtKind::Attr { name, ty } => {
                def.attrs.insert(
                    name.node.clone(),
                    AttrDef {
                        name: name.node.clone(),
                        ty: type_of(ty, diags),
                        docs: member.docs.clone(),
                        span: name.span,
                    },
                );
            }
            ast::StmtKind::Kind {
                name: nested,
                label: nested_label,
                body: nested_body,
            } => {
                def.fields.insert(
                    nested.node.clone(),
                    FieldDef {
                        name: nested.node.clone(),
                        ty: Ty::Block(format!("{path}.{}", nested.node)),
                        default: None,
                        required: false,
                        repeated: nested_label.is_some(),
                        docs: member.docs.clone(),
                        span: nested.span,
                    },
                );
                load_kind(
                    Some(&path),
                    member,
                    nested,
                    nested_label.as_ref(),
                    nested_body,
                    kinds,
                    diags,
                );
            }
            _ => diags.push(Diagnostic::new(
                Code::E1006,
                member.span,
                "a kind may only declare fields, attributes and nested kinds",
            )),
        }
    }
    kinds.insert(path, def);
}

/// Converts a type as written to a [`Ty`].
pub fn type_of(ty: &ast::TypeExpr, diags: &mut Diagnostics) -> Ty {
    let alternatives: Vec<Ty> = ty
        .alternatives
        .iter()
        .map(|atom| atom_type(atom, diags))
        .collect();
    match <[Ty; 1]>::try_from(alternatives) {
        Ok([single]) => single,
        Err(many) => Ty::Union(many),
    }
}

fn words(args: &[ast::TypeExpr]) -> Vec<String> {
    args.iter()
        .filter_map(|arg| arg.alternatives.first())
        .map(|atom| atom.name.node.clone())
        .collect()
}

fn atom_type(atom: &ast::TypeAtom, diags: &mut Diagnostics) -> Ty {
    let inner = |diags: &mut Diagnostics| {
        atom.args
            .first()
            .map_or(Ty::Error, |arg| type_of(arg, diags))
    };
    match atom.name.node.as_str() {
        "String" => Ty::String,
        "Int" => Ty::Int,
        "Number" => Ty::Number,
        "Port" => Ty::Port,
        "Bool" => Ty::Bool,
        "Memory" => Ty::Memory,
        "Cpu" => Ty::Cpu,
        "Duration" => Ty::Duration,
        "Percent" => Ty::Percent,
        "Range" => Ty::Range,
        "name" => Ty::Name,
        "enum" => Ty::Enum(words(&atom.args)),
        "ref" => Ty::Ref(words(&atom.args)),
        "list" => Ty::List(Box::new(inner(diags))),
        "map" => Ty::Map(Box::new(inner(diags))),
        // `block(service, container)`: the nested kind of another kind, so a
        // `task` has exactly the containers of a `service`.
        "block" => Ty::Block(words(&atom.args).join(".")),
        other => {
            diags.push(Diagnostic::new(
                Code::E2003,
                atom.name.span,
                format!("unknown type `{other}`"),
            ));
            Ty::Error
        }
    }
}
