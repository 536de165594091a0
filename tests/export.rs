//! Exports of many works, streamed (`ibid_formats::export::write_works`):
//! the file is the one the in-memory writers give for the same items, in
//! the export's order, whatever order the library is read in.

use ibid_core::store::Scope;
use ibid_core::{csl, export, Library};
use ibid_formats::export::{write_works, FileFormat};
use ibid_formats::{bibtex, citekey, ris};
use serde_json::{json, Value};

const FAMILIES: &[&str] = &["Heinzig", "Shen", "Xia", "Müller", "Garver", "Chen", "Westad", "Zubok", "Radchenko", "Lüthi", "de Vries", "Ōe"];
const WORDS: &[&str] = &["Soviet", "alliance", "Mao", "cold", "war", "Beziehungen", "partnership", "DNA", "iPhone", "history", "China", "road"];

/// `n` works of every shape an export meets: articles in shared journals,
/// chapters in shared books (containers), books, reports; some without a
/// citation key, some with a key another work also has, diacritics and
/// markup in titles.
fn works(n: usize) -> Value {
    let mut items = Vec::with_capacity(n);
    for i in 0..n {
        let w = |k: usize| WORDS[(i * 7 + k * 3) % WORDS.len()];
        let title = format!("{} {} <i>{}</i> {} ({i})", w(0), w(1), w(2), w(3));
        let author = json!([{"family": FAMILIES[i % FAMILIES.len()], "given": "A."}, {"family": FAMILIES[(i / 3) % FAMILIES.len()], "given": "Béa"}]);
        let year = 1940 + (i % 80) as i64;
        let mut item = match i % 4 {
            0 => json!({"type": "article-journal", "title": title, "author": author, "container-title": format!("Journal {}", i % 17),
                        "ISSN": [format!("0030-64{:02}", i % 17)], "volume": (i % 40).to_string(), "page": format!("{}-{}", i % 300, i % 300 + 12),
                        "issued": {"date-parts": [[year, 1 + i % 12]]}, "DOI": format!("10.5555/export.{i}")}),
            1 => json!({"type": "chapter", "title": title, "author": author, "container-title": format!("The Book of {}", w(4)),
                        "editor": [{"family": "Editor", "given": format!("E{}", i % 5)}], "publisher": "Springer", "publisher-place": "Singapore",
                        "ISBN": isbn13(&format!("97898113{:04}", 8600 + (i % 12))), "page": "1-20", "issued": {"date-parts": [[year]]}}),
            2 => json!({"type": "book", "title": title, "author": author, "publisher": "M. E. Sharpe", "issued": {"date-parts": [[year]]},
                        "abstract": "Über die <b>Beziehungen</b> — “quoted” & {braced} 10% $x$."}),
            _ => json!({"type": "report", "title": title, "author": [{"literal": format!("Institute {}", i % 9)}], "number": i.to_string(),
                        "issued": {"date-parts": [[year]]}}),
        };
        // A third have their own key; some of those share it with another work.
        if i % 3 == 0 {
            item["citation-key"] = json!(format!("key{}", i % 600));
        }
        items.push(item);
    }
    Value::Array(items)
}

/// Twelve digits and their ISBN-13 check digit.
fn isbn13(first12: &str) -> String {
    let sum: u32 = first12.chars().enumerate().map(|(i, c)| c.to_digit(10).unwrap() * if i % 2 == 0 { 1 } else { 3 }).sum();
    format!("{first12}{}", (10 - sum % 10) % 10)
}

fn library(n: usize) -> (tempfile::TempDir, Library) {
    let tmp = tempfile::tempdir().unwrap();
    let mut lib = Library::open(tmp.path().join("lib.sqlite")).unwrap();
    let s = lib.import(csl::parse_document(&works(n).to_string()).unwrap()).unwrap();
    assert_eq!(s.failed().count(), 0, "{:?}", s.outcomes.iter().take(3).collect::<Vec<_>>());
    (tmp, lib)
}

fn streamed(lib: &mut Library, ids: &[i64], format: &FileFormat) -> String {
    let mut out = Vec::new();
    let n = write_works(lib, ids, format, &mut out).unwrap();
    assert_eq!(n, ids.len());
    String::from_utf8(out).unwrap()
}

/// Enough works for several rendering threads and batches, in creator
/// order (not row order); and a scope of scattered works, one asked twice.
#[test]
fn issue_8_a_streamed_export_is_the_file_the_items_give() {
    let (_tmp, mut lib) = library(1500);
    let all = lib.scope_ids(&Scope::Library).unwrap();
    assert_eq!(all.len(), 1500);
    let mut sorted = all.clone();
    sorted.sort_unstable();
    assert_ne!(all, sorted, "creator order is not row order, so the stream reorders");
    let few = vec![all[1400], all[3], all[700], all[3], all[42]];

    let bib = FileFormat::from_name("bibtex", false, citekey::DEFAULT_PATTERN).unwrap();
    let without_key = |lib: &Library| -> i64 {
        lib.connection().query_row("SELECT count(*) FROM works WHERE standalone = 1 AND citation_key IS NULL", [], |r| r.get(0)).unwrap()
    };
    assert!(without_key(&lib) > 900, "two thirds come without a key");

    for ids in [&all, &few] {
        // CSL-JSON and RIS: as the whole items give them.
        let items = lib.csl_items(ids).unwrap();
        assert_eq!(streamed(&mut lib, ids, &FileFormat::CslJson), export::csl_json(&items).unwrap());
        assert_eq!(streamed(&mut lib, ids, &FileFormat::Ris), ris::write(&items));
        // BibTeX and BibLaTeX: keys assigned first (and stored), then as
        // the in-memory writer gives them for the keyed items.
        for name in ["bibtex", "biblatex"] {
            let format = FileFormat::from_name(name, name == "bibtex", citekey::DEFAULT_PATTERN).unwrap();
            let got = streamed(&mut lib, ids, &format);
            let generate = |item: &serde_json::Map<String, Value>| citekey::generate(item, citekey::DEFAULT_PATTERN);
            let keyed = lib.items_with_citation_keys(ids, &generate, &citekey::unique).unwrap();
            let FileFormat::Bibtex { opts, .. } = format else { unreachable!() };
            assert_eq!(got, bibtex::write(&keyed, &opts), "{name}");
        }
    }
    assert_eq!(without_key(&lib), 0, "every exported work got a key, stored");
    // Stored keys: the same file again.
    assert_eq!(streamed(&mut lib, &all, &bib), streamed(&mut lib, &all, &bib));
    let text = streamed(&mut lib, &all, &bib);
    assert_eq!(text.matches("\n@").count() + 1, 1500);
    // Keys two works share were told apart (`key5`, `key5a`).
    let keys: Vec<&str> = text.lines().filter(|l| l.starts_with('@')).map(|l| &l[l.find('{').unwrap() + 1..l.len() - 1]).collect();
    let distinct: std::collections::HashSet<&&str> = keys.iter().collect();
    assert_eq!(distinct.len(), keys.len(), "citation keys unique in the file");
    // Nothing asked: an empty file of each kind.
    assert_eq!(streamed(&mut lib, &[], &FileFormat::CslJson), "[]\n");
    assert_eq!(streamed(&mut lib, &[], &FileFormat::Ris), "");
}

/// A work that is gone fails the export with its id; nothing is written.
#[test]
fn issue_8_a_streamed_export_of_a_missing_work_fails_whole() {
    let (_tmp, mut lib) = library(40);
    let mut ids = lib.scope_ids(&Scope::Library).unwrap();
    ids.push(987_654);
    let mut out = Vec::new();
    let err = write_works(&mut lib, &ids, &FileFormat::CslJson, &mut out).unwrap_err();
    assert!(err.to_string().contains("987654"), "{err}");
    assert!(out.is_empty(), "nothing written before every work was read");
}
