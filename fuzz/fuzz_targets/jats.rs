//! JATS abstracts (Crossref's `abstract`) into text and inline markup. The
//! inline form is what reaches the webview: it may hold only the tags the
//! sanitizer lets through, so no `<` may open anything else.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let _ = ibid_resolve::map::jats::to_text(&s);
    let _ = ibid_resolve::map::jats::plain(&s);
    let _ = ibid_resolve::map::jats::inline(&s);
});
