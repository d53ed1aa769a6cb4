//! The CloudFormation resource schemas bundled into the binary.
//!
//! The files under `stdlib/schemas/` are produced by `scripts/refresh-schemas.py`
//! from cfn-lint's bundled registry schemas (see `stdlib/schemas/VERSION`).
//! `build.rs` reduces each to what validation reads (see `bundle.rs`) and
//! lists its attributes; this table embeds those. When the list of types
//! there changes, change [`SCHEMAS`] with it.

/// One bundled resource type.
pub(crate) struct Schema {
    /// The type name, e.g. `AWS::ECS::Service`.
    pub(crate) type_name: &'static str,
    /// The schema as bundled (only what validation reads, patterns fixed),
    /// without its definitions.
    pub(crate) root: &'static str,
    /// The definitions, one a line: the name, a tab, the schema.
    pub(crate) definitions: &'static str,
    /// The attributes `Fn::GetAtt` may read, one a line; empty when the
    /// schema names none.
    pub(crate) attributes: &'static str,
}

/// Builds the table of [`Schema`]s from `"Type" => "file"` pairs.
macro_rules! schema_table {
    ($($type_name:literal => $file:literal,)*) => {
        /// Every resource type ecsc can validate, sorted by type name.
        pub(crate) const SCHEMAS: &[Schema] = &[
            $(Schema {
                type_name: $type_name,
                root: include_str!(concat!(env!("OUT_DIR"), "/schemas/", $file)),
                definitions: include_str!(concat!(env!("OUT_DIR"), "/schemas/", $file, ".definitions")),
                attributes: include_str!(concat!(env!("OUT_DIR"), "/schemas/", $file, ".attributes")),
            },)*
        ];

        /// The registry schemas as they are in `stdlib/schemas/`, in the
        /// order of [`SCHEMAS`] (for tests that compare the two).
        #[cfg(test)]
        pub(crate) const ORIGINALS: &[&str] = &[
            $(include_str!(concat!("../../stdlib/schemas/", $file)),)*
        ];
    };
}

schema_table! {
    "AWS::ApplicationAutoScaling::ScalableTarget" => "aws-applicationautoscaling-scalabletarget.json",
    "AWS::ApplicationAutoScaling::ScalingPolicy" => "aws-applicationautoscaling-scalingpolicy.json",
    "AWS::AutoScaling::AutoScalingGroup" => "aws-autoscaling-autoscalinggroup.json",
    "AWS::CloudFormation::WaitConditionHandle" => "aws-cloudformation-waitconditionhandle.json",
    "AWS::CloudWatch::Alarm" => "aws-cloudwatch-alarm.json",
    "AWS::EC2::EIP" => "aws-ec2-eip.json",
    "AWS::EC2::InternetGateway" => "aws-ec2-internetgateway.json",
    "AWS::EC2::LaunchTemplate" => "aws-ec2-launchtemplate.json",
    "AWS::EC2::NatGateway" => "aws-ec2-natgateway.json",
    "AWS::EC2::Route" => "aws-ec2-route.json",
    "AWS::EC2::RouteTable" => "aws-ec2-routetable.json",
    "AWS::EC2::SecurityGroup" => "aws-ec2-securitygroup.json",
    "AWS::EC2::SecurityGroupEgress" => "aws-ec2-securitygroupegress.json",
    "AWS::EC2::SecurityGroupIngress" => "aws-ec2-securitygroupingress.json",
    "AWS::EC2::Subnet" => "aws-ec2-subnet.json",
    "AWS::EC2::SubnetRouteTableAssociation" => "aws-ec2-subnetroutetableassociation.json",
    "AWS::EC2::VPC" => "aws-ec2-vpc.json",
    "AWS::EC2::VPCGatewayAttachment" => "aws-ec2-vpcgatewayattachment.json",
    "AWS::ECR::Repository" => "aws-ecr-repository.json",
    "AWS::ECS::CapacityProvider" => "aws-ecs-capacityprovider.json",
    "AWS::ECS::Cluster" => "aws-ecs-cluster.json",
    "AWS::ECS::ClusterCapacityProviderAssociations" => "aws-ecs-clustercapacityproviderassociations.json",
    "AWS::ECS::Service" => "aws-ecs-service.json",
    "AWS::ECS::TaskDefinition" => "aws-ecs-taskdefinition.json",
    "AWS::EFS::AccessPoint" => "aws-efs-accesspoint.json",
    "AWS::EFS::FileSystem" => "aws-efs-filesystem.json",
    "AWS::EFS::MountTarget" => "aws-efs-mounttarget.json",
    "AWS::ElasticLoadBalancingV2::Listener" => "aws-elasticloadbalancingv2-listener.json",
    "AWS::ElasticLoadBalancingV2::ListenerRule" => "aws-elasticloadbalancingv2-listenerrule.json",
    "AWS::ElasticLoadBalancingV2::LoadBalancer" => "aws-elasticloadbalancingv2-loadbalancer.json",
    "AWS::ElasticLoadBalancingV2::TargetGroup" => "aws-elasticloadbalancingv2-targetgroup.json",
    "AWS::Events::Rule" => "aws-events-rule.json",
    "AWS::IAM::InstanceProfile" => "aws-iam-instanceprofile.json",
    "AWS::IAM::Policy" => "aws-iam-policy.json",
    "AWS::IAM::Role" => "aws-iam-role.json",
    "AWS::Logs::LogGroup" => "aws-logs-loggroup.json",
    "AWS::SSM::Parameter" => "aws-ssm-parameter.json",
    "AWS::Scheduler::Schedule" => "aws-scheduler-schedule.json",
    "AWS::SecretsManager::Secret" => "aws-secretsmanager-secret.json",
    "AWS::ServiceDiscovery::PrivateDnsNamespace" => "aws-servicediscovery-privatednsnamespace.json",
    "AWS::ServiceDiscovery::Service" => "aws-servicediscovery-service.json",
}
