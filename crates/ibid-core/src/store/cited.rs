//! A work and the citations in its notes, stored together: the citing work
//! is matched to a record already in the library (or added), each cited work
//! is matched to the library (same DOI, same ISBN, or the same folded title,
//! year and first creator) or stored as a cited-only record (`standalone =
//! 0`), and the citations are written, all in one transaction.

use rusqlite::{params, OptionalExtension, Transaction};

use super::org::CitationForm;
use super::resolved::{replace_in_tx, write_responses, CachedResponse};
use super::works::{insert_tree, load_work, ContainerCache};
use super::Library;
use crate::csl;
use crate::error::Result;
use crate::model::Work;
use crate::text;

/// One citation in a note, pointing into [`NotesImport::cited`].
#[derive(Debug, Clone, PartialEq)]
pub struct NoteCitation {
    /// `None` for an unnumbered reference list.
    pub note_number: Option<i64>,
    /// Order within the note (or the list).
    pub position: i64,
    pub raw_text: String,
    pub locator: Option<String>,
    pub form: CitationForm,
    /// Index into `cited`, `None` when the citation could not be linked.
    pub cited: Option<usize>,
}

/// What an imported page gives: the citing work (with its container
/// chain), the responses it was resolved from (if any), the distinct works
/// its notes cite, and the citations.
#[derive(Debug, Clone, Default)]
pub struct NotesImport {
    pub work: Work,
    pub responses: Vec<CachedResponse>,
    pub cited: Vec<Work>,
    pub citations: Vec<NoteCitation>,
}

/// How a work of an import was found or stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    pub id: i64,
    pub key: String,
    /// It was already in the library (an item, container or cited work).
    pub matched: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NotesImported {
    pub work: Placed,
    /// One per [`NotesImport::cited`] entry, in order.
    pub cited: Vec<Placed>,
}

impl Library {
    /// A record that describes the same work as `w`: the same DOI, the same
    /// ISBN (and type), or the same title (letters and digits), year and first
    /// creator's family name. Library items come first, then containers and
    /// cited-only records.
    pub fn find_same_work(&self, w: &Work) -> Result<Option<i64>> {
        same_work(&self.conn, w)
    }

    /// Stores a work and the citations in its notes in one transaction. The
    /// work is matched by DOI or ISBN (or title, year and first creator)
    /// first: a library item is kept as it is, a cited-only record or
    /// container becomes the library item. Its citations are replaced by
    /// `import.citations` when there are any.
    pub fn import_with_citations(&mut self, import: NotesImport) -> Result<NotesImported> {
        let tx = self.conn.transaction()?;
        let NotesImport { work, responses, cited, citations } = import;
        let (wid, matched) = match same_work(&tx, &work)? {
            Some(id) => {
                let standalone: bool = tx.query_row("SELECT standalone FROM works WHERE id = ?1", [id], |r| r.get(0))?;
                if !standalone {
                    replace_in_tx(&tx, id, work)?;
                }
                (id, true)
            }
            None => (insert_tree(&tx, work, true, &mut ContainerCache::merging())?.0, false),
        };
        write_responses(&tx, wid, &responses)?;
        let placed = place_cited(&tx, wid, cited, &citations)?;
        let work = Placed { id: wid, key: key_of(&tx, wid)?, matched };
        tx.commit()?;
        Ok(NotesImported { work, cited: placed })
    }
}

impl Library {
    /// Replaces the citations of the library work `citing` with those read
    /// from notes or a reference list pasted on it ("Paste notes or
    /// references"): the cited works are matched or added as cited-only
    /// records, in one transaction. Returns them, one per `cited` entry.
    pub fn set_note_citations(&mut self, citing: i64, cited: Vec<Work>, citations: Vec<NoteCitation>) -> Result<Vec<Placed>> {
        let tx = self.conn.transaction()?;
        let placed = place_cited(&tx, citing, cited, &citations)?;
        tx.commit()?;
        Ok(placed)
    }
}

/// Matches or inserts each cited work, then (when there are any) replaces
/// `wid`'s citations with `citations`, whose `cited` index into `cited`.
fn place_cited(tx: &Transaction, wid: i64, cited: Vec<Work>, citations: &[NoteCitation]) -> Result<Vec<Placed>> {
    let mut placed = Vec::with_capacity(cited.len());
    let mut cache = ContainerCache::merging();
    for w in cited {
        let found = same_work(tx, &w)?;
        let (id, matched) = match found {
            Some(id) => (id, true),
            None => (insert_tree(tx, w, false, &mut cache)?.0, false),
        };
        placed.push(Placed { id, key: key_of(tx, id)?, matched });
    }
    if !citations.is_empty() {
        tx.execute("DELETE FROM citations WHERE citing_id = ?1", [wid])?;
        let mut st = tx.prepare_cached(
            "INSERT INTO citations (citing_id, note_number, position, raw_text, cited_id, locator, form) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for c in citations {
            let target = c.cited.and_then(|i| placed.get(i)).map(|p| p.id).filter(|id| *id != wid);
            st.execute(params![wid, c.note_number, c.position, c.raw_text, target, c.locator, c.form.as_str()])?;
        }
    }
    Ok(placed)
}

fn key_of(tx: &rusqlite::Connection, id: i64) -> Result<String> {
    Ok(tx.query_row("SELECT key FROM works WHERE id = ?1", [id], |r| r.get(0))?)
}

pub use crate::text::match_title;

fn family_of(w: &Work) -> Option<String> {
    w.first_creator().map(|c| text::fold(c.family.as_deref().or(c.literal.as_deref()).unwrap_or(""))).filter(|f| !f.is_empty())
}

pub(super) fn same_work(conn: &rusqlite::Connection, w: &Work) -> Result<Option<i64>> {
    if let Some(d) = &w.doi {
        let hit: Option<i64> = conn
            .prepare_cached("SELECT id FROM works WHERE doi = ?1 ORDER BY standalone DESC, id LIMIT 1")?
            .query_row([d], |r| r.get(0))
            .optional()?;
        if hit.is_some() {
            return Ok(hit);
        }
    }
    for i in &w.isbn {
        let hit: Option<i64> = conn
            .prepare_cached(
                "SELECT w.id FROM work_ids i JOIN works w ON w.id = i.work_id \
                 WHERE i.kind = 'isbn' AND i.value = ?1 AND w.type = ?2 ORDER BY w.standalone DESC, w.id LIMIT 1",
            )?
            .query_row(params![i, w.work_type], |r| r.get(0))
            .optional()?;
        if hit.is_some() {
            return Ok(hit);
        }
    }
    let Some(title) = w.title.as_deref().map(match_title).filter(|t| !t.is_empty()) else { return Ok(None) };
    let first = text::title_sort_key(w.title.as_deref().unwrap_or(""));
    let first: String = first.chars().take_while(|c| c.is_alphanumeric()).collect();
    if first.is_empty() {
        return Ok(None);
    }
    let ids: Vec<i64> = conn
        .prepare_cached(
            "SELECT id FROM works WHERE standalone IN (1, 0) AND sort_title >= ?1 AND sort_title < ?2 \
             AND type NOT IN ('periodical', 'series') ORDER BY standalone DESC, id LIMIT 500",
        )?
        .query_map(params![first, format!("{first}\u{10ffff}")], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let year = csl::effective_issued(w).and_then(|d| d.year());
    let family = family_of(w);
    for id in ids {
        let have = load_work(conn, id, 2)?;
        if have.title.as_deref().map(match_title).as_deref() != Some(title.as_str()) {
            continue;
        }
        let their_year = csl::effective_issued(&have).and_then(|d| d.year());
        let their_family = family_of(&have);
        let years_agree = matches!((year, their_year), (Some(a), Some(b)) if a == b);
        // A note may leave out the author of a piece in collected works
        // ("“On the People’s Democratic Dictatorship,” in Selected Works of
        // Mao Tse-tung"): one side without creators still matches when the
        // year agrees and the title is not a short one.
        let families_agree = match (&family, &their_family) {
            (Some(a), Some(b)) => a == b,
            (None, None) => true,
            _ => years_agree && title.split(' ').count() >= 3,
        };
        let volumes_agree = w.volume.as_deref().map(text::fold) == have.volume.as_deref().map(text::fold);
        // Year and first creator must agree; a work with neither (a volume of
        // collected works) also needs the same volume.
        if families_agree && (years_agree || (year.is_none() && their_year.is_none())) && (family.is_some() || their_family.is_some() || volumes_agree) {
            return Ok(Some(id));
        }
    }
    Ok(None)
}
