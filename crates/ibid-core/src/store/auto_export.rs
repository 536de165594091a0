//! Auto-exports as the store keeps them: which file, which format and scope,
//! each one's rendered entries, and the file's layout. Rendering and writing
//! the file are the caller's (`ibid-api`'s `auto_export`): the core knows no
//! file format.

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension};
use serde_json::{json, Value};

use super::{now_ms, Library, Scope};

/// Now, in the store's clock (unix milliseconds): when a refresh starts.
pub fn clock_ms() -> i64 {
    now_ms()
}
use crate::error::{Error, Result};

/// One auto-export.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoExport {
    pub id: i64,
    /// Absolute.
    pub path: String,
    /// `bibtex`, `biblatex`, `csl-json` or `ris`.
    pub format: String,
    pub scope: Scope,
    /// Unix milliseconds of the last write.
    pub written_at: Option<i64>,
    /// Works in the file at the last write.
    pub entries: Option<i64>,
    /// The last refresh's error (`None` once one succeeds).
    pub last_error: Option<String>,
}

/// A written file's layout, as [`Library::auto_export_written`] records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout<'a> {
    /// (work id, bytes of its entry and the separator after it), in order;
    /// empty: the next refresh writes the whole file.
    Whole(&'a [(i64, u64)]),
    /// The same works in the same order as the kept layout: the entries
    /// whose length changed, as (position in the layout, bytes).
    Lengths(&'a [(usize, u64)]),
}

/// The formats an auto-export can have.
pub const AUTO_EXPORT_FORMATS: &[&str] = &["bibtex", "biblatex", "csl-json", "ris"];

impl Scope {
    /// As stored: `{"library": true}`, `{"collection": "Cold War"}`…
    pub fn to_json(&self) -> Value {
        match self {
            Scope::Library => json!({ "library": true }),
            Scope::Keys(k) => json!({ "keys": k }),
            Scope::Collection(c) => json!({ "collection": c }),
            Scope::Tag(t) => json!({ "tag": t }),
            Scope::Search(q) => json!({ "search": q }),
            Scope::CitedBy(k) => json!({ "cited_by": k }),
        }
    }

    /// The inverse of [`Scope::to_json`].
    pub fn from_json(v: &Value) -> Result<Scope> {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        if let Some(c) = s("collection") {
            return Ok(Scope::Collection(c));
        }
        if let Some(t) = s("tag") {
            return Ok(Scope::Tag(t));
        }
        if let Some(q) = s("search") {
            return Ok(Scope::Search(q));
        }
        if let Some(k) = s("cited_by") {
            return Ok(Scope::CitedBy(k));
        }
        if let Some(keys) = v.get("keys").and_then(Value::as_array) {
            return Ok(Scope::Keys(keys.iter().filter_map(Value::as_str).map(str::to_string).collect()));
        }
        if v.get("library").is_some() {
            return Ok(Scope::Library);
        }
        Err(Error::invalid(format!("not a scope: {v}")))
    }
}

/// The works changed at or after ?1, and the works inside them (see
/// [`Library::works_changed_since`]).
const CHANGED_SINCE: &str = "WITH ch(id) AS MATERIALIZED (SELECT id FROM works WHERE standalone = 1 AND modified_at >= ?1 \
                                          UNION SELECT id FROM works WHERE standalone = 0 AND modified_at >= ?1), \
                  kids(id) AS MATERIALIZED (SELECT w.id FROM ch CROSS JOIN works w ON w.container_id = ch.id) \
             SELECT id FROM ch \
             UNION SELECT id FROM kids \
             UNION SELECT w.id FROM kids CROSS JOIN works w ON w.container_id = kids.id";

fn row(r: &rusqlite::Row) -> rusqlite::Result<(i64, String, String, String, Option<i64>, Option<i64>, Option<String>)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
}

impl Library {
    /// Adds an auto-export (or replaces the one with the same path). The
    /// caller writes the file at once ([`Library::auto_exports`] then lists it).
    pub fn add_auto_export(&mut self, path: &str, format: &str, scope: &Scope) -> Result<i64> {
        if !AUTO_EXPORT_FORMATS.contains(&format) {
            return Err(Error::invalid(format!("an auto-export is one of {}, not {format:?}", AUTO_EXPORT_FORMATS.join(", "))));
        }
        if !std::path::Path::new(path).is_absolute() {
            return Err(Error::invalid(format!("an auto-export's path must be absolute: {path}")));
        }
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM auto_exports WHERE path = ?1", [path])?;
        tx.execute("INSERT INTO auto_exports (path, format, scope) VALUES (?1, ?2, ?3)", params![path, format, scope.to_json().to_string()])?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(id)
    }

    /// Every auto-export, oldest first.
    pub fn auto_exports(&self) -> Result<Vec<AutoExport>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT id, path, format, scope, written_at, entries, last_error FROM auto_exports ORDER BY id")?;
        let rows = st.query_map([], row)?.collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(id, path, format, scope, written_at, entries, last_error)| {
                let scope = Scope::from_json(&serde_json::from_str(&scope)?)?;
                Ok(AutoExport { id, path, format, scope, written_at, entries, last_error })
            })
            .collect()
    }

    /// Removes the auto-export of this path (the file stays). Errors with
    /// `NotFound` when there is none.
    pub fn remove_auto_export(&mut self, path: &str) -> Result<()> {
        match self.conn.execute("DELETE FROM auto_exports WHERE path = ?1", [path])? {
            0 => Err(Error::NotFound(format!("no auto-export to {path}"))),
            _ => Ok(()),
        }
    }

    /// The works changed at or after `since_ms` (unix milliseconds), with
    /// the works they contain (a book's chapters, a series' books and their
    /// chapters): whose entries an edit since then made stale. By the index
    /// on `modified_at`, then down from the changed works by the index on
    /// `container_id`. The joins are pinned (`MATERIALIZED`, `CROSS JOIN`:
    /// the changed works are the outer loop): left to itself, SQLite 3.54
    /// scanned every work for the chapters of the changed ones, 150 ms at
    /// 100k works for a one-item change that now costs a few lookups.
    pub fn works_changed_since(&self, since_ms: i64) -> Result<std::collections::HashSet<i64>> {
        let mut st = self.conn.prepare_cached(CHANGED_SINCE)?;
        let ids = st.query_map([since_ms], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }

    /// The file as last written: (work id, bytes of its entry and the
    /// separator after it), in order. Empty when never written.
    pub fn auto_export_layout(&self, export_id: i64) -> Result<Vec<(i64, u64)>> {
        let blob: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT layout FROM auto_export_layouts WHERE export_id = ?1")?
            .query_row([export_id], |r| r.get(0))
            .optional()?;
        Ok(blob
            .unwrap_or_default()
            .chunks_exact(16)
            .map(|c| {
                let id = i64::from_le_bytes(c[..8].try_into().expect("8 bytes"));
                let len = u64::from_le_bytes(c[8..].try_into().expect("8 bytes"));
                (id, len)
            })
            .collect())
    }

    /// The works an auto-export keeps an entry for.
    pub fn auto_export_kept(&self, export_id: i64) -> Result<std::collections::HashSet<i64>> {
        let mut st = self.conn.prepare_cached("SELECT work_id FROM auto_export_entries WHERE export_id = ?1")?;
        let ids = st.query_map([export_id], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }

    /// An auto-export's kept entries' texts, by work id.
    pub fn auto_export_texts(&self, export_id: i64) -> Result<HashMap<i64, String>> {
        let mut st = self.conn.prepare_cached("SELECT work_id, text FROM auto_export_entries WHERE export_id = ?1")?;
        let rows = st.query_map([export_id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<HashMap<_, _>>>()?;
        Ok(rows)
    }

    /// Records a written file (one transaction): when the refresh started
    /// (the next one re-renders what changed from then on), the entries
    /// rendered anew (`(work id, text)`), the works no longer in it,
    /// its layout (see [`Library::auto_export_layout`] and [`Layout`]), the
    /// count, and no error.
    pub fn auto_export_written(
        &mut self,
        export_id: i64,
        started_ms: i64,
        fresh: &[(i64, String)],
        gone: &[i64],
        layout: Layout<'_>,
        entries: usize,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut put =
                tx.prepare_cached("INSERT OR REPLACE INTO auto_export_entries (export_id, work_id, text) VALUES (?1, ?2, ?3)")?;
            for (id, text) in fresh {
                put.execute(params![export_id, id, text])?;
            }
            let mut del = tx.prepare_cached("DELETE FROM auto_export_entries WHERE export_id = ?1 AND work_id = ?2")?;
            for id in gone {
                del.execute(params![export_id, id])?;
            }
        }
        tx.execute(
            "UPDATE auto_exports SET written_at = ?2, entries = ?3, last_error = NULL WHERE id = ?1",
            params![export_id, started_ms, entries as i64],
        )?;
        match layout {
            Layout::Whole([]) => {
                tx.execute("DELETE FROM auto_export_layouts WHERE export_id = ?1", [export_id])?;
            }
            Layout::Whole(layout) => {
                let mut blob = Vec::with_capacity(layout.len() * 16);
                for (id, len) in layout {
                    blob.extend_from_slice(&id.to_le_bytes());
                    blob.extend_from_slice(&len.to_le_bytes());
                }
                tx.execute("INSERT OR REPLACE INTO auto_export_layouts (export_id, layout) VALUES (?1, ?2)", params![export_id, blob])?;
            }
            Layout::Lengths([]) => {}
            Layout::Lengths(changed) => {
                // In place: the pages of the BLOB that hold these entries,
                // not the whole 1.6 MB of a 100k-entry file's layout.
                let mut blob = tx.blob_open(rusqlite::MAIN_DB, "auto_export_layouts", "layout", export_id, false)?;
                for (at, len) in changed {
                    let offset = at * 16 + 8;
                    if offset + 8 > blob.len() {
                        return Err(Error::invalid(format!("auto-export {export_id}: entry {at} is not in its layout")));
                    }
                    blob.write_at(&len.to_le_bytes(), offset)?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Records a refresh that failed (the file and the kept entries stay as they were).
    pub fn auto_export_failed(&mut self, export_id: i64, error: &str) -> Result<()> {
        self.conn.execute("UPDATE auto_exports SET last_error = ?2 WHERE id = ?1", params![export_id, error])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A series' edit makes its book and the book's chapter stale, and
    /// nothing else; the lookup goes down from the changed works by index
    /// and never scans the works (the plan SQLite chose without the pins).
    #[test]
    fn works_changed_since_finds_the_contained_works_by_index() {
        let tmp = tempfile::tempdir().unwrap();
        let mut lib = Library::open(tmp.path().join("lib.sqlite")).unwrap();
        let chapter = json!({"type": "chapter", "title": "The Political Foundations", "author": [{"family": "Shen", "given": "Zhihua"}],
            "container-title": "A Short History of Sino-Soviet Relations", "collection-title": "China Connections",
            "publisher": "Palgrave Macmillan", "issued": {"date-parts": [[2020]]}});
        let article = json!({"type": "article-journal", "title": "Unrelated", "container-title": "Cold War History", "issued": {"date-parts": [[2001]]}});
        lib.import_csl_json(&json!([chapter, article]).to_string()).unwrap();
        let titled = |t: &str| lib.all_ids().unwrap().into_iter().find(|id| lib.csl_item(*id).unwrap()["title"] == t).unwrap();
        let (chapter, article) = (titled("The Political Foundations"), titled("Unrelated"));
        let book = lib.parent_id(chapter).unwrap().expect("the chapter is in its book");
        let series = lib.parent_id(book).unwrap().expect("the book is in its series");
        let journal = lib.parent_id(article).unwrap().expect("the article is in its journal");

        std::thread::sleep(std::time::Duration::from_millis(3));
        let since = clock_ms();
        assert!(lib.works_changed_since(since).unwrap().is_empty());
        lib.edit(series, &[("publisher-place".to_string(), "Singapore".to_string())]).unwrap();
        let changed = lib.works_changed_since(since).unwrap();
        assert_eq!(changed, [series, book, chapter].into_iter().collect(), "not the article ({article}) nor its journal ({journal})");

        let plan: Vec<String> = lib
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {CHANGED_SINCE}"))
            .unwrap()
            .query_map([since], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let scans: Vec<&String> = plan.iter().filter(|l| l.starts_with("SCAN") && !matches!(l.as_str(), "SCAN ch" | "SCAN kids")).collect();
        assert!(scans.is_empty(), "{plan:#?}");
    }
}
