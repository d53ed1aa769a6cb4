//! Output rules.
//!
//! Codes: E3325 (export name invalid, refers to a resource, or used twice).

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::span::Span;
use crate::types::{Typed, Value};
use indexmap::IndexMap;

/// Why an export name is invalid, if it is: CloudFormation takes 1 to 255
/// letters, digits, `-` and `:`, and substitutions of parameters and
/// pseudo parameters only (an export name cannot depend on a resource).
pub fn export_problem(typed: &Typed, name: &str) -> Option<String> {
    let mut literal = String::new();
    let mut rest = name;
    while let Some(start) = rest.find("${") {
        let (before, after) = rest.split_at(start);
        literal.push_str(before);
        let Some(end) = after.find('}') else {
            return Some("a `${` is never closed".into());
        };
        let variable = after.get(2..end).unwrap_or_default();
        if !variable.starts_with("AWS::") && !typed.params.contains_key(variable) {
            return Some(format!(
                "`${{{variable}}}` is not a parameter; an export name may only use parameters and `${{AWS::StackName}}`, `${{AWS::Region}}`..."
            ));
        }
        literal.push('x');
        rest = after.get(end + 1..).unwrap_or_default();
    }
    literal.push_str(rest);
    if literal.is_empty() || literal.len() > 255 {
        return Some("export names are 1 to 255 characters".into());
    }
    literal
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == ':'))
        .map(|c| format!("`{c}` is not allowed: export names use letters, digits, `-` and `:`"))
}

/// E3325: export names.
pub fn exports_rule(typed: &Typed, diags: &mut Diagnostics) {
    let mut seen: IndexMap<String, (Span, String)> = IndexMap::new();
    for output in typed.outputs.values() {
        let Some(export) = &output.export else {
            continue;
        };
        let Value::Str(name) = &export.value else {
            continue;
        };
        if let Some(problem) = export_problem(typed, name) {
            let fixed: String = name
                .chars()
                .map(|c| {
                    if c == '_' || c == '.' || c == ' ' || c == '/' {
                        '-'
                    } else {
                        c
                    }
                })
                .collect();
            let mut diag = Diagnostic::new(
                Code::E3325,
                export.span,
                format!("`{name}` is not a valid export name"),
            )
            .with_primary_label(problem);
            diag = if export_problem(typed, &fixed).is_none() {
                diag.with_help(format!("write `\"{fixed}\"`"))
                    .with_suggestion(
                        "replace the invalid characters",
                        export.span,
                        format!("\"{fixed}\""),
                    )
            } else {
                diag.with_help("or write `export = true` for `<stack name>-<output name>`")
            };
            diags.push(diag);
            continue;
        }
        if let Some((first, other)) = seen.get(name) {
            diags.push(
                Diagnostic::new(
                    Code::E3325,
                    export.span,
                    format!(
                        "outputs `{other}` and `{}` both export `{name}`",
                        output.name
                    ),
                )
                .with_primary_label("exported again here")
                .with_label(*first, "first exported here")
                .with_help("export names are unique in an account and region; rename one"),
            );
        } else {
            seen.insert(name.clone(), (export.span, output.name.clone()));
        }
    }
}
