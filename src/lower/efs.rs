//! Lowers `volume` declarations (Amazon EFS) and the
//! `mount "/path" { volume = ... }` blocks of containers.
//!
//! For each volume: an encrypted, retained `AWS::EFS::FileSystem` whose
//! policy refuses unencrypted transport (so only clients with an IAM grant
//! can mount it); a security group admitting NFS (TCP 2049) only from the
//! security groups of the services that mount it, one
//! `AWS::EC2::SecurityGroupIngress` each; a mount target in every private
//! subnet of its network (one per zone); and its access points.
//!
//! For each task that mounts one: a task-definition volume per (volume,
//! access point) with transit encryption and IAM authorization, a
//! `DependsOn` from the task definition to every mount target (so no task
//! starts before the file system can be mounted), and task-role grants of
//! `elasticfilesystem:ClientMount` (plus `ClientWrite` unless every mount of
//! it is read-only) on the file system, conditioned on the access point.
//!
//! EFS002 and EFS003 of the rules catalog (IAM authorization and access
//! points need transit encryption; an access point excludes a root
//! directory) hold by construction: every volume is emitted with transit
//! encryption and IAM authorization, and never with a root directory.

use super::{Lowering, compute, iam};
use crate::cfn::{self, Resource};
use crate::span::Span;
use crate::types::{Obj, Typed};
use indexmap::IndexMap;
use serde_json::{Value as Json, json};

/// The logical ID of a volume's file system.
pub fn file_system_id(volume: &str) -> String {
    cfn::logical_id(&[volume, "FileSystem"])
}

/// The logical ID of an access point.
pub fn access_point_id(volume: &str, access_point: &str) -> String {
    cfn::logical_id(&[volume, access_point, "AccessPoint"])
}

/// The name of the task-definition volume for a volume and access point.
pub fn task_volume_name(volume: &str, access_point: Option<&str>) -> String {
    match access_point {
        Some(access_point) => format!("{volume}-{access_point}"),
        None => volume.to_string(),
    }
}

/// The declarations with containers that mount `volume`.
pub fn mounting_tasks<'a>(typed: &'a Typed, volume: &'a str) -> Vec<&'a Obj> {
    typed
        .decls
        .values()
        .filter(|task| {
            task.blocks("container").iter().any(|container| {
                container
                    .blocks("mount")
                    .iter()
                    .any(|mount| mount.reference("volume") == Some(volume))
            })
        })
        .collect()
}

/// The network a task runs in: its own `network`, or its cluster's.
pub fn task_network<'a>(typed: &'a Typed, task: &'a Obj) -> Option<&'a str> {
    task.reference("network").or_else(|| {
        task.reference("cluster")
            .and_then(|cluster| typed.get("cluster", cluster))
            .and_then(|cluster| cluster.reference("network"))
    })
}

/// The network of a volume: its `network`, or that of the first task mounting it.
pub fn volume_network<'a>(typed: &'a Typed, volume: &'a Obj) -> Option<&'a str> {
    volume.reference("network").or_else(|| {
        mounting_tasks(typed, volume.name())
            .into_iter()
            .find_map(|task| task_network(typed, task))
    })
}

/// Lowers every volume, then attaches the volumes to the tasks that mount them.
pub fn lower(lowering: &mut Lowering) {
    for volume in lowering.typed.of_kind("volume") {
        file_system(lowering, volume);
    }
    // Computed once per volume: finding a volume's network may look at every
    // declaration, which done for every task made lowering quadratic.
    let typed = lowering.typed;
    let mount_targets: IndexMap<&str, Vec<String>> = typed
        .of_kind("volume")
        .map(|volume| (volume.name(), mount_target_ids(lowering, volume)))
        .collect();
    let tasks: Vec<&Obj> = typed
        .decls
        .values()
        .filter(|obj| obj.fields.contains_key("container"))
        .collect();
    for task in tasks {
        task_volumes(lowering, task, &mount_targets);
    }
}

/// The mount targets of a volume, by logical ID.
fn mount_target_ids(lowering: &Lowering, volume: &Obj) -> Vec<String> {
    let count = volume_network(lowering.typed, volume)
        .and_then(|network| lowering.networks.get(network))
        .and_then(|refs| refs.private_subnets.as_array().map(Vec::len))
        .unwrap_or(0);
    (1..=count)
        .map(|index| cfn::logical_id(&[volume.name(), "MountTarget", &index.to_string()]))
        .collect()
}

fn file_system(lowering: &mut Lowering, volume: &Obj) {
    let name = volume.name();
    let fs_id = file_system_id(name);
    let mut properties = json!({
        "Encrypted": true,
        "PerformanceMode": if volume.str("performance") == Some("max_io") { "maxIO" } else { "generalPurpose" },
        "ThroughputMode": volume.str("throughput").unwrap_or("elastic"),
        "BackupPolicy": { "Status": if volume.bool("backup").unwrap_or(true) { "ENABLED" } else { "DISABLED" } },
        "FileSystemPolicy": {
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "DenyUnencryptedTransport",
                "Effect": "Deny",
                "Principal": { "AWS": "*" },
                "Action": "*",
                "Condition": { "Bool": { "aws:SecureTransport": "false" } },
            }],
        },
        "FileSystemTags": [
            { "Key": "Name", "Value": cfn::sub(&format!("${{AWS::StackName}}-{name}")) },
            { "Key": "ecsc:volume", "Value": name },
        ],
    });
    if let (Some(key), Some(map)) = (volume.get("kms_key"), properties.as_object_mut()) {
        map.insert("KmsKeyId".into(), super::secrets::kms_key_arn(key));
    }
    lowering.add(
        fs_id.clone(),
        Resource::new("AWS::EFS::FileSystem", volume.span, properties).retained(),
    );
    for access_point in volume.blocks("access_point") {
        let id = access_point_id(name, access_point.name());
        let uid = access_point.int("uid").unwrap_or(0).to_string();
        let gid = access_point.int("gid").unwrap_or(0).to_string();
        let properties = json!({
            "FileSystemId": cfn::reference(&fs_id),
            "PosixUser": { "Uid": uid, "Gid": gid },
            "RootDirectory": {
                "Path": access_point.str("path").unwrap_or("/"),
                "CreationInfo": {
                    "OwnerUid": uid,
                    "OwnerGid": gid,
                    "Permissions": access_point.str("permissions").unwrap_or("755"),
                },
            },
            "AccessPointTags": [{ "Key": "ecsc:access-point", "Value": format!("{name}.{}", access_point.name()) }],
        });
        lowering.add(
            id,
            Resource::new("AWS::EFS::AccessPoint", access_point.span, properties),
        );
    }
    let Some(network) = volume_network(lowering.typed, volume)
        .and_then(|network| lowering.networks.get(network))
        .cloned()
    else {
        return;
    };
    let group = cfn::logical_id(&[name, "FileSystemSecurityGroup"]);
    lowering.add(
        group.clone(),
        Resource::new(
            "AWS::EC2::SecurityGroup",
            volume.span,
            json!({
                "GroupDescription": format!("NFS access to volume {name}"),
                "VpcId": network.vpc_id,
                "SecurityGroupEgress": [{
                    "IpProtocol": "icmp", "FromPort": 252, "ToPort": 86,
                    "CidrIp": "255.255.255.255/32", "Description": "Disallow all outbound traffic",
                }],
            }),
        ),
    );
    let subnets = network
        .private_subnets
        .as_array()
        .cloned()
        .unwrap_or_default();
    for (subnet, id) in subnets.iter().zip(mount_target_ids(lowering, volume)) {
        lowering.add(
            id,
            Resource::new(
                "AWS::EFS::MountTarget",
                volume.span,
                json!({
                    "FileSystemId": cfn::reference(&fs_id),
                    "SubnetId": subnet,
                    "SecurityGroups": [cfn::get_att(&group, "GroupId")],
                }),
            ),
        );
    }
    for (source, group_id, span, description) in nfs_sources(lowering.typed, name) {
        let id = cfn::logical_id(&[name, "NfsFrom", &source]);
        if lowering.template.resources.contains_key(&id) {
            continue;
        }
        lowering.add(
            id,
            Resource::new(
                "AWS::EC2::SecurityGroupIngress",
                span,
                json!({
                    "GroupId": cfn::get_att(&group, "GroupId"),
                    "IpProtocol": "tcp",
                    "FromPort": 2049,
                    "ToPort": 2049,
                    "SourceSecurityGroupId": cfn::get_att(&group_id, "GroupId"),
                    "Description": description,
                }),
            ),
        );
    }
}

/// Where NFS traffic to a volume comes from: the security groups of the
/// tasks that mount it (`compute::task_security_groups`: their own for
/// `awsvpc` tasks, the instance security group of every EC2 capacity they
/// may land on for `bridge` and `host`). Each entry is (source name,
/// security group logical ID, span, description).
fn nfs_sources(typed: &Typed, volume: &str) -> Vec<(String, String, Span, String)> {
    let mut sources = Vec::new();
    for task in mounting_tasks(typed, volume) {
        for group in compute::task_security_groups(typed, task) {
            let owner = group.owner;
            let description = if group.is_instance_group() {
                format!("NFS from the instances of capacity {}", owner.name())
            } else {
                format!("NFS from the tasks of {} {}", owner.kind, owner.name())
            };
            sources.push((owner.name().to_string(), group.id, owner.head, description));
        }
    }
    sources
}

/// The `MountPoints` of a container, granting the task role of `task` the
/// EFS permissions each mount needs.
pub fn mount_points(lowering: &mut Lowering, task: &Obj, container: &Obj) -> Vec<Json> {
    let mut points = Vec::new();
    for mount in container.blocks("mount") {
        let Some(volume) = mount.reference("volume").map(str::to_string) else {
            continue;
        };
        let access_point = mount.str("access_point");
        let read_only = mount.bool("read_only").unwrap_or(false);
        points.push(json!({
            "SourceVolume": task_volume_name(&volume, access_point),
            "ContainerPath": mount.name(),
            "ReadOnly": read_only,
        }));
        let mut actions = vec!["elasticfilesystem:ClientMount"];
        if !read_only {
            actions.push("elasticfilesystem:ClientWrite");
        }
        let condition = match access_point {
            Some(access_point) => json!({ "StringEquals": {
                "elasticfilesystem:AccessPointArn": cfn::get_att(&access_point_id(&volume, access_point), "Arn"),
            }}),
            None => json!({ "Bool": { "elasticfilesystem:AccessedViaMountTarget": "true" } }),
        };
        let through =
            access_point.map_or(String::new(), |ap| format!(" through access point `{ap}`"));
        iam::grant_task_role(
            lowering,
            task.name(),
            &cfn::logical_id(&["Mount", &volume, access_point.unwrap_or("Root")]),
            &actions,
            vec![cfn::get_att(&file_system_id(&volume), "Arn")],
            Some(condition),
            format!(
                "container `{}` mounts volume `{volume}`{through} {}",
                container.name(),
                if read_only { "read-only" } else { "read-write" }
            ),
            mount.head,
        );
    }
    points
}

/// Adds the EFS volumes a task mounts to its task definition, and makes the
/// task definition wait for the volumes' mount targets.
fn task_volumes(lowering: &mut Lowering, task: &Obj, mount_targets: &IndexMap<&str, Vec<String>>) {
    let mut volumes: IndexMap<String, Json> = IndexMap::new();
    let mut waits = Vec::new();
    for container in task.blocks("container") {
        for mount in container.blocks("mount") {
            let Some(volume) = mount.reference("volume") else {
                continue;
            };
            let access_point = mount.str("access_point");
            let name = task_volume_name(volume, access_point);
            if volumes.contains_key(&name) {
                continue;
            }
            let mut authorization = json!({ "IAM": "ENABLED" });
            if let (Some(access_point), Some(map)) = (access_point, authorization.as_object_mut()) {
                map.insert(
                    "AccessPointId".into(),
                    cfn::reference(&access_point_id(volume, access_point)),
                );
            }
            volumes.insert(
                name.clone(),
                json!({
                    "Name": name,
                    "EFSVolumeConfiguration": {
                        "FilesystemId": cfn::reference(&file_system_id(volume)),
                        "TransitEncryption": "ENABLED",
                        "AuthorizationConfig": authorization,
                    },
                }),
            );
            if let Some(ids) = mount_targets.get(volume) {
                waits.extend(ids.iter().cloned());
            }
        }
    }
    if volumes.is_empty() {
        return;
    }
    let definition = cfn::logical_id(&[task.name(), "TaskDefinition"]);
    let Some(resource) = lowering.template.resources.get_mut(&definition) else {
        return;
    };
    if let Some(map) = resource.properties.as_object_mut() {
        let list = map.entry("Volumes").or_insert_with(|| json!([]));
        if let Json::Array(list) = list {
            list.extend(volumes.into_values());
        }
    }
    for id in waits {
        if !resource.depends_on.contains(&id) {
            resource.depends_on.push(id);
        }
    }
}
