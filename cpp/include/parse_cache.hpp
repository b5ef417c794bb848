#pragma once
// Parsed statements of the SQL the extension generates (expansions, rewrites), per database
// instance: the same request expands to the same text, and DuckDB's parser (PEG in 2.0) costs
// more than the rest of our bind path. A copy of a statement parsed once is handed out.

#include "duckdb.hpp"

namespace duckdb {

//! The statements of `sql` as the connection's parser reads them, from the cache when the same
//! text was parsed under the same parser settings.
vector<unique_ptr<SQLStatement>> ParseGenerated(ClientContext &context, const string &sql);

} // namespace duckdb
