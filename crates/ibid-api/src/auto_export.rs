//! Auto-exports: BibTeX, BibLaTeX, CSL-JSON or RIS files kept in step with
//! the library. After every change (from the CLI, the desktop app or the
//! API) each one is refreshed: the works of its scope whose stamp (their
//! version and their containers') differs from the kept entry's are rendered
//! again, the rest come from the kept entries, and the file is written
//! atomically (a temporary file, then rename). Nothing changed: nothing is
//! written. Citation keys are assigned once and kept, so they are stable
//! across exports.

use std::collections::HashSet;

use ibid_core::export::write_atomic;
use ibid_core::store::AutoExport;
use ibid_core::Library;
use ibid_formats::{bibtex, citekey, ris};
use serde_json::{Map, Value};

/// What one refresh did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refreshed {
    pub path: String,
    /// Entries rendered anew.
    pub rendered: usize,
    /// Entries in the file.
    pub entries: usize,
    /// Whether the file was written (nothing changed: it was not).
    pub written: bool,
}

/// One work's entry in `format`.
fn entry(format: &str, item: &Map<String, Value>) -> ibid_core::Result<String> {
    Ok(match format {
        "bibtex" | "biblatex" => bibtex::write(std::slice::from_ref(item), &bibtex::BibOptions { biblatex: format == "biblatex", unicode: true }),
        "ris" => ris::write(std::slice::from_ref(item)),
        "csl-json" => {
            // As one element of a pretty-printed array: indented by two.
            let one = serde_json::to_string_pretty(&[item])?;
            one.strip_prefix("[\n").and_then(|s| s.strip_suffix("\n]")).unwrap_or(&one).to_string()
        }
        other => return Err(ibid_core::Error::invalid(format!("not an auto-export format: {other}"))),
    })
}

/// The file from its entries, in order: what `ibid export` writes.
fn assemble(format: &str, entries: &[&str]) -> String {
    match format {
        "csl-json" if entries.is_empty() => "[]\n".to_string(),
        "csl-json" => format!("[\n{}\n]\n", entries.join(",\n")),
        "ris" => entries.concat(),
        _ => entries.join("\n"),
    }
}

fn is_bibtex(format: &str) -> bool {
    matches!(format, "bibtex" | "biblatex")
}

/// Whether two BibTeX entries share a key (`@type{key,`).
fn has_duplicate_key(entries: &[&str]) -> bool {
    let mut seen = HashSet::with_capacity(entries.len());
    entries.iter().filter_map(|e| e.split_once('{').and_then(|(_, rest)| rest.split_once(',')).map(|(k, _)| k)).any(|k| !seen.insert(k))
}

/// Refreshes one auto-export; `force` writes the file even if nothing changed.
pub fn refresh(lib: &mut Library, ae: &AutoExport, force: bool) -> ibid_core::Result<Refreshed> {
    let ids = lib.scope_ids(&ae.scope)?;
    let stamps = lib.work_stamps(&ids)?;
    let kept = lib.auto_export_stamps(ae.id)?;
    let in_scope: HashSet<i64> = ids.iter().copied().collect();
    let gone: Vec<i64> = kept.keys().filter(|id| !in_scope.contains(id)).copied().collect();
    let stale: Vec<(i64, String)> =
        ids.iter().zip(&stamps).filter(|(id, s)| kept.get(id) != Some(*s)).map(|(id, s)| (*id, s.clone())).collect();
    let file_there = std::path::Path::new(&ae.path).exists();
    if !force && stale.is_empty() && gone.is_empty() && file_there {
        return Ok(Refreshed { path: ae.path.clone(), rendered: 0, entries: ids.len(), written: false });
    }
    // The stale entries, rendered (keys assigned once and kept).
    let stale_ids: Vec<i64> = stale.iter().map(|(id, _)| *id).collect();
    let items = match ae.format.as_str() {
        f if is_bibtex(f) => {
            let generate = |item: &Map<String, Value>| citekey::generate(item, citekey::DEFAULT_PATTERN);
            lib.items_with_citation_keys(&stale_ids, &generate, &citekey::unique)?
        }
        _ => lib.csl_items(&stale_ids)?,
    };
    let mut fresh: Vec<(i64, String, String)> = Vec::with_capacity(items.len());
    for ((id, stamp), item) in stale.into_iter().zip(&items) {
        fresh.push((id, stamp, entry(&ae.format, item)?));
    }
    // The file, in scope order: kept entries and fresh ones.
    let mut texts = if fresh.len() == ids.len() { Default::default() } else { lib.auto_export_texts(ae.id)? };
    for (id, _, text) in &fresh {
        texts.insert(*id, text.clone());
    }
    let ordered: Vec<&str> = ids.iter().filter_map(|id| texts.get(id).map(String::as_str)).collect();
    let out = if is_bibtex(&ae.format) && has_duplicate_key(&ordered) {
        // Two works under one citation key (both imported with it): the
        // whole file is written as `ibid export` writes it, which tells
        // them apart ("…a"). Rare; the kept entries stay per work.
        let generate = |item: &Map<String, Value>| citekey::generate(item, citekey::DEFAULT_PATTERN);
        let all = lib.items_with_citation_keys(&ids, &generate, &citekey::unique)?;
        bibtex::write(&all, &bibtex::BibOptions { biblatex: ae.format == "biblatex", unicode: true })
    } else {
        assemble(&ae.format, &ordered)
    };
    if let Err(e) = write_atomic(std::path::Path::new(&ae.path), out.as_bytes()) {
        let _ = lib.auto_export_failed(ae.id, &e.to_string());
        return Err(e);
    }
    lib.auto_export_written(ae.id, &fresh, &gone, ids.len())?;
    Ok(Refreshed { path: ae.path.clone(), rendered: fresh.len(), entries: ids.len(), written: true })
}

/// Refreshes every auto-export; each one's outcome (an error is also kept
/// with the auto-export, for `ls` and the desktop's settings).
pub fn refresh_all(lib: &mut Library) -> Vec<Result<Refreshed, String>> {
    let all = match lib.auto_exports() {
        Ok(a) => a,
        Err(e) => return vec![Err(format!("cannot read the auto-exports: {e}"))],
    };
    all.iter()
        .map(|ae| {
            refresh(lib, ae, false).map_err(|e| {
                let message = format!("auto-export to {}: {e}", ae.path);
                let _ = lib.auto_export_failed(ae.id, &message);
                message
            })
        })
        .collect()
}
