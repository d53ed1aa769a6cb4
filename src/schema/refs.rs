//! Reference integrity (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `DependsOn`,
//! conditions) and dependency cycles among resources.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Map, Value};

use super::load::type_info;
use super::{ProblemKind, TemplateProblem, pointer_push};

/// Pseudo parameters `Ref` (and `${...}` in `Fn::Sub`) may name.
const PSEUDO_PARAMETERS: &[&str] = &[
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
];

/// The names defined by a template, and the resources' types.
struct Names<'t> {
    resources: HashMap<&'t str, Option<&'t str>>,
    parameters: BTreeSet<&'t str>,
    conditions: BTreeSet<&'t str>,
    mappings: BTreeSet<&'t str>,
}

/// Which section a walked value belongs to, with the resource it is in (if any).
#[derive(Clone, Copy)]
struct Context<'t> {
    logical_id: Option<&'t str>,
    /// The resource whose dependencies are being collected.
    resource: Option<&'t str>,
    /// Whether this is the Conditions section, where `{"Condition": name}` refers to a condition.
    in_conditions: bool,
}

/// One step of a JSON pointer.
#[derive(Clone, Copy)]
enum Segment<'t> {
    Key(&'t str),
    Index(usize),
}

struct Checker<'t> {
    names: Names<'t>,
    problems: Vec<TemplateProblem>,
    /// Resource -> resources it depends on.
    edges: BTreeMap<&'t str, BTreeSet<&'t str>>,
    /// The resources the resource being walked depends on, so far.
    targets: Vec<&'t str>,
    /// Where in the template the check is, written out only for a problem:
    /// writing the pointer of every node of the template was most of the
    /// cost of this check.
    path: Vec<Segment<'t>>,
}

fn section<'t>(template: &'t Value, name: &str) -> Option<&'t Map<String, Value>> {
    template.get(name).and_then(Value::as_object)
}

/// Checks every reference in the template, then looks for dependency cycles.
pub(crate) fn check(template: &Value, problems: &mut Vec<TemplateProblem>) {
    let resources = section(template, "Resources");
    let names = Names {
        resources: resources
            .map(|resources| {
                resources
                    .iter()
                    .map(|(id, resource)| {
                        (id.as_str(), resource.get("Type").and_then(Value::as_str))
                    })
                    .collect()
            })
            .unwrap_or_default(),
        parameters: keys(section(template, "Parameters")),
        conditions: keys(section(template, "Conditions")),
        mappings: keys(section(template, "Mappings")),
    };
    let mut checker = Checker {
        names,
        problems: Vec::new(),
        edges: BTreeMap::new(),
        targets: Vec::new(),
        path: Vec::with_capacity(32),
    };

    for id in checker.names.parameters.clone() {
        if checker.names.resources.contains_key(id) {
            checker.problems.push(TemplateProblem {
                logical_id: Some(id.to_owned()),
                pointer: pointer_push("/Parameters", id),
                message: format!("logical id '{id}' is used by both a parameter and a resource"),
                kind: ProblemKind::Reference,
            });
        }
    }

    if let Some(resources) = resources {
        for (id, resource) in resources {
            let context = Context {
                logical_id: Some(id.as_str()),
                resource: Some(id.as_str()),
                in_conditions: false,
            };
            let Some(resource) = resource.as_object() else {
                checker.edges.insert(id, BTreeSet::new());
                continue;
            };
            for (key, value) in resource {
                checker.path.clear();
                checker.path.extend([
                    Segment::Key("Resources"),
                    Segment::Key(id),
                    Segment::Key(key),
                ]);
                match key.as_str() {
                    "DependsOn" => checker.depends_on(context, value),
                    "Condition" => checker.condition_name(context, value),
                    "Type" => {}
                    _ => checker.walk(context, value),
                }
            }
            let targets = std::mem::take(&mut checker.targets);
            checker.edges.insert(id, targets.into_iter().collect());
        }
    }
    if let Some(outputs) = section(template, "Outputs") {
        for (id, output) in outputs {
            let context = Context {
                logical_id: Some(id.as_str()),
                resource: None,
                in_conditions: false,
            };
            let Some(output) = output.as_object() else {
                continue;
            };
            for (key, value) in output {
                checker.path.clear();
                checker
                    .path
                    .extend([Segment::Key("Outputs"), Segment::Key(id), Segment::Key(key)]);
                match key.as_str() {
                    "Condition" => checker.condition_name(context, value),
                    _ => checker.walk(context, value),
                }
            }
        }
    }
    if let Some(conditions) = section(template, "Conditions") {
        for (id, condition) in conditions {
            let context = Context {
                logical_id: Some(id.as_str()),
                resource: None,
                in_conditions: true,
            };
            checker.path.clear();
            checker
                .path
                .extend([Segment::Key("Conditions"), Segment::Key(id)]);
            checker.walk(context, condition);
        }
    }

    if let Some(problem) = find_cycle(&checker.edges) {
        checker.problems.push(problem);
    }
    problems.append(&mut checker.problems);
}

fn keys(section: Option<&Map<String, Value>>) -> BTreeSet<&str> {
    section
        .map(|section| section.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

impl<'t> Checker<'t> {
    /// A problem at the current place.
    fn problem(&mut self, context: Context<'_>, message: String) {
        let mut pointer = String::new();
        for segment in &self.path {
            match segment {
                Segment::Key(key) => pointer = pointer_push(&pointer, key),
                Segment::Index(index) => pointer = pointer_push(&pointer, &index.to_string()),
            }
        }
        self.problems.push(TemplateProblem {
            logical_id: context.logical_id.map(str::to_owned),
            pointer,
            message,
            kind: ProblemKind::Reference,
        });
    }

    /// Runs `check` one step further down, at `segment`.
    fn at<R>(&mut self, segment: Segment<'t>, check: impl FnOnce(&mut Self) -> R) -> R {
        self.path.push(segment);
        let result = check(self);
        self.path.pop();
        result
    }

    /// Records that the current resource (the one being walked) depends on
    /// `target` (if it is a resource).
    fn edge(&mut self, context: Context<'t>, target: &str) {
        if context.resource.is_none() {
            return;
        }
        if let Some((target, _)) = self.names.resources.get_key_value(target) {
            self.targets.push(target);
        }
    }

    fn depends_on(&mut self, context: Context<'t>, value: &'t Value) {
        match value {
            Value::Array(targets) => {
                for (index, target) in targets.iter().enumerate() {
                    self.at(Segment::Index(index), |this| {
                        this.depends_on_one(context, target);
                    });
                }
            }
            other => self.depends_on_one(context, other),
        }
    }

    fn depends_on_one(&mut self, context: Context<'t>, target: &'t Value) {
        match target.as_str() {
            Some(name) if self.names.resources.contains_key(name) => self.edge(context, name),
            Some(name) => self.problem(
                context,
                format!("dependson names '{name}', which is not a resource"),
            ),
            None => self.problem(
                context,
                "dependson entries must be resource logical ids".to_owned(),
            ),
        }
    }

    fn condition_name(&mut self, context: Context<'t>, value: &Value) {
        match value.as_str() {
            Some(name) if self.names.conditions.contains(name) => {}
            Some(name) => self.problem(context, format!("condition '{name}' is not defined")),
            None => self.problem(context, "a condition must be named by a string".to_owned()),
        }
    }

    /// Visits every value below `value` (at the current place), checking
    /// each intrinsic function found.
    fn walk(&mut self, context: Context<'t>, value: &'t Value) {
        match value {
            Value::Object(map) => {
                if map.len() == 1
                    && let Some((key, argument)) = map.iter().next()
                {
                    self.at(Segment::Key(key), |this| match key.as_str() {
                        "Ref" => this.check_ref(context, argument),
                        "Fn::GetAtt" => this.check_get_att(context, argument),
                        "Fn::Sub" => this.check_sub(context, argument),
                        "Fn::If" => this.check_if(context, argument),
                        "Condition" if context.in_conditions => {
                            this.condition_name(context, argument);
                        }
                        "Fn::FindInMap" => this.check_find_in_map(context, argument),
                        _ => {}
                    });
                }
                for (key, child) in map {
                    // The Fn::Sub argument has been walked by check_sub.
                    if map.len() == 1 && key == "Fn::Sub" {
                        continue;
                    }
                    self.at(Segment::Key(key), |this| this.walk(context, child));
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    self.at(Segment::Index(index), |this| this.walk(context, item));
                }
            }
            _ => {}
        }
    }

    fn check_ref(&mut self, context: Context<'t>, argument: &Value) {
        let Some(name) = argument.as_str() else {
            // Ref to a computed name is not allowed, but nested functions get walked anyway.
            self.problem(context, "ref must name a resource or parameter".to_owned());
            return;
        };
        self.check_name(context, name, "ref");
    }

    /// `name` must be a resource, a parameter or a pseudo parameter.
    fn check_name(&mut self, context: Context<'t>, name: &str, what: &str) {
        if self.names.resources.contains_key(name) {
            self.edge(context, name);
        } else if !self.names.parameters.contains(name) && !PSEUDO_PARAMETERS.contains(&name) {
            self.problem(
                context,
                format!(
                    "{what} to '{name}', which is not a resource, parameter or pseudo parameter"
                ),
            );
        }
    }

    fn check_get_att(&mut self, context: Context<'t>, argument: &Value) {
        let (resource, attribute) = match argument {
            Value::Array(parts) => match parts.as_slice() {
                [Value::String(resource), Value::String(attribute)] => {
                    (resource.as_str(), Some(attribute.as_str()))
                }
                // The attribute may be computed (e.g. a Ref to a parameter).
                [Value::String(resource), _] => (resource.as_str(), None),
                _ => {
                    self.problem(
                        context,
                        "fn::getatt takes [logical id, attribute name]".to_owned(),
                    );
                    return;
                }
            },
            Value::String(dotted) => match dotted.split_once('.') {
                Some((resource, attribute)) => (resource, Some(attribute)),
                None => {
                    self.problem(context, "fn::getatt takes 'logicalid.attribute'".to_owned());
                    return;
                }
            },
            _ => {
                self.problem(
                    context,
                    "fn::getatt takes [logical id, attribute name]".to_owned(),
                );
                return;
            }
        };
        self.check_attribute(context, resource, attribute, "fn::getatt");
    }

    fn check_attribute(
        &mut self,
        context: Context<'t>,
        resource: &str,
        attribute: Option<&str>,
        what: &str,
    ) {
        let Some(type_name) = self.names.resources.get(resource).copied() else {
            self.problem(
                context,
                format!("{what} on '{resource}', which is not a resource"),
            );
            return;
        };
        self.edge(context, resource);
        let (Some(attribute), Some(type_name)) = (attribute, type_name) else {
            return;
        };
        let Some(known) = type_info(type_name).and_then(|info| info.attributes.as_ref()) else {
            return;
        };
        if !known.contains(attribute) {
            let list: Vec<&str> = known.iter().map(String::as_str).take(12).collect();
            let more = if known.len() > list.len() {
                ", ..."
            } else {
                ""
            };
            self.problem(
                context,
                format!(
                    "{what}: {type_name} has no attribute '{attribute}' (it has {}{more})",
                    list.join(", ")
                ),
            );
        }
    }

    fn check_sub(&mut self, context: Context<'t>, argument: &'t Value) {
        // The text, and the step from here to it (none for a plain string).
        let (text, to_text, variables) = match argument {
            Value::String(text) => (text.as_str(), None, None),
            Value::Array(parts) => match parts.as_slice() {
                [Value::String(text), Value::Object(variables)] => {
                    self.at(Segment::Index(1), |this| {
                        for (name, value) in variables {
                            this.at(Segment::Key(name), |this| this.walk(context, value));
                        }
                    });
                    (text.as_str(), Some(Segment::Index(0)), Some(variables))
                }
                _ => {
                    self.problem(
                        context,
                        "fn::sub takes a string or [string, {variables}]".to_owned(),
                    );
                    self.walk(context, argument);
                    return;
                }
            },
            _ => {
                self.problem(
                    context,
                    "fn::sub takes a string or [string, {variables}]".to_owned(),
                );
                self.walk(context, argument);
                return;
            }
        };
        let depth = self.path.len();
        self.path.extend(to_text);
        for variable in sub_variables(text) {
            if variables.is_some_and(|variables| variables.contains_key(variable)) {
                continue;
            }
            if self.names.resources.contains_key(variable)
                || self.names.parameters.contains(variable)
                || PSEUDO_PARAMETERS.contains(&variable)
            {
                self.check_name(context, variable, "fn::sub");
                continue;
            }
            match variable.split_once('.') {
                Some((resource, attribute)) if self.names.resources.contains_key(resource) => {
                    self.check_attribute(context, resource, Some(attribute), "fn::sub");
                }
                _ => self.problem(
                    context,
                    format!(
                        "fn::sub variable '${{{variable}}}' is not a resource, parameter, pseudo parameter or defined variable"
                    ),
                ),
            }
        }
        self.path.truncate(depth);
    }

    fn check_if(&mut self, context: Context<'t>, argument: &Value) {
        match argument.as_array().map(Vec::as_slice) {
            Some([condition, _, _]) => {
                self.at(Segment::Index(0), |this| {
                    this.condition_name(context, condition);
                });
            }
            _ => self.problem(
                context,
                "fn::if takes [condition name, value if true, value if false]".to_owned(),
            ),
        }
    }

    fn check_find_in_map(&mut self, context: Context<'t>, argument: &Value) {
        if let Some(Value::String(map)) = argument.as_array().and_then(|parts| parts.first())
            && !self.names.mappings.contains(map.as_str())
        {
            self.at(Segment::Index(0), |this| {
                this.problem(
                    context,
                    format!("fn::findinmap names mapping '{map}', which is not defined"),
                );
            });
        }
    }
}

/// The variable names in an `Fn::Sub` string, in order: `${Name}` and
/// `${Name.Attr}`, but not the literal `${!Text}`.
pub(crate) fn sub_variables(text: &str) -> Vec<&str> {
    let mut variables = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = rest.get(start + 2..).unwrap_or("");
        let Some(end) = after.find('}') else {
            break;
        };
        let inner = after.get(..end).unwrap_or("");
        if !inner.starts_with('!') {
            variables.push(inner.trim());
        }
        rest = after.get(end + 1..).unwrap_or("");
    }
    variables
}

/// Finds one dependency cycle (deterministically: the one reached first from
/// the alphabetically first resource), rotated to start at its smallest id.
fn find_cycle(edges: &BTreeMap<&str, BTreeSet<&str>>) -> Option<TemplateProblem> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        OnStack,
        Done,
    }
    let mut state: BTreeMap<&str, State> = BTreeMap::new();
    for &start in edges.keys() {
        if state.contains_key(start) {
            continue;
        }
        // Iterative DFS: a stack of (node, remaining neighbours).
        let mut path: Vec<&str> = vec![start];
        let mut stack: Vec<std::collections::btree_set::Iter<'_, &str>> = Vec::new();
        state.insert(start, State::OnStack);
        stack.push(edges.get(start).map(|next| next.iter()).unwrap_or_default());
        while let Some(neighbours) = stack.last_mut() {
            match neighbours.next() {
                Some(&next) => match state.get(next) {
                    Some(State::OnStack) => {
                        let position = path.iter().position(|&node| node == next)?;
                        let mut cycle: Vec<&str> = path.get(position..)?.to_vec();
                        let smallest = cycle
                            .iter()
                            .enumerate()
                            .min_by_key(|(_, node)| **node)
                            .map_or(0, |(index, _)| index);
                        cycle.rotate_left(smallest);
                        let first = *cycle.first()?;
                        let mut names = cycle.clone();
                        names.push(first);
                        return Some(TemplateProblem {
                            logical_id: Some(first.to_owned()),
                            pointer: pointer_push("/Resources", first),
                            message: format!("circular dependency: {}", names.join(" -> ")),
                            kind: ProblemKind::Cycle,
                        });
                    }
                    Some(State::Done) => {}
                    None => {
                        state.insert(next, State::OnStack);
                        path.push(next);
                        stack.push(edges.get(next).map(|next| next.iter()).unwrap_or_default());
                    }
                },
                None => {
                    stack.pop();
                    if let Some(done) = path.pop() {
                        state.insert(done, State::Done);
                    }
                }
            }
        }
    }
    None
}
