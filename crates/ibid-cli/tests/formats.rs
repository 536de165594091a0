//! `ibid import` and `ibid export` in every format, as real processes on a
//! real library file.

use std::path::Path;
use std::process::{Command, Output};

fn ibid(lib: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ibid")).arg("--library").arg(lib).args(args).env_remove("IBID_LIBRARY").output().expect("run ibid")
}

fn ok(lib: &Path, args: &[&str]) -> String {
    let out = ibid(lib, args);
    assert!(out.status.success(), "ibid {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn fails_with(lib: &Path, args: &[&str], needle: &str) {
    let out = ibid(lib, args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "ibid {args:?} should fail");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains(needle), "ibid {args:?}: expected {needle:?} in {err:?}");
}

fn seed_library(dir: &Path) -> std::path::PathBuf {
    let lib = dir.join("lib.sqlite");
    ok(&lib, &["import", ibid_tests::project_fixture("seed-chapter.csl.json").to_str().unwrap()]);
    lib
}

/// The seed chapter in the shipped springer-link style is byte-identical to
/// the "Cite this chapter" line of its Springer Link page.
#[test]
fn springer_link_style_reproduces_the_seed_page() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = seed_library(tmp.path());
    let text = ok(&lib, &["export", "--format", "text", "--style", "springer-link"]);
    assert_eq!(
        text,
        "Shen, Z. (2020). The Political and Economic Foundations of the Sino-Soviet Alliance, 1948–1949. In: Shen, Z. (eds) A Short History of Sino-Soviet Relations, 1917–1991. China Connections. Palgrave Macmillan, Singapore. https://doi.org/10.1007/978-981-13-8641-1_7\n"
    );
    if let Some(shared) = ibid_tests::shared_fixtures() {
        let page = std::fs::read_to_string(shared.join("../seeds/000_07235ba769ea05ad.txt")).unwrap();
        assert!(page.contains(text.trim_end()), "the line is on the seed page");
    }
    assert!(!text.contains('\u{1b}'), "no terminal colour codes");
}

#[test]
fn export_formats_scopes_and_citation_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = seed_library(tmp.path());
    let key = ok(&lib, &["list", "--json"]).split("\"id\":\"").nth(1).unwrap()[..8].to_string();
    // BibTeX: the chapter as @incollection with its book, editor, series, place.
    let bib = ok(&lib, &["export", "--format", "bibtex"]);
    assert!(bib.starts_with("@incollection{shen2020political,"), "{bib}");
    for field in ["booktitle = {A Short History", "editor = {Shen, Zhihua}", "series = {China Connections}", "address = {Singapore}", "publisher = {Palgrave Macmillan}", "doi = {10.1007/978-981-13-8641-1_7}"] {
        assert!(bib.contains(field), "{field} in {bib}");
    }
    // The key is stored: a new title does not change it.
    ok(&lib, &["edit", &key, "--set", "title=Another title"]);
    assert!(ok(&lib, &["export", "--format", "biblatex"]).starts_with("@incollection{shen2020political,"));
    assert!(ok(&lib, &["show", &key, "--json"]).contains("\"citation-key\": \"shen2020political\""));
    // RIS.
    let ris = ok(&lib, &["export", "--format", "ris"]);
    assert!(ris.starts_with("TY  - CHAP") && ris.contains("T3  - China Connections") && ris.contains("CY  - Singapore"), "{ris}");
    // A citation with a locator.
    assert_eq!(ok(&lib, &["export", "--cite", &format!("{key}:p. 79")]).trim(), "(Shen, 2020, p. 79)");
    // HTML is escaped.
    ok(&lib, &["edit", &key, "--set", "title=<script>alert(1)</script> & more"]);
    let html = ok(&lib, &["export", "--format", "html"]);
    assert!(html.contains("&lt;script&gt;") && !html.contains("<script>"), "{html}");
    // Scopes: a tag, a collection, none found.
    ok(&lib, &["tag", &key, "+alliance"]);
    ok(&lib, &["collection", "add", "Cold War/Sources", &key]);
    assert!(ok(&lib, &["export", "--tag", "alliance", "--format", "ris"]).contains("TY  - CHAP"));
    assert!(ok(&lib, &["export", "--collection", "Cold War/Sources", "--format", "ris"]).contains("TY  - CHAP"));
    fails_with(&lib, &["export", "--tag", "nope"], "no tag \"nope\"");
    fails_with(&lib, &["export", "--style", "no-such-style", "--format", "text"], "unknown style");
    // -o writes the file atomically (nothing else left in the folder).
    let out_dir = tmp.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let file = out_dir.join("refs.bib");
    ok(&lib, &["export", "--format", "bibtex", "-o", file.to_str().unwrap()]);
    assert!(std::fs::read_to_string(&file).unwrap().starts_with("@incollection{shen2020political,"));
    assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), 1);
}

/// Real files: kwarc.bib and the Ovid MEDLINE RIS export import (format
/// sniffed), export, and import again to the same number of works.
#[test]
fn shared_files_import_export_and_import_again() {
    let Some(shared) = ibid_tests::shared_fixtures() else { return };
    let tmp = tempfile::tempdir().unwrap();
    for (file, format, expect_min) in [("large/kwarc.bib", "bibtex", 7_700), ("large/ovid_medline_1_to_1000.ris", "ris", 1_000)] {
        let lib = tmp.path().join(format!("{format}.sqlite"));
        let out = ibid(&lib, &["import", shared.join(file).to_str().unwrap(), "--json"]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let added = v["added"].as_array().unwrap().len();
        assert!(added >= expect_min, "{file}: {added} imported");
        for f in v["failed"].as_array().unwrap() {
            assert!(f["message"].as_str().unwrap().contains("line "), "each failure names its line: {f}");
        }
        let exported = tmp.path().join(format!("again.{format}"));
        ok(&lib, &["export", "--format", format, "-o", exported.to_str().unwrap()]);
        let lib2 = tmp.path().join(format!("{format}-again.sqlite"));
        let out2 = ibid(&lib2, &["import", exported.to_str().unwrap(), "--json"]);
        let v2: serde_json::Value = serde_json::from_slice(&out2.stdout).unwrap();
        assert_eq!(v2["added"].as_array().unwrap().len(), added, "{file}: round trip keeps every work");
        assert!(v2["failed"].as_array().unwrap().is_empty(), "{file}: {}", v2["failed"]);
    }
}

#[test]
fn bad_files_get_a_clear_message() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib.sqlite");
    let write = |name: &str, bytes: &[u8]| {
        let p = tmp.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_str().unwrap().to_string()
    };
    fails_with(&lib, &["import", &write("empty.bib", b"")], "the file is empty");
    fails_with(&lib, &["import", &write("blob.bin", &[0u8, 159, 146, 150, 0, 1, 2, 3])], "binary file");
    fails_with(&lib, &["import", &write("latin1.ris", b"TY  - JOUR\nTI  - Caf\xe9\nER  - \n")], "not UTF-8");
    fails_with(&lib, &["import", &write("notes.txt", b"just some words\n")], "cannot tell the format");
    // Sniffed by content, whatever the extension.
    let out = ok(&lib, &["import", &write("refs.txt", b"@article{a1, title={Sniffed}, author={Doe, Jane}, journal={J}, year=2001}\n")]);
    assert!(out.contains("imported 1 work"), "{out}");
    assert_eq!(ibid(&lib, &["list"]).status.code(), Some(0));
}

/// Importing the same file twice skips every work the second time, and says so.
#[test]
fn a_second_import_of_the_same_file_skips_duplicates() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib.sqlite");
    let sample = ibid_tests::project_fixture("sample-library.csl.json");
    let first = ok(&lib, &["import", sample.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_str(&first).unwrap();
    let n = v["added"].as_array().unwrap().len();
    assert!(n >= 10);
    let again: serde_json::Value = serde_json::from_str(&ok(&lib, &["import", sample.to_str().unwrap(), "--json"])).unwrap();
    assert_eq!(again["added"].as_array().unwrap().len(), 0);
    assert_eq!(again["skipped"].as_array().unwrap().len(), n);
    let text = ok(&lib, &["import", sample.to_str().unwrap()]);
    assert!(text.contains(&format!("{n} duplicate(s) skipped, 0 merged")), "{text}");
    let added: serde_json::Value = serde_json::from_str(&ok(&lib, &["import", sample.to_str().unwrap(), "--on-duplicate", "add", "--json"])).unwrap();
    assert_eq!(added["added"].as_array().unwrap().len(), n);
}

/// Issue 7: an auto-export is written at once and follows an import, an
/// edit, a tag, a delete and a restore, each time equal to what `ibid export`
/// writes for the same scope, with the same citation keys; `rm` stops it.
#[test]
fn issue_7_auto_export_follows_every_change() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib.sqlite");
    ok(&lib, &["import", ibid_tests::project_fixture("sample-library.csl.json").to_str().unwrap()]);
    let bib = tmp.path().join("refs.bib");
    let json = tmp.path().join("cold-war.json");
    let bib_s = bib.to_str().unwrap();
    let said = ok(&lib, &["auto-export", "add", "--format", "bibtex", "--path", bib_s]);
    assert!(said.starts_with("wrote 13 entries to "), "{said}");
    let list: serde_json::Value = serde_json::from_str(&ok(&lib, &["list", "--sort", "title", "--json"])).unwrap();
    let other = list[0]["id"].as_str().unwrap().to_string();
    ok(&lib, &["tag", &other, "+cold-war"]);
    ok(&lib, &["auto-export", "add", "--format", "csl-json", "--path", json.to_str().unwrap(), "--tag", "cold-war"]);
    let same_as_export = |what: &str| {
        let file = std::fs::read_to_string(&bib).unwrap();
        assert_eq!(file, ok(&lib, &["export", "--format", "bibtex"]), "after {what}");
        let tagged: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        let exported: serde_json::Value = serde_json::from_str(&ok(&lib, &["export", "--format", "csl-json", "--tag", "cold-war"])).unwrap();
        assert_eq!(tagged, exported, "after {what}");
        file
    };
    let first = same_as_export("add");
    let keys = |text: &str| text.lines().filter(|l| l.starts_with('@')).map(str::to_string).collect::<Vec<_>>();
    assert_eq!(keys(&first).len(), 13);

    let key = ok(&lib, &["search", "sino sov", "--json"]);
    let key: serde_json::Value = serde_json::from_str(&key).unwrap();
    let key = key[0]["id"].as_str().unwrap().to_string();
    ok(&lib, &["edit", &key, "--set", "publisher-place=Singapore and Cham"]);
    let edited = same_as_export("an edit");
    assert!(edited.contains("Singapore and Cham"));
    assert_eq!(keys(&edited), keys(&first), "citation keys are stable");

    ok(&lib, &["tag", &key, "+cold-war"]);
    let tagged = same_as_export("a tag");
    assert!(std::fs::read_to_string(&json).unwrap().contains("Sino-Soviet Alliance"), "the tag scope took the work in");
    ok(&lib, &["trash", &key]);
    let trashed = same_as_export("a delete");
    assert_eq!(keys(&trashed).len(), 12);
    ok(&lib, &["restore", &key]);
    assert_eq!(same_as_export("a restore"), tagged);
    ok(&lib, &["import", ibid_tests::project_fixture("seed-chapter.csl.json").to_str().unwrap(), "--on-duplicate", "add"]);
    assert_eq!(keys(&same_as_export("an import")).len(), 14);

    let ls: serde_json::Value = serde_json::from_str(&ok(&lib, &["auto-export", "ls", "--json"])).unwrap();
    assert_eq!((ls[0]["entries"].as_i64(), ls[0]["error"].is_null()), (Some(14), true), "{ls}");
    assert_eq!(ls[1]["scope"], serde_json::json!({ "tag": "cold-war" }));

    ok(&lib, &["auto-export", "rm", bib_s]);
    let before = std::fs::read_to_string(&bib).unwrap();
    ok(&lib, &["edit", &key, "--set", "publisher-place=Elsewhere"]);
    assert_eq!(std::fs::read_to_string(&bib).unwrap(), before, "no longer kept in step");
    fails_with(&lib, &["auto-export", "rm", bib_s], "no auto-export to");
    fails_with(&lib, &["auto-export", "add", "--format", "bibtex", "--path", bib_s, "--collection", "No Such"], "no collection");
}
