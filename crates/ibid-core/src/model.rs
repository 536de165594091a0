//! The record model. A [`Work`] is typed where the library needs types (sort,
//! search, identity, containment) and tolerant everywhere else: every CSL-JSON
//! variable Ibid does not model is kept verbatim in [`Work::extra`], so nothing
//! an import brings in is lost.

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::text;

/// The CSL 1.0.2 item types, plus `series` (a book series as a container
/// record; it exports as `book`). Crossref's own type names are mapped on
/// import by [`normalize_type`].
pub const CSL_TYPES: &[&str] = &[
    "article", "article-journal", "article-magazine", "article-newspaper", "bill", "book",
    "broadcast", "chapter", "classic", "collection", "dataset", "document", "entry",
    "entry-dictionary", "entry-encyclopedia", "event", "figure", "graphic", "hearing",
    "interview", "legal_case", "legislation", "manuscript", "map", "motion_picture",
    "musical_score", "pamphlet", "paper-conference", "patent", "performance", "periodical",
    "personal_communication", "post", "post-weblog", "regulation", "report", "review",
    "review-book", "software", "song", "speech", "standard", "thesis", "treaty", "webpage",
    "series",
];

/// CSL name variables: each becomes a creator role.
pub const ROLES: &[&str] = &[
    "author", "chair", "collection-editor", "compiler", "composer", "container-author",
    "contributor", "curator", "director", "editor", "editorial-director", "editor-translator",
    "executive-producer", "guest", "host", "illustrator", "interviewer", "narrator", "organizer",
    "original-author", "performer", "producer", "recipient", "reviewed-author", "script-writer",
    "series-creator", "translator",
];

/// Maps a type name as found in the wild (CSL, or Crossref's names that
/// Crossref's CSL output still carries) to a CSL type.
pub fn normalize_type(t: &str) -> Option<&'static str> {
    let t = t.trim().to_ascii_lowercase();
    let mapped = match t.as_str() {
        "journal-article" => "article-journal",
        "reference-entry" => "entry",
        "book-chapter" | "book-section" | "book-part" => "chapter",
        "monograph" | "edited-book" | "reference-book" | "book-set" | "book-track" => "book",
        "proceedings-article" => "paper-conference",
        "posted-content" | "preprint" => "article",
        "dissertation" => "thesis",
        "report-component" | "report-series" => "report",
        "journal" | "journal-issue" | "journal-volume" | "proceedings" => "periodical",
        "book-series" => "series",
        "peer-review" => "review",
        "component" | "other" => "document",
        other => return CSL_TYPES.iter().copied().find(|c| *c == other),
    };
    Some(mapped)
}

/// A date: CSL's date object, read tolerantly. Parts are (year, month, day)
/// prefixes; two entries make a range. A date that is only text ("n.d.",
/// "Spring 1997") is kept as `literal`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Date {
    pub parts: Vec<Vec<i32>>,
    pub season: Option<Value>,
    pub circa: Option<Value>,
    pub literal: Option<String>,
    pub raw: Option<String>,
}

impl Date {
    pub fn year(&self) -> Option<i32> {
        self.parts.first().and_then(|p| p.first().copied())
    }

    /// `YYYY-MM-DD` with missing parts as `00`; `~` (after every digit) when
    /// there is no year, so undated works sort last.
    pub fn sort_key(&self) -> String {
        match self.parts.first() {
            Some(p) if !p.is_empty() => format!(
                "{:04}-{:02}-{:02}",
                p[0],
                p.get(1).copied().unwrap_or(0),
                p.get(2).copied().unwrap_or(0)
            ),
            _ => "~".to_string(),
        }
    }

    /// Parses `2020`, `2020-05`, `2020-05-01`, `2020/2021`; anything else is a literal.
    pub fn parse_text(s: &str) -> Date {
        let s = s.trim();
        let parse_one = |p: &str| -> Option<Vec<i32>> {
            let bits: Vec<&str> = p.split('-').collect();
            if bits.is_empty() || bits.len() > 3 || bits[0].len() != 4 {
                return None;
            }
            let nums: Option<Vec<i32>> = bits.iter().map(|b| b.parse::<i32>().ok()).collect();
            let nums = nums?;
            if nums.get(1).is_some_and(|m| !(1..=12).contains(m))
                || nums.get(2).is_some_and(|d| !(1..=31).contains(d))
            {
                return None;
            }
            Some(nums)
        };
        let parts: Option<Vec<Vec<i32>>> = s.split('/').map(parse_one).collect();
        match parts {
            Some(parts) if !parts.is_empty() && parts.len() <= 2 => Date { parts, ..Date::default() },
            _ => Date { literal: Some(s.to_string()), ..Date::default() },
        }
    }

    /// Reads a CSL date value: an object with `date-parts` (numbers or
    /// numeric strings), `literal`, `raw`, `season`, `circa`; or a string.
    pub fn from_csl(v: &Value) -> Result<Date> {
        match v {
            Value::String(s) => Ok(Date::parse_text(s)),
            Value::Object(o) => {
                let mut d = Date {
                    season: o.get("season").cloned(),
                    circa: o.get("circa").cloned(),
                    literal: o.get("literal").and_then(Value::as_str).map(str::to_string),
                    raw: o.get("raw").and_then(Value::as_str).map(str::to_string),
                    ..Date::default()
                };
                if let Some(Value::Array(ranges)) = o.get("date-parts") {
                    for r in ranges {
                        let Value::Array(bits) = r else {
                            return Err(Error::invalid(format!("date-parts entry is not a list: {r}")));
                        };
                        let mut nums = Vec::new();
                        for b in bits {
                            let n = match b {
                                Value::Number(n) => n.as_i64().map(|n| n as i32),
                                Value::String(s) => s.trim().parse::<i32>().ok(),
                                _ => None,
                            };
                            match n {
                                Some(n) => nums.push(n),
                                None => return Err(Error::invalid(format!("date part is not a number: {b}"))),
                            }
                        }
                        if !nums.is_empty() {
                            d.parts.push(nums);
                        }
                    }
                }
                if d.parts.is_empty() {
                    if let Some(raw) = d.raw.clone() {
                        let parsed = Date::parse_text(&raw);
                        d.parts = parsed.parts;
                    }
                }
                Ok(d)
            }
            other => Err(Error::invalid(format!("a date must be an object or a string, not {other}"))),
        }
    }

    pub fn to_csl(&self) -> Value {
        let mut o = Map::new();
        if !self.parts.is_empty() {
            o.insert("date-parts".into(), serde_json::json!(self.parts));
        }
        if let Some(s) = &self.season {
            o.insert("season".into(), s.clone());
        }
        if let Some(c) = &self.circa {
            o.insert("circa".into(), c.clone());
        }
        if let Some(l) = &self.literal {
            o.insert("literal".into(), Value::String(l.clone()));
        }
        if let Some(r) = &self.raw {
            o.insert("raw".into(), Value::String(r.clone()));
        }
        Value::Object(o)
    }
}

/// A creator in a role. Either a structured name or a `literal`
/// (institutions). Other name fields (ORCID, affiliation, sequence…) are kept
/// in `extra`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Creator {
    pub role: String,
    pub family: Option<String>,
    pub given: Option<String>,
    pub non_dropping_particle: Option<String>,
    pub dropping_particle: Option<String>,
    pub suffix: Option<String>,
    pub literal: Option<String>,
    pub extra: Map<String, Value>,
}

impl Creator {
    /// Parses `Family, Given` or `Family, Suffix, Given`; text without a comma
    /// is a literal name (an institution). `{Name}` forces a literal.
    pub fn parse(role: &str, s: &str) -> Result<Creator> {
        let s = s.trim();
        if s.is_empty() {
            return Err(Error::invalid(format!("empty {role} name")));
        }
        let mut c = Creator { role: role.to_string(), ..Creator::default() };
        if let Some(lit) = s.strip_prefix('{').and_then(|x| x.strip_suffix('}')) {
            c.literal = Some(lit.trim().to_string());
            return Ok(c);
        }
        let bits: Vec<&str> = s.split(',').map(str::trim).collect();
        match bits.as_slice() {
            [only] => c.literal = Some(only.to_string()),
            [family, given] => {
                c.family = Some(family.to_string());
                c.given = non_empty(given);
            }
            [family, suffix, given] => {
                c.family = Some(family.to_string());
                c.suffix = non_empty(suffix);
                c.given = non_empty(given);
            }
            _ => return Err(Error::invalid(format!("cannot read the name {s:?}: use \"Family, Given\""))),
        }
        Ok(c)
    }

    pub fn from_csl(role: &str, v: &Value) -> Result<Creator> {
        let Value::Object(o) = v else {
            return Err(Error::invalid(format!("a {role} must be an object, not {v}")));
        };
        let mut c = Creator { role: role.to_string(), ..Creator::default() };
        for (k, v) in o {
            let slot = match k.as_str() {
                "family" => &mut c.family,
                "given" => &mut c.given,
                "non-dropping-particle" => &mut c.non_dropping_particle,
                "dropping-particle" => &mut c.dropping_particle,
                "suffix" => &mut c.suffix,
                "literal" => &mut c.literal,
                _ => {
                    c.extra.insert(k.clone(), v.clone());
                    continue;
                }
            };
            match v {
                Value::String(s) => *slot = Some(s.clone()),
                Value::Null => {}
                other => {
                    c.extra.insert(k.clone(), other.clone());
                }
            }
        }
        Ok(c)
    }

    pub fn to_csl(&self) -> Value {
        let mut o = Map::new();
        let mut put = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                o.insert(k.to_string(), Value::String(v.clone()));
            }
        };
        put("family", &self.family);
        put("given", &self.given);
        put("non-dropping-particle", &self.non_dropping_particle);
        put("dropping-particle", &self.dropping_particle);
        put("suffix", &self.suffix);
        put("literal", &self.literal);
        for (k, v) in &self.extra {
            o.insert(k.clone(), v.clone());
        }
        Value::Object(o)
    }

    /// The name as it sorts: family (with particle) then given, folded.
    pub fn sort_key(&self) -> String {
        let name = match (&self.literal, &self.family) {
            (Some(l), _) => l.clone(),
            (None, Some(f)) => {
                let mut s = String::new();
                if let Some(p) = &self.non_dropping_particle {
                    s.push_str(p);
                    s.push(' ');
                }
                s.push_str(f);
                if let Some(g) = &self.given {
                    s.push(' ');
                    s.push_str(g);
                }
                s
            }
            (None, None) => self.given.clone().unwrap_or_default(),
        };
        text::fold(&name)
    }

    /// Every name part, for the search index.
    pub fn search_text(&self) -> String {
        [&self.given, &self.dropping_particle, &self.non_dropping_particle, &self.family, &self.suffix, &self.literal]
            .iter()
            .filter_map(|p| p.as_deref())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// A work: an article, book, chapter, report, dataset, … or a container
/// record (a journal, a book series). `parent` is its container.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Work {
    /// Stable 8-character key, assigned by the store; `None` before insert.
    pub key: Option<String>,
    pub work_type: String,
    pub title: Option<String>,
    pub title_short: Option<String>,
    pub volume: Option<String>,
    pub issue: Option<String>,
    pub page: Option<String>,
    pub edition: Option<String>,
    pub number: Option<String>,
    pub publisher: Option<String>,
    pub publisher_place: Option<String>,
    pub issued: Option<Date>,
    pub doi: Option<String>,
    pub url: Option<String>,
    pub isbn: Vec<String>,
    pub issn: Vec<String>,
    pub abstract_text: Option<String>,
    pub language: Option<String>,
    pub citation_key: Option<String>,
    /// In order; the order within each role is the order of that role's list.
    pub creators: Vec<Creator>,
    /// Every other CSL variable, verbatim.
    pub extra: Map<String, Value>,
    /// The container (a chapter's book, a book's series, an article's journal).
    pub parent: Option<Box<Work>>,
}

/// The string-valued CSL variables that are columns of their own.
pub const STRING_FIELDS: &[&str] = &[
    "title", "title-short", "volume", "issue", "page", "edition", "number", "publisher",
    "publisher-place", "DOI", "URL", "abstract", "language", "citation-key",
];

impl Work {
    pub fn new(work_type: &str) -> Work {
        Work { work_type: work_type.to_string(), ..Work::default() }
    }

    pub fn string_field_mut(&mut self, name: &str) -> Option<&mut Option<String>> {
        Some(match name {
            "title" => &mut self.title,
            "title-short" | "shortTitle" => &mut self.title_short,
            "volume" => &mut self.volume,
            "issue" => &mut self.issue,
            "page" => &mut self.page,
            "edition" => &mut self.edition,
            "number" => &mut self.number,
            "publisher" => &mut self.publisher,
            "publisher-place" => &mut self.publisher_place,
            "DOI" => &mut self.doi,
            "URL" => &mut self.url,
            "abstract" => &mut self.abstract_text,
            "language" => &mut self.language,
            "citation-key" => &mut self.citation_key,
            _ => return None,
        })
    }

    pub fn string_field(&self, name: &str) -> Option<&str> {
        match name {
            "title" => self.title.as_deref(),
            "title-short" => self.title_short.as_deref(),
            "volume" => self.volume.as_deref(),
            "issue" => self.issue.as_deref(),
            "page" => self.page.as_deref(),
            "edition" => self.edition.as_deref(),
            "number" => self.number.as_deref(),
            "publisher" => self.publisher.as_deref(),
            "publisher-place" => self.publisher_place.as_deref(),
            "DOI" => self.doi.as_deref(),
            "URL" => self.url.as_deref(),
            "abstract" => self.abstract_text.as_deref(),
            "language" => self.language.as_deref(),
            "citation-key" => self.citation_key.as_deref(),
            _ => None,
        }
    }

    pub fn creators_in<'a>(&'a self, role: &'a str) -> impl Iterator<Item = &'a Creator> + 'a {
        self.creators.iter().filter(move |c| c.role == role)
    }

    /// The first author (or, failing that, the first creator of any role).
    pub fn first_creator(&self) -> Option<&Creator> {
        self.creators_in("author").next().or_else(|| self.creators.first())
    }

    pub fn year(&self) -> Option<i32> {
        self.issued.as_ref().and_then(Date::year)
    }

    /// Fills what this work lacks from `other` (another description of the
    /// same work): empty fields, identifiers it does not have, the creators
    /// of a role it has none of, `extra` variables it does not have. Never
    /// overwrites. Returns whether anything changed. (`parent` is not touched.)
    pub fn fill_from(&mut self, other: &Work) -> bool {
        let mut changed = false;
        for name in STRING_FIELDS {
            if let (Some(slot), Some(v)) = (self.string_field_mut(name), other.string_field(name)) {
                if slot.as_deref().is_none_or(|s| s.trim().is_empty()) && !v.trim().is_empty() {
                    *slot = Some(v.to_string());
                    changed = true;
                }
            }
        }
        if self.issued.is_none() && other.issued.is_some() {
            self.issued = other.issued.clone();
            changed = true;
        }
        for (mine, theirs) in [(&mut self.isbn, &other.isbn), (&mut self.issn, &other.issn)] {
            for v in theirs {
                if !mine.contains(v) {
                    mine.push(v.clone());
                    changed = true;
                }
            }
        }
        for role in ROLES {
            if self.creators_in(role).next().is_none() {
                let add: Vec<Creator> = other.creators_in(role).cloned().collect();
                changed |= !add.is_empty();
                self.creators.extend(add);
            }
        }
        for (k, v) in &other.extra {
            if !self.extra.contains_key(k) {
                self.extra.insert(k.clone(), v.clone());
                changed = true;
            }
        }
        changed
    }

    /// Sets one field from text, as `ibid edit --set name=value` does. An
    /// empty value clears it. Name roles take `Family, Given; Family, Given`.
    pub fn set_field(&mut self, name: &str, value: &str) -> Result<()> {
        let value = value.trim();
        let empty = value.is_empty();
        if name == "type" {
            let t = normalize_type(value)
                .ok_or_else(|| Error::invalid(format!("unknown type {value:?}; try one of: {}", CSL_TYPES.join(", "))))?;
            self.work_type = t.to_string();
        } else if name == "issued" {
            self.issued = (!empty).then(|| Date::parse_text(value));
        } else if name == "DOI" || name == "doi" {
            self.doi = if empty { None } else { Some(crate::ident::normalize_doi(value)?) };
        } else if name == "ISBN" || name == "isbn" {
            self.isbn = split_list(value).map(crate::ident::normalize_isbn).collect::<Result<_>>()?;
        } else if name == "ISSN" || name == "issn" {
            self.issn = split_list(value).map(crate::ident::normalize_issn).collect::<Result<_>>()?;
        } else if ROLES.contains(&name) {
            self.creators.retain(|c| c.role != name);
            for n in value.split(';').filter(|n| !n.trim().is_empty()) {
                self.creators.push(Creator::parse(name, n)?);
            }
        } else if let Some(slot) = self.string_field_mut(name) {
            if name == "title" && empty {
                return Err(Error::invalid("a work needs a title; it cannot be cleared"));
            }
            *slot = (!empty).then(|| value.to_string());
        } else if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '=') {
            return Err(Error::invalid(format!("not a field name: {name:?}")));
        } else if empty {
            self.extra.remove(name);
        } else {
            self.extra.insert(name.to_string(), Value::String(value.to_string()));
        }
        Ok(())
    }
}

fn split_list(s: &str) -> impl Iterator<Item = &str> {
    s.split([',', ';']).map(str::trim).filter(|x| !x.is_empty())
}
