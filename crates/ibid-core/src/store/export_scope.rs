//! Which works an export covers, and the citation keys they are exported under.

use rusqlite::{params, OptionalExtension};
use serde_json::{Map, Value};

use super::{ListQuery, Library, Sort};
use crate::error::{Error, Result};

/// What to export.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    /// Every library item (not the trash, not containers or cited-only records).
    Library,
    Keys(Vec<String>),
    /// A collection by its path (`Cold War/Korea`) or key.
    Collection(String),
    Tag(String),
    /// The works a search finds (best match first).
    Search(String),
    /// What one work cites, each once, in the order first cited.
    CitedBy(String),
}

impl Library {
    /// The works in a scope, as row ids, in export order.
    pub fn scope_ids(&self, scope: &Scope) -> Result<Vec<i64>> {
        let all = |tag: Option<String>, collection: Option<i64>| -> Result<Vec<i64>> {
            let q = ListQuery { sort: Sort::Creator, tag, collection, ..ListQuery::default() };
            self.list_all_ids(&q)
        };
        match scope {
            Scope::Library => all(None, None),
            Scope::Keys(keys) => keys.iter().map(|k| self.resolve(k)).collect(),
            Scope::Tag(t) => {
                let ids = all(Some(t.clone()), None)?;
                if ids.is_empty() && !self.tags()?.iter().any(|(name, _)| name == t) {
                    return Err(Error::Missing(format!("no tag {t:?}")));
                }
                Ok(ids)
            }
            Scope::Collection(c) => {
                let id = match self.collection_by_key(c) {
                    Ok(id) => id,
                    Err(_) => self.collection_by_path(c)?,
                };
                all(None, Some(id))
            }
            Scope::Search(q) => Ok(self.search(q, 10_000)?.into_iter().map(|h| h.id).collect()),
            Scope::CitedBy(k) => {
                let citing = self.resolve(k)?;
                let mut seen = std::collections::HashSet::new();
                Ok(self.citations_of(citing)?.into_iter().filter_map(|c| c.cited).filter(|id| seen.insert(*id)).collect())
            }
        }
    }

    /// A collection by its path, without creating it.
    pub fn collection_by_path(&self, path: &str) -> Result<i64> {
        let want: Vec<&str> = path.split('/').map(str::trim).filter(|s| !s.is_empty()).collect();
        self.collections()?
            .into_iter()
            .find(|c| c.path.iter().map(String::as_str).eq(want.iter().copied()))
            .map(|c| self.collection_by_key(&c.key))
            .transpose()?
            .ok_or_else(|| Error::Missing(format!("no collection {path:?}")))
    }

    /// How many works have this citation key (more than one only when
    /// imported files brought the same key twice).
    pub fn citation_key_count(&self, key: &str) -> Result<i64> {
        Ok(self.conn.prepare_cached("SELECT count(*) FROM works WHERE citation_key = ?1")?.query_row([key], |r| r.get(0))?)
    }

    /// Whether some work already has this citation key.
    pub fn citation_key_taken(&self, key: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM works WHERE citation_key = ?1 LIMIT 1")?
            .query_row([key], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Gives every work in `ids` without a citation key one, from
    /// `generate(flat item)` made unique by `unique(base, taken)`, and stores
    /// it (one transaction). Keys already assigned, or imported, are never
    /// changed. Returns the flat items, each with its `citation-key`.
    pub fn items_with_citation_keys(
        &mut self,
        ids: &[i64],
        generate: &dyn Fn(&Map<String, Value>) -> String,
        unique: &dyn Fn(&str, &dyn Fn(&str) -> bool) -> String,
    ) -> Result<Vec<Map<String, Value>>> {
        let mut items = self.csl_items(ids)?;
        // A read-only library (issue 9) still exports: its keys are made as
        // usual but not kept, so the same library gives the same keys.
        let read_only = self.read_only;
        let behavior = if read_only { rusqlite::TransactionBehavior::Deferred } else { rusqlite::TransactionBehavior::Immediate };
        let tx = self.conn.transaction_with_behavior(behavior)?;
        let mut assigned = std::collections::HashSet::new();
        for (item, id) in items.iter_mut().zip(ids) {
            if item.get("citation-key").and_then(Value::as_str).is_some_and(|k| !k.is_empty()) {
                continue;
            }
            let base = generate(item);
            let taken = |k: &str| {
                assigned.contains(k)
                    || tx
                        .prepare_cached("SELECT 1 FROM works WHERE citation_key = ?1 LIMIT 1")
                        .and_then(|mut st| st.query_row([k], |_| Ok(())).optional())
                        .map(|r| r.is_some())
                        .unwrap_or(true)
            };
            let key = unique(&base, &taken);
            if !read_only {
                tx.execute("UPDATE works SET citation_key = ?2 WHERE id = ?1", params![id, key])?;
                super::search::reindex(&tx, *id)?; // the key is searchable
            }
            assigned.insert(key.clone());
            item.insert("citation-key".into(), Value::String(key));
        }
        tx.commit()?;
        Ok(items)
    }
}
