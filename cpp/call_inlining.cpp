// DuckDB 2.0 and later: just before the binder sees a SELECT (the planner's pre-bind hook), each
// semantic_view(...) call with literal arguments in a FROM clause is replaced by the SELECT it
// expands to. The statement then binds as if that SELECT had been written there, without what
// binding a table function costs on top of the expansion (looking the function up, binding and
// folding its arguments, choosing an overload: about as much as the expansion itself), and a
// bare `SELECT * FROM semantic_view(...)` becomes the expansion itself, not a subquery over it.
// A call this does not take (arguments that are not literals, a call inside an expression, a
// request that fails) binds as the table function, with the same result or error.
//
// The same walk notices a table name that a semantic view was found under before: plain SQL over
// semantic views is then rewritten here too (plain_sql.hpp), rather than after a failed bind.

#include "duckdb_compat.hpp"
#include "plain_sql.hpp"
#include "semantic_views_functions.hpp"
#include "view_call.hpp"

#include "duckdb/main/extension/extension_loader.hpp"

#if SEMANTIC_VIEWS_DUCKDB_2
#include "duckdb/catalog/catalog.hpp"
#include "duckdb/catalog/entry_lookup_info.hpp"
#include "duckdb/parser/expression/constant_expression.hpp"
#include "duckdb/parser/expression/function_expression.hpp"
#include "duckdb/parser/expression/star_expression.hpp"
#include "duckdb/parser/query_node/cte_node.hpp"
#include "duckdb/parser/query_node/recursive_cte_node.hpp"
#include "duckdb/parser/query_node/select_node.hpp"
#include "duckdb/parser/query_node/set_operation_node.hpp"
#include "duckdb/parser/statement/select_statement.hpp"
#include "duckdb/parser/tableref/basetableref.hpp"
#include "duckdb/parser/tableref/joinref.hpp"
#include "duckdb/parser/tableref/subqueryref.hpp"
#include "duckdb/parser/tableref/table_function_ref.hpp"
#include "duckdb/planner/binder.hpp"
#include "duckdb/planner/planner_extension.hpp"
#endif

namespace duckdb {

#if SEMANTIC_VIEWS_DUCKDB_2

//! A string literal's text.
static bool ReadString(const ParsedExpression &expression, string &text) {
	if (expression.GetExpressionClass() != ExpressionClass::CONSTANT) {
		return false;
	}
	auto &literal = expression.Cast<ConstantExpression>().GetLiteral();
	if (literal.kind != LiteralKind::STRING) {
		return false;
	}
	text = literal.text;
	return true;
}

//! A list literal of string literals (`['a', 'b']`).
static bool ReadNames(const ParsedExpression &expression, rust::Vec<rust::String> &names) {
	if (expression.GetExpressionClass() != ExpressionClass::FUNCTION) {
		return false;
	}
	auto &list = expression.Cast<FunctionExpression>();
	if (list.GetQualifiedName().Path().size() != 1 || list.FunctionName() != "list_value" || list.Distinct() ||
	    list.IsOperator()) {
		return false;
	}
	for (auto &argument : list.GetArguments()) {
		string name;
		if (argument.HasName() || !ReadString(argument.GetExpression(), name)) {
			return false;
		}
		names.push_back(name);
	}
	return true;
}

//! The view name and request of a semantic_view(...) call whose arguments are all literals of
//! the types the table function takes, each given once.
static bool ReadCall(const TableFunctionRef &ref, string &name, rs::ExpandRequest &request) {
	if (ref.function->GetExpressionClass() != ExpressionClass::FUNCTION ||
	    ref.with_ordinality != OrdinalityType::WITHOUT_ORDINALITY || ref.sample || ref.subquery) {
		return false;
	}
	auto &function = ref.function->Cast<FunctionExpression>();
	if (function.GetQualifiedName().Path().size() != 1 || function.FunctionName() != "semantic_view") {
		return false;
	}
	bool has_name = false, has_dimensions = false, has_metrics = false, has_facts = false;
	for (auto &argument : function.GetArguments()) {
		auto &value = argument.GetExpression();
		auto &keyword = argument.HasName() ? argument.GetName() : value.GetAlias();
		auto once = [](bool &seen) {
			return !std::exchange(seen, true);
		};
		string where;
		bool read = false;
		if (keyword.empty()) {
			read = once(has_name) && ReadString(value, name);
		} else if (keyword == "dimensions") {
			read = once(has_dimensions) && ReadNames(value, request.dimensions);
		} else if (keyword == "metrics") {
			read = once(has_metrics) && ReadNames(value, request.metrics);
		} else if (keyword == "facts") {
			read = once(has_facts) && ReadNames(value, request.facts);
		} else if (keyword == "where_clause") {
			read = once(request.has_where) && ReadString(value, where);
			request.where_clause = where;
		}
		if (!read) {
			return false;
		}
	}
	return has_name;
}

//! `SELECT * FROM <ref>` and nothing else: the SELECT the call expands to can stand in its place.
static bool IsBareStar(const SelectNode &node) {
	static const StarExpression star;
	return node.select_list.size() == 1 && node.select_list[0]->Equals(star) && !node.where_clause &&
	       node.groups.group_expressions.empty() && node.groups.grouping_sets.empty() && !node.having &&
	       !node.qualify && !node.sample && node.modifiers.empty() && node.cte_map.map.empty() &&
	       node.aggregate_handling == AggregateHandling::STANDARD_HANDLING && node.from_table->column_name_alias.empty();
}

//! Inlines the calls of one query and of the queries it is built from.
class CallInliner {
public:
	//! `clause_calls`: the calls are what SEMANTIC_VIEW clauses became, which name our function
	//! whatever functions exist (as the clause's text rewrite, its fallback, reads them).
	CallInliner(ClientContext &context, bool clause_calls)
	    : context(context), binds_ours(clause_calls ? optional_idx(1) : optional_idx()) {
	}

	void Inline(unique_ptr<QueryNode> &node) {
		for (auto &cte : node->cte_map.map) {
			Inline(cte.second->query_node);
		}
		switch (node->type) {
		case QueryNodeType::SELECT_NODE: {
			auto &select = node->Cast<SelectNode>();
			if (!select.from_table) {
				return;
			}
			if (IsBareStar(select) && select.from_table->type == TableReferenceType::TABLE_FUNCTION) {
				if (auto expanded = Expand(select.from_table->Cast<TableFunctionRef>())) {
					node = std::move(expanded->node);
					return;
				}
			}
			Inline(select.from_table);
			return;
		}
		case QueryNodeType::SET_OPERATION_NODE:
			for (auto &child : node->Cast<SetOperationNode>().children) {
				Inline(child);
			}
			return;
		case QueryNodeType::CTE_NODE: {
			auto &cte = node->Cast<CTENode>();
			Inline(cte.query);
			Inline(cte.child);
			return;
		}
		case QueryNodeType::RECURSIVE_CTE_NODE: {
			auto &cte = node->Cast<RecursiveCTENode>();
			Inline(cte.left);
			Inline(cte.right);
			return;
		}
		default:
			return;
		}
	}

	//! Whether a call was inlined (the statement must then bind again at every execution).
	bool inlined = false;
	//! Whether a FROM clause reads a table name that a semantic view was found under before.
	bool reads_view_name = false;

private:
	void Inline(unique_ptr<TableRef> &ref) {
		switch (ref->type) {
		case TableReferenceType::TABLE_FUNCTION: {
			auto &call = ref->Cast<TableFunctionRef>();
			if (auto expanded = Expand(call)) {
				auto subquery = make_uniq<SubqueryRef>(std::move(expanded), call.alias);
				subquery->column_name_alias = std::move(call.column_name_alias);
				subquery->query_location = call.query_location;
				ref = std::move(subquery);
			}
			return;
		}
		case TableReferenceType::JOIN: {
			auto &join = ref->Cast<JoinRef>();
			Inline(join.left);
			Inline(join.right);
			return;
		}
		case TableReferenceType::SUBQUERY:
			Inline(ref->Cast<SubqueryRef>().subquery->node);
			return;
		case TableReferenceType::BASE_TABLE: {
			auto &table = ref->Cast<BaseTableRef>();
			if (!reads_view_name && !table.at_clause) {
				if (!hints) {
					hints = &ViewNameHints::Get(context); // once per statement: this runs for every query
				}
				reads_view_name = hints->Has(table.Table().GetIdentifierName());
			}
			return;
		}
		default:
			return;
		}
	}

	//! Whether `semantic_view` names our table function where DuckDB looks it up (a macro of that
	//! name in a schema on the search path would be bound instead); looked up once per statement.
	bool BindsOurs() {
		if (!binds_ours.IsValid()) {
			QualifiedName name(Identifier("semantic_view"));
			EntryLookupInfo lookup(CatalogType::TABLE_FUNCTION_ENTRY, name);
			auto entry = Catalog::GetEntry(context, lookup, OnEntryNotFound::RETURN_NULL);
			binds_ours = entry && entry->ParentCatalog().IsSystemCatalog() ? 1 : 0;
		}
		return binds_ours.GetIndex() == 1;
	}

	//! The SELECT a call expands to; none when the table function should bind it instead (it
	//! then reports the error of a failing request, with the call's position).
	unique_ptr<SelectStatement> Expand(const TableFunctionRef &call) {
		string name;
		rs::ExpandRequest request;
		if (!ReadCall(call, name, request) || !BindsOurs()) {
			return nullptr;
		}
		try {
			auto select = ExpandCallToSelect(context, name, request);
			inlined = true;
			return select;
		} catch (std::exception &) {
			return nullptr;
		}
	}

	ClientContext &context;
	optional_idx binds_ours;
	optional_ptr<ViewNameHints> hints;
};

bool InlineClauseCalls(ClientContext &context, SQLStatement &statement) {
	if (statement.type != StatementType::SELECT_STATEMENT) {
		return false;
	}
	CallInliner inliner(context, true);
	inliner.Inline(statement.Cast<SelectStatement>().node);
	return inliner.inlined;
}

static void ExpandBeforeBind(PlannerExtensionInput &input, SQLStatement &statement) {
	if (statement.type != StatementType::SELECT_STATEMENT) {
		return;
	}
	CallInliner inliner(input.context, false);
	inliner.Inline(statement.Cast<SelectStatement>().node);
	// The rewrite starts from the statement's text, so it covers the calls inlined above.
	bool rewritten = inliner.reads_view_name && RewritePlainSqlBeforeBind(input.context, input.binder, statement);
	// Definitions are data, not catalog entries: prepared statements must expand again.
	if (inliner.inlined || rewritten) {
		input.binder.SetAlwaysRequireRebind();
	}
}

void RegisterCallInlining(ExtensionLoader &loader) {
	PlannerExtension extension;
	extension.pre_bind_function = ExpandBeforeBind;
	PlannerExtension::Register(DBConfig::GetConfig(loader.GetDatabaseInstance()), std::move(extension));
}

#else

void RegisterCallInlining(ExtensionLoader &) {
}

#endif

} // namespace duckdb
