//! `styles`, `export`, `save_export`, `format_citation`, `import_text`
//! through `Api::call`, with JSON as the shells send it.

use ibid_api::Api;
use serde_json::{json, Value};

const SPRINGER_CHAPTER: &str = "Shen, Z. (2020). The Political and Economic Foundations of the Sino-Soviet Alliance, 1948–1949. In: Shen, Z. (eds) A Short History of Sino-Soviet Relations, 1917–1991. China Connections. Palgrave Macmillan, Singapore. https://doi.org/10.1007/978-981-13-8641-1_7";

fn api() -> (tempfile::TempDir, Api) {
    let tmp = tempfile::tempdir().unwrap();
    let api = Api::open(tmp.path().join("lib.sqlite")).unwrap();
    let text = std::fs::read_to_string(ibid_tests::project_fixture("sample-library.csl.json")).unwrap();
    let r = api.call("import_text", json!({ "text": text, "name": "sample-library.csl.json" })).unwrap();
    assert_eq!(r["added"].as_array().unwrap().len(), 13);
    assert_eq!(r["failed"], json!([]));
    (tmp, api)
}

fn chapter(api: &Api) -> String {
    api.call("search", json!({"q": "10.1007/978-981-13-8641-1_7"})).unwrap()[0]["key"].as_str().unwrap().to_string()
}

fn key_of(api: &Api, q: &str) -> String {
    api.call("search", json!({ "q": q })).unwrap()[0]["key"].as_str().unwrap().to_string()
}

fn export(api: &Api, args: Value) -> Value {
    api.call("export", args.clone()).unwrap_or_else(|e| panic!("export {args}: {e:?}"))
}

#[test]
fn styles_and_locales() {
    let (_t, api) = api();
    let s = api.call("styles", json!({})).unwrap();
    let styles = s["styles"].as_array().unwrap();
    assert!(styles.len() > 50);
    let find = |id: &str| styles.iter().find(|x| x["id"] == id).cloned();
    assert!(find("american-psychological-association").unwrap()["title"].as_str().unwrap().contains("APA"));
    assert!(!find("springer-link").unwrap()["title"].as_str().unwrap().is_empty());
    let locales: Vec<&str> = s["locales"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    assert!(locales.contains(&"en-US") && locales.contains(&"de-DE"));
}

#[test]
fn export_formats_and_scopes() {
    let (_t, api) = api();
    let ch = chapter(&api);

    // CSL-JSON of the whole library: the 13 works.
    let all = export(&api, json!({"format": "csl-json"}));
    assert_eq!((all["count"].as_u64(), all["shown"].as_u64()), (Some(13), Some(13)));
    let items: Vec<Value> = serde_json::from_str(all["text"].as_str().unwrap()).unwrap();
    assert_eq!(items.len(), 13);

    // A preview: only the first N, but the scope's count.
    let preview = export(&api, json!({"format": "ris", "limit": 2}));
    assert_eq!((preview["count"].as_u64(), preview["shown"].as_u64()), (Some(13), Some(2)));
    assert_eq!(preview["text"].as_str().unwrap().matches("TY  - ").count(), 2);

    // BibTeX: keys assigned from the pattern, stored, the same next time.
    let bib = export(&api, json!({"format": "bibtex", "scope": {"keys": [ch]}}));
    let text = bib["text"].as_str().unwrap();
    assert!(text.starts_with("@incollection{shen2020political,"), "{text}");
    assert_eq!(api.call("get_detail", json!({"key": ch})).unwrap()["item"]["citation-key"], "shen2020political");
    let all_bib = export(&api, json!({"format": "bibtex"}));
    assert_eq!(all_bib["text"].as_str().unwrap().matches("\n@").count() + 1, 13);
    assert!(all_bib["text"].as_str().unwrap().contains("@incollection{shen2020political,"));
    let biblatex = export(&api, json!({"format": "biblatex", "scope": {"keys": [ch]}}));
    assert!(biblatex["text"].as_str().unwrap().contains("@incollection{shen2020political,"));
    assert!(biblatex["text"].as_str().unwrap().contains("date = {2020}"), "{}", biblatex["text"]);

    // A CSL style, as text: the seed chapter in Springer's style.
    let t = export(&api, json!({"format": "text", "style": "springer-link", "scope": {"keys": [ch]}}));
    assert_eq!(t["text"], format!("{SPRINGER_CHAPTER}\n"));
    let html = export(&api, json!({"format": "html", "scope": {"keys": [ch]}}));
    let h = html["text"].as_str().unwrap();
    assert!(h.starts_with("<div class=\"csl-bib-body\">\n  <div class=\"csl-entry\">Shen, Z. (2020)."), "{h}");
    assert!(h.contains("<a href=\"https://doi.org/10.1007/978-981-13-8641-1_7\">"), "{h}");
    let md = export(&api, json!({"format": "markdown", "scope": {"keys": [ch]}, "locale": "de-DE"}));
    assert!(md["text"].as_str().unwrap().contains("*A Short History of Sino-Soviet Relations, 1917–1991*"), "{}", md["text"]);
    let rtf = export(&api, json!({"format": "rtf", "scope": {"keys": [ch]}}));
    assert!(rtf["text"].as_str().unwrap().starts_with("{\\rtf1"));

    // Scopes: tag, collection (by key or path), search, cited-by, keys.
    let heinzig = key_of(&api, "heinzig");
    api.call("retag", json!({"key": heinzig, "add": ["alliance"]})).unwrap();
    assert_eq!(export(&api, json!({"format": "csl-json", "scope": {"tag": "alliance"}}))["count"], 1);
    let cols = api.call("create_collection", json!({"path": "Cold War/Sources"})).unwrap();
    let sources = cols.as_array().unwrap().iter().find(|c| c["path"] == "Cold War/Sources").unwrap()["key"].clone();
    api.call("add_to_collection", json!({"collection": sources, "keys": [heinzig, ch]})).unwrap();
    assert_eq!(export(&api, json!({"format": "ris", "scope": {"collection": sources}}))["count"], 2);
    assert_eq!(export(&api, json!({"format": "ris", "scope": {"collection": "Cold War/Sources"}}))["count"], 2);
    assert!(export(&api, json!({"format": "csl-json", "scope": {"search": "heinzig"}}))["count"].as_u64().unwrap() >= 1);
    assert_eq!(export(&api, json!({"format": "csl-json", "scope": {"cited_by": ch}}))["count"], 0);
    assert_eq!(export(&api, json!({"format": "csl-json", "scope": {"keys": [heinzig, ch]}}))["count"], 2);
    // Blank fields are not a scope.
    assert_eq!(export(&api, json!({"format": "csl-json", "scope": {"tag": "", "search": " "}}))["count"], 13);
}

#[test]
fn export_errors_are_codes() {
    let (_t, api) = api();
    let err = |args: Value| api.call("export", args).unwrap_err();
    let e = err(json!({"format": "docx"}));
    assert_eq!((e.code.as_str(), e.http_status()), ("unknown_format", 400));
    assert!(e.message.contains("bibtex"));
    let e = err(json!({"format": "text", "style": "no-such-style"}));
    assert_eq!((e.code.as_str(), e.http_status()), ("unknown_style", 400));
    // Only style ids and .csl files: no other path is read.
    assert_eq!(err(json!({"format": "text", "style": "/etc/passwd"})).code, "unknown_style");
    assert_eq!(err(json!({"format": "text", "style": "Cargo.toml"})).code, "unknown_style");
    // Ids, their aliases and CSL URLs.
    for id in ["apa", "american-psychological-association", "http://www.zotero.org/styles/apa", "springer-link"] {
        assert_eq!(api.call("export", json!({"format": "text", "style": id, "limit": 1})).unwrap()["shown"], 1, "{id}");
    }
    let e = err(json!({"format": "text", "locale": "xx-YY-nope"}));
    assert_eq!((e.code.as_str(), e.http_status()), ("unknown_locale", 400));
    assert_eq!(err(json!({"format": "ris", "scope": {"tag": "a", "search": "b"}})).code, "bad_arguments");
    assert_eq!(err(json!({"format": "ris", "scope": {"tag": "nope"}})).code, "not_found");
    assert_eq!(err(json!({"format": "ris", "scope": {"keys": ["ZZZZZZZZ"]}})).code, "not_found");
}

#[test]
fn a_csl_file_is_a_style() {
    let (t, api) = api();
    let ch = chapter(&api);
    let csl = t.path().join("mine.csl");
    std::fs::write(&csl, include_str!("../../ibid-formats/styles/springer-link.csl")).unwrap();
    let out = export(&api, json!({"format": "text", "style": csl.display().to_string(), "scope": {"keys": [ch]}}));
    assert_eq!(out["text"], format!("{SPRINGER_CHAPTER}\n"));
    std::fs::write(&csl, "<style>not CSL").unwrap();
    let e = api.call("export", json!({"format": "text", "style": csl.display().to_string()})).unwrap_err();
    assert_eq!(e.code, "bad_style");
}

#[test]
fn citations_and_entries() {
    let (_t, api) = api();
    let ch = chapter(&api);
    let cite = |args: Value| api.call("format_citation", args).map(|v| v["text"].as_str().unwrap().to_string());
    assert_eq!(cite(json!({"keys": [ch], "kind": "citation", "format": "text"})).unwrap(), "(Shen, 2020)");
    assert_eq!(cite(json!({"keys": [ch]})).unwrap(), "(Shen, 2020)", "citation as text by default");
    assert_eq!(cite(json!({"keys": [ch], "kind": "bibliography", "style": "springer-link"})).unwrap(), SPRINGER_CHAPTER);
    let html = cite(json!({"keys": [ch], "kind": "bibliography", "format": "html"})).unwrap();
    assert!(html.starts_with("Shen, Z. (2020).") && html.contains("<i>"), "{html}");
    let two = cite(json!({"keys": [ch, key_of(&api, "heinzig")], "kind": "citation"})).unwrap();
    assert!(two.starts_with('(') && two.contains("Shen, 2020") && two.contains("Heinzig"), "{two}");
    let two = cite(json!({"keys": [ch, key_of(&api, "heinzig")], "kind": "bibliography", "format": "html"})).unwrap();
    assert_eq!(two.matches("<div class=\"csl-entry\">").count(), 2, "{two}");

    assert_eq!(cite(json!({"keys": []})).unwrap_err().code, "invalid_input");
    assert_eq!(cite(json!({"keys": ["ZZZZZZZZ"]})).unwrap_err().code, "not_found");
    assert_eq!(cite(json!({"keys": [ch], "kind": "footnote"})).unwrap_err().code, "bad_arguments");
    assert_eq!(cite(json!({"keys": [ch], "format": "docx"})).unwrap_err().code, "unknown_format");
    assert_eq!(cite(json!({"keys": [ch], "style": "nope"})).unwrap_err().code, "unknown_style");
}

#[test]
fn save_export_writes_the_file() {
    let (t, api) = api();
    let path = t.path().join("out.bib");
    let saved = api.call("save_export", json!({"path": path.display().to_string(), "format": "bibtex"})).unwrap();
    assert_eq!(saved["count"], 13);
    assert_eq!(saved["path"], path.display().to_string());
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(written, export(&api, json!({"format": "bibtex"}))["text"].as_str().unwrap());

    let e = api.call("save_export", json!({"path": path.display().to_string(), "format": "ris"})).unwrap_err();
    assert_eq!((e.code.as_str(), e.http_status()), ("exists", 409));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), written, "not replaced without overwrite");
    api.call("save_export", json!({"path": path.display().to_string(), "format": "ris", "overwrite": true})).unwrap();
    assert!(std::fs::read_to_string(&path).unwrap().starts_with("TY  - "));

    assert_eq!(api.call("save_export", json!({"path": "relative.bib", "format": "ris"})).unwrap_err().code, "invalid_input");
    assert_eq!(api.call("save_export", json!({"path": t.path().display().to_string(), "format": "ris"})).unwrap_err().code, "invalid_input");
    let e = api.call("save_export", json!({"path": t.path().join("x.txt").display().to_string(), "format": "text", "style": "nope"})).unwrap_err();
    assert_eq!(e.code, "unknown_style");
    assert!(!t.path().join("x.txt").exists(), "nothing written on an error");
}

#[test]
fn import_text_of_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    let api = Api::open(tmp.path().join("lib.sqlite")).unwrap();
    let fixture = |p: &str| std::fs::read_to_string(ibid_tests::project_fixture(p)).unwrap();

    // BibTeX with broken entries: the good ones are added, the broken ones reported.
    let r = api.call("import_text", json!({"text": fixture("bibtex/broken-middle.bib"), "name": "broken-middle.bib"})).unwrap();
    assert_eq!(r["added"].as_array().unwrap().len(), 2, "{r}");
    let failed = r["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 2, "{r}");
    assert_eq!(failed[0]["item"], 2);
    assert!(failed[0]["message"].as_str().unwrap().contains("missing-comma"), "{r}");

    // RIS, sniffed.
    let r = api.call("import_text", json!({"text": fixture("ris/all-tags.ris")})).unwrap();
    assert!(!r["added"].as_array().unwrap().is_empty());
    // The format as given wins over the sniffing; the name's extension helps when the text says nothing.
    let ris = "\n\nTY  - BOOK\nTI  - A Book By RIS\nPY  - 1999\nER  - \n";
    let r = api.call("import_text", json!({"text": ris, "format": "ris"})).unwrap();
    assert_eq!(r["added"].as_array().unwrap().len(), 1);
    assert_eq!(ibid_api::sniff("  \n  author = x", "refs.bib"), Some("bibtex"));
    assert_eq!(ibid_api::sniff("\u{feff}[{}]", "x"), Some("csl-json"));
    assert_eq!(ibid_api::sniff("hello", "notes.txt"), None);

    let info = api.call("library_info", json!({})).unwrap();
    let n = info["count"].as_i64().unwrap();

    let err = |args: Value| api.call("import_text", args).unwrap_err();
    let e = err(json!({"text": "   \n", "name": "empty.bib"}));
    assert_eq!((e.code.as_str(), e.http_status()), ("bad_file", 400));
    assert!(e.message.starts_with("empty.bib: "), "{}", e.message);
    assert_eq!(err(json!({"text": "PK\u{3}\u{4}\0\0binary"})).code, "bad_file");
    let e = err(json!({"text": "just some words", "name": "notes.txt"}));
    assert_eq!(e.code, "bad_file");
    assert!(e.message.contains("cannot tell the format"));
    assert_eq!(err(json!({"text": "[{", "name": "x.json"})).code, "bad_file");
    assert_eq!(err(json!({"text": "@article{one, title = {Unclosed}", "name": "one.bib"})).code, "bad_file");
    assert_eq!(err(json!({"text": "% only a comment\n", "format": "bibtex"})).code, "bad_file");
    assert_eq!(err(json!({"text": "x", "format": "endnote"})).code, "unknown_format");
    assert_eq!(api.call("library_info", json!({})).unwrap()["count"].as_i64().unwrap(), n, "nothing added by a refused file");
}
