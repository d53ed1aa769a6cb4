//! The type checker: checks every block against its kind in the stdlib and
//! every value against its field's type, and builds the [`Typed`] program.
//!
//! Codes: E1001 undeclared name, E1003 wrong kind of reference, E1007 cyclic
//! constant, E2001 unknown field, E2002 missing field, E2003 type mismatch,
//! E2004 unit mismatch, E2005 unknown enum value, E2006 unknown unit,
//! E2007 duplicate field, E2008 invalid label, E2009 value out of range.

use super::units::{self, Dimension, UnitError};
use super::{Obj, Output, Param, Ty, Typed, Val, Value, quote_list};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::resolve::{Resolved, SymbolKind, did_you_mean};
use crate::span::Span;
use crate::stdlib::{KindDef, Stdlib};
use crate::syntax::ast::{self, Expr, ExprKind, StmtKind};
use indexmap::IndexMap;

/// A use of a declared name, for go-to-definition and find-references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Where the name is written.
    pub span: Span,
    /// The declaration it names.
    pub target: String,
}

/// Checks the top-level statements of a program.
pub fn check(
    stmts: &[&ast::Stmt],
    resolved: &Resolved,
    stdlib: &Stdlib,
    diags: &mut Diagnostics,
) -> (Typed, Vec<Reference>) {
    let mut lets = IndexMap::new();
    for stmt in stmts {
        if let StmtKind::Let { name, value } = &stmt.kind {
            lets.entry(name.node.clone()).or_insert(value);
        }
    }
    let mut checker = Checker {
        stdlib,
        resolved,
        lets,
        params: IndexMap::new(),
        diags,
        let_stack: Vec::new(),
        references: Vec::new(),
    };
    let mut typed = Typed::default();
    // Parameters first: their types are needed wherever they are used.
    for stmt in stmts {
        if let StmtKind::Param { name, ty, default } = &stmt.kind {
            let param = checker.param(stmt, name, ty, default.as_ref());
            checker.params.insert(name.node.clone(), param.ty.clone());
            typed.params.entry(name.node.clone()).or_insert(param);
        }
    }
    for stmt in stmts {
        match &stmt.kind {
            StmtKind::Block(block) => {
                let Some(def) = stdlib.top_kind(&block.kind.node) else {
                    continue;
                };
                let obj = checker.block(block, def, stmt);
                let name = obj.name().to_string();
                let first = resolved
                    .symbols
                    .get(&name)
                    .is_some_and(|s| s.span == stmt.span);
                if first {
                    typed.decls.insert(name, obj);
                }
            }
            StmtKind::Output { name, value } => {
                let (value, export) = checker.output(value);
                typed.outputs.entry(name.node.clone()).or_insert(Output {
                    name: name.node.clone(),
                    value,
                    export,
                    docs: stmt.docs.clone(),
                    span: stmt.span,
                });
            }
            // Check constants once where declared, so unused ones are checked too.
            StmtKind::Let { value, name } if checker.let_stack.is_empty() => {
                checker.let_stack.push(name.node.clone());
                let _ = checker.infer(value);
                checker.let_stack.clear();
            }
            _ => {}
        }
    }
    let references = checker.references;
    (typed, references)
}

struct Checker<'a, 'd> {
    stdlib: &'a Stdlib,
    resolved: &'a Resolved,
    lets: IndexMap<String, &'a Expr>,
    params: IndexMap<String, Ty>,
    diags: &'d mut Diagnostics,
    let_stack: Vec<String>,
    references: Vec<Reference>,
}

impl Checker<'_, '_> {
    fn param(
        &mut self,
        stmt: &ast::Stmt,
        name: &ast::Ident,
        ty: &ast::TypeExpr,
        default: Option<&Expr>,
    ) -> Param {
        let (value_ty, cfn_type) = param_type(ty).unwrap_or_else(|| {
            self.diags.push(
                Diagnostic::new(Code::E2003, ty.span, "unknown parameter type")
                    .with_help("parameter types are String, Number, VpcId, SubnetId, SecurityGroupId, List(String), List(SubnetId), List(SecurityGroupId)"),
            );
            (Ty::Error, "String".to_string())
        });
        let default = default.map(|expr| self.expr(expr, &value_ty));
        Param {
            name: name.node.clone(),
            cfn_type,
            ty: value_ty,
            default,
            docs: stmt.docs.clone(),
            span: stmt.span,
        }
    }

    /// Checks a block against its kind.
    fn block(&mut self, block: &ast::Block, def: &KindDef, stmt: &ast::Stmt) -> Obj {
        let head = block
            .label
            .as_ref()
            .map_or(block.kind.span, |label| block.kind.span.to(label.span));
        let label = self.label(block, def);
        let mut set: IndexMap<String, Val> = IndexMap::new();
        let mut seen: IndexMap<String, Span> = IndexMap::new();
        if let Some(body) = &block.body {
            for member in &body.stmts {
                self.member(member, def, &mut set, &mut seen);
            }
        }
        let mut fields = IndexMap::new();
        for (name, field) in &def.fields {
            if let Some(value) = set.shift_remove(name) {
                fields.insert(name.clone(), value);
            } else if let Ty::Block(_) = field.ty {
                fields.insert(
                    name.clone(),
                    Val {
                        value: Value::Blocks(Vec::new()),
                        span: head,
                        defaulted: true,
                    },
                );
            } else if let Some(default) = &field.default {
                let mut scratch = Diagnostics::new();
                let value = Checker {
                    stdlib: self.stdlib,
                    resolved: &Resolved::default(),
                    lets: IndexMap::new(),
                    params: IndexMap::new(),
                    diags: &mut scratch,
                    let_stack: Vec::new(),
                    references: Vec::new(),
                }
                .expr(default, &field.ty);
                fields.insert(
                    name.clone(),
                    Val {
                        value: value.value,
                        span: head,
                        defaulted: true,
                    },
                );
            } else if field.required {
                self.diags.push(
                    Diagnostic::new(Code::E2002, head, format!("missing field `{name}`"))
                        .with_primary_label(format!(
                            "this {} needs `{name}`",
                            def.name.replace('_', " ")
                        ))
                        .with_help(format!(
                            "add `{name} = ...`: {}",
                            field.docs.first().map_or("", String::as_str)
                        )),
                );
            }
        }
        Obj {
            kind: def.path.clone(),
            label,
            span: stmt.span,
            head,
            fields,
            docs: stmt.docs.clone(),
        }
    }

    fn label(&mut self, block: &ast::Block, def: &KindDef) -> Option<Val> {
        match (&def.label, &block.label) {
            (None, None) => None,
            (None, Some(label)) => {
                self.diags.push(
                    Diagnostic::new(
                        Code::E2008,
                        label.span,
                        format!("`{}` takes no label", def.name),
                    )
                    .with_primary_label("remove this"),
                );
                None
            }
            (Some(ty), None) => {
                let what = if *ty == Ty::Name {
                    "a name".to_string()
                } else {
                    ty.describe()
                };
                let mut diag = Diagnostic::new(
                    Code::E2008,
                    block.kind.span,
                    format!("`{}` needs {what}", def.name),
                )
                .with_primary_label(format!("expected {what} after `{}`", def.name));
                if *ty == Ty::Name {
                    diag = diag.with_help(format!(
                        "write `{} my_name {{ ... }}`, on the same line",
                        def.name
                    ));
                }
                self.diags.push(diag);
                None
            }
            (Some(Ty::Name), Some(label)) => match &label.kind {
                ExprKind::Reference(path) if path.len() == 1 => path
                    .first()
                    .map(|name| Val::new(Value::Str(name.node.clone()), name.span)),
                _ => {
                    self.diags.push(
                        Diagnostic::new(Code::E2008, label.span, "expected a name")
                            .with_primary_label("a name is letters, digits and `_`"),
                    );
                    None
                }
            },
            (Some(ty), Some(label)) => Some(self.expr(label, ty)),
        }
    }

    fn member(
        &mut self,
        member: &ast::Stmt,
        def: &KindDef,
        set: &mut IndexMap<String, Val>,
        seen: &mut IndexMap<String, Span>,
    ) {
        let (key, span) = match &member.kind {
            StmtKind::Assign { key, .. } => (key, member.span),
            StmtKind::Block(block) => (&block.kind, member.span),
            StmtKind::Error => return,
            _ => {
                self.diags.push(
                    Diagnostic::new(
                        Code::E1006,
                        member.span,
                        "this declaration is not allowed inside a block",
                    )
                    .with_help("declare `let`, `param` and `output` at the top level"),
                );
                return;
            }
        };
        let Some(field) = def.fields.get(&key.node) else {
            self.unknown_field(key, def);
            return;
        };
        match (&member.kind, &field.ty) {
            (StmtKind::Block(block), Ty::Block(path)) => {
                let Some(nested) = self.stdlib.kind(path) else {
                    return;
                };
                let obj = self.block(block, nested, member);
                let entry = set
                    .entry(key.node.clone())
                    .or_insert_with(|| Val::new(Value::Blocks(Vec::new()), span));
                if let Value::Blocks(list) = &mut entry.value {
                    if let Some(previous) = list.iter().find(|o| {
                        !field.repeated || (o.name() == obj.name() && !obj.name().is_empty())
                    }) {
                        let message = if field.repeated {
                            format!("`{} {}` is declared twice", key.node, obj.name())
                        } else {
                            format!("`{}` is set twice", key.node)
                        };
                        self.diags.push(
                            Diagnostic::new(Code::E2007, obj.head, message)
                                .with_primary_label("set again here")
                                .with_label(previous.head, "first set here"),
                        );
                        return;
                    }
                    list.push(obj);
                }
            }
            (StmtKind::Block(block), Ty::Map(inner)) if block.label.is_none() => {
                let stmts = block.body.as_ref().map_or(&[][..], |b| &b.stmts[..]);
                let value = self.map(stmts, inner, span);
                self.set_once(key, value, set, seen);
            }
            (StmtKind::Assign { value, .. }, Ty::Block(_)) => {
                self.diags.push(
                    Diagnostic::new(
                        Code::E2003,
                        value.span,
                        format!("`{}` is a block, not a value", key.node),
                    )
                    .with_help(format!("write `{} {{ ... }}`", key.node)),
                );
            }
            (StmtKind::Assign { value, .. }, ty) => {
                let value = self.expr(value, ty);
                self.set_once(key, value, set, seen);
            }
            (StmtKind::Block(_), ty) => {
                self.diags.push(
                    Diagnostic::new(
                        Code::E2003,
                        key.span,
                        format!("`{}` is a field, not a block", key.node),
                    )
                    .with_primary_label(format!("expects {}", ty.describe()))
                    .with_help(format!("write `{} = ...`", key.node)),
                );
            }
            _ => {}
        }
    }

    fn set_once(
        &mut self,
        key: &ast::Ident,
        value: Val,
        set: &mut IndexMap<String, Val>,
        seen: &mut IndexMap<String, Span>,
    ) {
        if let Some(previous) = seen.get(&key.node) {
            self.diags.push(
                Diagnostic::new(
                    Code::E2007,
                    key.span,
                    format!("`{}` is set twice", key.node),
                )
                .with_primary_label("set again here")
                .with_label(*previous, "first set here")
                .with_help("remove one of them"),
            );
            return;
        }
        seen.insert(key.node.clone(), key.span);
        set.insert(key.node.clone(), value);
    }

    fn unknown_field(&mut self, key: &ast::Ident, def: &KindDef) {
        let mut diag = Diagnostic::new(
            Code::E2001,
            key.span,
            format!(
                "unknown field `{}` in {} `{}`",
                key.node,
                article(&def.name),
                def.name
            ),
        )
        .with_primary_label("not a field of this block");
        diag = match did_you_mean(&key.node, def.fields.keys().map(String::as_str)) {
            Some(best) => diag
                .with_help(format!("did you mean `{best}`?"))
                .with_suggestion(format!("replace with `{best}`"), key.span, best),
            None => diag.with_help(format!(
                "the fields of `{}` are: {}",
                def.name,
                def.fields
                    .keys()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        self.diags.push(diag);
    }

    fn map(&mut self, stmts: &[ast::Stmt], inner: &Ty, span: Span) -> Val {
        let mut entries = IndexMap::new();
        let mut seen: IndexMap<String, Span> = IndexMap::new();
        for stmt in stmts {
            match &stmt.kind {
                StmtKind::Assign { key, value } => {
                    let value = self.expr(value, inner);
                    self.set_once(key, value, &mut entries, &mut seen);
                }
                StmtKind::Error => {}
                _ => self.diags.push(
                    Diagnostic::new(Code::E2003, stmt.span, "expected `name = value` in a map")
                        .with_help("map entries are written `KEY = value`"),
                ),
            }
        }
        Val::new(Value::Map(entries), span)
    }

    /// Checks an expression against an expected type.
    fn expr(&mut self, expr: &Expr, ty: &Ty) -> Val {
        let value = self.expr_value(expr, ty);
        Val::new(value, expr.span)
    }

    fn expr_value(&mut self, expr: &Expr, ty: &Ty) -> Value {
        if let ExprKind::Reference(path) = &expr.kind
            && let Some(value) = self.named(expr, path, ty)
        {
            return value;
        }
        match (ty, &expr.kind) {
            (_, ExprKind::Error) | (Ty::Error, _) => Value::Error,
            (Ty::Union(alternatives), _) => self.union(expr, alternatives),
            (Ty::String, ExprKind::Str(text)) => Value::Str(text.clone()),
            (Ty::Int, ExprKind::Number(n)) if n.is_integer => Value::Int(n.value as i64),
            (Ty::Number, ExprKind::Number(n)) if n.is_integer => Value::Int(n.value as i64),
            (Ty::Number, ExprKind::Number(n)) => Value::Number(n.value),
            (Ty::Port, ExprKind::Number(n)) if n.is_integer => {
                if (1.0..=65535.0).contains(&n.value) {
                    Value::Int(n.value as i64)
                } else {
                    self.push(
                        Diagnostic::new(
                            Code::E2009,
                            expr.span,
                            format!("port {} is out of range", n.text),
                        )
                        .with_primary_label("ports are 1 to 65535"),
                    );
                    Value::Error
                }
            }
            (Ty::Bool, ExprKind::Bool(b)) => Value::Bool(*b),
            (Ty::Range, ExprKind::Range(low, high)) => self.range(low, high),
            (Ty::List(inner), ExprKind::List(items)) => {
                Value::List(items.iter().map(|item| self.expr(item, inner)).collect())
            }
            (Ty::Map(inner), ExprKind::Map(stmts)) => self.map(stmts, inner, expr.span).value,
            (Ty::Cpu, ExprKind::Number(n)) if n.is_integer && n.value >= 0.0 => {
                Value::Cpu(n.value as u64)
            }
            (
                Ty::Memory | Ty::Cpu | Ty::Duration | Ty::Percent,
                ExprKind::Quantity { number, unit },
            ) => self.quantity(expr, number, unit, ty),
            (Ty::Memory | Ty::Cpu | Ty::Duration | Ty::Percent, ExprKind::Number(n)) => {
                self.missing_unit(expr, n, ty)
            }
            (Ty::Enum(words), ExprKind::Str(text)) if words.contains(text) => {
                self.push(
                    Diagnostic::new(
                        Code::E2003,
                        expr.span,
                        format!("`{text}` is a choice, not a string"),
                    )
                    .with_help(format!("write `{text}` without quotes"))
                    .with_suggestion(
                        "remove the quotes",
                        expr.span,
                        text.clone(),
                    ),
                );
                Value::Enum(text.clone())
            }
            _ => {
                self.mismatch(expr, ty);
                Value::Error
            }
        }
    }

    fn union(&mut self, expr: &Expr, alternatives: &[Ty]) -> Value {
        let chosen = alternatives
            .iter()
            .find(|alt| shape_fits(expr, alt, self))
            .or_else(|| {
                // A quantity or number: pick the alternative with the same dimension family.
                alternatives.iter().find(|alt| {
                    Dimension::of(alt).is_some() && matches!(expr.kind, ExprKind::Quantity { .. })
                })
            });
        match chosen {
            Some(alt) => self.expr_value(expr, alt),
            None => {
                self.mismatch(expr, &Ty::Union(alternatives.to_vec()));
                Value::Error
            }
        }
    }

    fn range(&mut self, low: &Expr, high: &Expr) -> Value {
        let low_value = self.expr(low, &Ty::Int);
        let high_value = self.expr(high, &Ty::Int);
        match (low_value.value, high_value.value) {
            (Value::Int(a), Value::Int(b)) if a <= b => Value::Range(a, b),
            (Value::Int(_), Value::Int(_)) => {
                self.push(
                    Diagnostic::new(Code::E2009, low.span.to(high.span), "the range is empty")
                        .with_primary_label("the lower bound is greater than the upper bound")
                        .with_help("write the smaller number first"),
                );
                Value::Error
            }
            _ => Value::Error,
        }
    }

    fn quantity(&mut self, expr: &Expr, number: &ast::Number, unit: &ast::Ident, ty: &Ty) -> Value {
        let Some(wanted) = Dimension::of(ty) else {
            return Value::Error;
        };
        let Some((found, factor)) = units::unit(&unit.node) else {
            let mut diag = Diagnostic::new(
                Code::E2006,
                unit.span,
                format!("unknown unit `{}`", unit.node),
            )
            .with_primary_label(format!(
                "expected {}",
                quote_list(
                    &wanted
                        .units()
                        .iter()
                        .map(|u| u.to_string())
                        .collect::<Vec<_>>()
                )
            ));
            if let Some(best) = units::likely_unit(&unit.node) {
                diag = diag
                    .with_help(format!("did you mean `{} {best}`?", number.text))
                    .with_suggestion(format!("use `{best}`"), unit.span, best);
            }
            self.push(diag);
            return Value::Error;
        };
        match units::convert(number.value, factor, found, wanted) {
            Ok(value) => value,
            Err(UnitError::WrongDimension(found)) => {
                let suggestion = format!("{} {}", number.text, wanted.suggested_unit(number.value));
                self.push(
                    Diagnostic::new(
                        Code::E2004,
                        expr.span,
                        format!("expected {}, found {}", wanted.describe(), found.describe()),
                    )
                    .with_primary_label(format!("`{}` is {}", unit.node, found.describe()))
                    .with_help(format!(
                        "use a unit of {}: {}",
                        wanted.describe(),
                        wanted.units().join(", ")
                    )),
                );
                let _ = suggestion;
                Value::Error
            }
            Err(UnitError::NotWhole(base)) => {
                self.push(Diagnostic::new(
                    Code::E2009,
                    expr.span,
                    format!(
                        "`{} {}` is not a whole number of {base}",
                        number.text, unit.node
                    ),
                ));
                Value::Error
            }
            Err(UnitError::Negative) => {
                self.push(Diagnostic::new(
                    Code::E2009,
                    expr.span,
                    "amounts cannot be negative",
                ));
                Value::Error
            }
        }
    }

    fn missing_unit(&mut self, expr: &Expr, number: &ast::Number, ty: &Ty) -> Value {
        let Some(dimension) = Dimension::of(ty) else {
            return Value::Error;
        };
        let unit = dimension.suggested_unit(number.value);
        let fixed = if unit == "%" || unit == "s" {
            format!("{}{unit}", number.text)
        } else {
            format!("{} {unit}", number.text)
        };
        self.push(
            Diagnostic::new(
                Code::E2004,
                expr.span,
                format!("{} needs a unit", dimension.describe()),
            )
            .with_primary_label(format!("expected {}", ty.describe()))
            .with_help(format!("did you mean `{fixed}`?"))
            .with_suggestion(
                format!("add the unit: `{fixed}`"),
                expr.span,
                fixed.clone(),
            ),
        );
        Value::Error
    }

    /// Handles a name or `name.attr`; `None` means "not a declared name,
    /// check it as a plain word".
    fn named(&mut self, expr: &Expr, path: &[ast::Ident], ty: &Ty) -> Option<Value> {
        let first = path.first()?;
        // An enum word wins over declarations.
        if path.len() == 1 && enum_accepts(ty, &first.node) {
            return Some(Value::Enum(first.node.clone()));
        }
        if let Some(let_expr) = self
            .lets
            .get(&first.node)
            .copied()
            .filter(|_| path.len() == 1)
        {
            self.references.push(Reference {
                span: first.span,
                target: first.node.clone(),
            });
            if self.let_stack.contains(&first.node) {
                self.push(
                    Diagnostic::new(
                        Code::E1007,
                        first.span,
                        format!("constant `{}` refers to itself", first.node),
                    )
                    .with_help(
                        "a `let` cannot use its own value, directly or through other constants",
                    ),
                );
                return Some(Value::Error);
            }
            self.let_stack.push(first.node.clone());
            let value = self.expr_value(let_expr, ty);
            self.let_stack.pop();
            return Some(value);
        }
        let symbol = self.resolved.symbols.get(&first.node);
        let Some(symbol) = symbol else {
            return match ty {
                Ty::Enum(_) | Ty::Union(_)
                    if path.len() == 1 && !has_ref(ty) && enum_words(ty).is_some() =>
                {
                    None
                }
                _ => {
                    self.undeclared(first, ty);
                    Some(Value::Error)
                }
            };
        };
        self.references.push(Reference {
            span: first.span,
            target: first.node.clone(),
        });
        match (&symbol.kind, path.get(1)) {
            (SymbolKind::Param, None) => {
                let param_ty = self.params.get(&first.node).cloned().unwrap_or(Ty::Error);
                if type_accepts(ty, &param_ty) {
                    Some(Value::Param(first.node.clone()))
                } else {
                    self.push(
                        Diagnostic::new(
                            Code::E2003,
                            expr.span,
                            format!(
                                "expected {}, found parameter `{}`",
                                ty.describe(),
                                first.node
                            ),
                        )
                        .with_primary_label(format!("this parameter is {}", param_ty.describe()))
                        .with_label(symbol.name_span, "declared here"),
                    );
                    Some(Value::Error)
                }
            }
            (SymbolKind::Decl(kind), None) => {
                Some(self.decl_reference(expr, first, kind, ty, symbol.name_span))
            }
            (SymbolKind::Decl(kind), Some(attr)) if path.len() == 2 => {
                let def = self.stdlib.top_kind(kind)?;
                match def.attrs.get(&attr.node) {
                    Some(attr_def) if type_accepts(ty, &attr_def.ty) => Some(Value::Attr {
                        kind: kind.clone(),
                        decl: first.node.clone(),
                        attr: attr.node.clone(),
                    }),
                    Some(attr_def) => {
                        self.push(Diagnostic::new(
                            Code::E2003,
                            expr.span,
                            format!(
                                "expected {}, found {}",
                                ty.describe(),
                                attr_def.ty.describe()
                            ),
                        ));
                        Some(Value::Error)
                    }
                    None => {
                        let names: Vec<&str> = def.attrs.keys().map(String::as_str).collect();
                        let mut diag = Diagnostic::new(
                            Code::E2001,
                            attr.span,
                            format!(
                                "{} `{}` has no attribute `{}`",
                                article(kind),
                                kind,
                                attr.node
                            ),
                        )
                        .with_primary_label("unknown attribute");
                        diag = match did_you_mean(&attr.node, names.iter().copied()) {
                            Some(best) => diag
                                .with_help(format!("did you mean `{best}`?"))
                                .with_suggestion(format!("replace with `{best}`"), attr.span, best),
                            None => {
                                diag.with_help(format!("its attributes are: {}", names.join(", ")))
                            }
                        };
                        self.push(diag);
                        Some(Value::Error)
                    }
                }
            }
            _ => {
                self.push(
                    Diagnostic::new(
                        Code::E1003,
                        expr.span,
                        format!("`{}` cannot be used here", first.node),
                    )
                    .with_primary_label(format!(
                        "`{}` is {} {}",
                        first.node,
                        article(&symbol.kind.describe()),
                        symbol.kind.describe()
                    ))
                    .with_label(symbol.name_span, "declared here")
                    .with_help(format!("expected {}", ty.describe())),
                );
                Some(Value::Error)
            }
        }
    }

    fn decl_reference(
        &mut self,
        expr: &Expr,
        name: &ast::Ident,
        kind: &str,
        ty: &Ty,
        declared: Span,
    ) -> Value {
        let kinds = ref_kinds(ty);
        if kinds.iter().any(|k| k == kind) {
            return Value::Ref {
                kind: kind.to_string(),
                name: name.node.clone(),
            };
        }
        let what = if kinds.is_empty() {
            ty.describe()
        } else {
            format!("a {}", kinds.join(" or ").replace('_', " "))
        };
        self.push(
            Diagnostic::new(
                Code::E1003,
                expr.span,
                format!(
                    "`{}` is {} {}, not {what}",
                    name.node,
                    article(kind),
                    kind.replace('_', " ")
                ),
            )
            .with_primary_label(format!("expected {}", ty.describe()))
            .with_label(declared, format!("`{}` is declared here", name.node))
            .with_help(if kinds.is_empty() {
                "if you meant text, put it in quotes".to_string()
            } else {
                format!("name a {} declared in this program", kinds.join(" or "))
            }),
        );
        Value::Error
    }

    fn undeclared(&mut self, name: &ast::Ident, ty: &Ty) {
        let kinds = ref_kinds(ty);
        let candidates: Vec<&str> = self
            .resolved
            .symbols
            .values()
            .filter(|s| {
                kinds.is_empty() || matches!(&s.kind, SymbolKind::Decl(k) if kinds.contains(k))
            })
            .map(|s| s.name.as_str())
            .collect();
        let mut diag = Diagnostic::new(
            Code::E1001,
            name.span,
            format!("`{}` is not declared", name.node),
        )
        .with_primary_label("not found");
        if let Some(best) = did_you_mean(&name.node, candidates.iter().copied()) {
            diag = diag
                .with_help(format!("did you mean `{best}`?"))
                .with_suggestion(format!("replace with `{best}`"), name.span, best);
        } else if type_accepts(ty, &Ty::String) {
            diag = diag
                .with_help(format!(
                    "if you meant text, put it in quotes: `\"{}\"`",
                    name.node
                ))
                .with_suggestion("quote it", name.span, format!("\"{}\"", name.node));
        } else if !kinds.is_empty() {
            diag = diag.with_help(format!(
                "declare it, e.g. `{} {} {{ ... }}`",
                kinds.first().map_or("", String::as_str),
                name.node
            ));
        }
        self.push(diag);
    }

    fn mismatch(&mut self, expr: &Expr, ty: &Ty) {
        if let (Some(words), ExprKind::Reference(path)) = (enum_words(ty), &expr.kind)
            && let [word] = path.as_slice()
        {
            {
                let mut diag = Diagnostic::new(
                    Code::E2005,
                    word.span,
                    format!("unknown value `{}`", word.node),
                )
                .with_primary_label(format!("expected one of {}", quote_list(&words)));
                if let Some(best) = did_you_mean(&word.node, words.iter().map(String::as_str)) {
                    diag = diag
                        .with_help(format!("did you mean `{best}`?"))
                        .with_suggestion(format!("replace with `{best}`"), word.span, best);
                } else {
                    diag = diag.with_help(format!("the choices are {}", quote_list(&words)));
                }
                self.push(diag);
                return;
            }
        }
        self.push(
            Diagnostic::new(
                Code::E2003,
                expr.span,
                format!("expected {}, found {}", ty.describe(), describe_expr(expr)),
            )
            .with_primary_label(format!("expected {}", ty.describe())),
        );
    }

    /// An output's value and export name: `output x = value`, or the map form
    /// `output x = { value = ..., export = "name" }` (`export = true` derives
    /// the name from the stack's).
    fn output(&mut self, expr: &Expr) -> (Val, Option<Val>) {
        let value_ty = Ty::Union(vec![Ty::String, Ty::Number]);
        let ExprKind::Map(stmts) = &expr.kind else {
            return (self.expr(expr, &value_ty), None);
        };
        let mut set: IndexMap<String, Val> = IndexMap::new();
        let mut seen: IndexMap<String, Span> = IndexMap::new();
        for stmt in stmts {
            match &stmt.kind {
                StmtKind::Assign { key, value } if key.node == "value" => {
                    let value = self.expr(value, &value_ty);
                    self.set_once(key, value, &mut set, &mut seen);
                }
                StmtKind::Assign { key, value } if key.node == "export" => {
                    let value = self.expr(value, &Ty::Union(vec![Ty::String, Ty::Bool]));
                    self.set_once(key, value, &mut set, &mut seen);
                }
                StmtKind::Assign { key, .. } => self.push(
                    Diagnostic::new(
                        Code::E2001,
                        key.span,
                        format!("unknown field `{}` in an output", key.node),
                    )
                    .with_primary_label("not a field of an output")
                    .with_help("an output's map form takes `value` and `export`"),
                ),
                StmtKind::Error => {}
                _ => self.push(
                    Diagnostic::new(
                        Code::E2003,
                        stmt.span,
                        "expected `name = value` in an output",
                    )
                    .with_help("write `output x = { value = ..., export = \"name\" }`"),
                ),
            }
        }
        let value = set.shift_remove("value").unwrap_or_else(|| {
            self.push(
                Diagnostic::new(Code::E2002, expr.span, "missing field `value`")
                    .with_primary_label("this output needs `value`")
                    .with_help("add `value = ...`: the value the stack outputs"),
            );
            Val::new(Value::Error, expr.span)
        });
        (value, set.shift_remove("export"))
    }

    /// Checks a `let` value without an expected type.
    fn infer(&mut self, expr: &Expr) -> Value {
        let ty = match &expr.kind {
            ExprKind::Str(_) => Ty::String,
            ExprKind::Number(n) if n.is_integer => Ty::Int,
            ExprKind::Number(_) => Ty::Number,
            ExprKind::Bool(_) => Ty::Bool,
            ExprKind::Range(..) => Ty::Range,
            ExprKind::Quantity { unit, .. } => match units::unit(&unit.node)
                .or_else(|| units::likely_unit(&unit.node).and_then(units::unit))
                .map(|u| u.0)
            {
                Some(Dimension::Memory) => Ty::Memory,
                Some(Dimension::Cpu) => Ty::Cpu,
                Some(Dimension::Duration) => Ty::Duration,
                Some(Dimension::Percent) => Ty::Percent,
                None => {
                    self.push(
                        Diagnostic::new(
                            Code::E2006,
                            unit.span,
                            format!("unknown unit `{}`", unit.node),
                        )
                        .with_primary_label("not a unit")
                        .with_help(format!("the units are {}", units::ALL_UNITS.join(", "))),
                    );
                    return Value::Error;
                }
            },
            ExprKind::List(items) => {
                for item in items {
                    self.infer(item);
                }
                return Value::Error;
            }
            ExprKind::Reference(path) => return self.infer_reference(expr, path),
            _ => return Value::Error,
        };
        self.expr_value(expr, &ty)
    }

    /// A name in a `let`, checked where the constant is declared: it must be
    /// declared (or be a choice of some field, such as `fargate`), and
    /// constants must not form a cycle, even when the constant is never used.
    fn infer_reference(&mut self, expr: &Expr, path: &[ast::Ident]) -> Value {
        let Some(first) = path.first() else {
            return Value::Error;
        };
        if path.len() == 1 && !self.lets.contains_key(&first.node) {
            match self.resolved.symbols.get(&first.node).map(|s| &s.kind) {
                Some(SymbolKind::Decl(_)) => {
                    // Which kind it must be is known only where it is used.
                    self.references.push(Reference {
                        span: first.span,
                        target: first.node.clone(),
                    });
                    return Value::Error;
                }
                None if self
                    .stdlib
                    .kinds
                    .values()
                    .flat_map(|kind| kind.fields.values())
                    .any(|field| mentions_word(&field.ty, &first.node)) =>
                {
                    return Value::Error;
                }
                _ => {}
            }
        }
        self.named(expr, path, &Ty::Error).unwrap_or(Value::Error)
    }

    fn push(&mut self, diag: Diagnostic) {
        self.diags.push(diag);
    }
}

/// CloudFormation parameter types the language offers.
fn param_type(ty: &ast::TypeExpr) -> Option<(Ty, String)> {
    let atom = ty.alternatives.first()?;
    let inner = atom
        .args
        .first()
        .and_then(|a| a.alternatives.first())
        .map(|a| a.name.node.as_str());
    Some(match (atom.name.node.as_str(), inner) {
        ("String", None) => (Ty::String, "String".into()),
        ("Number", None) => (Ty::Number, "Number".into()),
        ("Int", None) => (Ty::Int, "Number".into()),
        ("VpcId", None) => (Ty::String, "AWS::EC2::VPC::Id".into()),
        ("SubnetId", None) => (Ty::String, "AWS::EC2::Subnet::Id".into()),
        ("SecurityGroupId", None) => (Ty::String, "AWS::EC2::SecurityGroup::Id".into()),
        ("List", Some("String")) => (Ty::List(Box::new(Ty::String)), "CommaDelimitedList".into()),
        ("List", Some("SubnetId")) => (
            Ty::List(Box::new(Ty::String)),
            "List<AWS::EC2::Subnet::Id>".into(),
        ),
        ("List", Some("SecurityGroupId")) => (
            Ty::List(Box::new(Ty::String)),
            "List<AWS::EC2::SecurityGroup::Id>".into(),
        ),
        _ => return None,
    })
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

fn enum_words(ty: &Ty) -> Option<Vec<String>> {
    match ty {
        Ty::Enum(words) => Some(words.clone()),
        Ty::Union(alts) => {
            let words: Vec<String> = alts.iter().filter_map(enum_words).flatten().collect();
            (!words.is_empty()).then_some(words)
        }
        _ => None,
    }
}

/// Whether `word` is a choice of `ty` or of a type inside it.
pub(crate) fn mentions_word(ty: &Ty, word: &str) -> bool {
    match ty {
        Ty::Enum(words) => words.iter().any(|w| w == word),
        Ty::Union(alts) => alts.iter().any(|alt| mentions_word(alt, word)),
        Ty::List(inner) | Ty::Map(inner) => mentions_word(inner, word),
        _ => false,
    }
}

fn enum_accepts(ty: &Ty, word: &str) -> bool {
    enum_words(ty).is_some_and(|words| words.iter().any(|w| w == word))
}

fn ref_kinds(ty: &Ty) -> Vec<String> {
    match ty {
        Ty::Ref(kinds) => kinds.clone(),
        Ty::Union(alts) => alts.iter().flat_map(ref_kinds).collect(),
        _ => Vec::new(),
    }
}

fn has_ref(ty: &Ty) -> bool {
    !ref_kinds(ty).is_empty()
}

/// Whether a value of type `found` may stand where `expected` is wanted.
fn type_accepts(expected: &Ty, found: &Ty) -> bool {
    match (expected, found) {
        (_, Ty::Error) | (Ty::Error, _) => true,
        (Ty::Union(alts), _) => alts.iter().any(|alt| type_accepts(alt, found)),
        (Ty::Number, Ty::Int) | (Ty::Int, Ty::Number) | (Ty::Port, Ty::Number | Ty::Int) => true,
        (Ty::List(a), Ty::List(b)) => type_accepts(a, b),
        (a, b) => a == b,
    }
}

/// A cheap shape test used to pick a union alternative.
fn shape_fits(expr: &Expr, ty: &Ty, checker: &Checker) -> bool {
    match (&expr.kind, ty) {
        (ExprKind::Str(_), Ty::String) => true,
        (ExprKind::Number(n), Ty::Int | Ty::Port) => n.is_integer,
        (ExprKind::Number(_), Ty::Number) => true,
        (ExprKind::Number(n), Ty::Cpu) => n.is_integer,
        (ExprKind::Bool(_), Ty::Bool) => true,
        (ExprKind::Quantity { unit, .. }, _) => {
            units::unit(&unit.node).is_some_and(|(dim, _)| Some(dim) == Dimension::of(ty))
        }
        (ExprKind::Range(..), Ty::Range) => true,
        (ExprKind::List(_), Ty::List(_)) => true,
        (ExprKind::Map(_), Ty::Map(_)) => true,
        (ExprKind::Reference(path), _) => {
            let Some(first) = path.first() else {
                return false;
            };
            if path.len() == 1 && enum_accepts(ty, &first.node) {
                return true;
            }
            if let Some(let_expr) = checker.lets.get(&first.node) {
                return path.len() == 1
                    && !checker.let_stack.contains(&first.node)
                    && shape_fits(let_expr, ty, checker);
            }
            match checker.resolved.symbols.get(&first.node).map(|s| &s.kind) {
                Some(SymbolKind::Decl(kind)) if path.len() == 1 => ref_kinds(ty).contains(kind),
                Some(SymbolKind::Decl(_)) => matches!(ty, Ty::String),
                Some(SymbolKind::Param) => checker
                    .params
                    .get(&first.node)
                    .is_some_and(|p| type_accepts(ty, p)),
                _ => false,
            }
        }
        _ => false,
    }
}

fn describe_expr(expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::Str(text) => format!("the string \"{}\"", text.escape_debug()),
        ExprKind::Number(n) => format!("the number `{}`", n.text),
        ExprKind::Bool(b) => format!("`{b}`"),
        ExprKind::Quantity { number, unit } => format!("`{} {}`", number.text, unit.node),
        ExprKind::List(_) => "a list".into(),
        ExprKind::Map(_) => "a map".into(),
        ExprKind::Reference(path) => format!(
            "`{}`",
            path.iter()
                .map(|p| p.node.as_str())
                .collect::<Vec<_>>()
                .join(".")
        ),
        ExprKind::Range(..) => "a range".into(),
        ExprKind::Error => "an invalid value".into(),
    }
}
