//! The operations the C++ glue calls, in plain Rust types (the cxx bridge wraps them).

use std::collections::BTreeMap;

use crate::cache::Compiled;
use crate::catalog::{key_of, lookup, Found, Lookup, Pinned, SubqueryTable};
use crate::error::{Error, Result};
use crate::model::MemberKind;
use crate::parse::definition_json;
use crate::plan::{Request, RouteError};
use crate::render::Renderer;
use crate::sql::scope::analyze;
use crate::sql::{may_read_tables, parse_qualified_name, quote_ident};
use crate::store::{self, Stored, StoredName};
use crate::view::{eq_ci, View};

/// A view name split into its given parts (1 to 3).
pub fn parse_view_name(name: &str) -> Result<Vec<String>> {
    let parts = parse_qualified_name(name)
        .map_err(|_| Error::parser(format!("invalid semantic view name '{name}': expected [db.][schema.]name")))?;
    if parts.len() > 3 {
        return Err(Error::parser(format!("invalid semantic view name '{name}': expected [db.][schema.]name")));
    }
    Ok(parts.into_iter().map(|p| p.value).collect())
}

/// The tables a definition reads, for the caller to look up in the catalog: its tables by
/// alias, and the tables subqueries in member expressions read.
pub fn definition_tables(name: &str, json: &str) -> Result<Vec<Lookup>> {
    let context = format!("semantic view '{name}'");
    let def = definition_json(json).map_err(|e| e.context(&context))?;
    let mut out = Vec::new();
    for t in &def.tables {
        let parts = parse_qualified_name(&t.table).map_err(|e| e.context(format!("{context}: table '{}'", t.alias)))?;
        out.push(lookup(&t.alias, &parts, false).map_err(|e| e.context(format!("{context}: table '{}'", t.alias)))?);
    }
    let exprs = def.facts.iter().chain(&def.dimensions).chain(&def.metrics).map(|m| m.expr.as_str());
    for expr in exprs.filter(|e| may_read_tables(e)) {
        // Expressions that do not parse are reported, naming their member, when compiled.
        let Ok(analysis) = analyze(expr, &|_| None) else { continue };
        for t in analysis.tables {
            let key = key_of(&t.parts);
            if !out.iter().any(|l| l.optional && l.key == key) {
                if let Ok(l) = lookup(&key, &t.parts, true) {
                    out.push(l);
                }
            }
        }
    }
    Ok(out)
}

/// Pins what the catalog said: tables in the defining database `catalog` keep no catalog name
/// (the database may be attached under another name later).
fn pin(catalog: &str, found: Vec<(bool, Found)>) -> (BTreeMap<String, Vec<String>>, Pinned) {
    let mut columns = BTreeMap::new();
    let mut pinned = Pinned::default();
    for (subquery, mut f) in found {
        if f.table.catalog.as_deref().is_some_and(|c| eq_ci(c, catalog)) {
            f.table.catalog = None;
        }
        if subquery {
            pinned.subquery_tables.insert(f.key, SubqueryTable { table: f.table, columns: f.columns });
        } else {
            columns.insert(f.key.clone(), f.columns);
            pinned.tables.insert(f.key, f.table);
        }
    }
    (columns, pinned)
}

/// A probe: SQL that must bind in DuckDB for the definition to be valid, and what it checks.
/// Member probes select the member's value (in a one-element list for facts and dimensions),
/// so that binding them also gives the member's DuckDB type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub subject: String,
    sql: ProbeSql,
    /// `types` key of the member it checks; empty for relationships.
    pub member: String,
    /// The value is selected in a one-element list (facts and dimensions): its type is the
    /// list's element type.
    pub listed: bool,
    /// The name of the one column that holds the member's value; empty where the probe is a
    /// whole request (its value is the last column). An expression DuckDB expands to several
    /// columns (`COLUMNS(...)`) gives the name twice and is refused.
    pub column: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum ProbeSql {
    Ready(String),
    /// A table-level member over `Probes::froms[from]`, rendered only when asked for: most
    /// members bind in batches and never need their own probe.
    Member {
        expr: String,
        from: usize,
        metric: bool,
    },
}

/// A definition's probes and the batches that bind most of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probes {
    pub list: Vec<Probe>,
    pub batches: Vec<ProbeBatch>,
    /// The FROM clauses of table-level member probes.
    froms: Vec<String>,
}

impl Probes {
    /// The SQL of probe `i`.
    pub fn sql(&self, i: usize) -> String {
        match &self.list[i].sql {
            ProbeSql::Ready(sql) => sql.clone(),
            ProbeSql::Member { expr, from, metric } => {
                let (from, column) = (&self.froms[*from], crate::sql::quote_ident(PROBE_COLUMN));
                if *metric {
                    format!("SELECT {expr} AS {column} FROM {from} GROUP BY ()")
                } else {
                    // In a list, so that an integer constant is not read as a column ordinal;
                    // grouped by ordinal, so that it parses once.
                    format!("SELECT [{expr}] AS {column} FROM {from} GROUP BY 1")
                }
            }
        }
    }
}

/// Probes of members over the same join tree in one SELECT, one column per probe: binding it
/// gives all their types at once. When it does not bind, its probes bind one by one, so the
/// error names the member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeBatch {
    /// One column per probe, then columns that only check (see `row_level_sentinel`).
    pub sql: String,
    /// Indexes into the probes, in column order.
    pub probes: Vec<usize>,
    /// The name each probe's column must bind to: an expression DuckDB expands to several
    /// columns or none (`COLUMNS(...)`, `*`) shifts the names, and the batch then does not count.
    pub names: Vec<String>,
}

/// Members per batch: enough to make defining thousands of members cheap, few enough that a
/// failed batch is quickly retried member by member.
const BATCH: usize = 256;

/// A definition checked by Rust, waiting for DuckDB to bind its probes.
pub struct PendingDefine {
    catalog: String,
    schema: String,
    name: String,
    stored: Stored,
    replace: bool,
    if_not_exists: bool,
    exists: bool,
    layout: store::Layout,
    pub probes: Probes,
}

pub struct Defined {
    /// Statements creating the store (empty once it exists).
    pub create_store: String,
    /// The one statement writing the definition.
    pub write: String,
    /// The row it writes (see `store::insert_rows_sql`), for a store of this layout.
    pub row: String,
    pub layout: store::Layout,
}

/// Checks a definition and lists the probes DuckDB must bind. Fails early when the view
/// exists and may not be replaced.
#[allow(clippy::too_many_arguments)]
pub fn define(
    catalog: &str,
    schema: &str,
    name: &str,
    json: &str,
    found: Vec<(bool, Found)>,
    replace: bool,
    if_not_exists: bool,
    layout: store::Layout,
    views: &[StoredName],
) -> Result<PendingDefine> {
    let context = format!("semantic view '{name}'");
    let definition = definition_json(json).map_err(|e| e.context(&context))?;
    let (columns, pinned) = pin(catalog, found);
    let stored = Stored::new(schema, columns, pinned, definition);
    let view = stored.compile().map_err(|e| e.context(&context))?;
    let probes = probes(&view, catalog).map_err(|e| e.context(&context))?;
    let exists = store::find(views, catalog, schema, name).is_ok();
    // Refuse an existing view before DuckDB binds anything.
    store::check_replaceable(catalog, schema, name, replace, if_not_exists, exists)?;
    Ok(PendingDefine {
        catalog: catalog.to_string(),
        schema: schema.to_string(),
        name: name.to_string(),
        stored,
        replace,
        if_not_exists,
        exists,
        layout,
        probes,
    })
}

impl PendingDefine {
    /// The statements storing the definition, with the member types DuckDB bound for each probe
    /// (`types[i]` for `probes[i]`; empty where there is none).
    pub fn finish(&self, types: &[String]) -> Result<Defined> {
        let mut stored = self.stored.clone();
        for (probe, ty) in self.probes.list.iter().zip(types) {
            if !probe.member.is_empty() && !ty.is_empty() {
                stored.types.insert(probe.member.clone(), ty.clone());
            }
        }
        let w = store::define_sql(
            &self.catalog,
            &self.schema,
            &self.name,
            &stored,
            self.replace,
            self.if_not_exists,
            self.exists,
            self.layout,
        )?;
        Ok(Defined { create_store: w.create_store, write: w.write, row: w.row, layout: self.layout })
    }
}

/// Members that bind together: metrics, or facts and dimensions, over one FROM clause.
struct ProbeGroup {
    metric: bool,
    /// Index into `Probes::froms`.
    from: usize,
    /// The table the FROM clause starts from.
    anchor: usize,
    /// Probe indexes.
    members: Vec<usize>,
}

/// One probe per relationship and member. Fact and dimension probes group by the expression
/// (DuckDB refuses aggregates there); table-level metric probes use `GROUP BY ()` (DuckDB
/// refuses bare columns there, so the expression must aggregate).
pub fn probes(view: &View, catalog: &str) -> Result<Probes> {
    let r = Renderer { view, home_catalog: catalog };
    let mut list = Vec::new();
    let mut froms: Vec<String> = Vec::new();
    let mut groups: Vec<ProbeGroup> = Vec::new();
    for (i, rel) in view.relationships.iter().enumerate() {
        let source = crate::plan::Source { anchor: rel.from, joins: vec![crate::view::Step { rel: i, reversed: false }] };
        let sql = format!("SELECT 1 FROM {}", r.from_clause(&source));
        list.push(Probe {
            subject: format!("relationship '{}'", rel.name),
            sql: ProbeSql::Ready(sql),
            member: String::new(),
            listed: false,
            column: String::new(),
        });
    }
    for (id, m) in view.all_members() {
        let subject = format!("{} '{}'", id.kind.noun(), view.qualified_name(id));
        // Derived, window and semi-additive metrics bind as a request for them alone (with the
        // dimensions a window needs), so the probe covers what their queries add.
        let planned = id.kind == MemberKind::Metric && (m.table.is_none() || !m.non_additive.is_empty() || view.is_windowed(id.index));
        let sql = match (id.kind, m.table) {
            (MemberKind::Metric, _) if planned => {
                let dimensions = view.required_dimensions(id.index);
                let plan = view.plan_members(dimensions, vec![id.index], vec![], None).map_err(|e| e.context(&subject))?;
                ProbeSql::Ready(r.render(&plan))
            }
            (kind, Some(table)) => {
                let source = view.join_tree(table, &view.tables_of(id), &m.using).map_err(|e| match e {
                    RouteError::Unreachable(_) => Error::binder(format!(
                        "{subject} reads tables that its table '{}' does not reach through many-to-one relationships",
                        view.tables[table].alias
                    )),
                    other => other.into_error(view, table).context(&subject),
                })?;
                let from_clause = r.from_clause(&source);
                let from = froms.iter().position(|f| *f == from_clause).unwrap_or_else(|| {
                    froms.push(from_clause);
                    froms.len() - 1
                });
                let metric = kind == MemberKind::Metric;
                let expr = r.member_expr(id);
                // An ungrouped batch would accept the window function a grouped probe refuses.
                if metric || !crate::window::may_have_window(&expr) {
                    match groups.iter_mut().find(|g| g.metric == metric && g.from == from) {
                        Some(group) => group.members.push(list.len()),
                        None => groups.push(ProbeGroup { metric, from, anchor: source.anchor, members: vec![list.len()] }),
                    }
                }
                ProbeSql::Member { expr, from, metric }
            }
            (_, None) => return Err(Error::internal(format!("{subject} has no table"))),
        };
        let listed = id.kind != MemberKind::Metric;
        let column = if planned { String::new() } else { PROBE_COLUMN.to_string() };
        list.push(Probe { subject, sql, member: type_key(view, id), listed, column });
    }
    let mut batches = Vec::new();
    for ProbeGroup { metric, from, anchor, members } in groups {
        let sentinel = if metric { Some(String::new()) } else { row_level_sentinel(view, anchor) };
        let Some(sentinel) = sentinel else { continue }; // no column known: probed one by one
        let members: Vec<(usize, &str)> = members
            .into_iter()
            .filter_map(|i| match &list[i].sql {
                ProbeSql::Member { expr, .. } => Some((i, expr.as_str())),
                ProbeSql::Ready(_) => None,
            })
            .collect();
        for chunk in members.chunks(BATCH).filter(|c| c.len() > 1) {
            // Named, because DuckDB would otherwise print each expression for a column name; bare
            // (unlike the one-by-one probes, ungrouped here, so a constant is no ordinal), because
            // a list around each is one more function to bind.
            let names: Vec<String> = (0..chunk.len()).map(probe_column).collect();
            let columns: Vec<String> =
                chunk.iter().zip(&names).map(|((_, expr), name)| format!("{expr} AS {}", crate::sql::quote_ident(name))).collect();
            let from = &froms[from];
            let sql = if metric {
                format!("SELECT {} FROM {from} GROUP BY ()", columns.join(", "))
            } else {
                // Ungrouped, so each expression binds once (grouping binds it twice); the bare
                // column last makes any aggregate among them fail the batch, and the one-by-one
                // probes then report it.
                format!("SELECT {}, {sentinel} FROM {from}", columns.join(", "))
            };
            batches.push(ProbeBatch { sql, probes: chunk.iter().map(|(i, _)| *i).collect(), names });
        }
    }
    Ok(Probes { list, batches, froms })
}

/// The name of a member probe's column: no table column is called this, so a member expression
/// cannot bind to another column of the probe by its alias.
const PROBE_COLUMN: &str = "semantic_views probe";

/// The name of a batch's `i`th column: short, because DuckDB parses every byte of a batch (its
/// PEG parser is most of a define's time in 2.0), and a name no table column has (see above).
fn probe_column(i: usize) -> String {
    format!("\u{b7}{i}")
}

/// A bare column of `table`, qualified by its alias: selected next to row-level expressions, it
/// makes DuckDB refuse any aggregate among them.
fn row_level_sentinel(view: &View, table: usize) -> Option<String> {
    let t = &view.tables[table];
    let column = t.columns.first()?;
    Some(format!("{}.{}", crate::sql::quote_ident(&t.alias), crate::sql::quote_ident(column)))
}

/// Where a member's DuckDB type is kept in `Stored::types`.
pub fn type_key(view: &View, id: crate::view::MemberId) -> String {
    format!("{} {}", id.kind.noun(), view.qualified_name(id))
}

/// The SELECT a request expands to. `home_catalog` is the current name of the database that
/// holds the definition.
pub fn expand(name: &str, definition: &str, home_catalog: &str, request: Request) -> Result<String> {
    expand_compiled(name, &Compiled::new(definition)?, home_catalog, request)
}

/// `expand` on a compiled (cached) definition.
pub fn expand_compiled(name: &str, compiled: &Compiled, home_catalog: &str, request: Request) -> Result<String> {
    let context = format!("semantic view '{name}'");
    let request = request.without_blank_where();
    if compiled.resolved && !compiled.view.has_adhoc_members(&request) {
        // Every member is resolved: plan on the shared view, no copy.
        let plan = compiled.view.plan(&request).map_err(|e| e.context(&context))?;
        return Ok(render(&compiled.view, &plan, name, home_catalog, request.verify_keys));
    }
    let mut view = compiled.view.clone();
    view.add_adhoc_dimensions(&request).map_err(|e| e.context(&context))?;
    // Resolve only what the request touches; on any error resolve everything and plan again,
    // so that messages listing valid members (fan traps) see the whole view.
    let plan = match view.resolve_request(&request).and_then(|_| view.plan(&request)) {
        Ok(plan) => plan,
        Err(_) => {
            view.resolve_all().map_err(|e| e.context(&context))?;
            view.plan(&request).map_err(|e| e.context(&context))?
        }
    };
    Ok(render(&view, &plan, name, home_catalog, request.verify_keys))
}

fn render(view: &View, plan: &crate::plan::Plan, name: &str, home_catalog: &str, verify_keys: bool) -> String {
    let sql = Renderer { view, home_catalog }.render(plan);
    if verify_keys {
        crate::verify::guarded(view, plan, sql, name, home_catalog)
    } else {
        sql
    }
}

/// One row of `describe_semantic_view`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeRow {
    pub kind: String,
    pub name: String,
    pub table: Option<String>,
    pub expression: String,
    pub comment: Option<String>,
    pub synonyms: Vec<String>,
    pub private: bool,
    /// The DuckDB type bound at define time (members only).
    pub data_type: Option<String>,
}

pub fn describe(definition: &str) -> Result<Vec<DescribeRow>> {
    let stored = Stored::parse(definition)?;
    let view = stored.compile()?;
    let mut rows = Vec::new();
    for (t, def) in view.tables.iter().zip(&view.definition.tables) {
        let p = &t.physical;
        let physical = match &p.catalog {
            Some(c) => format!("{}.{}.{}", quote_ident(c), quote_ident(&p.schema), quote_ident(&p.name)),
            None => format!("{}.{}", quote_ident(&p.schema), quote_ident(&p.name)),
        };
        rows.push(DescribeRow {
            kind: "table".into(),
            name: t.alias.clone(),
            table: None,
            expression: physical,
            comment: def.comment.clone(),
            synonyms: def.synonyms.clone(),
            private: false,
            data_type: None,
        });
    }
    for r in &view.relationships {
        rows.push(DescribeRow {
            kind: "relationship".into(),
            name: r.name.clone(),
            table: Some(view.tables[r.from].alias.clone()),
            expression: format!(
                "{}({}) REFERENCES {}({})",
                view.tables[r.from].alias,
                r.from_columns.join(", "),
                view.tables[r.to].alias,
                match &r.range {
                    Some((start, end)) => format!("BETWEEN {start} AND {end} EXCLUSIVE"),
                    None => r
                        .to_columns
                        .iter()
                        .enumerate()
                        .map(|(i, c)| if r.asof == Some(i) { format!("ASOF {c}") } else { c.clone() })
                        .collect::<Vec<_>>()
                        .join(", "),
                }
            ),
            comment: None,
            synonyms: vec![],
            private: false,
            data_type: None,
        });
    }
    for (id, m) in view.all_members() {
        let kind = match (id.kind, m.table) {
            (MemberKind::Metric, None) => "derived_metric".to_string(),
            (k, _) => k.noun().to_string(),
        };
        let mut expression = m.def.expr.clone();
        if !m.def.using.is_empty() {
            expression = format!("{expression} USING ({})", m.def.using.join(", "));
        }
        if !m.def.non_additive_by.is_empty() {
            let items = crate::get_ddl::non_additive_sql(&m.def.non_additive_by);
            expression = format!("{expression} NON ADDITIVE BY ({items})");
        }
        rows.push(DescribeRow {
            kind,
            name: m.name.clone(),
            table: m.table.map(|t| view.tables[t].alias.clone()),
            expression,
            comment: m.def.comment.clone(),
            synonyms: m.def.synonyms.clone(),
            private: m.private,
            data_type: stored.types.get(&type_key(&view, id)).cloned(),
        });
        for c in &m.def.clauses {
            rows.push(clause_row(c, Some(&m.name), m.table.map(|t| view.tables[t].alias.clone())));
        }
    }
    for c in &view.definition.clauses {
        rows.push(clause_row(c, None, None));
    }
    Ok(rows)
}

/// A kept Snowflake clause (no effect here): named by its member, or by its keyword.
fn clause_row(c: &crate::model::Clause, member: Option<&str>, table: Option<String>) -> DescribeRow {
    DescribeRow {
        kind: "clause".into(),
        name: member.map(str::to_string).unwrap_or_else(|| c.keyword.clone()),
        table,
        expression: crate::get_ddl::clause_sql(c),
        comment: None,
        synonyms: vec![],
        private: false,
        data_type: None,
    }
}

/// Public dimensions that can be combined with a metric, each with whether a request for the
/// metric must group by it (a window metric's PARTITION BY and ORDER BY dimensions).
pub fn dimensions_for_metric(definition: &str, metric: &str) -> Result<Vec<(String, bool)>> {
    let stored = Stored::parse(definition)?;
    let view = stored.compile()?;
    let index = view.metric_index(metric)?;
    let required: Vec<String> = view.required_dimensions(index).into_iter().map(|d| view.qualified_name(d)).collect();
    Ok(view
        .dimensions_for_metric(index)
        .into_iter()
        .map(|d| {
            let r = required.contains(&d);
            (d, r)
        })
        .collect())
}

/// Definition JSON of a parsed `CREATE SEMANTIC VIEW`.
pub fn definition_to_json(def: &crate::model::Definition) -> String {
    serde_json::to_string(def).expect("definitions serialize")
}

/// `GET_DDL('SEMANTIC_VIEW', name [, qualified])`: DDL that recreates the stored view. With
/// `qualified` (Snowflake's third argument), the view and its tables carry their database and
/// schema; `catalog` is the current name of the database holding the view.
pub fn get_ddl(catalog: &str, schema: &str, name: &str, definition: &str, qualified: bool) -> Result<String> {
    let stored = Stored::parse(definition)?;
    let ident = crate::ddl::ident_sql;
    if !qualified {
        return Ok(crate::get_ddl::render(&format!("{}.{}", ident(schema), ident(name)), &stored.definition));
    }
    let view = stored.compile()?;
    let mut def = stored.definition.clone();
    for (t, table) in def.tables.iter_mut().zip(&view.tables) {
        let p = &table.physical;
        t.table = format!("{}.{}.{}", ident(p.catalog.as_deref().unwrap_or(catalog)), ident(&p.schema), ident(&p.name));
    }
    Ok(crate::get_ddl::render(&format!("{}.{}.{}", ident(catalog), ident(schema), ident(name)), &def))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_over_one_join_tree_are_probed_together() {
        let definition = crate::parse::definition_json(
            r#"{"tables": [{"alias": "o", "table": "orders", "primary_key": ["k"]}],
                "dimensions": [{"table": "o", "name": "a", "expr": "a"}, {"table": "o", "name": "b", "expr": "upper(b)"}],
                "metrics": [{"table": "o", "name": "n", "expr": "count(*)"}, {"table": "o", "name": "s", "expr": "sum(a)"}]}"#,
        )
        .unwrap();
        let columns = BTreeMap::from([("o".to_string(), vec!["k".to_string(), "a".into(), "b".into()])]);
        let view = Stored::new("main", columns, crate::catalog::Pinned::default(), definition).compile().unwrap();
        let Probes { list: probes, batches, .. } = probes(&view, "db").unwrap();
        assert_eq!(probes.len(), 4);
        assert_eq!(batches.len(), 2);
        let dims = batches.iter().find(|b| probes[b.probes[0]].listed).unwrap();
        assert_eq!(dims.probes.len(), 2);
        assert_eq!(dims.names, ["\u{b7}0", "\u{b7}1"]);
        assert!(dims.sql.starts_with("SELECT (\"o\".\"a\") AS \"\u{b7}0\", (upper(\"o\".\"b\"))"), "{}", dims.sql);
        assert!(!dims.sql.contains("GROUP BY"), "{}", dims.sql);
        assert!(dims.sql.contains("\u{b7}1\", \"o\".\"k\" FROM "), "an ungrouped batch ends with a bare column: {}", dims.sql);
        let metrics = batches.iter().find(|b| !probes[b.probes[0]].listed).unwrap();
        assert!(metrics.sql.ends_with("GROUP BY ()"), "{}", metrics.sql);
        assert!(metrics.probes.iter().all(|&i| !probes[i].listed));
    }

    #[test]
    fn row_level_members_with_a_window_are_probed_alone() {
        let definition = crate::parse::definition_json(
            r#"{"tables": [{"alias": "o", "table": "orders", "primary_key": ["k"]}],
                "dimensions": [{"table": "o", "name": "a", "expr": "a"}, {"table": "o", "name": "b", "expr": "upper(b)"},
                               {"table": "o", "name": "r", "expr": "row_number() over ()"}]}"#,
        )
        .unwrap();
        let columns = BTreeMap::from([("o".to_string(), vec!["k".to_string(), "a".into(), "b".into()])]);
        let view = Stored::new("main", columns, crate::catalog::Pinned::default(), definition).compile().unwrap();
        let Probes { list: probes, batches, .. } = probes(&view, "db").unwrap();
        assert_eq!(batches.len(), 1);
        let batched: Vec<&str> = batches[0].probes.iter().map(|&i| probes[i].member.as_str()).collect();
        assert_eq!(batched, ["dimension o.a", "dimension o.b"]);
    }
}
