// The SQL surface: CREATE / DROP / ALTER / SHOW / DESCRIBE SEMANTIC VIEW and the SEMANTIC_VIEW()
// query clause. DuckDB offers statements its own parser rejects to our parse hook (Rust parses
// them). A DDL statement must write in the caller's transaction, which a parser extension's
// table function cannot; so the plan hook stashes the statement and fails binding, and our
// operator extension, which DuckDB then asks to bind the statement, binds the one SQL
// statement that performs it (verified mechanism, see the handbook).

#include "bounded_map.hpp"
#include "duckdb_compat.hpp"
#include "parse_cache.hpp"
#include "plain_sql.hpp"
#include "view_call.hpp"
#include "semantic_views_functions.hpp"
#include "view_commands.hpp"
#include "view_cache.hpp"

#include <algorithm>

#include "duckdb/catalog/catalog.hpp"
#include "duckdb/main/client_context_state.hpp"
#include "duckdb/main/config.hpp"
#include "duckdb/function/replacement_scan.hpp"
#include "duckdb/main/extension/extension_loader.hpp"
#include "duckdb/parser/parsed_data/create_schema_info.hpp"
#include "duckdb/parser/parsed_data/create_table_info.hpp"
#include "duckdb/parser/keyword_helper.hpp"
#include "duckdb/parser/parser.hpp"
#include "duckdb/parser/parser_extension.hpp"
#include "duckdb/main/client_data.hpp"
#include "duckdb/main/prepared_statement_data.hpp"
#include "duckdb/parser/statement/create_statement.hpp"
#include "duckdb/parser/statement/prepare_statement.hpp"
#include "duckdb/parser/statement/extension_statement.hpp"
#include "duckdb/parser/statement/select_statement.hpp"
#include "duckdb/planner/binder.hpp"
#include "duckdb/planner/operator_extension.hpp"
#include "duckdb/transaction/meta_transaction.hpp"
#if SEMANTIC_VIEWS_DUCKDB_2
#include "duckdb/catalog/entry_lookup_info.hpp"
#include "duckdb/parser/qualified_name.hpp"
#endif

namespace duckdb {

static constexpr const char *STASH_KEY = "semantic_views_statement";

struct SemanticStatementData : public ParserExtensionParseData {
	explicit SemanticStatementData(rs::ParsedStatement statement_p) : statement(std::move(statement_p)) {
	}
	rs::ParsedStatement statement;

	unique_ptr<ParserExtensionParseData> Copy() const override {
		return make_uniq<SemanticStatementData>(statement);
	}
	string ToString() const override {
		return "semantic_views " + duckdb::ToString(statement.kind);
	}
};

struct SemanticStatementStash : public ClientContextState {
	explicit SemanticStatementStash(rs::ParsedStatement statement_p) : statement(std::move(statement_p)) {
	}
	rs::ParsedStatement statement;
};

//! Queries with SEMANTIC_VIEW(...) clauses as the parser extension read them, per database
//! instance (the extension's parser info lives in the database's config): dashboards repeat the
//! same texts, and reading one costs more than the rest of its rewrite. The reading depends on
//! the text alone, so an entry is never stale.
struct SemanticParserInfo : public ParserExtensionInfo {
	BoundedMap<rs::ParsedStatement> queries {1024, 4 << 20};
};

//! Parses the text of one statement: not ours (DuckDB reports its own syntax error), ours, or
//! ours with a syntax error at a byte offset of `text`.
static ParserExtensionParseResult ParseStatementText(ParserExtensionInfo *info, const string &text) {
	auto cache = dynamic_cast<SemanticParserInfo *>(info);
	rs::ParsedStatement parsed;
	if (!cache || !cache->queries.Find(text, parsed)) {
		parsed = rs::parse_statement(ToStr(text));
		// Only queries repeat; DDL is read once (and may carry a large definition).
		if (cache && ToString(parsed.kind) == "query" && !parsed.has_error) {
			cache->queries.Set(text, parsed, parsed.sql.size());
		}
	}
	if (parsed.kind.empty()) {
		return ParserExtensionParseResult(); // not ours: DuckDB reports its own syntax error
	}
	if (parsed.has_error) {
		ParserExtensionParseResult result(ToString(parsed.error));
		result.error_location = parsed.error_position;
		return result;
	}
	return ParserExtensionParseResult(make_uniq<SemanticStatementData>(std::move(parsed)));
}

#if SEMANTIC_VIEWS_DUCKDB_2
static bool IsOneOf(const string &text, std::initializer_list<const char *> options) {
	for (auto option : options) {
		if (StringUtil::CIEquals(text, option)) {
			return true;
		}
	}
	return false;
}

//! Keywords written like functions: `coalesce(a, b)`, not `coalesce (a, b)`.
static bool IsCallLikeKeyword(const string &text) {
	return IsOneOf(text, {"coalesce", "nullif", "cast", "try_cast", "extract", "greatest", "least", "row", "position",
	                      "substring", "trim", "overlay", "grouping", "columns", "left", "right", "year", "month",
	                      "day", "hour", "minute", "second"});
}

//! Keywords after which `-`/`+` starts an operand (`THEN -1`), unlike `INTERVAL 1 DAY + x`.
static bool StartsOperand(const string &keyword) {
	return IsOneOf(keyword, {"select", "where", "having", "when", "then", "else", "and", "or", "not", "as", "in",
	                         "is", "like", "ilike", "between", "case", "on", "by", "return", "interval"});
}

//! Whether a space separated two tokens, in conventional SQL layout. Token texts are source
//! substrings, so only the spacing between them is lost; the definitions we store (and print
//! in DESCRIBE and GET_DDL) keep `sum(amount)` rather than `sum ( amount )`.
static bool SpaceBetween(const SimpleToken &previous, const SimpleToken &current, bool previous_is_unary) {
	// Two signs written apart (`- - x`) must not fuse into a comment or another operator.
	auto fuses = [](const string &a, const string &b) {
		return !a.empty() && !b.empty() && string("+-*/<>=~!@#%^&|`?").find(a.back()) != string::npos &&
		       string("+-*/<>=~!@#%^&|`?").find(b.front()) != string::npos;
	};
	if (previous.type == TokenType::OPERATOR && current.type == TokenType::OPERATOR && fuses(previous.text, current.text)) {
		return true;
	}
	if (previous_is_unary || IsOneOf(previous.text, {"(", "[", ".", "::"})) {
		return false;
	}
	if (previous.text == "{") {
		return false;
	}
	if (IsOneOf(current.text, {",", ")", "]", "}", ".", "::", ":"})) {
		return false;
	}
	if (IsOneOf(current.text, {"(", "["})) {
		// A call or subscript follows a name; a keyword's parenthesised list keeps its space.
		return previous.type == TokenType::KEYWORD && !(current.text == "(" && IsCallLikeKeyword(previous.text));
	}
	return true;
}

//! A sign that starts an operand (`-1`, `(-x)`), as opposed to a binary operator.
static bool IsUnarySign(const SimpleToken *previous, const SimpleToken &current) {
	if (!IsOneOf(current.text, {"-", "+"})) {
		return false;
	}
	return !previous || (previous->type == TokenType::KEYWORD && StartsOperand(previous->text)) ||
	       (previous->type == TokenType::OPERATOR && !IsOneOf(previous->text, {")", "]", "}"}));
}

//! DuckDB 2.0 offers the tokens from the start of the statement its parser rejected to the end of
//! the input, without offsets or comments. We take the statement up to its terminator, rebuild
//! its text and claim those tokens; an error is reported by a negative count. Our error
//! positions refer to the rebuilt text, not the query, so the message names the offending token.
static ParserExtensionParseResult SemanticParse(ParserExtensionInfo *info, const vector<SimpleToken> &tokens) {
	idx_t end = 0;
	string text;
	const SimpleToken *previous = nullptr;
	bool previous_is_unary = false;
	for (; end < tokens.size(); end++) {
		auto &token = tokens[end];
		if (token.type == TokenType::TERMINATOR || token.type == TokenType::END_OF_INPUT) {
			break;
		}
		if (token.type == TokenType::COMMENT) {
			continue;
		}
		if (previous && SpaceBetween(*previous, token, previous_is_unary)) {
			text += ' ';
		}
		text += token.text;
		previous_is_unary = IsUnarySign(previous, token);
		previous = &token;
	}
	auto result = ParseStatementText(info, text);
	if (result.type == ParserExtensionResultType::PARSE_SUCCESSFUL) {
		result.consumed_tokens = NumericCast<int64_t>(MinValue<idx_t>(end + 1, tokens.size()));
	} else if (result.type == ParserExtensionResultType::DISPLAY_EXTENSION_ERROR) {
		result.consumed_tokens = -1;
		result.error_location = optional_idx();
	}
	return result;
}
#else
static ParserExtensionParseResult SemanticParse(ParserExtensionInfo *info, const string &query) {
	return ParseStatementText(info, query);
}
#endif

static ParserExtensionPlanResult SemanticPlan(ParserExtensionInfo *, ClientContext &context,
                                             unique_ptr<ParserExtensionParseData> data) {
	auto &statement = static_cast<SemanticStatementData &>(*data).statement;
	context.registered_state->Remove(STASH_KEY);
	context.registered_state->Insert(STASH_KEY, make_shared_ptr<SemanticStatementStash>(statement));
	throw BinderException("semantic_views statement is bound by its operator extension");
}

//! Creates the definition store through the catalog (the statement that follows writes to it).
static void CreateStore(ClientContext &context, const string &catalog_name, const string &sql) {
	auto statements = compat::ParseStatements(context, sql);
	auto &catalog = Catalog::GetCatalog(context, Identifier(catalog_name));
	// Mark the write in the transaction first, as the binder does for CREATE statements.
	MetaTransaction::Get(context).ModifyDatabase(catalog.GetAttached(), DatabaseModificationType::CREATE_CATALOG_ENTRY);
	for (auto &statement : statements) {
		auto &info = statement->Cast<CreateStatement>().info;
		if (info->type == CatalogType::SCHEMA_ENTRY) {
			catalog.CreateSchema(context, info->Cast<CreateSchemaInfo>());
		} else {
			catalog.CreateTable(context, unique_ptr_cast<CreateInfo, CreateTableInfo>(std::move(info)));
		}
	}
}

//! The one SQL statement that performs a parsed statement.
static string StatementSql(ClientContext &context, const rs::ParsedStatement &statement) {
	auto kind = ToString(statement.kind);
	if (kind == "query") {
		return ToString(statement.sql);
	}
	if (kind == "drop") {
		return PrepareDrop(context, ToString(statement.name), statement.if_exists);
	}
	auto target = ResolveViewTarget(context, ToString(statement.name),
	                                kind == "define" ? ViewNameUse::CREATE : ViewNameUse::LOOKUP);
	if (kind == "define") {
		auto defined = PrepareDefine(context, target, ToString(statement.json), statement.replace,
		                             statement.if_not_exists);
		if (!defined.create_store.empty()) {
			CreateStore(context, target.catalog, ToString(defined.create_store));
		}
		return ToString(defined.write);
	}
	auto store = ReadDefinitionStore(context, target.catalog);
	auto views = store.ToRust();
	if (kind == "rename") {
		auto sql = CallRust([&] {
			return rs::rename_view(ToStr(target.catalog), ToStr(target.schema), ToStr(target.name),
			                       statement.new_name, statement.if_exists, views);
		});
		CheckWritable(context, target, "rename");
		return ToString(sql);
	}
	// kind == "comment"
	if (statement.if_exists) {
		try {
			store.Find(target);
		} catch (std::exception &) {
			return "SELECT NULL AS nothing_to_do WHERE false";
		}
	}
	auto &row = store.Find(target);
	CheckWritable(context, target, "alter");
	return ToString(CallRust([&] {
		return rs::comment_view(ToStr(target.catalog), store.layout, ToStr(row.schema_name), ToStr(row.view_name),
		                        ToStr(row.Definition(context)), statement.has_comment, statement.comment);
	}));
}

//! Plain SQL over semantic views (`SELECT region, AGG(revenue) FROM sales GROUP BY region`):
//! DuckDB could not bind the query; if it reads semantic views, bind its rewrite instead.
static constexpr const char *PREPARED_KEY = "semantic_views_prepared";

//! The text of each `PREPARE name AS ...` over a semantic view in this connection: DuckDB binds
//! the prepared statement again at EXECUTE, when only `EXECUTE name(...)` is left to read.
struct PreparedTexts : public ClientContextState {
	unordered_map<string, string> texts;
};

//! Whether `name` is still the statement `text` (a `PREPARE name AS ...`) prepared: a later
//! PREPARE of the same name that DuckDB bound alone never reached us.
static bool IsPreparedFrom(ClientContext &context, const string &name, const string &text) {
	auto unbound = compat::PreparedUnboundStatement(context, name);
	if (!unbound) {
		return false;
	}
	auto statements = compat::ParseStatements(context, text);
	if (statements.size() != 1 || statements[0]->type != StatementType::PREPARE_STATEMENT) {
		return false;
	}
	auto &prepare = statements[0]->Cast<PrepareStatement>();
	return prepare.statement && prepare.statement->ToString() == unbound->ToString();
}

//! The SQL text of the statement being bound. A statement nested in another (PREPARE p AS
//! SELECT ...) has no text of its own: take the running statement's (the Rust side reads past
//! `PREPARE p AS`), or at EXECUTE the text its PREPARE had. ToString() is not safe here: a
//! failed bind may have moved expressions out of the statement.
static string StatementText(ClientContext &context, SQLStatement &statement, string &prepared_name) {
	if (!statement.query.empty()) {
		return statement.query;
	}
	auto sql = context.GetCurrentQuery();
	auto prepared = rs::prepared_statement_name(ToStr(sql));
	if (ToString(prepared.kind) == "prepare") {
		prepared_name = ToString(prepared.name);
	} else if (ToString(prepared.kind) == "execute") {
		auto texts = context.registered_state->Get<PreparedTexts>(PREPARED_KEY);
		auto name = ToString(prepared.name);
		if (texts && texts->texts.count(name) && IsPreparedFrom(context, name, texts->texts[name])) {
			return texts->texts[name];
		}
	}
	return sql;
}

//! The semantic views the replacement scan found while DuckDB bound the running statement: the
//! rewrite that follows (same statement, same transaction, nothing written in between) takes
//! them from here instead of resolving each name again.
struct ScannedViews : public ClientContextState {
	static constexpr const char *KEY = "semantic_views_scanned";
	struct Scanned {
		string name;
		ViewTarget target;
		DefinitionStore store;
	};
	//! The query (statement) number they were found in.
	idx_t query = MAXIMUM_QUERY_ID;
	vector<Scanned> views;
};

static void RememberScanned(ClientContext &context, const string &name, const ViewTarget &target,
                            DefinitionStore store) {
	auto scanned = context.registered_state->GetOrCreate<ScannedViews>(ScannedViews::KEY);
	auto query = context.transaction.GetActiveQuery();
	if (scanned->query != query) {
		scanned->query = query;
		scanned->views.clear();
	}
	scanned->views.push_back({name, target, std::move(store)});
}

//! The view the replacement scan found under `name` in the running statement, if any.
static bool TakeScanned(ClientContext &context, const string &name, ViewTarget &target, DefinitionStore &store) {
	auto scanned = context.registered_state->Get<ScannedViews>(ScannedViews::KEY);
	if (!scanned || scanned->query != context.transaction.GetActiveQuery()) {
		return false;
	}
	auto &views = scanned->views;
	auto found = std::find_if(views.begin(), views.end(), [&](const ScannedViews::Scanned &v) { return v.name == name; });
	if (found == views.end()) {
		return false;
	}
	target = std::move(found->target);
	store = std::move(found->store);
	views.erase(found);
	return true;
}

//! The semantic views a statement reads, with the store rows they come from.
struct ViewsRead {
	rust::Vec<rs::PlainView> views;
	//! The store each view was read from, and its row there, in the order of `views`.
	vector<DefinitionStore> stores;
	vector<idx_t> rows;
};

#if SEMANTIC_VIEWS_DUCKDB_2
static unique_ptr<TableRef> SemanticViewNameScan(ClientContext &context, ReplacementScanInput &input,
                                                 optional_ptr<ReplacementScanData>);

//! Whether a replacement scan that DuckDB asks before ours (a Python data frame of that name,
//! say) takes the name.
static bool EarlierScanTakes(ClientContext &context, const QualifiedName &name) {
	if (!context.config.use_replacement_scans) {
		return false;
	}
	ReplacementScanInput input(name);
	for (auto &scan : context.config.replacement_scans) {
		if (scan->function(context, input, scan->data.get())) {
			return true;
		}
	}
	for (auto &scan : DBConfig::GetConfig(context).replacement_scans.Snapshot()) {
		if (scan->function == SemanticViewNameScan) {
			return false;
		}
		if (scan->function(context, input, scan->data.get())) {
			return true;
		}
	}
	return false;
}

//! Whether the binder would bind `name` (as written in the query) to something other than a
//! semantic view: a table or view, looked up as it looks up a table reference, or what a
//! replacement scan asked before ours returns. An unreadable name counts as bound.
static bool BindsOtherwise(Binder &binder, ClientContext &context, const string &name) {
	try {
		QualifiedName written;
		string error;
		if (!QualifiedName::TryParse(name, written, error)) {
			return true;
		}
		EntryLookupInfo lookup(CatalogType::TABLE_ENTRY, QualifiedName(written.Name()));
		auto bound = Binder::BindTableName(binder.EntryRetriever(), written);
		if (Catalog::GetEntry(binder.EntryRetriever(), EntryLookupInfo(lookup, bound), OnEntryNotFound::RETURN_NULL)) {
			return true;
		}
		return EarlierScanTakes(context, written);
	} catch (std::exception &) {
		return true;
	}
}
#endif

//! Whether a relation name in `sql` names something other than the semantic view `target`: after
//! a failed bind (DuckDB found no relation of that name), a table or view where the view is;
//! before binding, whatever DuckDB's binder would bind under it.
static bool NamesOtherRelation(ClientContext &context, optional_ptr<Binder> before_bind, const string &name,
                               const ViewTarget &target) {
#if SEMANTIC_VIEWS_DUCKDB_2
	if (before_bind) {
		return BindsOtherwise(*before_bind, context, name);
	}
#endif
	return CatalogHasTable(context, target);
}

//! The semantic views `sql` may read (names DuckDB found no table for, and literal
//! semantic_view(...) calls), as this transaction sees them: by version where the store keeps
//! versions (the definition is read only if the cache asks for it), else by definition. Before
//! binding, a name is read as a semantic view only where the binder would find no relation
//! (the rewrite itself leaves a block over a CTE of that name alone).
static ViewsRead ReadViews(ClientContext &context, const string &sql, optional_ptr<Binder> before_bind = nullptr) {
	auto &cache = GetViewCache(context);
	auto candidates = rs::plain_sql_candidates(cache, ToStr(sql));
	auto verify_keys = VerifyKeys(context);
	ViewsRead read;
	for (auto &candidate : candidates) {
		auto &name = candidate.name;
		try {
			DefinitionStore store;
			ViewTarget target;
			// A name the replacement scan found is no table's (DuckDB looked for one first); a
			// semantic_view('name', ...) call reads the semantic view whatever tables exist.
			if (!TakeScanned(context, ToString(name), target, store)) {
				target = ResolveViewTarget(context, ToString(name), ViewNameUse::QUERY, store);
				if (candidate.as_relation && NamesOtherRelation(context, before_bind, ToString(name), target)) {
					continue;
				}
			}
			auto &row = store.Find(target);
			auto definition = row.version.empty() ? row.Definition(context) : string();
			read.views.push_back(rs::PlainView {name, row.version, definition, target.catalog, verify_keys});
			read.rows.push_back(NumericCast<idx_t>(&row - store.rows.data()));
			read.stores.push_back(std::move(store));
		} catch (std::exception &) {
			continue; // not a semantic view: DuckDB's own error stands
		}
	}
	return read;
}

//! The rewrite of `sql` over the views it reads; their definitions are read if the cache
//! does not hold every version.
static string RewritePlainSql(ClientContext &context, const string &sql, ViewsRead &read) {
	auto &cache = GetViewCache(context);
	auto rewritten = CallRust([&] { return rs::rewrite_plain_sql(cache, ToStr(sql), read.views); });
	if (rewritten.needs_definition) {
		for (idx_t i = 0; i < read.views.size(); i++) {
			read.views[i].definition = read.stores[i].rows[read.rows[i]].Definition(context);
		}
		rewritten = CallRust([&] { return rs::rewrite_plain_sql(cache, ToStr(sql), read.views); });
	}
	return ToString(rewritten.sql);
}

//! Binds generated SQL in place of the statement. Definitions are data, not catalog entries:
//! prepared statements must bind (and expand) again.
static BoundStatement BindGenerated(ClientContext &context, Binder &binder, const string &sql) {
	auto statements = ParseGenerated(context, sql);
	if (statements.size() != 1) {
		throw InternalException("semantic_views: a query must rewrite to exactly one statement");
	}
	auto child = Binder::CreateBinder(context, &binder);
	child->SetAlwaysRequireRebind();
	return child->Bind(*statements[0]);
}

static BoundStatement BindPlainSql(ClientContext &context, Binder &binder, SQLStatement &statement) {
	string prepared_name;
	auto sql = StatementText(context, statement, prepared_name);
	auto read = ReadViews(context, sql);
	if (read.views.empty()) {
		return {};
	}
	auto rewritten = RewritePlainSql(context, sql, read);
	if (!prepared_name.empty()) {
		auto texts = context.registered_state->Get<PreparedTexts>(PREPARED_KEY);
		if (!texts) {
			texts = make_shared_ptr<PreparedTexts>();
			context.registered_state->Insert(PREPARED_KEY, texts);
		}
		texts->texts[prepared_name] = sql;
	}
	return BindGenerated(context, binder, rewritten);
}

//! A query with SEMANTIC_VIEW(...) clauses, which the parser turned into semantic_view(...)
//! calls: each call is expanded in place, as the table function would expand it, without
//! binding the table function. What the rewrite does not take (a statement sqlparser does not
//! read, COPY, an invalid request) binds as written, where the table function reports errors.
static BoundStatement BindClauseQuery(ClientContext &context, Binder &binder, const string &sql) {
#if SEMANTIC_VIEWS_DUCKDB_2
	// The calls of a SELECT are replaced in its parsed tree, as DuckDB's pre-bind hook does.
	auto statements = ParseGenerated(context, sql);
	if (statements.size() == 1 && InlineClauseCalls(context, *statements[0])) {
		auto child = Binder::CreateBinder(context, &binder);
		child->SetAlwaysRequireRebind();
		return child->Bind(*statements[0]);
	}
#endif
	// PREPARE p AS ...: the rewrite would be of the prepared statement alone.
	auto prepares = ToString(rs::prepared_statement_name(ToStr(sql)).kind) == "prepare";
	auto read = prepares ? ViewsRead() : ReadViews(context, sql);
	if (!read.views.empty()) {
		string rewritten;
		try {
			rewritten = RewritePlainSql(context, sql, read);
		} catch (std::exception &) {
			rewritten.clear();
		}
		if (!rewritten.empty()) {
			return BindGenerated(context, binder, rewritten);
		}
	}
	return BindGenerated(context, binder, sql);
}

#if SEMANTIC_VIEWS_DUCKDB_2
bool RewritePlainSqlBeforeBind(ClientContext &context, Binder &binder, SQLStatement &statement) {
	if (statement.type != StatementType::SELECT_STATEMENT || statement.query.empty() ||
	    !statement.named_param_map.empty()) {
		return false;
	}
	auto read = ReadViews(context, statement.query, &binder);
	if (read.views.empty()) {
		return false;
	}
	string rewritten;
	try {
		rewritten = RewritePlainSql(context, statement.query, read);
	} catch (std::exception &) {
		return false; // the rewrite after the failed bind reports it
	}
	auto statements = ParseGenerated(context, rewritten);
	if (statements.size() != 1 || statements[0]->type != StatementType::SELECT_STATEMENT) {
		return false;
	}
	statement.Cast<SelectStatement>().node = std::move(statements[0]->Cast<SelectStatement>().node);
	return true;
}
#endif

//! DuckDB found no table of this name. When it names a semantic view, fail the bind at once, so
//! that the plain-SQL rewrite above takes over without DuckDB first searching every catalog
//! entry for similar names (which grows with the catalog). When no rewrite takes over (a
//! statement that cannot read semantic views), this is the error the user sees; it is a
//! Catalog Error, as DuckDB's own for a missing table, so code catching that still does.
static unique_ptr<TableRef> SemanticViewNameScan(ClientContext &context, ReplacementScanInput &input,
                                                 optional_ptr<ReplacementScanData>) {
	string name;
	for (auto part : {&input.catalog_name, &input.schema_name, &input.table_name}) {
		if (!part->empty()) {
			name += name.empty() ? "" : ".";
			name += KeywordHelper::RequiresQuotes(*part) ? KeywordHelper::WriteQuotedAndEscaped(*part, '"') : *part;
		}
	}
	try {
		DefinitionStore store;
		auto target = ResolveViewTarget(context, name, ViewNameUse::QUERY, store);
		if (!store.TryFind(target)) {
			return nullptr;
		}
		RememberScanned(context, name, target, std::move(store));
#if SEMANTIC_VIEWS_DUCKDB_2
		ViewNameHints::Get(context).Add(input.table_name);
#endif
	} catch (std::exception &) {
		return nullptr; // not a semantic view: DuckDB's own error stands
	}
#if SEMANTIC_VIEWS_DUCKDB_2
	const char *api_hint = "";
#else
	const char *api_hint = " (from DuckDB 1.5's Python relational API, duckdb.sql() or con.sql(), a query "
	                       "never reaches the extension: run it with execute())";
#endif
	throw CatalogException("%s is a semantic view, which this statement cannot read: query it with SELECT "
	                       "<dimensions>, AGG(<metric>) FROM %s GROUP BY ALL, or with semantic_view(%s, ...)%s",
	                       name, name, KeywordHelper::WriteQuotedAndEscaped(name, '\''), api_hint);
}

static BoundStatement SemanticBind(ClientContext &context, Binder &binder, OperatorExtensionInfo *,
                                   SQLStatement &statement) {
	if (statement.type == StatementType::SELECT_STATEMENT || statement.type == StatementType::INSERT_STATEMENT ||
	    statement.type == StatementType::CREATE_STATEMENT || statement.type == StatementType::EXPLAIN_STATEMENT) {
		return BindPlainSql(context, binder, statement);
	}
	if (statement.type != StatementType::EXTENSION_STATEMENT) {
		return {};
	}
	auto &extension_statement = statement.Cast<ExtensionStatement>();
	if (extension_statement.extension.parse_function != SemanticParse) {
		return {};
	}
	auto stash = context.registered_state->Get<SemanticStatementStash>(STASH_KEY);
	if (!stash) {
		return {};
	}
	context.registered_state->Remove(STASH_KEY);
	auto sql = StatementSql(context, stash->statement);
	if (ToString(stash->statement.kind) == "query") {
		return BindClauseQuery(context, binder, sql);
	}
	// DDL texts (definitions, store writes) are one-offs, not worth the parse cache.
	auto statements = compat::ParseStatements(context, sql);
	if (statements.size() != 1) {
		throw InvalidInputException("semantic_views: a statement must expand to exactly one SQL statement");
	}
	auto child = Binder::CreateBinder(context, &binder);
	return child->Bind(*statements[0]);
}

class SemanticOperatorExtension : public OperatorExtension {
public:
	SemanticOperatorExtension() {
		Bind = SemanticBind;
	}
	std::string GetName() override {
		return "semantic_views";
	}
	unique_ptr<LogicalExtensionOperator> Deserialize(Deserializer &) override {
		throw InternalException("semantic_views has no serializable operators");
	}
};

void RegisterSqlStatements(ExtensionLoader &loader) {
	auto &config = DBConfig::GetConfig(loader.GetDatabaseInstance());
	ParserExtension parser;
	parser.parse_function = SemanticParse;
	parser.plan_function = SemanticPlan;
	parser.parser_info = make_shared_ptr<SemanticParserInfo>();
	ParserExtension::Register(config, parser);
	OperatorExtension::Register(config, make_shared_ptr<SemanticOperatorExtension>());
	config.replacement_scans.emplace_back(SemanticViewNameScan);
}

} // namespace duckdb
