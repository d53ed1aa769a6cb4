//! Lowering: the typed program -> a CloudFormation [`Template`].
//!
//! One submodule per construct, each adding the resources that deploy it.
//! Logical IDs derive only from declaration names (`api` ->
//! `ApiService`, `ApiTaskDefinition`), so adding, removing or reordering
//! other declarations never renames a resource. The template is complete:
//! every role, log group, security group and route it needs is generated.
//!
//! Codes: E9001 when two resources would get the same logical ID.

mod cluster;
pub mod container;
pub mod efs;
pub mod iam;
mod network;
pub mod repository;
pub mod secrets;
mod service;
// ---- compute and scheduling
pub mod capacity;
pub mod compute;
mod placement;
mod task;
// ---- traffic and scaling
mod autoscaling;
mod discovery;
mod exports;
mod load_balancer;

use crate::cfn::{self, Output, Parameter, Resource, Template};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::types::{Typed, Val, Value};
use indexmap::IndexMap;
use serde_json::{Value as Json, json};

pub use network::NetworkRefs;

/// State shared by the lowering of all constructs.
pub struct Lowering<'a> {
    /// The program being lowered.
    pub typed: &'a Typed,
    /// The template built so far.
    pub template: Template,
    /// Problems found while lowering (compiler bugs, mostly).
    pub diags: Diagnostics,
    /// The subnets and VPC of each network, by network name.
    pub networks: IndexMap<String, NetworkRefs>,
}

impl<'a> Lowering<'a> {
    /// Adds a resource; a second resource with the same ID is a bug.
    pub fn add(&mut self, id: String, resource: Resource) {
        if let Some(existing) = self.template.resources.get(&id) {
            self.diags.push(
                Diagnostic::new(
                    Code::E9001,
                    resource.span,
                    format!("two resources would be named `{id}`"),
                )
                .with_label(existing.span, "the other one comes from here")
                .with_help(
                    "rename one of the declarations; names that differ only in `_` or case collide",
                ),
            );
            return;
        }
        self.template.resources.insert(id, resource);
    }

    /// The JSON form of a value: literals as JSON, parameters as `Ref`,
    /// attributes as `Fn::GetAtt`.
    pub fn json(&self, val: &Val) -> Json {
        match &val.value {
            // An existing VPC has no VPC resource: its ID is what the user gave.
            Value::Attr { kind, decl, attr } if kind == "network" && attr == "id" => self
                .networks
                .get(decl)
                .map_or_else(|| value_json(&val.value), |network| network.vpc_id.clone()),
            _ => value_json(&val.value),
        }
    }
}

/// The JSON form of a value (see [`Lowering::json`]).
pub fn value_json(value: &Value) -> Json {
    match value {
        Value::Str(text) | Value::Enum(text) => json!(text),
        Value::Int(number) => json!(number),
        Value::Number(number) => json!(number),
        Value::Bool(flag) => json!(flag),
        Value::Memory(mib) => json!(mib),
        Value::Cpu(units) => json!(units),
        Value::Duration(seconds) => json!(seconds),
        Value::Percent(percent) => json!(percent),
        Value::Range(low, high) => json!([low, high]),
        Value::Ref { kind, name } => cfn::reference(&primary_id(kind, name)),
        Value::Param(name) => cfn::reference(&cfn::pascal(name)),
        Value::Attr { kind, decl, attr } => attribute(kind, decl, attr),
        Value::List(items) => Json::Array(items.iter().map(|v| value_json(&v.value)).collect()),
        Value::Map(entries) => Json::Object(
            entries
                .iter()
                .map(|(key, v)| (key.clone(), value_json(&v.value)))
                .collect(),
        ),
        Value::Blocks(_) | Value::Error => Json::Null,
    }
}

/// The logical ID of the main resource a declaration lowers to.
pub fn primary_id(kind: &str, name: &str) -> String {
    let suffix = match kind {
        "network" => "Vpc",
        "cluster" => "Cluster",
        "service" => "Service",
        "volume" => "FileSystem",
        "capacity" => "CapacityProvider",
        "task" => "Schedule",
        other => return cfn::logical_id(&[name, other]),
    };
    cfn::logical_id(&[name, suffix])
}

/// `decl.attr` as CloudFormation.
fn attribute(kind: &str, decl: &str, attr: &str) -> Json {
    match (kind, attr) {
        ("network", "id") => cfn::reference(&primary_id(kind, decl)),
        ("cluster", "name") => cfn::reference(&primary_id(kind, decl)),
        ("cluster", "arn") => cfn::get_att(&primary_id(kind, decl), "Arn"),
        ("service", "name") => cfn::get_att(&primary_id(kind, decl), "Name"),
        ("repository", "uri") => cfn::get_att(&primary_id(kind, decl), "RepositoryUri"),
        ("volume", "id") => cfn::reference(&primary_id(kind, decl)),
        ("capacity", "name") => cfn::reference(&primary_id(kind, decl)),
        ("load_balancer", "dns_name") => cfn::get_att(&primary_id(kind, decl), "DNSName"),
        ("load_balancer", "arn") => cfn::reference(&primary_id(kind, decl)),
        ("load_balancer", "zone_id") => {
            cfn::get_att(&primary_id(kind, decl), "CanonicalHostedZoneID")
        }
        _ => cfn::get_att(&primary_id(kind, decl), &cfn::pascal(attr)),
    }
}

/// Lowers a checked program. Call only when analysis found no errors.
pub fn lower(typed: &Typed) -> (Template, Diagnostics) {
    let mut lowering = Lowering {
        typed,
        template: Template {
            description: Some("Generated by ecsc from an .ecs program; do not edit.".into()),
            ..Template::default()
        },
        diags: Diagnostics::new(),
        networks: IndexMap::new(),
    };
    parameters(&mut lowering);
    network::lower(&mut lowering);
    cluster::lower(&mut lowering);
    capacity::lower(&mut lowering);
    service::lower(&mut lowering);
    task::lower(&mut lowering);
    repository::lower(&mut lowering);
    efs::lower(&mut lowering);
    load_balancer::lower(&mut lowering);
    discovery::lower(&mut lowering);
    autoscaling::lower(&mut lowering);
    // Keep last before outputs: builds role policies from every module's grants.
    iam::finish(&mut lowering);
    outputs(&mut lowering);
    if lowering.template.resources.is_empty() {
        // CloudFormation rejects a template without resources; a program of
        // only parameters and outputs still deploys, with this no-op handle.
        lowering.template.resources.insert(
            "Placeholder".to_string(),
            Resource::new(
                "AWS::CloudFormation::WaitConditionHandle",
                Default::default(),
                json!({}),
            ),
        );
    }
    load_balancer::resolve_urls(&mut lowering);
    (lowering.template, lowering.diags)
}

fn parameters(lowering: &mut Lowering) {
    for param in lowering.typed.params.values() {
        let default = param.default.as_ref().map(|d| match &d.value {
            Value::List(items) => json!(
                items
                    .iter()
                    .map(|v| value_json(&v.value)
                        .as_str()
                        .unwrap_or_default()
                        .to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            Value::Int(n) => json!(n.to_string()),
            Value::Number(n) => json!(crate::types::units::trim_number(*n)),
            other => value_json(other),
        });
        lowering.template.parameters.insert(
            cfn::pascal(&param.name),
            Parameter {
                parameter_type: param.cfn_type.clone(),
                default,
                description: (!param.docs.is_empty()).then(|| param.docs.join(" ")),
                span: param.span,
            },
        );
    }
}

fn outputs(lowering: &mut Lowering) {
    for output in lowering.typed.outputs.values() {
        let value = lowering.json(&output.value);
        let value = match value {
            Json::Number(n) => json!(n.to_string()),
            other => other,
        };
        lowering.template.outputs.insert(
            cfn::pascal(&output.name),
            Output {
                value,
                description: (!output.docs.is_empty()).then(|| output.docs.join(" ")),
                export: exports::export_name(lowering.typed, output),
                span: output.span,
            },
        );
    }
}
