//! `ibid-bench auto-export`: an auto-exported BibTeX file of a whole library
//! at growing sizes, refreshed after a one-item change, in process (what
//! `ibid` and the desktop app run after each change).
//!
//! Per size: a generated library (`generate.rs`) imported into a fresh file;
//! `auto-export add` (the first, full write); then `reps` times: edit one
//! work (a different one each time) and refresh (`refresh_all`: the scope,
//! the stamps, one entry rendered, the file written atomically); and a
//! refresh with nothing changed; the floor (the whole file copied into a
//! temporary file renamed over it). Then the same edits through `Api::call`:
//! the answer, and the answer plus `flush_auto_exports` (the file written).
//!
//! `--keep DIR` keeps each size's library and file in DIR and uses them
//! again when there (no import, no first write): for profiling the refresh.

use std::time::{Duration, Instant};

use ibid_core::store::Scope;
use ibid_core::Library;

use crate::stats::fmt;

pub struct Options {
    pub sizes: Vec<usize>,
    pub seed: u64,
    pub reps: usize,
    /// Keep (and reuse) the libraries and files here.
    pub keep: Option<std::path::PathBuf>,
    /// Between one refresh and the next edit (at least 2 ms: a refresh
    /// re-renders what changed in the millisecond it started in again).
    pub pause: Duration,
}

/// CPU time (user + system) of the whole process so far: every thread's,
/// so work a refresh hands to another thread is counted too.
fn cpu_time() -> Duration {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: getrusage only writes the struct it is given.
        let mut u: libc::rusage = unsafe { std::mem::zeroed() };
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } == 0 {
            let tv = |t: libc::timeval| Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64);
            return tv(u.ru_utime) + tv(u.ru_stime);
        }
    }
    Duration::ZERO
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

pub fn run(o: &Options) -> Result<(), String> {
    let e = |e: ibid_core::Error| e.to_string();
    println!("| works | first write (whole file) | one-item change: refresh median | p95 | CPU median | entries rendered per change | nothing changed: refresh | copy + rename floor median | file |");
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut api_rows = Vec::new();
    for &n in &o.sizes {
        let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
        let dir = o.keep.clone().unwrap_or_else(|| tmp.path().to_path_buf());
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let lib_path = dir.join(format!("library-{n}.sqlite"));
        let file = dir.join(format!("library-{n}.bib"));
        let path = file.to_str().ok_or("temp path not UTF-8")?.to_string();
        let reuse = o.keep.is_some() && lib_path.exists() && file.exists();
        let mut lib = Library::open(&lib_path).map_err(e)?;
        let first = if reuse && lib.auto_exports().map_err(e)?.iter().any(|a| a.path == path) {
            None
        } else {
            if lib.all_ids().map_err(e)?.is_empty() {
                let mut json = Vec::new();
                crate::generate::write_json(n, o.seed, &mut json).map_err(|e| e.to_string())?;
                let works = ibid_core::csl::parse_document(std::str::from_utf8(&json).map_err(|e| e.to_string())?).map_err(e)?;
                lib.import_sized(works, n).map_err(e)?;
            }
            let t = Instant::now();
            let id = lib.add_auto_export(&path, "bibtex", &Scope::Library).map_err(e)?;
            let ae = lib.auto_exports().map_err(e)?.into_iter().find(|a| a.id == id).ok_or("the auto-export went")?;
            let first = ibid_api::auto_export::refresh(&mut lib, &ae, true).map_err(e)?;
            Some((t.elapsed(), first.entries))
        };

        let ids = lib.all_ids().map_err(e)?;
        let mut times = Vec::with_capacity(o.reps);
        let mut cpu = Vec::with_capacity(o.reps);
        let mut rendered = Vec::with_capacity(o.reps);
        for i in 0..o.reps {
            let id = ids[(i * 7919) % ids.len()];
            // Not in the millisecond the last refresh started in (a refresh
            // re-renders what changed at or after its predecessor started).
            std::thread::sleep(o.pause.max(Duration::from_millis(2)));
            lib.edit(id, &[("note".to_string(), format!("edited {i} ({:?})", std::time::SystemTime::now()))]).map_err(e)?;
            let (t, c) = (Instant::now(), cpu_time());
            let r = ibid_api::auto_export::refresh_all(&mut lib);
            times.push(t.elapsed());
            cpu.push(cpu_time().saturating_sub(c));
            let r = r.into_iter().next().ok_or("no auto-export")??;
            // The work, and the chapters of a book that was edited.
            if r.rendered == 0 || r.rendered > 50 || !r.written {
                return Err(format!("a one-item change rendered {} entries (written: {})", r.rendered, r.written));
            }
            rendered.push(r.rendered);
        }
        times.sort();
        cpu.sort();
        // Not in the millisecond the last refresh started in either (that
        // refresh's edit would count as a change again).
        std::thread::sleep(Duration::from_millis(2));
        let t = Instant::now();
        let idle = ibid_api::auto_export::refresh_all(&mut lib);
        let idle_time = t.elapsed();
        if idle.iter().any(|r| r.as_ref().map_or(true, |r| r.written)) {
            return Err("a refresh with nothing changed wrote the file".into());
        }
        let size = std::fs::metadata(&file).map_err(|e| e.to_string())?.len();

        // The floor of a splice: the whole file copied in the kernel into a
        // temporary file renamed over it (the same `replace_with`), no SQL,
        // no entry. The file stays the same bytes.
        let mut floor = Vec::with_capacity(o.reps);
        for _ in 0..o.reps {
            let t = Instant::now();
            ibid_core::export::replace_with(&file, |new, old| {
                let old = old.ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "the file went"))?;
                std::io::copy(old, new).map(|_| ())
            })
            .map_err(e)?;
            floor.push(t.elapsed());
        }
        floor.sort();

        // Through the API, as the desktop app and `ibid serve` run an edit:
        // its answer (the refresh follows on the API's thread), and the
        // answer plus the wait until the file is written (`flush`).
        let keys: Vec<String> = (0..o.reps).map(|i| lib.key_of(ids[(i * 7919 + 17) % ids.len()])).collect::<Result<_, _>>().map_err(e)?;
        drop(lib);
        let api = ibid_api::Api::open(&lib_path).map_err(|e| e.message)?;
        let (mut answers, mut current) = (Vec::with_capacity(o.reps), Vec::with_capacity(o.reps));
        let mut last_note = String::new();
        for key in &keys {
            std::thread::sleep(o.pause.max(Duration::from_millis(2)));
            let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
            last_note = format!("edited through the API at {nanos}");
            let t = Instant::now();
            api.call("update_field", serde_json::json!({ "key": key, "field": "note", "value": last_note })).map_err(|e| e.message)?;
            answers.push(t.elapsed());
            api.flush_auto_exports();
            current.push(t.elapsed());
        }
        let counts = api.auto_export_counts();
        drop(api);
        if counts.refreshed != o.reps as u64 || !std::fs::read_to_string(&file).map_err(|e| e.to_string())?.contains(&last_note) {
            return Err(format!("the API's refreshes did not follow the edits: {counts:?}"));
        }
        answers.sort();
        current.sort();
        api_rows.push(format!(
            "| {} | {} | {} | {} | {} |",
            n,
            fmt(percentile(&answers, 0.5)),
            fmt(percentile(&answers, 0.95)),
            fmt(percentile(&current, 0.5)),
            fmt(percentile(&current, 0.95))
        ));
        println!(
            "| {} | {} | {} | {} | {} | {}–{} | {} | {} | {:.1} MB |",
            n,
            first.map_or("(kept from before)".to_string(), |(t, entries)| format!("{} ({entries} entries)", fmt(t))),
            fmt(percentile(&times, 0.5)),
            fmt(percentile(&times, 0.95)),
            fmt(percentile(&cpu, 0.5)),
            rendered.iter().min().unwrap_or(&0),
            rendered.iter().max().unwrap_or(&0),
            fmt(idle_time),
            fmt(percentile(&floor, 0.5)),
            size as f64 / 1e6
        );
    }
    println!();
    println!("| works | an edit through Api::call: answer median | p95 | answer + file written (flush_auto_exports) median | p95 |");
    println!("|---|---|---|---|---|");
    for row in api_rows {
        println!("{row}");
    }
    Ok(())
}
