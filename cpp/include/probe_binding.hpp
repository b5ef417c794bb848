#pragma once
// Binding a definition's member probes in DuckDB: each member's type, or an error naming it.

#include "rust_call.hpp"

namespace duckdb {

//! The DuckDB type of every probe of `pending` (in its order; "" for a relationship), binding
//! (not running) each; throws naming the first member of view `view` that does not bind.
rust::Vec<rust::String> BindProbes(ClientContext &context, const string &view, const rs::PendingDefine &pending);

} // namespace duckdb
