//! Backups of the whole library, and restoring one.
//!
//! A backup is `VACUUM INTO` a temporary file beside its destination,
//! renamed when complete: a consistent snapshot (one read transaction; other
//! connections go on writing), compacted, and never half a file under the
//! final name. Backups Ibid writes by itself go to a folder beside the
//! library (`library.sqlite-backups/`), named by kind and time, and the
//! oldest of a kind beyond its number are removed.
//!
//! Restoring goes through SQLite's online backup into the open library:
//! the pages are replaced under SQLite's locks, so another process with the
//! library open sees the old state or the restored one, never a mix. The
//! state before is kept first (a `pre-restore` backup).

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::{migrate, now_ms, Library, LATEST_VERSION};
use crate::error::{Error, Result};

/// Why a backup was written; each kind keeps its own number of copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupKind {
    /// `ibid backup` without a file.
    Manual,
    /// At most one a day, when the desktop app starts.
    Daily,
    /// Before merging duplicates in bulk.
    BeforeMerge,
    /// Before a restore replaced the library.
    BeforeRestore,
}

impl BackupKind {
    pub fn name(self) -> &'static str {
        match self {
            BackupKind::Manual => "manual",
            BackupKind::Daily => "daily",
            BackupKind::BeforeMerge => "pre-merge",
            BackupKind::BeforeRestore => "pre-restore",
        }
    }

    /// Copies of this kind kept.
    pub fn keep(self) -> usize {
        match self {
            BackupKind::Manual => 10,
            BackupKind::Daily => 7,
            BackupKind::BeforeMerge | BackupKind::BeforeRestore => 5,
        }
    }

    fn from_name(s: &str) -> Option<BackupKind> {
        [BackupKind::Manual, BackupKind::Daily, BackupKind::BeforeMerge, BackupKind::BeforeRestore].into_iter().find(|k| k.name() == s)
    }
}

/// A backup in the library's backups folder.
#[derive(Debug, Clone, PartialEq)]
pub struct BackupInfo {
    pub path: PathBuf,
    pub kind: BackupKind,
    /// When it was written, in unix milliseconds.
    pub written_at: i64,
    pub bytes: u64,
}

/// The backups folder of the library at `library`: `NAME-backups` beside it.
pub fn backups_dir(library: &Path) -> PathBuf {
    let name = library.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "library".into());
    library.with_file_name(format!("{name}-backups"))
}

/// Writes a consistent copy of the database `conn` has open to `dest`
/// (which must not exist): `VACUUM INTO` a temporary file, then a rename.
fn vacuum_into(conn: &Connection, dest: &Path) -> Result<()> {
    if dest.exists() {
        return Err(Error::invalid(format!("{} exists; give a new file", dest.display())));
    }
    let dir = match dest.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(format!("cannot create the folder {}", dir.display()), e))?;
    let tmp = dir.join(format!(
        ".{}.{}.partial",
        dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        std::process::id()
    ));
    let _ = std::fs::remove_file(&tmp);
    let written = conn.execute("VACUUM INTO ?1", [tmp.to_string_lossy()]).map_err(Error::from).and_then(|_| {
        std::fs::rename(&tmp, dest).map_err(|e| Error::io(format!("cannot write the backup {}", dest.display()), e))
    });
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// The backups in a backups folder, newest first.
pub fn list_backups(dir: &Path) -> Result<Vec<BackupInfo>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(format!("cannot read {}", dir.display()), e)),
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        // KIND-UNIXMS.sqlite
        let Some(stem) = name.strip_suffix(".sqlite") else { continue };
        let Some((kind, at)) = stem.rsplit_once('-') else { continue };
        let (Some(kind), Ok(written_at)) = (BackupKind::from_name(kind), at.parse::<i64>()) else { continue };
        let bytes = entry.metadata().map(|m| m.len()).unwrap_or(0);
        out.push(BackupInfo { path: entry.path(), kind, written_at, bytes });
    }
    out.sort_by(|a, b| b.written_at.cmp(&a.written_at).then_with(|| b.path.cmp(&a.path)));
    Ok(out)
}

/// Writes a backup of `kind` of the database `conn` has open (the library
/// at `library`) into its backups folder and removes the oldest of that
/// kind beyond [`BackupKind::keep`]. Returns the new backup's path.
fn write_kind(conn: &Connection, library: &Path, kind: BackupKind) -> Result<PathBuf> {
    let dir = backups_dir(library);
    let mut at = now_ms();
    // Two backups of a kind in one millisecond: the second a millisecond on.
    while dir.join(format!("{}-{at}.sqlite", kind.name())).exists() {
        at += 1;
    }
    let dest = dir.join(format!("{}-{at}.sqlite", kind.name()));
    vacuum_into(conn, &dest)?;
    for old in list_backups(&dir)?.into_iter().filter(|b| b.kind == kind).skip(kind.keep()) {
        std::fs::remove_file(&old.path).map_err(|e| Error::io(format!("cannot remove the old backup {}", old.path.display()), e))?;
    }
    Ok(dest)
}

/// Whether the library at `library` has no backup of `kind` younger than `max_age`.
fn due(library: &Path, kind: BackupKind, max_age: Duration) -> Result<bool> {
    let newest = list_backups(&backups_dir(library))?.into_iter().find(|b| b.kind == kind);
    Ok(newest.is_none_or(|b| now_ms() - b.written_at >= max_age.as_millis() as i64))
}

/// A daily (or other) backup of the library file at `library` if the
/// newest of `kind` is older than `max_age` (or there is none), through a
/// read-only connection of its own: for a thread beside the app's, which
/// goes on reading and writing meanwhile. `None`: not due.
pub fn backup_if_due(library: &Path, kind: BackupKind, max_age: Duration) -> Result<Option<PathBuf>> {
    if !due(library, kind, max_age)? {
        return Ok(None);
    }
    let conn = Connection::open_with_flags(library, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    write_kind(&conn, library, kind).map(Some)
}

/// Checks that `path` is an Ibid library this build can open: an SQLite
/// file that passes `quick_check`, with Ibid's tables, at a schema version
/// this build knows.
fn check_restorable(path: &Path) -> Result<Connection> {
    let bad = |message: String| Error::BadFile { path: path.to_path_buf(), message };
    if !path.is_file() {
        return Err(bad("no such file".into()));
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    let check: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(|e| bad(format!("not an Ibid library (not an SQLite database: {e})")))?;
    if check != "ok" {
        return Err(bad(format!("damaged: {check}")));
    }
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let has_works: bool =
        conn.query_row("SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = 'works'", [], |r| r.get(0))?;
    if version < 1 || !has_works {
        return Err(bad("not an Ibid library (no works table)".into()));
    }
    if version > LATEST_VERSION {
        return Err(Error::TooNew { path: path.to_path_buf(), found: version, known: LATEST_VERSION });
    }
    Ok(conn)
}

impl Library {
    /// This library's backups folder.
    pub fn backups_dir(&self) -> PathBuf {
        backups_dir(&self.path)
    }

    /// The backups in this library's backups folder, newest first.
    pub fn backups(&self) -> Result<Vec<BackupInfo>> {
        list_backups(&self.backups_dir())
    }

    /// Writes a backup of `kind` into the backups folder (oldest of the kind
    /// beyond its number removed). Returns its path.
    pub fn backup(&self, kind: BackupKind) -> Result<PathBuf> {
        write_kind(&self.conn, &self.path, kind)
    }

    /// A backup of `kind` if the newest is older than `max_age`.
    pub fn backup_if_due(&self, kind: BackupKind, max_age: Duration) -> Result<Option<PathBuf>> {
        if !due(&self.path, kind, max_age)? {
            return Ok(None);
        }
        self.backup(kind).map(Some)
    }

    /// Writes a backup to `dest`, a file that must not exist yet.
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        vacuum_into(&self.conn, dest)
    }

    /// Replaces the library's contents with the backup `from`, after keeping
    /// the present state as a `pre-restore` backup (returned). `from` is
    /// checked first (an Ibid library, undamaged, not from a newer Ibid);
    /// if it fails, nothing changes. A backup from an older schema is
    /// migrated after the restore.
    pub fn restore_backup(&mut self, from: &Path) -> Result<PathBuf> {
        let src = check_restorable(from)?;
        let same = |a: &Path, b: &Path| matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y);
        if same(from, &self.path) {
            return Err(Error::invalid(format!("{} is this library itself", from.display())));
        }
        let kept = self.backup(BackupKind::BeforeRestore)?;
        {
            let b = rusqlite::backup::Backup::new(&src, &mut self.conn)?;
            b.run_to_completion(4096, Duration::ZERO, None)?;
        }
        // What a backup from before the WAL switch or an older schema needs.
        self.conn.pragma_update(None, "journal_mode", "WAL")?;
        migrate::migrate(&mut self.conn, &self.path, LATEST_VERSION)?;
        Ok(kept)
    }
}
