// PRAGMA define_semantic_view / define_or_replace_semantic_view / drop_semantic_view[_if_exists].
// Each callback validates with the Rust core and returns the SQL that DuckDB then runs in the
// caller's transaction (no locks held, no second connection).

#include "view_commands.hpp"
#include "semantic_views_functions.hpp"

#include "duckdb/function/pragma_function.hpp"
#include "duckdb/main/extension/extension_loader.hpp"

namespace duckdb {

string StringArgument(const Value &value, const string &function, const string &argument) {
	if (value.IsNull()) {
		throw BinderException("%s: %s must not be NULL", function, argument);
	}
	return StringValue::Get(value);
}

static string Define(ClientContext &context, const FunctionParameters &parameters, bool replace) {
	auto function = replace ? "define_or_replace_semantic_view" : "define_semantic_view";
	auto name = StringArgument(parameters.values[0], function, "name");
	auto json = StringArgument(parameters.values[1], function, "definition");
	auto target = ResolveViewTarget(context, name, ViewNameUse::CREATE);
	auto defined = PrepareDefine(context, target, json, replace, false);
	return ToString(defined.create_store) + ToString(defined.write) + ";";
}

static string DefineQuery(ClientContext &context, const FunctionParameters &parameters) {
	return Define(context, parameters, false);
}

static string DefineOrReplaceQuery(ClientContext &context, const FunctionParameters &parameters) {
	return Define(context, parameters, true);
}

static string Drop(ClientContext &context, const FunctionParameters &parameters, bool if_exists) {
	auto name = StringArgument(parameters.values[0], "drop_semantic_view", "name");
	return PrepareDrop(context, name, if_exists);
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
