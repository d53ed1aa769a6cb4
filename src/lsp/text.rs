//! A tiny lexical pass over a document's text that knows strings and
//! comments, for the features that must work when the syntax tree does not:
//! folding ranges and completion inside half-typed blocks.

/// Something the pass found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token {
    /// `{`, `[` or `(` at a byte offset.
    Open(usize, u8),
    /// `}`, `]` or `)` at a byte offset.
    Close(usize, u8),
    /// A comment, `start..end`; `line` for `//` comments.
    Comment {
        /// First byte.
        start: usize,
        /// One past the last byte.
        end: usize,
        /// True for `//` comments (doc comments included).
        line: bool,
    },
}

/// Scans `text` up to byte `until` (exclusive).
pub fn scan(text: &str, until: usize) -> Vec<Token> {
    let bytes = text.as_bytes();
    let until = until.min(bytes.len());
    let mut tokens = Vec::new();
    let mut index = 0;
    while index < until {
        let byte = bytes.get(index).copied().unwrap_or(b' ');
        let next = bytes.get(index + 1).copied();
        match (byte, next) {
            (b'/', Some(b'/')) => {
                let end = text
                    .get(index..)
                    .and_then(|rest| rest.find('\n'))
                    .map_or(bytes.len(), |n| index + n);
                tokens.push(Token::Comment {
                    start: index,
                    end,
                    line: true,
                });
                index = end;
            }
            (b'/', Some(b'*')) => {
                let end = block_comment_end(bytes, index);
                tokens.push(Token::Comment {
                    start: index,
                    end,
                    line: false,
                });
                index = end;
            }
            (b'"', _) => index = string_end(bytes, index),
            (b'{' | b'[' | b'(', _) => {
                tokens.push(Token::Open(index, byte));
                index += 1;
            }
            (b'}' | b']' | b')', _) => {
                tokens.push(Token::Close(index, byte));
                index += 1;
            }
            _ => index += 1,
        }
    }
    tokens
}

fn block_comment_end(bytes: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut index = start;
    while index < bytes.len() {
        match (bytes.get(index), bytes.get(index + 1)) {
            (Some(b'/'), Some(b'*')) => {
                depth += 1;
                index += 2;
            }
            (Some(b'*'), Some(b'/')) => {
                depth = depth.saturating_sub(1);
                index += 2;
                if depth == 0 {
                    return index;
                }
            }
            _ => index += 1,
        }
    }
    bytes.len()
}

/// The end of a string starting at `start` (strings end at a newline too).
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut index = start + 1;
    while let Some(&byte) = bytes.get(index) {
        match byte {
            b'\\' => index += 2,
            b'"' => return index + 1,
            b'\n' => return index,
            _ => index += 1,
        }
    }
    bytes.len()
}

/// Pairs of matching brackets `(open, close)`; unclosed ones have no close.
pub fn pairs(tokens: &[Token]) -> Vec<(usize, u8, Option<usize>)> {
    let mut result = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    for token in tokens {
        match *token {
            Token::Open(offset, byte) => {
                stack.push(result.len());
                result.push((offset, byte, None));
            }
            Token::Close(offset, _) => {
                if let Some(entry) = stack.pop().and_then(|i| result.get_mut(i)) {
                    entry.2 = Some(offset);
                }
            }
            Token::Comment { .. } => {}
        }
    }
    result
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let text = "a { b = \"{\" // {\n /* { */ c [1] }";
        let got = pairs(&scan(text, text.len()));
        let opens: Vec<(usize, u8, bool)> =
            got.iter().map(|(o, b, c)| (*o, *b, c.is_some())).collect();
        assert_eq!(opens, vec![(2, b'{', true), (28, b'[', true)]);
    }
}
