//! Lowers the `container` blocks of a task (a service, or any declaration
//! with containers) to `ContainerDefinitions`: image, ports, command, entry
//! point, environment, secrets, dependencies, health check, limits, mounts
//! and logging. The grants the containers need (image pulls, secrets, EFS
//! mounts) are recorded as it goes, so nothing is granted that is not used.
//!
//! The domain rules (`rules/containers.rs`) have already checked ranges,
//! names and references; this module only translates.

use super::{Lowering, efs, repository, secrets};
use crate::types::{Obj, Value};
use serde_json::{Value as Json, json};

/// The `CpuArchitecture` of a task's `RuntimePlatform`.
pub fn cpu_architecture(task: &Obj) -> &'static str {
    match task.str("arch") {
        Some("arm64") => "ARM64",
        _ => "X86_64",
    }
}

/// The container definitions of a task that logs to `log_group` (a logical ID).
pub fn definitions(lowering: &mut Lowering, task: &Obj, log_group: &str) -> Vec<Json> {
    task.blocks("container")
        .iter()
        .map(|container| definition(lowering, task, container, log_group))
        .collect()
}

fn definition(lowering: &mut Lowering, task: &Obj, container: &Obj, log_group: &str) -> Json {
    let mut definition = serde_json::Map::new();
    let mut put = |key: &str, value: Json| {
        definition.insert(key.to_string(), value);
    };
    put("Name", json!(container.name()));
    put(
        "Image",
        repository::container_image(lowering, task, container),
    );
    put(
        "Essential",
        json!(container.bool("essential").unwrap_or(true)),
    );
    let ports = port_mappings(container);
    if !ports.is_empty() {
        put("PortMappings", Json::Array(ports));
    }
    for (field, key) in [("entry_point", "EntryPoint"), ("command", "Command")] {
        if let Some(value) = container.get(field) {
            put(key, lowering.json(value));
        }
    }
    if let Some(Value::Map(env)) = container.get("env").map(|v| &v.value) {
        let environment: Vec<Json> = env
            .iter()
            .map(|(name, value)| json!({ "Name": name, "Value": lowering.json(value) }))
            .collect();
        put("Environment", Json::Array(environment));
    }
    if let Some(secrets) = secrets::container_secrets(lowering, task, container) {
        put("Secrets", secrets);
    }
    if let Some(Value::Map(targets)) = container.get("depends_on").map(|v| &v.value) {
        let depends: Vec<Json> = targets
            .iter()
            .filter_map(|(target, condition)| match &condition.value {
                Value::Enum(word) => Some(json!({
                    "ContainerName": target,
                    "Condition": word.to_ascii_uppercase(),
                })),
                _ => None,
            })
            .collect();
        put("DependsOn", Json::Array(depends));
    }
    if let Some(check) = container.block("health_check") {
        put("HealthCheck", health_check(lowering, check));
    }
    if let Some(Value::Duration(seconds)) = container.get("stop_timeout").map(|v| &v.value) {
        put("StopTimeout", json!(seconds));
    }
    for (field, key) in [("working_dir", "WorkingDirectory"), ("user", "User")] {
        if let Some(value) = container.get(field) {
            put(key, lowering.json(value));
        }
    }
    if container.bool("read_only_root") == Some(true) {
        put("ReadonlyRootFilesystem", json!(true));
    }
    if let Some(Value::Cpu(units)) = container.get("cpu").map(|v| &v.value) {
        put("Cpu", json!(units));
    }
    for (field, key) in [
        ("memory", "Memory"),
        ("memory_reservation", "MemoryReservation"),
    ] {
        if let Some(Value::Memory(mib)) = container.get(field).map(|v| &v.value) {
            put(key, json!(mib));
        }
    }
    if let Some(gpus) = container.int("gpus") {
        put(
            "ResourceRequirements",
            json!([{ "Type": "GPU", "Value": gpus.to_string() }]),
        );
    }
    let ulimits: Vec<Json> = container
        .blocks("ulimit")
        .iter()
        .map(|limit| {
            json!({
                "Name": limit.name(),
                "SoftLimit": limit.int("soft").unwrap_or(0),
                "HardLimit": limit.int("hard").unwrap_or(0),
            })
        })
        .collect();
    if !ulimits.is_empty() {
        put("Ulimits", Json::Array(ulimits));
    }
    let mounts = efs::mount_points(lowering, task, container);
    if !mounts.is_empty() {
        put("MountPoints", Json::Array(mounts));
    }
    put(
        "LogConfiguration",
        json!({
            "LogDriver": "awslogs",
            "Options": {
                "awslogs-group": crate::cfn::reference(log_group),
                "awslogs-region": crate::cfn::reference("AWS::Region"),
                "awslogs-stream-prefix": container.name(),
            }
        }),
    );
    Json::Object(definition)
}

/// A port written as a number (TCP) or as `"53/udp"`.
pub fn parse_port(value: &Value) -> Option<(i64, &'static str)> {
    match value {
        Value::Int(port) => Some((*port, "tcp")),
        Value::Str(text) => {
            let (number, protocol) = text.split_once('/').unwrap_or((text, "tcp"));
            let port: i64 = number.trim().parse().ok()?;
            let protocol = match protocol.trim().to_ascii_lowercase().as_str() {
                "tcp" => "tcp",
                "udp" => "udp",
                _ => return None,
            };
            (1..=65535).contains(&port).then_some((port, protocol))
        }
        _ => None,
    }
}

/// Every port of a container: `port` first, then `ports`, as (port, protocol).
pub fn ports(container: &Obj) -> Vec<(i64, &'static str)> {
    let mut all = Vec::new();
    if let Some(port) = container.int("port") {
        all.push((port, "tcp"));
    }
    if let Some(Value::List(items)) = container.get("ports").map(|v| &v.value) {
        all.extend(items.iter().filter_map(|item| parse_port(&item.value)));
    }
    all
}

fn port_mappings(container: &Obj) -> Vec<Json> {
    ports(container)
        .into_iter()
        .map(|(port, protocol)| json!({ "ContainerPort": port, "Protocol": protocol }))
        .collect()
}

fn health_check(lowering: &Lowering, check: &Obj) -> Json {
    let command = match check.get("command").map(|v| &v.value) {
        Some(Value::Str(line)) => json!(["CMD-SHELL", line]),
        Some(Value::List(args)) => {
            let mut all = vec![json!("CMD")];
            all.extend(args.iter().map(|arg| lowering.json(arg)));
            Json::Array(all)
        }
        Some(other) => json!(["CMD-SHELL", super::value_json(other)]),
        None => json!([]),
    };
    let mut health = serde_json::Map::new();
    health.insert("Command".into(), command);
    for (field, key) in [
        ("interval", "Interval"),
        ("timeout", "Timeout"),
        ("start_period", "StartPeriod"),
    ] {
        if let Some(Value::Duration(seconds)) = check.get(field).map(|v| &v.value) {
            health.insert(key.into(), json!(seconds));
        }
    }
    if let Some(retries) = check.int("retries") {
        health.insert("Retries".into(), json!(retries));
    }
    Json::Object(health)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_parse_with_protocols() {
        assert_eq!(parse_port(&Value::Int(80)), Some((80, "tcp")));
        assert_eq!(parse_port(&Value::Str("53/udp".into())), Some((53, "udp")));
        assert_eq!(parse_port(&Value::Str("8080".into())), Some((8080, "tcp")));
        assert_eq!(parse_port(&Value::Str("53/sctp".into())), None);
        assert_eq!(parse_port(&Value::Str("70000".into())), None);
    }
}
