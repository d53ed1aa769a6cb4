//! Syntax: text -> span-carrying AST. Never fails.
//!
//! [`parse`] runs the pest grammar on the whole file. When that fails it
//! recovers by splitting the file into top-level declarations (lines that
//! start at column 0 with a name) and parsing each on its own, so that one
//! broken declaration reports its error without hiding the others. Inputs
//! that could exhaust the stack (nesting deeper than [`MAX_DEPTH`]) or memory
//! (larger than [`MAX_BYTES`]) are refused up front with `E0004`.
//!
//! [`ParseCache`] gives the same trees incrementally (the language server):
//! it parses each top-level declaration on its own and keeps the result,
//! keyed by the declaration's text, for the next analysis.
//!
//! Codes: E0001 syntax error, E0002 unclosed delimiter, E0003 bad literal,
//! E0004 invalid input.

pub mod ast;
mod builder;
mod cache;
mod error;
mod grammar;
mod scan;

pub use cache::{CacheStats, ParseCache};

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
    let Some(scanned) = prepass(file, text, diags) else {
        return ast::File::default();
    };
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
        Err(_) => recover(
            file,
            text,
            &scanned,
            diags,
            &mut |chunk, offset, stmts, diags| parse_chunk(file, chunk, offset, stmts, diags),
        ),
    }
}

/// The lexical pre-pass, and the inputs refused before parsing (`E0004`:
/// too large, nested too deep); `None` when the file is refused.
fn prepass(file: FileId, text: &str, diags: &mut Diagnostics) -> Option<scan::Scanned> {
    if text.len() > MAX_BYTES {
        diags.push(
            Diagnostic::new(Code::E0004, Span::new(file, 0, 0), "file is too large").with_help(
                format!("`.ecs` files are limited to {} MiB", MAX_BYTES >> 20),
            ),
        );
        return None;
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
        return None;
    }
    Some(scanned)
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
    let next_token = skip_trivia(text, cut);
    for stmt in &mut stmts {
        stmt.for_each_span_mut(&mut |span| stretch(span, cut, next_token));
    }
    stmts.extend(rest);
    diags.extend(ours);
    diags.extend(their_diags);
    Some(stmts)
}

/// Where the first token at or after `at` is: whitespace and comments (not
/// doc comments) skipped, as the grammar's implicit whitespace skips them.
///
/// A chunk parsed alone ends with the whitespace before the next
/// declaration, and nodes whose rule ends with an optional part (a
/// statement, a type, a block without a body) take in the whitespace and
/// comments after them: in the chunk, up to its end; in the whole file, up
/// to the next token, past comments above the next declaration that the
/// pre-pass gave to the next chunk. [`stretch`] moves such ends.
fn skip_trivia(text: &str, at: usize) -> usize {
    let bytes = text.as_bytes();
    let mut index = at;
    loop {
        let rest = bytes.get(index..).unwrap_or_default();
        if let Some(&byte) = rest.first()
            && matches!(byte, b' ' | b'\t' | b'\r' | b'\n')
        {
            index += 1;
        } else if rest.starts_with("\u{FEFF}".as_bytes()) {
            index += 3;
        } else if rest.starts_with(b"//")
            && (!rest.starts_with(b"///") || rest.starts_with(b"////"))
        {
            index += rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
        } else if rest.starts_with(b"/*") {
            match block_comment_len(rest) {
                Some(len) => index += len,
                None => return index,
            }
        } else {
            return index;
        }
    }
}

/// The length of the (nested) block comment `text` starts with; `None` if
/// it is not closed.
fn block_comment_len(text: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    let mut index = 0;
    while let Some(pair) = text.get(index..index + 2) {
        if pair == b"/*" {
            depth += 1;
            index += 2;
        } else if pair == b"*/" {
            depth = depth.checked_sub(1)?;
            index += 2;
            if depth == 0 {
                return Some(index);
            }
        } else {
            index += 1;
        }
    }
    None
}

/// Moves a span that ends at `chunk_end` (after the whitespace that ends a
/// chunk) to end at `next_token`, where it ends in the whole file.
fn stretch(span: &mut Span, chunk_end: usize, next_token: usize) {
    if span.end as usize == chunk_end && next_token > chunk_end {
        *span = Span::new(span.file, span.start as usize, next_token);
    }
}

/// Why a chunk did not parse.
type ChunkError = Box<pest::error::Error<Rule>>;

/// Parses `chunk`, found at `offset` in the file, appending its statements
/// and the builder's diagnostics ([`parse_chunk`], or the same from a cache).
type ChunkParser<'p> =
    dyn FnMut(&str, usize, &mut Vec<ast::Stmt>, &mut Diagnostics) -> Result<(), ChunkError> + 'p;

/// Parses each top-level chunk on its own (with `parse_chunk`).
fn recover(
    file: FileId,
    text: &str,
    scanned: &scan::Scanned,
    diags: &mut Diagnostics,
    parse_chunk: &mut ChunkParser<'_>,
) -> ast::File {
    let mut stmts = Vec::new();
    // Computed once: recomputing per broken chunk made many errors quadratic.
    let all_finer = scanned.chunks(text.len(), false);
    for (start, end) in scanned.chunks(text.len(), true) {
        let chunk = text.get(start..end).unwrap_or("");
        if parse_chunk(chunk, start, &mut stmts, diags).is_ok() {
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
            if let Err(error) = parse_chunk(sub, sub_start, &mut stmts, &mut Diagnostics::new()) {
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

/// Parses one chunk of a file, found at `offset`: appends its statements
/// and the diagnostics the builder reports (literal problems).
fn parse_chunk(
    file: FileId,
    chunk: &str,
    offset: usize,
    stmts: &mut Vec<ast::Stmt>,
    diags: &mut Diagnostics,
) -> Result<(), ChunkError> {
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

    /// A large file parsed in two halves gives the tree of one parse, also
    /// when plain comments above the declarations go to the second half
    /// (the statement before them takes them in, in one parse).
    #[test]
    fn halves_parse_like_the_whole_file() {
        let documented = large_program(None);
        let commented = documented.replace("/// Service", "// Service");
        for text in [documented, commented] {
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
