//! A saved publisher page into the work it describes and its notes.
//!
//! HTML: Highwire Press `citation_*` tags first (including each
//! `citation_reference`), then schema.org JSON-LD, then Dublin Core (`dc.*`,
//! `DC.*`), then the page's text. Plain text (a page saved as text, like
//! Springer Link's): the title line, "Book cover …", "Part of the book
//! series: …", the "Cite this chapter" line, "DOI:", "Print/Online ISBN:",
//! "Publisher Name:", "Abstract". The Notes (or References, Endnotes,
//! Footnotes) section is split into numbered notes.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use ibid_core::{ident, Creator, Date, Work};
use regex::Regex;
use serde_json::Value;

use crate::html;
use crate::names::parse_full_name;
use crate::notes::{split_notes, RawNote};

/// What a page says.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    /// The work itself, with its container chain (a chapter's book and series).
    pub work: Work,
    /// The numbered notes (or reference list entries, numbered from 1).
    pub notes: Vec<RawNote>,
    /// The heading the notes were found under ("Notes", "References"), or
    /// "citation_reference" / "JSON-LD citation" when they came from metadata.
    pub section: Option<String>,
}

const SECTION_HEADINGS: &[&str] = &["notes", "endnotes", "footnotes", "references", "bibliography", "works cited", "literature"];
const SECTION_ENDS: &[&str] = &[
    "author information", "authors and affiliations", "rights and permissions", "copyright information", "about this chapter",
    "about this article", "about this book", "additional information", "acknowledgements", "acknowledgments", "cite this chapter",
    "cite this article", "editor information", "ethics declarations", "further reading", "appendix", "publish with us",
];

/// Reads a page: HTML when it looks like HTML, else text.
pub fn read_page(input: &str) -> Page {
    let head = input.trim_start().get(..512.min(input.trim_start().len())).unwrap_or("").to_ascii_lowercase();
    if head.starts_with('<') && (head.contains("<html") || head.contains("<!doctype") || head.contains("<meta") || head.contains("<head")) {
        read_html(input)
    } else {
        read_text(input)
    }
}

/// The notes section of a page's text: from a line that is only a section
/// heading to a line that is only a heading that ends it.
pub fn notes_section(text: &str) -> Option<(String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let is = |l: &str, set: &[&str]| set.contains(&l.trim().trim_end_matches(':').to_lowercase().as_str());
    // The last heading line followed by notes (a page may name "References" in its menu first).
    for start in (0..lines.len()).rev() {
        if !is(lines[start], SECTION_HEADINGS) {
            continue;
        }
        let end = (start + 1..lines.len()).find(|&i| is(lines[i], SECTION_ENDS) || is(lines[i], SECTION_HEADINGS)).unwrap_or(lines.len());
        let body = lines[start + 1..end].join("\n");
        if !split_notes(&body).is_empty() {
            return Some((lines[start].trim().trim_end_matches(':').to_string(), body));
        }
    }
    None
}

static DOI: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"10\.\d{4,9}/[^\s\x22<>]+").unwrap());
static ISBN_LINE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)\b(print|online|electronic|e|hardcover|softcover|paperback)?\s*-?ISBN(?:-1[03])?:?\s*([0-9Xx][0-9Xx\- ]{8,20}[0-9Xx])").unwrap());
static SPRINGER_CITE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<authors>.+?) \((?P<year>\d{4})\)\. (?P<title>.+?)\. In: (?:(?P<editors>.+?) \(eds?\.?\) )?(?P<book>.+?)\. (?P<rest>.*)$").unwrap()
});
static INITIALS_NAME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"([^,]+?), ((?:[A-Z][a-z]?\.[- ]?)+)(?:, |$)").unwrap());
static COPYRIGHT_YEAR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"©\s*(\d{4})").unwrap());

fn value_after<'a>(lines: &[&'a str], label: &str) -> Option<&'a str> {
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim().trim_start_matches(['•', '*', '-', ' ']);
        if let Some(v) = t.strip_prefix(label) {
            let v = v.trim();
            if !v.is_empty() {
                return Some(v);
            }
            return lines[i + 1..].iter().map(|l| l.trim()).find(|l| !l.is_empty());
        }
    }
    None
}

/// "Shen, Z." with the page's full names ("Zhihua Shen") where one has
/// that family name and initial.
fn expand(family: &str, initials: &str, full_names: &[Creator], role: &str) -> Creator {
    let first = initials.chars().next();
    let hit = full_names.iter().find(|c| {
        c.family.as_deref() == Some(family) && c.given.as_deref().and_then(|g| g.chars().next()) == first
    });
    Creator {
        role: role.to_string(),
        family: Some(family.to_string()),
        given: Some(hit.and_then(|c| c.given.clone()).unwrap_or_else(|| initials.trim().to_string())),
        ..Creator::default()
    }
}

fn initials_list(s: &str, full: &[Creator], role: &str) -> Vec<Creator> {
    INITIALS_NAME.captures_iter(s).map(|c| expand(c[1].trim().trim_start_matches("& "), &c[2], full, role)).collect()
}

/// The full personal names a page prints ("Correspondence to Zhihua Shen").
fn page_names(text: &str) -> Vec<Creator> {
    static CORR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?m)Correspondence to ([^.\n]+?)\s*\.?$").unwrap());
    CORR.captures_iter(text)
        .flat_map(|c| c[1].split([',', '&']).map(str::trim).filter_map(|n| parse_full_name(n, "author")).collect::<Vec<_>>())
        .collect()
}

fn read_text(input: &str) -> Page {
    let lines: Vec<&str> = input.lines().collect();
    let mut chapter = Work::new("document");
    let title = lines
        .iter()
        .map(|l| l.trim())
        .find(|l| !l.is_empty() && !l.eq_ignore_ascii_case("skip to main content") && !l.starts_with('•'));
    chapter.title = title.map(str::to_string);
    let is_chapter = lines.iter().any(|l| {
        let t = l.trim().trim_start_matches('•').trim();
        t == "Chapter" || t == "Cite this chapter"
    });
    let is_article = lines.iter().any(|l| l.trim() == "Cite this article");
    chapter.work_type = if is_chapter { "chapter" } else if is_article { "article-journal" } else { "document" }.into();
    chapter.doi = value_after(&lines, "DOI:")
        .and_then(|v| DOI.find(v).map(|m| m.as_str().to_string()))
        .or_else(|| DOI.find(input).map(|m| m.as_str().to_string()))
        .and_then(|d| ident::normalize_doi(&d).ok());
    // Abstract: the paragraph(s) after a line "Abstract".
    if let Some(i) = lines.iter().position(|l| l.trim() == "Abstract") {
        let para: Vec<&str> = lines[i + 1..]
            .iter()
            .map(|l| l.trim())
            .skip_while(|l| l.is_empty())
            .take_while(|l| !l.is_empty())
            .collect();
        if !para.is_empty() {
            chapter.abstract_text = Some(para.join(" "));
        }
    }
    let full_names = page_names(input);
    let mut book = Work::new("book");
    book.title = lines.iter().find_map(|l| l.trim().strip_prefix("Book cover ")).map(|s| s.trim().to_string());
    let series = value_after(&lines, "Part of the book series:").map(|s| {
        let s = s.trim();
        match s.find(" ((") {
            Some(i) => s[..i].trim().to_string(),
            None => s.to_string(),
        }
    });
    // The "Cite this chapter" line names authors, year, editors, book, publisher.
    let cite = value_after(&lines, "Cite this chapter").or_else(|| value_after(&lines, "Cite this article"));
    let mut year = None;
    if let Some(c) = cite.and_then(|l| SPRINGER_CITE.captures(l)) {
        chapter.creators = initials_list(&c["authors"], &full_names, "author");
        year = c["year"].parse::<i32>().ok();
        if book.title.is_none() {
            book.title = Some(c["book"].to_string());
        }
        if let Some(e) = c.name("editors") {
            book.creators = initials_list(e.as_str(), &full_names, "editor");
        }
    } else if let Some(l) = cite {
        if let Some(i) = l.find(" (") {
            chapter.creators = initials_list(&l[..i], &full_names, "author");
        }
    }
    if chapter.creators.is_empty() {
        chapter.creators = full_names.clone();
    }
    if year.is_none() {
        year = COPYRIGHT_YEAR.captures(input).and_then(|c| c[1].parse().ok());
    }
    if let Some(p) = value_after(&lines, "Publisher Name:") {
        match p.rsplit_once(", ") {
            Some((publisher, place)) if place.split_whitespace().count() <= 3 => {
                book.publisher = Some(publisher.trim().to_string());
                book.publisher_place = Some(place.trim().to_string());
            }
            _ => book.publisher = Some(p.to_string()),
        }
    }
    for c in ISBN_LINE.captures_iter(input) {
        if let Ok(i) = ident::normalize_isbn(&c[2]) {
            if !book.isbn.contains(&i) {
                book.isbn.push(i);
            }
        }
    }
    let issued = year.map(|y| Date::parse_text(&y.to_string()));
    if chapter.work_type == "chapter" && book.title.is_some() {
        book.issued = issued;
        if let Some(s) = series {
            let mut sw = Work::new("series");
            sw.title = Some(s);
            book.parent = Some(Box::new(sw));
        }
        chapter.parent = Some(Box::new(book));
    } else {
        chapter.issued = issued;
        chapter.publisher = book.publisher;
        chapter.publisher_place = book.publisher_place;
        chapter.isbn = book.isbn;
    }
    let (section, notes) = match notes_section(input) {
        Some((h, body)) => (Some(h), split_notes(&body)),
        None => (None, Vec::new()),
    };
    Page { work: chapter, notes, section }
}

fn date_of(s: &str) -> Option<Date> {
    let s = s.trim();
    static YMD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(\d{4})(?:[-/](\d{1,2}))?(?:[-/](\d{1,2}))?").unwrap());
    let c = YMD.captures(s)?;
    let mut t = c[1].to_string();
    if let Some(m) = c.get(2) {
        t.push_str(&format!("-{:02}", m.as_str().parse::<u32>().ok()?));
        if let Some(d) = c.get(3) {
            t.push_str(&format!("-{:02}", d.as_str().parse::<u32>().ok()?));
        }
    }
    Some(Date::parse_text(&t))
}

/// "Shen, Zhihua" or "Zhihua Shen" (or an institution).
fn name(s: &str, role: &str) -> Option<Creator> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if s.contains(',') {
        return Creator::parse(role, s).ok();
    }
    parse_full_name(s, role).or_else(|| Some(Creator { role: role.into(), literal: Some(s.to_string()), ..Creator::default() }))
}

fn ld_str(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Object(o) => o.get("name").and_then(ld_str).or_else(|| o.get("@value").and_then(ld_str)),
        Value::Array(a) => a.first().and_then(ld_str),
        _ => None,
    }
}

fn ld_list(v: Option<&Value>) -> Vec<&Value> {
    match v {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v) => vec![v],
        None => Vec::new(),
    }
}

fn ld_people(v: Option<&Value>, role: &str) -> Vec<Creator> {
    ld_list(v)
        .into_iter()
        .filter_map(|p| match p {
            Value::Object(o) => match (o.get("familyName").and_then(ld_str), o.get("givenName").and_then(ld_str)) {
                (Some(f), g) => Some(Creator { role: role.into(), family: Some(f), given: g, ..Creator::default() }),
                _ => o.get("name").and_then(ld_str).and_then(|n| name(&n, role)),
            },
            Value::String(s) => name(s, role),
            _ => None,
        })
        .collect()
}

/// A Highwire `citation_reference` (or a JSON-LD citation object) written
/// out as a note the rules read: "A. Author, “Title,” Journal, vol. 1, no.
/// 2 (2001), pp. 3–4". Free text is kept as it is.
fn reference_text(fields: &BTreeMap<String, Vec<String>>) -> Option<String> {
    let one = |k: &str| fields.get(k).and_then(|v| v.first()).cloned();
    let title = one("citation_title")?;
    let authors: Vec<String> = fields
        .get("citation_author")
        .map(|v| {
            v.iter()
                .map(|a| match a.split_once(", ") {
                    Some((f, g)) => format!("{g} {f}"),
                    None => a.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    let mut s = String::new();
    match authors.len() {
        0 => {}
        1 => s.push_str(&format!("{}, ", authors[0])),
        2 => s.push_str(&format!("{} and {}, ", authors[0], authors[1])),
        n => s.push_str(&format!("{}, and {}, ", authors[..n - 1].join(", "), authors[n - 1])),
    }
    let year = one("citation_publication_date").or(one("citation_date")).and_then(|d| d.get(..4).map(str::to_string));
    if let Some(j) = one("citation_journal_title") {
        s.push_str(&format!("“{title},” {j}"));
        if let Some(v) = one("citation_volume") {
            s.push_str(&format!(", vol. {v}"));
        }
        if let Some(i) = one("citation_issue") {
            s.push_str(&format!(", no. {i}"));
        }
        if let Some(y) = &year {
            s.push_str(&format!(" ({y})"));
        }
        if let Some(f) = one("citation_firstpage") {
            match one("citation_lastpage") {
                Some(l) => s.push_str(&format!(", pp. {f}–{l}")),
                None => s.push_str(&format!(", p. {f}")),
            }
        }
    } else {
        s.push_str(&title);
        let publisher = one("citation_publisher");
        match (one("citation_publisher_place"), publisher, &year) {
            (Some(p), Some(b), Some(y)) => s.push_str(&format!(" ({p}: {b}, {y})")),
            (None, Some(b), Some(y)) => s.push_str(&format!(" ({b}, {y})")),
            (_, _, Some(y)) => s.push_str(&format!(" ({y})")),
            _ => {}
        }
    }
    if let Some(d) = one("citation_doi") {
        s.push_str(&format!(", doi:{d}"));
    }
    Some(s)
}

fn parse_reference_meta(content: &str) -> String {
    if !content.contains("citation_") {
        return content.trim().to_string();
    }
    let mut fields: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for part in content.split(';') {
        if let Some((k, v)) = part.split_once('=') {
            fields.entry(k.trim().to_ascii_lowercase()).or_default().push(v.trim().to_string());
        }
    }
    reference_text(&fields).unwrap_or_else(|| content.trim().to_string())
}

fn read_html(input: &str) -> Page {
    let metas = html::metas(input);
    let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in &metas {
        if !v.is_empty() {
            m.entry(k.clone()).or_default().push(v.clone());
        }
    }
    let one = |k: &str| m.get(k).and_then(|v| v.first()).cloned();
    let all = |k: &str| m.get(k).cloned().unwrap_or_default();
    let ld = html::json_ld(input);
    let ld_work = ld.iter().find(|v| {
        let t = v["@type"].as_str().unwrap_or("");
        ["Chapter", "ScholarlyArticle", "Article", "Book", "Report", "Thesis", "CreativeWork", "BookChapter"].contains(&t)
    });
    let ldv = |k: &str| ld_work.and_then(|w| w.get(k));
    let dc = |k: &str| one(&format!("dc.{k}")).or_else(|| one(&format!("dcterms.{k}")));

    let ld_type = ldv("@type").and_then(Value::as_str).unwrap_or("");
    let work_type = if one("citation_inbook_title").is_some() || one("citation_book_title").is_some() || ld_type == "Chapter" {
        "chapter"
    } else if one("citation_journal_title").is_some() || ld_type == "ScholarlyArticle" || ld_type == "Article" {
        "article-journal"
    } else if one("citation_technical_report_institution").is_some() || ld_type == "Report" {
        "report"
    } else if one("citation_dissertation_institution").is_some() || ld_type == "Thesis" {
        "thesis"
    } else if ld_type == "Book" || one("og:type").as_deref() == Some("book") {
        "book"
    } else {
        "document"
    };
    let mut w = Work::new(work_type);
    w.title = one("citation_title")
        .or_else(|| ldv("name").and_then(ld_str))
        .or_else(|| ldv("headline").and_then(ld_str))
        .or_else(|| dc("title"))
        .or_else(|| html::title(input));
    let mut authors: Vec<Creator> = all("citation_author").iter().filter_map(|a| name(a, "author")).collect();
    if authors.is_empty() {
        authors = ld_people(ldv("author"), "author");
    }
    if authors.is_empty() {
        authors = all("dc.creator").iter().chain(all("dcterms.creator").iter()).filter_map(|a| name(a, "author")).collect();
    }
    w.creators = authors;
    let doi = one("citation_doi")
        .or_else(|| all("dc.identifier").into_iter().chain(all("dcterms.identifier")).find(|i| i.contains("10.")))
        .or_else(|| ldv("sameAs").and_then(ld_str).filter(|s| s.contains("10.")))
        .or_else(|| ldv("@id").and_then(ld_str).filter(|s| s.contains("doi.org/10.")))
        .or_else(|| ldv("identifier").and_then(ld_str).filter(|s| s.contains("10.")));
    w.doi = doi.and_then(|d| ident::normalize_doi(&d).ok());
    let issued = one("citation_publication_date")
        .or_else(|| one("citation_date"))
        .or_else(|| one("citation_online_date"))
        .or_else(|| ldv("datePublished").and_then(ld_str))
        .or_else(|| dc("date"))
        .and_then(|d| date_of(&d));
    w.abstract_text = one("citation_abstract")
        .or_else(|| ldv("abstract").and_then(ld_str))
        .or_else(|| ldv("description").and_then(ld_str))
        .or_else(|| dc("description"))
        .or_else(|| one("description"));
    let part_of = ldv("isPartOf");
    let publisher = one("citation_publisher").or_else(|| ldv("publisher").and_then(ld_str)).or_else(|| dc("publisher"));
    let place = one("citation_publisher_place")
        .or_else(|| ldv("publisher").and_then(|p| p.get("location")).and_then(ld_str))
        .or_else(|| part_of.and_then(|p| p.get("publisher")).and_then(|p| p.get("location")).and_then(ld_str));
    let mut isbn: Vec<String> = all("citation_isbn");
    for v in ld_list(ldv("isbn")).into_iter().chain(part_of.map(|p| ld_list(p.get("isbn"))).unwrap_or_default()) {
        if let Some(s) = ld_str(v) {
            isbn.push(s);
        }
    }
    let isbn: Vec<String> = isbn.iter().filter_map(|i| ident::normalize_isbn(i).ok()).fold(Vec::new(), |mut acc, i| {
        if !acc.contains(&i) {
            acc.push(i);
        }
        acc
    });
    match work_type {
        "chapter" => {
            let mut book = Work::new("book");
            book.title = one("citation_inbook_title").or_else(|| one("citation_book_title")).or_else(|| part_of.and_then(ld_str));
            let mut editors: Vec<Creator> = all("citation_editor").iter().filter_map(|e| name(e, "editor")).collect();
            if editors.is_empty() {
                editors = ld_people(part_of.and_then(|p| p.get("editor")), "editor");
            }
            book.creators = editors;
            book.isbn = isbn;
            book.publisher = publisher;
            book.publisher_place = place;
            book.issued = issued;
            let series = one("citation_series_title")
                .or_else(|| part_of.and_then(|p| p.get("isPartOf")).and_then(ld_str));
            if let Some(s) = series {
                let mut sw = Work::new("series");
                sw.title = Some(s);
                book.parent = Some(Box::new(sw));
            }
            if let (Some(f), l) = (one("citation_firstpage"), one("citation_lastpage")) {
                w.page = Some(match l {
                    Some(l) => format!("{f}–{l}"),
                    None => f,
                });
            }
            if book.title.is_some() {
                w.parent = Some(Box::new(book));
            }
        }
        "article-journal" => {
            let mut j = Work::new("periodical");
            j.title = one("citation_journal_title").or_else(|| part_of.and_then(ld_str));
            j.issn = all("citation_issn").iter().filter_map(|i| ident::normalize_issn(i).ok()).collect();
            w.volume = one("citation_volume");
            w.issue = one("citation_issue");
            if let (Some(f), l) = (one("citation_firstpage"), one("citation_lastpage")) {
                w.page = Some(match l {
                    Some(l) => format!("{f}–{l}"),
                    None => f,
                });
            }
            w.issued = issued;
            w.publisher = publisher;
            if j.title.is_some() {
                w.parent = Some(Box::new(j));
            }
        }
        _ => {
            w.issued = issued;
            w.publisher = publisher.or_else(|| one("citation_technical_report_institution")).or_else(|| one("citation_dissertation_institution"));
            w.publisher_place = place;
            w.isbn = isbn;
            w.number = one("citation_technical_report_number");
        }
    }
    // Notes: the text's Notes section first (numbered as printed), then the
    // citation_reference tags, then JSON-LD citations.
    let text = html::to_text(input);
    let (section, notes) = match notes_section(&text) {
        Some((h, body)) => (Some(h), split_notes(&body)),
        None => {
            let refs: Vec<String> = all("citation_reference").iter().map(|r| parse_reference_meta(r)).collect();
            if !refs.is_empty() {
                (Some("citation_reference".to_string()), numbered(refs))
            } else {
                let cites: Vec<String> = ld_list(ldv("citation"))
                    .into_iter()
                    .filter_map(|c| match c {
                        Value::String(s) => Some(s.clone()),
                        Value::Object(o) => {
                            let mut f: BTreeMap<String, Vec<String>> = BTreeMap::new();
                            if let Some(t) = o.get("name").or(o.get("headline")).and_then(ld_str) {
                                f.insert("citation_title".into(), vec![t]);
                            }
                            let people: Vec<String> = ld_people(o.get("author"), "author")
                                .iter()
                                .map(|c| match (&c.family, &c.given, &c.literal) {
                                    (Some(fa), Some(g), _) => format!("{fa}, {g}"),
                                    (_, _, Some(l)) => l.clone(),
                                    (Some(fa), None, _) => fa.clone(),
                                    _ => String::new(),
                                })
                                .collect();
                            f.insert("citation_author".into(), people);
                            if let Some(j) = o.get("isPartOf").and_then(ld_str) {
                                f.insert("citation_journal_title".into(), vec![j]);
                            }
                            if let Some(d) = o.get("datePublished").and_then(ld_str) {
                                f.insert("citation_publication_date".into(), vec![d]);
                            }
                            if let Some(p) = o.get("publisher").and_then(ld_str) {
                                f.insert("citation_publisher".into(), vec![p]);
                            }
                            reference_text(&f)
                        }
                        _ => None,
                    })
                    .collect();
                if cites.is_empty() {
                    (None, Vec::new())
                } else {
                    (Some("JSON-LD citation".to_string()), numbered(cites))
                }
            }
        }
    };
    Page { work: w, notes, section }
}

fn numbered(texts: Vec<String>) -> Vec<RawNote> {
    texts.into_iter().enumerate().map(|(i, text)| RawNote { number: i as u32 + 1, text }).collect()
}
