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
    if text.len() >= PARALLEL_BYTES
        && let Some(stmts) = parse_halves(file, text, &scanned, diags)
    {
        return ast::File { stmts };
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

/// Files from this size on are parsed in two halves on two threads.
const PARALLEL_BYTES: usize = 16 * 1024;

/// Parses the two halves of a large file (split at the top-level declaration
/// nearest the middle) at the same time, as error recovery parses chunks;
/// `None` if either half does not parse (the whole file is then parsed again,
/// to report the errors as usual). Parsing is the largest cost that grows
/// with the size of a program.
fn parse_halves(
    file: FileId,
    text: &str,
    scanned: &scan::Scanned,
    diags: &mut Diagnostics,
) -> Option<Vec<ast::Stmt>> {
    let middle = text.len() / 2;
    let cut = scanned
        .chunks(text.len(), true)
        .iter()
        .map(|(start, _)| *start)
        .filter(|start| *start > 0)
        .min_by_key(|start| start.abs_diff(middle))?;
    let (first, second) = (text.get(..cut)?, text.get(cut..)?);
    let (ours, theirs) = std::thread::scope(|scope| {
        let theirs = scope.spawn(move || {
            let mut stmts = Vec::new();
            let mut diags = Diagnostics::new();
            parse_chunk(file, second, cut, &mut stmts, &mut diags)
                .ok()
                .map(|()| (stmts, diags))
        });
        let mut stmts = Vec::new();
        let mut ours = Diagnostics::new();
        let ok = parse_chunk(file, first, 0, &mut stmts, &mut ours).is_ok();
        (ok.then_some((stmts, ours)), theirs.join())
    });
    let theirs = match theirs {
        Ok(theirs) => theirs,
        Err(panicked) => std::panic::resume_unwind(panicked),
    };
    let ((mut stmts, ours), (rest, their_diags)) = (ours?, theirs?);
    stmts.extend(rest);
    diags.extend(ours);
    diags.extend(their_diags);
    Some(stmts)
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

/// `E0004` for a NUL byte at `offset`: the file is binary, not text.
pub fn nul_byte(file: FileId, offset: usize) -> Diagnostic {
    Diagnostic::new(
        Code::E0004,
        Span::new(file, offset, offset + 1),
        "the file contains a NUL byte",
    )
    .with_primary_label("binary data here")
    .with_help("`.ecs` files are text; is this the right file?")
}

/// `E0004` for the first byte at `offset` that is not valid UTF-8.
pub fn invalid_utf8(file: FileId, offset: usize) -> Diagnostic {
    Diagnostic::new(
        Code::E0004,
        Span::new(file, offset, offset + 1),
        "the file is not valid UTF-8",
    )
    .with_primary_label("invalid byte here")
    .with_help("save the file as UTF-8 text")
}

#[cfg(test)]
mod parallel_tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]

    use super::*;

    fn large_program(broken: Option<usize>) -> String {
        (0..300)
            .map(|i| {
                let cpu = if broken == Some(i) { "= =" } else { "= 256" };
                format!(
                    "/// Service {i}.\nservice s{i} {{\n  cpu {cpu}\n  container app {{ image = \"x:{i}\" }}\n}}\n\n"
                )
            })
            .collect()
    }

    /// A large file parsed in two halves gives the tree of one parse.
    #[test]
    fn halves_parse_like_the_whole_file() {
        let text = large_program(None);
        assert!(text.len() >= PARALLEL_BYTES);
        let mut diags = Diagnostics::new();
        let halves = parse(FileId(3), &text, &mut diags);
        let pairs = EcsParser::parse(Rule::file, &text).unwrap();
        let mut whole_diags = Diagnostics::new();
        let mut builder = builder::Builder {
            file: FileId(3),
            offset: 0,
            diags: &mut whole_diags,
        };
        let whole = builder.stmts(pairs.into_iter().next().unwrap().into_inner());
        assert_eq!(halves.stmts, whole);
        assert_eq!(diags.len(), whole_diags.len());
    }

    /// An error in either half is reported as for any file.
    #[test]
    fn errors_in_a_half_are_reported() {
        for broken in [3, 250] {
            let text = large_program(Some(broken));
            let mut diags = Diagnostics::new();
            let parsed = parse(FileId(3), &text, &mut diags);
            assert!(diags.has_errors(), "error in service {broken} not reported");
            assert!(parsed.stmts.len() >= 299);
        }
    }
}
