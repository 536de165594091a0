//! RIS import, and writing what it read.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let items: Vec<_> = ibid_formats::ris::parse(&text).into_iter().flatten().map(|w| ibid_core::csl::flatten(&w)).collect();
    let _ = ibid_formats::ris::write(&items);
});
