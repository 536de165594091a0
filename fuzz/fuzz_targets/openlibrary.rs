//! Open Library's ISBN JSON into a work.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let body = String::from_utf8_lossy(data);
    let _ = ibid_resolve::map::openlibrary::is_empty(&body);
    if let Ok(m) = ibid_resolve::map::openlibrary::work_from_body(&body, "9789811386404") {
        let _ = ibid_core::csl::flatten(&m.work);
    }
});
