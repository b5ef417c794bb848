#pragma once
// Expanding one semantic_view(...) call: the table function binds through it, and on DuckDB 2.0
// so does the inlining of calls before the binder sees them (call_inlining.cpp).

#include "rust_call.hpp"

namespace duckdb {

class SelectStatement;

//! The SQL that `request` on the semantic view `name` expands to, as the caller's transaction
//! sees the view.
string ExpandCall(ClientContext &context, const string &name, rs::ExpandRequest &request);

//! That SQL, parsed (a copy from the parse cache).
unique_ptr<SelectStatement> ExpandCallToSelect(ClientContext &context, const string &name, rs::ExpandRequest &request);

} // namespace duckdb
