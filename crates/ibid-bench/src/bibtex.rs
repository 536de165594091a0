//! `ibid-bench bibtex`: BibTeX import against Python's bibtexparser v2, in
//! one run on the same files; the whole `ibid import` of 100k entries; and
//! BibTeX export of 100k works.
//!
//! The 100k file is kwarc.bib's entries repeated with fresh keys (and a
//! number in each title, so they are not duplicates of each other).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

pub struct Options {
    pub kwarc: PathBuf,
    pub entries: usize,
    pub ibid: PathBuf,
    pub python: String,
}

/// kwarc.bib's entries, repeated with new keys and numbered titles, to `n` entries.
fn scaled(kwarc: &str, n: usize) -> String {
    let mut out = String::with_capacity(kwarc.len() * (n / 7000 + 1));
    let entries: Vec<&str> = kwarc.split("\n@").collect();
    let mut count = 0;
    let mut round = 0;
    'outer: loop {
        for (i, e) in entries.iter().enumerate() {
            let e = if i == 0 { e.trim_start_matches('@') } else { e };
            let lower = e.to_ascii_lowercase();
            if lower.starts_with("string") || lower.starts_with("comment") || lower.starts_with("preamble") {
                if round == 0 {
                    out.push_str("\n@");
                    out.push_str(e);
                }
                continue;
            }
            let Some(brace) = e.find(['{', '(']) else { continue };
            let Some(comma) = e[brace..].find(',') else { continue };
            let key_end = brace + comma;
            out.push_str("\n@");
            out.push_str(&e[..brace + 1]);
            out.push_str(&format!("r{round}x{i}"));
            let rest = &e[key_end..];
            // Number the title so repeated entries are distinct works.
            match rest.to_ascii_lowercase().find("title") {
                Some(t) if round > 0 => {
                    let open = rest[t..].find(['{', '"']).map(|o| t + o + 1).unwrap_or(t);
                    out.push_str(&rest[..open]);
                    out.push_str(&format!("{round} "));
                    out.push_str(&rest[open..]);
                }
                _ => out.push_str(rest),
            }
            count += 1;
            if count >= n {
                break 'outer;
            }
        }
        round += 1;
    }
    out.push('\n');
    out
}

fn python_time(python: &str, file: &Path) -> Result<(f64, usize), String> {
    let script = "import sys, time, bibtexparser\n\
        t = time.perf_counter()\n\
        lib = bibtexparser.parse_file(sys.argv[1])\n\
        print(time.perf_counter() - t, len(lib.entries))\n";
    let out = Command::new(python).args(["-c", script, &file.to_string_lossy()]).output().map_err(|e| format!("cannot run {python}: {e}"))?;
    if !out.status.success() {
        return Err(format!("bibtexparser failed (pip install --pre 'bibtexparser>=2'): {}", String::from_utf8_lossy(&out.stderr)));
    }
    let s = String::from_utf8_lossy(&out.stdout);
    let mut it = s.split_whitespace();
    let secs: f64 = it.next().and_then(|x| x.parse().ok()).ok_or("no time from python")?;
    let n: usize = it.next().and_then(|x| x.parse().ok()).unwrap_or(0);
    Ok((secs, n))
}

pub fn run(o: &Options) -> Result<(), String> {
    let kwarc = std::fs::read_to_string(&o.kwarc).map_err(|e| format!("{}: {e}", o.kwarc.display()))?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let big = dir.path().join(format!("scaled-{}.bib", o.entries));
    std::fs::write(&big, scaled(&kwarc, o.entries)).map_err(|e| e.to_string())?;
    println!("| file | entries | Ibid parse | bibtexparser 2 | speed-up | `ibid import` (whole process) | BibTeX export |");
    println!("|---|---|---|---|---|---|---|");
    for file in [o.kwarc.clone(), big.clone()] {
        let text = std::fs::read_to_string(&file).map_err(|e| e.to_string())?;
        let t = Instant::now();
        let parsed = ibid_formats::bibtex::parse(&text);
        let ours = t.elapsed().as_secs_f64();
        let ok = parsed.iter().filter(|r| r.is_ok()).count();
        let (theirs, their_n) = python_time(&o.python, &file)?;
        // The whole import: a fresh library, database and search index included.
        let lib = dir.path().join("import.sqlite");
        let _ = std::fs::remove_file(&lib);
        let t = Instant::now();
        let st = Command::new(&o.ibid).arg("--library").arg(&lib).arg("import").arg(&file).output().map_err(|e| e.to_string())?;
        let import = t.elapsed().as_secs_f64();
        if st.stdout.is_empty() {
            return Err(format!("ibid import failed: {}", String::from_utf8_lossy(&st.stderr)));
        }
        // Export of the imported works to BibTeX, in process.
        let l = ibid_core::Library::open(&lib).map_err(|e| e.to_string())?;
        let ids = l.all_ids().map_err(|e| e.to_string())?;
        let items = l.csl_items(&ids).map_err(|e| e.to_string())?;
        drop(l);
        let t = Instant::now();
        let out = ibid_formats::bibtex::write(&items, &ibid_formats::bibtex::BibOptions { biblatex: false, unicode: true });
        let export = t.elapsed().as_secs_f64();
        println!(
            "| {} | {} ({} ok; bibtexparser {}) | {:.2} s | {:.2} s | {:.1}× | {:.2} s | {:.2} s ({} works, {:.1} MB) |",
            file.file_name().unwrap().to_string_lossy(),
            parsed.len(),
            ok,
            their_n,
            ours,
            theirs,
            theirs / ours,
            import,
            export,
            items.len(),
            out.len() as f64 / 1e6
        );
    }
    Ok(())
}
