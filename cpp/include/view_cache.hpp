#pragma once
// The compiled-view cache of a database instance (Rust's `ViewCache`): kept in DuckDB's
// per-instance object cache, so it lives and dies with the database, never across instances.

#include "duckdb.hpp"
#include "rust_call.hpp"

namespace duckdb {

rs::ViewCache &GetViewCache(ClientContext &context);

} // namespace duckdb
