//! Identifiers in pasted text (DOIs, ISBNs, arXiv ids, PMIDs), and the
//! normalisers: whatever `extract` finds parses again to itself.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for found in ibid_resolve::extract(&text) {
        assert!(text.contains(found.input.as_str()), "found {:?} is not in the text", found.input);
    }
    let _ = ibid_resolve::Identifier::parse(&text);
    if let Ok(d) = ibid_core::ident::normalize_doi(&text) {
        assert_eq!(ibid_core::ident::normalize_doi(&d).as_deref().ok(), Some(d.as_str()), "normalize_doi is not idempotent");
    }
    if let Ok(i) = ibid_core::ident::normalize_isbn(&text) {
        assert_eq!(ibid_core::ident::normalize_isbn(&i).as_deref().ok(), Some(i.as_str()), "normalize_isbn is not idempotent");
    }
    let _ = ibid_core::ident::normalize_issn(&text);
});
