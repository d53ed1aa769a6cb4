//! Syntax: text -> span-carrying AST. Never fails.
//!
//! [`parse`] runs the pest grammar on the whole file. When that fails it
//! recovers by splitting the file into top-level declarations (lines that
//! start at column 0 with a name) and parsing each on its own, so that one
//! broken declaration reports its error without hiding the others. Inputs
//! that could exhaust the stack (nesting deeper than [`MAX_DEPTH`]) or memory
//! (larger than [`MAX_BYTES`]) are refused up front with `E0004`.
//!
//! Codes: E0001 syntax error, E0002 unclosed delimiter, E0003 bad literal,
//! E0004 invalid input.

pub mod ast;
mod builder;
mod error;
mod grammar;
mod scan;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::span::{FileId, Span};
use grammar::{EcsParser, Rule};
use pest::Parser;

/// Deepest nesting of brackets and block comments accepted.
pub const MAX_DEPTH: usize = 64;
/// Largest file accepted, in bytes.
pub const MAX_BYTES: usize = 16 * 1024 * 1024;

/// Parses one file. Always returns a tree; problems go to `diags`.
pub fn parse(file: FileId, text: &str, diags: &mut Diagnostics) -> ast::File {
    if text.len() > MAX_BYTES {
        diags.push(
            Diagnostic::new(Code::E0004, Span::new(file, 0, 0), "file is too large").with_help(
                format!("`.ecs` files are limited to {} MiB", MAX_BYTES >> 20),
            ),
        );
        return ast::File::default();
    }
    let scanned = scan::scan(text);
    if let Some(deep) = scanned.too_deep {
        diags.push(
            Diagnostic::new(
                Code::E0004,
                Span::new(file, deep, deep + 1),
                "nesting is too deep",
            )
            .with_primary_label(format!("more than {MAX_DEPTH} levels deep here"))
            .with_help("flatten the structure; no real program nests this deep"),
        );
        return ast::File::default();
    }
    match EcsParser::parse(Rule::file, text) {
        Ok(pairs) => {
            let mut builder = builder::Builder {
                file,
                offset: 0,
                diags,
            };
            let stmts = pairs
                .into_iter()
                .next()
                .map(|file_pair| builder.stmts(file_pair.into_inner()))
                .unwrap_or_default();
            ast::File { stmts }
        }
        Err(_) => recover(file, text, &scanned, diags),
    }
}

/// Parses each top-level chunk on its own.
fn recover(
    file: FileId,
    text: &str,
    scanned: &scan::Scanned,
    diags: &mut Diagnostics,
) -> ast::File {
    let mut stmts = Vec::new();
    // Computed once: recomputing per broken chunk made many errors quadratic.
    let all_finer = scanned.chunks(text.len(), false);
    for (start, end) in scanned.chunks(text.len(), true) {
        let chunk = text.get(start..end).unwrap_or("");
        if parse_chunk(file, chunk, start, &mut stmts, diags).is_ok() {
            continue;
        }
        // Retry with a finer split, ignoring brackets: a missing `}` should
        // not swallow every declaration after it.
        let first = all_finer.partition_point(|(s, _)| *s < start);
        let finer: Vec<(usize, usize)> = all_finer
            .get(first..)
            .unwrap_or_default()
            .iter()
            .copied()
            .take_while(|(_, e)| *e <= end)
            .collect();
        let mut reported = false;
        for (sub_start, sub_end) in finer {
            let sub = text.get(sub_start..sub_end).unwrap_or("");
            if let Err(error) =
                parse_chunk(file, sub, sub_start, &mut stmts, &mut Diagnostics::new())
            {
                if !reported {
                    diags.push(chunk_error(file, sub, sub_start, &error, scanned));
                    reported = true;
                }
                stmts.push(ast::Stmt {
                    docs: Vec::new(),
                    span: Span::new(file, sub_start, sub_end),
                    kind: ast::StmtKind::Error,
                });
            }
        }
    }
    ast::File { stmts }
}

fn parse_chunk(
    file: FileId,
    chunk: &str,
    offset: usize,
    stmts: &mut Vec<ast::Stmt>,
    diags: &mut Diagnostics,
) -> Result<(), Box<pest::error::Error<Rule>>> {
    let pairs = EcsParser::parse(Rule::file, chunk).map_err(Box::new)?;
    let mut builder = builder::Builder {
        file,
        offset,
        diags,
    };
    if let Some(file_pair) = pairs.into_iter().next() {
        stmts.extend(builder.stmts(file_pair.into_inner()));
    }
    Ok(())
}

/// The diagnostic for a chunk that does not parse: an unclosed delimiter when
/// the chunk ends inside one, otherwise a syntax error at the failure point.
fn chunk_error(
    file: FileId,
    chunk: &str,
    offset: usize,
    error: &pest::error::Error<Rule>,
    scanned: &scan::Scanned,
) -> Diagnostic {
    if let Some(open) = scanned
        .unclosed_comment
        .filter(|open| (offset..offset + chunk.len()).contains(open))
    {
        return Diagnostic::new(
            Code::E0002,
            Span::new(file, open, open + 2),
            "this comment is never closed",
        )
        .with_primary_label("the comment starts here")
        .with_help("end it with `*/` (block comments nest: each `/*` needs its own `*/`)");
    }
    let at_end = match error.location {
        pest::error::InputLocation::Pos(pos) => {
            chunk.get(pos..).is_none_or(|rest| rest.trim().is_empty())
        }
        pest::error::InputLocation::Span(_) => false,
    };
    if at_end && let Some((open, delimiter)) = scanned.unclosed_in(offset, offset + chunk.len()) {
        return Diagnostic::new(
            Code::E0002,
            Span::new(file, open, open + 1),
            format!("this `{delimiter}` is never closed"),
        )
        .with_primary_label("opened here")
        .with_help(format!("add the matching `{}`", scan::closing(delimiter)));
    }
    pest::set_error_detail(true);
    let detail = EcsParser::parse(Rule::file, chunk).err();
    pest::set_error_detail(false);
    error::syntax_error(error, detail.as_ref(), file, chunk, offset)
}
