//! `ecsc check FILE...`: type-check without writing anything.

use super::output::{exit_code, print_diagnostics, print_error};
use super::{EXIT_ERRORS, EXIT_USAGE, Format};
use crate::diagnostics::{Diagnostics, render};
use crate::driver;
use crate::vfs::DiskVfs;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The programs to check.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// How to print diagnostics (`json` prints an array to standard output).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Fail (exit 1) on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
}

/// Runs `check`: each file is analysed, lowered and validated, and nothing is written.
pub fn run(args: &Args) -> u8 {
    let mut worst = 0u8;
    let mut json = Vec::new();
    for file in &args.files {
        let analysis = driver::analyze(&DiskVfs, std::slice::from_ref(file));
        if let Some((path, error)) = analysis.io_errors.first() {
            print_error(&format!("cannot read {}: {error}", path.display()));
            worst = worst.max(EXIT_USAGE);
            continue;
        }
        let diags: Diagnostics = match driver::build(&analysis) {
            Ok(artifact) => artifact.warnings,
            Err(diags) => diags,
        };
        let code = if diags.has_errors() {
            EXIT_ERRORS
        } else {
            exit_code(&diags, args.deny_warnings)
        };
        worst = worst.max(code);
        match args.format {
            super::Format::Json => {
                json.extend(diags.iter().map(|d| render::to_json(d, &analysis.sources)))
            }
            super::Format::Human => print_diagnostics(&diags, &analysis.sources, args.format),
        }
    }
    if args.format == super::Format::Json {
        let text = serde_json::to_string_pretty(&json).unwrap_or_else(|_| "[]".into());
        let _ = writeln!(std::io::stdout(), "{text}");
    }
    worst
}
