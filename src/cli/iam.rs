//! `ecsc build --explain-iam`: every generated IAM statement of every role,
//! with the declarations that caused it. It prints the grants the template's
//! policies were built from ([`crate::cfn::Template::iam_grants`]), so the
//! explanation and the template cannot disagree.

use super::Format;
use crate::cfn::Template;
use crate::lower::iam::{Statement, statements};
use crate::source::SourceMap;
use crate::span::Span;
use serde_json::{Value as Json, json};

/// The explanation of a template's IAM, as text or JSON.
pub fn explain(template: &Template, sources: &SourceMap, format: Format) -> String {
    let roles = statements(&template.iam_grants);
    match format {
        Format::Json => {
            let roles: Vec<Json> = roles
                .iter()
                .map(|(role, statements)| {
                    json!({
                        "role": role,
                        "managed_policies": managed(template, role),
                        "statements": statements.iter().map(|s| statement_json(s, sources)).collect::<Vec<_>>(),
                    })
                })
                .collect();
            format!(
                "{}\n",
                serde_json::to_string_pretty(&roles).unwrap_or_default()
            )
        }
        Format::Human => {
            let mut out = String::new();
            for (role, statements) in &roles {
                let description = template
                    .resources
                    .get(role)
                    .and_then(|r| r.properties.get("Description"))
                    .and_then(Json::as_str);
                match description {
                    Some(description) => out.push_str(&format!("{role}: {description}\n")),
                    None => out.push_str(&format!("{role}\n")),
                }
                for policy in managed(template, role) {
                    out.push_str(&format!("  managed policy {}\n", short(&policy)));
                }
                for statement in statements {
                    human_statement(&mut out, statement, sources);
                }
                out.push('\n');
            }
            if roles.is_empty() {
                out.push_str("no IAM statements were generated\n");
            }
            out
        }
    }
}

fn human_statement(out: &mut String, statement: &Statement, sources: &SourceMap) {
    out.push_str(&format!(
        "  {}: allow {}\n",
        statement.sid,
        statement.actions.join(", ")
    ));
    for resource in &statement.resources {
        out.push_str(&format!("    on {}\n", short(resource)));
    }
    if let Some(condition) = &statement.condition {
        out.push_str(&format!("    when {}\n", condition_text(condition)));
    }
    for (reason, span) in &statement.reasons {
        out.push_str(&format!(
            "    because {reason}\n      at {}\n",
            location(*span, sources)
        ));
    }
}

fn statement_json(statement: &Statement, sources: &SourceMap) -> Json {
    json!({
        "sid": statement.sid,
        "actions": statement.actions,
        "resources": statement.resources,
        "condition": statement.condition,
        "reasons": statement.reasons.iter().map(|(reason, span)| json!({
            "reason": reason,
            "location": location(*span, sources),
        })).collect::<Vec<_>>(),
    })
}

/// The managed policy ARNs attached to a role.
fn managed(template: &Template, role: &str) -> Vec<Json> {
    template
        .resources
        .get(role)
        .and_then(|r| r.properties.get("ManagedPolicyArns"))
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default()
}

/// A condition as `key = value` clauses (`like` for `ArnLike`).
fn condition_text(condition: &Json) -> String {
    let Json::Object(operators) = condition else {
        return short(condition);
    };
    let mut clauses = Vec::new();
    for (operator, tests) in operators {
        let word = match operator.as_str() {
            "StringEquals" | "Bool" | "ArnEquals" => "=",
            "StringLike" | "ArnLike" => "like",
            other => other,
        };
        if let Json::Object(tests) = tests {
            for (key, value) in tests {
                clauses.push(format!("{key} {word} {}", short(value)));
            }
        }
    }
    clauses.join(" and ")
}

/// `file:line:column` of a span.
fn location(span: Span, sources: &SourceMap) -> String {
    match sources.get(span.file) {
        Some(file) => {
            let position = file.line_col(span.start);
            format!(
                "{}:{}:{}",
                file.path.display(),
                position.line,
                position.column
            )
        }
        None => "?".into(),
    }
}

/// A compact form of a value: `Ref`s and `GetAtt`s as `Id` and `Id.Attr`,
/// `Fn::Sub` patterns as written, other JSON compactly.
fn short(value: &Json) -> String {
    if let Some(text) = value.as_str() {
        return text.to_string();
    }
    if let Some(id) = value.get("Ref").and_then(Json::as_str) {
        return id.to_string();
    }
    if let Some(Json::Array(parts)) = value.get("Fn::GetAtt") {
        let parts: Vec<String> = parts.iter().map(short).collect();
        return parts.join(".");
    }
    if let Some(pattern) = value.get("Fn::Sub").and_then(Json::as_str) {
        return pattern.to_string();
    }
    if let Json::Object(map) = value {
        let fields: Vec<String> = map
            .iter()
            .map(|(key, inner)| format!("{key} {}", short(inner)))
            .collect();
        return fields.join(", ");
    }
    value.to_string()
}
