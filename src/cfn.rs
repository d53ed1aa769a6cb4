//! The CloudFormation model that lowering builds and emit serialises.
//!
//! Every resource remembers the span of the declaration it came from, and
//! optionally finer spans per property path, so that checks of the emitted
//! template can point back at the `.ecs` source.

use crate::span::Span;
use indexmap::IndexMap;
use serde_json::{Value as Json, json};

/// One resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// `AWS::ECS::Service`...
    pub resource_type: String,
    /// The `Properties` object.
    pub properties: Json,
    /// `DependsOn` logical IDs.
    pub depends_on: Vec<String>,
    /// `Retain` for data that must outlive the stack (logs, file systems, images).
    pub retain: bool,
    /// The declaration it came from.
    pub span: Span,
    /// Finer provenance: property path (`/Cpu`) to the span of the value.
    pub provenance: IndexMap<String, Span>,
}

impl Resource {
    /// A resource of `resource_type` from the declaration at `span`.
    pub fn new(resource_type: &str, span: Span, properties: Json) -> Self {
        Resource {
            resource_type: resource_type.to_string(),
            properties,
            depends_on: Vec::new(),
            retain: false,
            span,
            provenance: IndexMap::new(),
        }
    }

    /// Adds `DependsOn` entries.
    pub fn depends_on(mut self, ids: impl IntoIterator<Item = String>) -> Self {
        for id in ids {
            if !self.depends_on.contains(&id) {
                self.depends_on.push(id);
            }
        }
        self
    }

    /// Sets `DeletionPolicy` and `UpdateReplacePolicy` to `Retain`.
    pub fn retained(mut self) -> Self {
        self.retain = true;
        self
    }

    /// Records that the property at `path` came from `span`.
    pub fn from_source(mut self, path: &str, span: Span) -> Self {
        self.provenance.insert(path.to_string(), span);
        self
    }
}

/// A parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// CloudFormation type.
    pub parameter_type: String,
    /// Default value.
    pub default: Option<Json>,
    /// Description.
    pub description: Option<String>,
    /// Where it was declared.
    pub span: Span,
}

/// An output.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// Its value.
    pub value: Json,
    /// Description.
    pub description: Option<String>,
    /// Export name, if exported.
    pub export: Option<Json>,
    /// Where it was declared.
    pub span: Span,
}

/// A whole template.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Template {
    /// `Description`.
    pub description: Option<String>,
    /// Parameters by logical name.
    pub parameters: IndexMap<String, Parameter>,
    /// Resources by logical ID.
    pub resources: IndexMap<String, Resource>,
    /// Outputs by logical name.
    pub outputs: IndexMap<String, Output>,
    /// Why each generated IAM statement exists (`ecsc build --explain-iam`).
    pub iam_grants: Vec<IamGrant>,
}

/// One reason for a generated IAM statement: the role it goes into, what it
/// allows, and the declaration that caused it. Role policies are built from
/// these records, so the explanation cannot drift from the template.
#[derive(Debug, Clone, PartialEq)]
pub struct IamGrant {
    /// Logical ID of the role (`ApiExecutionRole`).
    pub role: String,
    /// Statement ID; grants with the same role and `sid` merge into one statement.
    pub sid: String,
    /// IAM actions.
    pub actions: Vec<String>,
    /// Resource ARNs (strings or intrinsics).
    pub resources: Vec<Json>,
    /// The statement's `Condition`, if any.
    pub condition: Option<Json>,
    /// Why it is needed, in words.
    pub reason: String,
    /// The declaration or value that caused it.
    pub span: Span,
}

impl Template {
    /// Serialises to the CloudFormation JSON object, resources sorted by
    /// logical ID so the output is stable.
    pub fn to_json(&self) -> Json {
        let mut root = serde_json::Map::new();
        root.insert("AWSTemplateFormatVersion".into(), json!("2010-09-09"));
        if let Some(description) = &self.description {
            root.insert("Description".into(), json!(description));
        }
        if !self.parameters.is_empty() {
            let mut params = serde_json::Map::new();
            for (name, param) in &self.parameters {
                let mut body = serde_json::Map::new();
                body.insert("Type".into(), json!(param.parameter_type));
                if let Some(default) = &param.default {
                    body.insert("Default".into(), default.clone());
                }
                if let Some(description) = &param.description {
                    body.insert("Description".into(), json!(description));
                }
                params.insert(name.clone(), Json::Object(body));
            }
            root.insert("Parameters".into(), Json::Object(params));
        }
        let mut ids: Vec<&String> = self.resources.keys().collect();
        ids.sort();
        let mut resources = serde_json::Map::new();
        for id in ids {
            let Some(resource) = self.resources.get(id) else {
                continue;
            };
            let mut body = serde_json::Map::new();
            body.insert("Type".into(), json!(resource.resource_type));
            if !resource.depends_on.is_empty() {
                let mut depends = resource.depends_on.clone();
                depends.sort();
                body.insert("DependsOn".into(), json!(depends));
            }
            if resource.retain {
                body.insert("DeletionPolicy".into(), json!("Retain"));
                body.insert("UpdateReplacePolicy".into(), json!("Retain"));
            }
            if resource
                .properties
                .as_object()
                .is_some_and(|p| !p.is_empty())
            {
                body.insert("Properties".into(), resource.properties.clone());
            }
            resources.insert(id.clone(), Json::Object(body));
        }
        root.insert("Resources".into(), Json::Object(resources));
        if !self.outputs.is_empty() {
            let mut outputs = serde_json::Map::new();
            for (name, output) in &self.outputs {
                let mut body = serde_json::Map::new();
                if let Some(description) = &output.description {
                    body.insert("Description".into(), json!(description));
                }
                body.insert("Value".into(), output.value.clone());
                if let Some(export) = &output.export {
                    body.insert("Export".into(), json!({ "Name": export }));
                }
                outputs.insert(name.clone(), Json::Object(body));
            }
            root.insert("Outputs".into(), Json::Object(outputs));
        }
        Json::Object(root)
    }
}

/// `{"Ref": id}`
pub fn reference(id: &str) -> Json {
    json!({ "Ref": id })
}

/// `{"Fn::GetAtt": [id, attribute]}`
pub fn get_att(id: &str, attribute: &str) -> Json {
    json!({ "Fn::GetAtt": [id, attribute] })
}

/// `{"Fn::Sub": text}`
pub fn sub(text: &str) -> Json {
    json!({ "Fn::Sub": text })
}

/// A logical ID from declaration names: `api` + `TaskDefinition` -> `ApiTaskDefinition`.
pub fn logical_id(parts: &[&str]) -> String {
    parts.iter().map(|part| pascal(part)).collect()
}

/// `my_api` -> `MyApi`, keeping only ASCII letters and digits.
pub fn pascal(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}
