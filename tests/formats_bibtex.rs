//! BibTeX/BibLaTeX import and export, and citation keys
//! (`ibid_formats::bibtex`, `ibid_formats::citekey`).
//!
//! Data-driven: ../shared/fixtures/large/kwarc.bib (7,770 entries) imports to
//! a golden CSL-JSON file (tests/fixtures/golden/bibtex/kwarc.csl.json, one
//! item per line; re-bless with IBID_BLESS=1) and a golden list of the
//! entries that cannot be imported, and survives a round trip through both
//! export flavours; the content-negotiation BibTeX bodies parse. Hand-written
//! fixtures are in tests/fixtures/bibtex/.

use std::time::{Duration, Instant};

use ibid_core::csl;
use ibid_formats::bibtex::{self, BibError, BibOptions};
use ibid_formats::citekey;
use serde_json::{json, Map, Value};

type Item = Map<String, Value>;

/// Parses and flattens (what a library import followed by an export gives).
fn import(text: &str) -> (Vec<Item>, Vec<BibError>) {
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for r in bibtex::parse(text) {
        match r {
            Ok(w) => items.push(csl::flatten(&w)),
            Err(e) => errors.push(e),
        }
    }
    (items, errors)
}

fn by_key<'a>(items: &'a [Item], key: &str) -> &'a Item {
    items
        .iter()
        .find(|i| i.get("citation-key").and_then(Value::as_str) == Some(key))
        .unwrap_or_else(|| panic!("no item with citation key {key}"))
}

fn s<'a>(item: &'a Item, k: &str) -> &'a str {
    item.get(k).and_then(Value::as_str).unwrap_or_else(|| panic!("{k} missing in {}", Value::Object(item.clone())))
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(ibid_tests::project_fixture("bibtex").join(name)).expect("read fixture")
}

fn one(text: &str) -> Item {
    let (items, errors) = import(text);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(items.len(), 1, "{items:?}");
    items.into_iter().next().unwrap()
}

const BIBLATEX: BibOptions = BibOptions { biblatex: true, unicode: true };
const BIBTEX_ASCII: BibOptions = BibOptions { biblatex: false, unicode: false };

// ---------------------------------------------------------------------------
// kwarc.bib
// ---------------------------------------------------------------------------

fn kwarc() -> Option<String> {
    let shared = ibid_tests::shared_fixtures()?;
    Some(std::fs::read_to_string(shared.join("large/kwarc.bib")).expect("read kwarc.bib"))
}

#[test]
fn kwarc_imports_as_the_golden_file() {
    let Some(text) = kwarc() else { return };
    let (items, errors) = import(&text);

    // Every failure is an entry with nothing to know a work by: no title,
    // creator, identifier or container (a README entry, URL entries whose
    // crossref is misspelt): the file has no syntax errors. The 49 other
    // untitled entries (a book known by author, publisher and ISBN; a web
    // page by its URL, or by a link in its `howpublished`) are imported untitled.
    assert_eq!(items.len() + errors.len(), 7770);
    assert_eq!(errors.len(), 7, "{errors:#?}");
    assert!(errors.iter().all(|e| e.message.contains("nothing to know the work by")), "{errors:#?}");
    assert_eq!(items.iter().filter(|i| !i.contains_key("title")).count(), 49);
    let err_text: String = errors.iter().map(|e| format!("{e}\n")).collect();
    if let Some(diff) = ibid_tests::golden("bibtex/kwarc.errors.txt", &err_text) {
        panic!("{diff}");
    }

    let mut golden = String::from("[\n");
    for (n, item) in items.iter().enumerate() {
        golden.push_str(&serde_json::to_string(item).unwrap());
        golden.push_str(if n + 1 < items.len() { ",\n" } else { "\n" });
    }
    golden.push_str("]\n");
    if let Some(diff) = ibid_tests::golden("bibtex/kwarc.csl.json", &golden) {
        panic!("{diff}");
    }

    // Checked by hand against the source, one of each kind.
    // @inproceedings through `crossref` to @proceedings: the parent's
    // booktitle, editors, series, volume, publisher, year and ISBN; not its DOI.
    let p = by_key(&items, "VreWelKam:tsmmdui24");
    assert_eq!(s(p, "type"), "paper-conference");
    assert_eq!(s(p, "container-title"), "Intelligent Computer Mathematics (CICM) 2024");
    assert_eq!(p["author"][0], json!({"family": "Vrečar", "given": "Luka"}));
    assert_eq!(p["editor"], json!([{"family": "Kohlhase", "given": "Andrea"}, {"family": "Kovacz", "given": "Laura"}]));
    assert_eq!((s(p, "collection-title"), s(p, "volume"), s(p, "page")), ("LNAI", "14960", "223-240"));
    assert_eq!(p["issued"], json!({"date-parts": [[2024]]}));
    assert_eq!(p["ISBN"], json!(["9783031669965"]));
    assert!(!p.contains_key("DOI"));
    // The @proceedings itself: a book that remembers its entry type.
    let proc = by_key(&items, "CICM24");
    assert_eq!((s(proc, "type"), s(proc, "bibtex-entrytype")), ("book", "proceedings"));
    assert_eq!(s(proc, "DOI"), "10.1007/978-3-031-66997-2");
    // @inbook with crossref to a @collection.
    let c = by_key(&items, "Cresswell:aos82");
    assert_eq!(s(c, "type"), "chapter");
    assert!(s(c, "container-title").starts_with("Processes, Beliefs, and Questions"));
    assert_eq!(s(c, "page"), "69-86");
    // @article: `{ELIZA} -- A …` keeps its capitals and becomes an en dash.
    let a = by_key(&items, "Weizenbaum:eliza66");
    assert_eq!(s(a, "title"), "ELIZA – A Computer Program For the Study of Natural Language Communication Between Man And Machine");
    assert_eq!((s(a, "container-title"), s(a, "volume"), s(a, "issue")), ("Communications of the ACM", "9", "1"));
    // @book: `G{\"u}nter`, ISBN-10 to 13 digits.
    let b = by_key(&items, "AigZie:PfTB18");
    assert_eq!(b["author"][1], json!({"family": "Ziegler", "given": "Günter M."}));
    assert_eq!(b["ISBN"], json!(["9783662572641"]));
    // @phdthesis.
    let t = by_key(&items, "dreyer:phd");
    assert_eq!((s(t, "type"), s(t, "genre"), s(t, "publisher")), ("thesis", "PhD thesis", "Carnegie Mellon University"));
    // @techreport: institution → publisher, number stays the report number.
    let r = by_key(&items, "RumMicKau:dgsdss21");
    assert_eq!((s(r, "type"), s(r, "publisher"), s(r, "number")), ("report", "Nationales E-Government Kompetenzzentrum", "19"));
    // @online inheriting its title and URL from a @misc "base" entry.
    let o = by_key(&items, "TasMah:mc");
    assert_eq!((s(o, "type"), s(o, "title"), s(o, "URL")), ("webpage", "Mathematical Components", "https://math-comp.github.io/mcb/book.pdf"));
    assert_eq!(o["accessed"], json!({"date-parts": [[2018, 12, 18]]}));
    // @unpublished with an event: a speech, with an event date range.
    let u = by_key(&items, "RouRab:lfmtp20abstract");
    assert_eq!(s(u, "type"), "speech");
    assert_eq!(u["event-date"], json!({"date-parts": [[2020, 6, 29], [2020, 6, 30]]}));
    // `month = nov` (a macro) and `{${\rm GL}(3)$}` (math to text).
    assert_eq!(by_key(&items, "DFHJ05")["issued"], json!({"date-parts": [[2005, 11]]}));
    assert_eq!(s(by_key(&items, "FKL14"), "title"), "Maass forms on GL(3) and GL(4)");
    // An institution in braces is a literal name.
    assert_eq!(by_key(&items, "URL:Unity2019.3.6")["author"], json!([{"literal": "Unity Technologies"}]));
    // Fields with no CSL counterpart are kept.
    assert_eq!(s(p, "bibtex-pubs"), "akohlhase");
    // Preamble macros (`\seen` → "seen ").
    assert!(items.iter().filter_map(|i| i.get("note").and_then(Value::as_str)).any(|n| n.starts_with("seen ")));
    assert!(items.iter().all(|i| i.values().filter_map(Value::as_str).all(|v| !v.contains("\\seen"))));
}

/// What a round trip may change: the CSL types BibTeX has no entry type for
/// (`@misc` reads back as a document), the thesis genre BibTeX's
/// `@phdthesis` implies, entry types classic BibTeX lacks, a family name of
/// several words with no given name (BibLaTeX writes `family={…}`, BibTeX a
/// brace group, which reads back as a literal name).
pub(crate) fn normalize_for(item: &Item, opts: &BibOptions) -> Item {
    let mut i = item.clone();
    if !opts.biblatex {
        for v in i.values_mut() {
            for name in v.as_array_mut().into_iter().flatten().filter_map(Value::as_object_mut) {
                let family_only = name.len() == 1 && name.get("family").and_then(Value::as_str).is_some_and(|f| f.contains(' '));
                if family_only {
                    let f = name.remove("family").unwrap();
                    name.insert("literal".into(), f);
                }
            }
        }
        let ty = s(item, "type").to_string();
        let bibtex_type = |t: &str| match t {
            "article-journal" | "book" | "chapter" | "paper-conference" | "thesis" | "report" | "manuscript" | "speech"
            | "pamphlet" => t.to_string(),
            "entry-encyclopedia" => "chapter".into(),
            _ => "document".into(),
        };
        i.insert("type".into(), Value::String(bibtex_type(&ty)));
        if ty == "thesis" && !i.contains_key("genre") {
            i.insert("genre".into(), json!("PhD thesis"));
        }
        if let Some(t) = i.get("bibtex-entrytype").and_then(Value::as_str) {
            let classic = ["article", "book", "booklet", "conference", "inbook", "incollection", "inproceedings", "manual",
                "mastersthesis", "misc", "phdthesis", "proceedings", "techreport", "unpublished"];
            if !classic.contains(&t) {
                i.remove("bibtex-entrytype");
            }
        }
    }
    if i.get("bibtex-entrytype").and_then(Value::as_str) == Some("unpublished") && s(item, "type") == "speech" {
        i.remove("bibtex-entrytype");
    }
    i
}

/// Keys kwarc.bib has twice (`BAI26`, `Mamdouh:mscthesis25`; both entries import).
const DUPLICATE_KEYS: usize = 2;

#[test]
fn kwarc_round_trips_through_biblatex_and_bibtex() {
    let Some(text) = kwarc() else { return };
    let (items, _) = import(&text);
    let mut count = std::collections::HashMap::new();
    for i in &items {
        *count.entry(s(i, "citation-key").to_string()).or_insert(0) += 1;
    }
    let dup_keys: std::collections::HashSet<String> = count.into_iter().filter(|(_, n)| *n > 1).map(|(k, _)| k).collect();
    assert_eq!(dup_keys.len(), DUPLICATE_KEYS, "{dup_keys:?}");
    for opts in [BIBLATEX, BIBTEX_ASCII, BibOptions { biblatex: true, unicode: false }, BibOptions { biblatex: false, unicode: true }] {
        let written = bibtex::write(&items, &opts);
        let (again, errors) = import(&written);
        assert!(errors.is_empty(), "{opts:?}: {:?}", &errors[..errors.len().min(5)]);
        assert_eq!(again.len(), items.len(), "{opts:?}");
        // The file has a few keys twice; the export makes them unique.
        let mut seen = std::collections::HashSet::new();
        assert!(again.iter().all(|i| seen.insert(s(i, "citation-key").to_string())), "{opts:?}: keys are unique");
        let mut diffs = Vec::new();
        for (a, b) in items.iter().zip(&again) {
            let (mut a, mut b) = (normalize_for(a, &opts), normalize_for(b, &opts));
            if dup_keys.contains(s(&a, "citation-key")) {
                assert!(s(&b, "citation-key").starts_with(s(&a, "citation-key")));
                a.remove("citation-key");
                b.remove("citation-key");
            }
            if a != b {
                diffs.push(format!("{}\n  before: {}\n  after:  {}", s(&a, "citation-key"), Value::Object(a.clone()), Value::Object(b.clone())));
            }
        }
        assert!(diffs.is_empty(), "{opts:?}: {} items differ, e.g.\n{}", diffs.len(), diffs[..diffs.len().min(12)].join("\n"));
    }
}

#[test]
fn content_negotiation_bibtex_bodies_parse() {
    let Some(shared) = ibid_tests::shared_fixtures() else { return };
    let dir = shared.join("content-negotiation/bibtex");
    let mut files: Vec<_> = std::fs::read_dir(&dir).expect("read dir").map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(!files.is_empty());
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let item = one(&text);
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        // File names are DOIs with `/` and other characters as `_`.
        let prefix = name.split('_').next().unwrap();
        assert_eq!(s(&item, "type"), "article-journal", "{name}");
        assert!(!s(&item, "title").is_empty() && !s(&item, "container-title").is_empty(), "{name}");
        assert!(s(&item, "DOI").starts_with(&format!("{prefix}/")), "{name}");
        assert!(item["issued"]["date-parts"][0].as_array().unwrap().len() == 2, "{name}: year and month");
    }
    // The Science body: one line, a leading blank, `month=Aug`, an en dash in pages.
    let science = one(&std::fs::read_to_string(dir.join("10.1126_science.169.3946.635.bib")).unwrap());
    assert_eq!(science["issued"], json!({"date-parts": [[1970, 8]]}));
    assert_eq!(s(&science, "page"), "635-641");
    assert_eq!(science["ISSN"], json!(["1095-9203"]));
    // All-caps title protected word by word keeps its case.
    let eco = one(&std::fs::read_to_string(dir.join("10.1890_0012-9615_1999_069_0569_edilsa_2.0.co_2.bib")).unwrap());
    assert!(s(&eco, "title").starts_with("EVOLUTIONARY DIVERGENCES IN LEAF STRUCTURE"));
    assert_eq!(eco["author"][0], json!({"family": "Cunningham", "given": "Saul A."}));
}

// ---------------------------------------------------------------------------
// Hand-written fixtures
// ---------------------------------------------------------------------------

#[test]
fn a_broken_entry_is_reported_with_its_line_and_the_others_import() {
    let results = bibtex::parse(&fixture("broken-middle.bib"));
    assert_eq!(results.len(), 4);
    let first = results[0].as_ref().expect("first imports");
    assert_eq!(first.title.as_deref(), Some("The First Entry"));
    let e = results[1].as_ref().expect_err("missing comma");
    assert_eq!((e.entry.as_deref(), e.line), (Some("missing-comma"), 11), "{e}");
    assert!(e.message.contains("comma"), "{e}");
    let e = results[2].as_ref().expect_err("unclosed brace");
    assert_eq!((e.entry.as_deref(), e.line), (Some("unclosed"), 15), "{e}");
    assert!(e.message.contains("not closed"), "{e}");
    let last = results[3].as_ref().expect("last imports");
    assert_eq!(last.title.as_deref(), Some("The Last Entry"));
    assert_eq!(last.url.as_deref(), Some("https://example.org/last"));
    assert_eq!(e.to_string(), "line 15 (unclosed): the entry is not closed (a '{' without its '}'?)");
}

#[test]
fn macros_crossref_and_xdata_resolve() {
    let (items, errors) = import(&fixture("macros-crossref.bib"));
    assert!(errors.is_empty(), "{errors:?}");
    let keys: Vec<&str> = items.iter().map(|i| s(i, "citation-key")).collect();
    assert_eq!(keys, ["proc2020", "paper2020", "xbook", "plusbook"]);

    let proc = &items[0];
    assert_eq!(s(proc, "collection-title"), "Lecture Notes in Computer Science");
    assert_eq!(s(proc, "publisher"), "Springer");
    assert_eq!(proc["editor"][1], json!({"family": "Berg", "given": "Piet", "non-dropping-particle": "van der"}));

    let paper = &items[1];
    assert_eq!(s(paper, "type"), "paper-conference");
    assert_eq!(s(paper, "title"), "A GPU Study of ACRO Things");
    assert_eq!(paper["author"], json!([{"family": "Müller", "given": "Jörg"}, {"family": "O'Neil", "given": "Mary"}]));
    assert_eq!(s(paper, "container-title"), "Proceedings of the Twentieth Workshop");
    assert_eq!((s(paper, "collection-title"), s(paper, "volume"), s(paper, "page")), ("Lecture Notes in Computer Science", "12345", "10-20"));
    assert_eq!(paper["issued"], json!({"date-parts": [[2020, 6]]}), "year from the parent, month its own");
    assert!(!paper.contains_key("DOI"), "the proceedings' DOI is not the paper's");

    let book = &items[2];
    assert_eq!((s(book, "publisher"), s(book, "publisher-place")), ("Springer", "Cham"));
    assert_eq!(book["issued"], json!({"date-parts": [[2019, 3], [2019, 4]]}));
    assert_eq!((s(book, "keyword"), s(book, "bibtex-keywords-2")), ("one, two", "three"));

    let plus = &items[3];
    assert_eq!(s(plus, "publisher"), "Springer Nature");
    assert_eq!(s(plus, "note"), "undefinedmacro", "an undefined macro is kept as its name");
}

#[test]
fn latex_becomes_unicode() {
    let (items, errors) = import(&fixture("latex.bib"));
    assert!(errors.is_empty(), "{errors:?}");
    let table = [
        ("umlaut-braced", "Günter"),
        ("umlaut-bare", "Günter"),
        ("acute", "Café and café"),
        ("cedilla", "François and Garçon"),
        ("caron", "Vrečar"),
        ("dotless-i", "Genç, índice"),
        ("eszett", "Straße"),
        ("letters", "øre, Åse, æther, łódź"),
        ("dashes", "Pages 1–10 — and a hyphen-ated word"),
        ("tie", "Fig.\u{a0}1"),
        ("escapes", "Fish & Chips: 50% off, $5, #1, a_b"),
        ("protected", "The DNA of Bach"),
        ("math-simple", "On α-conversion and x<sup>2</sup>"),
        ("math-kept", "The $\\frac{a}{b}$ rule"),
        ("emph", "A <i>Very</i> <b>Bold</b> <span style=\"font-variant:small-caps;\">Claim</span> in H<sub>2</sub>O, 1<sup>st</sup>"),
        ("quotes", "“Quoted” and ‘single'"),
        ("unknown-command", "code and bar and \\cite{key}"),
    ];
    for (key, want) in table {
        assert_eq!(s(by_key(&items, key), "title"), want, "{key}");
    }
    // And back: every one survives export and import in both encodings.
    for opts in [BIBLATEX, BIBTEX_ASCII] {
        let (again, errors) = import(&bibtex::write(&items, &opts));
        assert!(errors.is_empty(), "{errors:?}");
        for (a, b) in items.iter().zip(&again) {
            assert_eq!(a.get("title"), b.get("title"), "{opts:?}");
        }
    }
}

// ---------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------

fn seed_item() -> Item {
    let text = std::fs::read_to_string(ibid_tests::project_fixture("seed-chapter.csl.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    // As the library gives it: split into chapter → book → series, flattened.
    let w = csl::split(csl::work_from_csl(&v[0]).unwrap()).unwrap();
    csl::flatten(&w)
}

const SEED_BIBTEX: &str = r"@incollection{shen2020political,
  author = {Shen, Zhihua},
  editor = {Shen, Zhihua},
  title = {The Political and Economic Foundations of the Sino-Soviet Alliance, 1948--1949},
  booktitle = {A Short History of Sino-Soviet Relations, 1917--1991},
  series = {China Connections},
  publisher = {Palgrave Macmillan},
  address = {Singapore},
  year = {2020},
  isbn = {9789811386404, 9789811386411},
  doi = {10.1007/978-981-13-8641-1_7},
  abstract = {This chapter discusses the political and economic foundation of the Sino-Soviet alliance. It focuses on the 1948--1949 period. Against the backdrop of an emerging global Cold War, Soviet policy toward the Chinese Communist Party (CCP) changed from limited contact to active support in 1948. Anastas Mikoyan\textquoteright{}s trip to the CCP headquarters at Xibaipo in early 1949 and Liu Shaoqi\textquoteright{}s visit to Moscow in the summer of 1949 proved to be important steps toward the formation of strategic cooperation between Communist China and the Soviet Union.}
}
";

const SEED_BIBLATEX: &str = r"@incollection{shen2020political,
  author = {Shen, Zhihua},
  editor = {Shen, Zhihua},
  title = {The Political and Economic Foundations of the Sino-Soviet Alliance, 1948–1949},
  booktitle = {A Short History of Sino-Soviet Relations, 1917–1991},
  series = {China Connections},
  publisher = {Palgrave Macmillan},
  location = {Singapore},
  date = {2020},
  isbn = {9789811386404, 9789811386411},
  doi = {10.1007/978-981-13-8641-1_7},
  abstract = {This chapter discusses the political and economic foundation of the Sino-Soviet alliance. It focuses on the 1948–1949 period. Against the backdrop of an emerging global Cold War, Soviet policy toward the Chinese Communist Party (CCP) changed from limited contact to active support in 1948. Anastas Mikoyan’s trip to the CCP headquarters at Xibaipo in early 1949 and Liu Shaoqi’s visit to Moscow in the summer of 1949 proved to be important steps toward the formation of strategic cooperation between Communist China and the Soviet Union.}
}
";

#[test]
fn the_seed_chapter_exports_as_checked_by_hand() {
    let item = seed_item();
    assert_eq!(bibtex::write(std::slice::from_ref(&item), &BIBTEX_ASCII), SEED_BIBTEX);
    assert_eq!(bibtex::write(std::slice::from_ref(&item), &BIBLATEX), SEED_BIBLATEX);
    // Without a citation key, the default pattern gives the same key.
    let mut no_key = item.clone();
    no_key.remove("citation-key");
    no_key.insert("id".into(), json!("ABCD2345"));
    assert_eq!(bibtex::write(&[no_key], &BIBLATEX), SEED_BIBLATEX);
    // And it reads back as the same record.
    for (text, opts) in [(SEED_BIBTEX, BIBTEX_ASCII), (SEED_BIBLATEX, BIBLATEX)] {
        assert_eq!(one(text), item, "{opts:?}");
    }
}

#[test]
fn entry_types_and_fields_by_flavour() {
    let items: Vec<Item> = [
        json!({"type": "article-journal", "citation-key": "a", "title": "T", "container-title": "J", "issue": "3", "volume": "2", "page": "5-9", "issued": {"date-parts": [[2001, 2, 3]]}}),
        json!({"type": "thesis", "citation-key": "t", "title": "T", "publisher": "Uni", "genre": "Master's thesis", "publisher-place": "Town"}),
        json!({"type": "report", "citation-key": "r", "title": "T", "publisher": "Inst", "number": "7"}),
        json!({"type": "webpage", "citation-key": "w", "title": "T", "URL": "https://example.org/a_b%20c", "accessed": {"date-parts": [[2020, 1, 2]]}}),
        json!({"type": "chapter", "citation-key": "c", "title": "T", "container-title": "B", "container-author": [{"family": "X", "given": "Y"}]}),
        json!({"type": "book", "citation-key": "p", "title": "T", "bibtex-entrytype": "proceedings", "collection-title": "S", "collection-number": "4"}),
    ]
    .into_iter()
    .map(|v| v.as_object().unwrap().clone())
    .collect();
    let bib = bibtex::write(&items, &BIBTEX_ASCII);
    let bl = bibtex::write(&items, &BIBLATEX);
    for (text, want) in [
        (&bib, "@article{a,\n  title = {T},\n  journal = {J},\n  volume = {2},\n  number = {3},\n  pages = {5--9},\n  year = {2001},\n  month = feb,\n  date = {2001-02-03}\n}\n"),
        (&bl, "@article{a,\n  title = {T},\n  journaltitle = {J},\n  volume = {2},\n  number = {3},\n  pages = {5--9},\n  date = {2001-02-03}\n}\n"),
        (&bib, "@mastersthesis{t,\n  title = {T},\n  school = {Uni},\n  address = {Town}\n}\n"),
        (&bl, "@thesis{t,\n  title = {T},\n  institution = {Uni},\n  location = {Town},\n  type = {mathesis}\n}\n"),
        (&bib, "@techreport{r,\n  title = {T},\n  number = {7},\n  institution = {Inst}\n}\n"),
        (&bl, "@report{r,\n  title = {T},\n  number = {7},\n  institution = {Inst}\n}\n"),
        (&bib, "@misc{w,\n  title = {T},\n  urldate = {2020-01-02},\n  url = {https://example.org/a_b%20c}\n}\n"),
        (&bl, "@online{w,\n  title = {T},\n  urldate = {2020-01-02},\n  url = {https://example.org/a_b%20c}\n}\n"),
        (&bl, "@inbook{c,\n  bookauthor = {X, Y},\n  title = {T},\n  booktitle = {B}\n}\n"),
        (&bib, "@proceedings{p,\n  title = {T},\n  series = {S},\n  number = {4}\n}\n"),
    ] {
        assert!(text.contains(want), "missing\n{want}\nin\n{text}");
    }
    // Each reads back as it was (BibTeX has no @online).
    let (again, _) = import(&bl);
    assert_eq!(again, items.iter().map(|i| normalize_for(i, &BIBLATEX)).collect::<Vec<_>>());
}

#[test]
fn special_characters_are_escaped() {
    let table = [
        ("Fish & Chips", "Fish \\& Chips"),
        ("50% of $5", "50\\% of \\$5"),
        ("#1 a_b", "\\#1 a\\_b"),
        ("{braces}", "\\{braces\\}"),
        ("a~b ^c \\d", "a\\textasciitilde{}b \\textasciicircum{}c \\textbackslash{}d"),
        ("no\u{a0}break", "no~break"),
        ("a--b", "a-{}-b"),
        ("<i>Italic</i> and <b>bold</b>", "\\textit{Italic} and \\textbf{bold}"),
        ("H<sub>2</sub>O<sup>+</sup>", "H\\textsubscript{2}O\\textsuperscript{+}"),
        ("<span style=\"font-variant:small-caps;\">Sc</span>", "\\textsc{Sc}"),
        ("a < b", "a < b"),
    ];
    for (text, want) in table {
        assert_eq!(bibtex::encode_text(text, true, false), want, "{text}");
    }
    let accents = [
        ("é", "{\\'e}"),
        ("Müller", "M{\\\"u}ller"),
        ("ç", "{\\c{c}}"),
        ("č", "{\\v{c}}"),
        ("í", "{\\'{\\i}}"),
        ("ß", "{\\ss}"),
        ("Ø", "{\\O}"),
        ("ő", "{\\H{o}}"),
        ("1948–1949 — “q” ’s …", "1948--1949 --- ``q'' \\textquoteright{}s \\dots{}"),
        ("αβ", "$\\alpha\\beta$"),
        ("漢字", "漢字"),
    ];
    for (text, want) in accents {
        assert_eq!(bibtex::encode_text(text, false, false), want, "{text}");
        assert_eq!(bibtex::encode_text(text, true, false), text.replace('\u{a0}', "~"), "unicode mode keeps {text}");
    }
}

#[test]
fn case_is_protected_where_it_matters() {
    let table = [
        // Acronyms and internal capitals, in any title.
        ("The DNA of Bach", "The {DNA} of Bach"),
        ("Using LaTeX on an iPhone", "Using {LaTeX} on an {iPhone}"),
        ("COVID-19 and the Sino-Soviet Split", "{COVID-19} and the Sino-Soviet Split"),
        ("Maass forms on GL(3)", "Maass forms on {GL(3)}"),
        ("Vitamin C in a Diet", "Vitamin {C} in a Diet"),
        ("(CCP) policy", "({CCP}) policy"),
        // Title Case: capitalised words are not taken for proper nouns.
        ("The Political and Economic Foundations of the Sino-Soviet Alliance", "The Political and Economic Foundations of the Sino-Soviet Alliance"),
        // Sentence case: capitalised words after the first are.
        ("A history of the relations between China and the Soviet union", "A history of the relations between {China} and the {Soviet} union"),
        // The word after a colon starts a subtitle: not a proper noun.
        ("Notes on topology: Some remarks by Euler", "Notes on topology: Some remarks by {Euler}"),
    ];
    for (text, want) in table {
        assert_eq!(bibtex::encode_text(text, true, true), want, "{text}");
    }
    // Only title-like fields are protected.
    let item = json!({"type": "article-journal", "citation-key": "k", "title": "The DNA", "container-title": "IEEE Trans", "note": "DNA"});
    let out = bibtex::write(&[item.as_object().unwrap().clone()], &BIBLATEX);
    assert!(out.contains("title = {The {DNA}}") && out.contains("journaltitle = {IEEE Trans}") && out.contains("note = {DNA}"), "{out}");
}

#[test]
fn names_are_written_so_that_bibtex_reads_them_back() {
    let item = json!({"type": "book", "citation-key": "n", "title": "T", "author": [
        {"family": "Berg", "given": "Piet", "non-dropping-particle": "van der"},
        {"family": "King", "given": "Martin Luther", "suffix": "Jr."},
        {"literal": "World Health Organization"},
        {"family": "Barnes and Noble", "given": "A"},
        {"family": "de la Cruz", "given": "Juana"},
        {"literal": "others"}
    ]});
    let item = item.as_object().unwrap().clone();
    let out = bibtex::write(std::slice::from_ref(&item), &BIBLATEX);
    assert!(
        out.contains("author = {van der Berg, Piet and King, Jr., Martin Luther and {World Health Organization} and {Barnes and Noble}, A and {de la Cruz}, Juana and others}"),
        "{out}"
    );
    assert_eq!(one(&out)["author"], item["author"]);
}

#[test]
fn dates_in_both_flavours() {
    let cases = [
        (json!({"date-parts": [[2020, 5, 1]]}), "year = {2020},\n  month = may,\n  date = {2020-05-01}", "date = {2020-05-01}"),
        (json!({"date-parts": [[1999], [2000]]}), "year = {1999--2000},\n  date = {1999/2000}", "date = {1999/2000}"),
        (json!({"date-parts": [[1997]], "circa": true}), "year = {1997},\n  date = {1997~}", "date = {1997~}"),
        (json!({"literal": "Spring 1997"}), "year = {Spring 1997}", "year = {Spring 1997}"),
    ];
    for (date, bib, bl) in cases {
        let item = json!({"type": "book", "citation-key": "d", "title": "T", "issued": date});
        let item = item.as_object().unwrap().clone();
        let b = bibtex::write(std::slice::from_ref(&item), &BIBTEX_ASCII);
        let l = bibtex::write(std::slice::from_ref(&item), &BIBLATEX);
        assert!(b.contains(bib), "{b}");
        assert!(l.contains(bl), "{l}");
        assert_eq!(one(&b)["issued"], item["issued"], "{b}");
        assert_eq!(one(&l)["issued"], item["issued"], "{l}");
    }
    // BibTeX's own forms.
    let one_date = |fields: &str| one(&format!("@misc{{k, title = {{T}}, {fields}}}"))["issued"].clone();
    assert_eq!(one_date("year = 2001, month = {March}"), json!({"date-parts": [[2001, 3]]}));
    assert_eq!(one_date("year = 2001, month = 3, day = 14"), json!({"date-parts": [[2001, 3, 14]]}));
    assert_eq!(one_date("year = 2001, month = {May 5}"), json!({"date-parts": [[2001, 5, 5]]}));
    assert_eq!(one_date("date = {2019-02-28/2019-03-02}"), json!({"date-parts": [[2019, 2, 28], [2019, 3, 2]]}));
    assert_eq!(one_date("year = {forthcoming}"), json!({"literal": "forthcoming"}));
}

// ---------------------------------------------------------------------------
// Citation keys
// ---------------------------------------------------------------------------

#[test]
fn citation_keys_from_patterns() {
    let seed = seed_item();
    assert_eq!(citekey::generate(&seed, citekey::DEFAULT_PATTERN), "shen2020political");
    let item = json!({
        "title": "The Ünïcode Problem: On Folding, and the Rest",
        "author": [{"family": "Müller", "given": "Anna"}, {"family": "Øster", "given": "B."}, {"family": "de Vries", "given": "C."}],
        "issued": {"date-parts": [[2021, 4]]}
    });
    let item = item.as_object().unwrap().clone();
    let table = [
        ("[auth]", "Muller"),
        ("[auth:lower][year]", "muller2021"),
        ("[auth:upper]", "MULLER"),
        ("[authEtAl]", "MullerEtAl"),
        ("[authors]", "MullerOsterdeVries"),
        ("[year]", "2021"),
        ("[shorttitle]", "UnicodeProblemFolding"),
        ("[shorttitle:2:lower]", "unicodeproblem"),
        ("[veryshorttitle]", "Unicode"),
        ("[title:3]", "TheUnicodeProblem"),
        ("[title:lower:nopunct]", "theunicodeproblemonfoldingandtherest"),
        ("[auth:lower]_[year]-x", "muller_2021-x"),
        (citekey::DEFAULT_PATTERN, "muller2021unicode"),
        ("[nosuchfield]", "ref"),
    ];
    for (pattern, want) in table {
        assert_eq!(citekey::generate(&item, pattern), want, "{pattern}");
    }
    // Two authors: both names.
    let two = json!({"title": "X", "author": [{"family": "Doe"}, {"family": "Roe"}]});
    assert_eq!(citekey::generate(two.as_object().unwrap(), "[authEtAl]"), "DoeRoe");
    // Editors when there are no authors; a literal name's first word.
    let ed = json!({"title": "X", "editor": [{"literal": "World Health Organization"}]});
    assert_eq!(citekey::generate(ed.as_object().unwrap(), "[auth:lower]"), "world");
}

#[test]
fn citation_keys_are_made_unique() {
    let taken = ["doe2020", "doe2020a", "doe2020b", "x", "xa"];
    let is_taken = |k: &str| taken.contains(&k);
    assert_eq!(citekey::unique("doe2020", &is_taken), "doe2020c");
    assert_eq!(citekey::unique("roe2020", &is_taken), "roe2020");
    assert_eq!(citekey::unique("x", &is_taken), "xb");
    // After z comes aa.
    let many: Vec<String> = std::iter::once("k".to_string()).chain((b'a'..=b'z').map(|c| format!("k{}", c as char))).collect();
    assert_eq!(citekey::unique("k", &|k| many.iter().any(|m| m == k)), "kaa");
    // In an export, items without a key get generated ones, unique among
    // the file's own keys.
    let item = |title: &str| json!({"type": "book", "title": title, "author": [{"family": "Doe"}], "issued": {"date-parts": [[2020]]}}).as_object().unwrap().clone();
    let mut keyed = item("Other");
    keyed.insert("citation-key".into(), json!("doe2020book"));
    let out = bibtex::write(&[item("Book"), item("Book"), keyed.clone(), keyed], &BIBLATEX);
    let keys: Vec<&str> = out.lines().filter_map(|l| l.strip_prefix("@book{")).map(|l| l.trim_end_matches(',')).collect();
    assert_eq!(keys, ["doe2020booka", "doe2020bookb", "doe2020book", "doe2020bookc"]);
}

// ---------------------------------------------------------------------------
// Found by the property tests (tests/roundtrip_props.rs, issue 9): each with
// the smallest input proptest gave
// ---------------------------------------------------------------------------

const ALL_FLAVOURS: [BibOptions; 4] = [
    BibOptions { biblatex: false, unicode: true },
    BIBTEX_ASCII,
    BIBLATEX,
    BibOptions { biblatex: true, unicode: false },
];

/// An article with these variables besides its type, key, title and journal
/// (the smallest record proptest shrinks to).
fn article(more: Value) -> Item {
    let mut item = json!({"type": "article-journal", "citation-key": "A0", "title": "The", "container-title": "The"});
    item.as_object_mut().unwrap().extend(more.as_object().unwrap().clone());
    item.as_object().unwrap().clone()
}

/// The item written in `opts` and read back, and the text written.
fn bib_round_trip(item: &Item, opts: &BibOptions) -> (Item, String) {
    let text = bibtex::write(std::slice::from_ref(item), opts);
    (one(&text), text)
}

#[test]
fn issue_9_a_title_with_an_ideographic_space_does_not_hang_the_bibtex_export() {
    // Case protection looked for words between blanks, taking only ASCII
    // blanks and the no-break space for blanks: at a U+3000 (or a thin
    // space) it found an empty word and never moved on.
    for title in ["日本\u{3000}語", "a\u{2009}b", "10\u{202f}000 Pages"] {
        let item = article(json!({"title": title}));
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(ALL_FLAVOURS.map(|opts| bibtex::write(std::slice::from_ref(&item), &opts)));
        });
        let written = rx.recv_timeout(Duration::from_secs(30)).unwrap_or_else(|_| panic!("writing {title:?} hangs"));
        for (text, opts) in written.iter().zip(ALL_FLAVOURS) {
            assert_eq!(s(&one(text), "title"), title, "{opts:?}: {text}");
        }
    }
}

#[test]
fn issue_9_a_narrow_no_break_space_round_trips_through_bibtex() {
    // The crate makes a plain space of any white space; Unicode spaces
    // other than the no-break space (`~`) are characters of the text.
    for space in ['\u{202f}', '\u{2009}', '\u{3000}', '\u{2002}'] {
        let item = json!({"type": "chapter", "citation-key": "A0", "title": "The", "container-title": format!("10{space}000")});
        let item = item.as_object().unwrap().clone();
        for opts in ALL_FLAVOURS {
            let (back, text) = bib_round_trip(&item, &opts);
            assert_eq!(back, normalize_for(&item, &opts), "{opts:?}: {text}");
        }
    }
    // A no-break space written as such (not as `~`) is a tie, as `~` is.
    assert_eq!(s(&one("@misc{k, title = {Fig.\u{a0}1}}"), "title"), "Fig.\u{a0}1");
}

#[test]
fn issue_9_a_backtick_and_two_apostrophes_round_trip_through_bibtex() {
    // TeX makes quotes of `` ` `` and `''`: they are written as
    // `\textasciigrave{}` and `'\textquotesingle{}`, which read back as written.
    let cases = [
        article(json!({"translator": [{"family": "`", "given": "The"}]})),
        article(json!({"abstract": "''"})),
        article(json!({"title": "The `unsafe' keyword, ``quoted'' and it''s"})),
        // ASCII LaTeX: a quote mark next to the same mark is a command.
        article(json!({"title": "‘“Nested”’ and “‘nested’” and '” and ”'"})),
    ];
    for item in cases {
        for opts in ALL_FLAVOURS {
            let (back, text) = bib_round_trip(&item, &opts);
            assert_eq!(back, normalize_for(&item, &opts), "{opts:?}: {text}");
        }
    }
    assert_eq!(bibtex::encode_text("a`b''c", true, false), "a\\textasciigrave{}b'\\textquotesingle{}c");
    // And in a file from elsewhere.
    assert_eq!(s(&one("@misc{k, title = {\\textasciigrave{}x' and '\\textquotesingle{}}}"), "title"), "`x' and ''");
}

#[test]
fn issue_9_an_en_dash_before_a_hyphen_round_trips_through_ascii_bibtex() {
    // `–` is `--` in ASCII: next to a hyphen or another dash, `{}` keeps
    // them apart (`---` is an em dash).
    for note in ["–-", "-–", "––", "—-", "a–-b"] {
        let item = article(json!({"note": note}));
        for opts in ALL_FLAVOURS {
            let (back, text) = bib_round_trip(&item, &opts);
            assert_eq!(s(&back, "note"), note, "{opts:?}: {text}");
        }
    }
    assert_eq!(bibtex::encode_text("–-", false, false), "--{}-");
}

#[test]
fn issue_9_a_name_with_an_equals_sign_round_trips_through_bibtex() {
    // The crate takes any name with a `=` for BibLaTeX's `family=…` form.
    let item = article(json!({"author": [{"family": "=", "given": "The"}, {"family": "A=B", "given": "C = D"}]}));
    for opts in ALL_FLAVOURS {
        let (back, text) = bib_round_trip(&item, &opts);
        assert_eq!(back, item, "{opts:?}: {text}");
    }
    // The extended form is still read as such.
    let n = one("@misc{k, title = {T}, author = {family={Barnes and Noble}, given=A}}");
    assert_eq!(n["author"], json!([{"family": "Barnes and Noble", "given": "A"}]));
}

#[test]
fn issue_9_a_family_name_starting_with_an_accented_word_round_trips_through_ascii_bibtex() {
    // `{\'O} Briain`: a word that starts with a brace group reads as a "von"
    // part; in ASCII such a family name of several words is braced whole.
    let item = article(json!({"author": [{"family": "Ó Briain", "given": "Zhihua"}, {"family": "Øster Ås", "given": "B"}]}));
    for opts in ALL_FLAVOURS {
        let (back, text) = bib_round_trip(&item, &opts);
        assert_eq!(back, item, "{opts:?}: {text}");
    }
    assert!(bibtex::write(std::slice::from_ref(&item), &BIBTEX_ASCII).contains("author = {{{\\'O} Briain}, Zhihua and "));
}

#[test]
fn issue_9_a_url_with_two_hyphens_round_trips_through_bibtex() {
    // The crate made an en dash of `--` in verbatim fields too.
    let item = article(json!({"URL": "https://example.org/some--slug#--", "DOI": "10.1234/a--b---c"}));
    for opts in ALL_FLAVOURS {
        let (back, text) = bib_round_trip(&item, &opts);
        assert_eq!(back, item, "{opts:?}: {text}");
    }
}

#[test]
fn issue_9_a_greek_letter_in_a_name_round_trips_through_ascii_bibtex() {
    // ASCII writes Greek as math (`$\alpha$`); in a name it read back as
    // `$α$`, and math in a brace group made a literal name a family name.
    let item = article(json!({"author": [
        {"family": "The", "given": "α-conversion"},
        {"family": "Παπαδόπουλος", "given": "Ω"},
        {"literal": "Ελληνική Μαθηματική Εταιρεία"},
        {"literal": "α Group"}
    ]}));
    for opts in ALL_FLAVOURS {
        let (back, text) = bib_round_trip(&item, &opts);
        assert_eq!(back, item, "{opts:?}: {text}");
    }
}

// ---------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------

/// A small deterministic generator for junk.
fn junk(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed;
    (0..len)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let b = (x >> 56) as u8;
            // Plenty of the characters the parser cares about.
            match b % 16 {
                0 => b'@',
                1 => b'{',
                2 => b'}',
                3 => b'"',
                4 => b'\\',
                5 => b'\n',
                6 => b'=',
                7 => b',',
                _ => b,
            }
        })
        .collect()
}

#[test]
fn bad_files_give_errors_not_panics() {
    assert!(bibtex::parse("").is_empty());
    assert!(bibtex::parse("   \n% only a comment\n@comment{x}\n").is_empty());
    assert!(bibtex::parse("\u{feff}").is_empty());
    // Binary junk, several seeds.
    for seed in 1..=20 {
        let text = String::from_utf8_lossy(&junk(200_000, seed)).into_owned();
        let results = bibtex::parse(&text);
        assert!(results.iter().all(|r| r.as_ref().is_ok_and(|w| w.title.is_some()) || r.is_err()));
    }
    // Truncated in the middle of an entry: what comes before imports, the
    // cut entry is reported.
    let text = fixture("broken-middle.bib");
    let cut = &text[..text.find("The Last Entry").unwrap()];
    let results = bibtex::parse(cut);
    let last = results.last().unwrap().as_ref().unwrap_err();
    assert_eq!(last.entry.as_deref(), Some("last"));
    assert!(last.message.contains("end of the file"), "{last}");
    assert!(results[0].is_ok());
    // Odd but harmless.
    for text in ["@", "@@@@", "@article", "@article{", "@article{,}", "@article{k,", "@article{k, title = {x}", "@string{x = }",
        "@article{k, title = \"unclosed}", "@{k, title = {T}}", "}}}}", "@article(k, title = {T}", "@preamble{\"\\newcommand{\\x}{\"}"] {
        let _ = bibtex::parse(text);
    }
}

#[test]
fn huge_single_line_files_are_linear() {
    const MB50: usize = 50 << 20;
    let started = Instant::now();
    // One 50 MB entry on one line.
    let mut text = String::with_capacity(MB50 + 64);
    text.push_str("@misc{huge, title = {");
    while text.len() < MB50 {
        text.push_str("words and more words ");
    }
    text.push_str("}}");
    let r = bibtex::parse(&text);
    assert_eq!(r.len(), 1);
    let e = r[0].as_ref().unwrap_err();
    assert_eq!((e.line, e.entry.as_deref()), (1, Some("huge")));
    assert!(e.message.contains("bytes"), "{e}");
    // 50 MB of opening braces.
    let text = format!("@misc{{deep, title = {}", "{".repeat(MB50));
    let r = bibtex::parse(&text);
    assert!(r[0].as_ref().unwrap_err().message.contains("not closed"));
    // 50 MB of text with no entry at all.
    let text = "x".repeat(MB50);
    assert!(bibtex::parse(&text).is_empty());
    // 50 MB of `@` with no entry heads.
    let text = "@a ".repeat(MB50 / 3);
    assert!(bibtex::parse(&text).is_empty());
    assert!(started.elapsed() < Duration::from_secs(60), "{:?}", started.elapsed());

    // Many small entries on one line: time grows linearly.
    let line = |n: usize| (0..n).map(|i| format!("@misc{{k{i}, title = {{Title {i}}}, year = 2000}} ")).collect::<String>();
    let t = Instant::now();
    assert_eq!(bibtex::parse(&line(2_000)).len(), 2_000);
    let small = t.elapsed();
    let t = Instant::now();
    let r = bibtex::parse(&line(20_000));
    let large = t.elapsed();
    assert!(r.iter().all(Result::is_ok) && r.len() == 20_000);
    assert!(large < small * 30, "2,000 entries: {small:?}, 20,000: {large:?}");

    // The most brace groups an entry may have, nested pairs (the parser's
    // worst case), stays fast.
    let groups = "{{a}}".repeat(2_400);
    let t = Instant::now();
    let item = one(&format!("@misc{{k, title = {{{groups}}}}}"));
    assert_eq!(s(&item, "title").len(), 2_400);
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    let too_many = "{a}".repeat(30_000);
    let r = bibtex::parse(&format!("@misc{{k, title = {{{too_many}}}}}"));
    assert!(r[0].as_ref().unwrap_err().message.contains("brace groups"));
}
