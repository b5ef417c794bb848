// list_semantic_views(), describe_semantic_view(name),
// semantic_view_dimensions_for_metric(name, metric).

#include "definition_store.hpp"
#include "rows_function.hpp"
#include "semantic_views_functions.hpp"

#include "duckdb/main/attached_database.hpp"
#include "duckdb/main/database_manager.hpp"
#include "duckdb/main/extension/extension_loader.hpp"

namespace duckdb {

unique_ptr<GlobalTableFunctionState> InitRows(ClientContext &context, TableFunctionInitInput &input) {
	return make_uniq<RowsState>();
}

void EmitRows(ClientContext &context, TableFunctionInput &input, DataChunk &output) {
	auto &data = input.bind_data->Cast<RowsData>();
	auto &state = input.global_state->Cast<RowsState>();
	idx_t count = 0;
	while (state.offset < data.rows.size() && count < STANDARD_VECTOR_SIZE) {
		auto &row = data.rows[state.offset++];
		for (idx_t col = 0; col < row.size(); col++) {
			output.SetValue(col, count, row[col]);
		}
		count++;
	}
	output.SetCardinality(count);
}

static unique_ptr<FunctionData> ListBind(ClientContext &context, TableFunctionBindInput &input,
                                         vector<LogicalType> &return_types, vector<string> &names) {
	names = {"database_name", "schema_name", "view_name", "comment", "created"};
	return_types = {LogicalType::VARCHAR, LogicalType::VARCHAR, LogicalType::VARCHAR, LogicalType::VARCHAR,
	                LogicalType::TIMESTAMP_TZ};
	auto data = make_uniq<RowsData>();
	for (auto &db : DatabaseManager::Get(context).GetDatabases(context)) {
		if (db->IsSystem() || db->IsTemporary()) {
			continue;
		}
		auto store = ReadDefinitionStore(context, db->GetName());
		for (auto &row : store.rows) {
			data->rows.push_back({Value(db->GetName()), Value(row.schema_name), Value(row.view_name), row.comment,
			                      row.created});
		}
	}
	return std::move(data);
}

static const StoredViewRow &NamedView(ClientContext &context, const Value &name, const string &function,
                                      DefinitionStore &store) {
	auto target = ResolveViewTarget(context, StringArgument(name, function, "name"));
	store = ReadDefinitionStore(context, target.catalog);
	return store.Find(target);
}

static unique_ptr<FunctionData> DescribeBind(ClientContext &context, TableFunctionBindInput &input,
                                             vector<LogicalType> &return_types, vector<string> &names) {
	names = {"object_kind", "object_name", "table_alias", "expression", "comment", "synonyms", "private"};
	return_types = {LogicalType::VARCHAR, LogicalType::VARCHAR, LogicalType::VARCHAR,
	                LogicalType::VARCHAR, LogicalType::VARCHAR, LogicalType::LIST(LogicalType::VARCHAR),
	                LogicalType::BOOLEAN};
	DefinitionStore store;
	auto &row = NamedView(context, input.inputs[0], "describe_semantic_view", store);
	auto described = CallRust([&] { return rs::describe(ToStr(row.definition)); });
	auto data = make_uniq<RowsData>();
	for (auto &r : described) {
		vector<Value> synonyms;
		for (auto &s : r.synonyms) {
			synonyms.emplace_back(ToString(s));
		}
		data->rows.push_back({Value(ToString(r.kind)), Value(ToString(r.name)),
		                      r.table.empty() ? Value(LogicalType::VARCHAR) : Value(ToString(r.table)),
		                      Value(ToString(r.expression)),
		                      r.has_comment ? Value(ToString(r.comment)) : Value(LogicalType::VARCHAR),
		                      Value::LIST(LogicalType::VARCHAR, std::move(synonyms)), Value::BOOLEAN(r.private_member)});
	}
	return std::move(data);
}

static unique_ptr<FunctionData> DimensionsForMetricBind(ClientContext &context, TableFunctionBindInput &input,
                                                        vector<LogicalType> &return_types, vector<string> &names) {
	names = {"dimension"};
	return_types = {LogicalType::VARCHAR};
	DefinitionStore store;
	auto &row = NamedView(context, input.inputs[0], "semantic_view_dimensions_for_metric", store);
	auto metric = StringArgument(input.inputs[1], "semantic_view_dimensions_for_metric", "metric");
	auto dimensions = CallRust([&] { return rs::dimensions_for_metric(ToStr(row.definition), ToStr(metric)); });
	auto data = make_uniq<RowsData>();
	for (auto &d : dimensions) {
		data->rows.push_back({Value(ToString(d))});
	}
	return std::move(data);
}

void RegisterCatalogFunctions(ExtensionLoader &loader) {
	loader.RegisterFunction(TableFunction("list_semantic_views", {}, EmitRows, ListBind, InitRows));
	loader.RegisterFunction(
	    TableFunction("describe_semantic_view", {LogicalType::VARCHAR}, EmitRows, DescribeBind, InitRows));
	loader.RegisterFunction(TableFunction("semantic_view_dimensions_for_metric",
	                                      {LogicalType::VARCHAR, LogicalType::VARCHAR}, EmitRows,
	                                      DimensionsForMetricBind, InitRows));
}

} // namespace duckdb
