//! Any text as a statement offered by DuckDB's parser fallback: the DDL parser never panics,
//! and every rewritten query stays one statement.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        semantic_views_core::fuzzing::ddl(text);
    }
});
