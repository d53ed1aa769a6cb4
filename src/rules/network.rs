//! Network rules: the VPC a `network` creates or names, and whether the
//! tasks placed in it can reach the internet to pull their images.
//!
//! Codes: E3010 (CIDR block not IPv4), E3011 (VPC prefix out of range),
//! E3012 (zone count), E3013 (existing VPC without subnets), E3014 (subnets
//! without `vpc_id`), E3015 (a task wants subnets the network lacks), E3016
//! (more than 16 subnets), W3001 (public subnet without public IP), W3002
//! (private subnet without NAT), W3003 (new-VPC field ignored with `vpc_id`).

use super::compute;
use super::facts::{
    AWS_CIDR_PREFIXES, MAX_AWSVPC_SUBNETS, NETWORK_ZONES, SUBNET_EXTRA_BITS, subnet_addresses,
    vpc_prefixes,
};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::types::{Obj, Typed, Val, Value};

/// Declarations that place tasks or instances in a network's subnets.
const PLACED_KINDS: &[&str] = &["service", "task", "capacity"];

/// The fields of a new VPC, ignored when `vpc_id` names an existing one.
const NEW_VPC_FIELDS: &[&str] = &["cidr", "zones", "nat"];

/// A parsed IPv4 CIDR block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cidr {
    address: u32,
    prefix: u32,
}

impl Cidr {
    /// Parses `a.b.c.d/p`; `None` when it is not an IPv4 CIDR block.
    fn parse(text: &str) -> Option<Cidr> {
        let (address, prefix) = text.trim().split_once('/')?;
        let prefix: u32 = prefix.parse().ok().filter(|p| *p <= 32)?;
        let octets: Vec<u32> = address
            .split('.')
            .map(|octet| {
                octet
                    .parse::<u32>()
                    .ok()
                    .filter(|o| *o <= 255 && !octet.is_empty() && octet.len() <= 3)
            })
            .collect::<Option<_>>()?;
        if octets.len() != 4 {
            return None;
        }
        let address = octets.iter().fold(0u32, |acc, octet| (acc << 8) | octet);
        Some(Cidr { address, prefix })
    }

    fn mask(prefix: u32) -> u32 {
        u32::MAX.checked_shl(32 - prefix).unwrap_or(0)
    }

    /// The same block with its host bits cleared.
    fn network(self) -> Cidr {
        Cidr {
            address: self.address & Cidr::mask(self.prefix),
            prefix: self.prefix,
        }
    }

    /// The block containing this address with another prefix length.
    fn with_prefix(self, prefix: u32) -> Cidr {
        Cidr {
            address: self.address,
            prefix,
        }
        .network()
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [a, b, c, d] = self.address.to_be_bytes();
        write!(f, "{a}.{b}.{c}.{d}/{}", self.prefix)
    }
}

/// A new VPC's CIDR block as written, with its value.
fn written_cidr(network: &Obj) -> Option<(&Val, &str)> {
    let value = network.get("cidr").filter(|v| !v.defaulted)?;
    match &value.value {
        Value::Str(text) => Some((value, text.as_str())),
        _ => None,
    }
}

fn new_vpcs(typed: &Typed) -> impl Iterator<Item = &Obj> {
    typed
        .of_kind("network")
        .filter(|network| network.get("vpc_id").is_none())
}

fn existing_vpcs(typed: &Typed) -> impl Iterator<Item = &Obj> {
    typed
        .of_kind("network")
        .filter(|network| network.get("vpc_id").is_some())
}

/// E3010: a new VPC's `cidr` must be an IPv4 CIDR block with no host bits set.
pub fn cidr_valid(typed: &Typed, diags: &mut Diagnostics) {
    for network in new_vpcs(typed) {
        let Some((value, text)) = written_cidr(network) else {
            continue;
        };
        let Some(cidr) = Cidr::parse(text) else {
            diags.push(
                Diagnostic::new(
                    Code::E3010,
                    value.span,
                    format!("`{text}` is not an IPv4 CIDR block"),
                )
                .with_primary_label("expected an address and a prefix length")
                .with_help("write four numbers 0 to 255 and a prefix length: `\"10.0.0.0/16\"`"),
            );
            continue;
        };
        let network_cidr = cidr.network();
        if network_cidr != cidr {
            diags.push(
                Diagnostic::new(
                    Code::E3010,
                    value.span,
                    format!("`{text}` has host bits set"),
                )
                .with_primary_label(format!("the block starts at {network_cidr}"))
                .with_help(format!(
                    "a CIDR block's address is the first address of the block: `\"{network_cidr}\"`"
                ))
                .with_suggestion(
                    format!("use `\"{network_cidr}\"`"),
                    value.span,
                    format!("\"{network_cidr}\""),
                ),
            );
        }
    }
}

/// E3011: a new VPC's prefix must leave subnets AWS accepts (/16 to /24).
pub fn cidr_size(typed: &Typed, diags: &mut Diagnostics) {
    let allowed = vpc_prefixes();
    for network in new_vpcs(typed) {
        let Some((value, text)) = written_cidr(network) else {
            continue;
        };
        let Some(cidr) = Cidr::parse(text) else {
            continue;
        };
        if allowed.contains(&cidr.prefix) {
            continue;
        }
        let (low, high) = (*allowed.start(), *allowed.end());
        let (message, label, fixed) = if cidr.prefix < low {
            (
                format!("a /{} VPC is larger than AWS allows", cidr.prefix),
                format!("the largest VPC is a /{}", AWS_CIDR_PREFIXES.start()),
                cidr.with_prefix(low),
            )
        } else {
            let subnet = cidr.prefix + SUBNET_EXTRA_BITS;
            (
                format!("a /{} VPC is too small for its subnets", cidr.prefix),
                format!(
                    "its subnets would be /{subnet}; the smallest AWS subnet is a /{}",
                    AWS_CIDR_PREFIXES.end()
                ),
                cidr.with_prefix(high),
            )
        };
        diags.push(
            Diagnostic::new(Code::E3011, value.span, message)
                .with_primary_label(label)
                .with_help(format!(
                    "the VPC is cut into 16 subnets of /prefix+{SUBNET_EXTRA_BITS}: use /{low} \
                     ({} addresses per subnet) to /{high} ({} per subnet)",
                    group_thousands(subnet_addresses(low)),
                    subnet_addresses(high)
                ))
                .with_suggestion(
                    format!("use `\"{fixed}\"`"),
                    value.span,
                    format!("\"{fixed}\""),
                ),
        );
    }
}

fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// E3012: a new VPC spans 2 or 3 availability zones.
pub fn zones(typed: &Typed, diags: &mut Diagnostics) {
    for network in new_vpcs(typed) {
        let Some(value) = network.get("zones").filter(|v| !v.defaulted) else {
            continue;
        };
        let Value::Int(zones) = value.value else {
            continue;
        };
        if NETWORK_ZONES.contains(&zones) {
            continue;
        }
        let (low, high) = (*NETWORK_ZONES.start(), *NETWORK_ZONES.end());
        let fixed = zones.clamp(low, high);
        let why = if zones < low {
            "one zone's outage would stop every task, and load balancers need subnets in two zones"
        } else {
            "some Regions, and some accounts, have only three zones"
        };
        diags.push(
            Diagnostic::new(
                Code::E3012,
                value.span,
                format!("a network spans {low} or {high} zones, not {zones}"),
            )
            .with_primary_label(if zones == 1 {
                "1 zone".to_string()
            } else {
                format!("{zones} zones")
            })
            .with_help(format!("use `zones = {fixed}`: {why}"))
            .with_suggestion(
                format!("use {fixed} zones"),
                value.span,
                fixed.to_string(),
            ),
        );
    }
}

/// E3013: an existing VPC needs its subnets, public or private.
pub fn existing_vpc_subnets(typed: &Typed, diags: &mut Diagnostics) {
    for network in existing_vpcs(typed) {
        if network.get("public_subnets").is_some() || network.get("private_subnets").is_some() {
            continue;
        }
        let span = network.get("vpc_id").map_or(network.head, |v| v.span);
        diags.push(
            Diagnostic::new(
                Code::E3013,
                network.head,
                format!(
                    "network `{}` names a VPC but none of its subnets",
                    network.name()
                ),
            )
            .with_primary_label("no `public_subnets` and no `private_subnets`")
            .with_label(span, "an existing VPC")
            .with_help(
                "add `private_subnets = [\"subnet-...\", ...]` (or `public_subnets`): \
                 ecsc creates nothing in an existing VPC",
            ),
        );
    }
}

/// E3014: subnet IDs only make sense with the `vpc_id` they belong to.
pub fn subnets_without_vpc(typed: &Typed, diags: &mut Diagnostics) {
    for network in new_vpcs(typed) {
        for field in ["public_subnets", "private_subnets"] {
            let Some(value) = network.get(field).filter(|v| !v.defaulted) else {
                continue;
            };
            diags.push(
                Diagnostic::new(
                    Code::E3014,
                    value.span,
                    format!("`{field}` without `vpc_id`"),
                )
                .with_primary_label("these subnets belong to some VPC")
                .with_label(network.head, "this network creates a new VPC")
                .with_help(
                    "add `vpc_id = \"vpc-...\"` for the VPC of these subnets, or remove the \
                     subnet lists to let ecsc create a VPC",
                ),
            );
        }
    }
}

/// W3003: `cidr`, `zones` and `nat` describe a new VPC; with `vpc_id` they are ignored.
pub fn ignored_new_vpc_fields(typed: &Typed, diags: &mut Diagnostics) {
    for network in existing_vpcs(typed) {
        for field in NEW_VPC_FIELDS {
            let Some(value) = network.get(field).filter(|v| !v.defaulted) else {
                continue;
            };
            let mut diag = Diagnostic::new(
                Code::W3003,
                value.span,
                format!("`{field}` is ignored for an existing VPC"),
            )
            .with_primary_label("only used when ecsc creates the VPC");
            if let Some(vpc_id) = network.get("vpc_id") {
                diag = diag.with_label(vpc_id.span, "the VPC already exists");
            }
            diags.push(diag.with_help(format!(
                "remove `{field}`; the existing VPC keeps its own settings"
            )));
        }
    }
}

/// The number of subnets of a literal list (`None` for a parameter).
fn literal_len(value: &Val) -> Option<usize> {
    match &value.value {
        Value::List(items) => Some(items.len()),
        _ => None,
    }
}

/// E3016: a task's network configuration lists at most 16 subnets.
pub fn too_many_subnets(typed: &Typed, diags: &mut Diagnostics) {
    for network in existing_vpcs(typed) {
        for field in ["public_subnets", "private_subnets"] {
            let Some(value) = network.get(field) else {
                continue;
            };
            let Some(count) = literal_len(value).filter(|n| *n > MAX_AWSVPC_SUBNETS) else {
                continue;
            };
            diags.push(
                Diagnostic::new(
                    Code::E3016,
                    value.span,
                    format!(
                        "{count} {} subnets, more than {MAX_AWSVPC_SUBNETS}",
                        field_word(field)
                    ),
                )
                .with_primary_label(format!("{count} subnets"))
                .with_help(format!(
                    "a task's network configuration takes at most {MAX_AWSVPC_SUBNETS} subnets; \
                     keep one or two per zone"
                )),
            );
        }
    }
}

fn field_word(field: &str) -> &str {
    field.strip_suffix("_subnets").unwrap_or(field)
}

/// Where a placed declaration runs.
struct Placement<'a> {
    /// The declaration (service, task or capacity).
    obj: &'a Obj,
    /// Its network.
    network: &'a Obj,
    /// True for `subnets = public`.
    wants_public: bool,
}

impl Placement<'_> {
    fn is_new_vpc(&self) -> bool {
        self.network.get("vpc_id").is_none()
    }

    fn has(&self, field: &str) -> bool {
        self.is_new_vpc() || self.network.get(field).is_some()
    }

    /// True when its tasks end up in public subnets: asked for, or an
    /// existing VPC without private subnets (the lowering then uses the
    /// public ones).
    fn lands_in_public(&self) -> bool {
        self.wants_public || !self.has("private_subnets")
    }

    /// The span to point at for its choice of subnets.
    fn subnets_span(&self) -> Option<&Val> {
        self.obj.get("subnets").filter(|v| !v.defaulted)
    }

    fn what(&self) -> String {
        format!("{} `{}`", self.obj.kind, self.obj.name())
    }
}

/// Declarations that place tasks or instances, with their network.
fn placements(typed: &Typed) -> impl Iterator<Item = Placement<'_>> {
    typed
        .decls
        .values()
        .filter(|obj| PLACED_KINDS.contains(&obj.kind.as_str()))
        .filter_map(move |obj| {
            let network = obj
                .reference("cluster")
                .and_then(|cluster| typed.get("cluster", cluster))
                .and_then(|cluster| cluster.reference("network"))
                .and_then(|network| typed.get("network", network))?;
            Some(Placement {
                obj,
                network,
                wants_public: obj.str("subnets") == Some("public"),
            })
        })
}

/// Fargate tasks with their own network interface (`awsvpc`), which pull
/// their images through it.
fn is_fargate_awsvpc(typed: &Typed, obj: &Obj) -> bool {
    obj.kind != "capacity"
        && compute::network_mode(obj) == "awsvpc"
        && compute::platform(typed, obj).is_fargate()
}

/// E3015: a declaration asks for public subnets the existing VPC does not list.
pub fn missing_subnets(typed: &Typed, diags: &mut Diagnostics) {
    for place in placements(typed) {
        if !place.wants_public || place.has("public_subnets") {
            continue;
        }
        let span = place.subnets_span().map_or(place.obj.head, |v| v.span);
        let mut diag = Diagnostic::new(
            Code::E3015,
            span,
            format!("network `{}` has no public subnets", place.network.name()),
        )
        .with_primary_label(format!("{} asks for public subnets", place.what()))
        .with_label(place.network.head, "lists only `private_subnets`");
        diag = if let Some(value) = place.subnets_span() {
            diag.with_help("run it in the private subnets, or add `public_subnets` to the network")
                .with_suggestion("use the private subnets", value.span, "private")
        } else {
            diag.with_help("add `public_subnets` to the network")
        };
        diags.push(diag);
    }
}

/// W3001: Fargate tasks in public subnets need a public IP to reach ECR
/// (the public subnets route to an internet gateway, not a NAT).
pub fn public_subnet_without_public_ip(typed: &Typed, diags: &mut Diagnostics) {
    for place in placements(typed) {
        if !is_fargate_awsvpc(typed, place.obj) || !place.lands_in_public() {
            continue;
        }
        if place.wants_public && !place.has("public_subnets") {
            continue; // E3015 already
        }
        if place.obj.bool("public_ip") == Some(true) {
            continue;
        }
        let explicit_off = place.obj.get("public_ip").filter(|v| !v.defaulted);
        let span = explicit_off
            .or(place.subnets_span())
            .map_or(place.obj.head, |v| v.span);
        let mut diag = Diagnostic::new(
            Code::W3001,
            span,
            format!(
                "{} runs in public subnets without a public IP",
                place.what()
            ),
        )
        .with_primary_label("its tasks cannot reach the internet to pull images");
        if !place.wants_public {
            diag = diag.with_label(
                place.network.head,
                "has no `private_subnets`, so tasks use the public ones",
            );
        }
        diag = diag.with_help(
            "set `public_ip = true` (or run in private subnets behind a NAT gateway); \
             otherwise tasks fail with `CannotPullContainerError` and the deployment can \
             hang for hours",
        );
        diag = match (explicit_off, place.subnets_span()) {
            (Some(off), _) => diag.with_suggestion("set `public_ip = true`", off.span, "true"),
            (None, Some(subnets)) => diag.with_suggestion(
                "add `public_ip = true`",
                crate::span::Span {
                    start: subnets.span.end,
                    ..subnets.span
                },
                "\n  public_ip = true",
            ),
            (None, None) => diag,
        };
        diags.push(diag);
    }
}

/// W3002: tasks (or instances) in private subnets of a new VPC without NAT
/// cannot reach ECR, CloudWatch Logs or ECS.
pub fn private_subnet_without_nat(typed: &Typed, diags: &mut Diagnostics) {
    for place in placements(typed) {
        if place.wants_public || !place.is_new_vpc() {
            continue;
        }
        if place.network.str("nat") != Some("none") {
            continue;
        }
        let fargate = is_fargate_awsvpc(typed, place.obj);
        if place.obj.kind != "capacity" && !fargate {
            continue; // EC2 tasks pull through their instance
        }
        let consequence = if fargate {
            "its tasks cannot reach the internet to pull images"
        } else {
            "its instances cannot reach ECS to join the cluster"
        };
        let span = place.subnets_span().map_or(place.obj.head, |v| v.span);
        let mut diag = Diagnostic::new(
            Code::W3002,
            span,
            format!("{} runs in private subnets without NAT", place.what()),
        )
        .with_primary_label(consequence);
        let nat = place.network.get("nat").filter(|v| !v.defaulted);
        if let Some(nat) = nat {
            diag = diag.with_label(nat.span, "no NAT gateway");
        }
        diag = diag.with_help(if fargate {
            "use `nat = single` (or `per_zone`) on the network, or `subnets = public` with \
             `public_ip = true`; otherwise the deployment can hang for hours"
        } else {
            "use `nat = single` (or `per_zone`) on the network, or `subnets = public`; \
             otherwise tasks wait for instances that never join the cluster"
        });
        if let Some(nat) = nat {
            diag = diag.with_suggestion("use one NAT gateway", nat.span, "single");
        }
        diags.push(diag);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::Cidr;

    #[test]
    fn cidr_parses_and_normalises() {
        let cidr = Cidr::parse("10.0.0.1/16").unwrap();
        assert_eq!(cidr.network().to_string(), "10.0.0.0/16");
        assert_eq!(cidr.with_prefix(24).to_string(), "10.0.0.0/24");
        assert_eq!(
            Cidr::parse("10.0.0.0/0").unwrap().network().to_string(),
            "0.0.0.0/0"
        );
        for bad in [
            "10.0.0/16",
            "10.0.0.256/16",
            "10.0.0.0/33",
            "10.0.0.0",
            "a.b.c.d/8",
            "10..0.0/16",
        ] {
            assert_eq!(Cidr::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn thousands() {
        assert_eq!(super::group_thousands(4091), "4,091");
        assert_eq!(super::group_thousands(11), "11");
        assert_eq!(super::group_thousands(123_456), "123,456");
    }
}
