//! Loading a bundled resource schema: fixing it up so the `jsonschema` crate
//! accepts it, letting every property value be an intrinsic function, compiling
//! it once per process, and extracting the attributes `Fn::GetAtt` may name.
//!
//! Compiling is the fixed cost of every build (the registry schemas are large:
//! a task definition's describes some 60 container settings), so a schema is
//! compiled only for the properties the template's resources of that type
//! use (their [`Shape`]): the subschemas of absent properties, which can never
//! apply, are replaced by `true`. The validator is kept and reused for any
//! template whose resources it covers; a template using more properties gets
//! one compiled for both.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

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

/// What ecsc knows about one resource type besides its validator, built on first use.
pub(crate) struct TypeInfo {
    /// The attributes `Fn::GetAtt` may read; `None` when the schema lists none (be lenient).
    pub(crate) attributes: Option<BTreeSet<String>>,
}

/// A compiled validator, or why the schema could not be compiled.
pub(crate) type Compiled = Arc<Result<Validator, String>>;

/// The validator of one type, and the shape it was compiled for.
struct Cached {
    shape: Shape,
    validator: Compiled,
}

const TYPE_COUNT: usize = SCHEMAS.len();

static INFO: [OnceLock<TypeInfo>; TYPE_COUNT] = [const { OnceLock::new() }; TYPE_COUNT];
static VALIDATORS: [Mutex<Option<Cached>>; TYPE_COUNT] = [const { Mutex::new(None) }; TYPE_COUNT];

fn index_of(type_name: &str) -> Option<usize> {
    SCHEMAS
        .binary_search_by(|(name, _)| (*name).cmp(type_name))
        .ok()
}

/// The attributes of `type_name`, read on first use; `None` for types
/// without a bundled schema.
pub(crate) fn type_info(type_name: &str) -> Option<&'static TypeInfo> {
    let index = index_of(type_name)?;
    let (name, text) = SCHEMAS.get(index)?;
    let slot = INFO.get(index)?;
    Some(slot.get_or_init(|| {
        TypeInfo {
            attributes: serde_json::from_str(text)
                .ok()
                .and_then(|raw| attributes(name, &raw)),
        }
    }))
}

/// A validator of `type_name` for resources whose properties fit `shape`
/// (see [`Shape`]); `None` for types without a bundled schema. Reuses the
/// validator compiled last for the type when it covers `shape`, otherwise
/// compiles one for both shapes and keeps it.
pub(crate) fn validator(type_name: &str, shape: &Shape) -> Option<Compiled> {
    let index = index_of(type_name)?;
    let (name, text) = SCHEMAS.get(index)?;
    let mut cached = VALIDATORS
        .get(index)?
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(cached) = cached.as_ref()
        && cached.shape.covers(shape)
    {
        return Some(cached.validator.clone());
    }
    let mut wanted = shape.clone();
    if let Some(previous) = cached.as_ref() {
        wanted.merge(&previous.shape);
    }
    let validator = Arc::new(load(index, name, text, &wanted));
    *cached = Some(Cached {
        shape: wanted,
        validator: validator.clone(),
    });
    Some(validator)
}

fn load(index: usize, type_name: &str, text: &str, shape: &Shape) -> Result<Validator, String> {
    let raw: Value = serde_json::from_str(text)
        .map_err(|error| format!("bundled schema is not valid json: {error}"))?;
    if let Some(slot) = INFO.get(index) {
        slot.get_or_init(|| TypeInfo {
            attributes: attributes(type_name, &raw),
        });
    }
    let raw = prune_schema(raw, shape);
    // Every bundled pattern compiles once fixed (a test checks it), so the
    // schema is compiled without first trying each pattern on its own: that
    // check cost as much as the compilation. Only if compiling fails are the
    // patterns the regex engine rejects dropped, and the schema compiled again.
    compile(&prepare_with(raw, false)).or_else(|error| {
        serde_json::from_str::<Value>(text)
            .map(|raw| compile(&prepare(prune_schema(raw, shape))))
            .unwrap_or(Err(error))
    })
}

/// The property names used by resources of one type, as a tree: each node's
/// children are the members present in some instance at that place; `[]`
/// stands for the items of an array. `full` covers everything below.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Shape {
    full: bool,
    children: BTreeMap<String, Shape>,
}

/// The child of a [`Shape`] that stands for array items.
const ITEMS: &str = "[]";

impl Shape {
    /// A shape covering every possible instance: compiles the whole schema.
    pub(crate) fn full() -> Self {
        Shape {
            full: true,
            children: BTreeMap::new(),
        }
    }

    /// Adds the members (at every depth) of `instance`.
    pub(crate) fn add(&mut self, instance: &Value) {
        if self.full {
            return;
        }
        match instance {
            Value::Object(members) => {
                for (key, value) in members {
                    match self.children.get_mut(key.as_str()) {
                        Some(child) => child.add(value),
                        None => {
                            let mut child = Shape::default();
                            child.add(value);
                            self.children.insert(key.clone(), child);
                        }
                    }
                }
            }
            Value::Array(items) => {
                let child = self.children.entry(ITEMS.to_owned()).or_default();
                for item in items {
                    child.add(item);
                }
            }
            _ => {}
        }
    }

    /// Adds `other`; true if this shape grew.
    fn merge(&mut self, other: &Shape) -> bool {
        if self.full {
            return false;
        }
        if other.full {
            *self = Shape::full();
            return true;
        }
        let mut grew = false;
        for (key, theirs) in &other.children {
            match self.children.get_mut(key) {
                Some(ours) => grew |= ours.merge(theirs),
                None => {
                    self.children.insert(key.clone(), theirs.clone());
                    grew = true;
                }
            }
        }
        grew
    }

    /// Whether every instance `other` describes is described by this shape.
    fn covers(&self, other: &Shape) -> bool {
        self.full
            || (!other.full
                && other.children.iter().all(|(key, theirs)| {
                    self.children
                        .get(key)
                        .is_some_and(|ours| ours.covers(theirs))
                }))
    }

    fn child(&self, key: &str) -> Shape {
        if self.full {
            return Shape::full();
        }
        self.children.get(key).cloned().unwrap_or_default()
    }
}

/// `schema` with the subschemas no instance of `shape` can reach replaced by
/// `true`. Definitions are pruned for the union of the shapes at the places
/// that refer to them (and dropped when nothing does). A schema with a `$ref`
/// to anything but a definition is returned whole.
fn prune_schema(mut schema: Value, shape: &Shape) -> Value {
    if shape.full || full_refs(&schema, &mut Vec::new()).is_err() {
        return schema;
    }
    let Value::Object(root) = &mut schema else {
        return schema;
    };
    let original = match root.remove("definitions") {
        Some(Value::Object(definitions)) => definitions,
        _ => Map::new(),
    };
    // Neither call can fail: every `$ref` was checked above.
    let mut refs = Vec::new();
    let _ = prune(&mut schema, shape, &mut refs);
    let mut needed: BTreeMap<String, Shape> = BTreeMap::new();
    let mut pruned = Map::new();
    while let Some((name, wanted)) = refs.pop() {
        let entry = needed.entry(name.clone()).or_default();
        if !entry.merge(&wanted) && pruned.contains_key(&name) {
            continue;
        }
        let Some(mut definition) = original.get(&name).cloned() else {
            continue;
        };
        let _ = prune(&mut definition, entry, &mut refs);
        pruned.insert(name, definition);
    }
    // In their original order, so the result does not depend on the walk.
    let pruned: Map<String, Value> = original
        .keys()
        .filter_map(|name| {
            pruned
                .remove(name)
                .map(|definition| (name.clone(), definition))
        })
        .collect();
    if let Value::Object(root) = &mut schema {
        root.insert("definitions".to_owned(), Value::Object(pruned));
    }
    schema
}

/// A `$ref` that is not to `#/definitions/<name>`: the schema is not pruned.
struct UnsupportedRef;

/// The definition a `$ref` names.
fn definition_name(target: &str) -> Option<&str> {
    target
        .strip_prefix("resource-schema.json")
        .unwrap_or(target)
        .strip_prefix("#/definitions/")
        .filter(|name| !name.contains('/'))
}

/// Prunes `node` for `shape`, collecting the definitions it refers to with
/// the shape at each reference.
fn prune(
    node: &mut Value,
    shape: &Shape,
    refs: &mut Vec<(String, Shape)>,
) -> Result<(), UnsupportedRef> {
    let Value::Object(map) = node else {
        return Ok(());
    };
    if shape.full {
        return full_refs(node, refs);
    }
    for (key, value) in map.iter_mut() {
        match key.as_str() {
            "properties" => {
                let Value::Object(members) = value else {
                    continue;
                };
                for (name, member) in members.iter_mut() {
                    match shape.children.get(name.as_str()) {
                        Some(child) => prune(member, child, refs)?,
                        None => *member = Value::Bool(true),
                    }
                }
            }
            "items" | "additionalItems" | "contains" => {
                let items = shape.child(ITEMS);
                match value {
                    Value::Array(each) => {
                        for item in each {
                            prune(item, &items, refs)?;
                        }
                    }
                    other => prune(other, &items, refs)?,
                }
            }
            "anyOf" | "oneOf" | "allOf" => {
                if let Value::Array(branches) = value {
                    for branch in branches {
                        prune(branch, shape, refs)?;
                    }
                }
            }
            "if" | "then" | "else" | "not" => prune(value, shape, refs)?,
            "dependencies" => {
                if let Value::Object(dependencies) = value {
                    for dependency in dependencies.values_mut() {
                        prune(dependency, shape, refs)?;
                    }
                }
            }
            "$ref" => {
                let Some(target) = value.as_str() else {
                    continue;
                };
                let name = definition_name(target).ok_or(UnsupportedRef)?;
                refs.push((name.to_owned(), shape.clone()));
            }
            // The members these apply to are not known by name: keep them whole.
            _ => full_refs(value, refs)?,
        }
    }
    Ok(())
}

/// Records every definition referred to below `node` as needed whole.
fn full_refs(node: &Value, refs: &mut Vec<(String, Shape)>) -> Result<(), UnsupportedRef> {
    match node {
        Value::Object(map) => {
            for (key, value) in map {
                if key == "$ref"
                    && let Some(target) = value.as_str()
                {
                    let name = definition_name(target).ok_or(UnsupportedRef)?;
                    refs.push((name.to_owned(), Shape::full()));
                } else {
                    full_refs(value, refs)?;
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                full_refs(item, refs)?;
            }
        }
        _ => {}
    }
    Ok(())
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
    // `true` (what pruning leaves of an unused property) accepts anything:
    // wrapping it would only cost compile time.
    if *schema == Value::Bool(true) {
        return;
    }
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
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]

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
        let compiled = load(usize::MAX, "Test::Broken::Pattern", text, &Shape::full());
        let validator = compiled.as_ref().expect("compiles without the pattern");
        assert!(validator.is_valid(&json!({ "Name": "anything", "Size": 3 })));
        assert!(!validator.is_valid(&json!({ "Size": "three" })));
        assert!(validator.is_valid(&json!({ "Size": { "Ref": "Size" } })));
    }

    fn errors(validator: &Validator, instance: &Value) -> Vec<(String, String)> {
        let mut errors: Vec<(String, String)> = validator
            .iter_errors(instance)
            .map(|error| (error.instance_path().to_string(), error.to_string()))
            .collect();
        errors.sort();
        errors
    }

    /// A validator compiled for the properties instances use finds exactly
    /// the errors of the whole schema's, in nested definitions too.
    #[test]
    fn a_pruned_schema_finds_the_same_errors() {
        let instances = [
            json!({
                "Family": "api",
                "Cpu": "256",
                "Memory": 512,
                "ContainerDefinitions": [{
                    "Name": "app",
                    "Image": { "Ref": "Image" },
                    "PortMappings": [{ "ContainerPort": "eighty", "Protocol": "tcp" }],
                    "LogConfiguration": { "LogDriver": "nope", "Options": { "a": "b" } },
                    "Ulimits": [{ "Name": "nofile", "SoftLimit": 1 }],
                    "Unknown": true,
                }],
                "Volumes": [{ "Name": "data", "EFSVolumeConfiguration": { "FilesystemId": 3 } }],
            }),
            json!({ "ContainerDefinitions": { "Fn::If": ["Prod", [], []] }, "NetworkMode": "mesh" }),
        ];
        let mut shape = Shape::default();
        for instance in &instances {
            shape.add(instance);
        }
        let (_, text) = SCHEMAS
            .iter()
            .find(|(name, _)| *name == "AWS::ECS::TaskDefinition")
            .unwrap();
        let index = index_of("AWS::ECS::TaskDefinition").unwrap();
        let pruned = load(index, "AWS::ECS::TaskDefinition", text, &shape).unwrap();
        let whole = load(index, "AWS::ECS::TaskDefinition", text, &Shape::full()).unwrap();
        for instance in &instances {
            let found = errors(&pruned, instance);
            assert!(!found.is_empty());
            assert_eq!(found, errors(&whole, instance), "{instance}");
        }
    }

    #[test]
    fn shapes_merge_and_cover() {
        let mut a = Shape::default();
        a.add(&json!({ "A": { "B": 1 }, "L": [{ "C": 1 }] }));
        let mut b = Shape::default();
        b.add(&json!({ "A": { "D": 1 } }));
        assert!(a.covers(&Shape::default()));
        assert!(!a.covers(&b));
        let mut union = a.clone();
        assert!(union.merge(&b));
        assert!(!union.merge(&b));
        assert!(union.covers(&a) && union.covers(&b));
        assert!(Shape::full().covers(&union));
        assert!(!union.covers(&Shape::full()));
        assert_eq!(union.child("L").child(ITEMS).children.len(), 1);
    }

    /// Pruning keeps only what the shape reaches, and the definitions it
    /// reaches (through references in definitions too).
    #[test]
    fn pruning_keeps_reachable_definitions_only() {
        let schema = json!({
            "type": "object",
            "properties": {
                "Used": { "$ref": "#/definitions/Outer" },
                "Unused": { "$ref": "#/definitions/Lonely" },
            },
            "definitions": {
                "Outer": { "type": "object", "properties": { "X": { "$ref": "#/definitions/Inner" }, "Y": { "type": "string" } } },
                "Inner": { "type": "integer" },
                "Lonely": { "type": "string" },
            },
        });
        let mut shape = Shape::default();
        shape.add(&json!({ "Used": { "X": 1 } }));
        let pruned = prune_schema(schema, &shape);
        assert_eq!(pruned["properties"]["Unused"], json!(true));
        assert_eq!(
            pruned["definitions"]["Outer"]["properties"]["Y"],
            json!(true)
        );
        let definitions: Vec<&String> = pruned["definitions"].as_object().unwrap().keys().collect();
        assert_eq!(definitions, ["Outer", "Inner"]);
        // A reference outside the definitions: nothing is pruned.
        let odd = json!({ "properties": { "A": { "$ref": "#/properties/B" }, "B": { "type": "string" } } });
        assert_eq!(prune_schema(odd.clone(), &Shape::default()), odd);
    }
}
