//! The cxx boundary. Every function catches panics and returns typed errors: the error text
//! starts with a one-letter kind code (see `ErrorKind::code`) that the C++ side maps to a
//! DuckDB exception type. Nothing here makes decisions; it converts and delegates to `api`.

// cxx hands C++'s `rust::Vec` arguments to these functions as `&Vec<T>`, not as slices.
#![allow(clippy::ptr_arg)]

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::api;
use crate::cache::{DefinitionRef, ExpansionKey, ViewCache, ViewUse};
use crate::catalog::{Found, PhysicalTable};
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

    /// A table a definition reads. Empty `catalog`: the defining database; empty `schema`:
    /// unqualified (the view's schema, then the search path).
    struct TableLookup {
        key: String,
        catalog: String,
        schema: String,
        name: String,
        /// Read by a subquery in a member expression (may be missing).
        subquery: bool,
    }

    /// Where a lookup found its table.
    struct TableColumns {
        key: String,
        subquery: bool,
        found: bool,
        catalog: String,
        schema: String,
        name: String,
        columns: Vec<String>,
    }

    /// SQL DuckDB must bind for a definition to be valid; `member` is empty for relationships.
    struct Probe {
        subject: String,
        sql: String,
        member: String,
        listed: bool,
        column: String,
    }

    /// Probes over one join tree in one SELECT (see `api::ProbeBatch`).
    struct ProbeBatch {
        sql: String,
        probes: Vec<usize>,
        names: Vec<String>,
    }

    struct Defined {
        create_store: String,
        write: String,
        row: String,
        /// The store layout `row` is written for (what an import of several rows needs).
        store_layout: StoreLayout,
    }

    /// SQL a query expands to; `needs_definition` (and no SQL) when the cache does not hold a
    /// version it was given without its definition: the caller reads it and asks again.
    struct Expansion {
        sql: String,
        needs_definition: bool,
    }

    /// A semantic model file read through DuckDB's file system.
    struct ModelFile {
        path: String,
        text: String,
    }

    /// A view read from semantic model files: its definition JSON and what was not imported.
    struct ImportedModel {
        name: String,
        format: String,
        files: Vec<String>,
        definition: String,
        skipped: Vec<String>,
    }

    /// A dimension a metric can be grouped by; `required` for a window metric's dimensions.
    struct MetricDimension {
        name: String,
        required: bool,
    }

    /// A statement offered by DuckDB's parser fallback. `kind` is empty when it is not ours.
    #[derive(Clone)]
    struct ParsedStatement {
        kind: String,
        has_error: bool,
        error: String,
        error_position: usize,
        name: String,
        json: String,
        replace: bool,
        if_not_exists: bool,
        if_exists: bool,
        new_name: String,
        has_comment: bool,
        comment: String,
        sql: String,
    }

    struct ExpandRequest {
        dimensions: Vec<String>,
        metrics: Vec<String>,
        facts: Vec<String>,
        has_where: bool,
        where_clause: String,
        verify_keys: bool,
    }

    /// How a database keeps its store table (see `store::Layout`).
    #[derive(Debug)]
    enum StoreLayout {
        Missing,
        Legacy,
        Versioned,
    }

    /// A name a plain SQL query may read a semantic view by; `as_relation`: named as a relation
    /// (`FROM x`), where a table of that name would be read instead.
    struct PlainCandidate {
        name: String,
        as_relation: bool,
    }

    /// A semantic view named in a plain SQL query, as the glue found it: its version (empty
    /// where the store has none) and its definition (empty until the cache asks for it).
    struct PlainView {
        name: String,
        version: String,
        definition: String,
        home_catalog: String,
        verify_keys: bool,
    }

    /// One check of `verify_semantic_view`: what it is about and the query finding violations.
    struct VerifyCheck {
        kind: String,
        object: String,
        query: String,
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
        /// Empty when unknown (defined before types were recorded).
        data_type: String,
    }

    /// `PREPARE name AS ...` (`prepare`) or `EXECUTE name` (`execute`); `kind` empty otherwise.
    struct PreparedName {
        kind: String,
        name: String,
    }

    /// A row of DESCRIBE SEMANTIC VIEW; empty kind, name or parent is NULL.
    struct PropertyRow {
        object_kind: String,
        object_name: String,
        parent_entity: String,
        property: String,
        value: String,
    }

    extern "Rust" {
        /// Compiled views of one database instance, by definition text (see `cache`).
        type ViewCache;
        fn new_view_cache(max_bytes: usize) -> Box<ViewCache>;
        /// A checked definition waiting for its probes' types (`finish`).
        type PendingDefine;
        fn probe_count(self: &PendingDefine) -> usize;
        fn probe(self: &PendingDefine, index: usize) -> Probe;
        fn batches(self: &PendingDefine) -> Vec<ProbeBatch>;
        fn finish(self: &PendingDefine, types: &Vec<String>) -> Result<Defined>;
        fn parse_view_name(name: &str) -> Result<Vec<String>>;
        fn definition_tables(name: &str, json: &str) -> Result<Vec<TableLookup>>;
        #[allow(clippy::too_many_arguments)]
        fn define(
            catalog: &str,
            schema: &str,
            name: &str,
            json: &str,
            columns: &Vec<TableColumns>,
            replace: bool,
            if_not_exists: bool,
            store_layout: StoreLayout,
            views: &Vec<StoredView>,
        ) -> Result<Box<PendingDefine>>;
        fn parse_statement(text: &str) -> ParsedStatement;
        fn rename_view(catalog: &str, schema: &str, name: &str, new_name: &str, if_exists: bool, views: &Vec<StoredView>)
            -> Result<String>;
        fn comment_view(
            catalog: &str,
            store_layout: StoreLayout,
            schema: &str,
            name: &str,
            definition: &str,
            has_comment: bool,
            comment: &str,
        ) -> Result<String>;
        fn get_ddl(catalog: &str, schema: &str, name: &str, definition: &str, qualified: bool) -> Result<String>;
        fn drop_view(catalog: &str, schema: &str, name: &str, if_exists: bool, views: &Vec<StoredView>) -> Result<String>;
        fn find_view(catalog: &str, schema: &str, name: &str, views: &Vec<StoredView>) -> Result<usize>;
        fn view_matches(schema: &str, name: &str, view: &StoredView) -> bool;
        fn expand(
            cache: &ViewCache,
            name: &str,
            version: &str,
            definition: &str,
            home_catalog: &str,
            request: &ExpandRequest,
        ) -> Result<Expansion>;
        fn describe(definition: &str) -> Result<Vec<DescribeRow>>;
        fn properties(definition: &str, home_catalog: &str) -> Result<Vec<PropertyRow>>;
        fn dimensions_for_metric(definition: &str, metric: &str) -> Result<Vec<MetricDimension>>;
        /// A statement DuckDB could not bind (see `plain_sql`): the names it may read as
        /// semantic views, and its rewrite over them; both kept by the cache per text.
        fn plain_sql_candidates(cache: &ViewCache, sql: &str) -> Vec<PlainCandidate>;
        fn read_models(files: &Vec<ModelFile>, format: &str, view_name: &str, ref_schema: &str) -> Result<Vec<ImportedModel>>;
        fn definition_from_yaml(name: &str, text: &str) -> Result<ImportedModel>;
        fn model_to_yaml(name: &str, definition: &str, format: &str) -> Result<String>;
        fn verify_checks(definition: &str, home_catalog: &str) -> Result<Vec<VerifyCheck>>;
        fn verify_report(definition: &str, home_catalog: &str, not_checked: &Vec<String>) -> Result<String>;
        fn import_sql(
            catalog: &str,
            store_layout: StoreLayout,
            create_store: &str,
            rows: &Vec<String>,
            models: &Vec<ImportedModel>,
        ) -> String;
        fn prepared_statement_name(sql: &str) -> PreparedName;
        fn rewrite_plain_sql(cache: &ViewCache, sql: &str, views: &Vec<PlainView>) -> Result<Expansion>;
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

fn definition_tables(name: &str, json: &str) -> BridgeResult<Vec<ffi::TableLookup>> {
    guard(|| {
        Ok(api::definition_tables(name, json)?
            .into_iter()
            .map(|l| ffi::TableLookup {
                key: l.key,
                catalog: l.catalog.unwrap_or_default(),
                schema: l.schema.unwrap_or_default(),
                name: l.name,
                subquery: l.optional,
            })
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
    if_not_exists: bool,
    store_layout: ffi::StoreLayout,
    views: &Vec<ffi::StoredView>,
) -> BridgeResult<Box<PendingDefine>> {
    guard(|| {
        let found = columns
            .iter()
            .filter(|c| c.found)
            .map(|c| {
                let table = PhysicalTable { catalog: Some(c.catalog.clone()), schema: c.schema.clone(), name: c.name.clone() };
                (c.subquery, Found { key: c.key.clone(), table, columns: c.columns.clone() })
            })
            .collect();
        let pending = api::define(catalog, schema, name, json, found, replace, if_not_exists, layout(store_layout), &names(views))?;
        Ok(Box::new(PendingDefine(pending)))
    })
}

pub struct PendingDefine(api::PendingDefine);

impl PendingDefine {
    fn probe_count(&self) -> usize {
        self.0.probes.list.len()
    }

    /// Probe `index` (one past the last gives an empty probe, which binds nothing).
    fn probe(&self, index: usize) -> ffi::Probe {
        let Some(p) = self.0.probes.list.get(index) else {
            return ffi::Probe { subject: String::new(), sql: String::new(), member: String::new(), listed: false, column: String::new() };
        };
        ffi::Probe {
            subject: p.subject.clone(),
            sql: self.0.probes.sql(index),
            member: p.member.clone(),
            listed: p.listed,
            column: p.column.clone(),
        }
    }

    fn batches(&self) -> Vec<ffi::ProbeBatch> {
        self.0
            .probes
            .batches
            .iter()
            .map(|b| ffi::ProbeBatch { sql: b.sql.clone(), probes: b.probes.clone(), names: b.names.clone() })
            .collect()
    }

    fn finish(&self, types: &Vec<String>) -> BridgeResult<ffi::Defined> {
        guard(|| {
            let d = self.0.finish(types)?;
            let store_layout = match d.layout {
                crate::store::Layout::Missing => ffi::StoreLayout::Missing,
                crate::store::Layout::Legacy => ffi::StoreLayout::Legacy,
                crate::store::Layout::Versioned => ffi::StoreLayout::Versioned,
            };
            Ok(ffi::Defined { create_store: d.create_store, write: d.write, row: d.row, store_layout })
        })
    }
}

fn parse_statement(text: &str) -> ffi::ParsedStatement {
    use crate::ddl::{Command, Parsed};
    let mut out = ffi::ParsedStatement {
        kind: String::new(),
        has_error: false,
        error: String::new(),
        error_position: 0,
        name: String::new(),
        json: String::new(),
        replace: false,
        if_not_exists: false,
        if_exists: false,
        new_name: String::new(),
        has_comment: false,
        comment: String::new(),
        sql: String::new(),
    };
    let parsed = catch_unwind(AssertUnwindSafe(|| crate::ddl::parse_statement(text)));
    match parsed {
        Ok(Ok(Parsed::NotOurs)) => {}
        Ok(Err(e)) => {
            out.kind = "error".into();
            out.has_error = true;
            out.error = e.message;
            out.error_position = e.position;
        }
        Err(_) => {
            out.kind = "error".into();
            out.has_error = true;
            out.error = "semantic_views internal error while parsing the statement".into();
        }
        Ok(Ok(Parsed::Ours(command))) => match command {
            Command::Define { name, definition, replace, if_not_exists } => {
                out.kind = "define".into();
                out.name = name;
                out.json = api::definition_to_json(&definition);
                out.replace = replace;
                out.if_not_exists = if_not_exists;
            }
            Command::Drop { name, if_exists } => {
                out.kind = "drop".into();
                out.name = name;
                out.if_exists = if_exists;
            }
            Command::Rename { name, if_exists, new_name } => {
                out.kind = "rename".into();
                out.name = name;
                out.if_exists = if_exists;
                out.new_name = new_name;
            }
            Command::SetComment { name, if_exists, comment } => {
                out.kind = "comment".into();
                out.name = name;
                out.if_exists = if_exists;
                out.has_comment = comment.is_some();
                out.comment = comment.unwrap_or_default();
            }
            Command::Query { sql } => {
                out.kind = "query".into();
                out.sql = sql;
            }
        },
    }
    out
}

fn rename_view(
    catalog: &str,
    schema: &str,
    name: &str,
    new_name: &str,
    if_exists: bool,
    views: &Vec<ffi::StoredView>,
) -> BridgeResult<String> {
    guard(|| crate::store::rename_sql(catalog, schema, name, new_name, &names(views), if_exists))
}

fn comment_view(
    catalog: &str,
    store_layout: ffi::StoreLayout,
    schema: &str,
    name: &str,
    definition: &str,
    has_comment: bool,
    comment: &str,
) -> BridgeResult<String> {
    guard(|| crate::store::comment_sql(catalog, layout(store_layout), schema, name, definition, has_comment.then_some(comment)))
}

/// The glue only passes the three layouts; anything else writes the columns every store has.
fn layout(layout: ffi::StoreLayout) -> crate::store::Layout {
    match layout {
        ffi::StoreLayout::Missing => crate::store::Layout::Missing,
        ffi::StoreLayout::Versioned => crate::store::Layout::Versioned,
        _ => crate::store::Layout::Legacy,
    }
}

fn expansion(sql: Option<String>) -> ffi::Expansion {
    match sql {
        Some(sql) => ffi::Expansion { sql, needs_definition: false },
        None => ffi::Expansion { sql: String::new(), needs_definition: true },
    }
}

fn get_ddl(catalog: &str, schema: &str, name: &str, definition: &str, qualified: bool) -> BridgeResult<String> {
    guard(|| api::get_ddl(catalog, schema, name, definition, qualified))
}

fn drop_view(catalog: &str, schema: &str, name: &str, if_exists: bool, views: &Vec<ffi::StoredView>) -> BridgeResult<String> {
    guard(|| crate::store::drop_sql(catalog, schema, name, &names(views), if_exists))
}

fn find_view(catalog: &str, schema: &str, name: &str, views: &Vec<ffi::StoredView>) -> BridgeResult<usize> {
    guard(|| crate::store::find(&names(views), catalog, schema, name))
}

/// Whether a stored view has this schema and name (case-insensitive, as `find_view`).
fn view_matches(schema: &str, name: &str, view: &ffi::StoredView) -> bool {
    crate::view::eq_ci(&view.schema_name, schema) && crate::view::eq_ci(&view.view_name, name)
}

fn new_view_cache(max_bytes: usize) -> Box<ViewCache> {
    Box::new(ViewCache::new(max_bytes))
}

fn expand(
    cache: &ViewCache,
    name: &str,
    version: &str,
    definition: &str,
    home_catalog: &str,
    request: &ffi::ExpandRequest,
) -> BridgeResult<ffi::Expansion> {
    guard(|| {
        let request = Request {
            dimensions: request.dimensions.clone(),
            metrics: request.metrics.clone(),
            facts: request.facts.clone(),
            where_clause: request.has_where.then(|| request.where_clause.clone()),
            verify_keys: request.verify_keys,
        };
        let key = ExpansionKey { name: name.to_string(), home_catalog: home_catalog.to_string(), request };
        let definition = DefinitionRef { version, text: definition };
        let sql = cache.expansion(definition, key, |compiled, key| {
            api::expand_compiled(&key.name, compiled, &key.home_catalog, key.request.clone())
        })?;
        Ok(expansion(sql))
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
                data_type: r.data_type.unwrap_or_default(),
            })
            .collect())
    })
}

fn properties(definition: &str, home_catalog: &str) -> BridgeResult<Vec<ffi::PropertyRow>> {
    guard(|| {
        Ok(crate::properties::properties(definition, home_catalog)?
            .into_iter()
            .map(|r| ffi::PropertyRow {
                object_kind: r.object_kind.unwrap_or_default(),
                object_name: r.object_name.unwrap_or_default(),
                parent_entity: r.parent_entity.unwrap_or_default(),
                property: r.property,
                value: r.value,
            })
            .collect())
    })
}

/// Never panics across the bridge: text that cannot be read (or a reader that panicked) has
/// no candidates, so DuckDB's own error stands.
fn plain_sql_candidates(cache: &ViewCache, sql: &str) -> Vec<ffi::PlainCandidate> {
    catch_unwind(AssertUnwindSafe(|| cache.candidates(sql, || crate::plain_sql::PlainQuery::new(sql).candidates())))
        .unwrap_or_default()
        .into_iter()
        .map(|c| ffi::PlainCandidate { name: c.name, as_relation: c.as_relation })
        .collect()
}

fn prepared_statement_name(sql: &str) -> ffi::PreparedName {
    match crate::plain_sql::prepared_statement(sql) {
        Some((prepare, name)) => ffi::PreparedName { kind: if prepare { "prepare" } else { "execute" }.into(), name },
        None => ffi::PreparedName { kind: String::new(), name: String::new() },
    }
}

fn rewrite_plain_sql(cache: &ViewCache, sql: &str, views: &Vec<ffi::PlainView>) -> BridgeResult<ffi::Expansion> {
    guard(|| {
        let uses: Vec<ViewUse> = views
            .iter()
            .map(|v| ViewUse {
                name: &v.name,
                definition: DefinitionRef { version: &v.version, text: &v.definition },
                home_catalog: &v.home_catalog,
                verify_keys: v.verify_keys,
            })
            .collect();
        let sql = cache.rewrite(sql, &uses, |compiled| {
            let views: Vec<crate::plain_sql::PlainView> = views
                .iter()
                .zip(compiled)
                .map(|(v, compiled)| crate::plain_sql::PlainView {
                    name: v.name.clone(),
                    compiled: compiled.clone(),
                    home_catalog: v.home_catalog.clone(),
                    verify_keys: v.verify_keys,
                })
                .collect();
            crate::plain_sql::PlainQuery::new(sql).rewrite(&views)
        })?;
        Ok(expansion(sql))
    })
}

fn dimensions_for_metric(definition: &str, metric: &str) -> BridgeResult<Vec<ffi::MetricDimension>> {
    guard(|| {
        let rows = api::dimensions_for_metric(definition, metric)?;
        Ok(rows.into_iter().map(|(name, required)| ffi::MetricDimension { name, required }).collect())
    })
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

fn imported_model(v: crate::interchange::Imported) -> ffi::ImportedModel {
    ffi::ImportedModel {
        definition: serde_json::to_string(&v.definition).expect("definitions serialize"),
        name: v.name,
        format: v.format.name().to_string(),
        files: v.files,
        skipped: v.skipped,
    }
}

fn read_models(files: &Vec<ffi::ModelFile>, format: &str, view_name: &str, ref_schema: &str) -> BridgeResult<Vec<ffi::ImportedModel>> {
    guard(|| {
        use crate::interchange::{import, Format, Options, SourceFile};
        let files: Vec<SourceFile> = files.iter().map(|f| SourceFile { path: f.path.clone(), text: f.text.clone() }).collect();
        let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let options = Options { format: Format::parse(format)?, dbt_view_name: some(view_name), ref_schema: some(ref_schema) };
        Ok(import(&files, &options)?.into_iter().map(imported_model).collect())
    })
}

fn definition_from_yaml(name: &str, text: &str) -> BridgeResult<ffi::ImportedModel> {
    guard(|| crate::interchange::import_text(text, name).map(imported_model))
}

fn model_to_yaml(name: &str, definition: &str, format: &str) -> BridgeResult<String> {
    guard(|| {
        use crate::interchange::Format;
        let format =
            Format::parse(format)?.ok_or_else(|| Error::invalid("semantic_view_to_yaml: name the format: 'osi' or 'snowflake'"))?;
        let stored = crate::store::Stored::parse(definition)?;
        crate::interchange::export(name, &stored.definition, &stored.types, format)
    })
}

/// The statements an import runs: the store's creation if needed, one INSERT of every view
/// (all or nothing), and a SELECT listing what was imported and what was not.
fn import_sql(
    catalog: &str,
    store_layout: ffi::StoreLayout,
    create_store: &str,
    rows: &Vec<String>,
    models: &Vec<ffi::ImportedModel>,
) -> String {
    use crate::sql::quote_literal;
    let list = |items: &[String]| format!("[{}]::VARCHAR[]", items.iter().map(|s| quote_literal(s)).collect::<Vec<_>>().join(", "));
    let summary: Vec<String> = models
        .iter()
        .map(|m| format!("({}, {}, {}, {})", quote_literal(&m.name), quote_literal(&m.format), list(&m.files), list(&m.skipped)))
        .collect();
    format!(
        "{create_store}{};\nSELECT * FROM (VALUES {}) AS imported(view_name, format, files, not_imported);",
        crate::store::insert_rows_sql(catalog, layout(store_layout), rows),
        summary.join(", ")
    )
}

fn verify_checks(definition: &str, home_catalog: &str) -> BridgeResult<Vec<ffi::VerifyCheck>> {
    guard(|| {
        let view = crate::store::Stored::parse(definition)?.compile()?;
        Ok(crate::verify::checks(&view, home_catalog)
            .into_iter()
            .map(|c| ffi::VerifyCheck { kind: c.kind.to_string(), object: c.object, query: c.query })
            .collect())
    })
}

fn verify_report(definition: &str, home_catalog: &str, not_checked: &Vec<String>) -> BridgeResult<String> {
    guard(|| {
        let view = crate::store::Stored::parse(definition)?.compile()?;
        Ok(crate::verify::report_sql(&crate::verify::checks(&view, home_catalog), not_checked))
    })
}
