//! Load balancers, routes and service discovery: the rules, and the facts
//! about routes that lowering shares (which container and port a route
//! sends to, which listeners it attaches to, which network a load balancer
//! or namespace lives in).
//!
//! Codes: E3301 route port not exposed, E3302 too many routes, E3303
//! listener rule conflict, E3304 rule priority out of range, E3305 health
//! check settings, E3306 target group settings, E3307 listener certificate,
//! E3308 redirect target, E3309 listener protocol, E3310 listener ports,
//! E3311 route listener, E3312 ALB-only route option on an NLB, E3313 too
//! many rule conditions, E3314 network of a load balancer or namespace,
//! E3315 internal load balancer without `allow`, E3316 discovery name,
//! E3326 NLB listener without a route, W3303 load balancer without routes,
//! W3304 more listener rules on one ALB than the default quota.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::span::Span;
use crate::types::{Obj, Typed, Value};
use indexmap::IndexMap;

/// Most target groups (routes) one ECS service may have.
pub const MAX_ROUTES_PER_SERVICE: usize = 5;
/// Most path and host values one ALB listener rule may test.
pub const MAX_RULE_CONDITION_VALUES: usize = 5;
/// Listener rules one application load balancer may have by default
/// (Service Quotas: "Rules per Application Load Balancer", default rules
/// not counted; adjustable).
pub const MAX_RULES_PER_ALB: usize = 100;
/// Listener rule priorities.
pub const PRIORITY_RANGE: std::ops::RangeInclusive<i64> = 1..=50000;

/// True for an application load balancer.
pub fn is_alb(lb: &Obj) -> bool {
    lb.str("type").is_none_or(|t| t == "application")
}

/// The TCP ports a container listens on: `port` and the TCP entries of `ports`.
pub fn container_ports(container: &Obj) -> Vec<i64> {
    let mut ports = Vec::new();
    if let Some(port) = container.int("port") {
        ports.push(port);
    }
    if let Some(Value::List(items)) = container.get("ports").map(|v| &v.value) {
        for item in items {
            let port = match &item.value {
                Value::Int(port) => Some(*port),
                Value::Str(text) => match text.split_once('/') {
                    Some((port, protocol)) if protocol.eq_ignore_ascii_case("tcp") => {
                        port.trim().parse().ok()
                    }
                    None => text.trim().parse().ok(),
                    _ => None,
                },
                _ => None,
            };
            if let Some(port) = port.filter(|p| !ports.contains(p)) {
                ports.push(port);
            }
        }
    }
    ports
}

/// A listener of a load balancer, with its protocol worked out.
#[derive(Debug, Clone)]
pub struct Listener<'a> {
    /// The block.
    pub obj: &'a Obj,
    /// Its port.
    pub port: i64,
    /// `HTTP`, `HTTPS`, `TCP` or `TLS`.
    pub protocol: &'static str,
    /// The port it redirects to, if it is a redirect.
    pub redirect: Option<i64>,
}

/// The listeners of a load balancer, in source order.
pub fn listeners(lb: &Obj) -> Vec<Listener<'_>> {
    let alb = is_alb(lb);
    lb.blocks("listener")
        .iter()
        .filter_map(|obj| {
            let port = match obj.label.as_ref().map(|l| &l.value) {
                Some(Value::Int(port)) => *port,
                _ => return None,
            };
            let tls = obj.get("certificate").is_some();
            let protocol = match obj.str("protocol") {
                Some("http") => "HTTP",
                Some("https") => "HTTPS",
                Some("tcp") => "TCP",
                Some("tls") => "TLS",
                _ => match (alb, tls) {
                    (true, true) => "HTTPS",
                    (true, false) => "HTTP",
                    (false, true) => "TLS",
                    (false, false) => "TCP",
                },
            };
            Some(Listener {
                obj,
                port,
                protocol,
                redirect: obj.int("redirect"),
            })
        })
        .collect()
}

/// Where a route sends traffic.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The container's name.
    pub container: String,
    /// The container port.
    pub port: i64,
}

/// The container and port a route sends to, if the service has them.
pub fn route_target(service: &Obj, route: &Obj) -> Option<Target> {
    let containers = service.blocks("container");
    let found = match (route.str("container"), route.int("port")) {
        (Some(name), Some(port)) => containers
            .iter()
            .find(|c| c.name() == name)
            .filter(|c| container_ports(c).contains(&port))
            .map(|c| (c, port)),
        (Some(name), None) => containers
            .iter()
            .find(|c| c.name() == name)
            .and_then(|c| container_ports(c).first().map(|p| (c, *p))),
        (None, Some(port)) => containers
            .iter()
            .find(|c| container_ports(c).contains(&port))
            .map(|c| (c, port)),
        (None, None) => containers
            .iter()
            .find_map(|c| container_ports(c).first().map(|p| (c, *p))),
    };
    found.map(|(container, port)| Target {
        container: container.name().to_string(),
        port,
    })
}

/// Why a route cannot be attached to a listener.
#[derive(Debug, Clone, PartialEq)]
pub enum ListenerProblem {
    /// `listener = N` names no listener.
    Unknown(i64),
    /// `listener = N` names a redirecting listener.
    Redirects(i64),
    /// The load balancer has no listener that forwards.
    NoneForwards,
    /// An NLB has several listeners and none is on the route's port.
    Ambiguous,
}

/// The ports of the listeners a route attaches to.
pub fn route_listeners(
    lb: &Obj,
    route: &Obj,
    target_port: Option<i64>,
) -> Result<Vec<i64>, ListenerProblem> {
    let all = listeners(lb);
    if let Some(port) = route.int("listener") {
        return match all.iter().find(|l| l.port == port) {
            None => Err(ListenerProblem::Unknown(port)),
            Some(l) if l.redirect.is_some() => Err(ListenerProblem::Redirects(port)),
            Some(_) => Ok(vec![port]),
        };
    }
    let mut forwarding: Vec<i64> = Vec::new();
    for listener in all.iter().filter(|l| l.redirect.is_none()) {
        if !forwarding.contains(&listener.port) {
            forwarding.push(listener.port);
        }
    }
    if forwarding.is_empty() {
        return Err(ListenerProblem::NoneForwards);
    }
    if is_alb(lb) {
        return Ok(forwarding);
    }
    if let Some(port) = target_port.filter(|p| forwarding.contains(p)) {
        return Ok(vec![port]);
    }
    match forwarding.as_slice() {
        [only] => Ok(vec![*only]),
        _ => Err(ListenerProblem::Ambiguous),
    }
}

/// The text values of a `String | list(String)` field (parameters count as one value each).
pub fn values_count(obj: &Obj, field: &str) -> usize {
    match obj.get(field).map(|v| &v.value) {
        Some(Value::List(items)) => items.len(),
        Some(_) => 1,
        None => 0,
    }
}

/// The literal text values of a `String | list(String)` field.
pub fn text_values(obj: &Obj, field: &str) -> Vec<String> {
    match obj.get(field).map(|v| &v.value) {
        Some(Value::Str(text)) => vec![text.clone()],
        Some(Value::List(items)) => items
            .iter()
            .filter_map(|v| match &v.value {
                Value::Str(text) => Some(text.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// True when a route has no path or host condition (it takes everything).
pub fn is_catch_all(route: &Obj) -> bool {
    values_count(route, "path") == 0 && values_count(route, "host") == 0
}

/// Every route in the program: (service, route, load balancer).
pub fn routes(typed: &Typed) -> Vec<(&Obj, &Obj, &Obj)> {
    let mut all = Vec::new();
    for service in typed.of_kind("service") {
        for route in service.blocks("route") {
            if let Some(lb) = typed.get("load_balancer", route.name()) {
                all.push((service, route, lb));
            }
        }
    }
    all
}

/// The network a service runs in (through its cluster).
pub fn service_network<'a>(typed: &'a Typed, service: &Obj) -> Option<&'a str> {
    let cluster = typed.get("cluster", service.reference("cluster")?)?;
    cluster.reference("network")
}

/// The network a load balancer or namespace lives in: its `network`, else
/// the network of its first user, else the program's only network.
pub fn home_network<'a>(typed: &'a Typed, obj: &'a Obj, users: &[&'a Obj]) -> Option<&'a str> {
    if let Some(network) = obj.reference("network") {
        return Some(network);
    }
    if let Some(network) = users.iter().find_map(|s| service_network(typed, s)) {
        return Some(network);
    }
    let mut networks = typed.of_kind("network");
    match (networks.next(), networks.next()) {
        (Some(only), None) => Some(only.name()),
        _ => None,
    }
}

/// The services that route through a load balancer.
pub fn lb_users<'a>(typed: &'a Typed, lb: &Obj) -> Vec<&'a Obj> {
    let mut users: Vec<&Obj> = Vec::new();
    for service in typed.of_kind("service") {
        if service
            .blocks("route")
            .iter()
            .any(|r| r.name() == lb.name())
            && !users.iter().any(|u| u.name() == service.name())
        {
            users.push(service);
        }
    }
    users
}

/// How a service registers in Cloud Map: the record name and the namespace's domain.
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    /// The service's record, e.g. `api`.
    pub record: String,
    /// The namespace's domain, e.g. `shop.local`.
    pub domain: String,
    /// The `namespace` declaration, if one declares the domain.
    pub namespace: Option<String>,
}

/// The domain of a `namespace` declaration.
pub fn namespace_domain(namespace: &Obj) -> String {
    namespace.str("domain").map_or_else(
        || format!("{}.local", namespace.name().replace('_', "-")),
        str::to_string,
    )
}

/// The services registered in the `namespace` declaration `namespace`.
pub fn namespace_users<'a>(typed: &'a Typed, namespace: &Obj) -> Vec<&'a Obj> {
    typed
        .of_kind("service")
        .filter(|s| {
            registration(typed, s).and_then(|r| r.namespace).as_deref() == Some(namespace.name())
        })
        .collect()
}

/// How a service registers, if it has `discovery`.
pub fn registration(typed: &Typed, service: &Obj) -> Option<Registration> {
    match &service.get("discovery")?.value {
        Value::Ref { name, .. } => {
            let namespace = typed.get("namespace", name)?;
            Some(Registration {
                record: service.name().replace('_', "-"),
                domain: namespace_domain(namespace),
                namespace: Some(name.clone()),
            })
        }
        Value::Str(text) => {
            let (record, domain) = text.trim_end_matches('.').split_once('.')?;
            let namespace = typed
                .of_kind("namespace")
                .find(|n| namespace_domain(n).eq_ignore_ascii_case(domain))
                .map(|n| n.name().to_string());
            Some(Registration {
                record: record.to_string(),
                domain: domain.to_ascii_lowercase(),
                namespace,
            })
        }
        _ => None,
    }
}

fn label_span(obj: &Obj) -> Span {
    obj.label.as_ref().map_or(obj.head, |l| l.span)
}

fn span_of(obj: &Obj, field: &str) -> Span {
    obj.get(field).map_or(obj.head, |v| v.span)
}

/// E3307, E3308, E3309, E3310, W3303: listeners.
pub fn listeners_rule(typed: &Typed, diags: &mut Diagnostics) {
    for lb in typed.of_kind("load_balancer") {
        let alb = is_alb(lb);
        let all = listeners(lb);
        if lb.blocks("listener").is_empty() {
            let example = if alb {
                "listener 80 { protocol = http }"
            } else {
                "listener 5432 { protocol = tcp }"
            };
            diags.push(
                Diagnostic::new(
                    Code::E3310,
                    lb.head,
                    format!("load balancer `{}` has no listener", lb.name()),
                )
                .with_primary_label("it would accept no connections")
                .with_help(format!("add a listener, e.g. `{example}`")),
            );
        }
        let mut seen: IndexMap<i64, Span> = IndexMap::new();
        for listener in &all {
            let span = label_span(listener.obj);
            if let Some(first) = seen.get(&listener.port) {
                diags.push(
                    Diagnostic::new(
                        Code::E3310,
                        span,
                        format!("two listeners on port {}", listener.port),
                    )
                    .with_primary_label("declared again here")
                    .with_label(*first, "first declared here")
                    .with_help("a load balancer has one listener per port; merge them"),
                );
                continue;
            }
            seen.insert(listener.port, span);
            let protocol_span = span_of(listener.obj, "protocol");
            let wrong_protocol = match (alb, listener.protocol) {
                (true, "TCP" | "TLS") => Some(("an application", "http` or `https")),
                (false, "HTTP" | "HTTPS") => Some(("a network", "tcp` or `tls")),
                _ => None,
            };
            if let Some((what, valid)) = wrong_protocol {
                diags.push(
                    Diagnostic::new(
                        Code::E3309,
                        protocol_span,
                        format!(
                            "{what} load balancer cannot listen with `{}`",
                            listener.protocol.to_ascii_lowercase()
                        ),
                    )
                    .with_primary_label(format!("use `{valid}`"))
                    .with_help(if alb {
                        "for TCP or TLS traffic, declare a load balancer with `type = network`"
                    } else {
                        "for HTTP routing, declare a load balancer with `type = application`"
                    }),
                );
                continue;
            }
            let secure = matches!(listener.protocol, "HTTPS" | "TLS");
            if secure && listener.obj.get("certificate").is_none() {
                diags.push(
                    Diagnostic::new(
                        Code::E3307,
                        protocol_span,
                        format!(
                            "the {} listener on port {} has no certificate",
                            listener.protocol,
                            listener.port
                        ),
                    )
                    .with_primary_label("needs `certificate`")
                    .with_help(
                        "add `certificate = \"arn:aws:acm:...\"` (an ACM certificate ARN, or a `String` parameter)",
                    ),
                );
            }
            if !secure && let Some(cert) = listener.obj.get("certificate") {
                diags.push(
                    Diagnostic::new(
                        Code::E3307,
                        cert.span,
                        format!(
                            "the {} listener on port {} does not use a certificate",
                            listener.protocol, listener.port
                        ),
                    )
                    .with_primary_label("only `https` and `tls` listeners present certificates")
                    .with_help(format!(
                        "remove `protocol` to get `{}`, or remove the certificate",
                        if alb { "https" } else { "tls" }
                    )),
                );
            }
            if let Some(target) = listener.redirect {
                let span = span_of(listener.obj, "redirect");
                if !alb {
                    diags.push(
                        Diagnostic::new(
                            Code::E3308,
                            span,
                            "a network load balancer cannot redirect",
                        )
                        .with_primary_label("redirects are HTTP responses")
                        .with_help(
                            "remove `redirect`; only application load balancers answer HTTP",
                        ),
                    );
                } else if target == listener.port {
                    diags.push(
                        Diagnostic::new(Code::E3308, span, "a listener cannot redirect to itself")
                            .with_primary_label("this is its own port")
                            .with_help("redirect to another listener, e.g. from 80 to 443"),
                    );
                } else if !all.iter().any(|l| l.port == target) {
                    let ports: Vec<String> = all.iter().map(|l| l.port.to_string()).collect();
                    diags.push(
                        Diagnostic::new(
                            Code::E3308,
                            span,
                            format!("no listener on port {target} to redirect to"),
                        )
                        .with_primary_label(format!("`{}` listens on {}", lb.name(), ports.join(", ")))
                        .with_help(format!(
                            "add `listener {target} {{ certificate = \"arn:aws:acm:...\" }}`, or redirect to one of its listeners"
                        )),
                    );
                }
            }
        }
        let routed = routes(typed).iter().any(|(_, _, l)| l.name() == lb.name());
        if !alb {
            let mut attached: Vec<i64> = Vec::new();
            for (service, route, _) in routes(typed)
                .into_iter()
                .filter(|(_, _, l)| l.name() == lb.name())
            {
                let target = route_target(service, route).map(|t| t.port);
                attached.extend(route_listeners(lb, route, target).unwrap_or_default());
            }
            for listener in all.iter().filter(|l| !attached.contains(&l.port)) {
                diags.push(
                    Diagnostic::new(
                        Code::E3326,
                        label_span(listener.obj),
                        format!("no route uses the listener on port {}", listener.port),
                    )
                    .with_primary_label("a network load balancer listener must forward to a service")
                    .with_help(format!(
                        "add `route {} {{ port = ... }}` to the service that serves port {}, or remove the listener",
                        lb.name(),
                        listener.port
                    )),
                );
            }
            continue;
        }
        if !routed && !all.is_empty() && all.iter().any(|l| l.redirect.is_none()) {
            diags.push(
                Diagnostic::new(
                    Code::W3303,
                    lb.head,
                    format!("no service routes through load balancer `{}`", lb.name()),
                )
                .with_primary_label("every request would get a 404")
                .with_help(format!(
                    "add `route {} {{ ... }}` to a service, or remove the load balancer",
                    lb.name()
                )),
            );
        }
    }
}

/// E3301, E3302, E3311, E3312, E3313, E3304, E3303: routes.
pub fn routes_rule(typed: &Typed, diags: &mut Diagnostics) {
    for service in typed.of_kind("service") {
        let routes = service.blocks("route");
        if let Some(extra) = routes.get(MAX_ROUTES_PER_SERVICE) {
            diags.push(
                Diagnostic::new(
                    Code::E3302,
                    extra.head,
                    format!(
                        "service `{}` has {} routes; ECS allows {MAX_ROUTES_PER_SERVICE}",
                        service.name(),
                        routes.len()
                    ),
                )
                .with_primary_label("one route too many")
                .with_help("each route is a target group; an ECS service takes at most 5"),
            );
        }
        for route in routes {
            let Some(lb) = typed.get("load_balancer", route.name()) else {
                continue;
            };
            let target = route_target(service, route);
            if target.is_none() {
                route_port_missing(service, route, diags);
            }
            if let Err(problem) = route_listeners(lb, route, target.as_ref().map(|t| t.port)) {
                route_listener_problem(lb, route, &problem, diags);
            }
            route_options(lb, route, diags);
            if let Some(priority) = route.get("priority")
                && let Value::Int(n) = priority.value
                && !PRIORITY_RANGE.contains(&n)
            {
                diags.push(
                    Diagnostic::new(
                        Code::E3304,
                        priority.span,
                        format!("listener rule priority {n} is out of range"),
                    )
                    .with_primary_label("priorities are 1 to 50000")
                    .with_help(
                        "lower numbers are checked first; leave `priority` unset to derive one",
                    ),
                );
            }
        }
    }
    conflicts(typed, diags);
    rule_quota(typed, diags);
}

/// W3304: the listener rules of one application load balancer, counted as
/// lowering creates them (one per listener a path or host route attaches
/// to; catch-all routes are default actions, which the quota does not count).
fn rule_quota(typed: &Typed, diags: &mut Diagnostics) {
    let mut counts: IndexMap<&str, usize> = IndexMap::new();
    for (service, route, lb) in routes(typed) {
        if !is_alb(lb) || is_catch_all(route) {
            continue;
        }
        let port = route_target(service, route).map(|t| t.port);
        let Ok(ports) = route_listeners(lb, route, port) else {
            continue;
        };
        let count = counts.entry(lb.name()).or_default();
        let before = *count;
        *count += ports.len();
        if before <= MAX_RULES_PER_ALB && *count > MAX_RULES_PER_ALB {
            diags.push(
                Diagnostic::new(
                    Code::W3304,
                    route.head,
                    format!(
                        "load balancer `{}` gets more than {MAX_RULES_PER_ALB} listener rules",
                        lb.name()
                    ),
                )
                .with_primary_label(format!("this route brings it to {} rules", *count))
                .with_label(lb.head, "on this load balancer")
                .with_help(format!(
                    "an application load balancer has at most {MAX_RULES_PER_ALB} rules unless the \
                     quota was raised; attach each route to one listener (`listener = PORT`) \
                     or spread the services over several load balancers"
                )),
            );
        }
    }
}

fn route_port_missing(service: &Obj, route: &Obj, diags: &mut Diagnostics) {
    let containers = service.blocks("container");
    let exposed: Vec<String> = containers
        .iter()
        .flat_map(|c| {
            container_ports(c)
                .into_iter()
                .map(move |p| format!("`{}` on {p}", c.name()))
        })
        .collect();
    let (span, message, label) = match (route.get("container"), route.get("port")) {
        (Some(name), _)
            if !containers
                .iter()
                .any(|c| Some(c.name()) == route.str("container")) =>
        {
            (
                name.span,
                format!(
                    "service `{}` has no container `{}`",
                    service.name(),
                    route.str("container").unwrap_or_default()
                ),
                "no such container".to_string(),
            )
        }
        (Some(_), Some(port)) => (
            port.span,
            format!(
                "container `{}` does not listen on port {}",
                route.str("container").unwrap_or_default(),
                route.int("port").unwrap_or_default()
            ),
            format!(
                "not a port of `{}`",
                route.str("container").unwrap_or_default()
            ),
        ),
        (Some(name), None) => (
            name.span,
            format!(
                "container `{}` listens on no port",
                route.str("container").unwrap_or_default()
            ),
            "it has no `port`".to_string(),
        ),
        (None, Some(port)) => (
            port.span,
            format!(
                "no container of `{}` listens on port {}",
                service.name(),
                route.int("port").unwrap_or_default()
            ),
            "not exposed by any container".to_string(),
        ),
        (None, None) => (
            route.head,
            format!("no container of `{}` listens on a port", service.name()),
            "nothing to send traffic to".to_string(),
        ),
    };
    let help = if exposed.is_empty() {
        "give the container that serves the traffic a `port = ...`".to_string()
    } else {
        format!("the service listens on {}", exposed.join(", "))
    };
    diags.push(
        Diagnostic::new(Code::E3301, span, message)
            .with_primary_label(label)
            .with_help(help),
    );
}

fn route_listener_problem(
    lb: &Obj,
    route: &Obj,
    problem: &ListenerProblem,
    diags: &mut Diagnostics,
) {
    let ports: Vec<String> = listeners(lb)
        .iter()
        .filter(|l| l.redirect.is_none())
        .map(|l| l.port.to_string())
        .collect();
    let (span, message, help) = match problem {
        ListenerProblem::Unknown(port) => (
            span_of(route, "listener"),
            format!(
                "load balancer `{}` has no listener on port {port}",
                lb.name()
            ),
            format!("its forwarding listeners are on {}", or_none(&ports)),
        ),
        ListenerProblem::Redirects(port) => (
            span_of(route, "listener"),
            format!("the listener on port {port} only redirects"),
            format!(
                "attach the route to a forwarding listener: {}",
                or_none(&ports)
            ),
        ),
        ListenerProblem::NoneForwards => (
            route.head,
            format!(
                "load balancer `{}` has no listener that forwards traffic",
                lb.name()
            ),
            "add a listener without `redirect`".to_string(),
        ),
        ListenerProblem::Ambiguous => (
            route.head,
            format!(
                "network load balancer `{}` has several listeners, none on the route's port",
                lb.name()
            ),
            format!("choose one with `listener = ...`: {}", ports.join(", ")),
        ),
    };
    diags.push(
        Diagnostic::new(Code::E3311, span, message)
            .with_primary_label("the route attaches to no listener")
            .with_help(help),
    );
}

fn or_none(ports: &[String]) -> String {
    if ports.is_empty() {
        "none".into()
    } else {
        ports.join(", ")
    }
}

fn route_options(lb: &Obj, route: &Obj, diags: &mut Diagnostics) {
    if is_alb(lb) {
        let count = values_count(route, "path") + values_count(route, "host");
        if count > MAX_RULE_CONDITION_VALUES {
            let span = match (route.get("path"), route.get("host")) {
                (Some(path), Some(host)) => path.span.to(host.span),
                (Some(one), None) | (None, Some(one)) => one.span,
                (None, None) => route.head,
            };
            diags.push(
                Diagnostic::new(
                    Code::E3313,
                    span,
                    format!("the route tests {count} paths and hosts; a listener rule takes {MAX_RULE_CONDITION_VALUES}"),
                )
                .with_primary_label("too many condition values")
                .with_help("use wildcards (`/api/*`, `*.example.com`) or split the route across load balancers"),
            );
        }
        return;
    }
    let mut alb_only: Vec<(&str, Span)> = ["path", "host", "slow_start"]
        .iter()
        .filter_map(|field| route.get(field).map(|v| (*field, v.span)))
        .collect();
    if let Some(v) = route
        .get("stickiness")
        .filter(|v| matches!(v.value, Value::Duration(_)))
    {
        alb_only.push(("stickiness", v.span));
    }
    if let Some(health) = route.block("health")
        && let Some(v) = health.get("codes").filter(|v| !v.defaulted)
        && health.get("path").is_none_or(|p| p.defaulted)
    {
        alb_only.push(("codes", v.span));
    }
    for (field, span) in alb_only {
        let help = match field {
            "stickiness" => "on a network load balancer, `stickiness = true` keeps a client on one task by source IP".to_string(),
            "codes" => "status codes apply to HTTP checks: also set the health check `path`".to_string(),
            _ => format!("remove `{field}`, or route through a load balancer with `type = application`"),
        };
        diags.push(
            Diagnostic::new(
                Code::E3312,
                span,
                format!("`{field}` needs an application load balancer"),
            )
            .with_primary_label(format!("`{}` is a network load balancer", lb.name()))
            .with_help(help),
        );
    }
}

/// E3303: explicit priorities that collide, and two catch-all routes on one listener.
fn conflicts(typed: &Typed, diags: &mut Diagnostics) {
    // (load balancer, listener port) -> (priority -> first route's span)
    let mut priorities: IndexMap<(String, i64), IndexMap<i64, (Span, String)>> = IndexMap::new();
    let mut catch_alls: IndexMap<(String, i64), (Span, String)> = IndexMap::new();
    for (service, route, lb) in routes(typed) {
        let target = route_target(service, route);
        let Ok(ports) = route_listeners(lb, route, target.map(|t| t.port)) else {
            continue;
        };
        for port in ports {
            let key = (lb.name().to_string(), port);
            let catch_all = !is_alb(lb) || is_catch_all(route);
            if catch_all {
                if let Some((first, other)) = catch_alls.get(&key) {
                    let help = if is_alb(lb) {
                        "give one of them a `path` or `host`, so the listener can tell them apart"
                    } else {
                        "a network load balancer listener forwards to one service; add another listener and `listener = ...`"
                    };
                    diags.push(
                        Diagnostic::new(
                            Code::E3303,
                            route.head,
                            format!(
                                "`{}` and `{other}` both take all traffic of listener {port} on `{}`",
                                service.name(),
                                lb.name()
                            ),
                        )
                        .with_primary_label("takes every request")
                        .with_label(*first, "so does this route")
                        .with_help(help),
                    );
                } else {
                    catch_alls.insert(key.clone(), (route.head, service.name().to_string()));
                }
                continue;
            }
            let Some(priority) = route.get("priority") else {
                continue;
            };
            let Value::Int(n) = priority.value else {
                continue;
            };
            let taken = priorities.entry(key).or_default();
            if let Some((first, other)) = taken.get(&n) {
                diags.push(
                    Diagnostic::new(
                        Code::E3303,
                        priority.span,
                        format!(
                            "listener {port} of `{}` has two rules with priority {n}",
                            lb.name()
                        ),
                    )
                    .with_primary_label(format!("`{}` uses {n}", service.name()))
                    .with_label(*first, format!("so does `{other}`"))
                    .with_help(
                        "priorities must be unique per listener; change one, or leave it unset",
                    ),
                );
            } else {
                taken.insert(n, (priority.span, service.name().to_string()));
            }
        }
    }
}

/// E3305, E3306: health check and target group settings.
pub fn target_group_rule(typed: &Typed, diags: &mut Diagnostics) {
    for (_, route, _) in routes(typed) {
        let duration = |obj: &Obj, field: &str| match obj.get(field).map(|v| &v.value) {
            Some(Value::Duration(seconds)) => Some(*seconds),
            _ => None,
        };
        let mut out_of_range =
            |code: Code, obj: &Obj, field: &str, what: &str, low: u64, high: u64, unit: &str| {
                let value = match obj.get(field).map(|v| &v.value) {
                    Some(Value::Duration(n)) => Some(*n as i64),
                    Some(Value::Int(n)) => Some(*n),
                    _ => None,
                };
                if let Some(value) = value
                    && (value < low as i64 || value > high as i64)
                {
                    diags.push(
                        Diagnostic::new(
                            code,
                            span_of(obj, field),
                            format!("{what} {value}{unit} is out of range"),
                        )
                        .with_primary_label(format!("must be {low}{unit} to {high}{unit}"))
                        .with_help(format!(
                            "set `{field}` between {low}{unit} and {high}{unit}"
                        )),
                    );
                }
            };
        out_of_range(
            Code::E3306,
            route,
            "deregistration_delay",
            "a deregistration delay of",
            0,
            3600,
            "s",
        );
        out_of_range(
            Code::E3306,
            route,
            "slow_start",
            "a slow start of",
            30,
            900,
            "s",
        );
        if let Some(Value::Duration(_)) = route.get("stickiness").map(|v| &v.value) {
            out_of_range(
                Code::E3306,
                route,
                "stickiness",
                "a stickiness cookie lifetime of",
                1,
                604_800,
                "s",
            );
        }
        let Some(health) = route.block("health") else {
            continue;
        };
        out_of_range(
            Code::E3305,
            health,
            "interval",
            "a health check interval of",
            5,
            300,
            "s",
        );
        out_of_range(
            Code::E3305,
            health,
            "timeout",
            "a health check timeout of",
            2,
            120,
            "s",
        );
        out_of_range(
            Code::E3305,
            health,
            "healthy",
            "a healthy threshold of",
            2,
            10,
            "",
        );
        out_of_range(
            Code::E3305,
            health,
            "unhealthy",
            "an unhealthy threshold of",
            2,
            10,
            "",
        );
        out_of_range(
            Code::E3305,
            health,
            "grace",
            "a health check grace period of",
            0,
            2_147_483_647,
            "s",
        );
        if let (Some(interval), Some(timeout)) =
            (duration(health, "interval"), duration(health, "timeout"))
            && timeout >= interval
            && (2..=120).contains(&timeout)
            && (5..=300).contains(&interval)
        {
            diags.push(
                    Diagnostic::new(
                        Code::E3305,
                        span_of(health, "timeout"),
                        format!("a health check timeout of {timeout}s is not shorter than its interval of {interval}s"),
                    )
                    .with_primary_label("must be less than `interval`")
                    .with_label(span_of(health, "interval"), "the interval")
                    .with_help("a check must finish before the next one starts"),
                );
        }
        if let Some(codes) = health.get("codes")
            && let Value::Str(text) = &codes.value
            && !valid_codes(text)
        {
            diags.push(
                Diagnostic::new(
                    Code::E3305,
                    codes.span,
                    format!("`{text}` is not a list of HTTP status codes"),
                )
                .with_primary_label(
                    "expected codes 200 to 499: `\"200\"`, `\"200-299\"`, `\"200,204\"`",
                )
                .with_help("write single codes and ranges separated by commas"),
            );
        }
    }
}

/// `200`, `200-299`, `200,204` with codes in 200..=499 (ALB) or 599 (NLB HTTP checks).
fn valid_codes(text: &str) -> bool {
    let code = |s: &str| {
        s.trim()
            .parse::<u16>()
            .ok()
            .filter(|c| (200..=599).contains(c))
    };
    !text.trim().is_empty()
        && text.split(',').all(|part| match part.split_once('-') {
            Some((low, high)) => matches!((code(low), code(high)), (Some(a), Some(b)) if a <= b),
            None => code(part).is_some(),
        })
}

/// E3314, E3315: the network of load balancers and namespaces.
pub fn network_rule(typed: &Typed, diags: &mut Diagnostics) {
    for lb in typed.of_kind("load_balancer") {
        if let Some(allow) = lb
            .get("allow")
            .filter(|v| !matches!(v.value, Value::List(_)))
        {
            diags.push(
                Diagnostic::new(Code::E3315, allow.span, "`allow` must be written as a list")
                    .with_primary_label("a list parameter cannot become security group rules")
                    .with_help("list the sources: `allow = [office_cidr, \"10.0.0.0/16\"]` (each may be a `String` parameter)"),
            );
        }
        let users = lb_users(typed, lb);
        check_home(typed, lb, "load balancer", &users, diags);
        let Some(network) = home_network(typed, lb, &users).and_then(|n| typed.get("network", n))
        else {
            continue;
        };
        let existing = network.get("vpc_id").is_some();
        let public = lb.bool("public").unwrap_or(true);
        if existing && public && network.get("public_subnets").is_none() {
            diags.push(
                Diagnostic::new(
                    Code::E3314,
                    span_of(lb, "public"),
                    format!("public load balancer `{}` needs public subnets", lb.name()),
                )
                .with_primary_label("internet-facing")
                .with_label(network.head, "this network lists no `public_subnets`")
                .with_help("add `public_subnets = [...]` to the network, or set `public = false`"),
            );
        }
        if existing && !public && lb.get("allow").is_none() {
            diags.push(
                Diagnostic::new(
                    Code::E3315,
                    lb.head,
                    format!("internal load balancer `{}` needs `allow`", lb.name()),
                )
                .with_primary_label("who may connect is unknown")
                .with_label(network.head, "the CIDR block of an existing VPC is not known to ecsc")
                .with_help("add `allow = [\"10.0.0.0/16\"]` (your VPC's CIDR block) or `allow = [some_service]`"),
            );
        }
    }
    for namespace in typed.of_kind("namespace") {
        let users = namespace_users(typed, namespace);
        check_home(typed, namespace, "namespace", &users, diags);
    }
    // A domain no `namespace` declares gets one namespace, in the network of
    // its first service.
    let mut implicit: IndexMap<String, (&Obj, &str)> = IndexMap::new();
    for service in typed.of_kind("service") {
        let Some(registration) = registration(typed, service) else {
            continue;
        };
        let (None, Some(network)) = (registration.namespace, service_network(typed, service))
        else {
            continue;
        };
        match implicit.get(&registration.domain) {
            Some((first, home)) if *home != network => diags.push(
                Diagnostic::new(
                    Code::E3314,
                    span_of(service, "discovery"),
                    format!(
                        "`{}` registers in `{}` from network `{network}`, but `{}` does from `{home}`",
                        service.name(),
                        registration.domain,
                        first.name()
                    ),
                )
                .with_primary_label("another network")
                .with_label(span_of(first, "discovery"), format!("the namespace is created in `{home}`"))
                .with_help("a private namespace serves one VPC; use another domain in each network"),
            ),
            Some(_) => {}
            None => {
                implicit.insert(registration.domain, (service, network));
            }
        }
    }
}

fn check_home(typed: &Typed, obj: &Obj, what: &str, users: &[&Obj], diags: &mut Diagnostics) {
    let Some(home) = home_network(typed, obj, users) else {
        diags.push(
            Diagnostic::new(
                Code::E3314,
                obj.head,
                format!(
                    "which network {what} `{}` belongs to is unknown",
                    obj.name()
                ),
            )
            .with_primary_label("no `network`, and no service uses it")
            .with_help("add `network = ...`"),
        );
        return;
    };
    for user in users {
        let Some(network) = service_network(typed, user) else {
            continue;
        };
        if network != home {
            diags.push(
                Diagnostic::new(
                    Code::E3314,
                    user.head,
                    format!(
                        "service `{}` runs in network `{network}`, but {what} `{}` is in `{home}`",
                        user.name(),
                        obj.name()
                    ),
                )
                .with_primary_label(format!("uses {what} `{}`", obj.name()))
                .with_label(obj.head, format!("in network `{home}`"))
                .with_help(format!("a {what} serves one VPC; declare one per network")),
            );
        }
    }
}

/// E3316: discovery names.
pub fn discovery_rule(typed: &Typed, diags: &mut Diagnostics) {
    let mut seen: IndexMap<String, (Span, String)> = IndexMap::new();
    for service in typed.of_kind("service") {
        let Some(value) = service.get("discovery") else {
            continue;
        };
        if let Value::Str(text) = &value.value
            && (!text.trim_end_matches('.').contains('.') || !valid_dns_name(text))
        {
            diags.push(
                Diagnostic::new(
                    Code::E3316,
                    value.span,
                    format!("`{text}` is not a name in a DNS domain"),
                )
                .with_primary_label("expected `<record>.<domain>`, e.g. `\"api.shop.local\"`")
                .with_help(
                    "use letters, digits and `-` in each label; the first label names the service",
                ),
            );
            continue;
        }
        let Some(registration) = registration(typed, service) else {
            continue;
        };
        if !valid_dns_name(&registration.record) {
            diags.push(
                Diagnostic::new(
                    Code::E3316,
                    value.span,
                    format!("`{}` is not a valid DNS record name", registration.record),
                )
                .with_primary_label("records are 1 to 63 letters, digits and `-`")
                .with_help("write `discovery = \"<record>.<domain>\"` to choose the record"),
            );
            continue;
        }
        let full = format!("{}.{}", registration.record, registration.domain);
        if let Some((first, other)) = seen.get(&full) {
            diags.push(
                Diagnostic::new(
                    Code::E3316,
                    value.span,
                    format!(
                        "`{other}` and `{}` both register as `{full}`",
                        service.name()
                    ),
                )
                .with_primary_label("registered again here")
                .with_label(*first, "first registered here")
                .with_help("give each service its own name in the namespace"),
            );
        } else {
            seen.insert(full, (value.span, service.name().to_string()));
        }
        if service.str("network_mode") == Some("bridge")
            && service
                .blocks("container")
                .iter()
                .all(|c| container_ports(c).is_empty())
        {
            diags.push(
                Diagnostic::new(
                    Code::E3316,
                    value.span,
                    format!(
                        "service `{}` uses bridge networking but listens on no port",
                        service.name()
                    ),
                )
                .with_primary_label("bridge tasks register SRV records, which need a port")
                .with_help("give a container a `port`"),
            );
        }
    }
}

/// Letters, digits and `-` in each dot-separated label of 1 to 63 characters.
fn valid_dns_name(name: &str) -> bool {
    let name = name.trim_end_matches('.');
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes() {
        assert!(valid_codes("200"));
        assert!(valid_codes("200-399"));
        assert!(valid_codes("200,204"));
        assert!(!valid_codes("ok"));
        assert!(!valid_codes("399-200"));
        assert!(!valid_codes("100"));
    }

    #[test]
    fn dns_names() {
        assert!(valid_dns_name("api.shop.local"));
        assert!(!valid_dns_name("api_x.shop.local"));
        assert!(!valid_dns_name("-a.local"));
    }
}
