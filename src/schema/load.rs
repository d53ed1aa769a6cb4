//! Loading a bundled resource schema: fixing it up so the `jsonschema` crate
//! accepts it, letting every property value be an intrinsic function, compiling
//! it once per process, and extracting the attributes `Fn::GetAtt` may name.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use jsonschema::{Draft, Validator};
use serde_json::{Map, Value, json};

use super::embedded::SCHEMAS;

/// Name of the definition (added to every schema) matching any intrinsic function object.
const INTRINSIC_DEF: &str = "EcscIntrinsicFunction";
/// Name of the definition (added to every schema) checking intrinsic function arguments.
const INTRINSIC_ARGS_DEF: &str = "EcscIntrinsicArguments";

/// Intrinsic functions accepted in place of any property value.
pub(crate) const INTRINSICS: &[&str] = &[
    "Ref",
    "Fn::GetAtt",
    "Fn::Sub",
    "Fn::Join",
    "Fn::Select",
    "Fn::GetAZs",
    "Fn::If",
    "Fn::ImportValue",
    "Fn::Base64",
    "Fn::Split",
    "Fn::Cidr",
    "Fn::FindInMap",
];

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

/// Everything ecsc knows about one resource type, built on first use.
pub(crate) struct TypeInfo {
    /// The compiled validator for the resource's `Properties`, or why it could not be built.
    pub(crate) validator: Result<Validator, String>,
    /// The attributes `Fn::GetAtt` may read; `None` when the schema lists none (be lenient).
    pub(crate) attributes: Option<BTreeSet<String>>,
}

const TYPE_COUNT: usize = SCHEMAS.len();

static CACHE: [OnceLock<TypeInfo>; TYPE_COUNT] = [const { OnceLock::new() }; TYPE_COUNT];

/// The loaded schema for `type_name`, compiling it on first use; `None` for
/// types without a bundled schema.
pub(crate) fn type_info(type_name: &str) -> Option<&'static TypeInfo> {
    let index = SCHEMAS
        .binary_search_by(|(name, _)| (*name).cmp(type_name))
        .ok()?;
    let (name, text) = SCHEMAS.get(index)?;
    let slot = CACHE.get(index)?;
    Some(slot.get_or_init(|| load(name, text)))
}

fn load(type_name: &str, text: &str) -> TypeInfo {
    let raw: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(error) => {
            return TypeInfo {
                validator: Err(format!("bundled schema is not valid json: {error}")),
                attributes: None,
            };
        }
    };
    let attributes = attributes(type_name, &raw);
    // Every bundled pattern compiles once fixed (a test checks it), so the
    // schema is compiled without first trying each pattern on its own: that
    // check cost as much as the compilation. Only if compiling fails are the
    // patterns the regex engine rejects dropped, and the schema compiled again.
    let validator = compile(&prepare_with(raw, false)).or_else(|error| {
        serde_json::from_str::<Value>(text)
            .map(|raw| compile(&prepare(raw)))
            .unwrap_or(Err(error))
    });
    TypeInfo {
        validator,
        attributes,
    }
}

fn compile(schema: &Value) -> Result<Validator, String> {
    jsonschema::options()
        .with_draft(Draft::Draft7)
        .should_validate_formats(false)
        .should_ignore_unknown_formats(true)
        .build(schema)
        .map_err(|error| error.to_string())
}

/// Turns a registry schema into one `jsonschema` compiles and that accepts
/// intrinsic functions wherever a property value may stand.
pub(crate) fn prepare(schema: Value) -> Value {
    prepare_with(schema, true)
}

/// [`prepare`], dropping the patterns the regex engine rejects only if
/// `drop_broken_patterns` (testing every pattern is slow).
fn prepare_with(mut schema: Value, drop_broken_patterns: bool) -> Value {
    if let Value::Object(root) = &mut schema {
        // Registry schemas name provider-definition meta-schemas no validator knows.
        root.remove("$schema");
        root.remove("$id");
    }
    fix_keywords(&mut schema, drop_broken_patterns);
    transform(&mut schema);
    if let Value::Object(root) = &mut schema {
        let definitions = root
            .entry("definitions")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(definitions) = definitions {
            definitions.insert(INTRINSIC_DEF.to_owned(), intrinsic_schema());
            definitions.insert(INTRINSIC_ARGS_DEF.to_owned(), intrinsic_arguments_schema());
        }
    }
    schema
}

/// Fixes `$ref`s and regular expressions everywhere in the schema.
fn fix_keywords(node: &mut Value, drop_broken_patterns: bool) {
    match node {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                match (key.as_str(), &mut *value) {
                    // Some schemas point at themselves as `resource-schema.json#/...`.
                    ("$ref", Value::String(target)) => {
                        if let Some(rest) = target.strip_prefix("resource-schema.json#") {
                            *target = format!("#{rest}");
                        }
                    }
                    ("pattern", Value::String(pattern)) => {
                        let fixed = fix_regex(pattern);
                        *pattern = fixed;
                    }
                    _ => fix_keywords(value, drop_broken_patterns),
                }
            }
            if let Some(Value::Object(patterns)) = map.get_mut("patternProperties") {
                let renamed: Map<String, Value> = std::mem::take(patterns)
                    .into_iter()
                    .map(|(pattern, value)| (fix_regex(&pattern), value))
                    .collect();
                *patterns = renamed;
            }
            // A pattern the regex engine still rejects is dropped rather than
            // making the whole schema unusable.
            if !drop_broken_patterns {
                return;
            }
            if let Some(Value::String(pattern)) = map.get("pattern")
                && !regex_compiles(pattern)
            {
                map.remove("pattern");
            }
            if let Some(Value::Object(patterns)) = map.get_mut("patternProperties") {
                patterns.retain(|pattern, _| regex_compiles(pattern));
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| fix_keywords(item, drop_broken_patterns)),
        _ => {}
    }
}

/// Rewrites the constructs of cfn-lint's (Python) regular expressions that the
/// `jsonschema` crate's engine rejects into equivalents it accepts.
pub(crate) fn fix_regex(pattern: &str) -> String {
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

/// Whether the `jsonschema` crate accepts `pattern` as a regular expression.
pub(crate) fn regex_compiles(pattern: &str) -> bool {
    jsonschema::options()
        .with_draft(Draft::Draft7)
        .build(&json!({ "pattern": pattern }))
        .is_ok()
}

/// Recursively wraps every subschema that describes a property value, array
/// item or map value so that an intrinsic function object is accepted there
/// too. Combinators (`anyOf`, `oneOf`, `allOf`) and `then`/`else`/`dependencies`
/// are descended into without wrapping (the enclosing value position is
/// already wrapped); `not` and `if` are left alone, since making them more
/// permissive would make the schema stricter.
fn transform(node: &mut Value) {
    let Value::Object(map) = node else {
        return;
    };
    for key in ["properties", "patternProperties"] {
        if let Some(Value::Object(members)) = map.get_mut(key) {
            for value in members.values_mut() {
                transform(value);
                wrap(value);
            }
        }
    }
    if let Some(Value::Object(definitions)) = map.get_mut("definitions") {
        definitions.values_mut().for_each(transform);
    }
    for key in ["additionalProperties", "additionalItems"] {
        if let Some(value @ Value::Object(_)) = map.get_mut(key) {
            transform(value);
            wrap(value);
        }
    }
    match map.get_mut("items") {
        Some(value @ Value::Object(_)) => {
            transform(value);
            wrap(value);
        }
        Some(Value::Array(items)) => {
            for value in items {
                transform(value);
                wrap(value);
            }
        }
        _ => {}
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(branches)) = map.get_mut(key) {
            branches.iter_mut().for_each(transform);
        }
    }
    for key in ["then", "else"] {
        if let Some(value) = map.get_mut(key) {
            transform(value);
        }
    }
    if let Some(Value::Object(dependencies)) = map.get_mut("dependencies") {
        for value in dependencies.values_mut() {
            if value.is_object() {
                transform(value);
            }
        }
    }
}

/// `schema` -> "an intrinsic function with well-formed arguments, or else `schema`".
fn wrap(schema: &mut Value) {
    let original = std::mem::take(schema);
    *schema = json!({
        "if": { "$ref": format!("#/definitions/{INTRINSIC_DEF}") },
        "then": { "$ref": format!("#/definitions/{INTRINSIC_ARGS_DEF}") },
        "else": original,
    });
}

/// Matches an object with exactly one key, naming an intrinsic function.
fn intrinsic_schema() -> Value {
    json!({
        "type": "object",
        "minProperties": 1,
        "maxProperties": 1,
        "propertyNames": { "enum": INTRINSICS },
    })
}

/// The shape of each intrinsic function's argument (loosely: nested values
/// can themselves be intrinsic functions).
fn intrinsic_arguments_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "Ref": { "type": "string", "minLength": 1 },
            "Fn::GetAtt": {
                "anyOf": [
                    { "type": "array", "minItems": 2, "maxItems": 2,
                      "items": [ { "type": "string" }, { "type": ["string", "object"] } ] },
                    { "type": "string", "pattern": "^[A-Za-z0-9]+\\..+$" },
                ],
            },
            "Fn::Sub": {
                "anyOf": [
                    { "type": "string" },
                    { "type": "array", "minItems": 2, "maxItems": 2,
                      "items": [ { "type": "string" }, { "type": "object" } ] },
                ],
            },
            "Fn::Join": { "type": "array", "minItems": 2, "maxItems": 2,
                          "items": [ { "type": "string" }, { "type": ["array", "object"] } ] },
            "Fn::Select": { "type": "array", "minItems": 2, "maxItems": 2 },
            "Fn::GetAZs": { "type": ["string", "object"] },
            "Fn::If": { "type": "array", "minItems": 3, "maxItems": 3,
                        "items": [ { "type": "string" } ] },
            "Fn::ImportValue": { "type": ["string", "object"] },
            "Fn::Split": { "type": "array", "minItems": 2, "maxItems": 2,
                           "items": [ { "type": "string" } ] },
            "Fn::Cidr": { "type": "array", "minItems": 3, "maxItems": 3 },
            "Fn::FindInMap": { "type": "array", "minItems": 3, "maxItems": 4 },
        },
    })
}

/// The attributes `Fn::GetAtt` may read from a resource of this type, or
/// `None` if the schema names none (then any attribute is accepted).
fn attributes(type_name: &str, schema: &Value) -> Option<BTreeSet<String>> {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

    use super::*;

    /// A pattern the regex engine rejects even after fixing does not make the
    /// schema unusable: it is dropped, and the rest still validates.
    #[test]
    fn a_broken_pattern_is_dropped_on_the_slow_path() {
        let text = r#"{
            "type": "object",
            "properties": {
                "Name": { "type": "string", "pattern": "^(?<unclosed" },
                "Size": { "type": "integer" }
            },
            "additionalProperties": false
        }"#;
        let info = load("Test::Broken::Pattern", text);
        let validator = info.validator.as_ref().expect("compiles without the pattern");
        assert!(validator.is_valid(&json!({ "Name": "anything", "Size": 3 })));
        assert!(!validator.is_valid(&json!({ "Size": "three" })));
        assert!(validator.is_valid(&json!({ "Size": { "Ref": "Size" } })));
    }
}
