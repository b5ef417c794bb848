//! Any text as a query over a semantic view: the plain-SQL rewrite never panics, and what it
//! produces tokenizes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        semantic_views_core::fuzzing::plain_sql(text);
    }
});
