//! Two processes on one library (issue 9): while one `ibid` imports a few
//! thousand works in one long transaction, others import, tag, note, trash
//! and restore, and search. Every command succeeds (the writers wait their
//! turn); none reports the database locked or busy; the library ends whole.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use rusqlite::Connection;

fn works(n: usize, tag: &str) -> String {
    let items: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            serde_json::json!({
                "type": "article-journal",
                "title": format!("{tag} work {i}: on alliances, railways and treaties"),
                "author": [{"family": format!("Author{}", i % 700), "given": "A."}],
                "container-title": format!("Journal {}", i % 40),
                "issued": {"date-parts": [[1950 + (i % 70) as i32]]},
                "abstract": "A long abstract about alliances, railways and treaties. ".repeat(4),
                "DOI": format!("10.5555/{tag}.{i}"),
            })
        })
        .collect();
    serde_json::to_string(&items).unwrap()
}

fn ibid(lib: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ibid")).arg("--library").arg(lib).args(args).env_remove("IBID_LIBRARY").output().unwrap()
}

fn assert_ok(out: &Output, what: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{what} failed: {err}");
    let lower = err.to_lowercase();
    assert!(!lower.contains("locked") && !lower.contains("busy"), "{what}: {err}");
}

#[test]
fn issue_9_two_processes_write_one_library_and_neither_sees_it_locked() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib.sqlite");
    let small = tmp.path().join("small.json");
    std::fs::write(&small, works(40, "small")).unwrap();
    assert_ok(&ibid(&lib, &["import", small.to_str().unwrap()]), "the first import");
    let keys: Vec<String> = serde_json::from_slice::<Vec<serde_json::Value>>(&ibid(&lib, &["list", "--json", "--limit", "40"]).stdout)
        .unwrap()
        .iter()
        .map(|w| w["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(keys.len(), 40);

    let big = tmp.path().join("big.json");
    std::fs::write(&big, works(25_000, "big")).unwrap();
    let mut rounds_during_import = 0;
    for round in 0..2 {
        // One long write transaction in another process…
        let mut importer = Command::new(env!("CARGO_BIN_EXE_ibid"))
            .arg("--library")
            .arg(&lib)
            .args(["import", big.to_str().unwrap(), "--on-duplicate", "add"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // …while these run, each a process of its own.
        let mut i = 0;
        while importer.try_wait().unwrap().is_none() || i < 4 {
            let key = &keys[(round * 7 + i) % keys.len()];
            let tag = format!("t{round}-{i}");
            assert_ok(&ibid(&lib, &["tag", key, &format!("+{tag}")]), "tag");
            assert_ok(&ibid(&lib, &["note", key, "a note written during an import"]), "note");
            assert_ok(&ibid(&lib, &["trash", key]), "trash");
            assert_ok(&ibid(&lib, &["restore", key]), "restore");
            assert_ok(&ibid(&lib, &["search", "alliances", "--json"]), "search");
            // Another import: it reads (duplicate checks) before it writes.
            let one = tmp.path().join(format!("one-{round}-{i}.json"));
            std::fs::write(&one, works(3, &format!("one{round}x{i}"))).unwrap();
            assert_ok(&ibid(&lib, &["import", one.to_str().unwrap()]), "a small import");
            if importer.try_wait().unwrap().is_none() {
                rounds_during_import += 1;
            }
            i += 1;
        }
        let out = importer.wait_with_output().unwrap();
        assert_ok(&out, "the long import");
    }
    assert!(rounds_during_import > 0, "some commands ran while the long import held its transaction");

    let conn = Connection::open(&lib).unwrap();
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    let big_works: i64 = conn.query_row("SELECT count(*) FROM works WHERE title LIKE 'big work %'", [], |r| r.get(0)).unwrap();
    assert_eq!(big_works, 2 * 25_000, "every long import whole");
    let trashed: i64 = conn.query_row("SELECT count(*) FROM trash", [], |r| r.get(0)).unwrap();
    assert_eq!(trashed, 0, "every trash undone by its restore");
}
