//! Migrations: a library migrated from every earlier schema version equals a
//! fresh one, keeps its data, and gets a backup copy before migrating.

use ibid_core::store::LATEST_VERSION;
use ibid_core::{csl, Library};
use rusqlite::Connection;

/// The schema as SQLite stores it: every table, index and trigger, sorted.
fn schema(path: &std::path::Path) -> Vec<(String, String, String)> {
    let conn = Connection::open(path).unwrap();
    let mut st = conn
        .prepare("SELECT type, name, coalesce(sql, '') FROM sqlite_schema ORDER BY type, name")
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
}

fn seed_text() -> String {
    std::fs::read_to_string(ibid_tests::project_fixture("seed-chapter.csl.json")).unwrap()
}

#[test]
fn migrated_from_every_version_equals_fresh() {
    let tmp = tempfile::tempdir().unwrap();
    let fresh = tmp.path().join("fresh.sqlite");
    drop(Library::open(&fresh).unwrap());
    let want = schema(&fresh);
    assert!(want.iter().any(|(_, n, _)| n == "work_fts"), "the fresh schema has the search index");

    for from in 1..LATEST_VERSION {
        let path = tmp.path().join(format!("from-v{from}.sqlite"));
        let lib = Library::open_at_version(&path, from).unwrap();
        assert_eq!(lib.schema_version().unwrap(), from);
        drop(lib);
        let lib = Library::open(&path).unwrap();
        assert_eq!(lib.schema_version().unwrap(), LATEST_VERSION);
        drop(lib);
        assert_eq!(schema(&path), want, "schema migrated from v{from} differs from a fresh one");
    }
}

#[test]
fn data_survives_migration_and_becomes_searchable() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("lib.sqlite");
    // Version 3 has works but no search index yet.
    let mut old = Library::open_at_version(&path, 3).unwrap();
    let summary = old.import(csl::parse_document(&seed_text()).unwrap());
    // Import writes to the search index, which v3 lacks: it must fail whole.
    assert!(summary.is_err(), "v3 has no work_fts; the import must fail and roll back");
    let n: i64 = old.connection().query_row("SELECT count(*) FROM works", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 0, "a failed import leaves nothing behind");
    // Write a v3 row the way v3 would have (no index), then migrate.
    old.connection()
        .execute(
            "INSERT INTO works (key, type, title, sort_title, added_at, modified_at) \
             VALUES ('ABCDEFGH', 'book', 'Mao and the Sino-Soviet Partnership', 'mao and the sino-soviet partnership', 0, 0)",
            [],
        )
        .unwrap();
    drop(old);

    let lib = Library::open(&path).unwrap();
    assert_eq!(lib.schema_version().unwrap(), LATEST_VERSION);
    let hits = lib.search("sino sov", 10).unwrap();
    assert_eq!(hits.iter().map(|h| h.key.as_str()).collect::<Vec<_>>(), vec!["ABCDEFGH"]);

    // A backup of the v3 file was written beside it, before migrating.
    let backups: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(&format!(".pre-v{LATEST_VERSION}-from-v3-")))
        .collect();
    assert_eq!(backups.len(), 1, "one backup before migrating: {backups:?}");
    let backup = Connection::open(&backups[0]).unwrap();
    let v: i64 = backup.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(v, 3);
    let n: i64 = backup.query_row("SELECT count(*) FROM works", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 1);
}

/// Version 9 moved each auto-export's file layout into a table of its own:
/// a layout kept by version 8 is still the layout after migrating, so the
/// next refresh still splices into the file.
#[test]
fn an_auto_export_layout_survives_migration_to_its_own_table() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("lib.sqlite");
    let old = Library::open_at_version(&path, 8).unwrap();
    let layout: Vec<u8> = [(7i64, 120u64), (3, 95)].iter().flat_map(|(id, len)| id.to_le_bytes().into_iter().chain(len.to_le_bytes())).collect();
    old.connection()
        .execute(
            "INSERT INTO auto_exports (path, format, scope, written_at, entries, layout) VALUES ('/tmp/refs.bib', 'bibtex', '{\"library\": true}', 1, 2, ?1)",
            [layout],
        )
        .unwrap();
    old.connection()
        .execute("INSERT INTO auto_exports (path, format, scope) VALUES ('/tmp/never-written.bib', 'bibtex', '{\"library\": true}')", [])
        .unwrap();
    drop(old);
    let lib = Library::open(&path).unwrap();
    let all = lib.auto_exports().unwrap();
    assert_eq!((all.len(), all[0].entries), (2, Some(2)));
    assert_eq!(lib.auto_export_layout(all[0].id).unwrap(), vec![(7, 120), (3, 95)]);
    assert_eq!(lib.auto_export_layout(all[1].id).unwrap(), vec![], "never written: no layout");
}

#[test]
fn fresh_library_writes_no_backup_and_a_newer_library_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("lib.sqlite");
    drop(Library::open(&path).unwrap());
    let files: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(files.iter().all(|f| !f.to_string_lossy().contains(".bak")), "{files:?}");

    Connection::open(&path).unwrap().pragma_update(None, "user_version", LATEST_VERSION + 1).unwrap();
    let err = Library::open(&path).err().expect("a newer library is refused");
    assert_eq!(err.code(), "library_too_new");
    assert!(err.to_string().contains("newer Ibid"), "{err}");
}

#[test]
fn a_file_that_is_not_a_library_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("notes.txt");
    std::fs::write(&path, "these are my notes, not a database\n".repeat(100)).unwrap();
    let err = Library::open(&path).err().expect("refused");
    assert_eq!(err.code(), "bad_file", "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "these are my notes, not a database\n".repeat(100));
}
