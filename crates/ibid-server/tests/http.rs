//! `ibid serve`'s contract, over real HTTP on 127.0.0.1: the commands, their
//! errors as `{code, message}` with a status, the UI's files with their
//! security headers, and the refusals that keep other web pages out.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::Arc;

use ibid_api::Api;
use ibid_server::ServeOptions;
use serde_json::{json, Value};

/// A server on a fresh library holding `sample-library.csl.json`, on a free
/// port, stopped when dropped.
struct Server {
    port: u16,
    lib: PathBuf,
    /// The API token writes need.
    token: String,
    agent: ureq::Agent,
    _tmp: tempfile::TempDir,
    _rt: tokio::runtime::Runtime,
}

struct Reply {
    status: u16,
    headers: ureq::http::HeaderMap,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }
    /// Asserts an error reply: this status and this `code`, with a message.
    fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{}", self.body);
        let v = self.json();
        assert_eq!(v["code"], code, "{v}");
        assert!(!v["message"].as_str().unwrap().is_empty(), "{v}");
    }
}

impl Server {
    fn start(ui_dir: Option<PathBuf>, max_body_bytes: usize) -> Server {
        Server::start_with(ServeOptions { ui_dir, max_body_bytes, ..Default::default() })
    }

    fn start_with(opts: ServeOptions) -> Server {
        let tmp = tempfile::tempdir().unwrap();
        let lib = tmp.path().join("lib.sqlite");
        let api = Arc::new(Api::open(&lib).unwrap());
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let listener = rt.block_on(ibid_server::bind_loopback(0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let token = opts.token.clone();
        assert_eq!(token.len(), 64, "32 random bytes in hex");
        rt.spawn(ibid_server::serve(api, listener, opts));
        let agent = ureq::Agent::config_builder().http_status_as_error(false).proxy(None).build().into();
        Server { port, lib, token, agent, _tmp: tmp, _rt: rt }
    }

    /// A server whose library holds the sample, imported over HTTP.
    fn with_sample() -> Server {
        Server::with_sample_and(ServeOptions::default())
    }

    /// [`Server::with_sample`] with these options.
    fn with_sample_and(opts: ServeOptions) -> Server {
        let s = Server::start_with(opts);
        let text = std::fs::read_to_string(ibid_tests::project_fixture("sample-library.csl.json")).unwrap();
        let r = s.cmd("import_csl_json", json!({ "text": text }));
        assert_eq!(r["added"].as_array().unwrap().len(), 13, "{r}");
        assert_eq!(r["failed"], json!([]));
        s
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn reply(res: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
        let mut res = res.expect("an HTTP response");
        Reply {
            status: res.status().as_u16(),
            headers: res.headers().clone(),
            body: res.body_mut().read_to_string().unwrap(),
        }
    }

    /// POSTs `body` as is to a command, with extra headers and the token.
    fn post_raw(&self, name: &str, body: &str, headers: &[(&str, &str)]) -> Reply {
        let auth = format!("Bearer {}", self.token);
        self.post_without_token(name, body, &[headers, &[("authorization", auth.as_str())]].concat())
    }

    /// POSTs `body` as is to a command, with these headers only.
    fn post_without_token(&self, name: &str, body: &str, headers: &[(&str, &str)]) -> Reply {
        let mut req = self.agent.post(self.url(&format!("/api/cmd/{name}"))).header("content-type", "application/json");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Server::reply(req.send(body))
    }

    fn call(&self, name: &str, args: Value) -> Reply {
        self.post_raw(name, &args.to_string(), &[])
    }

    /// A command that must succeed: its result.
    fn cmd(&self, name: &str, args: Value) -> Value {
        let r = self.call(name, args);
        assert_eq!(r.status, 200, "{name}: {}", r.body);
        r.json()
    }

    fn get(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut req = self.agent.get(self.url(path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Server::reply(req.call())
    }

    /// Sends `request` byte for byte (no client tidies the path) and returns
    /// the status and the body.
    fn raw(&self, request: &str) -> (u16, String) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.write_all(request.as_bytes()).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        let status = out.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or_else(|| panic!("no status: {out:?}"));
        (status, out.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default())
    }

    fn key_of(&self, q: &str) -> String {
        self.cmd("search", json!({ "q": q }))[0]["key"].as_str().unwrap().to_string()
    }
}

fn keys(v: &Value) -> Vec<String> {
    let s = v["keys"].as_str().unwrap();
    (0..s.len() / 8).map(|i| s[i * 8..i * 8 + 8].to_string()).collect()
}

#[test]
fn health_and_the_read_commands() {
    let s = Server::with_sample();
    let h = s.get("/api/health", &[]);
    assert_eq!((h.status, h.json()), (200, json!({"ok": true})));
    assert_eq!(h.header("content-type"), Some("application/json"));
    assert_eq!(h.header("access-control-allow-origin"), None, "no CORS, ever");

    let list = s.cmd("list_keys", json!({"sort": "year", "desc": true}));
    assert_eq!(list["count"], 13);
    let ks = keys(&list);
    let rows = s.cmd("rows", json!({"keys": &ks[..3]}));
    assert_eq!(rows[0]["year"], 2020);
    assert_eq!(rows[0]["creators"], "Shen");
    assert_eq!(rows[1]["creators"], "Shen & Xia");

    let hits = s.cmd("search", json!({"q": "sino sov"}));
    assert_eq!(hits.as_array().unwrap().len(), 3, "{hits}");

    let chapter = s.key_of("10.1007/978-981-13-8641-1_7");
    let d = s.cmd("get_detail", json!({"key": chapter}));
    assert_eq!(d["key"], chapter.as_str());
    assert_eq!(d["item"]["container-title"], "A Short History of Sino-Soviet Relations, 1917–1991");
    assert_eq!(d["parent"]["type"], "book");

    // An empty body means `{}`.
    let info = s.post_raw("library_info", "", &[]);
    assert_eq!((info.status, info.json()["count"].clone()), (200, json!(13)));
    assert_eq!(info.header("cache-control"), Some("no-store"));
}

#[test]
fn an_edit_is_persisted() {
    let s = Server::with_sample();
    let key = s.key_of("heinzig");
    let d = s.cmd("update_field", json!({"key": key, "field": "publisher-place", "value": "Armonk, NY"}));
    assert_eq!(d["item"]["publisher-place"], "Armonk, NY");
    // A second request sees it, and so does the file itself.
    assert_eq!(s.cmd("get_detail", json!({"key": key}))["item"]["publisher-place"], "Armonk, NY");
    let lib = ibid_core::Library::open(&s.lib).unwrap();
    let id = lib.resolve(&key).unwrap();
    assert_eq!(lib.csl_item(id).unwrap()["publisher-place"], "Armonk, NY");
}

#[test]
fn errors_carry_their_status_and_code() {
    let s = Server::with_sample();
    s.call("no_such_command", json!({})).assert_error(404, "unknown_command");
    s.call("get_detail", json!({"nokey": 1})).assert_error(400, "bad_arguments");
    s.call("get_detail", json!({"key": "ZZZZZZZZ"})).assert_error(404, "not_found");
    s.post_raw("search", "{\"q\": ", &[]).assert_error(400, "bad_arguments");
    let key = s.key_of("heinzig");
    let r = s.call("update_field", json!({"key": key, "field": "DOI", "value": "banana"}));
    r.assert_error(400, "invalid_input");
    assert!(r.json()["message"].as_str().unwrap().contains("DOI"), "{}", r.body);
    assert_eq!(s.cmd("get_detail", json!({"key": key}))["item"].get("DOI"), None, "a refused edit changes nothing");

    // Unknown paths and methods, as JSON too.
    s.get("/api/nothing", &[]).assert_error(404, "not_found");
    s.get("/", &[]).assert_error(404, "not_found");
    s.get("/api/cmd/library_info", &[]).assert_error(405, "method_not_allowed");
    let put = Server::reply(s.agent.put(s.url("/api/cmd/library_info")).send("{}"));
    put.assert_error(405, "method_not_allowed");
    assert_eq!(put.header("allow"), Some("GET, POST"));
    // Its body was not read: the connection is not offered for reuse (regression:
    // the next request on a pooled connection failed with "peer disconnected").
    assert_eq!(put.header("connection"), Some("close"));
    let del = Server::reply(s.agent.delete(s.url("/api/health")).call());
    del.assert_error(405, "method_not_allowed");
    let opts = Server::reply(
        s.agent
            .options(s.url("/api/cmd/trash"))
            .header("origin", &s.url(""))
            .header("access-control-request-method", "POST")
            .call(),
    );
    opts.assert_error(405, "method_not_allowed");
    assert_eq!(opts.header("access-control-allow-origin"), None);
}

#[test]
fn other_web_pages_and_rebound_names_are_refused() {
    let s = Server::with_sample();
    let before = s.cmd("library_info", json!({}));
    let keys_before = s.cmd("list_keys", json!({}));
    let all: Vec<String> = keys(&keys_before);

    // A page on another site can neither change nor read the library.
    let evil = [("origin", "https://evil.example")];
    let r = s.post_raw("trash", &json!({"keys": all}).to_string(), &evil);
    r.assert_error(403, "forbidden_origin");
    assert_eq!(r.header("access-control-allow-origin"), None);
    s.post_raw("list_keys", "{}", &evil).assert_error(403, "forbidden_origin");
    s.post_raw("library_info", "{}", &[("origin", "null")]).assert_error(403, "forbidden_origin");
    s.post_raw("library_info", "{}", &[("origin", &format!("http://127.0.0.1:{}", s.port + 1))])
        .assert_error(403, "forbidden_origin");
    s.get("/api/health", &evil).assert_error(403, "forbidden_origin");
    assert_eq!(s.cmd("library_info", json!({})), before, "nothing was trashed");

    // The UI's own origin is welcome, by either name.
    for origin in [format!("http://127.0.0.1:{}", s.port), format!("http://localhost:{}", s.port)] {
        let r = s.post_raw("library_info", "{}", &[("origin", &origin)]);
        assert_eq!(r.status, 200, "{origin}: {}", r.body);
        assert_eq!(r.header("access-control-allow-origin"), None);
    }

    // DNS rebinding: evil.example resolved to 127.0.0.1 still says its name.
    let host = format!("evil.example:{}", s.port);
    s.post_raw("trash", &json!({"keys": all}).to_string(), &[("host", &host)]).assert_error(403, "forbidden_host");
    s.get("/api/health", &[("host", &host)]).assert_error(403, "forbidden_host");
    s.get("/api/health", &[("host", "127.0.0.1")]).assert_error(403, "forbidden_host");
    for good in [format!("localhost:{}", s.port), format!("[::1]:{}", s.port)] {
        assert_eq!(s.get("/api/health", &[("host", &good)]).status, 200, "{good}");
    }
    let (status, body) = s.raw("GET /api/health HTTP/1.0\r\n\r\n");
    assert_eq!(status, 403, "no Host at all: {body}");
    assert_eq!(s.cmd("library_info", json!({})), before, "nothing was trashed");
}

#[test]
fn the_ui_is_served_with_its_security_headers_and_nothing_outside_it() {
    let root = tempfile::tempdir().unwrap();
    let ui = root.path().join("ui");
    std::fs::create_dir_all(ui.join("assets")).unwrap();
    std::fs::write(ui.join("index.html"), "<!doctype html><title>Ibid</title>").unwrap();
    std::fs::write(ui.join("assets/app.js"), "console.log('ibid')").unwrap();
    std::fs::write(root.path().join("secret.txt"), "TOP SECRET").unwrap();
    let s = Server::start(Some(ui.clone()), ibid_server::DEFAULT_MAX_BODY_BYTES);

    for path in ["/", "/index.html"] {
        let r = s.get(path, &[]);
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.body, "<!doctype html><title>Ibid</title>");
        assert!(r.header("content-type").unwrap().starts_with("text/html"), "{path}");
        assert_eq!(r.header("content-security-policy"), Some(ibid_server::CONTENT_SECURITY_POLICY));
        assert!(ibid_server::CONTENT_SECURITY_POLICY.contains("script-src 'self'"));
        assert!(ibid_server::CONTENT_SECURITY_POLICY.contains("frame-ancestors 'none'"));
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(r.header("access-control-allow-origin"), None);
    }
    let js = s.get("/assets/app.js", &[]);
    assert_eq!((js.status, js.body.as_str()), (200, "console.log('ibid')"));
    assert!(js.header("content-type").unwrap().contains("javascript"));
    assert_eq!(s.get("/missing.js", &[]).status, 404);
    // The API is still there beside the files.
    assert_eq!(s.get("/api/health", &[]).status, 200);
    // POST is for commands only.
    let r = Server::reply(s.agent.post(s.url("/index.html")).send("{}"));
    r.assert_error(405, "method_not_allowed");

    // Path traversal, sent byte for byte, plain and percent-encoded.
    let host = format!("127.0.0.1:{}", s.port);
    for path in ["/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/assets/%2e%2e%2f%2e%2e%2fsecret.txt"] {
        let (status, body) = s.raw(&format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"));
        assert!(matches!(status, 400 | 404), "{path}: {status}");
        assert!(!body.contains("TOP SECRET"), "{path} escaped the UI folder");
    }
    // A foreign origin cannot read the files either.
    s.get("/index.html", &[("origin", "https://evil.example")]).assert_error(403, "forbidden_origin");
}

#[test]
fn an_oversized_body_is_refused() {
    let s = Server::start(None, 1024);
    let big = json!({ "text": "x".repeat(8 * 1024) }).to_string();
    let r = s.post_raw("import_csl_json", &big, &[]);
    r.assert_error(413, "payload_too_large");
    assert_eq!(s.cmd("library_info", json!({}))["count"], 0, "nothing was imported");
    // Just under the limit is fine.
    let ok = s.call("new_item", json!({"type": "book", "title": "y".repeat(900)}));
    assert_eq!(ok.status, 200, "{}", ok.body);
}

#[test]
fn serving_stops_when_told() {
    let tmp = tempfile::tempdir().unwrap();
    let api = Arc::new(Api::open(tmp.path().join("lib.sqlite")).unwrap());
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let listener = rt.block_on(ibid_server::bind_loopback(0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = rt.spawn(ibid_server::serve_with_shutdown(api, listener, ServeOptions::default(), async {
        let _ = stopped.await;
    }));
    let agent: ureq::Agent = ureq::Agent::config_builder().proxy(None).build().into();
    let url = format!("http://127.0.0.1:{port}/api/health");
    assert_eq!(agent.get(&url).call().unwrap().status(), 200);
    stop.send(()).unwrap();
    rt.block_on(async { tokio::time::timeout(std::time::Duration::from_secs(10), server).await })
        .expect("the server stops within 10 s")
        .unwrap()
        .unwrap();
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err(), "nothing listens any more");
}

/// Issue 7: commands that change the library need the token; reads do not.
/// The UI's own pages get it as an HttpOnly, SameSite=Strict cookie, so the
/// web UI writes and other sites' pages cannot.
#[test]
fn writes_need_the_token_which_only_the_uis_pages_get() {
    let root = tempfile::tempdir().unwrap();
    let ui = root.path().join("ui");
    std::fs::create_dir_all(&ui).unwrap();
    std::fs::write(ui.join("index.html"), "<!doctype html><title>Ibid</title>").unwrap();
    let s = Server::start(Some(ui), ibid_server::DEFAULT_MAX_BODY_BYTES);
    let new_item = json!({ "type": "book", "title": "Uncertain Partners" }).to_string();

    s.post_without_token("new_item", &new_item, &[]).assert_error(401, "unauthorized");
    s.post_without_token("new_item", &new_item, &[("authorization", "Bearer 0000")]).assert_error(401, "unauthorized");
    s.post_without_token("new_item", &new_item, &[("cookie", "ibid_token=0000")]).assert_error(401, "unauthorized");
    let info = s.post_without_token("library_info", "{}", &[]);
    assert_eq!((info.status, &info.json()["count"]), (200, &json!(0)), "reads need no token");

    // The page sets the cookie; the API's answers never do.
    let page = s.get("/", &[]);
    let cookie = page.header("set-cookie").expect("the UI page sets the token cookie");
    assert_eq!(cookie, format!("ibid_token={}; Path=/; HttpOnly; SameSite=Strict", s.token));
    assert_eq!(s.get("/api/health", &[]).header("set-cookie"), None);
    let pair = cookie.split(';').next().unwrap();
    let r = s.post_without_token("new_item", &new_item, &[("cookie", pair)]);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(s.post_raw("library_info", "{}", &[]).json()["count"], 1);
}

/// Issue 7: the request rate is bounded: past the budget (twice the rate at
/// once), 429 with Retry-After; the budget comes back with time.
#[test]
fn too_many_requests_get_429_with_retry_after() {
    let s = Server::start_with(ServeOptions { max_requests_per_second: 5, ..Default::default() });
    let statuses: Vec<u16> = (0..30).map(|_| s.get("/api/health", &[]).status).collect();
    let ok = statuses.iter().filter(|&&c| c == 200).count();
    assert!((10..=12).contains(&ok), "a burst of twice the rate passes: {statuses:?}");
    let refused = s.get("/api/health", &[]);
    refused.assert_error(429, "rate_limited");
    assert_eq!(refused.header("retry-after"), Some("1"));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(s.get("/api/health", &[]).status, 200, "the budget came back");
}

/// What an editor's CAYW request got, and what the UI's `answer_pick` got.
struct Picked {
    editor: Reply,
    ui: Reply,
    pick: Value,
}

impl Server {
    /// An editor asks `GET /better-bibtex/cayw?{query}` while this test
    /// plays the open window: it takes the pick with `next_pick` and
    /// answers with `citations` (`null`: the palette was closed).
    fn cayw_pick(&self, query: &str, citations: Value) -> Picked {
        let url = self.url(&format!("/better-bibtex/cayw?{query}"));
        let agent = self.agent.clone();
        let editor = std::thread::spawn(move || Server::reply(agent.get(url).call()));
        let pick = self.cmd("next_pick", json!({ "wait_ms": 10_000 }));
        assert!(pick.is_object(), "the window was given the pick: {pick}");
        let ui = self.call("answer_pick", json!({ "id": pick["id"], "citations": citations }));
        Picked { editor: editor.join().unwrap(), ui, pick }
    }
}

/// Issue 7: Better BibTeX's `/better-bibtex/cayw`, as editor plugins call
/// it: the window picks, the editor gets the citation as plain text in the
/// format it asked for, and the UI gets the same text (to copy).
#[test]
fn issue_7_cayw_gives_editors_the_picked_works() {
    let s = Server::with_sample();
    let probe = s.get("/better-bibtex/cayw?probe=1", &[]);
    assert_eq!((probe.status, probe.body.as_str()), (200, "ready"));
    assert!(probe.header("content-type").unwrap().starts_with("text/plain"));
    let heinzig = s.key_of("heinzig");
    let goncharov = s.key_of("uncertain partners");

    // Pandoc with brackets, a prefix and a page.
    let p = s.cayw_pick(
        "format=pandoc&brackets=1",
        json!([{ "key": heinzig, "prefix": "see", "locator": "178" }, { "key": goncharov }]),
    );
    assert_eq!(p.editor.status, 200, "{}", p.editor.body);
    assert_eq!(p.editor.body, "[see @heinzig2004soviet, p. 178; @goncharov1993uncertain]");
    assert_eq!(p.ui.json()["text"], p.editor.body.as_str(), "the UI gets what the editor got");
    assert_eq!(p.pick["format"], "pandoc");
    assert_eq!((p.pick["selected"].as_bool(), p.pick["clipboard"].as_bool()), (Some(false), Some(false)));
    assert_eq!(p.editor.header("set-cookie"), None, "the UI's token is not handed to editors");
    assert_eq!(p.editor.header("cache-control"), Some("no-store"));

    // natbib, and biblatex's multicite with a locator.
    let p = s.cayw_pick("format=latex&command=citep", json!([{ "key": heinzig }, { "key": goncharov }]));
    assert_eq!(p.editor.body, "\\citep{heinzig2004soviet,goncharov1993uncertain}");
    let p = s.cayw_pick("format=biblatex", json!([{ "key": heinzig, "locator": "ch. 3" }, { "key": goncharov }]));
    assert_eq!(p.editor.body, "\\autocites[ch.~3]{heinzig2004soviet}{goncharov1993uncertain}");

    // A CSL style's citation: what /api/cite gives for the same works.
    let p = s.cayw_pick("format=formatted-citation&style=apa&clipboard=yes", json!([{ "key": heinzig }, { "key": goncharov }]));
    let cite = s.get(&format!("/api/cite?keys={heinzig},{goncharov}&style=apa"), &[]).json();
    assert_eq!(p.editor.body, cite["text"].as_str().unwrap());
    assert!(p.editor.body.contains("Heinzig") && p.editor.body.contains("2004"), "{}", p.editor.body);
    assert_eq!(p.pick["clipboard"], true);
    // The bibliography, and a BibTeX file of the picked works.
    let p = s.cayw_pick("format=formatted-bibliography&style=apa", json!([{ "key": heinzig }]));
    assert!(p.editor.body.starts_with("Heinzig, D. (2004). The Soviet Union and Communist China"), "{}", p.editor.body);
    let p = s.cayw_pick("format=translate&translator=betterbibtex", json!([{ "key": heinzig }]));
    assert!(p.editor.body.starts_with("@book{heinzig2004soviet,"), "{}", p.editor.body);
    assert_eq!(p.editor.body.matches("\n@").count(), 0, "the picked work only");

    // The palette closed: an empty answer, as Better BibTeX gives.
    let p = s.cayw_pick("format=pandoc&selected=1", Value::Null);
    assert_eq!((p.editor.status, p.editor.body.as_str()), (200, ""));
    assert_eq!(p.pick["selected"], true);

    // A work that is not there: the error goes to both.
    let p = s.cayw_pick("format=pandoc", json!([{ "key": "ZZZZZZZZ" }]));
    p.editor.assert_error(404, "not_found");
    p.ui.assert_error(404, "not_found");
}

/// Issue 7: what CAYW refuses, and when it gives up.
#[test]
fn issue_7_cayw_refusals_and_timeouts() {
    let s = Server::with_sample_and(ServeOptions {
        pick_claim_timeout: std::time::Duration::from_millis(300),
        pick_answer_timeout: std::time::Duration::from_millis(300),
        ..Default::default()
    });
    // A format it cannot give: 400 at once, naming the ones it can.
    let r = s.get("/better-bibtex/cayw?format=docx", &[]);
    r.assert_error(400, "invalid_input");
    assert!(r.json()["message"].as_str().unwrap().contains("pandoc"), "{}", r.body);
    // A web page may not make the window pop up.
    s.get("/better-bibtex/cayw?format=pandoc", &[("origin", "https://evil.example")]).assert_error(403, "forbidden_origin");
    s.get("/better-bibtex/cayw?format=pandoc", &[("sec-fetch-site", "cross-site")]).assert_error(403, "forbidden_origin");
    // No window open to pick from: 503, and the pick is gone.
    s.get("/better-bibtex/cayw?format=pandoc", &[]).assert_error(503, "no_picker");
    assert_eq!(s.cmd("next_pick", json!({ "wait_ms": 0 })), Value::Null);
    // Taking and answering picks needs the token.
    s.post_without_token("next_pick", "{}", &[]).assert_error(401, "unauthorized");
    s.post_without_token("answer_pick", r#"{"id": 1}"#, &[]).assert_error(401, "unauthorized");
    // A window took the pick but nothing was picked in time: 504; answering
    // after that reaches no one.
    let url = s.url("/better-bibtex/cayw?format=pandoc");
    let agent = s.agent.clone();
    let editor = std::thread::spawn(move || Server::reply(agent.get(url).call()));
    let pick = s.cmd("next_pick", json!({ "wait_ms": 10_000 }));
    editor.join().unwrap().assert_error(504, "timeout");
    s.call("answer_pick", json!({ "id": pick["id"], "citations": [] })).assert_error(404, "not_found");
}

/// Issue 7: an editor that stops waiting (its plugin timed out, the writer
/// pressed Ctrl+C) withdraws its pick: no window shows it afterwards.
#[test]
fn issue_7_a_cayw_request_given_up_is_withdrawn() {
    let s = Server::with_sample();
    let impatient: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(std::time::Duration::from_millis(200)))
        .build()
        .into();
    assert!(impatient.get(s.url("/better-bibtex/cayw?format=pandoc")).call().is_err(), "the editor gave up");
    // Time for the server to see the connection close (it is told at once;
    // the margin is for a loaded machine).
    std::thread::sleep(std::time::Duration::from_millis(1000));
    assert_eq!(s.cmd("next_pick", json!({ "wait_ms": 0 })), Value::Null, "the pick was withdrawn");
}

/// Issue 7: the browser UI's Settings over HTTP: anyone on the machine may
/// list the auto-exports (a read), only the token's holder may remove one.
#[test]
fn auto_exports_are_listed_openly_and_removed_with_the_token() {
    let s = Server::with_sample();
    let file = s.lib.parent().unwrap().join("refs.bib");
    {
        let mut lib = ibid_core::Library::open(&s.lib).unwrap();
        lib.add_auto_export(file.to_str().unwrap(), "bibtex", &ibid_core::store::Scope::Library).unwrap();
    }
    // A change over HTTP writes it.
    let key = s.key_of("uncertain partners");
    s.cmd("retag", json!({ "key": key, "add": ["korea"] }));
    // The refresh follows the answer, on the server's own thread: wait for it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let list = loop {
        let listed = s.post_without_token("auto_exports", "", &[]);
        assert_eq!(listed.status, 200, "{}", listed.body);
        let list = listed.json();
        if !list[0]["written_at"].is_null() || std::time::Instant::now() > deadline {
            break list;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(list[0]["path"], file.to_str().unwrap());
    assert_eq!((&list[0]["format"], &list[0]["scope"], &list[0]["entries"]), (&json!("bibtex"), &json!("My Library"), &json!(13)));
    assert!(list[0]["written_at"].as_i64().unwrap() > 0 && list[0]["last_error"].is_null(), "{list}");
    assert!(file.exists());

    let path = json!({ "path": file.to_str().unwrap() }).to_string();
    s.post_without_token("remove_auto_export", &path, &[]).assert_error(401, "unauthorized");
    assert_eq!(s.cmd("remove_auto_export", json!({ "path": file.to_str().unwrap() })), json!([]));
    s.call("remove_auto_export", json!({ "path": file.to_str().unwrap() })).assert_error(404, "not_found");
}

#[test]
fn issue_8_duplicates_are_listed_openly_and_merged_and_undone_with_the_token() {
    let s = Server::start(None, 1 << 20);
    let items = json!([
        {"type": "book", "title": "Brothers in Arms", "author": [{"family": "Westad"}], "issued": {"date-parts": [[1998]]}},
        {"type": "book", "title": "Brothers in arms.", "author": [{"family": "Westad"}], "issued": {"date-parts": [[1998]]}},
    ]);
    ibid_core::Library::open(&s.lib).unwrap().import_csl_json_with(&items.to_string(), ibid_core::store::OnDuplicate::Add).unwrap();
    let found = s.post_without_token("find_duplicates", "{}", &[]);
    assert_eq!(found.status, 200, "{}", found.body);
    let d = found.json();
    assert_eq!((&d["confident"], d["groups"][0]["keys"].as_array().unwrap().len()), (&json!(1), 2), "{d}");
    s.post_without_token("merge_duplicates", r#"{"all_confident": true}"#, &[]).assert_error(401, "unauthorized");
    let m = s.cmd("merge_duplicates", json!({"all_confident": true}));
    assert_eq!(m["merged"], 1);
    assert_eq!(s.cmd("library_info", json!({}))["count"], 1);
    s.post_without_token("undo_merge", "{}", &[]).assert_error(401, "unauthorized");
    assert_eq!(s.cmd("undo_merge", json!({}))["restored"], 1);
    assert_eq!(s.cmd("library_info", json!({}))["count"], 2);
    s.call("undo_merge", json!({})).assert_error(404, "not_found");
    s.call("merge_duplicates", json!({"groups": [{"keys": [d["groups"][0]["keys"][0]]}]})).assert_error(400, "invalid_input");
}

/// Random query strings and random command arguments (issue 9): every
/// request gets an HTTP answer — the result, or an error with its `code` and
/// `message` and a 4xx status — never a 500 (a panic in a command would
/// answer 500 "internal"), and the server and its library are whole
/// afterwards. Sent byte for byte over TCP, so no client tidies them.
///
/// Left out of the random commands, each with tests of its own: the ones
/// that write a file at a path the arguments give (`save_export`, `attach`,
/// `add_auto_export`, `remove_auto_export`), that look identifiers up on
/// the network (`add_identifiers`), or that wait for a person
/// (`next_pick`, `answer_pick`, and `/cayw`).
#[test]
fn issue_9_random_queries_and_arguments_get_an_answer_never_a_crash() {
    // IBID_API_FUZZ_REQUESTS=50000 for a longer run (SECURITY.md).
    let requests: usize = std::env::var("IBID_API_FUZZ_REQUESTS").ok().and_then(|n| n.parse().ok()).unwrap_or(3_000);
    let s = Server::with_sample_and(ServeOptions { max_requests_per_second: 1_000_000, ..Default::default() });
    let real_keys = keys(&s.cmd("list_keys", json!({})));
    let mut rng = fastrand::Rng::with_seed(9);
    let values: Vec<String> = vec![
        String::new(), "%".into(), "%zz".into(), "%00".into(), "%FF%FE".into(), "%E2%80%93".into(), "a%2Cb".into(),
        "Sino–Soviet 中苏".into(), "1e309".into(), "-1".into(), "18446744073709551616".into(), "0".into(), "apa".into(),
        "chicago-note-bibliography".into(), "../../etc/passwd".into(), "<script>alert(1)</script>".into(), ",,,,".into(),
        "\"".into(), "{}".into(), "[]".into(), "null".into(), "x".repeat(20_000), "html".into(), "rtf".into(), "bibtex".into(),
        "de-DE".into(), "xx-YY".into(), "sino sov*".into(), "\"unbalanced".into(), "NEAR(".into(), "title:".into(),
        real_keys[0].clone(), format!("{},{}", real_keys[1], real_keys[2]), format!("{}:p. 12", real_keys[3]), "10.1007/978-981-13-8641-1_7".into(),
    ];
    let names = ["q", "limit", "keys", "style", "locale", "format", "collection", "tag", "search", "cited-by", "cited_by", "key", "x", ""];
    let enc = |v: &str| -> String {
        // Spaces and the request line's own separators must be encoded; `%`
        // is left as is, so that broken escapes reach the server.
        v.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-_.~%,:*()'!".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
    };
    let excluded = ["save_export", "attach", "add_auto_export", "remove_auto_export", "add_identifiers", "next_pick", "answer_pick"];
    let commands: Vec<&str> = ibid_api::COMMANDS.iter().copied().filter(|c| !excluded.contains(c)).collect();
    let fields = ["keys", "key", "q", "text", "field", "value", "limit", "sort", "desc", "collection", "tag", "path", "format", "style",
        "locale", "scope", "name", "parent", "body", "creators", "add", "remove", "groups", "batch", "job", "cite", "items", "type"];
    fn random_json(rng: &mut fastrand::Rng, values: &[String], fields: &[&str], keys: &[String], depth: u32) -> Value {
        match rng.u8(..if depth > 2 { 6 } else { 9 }) {
            0 => Value::Null,
            1 => json!(rng.bool()),
            2 => json!(rng.i64(..)),
            3 => json!(rng.f64() * 1e12),
            4 => json!(values[rng.usize(..values.len())]),
            5 => json!(keys[rng.usize(..keys.len())]),
            6 | 7 => Value::Array((0..rng.usize(..4)).map(|_| random_json(rng, values, fields, keys, depth + 1)).collect()),
            _ => Value::Object((0..rng.usize(..5)).map(|_| (fields[rng.usize(..fields.len())].to_string(), random_json(rng, values, fields, keys, depth + 1))).collect()),
        }
    }
    let mut seen = std::collections::BTreeMap::<u16, usize>::new();
    for i in 0..requests {
        let request = if rng.u8(..3) == 0 {
            let name = commands[rng.usize(..commands.len())];
            let body = match rng.u8(..10) {
                0 => "{\"keys\": [".to_string(),
                1 => "\u{0}\u{1}not json".to_string(),
                _ => random_json(&mut rng, &values, &fields, &real_keys, 0).to_string(),
            };
            format!(
                "POST /api/cmd/{name} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                s.port, s.token, body.len()
            )
        } else {
            let path = match rng.u8(..5) {
                0 => "/api/search".to_string(),
                1 => "/api/cite".to_string(),
                2 => "/api/bibliography".to_string(),
                3 => format!("/api/items/{}", enc(&values[rng.usize(..values.len())])),
                _ => format!("/api/{}", enc(&values[rng.usize(..values.len())])),
            };
            let query: Vec<String> = (0..rng.usize(..5))
                .map(|_| {
                    let (k, v) = (names[rng.usize(..names.len())], &values[rng.usize(..values.len())]);
                    if rng.u8(..8) == 0 { enc(k) } else { format!("{}={}", enc(k), enc(v)) }
                })
                .collect();
            format!("GET {path}?{} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n", query.join("&"), s.port)
        };
        let (status, body) = s.raw(&request);
        *seen.entry(status).or_default() += 1;
        assert!(status < 500, "request {i} got {status}: {body}\n{}", &request[..request.len().min(600)]);
        if status >= 400 {
            let v: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("request {i}: a {status} that is not JSON ({e}): {body}"));
            assert!(v["code"].as_str().is_some_and(|c| !c.is_empty()) && v["message"].as_str().is_some_and(|m| !m.is_empty()), "request {i}: {v}");
        }
    }
    eprintln!("statuses over {requests} random requests: {seen:?}");
    assert!(seen.get(&200).copied().unwrap_or(0) > requests / 10, "most random requests are refused, but some must get through: {seen:?}");
    assert_eq!(s.get("/api/health", &[]).status, 200);
    s.cmd("library_info", json!({}));
    let conn = rusqlite::Connection::open(&s.lib).unwrap();
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
}
