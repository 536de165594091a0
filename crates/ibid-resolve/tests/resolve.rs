//! Identifiers into records, over real HTTP on 127.0.0.1 against recorded
//! responses (see `tests/services.rs`), into a real SQLite library.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use ibid_core::Library;
use ibid_resolve::source::{Fetch, Resolver};
use ibid_resolve::{add, Config, Found, Identifier, ItemResult, Outcome, ResolveError, Resolvers};
use ibid_tests::services::{self, crossref_headers, Recorded};
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn config(base: &str) -> Config {
    let env = |k: &str| match k {
        "IBID_CROSSREF_URL" | "IBID_DOI_URL" | "IBID_DATACITE_URL" | "IBID_OPENLIBRARY_URL" | "IBID_ARXIV_URL" | "IBID_PUBMED_URL" => {
            Some(base.to_string())
        }
        "IBID_MAILTO" => Some("tests@example.org".to_string()),
        _ => None,
    };
    let mut c = Config::from_sources(&[], env);
    c.backoff = Duration::from_millis(20);
    c.default_rate = 50;
    c
}

struct Fixture {
    _dir: tempfile::TempDir,
    lib: Mutex<Library>,
}

fn library() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let lib = Library::open(dir.path().join("library.sqlite")).unwrap();
    Fixture { _dir: dir, lib: Mutex::new(lib) }
}

impl Fixture {
    /// (works, responses, citations): what a failed lookup must leave unchanged.
    fn rows(&self) -> (i64, i64, i64) {
        let lib = self.lib.lock().unwrap();
        let c = lib.connection();
        let n = |sql: &str| c.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
        (n("SELECT count(*) FROM works"), n("SELECT count(*) FROM responses"), n("SELECT count(*) FROM citations"))
    }
    fn item(&self, key: &str) -> serde_json::Map<String, Value> {
        let lib = self.lib.lock().unwrap();
        let id = lib.resolve(key).unwrap();
        lib.csl_item(id).unwrap()
    }
}

async fn add_text(f: &Fixture, r: &Resolvers, text: &str) -> Vec<ItemResult> {
    let found = ibid_resolve::extract(text);
    assert!(!found.is_empty(), "no identifier in {text:?}");
    add::add_all(&f.lib, r, found, &|_| {}).await
}

fn added_key(r: &ItemResult) -> String {
    match &r.outcome {
        Outcome::Added { key, .. } => key.clone(),
        other => panic!("{}: expected added, got {other:?}", r.input),
    }
}

fn failed(r: &ItemResult) -> &ResolveError {
    match &r.outcome {
        Outcome::Failed(e) => e,
        other => panic!("{}: expected a failure, got {other:?}", r.input),
    }
}

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|n| format!("{} {}", n["given"].as_str().unwrap_or(""), n["family"].as_str().unwrap_or(""))).collect())
        .unwrap_or_default()
}

const SEED_URL: &str = "https://link.springer.com/chapter/10.1007/978-981-13-8641-1_7";
const SEED_TITLE: &str = "The Political and Economic Foundations of the Sino-Soviet Alliance, 1948–1949";

/// The seed chapter: the chapter record lacks the book's editor and place,
/// so the book's own record is fetched and fills them in.
#[tokio::test]
async fn the_seed_doi_becomes_the_full_chapter_record() {
    let server = services::start(Recorded::project()).await;
    let f = library();
    let r = Resolvers::new(config(&server.uri()));
    let results = add_text(&f, &r, SEED_URL).await;
    assert_eq!(results.len(), 1);
    let key = added_key(&results[0]);
    let item = f.item(&key);
    assert_eq!(item["type"], "chapter");
    assert_eq!(item["title"], SEED_TITLE);
    assert_eq!(names(&item["author"]), ["Zhihua Shen"]);
    assert_eq!(item["container-title"], "A Short History of Sino-Soviet Relations, 1917–1991");
    assert_eq!(names(&item["editor"]), ["Zhihua Shen"]);
    assert_eq!(item["collection-title"], "China Connections");
    assert_eq!(item["publisher"], "Palgrave Macmillan");
    assert_eq!(item["publisher-place"], "Singapore");
    assert_eq!(item["issued"]["date-parts"][0][0], 2020);
    let isbns: Vec<&str> = item["ISBN"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(isbns.contains(&"9789811386404") && isbns.contains(&"9789811386411"), "{isbns:?}");
    assert_eq!(item["DOI"], "10.1007/978-981-13-8641-1_7");
    let abs = item["abstract"].as_str().unwrap();
    assert!(abs.starts_with("This chapter discusses the political and economic foundation"), "{abs}");
    assert!(!abs.contains("<jats") && !abs.contains("Abstract"), "the abstract is text: {abs}");
    // The raw responses are kept: the chapter's and the book's.
    let lib = f.lib.lock().unwrap();
    let id = lib.resolve(&key).unwrap();
    let responses = lib.responses_of(id).unwrap();
    assert!(responses.len() >= 2, "{responses:?}");
    assert!(responses.iter().all(|x| x.source == "crossref" && x.status == 200));
    assert!(
        responses.iter().any(|x| x.url.contains("/works/10.1007/978-981-13-8641-1_7") && x.url.contains("mailto=tests%40example.org")),
        "{:?}",
        responses.iter().map(|x| &x.url).collect::<Vec<_>>()
    );
    // The request named Ibid and its contact address.
    let reqs = server.received_requests().await.unwrap();
    let ua = reqs[0].headers.get("user-agent").unwrap().to_str().unwrap().to_string();
    assert!(ua.starts_with("Ibid/") && ua.contains("mailto:tests@example.org"), "{ua}");
}

/// An identifier already in the library is reported, not added again, and
/// costs no request; the whole seed page yields the chapter's DOI, and the
/// book's ISBNs on it are the chapter's book, already present.
#[tokio::test]
async fn present_identifiers_are_reported_not_duplicated() {
    let server = services::start(Recorded::project()).await;
    let f = library();
    let r = Resolvers::new(config(&server.uri()));
    let key = added_key(&add_text(&f, &r, SEED_URL).await[0]);
    let before = f.rows();
    let sent = server.received_requests().await.unwrap().len();
    let again = add_text(&f, &r, "doi:10.1007/978-981-13-8641-1_7").await;
    assert_eq!(again[0].outcome, Outcome::Present { key: key.clone(), title: Some(SEED_TITLE.into()) });
    assert_eq!(f.rows(), before);
    assert_eq!(server.received_requests().await.unwrap().len(), sent, "a present identifier costs no request");

    let Some(shared) = ibid_tests::shared_fixtures() else { return };
    let page = std::fs::read_to_string(shared.join("../seeds/000_07235ba769ea05ad.txt")).unwrap();
    let found = ibid_resolve::extract(&page);
    let ids: Vec<String> = found.iter().map(|f| f.id.to_string()).collect();
    assert_eq!(ids, ["doi:10.1007/978-981-13-8641-1_7", "isbn:9789811386404", "isbn:9789811386411"]);
    let results = add::add_all(&f.lib, &r, found, &|_| {}).await;
    assert!(results.iter().all(|x| matches!(x.outcome, Outcome::Present { .. })), "{results:?}");
    assert_eq!(f.rows(), before);
}

/// Every recorded Crossref body resolves over HTTP into a stored record,
/// with its reference list and its raw response.
#[tokio::test]
async fn every_recorded_crossref_work_resolves_and_is_stored() {
    let Some(shared) = ibid_tests::shared_fixtures() else { return };
    let rec = Recorded::all(&shared);
    let mut dois: Vec<String> = rec.crossref.keys().cloned().collect();
    dois.sort();
    let server = services::start(rec).await;
    let f = library();
    let r = Resolvers::new(config(&server.uri()));
    let found: Vec<Found> = dois.iter().map(|d| Found { input: d.clone(), id: Identifier::Doi(d.clone()) }).collect();
    let results = add::add_all(&f.lib, &r, found, &|_| {}).await;
    let bad: Vec<String> = results
        .iter()
        .filter(|x| !matches!(x.outcome, Outcome::Added { .. } | Outcome::Present { .. }))
        .map(|x| format!("{}: {:?}", x.input, x.outcome))
        .collect();
    assert!(bad.is_empty(), "{} of {} failed:\n{}", bad.len(), dois.len(), bad.join("\n"));
    let lib = f.lib.lock().unwrap();
    let c = lib.connection();
    let q = |sql: &str| c.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    let with_refs = q("SELECT count(DISTINCT citing_id) FROM citations");
    assert!(with_refs > 50, "works with reference lists: {with_refs}");
    let linked = q("SELECT count(*) FROM citations WHERE cited_id IS NOT NULL");
    assert!(linked > 1000, "references linked to records: {linked}");
    let with_responses = q("SELECT count(DISTINCT work_id) FROM responses");
    let items = q("SELECT count(*) FROM works WHERE standalone = 1");
    assert_eq!(with_responses, items, "every added work keeps its raw response");
}

/// doi.org content negotiation and DataCite, each over HTTP on every recording.
#[tokio::test]
async fn every_content_negotiation_and_datacite_body_resolves() {
    let Some(shared) = ibid_tests::shared_fixtures() else { return };
    let rec = Recorded::all(&shared);
    let mut cn: Vec<String> = rec.cn.keys().cloned().collect();
    let mut dc: Vec<String> = rec.datacite.keys().cloned().collect();
    cn.sort();
    dc.sort();
    let server = services::start(rec).await;
    let r = Resolvers::new(config(&server.uri()));
    let mut bad = Vec::new();
    for d in &cn {
        match r.doi_org.resolve(&Identifier::Doi(d.clone()), None).await {
            Ok(Fetch::Record(x)) => assert_eq!(x.source, "doi.org"),
            other => bad.push(format!("cn {d}: {other:?}")),
        }
    }
    for d in &dc {
        match r.datacite.resolve(&Identifier::Doi(d.clone()), None).await {
            Ok(Fetch::Record(x)) => assert_eq!(x.source, "datacite"),
            other => bad.push(format!("datacite {d}: {other:?}")),
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    assert!(cn.len() >= 80 && dc.len() >= 50, "{} {}", cn.len(), dc.len());
}

/// A DOI Crossref does not know goes by doi.org's agency lookup to DataCite.
#[tokio::test]
async fn a_datacite_doi_goes_to_datacite() {
    let Some(shared) = ibid_tests::shared_fixtures() else { return };
    let rec = Recorded::all(&shared);
    let doi = rec.datacite.keys().filter(|d| !rec.crossref.contains_key(*d)).min().unwrap().clone();
    let server = services::start(rec).await;
    let f = library();
    let r = Resolvers::new(config(&server.uri()));
    let res = add_text(&f, &r, &format!("https://doi.org/{doi}")).await;
    let key = added_key(&res[0]);
    let lib = f.lib.lock().unwrap();
    let id = lib.resolve(&key).unwrap();
    let sources: Vec<String> = lib.responses_of(id).unwrap().into_iter().map(|x| x.source).collect();
    assert_eq!(sources, ["datacite"]);
}

/// Another agency's DOI (mEDRA here) goes to content negotiation.
#[tokio::test]
async fn another_agencys_doi_goes_to_content_negotiation() {
    let Some(shared) = ibid_tests::shared_fixtures() else { return };
    let mut rec = Recorded::all(&shared);
    let doi = rec.cn.keys().filter(|d| !rec.crossref.contains_key(*d) && !rec.datacite.contains_key(*d)).min().unwrap().clone();
    rec.ra.insert(doi.clone(), "mEDRA".into());
    let server = services::start(rec).await;
    let f = library();
    let r = Resolvers::new(config(&server.uri()));
    let res = add_text(&f, &r, &format!("doi:{doi}")).await;
    let key = added_key(&res[0]);
    let lib = f.lib.lock().unwrap();
    let id = lib.resolve(&key).unwrap();
    let rs = lib.responses_of(id).unwrap();
    assert_eq!(rs.len(), 1);
    assert_eq!(rs[0].source, "doi.org");
    assert!(rs[0].url.contains("/cn/"), "the redirect was followed: {}", rs[0].url);
}

// ---- faults: each its own outcome, the library unchanged ---------------------

async fn one_fault(cfg: Config, doi: &str) -> ItemResult {
    let f = library();
    let before = f.rows();
    let r = Resolvers::new(cfg);
    let res = add_text(&f, &r, doi).await;
    if !matches!(res[0].outcome, Outcome::Added { .. }) {
        assert_eq!(f.rows(), before, "a failed lookup leaves the library unchanged");
    }
    res.into_iter().next().unwrap()
}

const DOI: &str = "10.1007/978-981-13-8641-1_7";
const DOI_PATH: &str = "/works/10.1007/978-981-13-8641-1_7";

#[tokio::test]
async fn not_found_with_crossrefs_plain_text_and_json_bodies() {
    let Some(shared) = ibid_tests::shared_fixtures() else { return };
    for (file, ct) in
        [("errors/api.crossref.org_404_text_plain.txt", "text/plain"), ("errors/api.crossref.org_404_application_json.json", "application/json")]
    {
        let body = std::fs::read_to_string(shared.join(file)).unwrap();
        let server = services::start(Recorded::default()).await;
        Mock::given(method("GET"))
            .and(path("/works/10.9999/unknown"))
            .respond_with(ResponseTemplate::new(404).set_body_raw(body, ct))
            .with_priority(1)
            .mount(&server)
            .await;
        let res = one_fault(config(&server.uri()), "10.9999/unknown").await;
        let e = failed(&res);
        assert_eq!(e.code(), "not_found", "{file}: {e}");
        assert!(e.to_string().contains("10.9999/unknown"), "{e}");
    }
}

#[tokio::test]
async fn rate_limited_with_retry_after_then_ok() {
    let server = services::start(Recorded::project()).await;
    Mock::given(method("GET"))
        .and(path(DOI_PATH))
        .respond_with(crossref_headers(ResponseTemplate::new(429).insert_header("Retry-After", "1").set_body_string("slow down")))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let t = Instant::now();
    let res = one_fault(config(&server.uri()), DOI).await;
    added_key(&res);
    assert!(t.elapsed() >= Duration::from_secs(1), "waited as Retry-After asked: {:?}", t.elapsed());
}

#[tokio::test]
async fn rate_limited_for_good_is_its_own_error() {
    let server = services::start(Recorded::project()).await;
    Mock::given(method("GET"))
        .and(path(DOI_PATH))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3600"))
        .with_priority(1)
        .mount(&server)
        .await;
    let res = one_fault(config(&server.uri()), DOI).await;
    let e = failed(&res);
    assert_eq!(e.code(), "rate_limited");
    assert!(e.to_string().contains("3600"), "{e}");
}

#[tokio::test]
async fn unavailable_three_times_then_ok() {
    let server = services::start(Recorded::project()).await;
    Mock::given(method("GET"))
        .and(path(DOI_PATH))
        .respond_with(ResponseTemplate::new(503).set_body_string("Service Unavailable"))
        .up_to_n_times(3)
        .with_priority(1)
        .expect(3)
        .mount(&server)
        .await;
    let res = one_fault(config(&server.uri()), DOI).await;
    added_key(&res);
}

#[tokio::test]
async fn unavailable_for_good_says_how_many_tries() {
    let server = services::start(Recorded::project()).await;
    Mock::given(method("GET")).and(path(DOI_PATH)).respond_with(ResponseTemplate::new(503)).with_priority(1).mount(&server).await;
    let mut cfg = config(&server.uri());
    cfg.tries = 3;
    let res = one_fault(cfg, DOI).await;
    let e = failed(&res);
    assert_eq!(e.code(), "service_unavailable");
    assert!(e.to_string().contains("after 3 tries") && e.to_string().contains("503"), "{e}");
}

#[tokio::test]
async fn a_timeout_is_retried_then_reported() {
    let server = services::start(Recorded::project()).await;
    Mock::given(method("GET"))
        .and(path(DOI_PATH))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)).set_body_string("{}"))
        .with_priority(1)
        .mount(&server)
        .await;
    let mut cfg = config(&server.uri());
    cfg.timeout = Duration::from_millis(300);
    cfg.tries = 2;
    let res = one_fault(cfg, DOI).await;
    let e = failed(&res);
    assert_eq!(e.code(), "service_unavailable");
    assert!(e.to_string().contains("timed out"), "{e}");
}

#[tokio::test]
async fn truncated_json_is_a_malformed_response() {
    let server = services::start(Recorded::project()).await;
    let body = std::fs::read_to_string(ibid_tests::project_fixture("crossref/10.1007_978-981-13-8641-1_7.json")).unwrap();
    let cut = body[..body.len() / 2].to_string();
    Mock::given(method("GET"))
        .and(path(DOI_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_raw(cut, "application/json"))
        .with_priority(1)
        .mount(&server)
        .await;
    let res = one_fault(config(&server.uri()), DOI).await;
    let e = failed(&res);
    assert_eq!(e.code(), "malformed_response", "{e}");
}

#[tokio::test]
async fn html_where_json_was_expected_is_a_malformed_response() {
    let server = services::start(Recorded::project()).await;
    let html = "<!DOCTYPE html><html><head><title>Maintenance</title></head><body>Back soon</body></html>";
    Mock::given(method("GET"))
        .and(path(DOI_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_raw(html, "text/html"))
        .with_priority(1)
        .mount(&server)
        .await;
    let res = one_fault(config(&server.uri()), DOI).await;
    let e = failed(&res);
    assert_eq!(e.code(), "malformed_response", "{e}");
}

#[tokio::test]
async fn a_redirect_loop_is_reported() {
    let server = services::start(Recorded::default()).await;
    // Crossref does not know it; doi.org says mEDRA; content negotiation loops.
    Mock::given(method("GET"))
        .and(path("/ra/10.9999/loop"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(r#"[{"DOI":"10.9999/loop","RA":"mEDRA"}]"#, "application/json"))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/10.9999/loop"))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", "/10.9999/loop"))
        .with_priority(1)
        .mount(&server)
        .await;
    let res = one_fault(config(&server.uri()), "10.9999/loop").await;
    let e = failed(&res);
    assert_eq!(e.code(), "redirect_loop", "{e}");
}

#[tokio::test]
async fn an_unreachable_network_is_reported() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let res = one_fault(config(&format!("http://127.0.0.1:{port}")), DOI).await;
    let e = failed(&res);
    assert_eq!(e.code(), "network_unreachable", "{e}");
}

#[test]
fn not_an_identifier_quotes_the_input() {
    let e = ResolveError::from(Identifier::parse("hello world").unwrap_err());
    assert_eq!(e.code(), "not_an_identifier");
    assert!(e.to_string().contains("\"hello world\""), "{e}");
}

/// A batch never sends more than the service allows per interval.
#[tokio::test]
async fn a_batch_stays_within_the_stated_rate_limit() {
    use std::sync::Arc;
    use wiremock::{Request, Respond};
    struct Timed(Arc<Mutex<Vec<Instant>>>);
    impl Respond for Timed {
        fn respond(&self, _: &Request) -> ResponseTemplate {
            self.0.lock().unwrap().push(Instant::now());
            ResponseTemplate::new(404)
                .set_body_raw("Resource not found.", "text/plain")
                .insert_header("X-Rate-Limit-Limit", "10")
                .insert_header("X-Rate-Limit-Interval", "1s")
        }
    }
    let times = Arc::new(Mutex::new(Vec::new()));
    let server = MockServer::start().await;
    Mock::given(method("GET")).and(wiremock::matchers::path_regex("^/works/")).respond_with(Timed(times.clone())).mount(&server).await;
    Mock::given(method("GET"))
        .and(wiremock::matchers::path_regex("^/ra/"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("[{\"status\":\"DOI does not exist\"}]", "application/json"))
        .mount(&server)
        .await;
    let f = library();
    let mut cfg = config(&server.uri());
    cfg.default_rate = 2;
    let r = Resolvers::new(cfg);
    let found: Vec<Found> = (0..25).map(|i| Found { input: format!("10.9999/{i}"), id: Identifier::Doi(format!("10.9999/{i}")) }).collect();
    let res = add::add_all(&f.lib, &r, found, &|_| {}).await;
    assert!(res.iter().all(|x| failed(x).code() == "not_found"));
    let t = times.lock().unwrap().clone();
    assert_eq!(t.len(), 25);
    for i in 10..t.len() {
        assert!(t[i].duration_since(t[i - 10]) >= Duration::from_secs(1), "request {i} broke the 10/s limit");
    }
    assert_eq!(r.crossref.service.limit(), (10, Duration::from_secs(1)), "the limit the server stated was adopted");
}

/// Refresh asks conditionally with the cached ETag; a 304 leaves the record
/// as it is; a new answer rewrites it from the source.
#[tokio::test]
async fn refresh_is_conditional_on_the_etag() {
    let body = std::fs::read_to_string(ibid_tests::project_fixture("crossref/10.1007_978-981-13-8641-1_7.json")).unwrap();
    let server = services::start(Recorded::project()).await;
    Mock::given(method("GET"))
        .and(path(DOI_PATH))
        .and(wiremock::matchers::header("if-none-match", "\"v1\""))
        .respond_with(ResponseTemplate::new(304).insert_header("ETag", "\"v1\""))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(DOI_PATH))
        .respond_with(crossref_headers(ResponseTemplate::new(200).insert_header("ETag", "\"v1\"").set_body_raw(body, "application/json")))
        .with_priority(2)
        .mount(&server)
        .await;
    let f = library();
    let r = Resolvers::new(config(&server.uri()));
    let key = added_key(&add_text(&f, &r, DOI).await[0]);
    edit(&f, &key, "title", "Edited by hand");
    let (_, outcome) = add::refresh(&f.lib, &r, &key).await.unwrap();
    assert_eq!(outcome, ibid_resolve::Refreshed::Unchanged);
    assert_eq!(f.item(&key)["title"], "Edited by hand", "304: nothing rewritten");

    // A server whose answer has no ETag: the refresh rewrites the record.
    let plain = services::start(Recorded::project()).await;
    edit(&f, &key, "title", "Edited again");
    {
        // Forget the validators so the request is unconditional.
        let lib = f.lib.lock().unwrap();
        lib.connection().execute("UPDATE responses SET etag = NULL", []).unwrap();
    }
    let r2 = Resolvers::new(config(&plain.uri()));
    let (_, outcome) = add::refresh(&f.lib, &r2, &key).await.unwrap();
    assert_eq!(outcome, ibid_resolve::Refreshed::Updated);
    assert_eq!(f.item(&key)["title"], SEED_TITLE);
    assert_eq!(f.item(&key)["publisher-place"], "Singapore");
}

fn edit(f: &Fixture, key: &str, field: &str, value: &str) {
    let mut lib = f.lib.lock().unwrap();
    let id = lib.resolve(key).unwrap();
    lib.edit(id, &[(field.to_string(), value.to_string())]).unwrap();
}

// ---- ISBN, arXiv, PMID over HTTP (bodies written from the services' docs) ----

fn fixture(rel: &str) -> String {
    std::fs::read_to_string(ibid_tests::project_fixture(rel)).unwrap()
}

/// Open Library, the arXiv API and E-utilities, each through the batch:
/// found records are added (and found again by their identifier), unknown
/// ids are `not_found` (all three answer 200 with an empty or error body).
#[tokio::test]
async fn isbn_arxiv_and_pmid_resolve_through_their_services() {
    use wiremock::matchers::query_param;
    let server = MockServer::start().await;
    let mount = |p: &'static str, q: (&'static str, &'static str), body: String, ct: &'static str| {
        Mock::given(method("GET")).and(path(p)).and(query_param(q.0, q.1)).respond_with(ResponseTemplate::new(200).set_body_raw(body, ct))
    };
    mount("/api/books", ("bibkeys", "ISBN:9780262033848"), fixture("openlibrary/ISBN_9780262033848.json"), "application/json").mount(&server).await;
    mount("/api/books", ("bibkeys", "ISBN:9780000000002"), fixture("openlibrary/ISBN_9780000000002.notfound.json"), "application/json").mount(&server).await;
    mount("/api/query", ("id_list", "1706.03762"), fixture("arxiv/1706.03762.xml"), "application/atom+xml").mount(&server).await;
    mount("/api/query", ("id_list", "2301.99999"), fixture("arxiv/notfound_2301.99999.xml"), "application/atom+xml").mount(&server).await;
    mount("/esummary.fcgi", ("id", "29618526"), fixture("pubmed/29618526.json"), "application/json").mount(&server).await;
    mount("/esummary.fcgi", ("id", "99999999"), fixture("pubmed/error_99999999.json"), "application/json").mount(&server).await;
    let f = library();
    let r = Resolvers::new(config(&server.uri()));
    let text = "ISBN 978-0-262-03384-8\nISBN 9780000000002\narXiv:1706.03762\narXiv:2301.99999\nPMID: 29618526\nPMID: 99999999\n";
    let res = add_text(&f, &r, text).await;
    let by_input = |needle: &str| res.iter().find(|x| x.id.value().contains(needle)).unwrap_or_else(|| panic!("{needle} in {res:?}"));
    for ok in ["9780262033848", "1706.03762", "29618526"] {
        added_key(by_input(ok));
    }
    for missing in ["9780000000002", "2301.99999", "99999999"] {
        assert_eq!(failed(by_input(missing)).code(), "not_found", "{missing}");
    }
    let lib = f.lib.lock().unwrap();
    for (kind, value) in [("isbn", "9780262033848"), ("arxiv", "1706.03762"), ("pmid", "29618526")] {
        let found = lib.find_identifier(kind, value).unwrap().unwrap_or_else(|| panic!("{kind}:{value} not findable"));
        assert!(found.standalone, "{kind}:{value}");
    }
    let arxiv = lib.csl_item(lib.find_identifier("arxiv", "1706.03762").unwrap().unwrap().id).unwrap();
    assert_eq!(arxiv["title"], "Attention Is All You Need");
}

/// Issue 6: a DOI's reference list goes through the same linking as a
/// chapter's notes. A reference given only as text is read by the labeller
/// into a typed record; one naming a work in the library is linked to it; the
/// same work listed twice is one cited record.
#[tokio::test]
async fn unstructured_references_are_read_and_linked_to_the_library() {
    let doi = "10.5555/ibid.refs.1";
    let body = serde_json::json!({"status": "ok", "message-type": "work", "message": {
        "DOI": doi, "type": "journal-article", "title": ["Alliances Reconsidered"], "container-title": ["Journal of Cold War Studies"],
        "author": [{"family": "Tester", "given": "Tom"}], "issued": {"date-parts": [[2021]]},
        "reference": [
            {"key": "r1", "unstructured": "Heinzig, Dieter. The Soviet Union and Communist China, 1945–1950: The Arduous Road to the Alliance. Armonk, NY: M. E. Sharpe, 2004."},
            {"key": "r2", "unstructured": "Westad, Odd Arne. Brothers in Arms: The Rise and Fall of the Sino-Soviet Alliance. Stanford, CA: Stanford University Press, 1998."},
            {"key": "r3", "unstructured": "Odd Arne Westad, Brothers in Arms: The Rise and Fall of the Sino-Soviet Alliance (Stanford, CA: Stanford University Press, 1998), p. 7."}
        ]}});
    let mut rec = Recorded::project();
    rec.ra.insert(doi.into(), "Crossref".into());
    rec.crossref.insert(doi.into(), body.to_string());
    let server = services::start(rec).await;
    let f = library();
    let heinzig = serde_json::json!([{"type": "book", "title": "The Soviet Union and Communist China, 1945–1950: The Arduous Road to the Alliance",
        "author": [{"family": "Heinzig", "given": "Dieter"}], "issued": {"date-parts": [[2004]]}, "publisher": "M. E. Sharpe"}]);
    f.lib.lock().unwrap().import_csl_json(&heinzig.to_string()).unwrap();
    let r = Resolvers::new(config(&server.uri()));
    let key = added_key(&add_text(&f, &r, doi).await[0]);

    let lib = f.lib.lock().unwrap();
    let id = lib.resolve(&key).unwrap();
    let cites = lib.citations_of(id).unwrap();
    assert_eq!(cites.len(), 3);
    let heinzig_id = lib.search("arduous road", 5).unwrap()[0].id;
    assert_eq!(cites[0].cited, Some(heinzig_id), "linked to the library's item");
    assert_eq!(lib.count().unwrap(), 2, "the cited works are not library items");
    let westad = cites[1].cited.expect("read into a record");
    assert_eq!(cites[2].cited, Some(westad), "one record for the work listed twice");
    let item = lib.csl_item(westad).unwrap();
    assert_eq!(item["type"], "book", "{item:?}");
    assert_eq!(item["author"][0]["family"], "Westad");
    assert_eq!(item["issued"]["date-parts"][0][0], 1998);
}

/// A server on 127.0.0.1 that answers every request with `answer` (raw
/// bytes, written by the function it is given): for faults a mock server
/// cannot make. Returns its base URL.
async fn raw_server<F, Fut>(answer: F) -> String
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let answer = std::sync::Arc::new(answer);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let answer = std::sync::Arc::clone(&answer);
            tokio::spawn(async move {
                // The request's head, then the answer.
                use tokio::io::AsyncReadExt;
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                answer(stream).await;
            });
        }
    });
    base
}

/// Issue 9: a slow-loris server (the answer, head and body, one byte a
/// second) is cut off by the request's time limit on every try and
/// reported as a timeout; the library is unchanged (`one_fault`).
#[tokio::test]
async fn issue_9_a_server_sending_a_byte_a_second_times_out() {
    let base = raw_server(|mut stream| async move {
        use tokio::io::AsyncWriteExt;
        let answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
        for b in answer {
            if stream.write_all(&[*b]).await.is_err() {
                return; // the client gave up
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
    .await;
    let mut cfg = config(&base);
    cfg.timeout = Duration::from_millis(1500);
    cfg.tries = 2;
    let res = one_fault(cfg, DOI).await;
    let e = failed(&res);
    assert_eq!(e.code(), "service_unavailable", "{e}");
    assert!(e.to_string().contains("timed out") && e.to_string().contains("2 tries"), "{e}");
}

/// Issue 9: a body larger than any record (here endless: chunk after chunk
/// of 1 MiB, no length given) is read up to 32 MiB and refused, not held.
#[tokio::test]
async fn issue_9_an_endless_body_is_refused_at_32_mib() {
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&sent);
    let base = raw_server(move |mut stream| {
        let counter = std::sync::Arc::clone(&counter);
        async move {
            use tokio::io::AsyncWriteExt;
            let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
            if stream.write_all(head).await.is_err() {
                return;
            }
            let chunk = vec![b' '; 1 << 20];
            let frame = [format!("{:x}\r\n", chunk.len()).into_bytes(), chunk, b"\r\n".to_vec()].concat();
            // Until the client hangs up (or 1 GiB, so a broken client cannot keep the test forever).
            for _ in 0..1024 {
                if stream.write_all(&frame).await.is_err() {
                    return;
                }
                counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
    })
    .await;
    let mut cfg = config(&base);
    cfg.timeout = Duration::from_secs(30);
    let res = one_fault(cfg, DOI).await;
    let e = failed(&res);
    assert_eq!(e.code(), "malformed_response", "{e}");
    assert!(e.to_string().contains("larger than 32 MiB"), "{e}");
    // The client stopped reading soon after the limit (what the kernel's
    // buffers hold aside): it did not take the server's whole gigabyte.
    let mib = sent.load(std::sync::atomic::Ordering::Relaxed);
    assert!(mib < 128, "the server wrote {mib} MiB before the client hung up");
}
