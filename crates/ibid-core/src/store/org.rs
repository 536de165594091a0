//! Organising works: tags, nested collections, the trash, notes,
//! attachments, and the citations a work makes.

use std::io::Read;
use std::path::Path;

use rusqlite::{params, OptionalExtension, Transaction};

use super::{new_key, now_ms, search, Library};
use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq)]
pub struct CollectionInfo {
    pub key: String,
    /// Names from the top, e.g. `["Cold War", "Sources"]`.
    pub path: Vec<String>,
    /// Works directly in this collection (not trashed).
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NoteRow {
    pub key: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AttachmentRow {
    pub key: String,
    pub path: String,
    pub sha256: String,
    pub size: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CitationForm {
    Full,
    Short,
    Ibid,
}

impl CitationForm {
    pub fn as_str(self) -> &'static str {
        match self {
            CitationForm::Full => "full",
            CitationForm::Short => "short",
            CitationForm::Ibid => "ibid",
        }
    }
    fn parse(s: &str) -> CitationForm {
        match s {
            "short" => CitationForm::Short,
            "ibid" => CitationForm::Ibid,
            _ => CitationForm::Full,
        }
    }
}

/// One citation a work makes (in a note, or in its reference list).
#[derive(Debug, Clone, PartialEq)]
pub struct CitationRow {
    pub note_number: Option<i64>,
    pub position: i64,
    pub raw_text: String,
    pub cited: Option<i64>,
    pub locator: Option<String>,
    pub form: CitationForm,
}

fn tag_id(tx: &Transaction, name: &str) -> Result<i64> {
    tx.execute("INSERT OR IGNORE INTO tags (name) VALUES (?1)", [name])?;
    Ok(tx.query_row("SELECT id FROM tags WHERE name = ?1", [name], |r| r.get(0))?)
}

impl Library {
    /// Adds and removes tags on a work, in one transaction.
    pub fn retag(&mut self, id: i64, add: &[String], remove: &[String]) -> Result<()> {
        let tx = self.conn.transaction()?;
        for t in add {
            let t = t.trim();
            if t.is_empty() {
                return Err(Error::invalid("a tag cannot be empty"));
            }
            let tid = tag_id(&tx, t)?;
            tx.execute("INSERT OR IGNORE INTO work_tags (work_id, tag_id) VALUES (?1, ?2)", params![id, tid])?;
        }
        for t in remove {
            tx.execute(
                "DELETE FROM work_tags WHERE work_id = ?1 AND tag_id = (SELECT id FROM tags WHERE name = ?2)",
                params![id, t.trim()],
            )?;
        }
        tx.execute("DELETE FROM tags WHERE NOT EXISTS (SELECT 1 FROM work_tags WHERE tag_id = tags.id)", [])?;
        touch(&tx, id)?;
        search::reindex(&tx, id)?;
        tx.commit()?;
        Ok(())
    }

    /// Every tag with its count of listed works, by name.
    pub fn tags(&self) -> Result<Vec<(String, i64)>> {
        let mut st = self.conn.prepare_cached(
            // The counts kept by migration 0011's triggers: counting the
            // memberships took seconds at a million works.
            "SELECT t.name, c.n FROM tags t JOIN tag_counts c ON c.tag_id = t.id WHERE c.n > 0 ORDER BY t.name",
        )?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The id of a collection by key.
    pub fn collection_by_key(&self, key: &str) -> Result<i64> {
        self.conn
            .query_row("SELECT id FROM collections WHERE key = ?1", [key], |r| r.get(0))
            .optional()?
            .ok_or_else(|| Error::Missing(format!("no collection with key {key:?}")))
    }

    pub fn tags_of(&self, id: i64) -> Result<Vec<String>> {
        let mut st = self.conn.prepare_cached(
            "SELECT t.name FROM work_tags wt JOIN tags t ON t.id = wt.tag_id WHERE wt.work_id = ?1 ORDER BY t.name",
        )?;
        let rows = st.query_map([id], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Finds a collection by path (`"Cold War/Sources"`), creating missing
    /// levels when `create` is set.
    pub fn collection(&mut self, path: &str, create: bool) -> Result<i64> {
        let names: Vec<&str> = path.split('/').map(str::trim).filter(|n| !n.is_empty()).collect();
        if names.is_empty() {
            return Err(Error::invalid(format!("not a collection path: {path:?}")));
        }
        let tx = self.conn.transaction()?;
        let mut parent: Option<i64> = None;
        for name in &names {
            let found: Option<i64> = tx
                .query_row(
                    "SELECT id FROM collections WHERE name = ?1 AND parent_id IS ?2",
                    params![name, parent],
                    |r| r.get(0),
                )
                .optional()?;
            parent = Some(match found {
                Some(id) => id,
                None if create => {
                    tx.execute(
                        "INSERT INTO collections (key, name, parent_id) VALUES (?1, ?2, ?3)",
                        params![new_key(), name, parent],
                    )?;
                    tx.last_insert_rowid()
                }
                None => return Err(Error::Missing(format!("no collection {path:?}"))),
            });
        }
        tx.commit()?;
        Ok(parent.expect("at least one level"))
    }

    pub fn add_to_collection(&mut self, collection: i64, ids: &[i64]) -> Result<()> {
        let tx = self.conn.transaction()?;
        for id in ids {
            tx.execute("INSERT OR IGNORE INTO collection_items (collection_id, work_id) VALUES (?1, ?2)", params![collection, id])?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn remove_from_collection(&mut self, collection: i64, ids: &[i64]) -> Result<()> {
        let tx = self.conn.transaction()?;
        for id in ids {
            tx.execute("DELETE FROM collection_items WHERE collection_id = ?1 AND work_id = ?2", params![collection, id])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Deletes a collection and the collections inside it (not their works).
    pub fn delete_collection(&mut self, collection: i64) -> Result<()> {
        self.conn.execute("DELETE FROM collections WHERE id = ?1", [collection])?;
        Ok(())
    }

    /// Every collection, depth first, with its count of works.
    pub fn collections(&self) -> Result<Vec<CollectionInfo>> {
        let mut st = self.conn.prepare(
            "WITH RECURSIVE tree(id, key, path, depth_path) AS ( \
               SELECT id, key, json_array(name), name FROM collections WHERE parent_id IS NULL \
               UNION ALL \
               SELECT c.id, c.key, json_insert(t.path, '$[#]', c.name), t.depth_path || char(31) || c.name \
               FROM collections c JOIN tree t ON c.parent_id = t.id) \
             SELECT t.key, t.path, coalesce((SELECT n FROM collection_counts WHERE collection_id = t.id), 0) \
             FROM tree t ORDER BY t.depth_path",
        )?;
        let rows = st.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (key, path, count) = row?;
            out.push(CollectionInfo { key, path: serde_json::from_str(&path)?, count });
        }
        Ok(out)
    }

    /// The collection paths a work is in, as `A/B`.
    pub fn collections_of(&self, id: i64) -> Result<Vec<String>> {
        let mut st = self.conn.prepare_cached(
            "WITH RECURSIVE up(cid, id, parent_id, name) AS ( \
               SELECT c.id, c.id, c.parent_id, c.name FROM collection_items ci JOIN collections c ON c.id = ci.collection_id WHERE ci.work_id = ?1 \
               UNION ALL \
               SELECT up.cid, p.id, p.parent_id, p.name || '/' || up.name FROM up JOIN collections p ON p.id = up.parent_id) \
             SELECT name FROM up WHERE parent_id IS NULL ORDER BY name",
        )?;
        let rows = st.query_map([id], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Ids of the works in a collection (not trashed).
    pub fn collection_items(&self, collection: i64) -> Result<Vec<i64>> {
        let mut st = self.conn.prepare_cached(
            "SELECT work_id FROM collection_items WHERE collection_id = ?1 \
             AND NOT EXISTS (SELECT 1 FROM trash WHERE work_id = collection_items.work_id) ORDER BY work_id",
        )?;
        let rows = st.query_map([collection], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Moves a work to the trash (restorable; nothing is deleted).
    pub fn trash(&mut self, id: i64) -> Result<()> {
        self.conn.execute("INSERT OR IGNORE INTO trash (work_id, trashed_at) VALUES (?1, ?2)", params![id, now_ms()])?;
        Ok(())
    }

    pub fn restore(&mut self, id: i64) -> Result<()> {
        let n = self.conn.execute("DELETE FROM trash WHERE work_id = ?1", [id])?;
        if n == 0 {
            return Err(Error::invalid(format!("{} is not in the trash", self.key_of(id)?)));
        }
        Ok(())
    }

    /// Number of listed works in the trash.
    pub fn trash_count(&self) -> Result<i64> {
        Ok(self.conn.query_row(
            // CROSS JOIN keeps the (small) trash table outermost.
            "SELECT count(*) FROM trash t CROSS JOIN works w ON w.id = t.work_id WHERE w.standalone = 1",
            [],
            |r| r.get(0),
        )?)
    }

    pub fn is_trashed(&self, id: i64) -> Result<bool> {
        Ok(self.conn.query_row("SELECT EXISTS (SELECT 1 FROM trash WHERE work_id = ?1)", [id], |r| r.get(0))?)
    }

    /// Adds a Markdown note to a work; returns the note's key.
    pub fn add_note(&mut self, id: i64, body: &str) -> Result<String> {
        let tx = self.conn.transaction()?;
        let key = new_key();
        let now = now_ms();
        tx.execute(
            "INSERT INTO notes (key, work_id, body, created_at, modified_at) VALUES (?1, ?2, ?3, ?4, ?4)",
            params![key, id, body, now],
        )?;
        touch(&tx, id)?;
        search::reindex(&tx, id)?;
        tx.commit()?;
        Ok(key)
    }

    pub fn notes_of(&self, id: i64) -> Result<Vec<NoteRow>> {
        let mut st = self.conn.prepare_cached("SELECT key, body FROM notes WHERE work_id = ?1 ORDER BY id")?;
        let rows = st.query_map([id], |r| Ok(NoteRow { key: r.get(0)?, body: r.get(1)? }))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Links a file to a work, recording its SHA-256 and size.
    pub fn attach(&mut self, id: i64, file: &Path) -> Result<String> {
        let abs = std::fs::canonicalize(file).map_err(|e| Error::io(format!("cannot read {}", file.display()), e))?;
        let (sha256, size) = sha256_file(&abs)?;
        let key = new_key();
        self.conn.execute(
            "INSERT INTO attachments (key, work_id, path, sha256, size, title, added_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                key,
                id,
                abs.to_string_lossy(),
                sha256,
                size,
                abs.file_name().map(|n| n.to_string_lossy().into_owned()),
                now_ms()
            ],
        )?;
        Ok(key)
    }

    pub fn attachments_of(&self, id: i64) -> Result<Vec<AttachmentRow>> {
        let mut st = self.conn.prepare_cached("SELECT key, path, sha256, size FROM attachments WHERE work_id = ?1 ORDER BY id")?;
        let rows = st.query_map([id], |r| Ok(AttachmentRow { key: r.get(0)?, path: r.get(1)?, sha256: r.get(2)?, size: r.get(3)? }))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Replaces the citations a work makes, in one transaction.
    pub fn set_citations(&mut self, citing: i64, rows: &[CitationRow]) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM citations WHERE citing_id = ?1", [citing])?;
        let mut st = tx.prepare(
            "INSERT INTO citations (citing_id, note_number, position, raw_text, cited_id, locator, form) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for r in rows {
            st.execute(params![citing, r.note_number, r.position, r.raw_text, r.cited, r.locator, r.form.as_str()])?;
        }
        drop(st);
        tx.commit()?;
        Ok(())
    }

    pub fn citations_of(&self, citing: i64) -> Result<Vec<CitationRow>> {
        let mut st = self.conn.prepare_cached(
            "SELECT note_number, position, raw_text, cited_id, locator, form FROM citations WHERE citing_id = ?1 \
             ORDER BY note_number IS NULL, note_number, position",
        )?;
        let rows = st.query_map([citing], |r| {
            Ok(CitationRow {
                note_number: r.get(0)?,
                position: r.get(1)?,
                raw_text: r.get(2)?,
                cited: r.get(3)?,
                locator: r.get(4)?,
                form: CitationForm::parse(&r.get::<_, String>(5)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// One citation of a work by another: the "Cited by" side of [`CitationRow`].
#[derive(Debug, Clone, PartialEq)]
pub struct CitingRow {
    pub citing: i64,
    pub note_number: Option<i64>,
    pub position: i64,
    pub raw_text: String,
    pub locator: Option<String>,
    pub form: CitationForm,
}

impl Library {
    /// The citations of `cited` by other works, grouped by citing work (in
    /// the order they were added), each work's in note order.
    pub fn citing_of(&self, cited: i64) -> Result<Vec<CitingRow>> {
        let mut st = self.conn.prepare_cached(
            "SELECT citing_id, note_number, position, raw_text, locator, form FROM citations WHERE cited_id = ?1 \
             ORDER BY citing_id, note_number IS NULL, note_number, position",
        )?;
        let rows = st.query_map([cited], |r| {
            Ok(CitingRow {
                citing: r.get(0)?,
                note_number: r.get(1)?,
                position: r.get(2)?,
                raw_text: r.get(3)?,
                locator: r.get(4)?,
                form: CitationForm::parse(&r.get::<_, String>(5)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many citations a work makes, and how many distinct works cite it.
    pub fn citation_counts(&self, id: i64) -> Result<(i64, i64)> {
        let cites = self.conn.prepare_cached("SELECT count(*) FROM citations WHERE citing_id = ?1")?.query_row([id], |r| r.get(0))?;
        let cited_by = self
            .conn
            .prepare_cached("SELECT count(DISTINCT citing_id) FROM citations WHERE cited_id = ?1")?
            .query_row([id], |r| r.get(0))?;
        Ok((cites, cited_by))
    }
}

fn touch(tx: &Transaction, id: i64) -> Result<()> {
    tx.execute("UPDATE works SET modified_at = ?2, version = version + 1 WHERE id = ?1", params![id, now_ms()])?;
    Ok(())
}

/// SHA-256 of a file, streamed.
fn sha256_file(path: &Path) -> Result<(String, i64)> {
    use sha2::Digest;
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0i64;
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
        if n == 0 {
            break;
        }
        size += n as i64;
        h.update(&buf[..n]);
    }
    Ok((h.finalize().iter().map(|b| format!("{b:02x}")).collect(), size))
}
