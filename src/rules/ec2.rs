//! Rules for services and tasks on EC2, daemons, network modes and
//! deployments.
//!
//! Codes: E3102 (daemon on Fargate), E3103 (daemon with a count, a placement
//! strategy or `max_healthy`; autoscaling is E3319),
//! E3109 (EC2 container without memory), E3110 (deployment percentages),
//! E3112 (bridge/host on Fargate), E3118 (platform version), E3119 (public
//! IP on EC2), E3121 (GPUs without GPU instances), E3122 (task architecture
//! and instances), W3101 (no circuit breaker), W3102 (EC2 tasks and no EC2
//! capacity), W3103 (`launch = ec2` bypasses managed scaling).
//!
//! Sources: `CreateService` API reference (daemons: no desired count, no
//! placement strategies, `maximumPercent` 100, not on Fargate; `assignPublicIp`
//! only on Fargate); "Service Auto Scaling" (not for daemons); the
//! `ContainerDefinition.memory` reference (EC2: `memory` or
//! `memoryReservation` on each container unless the task sets memory);
//! Fargate platform versions (ECS Exec needs 1.4.0).

use super::compute::{self, Launch, Platform};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::types::{Obj, Typed, Value};

/// E3102: a daemon runs one task per EC2 instance; Fargate has none.
pub fn daemon_on_fargate(typed: &Typed, diags: &mut Diagnostics) {
    for obj in typed.of_kind("service").filter(|o| compute::is_daemon(o)) {
        if compute::platform(typed, obj) != Platform::Fargate {
            continue;
        }
        let Some(launch) = obj.get("launch") else {
            continue;
        };
        let mut diag = Diagnostic::new(
            Code::E3102,
            launch.span,
            "a daemon service cannot run on Fargate",
        )
        .with_primary_label("Fargate has no instances to run one task on each")
        .with_help("remove `launch = fargate` (daemons run on the cluster's EC2 instances), or make it a replica service with `count`")
        .with_suggestion("use the EC2 launch type", launch.span, "ec2");
        if let Some(scheduling) = obj.get("scheduling") {
            diag = diag.with_label(scheduling.span, "a daemon");
        }
        diags.push(diag);
    }
}

/// E3103: daemons have no count or placement strategy, and deploy with
/// `max_healthy = 100%`.
pub fn daemon_settings(typed: &Typed, diags: &mut Diagnostics) {
    for obj in typed.of_kind("service").filter(|o| compute::is_daemon(o)) {
        let daemon_span = obj.get("scheduling").map_or(obj.head, |v| v.span);
        let mut conflicts: Vec<(crate::span::Span, String, &str)> = Vec::new();
        if let Some(count) = obj.get("count").filter(|v| !v.defaulted) {
            conflicts.push((
                count.span,
                "a daemon service has no `count`".into(),
                "it runs exactly one task on each instance: remove `count`",
            ));
        }
        // `autoscale` on a daemon is E3319 (rules/autoscale.rs).
        if let Some(placement) = obj.block("placement") {
            for kind in ["spread", "binpack", "random"] {
                if let Some(strategy) = placement.blocks(kind).first() {
                    conflicts.push((
                        strategy.head,
                        format!("a daemon service takes no placement strategy (`{kind}`)"),
                        "strategies choose among instances, and a daemon uses all of them; constraints (`member_of`) still apply",
                    ));
                }
            }
        }
        if let Some(max) = obj
            .block("deployment")
            .and_then(|d| d.get("max_healthy"))
            .filter(|v| !v.defaulted)
            && !matches!(max.value, Value::Percent(p) if p == 100.0)
        {
            conflicts.push((
                max.span,
                "a daemon service deploys with `max_healthy = 100%`".into(),
                "each instance runs one task, so a deployment stops the old task before starting the new one: remove `max_healthy`",
            ));
        }
        for (span, message, help) in conflicts {
            diags.push(
                Diagnostic::new(Code::E3103, span, message)
                    .with_primary_label("not for daemons")
                    .with_label(daemon_span, "a daemon")
                    .with_help(help),
            );
        }
    }
}

/// E3110 and W3101: deployment percentages and the circuit breaker.
pub fn deployment(typed: &Typed, diags: &mut Diagnostics) {
    for obj in typed.of_kind("service") {
        let Some(deployment) = obj.block("deployment") else {
            continue;
        };
        let percent = |field: &str| {
            deployment.get(field).and_then(|v| match v.value {
                Value::Percent(p) => Some((p, v.span)),
                _ => None,
            })
        };
        let daemon = compute::is_daemon(obj);
        let min = percent("min_healthy");
        let max = percent("max_healthy");
        if let Some((value, span)) = min
            && (!(0.0..=100.0).contains(&value) || value.fract() != 0.0)
        {
            diags.push(
                Diagnostic::new(
                    Code::E3110,
                    span,
                    "`min_healthy` must be a whole percentage from 0% to 100%",
                )
                .with_primary_label(format!("{value}%")),
            );
        }
        if let Some((value, span)) = max
            && (value < 100.0 || value.fract() != 0.0)
        {
            diags.push(
                Diagnostic::new(
                    Code::E3110,
                    span,
                    "`max_healthy` must be a whole percentage of at least 100%",
                )
                .with_primary_label(format!("{value}%"))
                .with_help("below 100% a deployment could not keep `count` tasks running"),
            );
        }
        let min_value = min.map_or(if daemon { 0.0 } else { 100.0 }, |(v, _)| v);
        let max_value = max.map_or(if daemon { 100.0 } else { 200.0 }, |(v, _)| v);
        if min_value >= max_value {
            let span = min.or(max).map_or(deployment.head, |(_, span)| span);
            diags.push(
                Diagnostic::new(
                    Code::E3110,
                    span,
                    "`min_healthy` must be lower than `max_healthy`",
                )
                .with_primary_label(format!(
                    "{min_value}% must stay running and at most {max_value}% may run"
                ))
                .with_help("a deployment could neither stop an old task nor start a new one: lower `min_healthy` or raise `max_healthy`"),
            );
        }
        if let Some(breaker) = deployment.get("circuit_breaker")
            && breaker.value == Value::Enum("off".into())
        {
            diags.push(
                Diagnostic::new(
                    Code::W3101,
                    breaker.span,
                    "deployments without a circuit breaker",
                )
                .with_primary_label("failing tasks are retried forever")
                .with_help("a deployment whose tasks keep failing holds the stack update for up to three hours; use `rollback` (the default) or `fail`"),
            );
        }
    }
}

/// E3112: `bridge` and `host` networking exist on EC2 only.
pub fn network_mode(typed: &Typed, diags: &mut Diagnostics) {
    for obj in compute::task_bearing(typed) {
        let Some(mode) = obj.get("network_mode").filter(|v| !v.defaulted) else {
            continue;
        };
        let word = compute::network_mode(obj);
        if word == "awsvpc" || compute::platform(typed, obj) != Platform::Fargate {
            continue;
        }
        diags.push(
            Diagnostic::new(
                Code::E3112,
                mode.span,
                format!("`{word}` networking is not available on Fargate"),
            )
            .with_primary_label("Fargate tasks use `awsvpc`")
            .with_help("remove `network_mode`, or run on EC2 (`launch = ec2`, or a `capacity` line naming an EC2 capacity)"),
        );
    }
}

/// E3118: platform versions are Fargate's, and ECS Exec needs 1.4.0.
pub fn platform_version(typed: &Typed, diags: &mut Diagnostics) {
    for obj in compute::task_bearing(typed) {
        let Some(version) = obj.get("platform_version") else {
            continue;
        };
        let Value::Str(text) = &version.value else {
            continue;
        };
        if compute::platform(typed, obj) == Platform::Ec2 {
            diags.push(
                Diagnostic::new(
                    Code::E3118,
                    version.span,
                    "a platform version applies to Fargate tasks only",
                )
                .with_primary_label("this runs on EC2")
                .with_help("remove `platform_version`; on EC2 the AMI decides the agent version"),
            );
            continue;
        }
        let parsed = super::facts::platform_version(text);
        if text != "LATEST" && parsed.is_none() {
            diags.push(
                Diagnostic::new(
                    Code::E3118,
                    version.span,
                    format!("`{text}` is not a Fargate platform version"),
                )
                .with_primary_label("expected `LATEST` or a version such as `1.4.0`"),
            );
            continue;
        }
        if obj.bool("exec") == Some(true) && parsed.is_some_and(|v| v < (1, 4, 0)) {
            let mut diag = Diagnostic::new(
                Code::E3118,
                version.span,
                format!("ECS Exec needs platform version 1.4.0 or later, not {text}"),
            )
            .with_primary_label("too old for ECS Exec")
            .with_suggestion("use 1.4.0", version.span, "\"1.4.0\"");
            if let Some(exec) = obj.get("exec") {
                diag = diag.with_label(exec.span, "ECS Exec is enabled here");
            }
            diags.push(diag);
        }
    }
}

/// E3119: only Fargate tasks can get a public IP address.
pub fn public_ip(typed: &Typed, diags: &mut Diagnostics) {
    for obj in compute::task_bearing(typed) {
        let Some(flag) = obj
            .get("public_ip")
            .filter(|v| v.value == Value::Bool(true))
        else {
            continue;
        };
        if compute::platform(typed, obj) != Platform::Ec2 {
            continue;
        }
        diags.push(
            Diagnostic::new(
                Code::E3119,
                flag.span,
                "EC2 tasks cannot get a public IP address",
            )
            .with_primary_label("only Fargate tasks can")
            .with_help("remove `public_ip`: EC2 tasks reach the internet through NAT (private subnets) or through the instance (bridge and host networking)"),
        );
    }
}

/// E3109: on EC2 without task memory, every container needs `memory` or
/// `memory_reservation`.
pub fn container_memory(typed: &Typed, diags: &mut Diagnostics) {
    for obj in compute::task_bearing(typed) {
        if obj.get("memory").is_some() || compute::platform(typed, obj) != Platform::Ec2 {
            continue;
        }
        for container in obj.blocks("container") {
            if container.get("memory").is_some() || container.get("memory_reservation").is_some() {
                continue;
            }
            diags.push(
                Diagnostic::new(
                    Code::E3109,
                    container.head,
                    format!("container `{}` needs `memory` or `memory_reservation`", container.name()),
                )
                .with_primary_label("no memory limit or reservation")
                .with_label(obj.head, "an EC2 task without task `memory`")
                .with_help("add `memory_reservation = 256 MiB` to the container (what the scheduler reserves), or `memory = ...` to the task"),
            );
        }
    }
}

/// W3102: EC2 tasks on a cluster that declares no EC2 capacity.
pub fn ec2_without_capacity(typed: &Typed, diags: &mut Diagnostics) {
    for obj in compute::task_bearing(typed) {
        if !matches!(compute::launch(typed, obj), Launch::Type(Platform::Ec2)) {
            continue;
        }
        let Some(cluster) = obj.reference("cluster") else {
            continue;
        };
        if compute::cluster_capacities(typed, cluster).next().is_some() {
            continue;
        }
        let span = obj
            .get("launch")
            .filter(|v| !v.defaulted)
            .or_else(|| obj.get("scheduling"))
            .map_or(obj.head, |v| v.span);
        diags.push(
            Diagnostic::new(
                Code::W3102,
                span,
                format!("`{}` runs on EC2, but cluster `{cluster}` has no EC2 capacity", obj.name()),
            )
            .with_primary_label("its tasks wait for instances that never come")
            .with_help(format!(
                "declare `capacity <name> {{ cluster = {cluster}, instance_type = \"m7i.large\", size = 1..4 }}`, unless instances join the cluster from outside this program"
            )),
        );
    }
}

/// W3103: with the EC2 launch type, tasks that do not fit fail at once
/// instead of waiting, so managed scaling never adds instances for them.
pub fn launch_bypasses_capacity(typed: &Typed, diags: &mut Diagnostics) {
    for obj in compute::task_bearing(typed) {
        if compute::is_daemon(obj) || !obj.is_set("launch") || obj.str("launch") != Some("ec2") {
            continue;
        }
        let Some(cluster) = obj.reference("cluster") else {
            continue;
        };
        let Some(capacity) = compute::cluster_capacities(typed, cluster).next() else {
            continue;
        };
        let Some(launch) = obj.get("launch") else {
            continue;
        };
        diags.push(
            Diagnostic::new(
                Code::W3103,
                launch.span,
                "the EC2 launch type bypasses managed scaling",
            )
            .with_primary_label("tasks that do not fit fail instead of waiting for a new instance")
            .with_label(capacity.head, "this capacity scales for its strategy's tasks only")
            .with_help(format!(
                "replace `launch = ec2` with `capacity {}` so the capacity provider launches instances when tasks need room",
                capacity.name()
            )),
        );
    }
}

/// E3121: GPUs exist only on EC2 GPU instances the task can land on.
pub fn gpus(typed: &Typed, diags: &mut Diagnostics) {
    for obj in compute::task_bearing(typed) {
        let Some((container, gpus)) = obj.blocks("container").iter().find_map(|c| {
            c.get("gpus")
                .filter(|v| !matches!(v.value, Value::Int(0)))
                .map(|v| (c, v))
        }) else {
            continue;
        };
        let platform = compute::platform(typed, obj);
        let capacities = compute::reachable_capacities(typed, obj);
        let message = if platform == Platform::Fargate {
            "Fargate tasks cannot use GPUs".to_string()
        } else if !capacities.is_empty()
            && capacities.iter().all(|c| compute::ami(c) != "al2023_gpu")
        {
            format!(
                "container `{}` reserves GPUs, but its instances have none",
                container.name()
            )
        } else {
            continue;
        };
        let mut diag = Diagnostic::new(Code::E3121, gpus.span, message)
            .with_primary_label("GPUs reserved here")
            .with_help("run it on an EC2 `capacity` of GPU instances (`instance_type = \"g5.xlarge\"`, which uses the `al2023_gpu` AMI)");
        if let Some(capacity) = capacities.first() {
            diag = diag.with_label(capacity.head, "an EC2 capacity without GPUs");
        }
        diags.push(diag);
    }
}

/// E3122: a task's `arch` matches the instances it can land on.
pub fn architecture(typed: &Typed, diags: &mut Diagnostics) {
    for obj in compute::task_bearing(typed) {
        let arm = obj.str("arch") == Some("arm64");
        let capacities = compute::reachable_capacities(typed, obj);
        if capacities.is_empty() {
            continue;
        }
        let fits = |capacity: &&Obj| (compute::ami(capacity) == "al2023_arm64") == arm;
        if capacities.iter().any(fits) {
            continue;
        }
        let Some(capacity) = capacities.first() else {
            continue;
        };
        let span = obj
            .get("arch")
            .filter(|v| !v.defaulted)
            .map_or(obj.head, |v| v.span);
        let (task_arch, other) = if arm {
            ("arm64", "x86_64")
        } else {
            ("x86_64", "arm64")
        };
        diags.push(
            Diagnostic::new(
                Code::E3122,
                span,
                format!("`{}` is built for {task_arch}, but its instances are {other}", obj.name()),
            )
            .with_primary_label(format!("{task_arch} images"))
            .with_label(capacity.head, format!("{other} instances"))
            .with_help(format!(
                "set `arch = {other}` if the images are built for it, or run on a capacity of {task_arch} instances"
            )),
        );
    }
}
