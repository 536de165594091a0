//! The commands Ibid's shells offer, as plain functions over DTOs.
//!
//! The desktop shell wraps each command in its own Tauri command (one
//! permission each); `ibid serve` exposes them as `POST /api/cmd/<name>`
//! through [`Api::call`]. Both call the same code, so the UI behaves the same
//! in the desktop window and in a plain browser. Errors cross every boundary
//! as [`ApiError`] `{code, message}`; callers match on `code`, never on text.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

pub mod auto_export;
mod cited;
mod duplicates;
mod formats;
mod jobs;
pub mod picks;
pub use auto_export::{AddAutoExport, AutoExportDto, AutoExportPath};
mod refresher;
pub use cited::{CitedIn, CitedWork, Citation, CitingWork, PasteNotes};
pub use duplicates::{
    Dismissed, DuplicateGroupDto, DuplicateWork, Duplicates, MergeDuplicates, MergeGroupArgs, MergeUndone, Merged, UndoMerge,
};
pub use formats::{
    sniff, CitationArgs, ExportArgs, ExportScope, Exported, Formatted, ImportFile, SaveExport, Saved, StyleDto, StyleList, DEFAULT_KEY_PATTERN,
    DEFAULT_STYLE, EXPORT_FORMATS, IMPORT_FORMATS,
};
pub use jobs::{AddIdentifiers, AddJob, AddResult, AddStarted, JobArgs};
pub use picks::{AnswerPick, NextPick, PickAnswered, PickDto, PickEvent, PickedCitation};
pub use refresher::AutoExportCounts;

use ibid_core::store::{ListQuery, Sort};
use ibid_core::{csl, Library, Work};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// An error as it crosses a boundary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: String,
    pub message: String,
}

impl From<ibid_core::Error> for ApiError {
    fn from(e: ibid_core::Error) -> Self {
        ApiError { code: e.code().to_string(), message: e.to_string() }
    }
}

impl ApiError {
    pub(crate) fn new(code: &str, message: impl Into<String>) -> Self {
        ApiError { code: code.into(), message: message.into() }
    }
    /// The HTTP status that goes with this error's code.
    pub fn http_status(&self) -> u16 {
        match self.code.as_str() {
            "not_found" | "unknown_command" => 404,
            "invalid_input" | "bad_file" | "bad_arguments" | "not_an_identifier" | "unknown_style" | "bad_style" | "unknown_parent_style"
            | "unknown_locale" | "unknown_format" | "no_bibliography" => 400,
            "exists" => 409,
            "no_picker" | "stopping" => 503,
            "timeout" => 504,
            _ => 500,
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

// ---- DTOs ----------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LibraryInfo {
    pub path: String,
    pub count: i64,
    pub trash_count: i64,
    /// Opened read-only (a read-only disk or file): writes fail with `read_only`.
    pub read_only: bool,
}

/// Which works a list shows.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Scope {
    /// `title`, `creator`, `year`, `added` or `modified`.
    pub sort: Option<String>,
    pub desc: bool,
    pub trash: bool,
    /// A collection's key.
    pub collection: Option<String>,
    pub tag: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct KeysArgs {
    pub keys: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct KeyArgs {
    pub key: String,
}

/// One row of the item list.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Row {
    pub key: String,
    #[serde(rename = "type")]
    pub work_type: String,
    /// May carry publisher markup (`<i>`…): the UI sanitizes before rendering.
    pub title: String,
    /// "Shen", "Shen & Xia", "Goncharov et al."
    pub creators: String,
    pub year: Option<i32>,
    /// Unix milliseconds.
    pub added: i64,
}

/// The keys of every work in a scope, in order, as one string of 8-character
/// keys (compact for a million works), plus the first page of rows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct KeyList {
    pub keys: String,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SearchArgs {
    pub q: String,
    #[serde(default)]
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LinkedWork {
    pub key: String,
    #[serde(rename = "type")]
    pub work_type: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Note {
    pub key: String,
    pub body: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Attachment {
    pub key: String,
    pub path: String,
    pub sha256: String,
    pub size: i64,
}

/// Everything the detail pane shows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Detail {
    pub key: String,
    /// The flat CSL-JSON item (container fields filled in from the parent).
    pub item: Map<String, Value>,
    /// The variables stored on this work itself (what editing changes).
    pub own: Map<String, Value>,
    pub tags: Vec<String>,
    pub collections: Vec<String>,
    /// The container (a chapter's book, an article's journal).
    pub parent: Option<LinkedWork>,
    /// The works inside this one (a book's chapters).
    pub children: Vec<LinkedWork>,
    pub notes: Vec<Note>,
    pub attachments: Vec<Attachment>,
    pub trashed: bool,
    /// How many citations this work makes (its notes or reference list).
    pub cites: i64,
    /// How many works cite this one.
    pub cited_by: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FieldEdit {
    pub key: String,
    /// A CSL variable name: `title`, `publisher`, `issued`, `DOI`, `ISBN`, `author`…
    pub field: String,
    /// Text; an empty string clears. Dates as 2020, 2020-05 or 2020-05-01;
    /// names as `Family, Given; Family, Given`.
    pub value: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CreatorDto {
    pub role: String,
    #[serde(default)]
    pub family: Option<String>,
    #[serde(default)]
    pub given: Option<String>,
    #[serde(default)]
    pub literal: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SetCreators {
    pub key: String,
    /// In order; replaces all of the work's creators.
    pub creators: Vec<CreatorDto>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Retag {
    pub key: String,
    #[serde(default)]
    pub add: Vec<String>,
    #[serde(default)]
    pub remove: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CollectionDto {
    pub key: String,
    pub name: String,
    /// `A/B`
    pub path: String,
    pub parent: Option<String>,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TagDto {
    pub name: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CollectionPath {
    /// `A/B`: created level by level when missing.
    pub path: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CollectionItems {
    /// The collection's key.
    pub collection: String,
    pub keys: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NewItem {
    #[serde(rename = "type")]
    pub work_type: String,
    pub title: String,
    #[serde(default)]
    pub fields: Vec<(String, String)>,
}

/// `import_csl_json`'s argument (`import_text` takes any format: [`ImportFile`]).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ImportText {
    /// CSL-JSON: an array of items or one item.
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ImportFailure {
    /// Counting from 1.
    pub item: usize,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ImportResult {
    pub added: Vec<String>,
    pub failed: Vec<ImportFailure>,
}

/// `undo_import`'s answer (issue 9): what became of the works an import
/// added (its `added` keys).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ImportUndone {
    /// Works deleted as the import had added them, with the container
    /// records (a chapter's book, an article's journal) no other work uses.
    pub removed: usize,
    /// Works changed since the import (edited, tagged, noted, collected,
    /// cited, holding a work that stays): moved to the Trash instead, so
    /// nothing added since is lost.
    pub trashed: Vec<String>,
    /// Works merged since into another: left as they are (undo that merge first).
    pub kept: Vec<String>,
    /// Keys no longer in the library.
    pub missing: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AddNote {
    pub key: String,
    pub body: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Attach {
    pub key: String,
    pub path: String,
}

// ---- The API ---------------------------------------------------------------

/// The commands, over one library. `Sync`: shells share it between threads.
pub struct Api {
    lib: Arc<Mutex<Library>>,
    path: PathBuf,
    jobs: jobs::Jobs,
    formats: formats::FormatState,
    picks: picks::Picks,
    /// The auto-exports' background refresh.
    auto: Arc<refresher::Refresher>,
}

/// The commands after which the auto-exports are not refreshed although
/// they change the library: `add_identifiers` only starts a lookup job,
/// which asks for the refresh when it has added the works.
const REFRESHED_BY_THEIR_JOB: &[&str] = &["add_identifiers"];

/// Writes the day's backup of the library at `path` into its backups
/// folder if the newest daily one is more than a day old (seven are kept),
/// on a thread of its own with its own read-only connection, so the app
/// goes on meanwhile. What a shell calls once at start, with a delay
/// (`after`) so that the copy (tens of seconds for a million works) does
/// not compete with the launch; a failure is logged, never fatal. `None`:
/// the thread could not start.
pub fn start_daily_backup(path: std::path::PathBuf, after: std::time::Duration) -> Option<std::thread::JoinHandle<()>> {
    use ibid_core::store::{backup_if_due, BackupKind};
    std::thread::Builder::new()
        .name("ibid-backup".into())
        .spawn(move || {
            std::thread::sleep(after);
            match backup_if_due(&path, BackupKind::Daily, std::time::Duration::from_secs(24 * 3600)) {
                Ok(Some(file)) => tracing::info!(backup = %file.display(), "wrote the daily backup"),
                Ok(None) => {}
                Err(e) => tracing::warn!(library = %path.display(), "the daily backup failed: {e}"),
            }
        })
        .ok()
}

/// What every Ibid process (`ibid`, the desktop app, `ibid-bench`) does
/// first: no transparent huge pages. mimalloc asks for them
/// (`madvise(MADV_HUGEPAGE)` on its arenas), and where the kernel's THP
/// defrag setting is `madvise` (Debian's default) a fault in such memory
/// compacts memory synchronously: a 100k-entry BibTeX parse spent 1.8 s in
/// the kernel with them and 0.5 s without (BENCHMARKS.md).
pub fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_THP_DISABLE only sets a flag on this process.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// The command names, in the order the dispatcher knows them. The desktop
/// shell registers one Tauri command (and one permission) per name.
pub const COMMANDS: &[&str] = &[
    "library_info", "list_keys", "rows", "search", "get_detail", "update_field", "set_creators",
    "retag", "tags", "collections", "create_collection", "add_to_collection",
    "remove_from_collection", "delete_collection", "trash", "restore", "new_item", "import_csl_json",
    "add_note", "attach", "add_identifiers", "add_job", "styles", "export", "save_export", "format_citation", "import_text",
    "cited_works", "cited_by", "paste_notes", "auto_exports", "add_auto_export", "remove_auto_export", "next_pick",
    "answer_pick", "find_duplicates", "merge_duplicates", "undo_merge", "dismiss_duplicates", "undo_import",
];

/// The commands that only read the library (and write no file). Over HTTP
/// every other command needs the API token. `format_citation` and `export`
/// may give works their citation keys (assigned once and kept): that
/// completes a record, and is allowed without the token.
pub const READ_COMMANDS: &[&str] = &[
    "library_info", "list_keys", "rows", "search", "get_detail", "tags", "collections", "add_job", "styles", "export",
    "format_citation", "cited_works", "cited_by", "auto_exports", "find_duplicates",
];

/// The commands of picks (an editor's "cite as you write" answered in a
/// window): they need the token over HTTP, but change nothing in the
/// library, so no auto-export follows them.
pub const PICK_COMMANDS: &[&str] = &["next_pick", "answer_pick"];

/// Whether the command `name` may change the library (and the auto-exports
/// must follow it).
pub fn changes_library(name: &str) -> bool {
    !READ_COMMANDS.contains(&name) && !PICK_COMMANDS.contains(&name)
}

impl Drop for Api {
    /// The refreshes asked for are run before the API goes.
    fn drop(&mut self) {
        self.auto.stop();
    }
}

fn parse<T: for<'de> Deserialize<'de>>(name: &str, args: Value) -> ApiResult<T> {
    serde_json::from_value(args).map_err(|e| ApiError::new("bad_arguments", format!("{name}: {e}")))
}

fn to_value<T: Serialize>(v: ApiResult<T>) -> ApiResult<Value> {
    v.and_then(|v| serde_json::to_value(v).map_err(|e| ApiError::new("internal", e.to_string())))
}

impl Api {
    pub fn open(path: impl AsRef<Path>) -> ApiResult<Api> {
        let lib = Arc::new(Mutex::new(Library::open(path.as_ref())?));
        let shared = Arc::clone(&lib);
        let auto = refresher::Refresher::new(move || {
            for r in auto_export::refresh_all_shared(&shared) {
                if let Err(e) = r {
                    tracing::warn!("{e}");
                }
            }
        });
        Ok(Api { lib, path: path.as_ref().to_path_buf(), jobs: jobs::Jobs::default(), formats: formats::FormatState::default(), picks: picks::Picks::default(), auto })
    }

    fn lib(&self) -> MutexGuard<'_, Library> {
        // A panic while holding the lock cannot leave the library half
        // written (every write is a transaction), so the lock is reusable.
        self.lib.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs a command by name with JSON arguments. `unknown_command` for a
    /// name not in [`COMMANDS`], `bad_arguments` when the JSON does not fit.
    /// After a command that changes the library, the auto-exports follow
    /// ([`Api::command_done`]).
    pub fn call(&self, name: &str, args: Value) -> ApiResult<Value> {
        let out = self.dispatch(name, args);
        if out.is_ok() {
            self.command_done(name);
        }
        out
    }

    /// What a shell calls after a command succeeded (`call` does it): after
    /// one that changes the library, the auto-exports are refreshed on a
    /// thread of their own, after the answer — many quick commands, one
    /// refresh after them. [`Api::flush_auto_exports`] waits for it.
    pub fn command_done(&self, name: &str) {
        if changes_library(name) && !REFRESHED_BY_THEIR_JOB.contains(&name) {
            self.auto.request();
        }
    }

    /// A setting kept with the library (`None`: not set). Not a command: a
    /// shell's own settings live here (the desktop's quick-lookup shortcut).
    pub fn setting(&self, key: &str) -> ApiResult<Option<String>> {
        Ok(self.lib().settings()?.into_iter().find(|(k, _)| k == key).map(|(_, v)| v))
    }

    /// Sets (or with `None` removes) a setting kept with the library.
    pub fn set_setting(&self, key: &str, value: Option<&str>) -> ApiResult<()> {
        Ok(self.lib().set_setting(key, value)?)
    }

    /// Waits until the auto-export refreshes asked for so far have run: the
    /// files are current with every change answered before. For callers
    /// that promise that (`POST /api/items`), tests, and shells closing.
    pub fn flush_auto_exports(&self) {
        self.auto.flush();
    }

    /// Refreshes every auto-export now (each re-renders only what changed)
    /// and waits for it; an error is kept with its auto-export and logged.
    /// For an auto-export added by another process (the CLI).
    pub fn refresh_auto_exports(&self) {
        self.auto.request();
        self.auto.flush();
    }

    /// How many refreshes were asked for and run since the API was opened.
    pub fn auto_export_counts(&self) -> AutoExportCounts {
        self.auto.counts()
    }

    fn dispatch(&self, name: &str, args: Value) -> ApiResult<Value> {
        match name {
            "library_info" => to_value(self.library_info()),
            "list_keys" => to_value(self.list_keys(parse(name, args)?)),
            "rows" => to_value(self.rows(parse(name, args)?)),
            "search" => to_value(self.search(parse(name, args)?)),
            "get_detail" => to_value(self.get_detail(parse(name, args)?)),
            "update_field" => to_value(self.update_field(parse(name, args)?)),
            "set_creators" => to_value(self.set_creators(parse(name, args)?)),
            "retag" => to_value(self.retag(parse(name, args)?)),
            "tags" => to_value(self.tags()),
            "collections" => to_value(self.collections()),
            "create_collection" => to_value(self.create_collection(parse(name, args)?)),
            "add_to_collection" => to_value(self.add_to_collection(parse(name, args)?)),
            "remove_from_collection" => to_value(self.remove_from_collection(parse(name, args)?)),
            "delete_collection" => to_value(self.delete_collection(parse(name, args)?)),
            "trash" => to_value(self.trash(parse(name, args)?)),
            "restore" => to_value(self.restore(parse(name, args)?)),
            "new_item" => to_value(self.new_item(parse(name, args)?)),
            "import_csl_json" => to_value(self.import_csl_json(parse(name, args)?)),
            "add_note" => to_value(self.add_note(parse(name, args)?)),
            "attach" => to_value(self.attach(parse(name, args)?)),
            "add_identifiers" => to_value(self.add_identifiers(parse(name, args)?)),
            "add_job" => to_value(self.add_job(parse(name, args)?)),
            "styles" => to_value(self.styles()),
            "export" => to_value(self.export(parse(name, args)?)),
            "save_export" => to_value(self.save_export(parse(name, args)?)),
            "format_citation" => to_value(self.format_citation(parse(name, args)?)),
            "import_text" => to_value(self.import_text(parse(name, args)?)),
            "cited_works" => to_value(self.cited_works(parse(name, args)?)),
            "cited_by" => to_value(self.cited_by(parse(name, args)?)),
            "paste_notes" => to_value(self.paste_notes(parse(name, args)?)),
            "next_pick" => to_value(self.next_pick(parse(name, args)?)),
            "answer_pick" => to_value(self.answer_pick(parse(name, args)?)),
            "auto_exports" => to_value(self.auto_exports()),
            "add_auto_export" => to_value(self.add_auto_export(parse(name, args)?)),
            "remove_auto_export" => to_value(self.remove_auto_export(parse(name, args)?)),
            "find_duplicates" => to_value(self.find_duplicates()),
            "merge_duplicates" => to_value(self.merge_duplicates(parse(name, args)?)),
            "undo_merge" => to_value(self.undo_merge(parse(name, args)?)),
            "dismiss_duplicates" => to_value(self.dismiss_duplicates(parse(name, args)?)),
            "undo_import" => to_value(self.undo_import(parse(name, args)?)),
            other => Err(ApiError::new("unknown_command", format!("no command {other:?}"))),
        }
    }

    pub fn library_info(&self) -> ApiResult<LibraryInfo> {
        let lib = self.lib();
        let (count, trash_count) = lib.counts()?;
        Ok(LibraryInfo { path: self.path.display().to_string(), count, trash_count, read_only: lib.is_read_only() })
    }

    /// Every key in a scope, in order: the list virtualizes over it and asks
    /// for [`Api::rows`] of what is on screen.
    pub fn list_keys(&self, scope: Scope) -> ApiResult<KeyList> {
        let lib = self.lib();
        let collection = scope.collection.as_deref().map(|k| lib.collection_by_key(k)).transpose()?;
        let q = ListQuery {
            sort: scope.sort.as_deref().unwrap_or("title").parse::<Sort>()?,
            descending: scope.desc,
            after: None,
            limit: usize::MAX >> 2,
            trash: scope.trash,
            collection,
            tag: scope.tag,
        };
        let keys = lib.list_all_keys(&q)?;
        Ok(KeyList { count: keys.len() / 8, keys })
    }

    pub fn rows(&self, args: KeysArgs) -> ApiResult<Vec<Row>> {
        let lib = self.lib();
        args.keys.iter().map(|k| row(&lib, k)).collect()
    }

    /// Best match first; at most `limit` (default 200) rows.
    pub fn search(&self, args: SearchArgs) -> ApiResult<Vec<Row>> {
        let lib = self.lib();
        let hits = lib.search(&args.q, args.limit.unwrap_or(200))?;
        hits.iter().map(|h| row(&lib, &h.key)).collect()
    }

    pub fn get_detail(&self, args: KeyArgs) -> ApiResult<Detail> {
        detail(&self.lib(), &args.key)
    }

    pub fn update_field(&self, e: FieldEdit) -> ApiResult<Detail> {
        let mut lib = self.lib();
        let id = lib.resolve(&e.key)?;
        lib.edit(id, &[(e.field, e.value)])?;
        detail(&lib, &e.key)
    }

    pub fn set_creators(&self, args: SetCreators) -> ApiResult<Detail> {
        let mut lib = self.lib();
        let id = lib.resolve(&args.key)?;
        let mut by_role: Vec<(String, Vec<String>)> = Vec::new();
        for c in &args.creators {
            if !ibid_core::model::ROLES.contains(&c.role.as_str()) {
                return Err(ApiError::new("invalid_input", format!("unknown role {:?}", c.role)));
            }
            let name = match (&c.literal, &c.family) {
                (Some(l), _) if !l.trim().is_empty() => format!("{{{}}}", l.trim()),
                (_, Some(f)) if !f.trim().is_empty() => format!("{}, {}", f.trim(), c.given.as_deref().unwrap_or("").trim()),
                _ => return Err(ApiError::new("invalid_input", "a creator needs a family name or a literal name")),
            };
            match by_role.iter_mut().find(|(r, _)| *r == c.role) {
                Some((_, names)) => names.push(name),
                None => by_role.push((c.role.clone(), vec![name])),
            }
        }
        let current = lib.work(id)?;
        let mut edits: Vec<(String, String)> = Vec::new();
        for c in &current.creators {
            if !by_role.iter().any(|(r, _)| *r == c.role) && !edits.iter().any(|(r, _)| *r == c.role) {
                edits.push((c.role.clone(), String::new()));
            }
        }
        edits.extend(by_role.into_iter().map(|(r, n)| (r, n.join(";"))));
        lib.edit(id, &edits)?;
        detail(&lib, &args.key)
    }

    pub fn retag(&self, args: Retag) -> ApiResult<Detail> {
        let mut lib = self.lib();
        let id = lib.resolve(&args.key)?;
        lib.retag(id, &args.add, &args.remove)?;
        detail(&lib, &args.key)
    }

    pub fn tags(&self) -> ApiResult<Vec<TagDto>> {
        Ok(self.lib().tags()?.into_iter().map(|(name, count)| TagDto { name, count }).collect())
    }

    pub fn collections(&self) -> ApiResult<Vec<CollectionDto>> {
        let cols = self.lib().collections()?;
        let mut out: Vec<CollectionDto> = Vec::with_capacity(cols.len());
        for c in &cols {
            let parent_path = c.path[..c.path.len() - 1].join("/");
            let parent = (c.path.len() > 1)
                .then(|| cols.iter().find(|p| p.path.join("/") == parent_path).map(|p| p.key.clone()))
                .flatten();
            out.push(CollectionDto {
                key: c.key.clone(),
                name: c.path.last().cloned().unwrap_or_default(),
                path: c.path.join("/"),
                parent,
                count: c.count,
            });
        }
        Ok(out)
    }

    pub fn create_collection(&self, args: CollectionPath) -> ApiResult<Vec<CollectionDto>> {
        self.lib().collection(&args.path, true)?;
        self.collections()
    }

    pub fn add_to_collection(&self, args: CollectionItems) -> ApiResult<Vec<CollectionDto>> {
        {
            let mut lib = self.lib();
            let c = lib.collection_by_key(&args.collection)?;
            let ids = resolve_all(&lib, &args.keys)?;
            lib.add_to_collection(c, &ids)?;
        }
        self.collections()
    }

    pub fn remove_from_collection(&self, args: CollectionItems) -> ApiResult<Vec<CollectionDto>> {
        {
            let mut lib = self.lib();
            let c = lib.collection_by_key(&args.collection)?;
            let ids = resolve_all(&lib, &args.keys)?;
            lib.remove_from_collection(c, &ids)?;
        }
        self.collections()
    }

    pub fn delete_collection(&self, args: KeyArgs) -> ApiResult<Vec<CollectionDto>> {
        {
            let mut lib = self.lib();
            let c = lib.collection_by_key(&args.key)?;
            lib.delete_collection(c)?;
        }
        self.collections()
    }

    pub fn trash(&self, args: KeysArgs) -> ApiResult<LibraryInfo> {
        {
            let mut lib = self.lib();
            for id in resolve_all(&lib, &args.keys)? {
                lib.trash(id)?;
            }
        }
        self.library_info()
    }

    pub fn restore(&self, args: KeysArgs) -> ApiResult<LibraryInfo> {
        {
            let mut lib = self.lib();
            for id in resolve_all(&lib, &args.keys)? {
                lib.restore(id)?;
            }
        }
        self.library_info()
    }

    pub fn new_item(&self, args: NewItem) -> ApiResult<Detail> {
        let mut lib = self.lib();
        let mut w = Work::new("document");
        w.set_field("type", &args.work_type)?;
        w.set_field("title", &args.title)?;
        for (k, v) in &args.fields {
            w.set_field(k, v)?;
        }
        let key = lib.add(csl::split(w)?)?;
        detail(&lib, &key)
    }

    pub fn import_csl_json(&self, args: ImportText) -> ApiResult<ImportResult> {
        let summary = self.lib().import_csl_json(&args.text)?;
        Ok(ImportResult {
            added: summary.added().map(str::to_string).collect(),
            failed: summary.failed().map(|(i, m)| ImportFailure { item: i + 1, message: m.to_string() }).collect(),
        })
    }

    pub fn add_note(&self, args: AddNote) -> ApiResult<Detail> {
        let mut lib = self.lib();
        let id = lib.resolve(&args.key)?;
        lib.add_note(id, &args.body)?;
        detail(&lib, &args.key)
    }

    pub fn attach(&self, args: Attach) -> ApiResult<Detail> {
        let mut lib = self.lib();
        let id = lib.resolve(&args.key)?;
        lib.attach(id, Path::new(&args.path))?;
        detail(&lib, &args.key)
    }
}

fn resolve_all(lib: &Library, keys: &[String]) -> ApiResult<Vec<i64>> {
    Ok(keys.iter().map(|k| lib.resolve(k)).collect::<Result<_, _>>()?)
}

fn linked(lib: &Library, id: i64) -> ApiResult<LinkedWork> {
    let w = lib.work(id)?;
    Ok(LinkedWork {
        key: w.key.clone().unwrap_or_default(),
        work_type: w.work_type.clone(),
        title: w.title.clone().unwrap_or_default(),
    })
}

pub(crate) fn creators_summary(w: &Work) -> String {
    let role = if w.creators_in("author").next().is_some() { "author" } else { "editor" };
    let names: Vec<String> = w
        .creators_in(role)
        .map(|c| c.literal.clone().or_else(|| c.family.clone()).or_else(|| c.given.clone()).unwrap_or_default())
        .collect();
    match names.len() {
        0 => String::new(),
        1 => names[0].clone(),
        2 => format!("{} & {}", names[0], names[1]),
        _ => format!("{} et al.", names[0]),
    }
}

fn row(lib: &Library, key: &str) -> ApiResult<Row> {
    let id = lib.resolve(key)?;
    let w = lib.work(id)?;
    let added = lib.connection().query_row("SELECT added_at FROM works WHERE id = ?1", [id], |r| r.get(0)).map_err(ibid_core::Error::from)?;
    Ok(Row {
        key: w.key.clone().unwrap_or_default(),
        work_type: w.work_type.clone(),
        title: w.title.clone().unwrap_or_default(),
        creators: creators_summary(&w),
        year: csl::effective_issued(&w).and_then(|d| d.year()),
        added,
    })
}

fn detail(lib: &Library, key: &str) -> ApiResult<Detail> {
    let id = lib.resolve(key)?;
    let (cites, cited_by) = lib.citation_counts(id)?;
    let mut own = csl::own_csl(&lib.work(id)?);
    own.insert("id".into(), Value::String(lib.key_of(id)?));
    Ok(Detail {
        key: lib.key_of(id)?,
        item: lib.csl_item(id)?,
        own,
        tags: lib.tags_of(id)?,
        collections: lib.collections_of(id)?,
        parent: lib.parent_id(id)?.map(|p| linked(lib, p)).transpose()?,
        children: lib.children(id)?.into_iter().map(|c| linked(lib, c)).collect::<ApiResult<_>>()?,
        notes: lib.notes_of(id)?.into_iter().map(|n| Note { key: n.key, body: n.body }).collect(),
        attachments: lib
            .attachments_of(id)?
            .into_iter()
            .map(|a| Attachment { key: a.key, path: a.path, sha256: a.sha256, size: a.size })
            .collect(),
        trashed: lib.is_trashed(id)?,
        cites,
        cited_by,
    })
}
