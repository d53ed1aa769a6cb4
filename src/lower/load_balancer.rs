//! Lowers `load_balancer` declarations and the `route` blocks of services.
//!
//! A load balancer becomes an `AWS::ElasticLoadBalancingV2::LoadBalancer` in
//! the public (or, internal, the private) subnets of its network, its own
//! security group (clients in on the listener ports only; out only to the
//! tasks that route through it), and one listener per `listener` block
//! (HTTPS with a TLS 1.2+ policy, HTTP redirects, TCP/TLS on an NLB).
//!
//! A route becomes a target group (IP targets for `awsvpc` tasks, instance
//! targets for `bridge` and `host`), a listener rule per listener it attaches
//! to (or the listener's default action when it has no path or host), an
//! ingress rule from the load balancer's security group on the service's
//! (for `bridge` and `host` tasks, on the instance security groups of their
//! capacities: `compute::task_security_groups`), and an entry in the
//! service's `LoadBalancers`. Rule priorities not given
//! are derived from each route alone (more specific rules first), so they
//! do not change when other routes come or go.

use super::Lowering;
use crate::cfn::{self, Resource};
use crate::rules::traffic::{
    Target, home_network, is_alb, is_catch_all, lb_users, listeners, route_listeners, route_target,
    text_values,
};
use crate::types::{Obj, Value};
use indexmap::IndexMap;
use serde_json::{Value as Json, json};

/// The CDK's way to say "no egress": a rule that matches nothing, so the
/// default allow-all rule is not added.
fn no_egress() -> Json {
    json!([{
        "CidrIp": "255.255.255.255/32",
        "IpProtocol": "icmp",
        "FromPort": 252,
        "ToPort": 86,
        "Description": "Disallow all traffic",
    }])
}

/// The logical ID of a load balancer's listener on `port`.
pub fn listener_id(lb: &str, port: i64) -> String {
    cfn::logical_id(&[lb, &format!("Listener{port}")])
}

/// The logical ID of the target group of `service`'s route from `lb`.
pub fn target_group_id(service: &str, lb: &str) -> String {
    cfn::logical_id(&[service, lb, "TargetGroup"])
}

/// A route, resolved.
struct Planned<'a> {
    service: &'a Obj,
    route: &'a Obj,
    target: Target,
    listeners: Vec<i64>,
    priority: Option<i64>,
}

/// Lowers every load balancer and route, then attaches services to them.
pub fn lower(lowering: &mut Lowering) {
    let typed = lowering.typed;
    // service name -> (LoadBalancers entries, DependsOn, grace seconds)
    let mut attachments: IndexMap<String, (Vec<Json>, Vec<String>, u64)> = IndexMap::new();
    for lb in typed.of_kind("load_balancer") {
        let users = lb_users(typed, lb);
        let Some(network_name) = home_network(typed, lb, &users) else {
            continue;
        };
        let network = lowering
            .networks
            .get(network_name)
            .cloned()
            .unwrap_or_default();
        let network_obj = typed.get("network", network_name);
        let new_vpc = network_obj.is_some_and(|n| n.get("vpc_id").is_none());
        let vpc_cidr =
            new_vpc.then(|| cfn::get_att(&cfn::logical_id(&[network_name, "Vpc"]), "CidrBlock"));
        let mut planned = plan(typed, lb);
        assign_priorities(&mut planned, lb.name());

        security_group(lowering, lb, &network.vpc_id, vpc_cidr);
        load_balancer(lowering, lb, &network, new_vpc.then_some(network_name));
        let mut defaults: IndexMap<i64, String> = IndexMap::new();
        for route in &planned {
            let tg = target_group_id(route.service.name(), lb.name());
            target_group(lowering, lb, route, &tg, &network.vpc_id);
            let entry = attachments
                .entry(route.service.name().to_string())
                .or_default();
            entry.0.push(json!({
                "ContainerName": route.target.container,
                "ContainerPort": route.target.port,
                "TargetGroupArn": cfn::reference(&tg),
            }));
            let grace = match route
                .route
                .block("health")
                .and_then(|h| h.get("grace"))
                .map(|v| &v.value)
            {
                Some(Value::Duration(seconds)) => *seconds,
                _ => 60,
            };
            entry.2 = entry.2.max(grace);
            for port in &route.listeners {
                if !is_alb(lb) || is_catch_all(route.route) {
                    defaults.entry(*port).or_insert_with(|| tg.clone());
                    entry.1.push(listener_id(lb.name(), *port));
                    continue;
                }
                let rule =
                    cfn::logical_id(&[route.service.name(), lb.name(), &format!("Rule{port}")]);
                listener_rule(lowering, lb, route, &rule, *port, &tg);
                entry.1.push(rule);
            }
            ingress(lowering, lb, route);
        }
        for listener in listeners(lb) {
            listener_resource(lowering, lb, &listener, defaults.get(&listener.port));
        }
    }
    for (service, (entries, depends, grace)) in attachments {
        let id = cfn::logical_id(&[&service, "Service"]);
        let Some(resource) = lowering.template.resources.get_mut(&id) else {
            continue;
        };
        if let Some(properties) = resource.properties.as_object_mut() {
            properties.insert("LoadBalancers".into(), Json::Array(entries));
            properties.insert("HealthCheckGracePeriodSeconds".into(), json!(grace));
        }
        for dependency in depends {
            if !resource.depends_on.contains(&dependency) {
                resource.depends_on.push(dependency);
            }
        }
    }
}

/// The routes of a load balancer that can be lowered, sorted by service name.
fn plan<'a>(typed: &'a crate::types::Typed, lb: &'a Obj) -> Vec<Planned<'a>> {
    let mut planned = Vec::new();
    for service in typed.of_kind("service") {
        for route in service
            .blocks("route")
            .iter()
            .filter(|r| r.name() == lb.name())
        {
            let Some(target) = route_target(service, route) else {
                continue;
            };
            let Ok(listeners) = route_listeners(lb, route, Some(target.port)) else {
                continue;
            };
            planned.push(Planned {
                service,
                route,
                target,
                listeners,
                priority: route.int("priority"),
            });
        }
    }
    planned.sort_by(|a, b| a.service.name().cmp(b.service.name()));
    planned
}

/// How specific a route's conditions are; more specific rules must be checked first.
fn specificity(route: &Obj) -> (usize, usize) {
    let paths = text_values(route, "path");
    let hosts = text_values(route, "host");
    let kinds = usize::from(!paths.is_empty()) + usize::from(!hosts.is_empty());
    let literal = |text: &String| text.find(['*', '?']).unwrap_or(text.len());
    let longest = paths
        .iter()
        .chain(hosts.iter())
        .map(literal)
        .max()
        .unwrap_or(0);
    (kinds, longest)
}

/// FNV-1a: a hash that does not change with the Rust version.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The priority of a route that sets none, derived from the route alone (its
/// conditions, its service and its load balancer), so adding, removing or
/// reordering other routes never renumbers it (renumbering rules in one
/// stack update can fail with `PriorityInUse`). Rules with both a path and a
/// host come first (100-20099), then rules with longer literal prefixes;
/// the last two digits separate routes of equal specificity.
fn derived_priority(route: &Planned, lb: &str) -> i64 {
    let (kinds, longest) = specificity(route.route);
    let class = if kinds >= 2 { 0 } else { 20_000 };
    let length = 200 - i64::try_from(longest.min(199)).unwrap_or(199);
    let tiebreak =
        i64::try_from(fnv1a(&format!("{}/{lb}", route.service.name())) % 100).unwrap_or(0);
    class + length * 100 + tiebreak
}

/// Gives every conditional ALB route without a priority its derived one,
/// moving it up by one while the priority is taken (by a route that sets its
/// own, or by a route that derived it first, in order of service name).
fn assign_priorities(planned: &mut [Planned], lb: &str) {
    let mut taken: Vec<i64> = planned.iter().filter_map(|p| p.priority).collect();
    let mut order: Vec<(i64, String, usize)> = planned
        .iter()
        .enumerate()
        .filter(|(_, p)| p.priority.is_none() && !is_catch_all(p.route))
        .map(|(index, p)| (derived_priority(p, lb), p.service.name().to_string(), index))
        .collect();
    order.sort();
    for (mut priority, _, index) in order {
        while taken.contains(&priority) {
            priority += 1;
        }
        taken.push(priority);
        if let Some(route) = planned.get_mut(index) {
            route.priority = Some(priority);
        }
    }
}

fn security_group(lowering: &mut Lowering, lb: &Obj, vpc_id: &Json, vpc_cidr: Option<Json>) {
    let id = cfn::logical_id(&[lb.name(), "LoadBalancerSecurityGroup"]);
    let public = lb.bool("public").unwrap_or(true);
    enum Source {
        Cidr(Json, String),
        Group(Json, String),
    }
    let mut sources = Vec::new();
    match lb.get("allow").map(|v| &v.value) {
        Some(Value::List(items)) => {
            for item in items {
                match &item.value {
                    Value::Ref { name, .. } => {
                        let Some(service) = lowering.typed.get("service", name) else {
                            continue;
                        };
                        // Bridge and host services share their instances'
                        // group: one rule per group, or EC2 refuses the duplicate.
                        for group in super::compute::task_security_groups(lowering.typed, service) {
                            let source = group.group_id();
                            if sources
                                .iter()
                                .any(|s| matches!(s, Source::Group(g, _) if *g == source))
                            {
                                continue;
                            }
                            let what = if group.is_instance_group() {
                                format!(
                                    "service {name} (instances of capacity {})",
                                    group.owner.name()
                                )
                            } else {
                                format!("service {name}")
                            };
                            sources.push(Source::Group(source, what));
                        }
                    }
                    Value::Str(cidr) => sources.push(Source::Cidr(json!(cidr), cidr.clone())),
                    other => {
                        sources.push(Source::Cidr(super::value_json(other), "a parameter".into()))
                    }
                }
            }
        }
        _ if public => sources.push(Source::Cidr(json!("0.0.0.0/0"), "anywhere".into())),
        _ => {
            if let Some(cidr) = vpc_cidr {
                sources.push(Source::Cidr(cidr, "the VPC".into()));
            }
        }
    }
    let mut ingress = Vec::new();
    for listener in listeners(lb) {
        for source in &sources {
            let (key, value, what) = match source {
                Source::Cidr(cidr, what) => ("CidrIp", cidr, what),
                Source::Group(group, what) => ("SourceSecurityGroupId", group, what),
            };
            ingress.push(json!({
                "IpProtocol": "tcp",
                "FromPort": listener.port,
                "ToPort": listener.port,
                key: value,
                "Description": format!("{} from {what}", listener.protocol),
            }));
        }
    }
    lowering.add(
        id,
        Resource::new(
            "AWS::EC2::SecurityGroup",
            lb.span,
            json!({
                "GroupDescription": format!("Load balancer {}", lb.name()),
                "VpcId": vpc_id,
                "SecurityGroupIngress": ingress,
                "SecurityGroupEgress": no_egress(),
            }),
        ),
    );
}

fn load_balancer(
    lowering: &mut Lowering,
    lb: &Obj,
    network: &super::NetworkRefs,
    new_vpc: Option<&str>,
) {
    let alb = is_alb(lb);
    let public = lb.bool("public").unwrap_or(true);
    let flag = |value: bool| json!(if value { "true" } else { "false" });
    let mut attributes = vec![json!({
        "Key": "deletion_protection.enabled",
        "Value": flag(lb.bool("deletion_protection").unwrap_or(false)),
    })];
    if alb {
        if let Some(Value::Duration(seconds)) = lb.get("idle_timeout").map(|v| &v.value) {
            attributes.push(
                json!({ "Key": "idle_timeout.timeout_seconds", "Value": seconds.to_string() }),
            );
        }
        attributes.push(json!({
            "Key": "routing.http.drop_invalid_header_fields.enabled",
            "Value": flag(lb.bool("drop_invalid_headers").unwrap_or(true)),
        }));
    } else {
        attributes.push(json!({
            "Key": "load_balancing.cross_zone.enabled",
            "Value": flag(lb.bool("cross_zone").unwrap_or(true)),
        }));
    }
    if let Some(bucket) = lb.get("access_logs") {
        attributes.push(json!({ "Key": "access_logs.s3.enabled", "Value": "true" }));
        attributes.push(json!({ "Key": "access_logs.s3.bucket", "Value": lowering.json(bucket) }));
    }
    let subnets = if public {
        network.public_subnets.clone()
    } else {
        network.private_subnets.clone()
    };
    let mut resource = Resource::new(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        lb.span,
        json!({
            "Type": if alb { "application" } else { "network" },
            "Scheme": if public { "internet-facing" } else { "internal" },
            "Subnets": subnets,
            "SecurityGroups": [cfn::get_att(&cfn::logical_id(&[lb.name(), "LoadBalancerSecurityGroup"]), "GroupId")],
            "LoadBalancerAttributes": attributes,
            "Tags": [{ "Key": "ecsc:load-balancer", "Value": lb.name() }],
        }),
    );
    if let Some(v) = lb.get("type").filter(|v| !v.defaulted) {
        resource = resource.from_source("/Type", v.span);
    }
    if let Some(v) = lb.get("public").filter(|v| !v.defaulted) {
        resource = resource.from_source("/Scheme", v.span);
    }
    if let (true, Some(network)) = (public, new_vpc) {
        // Internet-facing load balancers need the internet gateway attached first.
        resource = resource.depends_on([cfn::logical_id(&[network, "PublicDefaultRoute"])]);
    }
    lowering.add(super::primary_id("load_balancer", lb.name()), resource);
}

fn listener_resource(
    lowering: &mut Lowering,
    lb: &Obj,
    listener: &crate::rules::traffic::Listener,
    forward_to: Option<&String>,
) {
    let all = listeners(lb);
    let action = if let Some(port) = listener.redirect {
        let protocol = all
            .iter()
            .find(|l| l.port == port)
            .map_or("HTTPS", |l| l.protocol);
        json!({
            "Type": "redirect",
            "RedirectConfig": {
                "Protocol": protocol,
                "Port": port.to_string(),
                "Host": "#{host}",
                "Path": "/#{path}",
                "Query": "#{query}",
                "StatusCode": "HTTP_301",
            },
        })
    } else if let Some(tg) = forward_to {
        json!({ "Type": "forward", "TargetGroupArn": cfn::reference(tg) })
    } else {
        json!({
            "Type": "fixed-response",
            "FixedResponseConfig": { "StatusCode": "404", "ContentType": "text/plain", "MessageBody": "Not found" },
        })
    };
    let mut properties = json!({
        "LoadBalancerArn": cfn::reference(&super::primary_id("load_balancer", lb.name())),
        "Port": listener.port,
        "Protocol": listener.protocol,
        "DefaultActions": [action],
    });
    if matches!(listener.protocol, "HTTPS" | "TLS")
        && let Some(map) = properties.as_object_mut()
    {
        if let Some(certificate) = listener.obj.get("certificate") {
            map.insert(
                "Certificates".into(),
                json!([{ "CertificateArn": lowering.json(certificate) }]),
            );
        }
        if let Some(policy) = listener.obj.get("ssl_policy") {
            map.insert("SslPolicy".into(), lowering.json(policy));
        }
    }
    let mut resource = Resource::new(
        "AWS::ElasticLoadBalancingV2::Listener",
        listener.obj.span,
        properties,
    );
    if let Some(label) = &listener.obj.label {
        resource = resource.from_source("/Port", label.span);
    }
    if let Some(certificate) = listener.obj.get("certificate") {
        resource = resource.from_source("/Certificates", certificate.span);
    }
    lowering.add(listener_id(lb.name(), listener.port), resource);
}

fn duration(obj: &Obj, field: &str) -> Option<u64> {
    match obj.get(field).map(|v| &v.value) {
        Some(Value::Duration(seconds)) => Some(*seconds),
        _ => None,
    }
}

fn target_group(lowering: &mut Lowering, lb: &Obj, route: &Planned, id: &str, vpc_id: &Json) {
    let alb = is_alb(lb);
    let awsvpc = route
        .service
        .str("network_mode")
        .is_none_or(|mode| mode == "awsvpc");
    let health = route.route.block("health");
    let get_int = |field: &str, default: i64| health.and_then(|h| h.int(field)).unwrap_or(default);
    let get_secs =
        |field: &str, default: u64| health.and_then(|h| duration(h, field)).unwrap_or(default);
    let http_check = alb || health.is_some_and(|h| h.is_set("path"));
    let mut properties = serde_json::Map::new();
    properties.insert("VpcId".into(), vpc_id.clone());
    properties.insert("Port".into(), json!(route.target.port));
    properties.insert("Protocol".into(), json!(if alb { "HTTP" } else { "TCP" }));
    properties.insert(
        "TargetType".into(),
        json!(if awsvpc { "ip" } else { "instance" }),
    );
    properties.insert("HealthCheckEnabled".into(), json!(true));
    properties.insert(
        "HealthCheckProtocol".into(),
        json!(if http_check { "HTTP" } else { "TCP" }),
    );
    let port = health
        .and_then(|h| h.int("port"))
        .map_or_else(|| json!("traffic-port"), |p| json!(p.to_string()));
    properties.insert("HealthCheckPort".into(), port);
    if http_check {
        let path = health
            .and_then(|h| h.get("path"))
            .map_or(json!("/"), |v| lowering.json(v));
        properties.insert("HealthCheckPath".into(), path);
        let codes = health
            .and_then(|h| h.get("codes"))
            .map_or(json!("200-399"), |v| lowering.json(v));
        properties.insert("Matcher".into(), json!({ "HttpCode": codes }));
    }
    properties.insert(
        "HealthCheckIntervalSeconds".into(),
        json!(get_secs("interval", 15)),
    );
    properties.insert(
        "HealthCheckTimeoutSeconds".into(),
        json!(get_secs("timeout", 5)),
    );
    properties.insert("HealthyThresholdCount".into(), json!(get_int("healthy", 2)));
    properties.insert(
        "UnhealthyThresholdCount".into(),
        json!(get_int("unhealthy", 3)),
    );
    let mut attributes = vec![json!({
        "Key": "deregistration_delay.timeout_seconds",
        "Value": duration(route.route, "deregistration_delay").unwrap_or(30).to_string(),
    })];
    match route.route.get("stickiness").map(|v| &v.value) {
        Some(Value::Bool(true)) if !alb => {
            attributes.push(json!({ "Key": "stickiness.enabled", "Value": "true" }));
            attributes.push(json!({ "Key": "stickiness.type", "Value": "source_ip" }));
        }
        Some(Value::Bool(true)) => attributes.extend(cookie(86_400)),
        Some(Value::Duration(seconds)) => attributes.extend(cookie(*seconds)),
        _ => {}
    }
    if let Some(seconds) = duration(route.route, "slow_start") {
        attributes
            .push(json!({ "Key": "slow_start.duration_seconds", "Value": seconds.to_string() }));
    }
    properties.insert("TargetGroupAttributes".into(), Json::Array(attributes));
    properties.insert(
        "Tags".into(),
        json!([
            { "Key": "ecsc:service", "Value": route.service.name() },
            { "Key": "ecsc:load-balancer", "Value": lb.name() },
        ]),
    );
    let mut resource = Resource::new(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        route.route.span,
        Json::Object(properties),
    );
    if let Some(v) = route.route.get("port") {
        resource = resource.from_source("/Port", v.span);
    }
    if let Some(health) = health {
        for (field, path) in [
            ("path", "/HealthCheckPath"),
            ("interval", "/HealthCheckIntervalSeconds"),
            ("timeout", "/HealthCheckTimeoutSeconds"),
            ("healthy", "/HealthyThresholdCount"),
            ("unhealthy", "/UnhealthyThresholdCount"),
        ] {
            if let Some(v) = health.get(field).filter(|v| !v.defaulted) {
                resource = resource.from_source(path, v.span);
            }
        }
    }
    lowering.add(id.to_string(), resource);
}

fn cookie(seconds: u64) -> Vec<Json> {
    vec![
        json!({ "Key": "stickiness.enabled", "Value": "true" }),
        json!({ "Key": "stickiness.type", "Value": "lb_cookie" }),
        json!({ "Key": "stickiness.lb_cookie.duration_seconds", "Value": seconds.to_string() }),
    ]
}

fn listener_rule(
    lowering: &mut Lowering,
    lb: &Obj,
    route: &Planned,
    id: &str,
    port: i64,
    tg: &str,
) {
    let values = |field: &str| -> Vec<Json> {
        match route.route.get(field).map(|v| &v.value) {
            Some(Value::List(items)) => items.iter().map(|v| lowering.json(v)).collect(),
            Some(_) => route
                .route
                .get(field)
                .map(|v| lowering.json(v))
                .into_iter()
                .collect(),
            None => Vec::new(),
        }
    };
    let mut conditions = Vec::new();
    let paths = values("path");
    if !paths.is_empty() {
        conditions
            .push(json!({ "Field": "path-pattern", "PathPatternConfig": { "Values": paths } }));
    }
    let hosts = values("host");
    if !hosts.is_empty() {
        conditions.push(json!({ "Field": "host-header", "HostHeaderConfig": { "Values": hosts } }));
    }
    let mut resource = Resource::new(
        "AWS::ElasticLoadBalancingV2::ListenerRule",
        route.route.span,
        json!({
            "ListenerArn": cfn::reference(&listener_id(lb.name(), port)),
            "Priority": route.priority.unwrap_or(1),
            "Conditions": conditions,
            "Actions": [{ "Type": "forward", "TargetGroupArn": cfn::reference(tg) }],
        }),
    );
    if let Some(v) = route.route.get("priority") {
        resource = resource.from_source("/Priority", v.span);
    }
    lowering.add(id.to_string(), resource);
}

/// The ports the load balancer must reach on the tasks: the traffic port
/// and, if different, the health check port.
fn task_ports(route: &Planned) -> Vec<i64> {
    let mut ports = vec![route.target.port];
    if let Some(port) = route.route.block("health").and_then(|h| h.int("port"))
        && port != route.target.port
    {
        ports.push(port);
    }
    ports
}

/// The load balancer may reach the service's tasks on their ports, and the
/// service admits only it there.
fn ingress(lowering: &mut Lowering, lb: &Obj, route: &Planned) {
    let service = route.service.name();
    let lb_group = cfn::get_att(
        &cfn::logical_id(&[lb.name(), "LoadBalancerSecurityGroup"]),
        "GroupId",
    );
    let ranges = receive_ranges(route.service, &task_ports(route));
    for group in super::compute::task_security_groups(lowering.typed, route.service) {
        // Instance security groups are shared by every bridge or host service
        // of a capacity: one rule per pair of groups and ports, or EC2
        // refuses the duplicate.
        let owner = group.owner.name();
        let task_group = group.group_id();
        for (from, to) in &ranges {
            let suffix = range_suffix(*from, *to);
            add_once(
                lowering,
                cfn::logical_id(&[owner, "IngressFrom", lb.name(), &suffix]),
                Resource::new(
                    "AWS::EC2::SecurityGroupIngress",
                    route.route.span,
                    json!({
                        "GroupId": task_group,
                        "IpProtocol": "tcp",
                        "FromPort": from,
                        "ToPort": to,
                        "SourceSecurityGroupId": lb_group,
                        "Description": format!("From load balancer {}", lb.name()),
                    }),
                ),
            );
            add_once(
                lowering,
                cfn::logical_id(&[lb.name(), "EgressTo", owner, &suffix]),
                Resource::new(
                    "AWS::EC2::SecurityGroupEgress",
                    route.route.span,
                    json!({
                        "GroupId": lb_group,
                        "IpProtocol": "tcp",
                        "FromPort": from,
                        "ToPort": to,
                        "DestinationSecurityGroupId": task_group,
                        "Description": if group.is_instance_group() {
                            format!("To instances of capacity {owner}")
                        } else {
                            format!("To service {service}")
                        },
                    }),
                ),
            );
        }
    }
}

/// Adds a resource unless one with the same ID exists (shared rules).
pub(super) fn add_once(lowering: &mut Lowering, id: String, resource: Resource) {
    if !lowering.template.resources.contains_key(&id) {
        lowering.add(id, resource);
    }
}

/// `8080`, or `32768To65535` for a range.
pub(super) fn range_suffix(from: i64, to: i64) -> String {
    if from == to {
        from.to_string()
    } else {
        format!("{from}To{to}")
    }
}

/// The port ranges a service's tasks receive traffic on: its container ports,
/// or for `bridge` tasks the ephemeral range ECS assigns dynamic host ports from.
pub(super) fn receive_ranges(service: &Obj, ports: &[i64]) -> Vec<(i64, i64)> {
    if crate::rules::compute::network_mode(service) == "bridge" {
        vec![(32768, 65535)]
    } else {
        ports.iter().map(|p| (*p, *p)).collect()
    }
}

/// Replaces the `url` attribute of load balancers (written as
/// `Fn::GetAtt [<Lb>LoadBalancer, Url]` by attribute lowering) with the
/// real URL: `https://` when the load balancer has an HTTPS or TLS listener.
pub fn resolve_urls(lowering: &mut Lowering) {
    let mut urls: IndexMap<String, Json> = IndexMap::new();
    for lb in lowering.typed.of_kind("load_balancer") {
        let all = listeners(lb);
        let secure = all.iter().find(|l| matches!(l.protocol, "HTTPS" | "TLS"));
        let id = super::primary_id("load_balancer", lb.name());
        let (scheme, port) = match secure {
            Some(l) => (
                if l.protocol == "TLS" { "tls" } else { "https" },
                (l.port != 443).then_some(l.port),
            ),
            None => {
                let plain = all.first();
                let scheme = if is_alb(lb) { "http" } else { "tcp" };
                (scheme, plain.map(|l| l.port).filter(|p| *p != 80))
            }
        };
        let port = port.map(|p| format!(":{p}")).unwrap_or_default();
        urls.insert(
            id.clone(),
            cfn::sub(&format!("{scheme}://${{{id}.DNSName}}{port}")),
        );
    }
    if urls.is_empty() {
        return;
    }
    for resource in lowering.template.resources.values_mut() {
        replace_urls(&mut resource.properties, &urls);
    }
    for output in lowering.template.outputs.values_mut() {
        replace_urls(&mut output.value, &urls);
    }
}

fn replace_urls(json: &mut Json, urls: &IndexMap<String, Json>) {
    if let Some(url) = url_target(json).and_then(|id| urls.get(id)) {
        *json = url.clone();
        return;
    }
    match json {
        Json::Array(items) => items.iter_mut().for_each(|item| replace_urls(item, urls)),
        Json::Object(map) => map.values_mut().for_each(|item| replace_urls(item, urls)),
        _ => {}
    }
}

fn url_target(json: &Json) -> Option<&str> {
    let args = json.as_object()?.get("Fn::GetAtt")?.as_array()?;
    match args.as_slice() {
        [id, attribute] if attribute == "Url" => id.as_str(),
        _ => None,
    }
}
