#pragma once
// Caches kept per database instance in DuckDB's object cache: they live and die with the
// database, never shared across instances. DuckDB never evicts them; each bounds itself.

#include "duckdb.hpp"
#include "duckdb/storage/object_cache.hpp"

namespace duckdb {

//! Base of a cache `T` with a static `ObjectType()` naming it in the object cache.
template <class T>
class InstanceCache : public ObjectCacheEntry {
public:
	string GetObjectType() override {
		return T::ObjectType();
	}
	optional_idx GetEstimatedCacheMemory() const override {
		return optional_idx();
	}
};

//! This database's cache `T`, created on first use.
template <class T>
T &GetInstanceCache(ClientContext &context) {
	auto entry = ObjectCache::GetObjectCache(context).GetOrCreate<T>(T::ObjectType());
	if (!entry) {
		throw InternalException("semantic_views: the object cache holds another object under %s", T::ObjectType());
	}
	// The entry stays in the object cache (not evictable) as long as the database lives.
	return *entry;
}

} // namespace duckdb
