#include "parse_cache.hpp"

#include "bounded_map.hpp"
#include "duckdb_compat.hpp"
#include "instance_cache.hpp"

namespace duckdb {

//! Bounds of one database's cache: texts kept, and their total length (parsed trees are a
//! small multiple of it).
static constexpr idx_t PARSE_CACHE_ENTRIES = 512;
static constexpr idx_t PARSE_CACHE_TEXT_BYTES = 4 * 1024 * 1024;

struct ParsedText {
	vector<unique_ptr<SQLStatement>> statements;
	compat::ParserSettings settings;
};

class ParseCacheEntry : public InstanceCache<ParseCacheEntry> {
public:
	static string ObjectType() {
		return "semantic_views_parse_cache";
	}
	BoundedMap<shared_ptr<const ParsedText>> texts {PARSE_CACHE_ENTRIES, PARSE_CACHE_TEXT_BYTES};
};

static vector<unique_ptr<SQLStatement>> Copy(const ParsedText &parsed) {
	vector<unique_ptr<SQLStatement>> copies;
	for (auto &statement : parsed.statements) {
		copies.push_back(statement->Copy());
	}
	return copies;
}

vector<unique_ptr<SQLStatement>> ParseGenerated(ClientContext &context, const string &sql) {
	auto cache = &GetInstanceCache<ParseCacheEntry>(context);
	auto settings = compat::CurrentParserSettings(context);
	auto key = settings.key + '\n' + sql;
	shared_ptr<const ParsedText> hit;
	if (cache->texts.Find(key, hit)) {
		return Copy(*hit);
	}
	auto statements = compat::ParseStatements(context, sql);
	for (auto &statement : statements) {
		// What a parser extension read may depend on more than the text: never kept.
		if (statement->type == StatementType::EXTENSION_STATEMENT) {
			return statements;
		}
	}
	auto parsed = make_shared_ptr<ParsedText>();
	parsed->statements = std::move(statements);
	parsed->settings = std::move(settings);
	auto result = Copy(*parsed);
	cache->texts.Set(key, std::move(parsed), 0);
	return result;
}

} // namespace duckdb
