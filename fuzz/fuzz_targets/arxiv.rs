//! arXiv's Atom feed into a work.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let body = String::from_utf8_lossy(data);
    let _ = ibid_resolve::map::arxiv::bare_id(&body);
    if let Ok(m) = ibid_resolve::map::arxiv::work_from_body(&body, "2101.00001") {
        let _ = ibid_core::csl::flatten(&m.work);
    }
});
