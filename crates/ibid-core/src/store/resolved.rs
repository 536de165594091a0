//! Records that came from a service: adding or refreshing them with their
//! reference lists and the raw responses they were derived from, and the
//! settings kept with the library.

use rusqlite::{params, OptionalExtension, Transaction};

use super::works::{find_or_insert_container_pub, insert_tree, load_work, update_row, ContainerCache};
use super::{now_ms, search, Library};
use crate::csl;
use crate::error::{Error, Result};
use crate::ident;
use crate::model::Work;

/// One raw response, as the service sent it.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedResponse {
    pub source: String,
    pub url: String,
    pub status: u16,
    pub content_type: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub body: Vec<u8>,
    /// Unix milliseconds.
    pub fetched_at: i64,
    /// The work's own record (not a helper lookup such as a chapter's book):
    /// a refresh asks for it again, conditionally on its validators.
    pub primary: bool,
}

/// One entry of a work's reference list, as a service gave it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CitedInput {
    pub text: String,
    pub doi: Option<String>,
    /// The cited work as a record, when the source gives structured fields.
    pub work: Option<Work>,
}

/// A work found by one of its identifiers.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub id: i64,
    pub key: String,
    /// In the library's list (not only a container or a cited work).
    pub standalone: bool,
    pub title: Option<String>,
}

impl Library {
    /// Finds a work by an identifier: `kind` is `doi`, `isbn`, `pmid` or
    /// `arxiv`, `value` already normalized. Library items come first, then
    /// containers and cited works. Trashed works count as present.
    pub fn find_identifier(&self, kind: &str, value: &str) -> Result<Option<Found>> {
        let sql = match kind {
            "doi" => "SELECT id, key, standalone, title FROM works WHERE doi = ?1 ORDER BY standalone DESC, id LIMIT 1",
            "isbn" | "pmid" | "arxiv" => {
                "SELECT w.id, w.key, w.standalone, w.title FROM work_ids i JOIN works w ON w.id = i.work_id \
                 WHERE i.kind = ?2 AND i.value = ?1 ORDER BY w.standalone DESC, w.id LIMIT 1"
            }
            other => return Err(Error::invalid(format!("unknown identifier kind {other:?}"))),
        };
        let mut st = self.conn.prepare_cached(sql)?;
        let row = if kind == "doi" {
            st.query_row(params![value], |r| Ok(Found { id: r.get(0)?, key: r.get(1)?, standalone: r.get(2)?, title: r.get(3)? }))
        } else {
            st.query_row(params![value, kind], |r| Ok(Found { id: r.get(0)?, key: r.get(1)?, standalone: r.get(2)?, title: r.get(3)? }))
        };
        Ok(row.optional()?)
    }

    /// Adds a resolved work (with its container chain), the works it cites
    /// and the responses it came from, in one transaction. If a record with
    /// the same DOI exists only as a container or a cited work, it becomes
    /// this library item instead of a second copy. Returns the key.
    pub fn add_resolved(&mut self, work: Work, cited: &[CitedInput], responses: &[CachedResponse]) -> Result<String> {
        let tx = self.conn.transaction()?;
        let existing = match &work.doi {
            Some(d) => tx
                .query_row("SELECT id, standalone FROM works WHERE doi = ?1 ORDER BY standalone DESC, id LIMIT 1", [d], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, bool>(1)?))
                })
                .optional()?,
            None => None,
        };
        let (id, key) = match existing {
            Some((_, true)) => {
                return Err(Error::invalid(format!("{} is already in the library", work.doi.as_deref().unwrap_or(""))))
            }
            Some((id, false)) => {
                replace_in_tx(&tx, id, work)?;
                (id, self_key(&tx, id)?)
            }
            None => insert_tree(&tx, work, true, &mut ContainerCache::merging())?,
        };
        write_citations(&tx, id, cited)?;
        write_responses(&tx, id, responses)?;
        tx.commit()?;
        Ok(key)
    }

    /// Replaces a work's fields with a freshly resolved record (keeping its
    /// key, tags, collections, notes and attachments), its reference list,
    /// and appends the responses, in one transaction.
    pub fn refresh_resolved(&mut self, id: i64, work: Work, cited: &[CitedInput], responses: &[CachedResponse]) -> Result<()> {
        let tx = self.conn.transaction()?;
        replace_in_tx(&tx, id, work)?;
        write_citations(&tx, id, cited)?;
        write_responses(&tx, id, responses)?;
        tx.commit()?;
        Ok(())
    }

    /// Records that a conditional refresh found the work unchanged.
    pub fn record_responses(&mut self, id: i64, responses: &[CachedResponse]) -> Result<()> {
        let tx = self.conn.transaction()?;
        write_responses(&tx, id, responses)?;
        tx.commit()?;
        Ok(())
    }

    /// The raw responses a work was derived from, newest first.
    pub fn responses_of(&self, id: i64) -> Result<Vec<CachedResponse>> {
        let mut st = self.conn.prepare_cached(
            "SELECT source, url, status, content_type, etag, last_modified, body, fetched_at, is_primary FROM responses \
             WHERE work_id = ?1 ORDER BY fetched_at DESC, id DESC",
        )?;
        let rows = st.query_map([id], |r| {
            Ok(CachedResponse {
                source: r.get(0)?,
                url: r.get(1)?,
                status: r.get::<_, i64>(2)? as u16,
                content_type: r.get(3)?,
                etag: r.get(4)?,
                last_modified: r.get(5)?,
                body: r.get(6)?,
                fetched_at: r.get(7)?,
                primary: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The identifiers a work can be resolved by, best first: `("doi", …)`,
    /// `("arxiv", …)`, `("pmid", …)`, `("isbn", …)`.
    pub fn identifiers_of(&self, id: i64) -> Result<Vec<(String, String)>> {
        let mut out = Vec::new();
        let doi: Option<String> = self.conn.query_row("SELECT doi FROM works WHERE id = ?1", [id], |r| r.get(0)).optional()?.flatten();
        if let Some(d) = doi {
            out.push(("doi".to_string(), d));
        }
        let mut st = self.conn.prepare_cached(
            "SELECT kind, value FROM work_ids WHERE work_id = ?1 AND kind IN ('arxiv', 'pmid', 'isbn') \
             ORDER BY CASE kind WHEN 'arxiv' THEN 0 WHEN 'pmid' THEN 1 ELSE 2 END, position",
        )?;
        let rows = st.query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            out.push(row?);
        }
        Ok(out)
    }

    /// Every setting kept with the library.
    pub fn settings(&self) -> Result<Vec<(String, String)>> {
        let mut st = self.conn.prepare_cached("SELECT key, value FROM settings ORDER BY key")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Sets (or with `None` removes) a setting.
    pub fn set_setting(&mut self, key: &str, value: Option<&str>) -> Result<()> {
        match value {
            Some(v) => self.conn.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, v],
            )?,
            None => self.conn.execute("DELETE FROM settings WHERE key = ?1", [key])?,
        };
        Ok(())
    }
}

fn self_key(tx: &Transaction, id: i64) -> Result<String> {
    Ok(tx.query_row("SELECT key FROM works WHERE id = ?1", [id], |r| r.get(0))?)
}

/// Rewrites row `id` from `work`: matches (or inserts) its container chain,
/// stores only what the container does not supply, makes it a library item.
pub(super) fn replace_in_tx(tx: &Transaction, id: i64, mut work: Work) -> Result<()> {
    let container_id = match work.parent.take() {
        Some(p) => {
            let pid = find_or_insert_container_pub(tx, *p)?;
            work.parent = Some(Box::new(load_work(tx, pid, 2)?));
            csl::strip_inherited(&mut work);
            Some(pid)
        }
        None => None,
    };
    update_row(tx, id, &work)?;
    tx.execute("UPDATE works SET standalone = 1, container_id = ?2 WHERE id = ?1", params![id, container_id])?;
    search::reindex_with_children(tx, id)?;
    Ok(())
}

/// Replaces the reference list of `citing`: each entry links to the work
/// with its DOI when the library has one, else to a new cited-only record
/// (not a library item) when the entry is structured, else to nothing.
fn write_citations(tx: &Transaction, citing: i64, cited: &[CitedInput]) -> Result<()> {
    tx.execute("DELETE FROM citations WHERE citing_id = ?1 AND note_number IS NULL", [citing])?;
    let mut cache = ContainerCache::default();
    for (pos, c) in cited.iter().enumerate() {
        let doi = c.doi.as_deref().and_then(|d| ident::normalize_doi(d).ok());
        let mut target: Option<i64> = match &doi {
            Some(d) => tx
                .prepare_cached("SELECT id FROM works WHERE doi = ?1 ORDER BY standalone DESC, id LIMIT 1")?
                .query_row([d], |r| r.get(0))
                .optional()?,
            None => None,
        };
        if target.is_none() {
            if let Some(w) = &c.work {
                // The same work already in the library (or cited before).
                target = super::cited::same_work(tx, w)?;
            }
        }
        if target.is_none() {
            if let Some(w) = &c.work {
                let mut w = w.clone();
                if w.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
                    // A cited work known only by its DOI and text.
                    w.title = Some(c.text.clone());
                }
                if w.doi.is_none() {
                    w.doi = doi.clone();
                }
                target = Some(insert_tree(tx, w, false, &mut cache)?.0);
            }
        }
        if target == Some(citing) {
            target = None; // a work listing itself
        }
        tx.prepare_cached(
            "INSERT INTO citations (citing_id, note_number, position, raw_text, cited_id, locator, form) VALUES (?1, NULL, ?2, ?3, ?4, NULL, 'full')",
        )?
        .execute(params![citing, pos as i64, c.text, target])?;
    }
    Ok(())
}

pub(super) fn write_responses(tx: &Transaction, work_id: i64, responses: &[CachedResponse]) -> Result<()> {
    let mut st = tx.prepare_cached(
        "INSERT INTO responses (work_id, source, url, status, content_type, etag, last_modified, body, fetched_at, is_primary) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for r in responses {
        let at = if r.fetched_at > 0 { r.fetched_at } else { now_ms() };
        st.execute(params![work_id, r.source, r.url, r.status as i64, r.content_type, r.etag, r.last_modified, r.body, at, r.primary])?;
    }
    Ok(())
}
