//! `ibid-bench duplicates`: finding duplicates in a whole library, merging
//! every confident group at once, and undoing that merge (issue 8).
//!
//! Per size: the library `ibid-bench run` imported (`<bench dir>/library-N.sqlite`,
//! copied, never modified; opening migrates the copy), or a generated one
//! imported afresh when there is none. Then near-duplicates of a share of its
//! works are added (`--share`, default 2.5 %), each another record of a
//! work already there, in one of the ways libraries get them: the same DOI
//! with the title in capitals; the same title in other case and
//! punctuation with the diacritics of the creator's name dropped; the
//! subtitle dropped; the year off by one. The generator's output is not
//! changed: the duplicates are made from the imported records.

use std::path::PathBuf;
use std::time::Instant;

use ibid_core::store::{MergeGroup, OnDuplicate};
use ibid_core::Library;
use serde_json::Value;

pub struct Options {
    pub sizes: Vec<usize>,
    pub seed: u64,
    /// Percent of works that get a near-duplicate.
    pub share: f64,
    /// Where `ibid-bench run` keeps its libraries.
    pub dir: PathBuf,
}

/// CPU time (user + system) of the whole process so far: on a shared,
/// loaded machine the wall clock says more about the neighbours.
fn cpu_time() -> std::time::Duration {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: getrusage only writes the struct it is given.
        let mut u: libc::rusage = unsafe { std::mem::zeroed() };
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } == 0 {
            let tv = |t: libc::timeval| {
                std::time::Duration::from_secs(t.tv_sec as u64)
                    + std::time::Duration::from_micros(t.tv_usec as u64)
            };
            return tv(u.ru_utime) + tv(u.ru_stime);
        }
    }
    std::time::Duration::ZERO
}

fn ms(d: std::time::Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

/// Another record of the same work, made one of four ways.
fn near_duplicate(item: &mut serde_json::Map<String, Value>, way: usize) {
    item.remove("id");
    item.remove("citation-key");
    let title = item
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    match way {
        0 => {
            item.insert("title".into(), Value::String(title.to_uppercase()));
        }
        1 => {
            item.remove("DOI");
            let t: String = title
                .chars()
                .filter(|c| !matches!(c, ',' | ':' | '.' | '?' | '\''))
                .collect::<String>()
                .to_lowercase();
            item.insert("title".into(), Value::String(format!("{t}.")));
            if let Some(Value::Array(authors)) = item.get_mut("author") {
                if let Some(Value::Object(a)) = authors.first_mut() {
                    if let Some(Value::String(f)) = a.get("family") {
                        let folded = ibid_core::text::fold(f);
                        let mut cs = folded.chars();
                        let cap: String = cs
                            .next()
                            .map(|c| c.to_uppercase().chain(cs).collect())
                            .unwrap_or_default();
                        a.insert("family".into(), Value::String(cap));
                    }
                }
            }
        }
        2 => {
            item.remove("DOI");
            let short = title.split(':').next().unwrap_or(&title).trim().to_string();
            item.insert("title".into(), Value::String(short));
        }
        _ => {
            item.remove("DOI");
            if let Some(y) = item["issued"]["date-parts"][0][0].as_i64() {
                item.insert(
                    "issued".into(),
                    serde_json::json!({"date-parts": [[y + 1]]}),
                );
            }
        }
    }
}

/// `<target>/bench`, as `ibid-bench run` writes it.
pub fn default_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|e| e.parent()?.parent().map(|t| t.join("bench")))
        .unwrap_or_else(|| PathBuf::from("target/bench"))
}

pub fn run(o: &Options) -> Result<(), String> {
    let e = |e: ibid_core::Error| e.to_string();
    println!("| works (+ near-duplicates) | find: first (CPU) | find: again | groups | confident | merge all confident, one transaction (CPU) | works merged | undo (CPU) |");
    println!("|---|---|---|---|---|---|---|---|");
    for &n in &o.sizes {
        let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = tmp.path().join("library.sqlite");
        let source = o.dir.join(format!("library-{n}.sqlite"));
        if source.exists() {
            std::fs::copy(&source, &path)
                .map_err(|e| format!("cannot copy {}: {e}", source.display()))?;
        } else {
            eprintln!(
                "no {}: importing a generated library of {n} works",
                source.display()
            );
            let mut json = Vec::new();
            crate::generate::write_json(n, o.seed, &mut json).map_err(|e| e.to_string())?;
            let mut lib = Library::open(&path).map_err(e)?;
            lib.import_csl_json(std::str::from_utf8(&json).map_err(|e| e.to_string())?)
                .map_err(e)?;
        }
        let mut lib = Library::open(&path).map_err(e)?;
        // Near-duplicates of a share of the works, spread over the library.
        let ids = lib.all_ids().map_err(e)?;
        let mut rng = fastrand::Rng::with_seed(o.seed);
        let k = (ids.len() as f64 * o.share / 100.0).round() as usize;
        let mut picked: Vec<i64> = (0..k).map(|_| ids[rng.usize(..ids.len())]).collect();
        picked.sort_unstable();
        picked.dedup();
        let items = lib.csl_items(&picked).map_err(e)?;
        let mut dups = Vec::with_capacity(items.len());
        for (i, mut item) in items.into_iter().enumerate() {
            near_duplicate(&mut item, i % 4);
            dups.push(Value::Object(item));
        }
        let added = dups.len();
        let t = Instant::now();
        lib.import_csl_json_with(&Value::Array(dups).to_string(), OnDuplicate::Add)
            .map_err(e)?;
        eprintln!("{n}: added {added} near-duplicates in {}", ms(t.elapsed()));
        let total = lib.count().map_err(e)?;

        let (t, c) = (Instant::now(), cpu_time());
        let groups = lib.find_duplicates().map_err(e)?;
        let (first, first_cpu) = (t.elapsed(), cpu_time() - c);
        let t = Instant::now();
        let again = lib.find_duplicates().map_err(e)?;
        let second = t.elapsed();
        assert_eq!(groups.len(), again.len());
        let confident: Vec<MergeGroup> = groups
            .iter()
            .filter(|g| g.confident)
            .map(|g| MergeGroup {
                ids: g.ids.clone(),
                survivor: None,
            })
            .collect();
        let (t, c) = (Instant::now(), cpu_time());
        let merged = lib.merge_duplicates(&confident).map_err(e)?;
        let (merge, merge_cpu) = (t.elapsed(), cpu_time() - c);
        let (t, c) = (Instant::now(), cpu_time());
        let undone = lib.undo_merge(Some(merged.batch)).map_err(e)?;
        let (undo, undo_cpu) = (t.elapsed(), cpu_time() - c);
        assert_eq!(undone.restored, merged.merged);
        assert_eq!(lib.count().map_err(e)?, total);
        println!(
            "| {} ({added}) | {} | {} | {} | {} | {} | {} | {} |",
            total,
            format!("{} ({})", ms(first), ms(first_cpu)),
            ms(second),
            groups.len(),
            confident.len(),
            format!("{} ({})", ms(merge), ms(merge_cpu)),
            merged.merged,
            format!("{} ({})", ms(undo), ms(undo_cpu))
        );
    }
    Ok(())
}
