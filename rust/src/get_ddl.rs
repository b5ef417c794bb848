//! GET_DDL: prints a definition back as `CREATE OR REPLACE SEMANTIC VIEW` text that the DDL
//! parser (`ddl`) reads back to the same definition.

use crate::ddl::ident_sql;
use crate::model::{Clause, Definition, NonAdditiveDim};
use crate::sql::quote_literal;

/// `CREATE OR REPLACE SEMANTIC VIEW` text that recreates `def` exactly.
pub fn render(name: &str, def: &Definition) -> String {
    let mut out = format!("CREATE OR REPLACE SEMANTIC VIEW {name}");
    let extras = |synonyms: &[String], comment: &Option<String>| {
        let mut s = String::new();
        if !synonyms.is_empty() {
            let list: Vec<String> = synonyms.iter().map(|x| quote_literal(x)).collect();
            s.push_str(&format!(" WITH SYNONYMS = ({})", list.join(", ")));
        }
        if let Some(c) = comment {
            s.push_str(&format!(" COMMENT = {}", quote_literal(c)));
        }
        s
    };
    let cols = |c: &[String]| c.iter().map(|x| ident_sql(x)).collect::<Vec<_>>().join(", ");
    let tables: Vec<String> = def
        .tables
        .iter()
        .map(|t| {
            let mut s = format!("{} AS {}", ident_sql(&t.alias), t.table);
            if !t.primary_key.is_empty() {
                s.push_str(&format!(" PRIMARY KEY ({})", cols(&t.primary_key)));
            }
            for u in &t.unique {
                s.push_str(&format!(" UNIQUE ({})", cols(u)));
            }
            if let Some(r) = &t.distinct_range {
                s.push_str(" CONSTRAINT");
                if let Some(n) = &r.name {
                    s.push_str(&format!(" {}", ident_sql(n)));
                }
                s.push_str(&format!(" DISTINCT RANGE BETWEEN {} AND {} EXCLUSIVE", ident_sql(&r.start), ident_sql(&r.end)));
            }
            s + &extras(&t.synonyms, &t.comment)
        })
        .collect();
    out.push_str(&format!("\n  TABLES (\n    {}\n  )", tables.join(",\n    ")));
    if !def.relationships.is_empty() {
        let rels: Vec<String> = def
            .relationships
            .iter()
            .map(|r| {
                let mut s = String::new();
                if let Some(n) = &r.name {
                    s.push_str(&format!("{} AS ", ident_sql(n)));
                }
                s.push_str(&format!("{} ({}) REFERENCES {}", ident_sql(&r.from), cols(&r.from_columns), ident_sql(&r.to)));
                if let Some(b) = &r.between {
                    s.push_str(&format!(" (BETWEEN {} AND {} EXCLUSIVE)", ident_sql(&b.start), ident_sql(&b.end)));
                } else if !r.to_columns.is_empty() {
                    let list: Vec<String> = r
                        .to_columns
                        .iter()
                        .map(|c| match &r.asof {
                            Some(a) if a == c => format!("ASOF {}", ident_sql(c)),
                            _ => ident_sql(c),
                        })
                        .collect();
                    s.push_str(&format!(" ({})", list.join(", ")));
                }
                s
            })
            .collect();
        out.push_str(&format!("\n  RELATIONSHIPS (\n    {}\n  )", rels.join(",\n    ")));
    }
    for (clause, members) in [("FACTS", &def.facts), ("DIMENSIONS", &def.dimensions), ("METRICS", &def.metrics)] {
        if members.is_empty() {
            continue;
        }
        let items: Vec<String> = members
            .iter()
            .map(|m| {
                let mut s = if m.private { "PRIVATE ".to_string() } else { String::new() };
                if let Some(t) = &m.table {
                    s.push_str(&format!("{}.", ident_sql(t)));
                }
                s.push_str(&ident_sql(&m.name));
                if !m.using.is_empty() {
                    s.push_str(&format!(" USING ({})", cols(&m.using)));
                }
                if !m.non_additive_by.is_empty() {
                    s.push_str(&format!(" NON ADDITIVE BY ({})", non_additive_sql(&m.non_additive_by)));
                }
                s.push_str(&format!(" AS {}", m.expr));
                for c in &m.clauses {
                    s.push_str(&format!(" {}", clause_sql(c)));
                }
                s + &extras(&m.synonyms, &m.comment)
            })
            .collect();
        out.push_str(&format!("\n  {clause} (\n    {}\n  )", items.join(",\n    ")));
    }
    if let Some(c) = &def.comment {
        out.push_str(&format!("\n  COMMENT = {}", quote_literal(c)));
    }
    for c in &def.clauses {
        out.push_str(&format!("\n  {}", clause_sql(c)));
    }
    out
}

/// The items of `NON ADDITIVE BY`, with the order each declares.
pub fn non_additive_sql(items: &[NonAdditiveDim]) -> String {
    let item = |d: &NonAdditiveDim| {
        let mut s = d.dimension.clone();
        if d.descending {
            s.push_str(" DESC");
        }
        match d.nulls_first {
            Some(true) => s.push_str(" NULLS FIRST"),
            Some(false) => s.push_str(" NULLS LAST"),
            None => {}
        }
        s
    };
    items.iter().map(item).collect::<Vec<_>>().join(", ")
}

/// A kept Snowflake clause as written (`TAG` and `EXTENSION` keep their `WITH`).
pub fn clause_sql(c: &Clause) -> String {
    let keyword = match c.keyword.as_str() {
        "TAG" => "WITH TAG",
        "EXTENSION" => "WITH EXTENSION",
        k => k,
    };
    if c.text.is_empty() {
        keyword.to_string()
    } else {
        format!("{keyword} {}", c.text)
    }
}
