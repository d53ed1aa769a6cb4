//! Lowers scheduled `task` declarations: the log group, execution role,
//! task definition and (awsvpc) security group a service would get, built by
//! the same functions, plus:
//! - `<Task>ScheduleRole`: trusted by EventBridge Scheduler for schedules of
//!   this account only; may `ecs:RunTask` this task definition on this
//!   cluster, and `iam:PassRole` the task's execution and task roles to ECS
//!   (nothing else; the grants go through `iam.rs`, so `--explain-iam` lists
//!   them);
//! - `<Task>Schedule`: an `AWS::Scheduler::Schedule` with an ECS target
//!   (launch type or capacity provider strategy, network configuration,
//!   placement, task count), retrying failed launches for up to an hour.

use super::{Lowering, NetworkRefs, compute, iam, placement, service};
use crate::cfn::{self, IamGrant, Resource};
use crate::rules;
use crate::types::Obj;
use serde_json::{Map, Value as Json, json};

/// Lowers every scheduled task.
pub fn lower(lowering: &mut Lowering) {
    for task in lowering.typed.of_kind("task") {
        scheduled_task(lowering, task);
    }
}

fn scheduled_task(lowering: &mut Lowering, task: &Obj) {
    let name = task.name();
    let id = |suffix: &str| cfn::logical_id(&[name, suffix]);
    let typed = lowering.typed;
    let network = task
        .reference("cluster")
        .and_then(|cluster| typed.get("cluster", cluster))
        .and_then(|cluster| cluster.reference("network"))
        .and_then(|network| lowering.networks.get(network))
        .cloned()
        .unwrap_or_default();
    let cluster_id = cfn::logical_id(&[task.reference("cluster").unwrap_or_default(), "Cluster"]);
    let fargate = rules::compute::platform(typed, task).is_fargate();
    let awsvpc = rules::compute::network_mode(task) == "awsvpc";

    service::log_group(lowering, task, &id("LogGroup"));
    iam::execution_role(lowering, task, &id("LogGroup"));
    service::task_definition(lowering, task, &id("TaskDefinition"), fargate);
    compute::task_definition(lowering, task);
    if awsvpc {
        service::security_group(lowering, task, &compute::security_group_id(name), &network);
    }
    schedule_role(lowering, task, &cluster_id);
    schedule(lowering, task, &cluster_id, &network, awsvpc);
}

/// The role EventBridge Scheduler assumes to run the task.
fn schedule_role(lowering: &mut Lowering, task: &Obj, cluster_id: &str) {
    let name = task.name();
    let role = cfn::logical_id(&[name, "ScheduleRole"]);
    let definition = cfn::logical_id(&[name, "TaskDefinition"]);
    lowering.add(
        role.clone(),
        Resource::new(
            "AWS::IAM::Role",
            task.span,
            json!({
                "Description": format!("Lets EventBridge Scheduler run task {name}"),
                "AssumeRolePolicyDocument": super::iam::assume_role_policy(
                    "scheduler.amazonaws.com",
                    Some(json!({ "StringEquals": { "aws:SourceAccount": cfn::reference("AWS::AccountId") } })),
                ),
            }),
        ),
    );
    let schedule_span = task.get("schedule").map_or(task.head, |v| v.span);
    iam::grant(
        lowering,
        IamGrant {
            role: role.clone(),
            sid: "RunTask".into(),
            actions: vec!["ecs:RunTask".into()],
            resources: vec![cfn::reference(&definition)],
            condition: Some(
                json!({ "ArnEquals": { "ecs:cluster": cfn::get_att(cluster_id, "Arn") } }),
            ),
            reason: format!(
                "the schedule of task `{name}` runs its task definition on its cluster"
            ),
            span: schedule_span,
        },
    );
    let mut passed = vec![cfn::get_att(&iam::execution_role_id(name), "Arn")];
    let task_role = iam::task_role_id(name);
    let has_task_role = task.reference("task_role").is_some()
        || lowering
            .template
            .iam_grants
            .iter()
            .any(|g| g.role == task_role);
    if has_task_role {
        passed.push(cfn::get_att(&task_role, "Arn"));
    }
    iam::grant(
        lowering,
        IamGrant {
            role,
            sid: "PassTaskRoles".into(),
            actions: vec!["iam:PassRole".into()],
            resources: passed,
            condition: Some(
                json!({ "StringLike": { "iam:PassedToService": "ecs-tasks.amazonaws.com" } }),
            ),
            reason: format!("RunTask hands the roles of task `{name}` to ECS"),
            span: schedule_span,
        },
    );
}

/// The schedule and its ECS target.
fn schedule(
    lowering: &mut Lowering,
    task: &Obj,
    cluster_id: &str,
    network: &NetworkRefs,
    awsvpc: bool,
) {
    let name = task.name();
    let id = |suffix: &str| cfn::logical_id(&[name, suffix]);
    let expression = task
        .get("schedule")
        .and_then(|v| rules::schedule::expression(&v.value).ok())
        .unwrap_or_default();
    let mut ecs = Map::new();
    ecs.insert(
        "TaskDefinitionArn".into(),
        cfn::reference(&id("TaskDefinition")),
    );
    ecs.insert("TaskCount".into(), json!(task.int("count").unwrap_or(1)));
    let depends = compute::launch_settings(lowering, task, &mut ecs);
    let public = task.str("subnets") == Some("public");
    if awsvpc {
        let subnets = if public {
            network.public_subnets.clone()
        } else {
            network.private_subnets.clone()
        };
        let assign = if task.bool("public_ip") == Some(true) {
            "ENABLED"
        } else {
            "DISABLED"
        };
        ecs.insert(
            "NetworkConfiguration".into(),
            json!({ "AwsvpcConfiguration": {
                "Subnets": subnets,
                "SecurityGroups": [cfn::get_att(&compute::security_group_id(name), "GroupId")],
                "AssignPublicIp": assign,
            }}),
        );
    }
    if let Some(placement) = task.block("placement") {
        let strategies = placement::strategy_json(placement);
        if !strategies.is_empty() {
            ecs.insert("PlacementStrategy".into(), Json::Array(strategies));
        }
        let constraints = placement::constraint_json(placement);
        if !constraints.is_empty() {
            ecs.insert("PlacementConstraints".into(), Json::Array(constraints));
        }
    }
    let mut properties = json!({
        "Description": format!("Runs task {name}"),
        "ScheduleExpression": expression,
        "FlexibleTimeWindow": { "Mode": "OFF" },
        "State": if task.bool("enabled") == Some(false) { "DISABLED" } else { "ENABLED" },
        "Target": {
            "Arn": cfn::get_att(cluster_id, "Arn"),
            "RoleArn": cfn::get_att(&id("ScheduleRole"), "Arn"),
            "EcsParameters": Json::Object(ecs),
            "RetryPolicy": { "MaximumRetryAttempts": 10, "MaximumEventAgeInSeconds": 3600 },
        },
    });
    if let (Some(zone), Some(map)) = (task.str("timezone"), properties.as_object_mut()) {
        map.insert("ScheduleExpressionTimezone".into(), json!(zone));
    }
    let mut resource = Resource::new("AWS::Scheduler::Schedule", task.span, properties);
    if let Some(val) = task.get("schedule") {
        resource = resource.from_source("/ScheduleExpression", val.span);
    }
    if !public {
        resource = resource.depends_on(network.ready.clone());
    }
    if let Some(depends) = depends {
        resource = resource.depends_on([depends]);
    }
    lowering.add(id("Schedule"), resource);
}
