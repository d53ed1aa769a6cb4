#!/usr/bin/env python3
"""Copy the CloudFormation resource schemas that ecsc emits from cfn-lint's
bundled data into stdlib/schemas/.

Run with the venv interpreter created by scripts/setup-cfn-lint.sh:

    "$(dirname "$(bash scripts/setup-cfn-lint.sh)")/python" scripts/refresh-schemas.py

Each schema is written minified (compact JSON, every key kept, key order kept)
to stdlib/schemas/<service>-<resource>.json, e.g. AWS::ECS::Service ->
aws-ecs-service.json.  stdlib/schemas/VERSION records the cfn-lint version and
the list of types.  The same list (and file names) must be kept in sync with
the include_str! table in src/schema/embedded.rs.
"""

import json
import sys
from importlib.metadata import version
from pathlib import Path

import cfnlint

TYPES = [
    "AWS::EC2::VPC",
    "AWS::EC2::Subnet",
    "AWS::EC2::InternetGateway",
    "AWS::EC2::VPCGatewayAttachment",
    "AWS::EC2::RouteTable",
    "AWS::EC2::Route",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::EIP",
    "AWS::EC2::NatGateway",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::SecurityGroupEgress",
    "AWS::EC2::LaunchTemplate",
    "AWS::ECS::Cluster",
    "AWS::ECS::ClusterCapacityProviderAssociations",
    "AWS::ECS::CapacityProvider",
    "AWS::ECS::Service",
    "AWS::ECS::TaskDefinition",
    "AWS::Logs::LogGroup",
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::IAM::InstanceProfile",
    "AWS::AutoScaling::AutoScalingGroup",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::ElasticLoadBalancingV2::Listener",
    "AWS::ElasticLoadBalancingV2::ListenerRule",
    "AWS::ElasticLoadBalancingV2::TargetGroup",
    "AWS::EFS::FileSystem",
    "AWS::EFS::MountTarget",
    "AWS::EFS::AccessPoint",
    "AWS::ServiceDiscovery::PrivateDnsNamespace",
    "AWS::ServiceDiscovery::Service",
    "AWS::ApplicationAutoScaling::ScalableTarget",
    "AWS::ApplicationAutoScaling::ScalingPolicy",
    "AWS::CloudWatch::Alarm",
    "AWS::Events::Rule",
    "AWS::Scheduler::Schedule",
    "AWS::ECR::Repository",
    "AWS::SecretsManager::Secret",
    "AWS::SSM::Parameter",
    "AWS::CloudFormation::WaitConditionHandle",
]

REGION = "us-east-1"


def file_name(type_name: str) -> str:
    """AWS::ECS::Service -> aws-ecs-service.json"""
    return "-".join(part.lower() for part in type_name.split("::")) + ".json"


def main() -> int:
    repo_root = Path(__file__).resolve().parent.parent
    out_dir = repo_root / "stdlib" / "schemas"
    data_dir = Path(cfnlint.__file__).resolve().parent / "data" / "schemas"
    provider = data_dir / "providers" / f"{REGION}.json"
    resources = data_dir / "resources"

    with provider.open(encoding="utf-8") as f:
        table = json.load(f)

    missing = [t for t in TYPES if t not in table]
    if missing:
        print(f"refresh-schemas: not in {provider}: {', '.join(missing)}", file=sys.stderr)
        return 1

    out_dir.mkdir(parents=True, exist_ok=True)
    total = 0
    for type_name in TYPES:
        src = resources / f"{table[type_name]}.json"
        with src.open(encoding="utf-8") as f:
            schema = json.load(f)
        if schema.get("typeName") != type_name:
            print(f"refresh-schemas: {src} has typeName {schema.get('typeName')!r}, "
                  f"expected {type_name!r}", file=sys.stderr)
            return 1
        text = json.dumps(schema, separators=(",", ":"), ensure_ascii=False) + "\n"
        (out_dir / file_name(type_name)).write_text(text, encoding="utf-8")
        total += len(text.encode("utf-8"))

    cfn_lint_version = version("cfn-lint")
    lines = [
        f"cfn-lint {cfn_lint_version}",
        f"provider {REGION}",
        "",
        *(f"{t} {file_name(t)}" for t in TYPES),
    ]
    (out_dir / "VERSION").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"refresh-schemas: wrote {len(TYPES)} schemas ({total} bytes) "
          f"from cfn-lint {cfn_lint_version} to {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
