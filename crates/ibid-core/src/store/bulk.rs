//! Organising many works at once: tags, collections, notes and citations
//! in one transaction (a library brought over from another manager, the
//! bench kit's generated libraries).

use std::collections::{BTreeSet, HashMap};

use rusqlite::params;

use super::{new_key, now_ms, search, CitationRow, Library};
use crate::error::{Error, Result};

/// What [`Library::organize_bulk`] writes. Works are row ids.
#[derive(Debug, Clone, Default)]
pub struct BulkOrganize {
    /// Collections to create, parents first: a name and the index of its
    /// parent in this list (`None`: a top-level collection).
    pub collections: Vec<(String, Option<usize>)>,
    /// (work, tag name).
    pub tags: Vec<(i64, String)>,
    /// (work, index into `collections`).
    pub in_collections: Vec<(i64, usize)>,
    /// (work, Markdown body).
    pub notes: Vec<(i64, String)>,
    /// (citing work, citation): added after the work's existing ones.
    pub citations: Vec<(i64, CitationRow)>,
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkSummary {
    /// The row ids of `BulkOrganize::collections`, in order.
    pub collections: Vec<i64>,
    pub tags: usize,
    pub notes: usize,
    pub citations: usize,
    /// Works whose search index rows were rewritten (tags or notes changed).
    pub reindexed: usize,
}

impl Library {
    /// Writes every tag, collection, note and citation of `b` in one
    /// transaction, and reindexes each work whose tags or notes changed
    /// once: all of it or, on any error, none of it.
    pub fn organize_bulk(&mut self, b: &BulkOrganize) -> Result<BulkSummary> {
        let tx = self.conn.transaction()?;
        let mut collections = Vec::with_capacity(b.collections.len());
        {
            let mut st = tx.prepare_cached("INSERT INTO collections (key, name, parent_id) VALUES (?1, ?2, ?3)")?;
            for (i, (name, parent)) in b.collections.iter().enumerate() {
                let parent = match parent {
                    Some(p) if *p < i => Some(collections[*p]),
                    Some(p) => return Err(Error::invalid(format!("collection {i}: parent {p} does not come before it"))),
                    None => None,
                };
                st.execute(params![new_key(), name, parent])?;
                collections.push(tx.last_insert_rowid());
            }
        }
        let mut touched = BTreeSet::new();
        {
            let mut tag_ids: HashMap<&str, i64> = HashMap::new();
            let mut new_tag = tx.prepare_cached("INSERT OR IGNORE INTO tags (name) VALUES (?1)")?;
            let mut get_tag = tx.prepare_cached("SELECT id FROM tags WHERE name = ?1")?;
            let mut link = tx.prepare_cached("INSERT OR IGNORE INTO work_tags (work_id, tag_id) VALUES (?1, ?2)")?;
            for (work, name) in &b.tags {
                let name = name.trim();
                if name.is_empty() {
                    return Err(Error::invalid("a tag cannot be empty"));
                }
                let tid = match tag_ids.get(name) {
                    Some(t) => *t,
                    None => {
                        new_tag.execute([name])?;
                        let t: i64 = get_tag.query_row([name], |r| r.get(0))?;
                        tag_ids.insert(name, t);
                        t
                    }
                };
                link.execute(params![work, tid])?;
                touched.insert(*work);
            }
        }
        {
            let mut st = tx.prepare_cached("INSERT OR IGNORE INTO collection_items (collection_id, work_id) VALUES (?1, ?2)")?;
            for (work, c) in &b.in_collections {
                let cid = *collections.get(*c).ok_or_else(|| Error::invalid(format!("no collection {c} in this batch")))?;
                st.execute(params![cid, work])?;
            }
        }
        {
            let now = now_ms();
            let mut st = tx.prepare_cached(
                "INSERT INTO notes (key, work_id, body, created_at, modified_at) VALUES (?1, ?2, ?3, ?4, ?4)",
            )?;
            for (work, body) in &b.notes {
                st.execute(params![new_key(), work, body, now])?;
                touched.insert(*work);
            }
        }
        {
            let mut st = tx.prepare_cached(
                "INSERT INTO citations (citing_id, note_number, position, raw_text, cited_id, locator, form) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for (citing, r) in &b.citations {
                st.execute(params![citing, r.note_number, r.position, r.raw_text, r.cited, r.locator, r.form.as_str()])?;
            }
        }
        {
            let now = now_ms();
            let mut st = tx.prepare_cached("UPDATE works SET modified_at = ?2, version = version + 1 WHERE id = ?1")?;
            for id in &touched {
                if st.execute(params![id, now])? == 0 {
                    return Err(Error::Missing(format!("no work with id {id}")));
                }
                search::reindex(&tx, *id)?;
            }
        }
        tx.commit()?;
        Ok(BulkSummary {
            collections,
            tags: b.tags.len(),
            notes: b.notes.len(),
            citations: b.citations.len(),
            reindexed: touched.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::CitationForm;

    fn lib_with(n: usize) -> (tempfile::TempDir, Library, Vec<i64>) {
        let dir = tempfile::tempdir().unwrap();
        let mut lib = Library::open(dir.path().join("l.sqlite")).unwrap();
        let items: Vec<String> = (0..n)
            .map(|i| format!(r#"{{"type":"book","title":"Book number {i}","author":[{{"family":"Müller"}}]}}"#))
            .collect();
        lib.import_csl_json(&format!("[{}]", items.join(","))).unwrap();
        let ids = lib.all_ids().unwrap();
        (dir, lib, ids)
    }

    #[test]
    fn writes_everything_and_reindexes_once() {
        let (_d, mut lib, ids) = lib_with(3);
        let b = BulkOrganize {
            collections: vec![("Cold War".into(), None), ("Sources".into(), Some(0))],
            tags: vec![(ids[0], "zhdanov".into()), (ids[0], "to read".into()), (ids[1], "zhdanov".into())],
            in_collections: vec![(ids[0], 1), (ids[2], 0)],
            notes: vec![(ids[2], "Mentions the Kliszko memorandum.".into())],
            citations: vec![(
                ids[0],
                CitationRow { note_number: None, position: 0, raw_text: "ref".into(), cited: Some(ids[1]), locator: None, form: CitationForm::Full },
            )],
        };
        let s = lib.organize_bulk(&b).unwrap();
        assert_eq!((s.tags, s.notes, s.citations, s.reindexed, s.collections.len()), (3, 1, 1, 3, 2));
        assert_eq!(lib.tags().unwrap(), vec![("to read".to_string(), 1), ("zhdanov".to_string(), 2)]);
        assert_eq!(lib.collections_of(ids[0]).unwrap(), vec!["Cold War/Sources".to_string()]);
        assert_eq!(lib.citing_of(ids[1]).unwrap().len(), 1);
        // Tags and notes are searchable at once.
        assert_eq!(lib.search("zhdanov", 10).unwrap().len(), 2);
        assert_eq!(lib.search("kliszko", 10).unwrap().len(), 1);
    }

    #[test]
    fn one_transaction_all_or_nothing() {
        let (_d, mut lib, ids) = lib_with(2);
        let b = BulkOrganize {
            collections: vec![("A".into(), None)],
            tags: vec![(ids[0], "kept?".into()), (999_999, "no such work".into())],
            in_collections: vec![(ids[0], 0)],
            ..BulkOrganize::default()
        };
        assert!(lib.organize_bulk(&b).is_err());
        assert!(lib.tags().unwrap().is_empty());
        assert!(lib.collections().unwrap().is_empty());
    }
}
