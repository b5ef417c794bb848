#pragma once
// The DDL operations shared by the PRAGMA functions and the SQL statements: each validates
// with the Rust core and yields the SQL that performs it in the caller's transaction.

#include "definition_store.hpp"

namespace duckdb {

//! Validates a definition (binding every member in DuckDB) and returns the SQL storing it.
rs::Defined PrepareDefine(ClientContext &context, const ViewTarget &target, const string &json, bool replace,
                          bool if_not_exists);

//! The SQL dropping a view (a no-op statement when missing and `if_exists`).
string PrepareDrop(ClientContext &context, const string &name, bool if_exists);

//! Fails with DuckDB's read-only message naming the view when its database is read-only.
void CheckWritable(ClientContext &context, const ViewTarget &target, const string &action);

} // namespace duckdb
