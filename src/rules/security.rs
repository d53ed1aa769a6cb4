//! Rules for `secret`, `role` and `repository` declarations: what Secrets
//! Manager, SSM, KMS, IAM and ECR would refuse, or resolve differently from
//! what the program says.
//!
//! Codes: E3215 JSON key or version on an SSM parameter, E3216 invalid SSM
//! parameter name, E3217 invalid KMS key, E3218 ARN of the wrong service,
//! E3219 invalid IAM statement, E3220 invalid repository, W3202 secret name
//! that looks like a full ARN suffix.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::lower::secrets::has_random_suffix;
use crate::types::{Obj, Typed, Val, Value};

fn literal<'a>(obj: &'a Obj, field: &str) -> Option<(&'a str, &'a Val)> {
    let val = obj.get(field)?;
    match &val.value {
        Value::Str(text) => Some((text.as_str(), val)),
        _ => None,
    }
}

/// E3215: JSON keys and versions exist in Secrets Manager only.
pub fn ssm_options(typed: &Typed, diags: &mut Diagnostics) {
    for secret in typed.of_kind("secret") {
        if secret.str("store") != Some("ssm") {
            continue;
        }
        for field in ["key", "version_stage", "version_id"] {
            if let Some(val) = secret.get(field) {
                diags.push(
                    Diagnostic::new(
                        Code::E3215,
                        val.span,
                        format!("`{field}` is not available for SSM parameters"),
                    )
                    .with_primary_label("Secrets Manager only")
                    .with_help("ECS injects an SSM parameter whole; store JSON secrets in Secrets Manager (`store = secrets_manager`), or use one parameter per value"),
                );
            }
        }
    }
}

/// E3216: an SSM parameter name that SSM accepts and ECS can resolve.
pub fn ssm_names(typed: &Typed, diags: &mut Diagnostics) {
    for secret in typed.of_kind("secret") {
        if secret.str("store") != Some("ssm") {
            continue;
        }
        let Some((name, val)) = literal(secret, "name") else {
            continue;
        };
        if name.starts_with("arn:") {
            continue;
        }
        let problem = if name.is_empty() {
            Some("the name is empty".to_string())
        } else if name.contains('/') && !name.starts_with('/') {
            Some("a name with `/` is a path and must start with `/`".to_string())
        } else if let Some(bad) = name
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/')))
        {
            Some(format!(
                "`{bad}` is not allowed (letters, digits, `_ . - /`)"
            ))
        } else if name.contains("//") || name.ends_with('/') {
            Some("empty path segment".to_string())
        } else {
            let first = name.trim_start_matches('/').to_ascii_lowercase();
            (first.starts_with("aws") || first.starts_with("ssm"))
                .then(|| "names cannot begin with `aws` or `ssm`".to_string())
        };
        if let Some(problem) = problem {
            let mut diag = Diagnostic::new(
                Code::E3216,
                val.span,
                format!("`{name}` is not a valid SSM parameter name"),
            )
            .with_primary_label(problem)
            .with_help(
                "parameter names are `/path/to/name` (or one word), letters, digits and `_ . -`",
            );
            if name.contains('/') && !name.starts_with('/') {
                diag =
                    diag.with_suggestion("add the leading `/`", val.span, format!("\"/{name}\""));
            }
            diags.push(diag);
        }
    }
}

/// True for a KMS key ID (`1234abcd-12ab-34cd-56ef-1234567890ab` or
/// `mrk-` and 32 hex digits).
fn is_key_id(text: &str) -> bool {
    let hex = |s: &str| s.chars().all(|c| c.is_ascii_hexdigit());
    if let Some(rest) = text.strip_prefix("mrk-") {
        return rest.len() == 32 && hex(rest);
    }
    let parts: Vec<&str> = text.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && parts.iter().all(|p| hex(p))
}

/// E3217: a KMS key is a key ARN or key ID; IAM cannot grant through an alias.
pub fn kms_keys(typed: &Typed, diags: &mut Diagnostics) {
    for obj in typed.decls.values() {
        if !matches!(obj.kind.as_str(), "secret" | "volume" | "repository") {
            continue;
        }
        let Some((key, val)) = literal(obj, "kms_key") else {
            continue;
        };
        let is_arn = key.starts_with("arn:") && key.contains(":kms:") && key.contains(":key/");
        if is_arn || is_key_id(key) {
            continue;
        }
        let label = if key.starts_with("alias/") || key.contains(":alias/") {
            "an alias: IAM permissions cannot name a key by alias"
        } else {
            "neither a key ARN nor a key ID"
        };
        diags.push(
            Diagnostic::new(Code::E3217, val.span, "not a KMS key ARN or key ID")
                .with_primary_label(label)
                .with_help(
                    "write the key ARN (`arn:aws:kms:<region>:<account>:key/<id>`) or its key ID",
                ),
        );
    }
}

/// E3218: an ARN names the store the secret says.
pub fn secret_arns(typed: &Typed, diags: &mut Diagnostics) {
    for secret in typed.of_kind("secret") {
        let Some((name, val)) = literal(secret, "name") else {
            continue;
        };
        if !name.starts_with("arn:") {
            continue;
        }
        let ssm = secret.str("store") == Some("ssm");
        let service = name.split(':').nth(2).unwrap_or("");
        let resource = name.split(':').nth(5).unwrap_or("");
        let fits = if ssm {
            service == "ssm" && resource.starts_with("parameter/")
        } else {
            service == "secretsmanager" && resource == "secret" && name.split(':').count() == 7
        };
        if fits {
            continue;
        }
        let (wanted, example) = if ssm {
            (
                "an SSM parameter",
                "arn:aws:ssm:<region>:<account>:parameter/<name>",
            )
        } else {
            (
                "a Secrets Manager secret",
                "arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>",
            )
        };
        let mut diag = Diagnostic::new(
            Code::E3218,
            val.span,
            format!("this ARN is not the ARN of {wanted}"),
        )
        .with_primary_label(format!("expected `{example}`"));
        if let Some(store) = secret.get("store") {
            diag = diag.with_label(store.span, "the store");
        }
        diags.push(diag.with_help(
            "set `store` to where the secret lives, and give a JSON key or version with `key`, `version_stage`, `version_id`, not in the ARN",
        ));
    }
}

/// W3202: a Secrets Manager name ending in `-` and six characters looks like
/// a full ARN's random suffix, so the name-based permission `name-??????`
/// and the lookup by partial ARN may match another secret.
pub fn ambiguous_secret_names(typed: &Typed, diags: &mut Diagnostics) {
    for secret in typed.of_kind("secret") {
        if secret.str("store") == Some("ssm") {
            continue;
        }
        let Some((name, val)) = literal(secret, "name") else {
            continue;
        };
        if name.starts_with("arn:") || !has_random_suffix(name) {
            continue;
        }
        diags.push(
            Diagnostic::new(
                Code::W3202,
                val.span,
                format!("the secret name `{name}` ends like a full ARN suffix"),
            )
            .with_primary_label("`-` and six characters")
            .with_help("Secrets Manager may read it as the ARN suffix of another secret; give the secret's full ARN instead of its name"),
        );
    }
}

/// True for an IAM action: `*` or `service:Action` (with `*`/`?` wildcards).
fn is_action(text: &str) -> bool {
    if text == "*" {
        return true;
    }
    let Some((service, action)) = text.split_once(':') else {
        return false;
    };
    !service.is_empty()
        && service
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !action.is_empty()
        && action
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '*' | '?'))
}

/// E3219: role statements allow real actions on ARNs.
pub fn role_statements(typed: &Typed, diags: &mut Diagnostics) {
    for role in typed.of_kind("role") {
        for allow in role.blocks("allow") {
            for (field, what) in [("actions", "action"), ("resources", "resource")] {
                let Some(val) = allow.get(field) else {
                    continue;
                };
                let Value::List(items) = &val.value else {
                    continue;
                };
                if items.is_empty() {
                    diags.push(
                        Diagnostic::new(
                            Code::E3219,
                            val.span,
                            format!("`allow {}` has no {what}", allow.name()),
                        )
                        .with_primary_label("empty list")
                        .with_help(format!("list at least one {what}, or remove the statement")),
                    );
                }
                for item in items {
                    let Value::Str(text) = &item.value else {
                        continue;
                    };
                    let ok = if field == "actions" {
                        is_action(text)
                    } else {
                        text == "*" || text.starts_with("arn:")
                    };
                    if !ok {
                        let (label, help) = if field == "actions" {
                            (
                                "expected `service:Action`",
                                "write actions as `s3:GetObject`, `sqs:SendMessage`, `dynamodb:*`",
                            )
                        } else {
                            (
                                "expected an ARN",
                                "write resources as ARNs (`arn:aws:s3:::bucket/*`), or `*`",
                            )
                        };
                        diags.push(
                            Diagnostic::new(
                                Code::E3219,
                                item.span,
                                format!("`{text}` is not an IAM {what}"),
                            )
                            .with_primary_label(label)
                            .with_help(help),
                        );
                    }
                }
            }
        }
    }
}

/// True for an ECR repository name: lower case, `/`-separated components of
/// letters and digits joined by `.`, `_` or `-`, 2 to 256 characters.
fn is_repository_name(name: &str) -> bool {
    let component = |part: &str| {
        !part.is_empty()
            && part.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && part.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && part.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')
            })
            && !part.contains("..")
    };
    (2..=256).contains(&name.len()) && name.split('/').all(component)
}

/// E3220: a repository's name and lifecycle count are ones ECR accepts.
pub fn repositories(typed: &Typed, diags: &mut Diagnostics) {
    for repository in typed.of_kind("repository") {
        if let Some((name, val)) = literal(repository, "name")
            && !is_repository_name(name)
        {
            diags.push(
                Diagnostic::new(
                    Code::E3220,
                    val.span,
                    format!("`{name}` is not a valid repository name"),
                )
                .with_primary_label("lower-case letters, digits, `.`, `_`, `-`, separated by `/`")
                .with_help(format!("try `\"{}\"`", name.to_ascii_lowercase())),
            );
        }
        if let Some(val) = repository.get("keep_last")
            && let Value::Int(count) = val.value
            && count < 1
        {
            diags.push(
                Diagnostic::new(
                    Code::E3220,
                    val.span,
                    format!("`keep_last = {count}` keeps no image"),
                )
                .with_primary_label("must be 1 or more")
                .with_help("keep at least the images your services run, and a few to roll back to"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids() {
        assert!(is_key_id("1234abcd-12ab-34cd-56ef-1234567890ab"));
        assert!(is_key_id("mrk-1234abcd12ab34cd56ef1234567890ab"));
        assert!(!is_key_id("alias/prod"));
    }

    #[test]
    fn repository_names() {
        assert!(is_repository_name("acme/api"));
        assert!(is_repository_name("a.b_c-d/e"));
        assert!(!is_repository_name("Acme/API"));
        assert!(!is_repository_name("acme//api"));
        assert!(!is_repository_name("-api"));
    }

    #[test]
    fn actions() {
        assert!(is_action("s3:GetObject"));
        assert!(is_action("s3:Get*"));
        assert!(is_action("*"));
        assert!(!is_action("GetObject"));
        assert!(!is_action("s3:"));
    }
}
