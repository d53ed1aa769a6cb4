//! Lowers `service` declarations: a log group, an execution role with
//! exactly the permissions the task needs, a task definition, a security
//! group and the `AWS::ECS::Service`.

use super::{Lowering, NetworkRefs};
use crate::cfn::{self, Resource};
use crate::types::{Obj, Value};
use serde_json::json;

/// Lowers every service.
pub fn lower(lowering: &mut Lowering) {
    for obj in lowering.typed.of_kind("service") {
        service(lowering, obj);
    }
}

fn service(lowering: &mut Lowering, obj: &Obj) {
    let name = obj.name();
    let id = |suffix: &str| cfn::logical_id(&[name, suffix]);
    let network = obj
        .reference("cluster")
        .and_then(|cluster| lowering.typed.get("cluster", cluster))
        .and_then(|cluster| cluster.reference("network"))
        .and_then(|network| lowering.networks.get(network))
        .cloned()
        .unwrap_or_default();
    let cluster_id = obj
        .reference("cluster")
        .map(|c| cfn::logical_id(&[c, "Cluster"]))
        .unwrap_or_default();
    let fargate = crate::rules::compute::platform(lowering.typed, obj).is_fargate();

    log_group(lowering, obj, &id("LogGroup"));
    super::iam::execution_role(lowering, obj, &id("LogGroup"));
    task_definition(lowering, obj, &id("TaskDefinition"), fargate);
    if crate::rules::compute::network_mode(obj) == "awsvpc" {
        security_group(
            lowering,
            obj,
            &super::compute::security_group_id(name),
            &network,
        );
    }

    let public = obj.str("subnets") == Some("public");
    let subnets = if public {
        network.public_subnets.clone()
    } else {
        network.private_subnets.clone()
    };
    let assign_public_ip = if obj.bool("public_ip").unwrap_or(false) {
        "ENABLED"
    } else {
        "DISABLED"
    };
    let mut properties = json!({
        "Cluster": cfn::reference(&cluster_id),
        "TaskDefinition": cfn::reference(&id("TaskDefinition")),
        "LaunchType": if fargate { "FARGATE" } else { "EC2" },
        "DesiredCount": obj.int("count").unwrap_or(1),
        "NetworkConfiguration": {
            "AwsvpcConfiguration": {
                "Subnets": subnets,
                "SecurityGroups": [cfn::get_att(&super::compute::security_group_id(name), "GroupId")],
                "AssignPublicIp": assign_public_ip,
            }
        },
        "DeploymentConfiguration": {
            "MinimumHealthyPercent": 100,
            "MaximumPercent": 200,
            "DeploymentCircuitBreaker": { "Enable": true, "Rollback": true },
        },
        "EnableECSManagedTags": true,
        "PropagateTags": "SERVICE",
        "Tags": [{ "Key": "ecsc:service", "Value": name }],
    });
    if fargate && let Some(map) = properties.as_object_mut() {
        map.insert("PlatformVersion".into(), json!("LATEST"));
    }
    let mut resource = Resource::new("AWS::ECS::Service", obj.span, properties);
    if let Some(count) = obj.get("count").filter(|v| !v.defaulted) {
        resource = resource.from_source("/DesiredCount", count.span);
    }
    if !public {
        resource = resource.depends_on(network.ready.clone());
    }
    lowering.add(id("Service"), resource);
    super::compute::service(lowering, obj);
}

pub(super) fn log_group(lowering: &mut Lowering, obj: &Obj, id: &str) {
    let days = match obj.get("log_retention").map(|v| &v.value) {
        Some(Value::Duration(seconds)) => (seconds / 86400).max(1),
        _ => 30,
    };
    lowering.add(
        id.to_string(),
        Resource::new(
            "AWS::Logs::LogGroup",
            obj.span,
            json!({ "RetentionInDays": days }),
        )
        .retained(),
    );
}

pub(super) fn task_definition(lowering: &mut Lowering, obj: &Obj, id: &str, fargate: bool) {
    let name = obj.name();
    let log_group = cfn::logical_id(&[name, "LogGroup"]);
    let containers = super::container::definitions(lowering, obj, &log_group);
    let mut properties = json!({
        "Family": cfn::sub(&format!("${{AWS::StackName}}-{name}")),
        "NetworkMode": "awsvpc",
        "RequiresCompatibilities": [if fargate { "FARGATE" } else { "EC2" }],
        "ExecutionRoleArn": cfn::get_att(&cfn::logical_id(&[name, "ExecutionRole"]), "Arn"),
        "ContainerDefinitions": containers,
        "RuntimePlatform": {
            "CpuArchitecture": super::container::cpu_architecture(obj),
            "OperatingSystemFamily": "LINUX",
        },
    });
    let mut resource_spans = Vec::new();
    if let Some(map) = properties.as_object_mut() {
        if let Some(Value::Cpu(units)) = obj.get("cpu").map(|v| &v.value) {
            map.insert("Cpu".into(), json!(units.to_string()));
            resource_spans.push(("/Cpu", obj.get("cpu").map(|v| v.span)));
        }
        if let Some(Value::Memory(mib)) = obj.get("memory").map(|v| &v.value) {
            map.insert("Memory".into(), json!(mib.to_string()));
            resource_spans.push(("/Memory", obj.get("memory").map(|v| v.span)));
        }
        // Fargate only (W3004 warns elsewhere); E3004 checked whole GiB 21..200.
        if let Some(Value::Memory(mib)) = obj.get("ephemeral_storage").map(|v| &v.value)
            && fargate
        {
            map.insert(
                "EphemeralStorage".into(),
                json!({ "SizeInGiB": mib / 1024 }),
            );
            let span = obj.get("ephemeral_storage").map(|v| v.span);
            resource_spans.push(("/EphemeralStorage", span));
        }
    }
    let mut resource = Resource::new("AWS::ECS::TaskDefinition", obj.span, properties);
    for (path, span) in resource_spans {
        if let Some(span) = span {
            resource = resource.from_source(path, span);
        }
    }
    lowering.add(id.to_string(), resource);
}

pub(super) fn security_group(lowering: &mut Lowering, obj: &Obj, id: &str, network: &NetworkRefs) {
    lowering.add(
        id.to_string(),
        Resource::new(
            "AWS::EC2::SecurityGroup",
            obj.span,
            json!({
                "GroupDescription": format!("Tasks of {} {}", obj.kind, obj.name()),
                "VpcId": network.vpc_id,
                "SecurityGroupEgress": [{ "IpProtocol": "-1", "CidrIp": "0.0.0.0/0", "Description": "Allow all outbound traffic" }],
            }),
        ),
    );
}
