//! Any text as an OSI, Snowflake or dbt semantic model file: the importers and exporters never
//! panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        semantic_views_core::fuzzing::interchange(text);
    }
});
