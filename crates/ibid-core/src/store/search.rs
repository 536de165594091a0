//! Full-text search over FTS5, designed to stay bounded at a million works.
//!
//! Ranking every hit (FTS5's `ORDER BY rank`) costs time proportional to the
//! number of hits. Instead each query reads at most `CANDIDATES` rows from
//! the index, newest first (`ORDER BY rowid DESC`, which FTS5 answers without
//! sorting), in three tiers: (1) every term in the fields that identify a
//! work (title, creators, year, DOI, key); (2) every term in those or the
//! container and tags (both in `work_fts`, which has prefix indexes); (3)
//! every term in title, creators, abstract and notes (`work_fts_text`, no
//! prefix indexes). Candidates are re-ranked in Rust by how well the title
//! matches. See docs/decisions/0003-search-design.md.

use std::collections::HashSet;

use rusqlite::{params, OptionalExtension, Transaction};

use super::{is_key, works::load_work, Library};
use crate::error::Result;
use crate::model::Work;
use crate::text;

/// Rows read from the index per tier, at most.
const CANDIDATES: usize = 200;

#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub id: i64,
    pub key: String,
}

struct Doc {
    title: String,
    creators: String,
    meta: String,
    container: String,
    abstract_text: String,
    tags: String,
    notes: String,
}

fn doc_for(work: &Work, tags: String, notes: String) -> Doc {
    let creators = work.creators.iter().map(|c| c.search_text()).collect::<Vec<_>>().join("; ");
    let mut meta = Vec::new();
    if let Some(y) = work.year() {
        meta.push(y.to_string());
    }
    meta.extend(work.doi.iter().cloned());
    meta.extend(work.citation_key.iter().cloned());
    meta.extend(work.key.iter().cloned());
    meta.extend(work.isbn.iter().cloned());
    let mut container = Vec::new();
    let mut p = work.parent.as_deref();
    while let Some(c) = p {
        container.extend(c.title.iter().cloned());
        container.extend(c.title_short.iter().cloned());
        container.extend(c.creators.iter().map(|c| c.search_text()));
        p = c.parent.as_deref();
    }
    if let Some(ct) = work.extra.get("container-title").and_then(|v| v.as_str()) {
        container.push(ct.to_string());
    }
    Doc {
        title: text::strip_markup(work.title.as_deref().unwrap_or("")),
        creators,
        meta: meta.join(" "),
        container: text::strip_markup(&container.join(" ")),
        abstract_text: text::strip_markup(work.abstract_text.as_deref().unwrap_or("")),
        tags,
        notes,
    }
}

fn insert_doc(tx: &Transaction, id: i64, d: &Doc) -> Result<()> {
    tx.prepare_cached("INSERT INTO work_fts (rowid, title, creators, meta, container, tags) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?
        .execute(params![id, d.title, d.creators, d.meta, d.container, d.tags])?;
    if !d.abstract_text.is_empty() || !d.notes.is_empty() {
        tx.prepare_cached("INSERT INTO work_fts_text (rowid, title, creators, abstract, notes) VALUES (?1, ?2, ?3, ?4, ?5)")?
            .execute(params![id, d.title, d.creators, d.abstract_text, d.notes])?;
    }
    Ok(())
}

/// Indexes a freshly inserted work (no tags or notes yet). `work.parent` is
/// the actual container, as the insert resolved it; `work.key` is set.
pub(super) fn index_new(tx: &Transaction, id: i64, work: &Work) -> Result<()> {
    insert_doc(tx, id, &doc_for(work, String::new(), String::new()))
}

/// Re-reads a work with its tags and notes and rewrites its index row.
pub(super) fn reindex(tx: &Transaction, id: i64) -> Result<()> {
    tx.prepare_cached("DELETE FROM work_fts WHERE rowid = ?1")?.execute([id])?;
    tx.prepare_cached("DELETE FROM work_fts_text WHERE rowid = ?1")?.execute([id])?;
    let standalone: bool = tx.query_row("SELECT standalone FROM works WHERE id = ?1", [id], |r| r.get(0))?;
    if !standalone {
        return Ok(());
    }
    let work = load_work(tx, id, 3)?;
    let tags: String = tx.query_row(
        "SELECT coalesce(group_concat(t.name, ' '), '') FROM work_tags wt JOIN tags t ON t.id = wt.tag_id WHERE wt.work_id = ?1",
        [id],
        |r| r.get(0),
    )?;
    let notes: String = tx.query_row(
        "SELECT coalesce(group_concat(body, ' '), '') FROM notes WHERE work_id = ?1",
        [id],
        |r| r.get(0),
    )?;
    insert_doc(tx, id, &doc_for(&work, tags, notes))
}

/// Reindexes a work and every work below it (a book's chapters, a series'
/// books and their chapters), and refreshes the sort keys below it, since
/// their container text and dates come from it.
pub(super) fn reindex_with_children(tx: &Transaction, id: i64) -> Result<()> {
    let mut todo = vec![id];
    let mut seen = HashSet::new();
    while let Some(next) = todo.pop() {
        if !seen.insert(next) {
            continue;
        }
        if next != id {
            super::works::refresh_sort_keys(tx, next)?;
        }
        reindex(tx, next)?;
        let id = next;
        let mut st = tx.prepare_cached("SELECT id FROM works WHERE container_id = ?1")?;
        let kids = st.query_map([id], |r| r.get::<_, i64>(0))?;
        for k in kids {
            todo.push(k?);
        }
    }
    Ok(())
}

/// Migration step: indexes every work already in the library.
pub(super) fn rebuild_all(tx: &Transaction) -> Result<()> {
    tx.execute("DELETE FROM work_fts", [])?;
    tx.execute("DELETE FROM work_fts_text", [])?;
    let ids: Vec<i64> = {
        let mut st = tx.prepare("SELECT id FROM works WHERE standalone = 1")?;
        let rows = st.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for id in ids {
        reindex(tx, id)?;
    }
    Ok(())
}

/// The FTS5 expression for a user's query: every word, folded, as a quoted
/// prefix term (quoting keeps FTS5 syntax out of user input).
fn fts_terms(words: &[String]) -> String {
    words.iter().map(|w| format!("\"{w}\"*")).collect::<Vec<_>>().join(" ")
}

impl Library {
    /// Searches the library: best match first, at most `limit` hits. A DOI
    /// or a work key finds that work directly.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>> {
        let q = query.trim();
        let mut hits: Vec<SearchHit> = Vec::new();
        if q.is_empty() || limit == 0 {
            return Ok(hits);
        }
        let looks_like_doi = q.contains("10.") && q.contains('/');
        let doi_typed = doi_prefix(q);
        if is_key(q) || looks_like_doi || doi_typed.is_some() {
            if let Ok(id) = self.resolve(q) {
                let trashed: bool =
                    self.conn.query_row("SELECT EXISTS (SELECT 1 FROM trash WHERE work_id = ?1)", [id], |r| r.get(0))?;
                if !trashed {
                    hits.push(SearchHit { id, key: self.key_of(id)? });
                }
            }
            if let Some(prefix) = doi_typed {
                // A DOI still being typed: the works whose DOI starts with
                // it, from the DOI index (in the full-text index its parts,
                // "10" and "5555", can each be in every work).
                let mut st = self.conn.prepare_cached(
                    "SELECT w.id, w.key FROM works w WHERE w.doi >= ?1 AND w.doi < ?1 || char(1114111) \
                       AND NOT EXISTS (SELECT 1 FROM trash t WHERE t.work_id = w.id) ORDER BY w.doi, w.id LIMIT ?2",
                )?;
                let rows = st.query_map(params![prefix, (limit + 1) as i64], |r| Ok(SearchHit { id: r.get(0)?, key: r.get(1)? }))?;
                for hit in rows {
                    let hit = hit?;
                    if !hits.iter().any(|h| h.id == hit.id) {
                        hits.push(hit);
                    }
                }
                hits.truncate(limit);
                return Ok(hits);
            }
            if looks_like_doi {
                return Ok(hits);
            }
        }
        let folded = text::fold(q);
        let words: Vec<String> = text::words(&folded).map(str::to_string).collect();
        if words.is_empty() {
            return Ok(hits);
        }
        let terms = fts_terms(&words);
        // Without prefix indexes a one- or two-letter prefix would merge the
        // doclists of every word that starts with it: in the long text, such
        // a term (still being typed) is left out unless it is all there is.
        let long: Vec<String> = words.iter().filter(|w| w.chars().count() >= 3).cloned().collect();
        let text_terms = if long.is_empty() { None } else { Some(fts_terms(&long)) };
        let mut seen: HashSet<i64> = hits.iter().map(|h| h.id).collect();
        let want = CANDIDATES.max(limit);
        let tiers = [
            Some(("work_fts", format!("{{title creators meta}} : ({terms})"))),
            Some(("work_fts", terms.clone())),
            text_terms.map(|t| ("work_fts_text", t)),
        ];
        for (table, expr) in tiers.into_iter().flatten() {
            if hits.len() >= limit {
                break;
            }
            let mut tier = self.candidates(table, &expr, want, &seen)?;
            rank_by_title(&mut tier, &words);
            for (id, key, _) in tier {
                seen.insert(id);
                hits.push(SearchHit { id, key });
            }
        }
        hits.truncate(limit);
        Ok(hits)
    }

    fn candidates(&self, table: &str, expr: &str, n: usize, skip: &HashSet<i64>) -> Result<Vec<(i64, String, String)>> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT w.id, w.key, w.sort_title FROM \
               (SELECT rowid AS id FROM {table} WHERE {table} MATCH ?1 ORDER BY rowid DESC LIMIT ?2) f \
             JOIN works w ON w.id = f.id \
             WHERE NOT EXISTS (SELECT 1 FROM trash t WHERE t.work_id = w.id) ORDER BY w.id DESC"
        ))?;
        let rows = st.query_map(params![expr, n as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        let mut out = Vec::new();
        for r in rows {
            let (id, key, title): (i64, String, String) = r?;
            if !skip.contains(&id) {
                out.push((id, key, title));
            }
        }
        Ok(out)
    }
}

/// The DOI a query is the start of, as the library stores DOIs (lower case,
/// without `doi:` or a resolver URL): `10.` and at least one digit of the
/// registrant, then anything without spaces ("10.5555", "10.1007/978-981").
fn doi_prefix(q: &str) -> Option<String> {
    let lower = q.trim().to_lowercase();
    let mut s = lower.as_str();
    for prefix in ["https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi.org/", "doi:"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.trim_start();
            break;
        }
    }
    let registrant = s.strip_prefix("10.")?;
    let digits = registrant.chars().take_while(|c| c.is_ascii_digit() || *c == '.').count();
    let rest = &registrant[digits..];
    let ok = digits > 0 && (rest.is_empty() || rest.starts_with('/')) && !s.chars().any(char::is_whitespace);
    ok.then(|| s.to_string())
}

/// Stable re-rank: titles where more query words are whole words first,
/// then titles that start with the first word; ties keep newest first.
fn rank_by_title(tier: &mut [(i64, String, String)], words: &[String]) {
    tier.sort_by_cached_key(|(_, _, title)| {
        let title_words: HashSet<&str> = text::words(title).collect();
        let whole = words.iter().filter(|w| title_words.contains(w.as_str())).count();
        let starts = title.starts_with(words[0].as_str()) as usize;
        std::cmp::Reverse(whole * 2 + starts)
    });
}

/// What [`set_fts_config`] changed: (table, option, the stored value before, if any).
pub(super) type FtsSaved = Vec<(&'static str, &'static str, Option<i64>)>;

/// FTS5 options are persistent (each table's `_config` rows): sets `set`
/// on both search tables and returns what to put back with
/// [`restore_fts_config`] in the same transaction.
pub(super) fn set_fts_config(tx: &Transaction, set: &[(&'static str, i64)]) -> Result<FtsSaved> {
    let mut saved = Vec::new();
    for t in ["work_fts", "work_fts_text"] {
        for &(k, v) in set {
            let old: Option<i64> =
                tx.query_row(&format!("SELECT v FROM {t}_config WHERE k = ?1"), [k], |r| r.get(0)).optional()?;
            tx.execute(&format!("INSERT INTO {t}({t}, rank) VALUES (?1, ?2)"), params![k, v])?;
            saved.push((t, k, old));
        }
    }
    Ok(saved)
}

/// Puts back what [`set_fts_config`] changed: the old value, or for an
/// option that had none, FTS5's default (so that this connection uses it)
/// and then no row, as before.
pub(super) fn restore_fts_config(tx: &Transaction, saved: FtsSaved) -> Result<()> {
    for (t, k, old) in saved {
        let default = match k {
            "automerge" => 4,
            "crisismerge" => 16,
            "usermerge" => 4,
            "hashsize" => 1024 * 1024,
            "pgsz" => 4050,
            _ => return Err(crate::error::Error::invalid(format!("no default known for the FTS5 option {k}"))),
        };
        tx.execute(&format!("INSERT INTO {t}({t}, rank) VALUES (?1, ?2)"), params![k, old.unwrap_or(default)])?;
        if old.is_none() {
            tx.execute(&format!("DELETE FROM {t}_config WHERE k = ?1"), [k])?;
        }
    }
    Ok(())
}
