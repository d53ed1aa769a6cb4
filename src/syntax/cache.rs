//! Incremental parsing: [`ParseCache`] keeps the parse of every top-level
//! declaration of the files it has seen, keyed by the declaration's text, so
//! that after an edit only the declarations whose text changed are parsed
//! again (the language server re-parses on every keystroke).
//!
//! A file is cut where the pre-pass (`scan.rs`) finds a top-level
//! declaration at bracket depth zero, the cuts error recovery and the
//! two-halves parse use. Each chunk is parsed alone at offset 0 and stored
//! with the diagnostics the builder reported for it; on reuse, a copy is
//! moved to the chunk's place (every span of the tree and of the
//! diagnostics shifted by the chunk's offset, and given the file's id).
//!
//! The result is the tree and the diagnostics [`super::parse`] gives for the
//! same text. That rests on one property of the grammar, which the
//! two-halves parse relies on too: a statement can only continue past the
//! end of a line with a token that does not start with a letter (`=`, `{`,
//! `|`, `..`, `,`, `?`), so a chunk that parses alone parses the same way
//! inside the file, and the file parses exactly when every chunk does.
//! When a chunk does not parse, the text from that chunk to the end is
//! parsed at once (a statement may span chunks); if that fails too, the
//! file has a syntax error and is recovered as [`super::parse`] recovers it,
//! with the chunks that parse taken from the cache. Chunks that do not
//! parse are never stored.
//!
//! Entries not used by an analysis are dropped at its end
//! ([`ParseCache::evict_unused`]), so the cache holds about one copy of the
//! trees of the program it serves.

use super::{ChunkError, PARALLEL_BYTES, ast, parse_chunk, prepass, recover, skip_trivia, stretch};
use crate::diagnostics::{Diagnostic, Diagnostics, Label, Suggestion};
use crate::span::{FileId, Span};
use std::collections::{HashMap, HashSet};

/// The parses of top-level declarations, keyed by their text.
#[derive(Debug, Default)]
pub struct ParseCache {
    entries: HashMap<Box<str>, Entry>,
    /// The analysis in progress (entries used by it carry this number).
    generation: u64,
    /// Chunks taken from the cache (not parsed), since the cache was made.
    hits: u64,
    /// Chunks parsed (successfully or not), since the cache was made.
    misses: u64,
}

/// One declaration's parse, at offset 0.
#[derive(Debug)]
struct Entry {
    stmts: Vec<ast::Stmt>,
    diags: Vec<Diagnostic>,
    /// The last generation that used it.
    used: u64,
}

/// What [`ParseCache::stats`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheStats {
    /// Declarations stored.
    pub entries: usize,
    /// Chunks taken from the cache so far.
    pub hits: u64,
    /// Chunks parsed so far.
    pub misses: u64,
}

/// A chunk's statements and diagnostics, moved to their place in the file.
type Placed = (Vec<ast::Stmt>, Vec<Diagnostic>);

/// A chunk's statements and diagnostics, parsed at offset 0.
type Parsed = (Vec<ast::Stmt>, Vec<Diagnostic>);

impl ParseCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses one file like [`super::parse`], reusing the declarations
    /// parsed before.
    pub fn parse(&mut self, file: FileId, text: &str, diags: &mut Diagnostics) -> ast::File {
        let Some(scanned) = prepass(file, text, diags) else {
            return ast::File::default();
        };
        let cuts = scanned.chunks(text.len(), true);
        // Each chunk, and where the spans that end at its end (after its
        // trailing whitespace) end in the whole file.
        let chunks: Vec<(&str, usize, usize)> = cuts
            .iter()
            .enumerate()
            .map(|(index, &(start, end))| {
                let next_token = match cuts.get(index + 1) {
                    Some(&(next, _)) => skip_trivia(text, next),
                    None => end,
                };
                (text.get(start..end).unwrap_or(""), start, next_token)
            })
            .collect();
        let mut placed: Vec<Option<Placed>> = chunks
            .iter()
            .map(|&(chunk, start, next_token)| self.take(chunk, file, start, next_token))
            .collect();
        self.hits += placed.iter().filter(|placed| placed.is_some()).count() as u64;
        let missing: Vec<&str> = placed
            .iter()
            .zip(&chunks)
            .filter(|(placed, _)| placed.is_none())
            .map(|(_, &(chunk, _, _))| chunk)
            .collect();
        let failed = self.parse_missing(file, &missing);
        for (slot, &(chunk, start, next_token)) in placed.iter_mut().zip(&chunks) {
            if slot.is_none() {
                *slot = self.take(chunk, file, start, next_token);
            }
        }
        let first_failure = placed.iter().position(Option::is_none);
        let Some(failure) = first_failure else {
            return assemble(placed.into_iter().flatten(), diags);
        };
        // A chunk does not parse: parse from there to the end at once, since
        // a statement may continue into the next chunk (then the file is
        // fine and parses as one piece would).
        if let Some(&(_, start, _)) = chunks.get(failure)
            && failure + 1 < chunks.len()
            && let Some(rest) = text.get(start..)
        {
            let mut stmts = Vec::new();
            let mut rest_diags = Diagnostics::new();
            if parse_chunk(file, rest, start, &mut stmts, &mut rest_diags).is_ok() {
                let before = placed.into_iter().take(failure).flatten();
                let mut file = assemble(before, diags);
                file.stmts.extend(stmts);
                diags.extend(rest_diags);
                return file;
            }
        }
        // A syntax error: recover chunk by chunk, as `parse` does.
        recover(
            file,
            text,
            &scanned,
            diags,
            &mut |chunk, offset, stmts, diags| {
                if let Some(error) = failed.get(chunk) {
                    return Err(error.clone());
                }
                // As `parse_chunk` gives it: recovery does not move ends.
                let end = offset + chunk.len();
                let placed = match self.take(chunk, file, offset, end) {
                    Some(placed) => {
                        self.hits += 1;
                        placed
                    }
                    None => {
                        if let Some(error) = self.parse_missing(file, &[chunk]).remove(chunk) {
                            return Err(error);
                        }
                        self.take(chunk, file, offset, end).unwrap_or_default()
                    }
                };
                let (chunk_stmts, chunk_diags) = placed;
                stmts.extend(chunk_stmts);
                diags.extend(chunk_diags);
                Ok(())
            },
        )
    }

    /// Drops the entries the analysis that just ended did not use, and
    /// starts the next one. `driver::analyze_with` calls it at its end.
    pub fn evict_unused(&mut self) {
        let generation = self.generation;
        self.entries.retain(|_, entry| entry.used == generation);
        self.generation += 1;
    }

    /// How many declarations are stored, reused and parsed.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            entries: self.entries.len(),
            hits: self.hits,
            misses: self.misses,
        }
    }

    /// A copy of the stored parse of `chunk`, moved to `offset` in `file`,
    /// with the spans that end at the chunk's end ending at `next_token`;
    /// `None` when it is not stored.
    fn take(
        &mut self,
        chunk: &str,
        file: FileId,
        offset: usize,
        next_token: usize,
    ) -> Option<Placed> {
        let entry = self.entries.get_mut(chunk)?;
        entry.used = self.generation;
        let end = offset + chunk.len();
        Some(moved(
            &entry.stmts,
            &entry.diags,
            file,
            offset,
            (end, next_token),
        ))
    }

    /// Parses the chunks not stored (on two threads when there is much to
    /// parse) and stores those that parse. Returns why the others failed.
    fn parse_missing<'t>(
        &mut self,
        file: FileId,
        chunks: &[&'t str],
    ) -> HashMap<&'t str, ChunkError> {
        let mut seen = HashSet::new();
        let unique: Vec<&str> = chunks
            .iter()
            .copied()
            .filter(|chunk| seen.insert(*chunk))
            .collect();
        let bytes: usize = unique.iter().map(|chunk| chunk.len()).sum();
        let parsed = if bytes >= PARALLEL_BYTES {
            // Split where half the bytes are on each side.
            let mut before = 0;
            let cut = unique
                .iter()
                .position(|chunk| {
                    before += chunk.len();
                    before * 2 >= bytes
                })
                .map_or(unique.len(), |at| at + 1);
            let (first, second) = unique.split_at(cut.min(unique.len()));
            let (mut ours, theirs) = std::thread::scope(|scope| {
                let theirs = scope.spawn(move || parse_each(file, second));
                (parse_each(file, first), theirs.join())
            });
            match theirs {
                Ok(theirs) => ours.extend(theirs),
                Err(panicked) => std::panic::resume_unwind(panicked),
            }
            ours
        } else {
            parse_each(file, &unique)
        };
        self.misses += parsed.len() as u64;
        let mut failed = HashMap::new();
        for (chunk, result) in parsed {
            match result {
                Ok((stmts, diags)) => {
                    let entry = Entry {
                        stmts,
                        diags,
                        used: self.generation,
                    };
                    self.entries.insert(Box::from(chunk), entry);
                }
                Err(error) => {
                    failed.insert(chunk, error);
                }
            }
        }
        failed
    }
}

/// Parses each chunk alone at offset 0.
fn parse_each<'t>(file: FileId, chunks: &[&'t str]) -> Vec<(&'t str, Result<Parsed, ChunkError>)> {
    chunks
        .iter()
        .map(|&chunk| {
            let mut stmts = Vec::new();
            let mut diags = Diagnostics::new();
            let result = parse_chunk(file, chunk, 0, &mut stmts, &mut diags)
                .map(|()| (stmts, diags.into_iter().collect()));
            (chunk, result)
        })
        .collect()
}

/// A copy of a chunk's statements and diagnostics, parsed at offset 0, moved
/// to `offset` in `file`; spans that end at `end` then end at `stretch_to`
/// (`(end, stretch_to)`, see `super::skip_trivia`).
fn moved(
    stmts: &[ast::Stmt],
    diags: &[Diagnostic],
    file: FileId,
    offset: usize,
    (end, stretch_to): (usize, usize),
) -> Placed {
    let delta = u32::try_from(offset).unwrap_or(u32::MAX);
    let mut shift = |span: &mut Span| {
        span.file = file;
        span.start = span.start.saturating_add(delta);
        span.end = span.end.saturating_add(delta);
        stretch(span, end, stretch_to);
    };
    let stmts = stmts
        .iter()
        .map(|stmt| {
            let mut stmt = stmt.clone();
            stmt.for_each_span_mut(&mut shift);
            stmt
        })
        .collect();
    let diags = diags
        .iter()
        .map(|diagnostic| {
            let mut diagnostic = diagnostic.clone();
            for_each_span_mut(&mut diagnostic, &mut shift);
            diagnostic
        })
        .collect();
    (stmts, diags)
}

/// The statements and diagnostics of the chunks, in order, as one file.
fn assemble(chunks: impl Iterator<Item = Placed>, diags: &mut Diagnostics) -> ast::File {
    let mut stmts = Vec::new();
    for (chunk_stmts, chunk_diags) in chunks {
        stmts.extend(chunk_stmts);
        diags.extend(chunk_diags);
    }
    ast::File { stmts }
}

/// Calls `f` on every span of a diagnostic (primary, labels, suggestion).
fn for_each_span_mut(diagnostic: &mut Diagnostic, f: &mut impl FnMut(&mut Span)) {
    let Diagnostic {
        code: _,
        severity: _,
        message: _,
        primary,
        secondary,
        help: _,
        suggestion,
    } = diagnostic;
    for Label { span, message: _ } in std::iter::once(primary).chain(secondary) {
        f(span);
    }
    if let Some(Suggestion {
        title: _,
        span,
        replacement: _,
    }) = suggestion
    {
        f(span);
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]

    use super::super::parse;
    use super::*;
    use std::path::Path;

    const FILE: FileId = FileId(7);

    /// Parses `text` with the cache and afresh, and checks both give the same
    /// tree and the same diagnostics, in the same order.
    fn check_same(cache: &mut ParseCache, text: &str, what: &str) {
        let mut cached_diags = Diagnostics::new();
        let cached = cache.parse(FILE, text, &mut cached_diags);
        cache.evict_unused();
        let mut fresh_diags = Diagnostics::new();
        let fresh = parse(FILE, text, &mut fresh_diags);
        assert_eq!(cached, fresh, "{what}: trees differ");
        let cached_diags: Vec<Diagnostic> = cached_diags.into_iter().collect();
        let fresh_diags: Vec<Diagnostic> = fresh_diags.into_iter().collect();
        assert_eq!(cached_diags, fresh_diags, "{what}: diagnostics differ");
    }

    /// Versions of `text` after edits at the start, middle and end, which
    /// shift what follows, break it, and repair it.
    fn edits(text: &str) -> Vec<(&'static str, String)> {
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let mid = lines.len() / 2;
        let with_line = |at: usize, line: &str| {
            let mut lines = lines.clone();
            lines.insert(at.min(lines.len()), line);
            lines.concat()
        };
        let middle_byte = lines[..mid].iter().map(|l| l.len()).sum::<usize>();
        let mut inside_middle_line = text.to_string();
        if let Some(line) = lines.get(mid)
            && let Some(at) = line.find(['=', '{'])
        {
            inside_middle_line.insert_str(middle_byte + at, "= ");
        }
        vec![
            ("unchanged", text.to_string()),
            ("comment at the start", format!("// a comment\n{text}")),
            (
                "declaration at the start",
                format!("network n0 {{}}\n\n{text}"),
            ),
            (
                "declaration in the middle",
                with_line(mid, "cluster mid {\n  network = n0\n}\n"),
            ),
            ("line in the middle", with_line(mid, "  cpu = 256\n")),
            (
                "declaration at the end",
                format!("{text}\nservice last {{\n  cpu = 1 vcpu\n}}\n"),
            ),
            ("no final newline", text.trim_end().to_string()),
            (
                "syntax error at the start",
                format!("service = = {{\n{text}"),
            ),
            ("syntax error in the middle", inside_middle_line),
            (
                "syntax error at the end",
                format!("{text}\noutput broken =\n"),
            ),
            (
                "unclosed brace at the start",
                format!("service open {{\n{text}"),
            ),
            (
                "unclosed brace in the middle",
                with_line(mid, "volume v {\n"),
            ),
            (
                "unclosed comment in the middle",
                with_line(mid, "/* open\n"),
            ),
            (
                "statement across lines",
                with_line(mid, "let split =\nsplit_value\n"),
            ),
            (
                "label on the next line",
                with_line(mid, "service\nnext {}\n"),
            ),
            (
                "bad literal",
                with_line(mid, "let big = 99999999999999999999999\n"),
            ),
            (
                "deleted middle",
                lines[..mid].concat() + &lines[mid + 1..].concat(),
            ),
            ("back to the start", text.to_string()),
            ("empty", String::new()),
        ]
    }

    fn fixtures(dir: &Path, out: &mut Vec<(String, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
        entries.sort_by_key(std::fs::DirEntry::path);
        for entry in entries {
            let path = entry.path();
            if path.is_dir() {
                fixtures(&path, out);
            } else if path.extension().is_some_and(|e| e == "ecs")
                && let Ok(text) = String::from_utf8(std::fs::read(&path).unwrap())
            {
                out.push((path.display().to_string(), text));
            }
        }
    }

    /// The syntax and formatter fixtures (valid and broken), one in eight of
    /// the others, and the stdlib, then each of them edited at the start,
    /// middle and end, parse through the cache exactly as afresh: with one
    /// cache kept across the versions, and with a new one.
    #[test]
    fn cached_parse_equals_fresh_parse() {
        let mut files = Vec::new();
        fixtures(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests"),
            &mut files,
        );
        assert!(files.len() > 50, "fixtures not found");
        let mut others = 0;
        files.retain(|(name, _)| {
            let kept = name.contains("syntax") || name.contains("fmt") || others % 8 == 0;
            others += 1;
            kept
        });
        for (name, text) in crate::stdlib::FILES {
            files.push(((*name).to_string(), (*text).to_string()));
        }
        for (name, text) in &files {
            let mut kept = ParseCache::new();
            for (index, (edit, version)) in edits(text).into_iter().enumerate() {
                let what = format!("{name}, {edit}");
                check_same(&mut kept, &version, &what);
                if index % 3 == 0 {
                    check_same(&mut ParseCache::new(), &version, &what);
                }
            }
        }
    }

    /// Typing: random one-character insertions and deletions (of the
    /// characters that matter to the grammar and the pre-pass) anywhere in a
    /// program, each parsed through one kept cache and afresh.
    #[test]
    fn random_edits_parse_as_afresh() {
        let mut text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fmt/comments.ecs"),
        )
        .unwrap();
        text.push_str(&large_program(4, None));
        let alphabet = [
            '{', '}', '=', '\n', '/', '*', '"', 'a', ' ', '[', ']', ',', '.', '1',
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut random = |below: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % below as u64) as usize
        };
        let mut cache = ParseCache::new();
        for step in 0..300 {
            let mut at = random(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            if random(3) == 0 && at < text.len() {
                let len = text[at..].chars().next().map_or(1, char::len_utf8);
                text.replace_range(at..at + len, "");
            } else {
                text.insert(at, alphabet[random(alphabet.len())]);
            }
            check_same(&mut cache, &text, &format!("random edit {step}"));
        }
    }

    fn large_program(services: usize, broken: Option<usize>) -> String {
        (0..services)
            .map(|i| {
                let cpu = if broken == Some(i) { "= =" } else { "= 256" };
                format!(
                    "/// Service {i}.\nservice s{i} {{\n  cpu {cpu}\n  memory = {i} MiB\n  container app {{ image = \"x:{i}\" }}\n}}\n\n"
                )
            })
            .collect()
    }

    /// After a small edit only the edited declaration is parsed again, and a
    /// large cold file (parsed on two threads) comes out as a fresh parse.
    #[test]
    fn an_edit_parses_one_declaration() {
        let text = large_program(300, None);
        assert!(text.len() >= PARALLEL_BYTES);
        let mut cache = ParseCache::new();
        check_same(&mut cache, &text, "cold");
        let cold = cache.stats();
        assert_eq!(cold.misses, 300);
        assert_eq!(cold.entries, 300);
        let edited = text.replacen("memory = 150 MiB", "memory = 1500 MiB", 1);
        check_same(&mut cache, &edited, "edited");
        let warm = cache.stats();
        assert_eq!(warm.misses - cold.misses, 1);
        assert_eq!(warm.hits - cold.hits, 299);
        // The old text of the edited declaration was not used: evicted.
        assert_eq!(warm.entries, 300);
        // An insertion shifts every declaration after it.
        let inserted = edited.replacen("service s10 {", "service s10 {\n  cpu = 512", 1);
        check_same(&mut cache, &inserted, "inserted");
        assert_eq!(cache.stats().misses - warm.misses, 1);
        // A syntax error: recovered as a fresh parse would, reusing the rest.
        for broken in [0, 150, 299] {
            let before = cache.stats();
            check_same(&mut cache, &large_program(300, Some(broken)), "broken");
            assert!(cache.stats().misses - before.misses <= 3);
        }
    }

    /// A file where every chunk is new and some do not parse.
    #[test]
    fn a_cold_broken_file_is_recovered() {
        for broken in [0, 7, 299] {
            check_same(
                &mut ParseCache::new(),
                &large_program(300, Some(broken)),
                "cold and broken",
            );
        }
    }

    /// Entries an analysis did not use are dropped at its end.
    #[test]
    fn unused_entries_are_evicted() {
        let mut cache = ParseCache::new();
        check_same(&mut cache, &large_program(5, None), "five");
        assert_eq!(cache.stats().entries, 5);
        check_same(&mut cache, "network other {}\n", "other");
        assert_eq!(cache.stats().entries, 1);
    }

    /// The span walk moves every span: a chunk parsed at offset 0 and moved
    /// equals the chunk parsed at its offset, for every construct (the stdlib
    /// has `kind`, `attr` and field declarations; the fixtures every value).
    #[test]
    fn moved_parse_equals_parse_at_the_offset() {
        let mut texts: Vec<String> = crate::stdlib::FILES
            .iter()
            .map(|(_, text)| (*text).to_string())
            .collect();
        let mut files = Vec::new();
        fixtures(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests"),
            &mut files,
        );
        texts.extend(files.into_iter().map(|(_, text)| text));
        texts.push("let big = 99999999999999999999999\nlet e = \"\\u{110000}\"\n".into());
        let mut moved_any = 0;
        for text in &texts {
            let mut stmts = Vec::new();
            let mut diags = Diagnostics::new();
            if parse_chunk(FileId(0), text, 0, &mut stmts, &mut diags).is_err() {
                continue;
            }
            let diags: Vec<Diagnostic> = diags.into_iter().collect();
            let end = 1000 + text.len();
            let (stmts, diags) = moved(&stmts, &diags, FILE, 1000, (end, end));
            let mut at_offset = Vec::new();
            let mut offset_diags = Diagnostics::new();
            parse_chunk(FILE, text, 1000, &mut at_offset, &mut offset_diags).unwrap();
            assert_eq!(stmts, at_offset);
            assert_eq!(diags, offset_diags.into_iter().collect::<Vec<_>>());
            moved_any += 1;
        }
        assert!(moved_any > 20);
    }
}
