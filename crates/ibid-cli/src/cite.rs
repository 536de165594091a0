//! `ibid cite`: a citation of works named by key or identifier, in a CSL
//! style or by citation key (Pandoc, LaTeX, Typst). An identifier not in the
//! library is looked up (and added, unless `--no-add`) first.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Mutex;

use ibid_core::{csl, Library};
use ibid_formats::keycite::{self, KeyCite, KeyFormat};
use ibid_formats::{citekey, render};
use ibid_resolve::source::Fetch;
use ibid_resolve::{add, Config, Found, Identifier, Outcome, Resolver, Resolvers};
use serde_json::{Map, Value};

type Res<T> = Result<T, ibid_core::Error>;

/// `--format` values: the styled ones, then the citation-key syntaxes.
pub const CITE_FORMATS: [&str; 7] = ["text", "html", "markdown", "rtf", "pandoc", "latex", "typst"];

pub struct CiteOptions {
    pub style: String,
    pub format: String,
    pub locale: Option<String>,
    pub bibliography: bool,
    /// Add identifiers not in the library (else only look them up).
    pub add: bool,
}

/// What one argument names.
enum Target {
    /// A library work (its row id).
    Work(i64),
    /// An identifier not in the library yet.
    Lookup(Identifier),
    /// A work looked up and not added: its flat CSL-JSON item.
    Fetched(Map<String, Value>),
}

/// An argument split into the work it names and its locator: the whole
/// argument when it is a key or an identifier itself ("arXiv:2101.00001"),
/// else what comes before the last `:` when what follows reads as a locator
/// ("shen2020:p. 79").
fn split(lib: &Library, arg: &str) -> (String, Option<String>) {
    let arg = arg.trim();
    if lib.resolve(arg).is_ok() || Identifier::parse(arg).is_ok() {
        return (arg.to_string(), None);
    }
    match render::parse_cite_arg(arg) {
        (name, Some(_)) => {
            let raw = arg.rsplit_once(':').map(|(_, l)| l.trim().to_string());
            (name, raw)
        }
        (name, None) => (name, None),
    }
}

fn resolve_error(input: &str, e: impl std::fmt::Display) -> ibid_core::Error {
    ibid_core::Error::invalid(format!("{input}: {e}"))
}

pub fn cite_cmd(mut lib: Library, args: &[String], o: &CiteOptions) -> Res<ExitCode> {
    let key_format = o.format.parse::<KeyFormat>().ok();
    let styled = match key_format {
        Some(_) => None,
        None => {
            let format: render::Format = o.format.parse().map_err(|e: render::RenderError| ibid_core::Error::invalid(e.to_string()))?;
            let style = render::style(&o.style).map_err(|e| ibid_core::Error::invalid(e.to_string()))?;
            Some((format, style))
        }
    };

    // What each argument names.
    let mut targets: Vec<(String, Option<String>, Target)> = Vec::new();
    for arg in args {
        let (name, locator) = split(&lib, arg);
        let target = match lib.resolve(&name) {
            Ok(id) => Target::Work(id),
            Err(ibid_core::Error::NotFound(_)) => match Identifier::parse(&name) {
                Ok(id) => Target::Lookup(id),
                Err(e) => {
                    return Err(ibid_core::Error::invalid(format!(
                        "{name:?} is neither a work in the library (a key or DOI) nor an identifier: {e}"
                    )))
                }
            },
            Err(e) => return Err(e),
        };
        targets.push((name, locator, target));
    }

    // Identifiers not in the library: looked up, and added unless --no-add.
    if targets.iter().any(|(_, _, t)| matches!(t, Target::Lookup(_))) {
        let resolvers = Resolvers::new(Config::from_settings(&lib.settings()?));
        let rt = crate::resolve::runtime()?;
        if o.add {
            let found: Vec<Found> = targets
                .iter()
                .filter_map(|(name, _, t)| match t {
                    Target::Lookup(id) => Some(Found { input: name.clone(), id: id.clone() }),
                    _ => None,
                })
                .collect();
            let shared = Mutex::new(lib);
            let results = rt.block_on(add::add_all(&shared, &resolvers, found, &|_| {}));
            lib = shared.into_inner().unwrap_or_else(|p| p.into_inner());
            let mut results = results.into_iter();
            for (name, _, t) in targets.iter_mut().filter(|(_, _, t)| matches!(t, Target::Lookup(_))) {
                let r = results.next().expect("one result per identifier");
                let key = match r.outcome {
                    Outcome::Added { key, .. } => {
                        eprintln!("added {key} ({name})");
                        key
                    }
                    Outcome::Present { key, .. } => key,
                    Outcome::Failed(e) => return Err(resolve_error(name, e)),
                };
                *t = Target::Work(lib.resolve(&key)?);
            }
        } else {
            for (name, _, t) in targets.iter_mut() {
                let Target::Lookup(id) = t else { continue };
                let fetched = rt.block_on(resolvers.resolve(id, None)).map_err(|e| resolve_error(name, e))?;
                let Fetch::Record(r) = fetched else { return Err(resolve_error(name, "the service answered 304 to a plain request")) };
                *t = Target::Fetched(csl::flatten(&r.mapped.work));
            }
        }
    }

    // The items, in argument order; by key formats with their citation keys.
    let ids: Vec<i64> = targets.iter().filter_map(|(_, _, t)| if let Target::Work(id) = t { Some(*id) } else { None }).collect();
    let generate = |item: &Map<String, Value>| citekey::generate(item, citekey::DEFAULT_PATTERN);
    let mut library_items = if key_format.is_some() {
        lib.items_with_citation_keys(&ids, &generate, &citekey::unique)?
    } else {
        lib.csl_items(&ids)?
    }
    .into_iter();
    let mut items: Vec<(Map<String, Value>, Option<String>)> = Vec::new();
    for (_, locator, t) in targets {
        let item = match t {
            Target::Work(_) => library_items.next().expect("one item per work"),
            Target::Fetched(mut item) => {
                let key = citekey::unique(&generate(&item), &|k| lib.citation_key_taken(k).unwrap_or(true));
                item.insert("id".into(), Value::String(key.clone()));
                item.insert("citation-key".into(), Value::String(key));
                item
            }
            Target::Lookup(_) => unreachable!("every identifier was looked up"),
        };
        items.push((item, locator));
    }

    let text = match (key_format, styled) {
        (Some(kf), _) => {
            let cites: Vec<KeyCite> = items
                .into_iter()
                .map(|(item, locator)| KeyCite {
                    key: item.get("citation-key").and_then(Value::as_str).unwrap_or_default().to_string(),
                    locator,
                })
                .collect();
            keycite::key_citation(&cites, kf)
        }
        (None, Some((format, style))) => {
            let err = |e: render::RenderError| ibid_core::Error::invalid(e.to_string());
            if o.bibliography {
                let plain: Vec<Map<String, Value>> = items.into_iter().map(|(i, _)| i).collect();
                let entries = render::bibliography(&plain, &style, o.locale.as_deref(), format).map_err(err)?;
                entries.into_iter().map(|e| e.text).collect::<Vec<_>>().join("\n")
            } else {
                let cluster: Vec<render::CiteItem> =
                    items.into_iter().map(|(i, l)| (i, l.as_deref().and_then(render::Locator::parse))).collect();
                render::citation(&cluster, &style, o.locale.as_deref(), format).map_err(err)?
            }
        }
        (None, None) => unreachable!("a styled format has its style"),
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}").map_err(|e| ibid_core::Error::io("cannot write to standard output", e))?;
    Ok(ExitCode::SUCCESS)
}
