//! `DESCRIBE SEMANTIC VIEW` in Snowflake's shape: one row per property of the view itself, of
//! each logical table, relationship, fact, dimension and metric, with Snowflake's property names
//! (`BASE_TABLE_NAME`, `PRIMARY_KEY`, `EXPRESSION`, `DATA_TYPE`, ...), so that tools written for
//! Snowflake's output read ours.

use crate::api::type_key;
use crate::error::Result;
use crate::model::{Clause, MemberKind};
use crate::store::Stored;

/// One row: `object_kind`, `object_name` and `parent_entity` are NULL for the view's own rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyRow {
    pub object_kind: Option<String>,
    pub object_name: Option<String>,
    pub parent_entity: Option<String>,
    pub property: String,
    pub value: String,
}

/// A JSON array of names, as Snowflake prints keys and synonyms.
fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).expect("strings serialize")
}

struct Rows {
    rows: Vec<PropertyRow>,
    kind: Option<String>,
    name: Option<String>,
    parent: Option<String>,
}

impl Rows {
    fn object(&mut self, kind: &str, name: &str, parent: Option<&str>) {
        self.kind = Some(kind.to_string());
        self.name = Some(name.to_string());
        self.parent = parent.map(str::to_string);
    }

    fn push(&mut self, property: &str, value: impl Into<String>) {
        self.rows.push(PropertyRow {
            object_kind: self.kind.clone(),
            object_name: self.name.clone(),
            parent_entity: self.parent.clone(),
            property: property.to_string(),
            value: value.into(),
        });
    }

    fn extras(&mut self, synonyms: &[String], comment: &Option<String>) {
        if !synonyms.is_empty() {
            self.push("SYNONYMS", json_list(synonyms));
        }
        if let Some(c) = comment {
            self.push("COMMENT", c.clone());
        }
    }

    /// A kept Snowflake clause: its keyword is the property, what follows it as written the
    /// value (`TRUE` for a bare keyword such as COPY GRANTS).
    fn clause(&mut self, c: &Clause) {
        let value = if c.text.is_empty() { "TRUE".to_string() } else { c.text.clone() };
        self.push(&c.keyword.replace(' ', "_"), value);
    }
}

/// The rows of `DESCRIBE SEMANTIC VIEW`; `home_catalog` names the database holding the view.
pub fn properties(definition: &str, home_catalog: &str) -> Result<Vec<PropertyRow>> {
    let stored = Stored::parse(definition)?;
    let view = stored.compile()?;
    let def = &view.definition;
    let mut out = Rows { rows: Vec::new(), kind: None, name: None, parent: None };
    if let Some(c) = &def.comment {
        out.push("COMMENT", c.clone());
    }
    for (t, td) in view.tables.iter().zip(&def.tables) {
        out.object("TABLE", &t.alias, None);
        let p = &t.physical;
        out.push("BASE_TABLE_DATABASE_NAME", p.catalog.as_deref().unwrap_or(home_catalog));
        out.push("BASE_TABLE_SCHEMA_NAME", p.schema.clone());
        out.push("BASE_TABLE_NAME", p.name.clone());
        if !td.primary_key.is_empty() {
            out.push("PRIMARY_KEY", json_list(&td.primary_key));
        }
        for u in &td.unique {
            out.push("UNIQUE_KEY", json_list(u));
        }
        out.extras(&td.synonyms, &td.comment);
    }
    for (t, td) in view.tables.iter().zip(&def.tables) {
        let (Some((start, end)), Some(range)) = (&t.distinct_range, &td.distinct_range) else { continue };
        let name = range.name.clone().unwrap_or_else(|| format!("{}_distinct_range", t.alias));
        out.object("CONSTRAINT", &name, Some(&t.alias));
        out.push("TYPE", "DISTINCT RANGE");
        out.push("START_COLUMN", start.clone());
        out.push("END_COLUMN", end.clone());
    }
    for r in &view.relationships {
        let from = &view.tables[r.from].alias;
        out.object("RELATIONSHIP", &r.name, Some(from));
        out.push("TABLE", from.clone());
        out.push("REF_TABLE", view.tables[r.to].alias.clone());
        out.push("FOREIGN_KEY", json_list(&r.from_columns));
        // As Snowflake's SEMANTIC_RELATIONSHIPS.ref_keys: range and ASOF keys as JSON objects.
        let ref_keys: Vec<serde_json::Value> = match &r.range {
            Some((start, end)) => vec![serde_json::json!({"start_column": start, "end_column": end, "type": "RANGE"})],
            None => r
                .to_columns
                .iter()
                .enumerate()
                .map(|(i, c)| if r.asof == Some(i) { serde_json::json!({"column": c, "type": "ASOF"}) } else { serde_json::json!(c) })
                .collect(),
        };
        out.push("REF_KEY", serde_json::Value::Array(ref_keys).to_string());
    }
    for (id, m) in view.all_members() {
        let table = m.table.map(|t| view.tables[t].alias.as_str());
        let kind = match (id.kind, table) {
            (MemberKind::Metric, None) => "DERIVED_METRIC",
            (MemberKind::Metric, Some(_)) => "METRIC",
            (MemberKind::Dimension, _) => "DIMENSION",
            (MemberKind::Fact, _) => "FACT",
        };
        out.object(kind, &m.name, table);
        if let Some(t) = table {
            out.push("TABLE", t);
        }
        out.push("EXPRESSION", m.def.expr.clone());
        if let Some(ty) = stored.types.get(&type_key(&view, id)) {
            out.push("DATA_TYPE", ty.clone());
        }
        if !m.def.using.is_empty() {
            out.push("USING", json_list(&m.def.using));
        }
        if !m.def.non_additive_by.is_empty() {
            out.push("NON_ADDITIVE_BY", crate::get_ddl::non_additive_sql(&m.def.non_additive_by));
        }
        out.extras(&m.def.synonyms, &m.def.comment);
        if id.kind != MemberKind::Dimension {
            out.push("ACCESS_MODIFIER", if m.private { "PRIVATE" } else { "PUBLIC" });
        }
        for c in &m.def.clauses {
            out.clause(c);
        }
    }
    out.kind = None;
    out.name = None;
    out.parent = None;
    for c in &def.clauses {
        out.clause(c);
    }
    Ok(out.rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Pinned;
    use std::collections::BTreeMap;

    #[test]
    fn tables_relationships_and_members_have_snowflakes_properties() {
        let json = r#"{"comment": "sales model", "tables": [
            {"alias": "o", "table": "orders", "primary_key": ["id"], "synonyms": ["sales orders"]},
            {"alias": "c", "table": "crm.customers", "primary_key": ["id"]}],
          "relationships": [{"name": "oc", "from": "o", "from_columns": ["cid"], "to": "c"}],
          "dimensions": [{"table": "c", "name": "region", "expr": "region"}],
          "metrics": [{"table": "o", "name": "revenue", "expr": "sum(amount)"},
                      {"name": "double", "expr": "revenue * 2", "private": true}],
          "clauses": [{"keyword": "AI_SQL_GENERATION", "text": "'be brief'"}]}"#;
        let columns = BTreeMap::from([
            ("o".to_string(), vec!["id".to_string(), "cid".to_string(), "amount".to_string()]),
            ("c".to_string(), vec!["id".to_string(), "region".to_string()]),
        ]);
        let mut stored = Stored::new("main", columns, Pinned::default(), crate::parse::definition_json(json).unwrap());
        stored.types.insert("metric o.revenue".into(), "HUGEINT".into());
        let rows = properties(&stored.to_json(), "db").unwrap();
        let find = |kind: Option<&str>, name: Option<&str>, property: &str| {
            rows.iter()
                .find(|r| r.object_kind.as_deref() == kind && r.object_name.as_deref() == name && r.property == property)
                .map(|r| r.value.clone())
        };
        assert_eq!(rows[0].property, "COMMENT");
        assert_eq!(find(Some("TABLE"), Some("o"), "BASE_TABLE_DATABASE_NAME").as_deref(), Some("db"));
        assert_eq!(find(Some("TABLE"), Some("c"), "BASE_TABLE_SCHEMA_NAME").as_deref(), Some("crm"));
        assert_eq!(find(Some("TABLE"), Some("o"), "PRIMARY_KEY").as_deref(), Some(r#"["id"]"#));
        assert_eq!(find(Some("TABLE"), Some("o"), "SYNONYMS").as_deref(), Some(r#"["sales orders"]"#));
        assert_eq!(find(Some("RELATIONSHIP"), Some("oc"), "REF_KEY").as_deref(), Some(r#"["id"]"#));
        assert_eq!(find(Some("METRIC"), Some("revenue"), "DATA_TYPE").as_deref(), Some("HUGEINT"));
        assert_eq!(find(Some("DIMENSION"), Some("region"), "ACCESS_MODIFIER"), None);
        assert_eq!(find(Some("DERIVED_METRIC"), Some("double"), "ACCESS_MODIFIER").as_deref(), Some("PRIVATE"));
        assert_eq!(find(None, None, "AI_SQL_GENERATION").as_deref(), Some("'be brief'"));
    }
}
