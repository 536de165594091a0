//! `ibid-bench render`: an APA bibliography, Ibid against citeproc-js
//! (npm `citeproc`, Zotero's engine) on the same items and style XML in one
//! run, and Ibid alone at growing sizes.
//!
//! Items: one generated library (`generate.rs`) of the largest size,
//! imported into a fresh library and exported as flat CSL-JSON
//! (`Library::csl_items`, what `ibid export` renders); the smaller sizes are
//! its first N items. Style and locale: ../shared/fixtures/csl-styles
//! (`apa.csl`, `locales-en-US.xml`), read by both engines.
//!
//! Ibid: `RenderCache::bibliography` in process, cold (a new cache) and
//! warm (the same call again on that cache: what a re-export costs), and
//! the process's peak resident memory after each size. citeproc-js: `node
//! tests/citeproc/citeproc.js render`, in-process time of a fresh engine
//! registering every item and writing the bibliography (what the node
//! script measures), and the whole node process.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use ibid_core::store::Scope;
use ibid_core::Library;
use ibid_formats::render::{self, Format, RenderCache};
use serde_json::{json, Map, Value};

use crate::stats::{fmt, fmt_bytes};

pub struct Options {
    /// Ibid's sizes; the largest is generated.
    pub sizes: Vec<usize>,
    /// The size citeproc-js renders beside Ibid (0: none).
    pub citeproc: usize,
    pub seed: u64,
    /// ../shared/fixtures/csl-styles
    pub styles: PathBuf,
    /// tests/citeproc (with node_modules)
    pub node_dir: PathBuf,
}

fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn items(n: usize, seed: u64) -> Result<Vec<Map<String, Value>>, String> {
    let t = Instant::now();
    let mut json = Vec::new();
    crate::generate::write_json(n, seed, &mut json).map_err(|e| e.to_string())?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut lib = Library::open(dir.path().join("render.sqlite")).map_err(|e| e.to_string())?;
    let works = ibid_core::csl::parse_document(std::str::from_utf8(&json).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    lib.import_sized(works, n).map_err(|e| e.to_string())?;
    let ids = lib.scope_ids(&Scope::Library).map_err(|e| e.to_string())?;
    // Generation order (the scope's order is by creator, which would hand
    // the sort a sorted list).
    let mut ids = ids;
    ids.sort_unstable();
    let items = lib.csl_items(&ids).map_err(|e| e.to_string())?;
    eprintln!("generated and imported {} works in {}", items.len(), fmt(t.elapsed()));
    Ok(items)
}

pub(crate) struct Citeproc {
    pub(crate) in_process: Duration,
    pub(crate) whole: Duration,
    pub(crate) entries: usize,
}

pub(crate) fn citeproc(o: &Options, items: &[Map<String, Value>], style: &str, locale: &str) -> Result<Citeproc, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let req = dir.path().join("request.json");
    let body = json!({"locale": locale, "styles": [{"name": "apa", "xml": style}], "items": items});
    std::fs::write(&req, body.to_string()).map_err(|e| e.to_string())?;
    // node runs in the folder: a relative --node-dir would be resolved twice.
    let script = std::path::absolute(o.node_dir.join("citeproc.js")).map_err(|e| format!("--node-dir {}: {e}", o.node_dir.display()))?;
    let t = Instant::now();
    let out = Command::new("node")
        .arg(&script)
        .arg("render")
        .arg(&req)
        .current_dir(&o.node_dir)
        .output()
        .map_err(|e| format!("cannot run node: {e}"))?;
    let whole = t.elapsed();
    if !out.status.success() {
        return Err(format!("citeproc.js failed (npm ci in {}?): {}", o.node_dir.display(), String::from_utf8_lossy(&out.stderr)));
    }
    let v: Value = serde_json::from_slice(&out.stdout).map_err(|e| format!("citeproc.js answered no JSON: {e}"))?;
    let s = &v["styles"][0];
    let ms = s["ms"][0].as_f64().unwrap_or(0.0);
    Ok(Citeproc { in_process: Duration::from_secs_f64(ms / 1000.0), whole, entries: s["entries"].as_array().map_or(0, Vec::len) })
}

pub fn run(o: &Options) -> Result<(), String> {
    let style_path = o.styles.join("apa.csl");
    let style_xml = std::fs::read_to_string(&style_path).map_err(|e| format!("{}: {e}", style_path.display()))?;
    let locale = std::fs::read_to_string(o.styles.join("locales-en-US.xml")).map_err(|e| format!("locale: {e}"))?;
    let style = render::style_from_xml(&style_path.display().to_string(), &style_xml).map_err(|e| e.to_string())?;
    let largest = o.sizes.iter().copied().chain([o.citeproc]).max().unwrap_or(0);
    let all = items(largest, o.seed)?;
    let mut rows: Vec<String> = Vec::new();
    let mut ibid_at: Vec<(usize, Duration)> = Vec::new();
    let mut sizes = o.sizes.clone();
    sizes.sort_unstable();
    sizes.dedup();
    for &n in &sizes {
        let part = &all[..n.min(all.len())];
        let mut cache = RenderCache::new();
        let t = Instant::now();
        let out = cache.bibliography(part, &style, Some("en-US"), Format::Text).map_err(|e| e.to_string())?;
        let cold = t.elapsed();
        let t = Instant::now();
        let again = cache.bibliography(part, &style, Some("en-US"), Format::Text).map_err(|e| e.to_string())?;
        let warm = t.elapsed();
        assert_eq!(out, again, "a warm render must print what the cold one did");
        let rss = peak_rss().map(fmt_bytes).unwrap_or_else(|| "?".into());
        eprintln!("Ibid {n}: cold {}, warm {}, peak RSS {rss}", fmt(cold), fmt(warm));
        rows.push(format!("| Ibid (`RenderCache::bibliography`) | {} | {} | {} | {rss} |", part.len(), fmt(cold), fmt(warm)));
        ibid_at.push((part.len(), cold));
    }
    if o.citeproc > 0 {
        let part = &all[..o.citeproc.min(all.len())];
        let c = citeproc(o, part, &style_xml, &locale)?;
        eprintln!("citeproc-js {}: {} in process, {} whole process ({} entries)", part.len(), fmt(c.in_process), fmt(c.whole), c.entries);
        rows.push(format!("| citeproc-js 2.4.63 (node {}) | {} | {} in process | {} whole process | |", node_version(), part.len(), fmt(c.in_process), fmt(c.whole)));
        if let Some((_, ibid)) = ibid_at.iter().find(|(n, _)| *n == part.len()) {
            let ratio = c.in_process.as_secs_f64() / ibid.as_secs_f64().max(1e-9);
            rows.push(format!("| **speed-up at {}** (citeproc-js in process / Ibid cold; target ≥ 10×) | | **{ratio:.1}×** | | |", part.len()));
        }
    }
    println!("| engine | items | cold | warm (same cache) | peak RSS |\n|---|---|---|---|---|");
    for r in rows {
        println!("{r}");
    }
    Ok(())
}

pub(crate) fn node_version() -> String {
    Command::new("node").arg("--version").output().ok().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).unwrap_or_default()
}

/// tests/citeproc beside the repository root, found from this binary
/// (target/release/ibid-bench) or the working directory.
pub fn default_node_dir() -> PathBuf {
    let here = std::env::current_dir().unwrap_or_default();
    for base in [Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."), here] {
        let d = base.join("tests/citeproc");
        if d.join("citeproc.js").is_file() {
            return d;
        }
    }
    PathBuf::from("tests/citeproc")
}
