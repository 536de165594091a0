//! PubMed's esummary JSON into a work.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let body = String::from_utf8_lossy(data);
    if let Ok(m) = ibid_resolve::map::pubmed::work_from_body(&body, "31452104") {
        let _ = ibid_core::csl::flatten(&m.work);
    }
});
