//! Arbitrary requests against a fixed view: no panic, and every generated SELECT is balanced.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        semantic_views_core::fuzzing::expand(text);
    }
});
