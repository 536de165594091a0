//! Backups and restore (issue 9), on real SQLite files.

use std::time::Duration;

use ibid_core::store::{backup_if_due, BackupKind, Scope};
use ibid_core::{csl, Library};
use serde_json::json;

fn library() -> (tempfile::TempDir, Library) {
    let tmp = tempfile::tempdir().unwrap();
    let mut lib = Library::open(tmp.path().join("library.sqlite")).unwrap();
    let items: Vec<_> = (0..30)
        .map(|i| json!({"type": "book", "title": format!("Book {i}"), "author": [{"family": format!("Müller{i}")}], "issued": {"date-parts": [[1950 + i]]}}))
        .collect();
    lib.import(csl::parse_document(&json!(items).to_string()).unwrap()).unwrap();
    (tmp, lib)
}

/// Everything a user sees of the library: every work's item, the trash, the tags.
fn dump(lib: &Library) -> String {
    let ids = lib.scope_ids(&Scope::Library).unwrap();
    let items = lib.csl_items(&ids).unwrap();
    format!("{}|{:?}|{:?}", serde_json::to_string(&items).unwrap(), lib.counts().unwrap(), lib.tags().unwrap())
}

fn integrity(path: &std::path::Path) -> String {
    let c = rusqlite::Connection::open(path).unwrap();
    c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap()
}

#[test]
fn issue_9_a_backup_restores_the_library_as_it_was_and_keeps_what_it_replaced() {
    let (_tmp, mut lib) = library();
    let before = dump(&lib);
    let backup = lib.backup(BackupKind::Manual).unwrap();
    assert!(backup.starts_with(lib.backups_dir()), "{}", backup.display());
    assert_eq!(integrity(&backup), "ok");

    // Changes after the backup: a work added, one trashed, a tag.
    lib.import(csl::parse_document(r#"[{"type": "book", "title": "Added later"}]"#).unwrap()).unwrap();
    let ids = lib.scope_ids(&Scope::Library).unwrap();
    lib.trash(ids[0]).unwrap();
    lib.retag(ids[1], &["later".to_string()], &[]).unwrap();
    let changed = dump(&lib);
    assert_ne!(changed, before);

    // Another connection (as another process would have) stays open throughout.
    let other = Library::open(lib.path()).unwrap();
    let kept = lib.restore_backup(&backup).unwrap();
    assert_eq!(dump(&lib), before, "the library is the backup again");
    assert_eq!(dump(&other), before, "and another connection sees it");
    assert_eq!(integrity(lib.path()), "ok");
    // The state it replaced is a pre-restore backup.
    assert_eq!(lib.backups().unwrap().iter().filter(|b| b.kind == BackupKind::BeforeRestore).count(), 1);
    let replaced = Library::open(&kept).unwrap();
    assert_eq!(dump(&replaced), changed);
    // The library works on: search and writes.
    assert_eq!(lib.search("müller3", 5).unwrap().len(), 1);
    lib.import(csl::parse_document(r#"[{"type": "book", "title": "After the restore"}]"#).unwrap()).unwrap();
    assert_eq!(lib.count().unwrap(), 31);
}

#[test]
fn issue_9_restoring_what_is_not_a_library_changes_nothing() {
    let (tmp, mut lib) = library();
    let before = dump(&lib);
    let text = tmp.path().join("notes.txt");
    std::fs::write(&text, "not a database at all, but long enough to look like a header of something ....").unwrap();
    let other_db = tmp.path().join("other.sqlite");
    rusqlite::Connection::open(&other_db).unwrap().execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);").unwrap();
    let missing = tmp.path().join("missing.sqlite");
    for (path, code, says) in [
        (&text, "bad_file", "not an Ibid library"),
        (&other_db, "bad_file", "no works table"),
        (&missing, "bad_file", "no such file"),
    ] {
        let e = lib.restore_backup(path).unwrap_err();
        assert_eq!(e.code(), code, "{e}");
        assert!(e.to_string().contains(says), "{e}");
    }
    let e = lib.restore_backup(&lib.path().to_path_buf()).unwrap_err();
    assert!(e.to_string().contains("this library itself"), "{e}");
    assert_eq!(dump(&lib), before);
    assert!(lib.backups().unwrap().is_empty(), "no pre-restore backup for a refused restore");
}

#[test]
fn issue_9_backups_rotate_per_kind_and_the_daily_one_is_written_when_due() {
    let (tmp, lib) = library();
    for _ in 0..12 {
        lib.backup(BackupKind::Manual).unwrap();
    }
    lib.backup(BackupKind::BeforeMerge).unwrap();
    let all = lib.backups().unwrap();
    assert_eq!(all.iter().filter(|b| b.kind == BackupKind::Manual).count(), BackupKind::Manual.keep());
    assert_eq!(all.iter().filter(|b| b.kind == BackupKind::BeforeMerge).count(), 1);
    assert!(all.windows(2).all(|w| w[0].written_at >= w[1].written_at), "newest first");
    assert!(all.iter().all(|b| b.bytes > 0));

    // Daily: written when none is newer than a day, through a connection of its own.
    let path = lib.path().to_path_buf();
    let first = backup_if_due(&path, BackupKind::Daily, Duration::from_secs(86_400)).unwrap();
    assert!(first.is_some());
    assert_eq!(backup_if_due(&path, BackupKind::Daily, Duration::from_secs(86_400)).unwrap(), None, "not due again the same day");
    assert!(backup_if_due(&path, BackupKind::Daily, Duration::ZERO).unwrap().is_some());
    assert_eq!(integrity(&first.unwrap()), "ok");

    // A backup to a file that exists is refused; the file is untouched.
    let taken = tmp.path().join("taken.sqlite");
    std::fs::write(&taken, "mine").unwrap();
    assert_eq!(lib.backup_to(&taken).unwrap_err().code(), "invalid_input");
    assert_eq!(std::fs::read_to_string(&taken).unwrap(), "mine");
    // No partial files are left in the folder.
    let stray: Vec<_> = std::fs::read_dir(lib.backups_dir()).unwrap().flatten().filter(|e| e.file_name().to_string_lossy().ends_with(".partial")).collect();
    assert!(stray.is_empty());
}
