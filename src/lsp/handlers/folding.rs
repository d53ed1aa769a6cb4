//! Folding ranges: multi-line `{ }` and `[ ]`, block comments and runs of
//! line comments. Found by a lexical pass, so they work in broken files too.

use super::super::convert;
use super::super::text::{self, Token};
use super::{Outcome, World};
use lsp_types::{FoldingRange, FoldingRangeKind, FoldingRangeParams};

/// `textDocument/foldingRange`.
pub fn folding_ranges(
    world: &World,
    params: FoldingRangeParams,
) -> Outcome<Option<Vec<FoldingRange>>> {
    let Some(ctx) = world.ctx(&params.text_document.uri) else {
        return Ok(None);
    };
    let source = ctx.source;
    let line = |offset: usize| convert::line(source, u32::try_from(offset).unwrap_or(u32::MAX));
    let tokens = text::scan(ctx.text(), ctx.text().len());
    let mut ranges = Vec::new();
    for (open, _, close) in text::pairs(&tokens) {
        let Some(close) = close else { continue };
        let (start, end) = (line(open), line(close));
        // Keep the closing bracket's line visible.
        if end > start + 1 {
            ranges.push(range(start, end - 1, None));
        }
    }
    let mut run: Option<(u32, u32)> = None;
    for token in &tokens {
        let Token::Comment {
            start,
            end,
            line: is_line,
        } = *token
        else {
            continue;
        };
        let (first, last) = (line(start), line(end.saturating_sub(1).max(start)));
        if !is_line {
            if last > first {
                ranges.push(range(first, last, Some(FoldingRangeKind::Comment)));
            }
            continue;
        }
        run = match run {
            Some((run_start, run_end)) if first == run_end + 1 => Some((run_start, first)),
            Some((run_start, run_end)) => {
                if run_end > run_start {
                    ranges.push(range(run_start, run_end, Some(FoldingRangeKind::Comment)));
                }
                Some((first, first))
            }
            None => Some((first, first)),
        };
    }
    if let Some((run_start, run_end)) = run.filter(|(s, e)| e > s) {
        ranges.push(range(run_start, run_end, Some(FoldingRangeKind::Comment)));
    }
    ranges.sort_by_key(|r| (r.start_line, r.end_line));
    Ok(Some(ranges))
}

fn range(start_line: u32, end_line: u32, kind: Option<FoldingRangeKind>) -> FoldingRange {
    FoldingRange {
        start_line,
        start_character: None,
        end_line,
        end_character: None,
        kind,
        collapsed_text: None,
    }
}
