//! `ibid add`, `ibid refresh` and `ibid settings`: glue over `ibid-resolve`.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use ibid_core::Library;
use ibid_resolve::{add, config, Config, Found, Identifier, ItemResult, Outcome, Refreshed, Resolvers};
use serde_json::json;

type Res<T> = Result<T, ibid_core::Error>;

pub(crate) fn runtime() -> Res<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| ibid_core::Error::io("cannot start the async runtime", e))
}

/// The identifiers to add: each argument on its own, and every identifier
/// found in `--from FILE` (`-` for standard input). Arguments that are not
/// identifiers are reported as failed items.
fn gather(ids: &[String], from: Option<&PathBuf>) -> Res<(Vec<Found>, Vec<ItemResult>)> {
    let mut found = Vec::new();
    let mut bad = Vec::new();
    for s in ids {
        match Identifier::parse(s) {
            Ok(id) => found.push(Found { input: s.clone(), id }),
            Err(e) => bad.push(ItemResult {
                input: s.clone(),
                id: Identifier::Doi(String::new()),
                outcome: Outcome::Failed(e.into()),
            }),
        }
    }
    if let Some(path) = from {
        let mut text = String::new();
        if path.as_os_str() == "-" {
            std::io::stdin().read_to_string(&mut text).map_err(|e| ibid_core::Error::io("cannot read standard input", e))?;
        } else {
            let bytes = std::fs::read(path).map_err(|e| ibid_core::Error::io(format!("cannot read {}", path.display()), e))?;
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        let in_file = ibid_resolve::extract(&text);
        if in_file.is_empty() {
            return Err(ibid_core::Error::invalid(format!("no DOI, ISBN, arXiv id or PMID found in {}", path.display())));
        }
        found.extend(in_file);
    }
    let mut seen = std::collections::HashSet::new();
    found.retain(|f| seen.insert((f.id.kind(), f.id.library_value())));
    Ok((found, bad))
}

/// A one-line progress bar on standard error, only on a terminal.
struct Progress {
    total: usize,
    done: AtomicUsize,
    on: bool,
}

impl Progress {
    fn tick(&self, r: &ItemResult) {
        let done = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        if !self.on {
            return;
        }
        let width = 30;
        let filled = width * done / self.total.max(1);
        let mark = match r.outcome {
            Outcome::Added { .. } => "added",
            Outcome::Present { .. } => "present",
            Outcome::Failed(_) => "failed",
        };
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r[{}{}] {done}/{} {mark}: {:<40.40}",
            "#".repeat(filled),
            " ".repeat(width - filled),
            self.total,
            r.id.to_string()
        );
        if done == self.total {
            let _ = writeln!(err);
        }
        let _ = err.flush();
    }
}

pub fn add_cmd(lib: Library, ids: &[String], from: Option<&PathBuf>, json_out: bool) -> Res<ExitCode> {
    if ids.is_empty() && from.is_none() {
        return Err(ibid_core::Error::invalid("give identifiers (ibid add 10.1000/xyz …) or --from FILE (- for stdin)"));
    }
    let (found, mut bad) = gather(ids, from)?;
    let cfg = Config::from_settings(&lib.settings()?);
    let lib = Mutex::new(lib);
    let resolvers = Resolvers::new(cfg);
    let progress = Progress { total: found.len(), done: AtomicUsize::new(0), on: std::io::stderr().is_terminal() && !json_out };
    let results = if found.is_empty() {
        Vec::new()
    } else {
        runtime()?.block_on(add::add_all(&lib, &resolvers, found, &|r| progress.tick(r)))
    };
    bad.extend(results);
    let results = bad;
    let count = |f: fn(&Outcome) -> bool| results.iter().filter(|r| f(&r.outcome)).count();
    let (added, present, failed) = (
        count(|o| matches!(o, Outcome::Added { .. })),
        count(|o| matches!(o, Outcome::Present { .. })),
        count(|o| matches!(o, Outcome::Failed(_))),
    );
    let mut out = std::io::stdout().lock();
    let w = |e: std::io::Error| ibid_core::Error::io("cannot write to standard output", e);
    if json_out {
        let items: Vec<_> = results.iter().map(result_json).collect();
        writeln!(out, "{}", json!({ "added": added, "present": present, "failed": failed, "results": items })).map_err(w)?;
    } else {
        for r in &results {
            match &r.outcome {
                Outcome::Added { key, title } => writeln!(out, "added    {key}  {}", title.as_deref().unwrap_or("")).map_err(w)?,
                Outcome::Present { key, title } => {
                    writeln!(out, "present  {key}  {}", title.as_deref().unwrap_or("")).map_err(w)?
                }
                Outcome::Failed(e) => writeln!(out, "failed   {}  {e}", r.input).map_err(w)?,
            }
        }
        writeln!(out, "{added} added, {present} already in the library, {failed} failed").map_err(w)?;
    }
    Ok(if failed > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

fn result_json(r: &ItemResult) -> serde_json::Value {
    let (outcome, key, title, code, message) = match &r.outcome {
        Outcome::Added { key, title } => ("added", Some(key.clone()), title.clone(), None, None),
        Outcome::Present { key, title } => ("present", Some(key.clone()), title.clone(), None, None),
        Outcome::Failed(e) => ("failed", None, None, Some(e.code()), Some(e.to_string())),
    };
    let identifier = if r.id.value().is_empty() { None } else { Some(r.id.to_string()) };
    json!({ "input": r.input, "identifier": identifier, "outcome": outcome, "key": key, "title": title, "code": code, "message": message })
}

pub fn refresh_cmd(lib: Library, key: &str, offline: bool) -> Res<ExitCode> {
    let cfg = Config::from_settings(&lib.settings()?);
    let lib = Mutex::new(lib);
    if offline {
        let source = add::rederive(&lib, key).map_err(|e| ibid_core::Error::invalid(format!("cannot re-derive {key}: {e}")))?;
        println!("re-derived {key} from its kept {source} response");
        return Ok(ExitCode::SUCCESS);
    }
    let resolvers = Resolvers::new(cfg);
    let res = runtime()?.block_on(add::refresh(&lib, &resolvers, key));
    match res {
        Ok((id, Refreshed::Updated)) => println!("refreshed {key} from {id}"),
        Ok((id, Refreshed::Unchanged)) => println!("{key} is unchanged at the source ({id}: 304 Not Modified)"),
        Err(e) => return Err(ibid_core::Error::invalid(format!("cannot refresh {key}: {e}"))),
    }
    Ok(ExitCode::SUCCESS)
}

pub fn settings_cmd(mut lib: Library, key: Option<&str>, value: Option<&str>, unset: bool) -> Res<ExitCode> {
    let known = Config::keys();
    match (key, value) {
        (None, _) => {
            let cfg = Config::from_settings(&lib.settings()?);
            let stored = lib.settings()?;
            for k in known {
                let effective = match k {
                    "mailto" => cfg.mailto.clone().unwrap_or_default(),
                    _ => config::SERVICES
                        .iter()
                        .find(|s| s.setting == k)
                        .map(|s| effective_url(&cfg, s.name))
                        .unwrap_or_default(),
                };
                let from = if std::env::var_os(env_of(k)).is_some() {
                    format!("(from {})", env_of(k))
                } else if stored.iter().any(|(s, _)| s == k) {
                    "(setting)".into()
                } else {
                    "(default)".into()
                };
                println!("{k} = {effective} {from}");
            }
        }
        (Some(k), v) => {
            if !known.contains(&k) {
                return Err(ibid_core::Error::invalid(format!("unknown setting {k:?}; known: {}", known.join(", "))));
            }
            if unset {
                lib.set_setting(k, None)?;
            } else if let Some(v) = v {
                lib.set_setting(k, Some(v))?;
            } else {
                let stored = lib.settings()?;
                match stored.iter().find(|(s, _)| s == k) {
                    Some((_, v)) => println!("{v}"),
                    None => println!(),
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn env_of(key: &str) -> &'static str {
    if key == config::MAILTO_SETTING {
        return config::MAILTO_ENV;
    }
    config::SERVICES.iter().find(|s| s.setting == key).map(|s| s.env).unwrap_or("")
}

fn effective_url(cfg: &Config, name: &str) -> String {
    match name {
        "crossref" => cfg.crossref_url.clone(),
        "doi.org" => cfg.doi_url.clone(),
        "datacite" => cfg.datacite_url.clone(),
        "openlibrary" => cfg.openlibrary_url.clone(),
        "arxiv" => cfg.arxiv_url.clone(),
        "pubmed" => cfg.pubmed_url.clone(),
        _ => String::new(),
    }
}
