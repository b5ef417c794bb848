#pragma once
// A string-keyed map shared by a database's threads, bounded by entries and by bytes (keys plus
// what each value is said to hold), least recently used out first.

#include "duckdb.hpp"

#include <list>
#include <mutex>

namespace duckdb {

template <class V>
class BoundedMap {
public:
	BoundedMap(idx_t max_entries_p, idx_t max_bytes_p) : max_entries(max_entries_p), max_bytes(max_bytes_p) {
	}

	bool Find(const string &key, V &out) {
		lock_guard<mutex> guard(lock);
		auto found = entries.find(key);
		if (found == entries.end()) {
			return false;
		}
		recency.splice(recency.begin(), recency, found->second.used);
		out = found->second.value;
		return true;
	}

	//! Sets `key` to `value`, which holds `bytes` besides the key.
	void Set(const string &key, V value, idx_t bytes) {
		lock_guard<mutex> guard(lock);
		auto found = entries.find(key);
		if (found != entries.end()) {
			total_bytes -= found->second.bytes;
			recency.erase(found->second.used);
			entries.erase(found);
		}
		recency.push_front(key);
		Entry entry {std::move(value), key.size() + bytes, recency.begin()};
		total_bytes += entry.bytes;
		entries.emplace(key, std::move(entry));
		while (entries.size() > max_entries || total_bytes > max_bytes) {
			auto oldest = entries.find(recency.back());
			total_bytes -= oldest->second.bytes;
			entries.erase(oldest);
			recency.pop_back();
		}
	}

private:
	struct Entry {
		V value;
		idx_t bytes;
		std::list<string>::iterator used;
	};
	const idx_t max_entries;
	const idx_t max_bytes;
	mutex lock;
	//! Keys, most recently used first.
	std::list<string> recency;
	unordered_map<string, Entry> entries;
	idx_t total_bytes = 0;
};

} // namespace duckdb
