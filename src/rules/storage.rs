//! Rules for EFS `volume` declarations and the `mount` blocks of containers.
//!
//! Codes: E3221 unknown access point, E3222 volume mounted from several
//! networks, E3223 mount-target subnets unknown, E3224 invalid access
//! point, E3225 EFS on a Fargate platform version before 1.4.0, W3203
//! volume never mounted and without a network.
//!
//! Two ECS rules need no check because lowering guarantees them: IAM
//! authorization and access points need transit encryption (always on),
//! and an access point excludes a root directory (never emitted).

use super::containers::{on_fargate, tasks};
use super::facts::{FARGATE_PLATFORM_1_4, platform_version};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::lower::efs::{mounting_tasks, task_network, volume_network};
use crate::resolve::did_you_mean;
use crate::types::{Obj, Typed, Value};

/// The mounts of a task: (container, mount).
fn mounts(task: &Obj) -> impl Iterator<Item = (&Obj, &Obj)> {
    task.blocks("container").iter().flat_map(|container| {
        container
            .blocks("mount")
            .iter()
            .map(move |m| (container, m))
    })
}

/// E3221: a mount's access point is declared in its volume.
pub fn access_points_exist(typed: &Typed, diags: &mut Diagnostics) {
    for task in tasks(typed) {
        for (_, mount) in mounts(task) {
            let (Some(volume_name), Some(val)) =
                (mount.reference("volume"), mount.get("access_point"))
            else {
                continue;
            };
            let (Some(volume), Value::Str(name)) = (typed.get("volume", volume_name), &val.value)
            else {
                continue;
            };
            let declared = volume.blocks("access_point");
            if declared.iter().any(|ap| ap.name() == name) {
                continue;
            }
            let mut diag = Diagnostic::new(
                Code::E3221,
                val.span,
                format!("volume `{volume_name}` has no access point `{name}`"),
            )
            .with_primary_label("not declared in the volume")
            .with_label(volume.head, "the volume is declared here");
            diag = match did_you_mean(name, declared.iter().map(Obj::name)) {
                Some(best) => diag
                    .with_help(format!("did you mean `{best}`?"))
                    .with_suggestion(format!("use `{best}`"), val.span, format!("\"{best}\"")),
                None if declared.is_empty() => diag.with_help(format!(
                    "declare it in the volume: `access_point {name} {{ path = \"/{name}\", uid = 1000, gid = 1000 }}`"
                )),
                None => diag.with_help(format!(
                    "its access points are: {}",
                    declared.iter().map(|ap| format!("`{}`", ap.name())).collect::<Vec<_>>().join(", ")
                )),
            };
            diags.push(diag);
        }
    }
}

/// E3222: every task mounting a volume runs in the volume's network.
pub fn volume_networks(typed: &Typed, diags: &mut Diagnostics) {
    for volume in typed.of_kind("volume") {
        let Some(network) = volume_network(typed, volume) else {
            continue;
        };
        for task in mounting_tasks(typed, volume.name()) {
            let Some(other) = task_network(typed, task) else {
                continue;
            };
            if other == network {
                continue;
            }
            let reason = if volume.reference("network").is_some() {
                format!("volume `{}` is in network `{network}`", volume.name())
            } else {
                format!(
                    "volume `{}` takes network `{network}` from the first service that mounts it",
                    volume.name()
                )
            };
            diags.push(
                Diagnostic::new(
                    Code::E3222,
                    task.head,
                    format!("{} `{}` runs in network `{other}` but mounts volume `{}`", task.kind, task.name(), volume.name()),
                )
                .with_primary_label(format!("runs in `{other}`"))
                .with_label(volume.head, reason)
                .with_help("EFS mount targets live in one VPC; run the tasks that share a volume in one network"),
            );
        }
    }
}

/// E3223: mount targets need the individual private subnets of the network.
pub fn volume_subnets(typed: &Typed, diags: &mut Diagnostics) {
    for volume in typed.of_kind("volume") {
        let Some(network) = volume_network(typed, volume).and_then(|n| typed.get("network", n))
        else {
            continue;
        };
        if network.get("vpc_id").is_none() {
            continue;
        }
        let field = if network.get("private_subnets").is_some() {
            "private_subnets"
        } else {
            "public_subnets"
        };
        let Some(val) = network.get(field) else {
            continue;
        };
        if let Value::Param(param) = &val.value {
            diags.push(
                Diagnostic::new(
                    Code::E3223,
                    volume.head,
                    format!("volume `{}` needs one mount target per subnet, but the subnets are one list parameter", volume.name()),
                )
                .with_primary_label("cannot count the subnets of a list parameter")
                .with_label(val.span, format!("`{field}` is the parameter `{param}`"))
                .with_help("give the subnets as a list of `SubnetId` parameters (`[subnet_a, subnet_b]`) or literal IDs"),
            );
        }
    }
}

/// E3224: access points have an absolute path, octal permissions and POSIX IDs.
pub fn access_point_values(typed: &Typed, diags: &mut Diagnostics) {
    for volume in typed.of_kind("volume") {
        for access_point in volume.blocks("access_point") {
            if let Some(val) = access_point.get("path")
                && let Value::Str(path) = &val.value
                && (!path.starts_with('/') || path.len() > 100)
            {
                diags.push(
                    Diagnostic::new(
                        Code::E3224,
                        val.span,
                        format!("`{path}` is not an absolute path of at most 100 characters"),
                    )
                    .with_primary_label("the directory inside the file system")
                    .with_help(format!(
                        "write it from the file system root: `\"/{}\"`",
                        path.trim_start_matches('/')
                    )),
                );
            }
            if let Some(val) = access_point.get("permissions")
                && let Value::Str(mode) = &val.value
            {
                let octal =
                    (3..=4).contains(&mode.len()) && mode.chars().all(|c| ('0'..='7').contains(&c));
                if !octal {
                    diags.push(
                        Diagnostic::new(
                            Code::E3224,
                            val.span,
                            format!("`{mode}` is not an octal mode"),
                        )
                        .with_primary_label("3 or 4 octal digits")
                        .with_help(
                            "write permissions as in `chmod`: `\"755\"`, `\"750\"`, `\"0770\"`",
                        ),
                    );
                }
            }
            for field in ["uid", "gid"] {
                if let Some(val) = access_point.get(field)
                    && let Value::Int(id) = val.value
                    && !(0..=4_294_967_295).contains(&id)
                {
                    diags.push(
                        Diagnostic::new(
                            Code::E3224,
                            val.span,
                            format!("`{field} = {id}` is not a POSIX ID"),
                        )
                        .with_primary_label("0 to 4294967295")
                        .with_help("use the user and group IDs the container's process runs as"),
                    );
                }
            }
        }
    }
}

/// E3225: Fargate mounts EFS from platform version 1.4.0.
pub fn efs_platform_version(typed: &Typed, diags: &mut Diagnostics) {
    for task in tasks(typed) {
        let Some(val) = task.get("platform_version") else {
            continue;
        };
        let Value::Str(version) = &val.value else {
            continue;
        };
        let old = platform_version(version).is_some_and(|v| v < FARGATE_PLATFORM_1_4);
        if !on_fargate(typed, task) || !old {
            continue;
        }
        let Some((_, mount)) = mounts(task).next() else {
            continue;
        };
        diags.push(
            Diagnostic::new(
                Code::E3225,
                val.span,
                format!("Fargate {version} cannot mount EFS volumes"),
            )
            .with_primary_label("EFS needs platform version 1.4.0 or later")
            .with_label(mount.head, "mounts an EFS volume")
            .with_help("use `platform_version = \"1.4.0\"`, or remove it to run the latest"),
        );
    }
}

/// W3203: a volume that nothing mounts and that names no network gets no
/// mount targets, so nothing could reach it.
pub fn unmounted_volumes(typed: &Typed, diags: &mut Diagnostics) {
    for volume in typed.of_kind("volume") {
        if volume_network(typed, volume).is_some() {
            continue;
        }
        diags.push(
            Diagnostic::new(Code::W3203, volume.head, format!("volume `{}` is never mounted", volume.name()))
                .with_primary_label("no service mounts it and it names no network")
                .with_help("mount it in a container (`mount \"/data\" { volume = ... }`), or set `network` to create its mount targets anyway"),
        );
    }
}
