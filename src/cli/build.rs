//! `ecsc build FILE [-o OUT]`: compile to a CloudFormation template.

use super::output::{exit_code, print_diagnostics, print_error, write_atomic};
use super::{EXIT_ERRORS, EXIT_USAGE, Format};
use crate::driver;
use crate::vfs::DiskVfs;
use std::io::Write;
use std::mem::ManuallyDrop;
use std::path::PathBuf;

/// Arguments of `build`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The program to compile.
    pub file: PathBuf,
    /// Where to write the template (default: standard output).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Fail (exit 1) on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Print every generated IAM statement of every role and why it is
    /// there (to standard output; the template is then written only with `-o`).
    #[arg(long)]
    pub explain_iam: bool,
}

/// Runs `build`.
pub fn run(args: &Args) -> u8 {
    // The process ends right after this command: freeing the program's
    // trees and the template (hundreds of thousands of small allocations)
    // would only cost time, so they are left to the operating system.
    let analysis = ManuallyDrop::new(driver::analyze(&DiskVfs, std::slice::from_ref(&args.file)));
    if let Some((path, error)) = analysis.io_errors.first() {
        print_error(&format!("cannot read {}: {error}", path.display()));
        return EXIT_USAGE;
    }
    let artifact = match driver::build(&analysis) {
        Ok(artifact) => ManuallyDrop::new(artifact),
        Err(diags) => {
            print_diagnostics(&diags, &analysis.sources, args.format);
            return EXIT_ERRORS;
        }
    };
    print_diagnostics(&artifact.warnings, &analysis.sources, args.format);
    let code = exit_code(&artifact.warnings, args.deny_warnings);
    if code != 0 {
        return code;
    }
    match &args.output {
        Some(path) => {
            if let Err(error) = write_atomic(path, &artifact.text) {
                print_error(&format!("cannot write {}: {error}", path.display()));
                return EXIT_USAGE;
            }
        }
        None if args.explain_iam => {}
        None => {
            let _ = std::io::stdout().write_all(artifact.text.as_bytes());
        }
    }
    if args.explain_iam {
        let text = super::iam::explain(&artifact.template, &analysis.sources, args.format);
        let _ = std::io::stdout().write_all(text.as_bytes());
    }
    code
}
