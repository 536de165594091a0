//! `ibid import-page`, `ibid cited` and `ibid export --cited-by` on the seed
//! page, as real processes; the DOI lookup against the stand-in services on
//! 127.0.0.1 (`tests/services.rs`), or none at all.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output};

use ibid_tests::services::{self, Recorded};
use serde_json::Value;

const SEED: &str = "000_07235ba769ea05ad.txt";

fn ibid(lib: &Path, base: &str, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ibid"));
    cmd.arg("--library").arg(lib).args(args).env_remove("IBID_LIBRARY");
    for var in ["IBID_CROSSREF_URL", "IBID_DOI_URL", "IBID_DATACITE_URL", "IBID_OPENLIBRARY_URL", "IBID_ARXIV_URL", "IBID_PUBMED_URL"] {
        cmd.env(var, base);
    }
    cmd.env("IBID_MAILTO", "cli-tests@example.org");
    cmd.output().expect("run ibid")
}

/// Keys are random: each becomes K1, K2… in order of first appearance.
fn normalise_keys(v: &Value) -> String {
    let text = serde_json::to_string_pretty(v).unwrap();
    let re = regex::Regex::new(r#""([2-9A-NP-Z]{8})""#).unwrap();
    let mut names: HashMap<String, String> = HashMap::new();
    re.replace_all(&text, |c: &regex::Captures| {
        let n = names.len() + 1;
        let name = names.entry(c[1].to_string()).or_insert_with(|| format!("K{n}")).clone();
        format!("\"{name}\"")
    })
    .into_owned()
}

#[test]
fn import_page_offline_json_golden_cited_and_bibliography() {
    let Some(seed) = ibid_tests::shared_seed(SEED) else { return };
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib.sqlite");
    let out = ibid(&lib, "http://127.0.0.1:9", &["import-page", seed.to_str().unwrap(), "--json", "--offline"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("imported from the page alone"));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let notes = v["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 26, "every note, those without citations too");
    assert_eq!(v["works"].as_object().unwrap().len(), 15);
    for n in notes {
        for c in n["citations"].as_array().unwrap() {
            assert!(v["works"].get(c["work"].as_str().unwrap()).is_some(), "{c}");
        }
    }
    if let Some(diff) = ibid_tests::golden("notes/seed-import-page.json", &normalise_keys(&v)) {
        panic!("{diff}");
    }

    // `ibid cited`: the 26 citations in note order.
    let key = v["work"]["id"].as_str().unwrap();
    let out = ibid(&lib, "http://127.0.0.1:9", &["cited", key, "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), 26);
    let order: Vec<(i64, i64)> = rows.iter().map(|r| (r["note"].as_i64().unwrap(), r["position"].as_i64().unwrap())).collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
    let from_import: Vec<(i64, String)> = notes
        .iter()
        .flat_map(|n| n["citations"].as_array().unwrap().iter().map(move |c| (n["number"].as_i64().unwrap(), c["work"].as_str().unwrap().to_string())))
        .collect();
    let from_cited: Vec<(i64, String)> = rows.iter().map(|r| (r["note"].as_i64().unwrap(), r["work"].as_str().unwrap().to_string())).collect();
    assert_eq!(from_cited, from_import);
    let human = ibid(&lib, "http://127.0.0.1:9", &["cited", key]);
    assert_eq!(String::from_utf8_lossy(&human.stdout).lines().count(), 26);

    // The chapter's cited works as a Chicago notes-bibliography: 15 entries.
    let out = ibid(&lib, "http://127.0.0.1:9", &["export", "--cited-by", key, "--style", "chicago-notes", "--format", "csl-json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let items: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(items.len(), 15);
    let out = ibid(&lib, "http://127.0.0.1:9", &["export", "--cited-by", key, "--style", "chicago-notes", "--format", "html"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Heinzig, Dieter. <i>The Soviet Union and Communist China, 1945–1950"));

    // As text, one entry a line. Chicago 18 (`chicago-notes`) leaves
    // inaccessible manuscripts out of the bibliography (CMOS 14.114; the
    // style's last `else-if`): Ledovskii's unpublished notes, cited in note
    // 19 "as cited in" Heinzig, are in the cited works but not in the list,
    // which has 14 entries and no blank one (citeproc-js drops an entry a
    // style renders empty, and so does Ibid). The Chicago 17 style
    // (../shared, chicago-note-bibliography.csl) lists all 15.
    let out = ibid(&lib, "http://127.0.0.1:9", &["export", "--cited-by", key, "--style", "chicago-notes", "--format", "text"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.iter().all(|l| !l.trim().is_empty()), "no blank entry:\n{text}");
    assert_eq!(lines.len(), 14, "{text}");
    assert!(!text.contains("Nanjing zhaji"), "{text}");
    if let Some(styles) = ibid_tests::shared_fixtures().map(|f| f.join("csl-styles/chicago-note-bibliography.csl")) {
        let out = ibid(&lib, "http://127.0.0.1:9", &["export", "--cited-by", key, "--style", styles.to_str().unwrap(), "--format", "text"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(text.lines().filter(|l| !l.trim().is_empty()).count(), 15, "{text}");
        assert!(text.contains("Ledovskii, Andrei. “Nanjing Zhaji.” Unpublished ms."), "{text}");
    }
}

#[test]
fn import_page_resolves_the_doi_when_it_can_and_completes_without_it_when_it_cannot() {
    let Some(seed) = ibid_tests::shared_seed(SEED) else { return };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let server = rt.block_on(services::start(Recorded::project()));
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib.sqlite");
    let out = ibid(&lib, &server.uri(), &["import-page", seed.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("26 notes (Notes), 26 citations of 15 works"), "{text}");
    assert!(text.contains("looked up at crossref"), "{text}");
    let key = text.split_whitespace().nth(1).unwrap();
    let show = ibid(&lib, "http://127.0.0.1:9", &["show", key, "--json"]);
    let item: Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(item["publisher-place"], "Singapore");
    assert_eq!(item["collection-title"], "China Connections");

    // A service that does not answer: the import still completes, and says so.
    let lib2 = tmp.path().join("lib2.sqlite");
    let out = ibid(&lib2, "http://127.0.0.1:9", &["import-page", seed.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("could not be looked up") && text.contains("imported from the page alone"), "{text}");
    assert!(text.contains("26 citations of 15 works"), "{text}");
}

/// `--match`: cited works without a DOI are looked for in Crossref's
/// bibliographic search (here a stand-in on 127.0.0.1); a DOI is taken only
/// when the answer scores high enough per character of the query and agrees
/// with the note, and the score is kept with the work.
#[test]
fn import_page_match_takes_a_doi_only_from_a_confident_agreeing_answer() {
    use wiremock::matchers::{method, path, query_param_contains};
    use wiremock::{Mock, ResponseTemplate};
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let server = rt.block_on(services::start(Recorded::project()));
    let fuel = std::fs::read_to_string(ibid_tests::project_fixture("crossref-search/fuel-and-power.json")).unwrap();
    rt.block_on(
        Mock::given(method("GET"))
            .and(path("/works"))
            .and(query_param_contains("query.bibliographic", "Fuel and Power"))
            .respond_with(services::crossref_headers(ResponseTemplate::new(200).set_body_string(fuel)))
            .with_priority(1)
            .expect(1)
            .mount(&server),
    );
    // The encyclopaedia entry: Crossref's real answer to a one-word query,
    // whose scores (~11) are far below a confident one for a whole note.
    let ecology = ibid_tests::shared_fixtures().map(|f| std::fs::read_to_string(f.join("crossref-api/lists/works_query_ecology_rows2.json")).unwrap());
    if let Some(body) = &ecology {
        rt.block_on(
            Mock::given(method("GET"))
                .and(path("/works"))
                .and(query_param_contains("query.bibliographic", "Chemical Ecology"))
                .respond_with(services::crossref_headers(ResponseTemplate::new(200).set_body_string(body.clone())))
                .with_priority(1)
                .expect(1)
                .mount(&server),
        );
    }
    let page = ibid_tests::project_fixture("pages/match-notes.html");
    let tmp = tempfile::tempdir().unwrap();

    // Without --match nothing is searched for.
    let plain = tmp.path().join("plain.sqlite");
    let out = ibid(&plain, &server.uri(), &["import-page", page.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["works"].as_object().unwrap().values().all(|w| w.get("DOI").is_none()), "{v}");

    let lib = tmp.path().join("lib.sqlite");
    let out = ibid(&lib, &server.uri(), &["import-page", page.to_str().unwrap(), "--json", "--match"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let works: Vec<&Value> = v["works"].as_object().unwrap().values().collect();
    assert_eq!(works.len(), 2, "{v}");
    let fuel = works.iter().find(|w| w["title"] == "Fuel and Power").expect("the book");
    assert_eq!(fuel["DOI"], "10.5555/fuel.1981");
    assert_eq!(fuel["custom"]["crossref-match"]["score"], 71.18);
    assert!(stderr.contains("matched      Fuel and Power: 10.5555/fuel.1981"), "{stderr}");
    // Notes 1 and 3 (the short form) both point at it.
    let cites: Vec<(i64, String)> = v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|n| n["citations"].as_array().unwrap().iter().map(move |c| (n["number"].as_i64().unwrap(), c["work"].as_str().unwrap().to_string())))
        .collect();
    let fuel_key = fuel["id"].as_str().unwrap();
    assert_eq!(cites.iter().filter(|(_, k)| k == fuel_key).map(|(n, _)| *n).collect::<Vec<_>>(), vec![1, 3]);
    if ecology.is_some() {
        let entry = works.iter().find(|w| w["title"] == "Chemical Ecology").expect("the entry");
        assert!(entry.get("DOI").is_none(), "{entry}");
        assert!(stderr.contains("not matched  Chemical Ecology: score 11.0 is 0.103 per character, below"), "{stderr}");
    }
    // The score is stored: `ibid show` gives it back.
    let show = ibid(&lib, "http://127.0.0.1:9", &["show", fuel_key, "--json"]);
    let item: Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(item["custom"]["crossref-match"]["score"], 71.18, "{item}");
    // A second import matches the book in the library by its DOI: no new search.
    let out = ibid(&lib, &server.uri(), &["import-page", page.to_str().unwrap(), "--match"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    rt.block_on(server.verify()); // each search exactly once
}
