//! The library: one SQLite file.
//!
//! Invariants:
//! * Every write that touches more than one row runs in one transaction, so a
//!   crash leaves all of it or none of it.
//! * The search index (`work_fts`) is written in the same transaction as the
//!   rows it indexes.
//! * The schema exists only as the ordered migrations in `migrations/`: a
//!   fresh library is built by running all of them.

mod auto_export;
mod backup;
mod bulk;
mod cited;
mod duplicates;
mod export_scope;
mod list;
mod migrate;
mod org;
mod resolved;
mod search;
mod undo_import;
mod works;

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};

pub use auto_export::{clock_ms, AutoExport, Layout, AUTO_EXPORT_FORMATS};
pub use backup::{backup_if_due, backups_dir, list_backups, BackupInfo, BackupKind};
pub use bulk::{BulkOrganize, BulkSummary};
pub use cited::{match_title, NoteCitation, NotesImport, NotesImported, Placed};
pub use duplicates::{DuplicateGroup, MergeGroup, MergeOutcome, UndoOutcome};
pub use export_scope::Scope;
pub use list::{Cursor, ListQuery, Page, Sort};
pub use migrate::LATEST_VERSION;
pub use org::{AttachmentRow, CitationForm, CitationRow, CitingRow, CollectionInfo, NoteRow};
pub use resolved::{CachedResponse, CitedInput, Found};
pub use search::SearchHit;
pub use undo_import::ImportUndone;
pub use works::{CslItems, ImportOutcome, ImportSummary, OnDuplicate, WorkRead, BULK_IMPORT};

/// An open library.
pub struct Library {
    conn: Connection,
    path: PathBuf,
    /// Opened read-only: the file or its disk cannot be written.
    read_only: bool,
}

impl Library {
    /// Opens (creating if needed) the library at `path` and brings its schema
    /// up to date, writing a backup copy first if a migration has to run.
    pub fn open(path: impl AsRef<Path>) -> Result<Library> {
        let mut lib = Library::open_raw(path.as_ref())?;
        if lib.read_only && lib.schema_version()? < LATEST_VERSION {
            // Its schema needs upgrading, which writes.
            return Err(Error::ReadOnly);
        }
        migrate::migrate(&mut lib.conn, &lib.path, LATEST_VERSION)?;
        Ok(lib)
    }

    /// Opens a library and migrates it to `version` only. For migration tests.
    #[doc(hidden)]
    pub fn open_at_version(path: impl AsRef<Path>, version: i64) -> Result<Library> {
        let mut lib = Library::open_raw(path.as_ref())?;
        migrate::migrate(&mut lib.conn, &lib.path, version)?;
        Ok(lib)
    }

    fn open_raw(path: &Path) -> Result<Library> {
        match Library::open_conn(path, false) {
            // A library on a read-only disk (or a write-protected file in a
            // folder we cannot write): SQLite cannot create its WAL index
            // there. Open it read-only instead: it can be read and
            // exported, and every write is refused with `read_only`.
            Err(e) if path.is_file() && cannot_write(&e) => Library::open_conn(path, true),
            other => other,
        }
    }

    fn open_conn(path: &Path, read_only: bool) -> Result<Library> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty() && !read_only) {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::io(format!("cannot create the folder {}", dir.display()), e))?;
        }
        let conn = if read_only {
            // `immutable`: no WAL index and no locks, which a read-only disk
            // cannot hold; nothing can write the file there either.
            Connection::open_with_flags(
                format!("file:{}?immutable=1", uri_path(path)),
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?
        } else {
            Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?
        };
        let bad_file = |e: rusqlite::Error| match e {
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase => Error::BadFile {
                path: path.to_path_buf(),
                message: "not an Ibid library (not an SQLite database)".into(),
            },
            e => Error::Db(e),
        };
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(bad_file)?;
        // Another process (the desktop app and the CLI) may write the same
        // library. A deferred transaction that reads before it writes cannot
        // wait for the other writer: when that one commits first, SQLite
        // refuses the upgrade at once ("database is locked", SQLITE_BUSY
        // without the busy handler). Every write transaction takes the write
        // lock when it begins, waiting up to the busy timeout (issue 9).
        let mut conn = conn;
        conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
        // Stable query plans: without this, SQLite (built with STAT4) may
        // re-prepare a statement each time a new value is bound to it, which
        // measured as a quarter of an import's time.
        conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true).map_err(bad_file)?;
        if !read_only {
            conn.pragma_update(None, "journal_mode", "WAL").map_err(bad_file)?;
        }
        conn.pragma_update(None, "foreign_keys", "ON").map_err(bad_file)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(bad_file)?;
        conn.pragma_update(None, "cache_size", -32_000).map_err(bad_file)?;
        if read_only {
            // Reading proves the file is a database before anything trusts it.
            conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get::<_, i64>(0)).map_err(bad_file)?;
        }
        Ok(Library { conn, path: path.to_path_buf(), read_only })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// True when the library could only be opened for reading (a read-only
    /// disk or file): every write fails with [`Error::ReadOnly`].
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The schema version (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// Read access for checks and tools (integrity checks, benchmarks).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

/// SQLite could not open or set up the file for writing.
fn cannot_write(e: &Error) -> bool {
    match e {
        Error::ReadOnly => true,
        Error::Db(e) => matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly)),
        _ => false,
    }
}

/// `path` for an SQLite `file:` URI: `%`, `?` and `#` percent-encoded.
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' | '?' | '#' => out.push_str(&format!("%{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

const KEY_ALPHABET: &[u8] = b"23456789ABCDEFGHIJKLMNPQRSTUVWXYZ";

/// A new random 8-character key (Zotero's alphabet: no 0, 1, O).
pub(crate) fn new_key() -> String {
    (0..8).map(|_| KEY_ALPHABET[fastrand::usize(..KEY_ALPHABET.len())] as char).collect()
}

/// True if `s` has the shape of a work key.
pub fn is_key(s: &str) -> bool {
    s.len() == 8 && s.bytes().all(|b| KEY_ALPHABET.contains(&b))
}
