//! `ibid add`, `ibid refresh` and `ibid settings`, as real processes against
//! a stand-in for the services on 127.0.0.1 (`tests/services.rs`).

use std::path::Path;
use std::process::{Command, Output, Stdio};

use ibid_tests::services::{self, Recorded};
use serde_json::Value;

/// The stand-in server, on a runtime that lives as long as the test.
struct Server {
    _rt: tokio::runtime::Runtime,
    server: wiremock::MockServer,
}

fn server(rec: Recorded) -> Server {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let server = rt.block_on(services::start(rec));
    Server { _rt: rt, server }
}

fn ibid(lib: &Path, base: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ibid"));
    cmd.arg("--library").arg(lib).args(args).env_remove("IBID_LIBRARY");
    for var in ["IBID_CROSSREF_URL", "IBID_DOI_URL", "IBID_DATACITE_URL", "IBID_OPENLIBRARY_URL", "IBID_ARXIV_URL", "IBID_PUBMED_URL"] {
        cmd.env(var, base);
    }
    cmd.env("IBID_MAILTO", "cli-tests@example.org");
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() }).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run ibid");
    if let Some(text) = stdin {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn show(lib: &Path, key: &str) -> Value {
    let out = ibid(lib, "http://127.0.0.1:9", &["show", key, "--json"], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn names(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|n| format!("{} {}", n["given"].as_str().unwrap(), n["family"].as_str().unwrap())).collect()
}

/// Issue 4: `ibid add <the Springer chapter URL>` against the local server
/// stores the full chapter record.
#[test]
fn issue_4_ibid_add_the_springer_url_stores_the_full_chapter() {
    let s = server(Recorded::project());
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib.sqlite");
    let out = ibid(&lib, &s.server.uri(), &["add", "https://link.springer.com/chapter/10.1007/978-981-13-8641-1_7", "--json"], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["added"].as_u64(), v["present"].as_u64(), v["failed"].as_u64()), (Some(1), Some(0), Some(0)), "{v}");
    let key = v["results"][0]["key"].as_str().unwrap();
    let item = show(&lib, key);
    assert_eq!(names(&item["author"]), ["Zhihua Shen"]);
    assert_eq!(item["container-title"], "A Short History of Sino-Soviet Relations, 1917–1991");
    assert_eq!(names(&item["editor"]), ["Zhihua Shen"]);
    assert_eq!(item["collection-title"], "China Connections");
    assert_eq!(item["publisher"], "Palgrave Macmillan");
    assert_eq!(item["publisher-place"], "Singapore");
    assert_eq!(item["issued"]["date-parts"], serde_json::json!([[2020]]));
    assert_eq!(item["ISBN"], serde_json::json!(["9789811386404", "9789811386411"]));
    let abs = item["abstract"].as_str().unwrap();
    assert!(abs.starts_with("This chapter discusses") && !abs.contains('<'), "{abs}");

    // Again, in the human format: reported as present, exit 0.
    let out = ibid(&lib, &s.server.uri(), &["add", "doi:10.1007/978-981-13-8641-1_7"], None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains(&format!("present  {key}")) && text.contains("0 added, 1 already in the library, 0 failed"), "{text}");
}

/// `--from -` reads a reference list from standard input; failures are
/// listed with their reason and make the exit status non-zero; arguments
/// that are not identifiers are quoted.
#[test]
fn a_batch_from_stdin_with_a_summary_and_reasons() {
    let s = server(Recorded::project());
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib.sqlite");
    let refs = "[1] Shen Z. (2020) The Political… https://doi.org/10.1007/978-981-13-8641-1_7.\n\
                [2] Unknown. doi:10.9999/not-there\n";
    let out = ibid(&lib, &s.server.uri(), &["add", "not-an-id", "--from", "-"], Some(refs));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "a failure makes the exit status non-zero: {text}");
    assert!(text.contains("1 added, 0 already in the library, 2 failed"), "{text}");
    assert!(text.contains("failed   not-an-id  not an identifier (a DOI, ISBN, arXiv id or PMID): \"not-an-id\""), "{text}");
    assert!(text.contains("failed   10.9999/not-there") && text.contains("no record for 10.9999/not-there"), "{text}");
}

#[test]
fn refresh_and_settings() {
    let s = server(Recorded::project());
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib.sqlite");
    let out = ibid(&lib, &s.server.uri(), &["add", "10.1007/978-981-13-8641-1_7", "--json"], None);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let key = v["results"][0]["key"].as_str().unwrap().to_string();
    let out = ibid(&lib, "http://127.0.0.1:9", &["edit", &key, "--set", "title=Changed"], None);
    assert!(out.status.success());
    let out = ibid(&lib, &s.server.uri(), &["refresh", &key], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("refreshed {key} from doi:10.1007/978-981-13-8641-1_7")));
    assert_eq!(show(&lib, &key)["title"], "The Political and Economic Foundations of the Sino-Soviet Alliance, 1948–1949");

    // Offline: re-derived from the kept responses, with no server at all.
    let out = ibid(&lib, "http://127.0.0.1:9", &["edit", &key, "--set", "title=Changed offline"], None);
    assert!(out.status.success());
    let out = ibid(&lib, "http://127.0.0.1:9", &["refresh", "--offline", &key], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("re-derived"));
    let item = show(&lib, &key);
    assert_eq!(item["title"], "The Political and Economic Foundations of the Sino-Soviet Alliance, 1948–1949");
    assert_eq!(item["publisher-place"], "Singapore", "the book's kept response completes it again");

    // Settings: stored in the library; the environment wins over them.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ibid"));
    let set = cmd.arg("--library").arg(&lib).args(["settings", "crossref_url", "http://127.0.0.1:1"]).env_remove("IBID_CROSSREF_URL").output().unwrap();
    assert!(set.status.success());
    let list = Command::new(env!("CARGO_BIN_EXE_ibid")).arg("--library").arg(&lib).arg("settings").env_remove("IBID_CROSSREF_URL").output().unwrap();
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(text.contains("crossref_url = http://127.0.0.1:1 (setting)") && text.contains("doi_url = https://doi.org (default)"), "{text}");
    let bad = Command::new(env!("CARGO_BIN_EXE_ibid")).arg("--library").arg(&lib).args(["settings", "nope", "x"]).output().unwrap();
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("unknown setting \"nope\""));
    // With the setting pointing nowhere, refresh names the network failure (the env var is unset here).
    let out = Command::new(env!("CARGO_BIN_EXE_ibid")).arg("--library").arg(&lib).args(["refresh", &key])
        .env_remove("IBID_CROSSREF_URL")
        .envs(["IBID_DOI_URL", "IBID_DATACITE_URL", "IBID_OPENLIBRARY_URL", "IBID_ARXIV_URL", "IBID_PUBMED_URL"].map(|k| (k, "http://127.0.0.1:1")))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot reach crossref"), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Issue 7: `ibid cite` prints a citation of an identifier not in the
/// library (looked up, and added unless `--no-add`), in a style or by
/// citation key, with a locator.
#[test]
fn issue_7_ibid_cite_looks_up_adds_and_cites() {
    let s = server(Recorded::project());
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib.sqlite");
    let run = |args: &[&str]| {
        let out = ibid(&lib, &s.server.uri(), args, None);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
    };
    let doi = "10.1007/978-981-13-8641-1_7";

    // Only printed: the library stays empty.
    let (text, _) = run(&["cite", doi, "--no-add"]);
    assert_eq!(text, "(Shen, 2020)\n");
    let (text, _) = run(&["cite", doi, "--no-add", "--format", "pandoc"]);
    assert_eq!(text, "[@shen2020political]\n");
    let (list, _) = run(&["list", "--json"]);
    assert_eq!(serde_json::from_str::<Value>(&list).unwrap(), serde_json::json!([]), "{list}");

    // Added, then cited with a page.
    let (text, err) = run(&["cite", &format!("{doi}:p. 79")]);
    assert_eq!(text, "(Shen, 2020, p. 79)\n");
    let key = err.trim().strip_prefix("added ").and_then(|r| r.split(' ').next()).unwrap_or_else(|| panic!("{err}")).to_string();
    // Cited again by key: nothing is added, and the citation key is the stored one.
    let (text, err) = run(&["cite", &format!("{key}:p. 79"), "--format", "latex"]);
    assert_eq!((text.as_str(), err.as_str()), ("\\cite[p.~79]{shen2020political}\n", ""));
    let (text, _) = run(&["cite", &key, "--format", "typst"]);
    assert_eq!(text, "@shen2020political\n");
    let (text, _) = run(&["cite", doi, "--bibliography", "--style", "springer-link"]);
    assert_eq!(
        text,
        "Shen, Z. (2020). The Political and Economic Foundations of the Sino-Soviet Alliance, 1948–1949. In: Shen, Z. (eds) \
         A Short History of Sino-Soviet Relations, 1917–1991. China Connections. Palgrave Macmillan, Singapore. \
         https://doi.org/10.1007/978-981-13-8641-1_7\n"
    );
    assert_eq!(show(&lib, &key)["citation-key"], "shen2020political");

    // Neither a work nor an identifier: a clear error, nothing printed.
    let out = ibid(&lib, &s.server.uri(), &["cite", "no-such-thing"], None);
    assert!(!out.status.success() && out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("neither a work in the library"), "{}", String::from_utf8_lossy(&out.stderr));
}
