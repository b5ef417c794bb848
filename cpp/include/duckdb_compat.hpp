#pragma once
// The differences between the DuckDB releases we build against (1.5.6 and 2.0.1), in one place.
// Everything else is written once, in the 2.0 spellings that 1.5.6 also accepts (Identifier
// casts, member catalog lookups). SEMANTIC_VIEWS_DUCKDB_MAJOR comes from our CMakeLists.txt.

#include "duckdb.hpp"
#include "duckdb/main/client_data.hpp"
#include "duckdb/main/prepared_statement_data.hpp"
#include "duckdb/catalog/catalog_search_path.hpp"
#include "duckdb/function/table_function.hpp"
#include "duckdb/parser/parser.hpp"
#include "duckdb/main/extension_callback_manager.hpp"
#include "duckdb/main/settings.hpp"
#if SEMANTIC_VIEWS_DUCKDB_MAJOR >= 2
#include "duckdb/parser/peg/compiled_grammar.hpp"
#endif
#include "duckdb/planner/expression/bound_function_expression.hpp"

#ifndef SEMANTIC_VIEWS_DUCKDB_MAJOR
#error "SEMANTIC_VIEWS_DUCKDB_MAJOR must be defined by the build"
#endif
#define SEMANTIC_VIEWS_DUCKDB_2 (SEMANTIC_VIEWS_DUCKDB_MAJOR >= 2)

namespace duckdb {
namespace compat {

//! The column names a table function's bind produces.
#if SEMANTIC_VIEWS_DUCKDB_2
using ColumnNames = vector<Identifier>;
#else
using ColumnNames = vector<string>;
#endif

//! The spelling of a name, whether DuckDB hands it out as a string (1.5) or an Identifier (2.0).
inline const string &Raw(const string &name) {
	return name;
}
inline const string &Raw(const Identifier &name) {
	return name.GetIdentifierName();
}

//! The catalog and schema of a search path entry (the catalog may be empty: the default database).
inline string EntryCatalog(const CatalogSearchEntry &entry) {
#if SEMANTIC_VIEWS_DUCKDB_2
	return Raw(entry.GetCatalog());
#else
	return entry.catalog;
#endif
}
inline string EntrySchema(const CatalogSearchEntry &entry) {
#if SEMANTIC_VIEWS_DUCKDB_2
	return Raw(entry.GetSchema());
#else
	return entry.schema;
#endif
}

//! The schema unqualified names resolve to in a catalog (`main` when the catalog names none).
inline string DefaultSchema(ClientContext &context, const CatalogSearchPath &search_path, const string &catalog) {
#if SEMANTIC_VIEWS_DUCKDB_2
	auto schema = search_path.GetDefaultSchema(context, Identifier(catalog));
	return schema ? Raw(*schema) : string(DEFAULT_SCHEMA);
#else
	return search_path.GetDefaultSchema(context, catalog);
#endif
}

//! Declares an optional named parameter (`name := value`); absent means NULL.
inline void AddNamedParameter(TableFunction &function, const char *name, const LogicalType &type) {
#if SEMANTIC_VIEWS_DUCKDB_2
	function.GetSignature().AddKeywordOnly(Identifier(name), type, Value(type));
#else
	function.named_parameters[name] = type;
#endif
}

//! A named parameter's value, or nullptr when absent (NULL values are returned as such).
template <class NAMED_PARAMETERS>
const Value *FindNamedParameter(const NAMED_PARAMETERS &parameters, const char *name) {
	auto entry = parameters.find(name);
	return entry == parameters.end() ? nullptr : &entry->second;
}

//! Appends one row to a chunk being filled (row = the chunk's current size).
inline void AppendRow(DataChunk &output, idx_t row, const vector<Value> &values) {
	for (idx_t col = 0; col < values.size(); col++) {
#if SEMANTIC_VIEWS_DUCKDB_2
		(void)row;
		output.data[col].Append(values[col]);
#else
		output.SetValue(col, row, values[col]);
#endif
	}
}

//! Finishes a chunk filled by AppendRow (2.0 vectors track their own size).
inline void FinishRows(DataChunk &output, idx_t count) {
#if SEMANTIC_VIEWS_DUCKDB_2
	(void)output;
	(void)count;
#else
	output.SetCardinality(count);
#endif
}

//! Everything a parse result depends on besides the text: the connection's parser settings and
//! the parser extensions and grammar registered so far (extensions are only ever added, so their
//! count changes with each one). `grammar` keeps the grammar alive while a result parsed with it
//! is kept, so its address in `key` is never reused for another.
struct ParserSettings {
	string key;
#if SEMANTIC_VIEWS_DUCKDB_2
	shared_ptr<CompiledGrammar> grammar;
#endif
};

inline ParserSettings CurrentParserSettings(ClientContext &context) {
	// By setting index, as ClientContext::GetParserOptions reads them (a lookup by name costs
	// more than the cached parse it guards).
	ParserSettings settings;
	settings.key = std::to_string(static_cast<int>(Settings::Get<PreserveIdentifierCaseSetting>(context))) + '|' +
	               std::to_string(static_cast<int>(Settings::Get<IntegerDivisionSetting>(context))) + '|' +
	               std::to_string(Settings::Get<MaxExpressionDepthSetting>(context)) + '|' +
	               std::to_string(static_cast<int>(Settings::Get<AllowParserOverrideExtensionSetting>(context))) + '|';
#if SEMANTIC_VIEWS_DUCKDB_2
	settings.key += std::to_string(static_cast<int>(Settings::Get<RegexMatchOperatorSemanticsSetting>(context))) + '|';
#endif
	idx_t extension_count = 0;
	for (auto &extension : ExtensionCallbackManager::Get(context).ParserExtensions()) {
		(void)extension;
		extension_count++;
	}
	settings.key += std::to_string(extension_count);
#if SEMANTIC_VIEWS_DUCKDB_2
	settings.grammar = CompiledGrammar::Get(context);
	settings.key += '|' + std::to_string(reinterpret_cast<uintptr_t>(settings.grammar.get()));
#endif
	return settings;
}

//! `vector`'s first `count` rows in unified format (2.0 reads the count from the vector).
inline void ToUnifiedFormat(Vector &vector, idx_t count, UnifiedVectorFormat &format) {
#if SEMANTIC_VIEWS_DUCKDB_2
	(void)count;
	vector.ToUnifiedFormat(format);
#else
	vector.ToUnifiedFormat(count, format);
#endif
}

//! A parser with the client's parser settings (and its parser extensions); it may parse on
//! another thread.
inline unique_ptr<Parser> ClientParser(ClientContext &context) {
#if SEMANTIC_VIEWS_DUCKDB_2
	return make_uniq<Parser>(context);
#else
	return make_uniq<Parser>(context.GetParserOptions());
#endif
}

//! Parses SQL with the client's parser settings (and its parser extensions).
inline vector<unique_ptr<SQLStatement>> ParseStatements(ClientContext &context, const string &sql) {
	auto parser = ClientParser(context);
	parser->ParseQuery(sql);
	return std::move(parser->statements);
}

//! The statement as PREPAREd under `name` in this connection, before binding (null if none).
inline optional_ptr<SQLStatement> PreparedUnboundStatement(ClientContext &context, const string &name) {
	auto &prepared = ClientData::Get(context).prepared_statements;
#if SEMANTIC_VIEWS_DUCKDB_2
	auto entry = prepared.find(Identifier(name));
#else
	auto entry = prepared.find(name);
#endif
	if (entry == prepared.end() || !entry->second || !entry->second->unbound_statement) {
		return nullptr;
	}
	return entry->second->unbound_statement.get();
}

//! The bind data of a bound scalar function call.
inline FunctionData &BindInfo(const BoundFunctionExpression &expression) {
#if SEMANTIC_VIEWS_DUCKDB_2
	return *expression.BindInfo();
#else
	return *expression.bind_info;
#endif
}

} // namespace compat
} // namespace duckdb
