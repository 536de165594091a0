//! Files and bibliographies.
//!
//! * [`bibtex`]: BibTeX/BibLaTeX in (through the `biblatex` crate, made
//!   tolerant: one broken entry is reported, the rest import) and out.
//! * [`citekey`]: citation keys from a pattern, made unique.
//! * [`ris`]: RIS in and out (our own: no crate handles vendor exports).
//! * [`render`]: bibliographies and citations in any CSL style (hayagriva).
//!
//! Invariant: no I/O beyond what a caller hands in; everything works on
//! text and [`ibid_core::Work`] / flat CSL-JSON items.

pub mod bibtex;
pub mod citekey;
pub mod render;
pub mod ris;
