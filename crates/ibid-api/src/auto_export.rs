//! Auto-exports: BibTeX, BibLaTeX, CSL-JSON or RIS files kept in step with
//! the library. After every change (from the CLI, the desktop app or the
//! API) each one is refreshed: the works of its scope changed (or whose
//! container changed) since the last refresh started, and those new to it,
//! are rendered again; the rest come from the kept entries (spliced into the
//! old file by its kept layout when the order is the same), and the file is
//! replaced by rename, whole or not at all. Nothing changed: nothing is
//! written. Citation keys are assigned once and kept, so they are stable
//! across exports.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use ibid_core::export::replace_with;
use ibid_core::store::{AutoExport, Layout};
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

/// How a format's file is laid out around its entries: what `ibid export`
/// writes (a CSL-JSON array without entries is `[]`).
struct Shape {
    head: &'static str,
    sep: &'static str,
    foot: &'static str,
}

fn shape(format: &str) -> Shape {
    match format {
        "csl-json" => Shape { head: "[\n", sep: ",\n", foot: "\n]\n" },
        "ris" => Shape { head: "", sep: "", foot: "" },
        _ => Shape { head: "", sep: "\n", foot: "" },
    }
}

/// The file from its entries, in order, and each entry's bytes with the
/// separator after it (the layout a later refresh splices into).
fn assemble(format: &str, entries: &[&str]) -> (String, Vec<u64>) {
    if format == "csl-json" && entries.is_empty() {
        return ("[]\n".to_string(), Vec::new());
    }
    let sh = shape(format);
    let mut out = String::with_capacity(entries.iter().map(|e| e.len() + 2).sum::<usize>() + 8);
    out.push_str(sh.head);
    let mut lens = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        out.push_str(e);
        let sep = if i + 1 < entries.len() { sh.sep } else { "" };
        out.push_str(sep);
        lens.push((e.len() + sep.len()) as u64);
    }
    out.push_str(sh.foot);
    (out, lens)
}

/// The new file from the old one: unchanged entries copied from it (in the
/// kernel: `io::copy` between files uses copy_file_range), the fresh ones
/// written. `layout`: the old file's (id, bytes) in order, the same works in
/// the same order as now.
fn splice(new: &mut std::fs::File, old: &mut std::fs::File, format: &str, layout: &[(i64, u64)], fresh: &HashMap<i64, &str>) -> std::io::Result<Vec<u64>> {
    use std::io::{Read, Seek, SeekFrom, Write};
    let sh = shape(format);
    let mut lens = Vec::with_capacity(layout.len());
    let mut at = sh.head.len() as u64; // in the old file
    let mut run: Option<(u64, u64)> = None; // bytes of the old file to copy: (start, len)
    let copy = |new: &mut std::fs::File, old: &mut std::fs::File, run: &mut Option<(u64, u64)>| -> std::io::Result<()> {
        if let Some((start, len)) = run.take() {
            old.seek(SeekFrom::Start(start))?;
            let copied = std::io::copy(&mut old.take(len), new)?;
            if copied != len {
                return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "the old file is shorter than its layout"));
            }
        }
        Ok(())
    };
    new.write_all(sh.head.as_bytes())?;
    for (i, (id, len)) in layout.iter().enumerate() {
        match fresh.get(id) {
            Some(text) => {
                copy(new, old, &mut run)?;
                let sep = if i + 1 < layout.len() { sh.sep } else { "" };
                new.write_all(text.as_bytes())?;
                new.write_all(sep.as_bytes())?;
                lens.push((text.len() + sep.len()) as u64);
            }
            None => {
                run = Some(match run {
                    Some((start, l)) => (start, l + len),
                    None => (at, *len),
                });
                lens.push(*len);
            }
        }
        at += len;
    }
    copy(new, old, &mut run)?;
    new.write_all(sh.foot.as_bytes())?;
    Ok(lens)
}

fn is_bibtex(format: &str) -> bool {
    matches!(format, "bibtex" | "biblatex")
}

/// A BibTeX entry's key (`@type{key,`).
fn key_of(entry: &str) -> Option<&str> {
    entry.split_once('{').and_then(|(_, rest)| rest.split_once(',')).map(|(k, _)| k)
}

/// Whether two BibTeX entries share a key.
fn has_duplicate_key(entries: &[&str]) -> bool {
    let mut seen = HashSet::with_capacity(entries.len());
    entries.iter().filter_map(|e| key_of(e)).any(|k| !seen.insert(k))
}

/// The length of the file a layout describes (`None`: no layout).
fn layout_len(format: &str, layout: &[(i64, u64)]) -> Option<u64> {
    let sh = shape(format);
    (!layout.is_empty()).then(|| (sh.head.len() + sh.foot.len()) as u64 + layout.iter().map(|(_, len)| len).sum::<u64>())
}

/// How the new file is made.
enum Making {
    /// The old file with the fresh entries spliced in by its layout.
    Splice { layout: Vec<(i64, u64)> },
    /// The whole text, and each entry's bytes (empty: no layout kept).
    Whole { text: String, lens: Vec<u64> },
}

/// A refresh that has read what it needs from the library: writing the file
/// needs no library (the lock is not held while 70 MB are copied).
struct Planned {
    id: i64,
    path: String,
    format: String,
    started: i64,
    ids: Vec<i64>,
    fresh: Vec<(i64, String)>,
    gone: Vec<i64>,
    making: Making,
}

/// What a refresh found: nothing to write, or the file to write.
enum Plan {
    Unchanged(Refreshed),
    Write(Planned),
}

/// The first part of a refresh, on the library: what is stale, rendered.
fn plan(lib: &mut Library, ae: &AutoExport, force: bool) -> ibid_core::Result<Plan> {
    let started = ibid_core::store::clock_ms();
    let ids = lib.scope_ids(&ae.scope)?;
    // What the file holds: its layout (ids in order), if the file is still
    // the one it describes (its length; a file cut short by a crash, or
    // edited, is written whole again from the kept entries).
    let layout = lib.auto_export_layout(ae.id)?;
    let file_len = std::fs::metadata(&ae.path).ok().filter(|m| m.is_file()).map(|m| m.len());
    let layout_holds = file_len.is_some() && layout_len(&ae.format, &layout) == file_len;
    let file_ok = file_len.is_some() && (layout.is_empty() || layout_holds);
    // The same works in the same order as the file: the fresh entries are
    // spliced into it (a one-item change copies the rest in the kernel).
    let same_order = layout_holds && layout.len() == ids.len() && layout.iter().zip(&ids).all(|((a, _), b)| a == b);
    // Stale: new in the scope, or changed (or a container of it changed)
    // since the last refresh started. Never written: all of them.
    let changed = match ae.written_at {
        Some(since) if !force => Some(lib.works_changed_since(since)?),
        _ => None,
    };
    let is_changed = |id: &i64| changed.as_ref().is_none_or(|c| c.contains(id));
    let (stale_ids, gone): (Vec<i64>, Vec<i64>) = if same_order {
        (ids.iter().copied().filter(is_changed).collect(), Vec::new())
    } else {
        let kept: HashSet<i64> =
            if layout.is_empty() && !ids.is_empty() { lib.auto_export_kept(ae.id)? } else { layout.iter().map(|(id, _)| *id).collect() };
        let in_scope: HashSet<i64> = ids.iter().copied().collect();
        let gone = kept.iter().filter(|id| !in_scope.contains(id)).copied().collect();
        (ids.iter().copied().filter(|id| !kept.contains(id) || is_changed(id)).collect(), gone)
    };
    if !force && stale_ids.is_empty() && gone.is_empty() && file_ok {
        return Ok(Plan::Unchanged(Refreshed { path: ae.path.clone(), rendered: 0, entries: ids.len(), written: false }));
    }
    // The stale entries, rendered (keys assigned once and kept).
    let items = match ae.format.as_str() {
        f if is_bibtex(f) => {
            let generate = |item: &Map<String, Value>| citekey::generate(item, citekey::DEFAULT_PATTERN);
            lib.items_with_citation_keys(&stale_ids, &generate, &citekey::unique)?
        }
        _ => lib.csl_items(&stale_ids)?,
    };
    let mut fresh: Vec<(i64, String)> = Vec::with_capacity(items.len());
    for (id, item) in stale_ids.iter().zip(&items) {
        fresh.push((*id, entry(&ae.format, item)?));
    }
    // A fresh entry whose citation key another work also has (both imported
    // with it) may need telling apart: then not the splice.
    let mut collision = false;
    if is_bibtex(&ae.format) {
        for (_, t) in &fresh {
            if let Some(k) = key_of(t) {
                collision |= lib.citation_key_count(k)? > 1;
            }
        }
    }
    let making = if same_order && !collision {
        Making::Splice { layout }
    } else {
        let mut texts = if fresh.len() == ids.len() { HashMap::new() } else { lib.auto_export_texts(ae.id)? };
        for (id, text) in &fresh {
            texts.insert(*id, text.clone());
        }
        let ordered: Vec<&str> = ids.iter().filter_map(|id| texts.get(id).map(String::as_str)).collect();
        if is_bibtex(&ae.format) && has_duplicate_key(&ordered) {
            // Two works under one citation key (both imported with it): the
            // whole file is written as `ibid export` writes it, which tells
            // them apart ("…a"), and no layout is kept (the next refresh
            // writes the whole file again). Rare; the kept entries stay per work.
            let generate = |item: &Map<String, Value>| citekey::generate(item, citekey::DEFAULT_PATTERN);
            let all = lib.items_with_citation_keys(&ids, &generate, &citekey::unique)?;
            let text = bibtex::write(&all, &bibtex::BibOptions { biblatex: ae.format == "biblatex", unicode: true });
            Making::Whole { text, lens: Vec::new() }
        } else {
            let (text, lens) = assemble(&ae.format, &ordered);
            Making::Whole { text, lens }
        }
    };
    Ok(Plan::Write(Planned { id: ae.id, path: ae.path.clone(), format: ae.format.clone(), started, ids, fresh, gone, making }))
}

/// The second part, without the library: the file replaced (a temporary
/// file renamed over it; no fsync: an auto-export is written again from the
/// library whenever it is lost). The layout of what was written.
fn write(p: &Planned) -> ibid_core::Result<Vec<u64>> {
    let path = std::path::Path::new(&p.path);
    match &p.making {
        Making::Splice { layout } => {
            let fresh: HashMap<i64, &str> = p.fresh.iter().map(|(id, t)| (*id, t.as_str())).collect();
            let mut lens = Vec::new();
            replace_with(path, |new, old| {
                let old = old.ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "the file went"))?;
                lens = splice(new, old, &p.format, layout, &fresh)?;
                Ok(())
            })?;
            Ok(lens)
        }
        Making::Whole { text, lens } => {
            replace_with(path, |new, _| std::io::Write::write_all(new, text.as_bytes()))?;
            Ok(lens.clone())
        }
    }
}

/// The last part, on the library again: the refresh recorded.
fn record(lib: &mut Library, p: &Planned, lens: Vec<u64>) -> ibid_core::Result<Refreshed> {
    match &p.making {
        Making::Splice { layout } => {
            // The same works in the same order: only the lengths that changed.
            let changed: Vec<(usize, u64)> =
                layout.iter().zip(&lens).enumerate().filter(|(_, ((_, was), now))| was != *now).map(|(at, (_, now))| (at, *now)).collect();
            lib.auto_export_written(p.id, p.started, &p.fresh, &p.gone, Layout::Lengths(&changed), p.ids.len())?;
        }
        Making::Whole { .. } => {
            let layout: Vec<(i64, u64)> = if lens.len() == p.ids.len() { p.ids.iter().copied().zip(lens).collect() } else { Vec::new() };
            lib.auto_export_written(p.id, p.started, &p.fresh, &p.gone, Layout::Whole(&layout), p.ids.len())?;
        }
    }
    Ok(Refreshed { path: p.path.clone(), rendered: p.fresh.len(), entries: p.ids.len(), written: true })
}

/// Refreshes one auto-export; `force` writes the file even if nothing changed.
pub fn refresh(lib: &mut Library, ae: &AutoExport, force: bool) -> ibid_core::Result<Refreshed> {
    let p = match plan(lib, ae, force)? {
        Plan::Unchanged(r) => return Ok(r),
        Plan::Write(p) => p,
    };
    match write(&p) {
        Ok(lens) => record(lib, &p, lens),
        Err(e) => {
            let _ = lib.auto_export_failed(ae.id, &e.to_string());
            Err(e)
        }
    }
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

// ---- The commands: the desktop's Settings lists and removes auto-exports --

/// One auto-export as Settings shows it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct AutoExportDto {
    /// The file (absolute).
    pub path: String,
    /// `bibtex`, `biblatex`, `csl-json` or `ris`.
    pub format: String,
    /// Which works, as one line: "My Library", "Collection: Cold War/Korea",
    /// "Tag: to-read", "Search: sino soviet", "2 works: AB12CD34, EF56GH78",
    /// "Works cited by AB12CD34".
    pub scope: String,
    /// Works in the file at the last write (`None`: never written).
    pub entries: Option<i64>,
    /// When the last refresh that wrote it started, in unix milliseconds.
    pub written_at: Option<i64>,
    /// Why the last refresh failed (`None` once one succeeds).
    pub last_error: Option<String>,
}

/// `remove_auto_export`'s argument.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct AutoExportPath {
    /// The file, as `auto_exports` lists it.
    pub path: String,
}

/// `add_auto_export`'s argument.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct AddAutoExport {
    /// An absolute path (`~/` is the home folder).
    pub path: String,
    /// `bibtex`, `biblatex`, `csl-json` or `ris`.
    pub format: String,
    /// Which works (none: the whole library).
    #[serde(default)]
    pub scope: crate::ExportScope,
    /// Replace a file that exists (else the error `exists`).
    #[serde(default)]
    pub overwrite: bool,
}

/// A scope as one line a person reads.
fn scope_line(lib: &Library, scope: &ibid_core::store::Scope) -> String {
    use ibid_core::store::Scope;
    match scope {
        Scope::Library => "My Library".to_string(),
        Scope::Collection(c) => {
            // Stored as the key or the path given: shown as the path.
            let path = lib.collections().ok().and_then(|cols| cols.into_iter().find(|col| col.key == *c)).map(|col| col.path.join("/"));
            format!("Collection: {}", path.unwrap_or_else(|| c.clone()))
        }
        Scope::Tag(t) => format!("Tag: {t}"),
        Scope::Search(q) => format!("Search: {q}"),
        Scope::CitedBy(k) => format!("Works cited by {k}"),
        Scope::Keys(keys) => {
            let shown: Vec<&str> = keys.iter().take(3).map(String::as_str).collect();
            let more = if keys.len() > 3 { ", …" } else { "" };
            let noun = if keys.len() == 1 { "work" } else { "works" };
            format!("{} {noun}: {}{more}", keys.len(), shown.join(", "))
        }
    }
}

fn dto(lib: &Library, ae: AutoExport) -> AutoExportDto {
    AutoExportDto {
        scope: scope_line(lib, &ae.scope),
        path: ae.path,
        format: ae.format,
        entries: ae.entries,
        written_at: ae.written_at,
        last_error: ae.last_error,
    }
}

impl crate::Api {
    /// Every auto-export, oldest first, with when it was last written and
    /// the last refresh's error, if any.
    pub fn auto_exports(&self) -> crate::ApiResult<Vec<AutoExportDto>> {
        let lib = self.lib();
        let all = lib.auto_exports()?;
        Ok(all.into_iter().map(|ae| dto(&lib, ae)).collect())
    }

    /// Keeps a file in step with the library from now on (what `ibid
    /// auto-export add` does): written at once, then after every change. The
    /// file is the whole library's or a scope's, as `export` takes it. When
    /// that first write fails, nothing is kept (the error says why).
    pub fn add_auto_export(&self, args: AddAutoExport) -> crate::ApiResult<AutoExportDto> {
        let path = crate::formats::home_path(&args.path)?;
        let format = args.format.trim().to_ascii_lowercase();
        if !ibid_core::store::AUTO_EXPORT_FORMATS.contains(&format.as_str()) {
            return Err(crate::ApiError::new(
                "unknown_format",
                format!("an auto-export is one of {}, not {:?}", ibid_core::store::AUTO_EXPORT_FORMATS.join(", "), args.format),
            ));
        }
        if path.exists() && !args.overwrite {
            return Err(crate::ApiError::new("exists", format!("{} exists; replace it?", path.display())));
        }
        let scope = crate::formats::work_scope(&args.scope)?;
        let mut lib = self.lib();
        lib.scope_ids(&scope)?; // a scope that does not resolve is refused now, not at every change
        let path = path.display().to_string();
        let id = lib.add_auto_export(&path, &format, &scope)?;
        let ae = lib.auto_exports()?.into_iter().find(|a| a.id == id).ok_or_else(|| crate::ApiError::new("internal", "the auto-export went"))?;
        if let Err(e) = refresh(&mut lib, &ae, true) {
            let _ = lib.remove_auto_export(&path);
            return Err(e.into());
        }
        let ae = lib.auto_exports()?.into_iter().find(|a| a.id == id).ok_or_else(|| crate::ApiError::new("internal", "the auto-export went"))?;
        Ok(dto(&lib, ae))
    }

    /// Stops keeping a file in step (the file stays); the auto-exports left.
    /// `not_found` when no auto-export writes that path.
    pub fn remove_auto_export(&self, args: AutoExportPath) -> crate::ApiResult<Vec<AutoExportDto>> {
        self.lib().remove_auto_export(&args.path)?;
        self.auto_exports()
    }
}

/// [`refresh_all`] on a library other threads use too: the library is
/// locked to find what changed and render it, and to record the refresh,
/// but not while the file is written (at 100k works, copying the unchanged
/// 70 MB is most of a refresh). One caller at a time (the API's background
/// refresher): two refreshes of one file at once could record a layout the
/// file does not have.
pub(crate) fn refresh_all_shared(lib: &Mutex<Library>) -> Vec<Result<Refreshed, String>> {
    let locked = || lib.lock().unwrap_or_else(|p| p.into_inner());
    let all = match locked().auto_exports() {
        Ok(a) => a,
        Err(e) => return vec![Err(format!("cannot read the auto-exports: {e}"))],
    };
    all.iter()
        .map(|ae| {
            let planned = plan(&mut locked(), ae, false);
            let done = match planned {
                Ok(Plan::Unchanged(r)) => Ok(r),
                Ok(Plan::Write(p)) => write(&p).and_then(|lens| record(&mut locked(), &p, lens)),
                Err(e) => Err(e),
            };
            done.map_err(|e| {
                let message = format!("auto-export to {}: {e}", ae.path);
                let _ = locked().auto_export_failed(ae.id, &message);
                message
            })
        })
        .collect()
}
