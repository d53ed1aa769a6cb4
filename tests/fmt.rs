//! Tests of `ecsc fmt`.
//!
//! - Snapshots: every `tests/fmt/*.ecs` (unformatted on purpose) is
//!   formatted and the result snapshotted under `snapshots/fmt/`.
//! - Properties, over every `.ecs` file of `tests/fixtures/`, `examples/`,
//!   `stdlib/` and `tests/fmt/`: formatting is idempotent, keeps every
//!   comment, keeps the diagnostic codes of every file that parses, and keeps
//!   the template of every file that builds.
//! - The command line: `--check`, `-`, syntax errors, missing files.

use ecsc::driver;
use ecsc::fmt::{FormatError, comments, format_text};
use ecsc::vfs::{DiskVfs, MemVfs, OverlayVfs};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.ecs` file under `dir`, recursively, sorted.
fn ecs_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "ecs") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn all_files() -> Vec<PathBuf> {
    let root = root();
    ["tests/fixtures", "examples", "stdlib", "tests/fmt"]
        .iter()
        .flat_map(|dir| ecs_files(&root.join(dir)))
        .collect()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The text of a file, or `None` when it is not UTF-8 (a fixture for
/// `E0004`: the command line reports it before formatting).
fn read_utf8(path: &Path) -> Option<String> {
    String::from_utf8(std::fs::read(path).ok()?).ok()
}

fn comment_texts(text: &str) -> Vec<String> {
    let mut texts: Vec<String> = comments::scan(text).iter().map(|c| c.text(text)).collect();
    texts.sort();
    texts
}

#[test]
fn snapshots() {
    let files = ecs_files(&root().join("tests/fmt"));
    assert!(!files.is_empty(), "no inputs under tests/fmt");
    for path in files {
        let text = read(&path);
        let formatted = match format_text(&text) {
            Ok(formatted) => formatted,
            Err(error) => panic!("{}: {error}", path.display()),
        };
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        insta::with_settings!({
            snapshot_path => root().join("snapshots/fmt"),
            prepend_module_to_snapshot => false,
            description => format!("ecsc fmt tests/fmt/{name}.ecs"),
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name, formatted);
        });
    }
}

/// fmt(fmt(x)) == fmt(x), and no comment is lost, for every file.
#[test]
fn idempotent_and_keeps_comments() {
    let mut failures = Vec::new();
    let mut formatted_count = 0;
    for path in all_files() {
        let Some(text) = read_utf8(&path) else {
            continue;
        };
        let once = match format_text(&text) {
            Ok(once) => once,
            Err(FormatError::Syntax(_)) => continue,
            Err(error) => {
                failures.push(format!("{}: {error}", path.display()));
                continue;
            }
        };
        formatted_count += 1;
        match format_text(&once) {
            Ok(twice) if twice == once => {}
            Ok(twice) => failures.push(format!(
                "{}: not idempotent\n--- once\n{once}\n--- twice\n{twice}",
                path.display()
            )),
            Err(error) => failures.push(format!("{}: second pass: {error}", path.display())),
        }
        if comment_texts(&text) != comment_texts(&once) {
            failures.push(format!("{}: comments changed", path.display()));
        }
    }
    assert!(formatted_count > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Formatting keeps the diagnostics of every file that parses and the
/// template of every file that builds.
#[test]
fn keeps_diagnostics_and_templates() {
    let mut failures = Vec::new();
    for path in all_files() {
        let Some(text) = read_utf8(&path) else {
            continue;
        };
        let Ok(formatted) = format_text(&text) else {
            continue;
        };
        let before = driver::analyze(&DiskVfs, std::slice::from_ref(&path));
        let mut overlay = MemVfs::new();
        overlay.insert(path.clone(), formatted.into_bytes());
        let vfs = OverlayVfs {
            overlay: &overlay,
            base: &DiskVfs,
        };
        let after = driver::analyze(&vfs, std::slice::from_ref(&path));
        let (codes_before, codes_after) = (
            sorted_codes(&before.diagnostics),
            sorted_codes(&after.diagnostics),
        );
        if codes_before != codes_after {
            failures.push(format!(
                "{}: diagnostics {codes_before:?} became {codes_after:?}",
                path.display()
            ));
            continue;
        }
        match (driver::build(&before), driver::build(&after)) {
            (Ok(a), Ok(b)) => {
                if a.text != b.text {
                    failures.push(format!("{}: the template changed", path.display()));
                }
                if sorted_codes(&a.warnings) != sorted_codes(&b.warnings) {
                    failures.push(format!("{}: the warnings changed", path.display()));
                }
            }
            (Err(a), Err(b)) => {
                if sorted_codes(&a) != sorted_codes(&b) {
                    failures.push(format!("{}: build errors changed", path.display()));
                }
            }
            _ => failures.push(format!("{}: build result changed", path.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn sorted_codes(diags: &ecsc::diagnostics::Diagnostics) -> Vec<String> {
    let mut codes: Vec<String> = diags.codes().iter().map(|c| format!("{c:?}")).collect();
    codes.sort();
    codes
}

#[test]
fn syntax_errors_are_refused() {
    match format_text("service web {\n  cpu = \n") {
        Err(FormatError::Syntax(diags)) => assert!(diags.has_errors()),
        other => panic!("expected syntax errors, got {other:?}"),
    }
}

#[test]
fn crlf_input_gives_lf_output() {
    let formatted = format_text("service web {\r\n  count = 2 // two\r\n}\r\n");
    assert_eq!(
        formatted.ok().as_deref(),
        Some("service web {\n  count = 2 // two\n}\n")
    );
}

// ---- the command line -------------------------------------------------------

fn ecsc(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecsc"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run ecsc: {e}"));
    if let Some(input) = stdin {
        use std::io::Write;
        let mut pipe = child.stdin.take().unwrap_or_else(|| panic!("no stdin"));
        pipe.write_all(input.as_bytes())
            .unwrap_or_else(|e| panic!("cannot write stdin: {e}"));
    } else {
        drop(child.stdin.take());
    }
    let output = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("ecsc failed: {e}"));
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn cli_rewrites_checks_and_pipes() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let messy = dir.path().join("messy.ecs");
    let clean = dir.path().join("clean.ecs");
    let broken = dir.path().join("broken.ecs");
    std::fs::write(&messy, "cluster prod {insights=true}\n").unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&clean, "cluster prod { insights = true }\n").unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&broken, "cluster prod {\n").unwrap_or_else(|e| panic!("{e}"));
    let (messy_s, clean_s, broken_s) = (
        messy.to_string_lossy().into_owned(),
        clean.to_string_lossy().into_owned(),
        broken.to_string_lossy().into_owned(),
    );

    // --check lists the files that would change and exits 1.
    let (code, stdout, _) = ecsc(&["fmt", "--check", &messy_s, &clean_s], None);
    assert_eq!(code, 1);
    assert_eq!(stdout.trim(), messy_s);
    let (code, stdout, _) = ecsc(&["fmt", "--check", &clean_s], None);
    assert_eq!((code, stdout.as_str()), (0, ""));

    // In place: the messy file is rewritten, then --check passes.
    let (code, _, _) = ecsc(&["fmt", &messy_s, &clean_s], None);
    assert_eq!(code, 0);
    assert_eq!(read(&messy), "cluster prod { insights = true }\n");
    let (code, _, _) = ecsc(&["fmt", "--check", &messy_s], None);
    assert_eq!(code, 0);

    // Syntax errors: diagnostics, file untouched, exit 1.
    let (code, _, stderr) = ecsc(&["fmt", &broken_s], None);
    assert_eq!(code, 1);
    assert!(stderr.contains("E0002"), "{stderr}");
    assert_eq!(read(&broken), "cluster prod {\n");

    // Not UTF-8: E0004, untouched, exit 1.
    let binary = dir.path().join("binary.ecs");
    std::fs::write(&binary, b"let x = \"\xff\"\n").unwrap_or_else(|e| panic!("{e}"));
    let (code, _, stderr) = ecsc(&["fmt", &binary.to_string_lossy()], None);
    assert_eq!(code, 1);
    assert!(stderr.contains("E0004"), "{stderr}");

    // A missing file exits 2.
    let missing = dir.path().join("missing.ecs");
    let (code, _, stderr) = ecsc(&["fmt", &missing.to_string_lossy()], None);
    assert_eq!(code, 2, "{stderr}");

    // `-` reads standard input and writes standard output.
    let (code, stdout, _) = ecsc(&["fmt", "-"], Some("let  x=1"));
    assert_eq!((code, stdout.as_str()), (0, "let x = 1\n"));
    let (code, stdout, _) = ecsc(&["fmt", "-"], Some("let x ="));
    assert_eq!((code, stdout.as_str()), (1, ""));
    let (code, stdout, _) = ecsc(&["fmt", "--check", "-"], Some("let  x=1"));
    assert_eq!((code, stdout.as_str()), (1, "<stdin>\n"));
}

/// Positions of spaces and newlines outside strings and comments.
fn gaps(text: &str) -> Vec<usize> {
    let found = comments::scan(text);
    let bytes = text.as_bytes();
    let mut in_string = false;
    let mut positions = Vec::new();
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        if let Some(comment) = found.iter().find(|c| c.start == index) {
            index = comment.end;
            continue;
        }
        match byte {
            b'"' => in_string = !in_string,
            b'\\' if in_string => index += 1,
            b' ' | b'\n' if !in_string => positions.push(index),
            b'\n' => in_string = false,
            _ => {}
        }
        index += 1;
    }
    positions
}

/// Every file with comments, blank lines and commas sprinkled between its
/// tokens: whatever still parses formats without an internal error, keeps
/// its comments and is idempotent. `STRESS_ROUNDS=500` tries harder (default 4 per file).
#[test]
fn perturbed_inputs_format_cleanly() {
    let rounds: usize = std::env::var("STRESS_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(4);
    const INSERTS: &[&str] = &[
        " ",
        "\n",
        "\n\n\n",
        "/* c */",
        " // c\n",
        "\n// c\n",
        "/* a\n b */",
        ",",
        "\n/// d\n",
    ];
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut failures = Vec::new();
    let mut tried = 0;
    for path in all_files() {
        let Some(text) = read_utf8(&path) else {
            continue;
        };
        let positions = gaps(&text);
        if positions.is_empty() {
            continue;
        }
        for _ in 0..rounds {
            // Each edit replaces the space or newline at a gap (or inserts
            // before it) with one of INSERTS; nothing replaces it half the time.
            let mut edits: Vec<(usize, bool, &str)> = (0..1 + (next() as usize) % 6)
                .map(|_| {
                    let at = positions[(next() as usize) % positions.len()];
                    let replace = next() % 2 == 0;
                    let insert = if replace && next() % 2 == 0 {
                        ""
                    } else {
                        INSERTS[(next() as usize) % INSERTS.len()]
                    };
                    (at, replace, insert)
                })
                .collect();
            edits.sort();
            edits.dedup_by_key(|e| e.0);
            let mut mutated = text.clone();
            for (at, replace, insert) in edits.iter().rev() {
                if *replace {
                    mutated.replace_range(*at..*at + 1, insert);
                } else {
                    mutated.insert_str(*at, insert);
                }
            }
            let once = match format_text(&mutated) {
                Ok(once) => once,
                Err(FormatError::Syntax(_)) => continue,
                Err(error) => {
                    failures.push(format!("{}: {error}\n{mutated}", path.display()));
                    continue;
                }
            };
            tried += 1;
            match format_text(&once) {
                Ok(twice) if twice == once => {}
                Ok(twice) => failures.push(format!(
                    "{}: not idempotent\n--- input\n{mutated}\n--- once\n{once}\n--- twice\n{twice}",
                    path.display()
                )),
                Err(error) => failures.push(format!("{}: second pass: {error}", path.display())),
            }
            if comment_texts(&mutated) != comment_texts(&once) {
                failures.push(format!("{}: comments changed\n{mutated}", path.display()));
            }
        }
    }
    assert!(tried > 0);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}
