//! Undo of an import (issue 9): the works an import added go, and with them
//! the container records (a chapter's book, an article's journal) that only
//! they used, so the library is as it was before the import.
//!
//! Not the trash: a trashed work still counts as a duplicate, so importing
//! the right file after undoing the wrong one would skip every work the two
//! share, and the Trash would fill with works nobody chose to keep. A work
//! is deleted only while it is exactly as the import left it; one changed
//! since (edited, tagged, noted, in a collection, citing or cited, a merge's
//! survivor, holding a work that stays) is moved to the Trash instead, so
//! nothing the user added is lost.

use std::collections::HashSet;

use rusqlite::{params, OptionalExtension, Transaction};

use super::{now_ms, Library};
use crate::error::Result;

/// What [`Library::undo_import`] did with the keys it was given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportUndone {
    /// Works deleted, as the import had added them.
    pub removed: Vec<String>,
    /// Container records deleted with them: no other record used them.
    pub containers_removed: usize,
    /// Works changed since the import, moved to the Trash instead.
    pub trashed: Vec<String>,
    /// Works merged since into another work, left as they are (undoing
    /// that merge first lets the import be undone whole).
    pub kept: Vec<String>,
    /// Keys no longer in the library.
    pub missing: Vec<String>,
}

impl Library {
    /// Undoes an import: `keys` are the works it added (`ImportSummary::added`).
    /// One transaction. A work still as the import added it is deleted with
    /// everything of it (creators, identifiers, its search index rows), and
    /// so is each container record (`standalone = 0`) that no record uses
    /// any more: those the import created. A container that was there
    /// before is still used by the works that used it then, and stays.
    pub fn undo_import(&mut self, keys: &[String]) -> Result<ImportUndone> {
        let tx = self.conn.transaction()?;
        let mut out = ImportUndone::default();
        // The keys exactly (not `resolve`: a merged work's key resolves to
        // the work it was merged into, which the import did not add).
        let mut listed: Vec<(i64, String)> = Vec::new();
        let mut asked: HashSet<&str> = HashSet::new();
        for key in keys.iter().filter(|k| asked.insert(k.as_str())) {
            let found: Option<(i64, i64)> = tx
                .prepare_cached("SELECT id, standalone FROM works WHERE key = ?1")?
                .query_row([key], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            match found {
                None => out.missing.push(key.clone()),
                Some((id, 1)) => listed.push((id, key.clone())),
                Some(_) => out.kept.push(key.clone()),
            }
        }
        // The survivors of the merges that stand, read once (no index on
        // `survivor_id`: a lookup per work would scan `merged_works`).
        let survivors: HashSet<i64> = tx
            .prepare("SELECT survivor_id FROM merged_works")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut delete: HashSet<i64> = HashSet::new();
        for &(id, _) in &listed {
            if as_imported(&tx, id, &survivors)? {
                delete.insert(id);
            }
        }
        // A work that holds another one that stays (a chapter changed since,
        // or added later into this book) stays too: else that one would lose
        // its container. Until nothing changes: a series' book may go back.
        loop {
            let mut stays = Vec::new();
            for &id in &delete {
                let mut st = tx.prepare_cached("SELECT id FROM works WHERE container_id = ?1")?;
                let kids = st.query_map([id], |r| r.get::<_, i64>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
                if kids.iter().any(|k| !delete.contains(k)) {
                    stays.push(id);
                }
            }
            if stays.is_empty() {
                break;
            }
            for id in stays {
                delete.remove(&id);
            }
        }
        let now = now_ms();
        let mut containers: Vec<i64> = Vec::new();
        for (id, key) in listed {
            if delete.contains(&id) {
                if let Some(c) = tx.query_row("SELECT container_id FROM works WHERE id = ?1", [id], |r| r.get::<_, Option<i64>>(0))? {
                    containers.push(c);
                }
                out.removed.push(key);
            } else {
                tx.prepare_cached("INSERT OR IGNORE INTO trash (work_id, trashed_at) VALUES (?1, ?2)")?.execute(params![id, now])?;
                out.trashed.push(key);
            }
        }
        for &id in &delete {
            delete_row(&tx, id)?;
        }
        // Then the containers no record uses any more, up the chain (a
        // book's series after the book).
        let mut done: HashSet<i64> = HashSet::new();
        while let Some(c) = containers.pop() {
            if !done.insert(c) {
                continue;
            }
            let (standalone, parent): (i64, Option<i64>) =
                match tx.query_row("SELECT standalone, container_id FROM works WHERE id = ?1", [c], |r| Ok((r.get(0)?, r.get(1)?))).optional()? {
                    Some(row) => row,
                    None => continue,
                };
            let used: bool = tx.query_row("SELECT EXISTS (SELECT 1 FROM works WHERE container_id = ?1)", [c], |r| r.get(0))?;
            if standalone != 0 || used || has_own_data(&tx, c, &survivors)? {
                continue;
            }
            delete_row(&tx, c)?;
            out.containers_removed += 1;
            if let Some(p) = parent {
                containers.push(p);
            }
        }
        tx.commit()?;
        Ok(out)
    }
}

/// Whether a listed work is exactly as an import added it: never updated,
/// and nothing attached to it since.
fn as_imported(tx: &Transaction, id: i64, survivors: &HashSet<i64>) -> Result<bool> {
    let version: i64 = tx.query_row("SELECT version FROM works WHERE id = ?1", [id], |r| r.get(0))?;
    Ok(version == 1 && !has_own_data(tx, id, survivors)?)
}

/// Whether anything hangs on a record that deleting it would lose: notes,
/// attachments, tags, collections, citations either way, a standing merge
/// (`survivors`: the works merges that stand went into). Each an index lookup.
fn has_own_data(tx: &Transaction, id: i64, survivors: &HashSet<i64>) -> Result<bool> {
    if survivors.contains(&id) {
        return Ok(true);
    }
    const CHECKS: &[&str] = &[
        "SELECT EXISTS (SELECT 1 FROM notes WHERE work_id = ?1)",
        "SELECT EXISTS (SELECT 1 FROM attachments WHERE work_id = ?1)",
        "SELECT EXISTS (SELECT 1 FROM work_tags WHERE work_id = ?1)",
        "SELECT EXISTS (SELECT 1 FROM collection_items WHERE work_id = ?1)",
        "SELECT EXISTS (SELECT 1 FROM citations WHERE citing_id = ?1)",
        "SELECT EXISTS (SELECT 1 FROM citations WHERE cited_id = ?1)",
        "SELECT EXISTS (SELECT 1 FROM merged_works WHERE work_id = ?1)",
    ];
    for sql in CHECKS {
        if tx.prepare_cached(sql)?.query_row([id], |r| r.get::<_, bool>(0))? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Deletes a record for good: its search rows, then the row (creators,
/// identifiers, a trash row and the like go with it: `ON DELETE CASCADE`).
fn delete_row(tx: &Transaction, id: i64) -> Result<()> {
    tx.prepare_cached("DELETE FROM work_fts WHERE rowid = ?1")?.execute([id])?;
    tx.prepare_cached("DELETE FROM work_fts_text WHERE rowid = ?1")?.execute([id])?;
    tx.prepare_cached("DELETE FROM works WHERE id = ?1")?.execute([id])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::store::MergeGroup;

    /// Every row of the tables an import writes, and the search index, as text.
    fn dump(lib: &Library) -> Vec<String> {
        let mut out = Vec::new();
        for sql in [
            "SELECT id, key, type, standalone, container_id, title, publisher, issued, extra, sort_title, added_at, modified_at, version FROM works ORDER BY id",
            "SELECT work_id, position, role, family, given FROM creators ORDER BY work_id, position",
            "SELECT kind, value, work_id FROM work_ids ORDER BY work_id, kind, value",
            "SELECT work_id FROM trash ORDER BY work_id",
        ] {
            let mut st = lib.conn.prepare(sql).unwrap();
            let n = st.column_count();
            let rows = st
                .query_map([], |r| {
                    (0..n).map(|i| r.get::<_, rusqlite::types::Value>(i).map(|v| format!("{v:?}"))).collect::<rusqlite::Result<Vec<_>>>()
                })
                .unwrap();
            out.extend(rows.map(|r| format!("{sql}: {}", r.unwrap().join("|"))));
        }
        out
    }

    fn key_of_title(lib: &Library, title: &str) -> String {
        lib.conn.query_row("SELECT key FROM works WHERE title = ?1", [title], |r| r.get(0)).unwrap()
    }

    fn before() -> serde_json::Value {
        json!([
            {"type": "article-journal", "title": "Mao's Foreign Policy Choices", "author": [{"family": "Chen", "given": "Jian"}],
             "container-title": "China Journal", "ISSN": ["0156-7365"], "issued": {"date-parts": [[2001]]}},
            {"type": "chapter", "title": "On the People's Democratic Dictatorship", "author": [{"family": "Mao"}],
             "container-title": "Selected Works of Mao Tse-tung", "publisher": "Foreign Languages Press", "issued": {"date-parts": [[1961]]}},
        ])
    }

    /// The file imported by mistake: an article in a journal the library
    /// has, a chapter in a book it has, a chapter in a new book of a new
    /// series, and a book.
    fn wrong_file() -> serde_json::Value {
        json!([
            {"type": "article-journal", "title": "Imported Article", "author": [{"family": "Petrov"}],
             "container-title": "China Journal", "ISSN": ["0156-7365"], "issued": {"date-parts": [[1999]]}},
            {"type": "chapter", "title": "Farewell, Leighton Stuart", "author": [{"family": "Mao"}],
             "container-title": "Selected Works of Mao Tse-tung", "publisher": "Foreign Languages Press", "issued": {"date-parts": [[1961]]}},
            {"type": "chapter", "title": "Imported Chapter", "author": [{"family": "Kuo"}], "container-title": "Imported Essays",
             "collection-title": "Imported Series", "publisher": "Imported Press", "ISBN": "978-0-306-40615-7", "issued": {"date-parts": [[2005]]}},
            {"type": "book", "title": "Imported Book", "author": [{"family": "Lin"}], "publisher": "Imported Press", "issued": {"date-parts": [[2006]]}},
        ])
    }

    #[test]
    fn issue_9_an_import_undone_leaves_the_library_as_it_was_and_can_be_imported_again() {
        let tmp = tempfile::tempdir().unwrap();
        let mut lib = Library::open(tmp.path().join("lib.sqlite")).unwrap();
        lib.import_csl_json(&before().to_string()).unwrap();
        let was = dump(&lib);
        let containers_before: i64 = lib.conn.query_row("SELECT count(*) FROM works WHERE standalone = 0", [], |r| r.get(0)).unwrap();

        let summary = lib.import_csl_json(&wrong_file().to_string()).unwrap();
        let added: Vec<String> = summary.added().map(str::to_string).collect();
        assert_eq!(added.len(), 4, "{:?}", summary.outcomes);
        let containers_during: i64 = lib.conn.query_row("SELECT count(*) FROM works WHERE standalone = 0", [], |r| r.get(0)).unwrap();
        assert_eq!(containers_during, containers_before + 2, "the new book and its series; the journal and Mao's book were there");
        assert_eq!(lib.search("imported", 10).unwrap().len(), 3, "the article, the chapter, the book");

        let done = lib.undo_import(&added).unwrap();
        assert_eq!(done, ImportUndone { removed: added.clone(), containers_removed: 2, ..ImportUndone::default() });
        assert_eq!(dump(&lib), was, "every row as before the import");
        assert!(lib.search("imported", 10).unwrap().is_empty());
        assert!(lib.search("leighton", 10).unwrap().is_empty());
        assert_eq!(lib.counts().unwrap(), (2, 0), "nothing in the Trash");

        // The right file, with the same works: added again, not skipped as
        // duplicates of works the undo left somewhere.
        let again = lib.import_csl_json(&wrong_file().to_string()).unwrap();
        assert_eq!(again.added().count(), 4);
        assert_eq!(again.skipped().count(), 0);
        // Undone twice: the second time nothing is left to do.
        let keys: Vec<String> = again.added().map(str::to_string).collect();
        lib.undo_import(&keys).unwrap();
        assert_eq!(lib.undo_import(&keys).unwrap(), ImportUndone { missing: keys, ..ImportUndone::default() });
        assert_eq!(dump(&lib), was);
    }

    #[test]
    fn issue_9_works_changed_since_the_import_go_to_the_trash_and_a_merged_one_stays() {
        let tmp = tempfile::tempdir().unwrap();
        let mut lib = Library::open(tmp.path().join("lib.sqlite")).unwrap();
        lib.import_csl_json(&before().to_string()).unwrap();
        let summary = lib.import_csl_json(&wrong_file().to_string()).unwrap();
        let added: Vec<String> = summary.added().map(str::to_string).collect();
        let id = |lib: &Library, t: &str| lib.resolve(&key_of_title(lib, t)).unwrap();

        // Tagged since: kept, in the Trash.
        let article = id(&lib, "Imported Article");
        lib.retag(article, &["keep".to_string()], &[]).unwrap();
        // A note on the chapter: it stays, and its book and series with it.
        let chapter = id(&lib, "Imported Chapter");
        lib.add_note(chapter, "read this").unwrap();
        // A work added later into the imported book: the book stays, in the Trash.
        let book = id(&lib, "Imported Book");
        let later = lib.add(crate::csl::split({
            let mut w = crate::Work::new("chapter");
            w.set_field("title", "A Chapter Added Later").unwrap();
            w
        }).unwrap()).unwrap();
        let later = lib.resolve(&later).unwrap();
        lib.conn.execute("UPDATE works SET container_id = ?2 WHERE id = ?1", params![later, book]).unwrap();
        // Merged since into the library's own chapter of Mao's book.
        let farewell = id(&lib, "Farewell, Leighton Stuart");
        let mine = id(&lib, "On the People's Democratic Dictatorship");
        lib.merge_duplicates(&[MergeGroup { ids: vec![mine, farewell], survivor: Some(mine) }]).unwrap();

        let mut asked = added.clone();
        asked.push("ZZZZZZZZ".into());
        let done = lib.undo_import(&asked).unwrap();
        let k = |t: &str| key_of_title(&lib, t);
        assert_eq!(done.removed, Vec::<String>::new());
        assert_eq!(done.trashed, vec![k("Imported Article"), k("Imported Chapter"), k("Imported Book")]);
        assert_eq!(done.kept, vec![k("Farewell, Leighton Stuart")]);
        assert_eq!(done.missing, vec!["ZZZZZZZZ".to_string()]);
        assert_eq!(done.containers_removed, 0);
        for w in [article, chapter, book] {
            assert!(lib.is_trashed(w).unwrap());
        }
        assert_eq!(lib.notes_of(chapter).unwrap().len(), 1);
        assert_eq!(lib.tags_of(article).unwrap(), vec!["keep".to_string()]);
        assert_eq!(lib.parent_id(later).unwrap(), Some(book));
        assert!(lib.parent_id(chapter).unwrap().is_some(), "the chapter keeps its book");
    }
}
