//! Works: insert, load, update, import and export.

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use serde_json::{Map, Value};

use super::{is_key, new_key, now_ms, search, Library};
use crate::csl;
use crate::error::{Error, Result};
use crate::model::{Creator, Date, Work};
use crate::text;

/// What happened to one item of an import.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportOutcome {
    Added { key: String },
    Failed { index: usize, message: String },
    /// A duplicate of `key` (already in the library or earlier in the file), not added.
    Skipped { index: usize, key: String },
    /// A duplicate of `key`, whose empty fields it filled.
    Merged { index: usize, key: String },
}

/// What an import does with a work that is already in the library: the same
/// DOI, the same ISBN (books), or the same folded title, year and first
/// creator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnDuplicate {
    #[default]
    Skip,
    /// Fill the existing work's empty fields from the incoming one.
    Merge,
    /// Add it anyway.
    Add,
}

impl std::str::FromStr for OnDuplicate {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "skip" => Ok(OnDuplicate::Skip),
            "merge" => Ok(OnDuplicate::Merge),
            "add" => Ok(OnDuplicate::Add),
            other => Err(Error::invalid(format!("--on-duplicate takes skip, merge or add, not {other:?}"))),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ImportSummary {
    pub outcomes: Vec<ImportOutcome>,
}

impl ImportSummary {
    pub fn added(&self) -> impl Iterator<Item = &str> {
        self.outcomes.iter().filter_map(|o| match o {
            ImportOutcome::Added { key } => Some(key.as_str()),
            _ => None,
        })
    }
    pub fn failed(&self) -> impl Iterator<Item = (usize, &str)> {
        self.outcomes.iter().filter_map(|o| match o {
            ImportOutcome::Failed { index, message } => Some((*index, message.as_str())),
            _ => None,
        })
    }
    /// Duplicates skipped: (index, the existing work's key).
    pub fn skipped(&self) -> impl Iterator<Item = (usize, &str)> {
        self.outcomes.iter().filter_map(|o| match o {
            ImportOutcome::Skipped { index, key } => Some((*index, key.as_str())),
            _ => None,
        })
    }
    /// Duplicates merged into an existing work: (index, its key).
    pub fn merged(&self) -> impl Iterator<Item = (usize, &str)> {
        self.outcomes.iter().filter_map(|o| match o {
            ImportOutcome::Merged { index, key } => Some((*index, key.as_str())),
            _ => None,
        })
    }
}

const WORK_COLUMNS: &str = "id, key, type, standalone, container_id, title, title_short, volume, issue, page, \
     edition, number, publisher, publisher_place, issued, doi, url, abstract, language, citation_key, extra";

/// Matches already-resolved containers within one import, so a 100k import
/// of articles from 2,000 journals looks each journal up once.
#[derive(Default)]
pub(super) struct ContainerCache {
    by_identity: HashMap<String, i64>,
    loaded: HashMap<i64, Work>,
    /// Fill a matched container's missing fields from the new description
    /// (single records from a service; not bulk imports, which match
    /// thousands of times against containers they just inserted).
    merge: bool,
}

impl ContainerCache {
    /// For single records from a service: matched containers are completed.
    pub(super) fn merging() -> ContainerCache {
        ContainerCache { merge: true, ..ContainerCache::default() }
    }
}

impl Library {
    /// Imports works (as [`csl::parse_document`] returns them) in one
    /// transaction: all the good items or, on a database failure, none.
    pub fn import<I>(&mut self, items: I) -> Result<ImportSummary>
    where
        I: IntoIterator<Item = Result<Work>>,
        I::IntoIter: Send,
    {
        self.import_sized(items, 0)
    }

    /// [`Library::import`], told how many items to expect: a large import
    /// (at least [`BULK_IMPORT`] items, and more than the library holds)
    /// drops the sort indexes it does not need while inserting and rebuilds
    /// them from their stored definitions before committing — sorting once
    /// instead of a random B-tree insert per row and index. Same transaction:
    /// a crash still leaves all of the import or none of it.
    pub fn import_sized<I>(&mut self, items: I, expected: usize) -> Result<ImportSummary>
    where
        I: IntoIterator<Item = Result<Work>>,
        I::IntoIter: Send,
    {
        self.import_with(items, expected, OnDuplicate::Skip)
    }

    /// [`Library::import_sized`] with a duplicate policy.
    ///
    /// Items are pulled (so a lazy parser parses) and their duplicate
    /// identities computed on a second thread while this one writes.
    pub fn import_with<I>(&mut self, items: I, expected: usize, dup: OnDuplicate) -> Result<ImportSummary>
    where
        I: IntoIterator<Item = Result<Work>>,
        I::IntoIter: Send,
    {
        let bulk = expected >= BULK_IMPORT && expected as i64 > self.count()?;
        // A large import touches more index pages than the default cache
        // holds: evicted pages would be written to the WAL and read back.
        let cache: i64 = self.conn.pragma_query_value(None, "cache_size", |r| r.get(0))?;
        let threads: i64 = self.conn.pragma_query_value(None, "threads", |r| r.get(0))?;
        if bulk {
            self.conn.pragma_update(None, "cache_size", -524_288)?; // 512 MiB at most, only as used
            // The sort indexes are rebuilt at the end, when the parse thread
            // has finished: let SQLite's sorter use the idle cores.
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4) as i64;
            self.conn.pragma_update(None, "threads", cores)?;
        }
        let items = items.into_iter();
        // Items cross in batches: one channel operation per item woke the
        // other thread (a futex call) some 3–4 times per item.
        const BATCH: usize = 256;
        let result = std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<_>>(4);
            scope.spawn(move || {
                let mut batch = Vec::with_capacity(BATCH);
                for item in items {
                    batch.push(item.map(|work| {
                        let identities = if dup == OnDuplicate::Add { Vec::new() } else { Seen::identities(&work) };
                        (work, identities)
                    }));
                    if batch.len() == BATCH {
                        // The receiver is gone when the import failed: stop.
                        if tx.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH))).is_err() {
                            return;
                        }
                    }
                }
                let _ = tx.send(batch);
            });
            self.import_in_tx(rx.into_iter().flatten(), bulk, dup)
        });
        if bulk {
            self.conn.pragma_update(None, "cache_size", cache)?;
            self.conn.pragma_update(None, "threads", threads)?;
        }
        result
    }

    fn import_in_tx(
        &mut self,
        items: impl IntoIterator<Item = Result<(Work, Vec<String>)>>,
        bulk: bool,
        dup: OnDuplicate,
    ) -> Result<ImportSummary> {
        // An empty library has no duplicates but those within the file, which
        // are found in memory (no lookups: keeps a large first import fast).
        let library_empty = self.count()? == 0;
        let tx = self.conn.transaction()?;
        let deferred = if bulk { drop_deferrable_indexes(&tx)? } else { Vec::new() };
        // FTS5 keeps the terms of the rows written since its last flush in a
        // hash table of at most `hashsize` bytes (16 MB, migration 0004).
        // A bulk import writes every token of a million works into it (the
        // prefix table four times), and at 16 MB every write is a cache miss:
        // over half of an import's time. Flushing at 1 MB costs more
        // segments to merge but less in all (ADR 0012, BENCHMARKS.md issue 8).
        let fts_saved = if bulk { search::set_fts_config(&tx, &[("hashsize", BULK_FTS_HASHSIZE)])? } else { Vec::new() };
        let mut summary = ImportSummary::default();
        let mut cache = ContainerCache::default();
        let mut seen = Seen::default();
        for (index, item) in items.into_iter().enumerate() {
            match item {
                Ok((work, identities)) => {
                    if dup != OnDuplicate::Add {
                        let found = match seen.find(&identities) {
                            Some(id) => Some(id),
                            None if !library_empty => find_duplicate(&tx, &work)?,
                            None => None,
                        };
                        // Two entries with their own citation keys are two entries to
                        // the file they came from (documents cite both keys): keep both.
                        let found = match (found, &work.citation_key) {
                            (Some(id), Some(k)) => {
                                let theirs: Option<String> =
                                    tx.query_row("SELECT citation_key FROM works WHERE id = ?1", [id], |r| r.get(0))?;
                                if theirs.is_some_and(|t| &t != k) { None } else { Some(id) }
                            }
                            (f, _) => f,
                        };
                        if let Some(id) = found {
                            let key: String = tx.query_row("SELECT key FROM works WHERE id = ?1", [id], |r| r.get(0))?;
                            if dup == OnDuplicate::Merge {
                                merge_work(&tx, id, work, &mut cache)?;
                                summary.outcomes.push(ImportOutcome::Merged { index, key });
                            } else {
                                summary.outcomes.push(ImportOutcome::Skipped { index, key });
                            }
                            continue;
                        }
                    }
                    let (id, key) = insert_tree(&tx, work, true, &mut cache)?;
                    seen.add(identities, id);
                    summary.outcomes.push(ImportOutcome::Added { key });
                }
                Err(e) => summary.outcomes.push(ImportOutcome::Failed { index, message: e.to_string() }),
            }
        }
        search::restore_fts_config(&tx, fts_saved)?;
        for sql in deferred {
            tx.execute_batch(&sql)?;
        }
        tx.commit()?;
        Ok(summary)
    }

    /// Imports a CSL-JSON document. Items are parsed and mapped on a second
    /// thread while this one writes them, in one transaction as [`Library::import`].
    pub fn import_csl_json(&mut self, text: &str) -> Result<ImportSummary> {
        self.import_csl_json_with(text, OnDuplicate::Skip)
    }

    /// [`Library::import_csl_json`] with a duplicate policy.
    pub fn import_csl_json_with(&mut self, text: &str, dup: OnDuplicate) -> Result<ImportSummary> {
        let items = csl::parse_document(text)?;
        let expected = items.len();
        self.import_with(items, expected, dup)
    }

    /// Adds one work (and its container chain); returns its key.
    pub fn add(&mut self, work: Work) -> Result<String> {
        let tx = self.conn.transaction()?;
        let (_, key) = insert_tree(&tx, work, true, &mut ContainerCache::default())?;
        tx.commit()?;
        Ok(key)
    }

    /// Finds a work by key or DOI (in any form). Errors with `NotFound`.
    pub fn resolve(&self, key_or_doi: &str) -> Result<i64> {
        let s = key_or_doi.trim();
        if is_key(s) {
            if let Some(id) = self.conn.query_row("SELECT id FROM works WHERE key = ?1", [s], |r| r.get(0)).optional()? {
                // The key of a work merged into another resolves to that one.
                return super::duplicates::follow_merges(&self.conn, id);
            }
        }
        if let Ok(doi) = crate::ident::normalize_doi(s) {
            if let Some(id) = self
                .conn
                .query_row("SELECT id FROM works WHERE doi = ?1 ORDER BY standalone DESC, id LIMIT 1", [doi], |r| r.get(0))
                .optional()?
            {
                return Ok(id);
            }
        }
        Err(Error::NotFound(s.to_string()))
    }

    /// Loads a work with its container chain.
    pub fn work(&self, id: i64) -> Result<Work> {
        load_work(&self.conn, id, 3)
    }

    pub fn key_of(&self, id: i64) -> Result<String> {
        Ok(self.conn.query_row("SELECT key FROM works WHERE id = ?1", [id], |r| r.get(0))?)
    }

    pub fn parent_id(&self, id: i64) -> Result<Option<i64>> {
        Ok(self.conn.query_row("SELECT container_id FROM works WHERE id = ?1", [id], |r| r.get(0))?)
    }

    /// The works whose container is `id` (a book's chapters).
    pub fn children(&self, id: i64) -> Result<Vec<i64>> {
        let mut st = self.conn.prepare_cached("SELECT id FROM works WHERE container_id = ?1 ORDER BY id")?;
        let rows = st.query_map([id], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Applies `field=value` edits to a work's own fields, in one transaction.
    pub fn edit(&mut self, id: i64, edits: &[(String, String)]) -> Result<()> {
        let mut work = load_work(&self.conn, id, 3)?;
        for (k, v) in edits {
            work.set_field(k, v)?;
        }
        let tx = self.conn.transaction()?;
        update_row(&tx, id, &work)?;
        search::reindex_with_children(&tx, id)?;
        tx.commit()?;
        Ok(())
    }

    /// The flat CSL-JSON item for a work, `id` set to its key.
    pub fn csl_item(&self, id: i64) -> Result<Map<String, Value>> {
        let w = self.work(id)?;
        Ok(item_with_key(&w))
    }

    /// Flat CSL-JSON for many works, in the order asked (see
    /// [`Library::for_each_csl_item`]).
    pub fn csl_items(&self, ids: &[i64]) -> Result<Vec<Map<String, Value>>> {
        let mut out: Vec<Option<Map<String, Value>>> = vec![None; ids.len()];
        self.for_each_csl_item(ids, |at, item| {
            out[at] = Some(item);
            Ok(())
        })?;
        Ok(out.into_iter().map(|o| o.expect("every position filled")).collect())
    }

    /// Calls `f(position in ids, flat CSL-JSON item)` for each of `ids`, in
    /// row id order — not the order asked (see [`Library::read_works`]).
    pub fn for_each_csl_item(&self, ids: &[i64], mut f: impl FnMut(usize, Map<String, Value>) -> Result<()>) -> Result<()> {
        let mut items = CslItems::default();
        self.read_works(ids, |read| items.take(read, &mut f))
    }

    /// Reads the works `ids` for an export and gives each to `f` as a
    /// [`WorkRead`]: a container before the first work in it, then the work
    /// with its positions in `ids`. [`CslItems`] turns them into flat
    /// CSL-JSON items — on another thread, if the caller likes: an export
    /// renders each item as it comes and writes it at its position, so a
    /// million works are never in memory at once.
    ///
    /// The works come in row id order, the order of the tables and of the
    /// creator and identifier indexes: neighbouring rows share pages, and
    /// each chunk of works is read with three range scans ([`load_rows`]),
    /// all in one read transaction (BENCHMARKS.md, issue 8).
    pub fn read_works(&self, ids: &[i64], mut f: impl FnMut(WorkRead) -> Result<()>) -> Result<()> {
        const CHUNK: usize = 4096;
        let mut order: Vec<(i64, usize)> = ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
        order.sort_unstable();
        // One snapshot for the whole read, and no lock taken per statement.
        // (Deferred: a read takes no write lock; the connection's default is
        // immediate, for writes.)
        let _read = if self.conn.is_autocommit() {
            Some(rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Deferred)?)
        } else {
            None
        };
        let mut containers_given: std::collections::HashSet<i64> = std::collections::HashSet::new();
        for chunk in order.chunks(CHUNK) {
            let mut distinct: Vec<i64> = chunk.iter().map(|&(id, _)| id).collect();
            distinct.dedup();
            let loaded = load_rows(&self.conn, &distinct)?;
            let mut next = chunk.iter().peekable();
            for ((work, container), id) in loaded.into_iter().zip(&distinct) {
                if let Some(pid) = container {
                    if containers_given.insert(pid) {
                        f(WorkRead::Container(pid, Box::new(load_work(&self.conn, pid, 2)?)))?;
                    }
                }
                let mut at = Vec::with_capacity(1);
                while let Some(&(_, i)) = next.next_if(|(other, _)| other == id) {
                    at.push(i);
                }
                f(WorkRead::Work { at, work, container })?;
            }
        }
        Ok(())
    }

    /// Ids of every listed (standalone, not trashed) work, oldest first.
    pub fn all_ids(&self) -> Result<Vec<i64>> {
        let mut st = self.conn.prepare(
            "SELECT id FROM works WHERE standalone = 1 AND NOT EXISTS (SELECT 1 FROM trash t WHERE t.work_id = works.id) ORDER BY id",
        )?;
        let rows = st.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Number of listed works (standalone, not in the trash).
    pub fn count(&self) -> Result<i64> {
        Ok(self.counts()?.0)
    }

    /// Listed works and works in the trash, counted once each.
    pub fn counts(&self) -> Result<(i64, i64)> {
        // Every row, less the few that are not standalone: a bare
        // `count(*)` is SQLite's count of the narrowest index's cells page by
        // page, where `WHERE standalone = 1` stepped through a million index
        // entries (the sidebar asks after every change; BENCHMARKS.md, issue 8).
        let all: i64 = self.conn.prepare_cached("SELECT count(*) FROM works")?.query_row([], |r| r.get(0))?;
        let other: i64 = self
            .conn
            .prepare_cached(
                "SELECT (SELECT count(*) FROM works WHERE standalone < 1) + (SELECT count(*) FROM works WHERE standalone > 1)",
            )?
            .query_row([], |r| r.get(0))?;
        let standalone = all - other;
        let trash = self.trash_count()?;
        Ok((standalone - trash, trash))
    }
}

/// Imports of at least this many items into a smaller library rebuild the
/// sort indexes once at the end instead of updating them row by row.
pub const BULK_IMPORT: usize = 10_000;

/// FTS5's `hashsize` during a bulk import (see `import_in_tx`).
const BULK_FTS_HASHSIZE: i64 = 1024 * 1024;

/// The list's sort indexes, which nothing reads during an import (the
/// title index stays: container matching looks titles up).
const DEFERRABLE_INDEXES: &[&str] =
    &["works_by_creator", "works_by_date", "works_by_added", "works_by_modified", "works_by_type", "works_by_citation_key"];

/// Drops the deferrable indexes and returns their exact definitions (as the
/// migrations wrote them into `sqlite_schema`) to recreate them.
fn drop_deferrable_indexes(tx: &Transaction) -> Result<Vec<String>> {
    let mut defs = Vec::new();
    for name in DEFERRABLE_INDEXES {
        let sql: Option<String> = tx
            .query_row("SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?1", [name], |r| r.get(0))
            .optional()?;
        if let Some(sql) = sql {
            tx.execute_batch(&format!("DROP INDEX {name}"))?;
            defs.push(sql);
        }
    }
    Ok(defs)
}

/// What [`Library::read_works`] gives, in order.
#[derive(Debug)]
pub enum WorkRead {
    /// A container (with its own container chain), before the works in it.
    Container(i64, Box<Work>),
    /// A work (without its container), its positions in the ids asked
    /// (more than one if it was asked for more than once), its container.
    Work { at: Vec<usize>, work: Work, container: Option<i64> },
}

/// Turns [`WorkRead`]s into flat CSL-JSON items, each with its container's
/// variables. Keeps the containers it was given.
#[derive(Debug, Default)]
pub struct CslItems {
    containers: HashMap<i64, Box<Work>>,
}

impl CslItems {
    /// Takes one read; for a work, calls `f(position, item)` for each of its positions.
    pub fn take(&mut self, read: WorkRead, f: &mut impl FnMut(usize, Map<String, Value>) -> Result<()>) -> Result<()> {
        match read {
            WorkRead::Container(id, w) => {
                self.containers.insert(id, w);
                Ok(())
            }
            WorkRead::Work { mut at, mut work, container } => {
                // The container is lent to the work while it is flattened, not cloned.
                let lent = container.and_then(|pid| self.containers.remove(&pid).map(|p| (pid, p)));
                let item = match lent {
                    Some((pid, parent)) => {
                        work.parent = Some(parent);
                        let item = item_with_key(&work);
                        self.containers.insert(pid, work.parent.take().expect("just set"));
                        item
                    }
                    None => item_with_key(&work),
                };
                let Some(last) = at.pop() else { return Ok(()) };
                for i in at {
                    f(i, item.clone())?;
                }
                f(last, item)
            }
        }
    }
}

fn item_with_key(w: &Work) -> Map<String, Value> {
    let mut item = Map::new();
    item.insert("id".into(), Value::String(w.key.clone().unwrap_or_default()));
    item.extend(csl::flatten(w));
    item
}

/// Inserts a work, first matching or inserting its container chain; strips
/// from the work what its actual container supplies. Returns the row id and key.
pub(super) fn insert_tree(tx: &Transaction, mut work: Work, standalone: bool, cache: &mut ContainerCache) -> Result<(i64, String)> {
    let container_id = match work.parent.take() {
        Some(p) => {
            let pid = find_or_insert_container(tx, *p, cache)?;
            let actual = match cache.loaded.get(&pid) {
                Some(w) => w.clone(),
                None => {
                    let w = load_work(tx, pid, 2)?;
                    cache.loaded.insert(pid, w.clone());
                    w
                }
            };
            work.parent = Some(Box::new(actual));
            csl::strip_inherited(&mut work);
            Some(pid)
        }
        None => None,
    };
    let (id, key) = insert_row(tx, &work, standalone, container_id)?;
    if standalone {
        work.key = Some(key.clone());
        search::index_new(tx, id, &work)?;
    }
    Ok((id, key))
}

/// The identity under which a container is matched: an ISBN/ISSN, else its
/// type and folded title (and publisher, for books).
fn container_identities(p: &Work) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    match p.work_type.as_str() {
        "book" => ids.extend(p.isbn.iter().map(|i| format!("isbn:{i}"))),
        "periodical" => ids.extend(p.issn.iter().map(|i| format!("issn:{i}"))),
        _ => {}
    }
    let title = text::title_sort_key(p.title.as_deref().unwrap_or(""));
    let mut t = format!("title:{}:{}", p.work_type, title);
    if p.work_type == "book" {
        t.push(':');
        t.push_str(&text::fold(p.publisher.as_deref().unwrap_or("")));
    }
    ids.push(t);
    ids
}

/// Matches or inserts a container chain outside an import, completing a
/// matched container with what this description adds.
pub(super) fn find_or_insert_container_pub(tx: &Transaction, p: Work) -> Result<i64> {
    find_or_insert_container(tx, p, &mut ContainerCache::merging())
}

/// Completes container `id` from another description of it `p` (and gives
/// it `p`'s container if it has none). Children's sort keys and index rows
/// follow (a chapter's date is its book's).
fn merge_container(tx: &Transaction, id: i64, mut p: Work, cache: &mut ContainerCache) -> Result<()> {
    let (mut have, container_id) = load_row(tx, id)?;
    let parent = p.parent.take();
    let mut changed = have.fill_from(&p);
    if container_id.is_none() {
        if let Some(pp) = parent {
            let pid = find_or_insert_container(tx, *pp, cache)?;
            tx.execute("UPDATE works SET container_id = ?2 WHERE id = ?1", params![id, pid])?;
            changed = true;
        }
    } else if let (Some(cid), Some(pp)) = (container_id, parent) {
        merge_container(tx, cid, *pp, cache)?;
    }
    if changed {
        update_row(tx, id, &have)?;
        search::reindex_with_children(tx, id)?;
        cache.loaded.remove(&id);
    }
    Ok(())
}

fn find_or_insert_container(tx: &Transaction, p: Work, cache: &mut ContainerCache) -> Result<i64> {
    let identities = container_identities(&p);
    for ident in &identities {
        if let Some(id) = cache.by_identity.get(ident) {
            return Ok(*id);
        }
    }
    let mut found = None;
    for ident in &identities {
        let (kind, rest) = ident.split_once(':').expect("identity has a kind");
        found = match kind {
            "isbn" | "issn" => tx
                .prepare_cached(
                    "SELECT i.work_id FROM work_ids i JOIN works w ON w.id = i.work_id \
                     WHERE i.kind = ?1 AND i.value = ?2 AND w.type = ?3 ORDER BY w.standalone DESC, w.id LIMIT 1",
                )?
                .query_row(params![kind, rest, p.work_type], |r| r.get(0))
                .optional()?,
            _ => {
                let mut st = tx.prepare_cached(
                    "SELECT id, publisher FROM works WHERE standalone IN (0, 1) AND sort_title = ?1 AND type = ?2 ORDER BY standalone DESC, id",
                )?;
                let title = text::title_sort_key(p.title.as_deref().unwrap_or(""));
                let rows = st.query_map(params![title, p.work_type], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?)))?;
                let want_pub = text::fold(p.publisher.as_deref().unwrap_or(""));
                let mut hit = None;
                for row in rows {
                    let (id, publisher) = row?;
                    if p.work_type != "book" || text::fold(publisher.as_deref().unwrap_or("")) == want_pub {
                        hit = Some(id);
                        break;
                    }
                }
                hit
            }
        };
        if found.is_some() {
            break;
        }
    }
    let id = match found {
        Some(id) => {
            if cache.merge {
                merge_container(tx, id, p, cache)?;
            }
            id
        }
        None => insert_tree(tx, p, false, cache)?.0,
    };
    for ident in identities {
        cache.by_identity.insert(ident, id);
    }
    Ok(id)
}

/// Sort keys from the work as it is shown (`w.parent` must be loaded: a
/// chapter's date is usually its book's).
fn sort_keys(w: &Work) -> (String, String, String) {
    (
        text::title_sort_key(w.title.as_deref().unwrap_or("")),
        w.first_creator().map(Creator::sort_key).unwrap_or_default(),
        csl::effective_issued(w).as_ref().map(Date::sort_key).unwrap_or_else(|| "~".into()),
    )
}

/// Recomputes a work's sort keys (after its container changed).
pub(super) fn refresh_sort_keys(tx: &Transaction, id: i64) -> Result<()> {
    let w = load_work(tx, id, 3)?;
    let (t, c, d) = sort_keys(&w);
    tx.prepare_cached("UPDATE works SET sort_title = ?2, sort_creator = ?3, sort_date = ?4 WHERE id = ?1")?
        .execute(params![id, t, c, d])?;
    Ok(())
}

fn issued_json(w: &Work) -> Option<String> {
    w.issued.as_ref().map(|d| d.to_csl().to_string())
}

fn insert_row(tx: &Transaction, w: &Work, standalone: bool, container_id: Option<i64>) -> Result<(i64, String)> {
    let (sort_title, sort_creator, sort_date) = sort_keys(w);
    let now = now_ms();
    let extra = Value::Object(w.extra.clone()).to_string();
    let mut st = tx.prepare_cached(
        "INSERT INTO works (key, type, standalone, container_id, title, title_short, volume, issue, page, edition, number, \
         publisher, publisher_place, issued, doi, url, abstract, language, citation_key, extra, sort_title, sort_creator, \
         sort_date, added_at, modified_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?24)",
    )?;
    let mut attempts = 0;
    let (id, key) = loop {
        let key = new_key();
        let res = st.insert(params![
            key, w.work_type, standalone as i64, container_id, w.title, w.title_short, w.volume, w.issue, w.page,
            w.edition, w.number, w.publisher, w.publisher_place, issued_json(w), w.doi, w.url, w.abstract_text,
            w.language, w.citation_key, extra, sort_title, sort_creator, sort_date, now
        ]);
        match res {
            Ok(id) => break (id, key),
            // A key collision (1 in ~10^12 per pair): draw again.
            Err(rusqlite::Error::SqliteFailure(f, _)) if f.code == rusqlite::ErrorCode::ConstraintViolation && attempts < 5 => {
                attempts += 1;
            }
            Err(e) => return Err(e.into()),
        }
    };
    write_creators_and_ids(tx, id, w)?;
    Ok((id, key))
}

fn write_creators_and_ids(tx: &Transaction, id: i64, w: &Work) -> Result<()> {
    let mut st = tx.prepare_cached(
        "INSERT INTO creators (work_id, position, role, family, given, non_dropping_particle, dropping_particle, suffix, literal, extra) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for (pos, c) in w.creators.iter().enumerate() {
        let extra = (!c.extra.is_empty()).then(|| Value::Object(c.extra.clone()).to_string());
        st.execute(params![
            id, pos as i64, c.role, c.family, c.given, c.non_dropping_particle, c.dropping_particle, c.suffix, c.literal, extra
        ])?;
    }
    let mut st = tx.prepare_cached("INSERT OR IGNORE INTO work_ids (kind, value, work_id, position) VALUES (?1, ?2, ?3, ?4)")?;
    for (pos, v) in w.isbn.iter().enumerate() {
        st.execute(params!["isbn", v, id, pos as i64])?;
    }
    for (pos, v) in w.issn.iter().enumerate() {
        st.execute(params!["issn", v, id, pos as i64])?;
    }
    for (kind, var) in EXTRA_IDS {
        if let Some(v) = w.extra.get(*var).and_then(Value::as_str) {
            st.execute(params![kind, v.trim().to_lowercase(), id, 0])?;
        }
    }
    Ok(())
}

/// The identities of the works imported so far in one import, to find
/// duplicates within the file without a query.
#[derive(Default)]
struct Seen {
    ids: HashMap<String, i64>,
}

impl Seen {
    /// `doi:…`, `isbn:…` (books), `twc:<title>|<year>|<first creator>`.
    fn identities(w: &Work) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(d) = &w.doi {
            out.push(format!("doi:{d}"));
        }
        if w.work_type == "book" {
            out.extend(w.isbn.iter().map(|i| format!("isbn:{i}")));
        }
        if let Some(t) = w.title.as_deref() {
            let title = text::match_title(t);
            if !title.is_empty() {
                let year = crate::csl::effective_issued(w).and_then(|d| d.year()).map(|y| y.to_string()).unwrap_or_default();
                // The family name only: "Heinzig, Dieter" and "Heinzig, D." are one person here.
                let creator = w
                    .first_creator()
                    .map(|c| text::fold(c.family.as_deref().or(c.literal.as_deref()).or(c.given.as_deref()).unwrap_or("")))
                    .unwrap_or_default();
                out.push(format!("twc:{title}|{year}|{creator}|{}", w.work_type));
            }
        }
        out
    }
    fn find(&self, identities: &[String]) -> Option<i64> {
        identities.iter().find_map(|i| self.ids.get(i).copied())
    }
    fn add(&mut self, identities: Vec<String>, id: i64) {
        for i in identities {
            self.ids.entry(i).or_insert(id);
        }
    }
}


/// A library item that is the same work as `w`: the same DOI; for a book
/// the same ISBN; else the same folded title, year, first creator and type.
fn find_duplicate(tx: &Transaction, w: &Work) -> Result<Option<i64>> {
    if let Some(d) = &w.doi {
        let hit: Option<i64> = tx
            .prepare_cached("SELECT id FROM works WHERE doi = ?1 AND standalone = 1 ORDER BY id LIMIT 1")?
            .query_row([d], |r| r.get(0))
            .optional()?;
        if hit.is_some() {
            return Ok(hit);
        }
    }
    if w.work_type == "book" {
        for i in &w.isbn {
            let hit: Option<i64> = tx
                .prepare_cached(
                    "SELECT w.id FROM work_ids i JOIN works w ON w.id = i.work_id \
                     WHERE i.kind = 'isbn' AND i.value = ?1 AND w.standalone = 1 AND w.type = 'book' ORDER BY w.id LIMIT 1",
                )?
                .query_row([i], |r| r.get(0))
                .optional()?;
            if hit.is_some() {
                return Ok(hit);
            }
        }
    }
    let Some(title) = w.title.as_deref().map(text::match_title).filter(|t| !t.is_empty()) else { return Ok(None) };
    let want = Seen::identities(w).into_iter().find(|i| i.starts_with("twc:"));
    // Candidates: the titles that start with the same first word (sort keys keep
    // punctuation, so "1945–1950" and "1945-1950" differ there but not here).
    let first = title.split(' ').next().unwrap_or("").to_string();
    let mut st = tx.prepare_cached(
        "SELECT id, title FROM works WHERE standalone = 1 AND sort_title >= ?1 AND sort_title < ?2 AND type = ?3 ORDER BY sort_title, id LIMIT 500",
    )?;
    let candidates = st.query_map(params![first, format!("{first}\u{10ffff}"), w.work_type], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?))
    })?;
    // Only a work with the same title can be the same work: the others are
    // not loaded (a common first word, "The", gave every imported work up to
    // 500 candidates to load: 6,000 works into a library of 300 took 34 s).
    let mut ids = Vec::new();
    for c in candidates {
        let (id, have_title) = c?;
        if have_title.as_deref().map(text::match_title).as_deref() == Some(title.as_str()) {
            ids.push(id);
        }
    }
    for id in ids {
        let have = load_work(tx, id, 2)?;
        if Seen::identities(&have).into_iter().find(|i| i.starts_with("twc:")) == want {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

/// Fills existing work `id`'s empty fields from `incoming` (and completes its container).
fn merge_work(tx: &Transaction, id: i64, mut incoming: Work, cache: &mut ContainerCache) -> Result<()> {
    let (mut have, container_id) = load_row(tx, id)?;
    let parent = incoming.parent.take();
    if let (Some(cid), Some(p)) = (container_id, parent) {
        merge_container(tx, cid, *p, cache)?;
    }
    if have.fill_from(&incoming) {
        update_row(tx, id, &have)?;
        search::reindex_with_children(tx, id)?;
    }
    Ok(())
}

/// Identifiers kept in `extra` that a work is also found by (`work_ids` kind, CSL variable).
const EXTRA_IDS: &[(&str, &str)] = &[("pmid", "PMID"), ("arxiv", "arxiv")];

pub(super) fn update_row(tx: &Transaction, id: i64, w: &Work) -> Result<()> {
    if w.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
        return Err(Error::invalid("a work needs a title"));
    }
    let (sort_title, sort_creator, sort_date) = sort_keys(w);
    let extra = Value::Object(w.extra.clone()).to_string();
    tx.prepare_cached(
        "UPDATE works SET type = ?2, title = ?3, title_short = ?4, volume = ?5, issue = ?6, page = ?7, edition = ?8, \
         number = ?9, publisher = ?10, publisher_place = ?11, issued = ?12, doi = ?13, url = ?14, abstract = ?15, \
         language = ?16, citation_key = ?17, extra = ?18, sort_title = ?19, sort_creator = ?20, sort_date = ?21, \
         modified_at = ?22, version = version + 1 WHERE id = ?1",
    )?
    .execute(params![
        id, w.work_type, w.title, w.title_short, w.volume, w.issue, w.page, w.edition, w.number, w.publisher,
        w.publisher_place, issued_json(w), w.doi, w.url, w.abstract_text, w.language, w.citation_key, extra,
        sort_title, sort_creator, sort_date, now_ms()
    ])?;
    tx.execute("DELETE FROM creators WHERE work_id = ?1", [id])?;
    tx.execute("DELETE FROM work_ids WHERE work_id = ?1", [id])?;
    write_creators_and_ids(tx, id, w)
}

fn opt_json<T>(s: Option<String>, f: impl FnOnce(&Value) -> Result<T>) -> Result<Option<T>> {
    match s {
        None => Ok(None),
        Some(s) => Ok(Some(f(&serde_json::from_str(&s)?)?)),
    }
}

/// Column positions in [`WORK_COLUMNS`] (read by position: a name is looked
/// up column by column on every row).
mod col {
    pub const KEY: usize = 1;
    pub const TYPE: usize = 2;
    pub const CONTAINER_ID: usize = 4;
    pub const TITLE: usize = 5;
    pub const TITLE_SHORT: usize = 6;
    pub const VOLUME: usize = 7;
    pub const ISSUE: usize = 8;
    pub const PAGE: usize = 9;
    pub const EDITION: usize = 10;
    pub const NUMBER: usize = 11;
    pub const PUBLISHER: usize = 12;
    pub const PUBLISHER_PLACE: usize = 13;
    pub const ISSUED: usize = 14;
    pub const DOI: usize = 15;
    pub const URL: usize = 16;
    pub const ABSTRACT: usize = 17;
    pub const LANGUAGE: usize = 18;
    pub const CITATION_KEY: usize = 19;
    pub const EXTRA: usize = 20;
}

fn work_from_row(r: &Row) -> rusqlite::Result<(Work, Option<i64>, Option<String>, String)> {
    let mut w = Work::new(&r.get::<_, String>(col::TYPE)?);
    w.key = Some(r.get(col::KEY)?);
    w.title = r.get(col::TITLE)?;
    w.title_short = r.get(col::TITLE_SHORT)?;
    w.volume = r.get(col::VOLUME)?;
    w.issue = r.get(col::ISSUE)?;
    w.page = r.get(col::PAGE)?;
    w.edition = r.get(col::EDITION)?;
    w.number = r.get(col::NUMBER)?;
    w.publisher = r.get(col::PUBLISHER)?;
    w.publisher_place = r.get(col::PUBLISHER_PLACE)?;
    w.doi = r.get(col::DOI)?;
    w.url = r.get(col::URL)?;
    w.abstract_text = r.get(col::ABSTRACT)?;
    w.language = r.get(col::LANGUAGE)?;
    w.citation_key = r.get(col::CITATION_KEY)?;
    Ok((w, r.get(col::CONTAINER_ID)?, r.get(col::ISSUED)?, r.get(col::EXTRA)?))
}

/// The row's JSON columns decoded into the work.
fn finish_row(mut w: Work, issued: Option<String>, extra: String) -> Result<Work> {
    w.issued = opt_json(issued, Date::from_csl)?;
    if let Value::Object(m) = serde_json::from_str(&extra)? {
        w.extra = m;
    }
    Ok(w)
}

const CREATOR_COLUMNS: &str = "role, family, given, non_dropping_particle, dropping_particle, suffix, literal, extra";

/// A creator from [`CREATOR_COLUMNS`], starting at column `at`.
fn creator_from_row(r: &Row, at: usize) -> rusqlite::Result<(Creator, Option<String>)> {
    Ok((
        Creator {
            role: r.get(at)?,
            family: r.get(at + 1)?,
            given: r.get(at + 2)?,
            non_dropping_particle: r.get(at + 3)?,
            dropping_particle: r.get(at + 4)?,
            suffix: r.get(at + 5)?,
            literal: r.get(at + 6)?,
            extra: Map::new(),
        },
        r.get::<_, Option<String>>(at + 7)?,
    ))
}

fn add_creator(w: &mut Work, (mut c, extra): (Creator, Option<String>)) -> Result<()> {
    if let Some(Value::Object(m)) = extra.map(|e| serde_json::from_str(&e)).transpose()? {
        c.extra = m;
    }
    w.creators.push(c);
    Ok(())
}

fn add_identifier(w: &mut Work, kind: &str, value: String) {
    match kind {
        "isbn" => w.isbn.push(value),
        "issn" => w.issn.push(value),
        // pmid/arxiv are mirrored from `extra`, which the row already gave.
        _ => {}
    }
}

/// One work's own row, creators and identifiers; no parent.
pub(super) fn load_row(conn: &Connection, id: i64) -> Result<(Work, Option<i64>)> {
    let (w, container_id, issued, extra) = conn
        .prepare_cached(&format!("SELECT {WORK_COLUMNS} FROM works WHERE id = ?1"))?
        .query_row([id], work_from_row)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("#{id}")))?;
    let mut w = finish_row(w, issued, extra)?;
    let mut st = conn.prepare_cached(&format!("SELECT {CREATOR_COLUMNS} FROM creators WHERE work_id = ?1 ORDER BY position"))?;
    let rows = st.query_map([id], |r| creator_from_row(r, 0))?;
    for row in rows {
        add_creator(&mut w, row?)?;
    }
    let mut st = conn.prepare_cached("SELECT kind, value FROM work_ids WHERE work_id = ?1 ORDER BY kind, position")?;
    let rows = st.query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (kind, value) = row?;
        add_identifier(&mut w, &kind, value);
    }
    Ok((w, container_id))
}

/// [`load_row`] for many works, `ids` ascending and distinct. Ids close
/// together (most of an export) are read with one range scan of each table
/// (works, creators, identifiers) instead of three lookups per work; scattered
/// ids one by one.
pub(super) fn load_rows(conn: &Connection, ids: &[i64]) -> Result<Vec<(Work, Option<i64>)>> {
    debug_assert!(ids.windows(2).all(|p| p[0] < p[1]), "ids ascending and distinct");
    let (Some(&lo), Some(&hi)) = (ids.first(), ids.last()) else { return Ok(Vec::new()) };
    // A range scan reads every row between the ends: worth it while most of
    // them are wanted.
    if ids.len() < 16 || (hi - lo) as u64 > ids.len() as u64 * 4 {
        return ids.iter().map(|&id| load_row(conn, id)).collect();
    }
    let at = |id: i64| ids.binary_search(&id).ok();
    let mut out: Vec<Option<(Work, Option<i64>)>> = Vec::with_capacity(ids.len());
    out.resize_with(ids.len(), || None);
    let mut st = conn.prepare_cached(&format!("SELECT {WORK_COLUMNS} FROM works WHERE id BETWEEN ?1 AND ?2 ORDER BY id"))?;
    let mut rows = st.query([lo, hi])?;
    while let Some(r) = rows.next()? {
        if let Some(i) = at(r.get(0)?) {
            let (w, container_id, issued, extra) = work_from_row(r)?;
            out[i] = Some((finish_row(w, issued, extra)?, container_id));
        }
    }
    let mut st = conn.prepare_cached(&format!(
        "SELECT work_id, {CREATOR_COLUMNS} FROM creators WHERE work_id BETWEEN ?1 AND ?2 ORDER BY work_id, position"
    ))?;
    let mut rows = st.query([lo, hi])?;
    while let Some(r) = rows.next()? {
        if let Some((w, _)) = at(r.get(0)?).and_then(|i| out[i].as_mut()) {
            add_creator(w, creator_from_row(r, 1)?)?;
        }
    }
    let mut st = conn.prepare_cached(
        "SELECT work_id, kind, value FROM work_ids WHERE work_id BETWEEN ?1 AND ?2 ORDER BY work_id, kind, position",
    )?;
    let mut rows = st.query([lo, hi])?;
    while let Some(r) = rows.next()? {
        if let Some((w, _)) = at(r.get(0)?).and_then(|i| out[i].as_mut()) {
            let kind: String = r.get(1)?;
            add_identifier(w, &kind, r.get(2)?);
        }
    }
    ids.iter().zip(out).map(|(id, o)| o.ok_or_else(|| Error::NotFound(format!("#{id}")))).collect()
}

/// A work with up to `depth` levels of its container chain.
pub(super) fn load_work(conn: &Connection, id: i64, depth: u32) -> Result<Work> {
    let (mut w, container_id) = load_row(conn, id)?;
    if let (Some(pid), true) = (container_id, depth > 0) {
        w.parent = Some(Box::new(load_work(conn, pid, depth - 1)?));
    }
    Ok(w)
}
