//! Criterion benchmarks of the compiler on generated programs
//! (`benches/support/programs.rs`): each stage on its own, the whole pipeline
//! at every size, and the re-analysis the language server runs after a small
//! edit of a 5,000-line file (with its warm parse cache). See
//! `docs/performance.md`.
//!
//! ```text
//! cargo bench --bench pipeline                 # everything
//! cargo bench --bench pipeline -- stage/       # a criterion filter
//! cargo bench --bench pipeline -- --quick      # a few iterations each (CI)
//! cargo bench --bench pipeline -- --gen DIR    # write the programs to DIR
//! ```
//!
//! Programs of 50 services and more exceed CloudFormation's 500 resources
//! per stack (each service makes 15 resources), so `driver::build` rejects
//! them with E5003 after running every check; the pipeline benchmark runs
//! the stages of `driver::build` directly, so emit is measured at every size.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/programs.rs"]
#[allow(dead_code)]
mod programs;

use criterion::{BenchmarkId, Criterion, Throughput};
use ecsc::diagnostics::Diagnostics;
use ecsc::driver::{self, Analysis};
use ecsc::span::FileId;
use ecsc::syntax::{self, ParseCache, ast};
use ecsc::vfs::{MemVfs, OverlayVfs};
use ecsc::{emit, lower, resolve, rules, schema, stdlib, types};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The allocator of the `ecsc` binary (`src/main.rs`), so the numbers are its.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The file name programs are analysed as.
const PATH: &str = "bench.ecs";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|arg| arg == "--gen") {
        let dir = args.get(at + 1).map_or("bench-programs", String::as_str);
        write_programs(Path::new(dir));
        return;
    }
    report_fixed_costs();
    let mut criterion = Criterion::default().configure_from_args();
    stages(&mut criterion);
    whole_pipeline(&mut criterion);
    lsp_edit(&mut criterion);
    criterion.final_summary();
}

/// Writes `services-N.ecs` for every size, and the LSP program and its edit.
fn write_programs(dir: &Path) {
    std::fs::create_dir_all(dir).expect("create the output directory");
    for &n in programs::SIZES {
        let path = dir.join(format!("services-{n}.ecs"));
        std::fs::write(&path, programs::program(n)).expect("write a program");
        println!("{}", path.display());
    }
    let (n, text) = programs::program_with_lines(programs::LSP_LINES);
    let edited = programs::generate(&programs::Spec {
        services: n,
        edited: Some(n / 2),
    });
    for (name, text) in [("lsp.ecs", text), ("lsp-edited.ecs", edited)] {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write a program");
        println!("{}", path.display());
    }
}

/// Prints the costs paid once per process, which criterion cannot repeat:
/// the first analysis (the stdlib is parsed and checked on first use) and the
/// first validation (compiling the schemas of the resource types a program
/// emits, for the properties it uses).
fn report_fixed_costs() {
    let text = programs::program(1);
    let start = Instant::now();
    let analysis = driver::analyze_text(Path::new(PATH), &text);
    let first_analysis = start.elapsed();
    let start = Instant::now();
    black_box(driver::analyze_text(Path::new(PATH), &text));
    let analysis_again = start.elapsed();
    let (template, _) = lower::lower(&analysis.typed);
    let json = template.to_json();
    let types: std::collections::BTreeSet<&str> = template
        .resources
        .values()
        .map(|resource| resource.resource_type.as_str())
        .collect();
    let start = Instant::now();
    black_box(schema::check_template(&json));
    let first_validation = start.elapsed();
    let start = Instant::now();
    black_box(schema::check_template(&json));
    let validation_again = start.elapsed();
    let ms = |duration: std::time::Duration| duration.as_secs_f64() * 1e3;
    eprintln!(
        "fixed costs at N=1 (once per process): analysis {:.2} ms the first time, {:.2} ms after; \
         validation {:.2} ms the first time ({} schemas compiled), {:.2} ms after",
        ms(first_analysis),
        ms(analysis_again),
        ms(first_validation),
        types.len(),
        ms(validation_again),
    );
}

/// One program at every stage, so each stage can be timed on its input.
struct Prepared {
    n: usize,
    text: String,
    file: ast::File,
    analysis: Analysis,
    template: ecsc::cfn::Template,
    json: serde_json::Value,
}

fn prepare(n: usize) -> Prepared {
    let text = programs::program(n);
    let analysis = driver::analyze_text(Path::new(PATH), &text);
    assert!(
        !analysis.diagnostics.has_errors(),
        "the generated program of {n} services has errors: {:?}",
        analysis.diagnostics
    );
    let file = parse(&analysis, &text);
    let (template, _) = lower::lower(&analysis.typed);
    let json = template.to_json();
    Prepared {
        n,
        text,
        file,
        analysis,
        template,
        json,
    }
}

/// Parses `text` as the program file of `analysis` (after the stdlib files).
fn parse(analysis: &Analysis, text: &str) -> ast::File {
    let file = analysis
        .files
        .first()
        .map_or(FileId(stdlib::FILES.len() as u32), |(id, _)| *id);
    let mut diags = Diagnostics::new();
    syntax::parse(file, text, &mut diags)
}

/// Each stage alone, at every size.
fn stages(criterion: &mut Criterion) {
    let prepared: Vec<Prepared> = programs::SIZES.iter().map(|&n| prepare(n)).collect();
    let stdlib = stdlib::get();
    let mut group = criterion.benchmark_group("stage");
    for p in &prepared {
        group.throughput(Throughput::Elements(p.n as u64));
        group.bench_with_input(BenchmarkId::new("parse", p.n), p, |b, p| {
            b.iter(|| parse(&p.analysis, black_box(&p.text)));
        });
        group.bench_with_input(BenchmarkId::new("check", p.n), p, |b, p| {
            b.iter(|| {
                let mut diags = Diagnostics::new();
                let stmts: Vec<&ast::Stmt> = p.file.stmts.iter().collect();
                let resolved = resolve::resolve(stmts.iter().copied(), stdlib, &mut diags);
                let (typed, references) =
                    types::check::check(&stmts, &resolved, stdlib, &mut diags);
                rules::check(&typed, &mut diags);
                (typed, references, diags)
            });
        });
        group.bench_with_input(BenchmarkId::new("lower", p.n), p, |b, p| {
            b.iter(|| lower::lower(black_box(&p.analysis.typed)));
        });
        group.bench_with_input(BenchmarkId::new("to_json", p.n), p, |b, p| {
            b.iter(|| black_box(&p.template).to_json());
        });
        group.bench_with_input(BenchmarkId::new("validate", p.n), p, |b, p| {
            b.iter(|| schema::check_template(black_box(&p.json)));
        });
        group.bench_with_input(BenchmarkId::new("emit", p.n), p, |b, p| {
            b.iter(|| emit::emit(black_box(&p.json)));
        });
    }
    group.finish();
}

/// Text to template at every size: `driver::analyze`, then the stages of
/// `driver::build` (lower, validate, emit), also where the template is over
/// CloudFormation's limits and `driver::build` would stop before emitting.
fn whole_pipeline(criterion: &mut Criterion) {
    let mut group = criterion.benchmark_group("pipeline");
    group.sample_size(20);
    for &n in programs::SIZES {
        let text = programs::program(n);
        let mut vfs = MemVfs::new();
        vfs.insert(PATH, text.as_bytes().to_vec());
        let roots = [PathBuf::from(PATH)];
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                let analysis = driver::analyze(&vfs, &roots);
                let (template, _) = lower::lower(&analysis.typed);
                let json = template.to_json();
                let problems = schema::check_template(&json);
                (emit::emit(&json), problems)
            });
        });
    }
    group.finish();
}

/// The language server's work after a keystroke, for a program of 5,000
/// lines: `driver::analyze_with` and a warm parse cache (as `ecsc lsp` runs
/// it) over an overlay holding the edited buffer (one value changed) on top
/// of the file as saved. Iterations alternate between the edited and the
/// original text, so each one re-parses the one declaration that changed,
/// as typing does. `full_analyse` is the same analysis without a cache (the
/// CLI's `driver::analyze`, and the language server's first analysis).
fn lsp_edit(criterion: &mut Criterion) {
    let (n, text) = programs::program_with_lines(programs::LSP_LINES);
    let edited = programs::generate(&programs::Spec {
        services: n,
        edited: Some(n / 2),
    });
    assert_ne!(text, edited);
    let mut disk = MemVfs::new();
    disk.insert(PATH, text.clone().into_bytes());
    let mut buffers = [MemVfs::new(), MemVfs::new()];
    buffers[0].insert(PATH, edited.into_bytes());
    buffers[1].insert(PATH, text.into_bytes());
    let overlays = buffers.each_ref().map(|overlay| OverlayVfs {
        overlay,
        base: &disk,
    });
    let roots = [PathBuf::from(PATH)];
    let analysis = driver::analyze(&overlays[0], &roots);
    assert!(!analysis.diagnostics.has_errors());
    let mut cache = ParseCache::new();
    let warm = driver::analyze_with(&overlays[1], &roots, &mut cache);
    assert!(!warm.diagnostics.has_errors());
    let before = cache.stats();
    drop(driver::analyze_with(&overlays[0], &roots, &mut cache));
    let after = cache.stats();
    eprintln!(
        "lsp edit: {} top-level declarations, {} parsed again after the edit",
        after.entries,
        after.misses - before.misses
    );
    let mut group = criterion.benchmark_group("lsp");
    group.sample_size(20);
    let lines = format!("{}_lines", programs::LSP_LINES);
    let mut turn = 0;
    group.bench_function(BenchmarkId::new("edit_reanalyse", &lines), |b| {
        // The server frees the old analysis on another thread.
        b.iter_with_large_drop(|| {
            turn = 1 - turn;
            driver::analyze_with(&overlays[turn], &roots, &mut cache)
        });
    });
    group.bench_function(BenchmarkId::new("full_analyse", &lines), |b| {
        b.iter(|| driver::analyze(&overlays[0], &roots));
    });
    group.finish();
}
