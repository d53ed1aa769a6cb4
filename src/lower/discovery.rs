//! Lowers service discovery: an `AWS::ServiceDiscovery::PrivateDnsNamespace`
//! per `namespace` declaration and per domain named only in a service's
//! `discovery = "record.domain"`, an `AWS::ServiceDiscovery::Service` per
//! registered service (A records for `awsvpc` tasks, SRV records for
//! `bridge` and `host`), the service's `ServiceRegistries`, and the ingress
//! rules of `allow_from`.

use super::Lowering;
use super::compute::task_security_groups;
use super::load_balancer::{add_once, range_suffix, receive_ranges};
use crate::cfn::{self, Resource};
use crate::rules::traffic::{container_ports, namespace_domain, registration, service_network};
use crate::types::{Obj, Value};
use indexmap::IndexMap;
use serde_json::{Value as Json, json};

/// The logical ID of the namespace of a domain not declared by a `namespace`.
fn implicit_namespace_id(domain: &str) -> String {
    cfn::logical_id(&[domain, "Namespace"])
}

/// Lowers namespaces, registrations and `allow_from`.
pub fn lower(lowering: &mut Lowering) {
    let typed = lowering.typed;
    // Namespace logical ID -> (TTL seconds).
    let mut ttls: IndexMap<String, u64> = IndexMap::new();
    for namespace in typed.of_kind("namespace") {
        let users = crate::rules::traffic::namespace_users(typed, namespace);
        let Some(network) = crate::rules::traffic::home_network(typed, namespace, &users) else {
            continue;
        };
        let id = super::primary_id("namespace", namespace.name());
        let vpc = lowering
            .networks
            .get(network)
            .map_or(Json::Null, |n| n.vpc_id.clone());
        let mut resource = Resource::new(
            "AWS::ServiceDiscovery::PrivateDnsNamespace",
            namespace.span,
            json!({
                "Name": namespace_domain(namespace),
                "Vpc": vpc,
                "Description": format!("Service discovery namespace {}", namespace.name()),
            }),
        );
        if let Some(domain) = namespace.get("domain") {
            resource = resource.from_source("/Name", domain.span);
        }
        lowering.add(id.clone(), resource);
        let ttl = match namespace.get("ttl").map(|v| &v.value) {
            Some(Value::Duration(seconds)) => *seconds,
            _ => 10,
        };
        ttls.insert(id, ttl);
    }
    for service in typed.of_kind("service") {
        let Some(registration) = registration(typed, service) else {
            continue;
        };
        let namespace = match &registration.namespace {
            Some(name) => super::primary_id("namespace", name),
            None => {
                let id = implicit_namespace_id(&registration.domain);
                if !lowering.template.resources.contains_key(&id) {
                    let vpc = service_network(typed, service)
                        .and_then(|n| lowering.networks.get(n))
                        .map_or(Json::Null, |n| n.vpc_id.clone());
                    let span = service.get("discovery").map_or(service.span, |v| v.span);
                    lowering.add(
                        id.clone(),
                        Resource::new(
                            "AWS::ServiceDiscovery::PrivateDnsNamespace",
                            span,
                            json!({
                                "Name": registration.domain,
                                "Vpc": vpc,
                                "Description": format!("Service discovery namespace {}", registration.domain),
                            }),
                        ),
                    );
                    ttls.insert(id.clone(), 10);
                }
                id
            }
        };
        let ttl = ttls.get(&namespace).copied().unwrap_or(10);
        register(lowering, service, &registration.record, &namespace, ttl);
    }
    for service in typed.of_kind("service") {
        allow_from(lowering, service);
    }
}

fn register(lowering: &mut Lowering, service: &Obj, record: &str, namespace: &str, ttl: u64) {
    let name = service.name();
    let awsvpc = service
        .str("network_mode")
        .is_none_or(|mode| mode == "awsvpc");
    let id = cfn::logical_id(&[name, "DiscoveryService"]);
    let span = service.get("discovery").map_or(service.span, |v| v.span);
    lowering.add(
        id.clone(),
        Resource::new(
            "AWS::ServiceDiscovery::Service",
            span,
            json!({
                "Name": record,
                "NamespaceId": cfn::get_att(namespace, "Id"),
                "Description": format!("Tasks of service {name}"),
                "DnsConfig": {
                    "DnsRecords": [{ "Type": if awsvpc { "A" } else { "SRV" }, "TTL": ttl }],
                    "RoutingPolicy": "MULTIVALUE",
                },
                "HealthCheckCustomConfig": { "FailureThreshold": 1 },
            }),
        )
        .from_source("/Name", span),
    );
    let mut entry = json!({ "RegistryArn": cfn::get_att(&id, "Arn") });
    if !awsvpc {
        let target = service.blocks("container").iter().find_map(|c| {
            container_ports(c)
                .first()
                .map(|p| (c.name().to_string(), *p))
        });
        if let (Some((container, port)), Some(map)) = (target, entry.as_object_mut()) {
            map.insert("ContainerName".into(), json!(container));
            map.insert("ContainerPort".into(), json!(port));
        }
    }
    let service_id = super::primary_id("service", name);
    if let Some(properties) = lowering
        .template
        .resources
        .get_mut(&service_id)
        .and_then(|r| r.properties.as_object_mut())
    {
        properties.insert("ServiceRegistries".into(), json!([entry]));
    }
}

/// `allow_from = [web]`: the listed services may connect to this service's
/// tasks on the ports its containers listen on (for `bridge` tasks, the
/// dynamic host port range of its instances).
fn allow_from(lowering: &mut Lowering, service: &Obj) {
    let Some(Value::List(callers)) = service.get("allow_from").map(|v| &v.value) else {
        return;
    };
    let mut ports: Vec<i64> = Vec::new();
    for container in service.blocks("container") {
        for port in container_ports(container) {
            if !ports.contains(&port) {
                ports.push(port);
            }
        }
    }
    let ranges = receive_ranges(service, &ports);
    let typed = lowering.typed;
    let targets = task_security_groups(typed, service);
    for caller in callers {
        let Value::Ref {
            name: caller_name, ..
        } = &caller.value
        else {
            continue;
        };
        let Some(caller_obj) = typed.get("service", caller_name) else {
            continue;
        };
        let sources = task_security_groups(typed, caller_obj);
        for target in &targets {
            for source in &sources {
                let owner = target.owner.name();
                let from = source.owner.name();
                let description = if source.is_instance_group() {
                    format!("From service {caller_name} (instances of capacity {from})")
                } else {
                    format!("From service {caller_name}")
                };
                for (low, high) in &ranges {
                    add_once(
                        lowering,
                        cfn::logical_id(&[owner, "IngressFrom", from, &range_suffix(*low, *high)]),
                        Resource::new(
                            "AWS::EC2::SecurityGroupIngress",
                            caller.span,
                            json!({
                                "GroupId": target.group_id(),
                                "IpProtocol": "tcp",
                                "FromPort": low,
                                "ToPort": high,
                                "SourceSecurityGroupId": source.group_id(),
                                "Description": description,
                            }),
                        ),
                    );
                }
            }
        }
    }
}
