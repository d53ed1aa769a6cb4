//! Semantic tokens (`textDocument/semanticTokens/full`): what each word of a
//! document is, as analysis knows it, for editors to colour.
//!
//! The tokens come from the syntax tree of the latest [`driver::analyze`]
//! result, with what the checker resolved (`Analysis::references`, the
//! symbol table) and what the stdlib declares (the type each field expects),
//! plus the comments found by the lexical pass of [`text::scan`] (the
//! grammar skips them). The [`legend`]:
//!
//! - `keyword`: `let`, `param`, `output`, `import`, `kind`, `attr`, `true`,
//!   `false`, and the unit of a quantity (`MiB` in `512 MiB`, `%`);
//! - `type`: block kinds (`service`, a nested `container`), the names and
//!   types of `kind` declarations and the types of fields and parameters;
//! - `property`: assignment keys, fields and attributes (`name` in `prod.name`);
//! - `variable` / `parameter`: declared names (`api` in `service api`, `let`,
//!   `output`; `param`), with `declaration` where they are declared and
//!   `readonly` for `let` constants;
//! - `enumMember`: enum words (`fargate`), as the expected type says, or any
//!   stdlib choice where the type is not known (in a `let`);
//! - `number`, `string`, `comment` (`documentation` for `///` doc comments).
//!
//! Tokens never overlap, come sorted, never span lines (a block comment is
//! split) and have UTF-16 columns ([`convert`]). A broken file still gets
//! tokens for every statement the parser recovered, and all its comments; a
//! document that is not open gets no tokens.
//!
//! [`driver::analyze`]: crate::driver::analyze

use super::super::convert;
use super::super::text::{self, Token};
use super::{Ctx, Outcome, World};
use crate::diagnostics::Diagnostics;
use crate::resolve::SymbolKind;
use crate::span::Span;
use crate::stdlib::{self, KindDef, Stdlib};
use crate::syntax::ast::{self, Expr, ExprKind, StmtKind};
use crate::types::Ty;
use crate::types::check::mentions_word;
use lsp_types::{
    SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokens, SemanticTokensLegend,
    SemanticTokensParams, SemanticTokensResult,
};

/// The token types, in legend order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Keyword = 0,
    Type = 1,
    Property = 2,
    Variable = 3,
    Parameter = 4,
    EnumMember = 5,
    Number = 6,
    String = 7,
    Comment = 8,
}

/// Names of [`Kind`]s, by index.
const TYPES: [SemanticTokenType; 9] = [
    SemanticTokenType::KEYWORD,
    SemanticTokenType::TYPE,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::PARAMETER,
    SemanticTokenType::ENUM_MEMBER,
    SemanticTokenType::NUMBER,
    SemanticTokenType::STRING,
    SemanticTokenType::COMMENT,
];

/// Modifier bits, in legend order.
const DECLARATION: u32 = 1;
const READONLY: u32 = 1 << 1;
const DOCUMENTATION: u32 = 1 << 2;

/// Names of the modifier bits, lowest first.
const MODIFIERS: [SemanticTokenModifier; 3] = [
    SemanticTokenModifier::DECLARATION,
    SemanticTokenModifier::READONLY,
    SemanticTokenModifier::DOCUMENTATION,
];

/// The legend announced in the server's capabilities.
pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: MODIFIERS.to_vec(),
    }
}

/// `textDocument/semanticTokens/full`.
pub fn semantic_tokens(
    world: &World,
    params: SemanticTokensParams,
) -> Outcome<Option<SemanticTokensResult>> {
    let data = match world.ctx(&params.text_document.uri) {
        Some(ctx) => encode(&ctx, collect(&ctx)),
        None => Vec::new(),
    };
    Ok(Some(SemanticTokensResult::Tokens(SemanticTokens {
        result_id: None,
        data,
    })))
}

/// One token in byte offsets of the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Raw {
    start: u32,
    end: u32,
    kind: Kind,
    modifiers: u32,
}

/// All tokens of the document, sorted, without overlaps.
fn collect(ctx: &Ctx) -> Vec<Raw> {
    let text = ctx.text();
    let comments: Vec<(usize, usize)> = text::scan(text, text.len())
        .into_iter()
        .filter_map(|token| match token {
            Token::Comment { start, end, .. } => Some((start, end)),
            _ => None,
        })
        .collect();
    let analysis = ctx.analysis;
    let mut references: Vec<(u32, &str)> = analysis
        .references
        .iter()
        .filter(|r| r.span.file == ctx.file)
        .map(|r| (r.span.start, r.target.as_str()))
        .collect();
    references.sort_unstable();
    let mut walker = Walker {
        text,
        stdlib: stdlib::get(),
        comments: &comments,
        references,
        symbols: &analysis.resolved.symbols,
        tokens: Vec::new(),
    };
    walker.stmts(&ctx.ast.stmts, Scope::Top);
    let mut tokens = walker.tokens;
    for &(start, end) in &comments {
        let doc = text
            .get(start..)
            .is_some_and(|rest| rest.starts_with("///") && !rest.starts_with("////"));
        let end = text
            .get(start..end)
            .map_or(end, |slice| start + slice.trim_end().len());
        tokens.push(Raw {
            start: to_u32(start),
            end: to_u32(end),
            kind: Kind::Comment,
            modifiers: if doc { DOCUMENTATION } else { 0 },
        });
    }
    tokens.retain(|t| t.end > t.start);
    tokens.sort_by_key(|t| (t.start, t.end));
    let mut kept: Vec<Raw> = Vec::with_capacity(tokens.len());
    for token in tokens {
        if kept.last().is_none_or(|last| token.start >= last.end) {
            kept.push(token);
        }
    }
    kept
}

/// The LSP encoding: one line per token, positions relative to the previous.
fn encode(ctx: &Ctx, tokens: Vec<Raw>) -> Vec<SemanticToken> {
    let text = ctx.text();
    let mut data = Vec::with_capacity(tokens.len());
    let (mut line, mut column) = (0u32, 0u32);
    for token in tokens {
        let Some(slice) = text.get(token.start as usize..token.end as usize) else {
            continue;
        };
        let mut piece_start = token.start as usize;
        for piece in slice.split('\n') {
            let next = piece_start + piece.len() + 1;
            let piece = piece.trim_end_matches('\r');
            let length: usize = piece.chars().map(char::len_utf16).sum();
            if length > 0 {
                let at = convert::position(ctx.source, to_u32(piece_start));
                let delta_start = if at.line == line {
                    at.character.saturating_sub(column)
                } else {
                    at.character
                };
                data.push(SemanticToken {
                    delta_line: at.line.saturating_sub(line),
                    delta_start,
                    length: to_u32(length),
                    token_type: token.kind as u32,
                    token_modifiers_bitset: token.modifiers,
                });
                (line, column) = (at.line, at.character);
            }
            piece_start = next;
        }
    }
    data
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Where a list of statements is.
#[derive(Debug, Clone, Copy)]
enum Scope<'a> {
    /// The top level of the file.
    Top,
    /// The body of a block of this kind (when known).
    Block(Option<&'static KindDef>),
    /// A map's entries (`env { KEY = "v" }`, `{ a = 1 }`), of this type.
    Map(Option<&'a Ty>),
}

struct Walker<'a> {
    text: &'a str,
    stdlib: &'static Stdlib,
    /// Comments, sorted by start.
    comments: &'a [(usize, usize)],
    /// Uses of declared names in this file: (start, name), sorted.
    references: Vec<(u32, &'a str)>,
    symbols: &'a indexmap::IndexMap<String, crate::resolve::Symbol>,
    tokens: Vec<Raw>,
}

impl<'a> Walker<'a> {
    fn push(&mut self, span: Span, kind: Kind, modifiers: u32) {
        self.tokens.push(Raw {
            start: span.start,
            end: span.end,
            kind,
            modifiers,
        });
    }

    fn stmts(&mut self, stmts: &[ast::Stmt], scope: Scope) {
        for stmt in stmts {
            self.stmt(stmt, scope);
        }
    }

    fn stmt(&mut self, stmt: &ast::Stmt, scope: Scope) {
        match &stmt.kind {
            StmtKind::Let { name, value } => {
                self.keyword(stmt, "let");
                self.push(name.span, Kind::Variable, DECLARATION | READONLY);
                self.expr(value, None);
            }
            StmtKind::Param { name, ty, default } => {
                self.keyword(stmt, "param");
                self.push(name.span, Kind::Parameter, DECLARATION);
                self.type_expr(ty);
                if let Some(default) = default {
                    let ty = stdlib::type_of(ty, &mut Diagnostics::new());
                    self.expr(default, Some(&ty));
                }
            }
            StmtKind::Output { name, value } => {
                self.keyword(stmt, "output");
                self.push(name.span, Kind::Variable, DECLARATION);
                self.expr(value, None);
            }
            StmtKind::Import { path } => {
                self.keyword(stmt, "import");
                self.push(path.span, Kind::String, 0);
            }
            StmtKind::Kind { name, label, body } => {
                self.keyword(stmt, "kind");
                self.push(name.span, Kind::Type, DECLARATION);
                if let Some(label) = label {
                    self.type_expr(label);
                }
                self.stmts(body, Scope::Block(None));
            }
            StmtKind::Attr { name, ty } => {
                self.keyword(stmt, "attr");
                self.push(name.span, Kind::Property, DECLARATION);
                self.type_expr(ty);
            }
            StmtKind::Field { name, ty, default } => {
                self.push(name.span, Kind::Property, DECLARATION);
                self.type_expr(ty);
                if let Some(default) = default {
                    let ty = stdlib::type_of(ty, &mut Diagnostics::new());
                    self.expr(default, Some(&ty));
                }
            }
            StmtKind::Assign { key, value } => {
                self.push(key.span, Kind::Property, 0);
                let ty = match scope {
                    Scope::Map(inner) => inner,
                    Scope::Block(def) => def.and_then(|d| d.fields.get(&key.node)).map(|f| &f.ty),
                    Scope::Top => None,
                };
                self.expr(value, ty);
            }
            StmtKind::Block(block) => self.block(block, scope),
            StmtKind::Error => {}
        }
    }

    /// The keyword that starts a declaration, after its doc comments.
    fn keyword(&mut self, stmt: &ast::Stmt, word: &str) {
        let mut at = stmt.span.start as usize;
        loop {
            let rest = self.text.get(at..).unwrap_or("");
            let trimmed = rest.trim_start();
            at += rest.len() - trimmed.len();
            match self.comments.binary_search_by_key(&at, |(start, _)| *start) {
                Ok(index) => match self.comments.get(index) {
                    Some(&(_, end)) if end > at => at = end,
                    _ => break,
                },
                Err(_) => break,
            }
        }
        if self
            .text
            .get(at..)
            .is_some_and(|rest| rest.starts_with(word))
        {
            let start = to_u32(at);
            let end = start + to_u32(word.len());
            self.tokens.push(Raw {
                start,
                end,
                kind: Kind::Keyword,
                modifiers: 0,
            });
        }
    }

    fn block(&mut self, block: &ast::Block, scope: Scope) {
        let (top, parent) = match scope {
            Scope::Top => (true, None),
            Scope::Block(def) => (false, def),
            Scope::Map(_) => (false, None),
        };
        let field = parent.and_then(|p| p.fields.get(&block.kind.node));
        let def = match (top, field.map(|f| &f.ty)) {
            (true, _) => self.stdlib.top_kind(&block.kind.node),
            (false, Some(Ty::Block(path))) => self.stdlib.kind(path),
            _ => None,
        };
        // `env { ... }` is a field holding a map, written as a block.
        let map = match field.map(|f| &f.ty) {
            Some(Ty::Map(inner)) => Some(&**inner),
            _ => None,
        };
        let word = if map.is_some() || (!top && def.is_none() && field.is_some()) {
            Kind::Property
        } else {
            Kind::Type
        };
        self.push(block.kind.span, word, 0);
        if let Some(label) = &block.label {
            let declares = top || def.is_some_and(|d| d.label == Some(Ty::Name));
            match &label.kind {
                ExprKind::Reference(path) if path.len() == 1 && declares => {
                    self.push(label.span, Kind::Variable, DECLARATION);
                }
                _ => self.expr(label, def.and_then(|d| d.label.as_ref())),
            }
        }
        if let Some(body) = &block.body {
            let scope = match map {
                Some(inner) => Scope::Map(Some(inner)),
                None => Scope::Block(def),
            };
            self.stmts(&body.stmts, scope);
        }
    }

    fn expr(&mut self, expr: &Expr, ty: Option<&Ty>) {
        match &expr.kind {
            ExprKind::Str(_) => self.push(expr.span, Kind::String, 0),
            ExprKind::Number(_) => self.push(expr.span, Kind::Number, 0),
            ExprKind::Bool(_) => self.push(expr.span, Kind::Keyword, 0),
            ExprKind::Quantity { number, unit } => {
                let end = expr.span.start + to_u32(number.text.len());
                self.push(Span { end, ..expr.span }, Kind::Number, 0);
                self.push(unit.span, Kind::Keyword, 0);
            }
            ExprKind::List(items) => {
                let inner = match ty {
                    Some(Ty::List(inner)) => Some(&**inner),
                    _ => None,
                };
                for item in items {
                    self.expr(item, inner);
                }
            }
            ExprKind::Map(stmts) => {
                let inner = match ty {
                    Some(Ty::Map(inner)) => Some(&**inner),
                    _ => None,
                };
                self.stmts(stmts, Scope::Map(inner));
            }
            ExprKind::Reference(path) => self.reference(path, ty),
            ExprKind::Range(low, high) => {
                self.expr(low, Some(&Ty::Int));
                self.expr(high, Some(&Ty::Int));
            }
            ExprKind::Error => {}
        }
    }

    /// `name`, `name.attribute` or an enum word.
    fn reference(&mut self, path: &[ast::Ident], ty: Option<&Ty>) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        let symbol = self
            .references
            .binary_search_by_key(&first.span.start, |(start, _)| *start)
            .ok()
            .and_then(|index| self.references.get(index))
            .and_then(|(_, target)| self.symbols.get(*target));
        let (kind, modifiers) = match symbol.map(|s| &s.kind) {
            Some(SymbolKind::Let) => (Kind::Variable, READONLY),
            Some(SymbolKind::Param) => (Kind::Parameter, 0),
            Some(SymbolKind::Decl(_) | SymbolKind::Output) => (Kind::Variable, 0),
            None if rest.is_empty() && self.is_enum_word(ty, &first.node) => (Kind::EnumMember, 0),
            None => (Kind::Variable, 0),
        };
        self.push(first.span, kind, modifiers);
        for attribute in rest {
            self.push(attribute.span, Kind::Property, 0);
        }
    }

    /// Whether `word` is a choice of the expected type, or of any stdlib
    /// field when the type is not known.
    fn is_enum_word(&self, ty: Option<&Ty>, word: &str) -> bool {
        match ty {
            Some(ty) => mentions_word(ty, word),
            None => self
                .stdlib
                .kinds
                .values()
                .flat_map(|kind| kind.fields.values())
                .any(|field| mentions_word(&field.ty, word)),
        }
    }

    /// A type as written: names are types, `enum(...)` arguments enum words.
    fn type_expr(&mut self, ty: &ast::TypeExpr) {
        for atom in &ty.alternatives {
            self.push(atom.name.span, Kind::Type, 0);
            for arg in &atom.args {
                if atom.name.node == "enum" {
                    for word in &arg.alternatives {
                        self.push(word.name.span, Kind::EnumMember, 0);
                    }
                } else {
                    self.type_expr(arg);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::driver;
    use crate::lsp::documents::Documents;
    use crate::vfs::MemVfs;
    use std::path::{Path, PathBuf};

    /// Decoded tokens: (line, UTF-16 column, text, type, modifiers).
    type Decoded = (u32, u32, String, String, Vec<String>);

    fn tokens(text: &str) -> Vec<Decoded> {
        let mut vfs = MemVfs::new();
        vfs.insert("main.ecs", text);
        let analysis = driver::analyze(&vfs, &[PathBuf::from("main.ecs")]);
        let file = analysis.sources.find(Path::new("main.ecs")).unwrap();
        let documents = Documents::default();
        let ctx = Ctx {
            analysis: &analysis,
            file,
            source: analysis.sources.get(file).unwrap(),
            ast: &analysis.files.iter().find(|(id, _)| *id == file).unwrap().1,
            documents: &documents,
        };
        let raw = collect(&ctx);
        for pair in raw.windows(2) {
            assert!(pair[0].end <= pair[1].start, "overlap: {pair:?}");
        }
        let lines: Vec<&str> = text.split('\n').collect();
        let (mut line, mut column) = (0, 0);
        let mut decoded = Vec::new();
        for token in encode(&ctx, raw) {
            if token.delta_line > 0 {
                column = 0;
            }
            line += token.delta_line;
            column += token.delta_start;
            let utf16: Vec<u16> = lines[line as usize].encode_utf16().collect();
            let word = &utf16[column as usize..(column + token.length) as usize];
            let modifiers = MODIFIERS
                .iter()
                .enumerate()
                .filter(|(bit, _)| token.token_modifiers_bitset & (1 << bit) != 0)
                .map(|(_, modifier)| modifier.as_str().to_string())
                .collect();
            decoded.push((
                line,
                column,
                String::from_utf16(word).unwrap(),
                TYPES[token.token_type as usize].as_str().to_string(),
                modifiers,
            ));
        }
        decoded
    }

    fn words(text: &str) -> Vec<String> {
        tokens(text)
            .into_iter()
            .map(|(_, _, word, ty, modifiers)| {
                let mut out = format!("{word}:{ty}");
                for modifier in modifiers {
                    out.push('+');
                    out.push_str(&modifier);
                }
                out
            })
            .collect()
    }

    #[test]
    fn declarations_references_and_enum_words() {
        let text = "let size = 512 MiB\n\
                    param env: enum(dev, prod) = dev\n\
                    cluster c {}\n\
                    service api {\n  cluster = c\n  launch = fargate\n  memory = size\n  \
                    count = 2\n  public_ip = true\n  container web {\n    image = \"x\"\n  }\n}\n\
                    output o = c.name\n\
                    let l = fargate\n";
        let want = [
            "let:keyword",
            "size:variable+declaration+readonly",
            "512:number",
            "MiB:keyword",
            "param:keyword",
            "env:parameter+declaration",
            "enum:type",
            "dev:enumMember",
            "prod:enumMember",
            "dev:enumMember",
            "cluster:type",
            "c:variable+declaration",
            "service:type",
            "api:variable+declaration",
            "cluster:property",
            "c:variable",
            "launch:property",
            "fargate:enumMember",
            "memory:property",
            "size:variable+readonly",
            "count:property",
            "2:number",
            "public_ip:property",
            "true:keyword",
            "container:type",
            "web:variable+declaration",
            "image:property",
            "\"x\":string",
            "output:keyword",
            "o:variable+declaration",
            "c:variable",
            "name:property",
            "let:keyword",
            "l:variable+declaration+readonly",
            "fargate:enumMember",
        ];
        assert_eq!(words(text), want);
    }

    #[test]
    fn comments_doc_comments_and_utf16_columns() {
        let text = "/// Doc é.\n//// not a doc\n/* a\n😀 */ let x = \"😀\" // end\r\n";
        let got = tokens(text);
        let plain = |line, column, word: &str, ty: &str| -> Decoded {
            (line, column, word.into(), ty.into(), vec![])
        };
        assert_eq!(
            got,
            vec![
                (
                    0,
                    0,
                    "/// Doc é.".into(),
                    "comment".into(),
                    vec!["documentation".into()]
                ),
                plain(1, 0, "//// not a doc", "comment"),
                plain(2, 0, "/* a", "comment"),
                plain(3, 0, "😀 */", "comment"),
                plain(3, 6, "let", "keyword"),
                (
                    3,
                    10,
                    "x".into(),
                    "variable".into(),
                    vec!["declaration".into(), "readonly".into()]
                ),
                plain(3, 14, "\"😀\"", "string"),
                plain(3, 19, "// end", "comment"),
            ]
        );
    }

    #[test]
    fn broken_files_and_stdlib_declarations() {
        let text = "service api {\n  cpu = 0.5 vcpu\n\nlet x = 1\n";
        let got = words(text);
        assert!(got.contains(&"let:keyword".to_string()), "{got:?}");
        let text =
            "kind thing(name) {\n  /// Doc.\n  size: enum(a, b)? = a\n  attr id: String\n}\n";
        assert_eq!(
            words(text),
            [
                "kind:keyword",
                "thing:type+declaration",
                "name:type",
                "/// Doc.:comment+documentation",
                "size:property+declaration",
                "enum:type",
                "a:enumMember",
                "b:enumMember",
                "a:enumMember",
                "attr:keyword",
                "id:property+declaration",
                "String:type",
            ]
        );
    }
}
