#include "view_cache.hpp"

#include "duckdb/storage/object_cache.hpp"

namespace duckdb {

//! Definitions held by one database's cache, in bytes of definition text.
static constexpr size_t VIEW_CACHE_BYTES = 64 * 1024 * 1024;

class ViewCacheEntry : public ObjectCacheEntry {
public:
	ViewCacheEntry() : cache(rs::new_view_cache(VIEW_CACHE_BYTES)) {
	}
	static string ObjectType() {
		return "semantic_views_view_cache";
	}
	string GetObjectType() override {
		return ObjectType();
	}
	//! Not evictable by DuckDB: the cache bounds itself (VIEW_CACHE_BYTES).
	optional_idx GetEstimatedCacheMemory() const override {
		return optional_idx();
	}
	rust::Box<rs::ViewCache> cache;
};

rs::ViewCache &GetViewCache(ClientContext &context) {
	auto entry = ObjectCache::GetObjectCache(context).GetOrCreate<ViewCacheEntry>(ViewCacheEntry::ObjectType());
	if (!entry) {
		throw InternalException("semantic_views: the object cache holds another object under %s",
		                        ViewCacheEntry::ObjectType());
	}
	// The entry stays in the object cache (not evictable) as long as the database lives.
	return *entry->cache;
}

} // namespace duckdb
