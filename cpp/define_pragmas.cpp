// PRAGMA define_semantic_view / define_or_replace_semantic_view / drop_semantic_view[_if_exists].
// Each callback validates with the Rust core and returns the SQL that DuckDB then runs in the
// caller's transaction (no locks held, no second connection).

#include "definition_store.hpp"
#include "semantic_views_functions.hpp"

#include "duckdb/catalog/catalog.hpp"
#include "duckdb/catalog/catalog_entry/table_catalog_entry.hpp"
#include "duckdb/catalog/catalog_entry/view_catalog_entry.hpp"
#include "duckdb/function/pragma_function.hpp"
#include "duckdb/main/attached_database.hpp"
#include "duckdb/main/database_manager.hpp"
#include "duckdb/main/extension/extension_loader.hpp"
#include "duckdb/parser/parser.hpp"
#include "duckdb/planner/binder.hpp"

namespace duckdb {

string StringArgument(const Value &value, const string &function, const string &argument) {
	if (value.IsNull()) {
		throw BinderException("%s: %s must not be NULL", function, argument);
	}
	return StringValue::Get(value);
}

static void CheckWritable(ClientContext &context, const ViewTarget &target, const string &action) {
	auto db = DatabaseManager::Get(context).GetDatabase(context, target.catalog);
	if (db && db->IsReadOnly()) {
		throw InvalidInputException("Cannot %s semantic view %s: database \"%s\" is attached in read-only mode", action,
		                            target.name, target.catalog);
	}
}

//! Column names of a table or view that a definition names.
static rust::Vec<rust::String> LookupColumns(ClientContext &context, const ViewTarget &target,
                                            const rs::TableLookup &table) {
	auto catalog = table.catalog.empty() ? target.catalog : ToString(table.catalog);
	auto schema = ToString(table.schema);
	auto name = ToString(table.name);
	optional_ptr<CatalogEntry> entry;
	try {
		entry = Catalog::GetEntry(context, catalog, schema, EntryLookupInfo(CatalogType::TABLE_ENTRY, name),
		                          OnEntryNotFound::THROW_EXCEPTION);
	} catch (std::exception &ex) {
		ErrorData error(ex);
		throw CatalogException("semantic view '%s': table '%s': %s", target.name, ToString(table.alias),
		                       error.RawMessage());
	}
	rust::Vec<rust::String> columns;
	if (entry->type == CatalogType::VIEW_ENTRY) {
		auto &view = entry->Cast<ViewCatalogEntry>();
		view.BindView(context);
		auto info = view.GetColumnInfo();
		if (info) {
			for (auto &column : info->names) {
				columns.push_back(column);
			}
		}
	} else {
		for (auto &column : entry->Cast<TableCatalogEntry>().GetColumns().GetColumnNames()) {
			columns.push_back(column);
		}
	}
	return columns;
}

//! Binds (does not run) a probe query; a failure names the member it checks.
static void BindProbe(ClientContext &context, const string &view, const rs::Probe &probe) {
	try {
		Parser parser(context.GetParserOptions());
		parser.ParseQuery(ToString(probe.sql));
		auto binder = Binder::CreateBinder(context);
		binder->Bind(*parser.statements[0]);
	} catch (std::exception &ex) {
		ErrorData error(ex);
		throw BinderException("semantic view '%s': %s does not bind: %s", view, ToString(probe.subject),
		                      error.RawMessage());
	}
}

static string Define(ClientContext &context, const FunctionParameters &parameters, bool replace) {
	auto function = replace ? "define_or_replace_semantic_view" : "define_semantic_view";
	auto name = StringArgument(parameters.values[0], function, "name");
	auto json = StringArgument(parameters.values[1], function, "definition");
	auto target = ResolveViewTarget(context, name);
	CheckWritable(context, target, "define");
	auto store = ReadDefinitionStore(context, target.catalog);

	auto tables = CallRust([&] { return rs::definition_tables(ToStr(target.name), ToStr(json), ToStr(target.schema)); });
	rust::Vec<rs::TableColumns> columns;
	for (auto &table : tables) {
		columns.push_back(rs::TableColumns {table.alias, LookupColumns(context, target, table)});
	}
	auto views = store.ToRust();
	auto defined = CallRust([&] {
		return rs::define(ToStr(target.catalog), ToStr(target.schema), ToStr(target.name), ToStr(json), columns,
		                  replace, store.exists, views);
	});
	for (auto &probe : defined.probes) {
		BindProbe(context, target.name, probe);
	}
	return ToString(defined.sql);
}

static string DefineQuery(ClientContext &context, const FunctionParameters &parameters) {
	return Define(context, parameters, false);
}

static string DefineOrReplaceQuery(ClientContext &context, const FunctionParameters &parameters) {
	return Define(context, parameters, true);
}

static string Drop(ClientContext &context, const FunctionParameters &parameters, bool if_exists) {
	auto name = StringArgument(parameters.values[0], "drop_semantic_view", "name");
	auto target = ResolveViewTarget(context, name);
	auto store = ReadDefinitionStore(context, target.catalog);
	auto views = store.ToRust();
	auto sql = CallRust([&] {
		return rs::drop_view(ToStr(target.catalog), ToStr(target.schema), ToStr(target.name), if_exists, views);
	});
	if (!store.rows.empty()) {
		CheckWritable(context, target, "drop");
	}
	return ToString(sql);
}

static string DropQuery(ClientContext &context, const FunctionParameters &parameters) {
	return Drop(context, parameters, false);
}

static string DropIfExistsQuery(ClientContext &context, const FunctionParameters &parameters) {
	return Drop(context, parameters, true);
}

void RegisterDefinePragmas(ExtensionLoader &loader) {
	auto two = vector<LogicalType> {LogicalType::VARCHAR, LogicalType::VARCHAR};
	loader.RegisterFunction(PragmaFunction::PragmaCall("define_semantic_view", DefineQuery, two));
	loader.RegisterFunction(PragmaFunction::PragmaCall("define_or_replace_semantic_view", DefineOrReplaceQuery, two));
	loader.RegisterFunction(PragmaFunction::PragmaCall("drop_semantic_view", DropQuery, {LogicalType::VARCHAR}));
	loader.RegisterFunction(
	    PragmaFunction::PragmaCall("drop_semantic_view_if_exists", DropIfExistsQuery, {LogicalType::VARCHAR}));
}

} // namespace duckdb
