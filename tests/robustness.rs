//! Hostile and malformed input, through the real binary and through the
//! library: never a panic or a hang; exit code 0 for good programs, 1 for
//! bad programs, 2 for usage and I/O errors; the CLI contract (`--version`,
//! `--help`, `explain`, `--format json`, `-o`, `--deny-warnings`).

mod common;

use common::root;
use ecsc::driver::{self, Analysis};
use ecsc::vfs::MemVfs;
use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A program that builds cleanly.
const GOOD: &str = "network main { }\ncluster prod { network = main }\n";

/// A program with one error (E2001).
const BAD: &str = "network main { zone = 3 }\n";

/// A program with one warning and no error (W3201: the image has no tag).
const WARNS: &str = r#"network main { }
cluster prod { network = main }
service api {
  cluster = prod
  cpu     = 0.25 vcpu
  memory  = 512 MiB
  container web { image = "nginx" }
}
"#;

/// Not a limit on speed: only a guard so that a hang fails instead of
/// blocking the suite forever.
const HANG_GUARD: Duration = Duration::from_secs(600);

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the `ecsc` binary in `dir`.
fn ecsc(dir: &Path, args: &[&str]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecsc"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ecsc starts");
    let mut stdout_pipe = child.stdout.take().expect("stdout");
    let mut stderr_pipe = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stdout_pipe.read_to_end(&mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stderr_pipe.read_to_end(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > HANG_GUARD {
            let _ = child.kill();
            panic!("ecsc {args:?} did not finish");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.join().expect("stdout thread")).into_owned(),
        stderr: String::from_utf8_lossy(&err.join().expect("stderr thread")).into_owned(),
    };
    assert!(
        !run.stderr.contains("panicked") && run.code != 101,
        "ecsc {args:?} panicked:\n{}",
        run.stderr
    );
    run
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temporary directory")
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    path
}

/// Analyses (and, when clean, builds) raw bytes in memory; panics are caught
/// and returned as errors.
fn analyze_bytes(bytes: &[u8]) -> Result<Analysis, String> {
    catch_unwind(AssertUnwindSafe(|| {
        let mut vfs = MemVfs::new();
        vfs.insert("input.ecs", bytes.to_vec());
        let analysis = driver::analyze(&vfs, &[PathBuf::from("input.ecs")]);
        let _ = driver::build(&analysis);
        // Rendering is part of the pipeline users see: it must not panic either.
        let _ =
            ecsc::diagnostics::render::human_all(&analysis.diagnostics, &analysis.sources, false);
        let _ = ecsc::diagnostics::render::json_all(&analysis.diagnostics, &analysis.sources);
        analysis
    }))
    .map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    })
}

/// The codes an in-memory analysis reported.
fn codes(analysis: &Analysis) -> Vec<String> {
    analysis
        .diagnostics
        .iter()
        .map(|d| d.code.as_str().to_string())
        .collect()
}

// ---- hostile inputs ------------------------------------------------------

/// Inputs that must be refused with a diagnostic (exit 1), never a crash.
fn hostile_inputs() -> Vec<(&'static str, Vec<u8>)> {
    let mut garbage = Vec::new();
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..4096 {
        state = lcg(state);
        garbage.push((state >> 33) as u8);
    }
    garbage.extend_from_slice(b"\0\0\0");
    vec![
        ("binary garbage with NUL bytes", garbage),
        (
            "invalid UTF-8",
            b"let name = \"caf\xe9\"\n\xff\xfe\n".to_vec(),
        ),
        (
            "100k nested `[`",
            format!("let x = {}", "[".repeat(100_000)).into_bytes(),
        ),
        (
            "100k nested `[` closed",
            format!("let x = {}1{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
        ),
        ("100k nested `/*`", "/*".repeat(100_000).into_bytes()),
        (
            "100k nested `{`",
            format!("network main {}", "{".repeat(100_000)).into_bytes(),
        ),
        ("a lone `}`", b"}".to_vec()),
        ("an unclosed string at the end", b"let a = \"".to_vec()),
        ("an unclosed comment at the end", b"/*".to_vec()),
        ("a lone surrogate escape", b"let a = \"\\u{D800}\"".to_vec()),
        (
            "a huge number",
            format!("let a = {}", "9".repeat(5000)).into_bytes(),
        ),
        (
            "ten thousand broken lines",
            "let x = = 1\n".repeat(10_000).into_bytes(),
        ),
    ]
}

#[test]
fn hostile_inputs_give_diagnostics_in_the_library() {
    for (what, bytes) in hostile_inputs() {
        let analysis = analyze_bytes(&bytes).unwrap_or_else(|panic| panic!("{what}: {panic}"));
        assert!(
            analysis.diagnostics.has_errors(),
            "{what}: expected an error, got {:?}",
            codes(&analysis)
        );
    }
}

#[test]
fn hostile_inputs_exit_1_from_the_binary() {
    let dir = temp();
    for (index, (what, bytes)) in hostile_inputs().into_iter().enumerate() {
        let name = format!("hostile{index}.ecs");
        write(dir.path(), &name, &bytes);
        for args in [vec!["check", name.as_str()], vec!["build", name.as_str()]] {
            let run = ecsc(dir.path(), &args);
            assert_eq!(run.code, 1, "{what}: {args:?} exited {}", run.code);
            assert!(
                run.stdout.is_empty() || args[0] == "check",
                "{what}: wrote a template"
            );
        }
        let run = ecsc(dir.path(), &["check", "--format", "json", &name]);
        assert_eq!(run.code, 1, "{what}: --format json exited {}", run.code);
        let parsed: serde_json::Value =
            serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(parsed.as_array().is_some_and(|a| !a.is_empty()), "{what}");
    }
}

#[test]
fn empty_files_are_empty_programs() {
    for text in [
        "",
        "\n",
        "   \n\t\n",
        "// only a comment\n",
        "/* only a comment */",
        "\u{FEFF}",
    ] {
        let analysis = analyze_bytes(text.as_bytes()).expect("no panic");
        assert!(
            analysis.diagnostics.is_empty(),
            "{text:?}: {:?}",
            codes(&analysis)
        );
    }
    let dir = temp();
    write(dir.path(), "empty.ecs", "");
    assert_eq!(ecsc(dir.path(), &["check", "empty.ecs"]).code, 0);
    let run = ecsc(dir.path(), &["build", "empty.ecs"]);
    assert_eq!(run.code, 0);
    let template: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert!(template.get("Resources").is_some());
}

/// About 5 MB of valid declarations.
fn big_program() -> String {
    let mut text = String::with_capacity(5_300_000);
    let mut index = 0;
    while text.len() < 5_000_000 {
        text.push_str(&format!(
            "/// Constant number {index}.\nlet name_{index} = \"value {index}\"\nlet size_{index} = {index} MiB\nlet list_{index} = [name_{index}, \"b\", \"c\"]\n"
        ));
        index += 1;
    }
    text.push_str(GOOD);
    text
}

#[test]
fn a_5_mb_program_is_compiled() {
    let text = big_program();
    let analysis = driver::analyze_text(Path::new("big.ecs"), &text);
    assert!(
        analysis.diagnostics.is_empty(),
        "{:?}",
        codes(&analysis).iter().take(5).collect::<Vec<_>>()
    );
    assert!(driver::build(&analysis).is_ok());

    let dir = temp();
    write(dir.path(), "big.ecs", &text);
    let run = ecsc(dir.path(), &["check", "big.ecs"]);
    assert_eq!(
        run.code,
        0,
        "{}",
        run.stderr.chars().take(2000).collect::<String>()
    );
}

// ---- mutations -----------------------------------------------------------

/// A 64-bit linear congruential generator (Knuth's MMIX constants):
/// deterministic, so a failure names a seed that reproduces it.
fn lcg(state: u64) -> u64 {
    state
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407)
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = lcg(self.0);
        self.0 >> 16
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Bytes that tend to break parsers and checkers.
const INTERESTING: &[u8] = b"{}[]()\"\\/*=.,:|?-0123456789 \n\t\0\xff_aZ%";

/// Applies 1 to 8 random edits to `bytes`.
fn mutate(bytes: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for _ in 0..=rng.below(8) {
        let at = rng.below(out.len() + 1);
        match rng.below(7) {
            0 if at < out.len() => out[at] = INTERESTING[rng.below(INTERESTING.len())],
            1 if at < out.len() => {
                out.remove(at);
            }
            2 => out.insert(at, INTERESTING[rng.below(INTERESTING.len())]),
            3 => out.insert(at, (rng.next() & 0xff) as u8),
            4 => {
                // Duplicate a slice (repeats declarations, fields, brackets).
                let len = rng.below(64).min(out.len() - at.min(out.len()));
                let slice = out[at..at + len].to_vec();
                let to = rng.below(out.len() + 1);
                out.splice(to..to, slice);
            }
            5 => out.truncate(at),
            _ if at < out.len() => {
                // Delete a run of bytes.
                let end = (at + rng.below(32)).min(out.len());
                out.drain(at..end);
            }
            _ => {}
        }
    }
    out
}

fn example_sources() -> Vec<(PathBuf, Vec<u8>)> {
    common::ecs_files("examples")
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(root().join(&path)).expect("example");
            (path, bytes)
        })
        .collect()
}

#[test]
fn mutated_examples_never_panic_the_library() {
    let examples = example_sources();
    let mut failures = Vec::new();
    let mut rng = Rng(0x00ec_5c00_0000_0001);
    for case in 0..400 {
        let seed = rng.0;
        let Some((path, original)) = examples.get(rng.below(examples.len())) else {
            continue;
        };
        let mutated = mutate(original, &mut rng);
        if let Err(panic) = analyze_bytes(&mutated) {
            failures.push(format!(
                "case {case} (seed {seed:#x}, from {}): {panic}\n--- input ---\n{}",
                path.display(),
                String::from_utf8_lossy(&mutated)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mutated programs panicked:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn mutated_examples_exit_0_or_1_from_the_binary() {
    let examples = example_sources();
    let dir = temp();
    let mut rng = Rng(0x00ec_5c00_0000_0002);
    for case in 0..30 {
        let Some((path, original)) = examples.get(rng.below(examples.len())) else {
            continue;
        };
        let mutated = mutate(original, &mut rng);
        let name = format!("mutant{case}.ecs");
        write(dir.path(), &name, &mutated);
        let analysis = analyze_bytes(&mutated).expect("no panic");
        let run = ecsc(dir.path(), &["check", &name]);
        let expected = if analysis.diagnostics.has_errors() {
            1
        } else {
            0
        };
        // Imports of the mutated example are missing here, and E1005 is an error:
        // exit codes agree with the library either way.
        assert!(
            run.code == expected || (run.code == 1 && expected == 0),
            "case {case} from {}: exit {} (library says {expected})\n{}",
            path.display(),
            run.code,
            run.stderr
        );
    }
}

// ---- the command line ----------------------------------------------------

#[test]
fn version_and_help_exit_0() {
    let dir = temp();
    let run = ecsc(dir.path(), &["--version"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.starts_with("ecsc "), "{}", run.stdout);
    for args in [
        vec!["--help"],
        vec!["-h"],
        vec!["help"],
        vec!["build", "--help"],
        vec!["check", "--help"],
        vec!["explain", "--help"],
    ] {
        let run = ecsc(dir.path(), &args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert!(run.stdout.contains("Usage"), "{args:?}: {}", run.stdout);
    }
}

#[test]
fn usage_and_io_errors_exit_2() {
    let dir = temp();
    for args in [
        vec![],
        vec!["frobnicate"],
        vec!["build"],
        vec!["check"],
        vec!["explain"],
        vec!["build", "--format", "yaml", "x.ecs"],
        vec!["build", "missing.ecs"],
        vec!["check", "missing.ecs"],
        vec!["build", "--format", "json", "missing.ecs"],
        vec!["check", "."],
    ] {
        let run = ecsc(dir.path(), &args);
        assert_eq!(run.code, 2, "{args:?} exited {}: {}", run.code, run.stderr);
        assert!(!run.stderr.is_empty(), "{args:?} said nothing");
        assert!(run.stdout.is_empty(), "{args:?} wrote to stdout");
    }
}

#[test]
fn exit_codes_for_good_and_bad_programs() {
    let dir = temp();
    write(dir.path(), "good.ecs", GOOD);
    write(dir.path(), "bad.ecs", BAD);
    assert_eq!(ecsc(dir.path(), &["check", "good.ecs"]).code, 0);
    assert_eq!(ecsc(dir.path(), &["check", "bad.ecs"]).code, 1);
    assert_eq!(ecsc(dir.path(), &["check", "good.ecs", "bad.ecs"]).code, 1);
    assert_eq!(
        ecsc(dir.path(), &["check", "bad.ecs", "missing.ecs"]).code,
        2
    );
    let run = ecsc(dir.path(), &["build", "bad.ecs"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty(), "a failed build printed a template");
    assert!(run.stderr.contains("E2001"), "{}", run.stderr);
    assert!(
        !run.stderr.contains('\u{1b}'),
        "colours when stderr is not a terminal"
    );
}

#[test]
fn build_prints_the_library_template() {
    let dir = temp();
    write(dir.path(), "good.ecs", GOOD);
    let run = ecsc(dir.path(), &["build", "good.ecs"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let analysis = driver::analyze_text(Path::new("good.ecs"), GOOD);
    let artifact = driver::build(&analysis).expect("builds");
    assert_eq!(run.stdout, artifact.text);
}

#[test]
fn explain_prints_explanations() {
    let dir = temp();
    let run = ecsc(dir.path(), &["explain", "E3001"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.starts_with("# E3001"), "{}", run.stdout);
    assert!(
        ecsc::diagnostics::Code::E3001
            .explanation()
            .contains(run.stdout.trim()),
        "explain prints the explanation"
    );
    for heading in ["## What it means", "## Why", "## Example", "## Fix"] {
        assert!(run.stdout.contains(heading), "{heading}");
    }
    assert_eq!(ecsc(dir.path(), &["explain", "e2001"]).code, 0);
    let run = ecsc(dir.path(), &["explain", "--format", "json", "E2001"]);
    assert_eq!(run.code, 0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(json["code"], "E2001");
    let run = ecsc(dir.path(), &["explain", "E9999"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("unknown code"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

const JSON_FIELDS: &[&str] = &[
    "code",
    "severity",
    "message",
    "file",
    "line",
    "column",
    "end_line",
    "end_column",
    "labels",
    "help",
];

fn assert_json_diagnostics(text: &str, code: &str) {
    let parsed: serde_json::Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"));
    let list = parsed.as_array().expect("an array");
    assert!(!list.is_empty(), "no diagnostics:\n{text}");
    for diag in list {
        for field in JSON_FIELDS {
            assert!(diag.get(field).is_some(), "no `{field}` in {diag}");
        }
        for field in ["line", "column", "end_line", "end_column"] {
            assert!(
                diag[field].as_u64().is_some_and(|n| n >= 1),
                "{field} in {diag}"
            );
        }
        assert!(diag["labels"].is_array());
        assert!(["error", "warning"].contains(&diag["severity"].as_str().unwrap_or("")));
    }
    assert!(
        list.iter().any(|d| d["code"] == code),
        "{code} missing:\n{text}"
    );
}

#[test]
fn json_diagnostics_have_every_field() {
    let dir = temp();
    write(dir.path(), "bad.ecs", BAD);
    let run = ecsc(dir.path(), &["check", "--format", "json", "bad.ecs"]);
    assert_eq!(run.code, 1);
    assert_json_diagnostics(&run.stdout, "E2001");
    let diag = &serde_json::from_str::<serde_json::Value>(&run.stdout).expect("JSON")[0];
    assert_eq!(diag["file"], "bad.ecs");
    assert_eq!(
        (diag["line"].as_u64(), diag["column"].as_u64()),
        (Some(1), Some(16))
    );
    assert_eq!(
        (diag["end_line"].as_u64(), diag["end_column"].as_u64()),
        (Some(1), Some(20))
    );

    let run = ecsc(dir.path(), &["build", "--format", "json", "bad.ecs"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    assert_json_diagnostics(&run.stderr, "E2001");

    // A clean program gives an empty array.
    write(dir.path(), "good.ecs", GOOD);
    let run = ecsc(dir.path(), &["check", "--format", "json", "good.ecs"]);
    assert_eq!(run.code, 0);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&run.stdout).expect("JSON"),
        serde_json::json!([])
    );
}

#[test]
fn a_failed_build_leaves_the_previous_output_alone() {
    let dir = temp();
    write(dir.path(), "good.ecs", GOOD);
    write(dir.path(), "bad.ecs", BAD);
    let out = write(dir.path(), "out.json", "previous contents\n");
    let run = ecsc(dir.path(), &["build", "bad.ecs", "-o", "out.json"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        std::fs::read(&out).expect("out.json"),
        b"previous contents\n"
    );

    let run = ecsc(dir.path(), &["build", "good.ecs", "-o", "out.json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "with -o nothing goes to stdout");
    let written = std::fs::read_to_string(&out).expect("out.json");
    serde_json::from_str::<serde_json::Value>(&written).expect("a JSON template");

    let run = ecsc(dir.path(), &["build", "bad.ecs", "--output", "out.json"]);
    assert_eq!(run.code, 1);
    assert_eq!(std::fs::read_to_string(&out).expect("out.json"), written);
    let leftovers: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !["good.ecs", "bad.ecs", "out.json"].contains(&n.as_str()))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn deny_warnings_turns_warnings_into_failure() {
    let dir = temp();
    write(dir.path(), "warns.ecs", WARNS);
    let run = ecsc(dir.path(), &["check", "warns.ecs"]);
    assert_eq!(run.code, 0, "warnings alone do not fail: {}", run.stderr);
    assert!(run.stderr.contains("W3201"), "{}", run.stderr);
    assert_eq!(
        ecsc(dir.path(), &["check", "--deny-warnings", "warns.ecs"]).code,
        1
    );
    let run = ecsc(dir.path(), &["build", "warns.ecs", "-o", "out.json"]);
    assert_eq!(run.code, 0);
    let written = std::fs::read(dir.path().join("out.json")).expect("written");
    std::fs::write(dir.path().join("out.json"), "previous").expect("write");
    let run = ecsc(
        dir.path(),
        &["build", "--deny-warnings", "warns.ecs", "-o", "out.json"],
    );
    assert_eq!(run.code, 1);
    assert_eq!(
        std::fs::read(dir.path().join("out.json")).expect("out.json"),
        b"previous",
        "a build failed by --deny-warnings must not write"
    );
    assert!(!written.is_empty());
    // A clean program passes with --deny-warnings.
    write(dir.path(), "good.ecs", GOOD);
    assert_eq!(
        ecsc(dir.path(), &["check", "--deny-warnings", "good.ecs"]).code,
        0
    );
}
