//! Property tests (issue 9): "export, then import, gives the same record"
//! for CSL-JSON, BibTeX (Unicode and ASCII), BibLaTeX and RIS.
//!
//! The generators make realistic flat CSL-JSON items of many types (an
//! article with its journal, a chapter with its book, editors and series, a
//! conference paper, a thesis, a report, a web page, a data set…) whose text
//! mixes plain words, accented and CJK letters, dashes and quotes, the
//! characters LaTeX treats specially (`{ } \ $ % & # _ ~ ^`), rich-text tags,
//! odd white space; names with particles, suffixes and institutions; dates
//! of one to three parts, ranges, "circa" and literal dates; pages, volume
//! and issue, DOIs, ISBNs and ISSNs with valid check digits, URLs, abstracts
//! of several paragraphs, notes, keywords.
//!
//! Every item is first checked to be what the library itself would export
//! (`flatten(split(work_from_csl(item))) == item`), so that each property
//! compares a library record with what comes back. What a format changes
//! on purpose is applied to the expected record, each rule with the reason
//! the module documents:
//! * CSL-JSON: nothing (any text, any extra variable, any JSON value).
//! * BibTeX and BibLaTeX ([`bib_expected`], with `formats_bibtex::normalize_for`):
//!   the types classic BibTeX lacks; white space collapsed as TeX does; a
//!   no-break space in a name a plain one; one "von" part; a one-word
//!   literal name a family name; pages with `-`; other importers' fields
//!   as `bibtex-<field>`. Text that the writer writes as math on purpose is
//!   left out ([`bib_math`]).
//! * RIS ([`ris_expected`]): blanks at the ends of values and lines dropped,
//!   line breaks of one-line tags as spaces; fields of other importers
//!   (`bibtex-…`) not written.
//!
//! What the generators leave out, each where it is left out: capitalised
//! particles, given names alone, seasons, types with no entry type of their
//! own, DOIs with `%`.
//!
//! 256 cases a property by default (`PROPTEST_CASES` overrides it); failures
//! are kept as seeds in roundtrip_props.proptest-regressions beside this file.

use ibid_core::csl;
use ibid_formats::bibtex::{self, BibOptions};
use ibid_formats::ris;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::TestCaseError;
use serde_json::{json, Map, Value};

type Item = Map<String, Value>;

/// 256 cases a property unless `PROPTEST_CASES` says otherwise (proptest's
/// own default, written down here so that it does not change under us).
/// Failing cases are kept where proptest keeps them for a crate without
/// `src/lib.rs`: beside this file, in roundtrip_props.proptest-regressions
/// (named here only so that proptest does not warn each run that it looked
/// for a `lib.rs`).
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256);
    let persistence = proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions");
    ProptestConfig { cases, failure_persistence: Some(Box::new(persistence)), ..ProptestConfig::default() }
}

// ---------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------

#[rustfmt::skip]
const PLAIN_WORDS: &[&str] = &[
    "The", "analysis", "of", "a", "on", "and", "Theory", "data", "in", "Bach", "learning", "DNA", "iPhone", "LaTeX",
    "COVID-19", "Sino-Soviet", "GL(3)", "(CCP)", "C", "A", "x", "2020", "1948", "Part", "II", "vol.", "e.g.", "O'Neil",
    "self-organizing", "3D", "U.S.", "C++", "Euler", "Foundations", "Relations", "between", "China", "Soviet", "union",
    "Notes:", "Why?", "results.", "[draft]", "1.5", "pp.", "no.", "vs.", "AND",
];

#[rustfmt::skip]
const UNICODE_WORDS: &[&str] = &[
    "Müller", "café", "naïve", "Ærøskøbing", "Łódź", "Straße", "São", "Nguyễn", "Đặng", "Vrečar", "Genç", "İstanbul",
    "ǘber", "Ångström", "façade", "Žižek", "Dvořák", "Øster", "þorn", "漢字", "日本語の研究", "中国", "한국어",
    "α-conversion", "β", "Ω", "ϵ", "ς", "ο", "Ελληνικά", "русский", "עברית", "العربية", "1948–1949", "—", "–",
    "“quoted”", "‘single’", "it’s", "…", "«guillemets»", "¿Qué?", "©", "€5", "°C", "µm", "½", "𝔸", "😀", "ǅ", "ﬁne",
    "10\u{202f}000", "a\u{2009}b", "日本\u{3000}語",
];

#[rustfmt::skip]
const SPECIAL_WORDS: &[&str] = &[
    "{", "}", "{braces}", "\\", "\\alpha", "\\LaTeX", "$", "$5", "50%", "%", "&", "R&D", "#1", "C#", "a_b", "_", "~",
    "~user", "^", "x^2", "a--b", "--", "---", "-", "'", "''", "`", "``quoted''", "\"", "\"q\"", "<", "a<b",
    "<i>Italic</i>", "<b>bold</b>", "H<sub>2</sub>O", "x<sup>2</sup>", "@", "@misc{x,", "=", ",", ";", "{\\'e}",
    "\\textit{x}", "\\url{x}", "}{", "\\\\", "%%", "&amp;",
];

/// One word: mostly plain, often Unicode or special, sometimes a random
/// run of the characters that matter. (No `>` in the random runs: it could
/// close a rich-text tag made of random characters, which only the
/// word lists hold, balanced.)
fn word() -> BoxedStrategy<String> {
    prop_oneof![
        8 => select(PLAIN_WORDS).prop_map(String::from),
        3 => select(UNICODE_WORDS).prop_map(String::from),
        3 => select(SPECIAL_WORDS).prop_map(String::from),
        2 => "[a-zA-Z0-9éüßøαβ漢字–—’“”…{}\\\\$%&#_~^'\"`<@=,.;:!?()/*+|-]{1,6}",
    ]
    .boxed()
}

/// What goes between two words: a space, now and then two, a tab, a
/// no-break space, or (`lines`) a line break. (No `\r`: RIS and BibTeX
/// files are read with any line end, which is tested with the fixtures.)
fn separator(lines: bool) -> impl Strategy<Value = &'static str> {
    prop_oneof![
        30 => Just(" "),
        2 => Just("  "),
        1 => Just("\t"),
        1 => Just("\u{a0}"),
        1 => Just(" \u{a0}"),
        if lines { 1 } else { 0 } => Just("\n"),
    ]
}

/// Words with separators; sometimes a blank before or after (a library
/// record can hold one: a CSL-JSON import keeps it).
fn text_with(max_words: usize, lines: bool) -> BoxedStrategy<String> {
    (
        proptest::collection::vec((separator(lines), word()), 1..=max_words),
        prop_oneof![12 => Just(""), 1 => Just(" ")],
        prop_oneof![12 => Just(""), 1 => Just(" ")],
    )
        .prop_map(|(words, pre, post)| {
            let mut s = String::from(pre);
            for (n, (sep, w)) in words.iter().enumerate() {
                if n > 0 {
                    s.push_str(sep);
                }
                s.push_str(w);
            }
            s.push_str(post);
            s
        })
        .boxed()
}

/// A one-line text (a title may have a line break: see `text_with`).
fn text(max_words: usize) -> impl Strategy<Value = String> {
    text_with(max_words, false)
}

/// Paragraphs of lines: an abstract or a note.
fn long_text() -> BoxedStrategy<String> {
    (
        proptest::collection::vec((text_with(12, true), select(&["\n", "\n\n", "\n\n\n", "\n \n"][..])), 1..=3),
        prop_oneof![8 => Just(""), 1 => Just("  "), 1 => Just("\n")],
    )
        .prop_map(|(paras, end)| {
            let mut s = String::new();
            for (n, (p, sep)) in paras.iter().enumerate() {
                if n > 0 {
                    s.push_str(sep);
                }
                s.push_str(p);
            }
            s.push_str(end);
            s
        })
        .boxed()
}

// ---------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------

#[rustfmt::skip]
const FAMILIES: &[&str] = &[
    "Shen", "Müller", "O'Neil", "Agin-Liebes", "Smith", "Nguyễn", "Đặng", "Ziegler", "Łukasiewicz", "Dvořák", "王",
    "山田", "Kim", "García Márquez", "de la Cruz", "Barnes and Noble", "Smith, Jr", "Ødegård", "Ó Briain", "Al-Khwarizmi",
    "Brontë", "Vrečar", "Kohlhase", "Lee {Ann}", "100%", "R&D", "Tilde~Man", "Παπαδόπουλος", "Ω Ω",
];
#[rustfmt::skip]
const GIVENS: &[&str] = &[
    "Zhihua", "Jörg", "Mary", "J. R. R.", "Jean-Paul", "Martin Luther", "Piet", "Günter M.", "Anne-Marie", "小明",
    "太郎", "Ana María", "Åse", "Li", "Ed", "and", "A, B", "Émile", "Ðorđe", "Ç.",
];
/// Lower-case particles only: BibTeX tells the "von" part from the family
/// name by its lower-case first letter, so a capitalised particle ("De
/// Morgan") cannot be told apart from a two-word family name there.
const PARTICLES: &[&str] = &["van", "van der", "de", "de la", "von", "di", "du", "da", "ten"];
const SUFFIXES: &[&str] = &["Jr.", "Sr.", "III", "II"];
#[rustfmt::skip]
const INSTITUTIONS: &[&str] = &[
    "World Health Organization", "UNESCO", "Institute of Things", "Health Department, Ministry of Things",
    "Barnes and Noble", "CERN", "Deutsche Forschungsgemeinschaft", "国立情報学研究所", "R&D Group", "The 50% Club",
    "Ελληνική Μαθηματική Εταιρεία", "α Group", "ΣΙΓΜΑ",
];

/// A name: family and given (a particle, a suffix now and then), a family
/// name alone, an institution, or parts of any text. Not generated: a given
/// name alone (BibTeX has no form for it: a lone brace group reads back as a
/// literal or family name).
fn name() -> BoxedStrategy<Value> {
    prop_oneof![
        10 => (
            select(FAMILIES),
            select(GIVENS),
            prop_oneof![6 => Just(None), 1 => select(PARTICLES).prop_map(Some)],
            prop_oneof![8 => Just(None), 1 => select(SUFFIXES).prop_map(Some)],
            prop_oneof![12 => Just(None), 1 => select(PARTICLES).prop_map(Some)],
        )
            .prop_map(|(family, given, particle, suffix, dropping)| {
                let mut o = Map::new();
                o.insert("family".into(), json!(family));
                o.insert("given".into(), json!(given));
                if let Some(p) = particle {
                    o.insert("non-dropping-particle".into(), json!(p));
                }
                if let Some(p) = dropping {
                    o.insert("dropping-particle".into(), json!(p));
                }
                if let Some(s) = suffix {
                    o.insert("suffix".into(), json!(s));
                }
                Value::Object(o)
            }),
        // A family name alone (a mononym, or a name known only so).
        1 => select(FAMILIES).prop_map(|f| json!({"family": f})),
        2 => select(INSTITUTIONS).prop_map(|l| json!({"literal": l})),
        // Whatever a name part may be.
        1 => (text(3), text(2)).prop_map(|(f, g)| json!({"family": f, "given": g})),
    ]
    .boxed()
}

fn names(max: usize) -> BoxedStrategy<Vec<Value>> {
    (proptest::collection::vec(name(), 1..=max), prop_oneof![10 => Just(false), 1 => Just(true)])
        .prop_map(|(mut v, others)| {
            if others {
                v.push(json!({"literal": "others"}));
            }
            v
        })
        .boxed()
}

// ---------------------------------------------------------------------------
// Dates, numbers, identifiers
// ---------------------------------------------------------------------------

/// A date of one to three parts, a range, a "circa" year or a literal. Not
/// generated: a `season`, which BibTeX has no field for (classic BibTeX has
/// year and month only; the BibLaTeX writer does not give it EDTF's season
/// codes either): it is lost on a BibTeX export.
fn date() -> BoxedStrategy<Value> {
    let ymd = (1500i64..=2030, 1i64..=12, 1i64..=28);
    prop_oneof![
        4 => (1500i64..=2030).prop_map(|y| json!({"date-parts": [[y]]})),
        3 => (1500i64..=2030, 1i64..=12).prop_map(|(y, m)| json!({"date-parts": [[y, m]]})),
        4 => ymd.clone().prop_map(|(y, m, d)| json!({"date-parts": [[y, m, d]]})),
        1 => (1500i64..=2030, 1i64..=5).prop_map(|(y, n)| json!({"date-parts": [[y], [y + n]]})),
        1 => (ymd, 0i64..=11, 1i64..=28).prop_map(|((y, m, d), more, d2)| {
            let m2 = (m + more).min(12);
            let d2 = if m2 == m { d.max(d2) } else { d2 };
            json!({"date-parts": [[y, m, d], [y, m2, d2]]})
        }),
        1 => (1500i64..=2030).prop_map(|y| json!({"date-parts": [[y]], "circa": true})),
        1 => select(&["Spring 1997", "forthcoming", "n.d.", "Winter 2001–2002", "in press"][..]).prop_map(|l| json!({"literal": l})),
    ]
    .boxed()
}

fn page() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (1u32..2000, 0u32..60).prop_map(|(a, n)| format!("{a}-{}", a + n)),
        1 => (1u32..2000, 0u32..60).prop_map(|(a, n)| format!("{a}–{}", a + n)),
        1 => (1u32..99999).prop_map(|a| format!("e{a}")),
        1 => (1u32..200, 1u32..9).prop_map(|(a, n)| format!("S{a}-S{}", a + n)),
        1 => Just("xi-xx".to_string()),
        1 => (1u32..300).prop_map(|a| a.to_string()),
        1 => (1u32..300, 1u32..9).prop_map(|(a, n)| format!("{a}, {}-{}", a + 5, a + 5 + n)),
    ]
}

fn number() -> impl Strategy<Value = String> {
    prop_oneof![4 => (1u32..500).prop_map(|n| n.to_string()), 1 => "[1-9][0-9]{0,2}[A-Za-z/-][0-9]{1,3}", 1 => Just("Suppl. 2".to_string())]
}

/// An ISBN-13 with a valid check digit, as the library stores it (13 digits).
fn isbn() -> impl Strategy<Value = String> {
    (prop_oneof![Just("978"), Just("979")], proptest::collection::vec(0u32..10, 9)).prop_filter_map("a valid ISBN", |(prefix, digits)| {
        let mut s = String::from(prefix);
        for d in digits {
            s.push(char::from_digit(d, 10).unwrap());
        }
        let sum: u32 = s.chars().enumerate().map(|(i, c)| c.to_digit(10).unwrap() * if i % 2 == 0 { 1 } else { 3 }).sum();
        s.push(char::from_digit((10 - sum % 10) % 10, 10).unwrap());
        // (Kept when the library reads it as itself.)
        (ibid_core::ident::normalize_isbn(&s).ok() == Some(s.clone())).then_some(s)
    })
}

/// An ISSN with a valid check digit (`NNNN-NNNC`).
fn issn() -> impl Strategy<Value = String> {
    proptest::collection::vec(0u32..10, 7).prop_map(|d| {
        let sum: u32 = d.iter().enumerate().map(|(i, x)| x * (8 - i as u32)).sum();
        let check = (11 - sum % 11) % 11;
        let digits: String = d.iter().map(|x| char::from_digit(*x, 10).unwrap()).collect();
        let c = if check == 10 { 'X' } else { char::from_digit(check, 10).unwrap() };
        format!("{}-{}{c}", &digits[..4], &digits[4..])
    })
}

/// A DOI as the library stores it: lower case, ending in a letter or digit.
/// (No `%`: `normalize_doi` percent-decodes, so a DOI holding `%` followed by
/// two hex digits is not a fixed point of the library's own normalisation.)
fn doi() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => ("10\\.[1-9][0-9]{3,4}", "[a-z0-9][a-z0-9._;()/:<>#+-]{0,24}[a-z0-9]").prop_map(|(p, s)| format!("{p}/{s}")),
        1 => Just("10.1002/(sici)1097-4636(199603)30:3<273::aid-jbm1>3.0.co;2-k".to_string()),
        1 => Just("10.1007/978-981-13-8641-1_7".to_string()),
    ]
}

fn url() -> impl Strategy<Value = String> {
    (
        select(&["https://example.org", "http://www.example.com", "https://math-comp.github.io", "ftp://ftp.example.net"][..]),
        "(/[A-Za-z0-9._~-]{1,10}){0,3}",
        prop_oneof![3 => Just(String::new()), 1 => "\\?[a-z]{1,5}=[A-Za-z0-9%_]{1,8}(&[a-z]{1,5}=[0-9]{1,3})?", 1 => "#[a-z0-9_-]{1,8}"],
    )
        .prop_map(|(host, path, tail)| format!("{host}{path}{tail}"))
}

// ---------------------------------------------------------------------------
// Items
// ---------------------------------------------------------------------------

/// The types generated (the common ones twice). Only types with an entry
/// type of their own in BibLaTeX, or that both flavours write as `@misc`
/// (read back as `document`, as `normalize_for` expects): BibLaTeX has no
/// entry type for `review`, `post`, `map`, `broadcast`…, which the writer
/// gives the nearest one (`@article`, `@misc`), so they do not read back
/// as themselves in any BibTeX flavour.
#[rustfmt::skip]
const TYPES: &[&str] = &[
    "article-journal", "article-journal", "article-magazine", "article-newspaper", "book", "book", "chapter", "chapter",
    "paper-conference", "paper-conference", "entry-encyclopedia", "thesis", "thesis", "report", "report", "webpage",
    "webpage", "dataset", "manuscript", "software", "document",
];

/// The variables every type may have.
#[derive(Debug, Clone)]
struct Common {
    key: String,
    title: String,
    title_short: Option<String>,
    authors: Option<Vec<Value>>,
    translators: Option<Vec<Value>>,
    issued: Option<Value>,
    doi: Option<String>,
    url: Option<String>,
    abstract_: Option<String>,
    note: Option<String>,
    language: Option<String>,
    keyword: Option<String>,
    /// Fields an import kept that have no CSL variable: `bibtex-<field>`
    /// (a BibTeX import), `ris:<tag>` (a RIS import).
    kept: Vec<(&'static str, String)>,
}

/// The variables of containers, publishers and numbering; which of them an
/// item gets depends on its type.
#[derive(Debug, Clone)]
struct Parts {
    container: String,
    container_short: Option<String>,
    editors: Option<Vec<Value>>,
    container_authors: Option<Vec<Value>>,
    collection: Option<String>,
    collection_number: Option<String>,
    publisher: Option<String>,
    place: Option<String>,
    volume: Option<String>,
    issue: Option<String>,
    page: Option<String>,
    edition: Option<String>,
}

#[derive(Debug, Clone)]
struct More {
    isbn: Vec<String>,
    issn: Vec<String>,
    genre: Option<&'static str>,
    number: Option<String>,
    accessed: Option<Value>,
    event_title: Option<String>,
    event_place: Option<String>,
    version: Option<String>,
    number_of_pages: Option<String>,
    /// `archive`, `archive_location`, `PMID`, `call-number`, `original-title`.
    archival: Vec<(&'static str, String)>,
}

fn maybe<S: Strategy>(p: u32, s: S) -> impl Strategy<Value = Option<S::Value>> {
    proptest::option::weighted(f64::from(p) / 100.0, s)
}

fn common() -> BoxedStrategy<Common> {
    (
        ("[A-Za-z][A-Za-z0-9:_.+/-]{0,15}", prop_oneof![12 => text(12), 1 => text_with(12, true)], maybe(15, text(4))),
        (maybe(85, names(5)), maybe(10, names(2)), maybe(85, date())),
        (maybe(40, doi()), maybe(40, url()), maybe(35, long_text()), maybe(25, long_text())),
        (
            maybe(30, select(&["en", "de", "en-GB", "zh-CN", "fr", "ja"][..]).prop_map(String::from)),
            maybe(
                30,
                prop_oneof![text(4), Just("alpha, beta, gamma".into()), Just("Receptor, Serotonin; Mice".into()), Just("a,b".into())],
            ),
            proptest::collection::vec(
                (select(&["bibtex-owner", "bibtex-timestamp", "bibtex-groups", "ris:C1", "ris:L1", "ris:U1"][..]), text(4)),
                0..=2,
            ),
        ),
    )
        .prop_map(|((key, title, title_short), (authors, translators, issued), (doi, url, abstract_, note), (language, keyword, kept))| {
            Common { key, title, title_short, authors, translators, issued, doi, url, abstract_, note, language, keyword, kept }
        })
        .boxed()
}

fn parts() -> BoxedStrategy<Parts> {
    (
        (text(8), maybe(30, text(3)), maybe(70, names(3)), maybe(20, names(2))),
        (maybe(40, text(5)), maybe(30, number()), maybe(70, text(4)), maybe(50, text(2))),
        (
            maybe(70, number()),
            maybe(60, number()),
            maybe(70, page()),
            maybe(20, select(&["2nd", "3", "Revised edition"][..]).prop_map(String::from)),
        ),
    )
        .prop_map(
            |(
                (container, container_short, editors, container_authors),
                (collection, collection_number, publisher, place),
                (volume, issue, page, edition),
            )| Parts {
                container,
                container_short,
                editors,
                container_authors,
                collection,
                collection_number,
                publisher,
                place,
                volume,
                issue,
                page,
                edition,
            },
        )
        .boxed()
}

fn more() -> BoxedStrategy<More> {
    (
        proptest::collection::vec(isbn(), 0..=2),
        proptest::collection::vec(issn(), 0..=2),
        maybe(
            60,
            select(
                &[
                    "PhD thesis",
                    "Master's thesis",
                    "Habilitation thesis",
                    "MSc thesis",
                    "Technical report",
                    "Working paper",
                    "Diplomarbeit",
                ][..],
            ),
        ),
        maybe(60, number()),
        maybe(60, date()),
        (maybe(40, text(5)), maybe(40, text(2)), maybe(40, select(&["1.0", "2.3.1", "v4"][..]).prop_map(String::from))),
        maybe(30, (50u32..900).prop_map(|n| n.to_string())),
        (
            maybe(15, select(&["MEDLINE", "PubMed", "JSTOR", "Some Database"][..]).prop_map(String::from)),
            maybe(15, prop_oneof!["[1-9][0-9]{4,8}", "ACC-[0-9]{3}", Just("12345 ".to_string())]),
            maybe(10, "[1-9][0-9]{4,8}"),
            maybe(10, Just("QA76 .X1".to_string())),
            maybe(10, text(5)),
        ),
    )
        .prop_map(|(isbn, issn, genre, number, accessed, (event_title, event_place, version), number_of_pages, archival)| More {
            isbn,
            issn,
            genre,
            number,
            accessed,
            event_title,
            event_place,
            version,
            number_of_pages,
            archival: [
                ("archive", archival.0),
                ("archive_location", archival.1),
                ("PMID", archival.2),
                ("call-number", archival.3),
                ("original-title", archival.4),
            ]
            .into_iter()
            .filter_map(|(k, v)| Some((k, v?)))
            .collect(),
        })
        .boxed()
}

/// One flat CSL-JSON item of type `ty`, with the variables that type has.
fn build(ty: &str, c: Common, p: Parts, m: More) -> Item {
    let mut o = Map::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            o.insert(k.to_string(), v);
        }
    };
    let s = |v: Option<String>| v.map(Value::String);
    let names = |v: Option<Vec<Value>>| v.map(Value::Array);
    let list = |v: Vec<String>| (!v.is_empty()).then(|| json!(v));
    put("type", Some(json!(ty)));
    put("citation-key", Some(json!(c.key)));
    put("title", Some(json!(c.title)));
    put("title-short", s(c.title_short));
    put("author", names(c.authors));
    put("translator", names(c.translators));
    put("issued", c.issued);
    put("DOI", s(c.doi));
    put("URL", s(c.url));
    put("abstract", s(c.abstract_));
    put("note", s(c.note));
    put("language", s(c.language));
    put("keyword", s(c.keyword));
    for (k, v) in m.archival.into_iter().chain(c.kept) {
        put(k, Some(Value::String(v)));
    }
    match ty {
        "article-journal" | "article-magazine" | "article-newspaper" => {
            put("container-title", Some(json!(p.container)));
            put("container-title-short", s(p.container_short));
            put("volume", s(p.volume));
            put("issue", s(p.issue));
            put("page", s(p.page));
            put("ISSN", list(m.issn));
        }
        "book" => {
            put("editor", names(p.editors));
            put("publisher", s(p.publisher));
            put("publisher-place", s(p.place));
            put("edition", s(p.edition));
            put("volume", s(p.volume));
            put("collection-title", s(p.collection.clone()));
            put("collection-number", s(p.collection_number.filter(|_| p.collection.is_some())));
            put("ISBN", list(m.isbn));
            put("number-of-pages", s(m.number_of_pages));
        }
        "chapter" | "entry-encyclopedia" | "paper-conference" => {
            put("container-title", Some(json!(p.container)));
            put("editor", names(p.editors));
            if ty == "chapter" {
                put("container-author", names(p.container_authors));
            }
            put("publisher", s(p.publisher));
            put("publisher-place", s(p.place));
            put("edition", s(p.edition));
            put("volume", s(p.volume));
            put("page", s(p.page));
            put("collection-title", s(p.collection.clone()));
            put("collection-number", s(p.collection_number.filter(|_| p.collection.is_some())));
            put("ISBN", list(m.isbn));
            if ty == "paper-conference" {
                put("event-title", s(m.event_title));
                put("event-place", s(m.event_place));
            }
        }
        "thesis" => {
            put("publisher", s(p.publisher));
            put("publisher-place", s(p.place));
            put("genre", m.genre.map(|g| json!(g)));
        }
        "report" => {
            put("publisher", s(p.publisher));
            put("publisher-place", s(p.place));
            put("number", s(m.number));
            put("genre", m.genre.map(|g| json!(g)));
            put("collection-title", s(p.collection));
        }
        "webpage" => {
            // (The site's name, when there is one.)
            put("container-title", p.container_short.map(Value::String));
            put("accessed", m.accessed);
            put("publisher", s(p.publisher));
        }
        "dataset" | "software" => {
            put("publisher", s(p.publisher));
            put("version", s(m.version));
            put("accessed", m.accessed);
        }
        _ => {
            put("publisher", s(p.publisher));
            put("publisher-place", s(p.place));
        }
    }
    o
}

fn item() -> BoxedStrategy<Item> {
    (select(TYPES), common(), parts(), more()).prop_map(|(ty, c, p, m)| build(ty, c, p, m)).boxed()
}

/// One to four items with distinct citation keys (an export makes repeated
/// keys unique, which is tested elsewhere).
fn items() -> BoxedStrategy<Vec<Item>> {
    proptest::collection::vec(item(), 1..=4)
        .prop_map(|mut v| {
            for (n, i) in v.iter_mut().enumerate() {
                let k = format!("{}{n}", i["citation-key"].as_str().unwrap());
                i.insert("citation-key".into(), json!(k));
            }
            v
        })
        .boxed()
}

/// What the library makes of an item: read, split into its container
/// chain, flattened again.
fn through_library(item: &Item) -> Item {
    let w = csl::work_from_csl(&Value::Object(item.clone())).expect("a generated item is a valid work");
    csl::flatten(&csl::split(w).expect("split"))
}

// ---------------------------------------------------------------------------
// The wide generator for CSL-JSON (which can hold any text at all)
// ---------------------------------------------------------------------------

/// Any JSON value a CSL-JSON file may hold in a variable Ibid does not model.
fn any_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(any::<String>(), inner, 0..4).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// A realistic item, with any text at all in its text variables and
/// variables Ibid does not model.
fn wide_item() -> BoxedStrategy<Item> {
    (
        item(),
        proptest::collection::vec(
            (select(&["title", "publisher", "note", "abstract", "container-title", "volume", "page"][..]), any::<String>()),
            0..4,
        ),
        proptest::collection::btree_map("[a-z][a-z_-]{0,10}|ibid:[a-z]{1,5}|[A-Z]{2,5}", any_json(), 0..4),
        maybe(20, (any::<String>(), any::<String>()).prop_map(|(f, g)| json!([{"family": f, "given": g}, {"literal": g}]))),
    )
        .prop_map(|(mut item, texts, extras, odd_names)| {
            for (k, v) in texts {
                // Any text for a text variable the item has, or a note or a
                // publisher. (A blank title could leave nothing to know the
                // work by.)
                let keeps_title = k != "title" || !v.trim().is_empty();
                if keeps_title && (item.contains_key(k) || k == "note" || k == "publisher") {
                    item.insert(k.into(), Value::String(v));
                }
            }
            for (k, v) in extras {
                let modelled = ibid_core::model::STRING_FIELDS.contains(&k.as_str())
                    || ibid_core::model::ROLES.contains(&k.as_str())
                    || ["id", "type", "DOI", "ISBN", "ISSN", "issued", "container-title", "container-title-short", "collection-title"]
                        .contains(&k.as_str());
                if !modelled {
                    item.insert(k, v);
                }
            }
            if let Some(n) = odd_names {
                item.insert("composer".into(), n);
            }
            item
        })
        .boxed()
}

// ---------------------------------------------------------------------------
// Normalisations
// ---------------------------------------------------------------------------

/// Applies `f` to every string in a value, names and dates included.
fn map_strings(v: &mut Value, f: &impl Fn(&str) -> String) {
    match v {
        Value::String(s) => *s = f(s),
        Value::Array(a) => a.iter_mut().for_each(|x| map_strings(x, f)),
        Value::Object(o) => o.values_mut().for_each(|x| map_strings(x, f)),
        _ => {}
    }
}

/// BibTeX text as the importer reads it: white space runs collapsed to one
/// space, or to a no-break space when the run holds one (`~`), and trimmed
/// (`tidy` in bibtex.rs: TeX makes one space of any run).
fn bib_space(s: &str) -> String {
    let mut out = String::new();
    let mut pending: Option<char> = None;
    for c in s.chars() {
        if c == ' ' || c == '\n' || c == '\t' || c == '\u{a0}' {
            if c == '\u{a0}' {
                pending = Some('\u{a0}');
            } else if pending.is_none() {
                pending = Some(' ');
            }
        } else {
            if let Some(p) = pending.take() {
                if !out.is_empty() {
                    out.push(p);
                }
            }
            out.push(c);
        }
    }
    out
}

/// The record a BibTeX/BibLaTeX round trip is expected to give back. Beyond
/// `formats_bibtex::normalize_for` (types classic BibTeX lacks, the thesis
/// genre `@phdthesis` implies, a family name of several words alone):
/// * text: white space as [`bib_space`];
/// * names: a `~` in a name is a plain space (the module's rule); BibTeX has
///   one "von" part, so a dropping particle joins the non-dropping one; a
///   one-word literal name is written in braces, and a brace group without
///   a blank reads back as a family name (`{UNESCO}`, like `{al.}`); the
///   parts are trimmed;
/// * pages: `--` is how BibTeX writes a range, read back as `-` (en and em
///   dashes and blanks around them too);
/// * a variable that is neither CSL nor a kept BibTeX field (a RIS import's
///   `ris:C1`) is written under its name in lower case, and read back as any
///   unknown field is, as `bibtex-<field>` (`bibtex-ris:c1`).
fn bib_expected(item: &Item, opts: &BibOptions) -> Item {
    let mut i: Item = item
        .iter()
        .map(|(k, v)| match k.strip_prefix("ris:") {
            Some(_) => (format!("bibtex-{}", k.to_lowercase()), v.clone()),
            None => (k.clone(), v.clone()),
        })
        .collect();
    for (k, v) in i.iter_mut() {
        if k == "URL" || k == "DOI" {
            continue;
        }
        if ibid_core::model::ROLES.contains(&k.as_str()) {
            for n in v.as_array_mut().into_iter().flatten().filter_map(Value::as_object_mut) {
                for part in n.values_mut() {
                    map_strings(part, &|s| bib_space(&s.replace('\u{a0}', " ")));
                }
                n.retain(|_, p| p.as_str().is_some_and(|s| !s.is_empty()));
                let particles: Vec<String> = ["non-dropping-particle", "dropping-particle"]
                    .iter()
                    .filter_map(|p| n.remove(*p))
                    .filter_map(|p| p.as_str().map(str::to_string))
                    .collect();
                if !particles.is_empty() {
                    n.insert("non-dropping-particle".into(), json!(particles.join(" ")));
                }
                let lone_word = n.len() == 1 && n.get("literal").and_then(Value::as_str).is_some_and(|l| !l.contains(' ') && l != "others");
                if lone_word {
                    let l = n.remove("literal").unwrap();
                    n.insert("family".into(), l);
                }
            }
        } else {
            map_strings(v, &bib_space);
        }
        if k == "page" {
            if let Value::String(p) = v {
                *p = bib_pages(p);
            }
        }
    }
    crate::formats_bibtex::normalize_for(&i, opts)
}

/// Pages as the importer gives them: dashes as `-`, runs of them and the
/// blanks around them collapsed.
fn bib_pages(p: &str) -> String {
    let p = p.replace(['–', '—'], "-");
    let mut out = String::new();
    let mut chars = p.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '-' {
            while out.ends_with(' ') {
                out.pop();
            }
            out.push('-');
            while chars.peek().is_some_and(|c| *c == '-' || *c == ' ') {
                chars.next();
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether `s` holds what the BibTeX writer writes as math on purpose: a
/// `$`…`$` pair with `\`, `^`, `_` or `{` between (math kept from an
/// import, which reads back as Unicode text: `$x^2$` → x<sup>2</sup>).
fn bib_math(s: &str) -> bool {
    s.split('$').skip(1).collect::<Vec<_>>().split_last().is_some_and(|(_, inner)| inner.iter().any(|x| x.contains(['\\', '^', '_', '{'])))
}

fn any_string(v: &Value, f: &impl Fn(&str) -> bool) -> bool {
    match v {
        Value::String(s) => f(s),
        Value::Array(a) => a.iter().any(|x| any_string(x, f)),
        Value::Object(o) => o.values().any(|x| any_string(x, f)),
        _ => false,
    }
}

/// RIS text of a one-line tag as it reads back: each line trimmed, lines
/// joined with a space, the whole trimmed ("line breaks in one-line fields
/// become spaces, and spaces at the start or end of a value … are dropped").
fn ris_line(s: &str) -> String {
    s.trim().split('\n').map(str::trim).collect::<Vec<_>>().join(" ").trim().to_string()
}

/// RIS text of an abstract or note: lines trimmed, blank lines between
/// paragraphs kept as one, the whole trimmed.
fn ris_lines(s: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for line in s.trim().split('\n').map(str::trim) {
        if line.is_empty() && out.last().is_some_and(|l| l.is_empty()) {
            continue;
        }
        out.push(line);
    }
    out.join("\n")
}

/// The record a RIS round trip is expected to give back. A variable the
/// writer put in a "variable: value" `N1` line (JSON when it is not a plain
/// one-line string) comes back exactly; one written as a tag comes back
/// with the module's documented white-space rules ([`ris_line`],
/// [`ris_lines`]).
/// Variables that are not CSL (a BibTeX import's `bibtex-owner`) are not
/// written.
fn ris_expected(item: &Item, written: &str) -> Item {
    let mut i = item.clone();
    i.retain(|k, _| !k.starts_with("bibtex-"));
    for (k, v) in i.iter_mut() {
        if written.contains(&format!("\r\nN1  - {k}: ")) {
            continue;
        }
        if let Value::String(s) = v {
            *s = if k == "abstract" || k == "note" { ris_lines(s) } else { ris_line(s) };
        }
    }
    i.retain(|_, v| !matches!(v, Value::String(s) if s.is_empty()));
    i
}

// ---------------------------------------------------------------------------
// The round trips
// ---------------------------------------------------------------------------

fn check_canonical(items: &[Item]) -> Result<(), TestCaseError> {
    for i in items {
        prop_assert_eq!(&through_library(i), i, "the generator makes what the library exports");
    }
    Ok(())
}

fn bibtex_round_trip(items: &[Item], opts: BibOptions) -> Result<(), TestCaseError> {
    check_canonical(items)?;
    prop_assume!(!items.iter().any(|i| i.values().any(|v| any_string(v, &bib_math))));
    let text = bibtex::write(items, &opts);
    let mut back = Vec::new();
    for r in bibtex::parse(&text) {
        match r {
            Ok(w) => back.push(csl::flatten(&w)),
            Err(e) => return Err(TestCaseError::fail(format!("{e}\n--- written:\n{text}"))),
        }
    }
    prop_assert_eq!(back.len(), items.len(), "--- written:\n{}", text);
    for (want, got) in items.iter().zip(&back) {
        let want = bib_expected(want, &opts);
        let got = crate::formats_bibtex::normalize_for(got, &opts);
        prop_assert_eq!(Value::Object(want), Value::Object(got), "--- written:\n{}", text);
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    /// CSL-JSON: flatten → JSON text → `parse_document` → flatten gives the
    /// same item, whatever text and extra variables it holds.
    #[test]
    fn csl_json_round_trips(items in proptest::collection::vec(wide_item(), 1..=4)) {
        let flat: Vec<Item> = items.iter().map(through_library).collect();
        // Twice through the library is once (the first pass may convert,
        // e.g. a title list to a string; here nothing should change).
        for f in &flat {
            prop_assert_eq!(&through_library(f), f);
        }
        let text = serde_json::to_string(&flat).unwrap();
        let back: Vec<Item> = csl::parse_document(&text)
            .map_err(|e| TestCaseError::fail(e.to_string()))?
            .map(|r| r.map(|w| csl::flatten(&w)))
            .collect::<Result<_, _>>()
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&back, &flat);
    }

    /// BibTeX, UTF-8.
    #[test]
    fn bibtex_unicode_round_trips(items in items()) {
        bibtex_round_trip(&items, BibOptions { biblatex: false, unicode: true })?;
    }

    /// BibTeX, ASCII (LaTeX accents, `--`, `` `` ``…).
    #[test]
    fn bibtex_ascii_round_trips(items in items()) {
        bibtex_round_trip(&items, BibOptions { biblatex: false, unicode: false })?;
    }

    /// BibLaTeX, UTF-8.
    #[test]
    fn biblatex_round_trips(items in items()) {
        bibtex_round_trip(&items, BibOptions { biblatex: true, unicode: true })?;
    }

    /// BibLaTeX, ASCII.
    #[test]
    fn biblatex_ascii_round_trips(items in items()) {
        bibtex_round_trip(&items, BibOptions { biblatex: true, unicode: false })?;
    }

    /// RIS: `ris::write` → `ris::parse` gives the same records.
    #[test]
    fn ris_round_trips(items in items()) {
        check_canonical(&items)?;
        let text = ris::write(&items);
        let records: Vec<&str> = text.split_inclusive("ER  - \r\n\r\n").collect();
        prop_assert_eq!(records.len(), items.len(), "--- written:\n{}", text);
        let mut back = Vec::new();
        for r in ris::parse(&text) {
            match r {
                Ok(w) => back.push(csl::flatten(&w)),
                Err(e) => return Err(TestCaseError::fail(format!("{e}\n--- written:\n{text}"))),
            }
        }
        prop_assert_eq!(back.len(), items.len(), "--- written:\n{}", text);
        for ((want, got), written) in items.iter().zip(&back).zip(records) {
            prop_assert_eq!(Value::Object(ris_expected(want, written)), Value::Object(got.clone()), "--- written:\n{}", written);
        }
    }
}
