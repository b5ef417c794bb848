//! Plain SQL over semantic views, as Snowflake's "semantic views as standard SQL views":
//! `SELECT region, AGG(revenue) FROM sales WHERE region <> 'x' GROUP BY region HAVING ...`.
//!
//! Each query block that reads one semantic view (and nothing else) becomes a request — GROUP BY
//! names the dimensions, `AGG(m)` / `MEASURE(m)` (or `MIN`/`MAX`/`ANY_VALUE` around a metric) the
//! metrics, WHERE the where clause; without aggregation, selected facts and dimensions are row
//! level — and the view in FROM is replaced by the request's expansion. The block keeps its
//! SELECT list, GROUP BY, HAVING, ORDER BY and LIMIT, now over one row per group.

use std::ops::ControlFlow;
use std::sync::Arc;

use sqlparser::ast::{
    visit_expressions_mut, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentList, FunctionArguments, GroupByExpr,
    Ident as AstIdent, ObjectName, ObjectNamePart, OrderBy, OrderByKind, Query, Select, SelectItem, SetExpr, Statement, TableAlias,
    TableFactor, Value, Visit, VisitMut, Visitor, VisitorMut,
};
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;

use crate::api;
use crate::cache::Compiled;
use crate::cte_scope::CteScopes;
use crate::error::{Error, Result};
use crate::grouping::{grouping_value, union_sql, Branch, GroupingSets, SET_COLUMN};
use crate::model::MemberKind;
use crate::plan::Request;
use crate::sql::dialect::DuckDb;
use crate::sql::{quote_ident, quote_literal, tokenize, Tok};
use crate::view::{eq_ci, MemberId};

/// A semantic view a query names in FROM, as the caller found it.
#[derive(Debug, Clone)]
pub struct PlainView {
    /// The name as written in the query.
    pub name: String,
    pub compiled: Arc<Compiled>,
    /// The current name of the database that holds the definition.
    pub home_catalog: String,
    /// `semantic_views_verify = 'error'`: expansions check the keys their joins rely on.
    pub verify_keys: bool,
}

const METRIC_CALLS: &[&str] = &["agg", "measure", "min", "max", "any_value"];
/// What a bare name in a block may denote, in order of preference.
const MEMBER_KINDS: [MemberKind; 3] = [MemberKind::Dimension, MemberKind::Fact, MemberKind::Metric];
/// Qualifies rewritten metric references until the block's alias replaces it.
const METRIC_MARK: &str = "__semantic_views_metric";

/// The offset where a statement's own text starts: a statement prepared by `PREPARE name AS
/// <statement>` is bound on its own, but carries the PREPARE's text.
fn own_text_start(sig: &[&Tok]) -> usize {
    let word = |i: usize, w: &str| {
        sig.get(i).is_some_and(|t| matches!(&t.token, Token::Word(x) if x.quote_style.is_none() && x.value.eq_ignore_ascii_case(w)))
    };
    match sig.get(3) {
        Some(t) if word(0, "prepare") && word(2, "as") => t.offset,
        _ => 0,
    }
}

/// `PREPARE name AS ...` or `EXECUTE name[(...)]`: whether it prepares, and the name (lower
/// case, as DuckDB compares prepared statement names).
pub fn prepared_statement(sql: &str) -> Option<(bool, String)> {
    // Most statements name neither verb anywhere: then there is nothing to tokenize for.
    if !crate::sql::may_contain_word(sql, "prepare") && !crate::sql::may_contain_word(sql, "execute") {
        return None;
    }
    let toks = tokenize(sql).ok()?;
    let sig: Vec<&Tok> = toks.iter().filter(|t| !t.is_trivia()).collect();
    let verb = match &sig.first()?.token {
        Token::Word(w) if w.quote_style.is_none() => w.value.to_lowercase(),
        _ => return None,
    };
    let name = match &sig.get(1)?.token {
        Token::Word(w) => w.value.to_lowercase(),
        _ => return None,
    };
    match verb.as_str() {
        "prepare" => Some((true, name)),
        "execute" => Some((false, name)),
        _ => None,
    }
}

/// A statement DuckDB could not bind, read once: the semantic views it may read and, given
/// their definitions, its rewrite.
pub struct PlainQuery {
    form: Form,
}

enum Form {
    /// `DESCRIBE x`, `DESC x` or `SHOW x`: the relation described.
    Described(String),
    Statements {
        statements: Vec<Statement>,
        unsupported: Option<Error>,
        described: Vec<DescribedRelation>,
        /// The statement's own text, and the text sqlparser read (described relations replaced).
        own: String,
        parsed: String,
    },
    /// Not SQL that sqlparser reads: DuckDB's own error stands.
    Unreadable,
}

impl PlainQuery {
    pub fn new(sql: &str) -> PlainQuery {
        let Ok(toks) = tokenize(sql) else { return PlainQuery { form: Form::Unreadable } };
        let sig: Vec<&Tok> = toks.iter().filter(|t| !t.is_trivia()).collect();
        // Its own text: without a `PREPARE name AS` around it.
        let start = own_text_start(&sig);
        let sig: Vec<&Tok> = sig.into_iter().filter(|t| t.offset >= start).collect();
        if let Some(name) = described(sql, &sig) {
            return PlainQuery { form: Form::Described(name) };
        }
        let (text, described) = described_relations(sql, start, &sig);
        let form = match Parser::new(&DuckDb::default()).try_with_sql(&text).and_then(|mut p| p.parse_statements()) {
            Ok(statements) => Form::Statements {
                statements,
                unsupported: unsupported_syntax(&sig).err(),
                described,
                own: sql[start..].to_string(),
                parsed: text,
            },
            Err(_) => Form::Unreadable,
        };
        PlainQuery { form }
    }

    /// The names of the tables read alone by a query block (`FROM x` without joins), described
    /// (`DESCRIBE x`) or named by a `semantic_view('x', ...)` call: the candidates for semantic
    /// views. Empty when the statement is not a query sqlparser reads.
    pub fn candidates(&self) -> Vec<Candidate> {
        struct Names(Vec<Candidate>);
        impl Names {
            fn add(&mut self, name: String, as_relation: bool) {
                match self.0.iter_mut().find(|c| c.name == name) {
                    Some(c) => c.as_relation |= as_relation,
                    None => self.0.push(Candidate { name, as_relation }),
                }
            }
        }
        impl Visitor for Names {
            type Break = ();
            fn pre_visit_select(&mut self, select: &Select) -> ControlFlow<()> {
                if let Some((name, _)) = single_table(select) {
                    self.add(name.to_string(), true);
                }
                ControlFlow::Continue(())
            }
            fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
                if let Some((name, _)) = table_function_request(factor) {
                    self.add(name, false);
                }
                ControlFlow::Continue(())
            }
        }
        match &self.form {
            Form::Described(name) => vec![Candidate { name: name.clone(), as_relation: true }],
            Form::Unreadable => Vec::new(),
            Form::Statements { statements, described, .. } => {
                let mut names = Names(Vec::new());
                for s in statements.iter().filter(|s| rewritable(s)) {
                    let _ = s.visit(&mut names);
                }
                names.0.retain(|c| !described.iter().any(|d| d.placeholder == c.name));
                for d in described {
                    names.add(d.name.clone(), true);
                }
                names.0
            }
        }
    }

    /// The query with every block over a semantic view replaced by its expansion.
    pub fn rewrite(&mut self, views: &[PlainView]) -> Result<String> {
        let (statements, described, own, parsed) = match &mut self.form {
            Form::Described(name) => {
                let view = views.iter().find(|v| v.name == *name).ok_or_else(|| Error::internal("described view not found"))?;
                return describe(view);
            }
            Form::Unreadable => return Err(Error::parser("cannot read the query over a semantic view")),
            Form::Statements { unsupported: Some(e), .. } => return Err(e.clone()),
            Form::Statements { statements, described, own, parsed, .. } => (statements, &*described, &*own, &*parsed),
        };
        let [statement] = statements.as_mut_slice() else {
            return Err(Error::parser("a query over a semantic view must be one statement"));
        };
        if !rewritable(statement) {
            return Err(Error::parser(
                "semantic views can be read by SELECT, INSERT ... SELECT, CREATE TABLE ... AS SELECT and CREATE VIEW",
            ));
        }
        // A DuckDB view keeps its query: it reads semantic_view(...), which expands again at every
        // use, so that the view follows later changes of the semantic view's definition.
        let live = matches!(statement, Statement::CreateView { .. });
        // Whether sqlparser prints the statement back as written (token for token), before the
        // rewrite changes it.
        let read_back = same_tokens(&statement.to_string(), parsed);
        // A where clause may be copied into several requests (grouping sets): `?` would count twice.
        number_positional_parameters(statement);
        let mut rewriter = Rewriter { views, expansions: Vec::new(), calls: 0, error: None, live, ctes: CteScopes::default() };
        let _ = statement.visit(&mut rewriter);
        if let Some(e) = rewriter.error {
            return Err(e);
        }
        // Only semantic_view(...) calls, which DuckDB binds as they are: expanding them in place
        // saves binding the table function, but not at the price of a statement printed back
        // otherwise than written.
        if rewriter.calls == rewriter.expansions.len() && described.is_empty() && !read_back {
            return Ok(own.to_string());
        }
        if let Some(sql) = pass_through(statement, &rewriter.expansions) {
            return Ok(sql);
        }
        // Splice each expansion in place of its placeholder table name.
        crate::sql::display_safe(statement);
        let text = statement.to_string();
        let mut out = String::with_capacity(text.len() + rewriter.expansions.iter().map(|e| e.sql.len() + 2).sum::<usize>());
        for t in tokenize(&text)? {
            match &t.token {
                Token::Word(w) if w.quote_style.is_none() => {
                    if let Some(expansion) = rewriter.expansions.iter().find(|e| e.placeholder == w.value) {
                        out.push('(');
                        out.push_str(&expansion.sql);
                        out.push(')');
                    } else if let Some(d) = described.iter().find(|d| d.placeholder == w.value) {
                        match views.iter().find(|v| v.name == d.name) {
                            Some(view) => {
                                out.push('(');
                                out.push_str(&describe(view)?);
                                out.push(')');
                            }
                            None => out.push_str(&d.text),
                        }
                    } else {
                        out.push_str(&t.text);
                    }
                }
                _ => out.push_str(&t.text),
            }
        }
        Ok(out)
    }
}

/// A name a statement may read a semantic view by.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub name: String,
    /// Named as a relation (`FROM x`, `DESCRIBE x`), where a table or view of that name is read
    /// instead; a `semantic_view('x', ...)` call reads the semantic view whatever tables exist.
    pub as_relation: bool,
}

/// The candidates of one statement's text (see [`PlainQuery::candidates`]).
pub fn candidates(sql: &str) -> Vec<Candidate> {
    PlainQuery::new(sql).candidates()
}

/// The rewrite of one statement's text (see [`PlainQuery::rewrite`]).
pub fn rewrite(sql: &str, views: &[PlainView]) -> Result<String> {
    PlainQuery::new(sql).rewrite(views)
}

/// `?` parameters become `$1`, `$2`, ... in the order written, which is how DuckDB numbers them:
/// the rewrite may move a parameter or copy it, and a numbered one keeps its value.
fn number_positional_parameters(statement: &mut Statement) {
    let mut positions = Vec::new();
    let _ = visit_expressions_mut(statement, |e| {
        if let Expr::Value(v) = e {
            if matches!(&v.value, Value::Placeholder(p) if p == "?") {
                positions.push(v.span.start);
            }
        }
        ControlFlow::<()>::Continue(())
    });
    if positions.is_empty() {
        return;
    }
    let mut order: Vec<usize> = (0..positions.len()).collect();
    order.sort_by_key(|i| positions[*i]);
    let mut number = vec![0; positions.len()];
    for (rank, i) in order.into_iter().enumerate() {
        number[i] = rank + 1;
    }
    let mut next = 0;
    let _ = visit_expressions_mut(statement, |e| {
        if let Expr::Value(v) = e {
            if matches!(&v.value, Value::Placeholder(p) if p == "?") {
                v.value = Value::Placeholder(format!("${}", number[next]));
                next += 1;
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

/// The expansion alone, when the rewritten statement is `SELECT <its columns> FROM <it>`: the
/// same columns, in the same order, under the same names. The query then binds without a
/// projection over the expansion, which costs DuckDB 2.0 about 0.02 ms to bind and optimize.
fn pass_through(statement: &Statement, expansions: &[Expansion]) -> Option<String> {
    let [Expansion { placeholder, sql, columns: Some(columns) }] = expansions else { return None };
    let Statement::Query(query) = statement else { return None };
    let SetExpr::Select(select) = query.body.as_ref() else { return None };
    let [from] = select.from.as_slice() else { return None };
    let TableFactor::Table { name, alias: Some(alias), .. } = &from.relation else { return None };
    if name.to_string() != *placeholder || !alias.columns.is_empty() {
        return None;
    }
    // Nothing else in the statement: it prints as exactly that (any other clause would print).
    let items: Vec<String> = select.projection.iter().map(|i| i.to_string()).collect();
    if statement.to_string() != format!("SELECT {} FROM {from}", items.join(", ")) {
        return None;
    }
    let selected = |item: &SelectItem| -> Option<String> {
        let (expr, named) = match item {
            SelectItem::UnnamedExpr(e) => (e, None),
            SelectItem::ExprWithAlias { expr, alias } => (expr, Some(&alias.value)),
            _ => return None,
        };
        let column = match expr {
            Expr::Identifier(i) => &i.value,
            Expr::CompoundIdentifier(parts) if parts.len() == 2 && parts[0].value == alias.name.value => &parts[1].value,
            _ => return None,
        };
        named.is_none_or(|n| n == column).then(|| column.clone())
    };
    let selected: Option<Vec<String>> = select.projection.iter().map(selected).collect();
    let distinct = columns.iter().all(|c| columns.iter().filter(|d| d.eq_ignore_ascii_case(c)).count() == 1);
    (selected.as_ref() == Some(columns) && distinct).then(|| sql.clone())
}

/// Statements whose queries read semantic views when they fail to bind as plain SQL.
fn rewritable(statement: &Statement) -> bool {
    matches!(statement, Statement::Query(_) | Statement::Insert(_) | Statement::Explain { .. } | Statement::CreateView { .. })
        || matches!(statement, Statement::CreateTable(c) if c.query.is_some())
}

fn single_table(select: &Select) -> Option<(&ObjectName, Option<&AstIdent>)> {
    let [from] = select.from.as_slice() else { return None };
    if !from.joins.is_empty() {
        return None;
    }
    match &from.relation {
        TableFactor::Table { name, alias, args: None, .. } => Some((name, alias.as_ref().map(|a| &a.name))),
        _ => None,
    }
}

/// The relation of `DESCRIBE x`, `DESC x` or `SHOW x` (DuckDB's forms of describing a table).
fn described(sql: &str, sig: &[&Tok]) -> Option<String> {
    let sig = match sig.iter().rposition(|t| t.token != Token::SemiColon) {
        Some(last) => &sig[..=last],
        None => return None,
    };
    let verb = sig.first()?;
    if !describe_verb(verb) || sig.len() < 2 {
        return None;
    }
    let last = sig.last()?;
    let rest = &sql[sig[1].offset..last.offset + last.text.len()];
    let parts = crate::sql::parse_qualified_name(rest).ok()?;
    if let [only] = parts.as_slice() {
        // SHOW TABLES, SHOW ALL TABLES, DESCRIBE SELECT ...: DuckDB's own.
        if !only.quoted && ["tables", "databases", "select", "from", "with", "all"].contains(&only.value.to_lowercase().as_str()) {
            return None;
        }
    }
    Some(rest.to_string())
}

/// `(DESCRIBE x)`, `(SHOW x)` as a relation, which sqlparser does not read: the statement is
/// read with a placeholder table name in its place, and the rewrite puts back the description
/// of a semantic view, or the text as written for anything else.
#[derive(Debug, Clone)]
struct DescribedRelation {
    placeholder: String,
    name: String,
    text: String,
}

/// The statement's own text (from `start`) with each described relation replaced by its
/// placeholder.
fn described_relations(sql: &str, start: usize, sig: &[&Tok]) -> (String, Vec<DescribedRelation>) {
    let mut out = String::with_capacity(sql.len() - start);
    let mut found = Vec::new();
    let mut copied = start;
    let mut i = 0;
    while i < sig.len() {
        let opens = sig[i].token == Token::LParen && sig.get(i + 1).is_some_and(|t| describe_verb(t));
        let close = if opens { crate::sql::closing_paren(sig, i) } else { None };
        let name = close.and_then(|j| described(sql, &sig[i + 1..j]));
        match (close, name) {
            (Some(j), Some(name)) => {
                let placeholder = format!("__semantic_view_described_{}", found.len());
                let end = sig[j].offset + sig[j].text.len();
                out.push_str(&sql[copied..sig[i].offset]);
                out.push_str(&placeholder);
                found.push(DescribedRelation { placeholder, name, text: sql[sig[i].offset..end].to_string() });
                copied = end;
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    out.push_str(&sql[copied..]);
    (out, found)
}

fn describe_verb(t: &Tok) -> bool {
    matches!(&t.token, Token::Word(w) if w.quote_style.is_none() && ["describe", "desc", "show"].iter().any(|v| w.value.eq_ignore_ascii_case(v)))
}

/// `DESCRIBE sales`: one row per public dimension, fact and metric — its name, DuckDB type (what
/// DuckDB binds for it alone), kind and comment — for tools that look before they query.
fn describe(source: &PlainView) -> Result<String> {
    let view = &source.compiled.view;
    let mut rows = Vec::new();
    let request_name = |id: MemberId| {
        let m = view.member(id);
        let name = match m.table {
            Some(t) => format!("{}.{}", quote_ident(&view.tables[t].alias), quote_ident(&m.name)),
            None => quote_ident(&m.name),
        };
        quote_literal(&name)
    };
    for (id, m) in view.all_members().filter(|(_, m)| !m.private) {
        // A window metric is only computed over the dimensions it partitions and orders by:
        // request those too; the metric is the column after them.
        let required = match id.kind {
            MemberKind::Metric => view.required_dimensions(id.index),
            _ => Vec::new(),
        };
        let mut request = format!("semantic_view({}, {} := [{}]", quote_literal(&source.name), id.kind.plural(), request_name(id));
        if !required.is_empty() {
            let names: Vec<String> = required.iter().map(|d| request_name(*d)).collect();
            request.push_str(&format!(", dimensions := [{}]", names.join(", ")));
        }
        request.push(')');
        let column = format!("#{}", required.len() + 1);
        let comment = m.def.comment.as_deref().map(quote_literal).unwrap_or_else(|| "NULL".into());
        rows.push(format!(
            "SELECT {} AS ord, {} AS column_name, column_type, {} AS kind, {comment}::VARCHAR AS comment FROM (DESCRIBE SELECT {column} FROM {request})",
            rows.len(),
            quote_literal(&m.name),
            quote_literal(id.kind.noun()),
        ));
    }
    if rows.is_empty() {
        return Err(Error::binder(format!("semantic view '{}' has no public members to describe", source.name)));
    }
    Ok(format!("SELECT column_name, column_type, kind, comment FROM ({}) ORDER BY ord", rows.join(" UNION ALL ")))
}

/// Syntax sqlparser reads but cannot print back as written.
fn unsupported_syntax(sig: &[&Tok]) -> Result<()> {
    for (k, t) in sig.iter().enumerate() {
        match &t.token {
            Token::Sharp => {
                let number = sig.get(k + 1).map_or("", |n| n.text.as_str());
                return Err(Error::parser(format!(
                    "positional reference #{number} in a query over a semantic view: a semantic view has no column order; name the dimension or metric, or use an ordinal (GROUP BY 1, ORDER BY 2)"
                )));
            }
            // sqlparser reads it as the blob literal X'1F'.
            Token::HexStringLiteral(_) if t.text.starts_with(['0']) => {
                return Err(Error::parser(format!(
                    "hexadecimal integers ({}) are not supported in queries over semantic views: write the decimal number",
                    t.text
                )))
            }
            _ => {}
        }
    }
    Ok(())
}

/// The SQL a block over a semantic view (or a semantic_view(...) call) becomes.
struct Expansion {
    /// The table name standing for it in the rewritten statement until it is spliced in.
    placeholder: String,
    sql: String,
    /// Its output columns, where the block selects exactly those, in order and by those names
    /// (see `pass_through`).
    columns: Option<Vec<String>>,
}

struct Rewriter<'a> {
    views: &'a [PlainView],
    expansions: Vec<Expansion>,
    /// How many of the expansions replace semantic_view(...) calls.
    calls: usize,
    error: Option<Error>,
    /// Read `semantic_view(...)` rather than its expansion (for DuckDB views).
    live: bool,
    /// A block over a CTE named like a semantic view reads the CTE.
    ctes: CteScopes,
}

impl VisitorMut for Rewriter<'_> {
    type Break = ();
    /// `semantic_view('name', ...)` with literal arguments (what the SEMANTIC_VIEW clause
    /// becomes) is replaced by its expansion, as the table function would be; a DuckDB view keeps
    /// the call.
    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        if self.live {
            return ControlFlow::Continue(());
        }
        let Some((name, request)) = table_function_request(factor) else { return ControlFlow::Continue(()) };
        let Some(view) = self.views.iter().find(|v| v.name == name) else { return ControlFlow::Continue(()) };
        let request = Request { verify_keys: view.verify_keys, ..request };
        let sql = match api::expand_compiled(&view.name, &view.compiled, &view.home_catalog, request) {
            Ok(sql) => sql,
            Err(e) => {
                self.error = Some(e);
                return ControlFlow::Break(());
            }
        };
        let placeholder = format!("__semantic_view_expansion_{}", self.expansions.len());
        if let TableFactor::Table { name, alias, args, .. } = factor {
            *name = ObjectName::from(vec![AstIdent::new(&placeholder)]);
            *args = None;
            // The table function's own name is its default alias.
            alias.get_or_insert_with(|| TableAlias { explicit: true, name: AstIdent::new("semantic_view"), columns: vec![], at: None });
        }
        self.expansions.push(Expansion { placeholder, sql, columns: None });
        self.calls += 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        self.ctes.enter(query);
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        let Query { body, order_by, .. } = query;
        let result = match body.as_mut() {
            SetExpr::Select(select) => self.block(select, order_by.as_mut()),
            // Each branch of a UNION (INTERSECT, EXCEPT) is its own block; ORDER BY is the set's.
            SetExpr::SetOperation { .. } => self.branches(body),
            _ => Ok(()),
        };
        self.ctes.leave(query);
        match result {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => {
                self.error = Some(e);
                ControlFlow::Break(())
            }
        }
    }
}

impl Rewriter<'_> {
    fn branches(&mut self, set: &mut SetExpr) -> Result<()> {
        match set {
            SetExpr::Select(select) => self.block(select, None),
            SetExpr::SetOperation { left, right, .. } => {
                self.branches(left)?;
                self.branches(right)
            }
            _ => Ok(()),
        }
    }

    fn block(&mut self, select: &mut Select, order_by: Option<&mut OrderBy>) -> Result<()> {
        let Some((name, alias)) = single_table(select) else { return Ok(()) };
        if let [ObjectNamePart::Identifier(only)] = name.0.as_slice() {
            if self.ctes.names_cte(&only.value) {
                return Ok(());
            }
        }
        let written = name.to_string();
        let Some(view) = self.views.iter().find(|v| v.name == written) else { return Ok(()) };
        let alias = alias.map(|a| a.value.clone()).unwrap_or_else(|| last_part(name));
        let placeholder = format!("__semantic_view_expansion_{}", self.expansions.len());
        match Block::new(view, &alias).and_then(|b| b.rewrite(select, order_by, &placeholder, self.live)) {
            Ok((sql, columns)) => {
                self.expansions.push(Expansion { placeholder, sql, columns });
                Ok(())
            }
            Err(e) => {
                let context = format!("semantic view '{}'", view.name);
                // Errors from the expansion already name the view.
                Err(if e.message.starts_with(&context) { e } else { e.context(context) })
            }
        }
    }
}

/// The view name and request of `semantic_view('name', dimensions := [...], ...)` written with
/// literal arguments; None for anything else (DuckDB binds it).
fn table_function_request(factor: &TableFactor) -> Option<(String, Request)> {
    let TableFactor::Table { name, args: Some(args), .. } = factor else { return None };
    let [ObjectNamePart::Identifier(function)] = name.0.as_slice() else { return None };
    if !function.value.eq_ignore_ascii_case("semantic_view") || args.settings.is_some() {
        return None;
    }
    let [FunctionArg::Unnamed(FunctionArgExpr::Expr(first)), rest @ ..] = args.args.as_slice() else { return None };
    let view = string_literal(first)?;
    let mut request = Request::default();
    let mut seen: Vec<String> = Vec::new();
    for arg in rest {
        let FunctionArg::Named { name, arg: FunctionArgExpr::Expr(value), .. } = arg else { return None };
        let key = name.value.to_lowercase();
        if seen.contains(&key) {
            return None;
        }
        match key.as_str() {
            "dimensions" => request.dimensions = string_list(value)?,
            "metrics" => request.metrics = string_list(value)?,
            "facts" => request.facts = string_list(value)?,
            "where_clause" => request.where_clause = Some(string_literal(value)?),
            _ => return None,
        }
        seen.push(key);
    }
    Some((view, request))
}

/// Whether two texts are the same SQL tokens as written (sqlparser reads `0x1F` and `X'1F'` as
/// one token): unquoted words compared case-insensitively, layout ignored.
fn same_tokens(a: &str, b: &str) -> bool {
    let (Ok(a), Ok(b)) = (tokenize(a), tokenize(b)) else { return false };
    let sig = |toks: Vec<Tok>| toks.into_iter().filter(|t| !t.is_trivia()).collect::<Vec<_>>();
    let (a, b) = (sig(a), sig(b));
    a.len() == b.len()
        && a.iter().zip(&b).all(|(x, y)| match (&x.token, &y.token) {
            (Token::Word(v), Token::Word(w)) if v.quote_style.is_none() && w.quote_style.is_none() => {
                v.value.eq_ignore_ascii_case(&w.value)
            }
            _ => x.text == y.text,
        })
}

fn string_literal(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    }
}

fn string_list(expr: &Expr) -> Option<Vec<String>> {
    match expr {
        Expr::Array(array) => array.elem.iter().map(string_literal).collect(),
        _ => None,
    }
}

/// `semantic_view('name', dimensions := [...], ...)`: the table function reading a request.
fn semantic_view_call(name: &str, request: &Request) -> String {
    let list = |items: &[String]| items.iter().map(|i| quote_literal(i)).collect::<Vec<_>>().join(", ");
    let mut args = vec![quote_literal(name)];
    for (param, items) in [("dimensions", &request.dimensions), ("metrics", &request.metrics), ("facts", &request.facts)] {
        if !items.is_empty() {
            args.push(format!("{param} := [{}]", list(items)));
        }
    }
    if let Some(w) = &request.where_clause {
        args.push(format!("where_clause := {}", quote_literal(w)));
    }
    format!("semantic_view({})", args.join(", "))
}

fn last_part(name: &ObjectName) -> String {
    match name.0.last() {
        Some(ObjectNamePart::Identifier(i)) => i.value.clone(),
        _ => name.to_string(),
    }
}

/// One query block over one semantic view.
struct Block<'a> {
    source: &'a PlainView,
    compiled: Arc<Compiled>,
    alias: String,
    /// Names that denote the view itself in qualified references (`s.region`, `sales.region`).
    qualifiers: Vec<String>,
}

/// What a name in the block refers to.
enum Named {
    Member(MemberId),
    NotMember,
}

impl<'a> Block<'a> {
    fn new(source: &'a PlainView, alias: &str) -> Result<Self> {
        let compiled = source.compiled.clone();
        let view_name = source.name.rsplit('.').next().unwrap_or(&source.name).trim_matches('"').to_string();
        Ok(Block { source, compiled, alias: alias.to_string(), qualifiers: vec![alias.to_string(), view_name] })
    }

    /// The member a column reference names, preferring `kinds` in order.
    fn member(&self, expr: &Expr, kinds: &[MemberKind]) -> Named {
        let (table, name) = match expr {
            Expr::Identifier(i) => (None, &i.value),
            Expr::CompoundIdentifier(parts) if parts.len() == 2 => {
                let q = &parts[0].value;
                if self.qualifiers.iter().any(|x| eq_ci(x, q)) {
                    (None, &parts[1].value)
                } else if let Some(t) = self.compiled.view.table_index(q) {
                    (Some(t), &parts[1].value)
                } else {
                    return Named::NotMember;
                }
            }
            _ => return Named::NotMember,
        };
        let found: Vec<MemberId> = self
            .compiled
            .view
            .named(name)
            .filter(|id| table.is_none() || self.compiled.view.member(*id).table == Some(table.unwrap_or(0)))
            .collect();
        for kind in kinds {
            if let Some(id) = found.iter().find(|id| id.kind == *kind) {
                return Named::Member(*id);
            }
        }
        Named::NotMember
    }

    fn column(&self, name: &str) -> Expr {
        Expr::CompoundIdentifier(vec![AstIdent::with_quote('"', self.alias.clone()), AstIdent::with_quote('"', name)])
    }

    /// `AGG(m)` and its synonyms around a metric: the metric.
    fn metric_call(&self, expr: &Expr) -> Result<Option<MemberId>> {
        let Expr::Function(f) = expr else { return Ok(None) };
        let fname = f.name.to_string().to_lowercase();
        if !METRIC_CALLS.contains(&fname.as_str()) {
            return Ok(None);
        }
        let wrapper = fname == "agg" || fname == "measure";
        if wrapper && f.over.is_some() {
            return Err(Error::binder(format!(
                "{expr}: {} is not a window function; window over its result with an aggregate, e.g. sum({}(m)) OVER (...)",
                fname.to_uppercase(),
                fname.to_uppercase()
            )));
        }
        if wrapper && f.filter.is_some() {
            return Err(Error::binder(format!(
                "{expr}: a metric cannot be filtered per call; filter rows in WHERE, or define a metric that filters (sum(x) FILTER (WHERE ...))"
            )));
        }
        let FunctionArguments::List(FunctionArgumentList { args, duplicate_treatment: None, clauses }) = &f.args else {
            return Ok(None);
        };
        if f.over.is_some() || f.filter.is_some() || !clauses.is_empty() {
            return Ok(None);
        }
        let [FunctionArg::Unnamed(FunctionArgExpr::Expr(arg))] = args.as_slice() else { return Ok(None) };
        match self.member(arg, &[MemberKind::Metric]) {
            Named::Member(id) => Ok(Some(id)),
            Named::NotMember if wrapper => Err(Error::binder(format!(
                "{}({arg}) takes a metric; '{arg}' is not a metric of semantic view '{}'",
                fname.to_uppercase(),
                self.source.name
            ))),
            Named::NotMember => Ok(None),
        }
    }

    /// The block's expansion, with its output columns where the block may be that expansion
    /// alone (a request of named dimensions and metrics, no grouping sets).
    fn rewrite(
        self,
        select: &mut Select,
        mut order_by: Option<&mut OrderBy>,
        placeholder: &str,
        live: bool,
    ) -> Result<(String, Option<Vec<String>>)> {
        let mut metrics: Vec<MemberId> = Vec::new();
        let mut adhoc_metrics: Vec<String> = Vec::new(); // aggregates of dimensions and facts
        let mut columns: Vec<MemberId> = Vec::new(); // dimensions and facts referenced outside AGG
                                                     // Unaliased `AGG(m)` items are named after the metric.
        for item in select.projection.iter_mut() {
            if let SelectItem::UnnamedExpr(expr) = item {
                if let Some(id) = self.metric_call(expr)? {
                    let alias = AstIdent::with_quote('"', self.compiled.view.member(id).name.clone());
                    *item = SelectItem::ExprWithAlias { expr: expr.clone(), alias };
                } else if self.is_row_aggregate(expr) && has_names(expr) {
                    // Named as DuckDB names the call, not after the column it becomes.
                    let alias = AstIdent::with_quote('"', expr.to_string());
                    *item = SelectItem::ExprWithAlias { expr: expr.clone(), alias };
                }
            }
            if matches!(item, SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..)) {
                return Err(Error::binder("SELECT * is not defined on a semantic view: name its dimensions, facts and AGG(metric)s"));
            }
        }
        // Select-list aliases GROUP BY may name (as in DuckDB, a member of that name wins).
        let aliases: Vec<Option<String>> = select
            .projection
            .iter()
            .map(|i| match i {
                SelectItem::ExprWithAlias { alias, .. } => Some(alias.value.clone()),
                _ => None,
            })
            .collect();
        let original_items: Vec<Option<Expr>> = select.projection.iter().map(|i| item_expr(i).cloned()).collect();
        let mut exprs: Vec<&mut Expr> = Vec::new();
        for item in select.projection.iter_mut() {
            match item {
                SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => exprs.push(e),
                _ => {}
            }
        }
        if let Some(h) = select.having.as_mut() {
            exprs.push(h);
        }
        if let Some(q) = select.qualify.as_mut() {
            exprs.push(q);
        }
        if let Some(order) = order_by.as_deref_mut() {
            if let OrderByKind::Expressions(list) = &mut order.kind {
                exprs.extend(list.iter_mut().map(|o| &mut o.expr));
            }
        }
        // GROUPING(...) calls wait as placeholders until the grouping sets are known.
        let mut groupings: Vec<Vec<Expr>> = Vec::new();
        for e in exprs.iter_mut() {
            take_groupings(e, &mut groupings)?;
        }
        let mut grouping_sets: Option<GroupingSets> = None;
        let mut group_exprs: Vec<Expr> = match &select.group_by {
            GroupByExpr::Expressions(list, modifiers) => {
                if !modifiers.is_empty() {
                    return Err(Error::binder(format!(
                        "{}: write GROUP BY ROLLUP (...), CUBE (...) or GROUPING SETS (...)",
                        select.group_by.to_string().trim()
                    )));
                }
                match GroupingSets::of(list)? {
                    Some(sets) => grouping_sets.insert(sets).exprs.clone(),
                    None => list.clone(),
                }
            }
            GroupByExpr::All(_) => Vec::new(),
        };
        let group_all = matches!(select.group_by, GroupByExpr::All(_));
        // As written, for GROUP BY expressions that become dimensions of the request.
        let original_groups = group_exprs.clone();
        // Metrics inside AGG(...), then every other member reference.
        for e in exprs.into_iter().chain(group_exprs.iter_mut()) {
            self.rewrite_expr(e, &mut metrics, &mut adhoc_metrics, &mut columns)?;
        }
        let aggregate = !metrics.is_empty() || !adhoc_metrics.is_empty() || group_all || !group_exprs.is_empty();
        // GROUP BY names the dimensions: names, ordinals, ALL, or expressions over dimensions.
        let mut dimensions: Vec<MemberId> = Vec::new();
        let mut adhoc: Vec<String> = Vec::new();
        // What each grouped item (of `grouped` below) groups by.
        let mut group_keys: Vec<GroupKey> = Vec::new();
        if aggregate {
            let items: Vec<Option<Expr>> = select.projection.iter().map(|i| item_expr(i).cloned()).collect();
            let item = |n: &str| -> Result<(Expr, Expr)> {
                let i = n.parse::<usize>().ok().filter(|i| *i >= 1 && *i <= items.len());
                match i.and_then(|i| items[i - 1].clone().zip(original_items[i - 1].clone())) {
                    Some(pair) => Ok(pair),
                    None => Err(Error::binder(format!("GROUP BY {n}: no such column in the SELECT list"))),
                }
            };
            let grouped: Vec<(Expr, Expr)> = if group_all {
                items
                    .iter()
                    .zip(&original_items)
                    .filter_map(|(r, o)| r.clone().zip(o.clone()))
                    // (as in DuckDB, not what aggregates: AGG(...), GROUPING(...))
                    .filter(|(r, _)| !contains_metric_mark(r) && !contains_grouping(r))
                    .collect()
            } else {
                group_exprs
                    .iter()
                    .zip(&original_groups)
                    .map(|(g, o)| match g {
                        Expr::Value(v) => match &v.value {
                            Value::Number(n, _) => item(n),
                            _ => Ok((g.clone(), o.clone())),
                        },
                        Expr::Identifier(name) if matches!(self.member(o, &MEMBER_KINDS), Named::NotMember) => {
                            match aliases.iter().position(|a| a.as_deref().is_some_and(|a| eq_ci(a, &name.value))) {
                                Some(i) => item(&(i + 1).to_string()),
                                None => Ok((g.clone(), o.clone())),
                            }
                        }
                        _ => Ok((g.clone(), o.clone())),
                    })
                    .collect::<Result<_>>()?
            };
            let mut replacements: Vec<(Expr, Expr)> = Vec::new();
            for (g, original) in &grouped {
                match self.marked_member(g) {
                    Some(id) if id.kind == MemberKind::Dimension => {
                        if !dimensions.contains(&id) {
                            dimensions.push(id);
                        }
                        group_keys.push(GroupKey::Dimension(id));
                    }
                    Some(id) => {
                        return Err(Error::binder(format!(
                            "fact '{}' is row-level: it cannot be grouped or selected next to AGG(...); group by \
                             dimensions, or aggregate the fact in a metric",
                            self.compiled.view.qualified_name(id)
                        )))
                    }
                    None if contains_metric_mark(g) => {
                        return Err(Error::binder(format!("GROUP BY {original}: cannot group by a metric")));
                    }
                    None => {
                        // An expression over dimensions: a dimension of this request.
                        let text = self.request_text(original.clone());
                        if !adhoc.contains(&text) {
                            adhoc.push(text.clone());
                        }
                        group_keys.push(GroupKey::Expression(text.clone()));
                        replacements.push((g.clone(), self.column(&text)));
                    }
                }
            }
            let replace = |e: &mut Expr| {
                let _ = visit_pre_mut(e, |x| {
                    if let Some((_, column)) = replacements.iter().find(|(g, _)| g == x) {
                        *x = column.clone();
                    }
                    ControlFlow::Continue(())
                });
            };
            for item in select.projection.iter_mut() {
                if let SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } = item {
                    replace(e);
                }
            }
            group_exprs.iter_mut().for_each(replace);
            select.having.iter_mut().chain(select.qualify.iter_mut()).for_each(replace);
            if let Some(order) = order_by.as_deref_mut() {
                if let OrderByKind::Expressions(list) = &mut order.kind {
                    list.iter_mut().for_each(|o| replace(&mut o.expr));
                }
            }
            if let GroupByExpr::Expressions(list, _) = &mut select.group_by {
                if grouping_sets.is_some() {
                    // Each row of the union is one group of one set.
                    group_exprs.insert(0, self.column(SET_COLUMN));
                }
                *list = group_exprs;
            }
            // What is left outside AGG must be grouped; a fact there is row-level.
            let mut left = Vec::new();
            for item in &select.projection {
                if let Some(e) = item_expr(item) {
                    self.member_columns(e, &mut left);
                }
            }
            let mut outside = left.clone();
            for e in select.having.iter().chain(select.qualify.iter()) {
                self.member_columns(e, &mut outside);
            }
            if let Some(OrderByKind::Expressions(list)) = order_by.as_deref().map(|o| &o.kind) {
                list.iter().for_each(|o| self.member_columns(&o.expr, &mut outside));
            }
            if let Some(dimension) = outside.iter().find(|id| id.kind == MemberKind::Dimension && !dimensions.contains(id)) {
                let name = self.compiled.view.qualified_name(*dimension);
                return Err(Error::binder(format!(
                    "dimension '{name}' must appear in the GROUP BY clause (or in GROUP BY ALL) to be selected next to AGG(...)"
                )));
            }
            if let Some(fact) = left.iter().find(|id| id.kind == MemberKind::Fact) {
                return Err(Error::binder(format!(
                    "fact '{}' is row-level: it cannot be grouped or selected next to AGG(...); group by \
                     dimensions, or aggregate the fact in a metric",
                    self.compiled.view.qualified_name(*fact)
                )));
            }
        }
        let facts: Vec<MemberId> =
            if aggregate { Vec::new() } else { columns.iter().copied().filter(|id| id.kind == MemberKind::Fact).collect() };
        if !aggregate {
            dimensions = columns.iter().copied().filter(|id| id.kind == MemberKind::Dimension).collect();
        }
        if let Some(w) = &select.selection {
            self.check_where(w)?;
        }
        let where_clause = select.selection.take().map(|w| self.request_text(w));
        let names = |ids: &[MemberId]| ids.iter().map(|id| self.request_name(*id)).collect::<Vec<_>>();
        // The expansion's columns: the dimensions, then the metrics, named after them.
        let output_columns =
            (aggregate && !live && adhoc.is_empty() && adhoc_metrics.is_empty() && grouping_sets.is_none() && groupings.is_empty())
                .then(|| dimensions.iter().chain(&metrics).map(|id| self.compiled.view.member(*id).name.clone()).collect());
        let mut request_dimensions = names(&dimensions);
        request_dimensions.extend(adhoc);
        let metric_columns: Vec<String> =
            metrics.iter().map(|id| self.compiled.view.member(*id).name.clone()).chain(adhoc_metrics.iter().cloned()).collect();
        let request = Request {
            dimensions: request_dimensions,
            metrics: names(&metrics).into_iter().chain(adhoc_metrics).collect(),
            facts: names(&facts),
            where_clause,
            verify_keys: self.source.verify_keys,
        };
        let expand = |request: &Request| -> Result<String> {
            // Expanding also checks the request, in both forms.
            let sql = api::expand_compiled(&self.source.name, &self.compiled, &self.source.home_catalog, request.clone())?;
            Ok(if live { format!("SELECT * FROM {}", semantic_view_call(&self.source.name, request)) } else { sql })
        };
        let sql = if grouping_sets.is_some() || !groupings.is_empty() {
            let sets = grouping_sets.map_or_else(|| vec![(0..group_keys.len()).collect()], |g| g.sets);
            self.grouping_union(select, order_by.as_deref_mut(), &sets, &group_keys, &groupings, request, &metric_columns, &expand)?
        } else {
            expand(&request)?
        };
        if aggregate {
            ungroup_when_redundant(select, order_by.as_deref_mut());
        }
        // The metric marks become the block's alias.
        for item in select.projection.iter_mut() {
            if let SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } = item {
                self.unmark(e);
            }
        }
        // (selection: a HAVING that ungrouping turned into WHERE)
        for e in select.having.iter_mut().chain(select.qualify.iter_mut()).chain(select.selection.iter_mut()) {
            self.unmark(e);
        }
        if let Some(order) = order_by {
            if let OrderByKind::Expressions(list) = &mut order.kind {
                for o in list.iter_mut() {
                    self.unmark(&mut o.expr);
                }
            }
        }
        if let TableFactor::Table { name, alias, .. } = &mut select.from[0].relation {
            *name = ObjectName(vec![ObjectNamePart::Identifier(AstIdent::new(placeholder))]);
            if alias.is_none() {
                *alias = Some(sqlparser::ast::TableAlias {
                    explicit: true,
                    name: AstIdent::with_quote('"', self.alias.clone()),
                    columns: vec![],
                    at: None,
                });
            }
        }
        Ok((sql, output_columns))
    }

    /// A member as a request names it; quoted, so that aliases and names with spaces or dots
    /// read back as one member.
    fn request_name(&self, id: MemberId) -> String {
        let m = self.compiled.view.member(id);
        match m.table {
            Some(t) => format!("{}.{}", quote_ident(&self.compiled.view.tables[t].alias), quote_ident(&m.name)),
            None => quote_ident(&m.name),
        }
    }

    /// The block's source under grouping sets: one request per set, their union tagged with the
    /// set (see `grouping`); `GROUPING(...)` placeholders become the tag's value for each set.
    #[allow(clippy::too_many_arguments)]
    fn grouping_union(
        &self,
        select: &mut Select,
        order_by: Option<&mut OrderBy>,
        sets: &[Vec<usize>],
        group_keys: &[GroupKey],
        groupings: &[Vec<Expr>],
        request: Request,
        metric_columns: &[String],
        expand: &dyn Fn(&Request) -> Result<String>,
    ) -> Result<String> {
        let mut keys: Vec<&GroupKey> = Vec::new();
        for key in group_keys {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        let set_keys: Vec<Vec<&GroupKey>> = sets.iter().map(|set| set.iter().map(|i| &group_keys[*i]).collect()).collect();
        let mut values = Vec::new();
        for args in groupings {
            let call = format!("GROUPING({})", args.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", "));
            let mut arg_keys = Vec::new();
            for arg in args {
                let key = match self.member(arg, &[MemberKind::Dimension]) {
                    Named::Member(id) => GroupKey::Dimension(id),
                    Named::NotMember => GroupKey::Expression(self.request_text(arg.clone())),
                };
                if !keys.contains(&&key) {
                    return Err(Error::binder(format!("{call}: {arg} is not grouped by the GROUP BY clause")));
                }
                arg_keys.push(key);
            }
            let per_set: Vec<u64> = set_keys.iter().map(|set| grouping_value(arg_keys.iter().map(|k| set.contains(&k)))).collect();
            // BIGINT, as DuckDB's GROUPING.
            let value = if per_set.iter().all(|v| *v == per_set[0]) {
                format!("CAST({} AS BIGINT)", per_set[0])
            } else {
                let whens: Vec<String> = per_set.iter().enumerate().map(|(k, v)| format!("WHEN {k} THEN {v}")).collect();
                format!("CAST(CASE {} {} END AS BIGINT)", self.column(SET_COLUMN), whens.join(" "))
            };
            values.push(crate::sql::scope::parse_expression(&value)?);
        }
        let place = |e: &mut Expr| {
            let _ = visit_expressions_mut(e, |x| {
                if let Some(i) = grouping_placeholder(x) {
                    *x = values[i].clone();
                }
                ControlFlow::<()>::Continue(())
            });
        };
        for item in select.projection.iter_mut() {
            if let SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } = item {
                place(e);
            }
        }
        select.having.iter_mut().chain(select.qualify.iter_mut()).for_each(place);
        if let Some(OrderByKind::Expressions(list)) = order_by.map(|o| &mut o.kind) {
            list.iter_mut().for_each(|o| place(&mut o.expr));
        }
        let mut branches = Vec::new();
        for set in &set_keys {
            let dimensions: Vec<String> = keys
                .iter()
                .filter(|k| set.contains(k))
                .map(|k| match k {
                    GroupKey::Dimension(id) => self.request_name(*id),
                    GroupKey::Expression(text) => text.clone(),
                })
                .collect();
            let source = if dimensions.is_empty() && request.metrics.is_empty() {
                None
            } else {
                Some(expand(&Request { dimensions, ..request.clone() })?)
            };
            branches.push(Branch { source, grouped: keys.iter().map(|k| set.contains(k)).collect() });
        }
        let columns: Vec<String> = keys
            .iter()
            .map(|k| match k {
                GroupKey::Dimension(id) => self.compiled.view.member(*id).name.clone(),
                GroupKey::Expression(text) => text.clone(),
            })
            .collect();
        Ok(union_sql(&branches, &columns, metric_columns))
    }

    /// Replaces `AGG(m)` by `any_value(<mark>."m")` (one row per group below) and member
    /// references by the expansion's columns; a metric outside AGG is an error. An aggregate of
    /// dimensions and facts (`sum(amount)`, `count(DISTINCT region)`) becomes a metric of the
    /// request, aggregated at the grain of the table it reads, as in the SEMANTIC_VIEW clause.
    fn rewrite_expr(
        &self,
        expr: &mut Expr,
        metrics: &mut Vec<MemberId>,
        adhoc_metrics: &mut Vec<String>,
        columns: &mut Vec<MemberId>,
    ) -> Result<()> {
        let mut error = None;
        let _ = visit_pre_mut_with_depth(expr, |e, depth| {
            if let Expr::CompoundIdentifier(parts) = e {
                if parts.first().is_some_and(|p| p.value == METRIC_MARK) {
                    return ControlFlow::Continue(());
                }
            }
            match self.metric_call(e) {
                Err(err) => {
                    error = Some(err);
                    return ControlFlow::Break(());
                }
                Ok(Some(id)) => {
                    if !metrics.contains(&id) {
                        metrics.push(id);
                    }
                    let name = self.compiled.view.member(id).name.clone();
                    *e = any_value(Expr::CompoundIdentifier(vec![AstIdent::new(METRIC_MARK), AstIdent::with_quote('"', name)]));
                    return ControlFlow::Continue(());
                }
                Ok(None) => {}
            }
            // (Subqueries aggregate their own rows.)
            if depth == 0 && self.is_row_aggregate(e) {
                if !has_names(e) {
                    error = Some(Error::binder(format!(
                        "{e} does not say which table's rows it aggregates: use a metric, AGG(<metric>) (one defined \
                         as COUNT(*) on a table counts its rows), or aggregate the result in an outer query"
                    )));
                    return ControlFlow::Break(());
                }
                let text = self.request_text(e.clone());
                if !adhoc_metrics.contains(&text) {
                    adhoc_metrics.push(text.clone());
                }
                *e = any_value(Expr::CompoundIdentifier(vec![AstIdent::new(METRIC_MARK), AstIdent::with_quote('"', text)]));
                return ControlFlow::Continue(());
            }
            if let Named::Member(id) = self.member(e, &MEMBER_KINDS) {
                if id.kind == MemberKind::Metric {
                    let name = self.compiled.view.member(id).name.clone();
                    error = Some(Error::binder(format!(
                        "metric '{}' must be aggregated: write AGG({name}) (or MEASURE({name}))",
                        self.compiled.view.qualified_name(id)
                    )));
                    return ControlFlow::Break(());
                }
                if !columns.contains(&id) {
                    columns.push(id);
                }
                *e = self.column(&self.compiled.view.member(id).name);
            }
            ControlFlow::Continue(())
        });
        error.map_or(Ok(()), Err)
    }

    /// An aggregate call (not a window) that reads no metric: it aggregates rows of the view's
    /// tables.
    fn is_row_aggregate(&self, e: &Expr) -> bool {
        let Expr::Function(f) = e else { return false };
        if f.over.is_some() || !crate::sql::scope::is_aggregate_name(&f.name.to_string()) {
            return false;
        }
        let mut reads_metric = false;
        let _ = sqlparser::ast::visit_expressions(e, |x| {
            let metric = matches!(self.metric_call(x), Ok(Some(_)) | Err(_))
                || matches!(self.member(x, &[MemberKind::Metric]), Named::Member(_))
                || matches!(x, Expr::CompoundIdentifier(parts) if parts.first().is_some_and(|p| p.value == METRIC_MARK));
            reads_metric |= metric;
            if metric {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        !reads_metric
    }

    /// An expression's text for the request: unqualified, printed as DuckDB reads it.
    fn request_text(&self, e: Expr) -> String {
        let mut e = self.unqualified(e);
        crate::sql::display_safe(&mut e);
        e.to_string()
    }

    /// An expression as the request reads it: names qualified by the view or its alias lose
    /// the qualifier (`s.region` is the dimension `region`).
    fn unqualified(&self, mut e: Expr) -> Expr {
        let _ = visit_expressions_mut(&mut e, |x| {
            if let Expr::CompoundIdentifier(parts) = x {
                if parts.len() == 2 && self.qualifiers.iter().any(|q| eq_ci(q, &parts[0].value)) {
                    *x = Expr::Identifier(parts[1].clone());
                }
            }
            ControlFlow::<()>::Continue(())
        });
        e
    }

    /// WHERE filters rows before aggregation: a metric there belongs in HAVING.
    fn check_where(&self, w: &Expr) -> Result<()> {
        let mut metric = None;
        let _ = sqlparser::ast::visit_expressions(w, |x| {
            if let (None, Named::Member(id)) = (metric, self.member(x, &[MemberKind::Dimension, MemberKind::Fact, MemberKind::Metric])) {
                if id.kind == MemberKind::Metric {
                    metric = Some(id);
                }
            }
            ControlFlow::<()>::Continue(())
        });
        match metric {
            Some(id) => {
                let name = &self.compiled.view.member(id).name;
                Err(Error::binder(format!(
                    "metric '{}' cannot be used in WHERE, which filters rows before aggregation: write HAVING AGG({name}) ...",
                    self.compiled.view.qualified_name(id)
                )))
            }
            None => Ok(()),
        }
    }

    /// Members behind the rewritten column references in an expression.
    fn member_columns(&self, e: &Expr, out: &mut Vec<MemberId>) {
        let _ = sqlparser::ast::visit_expressions(e, |x| {
            if let Some(id) = self.marked_member(x) {
                out.push(id);
            }
            ControlFlow::<()>::Continue(())
        });
    }

    /// The member a rewritten column reference (`"alias"."name"`) stands for.
    fn marked_member(&self, e: &Expr) -> Option<MemberId> {
        let Expr::CompoundIdentifier(parts) = e else { return None };
        let [q, name] = parts.as_slice() else { return None };
        if q.value != self.alias {
            return None;
        }
        let id = self.compiled.view.named(&name.value).find(|id| id.kind != MemberKind::Metric)?;
        Some(id)
    }

    fn unmark(&self, e: &mut Expr) {
        let _ = visit_expressions_mut(e, |e| {
            if let Expr::CompoundIdentifier(parts) = e {
                if parts.first().is_some_and(|p| p.value == METRIC_MARK) {
                    parts[0] = AstIdent::with_quote('"', self.alias.clone());
                }
            }
            ControlFlow::<()>::Continue(())
        });
    }
}

/// The expansion already has one row per combination of the block's dimensions, so grouping
/// it again by them (with `any_value` around each metric) only costs a hash aggregate. Drop
/// that when nothing else in the block aggregates: no function calls but the metrics' (an
/// unknown one may be an aggregate), no subqueries (whose aggregates may belong to the block)
/// and plain grouping items; HAVING then filters rows, as WHERE.
fn ungroup_when_redundant(select: &mut Select, order_by: Option<&mut OrderBy>) {
    let metric_value = |f: &Function| {
        let FunctionArguments::List(list) = &f.args else { return false };
        f.name.to_string() == "any_value"
            && f.over.is_none()
            && matches!(list.args.as_slice(), [FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::CompoundIdentifier(parts)))]
                if parts.first().is_some_and(|p| p.value == METRIC_MARK))
    };
    let plain = |e: &Expr| {
        let mut ok = true;
        let _ = sqlparser::ast::visit_expressions(e, |x| {
            ok &= match x {
                Expr::Function(f) => metric_value(f),
                Expr::Subquery(_) | Expr::Exists { .. } => false,
                Expr::In { target, .. } => matches!(target, sqlparser::ast::InTarget::List(_)),
                _ => true,
            };
            ControlFlow::<()>::Continue(())
        });
        ok
    };
    let groups_plain = match &select.group_by {
        GroupByExpr::All(modifiers) => modifiers.is_empty(),
        GroupByExpr::Expressions(list, modifiers) => {
            modifiers.is_empty() && list.iter().all(|g| matches!(g, Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::Value(_)))
        }
    };
    let order_plain = order_by.as_ref().is_none_or(|o| match &o.kind {
        OrderByKind::Expressions(list) => list.iter().all(|x| plain(&x.expr)),
        OrderByKind::All(_) => true,
    });
    let items_plain = select.projection.iter().all(|i| match i {
        SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => plain(e),
        _ => false,
    });
    let rest_plain = select.having.iter().chain(select.qualify.iter()).all(plain);
    if !(groups_plain && order_plain && items_plain && rest_plain && select.selection.is_none()) {
        return;
    }
    let unwrap = |e: &mut Expr| {
        let _ = visit_pre_mut(e, |x| {
            if let Expr::Function(f) = x {
                if metric_value(f) {
                    if let FunctionArguments::List(list) = &f.args {
                        if let [FunctionArg::Unnamed(FunctionArgExpr::Expr(arg))] = list.args.as_slice() {
                            *x = arg.clone();
                        }
                    }
                }
            }
            ControlFlow::Continue(())
        });
    };
    for item in select.projection.iter_mut() {
        if let SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } = item {
            unwrap(e);
        }
    }
    select.having.iter_mut().chain(select.qualify.iter_mut()).for_each(unwrap);
    if let Some(OrderByKind::Expressions(list)) = order_by.map(|o| &mut o.kind) {
        list.iter_mut().for_each(|o| unwrap(&mut o.expr));
    }
    select.group_by = GroupByExpr::Expressions(vec![], vec![]);
    select.selection = select.having.take();
}

/// What a GROUP BY item groups by.
#[derive(Debug, Clone, PartialEq)]
enum GroupKey {
    Dimension(MemberId),
    /// An expression over dimensions, as the request names it.
    Expression(String),
}

const GROUPING_MARK: &str = "__semantic_views_grouping_";

/// Replaces each `GROUPING(...)` (`GROUPING_ID(...)`) of the block by a placeholder, keeping its
/// arguments in `out`; those of subqueries are theirs.
fn take_groupings(e: &mut Expr, out: &mut Vec<Vec<Expr>>) -> Result<()> {
    let mut error = None;
    let _ = visit_pre_mut_with_depth(e, |x, depth| {
        let Expr::Function(f) = x else { return ControlFlow::Continue(()) };
        let name = f.name.to_string().to_lowercase();
        if depth > 0 || (name != "grouping" && name != "grouping_id") {
            return ControlFlow::Continue(());
        }
        let args = match &f.args {
            FunctionArguments::List(list) if f.over.is_none() && f.filter.is_none() && list.duplicate_treatment.is_none() => list
                .args
                .iter()
                .map(|a| match a {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e.clone()),
                    _ => None,
                })
                .collect::<Option<Vec<Expr>>>(),
            _ => None,
        };
        match args {
            Some(args) if !args.is_empty() => {
                *x = Expr::Identifier(AstIdent::new(format!("{GROUPING_MARK}{}", out.len())));
                out.push(args);
                ControlFlow::Continue(())
            }
            _ => {
                error = Some(Error::binder(format!("{x}: GROUPING takes the grouped expressions it reports on")));
                ControlFlow::Break(())
            }
        }
    });
    error.map_or(Ok(()), Err)
}

/// Whether an expression holds a `take_groupings` placeholder.
fn contains_grouping(e: &Expr) -> bool {
    let mut found = false;
    let _ = sqlparser::ast::visit_expressions(e, |x| {
        found |= grouping_placeholder(x).is_some();
        ControlFlow::<()>::Continue(())
    });
    found
}

/// The index of a `take_groupings` placeholder.
fn grouping_placeholder(e: &Expr) -> Option<usize> {
    let Expr::Identifier(i) = e else { return None };
    i.value.strip_prefix(GROUPING_MARK)?.parse().ok()
}

/// Like `visit_expressions_mut`, but parents before children: a replaced node's new children
/// are what gets visited. `f` is told how many subqueries deep each expression is.
fn visit_pre_mut_with_depth<F: FnMut(&mut Expr, usize) -> ControlFlow<()>>(expr: &mut Expr, f: F) -> ControlFlow<()> {
    struct Pre<F> {
        f: F,
        depth: usize,
    }
    impl<F: FnMut(&mut Expr, usize) -> ControlFlow<()>> VisitorMut for Pre<F> {
        type Break = ();
        fn pre_visit_query(&mut self, _: &mut Query) -> ControlFlow<()> {
            self.depth += 1;
            ControlFlow::Continue(())
        }
        fn post_visit_query(&mut self, _: &mut Query) -> ControlFlow<()> {
            self.depth -= 1;
            ControlFlow::Continue(())
        }
        fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
            (self.f)(expr, self.depth)
        }
    }
    expr.visit(&mut Pre { f, depth: 0 })
}

fn visit_pre_mut<F: FnMut(&mut Expr) -> ControlFlow<()>>(expr: &mut Expr, mut f: F) -> ControlFlow<()> {
    visit_pre_mut_with_depth(expr, |e, _| f(e))
}

fn item_expr(item: &SelectItem) -> Option<&Expr> {
    match item {
        SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => Some(e),
        _ => None,
    }
}

/// Whether `e` names anything (a member, column or lambda variable): `count(*)` does not.
fn has_names(e: &Expr) -> bool {
    let mut found = false;
    let _ = sqlparser::ast::visit_expressions(e, |x| {
        found |= matches!(x, Expr::Identifier(_) | Expr::CompoundIdentifier(_));
        ControlFlow::<()>::Continue(())
    });
    found
}

fn contains_metric_mark(e: &Expr) -> bool {
    let mut found = false;
    let _ = sqlparser::ast::visit_expressions(e, |x| {
        if let Expr::CompoundIdentifier(parts) = x {
            found |= parts.first().is_some_and(|p| p.value == METRIC_MARK);
        }
        ControlFlow::<()>::Continue(())
    });
    found
}

fn any_value(arg: Expr) -> Expr {
    Expr::Function(Function {
        name: ObjectName(vec![ObjectNamePart::Identifier(AstIdent::new("any_value"))]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: vec![FunctionArg::Unnamed(FunctionArgExpr::Expr(arg))],
            clauses: vec![],
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::catalog::Pinned;

    fn sales() -> PlainView {
        let def = r#"{
          "tables": [
            {"alias": "o", "table": "orders", "primary_key": ["id"]},
            {"alias": "c", "table": "customers", "primary_key": ["id"]}
          ],
          "relationships": [{"from": "o", "from_columns": ["customer_id"], "to": "c"}],
          "facts": [{"table": "o", "name": "net", "expr": "amount - discount"}],
          "dimensions": [
            {"table": "c", "name": "region", "expr": "region"},
            {"table": "o", "name": "status", "expr": "status"}
          ],
          "metrics": [
            {"table": "o", "name": "revenue", "expr": "sum(net)"},
            {"table": "c", "name": "customer_count", "expr": "count(*)"}
          ]
        }"#;
        let cols = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let columns = BTreeMap::from([
            ("o".to_string(), cols(&["id", "customer_id", "amount", "discount", "status"])),
            ("c".to_string(), cols(&["id", "region"])),
        ]);
        let definition =
            crate::store::Stored::new("main", columns, Pinned::default(), crate::parse::definition_json(def).unwrap()).to_json();
        let compiled = Arc::new(Compiled::new(&definition).unwrap());
        PlainView { name: "sales".into(), compiled, home_catalog: "db".into(), verify_keys: false }
    }

    /// Each statement is refused with an error containing its message.
    fn assert_refused(cases: &[(&str, &str)]) {
        for (sql, message) in cases {
            let e = rewrite(sql, &[sales()]).unwrap_err();
            assert!(e.message.contains(message), "{sql}: {}", e.message);
        }
    }

    fn rewrite_ok(sql: &str) -> String {
        rewrite(sql, &[sales()]).unwrap_or_else(|e| panic!("{sql}: {}", e.message))
    }

    #[test]
    fn prepared_statements_are_named_by_their_first_two_tokens() {
        assert_eq!(prepared_statement("PREPARE q1 AS SELECT AGG(m) FROM v"), Some((true, "q1".into())));
        assert_eq!(prepared_statement("/* c */ execute Q1(1)"), Some((false, "q1".into())));
        assert_eq!(prepared_statement("SELECT 'prepare q' FROM v"), None);
        assert_eq!(prepared_statement("SELECT * FROM SEMANTIC_VIEW(v METRICS m)"), None);
    }

    /// The candidate names of `sql`, a call's name marked `call:`.
    fn candidate_names(sql: &str) -> Vec<String> {
        candidates(sql).into_iter().map(|c| if c.as_relation { c.name } else { format!("call:{}", c.name) }).collect()
    }

    #[test]
    fn a_block_selecting_the_expansion_as_it_is_becomes_the_expansion() {
        let expansion = |sql: &str| {
            let (dimensions, metrics) = match sql {
                s if s.contains("customer_count") => (vec!["\"c\".\"region\"".to_string()], vec!["\"c\".\"customer_count\"".to_string()]),
                _ => (vec!["\"o\".\"status\"".to_string()], vec!["\"o\".\"revenue\"".to_string()]),
            };
            let view = sales();
            let request = Request { dimensions, metrics, facts: vec![], where_clause: None, verify_keys: false };
            api::expand_compiled(&view.name, &view.compiled, &view.home_catalog, request).unwrap()
        };
        for sql in [
            "SELECT status, AGG(revenue) FROM sales GROUP BY status",
            "SELECT status, AGG(revenue) AS revenue FROM sales GROUP BY ALL",
            "SELECT s.status, MEASURE(revenue) FROM sales s GROUP BY 1",
            "SELECT region, AGG(customer_count) FROM sales GROUP BY region",
        ] {
            assert_eq!(rewrite_ok(sql), expansion(sql), "{sql}");
        }
        // Anything else keeps the block over the expansion.
        for sql in [
            "SELECT AGG(revenue), status FROM sales GROUP BY status",
            "SELECT status, AGG(revenue) AS r FROM sales GROUP BY status",
            "SELECT status, AGG(revenue) FROM sales GROUP BY status ORDER BY 1",
            "SELECT status, AGG(revenue) FROM sales GROUP BY status LIMIT 1",
            "SELECT DISTINCT status, AGG(revenue) FROM sales GROUP BY status",
            "SELECT status, AGG(revenue) FROM sales GROUP BY status HAVING AGG(revenue) > 1",
            "SELECT status, AGG(revenue) + 0 AS revenue FROM sales GROUP BY status",
            "SELECT upper(status) AS status, AGG(revenue) FROM sales GROUP BY 1",
            "SELECT status, AGG(revenue) FROM sales GROUP BY ROLLUP (status)",
            "SELECT status, net FROM sales",
            "WITH x AS (SELECT 1) SELECT status, AGG(revenue) FROM sales GROUP BY status",
            "SELECT status, AGG(revenue) FROM sales GROUP BY status UNION ALL SELECT status, AGG(revenue) FROM sales GROUP BY status",
        ] {
            let rewritten = rewrite_ok(sql);
            assert!(rewritten.contains(" FROM (SELECT "), "{sql}: {rewritten}");
        }
    }

    #[test]
    fn candidates_are_single_table_blocks() {
        assert_eq!(candidate_names("SELECT region, AGG(revenue) FROM sales GROUP BY region"), ["sales"]);
        assert_eq!(
            candidate_names("WITH s AS (SELECT region FROM main.sales GROUP BY ALL) SELECT * FROM s JOIN t USING (region)"),
            ["main.sales"]
        );
        assert!(candidates("SELECT 1 FROM a JOIN b ON true").is_empty());
        assert!(candidates("not sql at all").is_empty());
        assert_eq!(candidate_names("PREPARE p AS SELECT AGG(revenue) FROM sales WHERE status = ?"), ["sales"]);
        assert_eq!(candidate_names("DESCRIBE main.sales"), ["main.sales"]);
        assert_eq!(candidate_names("SHOW sales;"), ["sales"]);
        assert!(candidates("SHOW TABLES").is_empty());
        assert_eq!(candidate_names("SELECT * FROM semantic_view('sales', metrics := ['revenue'])"), ["call:sales"]);
        assert_eq!(candidate_names("SELECT * FROM semantic_view('sales', metrics := ['m']) UNION ALL SELECT AGG(m) FROM sales"), ["sales"]);
    }

    #[test]
    fn a_block_over_a_cte_named_like_the_view_reads_the_cte() {
        let sql = rewrite_ok("SELECT (SELECT AGG(revenue) FROM sales) + (WITH sales AS (SELECT 5 AS r) SELECT sum(r) FROM sales)");
        assert!(!sql.contains("AGG("), "{sql}");
        assert!(sql.ends_with("+ (WITH sales AS (SELECT 5 AS r) SELECT sum(r) FROM sales)"), "{sql}");
        // Inside its own definition, a CTE's name is not yet the CTE's.
        let sql = rewrite_ok("WITH sales AS (SELECT AGG(revenue) AS r FROM sales) SELECT r FROM sales");
        assert!(sql.starts_with("WITH sales AS (SELECT ") && !sql.contains("AGG("), "{sql}");
        assert!(sql.ends_with(") SELECT r FROM sales"), "{sql}");
    }

    #[test]
    fn described_relations_are_described_views_or_left_as_written() {
        assert_eq!(candidate_names("SELECT column_name FROM (DESCRIBE sales) WHERE kind = 'metric'"), ["sales"]);
        assert_eq!(candidate_names("SELECT * FROM (SHOW main.sales) d JOIN (DESCRIBE t) USING (column_name)"), ["main.sales", "t"]);
        assert!(candidates("SELECT * FROM (DESCRIBE SELECT 1)").is_empty());
        let sql = rewrite_ok("SELECT d.column_name FROM (DESCRIBE sales) AS d JOIN (DESC other) o USING (column_name) ORDER BY 1");
        assert!(sql.starts_with("SELECT d.column_name FROM (SELECT column_name, column_type, kind, comment FROM ("), "{sql}");
        assert!(sql.ends_with(" ORDER BY ord) AS d JOIN (DESC other) o USING(column_name) ORDER BY 1"), "{sql}");
        // Unbalanced or empty: nothing to describe, sqlparser's reading stands.
        assert!(candidates("SELECT * FROM (DESCRIBE").is_empty());
        assert!(candidates("SELECT * FROM (SHOW)").is_empty());
    }

    #[test]
    fn literal_table_function_calls_are_expanded_in_place() {
        let call = "semantic_view('sales', dimensions := ['region'], metrics := ['revenue'])";
        assert_eq!(candidate_names(&format!("SELECT * FROM {call} JOIN t USING (region)")), ["call:sales"]);
        assert!(candidates("SELECT * FROM semantic_view('sales', dimensions := d)").is_empty());
        assert!(candidates("SELECT * FROM semantic_view('sales', dimensions := ['a'], dimensions := ['b'])").is_empty());
        assert!(candidates("SELECT * FROM other.semantic_view('sales')").is_empty());
        let sql = rewrite_ok(&format!("SELECT * FROM {call} ORDER BY 1"));
        assert!(sql.starts_with("SELECT * FROM (SELECT (\"c\".\"region\") AS \"region\""), "{sql}");
        assert!(sql.ends_with(") AS semantic_view ORDER BY 1"), "{sql}");
        let joined = rewrite_ok(&format!("SELECT s.region, t.x FROM {call} s JOIN t USING (region)"));
        assert!(joined.starts_with("SELECT s.region, t.x FROM (SELECT"), "{joined}");
        assert!(joined.ends_with(") s JOIN t USING(region)"), "{joined}");
        // Printed back otherwise than written (`!=` as `<>`): the calls stay calls. Syntax it
        // cannot print back (`0x1F` as the blob `X'1F'`) is an error: the clause then binds the
        // calls as written.
        let kept = format!("SELECT * FROM {call} WHERE region != 'x'");
        assert_eq!(rewrite_ok(&kept), kept);
        assert!(rewrite(&format!("SELECT 0x1F AS n, * FROM {call}"), &[sales()]).is_err());
        // A DuckDB view keeps the call, so that it follows the definition.
        let view = rewrite_ok(&format!("CREATE VIEW v AS SELECT * FROM {call}"));
        assert!(view.contains("FROM semantic_view('sales'"), "{view}");
        // Requests are checked as the table function checks them.
        let err = rewrite("SELECT * FROM semantic_view('sales', metrics := ['nope'])", &[sales()]).unwrap_err();
        assert!(err.message.contains("semantic view 'sales'") && err.message.contains("nope"), "{}", err.message);
    }

    #[test]
    fn aggregates_become_a_request_at_the_group_by_grain() {
        let sql = rewrite_ok("SELECT region, AGG(revenue), MEASURE(customer_count) AS n FROM sales WHERE region <> 'x' GROUP BY region HAVING AGG(revenue) > 1 ORDER BY 2 DESC LIMIT 5");
        // The expansion has one row per region: no second GROUP BY, HAVING filters its rows.
        assert!(
            sql.starts_with(
                "SELECT \"sales\".\"region\", \"sales\".\"revenue\" AS \"revenue\", \"sales\".\"customer_count\" AS n FROM (SELECT "
            ),
            "{sql}"
        );
        assert!(sql.contains("WHERE ((\"c\".\"region\") <> 'x')"), "{sql}");
        assert!(sql.ends_with(") AS \"sales\" WHERE \"sales\".\"revenue\" > 1 ORDER BY 2 DESC LIMIT 5"), "{sql}");
        // An aggregate of dimensions and facts is a metric of the request, at its table's grain.
        let summed =
            rewrite_ok("SELECT region, sum(net), count(DISTINCT s.status) AS n FROM sales AS s GROUP BY region HAVING sum(net) > 1");
        assert!(
            summed.starts_with(r#"SELECT "s"."region", "s"."sum(net)" AS "sum(net)", "s"."count(DISTINCT status)" AS n FROM (SELECT "#),
            "{summed}"
        );
        assert!(summed.contains(r#"(count(DISTINCT ("o"."status"))) AS "count(DISTINCT status)""#), "{summed}");
        assert!(summed.ends_with(r#"GROUP BY 1) AS s WHERE "s"."sum(net)" > 1"#), "one row per region already: {summed}");
        // An aggregate that names nothing does not say whose rows it counts.
        for sql in [
            "SELECT region, AGG(revenue), count(*) AS n FROM sales GROUP BY region HAVING AGG(revenue) > 1",
            "SELECT count(*) FROM sales GROUP BY region",
            "SELECT region FROM sales GROUP BY region HAVING count(1) > 1",
        ] {
            let e = rewrite(sql, &[sales()]).unwrap_err();
            assert!(e.message.contains("does not say which table's rows it aggregates"), "{sql}: {}", e.message);
        }
        // ... but windows over the result, aggregates of AGG(...) in them, and subqueries are the result's.
        let windowed = rewrite_ok("SELECT region, sum(AGG(revenue)) OVER (), count(*) OVER () FROM sales GROUP BY region");
        assert!(windowed.contains("sum(any_value(\"sales\".\"revenue\")) OVER (), count(*) OVER ()"), "{windowed}");
        rewrite_ok("SELECT region, AGG(revenue), (SELECT count(*) FROM t) FROM sales GROUP BY region");
        // A metric inside another aggregate is still refused.
        let nested = rewrite("SELECT sum(revenue) FROM sales", &[sales()]).unwrap_err();
        assert!(nested.message.contains("must be aggregated: write AGG(revenue)"), "{}", nested.message);
    }

    #[test]
    fn group_by_names_a_select_alias_unless_a_member_has_that_name() {
        let by_alias = rewrite_ok("SELECT upper(region) AS r, AGG(revenue) FROM sales GROUP BY r");
        assert_eq!(by_alias, rewrite_ok("SELECT upper(region) AS r, AGG(revenue) FROM sales GROUP BY 1"));
        // `status` is a dimension: it wins over the alias, as a column does in DuckDB.
        let member = rewrite(r#"SELECT region AS status, AGG(revenue) FROM sales GROUP BY status"#, &[sales()]).unwrap_err();
        assert!(member.message.contains("dimension 'c.region' must appear in the GROUP BY clause"), "{}", member.message);
    }

    #[test]
    fn an_aggregate_over_a_name_with_a_quote_reads_its_own_column() {
        let def = r#"{"tables": [{"alias": "A", "table": "t", "primary_key": ["id"]}], "metrics": [{"table": "A", "name": "n", "expr": "count(*)"}]}"#;
        let columns = BTreeMap::from([("A".to_string(), vec!["id".to_string(), "q\"uote".to_string()])]);
        let definition =
            crate::store::Stored::new("main", columns, Pinned::default(), crate::parse::definition_json(def).unwrap()).to_json();
        let view = PlainView {
            name: "sv".into(),
            compiled: Arc::new(Compiled::new(&definition).unwrap()),
            home_catalog: "db".into(),
            verify_keys: false,
        };
        let sql = rewrite(r#"SELECT sum("A"."q""uote") AS s FROM sv"#, &[view]).unwrap();
        // the expansion's column and the reference to it: one name
        assert_eq!(sql.matches(r#""sum(""A"".""q""""uote"")""#).count(), 2, "{sql}");
    }

    #[test]
    fn grouping_sets_read_one_request_per_set() {
        let sql = rewrite_ok(
            "SELECT region, status, AGG(revenue), GROUPING(region, s.status) AS g FROM sales AS s GROUP BY ROLLUP (region, status) ORDER BY g",
        );
        // Three requests, their union tagged with the set; each row is one group of one set.
        assert_eq!(sql.matches(" UNION ALL ").count(), 2, "{sql}");
        assert!(
            sql.contains(r#"SELECT 1 AS "__semantic_views_grouping_set", "region", NULL AS "status", "revenue" FROM (SELECT "#),
            "{sql}"
        );
        assert!(
            sql.contains(r#"SELECT 2 AS "__semantic_views_grouping_set", NULL AS "region", NULL AS "status", "revenue" FROM (SELECT "#),
            "{sql}"
        );
        assert!(
            sql.starts_with(r#"SELECT "s"."region", "s"."status", "s"."revenue" AS "revenue", CAST(CASE "s"."__semantic_views_grouping_set" WHEN 0 THEN 0 WHEN 1 THEN 1 WHEN 2 THEN 3 END AS BIGINT) AS g FROM ("#),
            "{sql}"
        );
        assert!(sql.ends_with(r#") AS s ORDER BY g"#), "no second GROUP BY: {sql}");
        // Without grouping sets it is 0; GROUP BY ALL does not group by it.
        let all = rewrite_ok("SELECT region, AGG(revenue), GROUPING(region) + 1 FROM sales GROUP BY ALL");
        assert!(all.contains("CAST(0 AS BIGINT) + 1") && !all.contains("__semantic_views_grouping_0"), "{all}");
        // Dimensions alone: the empty set is one row of NULLs; an expression is a dimension too.
        let cube = rewrite_ok("SELECT upper(region) AS r, GROUPING(upper(region)) FROM sales GROUP BY CUBE (1)");
        assert!(cube.contains(r#"UNION ALL SELECT 1 AS "__semantic_views_grouping_set", NULL AS "upper(region)") AS "sales""#), "{cube}");
        assert_refused(&[
            ("SELECT status, GROUPING(region) FROM sales GROUP BY ROLLUP (status)", "GROUPING(region): region is not grouped"),
            ("SELECT region, GROUPING() FROM sales GROUP BY region", "GROUPING takes the grouped expressions"),
        ]);
    }

    #[test]
    fn positional_parameters_are_numbered_as_written() {
        let sql = rewrite_ok("SELECT region, AGG(revenue) > ? FROM sales WHERE status = ? GROUP BY ROLLUP (region) LIMIT ?");
        assert_eq!(sql.matches("= $2").count(), 2, "the where clause in both sets: {sql}");
        assert!(sql.contains("> $1") && sql.ends_with("LIMIT $3") && !sql.contains('?'), "{sql}");
    }

    #[test]
    fn per_call_windows_or_filters_are_refused_with_the_way_out() {
        assert_refused(&[
            ("SELECT AGG(revenue) OVER () FROM sales", "AGG(revenue) OVER (): AGG is not a window function"),
            ("SELECT MEASURE(revenue) FILTER (WHERE region = 'x') FROM sales", "a metric cannot be filtered per call"),
        ]);
    }

    #[test]
    fn a_duckdb_view_reads_the_table_function_so_it_follows_the_definition() {
        let sql = rewrite_ok("CREATE VIEW by_region AS SELECT region, AGG(revenue) FROM sales WHERE status = 'F' GROUP BY region");
        assert!(sql.starts_with("CREATE VIEW by_region AS SELECT"), "{sql}");
        let call = r#"FROM (SELECT * FROM semantic_view('sales', dimensions := ['"c"."region"'], metrics := ['"o"."revenue"'], where_clause := 'status = ''F''')) AS "sales""#;
        assert!(sql.contains(call), "{sql}");
        assert_eq!(candidate_names("CREATE OR REPLACE VIEW v AS SELECT AGG(revenue) FROM sales"), ["sales"]);
    }

    #[test]
    fn group_by_forms_and_row_level_facts() {
        let all = rewrite_ok("SELECT c.region, AGG(revenue) FROM sales GROUP BY ALL");
        assert!(all.starts_with("SELECT (\"c\".\"region\") AS \"region\", (sum(") && all.ends_with("GROUP BY 1"), "{all}");
        // Selecting the expansion's columns as they are: the expansion alone.
        let ordinal = rewrite_ok("SELECT s.region, AGG(revenue) FROM sales AS s GROUP BY 1");
        assert!(ordinal.starts_with("SELECT (\"c\".\"region\") AS \"region\", (sum(") && ordinal.ends_with("GROUP BY 1"), "{ordinal}");
        let rows = rewrite_ok("SELECT o.net, region FROM sales WHERE net > 10");
        assert!(rows.starts_with("SELECT \"sales\".\"net\", \"sales\".\"region\" FROM (SELECT"), "{rows}");
        let expr = rewrite_ok("SELECT upper(s.region) AS r, AGG(revenue) FROM sales s GROUP BY upper(region) ORDER BY upper(region)");
        assert!(expr.starts_with("SELECT \"s\".\"upper(region)\" AS r, \"s\".\"revenue\" AS \"revenue\" FROM (SELECT (upper((\"c\".\"region\"))) AS \"upper(region)\""), "{expr}");
        assert!(expr.ends_with(") s ORDER BY \"s\".\"upper(region)\""), "{expr}");
        let total = rewrite_ok("SELECT AGG(revenue) FROM sales");
        assert!(total.starts_with("SELECT (sum(") && !total.contains("FROM (SELECT"), "{total}");
        let renamed = rewrite_ok("SELECT AGG(revenue) AS r FROM sales");
        assert!(renamed.starts_with("SELECT \"sales\".\"revenue\" AS r FROM (SELECT"), "{renamed}");
    }

    #[test]
    fn misuse_names_the_member_and_the_way_out() {
        let err = |sql: &str| rewrite(sql, &[sales()]).unwrap_err().message;
        assert!(err("SELECT AGG(revenue) FROM sales WHERE status <> 0x1F").contains("hexadecimal integers (0x1F) are not supported"));
        assert!(
            err("SELECT region, revenue FROM sales GROUP BY region").contains("metric 'o.revenue' must be aggregated: write AGG(revenue)")
        );
        assert!(err("SELECT region, SUM(revenue) FROM sales GROUP BY region").contains("must be aggregated"));
        assert!(err("SELECT AGG(region) FROM sales").contains("AGG(region) takes a metric"));
        assert!(err("SELECT * FROM sales").contains("SELECT * is not defined"));
        assert!(err("SELECT region FROM sales WHERE revenue > 1 GROUP BY region").contains("write HAVING AGG(revenue)"));
        assert!(err("SELECT net, AGG(revenue) FROM sales GROUP BY ALL").contains("fact 'o.net' is row-level"));
    }
}
