//! The command-line interface: argument parsing and dispatch.
//!
//! Each subcommand lives in `cli/<name>.rs` and only calls [`crate::driver`];
//! no stage is called directly from here. Exit codes: 0 success, 1 the
//! program has errors (or warnings with `--deny-warnings`), 2 usage or I/O
//! errors.

mod build;
mod check;
mod explain;
mod fmt;
mod iam;
mod lsp;
pub(crate) mod output;
mod watch;

use clap::{Parser, Subcommand, ValueEnum};
use std::process::ExitCode;

/// ecsc compiles `.ecs` programs into CloudFormation templates that deploy
/// Amazon ECS architectures.
#[derive(Debug, Parser)]
#[command(name = "ecsc", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// Rendered for people (coloured on a terminal).
    #[default]
    Human,
    /// A JSON array, for CI tools.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compile a program to a CloudFormation template.
    Build(build::Args),
    /// Type-check programs without writing anything.
    Check(check::Args),
    /// Explain a diagnostic code, e.g. `ecsc explain E3001`.
    Explain(explain::Args),
    /// Rewrite `.ecs` files in the canonical layout (`--check` only lists them).
    Fmt(fmt::Args),
    /// Run the language server on stdin/stdout (for editors).
    Lsp(lsp::Args),
    /// Recompile on every save: `ecsc watch app.ecs -o template.json`.
    Watch(watch::Args),
}

/// Exit status: success.
pub const EXIT_OK: u8 = 0;
/// Exit status: the program has errors.
pub const EXIT_ERRORS: u8 = 1;
/// Exit status: usage or I/O error.
pub const EXIT_USAGE: u8 = 2;

/// Parses arguments and runs the command.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() {
                EXIT_USAGE
            } else {
                EXIT_OK
            });
        }
    };
    let code = match cli.command {
        Command::Build(args) => build::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Fmt(args) => fmt::run(&args),
        Command::Lsp(args) => lsp::run(&args),
        Command::Watch(args) => watch::run(&args),
    };
    ExitCode::from(code)
}
