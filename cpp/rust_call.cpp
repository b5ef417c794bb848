#include "rust_call.hpp"

namespace duckdb {

void ThrowRustError(const rust::Error &error) {
	string text = error.what();
	char kind = text.empty() ? 'X' : text[0];
	string message = text.empty() ? "unknown error" : text.substr(1);
	switch (kind) {
	case 'B':
		throw BinderException(message);
	case 'C':
		throw CatalogException(message);
	case 'P':
		throw ParserException(message);
	default:
		// Never an InternalException: DuckDB invalidates the whole database on those.
		throw InvalidInputException(message);
	}
}

} // namespace duckdb
