//! Helpers shared by the integration tests: finding fixtures, reading their
//! `// expect:` header, compiling through the real driver, and rendering the
//! result as machine-independent text.
#![allow(dead_code)] // each test binary uses a different part of this module

use ecsc::diagnostics::{Diagnostic, Diagnostics, render};
use ecsc::driver::{self, Analysis, Artifact};
use ecsc::vfs::Vfs;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The repository root (where `Cargo.toml` is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Reads files relative to the repository root, so that every path the
/// compiler sees (and prints) is relative and snapshots do not depend on
/// where the repository is checked out.
pub struct RootedVfs;

impl Vfs for RootedVfs {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        std::fs::read(root().join(path))
    }
}

/// What a fixture's first line says the compiler must report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// `// expect: ok`: builds, with no diagnostic at all.
    Ok,
    /// `// expect: E2001 W3101`: exactly this set of codes (errors and warnings).
    Codes(BTreeSet<String>),
}

impl Expect {
    /// The codes it names (empty for `ok`).
    pub fn codes(&self) -> BTreeSet<String> {
        match self {
            Expect::Ok => BTreeSet::new(),
            Expect::Codes(codes) => codes.clone(),
        }
    }
}

/// Parses the `// expect: ...` first line of a fixture.
pub fn parse_header(text: &str) -> Result<Expect, String> {
    let first = text.lines().next().unwrap_or("");
    let Some(rest) = first.trim().strip_prefix("// expect:") else {
        return Err(format!(
            "the first line must be `// expect: ok` or `// expect: E2001 ...`, found {first:?}"
        ));
    };
    let words: Vec<&str> = rest.split_whitespace().collect();
    if words == ["ok"] {
        return Ok(Expect::Ok);
    }
    if words.is_empty() {
        return Err("`// expect:` names nothing; write `ok` or the codes".into());
    }
    let mut codes = BTreeSet::new();
    for word in words {
        if ecsc::diagnostics::Code::parse(word).is_none_or(|code| code.as_str() != word) {
            return Err(format!("`{word}` in the header is not a registered code"));
        }
        codes.insert(word.to_string());
    }
    Ok(Expect::Codes(codes))
}

/// One fixture file.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// Path relative to the repository root (`tests/fixtures/types/x.ecs`).
    pub path: PathBuf,
    /// File name without `.ecs`: the snapshot name, unique in the suite.
    pub name: String,
}

/// Files that are not fixtures themselves but are imported by fixtures:
/// anything under a directory named `imports`, and `*.inc.ecs`.
pub fn is_helper_file(path: &Path) -> bool {
    path.components().any(|c| c.as_os_str() == "imports")
        || path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with(".inc.ecs"))
}

/// Every `.ecs` file under `dir` (relative to the root), sorted.
pub fn ecs_files(dir: &str) -> Vec<PathBuf> {
    fn walk(base: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(base.join(rel)) else {
            return;
        };
        for entry in entries.flatten() {
            let rel = rel.join(entry.file_name());
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                walk(base, &rel, out);
            } else if rel.extension().is_some_and(|e| e == "ecs") {
                out.push(rel);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root(), Path::new(dir), &mut out);
    out.sort();
    out
}

/// Every fixture under `tests/fixtures`, sorted by path.
pub fn fixtures() -> Vec<Fixture> {
    ecs_files("tests/fixtures")
        .into_iter()
        .filter(|path| !is_helper_file(path))
        .map(|path| {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .trim_end_matches(".ecs")
                .to_string();
            Fixture { path, name }
        })
        .collect()
}

/// The result of analysing and building one program.
pub struct Compiled {
    /// The analysis (sources, diagnostics).
    pub analysis: Analysis,
    /// The build: the artifact, or the diagnostics that stopped it.
    pub build: Result<Artifact, Diagnostics>,
}

impl Compiled {
    /// Every diagnostic reported, errors and warnings, in order.
    pub fn diagnostics(&self) -> &Diagnostics {
        match &self.build {
            Ok(artifact) => &artifact.warnings,
            Err(diags) => diags,
        }
    }

    /// The set of codes reported.
    pub fn codes(&self) -> BTreeSet<String> {
        self.diagnostics()
            .iter()
            .map(|d| d.code.as_str().to_string())
            .collect()
    }

    /// The template text, when the build succeeded.
    pub fn template(&self) -> Option<&str> {
        self.build.as_ref().ok().map(|a| a.text.as_str())
    }

    /// One diagnostic rendered for a person, without colour, 80 columns wide.
    pub fn render(&self, diag: &Diagnostic) -> String {
        render::human(diag, &self.analysis.sources, false, 80)
    }

    /// All diagnostics rendered, or `(none)`.
    pub fn render_all(&self) -> String {
        let diags = self.diagnostics();
        if diags.is_empty() {
            return "(none)\n".into();
        }
        diags.iter().map(|d| self.render(d)).collect()
    }

    /// A short list of the diagnostics, for failure messages.
    pub fn summary(&self) -> String {
        let mut lines: Vec<String> = self
            .diagnostics()
            .iter()
            .map(|d| {
                let at = self
                    .analysis
                    .sources
                    .get(d.primary.span.file)
                    .map(|f| {
                        let lc = f.line_col(d.primary.span.start);
                        format!("{}:{}:{}", f.path.display(), lc.line, lc.column)
                    })
                    .unwrap_or_default();
                format!("    {} {at}: {}", d.code, d.message)
            })
            .collect();
        for (path, error) in &self.analysis.io_errors {
            lines.push(format!("    cannot read {}: {error}", path.display()));
        }
        lines.join("\n")
    }
}

/// Analyses and builds a program from disk (`path` relative to the root).
pub fn compile_file(path: &Path) -> Compiled {
    let analysis = driver::analyze(&RootedVfs, &[path.to_path_buf()]);
    let build = driver::build(&analysis);
    Compiled { analysis, build }
}

/// Analyses and builds a program given as text.
pub fn compile_text(name: &str, text: &str) -> Compiled {
    let analysis = driver::analyze_text(Path::new(name), text);
    let build = driver::build(&analysis);
    Compiled { analysis, build }
}

/// Text longer than `max` bytes is cut to its first lines, followed by its
/// length and a hash, so a snapshot stays readable yet still changes when
/// any byte does.
pub fn elide(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut cut = 0;
    for (index, _) in text.match_indices('\n') {
        if index > max / 2 {
            break;
        }
        cut = index + 1;
    }
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!(
        "{}... ({} bytes in all, FNV-1a {hash:016x}; the rest is elided)\n",
        &text[..cut],
        text.len()
    )
}

/// The `Resources` of a template, as parsed JSON.
pub fn resources(template: &str) -> serde_json::Map<String, serde_json::Value> {
    let json: serde_json::Value = serde_json::from_str(template).expect("template is JSON");
    json.get("Resources")
        .and_then(|r| r.as_object())
        .cloned()
        .unwrap_or_default()
}
