//! Ibid's cross-crate and data-driven tests, linked into one binary (see
//! Cargo.toml). Run one group with `cargo test -p ibid-tests -- map_crossref::`.

mod backup;
mod citeproc;
mod csl_roundtrip;
mod duplicates;
mod export;
mod formats_bibtex;
mod formats_render;
mod formats_ris;
mod library;
mod map_crossref;
mod map_others;
mod migrations;
mod notes;
mod roundtrip_props;
