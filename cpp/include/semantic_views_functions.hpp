#pragma once
// Registration of each group of functions (one file per DuckDB touch point).

#include "duckdb.hpp"

namespace duckdb {

class ExtensionLoader;

void RegisterDefinePragmas(ExtensionLoader &loader);
void RegisterSemanticViewFunctions(ExtensionLoader &loader);
void RegisterCatalogFunctions(ExtensionLoader &loader);
void RegisterSqlStatements(ExtensionLoader &loader);
void RegisterInterchangeFunctions(ExtensionLoader &loader);
void RegisterVerifyFunctions(ExtensionLoader &loader);
//! DuckDB 2.0 and later: semantic_view(...) calls inlined before binding (nothing on 1.5).
void RegisterCallInlining(ExtensionLoader &loader);

//! Whether `semantic_views_verify` is 'error': expansions then check the keys their joins rely on.
bool VerifyKeys(ClientContext &context);

//! A string argument that must not be NULL.
string StringArgument(const Value &value, const string &function, const string &argument);

} // namespace duckdb
