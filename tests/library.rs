//! The library's behaviour through its public API, on a real SQLite file.

use ibid_core::store::{CitationForm, CitationRow, Cursor, ListQuery, Sort};
use ibid_core::{csl, Library};
use serde_json::json;

fn lib_with(items: serde_json::Value) -> (tempfile::TempDir, Library, Vec<String>) {
    let tmp = tempfile::tempdir().unwrap();
    let mut lib = Library::open(tmp.path().join("lib.sqlite")).unwrap();
    let s = lib.import(csl::parse_document(&items.to_string()).unwrap()).unwrap();
    assert_eq!(s.failed().count(), 0, "{:?}", s.outcomes);
    let keys = s.added().map(str::to_string).collect();
    (tmp, lib, keys)
}

fn sample() -> serde_json::Value {
    json!([
        {"type": "book", "title": "The Soviet Union and Communist China, 1945–1950: The Arduous Road to the Alliance",
         "author": [{"family": "Heinzig", "given": "Dieter"}], "publisher": "M. E. Sharpe", "publisher-place": "New York",
         "issued": {"date-parts": [[2004]]}},
        {"type": "book", "title": "Mao and the Sino-Soviet Partnership, 1945–1959: A New History",
         "author": [{"family": "Shen", "given": "Zhihua"}, {"family": "Xia", "given": "Yafeng"}],
         "publisher": "Lexington Books", "publisher-place": "Lanham, MD", "issued": {"date-parts": [[2015]]}},
        {"type": "article-journal", "title": "Die Sowjetunion und China", "author": [{"family": "Müller", "given": "Jörg"}],
         "container-title": "Osteuropa", "ISSN": ["0030-6428"], "volume": 12, "issued": {"date-parts": [["1997", "1"]]},
         "abstract": "Über die <i>Beziehungen</i> im Kalten Krieg."},
        {"type": "article-journal", "title": "The Opportunity Costs of Mao's Foreign Policy Choices",
         "author": [{"family": "Garver", "given": "John W."}], "container-title": "China Journal", "issue": "49",
         "page": "127-136", "issued": {"date-parts": [[2003, 1]]}, "DOI": "https://doi.org/10.2307/3182349"},
        {"type": "article-journal", "title": "Response: How to Pursue a Critical History of Mao's Foreign Policy",
         "author": [{"family": "Chen", "given": "Jian"}], "container-title": "China Journal", "issue": "49",
         "issued": {"date-parts": [[2003, 1]]}},
        {"type": "report", "title": "The Sino-Soviet Alliance and China's Entry into the Korean War",
         "author": [{"family": "Chen", "given": "Jian"}], "collection-title": "CWIHP Working Paper", "number": "2",
         "issued": {"date-parts": [[1992]]}}
    ])
}

#[test]
fn search_folds_diacritics_and_matches_prefixes() {
    let (_t, lib, keys) = lib_with(sample());
    let found = |q: &str| lib.search(q, 10).unwrap().into_iter().map(|h| h.key).collect::<Vec<_>>();
    // muller finds Müller; sowjet finds the German title; uber finds Über (abstract).
    assert_eq!(found("muller"), vec![keys[2].clone()]);
    assert_eq!(found("uber"), vec![keys[2].clone()]);
    // "sino sov" finds Sino-Soviet (prefixes, hyphen split), title matches first.
    let hits = found("sino sov");
    assert_eq!(hits.len(), 2, "{hits:?}");
    assert!(hits.contains(&keys[1]) && hits.contains(&keys[5]));
    // Every keystroke prefix of a query gives results.
    for q in ["h", "he", "hei", "hein", "heinz", "heinzi", "heinzig"] {
        assert!(found(q).contains(&keys[0]), "{q}");
    }
    // Year plus title words; container title ("china journal") found too.
    assert_eq!(found("mao 2003").len(), 2);
    let china_journal = found("china journal");
    assert!(china_journal.contains(&keys[3]) && china_journal.contains(&keys[4]), "{china_journal:?}");
    // A DOI in any form, and a key, find the work directly.
    assert_eq!(found("https://doi.org/10.2307/3182349"), vec![keys[3].clone()]);
    assert_eq!(found("10.2307/3182349"), vec![keys[3].clone()]);
    assert_eq!(found(&keys[1]), vec![keys[1].clone()]);
    // FTS syntax in user input is inert.
    assert!(found("\"unbalanced AND (").is_empty());
    assert!(found("NEAR(x y) OR *").is_empty());
    assert!(found("   ").is_empty());
}

/// Issue 7: the palette searches as a DOI is typed, key by key. A DOI's
/// start finds the works whose DOI starts with it, from the DOI index (the
/// full-text index merged every work's "10" and registrant: 50 ms at 1M).
#[test]
fn issue_7_a_doi_being_typed_finds_the_works_it_starts() {
    let (_t, mut lib, keys) = lib_with(json!([
        {"type": "chapter", "title": "Sino-Soviet Relations", "DOI": "10.1007/978-981-13-8641-1_7"},
        {"type": "chapter", "title": "Another Chapter", "DOI": "10.1007/978-3-030-12345-6_2"},
        {"type": "article-journal", "title": "Opportunity Costs", "DOI": "10.2307/3182349"},
        {"type": "article-journal", "title": "Ten Years, 10 Essays"}
    ]));
    let found = |lib: &ibid_core::Library, q: &str| {
        let mut k = lib.search(q, 10).unwrap().into_iter().map(|h| h.key).collect::<Vec<_>>();
        k.sort();
        k
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    for q in ["10.1", "10.10", "10.1007", "10.1007/", "10.1007/978", "DOI:10.1007/978", "https://doi.org/10.1007/97"] {
        assert_eq!(found(&lib, q), sorted(vec![keys[0].clone(), keys[1].clone()]), "{q}");
    }
    assert_eq!(found(&lib, "10.1007/978-981"), vec![keys[0].clone()]);
    assert_eq!(found(&lib, "10.1007/978-981-13-8641-1_7"), vec![keys[0].clone()]);
    assert_eq!(found(&lib, "10.2"), vec![keys[2].clone()]);
    assert!(found(&lib, "10.9").is_empty());
    // Not a DOI's start: the full-text search ("10" is in a title here).
    assert!(found(&lib, "10").contains(&keys[3]));
    // The trash is left out.
    let id = lib.resolve(&keys[1]).unwrap();
    lib.trash(id).unwrap();
    assert_eq!(found(&lib, "10.1007"), vec![keys[0].clone()]);
    // At most `limit`, the exact DOI first.
    let hits = lib.search("10.1007/978-981-13-8641-1_7", 1).unwrap();
    assert_eq!(hits.len(), 1);
}

#[test]
fn a_query_mixing_a_name_and_words_of_the_abstract_matches() {
    let (_t, lib, keys) = lib_with(sample());
    let found = |q: &str| lib.search(q, 10).unwrap().into_iter().map(|h| h.key).collect::<Vec<_>>();
    // "müller" is a creator, "beziehungen" only in the abstract (inside <i>…</i>).
    assert_eq!(found("muller beziehungen"), vec![keys[2].clone()]);
    assert_eq!(found("muller bezieh"), vec![keys[2].clone()], "prefixes work in the long text too");
    // A short last term (still being typed) is left out of the long-text
    // tier, so the query still finds the abstract match.
    assert_eq!(found("kalten k"), vec![keys[2].clone()]);
    assert!(found("muller nonexistentword").is_empty());
}

#[test]
fn title_matches_rank_before_matches_elsewhere() {
    let (_t, lib, keys) = lib_with(sample());
    // "china": three titles have it; two articles only in their journal's title.
    let hits: Vec<String> = lib.search("china", 10).unwrap().into_iter().map(|h| h.key).collect();
    let in_title = [&keys[0], &keys[2], &keys[5]];
    assert_eq!(hits[0..3].iter().filter(|k| in_title.contains(k)).count(), 3, "{hits:?}");
    assert_eq!(hits.len(), 5, "{hits:?}");
}

/// A page after a cursor whose sort value many works share (a bulk change
/// gives 730k works one `modified_at`) reads the rest of the tie by
/// `(value, id)` and then what lies beyond: every work once, in order, both
/// ways, with and without a tag (issue 8: such a page took 30 ms at 1M).
#[test]
fn issue_8_pages_through_long_runs_of_one_sort_value() {
    let items: Vec<_> = (0..137).map(|i| json!({"type": "book", "title": format!("Title {i}")})).collect();
    let (_t, mut lib, keys) = lib_with(json!(items));
    // Three runs of one value each, of 40, 60 and 37 works.
    lib.connection()
        .execute_batch("UPDATE works SET modified_at = CASE WHEN id % 137 < 40 THEN 1000 WHEN id % 137 < 100 THEN 2000 ELSE 3000 END")
        .unwrap();
    let tagged: Vec<i64> = keys.iter().step_by(3).map(|k| lib.resolve(k).unwrap()).collect();
    for id in &tagged {
        lib.retag(*id, &["odd-one".to_string()], &[]).unwrap();
    }
    for tag in [None, Some("odd-one".to_string())] {
        for descending in [false, true] {
            let q = ListQuery { sort: Sort::Modified, descending, tag: tag.clone(), ..Default::default() };
            let all = lib.list(&ListQuery { limit: 1000, ..q.clone() }).unwrap().ids;
            assert_eq!(all.len(), if tag.is_some() { tagged.len() } else { 137 });
            let mut paged = Vec::new();
            let mut after = None;
            loop {
                let page = lib.list(&ListQuery { after, limit: 7, ..q.clone() }).unwrap();
                assert!(page.ids.len() <= 7);
                paged.extend(page.ids);
                match page.next {
                    Some(c) => after = Some(c),
                    None => break,
                }
            }
            assert_eq!(paged, all, "tag {tag:?} desc={descending}");
        }
    }
}

#[test]
fn list_pages_by_keyset_in_every_sort() {
    // 137 works, so pages of 10 end mid-way; same titles to exercise the id tie-break.
    let items: Vec<_> = (0..137)
        .map(|i| json!({"type": "book", "title": format!("Title {}", i % 20), "author": [{"family": format!("Author{:03}", (i * 7) % 137)}],
                        "issued": {"date-parts": [[1900 + (i % 50)]]}}))
        .collect();
    let (_t, lib, _keys) = lib_with(json!(items));
    for sort in [Sort::Title, Sort::Creator, Sort::Year, Sort::Added, Sort::Modified, Sort::Type] {
        for descending in [false, true] {
            let all = lib.list(&ListQuery { sort, descending, limit: 1000, ..Default::default() }).unwrap().ids;
            assert_eq!(all.len(), 137);
            let mut paged = Vec::new();
            let mut after = None;
            loop {
                let page = lib.list(&ListQuery { sort, descending, after, limit: 10, ..Default::default() }).unwrap();
                paged.extend(page.ids);
                match page.next {
                    // The cursor survives its text form, as the CLI prints it.
                    Some(c) => after = Some(Cursor::decode(&c.encode()).unwrap()),
                    None => break,
                }
            }
            assert_eq!(paged, all, "{sort:?} desc={descending}");
            // All keys at once (what the item list virtualizes over) agree with the pages.
            let keys = lib.list_all_keys(&ListQuery { sort, descending, ..Default::default() }).unwrap();
            let paged_keys: String = all.iter().map(|id| lib.key_of(*id).unwrap()).collect();
            assert_eq!(keys, paged_keys, "{sort:?} desc={descending}");
        }
    }
    // The list uses the sort indexes, never a full sort.
    let conn = lib.connection();
    let mut st = conn
        .prepare(
            "EXPLAIN QUERY PLAN SELECT id, sort_title, key FROM works WHERE standalone = 1 AND (sort_title, id) > ('m', 0) \
             AND NOT EXISTS (SELECT 1 FROM trash t WHERE t.work_id = works.id) ORDER BY sort_title, id LIMIT 50",
        )
        .unwrap();
    let plan: String = st.query_map([], |r| r.get::<_, String>(3)).unwrap().map(Result::unwrap).collect::<Vec<_>>().join(" | ");
    assert!(plan.contains("COVERING INDEX works_by_title") && !plan.contains("TEMP B-TREE"), "{plan}");
}

#[test]
fn containers_are_shared_records_matched_by_identifier_or_title() {
    let (_t, mut lib, keys) = lib_with(sample());
    let garver = lib.resolve(&keys[3]).unwrap();
    let chen = lib.resolve(&keys[4]).unwrap();
    let journal = lib.parent_id(garver).unwrap().unwrap();
    assert_eq!(lib.parent_id(chen).unwrap(), Some(journal), "both articles are in one China Journal record");
    assert_eq!(lib.csl_item(journal).unwrap()["type"], "periodical");
    // Containers are records, not listed works.
    assert_eq!(lib.count().unwrap(), 6);
    // A second import with the same ISSN joins the same journal; with a
    // different spelling of its name, the article keeps its own spelling.
    let s = lib
        .import(csl::parse_document(&json!([{"type": "article-journal", "title": "X", "container-title": "OSTEUROPA (Berlin)", "ISSN": "0030-6428"}]).to_string()).unwrap())
        .unwrap();
    let x = lib.resolve(s.added().next().unwrap()).unwrap();
    let mueller = lib.resolve(&keys[2]).unwrap();
    assert_eq!(lib.parent_id(x).unwrap(), lib.parent_id(mueller).unwrap());
    assert_eq!(lib.csl_item(x).unwrap()["container-title"], "OSTEUROPA (Berlin)");
    assert_eq!(lib.csl_item(mueller).unwrap()["container-title"], "Osteuropa");
    // The report's series.
    let report = lib.resolve(&keys[5]).unwrap();
    let series = lib.parent_id(report).unwrap().unwrap();
    assert_eq!(lib.csl_item(series).unwrap()["title"], "CWIHP Working Paper");
    assert_eq!(lib.csl_item(report).unwrap()["collection-title"], "CWIHP Working Paper");
}

#[test]
fn editing_a_book_changes_what_its_chapters_show_and_find() {
    let chapter = std::fs::read_to_string(ibid_tests::project_fixture("seed-chapter.csl.json")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut lib = Library::open(tmp.path().join("lib.sqlite")).unwrap();
    lib.import(csl::parse_document(&chapter).unwrap()).unwrap();
    let ch = lib.resolve("10.1007/978-981-13-8641-1_7").unwrap();
    let book = lib.parent_id(ch).unwrap().unwrap();
    assert_eq!(lib.search("short history", 5).unwrap().len(), 1, "found by its book's title");
    lib.edit(book, &[("title".into(), "A Brief History of Sino-Soviet Relations".into()), ("publisher-place".into(), "Cham".into())])
        .unwrap();
    let item = lib.csl_item(ch).unwrap();
    assert_eq!(item["container-title"], "A Brief History of Sino-Soviet Relations");
    assert_eq!(item["publisher-place"], "Cham");
    assert_eq!(lib.search("brief history", 5).unwrap().len(), 1, "the chapter's index row followed its book");
    assert!(lib.search("short history", 5).unwrap().is_empty());
    // The chapter's date is its book's: it sorts by it, and follows an edit of the book.
    let by_year = |lib: &Library| lib.list(&ListQuery { sort: Sort::Year, limit: 10, ..Default::default() }).unwrap().ids;
    lib.add(csl::split(ibid_core::csl::work_from_csl(&json!({"type": "book", "title": "Later", "issued": {"date-parts": [[2021]]}})).unwrap()).unwrap()).unwrap();
    assert_eq!(by_year(&lib)[0], ch, "2020 (from the book) sorts before 2021");
    lib.edit(book, &[("issued".into(), "2022".into())]).unwrap();
    assert_eq!(by_year(&lib)[1], ch, "after the book moved to 2022, the chapter sorts after 2021");
    // Bad edits are refused and change nothing.
    for (k, v) in [("DOI", "not a doi"), ("ISBN", "978-981-13-8640-5"), ("type", "novel"), ("title", "")] {
        let before = lib.csl_item(ch).unwrap();
        let err = lib.edit(ch, &[(k.into(), v.into())]).unwrap_err();
        assert_eq!(err.code(), "invalid_input", "{k}: {err}");
        assert_eq!(lib.csl_item(ch).unwrap(), before, "{k}");
    }
    // Any other CSL variable is kept.
    lib.edit(ch, &[("chapter-number".into(), "7".into())]).unwrap();
    assert_eq!(lib.csl_item(ch).unwrap()["chapter-number"], "7");
}

#[test]
fn tags_collections_trash_notes_attachments_and_citations() {
    let (tmp, mut lib, keys) = lib_with(sample());
    let heinzig = lib.resolve(&keys[0]).unwrap();
    let shen = lib.resolve(&keys[1]).unwrap();

    lib.retag(heinzig, &["cold war".into(), "to read".into()], &[]).unwrap();
    lib.retag(heinzig, &[], &["to read".into()]).unwrap();
    assert_eq!(lib.tags_of(heinzig).unwrap(), vec!["cold war"]);
    assert_eq!(lib.search("cold war", 5).unwrap()[0].id, heinzig, "tags are searchable");

    let sources = lib.collection("Sino-Soviet/Sources", true).unwrap();
    lib.add_to_collection(sources, &[heinzig, shen]).unwrap();
    let cols = lib.collections().unwrap();
    assert_eq!(cols.iter().map(|c| (c.path.join("/"), c.count)).collect::<Vec<_>>(), vec![("Sino-Soviet".into(), 0), ("Sino-Soviet/Sources".into(), 2)]);
    assert_eq!(lib.collections_of(heinzig).unwrap(), vec!["Sino-Soviet/Sources"]);
    assert_eq!(lib.collection("Sino-Soviet/Sources", false).unwrap(), sources, "found again, not created twice");
    assert_eq!(lib.collection("Nope", false).unwrap_err().code(), "not_found");

    lib.trash(shen).unwrap();
    assert!(lib.search("partnership", 5).unwrap().is_empty(), "trashed works are not found");
    assert_eq!(lib.count().unwrap(), 5);
    assert_eq!(lib.list(&ListQuery { trash: true, limit: 10, ..Default::default() }).unwrap().ids, vec![shen]);
    assert_eq!(lib.collections().unwrap()[1].count, 1);
    lib.restore(shen).unwrap();
    assert_eq!(lib.search("partnership", 5).unwrap()[0].id, shen);
    assert_eq!(lib.restore(shen).unwrap_err().code(), "invalid_input");

    lib.add_note(shen, "Ch. 2 covers **Xibaipo**.").unwrap();
    assert_eq!(lib.notes_of(shen).unwrap()[0].body, "Ch. 2 covers **Xibaipo**.");
    assert_eq!(lib.search("xibaipo", 5).unwrap()[0].id, shen, "notes are searchable");

    let pdf = tmp.path().join("heinzig.pdf");
    std::fs::write(&pdf, b"abc").unwrap();
    lib.attach(heinzig, &pdf).unwrap();
    let att = &lib.attachments_of(heinzig).unwrap()[0];
    assert_eq!(att.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_eq!(att.size, 3);
    assert_eq!(lib.attach(heinzig, &tmp.path().join("missing.pdf")).unwrap_err().code(), "io");

    let rows = vec![
        CitationRow { note_number: Some(7), position: 0, raw_text: "Heinzig, The Soviet Union…, pp. 135–36".into(), cited: Some(heinzig), locator: Some("pp. 135–36".into()), form: CitationForm::Full },
        CitationRow { note_number: Some(10), position: 0, raw_text: "Heinzig, The Soviet Union and Communist China, pp. 174–230".into(), cited: Some(heinzig), locator: Some("pp. 174–230".into()), form: CitationForm::Short },
        CitationRow { note_number: Some(11), position: 0, raw_text: "Ibid., p. 79".into(), cited: None, locator: Some("p. 79".into()), form: CitationForm::Ibid },
    ];
    lib.set_citations(shen, &rows).unwrap();
    assert_eq!(lib.citations_of(shen).unwrap(), rows);
}

#[test]
fn bad_items_are_all_reported_and_good_ones_still_import() {
    let tmp = tempfile::tempdir().unwrap();
    let mut lib = Library::open(tmp.path().join("lib.sqlite")).unwrap();
    let doc = json!([
        {"type": "book", "title": "Good"},
        {"type": "novel", "title": "Bad type", "DOI": "nope", "author": "not a list"},
        "not an object",
        {"title": "No type"},
        {"type": "book", "title": "Bad ISBN", "ISBN": "978-981-13-8640-5"},
        {"type": "book"}
    ]);
    let s = lib.import(csl::parse_document(&doc.to_string()).unwrap()).unwrap();
    assert_eq!(s.added().count(), 1);
    let failed: Vec<(usize, &str)> = s.failed().collect();
    assert_eq!(failed.iter().map(|f| f.0).collect::<Vec<_>>(), vec![1, 2, 3, 4, 5]);
    // All of an item's errors at once.
    assert!(failed[0].1.contains("unknown type \"novel\"") && failed[0].1.contains("not a DOI") && failed[0].1.contains("author"), "{}", failed[0].1);
    assert!(failed[1].1.contains("JSON object"));
    assert!(failed[2].1.contains("missing \"type\""));
    assert!(failed[3].1.contains("ISBN"));
    assert!(failed[4].1.contains("title"));
    // Not CSL-JSON at all: one clear error.
    assert!(csl::parse_document("{\"a\": ").err().expect("bad JSON is an error").to_string().contains("not valid JSON"));
    let err = csl::parse_document("42").err().expect("a number is not CSL-JSON").to_string();
    assert!(err.contains("a list of items or one item, not a number"), "{err}");
}

/// A large import rebuilds the sort indexes at the end: the schema after it
/// is exactly a fresh library's, and every sort is still served by its index.
#[test]
fn a_bulk_import_leaves_the_schema_and_sorts_as_they_were() {
    // A few hundred items, announced as a bulk import (the size hint is what
    // chooses the bulk path): 10k real items took minutes in a debug build.
    let n = 400;
    let bulk = ibid_core::store::BULK_IMPORT;
    let items: Vec<_> = (0..n)
        .map(|i| json!({"type": "book", "title": format!("Book {:05}", n - i), "author": [{"family": format!("A{:05}", i)}],
                        "issued": {"date-parts": [[1900 + (i % 100)]]}}))
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    let fresh = Library::open(tmp.path().join("fresh.sqlite")).unwrap();
    let schema = |lib: &Library| -> Vec<String> {
        let mut st = lib.connection().prepare("SELECT coalesce(sql, name) FROM sqlite_schema ORDER BY name").unwrap();
        st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    let mut lib = Library::open(tmp.path().join("bulk.sqlite")).unwrap();
    let s = lib.import_sized(csl::parse_document(&json!(items).to_string()).unwrap(), bulk).unwrap();
    assert_eq!(s.added().count(), n);
    assert_eq!(schema(&lib), schema(&fresh));
    let first = |sort| lib.list(&ListQuery { sort, limit: 1, ..Default::default() }).unwrap().ids[0];
    assert_eq!(lib.csl_item(first(Sort::Title)).unwrap()["title"], "Book 00001");
    assert_eq!(lib.csl_item(first(Sort::Creator)).unwrap()["author"][0]["family"], "A00000");
    assert_eq!(lib.csl_item(first(Sort::Year)).unwrap()["issued"]["date-parts"][0][0], 1900);
    assert_eq!(lib.search("book 00042", 5).unwrap().len(), 1);
}

/// A resolved chapter whose book is already in the library (here only as a
/// bare container of an imported chapter) completes that book: editors,
/// ISBN, place and series are not lost, and no second book is made.
#[test]
fn a_resolved_record_completes_the_container_it_matches() {
    let (_tmp, mut lib, keys) = lib_with(json!([
        {"type": "chapter", "title": "An earlier chapter", "container-title": "A Short History of Sino-Soviet Relations, 1917–1991",
         "publisher": "Palgrave Macmillan"}
    ]));
    let first = lib.resolve(&keys[0]).unwrap();
    let book = lib.parent_id(first).unwrap().unwrap();
    let full = csl::split(csl::work_from_csl(&json!({
        "type": "chapter", "title": "The Political and Economic Foundations of the Sino-Soviet Alliance, 1948–1949",
        "author": [{"family": "Shen", "given": "Zhihua"}], "editor": [{"family": "Shen", "given": "Zhihua"}],
        "container-title": "A Short History of Sino-Soviet Relations, 1917–1991", "collection-title": "China Connections",
        "publisher": "Palgrave Macmillan", "publisher-place": "Singapore", "ISBN": ["978-981-13-8640-4"],
        "issued": {"date-parts": [[2020]]}, "DOI": "10.1007/978-981-13-8641-1_7"
    })).unwrap()).unwrap();
    let key = lib.add_resolved(full, &[], &[]).unwrap();
    let id = lib.resolve(&key).unwrap();
    assert_eq!(lib.parent_id(id).unwrap(), Some(book), "the same book record");
    let item = lib.csl_item(id).unwrap();
    assert_eq!(item["editor"][0]["family"], "Shen");
    assert_eq!(item["publisher-place"], "Singapore");
    assert_eq!(item["collection-title"], "China Connections");
    assert_eq!(item["ISBN"], json!(["9789811386404"]));
    // The earlier chapter now shows the completed book too.
    let earlier = lib.csl_item(first).unwrap();
    assert_eq!(earlier["publisher-place"], "Singapore");
    assert_eq!(earlier["issued"]["date-parts"][0][0], 2020);
}

/// Export scopes: the library, keys, a tag, a collection by path, a search,
/// and what one work cites (each once).
#[test]
fn export_scopes_select_the_right_works() {
    use ibid_core::store::Scope;
    let (_tmp, mut lib, keys) = lib_with(sample());
    let ids: Vec<i64> = keys.iter().map(|k| lib.resolve(k).unwrap()).collect();
    let (a, b, c) = (ids[0], ids[1], ids[2]);
    lib.retag(a, &["cold-war".to_string()], &[]).unwrap();
    let col = lib.collection("Cold War/Alliance", true).unwrap();
    lib.add_to_collection(col, &[b, c]).unwrap();
    let rows = [a, b, a, c].iter().enumerate().map(|(i, cited)| CitationRow {
        note_number: Some(i as i64 + 1), position: 0, raw_text: format!("note {i}"), cited: Some(*cited), locator: None, form: CitationForm::Full,
    }).collect::<Vec<_>>();
    let citing = ids[5];
    lib.set_citations(citing, &rows).unwrap();
    assert_eq!(lib.scope_ids(&Scope::Library).unwrap().len(), 6);
    // The library in the list's creator order, without the trash.
    let by_creator = |lib: &Library| lib.list(&ListQuery { sort: Sort::Creator, limit: 100, ..Default::default() }).unwrap().ids;
    assert_eq!(lib.scope_ids(&Scope::Library).unwrap(), by_creator(&lib));
    lib.trash(c).unwrap();
    let without = lib.scope_ids(&Scope::Library).unwrap();
    assert_eq!((without.len(), without.contains(&c)), (5, false));
    assert_eq!(without, by_creator(&lib));
    assert_eq!(lib.scope_ids(&Scope::Collection("Cold War/Alliance".into())).unwrap(), vec![b], "nor in a collection");
    lib.restore(c).unwrap();
    assert_eq!(lib.scope_ids(&Scope::Keys(vec![keys[1].clone()])).unwrap(), vec![b]);
    assert_eq!(lib.scope_ids(&Scope::Tag("cold-war".into())).unwrap(), vec![a]);
    let mut in_col = lib.scope_ids(&Scope::Collection("Cold War/Alliance".into())).unwrap();
    in_col.sort();
    assert_eq!(in_col, { let mut v = vec![b, c]; v.sort(); v });
    assert_eq!(lib.scope_ids(&Scope::CitedBy(keys[5].clone())).unwrap(), vec![a, b, c], "each cited work once, in citation order");
    assert!(lib.scope_ids(&Scope::Search("heinzig".into())).unwrap().contains(&a));
    assert_eq!(lib.scope_ids(&Scope::Collection("No/Such".into())).unwrap_err().code(), "not_found");
    assert_eq!(lib.scope_ids(&Scope::Tag("nope".into())).unwrap_err().code(), "not_found");
}

/// Citation keys are assigned once, made unique, stored, searchable, and
/// never changed afterwards.
#[test]
fn citation_keys_are_assigned_once_and_unique() {
    let (_tmp, mut lib, keys) = lib_with(sample());
    let ids: Vec<i64> = keys.iter().map(|k| lib.resolve(k).unwrap()).collect();
    // A pattern that collides on purpose: every work gets base "same".
    let generate = |_: &serde_json::Map<String, serde_json::Value>| "same".to_string();
    let unique = |base: &str, taken: &dyn Fn(&str) -> bool| {
        if !taken(base) { return base.to_string(); }
        (b'a'..=b'z').map(|c| format!("{base}{}", c as char)).find(|k| !taken(k)).unwrap()
    };
    let items = lib.items_with_citation_keys(&ids, &generate, &unique).unwrap();
    let got: Vec<&str> = items.iter().map(|i| i["citation-key"].as_str().unwrap()).collect();
    assert_eq!(got, ["same", "samea", "sameb", "samec", "samed", "samee"]);
    assert!(lib.citation_key_taken("sameb").unwrap());
    assert_eq!(lib.search("samec", 5).unwrap()[0].key, keys[3]);
    // Again, with another pattern: nothing changes.
    let other = |_: &serde_json::Map<String, serde_json::Value>| "other".to_string();
    let again = lib.items_with_citation_keys(&ids, &other, &unique).unwrap();
    let got2: Vec<&str> = again.iter().map(|i| i["citation-key"].as_str().unwrap()).collect();
    assert_eq!(got, got2);
}

/// Duplicates on import: the same DOI, the same book ISBN, or the same
/// title, year and first creator are skipped (the default), merged (empty
/// fields filled), or added anyway — within one file and against the library.
#[test]
fn duplicates_are_skipped_merged_or_added() {
    use ibid_core::store::{ImportOutcome, OnDuplicate};
    let (_tmp, mut lib, keys) = lib_with(sample());
    let before = lib.count().unwrap();
    let incoming = json!([
        // Garver's article again by DOI (another title spelling), with a volume the library lacks.
        {"type": "article-journal", "title": "Opportunity costs of Mao’s foreign policy choices", "DOI": "10.2307/3182349", "volume": "49"},
        // Heinzig's book again by title, year and author (no identifiers), with an ISBN.
        {"type": "book", "title": "The Soviet Union and Communist China, 1945-1950: the arduous road to the alliance",
         "author": [{"family": "Heinzig", "given": "D."}], "issued": {"date-parts": [[2004]]}, "ISBN": ["0-7656-0785-9"]},
        // New, then the same again within the file.
        {"type": "book", "title": "Brothers in Arms", "author": [{"family": "Westad", "given": "Odd Arne"}], "issued": {"date-parts": [[1998]]}},
        {"type": "book", "title": "Brothers in arms", "author": [{"family": "Westad", "given": "O. A."}], "issued": {"date-parts": [[1998]]}},
    ]);
    let parse = || csl::parse_document(&incoming.to_string()).unwrap().collect::<Vec<_>>();
    let s = lib.import_with(parse(), 4, OnDuplicate::Skip).unwrap();
    let kinds: Vec<&str> = s.outcomes.iter().map(|o| match o {
        ImportOutcome::Added { .. } => "added", ImportOutcome::Skipped { .. } => "skipped",
        ImportOutcome::Merged { .. } => "merged", ImportOutcome::Failed { .. } => "failed",
    }).collect();
    assert_eq!(kinds, ["skipped", "skipped", "added", "skipped"], "{:?}", s.outcomes);
    assert_eq!(s.skipped().next(), Some((0, keys[3].as_str())), "the DOI match names the existing work");
    assert_eq!(lib.count().unwrap(), before + 1);
    // Merge fills what the library lacked, without overwriting.
    let s = lib.import_with(parse(), 4, OnDuplicate::Merge).unwrap();
    assert_eq!(s.merged().count(), 4, "{:?}", s.outcomes);
    let garver = lib.csl_item(lib.resolve(&keys[3]).unwrap()).unwrap();
    assert_eq!(garver["volume"], "49");
    assert_eq!(garver["title"], "The Opportunity Costs of Mao's Foreign Policy Choices", "not overwritten");
    let heinzig = lib.csl_item(lib.resolve(&keys[0]).unwrap()).unwrap();
    assert_eq!(heinzig["ISBN"], json!(["9780765607850"]));
    assert_eq!(lib.count().unwrap(), before + 1);
    // Add: everything goes in.
    let s = lib.import_with(parse(), 4, OnDuplicate::Add).unwrap();
    assert_eq!(s.added().count(), 4);
    assert_eq!(lib.count().unwrap(), before + 5);
}

/// The sidebar's counts are kept by triggers (migration 0011): after every
/// kind of change to tags, collections or the trash, and after rows are
/// moved or deleted underneath (a merge, a work deleted for good), they
/// equal a fresh count of the membership rows.
#[test]
fn issue_8_sidebar_counts_match_a_fresh_count_after_every_change() {
    let (_tmp, mut lib, keys) = lib_with(sample());
    let ids: Vec<i64> = keys.iter().map(|k| lib.resolve(k).unwrap()).collect();
    let (a, b, c) = (ids[0], ids[1], ids[2]);
    fn check(lib: &Library, step: &str) {
        let conn = lib.connection();
        let fresh_tags: Vec<(String, i64)> = conn
            .prepare(
                "SELECT t.name, count(*) FROM tags t JOIN work_tags wt ON wt.tag_id = t.id \
                 WHERE NOT EXISTS (SELECT 1 FROM trash WHERE work_id = wt.work_id) GROUP BY t.id ORDER BY t.name",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(lib.tags().unwrap(), fresh_tags, "tags after {step}");
        let fresh_cols: Vec<(String, i64)> = conn
            .prepare(
                "SELECT c.key, (SELECT count(*) FROM collection_items ci WHERE ci.collection_id = c.id \
                 AND NOT EXISTS (SELECT 1 FROM trash WHERE work_id = ci.work_id)) FROM collections c ORDER BY c.key",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut cols: Vec<(String, i64)> = lib.collections().unwrap().into_iter().map(|c| (c.key, c.count)).collect();
        cols.sort();
        assert_eq!(cols, fresh_cols, "collections after {step}");
        // No count row is left negative or counts rows that are gone.
        let bad: i64 = conn
            .query_row("SELECT count(*) FROM tag_counts WHERE n < 0 OR n > (SELECT count(*) FROM work_tags WHERE tag_id = tag_counts.tag_id)", [], |r| r.get(0))
            .unwrap();
        assert_eq!(bad, 0, "tag count rows after {step}");
    }
    let s = |v: &[&str]| v.iter().map(|t| t.to_string()).collect::<Vec<_>>();
    check(&lib, "nothing");
    lib.retag(a, &s(&["cold-war", "alliance"]), &[]).unwrap();
    lib.retag(b, &s(&["cold-war"]), &[]).unwrap();
    lib.retag(b, &s(&["cold-war"]), &[]).unwrap(); // already there: ignored
    check(&lib, "tagging");
    let top = lib.collection("Cold War", true).unwrap();
    let sub = lib.collection("Cold War/Alliance", true).unwrap();
    lib.add_to_collection(top, &[a, b, c]).unwrap();
    lib.add_to_collection(sub, &[b, c]).unwrap();
    lib.add_to_collection(sub, &[b]).unwrap(); // already there: ignored
    check(&lib, "collecting");
    lib.trash(b).unwrap();
    lib.trash(b).unwrap(); // already in the trash: ignored
    check(&lib, "trash");
    lib.retag(b, &s(&["in-trash"]), &s(&["cold-war"])).unwrap();
    lib.add_to_collection(top, &[b]).unwrap();
    lib.remove_from_collection(sub, &[b]).unwrap();
    check(&lib, "changes to a work in the trash");
    lib.restore(b).unwrap();
    check(&lib, "restore");
    lib.retag(a, &[], &s(&["alliance"])).unwrap(); // the tag's last work: the tag goes
    lib.remove_from_collection(top, &[a]).unwrap();
    check(&lib, "untagging and removing");
    // A merge moves memberships from one work to another.
    let conn = lib.connection();
    conn.execute("UPDATE work_tags SET work_id = ?2 WHERE work_id = ?1", [b, a]).unwrap();
    conn.execute("UPDATE OR IGNORE collection_items SET work_id = ?2 WHERE work_id = ?1", [c, a]).unwrap();
    check(&lib, "moving memberships");
    conn.execute("INSERT INTO trash (work_id, trashed_at) VALUES (?1, 0)", [a]).unwrap();
    conn.execute("UPDATE trash SET work_id = ?2 WHERE work_id = ?1", [a, c]).unwrap();
    check(&lib, "moving a trash row");
    // Deleted for good: a work in the trash, and one outside it.
    conn.execute("DELETE FROM works WHERE id = ?1", [c]).unwrap();
    check(&lib, "deleting a trashed work");
    conn.execute("DELETE FROM works WHERE id = ?1", [a]).unwrap();
    check(&lib, "deleting a work");
    lib.delete_collection(top).unwrap();
    check(&lib, "deleting a collection with one inside it");
}

/// A bulk import that fails halfway (here a trigger aborts the 201st of
/// 400 works) leaves nothing behind: no works, no index rows, the sort indexes
/// and the search index's settings as they were (issue 8 changes what a
/// bulk import does inside its transaction).
#[test]
fn issue_8_a_bulk_import_failing_halfway_leaves_nothing() {
    // A few hundred items, announced as a bulk import (the size hint is what
    // chooses the bulk path): 10k real items took minutes in a debug build.
    let n = 400;
    let bulk = ibid_core::store::BULK_IMPORT;
    let items: Vec<_> = (0..n)
        .map(|i| json!({"type": "article-journal", "title": format!("Article {i:05} on the alliance"),
                        "container-title": format!("Journal {}", i % 50), "author": [{"family": format!("Author{i}")}],
                        "abstract": "Sino-Soviet relations after 1949", "issued": {"date-parts": [[1950 + (i % 50)]]}}))
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    let fresh = Library::open(tmp.path().join("fresh.sqlite")).unwrap();
    let state = |lib: &Library| -> Vec<String> {
        let mut st = lib
            .connection()
            .prepare(
                "SELECT coalesce(sql, name) FROM sqlite_schema UNION ALL SELECT k || '=' || v FROM work_fts_config \
                 UNION ALL SELECT k || '=' || v FROM work_fts_text_config ORDER BY 1",
            )
            .unwrap();
        st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    let mut lib = Library::open(tmp.path().join("lib.sqlite")).unwrap();
    lib.add(csl::split(csl::work_from_csl(&json!({"type": "book", "title": "Already here"})).unwrap()).unwrap()).unwrap();
    lib.connection()
        .execute_batch(
            // At the half-way item (a count(*) here would make the import quadratic).
            &format!(
                "CREATE TEMP TRIGGER fail_halfway BEFORE INSERT ON main.works WHEN NEW.title = 'Article {:05} on the alliance' \
                 BEGIN SELECT RAISE(ABORT, 'disk full, say'); END;",
                n / 2
            ),
        )
        .unwrap();
    let err = lib.import_sized(csl::parse_document(&json!(items).to_string()).unwrap(), bulk).unwrap_err();
    assert!(err.to_string().contains("disk full"), "{err}");
    lib.connection().execute_batch("DROP TRIGGER temp.fail_halfway").unwrap();
    let count = |sql: &str| -> i64 { lib.connection().query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT count(*) FROM works"), 1);
    assert_eq!(lib.count().unwrap(), 1);
    assert!(lib.search("alliance", 10).unwrap().is_empty());
    assert_eq!(lib.search("already", 10).unwrap().len(), 1);
    assert_eq!(state(&lib), state(&fresh));
    // And the same import then succeeds in full.
    let s = lib.import_sized(csl::parse_document(&json!(items).to_string()).unwrap(), bulk).unwrap();
    assert_eq!(s.added().count(), n);
    assert_eq!(lib.count().unwrap(), n as i64 + 1);
    assert_eq!(lib.search("alliance", 10).unwrap().len(), 10);
    assert_eq!(state(&lib), state(&fresh));
}

/// Another process holding the write lock past the busy timeout: a clear
/// error with its own code (not SQLite's "database is locked"), and nothing
/// half-written; once the lock is gone the same write goes through (issue 9).
#[test]
fn issue_9_a_writer_held_up_past_the_busy_timeout_gets_a_clear_error() {
    let (_t, mut lib, keys) = lib_with(sample());
    let id = lib.resolve(&keys[0]).unwrap();
    lib.connection().busy_timeout(std::time::Duration::from_millis(200)).unwrap();
    let other = rusqlite::Connection::open(lib.path()).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let e = lib.retag(id, &["later".to_string()], &[]).unwrap_err();
    assert_eq!(e.code(), "busy", "{e}");
    assert!(e.to_string().contains("another Ibid process"), "{e}");
    other.execute_batch("COMMIT").unwrap();
    assert!(lib.tags().unwrap().is_empty());
    lib.retag(id, &["later".to_string()], &[]).unwrap();
    assert_eq!(lib.tags().unwrap(), vec![("later".to_string(), 1)]);
}

/// Duplicate checks of an import compare only works with the same title:
/// hundreds of titles sharing a first word ("The") are all added, the one
/// true duplicate is skipped (found while testing issue 9: each imported
/// work loaded up to 500 such candidates, 6,000 works into 300 took 34 s).
#[test]
fn an_import_into_a_library_whose_titles_share_their_first_word() {
    let titles = |from: usize, n: usize| -> serde_json::Value {
        json!((from..from + n)
            .map(|i| json!({"type": "book", "title": format!("The {} of railways", ["history", "art", "law", "end", "rise", "fall"][i % 6]) + &format!(" {}", "x".repeat(1 + i / 6)),
                            "author": [{"family": "Same"}], "issued": {"date-parts": [[2000]]}}))
            .collect::<Vec<_>>())
    };
    let (_t, mut lib, _keys) = lib_with(titles(0, 300));
    let mut more = titles(300, 200);
    more.as_array_mut().unwrap().push(titles(7, 1)[0].clone()); // the same as the 8th
    let s = lib.import(csl::parse_document(&more.to_string()).unwrap()).unwrap();
    assert_eq!(s.added().count(), 200);
    assert_eq!(s.outcomes.iter().filter(|o| matches!(o, ibid_core::store::ImportOutcome::Skipped { .. })).count(), 1);
    assert_eq!(lib.count().unwrap(), 500);
}
