//! Compute and scheduling settings of services and their task definitions,
//! applied after `service.rs` has built them: launch type or capacity
//! provider strategy, replica or daemon, network mode (with dynamic host
//! ports in bridge mode), placement, deployment configuration, ECS Exec and
//! the platform version.
//!
//! Scheduled tasks (`task.rs`) share [`task_definition`]. Everything that
//! admits traffic to or from tasks (load balancers, `allow_from`, EFS) finds
//! their security groups with [`task_security_groups`].

use super::{Lowering, capacity, iam, placement};
use crate::cfn;
use crate::rules::compute::{self, Launch, Platform};
use crate::types::{Obj, Typed, Value};
use serde_json::{Map, Value as Json, json};

/// The four Session Manager channel actions ECS Exec needs on the task role
/// (`ssmmessages` has no resource-level permissions, so `*`).
pub const EXEC_ACTIONS: [&str; 4] = [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
];

/// The logical ID of the own security group of an `awsvpc` service or task.
pub fn security_group_id(name: &str) -> String {
    cfn::logical_id(&[name, "SecurityGroup"])
}

/// A security group the tasks of a service or scheduled task use.
pub struct TaskGroup<'a> {
    /// The declaration that owns the group: the service or task itself for
    /// `awsvpc` tasks, or an EC2 capacity their `bridge` or `host` tasks may
    /// land on.
    pub owner: &'a Obj,
    /// The group's logical ID.
    pub id: String,
}

impl TaskGroup<'_> {
    /// True for the instance security group of an EC2 capacity, shared by
    /// every `bridge` and `host` task on its instances.
    pub fn is_instance_group(&self) -> bool {
        self.owner.kind == "capacity"
    }

    /// The group's ID (`Fn::GetAtt [<Id>, GroupId]`).
    pub fn group_id(&self) -> Json {
        cfn::get_att(&self.id, "GroupId")
    }
}

/// The security groups the tasks of a service or scheduled task use: its
/// own for `awsvpc` tasks, else the instance security group of every EC2
/// capacity they may land on (`rules::compute::reachable_capacities`, the
/// same answer the placement rules use). Empty for `bridge`/`host` tasks
/// without EC2 capacity (W3102).
pub fn task_security_groups<'a>(typed: &'a Typed, obj: &'a Obj) -> Vec<TaskGroup<'a>> {
    if compute::network_mode(obj) == "awsvpc" {
        return vec![TaskGroup {
            owner: obj,
            id: security_group_id(obj.name()),
        }];
    }
    let mut groups: Vec<TaskGroup<'a>> = Vec::new();
    for capacity in compute::reachable_capacities(typed, obj) {
        let id = capacity::instance_security_group_id(capacity.name());
        if !groups.iter().any(|g| g.id == id) {
            groups.push(TaskGroup {
                owner: capacity,
                id,
            });
        }
    }
    groups
}

/// Adjusts the task definition of a service or task: compatibility, network
/// mode and host ports.
pub fn task_definition(lowering: &mut Lowering, obj: &Obj) {
    let platform = compute::platform(lowering.typed, obj);
    let mode = compute::network_mode(obj).to_string();
    let id = cfn::logical_id(&[obj.name(), "TaskDefinition"]);
    let Some(properties) = lowering
        .template
        .resources
        .get_mut(&id)
        .and_then(|r| r.properties.as_object_mut())
    else {
        return;
    };
    properties.insert("RequiresCompatibilities".into(), json!([platform.word()]));
    properties.insert("NetworkMode".into(), json!(mode));
    if mode != "bridge" {
        return;
    }
    // Bridge mode: host port 0 lets Docker pick a free ephemeral port, so
    // several copies of the task share an instance behind a load balancer.
    if let Some(Json::Array(containers)) = properties.get_mut("ContainerDefinitions") {
        for container in containers.iter_mut() {
            let Some(Json::Array(mappings)) = container.get_mut("PortMappings") else {
                continue;
            };
            for mapping in mappings.iter_mut().filter_map(Json::as_object_mut) {
                mapping.insert("HostPort".into(), json!(0));
            }
        }
    }
}

/// The launch settings of a service or schedule: `LaunchType` or
/// `CapacityProviderStrategy`, and `PlatformVersion` on Fargate. Returns the
/// associations resource to depend on, if a strategy is used.
pub fn launch_settings(
    lowering: &Lowering,
    obj: &Obj,
    target: &mut Map<String, Json>,
) -> Option<String> {
    let typed = lowering.typed;
    let mut depends = None;
    match compute::launch(typed, obj) {
        Launch::Type(platform) => {
            target.insert("LaunchType".into(), json!(platform.word()));
        }
        Launch::Strategy(items) | Launch::ClusterDefault(items) => {
            target.insert(
                "CapacityProviderStrategy".into(),
                Json::Array(capacity::strategy_json(items)),
            );
            depends = obj.reference("cluster").map(capacity::associations_id);
        }
    }
    if compute::platform(typed, obj) == Platform::Fargate {
        let version = match obj.get("platform_version").map(|v| &v.value) {
            Some(Value::Str(text)) => text.clone(),
            _ => "LATEST".into(),
        };
        target.insert("PlatformVersion".into(), json!(version));
    }
    depends
}

/// Applies the compute settings of a service to its `AWS::ECS::Service` and
/// task definition. Called by `service.rs` once both exist.
pub fn service(lowering: &mut Lowering, obj: &Obj) {
    task_definition(lowering, obj);
    let exec = obj.bool("exec") == Some(true);
    if exec {
        iam::grant_task_role(
            lowering,
            obj.name(),
            "EcsExec",
            &EXEC_ACTIONS,
            vec![json!("*")],
            None,
            format!(
                "ECS Exec is enabled on {} `{}` (`exec = true`); Session Manager channels have no resource-level permissions",
                obj.kind,
                obj.name()
            ),
            obj.get("exec").map_or(obj.head, |v| v.span),
        );
    }
    let id = cfn::logical_id(&[obj.name(), "Service"]);
    let mut settings = Map::new();
    let depends = launch_settings(lowering, obj, &mut settings);
    let daemon = compute::is_daemon(obj);
    let mode = compute::network_mode(obj).to_string();
    let placement = obj.block("placement");
    let strategies = placement.map(placement::strategy_json).unwrap_or_default();
    let constraints = placement
        .map(placement::constraint_json)
        .unwrap_or_default();
    let deployment = deployment_configuration(obj, daemon);
    let Some(resource) = lowering.template.resources.get_mut(&id) else {
        return;
    };
    let Some(properties) = resource.properties.as_object_mut() else {
        return;
    };
    // Replace in place (keys keep their position), drop what no longer applies.
    for key in ["LaunchType", "CapacityProviderStrategy", "PlatformVersion"] {
        if !settings.contains_key(key) {
            properties.shift_remove(key);
        }
    }
    properties.extend(settings);
    if daemon {
        properties.insert("SchedulingStrategy".into(), json!("DAEMON"));
        properties.shift_remove("DesiredCount");
    }
    if mode != "awsvpc" {
        properties.shift_remove("NetworkConfiguration");
    }
    if !strategies.is_empty() && !daemon {
        properties.insert("PlacementStrategies".into(), Json::Array(strategies));
    }
    if !constraints.is_empty() {
        properties.insert("PlacementConstraints".into(), Json::Array(constraints));
    }
    properties.insert("DeploymentConfiguration".into(), deployment);
    if exec {
        properties.insert("EnableExecuteCommand".into(), json!(true));
    }
    if let Some(depends) = depends
        && !resource.depends_on.contains(&depends)
    {
        resource.depends_on.push(depends);
    }
    let sources = [
        (
            "/CapacityProviderStrategy",
            obj.blocks("capacity").first().map(|c| c.head),
        ),
        ("/PlacementStrategies", placement.map(|p| p.span)),
        ("/PlacementConstraints", placement.map(|p| p.span)),
        (
            "/DeploymentConfiguration",
            obj.block("deployment").map(|d| d.span),
        ),
        (
            "/EnableExecuteCommand",
            obj.get("exec").filter(|v| !v.defaulted).map(|v| v.span),
        ),
        (
            "/SchedulingStrategy",
            obj.get("scheduling")
                .filter(|v| !v.defaulted)
                .map(|v| v.span),
        ),
    ];
    for (path, span) in sources {
        if let Some(span) = span {
            resource.provenance.insert(path.to_string(), span);
        }
    }
}

/// `DeploymentConfiguration` from the `deployment` block and the defaults.
fn deployment_configuration(obj: &Obj, daemon: bool) -> Json {
    let block = obj.block("deployment");
    let percent = |field: &str, default: f64| -> i64 {
        match block.and_then(|b| b.get(field)).map(|v| &v.value) {
            Some(Value::Percent(p)) => p.round() as i64,
            _ => default as i64,
        }
    };
    let (min, max) = if daemon { (0.0, 100.0) } else { (100.0, 200.0) };
    let breaker = block
        .and_then(|b| b.str("circuit_breaker"))
        .unwrap_or("rollback");
    json!({
        "MinimumHealthyPercent": percent("min_healthy", min),
        "MaximumPercent": percent("max_healthy", max),
        "DeploymentCircuitBreaker": {
            "Enable": breaker != "off",
            "Rollback": breaker == "rollback",
        },
    })
}
