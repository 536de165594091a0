//! doi.org's CSL-JSON (content negotiation) into a work.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let body = String::from_utf8_lossy(data);
    if let Ok(m) = ibid_resolve::map::csl::work_from_body(&body) {
        let _ = ibid_core::csl::flatten(&m.work);
    }
});
