//! Lowers `network` declarations: a new VPC with public and private subnets
//! in each zone, an internet gateway, NAT gateways and route tables; or the
//! IDs of an existing VPC.

use super::Lowering;
use crate::cfn::{self, Resource};
use crate::types::{Obj, Value};
use serde_json::{Value as Json, json};

/// What services need to know about a network.
#[derive(Debug, Clone, Default)]
pub struct NetworkRefs {
    /// The VPC ID.
    pub vpc_id: Json,
    /// Public subnet IDs (a list, or one `Ref` to a list parameter).
    pub public_subnets: Json,
    /// Private subnet IDs.
    pub private_subnets: Json,
    /// Resources tasks must wait for (NAT routes), so image pulls work at start.
    pub ready: Vec<String>,
    /// Whether private subnets can reach the internet.
    pub has_nat: bool,
    /// Number of zones (new VPCs).
    pub zones: usize,
}

/// Lowers every network.
pub fn lower(lowering: &mut Lowering) {
    for obj in lowering.typed.of_kind("network") {
        let refs = if obj.get("vpc_id").is_some() {
            existing(lowering, obj)
        } else {
            new_vpc(lowering, obj)
        };
        lowering.networks.insert(obj.name().to_string(), refs);
    }
}

fn existing(lowering: &Lowering, obj: &Obj) -> NetworkRefs {
    let list = |field: &str| obj.get(field).map_or(json!([]), |v| lowering.json(v));
    NetworkRefs {
        vpc_id: obj.get("vpc_id").map_or(Json::Null, |v| lowering.json(v)),
        public_subnets: list("public_subnets"),
        private_subnets: if obj.get("private_subnets").is_some() {
            list("private_subnets")
        } else {
            list("public_subnets")
        },
        ready: Vec::new(),
        has_nat: true,
        zones: 0,
    }
}

/// The prefix length of a CIDR such as `10.0.0.0/16`.
fn prefix(cidr: &str) -> u32 {
    cidr.rsplit('/')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or(16)
}

fn new_vpc(lowering: &mut Lowering, obj: &Obj) -> NetworkRefs {
    let name = obj.name();
    let span = obj.span;
    let id = |suffix: &str| cfn::logical_id(&[name, suffix]);
    let cidr = obj.str("cidr").unwrap_or("10.0.0.0/16").to_string();
    let zones = obj.int("zones").unwrap_or(2).clamp(1, 6) as usize;
    let nat = obj.str("nat").unwrap_or("single").to_string();
    let vpc = id("Vpc");
    let tag = |what: &str| json!([{ "Key": "Name", "Value": cfn::sub(&format!("${{AWS::StackName}}-{name}-{what}")) }]);
    // Subnets are /prefix+4 (16 per VPC): zones public first, then private.
    // The same fact sizes them in the rules (E3011), so keep it in one place.
    let subnet_bits = 32u32.saturating_sub(prefix(&cidr) + crate::rules::facts::SUBNET_EXTRA_BITS);
    let cidrs = json!({ "Fn::Cidr": [cfn::get_att(&vpc, "CidrBlock"), (zones * 2).to_string(), subnet_bits.to_string()] });

    let mut vpc_resource = Resource::new(
        "AWS::EC2::VPC",
        span,
        json!({ "CidrBlock": cidr, "EnableDnsHostnames": true, "EnableDnsSupport": true, "Tags": tag("vpc") }),
    );
    if let Some(v) = obj.get("cidr").filter(|v| !v.defaulted) {
        vpc_resource = vpc_resource.from_source("/CidrBlock", v.span);
    }
    lowering.add(vpc.clone(), vpc_resource);
    lowering.add(
        id("InternetGateway"),
        Resource::new(
            "AWS::EC2::InternetGateway",
            span,
            json!({ "Tags": tag("igw") }),
        ),
    );
    lowering.add(
        id("GatewayAttachment"),
        Resource::new(
            "AWS::EC2::VPCGatewayAttachment",
            span,
            json!({ "VpcId": cfn::reference(&vpc), "InternetGatewayId": cfn::reference(&id("InternetGateway")) }),
        ),
    );
    lowering.add(
        id("PublicRouteTable"),
        Resource::new(
            "AWS::EC2::RouteTable",
            span,
            json!({ "VpcId": cfn::reference(&vpc), "Tags": tag("public") }),
        ),
    );
    lowering.add(
        id("PublicDefaultRoute"),
        Resource::new(
            "AWS::EC2::Route",
            span,
            json!({
                "RouteTableId": cfn::reference(&id("PublicRouteTable")),
                "DestinationCidrBlock": "0.0.0.0/0",
                "GatewayId": cfn::reference(&id("InternetGateway")),
            }),
        )
        .depends_on([id("GatewayAttachment")]),
    );

    let mut public = Vec::new();
    let mut private = Vec::new();
    let mut ready = Vec::new();
    for zone in 0..zones {
        let n = (zone + 1).to_string();
        let az = json!({ "Fn::Select": [zone.to_string(), { "Fn::GetAZs": "" }] });
        let public_id = id(&format!("PublicSubnet{n}"));
        let private_id = id(&format!("PrivateSubnet{n}"));
        let subnet = |index: usize, public: bool| {
            let kind = if public { "public" } else { "private" };
            Resource::new(
                "AWS::EC2::Subnet",
                span,
                json!({
                    "VpcId": cfn::reference(&vpc),
                    "AvailabilityZone": az,
                    "CidrBlock": { "Fn::Select": [index.to_string(), cidrs] },
                    "MapPublicIpOnLaunch": public,
                    "Tags": tag(&format!("{kind}-{n}")),
                }),
            )
        };
        lowering.add(public_id.clone(), subnet(zone, true));
        lowering.add(private_id.clone(), subnet(zones + zone, false));
        lowering.add(
            id(&format!("PublicSubnet{n}RouteTableAssociation")),
            Resource::new(
                "AWS::EC2::SubnetRouteTableAssociation",
                span,
                json!({ "SubnetId": cfn::reference(&public_id), "RouteTableId": cfn::reference(&id("PublicRouteTable")) }),
            ),
        );
        let table = id(&format!("PrivateRouteTable{n}"));
        lowering.add(
            table.clone(),
            Resource::new(
                "AWS::EC2::RouteTable",
                span,
                json!({ "VpcId": cfn::reference(&vpc), "Tags": tag(&format!("private-{n}")) }),
            ),
        );
        lowering.add(
            id(&format!("PrivateSubnet{n}RouteTableAssociation")),
            Resource::new(
                "AWS::EC2::SubnetRouteTableAssociation",
                span,
                json!({ "SubnetId": cfn::reference(&private_id), "RouteTableId": cfn::reference(&table) }),
            ),
        );
        let gateway_zone = match nat.as_str() {
            "per_zone" => Some(n.clone()),
            "single" => Some("1".to_string()),
            _ => None,
        };
        if let Some(gateway_zone) = gateway_zone {
            if gateway_zone == n {
                nat_gateway(
                    lowering,
                    name,
                    &n,
                    &public_id,
                    span,
                    &tag(&format!("nat-{n}")),
                );
            }
            let route = id(&format!("PrivateDefaultRoute{n}"));
            lowering.add(
                route.clone(),
                Resource::new(
                    "AWS::EC2::Route",
                    span,
                    json!({
                        "RouteTableId": cfn::reference(&table),
                        "DestinationCidrBlock": "0.0.0.0/0",
                        "NatGatewayId": cfn::reference(&id(&format!("NatGateway{gateway_zone}"))),
                    }),
                ),
            );
            ready.push(route);
        }
        public.push(cfn::reference(&public_id));
        private.push(cfn::reference(&private_id));
    }
    let _ = Value::Error;
    NetworkRefs {
        vpc_id: cfn::reference(&vpc),
        public_subnets: Json::Array(public),
        private_subnets: Json::Array(private),
        ready,
        has_nat: nat != "none",
        zones,
    }
}

fn nat_gateway(
    lowering: &mut Lowering,
    name: &str,
    n: &str,
    public_subnet: &str,
    span: crate::span::Span,
    tags: &Json,
) {
    let eip = cfn::logical_id(&[name, &format!("NatEip{n}")]);
    lowering.add(
        eip.clone(),
        Resource::new(
            "AWS::EC2::EIP",
            span,
            json!({ "Domain": "vpc", "Tags": tags }),
        )
        .depends_on([cfn::logical_id(&[name, "GatewayAttachment"])]),
    );
    lowering.add(
        cfn::logical_id(&[name, &format!("NatGateway{n}")]),
        Resource::new(
            "AWS::EC2::NatGateway",
            span,
            json!({ "AllocationId": cfn::get_att(&eip, "AllocationId"), "SubnetId": cfn::reference(public_subnet), "Tags": tags }),
        ),
    );
}
