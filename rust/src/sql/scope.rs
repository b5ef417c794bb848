//! Finds the names in an expression that refer outside it, by SQL's scoping rules on the
//! parsed expression: a name inside a subquery belongs to the subquery's tables when one of
//! them has that column (or when their columns cannot be known), a lambda or comprehension
//! parameter shadows everything, and only what is left refers to the semantic view.

use std::ops::ControlFlow;

use sqlparser::ast::{
    AccessExpr, Expr, ObjectName, ObjectNamePart, Query, SelectItem, SetExpr, Spanned, TableFactor, TableWithJoins, Visit, Visitor,
};
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Location, Token, TokenWithSpan};

use super::dialect::DuckDb;
use super::{Ident, LineIndex};
use crate::error::{Error, Result};

/// A name that refers outside every subquery and lambda of the expression: to a column of the
/// member's table, a member, or a table alias of the view (`x`, `t.x`, `t.x.field`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub parts: Vec<Ident>,
    /// Byte range of the name in the expression text.
    pub start: usize,
    pub end: usize,
    /// Names and aliases of the tables of the subqueries around the reference (empty at the
    /// top level): a view table alias among them would capture the printed reference.
    pub hidden_by: Vec<String>,
}

/// What an expression refers to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Analysis {
    pub references: Vec<Reference>,
    /// Tables (not CTEs) read by subqueries of the expression, as written.
    pub tables: Vec<TableRef>,
}

/// A table name in a subquery's FROM clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRef {
    pub parts: Vec<Ident>,
    /// Byte range of the name in the expression text.
    pub start: usize,
    pub end: usize,
}

/// Column names of a table read by a subquery, if known.
pub type Columns<'a> = &'a dyn Fn(&[Ident]) -> Option<Vec<String>>;

/// Parses `sql` as one DuckDB expression and finds its outer references.
pub fn analyze(sql: &str, columns: Columns) -> Result<Analysis> {
    analyze_parsed(sql, parse_expression(sql)?, columns)
}

/// `analyze`, for `sql` already tokenized (all of it, by sqlparser).
pub fn analyze_tokens(sql: &str, tokens: Vec<TokenWithSpan>, columns: Columns) -> Result<Analysis> {
    let dialect = DuckDb::default();
    analyze_parsed(sql, parse_tokens(Parser::new(&dialect).with_tokens_with_locations(tokens))?, columns)
}

fn analyze_parsed(sql: &str, expr: Expr, columns: Columns) -> Result<Analysis> {
    let lines = LineIndex::new(sql);
    let mut finder = Finder { lines: &lines, columns, scopes: Vec::new(), fields: Vec::new(), out: Analysis::default() };
    let _ = expr.visit(&mut finder);
    finder.out.references.sort_by_key(|r| r.start);
    finder.out.tables.sort_by_key(|t| t.start);
    Ok(finder.out)
}

pub fn parse_expression(sql: &str) -> Result<Expr> {
    let dialect = DuckDb::default();
    let parser = Parser::new(&dialect).try_with_sql(sql).map_err(parser_error)?;
    parse_tokens(parser)
}

/// The one expression `parser` holds, to its end.
fn parse_tokens(mut parser: Parser) -> Result<Expr> {
    let expr = parser.parse_expr().map_err(parser_error)?;
    parser.expect_token(&Token::EOF).map_err(parser_error)?;
    Ok(expr)
}

fn parser_error(e: sqlparser::parser::ParserError) -> Error {
    Error::parser(e.to_string().trim_start_matches("sql parser error: ").to_string())
}

/// DuckDB's common aggregate functions (used to explain misuse, never to decide meaning).
#[rustfmt::skip]
const AGGREGATES: &[&str] = &[
    "any_value", "approx_count_distinct", "approx_quantile", "arg_max", "arg_min", "argmax", "argmin", "array_agg",
    "avg", "bit_and", "bit_or", "bit_xor", "bool_and", "bool_or", "count", "count_if", "countif", "favg", "first",
    "fsum", "geomean", "histogram", "kurtosis", "last", "list", "mad", "max", "max_by", "mean", "median", "min",
    "min_by", "mode", "product", "quantile", "quantile_cont", "quantile_disc", "regr_slope", "reservoir_quantile",
    "sem", "skewness", "stddev", "stddev_pop", "stddev_samp", "string_agg", "sum", "sumkahan", "var_pop",
    "var_samp", "variance",
];

/// Whether `name` is one of DuckDB's common aggregate functions.
pub fn is_aggregate_name(name: &str) -> bool {
    AGGREGATES.contains(&name.to_lowercase().as_str())
}

/// Calls of well-known aggregate functions outside window clauses, as written (`sum`).
pub fn aggregate_calls(sql: &str) -> Vec<String> {
    struct Calls(Vec<String>);
    impl Visitor for Calls {
        type Break = ();
        fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            if let Expr::Function(f) = expr {
                let name = f.name.to_string();
                if f.over.is_none() && AGGREGATES.contains(&name.to_lowercase().as_str()) {
                    self.0.push(name);
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut calls = Calls(Vec::new());
    if let Ok(expr) = parse_expression(sql) {
        let _ = expr.visit(&mut calls);
    }
    calls.0
}

fn ident(i: &sqlparser::ast::Ident) -> Ident {
    Ident { value: i.value.clone(), quoted: i.quote_style.is_some() }
}

fn lower(s: &str) -> String {
    s.to_lowercase()
}

/// A table of a subquery's FROM clause: the name it is referred to by and its columns
/// (None when they cannot be known here: table functions, `SELECT *` derived tables).
#[derive(Debug)]
struct Source {
    name: Option<String>,
    columns: Option<Vec<String>>,
}

#[derive(Debug)]
enum Scope {
    Query { sources: Vec<Source>, ctes: Vec<(String, Option<Vec<String>>)>, aliases: Vec<String> },
    Lambda(Vec<String>),
}

struct Finder<'a> {
    lines: &'a LineIndex<'a>,
    columns: Columns<'a>,
    scopes: Vec<Scope>,
    /// Where field names after a dot start (`{'k': v}.k`): names, but not references.
    fields: Vec<usize>,
    out: Analysis,
}

impl Finder<'_> {
    fn cte(&self, name: &str) -> Option<Option<Vec<String>>> {
        self.scopes.iter().rev().find_map(|s| match s {
            Scope::Query { ctes, .. } => ctes.iter().find(|(n, _)| *n == lower(name)).map(|(_, c)| c.clone()),
            Scope::Lambda(_) => None,
        })
    }

    fn sources_of_set(&mut self, body: &SetExpr, sources: &mut Vec<Source>, aliases: &mut Vec<String>) {
        match body {
            SetExpr::Select(select) => {
                for from in &select.from {
                    self.sources_of_from(from, sources);
                }
                for item in &select.projection {
                    if let SelectItem::ExprWithAlias { alias, .. } = item {
                        aliases.push(lower(&alias.value));
                    }
                }
            }
            SetExpr::SetOperation { left, right, .. } => {
                self.sources_of_set(left, sources, aliases);
                self.sources_of_set(right, sources, aliases);
            }
            _ => {}
        }
    }

    fn sources_of_from(&mut self, from: &TableWithJoins, sources: &mut Vec<Source>) {
        self.source_of(&from.relation, sources);
        for join in &from.joins {
            self.source_of(&join.relation, sources);
        }
    }

    fn source_of(&mut self, factor: &TableFactor, sources: &mut Vec<Source>) {
        let alias_columns = |alias: &Option<sqlparser::ast::TableAlias>| {
            alias.as_ref().filter(|a| !a.columns.is_empty()).map(|a| a.columns.iter().map(|c| lower(&c.name.value)).collect())
        };
        let alias_name = |alias: &Option<sqlparser::ast::TableAlias>| alias.as_ref().map(|a| lower(&a.name.value));
        match factor {
            TableFactor::Table { name, alias, args, .. } => {
                let parts = object_name(name);
                let columns = if args.is_some() {
                    None
                } else if let Some(cte) = (parts.len() == 1).then(|| self.cte(&parts[0].value)).flatten() {
                    cte
                } else {
                    if let (Some(first), Some(last)) = (name.0.first(), name.0.last()) {
                        let start = self.lines.offset(first.span().start.line, first.span().start.column);
                        let end = self.lines.offset(last.span().end.line, last.span().end.column);
                        self.out.tables.push(TableRef { parts: parts.clone(), start, end });
                    }
                    (self.columns)(&parts).map(|c| c.iter().map(|c| lower(c)).collect())
                };
                let name = alias_name(alias).or_else(|| parts.last().map(|p| lower(&p.value)));
                sources.push(Source { name, columns: alias_columns(alias).or(columns) });
            }
            TableFactor::Derived { subquery, alias, .. } => {
                sources.push(Source { name: alias_name(alias), columns: alias_columns(alias).or_else(|| output_names(subquery)) });
            }
            TableFactor::NestedJoin { table_with_joins, alias } => {
                let mut inner = Vec::new();
                self.sources_of_from(table_with_joins, &mut inner);
                match alias_name(alias) {
                    // An aliased join hides its tables' names; its columns are theirs.
                    Some(name) => {
                        let columns = inner.iter().try_fold(Vec::new(), |mut all, s| {
                            all.extend(s.columns.clone()?);
                            Some(all)
                        });
                        sources.push(Source { name: Some(name), columns: alias_columns(alias).or(columns) });
                    }
                    None => sources.extend(inner),
                }
            }
            other => {
                let alias = match other {
                    TableFactor::Function { alias, .. } | TableFactor::TableFunction { alias, .. } | TableFactor::UNNEST { alias, .. } => {
                        alias.clone()
                    }
                    _ => None,
                };
                sources.push(Source { name: alias_name(&alias), columns: alias_columns(&alias) });
            }
        }
    }

    /// Whether a name is bound inside the expression (by a subquery's tables or a lambda).
    fn is_inner(&self, parts: &[Ident]) -> bool {
        let first = lower(&parts[0].value);
        for scope in self.scopes.iter().rev() {
            match scope {
                Scope::Lambda(params) => {
                    if params.contains(&first) {
                        return true;
                    }
                }
                Scope::Query { sources, aliases, .. } => {
                    let is_column = |s: &Source| s.columns.as_ref().is_some_and(|c| c.contains(&first));
                    if parts.len() >= 2 && sources.iter().any(|s| s.name.as_deref() == Some(first.as_str())) {
                        return true;
                    }
                    if sources.iter().any(is_column) || (parts.len() == 1 && aliases.contains(&first)) {
                        return true;
                    }
                    // Columns we cannot know: DuckDB looks there first, so leave the name to it.
                    if parts.len() == 1 && sources.iter().any(|s| s.columns.is_none()) {
                        return true;
                    }
                }
            }
        }
        false
    }

    fn reference(&mut self, names: &[sqlparser::ast::Ident]) {
        let parts: Vec<Ident> = names.iter().map(ident).collect();
        let offset = |l: Location| self.lines.offset(l.line, l.column);
        if parts.is_empty() || self.is_inner(&parts) || self.fields.contains(&offset(names[0].span.start)) {
            return;
        }
        let hidden_by = self
            .scopes
            .iter()
            .flat_map(|s| match s {
                Scope::Query { sources, .. } => sources.iter().filter_map(|s| s.name.clone()).collect(),
                Scope::Lambda(_) => Vec::new(),
            })
            .collect();
        self.out.references.push(Reference {
            parts,
            start: offset(names[0].span.start),
            end: offset(names[names.len() - 1].span.end),
            hidden_by,
        });
    }
}

impl Visitor for Finder<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        let ctes = query
            .with
            .iter()
            .flat_map(|w| &w.cte_tables)
            .map(|cte| {
                let columns = if cte.alias.columns.is_empty() {
                    output_names(&cte.query)
                } else {
                    Some(cte.alias.columns.iter().map(|c| lower(&c.name.value)).collect())
                };
                (lower(&cte.alias.name.value), columns)
            })
            .collect();
        // CTEs first, so that the FROM clause below can refer to them.
        self.scopes.push(Scope::Query { sources: Vec::new(), ctes, aliases: Vec::new() });
        let (mut sources, mut aliases) = (Vec::new(), Vec::new());
        self.sources_of_set(&query.body, &mut sources, &mut aliases);
        if let Some(Scope::Query { sources: s, aliases: a, .. }) = self.scopes.last_mut() {
            *s = sources;
            *a = aliases;
        }
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
        self.scopes.pop();
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        match expr {
            Expr::Identifier(i) => self.reference(std::slice::from_ref(i)),
            Expr::CompoundIdentifier(names) => self.reference(names),
            Expr::CompoundFieldAccess { access_chain, .. } => {
                for access in access_chain {
                    if let AccessExpr::Dot(Expr::Identifier(field)) = access {
                        self.fields.push(self.lines.offset(field.span.start.line, field.span.start.column));
                    }
                }
            }
            Expr::Lambda(lambda) => {
                let params = match &lambda.params {
                    sqlparser::ast::OneOrManyWithParens::One(p) => vec![lower(&p.name.value)],
                    sqlparser::ast::OneOrManyWithParens::Many(ps) => ps.iter().map(|p| lower(&p.name.value)).collect(),
                };
                self.scopes.push(Scope::Lambda(params));
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if matches!(expr, Expr::Lambda(_)) {
            self.scopes.pop();
        }
        ControlFlow::Continue(())
    }
}

fn object_name(name: &ObjectName) -> Vec<Ident> {
    name.0
        .iter()
        .filter_map(|p| match p {
            ObjectNamePart::Identifier(i) => Some(ident(i)),
            _ => None,
        })
        .collect()
}

/// The column names a query produces, when they can be read off its text.
fn output_names(query: &Query) -> Option<Vec<String>> {
    fn of_set(body: &SetExpr) -> Option<Vec<String>> {
        match body {
            SetExpr::Select(select) => select
                .projection
                .iter()
                .map(|item| match item {
                    SelectItem::ExprWithAlias { alias, .. } => Some(lower(&alias.value)),
                    SelectItem::UnnamedExpr(Expr::Identifier(i)) => Some(lower(&i.value)),
                    SelectItem::UnnamedExpr(Expr::CompoundIdentifier(v)) => v.last().map(|i| lower(&i.value)),
                    // DuckDB names other expressions by their text; no plain name can match it.
                    SelectItem::UnnamedExpr(_) | SelectItem::ExprWithAliases { .. } => Some(String::new()),
                    SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => None,
                })
                .collect(),
            SetExpr::SetOperation { left, .. } => of_set(left),
            SetExpr::Query(q) => of_set(&q.body),
            _ => None,
        }
    }
    of_set(&query.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outer(sql: &str, tables: &[(&str, &[&str])]) -> Vec<String> {
        let lookup = |parts: &[Ident]| {
            tables.iter().find(|(t, _)| parts.last().is_some_and(|p| p.is(t))).map(|(_, c)| c.iter().map(|s| s.to_string()).collect())
        };
        let a = analyze(sql, &lookup).unwrap();
        a.references.iter().map(|r| sql[r.start..r.end].to_string()).collect()
    }

    #[test]
    fn top_level_names_are_references() {
        assert_eq!(outer("sum(o.amount) FILTER (WHERE status = 'x')", &[]), ["o.amount", "status"]);
        assert_eq!(outer("x::DATE + CAST(y AS integer)", &[]), ["x", "y"]);
        assert_eq!(outer("date_trunc('month', o.\"Ordered At\")", &[]), ["o.\"Ordered At\""]);
        assert_eq!(outer("extract(year FROM d) + INTERVAL 1 day", &[]), ["d"]);
        assert_eq!(outer("CASE WHEN a IS NULL THEN 0 ELSE b END", &[]), ["a", "b"]);
        assert_eq!(outer("f(k := v)", &[]), ["v"]);
        assert_eq!(outer("{'k': v}.k", &[]), ["v"]);
        assert_eq!(outer("n.comment = 'keep'", &[]), ["n.comment"]);
    }

    #[test]
    fn typed_literals_are_not_names() {
        assert_eq!(outer("count_if(e.date > DATE '2020-01-01')", &[]), ["e.date"]);
        assert_eq!(outer("date > DATE '2020-01-01' AND ts < TIMESTAMP '2021-01-01'", &[]), ["date", "ts"]);
        assert_eq!(outer("t < TIME '10:00' OR z < TIMESTAMPTZ '2020-01-01' OR i > INTERVAL '1 day'", &[]), ["t", "z", "i"]);
    }

    #[test]
    fn lambda_and_comprehension_parameters_shadow() {
        assert_eq!(outer("list_transform(l, x -> x + y)", &[]), ["l", "y"]);
        assert_eq!(outer("list_filter(l, lambda x: x > y)", &[]), ["l", "y"]);
        assert_eq!(outer("[x * k FOR x IN l IF x > 1]", &[]), ["k", "l"]);
    }

    #[test]
    fn subquery_names_bind_to_the_subquery_first() {
        let vip: &[(&str, &[&str])] = &[("vip", &["id"])];
        let sql = "SUM(CASE WHEN EXISTS (SELECT 1 FROM vip WHERE vip.id = id) THEN o.v ELSE 0 END)";
        assert_eq!(outer(sql, vip), ["o.v"]);
        // Not a column of the subquery's table: correlated, so it refers outside.
        assert_eq!(outer("EXISTS (SELECT 1 FROM vip WHERE vip.id = customer_id)", vip), ["customer_id"]);
        assert_eq!(outer("id IN (SELECT id FROM vip JOIN vip b USING (id))", vip), ["id"]);
        assert_eq!(outer("EXISTS (SELECT 1 FROM vip v WHERE v.id = o.id)", vip), ["o.id"]);
        // Unknown columns (a table function): DuckDB looks there first.
        assert_eq!(outer("x IN (SELECT x FROM range(3) r(x))", &[]), ["x"]);
        assert_eq!(outer("x IN (SELECT y FROM range(3) t(y) WHERE y = z)", &[]), ["x", "z"]);
        assert_eq!(outer("x IN (SELECT y FROM read_csv('f'))", &[]), ["x"]);
    }

    #[test]
    fn ctes_and_derived_tables_have_their_columns() {
        let sql = "EXISTS (WITH c AS (SELECT 1 AS id) SELECT * FROM c WHERE c.id = o.id AND id = k)";
        assert_eq!(outer(sql, &[]), ["o.id", "k"]);
        let sql = "v > (SELECT max(w) FROM (SELECT v AS w FROM t) d WHERE w > v)";
        assert_eq!(outer(sql, &[("t", &["v"])]), ["v", "v"]);
    }

    #[test]
    fn reports_tables_read_and_what_hides_references() {
        let a = analyze("EXISTS (SELECT 1 FROM s.vip AS o WHERE o.id = x)", &|_| Some(vec!["id".into()])).unwrap();
        assert_eq!(a.tables.len(), 1);
        assert_eq!(a.tables[0].parts, vec![Ident { value: "s".into(), quoted: false }, Ident { value: "vip".into(), quoted: false }]);
        assert_eq!((a.tables[0].start, a.tables[0].end), (22, 27));
        assert_eq!(a.references.len(), 1);
        assert_eq!(a.references[0].hidden_by, ["o"]);
    }

    #[test]
    fn duckdb_syntax_beyond_sqlparser() {
        assert_eq!(outer("a GLOB '*x' AND b ** 2 > 1 AND c ISNULL", &[]), ["a", "b", "c"]);
        assert_eq!(outer("[1, 2, a][1:2]", &[]), ["a"]);
        assert_eq!(outer(r"v = E'it\'s'", &[]), ["v"]);
    }
}

#[cfg(test)]
mod keyword_tests {
    use super::*;

    /// Every keyword sqlparser knows is a name after a dot and when quoted.
    #[test]
    fn every_keyword_is_a_name_when_qualified_or_quoted() {
        for kw in sqlparser::keywords::ALL_KEYWORDS.iter().filter(|k| !k.contains('-')) {
            for sql in [format!("t.{kw} + 1"), format!("\"{kw}\" + 1"), format!("t.\"{kw}\".f = 'x'")] {
                let a = analyze(&sql, &|_| None).unwrap_or_else(|e| panic!("{sql}: {}", e.message));
                assert_eq!(a.references.len(), 1, "{sql}: {a:?}");
                assert!(a.references[0].parts.iter().any(|p| p.value.eq_ignore_ascii_case(kw)), "{sql}: {a:?}");
            }
        }
    }
}
