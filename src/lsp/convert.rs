//! The one place where byte offsets and [`Span`]s meet LSP positions.
//!
//! LSP positions are 0-based lines and UTF-16 columns (the default position
//! encoding, which the server announces). Everything else in the server works
//! on byte offsets; these helpers convert at the edges, through the line
//! index of [`SourceFile`].

use crate::source::SourceFile;
use crate::span::Span;
use lsp_types::{Position, Range};

/// The LSP range of a span of `file`.
pub fn range(file: &SourceFile, span: Span) -> Range {
    Range {
        start: position(file, span.start),
        end: position(file, span.end.max(span.start)),
    }
}

/// The LSP position of a byte offset of `file`.
pub fn position(file: &SourceFile, offset: u32) -> Position {
    let (line, character) = file.utf16_position(offset);
    Position { line, character }
}

/// The byte offset of an LSP position, or `None` when the line is past the
/// end of the file. A column past the end of its line means the line's end,
/// as the specification asks.
pub fn offset(file: &SourceFile, position: Position) -> Option<u32> {
    if position.line > last_line(file) {
        return None;
    }
    Some(file.offset_of_utf16(position.line, position.character))
}

/// The span of an LSP range in `file`, or `None` when it starts past the end.
pub fn span(file: &SourceFile, file_id: crate::span::FileId, range: Range) -> Option<Span> {
    let start = offset(file, range.start)?;
    let end = offset(file, range.end).unwrap_or(u32::try_from(file.text.len()).unwrap_or(u32::MAX));
    Some(Span {
        file: file_id,
        start,
        end: end.max(start),
    })
}

/// 0-based index of the last line of `file`.
pub fn last_line(file: &SourceFile) -> u32 {
    let len = u32::try_from(file.text.len()).unwrap_or(u32::MAX);
    file.utf16_position(len).0
}

/// 0-based line of a byte offset (for folding ranges).
pub fn line(file: &SourceFile, offset: u32) -> u32 {
    file.utf16_position(offset).0
}

/// Applies one content change to a document's text: the whole text when
/// `range` is `None`, otherwise the replacement of that range.
pub fn apply_change(text: &mut String, range: Option<Range>, new_text: &str) {
    let Some(range) = range else {
        *text = new_text.to_string();
        return;
    };
    let file = SourceFile::new(
        std::path::PathBuf::new(),
        std::sync::Arc::from(text.as_str()),
    );
    let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
    let start = offset(&file, range.start).unwrap_or(len) as usize;
    let end = (offset(&file, range.end).unwrap_or(len) as usize).max(start);
    if text.is_char_boundary(start) && text.is_char_boundary(end) && end <= text.len() {
        text.replace_range(start..end, new_text);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::span::FileId;
    use std::path::PathBuf;
    use std::sync::Arc;

    fn file(text: &str) -> SourceFile {
        SourceFile::new(PathBuf::from("a.ecs"), Arc::from(text))
    }

    #[test]
    fn utf16_columns_count_surrogate_pairs() {
        let f = file("x = \"😀\" y\nz");
        let span = Span::new(FileId(0), 11, 12); // `y`, after a 4-byte emoji
        let r = range(&f, span);
        assert_eq!((r.start.line, r.start.character), (0, 9));
        assert_eq!(offset(&f, r.start), Some(11));
        assert_eq!(offset(&f, Position::new(1, 0)), Some(13));
        assert_eq!(offset(&f, Position::new(2, 0)), None);
        assert_eq!(offset(&f, Position::new(0, 99)), Some(12));
    }

    #[test]
    fn incremental_changes_replace_ranges() {
        let mut text = "ab\ncd".to_string();
        apply_change(
            &mut text,
            Some(Range::new(Position::new(1, 0), Position::new(1, 1))),
            "X",
        );
        assert_eq!(text, "ab\nXd");
        apply_change(&mut text, None, "new");
        assert_eq!(text, "new");
    }
}
