#pragma once
// Where semantic views live: resolving `[db.][schema.]name` and reading the per-database
// store table `semantic_layer._definitions` inside the caller's transaction.

#include "duckdb.hpp"
#include "duckdb/catalog/catalog_search_path.hpp"
#include "rust_call.hpp"

namespace duckdb {

struct ViewTarget {
	string catalog;
	string schema;
	string name;
};

class DataTable;

struct StoredViewRow {
	string schema_name;
	string view_name;
	Value comment;
	Value created;
	//! The SHA-256 of the definition where the store keeps it under its CHECK constraint (empty
	//! otherwise): a query finds its compiled view by it without reading the definition.
	string version;
	//! The definition JSON, read from storage on first use: a query reads only its own view's.
	const string &Definition(ClientContext &context) const;

	//! Where the row lives: valid while the statement that read the store binds.
	DataTable *table = nullptr;
	Catalog *catalog = nullptr;
	row_t row_id = 0;
	mutable bool loaded = false;
	mutable string definition;
};

struct DefinitionStore {
	//! How the store table is laid out: Missing until the first define creates it, Legacy
	//! (without the version column) when an earlier release created it.
	rs::StoreLayout layout = rs::StoreLayout::Missing;
	vector<StoredViewRow> rows;
	//! Where the rows were read, and the one view name they were limited to (empty: all).
	ClientContext *context = nullptr;
	string catalog;
	string only_name;

	rust::Vec<rs::StoredView> ToRust() const;
	//! The stored row of a view; a Catalog Error with suggestions when missing.
	const StoredViewRow &Find(const ViewTarget &target) const;
	//! The stored row of a view, or null when missing.
	const StoredViewRow *TryFind(const ViewTarget &target) const;
};

//! What a view name is resolved for, with DuckDB's rules for views: an unqualified name is
//! looked up along the search path, and created in the current default schema. QUERY looks up
//! like LOOKUP, reading only the store rows of that view name (queries run at every bind).
enum class ViewNameUse { LOOKUP, CREATE, QUERY };

//! Resolves a user-written view name against the caller's search path; with `store`, also
//! returns the definition store of the resolved database (read once).
ViewTarget ResolveViewTarget(ClientContext &context, const string &name, ViewNameUse use = ViewNameUse::LOOKUP,
                             optional_ptr<DefinitionStore> store = nullptr);

//! The catalog a search path entry names (an empty or invalid one is the default database).
string EntryCatalogOrDefault(ClientContext &context, const CatalogSearchEntry &entry);

//! Whether a table or view of the target's name exists in its schema: plain SQL then reads the
//! table, and no semantic view may take the name.
bool CatalogHasTable(ClientContext &context, const ViewTarget &target);

//! Reads the names of every stored view of a database (no store table: none); definitions
//! are read per row, on use.
DefinitionStore ReadDefinitionStore(ClientContext &context, const string &catalog, const string &only_name = string());

//! The store rows a query needs for `schema.name` in a database: that view's row alone when
//! the row seen there last is still its row in the caller's transaction, else the rows of that
//! name (as ReadDefinitionStore).
DefinitionStore ReadViewRow(ClientContext &context, const string &catalog, const string &schema, const string &name);

} // namespace duckdb
