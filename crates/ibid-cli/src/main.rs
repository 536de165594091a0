//! `ibid`: the command line over an Ibid library. Glue only: parse the
//! arguments, call `ibid-core`, print the result. User errors print one line
//! naming the problem and exit non-zero.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

mod cite;
mod duplicates;
mod formats;
mod notes;
mod resolve;

use clap::{Parser, Subcommand};
use ibid_core::store::{Cursor, ListQuery, Scope};
use ibid_core::{csl, Library, Work};
use serde_json::{Map, Value};

// An import allocates a few small strings per field on the parse thread and
// frees them on the writer thread; glibc's malloc spends ~13% of a 10k import
// in malloc/free (callgrind), mimalloc a fraction of that. BENCHMARKS.md.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;


#[derive(Parser)]
#[command(name = "ibid", version, about = "Ibid: a reference manager for a personal research library")]
struct Cli {
    /// The library file [default: the platform data dir, e.g. ~/.local/share/ibid/library.sqlite]
    #[arg(long, global = true, env = "IBID_LIBRARY", value_name = "PATH")]
    library: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Import works from a file: BibTeX/BibLaTeX, RIS or CSL-JSON (sniffed when --format is not given)
    Import {
        file: PathBuf,
        /// The file's format
        #[arg(long, value_parser = formats::IMPORT_FORMATS)]
        format: Option<String>,
        /// A work already in the library (same DOI, same book ISBN, or same title, year and first author): skip it, fill its empty fields (merge), or add it anyway
        #[arg(long, default_value = "skip", value_parser = ["skip", "merge", "add"])]
        on_duplicate: String,
        /// Print the summary as JSON
        #[arg(long)]
        json: bool,
    },
    /// List works, sorted, one page at a time
    List {
        #[arg(long, default_value = "title", value_parser = ["title", "year", "added", "modified", "creator", "type"])]
        sort: String,
        /// Sort descending
        #[arg(long)]
        desc: bool,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Continue after this cursor (printed at the end of the previous page)
        #[arg(long, value_name = "CURSOR")]
        after: Option<String>,
        /// List the trash
        #[arg(long)]
        trash: bool,
        /// Print a JSON array of CSL-JSON items
        #[arg(long)]
        json: bool,
    },
    /// Show one work (by key or DOI), flat, with its tags, collections and container
    Show {
        key: String,
        #[arg(long)]
        json: bool,
    },
    /// Search titles, creators, containers, abstracts, tags and notes; best match first
    Search {
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Create a work by hand; prints its key
    New {
        #[arg(long = "type", value_name = "TYPE")]
        work_type: String,
        #[arg(long)]
        title: String,
        /// "Family, Given" (or an institution's name); repeat for more
        #[arg(long)]
        author: Vec<String>,
        #[arg(long)]
        editor: Vec<String>,
        #[arg(long)]
        translator: Vec<String>,
        /// 2020, 2020-05 or 2020-05-01
        #[arg(long)]
        issued: Option<String>,
        #[arg(long)]
        doi: Option<String>,
        /// Any other CSL variable: --set publisher="Palgrave Macmillan"
        #[arg(long = "set", value_name = "FIELD=VALUE")]
        set: Vec<String>,
    },
    /// Change fields of a work: --set field=value (an empty value clears)
    Edit {
        key: String,
        #[arg(long = "set", value_name = "FIELD=VALUE", required = true)]
        set: Vec<String>,
    },
    /// Add (+tag) and remove (-tag) tags
    Tag {
        key: String,
        #[arg(required = true, allow_hyphen_values = true, num_args = 1.., value_name = "+TAG|-TAG")]
        changes: Vec<String>,
    },
    /// Files kept in step with the library: written at once, and again after every change that touches them (only the changed entries are rendered again)
    #[command(subcommand)]
    AutoExport(AutoExportCmd),
    /// Collections: add works, remove them, delete, list
    #[command(subcommand)]
    Collection(CollectionCmd),
    /// Duplicates: list the candidate groups with their scores; merge, undo, dismiss
    Duplicates {
        #[command(subcommand)]
        action: Option<duplicates::DuplicatesCmd>,
        #[arg(long, global = true)]
        json: bool,
    },
    /// Move works to the trash
    Trash {
        #[arg(required = true)]
        keys: Vec<String>,
    },
    /// Restore works from the trash; or the whole library from a backup, `ibid restore FILE` or --backup FILE (the present state is kept first as a pre-restore backup)
    Restore {
        #[arg(required_unless_present = "backup")]
        keys: Vec<String>,
        /// A backup (an Ibid library file) to replace the library with
        #[arg(long, value_name = "FILE", conflicts_with = "keys")]
        backup: Option<PathBuf>,
    },
    /// Add a Markdown note to a work
    Note { key: String, text: String },
    /// Link a file to a work (its path, size and SHA-256 are recorded)
    Attach { key: String, file: PathBuf },
    /// Export works: a formatted bibliography in a CSL style, or BibTeX, BibLaTeX, RIS, CSL-JSON (the whole library when no scope is given)
    Export {
        #[arg(long, default_value = "csl-json", value_parser = formats::EXPORT_FORMATS)]
        format: String,
        /// A CSL style: an id (apa, chicago-author-date, chicago-notes, mla, ieee, vancouver, springer-link…; `ibid styles` lists them) or a .csl file
        #[arg(long, default_value = "apa")]
        style: String,
        /// A CSL locale such as en-US, de-DE, fr-FR [default: the style's]
        #[arg(long)]
        locale: Option<String>,
        /// Print one in-text citation of these works instead of a bibliography: KEY or KEY:p. 79
        #[arg(long, value_name = "KEY[:LOCATOR]")]
        cite: Vec<String>,
        #[command(flatten)]
        scope: ScopeArgs,
        /// BibTeX/BibLaTeX: LaTeX accents ({\'e}) instead of UTF-8
        #[arg(long)]
        latex: bool,
        /// BibTeX/BibLaTeX: the pattern for new citation keys (kept once assigned)
        #[arg(long, default_value = formats::DEFAULT_KEY_PATTERN)]
        key_pattern: String,
        /// Write to FILE (atomically) instead of standard output
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// List the CSL styles and locales Ibid has
    Styles,
    /// Look identifiers up and add the works: DOIs (any form, publisher URLs too), ISBNs, arXiv ids, PMIDs
    Add {
        /// Identifiers, each on its own
        ids: Vec<String>,
        /// Also every identifier found in FILE (a reference list, a saved page; - for standard input)
        #[arg(long, value_name = "FILE")]
        from: Option<PathBuf>,
        /// Print the results as JSON
        #[arg(long)]
        json: bool,
    },
    /// Print a citation of works (keys, DOIs, ISBNs, arXiv ids, PMIDs; KEY:LOCATOR for a page); an identifier not in the library is looked up and added first
    Cite {
        /// Works, in citation order: a key, a DOI (any form), an ISBN, an arXiv id or a PMID, each optionally followed by :LOCATOR ("p. 79")
        #[arg(required = true, value_name = "ID|KEY[:LOCATOR]")]
        ids: Vec<String>,
        /// A bundled style's id, or the path of a .csl file
        #[arg(long, default_value = "apa")]
        style: String,
        /// text, html, markdown, rtf (in the style), or pandoc, latex, typst (by citation key)
        #[arg(long, default_value = "text", value_parser = cite::CITE_FORMATS)]
        format: String,
        /// A locale (en-US, de-DE, …) [default: the style's]
        #[arg(long)]
        locale: Option<String>,
        /// The works' bibliography entries rather than an in-text citation
        #[arg(long)]
        bibliography: bool,
        /// Only print: look up identifiers not in the library without adding them
        #[arg(long)]
        no_add: bool,
    },
    /// Import a saved publisher page (HTML or text): the work, its book, and the works its notes cite, linked
    ImportPage {
        file: PathBuf,
        /// Print {"work", "notes", "works"} as JSON
        #[arg(long)]
        json: bool,
        /// Do not look the page's DOI up; use the page alone
        #[arg(long, conflicts_with = "match_crossref")]
        offline: bool,
        /// Look each cited work that has no DOI and is not in the library up in Crossref's
        /// bibliographic search; a DOI is taken only when the answer's score is high enough and
        /// its title, year and first author agree with the note (the score is kept)
        #[arg(long = "match", id = "match_crossref")]
        match_crossref: bool,
    },
    /// List the citations a work makes, in note order
    Cited {
        key: String,
        #[arg(long)]
        json: bool,
    },
    /// Look a work up again at its source (conditionally, when the source gave an ETag) and update it
    Refresh {
        key: String,
        /// Re-derive it from the responses kept in the library instead (no network)
        #[arg(long)]
        offline: bool,
    },
    /// Show the settings (service URLs, contact address), or get, set (--unset) one
    Settings {
        key: Option<String>,
        value: Option<String>,
        #[arg(long)]
        unset: bool,
    },
    /// Back the library up: to FILE, else into its backups folder (NAME-backups beside it; the 10 newest kept); --list shows the backups there
    Backup {
        /// A new file to write the backup to
        file: Option<PathBuf>,
        /// List the backups in the backups folder instead
        #[arg(long, conflicts_with = "file")]
        list: bool,
    },
    /// Serve the commands over HTTP on 127.0.0.1 (POST /api/cmd/<name>) until stopped
    Serve {
        /// The port on 127.0.0.1 (0 picks a free one)
        #[arg(long, default_value_t = ibid_server::DEFAULT_PORT)]
        port: u16,
        /// Also serve the web UI's built files from DIR at /
        #[arg(long, value_name = "DIR")]
        ui: Option<PathBuf>,
        /// The file holding the API token that writes need (made, owner-only, when missing) [default: the platform config dir, e.g. ~/.config/ibid/api-token]
        #[arg(long, env = "IBID_TOKEN_FILE", value_name = "PATH")]
        token_file: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum AutoExportCmd {
    /// Keep FILE in step with the library (or with a scope: KEY…, --collection, --tag, --search, --cited-by)
    Add {
        #[arg(long, value_parser = ["bibtex", "biblatex", "csl-json", "ris"])]
        format: String,
        #[arg(long, value_name = "FILE")]
        path: PathBuf,
        #[command(flatten)]
        scope: ScopeArgs,
    },
    /// List the auto-exports: file, format, scope, when last written, any error
    Ls {
        #[arg(long)]
        json: bool,
    },
    /// Stop keeping FILE in step (the file stays)
    Rm { path: PathBuf },
}

impl Command {
    /// Whether the command may change the library (then the auto-exports follow).
    fn changes_library(&self) -> bool {
        match self {
            Command::Cite { no_add, .. } => !no_add,
            Command::Import { .. }
            | Command::New { .. }
            | Command::Edit { .. }
            | Command::Tag { .. }
            | Command::Collection(_)
            | Command::Trash { .. }
            | Command::Restore { .. }
            | Command::Note { .. }
            | Command::Attach { .. }
            | Command::Add { .. }
            | Command::ImportPage { .. }
            | Command::Refresh { .. } => true,
            Command::Duplicates { action, .. } => action.is_some(),
            _ => false,
        }
    }
}

/// Which works: `export` and `auto-export add` (the whole library when none is given).
#[derive(clap::Args)]
struct ScopeArgs {
    /// These works (keys or DOIs)
    keys: Vec<String>,
    /// The works in a collection (its path, e.g. "Cold War/Korea", or key)
    #[arg(long, conflicts_with_all = ["tag", "search", "cited_by"])]
    collection: Option<String>,
    /// The works with a tag
    #[arg(long, conflicts_with_all = ["search", "cited_by"])]
    tag: Option<String>,
    /// The works a search finds
    #[arg(long, conflicts_with = "cited_by")]
    search: Option<String>,
    /// The works one work cites (each once)
    #[arg(long, value_name = "KEY")]
    cited_by: Option<String>,
}

impl ScopeArgs {
    fn scope(self) -> Scope {
        match (self.collection, self.tag, self.search, self.cited_by) {
            (Some(c), ..) => Scope::Collection(c),
            (_, Some(t), ..) => Scope::Tag(t),
            (_, _, Some(q), _) => Scope::Search(q),
            (.., Some(k)) => Scope::CitedBy(k),
            _ if !self.keys.is_empty() => Scope::Keys(self.keys),
            _ => Scope::Library,
        }
    }
}

#[derive(Subcommand)]
enum CollectionCmd {
    /// Add works to a collection (created if missing; nest with A/B)
    Add {
        path: String,
        keys: Vec<String>,
    },
    /// Remove works from a collection, or delete the collection when no key is given
    Rm {
        path: String,
        keys: Vec<String>,
    },
    /// List collections with their counts
    Ls {
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    ibid_api::no_huge_pages();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("IBID_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ibid: {e}");
            ExitCode::FAILURE
        }
    }
}

fn default_library() -> Result<PathBuf, ibid_core::Error> {
    directories::ProjectDirs::from("", "", "ibid")
        .map(|d| d.data_dir().join("library.sqlite"))
        .ok_or_else(|| ibid_core::Error::invalid("no home folder found; pass --library PATH or set IBID_LIBRARY"))
}

type Res<T> = Result<T, ibid_core::Error>;

fn run(cli: Cli) -> Res<ExitCode> {
    let path = match cli.library.clone() {
        Some(p) => p,
        None => default_library()?,
    };
    let changes = cli.command.changes_library();
    let code = run_command(cli, &path)?;
    if changes {
        // The auto-exports follow the change (each re-renders only what changed).
        let mut lib = Library::open(&path)?;
        for r in ibid_api::auto_export::refresh_all(&mut lib) {
            if let Err(e) = r {
                eprintln!("ibid: {e}");
            }
        }
    }
    Ok(code)
}

fn run_command(cli: Cli, path: &Path) -> Res<ExitCode> {
    let path = path.to_path_buf();
    if let Command::Serve { port, ui, token_file } = cli.command {
        let token_file = match token_file {
            Some(p) => p,
            None => ibid_server::default_token_file().ok_or_else(|| ibid_core::Error::invalid("no home folder found; pass --token-file PATH or set IBID_TOKEN_FILE"))?,
        };
        return serve(&path, port, ui, &token_file);
    }
    let mut lib = Library::open(&path)?;
    match cli.command {
        Command::Add { ids, from, json } => return resolve::add_cmd(lib, &ids, from.as_ref(), json),
        Command::Refresh { key, offline } => return resolve::refresh_cmd(lib, &key, offline),
        Command::Settings { key, value, unset } => return resolve::settings_cmd(lib, key.as_deref(), value.as_deref(), unset),
        Command::ImportPage { file, json, offline, match_crossref } => return notes::import_page_cmd(lib, &file, json, offline, match_crossref),
        Command::Cited { key, json } => return notes::cited_cmd(&lib, &key, json),
        Command::Cite { ids, style, format, locale, bibliography, no_add } => {
            let opts = cite::CiteOptions { style, format, locale, bibliography, add: !no_add };
            return cite::cite_cmd(lib, &ids, &opts);
        }
        _ => {}
    }
    let mut out = std::io::stdout().lock();
    let w = |e: std::io::Error| ibid_core::Error::io("cannot write to standard output", e);
    match cli.command {
        Command::Import { file, format, on_duplicate, json } => {
            let summary = formats::import_file(&mut lib, &file, format.as_deref(), on_duplicate.parse()?)?;
            let skipped: Vec<(usize, &str)> = summary.skipped().collect();
            let merged: Vec<(usize, &str)> = summary.merged().collect();
            let added: Vec<&str> = summary.added().collect();
            let failed: Vec<(usize, &str)> = summary.failed().collect();
            if json {
                let dup = |v: &[(usize, &str)]| v.iter().map(|(i, k)| serde_json::json!({"index": i, "key": k})).collect::<Vec<_>>();
                let v = serde_json::json!({
                    "added": added,
                    "skipped": dup(&skipped),
                    "merged": dup(&merged),
                    "failed": failed.iter().map(|(i, m)| serde_json::json!({"index": i, "message": m})).collect::<Vec<_>>(),
                });
                writeln!(out, "{v}").map_err(w)?;
            } else {
                writeln!(out, "imported {} work(s) from {}", added.len(), file.display()).map_err(w)?;
                if !skipped.is_empty() || !merged.is_empty() {
                    writeln!(out, "{} duplicate(s) skipped, {} merged into works already in the library", skipped.len(), merged.len()).map_err(w)?;
                    for (i, k) in skipped.iter().chain(&merged) {
                        writeln!(out, "  item {}: the same work as {k}", i + 1).map_err(w)?;
                    }
                }
                for (i, m) in &failed {
                    eprintln!("ibid: item {} (counting from 1) not imported: {m}", i + 1);
                }
            }
            if !failed.is_empty() {
                eprintln!("ibid: {} item(s) of {} could not be imported", failed.len(), file.display());
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::List { sort, desc, limit, after, trash, json } => {
            let q = ListQuery {
                sort: sort.parse()?,
                descending: desc,
                after: after.as_deref().map(Cursor::decode).transpose()?,
                limit,
                trash,
                ..Default::default()
            };
            let page = lib.list(&q)?;
            print_works(&lib, &page.ids, json, &mut out)?;
            if let (Some(next), false) = (page.next, json) {
                writeln!(out, "-- more: --after {}", next.encode()).map_err(w)?;
            }
        }
        Command::Show { key, json } => {
            let id = lib.resolve(&key)?;
            let item = show_item(&lib, id)?;
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&item)?).map_err(w)?;
            } else {
                for (k, v) in &item {
                    writeln!(out, "{k}: {}", human_value(v)).map_err(w)?;
                }
            }
        }
        Command::Search { query, limit, json } => {
            let hits = lib.search(&query.join(" "), limit)?;
            let ids: Vec<i64> = hits.iter().map(|h| h.id).collect();
            print_works(&lib, &ids, json, &mut out)?;
        }
        Command::New { work_type, title, author, editor, translator, issued, doi, set } => {
            let mut work = Work::new("document");
            work.set_field("type", &work_type)?;
            work.set_field("title", &title)?;
            for (role, names) in [("author", author), ("editor", editor), ("translator", translator)] {
                if !names.is_empty() {
                    work.set_field(role, &names.join(";"))?;
                }
            }
            if let Some(d) = issued {
                work.set_field("issued", &d)?;
            }
            if let Some(d) = doi {
                work.set_field("DOI", &d)?;
            }
            for (k, v) in parse_sets(&set)? {
                work.set_field(&k, &v)?;
            }
            let work = csl::split(work)?;
            let key = lib.add(work)?;
            writeln!(out, "{key}").map_err(w)?;
        }
        Command::Edit { key, set } => {
            let id = lib.resolve(&key)?;
            lib.edit(id, &parse_sets(&set)?)?;
        }
        Command::Tag { key, changes } => {
            let id = lib.resolve(&key)?;
            let (mut add, mut rm) = (Vec::new(), Vec::new());
            for c in changes {
                if let Some(t) = c.strip_prefix('+') {
                    add.push(t.to_string());
                } else if let Some(t) = c.strip_prefix('-') {
                    rm.push(t.to_string());
                } else {
                    return Err(ibid_core::Error::invalid(format!("write +{c} to add the tag or -{c} to remove it")));
                }
            }
            lib.retag(id, &add, &rm)?;
        }
        Command::Collection(cmd) => match cmd {
            CollectionCmd::Add { path, keys } => {
                let ids = resolve_all(&lib, &keys)?;
                let c = lib.collection(&path, true)?;
                lib.add_to_collection(c, &ids)?;
            }
            CollectionCmd::Rm { path, keys } => {
                let c = lib.collection(&path, false)?;
                if keys.is_empty() {
                    lib.delete_collection(c)?;
                } else {
                    let ids = resolve_all(&lib, &keys)?;
                    lib.remove_from_collection(c, &ids)?;
                }
            }
            CollectionCmd::Ls { json } => {
                let cols = lib.collections()?;
                if json {
                    let v: Vec<Value> = cols
                        .iter()
                        .map(|c| serde_json::json!({"key": c.key, "path": c.path.join("/"), "count": c.count}))
                        .collect();
                    writeln!(out, "{}", Value::Array(v)).map_err(w)?;
                } else {
                    for c in cols {
                        let indent = "  ".repeat(c.path.len() - 1);
                        writeln!(out, "{indent}{} ({})", c.path.last().expect("non-empty path"), c.count).map_err(w)?;
                    }
                }
            }
        },
        Command::Trash { keys } => {
            for id in resolve_all(&lib, &keys)? {
                lib.trash(id)?;
            }
        }
        // `ibid restore FILE`: one argument that is a file, not a key, is a backup.
        Command::Restore { keys, backup: None } if keys.len() == 1 && !ibid_core::store::is_key(&keys[0]) && Path::new(&keys[0]).is_file() => {
            restore_backup(&mut lib, Path::new(&keys[0]))?;
        }
        Command::Restore { keys, backup: None } => {
            for id in resolve_all(&lib, &keys)? {
                lib.restore(id)?;
            }
        }
        Command::Note { key, text } => {
            let id = lib.resolve(&key)?;
            writeln!(out, "{}", lib.add_note(id, &text)?).map_err(w)?;
        }
        Command::Attach { key, file } => {
            let id = lib.resolve(&key)?;
            writeln!(out, "{}", lib.attach(id, &file)?).map_err(w)?;
        }
        Command::Serve { .. }
        | Command::Add { .. }
        | Command::Refresh { .. }
        | Command::Settings { .. }
        | Command::ImportPage { .. }
        | Command::Cited { .. }
        | Command::Cite { .. } => {
            unreachable!("handled above")
        }
        Command::Duplicates { action, json } => duplicates::run(&mut lib, action, json, &mut out)?,
        Command::AutoExport(cmd) => match cmd {
            AutoExportCmd::Add { format, path: file, scope } => {
                let file = absolute(&file)?;
                let scope = scope.scope();
                lib.scope_ids(&scope)?; // a scope that does not resolve is refused now, not at every change
                let id = lib.add_auto_export(&file, &format, &scope)?;
                let ae = lib.auto_exports()?.into_iter().find(|a| a.id == id).expect("just added");
                let r = ibid_api::auto_export::refresh(&mut lib, &ae, true)?;
                writeln!(out, "wrote {} entries to {}; kept in step from now on", r.entries, r.path).map_err(w)?;
            }
            AutoExportCmd::Ls { json } => {
                let all = lib.auto_exports()?;
                if json {
                    let list: Vec<Value> = all
                        .iter()
                        .map(|a| {
                            serde_json::json!({
                                "path": a.path, "format": a.format, "scope": a.scope.to_json(),
                                "written_at": a.written_at, "entries": a.entries, "error": a.last_error,
                            })
                        })
                        .collect();
                    writeln!(out, "{}", Value::Array(list)).map_err(w)?;
                } else {
                    for a in &all {
                        let when = a.written_at.map_or("never".to_string(), |ms| format!("{ms}"));
                        let error = a.last_error.as_deref().map(|e| format!("  ERROR {e}")).unwrap_or_default();
                        writeln!(out, "{}  {}  {}  {} entries, written at {when} (unix ms){error}", a.path, a.format, a.scope.to_json(), a.entries.unwrap_or(0)).map_err(w)?;
                    }
                }
            }
            AutoExportCmd::Rm { path: file } => {
                let file = absolute(&file)?;
                lib.remove_auto_export(&file)?;
                writeln!(out, "{file} is no longer kept in step (the file stays)").map_err(w)?;
            }
        },
        Command::Export { format, style, locale, cite, scope, latex, key_pattern, output } => {
            let scope = scope.scope();
            let args = formats::ExportArgs { format, style, locale, cite, scope, latex_accents: latex, key_pattern, output };
            let n = formats::export(&mut lib, &args, &mut out)?;
            if let Some(p) = &args.output {
                eprintln!("exported {n} work(s) to {}", p.display());
            }
        }
        Command::Backup { file, list } => {
            if list {
                let now = ibid_core::store::clock_ms();
                for b in lib.backups()? {
                    let age = (now - b.written_at).max(0) / 1000;
                    let age = match age {
                        a if a < 3600 => format!("{} min ago", a / 60),
                        a if a < 86_400 => format!("{} h ago", a / 3600),
                        a => format!("{} days ago", a / 86_400),
                    };
                    writeln!(out, "{:<12} {:>12} {:>10} bytes  {}", b.kind.name(), age, b.bytes, b.path.display()).map_err(w)?;
                }
            } else {
                let dest = match file {
                    Some(f) => {
                        lib.backup_to(&f)?;
                        f
                    }
                    None => lib.backup(ibid_core::store::BackupKind::Manual)?,
                };
                eprintln!("backed up {} work(s) to {}", lib.count()?, dest.display());
            }
        }
        Command::Restore { backup: Some(file), .. } => restore_backup(&mut lib, &file)?,
        Command::Styles => {
            for (id, title) in ibid_formats::render::list_styles() {
                writeln!(out, "{id:<40} {title}").map_err(w)?;
            }
            writeln!(out, "locales: {}", ibid_formats::render::list_locales().join(" ")).map_err(w)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `ibid restore FILE` / `--backup FILE`: the library replaced by a backup.
fn restore_backup(lib: &mut Library, file: &Path) -> Result<(), ibid_core::Error> {
    let kept = lib.restore_backup(file)?;
    eprintln!("restored {} ({} work(s)); the library as it was is kept in {}", file.display(), lib.count()?, kept.display());
    Ok(())
}

/// `ibid serve`: prints `listening on http://127.0.0.1:PORT` (one line, which
/// scripts wait for) and serves until SIGINT or SIGTERM.
fn serve(path: &Path, port: u16, ui: Option<PathBuf>, token_file: &Path) -> Res<ExitCode> {
    if let Some(dir) = ui.as_ref().filter(|d| !d.is_dir()) {
        return Err(ibid_core::Error::invalid(format!("--ui {}: not a folder", dir.display())));
    }
    let token = ibid_server::load_or_create_token(token_file)
        .map_err(|e| ibid_core::Error::io(format!("the API token file {}", token_file.display()), e))?;
    eprintln!("commands that change the library need the token in {} (Authorization: Bearer …)", token_file.display());
    let api = Arc::new(ibid_api::Api::open(path).map_err(|e| ibid_core::Error::invalid(e.message))?);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ibid_core::Error::io("cannot start the server's runtime", e))?;
    rt.block_on(async {
        let listener = ibid_server::bind_loopback(port)
            .await
            .map_err(|e| ibid_core::Error::io(format!("cannot listen on 127.0.0.1:{port}"), e))?;
        let addr = listener.local_addr().map_err(|e| ibid_core::Error::io("cannot read the bound address", e))?;
        let shutdown = ibid_server::shutdown_signal().map_err(|e| ibid_core::Error::io("cannot handle SIGINT/SIGTERM", e))?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{addr}")
            .and_then(|()| out.flush())
            .map_err(|e| ibid_core::Error::io("cannot write to standard output", e))?;
        drop(out);
        let opts = ibid_server::ServeOptions { ui_dir: ui, token, ..Default::default() };
        ibid_server::serve_with_shutdown(api, listener, opts, shutdown)
            .await
            .map_err(|e| ibid_core::Error::io("the server stopped", e))
    })?;
    Ok(ExitCode::SUCCESS)
}

fn resolve_all(lib: &Library, keys: &[String]) -> Res<Vec<i64>> {
    keys.iter().map(|k| lib.resolve(k)).collect()
}

fn parse_sets(sets: &[String]) -> Res<Vec<(String, String)>> {
    sets.iter()
        .map(|s| {
            s.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.to_string()))
                .ok_or_else(|| ibid_core::Error::invalid(format!("--set takes FIELD=VALUE, not {s:?}")))
        })
        .collect()
}

/// The flat CSL-JSON item plus Ibid's own fields: tags, collections, parent.
fn show_item(lib: &Library, id: i64) -> Res<Map<String, Value>> {
    let mut item = lib.csl_item(id)?;
    item.insert("tags".into(), serde_json::json!(lib.tags_of(id)?));
    item.insert("collections".into(), serde_json::json!(lib.collections_of(id)?));
    if let Some(p) = lib.parent_id(id)? {
        item.insert("parent".into(), Value::String(lib.key_of(p)?));
    }
    let notes = lib.notes_of(id)?;
    if !notes.is_empty() {
        item.insert("notes".into(), serde_json::json!(notes.iter().map(|n| &n.body).collect::<Vec<_>>()));
    }
    let atts = lib.attachments_of(id)?;
    if !atts.is_empty() {
        item.insert(
            "attachments".into(),
            serde_json::json!(atts.iter().map(|a| serde_json::json!({"path": a.path, "sha256": a.sha256, "size": a.size})).collect::<Vec<_>>()),
        );
    }
    if lib.is_trashed(id)? {
        item.insert("trashed".into(), Value::Bool(true));
    }
    Ok(item)
}

fn human_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(human_value).collect::<Vec<_>>().join("; "),
        Value::Object(o) if o.contains_key("family") || o.contains_key("literal") => {
            match (o.get("family").and_then(Value::as_str), o.get("given").and_then(Value::as_str), o.get("literal").and_then(Value::as_str)) {
                (_, _, Some(l)) => l.to_string(),
                (Some(f), Some(g), _) => format!("{f}, {g}"),
                (Some(f), None, _) => f.to_string(),
                _ => v.to_string(),
            }
        }
        Value::Object(o) if o.contains_key("date-parts") => o["date-parts"][0]
            .as_array()
            .map(|p| p.iter().map(|x| x.to_string()).collect::<Vec<_>>().join("-"))
            .unwrap_or_default(),
        other => other.to_string(),
    }
}

fn print_works(lib: &Library, ids: &[i64], json: bool, out: &mut impl Write) -> Res<()> {
    let items = lib.csl_items(ids)?;
    let w = |e: std::io::Error| ibid_core::Error::io("cannot write to standard output", e);
    if json {
        writeln!(out, "{}", serde_json::to_string(&items)?).map_err(w)?;
        return Ok(());
    }
    for item in &items {
        let year = item
            .get("issued")
            .and_then(|d| d.get("date-parts"))
            .and_then(|p| p[0][0].as_i64())
            .map(|y| y.to_string())
            .unwrap_or_else(|| "n.d.".into());
        let creator = item
            .get("author")
            .or_else(|| item.get("editor"))
            .and_then(|a| a.get(0))
            .map(human_value)
            .unwrap_or_default();
        let title = item.get("title").and_then(Value::as_str).unwrap_or("");
        writeln!(out, "{}  {:>4}  {:<24}  {}", item["id"].as_str().unwrap_or(""), year, truncate(&creator, 24), title).map_err(w)?;
    }
    Ok(())
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).chain(['…']).collect()
    }
}

/// An absolute path for `p` (relative to the working folder), as a string.
fn absolute(p: &Path) -> Res<String> {
    let abs = std::path::absolute(p).map_err(|e| ibid_core::Error::io(format!("{}", p.display()), e))?;
    abs.to_str().map(str::to_string).ok_or_else(|| ibid_core::Error::invalid(format!("{}: not a UTF-8 path", p.display())))
}
