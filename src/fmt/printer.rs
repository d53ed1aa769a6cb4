//! The printer: a parsed file and its comments -> the canonical text.
//!
//! Layout works on *containers* (the file, `{ }` bodies and maps, `[ ]`
//! lists) holding *items* (statements, list elements). Every comment that
//! lies in a container but outside its items is given to an item:
//!
//! - on the line where an item ends: a trailing comment of that item;
//! - on the line of the opening bracket, before any item: kept after the bracket;
//! - otherwise: a leading comment of the next item, or, after the last item,
//!   a comment at the end of the container (before the closing bracket).
//!
//! A comment inside an item but outside the item's own containers (between
//! `key` and `=`, inside a type or a range) cannot stay on a one-line
//! construct, so it moves to its own line just before that item. Comments
//! therefore never leave the statement they were written in.

use super::comments::Comment;
use super::{canonical_unit, quote};
use crate::syntax::ast::{Expr, ExprKind, Ident, Number, Stmt, StmtKind, TypeExpr};

/// The column limit for one-line bodies and lists.
pub const WIDTH: usize = 100;

/// Formats the statements of a file parsed from `text`, whose comments are
/// `comments`. `None` when a comment found no place (a formatter bug: the
/// caller refuses rather than move it).
pub fn print(text: &str, stmts: &[Stmt], comments: Vec<Comment>) -> Option<String> {
    let mut line_starts = vec![0];
    line_starts.extend(
        text.bytes()
            .enumerate()
            .filter(|(_, b)| *b == b'\n')
            .map(|(i, _)| i + 1),
    );
    let used = vec![false; comments.len()];
    let mut printer = Printer {
        text,
        comments,
        used,
        line_starts,
        out: String::new(),
    };
    printer.body(None, text.len(), stmts, 0);
    if printer.used.iter().all(|used| *used) {
        Some(finish(&printer.out))
    } else {
        None
    }
}

/// Removes trailing whitespace on every line and ends the text with exactly
/// one newline (an empty file stays empty).
fn finish(out: &str) -> String {
    let mut text: String = out
        .split('\n')
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n");
    let trimmed = text.trim_end_matches('\n').len();
    text.truncate(trimmed);
    if !text.is_empty() {
        text.push('\n');
    }
    text
}

/// Where the comments of one item go.
#[derive(Debug, Default, Clone)]
struct Slot {
    /// Comments on their own lines before the item, each with "a blank line
    /// precedes it in the source".
    leading: Vec<(usize, bool)>,
    /// A blank line precedes the item itself (after its leading comments).
    head_blank: bool,
    /// Comments after the item on its last line.
    trailing: Vec<usize>,
}

/// The comments of one container.
#[derive(Debug, Default)]
struct Layout {
    /// Comments on the line of the opening bracket.
    brace: Vec<usize>,
    /// One slot per item.
    slots: Vec<Slot>,
    /// Comments after the last item, with their blank-line flags.
    end: Vec<(usize, bool)>,
}

/// One printed item with its leading comments.
struct Chunk {
    text: String,
    /// A blank line preceded it in the source.
    blank_before: bool,
    /// The item itself (not its leading comments) took one line.
    single_line: bool,
}

struct Printer<'a> {
    text: &'a str,
    comments: Vec<Comment>,
    used: Vec<bool>,
    line_starts: Vec<usize>,
    out: String,
}

impl Printer<'_> {
    // ---- source queries ---------------------------------------------------

    fn line_of(&self, offset: usize) -> usize {
        self.line_starts
            .partition_point(|start| *start <= offset)
            .saturating_sub(1)
    }

    fn newlines(&self, from: usize, to: usize) -> usize {
        self.text
            .get(from..to.max(from))
            .map_or(0, |gap| gap.bytes().filter(|b| *b == b'\n').count())
    }

    fn byte(&self, offset: usize) -> Option<u8> {
        self.text.as_bytes().get(offset).copied()
    }

    /// Indexes of the comments starting in `from..to`.
    fn comments_in(&self, from: usize, to: usize) -> std::ops::Range<usize> {
        let first = self.comments.partition_point(|c| c.start < from);
        let last = self.comments.partition_point(|c| c.start < to);
        first..last.max(first)
    }

    fn has_comment(&self, from: usize, to: usize) -> bool {
        !self.comments_in(from, to).is_empty()
    }

    fn comment(&self, index: usize) -> Option<&Comment> {
        self.comments.get(index)
    }

    fn comment_start(&self, index: usize) -> usize {
        self.comment(index).map_or(0, |c| c.start)
    }

    fn is_used(&self, index: usize) -> bool {
        self.used.get(index).copied().unwrap_or(true)
    }

    /// The length of the whitespace (as the grammar counts it) ending at `pos`.
    fn space_before(&self, pos: usize) -> usize {
        match self.byte(pos.wrapping_sub(1)) {
            Some(b' ' | b'\t' | b'\r' | b'\n') if pos > 0 => 1,
            _ if pos >= 3 && self.text.get(pos - 3..pos) == Some("\u{FEFF}") => 3,
            _ => 0,
        }
    }

    /// The length of the whitespace (as the grammar counts it) starting at `pos`.
    fn space_at(&self, pos: usize) -> usize {
        match self.byte(pos) {
            Some(b' ' | b'\t' | b'\r' | b'\n') => 1,
            _ if self.text.get(pos..pos + 3) == Some("\u{FEFF}") => 3,
            _ => 0,
        }
    }

    /// Skips whitespace and comments forward from `pos`, up to `limit`.
    fn skip_forward(&self, mut pos: usize, limit: usize) -> usize {
        while pos < limit {
            let space = self.space_at(pos);
            if space > 0 {
                pos += space;
                continue;
            }
            match self.comments.binary_search_by_key(&pos, |c| c.start) {
                Ok(index) => pos = self.comment(index).map_or(limit, |c| c.end),
                Err(_) => break,
            }
        }
        pos.min(limit)
    }

    /// Skips whitespace, comments and (once, when `comma`) a `,` backwards
    /// from `pos`, not going below `floor`.
    fn trim_back(&self, mut pos: usize, floor: usize, mut comma: bool) -> usize {
        while pos > floor {
            let space = self.space_before(pos);
            if space > 0 && pos - space >= floor {
                pos -= space;
                continue;
            }
            if let Ok(index) = self.comments.binary_search_by_key(&pos, |c| c.end) {
                let start = self.comment_start(index);
                if start >= floor && start < pos {
                    pos = start;
                    continue;
                }
            }
            if comma && self.byte(pos - 1) == Some(b',') {
                comma = false;
                pos -= 1;
                continue;
            }
            break;
        }
        pos
    }

    /// The range from a statement's first token (after its doc comments) to
    /// its last token (before a separating comma).
    fn stmt_range(&self, stmt: &Stmt) -> (usize, usize) {
        let start = stmt.span.start as usize;
        let end = stmt.span.end as usize;
        let head = self.skip_forward(start, end);
        (head, self.trim_back(end, head, true).max(head))
    }

    fn expr_range(&self, expr: &Expr) -> (usize, usize) {
        let start = expr.span.start as usize;
        (start, self.trim_back(expr.span.end as usize, start, false))
    }

    /// The first `{` in `from..to` outside comments.
    fn find_open(&self, mut pos: usize, to: usize) -> Option<usize> {
        while pos < to {
            if let Ok(index) = self.comments.binary_search_by_key(&pos, |c| c.start) {
                pos = self.comment(index).map_or(to, |c| c.end);
                continue;
            }
            if self.byte(pos) == Some(b'{') {
                return Some(pos);
            }
            pos += 1;
        }
        None
    }

    fn source(&self, from: usize, to: usize) -> &str {
        self.text.get(from..to).unwrap_or("")
    }

    // ---- output -------------------------------------------------------------

    fn push(&mut self, text: &str) {
        self.out.push_str(text);
    }

    fn nl(&mut self) {
        self.out.push('\n');
    }

    fn indent(&mut self, level: usize) {
        for _ in 0..level {
            self.out.push_str("  ");
        }
    }

    fn col(&self) -> usize {
        let line = self.out.rsplit('\n').next().unwrap_or("");
        line.chars().count()
    }

    /// Prints a comment on its own line.
    fn leading(&mut self, index: usize, level: usize) {
        let Some(comment) = self.comment(index).copied() else {
            return;
        };
        if let Some(flag) = self.used.get_mut(index) {
            *flag = true;
        }
        self.indent(level);
        let text = comment.text(self.text);
        self.push(&text);
        self.nl();
    }

    /// Prints a comment after the code on the current line.
    fn trailing(&mut self, index: usize) {
        let Some(comment) = self.comment(index).copied() else {
            return;
        };
        if let Some(flag) = self.used.get_mut(index) {
            *flag = true;
        }
        self.push(" ");
        let text = comment.text(self.text);
        self.push(&text);
    }

    // ---- containers ---------------------------------------------------------

    /// Assigns the comments of a container (between `open`, the opening
    /// bracket, or the start of the file, and `close`) to its items.
    fn layout(&self, open: Option<usize>, close: usize, items: &[(usize, usize)]) -> Layout {
        let from = open.map_or(0, |o| o + 1);
        let mut layout = Layout {
            slots: vec![Slot::default(); items.len()],
            ..Layout::default()
        };
        let candidates: Vec<usize> = self
            .comments_in(from, close)
            .filter(|index| !self.is_used(*index))
            .collect();
        let mut cursor = from;
        let mut next = 0usize;
        let mut candidate = candidates.iter().copied().peekable();
        loop {
            let comment = candidate
                .peek()
                .and_then(|i| self.comment(*i).map(|c| (*i, *c)));
            let item = items.get(next).copied();
            match (comment, item) {
                (Some((_, c)), _) if c.start < cursor => {
                    // Inside the previous item: that item prints it.
                    candidate.next();
                }
                (Some((index, c)), item) if item.is_none_or(|(head, _)| c.start < head) => {
                    candidate.next();
                    let blank = self.newlines(cursor, c.start) >= 2;
                    let previous = next
                        .checked_sub(1)
                        .and_then(|p| items.get(p).map(|i| (p, i.1)));
                    match previous {
                        Some((p, end)) if self.line_of(c.start) == self.line_of(end) => {
                            if let Some(slot) = layout.slots.get_mut(p) {
                                slot.trailing.push(index);
                            }
                        }
                        None if open.is_some_and(|o| self.line_of(o) == self.line_of(c.start)) => {
                            layout.brace.push(index);
                        }
                        _ => match layout.slots.get_mut(next) {
                            Some(slot) => slot.leading.push((index, blank)),
                            None => layout.end.push((index, blank)),
                        },
                    }
                    cursor = c.end;
                }
                (_, Some((head, end))) => {
                    if let Some(slot) = layout.slots.get_mut(next) {
                        slot.head_blank = self.newlines(cursor, head) >= 2;
                    }
                    cursor = end;
                    next += 1;
                }
                (None, None) => break,
                (Some(_), None) => {
                    candidate.next();
                }
            }
        }
        layout
    }

    /// Prints one item (through `print`, which returns where the item's own
    /// text starts in the output) with its leading comments into a chunk.
    fn chunk(
        &mut self,
        slot: &Slot,
        level: usize,
        print: impl FnOnce(&mut Self, &[usize]) -> usize,
    ) -> Chunk {
        let saved = std::mem::take(&mut self.out);
        for (position, (index, blank)) in slot.leading.iter().enumerate() {
            if position > 0 && *blank {
                self.nl();
            }
            self.leading(*index, level);
        }
        if !slot.leading.is_empty() && slot.head_blank {
            self.nl();
        }
        let start = print(self, &slot.trailing);
        let text = std::mem::replace(&mut self.out, saved);
        let own = text.get(start..).unwrap_or("");
        Chunk {
            single_line: !own.trim_end_matches('\n').contains('\n'),
            blank_before: slot.leading.first().map_or(slot.head_blank, |l| l.1),
            text,
        }
    }

    /// Prints the comments at the end of a container.
    fn end_comments(&mut self, end: &[(usize, bool)], level: usize, after_items: bool) {
        for (position, (index, blank)) in end.iter().enumerate() {
            if (position > 0 || after_items) && *blank {
                self.nl();
            }
            self.leading(*index, level);
        }
    }

    /// Prints the statements of the file (`open` is `None`) or of a body
    /// whose `{` has just been printed, ending at the start of a line.
    fn body(&mut self, open: Option<usize>, close: usize, stmts: &[Stmt], level: usize) {
        let ranges: Vec<(usize, usize)> = stmts.iter().map(|s| self.stmt_range(s)).collect();
        let layout = self.layout(open, close, &ranges);
        for index in &layout.brace {
            self.trailing(*index);
        }
        if open.is_some() {
            self.nl();
        }
        let top = open.is_none();
        let pads = if top {
            vec![0; stmts.len()]
        } else {
            self.pads(stmts, &layout.slots)
        };
        let mut chunks: Vec<Chunk> = Vec::with_capacity(stmts.len());
        for (index, stmt) in stmts.iter().enumerate() {
            let slot = layout.slots.get(index).cloned().unwrap_or_default();
            let pad = pads.get(index).copied().unwrap_or(0);
            let chunk = self.chunk(&slot, level, |p, trailing| {
                p.stmt(stmt, level, pad, trailing)
            });
            chunks.push(chunk);
        }
        for (index, chunk) in chunks.iter().enumerate() {
            if index > 0 {
                // A multi-line declaration is always set apart; one-line
                // declarations keep the blank line between them, if any.
                let forced = top
                    && !(chunks.get(index - 1).is_some_and(|c| c.single_line) && chunk.single_line);
                if forced || chunk.blank_before {
                    self.nl();
                }
            }
            self.push(&chunk.text);
        }
        self.end_comments(&layout.end, level, !chunks.is_empty());
    }

    /// Key widths for `=` alignment: a run of consecutive assignments with
    /// no blank line between them aligns on its longest key.
    fn pads(&self, stmts: &[Stmt], slots: &[Slot]) -> Vec<usize> {
        let keys: Vec<Option<usize>> = stmts
            .iter()
            .map(|s| match &s.kind {
                StmtKind::Assign { key, .. } => Some(self.key(key).chars().count()),
                _ => None,
            })
            .collect();
        let gap_blank: Vec<bool> = slots
            .iter()
            .map(|s| s.head_blank || s.leading.iter().any(|l| l.1))
            .collect();
        let mut pads = vec![0; stmts.len()];
        let mut index = 0;
        while index < stmts.len() {
            if keys.get(index).copied().flatten().is_none() {
                index += 1;
                continue;
            }
            let mut end = index + 1;
            while end < stmts.len()
                && keys.get(end).copied().flatten().is_some()
                && !gap_blank.get(end).copied().unwrap_or(true)
            {
                end += 1;
            }
            let width = keys
                .get(index..end)
                .unwrap_or(&[])
                .iter()
                .flatten()
                .copied()
                .max()
                .unwrap_or(0);
            for pad in pads.get_mut(index..end).unwrap_or(&mut []) {
                *pad = width;
            }
            index = end;
        }
        pads
    }

    /// Prints a `{ }` body (block, kind or map) starting at the current column.
    fn braces(&mut self, open: usize, close: usize, stmts: &[Stmt], level: usize, reserve: usize) {
        if let Some(flat) = self.flat_body(open, close, stmts)
            && self.col() + flat.chars().count() + reserve <= WIDTH
        {
            self.push(&flat);
            return;
        }
        self.push("{");
        self.body(Some(open), close, stmts, level + 1);
        self.indent(level);
        self.push("}");
    }

    /// Prints a list one item per line.
    fn list(&mut self, expr: &Expr, items: &[Expr], level: usize) {
        let open = expr.span.start as usize;
        let close = (expr.span.end as usize).saturating_sub(1);
        let ranges: Vec<(usize, usize)> = items.iter().map(|e| self.expr_range(e)).collect();
        let layout = self.layout(Some(open), close, &ranges);
        self.push("[");
        for index in &layout.brace {
            self.trailing(*index);
        }
        self.nl();
        let mut any = false;
        for (index, item) in items.iter().enumerate() {
            let slot = layout.slots.get(index).cloned().unwrap_or_default();
            let range = ranges.get(index).copied().unwrap_or_default();
            let chunk = self.chunk(&slot, level + 1, |p, trailing| {
                p.hoist(range, &expr_containers(item), level + 1);
                let start = p.out.len();
                p.indent(level + 1);
                p.expr(item, level + 1, 1);
                p.push(",");
                for comment in trailing {
                    p.trailing(*comment);
                }
                p.nl();
                start
            });
            if any && chunk.blank_before {
                self.nl();
            }
            self.push(&chunk.text);
            any = true;
        }
        self.end_comments(&layout.end, level + 1, any);
        self.indent(level);
        self.push("]");
    }

    /// Prints, on their own lines, the comments inside `range` that are not
    /// inside one of `containers` (those print them).
    fn hoist(&mut self, range: (usize, usize), containers: &[(usize, usize)], level: usize) {
        let inside: Vec<usize> = self
            .comments_in(range.0, range.1)
            .filter(|index| !self.is_used(*index))
            .filter(|index| {
                let start = self.comment_start(*index);
                !containers.iter().any(|(a, b)| *a <= start && start < *b)
            })
            .collect();
        for index in inside {
            self.leading(index, level);
        }
    }

    // ---- statements ---------------------------------------------------------

    /// Prints a statement and its trailing comments, ending the line; returns
    /// where the statement's own text starts in the output.
    fn stmt(&mut self, stmt: &Stmt, level: usize, pad: usize, trailing: &[usize]) -> usize {
        let range = self.stmt_range(stmt);
        let kind_open = match &stmt.kind {
            StmtKind::Kind { name, .. } => self.find_open(name.span.end as usize, range.1),
            _ => None,
        };
        let containers = match &stmt.kind {
            StmtKind::Let { value, .. }
            | StmtKind::Output { value, .. }
            | StmtKind::Assign { value, .. } => expr_containers(value),
            StmtKind::Param { default, .. } | StmtKind::Field { default, .. } => {
                default.as_ref().map(expr_containers).unwrap_or_default()
            }
            StmtKind::Kind { .. } => kind_open.map(|o| vec![(o, range.1)]).unwrap_or_default(),
            StmtKind::Block(block) => block
                .body
                .as_ref()
                .map(|b| vec![(b.span.start as usize, b.span.end as usize)])
                .unwrap_or_default(),
            StmtKind::Import { .. } | StmtKind::Attr { .. } => Vec::new(),
            StmtKind::Error => vec![range],
        };
        self.hoist(range, &containers, level);
        let start = self.out.len();
        self.indent(level);
        match &stmt.kind {
            StmtKind::Let { name, value } => {
                self.push("let ");
                self.push(&name.node);
                self.push(" = ");
                self.expr(value, level, 0);
            }
            StmtKind::Output { name, value } => {
                self.push("output ");
                self.push(&name.node);
                self.push(" = ");
                self.expr(value, level, 0);
            }
            StmtKind::Param { name, ty, default } => {
                self.push("param ");
                self.typed(name, ty, default.as_ref(), level);
            }
            StmtKind::Field { name, ty, default } => self.typed(name, ty, default.as_ref(), level),
            StmtKind::Attr { name, ty } => {
                self.push("attr ");
                self.typed(name, ty, None, level);
            }
            StmtKind::Import { path } => {
                self.push("import ");
                self.push(&quote(&path.node));
            }
            StmtKind::Kind { name, label, body } => {
                self.push("kind ");
                self.push(&name.node);
                if let Some(label) = label {
                    self.push("(");
                    self.push(&type_text(label));
                    self.push(")");
                }
                self.push(" ");
                match kind_open {
                    Some(open) => self.braces(open, range.1.saturating_sub(1), body, level, 0),
                    None => self.push("{}"),
                }
            }
            StmtKind::Assign { key, value } => {
                let key = self.key(key);
                let width = key.chars().count();
                self.push(&key);
                for _ in width..pad {
                    self.push(" ");
                }
                self.push(" = ");
                self.expr(value, level, 0);
            }
            StmtKind::Block(block) => {
                self.push(&block.kind.node);
                if let Some(label) = &block.label {
                    self.push(" ");
                    let text = self.flat(label).unwrap_or_default();
                    self.push(&text);
                }
                match &block.body {
                    Some(body) => {
                        self.push(" ");
                        let open = body.span.start as usize;
                        let close = (body.span.end as usize).saturating_sub(1);
                        self.braces(open, close, &body.stmts, level, 0);
                    }
                    // `let` alone on a line would start a declaration on
                    // the next line; the comma keeps it a block.
                    None if is_keyword(&block.kind.node) => self.push(","),
                    None => {}
                }
            }
            StmtKind::Error => {
                let text = self.source(range.0, range.1).to_string();
                for index in self.comments_in(range.0, range.1) {
                    if let Some(flag) = self.used.get_mut(index) {
                        *flag = true;
                    }
                }
                self.push(&text);
            }
        }
        for index in trailing {
            self.trailing(*index);
        }
        self.nl();
        start
    }

    /// `name: Type = default`
    fn typed(&mut self, name: &Ident, ty: &TypeExpr, default: Option<&Expr>, level: usize) {
        self.push(&name.node);
        self.push(": ");
        self.push(&type_text(ty));
        if let Some(default) = default {
            self.push(" = ");
            self.expr(default, level, 0);
        }
    }

    /// A key as written: a name, or a string when it was quoted.
    fn key(&self, key: &Ident) -> String {
        if self.byte(key.span.start as usize) == Some(b'"') {
            quote(&key.node)
        } else {
            key.node.clone()
        }
    }

    // ---- values -------------------------------------------------------------

    /// Prints a value at the current column; `reserve` columns must stay free
    /// after it on its last line (a list item's comma).
    fn expr(&mut self, expr: &Expr, level: usize, reserve: usize) {
        match &expr.kind {
            ExprKind::List(items) => {
                if let Some(flat) = self.flat(expr)
                    && self.col() + flat.chars().count() + reserve <= WIDTH
                {
                    self.push(&flat);
                    return;
                }
                self.list(expr, items, level);
            }
            ExprKind::Map(stmts) => {
                let open = expr.span.start as usize;
                let close = (expr.span.end as usize).saturating_sub(1);
                self.braces(open, close, stmts, level, reserve);
            }
            ExprKind::Range(low, high) => {
                let separator = self.range_separator(low, high);
                self.expr(low, level, 0);
                self.push(separator);
                self.expr(high, level, reserve);
            }
            _ => {
                let text = self.flat(expr).unwrap_or_default();
                self.push(&text);
            }
        }
    }

    /// `..` between plain values, ` .. ` when a side has a space (`1 GiB .. 4 GiB`).
    fn range_separator(&self, low: &Expr, high: &Expr) -> &'static str {
        match (self.flat(low), self.flat(high)) {
            (Some(low), Some(high)) if !low.contains(' ') && !high.contains(' ') => "..",
            _ => " .. ",
        }
    }

    /// The one-line text of a value, if it may be written on one line.
    fn flat(&self, expr: &Expr) -> Option<String> {
        Some(match &expr.kind {
            ExprKind::Str(text) => quote(text),
            ExprKind::Number(number) => number.text.clone(),
            ExprKind::Bool(value) => value.to_string(),
            ExprKind::Quantity { number, unit } => quantity(number, unit),
            ExprKind::Reference(parts) => parts
                .iter()
                .map(|p| p.node.as_str())
                .collect::<Vec<_>>()
                .join("."),
            ExprKind::Range(low, high) => {
                let separator = self.range_separator(low, high);
                format!("{}{separator}{}", self.flat(low)?, self.flat(high)?)
            }
            ExprKind::List(items) => {
                let (start, end) = (expr.span.start as usize, expr.span.end as usize);
                if self.has_comment(start, end)
                    || items.iter().any(|i| matches!(i.kind, ExprKind::Map(_)))
                {
                    return None;
                }
                let items: Option<Vec<String>> = items.iter().map(|i| self.flat(i)).collect();
                format!("[{}]", items?.join(", "))
            }
            ExprKind::Map(stmts) => self.flat_body(
                expr.span.start as usize,
                (expr.span.end as usize).saturating_sub(1),
                stmts,
            )?,
            ExprKind::Error => self
                .source(expr.span.start as usize, expr.span.end as usize)
                .to_string(),
        })
    }

    /// The one-line text of a body: `{}` when empty, `{ a = 1, b = 2 }` when
    /// it was written on one line, has no comments and holds only
    /// assignments of one-line non-map values and blocks without bodies.
    fn flat_body(&self, open: usize, close: usize, stmts: &[Stmt]) -> Option<String> {
        if self.has_comment(open, close + 1) {
            return None;
        }
        if stmts.is_empty() {
            return Some("{}".into());
        }
        if self.line_of(open) != self.line_of(close) {
            return None;
        }
        let mut parts = Vec::with_capacity(stmts.len());
        for stmt in stmts {
            parts.push(match &stmt.kind {
                StmtKind::Assign { key, value } if !matches!(value.kind, ExprKind::Map(_)) => {
                    format!("{} = {}", self.key(key), self.flat(value)?)
                }
                StmtKind::Block(block) if block.body.is_none() => match &block.label {
                    Some(label) => format!("{} {}", block.kind.node, self.flat(label)?),
                    None => block.kind.node.clone(),
                },
                _ => return None,
            });
        }
        Some(format!("{{ {} }}", parts.join(", ")))
    }
}

/// The words that start declarations.
fn is_keyword(word: &str) -> bool {
    matches!(
        word,
        "let" | "param" | "output" | "import" | "kind" | "attr"
    )
}

/// The spans of the lists and maps in a value (they print their own comments).
fn expr_containers(expr: &Expr) -> Vec<(usize, usize)> {
    match &expr.kind {
        ExprKind::List(_) | ExprKind::Map(_) => {
            vec![(expr.span.start as usize, expr.span.end as usize)]
        }
        ExprKind::Range(low, high) => {
            let mut all = expr_containers(low);
            all.extend(expr_containers(high));
            all
        }
        _ => Vec::new(),
    }
}

/// `String`, `enum(a, b) | Int?`
pub fn type_text(ty: &TypeExpr) -> String {
    let alternatives: Vec<String> = ty
        .alternatives
        .iter()
        .map(|atom| {
            if atom.args.is_empty() {
                atom.name.node.clone()
            } else {
                let args: Vec<String> = atom.args.iter().map(type_text).collect();
                format!("{}({})", atom.name.node, args.join(", "))
            }
        })
        .collect();
    let mark = if ty.optional { "?" } else { "" };
    format!("{}{mark}", alternatives.join(" | "))
}

/// `512 MiB`, `0.5 vcpu`, `30s`, `60%`: units made of letters follow a
/// space, except the one-letter durations, which (like `%`) are attached.
fn quantity(number: &Number, unit: &Ident) -> String {
    let unit = canonical_unit(&unit.node);
    if matches!(unit, "s" | "m" | "h" | "d" | "%") {
        format!("{}{unit}", number.text)
    } else {
        format!("{} {unit}", number.text)
    }
}
