//! Labelled spans into a typed record. The labeller says which words are the
//! authors, the title, the place…; these rules say what the record is (book,
//! chapter in its book, article in its journal, report, manuscript, thesis),
//! split the names, read the date, and take the locator a note cites off
//! the end ("pp. 12–15").

use std::sync::OnceLock;

use ibid_core::{Creator, Date, Work};
use serde_json::Value;

use crate::{Labeller, Span};

/// A reference string read into a record.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedReference {
    /// The cited work, typed, with its container (`parent`: the book of a
    /// chapter, the journal of an article, the series of a report).
    pub work: Work,
    /// The pages (or other place) the note cites: "pp. 12–15", "p. 79".
    pub locator: Option<String>,
    /// The labeller's spans, offsets into the text given.
    pub spans: Vec<Span>,
}

fn bundled() -> &'static Labeller {
    static L: OnceLock<Labeller> = OnceLock::new();
    L.get_or_init(Labeller::bundled)
}

/// Parses one citation (a full note citation, a short form, or a
/// bibliography entry) with the shipped model.
pub fn parse_reference(text: &str) -> ParsedReference {
    parse_with(bundled(), text)
}

const LEAD_INS: &[&str] = &[
    "see also ", "see, e.g., ", "see, for example, ", "see ", "cf. ", "for example, ", "e.g., ", "quoted in ",
    "cited in ",
];

/// Parses with a given labeller. A lead-in ("see", "cf.") is skipped and
/// anything from ", as cited in" on is left out (it is another citation).
pub fn parse_with(labeller: &Labeller, text: &str) -> ParsedReference {
    let mut start = text.len() - text.trim_start().len();
    loop {
        let rest = &text[start..];
        // Compared in place, not on a lower-cased copy: lower-casing can
        // change lengths (the Kelvin sign becomes `k`), and a length from
        // the copy is not a character boundary of the text.
        match LEAD_INS.iter().find(|l| rest.get(..l.len()).is_some_and(|p| p.eq_ignore_ascii_case(l))) {
            Some(l) => start += l.len(),
            None => break,
        }
        start += text[start..].len() - text[start..].trim_start().len();
    }
    // Blank text: `start` is past the end (fuzz/notes found " ").
    let mut end = text.trim_end().len().max(start);
    // ASCII lower-casing keeps byte offsets (full lower-casing does not).
    if let Some(i) = text[start..end].to_ascii_lowercase().find(", as cited in ") {
        end = start + i + 1;
    }
    let part = &text[start..end];
    let mut spans = labeller.label(part);
    for s in &mut spans {
        s.start += start;
        s.end += start;
    }
    from_spans(spans)
}

/// The record from labelled spans (the rules alone, no model).
pub fn from_spans(spans: Vec<Span>) -> ParsedReference {
    let mut b = Builder::default();
    let pub_fields = [
        "date", "publisher", "location", "journal", "container-title", "collection-title", "volume",
        "issue", "genre", "institution", "edition",
    ];
    let pub_end = spans.iter().rposition(|s| pub_fields.contains(&s.field));
    let mut pages_before = Vec::new();
    let mut pages_after = Vec::new();
    let mut in_container = false;
    for (i, s) in spans.iter().enumerate() {
        let t = s.text.as_str();
        match s.field {
            "author" => {
                let lower = t.to_lowercase();
                let trimmed = lower.trim_end_matches([',', '.', ';', ':', ' ']);
                if trimmed.ends_with(" eds") || trimmed.ends_with(" ed") || trimmed.ends_with("(eds)") || trimmed.ends_with("(ed)") {
                    b.creators.extend(names("editor", t));
                } else if trimmed.ends_with(" intro") {
                    b.creators.extend(names("contributor", t));
                } else if b.creators.iter().any(|c| c.role == "author") && b.title.is_some() {
                    // Authors after the title: the container's ("in Chen Yun, 1926–1949").
                    b.container_words.push(t.to_string());
                } else {
                    b.creators.extend(names("author", t));
                }
            }
            "editor" => {
                if t.trim_start().starts_with("In ") || t.trim_start().starts_with("in ") {
                    in_container = true;
                }
                let role = if b.title.is_some() || in_container { "container-editor" } else { "editor" };
                b.creators.extend(names(role, t));
            }
            "translator" => b.creators.extend(names("translator", t)),
            "title" => {
                let (main, translated) = split_translated(t);
                if b.title.is_none() {
                    b.quoted_title = t.trim_start().starts_with(['“', '"', '‘', '«']);
                    b.title = Some(main);
                    b.translated_title = translated;
                } else if let Some(tr) = translated.or_else(|| bracketed(t)) {
                    b.translated_title = Some(tr);
                } else if b.container.is_none() && (b.quoted_title || in_container) {
                    b.container = Some(clean_title(t));
                } else {
                    let prev = b.title.take().unwrap_or_default();
                    b.title = Some(format!("{prev} {}", clean_title(t)));
                }
            }
            "container-title" | "journal" => {
                let trimmed = t.trim_start();
                if trimmed.starts_with("in ") || trimmed.starts_with("In ") {
                    in_container = true;
                }
                let mut c = clean_title(strip_in(t));
                if c.eq_ignore_ascii_case("ibid") {
                    // "in ibid.": the container of the citation before; kept
                    // as written for the notes to resolve.
                    c.push('.');
                }
                if s.field == "journal" && b.container.is_none() {
                    b.journal = true;
                }
                if b.container.is_none() {
                    b.container = Some(c);
                } else {
                    b.notes.push(c);
                }
            }
            "collection-title" => b.series = Some(clean_title(t)),
            "volume" => {
                let (v, iss) = volume_issue(t);
                if v.is_some() {
                    b.volume = v;
                }
                if iss.is_some() {
                    b.issue = iss;
                }
            }
            "issue" => b.issue = Some(strip_number_word(t)),
            "pages" => {
                if pub_end.is_some_and(|e| i < e) {
                    pages_before.push(t.to_string());
                } else {
                    pages_after.push(t.to_string());
                }
            }
            "date" => {
                let d = parse_date(t);
                if in_container || b.dates.is_empty() || !t.trim_start().starts_with('(') {
                    b.dates.push((d, t.trim_start().starts_with('(') || t.trim_end().ends_with(')') || t.trim_end().ends_with("),")));
                } else {
                    b.dates.push((d, true));
                }
            }
            "publisher" => b.publisher = Some(join(b.publisher.take(), &clean(t))),
            "location" => b.place = Some(join(b.place.take(), &clean(t))),
            "institution" => b.institution = Some(join(b.institution.take(), &clean(t))),
            "genre" => b.genre = Some(join(b.genre.take(), &clean(t))),
            "edition" => b.edition = Some(clean(t)),
            "url" => b.url = Some(clean(t)),
            "doi" => b.doi = Some(clean(t).trim_start_matches("doi:").trim_start_matches("DOI:").trim().to_string()),
            "isbn" => b.isbn = Some(clean(t)),
            "note" => b.notes.push(clean(t)),
            _ => {}
        }
    }
    b.in_container = in_container;
    let (work, locator) = b.build(pages_before, pages_after);
    ParsedReference { work, locator, spans }
}

#[derive(Default)]
struct Builder {
    creators: Vec<Creator>,
    title: Option<String>,
    quoted_title: bool,
    translated_title: Option<String>,
    container: Option<String>,
    container_words: Vec<String>,
    journal: bool,
    in_container: bool,
    series: Option<String>,
    volume: Option<String>,
    issue: Option<String>,
    /// Each date with whether it stood in the publication parenthetical.
    dates: Vec<(Option<Date>, bool)>,
    publisher: Option<String>,
    place: Option<String>,
    institution: Option<String>,
    genre: Option<String>,
    edition: Option<String>,
    url: Option<String>,
    doi: Option<String>,
    isbn: Option<String>,
    notes: Vec<String>,
}

fn has_any(s: &str, words: &[&str]) -> bool {
    let l = s.to_lowercase();
    words.iter().any(|w| l.contains(w))
}

impl Builder {
    fn work_type(&self) -> &'static str {
        let genre = self.genre.as_deref().unwrap_or("");
        let series_like = [self.container.as_deref(), self.series.as_deref()].into_iter().flatten().any(|c| {
            has_any(c, &["working paper", "discussion paper", "technical report", "tech. rep", "research report", "occasional paper"])
        });
        if has_any(genre, &["diss", "thesis", "these", "doctoral"]) {
            "thesis"
        } else if has_any(genre, &["report", "working paper", "discussion paper", "tech", "memo", "paper"]) || series_like {
            "report"
        } else if has_any(genre, &["ms.", "manuscript", "unpublished", "typescript"]) {
            "manuscript"
        } else if self.journal {
            let c = self.container.as_deref().unwrap_or("");
            let newspaper = has_any(c, &["times", " post", "herald", "tribune", "gazette", "daily", " news", "zeitung", "le monde", "pravda", "renmin ribao", "people's daily"]);
            if newspaper && self.dates.iter().any(|(d, _)| d.as_ref().is_some_and(|d| d.parts.first().is_some_and(|p| p.len() == 3))) {
                "article-newspaper"
            } else {
                "article-journal"
            }
        } else if let Some(c) = &self.container {
            let has_pub = self.publisher.is_some() || self.place.is_some();
            let has_editors = self.creators.iter().any(|c| c.role == "container-editor");
            if has_any(c, &["proceedings", "proc.", "conference", "workshop", "symposium", "congress"]) {
                "paper-conference"
            } else if self.in_container || has_pub || has_editors {
                "chapter"
            } else {
                "article-journal"
            }
        } else if !self.genre.as_deref().unwrap_or("").is_empty() && self.institution.is_some() {
            "report"
        } else if self.publisher.is_some() || self.place.is_some() || !self.quoted_title {
            "book"
        } else {
            "article"
        }
    }

    fn build(mut self, pages_before: Vec<String>, mut pages_after: Vec<String>) -> (Work, Option<String>) {
        let ty = self.work_type();
        let mut w = Work::new(ty);
        w.title = self.title.take();
        if let Some(t) = self.translated_title.take() {
            w.extra.insert("title-translated".into(), Value::String(t));
        }
        // Pages: "122–54, at 130" is the page range and the locator.
        let mut page: Option<String> = pages_before.first().map(|p| clean_pages(p));
        if let Some(last) = pages_after.last().cloned() {
            if let Some(i) = last.find(", at ") {
                page.get_or_insert_with(|| clean_pages(&last[..i]));
                let n = pages_after.len();
                pages_after[n - 1] = last[i + 2..].to_string();
            }
        }
        let is_periodical = matches!(ty, "article-journal" | "article-newspaper" | "article");
        let mut locator = None;
        if let Some(last) = pages_after.last() {
            let single = !last.contains(['–', '-', '—']) || last.trim_start().starts_with("p. ");
            if is_periodical && page.is_none() && !single && pages_after.len() == 1 && ty != "article-newspaper" {
                page = Some(clean_pages(last));
            } else {
                if is_periodical && page.is_none() && pages_after.len() > 1 {
                    page = Some(clean_pages(&pages_after[0]));
                }
                locator = Some(clean_locator(last));
            }
        }
        w.page = page;

        // Dates: the one in the publication parenthetical is the
        // publication's; an earlier one is the piece's own (a letter's or a
        // speech's date).
        let pub_date = self.dates.iter().rev().find(|(_, paren)| *paren).or(self.dates.last()).and_then(|(d, _)| d.clone());
        let own_date = if self.dates.len() > 1 { self.dates.first().and_then(|(d, _)| d.clone()) } else { None };

        // Creators.
        let (container_editors, own): (Vec<Creator>, Vec<Creator>) =
            self.creators.drain(..).partition(|c| c.role == "container-editor");
        let container_editors: Vec<Creator> = container_editors.into_iter().map(|c| Creator { role: "editor".into(), ..c }).collect();
        w.creators = own;

        let number = self.issue.clone().or_else(|| self.genre.as_deref().and_then(report_number));
        match ty {
            "chapter" | "paper-conference" => {
                let mut book = Work::new("book");
                book.title = self.container.take();
                book.creators = container_editors;
                for c in std::mem::take(&mut self.container_words) {
                    book.creators.extend(names("author", &c));
                }
                book.publisher = self.publisher.take();
                book.publisher_place = self.place.take();
                book.issued = pub_date;
                book.edition = self.edition.take();
                book.volume = self.volume.clone();
                if let Some(s) = self.series.take() {
                    let mut series = Work::new("series");
                    series.title = Some(s);
                    book.parent = Some(Box::new(series));
                }
                w.volume = self.volume.take();
                // A document's own date ("30 June 1949, in Selected Works…")
                // is its original date; it is published when its book is
                // (the chapter inherits the book's date).
                match own_date {
                    Some(d) if book.issued.is_some() => {
                        w.extra.insert("original-date".into(), d.to_csl());
                    }
                    d => w.issued = d,
                }
                w.parent = Some(Box::new(book));
            }
            "article-journal" | "article-newspaper" | "article" => {
                if let Some(c) = self.container.take() {
                    let mut p = Work::new("periodical");
                    p.title = Some(c);
                    w.parent = Some(Box::new(p));
                }
                w.volume = self.volume.take();
                w.issue = self.issue.take();
                w.issued = pub_date.or(own_date);
                w.creators.extend(container_editors);
            }
            "report" => {
                w.number = number;
                if self.volume.is_some() && w.number.is_none() {
                    w.number = self.volume.take();
                }
                let series = self.series.take().or_else(|| self.container.take());
                if let Some(s) = series {
                    let mut p = Work::new("series");
                    let mut name = strip_hereafter(&s, &mut self.notes);
                    // "Cold War International History Project" + "Working
                    // Paper": the series is the project's working papers.
                    if let Some(g) = self.genre.as_deref().filter(|g| has_any(g, &["working paper", "discussion paper", "occasional paper"])) {
                        if !has_any(&name, &[&g.to_lowercase()]) {
                            name = format!("{name} {g}");
                        }
                    }
                    p.title = Some(name);
                    w.parent = Some(Box::new(p));
                }
                w.publisher = self.institution.take().or(self.publisher.take());
                w.publisher_place = self.place.take();
                w.issued = pub_date.or(own_date);
                if let Some(g) = &self.genre {
                    w.extra.insert("genre".into(), Value::String(g.clone()));
                }
                w.creators.extend(container_editors);
            }
            _ => {
                if ty == "thesis" || ty == "manuscript" {
                    if let Some(g) = &self.genre {
                        w.extra.insert("genre".into(), Value::String(g.clone()));
                    }
                }
                w.publisher = self.publisher.take().or(self.institution.take());
                if let Some(i) = self.institution.take() {
                    w.extra.insert("archive".into(), Value::String(i));
                }
                w.publisher_place = self.place.take();
                w.issued = pub_date.or(own_date);
                w.volume = self.volume.take();
                w.issue = self.issue.take();
                w.creators.extend(container_editors);
                if let Some(c) = self.container.take() {
                    self.notes.push(c);
                }
                if let Some(s) = self.series.take() {
                    let mut p = Work::new("series");
                    p.title = Some(s);
                    w.parent = Some(Box::new(p));
                }
            }
        }
        w.edition = w.edition.take().or(self.edition.take());
        w.url = self.url.take();
        w.doi = self.doi.take();
        if let Some(isbn) = self.isbn.take() {
            w.extra.insert("ISBN".into(), Value::String(isbn));
        }
        let notes: Vec<String> = self.notes.into_iter().filter(|n| !n.is_empty()).collect();
        if !notes.is_empty() {
            w.extra.insert("note".into(), Value::String(notes.join("; ")));
        }
        (w, locator)
    }
}

fn join(prev: Option<String>, next: &str) -> String {
    match prev {
        Some(p) if !p.is_empty() => format!("{p}, {next}"),
        _ => next.to_string(),
    }
}

/// Trims spaces, brackets, quotes and the punctuation that separates fields.
pub fn clean(s: &str) -> String {
    let mut t = s.trim();
    loop {
        let before = t;
        t = t.trim_end_matches([',', ';', ':', ' ']);
        if t.ends_with('.') && !ends_with_abbreviation(t) {
            t = &t[..t.len() - 1];
        }
        if t.ends_with(')') && !t.contains('(') {
            t = &t[..t.len() - 1];
        }
        if t.ends_with(']') && !t.contains('[') {
            t = &t[..t.len() - 1];
        }
        if t.starts_with('(') && !t.contains(')') {
            t = &t[1..];
        }
        if t.starts_with('[') && !t.contains(']') {
            t = &t[1..];
        }
        if t.starts_with('(') && t.ends_with(')') || t.starts_with('[') && t.ends_with(']') {
            t = &t[1..t.len() - 1];
        }
        t = t.trim();
        if t == before {
            return t.to_string();
        }
    }
}

/// "M. E. Sharpe" and "Little, Brown" keep their dots; "ms." keeps it.
fn ends_with_abbreviation(t: &str) -> bool {
    let last = t.rsplit(' ').next().unwrap_or(t);
    let letters = last.trim_end_matches('.').chars().filter(|c| c.is_alphabetic()).count();
    (letters == 1 && last.chars().next().is_some_and(char::is_uppercase))
        || ["ms.", "Inc.", "Co.", "Ltd.", "ed.", "eds.", "diss.", "Jr.", "St.", "ibid.", "Ibid."].contains(&last)
}

/// A title without its quotes and the comma or period after it.
pub fn clean_title(s: &str) -> String {
    let mut t = s.trim().trim_end_matches([',', ';', ':', ' ']).trim().to_string();
    if t.ends_with('.') && !ends_with_abbreviation(&t) {
        t.pop();
    }
    let t = t.trim_start_matches(['“', '"', '‘', '«', '„']).trim_end_matches(['”', '"', '’', '»']);
    let t = t.trim_end_matches([',', '.', ';', ':']);
    let t = t.trim_start_matches(['“', '"', '‘', '«', '„']).trim_end_matches(['”', '"', '’', '»']);
    t.trim().to_string()
}

fn strip_in(s: &str) -> &str {
    let t = s.trim_start();
    t.strip_prefix("in ").or_else(|| t.strip_prefix("In ")).or_else(|| t.strip_prefix("In: ")).unwrap_or(t)
}

/// "Nanjing zhaji [Random Notes in Nanjing]" → the title and its bracketed
/// translation.
fn split_translated(s: &str) -> (String, Option<String>) {
    let t = s.trim().trim_end_matches([',', '.', ';', ':', ' ']);
    if let (Some(open), true) = (t.find('['), t.ends_with(']')) {
        if open > 0 {
            return (clean_title(&t[..open]), Some(t[open + 1..t.len() - 1].trim().to_string()));
        }
    }
    (clean_title(s), None)
}

fn bracketed(s: &str) -> Option<String> {
    let t = s.trim().trim_end_matches([',', '.', ';', ':', ' ']);
    (t.starts_with('[') && t.ends_with(']')).then(|| t[1..t.len() - 1].trim().to_string())
}

/// "Cold War International History Project (hereafter cited as CWIHP)
/// Working Paper" → without the parenthesis, which goes to the notes.
fn strip_hereafter(s: &str, notes: &mut Vec<String>) -> String {
    if let (Some(a), Some(b)) = (s.find('('), s.find(')')) {
        if a < b && s[a..b].to_lowercase().contains("hereafter") {
            notes.push(s[a + 1..b].to_string());
            let joined = format!("{} {}", s[..a].trim(), s[b + 1..].trim());
            return clean_title(joined.trim());
        }
    }
    s.to_string()
}

/// "vol. 4" → 4; "45(3)," → 45 and 3; "vol. 21, no. 1" → 21 and 1.
fn volume_issue(s: &str) -> (Option<String>, Option<String>) {
    let t = clean(s);
    // ASCII lower-casing: `i` must be an offset into `t` too.
    let lower = t.to_ascii_lowercase();
    if let Some(i) = lower.find("no.").or_else(|| lower.find("no ")).or_else(|| lower.find("issue")) {
        let v = strip_number_word(&t[..i]);
        let n = strip_number_word(&t[i..]);
        return ((!v.is_empty()).then_some(v), (!n.is_empty()).then_some(n));
    }
    if let (Some(a), true) = (t.find('('), t.ends_with(')')) {
        let v = strip_number_word(&t[..a]);
        return ((!v.is_empty()).then_some(v), Some(t[a + 1..t.len() - 1].trim().to_string()));
    }
    let v = strip_number_word(&t);
    ((!v.is_empty()).then_some(v), None)
}

fn strip_number_word(s: &str) -> String {
    let t = clean(s);
    let mut t = t.as_str();
    for w in ["volume", "vols.", "vol.", "vol", "v.", "issue", "nos.", "no.", "no", "nr.", "nr", "number", "num."] {
        // `get`: the text's first bytes may be part of a longer character
        // ("1949–1972" is cut inside its dash at `vols.`'s length: fuzz/notes).
        if t.get(..w.len()).is_some_and(|p| p.eq_ignore_ascii_case(w)) {
            t = &t[w.len()..];
            break;
        }
    }
    clean(t)
}

fn report_number(genre: &str) -> Option<String> {
    let last = genre.split_whitespace().last()?;
    last.chars().any(|c| c.is_ascii_digit()).then(|| clean(last))
}

fn clean_pages(s: &str) -> String {
    let t = clean(s);
    for w in ["pp.", "p.", "pages", "page"] {
        if let Some(rest) = t.strip_prefix(w) {
            return rest.trim().to_string();
        }
    }
    t
}

fn clean_locator(s: &str) -> String {
    let t = s.trim().trim_end_matches([',', ';', '.', ' ']);
    let t = t.strip_prefix("at ").unwrap_or(t);
    t.trim().to_string()
}

const MONTH_NAMES: &[(&str, i32)] = &[
    ("january", 1), ("february", 2), ("march", 3), ("april", 4), ("may", 5), ("june", 6), ("july", 7),
    ("august", 8), ("september", 9), ("october", 10), ("november", 11), ("december", 12),
    ("jan", 1), ("feb", 2), ("mar", 3), ("apr", 4), ("jun", 6), ("jul", 7), ("aug", 8), ("sep", 9),
    ("sept", 9), ("oct", 10), ("nov", 11), ("dec", 12),
];
const SEASONS: &[(&str, i32)] = &[("spring", 1), ("summer", 2), ("autumn", 3), ("fall", 3), ("winter", 4)];

/// A date from text: "30 June 1949", "January 1997", "(Summer 1996)",
/// "1992", "May 9, 2013". `None` when there is no year.
pub fn parse_date(s: &str) -> Option<Date> {
    let words: Vec<String> = s
        .split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')' || c == '.' || c == '/')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let year_at = words.iter().position(|w| crate::features::is_year(w))?;
    let year: i32 = words[year_at][..4].parse().ok()?;
    let month = words.iter().find_map(|w| MONTH_NAMES.iter().find(|(m, _)| m == w).map(|(_, n)| *n));
    let season = words.iter().find_map(|w| SEASONS.iter().find(|(m, _)| m == w).map(|(_, n)| *n));
    let day = words
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != year_at)
        .find_map(|(_, w)| w.parse::<i32>().ok().filter(|d| (1..=31).contains(d)));
    let mut parts = vec![year];
    if let Some(m) = month {
        parts.push(m);
        if let Some(d) = day {
            parts.push(d);
        }
    }
    let mut d = Date { parts: vec![parts], ..Date::default() };
    if let (Some(s), None) = (season, month) {
        d.season = Some(Value::from(s));
    }
    Some(d)
}

const ROLE_WORDS: &[&str] = &[
    "eds.", "eds", "ed.", "ed", "(eds.)", "(ed.)", "(eds)", "(ed)", "editors", "editor", "edited", "by", "tr.", "trans.",
    "transl.", "translated", "translator", "translators", "intro.", "introduction", "in", "in:", "hrsg.", "(hrsg.)", "(hg.)",
];

/// Splits a creators field into names: "Zhihua Shen and Yafeng Xia",
/// "Heinzig, Dieter", "Shen and Xia", "Sergei Goncharov, John Lewis, and Xue
/// Litai", "Lee, L. L., W. E. Howard, and R. E. Marsh", "Pérez-Higueras JJ,
/// Arias A". Role words ("ed.", "tr.", "In") are dropped. Names written
/// family-first without a comma (Chinese names) stay in written order:
/// given = first word(s), family = last.
pub fn names(role: &str, s: &str) -> Vec<Creator> {
    // Drop role words and "et al.".
    let words: Vec<&str> = s
        .split_whitespace()
        .filter(|w| {
            let l = w.to_lowercase();
            let bare = l.trim_end_matches([',', ';', ':']);
            !ROLE_WORDS.contains(&bare)
        })
        .collect();
    let mut text = words.join(" ");
    let mut et_al = false;
    for pat in ["et al.", "et al", "and others"] {
        if let Some(i) = text.find(pat) {
            text.truncate(i);
            et_al = true;
        }
    }
    let text = text.trim().trim_end_matches([',', ';', ':', '.', ' ']).trim().to_string();
    let text = if text.ends_with(|c: char| c.is_uppercase()) && s.trim_end().trim_end_matches([',', ';', ':']).ends_with('.') {
        // Keep the dot of a final initial ("Dweck, C.").
        format!("{text}.")
    } else {
        text
    };
    // Split into groups at "and", "&", ";".
    let mut groups: Vec<String> = Vec::new();
    let mut cur = String::new();
    for w in text.split_whitespace() {
        let bare = w.trim_end_matches(',');
        if ["and", "&", "und", "y", "et"].contains(&bare.to_lowercase().as_str()) || bare == ";" {
            groups.push(std::mem::take(&mut cur));
            continue;
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(w);
        if w.ends_with(';') {
            cur.pop();
            groups.push(std::mem::take(&mut cur));
        }
    }
    groups.push(cur);
    let groups: Vec<Vec<String>> = groups
        .iter()
        .map(|g| g.split(',').map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect::<Vec<_>>())
        .filter(|g: &Vec<String>| !g.is_empty())
        .collect();
    let parts: Vec<&String> = groups.iter().flatten().collect();
    let single_words = parts.iter().all(|p| !p.contains(' ') && !is_initials(p));
    let has_and = groups.len() > 1;
    let mut out: Vec<Creator> = Vec::new();
    // "Heinzig, Dieter": one group, two single words, no "and".
    if !has_and && parts.len() == 2 && single_words {
        out.push(structured(role, parts[0], Some(parts[1])));
    } else if single_words {
        // "Shen and Xia", "Goncharov, Lewis and Xue": family names only.
        for p in parts {
            out.push(structured(role, p, None));
        }
    } else {
        for g in &groups {
            let mut i = 0;
            while i < g.len() {
                let p = &g[i];
                let next = g.get(i + 1);
                if !p.contains(' ') && next.is_some_and(|n| is_initials(n) || (!n.contains(' ') && g.len() == 2 && i == 0 && !has_and)) {
                    // "Lee, L. L." or "Romero, C."
                    out.push(structured(role, p, next.map(String::as_str)));
                    i += 2;
                    continue;
                }
                if !p.contains(' ') && next.is_some_and(|n| n.split_whitespace().all(is_initials)) {
                    out.push(structured(role, p, next.map(String::as_str)));
                    i += 2;
                    continue;
                }
                out.push(direct(role, p));
                i += 1;
            }
        }
    }
    if et_al {
        if let Some(last) = out.last_mut() {
            last.extra.insert("et-al".into(), Value::Bool(true));
        }
    }
    out
}

fn is_initials(p: &str) -> bool {
    let p = p.trim();
    !p.is_empty()
        && p.split_whitespace().all(|w| {
            let letters: Vec<char> = w.chars().filter(|c| c.is_alphabetic()).collect();
            !letters.is_empty() && letters.len() <= 3 && letters.iter().all(|c| c.is_uppercase()) && w.chars().all(|c| c.is_alphabetic() || c == '.' || c == '-')
        })
}

fn structured(role: &str, family: &str, given: Option<&str>) -> Creator {
    Creator {
        role: role.to_string(),
        family: Some(family.trim().to_string()),
        given: given.map(|g| g.trim().to_string()).filter(|g| !g.is_empty()),
        ..Creator::default()
    }
}

const PARTICLES: &[&str] = &["de", "van", "von", "der", "den", "du", "da", "di", "la", "le", "del", "della", "ten", "ter"];

/// A name in written order: "Yafeng Xia", "W. E. Howard", "Pérez-Higueras
/// JJ" (family then initials), "Dieter Heinzig". An institution (many words,
/// or an institution word) is a literal.
fn direct(role: &str, p: &str) -> Creator {
    let words: Vec<&str> = p.split_whitespace().collect();
    let inst = has_any(p, &["university", "institute", "committee", "council", "association", "society", "ministry", "department", "project", "office", "bureau", "agency", "organization", "organisation", "center", "centre"]);
    if inst || words.len() > 5 {
        return Creator { role: role.to_string(), literal: Some(p.to_string()), ..Creator::default() };
    }
    if words.len() == 1 {
        return structured(role, words[0], None);
    }
    let last = words[words.len() - 1];
    if is_initials(last) && !last.contains('.') && !is_initials(words[0]) {
        // Vancouver: "Pérez-Higueras JJ", "de la Macorra JC".
        return structured(role, &words[..words.len() - 1].join(" "), Some(last));
    }
    // Particles before the family name stay with it ("Ludwig van Beethoven").
    let mut k = words.len() - 1;
    while k > 1 && PARTICLES.contains(&words[k - 1]) {
        k -= 1;
    }
    structured(role, &words[k..].join(" "), Some(&words[..k].join(" ")))
}
