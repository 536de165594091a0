//! `ibid-bench auto-export`: an auto-exported BibTeX file of a whole library
//! at growing sizes, refreshed after a one-item change, in process (what
//! `ibid` and the desktop app run after each change).
//!
//! Per size: a generated library (`generate.rs`) imported into a fresh file;
//! `auto-export add` (the first, full write); then `reps` times: edit one
//! work (a different one each time) and refresh (`refresh_all`: the scope,
//! the stamps, one entry rendered, the file written atomically); and a
//! refresh with nothing changed.

use std::time::{Duration, Instant};

use ibid_core::store::Scope;
use ibid_core::Library;

use crate::stats::fmt;

pub struct Options {
    pub sizes: Vec<usize>,
    pub seed: u64,
    pub reps: usize,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

pub fn run(o: &Options) -> Result<(), String> {
    let e = |e: ibid_core::Error| e.to_string();
    println!("| works | first write (whole file) | one-item change: refresh median | p95 | entries rendered per change | nothing changed: refresh | file |");
    println!("|---|---|---|---|---|---|---|");
    for &n in &o.sizes {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mut json = Vec::new();
        crate::generate::write_json(n, o.seed, &mut json).map_err(|e| e.to_string())?;
        let mut lib = Library::open(dir.path().join("lib.sqlite")).map_err(e)?;
        let works = ibid_core::csl::parse_document(std::str::from_utf8(&json).map_err(|e| e.to_string())?).map_err(e)?;
        lib.import_sized(works, n).map_err(e)?;
        let file = dir.path().join("library.bib");
        let path = file.to_str().ok_or("temp path not UTF-8")?;

        let t = Instant::now();
        let id = lib.add_auto_export(path, "bibtex", &Scope::Library).map_err(e)?;
        let ae = lib.auto_exports().map_err(e)?.into_iter().find(|a| a.id == id).ok_or("the auto-export went")?;
        let first = ibid_api::auto_export::refresh(&mut lib, &ae, true).map_err(e)?;
        let first_time = t.elapsed();

        let ids = lib.all_ids().map_err(e)?;
        let mut times = Vec::with_capacity(o.reps);
        let mut rendered = Vec::with_capacity(o.reps);
        for i in 0..o.reps {
            let id = ids[(i * 7919) % ids.len()];
            // Not in the millisecond the last refresh started in (a refresh
            // re-renders what changed at or after its predecessor started).
            std::thread::sleep(Duration::from_millis(2));
            lib.edit(id, &[("note".to_string(), format!("edited {i}"))]).map_err(e)?;
            let t = Instant::now();
            let r = ibid_api::auto_export::refresh_all(&mut lib);
            times.push(t.elapsed());
            let r = r.into_iter().next().ok_or("no auto-export")??;
            // The work, and the chapters of a book that was edited.
            if r.rendered == 0 || r.rendered > 50 || !r.written {
                return Err(format!("a one-item change rendered {} entries (written: {})", r.rendered, r.written));
            }
            rendered.push(r.rendered);
        }
        times.sort();
        let t = Instant::now();
        let idle = ibid_api::auto_export::refresh_all(&mut lib);
        let idle_time = t.elapsed();
        if idle.iter().any(|r| r.as_ref().map_or(true, |r| r.written)) {
            return Err("a refresh with nothing changed wrote the file".into());
        }
        let size = std::fs::metadata(&file).map_err(|e| e.to_string())?.len();
        println!(
            "| {} | {} ({} entries) | {} | {} | {}–{} | {} | {:.1} MB |",
            n,
            fmt(first_time),
            first.entries,
            fmt(percentile(&times, 0.5)),
            fmt(percentile(&times, 0.95)),
            rendered.iter().min().unwrap_or(&0),
            rendered.iter().max().unwrap_or(&0),
            fmt(idle_time),
            size as f64 / 1e6
        );
    }
    Ok(())
}
