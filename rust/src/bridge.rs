//! The cxx boundary. Every function catches panics and returns typed errors: the error text
//! starts with a one-letter kind code (see `ErrorKind::code`) that the C++ side maps to a
//! DuckDB exception type. Nothing here makes decisions; it converts and delegates to `api`.

use std::collections::BTreeMap;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::api;
use crate::error::{Error, ErrorKind};
use crate::plan::Request;
use crate::store::StoredName;

#[cxx::bridge(namespace = "semantic_views::rs")]
mod ffi {
    /// A stored view's name (definitions travel separately, only where needed).
    struct StoredView {
        schema_name: String,
        view_name: String,
    }

    struct TableLookup {
        alias: String,
        /// Empty when the table lives in the database that holds the definition.
        catalog: String,
        schema: String,
        name: String,
    }

    struct TableColumns {
        alias: String,
        columns: Vec<String>,
    }

    struct Probe {
        subject: String,
        sql: String,
    }

    struct Defined {
        sql: String,
        probes: Vec<Probe>,
    }

    struct ExpandRequest {
        dimensions: Vec<String>,
        metrics: Vec<String>,
        facts: Vec<String>,
        has_where: bool,
        where_clause: String,
    }

    struct DescribeRow {
        kind: String,
        name: String,
        table: String,
        expression: String,
        has_comment: bool,
        comment: String,
        synonyms: Vec<String>,
        private_member: bool,
    }

    extern "Rust" {
        fn parse_view_name(name: &str) -> Result<Vec<String>>;
        fn definition_tables(name: &str, json: &str, home_schema: &str) -> Result<Vec<TableLookup>>;
        #[allow(clippy::too_many_arguments)]
        fn define(
            catalog: &str,
            schema: &str,
            name: &str,
            json: &str,
            columns: &Vec<TableColumns>,
            replace: bool,
            store_exists: bool,
            views: &Vec<StoredView>,
        ) -> Result<Defined>;
        fn drop_view(catalog: &str, schema: &str, name: &str, if_exists: bool, views: &Vec<StoredView>) -> Result<String>;
        fn find_view(catalog: &str, schema: &str, name: &str, views: &Vec<StoredView>) -> Result<usize>;
        fn expand(name: &str, definition: &str, home_catalog: &str, request: &ExpandRequest) -> Result<String>;
        fn describe(definition: &str) -> Result<Vec<DescribeRow>>;
        fn dimensions_for_metric(definition: &str, metric: &str) -> Result<Vec<String>>;
    }
}

/// The error type crossing the bridge: `<kind code><message>`.
#[derive(Debug)]
pub struct BridgeError(Error);

impl fmt::Display for BridgeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.0.kind.code(), self.0.message)
    }
}

type BridgeResult<T> = Result<T, BridgeError>;

/// Runs `f`, turning errors and panics into `BridgeError`s: a panic must never unwind into C++.
fn guard<T>(f: impl FnOnce() -> crate::error::Result<T>) -> BridgeResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result.map_err(BridgeError),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(BridgeError(Error::new(ErrorKind::Internal, format!("semantic_views internal error: {what}"))))
        }
    }
}

fn names(views: &[ffi::StoredView]) -> Vec<StoredName<'_>> {
    views.iter().map(|v| StoredName { schema: &v.schema_name, name: &v.view_name }).collect()
}

fn parse_view_name(name: &str) -> BridgeResult<Vec<String>> {
    guard(|| api::parse_view_name(name))
}

fn definition_tables(name: &str, json: &str, home_schema: &str) -> BridgeResult<Vec<ffi::TableLookup>> {
    guard(|| {
        Ok(api::definition_tables(name, json, home_schema)?
            .into_iter()
            .map(|(alias, p)| ffi::TableLookup { alias, catalog: p.catalog.unwrap_or_default(), schema: p.schema, name: p.name })
            .collect())
    })
}

#[allow(clippy::too_many_arguments)]
fn define(
    catalog: &str,
    schema: &str,
    name: &str,
    json: &str,
    columns: &Vec<ffi::TableColumns>,
    replace: bool,
    store_exists: bool,
    views: &Vec<ffi::StoredView>,
) -> BridgeResult<ffi::Defined> {
    guard(|| {
        let columns: BTreeMap<String, Vec<String>> = columns.iter().map(|c| (c.alias.clone(), c.columns.clone())).collect();
        let d = api::define(catalog, schema, name, json, columns, replace, store_exists, &names(views))?;
        Ok(ffi::Defined {
            sql: d.sql,
            probes: d.probes.into_iter().map(|p| ffi::Probe { subject: p.subject, sql: p.sql }).collect(),
        })
    })
}

fn drop_view(catalog: &str, schema: &str, name: &str, if_exists: bool, views: &Vec<ffi::StoredView>) -> BridgeResult<String> {
    guard(|| crate::store::drop_sql(catalog, schema, name, &names(views), if_exists))
}

fn find_view(catalog: &str, schema: &str, name: &str, views: &Vec<ffi::StoredView>) -> BridgeResult<usize> {
    guard(|| crate::store::find(&names(views), catalog, schema, name))
}

fn expand(name: &str, definition: &str, home_catalog: &str, request: &ffi::ExpandRequest) -> BridgeResult<String> {
    guard(|| {
        let request = Request {
            dimensions: request.dimensions.clone(),
            metrics: request.metrics.clone(),
            facts: request.facts.clone(),
            where_clause: request.has_where.then(|| request.where_clause.clone()),
        };
        api::expand(name, definition, home_catalog, request)
    })
}

fn describe(definition: &str) -> BridgeResult<Vec<ffi::DescribeRow>> {
    guard(|| {
        Ok(api::describe(definition)?
            .into_iter()
            .map(|r| ffi::DescribeRow {
                kind: r.kind,
                name: r.name,
                table: r.table.unwrap_or_default(),
                expression: r.expression,
                has_comment: r.comment.is_some(),
                comment: r.comment.unwrap_or_default(),
                synonyms: r.synonyms,
                private_member: r.private,
            })
            .collect())
    })
}

fn dimensions_for_metric(definition: &str, metric: &str) -> BridgeResult<Vec<String>> {
    guard(|| api::dimensions_for_metric(definition, metric))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_internal_errors() {
        let r: BridgeResult<()> = guard(|| panic!("boom"));
        let text = r.unwrap_err().to_string();
        assert!(text.starts_with('X') && text.contains("boom"), "{text}");
    }

    #[test]
    fn errors_carry_their_kind_code() {
        let text = parse_view_name("a..b").unwrap_err().to_string();
        assert!(text.starts_with('P'), "{text}");
    }
}
