//! Builds the AST from pest's parse tree, one function per grammar rule.
//!
//! Literal problems that the grammar cannot see (an integer too large, a bad
//! `\u{...}` escape) are reported as `E0003` and the node becomes an error node.

use super::ast::*;
use super::grammar::Rule;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::span::{FileId, Span, Spanned};
use pest::iterators::Pair;

/// Converts pest pairs to AST nodes for one file.
pub struct Builder<'d> {
    /// The file being built.
    pub file: FileId,
    /// Byte offset of the parsed text inside the file (for chunked parsing).
    pub offset: usize,
    /// Where literal problems go.
    pub diags: &'d mut Diagnostics,
}

impl Builder<'_> {
    fn span(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.file, s.start() + self.offset, s.end() + self.offset)
    }

    fn ident(&self, pair: Pair<Rule>) -> Ident {
        Spanned::new(pair.as_str().to_string(), self.span(&pair))
    }

    /// `file` or `body` contents: statements and stray doc comments.
    pub fn stmts<'i>(&mut self, pairs: impl Iterator<Item = Pair<'i, Rule>>) -> Vec<Stmt> {
        pairs
            .filter(|pair| pair.as_rule() == Rule::stmt)
            .map(|pair| self.stmt(pair))
            .collect()
    }

    fn stmt(&mut self, pair: Pair<Rule>) -> Stmt {
        let span = self.span(&pair);
        let mut docs = Vec::new();
        let mut kind = StmtKind::Error;
        for inner in pair.into_inner() {
            match inner.as_rule() {
                Rule::doc_comment => docs.push(doc_text(inner.as_str())),
                _ => kind = self.statement(inner),
            }
        }
        Stmt { docs, span, kind }
    }

    fn statement(&mut self, pair: Pair<Rule>) -> StmtKind {
        let rule = pair.as_rule();
        let mut inner = pair.into_inner().peekable();
        // Skip the keyword token of declarations.
        if inner.peek().is_some_and(|p| {
            matches!(
                p.as_rule(),
                Rule::kw_let
                    | Rule::kw_param
                    | Rule::kw_output
                    | Rule::kw_import
                    | Rule::kw_kind
                    | Rule::kw_attr
            )
        }) {
            inner.next();
        }
        let parts: Vec<Pair<Rule>> = inner.collect();
        let mut parts = parts.into_iter();
        match rule {
            Rule::let_decl | Rule::output_decl => {
                let (Some(name), Some(value)) = (parts.next(), parts.next()) else {
                    return StmtKind::Error;
                };
                let name = self.ident(name);
                let value = self.expr(value);
                if rule == Rule::let_decl {
                    StmtKind::Let { name, value }
                } else {
                    StmtKind::Output { name, value }
                }
            }
            Rule::param_decl | Rule::field_decl => {
                let (Some(name), Some(ty)) = (parts.next(), parts.next()) else {
                    return StmtKind::Error;
                };
                let name = self.ident(name);
                let ty = self.type_expr(ty);
                let default = parts.next().map(|p| self.expr(p));
                if rule == Rule::param_decl {
                    StmtKind::Param { name, ty, default }
                } else {
                    StmtKind::Field { name, ty, default }
                }
            }
            Rule::import_decl => match parts.next() {
                Some(path) => {
                    let span = self.span(&path);
                    StmtKind::Import {
                        path: Spanned::new(self.string(path), span),
                    }
                }
                None => StmtKind::Error,
            },
            Rule::kind_decl => {
                let Some(name) = parts.next() else {
                    return StmtKind::Error;
                };
                let name = self.ident(name);
                let mut label = None;
                let mut body = Vec::new();
                for part in parts {
                    match part.as_rule() {
                        Rule::type_expr => label = Some(self.type_expr(part)),
                        Rule::body => body = self.stmts(part.into_inner()),
                        _ => {}
                    }
                }
                StmtKind::Kind { name, label, body }
            }
            Rule::attr_decl => {
                let (Some(name), Some(ty)) = (parts.next(), parts.next()) else {
                    return StmtKind::Error;
                };
                StmtKind::Attr {
                    name: self.ident(name),
                    ty: self.type_expr(ty),
                }
            }
            Rule::assignment => {
                let (Some(key), Some(value)) = (parts.next(), parts.next()) else {
                    return StmtKind::Error;
                };
                let key = self.key(key);
                StmtKind::Assign {
                    key,
                    value: self.expr(value),
                }
            }
            Rule::block => self.block(parts),
            _ => StmtKind::Error,
        }
    }

    fn key(&mut self, pair: Pair<Rule>) -> Ident {
        let span = self.span(&pair);
        match pair.into_inner().next() {
            Some(inner) if inner.as_rule() == Rule::string => {
                Spanned::new(self.string(inner), span)
            }
            Some(inner) => self.ident(inner),
            None => Spanned::new(String::new(), span),
        }
    }

    fn block<'i>(&mut self, parts: impl Iterator<Item = Pair<'i, Rule>>) -> StmtKind {
        let mut kind = None;
        let mut label = None;
        let mut body = None;
        for part in parts {
            match part.as_rule() {
                Rule::block_head => {
                    for head in part.into_inner() {
                        match head.as_rule() {
                            Rule::ident => kind = Some(self.ident(head)),
                            Rule::label => label = self.label(head),
                            _ => {}
                        }
                    }
                }
                Rule::body => {
                    let span = self.span(&part);
                    let stmts = self.stmts(part.into_inner());
                    body = Some(Body { span, stmts });
                }
                _ => {}
            }
        }
        match kind {
            Some(kind) => StmtKind::Block(Block { kind, label, body }),
            None => StmtKind::Error,
        }
    }

    fn label(&mut self, pair: Pair<Rule>) -> Option<Expr> {
        let inner = pair.into_inner().next()?;
        let span = self.span(&inner);
        Some(match inner.as_rule() {
            Rule::range_label => {
                let mut numbers = inner.into_inner();
                let (Some(low), Some(high)) = (numbers.next(), numbers.next()) else {
                    return None;
                };
                let low = self.number_expr(low);
                let high = self.number_expr(high);
                Expr {
                    span,
                    kind: ExprKind::Range(Box::new(low), Box::new(high)),
                }
            }
            Rule::ident => Expr {
                span,
                kind: ExprKind::Reference(vec![self.ident(inner)]),
            },
            _ => self.primary(inner),
        })
    }

    fn type_expr(&mut self, pair: Pair<Rule>) -> TypeExpr {
        let span = self.span(&pair);
        let mut alternatives = Vec::new();
        let mut optional = false;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::type_atom => {
                    let mut inner = part.into_inner();
                    let Some(name) = inner.next() else { continue };
                    let name = self.ident(name);
                    let args = inner.map(|arg| self.type_expr(arg)).collect();
                    alternatives.push(TypeAtom { name, args });
                }
                Rule::optional_mark => optional = true,
                _ => {}
            }
        }
        TypeExpr {
            span,
            alternatives,
            optional,
        }
    }

    /// `expr = primary (".." primary)?`
    pub fn expr(&mut self, pair: Pair<Rule>) -> Expr {
        let span = self.span(&pair);
        let mut parts: Vec<Pair<Rule>> = pair
            .into_inner()
            .filter(|p| p.as_rule() != Rule::range_op)
            .collect();
        if parts.len() == 2 {
            let high = parts.pop().map(|p| self.primary(p));
            let low = parts.pop().map(|p| self.primary(p));
            if let (Some(low), Some(high)) = (low, high) {
                return Expr {
                    span,
                    kind: ExprKind::Range(Box::new(low), Box::new(high)),
                };
            }
        }
        match parts.pop() {
            Some(primary) => self.primary(primary),
            None => Expr {
                span,
                kind: ExprKind::Error,
            },
        }
    }

    fn primary(&mut self, pair: Pair<Rule>) -> Expr {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::number => return self.number_expr(pair),
            Rule::quantity => {
                let mut inner = pair.into_inner();
                match (inner.next(), inner.next()) {
                    (Some(number), Some(unit)) => match self.number(&number) {
                        Some(number) => ExprKind::Quantity {
                            number,
                            unit: self.ident(unit),
                        },
                        None => ExprKind::Error,
                    },
                    _ => ExprKind::Error,
                }
            }
            Rule::boolean => ExprKind::Bool(pair.as_str() == "true"),
            Rule::string => ExprKind::Str(self.string(pair)),
            Rule::list => ExprKind::List(pair.into_inner().map(|p| self.expr(p)).collect()),
            Rule::map => ExprKind::Map(self.stmts(pair.into_inner())),
            Rule::reference => {
                ExprKind::Reference(pair.into_inner().map(|p| self.ident(p)).collect())
            }
            Rule::expr => return self.expr(pair),
            _ => ExprKind::Error,
        };
        Expr { span, kind }
    }

    fn number_expr(&mut self, pair: Pair<Rule>) -> Expr {
        let span = self.span(&pair);
        let kind = match self.number(&pair) {
            Some(number) => ExprKind::Number(number),
            None => ExprKind::Error,
        };
        Expr { span, kind }
    }

    fn number(&mut self, pair: &Pair<Rule>) -> Option<Number> {
        let text = pair.as_str();
        let is_integer = !text.contains('.');
        let value = if is_integer {
            text.parse::<i64>().ok().map(|v| v as f64)
        } else {
            text.parse::<f64>().ok().filter(|v| v.is_finite())
        };
        match value {
            Some(value) if value.abs() <= 9_007_199_254_740_992.0 => Some(Number {
                text: text.to_string(),
                value,
                is_integer,
            }),
            _ => {
                self.diags.push(
                    Diagnostic::new(Code::E0003, self.span(pair), "number is too large")
                        .with_primary_label("this number")
                        .with_help("numbers must lie between -2^53 and 2^53"),
                );
                None
            }
        }
    }

    fn string(&mut self, pair: Pair<Rule>) -> String {
        let mut out = String::new();
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::string_text => out.push_str(part.as_str()),
                Rule::escape => match decode_escape(part.as_str()) {
                    Some(ch) => out.push(ch),
                    None => self.diags.push(
                        Diagnostic::new(Code::E0003, self.span(&part), "invalid unicode escape")
                            .with_primary_label("not a unicode scalar value")
                            .with_help(
                                "write `\\u{...}` with 1 to 6 hex digits of a valid code point",
                            ),
                    ),
                },
                _ => {}
            }
        }
        out
    }
}

fn decode_escape(text: &str) -> Option<char> {
    match text.get(1..)? {
        "\"" => Some('"'),
        "\\" => Some('\\'),
        "n" => Some('\n'),
        "t" => Some('\t'),
        "r" => Some('\r'),
        "0" => Some('\0'),
        other => {
            let hex = other.strip_prefix("u{")?.strip_suffix('}')?;
            char::from_u32(u32::from_str_radix(hex, 16).ok()?)
        }
    }
}

fn doc_text(raw: &str) -> String {
    let text = raw.trim_start_matches("///");
    text.strip_prefix(' ')
        .unwrap_or(text)
        .trim_end()
        .to_string()
}
