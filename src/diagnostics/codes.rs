//! The registry of diagnostic codes.
//!
//! Codes are grouped by stage: `E0xxx` syntax, `E1xxx` names, `E2xxx` types
//! and units, `E3xxx` ECS domain rules, `E4xxx` lowering, `E5xxx` checks of
//! the emitted template, `E9xxx` internal bugs, `Wxxxx` warnings. A code is
//! never renumbered or reused; a retired code stays here with a note. Each
//! code has an explanation in `codes/<CODE>.md`, printed by `ecsc explain`.

use super::Severity;

macro_rules! codes {
    ($($code:ident $name:literal $severity:ident $summary:literal;)*) => {
        /// A stable diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($code,)* }

        impl Code {
            /// Every code, in registry order.
            pub const ALL: &'static [Code] = &[$(Code::$code,)*];

            /// The code as written (`E2001`).
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$code => stringify!($code),)* }
            }

            /// A kebab-case name (`unknown-field`).
            pub fn name(self) -> &'static str {
                match self { $(Code::$code => $name,)* }
            }

            /// Default severity.
            pub fn severity(self) -> Severity {
                match self { $(Code::$code => Severity::$severity,)* }
            }

            /// One-line summary.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$code => $summary,)* }
            }

            /// The markdown explanation printed by `ecsc explain`.
            pub fn explanation(self) -> &'static str {
                match self { $(Code::$code => include_str!(concat!("codes/", stringify!($code), ".md")),)* }
            }
        }
    };
}

codes! {
    // ---- syntax ----------------------------------------------------------
    E0001 "syntax-error" Error "the text is not valid `.ecs` syntax";
    E0002 "unclosed-delimiter" Error "a `{`, `[` or `(` is never closed";
    E0003 "invalid-literal" Error "a number or string literal cannot be read";
    E0004 "invalid-input" Error "the file is not UTF-8 text, or is too large or too deeply nested";
    // ---- names -----------------------------------------------------------
    E1001 "undeclared-name" Error "a name is used but never declared";
    E1002 "duplicate-declaration" Error "two declarations share one name";
    E1003 "wrong-kind-of-reference" Error "a reference names a declaration of the wrong kind";
    E1004 "unknown-kind" Error "a top-level block has a kind that does not exist";
    E1005 "import-not-found" Error "an imported file cannot be read";
    E1006 "misplaced-declaration" Error "a declaration appears where it is not allowed";
    E1007 "cyclic-constant" Error "a `let` constant refers to itself";
    // ---- types and units ---------------------------------------------------
    E2001 "unknown-field" Error "a block sets a field its kind does not have";
    E2002 "missing-field" Error "a required field is not set";
    E2003 "type-mismatch" Error "a value has the wrong type";
    E2004 "unit-mismatch" Error "a quantity has the wrong unit, or none";
    E2005 "unknown-enum-value" Error "a value is not one of the allowed choices";
    E2006 "unknown-unit" Error "a unit suffix is not known";
    E2007 "duplicate-field" Error "a field or labelled block is set twice";
    E2008 "invalid-label" Error "a block label is missing, not allowed, or of the wrong type";
    E2009 "value-out-of-range" Error "a number is outside the range its field accepts";
    // ---- ECS domain rules --------------------------------------------------
    E3001 "fargate-cpu-memory" Error "Fargate does not offer this task CPU and memory pair";
    E3002 "fargate-size-required" Error "a Fargate task needs both task `cpu` and `memory`";
    // ---- template checks ---------------------------------------------------
    E5001 "template-schema" Error "the generated template breaks a CloudFormation schema (a compiler bug)";
    E5002 "template-reference" Error "the generated template has a broken reference or cycle (a compiler bug)";
    E5003 "template-limit" Error "the template exceeds a CloudFormation limit";
    W5001 "template-size" Warning "the template is too large to deploy inline";
    // ---- internal ----------------------------------------------------------
    E9001 "internal-error" Error "the compiler hit a bug";
}

impl Code {
    /// Parses a code such as `E2001` (case-insensitive).
    pub fn parse(text: &str) -> Option<Code> {
        let upper = text.trim().to_ascii_uppercase();
        Code::ALL
            .iter()
            .copied()
            .find(|code| code.as_str() == upper)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
