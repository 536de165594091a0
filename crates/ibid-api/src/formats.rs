//! Files and bibliographies: `styles`, `export`, `save_export`,
//! `format_citation`, `import_text`, `undo_import`. Glue over `ibid-formats` and the core,
//! the same as the CLI's `ibid import` / `ibid export` (crates/ibid-cli/src/formats.rs).
//!
//! Rendering runs outside the library lock: the items are read under it,
//! then the lock is released before a style renders them, so a long export
//! does not stall the list.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use ibid_core::store::Scope as WorkScope;
use ibid_core::{export, Library, Work};
use ibid_formats::export::{write_works, write_works_to_file, FileFormat};
use ibid_formats::{bibtex, citekey, keycite, render, ris};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{Api, ApiError, ApiResult, ImportFailure, ImportResult, ImportUndone, KeysArgs};

pub const IMPORT_FORMATS: [&str; 4] = ["bibtex", "biblatex", "ris", "csl-json"];
pub const EXPORT_FORMATS: [&str; 8] = ["csl-json", "bibtex", "biblatex", "ris", "text", "html", "markdown", "rtf"];
pub const DEFAULT_STYLE: &str = "apa";
pub const DEFAULT_KEY_PATTERN: &str = "[auth:lower][year][shorttitle:1:nopunct:lower]";

/// Renders of at most this many items share the API's render cache (the
/// export dialog's preview re-renders the same few items in style after
/// style); larger ones get a cache of their own, dropped afterwards, so a
/// whole-library export does not stay in memory.
const SHARED_CACHE_MAX: usize = 1000;

// ---- DTOs ----------------------------------------------------------------

/// Which works an export covers: at most one of these; none = the whole
/// library (not the trash, not containers or cited-only records).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ExportScope {
    /// These works, in this order.
    pub keys: Option<Vec<String>>,
    /// A collection's key or path (`Cold War/Korea`).
    pub collection: Option<String>,
    pub tag: Option<String>,
    /// The works a search finds, best match first.
    pub search: Option<String>,
    /// What one work (by key) cites, in the order first cited.
    pub cited_by: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StyleDto {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StyleList {
    /// Sorted by id.
    pub styles: Vec<StyleDto>,
    /// `en-US`, `de-DE`…, sorted.
    pub locales: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExportArgs {
    #[serde(default)]
    pub scope: ExportScope,
    /// One of [`EXPORT_FORMATS`].
    pub format: String,
    /// A style id (default `apa`) or the path of a `.csl` file; for text,
    /// html, markdown and rtf.
    #[serde(default)]
    pub style: Option<String>,
    /// Default: the style's.
    #[serde(default)]
    pub locale: Option<String>,
    /// BibTeX/BibLaTeX: LaTeX accents (`{\'e}`) instead of UTF-8.
    #[serde(default)]
    pub latex: bool,
    /// Only the first `limit` works of the scope (a preview).
    #[serde(default)]
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Exported {
    /// The file's text. HTML: entries escaped by the renderer (the UI still
    /// sanitizes before showing it).
    pub text: String,
    /// Works in the scope.
    pub count: usize,
    /// Works in `text` (`count`, or fewer with a `limit`).
    pub shown: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SaveExport {
    /// An absolute path (`~/` is the home folder).
    pub path: String,
    /// Replace a file that exists (else the error `exists`).
    #[serde(default)]
    pub overwrite: bool,
    #[serde(flatten)]
    pub export: ExportArgs,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Saved {
    pub path: String,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CitationArgs {
    /// Works by key (or DOI), in citation order.
    pub keys: Vec<String>,
    #[serde(default)]
    pub style: Option<String>,
    #[serde(default)]
    pub locale: Option<String>,
    /// `citation` (one citation of all the works: `(Shen, 2020; Xia, 2021)`)
    /// or `bibliography` (their entries, in the style's order).
    #[serde(default = "default_kind")]
    pub kind: String,
    /// `text` or `html` (also `markdown`, `rtf`), or by citation key:
    /// `pandoc` (`[@key]`), `latex` (`\cite{key}`), `typst` (`@key`).
    #[serde(default = "default_text")]
    pub format: String,
}

fn default_kind() -> String {
    "citation".into()
}
fn default_text() -> String {
    "text".into()
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Formatted {
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ImportFile {
    /// The file's text (the UI reads the file).
    pub text: String,
    /// `bibtex`, `biblatex`, `ris` or `csl-json`; default: sniffed from the
    /// text (and failing that, the name's extension).
    #[serde(default)]
    pub format: Option<String>,
    /// The file's name, for messages and the extension.
    #[serde(default)]
    pub name: Option<String>,
}

// ---- State ---------------------------------------------------------------

/// Loaded styles and rendered entries, kept between calls.
#[derive(Default)]
pub(crate) struct FormatState {
    styles: Mutex<HashMap<String, render::Style>>,
    cache: Mutex<render::RenderCache>,
}

fn render_err(e: render::RenderError) -> ApiError {
    ApiError::new(e.code(), e.to_string())
}

fn bad_file(name: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError::new("bad_file", format!("{name}: {message}"))
}

fn style_ids() -> &'static [(String, String)] {
    static STYLES: OnceLock<Vec<(String, String)>> = OnceLock::new();
    STYLES.get_or_init(render::list_styles)
}

/// `None` for a missing or blank option.
fn given(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

pub use ibid_formats::sniff;

pub(crate) fn work_scope(s: &ExportScope) -> ApiResult<WorkScope> {
    let mut picked: Vec<WorkScope> = Vec::new();
    if let Some(k) = &s.keys {
        picked.push(WorkScope::Keys(k.clone()));
    }
    if let Some(c) = given(&s.collection) {
        picked.push(WorkScope::Collection(c.to_string()));
    }
    if let Some(t) = given(&s.tag) {
        picked.push(WorkScope::Tag(t.to_string()));
    }
    if let Some(q) = given(&s.search) {
        picked.push(WorkScope::Search(q.to_string()));
    }
    if let Some(k) = given(&s.cited_by) {
        picked.push(WorkScope::CitedBy(k.to_string()));
    }
    match picked.len() {
        0 => Ok(WorkScope::Library),
        1 => Ok(picked.pop().unwrap_or(WorkScope::Library)),
        _ => Err(ApiError::new("bad_arguments", "scope: give at most one of keys, collection, tag, search, cited_by")),
    }
}

pub(crate) fn home_path(p: &str) -> ApiResult<PathBuf> {
    let p = p.trim();
    if p.is_empty() {
        return Err(ApiError::new("invalid_input", "give the path of the file to write"));
    }
    let path = match p.strip_prefix("~/") {
        Some(rest) => {
            let home = std::env::var_os("HOME").filter(|h| !h.is_empty()).ok_or_else(|| ApiError::new("invalid_input", "no home folder (HOME is not set): give a full path"))?;
            PathBuf::from(home).join(rest)
        }
        None => PathBuf::from(p),
    };
    if !path.is_absolute() {
        return Err(ApiError::new("invalid_input", format!("{p:?} is not a full path: give one starting with / (or ~/)")));
    }
    if path.is_dir() {
        return Err(ApiError::new("invalid_input", format!("{} is a folder: add a file name", path.display())));
    }
    Ok(path)
}

impl Api {
    /// A style by id (or alias: `apa`) or `.csl` path, loaded once per id.
    /// No file but a `.csl` one is ever read.
    fn load_style(&self, id: Option<&str>) -> ApiResult<render::Style> {
        let id = id.unwrap_or(DEFAULT_STYLE);
        let csl_file = id.to_ascii_lowercase().ends_with(".csl");
        if !csl_file {
            if let Some(s) = self.formats.styles.lock().unwrap_or_else(|p| p.into_inner()).get(id) {
                return Ok(s.clone());
            }
            // `render::style` reads a path it does not know as a name.
            if Path::new(id).exists() {
                return Err(render_err(render::RenderError::UnknownStyle(id.to_string())));
            }
        }
        let style = render::style(id).map_err(render_err)?;
        if !csl_file {
            self.formats.styles.lock().unwrap_or_else(|p| p.into_inner()).insert(id.to_string(), style.clone());
        }
        Ok(style)
    }

    fn bibliography(&self, items: &[Map<String, Value>], style: &render::Style, locale: Option<&str>, format: render::Format) -> ApiResult<Vec<render::BibEntry>> {
        if items.len() <= SHARED_CACHE_MAX {
            let mut cache = self.formats.cache.lock().unwrap_or_else(|p| p.into_inner());
            return cache.bibliography(items, style, locale, format).map_err(render_err);
        }
        render::bibliography(items, style, locale, format).map_err(render_err)
    }

    /// Every style (id and title) and locale there is.
    pub fn styles(&self) -> ApiResult<StyleList> {
        Ok(StyleList {
            styles: style_ids().iter().map(|(id, title)| StyleDto { id: id.clone(), title: title.clone() }).collect(),
            locales: render::list_locales(),
        })
    }

    /// A scope as a file's text: CSL-JSON, BibTeX/BibLaTeX (citation keys
    /// assigned once and stored), RIS, or a bibliography in a CSL style.
    pub fn export(&self, args: ExportArgs) -> ApiResult<Exported> {
        let format = args.format.trim().to_ascii_lowercase();
        if !EXPORT_FORMATS.contains(&format.as_str()) {
            return Err(ApiError::new("unknown_format", format!("unknown format {:?}: one of {}", args.format, EXPORT_FORMATS.join(", "))));
        }
        let scope = work_scope(&args.scope)?;
        // Style and locale problems before any work is read.
        let styled = match format.as_str() {
            "csl-json" | "ris" | "bibtex" | "biblatex" => None,
            f => {
                let fmt: render::Format = f.parse().map_err(render_err)?;
                let style = self.load_style(given(&args.style))?;
                Some((fmt, style))
            }
        };
        let mut lib = self.lib();
        let mut ids = lib.scope_ids(&scope)?;
        let count = ids.len();
        if let Some(n) = args.limit {
            ids.truncate(n);
        }
        let shown = ids.len();
        let text = match styled {
            None => {
                let file_format = FileFormat::from_name(&format, args.latex, DEFAULT_KEY_PATTERN)
                    .ok_or_else(|| ApiError::new("internal", "no file format"))?;
                let mut out = Vec::new();
                write_works(&mut lib, &ids, &file_format, &mut out)?;
                String::from_utf8(out).map_err(|_| ApiError::new("internal", "an export that is not UTF-8"))?
            }
            Some((fmt, style)) => {
                let items = lib.csl_items(&ids)?;
                drop(lib);
                let entries = self.bibliography(&items, &style, given(&args.locale), fmt)?;
                render::document(entries, fmt)
            }
        };
        Ok(Exported { text, count, shown })
    }

    /// [`Api::export`] written to a file (atomically: a temp file, fsync,
    /// rename). The desktop's Save; the browser downloads `export`'s text.
    pub fn save_export(&self, args: SaveExport) -> ApiResult<Saved> {
        let path = home_path(&args.path)?;
        if path.exists() && !args.overwrite {
            return Err(ApiError::new("exists", format!("{} exists; replace it?", path.display())));
        }
        // A file format whole: written as it is rendered, never held as text.
        let format = args.export.format.trim().to_ascii_lowercase();
        if let (Some(file_format), None) = (FileFormat::from_name(&format, args.export.latex, DEFAULT_KEY_PATTERN), args.export.limit) {
            let scope = work_scope(&args.export.scope)?;
            let mut lib = self.lib();
            let ids = lib.scope_ids(&scope)?;
            let count = write_works_to_file(&mut lib, &ids, &file_format, &path)?;
            return Ok(Saved { path: path.display().to_string(), count });
        }
        let out = self.export(args.export)?;
        export::write_atomic(&path, out.text.as_bytes())?;
        Ok(Saved { path: path.display().to_string(), count: out.count })
    }

    /// One citation of the works, or their bibliography entries, in a
    /// style: what Copy citation / Copy bibliography entry put on the clipboard.
    /// The citation keys of works given by key (or DOI), in order; a work
    /// without one gets it now (assigned once and kept).
    pub(crate) fn citation_keys(&self, keys: &[String]) -> ApiResult<Vec<String>> {
        let mut lib = self.lib();
        let ids = keys.iter().map(|k| lib.resolve(k)).collect::<Result<Vec<_>, _>>()?;
        Ok(items_with_keys(&mut lib, &ids)?
            .into_iter()
            .map(|item| item.get("citation-key").and_then(Value::as_str).unwrap_or_default().to_string())
            .collect())
    }

    pub fn format_citation(&self, args: CitationArgs) -> ApiResult<Formatted> {
        if args.keys.is_empty() {
            return Err(ApiError::new("invalid_input", "no works to cite: select one or more"));
        }
        // By citation key (Pandoc, LaTeX, Typst): keys are assigned once and kept.
        if let Ok(kf) = args.format.parse::<keycite::KeyFormat>() {
            let cites: Vec<keycite::KeyCite> =
                self.citation_keys(&args.keys)?.into_iter().map(|key| keycite::KeyCite { key, locator: None }).collect();
            return Ok(Formatted { text: keycite::key_citation(&cites, kf) });
        }
        let fmt: render::Format = args.format.parse().map_err(render_err)?;
        let style = self.load_style(given(&args.style))?;
        let items = {
            let lib = self.lib();
            let ids = args.keys.iter().map(|k| lib.resolve(k)).collect::<Result<Vec<_>, _>>()?;
            lib.csl_items(&ids)?
        };
        let locale = given(&args.locale);
        let text = match args.kind.as_str() {
            "citation" => {
                let cluster: Vec<(Map<String, Value>, Option<render::Locator>)> = items.into_iter().map(|i| (i, None)).collect();
                render::citation(&cluster, &style, locale, fmt).map_err(render_err)?
            }
            "bibliography" => {
                let entries = self.bibliography(&items, &style, locale, fmt)?;
                match fmt {
                    // One entry: no wrapper (pasted inline).
                    render::Format::Html | render::Format::Rtf if entries.len() > 1 => render::document(entries, fmt),
                    _ => entries.into_iter().map(|e| e.text).collect::<Vec<_>>().join("\n"),
                }
            }
            other => return Err(ApiError::new("bad_arguments", format!("kind {other:?}: citation or bibliography"))),
        };
        Ok(Formatted { text })
    }

    /// Imports a file's text (BibTeX, BibLaTeX, RIS or CSL-JSON; sniffed
    /// unless given). Items that cannot be read are in the result with their
    /// reason; the rest are imported in one transaction.
    pub fn import_text(&self, args: ImportFile) -> ApiResult<ImportResult> {
        let name = given(&args.name).unwrap_or("the file").to_string();
        let text = args.text.trim_start_matches('\u{feff}');
        if text.chars().take(8192).any(|c| c == '\0') {
            return Err(bad_file(&name, "a binary file (or UTF-16 text), not BibTeX, RIS or CSL-JSON text; save it as UTF-8 and import again"));
        }
        if text.trim().is_empty() {
            return Err(bad_file(&name, "the file is empty"));
        }
        let format = match given(&args.format) {
            Some(f) => f.to_ascii_lowercase(),
            None => sniff(text, &name)
                .ok_or_else(|| bad_file(&name, "cannot tell the format (BibTeX, RIS or CSL-JSON); choose it"))?
                .to_string(),
        };
        let summary = match format.as_str() {
            "csl-json" => self.lib().import_csl_json(text).map_err(|e| match e {
                ibid_core::Error::Invalid(message) => bad_file(&name, message),
                other => other.into(),
            })?,
            "bibtex" | "biblatex" => {
                let items: Vec<Result<Work, String>> = bibtex::parse(text).into_iter().map(|r| r.map_err(|e| e.to_string())).collect();
                import_results(&mut self.lib(), &name, items, "BibTeX")?
            }
            "ris" => {
                let items: Vec<Result<Work, String>> = ris::parse(text).into_iter().map(|r| r.map_err(|e| e.to_string())).collect();
                import_results(&mut self.lib(), &name, items, "RIS")?
            }
            other => {
                return Err(ApiError::new("unknown_format", format!("unknown format {other:?}: one of {}", IMPORT_FORMATS.join(", "))));
            }
        };
        Ok(ImportResult {
            added: summary.added().map(str::to_string).collect(),
            failed: summary.failed().map(|(i, m)| ImportFailure { item: i + 1, message: m.to_string() }).collect(),
        })
    }

    /// Undoes an import (issue 9): `keys` are its `added`. The works still
    /// as imported are deleted with the containers only they used (the
    /// library as before the import: a later import of the same works adds
    /// them again); those changed since go to the Trash
    /// (`Library::undo_import`).
    pub fn undo_import(&self, args: KeysArgs) -> ApiResult<ImportUndone> {
        let done = self.lib().undo_import(&args.keys)?;
        Ok(ImportUndone { removed: done.removed.len(), trashed: done.trashed, kept: done.kept, missing: done.missing.len() })
    }
}

fn items_with_keys(lib: &mut Library, ids: &[i64]) -> ApiResult<Vec<Map<String, Value>>> {
    let generate = |item: &Map<String, Value>| citekey::generate(item, DEFAULT_KEY_PATTERN);
    Ok(lib.items_with_citation_keys(ids, &generate, &citekey::unique)?)
}

fn import_results(lib: &mut Library, name: &str, items: Vec<Result<Work, String>>, what: &str) -> ApiResult<ibid_core::store::ImportSummary> {
    if items.is_empty() {
        return Err(bad_file(name, format!("no {what} entries in it")));
    }
    if items.len() == 1 && items[0].is_err() {
        let msg = items.into_iter().next().and_then(|r| r.err()).unwrap_or_default();
        return Err(bad_file(name, msg));
    }
    let n = items.len();
    Ok(lib.import_sized(items.into_iter().map(|r| r.map_err(ibid_core::Error::Invalid)), n)?)
}
