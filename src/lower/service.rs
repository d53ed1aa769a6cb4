//! Lowers `service` declarations: a log group, an execution role with
//! exactly the permissions the task needs, a task definition, a security
//! group and the `AWS::ECS::Service`.

use super::{Lowering, NetworkRefs};
use crate::cfn::{self, Resource};
use crate::types::{Obj, Value};
use serde_json::{Value as Json, json};

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
    let fargate = obj.str("launch").unwrap_or("fargate") == "fargate";

    log_group(lowering, obj, &id("LogGroup"));
    execution_role(lowering, obj, &id("ExecutionRole"), &id("LogGroup"));
    task_definition(lowering, obj, &id("TaskDefinition"), fargate);
    security_group(lowering, obj, &id("SecurityGroup"), &network);

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
                "SecurityGroups": [cfn::get_att(&id("SecurityGroup"), "GroupId")],
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
    if fargate {
        if let Some(map) = properties.as_object_mut() {
            map.insert("PlatformVersion".into(), json!("LATEST"));
        }
    }
    let mut resource = Resource::new("AWS::ECS::Service", obj.span, properties);
    if let Some(count) = obj.get("count").filter(|v| !v.defaulted) {
        resource = resource.from_source("/DesiredCount", count.span);
    }
    if !public {
        resource = resource.depends_on(network.ready.clone());
    }
    lowering.add(id("Service"), resource);
}

fn log_group(lowering: &mut Lowering, obj: &Obj, id: &str) {
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

fn trust_ecs_tasks() -> Json {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": "ecs-tasks.amazonaws.com" },
            "Action": "sts:AssumeRole",
        }],
    })
}

/// The execution role: exactly what ECS needs to start the task.
fn execution_role(lowering: &mut Lowering, obj: &Obj, id: &str, log_group: &str) {
    let statements = vec![json!({
        "Sid": "WriteLogs",
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": cfn::get_att(log_group, "Arn"),
    })];
    lowering.add(
        id.to_string(),
        Resource::new(
            "AWS::IAM::Role",
            obj.span,
            json!({
                "AssumeRolePolicyDocument": trust_ecs_tasks(),
                "Policies": [{
                    "PolicyName": "execution",
                    "PolicyDocument": { "Version": "2012-10-17", "Statement": statements },
                }],
            }),
        ),
    );
}

fn task_definition(lowering: &mut Lowering, obj: &Obj, id: &str, fargate: bool) {
    let name = obj.name();
    let log_group = cfn::logical_id(&[name, "LogGroup"]);
    let containers: Vec<Json> = obj
        .blocks("container")
        .iter()
        .map(|container| container_definition(lowering, container, &log_group))
        .collect();
    let mut properties = json!({
        "Family": cfn::sub(&format!("${{AWS::StackName}}-{name}")),
        "NetworkMode": "awsvpc",
        "RequiresCompatibilities": [if fargate { "FARGATE" } else { "EC2" }],
        "ExecutionRoleArn": cfn::get_att(&cfn::logical_id(&[name, "ExecutionRole"]), "Arn"),
        "ContainerDefinitions": containers,
        "RuntimePlatform": { "CpuArchitecture": "X86_64", "OperatingSystemFamily": "LINUX" },
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
    }
    let mut resource = Resource::new("AWS::ECS::TaskDefinition", obj.span, properties);
    for (path, span) in resource_spans {
        if let Some(span) = span {
            resource = resource.from_source(path, span);
        }
    }
    lowering.add(id.to_string(), resource);
}

fn container_definition(lowering: &Lowering, container: &Obj, log_group: &str) -> Json {
    let mut definition = serde_json::Map::new();
    definition.insert("Name".into(), json!(container.name()));
    if let Some(image) = container.get("image") {
        definition.insert("Image".into(), lowering.json(image));
    }
    definition.insert(
        "Essential".into(),
        json!(container.bool("essential").unwrap_or(true)),
    );
    if let Some(port) = container.int("port") {
        definition.insert(
            "PortMappings".into(),
            json!([{ "ContainerPort": port, "Protocol": "tcp" }]),
        );
    }
    if let Some(command) = container.get("command") {
        definition.insert("Command".into(), lowering.json(command));
    }
    if let Some(Value::Map(env)) = container.get("env").map(|v| &v.value) {
        let environment: Vec<Json> = env
            .iter()
            .map(|(key, value)| json!({ "Name": key, "Value": super::value_json(&value.value) }))
            .collect();
        definition.insert("Environment".into(), Json::Array(environment));
    }
    if let Some(Value::Cpu(units)) = container.get("cpu").map(|v| &v.value) {
        definition.insert("Cpu".into(), json!(units));
    }
    if let Some(Value::Memory(mib)) = container.get("memory").map(|v| &v.value) {
        definition.insert("Memory".into(), json!(mib));
    }
    definition.insert(
        "LogConfiguration".into(),
        json!({
            "LogDriver": "awslogs",
            "Options": {
                "awslogs-group": cfn::reference(log_group),
                "awslogs-region": cfn::reference("AWS::Region"),
                "awslogs-stream-prefix": container.name(),
            }
        }),
    );
    Json::Object(definition)
}

fn security_group(lowering: &mut Lowering, obj: &Obj, id: &str, network: &NetworkRefs) {
    lowering.add(
        id.to_string(),
        Resource::new(
            "AWS::EC2::SecurityGroup",
            obj.span,
            json!({
                "GroupDescription": format!("Tasks of service {}", obj.name()),
                "VpcId": network.vpc_id,
                "SecurityGroupEgress": [{ "IpProtocol": "-1", "CidrIp": "0.0.0.0/0", "Description": "Allow all outbound traffic" }],
            }),
        ),
    );
}
