#pragma once
// Plain SQL over semantic views (`SELECT region, AGG(revenue) FROM sales GROUP BY ALL`), which
// sql_statements.cpp rewrites into SQL over the views' tables.

#include "duckdb.hpp"

namespace duckdb {

class Binder;

#if SEMANTIC_VIEWS_DUCKDB_2
//! Whether a semantic view was found under this table name in this database before: a hint,
//! cheap enough to ask for every table a SELECT reads, which may be stale or missing.
bool MayNameSemanticView(ClientContext &context, const string &table_name);

//! Rewrites a SELECT that reads semantic views by name before the binder sees it (the planner's
//! pre-bind hook), as the rewrite after a failed bind would, when that is certain to be what
//! binding would come to: each name that the rewrite reads as a semantic view names no table or
//! view there and no CTE; no parameters. Whether it rewrote the statement.
bool RewritePlainSqlBeforeBind(ClientContext &context, Binder &binder, SQLStatement &statement);
#endif

} // namespace duckdb
