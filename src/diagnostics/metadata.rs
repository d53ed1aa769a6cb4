//! Where each rule comes from, and whether cfn-lint catches the same
//! mistake: a metadata comment at the top of each explanation, from which
//! `docs/diagnostics.md` is generated (`tests/diagnostics_doc.rs` keeps it
//! current; `UPDATE_DOCS=1 cargo test --test diagnostics_doc` rewrites it).
//!
//! The comment is one line, `key: value` pairs separated by `;`:
//!
//! ```text
//! <!-- source: AWS, "Troubleshoot ... invalid CPU or memory errors"; catalog: FG001; cfn-lint: E3047 -->
//! ```
//!
//! - `source`: the AWS documentation (or other reference) the rule encodes;
//! - `catalog`: the rule's IDs in the design's rules catalog, if any;
//! - `cfn-lint`: the cfn-lint rule that reports the same mistake on the
//!   generated template (`E3047`), or `no` (with a reason in parentheses if
//!   useful), or `partly: ...`.
//!
//! Codes of the language itself (syntax, names, types: `E0xxx` to `E2xxx`)
//! and internal errors (`E9xxx`) need none; every rule about AWS (`E3xxx` to
//! `E5xxx` and their warnings) must have one.

use super::Code;

/// The metadata of one code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    /// The reference the rule encodes.
    pub source: String,
    /// Rules-catalog IDs (`FG001`), if any.
    pub catalog: Option<String>,
    /// Whether cfn-lint catches the same mistake on the generated template.
    pub cfn_lint: String,
}

/// The keys of the metadata comment.
const KEYS: &[&str] = &["source", "catalog", "cfn-lint"];

/// Reads the metadata comment of an explanation, if it has one.
pub fn parse(explanation: &str) -> Option<Metadata> {
    let line = explanation.lines().map(str::trim).find(|line| {
        line.starts_with("<!--") && line.ends_with("-->") && line.contains("source:")
    })?;
    let body = line.strip_prefix("<!--")?.strip_suffix("-->")?;
    // Split on `;` only before a known key, so values may contain `;`.
    let mut pairs: Vec<String> = Vec::new();
    for piece in body.split(';') {
        let starts_key = KEYS
            .iter()
            .any(|key| piece.trim_start().starts_with(&format!("{key}:")));
        match pairs.last_mut() {
            Some(last) if !starts_key => {
                last.push(';');
                last.push_str(piece);
            }
            _ => pairs.push(piece.to_string()),
        }
    }
    let mut meta = Metadata::default();
    for pair in &pairs {
        let Some((key, value)) = pair.split_once(':') else {
            continue;
        };
        let value = value.trim().to_string();
        match key.trim() {
            "source" => meta.source = value,
            "catalog" => meta.catalog = Some(value).filter(|v| !v.is_empty()),
            "cfn-lint" => meta.cfn_lint = value,
            _ => {}
        }
    }
    (!meta.source.is_empty() && !meta.cfn_lint.is_empty()).then_some(meta)
}

/// The explanation without its metadata comment (for `ecsc explain`).
pub fn strip(explanation: &str) -> String {
    let mut out = String::with_capacity(explanation.len());
    let mut skipped = false;
    for line in explanation.split_inclusive('\n') {
        let trimmed = line.trim();
        if !skipped && trimmed.starts_with("<!--") && trimmed.contains("source:") {
            skipped = true;
            continue;
        }
        out.push_str(line);
    }
    out
}

/// True for codes that must carry metadata: the ECS rules and template
/// checks (`E3xxx`-`E5xxx`, `W3xxx`-`W5xxx`).
pub fn required(code: Code) -> bool {
    matches!(code.as_str().as_bytes().get(1), Some(b'3'..=b'5'))
}

/// The metadata of a code: its comment, or for codes of the language
/// itself, a fixed answer.
pub fn of(code: Code) -> Option<Metadata> {
    parse(code.explanation()).or_else(|| {
        (!required(code)).then(|| Metadata {
            source: if code.as_str().starts_with("E9") {
                "ecsc (internal error)".into()
            } else {
                "ecsc language".into()
            },
            catalog: None,
            cfn_lint: "n/a (not a template mistake)".into(),
        })
    })
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The markdown of `docs/diagnostics.md`.
pub fn table() -> String {
    let mut out = String::from(
        "# Diagnostic codes\n\
         \n\
         <!-- Generated from the explanations in src/diagnostics/codes/ by\n\
         \x20    tests/diagnostics_doc.rs; do not edit by hand. After adding or changing a\n\
         \x20    code, run `UPDATE_DOCS=1 cargo test --test diagnostics_doc`. -->\n\
         \n\
         Every diagnostic ecsc reports, with the rule it checks, where the rule comes from,\n\
         and whether [cfn-lint](https://github.com/aws-cloudformation/cfn-lint) reports the\n\
         same mistake on the generated template (so whether ecsc is the only line of defence\n\
         before a deploy). `ecsc explain CODE` prints the full explanation: what it means,\n\
         why, a failing example and the fix. Catalog IDs refer to the ECS rules catalog of\n\
         the design notes.\n\
         \n\
         | Code | Name | Severity | Rule | Source | Catalog | cfn-lint on the output |\n\
         |---|---|---|---|---|---|---|\n",
    );
    let mut codes: Vec<Code> = Code::ALL.to_vec();
    codes.sort_by_key(|code| code.as_str());
    for code in &codes {
        let meta = of(*code).unwrap_or_else(|| Metadata {
            source: "**missing**".into(),
            catalog: None,
            cfn_lint: "**missing**".into(),
        });
        let severity = match code.severity() {
            super::Severity::Error => "error",
            super::Severity::Warning => "warning",
        };
        out.push_str(&format!(
            "| {} | `{}` | {severity} | {} | {} | {} | {} |\n",
            code.as_str(),
            code.name(),
            cell(code.summary()),
            cell(&meta.source),
            cell(meta.catalog.as_deref().unwrap_or("")),
            cell(&meta.cfn_lint),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_and_strips_the_comment() {
        let text = "<!-- source: AWS doc; catalog: FG001; cfn-lint: E3047 -->\n# E3001\n\ntext\n";
        let meta = parse(text).unwrap();
        assert_eq!(meta.source, "AWS doc");
        assert_eq!(meta.catalog.as_deref(), Some("FG001"));
        assert_eq!(meta.cfn_lint, "E3047");
        assert_eq!(strip(text), "# E3001\n\ntext\n");
        assert_eq!(parse("# E3001\n"), None);
        let semicolons = parse("<!-- source: a; b (c; d); cfn-lint: no -->").unwrap();
        assert_eq!(semicolons.source, "a; b (c; d)");
        assert_eq!(semicolons.cfn_lint, "no");
    }

    #[test]
    fn only_aws_rules_require_it() {
        assert!(required(Code::E3001));
        assert!(required(Code::W5001));
        assert!(!required(Code::E2001));
        assert!(!required(Code::E9001));
    }
}
