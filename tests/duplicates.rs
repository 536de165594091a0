//! Duplicates (issue 8): finding groups, merging (one group, all confident
//! groups), Undo, "not duplicates", on a real SQLite file.

use ibid_core::store::{CitationForm, CitationRow, DuplicateGroup, MergeGroup, OnDuplicate};
use ibid_core::Library;
use serde_json::{json, Value};

fn open(items: Value) -> (tempfile::TempDir, Library) {
    let tmp = tempfile::tempdir().unwrap();
    let mut lib = Library::open(tmp.path().join("lib.sqlite")).unwrap();
    let s = lib
        .import_csl_json_with(&items.to_string(), OnDuplicate::Add)
        .unwrap();
    assert_eq!(s.failed().count(), 0, "{:?}", s.outcomes);
    (tmp, lib)
}

fn id_of(lib: &Library, title: &str, year: i64) -> i64 {
    lib.all_ids()
        .unwrap()
        .into_iter()
        .find(|&id| {
            let item = lib.csl_item(id).unwrap();
            item["title"] == title && item["issued"]["date-parts"][0][0].as_i64() == Some(year)
        })
        .unwrap_or_else(|| panic!("no {title:?} {year}"))
}

fn author(family: &str) -> Value {
    json!([{"family": family, "given": "A."}])
}

/// Works that are duplicates in each of the ways the issue names, and works
/// that only look alike.
fn library() -> Value {
    json!([
        // Same DOI (title in another case and with a full stop).
        {"type": "article-journal", "title": "Cold War Origins", "author": author("Smith"), "DOI": "10.1234/cwo",
         "container-title": "Diplomatic History", "issued": {"date-parts": [[2001]]}},
        // (The DOI written as a resolver URL, as sources give it: data, not a request.)
        {"type": "article-journal", "title": "COLD WAR ORIGINS.", "author": author("Smith"), "DOI": "https://doi.org/10.1234/CWO",
         "issued": {"date-parts": [[2001]]}, "page": "1-20"},
        // Same ISBN, one with its subtitle.
        {"type": "book", "title": "Mao's China", "author": author("Meisner"), "ISBN": "978-0-306-40615-7", "issued": {"date-parts": [[1999]]}},
        {"type": "book", "title": "Mao's China: A History of the People's Republic", "author": author("Meisner"),
         "ISBN": "9780306406157", "publisher": "Free Press", "issued": {"date-parts": [[1999]]}},
        // Diacritics and a dropped subtitle.
        {"type": "book", "title": "The Sino-Soviet Split: Cold War in the Communist World", "author": author("Lüthi"), "issued": {"date-parts": [[2008]]}},
        {"type": "book", "title": "The sino-soviet split", "author": author("Luthi"), "issued": {"date-parts": [[2008]]}},
        // A year off by one.
        {"type": "book", "title": "Brothers in Arms", "author": author("Westad"), "issued": {"date-parts": [[1998]]}},
        {"type": "book", "title": "Brothers in arms", "author": author("Westad"), "issued": {"date-parts": [[1999]]}},
        // Not duplicates: other creators; other years; another volume.
        {"type": "book", "title": "Cold War Diplomacy", "author": author("Jones"), "issued": {"date-parts": [[2001]]}},
        {"type": "book", "title": "Cold War Diplomacy", "author": author("Brown"), "issued": {"date-parts": [[2001]]}},
        {"type": "book", "title": "A History of Russia", "author": author("Riasanovsky"), "issued": {"date-parts": [[1963]]}},
        {"type": "book", "title": "A History of Russia", "author": author("Riasanovsky"), "issued": {"date-parts": [[1993]]}},
        {"type": "book", "title": "Documents on the Cold War, Volume 1", "author": author("Keefer"), "issued": {"date-parts": [[2005]]}},
        {"type": "book", "title": "Documents on the Cold War, Volume 2", "author": author("Keefer"), "issued": {"date-parts": [[2005]]}},
        // A chapter with its book's title, in that book: not a duplicate of it.
        {"type": "chapter", "title": "Essays on Stalin", "author": author("Kotkin"), "container-title": "Essays on Stalin",
         "editor": author("Kotkin"), "publisher": "Norton", "issued": {"date-parts": [[2010]]}},
        {"type": "book", "title": "Essays on Stalin", "author": author("Kotkin"), "publisher": "Norton", "issued": {"date-parts": [[2010]]}},
        // A candidate, not confident: one record has no creator.
        {"type": "book", "title": "Stalin's Cold War", "author": author("Mastny"), "issued": {"date-parts": [[1996]]}},
        {"type": "book", "title": "Stalin's cold war", "issued": {"date-parts": [[1996]]}},
    ])
}

fn group_of<'a>(groups: &'a [DuplicateGroup], id: i64) -> Option<&'a DuplicateGroup> {
    groups.iter().find(|g| g.ids.contains(&id))
}

#[test]
fn finds_identifier_and_title_groups_and_leaves_look_alikes_apart() {
    let (_t, lib) = open(library());
    let groups = lib.find_duplicates().unwrap();
    let pair = |a: (&str, i64), b: (&str, i64)| {
        let (a, b) = (id_of(&lib, a.0, a.1), id_of(&lib, b.0, b.1));
        let g = group_of(&groups, a).unwrap_or_else(|| panic!("no group for {a}: {groups:?}"));
        assert_eq!(g.ids, vec![a, b], "{g:?}");
        g.clone()
    };
    let doi = pair(("Cold War Origins", 2001), ("COLD WAR ORIGINS.", 2001));
    assert!(
        doi.confident && doi.reasons.contains(&"doi".to_string()) && doi.score == 1.0,
        "{doi:?}"
    );
    let isbn = pair(
        ("Mao's China", 1999),
        ("Mao's China: A History of the People's Republic", 1999),
    );
    assert!(
        isbn.confident && isbn.reasons.contains(&"isbn".to_string()),
        "{isbn:?}"
    );
    let split = pair(
        (
            "The Sino-Soviet Split: Cold War in the Communist World",
            2008,
        ),
        ("The sino-soviet split", 2008),
    );
    assert!(
        split.confident && split.reasons == ["title"] && split.score >= 0.9 && split.score < 1.0,
        "{split:?}"
    );
    let year = pair(("Brothers in Arms", 1998), ("Brothers in arms", 1999));
    assert!(year.confident, "{year:?}");
    let volumes = pair(
        ("Documents on the Cold War, Volume 1", 2005),
        ("Documents on the Cold War, Volume 2", 2005),
    );
    assert!(
        !volumes.confident,
        "other numbers in the titles are never confident: {volumes:?}"
    );
    let no_creator = pair(("Stalin's Cold War", 1996), ("Stalin's cold war", 1996));
    assert!(
        !no_creator.confident && no_creator.score >= 0.75,
        "{no_creator:?}"
    );
    for (t, y) in [
        ("Cold War Diplomacy", 2001),
        ("A History of Russia", 1963),
        ("A History of Russia", 1993),
        ("Essays on Stalin", 2010),
    ] {
        for id in lib.all_ids().unwrap() {
            let item = lib.csl_item(id).unwrap();
            if item["title"] == t && item["issued"]["date-parts"][0][0].as_i64() == Some(y) {
                assert!(
                    group_of(&groups, id).is_none(),
                    "{t} {y} grouped: {groups:?}"
                );
            }
        }
    }
    assert_eq!(groups.len(), 6, "{groups:?}");
    assert_eq!(groups.iter().filter(|g| g.confident).count(), 4);
    // Confident groups first, then by score.
    assert!(groups[..4].iter().all(|g| g.confident));
}

/// Every row a merge may touch, as text (modified_at and version aside:
/// Undo marks the works changed for the auto-exports).
fn dump(lib: &Library) -> Vec<String> {
    let conn = lib.connection();
    let mut out = Vec::new();
    for (table, order) in [
        ("works", "id"),
        ("creators", "work_id, position"),
        ("work_ids", "work_id, kind, value"),
        ("work_tags", "work_id, tag_id"),
        ("collection_items", "collection_id, work_id"),
        ("notes", "id"),
        ("attachments", "id"),
        ("citations", "id"),
        ("trash", "work_id"),
        ("merged_works", "work_id"),
    ] {
        let mut st = conn
            .prepare(&format!("SELECT * FROM {table} ORDER BY {order}"))
            .unwrap();
        let names: Vec<String> = st.column_names().map(|s| s.to_string()).collect();
        let mut rows = st.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            let mut line = format!("{table}:");
            for (i, n) in names.iter().enumerate() {
                if table == "works" && (n == "modified_at" || n == "version") {
                    continue;
                }
                let v: rusqlite::types::Value = r.get(i).unwrap();
                line.push_str(&format!(" {n}={v:?}"));
            }
            out.push(line);
        }
    }
    out
}

fn search_keys(lib: &Library, q: &str) -> Vec<String> {
    lib.search(q, 20)
        .unwrap()
        .into_iter()
        .map(|h| h.key)
        .collect()
}

#[test]
fn a_merge_keeps_everything_and_undo_puts_back_exactly_what_was_there() {
    let tmp = tempfile::tempdir().unwrap();
    let mut lib = Library::open(tmp.path().join("lib.sqlite")).unwrap();
    let items = json!([
        {"type": "book", "title": "Mao's China", "author": author("Meisner"), "ISBN": "9780306406157", "publisher": "Simon",
         "issued": {"date-parts": [[1999]]}, "abstract": "Short."},
        {"type": "book", "title": "Mao's China: A History of the People's Republic", "author": author("Meisner"),
         "ISBN": ["9780306406157", "9783161484100"], "publisher": "Free Press", "publisher-place": "New York", "issued": {"date-parts": [[1999]]},
         "abstract": "A longer abstract of the same book.", "note": "from the other record"},
        {"type": "chapter", "title": "The Maoist Era", "author": author("Meisner"), "container-title": "Mao's China: A History of the People's Republic",
         "publisher": "Free Press", "issued": {"date-parts": [[1999]]}},
        {"type": "article-journal", "title": "Reading Meisner", "author": author("Cites"), "issued": {"date-parts": [[2005]]}},
        {"type": "article-journal", "title": "Cited Once", "author": author("Cited"), "issued": {"date-parts": [[1960]]}},
        {"type": "article-journal", "title": "Cited Twice", "author": author("Cited"), "issued": {"date-parts": [[1961]]}},
    ]);
    lib.import_csl_json_with(&items.to_string(), OnDuplicate::Add)
        .unwrap();
    let s = id_of(&lib, "Mao's China", 1999);
    let m = id_of(
        &lib,
        "Mao's China: A History of the People's Republic",
        1999,
    );
    let chapter = id_of(&lib, "The Maoist Era", 1999);
    assert_eq!(
        lib.parent_id(chapter).unwrap(),
        Some(m),
        "the chapter is in the second record"
    );
    let (citing, once, twice) = (
        id_of(&lib, "Reading Meisner", 2005),
        id_of(&lib, "Cited Once", 1960),
        id_of(&lib, "Cited Twice", 1961),
    );
    let (s_key, m_key) = (lib.key_of(s).unwrap(), lib.key_of(m).unwrap());

    lib.retag(s, &["china".into(), "shared".into()], &[])
        .unwrap();
    lib.retag(m, &["mao".into(), "shared".into()], &[]).unwrap();
    let both = lib.collection("Reading/Both", true).unwrap();
    let only_m = lib.collection("Reading/Only the other", true).unwrap();
    lib.add_to_collection(both, &[s, m]).unwrap();
    lib.add_to_collection(only_m, &[m]).unwrap();
    lib.add_note(s, "a note on the first").unwrap();
    lib.add_note(m, "a note on the second, about zhongnanhai")
        .unwrap();
    let file = tmp.path().join("scan.pdf");
    std::fs::write(&file, b"%PDF-1.4 scan").unwrap();
    lib.attach(m, &file).unwrap();
    let cite = |position: i64, raw: &str, cited: i64| CitationRow {
        note_number: None,
        position,
        raw_text: raw.into(),
        cited: Some(cited),
        locator: None,
        form: CitationForm::Full,
    };
    lib.set_citations(s, &[cite(0, "Cited Once", once)])
        .unwrap();
    lib.set_citations(
        m,
        &[
            cite(0, "Cited Once (1960)", once),
            cite(1, "Cited Twice", twice),
        ],
    )
    .unwrap();
    lib.set_citations(citing, &[cite(0, "Meisner, Mao's China", m)])
        .unwrap();

    let before = dump(&lib);
    let count = lib.count().unwrap();
    assert_eq!(search_keys(&lib, "zhongnanhai"), vec![m_key.clone()]);

    let out = lib
        .merge_duplicates(&[MergeGroup {
            ids: vec![s, m],
            survivor: Some(s),
        }])
        .unwrap();
    assert_eq!(
        (out.groups, out.merged, out.survivors.clone()),
        (1, 1, vec![s])
    );
    assert_eq!(lib.count().unwrap(), count - 1);
    assert!(!lib.all_ids().unwrap().contains(&m));
    // The merged key resolves to the survivor; the other's fields filled the gaps.
    assert_eq!(lib.resolve(&m_key).unwrap(), s);
    let item = lib.csl_item(s).unwrap();
    assert_eq!(item["title"], "Mao's China");
    assert_eq!(item["publisher"], "Simon", "the survivor's own value stays");
    assert_eq!(
        item["publisher-place"], "New York",
        "an empty field is filled"
    );
    assert_eq!(
        item["abstract"], "A longer abstract of the same book.",
        "the longer abstract is kept"
    );
    assert_eq!(item["note"], "from the other record");
    assert_eq!(
        item["ISBN"],
        json!(["9780306406157", "9783161484100"]),
        "{item:?}"
    );
    let mut tags = lib.tags_of(s).unwrap();
    tags.sort();
    assert_eq!(tags, ["china", "mao", "shared"]);
    let mut colls = lib.collections_of(s).unwrap();
    colls.sort();
    assert_eq!(colls.len(), 2, "{colls:?}");
    let notes: Vec<String> = lib
        .notes_of(s)
        .unwrap()
        .into_iter()
        .map(|n| n.body)
        .collect();
    assert!(
        notes.iter().any(|n| n == "a note on the first")
            && notes.iter().any(|n| n.contains("zhongnanhai")),
        "{notes:?}"
    );
    let what_differed = notes
        .iter()
        .find(|n| n.starts_with("Merged duplicates"))
        .expect("a note of what differed");
    assert!(
        what_differed.contains(&m_key)
            && what_differed.contains("publisher: “Free Press”")
            && what_differed.contains("title:"),
        "{what_differed}"
    );
    assert_eq!(lib.attachments_of(s).unwrap().len(), 1);
    assert_eq!(
        lib.parent_id(chapter).unwrap(),
        Some(s),
        "the chapter is in the survivor"
    );
    let cites: Vec<(Option<i64>, String)> = lib
        .citations_of(s)
        .unwrap()
        .into_iter()
        .map(|c| (c.cited, c.raw_text))
        .collect();
    assert_eq!(
        cites,
        vec![
            (Some(once), "Cited Once".to_string()),
            (Some(twice), "Cited Twice".to_string())
        ],
        "each cited work once"
    );
    assert_eq!(
        lib.citing_of(s)
            .unwrap()
            .iter()
            .map(|c| c.citing)
            .collect::<Vec<_>>(),
        vec![citing],
        "cited-by moved"
    );
    assert_eq!(
        search_keys(&lib, "zhongnanhai"),
        vec![s_key.clone()],
        "the moved note is searched with the survivor"
    );
    assert!(lib.find_duplicates().unwrap().is_empty());

    let undone = lib.undo_merge(None).unwrap();
    assert_eq!(
        (undone.batch, undone.groups, undone.restored),
        (out.batch, 1, 1)
    );
    assert_eq!(dump(&lib), before, "Undo restores every row");
    assert_eq!(lib.count().unwrap(), count);
    assert_eq!(lib.resolve(&m_key).unwrap(), m);
    assert_eq!(search_keys(&lib, "zhongnanhai"), vec![m_key]);
    assert_eq!(lib.find_duplicates().unwrap().len(), 1);
    assert!(
        lib.undo_merge(Some(out.batch)).is_err(),
        "an undone merge is not undone twice"
    );
    assert_eq!(lib.undo_merge(None).unwrap_err().code(), "not_found");
}

#[test]
fn merge_all_confident_groups_at_once_then_undo_the_batch() {
    let (_t, mut lib) = open(library());
    let before = dump(&lib);
    let count = lib.count().unwrap();
    assert!(lib.backups().unwrap().is_empty());
    let out = lib.merge_confident().unwrap();
    // A backup of the library before the bulk merge (issue 9).
    let backups = lib.backups().unwrap();
    assert_eq!(backups.len(), 1);
    assert_eq!(backups[0].kind, ibid_core::store::BackupKind::BeforeMerge);
    assert_eq!((out.groups, out.merged), (4, 4));
    assert_eq!(lib.count().unwrap(), count - 4);
    let left = lib.find_duplicates().unwrap();
    assert_eq!(
        left.len(),
        2,
        "the groups that were not confident stay: {left:?}"
    );
    assert!(left.iter().all(|g| !g.confident));
    // The survivor of each group is its best record (the most fields).
    assert!(out.survivors.contains(&id_of(
        &lib,
        "Mao's China: A History of the People's Republic",
        1999
    )));
    lib.undo_merge(None).unwrap();
    assert_eq!(dump(&lib), before);
    assert_eq!(lib.find_duplicates().unwrap().len(), 6);
}

#[test]
fn a_dismissed_group_stays_dismissed() {
    let (t, mut lib) = open(library());
    let a = id_of(&lib, "Stalin's Cold War", 1996);
    let g = group_of(&lib.find_duplicates().unwrap(), a)
        .unwrap()
        .clone();
    lib.dismiss_duplicates(&g.ids).unwrap();
    assert!(group_of(&lib.find_duplicates().unwrap(), a).is_none());
    drop(lib);
    let lib = Library::open(t.path().join("lib.sqlite")).unwrap();
    let groups = lib.find_duplicates().unwrap();
    assert!(group_of(&groups, a).is_none());
    assert_eq!(groups.len(), 5);
}

#[test]
fn a_merge_that_fails_half_way_changes_nothing() {
    let (_t, mut lib) = open(library());
    let groups = lib.find_duplicates().unwrap();
    let before = dump(&lib);
    // The second group holds a work in the trash: the error comes after the
    // first group was merged inside the transaction.
    let trashed = id_of(&lib, "A History of Russia", 1963);
    lib.trash(trashed).unwrap();
    let before_trash = dump(&lib);
    assert_ne!(before, before_trash);
    let e = lib
        .merge_duplicates(&[
            MergeGroup {
                ids: groups[0].ids.clone(),
                survivor: None,
            },
            MergeGroup {
                ids: vec![id_of(&lib, "A History of Russia", 1993), trashed],
                survivor: None,
            },
        ])
        .unwrap_err();
    assert_eq!(e.code(), "invalid_input", "{e}");
    assert_eq!(dump(&lib), before_trash);
    // So does a group naming a work that is not there, and a survivor from elsewhere.
    assert!(lib
        .merge_duplicates(&[
            MergeGroup {
                ids: groups[1].ids.clone(),
                survivor: None
            },
            MergeGroup {
                ids: vec![groups[2].ids[0], 999_999],
                survivor: None
            }
        ])
        .is_err());
    assert!(lib
        .merge_duplicates(&[MergeGroup {
            ids: groups[0].ids.clone(),
            survivor: Some(groups[1].ids[0])
        }])
        .is_err());
    assert_eq!(dump(&lib), before_trash);
    assert_eq!(lib.last_merge().unwrap(), None);
    assert_eq!(lib.find_duplicates().unwrap(), groups);
}
