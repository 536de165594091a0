//! The `ibid` command line, run as a real process on a real library file:
//! the contract other issues build on, and clear errors for bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn ibid(lib: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ibid"))
        .arg("--library")
        .arg(lib)
        .args(args)
        .env_remove("IBID_LIBRARY")
        .output()
        .expect("run ibid")
}

fn ok(lib: &Path, args: &[&str]) -> String {
    let out = ibid(lib, args);
    assert!(out.status.success(), "ibid {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn json(lib: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&ok(lib, args)).unwrap_or_else(|e| panic!("ibid {args:?}: not JSON: {e}"))
}

/// A user error: non-zero exit, one line on stderr naming the problem, no panic.
fn user_error(lib: &Path, args: &[&str], needle: &str) {
    let out = ibid(lib, args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "ibid {args:?} should fail");
    assert!(!err.contains("panicked"), "ibid {args:?} panicked: {err}");
    assert!(err.contains(needle), "ibid {args:?}: expected {needle:?} in {err:?}");
}

fn seed() -> PathBuf {
    ibid_tests::project_fixture("seed-chapter.csl.json")
}

#[test]
fn the_cli_contract() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib.sqlite");
    ok(&lib, &["import", seed().to_str().unwrap()]);

    // list --json: an array of CSL-JSON items whose id is the work's key.
    let list = json(&lib, &["list", "--json"]);
    let items = list.as_array().unwrap();
    assert_eq!(items.len(), 1);
    let key = items[0]["id"].as_str().unwrap().to_string();
    assert_eq!(key.len(), 8);
    assert_eq!(items[0]["container-title"], "A Short History of Sino-Soviet Relations, 1917–1991");

    // show by key or DOI: flat, with Ibid's own fields.
    let shown = json(&lib, &["show", &key, "--json"]);
    assert_eq!(json(&lib, &["show", "https://doi.org/10.1007/978-981-13-8641-1_7", "--json"]), shown);
    assert_eq!(shown["collection-title"], "China Connections");
    assert_eq!(shown["editor"][0]["family"], "Shen");
    assert_eq!(shown["tags"], serde_json::json!([]));
    let parent = shown["parent"].as_str().unwrap();
    assert_eq!(json(&lib, &["show", parent, "--json"])["type"], "book");

    // search: same array shape.
    assert_eq!(json(&lib, &["search", "sino", "sov", "--json"])[0]["id"], key.as_str());
    assert_eq!(json(&lib, &["search", "nothing-like-this", "--json"]), serde_json::json!([]));

    // new, edit, tag, collections, trash, restore.
    let new_key = ok(&lib, &["new", "--type", "book", "--title", "Uncertain Partners", "--author", "Goncharov, Sergei",
        "--author", "Lewis, John", "--author", "Xue, Litai", "--issued", "1993", "--set", "publisher=Stanford University Press"])
        .trim()
        .to_string();
    let book = json(&lib, &["show", &new_key, "--json"]);
    assert_eq!(book["author"].as_array().unwrap().len(), 3);
    assert_eq!(book["author"][2], serde_json::json!({"family": "Xue", "given": "Litai"}));
    assert_eq!(book["issued"], serde_json::json!({"date-parts": [[1993]]}));
    ok(&lib, &["edit", &new_key, "--set", "publisher-place=Stanford, CA", "--set", "title=Uncertain Partners: Stalin, Mao, and the Korean War"]);
    let book = json(&lib, &["show", &new_key, "--json"]);
    assert_eq!(book["publisher-place"], "Stanford, CA");
    assert_eq!(book["title"], "Uncertain Partners: Stalin, Mao, and the Korean War");
    ok(&lib, &["tag", &new_key, "+korean war", "+to-read"]);
    ok(&lib, &["tag", &new_key, "-to-read"]);
    assert_eq!(json(&lib, &["show", &new_key, "--json"])["tags"], serde_json::json!(["korean war"]));
    ok(&lib, &["collection", "add", "Cold War/Korea", &new_key, &key]);
    assert_eq!(
        json(&lib, &["collection", "ls", "--json"]),
        serde_json::json!([{"key": json(&lib, &["collection", "ls", "--json"])[0]["key"], "path": "Cold War", "count": 0},
                           {"key": json(&lib, &["collection", "ls", "--json"])[1]["key"], "path": "Cold War/Korea", "count": 2}])
    );
    ok(&lib, &["collection", "rm", "Cold War/Korea", &key]);
    assert_eq!(json(&lib, &["show", &key, "--json"])["collections"], serde_json::json!([]));
    assert_eq!(json(&lib, &["show", &new_key, "--json"])["collections"], serde_json::json!(["Cold War/Korea"]));
    ok(&lib, &["trash", &new_key]);
    assert_eq!(json(&lib, &["list", "--json"]).as_array().unwrap().len(), 1);
    assert_eq!(json(&lib, &["list", "--trash", "--json"])[0]["id"], new_key.as_str());
    ok(&lib, &["restore", &new_key]);
    assert_eq!(json(&lib, &["list", "--sort", "year", "--json"]).as_array().unwrap().len(), 2);

    // export: the whole library, or some keys, to stdout or a file.
    let all = json(&lib, &["export", "--format", "csl-json"]);
    assert_eq!(all.as_array().unwrap().len(), 2);
    let one = json(&lib, &["export", &key]);
    assert_eq!(one.as_array().unwrap().len(), 1);
    let out = tmp.path().join("out/refs.json");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    ok(&lib, &["export", "-o", out.to_str().unwrap()]);
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(written, all);
    let leftovers: Vec<_> = std::fs::read_dir(out.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left behind: {leftovers:?}");

    // The exported file imports again into another library, whole.
    let lib2 = tmp.path().join("lib2.sqlite");
    ok(&lib2, &["import", out.to_str().unwrap()]);
    let again = json(&lib2, &["show", "10.1007/978-981-13-8641-1_7", "--json"]);
    for k in ["title", "author", "editor", "container-title", "collection-title", "publisher", "publisher-place", "ISBN", "issued", "abstract"] {
        assert_eq!(again[k], shown[k], "{k}");
    }

    // IBID_LIBRARY picks the library when --library is not given.
    let out = Command::new(env!("CARGO_BIN_EXE_ibid")).args(["list", "--json"]).env("IBID_LIBRARY", &lib).output().unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&out.stdout).unwrap().as_array().unwrap().len(), 2);
}

#[test]
fn list_pages_continue_with_the_printed_cursor() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib.sqlite");
    let items: Vec<Value> = (0..25).map(|i| serde_json::json!({"type": "book", "title": format!("Book {i:02}")})).collect();
    let file = tmp.path().join("books.json");
    std::fs::write(&file, serde_json::to_string(&items).unwrap()).unwrap();
    ok(&lib, &["import", file.to_str().unwrap()]);
    let first = ok(&lib, &["list", "--limit", "10"]);
    let cursor = first.lines().last().unwrap().strip_prefix("-- more: --after ").expect("a cursor line").to_string();
    let second = ok(&lib, &["list", "--limit", "10", "--after", &cursor]);
    assert!(first.contains("Book 09") && !first.contains("Book 10"));
    assert!(second.lines().next().unwrap().contains("Book 10"), "{second}");
}

#[test]
fn user_errors_are_one_clear_line() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib.sqlite");
    ok(&lib, &["import", seed().to_str().unwrap()]);
    let missing = tmp.path().join("missing.json");
    user_error(&lib, &["import", missing.to_str().unwrap()], "cannot read");
    let bad = tmp.path().join("bad.json");
    std::fs::write(&bad, "[{\"type\": \"book\", \"title\": \"x\"").unwrap();
    user_error(&lib, &["import", bad.to_str().unwrap()], "not valid JSON");
    std::fs::write(&bad, [0xff, 0xfe, 0x00, 0x41]).unwrap();
    user_error(&lib, &["import", bad.to_str().unwrap()], "not UTF-8");
    std::fs::write(&bad, "[{\"type\": \"book\", \"title\": \"Fine\"}, {\"type\": \"book\"}]").unwrap();
    user_error(&lib, &["import", bad.to_str().unwrap()], "item 2 (counting from 1) not imported: no \"title\", and no creator");
    user_error(&lib, &["show", "ZZZZZZZZ"], "no work with key or DOI \"ZZZZZZZZ\"");
    user_error(&lib, &["show", "10.1000/nope"], "no work with key or DOI");
    let key = json(&lib, &["show", "10.1007/978-981-13-8641-1_7", "--json"])["id"].as_str().unwrap().to_string();
    user_error(&lib, &["edit", &key, "--set", "DOI=banana"], "not a DOI: \"banana\"");
    user_error(&lib, &["edit", &key, "--set", "nonsense"], "--set takes FIELD=VALUE");
    user_error(&lib, &["edit", &key, "--set", "issued=2020", "--set", "ISBN=123"], "not an ISBN");
    assert!(json(&lib, &["show", &key, "--json"]).get("issued").is_some(), "a refused edit changed nothing");
    user_error(&lib, &["tag", &key, "oops"], "write +oops to add the tag or -oops to remove it");
    user_error(&lib, &["list", "--after", "garbage"], "not a list cursor");
    user_error(&lib, &["new", "--type", "novel", "--title", "x"], "unknown type \"novel\"");
    user_error(&lib, &["new", "--type", "book", "--title", "x", "--author", "A, B, C, D"], "cannot read the name");
    user_error(&lib, &["collection", "rm", "No Such"], "no collection \"No Such\"");
    user_error(&lib, &["restore", &key], "is not in the trash");
    let notdb = tmp.path().join("notes.txt");
    std::fs::write(&notdb, "hello ".repeat(1000)).unwrap();
    user_error(&notdb, &["list"], "not an Ibid library");
    // The library is intact after all that: the seed, and the one good item
    // of the half-bad file.
    let titles: Vec<Value> = json(&lib, &["list", "--json"]).as_array().unwrap().iter().map(|i| i["title"].clone()).collect();
    assert_eq!(titles, vec![Value::from("Fine"), Value::from("The Political and Economic Foundations of the Sino-Soviet Alliance, 1948–1949")]);
}

#[test]
fn issue_8_duplicates_listed_merged_undone_and_dismissed() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib.sqlite");
    let file = tmp.path().join("twice.json");
    std::fs::write(
        &file,
        serde_json::json!([
            {"type": "book", "title": "Brothers in Arms", "author": [{"family": "Westad"}], "issued": {"date-parts": [[1998]]}},
            {"type": "book", "title": "Brothers in arms.", "author": [{"family": "Westad"}], "issued": {"date-parts": [[1999]]}},
            {"type": "book", "title": "Stalin's Cold War", "author": [{"family": "Mastny"}], "issued": {"date-parts": [[1996]]}},
            {"type": "book", "title": "Stalin's cold war", "issued": {"date-parts": [[1996]]}},
        ])
        .to_string(),
    )
    .unwrap();
    ok(&lib, &["import", "--on-duplicate", "add", file.to_str().unwrap()]);
    let listed = ok(&lib, &["duplicates"]);
    assert!(listed.contains("confident") && listed.contains("check") && listed.contains("2 group(s), 1 confident"), "{listed}");
    let groups = json(&lib, &["duplicates", "--json"]);
    assert_eq!(groups.as_array().unwrap().len(), 2);
    assert_eq!(groups[0]["works"][0]["title"], "Brothers in Arms");
    assert!(ok(&lib, &["duplicates", "merge", "--confident"]).contains("merged 1 work(s) in 1 group(s)"));
    assert_eq!(json(&lib, &["duplicates", "--json"]).as_array().unwrap().len(), 1);
    assert!(ok(&lib, &["duplicates", "undo"]).contains("1 work(s) listed again"));
    assert_eq!(json(&lib, &["duplicates", "--json"]).as_array().unwrap().len(), 2);
    let stalin: Vec<&str> = groups[1]["keys"].as_array().unwrap().iter().map(|k| k.as_str().unwrap()).collect();
    let m = json(&lib, &["duplicates", "merge", "--first", &stalin.join(","), "--json"]);
    assert_eq!(m["survivors"], serde_json::json!([stalin[0]]));
    ok(&lib, &["duplicates", "undo"]);
    ok(&lib, &["duplicates", "dismiss", &stalin.join(",")]);
    assert_eq!(json(&lib, &["duplicates", "--json"]).as_array().unwrap().len(), 1);
    user_error(&lib, &["duplicates", "undo"], "no merge to undo");
}

/// `ibid backup` (into the backups folder, or to a file), `--list`, and
/// `ibid restore --backup FILE`; a file that is not a library is refused
/// with one line and changes nothing (issue 9).
#[test]
fn issue_9_backup_and_restore_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib.sqlite");
    ok(&lib, &["import", seed().to_str().unwrap()]);
    let keys = |lib: &Path| ok(lib, &["list", "--json"]);
    let before = keys(&lib);

    let out = ibid(&lib, &["backup"]);
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(said.contains("lib.sqlite-backups") && said.contains("manual-"), "{said}");
    let file = tmp.path().join("copy.sqlite");
    ok(&lib, &["backup", file.to_str().unwrap()]);
    assert!(file.is_file());
    let listed = ok(&lib, &["backup", "--list"]);
    assert_eq!(listed.lines().count(), 1, "{listed}");
    assert!(listed.starts_with("manual"), "{listed}");

    // A change, then the backup back.
    let key = json(&lib, &["list", "--json"])[0]["id"].as_str().unwrap().to_string();
    ok(&lib, &["trash", &key]);
    assert_ne!(keys(&lib), before);
    let out = ibid(&lib, &["restore", "--backup", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pre-restore-"));
    assert_eq!(keys(&lib), before);
    assert!(ok(&lib, &["backup", "--list"]).lines().any(|l| l.starts_with("pre-restore")));

    // Not a library: one clear line, the library unchanged.
    let text = tmp.path().join("notes.txt");
    std::fs::write(&text, "these are notes, not a library; long enough to be read as a file header").unwrap();
    user_error(&lib, &["restore", "--backup", text.to_str().unwrap()], "not an Ibid library");
    user_error(&lib, &["backup", file.to_str().unwrap()], "exists");
    assert_eq!(keys(&lib), before);
    // `restore KEY` is still the trash's.
    ok(&lib, &["trash", &key]);
    ok(&lib, &["restore", &key]);
    assert_eq!(keys(&lib), before);
    // `restore FILE`, as the issue writes it: one argument that is a file.
    ok(&lib, &["trash", &key]);
    assert_ne!(keys(&lib), before);
    let out = ibid(&lib, &["restore", file.to_str().unwrap()]);
    assert!(out.status.success() && String::from_utf8_lossy(&out.stderr).contains("restored"), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(keys(&lib), before);
}
