//! Identifiers into full records.
//!
//! * [`ids`]: recognise DOIs, ISBNs, arXiv ids and PMIDs in any common form,
//!   and find every one of them in a pasted block of text.
//! * [`map`]: pure functions from a service's response body to a
//!   [`ibid_core::Work`] with its container chain and its reference list.
//!   No I/O; golden-tested on recorded bodies.
//!
//! Invariant: mapping never does I/O, and nothing here writes the library;
//! callers store a [`map::Mapped`] in one transaction.

pub mod map;
