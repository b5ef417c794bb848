#include "definition_store.hpp"
#include "bounded_map.hpp"
#include "duckdb_compat.hpp"
#include "instance_cache.hpp"

#include "duckdb/catalog/catalog.hpp"
#include "duckdb/catalog/catalog_entry/table_catalog_entry.hpp"
#include "duckdb/catalog/catalog_search_path.hpp"
#include "duckdb/main/attached_database.hpp"
#include "duckdb/main/client_data.hpp"
#include "duckdb/main/database_manager.hpp"
#include "duckdb/parser/constraints/check_constraint.hpp"
#include "duckdb/parser/expression/columnref_expression.hpp"
#include "duckdb/parser/expression/comparison_expression.hpp"
#include "duckdb/parser/expression/function_expression.hpp"
#include "duckdb/storage/data_table.hpp"
#include "duckdb/storage/table/scan_state.hpp"
#include "duckdb/transaction/duck_transaction.hpp"

#include <mutex>

namespace duckdb {

static constexpr const char *STORE_SCHEMA = "semantic_layer";
static constexpr const char *STORE_TABLE = "_definitions";
//! Column indexes of the store table.
static constexpr idx_t DEFINITION_COLUMN = 3;
static constexpr idx_t VERSION_COLUMN = 6;

static optional_ptr<AttachedDatabase> FindDatabase(ClientContext &context, const string &name) {
	return DatabaseManager::Get(context).GetDatabase(context, Identifier(name));
}

static bool HasSchema(ClientContext &context, const string &catalog, const string &schema) {
	auto &cat = Catalog::GetCatalog(context, Identifier(catalog));
	return cat.GetSchema(context, Identifier(schema), OnEntryNotFound::RETURN_NULL) != nullptr;
}

string EntryCatalogOrDefault(ClientContext &context, const CatalogSearchEntry &entry) {
	auto catalog = compat::EntryCatalog(entry);
	if (catalog.empty() || catalog == INVALID_CATALOG) {
		return compat::Raw(DatabaseManager::GetDefaultDatabase(context));
	}
	return catalog;
}

bool CatalogHasTable(ClientContext &context, const ViewTarget &target) {
	auto entry = Catalog::GetCatalog(context, Identifier(target.catalog))
	                 .GetEntry(context, CatalogType::TABLE_ENTRY, Identifier(target.schema), Identifier(target.name),
	                           OnEntryNotFound::RETURN_NULL);
	return entry != nullptr;
}

//! The first search path entry whose schema holds a semantic view of that name, as DuckDB
//! looks up an unqualified view; `store` is left holding that database's store, so the caller
//! does not read it again (this runs at every bind). Each database's store is read once.
static bool FindAlongSearchPath(ClientContext &context, const CatalogSearchPath &search_path, const string &name,
                                ViewTarget &target, DefinitionStore &store, const string &only_name) {
	string read_catalog;
	for (auto &entry : search_path.Get()) {
		auto catalog = EntryCatalogOrDefault(context, entry);
		if (catalog == TEMP_CATALOG || catalog == SYSTEM_CATALOG) {
			continue;
		}
		auto db = FindDatabase(context, catalog);
		if (!db) {
			continue;
		}
		auto schema = compat::EntrySchema(entry);
		if (read_catalog != compat::Raw(db->GetName())) {
			// A query looks in its first schema by the row hint (the common case: it is there).
			bool first = read_catalog.empty();
			read_catalog = compat::Raw(db->GetName());
			store = first && !only_name.empty() ? ReadViewRow(context, read_catalog, schema, only_name)
			                                    : ReadDefinitionStore(context, read_catalog, only_name);
		}
		for (auto &row : store.rows) {
			if (StringUtil::CIEquals(row.schema_name, schema) && StringUtil::CIEquals(row.view_name, name)) {
				target = ViewTarget {compat::Raw(db->GetName()), row.schema_name, name};
				return true;
			}
		}
	}
	return false;
}

ViewTarget ResolveViewTarget(ClientContext &context, const string &name, ViewNameUse use,
                             optional_ptr<DefinitionStore> store_out) {
	DefinitionStore store;
	bool store_read = false;
	// A query reads the rows of its view's name only; DDL and introspection read them all.
	auto only_name = [&](const string &view) {
		return use == ViewNameUse::QUERY ? view : string();
	};
	auto parts = CallRust([&] { return rs::parse_view_name(ToStr(name)); });
	auto &search_path = *ClientData::Get(context).catalog_search_path;
	auto &default_entry = search_path.GetDefault();
	auto default_catalog = EntryCatalogOrDefault(context, default_entry);
	ViewTarget target;
	if (parts.size() == 1) {
		target.name = ToString(parts[0]);
		store_read = use != ViewNameUse::CREATE &&
		             FindAlongSearchPath(context, search_path, target.name, target, store, only_name(target.name));
		if (!store_read) {
			target.catalog = default_catalog;
			target.schema = compat::EntrySchema(default_entry);
		}
	} else if (parts.size() == 2) {
		// `x.name`: a schema of the default database if there is one, else a database.
		auto first = ToString(parts[0]);
		if (HasSchema(context, default_catalog, first)) {
			target.catalog = default_catalog;
			target.schema = first;
		} else if (FindDatabase(context, first)) {
			target.catalog = first;
			target.schema = compat::DefaultSchema(context, search_path, first);
		} else {
			throw CatalogException("Semantic view %s: no schema or database named \"%s\"", name, first);
		}
		target.name = ToString(parts[1]);
	} else {
		target.catalog = ToString(parts[0]);
		target.schema = ToString(parts[1]);
		target.name = ToString(parts[2]);
	}
	auto db = FindDatabase(context, target.catalog);
	if (!db) {
		throw CatalogException("Semantic view %s: database \"%s\" does not exist", name, target.catalog);
	}
	target.catalog = compat::Raw(db->GetName());
	auto schema = db->GetCatalog().GetSchema(context, Identifier(target.schema), OnEntryNotFound::RETURN_NULL);
	if (!schema) {
		throw CatalogException("Semantic view %s: schema \"%s\" does not exist in database \"%s\"", name, target.schema,
		                       target.catalog);
	}
	target.schema = compat::Raw(schema->name);
	if (store_out) {
		if (store_read) {
			*store_out = std::move(store);
		} else if (use == ViewNameUse::QUERY) {
			*store_out = ReadViewRow(context, target.catalog, target.schema, target.name);
		} else {
			*store_out = ReadDefinitionStore(context, target.catalog);
		}
	}
	return target;
}

static bool MaybeSameName(const string_t &stored, const string &name) {
	auto data = stored.GetData();
	auto size = stored.GetSize();
	for (idx_t i = 0; i < size; i++) {
		if (static_cast<unsigned char>(data[i]) >= 0x80) {
			return true;
		}
	}
	return size == name.size() && StringUtil::CIEquals(string(data, size), name);
}

//! The CHECK constraint that makes a store's versions trustworthy (`store::VERSION_CHECK`).
static const ParsedExpression &VersionCheck() {
	static const auto expression = [] {
		vector<unique_ptr<ParsedExpression>> children;
		children.push_back(make_uniq<ColumnRefExpression>("definition"));
		auto hash = make_uniq<FunctionExpression>("sha256", std::move(children));
		return make_uniq<ComparisonExpression>(ExpressionType::COMPARE_EQUAL,
		                                       make_uniq<ColumnRefExpression>("version"), std::move(hash));
	}();
	return *expression;
}

//! Whether the store's `version` column is the SHA-256 of its definition in every row: only
//! the CHECK constraint guarantees it (a table rebuilt without it may hold anything there).
//! Compared structurally: this runs at every query, and printing costs more than the lookup.
static bool HasVersionCheck(TableCatalogEntry &entry) {
	for (auto &constraint : entry.GetConstraints()) {
		if (constraint->type == ConstraintType::CHECK &&
		    constraint->Cast<CheckConstraint>().expression->Equals(VersionCheck())) {
			return true;
		}
	}
	return false;
}

//! Where a database keeps its definitions.
struct StoreTableInfo {
	optional_ptr<TableCatalogEntry> entry;
	rs::StoreLayout layout = rs::StoreLayout::Missing;
	//! The version column holds each definition's SHA-256.
	bool trusted_versions = false;
};

//! What `StoreTable` found, per database instance, by catalog snapshot: (database oid, catalog
//! version). A catalog version names one committed state of a database's catalog, or the
//! private state of the one transaction that changed it, so only transactions that see the
//! very same table entry ever read an entry here (each query would otherwise look the table up
//! and compare its constraints again).
class StoreTables : public InstanceCache<StoreTables> {
public:
	static string ObjectType() {
		return "semantic_views_store_tables";
	}
	static string Key(Catalog &catalog, idx_t version) {
		return std::to_string(catalog.GetOid()) + ':' + std::to_string(version);
	}
	BoundedMap<StoreTableInfo> tables {64, 1 << 16};
};

//! The store table of a database, looked up in its catalog; an error when a table of that name
//! has another layout (someone else's table: never scanned into our vectors).
static StoreTableInfo LookUpStoreTable(ClientContext &context, AttachedDatabase &db, const string &catalog) {
	// Untyped lookup: the typed one throws on a view of that name instead of returning it.
	auto found = db.GetCatalog().GetEntry(context, CatalogType::TABLE_ENTRY, Identifier(STORE_SCHEMA),
	                                      Identifier(STORE_TABLE), OnEntryNotFound::RETURN_NULL);
	if (!found || found->type != CatalogType::TABLE_ENTRY) {
		return {};
	}
	auto entry = &found->Cast<TableCatalogEntry>();
	// key, schema_name, view_name, definition, comment, created[, version]; built once (this runs
	// at every query).
	static const vector<LogicalType> legacy {LogicalType::VARCHAR, LogicalType::VARCHAR, LogicalType::VARCHAR,
	                                         LogicalType::VARCHAR, LogicalType::VARCHAR, LogicalType::TIMESTAMP_TZ};
	static const vector<LogicalType> versioned = [] {
		auto types = legacy;
		types.push_back(LogicalType::VARCHAR);
		return types;
	}();
	auto &columns = entry->GetColumns();
	auto types = columns.GetColumnTypes();
	StoreTableInfo info;
	info.entry = entry;
	if (columns.LogicalColumnCount() != columns.PhysicalColumnCount() || (types != legacy && types != versioned)) {
		throw InvalidInputException("%s.%s.%s does not have the layout of a semantic view store", catalog,
		                            STORE_SCHEMA, STORE_TABLE);
	}
	info.layout = types == legacy ? rs::StoreLayout::Legacy : rs::StoreLayout::Versioned;
	info.trusted_versions = info.layout == rs::StoreLayout::Versioned && HasVersionCheck(*entry);
	return info;
}

//! The store table of a database (none when there is none), by catalog snapshot.
static StoreTableInfo StoreTable(ClientContext &context, const string &catalog) {
	auto db = FindDatabase(context, catalog);
	if (!db || !db->GetCatalog().IsDuckCatalog()) {
		return {};
	}
	auto version = db->GetCatalog().GetCatalogVersion(context);
	if (!version.IsValid()) {
		return LookUpStoreTable(context, *db, catalog);
	}
	auto &memo = GetInstanceCache<StoreTables>(context);
	auto key = StoreTables::Key(db->GetCatalog(), version.GetIndex());
	StoreTableInfo info;
	if (memo.tables.Find(key, info)) {
		return info;
	}
	info = LookUpStoreTable(context, *db, catalog);
	memo.tables.Set(key, info, sizeof(StoreTableInfo));
	return info;
}

DefinitionStore ReadDefinitionStore(ClientContext &context, const string &catalog, const string &only_name) {
	DefinitionStore store;
	store.context = &context;
	store.catalog = catalog;
	store.only_name = only_name;
	auto info = StoreTable(context, catalog);
	if (!info.entry) {
		return store;
	}
	auto entry = info.entry;
	store.layout = info.layout;
	// Scan through storage in the caller's transaction: sees its own uncommitted definitions.
	auto &table = entry->GetStorage();
	auto &transaction = DuckTransaction::Get(context, entry->ParentCatalog());
	vector<StorageIndex> columns {StorageIndex(1), StorageIndex(2), StorageIndex(4), StorageIndex(5),
	                              StorageIndex(COLUMN_IDENTIFIER_ROW_ID)};
	vector<LogicalType> types {LogicalType::VARCHAR, LogicalType::VARCHAR, LogicalType::VARCHAR,
	                           LogicalType::TIMESTAMP_TZ, LogicalType::ROW_TYPE};
	if (info.trusted_versions) {
		columns.push_back(StorageIndex(VERSION_COLUMN));
		types.push_back(LogicalType::VARCHAR);
	}
	TableScanState state;
	table.InitializeScan(context, transaction, state, columns);
	DataChunk chunk;
	chunk.Initialize(Allocator::Get(context), types);
	while (true) {
		chunk.Reset();
		table.Scan(transaction, chunk, state);
		if (chunk.size() == 0) {
			break;
		}
		// Read the vectors directly: building a Value per cell would cost more than the scan.
		vector<UnifiedVectorFormat> formats(types.size());
		for (idx_t c = 0; c < types.size(); c++) {
			compat::ToUnifiedFormat(chunk.data[c], chunk.size(), formats[c]);
		}
		auto schemas = UnifiedVectorFormat::GetData<string_t>(formats[0]);
		auto names = UnifiedVectorFormat::GetData<string_t>(formats[1]);
		auto comments = UnifiedVectorFormat::GetData<string_t>(formats[2]);
		auto created = UnifiedVectorFormat::GetData<timestamp_tz_t>(formats[3]);
		auto row_ids = UnifiedVectorFormat::GetData<row_t>(formats[4]);
		auto versions = info.trusted_versions ? UnifiedVectorFormat::GetData<string_t>(formats[5]) : nullptr;
		for (idx_t row = 0; row < chunk.size(); row++) {
			auto at = [&](idx_t c) {
				return formats[c].sel->get_index(row);
			};
			// ASCII case-insensitive prefilter; names with other letters are compared by Find.
			if (!only_name.empty() && !MaybeSameName(names[at(1)], only_name)) {
				continue;
			}
			StoredViewRow r;
			r.schema_name = schemas[at(0)].GetString();
			r.view_name = names[at(1)].GetString();
			r.comment = formats[2].validity.RowIsValid(at(2)) ? Value(comments[at(2)].GetString())
			                                                    : Value(LogicalType::VARCHAR);
			r.created = formats[3].validity.RowIsValid(at(3)) ? Value::TIMESTAMPTZ(created[at(3)])
			                                                    : Value(LogicalType::TIMESTAMP_TZ);
			r.row_id = row_ids[at(4)];
			if (versions && formats[5].validity.RowIsValid(at(5))) {
				r.version = versions[at(5)].GetString();
			}
			r.table = &table;
			r.catalog = &entry->ParentCatalog();
			store.rows.push_back(std::move(r));
		}
	}
	return store;
}

//! Where each view's store row was last seen, per database instance. Only a hint: a query
//! fetches that row in its own transaction and uses it only if it is visible there and holds
//! the view (a dropped, replaced or moved row fails the check and the store is scanned), so it
//! can never serve a stale or invisible definition.
class StoreRowHints : public InstanceCache<StoreRowHints> {
public:
	static string ObjectType() {
		return "semantic_views_store_row_hints";
	}
	static string Key(const string &catalog, const string &schema, const string &name) {
		return StringUtil::Lower(catalog) + '\0' + StringUtil::Lower(schema) + '\0' + StringUtil::Lower(name);
	}
	bool Find(const string &key, row_t &row_id) {
		return rows.Find(key, row_id);
	}
	void Remember(const string &key, row_t row_id) {
		rows.Set(key, row_id, sizeof(row_t));
	}

private:
	BoundedMap<row_t> rows {16384, 4 << 20};
};

//! Text columns (VARCHAR) of the store row at `row_id`, as the caller's transaction sees it
//! (its own uncommitted rows included): false when it sees no row there or a value is NULL.
static bool FetchRowTexts(ClientContext &context, DataTable &table, Catalog &catalog, row_t row_id,
                          const vector<StorageIndex> &columns, vector<string> &texts) {
	auto &transaction = DuckTransaction::Get(context, catalog);
	// Room for the one row: a full vector's buffers would be allocated and freed at every query.
	DataChunk chunk;
	chunk.Initialize(Allocator::Get(context), vector<LogicalType>(columns.size(), LogicalType::VARCHAR), 1);
	Vector row_ids(LogicalType::ROW_TYPE, 1);
	row_ids.SetValue(0, Value::BIGINT(row_id));
	ColumnFetchState state;
	table.Fetch(transaction, chunk, columns, row_ids, 1, state);
	if (chunk.size() != 1) {
		return false;
	}
	// The vectors directly: a Value per cell would copy a definition twice more.
	texts.resize(columns.size());
	for (idx_t c = 0; c < columns.size(); c++) {
		UnifiedVectorFormat format;
		compat::ToUnifiedFormat(chunk.data[c], 1, format);
		auto index = format.sel->get_index(0);
		if (!format.validity.RowIsValid(index)) {
			return false;
		}
		texts[c] = UnifiedVectorFormat::GetData<string_t>(format)[index].GetString();
	}
	return true;
}

//! The store row at `row_id`, if the caller's transaction sees one there and it holds
//! `schema.name`; with it, its version where the store keeps trusted ones, else its definition.
static bool FetchHintedRow(ClientContext &context, TableCatalogEntry &entry, bool trusted_versions, row_t row_id,
                           const string &schema, const string &name, StoredViewRow &row) {
	// Never another transaction's local row id: only committed rows are hinted.
	if (row_id < 0 || row_id >= MAX_ROW_ID) {
		return false;
	}
	auto &table = entry.GetStorage();
	auto third = trusted_versions ? VERSION_COLUMN : DEFINITION_COLUMN;
	vector<string> texts;
	if (!FetchRowTexts(context, table, entry.ParentCatalog(), row_id,
	                   {StorageIndex(1), StorageIndex(2), StorageIndex(third)}, texts) ||
	    !StringUtil::CIEquals(texts[0], schema) || !StringUtil::CIEquals(texts[1], name)) {
		return false;
	}
	row.schema_name = std::move(texts[0]);
	row.view_name = std::move(texts[1]);
	if (trusted_versions) {
		row.version = std::move(texts[2]);
	} else {
		row.definition = std::move(texts[2]);
		row.loaded = true;
	}
	row.row_id = row_id;
	row.table = &table;
	row.catalog = &entry.ParentCatalog();
	return true;
}

DefinitionStore ReadViewRow(ClientContext &context, const string &catalog, const string &schema, const string &name) {
	auto &hints = GetInstanceCache<StoreRowHints>(context);
	auto key = StoreRowHints::Key(catalog, schema, name);
	row_t row_id;
	if (hints.Find(key, row_id)) {
		auto info = StoreTable(context, catalog);
		StoredViewRow row;
		if (info.entry && FetchHintedRow(context, *info.entry, info.trusted_versions, row_id, schema, name, row)) {
			DefinitionStore store;
			store.context = &context;
			store.catalog = catalog;
			store.only_name = name;
			store.layout = info.layout;
			store.rows.push_back(std::move(row));
			return store;
		}
	}
	auto store = ReadDefinitionStore(context, catalog, name);
	for (auto &row : store.rows) {
		if (row.row_id < MAX_ROW_ID && StringUtil::CIEquals(row.schema_name, schema) &&
		    StringUtil::CIEquals(row.view_name, name)) {
			hints.Remember(key, row.row_id);
			break;
		}
	}
	return store;
}

const string &StoredViewRow::Definition(ClientContext &context) const {
	if (loaded) {
		return definition;
	}
	vector<string> texts;
	if (!FetchRowTexts(context, *table, *catalog, row_id, {StorageIndex(DEFINITION_COLUMN)}, texts)) {
		// Only a store edited by hand: its row was just read in this transaction.
		throw InvalidInputException("semantic view %s.%s: its stored definition is NULL or its row is gone",
		                            schema_name, view_name);
	}
	definition = std::move(texts[0]);
	loaded = true;
	return definition;
}

rust::Vec<rs::StoredView> DefinitionStore::ToRust() const {
	rust::Vec<rs::StoredView> out;
	for (auto &row : rows) {
		out.push_back(rs::StoredView {row.schema_name, row.view_name});
	}
	return out;
}

const StoredViewRow *DefinitionStore::TryFind(const ViewTarget &target) const {
	auto views = ToRust();
	for (idx_t i = 0; i < rows.size(); i++) {
		if (CallRust([&] { return rs::view_matches(ToStr(target.schema), ToStr(target.name), views[i]); })) {
			return &rows[i];
		}
	}
	return nullptr;
}

const StoredViewRow &DefinitionStore::Find(const ViewTarget &target) const {
	if (!only_name.empty() && context) {
		if (auto row = TryFind(target)) {
			return *row;
		}
		// Missing: the full store gives the error, with the names close to it.
		ReadDefinitionStore(*context, catalog).Find(target);
		throw InternalException("semantic view %s: found in the store but not among the rows of its name", target.name);
	}
	auto views = ToRust();
	auto index = CallRust([&] {
		return rs::find_view(ToStr(target.catalog), ToStr(target.schema), ToStr(target.name), views);
	});
	return rows[index];
}

} // namespace duckdb
