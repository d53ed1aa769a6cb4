//! The bundled form of a registry resource schema, made at build time.
//!
//! `build.rs` includes this file (with `#[path]`) and runs it on every
//! `stdlib/schemas/*.json`, writing the results to `OUT_DIR`, where
//! `schema/embedded.rs` embeds them; the crate compiles it only for its tests.
//! It may use nothing but `std` and `serde_json`.
//!
//! * [`minify`] keeps only what validation reads: the draft 7 keywords the
//!   `jsonschema` crate validates with, at the places where they are
//!   keywords. Descriptions, handlers, tagging, permissions, examples and the
//!   other registry annotations make up most of a registry schema, and
//!   parsing them was a fixed cost of every build. It also fixes what the
//!   `jsonschema` crate would reject: Python-only regular expressions and
//!   `$ref`s to `resource-schema.json#...`.
//! * [`attributes`] lists what `Fn::GetAtt` may read, from the whole schema
//!   (its `readOnlyProperties`, which [`minify`] drops).

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// The draft 7 keywords that take part in validation, besides the ones that
/// hold subschemas (handled one by one in [`node`]). Annotations (`title`,
/// `description`, `default`, `examples`, `readOnly`, `writeOnly`, `$comment`)
/// and `format` (ecsc does not validate formats) are left out, and so is
/// everything draft 7 does not know (`insertionOrder`, `dependentRequired`,
/// `requiredXor`, `relationshipRef`, ...), which the validator ignores.
const VALUE_KEYWORDS: &[&str] = &[
    "$id",
    "const",
    "contentEncoding",
    "contentMediaType",
    "enum",
    "exclusiveMaximum",
    "exclusiveMinimum",
    "maxItems",
    "maxLength",
    "maxProperties",
    "maximum",
    "minItems",
    "minLength",
    "minProperties",
    "minimum",
    "multipleOf",
    "required",
    "type",
    "uniqueItems",
];

/// Top-level members kept besides the schema keywords.
const ROOT_MEMBERS: &[&str] = &["typeName"];

/// `schema` reduced to what validation reads, with its regular expressions
/// and `$ref`s fixed for the `jsonschema` crate. The root's `$schema` and
/// `$id` (provider meta-schemas no validator knows) are dropped.
pub fn minify(schema: &Value) -> Value {
    let Value::Object(root) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in root {
        if ROOT_MEMBERS.contains(&key.as_str()) {
            out.insert(key.clone(), value.clone());
        } else if key != "$id"
            && let Some(kept) = keyword(key, value)
        {
            out.insert(key.clone(), kept);
        }
    }
    Value::Object(out)
}

/// A subschema, minified.
fn node(schema: &Value) -> Value {
    let Value::Object(map) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in map {
        if let Some(kept) = keyword(key, value) {
            out.insert(key.clone(), kept);
        }
    }
    Value::Object(out)
}

/// The value of keyword `key` as bundled, or `None` to drop it.
fn keyword(key: &str, value: &Value) -> Option<Value> {
    let kept = match key {
        // Some schemas point at themselves as `resource-schema.json#/...`.
        "$ref" => match value {
            Value::String(target) => Value::String(
                target
                    .strip_prefix("resource-schema.json#")
                    .map_or_else(|| target.clone(), |rest| format!("#{rest}")),
            ),
            other => other.clone(),
        },
        "pattern" => match value {
            Value::String(pattern) => Value::String(fix_regex(pattern)),
            other => other.clone(),
        },
        // Name -> subschema (`dependencies` also maps names to lists of names).
        "properties" | "definitions" | "dependencies" => members(value, |name| name.to_owned()),
        "patternProperties" => members(value, fix_regex),
        "items" | "allOf" | "anyOf" | "oneOf" => match value {
            Value::Array(schemas) => Value::Array(schemas.iter().map(node).collect()),
            other => node(other),
        },
        "additionalItems"
        | "additionalProperties"
        | "contains"
        | "propertyNames"
        | "not"
        | "if"
        | "then"
        | "else" => node(value),
        other if VALUE_KEYWORDS.contains(&other) => value.clone(),
        _ => return None,
    };
    Some(kept)
}

/// A map of subschemas, minified, each name passed through `rename`.
fn members(value: &Value, rename: impl Fn(&str) -> String) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(name, schema)| (rename(name), node(schema)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Rewrites the constructs of cfn-lint's (Python) regular expressions that the
/// `jsonschema` crate's engine rejects into equivalents it accepts.
pub fn fix_regex(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    // For each open group: whether it is a look-around.
    let mut groups: Vec<bool> = Vec::new();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                // Python's end-of-string anchor.
                Some('Z') => out.push('$'),
                // Python's `regex` module's POSIX class.
                Some('p') if starts_with(&chars, "{Print}") => {
                    for _ in 0.."{Print}".len() {
                        chars.next();
                    }
                    if in_class {
                        out.push_str(r"\x20-\x7E");
                    } else {
                        out.push_str(r"[\x20-\x7E]");
                    }
                }
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                }
                None => out.push_str(r"\\"),
            },
            '[' if in_class => out.push_str(r"\["),
            '[' => {
                in_class = true;
                out.push('[');
                // A leading `^` or `]` belongs to the class syntax.
                if chars.peek() == Some(&'^') {
                    chars.next();
                    out.push('^');
                }
                if chars.peek() == Some(&']') {
                    chars.next();
                    out.push_str(r"\]");
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '(' if !in_class => {
                groups.push(
                    ["?=", "?!", "?<=", "?<!"]
                        .iter()
                        .any(|prefix| starts_with(&chars, prefix)),
                );
                out.push('(');
            }
            ')' if !in_class => {
                out.push(')');
                // A quantified look-around, as in `(?!\.)+`: quantifying a
                // zero-width assertion changes nothing, so drop the quantifier.
                if groups.pop() == Some(true) && matches!(chars.peek(), Some('+' | '*' | '?')) {
                    chars.next();
                }
            }
            other => out.push(other),
        }
    }
    out
}

fn starts_with(chars: &std::iter::Peekable<std::str::Chars<'_>>, prefix: &str) -> bool {
    chars.clone().take(prefix.len()).eq(prefix.chars())
}

/// Resource types whose every (non-array-of-object) property can be read with
/// `Fn::GetAtt`, not just their `readOnlyProperties` (the same list cfn-lint keeps).
const ALL_PROPERTIES_ARE_ATTRIBUTES: &[&str] = &[
    "AWS::AutoScaling::AutoScalingGroup",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::Subnet",
    "AWS::EC2::VPC",
    "AWS::EFS::MountTarget",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::SSM::Parameter",
];

/// Attributes CloudFormation supports that the registry schema does not list
/// as read-only.
const EXTRA_ATTRIBUTES: &[(&str, &[&str])] = &[("AWS::ServiceDiscovery::Service", &["Name"])];

/// The attributes `Fn::GetAtt` may read from a resource of this type, or
/// `None` if the schema names none (then any attribute is accepted).
pub fn attributes(type_name: &str, schema: &Value) -> Option<BTreeSet<String>> {
    let mut attributes = BTreeSet::new();
    if ALL_PROPERTIES_ARE_ATTRIBUTES.contains(&type_name)
        && let Some(Value::Object(properties)) = schema.get("properties")
    {
        for (name, property) in properties {
            collect_property_attributes(schema, property, name, &mut attributes, 0);
        }
    }
    if let Some(Value::Array(read_only)) = schema.get("readOnlyProperties") {
        for pointer in read_only.iter().filter_map(Value::as_str) {
            let Some(path) = pointer.strip_prefix("/properties/") else {
                continue;
            };
            // Members of arrays (`/A/*/B`) cannot be read with GetAtt.
            if path.split('/').any(|segment| segment == "*") {
                continue;
            }
            attributes.insert(path.replace('/', "."));
        }
    }
    for (name, extra) in EXTRA_ATTRIBUTES {
        if *name == type_name {
            attributes.extend(extra.iter().map(|attribute| (*attribute).to_owned()));
        }
    }
    if attributes.is_empty() {
        None
    } else {
        Some(attributes)
    }
}

/// Adds `path` (and, for objects, its members as `path.Member`) to `out`,
/// following `$ref`s within `schema`; arrays of objects or arrays are not
/// readable.
fn collect_property_attributes(
    schema: &Value,
    property: &Value,
    path: &str,
    out: &mut BTreeSet<String>,
    depth: usize,
) {
    if depth > 16 {
        return;
    }
    let types: Vec<&str> = match property.get("type") {
        Some(Value::String(single)) => vec![single.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if types.contains(&"object") {
        if let Some(Value::Object(members)) = property.get("properties") {
            for (name, member) in members {
                let member_path = format!("{path}.{name}");
                collect_property_attributes(schema, member, &member_path, out, depth + 1);
            }
        }
    } else if types.contains(&"array") {
        let item_type = property
            .get("items")
            .and_then(|items| items.get("type"))
            .and_then(Value::as_str);
        if !matches!(item_type, Some("object" | "array")) {
            out.insert(path.to_owned());
        }
    } else if let Some(Value::String(target)) = property.get("$ref") {
        let pointer = target
            .strip_prefix("resource-schema.json#")
            .or_else(|| target.strip_prefix('#'))
            .unwrap_or(target);
        if let Some(resolved) = schema.pointer(pointer) {
            collect_property_attributes(schema, resolved, path, out, depth + 1);
        }
    } else {
        out.insert(path.to_owned());
    }
}
