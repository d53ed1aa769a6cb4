//! Housekeeping of the diagnostic codes: every code registered in
//! `src/diagnostics/codes.rs` has an explanation `codes/<CODE>.md` with the
//! four sections, an example that really raises it, a fix that really does
//! not, and at least one fixture under `tests/fixtures/` whose header names
//! it; and every explanation file belongs to a registered code.
//!
//! The only codes excused are listed below, each with the reason.

mod common;

use common::{compile_text, fixtures, parse_header, root};
use ecsc::diagnostics::Code;
use std::collections::BTreeSet;

/// Codes no program can raise: they report bugs in ecsc itself, so they have
/// neither a fixture nor an example that triggers them (their `## Example`
/// shows what the report looks like instead).
const COMPILER_BUGS: &[(&str, &str)] = &[
    (
        "E5001",
        "the generated template breaks a CloudFormation resource schema: lowering produced a bad property",
    ),
    (
        "E5002",
        "the generated template refers to a resource that does not exist, or has a cycle: a lowering bug",
    ),
    (
        "E9001",
        "two resources of different declarations got one logical ID: the resolver already rejects \
         names that collide (E1002), so this is a lowering bug",
    ),
];

/// Codes whose `## Fix` block is not meant to compile on its own.
const FIX_NOT_STANDALONE: &[(&str, &str)] = &[(
    "E1005",
    "the fix imports a file, which exists only next to the program, not in the explanation",
)];

fn listed(list: &[(&str, &str)], code: Code) -> bool {
    list.iter().any(|(c, _)| *c == code.as_str())
}

/// The sections an explanation must have, in this order.
const SECTIONS: &[&str] = &["## What it means", "## Why", "## Example", "## Fix"];

/// The text of section `heading` (up to the next `## ` heading).
fn section<'a>(text: &'a str, heading: &str) -> Option<&'a str> {
    let start = text.find(&format!("\n{heading}\n"))? + heading.len() + 2;
    let rest = text.get(start..)?;
    let end = rest.find("\n## ").unwrap_or(rest.len());
    rest.get(..end)
}

/// The first fenced ```ecs block of a section.
fn ecs_block(section: &str) -> Option<String> {
    let start = section.find("```ecs\n")? + "```ecs\n".len();
    let rest = section.get(start..)?;
    let end = rest.find("```")?;
    rest.get(..end).map(str::to_string)
}

#[test]
fn every_code_is_explained_with_a_working_example_and_fix() {
    let mut failures = Vec::new();
    for &code in Code::ALL {
        let text = code.explanation();
        let file = format!("src/diagnostics/codes/{code}.md");
        if !text
            .lines()
            .any(|line| line.starts_with(&format!("# {code}")))
        {
            failures.push(format!("{file}: needs a `# {code}: ...` title"));
        }
        let mut last = 0;
        for heading in SECTIONS {
            match text.find(&format!("\n{heading}\n")) {
                Some(at) if at >= last => last = at,
                Some(_) => failures.push(format!("{file}: `{heading}` is out of order")),
                None => failures.push(format!("{file}: the section `{heading}` is missing")),
            }
            if section(text, heading).is_some_and(|s| s.trim().is_empty()) {
                failures.push(format!("{file}: the section `{heading}` is empty"));
            }
        }
        if listed(COMPILER_BUGS, code) {
            continue;
        }
        match section(text, "## Example").and_then(ecs_block) {
            None => failures.push(format!("{file}: `## Example` needs an ```ecs block")),
            Some(example) => {
                let compiled = compile_text("example.ecs", &example);
                if !compiled.codes().contains(code.as_str()) {
                    failures.push(format!(
                        "{file}: the example does not raise {code}; it raises:\n{}",
                        compiled.summary()
                    ));
                }
            }
        }
        match section(text, "## Fix").and_then(ecs_block) {
            None => failures.push(format!(
                "{file}: `## Fix` needs an ```ecs block with the fixed program"
            )),
            Some(_) if listed(FIX_NOT_STANDALONE, code) => {}
            Some(fix) => {
                let compiled = compile_text("fix.ecs", &fix);
                if compiled.codes().contains(code.as_str()) || compiled.diagnostics().has_errors() {
                    failures.push(format!(
                        "{file}: the fixed program still fails:\n{}",
                        compiled.summary()
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} problems with explanations:\n\n{}\n",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_code_has_a_fixture() {
    let mut named: BTreeSet<String> = BTreeSet::new();
    for fixture in fixtures() {
        let text = std::fs::read_to_string(root().join(&fixture.path)).unwrap_or_default();
        if let Ok(expect) = parse_header(&text) {
            named.extend(expect.codes());
        }
    }
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|code| !listed(COMPILER_BUGS, **code))
        .map(|code| code.as_str())
        .filter(|code| !named.contains(*code))
        .collect();
    assert!(
        missing.is_empty(),
        "these codes have no fixture under tests/fixtures/ whose `// expect:` line names them: \
         {missing:?}"
    );
}

#[test]
fn every_explanation_file_is_registered() {
    let dir = root().join("src/diagnostics/codes");
    let mut stray = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("codes directory").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".md") else {
            stray.push(name);
            continue;
        };
        if Code::parse(stem).is_none_or(|code| code.as_str() != stem) {
            stray.push(name);
        }
    }
    stray.sort();
    assert!(
        stray.is_empty(),
        "files in src/diagnostics/codes/ that belong to no registered code: {stray:?}"
    );
}

#[test]
fn exemptions_name_registered_codes() {
    for (code, reason) in COMPILER_BUGS.iter().chain(FIX_NOT_STANDALONE) {
        assert!(Code::parse(code).is_some(), "{code} is not registered");
        assert!(!reason.is_empty());
    }
}

#[test]
fn codes_are_unique_and_well_formed() {
    let mut seen = BTreeSet::new();
    for code in Code::ALL {
        let text = code.as_str();
        assert!(seen.insert(text), "{text} is registered twice");
        assert!(
            text.len() == 5
                && (text.starts_with('E') || text.starts_with('W'))
                && text[1..].chars().all(|c| c.is_ascii_digit()),
            "{text} is not of the form E1234 or W1234"
        );
        let warning = text.starts_with('W');
        assert_eq!(
            warning,
            code.severity() == ecsc::diagnostics::Severity::Warning,
            "{text}: W codes are warnings and E codes errors"
        );
        assert!(!code.summary().is_empty() && !code.name().is_empty());
    }
}
