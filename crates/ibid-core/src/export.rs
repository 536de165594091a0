//! Writing files: always to a temporary file beside the target, then renamed
//! over it, so a crash or a full disk never leaves a half-written file.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `bytes` to `path` atomically (temp file in the same folder, fsync, rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let ctx = |what: &str| format!("cannot {what} {}", path.display());
    let mut tmp = tempfile::Builder::new()
        .prefix(".ibid-export-")
        .tempfile_in(dir)
        .map_err(|e| Error::io(ctx("write"), e))?;
    tmp.write_all(bytes).map_err(|e| Error::io(ctx("write"), e))?;
    tmp.as_file().sync_all().map_err(|e| Error::io(ctx("write"), e))?;
    tmp.persist(path).map_err(|e| Error::io(ctx("replace"), e.error))?;
    Ok(())
}

/// Replaces `path` with what `fill` writes to a temporary file beside it,
/// renamed over it: the file appears whole or not at all. Without the fsync
/// of [`write_atomic`]: for files Ibid writes again from the library at any
/// time (auto-exports), where the fsync of a large file would cost more than
/// the change it carries. `fill` gets the new file and the old one, if any.
pub fn replace_with(path: &Path, fill: impl FnOnce(&mut std::fs::File, Option<std::fs::File>) -> std::io::Result<()>) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let ctx = |what: &str| format!("cannot {what} {}", path.display());
    let mut tmp = tempfile::Builder::new().prefix(".ibid-export-").tempfile_in(dir).map_err(|e| Error::io(ctx("write"), e))?;
    let old = std::fs::File::open(path).ok();
    fill(tmp.as_file_mut(), old).map_err(|e| Error::io(ctx("write"), e))?;
    tmp.persist(path).map_err(|e| Error::io(ctx("replace"), e.error))?;
    Ok(())
}

/// CSL-JSON for a list of flat items: a pretty-printed array.
pub fn csl_json(items: &[serde_json::Map<String, serde_json::Value>]) -> Result<String> {
    let mut s = serde_json::to_string_pretty(items)?;
    s.push('\n');
    Ok(s)
}
