//! Auto-exports (issue 7): the refresh (a one-item change spliced into the
//! file, which stays what `export` writes), the file replaced whole or not
//! at all, a file that is not what was written written again, and the
//! background refresh behind the API's commands.

use std::io::Read;
use std::path::{Path, PathBuf};

use ibid_api::auto_export::refresh_all;
use ibid_api::{Api, AutoExportCounts, ExportArgs};
use ibid_core::store::Scope;
use ibid_core::Library;
use serde_json::json;

/// A library of the sample's 13 works, its file, and the API over it.
fn library() -> (tempfile::TempDir, PathBuf, Api) {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("lib.sqlite");
    let mut lib = Library::open(&path).unwrap();
    let text = std::fs::read_to_string(ibid_tests::project_fixture("sample-library.csl.json")).unwrap();
    assert_eq!(lib.import_csl_json(&text).unwrap().added().count(), 13);
    drop(lib);
    let api = Api::open(&path).unwrap();
    next_ms();
    (tmp, path, api)
}

/// What `export` writes for the whole library in `format`.
fn exported(api: &Api, format: &str) -> String {
    api.export(ExportArgs { scope: Default::default(), format: format.into(), style: None, locale: None, latex: false, limit: None }).unwrap().text
}

fn add(lib: &mut Library, file: &Path, format: &str) {
    lib.add_auto_export(file.to_str().unwrap(), format, &Scope::Library).unwrap();
}

fn key_of(api: &Api, query: &str) -> String {
    api.call("search", json!({ "q": query })).unwrap()[0]["key"].as_str().unwrap().to_string()
}

/// Not in the millisecond of what came before: a refresh re-renders what
/// changed at or after the last refresh started (the store's clock counts
/// milliseconds), so an edit in the millisecond a refresh starts in is
/// rendered by that refresh and again by the next.
fn next_ms() {
    std::thread::sleep(std::time::Duration::from_millis(2));
}

const FORMATS: [(&str, &str); 4] = [("bibtex", "refs.bib"), ("biblatex", "refs-biblatex.bib"), ("csl-json", "refs.json"), ("ris", "refs.ris")];

/// In every format: an edit that makes an entry longer, then shorter, then
/// removes the field re-renders that one entry, splices it into the file,
/// and the file is byte for byte what `export` writes; a refresh with
/// nothing changed writes nothing.
#[test]
fn edits_are_spliced_into_the_file_in_every_format() {
    let (tmp, path, api) = library();
    let mut lib = Library::open(&path).unwrap();
    for (format, name) in FORMATS {
        add(&mut lib, &tmp.path().join(name), format);
    }
    let first = refresh_all(&mut lib);
    assert!(first.iter().all(|r| r.as_ref().is_ok_and(|r| r.written && r.rendered == 13)), "{first:?}");
    let key = key_of(&api, "uncertain partners");
    let id = lib.resolve(&key).unwrap();
    for place in ["Stanford, California, and a much longer place of publication", "CA", ""] {
        next_ms();
        lib.edit(id, &[("publisher-place".to_string(), place.to_string())]).unwrap();
        next_ms();
        for r in refresh_all(&mut lib) {
            let r = r.unwrap();
            assert_eq!((r.written, r.rendered, r.entries), (true, 1, 13), "{r:?}");
        }
        for (format, name) in FORMATS {
            let file = std::fs::read_to_string(tmp.path().join(name)).unwrap();
            assert_eq!(file, exported(&api, format), "{format} after publisher-place = {place:?}");
            assert_eq!(file.contains("much longer place"), place.contains("much longer place"), "{format}");
        }
    }
    next_ms();
    for r in refresh_all(&mut lib) {
        assert_eq!(r.unwrap().written, false, "nothing changed");
    }
}

/// A book's edit re-renders its chapter's entry (the chapter shows the
/// book's fields), not the others.
#[test]
fn a_books_edit_rewrites_its_chapters_entry() {
    let (tmp, path, api) = library();
    let mut lib = Library::open(&path).unwrap();
    let file = tmp.path().join("refs.bib");
    add(&mut lib, &file, "bibtex");
    refresh_all(&mut lib).into_iter().for_each(|r| assert!(r.unwrap().written));
    let chapter = lib.resolve(&key_of(&api, "10.1007/978-981-13-8641-1_7")).unwrap();
    let book = lib.parent_id(chapter).unwrap().expect("the chapter is in its book");
    next_ms();
    lib.edit(book, &[("publisher-place".to_string(), "Singapore and Cham".to_string())]).unwrap();
    let r = refresh_all(&mut lib).remove(0).unwrap();
    assert_eq!((r.written, r.rendered), (true, 1), "the chapter (the book is not an entry of its own)");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("Singapore and Cham"), "{text}");
    assert_eq!(text, exported(&api, "bibtex"));
}

/// The file is replaced, never rewritten in place: a reader that opened it
/// before a refresh reads the old file whole, and the path has the new one.
#[test]
fn a_reader_of_the_old_file_reads_it_whole() {
    let (tmp, path, api) = library();
    let mut lib = Library::open(&path).unwrap();
    let file = tmp.path().join("refs.bib");
    add(&mut lib, &file, "bibtex");
    refresh_all(&mut lib).into_iter().for_each(|r| assert!(r.unwrap().written));
    let old = std::fs::read_to_string(&file).unwrap();
    let mut reader = std::fs::File::open(&file).unwrap();
    let mut head = [0u8; 10];
    reader.read_exact(&mut head).unwrap();
    next_ms();
    let id = lib.resolve(&key_of(&api, "uncertain partners")).unwrap();
    lib.edit(id, &[("note".to_string(), "read while it was replaced".to_string())]).unwrap();
    assert!(refresh_all(&mut lib).remove(0).unwrap().written);
    let mut rest = String::new();
    reader.read_to_string(&mut rest).unwrap();
    assert_eq!(format!("{}{rest}", std::str::from_utf8(&head).unwrap()), old, "the old file, whole");
    let new = std::fs::read_to_string(&file).unwrap();
    assert!(new.contains("read while it was replaced") && new != old);
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().starts_with(".ibid-export-")).collect();
    assert!(leftovers.is_empty(), "no temporary file left: {leftovers:?}");
}

/// A file that is not the one the refresh wrote (cut short, say by a crash
/// before its data reached the disk; or removed) is written whole again
/// from the kept entries at the next refresh, even with nothing changed.
#[test]
fn a_file_cut_short_or_removed_is_written_again() {
    let (tmp, path, api) = library();
    let mut lib = Library::open(&path).unwrap();
    let file = tmp.path().join("refs.ris");
    add(&mut lib, &file, "ris");
    refresh_all(&mut lib).into_iter().for_each(|r| assert!(r.unwrap().written));
    let whole = exported(&api, "ris");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), whole);

    std::fs::OpenOptions::new().write(true).open(&file).unwrap().set_len(100).unwrap();
    next_ms();
    let r = refresh_all(&mut lib).remove(0).unwrap();
    assert_eq!((r.written, r.rendered), (true, 0), "written from the kept entries");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), whole);

    std::fs::write(&file, "").unwrap();
    next_ms();
    assert!(refresh_all(&mut lib).remove(0).unwrap().written);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), whole, "an empty file");

    std::fs::remove_file(&file).unwrap();
    next_ms();
    assert!(refresh_all(&mut lib).remove(0).unwrap().written);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), whole, "a removed file");

    // And an edit after that is spliced into the file written again.
    next_ms();
    let id = lib.resolve(&key_of(&api, "uncertain partners")).unwrap();
    lib.edit(id, &[("publisher-place".to_string(), "Armonk, NY".to_string())]).unwrap();
    assert_eq!(refresh_all(&mut lib).remove(0).unwrap().rendered, 1);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), exported(&api, "ris"));
}

/// Through the API the command answers first and the refresh follows on
/// another thread; `flush_auto_exports` waits for it. Quick edits are
/// served by fewer refreshes than requests, never by none.
#[test]
fn the_api_refreshes_in_the_background_and_flush_waits_for_it() {
    let (tmp, path, api) = library();
    let file = tmp.path().join("refs.bib");
    add(&mut Library::open(&path).unwrap(), &file, "bibtex");
    api.refresh_auto_exports();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), exported(&api, "bibtex"));
    let before = api.auto_export_counts();
    assert_eq!(before, AutoExportCounts { requested: 1, refreshed: 1 });

    let key = key_of(&api, "uncertain partners");
    for i in 0..10 {
        api.call("update_field", json!({ "key": key, "field": "note", "value": format!("edit {i}") })).unwrap();
    }
    api.call("get_detail", json!({ "key": key })).unwrap();
    assert_eq!(api.auto_export_counts().requested, 11, "one request per change, none for a read");
    api.flush_auto_exports();
    let after = api.auto_export_counts();
    assert!(after.refreshed > before.refreshed && after.refreshed <= after.requested, "{after:?}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("edit 9"), "{text}");
    assert_eq!(text, exported(&api, "bibtex"));
    let ae = &Library::open(&path).unwrap().auto_exports().unwrap()[0];
    assert_eq!((ae.entries, ae.last_error.as_deref()), (Some(13), None));
}

/// A background refresh that fails keeps its error with the auto-export
/// (for `ibid auto-export ls` and the desktop); the next one that works
/// clears it and writes the file.
#[test]
fn a_failed_background_refresh_records_its_error() {
    let (tmp, path, api) = library();
    let dir = tmp.path().join("out");
    std::fs::create_dir(&dir).unwrap();
    let file = dir.join("refs.bib");
    add(&mut Library::open(&path).unwrap(), &file, "bibtex");
    api.refresh_auto_exports();
    assert!(file.exists());
    // The folder replaced by a plain file: no temporary file can be made there.
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::write(&dir, "not a folder").unwrap();
    let key = key_of(&api, "uncertain partners");
    api.call("update_field", json!({ "key": key, "field": "note", "value": "cannot be written" })).unwrap();
    api.flush_auto_exports();
    let ae = &Library::open(&path).unwrap().auto_exports().unwrap()[0];
    let error = ae.last_error.as_deref().expect("the error is kept");
    assert!(error.contains(file.to_str().unwrap()), "{error}");

    std::fs::remove_file(&dir).unwrap();
    std::fs::create_dir(&dir).unwrap();
    api.call("update_field", json!({ "key": key, "field": "note", "value": "written again" })).unwrap();
    api.flush_auto_exports();
    let ae = &Library::open(&path).unwrap().auto_exports().unwrap()[0];
    assert_eq!(ae.last_error, None);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("written again"));
    assert_eq!(text, exported(&api, "bibtex"));
}

/// Dropping the API (a shell closing) runs the refreshes asked for first.
#[test]
fn closing_the_api_writes_what_was_asked_for() {
    let (tmp, path, api) = library();
    let file = tmp.path().join("refs.json");
    add(&mut Library::open(&path).unwrap(), &file, "csl-json");
    let key = key_of(&api, "uncertain partners");
    api.call("update_field", json!({ "key": key, "field": "note", "value": "before closing" })).unwrap();
    drop(api);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("before closing"), "{text}");
}

/// `add_identifiers` asks for one refresh, when its job has added the
/// works (not also when the command starts the job: that one found
/// nothing to do), and a flush after the job finished sees the work in the file.
#[test]
fn adding_by_identifier_refreshes_once_when_the_job_ends() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let services = rt.block_on(ibid_tests::services::start(ibid_tests::services::Recorded::project()));
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("lib.sqlite");
    let file = tmp.path().join("refs.bib");
    {
        let mut lib = Library::open(&path).unwrap();
        for key in ["crossref_url", "doi_url", "datacite_url", "openlibrary_url", "arxiv_url", "pubmed_url"] {
            lib.set_setting(key, Some(&services.uri())).unwrap();
        }
        add(&mut lib, &file, "bibtex");
    }
    let api = Api::open(&path).unwrap();
    api.refresh_auto_exports();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "");
    let before = api.auto_export_counts();

    let started = api.call("add_identifiers", json!({ "text": "doi:10.1007/978-981-13-8641-1_7" })).unwrap();
    let job = started["job"].clone();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let done = loop {
        let state = api.call("add_job", json!({ "job": job })).unwrap();
        if state["finished"] == json!(true) {
            break state;
        }
        assert!(std::time::Instant::now() < deadline, "the job did not finish: {state}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(done["results"][0]["outcome"], "added", "{done}");
    api.flush_auto_exports();
    let after = api.auto_export_counts();
    assert_eq!(after.requested, before.requested + 1, "one request, at the job's end");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("@incollection{shen2020political,"), "{text}");
}
