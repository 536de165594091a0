//! Kill -9 at random points of an import, a DOI batch, edits, a merge and a
//! migration (issue 9): each time the library passes `PRAGMA
//! integrity_check` (and FTS5's own check) and holds either the whole
//! operation or none of it. A DOI batch is many operations, one per
//! identifier: each work it adds is whole (with its container and its
//! reference list) or absent, and running the batch again adds the rest.

use std::process::{Command, Stdio};
use std::time::Instant;

use rusqlite::Connection;

const N: usize = 10_000;

fn items() -> String {
    let mut rng = fastrand::Rng::with_seed(7);
    let items: Vec<serde_json::Value> = (0..N)
        .map(|i| {
            let journal = rng.usize(..300);
            serde_json::json!({
                "type": if i % 10 == 0 { "chapter" } else { "article-journal" },
                "title": format!("Work {i}: on the Sino-Soviet alliance and the Cold War, part {}", rng.u32(..1000)),
                "author": [{"family": format!("Author{}", rng.u32(..5000)), "given": "A."}, {"family": "Müller", "given": "Jörg"}],
                "container-title": if i % 10 == 0 { format!("Collected Essays {}", journal) } else { format!("Journal of Things {journal}") },
                "editor": [{"family": "Shen", "given": "Zhihua"}],
                "issued": {"date-parts": [[1950 + (i % 70) as i32]]},
                "abstract": "A long abstract about alliances, railways and treaties. ".repeat(5),
                "DOI": format!("10.5555/crash.{i}"),
            })
        })
        .collect();
    serde_json::to_string(&items).unwrap()
}

fn count_and_check(path: &std::path::Path) -> i64 {
    let conn = Connection::open(path).unwrap();
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    // FTS5's own check of its index structure (raises SQLITE_CORRUPT_VTAB if broken).
    for table in ["work_fts", "work_fts_text"] {
        conn.execute(&format!("INSERT INTO {table}({table}) VALUES ('integrity-check')"), [])
            .unwrap_or_else(|e| panic!("{table} integrity-check: {e}"));
    }
    conn.query_row("SELECT count(*) FROM works WHERE standalone = 1", [], |r| r.get(0)).unwrap()
}

#[test]
fn kill_during_import_leaves_all_or_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("items.json");
    std::fs::write(&file, items()).unwrap();
    let ibid = env!("CARGO_BIN_EXE_ibid");

    // How long an uninterrupted import takes here.
    let full = tmp.path().join("full.sqlite");
    let start = Instant::now();
    let st = Command::new(ibid).arg("--library").arg(&full).arg("import").arg(&file).stdout(Stdio::null()).status().unwrap();
    let duration = start.elapsed();
    assert!(st.success());
    assert_eq!(count_and_check(&full), N as i64);

    // Kill at points spread over that time; the library was opened (and
    // migrated) before each import so that kills land in the import.
    let mut rng = fastrand::Rng::with_seed(42);
    let mut killed_mid_import = 0;
    for round in 0..8 {
        let path = tmp.path().join(format!("kill-{round}.sqlite"));
        let st = Command::new(ibid).arg("--library").arg(&path).arg("list").stdout(Stdio::null()).status().unwrap();
        assert!(st.success());
        let at = duration.mul_f64(0.05 + 0.9 * rng.f64());
        let mut child = Command::new(ibid)
            .arg("--library")
            .arg(&path)
            .arg("import")
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(at);
        let still_running = child.try_wait().unwrap().is_none();
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let n = count_and_check(&path);
        assert!(n == 0 || n == N as i64, "round {round}: {n} works after a kill at {at:?}: a partial import");
        if still_running && n == 0 {
            killed_mid_import += 1;
        }
    }
    assert!(killed_mid_import >= 3, "only {killed_mid_import} of 8 kills landed during an import (import took {duration:?})");
}

/// Spawns `cmd` in its own process group, lets it run for `at`, then
/// SIGKILLs the whole group (a shell loop and the `ibid` it is running).
/// Returns whether it was still running when killed.
#[cfg(unix)]
fn run_and_kill(cmd: &mut Command, at: std::time::Duration) -> bool {
    use std::os::unix::process::CommandExt;
    let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).process_group(0).spawn().unwrap();
    std::thread::sleep(at);
    let running = child.try_wait().unwrap().is_none();
    // SAFETY: kill(2) on the process group of our own child.
    unsafe { libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL) };
    child.wait().unwrap();
    running
}

fn ibid_cmd(lib: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ibid"));
    c.arg("--library").arg(lib).env_remove("IBID_LIBRARY");
    c
}

fn ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{:?}: {}", cmd, String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// A closed library's file copied (SQLite removes the WAL on the last close).
fn copy_library(from: &std::path::Path, to: &std::path::Path) {
    assert!(!from.with_extension("sqlite-wal").exists(), "{} still has a WAL", from.display());
    std::fs::copy(from, to).unwrap();
}

/// Every edit sets a title, a publisher and a note that carry the same
/// number: after a kill they still agree, and the search index has the
/// title's marker word.
#[cfg(unix)]
#[test]
fn issue_9_kill_during_edits_leaves_each_edit_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib.sqlite");
    let file = tmp.path().join("items.json");
    std::fs::write(&file, &items()[..]).unwrap();
    ok(ibid_cmd(&lib).arg("import").arg(&file));
    let key = ok(ibid_cmd(&lib).args(["search", "Work 17:", "--json"]));
    let key = serde_json::from_str::<serde_json::Value>(&key).unwrap()[0]["id"].as_str().unwrap().to_string();
    let script = format!(
        "i=0; while :; do i=$((i+1)); \"$IBID\" --library \"$LIB\" edit {key} --set \"title=Edited $i: zebra$i\" --set \"publisher=Publisher $i\" --set \"note=n$i\" || exit 1; done"
    );
    let mut rng = fastrand::Rng::with_seed(9);
    let mut edited = 0;
    for round in 0..16 {
        let at = std::time::Duration::from_millis(150 + rng.u64(..900));
        let mut sh = Command::new("sh");
        sh.args(["-c", &script]).env("IBID", env!("CARGO_BIN_EXE_ibid")).env("LIB", &lib);
        assert!(run_and_kill(&mut sh, at), "round {round}: the edit loop stopped by itself");
        count_and_check(&lib);
        let conn = Connection::open(&lib).unwrap();
        let (title, publisher, note): (String, Option<String>, Option<String>) = conn
            .query_row("SELECT title, publisher, json_extract(extra, '$.note') FROM works WHERE key = ?1", [&key], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        let Some(n) = title.strip_prefix("Edited ").and_then(|t| t.split(':').next()) else {
            assert!(title.starts_with("Work "), "round {round}: neither the imported title nor an edit: {title}");
            continue;
        };
        edited += 1;
        assert_eq!(publisher.as_deref(), Some(format!("Publisher {n}").as_str()), "round {round}: {title}");
        assert_eq!(note.as_deref(), Some(format!("n{n}").as_str()), "round {round}: {title}");
        let hits = ok(ibid_cmd(&lib).args(["search", &format!("zebra{n}"), "--json"]));
        assert!(hits.contains(&key), "round {round}: the search index lost the edit {n}: {hits}");
    }
    assert!(edited > 0, "no edit landed in 16 rounds");
}

/// A merge of 1,500 duplicate pairs is one operation (one Undo): after a
/// kill, all of them are merged or none, and any backup the merge finished
/// writing is a whole library.
#[cfg(unix)]
#[test]
fn issue_9_kill_during_a_merge_leaves_all_or_nothing() {
    const PAIRS: usize = 1_500;
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base.sqlite");
    let file = tmp.path().join("items.json");
    let all: Vec<serde_json::Value> = serde_json::from_str(&items()).unwrap();
    std::fs::write(&file, serde_json::to_string(&all[..PAIRS]).unwrap()).unwrap();
    ok(ibid_cmd(&base).arg("import").arg(&file));
    ok(ibid_cmd(&base).args(["import", "--on-duplicate", "add"]).arg(&file));
    assert_eq!(count_and_check(&base), 2 * PAIRS as i64);

    let full = tmp.path().join("full.sqlite");
    copy_library(&base, &full);
    let start = Instant::now();
    ok(ibid_cmd(&full).args(["duplicates", "merge", "--confident"]));
    let duration = start.elapsed();
    assert_eq!(count_and_check(&full), PAIRS as i64, "every DOI pair is a confident group");

    let mut rng = fastrand::Rng::with_seed(11);
    let (mut none, mut whole) = (0, 0);
    for round in 0..8 {
        let dir = tmp.path().join(format!("kill-{round}"));
        std::fs::create_dir(&dir).unwrap();
        let path = dir.join("lib.sqlite");
        copy_library(&base, &path);
        let at = duration.mul_f64(0.05 + 0.9 * rng.f64());
        run_and_kill(ibid_cmd(&path).args(["duplicates", "merge", "--confident"]), at);
        match count_and_check(&path) {
            n if n == 2 * PAIRS as i64 => none += 1,
            n if n == PAIRS as i64 => whole += 1,
            n => panic!("round {round}: {n} works after a kill at {at:?}: a partial merge"),
        }
        for backup in std::fs::read_dir(dir.join("lib.sqlite-backups")).into_iter().flatten() {
            let backup = backup.unwrap().path();
            if backup.extension().is_some_and(|e| e == "sqlite") {
                assert_eq!(count_and_check(&backup), 2 * PAIRS as i64, "round {round}: the pre-merge backup {} is whole", backup.display());
            }
        }
        // The library goes on: the merge runs to its end afterwards.
        ok(ibid_cmd(&path).args(["duplicates", "merge", "--confident"]));
        assert_eq!(count_and_check(&path), PAIRS as i64, "round {round}");
    }
    eprintln!("merge: {none} kills before the commit, {whole} after ({duration:?} a merge)");
    assert!(none > 0, "no kill landed before the merge committed (merge took {duration:?})");
}

/// A library of schema version 3 (before the search index) with 30,000
/// works, opened by this `ibid`: a kill during the migration leaves it at
/// version 3 with every work, or at the latest version with every work
/// searchable; and the next open finishes the job.
#[cfg(unix)]
#[test]
fn issue_9_kill_during_a_migration_leaves_the_old_schema_or_the_new() {
    const WORKS: i64 = 30_000;
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("v3.sqlite");
    {
        let lib = ibid_core::Library::open_at_version(&base, 3).unwrap();
        let conn = lib.connection();
        conn.execute_batch("BEGIN").unwrap();
        let mut st = conn
            .prepare("INSERT INTO works (key, type, title, sort_title, added_at, modified_at) VALUES (?1, 'book', ?2, lower(?2), 0, 0)")
            .unwrap();
        for i in 0..WORKS {
            st.execute(rusqlite::params![format!("K{i:07}"), format!("Sino-Soviet treaty {i} and the railway quartz{i}")]).unwrap();
        }
        drop(st);
        conn.execute_batch("COMMIT").unwrap();
    }
    let version = |p: &std::path::Path| -> i64 { Connection::open(p).unwrap().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap() };
    assert_eq!(version(&base), 3);

    let full = tmp.path().join("full.sqlite");
    copy_library(&base, &full);
    let start = Instant::now();
    ok(ibid_cmd(&full).arg("list"));
    let duration = start.elapsed();
    let latest = ibid_core::store::LATEST_VERSION;
    assert_eq!(version(&full), latest);

    let mut rng = fastrand::Rng::with_seed(13);
    let mut old = 0;
    // The backup and the search index's build come first; the later steps
    // are short. Kills are spread over the whole run, more of them late.
    for round in 0..12 {
        let path = tmp.path().join(format!("kill-{round}.sqlite"));
        copy_library(&base, &path);
        let at = duration.mul_f64(if round % 3 == 0 { 0.05 + 0.45 * rng.f64() } else { 0.5 + 0.49 * rng.f64() });
        run_and_kill(ibid_cmd(&path).arg("list"), at);
        let conn = Connection::open(&path).unwrap();
        let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(check, "ok", "round {round}");
        let n: i64 = conn.query_row("SELECT count(*) FROM works", [], |r| r.get(0)).unwrap();
        assert_eq!(n, WORKS, "round {round}");
        match version(&path) {
            3 => old += 1,
            v if v == latest => {}
            v => panic!("round {round}: a kill at {at:?} left the library at version {v}, between 3 and {latest}"),
        }
        drop(conn);
        // Opening it again migrates it (or finds it migrated): whole and searchable.
        let hits = ok(ibid_cmd(&path).args(["search", &format!("quartz{}", WORKS - 1), "--json"]));
        assert!(hits.contains(&format!("K{:07}", WORKS - 1)), "round {round}: {hits}");
        assert_eq!(count_and_check(&path), WORKS);
    }
    assert!(old > 0, "no kill landed during the migration (it took {duration:?})");
}

/// A DOI batch of 150 articles, each citing 12 works, from a stand-in
/// Crossref on 127.0.0.1. Each identifier is its own operation (a batch
/// that dies at the 120th DOI keeps the 119 it added): after a kill, every
/// article present is whole — its journal and all 12 references — and
/// running the batch again adds the rest, once each.
#[cfg(unix)]
#[test]
fn issue_9_kill_during_a_doi_batch_leaves_each_work_whole() {
    use ibid_tests::services::{self, Recorded};
    const DOIS: usize = 150;
    const REFS: usize = 12;
    let mut rec = Recorded::default();
    let mut list = String::new();
    for i in 0..DOIS {
        let doi = format!("10.5555/batch.{i}");
        let refs: Vec<serde_json::Value> = (0..REFS)
            .map(|j| serde_json::json!({"key": format!("r{j}"), "DOI": format!("10.5555/cited.{i}.{j}"),
                "unstructured": format!("Zhang, L. On treaty {j}. Journal of Cited Things {j} (1999): {}-{}.", j + 1, j + 9)}))
            .collect();
        let body = serde_json::json!({"status": "ok", "message-type": "work", "message-version": "1.0.0", "message": {
            "DOI": doi, "type": "journal-article", "title": [format!("Batch article {i} on the Sino-Soviet split")],
            "author": [{"given": "Ana", "family": format!("Author{i}"), "sequence": "first"}],
            "container-title": ["Journal of Crash Tests"], "ISSN": ["1234-5679"], "publisher": "Crash Press",
            "issued": {"date-parts": [[2001, 3]]}, "volume": "3", "page": "1-10",
            "reference-count": REFS, "reference": refs}});
        rec.ra.insert(doi.clone(), "Crossref".into());
        rec.crossref.insert(doi.clone(), body.to_string());
        list.push_str(&doi);
        list.push('\n');
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let server = rt.block_on(services::start(rec));
    let base_url = server.uri();
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("dois.txt");
    std::fs::write(&file, &list).unwrap();
    let add = |lib: &std::path::Path| {
        let mut c = ibid_cmd(lib);
        c.arg("add").arg("--from").arg(&file).env("IBID_MAILTO", "crash-tests@example.org");
        for var in ["IBID_CROSSREF_URL", "IBID_DOI_URL", "IBID_DATACITE_URL", "IBID_OPENLIBRARY_URL", "IBID_ARXIV_URL", "IBID_PUBMED_URL"] {
            c.env(var, &base_url);
        }
        c
    };
    // Each article: present with its journal and every reference, or absent.
    let check = |lib: &std::path::Path, round: usize| -> usize {
        count_and_check(lib);
        let conn = Connection::open(lib).unwrap();
        let mut st = conn
            .prepare(
                "SELECT w.doi, (SELECT count(*) FROM citations c WHERE c.citing_id = w.id), \
                        (SELECT j.title FROM works j WHERE j.id = w.container_id) \
                 FROM works w WHERE w.standalone = 1 AND w.doi LIKE '10.5555/batch.%'",
            )
            .unwrap();
        let rows: Vec<(String, i64, Option<String>)> = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect();
        for (doi, refs, journal) in &rows {
            assert_eq!(*refs, REFS as i64, "round {round}: {doi} has {refs} of its {REFS} references");
            assert_eq!(journal.as_deref(), Some("Journal of Crash Tests"), "round {round}: {doi} lost its journal");
        }
        let mut dois: Vec<_> = rows.iter().map(|r| &r.0).collect();
        dois.sort();
        dois.dedup();
        assert_eq!(dois.len(), rows.len(), "round {round}: an article is in the library twice");
        rows.len()
    };

    let full = tmp.path().join("full.sqlite");
    ok(ibid_cmd(&full).arg("list"));
    let start = Instant::now();
    ok(&mut add(&full));
    let duration = start.elapsed();
    assert_eq!(check(&full, 0), DOIS);

    let mut rng = fastrand::Rng::with_seed(17);
    let mut partial = 0;
    for round in 0..8 {
        let path = tmp.path().join(format!("kill-{round}.sqlite"));
        ok(ibid_cmd(&path).arg("list"));
        let at = duration.mul_f64(0.1 + 0.8 * rng.f64());
        run_and_kill(&mut add(&path), at);
        let n = check(&path, round);
        if n > 0 && n < DOIS {
            partial += 1;
        }
        // Again: the rest is added, nothing twice.
        ok(&mut add(&path));
        assert_eq!(check(&path, round), DOIS, "round {round}");
    }
    assert!(partial > 0, "no kill landed in the middle of the batch (it took {duration:?})");
}
