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
