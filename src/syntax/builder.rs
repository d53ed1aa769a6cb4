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
        // pest's `Pairs` knows its length: one allocation, no regrowth.
        let mut stmts = Vec::with_capacity(pairs.size_hint().0);
        for pair in pairs {
            if pair.as_rule() == Rule::stmt {
                stmts.push(self.stmt(pair));
            }
        }
        stmts
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
        let mut parts = pair.into_inner();
        match rule {
            Rule::named => return self.named(parts),
            Rule::assignment => {
                let (Some(key), Some(value)) = (parts.next(), parts.next()) else {
                    return StmtKind::Error;
                };
                let span = self.span(&key);
                let key = Spanned::new(self.string(key), span);
                return StmtKind::Assign {
                    key,
                    value: self.expr(value),
                };
            }
            _ => {}
        }
        // A declaration: skip its keyword.
        parts.next();
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
            Rule::param_decl => {
                let (Some(name), Some(ty)) = (parts.next(), parts.next()) else {
                    return StmtKind::Error;
                };
                let name = self.ident(name);
                let ty = self.type_expr(ty);
                let default = parts.next().map(|p| self.expr(p));
                StmtKind::Param { name, ty, default }
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
            _ => StmtKind::Error,
        }
    }

    /// A statement that starts with a name: what follows the name tells an
    /// assignment (a value), a field (a type) and a block (a label, a body or
    /// nothing) apart.
    fn named<'i>(&mut self, mut parts: impl Iterator<Item = Pair<'i, Rule>>) -> StmtKind {
        let Some(name) = parts.next() else {
            return StmtKind::Error;
        };
        let name = self.ident(name);
        let Some(next) = parts.next() else {
            return StmtKind::Block(Block {
                kind: name,
                label: None,
                body: None,
            });
        };
        match next.as_rule() {
            Rule::expr => StmtKind::Assign {
                key: name,
                value: self.expr(next),
            },
            Rule::type_expr => {
                let ty = self.type_expr(next);
                let default = parts.next().map(|p| self.expr(p));
                StmtKind::Field { name, ty, default }
            }
            Rule::body => StmtKind::Block(Block {
                kind: name,
                label: None,
                body: Some(self.body(next)),
            }),
            Rule::label => {
                let label = self.label(next);
                let body = parts.next().map(|p| self.body(p));
                StmtKind::Block(Block {
                    kind: name,
                    label,
                    body,
                })
            }
            _ => StmtKind::Error,
        }
    }

    fn body(&mut self, pair: Pair<Rule>) -> Body {
        let span = self.span(&pair);
        Body {
            span,
            stmts: self.stmts(pair.into_inner()),
        }
    }

    fn label(&mut self, pair: Pair<Rule>) -> Option<Expr> {
        let inner = pair.into_inner().next()?;
        let span = self.span(&inner);
        Some(match inner.as_rule() {
            Rule::ident => Expr {
                span,
                kind: ExprKind::Reference(vec![self.ident(inner)]),
            },
            // `number (".." number | unit)?`
            Rule::label_number => {
                let mut parts = inner.into_inner();
                let number = parts.next()?;
                match parts.next() {
                    None => self.number_expr(number),
                    Some(high) if high.as_rule() == Rule::number => {
                        let low = self.number_expr(number);
                        let high = self.number_expr(high);
                        Expr {
                            span,
                            kind: ExprKind::Range(Box::new(low), Box::new(high)),
                        }
                    }
                    Some(unit) => {
                        let number_span = self.span(&number);
                        Expr {
                            span,
                            kind: self.quantity(number.as_str(), number_span, unit),
                        }
                    }
                }
            }
            _ => self.primary(inner),
        })
    }

    fn type_expr(&mut self, pair: Pair<Rule>) -> TypeExpr {
        // The pair ends after the whitespace that follows the type; the
        // span ends at `?` when one is written.
        let mut span = self.span(&pair);
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
                Rule::optional_mark => {
                    optional = true;
                    span.end = self.span(&part).end;
                }
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
        let mut parts = pair.into_inner().filter(|p| p.as_rule() != Rule::range_op);
        match (parts.next(), parts.next()) {
            (Some(low), Some(high)) => {
                // From the low end to the high end (the pair also takes the
                // whitespace after it).
                let span = self.span(&low).to(self.span(&high));
                // The high end first, as diagnostics were always reported.
                let high = self.primary(high);
                let low = self.primary(low);
                Expr {
                    span,
                    kind: ExprKind::Range(Box::new(low), Box::new(high)),
                }
            }
            (Some(primary), None) => self.primary(primary),
            _ => Expr {
                span,
                kind: ExprKind::Error,
            },
        }
    }

    fn primary(&mut self, pair: Pair<Rule>) -> Expr {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::number => return self.number_expr(pair),
            // A number, with its unit if one was written: the number is the
            // text before the unit, less the spaces between them.
            Rule::quantity => {
                let text = pair.as_str();
                let start = pair.as_span().start();
                let Some(unit) = pair.into_inner().next() else {
                    return self.number_expr_at(text, span);
                };
                let number = text
                    .get(..unit.as_span().start() - start)
                    .unwrap_or(text)
                    .trim_end_matches([' ', '\t']);
                let start = start + self.offset;
                let number_span = Span::new(self.file, start, start + number.len());
                self.quantity(number, number_span, unit)
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

    fn quantity(&mut self, number: &str, number_span: Span, unit: Pair<Rule>) -> ExprKind {
        match self.number(number, number_span) {
            Some(number) => ExprKind::Quantity {
                number,
                unit: self.ident(unit),
            },
            None => ExprKind::Error,
        }
    }

    fn number_expr(&mut self, pair: Pair<Rule>) -> Expr {
        let span = self.span(&pair);
        self.number_expr_at(pair.as_str(), span)
    }

    fn number_expr_at(&mut self, text: &str, span: Span) -> Expr {
        let kind = match self.number(text, span) {
            Some(number) => ExprKind::Number(number),
            None => ExprKind::Error,
        };
        Expr { span, kind }
    }

    /// The number written `text` at `span`, or `E0003` if it is too large.
    fn number(&mut self, text: &str, span: Span) -> Option<Number> {
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
                    Diagnostic::new(Code::E0003, span, "number is too large")
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
    // The grammar's `"///" ~ !"/"`: one `///` to strip.
    let text = raw.strip_prefix("///").unwrap_or(raw);
    text.strip_prefix(' ')
        .unwrap_or(text)
        .trim_end()
        .to_string()
}

/// The grammar was rewritten for speed (one rule for the statements that
/// start with a name, whitespace handled explicitly in compound-atomic
/// rules); these cases pin what the first grammar did where the rewrite
/// had to take care: every one of them was checked against it.
#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]

    use crate::diagnostics::Diagnostics;
    use crate::span::{FileId, Span};
    use crate::syntax::ast::{Expr, ExprKind, Stmt, StmtKind};

    fn parse(text: &str) -> (Vec<Stmt>, Vec<String>) {
        let mut diags = Diagnostics::new();
        let file = crate::syntax::parse(FileId(0), text, &mut diags);
        let messages = diags.iter().map(|d| d.message.clone()).collect();
        (file.stmts, messages)
    }

    fn parse_ok(text: &str) -> Vec<Stmt> {
        let (stmts, messages) = parse(text);
        assert!(messages.is_empty(), "{text:?}: {messages:?}");
        stmts
    }

    fn span(start: usize, end: usize) -> Span {
        Span::new(FileId(0), start, end)
    }

    fn only(text: &str) -> StmtKind {
        let mut stmts = parse_ok(text);
        assert_eq!(stmts.len(), 1, "{text:?}");
        stmts.remove(0).kind
    }

    fn block(kind: StmtKind) -> (String, Option<Expr>, bool) {
        match kind {
            StmtKind::Block(block) => (block.kind.node, block.label, block.body.is_some()),
            other => panic!("not a block: {other:?}"),
        }
    }

    #[test]
    fn keywords_are_names_unless_their_declaration_follows() {
        assert!(matches!(only("let = 5"), StmtKind::Assign { key, .. } if key.node == "let"));
        assert!(matches!(only("let x = 5"), StmtKind::Let { name, .. } if name.node == "x"));
        let (kind, label, body) = block(only("let x"));
        assert_eq!((kind.as_str(), body), ("let", false));
        assert!(matches!(label.unwrap().kind, ExprKind::Reference(path) if path[0].node == "x"));
        assert!(
            matches!(only("letters = 1"), StmtKind::Assign { key, .. } if key.node == "letters")
        );
        assert!(
            matches!(only("import\"a.ecs\""), StmtKind::Import { path } if path.node == "a.ecs")
        );
        assert_eq!(block(only("kind { }")), ("kind".to_string(), None, true));
        assert!(matches!(
            only("kind k(name) { }"),
            StmtKind::Kind { label: Some(_), .. }
        ));
    }

    #[test]
    fn what_follows_a_name_tells_the_statement() {
        assert!(matches!(only("a\n= 1"), StmtKind::Assign { key, .. } if key.node == "a"));
        let StmtKind::Field { ty, default, .. } = only("a: Int?  = 5") else {
            panic!("not a field");
        };
        assert!(ty.optional && default.is_some());
        assert_eq!(ty.span, span(3, 7), "the type ends at `?`");
        let (_, label, body) = block(only("b 1..6 { }"));
        let label = label.unwrap();
        assert!(body && matches!(label.kind, ExprKind::Range(..)));
        assert_eq!(label.span, span(2, 6));
        let (_, label, _) = block(only("c 5 s"));
        assert!(matches!(label.unwrap().kind, ExprKind::Quantity { unit, .. } if unit.node == "s"));
        // A label must be on the name's line; a body need not.
        assert_eq!(block(only("e\n{ }")), ("e".to_string(), None, true));
        assert_eq!(parse_ok("f\ng").len(), 2);
        assert!(!parse("foo 1 = 2").1.is_empty());
        assert!(!parse("x = true.y").1.is_empty());
    }

    #[test]
    fn statements_take_the_whitespace_after_them_and_their_comma() {
        let stmts = parse_ok("a = 1  // c\nb = 2");
        assert_eq!((stmts[0].span, stmts[1].span), (span(0, 12), span(12, 17)));
        let stmts = parse_ok("a = 1 , b = 2");
        assert_eq!((stmts[0].span, stmts[1].span), (span(0, 7), span(8, 13)));
        let stmts = parse_ok("x = 1 .. 6 // r");
        let StmtKind::Assign { value, .. } = &stmts[0].kind else {
            panic!("not an assignment");
        };
        assert_eq!((stmts[0].span, value.span), (span(0, 15), span(4, 10)));
        let stmts = parse_ok("/// one\n/// two\nblock { } // c\n/// stray\n");
        assert_eq!(stmts[0].docs, ["one", "two"]);
        assert_eq!(stmts[0].span, span(0, 31));
    }

    #[test]
    fn comments_nest_and_doc_comments_are_not_comments() {
        assert_eq!(parse_ok("/* /*/ a = 1")[0].span, span(7, 12));
        assert_eq!(parse_ok("//// c\na = 1")[0].span, span(7, 12));
        assert_eq!(parse_ok("/* a /* b */ c */ a = 1")[0].span.start, 18);
        assert_eq!(parse("/* /* */ a = 1").1, ["this comment is never closed"]);
    }

    #[test]
    fn numbers_strings_and_units() {
        let StmtKind::Assign { value, .. } = only("a = -1.5e") else {
            panic!("not an assignment");
        };
        let ExprKind::Quantity { number, unit } = value.kind else {
            panic!("not a quantity");
        };
        assert_eq!((number.text.as_str(), number.value), ("-1.5", -1.5));
        assert_eq!(unit.span, span(8, 9));
        let StmtKind::Assign { value, .. } = only("a = 512  MiB") else {
            panic!("not an assignment");
        };
        assert!(matches!(value.kind, ExprKind::Quantity { number, .. } if number.text == "512"));
        assert_eq!(value.span, span(4, 12));
        let StmtKind::Assign { value, .. } = only("a = \"x\\u{41}y\\n\"") else {
            panic!("not an assignment");
        };
        assert!(matches!(value.kind, ExprKind::Str(text) if text == "xAy\n"));
        assert!(
            matches!(only("\"k\" = 1"), StmtKind::Assign { key, .. } if key.node == "k" && key.span == span(0, 3))
        );
    }

    /// Each `/*` in the paths opens a nested comment attempt: tried again
    /// from every enclosing attempt, 40 of them would never finish.
    #[test]
    fn an_unclosed_comment_before_many_others_fails_at_once() {
        let mut text = String::from("/* never closed\n");
        for i in 0..40 {
            text.push_str(&format!("route r{i} {{ path = \"/api{i}/*\" }}\n"));
        }
        assert_eq!(parse(&text).1, ["this comment is never closed"]);
        let routes = text.strip_prefix("/* never closed\n").unwrap();
        assert_eq!(parse_ok(routes).len(), 40);
    }

    /// Syntax errors name what the first grammar's rules and tokens named.
    #[test]
    fn syntax_errors_read_as_before() {
        let cases = [
            (
                "x = true.y",
                "expected `,`, `..`, a declaration or end of file, found `.`",
            ),
            (
                "output v/pa | bc",
                "expected `,`, `=`, `{`, a declaration or end of file, found `/`",
            ),
            (
                "network main { zone = 3. }",
                "expected `..`, a declaration or a unit, found `.`",
            ),
            (
                "network main {\n  zones = 2 $\n}",
                "expected `%`, `,`, `..`, `}`, a declaration or a unit, found `$`",
            ),
            (
                "network main {\n  zones =\n}",
                "expected `[`, `{` or a value, found `}`",
            ),
        ];
        for (text, message) in cases {
            assert_eq!(parse(text).1, [message], "{text:?}");
        }
    }
}
