//! `ecsc lsp`: the language server, for editors. It speaks LSP 3.17 over
//! stdin/stdout and logs to stderr; see [`crate::lsp`].

/// Arguments of `lsp`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Use stdin/stdout (the default and only transport; accepted because
    /// some clients pass it).
    #[arg(long)]
    pub stdio: bool,
}

/// Runs the server until the editor sends `exit`: exit code 0 after a
/// `shutdown` request, 1 otherwise.
pub fn run(args: &Args) -> u8 {
    let _ = args.stdio;
    crate::lsp::run()
}
