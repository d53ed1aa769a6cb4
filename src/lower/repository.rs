//! Lowers `repository` declarations to `AWS::ECR::Repository` (scan on
//! push, tag immutability, a lifecycle rule keeping the last N images,
//! retained on deletion), and container images to image URIs with the
//! execution-role grants that let ECS pull them.

use super::{Lowering, iam};
use crate::cfn::{self, IamGrant, Resource};
use crate::span::Span;
use crate::types::{Obj, Value};
use serde_json::{Value as Json, json};

/// The logical ID of a repository.
pub fn repository_id(name: &str) -> String {
    cfn::logical_id(&[name, "Repository"])
}

/// Lowers every repository.
pub fn lower(lowering: &mut Lowering) {
    for obj in lowering.typed.of_kind("repository") {
        let resource = repository(lowering, obj);
        lowering.add(repository_id(obj.name()), resource);
    }
}

fn repository(lowering: &Lowering, obj: &Obj) -> Resource {
    let mut properties = serde_json::Map::new();
    if let Some(name) = obj.get("name") {
        properties.insert("RepositoryName".into(), lowering.json(name));
    }
    properties.insert(
        "ImageScanningConfiguration".into(),
        json!({ "ScanOnPush": obj.bool("scan_on_push").unwrap_or(true) }),
    );
    let immutable = obj.bool("immutable").unwrap_or(true);
    properties.insert(
        "ImageTagMutability".into(),
        json!(if immutable { "IMMUTABLE" } else { "MUTABLE" }),
    );
    if let Some(keep) = obj.int("keep_last") {
        let policy = json!({
            "rules": [{
                "rulePriority": 1,
                "description": format!("Keep only the last {keep} images"),
                "selection": { "tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": keep },
                "action": { "type": "expire" },
            }]
        });
        properties.insert(
            "LifecyclePolicy".into(),
            json!({ "LifecyclePolicyText": policy.to_string() }),
        );
    }
    let encryption = match obj.get("kms_key") {
        Some(key) => json!({
            "EncryptionType": "KMS",
            "KmsKey": lowering.json(key),
        }),
        None => json!({ "EncryptionType": "AES256" }),
    };
    properties.insert("EncryptionConfiguration".into(), encryption);
    properties.insert(
        "Tags".into(),
        json!([{ "Key": "ecsc:repository", "Value": obj.name() }]),
    );
    let mut resource =
        Resource::new("AWS::ECR::Repository", obj.span, Json::Object(properties)).retained();
    if let Some(keep) = obj.get("keep_last") {
        resource = resource.from_source("/LifecyclePolicy", keep.span);
    }
    resource
}

/// The image of a container as an image URI, granting the execution role of
/// `task` the pull permissions it needs (ECR repositories only).
pub fn container_image(lowering: &mut Lowering, task: &Obj, container: &Obj) -> Json {
    let Some(image) = container.get("image") else {
        return Json::Null;
    };
    match &image.value {
        Value::Ref { name, .. } => {
            let id = repository_id(name);
            let tag = match container.get("tag").map(|v| &v.value) {
                Some(Value::Str(tag)) => tag.clone(),
                Some(Value::Param(param)) => format!("${{{}}}", cfn::pascal(param)),
                _ => "latest".to_string(),
            };
            let reason = format!(
                "container `{}` runs an image from repository `{name}`",
                container.name()
            );
            grant_pull(lowering, task, cfn::get_att(&id, "Arn"), reason, image.span);
            cfn::sub(&format!("${{{id}.RepositoryUri}}:{tag}"))
        }
        Value::Str(uri) => {
            if let Some(arn) = ecr_repository_arn(uri) {
                let reason = format!(
                    "container `{}` runs an image from the private ECR repository in `{uri}`",
                    container.name()
                );
                grant_pull(lowering, task, arn, reason, image.span);
            }
            json!(uri)
        }
        other => super::value_json(other),
    }
}

/// The repository ARN of a private ECR image URI
/// (`123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.2`).
pub fn ecr_repository_arn(uri: &str) -> Option<Json> {
    let (registry, path) = uri.split_once('/')?;
    let mut labels = registry.split('.');
    let account = labels.next()?;
    let (dkr, ecr, region) = (labels.next()?, labels.next()?, labels.next()?);
    let is_ecr = dkr == "dkr"
        && ecr == "ecr"
        && account.len() == 12
        && account.chars().all(|c| c.is_ascii_digit());
    if !is_ecr {
        return None;
    }
    let repository = path.split(['@', ':']).next().unwrap_or(path);
    Some(cfn::sub(&format!(
        "arn:${{AWS::Partition}}:ecr:{region}:{account}:repository/{repository}"
    )))
}

fn grant_pull(lowering: &mut Lowering, task: &Obj, repository: Json, reason: String, span: Span) {
    let role = iam::execution_role_id(task.name());
    iam::grant(
        lowering,
        IamGrant {
            role: role.clone(),
            sid: "GetEcrToken".into(),
            actions: vec!["ecr:GetAuthorizationToken".into()],
            resources: vec![json!("*")],
            condition: None,
            reason: format!("{reason} (signing in to ECR allows no resource but `*`)"),
            span,
        },
    );
    iam::grant(
        lowering,
        IamGrant {
            role,
            sid: "PullImages".into(),
            actions: vec![
                "ecr:BatchCheckLayerAvailability".into(),
                "ecr:BatchGetImage".into(),
                "ecr:GetDownloadUrlForLayer".into(),
            ],
            resources: vec![repository],
            condition: None,
            reason,
            span,
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_ecr_images_name_their_repository() {
        assert_eq!(
            ecr_repository_arn("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:1.2"),
            Some(cfn::sub(
                "arn:${AWS::Partition}:ecr:eu-west-1:123456789012:repository/team/app"
            ))
        );
        assert!(ecr_repository_arn("public.ecr.aws/nginx/nginx:1.27").is_none());
        assert!(ecr_repository_arn("nginx:1.27").is_none());
    }
}
