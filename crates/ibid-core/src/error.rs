//! One error type for the core. Every variant has a stable `code()` so that
//! boundaries (CLI exit messages, the desktop bridge, the local API) can map
//! errors without matching on message strings.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no work with key or DOI {0:?} in the library")]
    NotFound(String),
    /// Something other than a work is not there (a tag, a collection).
    #[error("{0}")]
    Missing(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{path}: {message}")]
    BadFile { path: PathBuf, message: String },
    #[error("the library at {path} was written by a newer Ibid (schema version {found}, this build knows up to {known}); upgrade Ibid")]
    TooNew { path: PathBuf, found: i64, known: i64 },
    /// Another process held the library's write lock for longer than the
    /// busy timeout (10 s): a long import or merge in the desktop app or `ibid`.
    #[error("the library is busy: another Ibid process (the desktop app or `ibid`) has been writing to it for more than 10 s; try again when it is done")]
    Busy,
    /// The disk (or the library's file system) has no room for the write;
    /// the transaction was rolled back.
    #[error("the disk is full: nothing was changed; free some space and try again")]
    DiskFull,
    /// The library's file, or the disk it is on, cannot be written (a
    /// read-only mount, a write-protected file). It can still be read.
    #[error("the library is read-only (its file or its disk cannot be written): nothing was changed; copy it somewhere writable, or make it writable, to change it")]
    ReadOnly,
    #[error("database error: {0}")]
    Db(rusqlite::Error),
    #[error("{context}: {source}")]
    Io { context: String, #[source] source: std::io::Error },
    #[error("JSON error: {0}")]
    Json(#[from] serde_json::Error),
}

impl Error {
    /// A stable, machine-readable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotFound(_) | Error::Missing(_) => "not_found",
            Error::Invalid(_) => "invalid_input",
            Error::BadFile { .. } => "bad_file",
            Error::TooNew { .. } => "library_too_new",
            Error::Busy => "busy",
            Error::DiskFull => "disk_full",
            Error::ReadOnly => "read_only",
            Error::Db(_) => "database",
            Error::Io { .. } => "io",
            Error::Json(_) => "json",
        }
    }

    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::Invalid(msg.into())
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io { context: context.into(), source }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => Error::Busy,
            Some(rusqlite::ErrorCode::DiskFull) => Error::DiskFull,
            Some(rusqlite::ErrorCode::ReadOnly) => Error::ReadOnly,
            _ => Error::Db(e),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
