//! `ecsc explain CODE`: what a diagnostic code means, why, an example and the fix.

use super::{EXIT_OK, EXIT_USAGE, Format};
use crate::diagnostics::Code;
use crate::resolve::did_you_mean;
use std::io::Write;

/// Arguments of `explain`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The code, e.g. `E3001`.
    pub code: String,
    /// `human` prints markdown; `json` prints {code, name, severity, summary, explanation}.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Runs `explain`.
pub fn run(args: &Args) -> u8 {
    let Some(code) = Code::parse(&args.code) else {
        let all: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        let mut message = format!("error: unknown code `{}`", args.code);
        if let Some(best) = did_you_mean(&args.code.to_ascii_uppercase(), all.iter().copied()) {
            message.push_str(&format!("\nhelp: did you mean `{best}`?"));
        }
        message.push_str(&format!("\nthe codes are: {}", all.join(", ")));
        let _ = writeln!(std::io::stderr(), "{message}");
        return EXIT_USAGE;
    };
    let text = match args.format {
        Format::Human => crate::diagnostics::metadata::strip(code.explanation()),
        Format::Json => {
            serde_json::to_string_pretty(&serde_json::json!({
                "code": code.as_str(),
                "name": code.name(),
                "severity": code.severity(),
                "summary": code.summary(),
                "explanation": code.explanation(),
            }))
            .unwrap_or_default()
                + "\n"
        }
    };
    let _ = std::io::stdout().write_all(text.as_bytes());
    EXIT_OK
}
