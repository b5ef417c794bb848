#include "view_cache.hpp"
#include "instance_cache.hpp"

namespace duckdb {

//! Definitions held by one database's cache, in bytes of definition text.
static constexpr size_t VIEW_CACHE_BYTES = 64 * 1024 * 1024;

class ViewCacheEntry : public InstanceCache<ViewCacheEntry> {
public:
	ViewCacheEntry() : cache(rs::new_view_cache(VIEW_CACHE_BYTES)) {
	}
	static string ObjectType() {
		return "semantic_views_view_cache";
	}
	rust::Box<rs::ViewCache> cache;
};

rs::ViewCache &GetViewCache(ClientContext &context) {
	return *GetInstanceCache<ViewCacheEntry>(context).cache;
}

} // namespace duckdb
