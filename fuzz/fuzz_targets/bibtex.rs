//! BibTeX/BibLaTeX import: every entry gives a work or its own error, and a
//! work read back out of BibTeX writes without panicking.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let items = ibid_formats::bibtex::parse_items(&text);
    let ok: Vec<_> = items.into_iter().filter_map(Result::ok).collect();
    let _ = ibid_formats::bibtex::write(&ok, &Default::default());
    for w in ibid_formats::bibtex::parse(&text).into_iter().flatten() {
        let _ = ibid_core::csl::flatten(&w);
    }
});
