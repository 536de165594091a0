//! The datacite API's JSON into a work, its container chain and its references.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let body = String::from_utf8_lossy(data);
    if let Ok(m) = ibid_resolve::map::datacite::work_from_body(&body) {
        let _ = ibid_core::csl::flatten(&m.work);
    }
});
