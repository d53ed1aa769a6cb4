//! Printing diagnostics and writing files, shared by the subcommands.

use super::{EXIT_ERRORS, EXIT_OK, Format};
use crate::diagnostics::{Diagnostics, render};
use crate::source::SourceMap;
use std::io::{IsTerminal, Write};
use std::path::Path;

/// Prints diagnostics to stderr in the chosen format.
pub fn print_diagnostics(diags: &Diagnostics, sources: &SourceMap, format: Format) {
    let text = match format {
        Format::Human => render::human_all(diags, sources, std::io::stderr().is_terminal()),
        Format::Json => render::json_all(diags, sources) + "\n",
    };
    let _ = std::io::stderr().write_all(text.as_bytes());
}

/// Prints an I/O or usage problem to stderr.
pub fn print_error(message: &str) {
    let _ = writeln!(std::io::stderr(), "error: {message}");
}

/// The exit code for a finished run.
pub fn exit_code(diags: &Diagnostics, deny_warnings: bool) -> u8 {
    if diags.has_errors() || (deny_warnings && diags.warning_count() > 0) {
        EXIT_ERRORS
    } else {
        EXIT_OK
    }
}

/// Writes `text` to `path` atomically: a temporary file in the same
/// directory, then a rename, so readers never see a half-written file and a
/// failure leaves the previous file untouched.
pub fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(text.as_bytes())?;
    // Keep the permissions of the file being replaced; a new file gets the
    // usual 0644 instead of the temporary file's 0600.
    let permissions = match std::fs::metadata(path) {
        Ok(metadata) => Some(metadata.permissions()),
        Err(_) => default_permissions(),
    };
    if let Some(permissions) = permissions {
        file.as_file().set_permissions(permissions)?;
    }
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(unix)]
fn default_permissions() -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn default_permissions() -> Option<std::fs::Permissions> {
    // No mode bits elsewhere: the temporary file's defaults are fine.
    None
}
