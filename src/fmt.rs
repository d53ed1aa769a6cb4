//! `ecsc fmt`: one canonical layout for `.ecs` files.
//!
//! [`format_text`] (or [`format_file`]) parses a file with
//! [`crate::syntax::parse`], recovers its comments from the text (the grammar
//! skips them, see [`comments`]) and prints the tree again in the canonical
//! style (documented in `docs/language.md`, "Canonical style"):
//!
//! - 2-space indentation, one statement per line in multi-line bodies, no
//!   commas between them;
//! - `=` aligned within a run of consecutive assignments of a body (a blank
//!   line or another kind of statement ends the run);
//! - a body stays on one line, `{ a = 1, b = 2 }`, only when it was written
//!   on one line, has no comments, holds only assignments of one-line
//!   non-map values (and blocks without a body), and fits in
//!   [`WIDTH`] columns; an empty body is `{}`;
//! - a list is written on one line, `[a, b]`, when it holds no map and no
//!   comment and fits in [`WIDTH`] columns; otherwise one item per line, each
//!   followed by a comma;
//! - exactly one blank line before and after a multi-line top-level
//!   declaration; between one-line declarations, and inside bodies, blank
//!   lines are kept where they were, at most one, never after `{` or before `}`;
//! - `512 MiB`, `0.5 vcpu`, `30s`, `5m`, `60%`; `vCPU` is written `vcpu` and
//!   `min` is written `m`; numbers keep their text; strings are re-escaped
//!   canonically; ranges are `2..20` (` .. ` when a side has a space);
//! - `\n` line endings, no trailing whitespace, a final newline.
//!
//! Comments are never lost and never move to another statement (see
//! [`printer`] for where each comment goes). The output is checked before it
//! is returned: it must parse, give the same tree (spans aside) with the
//! same doc comments, and keep every comment; otherwise the formatter
//! refuses with [`FormatError::Internal`] and the file is left as it was.

pub mod comments;
mod printer;

pub use printer::WIDTH;

use crate::diagnostics::Diagnostics;
use crate::span::FileId;
use crate::syntax::{self, ast};
use std::fmt::Write as _;

/// Why a text could not be formatted.
#[derive(Debug, Clone)]
pub enum FormatError {
    /// The text has syntax errors (`E0xxx`); nothing was changed.
    Syntax(Diagnostics),
    /// A bug in the formatter: its output would not have kept the program
    /// or its comments, so it was thrown away.
    Internal(String),
}

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FormatError::Syntax(diags) => {
                write!(f, "the file has {} syntax error(s)", diags.error_count())
            }
            FormatError::Internal(message) => write!(f, "internal formatter error: {message}"),
        }
    }
}

impl std::error::Error for FormatError {}

/// Formats a whole file. Diagnostics of a [`FormatError::Syntax`] point into
/// `text` as file `FileId(0)`.
pub fn format_text(text: &str) -> Result<String, FormatError> {
    format_file(FileId(0), text)
}

/// Formats a whole file whose diagnostics should name `file`.
///
/// Returns the canonical text (possibly equal to `text`), or the syntax
/// errors that prevent formatting.
pub fn format_file(file: FileId, text: &str) -> Result<String, FormatError> {
    if let Some(nul) = text.find('\0') {
        let mut diags = Diagnostics::new();
        diags.push(crate::syntax::nul_byte(file, nul));
        return Err(FormatError::Syntax(diags));
    }
    let mut diags = Diagnostics::new();
    let parsed = syntax::parse(file, text, &mut diags);
    if diags.has_errors() {
        return Err(FormatError::Syntax(diags));
    }
    let found = comments::scan(text);
    let output = printer::print(text, &parsed.stmts, found.clone()).ok_or_else(|| {
        FormatError::Internal("a comment found no place in the formatted text".into())
    })?;
    verify(file, text, &parsed, &found, &output)?;
    Ok(output)
}

/// Checks that `output` keeps the program and the comments of `text`.
fn verify(
    file: FileId,
    text: &str,
    parsed: &ast::File,
    found: &[comments::Comment],
    output: &str,
) -> Result<(), FormatError> {
    let mut diags = Diagnostics::new();
    let reparsed = syntax::parse(file, output, &mut diags);
    if diags.has_errors() {
        return Err(FormatError::Internal(
            "the formatted text does not parse".into(),
        ));
    }
    if shape(parsed) != shape(&reparsed) {
        return Err(FormatError::Internal(
            "the formatted text would not mean the same program".into(),
        ));
    }
    let mut before: Vec<String> = found.iter().map(|c| c.text(text)).collect();
    let mut after: Vec<String> = comments::scan(output)
        .iter()
        .map(|c| c.text(output))
        .collect();
    before.sort();
    after.sort();
    if before != after {
        return Err(FormatError::Internal(
            "the formatted text would lose a comment".into(),
        ));
    }
    Ok(())
}

/// The canonical spelling of a unit: `vCPU` is `vcpu`, `min` is `m`.
pub fn canonical_unit(unit: &str) -> &str {
    match unit {
        "vCPU" => "vcpu",
        "min" => "m",
        other => other,
    }
}

/// A string literal with canonical escapes: `\"`, `\\`, `\n`, `\t`, `\r`,
/// `\0`, and `\u{...}` for other control and invisible characters.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            ch if ch.is_control() || is_invisible(ch) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(ch));
            }
            ch => out.push(ch),
        }
    }
    out.push('"');
    out
}

/// Format and bidirectional control characters that would hide text.
fn is_invisible(ch: char) -> bool {
    matches!(
        ch,
        '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// The tree without spans, as text: two files with the same shape are the
/// same program with the same doc comments.
fn shape(file: &ast::File) -> String {
    let mut out = String::new();
    for stmt in &file.stmts {
        shape_stmt(stmt, &mut out);
    }
    out
}

fn shape_stmt(stmt: &ast::Stmt, out: &mut String) {
    use ast::StmtKind as S;
    let _ = write!(out, "(docs {:?} ", stmt.docs);
    match &stmt.kind {
        S::Let { name, value } => {
            let _ = write!(out, "let {:?} ", name.node);
            shape_expr(value, out);
        }
        S::Output { name, value } => {
            let _ = write!(out, "output {:?} ", name.node);
            shape_expr(value, out);
        }
        S::Param { name, ty, default } | S::Field { name, ty, default } => {
            let word = if matches!(stmt.kind, S::Param { .. }) {
                "param"
            } else {
                "field"
            };
            let _ = write!(out, "{word} {:?} {} ", name.node, printer::type_text(ty));
            if let Some(default) = default {
                shape_expr(default, out);
            }
        }
        S::Import { path } => {
            let _ = write!(out, "import {:?}", path.node);
        }
        S::Kind { name, label, body } => {
            let label = label.as_ref().map(printer::type_text);
            let _ = write!(out, "kind {:?} {label:?} ", name.node);
            for stmt in body {
                shape_stmt(stmt, out);
            }
        }
        S::Attr { name, ty } => {
            let _ = write!(out, "attr {:?} {}", name.node, printer::type_text(ty));
        }
        S::Assign { key, value } => {
            let _ = write!(out, "assign {:?} ", key.node);
            shape_expr(value, out);
        }
        S::Block(block) => {
            let _ = write!(out, "block {:?} ", block.kind.node);
            if let Some(label) = &block.label {
                shape_expr(label, out);
            }
            if let Some(body) = &block.body {
                out.push_str("{ ");
                for stmt in &body.stmts {
                    shape_stmt(stmt, out);
                }
                out.push('}');
            }
        }
        S::Error => out.push_str("error"),
    }
    out.push_str(")\n");
}

fn shape_expr(expr: &ast::Expr, out: &mut String) {
    use ast::ExprKind as E;
    match &expr.kind {
        E::Str(text) => {
            let _ = write!(out, "{text:?}");
        }
        E::Number(number) => {
            let _ = write!(out, "num {}", number.text);
        }
        E::Bool(value) => {
            let _ = write!(out, "{value}");
        }
        E::Quantity { number, unit } => {
            let _ = write!(out, "qty {} {}", number.text, canonical_unit(&unit.node));
        }
        E::List(items) => {
            out.push('[');
            for item in items {
                shape_expr(item, out);
                out.push(',');
            }
            out.push(']');
        }
        E::Map(stmts) => {
            out.push_str("{ ");
            for stmt in stmts {
                shape_stmt(stmt, out);
            }
            out.push('}');
        }
        E::Reference(parts) => {
            let parts: Vec<&str> = parts.iter().map(|p| p.node.as_str()).collect();
            let _ = write!(out, "ref {parts:?}");
        }
        E::Range(low, high) => {
            out.push('(');
            shape_expr(low, out);
            out.push_str(" .. ");
            shape_expr(high, out);
            out.push(')');
        }
        E::Error => out.push_str("error"),
    }
    out.push(' ');
}

#[cfg(test)]
mod tests {
    #![allow(clippy::panic)]
    use super::*;

    fn fmt(text: &str) -> String {
        match format_text(text) {
            Ok(out) => out,
            Err(error) => panic!("{error}: {error:?}"),
        }
    }

    #[test]
    fn aligns_and_indents() {
        let text = "service web {\ncpu=1 vcpu\n  memory = 2GiB,\n\n  count=2 }\n";
        assert_eq!(
            fmt(text),
            "service web {\n  cpu    = 1 vcpu\n  memory = 2 GiB\n\n  count = 2\n}\n"
        );
    }

    #[test]
    fn keeps_comments_in_place() {
        let text = "// head\n\n/// doc\nservice web { // the web tier\n  cpu = 1 vcpu // trailing\n  // end\n}\n";
        assert_eq!(fmt(text), text);
    }

    #[test]
    fn moves_inner_comments_before_the_statement() {
        let text = "x { a /* why */ = 1 }\n";
        assert_eq!(fmt(text), "x {\n  /* why */\n  a = 1\n}\n");
    }

    #[test]
    fn refuses_syntax_errors() {
        assert!(matches!(
            format_text("service {"),
            Err(FormatError::Syntax(_))
        ));
    }

    #[test]
    fn quotes_canonically() {
        assert_eq!(quote("a\"b\\c\u{7}\u{e9}"), "\"a\\\"b\\\\c\\u{7}\u{e9}\"");
    }

    #[test]
    fn crlf_becomes_lf() {
        assert_eq!(fmt("a = 1\r\nb = 2\r\n"), "a = 1\nb = 2\n");
    }

    #[test]
    fn empty_and_comment_only_files() {
        assert_eq!(fmt(""), "");
        assert_eq!(fmt("\n\n  \n"), "");
        assert_eq!(fmt("// a\n\n\n// b  \n"), "// a\n\n// b\n");
    }

    #[test]
    fn drops_the_byte_order_mark() {
        assert_eq!(fmt("\u{FEFF}let x = 1\n"), "let x = 1\n");
    }

    #[test]
    fn keyword_blocks_keep_their_comma() {
        let text = "x {\n  param,\n  count: Int = 2\n}\n";
        assert_eq!(fmt(text), text);
    }

    #[test]
    fn long_one_line_bodies_are_split() {
        let long = "x".repeat(90);
        let text = format!("a {{ b {{ c = \"{long}\" }} }}\n");
        assert_eq!(
            fmt(&text),
            format!("a {{\n  b {{\n    c = \"{long}\"\n  }}\n}}\n")
        );
    }

    #[test]
    fn multi_line_bodies_stay_multi_line() {
        let text = "a {\n  b = 1\n}\n";
        assert_eq!(fmt(text), text);
    }
}
