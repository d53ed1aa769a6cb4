//! Secrets: the `ValueFrom` of a container secret and the execution-role
//! grants that let ECS read it at task start.
//!
//! `secret` declarations create no resource: the secret lives outside the
//! stack. A Secrets Manager secret given by name becomes the partial ARN
//! `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>` (which
//! ECS and Secrets Manager accept), with the JSON key, version stage and
//! version ID appended as `:<key>:<stage>:<id>`; the policy resource is
//! `...:secret:<name>-??????`, matching the six random characters Secrets
//! Manager appends to every ARN. An SSM parameter becomes
//! `arn:<partition>:ssm:<region>:<account>:parameter/<name>`. A full ARN is
//! used as written. A customer-managed key adds `kms:Decrypt` on that key.

use super::{Lowering, iam};
use crate::cfn::{self, IamGrant};
use crate::types::{Obj, Val, Value};
use serde_json::{Value as Json, json};

/// A text that is either literal or built with `Fn::Sub`.
enum Text {
    /// Known at compile time.
    Literal(String),
    /// A `Fn::Sub` pattern.
    Sub(String),
}

impl Text {
    fn json(&self) -> Json {
        match self {
            Text::Literal(text) => json!(text),
            Text::Sub(pattern) => cfn::sub(pattern),
        }
    }

    fn append(&self, suffix: &str) -> Text {
        match self {
            Text::Literal(text) => Text::Literal(format!("{text}{suffix}")),
            Text::Sub(pattern) => Text::Sub(format!("{pattern}{suffix}")),
        }
    }
}

/// The name of a secret as a `Fn::Sub` fragment, or the literal text.
fn fragment(val: &Val) -> Option<(String, bool)> {
    match &val.value {
        Value::Str(text) => Some((text.clone(), true)),
        Value::Param(name) => Some((format!("${{{}}}", cfn::pascal(name)), false)),
        _ => None,
    }
}

/// True when a Secrets Manager ARN ends with the six-character suffix.
pub fn has_random_suffix(name: &str) -> bool {
    let Some((_, suffix)) = name.rsplit_once('-') else {
        return false;
    };
    suffix.len() == 6 && suffix.chars().all(|c| c.is_ascii_alphanumeric())
}

/// The ARN a secret's value is read from (without key or version), and the
/// resource the execution role is granted.
fn arns(secret: &Obj) -> Option<(Text, Text)> {
    let (name, literal) = fragment(secret.get("name")?)?;
    let ssm = secret.str("store") == Some("ssm");
    if literal && name.starts_with("arn:") {
        let value = Text::Literal(name.clone());
        let policy = if !ssm && !has_random_suffix(&name) {
            Text::Literal(format!("{name}-??????"))
        } else {
            Text::Literal(name)
        };
        return Some((value, policy));
    }
    if ssm {
        let path = if name.starts_with('/') || !literal {
            name
        } else {
            format!("/{name}")
        };
        let arn = Text::Sub(format!(
            "arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter{path}"
        ));
        let policy = arn.append("");
        return Some((arn, policy));
    }
    let arn = Text::Sub(format!(
        "arn:${{AWS::Partition}}:secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:secret:{name}"
    ));
    let policy = arn.append("-??????");
    Some((arn, policy))
}

/// The `ValueFrom` of a secret: its ARN, plus `:key:stage:id` when a JSON
/// key or version is chosen (Secrets Manager only).
pub fn value_from(secret: &Obj) -> Json {
    let Some((arn, _)) = arns(secret) else {
        return Json::Null;
    };
    let parts = ["key", "version_stage", "version_id"].map(|f| secret.str(f).unwrap_or(""));
    if secret.str("store") == Some("ssm") || parts.iter().all(|p| p.is_empty()) {
        return arn.json();
    }
    arn.append(&format!(":{}", parts.join(":"))).json()
}

/// The ARN of a KMS key given as an ARN, a parameter or a key ID.
pub fn kms_key_arn(val: &Val) -> Json {
    match &val.value {
        Value::Str(text) if text.starts_with("arn:") => json!(text),
        Value::Str(id) => cfn::sub(&format!(
            "arn:${{AWS::Partition}}:kms:${{AWS::Region}}:${{AWS::AccountId}}:key/{id}"
        )),
        other => super::value_json(other),
    }
}

/// The `Secrets` of a container, granting the execution role of `task`
/// read access to each secret (and its KMS key).
pub fn container_secrets(lowering: &mut Lowering, task: &Obj, container: &Obj) -> Option<Json> {
    let Some(Value::Map(entries)) = container.get("secrets").map(|v| &v.value) else {
        return None;
    };
    let role = iam::execution_role_id(task.name());
    let mut secrets = Vec::new();
    for (variable, val) in entries {
        let Value::Ref { name, .. } = &val.value else {
            continue;
        };
        let Some(secret) = lowering.typed.get("secret", name) else {
            continue;
        };
        secrets.push(json!({ "Name": variable, "ValueFrom": value_from(secret) }));
        let Some((_, policy)) = arns(secret) else {
            continue;
        };
        let ssm = secret.str("store") == Some("ssm");
        let (sid, action) = if ssm {
            ("ReadParameters", "ssm:GetParameters")
        } else {
            ("ReadSecrets", "secretsmanager:GetSecretValue")
        };
        let reason = format!(
            "container `{}` reads {} `{name}` into `{variable}`",
            container.name(),
            if ssm { "SSM parameter" } else { "secret" }
        );
        iam::grant(
            lowering,
            IamGrant {
                role: role.clone(),
                sid: sid.into(),
                actions: vec![action.into()],
                resources: vec![policy.json()],
                condition: None,
                reason,
                span: val.span,
            },
        );
        if let Some(key) = secret.get("kms_key") {
            let resource = kms_key_arn(key);
            iam::grant(
                lowering,
                IamGrant {
                    role: role.clone(),
                    sid: "DecryptSecrets".into(),
                    actions: vec!["kms:Decrypt".into()],
                    resources: vec![resource],
                    condition: None,
                    reason: format!(
                        "{} `{name}` is encrypted with a customer-managed KMS key",
                        if ssm { "SSM parameter" } else { "secret" }
                    ),
                    span: key.span,
                },
            );
        }
    }
    Some(Json::Array(secrets))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::analyze_text;
    use std::path::Path;

    fn secret(body: &str) -> Obj {
        let analysis = analyze_text(Path::new("t.ecs"), &format!("secret s {{ {body} }}"));
        analysis
            .typed
            .get("secret", "s")
            .cloned()
            .unwrap_or_else(|| unreachable!())
    }

    #[test]
    fn suffix_is_dash_and_six_alphanumerics() {
        assert!(has_random_suffix("prod/db-a1B2c3"));
        assert!(!has_random_suffix("prod/db-password"));
        assert!(!has_random_suffix("prod/db"));
    }

    #[test]
    fn secrets_manager_name_with_key_and_stage() {
        let obj = secret(
            r#"store = secrets_manager, name = "prod/db", key = "password", version_stage = "AWSPREVIOUS""#,
        );
        assert_eq!(
            value_from(&obj),
            cfn::sub(
                "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:prod/db:password:AWSPREVIOUS:"
            )
        );
    }

    #[test]
    fn full_arn_is_used_as_written() {
        let arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-a1B2c3";
        let obj = secret(&format!(r#"store = secrets_manager, name = "{arn}""#));
        assert_eq!(value_from(&obj), json!(arn));
    }

    #[test]
    fn ssm_names_become_parameter_arns() {
        let obj = secret(r#"store = ssm, name = "/prod/key""#);
        assert_eq!(
            value_from(&obj),
            cfn::sub(
                "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/prod/key"
            )
        );
        let flat = secret(r#"store = ssm, name = "token""#);
        assert_eq!(
            value_from(&flat),
            cfn::sub("arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/token")
        );
    }
}
