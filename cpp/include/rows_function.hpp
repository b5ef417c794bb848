#pragma once
// Table functions whose result is computed entirely at bind time (listing, describing,
// explaining): bind fills RowsData, EmitRows streams it.

#include "duckdb.hpp"
#include "duckdb/function/table_function.hpp"

namespace duckdb {

struct RowsData : public TableFunctionData {
	vector<vector<Value>> rows;
};

struct RowsState : public GlobalTableFunctionState {
	idx_t offset = 0;
};

unique_ptr<GlobalTableFunctionState> InitRows(ClientContext &context, TableFunctionInitInput &input);
void EmitRows(ClientContext &context, TableFunctionInput &input, DataChunk &output);

} // namespace duckdb
