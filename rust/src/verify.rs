//! Checks a view's declared keys and relationships against the data: every number a semantic
//! view computes without fan-out assumes them. `verify_semantic_view` reports every check; the
//! per-query guard (`SET semantic_views_verify = 'error'`) checks the keys a query's joins rely
//! on, inside the query, so it reads what the caller's transaction sees.

use crate::plan::{Plan, Source};
use crate::sql::{quote_ident, quote_literal};
use crate::view::View;

/// One check: what it is about, and a query listing the key values that break it (one row
/// per offending value, with `__sv_rows`, the rows carrying it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub kind: &'static str,
    pub object: String,
    pub query: String,
    /// How many key columns the query selects before `__sv_rows`.
    pub columns: usize,
    /// For orphans (reported, never a violation): the rows that could have a parent (the
    /// rate's denominator).
    pub total_query: Option<String>,
}

fn table_sql(view: &View, t: usize, home_catalog: &str) -> String {
    view.tables[t].physical.sql(home_catalog)
}

fn column_list(columns: &[String]) -> String {
    columns.iter().map(|c| quote_ident(c)).collect::<Vec<_>>().join(", ")
}

/// Key values of `columns` in table `t` that are duplicated (or NULL, when `non_null`).
fn duplicates_query(view: &View, t: usize, columns: &[String], non_null: bool, home_catalog: &str) -> String {
    let cols = column_list(columns);
    let nulls: String = if non_null { columns.iter().map(|c| format!(" OR {} IS NULL", quote_ident(c))).collect() } else { String::new() };
    let not_null: Vec<String> = columns.iter().map(|c| format!("{} IS NOT NULL", quote_ident(c))).collect();
    let filter = if non_null { String::new() } else { format!(" WHERE {}", not_null.join(" AND ")) };
    format!(
        "SELECT {cols}, count(*) AS __sv_rows FROM {}{filter} GROUP BY {cols} HAVING count(*) > 1{nulls}",
        table_sql(view, t, home_catalog)
    )
}

fn described(view: &View, t: usize, columns: &[String]) -> String {
    format!("{} ({})", view.tables[t].alias, columns.join(", "))
}

/// Every check of a view, in definition order: keys of each table, then each relationship.
pub fn checks(view: &View, home_catalog: &str) -> Vec<Check> {
    let mut out = Vec::new();
    for (t, table) in view.tables.iter().enumerate() {
        if !table.primary_key.is_empty() {
            out.push(Check {
                kind: "primary key",
                object: described(view, t, &table.primary_key),
                query: duplicates_query(view, t, &table.primary_key, true, home_catalog),
                total_query: None,
                columns: table.primary_key.len(),
            });
        }
        for key in &table.unique {
            out.push(Check {
                kind: "unique key",
                object: described(view, t, key),
                query: duplicates_query(view, t, key, true, home_catalog),
                total_query: None,
                columns: key.len(),
            });
        }
    }
    for (r, rel) in view.relationships.iter().enumerate() {
        if rel.range.is_some() {
            continue;
        }
        out.push(relationship_check(view, r, home_catalog));
        if rel.one_to_one {
            out.push(Check {
                kind: "one-to-one",
                object: format!("{} ({})", rel.name, described(view, rel.from, &rel.from_columns)),
                query: duplicates_query(view, rel.from, &rel.from_columns, false, home_catalog),
                total_query: None,
                columns: rel.from_columns.len(),
            });
        }
        if rel.asof.is_none() {
            out.push(orphans(view, r, home_catalog));
        }
    }
    out
}

/// A relationship's target columns must be unique: else joining it repeats rows.
fn relationship_check(view: &View, r: usize, home_catalog: &str) -> Check {
    let rel = &view.relationships[r];
    Check {
        kind: "relationship key",
        object: format!("{} -> {}", rel.name, described(view, rel.to, &rel.to_columns)),
        query: duplicates_query(view, rel.to, &rel.to_columns, false, home_catalog),
        total_query: None,
        columns: rel.to_columns.len(),
    }
}

/// Rows whose (non-NULL) foreign key finds no row of the referenced table.
fn orphans(view: &View, r: usize, home_catalog: &str) -> Check {
    let rel = &view.relationships[r];
    let cols: Vec<String> = rel.from_columns.iter().map(|c| format!("__sv_f.{}", quote_ident(c))).collect();
    let not_null: Vec<String> = cols.iter().map(|c| format!("{c} IS NOT NULL")).collect();
    let on: Vec<String> = rel
        .from_columns
        .iter()
        .zip(&rel.to_columns)
        .map(|(f, t)| format!("__sv_t.{} = __sv_f.{}", quote_ident(t), quote_ident(f)))
        .collect();
    Check {
        kind: "orphan rows",
        object: format!("{} ({})", rel.name, described(view, rel.from, &rel.from_columns)),
        query: format!(
            "SELECT {}, count(*) AS __sv_rows FROM {} AS __sv_f WHERE {} AND NOT EXISTS (SELECT 1 FROM {} AS __sv_t WHERE {}) GROUP BY ALL",
            cols.join(", "),
            table_sql(view, rel.from, home_catalog),
            not_null.join(" AND "),
            table_sql(view, rel.to, home_catalog),
            on.join(" AND ")
        ),
        total_query: Some(format!(
            "SELECT count(*) FROM {} AS __sv_f WHERE {}",
            table_sql(view, rel.from, home_catalog),
            not_null.join(" AND ")
        )),
        columns: rel.from_columns.len(),
    }
}

/// The key value of an offending row as text: `7`, or `(1, 'x')` for several columns.
fn key_text(query_columns: usize) -> String {
    let part = |i: usize| format!("coalesce(__sv_c{i}::VARCHAR, 'NULL')");
    if query_columns == 1 {
        part(1)
    } else {
        let parts: Vec<String> = (1..=query_columns).map(part).collect();
        format!("'(' || concat_ws(', ', {}) || ')'", parts.join(", "))
    }
}

/// One report row per check: `check_kind, object, status, violations, examples, detail,
/// query`. `not_checked[i]` is why check `i` could not run (its tables cannot be read), or empty.
pub fn report_sql(checks: &[Check], not_checked: &[String]) -> String {
    let rows: Vec<String> = checks
        .iter()
        .zip(not_checked)
        .map(|(c, reason)| {
            let head = format!("{} AS check_kind, {} AS object", quote_literal(c.kind), quote_literal(&c.object));
            if !reason.is_empty() {
                return format!(
                    "SELECT {head}, 'not checked' AS status, NULL::BIGINT AS violations, []::VARCHAR[] AS examples, {} AS detail, {} AS query",
                    quote_literal(reason),
                    quote_literal(&c.query)
                );
            }
            let (status, violations, detail) = match &c.total_query {
                Some(total) => (
                    "'ok'".to_string(),
                    "coalesce(sum(__sv_rows), 0)::BIGINT".to_string(),
                    format!(
                        "printf('%d of %d rows (%.2f%%) find no referenced row (reported, not a violation)', coalesce(sum(__sv_rows), 0), ({total}), 100.0 * coalesce(sum(__sv_rows), 0) / greatest(({total}), 1))"
                    ),
                ),
                None => (
                    "CASE WHEN count(*) = 0 THEN 'ok' ELSE 'violated' END".to_string(),
                    "count(*)::BIGINT".to_string(),
                    "CASE WHEN count(*) = 0 THEN NULL ELSE printf('%d key values repeat or are NULL (the most frequent: %d rows)', count(*), max(__sv_rows)) END".to_string(),
                ),
            };
            let key = key_text(c.columns);
            let names: Vec<String> = (1..=c.columns).map(|i| format!("__sv_c{i}")).collect();
            format!(
                "SELECT {head}, {status} AS status, {violations} AS violations, coalesce(list({key} ORDER BY __sv_rows DESC, {key})[1:3], []::VARCHAR[]) AS examples, {detail} AS detail, {} AS query FROM ({}) AS __sv_v({}, __sv_rows)",
                quote_literal(&c.query),
                c.query,
                names.join(", ")
            )
        })
        .collect();
    if rows.is_empty() {
        return "SELECT NULL::VARCHAR AS check_kind, NULL::VARCHAR AS object, NULL::VARCHAR AS status, NULL::BIGINT AS violations, NULL::VARCHAR[] AS examples, NULL::VARCHAR AS detail, NULL::VARCHAR AS query WHERE false".to_string();
    }
    rows.join("\nUNION ALL\n")
}

/// The relationships a plan joins (each must lead to unique keys, or rows repeat).
fn joined(plan: &Plan, out: &mut Vec<usize>) {
    let mut add = |s: &Source| {
        for step in &s.joins {
            if !out.contains(&step.rel) {
                out.push(step.rel);
            }
        }
    };
    match plan {
        Plan::Rows { source, .. } | Plan::Distinct { source, .. } => add(source),
        Plan::Aggregate { grains, .. } => grains.iter().for_each(|g| add(&g.source)),
        Plan::Window { inner, .. } => joined(inner, out),
    }
}

/// `sql` guarded by a check of every key its joins rely on: the query fails, naming the
/// relationship, table, key and an example value, when one is not unique in the data.
pub fn guarded(view: &View, plan: &Plan, sql: String, name: &str, home_catalog: &str) -> String {
    let mut rels = Vec::new();
    joined(plan, &mut rels);
    let guards: Vec<String> = rels
        .iter()
        .filter(|&&r| view.relationships[r].range.is_none())
        .map(|&r| {
            let rel = &view.relationships[r];
            let table = &view.tables[rel.to];
            let check = relationship_check(view, r, home_catalog);
            let key = key_text(rel.to_columns.len());
            let names: Vec<String> = (1..=rel.to_columns.len()).map(|i| format!("__sv_c{i}")).collect();
            let message = format!(
                "semantic view '{name}': relationship '{}' joins table '{}' on ({}), which is not unique in its data (semantic_views_verify = 'error'): ",
                rel.name,
                table.alias,
                rel.to_columns.join(", ")
            );
            format!(
                "(SELECT CASE WHEN count(*) = 0 THEN true ELSE error({} || min({key}) || ' appears ' || max(__sv_rows) || ' times') END FROM ({}) AS __sv_v({}, __sv_rows))",
                quote_literal(&message),
                check.query,
                names.join(", ")
            )
        })
        .collect();
    if guards.is_empty() {
        return sql;
    }
    format!("SELECT * FROM ({sql}) AS __sv_guarded WHERE {}", guards.join(" AND "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Pinned;
    use crate::plan::Request;
    use crate::store::Stored;
    use std::collections::BTreeMap;

    fn view() -> View {
        let definition = crate::parse::definition_json(
            r#"{"tables": [{"alias": "o", "table": "orders", "primary_key": ["k"]},
                          {"alias": "c", "table": "customer", "primary_key": ["k"], "unique": [["name"]]}],
                "relationships": [{"name": "o_c", "from": "o", "from_columns": ["ck"], "to": "c"}],
                "dimensions": [{"table": "c", "name": "seg", "expr": "seg"}],
                "metrics": [{"table": "o", "name": "n", "expr": "count(*)"}]}"#,
        )
        .unwrap();
        let cols = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let columns = BTreeMap::from([("o".to_string(), cols(&["k", "ck"])), ("c".to_string(), cols(&["k", "name", "seg"]))]);
        Stored::new("main", columns, Pinned::default(), definition).compile().unwrap()
    }

    #[test]
    fn checks_every_key_and_relationship() {
        let checks = checks(&view(), "db");
        let listed: Vec<(&str, &str)> = checks.iter().map(|c| (c.kind, c.object.as_str())).collect();
        assert_eq!(
            listed,
            vec![
                ("primary key", "o (k)"),
                ("primary key", "c (k)"),
                ("unique key", "c (name)"),
                ("relationship key", "o_c -> c (k)"),
                ("orphan rows", "o_c (o (ck))"),
            ]
        );
        assert_eq!(
            checks[1].query,
            r#"SELECT "k", count(*) AS __sv_rows FROM "db"."main"."customer" GROUP BY "k" HAVING count(*) > 1 OR "k" IS NULL"#
        );
        let report = report_sql(&checks, &vec![String::new(); checks.len()]);
        assert_eq!(report.matches("UNION ALL").count(), 4);
        crate::fuzzing::assert_contained(&report);
    }

    #[test]
    fn guards_only_the_relationships_a_query_joins() {
        let v = view();
        let joined = v.plan(&Request { dimensions: vec!["seg".into()], metrics: vec!["n".into()], ..Default::default() }).unwrap();
        let sql = guarded(&v, &joined, "SELECT 1".into(), "v", "db");
        assert!(
            sql.starts_with("SELECT * FROM (SELECT 1) AS __sv_guarded WHERE (SELECT CASE WHEN count(*) = 0 THEN true ELSE error("),
            "{sql}"
        );
        assert!(sql.contains("relationship ''o_c'' joins table ''c'' on (k)"), "{sql}");
        crate::fuzzing::assert_contained(&sql);
        let alone = v.plan(&Request { metrics: vec!["n".into()], ..Default::default() }).unwrap();
        assert_eq!(guarded(&v, &alone, "SELECT 1".into(), "v", "db"), "SELECT 1");
    }
}
