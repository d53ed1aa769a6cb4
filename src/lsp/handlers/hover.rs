//! Hover: what the thing under the cursor is.
//!
//! - a block's kind word: the kind's doc comment, label and fields;
//! - a field name: its type, default and doc comment (from `stdlib/`);
//! - a quantity or a CPU number: its normalised meaning (`0.5 vcpu` = 512
//!   CPU units, `1 GiB` = 1024 MiB, `1h` = 3600 seconds);
//! - an enum word: the field's choices;
//! - a reference or a declaration's name: the declaration and its doc comment;
//!   `decl.attr`: the attribute's type and doc comment.

use super::{Ctx, Outcome, World, completion};
use crate::lsp::cursor::{self, Node};
use crate::resolve::{Symbol, SymbolKind};
use crate::stdlib::{self, FieldDef, KindDef};
use crate::syntax::ast::{Expr, ExprKind};
use crate::types::units;
use crate::types::{Ty, Value};
use lsp_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};

/// `textDocument/hover`.
pub fn hover(world: &World, params: HoverParams) -> Outcome<Option<Hover>> {
    let at = params.text_document_position_params;
    let Some(ctx) = world.ctx(&at.text_document.uri) else {
        return Ok(None);
    };
    let Some(offset) = ctx.offset(at.position) else {
        return Ok(None);
    };
    Ok(contents(&ctx, offset).map(|(markdown, span)| Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: markdown,
        }),
        range: span.map(|s| ctx.range(s)),
    }))
}

fn contents(ctx: &Ctx, offset: u32) -> Option<(String, Option<crate::span::Span>)> {
    // A use of a declared name.
    if let Some(reference) = ctx
        .analysis
        .references
        .iter()
        .find(|r| r.span.file == ctx.file && r.span.contains(offset))
    {
        let symbol = ctx.analysis.resolved.symbols.get(&reference.target)?;
        return Some((symbol_markdown(ctx, symbol), Some(reference.span)));
    }
    match cursor::locate(ctx.ast, offset, stdlib::get()) {
        Node::BlockKind {
            def: Some(def),
            field,
        } => Some((kind_markdown(def, field), None)),
        Node::BlockKind {
            def: None,
            field: Some(field),
        }
        | Node::FieldKey { field: Some(field) } => Some((field_markdown(field), None)),
        Node::DeclName(name) => {
            let symbol = ctx
                .analysis
                .resolved
                .symbols
                .get(&name.node)
                .filter(|s| s.name_span == name.span)
                .or_else(|| ctx.analysis.resolved.outputs.get(&name.node))?;
            Some((symbol_markdown(ctx, symbol), Some(name.span)))
        }
        Node::Value { expr, ty, field } => value_markdown(ctx, offset, expr, ty.as_ref(), field)
            .map(|text| (text, Some(expr.span))),
        _ => textual(ctx, offset),
    }
}

/// Where the tree is broken: the kind or field named by the first word of
/// the line under the cursor, in the block the text says the cursor is in.
fn textual(ctx: &Ctx, offset: u32) -> Option<(String, Option<crate::span::Span>)> {
    let text = ctx.text();
    let at = offset as usize;
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let start = text
        .get(..at)?
        .rfind(|c: char| !is_word(c))
        .map_or(0, |i| i + 1);
    let end = text
        .get(at..)?
        .find(|c: char| !is_word(c))
        .map_or(text.len(), |i| at + i);
    let word = text.get(start..end)?;
    let line_start = text.get(..start)?.rfind('\n').map_or(0, |i| i + 1);
    if word.is_empty() || !text.get(line_start..start)?.trim().is_empty() {
        return None;
    }
    let span = crate::span::Span::new(ctx.file, start, end);
    let found = completion::context::context(ctx, u32::try_from(line_start).ok()?, stdlib::get());
    match found.def {
        Some(def) => def
            .fields
            .get(word)
            .map(|f| (field_markdown(f), Some(span))),
        None if !found.in_block => stdlib::get()
            .top_kind(word)
            .map(|def| (kind_markdown(def, None), Some(span))),
        None => None,
    }
}

fn docs(lines: &[String]) -> String {
    lines.join("\n")
}

fn code_block(text: &str) -> String {
    format!("```ecs\n{text}\n```")
}

/// A kind: its header, doc comment and fields.
fn kind_markdown(def: &KindDef, field: Option<&FieldDef>) -> String {
    let label = match &def.label {
        Some(Ty::Name) => "(name)".to_string(),
        Some(ty) => format!("({})", ty.syntax()),
        None => String::new(),
    };
    let mut parts = vec![code_block(&format!("kind {}{label}", def.path))];
    let doc = if def.docs.is_empty() {
        field.map(|f| docs(&f.docs)).unwrap_or_default()
    } else {
        docs(&def.docs)
    };
    if !doc.is_empty() {
        parts.push(doc);
    }
    let fields: Vec<String> = def
        .fields
        .values()
        .map(|f| {
            let required = if f.required { " (required)" } else { "" };
            format!("- `{}`: `{}`{required}", f.name, f.ty.syntax())
        })
        .collect();
    if !fields.is_empty() {
        parts.push(format!("Fields:\n{}", fields.join("\n")));
    }
    parts.join("\n\n")
}

/// A field: `name: Type = default`, its doc comment and what it accepts.
pub fn field_markdown(field: &FieldDef) -> String {
    let mut header = format!("{}: {}", field.name, field.ty.syntax());
    if !field.required && field.default.is_none() && !matches!(field.ty, Ty::Block(_)) {
        header.push('?');
    }
    if let Some(default) = &field.default {
        header.push_str(&format!(" = {}", stdlib::get().sources.slice(default.span)));
    }
    let mut parts = vec![code_block(&header)];
    if !field.docs.is_empty() {
        parts.push(docs(&field.docs));
    }
    let status = if field.required {
        "Required."
    } else {
        "Optional."
    };
    parts.push(format!("*Expects {}.* {status}", field.ty.describe()));
    parts.join("\n\n")
}

/// A declaration: how it is written, and its doc comment.
fn symbol_markdown(ctx: &Ctx, symbol: &Symbol) -> String {
    let source = ctx.analysis.sources.slice(symbol.span);
    let header = source
        .lines()
        .map(str::trim)
        .find(|line| !line.starts_with("///") && !line.is_empty())
        .unwrap_or("")
        .trim_end_matches('{')
        .trim_end();
    let mut parts = vec![code_block(header)];
    if !symbol.docs.is_empty() {
        parts.push(docs(&symbol.docs));
    }
    if let SymbolKind::Decl(kind) = &symbol.kind
        && let Some(summary) = stdlib::get()
            .top_kind(kind)
            .and_then(|def| def.docs.first())
    {
        parts.push(format!("*{kind}*: {summary}"));
    }
    parts.join("\n\n")
}

fn value_markdown(
    ctx: &Ctx,
    offset: u32,
    expr: &Expr,
    ty: Option<&Ty>,
    field: Option<&FieldDef>,
) -> Option<String> {
    match &expr.kind {
        ExprKind::Quantity { number, unit } => {
            let (dimension, factor) = units::unit(&unit.node)?;
            let value = units::convert(number.value, factor, dimension, dimension).ok()?;
            let written = format!("{} {}", number.text, unit.node);
            Some(meaning(&written, &value))
        }
        ExprKind::Number(number) if number.is_integer && ty.is_some_and(accepts_cpu) => {
            let units = number.value as u64;
            Some(meaning(&number.text, &Value::Cpu(units)))
        }
        ExprKind::Reference(path) => {
            let segment = path.iter().position(|p| p.span.contains(offset))?;
            let first = path.first()?;
            if segment == 1 {
                let symbol = ctx.analysis.resolved.symbols.get(&first.node)?;
                let SymbolKind::Decl(kind) = &symbol.kind else {
                    return None;
                };
                let attr = stdlib::get()
                    .top_kind(kind)?
                    .attrs
                    .get(&path.get(1)?.node)?;
                let mut text =
                    code_block(&format!("attr {kind}.{}: {}", attr.name, attr.ty.syntax()));
                if !attr.docs.is_empty() {
                    text.push_str(&format!("\n\n{}", docs(&attr.docs)));
                }
                return Some(text);
            }
            let field = field?;
            let words = match &field.ty {
                Ty::Enum(words) => words,
                _ => return None,
            };
            words.contains(&first.node).then(|| {
                format!(
                    "`{}`: one of {} for `{}`\n\n{}",
                    first.node,
                    crate::types::quote_list(words),
                    field.name,
                    docs(&field.docs)
                )
            })
        }
        _ => None,
    }
}

fn accepts_cpu(ty: &Ty) -> bool {
    match ty {
        Ty::Cpu => true,
        Ty::Union(alternatives) => alternatives.iter().any(accepts_cpu),
        _ => false,
    }
}

/// `**0.5 vcpu** = 512 CPU units`, and the like.
fn meaning(written: &str, value: &Value) -> String {
    let normalised = match value {
        Value::Cpu(units) if written.ends_with("vcpu") || written.ends_with("vCPU") => {
            format!("{units} CPU units (1 vcpu = 1024 CPU units)")
        }
        Value::Cpu(units) => format!("{units} CPU units = {}", units::format_cpu(*units)),
        Value::Memory(mib) if *mib >= 1024 && mib % 1024 == 0 && !written.ends_with("GiB") => {
            format!("{mib} MiB = {} GiB", mib / 1024)
        }
        Value::Memory(mib) => format!("{mib} MiB"),
        Value::Duration(seconds) => format!("{seconds} seconds"),
        Value::Percent(percent) => format!("{}%", units::trim_number(*percent)),
        _ => return format!("`{written}`"),
    };
    format!("**{written}** = {normalised}")
}
