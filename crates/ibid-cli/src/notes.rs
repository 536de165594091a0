//! `ibid import-page` and `ibid cited`: glue over `ibid-notes` (and
//! `ibid-resolve` for the page's DOI).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use ibid_core::Library;
use ibid_notes::LabellerParser;
use ibid_resolve::source::Fetch;
use ibid_resolve::{search, Config, Identifier, Resolver, Resolvers};
use serde_json::json;

type Res<T> = Result<T, ibid_core::Error>;

fn out_err(e: std::io::Error) -> ibid_core::Error {
    ibid_core::Error::io("cannot write to standard output", e)
}

/// The services as the library's settings (and the environment) configure
/// them, and a runtime to call them from this synchronous command.
fn services(lib: &Library) -> Result<(Resolvers, tokio::runtime::Runtime), String> {
    let cfg = Config::from_settings(&lib.settings().map_err(|e| e.to_string())?);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    Ok((Resolvers::new(cfg), rt))
}

/// Looks the page's DOI up. `Err(reason)` when it could not be (the import
/// then goes on from the page alone).
fn resolve_doi(lib: &Library, doi: &str) -> Result<(ibid_core::Work, Vec<ibid_core::store::CachedResponse>, &'static str), String> {
    let (resolvers, rt) = services(lib)?;
    match rt.block_on(resolvers.resolve(&Identifier::Doi(doi.to_string()), None)) {
        Ok(Fetch::Record(r)) => {
            let responses = r.responses.iter().enumerate().map(|(i, f)| f.to_cached(i == 0)).collect();
            Ok((r.mapped.work, responses, r.source))
        }
        Ok(Fetch::NotModified(_)) => Err("the service answered 304 to a plain request".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// What `--match` did, one line per cited work looked up.
fn match_cited(lib: &Library, read: &mut ibid_notes::ReadPage) -> Result<Vec<String>, String> {
    let (resolvers, rt) = services(lib)?;
    let mut lines = Vec::new();
    for i in 0..read.notes.works.len() {
        let w = &read.notes.works[i];
        if w.doi.is_some() || lib.find_same_work(w).map_err(|e| e.to_string())?.is_some() {
            continue;
        }
        // The text of its first full citation is the query.
        let Some(query) = read.notes.notes.iter().flat_map(|n| &n.citations).find(|c| c.work == Some(i) && c.form == ibid_core::store::CitationForm::Full).map(|c| c.text.clone())
        else {
            continue;
        };
        let title = w.title.clone().unwrap_or_default();
        let verdict = match rt.block_on(resolvers.crossref.search_bibliographic(&query)) {
            Ok((candidates, _)) => search::judge(w, &query, &candidates),
            Err(e) => {
                lines.push(format!("not matched  {title}: {e}"));
                continue;
            }
        };
        match &verdict {
            search::Verdict::Accepted { doi, score, per_char } => lines.push(format!("matched      {title}: {doi} (score {score:.1}, {per_char:.3} per character)")),
            search::Verdict::Rejected { why, .. } => lines.push(format!("not matched  {title}: {why}")),
        }
        search::apply(&mut read.notes.works[i], &verdict);
    }
    Ok(lines)
}

pub fn import_page_cmd(mut lib: Library, file: &Path, json_out: bool, offline: bool, match_crossref: bool) -> Res<ExitCode> {
    let bytes = std::fs::read(file).map_err(|e| ibid_core::Error::io(format!("cannot read {}", file.display()), e))?;
    let text = String::from_utf8_lossy(&bytes);
    let mut read = ibid_notes::read(&text, &LabellerParser);
    if read.page.work.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
        return Err(ibid_core::Error::invalid(format!("{}: no title found: not a publisher's page of a work", file.display())));
    }
    let (resolved, status) = match &read.page.work.doi {
        None => (None, "the page gives no DOI: imported from the page alone".to_string()),
        Some(doi) if lib.find_identifier("doi", doi)?.is_some_and(|f| f.standalone) => {
            (None, format!("{doi} is already in the library: its record is kept, the notes are added"))
        }
        Some(doi) if offline => (None, format!("offline: {doi} not looked up; imported from the page alone")),
        Some(doi) => match resolve_doi(&lib, doi) {
            Ok((w, responses, source)) => (Some((w, responses)), format!("{doi} looked up at {source}; completed from the page")),
            Err(reason) => (None, format!("{doi} could not be looked up ({reason}); imported from the page alone")),
        },
    };
    let matched = if match_crossref {
        match match_cited(&lib, &mut read) {
            Ok(lines) => lines,
            Err(e) => vec![format!("Crossref search not run: {e}")],
        }
    } else {
        Vec::new()
    };
    let imported = ibid_notes::store(&mut lib, &read, resolved)?;
    for line in &matched {
        eprintln!("ibid: {line}");
    }
    let mut out = std::io::stdout().lock();
    if json_out {
        let v = ibid_notes::report(&lib, &read, &imported)?;
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?).map_err(out_err)?;
        eprintln!("ibid: {status}");
    } else {
        let item = lib.csl_item(imported.work.id)?;
        let verb = if imported.work.matched { "matched" } else { "added" };
        writeln!(out, "{verb}  {}  {}", imported.work.key, item.get("title").and_then(|t| t.as_str()).unwrap_or("")).map_err(out_err)?;
        let cites: usize = read.notes.notes.iter().map(|n| n.citations.len()).sum();
        let mut keys: Vec<&str> = imported.cited.iter().map(|p| p.key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        let known = imported.cited.iter().filter(|p| p.matched).count();
        writeln!(
            out,
            "{} notes ({}), {cites} citations of {} works ({known} already in the library)",
            read.notes.notes.len(),
            read.page.section.as_deref().unwrap_or("none found"),
            keys.len()
        )
        .map_err(out_err)?;
        writeln!(out, "{status}").map_err(out_err)?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn cited_cmd(lib: &Library, key: &str, json_out: bool) -> Res<ExitCode> {
    let id = lib.resolve(key)?;
    let rows = lib.citations_of(id)?;
    let mut out = std::io::stdout().lock();
    let mut items = Vec::with_capacity(rows.len());
    for r in &rows {
        let (cited_key, title) = match r.cited {
            Some(c) => {
                let item = lib.csl_item(c)?;
                (Some(lib.key_of(c)?), item.get("title").and_then(|t| t.as_str()).map(str::to_string))
            }
            None => (None, None),
        };
        items.push((r, cited_key, title));
    }
    if json_out {
        let v: Vec<_> = items
            .iter()
            .map(|(r, k, t)| {
                json!({"note": r.note_number, "position": r.position, "work": k, "title": t, "locator": r.locator, "form": r.form.as_str(), "text": r.raw_text})
            })
            .collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?).map_err(out_err)?;
    } else {
        for (r, k, t) in &items {
            let note = r.note_number.map(|n| format!("n. {n}")).unwrap_or_else(|| "ref.".into());
            writeln!(
                out,
                "{note:<6} {:<5}  {:<14}  {}  {}",
                r.form.as_str(),
                r.locator.as_deref().unwrap_or(""),
                k.as_deref().unwrap_or("--------"),
                t.as_deref().unwrap_or(&r.raw_text)
            )
            .map_err(out_err)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
