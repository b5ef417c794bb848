#pragma once
// Calling the Rust core: its errors become DuckDB exceptions of the matching type.

#include "duckdb.hpp"
#include "rust/cxx.h"
#include "semantic_views_core/src/bridge.rs.h"

namespace duckdb {
namespace rs = semantic_views::rs;

//! Throws the DuckDB exception for a Rust error (kind code + message, see rust/src/bridge.rs).
[[noreturn]] void ThrowRustError(const rust::Error &error);

//! Runs a Rust call, translating its error.
template <class F>
auto CallRust(F &&call) -> decltype(call()) {
	try {
		return call();
	} catch (const rust::Error &error) {
		ThrowRustError(error);
	}
}

inline string ToString(const rust::String &s) {
	return string(s.data(), s.size());
}

inline rust::Str ToStr(const string &s) {
	return rust::Str(s.data(), s.size());
}

} // namespace duckdb
