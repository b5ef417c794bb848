//! Snowflake's semantic view YAML (`SYSTEM$CREATE_SEMANTIC_VIEW_FROM_YAML`,
//! `SYSTEM$READ_YAML_FROM_SEMANTIC_VIEW`): logical tables with their base table, keys, facts,
//! dimensions, time dimensions and metrics; relationships; view-level (derived) metrics.
//! Cortex Analyst hints (sample values, enums, search services, verified queries, filters) have
//! no meaning here and are reported as not imported.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_norway::Value;
use sqlparser::tokenizer::Token;

use super::{entry_error, parse_yaml, to_yaml, Format, Imported, SourceFile};
use crate::ddl::ident_sql;
use crate::error::{Error, Result};
use crate::model::{Clause, Definition, MemberDef, RelationshipDef, TableDef};
use crate::sql::{parse_qualified_name, quote_literal, tokenize};

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct View {
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    tables: Vec<Table>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    relationships: Vec<Relationship>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    metrics: Vec<Member>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    verified_queries: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    custom_instructions: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    module_custom_instructions: Option<ModuleInstructions>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct ModuleInstructions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sql_generation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    question_categorization: Option<String>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Table {
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    base_table: BaseTable,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    synonyms: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    primary_key: Option<Columns>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    unique_keys: Vec<Columns>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    dimensions: Vec<Member>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    time_dimensions: Vec<Member>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    facts: Vec<Member>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    metrics: Vec<Member>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    filters: Vec<Member>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct BaseTable {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    database: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    schema: Option<String>,
    table: String,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Columns {
    columns: Vec<String>,
}

/// A fact, dimension, time dimension, metric or filter.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Member {
    name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    synonyms: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    expr: String,
    /// Informational: DuckDB binds the real type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    data_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    access_modifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    unique: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    is_enum: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sample_values: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cortex_search_service: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cortex_search_service_name: Option<String>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Relationship {
    name: String,
    left_table: String,
    right_table: String,
    relationship_columns: Vec<ColumnPair>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    relationship_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    join_type: Option<String>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct ColumnPair {
    left_column: String,
    right_column: String,
}

/// Reads one Snowflake semantic view YAML file.
pub fn import(file: &SourceFile) -> Result<Imported> {
    let v: View = parse_yaml(file, &file.text)?;
    let mut skipped = Vec::new();
    let mut def = Definition { comment: v.description.clone(), ..Default::default() };
    let instructions = v.module_custom_instructions.unwrap_or_default();
    for (keyword, text) in [
        ("AI_SQL_GENERATION", instructions.sql_generation.or(v.custom_instructions)),
        ("AI_QUESTION_CATEGORIZATION", instructions.question_categorization),
    ] {
        if let Some(text) = text {
            def.clauses.push(Clause { keyword: keyword.into(), text: quote_literal(&text) });
        }
    }
    if v.verified_queries.is_some() {
        skipped.push("verified_queries (Cortex Analyst examples)".into());
    }
    for (i, t) in v.tables.iter().enumerate() {
        let key = format!("tables[{i}] ({})", t.name);
        let table = [&t.base_table.database, &t.base_table.schema]
            .into_iter()
            .flatten()
            .chain(std::iter::once(&t.base_table.table))
            .map(|p| ident_sql(p))
            .collect::<Vec<_>>()
            .join(".");
        def.tables.push(TableDef {
            alias: t.name.clone(),
            table,
            primary_key: t.primary_key.as_ref().map(|k| k.columns.clone()).unwrap_or_default(),
            unique: t.unique_keys.iter().map(|k| k.columns.clone()).collect(),
            distinct_range: None,
            comment: t.description.clone(),
            synonyms: t.synonyms.clone(),
        });
        let lists = [
            ("facts", &t.facts),
            ("dimensions", &t.dimensions),
            ("time_dimensions", &t.time_dimensions),
            ("metrics", &t.metrics),
            ("filters", &t.filters),
        ];
        for (list, members) in lists {
            for (j, m) in members.iter().enumerate() {
                let mkey = format!("{key}.{list}[{j}] ({})", m.name);
                if list == "filters" {
                    skipped.push(format!("{mkey}: named filters are not supported"));
                    continue;
                }
                let member = member(file, &mkey, Some(&t.name), m, &mut skipped)?;
                match list {
                    "facts" => def.facts.push(member),
                    "metrics" => def.metrics.push(member),
                    _ => def.dimensions.push(member),
                }
            }
        }
    }
    for (i, r) in v.relationships.iter().enumerate() {
        let key = format!("relationships[{i}] ({})", r.name);
        if let Some(kind) = &r.relationship_type {
            if !matches!(kind.to_lowercase().as_str(), "many_to_one" | "one_to_one") {
                return Err(entry_error(file, &key, format!("relationship_type '{kind}' is not supported (many_to_one or one_to_one)")));
            }
        }
        if r.join_type.as_deref().is_some_and(|j| !j.eq_ignore_ascii_case("left_outer")) {
            skipped
                .push(format!("{key}: join_type {} (joins keep every row of the left table)", r.join_type.as_deref().unwrap_or_default()));
        }
        def.relationships.push(RelationshipDef {
            name: Some(r.name.clone()),
            from: r.left_table.clone(),
            from_columns: r.relationship_columns.iter().map(|c| c.left_column.clone()).collect(),
            to: r.right_table.clone(),
            to_columns: r.relationship_columns.iter().map(|c| c.right_column.clone()).collect(),
            asof: None,
            between: None,
        });
    }
    for (i, m) in v.metrics.iter().enumerate() {
        let key = format!("metrics[{i}] ({})", m.name);
        def.metrics.push(member(file, &key, None, m, &mut skipped)?);
    }
    Ok(Imported { name: v.name, format: Format::Snowflake, files: vec![file.path.clone()], definition: def, skipped })
}

fn member(file: &SourceFile, key: &str, table: Option<&str>, m: &Member, skipped: &mut Vec<String>) -> Result<MemberDef> {
    let private = match m.access_modifier.as_deref().map(str::to_lowercase).as_deref() {
        None | Some("public_access") => false,
        Some("private_access") => true,
        Some(other) => return Err(entry_error(file, key, format!("access_modifier '{other}' (expected public_access or private_access)"))),
    };
    for (hint, present) in [
        ("sample_values", m.sample_values.is_some()),
        ("is_enum", m.is_enum.is_some()),
        ("unique", m.unique.is_some()),
        ("cortex_search_service", m.cortex_search_service.is_some() || m.cortex_search_service_name.is_some()),
    ] {
        if present {
            skipped.push(format!("{key}: {hint} (a Cortex Analyst hint)"));
        }
    }
    Ok(MemberDef {
        table: table.map(str::to_string),
        name: m.name.clone(),
        expr: m.expr.clone(),
        comment: m.description.clone(),
        synonyms: m.synonyms.clone(),
        private,
        using: Vec::new(),
        clauses: Vec::new(),
        non_additive_by: Vec::new(),
    })
}

/// The text of a single-quoted SQL string literal (`'it''s'` → `it's`).
pub fn unquote(literal: &str) -> Result<String> {
    let toks: Vec<_> = tokenize(literal)?.into_iter().filter(|t| !t.is_trivia()).collect();
    match toks.as_slice() {
        [t] => match &t.token {
            Token::SingleQuotedString(s) => Ok(s.clone()),
            _ => Err(Error::invalid(format!("expected a string literal, found {literal}"))),
        },
        _ => Err(Error::invalid(format!("expected a string literal, found {literal}"))),
    }
}

/// Writes one semantic view as Snowflake semantic view YAML; what it cannot express is listed
/// in a comment at the top.
pub fn export(name: &str, def: &Definition, types: &BTreeMap<String, String>) -> Result<String> {
    let mut left_out: Vec<String> = Vec::new();
    let mut instructions = ModuleInstructions::default();
    for c in &def.clauses {
        match c.keyword.as_str() {
            "AI_SQL_GENERATION" => instructions.sql_generation = Some(unquote(&c.text)?),
            "AI_QUESTION_CATEGORIZATION" => instructions.question_categorization = Some(unquote(&c.text)?),
            other => left_out.push(format!("clause {other}")),
        }
    }
    let out_member = |m: &MemberDef, left_out: &mut Vec<String>| {
        let what = format!("{}{}", m.table.as_deref().map(|t| format!("{t}.")).unwrap_or_default(), m.name);
        if !m.non_additive_by.is_empty() {
            left_out.push(format!("{what}: NON ADDITIVE BY"));
        }
        if !m.using.is_empty() {
            left_out.push(format!("{what}: USING"));
        }
        for c in &m.clauses {
            left_out.push(format!("{what}: {}", c.keyword));
        }
        Member {
            name: m.name.clone(),
            synonyms: m.synonyms.clone(),
            description: m.comment.clone(),
            expr: m.expr.clone(),
            data_type: None,
            access_modifier: m.private.then(|| "private_access".to_string()),
            unique: None,
            is_enum: None,
            sample_values: None,
            cortex_search_service: None,
            cortex_search_service_name: None,
        }
    };
    let mut tables = Vec::new();
    for t in &def.tables {
        if t.distinct_range.is_some() {
            left_out.push(format!("table {}: DISTINCT RANGE constraint", t.alias));
        }
        let parts = parse_qualified_name(&t.table)?;
        let (database, schema, table) = match parts.as_slice() {
            [t] => (None, None, t.value.clone()),
            [s, t] => (None, Some(s.value.clone()), t.value.clone()),
            [d, s, t] => (Some(d.value.clone()), Some(s.value.clone()), t.value.clone()),
            _ => return Err(Error::invalid(format!("table {}: cannot split '{}' into database, schema and table", t.alias, t.table))),
        };
        let mine = |m: &&MemberDef| m.table.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(&t.alias));
        let is_time = |m: &MemberDef| super::is_time_dimension(types, &t.alias, &m.name);
        tables.push(Table {
            name: t.alias.clone(),
            description: t.comment.clone(),
            base_table: BaseTable { database, schema, table },
            synonyms: t.synonyms.clone(),
            primary_key: (!t.primary_key.is_empty()).then(|| Columns { columns: t.primary_key.clone() }),
            unique_keys: t.unique.iter().map(|u| Columns { columns: u.clone() }).collect(),
            dimensions: def.dimensions.iter().filter(mine).filter(|m| !is_time(m)).map(|m| out_member(m, &mut left_out)).collect(),
            time_dimensions: def.dimensions.iter().filter(mine).filter(|m| is_time(m)).map(|m| out_member(m, &mut left_out)).collect(),
            facts: def.facts.iter().filter(mine).map(|m| out_member(m, &mut left_out)).collect(),
            metrics: def.metrics.iter().filter(mine).map(|m| out_member(m, &mut left_out)).collect(),
            filters: Vec::new(),
        });
    }
    let mut relationships = Vec::new();
    for r in &def.relationships {
        let Some((label, to_columns)) = super::exported_relationship(def, r, &mut left_out) else { continue };
        relationships.push(Relationship {
            name: label,
            left_table: r.from.clone(),
            right_table: r.to.clone(),
            relationship_columns: r
                .from_columns
                .iter()
                .zip(&to_columns)
                .map(|(l, r)| ColumnPair { left_column: l.clone(), right_column: r.clone() })
                .collect(),
            relationship_type: None,
            join_type: None,
        });
    }
    let view = View {
        name: name.to_string(),
        description: def.comment.clone(),
        tables,
        relationships,
        metrics: def.metrics.iter().filter(|m| m.table.is_none()).map(|m| out_member(m, &mut left_out)).collect(),
        verified_queries: None,
        custom_instructions: None,
        module_custom_instructions: (instructions.sql_generation.is_some() || instructions.question_categorization.is_some())
            .then_some(instructions),
    };
    let mut out = String::from("# Snowflake semantic view YAML, written by the semantic_views DuckDB extension\n");
    for l in &left_out {
        out.push_str(&format!("# not exported: {l}\n"));
    }
    out.push_str(&to_yaml(&view)?);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VIEW: &str = r#"
name: tpch_analysis
description: TPC-H orders
tables:
  - name: orders
    base_table: {database: tpch, schema: main, table: orders}
    primary_key: {columns: [o_orderkey]}
    synonyms: [sales orders]
    time_dimensions:
      - name: order_date
        expr: o_orderdate
        data_type: DATE
    dimensions:
      - name: status
        expr: o_orderstatus
        sample_values: [F, O]
    facts:
      - name: price
        expr: o_totalprice
        access_modifier: private_access
    metrics:
      - name: revenue
        expr: SUM(orders.price)
        description: Total order value
  - name: customer
    base_table: {table: customer}
    primary_key: {columns: [c_custkey]}
    dimensions:
      - name: segment
        expr: c_mktsegment
relationships:
  - name: orders_customer
    left_table: orders
    right_table: customer
    relationship_columns:
      - left_column: o_custkey
        right_column: c_custkey
metrics:
  - name: revenue_k
    expr: orders.revenue / 1000
module_custom_instructions:
  sql_generation: Round to 2 decimals
"#;

    fn file(text: &str) -> SourceFile {
        SourceFile { path: "tpch.yaml".into(), text: text.into() }
    }

    #[test]
    fn imports_tables_members_relationships_and_instructions() {
        let v = import(&file(VIEW)).unwrap();
        let d = &v.definition;
        assert_eq!(v.name, "tpch_analysis");
        assert_eq!(d.tables[0].table, "tpch.main.orders");
        assert_eq!(d.tables[1].table, "customer");
        assert_eq!(d.dimensions.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), vec!["status", "order_date", "segment"]);
        assert!(d.facts[0].private);
        assert_eq!(d.metrics[1].table, None);
        assert_eq!(d.relationships[0].to_columns, vec!["c_custkey"]);
        assert_eq!(d.clauses[0], Clause { keyword: "AI_SQL_GENERATION".into(), text: "'Round to 2 decimals'".into() });
        assert!(v.skipped.iter().any(|s| s.contains("sample_values")), "{:?}", v.skipped);
    }

    #[test]
    fn export_then_import_gives_the_same_definition() {
        let first = import(&file(VIEW)).unwrap();
        let mut types = BTreeMap::new();
        types.insert("dimension orders.order_date".to_string(), "DATE".to_string());
        let text = export("tpch_analysis", &first.definition, &types).unwrap();
        assert!(text.contains("time_dimensions"), "{text}");
        let again = import(&file(&text)).unwrap();
        assert_eq!(again.definition, first.definition, "{text}");
    }

    #[test]
    fn unknown_keys_and_bad_modifiers_are_errors() {
        let e = import(&file(&VIEW.replace("synonyms: [sales orders]", "synonym: [x]"))).unwrap_err();
        assert!(e.message.contains("tpch.yaml: line") && e.message.contains("tables[0]: unknown field `synonym`"), "{}", e.message);
        let e = import(&file(&VIEW.replace("private_access", "secret"))).unwrap_err();
        assert!(e.message.contains("tables[0] (orders).facts[0] (price): access_modifier 'secret'"), "{}", e.message);
    }
}
