//! Finds the comments of a file.
//!
//! The grammar skips `//` and `/* */` comments, so the tree does not have
//! them; this scanner recovers them from the text. It follows the lexical
//! rules of `syntax/scan.rs`: `//` comments run to the end of the line,
//! `/* */` comments nest, and strings (with `\` escapes, never spanning a
//! line) may contain comment-like text that is not a comment. `///` (but not
//! `////`) starts a doc comment.

/// What kind of comment it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentKind {
    /// `// ...` (also `//// ...`).
    Line,
    /// `/// ...`: documents the statement after it.
    Doc,
    /// `/* ... */`, possibly nested and spanning lines.
    Block,
}

/// One comment: where it is and what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comment {
    /// First byte (the first `/`).
    pub start: usize,
    /// One past the last byte; line comments end before trailing whitespace.
    pub end: usize,
    /// Its kind.
    pub kind: CommentKind,
}

impl Comment {
    /// The text as the formatter writes it: line endings normalised to `\n`
    /// and trailing whitespace removed from every line.
    pub fn text(&self, source: &str) -> String {
        normalise(source.get(self.start..self.end).unwrap_or(""))
    }
}

/// Removes `\r` before line breaks and trailing whitespace on every line.
pub fn normalise(raw: &str) -> String {
    raw.split('\n')
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

/// All comments of `text`, in source order. They never overlap.
pub fn scan(text: &str) -> Vec<Comment> {
    let bytes = text.as_bytes();
    let mut comments = Vec::new();
    let mut index = 0usize;
    while let Some(&byte) = bytes.get(index) {
        let next = bytes.get(index + 1).copied();
        match byte {
            b'"' => {
                index += 1;
                while let Some(&b) = bytes.get(index) {
                    if b == b'\\' {
                        index += 2;
                        continue;
                    }
                    if b == b'"' {
                        index += 1;
                        break;
                    }
                    if b == b'\n' {
                        break;
                    }
                    index += 1;
                }
            }
            b'/' if next == Some(b'/') => {
                let start = index;
                while bytes.get(index).is_some_and(|b| *b != b'\n') {
                    index += 1;
                }
                let raw = text.get(start..index).unwrap_or("");
                let end = start + raw.trim_end().len();
                let kind = if raw.starts_with("///") && !raw.starts_with("////") {
                    CommentKind::Doc
                } else {
                    CommentKind::Line
                };
                comments.push(Comment { start, end, kind });
            }
            b'/' if next == Some(b'*') => {
                let start = index;
                let mut depth = 1usize;
                index += 2;
                while depth > 0 {
                    match (bytes.get(index), bytes.get(index + 1)) {
                        (Some(b'*'), Some(b'/')) => {
                            depth -= 1;
                            index += 2;
                        }
                        (Some(b'/'), Some(b'*')) => {
                            depth += 1;
                            index += 2;
                        }
                        (Some(_), _) => index += 1,
                        (None, _) => break,
                    }
                }
                let end = index.min(text.len());
                comments.push(Comment {
                    start,
                    end,
                    kind: CommentKind::Block,
                });
            }
            _ => index += 1,
        }
    }
    comments
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<String> {
        scan(text).iter().map(|c| c.text(text)).collect()
    }

    #[test]
    fn finds_every_kind() {
        let text =
            "/// doc\na = \"// not /* a comment\" // line \r\n/* a /* nested */ b */ //// four\n";
        assert_eq!(
            texts(text),
            ["/// doc", "// line", "/* a /* nested */ b */", "//// four"]
        );
        let kinds: Vec<CommentKind> = scan(text).iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            [
                CommentKind::Doc,
                CommentKind::Line,
                CommentKind::Block,
                CommentKind::Line
            ]
        );
    }

    #[test]
    fn escaped_quotes_stay_in_strings() {
        assert_eq!(texts(r#"a = "x\" // y" // z"#), ["// z"]);
    }
}
