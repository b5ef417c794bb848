#pragma once
// Plain SQL over semantic views (`SELECT region, AGG(revenue) FROM sales GROUP BY ALL`), which
// sql_statements.cpp rewrites into SQL over the views' tables.

#include "bounded_map.hpp"
#include "instance_cache.hpp"

namespace duckdb {

class Binder;

#if SEMANTIC_VIEWS_DUCKDB_2
//! The (lowercased) table names the replacement scan found semantic views under, per database:
//! which SELECTs the pre-bind hook tries to rewrite, without a catalog lookup for every table
//! every query reads. A hint only (it may be stale or miss a name): the rewrite checks the name.
class ViewNameHints : public InstanceCache<ViewNameHints> {
public:
	static string ObjectType() {
		return "semantic_views_view_name_hints";
	}
	static ViewNameHints &Get(ClientContext &context) {
		return GetInstanceCache<ViewNameHints>(context);
	}
	void Add(const string &table_name) {
		names.Set(StringUtil::Lower(table_name), true, 0);
	}
	bool Has(const string &table_name) {
		bool found;
		return names.Find(StringUtil::Lower(table_name), found);
	}

private:
	BoundedMap<bool> names {4096, 1 << 20};
};

//! Rewrites a SELECT that reads semantic views by name before the binder sees it (the planner's
//! pre-bind hook), as the rewrite after a failed bind would, when that is certain to be what
//! binding would come to: each name that the rewrite reads as a semantic view names no table,
//! view or replacement scan's relation there; no parameters. Whether it rewrote the statement.
bool RewritePlainSqlBeforeBind(ClientContext &context, Binder &binder, SQLStatement &statement);
#endif

} // namespace duckdb
