// verify_semantic_view(name): checks declared keys and relationships against the data, and the
// semantic_views_verify setting: with 'error', every expansion checks, inside the query, the keys
// its joins rely on. The Rust core writes the checks; each is bound first, so a table that cannot
// be read reports "not checked" with DuckDB's reason instead of failing the whole report.

#include "definition_store.hpp"
#include "duckdb_compat.hpp"
#include "semantic_views_functions.hpp"

#include "duckdb/main/config.hpp"
#include "duckdb/main/extension/extension_loader.hpp"
#include "duckdb/parser/statement/select_statement.hpp"
#include "duckdb/parser/tableref/subqueryref.hpp"
#include "duckdb/planner/binder.hpp"

namespace duckdb {

static constexpr const char *VERIFY_SETTING = "semantic_views_verify";

bool VerifyKeys(ClientContext &context) {
	Value value;
	if (!context.TryGetCurrentSetting(Identifier(VERIFY_SETTING), value) || value.IsNull()) {
		return false;
	}
	return StringUtil::CIEquals(StringValue::Get(value), "error");
}

static void CheckVerifySetting(ClientContext &, SetScope, Value &parameter) {
	auto text = StringUtil::Lower(parameter.ToString());
	if (text != "off" && text != "error") {
		throw InvalidInputException("semantic_views_verify must be 'off' or 'error', not '%s' (a query cannot emit "
		                            "warnings; use verify_semantic_view() to report without failing)",
		                            parameter.ToString());
	}
	parameter = Value(text);
}

//! Why a check's query does not bind (its table is missing or unreadable), or "".
static string NotCheckedReason(ClientContext &context, const string &query) {
	try {
		auto statements = compat::ParseStatements(context, query);
		auto binder = Binder::CreateBinder(context);
		binder->Bind(*statements[0]);
		return "";
	} catch (std::exception &ex) {
		ErrorData error(ex);
		return error.RawMessage();
	}
}

static unique_ptr<TableRef> VerifyBind(ClientContext &context, TableFunctionBindInput &input) {
	auto name = StringArgument(input.inputs[0], "verify_semantic_view", "name");
	DefinitionStore store;
	auto target = ResolveViewTarget(context, name, ViewNameUse::QUERY, store);
	auto &definition = store.Find(target).Definition(context);
	auto checks = CallRust([&] { return rs::verify_checks(ToStr(definition), ToStr(target.catalog)); });
	rust::Vec<rust::String> not_checked;
	for (auto &check : checks) {
		not_checked.push_back(NotCheckedReason(context, ToString(check.query)));
	}
	if (input.binder) {
		input.binder->SetAlwaysRequireRebind();
	}
	auto sql = ToString(CallRust([&] { return rs::verify_report(ToStr(definition), ToStr(target.catalog), not_checked); }));
	auto statements = compat::ParseStatements(context, sql);
	auto select = unique_ptr_cast<SQLStatement, SelectStatement>(std::move(statements[0]));
	return make_uniq<SubqueryRef>(std::move(select));
}

void RegisterVerifyFunctions(ExtensionLoader &loader) {
	TableFunction verify("verify_semantic_view", {LogicalType::VARCHAR}, nullptr, nullptr);
	verify.bind_replace = VerifyBind;
	loader.RegisterFunction(verify);
	auto &config = DBConfig::GetConfig(loader.GetDatabaseInstance());
	config.AddExtensionOption(Identifier(VERIFY_SETTING),
	                          "'error': semantic view queries fail when a key their joins rely on is not unique in "
	                          "the data; 'off' (default): no check",
	                          LogicalType::VARCHAR, Value("off"), CheckVerifySetting);
}

} // namespace duckdb
