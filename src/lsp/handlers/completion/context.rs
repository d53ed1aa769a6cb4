//! Where the cursor is, for completion, on text that is usually half-typed.
//!
//! The enclosing block comes from the syntax tree when a block body there
//! contains the cursor; when the tree is broken at that point (the block
//! became an error node), a textual fallback finds the innermost unclosed
//! `kind label {` before the cursor and reads its fields line by line. What
//! is being typed (a statement, a value after `key =`, a unit after a
//! number, an attribute after `name.`) is read from the current line.

use crate::lsp::cursor;
use crate::lsp::handlers::Ctx;
use crate::lsp::text::{self, Token};
use crate::stdlib::{FieldDef, KindDef, Stdlib};
use crate::syntax::ast::StmtKind;
use crate::types::Ty;

/// What completion should offer.
#[derive(Debug)]
pub enum Position {
    /// The start of a statement: field names in a block, kinds and
    /// keywords at the top level.
    Statement,
    /// A value after `key =` (or after `let x =`, with no field).
    Value {
        /// The field being assigned.
        field: Option<&'static FieldDef>,
        /// True inside `[ ... ]`.
        in_list: bool,
    },
    /// After a number: a unit.
    Unit {
        /// The field being assigned.
        field: Option<&'static FieldDef>,
        /// True when a space is needed before the unit.
        needs_space: bool,
    },
    /// After `name.`: an attribute of declaration `name`.
    Attribute(String),
    /// After `param name:`.
    ParamType,
    /// Nowhere to complete (a comment, a string, a new name).
    Nothing,
}

/// The completion context at an offset.
#[derive(Debug)]
pub struct Context {
    /// What to offer.
    pub position: Position,
    /// The kind of the innermost enclosing block, if known.
    pub def: Option<&'static KindDef>,
    /// True inside some block (known or not).
    pub in_block: bool,
    /// Fields already set in that block.
    pub set: Vec<String>,
    /// Where the partial word before the cursor starts (byte offset).
    pub word_start: u32,
    /// True when the rest of the line already has `= ...`.
    pub has_assignment: bool,
}

/// Finds the completion context at `offset` of the document.
pub fn context(ctx: &Ctx, offset: u32, stdlib: &'static Stdlib) -> Context {
    let text = ctx.text();
    let at = (offset as usize).min(text.len());
    let line_start = text
        .get(..at)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |n| n + 1);
    let prefix = text.get(line_start..at).unwrap_or("");
    let suffix = text
        .get(at..)
        .map(|rest| rest.split('\n').next().unwrap_or(""))
        .unwrap_or("");
    let word = partial_word(prefix);
    let before = prefix.get(..prefix.len() - word.len()).unwrap_or("");
    let word_start = u32::try_from(at - word.len()).unwrap_or(offset);
    let (def, in_block, set) = block(ctx, offset, stdlib);
    let position = if in_comment_or_string(text, at, prefix) {
        Position::Nothing
    } else {
        classify(before, def)
    };
    Context {
        position,
        def,
        in_block,
        set,
        word_start,
        has_assignment: suffix.trim_start().starts_with('='),
    }
}

/// The identifier being typed at the end of `prefix` (digits of a number
/// are not part of it: in `512Mi` the word is `Mi`).
fn partial_word(prefix: &str) -> &str {
    let start = prefix
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_alphanumeric() || *c == '_')
        .last()
        .map_or(prefix.len(), |(i, _)| i);
    let word = prefix.get(start..).unwrap_or("");
    word.trim_start_matches(|c: char| c.is_ascii_digit())
}

fn in_comment_or_string(text: &str, at: usize, prefix: &str) -> bool {
    let in_comment = text::scan(text, at)
        .last()
        .is_some_and(|token| match token {
            Token::Comment {
                end, line: true, ..
            } => *end >= at,
            Token::Comment {
                end, line: false, ..
            } => *end > at,
            _ => false,
        });
    let mut quotes = 0;
    let mut escaped = false;
    for c in prefix.chars() {
        match c {
            '\\' if !escaped => {
                escaped = true;
                continue;
            }
            '"' if !escaped => quotes += 1,
            _ => {}
        }
        escaped = false;
    }
    in_comment || quotes % 2 == 1
}

fn is_ident(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// What the text before the partial word says about the position.
fn classify(before: &str, def: Option<&'static KindDef>) -> Position {
    // `name.` -> attributes of `name`.
    if let Some(head) = before.strip_suffix('.') {
        let name_start = head
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        let name = head.get(name_start..).unwrap_or("");
        if is_ident(name) {
            return Position::Attribute(name.to_string());
        }
    }
    let segment = before.rsplit('{').next().unwrap_or(before);
    let field_of = |key: &str| def.and_then(|d| d.fields.get(key));
    // A number just before the cursor -> a unit.
    let trimmed = segment.trim_end();
    let number_start = trimmed
        .rfind(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .map_or(0, |i| i + 1);
    let number = trimmed.get(number_start..).unwrap_or("");
    if number.chars().any(|c| c.is_ascii_digit()) && !number.ends_with('.') {
        let field = assignment(segment).and_then(|(key, _)| field_of(key));
        return Position::Unit {
            field,
            needs_space: trimmed.len() == segment.len(),
        };
    }
    if segment.trim().is_empty() {
        return Position::Statement;
    }
    let words: Vec<&str> = segment.split_whitespace().collect();
    match words.as_slice() {
        ["let" | "output", name, "=", ..] if is_ident(name) => Position::Value {
            field: None,
            in_list: false,
        },
        ["param", ..] if segment.contains('=') => Position::Value {
            field: None,
            in_list: false,
        },
        ["param", ..] if segment.contains(':') => Position::ParamType,
        _ => match assignment(segment) {
            Some((key, rest)) => Position::Value {
                field: field_of(key),
                in_list: rest.matches('[').count() > rest.matches(']').count(),
            },
            None => Position::Nothing,
        },
    }
}

/// `key = rest` -> (key, rest).
fn assignment(segment: &str) -> Option<(&str, &str)> {
    let (key, rest) = segment.split_once('=')?;
    let key = key.trim();
    is_ident(key).then_some((key, rest))
}

/// The enclosing block: its kind, whether there is one, and the fields set in it.
fn block(
    ctx: &Ctx,
    offset: u32,
    stdlib: &'static Stdlib,
) -> (Option<&'static KindDef>, bool, Vec<String>) {
    let enclosing = cursor::enclosing(ctx.ast, offset, stdlib);
    let textual = textual_block(ctx.text(), offset as usize, stdlib);
    // Trust the tree unless the text says the cursor is deeper than the
    // tree knows (the block around the cursor failed to parse).
    let tree_depth = usize::from(enclosing.in_block);
    if enclosing.in_block || textual.depth <= tree_depth {
        // The word being typed may parse as a statement (`cp` is a block
        // without a body); it is not set yet.
        let set = enclosing
            .stmts
            .iter()
            .filter_map(|stmt| match &stmt.kind {
                StmtKind::Assign { key, .. } => Some(key),
                StmtKind::Block(block) => Some(&block.kind),
                _ => None,
            })
            .filter(|key| !key.span.contains(offset))
            .map(|key| key.node.clone())
            .collect();
        return (enclosing.def, enclosing.in_block, set);
    }
    (textual.def, textual.depth > 0, textual.set)
}

struct Textual {
    def: Option<&'static KindDef>,
    depth: usize,
    set: Vec<String>,
}

/// The innermost unclosed `{` before `offset`, read from the text alone.
fn textual_block(text: &str, offset: usize, stdlib: &'static Stdlib) -> Textual {
    let before = text::pairs(&text::scan(text, offset));
    let frames: Vec<usize> = before
        .iter()
        .filter(|(_, byte, close)| *byte == b'{' && close.is_none())
        .map(|(open, _, _)| *open)
        .collect();
    let mut def: Option<&'static KindDef> = None;
    for (depth, open) in frames.iter().enumerate() {
        let head = head_before(text, *open);
        let word = head.split_whitespace().next().unwrap_or("");
        def = if head.contains('=') {
            None
        } else if depth == 0 {
            stdlib.top_kind(word)
        } else {
            match def.and_then(|d| d.fields.get(word)).map(|f| &f.ty) {
                Some(Ty::Block(path)) => stdlib.kind(path),
                _ => None,
            }
        };
    }
    let set = frames
        .last()
        .map(|open| fields_in_body(text, *open, offset))
        .unwrap_or_default();
    Textual {
        def,
        depth: frames.len(),
        set,
    }
}

/// The text before a `{` on its line (or the previous non-blank line when
/// the brace starts its line).
fn head_before(text: &str, open: usize) -> &str {
    let upto = text.get(..open).unwrap_or("");
    let line_start = upto.rfind('\n').map_or(0, |n| n + 1);
    let head = upto.get(line_start..).unwrap_or("").trim();
    if !head.is_empty() {
        return head;
    }
    upto.get(..line_start)
        .unwrap_or("")
        .lines()
        .rev()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("")
}

/// The first word of each line directly inside the body opened at `open`
/// (not in nested brackets, not the cursor's line).
fn fields_in_body(text: &str, open: usize, cursor: usize) -> Vec<String> {
    let all = text::pairs(&text::scan(text, text.len()));
    let end = all
        .iter()
        .find(|(o, _, _)| *o == open)
        .and_then(|(_, _, close)| *close)
        .unwrap_or(text.len());
    let nested: Vec<(usize, usize)> = all
        .iter()
        .filter(|(o, _, _)| *o > open && *o < end)
        .map(|(o, _, close)| (*o, close.unwrap_or(end)))
        .collect();
    let body = text.get(open + 1..end).unwrap_or("");
    let mut names = Vec::new();
    let mut line_offset = open + 1;
    for line in body.split('\n') {
        let start = line_offset;
        line_offset += line.len() + 1;
        let on_cursor_line = start <= cursor && cursor <= start + line.len();
        let inside_nested = nested.iter().any(|(o, c)| *o < start && start <= *c);
        if on_cursor_line || inside_nested {
            continue;
        }
        let word: String = line
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if is_ident(&word) {
            names.push(word);
        }
    }
    names
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn partial_words_skip_number_digits() {
        assert_eq!(partial_word("  cpu = 512Mi"), "Mi");
        assert_eq!(partial_word("  cpu = 512"), "");
        assert_eq!(partial_word("  clu"), "clu");
        assert_eq!(partial_word("  web2"), "web2");
    }

    #[test]
    fn positions_are_read_from_the_line() {
        assert!(matches!(classify("  ", None), Position::Statement));
        assert!(matches!(
            classify("  memory = 512 ", None),
            Position::Unit {
                field: None,
                needs_space: false
            }
        ));
        assert!(matches!(
            classify("  cpu = 1", None),
            Position::Unit {
                field: None,
                needs_space: true
            }
        ));
        assert!(matches!(
            classify("  cluster = ", None),
            Position::Value {
                field: None,
                in_list: false
            }
        ));
        assert!(
            matches!(classify("output x = prod.", None), Position::Attribute(n) if n == "prod")
        );
        assert!(matches!(classify("service ", None), Position::Nothing));
        assert!(matches!(classify("param p: ", None), Position::ParamType));
    }

    #[test]
    fn textual_fallback_finds_unclosed_blocks() {
        let stdlib = crate::stdlib::get();
        let text = "service api {\n  cpu = 1 vcpu\n  container web {\n    image = \"x\"\n    \n";
        let found = textual_block(text, text.len() - 1, stdlib);
        assert_eq!(found.depth, 2);
        assert_eq!(
            found.def.map(|d| d.path.as_str()),
            Some("service.container")
        );
        assert_eq!(found.set, vec!["image".to_string()]);
    }
}
