//! `ibid-bench run`: import, whole-process search and list, and the same
//! queries in process.
//!
//! Whole-process figures are wall times of `ibid` child processes, measured
//! from spawn until their output is read and they have exited; each command
//! runs once untimed first (warm page cache, as for a user who has just used
//! the library). In-process figures time `Library::search` and
//! `Library::list` on one open library. Percentiles are nearest-rank.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use ibid_core::store::{ListQuery, Sort};
use ibid_core::Library;
use serde_json::{json, Value};

use crate::generate;
use crate::stats::{fmt, fmt_bytes, table, Row, Stats, Target};

pub struct Options {
    pub works: usize,
    pub seed: u64,
    pub ibid: Option<PathBuf>,
    pub out: Option<PathBuf>,
    pub cli_reps: usize,
    pub inproc_reps: usize,
    pub reuse_library: bool,
    pub regenerate: bool,
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
            reuse_library: false,
            regenerate: false,
        }
    }
}

const SORTS: &[(&str, Sort)] = &[("title", Sort::Title), ("year", Sort::Year), ("added", Sort::Added), ("creator", Sort::Creator)];

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
    // The targets are for 100k works; above that the queries may take
    // up to twice as long, and the import scales linearly.
    let scale = if n > 100_000 { 2 } else { 1 };
    let import_target = Duration::from_secs_f64(10.0 * (n as f64 / 100_000.0).max(1.0));
    let cli_target = Target::Median(Duration::from_millis(50 * scale));
    let query_target = Target::P95(Duration::from_millis(5 * scale));

    let mut rows: Vec<Row> = Vec::new();
    let label = |n: usize| match n {
        _ if n >= 1_000_000 && n.is_multiple_of(1_000_000) => format!("{}M", n / 1_000_000),
        _ if n >= 1_000 && n.is_multiple_of(1_000) => format!("{}k", n / 1_000),
        _ => n.to_string(),
    };

    // 1. The data file.
    let data = out_dir.join(format!("works-{n}-seed{}.json", o.seed));
    if o.regenerate || !data.is_file() {
        eprintln!("generating {n} works…");
        generate_file(n, o.seed, &data)?;
    } else {
        eprintln!("reusing {}", data.display());
    }
    let data_s = data.to_string_lossy().into_owned();

    // 2. The import, as a whole process, into a fresh library.
    let lib_path = out_dir.join(format!("library-{n}.sqlite"));
    let lib_s = lib_path.to_string_lossy().into_owned();
    if o.reuse_library && lib_path.is_file() {
        eprintln!("reusing {} (no import timed)", lib_path.display());
    } else {
        for p in [lib_path.clone(), sidecar(&lib_path, "-wal"), sidecar(&lib_path, "-shm")] {
            if p.exists() {
                std::fs::remove_file(&p).map_err(|e| format!("cannot remove {}: {e}", p.display()))?;
            }
        }
        eprintln!("importing {} into {}…", data.display(), lib_path.display());
        let t = Instant::now();
        let out = Command::new(&bin)
            .args(["--library", &lib_s, "import", &data_s, "--json"])
            .env_remove("IBID_LOG")
            .output()
            .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
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
        rows.push(Row::timing(
            format!("`ibid import` of {} works (whole process)", label(n)),
            Stats::of(&[dt]),
            Some(added),
            Target::Median(import_target),
        ));
        rows.push(Row {
            what: "items imported without failure".into(),
            stats: None,
            count: None,
            value: Some(format!("{added} of {n}")),
            target: Target::Holds(failed.is_empty() && added == n),
        });
        if let Some(peak) = children_peak_rss() {
            rows.push(Row::info("`ibid import` peak RSS", fmt_bytes(peak)));
        }
        let (db, wal) = (file_size(&lib_path), file_size(&sidecar(&lib_path, "-wal")));
        rows.push(Row::info(
            "library file size (db + -wal) after import",
            format!("{} ({} + {})", fmt_bytes(db + wal), fmt_bytes(db), fmt_bytes(wal)),
        ));
    }

    // The cursor of the page that starts halfway down the title list.
    let middle_cursor = {
        let lib = Library::open(&lib_path).map_err(e2s)?;
        let count = lib.count().map_err(e2s)? as usize;
        if o.reuse_library && count != n {
            eprintln!("warning: the library holds {count} works, not {n}");
        }
        lib.list(&ListQuery { sort: Sort::Title, limit: (count / 2).max(1), ..ListQuery::default() })
            .map_err(e2s)?
            .next
    };

    let queries = queries(n);

    // 3. Whole-process search and list.
    if o.cli_reps > 0 {
        let reps = o.cli_reps;
        eprintln!("timing whole-process commands ({reps} runs each)…");
        let (s, _) = ibid_repeated(&bin, &["--version"], reps)?;
        rows.push(Row::timing("`ibid --version` (process floor, no library)", s, None, Target::None));
        for q in &queries {
            let (s, hits) = ibid_repeated(&bin, &["--library", &lib_s, "search", q, "--json"], reps)?;
            rows.push(Row::timing(format!("`ibid search \"{q}\" --json`"), s, hits, cli_target));
        }
        for (name, _) in SORTS {
            let (s, count) = ibid_repeated(&bin, &["--library", &lib_s, "list", "--sort", name, "--limit", "50", "--json"], reps)?;
            rows.push(Row::timing(format!("`ibid list --sort {name} --limit 50 --json`"), s, count, cli_target));
        }
        if let Some(c) = &middle_cursor {
            let cursor = c.encode();
            let (s, count) =
                ibid_repeated(&bin, &["--library", &lib_s, "list", "--sort", "title", "--limit", "50", "--after", &cursor, "--json"], reps)?;
            rows.push(Row::timing("`ibid list --sort title --limit 50 --after <middle> --json`", s, count, cli_target));
        }
    }

    // 4. The same queries in process.
    let reps = o.inproc_reps;
    eprintln!("timing in-process calls ({reps} each)…");
    let (s, _) = time_calls(20, || Library::open(&lib_path).map(drop).map_err(e2s))?;
    rows.push(Row::timing("`Library::open` (in process)", s, None, Target::None));
    let lib = Library::open(&lib_path).map_err(e2s)?;
    let mut sample_hits = Vec::new();
    for q in &queries {
        let (s, hits) = time_calls(reps, || lib.search(q, 50).map_err(e2s))?;
        if q == "sino sov" {
            sample_hits = hits.iter().map(|h| h.id).collect();
        }
        rows.push(Row::timing(format!("`lib.search(\"{q}\", 50)`"), s, Some(hits.len()), query_target));
    }
    for (name, sort) in SORTS {
        let q = ListQuery { sort: *sort, limit: 50, ..ListQuery::default() };
        let (s, page) = time_calls(reps, || lib.list(&q).map_err(e2s))?;
        rows.push(Row::timing(format!("`lib.list(sort {name}, limit 50)`"), s, Some(page.ids.len()), query_target));
    }
    if let Some(c) = &middle_cursor {
        let q = ListQuery { sort: Sort::Title, limit: 50, after: Some(c.clone()), ..ListQuery::default() };
        let (s, page) = time_calls(reps, || lib.list(&q).map_err(e2s))?;
        rows.push(Row::timing("`lib.list(sort title, limit 50, after <middle>)`", s, Some(page.ids.len()), query_target));
    }
    if !sample_hits.is_empty() {
        let (s, items) = time_calls(reps, || lib.csl_items(&sample_hits).map_err(e2s))?;
        rows.push(Row::timing("`lib.csl_items` of the 50 \"sino sov\" hits (what the CLI prints)", s, Some(items.len()), Target::None));
    }
    drop(lib);
    if let Some(peak) = own_peak_rss() {
        rows.push(Row::info("bench process peak RSS (in-process queries)", fmt_bytes(peak)));
    }

    // 5. Report.
    print!("{}", table(&rows));
    let results = json!({
        "works": n,
        "seed": o.seed,
        "unix_time": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
        "ibid": bin.to_string_lossy(),
        "rows": rows.iter().map(|r| json!({
            "what": r.what,
            "runs": r.stats.map(|s| s.runs),
            "p50_ms": r.stats.map(|s| s.p50.as_secs_f64() * 1e3),
            "p95_ms": r.stats.map(|s| s.p95.as_secs_f64() * 1e3),
            "max_ms": r.stats.map(|s| s.max.as_secs_f64() * 1e3),
            "count": r.count,
            "value": r.value,
            "pass": r.pass(),
        })).collect::<Vec<_>>(),
    });
    let results_path = out_dir.join(format!("results-{n}.json"));
    std::fs::write(&results_path, serde_json::to_string_pretty(&results).expect("JSON") + "\n")
        .map_err(|e| format!("cannot write {}: {e}", results_path.display()))?;
    eprintln!("results: {}", results_path.display());
    let failed = rows.iter().filter(|r| r.pass() == Some(false)).count();
    if failed > 0 {
        eprintln!("{failed} row(s) missed their target");
    }
    Ok(ExitCode::SUCCESS)
}
