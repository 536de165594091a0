//! Identifiers into full records.
//!
//! * [`ids`]: recognise DOIs, ISBNs, arXiv ids and PMIDs in any common form,
//!   and find every one of them in a pasted block of text.
//! * [`map`]: pure functions from a service's response body to a
//!   [`ibid_core::Work`] with its container chain and its reference list.
//!   No I/O; golden-tested on recorded bodies.
//! * [`source`]: the [`source::Resolver`] trait and one implementation per
//!   service (Crossref, doi.org, DataCite, Open Library, arXiv, PubMed);
//!   [`source::Resolvers`] picks one per identifier.
//! * [`http`]: the shared client: per-service rate windows learnt from the
//!   service's headers, bounded concurrency, retries with jittered backoff.
//! * [`search`]: Crossref's bibliographic search for a reference without an
//!   identifier, and whether its best answer is the work cited.
//! * [`add`]: adding a batch to a library and refreshing a work.
//! * [`config`]: base URLs and contact address from environment and settings.
//!
//! Invariants: mapping never does I/O; every base URL is configurable; a
//! record is written in one transaction together with its reference list
//! and the raw responses it came from.

pub mod add;
pub mod config;
pub mod error;
pub mod http;
pub mod ids;
pub mod map;
pub mod search;
pub mod source;

pub use add::{add_all, refresh, ItemResult, Outcome, Refreshed};
pub use config::Config;
pub use error::ResolveError;
pub use ids::{extract, Found, Identifier};
pub use source::{Resolver, Resolvers};
