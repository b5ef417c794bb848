#include "parse_cache.hpp"

#include "duckdb_compat.hpp"
#include "instance_cache.hpp"

#include <list>
#include <mutex>

namespace duckdb {

//! Bounds of one database's cache: texts kept, and their total length (parsed trees are a
//! small multiple of it).
static constexpr idx_t PARSE_CACHE_ENTRIES = 512;
static constexpr idx_t PARSE_CACHE_TEXT_BYTES = 4 * 1024 * 1024;

struct ParsedText {
	vector<unique_ptr<SQLStatement>> statements;
	compat::ParserSettings settings;
	idx_t bytes;
};

class ParseCacheEntry : public InstanceCache<ParseCacheEntry> {
public:
	static string ObjectType() {
		return "semantic_views_parse_cache";
	}

	shared_ptr<const ParsedText> Find(const string &key) {
		lock_guard<mutex> guard(lock);
		auto found = entries.find(key);
		if (found == entries.end()) {
			return nullptr;
		}
		recency.splice(recency.begin(), recency, found->second.second);
		return found->second.first;
	}

	void Insert(const string &key, shared_ptr<const ParsedText> parsed) {
		lock_guard<mutex> guard(lock);
		if (entries.count(key)) {
			return;
		}
		bytes += parsed->bytes;
		recency.push_front(key);
		entries.emplace(key, make_pair(std::move(parsed), recency.begin()));
		while (entries.size() > PARSE_CACHE_ENTRIES || bytes > PARSE_CACHE_TEXT_BYTES) {
			auto oldest = entries.find(recency.back());
			bytes -= oldest->second.first->bytes;
			entries.erase(oldest);
			recency.pop_back();
		}
	}

private:
	mutex lock;
	//! Keys, most recently used first.
	std::list<string> recency;
	unordered_map<string, pair<shared_ptr<const ParsedText>, std::list<string>::iterator>> entries;
	idx_t bytes = 0;
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
	if (auto hit = cache->Find(key)) {
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
	parsed->bytes = key.size();
	auto result = Copy(*parsed);
	cache->Insert(key, std::move(parsed));
	return result;
}

} // namespace duckdb
