//! `ibid import` of every format and `ibid export` of every format and
//! scope: glue over `ibid-formats` and the core.

use std::io::Write;
use std::path::{Path, PathBuf};

use ibid_core::store::{ImportSummary, OnDuplicate, Scope};
use ibid_core::{export, Library, Work};
use ibid_formats::export::{write_works, write_works_to_file, FileFormat};
use ibid_formats::{bibtex, render, ris};

type Res<T> = Result<T, ibid_core::Error>;

pub const IMPORT_FORMATS: [&str; 4] = ["bibtex", "biblatex", "ris", "csl-json"];
pub const EXPORT_FORMATS: [&str; 8] = ["csl-json", "bibtex", "biblatex", "ris", "text", "html", "markdown", "rtf"];
pub const DEFAULT_KEY_PATTERN: &str = "[auth:lower][year][shorttitle:1:nopunct:lower]";

fn bad_file(path: &Path, message: String) -> ibid_core::Error {
    ibid_core::Error::BadFile { path: path.to_path_buf(), message }
}

/// Imports a file; `format` as given or sniffed. Items that cannot be read
/// are in the summary with their reason; the rest are imported (one transaction).
pub fn import_file(lib: &mut Library, file: &Path, format: Option<&str>, dup: OnDuplicate) -> Res<ImportSummary> {
    let bytes = std::fs::read(file).map_err(|e| ibid_core::Error::io(format!("cannot read {}", file.display()), e))?;
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return Err(bad_file(file, "not UTF-8 (it is UTF-16 text); save it as UTF-8 and import again".into()));
    }
    if bytes.iter().take(8192).any(|b| *b == 0) {
        return Err(bad_file(file, "a binary file, not BibTeX, RIS or CSL-JSON text".into()));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        bad_file(file, format!("not UTF-8 text (byte {}); save it as UTF-8 and import again", e.utf8_error().valid_up_to()))
    })?;
    if text.trim_start_matches('\u{feff}').trim().is_empty() {
        return Err(bad_file(file, "the file is empty".into()));
    }
    let format = match format {
        Some(f) => f,
        None => ibid_formats::sniff(&text, &file.to_string_lossy()).ok_or_else(|| {
            bad_file(file, "cannot tell the format (BibTeX, RIS or CSL-JSON); give it with --format".into())
        })?,
    };
    match format {
        "csl-json" => lib.import_csl_json_with(&text, dup).map_err(|e| match e {
            ibid_core::Error::Invalid(message) => bad_file(file, message),
            other => other,
        }),
        "bibtex" | "biblatex" => {
            let items = bibtex::parse(&text);
            import_results(lib, file, items.into_iter().map(|r| r.map_err(|e| e.to_string())).collect(), dup)
        }
        "ris" => {
            let items = ris::parse(&text);
            import_results(lib, file, items.into_iter().map(|r| r.map_err(|e| e.to_string())).collect(), dup)
        }
        other => Err(ibid_core::Error::invalid(format!("unknown format {other:?}; one of {}", IMPORT_FORMATS.join(", ")))),
    }
}

fn import_results(lib: &mut Library, file: &Path, items: Vec<Result<Work, String>>, dup: OnDuplicate) -> Res<ImportSummary> {
    if !items.is_empty() && items.iter().all(|r| r.is_err()) && items.len() == 1 {
        let msg = items.into_iter().next().and_then(|r| r.err()).unwrap_or_default();
        return Err(bad_file(file, msg));
    }
    let n = items.len();
    lib.import_with(items.into_iter().map(|r| r.map_err(ibid_core::Error::Invalid)), n, dup)
}

/// What `ibid export` was asked for.
pub struct ExportArgs {
    pub format: String,
    pub style: String,
    pub locale: Option<String>,
    pub cite: Vec<String>,
    pub scope: Scope,
    pub latex_accents: bool,
    pub key_pattern: String,
    pub output: Option<PathBuf>,
}

/// Runs the export: to the `-o` file (atomically) or to `stdout`. CSL-JSON,
/// BibTeX and RIS are rendered as the library is read
/// ([`ibid_formats::export::write_works`]); a bibliography in a style at once.
/// Returns how many works.
pub fn export(lib: &mut Library, a: &ExportArgs, stdout: &mut dyn Write) -> Res<usize> {
    let to_output = |bytes: &[u8], stdout: &mut dyn Write| match &a.output {
        Some(p) => export::write_atomic(p, bytes),
        None => stdout.write_all(bytes).map_err(|e| ibid_core::Error::io("cannot write the export", e)),
    };
    if a.cite.is_empty() {
        if let Some(format) = FileFormat::from_name(&a.format, a.latex_accents, &a.key_pattern) {
            let ids = lib.scope_ids(&a.scope)?;
            return match &a.output {
                Some(p) => write_works_to_file(lib, &ids, &format, p),
                None => write_works(lib, &ids, &format, stdout),
            };
        }
    }
    let (text, n) = styled_text(lib, a)?;
    to_output(text.as_bytes(), stdout)?;
    Ok(n)
}

/// A citation (`--cite`) or a bibliography in a style, as text.
fn styled_text(lib: &mut Library, a: &ExportArgs) -> Res<(String, usize)> {
    let render_err = |e: render::RenderError| ibid_core::Error::invalid(e.to_string());
    if !a.cite.is_empty() {
        let style = render::style(&a.style).map_err(render_err)?;
        let format: render::Format = match a.format.as_str() {
            "csl-json" => render::Format::Text,
            f => f.parse().map_err(render_err)?,
        };
        let mut cluster = Vec::new();
        for arg in &a.cite {
            let (key, locator) = render::parse_cite_arg(arg);
            let id = lib.resolve(&key)?;
            cluster.push((lib.csl_item(id)?, locator));
        }
        let text = render::citation(&cluster, &style, a.locale.as_deref(), format).map_err(render_err)?;
        return Ok((format!("{text}\n"), cluster.len()));
    }
    let ids = lib.scope_ids(&a.scope)?;
    let format: render::Format = a.format.parse().map_err(render_err)?;
    let style = render::style(&a.style).map_err(render_err)?;
    let entries = render::bibliography(&lib.csl_items(&ids)?, &style, a.locale.as_deref(), format).map_err(render_err)?;
    Ok((render::document(entries, format), ids.len()))
}
