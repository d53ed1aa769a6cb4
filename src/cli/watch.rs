//! `ecsc watch FILE [-o OUT] [--no-clear]`: recompile on every save.
//!
//! A thin shell over [`crate::watch`], which runs the same pipeline as `build`.

use super::output::print_error;
use super::{EXIT_OK, EXIT_USAGE};
use crate::watch;
use std::path::PathBuf;

/// Arguments of `watch`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The program to compile; its imports are watched too.
    pub file: PathBuf,
    /// Where to write the template after each successful run (without it,
    /// watch only checks: diagnostics and a status line).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Keep the output of earlier runs instead of clearing the screen.
    #[arg(long)]
    pub no_clear: bool,
}

/// Runs `watch` until Ctrl-C or SIGTERM (exit 0). User errors never end it;
/// only failing to start watching does (exit 2).
pub fn run(args: &Args) -> u8 {
    let options = watch::Options {
        file: args.file.clone(),
        output: args.output.clone(),
        clear: !args.no_clear,
    };
    match watch::run(&options) {
        Ok(()) => EXIT_OK,
        Err(message) => {
            print_error(&message);
            EXIT_USAGE
        }
    }
}
