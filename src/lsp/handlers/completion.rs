//! Completion, on half-typed text.
//!
//! - at the start of a statement in a block: the fields of the block's kind
//!   not set yet (nested blocks that repeat stay), required ones first, each
//!   with its type and doc comment;
//! - at the top level: the kinds of declarations and the keywords;
//! - after `key =`: the values of the field's type: enum words, names of
//!   declarations of the kinds a `ref(...)` accepts, `true`/`false`,
//!   parameters of the same type;
//! - after a number: the units of the field's dimension;
//! - after `name.`: the attributes of the declaration's kind;
//! - after `param name:`: the parameter types.
//!
//! Every item replaces the partial word before the cursor through a text
//! edit, so clients filter on the word and not on the digits before a unit.

pub mod context;

use super::hover::field_markdown;
use super::{Ctx, Outcome, World};
use crate::resolve::SymbolKind;
use crate::span::Span;
use crate::stdlib::{self, FieldDef};
use crate::types::Ty;
use crate::types::units::Dimension;
use context::Position;
use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionList, CompletionParams, CompletionResponse,
    CompletionTextEdit, Documentation, MarkupContent, MarkupKind, Range, TextEdit,
};

/// Parameter types (`param name: Type`).
const PARAM_TYPES: &[&str] = &[
    "String",
    "Number",
    "Int",
    "VpcId",
    "SubnetId",
    "SecurityGroupId",
    "List(String)",
    "List(SubnetId)",
    "List(SecurityGroupId)",
];

/// Top-level keywords, with what they declare.
const KEYWORDS: &[(&str, &str)] = &[
    ("let", "a constant: `let name = value`"),
    ("param", "a stack parameter: `param name: Type = default`"),
    ("output", "a stack output: `output name = value`"),
    ("import", "another file: `import \"file.ecs\"`"),
];

/// `textDocument/completion`.
pub fn completion(world: &World, params: CompletionParams) -> Outcome<Option<CompletionResponse>> {
    let at = params.text_document_position;
    let Some(ctx) = world.ctx(&at.text_document.uri) else {
        return Ok(None);
    };
    let Some(offset) = ctx.offset(at.position) else {
        return Ok(None);
    };
    let found = context::context(&ctx, offset, stdlib::get());
    let replace = ctx.range(Span {
        file: ctx.file,
        start: found.word_start,
        end: offset,
    });
    let mut items = Items {
        replace,
        items: Vec::new(),
    };
    match &found.position {
        Position::Statement if found.in_block => {
            if let Some(def) = found.def {
                for (index, field) in def.fields.values().enumerate() {
                    let taken = found.set.contains(&field.name) && !field.repeated;
                    if !taken {
                        items.field(index, field, found.has_assignment);
                    }
                }
            }
        }
        Position::Statement => items.top_level(),
        Position::Value { field, in_list } => match field {
            Some(field) => {
                let ty = match (&field.ty, in_list) {
                    (Ty::List(inner), true) => inner.as_ref(),
                    (ty, _) => ty,
                };
                items.values(&ctx, ty, field);
            }
            None if !found.in_block || found.def.is_none() => items.names(&ctx),
            None => {}
        },
        Position::Unit { field, needs_space } => items.units(*field, *needs_space),
        Position::Attribute(name) => items.attributes(&ctx, name),
        Position::ParamType => {
            for ty in PARAM_TYPES {
                items.push(ty, CompletionItemKind::TYPE_PARAMETER, None, None, ty);
            }
        }
        Position::Nothing => {}
    }
    Ok(Some(CompletionResponse::List(CompletionList {
        is_incomplete: false,
        items: items.items,
    })))
}

struct Items {
    replace: Range,
    items: Vec<CompletionItem>,
}

fn markdown(text: String) -> Documentation {
    Documentation::MarkupContent(MarkupContent {
        kind: MarkupKind::Markdown,
        value: text,
    })
}

impl Items {
    fn push(
        &mut self,
        label: &str,
        kind: CompletionItemKind,
        detail: Option<String>,
        docs: Option<String>,
        new_text: &str,
    ) {
        let sort = format!("{:04}", self.items.len());
        self.items.push(CompletionItem {
            label: label.to_string(),
            kind: Some(kind),
            detail,
            documentation: docs.filter(|d| !d.is_empty()).map(markdown),
            sort_text: Some(sort),
            filter_text: Some(label.to_string()),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                range: self.replace,
                new_text: new_text.to_string(),
            })),
            ..CompletionItem::default()
        });
    }

    fn field(&mut self, index: usize, field: &FieldDef, has_assignment: bool) {
        let (kind, new_text) = match &field.ty {
            _ if has_assignment => (CompletionItemKind::FIELD, field.name.clone()),
            Ty::Block(_) if field.repeated => {
                (CompletionItemKind::STRUCT, format!("{} ", field.name))
            }
            Ty::Block(_) => (CompletionItemKind::STRUCT, format!("{} {{ }}", field.name)),
            _ => (CompletionItemKind::FIELD, format!("{} = ", field.name)),
        };
        let mut detail = field.ty.syntax();
        if field.required {
            detail.push_str(" (required)");
        }
        let order = format!("{}{index:03}", if field.required { 0 } else { 1 });
        self.push(
            &field.name,
            kind,
            Some(detail),
            Some(field_markdown(field)),
            &new_text,
        );
        if let Some(item) = self.items.last_mut() {
            item.sort_text = Some(order);
        }
    }

    fn top_level(&mut self) {
        for def in stdlib::get().kinds.values().filter(|k| k.top_level) {
            self.push(
                &def.name,
                CompletionItemKind::CLASS,
                Some(format!("kind {}", def.name)),
                Some(def.docs.join("\n")),
                &format!("{} ", def.name),
            );
        }
        for (keyword, what) in KEYWORDS {
            self.push(
                keyword,
                CompletionItemKind::KEYWORD,
                Some((*what).to_string()),
                None,
                &format!("{keyword} "),
            );
        }
    }

    fn values(&mut self, ctx: &Ctx, ty: &Ty, field: &FieldDef) {
        match ty {
            Ty::Enum(words) => {
                for word in words {
                    self.push(
                        word,
                        CompletionItemKind::ENUM_MEMBER,
                        Some(format!("{}: {}", field.name, ty.syntax())),
                        Some(field.docs.join("\n")),
                        word,
                    );
                }
            }
            Ty::Ref(kinds) => {
                for symbol in ctx.analysis.resolved.symbols.values() {
                    let SymbolKind::Decl(kind) = &symbol.kind else {
                        continue;
                    };
                    if kinds.contains(kind) {
                        self.push(
                            &symbol.name,
                            CompletionItemKind::REFERENCE,
                            Some(format!("{kind} {}", symbol.name)),
                            Some(symbol.docs.join("\n")),
                            &symbol.name,
                        );
                    }
                }
            }
            Ty::Bool => {
                for word in ["true", "false"] {
                    self.push(word, CompletionItemKind::KEYWORD, None, None, word);
                }
            }
            Ty::Union(alternatives) => {
                for alternative in alternatives {
                    self.values(ctx, alternative, field);
                }
            }
            _ => {}
        }
        for param in ctx.analysis.typed.params.values() {
            if &param.ty == ty {
                self.push(
                    &param.name,
                    CompletionItemKind::VARIABLE,
                    Some(format!("param {}: {}", param.name, param.cfn_type)),
                    Some(param.docs.join("\n")),
                    &param.name,
                );
            }
        }
    }

    /// Every declared name, for values whose type is not known.
    fn names(&mut self, ctx: &Ctx) {
        for symbol in ctx.analysis.resolved.symbols.values() {
            self.push(
                &symbol.name,
                CompletionItemKind::REFERENCE,
                Some(symbol.kind.describe()),
                Some(symbol.docs.join("\n")),
                &symbol.name,
            );
        }
    }

    fn units(&mut self, field: Option<&FieldDef>, needs_space: bool) {
        let dimensions: Vec<Dimension> = match field {
            Some(field) => dimensions(&field.ty),
            None => vec![
                Dimension::Memory,
                Dimension::Cpu,
                Dimension::Duration,
                Dimension::Percent,
            ],
        };
        for dimension in dimensions {
            let spaced = needs_space && matches!(dimension, Dimension::Memory | Dimension::Cpu);
            for unit in dimension.units() {
                let new_text = if spaced {
                    format!(" {unit}")
                } else {
                    (*unit).to_string()
                };
                self.push(
                    unit,
                    CompletionItemKind::UNIT,
                    Some(unit_meaning(unit).to_string()),
                    None,
                    &new_text,
                );
            }
        }
    }

    fn attributes(&mut self, ctx: &Ctx, name: &str) {
        let Some(SymbolKind::Decl(kind)) = ctx.analysis.resolved.symbols.get(name).map(|s| &s.kind)
        else {
            return;
        };
        let Some(def) = stdlib::get().top_kind(kind) else {
            return;
        };
        for attr in def.attrs.values() {
            self.push(
                &attr.name,
                CompletionItemKind::PROPERTY,
                Some(format!("attr {}: {}", attr.name, attr.ty.syntax())),
                Some(attr.docs.join("\n")),
                &attr.name,
            );
        }
    }
}

/// The dimensions a type measures (several for unions).
fn dimensions(ty: &Ty) -> Vec<Dimension> {
    match ty {
        Ty::Union(alternatives) => alternatives.iter().flat_map(dimensions).collect(),
        Ty::List(inner) => dimensions(inner),
        ty => Dimension::of(ty).into_iter().collect(),
    }
}

fn unit_meaning(unit: &str) -> &'static str {
    match unit {
        "MiB" => "mebibytes (memory)",
        "GiB" => "gibibytes: 1 GiB = 1024 MiB",
        "vcpu" => "virtual CPUs: 1 vcpu = 1024 CPU units",
        "s" => "seconds",
        "m" => "minutes: 1m = 60s",
        "h" => "hours: 1h = 3600s",
        "d" => "days: 1d = 86400s",
        "%" => "percent",
        _ => "",
    }
}
