//! `ibid-sidebar-bench LIBRARY [--seed-org] [--reps N]`: times what the
//! window's sidebar asks for (`library_info`, `tags`, `collections`), the
//! list's first page for every sort and a keyset page, and a few searches,
//! in process, on an existing library (issue 8: ≤ 50 ms for the sidebar's
//! counts at 1M works).
//!
//! `--seed-org` first gives the library tags and collections with SQL (the
//! generated libraries have none): 200 tags, each standalone work drawing 6
//! times with probability ½ a tag from a Zipf-like spread (about 3 per work,
//! the first tags on a large share of the library); 100 nested collections
//! (10 at the top, 9 under each) holding 5% of the works each; 2,000 works in
//! the trash. Run it on a copy: it writes into the library.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use ibid_core::store::{ListQuery, Sort};
use ibid_core::Library;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SEED_SQL: &str = "
BEGIN;
INSERT INTO tags (name) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
  SELECT printf('tag %03d', i) FROM n;
CREATE TEMP TABLE slots AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 6) SELECT i FROM n;
INSERT OR IGNORE INTO work_tags (work_id, tag_id)
  SELECT work_id, 1 + CAST(200 * x * x * x AS INTEGER) FROM (
    SELECT w.id AS work_id, (abs(random()) % 1000000) / 1000000.0 AS x
    FROM works w CROSS JOIN temp.slots s WHERE w.standalone = 1 AND abs(random()) % 2 = 0
  );
INSERT INTO collections (key, name, parent_id) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10)
  SELECT printf('TOPC%04d', i), printf('Top %02d', i), NULL FROM n;
INSERT INTO collections (key, name, parent_id) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 90)
  SELECT printf('SUBC%04d', i), printf('Sub %02d', i), (SELECT id FROM collections WHERE key = printf('TOPC%04d', 1 + (i - 1) % 10)) FROM n;
INSERT INTO collection_items (collection_id, work_id)
  SELECT c.id, w.id FROM collections c CROSS JOIN works w WHERE w.standalone = 1 AND abs(random()) % 20 = 0;
INSERT OR IGNORE INTO trash (work_id, trashed_at)
  SELECT id, 0 FROM works WHERE standalone = 1 ORDER BY random() LIMIT 2000;
COMMIT;
";

fn main() {
    let mut args = std::env::args().skip(1);
    let mut path = None;
    let mut seed = false;
    let mut reps = 21usize;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seed-org" => seed = true,
            "--reps" => reps = args.next().and_then(|v| v.parse().ok()).expect("--reps N"),
            p => path = Some(PathBuf::from(p)),
        }
    }
    let path = path.expect("usage: ibid-sidebar-bench LIBRARY [--seed-org] [--reps N]");
    if seed {
        let lib = Library::open(&path).expect("open");
        let t = Instant::now();
        lib.connection().execute_batch(SEED_SQL).expect("seed");
        let q = |sql: &str| -> i64 { lib.connection().query_row(sql, [], |r| r.get(0)).unwrap() };
        eprintln!(
            "seeded in {:.1} s: {} tags, {} work_tags, {} collections, {} collection_items, {} trashed",
            t.elapsed().as_secs_f64(),
            q("SELECT count(*) FROM tags"),
            q("SELECT count(*) FROM work_tags"),
            q("SELECT count(*) FROM collections"),
            q("SELECT count(*) FROM collection_items"),
            q("SELECT count(*) FROM trash")
        );
    }
    let t = Instant::now();
    let api = ibid_api::Api::open(&path).expect("open api");
    eprintln!("Api::open {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    let lib = Library::open(&path).expect("open");
    let row = |what: &str, f: &mut dyn FnMut() -> usize| {
        let mut ds: Vec<Duration> = Vec::new();
        let mut n = 0;
        for _ in 0..reps {
            let t = Instant::now();
            n = f();
            ds.push(t.elapsed());
        }
        let first = ds[0];
        ds.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "| {what} | {n} | {:.2} ms | {:.3} ms | {:.3} ms | {:.3} ms |",
            ms(first),
            ms(ds[ds.len() / 2]),
            ms(ds[(ds.len() * 95).div_ceil(100) - 1]),
            ms(ds[ds.len() - 1])
        );
    };
    println!("| call | rows | first | median | p95 | max |\n|---|---:|---:|---:|---:|---:|");
    // Before issue 8: the queries `tags()`, `collections()` and `counts()`
    // ran until migration 0010 (counted from the membership rows).
    let conn = lib.connection();
    let old_tags = "SELECT t.name, count(*) FROM tags t JOIN work_tags wt ON wt.tag_id = t.id \
         WHERE NOT EXISTS (SELECT 1 FROM trash WHERE work_id = wt.work_id) GROUP BY t.id ORDER BY t.name";
    let old_cols = "WITH RECURSIVE tree(id, key, path, depth_path) AS ( \
           SELECT id, key, json_array(name), name FROM collections WHERE parent_id IS NULL \
           UNION ALL \
           SELECT c.id, c.key, json_insert(t.path, '$[#]', c.name), t.depth_path || char(31) || c.name \
           FROM collections c JOIN tree t ON c.parent_id = t.id) \
         SELECT t.key, t.path, (SELECT count(*) FROM collection_items ci WHERE ci.collection_id = t.id \
           AND NOT EXISTS (SELECT 1 FROM trash WHERE work_id = ci.work_id)) \
         FROM tree t ORDER BY t.depth_path";
    let old_count = "SELECT count(*) FROM works WHERE standalone = 1";
    for (what, sql) in [("before: tags query", old_tags), ("before: collections query", old_cols), ("before: counts query", old_count)] {
        let mut st = conn.prepare(sql).unwrap();
        let ncols = st.column_count();
        row(what, &mut || st.query_map([], |r| r.get::<_, i64>(ncols - 1)).unwrap().count());
    }
    row("`Library::tags()`", &mut || lib.tags().unwrap().len());
    row("`Library::collections()`", &mut || lib.collections().unwrap().len());
    row("`Library::counts()`", &mut || lib.counts().unwrap().0 as usize);
    row("api `library_info`", &mut || api.library_info().map(|i| i.count as usize).unwrap_or(0));
    row("api `tags`", &mut || api.tags().map(|t| t.len()).unwrap_or(0));
    row("api `collections`", &mut || api.collections().map(|t| t.len()).unwrap_or(0));
    for sort in ["title", "creator", "year", "added", "modified", "type"] {
        let q = ListQuery { sort: sort.parse::<Sort>().unwrap(), limit: 50, ..ListQuery::default() };
        row(&format!("`lib.list(sort {sort}, limit 50)`"), &mut || lib.list(&q).unwrap().ids.len());
    }
    let first = lib.list(&ListQuery { limit: 500_000, ..ListQuery::default() }).unwrap();
    let q = ListQuery { limit: 50, after: first.next.clone(), ..ListQuery::default() };
    row("`lib.list(sort title, limit 50, after <middle>)`", &mut || lib.list(&q).unwrap().ids.len());
    if let Some(c) = lib.collections().unwrap().first() {
        let id = lib.collection_by_key(&c.key).unwrap();
        let q = ListQuery { limit: 50, collection: Some(id), ..ListQuery::default() };
        row("`lib.list(collection, limit 50)`", &mut || lib.list(&q).unwrap().ids.len());
    }
    for s in ["sino sov", "cold war 1949", "heinzig", "muller", "s", "sino so"] {
        row(&format!("`lib.search({s:?}, 50)`"), &mut || lib.search(s, 50).unwrap().len());
    }
}
