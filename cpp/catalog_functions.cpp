// list_semantic_views(), describe_semantic_view(name),
// semantic_view_dimensions_for_metric(name, metric), get_ddl('SEMANTIC_VIEW', name).

#include "definition_store.hpp"
#include "duckdb_compat.hpp"
#include "rows_function.hpp"
#include "semantic_views_functions.hpp"

#include "duckdb/main/attached_database.hpp"
#include "duckdb/main/database_manager.hpp"
#include "duckdb/execution/expression_executor.hpp"
#include "duckdb/main/extension/extension_loader.hpp"
#include "duckdb/planner/expression.hpp"
#include "duckdb/planner/expression/bound_function_expression.hpp"

namespace duckdb {

unique_ptr<GlobalTableFunctionState> InitRows(ClientContext &context, TableFunctionInitInput &input) {
	return make_uniq<RowsState>();
}

void EmitRows(ClientContext &context, TableFunctionInput &input, DataChunk &output) {
	auto &data = input.bind_data->Cast<RowsData>();
	auto &state = input.global_state->Cast<RowsState>();
	idx_t count = 0;
	while (state.offset < data.rows.size() && count < STANDARD_VECTOR_SIZE) {
		compat::AppendRow(output, count, data.rows[state.offset++]);
		count++;
	}
	compat::FinishRows(output, count);
}

static unique_ptr<FunctionData> ListBind(ClientContext &context, TableFunctionBindInput &input,
                                         vector<LogicalType> &return_types, compat::ColumnNames &names) {
	names = {"database_name", "schema_name", "view_name", "comment", "created"};
	// `created` in UTC as a plain TIMESTAMP: clients need no time zone support to read it.
	return_types = {LogicalType::VARCHAR, LogicalType::VARCHAR, LogicalType::VARCHAR, LogicalType::VARCHAR,
	                LogicalType::TIMESTAMP};
	auto data = make_uniq<RowsData>();
	for (auto &db : DatabaseManager::Get(context).GetDatabases(context)) {
		if (db->IsSystem() || db->IsTemporary()) {
			continue;
		}
		auto store = ReadDefinitionStore(context, compat::Raw(db->GetName()));
		for (auto &row : store.rows) {
			auto created = row.created.IsNull() ? Value(LogicalType::TIMESTAMP)
			                                    : Value::TIMESTAMP(timestamp_t(row.created.GetValueUnsafe<int64_t>()));
			data->rows.push_back(
			    {Value(compat::Raw(db->GetName())), Value(row.schema_name), Value(row.view_name), row.comment, created});
		}
	}
	return std::move(data);
}

static const StoredViewRow &NamedView(ClientContext &context, const Value &name, const string &function,
                                      DefinitionStore &store) {
	auto target = ResolveViewTarget(context, StringArgument(name, function, "name"), ViewNameUse::LOOKUP, store);
	return store.Find(target);
}

static vector<Value> DescribeRowValues(const rs::DescribeRow &r) {
	vector<Value> synonyms;
	for (auto &s : r.synonyms) {
		synonyms.emplace_back(ToString(s));
	}
	return {Value(ToString(r.kind)),
	        Value(ToString(r.name)),
	        r.table.empty() ? Value(LogicalType::VARCHAR) : Value(ToString(r.table)),
	        Value(ToString(r.expression)),
	        r.has_comment ? Value(ToString(r.comment)) : Value(LogicalType::VARCHAR),
	        Value::LIST(LogicalType::VARCHAR, std::move(synonyms)),
	        Value::BOOLEAN(r.private_member),
	        r.data_type.empty() ? Value(LogicalType::VARCHAR) : Value(ToString(r.data_type))};
}

static unique_ptr<FunctionData> DescribeBind(ClientContext &context, TableFunctionBindInput &input,
                                             vector<LogicalType> &return_types, compat::ColumnNames &names) {
	names = {"object_kind", "object_name", "table_alias", "expression", "comment", "synonyms", "private", "data_type"};
	return_types = {LogicalType::VARCHAR, LogicalType::VARCHAR, LogicalType::VARCHAR,
	                LogicalType::VARCHAR, LogicalType::VARCHAR, LogicalType::LIST(LogicalType::VARCHAR),
	                LogicalType::BOOLEAN, LogicalType::VARCHAR};
	DefinitionStore store;
	auto &row = NamedView(context, input.inputs[0], "describe_semantic_view", store);
	auto described = CallRust([&] { return rs::describe(ToStr(row.Definition(context))); });
	auto data = make_uniq<RowsData>();
	for (auto &r : described) {
		data->rows.push_back(DescribeRowValues(r));
	}
	return std::move(data);
}

static void AppendMembers(ClientContext &context, const string &catalog, const StoredViewRow &view, RowsData &data) {
	auto described = CallRust([&] { return rs::describe(ToStr(view.Definition(context))); });
	for (auto &r : described) {
		auto row = DescribeRowValues(r);
		row.insert(row.begin(), {Value(catalog), Value(view.schema_name), Value(view.view_name)});
		data.rows.push_back(std::move(row));
	}
}

//! Every member of every semantic view in every attached database (SHOW SEMANTIC ... IN ACCOUNT),
//! or, given a name, of that one view (SHOW SEMANTIC ... IN view).
static unique_ptr<FunctionData> MembersBind(ClientContext &context, TableFunctionBindInput &input,
                                            vector<LogicalType> &return_types, compat::ColumnNames &names) {
	names = {"database_name", "schema_name", "view_name", "object_kind", "object_name", "table_alias",
	         "expression",    "comment",     "synonyms",  "private",     "data_type"};
	return_types = {LogicalType::VARCHAR, LogicalType::VARCHAR, LogicalType::VARCHAR,
	                LogicalType::VARCHAR, LogicalType::VARCHAR, LogicalType::VARCHAR,
	                LogicalType::VARCHAR, LogicalType::VARCHAR, LogicalType::LIST(LogicalType::VARCHAR),
	                LogicalType::BOOLEAN, LogicalType::VARCHAR};
	auto data = make_uniq<RowsData>();
	if (!input.inputs.empty()) {
		DefinitionStore store;
		auto name = StringArgument(input.inputs[0], "semantic_view_members", "name");
		auto target = ResolveViewTarget(context, name, ViewNameUse::LOOKUP, store);
		AppendMembers(context, target.catalog, store.Find(target), *data);
		return std::move(data);
	}
	for (auto &db : DatabaseManager::Get(context).GetDatabases(context)) {
		if (db->IsSystem() || db->IsTemporary()) {
			continue;
		}
		auto store = ReadDefinitionStore(context, compat::Raw(db->GetName()));
		for (auto &view : store.rows) {
			AppendMembers(context, compat::Raw(db->GetName()), view, *data);
		}
	}
	return std::move(data);
}

//! DESCRIBE SEMANTIC VIEW: Snowflake's rows, one per property.
static unique_ptr<FunctionData> PropertiesBind(ClientContext &context, TableFunctionBindInput &input,
                                               vector<LogicalType> &return_types, compat::ColumnNames &names) {
	names = {"object_kind", "object_name", "parent_entity", "property", "property_value"};
	return_types = vector<LogicalType>(5, LogicalType::VARCHAR);
	DefinitionStore store;
	auto name = StringArgument(input.inputs[0], "semantic_view_properties", "name");
	auto target = ResolveViewTarget(context, name, ViewNameUse::LOOKUP, store);
	auto &row = store.Find(target);
	auto properties = CallRust([&] { return rs::properties(ToStr(row.Definition(context)), ToStr(target.catalog)); });
	auto data = make_uniq<RowsData>();
	auto nullable = [](const rust::String &s) { return s.empty() ? Value(LogicalType::VARCHAR) : Value(ToString(s)); };
	for (auto &p : properties) {
		data->rows.push_back({nullable(p.object_kind), nullable(p.object_name), nullable(p.parent_entity),
		                      Value(ToString(p.property)), Value(ToString(p.value))});
	}
	return std::move(data);
}

static unique_ptr<FunctionData> DimensionsForMetricBind(ClientContext &context, TableFunctionBindInput &input,
                                                        vector<LogicalType> &return_types, compat::ColumnNames &names) {
	names = {"dimension", "required"};
	return_types = {LogicalType::VARCHAR, LogicalType::BOOLEAN};
	DefinitionStore store;
	auto &row = NamedView(context, input.inputs[0], "semantic_view_dimensions_for_metric", store);
	auto metric = StringArgument(input.inputs[1], "semantic_view_dimensions_for_metric", "metric");
	auto dimensions = CallRust([&] { return rs::dimensions_for_metric(ToStr(row.Definition(context)), ToStr(metric)); });
	auto data = make_uniq<RowsData>();
	for (auto &d : dimensions) {
		data->rows.push_back({Value(ToString(d.name)), Value::BOOLEAN(d.required)});
	}
	return std::move(data);
}

struct GetDdlData : public FunctionData {
	explicit GetDdlData(string ddl_p) : ddl(std::move(ddl_p)) {
	}
	string ddl;
	unique_ptr<FunctionData> Copy() const override {
		return make_uniq<GetDdlData>(ddl);
	}
	bool Equals(const FunctionData &other) const override {
		return ddl == other.Cast<GetDdlData>().ddl;
	}
};

//! The values of a scalar function's arguments, which must be constants (read at bind time).
static vector<Value> ConstantArguments(ClientContext &context, vector<unique_ptr<Expression>> &arguments,
                                       const char *function) {
	vector<Value> values;
	for (auto &argument : arguments) {
		if (!argument->IsFoldable()) {
			throw BinderException("%s: arguments must be constants", function);
		}
		values.push_back(ExpressionExecutor::EvaluateScalar(context, *argument));
	}
	return values;
}

//! GET_DDL reads the definition at bind time (constant arguments), in the caller's transaction.
static unique_ptr<FunctionData> GetDdl(ClientContext &context, vector<unique_ptr<Expression>> &arguments) {
	auto values = ConstantArguments(context, arguments, "get_ddl");
	auto kind = StringArgument(values[0], "get_ddl", "object type");
	if (!StringUtil::CIEquals(kind, "SEMANTIC_VIEW") && !StringUtil::CIEquals(kind, "SEMANTIC VIEW")) {
		throw BinderException("get_ddl: object type '%s' is not supported; use 'SEMANTIC_VIEW'", kind);
	}
	bool qualified = false;
	if (values.size() > 2) {
		if (values[2].IsNull()) {
			throw BinderException("get_ddl: the third argument (use fully qualified names) must not be NULL");
		}
		qualified = BooleanValue::Get(values[2].DefaultCastAs(LogicalType::BOOLEAN));
	}
	DefinitionStore store;
	auto target = ResolveViewTarget(context, StringArgument(values[1], "get_ddl", "name"), ViewNameUse::LOOKUP, store);
	auto &row = store.Find(target);
	auto ddl = CallRust([&] {
		return rs::get_ddl(ToStr(target.catalog), ToStr(row.schema_name), ToStr(row.view_name), ToStr(row.Definition(context)),
		                   qualified);
	});
	return make_uniq<GetDdlData>(ToString(ddl));
}

//! semantic_view_to_yaml(name[, format]) writes the stored definition as OSI (default) or
//! Snowflake YAML, at bind time like GET_DDL.
static unique_ptr<FunctionData> ToYaml(ClientContext &context, vector<unique_ptr<Expression>> &arguments) {
	auto values = ConstantArguments(context, arguments, "semantic_view_to_yaml");
	auto format = values.size() > 1 ? StringArgument(values[1], "semantic_view_to_yaml", "format") : string("osi");
	DefinitionStore store;
	auto name = StringArgument(values[0], "semantic_view_to_yaml", "name");
	auto target = ResolveViewTarget(context, name, ViewNameUse::LOOKUP, store);
	auto &row = store.Find(target);
	auto yaml = CallRust(
	    [&] { return rs::model_to_yaml(ToStr(row.view_name), ToStr(row.Definition(context)), ToStr(format)); });
	return make_uniq<GetDdlData>(ToString(yaml));
}

#if SEMANTIC_VIEWS_DUCKDB_2
static unique_ptr<FunctionData> GetDdlBind(BindScalarFunctionInput &input) {
	return GetDdl(input.GetClientContext(), input.GetArguments());
}
static unique_ptr<FunctionData> ToYamlBind(BindScalarFunctionInput &input) {
	return ToYaml(input.GetClientContext(), input.GetArguments());
}
#else
static unique_ptr<FunctionData> GetDdlBind(ClientContext &context, ScalarFunction &,
                                           vector<unique_ptr<Expression>> &arguments) {
	return GetDdl(context, arguments);
}
static unique_ptr<FunctionData> ToYamlBind(ClientContext &context, ScalarFunction &,
                                           vector<unique_ptr<Expression>> &arguments) {
	return ToYaml(context, arguments);
}
#endif

static void GetDdlFunction(DataChunk &args, ExpressionState &state, Vector &result) {
	auto &data = compat::BindInfo(state.expr.Cast<BoundFunctionExpression>()).Cast<GetDdlData>();
	result.SetVectorType(VectorType::CONSTANT_VECTOR);
	ConstantVector::GetData<string_t>(result)[0] = StringVector::AddString(result, data.ddl);
}

void RegisterCatalogFunctions(ExtensionLoader &loader) {
	ScalarFunctionSet get_ddl("get_ddl");
	for (auto &arguments : {vector<LogicalType> {LogicalType::VARCHAR, LogicalType::VARCHAR},
	                        vector<LogicalType> {LogicalType::VARCHAR, LogicalType::VARCHAR, LogicalType::BOOLEAN}}) {
		ScalarFunction function(arguments, LogicalType::VARCHAR, GetDdlFunction, GetDdlBind);
		function.SetStability(FunctionStability::VOLATILE);
		get_ddl.AddFunction(function);
	}
	loader.RegisterFunction(get_ddl);
	ScalarFunctionSet to_yaml("semantic_view_to_yaml");
	for (auto &arguments : {vector<LogicalType> {LogicalType::VARCHAR},
	                        vector<LogicalType> {LogicalType::VARCHAR, LogicalType::VARCHAR}}) {
		ScalarFunction function(arguments, LogicalType::VARCHAR, GetDdlFunction, ToYamlBind);
		function.SetStability(FunctionStability::VOLATILE);
		to_yaml.AddFunction(function);
	}
	loader.RegisterFunction(to_yaml);
	loader.RegisterFunction(TableFunction("list_semantic_views", {}, EmitRows, ListBind, InitRows));
	loader.RegisterFunction(
	    TableFunction("describe_semantic_view", {LogicalType::VARCHAR}, EmitRows, DescribeBind, InitRows));
	TableFunctionSet members("semantic_view_members");
	members.AddFunction(TableFunction({}, EmitRows, MembersBind, InitRows));
	members.AddFunction(TableFunction({LogicalType::VARCHAR}, EmitRows, MembersBind, InitRows));
	loader.RegisterFunction(members);
	loader.RegisterFunction(
	    TableFunction("semantic_view_properties", {LogicalType::VARCHAR}, EmitRows, PropertiesBind, InitRows));
	loader.RegisterFunction(TableFunction("semantic_view_dimensions_for_metric",
	                                      {LogicalType::VARCHAR, LogicalType::VARCHAR}, EmitRows,
	                                      DimensionsForMetricBind, InitRows));
}

} // namespace duckdb
