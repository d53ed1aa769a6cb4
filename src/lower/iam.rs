//! IAM for tasks: the execution role every task gets, the task role a task
//! gets when its code needs permissions, and the grants both are built from.
//!
//! Lowering modules never write role policies directly. They record an
//! [`IamGrant`] (role, statement ID, actions, resources, condition, and the
//! reason with its span) through [`grant`] or [`grant_task_role`] while they
//! lower the construct that needs it; [`finish`], run after every other
//! module, creates the task roles that are needed and turns the grants of each
//! role into its inline policy. The grants stay in [`Template::iam_grants`]
//! for `ecsc build --explain-iam`, so the explanation is the policy.
//!
//! Roles:
//! - `<Task>ExecutionRole` (created by [`execution_role`]): used by ECS to
//!   start the task: write logs, pull images, read secrets.
//! - `<Task>TaskRole` (created by [`finish`]): used by the containers' code.
//!   It exists when the task names a `role` or when any module granted it
//!   something (EFS mounts, ECS Exec). It trusts `ecs-tasks.amazonaws.com`
//!   only for tasks of this account (confused-deputy conditions).
//!
//! [`Template::iam_grants`]: crate::cfn::Template::iam_grants

use super::Lowering;
use crate::cfn::{self, IamGrant, Resource};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;
use crate::types::{Obj, Value};
use indexmap::IndexMap;
use serde_json::{Value as Json, json};

/// The logical ID of the execution role of a task-bearing declaration.
pub fn execution_role_id(task: &str) -> String {
    cfn::logical_id(&[task, "ExecutionRole"])
}

/// The logical ID of the task role of a task-bearing declaration.
pub fn task_role_id(task: &str) -> String {
    cfn::logical_id(&[task, "TaskRole"])
}

/// Records a grant; [`finish`] turns it into a policy statement.
pub fn grant(lowering: &mut Lowering, grant: IamGrant) {
    lowering.template.iam_grants.push(grant);
}

/// Grants the task role of `task` (a service or task name) `actions` on
/// `resources`. The role is created if this is the first thing it needs.
/// Other modules call this, e.g. ECS Exec:
/// `grant_task_role(lowering, "api", "EcsExec", &[..ssmmessages..], vec![json!("*")], None, "ECS Exec is enabled", span)`.
#[allow(clippy::too_many_arguments)]
pub fn grant_task_role(
    lowering: &mut Lowering,
    task: &str,
    sid: &str,
    actions: &[&str],
    resources: Vec<Json>,
    condition: Option<Json>,
    reason: impl Into<String>,
    span: Span,
) {
    grant(
        lowering,
        IamGrant {
            role: task_role_id(task),
            sid: sid.to_string(),
            actions: actions.iter().map(|a| a.to_string()).collect(),
            resources,
            condition,
            reason: reason.into(),
            span,
        },
    );
}

/// The trust policy of an execution role.
fn trust_execution() -> Json {
    assume_role_policy("ecs-tasks.amazonaws.com", None)
}

/// An assume-role policy letting `service` (e.g. `ecs-tasks.amazonaws.com`)
/// take the role, with an optional `Condition` block.
pub fn assume_role_policy(service: &str, condition: Option<Json>) -> Json {
    let mut statement = json!({
        "Effect": "Allow",
        "Principal": { "Service": service },
        "Action": "sts:AssumeRole",
    });
    if let (Some(condition), Some(map)) = (condition, statement.as_object_mut()) {
        map.insert("Condition".into(), condition);
    }
    json!({ "Version": "2012-10-17", "Statement": [statement] })
}

/// The trust policy of a task role: ECS tasks of this account only.
fn trust_task() -> Json {
    assume_role_policy(
        "ecs-tasks.amazonaws.com",
        Some(json!({
            "StringEquals": { "aws:SourceAccount": cfn::reference("AWS::AccountId") },
            "ArnLike": {
                "aws:SourceArn": cfn::sub("arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:*")
            },
        })),
    )
}

/// Creates the execution role of `task` (its policy is filled by
/// [`finish`]) and grants it writing to the task's log group.
pub fn execution_role(lowering: &mut Lowering, task: &Obj, log_group: &str) {
    let role = execution_role_id(task.name());
    lowering.add(
        role.clone(),
        Resource::new(
            "AWS::IAM::Role",
            task.span,
            json!({
                "Description": format!("Starts the tasks of {} {}: logs, image pulls, secrets", task.kind, task.name()),
                "AssumeRolePolicyDocument": trust_execution(),
            }),
        ),
    );
    grant(
        lowering,
        IamGrant {
            role,
            sid: "WriteLogs".into(),
            actions: vec!["logs:CreateLogStream".into(), "logs:PutLogEvents".into()],
            resources: vec![cfn::get_att(log_group, "Arn")],
            condition: None,
            reason: format!(
                "the containers of {} `{}` send their logs to the log group `{log_group}`",
                task.kind,
                task.name()
            ),
            span: task.head,
        },
    );
}

/// Creates the task roles that are needed, sets `TaskRoleArn` on their task
/// definitions, and writes every role's policy from its grants. Runs after
/// every other lowering module.
pub fn finish(lowering: &mut Lowering) {
    let tasks: Vec<&Obj> = lowering
        .typed
        .decls
        .values()
        .filter(|obj| obj.fields.contains_key("container"))
        .collect();
    for task in tasks {
        task_role(lowering, task);
    }
    write_policies(lowering);
}

/// Creates the task role of one task if it declares or needs one.
fn task_role(lowering: &mut Lowering, task: &Obj) {
    let role_id = task_role_id(task.name());
    let declared = task
        .reference("task_role")
        .and_then(|name| lowering.typed.get("role", name));
    if let Some(role) = declared {
        for allow in role.blocks("allow") {
            grant(
                lowering,
                IamGrant {
                    role: role_id.clone(),
                    sid: cfn::pascal(allow.name()),
                    actions: strings(allow, "actions"),
                    resources: allow
                        .get("resources")
                        .map(|v| match lowering.json(v) {
                            Json::Array(items) => items,
                            other => vec![other],
                        })
                        .unwrap_or_default(),
                    condition: None,
                    reason: format!(
                        "role `{}` allows it (`allow {}`) and {} `{}` uses that role",
                        role.name(),
                        allow.name(),
                        task.kind,
                        task.name()
                    ),
                    span: allow.head,
                },
            );
        }
    }
    let needed = declared.is_some()
        || lowering
            .template
            .iam_grants
            .iter()
            .any(|grant| grant.role == role_id);
    if !needed {
        return;
    }
    let mut properties = json!({
        "Description": format!("Permissions of the containers of {} {}", task.kind, task.name()),
        "AssumeRolePolicyDocument": trust_task(),
    });
    if let (Some(role), Some(map)) = (declared, properties.as_object_mut())
        && let Some(managed) = role.get("managed")
    {
        map.insert("ManagedPolicyArns".into(), lowering.json(managed));
    }
    let span = declared.map_or(task.head, |role| role.head);
    lowering.add(
        role_id.clone(),
        Resource::new("AWS::IAM::Role", span, properties),
    );
    let definition = cfn::logical_id(&[task.name(), "TaskDefinition"]);
    if let Some(map) = lowering
        .template
        .resources
        .get_mut(&definition)
        .and_then(|r| r.properties.as_object_mut())
    {
        map.insert("TaskRoleArn".into(), cfn::get_att(&role_id, "Arn"));
    }
}

/// The strings of a list field.
fn strings(obj: &Obj, field: &str) -> Vec<String> {
    match obj.get(field).map(|v| &v.value) {
        Some(Value::List(items)) => items
            .iter()
            .filter_map(|item| match &item.value {
                Value::Str(text) => Some(text.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// One merged statement: the grants of a role with the same `sid`.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// Statement ID.
    pub sid: String,
    /// Actions, deduplicated, in order of first use.
    pub actions: Vec<String>,
    /// Resources, deduplicated, in order of first use.
    pub resources: Vec<Json>,
    /// The condition of the first grant.
    pub condition: Option<Json>,
    /// Every grant's reason and span.
    pub reasons: Vec<(String, Span)>,
}

impl Statement {
    /// The IAM policy statement.
    pub fn to_json(&self) -> Json {
        let mut statement = serde_json::Map::new();
        statement.insert("Sid".into(), json!(self.sid));
        statement.insert("Effect".into(), json!("Allow"));
        statement.insert("Action".into(), json!(self.actions));
        let resource = match self.resources.as_slice() {
            [one] => one.clone(),
            many => Json::Array(many.to_vec()),
        };
        statement.insert("Resource".into(), resource);
        if let Some(condition) = &self.condition {
            statement.insert("Condition".into(), condition.clone());
        }
        Json::Object(statement)
    }
}

/// The grants grouped by role, then merged by statement ID, in order of first use.
pub fn statements(grants: &[IamGrant]) -> IndexMap<String, Vec<Statement>> {
    let mut roles: IndexMap<String, Vec<Statement>> = IndexMap::new();
    for grant in grants {
        let statements = roles.entry(grant.role.clone()).or_default();
        let position = statements.iter().position(|s| s.sid == grant.sid);
        let statement = match position.and_then(|index| statements.get_mut(index)) {
            Some(statement) => statement,
            None => {
                statements.push(Statement {
                    sid: grant.sid.clone(),
                    actions: Vec::new(),
                    resources: Vec::new(),
                    condition: grant.condition.clone(),
                    reasons: Vec::new(),
                });
                let Some(last) = statements.last_mut() else {
                    continue;
                };
                last
            }
        };
        for action in &grant.actions {
            if !statement.actions.contains(action) {
                statement.actions.push(action.clone());
            }
        }
        for resource in &grant.resources {
            if !statement.resources.contains(resource) {
                statement.resources.push(resource.clone());
            }
        }
        let reason = (grant.reason.clone(), grant.span);
        if !statement.reasons.contains(&reason) {
            statement.reasons.push(reason);
        }
    }
    roles
}

/// Writes each role's inline policy from its grants.
fn write_policies(lowering: &mut Lowering) {
    let roles = statements(&lowering.template.iam_grants);
    for (role_id, statements) in roles {
        let Some(resource) = lowering.template.resources.get_mut(&role_id) else {
            let span = statements
                .first()
                .and_then(|s| s.reasons.first())
                .map(|(_, span)| *span)
                .unwrap_or_default();
            lowering.diags.push(
                Diagnostic::new(
                    Code::E9001,
                    span,
                    format!("permissions were granted to `{role_id}`, which is never created"),
                )
                .with_help("this is a bug in ecsc; please report it with the program"),
            );
            continue;
        };
        let document = json!({
            "Version": "2012-10-17",
            "Statement": statements.iter().map(Statement::to_json).collect::<Vec<_>>(),
        });
        let policy = json!({ "PolicyName": "ecsc-generated", "PolicyDocument": document });
        if let Some(map) = resource.properties.as_object_mut() {
            match map.get_mut("Policies") {
                Some(Json::Array(policies)) => policies.push(policy),
                _ => {
                    map.insert("Policies".into(), json!([policy]));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(sid: &str, actions: &[&str], resource: &str) -> IamGrant {
        IamGrant {
            role: "R".into(),
            sid: sid.into(),
            actions: actions.iter().map(|a| a.to_string()).collect(),
            resources: vec![json!(resource)],
            condition: None,
            reason: format!("{sid} {resource}"),
            span: Span::default(),
        }
    }

    #[test]
    fn grants_with_one_sid_merge_into_one_statement() {
        let grants = [
            grant("Mount", &["a:Mount"], "fs"),
            grant("Pull", &["ecr:Get"], "repo"),
            grant("Mount", &["a:Mount", "a:Write"], "fs"),
        ];
        let roles = statements(&grants);
        let role = roles.get("R").cloned().unwrap_or_default();
        assert_eq!(role.len(), 2);
        let mount = role.first().cloned().unwrap_or_else(|| unreachable!());
        assert_eq!(mount.actions, ["a:Mount", "a:Write"]);
        assert_eq!(mount.resources, [json!("fs")]);
        assert_eq!(mount.reasons.len(), 1, "identical reasons are listed once");
        assert_eq!(
            mount.to_json(),
            json!({ "Sid": "Mount", "Effect": "Allow", "Action": ["a:Mount", "a:Write"], "Resource": "fs" })
        );
    }
}
