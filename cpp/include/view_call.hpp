#pragma once
// Expanding one semantic_view(...) call: the table function binds through it, and on DuckDB 2.0
// so does the inlining of calls before the binder sees them (call_inlining.cpp).

#include "duckdb_compat.hpp"
#include "rust_call.hpp"

namespace duckdb {

class SelectStatement;

//! The SQL that `request` on the semantic view `name` expands to, as the caller's transaction
//! sees the view.
string ExpandCall(ClientContext &context, const string &name, rs::ExpandRequest &request);

//! That SQL, parsed (a copy from the parse cache).
unique_ptr<SelectStatement> ExpandCallToSelect(ClientContext &context, const string &name, rs::ExpandRequest &request);

#if SEMANTIC_VIEWS_DUCKDB_2
//! Replaces the semantic_view(...) calls with literal arguments in the FROM clauses of a SELECT
//! statement that SEMANTIC_VIEW clauses were rewritten to by the SELECTs they expand to
//! (call_inlining.cpp); whether it replaced any.
bool InlineClauseCalls(ClientContext &context, SQLStatement &statement);
#endif

} // namespace duckdb
