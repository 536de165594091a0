//! The command contract, through `Api::call` with JSON as the shells send it.

use ibid_api::{Api, COMMANDS, READ_COMMANDS};
use serde_json::{json, Value};

fn api() -> (tempfile::TempDir, Api) {
    let tmp = tempfile::tempdir().unwrap();
    let api = Api::open(tmp.path().join("lib.sqlite")).unwrap();
    let text = std::fs::read_to_string(ibid_tests::project_fixture("sample-library.csl.json")).unwrap();
    let r = api.call("import_csl_json", json!({ "text": text })).unwrap();
    assert_eq!(r["added"].as_array().unwrap().len(), 13);
    assert_eq!(r["failed"], json!([]));
    (tmp, api)
}

fn keys(v: &Value) -> Vec<String> {
    let s = v["keys"].as_str().unwrap();
    (0..s.len() / 8).map(|i| s[i * 8..i * 8 + 8].to_string()).collect()
}

#[test]
fn list_rows_search_and_detail() {
    let (_t, api) = api();
    assert_eq!(api.call("library_info", json!({})).unwrap()["count"], 13);
    let list = api.call("list_keys", json!({"sort": "year", "desc": true})).unwrap();
    assert_eq!(list["count"], 13);
    let ks = keys(&list);
    let rows = api.call("rows", json!({"keys": &ks[..3]})).unwrap();
    assert_eq!(rows[0]["year"], 2020);
    assert_eq!(rows[0]["creators"], "Shen");
    assert_eq!(rows[1]["creators"], "Shen & Xia");
    let hits = api.call("search", json!({"q": "uncertain"})).unwrap();
    assert_eq!(hits[0]["creators"], "Goncharov et al.");

    let chapter = api.call("search", json!({"q": "10.1007/978-981-13-8641-1_7"})).unwrap()[0]["key"].clone();
    let d = api.call("get_detail", json!({"key": chapter})).unwrap();
    assert_eq!(d["item"]["container-title"], "A Short History of Sino-Soviet Relations, 1917–1991");
    assert!(d["own"].get("container-title").is_none(), "the book's title is stored on the book");
    assert_eq!(d["parent"]["type"], "book");
    let book = api.call("get_detail", json!({"key": d["parent"]["key"]})).unwrap();
    assert_eq!(book["children"][0]["key"], chapter, "the book shows its chapter");
}

#[test]
fn edits_tags_collections_trash_and_restore() {
    let (_t, api) = api();
    let key = api.call("search", json!({"q": "heinzig"})).unwrap()[0]["key"].as_str().unwrap().to_string();
    let d = api.call("update_field", json!({"key": key, "field": "publisher-place", "value": "Armonk, NY"})).unwrap();
    assert_eq!(d["item"]["publisher-place"], "Armonk, NY");
    let err = api.call("update_field", json!({"key": key, "field": "DOI", "value": "banana"})).unwrap_err();
    assert_eq!(err.code, "invalid_input");
    assert!(err.message.contains("not a DOI"));

    // Reorder and change roles of creators.
    let d = api
        .call("set_creators", json!({"key": key, "creators": [
            {"role": "editor", "family": "Doe", "given": "Jane"},
            {"role": "author", "family": "Heinzig", "given": "Dieter"},
            {"role": "author", "literal": "Institute of Sino-Soviet Studies"}]}))
        .unwrap();
    assert_eq!(d["item"]["author"], json!([{"family": "Heinzig", "given": "Dieter"}, {"literal": "Institute of Sino-Soviet Studies"}]));
    assert_eq!(d["item"]["editor"], json!([{"family": "Doe", "given": "Jane"}]));
    assert_eq!(api.call("set_creators", json!({"key": key, "creators": [{"role": "boss", "family": "X"}]})).unwrap_err().code, "invalid_input");

    assert_eq!(api.call("retag", json!({"key": key, "add": ["alliance", "read"]})).unwrap()["tags"], json!(["alliance", "read"]));
    assert_eq!(api.call("tags", json!({})).unwrap(), json!([{"name": "alliance", "count": 1}, {"name": "read", "count": 1}]));
    let list = api.call("list_keys", json!({"tag": "alliance"})).unwrap();
    assert_eq!(keys(&list), vec![key.clone()]);

    let cols = api.call("create_collection", json!({"path": "Cold War/Sources"})).unwrap();
    let sources = cols.as_array().unwrap().iter().find(|c| c["path"] == "Cold War/Sources").unwrap().clone();
    assert_eq!(sources["name"], "Sources");
    assert_eq!(sources["parent"], cols[0]["key"]);
    let cols = api.call("add_to_collection", json!({"collection": sources["key"], "keys": [key]})).unwrap();
    assert_eq!(cols[1]["count"], 1);
    assert_eq!(keys(&api.call("list_keys", json!({"collection": sources["key"]})).unwrap()), vec![key.clone()]);

    let info = api.call("trash", json!({"keys": [key]})).unwrap();
    assert_eq!((info["count"].as_i64(), info["trash_count"].as_i64()), (Some(12), Some(1)));
    assert_eq!(keys(&api.call("list_keys", json!({"trash": true})).unwrap()), vec![key.clone()]);
    assert_eq!(api.call("get_detail", json!({"key": key})).unwrap()["trashed"], true);
    let info = api.call("restore", json!({"keys": [key]})).unwrap();
    assert_eq!(info["count"], 13);

    let d = api.call("new_item", json!({"type": "article-journal", "title": "New", "fields": [["container-title", "Cold War History"], ["issued", "2001-05"]]})).unwrap();
    assert_eq!(d["item"]["container-title"], "Cold War History");
    assert_eq!(d["parent"]["type"], "periodical");
    assert_eq!(d["item"]["issued"], json!({"date-parts": [[2001, 5]]}));
    let d = api.call("add_note", json!({"key": d["key"], "body": "*hello*"})).unwrap();
    assert_eq!(d["notes"][0]["body"], "*hello*");
}

#[test]
fn errors_are_codes_with_messages() {
    let (_t, api) = api();
    let e = api.call("nope", json!({})).unwrap_err();
    assert_eq!((e.code.as_str(), e.http_status()), ("unknown_command", 404));
    let e = api.call("get_detail", json!({"kee": "x"})).unwrap_err();
    assert_eq!((e.code.as_str(), e.http_status()), ("bad_arguments", 400));
    let e = api.call("get_detail", json!({"key": "ZZZZZZZZ"})).unwrap_err();
    assert_eq!((e.code.as_str(), e.http_status()), ("not_found", 404));
    let e = api.call("import_csl_json", json!({"text": "[{"})).unwrap_err();
    assert_eq!(e.code, "invalid_input");
    let e = api.call("list_keys", json!({"sort": "colour"})).unwrap_err();
    assert_eq!(e.code, "invalid_input");
    // Every listed command is dispatched (none falls through to unknown_command).
    for name in COMMANDS {
        if let Err(e) = api.call(name, json!({})) {
            assert_ne!(e.code, "unknown_command", "{name}");
        }
    }
    // The read-only commands (open over HTTP without the token) are commands,
    // and none of them is one that deletes, edits, imports or writes a file.
    for name in READ_COMMANDS {
        assert!(COMMANDS.contains(name), "{name}");
    }
    for write in ["trash", "update_field", "import_text", "import_csl_json", "save_export", "add_identifiers", "new_item", "paste_notes", "add_auto_export", "remove_auto_export"] {
        assert!(!READ_COMMANDS.contains(&write), "{write}");
    }
}

/// The "Cited works" and "Cited by" tabs: a chapter's notes, each citation
/// with its note, locator and form, and the cited work's side.
#[test]
fn cited_works_and_cited_by() {
    use ibid_core::store::{CitationForm, CitationRow};
    let (t, api) = api();
    let key_of = |q: &str| api.call("search", json!({ "q": q })).unwrap()[0]["key"].as_str().unwrap().to_string();
    let chapter = key_of("10.1007/978-981-13-8641-1_7");
    let goncharov = key_of("uncertain partners");
    let partnership = key_of("sino-soviet partnership");
    let mut lib = ibid_core::Library::open(t.path().join("lib.sqlite")).unwrap();
    let id = |k: &str| lib.resolve(k).unwrap();
    let (c, g, s) = (id(&chapter), id(&goncharov), id(&partnership));
    let row = |note, position, text: &str, cited, locator: &str, form| CitationRow {
        note_number: Some(note),
        position,
        raw_text: text.into(),
        cited,
        locator: Some(locator.into()),
        form,
    };
    lib.set_citations(
        c,
        &[
            row(13, 0, "Goncharov, Lewis, and Xue, Uncertain Partners, p. 101.", Some(g), "p. 101", CitationForm::Short),
            row(5, 0, "Shen and Xia, Mao and the Sino-Soviet Partnership, pp. 12–15.", Some(s), "pp. 12–15", CitationForm::Full),
            row(6, 0, "Shen and Xia, Mao and the Sino-Soviet Partnership, pp. 16–20.", Some(s), "pp. 16–20", CitationForm::Short),
            row(7, 0, "Sergei Goncharov, John Lewis, and Xue Litai, Uncertain Partners, pp. 41–43", Some(g), "pp. 41–43", CitationForm::Full),
            row(7, 1, "Ibid., p. 44.", Some(g), "p. 44", CitationForm::Ibid),
            CitationRow { note_number: Some(9), position: 0, raw_text: "An unmatched note.".into(), cited: None, locator: None, form: CitationForm::Full },
        ],
    )
    .unwrap();

    let d = api.call("get_detail", json!({ "key": chapter })).unwrap();
    assert_eq!((d["cites"].as_i64(), d["cited_by"].as_i64()), (Some(6), Some(0)));
    let cited = api.call("cited_works", json!({ "key": chapter })).unwrap();
    let notes: Vec<_> = cited.as_array().unwrap().iter().map(|c| (c["note"].as_i64().unwrap(), c["position"].as_i64().unwrap())).collect();
    assert_eq!(notes, [(5, 0), (6, 0), (7, 0), (7, 1), (9, 0), (13, 0)], "note order");
    assert_eq!(cited[0]["work"]["key"], partnership.as_str());
    assert_eq!(cited[0]["work"]["creators"], "Shen & Xia");
    assert_eq!(cited[0]["work"]["standalone"], true);
    assert_eq!(cited[3]["form"], "ibid");
    assert_eq!(cited[3]["locator"], "p. 44");
    assert_eq!(cited[4]["work"], Value::Null);
    assert_eq!(cited[4]["text"], "An unmatched note.");

    let g_detail = api.call("get_detail", json!({ "key": goncharov })).unwrap();
    assert_eq!(g_detail["cited_by"], 1, "one work cites it, three times");
    let by = api.call("cited_by", json!({ "key": goncharov })).unwrap();
    assert_eq!(by.as_array().unwrap().len(), 1);
    assert_eq!(by[0]["work"]["key"], chapter.as_str());
    let places: Vec<_> = by[0]["citations"].as_array().unwrap().iter().map(|c| (c["note"].as_i64().unwrap(), c["locator"].as_str().unwrap().to_string())).collect();
    assert_eq!(places, [(7, "pp. 41–43".to_string()), (7, "p. 44".to_string()), (13, "p. 101".to_string())]);

    let err = api.call("cited_works", json!({ "key": "NOPE1234" })).unwrap_err();
    assert_eq!(err.code, "not_found");
}

/// "Paste notes or references" on a work: numbered notes become citations
/// (short forms and "ibid." joined to the full one, locators kept, a work
/// already in the library linked to it); a plain list becomes a reference list.
#[test]
fn paste_notes_on_a_work() {
    let (_t, api) = api();
    let key_of = |q: &str| api.call("search", json!({ "q": q })).unwrap()[0]["key"].as_str().unwrap().to_string();
    let chapter = key_of("10.1007/978-981-13-8641-1_7");
    let partnership = key_of("sino-soviet partnership");
    let notes = "1. For an analysis, see Zhihua Shen and Yafeng Xia, Mao and the Sino-Soviet Partnership, 1945–1959: A New History (Lanham, MD: Lexington Books, 2015), pp. 12–15.\n\
                 2. Ibid., p. 20.\n\
                 3. The delegation also included Wang Jiaxiang.\n\
                 4. Odd Arne Westad, Brothers in Arms: The Rise and Fall of the Sino-Soviet Alliance (Stanford, CA: Stanford University Press, 1998), p. 7.\n\
                 5. Shen and Xia, Mao and the Sino-Soviet Partnership, pp. 28–30.\n";
    let cited = api.call("paste_notes", json!({ "key": chapter, "text": notes })).unwrap();
    let rows: Vec<(i64, String, String)> = cited
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["note"].as_i64().unwrap(), c["form"].as_str().unwrap().to_string(), c["locator"].as_str().unwrap_or("").to_string()))
        .collect();
    assert_eq!(
        rows,
        [(1, "full".into(), "pp. 12–15".into()), (2, "ibid".into(), "p. 20".into()), (4, "full".into(), "p. 7".into()), (5, "short".into(), "pp. 28–30".into())]
    );
    // Shen and Xia are in the library already: all three citations link to that item.
    for i in [0, 1, 3] {
        assert_eq!(cited[i]["work"]["key"], partnership.as_str(), "{}", cited[i]);
    }
    assert_eq!(cited[2]["work"]["standalone"], false, "Westad is a cited-only record");
    assert_eq!(cited[2]["work"]["creators"], "Westad");
    assert_eq!(api.call("get_detail", json!({ "key": partnership })).unwrap()["cited_by"], 1);

    // A list without numbers: one reference per line, replacing the notes.
    let list = "Heinzig, Dieter. The Soviet Union and Communist China, 1945–1950: The Arduous Road to the Alliance. Armonk, NY: M. E. Sharpe, 2004.\n\n\
                Westad, Odd Arne. Brothers in Arms. Stanford, CA: Stanford University Press, 1998.\n";
    let cited = api.call("paste_notes", json!({ "key": chapter, "text": list })).unwrap();
    assert_eq!(cited.as_array().unwrap().len(), 2);
    assert!(cited.as_array().unwrap().iter().all(|c| c["note"].is_null() && c["work"].is_object()), "{cited}");
    assert_eq!(api.call("get_detail", json!({ "key": partnership })).unwrap()["cited_by"], 0, "the notes were replaced");

    let err = api.call("paste_notes", json!({ "key": chapter, "text": "  \n ok \n" })).unwrap_err();
    assert_eq!(err.code, "invalid_input");
}

/// Issue 7: a change made through the API (what the desktop app and `ibid
/// serve` run) refreshes the auto-exports (after the answer, in the
/// background: `flush_auto_exports` waits for it); a read does not write them.
#[test]
fn auto_exports_follow_changes_made_through_the_api() {
    let (t, api) = api();
    let file = t.path().join("refs.ris");
    // An auto-export made by another process (the CLI) on the same library file.
    {
        let mut lib = ibid_core::Library::open(t.path().join("lib.sqlite")).unwrap();
        lib.add_auto_export(file.to_str().unwrap(), "ris", &ibid_core::store::Scope::Library).unwrap();
    }
    api.refresh_auto_exports();
    let first = std::fs::read_to_string(&file).unwrap();
    assert_eq!(first.matches("ER  - ").count(), 13);
    let key = api.call("search", json!({ "q": "uncertain partners" })).unwrap()[0]["key"].as_str().unwrap().to_string();
    let written = std::fs::metadata(&file).unwrap().modified().unwrap();
    api.call("library_info", json!({})).unwrap();
    assert_eq!(std::fs::metadata(&file).unwrap().modified().unwrap(), written, "a read writes nothing");
    api.call("update_field", json!({"key": key, "field": "publisher-place", "value": "Armonk, NY"})).unwrap();
    api.flush_auto_exports();
    let after = std::fs::read_to_string(&file).unwrap();
    assert!(after.contains("CY  - Armonk, NY") && !first.contains("Armonk"), "{after}");
    api.call("trash", json!({"keys": [key]})).unwrap();
    api.flush_auto_exports();
    assert_eq!(std::fs::read_to_string(&file).unwrap().matches("ER  - ").count(), 12);
}

/// Issue 7: the desktop's Settings lists every auto-export — its file,
/// format, scope as a line, entries, when it was written and the last error —
/// and removes one. A target whose folder is gone keeps its error (and its
/// last good time) until a refresh writes the file again.
#[test]
fn auto_exports_are_listed_with_their_time_and_error_and_removed() {
    use ibid_core::store::Scope;
    let (t, api) = api();
    assert!(READ_COMMANDS.contains(&"auto_exports") && !READ_COMMANDS.contains(&"remove_auto_export"));
    let out = t.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let ris = out.join("refs.ris");
    let bib = t.path().join("korea.bib");
    let json_file = t.path().join("korea.json");
    let key = api.call("search", json!({ "q": "uncertain partners" })).unwrap()[0]["key"].as_str().unwrap().to_string();
    api.call("retag", json!({ "key": key, "add": ["korea"] })).unwrap();
    let cols = api.call("create_collection", json!({ "path": "Cold War/Korea" })).unwrap();
    let korea = cols.as_array().unwrap().iter().find(|c| c["path"] == "Cold War/Korea").unwrap()["key"].as_str().unwrap().to_string();
    api.call("add_to_collection", json!({ "collection": korea, "keys": [key] })).unwrap();
    api.flush_auto_exports(); // the refreshes those changes asked for are done (there was nothing to write)
    {
        // Made as `ibid auto-export add` makes them, on the same library file.
        let mut lib = ibid_core::Library::open(t.path().join("lib.sqlite")).unwrap();
        lib.add_auto_export(ris.to_str().unwrap(), "ris", &Scope::Library).unwrap();
        lib.add_auto_export(bib.to_str().unwrap(), "bibtex", &Scope::Tag("korea".into())).unwrap();
        lib.add_auto_export(json_file.to_str().unwrap(), "csl-json", &Scope::Collection(korea.clone())).unwrap();
    }
    let never = api.call("auto_exports", json!({})).unwrap();
    assert_eq!(never[0]["written_at"], Value::Null, "not written yet: {never}");
    assert_eq!(never[0]["entries"], Value::Null);

    let before = now_ms();
    api.refresh_auto_exports();
    let after = now_ms();
    let list = api.call("auto_exports", json!({})).unwrap();
    let list = list.as_array().unwrap();
    let summary: Vec<(String, String, String, i64)> = list
        .iter()
        .map(|a| (a["path"].as_str().unwrap().into(), a["format"].as_str().unwrap().into(), a["scope"].as_str().unwrap().into(), a["entries"].as_i64().unwrap()))
        .collect();
    let p = |f: &std::path::Path| f.to_str().unwrap().to_string();
    assert_eq!(
        summary,
        vec![
            (p(&ris), "ris".into(), "My Library".into(), 13),
            (p(&bib), "bibtex".into(), "Tag: korea".into(), 1),
            (p(&json_file), "csl-json".into(), "Collection: Cold War/Korea".into(), 1),
        ]
    );
    for a in list {
        let at = a["written_at"].as_i64().unwrap();
        assert!((before..=after).contains(&at), "written at {at}, refreshed between {before} and {after}");
        assert_eq!(a["last_error"], Value::Null);
    }
    let first_written = list[0]["written_at"].as_i64().unwrap();

    // The RIS file's folder goes: the next change cannot write it, and says why.
    std::fs::remove_dir_all(&out).unwrap();
    api.call("update_field", json!({"key": key, "field": "publisher-place", "value": "Armonk, NY"})).unwrap();
    api.flush_auto_exports(); // the refresh runs after the answer
    let list = api.call("auto_exports", json!({})).unwrap();
    let error = list[0]["last_error"].as_str().unwrap_or_else(|| panic!("no error kept: {list}"));
    assert!(error.contains(&p(&ris)), "the error names the file: {error}");
    assert_eq!(list[0]["written_at"].as_i64(), Some(first_written), "the last good write's time stays");
    assert_eq!(list[1]["last_error"], Value::Null, "the others were written: {list}");
    assert!(std::fs::read_to_string(&bib).unwrap().contains("Armonk, NY"));

    // The folder is back: the next refresh writes the file and clears the error.
    std::fs::create_dir(&out).unwrap();
    api.call("retag", json!({ "key": key, "add": ["to-read"] })).unwrap();
    api.flush_auto_exports();
    let list = api.call("auto_exports", json!({})).unwrap();
    assert_eq!(list[0]["last_error"], Value::Null, "{list}");
    assert!(list[0]["written_at"].as_i64().unwrap() > first_written);
    assert!(std::fs::read_to_string(&ris).unwrap().contains("CY  - Armonk, NY"));

    // Removing one stops it (the file stays) and answers with the rest.
    let left = api.call("remove_auto_export", json!({ "path": p(&bib) })).unwrap();
    let paths: Vec<&str> = left.as_array().unwrap().iter().map(|a| a["path"].as_str().unwrap()).collect();
    assert_eq!(paths, [p(&ris), p(&json_file)]);
    assert!(bib.exists());
    let e = api.call("remove_auto_export", json!({ "path": p(&bib) })).unwrap_err();
    assert_eq!((e.code.as_str(), e.http_status()), ("not_found", 404));
    let e = api.call("remove_auto_export", json!({})).unwrap_err();
    assert_eq!(e.code, "bad_arguments");
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

/// Issue 7: "Keep this file updated" in the desktop's Export dialog: the
/// file is written at once and kept in step; an existing file needs
/// `overwrite`; a first write that fails keeps nothing.
#[test]
fn add_auto_export_writes_now_and_keeps_the_file_in_step() {
    let (t, api) = api();
    let key = api.call("search", json!({ "q": "uncertain partners" })).unwrap()[0]["key"].as_str().unwrap().to_string();
    api.call("retag", json!({ "key": key, "add": ["korea"] })).unwrap();
    let file = t.path().join("korea.bib");
    let path = file.to_str().unwrap();
    let added = api.call("add_auto_export", json!({ "path": path, "format": "bibtex", "scope": { "tag": "korea" } })).unwrap();
    assert_eq!((&added["path"], &added["format"], &added["scope"], &added["entries"]), (&json!(path), &json!("bibtex"), &json!("Tag: korea"), &json!(1)));
    assert!(added["written_at"].as_i64().is_some() && added["last_error"].is_null(), "{added}");
    assert!(std::fs::read_to_string(&file).unwrap().starts_with("@book{"));
    api.call("update_field", json!({"key": key, "field": "publisher-place", "value": "Armonk, NY"})).unwrap();
    api.flush_auto_exports(); // the refresh runs after the answer
    assert!(std::fs::read_to_string(&file).unwrap().contains("Armonk, NY"), "kept in step");

    let e = api.call("add_auto_export", json!({ "path": path, "format": "ris" })).unwrap_err();
    assert_eq!((e.code.as_str(), e.http_status()), ("exists", 409));
    let replaced = api.call("add_auto_export", json!({ "path": path, "format": "ris", "overwrite": true })).unwrap();
    assert_eq!((&replaced["format"], &replaced["scope"], &replaced["entries"]), (&json!("ris"), &json!("My Library"), &json!(13)));
    assert_eq!(api.call("auto_exports", json!({})).unwrap().as_array().unwrap().len(), 1, "the same path is one auto-export");

    let other = t.path().join("other.json");
    let other = other.to_str().unwrap();
    for (args, code) in [
        (json!({ "path": other, "format": "html" }), "unknown_format"),
        (json!({ "path": other, "format": "csl-json", "scope": { "tag": "no-such-tag" } }), "not_found"),
        (json!({ "path": "refs.bib", "format": "bibtex" }), "invalid_input"),
        (json!({ "path": t.path().join("gone/refs.bib").to_str().unwrap(), "format": "bibtex" }), "io"),
    ] {
        assert_eq!(api.call("add_auto_export", args.clone()).unwrap_err().code, code, "{args}");
    }
    assert_eq!(api.call("auto_exports", json!({})).unwrap().as_array().unwrap().len(), 1, "a refused or failed one is not kept");
}

/// Issue 8: duplicates found, all confident groups merged, undone, a group
/// merged with its chosen survivor, a group dismissed.
#[test]
fn issue_8_duplicates_found_merged_undone_and_dismissed() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("lib.sqlite");
    let items = json!([
        {"type": "article-journal", "title": "Cold War Origins", "author": [{"family": "Smith"}], "DOI": "10.1234/cwo",
         "container-title": "Diplomatic History", "issued": {"date-parts": [[2001]]}},
        {"type": "article-journal", "title": "Cold war origins", "author": [{"family": "Smith"}], "DOI": "10.1234/CWO", "issued": {"date-parts": [[2001]]}},
        {"type": "book", "title": "Stalin's Cold War", "author": [{"family": "Mastny"}], "issued": {"date-parts": [[1996]]}},
        {"type": "book", "title": "Stalin's cold war", "issued": {"date-parts": [[1996]]}},
        {"type": "book", "title": "Unrelated", "issued": {"date-parts": [[1990]]}},
    ]);
    ibid_core::Library::open(&path)
        .unwrap()
        .import_csl_json_with(&items.to_string(), ibid_core::store::OnDuplicate::Add)
        .unwrap();
    let api = Api::open(&path).unwrap();
    assert!(READ_COMMANDS.contains(&"find_duplicates"));
    for write in ["merge_duplicates", "undo_merge", "dismiss_duplicates"] {
        assert!(COMMANDS.contains(&write) && !READ_COMMANDS.contains(&write) && ibid_api::changes_library(write), "{write}");
    }
    let d = api.call("find_duplicates", json!({})).unwrap();
    assert_eq!((d["groups"].as_array().unwrap().len(), &d["confident"], &d["last_merge"]), (2, &json!(1), &Value::Null), "{d}");
    let doi = &d["groups"][0];
    assert_eq!((&doi["confident"], &doi["score"], &doi["reasons"]), (&json!(true), &json!(1.0), &json!(["doi", "title"])));
    assert_eq!(doi["works"][0]["container"], "Diplomatic History");
    assert_eq!((&doi["works"][0]["doi"], &doi["works"][0]["year"], &doi["works"][0]["creators"]), (&json!("10.1234/cwo"), &json!(2001), &json!("Smith")));
    let merged_key = doi["keys"][1].as_str().unwrap().to_string();

    let m = api.call("merge_duplicates", json!({"all_confident": true})).unwrap();
    assert_eq!((&m["groups"], &m["merged"]), (&json!(1), &json!(1)));
    assert_eq!(api.call("library_info", json!({})).unwrap()["count"], 4);
    // The merged work's key opens the work it went into.
    assert_eq!(api.call("get_detail", json!({"key": merged_key})).unwrap()["key"], m["survivors"][0]);
    assert_eq!(api.call("find_duplicates", json!({})).unwrap()["last_merge"], m["batch"]);

    let u = api.call("undo_merge", json!({})).unwrap();
    assert_eq!((&u["batch"], &u["restored"]), (&m["batch"], &json!(1)));
    assert_eq!(api.call("library_info", json!({})).unwrap()["count"], 5);
    assert_eq!(api.call("get_detail", json!({"key": merged_key})).unwrap()["key"], merged_key.as_str());
    assert_eq!(api.call("undo_merge", json!({})).unwrap_err().code, "not_found");

    // One group, the chosen one surviving.
    let stalin = d["groups"][1]["keys"].clone();
    let m = api.call("merge_duplicates", json!({"groups": [{"keys": stalin, "survivor": stalin[1]}]})).unwrap();
    assert_eq!(m["survivors"], json!([stalin[1]]));
    api.call("undo_merge", json!({"batch": m["batch"]})).unwrap();
    // Not duplicates: not offered again.
    assert_eq!(api.call("dismiss_duplicates", json!({"keys": stalin})).unwrap()["keys"], stalin);
    let d = api.call("find_duplicates", json!({})).unwrap();
    assert_eq!(d["groups"].as_array().unwrap().len(), 1);
    assert_eq!(api.call("merge_duplicates", json!({})).unwrap_err().code, "invalid_input");
    assert_eq!(api.call("merge_duplicates", json!({"groups": [{"keys": ["ZZZZZZZZ", stalin[0]]}]})).unwrap_err().code, "not_found");
}

/// The desktop's daily backup (issue 9): written on a thread of its own
/// beside an open API, once a day.
#[test]
fn issue_9_the_daily_backup_is_written_beside_an_open_library_once_a_day() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("library.sqlite");
    let api = ibid_api::Api::open(&path).unwrap();
    let folder = ibid_core::store::backups_dir(&path);
    ibid_api::start_daily_backup(path.clone(), std::time::Duration::ZERO).unwrap().join().unwrap();
    let first = ibid_core::store::list_backups(&folder).unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].kind, ibid_core::store::BackupKind::Daily);
    ibid_api::start_daily_backup(path.clone(), std::time::Duration::ZERO).unwrap().join().unwrap();
    assert_eq!(ibid_core::store::list_backups(&folder).unwrap(), first, "not again the same day");
    drop(api);
}

/// Issue 9: Undo of an import. `undo_import` with the keys `import_text`
/// added: the library as before (counts, Trash, the containers the import
/// made, an auto-export's file), so importing the same works again adds
/// them again; a work changed since goes to the Trash instead.
#[test]
fn issue_9_an_import_is_undone_with_undo_import_and_its_added_keys() {
    let (t, api) = api();
    assert!(COMMANDS.contains(&"undo_import") && !READ_COMMANDS.contains(&"undo_import") && ibid_api::changes_library("undo_import"));
    let file = t.path().join("library.bib");
    api.call("add_auto_export", json!({ "path": file.to_str().unwrap(), "format": "bibtex" })).unwrap();
    let exported = std::fs::read_to_string(&file).unwrap();
    let containers = |t: &tempfile::TempDir| -> i64 {
        let lib = ibid_core::Library::open(t.path().join("lib.sqlite")).unwrap();
        lib.connection().query_row("SELECT count(*) FROM works WHERE standalone = 0", [], |r| r.get(0)).unwrap()
    };
    let containers_before = containers(&t);
    let bib = "@article{petrov1999, author = {Petrov, Ivan}, title = {Harbin Railways Imported}, journal = {China Journal}, year = {1999}}\n\
               @incollection{kuo2005, author = {Kuo, Lin}, title = {Ports of Manchuria Imported}, booktitle = {Imported Essays}, publisher = {Imported Press}, year = {2005}}\n";
    let import = || api.call("import_text", json!({ "text": bib, "name": "wrong.bib" })).unwrap();

    let r = import();
    let added = r["added"].clone();
    assert_eq!(added.as_array().unwrap().len(), 2, "{r}");
    assert_eq!(api.call("library_info", json!({})).unwrap()["count"], 15);
    assert_eq!(containers(&t), containers_before + 1, "the book is new; China Journal was there");
    api.flush_auto_exports();
    assert!(std::fs::read_to_string(&file).unwrap().contains("Harbin Railways Imported"));

    let u = api.call("undo_import", json!({ "keys": added })).unwrap();
    assert_eq!(u, json!({ "removed": 2, "trashed": [], "kept": [], "missing": 0 }));
    let info = api.call("library_info", json!({})).unwrap();
    assert_eq!((&info["count"], &info["trash_count"]), (&json!(13), &json!(0)));
    assert_eq!(containers(&t), containers_before, "the book the import made went with its chapter");
    assert_eq!(api.call("search", json!({ "q": "imported" })).unwrap(), json!([]));
    assert_eq!(api.call("get_detail", json!({ "key": added[0] })).unwrap_err().code, "not_found");
    api.flush_auto_exports();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), exported, "the auto-export as before the import");

    // The same file again: both added again (not skipped as duplicates of
    // works the undo left somewhere). One tagged since: Undo trashes it.
    let r = import();
    assert_eq!(r["added"].as_array().unwrap().len(), 2, "{r}");
    let tagged = r["added"][0].as_str().unwrap();
    api.call("retag", json!({ "key": tagged, "add": ["keep"] })).unwrap();
    let u = api.call("undo_import", json!({ "keys": r["added"] })).unwrap();
    assert_eq!(u, json!({ "removed": 1, "trashed": [tagged], "kept": [], "missing": 0 }));
    let info = api.call("library_info", json!({})).unwrap();
    assert_eq!((&info["count"], &info["trash_count"]), (&json!(13), &json!(1)));
    assert_eq!(api.call("get_detail", json!({ "key": tagged })).unwrap()["trashed"], true);
    assert_eq!(api.call("undo_import", json!({ "keys": r["added"] })).unwrap()["missing"], 1);
    assert_eq!(api.call("undo_import", json!({})).unwrap_err().code, "bad_arguments");
}
