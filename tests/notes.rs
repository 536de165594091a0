//! Issue 6: a saved publisher page into the work, its notes, and the works
//! they cite, linked and stored. The seed page is read from `../shared/seeds`;
//! the acceptance facts are data (`tests/fixtures/notes/seed-expected.json`);
//! the HTML pages are the project's own (`tests/fixtures/pages/`).

use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;

use ibid_core::store::{CitationForm, Scope};
use ibid_core::Library;
use ibid_notes::{LabellerParser, ReadPage};
use ibid_tests::{project_fixture, shared_seed};
use serde_json::Value;

fn expected() -> Value {
    serde_json::from_str(&std::fs::read_to_string(project_fixture("notes/seed-expected.json")).unwrap()).unwrap()
}

fn read_seed() -> Option<ReadPage> {
    let e = expected();
    let path = shared_seed(e["seed"].as_str().unwrap())?;
    Some(ibid_notes::read(&std::fs::read_to_string(path).unwrap(), &LabellerParser))
}

fn read_fixture(name: &str) -> ReadPage {
    ibid_notes::read(&std::fs::read_to_string(project_fixture(&format!("pages/{name}"))).unwrap(), &LabellerParser)
}

/// The last "p. …" / "pp. …" in a citation's text, found independently of
/// the parser's locator rule.
fn printed_locator(text: &str) -> Option<String> {
    static RE: LazyLock<regex::Regex> = LazyLock::new(|| regex::Regex::new(r"pp?\. [0-9][0-9–, ]*[0-9]").unwrap());
    RE.find_iter(text).last().map(|m| m.as_str().to_string())
}

#[test]
fn seed_notes_citations_and_links() {
    let Some(r) = read_seed() else { return };
    let e = expected();
    let notes = &r.notes.notes;
    assert_eq!(notes.len() as u64, e["notes"].as_u64().unwrap());
    assert_eq!(notes.iter().map(|n| n.number).collect::<Vec<_>>(), (1..=notes.len() as u32).collect::<Vec<_>>());
    let empty: Vec<u64> = notes.iter().filter(|n| n.citations.is_empty()).map(|n| n.number as u64).collect();
    let want: Vec<u64> = e["notes_without_citations"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    assert_eq!(empty, want);
    let all: Vec<_> = notes.iter().flat_map(|n| n.citations.iter().map(move |c| (n.number, c))).collect();
    assert_eq!(all.len() as u64, e["citations"].as_u64().unwrap());
    let distinct: BTreeSet<usize> = all.iter().filter_map(|(_, c)| c.work).collect();
    assert_eq!(distinct.len() as u64, e["distinct_works"].as_u64().unwrap());
    assert_eq!(r.notes.works.len(), distinct.len(), "every cited work is cited");

    // Every locator kept.
    for (n, c) in &all {
        assert_eq!(c.locator, printed_locator(&c.text), "note {n}: {}", c.text);
    }
    // The same work across notes is one record.
    for group in e["same_work"].as_array().unwrap() {
        let family = group["family"].as_str().unwrap();
        let starts = group["title_starts"].as_str().unwrap();
        let idx: Vec<usize> = r
            .notes
            .works
            .iter()
            .enumerate()
            .filter(|(_, w)| {
                w.title.as_deref().is_some_and(|t| t.starts_with(starts)) && w.creators.first().and_then(|c| c.family.as_deref()) == Some(family)
            })
            .map(|(i, _)| i)
            .collect();
        assert_eq!(idx.len(), 1, "{family}, {starts}: one record");
        let in_notes: Vec<u64> = all.iter().filter(|(_, c)| c.work == Some(idx[0])).map(|(n, _)| *n as u64).collect();
        let want: Vec<u64> = group["notes"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
        assert_eq!(in_notes, want, "{family}");
        // The first citation is full, the others short.
        let forms: Vec<CitationForm> = all.iter().filter(|(_, c)| c.work == Some(idx[0])).map(|(_, c)| c.form).collect();
        assert_eq!(forms[0], CitationForm::Full, "{family}");
        assert!(forms[1..].iter().all(|f| *f == CitationForm::Short), "{family}: {forms:?}");
    }
    for nw in e["note_works"].as_array().unwrap() {
        let n = notes.iter().find(|n| n.number as u64 == nw["note"].as_u64().unwrap()).unwrap();
        let works: BTreeSet<usize> = n.citations.iter().filter_map(|c| c.work).collect();
        assert_eq!(works.len() as u64, nw["works"].as_u64().unwrap(), "note {}", n.number);
        for i in &works {
            assert_eq!(r.notes.works[*i].work_type, nw["type"].as_str().unwrap(), "note {}", n.number);
            if let Some(c) = nw["container"].as_str() {
                let book = r.notes.works[*i].parent.as_deref().expect("a container");
                assert_eq!(book.title.as_deref(), Some(c));
                assert!(book.publisher.is_some() && book.year().is_some(), "the brief container is completed: {book:?}");
            }
        }
        if let Some(t) = nw["last_text_has"].as_str() {
            assert!(n.citations.last().unwrap().text.contains(t));
        }
    }
}

#[test]
fn seed_page_gives_the_chapter_its_book_and_series() {
    let Some(r) = read_seed() else { return };
    let want: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(project_fixture("seed-chapter.csl.json")).unwrap()).unwrap();
    let item = ibid_core::csl::flatten(&r.page.work);
    for (k, v) in want[0].as_object().unwrap() {
        if k == "id" {
            continue;
        }
        let got = item.get(k).cloned().unwrap_or(Value::Null);
        let v = if k == "ISBN" {
            Value::from(v.as_array().unwrap().iter().map(|i| ibid_core::ident::normalize_isbn(i.as_str().unwrap()).unwrap()).collect::<Vec<_>>())
        } else {
            v.clone()
        };
        assert_eq!(got, v, "{k}");
    }
    assert_eq!(r.page.section.as_deref(), Some("Notes"));
}

#[test]
fn seed_stored_gives_fifteen_cited_works_and_their_chicago_bibliography() {
    let Some(r) = read_seed() else { return };
    let e = expected();
    let tmp = tempfile::tempdir().unwrap();
    let mut lib = Library::open(tmp.path().join("lib.sqlite")).unwrap();
    let imported = ibid_notes::store(&mut lib, &r, None).unwrap();
    let cited = lib.scope_ids(&Scope::CitedBy(imported.work.key.clone())).unwrap();
    assert_eq!(cited.len() as u64, e["distinct_works"].as_u64().unwrap());
    let rows = lib.citations_of(imported.work.id).unwrap();
    assert_eq!(rows.len() as u64, e["citations"].as_u64().unwrap());
    assert!(rows.iter().all(|c| c.cited.is_some()));
    // Cited works are not library items.
    assert_eq!(lib.count().unwrap(), 1);
    let style = ibid_formats::render::style(e["bibliography"]["style"].as_str().unwrap()).unwrap();
    let items = lib.csl_items(&cited).unwrap();
    let entries = ibid_formats::render::bibliography(&items, &style, None, ibid_formats::render::Format::Text).unwrap();
    assert_eq!(entries.len() as u64, e["bibliography"]["entries"].as_u64().unwrap());
    assert!(entries.iter().all(|b| !b.text.trim().is_empty()));
    let left_out = e["bibliography"]["left_out"].as_str().unwrap();
    assert!(items.iter().any(|i| i["title"].as_str().is_some_and(|t| t.contains(left_out))), "a cited work");
    assert!(!entries.iter().any(|b| b.text.contains(left_out)), "but no entry under Chicago 18");
    if let Some(shared) = ibid_tests::shared_fixtures() {
        let path = shared.join(e["bibliography"]["cmos17_style"].as_str().unwrap());
        let cmos17 = ibid_formats::render::style_from_xml("cmos17", &std::fs::read_to_string(path).unwrap()).unwrap();
        let entries = ibid_formats::render::bibliography(&items, &cmos17, None, ibid_formats::render::Format::Text).unwrap();
        assert_eq!(entries.len() as u64, e["bibliography"]["cmos17_entries"].as_u64().unwrap());
    }

    // Importing again matches everything: no second copy of anything.
    let before: i64 = lib.connection().query_row("SELECT count(*) FROM works", [], |r| r.get(0)).unwrap();
    let again = ibid_notes::store(&mut lib, &r, None).unwrap();
    assert!(again.work.matched && again.cited.iter().all(|p| p.matched));
    assert_eq!(again.work.key, imported.work.key);
    let after: i64 = lib.connection().query_row("SELECT count(*) FROM works", [], |r| r.get(0)).unwrap();
    assert_eq!(before, after);
    assert_eq!(lib.citations_of(imported.work.id).unwrap().len(), rows.len(), "citations replaced, not added");
}

#[test]
fn cited_works_are_matched_against_the_library_first() {
    let Some(r) = read_seed() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let mut lib = Library::open(tmp.path().join("lib.sqlite")).unwrap();
    let sample = std::fs::read_to_string(project_fixture("sample-library.csl.json")).unwrap();
    lib.import_csl_json(&sample).unwrap();
    let items: Vec<Value> = serde_json::from_str(&sample).unwrap();
    let before = lib.count().unwrap();
    let imported = ibid_notes::store(&mut lib, &r, None).unwrap();
    assert!(imported.work.matched, "the chapter is in the sample library (same DOI)");
    assert_eq!(lib.count().unwrap(), before, "nothing new becomes a library item");
    // Every sample work other than the chapter is one of its cited works.
    let cited: HashMap<i64, bool> = imported.cited.iter().map(|p| (p.id, p.matched)).collect();
    for item in items.iter().skip(1) {
        let title = item["title"].as_str().unwrap();
        let hit = lib.search(title, 5).unwrap().into_iter().find(|h| lib.csl_item(h.id).unwrap()["title"] == item["title"]);
        let hit = hit.unwrap_or_else(|| panic!("{title} is in the library"));
        assert_eq!(cited.get(&hit.id), Some(&true), "{title}: the note's citation is linked to the library item");
    }
}

#[test]
fn highwire_chapter_page() {
    let r = read_fixture("highwire-chapter.html");
    let item = ibid_core::csl::flatten(&r.page.work);
    assert_eq!(item["type"], "chapter");
    assert_eq!(item["title"], "Harbours and Railways: Port Arthur in Soviet Hands, 1945–1955");
    assert_eq!(item["author"][1], serde_json::json!({"family": "Zhao", "given": "Wenjie"}));
    assert_eq!(item["editor"][0], serde_json::json!({"family": "Okada", "given": "Ken"}));
    assert_eq!(item["container-title"], "Railways and Empire in Northeast Asia");
    assert_eq!(item["collection-title"], "Transport History Studies");
    assert_eq!((&item["publisher"], &item["publisher-place"]), (&Value::from("Palgrave Macmillan"), &Value::from("Cham")));
    assert_eq!(item["ISBN"], serde_json::json!(["9783161484100"]));
    assert_eq!(item["DOI"], "10.5555/example.chapter.7");
    assert_eq!(item["issued"]["date-parts"], serde_json::json!([[2021, 3, 14]]));
    assert_eq!(item["page"], "155–180");
    let n = &r.notes.notes;
    assert_eq!(n.len(), 4);
    assert!(n[0].citations.is_empty());
    assert_eq!(n[1].citations.len(), 2);
    let berg = n[1].citations[1].work;
    assert_eq!((n[2].citations[0].form, n[2].citations[0].work, n[2].citations[0].locator.as_deref()), (CitationForm::Ibid, berg, Some("p. 50")));
    assert_eq!((n[3].citations[0].form, n[3].citations[0].work), (CitationForm::Short, n[1].citations[0].work));
    let article = &r.notes.works[berg.unwrap()];
    assert_eq!(article.work_type, "article-journal");
    assert_eq!(article.parent.as_ref().unwrap().title.as_deref(), Some("Journal of Asian Transport"));
}

#[test]
fn highwire_citation_reference_tags() {
    let r = read_fixture("highwire-references.html");
    assert_eq!(r.page.work.work_type, "article-journal");
    assert_eq!(r.page.work.parent.as_ref().unwrap().title.as_deref(), Some("Journal of Invented Economic History"));
    assert_eq!(r.page.section.as_deref(), Some("citation_reference"));
    let n = &r.notes.notes;
    assert_eq!(n.len(), 3);
    assert!(n.iter().all(|n| n.citations.len() == 1 && n.citations[0].form == CitationForm::Full), "{n:#?}");
    let w: Vec<_> = r.notes.works.iter().map(|w| (w.work_type.as_str(), w.title.as_deref().unwrap_or(""), w.year())).collect();
    assert_eq!(w, [("article-journal", "Coal Exports and the Bloc", Some(1988)), ("book", "Planning the Mines", Some(1975)), ("book", "Fuel and Power", Some(1981))]);
    assert_eq!(r.notes.works[0].doi.as_deref(), Some("10.5555/eq.1988.7.1"));
}

#[test]
fn json_ld_chapter_with_superscript_notes() {
    let r = read_fixture("jsonld-chapter.html");
    let item = ibid_core::csl::flatten(&r.page.work);
    assert_eq!((&item["type"], &item["title"]), (&Value::from("chapter"), &Value::from("The River Treaty of 1951")));
    assert_eq!(item["DOI"], "10.5555/example.river");
    assert_eq!(item["container-title"], "Borders of the Cold War");
    assert_eq!(item["collection-title"], "Cold War Borders");
    assert_eq!(item["editor"][0], serde_json::json!({"family": "Brooks", "given": "Helen"}));
    assert_eq!(item["publisher-place"], "Lanham, MD");
    let n = &r.notes.notes;
    assert_eq!(n.iter().map(|n| n.citations.len()).collect::<Vec<_>>(), [1, 1, 0]);
    assert_eq!(n[1].citations[0].form, CitationForm::Short);
    assert_eq!(n[1].citations[0].work, n[0].citations[0].work);
}

#[test]
fn dublin_core_page_with_bracketed_references() {
    let r = read_fixture("dublin-core.html");
    let w = &r.page.work;
    assert_eq!(w.title.as_deref(), Some("A Report on Rail Gauges"));
    assert_eq!(w.doi.as_deref(), Some("10.5555/iit.2009.3"));
    assert_eq!(w.creators[0].family.as_deref(), Some("Ostrowski"));
    assert_eq!((w.publisher.as_deref(), w.year()), (Some("Institute of Invented Transport"), Some(2009)));
    assert_eq!(r.page.section.as_deref(), Some("References"));
    let n = &r.notes.notes;
    assert_eq!((n[1].citations[0].form, n[1].citations[0].work), (CitationForm::Ibid, Some(0)));
}
