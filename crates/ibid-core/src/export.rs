//! Writing files: always to a temporary file beside the target, then renamed
//! over it, so a crash or a full disk never leaves a half-written file.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `bytes` to `path` atomically (temp file in the same folder, fsync, rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |f| f.write_all(bytes).map_err(|e| Error::io(format!("cannot write {}", path.display()), e)))
}

/// Writes what `fill` writes to `path` atomically: to a temporary file in
/// the same folder, fsynced, then renamed over `path`. If `fill` fails, the
/// temporary file is removed and `path` is as it was.
pub fn write_atomic_with<T>(path: &Path, fill: impl FnOnce(&mut std::fs::File) -> Result<T>) -> Result<T> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let ctx = |what: &str| format!("cannot {what} {}", path.display());
    let mut tmp = tempfile::Builder::new()
        .prefix(".ibid-export-")
        .tempfile_in(dir)
        .map_err(|e| Error::io(ctx("write"), e))?;
    let done = fill(tmp.as_file_mut())?;
    tmp.as_file().sync_all().map_err(|e| Error::io(ctx("write"), e))?;
    tmp.persist(path).map_err(|e| Error::io(ctx("replace"), e.error))?;
    Ok(done)
}

/// Replaces `path` with what `fill` writes to a temporary file beside it,
/// renamed over it: the file appears whole or not at all. Without the fsync
/// of [`write_atomic`]: for files Ibid writes again from the library at any
/// time (auto-exports), where the fsync of a large file would cost more than
/// the change it carries. `fill` gets the new file and the old one, if any.
///
/// The old file is closed on another thread ([`close_later`]), after the
/// rename: its last close frees its pages, which waits for those the kernel
/// is still writing out (after a 70 MB file was replaced a moment before,
/// 40 ms) — work the new file does not wait for.
pub fn replace_with(path: &Path, fill: impl FnOnce(&mut std::fs::File, Option<&mut std::fs::File>) -> std::io::Result<()>) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let ctx = |what: &str| format!("cannot {what} {}", path.display());
    let mut tmp = tempfile::Builder::new().prefix(".ibid-export-").tempfile_in(dir).map_err(|e| Error::io(ctx("write"), e))?;
    let mut old = std::fs::File::open(path).ok();
    fill(tmp.as_file_mut(), old.as_mut()).map_err(|e| Error::io(ctx("write"), e))?;
    // Elsewhere than Unix a file may not be replaced while it is open.
    #[cfg(not(unix))]
    drop(old.take());
    tmp.persist(path).map_err(|e| Error::io(ctx("replace"), e.error))?;
    if let Some(old) = old {
        close_later(old);
    }
    Ok(())
}

/// Closes `file` on a thread of its own (one for the process, started on
/// first use); at once if that thread cannot be started.
pub fn close_later(file: std::fs::File) {
    use std::sync::mpsc::{channel, Sender};
    use std::sync::{Mutex, OnceLock};
    static CLOSER: OnceLock<Option<Mutex<Sender<std::fs::File>>>> = OnceLock::new();
    let closer = CLOSER.get_or_init(|| {
        let (tx, rx) = channel::<std::fs::File>();
        std::thread::Builder::new().name("ibid-close".into()).spawn(move || rx.into_iter().for_each(drop)).ok().map(|_| Mutex::new(tx))
    });
    match closer {
        Some(tx) => {
            if let Err(back) = tx.lock().unwrap_or_else(|p| p.into_inner()).send(file) {
                drop(back.0);
            }
        }
        None => drop(file),
    }
}

/// CSL-JSON for a list of flat items: a pretty-printed array.
pub fn csl_json(items: &[serde_json::Map<String, serde_json::Value>]) -> Result<String> {
    let mut s = serde_json::to_string_pretty(items)?;
    s.push('\n');
    Ok(s)
}
