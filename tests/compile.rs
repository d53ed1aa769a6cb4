//! The compiler end to end, through `driver::analyze` + `driver::build`.
//!
//! - Fixtures: every `tests/fixtures/**/*.ecs` (except helper files, see
//!   `tests/fixtures/README.md`) states on its first line what it must raise:
//!   `// expect: ok` or `// expect: E2001 W3101` (the exact set of codes,
//!   warnings included). The codes are checked first; only then is the
//!   rendered result compared with `snapshots/fixtures/<name>.snap`.
//! - Examples: every `examples/*.ecs` builds with no diagnostic at all, and
//!   its template is snapshotted in `snapshots/examples/`.
//! - Determinism, stability of logical IDs, and the stdlib's own hygiene.
//!
//! Update snapshots with `INSTA_UPDATE=always cargo test --test compile` (or
//! `cargo insta review`), then read the changed `.snap` files.

mod common;

use common::{Expect, compile_file, compile_text, elide, fixtures, parse_header, resources, root};
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

/// Source and template text longer than this is elided in snapshots.
const SNAPSHOT_TEXT_LIMIT: usize = 24_000;

/// Snapshots `text` as `snapshots/<folder>/<name>.snap`; returns the failure
/// message instead of panicking, so that every mismatch gets reported.
fn snapshot(folder: &str, name: &str, input: &Path, text: &str) -> Result<(), String> {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(format!("../snapshots/{folder}"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_input_file(root().join(input));
    catch_unwind(AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_snapshot!(name.to_string(), text));
    }))
    .map_err(|_| format!("snapshot `snapshots/{folder}/{name}.snap` does not match"))
}

/// Control characters (other than line breaks and tabs) written as escapes,
/// so snapshots stay plain text.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' | '\t' => c.to_string(),
            c if c.is_control() => c.escape_unicode().to_string(),
            c => c.to_string(),
        })
        .collect()
}

fn fixture_text(source: &str, compiled: &common::Compiled) -> String {
    let mut source = elide(&printable(source), SNAPSHOT_TEXT_LIMIT);
    if !source.ends_with('\n') {
        source.push('\n');
    }
    let mut text = format!(
        "----- SOURCE\n{source}----- DIAGNOSTICS\n{}",
        printable(&compiled.render_all())
    );
    if let Some(template) = compiled.template() {
        text.push_str("----- CLOUDFORMATION\n");
        text.push_str(&elide(template, SNAPSHOT_TEXT_LIMIT));
    }
    text
}

#[test]
fn fixtures_raise_exactly_their_codes() {
    let fixtures = fixtures();
    assert!(
        fixtures.len() > 40,
        "found only {} fixtures",
        fixtures.len()
    );
    // `FIXTURES=syntax/ cargo test --test compile` runs only the fixtures
    // whose path contains `syntax/` (handy with `INSTA_UPDATE=always`).
    let filter = std::env::var("FIXTURES").unwrap_or_default();
    let mut failures = Vec::new();

    let mut names: BTreeMap<&str, &Path> = BTreeMap::new();
    for fixture in &fixtures {
        if let Some(other) = names.insert(&fixture.name, &fixture.path) {
            failures.push(format!(
                "{}: the name `{}` is also used by {} (fixture names must be unique)",
                fixture.path.display(),
                fixture.name,
                other.display()
            ));
        }
    }

    let selected: Vec<&common::Fixture> = fixtures
        .iter()
        .filter(|f| f.path.to_string_lossy().contains(&filter))
        .collect();
    for fixture in &selected {
        let path = fixture.path.display();
        // Lossy: some fixtures are deliberately not UTF-8.
        let source = match std::fs::read(root().join(&fixture.path)) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(error) => {
                failures.push(format!("{path}: cannot read: {error}"));
                continue;
            }
        };
        let expect = match parse_header(&source) {
            Ok(expect) => expect,
            Err(message) => {
                failures.push(format!("{path}: {message}"));
                continue;
            }
        };
        let compiled = match catch_unwind(|| compile_file(&fixture.path)) {
            Ok(compiled) => compiled,
            Err(_) => {
                failures.push(format!("{path}: the compiler panicked"));
                continue;
            }
        };
        let found = compiled.codes();
        let wanted = expect.codes();
        let mismatch = found != wanted
            || !compiled.analysis.io_errors.is_empty()
            || (expect == Expect::Ok && compiled.template().is_none());
        if mismatch {
            failures.push(format!(
                "{path}: expected {}, found {}\n{}",
                describe(&wanted),
                describe(&found),
                compiled.summary()
            ));
            continue;
        }
        if let Err(message) = snapshot(
            "fixtures",
            &fixture.name,
            &fixture.path,
            &fixture_text(&source, &compiled),
        ) {
            failures.push(format!("{path}: {message}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed:\n\n{}\n",
        failures.len(),
        selected.len(),
        failures.join("\n\n")
    );
}

fn describe(codes: &BTreeSet<String>) -> String {
    if codes.is_empty() {
        "no diagnostic (ok)".into()
    } else {
        codes.iter().cloned().collect::<Vec<_>>().join(" ")
    }
}

#[test]
fn examples_build_cleanly_and_match_their_snapshots() {
    let examples = common::ecs_files("examples");
    assert!(!examples.is_empty(), "no examples found");
    let mut failures = Vec::new();
    for example in &examples {
        let compiled = compile_file(example);
        let name = example
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let Some(template) = compiled.template() else {
            failures.push(format!(
                "{} does not build:\n{}",
                example.display(),
                compiled.summary()
            ));
            continue;
        };
        if !compiled.diagnostics().is_empty() {
            failures.push(format!(
                "{} builds with diagnostics (examples must have none):\n{}",
                example.display(),
                compiled.summary()
            ));
        }
        let header = std::fs::read_to_string(root().join(example)).unwrap_or_default();
        if !header.starts_with("//") {
            failures.push(format!(
                "{} must start with a comment saying what it shows",
                example.display()
            ));
        }
        if let Err(message) = snapshot("examples", name, example, template) {
            failures.push(format!("{}: {message}", example.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} examples failed:\n\n{}\n",
        failures.len(),
        examples.len(),
        failures.join("\n\n")
    );
}

#[test]
fn building_twice_gives_identical_bytes() {
    for example in common::ecs_files("examples") {
        let first = compile_file(&example);
        let second = compile_file(&example);
        assert_eq!(
            first.template(),
            second.template(),
            "{} builds differently twice",
            example.display()
        );
        // In memory, under another path, gives the same bytes too.
        let text = std::fs::read_to_string(root().join(&example)).expect("readable");
        if !text.contains("import ") {
            let third = compile_text("elsewhere/copy.ecs", &text);
            assert_eq!(
                first.template(),
                third.template(),
                "{} depends on its path",
                example.display()
            );
        }
    }
}

/// Splits a program at blank lines that are followed by a top-level line
/// (one that starts in column 0 and is not a closing brace).
fn top_level_chunks(text: &str) -> Vec<String> {
    let mut chunks: Vec<String> = Vec::new();
    for chunk in text.split("\n\n") {
        let continues = chunk.starts_with([' ', '\t', '}']) || chunk.is_empty();
        match chunks.last_mut() {
            Some(last) if continues => {
                last.push_str("\n\n");
                last.push_str(chunk);
            }
            _ => chunks.push(chunk.to_string()),
        }
    }
    chunks
}

/// The logical IDs (and resources) of `hello.ecs`.
fn hello_resources(text: &str) -> serde_json::Map<String, serde_json::Value> {
    let compiled = compile_text("hello.ecs", text);
    let template = compiled
        .template()
        .unwrap_or_else(|| panic!("variant does not build:\n{}\n{text}", compiled.summary()));
    resources(template)
}

fn ids(resources: &serde_json::Map<String, serde_json::Value>) -> BTreeSet<String> {
    resources.keys().cloned().collect()
}

#[test]
fn logical_ids_do_not_depend_on_other_declarations() {
    let hello = std::fs::read_to_string(root().join("examples/hello.ecs")).expect("hello.ecs");
    let base = hello_resources(&hello);
    assert!(ids(&base).contains("HelloService"), "{:?}", ids(&base));

    // Reordering declarations changes nothing at all.
    let mut blocks = top_level_chunks(&hello);
    blocks.reverse();
    let reordered = hello_resources(&blocks.join("\n\n"));
    assert_eq!(
        base, reordered,
        "reordering declarations changed the template"
    );

    // Unrelated declarations (before and after) add resources but rename
    // none, and leave the existing resources of other declarations alone.
    let extra_service = "service zzz_other {\n  cluster = prod\n  cpu = 0.5 vcpu\n  memory = 1 GiB\n  container app { image = \"public.ecr.aws/nginx/nginx:1.27\" }\n}\n";
    let extra_cluster = "cluster aaa_batch { network = main }\n";
    let added = format!("{extra_cluster}\nlet unused = 5\n\n{hello}\n{extra_service}");
    let grown = hello_resources(&added);
    let missing: Vec<&String> = base.keys().filter(|id| !grown.contains_key(*id)).collect();
    assert!(
        missing.is_empty(),
        "adding declarations renamed or removed {missing:?}"
    );
    assert!(
        grown.len() > base.len(),
        "the added declarations added no resource"
    );
    for id in [
        "HelloService",
        "HelloTaskDefinition",
        "ProdCluster",
        "MainVpc",
    ] {
        if base.contains_key(id) {
            assert_eq!(
                base.get(id),
                grown.get(id),
                "adding unrelated declarations changed `{id}`"
            );
        }
    }

    // Removing the service keeps the network and cluster IDs.
    let without_service: String = top_level_chunks(&hello)
        .into_iter()
        .filter(|block| !block.contains("service hello"))
        .collect::<Vec<_>>()
        .join("\n\n")
        .replace("output cluster_name = prod.name", "");
    let shrunk = hello_resources(&without_service);
    let kept: BTreeSet<String> = ids(&base)
        .into_iter()
        .filter(|id| !id.starts_with("Hello"))
        .collect();
    assert!(
        kept.is_subset(&ids(&shrunk)),
        "removing the service renamed {:?}",
        kept.difference(&ids(&shrunk)).collect::<Vec<_>>()
    );
}

#[test]
fn stdlib_is_clean_and_documented() {
    let stdlib = ecsc::stdlib::get();
    let problems: Vec<String> = stdlib
        .diagnostics
        .iter()
        .map(|d| format!("{} {}", d.code, d.message))
        .collect();
    assert!(
        problems.is_empty(),
        "the stdlib has problems: {problems:#?}"
    );
    let mut undocumented = Vec::new();
    for kind in stdlib.kinds.values() {
        if kind.docs.iter().all(|line| line.trim().is_empty()) {
            undocumented.push(format!("kind `{}`", kind.path));
        }
        for field in kind.fields.values() {
            if field.docs.iter().all(|line| line.trim().is_empty()) {
                undocumented.push(format!("field `{}.{}`", kind.path, field.name));
            }
        }
        for attr in kind.attrs.values() {
            if attr.docs.iter().all(|line| line.trim().is_empty()) {
                undocumented.push(format!("attribute `{}.{}`", kind.path, attr.name));
            }
        }
    }
    assert!(
        undocumented.is_empty(),
        "these need a `///` doc comment in stdlib/*.ecs: {undocumented:#?}"
    );
}

#[test]
fn every_snapshot_belongs_to_a_fixture_or_example() {
    let fixture_names: BTreeSet<String> = fixtures().into_iter().map(|f| f.name).collect();
    let example_names: BTreeSet<String> = common::ecs_files("examples")
        .iter()
        .filter_map(|p| p.file_stem().and_then(|s| s.to_str()).map(String::from))
        .collect();
    let mut stale = Vec::new();
    for (folder, names) in [("fixtures", &fixture_names), ("examples", &example_names)] {
        let Ok(entries) = std::fs::read_dir(root().join("snapshots").join(folder)) else {
            continue;
        };
        for entry in entries.flatten() {
            let file = entry.file_name().to_string_lossy().into_owned();
            if let Some(name) = file.strip_suffix(".snap")
                && !names.contains(name)
            {
                stale.push(format!("snapshots/{folder}/{file}"));
            }
        }
    }
    stale.sort();
    assert!(
        stale.is_empty(),
        "snapshots of fixtures or examples that no longer exist (delete them): {stale:#?}"
    );
}
