//! The definition store: one plain table per database, `semantic_layer._definitions`, written
//! by SQL that the DDL pragmas return (so DuckDB runs it in the caller's transaction) and read
//! by the C++ glue at bind time. Only builtin types, so a database opens without the extension.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalog::Pinned;
use crate::error::{did_you_mean, Error, Result};
use crate::model::Definition;
use crate::sql::{quote_ident, quote_literal};
use crate::view::{eq_ci, View};

pub const SCHEMA: &str = "semantic_layer";
pub const TABLE: &str = "_definitions";
const FORMAT: u32 = 1;

/// What is stored in the `definition` column: the user's definition plus what was resolved at
/// define time (the view's schema for unqualified tables, each table's columns).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stored {
    pub format: u32,
    pub home_schema: String,
    pub columns: BTreeMap<String, Vec<String>>,
    #[serde(default, skip_serializing_if = "Pinned::is_empty")]
    pub pinned: Pinned,
    /// Each member's DuckDB type as bound at define time (`api::type_key`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub types: BTreeMap<String, String>,
    pub definition: Definition,
}

impl Stored {
    pub fn new(home_schema: &str, columns: BTreeMap<String, Vec<String>>, pinned: Pinned, definition: Definition) -> Self {
        Stored { format: FORMAT, home_schema: home_schema.to_string(), columns, pinned, types: BTreeMap::new(), definition }
    }

    pub fn parse(text: &str) -> Result<Stored> {
        let stored: Stored =
            serde_json::from_str(text).map_err(|e| Error::internal(format!("stored semantic view definition is unreadable: {e}")))?;
        if stored.format != FORMAT {
            return Err(Error::invalid(format!(
                "stored semantic view uses format {} but this extension reads format {FORMAT}; upgrade the extension",
                stored.format
            )));
        }
        Ok(stored)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("definitions serialize")
    }

    /// The fully validated view, every member resolved.
    pub fn compile(&self) -> Result<View> {
        View::compile(self.definition.clone(), &self.home_schema, &self.columns, &self.pinned)
    }

    /// The view with member expressions left unresolved (it was validated at define time).
    pub fn declare(self) -> Result<View> {
        View::declare(self.definition, &self.home_schema, &self.columns, &self.pinned)
    }
}

/// A view as read from the store.
#[derive(Debug, Clone)]
pub struct StoredName<'a> {
    pub schema: &'a str,
    pub name: &'a str,
}

fn key(schema: &str, name: &str) -> String {
    format!("{}.{}", quote_ident(&schema.to_lowercase()), quote_ident(&name.to_lowercase()))
}

pub fn table_ref(catalog: &str) -> String {
    format!("{}.{}.{}", quote_ident(catalog), quote_ident(SCHEMA), quote_ident(TABLE))
}

/// Finds a view by (case-insensitive) schema and name; the error suggests close names.
pub fn find(views: &[StoredName], catalog: &str, schema: &str, name: &str) -> Result<usize> {
    if let Some(i) = views.iter().position(|v| eq_ci(v.schema, schema) && eq_ci(v.name, name)) {
        return Ok(i);
    }
    let names: Vec<&str> = views.iter().filter(|v| eq_ci(v.schema, schema)).map(|v| v.name).collect();
    let hint = did_you_mean(name, names.iter().copied()).map(|s| format!("\nDid you mean \"{s}\"?")).unwrap_or_default();
    Err(Error::catalog(format!("Semantic view with name {name} does not exist in {}.{}!{hint}", quote_ident(catalog), quote_ident(schema))))
}

/// How a database keeps its store table (the C++ glue reads it from the catalog).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// No store table yet: the first define creates it.
    Missing,
    /// Written by an earlier release: no `version` column (queries key the cache by text).
    Legacy,
    /// With `version`, the SHA-256 of `definition`, which the CHECK constraint enforces (also
    /// on UPDATEs written by hand), so a query identifies a definition by it without reading it.
    Versioned,
}

/// The CHECK constraint that makes `version` trustworthy; the glue trusts a store's versions
/// only where the table has exactly this constraint.
pub const VERSION_CHECK: &str = "version = sha256(definition)";

/// A definition's version: the SHA-256 of its text, as DuckDB's `sha256` prints it.
pub fn version(definition: &str) -> String {
    use sha2::{Digest, Sha256};
    format!("{:x}", Sha256::digest(definition.as_bytes()))
}

fn create_store(catalog: &str) -> String {
    format!(
        "CREATE SCHEMA IF NOT EXISTS {}.{};\nCREATE TABLE IF NOT EXISTS {} (key VARCHAR PRIMARY KEY, schema_name VARCHAR NOT NULL, \
         view_name VARCHAR NOT NULL, definition VARCHAR NOT NULL, comment VARCHAR, created TIMESTAMP WITH TIME ZONE, \
         version VARCHAR NOT NULL CHECK ({VERSION_CHECK}));\n",
        quote_ident(catalog),
        quote_ident(SCHEMA),
        table_ref(catalog)
    )
}

/// What storing a view takes: the statements creating the store (empty once it exists) and
/// one statement writing the row (so the DDL hook can bind it as a single statement).
pub struct Write {
    pub create_store: String,
    pub write: String,
    /// The row `write` stores (empty when it stores none): an import stores several views
    /// with one statement (`insert_rows_sql`).
    pub row: String,
}

fn columns(layout: Layout) -> &'static str {
    match layout {
        Layout::Legacy => "(key, schema_name, view_name, definition, comment, created)",
        Layout::Missing | Layout::Versioned => "(key, schema_name, view_name, definition, comment, created, version)",
    }
}

/// One statement storing (or replacing) several views' rows, so an import is all or nothing.
pub fn insert_rows_sql(catalog: &str, layout: Layout, rows: &[String]) -> String {
    format!("INSERT OR REPLACE INTO {} {} VALUES {}", table_ref(catalog), columns(layout), rows.join(",\n  "))
}

/// `, version = '...'` (or the value alone) for a definition written to a store of `layout`.
fn version_value(layout: Layout, definition: &str) -> Option<String> {
    (layout != Layout::Legacy).then(|| quote_literal(&version(definition)))
}

/// The no-op statement for DDL that has nothing to do (IF EXISTS / IF NOT EXISTS).
pub const NOTHING: &str = "SELECT NULL AS nothing_to_do WHERE false";

/// Fails when a view of that name exists and may be neither replaced nor left alone.
pub fn check_replaceable(catalog: &str, schema: &str, name: &str, replace: bool, if_not_exists: bool, exists: bool) -> Result<()> {
    if exists && !replace && !if_not_exists {
        return Err(Error::catalog(format!(
            "Semantic view with name {name} already exists in {}.{}! Use CREATE OR REPLACE (or define_or_replace_semantic_view) to replace it",
            quote_ident(catalog),
            quote_ident(schema)
        )));
    }
    Ok(())
}

/// Stores a view. `exists` tells whether a view of that name is stored already: then creating
/// one is an error unless `replace` (replaces) or `if_not_exists` (does nothing).
#[allow(clippy::too_many_arguments)]
pub fn define_sql(
    catalog: &str,
    schema: &str,
    name: &str,
    stored: &Stored,
    replace: bool,
    if_not_exists: bool,
    exists: bool,
    layout: Layout,
) -> Result<Write> {
    let create_store = if layout == Layout::Missing { create_store(catalog) } else { String::new() };
    if exists && if_not_exists {
        return Ok(Write { create_store: String::new(), write: NOTHING.to_string(), row: String::new() });
    }
    check_replaceable(catalog, schema, name, replace, if_not_exists, exists)?;
    let comment = stored.definition.comment.as_deref().map(quote_literal).unwrap_or_else(|| "NULL".to_string());
    let verb = if exists { "INSERT OR REPLACE INTO" } else { "INSERT INTO" };
    let json = stored.to_json();
    let version = version_value(layout, &json).map(|v| format!(", {v}")).unwrap_or_default();
    let row = format!(
        "({}, {}, {}, {}, {comment}, current_timestamp{version})",
        quote_literal(&key(schema, name)),
        quote_literal(schema),
        quote_literal(name),
        quote_literal(&json)
    );
    let write = format!("{verb} {} {} VALUES {row}", table_ref(catalog), columns(layout));
    Ok(Write { create_store, write, row })
}

/// Renames a stored view within its schema.
pub fn rename_sql(catalog: &str, schema: &str, name: &str, new_name: &str, views: &[StoredName], if_exists: bool) -> Result<String> {
    let i = match find(views, catalog, schema, name) {
        Ok(i) => i,
        Err(_) if if_exists => return Ok(NOTHING.to_string()),
        Err(e) => return Err(e),
    };
    if find(views, catalog, schema, new_name).is_ok() {
        return Err(Error::catalog(format!(
            "Semantic view with name {new_name} already exists in {}.{}!",
            quote_ident(catalog),
            quote_ident(schema)
        )));
    }
    crate::view::parse_single_ident(new_name, "semantic view name")?;
    Ok(format!(
        "UPDATE {} SET key = {}, view_name = {} WHERE key = {}",
        table_ref(catalog),
        quote_literal(&key(views[i].schema, new_name)),
        quote_literal(new_name),
        quote_literal(&key(views[i].schema, views[i].name))
    ))
}

/// Sets or removes a stored view's comment (in the row and in its definition).
pub fn comment_sql(catalog: &str, layout: Layout, schema: &str, name: &str, definition: &str, comment: Option<&str>) -> Result<String> {
    let mut stored = Stored::parse(definition)?;
    stored.definition.comment = comment.map(str::to_string);
    let json = stored.to_json();
    let version = version_value(layout, &json).map(|v| format!(", version = {v}")).unwrap_or_default();
    Ok(format!(
        "UPDATE {} SET comment = {}, definition = {}{version} WHERE key = {}",
        table_ref(catalog),
        comment.map(quote_literal).unwrap_or_else(|| "NULL".to_string()),
        quote_literal(&json),
        quote_literal(&key(schema, name))
    ))
}

/// SQL that removes a view; without `if_exists` a missing view is an error.
pub fn drop_sql(catalog: &str, schema: &str, name: &str, views: &[StoredName], if_exists: bool) -> Result<String> {
    match find(views, catalog, schema, name) {
        Ok(i) => Ok(format!("DELETE FROM {} WHERE key = {};", table_ref(catalog), quote_literal(&key(views[i].schema, views[i].name)))),
        // Nothing to do; PRAGMA needs a statement, so return one that changes nothing.
        Err(_) if if_exists => Ok(NOTHING.to_string()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_is_case_insensitive_and_suggests() {
        let views = [StoredName { schema: "main", name: "Sales" }];
        assert_eq!(find(&views, "db", "MAIN", "sales").unwrap(), 0);
        let e = find(&views, "db", "main", "sale").unwrap_err();
        assert!(e.message.contains("Did you mean \"Sales\""), "{}", e.message);
    }

    #[test]
    fn define_sql_escapes_and_refuses_duplicates() {
        let stored =
            Stored::new("main", BTreeMap::new(), Pinned::default(), Definition { comment: Some("it's".into()), ..Default::default() });
        let w = define_sql("my db", "main", "v", &stored, false, false, false, Layout::Missing).unwrap();
        assert!(w.create_store.contains("CREATE TABLE IF NOT EXISTS \"my db\".\"semantic_layer\".\"_definitions\""));
        assert!(w.write.contains("'it''s'"));
        assert!(define_sql("db", "main", "v", &stored, false, false, true, Layout::Versioned).is_err());
        let replace = define_sql("db", "main", "v", &stored, true, false, true, Layout::Versioned).unwrap();
        assert!(replace.write.starts_with("INSERT OR REPLACE INTO") && replace.create_store.is_empty());
        let skip = define_sql("db", "main", "v", &stored, false, true, true, Layout::Versioned).unwrap();
        assert_eq!(skip.write, NOTHING);
    }

    #[test]
    fn rows_carry_the_version_of_their_text_unless_the_store_predates_it() {
        let stored = Stored::new("main", BTreeMap::new(), Pinned::default(), Definition::default());
        let version = version(&stored.to_json());
        assert_eq!(version.len(), 64);
        assert!(version.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        let fresh = define_sql("db", "main", "v", &stored, false, false, false, Layout::Missing).unwrap();
        assert!(fresh.create_store.contains(&format!("CHECK ({VERSION_CHECK})")));
        assert!(fresh.write.contains(", version) VALUES") && fresh.row.ends_with(&format!(", '{version}')")));
        let legacy = define_sql("db", "main", "v", &stored, false, false, false, Layout::Legacy).unwrap();
        assert!(!legacy.write.contains("version") && legacy.create_store.is_empty());
        let json = stored.to_json();
        let commented = comment_sql("db", Layout::Versioned, "main", "v", &json, Some("c")).unwrap();
        let new_json = {
            let mut s = stored.clone();
            s.definition.comment = Some("c".into());
            s.to_json()
        };
        assert!(commented.contains(&format!("version = '{}'", super::version(&new_json))));
        assert!(!comment_sql("db", Layout::Legacy, "main", "v", &json, None).unwrap().contains("version"));
        // The SHA-256 of the empty string, as DuckDB's sha256('') prints it.
        assert_eq!(super::version(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
}
