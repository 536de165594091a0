//! CSL-JSON import (a document of items, each its own result).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(items) = ibid_core::csl::parse_document(&text) {
        for w in items.flatten() {
            let _ = ibid_core::csl::flatten(&w);
        }
    };
});
