//! The one pipeline, used by the CLI, watch mode and the LSP.
//!
//! [`analyze`] runs syntax -> resolve -> types -> rules and never fails: it
//! returns what it could learn plus diagnostics, even for broken input.
//! [`analyze_with`] does the same with a [`ParseCache`], so that a program
//! analysed again after a small edit (the language server) only parses the
//! declarations whose text changed.
//! [`build`] runs lower -> schema -> emit on a clean analysis and is the only
//! step that refuses to produce output.

use crate::cfn::Template;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::resolve::{self, Resolved};
use crate::schema::{self, ProblemKind};
use crate::source::SourceMap;
use crate::span::{FileId, Span};
use crate::syntax::{self, ParseCache, ast};
use crate::types::Typed;
use crate::types::check::{self, Reference};
use crate::vfs::Vfs;
use crate::{emit, lower, rules, stdlib};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Everything analysis learnt about a program.
#[derive(Debug, Default)]
pub struct Analysis {
    /// Stdlib files first, then the program's files.
    pub sources: SourceMap,
    /// The parsed program files (not the stdlib).
    pub files: Vec<(FileId, ast::File)>,
    /// The symbol table.
    pub resolved: Resolved,
    /// The checked program.
    pub typed: Typed,
    /// Every use of a declared name.
    pub references: Vec<Reference>,
    /// Sorted diagnostics.
    pub diagnostics: Diagnostics,
    /// Files that could not be read at all (root files): an I/O problem, not a diagnostic.
    pub io_errors: Vec<(PathBuf, String)>,
    /// Every path the analysis read or tried to read (for watch mode).
    pub read_paths: Vec<PathBuf>,
}

/// A built template.
#[derive(Debug)]
pub struct Artifact {
    /// The template model.
    pub template: Template,
    /// The JSON text to write.
    pub text: String,
    /// Warnings from lowering and template checks.
    pub warnings: Diagnostics,
}

/// Reads, parses and checks a program starting at `roots` (following imports).
pub fn analyze(vfs: &dyn Vfs, roots: &[PathBuf]) -> Analysis {
    analyze_cached(vfs, roots, None)
}

/// [`analyze`], taking the parse of unchanged top-level declarations from
/// `cache` (and keeping this analysis's for the next one). The result is the
/// same as [`analyze`]'s; declarations the analysis did not use are dropped
/// from the cache.
pub fn analyze_with(vfs: &dyn Vfs, roots: &[PathBuf], cache: &mut ParseCache) -> Analysis {
    let analysis = analyze_cached(vfs, roots, Some(&mut *cache));
    cache.evict_unused();
    analysis
}

fn analyze_cached(vfs: &dyn Vfs, roots: &[PathBuf], cache: Option<&mut ParseCache>) -> Analysis {
    let mut analysis = Analysis::default();
    stdlib::add_to(&mut analysis.sources);
    let mut diags = Diagnostics::new();
    std::thread::scope(|scope| {
        // The stdlib is parsed and checked once per process: the first time,
        // on a second thread while the program's files are read and parsed.
        if !stdlib::is_loaded() {
            scope.spawn(stdlib::get);
        }
        read_and_parse(vfs, roots, &mut analysis, &mut diags, cache);
    });
    let stdlib = stdlib::get();
    let stmts: Vec<&ast::Stmt> = analysis
        .files
        .iter()
        .flat_map(|(_, f)| f.stmts.iter())
        .collect();
    let resolved = resolve::resolve(stmts.iter().copied(), stdlib, &mut diags);
    let (typed, references) = check::check(&stmts, &resolved, stdlib, &mut diags);
    rules::check(&typed, &mut diags);
    diags.sort();
    analysis.resolved = resolved;
    analysis.typed = typed;
    analysis.references = references;
    analysis.diagnostics = diags;
    analysis
}

/// Reads the files of the program from `roots` (following imports) and
/// parses them into `analysis`.
fn read_and_parse(
    vfs: &dyn Vfs,
    roots: &[PathBuf],
    analysis: &mut Analysis,
    diags: &mut Diagnostics,
    mut cache: Option<&mut ParseCache>,
) {
    let mut queue: Vec<(PathBuf, Option<Span>)> = roots.iter().map(|r| (r.clone(), None)).collect();
    queue.reverse();
    // Files already read, by normalised path: `./b.ecs`, `b.ecs` and
    // `sub/../b.ecs` are one file (read once; an import cycle ends).
    let mut seen: Vec<PathBuf> = Vec::new();
    while let Some((path, imported_at)) = queue.pop() {
        let key = normalize(&path);
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        analysis.read_paths.push(path.clone());
        let bytes = match vfs.read(&path) {
            Ok(bytes) => bytes,
            Err(error) => {
                match imported_at {
                    Some(span) => diags.push(
                        Diagnostic::new(
                            Code::E1005,
                            span,
                            format!("cannot read `{}`: {error}", path.display()),
                        )
                        .with_primary_label("imported here")
                        .with_help("import paths are relative to the importing file"),
                    ),
                    None => analysis.io_errors.push((path.clone(), error.to_string())),
                }
                continue;
            }
        };
        let (file, parsed) = parse_bytes(
            &mut analysis.sources,
            &path,
            bytes,
            diags,
            cache.as_deref_mut(),
        );
        for stmt in &parsed.stmts {
            if let ast::StmtKind::Import { path: import } = &stmt.kind {
                let base = path.parent().unwrap_or(Path::new(""));
                queue.push((normalize(&base.join(&import.node)), Some(import.span)));
            }
        }
        analysis.files.push((file, parsed));
    }
}

/// Removes `.` and resolves `..` lexically (`a/./b/../c.ecs` -> `a/c.ecs`),
/// without touching the file system, which may not be the disk.
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                } else if !matches!(
                    out.components().next_back(),
                    Some(Component::RootDir | Component::Prefix(_))
                ) {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// Analyses one in-memory text as if it were the file `path`.
pub fn analyze_text(path: &Path, text: &str) -> Analysis {
    let mut vfs = crate::vfs::MemVfs::new();
    vfs.insert(path, text.as_bytes().to_vec());
    analyze(&vfs, &[path.to_path_buf()])
}

/// Adds a file's bytes to the source map and parses it (through the cache,
/// if there is one).
fn parse_bytes(
    sources: &mut SourceMap,
    path: &Path,
    bytes: Vec<u8>,
    diags: &mut Diagnostics,
    cache: Option<&mut ParseCache>,
) -> (FileId, ast::File) {
    match String::from_utf8(bytes) {
        Ok(text) => {
            let file = sources.add(path.to_path_buf(), Arc::from(text.as_str()));
            if let Some(nul) = text.find('\0') {
                diags.push(crate::syntax::nul_byte(file, nul));
                return (file, ast::File::default());
            }
            let parsed = match cache {
                Some(cache) => cache.parse(file, &text, diags),
                None => syntax::parse(file, &text, diags),
            };
            (file, parsed)
        }
        Err(error) => {
            let valid_up_to = error.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
            let file = sources.add(path.to_path_buf(), Arc::from(text.as_str()));
            diags.push(crate::syntax::invalid_utf8(file, valid_up_to));
            (file, ast::File::default())
        }
    }
}

/// Lowers, validates and emits a clean analysis. Fails with the diagnostics
/// when the analysis has errors or the generated template breaks a check.
pub fn build(analysis: &Analysis) -> Result<Artifact, Diagnostics> {
    if analysis.diagnostics.has_errors() || !analysis.io_errors.is_empty() {
        return Err(analysis.diagnostics.clone());
    }
    let (template, mut diags) = lower::lower(&analysis.typed);
    let json = template.to_json();
    for problem in schema::check_template(&json) {
        diags.push(problem_diagnostic(
            &template,
            &problem,
            program_span(analysis),
        ));
    }
    diags.sort();
    if diags.has_errors() {
        let mut all = analysis.diagnostics.clone();
        all.extend(diags);
        all.sort();
        return Err(all);
    }
    let mut warnings = analysis.diagnostics.clone();
    warnings.extend(diags);
    warnings.sort();
    Ok(Artifact {
        text: emit::emit(&json),
        template,
        warnings,
    })
}

/// Where template-wide problems (limits, size) point: the program's first
/// declaration, so they are reported in the user's file, not the stdlib.
fn program_span(analysis: &Analysis) -> Span {
    analysis
        .typed
        .decls
        .values()
        .map(|obj| obj.head)
        .next()
        .or_else(|| analysis.typed.params.values().map(|p| p.span).next())
        .or_else(|| analysis.typed.outputs.values().map(|o| o.span).next())
        .or_else(|| {
            // The start of the root file: never a span in the stdlib.
            analysis
                .files
                .first()
                .map(|(file, _)| Span::new(*file, 0, 0))
        })
        .unwrap_or_default()
}

/// Maps a template problem back to the `.ecs` source through provenance.
fn problem_diagnostic(
    template: &Template,
    problem: &schema::TemplateProblem,
    fallback: Span,
) -> Diagnostic {
    let resource = problem
        .logical_id
        .as_ref()
        .and_then(|id| template.resources.get(id));
    let span = resource
        .map(|r| {
            let prefix = format!(
                "/Resources/{}/Properties",
                problem.logical_id.as_deref().unwrap_or("")
            );
            let inner = problem.pointer.strip_prefix(&prefix).unwrap_or("");
            r.provenance
                .iter()
                .filter(|(path, _)| inner.starts_with(path.as_str()))
                .max_by_key(|(path, _)| path.len())
                .map_or(r.span, |(_, span)| *span)
        })
        .or_else(|| {
            problem
                .logical_id
                .as_ref()
                .and_then(|id| template.outputs.get(id).map(|o| o.span))
        });
    let label = if span.is_some() {
        "generated from this declaration"
    } else {
        "the template of this program"
    };
    let span = span.unwrap_or(fallback);
    let (code, help) = match problem.kind {
        ProblemKind::Schema | ProblemKind::UnknownType => (
            Code::E5001,
            "this is a bug in ecsc; please report it with the program",
        ),
        ProblemKind::Reference | ProblemKind::Cycle => (
            Code::E5002,
            "this is a bug in ecsc; please report it with the program",
        ),
        ProblemKind::Limit => (Code::E5003, "split the program into several stacks"),
        ProblemKind::LimitWarning => (
            Code::W5001,
            "deploy it from S3 (`aws cloudformation deploy --s3-bucket ...`)",
        ),
    };
    Diagnostic::new(
        code,
        span,
        if problem.pointer.is_empty() || problem.logical_id.is_none() {
            problem.message.clone()
        } else {
            format!("{} at {}", problem.message, problem.pointer)
        },
    )
    .with_primary_label(label)
    .with_help(help)
}
