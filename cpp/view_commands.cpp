// Define and drop, shared by the PRAGMA functions and the SQL statements.

#include "view_commands.hpp"
#include "duckdb_compat.hpp"
#include "probe_binding.hpp"


#include "duckdb/catalog/catalog.hpp"
#include "duckdb/catalog/catalog_entry/table_catalog_entry.hpp"
#include "duckdb/catalog/catalog_entry/view_catalog_entry.hpp"
#include "duckdb/main/attached_database.hpp"
#include "duckdb/main/client_data.hpp"
#include "duckdb/catalog/catalog_search_path.hpp"
#include "duckdb/main/database_manager.hpp"

namespace duckdb {

void CheckWritable(ClientContext &context, const ViewTarget &target, const string &action) {
	auto db = DatabaseManager::Get(context).GetDatabase(context, Identifier(target.catalog));
	if (db && db->IsReadOnly()) {
		throw InvalidInputException("Cannot %s semantic view %s: database \"%s\" is attached in read-only mode", action,
		                            target.name, target.catalog);
	}
}

static rust::Vec<rust::String> ColumnNames(ClientContext &context, CatalogEntry &entry) {
	rust::Vec<rust::String> columns;
	if (entry.type == CatalogType::VIEW_ENTRY) {
		auto &view = entry.Cast<ViewCatalogEntry>();
		view.BindView(context);
		auto info = view.GetColumnInfo();
		if (info) {
			for (auto &column : info->names) {
				columns.push_back(compat::Raw(column));
			}
		}
	} else {
		for (auto &column : entry.Cast<TableCatalogEntry>().GetColumns().GetColumnNames()) {
			columns.push_back(compat::Raw(column));
		}
	}
	return columns;
}

//! Finds a table a definition names where DuckDB would for a view in the semantic view's
//! schema: a qualified name where it says; an unqualified one in that schema, then along the
//! search path. Tables read by subqueries may be missing; the definition's own may not.
static rs::TableColumns LookupTable(ClientContext &context, const ViewTarget &target, const rs::TableLookup &table) {
	auto catalog = table.catalog.empty() ? target.catalog : ToString(table.catalog);
	auto name = ToString(table.name);
	vector<std::pair<string, string>> places;
	if (!table.schema.empty()) {
		places.emplace_back(catalog, ToString(table.schema));
	} else {
		places.emplace_back(target.catalog, target.schema);
		for (auto &entry : ClientData::Get(context).catalog_search_path->Get()) {
			places.emplace_back(EntryCatalogOrDefault(context, entry), compat::EntrySchema(entry));
		}
	}
	for (auto &place : places) {
		auto db = DatabaseManager::Get(context).GetDatabase(context, Identifier(place.first));
		if (!db) {
			continue;
		}
		auto entry = db->GetCatalog().GetEntry(context, CatalogType::TABLE_ENTRY, Identifier(place.second),
		                                       Identifier(name), OnEntryNotFound::RETURN_NULL);
		if (entry) {
			return rs::TableColumns {table.key,
			                         table.subquery,
			                         true,
			                         compat::Raw(db->GetName()),
			                         compat::Raw(entry->ParentSchema().name),
			                         compat::Raw(entry->name),
			                         ColumnNames(context, *entry)};
		}
	}
	if (table.subquery) {
		return rs::TableColumns {table.key, true, false, "", "", "", {}};
	}
	// Not found: DuckDB's own message (with its suggestions) for the first place looked in.
	try {
		Catalog::GetCatalog(context, Identifier(places[0].first))
		    .GetEntry(context, CatalogType::TABLE_ENTRY, Identifier(places[0].second), Identifier(name),
		              OnEntryNotFound::THROW_EXCEPTION);
	} catch (std::exception &ex) {
		ErrorData error(ex);
		throw CatalogException("semantic view '%s': table '%s': %s", target.name, ToString(table.key),
		                       error.RawMessage());
	}
	throw CatalogException("semantic view '%s': table '%s': %s does not exist", target.name, ToString(table.key), name);
}

rs::Defined PrepareDefine(ClientContext &context, const ViewTarget &target, const string &json, bool replace,
                          bool if_not_exists) {
	CheckWritable(context, target, "define");
	if (CatalogHasTable(context, target)) {
		// Plain SQL names it in FROM, where the table or view would always win.
		throw CatalogException("Cannot define semantic view %s: a table or view named \"%s\" already exists in %s.%s",
		                       target.name, target.name, target.catalog, target.schema);
	}
	auto store = ReadDefinitionStore(context, target.catalog);

	auto tables = CallRust([&] { return rs::definition_tables(ToStr(target.name), ToStr(json)); });
	rust::Vec<rs::TableColumns> columns;
	for (auto &table : tables) {
		columns.push_back(LookupTable(context, target, table));
	}
	auto views = store.ToRust();
	auto pending = CallRust([&] {
		return rs::define(ToStr(target.catalog), ToStr(target.schema), ToStr(target.name), ToStr(json), columns,
		                  replace, if_not_exists, store.layout, views);
	});
	auto types = BindProbes(context, target.name, *pending);
	return CallRust([&] { return pending->finish(types); });
}

string PrepareDrop(ClientContext &context, const string &name, bool if_exists) {
	DefinitionStore store;
	auto target = ResolveViewTarget(context, name, ViewNameUse::LOOKUP, store);
	auto views = store.ToRust();
	auto sql = CallRust([&] {
		return rs::drop_view(ToStr(target.catalog), ToStr(target.schema), ToStr(target.name), if_exists, views);
	});
	if (!store.rows.empty()) {
		CheckWritable(context, target, "drop");
	}
	return ToString(sql);
}

} // namespace duckdb
