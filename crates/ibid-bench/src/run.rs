//! `ibid-bench run`: the bench kit of issue 8 — one table of every target
//! it can measure here, each beside a peer where one runs here.
//!
//! In order: the data file (generated if missing) and its whole-process
//! `ibid import`; the generated tags, collections, notes and citations
//! applied through `Library::organize_bulk` (one transaction, timed on its
//! own); search in process for the typical queries and every keystroke
//! prefix of each, beside the LIKE floor (a plain SQLite table scanned with
//! `LIKE '%word%'`); `ibid search` and `ibid list` as whole processes; list
//! pages of every sort (first page both ways, keyset pages in the middle and
//! near the end); the sidebar's counts in process and through the API; `ibid
//! export` to CSL-JSON and BibTeX, and bibtexparser beside Ibid parsing that
//! BibTeX file; an APA bibliography beside citeproc-js; then the rows
//! measured elsewhere (duplicates, the desktop window: report.rs).
//!
//! Whole-process figures are wall times of `ibid` child processes, measured
//! from spawn until their output is read and they have exited; each command
//! runs once untimed first (warm page cache, as for a user who has just used
//! the library). In-process figures time `Library` calls on one open
//! library. Percentiles are nearest-rank.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use ibid_core::store::{ListQuery, Sort};
use ibid_core::Library;
use serde_json::{json, Value};

use crate::generate::{self, org::Kind};
use crate::report::{label, merge, placeholders, read_rows, table, Row, Unit};
use crate::stats::{fmt, fmt_bytes, Stats};

pub struct Options {
    pub works: usize,
    pub seed: u64,
    pub ibid: Option<PathBuf>,
    pub out: Option<PathBuf>,
    pub cli_reps: usize,
    pub inproc_reps: usize,
    /// Timed runs of each LIKE-floor query at most (and at most 2 s of them).
    pub like_reps: usize,
    pub export_reps: usize,
    pub reuse_library: bool,
    pub regenerate: bool,
    /// Keep the library afterwards (`--clean`: deleted at the end, with the data file).
    pub keep_library: bool,
    pub keep_exports: bool,
    pub python: String,
    /// bibtexparser runs only up to this many works.
    pub bibtexparser_max: usize,
    /// citeproc-js's bibliography: this many works (0: none).
    pub citeproc: usize,
    pub styles: PathBuf,
    pub node_dir: PathBuf,
    /// Rows measured elsewhere (report.rs).
    pub extra: Vec<PathBuf>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            works: 100_000,
            seed: 1,
            ibid: None,
            out: None,
            cli_reps: 20,
            inproc_reps: 200,
            like_reps: 20,
            export_reps: 3,
            reuse_library: false,
            regenerate: false,
            keep_library: true,
            keep_exports: false,
            python: "python3".into(),
            bibtexparser_max: 1_000_000,
            citeproc: 10_000,
            styles: PathBuf::from("../shared/fixtures/csl-styles"),
            node_dir: crate::render::default_node_dir(),
            extra: Vec::new(),
        }
    }
}

/// The queries timed: typical searches, a DOI that exists, and a title
/// prefix typed keystroke by keystroke ("sino sov" closes that sequence).
pub fn queries(works: usize) -> Vec<String> {
    let mut q: Vec<String> = ["sino sov", "cold war 1949", "heinzig", "muller"].iter().map(|s| s.to_string()).collect();
    let mut i = works / 2;
    while generate::doi_of(i).is_none() && i > 0 {
        i -= 1;
    }
    if let Some(doi) = generate::doi_of(i) {
        q.push(doi);
    }
    q.extend(["s", "si", "sin", "sino", "sino s", "sino so"].iter().map(|s| s.to_string()));
    q
}

/// Writes the data file atomically (a temp file renamed into place).
pub fn generate_file(works: usize, seed: u64, path: &Path) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let tmp = path.with_extension("json.partial");
    let t = Instant::now();
    let f = std::fs::File::create(&tmp).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    generate::write_json(works, seed, f).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot rename to {}: {e}", path.display()))?;
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    eprintln!("generated {works} works (seed {seed}) in {}: {} ({})", fmt(t.elapsed()), path.display(), fmt_bytes(size));
    Ok(())
}

/// The organisation sidecar of a data file (`FILE.org.json`: tags,
/// collections, notes, citations; see generate/org.rs).
pub fn generate_org_file(works: usize, seed: u64, path: &Path) -> Result<(), String> {
    let t = Instant::now();
    let org = generate::org::organization(&generate::org::kinds(works, seed), seed);
    let text = serde_json::to_string(&org.to_json()).expect("JSON");
    std::fs::write(path, text + "\n").map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let (tags, cols, notes, cites) = org.counts();
    eprintln!("organisation ({tags} tags on works, {cols} collection memberships, {notes} notes, {cites} citations) in {}: {}", fmt(t.elapsed()), path.display());
    Ok(())
}

fn default_out() -> PathBuf {
    // target/release/ibid-bench -> target/bench
    std::env::current_exe()
        .ok()
        .and_then(|e| e.parent()?.parent().map(|t| t.join("bench")))
        .unwrap_or_else(|| PathBuf::from("target/bench"))
}

fn default_ibid() -> PathBuf {
    std::env::current_exe()
        .map(|e| e.with_file_name(format!("ibid{}", std::env::consts::EXE_SUFFIX)))
        .unwrap_or_else(|_| PathBuf::from("ibid"))
}

fn file_size(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

fn sidecar(lib: &Path, suffix: &str) -> PathBuf {
    let mut s = lib.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Runs `ibid` once; returns its wall time and standard output.
fn ibid(bin: &Path, args: &[&str]) -> Result<(Duration, Vec<u8>), String> {
    let t = Instant::now();
    let out = Command::new(bin)
        .args(args)
        .env_remove("IBID_LOG")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    let dt = t.elapsed();
    if !out.status.success() {
        return Err(format!(
            "`ibid {}` failed ({}): {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).lines().take(5).collect::<Vec<_>>().join(" / ")
        ));
    }
    Ok((dt, out.stdout))
}

/// One untimed run, then `reps` timed ones. Returns the stats and the
/// number of items in the last run's JSON array output.
fn ibid_repeated(bin: &Path, args: &[&str], reps: usize) -> Result<(Stats, Option<usize>), String> {
    ibid(bin, args)?;
    let mut times = Vec::with_capacity(reps);
    let mut last = Vec::new();
    for _ in 0..reps {
        let (dt, out) = ibid(bin, args)?;
        times.push(dt);
        last = out;
    }
    let count = serde_json::from_slice::<Value>(&last).ok().and_then(|v| v.as_array().map(Vec::len));
    Ok((Stats::of(&times), count))
}

/// A few untimed calls, then `reps` timed ones; returns the last result.
fn time_calls<T>(reps: usize, mut f: impl FnMut() -> Result<T, String>) -> Result<(Stats, T), String> {
    for _ in 0..3 {
        f()?;
    }
    let mut times = Vec::with_capacity(reps);
    let mut last = None;
    for _ in 0..reps {
        let t = Instant::now();
        let r = f()?;
        times.push(t.elapsed());
        last = Some(r);
    }
    Ok((Stats::of(&times), last.expect("at least one call")))
}

/// Peak resident memory of this process (Linux: `VmHWM`).
fn own_peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Peak resident memory of the largest child waited for so far.
#[cfg(target_os = "linux")]
fn children_peak_rss() -> Option<u64> {
    let mut ru = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills in the rusage it is given a pointer to; the
    // zeroed value is a valid rusage either way.
    let ru = unsafe {
        if libc::getrusage(libc::RUSAGE_CHILDREN, ru.as_mut_ptr()) != 0 {
            return None;
        }
        ru.assume_init()
    };
    // Linux reports ru_maxrss in KiB.
    Some(ru.ru_maxrss as u64 * 1024)
}

#[cfg(not(target_os = "linux"))]
fn children_peak_rss() -> Option<u64> {
    None
}


fn e2s(e: ibid_core::Error) -> String {
    e.to_string()
}

/// The typical queries of issue 8: a title's words, words and a year, an
/// author (typed without diacritics, twice), a DOI that exists.
pub fn typical_queries(works: usize) -> Vec<String> {
    let mut q: Vec<String> = ["sino sov", "cold war 1949", "heinzig", "muller"].iter().map(|s| s.to_string()).collect();
    let mut i = works / 2;
    while generate::doi_of(i).is_none() && i > 0 {
        i -= 1;
    }
    q.extend(generate::doi_of(i));
    q
}

/// Every keystroke of typing `q`: "s", "si", …, "sino ", "sino s", …, `q`.
pub fn prefixes(q: &str) -> Vec<String> {
    q.char_indices().map(|(i, c)| q[..i + c.len_utf8()].to_string()).collect()
}

/// Calls `f` once untimed, then until `max_reps` calls or `budget` spent
/// (at least `min_reps`).
fn time_budget<T>(min_reps: usize, max_reps: usize, budget: Duration, mut f: impl FnMut() -> Result<T, String>) -> Result<(Stats, T), String> {
    f()?;
    let start = Instant::now();
    let mut times = Vec::new();
    let mut last = None;
    while times.len() < max_reps.max(1) && (times.len() < min_reps.max(1) || start.elapsed() < budget) {
        let t = Instant::now();
        last = Some(f()?);
        times.push(t.elapsed());
    }
    Ok((Stats::of(&times), last.expect("at least one call")))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The floor to beat for search: what a plain SQLite app would do — one
/// table of references (title, creators as one text, year, DOI), no index
/// but the primary key, and every query word as `LIKE '%word%'` over those
/// columns, the first 50 rows. Built from the library (untimed).
struct LikeFloor {
    conn: rusqlite::Connection,
}

impl LikeFloor {
    fn build(lib: &Path, path: &Path) -> Result<LikeFloor, String> {
        let _ = std::fs::remove_file(path);
        let conn = rusqlite::Connection::open(path).map_err(|e| e.to_string())?;
        conn.execute("ATTACH DATABASE ?1 AS lib", [lib.to_string_lossy()]).map_err(|e| e.to_string())?;
        conn.execute_batch(
            "CREATE TABLE refs (id INTEGER PRIMARY KEY, title TEXT, creators TEXT, year TEXT, doi TEXT);
             INSERT INTO refs SELECT w.id, w.title,
               (SELECT group_concat(trim(coalesce(c.given, '') || ' ' || coalesce(c.non_dropping_particle || ' ', '') || coalesce(c.family, c.literal, '')), '; ')
                  FROM lib.creators c WHERE c.work_id = w.id),
               json_extract(w.issued, '$.\"date-parts\"[0][0]'), w.doi
             FROM lib.works w WHERE w.standalone = 1;
             DETACH DATABASE lib;",
        )
        .map_err(|e| format!("cannot build the LIKE floor: {e}"))?;
        Ok(LikeFloor { conn })
    }

    fn search(&self, q: &str) -> Result<usize, String> {
        let words: Vec<String> = q.split_whitespace().map(|w| format!("%{w}%")).collect();
        if words.is_empty() {
            return Ok(0);
        }
        let clause: Vec<String> = (1..=words.len())
            .map(|i| format!("(title LIKE ?{i} OR creators LIKE ?{i} OR year LIKE ?{i} OR doi LIKE ?{i})"))
            .collect();
        let sql = format!("SELECT id FROM refs WHERE {} LIMIT 50", clause.join(" AND "));
        let mut st = self.conn.prepare_cached(&sql).map_err(|e| e.to_string())?;
        let ids = st
            .query_map(rusqlite::params_from_iter(words.iter()), |r| r.get::<_, i64>(0))
            .map_err(|e| e.to_string())?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        Ok(ids.len())
    }
}

fn machine() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split(':').nth(1)).map(|s| s.trim().to_string()));
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| s.lines().next().and_then(|l| l.split_whitespace().nth(1)).and_then(|k| k.parse::<u64>().ok()))
        .map(|kib| fmt_bytes(kib * 1024));
    json!({
        "nproc": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "cpu": cpu,
        "memory": mem,
    })
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" ")).unwrap_or_default()
}

fn commit() -> Option<String> {
    let out = Command::new("git").args(["rev-parse", "--short", "HEAD"]).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The targets of issue 8 are for 1M works; the volume ones (import,
/// file size, export) are scaled to the size measured, the latency ones
/// are not.
fn scaled(at_1m: f64, n: usize) -> f64 {
    at_1m * n as f64 / 1e6
}

struct Ctx<'a> {
    o: &'a Options,
    n: usize,
    bin: PathBuf,
    lib_path: PathBuf,
    out_dir: PathBuf,
}

impl Ctx<'_> {
    fn lib_s(&self) -> String {
        self.lib_path.to_string_lossy().into_owned()
    }
}

/// The data file and the timed whole-process import.
fn import_rows(c: &Ctx) -> Result<Vec<Row>, String> {
    let (o, n) = (c.o, c.n);
    let data = c.out_dir.join(format!("works-{n}-seed{}.json", o.seed));
    if o.regenerate || !data.is_file() {
        eprintln!("generating {n} works…");
        generate_file(n, o.seed, &data)?;
    } else {
        eprintln!("reusing {}", data.display());
    }
    let mut rows = Vec::new();
    if o.reuse_library && c.lib_path.is_file() {
        eprintln!("reusing {} (no import timed)", c.lib_path.display());
        rows.push(Row::new(format!("import {} CSL-JSON works (`ibid import`, whole process)", label(n)), Unit::Ms, "one run", None)
            .target(scaled(60_000.0, n))
            .note("not timed: --reuse-library"));
        return Ok(rows);
    }
    for p in [c.lib_path.clone(), sidecar(&c.lib_path, "-wal"), sidecar(&c.lib_path, "-shm")] {
        if p.exists() {
            std::fs::remove_file(&p).map_err(|e| format!("cannot remove {}: {e}", p.display()))?;
        }
    }
    eprintln!("importing {} into {}…", data.display(), c.lib_path.display());
    let t = Instant::now();
    let out = Command::new(&c.bin)
        .args(["--library", &c.lib_s(), "import", &data.to_string_lossy(), "--json"])
        .env_remove("IBID_LOG")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", c.bin.display()))?;
    let dt = t.elapsed();
    let summary: Value = serde_json::from_slice(&out.stdout).map_err(|_| {
        format!("`ibid import` failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr).lines().take(5).collect::<Vec<_>>().join(" / "))
    })?;
    let added = summary["added"].as_array().map_or(0, Vec::len);
    let failed = summary["failed"].as_array().cloned().unwrap_or_default();
    for f in failed.iter().take(5) {
        eprintln!("  not imported: {f}");
    }
    eprintln!("imported {added} works ({} failed) in {}", failed.len(), fmt(dt));
    let (db, wal) = (file_size(&c.lib_path), file_size(&sidecar(&c.lib_path, "-wal")));
    rows.push(
        Row::ms(format!("import {} CSL-JSON works (`ibid import`, whole process)", label(n)), "one run", ms(dt))
            .target(scaled(60_000.0, n))
            .note(format!(
                "{added} added; peak RSS {}; data file {}",
                children_peak_rss().map_or("?".into(), fmt_bytes),
                fmt_bytes(file_size(&data))
            )),
    );
    rows.push(Row::new("works not imported", Unit::Count, "value", Some((n - added.min(n)) as f64)).target(0.0).note(format!("{} failed", failed.len())));
    rows.push(
        Row::new("library file after the import (db + -wal)", Unit::Bytes, "value", Some((db + wal) as f64))
            .target(scaled(2e9, n))
            .note(format!("{} + {}", fmt_bytes(db), fmt_bytes(wal))),
    );
    Ok(rows)
}

/// Each generated item's row id, citation key and type, by item index
/// (the generator's `id` ends in `-i`).
pub fn items_of(lib: &Library, n: usize) -> Result<(Vec<i64>, Vec<String>, Vec<Kind>), String> {
    let mut ids = vec![0i64; n];
    let mut keys = vec![String::new(); n];
    let mut kinds = vec![Kind::Thesis; n];
    let mut st = lib
        .connection()
        .prepare("SELECT id, citation_key, type FROM works WHERE standalone = 1 AND citation_key IS NOT NULL")
        .map_err(|e| e.to_string())?;
    let rows = st
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))
        .map_err(|e| e.to_string())?;
    let mut found = 0;
    for row in rows {
        let (id, key, kind) = row.map_err(|e| e.to_string())?;
        let Some(i) = key.rsplit('-').next().and_then(|s| s.parse::<usize>().ok()).filter(|i| *i < n) else { continue };
        if ids[i] == 0 {
            found += 1;
        }
        (ids[i], keys[i], kinds[i]) = (id, key, Kind::of(&kind));
    }
    if found != n {
        return Err(format!("only {found} of the {n} generated works are in the library"));
    }
    Ok((ids, keys, kinds))
}

/// Tags, collections, notes and citations, applied in one transaction.
fn organize_rows(c: &Ctx) -> Result<Vec<Row>, String> {
    let mut lib = Library::open(&c.lib_path).map_err(e2s)?;
    if !lib.tags().map_err(e2s)?.is_empty() {
        eprintln!("the library already has tags: not organised again");
        return Ok(vec![Row::new("tags, collections, notes and citations applied", Unit::Ms, "one run", None).note("already applied (--reuse-library)")]);
    }
    eprintln!("organising: tags, collections, notes, citations…");
    let (ids, keys, kinds) = items_of(&lib, c.n)?;
    let t = Instant::now();
    let org = generate::org::organization(&kinds, c.o.seed);
    let bulk = org.bulk(&ids, &keys);
    let prepared = t.elapsed();
    let t = Instant::now();
    let s = lib.organize_bulk(&bulk).map_err(e2s)?;
    let dt = t.elapsed();
    drop(lib);
    eprintln!("organised in {} ({} tags, {} notes, {} citations; {} works reindexed)", fmt(dt), s.tags, s.notes, s.citations, s.reindexed);
    let (db, wal) = (file_size(&c.lib_path), file_size(&sidecar(&c.lib_path, "-wal")));
    Ok(vec![
        Row::ms("tags, collections, notes and citations applied (`Library::organize_bulk`, one transaction)", "one run", ms(dt)).note(format!(
            "{} tags on works ({} distinct), {} collections, {} memberships, {} notes, {} citations; {} works reindexed; generated in {}",
            s.tags,
            org.tags.len(),
            s.collections.len(),
            bulk.in_collections.len(),
            s.notes,
            s.citations,
            s.reindexed,
            fmt(prepared)
        )),
        Row::new("library file with tags, collections, notes and citations (db + -wal)", Unit::Bytes, "value", Some((db + wal) as f64))
            .target(scaled(2e9, c.n))
            .note(format!("{} + {}", fmt_bytes(db), fmt_bytes(wal))),
    ])
}

/// Search in process (typical queries and every keystroke prefix), beside
/// the LIKE floor; the per-prefix detail is returned as JSON.
fn search_rows(c: &Ctx, lib: &Library) -> Result<(Vec<Row>, Vec<Value>), String> {
    let floor_path = c.out_dir.join(format!("like-floor-{}.sqlite", c.n));
    eprintln!("building the LIKE floor table…");
    let floor = LikeFloor::build(&c.lib_path, &floor_path)?;
    let reps = c.o.inproc_reps;
    let like_budget = Duration::from_secs(2);
    let mut rows = Vec::new();
    let mut detail = Vec::new();
    for q in typical_queries(c.n) {
        eprintln!("search: {q:?} and its prefixes…");
        let mut worst: Option<(String, Stats)> = None;
        let mut worst_like: Option<(String, Stats)> = None;
        let mut full = None;
        for p in prefixes(&q) {
            let (s, hits) = time_calls(reps, || lib.search(&p, 50).map_err(e2s))?;
            let (ls, like_hits) = time_budget(3, c.o.like_reps, like_budget, || floor.search(&p))?;
            detail.push(json!({
                "query": q, "prefix": p, "hits": hits.len(), "p50_ms": ms(s.p50), "p95_ms": ms(s.p95), "max_ms": ms(s.max), "runs": s.runs,
                "like_hits": like_hits, "like_p50_ms": ms(ls.p50), "like_p95_ms": ms(ls.p95), "like_runs": ls.runs,
            }));
            if worst.as_ref().is_none_or(|(_, w)| s.p95 > w.p95) {
                worst = Some((p.clone(), s));
            }
            if worst_like.as_ref().is_none_or(|(_, w)| ls.p95 > w.p95) {
                worst_like = Some((p.clone(), ls));
            }
            if p == q {
                full = Some((s, hits.len(), ls, like_hits));
            }
        }
        let (s, hits, ls, like_hits) = full.expect("a query is its own last prefix");
        rows.push(
            Row::ms(format!("search in process: \"{q}\""), "p95", ms(s.p95))
                .peer("LIKE floor", ms(ls.p95))
                .target(10.0)
                .note(format!("median {}; {hits} hits (LIKE: {like_hits}, median {}, {} runs)", fmt(s.p50), fmt(ls.p50), ls.runs)),
        );
        let (wp, ws) = worst.expect("a prefix");
        let (lp, lws) = worst_like.expect("a prefix");
        rows.push(
            Row::ms(format!("search in process: every keystroke of \"{q}\" ({} prefixes), slowest", prefixes(&q).len()), "p95", ms(ws.p95))
                .peer("LIKE floor", ms(lws.p95))
                .target(10.0)
                .note(format!("slowest \"{wp}\"; LIKE slowest \"{lp}\"")),
        );
    }
    drop(floor);
    let _ = std::fs::remove_file(&floor_path);
    Ok((rows, detail))
}

/// `ibid search` and `ibid list`, whole process.
fn cli_rows(c: &Ctx) -> Result<Vec<Row>, String> {
    let reps = c.o.cli_reps;
    let mut rows = Vec::new();
    if reps == 0 {
        return Ok(rows);
    }
    eprintln!("whole-process commands ({reps} runs each)…");
    let (floor, _) = ibid_repeated(&c.bin, &["--version"], reps)?;
    rows.push(Row::ms("`ibid --version` (the process floor, no library)", "p95", ms(floor.p95)).note(format!("median {}", fmt(floor.p50))));
    let lib_s = c.lib_s();
    for q in typical_queries(c.n) {
        let (s, hits) = ibid_repeated(&c.bin, &["--library", &lib_s, "search", &q, "--json"], reps)?;
        rows.push(
            Row::ms(format!("`ibid search \"{q}\" --json` (whole process)"), "p95", ms(s.p95))
                .target(50.0)
                .note(format!("median {}; {} hits; {} runs", fmt(s.p50), hits.unwrap_or(0), s.runs)),
        );
    }
    let (s, _) = ibid_repeated(&c.bin, &["--library", &lib_s, "list", "--sort", "title", "--limit", "50", "--json"], reps)?;
    rows.push(Row::ms("`ibid list --sort title --limit 50 --json` (whole process)", "p95", ms(s.p95)).note(format!("median {}", fmt(s.p50))));
    Ok(rows)
}

const ALL_SORTS: &[(&str, Sort)] = &[
    ("title", Sort::Title),
    ("creator", Sort::Creator),
    ("year", Sort::Year),
    ("added", Sort::Added),
    ("modified", Sort::Modified),
    ("type", Sort::Type),
];

/// The item list in process: the first page of every sort both ways, and
/// keyset pages in the middle and near the end.
fn list_rows(c: &Ctx, lib: &Library) -> Result<Vec<Row>, String> {
    let reps = c.o.inproc_reps;
    let count = lib.count().map_err(e2s)? as usize;
    let mut rows = Vec::new();
    eprintln!("list pages…");
    for (name, sort) in ALL_SORTS {
        let mut first = Vec::new();
        for desc in [false, true] {
            let q = ListQuery { sort: *sort, descending: desc, limit: 50, ..ListQuery::default() };
            first.push(time_calls(reps, || lib.list(&q).map_err(e2s))?.0);
        }
        let worst = first.iter().map(|s| s.p95).max().expect("two");
        rows.push(
            Row::ms(format!("list first page, sort {name} (ascending and descending)"), "p95", ms(worst))
                .target(10.0)
                .note(format!("medians {} / {}", fmt(first[0].p50), fmt(first[1].p50))),
        );
        let mut keyset = Vec::new();
        for skip in [count / 2, count.saturating_sub(60)] {
            let q = ListQuery { sort: *sort, limit: skip.max(1), ..ListQuery::default() };
            let Some(cursor) = lib.list(&q).map_err(e2s)?.next else { continue };
            let q = ListQuery { sort: *sort, limit: 50, after: Some(cursor), ..ListQuery::default() };
            let (s, page) = time_calls(reps, || lib.list(&q).map_err(e2s))?;
            if page.ids.len() != 50 {
                eprintln!("warning: a keyset page of sort {name} after {skip} has {} rows", page.ids.len());
            }
            keyset.push(s);
        }
        if let Some(worst) = keyset.iter().map(|s| s.p95).max() {
            rows.push(
                Row::ms(format!("list keyset page, sort {name} (middle and near the end)"), "p95", ms(worst))
                    .target(10.0)
                    .note(format!("medians {}", keyset.iter().map(|s| fmt(s.p50)).collect::<Vec<_>>().join(" / "))),
            );
        }
    }
    Ok(rows)
}

/// The sidebar's counts: in process, and the three API commands the UI
/// calls on a refresh (ui/src/App.tsx: library_info, collections, tags).
fn sidebar_rows(c: &Ctx, lib: &Library) -> Result<Vec<Row>, String> {
    eprintln!("sidebar counts…");
    let (min, max, budget) = (5, c.o.inproc_reps.min(50), Duration::from_secs(5));
    let mut rows = Vec::new();
    let (s, tags) = time_budget(min, max, budget, || lib.tags().map_err(e2s))?;
    rows.push(Row::ms("sidebar: `lib.tags()` (every tag with its count)", "p95", ms(s.p95)).target(50.0).note(format!("median {}; {} tags", fmt(s.p50), tags.len())));
    let (s, cols) = time_budget(min, max, budget, || lib.collections().map_err(e2s))?;
    rows.push(
        Row::ms("sidebar: `lib.collections()` (every collection with its count)", "p95", ms(s.p95))
            .target(50.0)
            .note(format!("median {}; {} collections", fmt(s.p50), cols.len())),
    );
    let (s, _) = time_budget(min, max, budget, || lib.counts().map_err(e2s))?;
    rows.push(Row::ms("sidebar: `lib.counts()` (library and trash)", "p95", ms(s.p95)).target(50.0).note(format!("median {}", fmt(s.p50))));
    let api = ibid_api::Api::open(&c.lib_path).map_err(|e| e.message.clone())?;
    let (s, _) = time_budget(min, max, budget, || {
        for cmd in ["library_info", "collections", "tags"] {
            api.call(cmd, json!({})).map_err(|e| e.message.clone())?;
        }
        Ok(())
    })?;
    rows.push(
        Row::ms("sidebar: the API's `library_info` + `collections` + `tags` (a UI refresh)", "p95", ms(s.p95))
            .target(50.0)
            .note(format!("median {}; {} runs", fmt(s.p50), s.runs)),
    );
    Ok(rows)
}

/// `ibid export` to CSL-JSON and BibTeX, whole process; then bibtexparser
/// and Ibid parsing the same BibTeX file.
fn export_rows(c: &Ctx) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    let lib_s = c.lib_s();
    let reps = c.o.export_reps.max(1);
    let mut bib_file = None;
    for (format, ext) in [("csl-json", "json"), ("bibtex", "bib")] {
        let file = c.out_dir.join(format!("export-{}.{ext}", c.n));
        let file_s = file.to_string_lossy().into_owned();
        eprintln!("export to {format} ({reps} runs)…");
        let mut times = Vec::new();
        for _ in 0..reps {
            let (dt, _) = ibid(&c.bin, &["--library", &lib_s, "export", "--format", format, "-o", &file_s])?;
            times.push(dt);
        }
        let s = Stats::of(&times);
        rows.push(
            Row::ms(format!("export {} works to {format} (`ibid export -o`, whole process)", label(c.n)), if reps == 1 { "one run" } else { "median" }, ms(s.p50))
                .target(scaled(10_000.0, c.n))
                .note(format!("{} runs, max {}; {}", s.runs, fmt(s.max), fmt_bytes(file_size(&file)))),
        );
        if format == "bibtex" {
            bib_file = Some(file);
        } else if !c.o.keep_exports {
            let _ = std::fs::remove_file(&file);
        }
    }
    let bib = bib_file.expect("the BibTeX export");
    if c.n <= c.o.bibtexparser_max {
        eprintln!("parsing the BibTeX export: Ibid, then bibtexparser…");
        let text = std::fs::read_to_string(&bib).map_err(|e| e.to_string())?;
        let mut ours = Duration::MAX;
        let mut parsed = Vec::new();
        for _ in 0..3 {
            drop(parsed);
            let t = Instant::now();
            parsed = ibid_formats::bibtex::parse(&text);
            ours = ours.min(t.elapsed());
        }
        let ok = parsed.iter().filter(|r| r.is_ok()).count();
        drop(parsed);
        drop(text);
        match crate::bibtex::python_time(&c.o.python, &bib) {
            Ok((theirs, their_n)) => rows.push(
                Row::ms(format!("parse the BibTeX export of {} works (in process)", label(c.n)), "best of 3", ms(ours))
                    .peer(format!("bibtexparser {}", bibtexparser_version(&c.o.python)), theirs * 1e3)
                    .note(format!("Ibid {ok} entries, bibtexparser {their_n}")),
            ),
            Err(e) => {
                eprintln!("bibtexparser: {e}");
                rows.push(
                    Row::ms(format!("parse the BibTeX export of {} works (in process)", label(c.n)), "best of 3", ms(ours))
                        .note(format!("bibtexparser did not run: {}", e.lines().next().unwrap_or(""))),
                );
            }
        }
    }
    if !c.o.keep_exports {
        let _ = std::fs::remove_file(&bib);
    }
    Ok(rows)
}

fn bibtexparser_version(python: &str) -> String {
    Command::new(python)
        .args(["-c", "import bibtexparser; print(bibtexparser.__version__)"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

/// An APA bibliography: Ibid (cold cache, in process) and citeproc-js.
fn citeproc_rows(c: &Ctx, lib: &Library) -> Result<Vec<Row>, String> {
    let size = c.o.citeproc.min(c.n);
    if size == 0 {
        return Ok(Vec::new());
    }
    let style_path = c.o.styles.join("apa.csl");
    let Ok(style_xml) = std::fs::read_to_string(&style_path) else {
        eprintln!("no {}: the bibliography is not measured", style_path.display());
        return Ok(vec![Row::new(format!("APA bibliography of {} works", label(size)), Unit::Ms, "cold", None).note(format!("no {}", style_path.display()))]);
    };
    let locale = std::fs::read_to_string(c.o.styles.join("locales-en-US.xml")).map_err(|e| format!("locale: {e}"))?;
    let style = ibid_formats::render::style_from_xml(&style_path.display().to_string(), &style_xml).map_err(|e| e.to_string())?;
    let mut ids = lib.all_ids().map_err(e2s)?;
    ids.sort_unstable();
    ids.truncate(size);
    let items = lib.csl_items(&ids).map_err(e2s)?;
    eprintln!("APA bibliography of {} works: Ibid, then citeproc-js…", items.len());
    let mut cache = ibid_formats::render::RenderCache::new();
    let t = Instant::now();
    cache.bibliography(&items, &style, Some("en-US"), ibid_formats::render::Format::Text).map_err(|e| e.to_string())?;
    let ours = t.elapsed();
    drop(cache);
    let ro = crate::render::Options { sizes: vec![], citeproc: size, seed: c.o.seed, styles: c.o.styles.clone(), node_dir: c.o.node_dir.clone() };
    let row = Row::ms(format!("APA bibliography of {} works (in process, cold)", label(items.len())), "one run", ms(ours));
    Ok(vec![match crate::render::citeproc(&ro, &items, &style_xml, &locale) {
        Ok(cp) => row
            .peer(format!("citeproc-js (node {})", crate::render::node_version()), ms(cp.in_process))
            .note(format!("citeproc-js whole process {}, {} entries", fmt(cp.whole), cp.entries)),
        Err(e) => {
            eprintln!("citeproc-js: {e}");
            row.note(format!("citeproc-js did not run: {}", e.lines().next().unwrap_or("")))
        }
    }])
}

pub fn run(o: &Options) -> Result<ExitCode, String> {
    let n = o.works;
    let out_dir = o.out.clone().unwrap_or_else(default_out);
    std::fs::create_dir_all(&out_dir).map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    let bin = o.ibid.clone().unwrap_or_else(default_ibid);
    if !bin.is_file() {
        return Err(format!(
            "no ibid binary at {}: build it with `cargo build --release -p ibid-cli` or pass --ibid PATH",
            bin.display()
        ));
    }
    if bin.components().any(|c| c.as_os_str() == "debug") {
        eprintln!("warning: {} looks like a debug build; figures will not be representative", bin.display());
    }
    let load_start = load_average();
    let started = Instant::now();
    eprintln!("load average at the start: {load_start}");
    let lib_path = out_dir.join(format!("library-{n}.sqlite"));
    let c = Ctx { o, n, bin: bin.clone(), lib_path, out_dir: out_dir.clone() };

    let mut rows = import_rows(&c)?;
    rows.extend(organize_rows(&c)?);
    let (search, detail) = {
        let lib = Library::open(&c.lib_path).map_err(e2s)?;
        search_rows(&c, &lib)?
    };
    rows.extend(search);
    rows.extend(cli_rows(&c)?);
    {
        let lib = Library::open(&c.lib_path).map_err(e2s)?;
        rows.extend(list_rows(&c, &lib)?);
        rows.extend(sidebar_rows(&c, &lib)?);
    }
    rows.extend(export_rows(&c)?);
    {
        let lib = Library::open(&c.lib_path).map_err(e2s)?;
        rows.extend(citeproc_rows(&c, &lib)?);
    }
    if let Some(peak) = own_peak_rss() {
        rows.push(Row::new("bench process peak RSS (in-process measurements)", Unit::Bytes, "value", Some(peak as f64)));
    }
    rows.extend(placeholders(n));
    for f in &o.extra {
        let text = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
        merge(&mut rows, read_rows(&text).map_err(|e| format!("{}: {e}", f.display()))?);
    }
    let load_end = load_average();

    let results = json!({
        "works": n,
        "seed": o.seed,
        "commit": commit(),
        "unix_time": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
        "machine": machine(),
        "load_average_start": load_start,
        "load_average_end": load_end,
        "wall_s": started.elapsed().as_secs_f64(),
        "ibid": bin.to_string_lossy(),
        "rows": rows,
        "search_prefixes": detail,
    });
    print_results(&results)?;
    let results_path = out_dir.join(format!("kit-{n}.json"));
    std::fs::write(&results_path, serde_json::to_string_pretty(&results).expect("JSON") + "\n")
        .map_err(|e| format!("cannot write {}: {e}", results_path.display()))?;
    eprintln!("results: {}", results_path.display());
    if !o.keep_library {
        let data = out_dir.join(format!("works-{n}-seed{}.json", o.seed));
        for p in [c.lib_path.clone(), sidecar(&c.lib_path, "-wal"), sidecar(&c.lib_path, "-shm"), data] {
            let _ = std::fs::remove_file(p);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The table (and the keystroke detail) of a results file, with `extra` rows merged in.
pub fn print_results(results: &Value) -> Result<(), String> {
    let rows = read_rows(&results.to_string())?;
    let m = &results["machine"];
    println!(
        "{} works (seed {}), commit {}; {} cores, {}, {} RAM; load average {} at the start, {} at the end; {:.0} s in all\n",
        label(results["works"].as_u64().unwrap_or(0) as usize),
        results["seed"],
        results["commit"].as_str().unwrap_or("?"),
        m["nproc"],
        m["cpu"].as_str().unwrap_or("?"),
        m["memory"].as_str().unwrap_or("?"),
        results["load_average_start"].as_str().unwrap_or("?"),
        results["load_average_end"].as_str().unwrap_or("?"),
        results["wall_s"].as_f64().unwrap_or(0.0),
    );
    print!("{}", table(&rows));
    let missed: Vec<&str> = rows.iter().filter(|r| r.pass() == Some(false)).map(|r| r.measurement.as_str()).collect();
    println!("\n{} rows with a target: {} met, {} missed, {} not measured.", rows.iter().filter(|r| r.target.is_some()).count(),
        rows.iter().filter(|r| r.pass() == Some(true)).count(), missed.len(),
        rows.iter().filter(|r| r.target.is_some() && r.ibid.is_none()).count());
    if let Some(detail) = results["search_prefixes"].as_array().filter(|d| !d.is_empty()) {
        println!("\nEvery keystroke, in process (p95 of Ibid; the LIKE floor's p95):\n");
        println!("| prefix | hits | Ibid p50 | Ibid p95 | LIKE hits | LIKE p95 | ratio |\n|---|---:|---:|---:|---:|---:|---:|");
        for d in detail {
            let f = |k: &str| crate::report::value(Unit::Ms, d[k].as_f64().unwrap_or(0.0));
            let ratio = d["like_p95_ms"].as_f64().unwrap_or(0.0) / d["p95_ms"].as_f64().unwrap_or(1.0).max(1e-9);
            println!("| `{}` | {} | {} | {} | {} | {} | {ratio:.1}× |", d["prefix"].as_str().unwrap_or(""), d["hits"], f("p50_ms"), f("p95_ms"), d["like_hits"], f("like_p95_ms"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keystrokes_of_a_query() {
        assert_eq!(prefixes("sino sov"), ["s", "si", "sin", "sino", "sino ", "sino s", "sino so", "sino sov"]);
        assert_eq!(prefixes("mü"), ["m", "mü"]);
        assert_eq!(typical_queries(100_000).last().map(String::as_str), Some("10.5555/bench.50000"));
    }

    #[test]
    fn organised_library_and_like_floor() {
        let n = 400;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lib.sqlite");
        let mut json = Vec::new();
        generate::write_json(n, 5, &mut json).unwrap();
        let mut lib = Library::open(&path).unwrap();
        lib.import_csl_json(std::str::from_utf8(&json).unwrap()).unwrap();
        let (ids, keys, kinds) = items_of(&lib, n).unwrap();
        // The kinds read back from the library are the generator's.
        assert_eq!(kinds, generate::org::kinds(n, 5));
        let org = generate::org::organization(&kinds, 5);
        let s = lib.organize_bulk(&org.bulk(&ids, &keys)).unwrap();
        let (tags, _, notes, cites) = org.counts();
        assert_eq!((s.tags, s.notes, s.citations), (tags, notes, cites));
        // Every citation points at a work in the library.
        let dangling: i64 = lib
            .connection()
            .query_row("SELECT count(*) FROM citations c LEFT JOIN works w ON w.id = c.cited_id WHERE w.id IS NULL", [], |r| r.get(0))
            .unwrap();
        let stored: i64 = lib.connection().query_row("SELECT count(*) FROM citations", [], |r| r.get(0)).unwrap();
        assert_eq!((dangling, stored as usize), (0, cites));
        assert_eq!(lib.collections().unwrap().len(), org.collections.len());
        let floor = LikeFloor::build(&path, &dir.path().join("floor.sqlite")).unwrap();
        assert!(floor.search("sino sov").unwrap() > 0);
        assert_eq!(floor.search(&generate::doi_of(200).unwrap()).unwrap(), 1);
        assert_eq!(floor.search("").unwrap(), 0);
    }
}
