//! The item list: sorted, keyset-paginated (never OFFSET), so that any page
//! of a million works costs the same as the first.

use rusqlite::types::Value as SqlValue;

use super::Library;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Title,
    Creator,
    Year,
    Added,
    Modified,
    /// By type, then title.
    Type,
}

impl Sort {
    fn column(self) -> &'static str {
        match self {
            Sort::Title => "sort_title",
            Sort::Creator => "sort_creator",
            Sort::Year => "sort_date",
            Sort::Added => "added_at",
            Sort::Modified => "modified_at",
            Sort::Type => "type_title",
        }
    }
}

impl std::str::FromStr for Sort {
    type Err = Error;
    fn from_str(s: &str) -> Result<Sort> {
        Ok(match s {
            "title" => Sort::Title,
            "creator" | "author" => Sort::Creator,
            "year" | "date" => Sort::Year,
            "added" => Sort::Added,
            "modified" => Sort::Modified,
            "type" => Sort::Type,
            other => return Err(Error::invalid(format!("unknown sort {other:?}: use title, creator, year, added, modified or type"))),
        })
    }
}

/// Where a page ends: the sort value and row id of its last row. Opaque to
/// callers; round-trips through [`Cursor::encode`] / [`Cursor::decode`].
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    value: SqlValue,
    id: i64,
}

impl Cursor {
    pub fn encode(&self) -> String {
        let v = match &self.value {
            SqlValue::Integer(i) => format!("i{i}"),
            SqlValue::Text(t) => format!("t{t}"),
            _ => "n".to_string(),
        };
        format!("{}.{}", self.id, v)
    }

    pub fn decode(s: &str) -> Result<Cursor> {
        let bad = || Error::invalid(format!("not a list cursor: {s:?}"));
        let (id, v) = s.split_once('.').ok_or_else(bad)?;
        let id = id.parse().map_err(|_| bad())?;
        let value = match v.split_at_checked(1).ok_or_else(bad)? {
            ("i", n) => SqlValue::Integer(n.parse().map_err(|_| bad())?),
            ("t", t) => SqlValue::Text(t.to_string()),
            _ => return Err(bad()),
        };
        Ok(Cursor { value, id })
    }
}

#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub sort: Sort,
    pub descending: bool,
    pub after: Option<Cursor>,
    pub limit: usize,
    /// List the trash instead of the library.
    pub trash: bool,
    /// Only works in this collection (by id).
    pub collection: Option<i64>,
    /// Only works with this tag (by name).
    pub tag: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Page {
    pub ids: Vec<i64>,
    /// The works' keys, in the same order as `ids`.
    pub keys: Vec<String>,
    /// The cursor for the next page; `None` on the last page.
    pub next: Option<Cursor>,
}

/// How a list query leaves the trash out: a correlated `NOT EXISTS` (the
/// plans the list's pages were tuned with), or `id NOT IN (SELECT work_id
/// FROM trash)`, the same rows (`trash.work_id` is never NULL) a third
/// faster when every row of 100k is read (an export's scope: 7.5 against
/// 11 ms).
/// Which rows of a page a list query reads (see [`Library::list`]).
#[derive(Clone, Copy)]
enum Keyset {
    /// The first page.
    First,
    /// After a cursor: the rows with its sort value, past its id.
    Ties,
    /// After a cursor: the rows past its sort value.
    Beyond,
}

#[derive(Clone, Copy)]
enum TrashTest {
    Exists,
    In,
}

impl Library {
    /// Every key a list query selects, in order, as one string of 8-character
    /// keys (no cursor, no limit): what the item list virtualizes over. Reads
    /// only the sort index, which carries the key.
    pub fn list_all_keys(&self, q: &ListQuery) -> Result<String> {
        let q = ListQuery { after: None, ..q.clone() };
        let (sql, filter_value) = self.list_sql(&q, "key", TrashTest::Exists, Keyset::First);
        let mut st = self.conn.prepare_cached(&sql)?;
        let mut rows = st.query(rusqlite::params![i64::MAX, SqlValue::Null, 0, filter_value])?;
        let mut out = String::new();
        while let Some(r) = rows.next()? {
            out.push_str(r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?);
        }
        Ok(out)
    }

    /// Every id a list query selects, in order (no cursor, no limit): an
    /// export's scope. Reads only the sort index, and only the ids (not the
    /// sort values and keys [`Library::list`] carries for its cursor: a third
    /// of the cost at 100k works).
    pub fn list_all_ids(&self, q: &ListQuery) -> Result<Vec<i64>> {
        let q = ListQuery { after: None, ..q.clone() };
        let (sql, filter_value) = self.list_sql(&q, "id", TrashTest::In, Keyset::First);
        let mut st = self.conn.prepare_cached(&sql)?;
        let ids = st.query_map(rusqlite::params![i64::MAX, SqlValue::Null, 0, filter_value], |r| r.get(0))?;
        Ok(ids.collect::<rusqlite::Result<_>>()?)
    }

    pub fn list(&self, q: &ListQuery) -> Result<Page> {
        let columns = format!("id, {}, key", q.sort.column());
        let limit = q.limit.max(1) as i64;
        let map = |r: &rusqlite::Row| Ok((r.get::<_, i64>(0)?, r.get::<_, SqlValue>(1)?, r.get::<_, String>(2)?));
        let mut rows: Vec<(i64, SqlValue, String)> = Vec::new();
        // After a cursor: first the rest of the rows with the cursor's sort
        // value (one index seek on `(value, id)`), then those beyond it. One
        // row-value comparison `(value, id) > (?, ?)` seeks on the value only
        // and steps over every row tied with it: 730k works modified in one
        // bulk change made a page after one of them 30 ms (BENCHMARKS.md, issue 8).
        let parts: &[Keyset] = if q.after.is_some() { &[Keyset::Ties, Keyset::Beyond] } else { &[Keyset::First] };
        for part in parts {
            let want = limit - rows.len() as i64;
            if want == 0 {
                break;
            }
            let (sql, filter_value) = self.list_sql(q, &columns, TrashTest::Exists, *part);
            let mut st = self.conn.prepare_cached(&sql)?;
            let (after_value, after_id) = match &q.after {
                Some(c) => (c.value.clone(), c.id),
                None => (SqlValue::Null, 0),
            };
            let got = st.query_map(rusqlite::params![want, after_value, after_id, filter_value], map)?;
            for r in got {
                rows.push(r?);
            }
        }
        let next = (rows.len() as i64 == limit).then(|| {
            let (id, value, _) = rows.last().cloned().expect("a full page has a last row");
            Cursor { value, id }
        });
        let (ids, keys) = rows.into_iter().map(|(id, _, key)| (id, key)).unzip();
        Ok(Page { ids, keys, next })
    }

    /// The list query selecting `columns`, with its parameters ?1 limit, ?2/?3
    /// the cursor (NULL/0 for none), ?4 the collection or tag filter.
    fn list_sql(&self, q: &ListQuery, columns: &str, test: TrashTest, part: Keyset) -> (String, SqlValue) {
        let col = q.sort.column();
        let (cmp, dir) = if q.descending { ("<", "DESC") } else { (">", "ASC") };
        let trash = match (q.trash, test) {
            (true, _) => "AND EXISTS (SELECT 1 FROM trash t WHERE t.work_id = works.id)",
            (false, TrashTest::Exists) => "AND NOT EXISTS (SELECT 1 FROM trash t WHERE t.work_id = works.id)",
            (false, TrashTest::In) => "AND id NOT IN (SELECT work_id FROM trash)",
        };
        let keyset = match part {
            Keyset::First => "AND ?2 IS NULL AND ?3 = 0".to_string(),
            Keyset::Ties => format!("AND {col} = ?2 AND id {cmp} ?3"),
            Keyset::Beyond => format!("AND {col} {cmp} ?2 AND ?3 IS NOT NULL"),
        };
        let (filter, value) = match (&q.collection, &q.tag) {
            (Some(c), _) => ("AND id IN (SELECT work_id FROM collection_items WHERE collection_id = ?4)", SqlValue::Integer(*c)),
            (None, Some(t)) => (
                "AND id IN (SELECT wt.work_id FROM work_tags wt JOIN tags t ON t.id = wt.tag_id WHERE t.name = ?4)",
                SqlValue::Text(t.clone()),
            ),
            (None, None) => ("AND ?4 IS NULL", SqlValue::Null),
        };
        let sql = format!(
            "SELECT {columns} FROM works WHERE standalone = 1 {keyset} {filter} \
             {trash} \
             ORDER BY {col} {dir}, id {dir} LIMIT ?1"
        );
        (sql, value)
    }
}
