//! `ecsc fmt FILE...`: rewrite `.ecs` files in the canonical layout.
//!
//! - `ecsc fmt FILE...` rewrites each file that is not formatted, atomically
//!   (a temporary file, then a rename; permissions kept), and leaves the
//!   others untouched.
//! - `ecsc fmt --check FILE...` writes nothing; it prints the files that
//!   would change, one per line, and exits 1 if there are any.
//! - `ecsc fmt -` reads standard input and writes the formatted text to
//!   standard output (nothing on error).
//!
//! A file with syntax errors is left untouched and its diagnostics are
//! printed (exit 1). A file that cannot be read exits 2.

use super::output::{print_diagnostics, print_error};
use super::{EXIT_ERRORS, EXIT_OK, EXIT_USAGE, Format};
use crate::diagnostics::Diagnostics;
use crate::fmt::{self, FormatError};
use crate::source::SourceMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Arguments of `fmt`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The files to format; `-` reads standard input and writes standard output.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Change nothing: list the files that are not formatted and exit 1 if any.
    #[arg(long)]
    pub check: bool,
}

/// Runs `fmt` on every file; the exit code is the worst of them.
pub fn run(args: &Args) -> u8 {
    args.files
        .iter()
        .map(|path| one(path, args.check))
        .max()
        .unwrap_or(EXIT_OK)
}

/// Formats one file (or standard input for `-`).
fn one(path: &Path, check: bool) -> u8 {
    let stdin = path == Path::new("-");
    let name = if stdin {
        PathBuf::from("<stdin>")
    } else {
        path.to_path_buf()
    };
    let bytes = if stdin {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes).map(|_| bytes)
    } else {
        std::fs::read(path)
    };
    let bytes = match bytes {
        Ok(bytes) => bytes,
        Err(error) => {
            print_error(&format!("cannot read {}: {error}", name.display()));
            return EXIT_USAGE;
        }
    };
    let mut sources = SourceMap::new();
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let valid_up_to = error.utf8_error().valid_up_to();
            let lossy = String::from_utf8_lossy(error.as_bytes()).into_owned();
            let file = sources.add(name, Arc::from(lossy.as_str()));
            let mut diags = Diagnostics::new();
            diags.push(crate::syntax::invalid_utf8(file, valid_up_to));
            print_diagnostics(&diags, &sources, Format::Human);
            return EXIT_ERRORS;
        }
    };
    let file = sources.add(name.clone(), Arc::from(text.as_str()));
    let formatted = match fmt::format_file(file, &text) {
        Ok(formatted) => formatted,
        Err(FormatError::Syntax(diags)) => {
            print_diagnostics(&diags, &sources, Format::Human);
            return EXIT_ERRORS;
        }
        Err(error @ FormatError::Internal(_)) => {
            print_error(&format!("{}: {error}; left unchanged", name.display()));
            return EXIT_ERRORS;
        }
    };
    let changed = formatted != text;
    if check {
        if changed {
            let _ = writeln!(std::io::stdout(), "{}", name.display());
            return EXIT_ERRORS;
        }
        return EXIT_OK;
    }
    if stdin {
        let _ = std::io::stdout().write_all(formatted.as_bytes());
        return EXIT_OK;
    }
    if changed && let Err(error) = rewrite(path, &formatted) {
        print_error(&format!("cannot write {}: {error}", path.display()));
        return EXIT_USAGE;
    }
    EXIT_OK
}

/// Replaces the file's contents atomically (temporary file in the same
/// directory, then a rename), keeping its permissions; a symbolic link is
/// followed, not replaced.
fn rewrite(path: &Path, text: &str) -> std::io::Result<()> {
    let target = std::fs::canonicalize(path)?;
    let permissions = std::fs::metadata(&target)?.permissions();
    let dir = target.parent().unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(text.as_bytes())?;
    file.as_file().set_permissions(permissions)?;
    file.as_file().sync_all()?;
    file.persist(&target).map_err(|e| e.error)?;
    Ok(())
}
