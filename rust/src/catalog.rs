//! What DuckDB's catalog told us about the tables a definition reads, looked up once at define
//! time and stored with the definition, so that what a view means never drifts with the
//! search path or with later catalog changes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::sql::{parse_qualified_name, quote_ident, Ident};

/// A physical table: `catalog` None means "the database that holds the definition" (which
/// may be attached under another name later).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhysicalTable {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog: Option<String>,
    pub schema: String,
    pub name: String,
}

impl PhysicalTable {
    /// `"catalog"."schema"."name"`, with `home_catalog` for tables of the defining database.
    pub fn sql(&self, home_catalog: &str) -> String {
        format!(
            "{}.{}.{}",
            quote_ident(self.catalog.as_deref().unwrap_or(home_catalog)),
            quote_ident(&self.schema),
            quote_ident(&self.name)
        )
    }
}

/// A table to look up: `schema` None for an unqualified name (DuckDB's rule for views: the
/// view's own schema, then the search path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    /// The table alias, or for a table read by a subquery its name as written (`key_of`).
    pub key: String,
    pub catalog: Option<String>,
    pub schema: Option<String>,
    pub name: String,
    /// Tables read by subqueries may be missing (DuckDB reports that when it binds them).
    pub optional: bool,
}

/// Where a lookup found its table (`catalog` None: the defining database) and its columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub key: String,
    pub table: PhysicalTable,
    pub columns: Vec<String>,
}

/// The key of a table name written in a subquery: its parts, lower-cased, dot-separated.
pub fn key_of(parts: &[Ident]) -> String {
    parts.iter().map(|p| p.value.to_lowercase()).collect::<Vec<_>>().join(".")
}

/// Splits a table reference as written into a lookup.
pub fn lookup(key: &str, reference: &[Ident], optional: bool) -> Result<Lookup> {
    let v = |i: &Ident| i.value.clone();
    let (catalog, schema, name) = match reference {
        [t] => (None, None, v(t)),
        [s, t] => (None, Some(v(s)), v(t)),
        [c, s, t] => (Some(v(c)), Some(v(s)), v(t)),
        _ => {
            let text: Vec<String> = reference.iter().map(|p| p.value.clone()).collect();
            return Err(Error::parser(format!("invalid table reference '{}': expected [db.][schema.]table", text.join("."))));
        }
    };
    Ok(Lookup { key: key.to_string(), catalog, schema, name, optional })
}

/// A definition's table reference without a lookup (definitions stored before tables were
/// pinned): unqualified tables live in the view's own schema of the defining database.
pub fn unpinned(reference: &str, home_schema: &str) -> Result<PhysicalTable> {
    let parts = parse_qualified_name(reference)?;
    let l = lookup("", &parts, false)
        .map_err(|_| Error::parser(format!("invalid table reference '{reference}': expected [db.][schema.]table")))?;
    Ok(PhysicalTable { catalog: l.catalog, schema: l.schema.unwrap_or_else(|| home_schema.to_string()), name: l.name })
}

/// The catalog facts stored with a definition.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pinned {
    /// Where each table alias's table was found.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tables: BTreeMap<String, PhysicalTable>,
    /// Tables read by subqueries in member expressions, by `key_of` their written name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub subquery_tables: BTreeMap<String, SubqueryTable>,
}

impl Pinned {
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty() && self.subquery_tables.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubqueryTable {
    pub table: PhysicalTable,
    pub columns: Vec<String>,
}
