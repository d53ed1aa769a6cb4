//! Loading a bundled resource schema: letting every property value be an
//! intrinsic function, compiling it once per process, and the attributes
//! `Fn::GetAtt` may name (listed at build time, see `bundle.rs`).
//!
//! Compiling is the fixed cost of every build (the registry schemas are large:
//! a task definition's describes some 60 container settings), so a schema is
//! compiled only for the properties the template's resources of that type
//! use (their [`Shape`]): the subschemas of absent properties, which can never
//! apply, are replaced by `true`, and a value is allowed to be an intrinsic
//! function only where some resource has one (elsewhere the check could never
//! succeed). The validator is kept and reused for any template whose
//! resources it covers; a template using more properties gets one compiled
//! for both.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, LazyLock, Mutex, OnceLock, PoisonError};

use jsonschema::{Draft, PatternCache, Validator};
use serde_json::{Map, Value, json};

use super::embedded::SCHEMAS;

/// Name of the definition (added to every schema) matching any intrinsic function object.
const INTRINSIC_DEF: &str = "EcscIntrinsicFunction";
/// Name of the definition (added to every schema) checking intrinsic function arguments.
const INTRINSIC_ARGS_DEF: &str = "EcscIntrinsicArguments";
/// `$ref`s to those two.
const INTRINSIC_REF: &str = "#/definitions/EcscIntrinsicFunction";
const INTRINSIC_ARGS_REF: &str = "#/definitions/EcscIntrinsicArguments";

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
        .binary_search_by(|schema| schema.type_name.cmp(type_name))
        .ok()
}

/// The attributes of `type_name`; `None` for types without a bundled schema.
pub(crate) fn type_info(type_name: &str) -> Option<&'static TypeInfo> {
    let index = index_of(type_name)?;
    let schema = SCHEMAS.get(index)?;
    let slot = INFO.get(index)?;
    Some(slot.get_or_init(|| {
        let attributes: BTreeSet<String> = schema.attributes.lines().map(str::to_owned).collect();
        TypeInfo {
            attributes: (!attributes.is_empty()).then_some(attributes),
        }
    }))
}

/// The size of the bundled schema of `type_name` (0 without one): what
/// compiling it costs, roughly.
pub(crate) fn schema_size(type_name: &str) -> usize {
    index_of(type_name)
        .and_then(|index| SCHEMAS.get(index))
        .map_or(0, |schema| schema.root.len() + schema.definitions.len())
}

/// A validator of `type_name` for resources whose properties fit `shape`
/// (see [`Shape`]); `None` for types without a bundled schema. Reuses the
/// validator compiled last for the type when it covers `shape`, otherwise
/// compiles one for both shapes and keeps it.
pub(crate) fn validator(type_name: &str, shape: &Shape) -> Option<Compiled> {
    let index = index_of(type_name)?;
    let schema = SCHEMAS.get(index)?;
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
    let source = Source {
        root: schema.root,
        definitions: schema.definitions,
    };
    let validator = Arc::new(load(source, &wanted));
    *cached = Some(Cached {
        shape: wanted,
        validator: validator.clone(),
    });
    Some(validator)
}

/// A schema as bundled: its root without the definitions, and the
/// definitions one a line (`name`, a tab, the schema), parsed only when
/// something refers to them.
#[derive(Clone, Copy)]
struct Source<'a> {
    root: &'a str,
    definitions: &'a str,
}

/// Compiles the schema of `source` for `shape`.
fn load(source: Source<'_>, shape: &Shape) -> Result<Validator, String> {
    // Every bundled pattern compiles (fixed at build time; a test checks it),
    // so the schema is compiled without first trying each pattern on its own:
    // that check cost as much as the compilation. Only if compiling fails are
    // the patterns the regex engine rejects dropped, and the schema compiled
    // again.
    compile(&prepare(source, shape, false)?)
        .or_else(|error| prepare(source, shape, true).map_or(Err(error), |schema| compile(&schema)))
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

    /// The intrinsic functions an instance here may be: those some instance
    /// has a member named after (an intrinsic function is an object with
    /// exactly one such member). None: no instance here is one.
    fn functions(&self) -> Functions {
        if self.full {
            return ALL_FUNCTIONS;
        }
        INTRINSICS
            .iter()
            .enumerate()
            .filter(|(_, name)| self.children.contains_key(**name))
            .fold(0, |set, (bit, _)| set | 1 << bit)
    }
}

/// The schema of `source` to compile for `shape`: pruned to what its
/// instances can reach and accepting intrinsic functions where they may be
/// (see [`prune_schema`]; the whole schema, accepting them everywhere, for a
/// full shape or a schema that cannot be pruned), with the two definitions
/// the intrinsic checks refer to. With `drop_broken_patterns`, without the
/// patterns the regex engine rejects.
fn prepare(source: Source<'_>, shape: &Shape, drop_broken_patterns: bool) -> Result<Value, String> {
    let parse = |text: &str| {
        let mut schema: Value = serde_json::from_str(text)
            .map_err(|error| format!("bundled schema is not valid json: {error}"))?;
        if drop_broken_patterns {
            self::drop_broken_patterns(&mut schema);
        }
        Ok::<Value, String>(schema)
    };
    let definitions = Definitions::new(source.definitions, &parse);
    let pruned = if shape.full {
        None
    } else {
        prune_schema(parse(source.root)?, shape, &definitions)?
    };
    let (mut schema, functions) = match pruned {
        Some(pruned) => pruned,
        None => {
            let mut schema = parse(source.root)?;
            if let Value::Object(root) = &mut schema {
                let mut all = match root.remove("definitions") {
                    Some(Value::Object(inline)) => inline,
                    _ => Map::new(),
                };
                for name in definitions.names() {
                    if let Some(definition) = definitions.get(name)? {
                        all.insert(name.to_owned(), definition);
                    }
                }
                root.insert("definitions".to_owned(), Value::Object(all));
            }
            transform(&mut schema);
            (schema, ALL_FUNCTIONS)
        }
    };
    if let Value::Object(root) = &mut schema {
        // Registry schemas name provider-definition meta-schemas no validator
        // knows (bundled schemas have neither).
        root.remove("$schema");
        root.remove("$id");
        if functions != 0
            && let Value::Object(definitions) = root
                .entry("definitions")
                .or_insert_with(|| Value::Object(Map::new()))
        {
            definitions.insert(INTRINSIC_DEF.to_owned(), intrinsic_schema());
            definitions.insert(
                INTRINSIC_ARGS_DEF.to_owned(),
                intrinsic_arguments_schema(functions),
            );
        }
    }
    Ok(schema)
}

/// The bundled definitions of a schema, each parsed when asked for.
struct Definitions<'a> {
    /// Name and schema text, in their order.
    texts: Vec<(&'a str, &'a str)>,
    parse: &'a dyn Fn(&str) -> Result<Value, String>,
}

impl<'a> Definitions<'a> {
    /// The definitions of `lines`: `name`, a tab, the schema, one a line.
    fn new(lines: &'a str, parse: &'a dyn Fn(&str) -> Result<Value, String>) -> Self {
        Definitions {
            texts: lines
                .lines()
                .filter_map(|line| line.split_once('\t'))
                .collect(),
            parse,
        }
    }

    /// The names, in their order.
    fn names(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        self.texts
            .iter()
            .map(|(name, _)| *name)
            .collect::<Vec<_>>()
            .into_iter()
    }

    /// The definition `name`, if there is one (parsed again if asked again:
    /// that is rare).
    fn get(&self, name: &str) -> Result<Option<Value>, String> {
        match self.texts.iter().find(|(candidate, _)| *candidate == name) {
            Some((_, text)) => (self.parse)(text).map(Some),
            None => Ok(None),
        }
    }
}

/// A set of [`INTRINSICS`], one bit each.
type Functions = u32;

/// Every intrinsic function.
const ALL_FUNCTIONS: Functions = (1 << INTRINSICS.len()) - 1;

/// What [`prune`] collects: the definitions referred to, with the shape at
/// each reference, and the intrinsic functions instances may have where
/// they are accepted.
#[derive(Default)]
struct Pruning {
    refs: Vec<(String, Shape)>,
    functions: Functions,
}

/// `schema` with the subschemas no instance of `shape` can reach replaced
/// by `true`, and the subschemas of the values that may be intrinsic
/// functions wrapped to accept them (see [`prune`]), and which intrinsic
/// functions they may be. Definitions (the schema's own, or else from
/// `bundled`) are pruned for the union of the shapes at the places that
/// refer to them (and dropped when nothing does). `None` if a `$ref` in what
/// is kept names anything but a definition: the schema is then compiled
/// whole.
fn prune_schema(
    mut schema: Value,
    shape: &Shape,
    bundled: &Definitions<'_>,
) -> Result<Option<(Value, Functions)>, String> {
    let Value::Object(root) = &mut schema else {
        return Ok(Some((schema, 0)));
    };
    let inline = match root.remove("definitions") {
        Some(Value::Object(definitions)) => definitions,
        _ => Map::new(),
    };
    let mut pruning = Pruning::default();
    if prune(&mut schema, shape, true, &mut pruning).is_err() {
        return Ok(None);
    }
    let mut needed: BTreeMap<String, Shape> = BTreeMap::new();
    let mut pruned = Map::new();
    while let Some((name, wanted)) = pruning.refs.pop() {
        let entry = needed.entry(name.clone()).or_default();
        if !entry.merge(&wanted) && pruned.contains_key(&name) {
            continue;
        }
        let original = match inline.get(&name) {
            Some(definition) => Some(definition.clone()),
            None => bundled.get(&name)?,
        };
        let Some(mut definition) = original else {
            continue;
        };
        if prune(&mut definition, entry, true, &mut pruning).is_err() {
            return Ok(None);
        }
        pruned.insert(name, definition);
    }
    // In their original order, so the result does not depend on the walk.
    let pruned: Map<String, Value> = inline
        .keys()
        .map(String::as_str)
        .chain(bundled.names())
        .filter_map(|name| {
            pruned
                .remove(name)
                .map(|definition| (name.to_owned(), definition))
        })
        .collect();
    if let Value::Object(root) = &mut schema {
        root.insert("definitions".to_owned(), Value::Object(pruned));
    }
    Ok(Some((schema, pruning.functions)))
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
/// the shape at each reference, and the intrinsic functions accepted. With
/// `intrinsics`, the value subschemas
/// [`transform`] would wrap are wrapped where `shape` says an instance may be
/// an intrinsic function (everywhere below a full shape); never below `if`,
/// `not` and `contains`, which [`transform`] leaves alone.
fn prune(
    node: &mut Value,
    shape: &Shape,
    intrinsics: bool,
    pruning: &mut Pruning,
) -> Result<(), UnsupportedRef> {
    let Value::Object(map) = node else {
        return Ok(());
    };
    if shape.full {
        full_refs(node, &mut pruning.refs)?;
        if intrinsics {
            transform(node);
            pruning.functions = ALL_FUNCTIONS;
        }
        return Ok(());
    }
    for (key, value) in map.iter_mut() {
        match key.as_str() {
            "properties" => {
                let Value::Object(members) = value else {
                    continue;
                };
                for (name, member) in members.iter_mut() {
                    match shape.children.get(name.as_str()) {
                        Some(child) => {
                            prune(member, child, intrinsics, pruning)?;
                            if intrinsics && child.functions() != 0 {
                                pruning.functions |= child.functions();
                                wrap(member);
                            }
                        }
                        None => *member = Value::Bool(true),
                    }
                }
            }
            "items" | "additionalItems" | "contains" => {
                let items = shape.child(ITEMS);
                let intrinsics = intrinsics && key != "contains";
                let wrapped = intrinsics && items.functions() != 0;
                if wrapped {
                    pruning.functions |= items.functions();
                }
                match value {
                    Value::Array(each) => {
                        for item in each {
                            prune(item, &items, intrinsics, pruning)?;
                            // Only `items` holds an array of subschemas.
                            if wrapped && key == "items" {
                                wrap(item);
                            }
                        }
                    }
                    other => {
                        prune(other, &items, intrinsics, pruning)?;
                        if wrapped && other.is_object() {
                            wrap(other);
                        }
                    }
                }
            }
            "anyOf" | "oneOf" | "allOf" => {
                if let Value::Array(branches) = value {
                    for branch in branches {
                        prune(branch, shape, intrinsics, pruning)?;
                    }
                }
            }
            "then" | "else" => prune(value, shape, intrinsics, pruning)?,
            "if" | "not" => prune(value, shape, false, pruning)?,
            "dependencies" => {
                if let Value::Object(dependencies) = value {
                    for dependency in dependencies.values_mut() {
                        prune(dependency, shape, intrinsics, pruning)?;
                    }
                }
            }
            "$ref" => {
                let Some(target) = value.as_str() else {
                    continue;
                };
                let name = definition_name(target).ok_or(UnsupportedRef)?;
                pruning.refs.push((name.to_owned(), shape.clone()));
            }
            // The members these apply to are not known by name: keep them
            // whole, accepting intrinsic functions everywhere.
            _ => {
                full_refs(value, &mut pruning.refs)?;
                if intrinsics {
                    transform_keyword(key, value);
                    if matches!(
                        key.as_str(),
                        "patternProperties" | "additionalProperties" | "definitions"
                    ) {
                        pruning.functions = ALL_FUNCTIONS;
                    }
                }
            }
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
    // The regular expressions compiled so far, shared by every schema: many
    // types use the same patterns (ARNs, names, intrinsic arguments).
    static PATTERNS: LazyLock<PatternCache> = LazyLock::new(PatternCache::new);
    jsonschema::options()
        .with_draft(Draft::Draft7)
        .with_pattern_cache(PATTERNS.clone())
        .should_validate_formats(false)
        .should_ignore_unknown_formats(true)
        .build(schema)
        .map_err(|error| error.to_string())
}

/// Drops the patterns the regex engine rejects (rather than making the whole
/// schema unusable).
fn drop_broken_patterns(node: &mut Value) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(pattern)) = map.get("pattern")
                && !regex_compiles(pattern)
            {
                map.remove("pattern");
            }
            if let Some(Value::Object(patterns)) = map.get_mut("patternProperties") {
                patterns.retain(|pattern, _| regex_compiles(pattern));
            }
            map.values_mut().for_each(drop_broken_patterns);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_broken_patterns),
        _ => {}
    }
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
    for (key, value) in map.iter_mut() {
        transform_keyword(key, value);
    }
}

/// [`transform`] for the value of one keyword.
fn transform_keyword(key: &str, value: &mut Value) {
    match key {
        "properties" | "patternProperties" => {
            if let Value::Object(members) = value {
                for member in members.values_mut() {
                    transform(member);
                    wrap(member);
                }
            }
        }
        "definitions" => {
            if let Value::Object(definitions) = value {
                definitions.values_mut().for_each(transform);
            }
        }
        "additionalProperties" | "additionalItems" if value.is_object() => {
            transform(value);
            wrap(value);
        }
        "items" => match value {
            Value::Object(_) => {
                transform(value);
                wrap(value);
            }
            Value::Array(items) => {
                for item in items {
                    transform(item);
                    wrap(item);
                }
            }
            _ => {}
        },
        "anyOf" | "oneOf" | "allOf" => {
            if let Value::Array(branches) = value {
                branches.iter_mut().for_each(transform);
            }
        }
        "then" | "else" => transform(value),
        "dependencies" => {
            if let Value::Object(dependencies) = value {
                for dependency in dependencies.values_mut() {
                    if dependency.is_object() {
                        transform(dependency);
                    }
                }
            }
        }
        _ => {}
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
    let reference = |target: &str| {
        let mut map = Map::new();
        map.insert("$ref".to_owned(), Value::String(target.to_owned()));
        Value::Object(map)
    };
    let mut wrapped = Map::new();
    wrapped.insert("if".to_owned(), reference(INTRINSIC_REF));
    wrapped.insert("then".to_owned(), reference(INTRINSIC_ARGS_REF));
    wrapped.insert("else".to_owned(), original);
    *schema = Value::Object(wrapped);
}

/// Matches an object with exactly one key, naming an intrinsic function.
fn intrinsic_schema() -> Value {
    static SCHEMA: LazyLock<Value> = LazyLock::new(|| {
        json!({
            "type": "object",
            "minProperties": 1,
            "maxProperties": 1,
            "propertyNames": { "enum": INTRINSICS },
        })
    });
    SCHEMA.clone()
}

/// The shape of each intrinsic function's argument (loosely: nested values
/// can themselves be intrinsic functions), for the `functions` instances
/// may have (the others never apply).
fn intrinsic_arguments_schema(functions: Functions) -> Value {
    static ALL: LazyLock<Value> = LazyLock::new(all_intrinsic_arguments);
    let mut schema = Map::new();
    for (key, value) in ALL.as_object().into_iter().flatten() {
        let value = match value {
            Value::Object(properties) if key == "properties" => Value::Object(
                properties
                    .iter()
                    .filter(|(name, _)| {
                        INTRINSICS
                            .iter()
                            .position(|function| function == name)
                            .is_some_and(|bit| functions & 1 << bit != 0)
                    })
                    .map(|(name, argument)| (name.clone(), argument.clone()))
                    .collect(),
            ),
            other => other.clone(),
        };
        schema.insert(key.clone(), value);
    }
    Value::Object(schema)
}

/// [`intrinsic_arguments_schema`] for every function.
fn all_intrinsic_arguments() -> Value {
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

/// A bundled schema with its definitions back in it.
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
pub(crate) fn assembled(schema: &super::embedded::Schema) -> Value {
    let mut root: Value = serde_json::from_str(schema.root).unwrap();
    let mut definitions = Map::new();
    for line in schema.definitions.lines() {
        let (name, text) = line.split_once('\t').unwrap();
        definitions.insert(name.to_owned(), serde_json::from_str(text).unwrap());
    }
    if !definitions.is_empty() {
        root["definitions"] = Value::Object(definitions);
    }
    root
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
    use crate::schema::bundle;
    use crate::schema::embedded::ORIGINALS;

    /// A pattern the regex engine rejects does not make the schema unusable:
    /// it is dropped, and the rest still validates.
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
        let instances = [
            json!({ "Name": "anything", "Size": 3 }),
            json!({ "Size": "three" }),
            json!({ "Size": { "Ref": "Size" } }),
        ];
        let mut used = Shape::default();
        instances.iter().for_each(|instance| used.add(instance));
        for shape in [Shape::full(), used] {
            let compiled = load(text_source(text), &shape);
            let validator = compiled.as_ref().expect("compiles without the pattern");
            let valid: Vec<bool> = instances.iter().map(|i| validator.is_valid(i)).collect();
            assert_eq!(valid, [true, false, true]);
        }
    }

    fn errors(validator: &Validator, instance: &Value) -> Vec<(String, String)> {
        let mut errors: Vec<(String, String)> = validator
            .iter_errors(instance)
            .map(|error| (error.instance_path().to_string(), error.to_string()))
            .collect();
        errors.sort();
        errors
    }

    /// The bundled schema of `type_name`.
    fn source(type_name: &str) -> Source<'static> {
        let schema = &SCHEMAS[index_of(type_name).unwrap()];
        Source {
            root: schema.root,
            definitions: schema.definitions,
        }
    }

    /// A schema given whole (with its definitions).
    fn text_source(text: &str) -> Source<'_> {
        Source {
            root: text,
            definitions: "",
        }
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
            // A literal where another instance has an intrinsic function, and
            // intrinsic functions with malformed arguments.
            json!({
                "Family": { "Ref": 3 },
                "ContainerDefinitions": [{ "Name": { "Fn::Sub": 7 }, "Image": "nginx", "Cpu": { "Fn::Nope": 1 } }],
            }),
        ];
        let mut shape = Shape::default();
        for instance in &instances {
            shape.add(instance);
        }
        let text = source("AWS::ECS::TaskDefinition");
        let pruned = load(text, &shape).unwrap();
        let whole = load(text, &Shape::full()).unwrap();
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
    /// reaches (through references in definitions too); it lets a value be
    /// an intrinsic function only where an instance has one.
    #[test]
    fn pruning_keeps_reachable_definitions_only() {
        let schema = json!({
            "type": "object",
            "properties": {
                "Used": { "$ref": "#/definitions/Outer" },
                "Unused": { "$ref": "#/definitions/Lonely" },
                "Name": { "type": "string" },
            },
            "definitions": {
                "Outer": { "type": "object", "properties": { "X": { "$ref": "#/definitions/Inner" }, "Y": { "type": "string" } } },
                "Inner": { "type": "integer" },
                "Lonely": { "type": "string" },
            },
        });
        let mut shape = Shape::default();
        shape.add(&json!({ "Used": { "X": { "Ref": "Count" } }, "Name": "a" }));
        let parse = |text: &str| serde_json::from_str(text).map_err(|error| format!("{error}"));
        let none = Definitions::new("", &parse);
        let (pruned, functions) = prune_schema(schema.clone(), &shape, &none)
            .unwrap()
            .unwrap();
        assert_eq!(functions, 1, "only Ref");
        assert_eq!(pruned["properties"]["Unused"], json!(true));
        assert_eq!(pruned["properties"]["Name"], json!({ "type": "string" }));
        assert_eq!(
            pruned["properties"]["Used"],
            json!({ "$ref": "#/definitions/Outer" })
        );
        assert_eq!(
            pruned["definitions"]["Outer"]["properties"]["Y"],
            json!(true)
        );
        assert_eq!(
            pruned["definitions"]["Outer"]["properties"]["X"]["else"],
            json!({ "$ref": "#/definitions/Inner" })
        );
        let definitions: Vec<&String> = pruned["definitions"].as_object().unwrap().keys().collect();
        assert_eq!(definitions, ["Outer", "Inner"]);
        // A reference outside the definitions: the whole schema is compiled.
        let odd = json!({ "properties": { "A": { "$ref": "#/properties/B" }, "B": { "type": "string" } } })
            .to_string();
        let mut uses_a = Shape::default();
        uses_a.add(&json!({ "A": "x" }));
        assert_eq!(
            prepare(text_source(&odd), &uses_a, false).unwrap(),
            prepare(text_source(&odd), &Shape::full(), false).unwrap()
        );
        // Bundled definitions are parsed on demand, the same.
        let mut root = schema.clone();
        let definitions: String = root
            .as_object_mut()
            .unwrap()
            .shift_remove("definitions")
            .unwrap()
            .as_object()
            .unwrap()
            .iter()
            .map(|(name, definition)| format!("{name}\t{definition}\n"))
            .collect();
        let root = root.to_string();
        let bundled = Source {
            root: &root,
            definitions: &definitions,
        };
        let mut expected = pruned;
        expected["definitions"][INTRINSIC_DEF] = intrinsic_schema();
        expected["definitions"][INTRINSIC_ARGS_DEF] = intrinsic_arguments_schema(functions);
        assert_eq!(prepare(bundled, &shape, false).unwrap(), expected);
    }

    /// The schema as ecsc prepared it before schemas were bundled at build
    /// time: the registry file whole, its patterns and `$ref`s fixed in place.
    fn unbundled(original: &str) -> Value {
        fn fix(node: &mut Value) {
            match node {
                Value::Object(map) => {
                    for (key, value) in map.iter_mut() {
                        match (key.as_str(), &mut *value) {
                            ("$ref", Value::String(target)) => {
                                if let Some(rest) = target.strip_prefix("resource-schema.json#") {
                                    *target = format!("#{rest}");
                                }
                            }
                            ("pattern", Value::String(pattern)) => {
                                *pattern = bundle::fix_regex(pattern);
                            }
                            _ => fix(value),
                        }
                    }
                    if let Some(Value::Object(patterns)) = map.get_mut("patternProperties") {
                        *patterns = std::mem::take(patterns)
                            .into_iter()
                            .map(|(pattern, value)| (bundle::fix_regex(&pattern), value))
                            .collect();
                    }
                }
                Value::Array(items) => items.iter_mut().for_each(fix),
                _ => {}
            }
        }
        let mut raw: Value = serde_json::from_str(original).unwrap();
        fix(&mut raw);
        raw
    }

    /// The resources' properties of the example templates, by type.
    fn example_properties() -> BTreeMap<String, Vec<Value>> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots/examples");
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .collect();
        paths.sort();
        let mut by_type: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for path in paths {
            let text = std::fs::read_to_string(&path).unwrap();
            // An insta snapshot: a `---` delimited header, then the template.
            let body = text.splitn(3, "---\n").nth(2).unwrap();
            let template: Value = serde_json::from_str(body).unwrap();
            for resource in template["Resources"].as_object().unwrap().values() {
                let type_name = resource["Type"].as_str().unwrap().to_owned();
                let properties = resource.get("Properties").cloned().unwrap_or(json!({}));
                by_type.entry(type_name).or_default().push(properties);
            }
        }
        by_type
    }

    /// Changes a value (given whether it is the root) in several ways.
    type Change = dyn Fn(&Value, bool) -> Vec<Value>;

    /// Copies of `instance` with one value changed by `change`, at every place.
    fn mutations(instance: &Value, change: &Change) -> Vec<Value> {
        fn walk(
            root: &Value,
            pointer: String,
            node: &Value,
            change: &Change,
            out: &mut Vec<Value>,
        ) {
            for changed in change(node, pointer.is_empty()) {
                let mut copy = root.clone();
                *copy.pointer_mut(&pointer).unwrap() = changed;
                out.push(copy);
            }
            match node {
                Value::Object(members) => {
                    for (key, value) in members {
                        let key = key.replace('~', "~0").replace('/', "~1");
                        walk(root, format!("{pointer}/{key}"), value, change, out);
                    }
                }
                Value::Array(items) => {
                    for (index, value) in items.iter().enumerate() {
                        walk(root, format!("{pointer}/{index}"), value, change, out);
                    }
                }
                _ => {}
            }
        }
        let mut out = Vec::new();
        walk(instance, String::new(), instance, change, &mut out);
        out
    }

    /// Values of the wrong type or size, unknown members.
    fn wrong_values(value: &Value, root: bool) -> Vec<Value> {
        match value {
            Value::String(_) => vec![json!(7), json!(""), json!("x".repeat(300))],
            Value::Number(_) => vec![json!("seven"), json!(-1), json!(1.5)],
            Value::Bool(_) => vec![json!("yes")],
            Value::Object(members)
                if !root && INTRINSICS.iter().any(|name| members.contains_key(*name)) =>
            {
                vec![json!([])]
            }
            Value::Object(members) => {
                let mut more = members.clone();
                more.insert("Bogus".to_owned(), json!(1));
                let mut variants = vec![Value::Object(more)];
                // Without each member in turn (required members).
                for key in members.keys() {
                    let mut fewer = members.clone();
                    fewer.remove(key);
                    variants.push(Value::Object(fewer));
                }
                if !root {
                    variants.push(json!(3));
                }
                variants
            }
            Value::Array(_) => vec![json!("not an array"), json!([])],
            Value::Null => vec![json!(1)],
        }
    }

    /// Intrinsic functions, well-formed or not, in place of values.
    fn intrinsic_values(_: &Value, root: bool) -> Vec<Value> {
        if root {
            return Vec::new();
        }
        vec![
            json!({ "Ref": "Thing" }),
            json!({ "Ref": 7 }),
            json!({ "Fn::If": ["Prod", 1, 2] }),
            json!({ "Fn::GetAtt": "nodot" }),
            json!({ "Fn::Nope": 1 }),
        ]
    }

    /// Every example template's resources, changed in every way above, get
    /// the same errors from the validator of the schema as bundled (whole,
    /// or compiled for their shape) as from the registry schema whole: the
    /// bundling drops nothing validation reads, and pruning and accepting
    /// intrinsic functions only where instances have them change no result.
    #[test]
    fn bundled_and_pruned_schemas_find_the_errors_of_the_registry_schemas() {
        let mut compared = 0;
        for (type_name, instances) in example_properties() {
            let index = index_of(&type_name).unwrap();
            let text = source(&type_name);
            let unbundled = unbundled(ORIGINALS[index]).to_string();
            let registry =
                compile(&prepare(text_source(&unbundled), &Shape::full(), false).unwrap()).unwrap();
            let bundled = load(text, &Shape::full()).unwrap();
            let changes: [&Change; 2] = [&wrong_values, &intrinsic_values];
            for change in changes {
                let mut group: Vec<Value> = instances.clone();
                for instance in &instances {
                    group.extend(mutations(instance, change));
                }
                let mut shape = Shape::default();
                group.iter().for_each(|instance| shape.add(instance));
                let pruned = load(text, &shape).unwrap();
                for instance in &group {
                    let expected = errors(&registry, instance);
                    assert_eq!(
                        errors(&bundled, instance),
                        expected,
                        "{type_name}: {instance}"
                    );
                    assert_eq!(
                        errors(&pruned, instance),
                        expected,
                        "{type_name}: {instance}"
                    );
                    compared += 1;
                }
            }
        }
        assert!(compared > 1000, "{compared}");
    }

    #[test]
    fn bundled_schemas_are_the_registry_schemas_minified() {
        let (mut bundled_size, mut original_size) = (0, 0);
        for (schema, original) in SCHEMAS.iter().zip(ORIGINALS) {
            bundled_size += schema.root.len() + schema.definitions.len();
            original_size += original.len();
            let original: Value = serde_json::from_str(original).unwrap();
            let bundled = assembled(schema);
            assert_eq!(bundled, bundle::minify(&original), "{}", schema.type_name);
            assert_eq!(original["typeName"], schema.type_name);
        }
        assert!(
            bundled_size * 4 < original_size,
            "{bundled_size} of {original_size} bytes"
        );
    }

    /// Minifying keeps the keywords validation reads, wherever they are
    /// keywords, and nothing else; it leaves property names alone.
    #[test]
    fn minify_keeps_keywords_only() {
        let schema = json!({
            "$schema": "https://schema.cloudformation.us-east-1.amazonaws.com/provider.definition.schema.v1.json",
            "$id": "resource-schema.json",
            "typeName": "AWS::Test::Thing",
            "description": "A thing.",
            "handlers": { "create": { "permissions": ["x:Y"] } },
            "readOnlyProperties": ["/properties/Arn"],
            "type": "object",
            "additionalProperties": false,
            "required": ["Description"],
            "properties": {
                "Description": { "type": "string", "description": "Its description.", "maxLength": 10 },
                "Pattern": { "$ref": "resource-schema.json#/definitions/Name" },
                "Tags": { "type": "array", "insertionOrder": false, "items": { "$ref": "#/definitions/Tag" }, "uniqueItems": true },
            },
            "definitions": {
                "Name": { "type": "string", "pattern": "^[a-z]+\\Z", "examples": ["a"], "default": "a", "format": "uri" },
                "Tag": { "type": "object", "patternProperties": { "^\\p{Print}+$": { "enum": [{ "description": 1 }] } } },
            },
            "anyOf": [{ "required": ["Pattern"], "title": "t" }, { "not": { "required": ["Tags"], "$comment": "c" } }],
        });
        let expected = json!({
            "typeName": "AWS::Test::Thing",
            "type": "object",
            "additionalProperties": false,
            "required": ["Description"],
            "properties": {
                "Description": { "type": "string", "maxLength": 10 },
                "Pattern": { "$ref": "#/definitions/Name" },
                "Tags": { "type": "array", "items": { "$ref": "#/definitions/Tag" }, "uniqueItems": true },
            },
            "definitions": {
                "Name": { "type": "string", "pattern": "^[a-z]+$" },
                "Tag": { "type": "object", "patternProperties": { "^[\\x20-\\x7E]+$": { "enum": [{ "description": 1 }] } } },
            },
            "anyOf": [{ "required": ["Pattern"] }, { "not": { "required": ["Tags"] } }],
        });
        assert_eq!(bundle::minify(&schema), expected);
    }

    #[test]
    fn attributes_come_from_the_registry_schema() {
        for (index, (schema, original)) in SCHEMAS.iter().zip(ORIGINALS).enumerate() {
            let original: Value = serde_json::from_str(original).unwrap();
            let expected = bundle::attributes(schema.type_name, &original);
            let info = type_info(schema.type_name).unwrap();
            assert_eq!(info.attributes, expected, "{}", schema.type_name);
            assert_eq!(index_of(schema.type_name), Some(index));
        }
    }
}
