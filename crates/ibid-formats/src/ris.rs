//! RIS in and out: our own reader and writer (no crate reads vendor exports
//! well).
//!
//! # Reading ([`parse()`])
//!
//! One result per record, in file order; a record that cannot be read is an
//! error for that record only. Each record becomes a flat CSL-JSON item,
//! then a [`Work`] through [`csl::work_from_csl`] and [`csl::split`] (so a
//! chapter has its book and series as `parent`, an article its periodical).
//!
//! Tolerated: a UTF-8 BOM; CRLF, LF or CR line ends; blank lines; text
//! outside records (Ovid numbers its records and puts links between them);
//! `ER  -` with or without its trailing space; `TY -`, `TY   -` (odd
//! spacing, for the tags the RIS specification knows); repeated tags.
//! A line that does not start with a tag continues the previous value:
//! joined with a line break in free-text tags (`AB`, `N1`, `N2`, `AD`,
//! `RN`, `CA`; a blank line before it makes a paragraph break; `KW`: one
//! keyword a line), with a space elsewhere. Leading and trailing spaces of
//! values and continuation lines are dropped; empty values are ignored.
//!
//! A record must start with `TY` and have a title (`TI`, `T1`, `CT`, or `BT`
//! for books): tags before any `TY` form a record that is reported as an
//! error, up to the next `ER`. A last record without `ER` (a truncated file)
//! is read like any other: imported when it has a type and a title. A text
//! without any `TY` line (empty, binary, BibTeX, PubMed's MEDLINE format…)
//! gives one error (record 1, line 1).
//!
//! # The mapping
//!
//! | RIS | CSL |
//! |---|---|
//! | `TY` | `type` ([`TYPES`]; unknown codes: `document`). `ELEC`/`WEB` with a journal name and a volume, issue, page or ISSN (Ovid's Cochrane records) are `article-journal`. `INPR` is `article-journal` with `status` "in press". A code the writer would not give back (`EBOOK`, `JFULL`, `ABST`, an unknown code…) is kept in `ris:TY`. |
//! | `TI`, `T1` (else `CT`; `BT` for books) | `title` |
//! | `ST` | `title-short` |
//! | `AU`, `A1` / `A2`, `ED` / `A3` / `A4` | `author` / `editor` / `collection-editor` / `translator`. "Family, Given[, Suffix]"; no comma: a literal name; `;` separates names; a Vancouver list ("Griffiths RR, Johnson MW") is split into names. |
//! | `T2` | the container: journal, book (chapters), proceedings, website → `container-title`; for books, reports and theses the series → `collection-title`. A `T2` equal to the title is dropped; for articles with a `JF` that `T2` differs from (Ovid: the title in the original language) → `original-title`. |
//! | `JF`, `JO` / `JA`, `J2`, `J1` | journal full name → `container-title` (`JF` first, then `T2`, then `JO`) / abbreviation → `container-title-short` (a lone abbreviation is the `container-title`). A journal "name" that is a URL (Ovid's trial registry links) is the `URL` when there is no `UR`. |
//! | `T3` | `collection-title`; a `T3` in square brackets (Ovid: "[Erratum appears in …]") is a line of `note` |
//! | `OP` | `original-title` |
//! | `PY`, `Y1`, `DA` | `issued`: `2004`, `2004///`, `2004/05/12/`, `2004/05/12/Spring` (→ `season`), `2004-05-12`, `2018 Nov 12`; the most complete of them that agrees with `PY`'s year; other text → a `literal` date |
//! | `Y2` | `accessed` |
//! | `VL`, `IS`, `ET`, `NV`, `SE` | `volume`, `issue`, `edition`, `number-of-volumes`, `section` |
//! | `SP`, `EP` | `page` "SP-EP"; for books and theses a lone number in `SP` is `number-of-pages` |
//! | `PB` / `CY` (else `PP`) | `publisher` / `publisher-place` |
//! | `SN` | split at `;` and `,` (labels such as "(print)" dropped): ISBNs → `ISBN`, ISSNs → `ISSN`; anything else is the `number` of a report, patent or standard |
//! | `M1` | `number` for reports, patents, standards, bills, hearings, laws and regulations |
//! | `M3` | `genre` (a DOI there, as some vendors write, is the `DOI`) |
//! | `DO` | `DOI` (with or without `https://doi.org/`, `doi:`); a `doi.org` `UR` gives the DOI too |
//! | `UR` | `URL` (the first) |
//! | `AB`, `N2` | `abstract` |
//! | `KW` | `keyword`, joined with ", " (with "; " when a keyword has a comma, as MeSH headings do) |
//! | `LA` | `language` |
//! | `N1` | `note` (several joined with line breaks); an `N1` "variable: value" naming a CSL variable sets that variable (see below) |
//! | `ID` (else `LB`) | `citation-key` |
//! | `CN`, `DB`, `DP` | `call-number`, `archive`, `source` |
//! | `AN` | `PMID` when `DB`/`DP` name MEDLINE or PubMed and it is a number, else `archive_location`. A link to an Ovid MEDLINE record (`…ovid.com…D=medp…&AN=30439442`) gives the `PMID` too. |
//! | anything else (`C1`–`C8`, `M2`, `L1`–`L4`, `AD`, `U1`…, a second `UR`, an `SN` that is not an identifier…) | kept verbatim in `ris:XX` (a string, or a list when repeated) |
//!
//! # Writing ([`write()`])
//!
//! Flat CSL-JSON items (as `Library::csl_items` gives them) in the mapping
//! above, backwards: `TY`, `TI`, `ST`, names, `T2`, `J2`, `T3`, `OP`, `PY`
//! (`YYYY/MM/DD/` with empty parts: `2020///`), `Y2`, `VL`, `IS`, `SP`/`EP`,
//! `ET`, `NV`, `SE`, `PB`, `CY`, `SN` (one a line), `DO`, `UR`, `AB`, `KW`
//! (one a line), `LA`, `M3`, `CN`, `DB`, `DP`, `AN`, `ID` (the
//! `citation-key`, else the item's `id`), `N1` (the note), the `ris:XX`
//! variables as their tags, `ER  - `. (An article whose journal has the
//! same name as the article says it in `JF`, since a `T2` equal to the title
//! is dropped on reading.) Names are "Family, Given" (a family-only name
//! "Family,"; a suffix third). Lines end in CRLF, as the RIS specification
//! asks; a blank line separates records. Multi-line abstracts and notes use
//! continuation lines (a line that would look like a tag gets a leading space).
//!
//! A CSL variable RIS has no tag for, or one whose tag would not give it back
//! exactly (a range or literal date, a name with particles, a type such as
//! `review` that shares `JOUR`…), is written as an `N1` line
//! "variable: value" (the "cheater syntax" citeproc-js and Zotero read in
//! notes), the value as JSON when it is not a plain one-line string; the
//! reader takes such a line back as the variable. Variables that are not
//! CSL (a service's raw fields such as Crossref's `reference`) are not written.
//!
//! # Round trip
//!
//! `parse(write(items))` gives the items back, up to these normalizations:
//! the `id` comes back as the `citation-key` (when there is none); line
//! breaks in one-line fields become spaces, and spaces at the start or end of
//! a value or of a line of an abstract or note are dropped; empty values are
//! dropped; numbers come back as strings; name details other than the name
//! parts (ORCID, affiliation, sequence) are not written, and a Crossref-style
//! `name` is written as a literal name; a lone keyword containing a comma is
//! written as two `KW` lines (the `keyword` text comes back the same, other
//! programs see two keywords); a `doi.org` URL without a DOI, or an
//! Ovid MEDLINE link without a PMID, gives the DOI or PMID; a type hint
//! overrides a vendor type code (the code is not kept); unknown item types
//! are written as `GEN`; non-CSL variables are not written.

use ibid_core::model::{normalize_type, ROLES};
use ibid_core::{csl, ident, Date, Work};
use serde_json::{Map, Value};

/// A record that could not be read: its 1-based number among the records of
/// the file, the line it starts on, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("record {record} (line {line}): {message}")]
pub struct RisError {
    pub record: usize,
    pub line: usize,
    pub message: String,
}

/// Every RIS type code (the 2011 specification's, and the older `INPR`,
/// `UNPD`, `GRNT`, `WEB`…) and the CSL type it is read as.
pub const TYPES: &[(&str, &str)] = &[
    ("ABST", "article-journal"),
    ("ADVS", "motion_picture"),
    ("AGGR", "dataset"),
    ("ANCIENT", "classic"),
    ("ART", "graphic"),
    ("BILL", "bill"),
    ("BLOG", "post-weblog"),
    ("BOOK", "book"),
    ("CASE", "legal_case"),
    ("CHAP", "chapter"),
    ("CHART", "figure"),
    ("CLSWK", "classic"),
    ("COMP", "software"),
    ("CONF", "paper-conference"),
    ("CPAPER", "paper-conference"),
    ("CTLG", "document"),
    ("DATA", "dataset"),
    ("DBASE", "dataset"),
    ("DICT", "entry-dictionary"),
    ("EBOOK", "book"),
    ("ECHAP", "chapter"),
    ("EDBOOK", "book"),
    ("EJOUR", "article-journal"),
    ("ELEC", "webpage"),
    ("ENCYC", "entry-encyclopedia"),
    ("EQUA", "document"),
    ("FIGURE", "figure"),
    ("GEN", "document"),
    ("GOVDOC", "report"),
    ("GRANT", "document"),
    ("GRNT", "document"),
    ("HEAR", "hearing"),
    ("ICOMM", "personal_communication"),
    ("INPR", "article-journal"),
    ("JFULL", "article-journal"),
    ("JOUR", "article-journal"),
    ("LEGAL", "regulation"),
    ("MANSCPT", "manuscript"),
    ("MAP", "map"),
    ("MGZN", "article-magazine"),
    ("MPCT", "motion_picture"),
    ("MULTI", "motion_picture"),
    ("MUSIC", "musical_score"),
    ("NEWS", "article-newspaper"),
    ("PAMP", "pamphlet"),
    ("PAT", "patent"),
    ("PCOMM", "personal_communication"),
    ("RPRT", "report"),
    ("SER", "periodical"),
    ("SLIDE", "speech"),
    ("SOUND", "song"),
    ("STAND", "standard"),
    ("STAT", "legislation"),
    ("THES", "thesis"),
    ("UNBILL", "bill"),
    ("UNPB", "manuscript"),
    ("UNPD", "manuscript"),
    ("VIDEO", "motion_picture"),
    ("WEB", "webpage"),
];

/// The CSL type a RIS type code is read as (`None`: not a RIS code).
pub fn ris_type_to_csl(code: &str) -> Option<&'static str> {
    TYPES.iter().find(|(c, _)| c.eq_ignore_ascii_case(code.trim())).map(|(_, t)| *t)
}

/// The RIS code a CSL type is written as, and whether the code alone does
/// not say the type (then the writer adds an `N1` "type: …" line).
pub fn csl_type_to_ris(csl_type: &str) -> (&'static str, bool) {
    let code = match csl_type {
        "article-journal" => "JOUR",
        "article-magazine" => "MGZN",
        "article-newspaper" => "NEWS",
        "bill" => "BILL",
        "book" => "BOOK",
        "chapter" => "CHAP",
        "classic" => "CLSWK",
        "dataset" => "DATA",
        "document" => "GEN",
        "entry-dictionary" => "DICT",
        "entry-encyclopedia" => "ENCYC",
        "figure" => "FIGURE",
        "graphic" => "ART",
        "hearing" => "HEAR",
        "legal_case" => "CASE",
        "legislation" => "STAT",
        "manuscript" => "MANSCPT",
        "map" => "MAP",
        "motion_picture" => "MPCT",
        "musical_score" => "MUSIC",
        "pamphlet" => "PAMP",
        "paper-conference" => "CPAPER",
        "patent" => "PAT",
        "periodical" => "SER",
        "personal_communication" => "PCOMM",
        "post-weblog" => "BLOG",
        "regulation" => "LEGAL",
        "report" => "RPRT",
        "software" => "COMP",
        "song" => "SOUND",
        "speech" => "SLIDE",
        "standard" => "STAND",
        "thesis" => "THES",
        "webpage" => "ELEC",
        // No code of their own: the nearest code and a type hint.
        "review" | "review-book" => return ("JOUR", true),
        "entry" => return ("ENCYC", true),
        "broadcast" => return ("VIDEO", true),
        "interview" => return ("PCOMM", true),
        "post" => return ("ICOMM", true),
        "treaty" => return ("LEGAL", true),
        _ => return ("GEN", csl_type != "document"),
    };
    (code, false)
}

/// The tags the RIS specification (and common vendors) use: only these are
/// recognized with odd spacing (`TY -`); any `XX  - ` is a tag.
const KNOWN_TAGS: &[&str] = &[
    "TY", "ER", "A1", "A2", "A3", "A4", "A5", "AB", "AD", "AN", "AU", "AV", "BT", "C1", "C2", "C3", "C4", "C5", "C6",
    "C7", "C8", "CA", "CN", "CP", "CT", "CY", "DA", "DB", "DO", "DP", "ED", "EP", "ET", "ID", "IS", "J1", "J2", "JA",
    "JF", "JO", "KW", "L1", "L2", "L3", "L4", "LA", "LB", "LK", "M1", "M2", "M3", "N1", "N2", "NV", "OP", "PB", "PP",
    "PY", "RI", "RN", "RP", "SE", "SN", "SP", "ST", "SV", "T1", "T2", "T3", "TA", "TI", "TT", "U1", "U2", "U3", "U4",
    "U5", "UR", "VL", "VO", "Y1", "Y2", "Y3",
];

/// Tags whose continuation lines are joined with a line break.
const NEWLINE_TAGS: &[&str] = &["AB", "N1", "N2", "AD", "RN", "CA", "KW"];

/// The CSL variables (1.0.2 and 1.1) other than names and `type`: an `N1`
/// "variable: value" line naming one of these (or a name role) sets it.
const CSL_VARIABLES: &[&str] = &[
    "abstract", "annote", "archive", "archive_collection", "archive_location", "archive-place", "authority",
    "call-number", "chapter-number", "citation-key", "citation-label", "citation-number", "collection-number",
    "collection-title", "container-title", "container-title-short", "dimensions", "division", "DOI", "edition",
    "event", "event-title", "event-place", "first-reference-note-number", "genre", "ISBN", "ISSN", "issue",
    "jurisdiction", "keyword", "language", "license", "locator", "medium", "note", "number", "number-of-pages",
    "number-of-volumes", "original-publisher", "original-publisher-place", "original-title", "page", "page-first",
    "part", "part-title", "PMCID", "PMID", "printing", "publisher", "publisher-place", "references",
    "reviewed-genre", "reviewed-title", "scale", "section", "source", "status", "supplement", "title", "title-short",
    "URL", "version", "volume", "volume-title", "year-suffix", "accessed", "available-date", "event-date", "issued",
    "original-date", "submitted",
];

/// Where a tag line can carry a name role.
const NAME_TAGS: &[(&str, &[&str])] =
    &[("author", &["AU", "A1"]), ("editor", &["ED", "A2"]), ("collection-editor", &["A3"]), ("translator", &["A4"])];

fn is_csl_variable(k: &str) -> bool {
    k == "type" || CSL_VARIABLES.contains(&k) || ROLES.contains(&k)
}

// ---------------------------------------------------------------------------
// Lines and records
// ---------------------------------------------------------------------------

/// Lines ending in CRLF, LF or CR, numbered from 1. Linear in the text.
struct Lines<'a> {
    rest: &'a str,
    n: usize,
}

impl<'a> Iterator for Lines<'a> {
    type Item = (usize, &'a str);
    fn next(&mut self) -> Option<(usize, &'a str)> {
        if self.rest.is_empty() {
            return None;
        }
        self.n += 1;
        let b = self.rest.as_bytes();
        match b.iter().position(|&c| c == b'\n' || c == b'\r') {
            None => {
                let line = self.rest;
                self.rest = "";
                Some((self.n, line))
            }
            Some(i) => {
                let line = &self.rest[..i];
                let skip = if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
                self.rest = &self.rest[i + skip..];
                Some((self.n, line))
            }
        }
    }
}

/// `Some((tag, value))` when the line starts with a tag: two characters
/// (A–Z, then A–Z or 0–9), two spaces, `-`, then a space or the end of the
/// line. A known tag may have one to four spaces before the dash.
fn split_tag(line: &str) -> Option<(&str, &str)> {
    let b = line.as_bytes();
    if b.len() < 3 || !b[0].is_ascii_uppercase() || !(b[1].is_ascii_uppercase() || b[1].is_ascii_digit()) {
        return None;
    }
    let mut i = 2;
    while i < b.len() && b[i] == b' ' && i < 7 {
        i += 1;
    }
    let spaces = i - 2;
    if i >= b.len() || b[i] != b'-' || spaces == 0 {
        return None;
    }
    let after = i + 1;
    if after < b.len() && b[after] != b' ' && b[after] != b'\t' {
        return None;
    }
    let tag = &line[..2];
    if spaces != 2 && !KNOWN_TAGS.contains(&tag) {
        return None;
    }
    let value = if after < b.len() { &line[after + 1..] } else { "" };
    Some((tag, value))
}

struct Field {
    tag: String,
    value: String,
}

struct RawRecord {
    /// The `TY` line, or the first tag line when there is no `TY`.
    line: usize,
    /// The `TY` value; `None` when tags came before any `TY`.
    ty: Option<String>,
    first_tag: String,
    fields: Vec<Field>,
}

/// Splits the text into records of tagged values (continuations joined).
fn read_records(text: &str) -> Vec<RawRecord> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut cur: Option<RawRecord> = None;
    let mut blanks = 0usize;
    for (n, line) in (Lines { rest: text, n: 0 }) {
        match cur.as_mut() {
            None => {
                // Outside a record: only a tag starts one; anything else
                // (Ovid's "12." and links, a header) is not part of a record.
                let Some((tag, value)) = split_tag(line.trim_start()) else { continue };
                match tag {
                    "ER" => {}
                    "TY" => {
                        cur = Some(RawRecord { line: n, ty: Some(value.trim().to_string()), first_tag: "TY".into(), fields: Vec::new() });
                    }
                    _ => {
                        let mut r = RawRecord { line: n, ty: None, first_tag: tag.to_string(), fields: Vec::new() };
                        r.fields.push(Field { tag: tag.to_string(), value: value.to_string() });
                        cur = Some(r);
                    }
                }
                blanks = 0;
            }
            Some(rec) => {
                if line.trim().is_empty() {
                    blanks += 1;
                    continue;
                }
                match split_tag(line) {
                    Some(("ER", _)) => {
                        out.push(cur.take().expect("in a record"));
                    }
                    Some(("TY", value)) => {
                        // A new record without ER before it: the last one ended.
                        out.push(cur.take().expect("in a record"));
                        cur = Some(RawRecord { line: n, ty: Some(value.trim().to_string()), first_tag: "TY".into(), fields: Vec::new() });
                    }
                    Some((tag, value)) => rec.fields.push(Field { tag: tag.to_string(), value: value.to_string() }),
                    None => match rec.fields.last_mut() {
                        Some(f) => {
                            if NEWLINE_TAGS.contains(&f.tag.as_str()) {
                                for _ in 0..=blanks.min(1) {
                                    f.value.push('\n');
                                }
                            } else {
                                f.value.push(' ');
                            }
                            f.value.push_str(line.trim());
                        }
                        None => {
                            // A continuation of TY itself: keep it as written.
                            if let Some(ty) = rec.ty.as_mut() {
                                ty.push(' ');
                                ty.push_str(line.trim());
                            }
                        }
                    },
                }
                blanks = 0;
            }
        }
    }
    if let Some(rec) = cur {
        out.push(rec);
    }
    out
}

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

/// Reads a RIS text: one result per record, in order. A text without any
/// record gives a single error.
pub fn parse(text: &str) -> Vec<Result<Work, RisError>> {
    parse_items(text)
        .into_iter()
        .map(|r| {
            r.and_then(|(item, record, line)| {
                csl::work_from_csl(&Value::Object(item))
                    .and_then(csl::split)
                    .map_err(|e| RisError { record, line, message: e.to_string() })
            })
        })
        .collect()
}

/// A record's flat CSL-JSON item, its number and its first line.
type Item = (Map<String, Value>, usize, usize);

/// The flat CSL-JSON item of each record (before `work_from_csl`).
fn parse_items(text: &str) -> Vec<Result<Item, RisError>> {
    let records = read_records(text);
    // No TY anywhere: not RIS (tags such as MEDLINE's "TI  - " alone do not make it so).
    if records.iter().all(|r| r.ty.is_none()) {
        let t = text.trim_start_matches('\u{feff}').trim_start();
        let hint = match t.chars().next() {
            None => " (the text is empty)".to_string(),
            Some('@') => " (this looks like BibTeX)".to_string(),
            Some('[' | '{') => " (this looks like JSON)".to_string(),
            _ if t.starts_with("PMID-") => " (this looks like PubMed's MEDLINE format)".to_string(),
            _ => String::new(),
        };
        return vec![Err(RisError {
            record: 1,
            line: 1,
            message: format!("no RIS records: no line starts with \"TY  - \"{hint}"),
        })];
    }
    records
        .iter()
        .enumerate()
        .map(|(i, rec)| {
            let record = i + 1;
            map_record(rec).map(|item| (item, record, rec.line)).map_err(|message| RisError { record, line: rec.line, message })
        })
        .collect()
}

/// A record's fields, each used at most once; what is left is kept in `ris:XX`.
struct Fields {
    f: Vec<(String, String, bool)>,
}

impl Fields {
    fn idx(&self, tags: &[&str]) -> Vec<usize> {
        (0..self.f.len()).filter(|&i| !self.f[i].2 && tags.contains(&self.f[i].0.as_str())).collect()
    }
    fn has(&self, tags: &[&str]) -> bool {
        self.f.iter().any(|(t, _, used)| !used && tags.contains(&t.as_str()))
    }
    fn val(&self, i: usize) -> &str {
        &self.f[i].1
    }
    fn take(&mut self, i: usize) -> String {
        self.f[i].2 = true;
        self.f[i].1.clone()
    }
    /// The first unused value of the first of `tags` that has one.
    fn first(&self, tags: &[&str]) -> Option<usize> {
        tags.iter().find_map(|t| self.idx(&[t]).first().copied())
    }
    fn take_first(&mut self, tags: &[&str]) -> Option<String> {
        self.first(tags).map(|i| self.take(i))
    }
    /// Marks used every unused value of `tags` equal (ignoring case) to one of `known`.
    fn drop_equal(&mut self, tags: &[&str], known: &[Option<&str>]) {
        for i in self.idx(tags) {
            if known.iter().flatten().any(|k| same_text(k, &self.f[i].1)) {
                self.f[i].2 = true;
            }
        }
    }
    fn leftovers(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for (tag, value, used) in &self.f {
            if *used {
                continue;
            }
            match out.iter_mut().find(|(t, _)| t == tag) {
                Some((_, v)) => v.push(value.clone()),
                None => out.push((tag.clone(), vec![value.clone()])),
            }
        }
        out
    }
}

fn same_text(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

fn is_url(s: &str) -> bool {
    let l = s.trim_start().get(..8).unwrap_or("").to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://")
}

/// How a record's container tags are read, by CSL type.
#[derive(Clone, Copy, PartialEq)]
enum Group {
    /// Articles: `T2`/`JF`/`JO` the journal.
    Periodical,
    /// Chapters, entries, conference papers: `T2` the book or proceedings.
    Book,
    /// Books, reports, theses: `T2` (or `T3`) the series.
    Series,
    /// Everything else: `T2` the container (website, code…).
    Other,
}

fn group(csl_type: &str) -> Group {
    match csl::container_kind(csl_type) {
        Some(csl::ContainerKind::Periodical) => Group::Periodical,
        Some(csl::ContainerKind::Book) => Group::Book,
        Some(csl::ContainerKind::Series) => Group::Series,
        None => Group::Other,
    }
}

const JOURNAL_TAGS: &[&str] = &["T2", "JF", "JO", "JA", "J2", "J1"];

/// The CSL type of a record of RIS type `code`; `ELEC`/`WEB` records that
/// have a journal and a volume, issue, page or ISSN are journal articles.
fn type_for(code: &str, journal_evidence: bool) -> &'static str {
    let t = ris_type_to_csl(code).unwrap_or("document");
    if t == "webpage" && journal_evidence {
        "article-journal"
    } else {
        t
    }
}

fn map_record(rec: &RawRecord) -> Result<Map<String, Value>, String> {
    let Some(raw_code) = rec.ty.as_deref() else {
        return Err(format!("{} comes before any TY line (a record starts with \"TY  - \")", rec.first_tag));
    };
    let code = raw_code.trim().to_ascii_uppercase();
    if code.is_empty() {
        return Err("TY has no type".to_string());
    }
    let mut f = Fields {
        f: rec.fields.iter().map(|x| (x.tag.clone(), x.value.trim().to_string(), false)).filter(|x| !x.1.is_empty()).collect(),
    };
    let mut o = Map::new();

    // N1 lines: "variable: value" lines set variables; the rest (and
    // bracketed T3 comments) make the note.
    let mut cheats: Vec<(String, Value)> = Vec::new();
    let mut note: Vec<String> = Vec::new();
    for i in f.idx(&["N1", "T3"]) {
        if f.f[i].0 == "T3" {
            let v = f.val(i);
            if v.starts_with('[') && v.ends_with(']') {
                note.push(f.take(i));
            }
            continue;
        }
        let v = f.take(i);
        match cheater(&v).filter(|(k, val)| k != "type" || val.as_str().and_then(normalize_type).is_some()) {
            Some((k, val)) => {
                if !cheats.iter().any(|(c, _)| c == &k) {
                    cheats.push((k, val));
                }
            }
            None => note.push(v),
        }
    }
    let cheat = |k: &str| cheats.iter().find(|(c, _)| c == k).map(|(_, v)| v);

    // Type.
    let provisional_title = f.first(&["TI", "T1", "CT"]).map(|i| f.val(i).to_string());
    let journal_evidence = JOURNAL_TAGS.iter().any(|t| {
        f.idx(&[t]).iter().any(|&i| {
            let v = f.val(i);
            let title_again = *t == "T2" && provisional_title.as_deref().is_some_and(|p| same_text(p, v));
            !(is_url(v) || title_again)
        })
    }) && (f.has(&["VL", "IS", "SP"]) || f.idx(&["SN"]).iter().any(|&i| split_sn(f.val(i)).0.iter().any(|x| matches!(x, Sn::Issn(_)))));
    let mut csl_type = type_for(&code, journal_evidence).to_string();
    if let Some(t) = cheat("type").and_then(Value::as_str).and_then(normalize_type) {
        csl_type = t.to_string();
    }
    if ris_type_to_csl(&code).is_none() {
        tracing::warn!(code, line = rec.line, "unknown RIS type; read as a document");
    }
    let g = group(&csl_type);

    // Title.
    let title = f.take_first(&["TI", "T1", "CT"]).or_else(|| {
        if matches!(csl_type.as_str(), "book" | "manuscript") {
            f.take_first(&["BT"])
        } else {
            None
        }
    });
    // An untitled record is kept when something else identifies it (checked at the end).
    if let Some(title) = title.or_else(|| cheat("title").and_then(Value::as_str).map(str::to_string)) {
        f.drop_equal(&["T2"], &[Some(&title)]);
        put(&mut o, "title", title);
    }
    if let Some(v) = f.take_first(&["ST"]) {
        put(&mut o, "title-short", v);
    }

    // Links that vendors put where a journal name goes.
    let mut url_like: Vec<usize> = Vec::new();
    for t in JOURNAL_TAGS.iter().chain(&["BT"]) {
        url_like.extend(f.idx(&[t]).into_iter().filter(|&i| is_url(f.val(i))));
    }
    url_like.sort_unstable();
    let url_like_vals: Vec<(usize, String)> = url_like.iter().map(|&i| (i, f.val(i).to_string())).collect();
    for &(i, _) in &url_like_vals {
        f.f[i].2 = true;
    }

    // Containers.
    match g {
        Group::Periodical => {
            let jf = f.first(&["JF"]);
            let full = f.take_first(&["JF", "T2", "JO"]);
            if jf.is_some() {
                if let Some(i) = f.first(&["T2"]) {
                    let known = [full.as_deref()];
                    let same = known.iter().flatten().any(|k| same_text(k, f.val(i)))
                        || f.idx(&["JO", "JA", "J2", "J1"]).iter().any(|&j| same_text(f.val(j), f.val(i)));
                    if same {
                        f.f[i].2 = true;
                    } else if !f.has(&["OP"]) {
                        let v = f.take(i);
                        put(&mut o, "original-title", v);
                    }
                }
            }
            f.drop_equal(&["JO", "T2"], &[full.as_deref()]);
            let short = f.take_first(&["JA", "J2", "J1", "JO"]);
            f.drop_equal(&["JA", "J2", "J1", "JO"], &[full.as_deref(), short.as_deref()]);
            match (full, short) {
                (Some(full), short) => {
                    put(&mut o, "container-title", full);
                    if let Some(s) = short {
                        put(&mut o, "container-title-short", s);
                    }
                }
                (None, Some(short)) => put(&mut o, "container-title", short),
                (None, None) => {}
            }
        }
        Group::Book | Group::Other => {
            let full = f.take_first(&["T2", "BT", "JF", "JO"]);
            let short = f.take_first(&["J2", "JA", "J1"]);
            match (full, short) {
                (Some(full), short) => {
                    put(&mut o, "container-title", full);
                    if let Some(s) = short {
                        put(&mut o, "container-title-short", s);
                    }
                }
                (None, Some(short)) => put(&mut o, "container-title", short),
                (None, None) => {}
            }
        }
        Group::Series => {}
    }
    let series = if g == Group::Series { f.take_first(&["T3", "T2"]) } else { f.take_first(&["T3"]) };
    if let Some(s) = series {
        put(&mut o, "collection-title", s);
    }
    if let Some(v) = f.take_first(&["OP"]) {
        if !o.contains_key("original-title") {
            put(&mut o, "original-title", v);
        }
    }

    // Names.
    for (role, tags) in NAME_TAGS {
        let mut names = Vec::new();
        for i in f.idx(tags) {
            names.extend(parse_names(&f.take(i)));
        }
        if !names.is_empty() {
            o.insert(role.to_string(), Value::Array(names));
        }
    }

    // Dates.
    read_issued(&mut f, &mut o);
    if let Some(i) = f.first(&["Y2"]) {
        let v = f.take(i);
        if let Some(d) = parse_date(&v) {
            o.insert("accessed".into(), d);
        }
    }

    // Numbers and places.
    for (tag, var) in [("VL", "volume"), ("IS", "issue"), ("ET", "edition"), ("NV", "number-of-volumes"), ("SE", "section"), ("PB", "publisher"), ("LA", "language"), ("CN", "call-number"), ("DB", "archive"), ("DP", "source")] {
        if let Some(v) = f.take_first(&[tag]) {
            put(&mut o, var, v);
        }
    }
    if let Some(v) = f.take_first(&["CY", "PP"]) {
        put(&mut o, "publisher-place", v);
    }
    let sp = f.take_first(&["SP"]);
    let ep = f.take_first(&["EP"]);
    match (sp, ep) {
        (Some(sp), Some(ep)) => put(&mut o, "page", format!("{sp}-{ep}")),
        (Some(sp), None) if matches!(g, Group::Series) && sp.chars().all(|c| c.is_ascii_digit()) => {
            put(&mut o, "number-of-pages", sp)
        }
        (Some(sp), None) => put(&mut o, "page", sp),
        (None, Some(ep)) => put(&mut o, "page", ep),
        (None, None) => {}
    }

    // Identifiers.
    let numbered = numbered_type(&csl_type);
    let mut isbn: Vec<String> = Vec::new();
    let mut issn: Vec<String> = Vec::new();
    let mut other_sn: Vec<String> = Vec::new();
    for i in f.idx(&["SN"]) {
        let v = f.take(i);
        let (ids, rest) = split_sn(&v);
        let rest = if ids.is_empty() { vec![v] } else { rest };
        for id in ids {
            match id {
                Sn::Isbn(s) => isbn.push(s),
                Sn::Issn(s) => issn.push(s),
            }
        }
        for r in rest {
            if numbered.is_some() && !o.contains_key("number") {
                put(&mut o, "number", r);
            } else {
                other_sn.push(r);
            }
        }
    }
    for r in other_sn {
        f.f.push(("SN".into(), r, false));
    }
    if !isbn.is_empty() {
        o.insert("ISBN".into(), Value::Array(isbn.into_iter().map(Value::String).collect()));
    }
    if !issn.is_empty() {
        o.insert("ISSN".into(), Value::Array(issn.into_iter().map(Value::String).collect()));
    }
    if numbered.is_some() && !o.contains_key("number") {
        if let Some(v) = f.take_first(&["M1"]) {
            put(&mut o, "number", v);
        }
    }
    for i in f.idx(&["DO"]) {
        if let Ok(d) = ident::normalize_doi(f.val(i)) {
            f.take(i);
            put(&mut o, "DOI", d);
            break;
        }
    }
    // M3: the type of work, or (some vendors) the DOI.
    if let Some(i) = f.first(&["M3"]) {
        match doi_like(f.val(i)) {
            Some(d) if o.get("DOI").is_none_or(|x| x.as_str() == Some(&d)) => {
                f.take(i);
                put(&mut o, "DOI", d);
            }
            _ => {
                let v = f.take(i);
                put(&mut o, "genre", v);
            }
        }
    }
    match f.take_first(&["UR"]) {
        Some(u) => {
            if let Some(d) = doi_like(&u).filter(|_| !o.contains_key("DOI") && u.to_ascii_lowercase().contains("doi.org/")) {
                put(&mut o, "DOI", d);
            }
            put(&mut o, "URL", u);
            // Links written as journal names stay as written.
            for (i, _) in &url_like_vals {
                f.f[*i].2 = false;
            }
        }
        None => {
            if let Some(((_, u), rest)) = url_like_vals.split_first() {
                put(&mut o, "URL", u.clone());
                for (i, _) in rest {
                    f.f[*i].2 = false;
                }
            }
        }
    }
    if let Some(v) = f.take_first(&["AB", "N2"]) {
        let abs = v.clone();
        put(&mut o, "abstract", v);
        f.drop_equal(&["AB", "N2"], &[Some(&abs)]);
    }
    let mut keywords: Vec<String> = Vec::new();
    for i in f.idx(&["KW"]) {
        keywords.extend(split_keywords(&f.take(i)));
    }
    if !keywords.is_empty() {
        put(&mut o, "keyword", join_keywords(&keywords));
    }
    if let Some(v) = f.take_first(&["ID", "LB"]) {
        put(&mut o, "citation-key", v);
    }

    // Accession numbers: a PMID when the database is MEDLINE/PubMed.
    if let Some(i) = f.first(&["AN"]) {
        let an = f.take(i);
        if cheat("PMID").is_none() && an_is_pmid(&an, o.get("archive"), o.get("source")) {
            put(&mut o, "PMID", an);
        } else {
            put(&mut o, "archive_location", an);
        }
    }
    if !o.contains_key("PMID") && cheat("PMID").is_none() {
        let links: Vec<usize> = f.idx(&["L1", "L2", "L3", "L4", "UR"]);
        let from_link = links.iter().find_map(|&i| ovid_medline_pmid(f.val(i)));
        if let Some(p) = from_link.or_else(|| o.get("URL").and_then(Value::as_str).and_then(ovid_medline_pmid)) {
            put(&mut o, "PMID", p);
        }
    }
    if !note.is_empty() {
        put(&mut o, "note", note.join("\n"));
    }

    // Leftovers, verbatim.
    for (tag, mut values) in f.leftovers() {
        let v = if values.len() == 1 { Value::String(values.remove(0)) } else { Value::Array(values.into_iter().map(Value::String).collect()) };
        o.insert(format!("ris:{tag}"), v);
    }

    // "variable: value" lines win over tags.
    for (k, v) in cheats {
        if k == "type" {
            continue;
        }
        o.insert(k, v);
    }
    if code == "INPR" && !o.contains_key("status") {
        o.insert("status".into(), Value::String("in press".into()));
    }
    // The code, when writing the item back would not give it.
    let mut typed = Map::new();
    typed.insert("type".into(), Value::String(csl_type.clone()));
    typed.extend(o);
    let (canonical, _) = code_for(&typed, false);
    if canonical != code {
        typed.insert("ris:TY".into(), Value::String(code));
    }
    if !csl::identifies_a_work(&typed) {
        return Err("no title (TI, T1 or CT), no author or editor, no DO, SN or UR and no journal or book title: nothing to know the work by".to_string());
    }
    Ok(typed)
}

fn put(o: &mut Map<String, Value>, k: &str, v: String) {
    o.insert(k.to_string(), Value::String(v));
}

/// The tag a type's `number` is written in: report-like types in `SN`,
/// legal ones in `M1`; others have none.
fn numbered_type(t: &str) -> Option<&'static str> {
    match t {
        "report" | "patent" | "standard" => Some("SN"),
        "bill" | "hearing" | "legislation" | "regulation" => Some("M1"),
        _ => None,
    }
}

/// An `N1` "variable: value" line: the variable and its value (JSON when
/// the value is JSON text starting with `[`, `{` or `"`).
fn cheater(line: &str) -> Option<(String, Value)> {
    let (k, rest) = line.split_once(": ")?;
    if !is_csl_variable(k) {
        return None;
    }
    let rest = rest.trim();
    if rest.starts_with(['[', '{', '"']) {
        if let Ok(v) = serde_json::from_str::<Value>(rest) {
            return Some((k.to_string(), v));
        }
    }
    if rest.is_empty() || rest.contains('\n') {
        return None;
    }
    Some((k.to_string(), Value::String(rest.to_string())))
}

/// `issued` from `PY`, `Y1` and `DA`: the most complete one whose year
/// agrees with the first of them; the others are kept unless they say less.
fn read_issued(f: &mut Fields, o: &mut Map<String, Value>) {
    let cands: Vec<usize> = ["PY", "Y1", "DA"].iter().filter_map(|t| f.first(&[t])).collect();
    if cands.is_empty() {
        return;
    }
    let parsed: Vec<(usize, Option<Value>)> = cands.iter().map(|&i| (i, parse_date(f.val(i)))).collect();
    let year_of = |v: &Option<Value>| -> Option<i64> { v.as_ref()?.get("date-parts")?.get(0)?.get(0)?.as_i64() };
    let parts_of = |v: &Option<Value>| -> Vec<i64> {
        v.as_ref()
            .and_then(|d| d.get("date-parts"))
            .and_then(|p| p.get(0))
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default()
    };
    let base_year = parsed.iter().find_map(|(_, v)| year_of(v));
    let mut best: Option<usize> = None;
    for (n, (_, v)) in parsed.iter().enumerate() {
        if v.is_none() || year_of(v) != base_year {
            continue;
        }
        match best {
            Some(b) if parts_of(&parsed[b].1).len() >= parts_of(v).len() => {}
            _ => best = Some(n),
        }
    }
    let best = best.unwrap_or(0);
    let chosen = parsed[best].1.clone();
    let chosen_parts = parts_of(&chosen);
    let chosen_plain = chosen.as_ref().and_then(Value::as_object).is_some_and(|d| d.len() == 1);
    for (n, (i, v)) in parsed.iter().enumerate() {
        let plain = v.as_ref().and_then(Value::as_object).is_some_and(|d| d.len() == 1);
        let p = parts_of(v);
        let subsumed = n == best || *v == chosen || (plain && chosen_plain && !p.is_empty() && chosen_parts.starts_with(&p));
        if subsumed {
            f.take(*i);
        }
    }
    if let Some(d) = chosen {
        o.insert("issued".into(), d);
    }
}

const MONTHS: &[&str] = &["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/// A RIS date as a CSL date object: `YYYY/MM/DD/other` (parts may be empty;
/// "other" is the season), ISO `YYYY-MM-DD`, "2018 Nov 12", "Nov 2018";
/// anything else is a literal (with the year as its date part when it has one).
fn parse_date(s: &str) -> Option<Value> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let obj = |parts: Vec<i64>, season: Option<&str>| {
        let mut m = Map::new();
        m.insert("date-parts".into(), Value::Array(vec![Value::Array(parts.into_iter().map(Value::from).collect())]));
        if let Some(se) = season.filter(|x| !x.is_empty()) {
            m.insert("season".into(), Value::String(se.to_string()));
        }
        Some(Value::Object(m))
    };
    let num = |x: &str, lo: i64, hi: i64| -> Option<i64> {
        let x = x.trim();
        if x.is_empty() || x.len() > 4 || !x.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        x.parse::<i64>().ok().filter(|n| (lo..=hi).contains(n))
    };
    // YYYY/MM/DD/other
    if s.contains('/') {
        let bits: Vec<&str> = s.splitn(4, '/').collect();
        if let Some(y) = num(bits[0], 1, 9999).filter(|_| bits[0].trim().len() == 4) {
            let mut parts = vec![y];
            let month = bits.get(1).and_then(|m| num(m, 1, 12));
            let m_ok = bits.get(1).is_none_or(|m| m.trim().is_empty() || month.is_some() || m.trim().chars().all(|c| c == '0'));
            let day = bits.get(2).and_then(|d| num(d, 1, 31));
            let d_ok = bits.get(2).is_none_or(|d| d.trim().is_empty() || day.is_some() || d.trim().chars().all(|c| c == '0'));
            if m_ok && d_ok {
                if let Some(m) = month {
                    parts.push(m);
                    if let Some(d) = day {
                        parts.push(d);
                    }
                }
                return obj(parts, bits.get(3).map(|x| x.trim()));
            }
        }
    }
    // YYYY, YYYY-MM, YYYY-MM-DD
    let dash: Vec<&str> = s.split('-').collect();
    if dash.len() <= 3 && dash[0].trim().len() == 4 {
        let y = num(dash[0], 1, 9999);
        let m = dash.get(1).map(|m| num(m, 1, 12));
        let d = dash.get(2).map(|d| num(d, 1, 31));
        if let (Some(y), false, false) = (y, m == Some(None), d == Some(None)) {
            let mut parts = vec![y];
            parts.extend(m.flatten());
            parts.extend(d.flatten());
            return obj(parts, None);
        }
    }
    // Words: "2018 Nov 12", "12 November 2018", "Nov 2018".
    let tokens: Vec<&str> = s.split([' ', ',', '.']).filter(|t| !t.is_empty()).collect();
    let (mut y, mut m, mut d) = (None, None, None);
    let mut all_known = tokens.len() <= 3;
    for t in &tokens {
        let low = t.to_ascii_lowercase();
        if t.len() == 4 && y.is_none() && num(t, 1, 9999).is_some() {
            y = num(t, 1, 9999);
        } else if m.is_none() && low.len() >= 3 && MONTHS.iter().any(|mo| low.starts_with(mo)) && low.chars().all(|c| c.is_ascii_alphabetic()) {
            m = MONTHS.iter().position(|mo| low.starts_with(mo)).map(|p| p as i64 + 1);
        } else if d.is_none() && t.len() <= 2 && num(t, 1, 31).is_some() {
            d = num(t, 1, 31);
        } else {
            all_known = false;
        }
    }
    if let (true, Some(y)) = (all_known, y) {
        let mut parts = vec![y];
        if let Some(m) = m {
            parts.push(m);
            if let Some(d) = d {
                parts.push(d);
            }
        }
        if d.is_none() || m.is_some() {
            return obj(parts, None);
        }
    }
    let mut lit = Map::new();
    let year = s
        .split(|c: char| !c.is_ascii_digit())
        .find(|t| t.len() == 4)
        .and_then(|t| t.parse::<i64>().ok());
    if let Some(y) = year {
        lit.insert("date-parts".into(), serde_json::json!([[y]]));
    }
    lit.insert("literal".into(), Value::String(s.to_string()));
    Some(Value::Object(lit))
}

fn is_suffix(s: &str) -> bool {
    matches!(s.trim_end_matches('.').to_ascii_lowercase().as_str(), "jr" | "sr" | "ii" | "iii" | "iv" | "v" | "2nd" | "3rd")
}

/// "Family INITIALS" as MEDLINE writes names ("Griffiths RR", "Agin-Liebes G").
fn vancouver(s: &str, multiword_family: bool) -> Option<(String, String)> {
    let (family, initials) = s.trim().rsplit_once(' ')?;
    let family = family.trim();
    let ok_initials = (1..=3).contains(&initials.len()) && initials.chars().all(|c| c.is_ascii_uppercase());
    let ok_family = !family.is_empty()
        && family.chars().next().is_some_and(char::is_alphabetic)
        && family.chars().any(char::is_lowercase)
        && (multiword_family || !family.contains(' '))
        && family.chars().all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '’'));
    (ok_initials && ok_family).then(|| (family.to_string(), initials.to_string()))
}

fn name_obj(pairs: &[(&str, &str)]) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        if !v.is_empty() {
            m.insert(k.to_string(), Value::String(v.to_string()));
        }
    }
    Value::Object(m)
}

/// The names in one name tag's value, as CSL name objects.
fn parse_names(value: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for piece in value.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let parts: Vec<&str> = piece.split(',').map(str::trim).collect();
        // A Vancouver list: "Griffiths RR, Johnson MW, Carducci MA".
        if parts.len() >= 2 && parts.iter().all(|p| vancouver(p, true).is_some()) {
            for p in &parts {
                let (family, given) = vancouver(p, true).expect("checked");
                out.push(name_obj(&[("family", &family), ("given", &given)]));
            }
            continue;
        }
        let v = match parts.as_slice() {
            [one] => match vancouver(one, false) {
                Some((family, given)) => name_obj(&[("family", &family), ("given", &given)]),
                None => name_obj(&[("literal", one)]),
            },
            [family, given] => name_obj(&[("family", family), ("given", given)]),
            [family, a, b] if is_suffix(a) && !is_suffix(b) => name_obj(&[("family", family), ("given", b), ("suffix", a)]),
            [family, given, suffix] => name_obj(&[("family", family), ("given", given), ("suffix", suffix)]),
            _ => name_obj(&[("literal", piece)]),
        };
        if v.as_object().is_some_and(|m| !m.is_empty()) {
            out.push(v);
        }
    }
    out
}

enum Sn {
    Isbn(String),
    Issn(String),
}

fn classify_sn(piece: &str) -> Option<Sn> {
    // Drop "(print)", "(electronic)" and labels.
    let mut s = piece.trim().to_string();
    while let (Some(a), true) = (s.rfind('('), s.ends_with(')')) {
        s.truncate(a);
        s = s.trim_end().to_string();
    }
    let lower = s.to_ascii_lowercase();
    let s = ["eissn", "pissn", "issn", "isbn-13", "isbn-10", "isbn", "print", "online", "electronic"]
        .iter()
        .find(|l| lower.starts_with(*l))
        .map(|l| s[l.len()..].trim_start_matches([':', ' ']).to_string())
        .unwrap_or(s);
    let compact: String = s.chars().filter(|c| !matches!(c, '-' | ' ')).collect();
    // `is_ascii` first: eight bytes may hold a longer character, and
    // slicing at 7 would cut it (fuzz/ris, crash-d732ec4f).
    if compact.len() == 8 && compact.is_ascii() && compact[..7].chars().all(|c| c.is_ascii_digit()) && compact[7..].chars().all(|c| c.is_ascii_digit() || c == 'X' || c == 'x') {
        let up = compact.to_ascii_uppercase();
        return Some(Sn::Issn(ident::normalize_issn(&up).unwrap_or_else(|_| format!("{}-{}", &up[..4], &up[4..]))));
    }
    if let Ok(i) = ident::normalize_isbn(&s) {
        return Some(Sn::Isbn(i));
    }
    None
}

/// The ISBNs and ISSNs in an `SN` value, and the pieces that are neither.
fn split_sn(v: &str) -> (Vec<Sn>, Vec<String>) {
    let mut ids = Vec::new();
    let mut rest = Vec::new();
    for piece in v.split([';', ',']).map(str::trim).filter(|p| !p.is_empty()) {
        if let Some(id) = classify_sn(piece) {
            ids.push(id);
            continue;
        }
        // "0041-0101 1879-3150"
        let toks: Vec<&str> = piece.split_whitespace().collect();
        let each: Vec<Option<Sn>> = toks.iter().map(|t| classify_sn(t)).collect();
        if toks.len() > 1 && each.iter().all(Option::is_some) {
            ids.extend(each.into_iter().flatten());
        } else {
            rest.push(piece.to_string());
        }
    }
    (ids, rest)
}

/// A DOI written where a DOI is not expected: `10.…`, `doi:10.…` or a doi.org URL.
fn doi_like(v: &str) -> Option<String> {
    let l = v.trim().to_ascii_lowercase();
    let looks = l.starts_with("10.") || l.starts_with("doi:") || l.contains("doi.org/10.");
    if looks {
        ident::normalize_doi(v).ok()
    } else {
        None
    }
}

fn names_medline(v: Option<&Value>) -> bool {
    v.and_then(Value::as_str).is_some_and(|s| {
        let l = s.to_ascii_lowercase();
        l.contains("medline") || l.contains("pubmed")
    })
}

fn an_is_pmid(an: &str, archive: Option<&Value>, source: Option<&Value>) -> bool {
    !an.is_empty() && an.len() <= 9 && an.chars().all(|c| c.is_ascii_digit()) && (names_medline(archive) || names_medline(source))
}

/// The PMID in a link to an Ovid MEDLINE record (`D=medp`, `medl`, `prem`,
/// `mesz`…, `AN=<digits>`).
fn ovid_medline_pmid(url: &str) -> Option<String> {
    let l = url.to_ascii_lowercase();
    if !l.contains("ovid.com") {
        return None;
    }
    let (_, query) = url.split_once('?')?;
    let mut db = None;
    let mut an = None;
    for kv in query.split('&') {
        if let Some((k, v)) = kv.split_once('=') {
            match k.to_ascii_uppercase().as_str() {
                "D" => db = Some(v.to_ascii_lowercase()),
                "AN" => an = Some(v),
                _ => {}
            }
        }
    }
    let db = db?;
    let medline = db.starts_with("med") || db.starts_with("mes") || db == "prem";
    let an = an?;
    (medline && !an.is_empty() && an.len() <= 9 && an.chars().all(|c| c.is_ascii_digit())).then(|| an.to_string())
}

fn split_keywords(v: &str) -> Vec<String> {
    v.split(['\n', ';']).map(str::trim).filter(|k| !k.is_empty()).map(str::to_string).collect()
}

fn join_keywords(k: &[String]) -> String {
    let sep = if k.iter().any(|x| x.contains(',')) { "; " } else { ", " };
    k.join(sep)
}

/// The keywords of a CSL `keyword` string, as the writer splits it.
fn keywords_of(s: &str) -> Vec<String> {
    let sep = if s.contains(';') { ';' } else { ',' };
    s.split(sep).map(str::trim).filter(|k| !k.is_empty()).map(str::to_string).collect()
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

/// Writes flat CSL-JSON items as RIS (CRLF line ends, a blank line between
/// records). See the module documentation for the mapping.
pub fn write(items: &[Map<String, Value>]) -> String {
    let mut out = String::new();
    for item in items {
        write_item(&mut out, item);
    }
    out
}

/// The code an item is written with, and whether a type hint must go with it.
/// `use_kept`: honour a `ris:TY` the reader kept.
fn code_for(item: &Map<String, Value>, use_kept: bool) -> (String, bool) {
    let raw = item.get("type").and_then(Value::as_str).unwrap_or("document");
    let t = normalize_type(raw).unwrap_or("document");
    let t = if t == "series" { "book" } else { t };
    if use_kept {
        if let Some(kept) = item.get("ris:TY").and_then(Value::as_str) {
            if type_for(kept, journal_evidence(item)) == t {
                return (kept.to_string(), false);
            }
        }
    }
    if t == "article-journal" && item.get("status").and_then(Value::as_str) == Some("in press") {
        return ("INPR".into(), false);
    }
    if t == "webpage" && journal_evidence(item) {
        // ELEC alone would read back as a journal article.
        return ("ELEC".into(), true);
    }
    let (code, hint) = csl_type_to_ris(t);
    (code.to_string(), hint)
}

fn str_of<'a>(item: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    item.get(k).and_then(Value::as_str).filter(|s| !s.trim().is_empty())
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// What the reader takes as a journal and its numbering (see [`type_for`]).
fn journal_evidence(item: &Map<String, Value>) -> bool {
    str_of(item, "container-title").is_some_and(|s| !is_url(s))
        && (["volume", "issue", "page"].iter().any(|k| item.get(*k).and_then(scalar).is_some())
            || item.get("ISSN").is_some_and(|v| match v {
                Value::Array(a) => a.iter().filter_map(scalar).any(|x| matches!(classify_sn(&x), Some(Sn::Issn(_)))),
                other => scalar(other).is_some_and(|x| split_sn(&x).0.iter().any(|i| matches!(i, Sn::Issn(_)))),
            }))
}

struct Out<'a> {
    s: &'a mut String,
    cheats: Vec<(String, Value)>,
}

impl Out<'_> {
    /// One tag and its value; line breaks become continuation lines when
    /// `multiline`, spaces otherwise.
    fn tag(&mut self, tag: &str, value: &str, multiline: bool) {
        let value = value.replace("\r\n", "\n").replace('\r', "\n");
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        if !multiline {
            let one: String = value.split('\n').map(str::trim).collect::<Vec<_>>().join(" ");
            self.s.push_str(tag);
            self.s.push_str("  - ");
            self.s.push_str(&one);
            self.s.push_str("\r\n");
            return;
        }
        let mut lines = value.split('\n');
        self.s.push_str(tag);
        self.s.push_str("  - ");
        self.s.push_str(lines.next().unwrap_or("").trim());
        self.s.push_str("\r\n");
        for line in lines {
            let line = line.trim();
            if split_tag(line).is_some() {
                self.s.push(' ');
            }
            self.s.push_str(line);
            self.s.push_str("\r\n");
        }
    }

    fn cheat(&mut self, k: &str, v: &Value) {
        self.cheats.push((k.to_string(), v.clone()));
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

fn cheat_line(k: &str, v: &Value) -> String {
    let plain = match v {
        Value::String(s) => {
            let ok = !s.is_empty() && s.trim() == s && !s.contains(['\n', '\r']) && !s.starts_with(['[', '{', '"']);
            ok.then(|| s.clone())
        }
        _ => None,
    };
    format!("{k}: {}", plain.unwrap_or_else(|| serde_json::to_string(v).expect("JSON")))
}

/// A name without the details RIS cannot carry (a Crossref-style `name`
/// without other parts is the literal name); `None` for a name with no parts.
fn bare_name(v: &Value) -> Option<Value> {
    let o = v.as_object()?;
    let mut m = Map::new();
    for k in ["family", "given", "non-dropping-particle", "dropping-particle", "suffix", "literal"] {
        if let Some(s) = o.get(k).and_then(Value::as_str).filter(|s| !s.trim().is_empty()) {
            m.insert(k.into(), Value::String(s.to_string()));
        }
    }
    if m.is_empty() {
        let name = o.get("name").and_then(Value::as_str).filter(|s| !s.trim().is_empty())?;
        m.insert("literal".into(), Value::String(name.to_string()));
    }
    Some(Value::Object(m))
}

fn render_name(v: &Value) -> Option<String> {
    let o = v.as_object()?;
    let g = |k: &str| o.get(k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
    if let Some(l) = g("literal") {
        return Some(l.to_string());
    }
    let family = [g("non-dropping-particle"), g("family")].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let given = [g("given"), g("dropping-particle")].into_iter().flatten().collect::<Vec<_>>().join(" ");
    match (family.is_empty(), given.is_empty(), g("suffix")) {
        (true, true, _) => None,
        (_, _, Some(sfx)) => Some(format!("{family}, {given}, {sfx}")),
        (false, false, None) => Some(format!("{family}, {given}")),
        (false, true, None) => Some(format!("{family},")),
        (true, false, None) => Some(format!(", {given}")),
    }
}

fn normalized_date(v: &Value) -> Option<Value> {
    Date::from_csl(v).ok().map(|d| d.to_csl())
}

/// `YYYY/MM/DD/season`, or `None` when the date has no year.
fn render_date(v: &Value) -> Option<String> {
    let d = Date::from_csl(v).ok()?;
    let p = d.parts.first()?;
    let y = *p.first()?;
    let mut s = format!("{y:04}/");
    if let Some(m) = p.get(1) {
        s.push_str(&format!("{m:02}"));
    }
    s.push('/');
    if let Some(dd) = p.get(2) {
        s.push_str(&format!("{dd:02}"));
    }
    s.push('/');
    if let Some(Value::String(se)) = &d.season {
        s.push_str(se);
    }
    Some(s)
}

/// One item's RIS record (with the blank line after it), appended to `s`:
/// what [`write`] writes for each item.
pub fn write_item_into(s: &mut String, item: &Map<String, Value>) {
    write_item(s, item)
}

fn write_item(s: &mut String, item: &Map<String, Value>) {
    let mut w = Out { s, cheats: Vec::new() };
    let raw_type = item.get("type").and_then(Value::as_str).unwrap_or("document");
    let t = normalize_type(raw_type).unwrap_or("document");
    let t = if t == "series" { "book" } else { t };
    let g = group(t);
    let (code, hint) = code_for(item, true);
    w.tag("TY", &code, false);
    if hint {
        w.cheat("type", &Value::String(t.to_string()));
    }
    let mut done: Vec<&str> = vec!["type", "id", "ris:TY"];
    if code == "INPR" {
        done.push("status");
    }

    let title = str_of(item, "title");
    if let Some(v) = title {
        w.tag("TI", v, false);
        done.push("title");
    }
    if let Some(v) = str_of(item, "title-short") {
        w.tag("ST", v, false);
        done.push("title-short");
    }

    // Names.
    for (role, tags) in NAME_TAGS {
        let Some(Value::Array(names)) = item.get(*role) else { continue };
        done.push(role);
        let tag = if *role == "editor" { "ED" } else { tags[0] };
        let bare: Vec<Value> = names.iter().filter_map(bare_name).collect();
        let mut exact = true;
        for n in &bare {
            match render_name(n) {
                Some(line) => {
                    w.tag(tag, &line, false);
                    exact &= parse_names(&line) == vec![n.clone()];
                }
                None => exact = false,
            }
        }
        if !exact {
            w.cheat(role, &Value::Array(bare));
        }
    }

    // Containers. (What cannot be written as a tag, or would not read back
    // as the same variable, is left to the "variable: value" lines.)
    let container = str_of(item, "container-title").filter(|c| !is_url(c));
    let short = str_of(item, "container-title-short").filter(|c| !is_url(c));
    if g != Group::Series {
        let same_as_title = |c: &str| title.is_some_and(|t| same_text(t, c));
        match container {
            // The reader drops a T2 equal to the title; for articles JF says it.
            Some(c) if same_as_title(c) && g == Group::Periodical => {
                w.tag("JF", c, false);
                done.push("container-title");
            }
            Some(c) if !same_as_title(c) => {
                w.tag("T2", c, false);
                done.push("container-title");
            }
            _ => {}
        }
        // A lone abbreviation would read as the container title; an
        // article's abbreviation equal to its journal's name is dropped.
        if let (Some(c), Some(sh)) = (container, short) {
            if done.contains(&"container-title") && !(g == Group::Periodical && same_text(c, sh)) {
                w.tag("J2", sh, false);
                done.push("container-title-short");
            }
        }
    }
    // A bracketed T3 reads as a note (Ovid's comments); the reader sees the
    // value trimmed.
    if let Some(v) = str_of(item, "collection-title").filter(|v| !(v.trim().starts_with('[') && v.trim().ends_with(']'))) {
        w.tag("T3", v, false);
        done.push("collection-title");
    }
    if let Some(v) = str_of(item, "original-title") {
        w.tag("OP", v, false);
        done.push("original-title");
    }

    // Dates.
    for (k, tag) in [("issued", "PY"), ("accessed", "Y2")] {
        let Some(v) = item.get(k) else { continue };
        done.push(k);
        let rendered = render_date(v);
        if let Some(r) = &rendered {
            w.tag(tag, r, false);
        }
        let back = rendered.as_deref().and_then(parse_date);
        if back.as_ref().and_then(normalized_date) != normalized_date(v) || back.is_none() {
            w.cheat(k, v);
        }
    }

    // Numbers, places.
    for (k, tag) in [("volume", "VL"), ("issue", "IS"), ("edition", "ET"), ("number-of-volumes", "NV"), ("section", "SE"), ("publisher", "PB"), ("publisher-place", "CY")] {
        if let Some(v) = item.get(k).and_then(scalar) {
            w.tag(tag, &v, false);
            done.push(k);
        }
    }
    if let Some(p) = item.get("page").and_then(scalar) {
        done.push("page");
        let p = p.trim().to_string();
        let bits: Vec<&str> = p.split('-').map(str::trim).collect();
        let lone_number = g == Group::Series && p.chars().all(|c| c.is_ascii_digit());
        if bits.len() == 2 && !bits[0].is_empty() && !bits[1].is_empty() && !p.contains(',') && format!("{}-{}", bits[0], bits[1]) == p {
            w.tag("SP", bits[0], false);
            w.tag("EP", bits[1], false);
        } else if lone_number || p.contains('\n') {
            w.cheat("page", &Value::String(p.clone()));
        } else {
            w.tag("SP", &p, false);
        }
    }
    if let Some(n) = item.get("number-of-pages").and_then(scalar) {
        done.push("number-of-pages");
        if g == Group::Series && item.get("page").is_none() && n.chars().all(|c| c.is_ascii_digit()) {
            w.tag("SP", &n, false);
        } else {
            w.cheat("number-of-pages", &Value::String(n));
        }
    }

    // Identifiers.
    let numbered = numbered_type(t);
    if let Some(n) = item.get("number").and_then(scalar) {
        done.push("number");
        let plain = !n.contains(['\n', ';', ',']) && split_sn(&n).0.is_empty();
        match numbered {
            Some("SN") if plain => w.tag("SN", &n, false),
            Some("M1") if !n.contains('\n') => w.tag("M1", &n, false),
            _ => w.cheat("number", &Value::String(n)),
        }
    }
    for k in ["ISBN", "ISSN"] {
        let Some(v) = item.get(k) else { continue };
        done.push(k);
        let list: Vec<String> = match v {
            Value::Array(a) => a.iter().filter_map(scalar).collect(),
            other => scalar(other).map(|s| s.split([',', ';']).map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect()).unwrap_or_default(),
        };
        let mut exact = true;
        for id in &list {
            let kind = classify_sn(id);
            exact &= matches!((k, &kind), ("ISBN", Some(Sn::Isbn(_))) | ("ISSN", Some(Sn::Issn(_))));
            if kind.is_some() {
                w.tag("SN", id, false);
            }
        }
        if !exact {
            w.cheat(k, v);
        }
    }
    if let Some(d) = item.get("DOI").and_then(scalar) {
        done.push("DOI");
        w.tag("DO", &d, false);
    }
    if let Some(u) = str_of(item, "URL") {
        done.push("URL");
        w.tag("UR", u, false);
    }
    if let Some(a) = str_of(item, "abstract") {
        done.push("abstract");
        w.tag("AB", a, true);
    }
    if let Some(kw) = item.get("keyword") {
        done.push("keyword");
        match kw.as_str() {
            Some(s) => {
                let list = keywords_of(s);
                for k in &list {
                    w.tag("KW", k, false);
                }
                if join_keywords(&list) != s {
                    w.cheat("keyword", kw);
                }
            }
            None => w.cheat("keyword", kw),
        }
    }
    if let Some(v) = str_of(item, "language") {
        done.push("language");
        w.tag("LA", v, false);
    }
    if let Some(v) = str_of(item, "genre") {
        done.push("genre");
        if doi_like(v).is_some() {
            w.cheat("genre", &Value::String(v.into()));
        } else {
            w.tag("M3", v, false);
        }
    }
    for (k, tag) in [("call-number", "CN"), ("archive", "DB"), ("source", "DP")] {
        if let Some(v) = str_of(item, k) {
            done.push(k);
            w.tag(tag, v, false);
        }
    }
    if let Some(an) = str_of(item, "archive_location") {
        done.push("archive_location");
        // (As the reader sees it: trimmed.)
        if item.get("PMID").is_none() && an_is_pmid(an.trim(), item.get("archive"), item.get("source")) {
            w.cheat("archive_location", &Value::String(an.into()));
        } else {
            w.tag("AN", an, false);
        }
    }
    if let Some(k) = str_of(item, "citation-key") {
        w.tag("ID", k, false);
        done.push("citation-key");
    } else if let Some(id) = item.get("id").and_then(scalar) {
        w.tag("ID", &id, false);
    }
    if let Some(n) = str_of(item, "note") {
        done.push("note");
        let first = n.split('\n').next().unwrap_or("").trim();
        if cheater(first).is_some() {
            w.cheat("note", &Value::String(n.into()));
        } else {
            w.tag("N1", n, true);
        }
    }

    // Every other CSL variable as "variable: value"; the reader's kept tags.
    for (k, v) in item {
        if done.contains(&k.as_str()) {
            continue;
        }
        if let Some(tag) = k.strip_prefix("ris:") {
            let ok = tag.len() == 2 && split_tag(&format!("{tag}  - ")).is_some() && tag != "TY" && tag != "ER";
            if !ok {
                continue;
            }
            let multiline = NEWLINE_TAGS.contains(&tag);
            match v {
                Value::Array(a) => {
                    for x in a.iter().filter_map(scalar) {
                        w.tag(tag, &x, multiline);
                    }
                }
                other => {
                    if let Some(x) = scalar(other) {
                        w.tag(tag, &x, multiline);
                    }
                }
            }
        } else if is_csl_variable(k) && !is_empty(v) {
            w.cheat(k, v);
        }
    }
    let cheats = std::mem::take(&mut w.cheats);
    for (k, v) in cheats {
        let line = cheat_line(&k, &v);
        w.tag("N1", &line, false);
    }
    w.s.push_str("ER  - \r\n\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_spacing() {
        assert_eq!(split_tag("TY  - JOUR"), Some(("TY", "JOUR")));
        assert_eq!(split_tag("TY - JOUR"), Some(("TY", "JOUR")));
        assert_eq!(split_tag("TY   - JOUR"), Some(("TY", "JOUR")));
        assert_eq!(split_tag("ER  -"), Some(("ER", "")));
        assert_eq!(split_tag("ER  - "), Some(("ER", "")));
        assert_eq!(split_tag("XY  - z"), Some(("XY", "z")));
        assert_eq!(split_tag("XY - z"), None, "odd spacing only for known tags");
        assert_eq!(split_tag("IT-based"), None);
        assert_eq!(split_tag("1."), None);
        assert_eq!(split_tag("TY  -JOUR"), None);
    }

    #[test]
    fn dates() {
        let parts = |s: &str| parse_date(s).unwrap();
        assert_eq!(parts("2004///"), serde_json::json!({"date-parts": [[2004]]}));
        assert_eq!(parts("2004/05/12/"), serde_json::json!({"date-parts": [[2004, 5, 12]]}));
        assert_eq!(parts("2018//"), serde_json::json!({"date-parts": [[2018]]}));
        assert_eq!(parts("2004/05/12/Spring"), serde_json::json!({"date-parts": [[2004, 5, 12]], "season": "Spring"}));
        assert_eq!(parts("2004///Spring"), serde_json::json!({"date-parts": [[2004]], "season": "Spring"}));
        assert_eq!(parts("2004-05"), serde_json::json!({"date-parts": [[2004, 5]]}));
        assert_eq!(parts("2018 Nov 12"), serde_json::json!({"date-parts": [[2018, 11, 12]]}));
        assert_eq!(parts("November 2018"), serde_json::json!({"date-parts": [[2018, 11]]}));
        assert_eq!(parts("n.d."), serde_json::json!({"literal": "n.d."}));
        assert_eq!(parts("circa 1850s"), serde_json::json!({"date-parts": [[1850]], "literal": "circa 1850s"}));
        assert_eq!(parts("Winter 1997-1998"), serde_json::json!({"date-parts": [[1997]], "literal": "Winter 1997-1998"}));
        assert_eq!(render_date(&serde_json::json!({"date-parts": [[2020]]})).unwrap(), "2020///");
        assert_eq!(render_date(&serde_json::json!({"date-parts": [[2020, 5, 1]]})).unwrap(), "2020/05/01/");
    }

    #[test]
    fn names() {
        assert_eq!(parse_names("White, Julian"), vec![serde_json::json!({"family": "White", "given": "Julian"})]);
        assert_eq!(parse_names("Anonymous"), vec![serde_json::json!({"literal": "Anonymous"})]);
        assert_eq!(
            parse_names("Griffiths RR, Johnson MW"),
            vec![serde_json::json!({"family": "Griffiths", "given": "RR"}), serde_json::json!({"family": "Johnson", "given": "MW"})]
        );
        assert_eq!(parse_names("Smith, John, Jr."), vec![serde_json::json!({"family": "Smith", "given": "John", "suffix": "Jr."})]);
        assert_eq!(parse_names("Smith, Jr., John"), vec![serde_json::json!({"family": "Smith", "given": "John", "suffix": "Jr."})]);
        assert_eq!(parse_names("World Health Organization"), vec![serde_json::json!({"literal": "World Health Organization"})]);
        assert_eq!(parse_names("Medical Research Council UK"), vec![serde_json::json!({"literal": "Medical Research Council UK"})]);
    }

    #[test]
    fn sn_values() {
        let (ids, rest) = split_sn("978-981-13-8640-4 (print); 978-981-13-8641-1 (online)");
        assert_eq!(ids.len(), 2);
        assert!(rest.is_empty());
        let (ids, rest) = split_sn("0041-0101 1879-3150");
        assert_eq!(ids.len(), 2);
        assert!(rest.is_empty());
        let (ids, rest) = split_sn("NBER Working Paper 1234");
        assert!(ids.is_empty());
        assert_eq!(rest, vec!["NBER Working Paper 1234"]);
    }
}
