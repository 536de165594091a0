//! Duplicates across the library (issue 8): find candidate groups, merge a
//! group or every confident group at once, undo a merge, dismiss a group.
//! See docs/decisions/0011-duplicates.md.
//!
//! Finding is one scan of the listed works (standalone, not trashed) and two
//! index-ordered scans (DOIs, ISBNs), then comparisons within blocks only:
//! equal DOI, equal ISBN (books), and two sorted neighbourhoods — by first
//! creator's folded family name and title, and by the match title — where a
//! work is compared with at most `WINDOW` followers that share the block key.
//! Pairs become groups by union-find (strongest pairs first, so a group's
//! score is its weakest link). Nothing is quadratic in the library.
//!
//! A merge is one transaction. Every row it changes is written to a journal
//! first (`merges.journal`: the row as it was, or that it did not exist), so
//! Undo puts back exactly what was there, also in one transaction. Merged
//! works are kept with `standalone = -1` (listed nowhere, their identifiers
//! cleared) and their keys resolve to the survivor (`merged_works`).

use std::collections::{HashMap, HashSet};

use rusqlite::types::Value as SqlValue;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::works::{load_row, load_work, refresh_sort_keys, update_row};
use super::{new_key, now_ms, search, Library};
use crate::error::{Error, Result};
use crate::model::{Work, STRING_FIELDS};
use crate::text;

/// Followers a work is compared with in a sorted neighbourhood, at most.
const WINDOW: usize = 30;
/// A pair below this score is not a candidate.
pub const MIN_SCORE: f64 = 0.75;
/// A pair at or above this score (with a near-equal title, the same first
/// creator, no differing numbers in the titles) is confident.
pub const CONFIDENT_SCORE: f64 = 0.9;
/// Equal-DOI blocks larger than this are chained to their first work only
/// (a journal's DOI pasted on every article must not cost k²).
const MAX_PAIRWISE_BLOCK: usize = 20;

/// Types that are often the same work recorded differently.
const ARTICLE_LIKE: &[&str] = &[
    "article",
    "article-journal",
    "article-magazine",
    "article-newspaper",
    "paper-conference",
    "preprint",
    "report",
    "manuscript",
    "webpage",
    "post",
    "post-weblog",
];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DuplicateGroup {
    /// Oldest first.
    pub ids: Vec<i64>,
    pub keys: Vec<String>,
    /// The weakest link's score, 0–1.
    pub score: f64,
    pub confident: bool,
    /// What matched: "doi", "isbn", "title" (in that order, each once).
    pub reasons: Vec<String>,
}

/// One group to merge: the works, and which one survives (else the best:
/// most fields filled, then the oldest).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MergeGroup {
    pub ids: Vec<i64>,
    pub survivor: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MergeOutcome {
    /// What `undo_merge` takes; 0 when nothing was merged.
    pub batch: i64,
    pub groups: usize,
    /// Works merged away (not counting the survivors).
    pub merged: usize,
    pub survivors: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UndoOutcome {
    pub batch: i64,
    pub groups: usize,
    /// Works listed again.
    pub restored: usize,
}

/// What a work is compared by.
struct Rec {
    id: i64,
    title: String,
    year: Option<i32>,
    creator: String,
    doi: Option<String>,
    ty: String,
    container_id: Option<i64>,
    container: String,
    page: String,
    isbns: Vec<String>,
}

struct Edge {
    a: u32,
    b: u32,
    score: f64,
    confident: bool,
    reason: u8, // 0 doi, 1 isbn, 2 title
}

const REASONS: [&str; 3] = ["doi", "isbn", "title"];

fn load_recs(conn: &Connection) -> Result<Vec<Rec>> {
    let mut st = conn.prepare(
        "SELECT w.id, w.title, w.sort_date, w.doi, w.type, w.container_id, w.page, \
           (SELECT coalesce(c.family, c.literal, c.given) FROM creators c WHERE c.work_id = w.id \
            ORDER BY c.role = 'author' DESC, c.position LIMIT 1), \
           (SELECT p.title FROM works p WHERE p.id = w.container_id) \
         FROM works w WHERE w.standalone = 1 AND NOT EXISTS (SELECT 1 FROM trash t WHERE t.work_id = w.id) ORDER BY w.id",
    )?;
    let rows = st.query_map([], |r| {
        let sort_date: String = r.get(2)?;
        Ok(Rec {
            id: r.get(0)?,
            title: text::match_title(&r.get::<_, Option<String>>(1)?.unwrap_or_default()),
            year: sort_date.get(..4).and_then(|y| y.parse().ok()),
            doi: r.get(3)?,
            ty: r.get(4)?,
            container_id: r.get(5)?,
            page: r
                .get::<_, Option<String>>(6)?
                .map(|p| text::words(&text::fold(&p)).collect::<Vec<_>>().join("-"))
                .unwrap_or_default(),
            creator: text::fold(&r.get::<_, Option<String>>(7)?.unwrap_or_default())
                .trim()
                .to_string(),
            container: text::match_title(&r.get::<_, Option<String>>(8)?.unwrap_or_default()),
            isbns: Vec::new(),
        })
    })?;
    let mut recs: Vec<Rec> = rows.collect::<rusqlite::Result<_>>()?;
    // ISBNs in one index-ordered scan.
    let mut st = conn.prepare("SELECT work_id, value FROM work_ids WHERE kind = 'isbn'")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        if let Ok(i) = recs.binary_search_by_key(&id, |r| r.id) {
            recs[i].isbns.push(r.get(1)?);
        }
    }
    Ok(recs)
}

/// How alike two match titles are: 1 equal, 0.92 one is the other with a
/// subtitle (or more words) after it, else the normalized Levenshtein similarity.
fn title_sim(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.contains(' ')
        && long.starts_with(short)
        && long.as_bytes().get(short.len()) == Some(&b' ')
    {
        return 0.92;
    }
    strsim::normalized_levenshtein(a, b)
}

fn digits(t: &str) -> Vec<&str> {
    t.split(' ')
        .filter(|w| w.bytes().any(|b| b.is_ascii_digit()))
        .collect()
}

fn types_compatible(a: &str, b: &str) -> bool {
    a == b || (ARTICLE_LIKE.contains(&a) && ARTICLE_LIKE.contains(&b))
}

/// Scores a pair found by title blocking; `None` when they are not candidates.
fn score_pair(x: &Rec, y: &Rec) -> Option<(f64, bool)> {
    if x.container_id == Some(y.id)
        || y.container_id == Some(x.id)
        || !types_compatible(&x.ty, &y.ty)
    {
        return None;
    }
    if let (Some(a), Some(b)) = (&x.doi, &y.doi) {
        if a != b {
            return None;
        }
    }
    if !x.isbns.is_empty() && !y.isbns.is_empty() && x.isbns.iter().all(|i| !y.isbns.contains(i)) {
        return None; // another edition
    }
    let year = match (x.year, y.year) {
        (Some(a), Some(b)) if a == b => 1.0,
        (Some(a), Some(b)) if (a - b).abs() == 1 => 0.6,
        (Some(_), Some(_)) => return None,
        _ => 0.5,
    };
    let creator = match (x.creator.is_empty(), y.creator.is_empty()) {
        (false, false) if x.creator == y.creator => 1.0,
        (false, false) if strsim::normalized_levenshtein(&x.creator, &y.creator) >= 0.8 => 0.7,
        (false, false) => return None,
        (true, true) => 0.6,
        _ => 0.5,
    };
    let t = title_sim(&x.title, &y.title);
    if t < 0.8 {
        return None;
    }
    let containers_differ = !x.container.is_empty()
        && !y.container.is_empty()
        && title_sim(&x.container, &y.container) < 0.8;
    if containers_differ && (x.ty == "chapter" || y.ty == "chapter") {
        return None; // "Introduction" in two books
    }
    let agree = |a: &str, b: &str| match (a.is_empty(), b.is_empty()) {
        (false, false) if a == b => 1.0,
        (false, false) => 0.0,
        _ => 0.5,
    };
    let container = if containers_differ {
        0.0
    } else if x.container.is_empty() || y.container.is_empty() {
        0.5
    } else {
        1.0
    };
    let other =
        ((if x.ty == y.ty { 1.0 } else { 0.5 }) + container + agree(&x.page, &y.page)) / 3.0;
    let numbers_differ = {
        let (a, b) = (digits(&x.title), digits(&y.title));
        !a.is_empty() && !b.is_empty() && a != b
    };
    let mut score = 0.55 * t + 0.2 * creator + 0.15 * year + 0.1 * other;
    if numbers_differ {
        score *= 0.85;
    }
    let confident = score >= CONFIDENT_SCORE
        && t >= 0.9
        && creator == 1.0
        && !numbers_differ
        && !containers_differ;
    Some((score, confident))
}

/// A pair with an equal identifier: confident when the titles agree too (a
/// DOI pasted on the wrong record is shown, never merged unasked).
fn identifier_pair(x: &Rec, y: &Rec) -> Option<(f64, bool)> {
    if x.container_id == Some(y.id) || y.container_id == Some(x.id) {
        return None;
    }
    let t = title_sim(&x.title, &y.title);
    Some(if t >= 0.6 { (1.0, true) } else { (0.8, false) })
}

struct UnionFind {
    parent: Vec<u32>,
    score: Vec<f64>,
    confident: Vec<bool>,
    reasons: Vec<u8>, // bit set
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n as u32).collect(),
            score: vec![1.0; n],
            confident: vec![true; n],
            reasons: vec![0; n],
        }
    }
    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = p;
        }
        x
    }
}

impl Library {
    /// Candidate duplicate groups over every listed work, best first.
    pub fn find_duplicates(&self) -> Result<Vec<DuplicateGroup>> {
        let recs = load_recs(&self.conn)?;
        let dismissed: HashSet<(i64, i64)> = {
            let mut st = self.conn.prepare("SELECT a, b FROM not_duplicates")?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let pair_ok = |a: &Rec, b: &Rec| !dismissed.contains(&(a.id.min(b.id), a.id.max(b.id)));
        let mut edges: Vec<Edge> = Vec::new();
        let push =
            |edges: &mut Vec<Edge>, i: usize, j: usize, s: Option<(f64, bool)>, reason: u8| {
                if let Some((score, confident)) = s {
                    if score >= MIN_SCORE && pair_ok(&recs[i], &recs[j]) {
                        edges.push(Edge {
                            a: i as u32,
                            b: j as u32,
                            score,
                            confident,
                            reason,
                        });
                    }
                }
            };
        // Equal identifiers: blocks of a sorted key.
        let blocks = |keyed: &mut Vec<(&str, u32)>| -> Vec<Vec<u32>> {
            keyed.sort_unstable();
            keyed
                .chunk_by(|a, b| a.0 == b.0)
                .filter(|c| c.len() > 1)
                .map(|c| {
                    let mut v: Vec<u32> = c.iter().map(|x| x.1).collect();
                    v.dedup();
                    v
                })
                .filter(|v| v.len() > 1)
                .collect()
        };
        let mut by_doi: Vec<(&str, u32)> = recs
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.doi.as_deref().map(|d| (d, i as u32)))
            .collect();
        let mut by_isbn: Vec<(&str, u32)> = recs
            .iter()
            .enumerate()
            .filter(|(_, r)| r.ty == "book")
            .flat_map(|(i, r)| r.isbns.iter().map(move |s| (s.as_str(), i as u32)))
            .collect();
        for (reason, keyed) in [(0u8, &mut by_doi), (1u8, &mut by_isbn)] {
            for block in blocks(keyed) {
                let pairwise = block.len() <= MAX_PAIRWISE_BLOCK;
                for (n, &i) in block.iter().enumerate() {
                    let others: Vec<u32> = if pairwise {
                        block[n + 1..].to_vec()
                    } else if n == 0 {
                        block[1..].to_vec()
                    } else {
                        vec![]
                    };
                    for j in others {
                        let (i, j) = (i as usize, j as usize);
                        push(
                            &mut edges,
                            i,
                            j,
                            identifier_pair(&recs[i], &recs[j]),
                            reason,
                        );
                    }
                }
            }
        }
        // Sorted neighbourhoods: (first creator, title) and (title).
        let first_word = |t: &str| t.split(' ').next().unwrap_or("").to_string();
        let mut order: Vec<u32> = (0..recs.len() as u32)
            .filter(|&i| !recs[i as usize].title.is_empty())
            .collect();
        order.sort_unstable_by(|&a, &b| {
            let (x, y) = (&recs[a as usize], &recs[b as usize]);
            (&x.creator, &x.title).cmp(&(&y.creator, &y.title))
        });
        for (n, &i) in order.iter().enumerate() {
            let x = &recs[i as usize];
            let fw = first_word(&x.title);
            for &j in order[n + 1..].iter().take(WINDOW) {
                let y = &recs[j as usize];
                if y.creator != x.creator || first_word(&y.title) != fw {
                    break;
                }
                push(&mut edges, i as usize, j as usize, score_pair(x, y), 2);
            }
        }
        order.sort_unstable_by(|&a, &b| recs[a as usize].title.cmp(&recs[b as usize].title));
        for (n, &i) in order.iter().enumerate() {
            let x = &recs[i as usize];
            for &j in order[n + 1..].iter().take(WINDOW) {
                let y = &recs[j as usize];
                if y.title != x.title {
                    break;
                }
                if x.creator == y.creator && !x.creator.is_empty() {
                    continue; // seen in the first pass
                }
                push(&mut edges, i as usize, j as usize, score_pair(x, y), 2);
            }
        }
        // Strongest pairs first: a group's score is its weakest link.
        edges.sort_unstable_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(b.confident.cmp(&a.confident))
        });
        let mut uf = UnionFind::new(recs.len());
        for e in &edges {
            let (ra, rb) = (uf.find(e.a), uf.find(e.b));
            let (ra, rb) = (ra as usize, rb as usize);
            if ra == rb {
                uf.reasons[ra] |= 1 << e.reason;
                continue;
            }
            uf.parent[rb] = ra as u32;
            uf.score[ra] = uf.score[ra].min(uf.score[rb]).min(e.score);
            uf.confident[ra] = uf.confident[ra] && uf.confident[rb] && e.confident;
            uf.reasons[ra] |= uf.reasons[rb] | (1 << e.reason);
        }
        let mut members: HashMap<u32, Vec<u32>> = HashMap::new();
        for e in &edges {
            for x in [e.a, e.b] {
                let r = uf.find(x);
                members.entry(r).or_default().push(x);
            }
        }
        let mut groups: Vec<DuplicateGroup> = members
            .into_iter()
            .map(|(root, mut m)| {
                m.sort_unstable();
                m.dedup();
                let r = root as usize;
                DuplicateGroup {
                    ids: m.iter().map(|&i| recs[i as usize].id).collect(),
                    keys: Vec::new(),
                    score: (uf.score[r] * 1000.0).round() / 1000.0,
                    confident: uf.confident[r],
                    reasons: (0..3)
                        .filter(|b| uf.reasons[r] & (1 << b) != 0)
                        .map(|b| REASONS[b].to_string())
                        .collect(),
                }
            })
            .collect();
        groups.sort_by(|a, b| {
            b.confident
                .cmp(&a.confident)
                .then(b.score.total_cmp(&a.score))
                .then(a.ids[0].cmp(&b.ids[0]))
        });
        let mut st = self
            .conn
            .prepare_cached("SELECT key FROM works WHERE id = ?1")?;
        for g in &mut groups {
            for id in &g.ids {
                g.keys.push(st.query_row([id], |r| r.get(0))?);
            }
        }
        Ok(groups)
    }

    /// Marks a group as not duplicates: none of its pairs is offered again.
    pub fn dismiss_duplicates(&mut self, ids: &[i64]) -> Result<()> {
        if ids.len() < 2 {
            return Err(Error::invalid("a group to dismiss needs two works or more"));
        }
        let tx = self.conn.transaction()?;
        for (n, &a) in ids.iter().enumerate() {
            for &b in &ids[n + 1..] {
                if a != b {
                    tx.prepare_cached(
                        "INSERT OR IGNORE INTO not_duplicates (a, b) VALUES (?1, ?2)",
                    )?
                    .execute(params![a.min(b), a.max(b)])?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Merges groups in one transaction, with one Undo for all of them.
    pub fn merge_duplicates(&mut self, groups: &[MergeGroup]) -> Result<MergeOutcome> {
        let tx = self.conn.transaction()?;
        let out = merge_in_tx(&tx, groups)?;
        tx.commit()?;
        Ok(out)
    }

    /// Finds the duplicates and merges every confident group, keeping each
    /// group's best work; one transaction, one Undo. A `pre-merge` backup is
    /// written first unless one is less than an hour old.
    pub fn merge_confident(&mut self) -> Result<MergeOutcome> {
        let groups: Vec<MergeGroup> = self
            .find_duplicates()?
            .into_iter()
            .filter(|g| g.confident)
            .map(|g| MergeGroup {
                ids: g.ids,
                survivor: None,
            })
            .collect();
        // A bulk merge changes many works at once: a backup first (at most
        // one an hour; issue 9), beside Undo.
        if !groups.is_empty() {
            self.backup_if_due(super::BackupKind::BeforeMerge, std::time::Duration::from_secs(3600))?;
        }
        self.merge_duplicates(&groups)
    }

    /// The latest merge that stands (what Undo would undo), if any.
    pub fn last_merge(&self) -> Result<Option<i64>> {
        Ok(self
            .conn
            .query_row(
                "SELECT max(id) FROM merge_batches WHERE undone_at IS NULL",
                [],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    /// Undoes a merge (by default the latest that stands): every row it
    /// changed is put back as it was, in one transaction.
    pub fn undo_merge(&mut self, batch: Option<i64>) -> Result<UndoOutcome> {
        let batch = match batch {
            Some(b) => b,
            None => self
                .last_merge()?
                .ok_or_else(|| Error::Missing("there is no merge to undo".into()))?,
        };
        let tx = self.conn.transaction()?;
        let undone: Option<Option<i64>> = tx
            .query_row(
                "SELECT undone_at FROM merge_batches WHERE id = ?1",
                [batch],
                |r| r.get(0),
            )
            .optional()?;
        match undone {
            None => return Err(Error::Missing(format!("no merge {batch}"))),
            Some(Some(_)) => {
                return Err(Error::invalid(format!("merge {batch} was already undone")))
            }
            Some(None) => {}
        }
        let merges: Vec<(i64, i64, String)> = {
            let mut st = tx.prepare(
                "SELECT id, survivor_id, journal FROM merges WHERE batch_id = ?1 ORDER BY id DESC",
            )?;
            let rows = st.query_map([batch], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut restored = 0;
        let mut touched = Vec::new();
        for (merge_id, survivor, journal) in &merges {
            let merged: Vec<i64> = {
                let mut st = tx.prepare("SELECT work_id FROM merged_works WHERE merge_id = ?1")?;
                let rows = st.query_map([merge_id], |r| r.get(0))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            tx.execute("DELETE FROM merged_works WHERE merge_id = ?1", [merge_id])?;
            let ops: Vec<Op> = serde_json::from_str(journal)?;
            for op in ops.iter().rev() {
                undo_op(&tx, op)?;
            }
            restored += merged.len();
            touched.push(*survivor);
            touched.extend(merged);
        }
        // The restored works changed (for the auto-exports) and are indexed again.
        for &id in &touched {
            tx.execute(
                "UPDATE works SET modified_at = ?2, version = version + 1 WHERE id = ?1",
                params![id, now_ms()],
            )?;
        }
        refresh_derived(&tx, &touched, &[])?;
        tx.execute(
            "UPDATE merge_batches SET undone_at = ?2 WHERE id = ?1",
            params![batch, now_ms()],
        )?;
        tx.commit()?;
        Ok(UndoOutcome {
            batch,
            groups: merges.len(),
            restored,
        })
    }
}

/// The work a merged work's key now stands for (following merges of merges).
pub(super) fn follow_merges(conn: &Connection, mut id: i64) -> Result<i64> {
    for _ in 0..64 {
        match conn
            .prepare_cached("SELECT survivor_id FROM merged_works WHERE work_id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?
        {
            Some(s) => id = s,
            None => return Ok(id),
        }
    }
    Ok(id)
}

fn merge_in_tx(tx: &Transaction, groups: &[MergeGroup]) -> Result<MergeOutcome> {
    if groups.is_empty() {
        return Ok(MergeOutcome {
            batch: 0,
            groups: 0,
            merged: 0,
            survivors: vec![],
        });
    }
    tx.execute(
        "INSERT INTO merge_batches (merged_at) VALUES (?1)",
        [now_ms()],
    )?;
    let batch = tx.last_insert_rowid();
    let mut out = MergeOutcome {
        batch,
        groups: 0,
        merged: 0,
        survivors: vec![],
    };
    let mut seen = HashSet::new();
    let mut gone: Vec<i64> = Vec::new();
    for g in groups {
        let mut ids: Vec<i64> = Vec::new();
        for &id in &g.ids {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        if ids.len() < 2 {
            return Err(Error::invalid("a group to merge needs two works or more"));
        }
        for &id in &ids {
            if !seen.insert(id) {
                return Err(Error::invalid(format!(
                    "{} is in two groups",
                    key_of(tx, id)?
                )));
            }
            let listed: Option<bool> = tx
                .query_row(
                    "SELECT standalone = 1 AND NOT EXISTS (SELECT 1 FROM trash t WHERE t.work_id = w.id) FROM works w WHERE id = ?1",
                    [id],
                    |r| r.get(0),
                )
                .optional()?;
            match listed {
                None => return Err(Error::NotFound(format!("#{id}"))),
                Some(false) => {
                    return Err(Error::invalid(format!(
                        "{} is not a listed work (merged, trashed or a container)",
                        key_of(tx, id)?
                    )))
                }
                Some(true) => {}
            }
        }
        let survivor = match g.survivor {
            Some(s) if ids.contains(&s) => s,
            Some(s) => {
                return Err(Error::invalid(format!(
                    "the survivor {} is not in its group",
                    key_of(tx, s)?
                )))
            }
            None => best_of(tx, &ids)?,
        };
        let others: Vec<i64> = ids.iter().copied().filter(|&i| i != survivor).collect();
        tx.execute(
            "INSERT INTO merges (batch_id, survivor_id, journal) VALUES (?1, ?2, '[]')",
            params![batch, survivor],
        )?;
        let merge_id = tx.last_insert_rowid();
        let mut j = Journal { ops: Vec::new() };
        merge_group(tx, survivor, &others, merge_id, &mut j)?;
        tx.execute(
            "UPDATE merges SET journal = ?2 WHERE id = ?1",
            params![merge_id, serde_json::to_string(&j.ops)?],
        )?;
        out.groups += 1;
        out.merged += others.len();
        out.survivors.push(survivor);
        gone.extend(others);
    }
    refresh_derived(tx, &out.survivors, &gone)?;
    Ok(out)
}

fn key_of(tx: &Transaction, id: i64) -> Result<String> {
    Ok(tx
        .query_row("SELECT key FROM works WHERE id = ?1", [id], |r| r.get(0))
        .optional()?
        .unwrap_or_else(|| format!("#{id}")))
}

/// The work that keeps the group: most fields filled, then the oldest.
fn best_of(tx: &Transaction, ids: &[i64]) -> Result<i64> {
    let mut best = (i64::MIN, i64::MIN, 0);
    for &id in ids {
        let (w, _) = load_row(tx, id)?;
        let filled = STRING_FIELDS
            .iter()
            .filter(|f| w.string_field(f).is_some_and(|v| !v.trim().is_empty()))
            .count()
            + usize::from(w.issued.is_some())
            + w.creators.len().min(3)
            + w.isbn.len().min(1)
            + w.extra.len().min(5);
        let added: i64 = tx.query_row("SELECT added_at FROM works WHERE id = ?1", [id], |r| {
            r.get(0)
        })?;
        let rank = (filled as i64, -added, -id);
        if rank > (best.0, best.1, -best.2) || best.2 == 0 {
            best = (filled as i64, -added, id);
        }
    }
    Ok(best.2)
}

/// One journal entry: how to put a row (or a set of rows) back.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum Op {
    /// The row with primary key `pk` was `before` (only the columns that
    /// changed, or all of them if it was deleted); `None`: it did not exist.
    Row {
        table: String,
        pk: Map<String, Value>,
        before: Option<Map<String, Value>>,
    },
    /// Every row of `table` where `col = val`, as it was.
    Set {
        table: String,
        col: String,
        val: Value,
        rows: Vec<Map<String, Value>>,
    },
}

struct Journal {
    ops: Vec<Op>,
}

fn to_json(v: SqlValue) -> Result<Value> {
    Ok(match v {
        SqlValue::Null => Value::Null,
        SqlValue::Integer(i) => Value::from(i),
        SqlValue::Real(f) => Value::from(f),
        SqlValue::Text(s) => Value::String(s),
        SqlValue::Blob(_) => return Err(Error::invalid("a merge cannot journal binary columns")),
    })
}

fn to_sql(v: &Value) -> SqlValue {
    match v {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Number(n) => n
            .as_i64()
            .map(SqlValue::Integer)
            .unwrap_or_else(|| SqlValue::Real(n.as_f64().unwrap_or(0.0))),
        Value::String(s) => SqlValue::Text(s.clone()),
        other => SqlValue::Text(other.to_string()),
    }
}

/// The stored (not generated) columns of a table.
fn columns(tx: &Transaction, table: &str) -> Result<Vec<String>> {
    let mut st = tx.prepare_cached("SELECT name FROM pragma_table_info(?1)")?;
    let rows = st.query_map([table], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Whole rows of `table` where `col = val`.
fn rows_where(
    tx: &Transaction,
    table: &str,
    col: &str,
    val: &SqlValue,
) -> Result<Vec<Map<String, Value>>> {
    let cols = columns(tx, table)?;
    let mut st = tx.prepare_cached(&format!(
        "SELECT {} FROM {table} WHERE {col} = ?1",
        cols.join(", ")
    ))?;
    let mut rows = st.query([val])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let mut m = Map::new();
        for (i, c) in cols.iter().enumerate() {
            m.insert(c.clone(), to_json(r.get::<_, SqlValue>(i)?)?);
        }
        out.push(m);
    }
    Ok(out)
}

fn insert_row(tx: &Transaction, table: &str, row: &Map<String, Value>) -> Result<()> {
    let cols: Vec<&String> = row.keys().collect();
    let marks = vec!["?"; cols.len()].join(", ");
    let sql = format!(
        "INSERT INTO {table} ({}) VALUES ({marks})",
        cols.iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    tx.prepare_cached(&sql)?
        .execute(params_from_iter(row.values().map(to_sql)))?;
    Ok(())
}

fn where_pk(pk: &Map<String, Value>) -> String {
    pk.keys()
        .map(|k| format!("{k} = ?"))
        .collect::<Vec<_>>()
        .join(" AND ")
}

fn undo_op(tx: &Transaction, op: &Op) -> Result<()> {
    match op {
        Op::Row {
            table,
            pk,
            before: None,
        } => {
            tx.prepare_cached(&format!("DELETE FROM {table} WHERE {}", where_pk(pk)))?
                .execute(params_from_iter(pk.values().map(to_sql)))?;
        }
        Op::Row {
            table,
            pk,
            before: Some(cols),
        } if cols.is_empty() => {
            tx.prepare_cached(&format!(
                "INSERT OR IGNORE INTO {table} ({}) VALUES ({})",
                pk.keys().cloned().collect::<Vec<_>>().join(", "),
                vec!["?"; pk.len()].join(", ")
            ))?
            .execute(params_from_iter(pk.values().map(to_sql)))?;
        }
        Op::Row {
            table,
            pk,
            before: Some(cols),
        } => {
            let set = cols
                .keys()
                .map(|k| format!("{k} = ?"))
                .collect::<Vec<_>>()
                .join(", ");
            let n = tx
                .prepare_cached(&format!("UPDATE {table} SET {set} WHERE {}", where_pk(pk)))?
                .execute(params_from_iter(
                    cols.values().chain(pk.values()).map(to_sql),
                ))?;
            if n == 0 {
                let mut row = pk.clone();
                row.extend(cols.clone());
                insert_row(tx, table, &row)?;
            }
        }
        Op::Set {
            table,
            col,
            val,
            rows,
        } => {
            tx.prepare_cached(&format!("DELETE FROM {table} WHERE {col} = ?1"))?
                .execute([to_sql(val)])?;
            for r in rows {
                insert_row(tx, table, r)?;
            }
        }
    }
    Ok(())
}

fn pk(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

impl Journal {
    /// Records a whole set of rows before it is rewritten.
    fn set(&mut self, tx: &Transaction, table: &str, col: &str, val: i64) -> Result<()> {
        let rows = rows_where(tx, table, col, &SqlValue::Integer(val))?;
        self.ops.push(Op::Set {
            table: table.into(),
            col: col.into(),
            val: Value::from(val),
            rows,
        });
        Ok(())
    }
    /// Records a row's columns before an update or a delete.
    fn row(
        &mut self,
        tx: &Transaction,
        table: &str,
        key: Map<String, Value>,
        cols: Option<&[&str]>,
    ) -> Result<()> {
        let all = columns(tx, table)?;
        let wanted: Vec<&str> = match cols {
            Some(c) => c.to_vec(),
            None => all
                .iter()
                .map(|s| s.as_str())
                .filter(|c| !key.contains_key(*c))
                .collect(),
        };
        let select = if wanted.is_empty() {
            "1".to_string()
        } else {
            wanted.join(", ")
        };
        let sql = format!("SELECT {select} FROM {table} WHERE {}", where_pk(&key));
        let before = tx
            .prepare_cached(&sql)?
            .query_row(params_from_iter(key.values().map(to_sql)), |r| {
                (0..wanted.len())
                    .map(|i| r.get::<_, SqlValue>(i))
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .optional()?;
        let before = match before {
            None => None,
            Some(vals) => {
                let mut m = Map::new();
                for (c, v) in wanted.iter().zip(vals) {
                    m.insert(c.to_string(), to_json(v)?);
                }
                Some(m)
            }
        };
        self.ops.push(Op::Row {
            table: table.into(),
            pk: key,
            before,
        });
        Ok(())
    }
    /// Records that a row is about to be inserted.
    fn inserted(&mut self, table: &str, key: Map<String, Value>) {
        self.ops.push(Op::Row {
            table: table.into(),
            pk: key,
            before: None,
        });
    }
}

fn ids_where(tx: &Transaction, sql: &str, id: i64) -> Result<Vec<i64>> {
    let mut st = tx.prepare_cached(sql)?;
    let rows = st.query_map([id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn show_creators(w: &Work) -> String {
    w.creators
        .iter()
        .map(|c| c.search_text())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Merges `others` into `survivor`, journalling every row it changes.
fn merge_group(
    tx: &Transaction,
    survivor: i64,
    others: &[i64],
    merge_id: i64,
    j: &mut Journal,
) -> Result<()> {
    let s = survivor;
    let id = |v: i64| Value::from(v);
    // The survivor's own row, creators and identifiers, as they were.
    j.row(tx, "works", pk(&[("id", id(s))]), None)?;
    j.set(tx, "creators", "work_id", s)?;
    j.set(tx, "work_ids", "work_id", s)?;
    let mut have = load_work(tx, s, 3)?;
    let mut container: Option<i64> =
        tx.query_row("SELECT container_id FROM works WHERE id = ?1", [s], |r| {
            r.get(0)
        })?;
    let mut differences: Vec<String> = Vec::new();
    for &m in others {
        let (other, m_container) = load_row(tx, m)?;
        let mut differ = Vec::new();
        for f in STRING_FIELDS {
            if let (Some(a), Some(b)) = (have.string_field(f), other.string_field(f)) {
                if !a.trim().is_empty() && !b.trim().is_empty() && a.trim() != b.trim() {
                    if *f == "abstract" {
                        if b.trim().len() > a.trim().len() {
                            differ.push(format!(
                                "abstract: the longer one was kept; the other was “{}”",
                                a.trim()
                            ));
                        } else {
                            differ.push(format!("abstract: “{}”", b.trim()));
                        }
                    } else {
                        differ.push(format!("{f}: “{}”", b.trim()));
                    }
                }
            }
        }
        if let (Some(a), Some(b)) = (
            have.abstract_text.as_deref(),
            other.abstract_text.as_deref(),
        ) {
            if b.trim().len() > a.trim().len() {
                have.abstract_text = Some(b.to_string());
            }
        }
        if let (Some(a), Some(b)) = (&have.issued, &other.issued) {
            if a != b {
                differ.push(format!("issued: {}", b.to_csl()));
            }
        }
        if !have.creators.is_empty()
            && !other.creators.is_empty()
            && show_creators(&have) != show_creators(&other)
        {
            differ.push(format!("creators: {}", show_creators(&other)));
        }
        if have.work_type != other.work_type {
            differ.push(format!("type: {}", other.work_type));
        }
        for (k, v) in &other.extra {
            if have.extra.get(k).is_some_and(|h| h != v) {
                differ.push(format!("{k}: {v}"));
            }
        }
        have.fill_from(&other);
        if container.is_none() && m_container.is_some() {
            container = m_container;
        } else if m_container.is_some() && m_container != container {
            if let Some(t) = m_container
                .map(|c| load_row(tx, c))
                .transpose()?
                .and_then(|(w, _)| w.title)
            {
                differ.push(format!("container: “{t}”"));
            }
        }
        if !differ.is_empty() {
            differences.push(format!(
                "- {} (“{}”): {}",
                other.key.clone().unwrap_or_default(),
                other.title.clone().unwrap_or_default(),
                differ.join("; ")
            ));
        }
    }
    have.parent = None;
    update_row(tx, s, &have)?;
    tx.execute(
        "UPDATE works SET container_id = ?2 WHERE id = ?1",
        params![s, container],
    )?;
    if !differences.is_empty() {
        let key = new_key();
        let body = format!(
            "Merged duplicates. Values of the merged records that differed from this one:\n\n{}",
            differences.join("\n")
        );
        tx.execute(
            "INSERT INTO notes (key, work_id, body, created_at, modified_at) VALUES (?1, ?2, ?3, ?4, ?4)",
            params![key, s, body, now_ms()],
        )?;
        j.inserted("notes", pk(&[("id", id(tx.last_insert_rowid()))]));
    }
    // Citations the survivor already makes: (note, cited work or text).
    let mut cites: HashSet<(Option<i64>, String)> = {
        let mut st = tx.prepare_cached(
            "SELECT note_number, cited_id, raw_text FROM citations WHERE citing_id = ?1",
        )?;
        let rows = st.query_map([s], |r| {
            let cited: Option<i64> = r.get(1)?;
            let raw: String = r.get(2)?;
            Ok((
                r.get(0)?,
                cited
                    .map(|c| format!("#{c}"))
                    .unwrap_or_else(|| text::fold(raw.trim())),
            ))
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for &m in others {
        // Tags and collections: the survivor gets each once.
        for (table, col) in [
            ("work_tags", "tag_id"),
            ("collection_items", "collection_id"),
        ] {
            for other in ids_where(
                tx,
                &format!("SELECT {col} FROM {table} WHERE work_id = ?1"),
                m,
            )? {
                let old = pk(&[("work_id", id(m)), (col, id(other))]);
                j.row(tx, table, old.clone(), None)?;
                tx.execute(
                    &format!("DELETE FROM {table} WHERE work_id = ?1 AND {col} = ?2"),
                    params![m, other],
                )?;
                let new = pk(&[("work_id", id(s)), (col, id(other))]);
                let exists: bool = tx.query_row(
                    &format!(
                        "SELECT EXISTS (SELECT 1 FROM {table} WHERE work_id = ?1 AND {col} = ?2)"
                    ),
                    params![s, other],
                    |r| r.get(0),
                )?;
                if !exists {
                    j.inserted(table, new);
                    tx.execute(
                        &format!("INSERT INTO {table} (work_id, {col}) VALUES (?1, ?2)"),
                        params![s, other],
                    )?;
                }
            }
        }
        // Notes, attachments, raw responses: moved.
        for table in ["notes", "attachments", "responses"] {
            for row in ids_where(tx, &format!("SELECT id FROM {table} WHERE work_id = ?1"), m)? {
                j.row(tx, table, pk(&[("id", id(row))]), Some(&["work_id"][..]))?;
                tx.execute(
                    &format!("UPDATE {table} SET work_id = ?2 WHERE id = ?1"),
                    params![row, s],
                )?;
            }
        }
        // What it cites: moved after the survivor's own, each once.
        let rows: Vec<(i64, Option<i64>, Option<i64>, String)> = {
            let mut st = tx.prepare_cached(
                "SELECT id, note_number, cited_id, raw_text FROM citations WHERE citing_id = ?1 ORDER BY note_number, position",
            )?;
            let rows = st.query_map([m], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for (cid, note, cited, raw) in rows {
            let cited = cited.map(|c| follow_merges(tx, c)).transpose()?;
            let ident = (
                note,
                cited
                    .map(|c| format!("#{c}"))
                    .unwrap_or_else(|| text::fold(raw.trim())),
            );
            if cites.contains(&ident) {
                j.row(tx, "citations", pk(&[("id", id(cid))]), None)?;
                tx.execute("DELETE FROM citations WHERE id = ?1", [cid])?;
            } else {
                j.row(
                    tx,
                    "citations",
                    pk(&[("id", id(cid))]),
                    Some(&["citing_id", "position"][..]),
                )?;
                let next: i64 = tx.query_row(
                    "SELECT coalesce(max(position), -1) + 1 FROM citations WHERE citing_id = ?1 AND note_number IS ?2",
                    params![s, note],
                    |r| r.get(0),
                )?;
                tx.execute(
                    "UPDATE citations SET citing_id = ?2, position = ?3 WHERE id = ?1",
                    params![cid, s, next],
                )?;
                cites.insert(ident);
            }
        }
        // What cites it, and what it contains (a book's chapters): the survivor now.
        for cid in ids_where(tx, "SELECT id FROM citations WHERE cited_id = ?1", m)? {
            j.row(
                tx,
                "citations",
                pk(&[("id", id(cid))]),
                Some(&["cited_id"][..]),
            )?;
            tx.execute(
                "UPDATE citations SET cited_id = ?2 WHERE id = ?1",
                params![cid, s],
            )?;
        }
        for child in ids_where(tx, "SELECT id FROM works WHERE container_id = ?1", m)? {
            if child == s {
                continue;
            }
            j.row(
                tx,
                "works",
                pk(&[("id", id(child))]),
                Some(&["container_id", "sort_title", "sort_creator", "sort_date"][..]),
            )?;
            tx.execute(
                "UPDATE works SET container_id = ?2 WHERE id = ?1",
                params![child, s],
            )?;
        }
        // The merged work: kept, listed nowhere, found by no identifier.
        j.row(
            tx,
            "works",
            pk(&[("id", id(m))]),
            Some(&["standalone", "doi", "citation_key"][..]),
        )?;
        j.set(tx, "work_ids", "work_id", m)?;
        tx.execute("DELETE FROM work_ids WHERE work_id = ?1", [m])?;
        tx.execute(
            "UPDATE works SET standalone = -1, doi = NULL, citation_key = NULL WHERE id = ?1",
            [m],
        )?;
        tx.execute(
            "INSERT INTO merged_works (work_id, survivor_id, merge_id) VALUES (?1, ?2, ?3)",
            params![m, s, merge_id],
        )?;
    }
    Ok(())
}

/// A work and every work below it (a book's chapters, a series' books…).
fn with_descendants(tx: &Transaction, id: i64) -> Result<Vec<i64>> {
    let mut out = vec![id];
    let mut i = 0;
    while i < out.len() {
        for k in ids_where(tx, "SELECT id FROM works WHERE container_id = ?1", out[i])? {
            if !out.contains(&k) {
                out.push(k);
            }
        }
        i += 1;
    }
    Ok(out)
}

/// Sort keys and search rows of these works and everything below them,
/// after every row of a batch is written: the search index's writes come
/// last, together (FTS5 flushes its pending terms whenever a later
/// statement in the transaction opens a savepoint, which per group cost
/// more than the merge itself).
fn refresh_derived(tx: &Transaction, ids: &[i64], gone: &[i64]) -> Result<()> {
    let mut all = Vec::new();
    let mut seen = HashSet::new();
    for &id in ids {
        for d in with_descendants(tx, id)? {
            if seen.insert(d) {
                all.push(d);
            }
        }
    }
    for &id in &all {
        refresh_sort_keys(tx, id)?;
    }
    for &id in gone {
        tx.prepare_cached("DELETE FROM work_fts WHERE rowid = ?1")?
            .execute([id])?;
        tx.prepare_cached("DELETE FROM work_fts_text WHERE rowid = ?1")?
            .execute([id])?;
    }
    for &id in &all {
        search::reindex(tx, id)?;
    }
    Ok(())
}
