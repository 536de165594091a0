//! Adding identifiers to a library, one or a batch, and refreshing a work
//! from its source. Lookups run concurrently (each service's limiter keeps
//! them within its limits); each record is written in its own transaction
//! as soon as it arrives, so a failure loses nothing already added and
//! leaves nothing half-written.

use std::sync::Mutex;

use futures_util::stream::{self, StreamExt};
use ibid_core::store::CitedInput;
use ibid_core::Library;

use crate::error::ResolveError;
use crate::http::Validators;
use crate::ids::{Found, Identifier};
use crate::source::{Fetch, Resolved, Resolver};

/// Lookups in flight at once across services (each service bounds its own).
const CONCURRENCY: usize = 64;

/// What happened to one identifier.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Added { key: String, title: Option<String> },
    /// Already in the library (as an item, or as the book of one).
    Present { key: String, title: Option<String> },
    Failed(ResolveError),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ItemResult {
    /// As the user wrote it.
    pub input: String,
    pub id: Identifier,
    pub outcome: Outcome,
}

/// Resolves and adds every identifier. DOIs, arXiv ids and PMIDs go first,
/// ISBNs after them, so an ISBN of a book a chapter in the same batch
/// belongs to is found present rather than added twice. `on_result` is
/// called as each finishes (for progress). Results come in input order.
pub async fn add_all(
    lib: &Mutex<Library>,
    resolver: &dyn Resolver,
    found: Vec<Found>,
    on_result: &(dyn Fn(&ItemResult) + Send + Sync),
) -> Vec<ItemResult> {
    let (first, second): (Vec<_>, Vec<_>) = found.into_iter().enumerate().partition(|(_, f)| !matches!(f.id, Identifier::Isbn(_)));
    let mut results: Vec<(usize, ItemResult)> = Vec::new();
    for phase in [first, second] {
        let done: Vec<(usize, ItemResult)> = stream::iter(phase)
            .map(|(i, f)| async move {
                let r = add_one(lib, resolver, f).await;
                on_result(&r);
                (i, r)
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        results.extend(done);
    }
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

/// Resolves and adds one identifier.
pub async fn add_one(lib: &Mutex<Library>, resolver: &dyn Resolver, found: Found) -> ItemResult {
    let Found { input, id } = found;
    let outcome = match present(lib, &id) {
        Ok(Some(o)) => o,
        Err(e) => Outcome::Failed(e),
        Ok(None) => match resolver.resolve(&id, None).await {
            Ok(Fetch::Record(r)) => match store(lib, &id, r) {
                Ok(o) => o,
                Err(e) => Outcome::Failed(e),
            },
            Ok(Fetch::NotModified(_)) => Outcome::Failed(ResolveError::Store("a 304 came back to a plain request".into())),
            Err(e) => Outcome::Failed(e),
        },
    };
    ItemResult { input, id, outcome }
}

fn lock(lib: &Mutex<Library>) -> std::sync::MutexGuard<'_, Library> {
    lib.lock().unwrap_or_else(|p| p.into_inner())
}

/// The library item with this identifier, if any. A DOI known only as a
/// cited work or a container is not present: adding it makes it an item.
fn present(lib: &Mutex<Library>, id: &Identifier) -> Result<Option<Outcome>, ResolveError> {
    let lib = lock(lib);
    let found = lib.find_identifier(id.kind(), &id.library_value()).map_err(|e| ResolveError::Store(e.to_string()))?;
    Ok(found.and_then(|f| {
        let counts = f.standalone || !matches!(id, Identifier::Doi(_));
        counts.then_some(Outcome::Present { key: f.key, title: f.title })
    }))
}

/// The reference list as the store takes it.
fn cited(r: &Resolved) -> Vec<CitedInput> {
    cited_inputs(&r.mapped.references)
}

/// References as the store takes them. One given only as text (Crossref's
/// `unstructured`) is read by the reference labeller into a typed record,
/// as a note's citation is, so that the store can match it to the library
/// or keep it as a cited work.
pub fn cited_inputs(refs: &[crate::map::Reference]) -> Vec<CitedInput> {
    refs.iter()
        .map(|x| {
            let work = x.work.clone().or_else(|| {
                let mut w = ibid_refparse::parse_reference(&x.text).work;
                w.title.as_deref().is_some_and(|t| !t.trim().is_empty()).then(|| {
                    w.doi = x.doi.clone().or(w.doi);
                    w
                })
            });
            CitedInput { text: x.text.clone(), doi: x.doi.clone(), work }
        })
        .collect()
}

/// The responses as the library keeps them: the first is the work's own.
fn cached(r: &Resolved) -> Vec<ibid_core::store::CachedResponse> {
    r.responses.iter().enumerate().map(|(i, f)| f.to_cached(i == 0)).collect()
}

fn store(lib: &Mutex<Library>, id: &Identifier, r: Resolved) -> Result<Outcome, ResolveError> {
    let cited = cited(&r);
    let responses = cached(&r);
    let mut work = r.mapped.work;
    // Keep the identifier the user gave, so the work is found by it next time.
    match id {
        Identifier::Arxiv(a) if !work.extra.contains_key("arxiv") => {
            work.extra.insert("arxiv".into(), crate::ids::arxiv_base(a).into());
        }
        Identifier::Pmid(p) if !work.extra.contains_key("PMID") => {
            work.extra.insert("PMID".into(), p.clone().into());
        }
        Identifier::Isbn(i) if !work.isbn.contains(i) => work.isbn.push(i.clone()),
        _ => {}
    }
    let title = work.title.clone();
    let mut lib = lock(lib);
    // Checked again under the lock: two identifiers of one batch may name one work.
    if let Some(f) = lib.find_identifier(id.kind(), &id.library_value()).map_err(|e| ResolveError::Store(e.to_string()))? {
        if f.standalone {
            return Ok(Outcome::Present { key: f.key, title: f.title });
        }
    }
    if let Some(d) = &work.doi {
        if let Some(f) = lib.find_identifier("doi", d).map_err(|e| ResolveError::Store(e.to_string()))? {
            if f.standalone {
                return Ok(Outcome::Present { key: f.key, title: f.title });
            }
        }
    }
    let key = lib.add_resolved(work, &cited, &responses).map_err(|e| ResolveError::Store(e.to_string()))?;
    Ok(Outcome::Added { key, title })
}

/// What a refresh did.
#[derive(Debug, Clone, PartialEq)]
pub enum Refreshed {
    Updated,
    /// The service said 304 Not Modified.
    Unchanged,
}

/// Looks a work up again by its best identifier, conditionally when the
/// cached response has an ETag or Last-Modified, and replaces its fields
/// (keeping key, tags, collections, notes, attachments).
pub async fn refresh(lib: &Mutex<Library>, resolver: &dyn Resolver, key: &str) -> Result<(Identifier, Refreshed), ResolveError> {
    let (id, ident, validators) = {
        let lib = lock(lib);
        let wid = lib.resolve(key).map_err(|e| ResolveError::Store(e.to_string()))?;
        let ids = lib.identifiers_of(wid).map_err(|e| ResolveError::Store(e.to_string()))?;
        let ident = ids
            .iter()
            .find_map(|(k, v)| Identifier::from_kind(k, v))
            .ok_or_else(|| ResolveError::Store(format!("{key} has no DOI, ISBN, arXiv id or PMID to look up")))?;
        let last = lib.responses_of(wid).map_err(|e| ResolveError::Store(e.to_string()))?;
        let validators = last
            .iter()
            .find(|r| r.primary && r.status == 200)
            .map(|r| Validators { etag: r.etag.clone(), last_modified: r.last_modified.clone() })
            .filter(|v| v.etag.is_some() || v.last_modified.is_some());
        (wid, ident, validators)
    };
    match resolver.resolve(&ident, validators.as_ref()).await? {
        Fetch::NotModified(f) => {
            lock(lib).record_responses(id, &[f.to_cached(true)]).map_err(|e| ResolveError::Store(e.to_string()))?;
            Ok((ident, Refreshed::Unchanged))
        }
        Fetch::Record(r) => {
            let cited = cited(&r);
            let responses = cached(&r);
            lock(lib).refresh_resolved(id, r.mapped.work, &cited, &responses).map_err(|e| ResolveError::Store(e.to_string()))?;
            Ok((ident, Refreshed::Updated))
        }
    }
}

/// Re-derives a work from the raw responses kept in the library, without
/// the network (after a mapping fix, or to undo local edits): the newest
/// response of the work's own record is mapped again (a chapter's book
/// lookups too) and replaces the work's fields.
pub fn rederive(lib: &Mutex<Library>, key: &str) -> Result<&'static str, ResolveError> {
    let store = |e: ibid_core::Error| ResolveError::Store(e.to_string());
    let mut guard = lock(lib);
    let id = guard.resolve(key).map_err(store)?;
    let responses = guard.responses_of(id).map_err(store)?;
    let primary = responses
        .iter()
        .find(|r| r.primary && r.status == 200)
        .ok_or_else(|| ResolveError::Store(format!("{key} has no kept response to re-derive it from")))?;
    let body = String::from_utf8_lossy(&primary.body).into_owned();
    let ids = guard.identifiers_of(id).map_err(store)?;
    let value_of = |kind: &str| ids.iter().find(|(k, _)| k == kind).map(|(_, v)| v.clone()).unwrap_or_default();
    let bad = |e: crate::map::MapError| ResolveError::Malformed { service: "cache", url: primary.url.clone(), detail: e.message };
    let (mut mapped, source) = match primary.source.as_str() {
        "crossref" => (crate::map::crossref::work_from_body(&body).map_err(bad)?, "crossref"),
        "doi.org" => (crate::map::csl::work_from_body(&body).map_err(bad)?, "doi.org"),
        "datacite" => (crate::map::datacite::work_from_body(&body).map_err(bad)?, "datacite"),
        "openlibrary" => (crate::map::openlibrary::work_from_body(&body, &value_of("isbn")).map_err(bad)?, "openlibrary"),
        "arxiv" => (crate::map::arxiv::work_from_body(&body, &value_of("arxiv")).map_err(bad)?, "arxiv"),
        "pubmed" => (crate::map::pubmed::work_from_body(&body, &value_of("pmid")).map_err(bad)?, "pubmed"),
        other => return Err(ResolveError::Store(format!("responses from {other:?} cannot be re-derived"))),
    };
    if source == "crossref" && crate::map::crossref::container_lookup(&mapped).is_some() {
        // The book lookups fetched with this record (newer than it, not primary).
        for helper in responses.iter().filter(|r| !r.primary && r.status == 200 && r.fetched_at >= primary.fetched_at) {
            let text = String::from_utf8_lossy(&helper.body);
            let book = crate::map::crossref::work_from_body(&text).ok().or_else(|| {
                let isbns: Vec<String> = mapped.work.parent.as_ref().map(|p| p.isbn.clone()).unwrap_or_default();
                crate::map::crossref::pick_book(&text, &isbns)
            });
            if let Some(b) = book {
                crate::map::crossref::fill_container(&mut mapped, &b);
                break;
            }
        }
    }
    let cited = cited_inputs(&mapped.references);
    guard.refresh_resolved(id, mapped.work, &cited, &[]).map_err(store)?;
    Ok(source)
}
