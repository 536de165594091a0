//! Ibid's core library: the record model ([`model`]), CSL-JSON mapping and
//! containment ([`csl`]), identifiers ([`ident`]), and the SQLite library
//! ([`store`]): search, lists, tags, collections, trash, notes, attachments,
//! citations, import and export.
//!
//! Invariant: this crate knows nothing of Tauri, HTTP serving or terminals.

pub mod csl;
pub mod error;
pub mod export;
pub mod ident;
pub mod model;
pub mod store;
pub mod text;

pub use error::{Error, Result};
pub use model::{Creator, Date, Work};
pub use store::Library;
