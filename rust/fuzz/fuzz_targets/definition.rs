//! Any text as definition JSON: parse, compile and plan probes without panicking.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        semantic_views_core::fuzzing::definition(text);
    }
});
