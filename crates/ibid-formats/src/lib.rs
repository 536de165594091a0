//! Files and bibliographies.
//!
//! * [`bibtex`]: BibTeX/BibLaTeX in (through the `biblatex` crate, made
//!   tolerant: one broken entry is reported, the rest import) and out.
//! * [`citekey`]: citation keys from a pattern, made unique.
//! * [`keycite`]: citations by key for Pandoc, LaTeX and Typst.
//! * [`cayw`]: the citation texts of Better BibTeX's cite-as-you-write endpoint.
//! * [`ris`]: RIS in and out (our own: no crate handles vendor exports).
//! * [`export`]: CSL-JSON, BibTeX and RIS files of many works, rendered as
//!   the library is read and written in their order.
//! * [`render`]: bibliographies and citations in any CSL style (hayagriva).
//!
//! Invariant: no I/O beyond what a caller hands in (a `Library` and a
//! writer, for [`export::write_works`]); everything else works on text and
//! [`ibid_core::Work`] / flat CSL-JSON items.

pub mod bibtex;
pub mod cayw;
pub mod citekey;
pub mod export;
pub mod keycite;
pub mod render;
pub mod ris;

/// The format of a file (`bibtex`, `ris` or `csl-json`) from its first
/// meaningful characters, failing that from its name's extension. The CLI
/// and the API both import through this.
pub fn sniff(text: &str, name: &str) -> Option<&'static str> {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with('[') || t.starts_with('{') {
        return Some("csl-json");
    }
    if t.starts_with("TY  -") || t.starts_with("TY -") || t.lines().take(20).any(|l| l.starts_with("TY  -")) {
        return Some("ris");
    }
    if t.starts_with('@') || t.starts_with('%') || t.contains("\n@") {
        return Some("bibtex");
    }
    match std::path::Path::new(name).extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("bib") => Some("bibtex"),
        Some("ris") => Some("ris"),
        Some("json") => Some("csl-json"),
        _ => None,
    }
}
