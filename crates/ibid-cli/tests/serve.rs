//! `ibid serve` as a real process: it says where it listens on one line of
//! standard output, answers there, and stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Kills the server when the test ends, even when an assertion failed.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `ibid serve --port 0` on `lib` (with `env` added), once it answers: the
/// process and its base URL.
fn start(lib: &Path, env: &[(&str, &str)]) -> (Running, String) {
    let mut server = Running(
        Command::new(env!("CARGO_BIN_EXE_ibid"))
            .arg("--library")
            .arg(lib)
            .args(["serve", "--port", "0"])
            .env_remove("IBID_LIBRARY")
            .env("IBID_TOKEN_FILE", lib.with_extension("api-token"))
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("run ibid serve"),
    );
    let mut line = String::new();
    BufReader::new(server.0.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let base = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("expected `listening on http://127.0.0.1:PORT`, got {line:?}"))
        .to_string();
    let port: u16 = base.strip_prefix("http://127.0.0.1:").and_then(|p| p.parse().ok()).expect(&base);
    assert_ne!(port, 0);
    // The socket is bound before the line is printed; poll anyway, briefly.
    let deadline = Instant::now() + Duration::from_secs(10);
    while agent().get(format!("{base}/api/health")).call().map(|r| r.status() != 200).unwrap_or(true) {
        assert!(Instant::now() < deadline, "{base}/api/health never answered");
        std::thread::sleep(Duration::from_millis(20));
    }
    (server, base)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).proxy(None).build().into()
}

#[test]
fn serve_prints_its_address_and_answers_there() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib.sqlite");
    let (mut server, base) = start(&lib, &[]);
    let agent = agent();
    let mut res = agent.post(format!("{base}/api/cmd/library_info")).send_empty().unwrap();
    assert_eq!(res.status(), 200);
    let info: Value = res.body_mut().read_json().unwrap();
    assert_eq!(info["count"], 0);
    assert_eq!(info["path"], json!(lib.display().to_string()));

    // SIGTERM: a graceful stop, exit status 0.
    #[cfg(unix)]
    {
        let pid = server.0.id() as libc::pid_t;
        // SAFETY: kill(2) on our own child, which has not been waited for.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(s) = server.0.try_wait().unwrap() {
                break s;
            }
            assert!(Instant::now() < deadline, "ibid serve did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(status.success(), "ibid serve exited with {status} on SIGTERM");
    }
}

#[test]
fn serve_refuses_a_missing_ui_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ibid"))
        .arg("--library")
        .arg(tmp.path().join("lib.sqlite"))
        .args(["serve", "--port", "0", "--ui"])
        .arg(tmp.path().join("no-such-ui"))
        .env_remove("IBID_LIBRARY")
        .env("IBID_TOKEN_FILE", tmp.path().join("api-token"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--ui") && err.contains("not a folder"), "{err}");
    assert!(out.stdout.is_empty(), "nothing listened");
}

/// Issue 7: the read endpoints for editors, over real HTTP, and what a web
/// page in the browser gets: 403.
#[test]
fn issue_7_read_endpoints_answer_editors_and_refuse_web_pages() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib.sqlite");
    let seed = ibid_tests::project_fixture("seed-chapter.csl.json");
    let out = Command::new(env!("CARGO_BIN_EXE_ibid")).arg("--library").arg(&lib).arg("import").arg(&seed).env_remove("IBID_LIBRARY").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (_server, base) = start(&lib, &[]);
    let agent = agent();
    let get = |path: &str| {
        let mut res = agent.get(format!("{base}{path}")).call().unwrap();
        let status = res.status().as_u16();
        (status, res.body_mut().read_json::<Value>().unwrap())
    };

    let (status, rows) = get("/api/search?q=sino%20sov&limit=5");
    assert_eq!(status, 200, "{rows}");
    let key = rows[0]["key"].as_str().unwrap().to_string();
    assert!(rows[0]["title"].as_str().unwrap().contains("Sino-Soviet Alliance"), "{rows}");

    let (status, item) = get(&format!("/api/items/{key}"));
    assert_eq!(status, 200);
    assert_eq!(item["DOI"], "10.1007/978-981-13-8641-1_7");
    let (status, by_doi) = get("/api/items/10.1007%2F978-981-13-8641-1_7");
    assert_eq!((status, &by_doi["id"]), (200, &item["id"]));
    let (status, missing) = get("/api/items/ZZZZZZZZ");
    assert_eq!((status, missing["code"].as_str()), (404, Some("not_found")), "{missing}");

    let (status, cite) = get(&format!("/api/cite?keys={key}&style=apa"));
    assert_eq!((status, cite["text"].as_str()), (200, Some("(Shen, 2020)")), "{cite}");
    let (_, cite) = get(&format!("/api/cite?keys={key}&format=pandoc"));
    assert_eq!(cite["text"], "[@shen2020political]");
    let (status, missing) = get("/api/cite?style=apa");
    assert_eq!((status, missing["code"].as_str()), (400, Some("bad_arguments")), "{missing}");

    let (status, bib) = get("/api/bibliography?search=sino&style=springer-link");
    assert_eq!(status, 200, "{bib}");
    assert_eq!(bib["count"], 1);
    assert!(bib["text"].as_str().unwrap().starts_with("Shen, Z. (2020). The Political and Economic Foundations"), "{bib}");
    let (_, bib) = get("/api/bibliography?format=bibtex");
    assert!(bib["text"].as_str().unwrap().contains("@incollection{shen2020political,"), "{bib}");

    // A web page: its Origin, or the browser's Sec-Fetch-Site, gets 403.
    for (header, value) in [("Origin", "https://evil.example"), ("Sec-Fetch-Site", "cross-site"), ("Sec-Fetch-Site", "same-site")] {
        let mut res = agent.get(format!("{base}/api/cite?keys={key}")).header(header, value).call().unwrap();
        assert_eq!(res.status(), 403, "{header}: {value}");
        assert_eq!(res.body_mut().read_json::<Value>().unwrap()["code"], "forbidden_origin");
    }
    // The server's own pages (and tools that send no such header) are answered.
    let res = agent.get(format!("{base}/api/cite?keys={key}")).header("Origin", &base).header("Sec-Fetch-Site", "same-origin").call().unwrap();
    assert_eq!(res.status(), 200);

    // Writes need the token, which `ibid serve` made owner-only beside the library.
    let token_file = lib.with_extension("api-token");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&token_file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let token = std::fs::read_to_string(&token_file).unwrap().trim().to_string();
    let trash = |auth: Option<&str>| {
        let mut req = agent.post(format!("{base}/api/cmd/trash"));
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        let mut res = req.send(json!({ "keys": [key] }).to_string()).unwrap();
        (res.status().as_u16(), res.body_mut().read_json::<Value>().unwrap())
    };
    let (status, body) = trash(None);
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthorized")), "{body}");
    let (status, _) = trash(Some("Bearer not-the-token-not-the-token-not-the-token"));
    assert_eq!(status, 401);
    let (status, body) = trash(Some(&format!("Bearer {token}")));
    assert_eq!(status, 200, "{body}");
    // Reads stay open: the work is in the trash now.
    let (_, rows) = get("/api/search?q=sino");
    assert_eq!(rows, json!([]));
}

/// Issue 7: `ibid serve` answers Better BibTeX's CAYW endpoint, so editor
/// plugins work unchanged: the probe, then a pick (here this test takes the
/// window's part through the API) comes back as a Pandoc citation.
#[test]
fn issue_7_cayw_over_ibid_serve() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib.sqlite");
    let seed = ibid_tests::project_fixture("seed-chapter.csl.json");
    let out = Command::new(env!("CARGO_BIN_EXE_ibid")).arg("--library").arg(&lib).arg("import").arg(&seed).env_remove("IBID_LIBRARY").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (mut server, base) = start(&lib, &[]);
    let agent = agent();
    let mut probe = agent.get(format!("{base}/better-bibtex/cayw?probe=true")).call().unwrap();
    assert_eq!(probe.body_mut().read_to_string().unwrap(), "ready");

    let token = std::fs::read_to_string(lib.with_extension("api-token")).unwrap().trim().to_string();
    let cmd = |name: &str, args: Value| {
        let mut res = agent.post(format!("{base}/api/cmd/{name}")).header("Authorization", format!("Bearer {token}")).send(args.to_string()).unwrap();
        assert_eq!(res.status(), 200, "{name}");
        res.body_mut().read_json::<Value>().unwrap()
    };
    let key = cmd("search", json!({ "q": "sino soviet" }))[0]["key"].as_str().unwrap().to_string();
    let editor = {
        let agent = agent.clone();
        let url = format!("{base}/better-bibtex/cayw?format=pandoc&brackets=1");
        std::thread::spawn(move || {
            let mut res = agent.get(url).call().unwrap();
            (res.status().as_u16(), res.body_mut().read_to_string().unwrap())
        })
    };
    let pick = cmd("next_pick", json!({ "wait_ms": 10_000 }));
    let answered = cmd("answer_pick", json!({ "id": pick["id"], "citations": [{ "key": key, "locator": "pp. 166-67" }] }));
    let (status, text) = editor.join().unwrap();
    assert_eq!((status, text.as_str()), (200, "[@shen2020political, pp. 166-67]"));
    assert_eq!(answered["text"], text);

    // A window waiting for picks and an editor waiting for one do not hold
    // up a stop: both are answered, and the server exits at once.
    #[cfg(unix)]
    {
        let (ask, wait) = (agent.clone(), agent.clone());
        let editor = std::thread::spawn({
            let url = format!("{base}/better-bibtex/cayw?format=pandoc");
            move || {
                let mut res = ask.get(url).call().unwrap();
                (res.status().as_u16(), res.body_mut().read_json::<Value>().unwrap())
            }
        });
        let window = std::thread::spawn({
            let url = format!("{base}/api/cmd/next_pick");
            let token = token.clone();
            move || wait.post(url).header("Authorization", format!("Bearer {token}")).send(r#"{"wait_ms": 30000}"#).map(|r| r.status().as_u16())
        });
        std::thread::sleep(Duration::from_millis(300));
        // SAFETY: kill(2) on our own child, which has not been waited for.
        assert_eq!(unsafe { libc::kill(server.0.id() as libc::pid_t, libc::SIGTERM) }, 0);
        let deadline = Instant::now() + Duration::from_secs(10);
        while server.0.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "ibid serve did not stop with a pick pending");
            std::thread::sleep(Duration::from_millis(20));
        }
        let (status, body) = editor.join().unwrap();
        // Either the window took the pick before the stop (then the stop
        // answered the editor), or the stop came first: 503 both ways.
        assert_eq!((status, body["code"].as_str()), (503, Some("stopping")), "{body}");
        assert!(window.join().unwrap().is_ok_and(|s| s == 200), "the long poll was answered");
    }
}

/// A token file others can read is refused: whoever reads it can change the library.
#[cfg(unix)]
#[test]
fn serve_refuses_a_token_file_others_can_read() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let token_file = tmp.path().join("api-token");
    std::fs::write(&token_file, "0123456789abcdef0123456789abcdef0123456789abcdef\n").unwrap();
    std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ibid"))
        .arg("--library")
        .arg(tmp.path().join("lib.sqlite"))
        .args(["serve", "--port", "0"])
        .env_remove("IBID_LIBRARY")
        .env("IBID_TOKEN_FILE", &token_file)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("can be read by others") && err.contains("chmod 600"), "{err}");
    assert!(out.stdout.is_empty(), "nothing listened");
}

/// Issue 7: `POST /api/items` adds works by identifier (with the token),
/// looked up at the services (a stand-in on 127.0.0.1), and the
/// auto-exports follow before it answers.
#[test]
fn issue_7_post_items_adds_by_identifier_and_the_auto_export_follows() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let services = rt.block_on(ibid_tests::services::start(ibid_tests::services::Recorded::project()));
    let uri = services.uri();
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib.sqlite");
    let bib = tmp.path().join("refs.bib");
    let out = Command::new(env!("CARGO_BIN_EXE_ibid"))
        .arg("--library")
        .arg(&lib)
        .args(["auto-export", "add", "--format", "bibtex", "--path"])
        .arg(&bib)
        .env_remove("IBID_LIBRARY")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(&bib).unwrap(), "", "an empty library: an empty file");
    let env: Vec<(&str, &str)> =
        ["IBID_CROSSREF_URL", "IBID_DOI_URL", "IBID_DATACITE_URL", "IBID_OPENLIBRARY_URL", "IBID_ARXIV_URL", "IBID_PUBMED_URL"].iter().map(|v| (*v, uri.as_str())).collect();
    let (_server, base) = start(&lib, &[env.as_slice(), &[("IBID_MAILTO", "serve-tests@example.org")]].concat());
    let token = std::fs::read_to_string(lib.with_extension("api-token")).unwrap().trim().to_string();
    let agent = agent();
    let body = json!({ "ids": ["doi:10.1007/978-981-13-8641-1_7"] }).to_string();

    let mut res = agent.post(format!("{base}/api/items")).send(&body).unwrap();
    assert_eq!(res.status(), 401, "{}", res.body_mut().read_to_string().unwrap());
    let mut res = agent.post(format!("{base}/api/items")).header("Authorization", &format!("Bearer {token}")).send(&body).unwrap();
    assert_eq!(res.status(), 200);
    let job: Value = res.body_mut().read_json().unwrap();
    assert_eq!((job["finished"].as_bool(), job["results"][0]["outcome"].as_str()), (Some(true), Some("added")), "{job}");
    let key = job["results"][0]["key"].as_str().unwrap().to_string();

    let mut res = agent.get(format!("{base}/api/cite?keys={key}")).call().unwrap();
    assert_eq!(res.body_mut().read_json::<Value>().unwrap()["text"], "(Shen, 2020)");
    let file = std::fs::read_to_string(&bib).unwrap();
    assert!(file.starts_with("@incollection{shen2020political,") && file.contains("booktitle = {A Short History of Sino-Soviet Relations, 1917–1991}"), "{file}");
    let mut res = agent.post(format!("{base}/api/items")).header("Authorization", &format!("Bearer {token}")).send("{}").unwrap();
    assert_eq!((res.status().as_u16(), res.body_mut().read_json::<Value>().unwrap()["code"].as_str().map(str::to_string)), (400, Some("bad_arguments".into())));
}
