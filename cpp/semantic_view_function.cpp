// semantic_view(name, dimensions := [...], metrics := [...], facts := [...], where_clause := '...')
// expands at bind time to a SELECT planned inline with the caller's query (bind_replace), and
// explain_semantic_view(...) returns that SELECT as text.

#include "definition_store.hpp"
#include "duckdb_compat.hpp"
#include "parse_cache.hpp"
#include "rows_function.hpp"
#include "semantic_views_functions.hpp"
#include "view_cache.hpp"
#include "view_call.hpp"

#include "duckdb/main/extension/extension_loader.hpp"
#include "duckdb/parser/parser.hpp"
#include "duckdb/parser/statement/select_statement.hpp"
#include "duckdb/parser/tableref/subqueryref.hpp"
#include "duckdb/planner/binder.hpp"

namespace duckdb {

template <class NAMED_PARAMETERS>
static rust::Vec<rust::String> NameList(const NAMED_PARAMETERS &parameters, const char *key) {
	rust::Vec<rust::String> out;
	auto value = compat::FindNamedParameter(parameters, key);
	if (!value || value->IsNull()) {
		return out;
	}
	for (auto &child : ListValue::GetChildren(*value)) {
		if (child.IsNull()) {
			throw BinderException("semantic_view: %s must not contain NULL", key);
		}
		out.push_back(StringValue::Get(child));
	}
	return out;
}

//! The request of a semantic_view(...) or explain_semantic_view(...) call, from its bound arguments.
static rs::ExpandRequest BoundRequest(TableFunctionBindInput &input) {
	rs::ExpandRequest request;
	request.dimensions = NameList(input.named_parameters, "dimensions");
	request.metrics = NameList(input.named_parameters, "metrics");
	request.facts = NameList(input.named_parameters, "facts");
	auto where = compat::FindNamedParameter(input.named_parameters, "where_clause");
	request.has_where = where && !where->IsNull();
	if (request.has_where) {
		request.where_clause = StringValue::Get(*where);
	}
	return request;
}

string ExpandCall(ClientContext &context, const string &name, rs::ExpandRequest &request) {
	request.verify_keys = VerifyKeys(context);
	DefinitionStore store;
	auto target = ResolveViewTarget(context, name, ViewNameUse::QUERY, store);
	auto &row = store.Find(target);
	auto &cache = GetViewCache(context);
	auto expand = [&](const string &definition) {
		return CallRust([&] {
			return rs::expand(cache, ToStr(target.name), ToStr(row.version), ToStr(definition), ToStr(target.catalog),
			                  request);
		});
	};
	// By version alone where the store has one: on a hit the definition is never read.
	static const string unread;
	auto expanded = expand(row.version.empty() ? row.Definition(context) : unread);
	if (expanded.needs_definition) {
		expanded = expand(row.Definition(context));
	}
	return ToString(expanded.sql);
}

unique_ptr<SelectStatement> ExpandCallToSelect(ClientContext &context, const string &name,
                                               rs::ExpandRequest &request) {
	auto statements = ParseGenerated(context, ExpandCall(context, name, request));
	if (statements.size() != 1 || statements[0]->type != StatementType::SELECT_STATEMENT) {
		throw InvalidInputException("semantic_view: expansion did not produce a single SELECT");
	}
	return unique_ptr_cast<SQLStatement, SelectStatement>(std::move(statements[0]));
}

static unique_ptr<TableRef> SemanticViewBind(ClientContext &context, TableFunctionBindInput &input) {
	auto name = StringArgument(input.inputs[0], "semantic_view", "name");
	auto request = BoundRequest(input);
	auto select = ExpandCallToSelect(context, name, request);
	// Definitions are data, not catalog entries: prepared statements must re-expand.
	if (input.binder) {
		input.binder->SetAlwaysRequireRebind();
	}
	return make_uniq<SubqueryRef>(std::move(select));
}

static unique_ptr<FunctionData> ExplainBind(ClientContext &context, TableFunctionBindInput &input,
                                            vector<LogicalType> &return_types, compat::ColumnNames &names) {
	auto data = make_uniq<RowsData>();
	auto name = StringArgument(input.inputs[0], "explain_semantic_view", "name");
	auto request = BoundRequest(input);
	data->rows.push_back({Value(ExpandCall(context, name, request))});
	return_types.push_back(LogicalType::VARCHAR);
	names.push_back("sql");
	return std::move(data);
}

static void AddRequestParameters(TableFunction &function) {
	compat::AddNamedParameter(function, "dimensions", LogicalType::LIST(LogicalType::VARCHAR));
	compat::AddNamedParameter(function, "metrics", LogicalType::LIST(LogicalType::VARCHAR));
	compat::AddNamedParameter(function, "facts", LogicalType::LIST(LogicalType::VARCHAR));
	compat::AddNamedParameter(function, "where_clause", LogicalType::VARCHAR);
}

void RegisterSemanticViewFunctions(ExtensionLoader &loader) {
	TableFunction semantic_view("semantic_view", {LogicalType::VARCHAR}, nullptr, nullptr);
	semantic_view.bind_replace = SemanticViewBind;
	AddRequestParameters(semantic_view);
	loader.RegisterFunction(semantic_view);

	TableFunction explain("explain_semantic_view", {LogicalType::VARCHAR}, EmitRows, ExplainBind, InitRows);
	AddRequestParameters(explain);
	loader.RegisterFunction(explain);
}

} // namespace duckdb
