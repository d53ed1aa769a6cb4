//! A small lexical pre-pass over a file: nesting depth, unclosed delimiters,
//! and the starts of top-level declarations (used for error recovery).
//! It knows strings and comments, so brackets inside them do not count.

use super::MAX_DEPTH;

/// What the pre-pass found.
#[derive(Debug, Default)]
pub struct Scanned {
    /// Byte offset where nesting first exceeded [`MAX_DEPTH`].
    pub too_deep: Option<usize>,
    /// Byte offset of a `/*` whose comment is still open at the end of the text.
    pub unclosed_comment: Option<usize>,
    /// Candidate declaration starts: (byte offset, bracket depth there).
    starts: Vec<(usize, usize)>,
    /// Every opening delimiter with its offset and whether it was closed,
    /// as (offset, delimiter, closed at).
    opens: Vec<(usize, char, Option<usize>)>,
}

/// The closing delimiter of an opening one.
pub fn closing(open: char) -> char {
    match open {
        '{' => '}',
        '[' => ']',
        '(' => ')',
        '"' => '"',
        _ => '/',
    }
}

impl Scanned {
    /// Splits `0..len` at declaration starts; `strict` splits only where the
    /// bracket depth is zero.
    pub fn chunks(&self, len: usize, strict: bool) -> Vec<(usize, usize)> {
        let mut cuts: Vec<usize> = self
            .starts
            .iter()
            .filter(|(_, depth)| !strict || *depth == 0)
            .map(|(offset, _)| *offset)
            .filter(|offset| *offset > 0)
            .collect();
        cuts.dedup();
        let mut chunks = Vec::with_capacity(cuts.len() + 1);
        let mut start = 0;
        for cut in cuts {
            chunks.push((start, cut));
            start = cut;
        }
        chunks.push((start, len));
        chunks
    }

    /// The innermost delimiter opened in `start..end` and not closed before `end`.
    pub fn unclosed_in(&self, start: usize, end: usize) -> Option<(usize, char)> {
        self.opens
            .iter()
            .rev()
            .find(|(offset, _, closed)| {
                *offset >= start && *offset < end && closed.is_none_or(|c| c >= end)
            })
            .map(|(offset, delimiter, _)| (*offset, *delimiter))
    }
}

/// The bytes the pre-pass looks at when not at the start of a line: line
/// ends, comment and string delimiters, and brackets. (The scan skips the
/// others in a tight loop: it runs on every analysis.)
fn special(byte: u8) -> bool {
    matches!(
        byte,
        b'\n' | b'/' | b'*' | b'"' | b'{' | b'[' | b'(' | b')' | b']' | b'}'
    )
}

/// Runs the pre-pass.
pub fn scan(text: &str) -> Scanned {
    let bytes = text.as_bytes();
    let mut scanned = Scanned::default();
    let mut stack: Vec<usize> = Vec::new(); // indexes into `opens`
    let mut comment_depth = 0usize;
    let mut index = 0usize;
    let mut line_start = true;
    let mut pending_comment_start: Option<usize> = None;
    let mut comment_start = 0usize;
    while let Some(&byte) = bytes.get(index) {
        if !line_start && !special(byte) {
            // Nothing to do until the next byte that can matter.
            index += bytes
                .get(index..)
                .unwrap_or_default()
                .iter()
                .position(|b| special(*b))
                .unwrap_or(bytes.len() - index);
            continue;
        }
        let next = bytes.get(index + 1).copied();
        if comment_depth > 0 {
            if byte == b'*' && next == Some(b'/') {
                comment_depth -= 1;
                index += 2;
                continue;
            }
            if byte == b'/' && next == Some(b'*') {
                comment_depth += 1;
                if comment_depth > MAX_DEPTH && scanned.too_deep.is_none() {
                    scanned.too_deep = Some(index);
                }
                index += 2;
                continue;
            }
            line_start = byte == b'\n';
            index += 1;
            continue;
        }
        if line_start {
            if byte.is_ascii_alphabetic() || byte == b'_' {
                let start = pending_comment_start.take().unwrap_or(index);
                scanned.starts.push((start, stack.len()));
            } else if byte == b'/' && next == Some(b'/') {
                pending_comment_start.get_or_insert(index);
            } else if byte != b'\n' && byte != b'\r' {
                pending_comment_start = None;
            }
        }
        line_start = false;
        match byte {
            b'\n' => line_start = true,
            b'/' if next == Some(b'/') => {
                while bytes.get(index).is_some_and(|b| *b != b'\n') {
                    index += 1;
                }
                continue;
            }
            b'/' if next == Some(b'*') => {
                comment_depth = 1;
                comment_start = index;
                index += 2;
                continue;
            }
            b'"' => {
                index += 1;
                while let Some(&b) = bytes.get(index) {
                    if b == b'\\' {
                        index += 2;
                        continue;
                    }
                    if b == b'"' || b == b'\n' {
                        break;
                    }
                    index += 1;
                }
            }
            b'{' | b'[' | b'(' => {
                stack.push(scanned.opens.len());
                scanned.opens.push((index, char::from(byte), None));
                if stack.len() > MAX_DEPTH && scanned.too_deep.is_none() {
                    scanned.too_deep = Some(index);
                }
            }
            b'}' | b']' | b')' => {
                if let Some(open) = stack.pop()
                    && let Some(entry) = scanned.opens.get_mut(open)
                {
                    entry.2 = Some(index);
                }
            }
            _ => {}
        }
        index += 1;
    }
    if comment_depth > 0 {
        scanned.unclosed_comment = Some(comment_start);
    }
    scanned
}
