//! A saved page (HTML with its metadata, or text) into its work and notes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let page = ibid_notes::read_page(&text);
    let _ = ibid_core::csl::flatten(&page.work);
    let _ = ibid_notes::html::to_text(&text);
    let _ = ibid_notes::page::notes_section(&text);
});
