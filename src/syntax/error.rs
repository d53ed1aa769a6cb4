//! Turns pest parse failures into `E0001` diagnostics that name, in words,
//! what was expected (never a grammar rule name).

use super::grammar::Rule;
use crate::diagnostics::{Code, Diagnostic};
use crate::span::{FileId, Span};
use std::collections::BTreeSet;

/// What a grammar rule is called in an error message, or `None` to leave it out.
fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "end of file",
        Rule::stmt | Rule::let_decl | Rule::param_decl | Rule::output_decl | Rule::named => {
            "a declaration"
        }
        Rule::assignment => "a field",
        Rule::ident | Rule::key => "a name",
        Rule::expr | Rule::reference | Rule::label => "a value",
        // `quantity` is a number with its unit when one is written.
        Rule::number | Rule::label_number | Rule::quantity => "a number",
        Rule::unit => "a unit",
        Rule::string => "a string",
        Rule::boolean => "`true` or `false`",
        Rule::list => "a list",
        Rule::map | Rule::body => "`{`",
        Rule::type_expr | Rule::type_atom => "a type",
        Rule::range_op => "`..`",
        Rule::escape => "an escape such as `\\n`",
        _ => return None,
    })
}

/// The text of a literal token pest tried to match, from its display: a
/// string, or a range of one character (`=..=`: the grammar writes single
/// characters as ranges, which pest matches faster); `None` for wider ranges
/// (`a..z`) and builtin rules.
fn token_text(token: String) -> Option<String> {
    let mut chars = token.chars();
    match (
        chars.next(),
        chars.next(),
        chars.next(),
        chars.next(),
        chars.next(),
    ) {
        (Some(start), Some('.'), Some('.'), Some(end), None) => {
            (start == end).then(|| start.to_string())
        }
        _ if token == "BUILTIN_RULE" => None,
        _ => Some(token),
    }
}

/// Words for a literal token pest tried to match.
fn describe_token(token: &str) -> Option<String> {
    match token {
        "" | "\"" | "//" | "/*" | "///" | "/" | "*" | "\u{FEFF}" | " " | "\t" | "\r" | "\n" => None,
        "\\" => None,
        // Pieces of other tokens (comment markers, a number's sign, a name's
        // first character): naming them only confuses.
        "////" | "-" | "_" => None,
        _ if token.chars().all(|c| c.is_ascii_alphanumeric()) => None,
        _ => Some(format!("`{token}`")),
    }
}

/// Builds the diagnostic for a failed parse of `text` (which starts at byte
/// `offset` of `file`).
pub fn syntax_error(
    error: &pest::error::Error<Rule>,
    detail: Option<&pest::error::Error<Rule>>,
    file: FileId,
    text: &str,
    offset: usize,
) -> Diagnostic {
    let position = match error.location {
        pest::error::InputLocation::Pos(pos) => pos,
        pest::error::InputLocation::Span((start, _)) => start,
    };
    if let Some(open) = unclosed_string(text, position) {
        let start = offset + open;
        return Diagnostic::new(
            Code::E0002,
            Span::new(file, start, start + 1),
            "this string is never closed",
        )
        .with_primary_label("the string starts here")
        .with_help("add the closing `\"` on the same line (write `\\n` for a line break)");
    }
    let mut expected: BTreeSet<String> = BTreeSet::new();
    if let pest::error::ErrorVariant::ParsingError { positives, .. } = &error.variant {
        expected.extend(
            positives
                .iter()
                .filter_map(|r| describe(*r))
                .map(String::from),
        );
    }
    if let Some(attempts) = detail.and_then(|d| d.parse_attempts()) {
        for token in attempts.expected_tokens() {
            if let Some(words) = token_text(token.to_string())
                .as_deref()
                .and_then(describe_token)
            {
                expected.insert(words);
            }
        }
    }
    let found = found_text(text, position);
    let start = offset + position;
    let end = start + found.len().max(usize::from(position < text.len()));
    let span = Span::new(file, start, end.min(offset + text.len()).max(start));
    let expected: Vec<String> = expected.into_iter().collect();
    let wanted = join_words(&expected);
    let message = if wanted.is_empty() {
        format!("unexpected {}", describe_found(&found))
    } else {
        format!("expected {wanted}, found {}", describe_found(&found))
    };
    Diagnostic::new(Code::E0001, span, message)
        .with_primary_label(if wanted.is_empty() {
            "not valid here".to_string()
        } else {
            format!("expected {wanted}")
        })
        .with_help(
            "statements are `name = value`, `kind label { ... }`, `let`, `param` or `output`",
        )
}

/// The offset of the `"` of a string that is still open when the parse
/// failed at `position`, the end of a line or of the text.
fn unclosed_string(text: &str, position: usize) -> Option<usize> {
    let rest = text.get(position..)?;
    if !(rest.is_empty() || rest.starts_with('\n') || rest.starts_with("\r\n")) {
        return None;
    }
    let line_start = text.get(..position)?.rfind('\n').map_or(0, |n| n + 1);
    let line = text.get(line_start..position)?.as_bytes();
    let mut open = None;
    let mut index = 0;
    while let Some(&byte) = line.get(index) {
        match (open, byte) {
            (None, b'/') if line.get(index + 1) == Some(&b'/') => break,
            (None, b'"') => open = Some(line_start + index),
            (Some(_), b'\\') => index += 1,
            (Some(_), b'"') => open = None,
            _ => {}
        }
        index += 1;
    }
    open
}

fn found_text(text: &str, position: usize) -> String {
    let rest = text.get(position..).unwrap_or("");
    let first: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if !first.is_empty() {
        return first;
    }
    rest.chars().next().map(String::from).unwrap_or_default()
}

fn describe_found(found: &str) -> String {
    match found {
        "" => "end of file".to_string(),
        "\n" | "\r" => "end of line".to_string(),
        _ => format!("`{}`", found.escape_debug()),
    }
}

fn join_words(words: &[String]) -> String {
    match words {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}
