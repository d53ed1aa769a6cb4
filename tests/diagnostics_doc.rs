//! `docs/diagnostics.md` is generated from the code registry and the
//! metadata comment at the top of each explanation
//! (`src/diagnostics/codes/<CODE>.md`, see `ecsc::diagnostics::metadata`).
//!
//! This test fails when the file is stale, and when an ECS rule or template
//! check (`E3xxx`-`E5xxx`, `W3xxx`-`W5xxx`) has no metadata. Regenerate with
//! `UPDATE_DOCS=1 cargo test --test diagnostics_doc`.

use ecsc::diagnostics::Code;
use ecsc::diagnostics::metadata;
use std::path::Path;

const DOC: &str = "docs/diagnostics.md";

/// Every ECS rule and template check says where it comes from and whether
/// cfn-lint catches the same mistake.
#[test]
fn every_rule_has_metadata() {
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|code| metadata::required(**code))
        .filter(|code| metadata::parse(code.explanation()).is_none())
        .map(|code| code.as_str())
        .collect();
    assert!(
        missing.is_empty(),
        "these codes need a metadata line at the top of src/diagnostics/codes/<CODE>.md:\n  {}\n\
         for example:\n  <!-- source: AWS, \"<doc title>\" (<what it says>); catalog: FG001; cfn-lint: E3047 -->\n\
         (`catalog` is optional; `cfn-lint` is the cfn-lint rule that reports the same mistake on \
         the generated template, or `no`), then run `UPDATE_DOCS=1 cargo test --test diagnostics_doc`",
        missing.join(", ")
    );
}

/// The cfn-lint column names rules (`E3047`), or says `no`, `partly` or `n/a`.
#[test]
fn cfn_lint_column_is_well_formed() {
    let bad: Vec<String> = Code::ALL
        .iter()
        .filter_map(|code| metadata::of(*code).map(|meta| (code, meta)))
        .filter(|(_, meta)| {
            let text = meta.cfn_lint.as_str();
            let first = text
                .split(|c: char| c.is_whitespace() || c == ',' || c == ':' || c == '(')
                .next()
                .unwrap_or("");
            let rule_id = first.len() == 5
                && first.starts_with(['E', 'W', 'I'])
                && first[1..].bytes().all(|b| b.is_ascii_digit());
            !(rule_id || ["no", "partly", "n/a"].contains(&first))
        })
        .map(|(code, meta)| format!("{code}: `{}`", meta.cfn_lint))
        .collect();
    assert!(
        bad.is_empty(),
        "`cfn-lint:` must start with a rule ID (E3047), `no`, `partly` or `n/a`:\n  {}",
        bad.join("\n  ")
    );
}

/// `docs/diagnostics.md` matches the registry.
#[test]
fn diagnostics_doc_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(DOC);
    let expected = metadata::table();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected).unwrap_or_else(|e| panic!("cannot write {DOC}: {e}"));
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current != expected {
        let first_difference = current
            .lines()
            .zip(expected.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || "the files differ in length".to_string(),
                |line| format!("first difference at line {}", line + 1),
            );
        panic!(
            "{DOC} is out of date ({first_difference}); run `UPDATE_DOCS=1 cargo test --test diagnostics_doc`"
        );
    }
}
