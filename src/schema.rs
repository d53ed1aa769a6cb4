//! Validation of the emitted CloudFormation template.
//!
//! [`check_template`] runs four checks over a whole template:
//!
//! * **schema**: each resource's `Properties` against its type's registry
//!   schema (bundled from cfn-lint under `stdlib/schemas/`, embedded by
//!   `schema/embedded.rs`), where any property value may also be an
//!   intrinsic function;
//! * **references**: every `Ref`, `Fn::GetAtt`, `${...}` in `Fn::Sub`,
//!   `DependsOn`, condition and mapping name resolves;
//! * **cycles** among resources;
//! * **limits** CloudFormation enforces (counts, logical ids, template size).
//!
//! Schemas are compiled lazily, once per process, only for the types that
//! appear and the properties their resources use (see [`warm_up`] to compile
//! them ahead of time). The checks of different types, the references and
//! the limits run on two threads.

#[cfg(test)]
mod bundle;
mod embedded;
mod load;
mod refs;

use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};

/// One problem found in the emitted template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateProblem {
    /// Logical ID of the resource (or output/parameter name) the problem is in, if any.
    pub logical_id: Option<String>,
    /// JSON pointer inside the template, e.g. `/Resources/ApiService/Properties/DesiredCount`.
    pub pointer: String,
    /// Short lower-case message.
    pub message: String,
    /// Which check found it.
    pub kind: ProblemKind,
}

/// Which check found a [`TemplateProblem`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// A resource's properties do not match its type's schema.
    Schema,
    /// A resource type ecsc has no schema for.
    UnknownType,
    /// A `Ref`, `Fn::GetAtt`, `Fn::Sub` variable, `DependsOn`, condition or
    /// mapping name that does not resolve.
    Reference,
    /// A dependency cycle among resources.
    Cycle,
    /// A CloudFormation limit is exceeded: the stack would be rejected.
    Limit,
    /// Close to a limit, or a limit that changes how the template is deployed
    /// (over 51,200 bytes it must be uploaded to S3).
    LimitWarning,
}

/// Most resources in one template.
const MAX_RESOURCES: usize = 500;
/// Most parameters in one template.
const MAX_PARAMETERS: usize = 200;
/// Most outputs in one template.
const MAX_OUTPUTS: usize = 200;
/// Largest template body that can be passed directly (not via S3).
const MAX_INLINE_TEMPLATE_BYTES: usize = 51_200;
/// Largest template body CloudFormation accepts at all.
const MAX_TEMPLATE_BYTES: usize = 1_000_000;
/// Longest logical ID.
const MAX_LOGICAL_ID_LEN: usize = 255;

/// Validates a whole CloudFormation template (the JSON object with Resources, Parameters, Outputs...).
///
/// Problems are sorted by pointer, then message.
pub fn check_template(template: &Value) -> Vec<TemplateProblem> {
    let mut problems = Vec::new();
    if !template.is_object() {
        problems.push(TemplateProblem {
            logical_id: None,
            pointer: String::new(),
            message: "a template must be a json object".to_owned(),
            kind: ProblemKind::Schema,
        });
        return problems;
    }
    let mut jobs: Vec<Job<'_>> = resources_by_type(template, &mut problems)
        .into_iter()
        .map(|(type_name, members)| Job::Type(type_name, members))
        .collect();
    jobs.extend([Job::References, Job::Limits]);
    // In the order of the jobs (whichever thread ran them), as one thread
    // would have found them: the output does not depend on the threads.
    for found in run_jobs(template, &jobs) {
        problems.extend(found);
    }
    problems.sort_by(|a, b| {
        a.pointer
            .cmp(&b.pointer)
            .then_with(|| a.message.cmp(&b.message))
    });
    problems.dedup();
    problems
}

/// Compiles the validators for `types` now rather than on first use (for
/// benchmarks, or to move the cost off a latency-sensitive path), for every
/// property of the types (a build compiles only the properties its template
/// uses). Unknown types are ignored.
pub fn warm_up(types: &[&str]) {
    for type_name in types {
        let _ = load::validator(type_name, &load::Shape::full());
    }
}

/// Appends one (escaped) segment to a JSON pointer.
pub(crate) fn pointer_push(pointer: &str, segment: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + segment.len() + 1);
    out.push_str(pointer);
    out.push('/');
    for c in segment.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            other => out.push(other),
        }
    }
    out
}

/// A part of [`check_template`]'s work that runs on its own: the reference
/// check, or the schema check of the resources of one type.
enum Job<'t> {
    Type(&'t str, Members<'t>),
    References,
    Limits,
}

/// Size of the stack of the second thread [`run_jobs`] uses (as the main
/// thread's: compiling a schema recurses through it).
const STACK_BYTES: usize = 8 << 20;

/// Runs `jobs` on two threads, each taking the next job when done with one:
/// the schemas of different types compile and validate independently, and
/// the references are checked alongside (every job only reads the template
/// and the caches of `load`). Returns the problems of each job, in the order
/// of `jobs`. Runs them all on this thread if the other cannot be started.
fn run_jobs(template: &Value, jobs: &[Job<'_>]) -> Vec<Vec<TemplateProblem>> {
    // The reference check and the limits first (they grow with the
    // template), then the types with the largest schemas (the longest to
    // compile), so that the two threads finish together.
    let mut order: Vec<(usize, &Job<'_>)> = jobs.iter().enumerate().collect();
    order.sort_by_key(|(_, job)| {
        std::cmp::Reverse(match job {
            Job::References => usize::MAX,
            Job::Limits => usize::MAX - 1,
            Job::Type(type_name, _) => load::schema_size(type_name),
        })
    });
    let results: Vec<OnceLock<Vec<TemplateProblem>>> =
        jobs.iter().map(|_| OnceLock::new()).collect();
    let next = AtomicUsize::new(0);
    let work = || {
        while let Some((index, job)) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
            let found = match job {
                Job::References => {
                    let mut found = Vec::new();
                    refs::check(template, &mut found);
                    found
                }
                Job::Limits => check_limits(template),
                Job::Type(type_name, members) => check_type(type_name, members),
            };
            if let Some(slot) = results.get(*index) {
                let _ = slot.set(found);
            }
        }
    };
    std::thread::scope(|scope| {
        if jobs.len() > 1 {
            // If the thread cannot be started, this one does all the work.
            let _ = std::thread::Builder::new()
                .name("ecsc-validate".to_owned())
                .stack_size(STACK_BYTES)
                .spawn_scoped(scope, work);
        }
        work();
    });
    results
        .into_iter()
        .map(|slot| slot.into_inner().unwrap_or_default())
        .collect()
}

/// The resources of each type, sorted by type; problems of resources
/// without a type, or of a template without resources, go to `problems`.
fn resources_by_type<'t>(
    template: &'t Value,
    problems: &mut Vec<TemplateProblem>,
) -> BTreeMap<&'t str, Members<'t>> {
    let mut by_type: BTreeMap<&str, Members<'_>> = BTreeMap::new();
    let Some(resources) = template.get("Resources") else {
        problems.push(TemplateProblem {
            logical_id: None,
            pointer: "/Resources".to_owned(),
            message: "a template must have at least one resource".to_owned(),
            kind: ProblemKind::Schema,
        });
        return by_type;
    };
    let Some(resources) = resources.as_object() else {
        problems.push(TemplateProblem {
            logical_id: None,
            pointer: "/Resources".to_owned(),
            message: "resources must be a json object".to_owned(),
            kind: ProblemKind::Schema,
        });
        return by_type;
    };
    for (id, resource) in resources {
        // A resource has a few members: looking at each is cheaper than two
        // lookups by name.
        let (mut type_name, mut properties) = (None, None);
        for (key, value) in resource.as_object().into_iter().flatten() {
            match key.as_str() {
                "Type" => type_name = Some(value),
                "Properties" => properties = Some(value),
                _ => {}
            }
        }
        let Some(type_name) = type_name else {
            problems.push(TemplateProblem {
                logical_id: Some(id.clone()),
                pointer: pointer_push("/Resources", id),
                message: "resource has no type".to_owned(),
                kind: ProblemKind::Schema,
            });
            continue;
        };
        let Some(type_name) = type_name.as_str() else {
            problems.push(TemplateProblem {
                logical_id: Some(id.clone()),
                pointer: pointer_push(&pointer_push("/Resources", id), "Type"),
                message: "resource type must be a string".to_owned(),
                kind: ProblemKind::Schema,
            });
            continue;
        };
        by_type.entry(type_name).or_default().push((id, properties));
    }
    by_type
}

/// Resources of one type: logical ID and `Properties`.
type Members<'t> = Vec<(&'t String, Option<&'t Value>)>;

/// Validates the resources of one type, with a validator compiled for the
/// properties they use (see `load::Shape`).
fn check_type(type_name: &str, members: &[(&String, Option<&Value>)]) -> Vec<TemplateProblem> {
    let mut problems = Vec::new();
    let mut shape = load::Shape::default();
    for (_, properties) in members {
        if let Some(properties) = properties {
            shape.add(properties);
        }
    }
    let compiled = load::validator(type_name, &shape);
    let empty = Value::Object(serde_json::Map::new());
    for (id, properties) in members {
        let properties = properties.unwrap_or(&empty);
        // Most resources are valid: ask only that first (much cheaper than
        // collecting errors), and build pointers only for the others.
        if let Some(Ok(validator)) = compiled.as_deref()
            && properties.is_object()
            && validator.is_valid(properties)
        {
            continue;
        }
        let base = pointer_push("/Resources", id);
        let problem = |pointer: String, message: String, kind: ProblemKind| TemplateProblem {
            logical_id: Some((*id).clone()),
            pointer,
            message,
            kind,
        };
        let Some(compiled) = &compiled else {
            problems.push(problem(
                pointer_push(&base, "Type"),
                format!("resource type {type_name} has no schema"),
                ProblemKind::UnknownType,
            ));
            continue;
        };
        let properties_pointer = pointer_push(&base, "Properties");
        let validator = match compiled.as_ref() {
            Ok(validator) => validator,
            Err(error) => {
                problems.push(problem(
                    pointer_push(&base, "Type"),
                    format!("the schema for {type_name} could not be compiled: {error}"),
                    ProblemKind::Schema,
                ));
                continue;
            }
        };
        if !properties.is_object() {
            problems.push(problem(
                properties_pointer,
                "properties must be a json object".to_owned(),
                ProblemKind::Schema,
            ));
            continue;
        }
        for (pointer, message) in schema_errors(validator, properties) {
            problems.push(problem(
                format!("{properties_pointer}{pointer}"),
                message,
                ProblemKind::Schema,
            ));
        }
    }
    problems
}

/// Validates `instance`, returning (instance pointer, message) pairs.
fn schema_errors(validator: &Validator, instance: &Value) -> Vec<(String, String)> {
    validator
        .iter_errors(instance)
        .map(|error| (error.instance_path().as_str().to_owned(), message(&error)))
        .collect()
}

/// A short, lower-case, single-line rendering of `value` for messages.
fn short(value: &Value) -> String {
    let text = match value {
        Value::Object(_) => "an object".to_owned(),
        Value::Array(_) => "an array".to_owned(),
        other => other.to_string(),
    };
    if text.chars().count() > 60 {
        let cut: String = text.chars().take(57).collect();
        format!("{cut}...")
    } else {
        text
    }
}

fn type_name_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(number) if number.is_i64() || number.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A short lower-case message for one schema error.
fn message(error: &ValidationError<'_>) -> String {
    let instance = error.instance();
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => match unexpected.as_slice() {
            [one] => format!("unknown property '{one}'"),
            many => format!(
                "unknown properties {}",
                many.iter()
                    .map(|name| format!("'{name}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
        ValidationErrorKind::Required { property } => match property.as_str() {
            Some(name) => format!("missing required property '{name}'"),
            None => format!("missing required property {property}"),
        },
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(single) => single.to_string(),
                TypeKind::Multiple(set) => set
                    .iter()
                    .map(|one| one.to_string())
                    .collect::<Vec<_>>()
                    .join(" or "),
            };
            match instance.as_ref() {
                Value::Object(_) | Value::Array(_) => {
                    format!("expected {expected}, found {}", type_name_of(instance))
                }
                scalar => format!(
                    "expected {expected}, found {} {}",
                    type_name_of(scalar),
                    short(scalar)
                ),
            }
        }
        ValidationErrorKind::Enum { options } => {
            let allowed: Vec<String> = options
                .as_array()
                .map(|options| options.iter().take(10).map(short).collect())
                .unwrap_or_default();
            let more = if options
                .as_array()
                .is_some_and(|all| all.len() > allowed.len())
            {
                ", ..."
            } else {
                ""
            };
            format!(
                "{} is not one of {}{more}",
                short(instance),
                allowed.join(", ")
            )
        }
        ValidationErrorKind::Constant { expected_value } => {
            format!(
                "expected {}, found {}",
                short(expected_value),
                short(instance)
            )
        }
        ValidationErrorKind::Pattern { pattern } => {
            format!("{} does not match pattern {pattern}", short(instance))
        }
        ValidationErrorKind::MinLength { limit } => {
            format!("{} is shorter than {limit} characters", short(instance))
        }
        ValidationErrorKind::MaxLength { limit } => {
            format!("{} is longer than {limit} characters", short(instance))
        }
        ValidationErrorKind::MinItems { limit } => format!("expected at least {limit} items"),
        ValidationErrorKind::MaxItems { limit } => format!("expected at most {limit} items"),
        ValidationErrorKind::MinProperties { limit } => {
            format!("expected at least {limit} properties")
        }
        ValidationErrorKind::MaxProperties { limit } => {
            format!("expected at most {limit} properties")
        }
        ValidationErrorKind::Minimum { limit } => {
            format!("{} is less than the minimum of {limit}", short(instance))
        }
        ValidationErrorKind::Maximum { limit } => {
            format!("{} is greater than the maximum of {limit}", short(instance))
        }
        ValidationErrorKind::ExclusiveMinimum { limit } => {
            format!("{} must be greater than {limit}", short(instance))
        }
        ValidationErrorKind::ExclusiveMaximum { limit } => {
            format!("{} must be less than {limit}", short(instance))
        }
        ValidationErrorKind::UniqueItems => "items must be unique".to_owned(),
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            let closest = context
                .iter()
                .filter(|branch| !branch.is_empty())
                .min_by_key(|branch| branch.len())
                .and_then(|branch| branch.first());
            match closest {
                Some(inner) => {
                    let relative = inner
                        .instance_path()
                        .as_str()
                        .strip_prefix(error.instance_path().as_str())
                        .unwrap_or("");
                    let at = if relative.is_empty() {
                        String::new()
                    } else {
                        format!(" at {relative}")
                    };
                    format!(
                        "matches none of the allowed forms (closest: {}{at})",
                        message(inner)
                    )
                }
                None => "matches none of the allowed forms".to_owned(),
            }
        }
        ValidationErrorKind::OneOfMultipleValid { .. } => {
            "matches more than one of the mutually exclusive forms".to_owned()
        }
        ValidationErrorKind::Not { .. } => "matches a form that is not allowed".to_owned(),
        ValidationErrorKind::FalseSchema => "no value is allowed here".to_owned(),
        ValidationErrorKind::AdditionalItems { limit } => {
            format!("expected at most {limit} items")
        }
        ValidationErrorKind::PropertyNames { error } => {
            format!("invalid property name: {}", message(error))
        }
        _ => lower_first(&error.to_string()),
    }
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Whether `id` is a valid logical ID: 1 to 255 ASCII letters and digits.
fn valid_logical_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_LOGICAL_ID_LEN
        && id.bytes().all(|byte| byte.is_ascii_alphanumeric())
}

/// The limits CloudFormation enforces: counts, logical ids, size.
fn check_limits(template: &Value) -> Vec<TemplateProblem> {
    let mut problems = Vec::new();
    let sections = [
        ("Resources", ("resources", MAX_RESOURCES)),
        ("Parameters", ("parameters", MAX_PARAMETERS)),
        ("Outputs", ("outputs", MAX_OUTPUTS)),
    ];
    for (section, (what, max)) in sections {
        let Some(members) = template.get(section).and_then(Value::as_object) else {
            continue;
        };
        if members.len() > max {
            problems.push(TemplateProblem {
                logical_id: None,
                pointer: format!("/{section}"),
                message: format!(
                    "{} {what}, more than the {max} cloudformation allows",
                    members.len()
                ),
                kind: ProblemKind::Limit,
            });
        }
        for id in members.keys() {
            if !valid_logical_id(id) {
                problems.push(TemplateProblem {
                    logical_id: Some(id.clone()),
                    pointer: pointer_push(&format!("/{section}"), id),
                    message: format!(
                        "logical id '{id}' must be 1 to {MAX_LOGICAL_ID_LEN} ascii letters and digits"
                    ),
                    kind: ProblemKind::Limit,
                });
            }
        }
    }
    let size = serialized_len(template);
    if size > MAX_TEMPLATE_BYTES {
        problems.push(TemplateProblem {
            logical_id: None,
            pointer: String::new(),
            message: format!(
                "template is {size} bytes, more than the {MAX_TEMPLATE_BYTES} cloudformation accepts"
            ),
            kind: ProblemKind::Limit,
        });
    } else if size > MAX_INLINE_TEMPLATE_BYTES {
        problems.push(TemplateProblem {
            logical_id: None,
            pointer: String::new(),
            message: format!(
                "template is {size} bytes, more than {MAX_INLINE_TEMPLATE_BYTES}: it must be deployed from s3"
            ),
            kind: ProblemKind::LimitWarning,
        });
    }
    problems
}

/// The length of `value` serialised compactly (as `serde_json::to_string`
/// would write it), computed without writing it (over a megabyte for large
/// programs).
fn serialized_len(value: &Value) -> usize {
    match value {
        Value::Null | Value::Bool(true) => 4,
        Value::Bool(false) => 5,
        Value::Number(number) => number_len(number),
        Value::String(text) => string_len(text),
        // Brackets and commas, then the items.
        Value::Array(items) => {
            2 + items.len().saturating_sub(1) + items.iter().map(serialized_len).sum::<usize>()
        }
        // Braces, commas and colons, then the members.
        Value::Object(members) => {
            2 + members.len().saturating_sub(1)
                + members
                    .iter()
                    .map(|(key, value)| string_len(key) + 1 + serialized_len(value))
                    .sum::<usize>()
        }
    }
}

/// The length of `text` as a JSON string: quotes, and the escapes serde_json
/// writes (two bytes for `"`, `\\` and the control characters with a short
/// form, six for the other control characters). Eight bytes at a time: most
/// strings have nothing to escape.
fn string_len(text: &str) -> usize {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // Whether some byte of `word` is below `limit` (at most 0x80).
    let any_below =
        |word: u64, limit: u8| word.wrapping_sub(ONES * u64::from(limit)) & !word & HIGHS != 0;
    let any_equal = |word: u64, byte: u8| any_below(word ^ (ONES * u64::from(byte)), 1);
    let escapes = |bytes: &[u8]| -> usize {
        bytes
            .iter()
            .map(|byte| match byte {
                b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0C => 1,
                0..=0x1F => 5,
                _ => 0,
            })
            .sum()
    };
    let mut chunks = text.as_bytes().chunks_exact(8);
    let mut extra = 0;
    for chunk in &mut chunks {
        let word = u64::from_ne_bytes(<[u8; 8]>::try_from(chunk).unwrap_or_default());
        if any_below(word, 0x20) || any_equal(word, b'"') || any_equal(word, b'\\') {
            extra += escapes(chunk);
        }
    }
    2 + text.len() + extra + escapes(chunks.remainder())
}

/// The length of `number` as serde_json writes it.
fn number_len(number: &serde_json::Number) -> usize {
    let digits = |mut value: u64| {
        let mut count = 1;
        while value >= 10 {
            value /= 10;
            count += 1;
        }
        count
    };
    if let Some(value) = number.as_u64() {
        digits(value)
    } else if let Some(value) = number.as_i64() {
        1 + digits(value.unsigned_abs())
    } else {
        // A float: rare in templates, written as serde_json writes it.
        serde_json::to_string(number).map_or(0, |text| text.len())
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]

    use super::*;
    use serde_json::json;

    /// The resource types ecsc has bundled schemas for, sorted.
    fn known_types() -> impl Iterator<Item = &'static str> {
        embedded::SCHEMAS.iter().map(|schema| schema.type_name)
    }

    fn kinds(problems: &[TemplateProblem]) -> Vec<ProblemKind> {
        problems.iter().map(|problem| problem.kind).collect()
    }

    /// A small but realistic template: VPC, subnet, cluster, log group, role,
    /// task definition, service, load balancer pieces, with Refs/GetAtts/Subs.
    fn valid_template() -> Value {
        json!({
            "AWSTemplateFormatVersion": "2010-09-09",
            "Parameters": {
                "Image": { "Type": "String", "Default": "nginx:latest" }
            },
            "Conditions": {
                "IsProd": { "Fn::Equals": [{ "Ref": "AWS::StackName" }, "prod"] }
            },
            "Resources": {
                "Vpc": {
                    "Type": "AWS::EC2::VPC",
                    "Properties": {
                        "CidrBlock": "10.0.0.0/16",
                        "EnableDnsHostnames": true,
                        "Tags": [{ "Key": "Name", "Value": { "Fn::Sub": "${AWS::StackName}-vpc" } }]
                    }
                },
                "SubnetA": {
                    "Type": "AWS::EC2::Subnet",
                    "Properties": {
                        "VpcId": { "Ref": "Vpc" },
                        "CidrBlock": { "Fn::Select": [0, { "Fn::Cidr": [{ "Fn::GetAtt": ["Vpc", "CidrBlock"] }, 4, 8] }] },
                        "AvailabilityZone": { "Fn::Select": [0, { "Fn::GetAZs": "" }] }
                    }
                },
                "Cluster": {
                    "Type": "AWS::ECS::Cluster",
                    "Properties": { "ClusterName": { "Fn::Sub": "${AWS::StackName}-cluster" } }
                },
                "Logs": {
                    "Type": "AWS::Logs::LogGroup",
                    "Properties": { "LogGroupName": "/ecs/api", "RetentionInDays": 14 }
                },
                "ExecutionRole": {
                    "Type": "AWS::IAM::Role",
                    "Properties": {
                        "AssumeRolePolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [{
                                "Effect": "Allow",
                                "Principal": { "Service": "ecs-tasks.amazonaws.com" },
                                "Action": "sts:AssumeRole"
                            }]
                        },
                        "ManagedPolicyArns": [
                            { "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy" }
                        ]
                    }
                },
                "TaskDef": {
                    "Type": "AWS::ECS::TaskDefinition",
                    "Properties": {
                        "Family": "api",
                        "Cpu": "256",
                        "Memory": "512",
                        "NetworkMode": "awsvpc",
                        "RequiresCompatibilities": ["FARGATE"],
                        "ExecutionRoleArn": { "Fn::GetAtt": ["ExecutionRole", "Arn"] },
                        "ContainerDefinitions": [{
                            "Name": "api",
                            "Image": { "Ref": "Image" },
                            "Essential": true,
                            "PortMappings": [{ "ContainerPort": 8080, "Protocol": "tcp" }],
                            "LogConfiguration": {
                                "LogDriver": "awslogs",
                                "Options": {
                                    "awslogs-group": { "Ref": "Logs" },
                                    "awslogs-region": { "Ref": "AWS::Region" },
                                    "awslogs-stream-prefix": "api"
                                }
                            }
                        }]
                    }
                },
                "Sg": {
                    "Type": "AWS::EC2::SecurityGroup",
                    "Properties": {
                        "GroupDescription": "api",
                        "VpcId": { "Ref": "Vpc" },
                        "SecurityGroupIngress": [
                            { "IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "CidrIp": "10.0.0.0/16" }
                        ]
                    }
                },
                "Service": {
                    "Type": "AWS::ECS::Service",
                    "DependsOn": ["Logs"],
                    "Properties": {
                        "Cluster": { "Ref": "Cluster" },
                        "TaskDefinition": { "Ref": "TaskDef" },
                        "DesiredCount": { "Fn::If": ["IsProd", 3, 1] },
                        "LaunchType": "FARGATE",
                        "NetworkConfiguration": {
                            "AwsvpcConfiguration": {
                                "Subnets": [{ "Ref": "SubnetA" }],
                                "SecurityGroups": [{ "Fn::GetAtt": ["Sg", "GroupId"] }],
                                "AssignPublicIp": "DISABLED"
                            }
                        }
                    }
                }
            },
            "Outputs": {
                "ClusterArn": { "Value": { "Fn::GetAtt": ["Cluster", "Arn"] } },
                "ServiceName": { "Value": { "Fn::GetAtt": "Service.Name" } },
                "LogGroupArn": { "Value": { "Fn::Sub": "${Logs.Arn} in ${Cluster}" } }
            }
        })
    }

    #[test]
    fn schema_table_is_sorted_and_complete() {
        let names: Vec<&str> = known_types().collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
        // Complete: exactly the types scripts/refresh-schemas.py recorded.
        let mut recorded: Vec<&str> = include_str!("../stdlib/schemas/VERSION")
            .lines()
            .filter(|line| line.starts_with("AWS::"))
            .filter_map(|line| line.split_whitespace().next())
            .collect();
        recorded.sort_unstable();
        assert_eq!(names, recorded);
    }

    #[test]
    fn every_bundled_schema_compiles() {
        for name in known_types() {
            let compiled = load::validator(name, &load::Shape::full()).unwrap();
            if let Err(error) = compiled.as_ref() {
                panic!("{name}: {error}");
            }
        }
    }

    #[test]
    fn every_bundled_pattern_compiles() {
        let mut all = Vec::new();
        for schema in embedded::SCHEMAS {
            patterns_helper(&load::assembled(schema), &mut all);
        }
        assert!(all.len() > 100, "{}", all.len());
        let broken: Vec<&String> = all
            .iter()
            .filter(|pattern| !load::regex_compiles(pattern))
            .collect();
        assert!(broken.is_empty(), "patterns that still fail: {broken:#?}");
    }

    fn patterns_helper(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    if key == "pattern"
                        && let Value::String(pattern) = child
                    {
                        out.push(pattern.clone());
                        continue;
                    }
                    if key == "patternProperties"
                        && let Value::Object(patterns) = child
                    {
                        out.extend(patterns.keys().cloned());
                    }
                    patterns_helper(child, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|item| patterns_helper(item, out)),
            _ => {}
        }
    }

    #[test]
    fn fix_regex_rewrites_python_only_syntax() {
        assert_eq!(bundle::fix_regex(r"^[a-z]{1,5}\Z"), r"^[a-z]{1,5}$");
        assert_eq!(
            bundle::fix_regex(r"^(\/(?!\.)+[^$]+)$"),
            r"^(\/(?!\.)[^$]+)$"
        );
        assert_eq!(bundle::fix_regex(r"^[a,@[\]+]*$"), r"^[a,@\[\]+]*$");
        assert_eq!(bundle::fix_regex(r"^\p{Print}+$"), r"^[\x20-\x7E]+$");
        assert_eq!(
            bundle::fix_regex(r"^(?=.{2,5}$)[a-z]+$"),
            r"^(?=.{2,5}$)[a-z]+$"
        );
    }

    #[test]
    fn fixed_patterns_accept_and_reject_as_intended() {
        let template = |resources: Value| json!({ "Resources": resources });
        // `\Z` (LogGroupName), `(?!\.)+` (AccessPoint path), `[` in a class
        // (GroupDescription), `\p{Print}` (ScalingPolicy PolicyName).
        let good = template(json!({
            "Logs": { "Type": "AWS::Logs::LogGroup", "Properties": { "LogGroupName": "/ecs/api-1" } },
            "Fs": { "Type": "AWS::EFS::FileSystem", "Properties": {} },
            "Ap": { "Type": "AWS::EFS::AccessPoint", "Properties": {
                "FileSystemId": { "Ref": "Fs" }, "RootDirectory": { "Path": "/data/app" } } },
            "Sg": { "Type": "AWS::EC2::SecurityGroup", "Properties": {
                "GroupDescription": "api [internal] (v2)" } },
            "Policy": { "Type": "AWS::ApplicationAutoScaling::ScalingPolicy", "Properties": {
                "PolicyName": "cpu at 50%", "PolicyType": "TargetTrackingScaling",
                "ScalingTargetId": "x" } }
        }));
        assert_eq!(check_template(&good), Vec::new());
        let bad = template(json!({
            "Logs": { "Type": "AWS::Logs::LogGroup", "Properties": { "LogGroupName": "/ecs/api\n" } },
            "Fs": { "Type": "AWS::EFS::FileSystem", "Properties": {} },
            "Ap": { "Type": "AWS::EFS::AccessPoint", "Properties": {
                "FileSystemId": { "Ref": "Fs" }, "RootDirectory": { "Path": "/.hidden" } } },
            "Sg": { "Type": "AWS::EC2::SecurityGroup", "Properties": {
                "GroupDescription": "api <internal>" } },
            "Policy": { "Type": "AWS::ApplicationAutoScaling::ScalingPolicy", "Properties": {
                "PolicyName": "tab\there", "PolicyType": "TargetTrackingScaling",
                "ScalingTargetId": "x" } }
        }));
        let pointers: Vec<String> = check_template(&bad)
            .into_iter()
            .map(|problem| problem.pointer)
            .collect();
        assert_eq!(
            pointers,
            vec![
                "/Resources/Ap/Properties/RootDirectory/Path",
                "/Resources/Logs/Properties/LogGroupName",
                "/Resources/Policy/Properties/PolicyName",
                "/Resources/Sg/Properties/GroupDescription",
            ]
        );
    }

    #[test]
    fn valid_template_has_no_problems() {
        let problems = check_template(&valid_template());
        assert_eq!(problems, Vec::new());
    }

    #[test]
    fn wrong_property_type_points_at_the_property() {
        let mut template = valid_template();
        template["Resources"]["Service"]["Properties"]["DesiredCount"] = json!("three");
        let problems = check_template(&template);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        let problem = &problems[0];
        assert_eq!(problem.kind, ProblemKind::Schema);
        assert_eq!(problem.logical_id.as_deref(), Some("Service"));
        assert_eq!(
            problem.pointer,
            "/Resources/Service/Properties/DesiredCount"
        );
        assert!(problem.message.contains("integer"), "{}", problem.message);
    }

    #[test]
    fn nested_wrong_type_points_inside_arrays() {
        let mut template = valid_template();
        template["Resources"]["TaskDef"]["Properties"]["ContainerDefinitions"][0]["PortMappings"]
            [0]["ContainerPort"] = json!([8080]);
        let problems = check_template(&template);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert_eq!(
            problems[0].pointer,
            "/Resources/TaskDef/Properties/ContainerDefinitions/0/PortMappings/0/ContainerPort"
        );
    }

    #[test]
    fn unknown_property_is_reported() {
        let mut template = valid_template();
        template["Resources"]["Cluster"]["Properties"]["Colour"] = json!("blue");
        let problems = check_template(&template);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert_eq!(problems[0].kind, ProblemKind::Schema);
        assert_eq!(problems[0].pointer, "/Resources/Cluster/Properties");
        assert_eq!(problems[0].message, "unknown property 'Colour'");
    }

    #[test]
    fn missing_required_property_is_reported() {
        let mut template = valid_template();
        template["Resources"]["Sg"]["Properties"]
            .as_object_mut()
            .unwrap()
            .remove("GroupDescription");
        let problems = check_template(&template);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert_eq!(problems[0].pointer, "/Resources/Sg/Properties");
        assert_eq!(
            problems[0].message,
            "missing required property 'GroupDescription'"
        );
    }

    #[test]
    fn intrinsics_are_accepted_for_arrays_and_objects() {
        let mut template = valid_template();
        let network = &mut template["Resources"]["Service"]["Properties"]["NetworkConfiguration"];
        network["AwsvpcConfiguration"]["Subnets"] =
            json!({ "Fn::Split": [",", { "Fn::ImportValue": "subnets" }] });
        template["Resources"]["SubnetA"]["Properties"]["Tags"] = json!({ "Fn::If": ["IsProd", [{ "Key": "a", "Value": "b" }], { "Ref": "AWS::NoValue" }] });
        let problems = check_template(&template);
        assert_eq!(problems, Vec::new());
    }

    #[test]
    fn malformed_intrinsic_argument_is_a_schema_problem() {
        let mut template = valid_template();
        template["Resources"]["Service"]["Properties"]["Cluster"] = json!({ "Ref": 7 });
        let problems = check_template(&template);
        assert!(
            problems.iter().any(|problem| problem.pointer
                == "/Resources/Service/Properties/Cluster/Ref"
                && problem.kind == ProblemKind::Schema),
            "{problems:#?}"
        );
    }

    #[test]
    fn unknown_type_is_reported() {
        let mut template = valid_template();
        template["Resources"]["Thing"] = json!({ "Type": "AWS::Made::Up", "Properties": {} });
        let problems = check_template(&template);
        assert_eq!(kinds(&problems), vec![ProblemKind::UnknownType]);
        assert_eq!(problems[0].pointer, "/Resources/Thing/Type");
        assert_eq!(
            problems[0].message,
            "resource type AWS::Made::Up has no schema"
        );
    }

    #[test]
    fn ref_to_missing_resource() {
        let mut template = valid_template();
        template["Resources"]["Service"]["Properties"]["Cluster"] = json!({ "Ref": "Nope" });
        let problems = check_template(&template);
        assert_eq!(
            kinds(&problems),
            vec![ProblemKind::Reference],
            "{problems:#?}"
        );
        assert_eq!(
            problems[0].pointer,
            "/Resources/Service/Properties/Cluster/Ref"
        );
        assert_eq!(problems[0].logical_id.as_deref(), Some("Service"));
    }

    #[test]
    fn get_att_with_bad_attribute() {
        let mut template = valid_template();
        template["Outputs"]["ClusterArn"]["Value"] = json!({ "Fn::GetAtt": ["Cluster", "Colour"] });
        let problems = check_template(&template);
        assert_eq!(
            kinds(&problems),
            vec![ProblemKind::Reference],
            "{problems:#?}"
        );
        assert_eq!(problems[0].pointer, "/Outputs/ClusterArn/Value/Fn::GetAtt");
        assert_eq!(problems[0].logical_id.as_deref(), Some("ClusterArn"));
        assert!(
            problems[0].message.contains("'Colour'"),
            "{}",
            problems[0].message
        );
    }

    #[test]
    fn well_known_attributes_resolve() {
        let attributes = [
            ("AWS::ElasticLoadBalancingV2::LoadBalancer", "DNSName"),
            (
                "AWS::ElasticLoadBalancingV2::LoadBalancer",
                "LoadBalancerFullName",
            ),
            (
                "AWS::ElasticLoadBalancingV2::LoadBalancer",
                "CanonicalHostedZoneID",
            ),
            (
                "AWS::ElasticLoadBalancingV2::LoadBalancer",
                "LoadBalancerArn",
            ),
            (
                "AWS::ElasticLoadBalancingV2::TargetGroup",
                "TargetGroupFullName",
            ),
            ("AWS::ElasticLoadBalancingV2::TargetGroup", "TargetGroupArn"),
            ("AWS::ElasticLoadBalancingV2::Listener", "ListenerArn"),
            ("AWS::EFS::FileSystem", "FileSystemId"),
            ("AWS::EFS::FileSystem", "Arn"),
            ("AWS::EFS::AccessPoint", "AccessPointId"),
            ("AWS::ECS::Cluster", "Arn"),
            ("AWS::ECS::Service", "Name"),
            ("AWS::ECS::Service", "ServiceArn"),
            ("AWS::ECS::TaskDefinition", "TaskDefinitionArn"),
            ("AWS::IAM::Role", "Arn"),
            ("AWS::IAM::InstanceProfile", "Arn"),
            ("AWS::EC2::SecurityGroup", "GroupId"),
            ("AWS::EC2::VPC", "CidrBlock"),
            ("AWS::EC2::VPC", "DefaultSecurityGroup"),
            ("AWS::EC2::Subnet", "SubnetId"),
            ("AWS::ServiceDiscovery::Service", "Arn"),
            ("AWS::ServiceDiscovery::Service", "Name"),
            ("AWS::ServiceDiscovery::PrivateDnsNamespace", "Id"),
            ("AWS::Logs::LogGroup", "Arn"),
            ("AWS::ECR::Repository", "RepositoryUri"),
            ("AWS::SSM::Parameter", "Value"),
        ];
        for (type_name, attribute) in attributes {
            let known = load::type_info(type_name)
                .unwrap()
                .attributes
                .as_ref()
                .unwrap();
            assert!(
                known.contains(attribute),
                "{type_name}.{attribute} not in {known:?}"
            );
        }
        // No readOnlyProperties: any attribute is accepted.
        let capacity = load::type_info("AWS::ECS::CapacityProvider").unwrap();
        assert!(capacity.attributes.is_none());
    }

    #[test]
    fn sub_with_missing_variable() {
        let mut template = valid_template();
        template["Resources"]["Cluster"]["Properties"]["ClusterName"] =
            json!({ "Fn::Sub": "${AWS::StackName}-${Missing}-${!Literal}" });
        let problems = check_template(&template);
        assert_eq!(
            kinds(&problems),
            vec![ProblemKind::Reference],
            "{problems:#?}"
        );
        assert_eq!(
            problems[0].pointer,
            "/Resources/Cluster/Properties/ClusterName/Fn::Sub"
        );
        assert!(
            problems[0].message.contains("${Missing}"),
            "{}",
            problems[0].message
        );
    }

    #[test]
    fn sub_variables_map_and_attributes() {
        let mut template = valid_template();
        template["Outputs"]["Extra"] = json!({
            "Value": { "Fn::Sub": ["${Name}/${Cluster.Arn}/${Cluster.Nope}", { "Name": { "Ref": "Image" } }] }
        });
        let problems = check_template(&template);
        assert_eq!(
            kinds(&problems),
            vec![ProblemKind::Reference],
            "{problems:#?}"
        );
        assert_eq!(problems[0].pointer, "/Outputs/Extra/Value/Fn::Sub/0");
        assert!(
            problems[0].message.contains("'Nope'"),
            "{}",
            problems[0].message
        );
    }

    #[test]
    fn depends_on_cycle_is_reported_once() {
        let mut template = valid_template();
        template["Resources"]["Logs"]["DependsOn"] = json!("Service");
        let problems = check_template(&template);
        assert_eq!(kinds(&problems), vec![ProblemKind::Cycle], "{problems:#?}");
        assert_eq!(problems[0].pointer, "/Resources/Logs");
        assert_eq!(
            problems[0].message,
            "circular dependency: Logs -> Service -> Logs"
        );
    }

    #[test]
    fn ref_cycle_through_properties() {
        let mut template = valid_template();
        // Vpc -> SubnetA (via Tags) while SubnetA -> Vpc (via VpcId).
        template["Resources"]["Vpc"]["Properties"]["Tags"] =
            json!([{ "Key": "subnet", "Value": { "Ref": "SubnetA" } }]);
        let problems = check_template(&template);
        assert_eq!(kinds(&problems), vec![ProblemKind::Cycle], "{problems:#?}");
        assert_eq!(
            problems[0].message,
            "circular dependency: SubnetA -> Vpc -> SubnetA"
        );
    }

    #[test]
    fn depends_on_missing_resource() {
        let mut template = valid_template();
        template["Resources"]["Service"]["DependsOn"] = json!(["Logs", "Ghost"]);
        let problems = check_template(&template);
        assert_eq!(
            kinds(&problems),
            vec![ProblemKind::Reference],
            "{problems:#?}"
        );
        assert_eq!(problems[0].pointer, "/Resources/Service/DependsOn/1");
    }

    #[test]
    fn undefined_condition_is_reported() {
        let mut template = valid_template();
        template["Resources"]["Service"]["Properties"]["DesiredCount"] =
            json!({ "Fn::If": ["IsStaging", 3, 1] });
        let problems = check_template(&template);
        assert_eq!(
            kinds(&problems),
            vec![ProblemKind::Reference],
            "{problems:#?}"
        );
        assert_eq!(
            problems[0].pointer,
            "/Resources/Service/Properties/DesiredCount/Fn::If/0"
        );
    }

    #[test]
    fn bad_logical_id() {
        let mut template = valid_template();
        let cluster = template["Resources"]["Cluster"].clone();
        template["Resources"]["my-cluster"] = cluster;
        let problems = check_template(&template);
        assert_eq!(kinds(&problems), vec![ProblemKind::Limit], "{problems:#?}");
        assert_eq!(problems[0].pointer, "/Resources/my-cluster");
        assert_eq!(problems[0].logical_id.as_deref(), Some("my-cluster"));
    }

    #[test]
    fn size_and_count_limits() {
        let mut template = valid_template();
        let resources = template["Resources"].as_object_mut().unwrap();
        for index in 0..501 {
            resources.insert(
                format!("Group{index}"),
                json!({
                    "Type": "AWS::Logs::LogGroup",
                    "Properties": { "LogGroupName": format!("/ecs/padding/{index}/{}", "x".repeat(40)) }
                }),
            );
        }
        let problems = check_template(&template);
        assert_eq!(
            kinds(&problems),
            vec![ProblemKind::LimitWarning, ProblemKind::Limit],
            "{problems:#?}"
        );
        assert_eq!(problems[0].pointer, "");
        assert_eq!(problems[1].pointer, "/Resources");
    }

    #[test]
    fn output_is_sorted_and_deterministic() {
        let mut template = valid_template();
        template["Resources"]["Service"]["Properties"]["Cluster"] = json!({ "Ref": "Nope" });
        template["Resources"]["Cluster"]["Properties"]["Colour"] = json!("blue");
        template["Outputs"]["Bad"] = json!({ "Value": { "Ref": "AlsoNope" } });
        let first = check_template(&template);
        let pointers: Vec<&str> = first
            .iter()
            .map(|problem| problem.pointer.as_str())
            .collect();
        assert_eq!(
            pointers,
            vec![
                "/Outputs/Bad/Value/Ref",
                "/Resources/Cluster/Properties",
                "/Resources/Service/Properties/Cluster/Ref",
            ]
        );
        assert_eq!(first, check_template(&template));
    }

    #[test]
    fn serialized_len_is_the_length_of_the_compact_text() {
        let tricky = json!({
            "quote\"d": "back\\slash \n\r\t\u{8}\u{c} \u{1} \u{1f} \u{7f} é ∑ 🚀",
            "numbers": [0, 9, 10, 99, 100, -1, -10, u64::MAX, i64::MIN, 1.5, -0.25, 1e300, 12.0],
            "empty": [{}, [], "", null, true, false],
            "nested": { "a": [{ "b": [[]] }] },
        });
        // Every ASCII character at every place of an eight-byte word.
        let mut strings = Vec::new();
        for offset in 0..17 {
            for byte in 0..=0x7F_u8 {
                strings.push(format!("{}{}bbbbb", "a".repeat(offset), char::from(byte)));
            }
        }
        let strings = Value::from(strings);
        for value in [
            tricky,
            strings,
            valid_template(),
            json!([]),
            json!({}),
            json!(""),
        ] {
            assert_eq!(
                serialized_len(&value),
                serde_json::to_string(&value).unwrap().len(),
                "{value}"
            );
        }
    }

    /// Problems of many types (validated on two threads), references and
    /// limits are all reported, the same each time.
    #[test]
    fn problems_of_every_type_are_reported_in_order() {
        let mut template = valid_template();
        let resources = &mut template["Resources"];
        resources["Vpc"]["Properties"]["CidrBlock"] = json!(10);
        resources["SubnetA"]["Properties"]["Colour"] = json!("red");
        resources["Cluster"]["Properties"]["ClusterName"] = json!(["a"]);
        resources["Logs"]["Properties"]["RetentionInDays"] = json!("long");
        resources["TaskDef"]["Properties"]["Cpu"] = json!({ "Ref": "Nope" });
        resources["Sg"]["Properties"]["GroupDescription"] = json!(false);
        resources["Service"]["Properties"]["LaunchType"] = json!("CARRIER_PIGEON");
        resources["Bad-Id"] = json!({ "Type": "AWS::ECS::Cluster" });
        let first = check_template(&template);
        let pointers: Vec<&str> = first
            .iter()
            .map(|problem| problem.pointer.as_str())
            .collect();
        assert_eq!(
            pointers,
            vec![
                "/Resources/Bad-Id",
                "/Resources/Cluster/Properties/ClusterName",
                "/Resources/Logs/Properties/RetentionInDays",
                "/Resources/Logs/Properties/RetentionInDays",
                "/Resources/Service/Properties/LaunchType",
                "/Resources/Sg/Properties/GroupDescription",
                "/Resources/SubnetA/Properties",
                "/Resources/TaskDef/Properties/Cpu/Ref",
                "/Resources/Vpc/Properties/CidrBlock",
            ],
            "{first:#?}"
        );
        for _ in 0..5 {
            assert_eq!(check_template(&template), first);
        }
    }

    /// Timing: compile every schema, then validate a ~50-resource template.
    /// Run with `cargo test --release --lib schema::tests::timing -- --ignored --nocapture`.
    #[test]
    #[ignore = "timing only"]
    fn timing() {
        use std::time::Instant;
        let start = Instant::now();
        let names: Vec<&str> = known_types().collect();
        for name in &names {
            let one = Instant::now();
            warm_up(&[name]);
            println!("{name:<50} {:>8.1?}", one.elapsed());
        }
        println!("compile all {} schemas: {:?}", names.len(), start.elapsed());

        let mut template = valid_template();
        let base: Vec<(String, Value)> = template["Resources"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(id, resource)| (id.clone(), resource.clone()))
            .collect();
        let resources = template["Resources"].as_object_mut().unwrap();
        for copy in 0..5 {
            for (id, resource) in &base {
                resources.insert(format!("{id}{copy}"), resource.clone());
            }
        }
        let count = resources.len();
        let start = Instant::now();
        let rounds = 20;
        for _ in 0..rounds {
            let problems = check_template(&template);
            assert!(
                problems
                    .iter()
                    .all(|problem| problem.kind == ProblemKind::LimitWarning)
            );
        }
        println!(
            "check_template with {count} resources: {:?} per call",
            start.elapsed() / rounds
        );
    }
}
