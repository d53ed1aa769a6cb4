//! Lowers EC2 `capacity` declarations and the capacity providers of each
//! cluster.
//!
//! For a capacity `gpu`: an `AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>`
//! parameter `GpuAmiId` defaulting to the public ECS-optimized AMI parameter
//! (so every deployment resolves the latest recommended AMI, and a
//! deployment can pin one), `GpuInstanceRole` (the AWS-managed ECS instance
//! policy, plus Session Manager if asked), `GpuInstanceProfile`,
//! `GpuSecurityGroup` (egress only; load balancers add their ingress),
//! `GpuLaunchTemplate` (IMDSv2 with a hop limit of 1 so bridge containers
//! cannot read the instance role, encrypted gp3 root volume, user data
//! writing `ECS_CLUSTER`), `GpuAutoScalingGroup` (in the network's
//! subnets, a mixed instances policy for Spot or several types) and
//! `GpuCapacityProvider` (managed scaling, managed draining, optional
//! managed termination protection), named `cp-<stack>-<name>` because ECS
//! refuses names starting with `aws`, `ecs` or `fargate` (which a generated
//! name inherits from such a stack name).
//!
//! For each cluster that uses capacity providers: one
//! `AWS::ECS::ClusterCapacityProviderAssociations` (`<Cluster>CapacityProviders`)
//! listing every provider any strategy of the program names plus its EC2
//! capacities, with the cluster's default strategy. Services and schedules
//! that use a strategy depend on it.

use super::Lowering;
use crate::cfn::{self, Parameter, Resource};
use crate::rules::compute::{self, Launch, Provider};
use crate::types::{Obj, Value};
use indexmap::IndexSet;
use serde_json::{Value as Json, json};

/// The logical ID of the capacity provider of capacity `name`.
pub fn provider_id(name: &str) -> String {
    cfn::logical_id(&[name, "CapacityProvider"])
}

/// The logical ID of the instance security group of capacity `name`: the
/// group of every `bridge` and `host` task on its instances, found through
/// `compute::task_security_groups` by load balancers, `allow_from` and EFS.
pub fn instance_security_group_id(name: &str) -> String {
    cfn::logical_id(&[name, "SecurityGroup"])
}

/// The logical ID of the capacity provider associations of cluster `name`.
pub fn associations_id(cluster: &str) -> String {
    cfn::logical_id(&[cluster, "CapacityProviders"])
}

/// The public SSM parameter of an ECS-optimized AMI variant.
pub fn ami_parameter(ami: &str) -> &'static str {
    match ami {
        "al2023_arm64" => {
            "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"
        }
        "al2023_gpu" => "/aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended/image_id",
        "al2023_neuron" => {
            "/aws/service/ecs/optimized-ami/amazon-linux-2023/inf/recommended/image_id"
        }
        _ => "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id",
    }
}

/// The provider name of one strategy item (`FARGATE`, or a `Ref`).
fn provider_json(provider: Provider) -> Json {
    match provider {
        Provider::Fargate => json!("FARGATE"),
        Provider::FargateSpot => json!("FARGATE_SPOT"),
        Provider::Ec2(name) => cfn::reference(&provider_id(name)),
    }
}

/// A capacity provider strategy as CloudFormation.
pub fn strategy_json(items: &[Obj]) -> Vec<Json> {
    items
        .iter()
        .filter_map(|item| {
            let provider = compute::provider(item)?;
            let mut entry = serde_json::Map::new();
            entry.insert("CapacityProvider".into(), provider_json(provider));
            entry.insert("Weight".into(), json!(item.int("weight").unwrap_or(1)));
            if let Some(base) = item.int("base") {
                entry.insert("Base".into(), json!(base));
            }
            Some(Json::Object(entry))
        })
        .collect()
}

/// Lowers every EC2 capacity and every cluster's provider associations.
pub fn lower(lowering: &mut Lowering) {
    for capacity in lowering.typed.of_kind("capacity") {
        ec2_capacity(lowering, capacity);
    }
    for cluster in lowering.typed.of_kind("cluster") {
        associations(lowering, cluster);
    }
}

fn associations(lowering: &mut Lowering, cluster: &Obj) {
    let name = cluster.name();
    let typed = lowering.typed;
    let mut providers: IndexSet<String> = IndexSet::new();
    let mut list: Vec<Json> = Vec::new();
    let mut add = |provider: Provider| {
        let key = format!("{provider:?}");
        if providers.insert(key) {
            list.push(provider_json(provider));
        }
    };
    for item in cluster.blocks("capacity") {
        if let Some(provider) = compute::provider(item) {
            add(provider);
        }
    }
    for obj in compute::task_bearing(typed).filter(|o| o.reference("cluster") == Some(name)) {
        if let Launch::Strategy(items) = compute::launch(typed, obj) {
            items
                .iter()
                .filter_map(compute::provider)
                .for_each(&mut add);
        }
    }
    for capacity in compute::cluster_capacities(typed, name) {
        add(Provider::Ec2(capacity.name()));
    }
    if list.is_empty() {
        return;
    }
    lowering.add(
        associations_id(name),
        Resource::new(
            "AWS::ECS::ClusterCapacityProviderAssociations",
            cluster.span,
            json!({
                "Cluster": cfn::reference(&cfn::logical_id(&[name, "Cluster"])),
                "CapacityProviders": list,
                "DefaultCapacityProviderStrategy": strategy_json(cluster.blocks("capacity")),
            }),
        ),
    );
}

fn ec2_capacity(lowering: &mut Lowering, capacity: &Obj) {
    let name = capacity.name();
    let id = |suffix: &str| cfn::logical_id(&[name, suffix]);
    let cluster = capacity.reference("cluster").unwrap_or_default();
    let cluster_id = cfn::logical_id(&[cluster, "Cluster"]);
    let network = lowering
        .typed
        .get("cluster", cluster)
        .and_then(|c| c.reference("network"))
        .and_then(|n| lowering.networks.get(n))
        .cloned()
        .unwrap_or_default();
    let ami = compute::ami(capacity).to_string();
    let spot = capacity.bool("spot").unwrap_or(false);

    let parameter = id("AmiId");
    lowering.template.parameters.insert(
        parameter.clone(),
        Parameter {
            parameter_type: "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>".into(),
            default: Some(json!(ami_parameter(&ami))),
            description: Some(format!(
                "The ECS-optimized AMI ({ami}) of capacity {name}: an SSM parameter name, resolved at each deployment"
            )),
            span: capacity.head,
        },
    );
    instance_role(lowering, capacity, &id("InstanceRole"));
    lowering.add(
        id("InstanceProfile"),
        Resource::new(
            "AWS::IAM::InstanceProfile",
            capacity.span,
            json!({ "Roles": [cfn::reference(&id("InstanceRole"))] }),
        ),
    );
    lowering.add(
        instance_security_group_id(name),
        Resource::new(
            "AWS::EC2::SecurityGroup",
            capacity.span,
            json!({
                "GroupDescription": format!("Container instances of capacity {name}"),
                "VpcId": network.vpc_id,
                "SecurityGroupEgress": [{ "IpProtocol": "-1", "CidrIp": "0.0.0.0/0", "Description": "Allow all outbound traffic" }],
            }),
        ),
    );
    launch_template(lowering, capacity, &cluster_id, &parameter, spot);
    auto_scaling_group(lowering, capacity, &network, spot);
    capacity_provider(lowering, capacity);
}

fn instance_role(lowering: &mut Lowering, capacity: &Obj, role: &str) {
    let mut managed = vec![cfn::sub(
        "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
    )];
    if capacity.bool("ssm") == Some(true) {
        managed.push(cfn::sub(
            "arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore",
        ));
    }
    lowering.add(
        role.to_string(),
        Resource::new(
            "AWS::IAM::Role",
            capacity.span,
            json!({
                "Description": format!("Container instances of capacity {}: register with ECS, pull the agent's images", capacity.name()),
                "AssumeRolePolicyDocument": super::iam::assume_role_policy("ec2.amazonaws.com", None),
                "ManagedPolicyArns": managed,
            }),
        ),
    );
}

fn launch_template(
    lowering: &mut Lowering,
    capacity: &Obj,
    cluster_id: &str,
    parameter: &str,
    spot: bool,
) {
    let name = capacity.name();
    let id = |suffix: &str| cfn::logical_id(&[name, suffix]);
    let mut config = vec![format!("ECS_CLUSTER=${{{cluster_id}}}")];
    if spot {
        config.push("ECS_ENABLE_SPOT_INSTANCE_DRAINING=true".into());
    }
    if compute::ami(capacity) == "al2023_gpu" {
        config.push("ECS_ENABLE_GPU_SUPPORT=true".into());
    }
    let user_data = format!(
        "#!/bin/bash\ncat >> /etc/ecs/ecs.config <<'EOF'\n{}\nEOF\n",
        config.join("\n")
    );
    let mut ebs = serde_json::Map::new();
    ebs.insert("VolumeType".into(), json!("gp3"));
    ebs.insert("Encrypted".into(), json!(true));
    ebs.insert("DeleteOnTermination".into(), json!(true));
    if let Some(Value::Memory(mib)) = capacity.get("disk").map(|v| &v.value) {
        ebs.insert("VolumeSize".into(), json!(mib.div_ceil(1024)));
    }
    let mut data = json!({
        "ImageId": cfn::reference(parameter),
        "IamInstanceProfile": { "Arn": cfn::get_att(&id("InstanceProfile"), "Arn") },
        "SecurityGroupIds": [cfn::get_att(&instance_security_group_id(name), "GroupId")],
        "MetadataOptions": {
            "HttpEndpoint": "enabled",
            "HttpTokens": "required",
            "HttpPutResponseHopLimit": 1,
        },
        "BlockDeviceMappings": [{ "DeviceName": "/dev/xvda", "Ebs": Json::Object(ebs) }],
        "Monitoring": { "Enabled": true },
        "UserData": { "Fn::Base64": cfn::sub(&user_data) },
        "TagSpecifications": [{
            "ResourceType": "instance",
            "Tags": [{ "Key": "Name", "Value": cfn::sub(&format!("${{AWS::StackName}}-{name}")) }],
        }],
    });
    let types = compute::instance_types(capacity);
    if let (Some(map), [(only, _)], false) = (data.as_object_mut(), types.as_slice(), spot) {
        map.insert("InstanceType".into(), json!(only));
    }
    let mut resource = Resource::new(
        "AWS::EC2::LaunchTemplate",
        capacity.span,
        json!({ "LaunchTemplateData": data }),
    );
    if let Some(val) = capacity.get("instance_type") {
        resource = resource.from_source("/LaunchTemplateData/InstanceType", val.span);
    }
    lowering.add(id("LaunchTemplate"), resource);
}

fn auto_scaling_group(
    lowering: &mut Lowering,
    capacity: &Obj,
    network: &super::NetworkRefs,
    spot: bool,
) {
    let name = capacity.name();
    let id = |suffix: &str| cfn::logical_id(&[name, suffix]);
    let (min, max) = match capacity.get("size").map(|v| &v.value) {
        Some(Value::Range(min, max)) => (*min, *max),
        _ => (0, 1),
    };
    let public = capacity.str("subnets") == Some("public");
    let subnets = if public {
        network.public_subnets.clone()
    } else {
        network.private_subnets.clone()
    };
    let template = json!({
        "LaunchTemplateId": cfn::reference(&id("LaunchTemplate")),
        "Version": cfn::get_att(&id("LaunchTemplate"), "LatestVersionNumber"),
    });
    let types = compute::instance_types(capacity);
    let mut properties = json!({
        "MinSize": min.to_string(),
        "MaxSize": max.to_string(),
        "VPCZoneIdentifier": subnets,
        "NewInstancesProtectedFromScaleIn": capacity.bool("termination_protection").unwrap_or(false),
        "Tags": [{
            "Key": "Name",
            "Value": cfn::sub(&format!("${{AWS::StackName}}-{name}")),
            "PropagateAtLaunch": true,
        }],
    });
    if let Some(map) = properties.as_object_mut() {
        if spot || types.len() > 1 {
            let overrides: Vec<Json> = types
                .iter()
                .map(|(instance_type, _)| json!({ "InstanceType": instance_type }))
                .collect();
            map.insert(
                "MixedInstancesPolicy".into(),
                json!({
                    "LaunchTemplate": {
                        "LaunchTemplateSpecification": template,
                        "Overrides": overrides,
                    },
                    "InstancesDistribution": {
                        "OnDemandBaseCapacity": 0,
                        "OnDemandPercentageAboveBaseCapacity": if spot { 0 } else { 100 },
                        "OnDemandAllocationStrategy": "prioritized",
                        "SpotAllocationStrategy": "price-capacity-optimized",
                    },
                }),
            );
            if spot {
                map.insert("CapacityRebalance".into(), json!(true));
            }
        } else {
            map.insert("LaunchTemplate".into(), template);
        }
    }
    let mut resource = Resource::new(
        "AWS::AutoScaling::AutoScalingGroup",
        capacity.span,
        properties,
    );
    if let Some(val) = capacity.get("size") {
        resource = resource
            .from_source("/MinSize", val.span)
            .from_source("/MaxSize", val.span);
    }
    if !public {
        resource = resource.depends_on(network.ready.clone());
    }
    lowering.add(id("AutoScalingGroup"), resource);
}

fn capacity_provider(lowering: &mut Lowering, capacity: &Obj) {
    let name = capacity.name();
    let target = match capacity.get("target_utilization").map(|v| &v.value) {
        Some(Value::Percent(percent)) => percent.round() as i64,
        _ => 100,
    };
    let warmup = match capacity.get("warmup").map(|v| &v.value) {
        Some(Value::Duration(seconds)) => *seconds,
        _ => 300,
    };
    let protection = if capacity.bool("termination_protection") == Some(true) {
        "ENABLED"
    } else {
        "DISABLED"
    };
    let mut resource = Resource::new(
        "AWS::ECS::CapacityProvider",
        capacity.span,
        json!({
            "Name": cfn::sub(&format!("cp-${{AWS::StackName}}-{}", name.replace('_', "-"))),
            "AutoScalingGroupProvider": {
                "AutoScalingGroupArn": cfn::reference(&cfn::logical_id(&[name, "AutoScalingGroup"])),
                "ManagedScaling": {
                    "Status": "ENABLED",
                    "TargetCapacity": target,
                    "MinimumScalingStepSize": 1,
                    "MaximumScalingStepSize": 10,
                    "InstanceWarmupPeriod": warmup,
                },
                "ManagedTerminationProtection": protection,
                "ManagedDraining": "ENABLED",
            },
        }),
    );
    if let Some(val) = capacity.get("target_utilization").filter(|v| !v.defaulted) {
        resource = resource.from_source(
            "/AutoScalingGroupProvider/ManagedScaling/TargetCapacity",
            val.span,
        );
    }
    lowering.add(provider_id(name), resource);
}
