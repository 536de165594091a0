//! A stand-in for the metadata services on 127.0.0.1 (wiremock), serving
//! recorded bodies from `../shared/fixtures` (per its
//! `manifest-recorded-http.json`) and the project's constructed ones in
//! `tests/fixtures/crossref/`. Routes, as the real services have them:
//!
//! * `GET /works/{doi}`: Crossref REST API bodies; `GET /works?filter=isbn:X`
//!   the constructed list bodies; 404 otherwise with Crossref's own
//!   `Resource not found.` body. Every answer states the rate limit
//!   (`X-Rate-Limit-Limit: 50`, `X-Rate-Limit-Interval: 1s`) as Crossref does.
//! * `GET /dois/{doi}`: DataCite REST API bodies.
//! * `GET /ra/{doi}`: doi.org's registration-agency answer, from the
//!   recordings' routes (Crossref transform → `Crossref`, crosscite →
//!   `DataCite`), `{"status": "DOI does not exist"}` otherwise.
//! * `GET /{doi}` with `Accept: application/vnd.citationstyles.csl+json`:
//!   doi.org content negotiation, a 302 to `/cn/{doi}` (as doi.org
//!   redirects to the agency) which serves the recorded CSL-JSON.
//!
//! Tests mount their own mocks with a higher priority to inject faults.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::project_fixture;

/// Bodies by lower-cased DOI (or ISBN for `isbn_lists`).
#[derive(Default)]
pub struct Recorded {
    pub crossref: HashMap<String, String>,
    pub isbn_lists: HashMap<String, String>,
    pub datacite: HashMap<String, String>,
    pub cn: HashMap<String, String>,
    pub ra: HashMap<String, String>,
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

impl Recorded {
    /// The project's constructed bodies (the seed chapter and its book).
    pub fn project() -> Recorded {
        let mut r = Recorded::default();
        let dir = project_fixture("crossref");
        for e in std::fs::read_dir(&dir).expect("tests/fixtures/crossref exists") {
            let p = e.expect("dir entry").path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if let Some(isbn) = name.strip_prefix("works_filter_isbn_").and_then(|n| n.strip_suffix(".json")) {
                r.isbn_lists.insert(isbn.to_string(), read(&p));
            } else if name.ends_with(".json") {
                let body = read(&p);
                let v: Value = serde_json::from_str(&body).expect("constructed body is JSON");
                let doi = v["message"]["DOI"].as_str().expect("constructed body has a DOI").to_lowercase();
                r.ra.insert(doi.clone(), "Crossref".into());
                r.crossref.insert(doi, body);
            }
        }
        r
    }

    /// Everything in `shared` (the `../shared/fixtures` folder) plus [`Recorded::project`].
    pub fn all(shared: &Path) -> Recorded {
        let mut r = Recorded::project();
        let m: Value = serde_json::from_str(&read(&shared.join("manifest-recorded-http.json"))).expect("manifest is JSON");
        for e in m["works"].as_array().expect("works") {
            let doi = e["doi"].as_str().unwrap().to_lowercase();
            r.ra.insert(doi.clone(), "Crossref".into());
            r.crossref.insert(doi, read(&shared.join(e["file"].as_str().unwrap())));
        }
        for e in m["works_from_lists"].as_array().expect("works_from_lists") {
            let doi = e["doi"].as_str().unwrap().to_lowercase();
            let item = read(&shared.join(e["file"].as_str().unwrap()));
            // As the manifest says: wrap the bare item to emulate /works/{doi}.
            let body = format!(r#"{{"status":"ok","message-type":"work","message-version":"1.0.0","message":{item}}}"#);
            r.ra.entry(doi.clone()).or_insert_with(|| "Crossref".into());
            r.crossref.entry(doi).or_insert(body);
        }
        for e in m["datacite_api"].as_array().expect("datacite_api") {
            let doi = e["doi"].as_str().unwrap().to_lowercase();
            r.ra.insert(doi.clone(), "DataCite".into());
            r.datacite.insert(doi, read(&shared.join(e["file"].as_str().unwrap())));
        }
        for key in ["cn", "cn_other"] {
            for e in m[key].as_array().expect("cn") {
                let file = e["file"].as_str().unwrap();
                if !file.ends_with(".json") {
                    continue;
                }
                let doi = e["doi"].as_str().unwrap().to_lowercase();
                let agency = match e["final_uri"].as_str() {
                    Some(u) if u.contains("crosscite") || u.contains("datacite") => "DataCite",
                    _ => "Crossref",
                };
                r.ra.entry(doi.clone()).or_insert_with(|| agency.into());
                r.cn.insert(doi, read(&shared.join(file)));
            }
        }
        r
    }
}

/// The DOI in a request path after `prefix`, percent-decoded and lower-cased.
fn doi_after(req: &Request, prefix: &str) -> Option<String> {
    let p = req.url.path().strip_prefix(prefix)?;
    Some(percent_decode(p).to_lowercase())
}

pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Crossref's rate-limit headers.
pub fn crossref_headers(t: ResponseTemplate) -> ResponseTemplate {
    t.insert_header("X-Rate-Limit-Limit", "50").insert_header("X-Rate-Limit-Interval", "1s")
}

/// Crossref's plain-text 404.
pub fn crossref_404() -> ResponseTemplate {
    crossref_headers(ResponseTemplate::new(404).set_body_raw("Resource not found.", "text/plain"))
}

struct Routes(Arc<Recorded>);

impl Respond for Routes {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let r = &self.0;
        let path = req.url.path();
        if path == "/works" {
            let filter = req.url.query_pairs().find(|(k, _)| k == "filter").map(|(_, v)| v.to_string()).unwrap_or_default();
            let isbn = filter.strip_prefix("isbn:").unwrap_or("");
            let body = r.isbn_lists.get(isbn).cloned().unwrap_or_else(|| {
                r#"{"status":"ok","message-type":"work-list","message-version":"1.0.0","message":{"total-results":0,"items":[]}}"#.into()
            });
            return crossref_headers(ResponseTemplate::new(200).set_body_raw(body, "application/json"));
        }
        if let Some(doi) = doi_after(req, "/works/") {
            return match r.crossref.get(&doi) {
                Some(b) => crossref_headers(ResponseTemplate::new(200).set_body_raw(b.clone(), "application/json")),
                None => crossref_404(),
            };
        }
        if let Some(doi) = doi_after(req, "/dois/") {
            return match r.datacite.get(&doi) {
                Some(b) => ResponseTemplate::new(200).set_body_raw(b.clone(), "application/vnd.api+json"),
                None => ResponseTemplate::new(404).set_body_raw(r#"{"errors":[{"status":"404","title":"The resource you are looking for doesn't exist."}]}"#, "application/vnd.api+json"),
            };
        }
        if let Some(doi) = doi_after(req, "/ra/") {
            let body = match r.ra.get(&doi) {
                Some(ra) => serde_json::json!([{ "DOI": doi, "RA": ra }]),
                None => serde_json::json!([{ "DOI": doi, "status": "DOI does not exist" }]),
            };
            return ResponseTemplate::new(200).set_body_raw(body.to_string(), "application/json");
        }
        if let Some(doi) = doi_after(req, "/cn/") {
            return match r.cn.get(&doi) {
                Some(b) => ResponseTemplate::new(200).set_body_raw(b.clone(), "application/vnd.citationstyles.csl+json"),
                None => ResponseTemplate::new(404).set_body_raw("<html><body>DOI Not Found</body></html>", "text/html"),
            };
        }
        if let Some(doi) = doi_after(req, "/") {
            if r.cn.contains_key(&doi) {
                return ResponseTemplate::new(302).insert_header("Location", format!("/cn/{}", &path[1..]));
            }
            return ResponseTemplate::new(404).set_body_raw("<html><body>DOI Not Found</body></html>", "text/html");
        }
        ResponseTemplate::new(404)
    }
}

/// Starts the stand-in server with `recorded`. Mount fault mocks on it with
/// `.with_priority(1)` to take precedence over these routes.
pub async fn start(recorded: Recorded) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path_regex("^/.*"))
        .respond_with(Routes(Arc::new(recorded)))
        .with_priority(10)
        .mount(&server)
        .await;
    server
}
