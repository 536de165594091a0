//! Kill -9 during a 10k-item import: the library passes `PRAGMA
//! integrity_check` and holds either none or all of that import.

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
