//! One reference string into a typed record: the seam ([`ReferenceParser`])
//! and a rule-based implementation for Chicago-style notes ([`RuleParser`]).
//!
//! The rules read: a book "Authors, Title, tr. Name (Place: Publisher,
//! Year)"; a chapter or document "Authors, “Title,” date, in Container, vol.
//! 4 (Place: Publisher, Year)"; a journal article "Authors, “Title,”
//! Journal, vol. 21, no. 1 (January 1997)"; a report or working paper
//! "“Title,” Project Working Paper, no. 2 (1992)"; an unpublished manuscript
//! "Author, Title [Translated Title] (unpublished ms.)". A trailing "p. 79" /
//! "pp. 214, 216" is the locator.

use std::sync::LazyLock;

use ibid_core::{Creator, Date, Work};
use regex::Regex;
use serde_json::Value;

use crate::names::{leading_list, parse_full_name};

/// A reference string as a record, and the pages it points at.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parsed {
    /// The cited work with its container chain (a chapter's book).
    pub work: Work,
    /// "pp. 214, 216", "p. 79".
    pub locator: Option<String>,
}

/// Anything that turns one reference string into a record. The trained
/// [`LabellerParser`] is the default; [`RuleParser`] reads Chicago notes by rules.
pub trait ReferenceParser: Send + Sync {
    fn parse(&self, text: &str) -> Parsed;
}

/// The trained reference labeller (`ibid-refparse`: a CRF over the AnyStyle
/// and CORA sets), for a reference in any style.
#[derive(Debug, Clone, Copy, Default)]
pub struct LabellerParser;

impl ReferenceParser for LabellerParser {
    fn parse(&self, text: &str) -> Parsed {
        let mut p = ibid_refparse::parse_reference(text);
        // The labeller splits "Xue Litai" given-name-first; notes print
        // such names family name first, as the rules read them.
        let mut w = Some(&mut p.work);
        while let Some(work) = w {
            work.creators.iter_mut().for_each(crate::names::reorder_family_first);
            w = work.parent.as_deref_mut();
        }
        Parsed { work: p.work, locator: p.locator }
    }
}

/// Chicago notes by rules.
#[derive(Debug, Clone, Copy, Default)]
pub struct RuleParser;

impl ReferenceParser for RuleParser {
    fn parse(&self, text: &str) -> Parsed {
        parse_full(text).map(|f| f.parsed).unwrap_or_else(|| fallback(text))
    }
}

/// A full citation as the rules read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Full {
    pub parsed: Parsed,
    /// The container was written "in ibid.": it is the previous citation's.
    pub container_is_ibid: bool,
}

/// What the rules make of text they cannot read: a document titled by it.
fn fallback(text: &str) -> Parsed {
    let (body, locator) = split_locator(text.trim().trim_end_matches('.'));
    let mut w = Work::new("document");
    w.title = Some(body.trim().trim_end_matches(',').to_string());
    Parsed { work: w, locator }
}

static LOCATOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:,|:)\s*((?:pp?\.|pages?|paras?\.|ch\.|chap\.|fol\.|n\.|nn\.)\s*[0-9ivxlcdmIVXLCDM][0-9ivxlcdmIVXLCDM\s,–—\-]*(?:\s*(?:n|nn)\.\s*\d+)?(?:ff?\.)?)\s*\.?\s*$").unwrap()
});
static TRAILING_DOI: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i),?\s*(?:doi:\s*|https?://(?:dx\.)?doi\.org/)(10\.\d{4,9}/\S+?)\.?\s*$").unwrap());
static HEREAFTER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\s*\((?:hereafter|henceforth)(?: cited as)? ([^)]*)\)").unwrap());
static MONTHS: &[&str] = &[
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
];
static DATE_DMY: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(\d{1,2}) ([A-Z][a-z]+\.?) (\d{4})").unwrap());
static DATE_MDY: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^([A-Z][a-z]+\.?) (\d{1,2}), (\d{4})").unwrap());
static DATE_MY: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(?:(Spring|Summer|Fall|Autumn|Winter|[A-Z][a-z]+\.?) )?(\d{4})").unwrap());
static UNPUBLISHED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(unpublished|manuscript|ms\.|mimeo|typescript)").unwrap());
static REPORT_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^(.*?)\s*\b(working paper|discussion paper|occasional paper|technical report|research report|report|paper series)$").unwrap());

/// Splits a trailing locator off: `("…(1961)", Some("pp. 416–417"))`.
pub fn split_locator(s: &str) -> (&str, Option<String>) {
    let t = s.trim_end();
    match LOCATOR.captures(t) {
        Some(c) => {
            let whole = c.get(0).expect("match");
            let loc = c[1].trim().trim_end_matches([',', ' ']).to_string();
            (&t[..whole.start()], Some(loc))
        }
        None => (t, None),
    }
}

fn month_number(m: &str) -> Option<u32> {
    let m = m.trim_end_matches('.').to_lowercase();
    if m.len() < 3 {
        return None;
    }
    MONTHS.iter().position(|x| x.starts_with(&m)).map(|i| i as u32 + 1)
}

/// A date at the start of `s` ("30 June 1949", "June 30, 1949", "January
/// 1997", "1992"), with the length read.
pub fn leading_date(s: &str) -> Option<(Date, usize)> {
    let fmt = |y: &str, m: Option<u32>, d: Option<&str>| {
        let mut t = y.to_string();
        if let Some(m) = m {
            t.push_str(&format!("-{m:02}"));
            if let Some(d) = d.and_then(|d| d.parse::<u32>().ok()) {
                t.push_str(&format!("-{d:02}"));
            }
        }
        Date::parse_text(&t)
    };
    if let Some(c) = DATE_DMY.captures(s) {
        if let Some(m) = month_number(&c[2]) {
            return Some((fmt(&c[3], Some(m), Some(&c[1])), c[0].len()));
        }
    }
    if let Some(c) = DATE_MDY.captures(s) {
        if let Some(m) = month_number(&c[1]) {
            return Some((fmt(&c[3], Some(m), Some(&c[2])), c[0].len()));
        }
    }
    if let Some(c) = DATE_MY.captures(s) {
        let end = c[0].len();
        if s[end..].chars().next().is_some_and(|ch| ch.is_alphanumeric()) {
            return None;
        }
        return match c.get(1) {
            None => Some((fmt(&c[2], None, None), end)),
            Some(m) => match month_number(m.as_str()) {
                Some(n) => Some((fmt(&c[2], Some(n), None), end)),
                None if ["Spring", "Summer", "Fall", "Autumn", "Winter"].contains(&m.as_str()) => {
                    let mut d = fmt(&c[2], None, None);
                    let season = match m.as_str() {
                        "Spring" => 1,
                        "Summer" => 2,
                        "Fall" | "Autumn" => 3,
                        _ => 4,
                    };
                    d.season = Some(Value::from(season));
                    Some((d, end))
                }
                None => None,
            },
        };
    }
    None
}

/// The text in a leading quoted title and what follows it:
/// `“Title,” rest` → `("Title", "rest")`.
pub fn take_quoted(s: &str) -> Option<(&str, &str)> {
    let (open, close) = if s.starts_with('“') {
        ('“', '”')
    } else if s.starts_with('"') {
        ('"', '"')
    } else {
        return None;
    };
    let inner_start = open.len_utf8();
    let mut depth = 0;
    for (i, c) in s[inner_start..].char_indices() {
        if c == open && open != close {
            depth += 1;
        } else if c == close {
            if depth == 0 {
                let inner = &s[inner_start..inner_start + i];
                let rest = &s[inner_start + i + close.len_utf8()..];
                return Some((inner.trim().trim_end_matches([',', '.']).trim(), rest));
            }
            depth -= 1;
        }
    }
    None
}


/// What a publication group says.
#[derive(Debug, Default, Clone, PartialEq)]
struct PubGroup {
    place: Option<String>,
    publisher: Option<String>,
    issued: Option<Date>,
    unpublished: Option<String>,
}

static PLACE_PUB: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^([^:]+):\s*(.+?)(?:,\s*(\d{4}[a-z]?))?$").unwrap());
static PUB_YEAR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(.+?),\s*(\d{4})$").unwrap());

fn pub_group(inner: &str) -> Option<PubGroup> {
    let inner = inner.trim();
    if UNPUBLISHED.is_match(inner) {
        let label = inner.replace("ms.", "manuscript");
        return Some(PubGroup { unpublished: Some(label), ..PubGroup::default() });
    }
    if let Some((d, n)) = leading_date(inner) {
        if n == inner.len() {
            return Some(PubGroup { issued: Some(d), ..PubGroup::default() });
        }
    }
    if let Some(c) = PLACE_PUB.captures(inner) {
        let place = c[1].trim();
        // A place is a few capitalised words ("Lanham, MD", "New York").
        if place.split_whitespace().count() <= 5 && place.chars().next().is_some_and(char::is_uppercase) {
            return Some(PubGroup {
                place: Some(place.to_string()),
                publisher: Some(c[2].trim().to_string()),
                issued: c.get(3).map(|y| Date::parse_text(&y.as_str()[..4])),
                unpublished: None,
            });
        }
    }
    if let Some(c) = PUB_YEAR.captures(inner) {
        if c[1].split_whitespace().count() <= 6 && c[1].chars().next().is_some_and(char::is_uppercase) {
            return Some(PubGroup { publisher: Some(c[1].trim().to_string()), issued: Some(Date::parse_text(&c[2])), ..PubGroup::default() });
        }
    }
    None
}

/// A role written after names: "ed.", "eds.", "tr.", "trans.", "intro.", "comp.".
fn role_marker(s: &str) -> Option<(&'static str, usize)> {
    for (m, role) in [
        ("eds., ", "editor"),
        ("ed., ", "editor"),
        ("trans., ", "translator"),
        ("tr., ", "translator"),
        ("intro., ", "introducer"),
        ("comp., ", "compiler"),
        ("comps., ", "compiler"),
    ] {
        if s.starts_with(m) {
            return Some((role, m.len()));
        }
    }
    None
}

/// A role written before names: ", tr. Neil Silver", ", ed. John Smith".
const ROLE_BEFORE: &[(&str, &str)] = &[
    (", translated by ", "translator"),
    (", edited by ", "editor"),
    (", introduction by ", "introducer"),
    (", with an introduction by ", "introducer"),
    (", trans. ", "translator"),
    (", tr. ", "translator"),
    (", eds. ", "editor"),
    (", ed. ", "editor"),
    (", intro. ", "introducer"),
    (", comp. ", "compiler"),
];

/// Makes a creator of the given role. CSL has no introducer: an
/// introducer is a contributor whose `role` (kept in the name's extra) says so.
fn creator(name: &str, role: &str) -> Option<Creator> {
    let csl_role = if role == "introducer" { "contributor" } else { role };
    let mut c = parse_full_name(name, csl_role)?;
    if role == "introducer" {
        c.extra.insert("role".into(), Value::String("introduction".into()));
    }
    Some(c)
}

fn names_at(s: &str, role: &str) -> Option<(Vec<Creator>, usize)> {
    let parts = leading_list(s, &|p: &str| parse_full_name(p, "author").is_some())?;
    let end = parts.last()?.1;
    Some((parts.iter().filter_map(|(p, _)| creator(p, role)).collect(), end))
}

/// The trailers after a title: a bracketed translated title, roles with
/// names, "vol. 4", "no. 2", "2nd ed.", a publication group. Returns what it
/// read and whether all of `s` was read.
#[derive(Debug, Default)]
struct Trailers {
    translated: Option<String>,
    creators: Vec<Creator>,
    volume: Option<String>,
    number: Option<String>,
    edition: Option<String>,
    group: Option<PubGroup>,
}

static VOL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^,?\s*(?:vol\.|volume)\s*([0-9IVXLCivxlc]+[a-z]?)").unwrap());
static NO: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^,?\s*(?:no\.|nos\.|number)\s*([0-9][0-9/–\-]*)").unwrap());
static EDITION: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^,\s*(\d+(?:st|nd|rd|th)|rev\.|revised)\s+ed\.").unwrap());

fn trailers(mut s: &str) -> Option<Trailers> {
    let mut t = Trailers::default();
    loop {
        s = s.trim_start_matches(' ');
        if s.trim_matches([',', ' ']).is_empty() {
            return Some(t);
        }
        if let Some(r) = s.strip_prefix('[') {
            let end = r.find(']')?;
            t.translated = Some(r[..end].trim().to_string());
            s = &r[end + 1..];
            continue;
        }
        if let Some(c) = VOL.captures(s) {
            t.volume = Some(c[1].to_string());
            s = &s[c[0].len()..];
            continue;
        }
        if let Some(c) = NO.captures(s) {
            t.number = Some(c[1].to_string());
            s = &s[c[0].len()..];
            continue;
        }
        if let Some(c) = EDITION.captures(s) {
            t.edition = Some(c[1].to_string());
            s = &s[c[0].len()..];
            continue;
        }
        if let Some((marker, role)) = ROLE_BEFORE.iter().find(|(m, _)| s.starts_with(m)) {
            let r = &s[marker.len()..];
            let (names, n) = names_at(r, role)?;
            t.creators.extend(names);
            s = &r[n..];
            continue;
        }
        if s.starts_with('(') {
            let close = s.rfind(')')?;
            if !s[close + 1..].trim().trim_matches(',').is_empty() {
                return None;
            }
            t.group = Some(pub_group(&s[1..close])?);
            s = &s[close + 1..];
            continue;
        }
        return None;
    }
}

/// The end of an unquoted title: the first trailer that starts there.
fn title_end(s: &str) -> usize {
    let mut cands: Vec<usize> = ROLE_BEFORE.iter().filter_map(|(m, _)| s.find(m)).collect();
    for m in [" [", " (", ", vol. ", ", volume ", ", no. "] {
        if let Some(i) = s.find(m) {
            cands.push(i);
        }
    }
    if let Some(m) = Regex::new(r",\s*\d+(?:st|nd|rd|th)\s+ed\.").ok().and_then(|r| r.find(s)) {
        cands.push(m.start());
    }
    cands.into_iter().min().unwrap_or(s.len())
}

fn apply_group(w: &mut Work, g: &PubGroup) {
    w.publisher_place = g.place.clone().or(w.publisher_place.take());
    w.publisher = g.publisher.clone().or(w.publisher.take());
    if g.issued.is_some() {
        w.issued = g.issued.clone();
    }
}

/// Reads a full citation. `None` when the text does not have the shape of
/// one (commentary, a short form, a quotation without a source).
pub fn parse_full(text: &str) -> Option<Full> {
    let cleaned = HEREAFTER.replace_all(text.trim(), "");
    let mut doi = None;
    let mut t = cleaned.trim().trim_end_matches([';', ' ']);
    if let Some(c) = TRAILING_DOI.captures(t) {
        doi = ibid_core::ident::normalize_doi(&c[1]).ok();
        t = t[..c.get(0).expect("match").start()].trim_end();
    }
    let t = t.strip_suffix('.').filter(|x| !x.ends_with(" ms") && !x.ends_with(" ed")).unwrap_or(t);
    let (body, locator) = split_locator(t);
    let body = body.trim().trim_end_matches(',').trim();
    // Creators first (full names), perhaps with a role: "Warren I. Cohen, intro.,".
    let mut creators = Vec::new();
    let mut rest = body;
    if let Some(parts) = leading_list(body, &|p: &str| parse_full_name(p, "author").is_some()) {
        let end = parts.last()?.1;
        if let Some(after) = body[end..].strip_prefix(", ") {
            let (role, skip) = role_marker(after).unwrap_or(("author", 0));
            let after = &after[skip..];
            if after.starts_with(['“', '"']) || after.chars().next().is_some_and(|c| c.is_uppercase() || c.is_numeric()) {
                creators = parts.iter().filter_map(|(p, _)| creator(p, role)).collect();
                rest = after;
            }
        }
    }
    let mut container_is_ibid = false;
    let work = if let Some((title, after)) = take_quoted(rest) {
        if title.is_empty() {
            return None;
        }
        let mut after = after.trim_start_matches([',', ' ']);
        let mut original = None;
        if let Some((d, n)) = leading_date(after) {
            original = Some(d);
            after = after[n..].trim_start_matches([',', ' ']);
        }
        if let Some(container) = after.strip_prefix("in ") {
            let mut w = Work::new("chapter");
            w.title = Some(title.to_string());
            w.creators = creators;
            if let Some(d) = original {
                w.extra.insert("original-date".into(), d.to_csl());
            }
            if container.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("ibid")) {
                container_is_ibid = true;
                let r = container[4..].trim_start_matches(['.', ',', ' ']);
                let tr = trailers(&format!(", {r}").replace(", ,", ","))?;
                w.volume = tr.volume.clone();
                w.doi = doi;
                return Some(Full { parsed: Parsed { work: w, locator }, container_is_ibid });
            }
            let end = title_end(container);
            let ctitle = container[..end].trim().trim_end_matches(',');
            if ctitle.is_empty() {
                return None;
            }
            let tr = trailers(&container[end..])?;
            let mut book = Work::new("book");
            book.title = Some(ctitle.to_string());
            book.creators = tr.creators.iter().filter(|c| c.role == "editor" || c.role == "translator").cloned().collect();
            book.volume = tr.volume.clone();
            book.edition = tr.edition.clone();
            if let Some(g) = &tr.group {
                if g.unpublished.is_some() {
                    return None;
                }
                apply_group(&mut book, g);
            }
            w.volume = tr.volume;
            w.parent = Some(Box::new(book));
            w
        } else {
            // A periodical or a report series: "Journal, vol. 21, no. 1 (January 1997)".
            let end = title_end(after);
            let name = after[..end].trim().trim_end_matches(',');
            let tr = trailers(&after[end..])?;
            let issued = tr.group.as_ref().and_then(|g| g.issued.clone()).or(original);
            if name.is_empty() || (issued.is_none() && tr.volume.is_none() && tr.number.is_none()) {
                return None;
            }
            if tr.group.as_ref().is_some_and(|g| g.publisher.is_some() || g.unpublished.is_some()) {
                return None;
            }
            if let Some(c) = REPORT_NAME.captures(name) {
                let mut w = Work::new("report");
                w.title = Some(title.to_string());
                w.creators = creators;
                w.creators.extend(tr.creators);
                let institution = c[1].trim().trim_end_matches(',');
                if !institution.is_empty() {
                    w.publisher = Some(institution.to_string());
                }
                w.extra.insert("genre".into(), Value::String(title_case_genre(&c[2])));
                w.number = tr.number;
                w.issued = issued;
                w
            } else {
                let mut w = Work::new("article-journal");
                w.title = Some(title.to_string());
                w.creators = creators;
                w.creators.extend(tr.creators);
                w.volume = tr.volume;
                w.issue = tr.number;
                w.issued = issued;
                // Notes cite articles whole: the pages are the article's too.
                if let Some(l) = &locator {
                    if l.contains(['–', '-']) && !l.contains(',') {
                        w.page = Some(l.trim_start_matches("pp.").trim().to_string());
                    }
                }
                let mut journal = Work::new("periodical");
                journal.title = Some(name.to_string());
                w.parent = Some(Box::new(journal));
                w
            }
        }
    } else {
        // An unquoted title: a book or a manuscript.
        if rest.starts_with(|c: char| c.is_lowercase()) {
            return None;
        }
        let end = title_end(rest);
        let title = rest[..end].trim().trim_end_matches(',');
        let tr = trailers(&rest[end..])?;
        let group = tr.group.clone()?;
        let lower = title.to_lowercase();
        if title.is_empty() || title.split_whitespace().count() > 30 || lower.contains(" see ") || lower.starts_with("see ") {
            return None;
        }
        let mut w = Work::new(if group.unpublished.is_some() { "manuscript" } else { "book" });
        w.title = Some(title.to_string());
        w.creators = creators;
        w.creators.extend(tr.creators);
        w.volume = tr.volume;
        w.edition = tr.edition;
        w.number = tr.number;
        if let Some(u) = &group.unpublished {
            w.extra.insert("genre".into(), Value::String(capitalise(u)));
        }
        apply_group(&mut w, &group);
        if let Some(tt) = tr.translated {
            w.extra.insert("title-translated".into(), Value::String(tt));
        }
        if group.publisher.is_none() && group.issued.is_none() && group.unpublished.is_none() {
            return None;
        }
        w
    };
    let mut work = work;
    work.doi = doi;
    Some(Full { parsed: Parsed { work, locator }, container_is_ibid })
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn title_case_genre(s: &str) -> String {
    s.split_whitespace().map(capitalise).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(s: &str) -> Full {
        parse_full(s).unwrap_or_else(|| panic!("not read as a full citation: {s}"))
    }

    fn names(w: &Work, role: &str) -> Vec<String> {
        w.creators_in(role).map(|c| format!("{}|{}", c.family.as_deref().unwrap_or(""), c.given.as_deref().unwrap_or(""))).collect()
    }

    #[test]
    fn book_with_place_publisher_year() {
        let f = full("Zhihua Shen and Yafeng Xia, Mao and the Sino-Soviet Partnership, 1945–1959: A New History (Lanham, MD: Lexington Books, 2015), pp. 12–15.");
        let w = &f.parsed.work;
        assert_eq!(w.work_type, "book");
        assert_eq!(w.title.as_deref(), Some("Mao and the Sino-Soviet Partnership, 1945–1959: A New History"));
        assert_eq!(names(w, "author"), ["Shen|Zhihua", "Xia|Yafeng"]);
        assert_eq!((w.publisher_place.as_deref(), w.publisher.as_deref(), w.year()), (Some("Lanham, MD"), Some("Lexington Books"), Some(2015)));
        assert_eq!(f.parsed.locator.as_deref(), Some("pp. 12–15"));
    }

    #[test]
    fn book_with_translator() {
        let f = full("Zhihua Shen, Mao, Stalin and the Korean War: Trilateral Communist Relations in the 1950s, tr. Neil Silver (London: Routledge, 2012), p. 79.");
        let w = &f.parsed.work;
        assert_eq!(w.title.as_deref(), Some("Mao, Stalin and the Korean War: Trilateral Communist Relations in the 1950s"));
        assert_eq!(names(w, "author"), ["Shen|Zhihua"]);
        assert_eq!(names(w, "translator"), ["Silver|Neil"]);
        assert_eq!(f.parsed.locator.as_deref(), Some("p. 79"));
    }

    #[test]
    fn document_in_collected_works() {
        let f = full("“On the People’s Democratic Dictatorship,” 30 June 1949, in Selected Works of Mao Tse-tung, vol. 4 (Peking: Foreign Languages Press, 1961), pp. 416–417.");
        let w = &f.parsed.work;
        assert_eq!(w.work_type, "chapter");
        assert_eq!(w.title.as_deref(), Some("On the People’s Democratic Dictatorship"));
        assert_eq!(w.extra["original-date"]["date-parts"], serde_json::json!([[1949, 6, 30]]));
        let book = w.parent.as_deref().unwrap();
        assert_eq!((book.title.as_deref(), book.volume.as_deref(), book.year()), (Some("Selected Works of Mao Tse-tung"), Some("4"), Some(1961)));
        assert_eq!(book.publisher.as_deref(), Some("Foreign Languages Press"));
        assert_eq!(f.parsed.locator.as_deref(), Some("pp. 416–417"));
        let f = full("“Cast Away Illusions, Prepare for Struggle,” 14 August 1949, in ibid., pp. 425–32.");
        assert!(f.container_is_ibid);
        assert_eq!(f.parsed.locator.as_deref(), Some("pp. 425–32"));
    }

    #[test]
    fn journal_article_with_introducer() {
        let f = full("Warren I. Cohen, intro., “Symposium: Rethinking the Lost Chance in China,” Diplomatic History, vol. 21, no. 1 (January 1997), pp. 71–115");
        let w = &f.parsed.work;
        assert_eq!(w.work_type, "article-journal");
        assert_eq!(names(w, "contributor"), ["Cohen|Warren I."]);
        assert_eq!((w.volume.as_deref(), w.issue.as_deref(), w.page.as_deref()), (Some("21"), Some("1"), Some("71–115")));
        assert_eq!(w.issued.as_ref().unwrap().parts, vec![vec![1997, 1]]);
        assert_eq!(w.parent.as_ref().unwrap().title.as_deref(), Some("Diplomatic History"));
    }

    #[test]
    fn working_paper_with_number() {
        let f = full("Chen Jian, “The Sino-Soviet Alliance and China’s Entry into the Korean War,” Cold War International History Project (hereafter cited as CWIHP) Working Paper, no. 2 (1992), p. 15.");
        let w = &f.parsed.work;
        assert_eq!(w.work_type, "report");
        assert_eq!(names(w, "author"), ["Chen|Jian"]);
        assert_eq!((w.publisher.as_deref(), w.number.as_deref(), w.year()), (Some("Cold War International History Project"), Some("2"), Some(1992)));
        assert_eq!(w.extra["genre"], "Working Paper");
    }

    #[test]
    fn unpublished_manuscript_keeps_the_translated_title_apart() {
        let f = full("Andrei Ledovskii, Nanjing zhaji [Random Notes in Nanjing] (unpublished ms.), pp. 47, 52, 54,");
        let w = &f.parsed.work;
        assert_eq!(w.work_type, "manuscript");
        assert_eq!(w.title.as_deref(), Some("Nanjing zhaji"));
        assert_eq!(w.extra["title-translated"], "Random Notes in Nanjing");
        assert_eq!(f.parsed.locator.as_deref(), Some("pp. 47, 52, 54"));
    }

    #[test]
    fn commentary_is_not_a_citation() {
        for s in [
            "The Soviet Communist Party was called the All-Union Communist Party (Bolsheviks) from 1925 to 1952.",
            "It was renamed the Communist Party of the Soviet Union (CPSU) in 1952.",
            "Heinzig, The Soviet Union and Communist China, p. 255.",
            "It is a coincidence that the Soviet embassy in China submitted a memorandum on 30 June 1949, titled “U.S. and UK Reactionaries Hope that Bourgeois Nationalism Will Appear in Democratic China.”",
        ] {
            assert!(parse_full(s).is_none(), "{s}");
        }
    }
}
