//! The Crossref REST API mapping (`ibid_resolve::map::crossref`), on every
//! recorded `/works/{doi}` body and list item in `../shared/fixtures`
//! (golden files), on the chapters one by one (book, series, ISBNs,
//! publisher, place as read from the raw JSON), on broken bodies, and on the
//! seed chapter completed from its book's record.

use std::path::{Path, PathBuf};

use ibid_core::csl;
use ibid_core::Work;
use ibid_resolve::map::crossref::{self, container_lookup, fill_container, pick_book, work_from_body, ContainerLookup};
use ibid_resolve::map::Mapped;
use ibid_tests::{golden, project_fixture, shared_fixtures};
use serde_json::Value;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

/// A list item wrapped as `/works/{doi}` returns it (manifest's note).
fn wrap_item(item: &str) -> String {
    format!("{{\"status\":\"ok\",\"message-type\":\"work\",\"message-version\":\"1.0.0\",\"message\":{item}}}")
}

/// The body of one recorded file as `/works/{doi}` would send it.
fn body_of(dir: &str, path: &Path) -> String {
    let text = read(path);
    if dir == "works-from-lists" {
        wrap_item(&text)
    } else {
        text
    }
}

fn raw_message(body: &str) -> Value {
    let v: Value = serde_json::from_str(body).expect("recorded body is JSON");
    v["message"].clone()
}

fn review(m: &Mapped) -> String {
    let mut s = serde_json::to_string_pretty(&m.to_review_json()).expect("serializes");
    s.push('\n');
    s
}

/// Checks that hold for every recorded work; returns what is wrong.
fn invariants(name: &str, raw: &Value, m: &Mapped) -> Vec<String> {
    let mut bad = Vec::new();
    // The DOI is the record's, normalized.
    let want_doi = raw["DOI"].as_str().map(|d| ibid_core::ident::normalize_doi(d).expect("recorded DOI is valid"));
    if m.work.doi != want_doi {
        bad.push(format!("{name}: DOI {:?}, want {want_doi:?}", m.work.doi));
    }
    // Every reference is kept, in order, with text; only empty ones are dropped, with a warning.
    let raw_refs = raw["reference"].as_array().cloned().unwrap_or_default();
    let dropped = m.warnings.iter().filter(|w| w.contains("has nothing to cite by")).count();
    if m.references.len() + dropped != raw_refs.len() {
        bad.push(format!("{name}: {} references + {dropped} dropped, the record has {}", m.references.len(), raw_refs.len()));
    }
    let mut next = 0;
    for r in &m.references {
        if r.text.trim().is_empty() {
            bad.push(format!("{name}: a reference with empty text"));
        }
        // Labels come in the record's order.
        let pos = raw_refs.iter().skip(next).position(|x| x["key"].as_str() == r.label.as_deref());
        match pos {
            Some(p) => next += p + 1,
            None => bad.push(format!("{name}: reference {:?} out of order or unknown", r.label)),
        }
        if let (Some(d), Some(w)) = (&r.doi, &r.work) {
            if w.doi.as_ref() != Some(d) {
                bad.push(format!("{name}: reference {:?}: work DOI differs", r.label));
            }
        }
    }
    // Every valid ISBN and every editor of the record is somewhere in the chain.
    let mut chain: Vec<&Work> = vec![&m.work];
    while let Some(p) = chain.last().and_then(|w| w.parent.as_deref()) {
        chain.push(p);
    }
    for i in raw["ISBN"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        if let Ok(n) = ibid_core::ident::normalize_isbn(i) {
            if !chain.iter().any(|w| w.isbn.contains(&n)) {
                bad.push(format!("{name}: ISBN {n} lost"));
            }
        }
    }
    let editors = raw["editor"].as_array().map(Vec::len).unwrap_or(0);
    let mapped_editors: usize = chain.iter().map(|w| w.creators_in("editor").count()).sum();
    let et_al = m.warnings.iter().filter(|w| w.contains("the other names are not in the record")).count();
    if mapped_editors + et_al != editors {
        bad.push(format!("{name}: {mapped_editors} editors mapped, the record has {editors}"));
    }
    // A chapter always has its book (every recorded chapter names one).
    let raw_type = raw["type"].as_str().unwrap_or("");
    if raw_type == "book-chapter" {
        match m.work.parent.as_deref() {
            Some(b) if b.work_type == "book" && b.title.is_some() => {
                if m.work.creators_in("editor").next().is_some() {
                    bad.push(format!("{name}: editors left on the chapter"));
                }
            }
            _ => bad.push(format!("{name}: chapter without a titled book")),
        }
    }
    if m.work.title.is_none() && !matches!(raw_type, "component") {
        bad.push(format!("{name}: no title"));
    }
    bad
}

#[test]
fn recorded_works_match_golden_files() {
    let Some(shared) = shared_fixtures() else { return };
    let mut failures = Vec::new();
    for (dir, want) in [("works", 85), ("works-from-lists", 313)] {
        let files = json_files(&shared.join("crossref-api").join(dir));
        assert_eq!(files.len(), want, "{dir}: the shared fixtures changed");
        for path in files {
            let stem = path.file_stem().and_then(|s| s.to_str()).expect("utf-8 name").to_string();
            let name = format!("{dir}/{stem}");
            let body = body_of(dir, &path);
            let mapped = match work_from_body(&body) {
                Ok(m) => m,
                Err(e) => {
                    failures.push(format!("{name}: {e}"));
                    continue;
                }
            };
            failures.extend(invariants(&name, &raw_message(&body), &mapped));
            // The same message mapped directly gives the same record.
            let direct = crossref::map_message(&raw_message(&body)).expect("maps");
            if direct != mapped {
                failures.push(format!("{name}: map_message and work_from_body differ"));
            }
            if let Some(diff) = golden(&format!("crossref/{name}.json"), &review(&mapped)) {
                failures.push(diff);
            }
        }
    }
    assert!(failures.is_empty(), "{} problems:\n{}", failures.len(), failures.join("\n"));
}

// ---------------------------------------------------------------------------
// Chapters, one by one: what the book, its series and its identifiers must be,
// as read from each raw record.

struct Book<'a> {
    title: &'a str,
    series: Option<&'a str>,
    series_issn: &'a [&'a str],
    isbn: &'a [&'a str],
    publisher: Option<&'a str>,
    place: Option<&'a str>,
    editors: &'a [&'a str],
}

const NO_BOOK: Book<'static> =
    Book { title: "", series: None, series_issn: &[], isbn: &[], publisher: None, place: None, editors: &[] };

fn load(dir: &str, stem: &str) -> Option<Mapped> {
    let shared = shared_fixtures()?;
    let path = shared.join("crossref-api").join(dir).join(format!("{stem}.json"));
    Some(work_from_body(&body_of(dir, &path)).unwrap_or_else(|e| panic!("{stem}: {e}")))
}

fn check_book(stem: &str, m: &Mapped, want: &Book) {
    let b = m.work.parent.as_deref().unwrap_or_else(|| panic!("{stem}: no book"));
    assert_eq!(b.work_type, "book", "{stem}");
    assert_eq!(b.title.as_deref(), Some(want.title), "{stem}: book title");
    assert_eq!(b.isbn, want.isbn, "{stem}: ISBNs on the book");
    assert_eq!(b.publisher.as_deref(), want.publisher, "{stem}: publisher on the book");
    assert_eq!(b.publisher_place.as_deref(), want.place, "{stem}: place on the book");
    let editors: Vec<&str> = b.creators_in("editor").filter_map(|c| c.family.as_deref()).collect();
    assert_eq!(editors, want.editors, "{stem}: editors on the book");
    assert!(m.work.publisher.is_none() && m.work.isbn.is_empty(), "{stem}: book values left on the chapter");
    match (b.parent.as_deref(), want.series) {
        (Some(s), Some(t)) => {
            assert_eq!(s.work_type, "series", "{stem}");
            assert_eq!(s.title.as_deref(), Some(t), "{stem}: series");
            assert_eq!(s.issn, want.series_issn, "{stem}: series ISSN");
        }
        (None, None) => assert!(b.issn.is_empty() || !want.series_issn.is_empty(), "{stem}"),
        (got, want) => panic!("{stem}: series {:?}, want {want:?}", got.and_then(|s| s.title.as_deref())),
    }
    // The flat item shows them again.
    let flat = csl::flatten(&m.work);
    assert_eq!(flat["container-title"], want.title, "{stem}: flat container-title");
    if let Some(s) = want.series {
        assert_eq!(flat["collection-title"], s, "{stem}: flat collection-title");
    }
}

#[test]
fn springer_briefs_chapter_series_listed_first() {
    let stem = "10.1007_978-3-319-75889-3_1";
    let Some(m) = load("works", stem) else { return };
    check_book(stem, &m, &Book {
        title: "Human Health and Physical Activity During Heat Exposure",
        series: Some("SpringerBriefs in Medical Earth Sciences"),
        series_issn: &["2523-3610", "2523-3629"],
        isbn: &["9783319758886", "9783319758893"],
        publisher: Some("Springer International Publishing"),
        place: Some("Cham"),
        ..NO_BOOK
    });
    assert_eq!(m.work.title.as_deref(), Some("Climate Change and Increasing Risk of Extreme Heat"));
}

#[test]
fn lncs_chapter_series_listed_last() {
    let stem = "10.1007_978-3-642-33191-6_49";
    let Some(m) = load("works", stem) else { return };
    check_book(stem, &m, &Book {
        title: "Advances in Visual Computing",
        series: Some("Lecture Notes in Computer Science"),
        series_issn: &["0302-9743", "1611-3349"],
        isbn: &["9783642331909", "9783642331916"],
        publisher: Some("Springer Berlin Heidelberg"),
        place: Some("Berlin, Heidelberg"),
        ..NO_BOOK
    });
    assert_eq!(m.work.page.as_deref(), Some("499-508"));
    let authors: Vec<&str> = m.work.creators_in("author").filter_map(|c| c.family.as_deref()).collect();
    assert_eq!(authors, ["Chen", "Panin", "Knoll"]);
    let look = container_lookup(&m).expect("no editors: look the book up");
    assert_eq!(look, ContainerLookup {
        doi: Some("10.1007/978-3-642-33191-6".into()),
        isbn: vec!["9783642331909".into(), "9783642331916".into()],
    });
}

#[test]
fn studies_in_fuzziness_chapter_book_with_subtitle() {
    let stem = "10.1007_978-3-642-34922-5_19";
    let Some(m) = load("works", stem) else { return };
    check_book(stem, &m, &Book {
        title: "Soft Computing: State of the Art Theory and Novel Applications",
        series: Some("Studies in Fuzziness and Soft Computing"),
        series_issn: &["1434-9922", "1860-0808"],
        isbn: &["9783642349218", "9783642349225"],
        publisher: Some("Springer Berlin Heidelberg"),
        place: Some("Berlin, Heidelberg"),
        ..NO_BOOK
    });
}

#[test]
fn shoulder_stiffness_chapter_without_series() {
    let stem = "10.1007_978-3-662-46370-3_13";
    let Some(m) = load("works", stem) else { return };
    check_book(stem, &m, &Book {
        title: "Shoulder Stiffness",
        isbn: &["9783662463697", "9783662463703"],
        publisher: Some("Springer Berlin Heidelberg"),
        place: Some("Berlin, Heidelberg"),
        ..NO_BOOK
    });
    assert_eq!(container_lookup(&m).and_then(|l| l.doi).as_deref(), Some("10.1007/978-3-662-46370-3"));
}

#[test]
fn igi_global_chapters_without_isbn_look_up_by_doi() {
    for (stem, title, book_doi) in [
        ("10.4018_978-1-4666-1891-6.ch004", "Graph-Based Methods in Computer Vision", "10.4018/978-1-4666-1891-6"),
        ("10.4018_978-1-4666-9588-7.les2", "Impact of the Model Minority Stereotype on Modern Society", "10.4018/978-1-4666-9588-7"),
    ] {
        let Some(m) = load("works", stem) else { return };
        check_book(stem, &m, &Book { title, publisher: Some("IGI Global"), ..NO_BOOK });
        let look = container_lookup(&m).expect("look the book up");
        assert_eq!(look.doi.as_deref(), Some(book_doi), "{stem}");
        // The ISBN in the DOI is what a search can use.
        assert_eq!(look.isbn.len(), 1, "{stem}");
    }
}

#[test]
fn jaypee_chapter_book_only() {
    let stem = "10.5005_jp_books_12414_3";
    let Some(m) = load("works", stem) else { return };
    check_book(stem, &m, &Book {
        title: "Clinical Methods and Interpretation in Medicine",
        publisher: Some("Jaypee Brothers Medical Publishers (P) Ltd."),
        ..NO_BOOK
    });
    // Nothing in the record to ask with.
    assert_eq!(container_lookup(&m), None);
}

#[test]
fn wiley_chapters_print_isbn_first_place_on_book() {
    for (stem, title, isbn, publisher, book_doi) in [
        ("10.1002_9780470979365.ch2", "Molecular Ecology", &["9780470748343", "9780470979365"][..], "John Wiley & Sons, Ltd", "10.1002/9780470979365"),
        ("10.1002_9780470979365.ch7", "Molecular Ecology", &["9780470748343", "9780470979365"][..], "John Wiley & Sons, Ltd", "10.1002/9780470979365"),
        ("10.1002_9781118015841.ch1", "Microbial Ecology", &["9780470048177", "9781118015841"][..], "John Wiley & Sons, Inc.", "10.1002/9781118015841"),
        ("10.1002_9781118015841.ch5", "Microbial Ecology", &["9780470048177", "9781118015841"][..], "John Wiley & Sons, Inc.", "10.1002/9781118015841"),
        ("10.1002_9781118412787.ch14", "Estuarine Ecology", &[][..], "John Wiley & Sons, Inc.", "10.1002/9781118412787"),
        ("10.1002_9781118412787.ch9", "Estuarine Ecology", &[][..], "John Wiley & Sons, Inc.", "10.1002/9781118412787"),
    ] {
        let Some(m) = load("works-from-lists", stem) else { return };
        let place = if publisher.ends_with("Ltd") { "Chichester, UK" } else { "Hoboken, NJ, USA" };
        check_book(stem, &m, &Book { title, isbn, publisher: Some(publisher), place: Some(place), ..NO_BOOK });
        let look = container_lookup(&m).expect("no editors: look the book up");
        assert_eq!(look.doi.as_deref(), Some(book_doi), "{stem}");
    }
}

#[test]
fn two_title_chapters_and_papers_split_into_book_and_series() {
    let cases: [(&str, Book); 8] = [
        ("10.1007_978-3-031-33148-0_45", Book {
            title: "Mediterranean Architecture and the Green-Digital Transition",
            series: Some("Innovative Renewable Energy"),
            series_issn: &["2522-8927", "2522-8935"],
            isbn: &["9783031331473", "9783031331480"],
            publisher: Some("Springer International Publishing"),
            place: Some("Cham"),
            ..NO_BOOK
        }),
        ("10.1007_bfb0110966", Book {
            title: "Trends in Colloid and Interface Science XI",
            series: Some("Progress in Colloid & Polymer Science"),
            isbn: &["9783798510869"],
            publisher: Some("Steinkopff"),
            place: Some("Darmstadt"),
            ..NO_BOOK
        }),
        ("10.17875_gup2021-1672", Book {
            title: "Of body snatchers and cyberpunks",
            series: Some("Göttinger Schriften zur Englischen Philologie"),
            series_issn: &["2512-6970"],
            publisher: Some("Göttingen University Press"),
            place: Some("Göttingen"),
            ..NO_BOOK
        }),
        ("10.1117_12.2214605", Book {
            title: "Optical Coherence Tomography and Coherence Domain Optical Methods in Biomedicine XX",
            series: Some("SPIE Proceedings"),
            series_issn: &["0277-786X"],
            publisher: Some("SPIE"),
            editors: &["Izatt", "Fujimoto", "Tuchin"],
            ..NO_BOOK
        }),
        ("10.2991_icismme-15.2015.92", Book {
            title: "Proceedings of the First International Conference on Information Sciences, Machinery, Materials and Energy",
            series: Some("Advances in Intelligent Systems Research"),
            series_issn: &["1951-6851"],
            publisher: Some("Atlantis Press"),
            place: Some("Paris, France"),
            ..NO_BOOK
        }),
        ("10.4242_balisagevol23.renear01", Book {
            title: "Proceedings of Balisage: The Markup Conference 2019",
            series: Some("Balisage Series on Markup Technologies"),
            series_issn: &["1947-2609"],
            publisher: Some("Mulberry Technologies, Inc."),
            place: Some("Rockville, Maryland"),
            ..NO_BOOK
        }),
        ("10.4242_balisagevol3.renear01", Book {
            title: "Proceedings of Balisage: The Markup Conference 2009",
            series: Some("Balisage Series on Markup Technologies"),
            series_issn: &["1947-2609"],
            publisher: Some("Mulberry Technologies, Inc."),
            place: Some("Rockville, Maryland"),
            ..NO_BOOK
        }),
        ("10.5744_florida_9780813056371.003.0001", Book {
            title: "Andean Ontologies",
            publisher: Some("University Press of Florida"),
            editors: &["Lozada"],
            ..NO_BOOK
        }),
    ];
    for (stem, want) in &cases {
        let Some(m) = load("works-from-lists", stem) else { return };
        check_book(stem, &m, want);
    }
    // The SPIE volume number is the book's number in its series.
    let Some(spie) = load("works-from-lists", "10.1117_12.2214605") else { return };
    let book = spie.work.parent.as_deref().expect("book");
    assert_eq!(book.extra.get("collection-number"), Some(&Value::from("9697")));
    assert_eq!(spie.work.volume, None);
    // Where nothing tells series from book, the mapping says it guessed.
    let Some(ire) = load("works-from-lists", "10.1007_978-3-031-33148-0_45") else { return };
    assert!(ire.warnings.iter().any(|w| w.contains("took \"Innovative Renewable Energy\" as the series")), "{:?}", ire.warnings);
}

#[test]
fn other_typed_chapter_keeps_book_and_series_as_flat_titles() {
    // AMS Contemporary Mathematics: Crossref type "other", two container titles.
    let Some(m) = load("works-from-lists", "10.1090_conm_280_04622") else { return };
    assert_eq!(m.work.work_type, "document");
    assert_eq!(m.work.extra["container-title"], "Structured Matrices in Mathematics, Computer Science, and Engineering I");
    assert_eq!(m.work.extra["collection-title"], "Contemporary Mathematics");
}

/// Every other recorded chapter, entry and conference paper: the single
/// container title is the book; the record's ISBNs, publisher, place and
/// editors are the book's.
#[test]
fn every_single_title_chapter_has_its_book() {
    let Some(shared) = shared_fixtures() else { return };
    let mut checked = 0;
    for dir in ["works", "works-from-lists"] {
        for path in json_files(&shared.join("crossref-api").join(dir)) {
            let body = body_of(dir, &path);
            let raw = raw_message(&body);
            let t = raw["type"].as_str().unwrap_or("");
            let titles: Vec<&str> = raw["container-title"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            if !matches!(t, "book-chapter" | "reference-entry" | "proceedings-article") || titles.len() != 1 {
                continue;
            }
            let stem = path.file_stem().and_then(|s| s.to_str()).expect("name");
            let m = work_from_body(&body).expect("maps");
            let b = m.work.parent.as_deref().unwrap_or_else(|| panic!("{stem}: no book"));
            let want_title = ibid_resolve::map::jats::inline(titles[0]);
            assert_eq!(b.title.as_deref(), Some(want_title.as_str()), "{stem}");
            let mut want_isbn: Vec<String> = Vec::new();
            for i in raw["ISBN"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                let n = ibid_core::ident::normalize_isbn(i).expect("recorded ISBN");
                if !want_isbn.contains(&n) {
                    want_isbn.push(n);
                }
            }
            let mut got = b.isbn.clone();
            got.sort();
            want_isbn.sort();
            assert_eq!(got, want_isbn, "{stem}: ISBNs");
            assert_eq!(b.publisher.as_deref(), raw["publisher"].as_str(), "{stem}: publisher");
            assert_eq!(b.publisher_place.as_deref(), raw["publisher-location"].as_str(), "{stem}: place");
            assert_eq!(b.creators_in("editor").count(), raw["editor"].as_array().map(Vec::len).unwrap_or(0), "{stem}: editors");
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} single-title chapters checked");
}

// ---------------------------------------------------------------------------
// Other record types, spot checks read from the raw JSON.

#[test]
fn article_journal_periodical_issn_and_abstract() {
    let Some(m) = load("works", "10.1038_srep16696") else { return };
    assert_eq!(m.work.work_type, "article-journal");
    let j = m.work.parent.as_deref().expect("journal");
    assert_eq!(j.work_type, "periodical");
    assert_eq!(j.title.as_deref(), Some("Scientific Reports"));
    assert_eq!(j.issn, ["2045-2322"]);
    assert_eq!(m.work.number.as_deref(), Some("16696"));
    let a = m.work.abstract_text.as_deref().expect("abstract");
    assert!(!a.contains("jats:") && !a.starts_with("Abstract"), "{a}");
}

#[test]
fn preprint_keeps_subtype_and_server() {
    let Some(m) = load("works", "10.1101_097196") else { return };
    assert_eq!(m.work.work_type, "article");
    assert_eq!(m.work.extra["subtype"], "preprint");
    assert_eq!(m.work.publisher.as_deref(), Some("bioRxiv"));
    assert_eq!(m.work.issued.as_ref().map(|d| d.parts.clone()), Some(vec![vec![2016, 12, 28]]));
}

#[test]
fn orcid_affiliation_and_literal_names() {
    let Some(m) = load("works", "10.1055_s-0039-1690894") else { return };
    let c = m.work.creators_in("author").next().expect("author");
    assert_eq!((c.family.as_deref(), c.given.as_deref()), (Some("Cheung"), Some("Chi Wai")));
    assert_eq!(c.extra["ORCID"], "http://orcid.org/0000-0003-4415-0767");
    assert_eq!(c.extra["affiliation"].as_array().map(Vec::len), Some(2));
    let Some(m) = load("works", "10.1186_s13742-015-0103-4") else { return };
    assert!(m.work.creators.iter().any(|c| c.literal.is_some()), "organisation author as a literal name");
}

#[test]
fn wiley_escaped_small_caps_in_titles() {
    let Some(m) = load("works-from-lists", "10.1002_2050-7038.12559_v3_decision1") else { return };
    let t = m.work.title.as_deref().expect("title");
    assert!(t.contains("<sc>cross‐vector</sc>") && !t.contains("&lt;"), "{t}");
}

#[test]
fn journal_issue_and_component_without_titles() {
    let Some(m) = load("works-from-lists", "10.1002_ecy.2017.98.issue-1") else { return };
    assert_eq!(m.work.work_type, "periodical");
    assert_eq!(m.work.title.as_deref(), Some("Ecology"));
    assert_eq!((m.work.volume.as_deref(), m.work.issue.as_deref()), (Some("98"), Some("1")));
    let Some(m) = load("works", "10.1371_journal.pmed.0030277.g001") else { return };
    assert_eq!(m.work.title, None);
    assert!(m.warnings.iter().any(|w| w.contains("no title")));
}

#[test]
fn structured_references_become_works() {
    let Some(m) = load("works", "10.1007_978-3-642-33191-6_49") else { return };
    // 49_CR2: a chapter in ECCV 2004 (LNCS); 49_CR3: an IJCV article.
    let r2 = &m.references[1];
    assert_eq!(r2.label.as_deref(), Some("49_CR2"));
    assert_eq!(r2.doi.as_deref(), Some("10.1007/978-3-540-24670-1_3"));
    // Crossref gives its book (volume-title), series and first page but not its title:
    // a chapter without a title, in the book, in the series.
    let w2 = r2.work.as_ref().expect("work");
    assert_eq!((w2.work_type.as_str(), w2.title.as_deref(), w2.page.as_deref()), ("chapter", None, Some("28")));
    let b2 = w2.parent.as_deref().expect("book");
    assert_eq!(b2.title.as_deref(), Some("Computer Vision - ECCV 2004"));
    assert_eq!(b2.parent.as_deref().and_then(|s| s.title.as_deref()), Some("Lecture Notes in Computer Science"));
    let w3 = m.references[2].work.as_ref().expect("work");
    assert_eq!(w3.work_type, "article-journal");
    assert_eq!(w3.parent.as_deref().and_then(|j| j.title.as_deref()), Some("International Journal of Computer Vision"));
    assert_eq!((w3.volume.as_deref(), w3.page.as_deref()), (Some("75"), Some("247")));
    assert_eq!(w3.year(), Some(2007));
    // 49_CR1: text only.
    assert!(m.references[0].work.is_none() && m.references[0].text.starts_with("Khan, S."));
}

// ---------------------------------------------------------------------------
// Broken bodies.

fn err(body: &str) -> String {
    work_from_body(body).expect_err("must fail").to_string()
}

#[test]
fn truncated_json_is_named() {
    let body = read(&project_fixture("crossref/10.1007_978-981-13-8641-1_7.json"));
    let e = err(&body[..body.len() / 2]);
    assert!(e.contains("truncated JSON"), "{e}");
}

#[test]
fn html_body_is_named() {
    let e = err("<!DOCTYPE html><html><body>Not found</body></html>");
    assert!(e.contains("not JSON") && e.contains("HTML"), "{e}");
    if let Some(shared) = shared_fixtures() {
        let e = err(&read(&shared.join("errors/doi.org_404_text_html.html")));
        assert!(e.contains("HTML"), "{e}");
        let e = err(&read(&shared.join("errors/api.crossref.org_404_text_plain.txt")));
        assert!(e.contains("not valid JSON") && e.contains("Resource not found"), "{e}");
    }
}

#[test]
fn wrong_message_type_is_named() {
    let e = err(r#"{"status":"ok","message-type":"work-list","message":{"items":[]}}"#);
    assert!(e.contains("message-type \"work\"") && e.contains("work-list"), "{e}");
    let e = err(r#"{"status":"ok","message-type":"member","message":{"id":297}}"#);
    assert!(e.contains("\"member\""), "{e}");
}

#[test]
fn failed_status_carries_crossrefs_message() {
    let Some(shared) = shared_fixtures() else { return };
    let e = err(&read(&shared.join("errors/api.crossref.org_400_application_json.json")));
    assert!(e.contains("status \"failed\"") && e.contains("does not support field query parameters"), "{e}");
}

#[test]
fn empty_and_untitled_objects_are_named() {
    let e = err("{}");
    assert!(e.contains("empty JSON object"), "{e}");
    let e = err("");
    assert!(e.contains("empty body"), "{e}");
    let e = err("[1,2]");
    assert!(e.contains("a list"), "{e}");
    let e = err(r#"{"status":"ok","message-type":"work","message":{"type":"journal-article","DOI":"10.1234/x","title":[]}}"#);
    assert!(e.contains("10.1234/x") && e.contains("no title"), "{e}");
    let e = err(r#"{"DOI":"10.1234/x"}"#);
    assert!(e.contains("no \"type\""), "{e}");
}

// ---------------------------------------------------------------------------
// The seed: a Springer chapter record completed from its book's record.

fn seed(name: &str) -> String {
    read(&project_fixture(&format!("crossref/{name}.json")))
}

fn families(w: &Work, role: &str) -> Vec<String> {
    w.creators_in(role).map(|c| format!("{}, {}", c.family.as_deref().unwrap_or(""), c.given.as_deref().unwrap_or(""))).collect()
}

#[test]
fn seed_chapter_completed_from_its_book_record() {
    let mut chapter = work_from_body(&seed("10.1007_978-981-13-8641-1_7")).expect("chapter maps");
    let mut failures: Vec<String> = golden("crossref/seed/chapter.json", &review(&chapter)).into_iter().collect();

    // What the chapter's record alone gives: the book's title, ISBNs and publisher, no editor, place or series.
    let book_of = |m: &Mapped| m.work.parent.as_deref().cloned().expect("book");
    let b = book_of(&chapter);
    assert_eq!(b.title.as_deref(), Some("A Short History of Sino-Soviet Relations, 1917–1991"));
    assert!(b.creators.is_empty() && b.publisher_place.is_none() && b.parent.is_none());

    // So the book is looked up: by its DOI (the chapter's DOI minus "_7", an ISBN of the record) and its ISBNs.
    let look = container_lookup(&chapter).expect("the book needs a lookup");
    assert_eq!(look.doi.as_deref(), Some("10.1007/978-981-13-8641-1"));
    assert_eq!(look.isbn, ["9789811386404", "9789811386411"]);

    // The ISBN search finds the chapter and the book; the book is picked.
    let picked = pick_book(&seed("works_filter_isbn_9789811386411"), &look.isbn).expect("the book is in the list");
    let direct = work_from_body(&seed("10.1007_978-981-13-8641-1")).expect("book maps");
    assert_eq!(picked, direct, "the list item and /works/{{doi}} give the same book");
    failures.extend(golden("crossref/seed/book.json", &review(&direct)));
    assert_eq!(picked.work.doi.as_deref(), look.doi.as_deref());
    assert_eq!(pick_book(&seed("works_filter_isbn_9789811386411"), &["9780000000002".into()]), None);

    fill_container(&mut chapter, &picked);
    failures.extend(golden("crossref/seed/chapter-filled.json", &review(&chapter)));
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    let w = &chapter.work;
    assert_eq!(w.work_type, "chapter");
    assert_eq!(w.title.as_deref(), Some("The Political and Economic Foundations of the Sino-Soviet Alliance, 1948–1949"));
    assert_eq!(families(w, "author"), ["Shen, Zhihua"]);
    assert_eq!(w.doi.as_deref(), Some("10.1007/978-981-13-8641-1_7"));
    assert_eq!(w.year(), Some(2020));
    let b = book_of(&chapter);
    assert_eq!(b.title.as_deref(), Some("A Short History of Sino-Soviet Relations, 1917–1991"));
    assert_eq!(families(&b, "editor"), ["Shen, Zhihua"]);
    assert_eq!(b.publisher.as_deref(), Some("Palgrave Macmillan"));
    assert_eq!(b.publisher_place.as_deref(), Some("Singapore"));
    assert_eq!(b.isbn, ["9789811386404", "9789811386411"]);
    assert_eq!(b.doi.as_deref(), Some("10.1007/978-981-13-8641-1"));
    assert_eq!(b.year(), Some(2020));
    let s = b.parent.as_deref().expect("series");
    assert_eq!((s.work_type.as_str(), s.title.as_deref()), ("series", Some("China Connections")));
    // Complete now: nothing more to look up.
    assert_eq!(container_lookup(&chapter), None);

    // The flat item is the seed chapter as the project's CSL fixture has it (from the same page).
    let flat = csl::flatten(w);
    let fixture: Value = serde_json::from_str(&read(&project_fixture("seed-chapter.csl.json"))).expect("fixture");
    let want = &fixture[0];
    for k in ["title", "container-title", "collection-title", "publisher", "publisher-place", "DOI", "abstract", "issued", "author", "editor"] {
        assert_eq!(flat.get(k), want.get(k), "flat {k}");
    }
    let want_isbn: Vec<String> = want["ISBN"].as_array().expect("ISBN").iter().map(|i| ibid_core::ident::normalize_isbn(i.as_str().unwrap()).unwrap()).collect();
    assert_eq!(flat["ISBN"], serde_json::json!(want_isbn));
    // The abstract is plain text: the JATS title and paragraph tags are gone.
    let a = w.abstract_text.as_deref().expect("abstract");
    assert!(a.starts_with("This chapter discusses") && !a.contains('<'), "{a}");
}

#[test]
fn fill_container_never_overwrites_and_refuses_another_book() {
    let mut chapter = work_from_body(&seed("10.1007_978-981-13-8641-1_7")).expect("chapter");
    let mut book = work_from_body(&seed("10.1007_978-981-13-8641-1")).expect("book");
    // The chapter's own values win.
    chapter.work.parent.as_deref_mut().expect("book").publisher = Some("Springer Singapore".into());
    fill_container(&mut chapter, &book);
    let b = chapter.work.parent.as_deref().expect("book");
    assert_eq!(b.publisher.as_deref(), Some("Springer Singapore"));
    assert_eq!(b.publisher_place.as_deref(), Some("Singapore"));
    // A book with other ISBNs, DOI and title is not used.
    let mut chapter = work_from_body(&seed("10.1007_978-981-13-8641-1_7")).expect("chapter");
    book.work.isbn = vec!["9780470748343".into()];
    book.work.doi = Some("10.1002/9780470979365".into());
    book.work.title = Some("Molecular Ecology".into());
    let before = chapter.work.clone();
    fill_container(&mut chapter, &book);
    assert_eq!(chapter.work, before);
    assert!(chapter.warnings.iter().any(|w| w.contains("does not match")), "{:?}", chapter.warnings);
}

#[test]
fn fill_container_accepts_the_book_the_chapter_doi_names() {
    // The chapter's book known by title only (no ISBNs), the book's record under another title:
    // its DOI is the chapter's DOI without "_7", so it is the book.
    let mut chapter = work_from_body(&seed("10.1007_978-981-13-8641-1_7")).expect("chapter");
    chapter.work.parent.as_deref_mut().expect("book").isbn.clear();
    let mut book = work_from_body(&seed("10.1007_978-981-13-8641-1")).expect("book");
    book.work.title = Some("A Short History of Sino-Soviet Relations".into());
    fill_container(&mut chapter, &book);
    let b = chapter.work.parent.as_deref().expect("book");
    assert_eq!(b.title.as_deref(), Some("A Short History of Sino-Soviet Relations, 1917–1991"), "the chapter's title stays");
    assert_eq!(b.isbn, ["9789811386404", "9789811386411"]);
    assert_eq!(b.doi.as_deref(), Some("10.1007/978-981-13-8641-1"));
    assert!(chapter.warnings.is_empty(), "{:?}", chapter.warnings);
}
