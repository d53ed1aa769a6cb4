//! Types and typed values.
//!
//! [`Ty`] is the type of a field, a label or a parameter, as declared in
//! `stdlib/`. The checker ([`check`]) turns the AST of a user program into a
//! [`Typed`] program: declarations as [`Obj`]s whose fields hold normalised
//! [`Value`]s (memory in MiB, CPU in units, durations in seconds), each with
//! the span it came from. Analysis always produces a `Typed`, even for a
//! broken program; bad values become [`Value::Error`].

pub mod check;
pub mod units;

use crate::span::Span;
use indexmap::IndexMap;

/// The type of a field, label or parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    /// Text.
    String,
    /// A whole number.
    Int,
    /// A number, whole or decimal.
    Number,
    /// A TCP/UDP port, 1..65535.
    Port,
    /// `true` or `false`.
    Bool,
    /// An amount of memory (`512 MiB`, `2 GiB`).
    Memory,
    /// An amount of CPU (`0.5 vcpu`, or CPU units: `512`).
    Cpu,
    /// A duration (`30s`, `5m`, `1h`, `7d`).
    Duration,
    /// A percentage (`60%`).
    Percent,
    /// A range of whole numbers (`2..20`).
    Range,
    /// One of the listed words.
    Enum(Vec<String>),
    /// A reference to a declaration of one of these kinds.
    Ref(Vec<String>),
    /// A list of values of a type.
    List(Box<Ty>),
    /// A map from names to values of a type.
    Map(Box<Ty>),
    /// Any of the alternatives.
    Union(Vec<Ty>),
    /// A nested block of the kind with this path (`service.container`).
    Block(String),
    /// A label that declares a name.
    Name,
    /// The type of something already wrong (stops cascades).
    Error,
}

impl Ty {
    /// How the type is written in messages.
    pub fn describe(&self) -> String {
        match self {
            Ty::String => "a string".into(),
            Ty::Int => "a whole number".into(),
            Ty::Number => "a number".into(),
            Ty::Port => "a port number".into(),
            Ty::Bool => "`true` or `false`".into(),
            Ty::Memory => "an amount of memory (e.g. `512 MiB`)".into(),
            Ty::Cpu => "an amount of CPU (e.g. `0.5 vcpu` or `512`)".into(),
            Ty::Duration => "a duration (e.g. `30s`)".into(),
            Ty::Percent => "a percentage (e.g. `60%`)".into(),
            Ty::Range => "a range (e.g. `2..20`)".into(),
            Ty::Enum(values) => format!("one of {}", quote_list(values)),
            Ty::Ref(kinds) => format!("the name of a {}", kinds.join(" or ")),
            Ty::List(inner) => format!("a list of {}", strip_article(&inner.describe())),
            Ty::Map(inner) => format!("a map of {}", strip_article(&inner.describe())),
            Ty::Union(alternatives) => alternatives
                .iter()
                .map(Ty::describe)
                .collect::<Vec<_>>()
                .join(" or "),
            Ty::Block(path) => format!("a `{}` block", path.rsplit('.').next().unwrap_or(path)),
            Ty::Name => "a name".into(),
            Ty::Error => "a value".into(),
        }
    }

    /// How the type is written in stdlib syntax (for hover).
    pub fn syntax(&self) -> String {
        match self {
            Ty::String => "String".into(),
            Ty::Int => "Int".into(),
            Ty::Number => "Number".into(),
            Ty::Port => "Port".into(),
            Ty::Bool => "Bool".into(),
            Ty::Memory => "Memory".into(),
            Ty::Cpu => "Cpu".into(),
            Ty::Duration => "Duration".into(),
            Ty::Percent => "Percent".into(),
            Ty::Range => "Range".into(),
            Ty::Enum(values) => format!("enum({})", values.join(", ")),
            Ty::Ref(kinds) => format!("ref({})", kinds.join(", ")),
            Ty::List(inner) => format!("list({})", inner.syntax()),
            Ty::Map(inner) => format!("map({})", inner.syntax()),
            Ty::Union(alternatives) => alternatives
                .iter()
                .map(Ty::syntax)
                .collect::<Vec<_>>()
                .join(" | "),
            Ty::Block(path) => format!("block {path}"),
            Ty::Name => "name".into(),
            Ty::Error => "?".into(),
        }
    }
}

fn strip_article(text: &str) -> String {
    text.strip_prefix("a ")
        .or_else(|| text.strip_prefix("an "))
        .unwrap_or(text)
        .to_string()
}

/// Formats words as `` `a`, `b` or `c` ``.
pub fn quote_list(values: &[String]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// A normalised value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text.
    Str(String),
    /// A whole number.
    Int(i64),
    /// A decimal number.
    Number(f64),
    /// A boolean.
    Bool(bool),
    /// Memory, in MiB.
    Memory(u64),
    /// CPU, in CPU units (1024 = 1 vCPU).
    Cpu(u64),
    /// A duration, in seconds.
    Duration(u64),
    /// A percentage.
    Percent(f64),
    /// `low..high`.
    Range(i64, i64),
    /// A word of an enum.
    Enum(String),
    /// A reference to a top-level declaration.
    Ref {
        /// The declaration's kind.
        kind: String,
        /// Its name.
        name: String,
    },
    /// A reference to a `param` (becomes `{"Ref": ...}`).
    Param(String),
    /// `decl.attribute` (becomes `Fn::GetAtt` or similar).
    Attr {
        /// The declaration's kind.
        kind: String,
        /// Its name.
        decl: String,
        /// The attribute.
        attr: String,
    },
    /// A list.
    List(Vec<Val>),
    /// A map, in source order.
    Map(IndexMap<String, Val>),
    /// Nested blocks of one kind, in source order.
    Blocks(Vec<Obj>),
    /// A value that was already reported as wrong.
    Error,
}

/// A value and where it was written (or, for defaults, the field's declaration).
#[derive(Debug, Clone, PartialEq)]
pub struct Val {
    /// The value.
    pub value: Value,
    /// Where it came from.
    pub span: Span,
    /// True when the value is the field's default, not written by the user.
    pub defaulted: bool,
}

impl Val {
    /// A value written at `span`.
    pub fn new(value: Value, span: Span) -> Self {
        Val {
            value,
            span,
            defaulted: false,
        }
    }
}

/// A checked block: a declaration or a nested block.
#[derive(Debug, Clone, PartialEq)]
pub struct Obj {
    /// Kind path, e.g. `service` or `service.container`.
    pub kind: String,
    /// The label's value (for named blocks, [`Value::Str`] of the name).
    pub label: Option<Val>,
    /// The whole block.
    pub span: Span,
    /// The kind keyword and label (where most diagnostics point).
    pub head: Span,
    /// Fields, including defaults, in declaration order of the kind.
    pub fields: IndexMap<String, Val>,
    /// Doc comments written on the block.
    pub docs: Vec<String>,
}

impl Obj {
    /// The name given by the label, if it is a name.
    pub fn name(&self) -> &str {
        match self.label.as_ref().map(|l| &l.value) {
            Some(Value::Str(name)) => name,
            Some(Value::Enum(name)) => name,
            Some(Value::Ref { name, .. }) => name,
            _ => "",
        }
    }

    /// A field's value, if set or defaulted.
    pub fn get(&self, field: &str) -> Option<&Val> {
        self.fields.get(field).filter(|v| v.value != Value::Error)
    }

    /// A string field.
    pub fn str(&self, field: &str) -> Option<&str> {
        match self.get(field).map(|v| &v.value) {
            Some(Value::Str(s)) | Some(Value::Enum(s)) => Some(s),
            _ => None,
        }
    }

    /// An integer field.
    pub fn int(&self, field: &str) -> Option<i64> {
        match self.get(field).map(|v| &v.value) {
            Some(Value::Int(i)) => Some(*i),
            _ => None,
        }
    }

    /// A boolean field.
    pub fn bool(&self, field: &str) -> Option<bool> {
        match self.get(field).map(|v| &v.value) {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    /// The referenced declaration's name of a `ref(...)` field.
    pub fn reference(&self, field: &str) -> Option<&str> {
        match self.get(field).map(|v| &v.value) {
            Some(Value::Ref { name, .. }) => Some(name),
            _ => None,
        }
    }

    /// The nested blocks of a field (empty when none).
    pub fn blocks(&self, field: &str) -> &[Obj] {
        match self.fields.get(field).map(|v| &v.value) {
            Some(Value::Blocks(blocks)) => blocks,
            _ => &[],
        }
    }

    /// The single nested block of an unlabelled nested kind.
    pub fn block(&self, field: &str) -> Option<&Obj> {
        self.blocks(field).first()
    }

    /// True when the user wrote the field (not a default).
    pub fn is_set(&self, field: &str) -> bool {
        self.fields.get(field).is_some_and(|v| !v.defaulted)
    }
}

/// A `param` declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Its name.
    pub name: String,
    /// CloudFormation type (`String`, `AWS::EC2::VPC::Id`...).
    pub cfn_type: String,
    /// The type it has in expressions.
    pub ty: Ty,
    /// Default value.
    pub default: Option<Val>,
    /// Doc comment.
    pub docs: Vec<String>,
    /// Where it was declared.
    pub span: Span,
}

/// An `output` declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: Val,
    /// The export name (`export = "name"`), or `true` for a name derived
    /// from the stack and output names; written in the map form
    /// `output x = { value = ..., export = ... }`.
    pub export: Option<Val>,
    /// Doc comment (becomes the output's description).
    pub docs: Vec<String>,
    /// Where it was declared.
    pub span: Span,
}

/// A checked program.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Typed {
    /// Top-level declarations, by name, in source order.
    pub decls: IndexMap<String, Obj>,
    /// Parameters, in source order.
    pub params: IndexMap<String, Param>,
    /// Outputs, in source order.
    pub outputs: IndexMap<String, Output>,
}

impl Typed {
    /// All declarations of one kind.
    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Obj> + 'a {
        self.decls.values().filter(move |obj| obj.kind == kind)
    }

    /// The declaration named `name`, if it is of `kind`.
    pub fn get(&self, kind: &str, name: &str) -> Option<&Obj> {
        self.decls.get(name).filter(|obj| obj.kind == kind)
    }
}
