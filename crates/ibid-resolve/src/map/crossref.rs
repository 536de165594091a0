//! Crossref REST API (`GET https://api.crossref.org/works/{doi}`) to a
//! [`Work`] with its container chain and its reference list.
//!
//! * [`work_from_body`]: a response body (or a bare message object).
//! * [`map_message`]: one `message` (also one item of a `/works?…` list).
//! * [`container_lookup`], [`pick_book`], [`fill_container`]: a chapter's
//!   record often lacks what only the book's own record has (editors, place,
//!   series): what to ask Crossref for, which list item is the book, and
//!   filling the chapter's book from it.
//!
//! The chain is the one [`ibid_core::csl::split`] builds: chapter, entry and
//! conference paper → book → series; article → periodical; book, report and
//! thesis → series. Values that describe the container are put on the
//! container (a chapter's editors, ISBNs, publisher and place on its book; a
//! journal's ISSN on the periodical). Every other useful value without a
//! column goes into `extra` under its CSL name (`original-title`,
//! `container-title-short`, `license`, `event-title`, `genre`, `authority`,
//! `subtype`, `note`…).
//!
//! Deliberately not mapped (bookkeeping or not bibliographic): `indexed`,
//! `created`, `deposited`, `score`, `member`, `prefix`, `source`, counts,
//! `content-domain`, `link`, `funder`, `assertion`, `subject`,
//! `update-policy`, `alternative-id`, `relation` (except `is-part-of`),
//! `archive` (the preservation service: Portico, CLOCKSS), `review`,
//! `clinical-trial-number`.

use ibid_core::csl::{container_kind, ContainerKind};
use ibid_core::{ident, Creator, Date, Work};
use serde_json::{Map, Value};

use super::{jats, MapError, Mapped, Reference};

/// Reads a `/works/{doi}` response body: `{"status":"ok","message-type":"work","message":{…}}`,
/// or a bare message object.
pub fn work_from_body(body: &str) -> Result<Mapped, MapError> {
    let v = parse_body(body)?;
    let Value::Object(o) = &v else {
        return Err(MapError::new(format!("expected a Crossref response object, got {}", kind_of(&v))));
    };
    check_status(o)?;
    match o.get("message-type").and_then(Value::as_str) {
        Some("work") => match o.get("message") {
            Some(m @ Value::Object(_)) => map_message(m),
            Some(other) => Err(MapError::new(format!("the Crossref work's \"message\" is {}, not an object", kind_of(other)))),
            None => Err(MapError::new("the Crossref response has message-type \"work\" but no \"message\"")),
        },
        Some(other) => {
            let hint = if other == "work-list" { " (a list response: see pick_book)" } else { "" };
            Err(MapError::new(format!("expected a Crossref work (message-type \"work\"), got message-type {other:?}{hint}")))
        }
        None if o.get("message").is_some_and(Value::is_object) => map_message(&o["message"]),
        None if o.contains_key("type") || o.contains_key("DOI") => map_message(&v),
        None if o.is_empty() => Err(MapError::new("not a Crossref work: the body is an empty JSON object")),
        None => Err(MapError::new(
            "not a Crossref work: the object has no \"message\" and no \"type\" or \"DOI\"",
        )),
    }
}

fn parse_body(body: &str) -> Result<Value, MapError> {
    let text = body.trim_start_matches('\u{feff}').trim();
    let snippet: String = text.chars().take(60).collect();
    if text.is_empty() {
        return Err(MapError::new("empty body: expected Crossref JSON"));
    }
    if text.starts_with('<') {
        return Err(MapError::new(format!("not JSON: the body looks like HTML or XML ({snippet:?}…)")));
    }
    serde_json::from_str(text).map_err(|e| {
        if e.is_eof() {
            MapError::new(format!("truncated JSON: the body ends early ({e})"))
        } else {
            MapError::new(format!("not valid JSON: {e} (the body starts {snippet:?})"))
        }
    })
}

fn check_status(o: &Map<String, Value>) -> Result<(), MapError> {
    match o.get("status").and_then(Value::as_str) {
        None | Some("ok") => Ok(()),
        Some(status) => {
            let kind = o.get("message-type").and_then(Value::as_str).unwrap_or("?");
            let detail: Vec<String> = match o.get("message") {
                Some(Value::Array(a)) => a
                    .iter()
                    .map(|m| m.get("message").and_then(Value::as_str).map(str::to_string).unwrap_or_else(|| m.to_string()))
                    .collect(),
                Some(Value::String(s)) => vec![s.clone()],
                _ => Vec::new(),
            };
            Err(MapError::new(format!("Crossref answered status {status:?} ({kind}): {}", detail.join("; "))))
        }
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Crossref's type (and `subtype`) to a CSL type. Unknown types become
/// `document` with a warning.
fn csl_type(t: &str, subtype: Option<&str>) -> Option<&'static str> {
    Some(match t {
        "journal-article" => "article-journal",
        "book-chapter" | "book-section" | "book-part" => "chapter",
        "proceedings-article" => "paper-conference",
        "book" | "monograph" | "edited-book" | "reference-book" | "book-set" | "proceedings" => "book",
        "book-series" | "proceedings-series" | "report-series" | "standard-series" => "series",
        "posted-content" if subtype == Some("blog") => "post-weblog",
        "posted-content" => "article",
        "dataset" | "database" => "dataset",
        "peer-review" => "review",
        "report" | "report-component" => "report",
        "dissertation" => "thesis",
        "standard" => "standard",
        "reference-entry" => "entry",
        "journal" | "journal-issue" | "journal-volume" => "periodical",
        "component" | "other" | "grant" => "document",
        other => return ibid_core::model::normalize_type(other),
    })
}

/// Types that legitimately come without a title (a figure or table
/// component, a journal issue).
const UNTITLED_OK: &[&str] = &["component", "journal-issue", "journal-volume"];

/// Maps one Crossref work (the `message` of `/works/{doi}`, or one item of a list).
pub fn map_message(msg: &Value) -> Result<Mapped, MapError> {
    let Value::Object(m) = msg else {
        return Err(MapError::new(format!("a Crossref work must be a JSON object, not {}", kind_of(msg))));
    };
    let mut warnings: Vec<String> = Vec::new();
    let raw_type = str_of(m, "type").ok_or_else(|| MapError::new("the Crossref record has no \"type\""))?;
    let subtype = str_of(m, "subtype");
    let work_type = match csl_type(&raw_type, subtype.as_deref()) {
        Some(t) => t,
        None => {
            warnings.push(format!("unknown Crossref type {raw_type:?}; mapped as \"document\""));
            "document"
        }
    };
    let mut w = Work::new(work_type);

    // Identity.
    let doi_text = str_of(m, "DOI");
    if let Some(d) = &doi_text {
        match ident::normalize_doi(d) {
            Ok(d) => w.doi = Some(d),
            Err(e) => warnings.push(format!("DOI dropped: {e}")),
        }
    }
    let who = w.doi.clone().or(doi_text).unwrap_or_else(|| "without a DOI".into());
    w.url = resource_url(m);

    // Titles.
    let titles = inline_list(m.get("title"));
    let subtitles = inline_list(m.get("subtitle"));
    let originals = inline_list(m.get("original-title"));
    let shorts = inline_list(m.get("short-title"));
    let mut container_titles = inline_list(m.get("container-title"));
    let short_container = inline_list(m.get("short-container-title"));
    let mut title_promoted = false;
    match titles.first() {
        Some(t) => {
            let (full, running) = with_subtitle(t, subtitles.first().map(String::as_str));
            w.title = Some(full);
            w.title_short = running;
            let others: Vec<String> = titles
                .iter()
                .enumerate()
                .skip(1)
                .map(|(i, t)| with_subtitle(t, subtitles.get(i).map(String::as_str)).0)
                .filter(|t| !same_text(t, w.title.as_deref().unwrap_or("")))
                .collect();
            if !others.is_empty() {
                let lines: Vec<String> = others.iter().map(|t| format!("Other title: {t}")).collect();
                w.extra.insert("note".into(), Value::String(lines.join("\n")));
            }
            if let Some(o) = originals.first().filter(|o| !same_text(o, t)) {
                w.extra.insert("original-title".into(), Value::String(o.clone()));
            }
        }
        None if !originals.is_empty() => {
            let (full, running) = with_subtitle(&originals[0], subtitles.first().map(String::as_str));
            w.title = Some(full);
            w.title_short = running;
        }
        None if matches!(work_type, "periodical" | "book") && !container_titles.is_empty() => {
            // A journal issue, or a volume of a book series known only by the series' name.
            w.title = Some(container_titles.remove(0));
            title_promoted = true;
            if raw_type != "journal-issue" && raw_type != "journal-volume" {
                warnings.push("no title of its own: used the title of its series".into());
            }
        }
        None if UNTITLED_OK.contains(&raw_type.as_str()) => {
            warnings.push(format!("no title (a Crossref {raw_type})"));
        }
        None => return Err(MapError::new(format!("the Crossref record {who} ({raw_type}) has no title"))),
    }
    if let Some(s) = shorts.first().filter(|s| !same_text(s, w.title.as_deref().unwrap_or(""))) {
        w.title_short = Some(s.clone());
    }
    if let Some(st) = &subtype {
        if work_type == "article" {
            w.extra.insert("subtype".into(), Value::String(st.clone()));
        }
    }

    // Creators.
    let mut creators: Vec<Creator> = Vec::new();
    for (field, role) in [("author", "author"), ("editor", "editor"), ("translator", "translator"), ("chair", "chair")] {
        if let Some(Value::Array(list)) = m.get(field) {
            for v in list {
                if let Some(c) = creator(role, v, &mut warnings) {
                    creators.push(c);
                }
            }
        }
    }

    // Numbers, publisher, dates.
    w.page = str_of(m, "page");
    w.number = str_of(m, "article-number");
    w.volume = str_of(m, "volume");
    w.issue = str_of(m, "issue").or_else(|| m.get("journal-issue").and_then(|j| j.get("issue")).and_then(scalar));
    w.edition = str_of(m, "edition-number").filter(|e| e != "0");
    w.language = str_of(m, "language");
    w.publisher = str_of(m, "publisher");
    w.publisher_place = str_of(m, "publisher-location");
    if matches!(work_type, "report" | "thesis" | "article") {
        // The issuing body as it is cited (NREL, not OSTI; bioRxiv, not CSHL).
        if let Some(inst) = m.get("institution").and_then(first_of) {
            if let Some(name) = inst.get("name").and_then(scalar) {
                w.publisher = Some(name);
                if let Some(place) = inst.get("place").and_then(first_of).and_then(scalar) {
                    w.publisher_place = Some(place);
                }
            }
        }
    }
    if let Some(deg) = m.get("degree").and_then(first_of).and_then(scalar) {
        w.extra.insert("genre".into(), Value::String(deg));
    }
    if let Some(body) = m.get("standards-body").and_then(|b| if b.is_array() { first_of(b) } else { Some(b) }) {
        if let Some(name) = body.get("name").and_then(scalar) {
            w.extra.insert("authority".into(), Value::String(name));
        }
    }
    if let Some(v) = m.get("version").and_then(|v| v.get("version")).and_then(scalar) {
        w.extra.insert("version".into(), Value::String(v));
    }
    if let Some(Value::Object(ev)) = m.get("event") {
        if let Some(name) = ev.get("name").and_then(scalar) {
            w.extra.insert("event-title".into(), Value::String(name));
        }
        if let Some(place) = ev.get("location").and_then(scalar) {
            let place = place.trim_end_matches([',', ' ']).to_string();
            if !place.is_empty() {
                w.extra.insert("event-place".into(), Value::String(place));
            }
        }
        let start = ev.get("start").and_then(|d| date_of(d, &mut warnings));
        let end = ev.get("end").and_then(|d| date_of(d, &mut warnings));
        if let Some(mut d) = start {
            if let Some(e) = end.filter(|e| e.parts != d.parts) {
                d.parts.extend(e.parts);
            }
            w.extra.insert("event-date".into(), d.to_csl());
        }
    }
    let (issued, online) = issued_date(m, &mut warnings);
    w.issued = issued;
    if let Some(o) = online {
        w.extra.insert("available-date".into(), o.to_csl());
    }
    if let Some(a) = str_of(m, "abstract").map(|a| jats::to_text(&a)).filter(|a| !a.is_empty()) {
        w.abstract_text = Some(a);
    }
    if let Some(Value::Array(lic)) = m.get("license") {
        let mut urls: Vec<String> = Vec::new();
        // The licences of the work's versions; text-mining terms ("tdm"
        // entries, and publishers' TDM pages listed as "vor") and STM
        // policy ids say nothing about reuse.
        let version_ok = |l: &&Value| {
            matches!(l.get("content-version").and_then(Value::as_str), None | Some("vor" | "am" | "unspecified"))
        };
        for l in lic.iter().filter(version_ok) {
            if let Some(u) = l.get("URL").and_then(scalar).filter(|u| !is_tdm_terms(u)) {
                if !urls.contains(&u) {
                    urls.push(u);
                }
            }
        }
        if !urls.is_empty() {
            w.extra.insert("license".into(), Value::String(urls.join("; ")));
        }
    }
    if let Some(Value::Array(ups)) = m.get("updated-by") {
        for u in ups {
            let label = u.get("label").or(u.get("type")).and_then(scalar).unwrap_or_else(|| "update".into());
            let doi = u.get("DOI").and_then(scalar).unwrap_or_default();
            if w.doi.as_deref() != Some(doi.to_lowercase().as_str()) {
                warnings.push(format!("Crossref lists an update to this work: {label} {doi}"));
            }
        }
    }

    // Identifiers.
    let isbns = isbns_of(m, &mut warnings);
    let mut issns = issns_of(m, &mut warnings);
    if issns.is_empty() {
        if let Some(Value::Array(parts)) = m.get("relation").and_then(|r| r.get("is-part-of")) {
            for p in parts {
                if p.get("id-type").and_then(Value::as_str) == Some("issn") {
                    if let Some(id) = p.get("id").and_then(scalar) {
                        push_issn(&mut issns, &id, &mut warnings);
                    }
                }
            }
        }
    }
    let part_of_doi = m
        .get("relation")
        .and_then(|r| r.get("is-part-of"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|p| p.get("id-type").and_then(Value::as_str) == Some("doi"))
        .find_map(|p| p.get("id").and_then(Value::as_str).and_then(|d| ident::normalize_doi(d).ok()));
    let series_field = inline_list(m.get("series-title"));

    // Containers.
    match container_kind(work_type) {
        Some(ContainerKind::Periodical) => {
            w.creators = creators;
            if !container_titles.is_empty() {
                let mut p = Work::new("periodical");
                p.title = Some(container_titles[0].clone());
                p.title_short = short_container.first().cloned();
                p.issn = issns;
                if container_titles.len() > 1 {
                    warnings.push(format!("other container titles dropped: {}", container_titles[1..].join(" | ")));
                }
                w.parent = Some(Box::new(p));
            } else {
                w.issn = issns;
            }
            w.isbn = isbns;
        }
        Some(ContainerKind::Book) => {
            let split = split_container_titles(&container_titles, series_field.first().map(String::as_str));
            if let Some(note) = &split.guess {
                warnings.push(note.clone());
            }
            if !split.dropped.is_empty() {
                warnings.push(format!("other container titles dropped: {}", split.dropped.join(" | ")));
            }
            match split.book {
                Some(book_title) => {
                    let mut b = Work::new("book");
                    b.title = Some(book_title);
                    if container_titles.len() == 1 {
                        b.title_short = short_container.first().filter(|s| !same_text(s, &container_titles[0])).cloned();
                    }
                    b.isbn = isbns;
                    b.publisher = w.publisher.take();
                    b.publisher_place = w.publisher_place.take();
                    b.edition = w.edition.take();
                    b.issued = w.issued.clone();
                    b.doi = part_of_doi;
                    for c in creators {
                        if c.role == "editor" {
                            b.creators.push(c);
                        } else {
                            w.creators.push(c);
                        }
                    }
                    match split.series {
                        Some(series_title) => {
                            let mut s = Work::new("series");
                            s.title = Some(series_title);
                            s.issn = issns;
                            if let Some(v) = w.volume.take() {
                                b.extra.insert("collection-number".into(), Value::String(v));
                            }
                            b.parent = Some(Box::new(s));
                        }
                        None => b.issn = issns,
                    }
                    w.parent = Some(Box::new(b));
                }
                None => {
                    // No container title: the values stay on the work, where flatten shows them.
                    w.creators = creators;
                    w.isbn = isbns;
                    w.issn = issns;
                    if let Some(s) = split.series {
                        w.extra.insert("collection-title".into(), Value::String(s));
                    }
                }
            }
        }
        Some(ContainerKind::Series) => {
            w.creators = creators;
            w.isbn = isbns;
            let series_title = if title_promoted { None } else { series_field.first().cloned().or_else(|| container_titles.first().cloned()) };
            match series_title {
                Some(t) => {
                    let mut s = Work::new("series");
                    s.title = Some(t);
                    s.issn = issns;
                    if let Some(v) = w.volume.take() {
                        w.extra.insert("collection-number".into(), Value::String(v));
                    }
                    let others: Vec<&String> = container_titles.iter().filter(|c| !same_text(c, s.title.as_deref().unwrap_or(""))).collect();
                    if !others.is_empty() {
                        warnings.push(format!(
                            "other container titles dropped: {}",
                            others.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" | ")
                        ));
                    }
                    w.parent = Some(Box::new(s));
                }
                None => w.issn = issns,
            }
        }
        None => {
            w.creators = creators;
            w.isbn = isbns;
            w.issn = issns;
            if work_type == "post-weblog" && container_titles.is_empty() {
                if let Some(g) = str_of(m, "group-title") {
                    container_titles.push(jats::inline(&g));
                }
            }
            if !container_titles.is_empty() {
                let split = split_container_titles(&container_titles, series_field.first().map(String::as_str));
                if let Some(b) = split.book {
                    w.extra.insert("container-title".into(), Value::String(b));
                }
                if let Some(s) = split.series {
                    w.extra.insert("collection-title".into(), Value::String(s));
                }
                if container_titles.len() == 1 {
                    if let Some(s) = short_container.first().filter(|s| !same_text(s, &container_titles[0])) {
                        w.extra.insert("container-title-short".into(), Value::String(s.clone()));
                    }
                }
            }
        }
    }

    // References.
    let mut references = Vec::new();
    if let Some(Value::Array(list)) = m.get("reference") {
        for (i, r) in list.iter().enumerate() {
            match reference(r, &mut warnings) {
                Some(r) => references.push(r),
                None => warnings.push(format!("reference {} has nothing to cite by (no text, title or DOI); dropped", i + 1)),
            }
        }
    }
    Ok(Mapped { work: w, references, warnings })
}

// ---------------------------------------------------------------------------
// Values.

/// A string (trimmed, non-empty) or a number as a string.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn str_of(m: &Map<String, Value>, k: &str) -> Option<String> {
    m.get(k).and_then(scalar)
}

fn first_of(v: &Value) -> Option<&Value> {
    match v {
        Value::Array(a) => a.first(),
        other => Some(other),
    }
}

/// A list of strings (Crossref's titles are lists; a string is a list of one),
/// as inline text (entities decoded, markup mapped), empties dropped.
fn inline_list(v: Option<&Value>) -> Vec<String> {
    let raw: Vec<String> = match v {
        Some(Value::Array(a)) => a.iter().filter_map(scalar).collect(),
        Some(other) => scalar(other).into_iter().collect(),
        None => Vec::new(),
    };
    raw.iter().map(|s| jats::inline(s)).filter(|s| !s.is_empty()).collect()
}

fn fold(s: &str) -> String {
    ibid_core::text::fold(&ibid_core::text::strip_markup(s))
}

fn same_text(a: &str, b: &str) -> bool {
    fold(a) == fold(b)
}

/// The title with its subtitle. A "subtitle" that repeats the title's start
/// and is shorter is a running head (Wiley deposits those): it becomes the
/// short title instead.
fn with_subtitle(title: &str, subtitle: Option<&str>) -> (String, Option<String>) {
    let Some(sub) = subtitle.map(str::trim).filter(|s| !s.is_empty()) else {
        return (title.to_string(), None);
    };
    let (ft, fs) = (fold(title), fold(sub));
    if ft.contains(&fs) {
        return (title.to_string(), None);
    }
    let head = |s: &str| s.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
    if fs.len() < ft.len() && fs.split_whitespace().count() >= 2 && head(&fs) == head(&ft) {
        return (title.to_string(), Some(sub.to_string()));
    }
    let sep = if title.trim_end().ends_with(['?', '!', ':', '.']) { " " } else { ": " };
    (format!("{}{sep}{sub}", title.trim_end()), None)
}

fn is_tdm_terms(url: &str) -> bool {
    let u = url.to_ascii_lowercase();
    ["/tdm", "tdm_license", "tdmrep", "text-and-data-mining"].iter().any(|k| u.contains(k))
}

fn resource_url(m: &Map<String, Value>) -> Option<String> {
    let primary = m.get("resource").and_then(|r| r.get("primary")).and_then(|p| p.get("URL")).and_then(scalar);
    primary.or_else(|| {
        str_of(m, "URL").filter(|u| {
            let l = u.to_ascii_lowercase();
            !(l.contains("://doi.org/") || l.contains("://dx.doi.org/"))
        })
    })
}

/// A Crossref date object (`date-parts`, nulls allowed) to a date; `None` for no date.
fn date_of(v: &Value, warnings: &mut Vec<String>) -> Option<Date> {
    let ranges = v.get("date-parts")?.as_array()?;
    let mut parts = Vec::new();
    for r in ranges {
        let Some(bits) = r.as_array() else { continue };
        let mut nums = Vec::new();
        for b in bits {
            let n = match b {
                Value::Number(n) => n.as_i64().map(|n| n as i32),
                Value::String(s) => s.trim().parse::<i32>().ok(),
                _ => None,
            };
            match n {
                Some(n) => nums.push(n),
                None => break,
            }
        }
        // Month and day must make sense; keep the valid prefix.
        if nums.get(1).is_some_and(|m| !(1..=12).contains(m)) {
            warnings.push(format!("date {r} has an impossible month; kept the year"));
            nums.truncate(1);
        } else if nums.get(2).is_some_and(|d| !(1..=31).contains(d)) {
            warnings.push(format!("date {r} has an impossible day; kept year and month"));
            nums.truncate(2);
        }
        if !nums.is_empty() {
            parts.push(nums);
        }
    }
    (!parts.is_empty()).then(|| Date { parts, ..Date::default() })
}

/// `issued`: the print date, else the online date, else Crossref's `issued`
/// (else `published`, `posted`, `approved`, `content-created`), each with
/// every part it has (a print `2012` is not made `2012-08-21` from the
/// online date: they are different events). Also returns the online date
/// when it differs from the chosen print date (`available-date`).
fn issued_date(m: &Map<String, Value>, warnings: &mut Vec<String>) -> (Option<Date>, Option<Date>) {
    let print = m
        .get("published-print")
        .and_then(|d| date_of(d, warnings))
        .or_else(|| m.get("journal-issue").and_then(|j| j.get("published-print")).and_then(|d| date_of(d, warnings)));
    let online = m.get("published-online").and_then(|d| date_of(d, warnings));
    let chosen = print.clone().or_else(|| online.clone()).or_else(|| {
        ["issued", "published", "posted", "approved", "content-created"]
            .iter()
            .find_map(|k| m.get(*k).and_then(|d| date_of(d, warnings)))
    });
    let available = match (&print, &online) {
        (Some(p), Some(o)) if o.parts != p.parts => Some(o.clone()),
        _ => None,
    };
    (chosen, available)
}

/// One Crossref contributor. An organisation (`name`) is a literal name;
/// a person with only a given name has it as the family name; ORCID and
/// affiliations are kept in the creator's extra.
fn creator(role: &str, v: &Value, warnings: &mut Vec<String>) -> Option<Creator> {
    let o = v.as_object()?;
    let get = |k: &str| o.get(k).and_then(scalar).map(|s| jats::plain(&s)).filter(|s| !s.is_empty());
    let (mut family, given, name) = (get("family"), get("given"), get("name"));
    let mut c = Creator { role: role.to_string(), ..Creator::default() };
    match (&family, &given, &name) {
        (None, None, Some(n)) => {
            let folded = n.trim_end_matches('.').to_ascii_lowercase();
            if folded == "et al" || folded == "others" {
                warnings.push(format!("{role} list ends with {n:?}: the other names are not in the record"));
                return None;
            }
            c.literal = Some(n.clone());
        }
        (None, Some(_), _) => family = given.clone(),
        (None, None, None) => {
            warnings.push(format!("an {role} without a name dropped: {v}"));
            return None;
        }
        _ => {}
    }
    if c.literal.is_none() {
        c.family = family;
        c.given = if c.family == given { None } else { given };
        c.suffix = get("suffix");
        if let Some(p) = get("prefix") {
            c.non_dropping_particle = Some(p);
        }
    }
    if let Some(orcid) = o.get("ORCID").and_then(scalar) {
        c.extra.insert("ORCID".into(), Value::String(orcid));
        if let Some(b) = o.get("authenticated-orcid").filter(|b| b.is_boolean()) {
            c.extra.insert("authenticated-orcid".into(), b.clone());
        }
    }
    if let Some(Value::Array(affs)) = o.get("affiliation") {
        let kept: Vec<Value> = affs
            .iter()
            .filter(|a| a.get("name").and_then(scalar).is_some())
            .cloned()
            .collect();
        if !kept.is_empty() {
            c.extra.insert("affiliation".into(), Value::Array(kept));
        }
    }
    Some(c)
}

/// ISBNs from `isbn-type` (print first, then electronic, then others) and
/// `ISBN`, as 13 digits, each once.
fn isbns_of(m: &Map<String, Value>, warnings: &mut Vec<String>) -> Vec<String> {
    let mut typed: Vec<(u8, String)> = Vec::new();
    if let Some(Value::Array(list)) = m.get("isbn-type") {
        for t in list {
            if let Some(v) = t.get("value").and_then(scalar) {
                let rank = match t.get("type").and_then(Value::as_str) {
                    Some("print") => 0,
                    Some("electronic") => 1,
                    _ => 2,
                };
                typed.push((rank, v));
            }
        }
    }
    typed.sort_by_key(|(r, _)| *r);
    let mut raw: Vec<String> = typed.into_iter().map(|(_, v)| v).collect();
    if let Some(Value::Array(list)) = m.get("ISBN") {
        raw.extend(list.iter().filter_map(scalar));
    }
    let mut out = Vec::new();
    for r in raw {
        match ident::normalize_isbn(&r) {
            Ok(n) => {
                if !out.contains(&n) {
                    out.push(n);
                }
            }
            Err(_) => {
                let msg = format!("ISBN {r:?} dropped: not a valid ISBN");
                if !warnings.contains(&msg) {
                    warnings.push(msg);
                }
            }
        }
    }
    out
}

fn push_issn(out: &mut Vec<String>, raw: &str, warnings: &mut Vec<String>) {
    let n = match ident::normalize_issn(raw) {
        Ok(n) => n,
        Err(_) => {
            let msg = format!("ISSN {raw:?} has a bad check digit; kept as written");
            if !warnings.contains(&msg) {
                warnings.push(msg);
            }
            raw.to_string()
        }
    };
    if !out.contains(&n) {
        out.push(n);
    }
}

/// ISSNs from `issn-type` (print first) and `ISSN`, each once.
fn issns_of(m: &Map<String, Value>, warnings: &mut Vec<String>) -> Vec<String> {
    let mut typed: Vec<(u8, String)> = Vec::new();
    if let Some(Value::Array(list)) = m.get("issn-type") {
        for t in list {
            if let Some(v) = t.get("value").and_then(scalar) {
                let rank = if t.get("type").and_then(Value::as_str) == Some("print") { 0 } else { 1 };
                typed.push((rank, v));
            }
        }
    }
    typed.sort_by_key(|(r, _)| *r);
    let mut raw: Vec<String> = typed.into_iter().map(|(_, v)| v).collect();
    if let Some(Value::Array(list)) = m.get("ISSN") {
        raw.extend(list.iter().filter_map(scalar));
    }
    let mut out = Vec::new();
    for r in raw {
        push_issn(&mut out, &r, warnings);
    }
    out
}

// ---------------------------------------------------------------------------
// A book's title and its series' title in one `container-title` list.

struct ContainerSplit {
    book: Option<String>,
    series: Option<String>,
    /// Set when the choice was a guess (no sign either way).
    guess: Option<String>,
    dropped: Vec<String>,
}

/// How much a title reads like a series' name rather than a book's (a
/// volume's). Positive: series-like; negative: book-like.
fn series_score(title: &str) -> i32 {
    let t = title.to_lowercase();
    let words: Vec<&str> = t.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let mut score = 0;
    const STRONG: &[&str] = &[
        "lecture notes", "series", "studies in", "briefs", "progress in", "contemporary mathematics",
        "texts in", "monographs", "topics in", "communications in", "methods in", "schriften", "reihe",
        "beiträge", "studien", "cahiers", "collection", "bibliothek", "library of", "transactions",
    ];
    const WEAK: &[&str] = &["advances in", "perspectives in", "developments in", "annals of"];
    if STRONG.iter().any(|k| t.contains(k)) {
        score += 3;
    } else if WEAK.iter().any(|k| t.contains(k)) {
        score += 2;
    }
    if t.trim_end().ends_with("proceedings") {
        score += 2;
    }
    // A volume's marks: a year, a number or Roman numeral at the end, a
    // subtitle, a meeting.
    if words.iter().any(|w| w.len() == 4 && (w.starts_with("19") || w.starts_with("20")) && w.chars().all(|c| c.is_ascii_digit())) {
        score -= 2;
    }
    let last_raw = title.split_whitespace().last().unwrap_or("");
    if last_raw.chars().all(|c| c.is_ascii_digit())
        || (last_raw.len() <= 5 && last_raw.chars().all(|c| matches!(c, 'I' | 'V' | 'X' | 'L' | 'C')))
    {
        score -= 2;
    }
    if title.contains(": ") {
        score -= 2;
    }
    for k in ["proceedings of", "conference", "workshop", "symposium", "congress", "handbook", "encyclopedia", "volume"] {
        if t.contains(k) {
            score -= 2;
            break;
        }
    }
    score
}

/// Tells the book's title from its series' in Crossref's `container-title`,
/// which lists both for a chapter in a series, in either order (Springer's
/// LNCS chapters say ["Advances in Visual Computing", "Lecture Notes in
/// Computer Science"], SpringerBriefs ["SpringerBriefs in …", "Human
/// Health …"]). `series-title`, when given, settles it; otherwise the title
/// that reads most like a series is the series (see [`series_score`]), and
/// on a tie the shorter one (a series' name is short and general).
fn split_container_titles(titles: &[String], series_field: Option<&str>) -> ContainerSplit {
    let mut titles: Vec<String> = titles.to_vec();
    titles.dedup_by(|a, b| same_text(a, b));
    let mut out = ContainerSplit { book: None, series: None, guess: None, dropped: Vec::new() };
    if let Some(s) = series_field {
        titles.retain(|t| !same_text(t, s));
        out.series = Some(s.to_string());
        let mut it = titles.into_iter();
        out.book = it.next();
        out.dropped = it.collect();
        return out;
    }
    match titles.len() {
        0 => {}
        1 => out.book = Some(titles.remove(0)),
        _ => {
            let scores: Vec<i32> = titles.iter().map(|t| series_score(t)).collect();
            let best = *scores.iter().max().expect("non-empty");
            let tied: Vec<usize> = (0..titles.len()).filter(|&i| scores[i] == best).collect();
            let series_idx = *tied.iter().min_by_key(|&&i| titles[i].chars().count()).expect("non-empty");
            let others: Vec<usize> = (0..titles.len()).filter(|&i| i != series_idx).collect();
            if tied.len() > 1 || scores[others[0]] == best {
                out.guess = Some(format!(
                    "container-title lists {:?}: took {:?} as the series (shorter; nothing else tells them apart)",
                    titles, titles[series_idx]
                ));
            }
            out.series = Some(titles[series_idx].clone());
            out.book = Some(titles[others[0]].clone());
            out.dropped = others[1..].iter().map(|&i| titles[i].clone()).collect();
        }
    }
    out
}

// ---------------------------------------------------------------------------
// References.

fn reference(r: &Value, warnings: &mut Vec<String>) -> Option<Reference> {
    let o = r.as_object()?;
    let get = |k: &str| o.get(k).and_then(scalar).map(|s| jats::plain(&s)).filter(|s| !s.is_empty());
    let label = o.get("key").and_then(scalar);
    let doi = match o.get("DOI").and_then(scalar) {
        // A DOI never has white space: "10.1126/science. 1109070" is a typo.
        Some(d) => match ident::normalize_doi(&d).or_else(|e| {
            let joined: String = d.split_whitespace().collect();
            ident::normalize_doi(&joined).map_err(|_| e)
        }) {
            Ok(d) => Some(d),
            Err(e) => {
                warnings.push(format!("reference {}: DOI dropped: {e}", label.as_deref().unwrap_or("?")));
                None
            }
        },
        None => None,
    };
    let author = get("author");
    let year = get("year");
    let article_title = get("article-title");
    let volume_title = get("volume-title");
    let journal_title = get("journal-title");
    let series_title = get("series-title");
    let volume = get("volume");
    let issue = get("issue");
    let first_page = get("first-page");
    let edition = get("edition");
    let isbn: Vec<String> = {
        let mut raw: Vec<String> = o
            .get("isbn-type")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|t| t.get("value").and_then(scalar))
            .collect();
        raw.extend(get("ISBN"));
        let mut out: Vec<String> = Vec::new();
        for x in raw {
            if let Ok(n) = ident::normalize_isbn(&x) {
                if !out.contains(&n) {
                    out.push(n);
                }
            }
        }
        out
    };
    let issn: Vec<String> = get("ISSN").map(|s| vec![ident::normalize_issn(&s).unwrap_or(s)]).unwrap_or_default();

    let structured = article_title.is_some() || volume_title.is_some() || journal_title.is_some() || doi.is_some();
    let work = structured.then(|| {
        let mut w;
        if let Some(j) = &journal_title {
            w = Work::new("article-journal");
            w.title = article_title.clone();
            let mut p = Work::new("periodical");
            p.title = Some(j.clone());
            p.issn = issn.clone();
            w.parent = Some(Box::new(p));
            w.issue = issue.clone();
        } else if volume_title.is_some() || !isbn.is_empty() {
            let mut b = Work::new("book");
            b.title = volume_title.clone();
            b.isbn = isbn.clone();
            b.edition = edition.clone();
            if let Some(s) = &series_title {
                let mut sw = Work::new("series");
                sw.title = Some(s.clone());
                b.parent = Some(Box::new(sw));
            }
            // A title of its own, or pages, make it a part of the book.
            if article_title.is_some() || (volume_title.is_some() && first_page.is_some()) {
                w = Work::new("chapter");
                w.title = article_title.clone();
                b.issued = year.as_deref().and_then(year_date);
                w.parent = Some(Box::new(b));
            } else {
                w = b;
            }
        } else {
            w = Work::new("document");
            w.title = article_title.clone();
        }
        w.volume = volume.clone();
        w.page = first_page.clone();
        w.issued = year.as_deref().and_then(year_date);
        w.doi = doi.clone();
        if let Some(a) = &author {
            w.creators.push(ref_author(a));
        }
        w
    });

    let text = match get("unstructured") {
        Some(t) => t,
        None => {
            // A chapter's book is its container; a book alone is the title.
            let (title, container) = match (&article_title, &journal_title, &volume_title) {
                (Some(a), Some(j), _) => (Some(a), Some(j)),
                (Some(a), None, v) => (Some(a), v.as_ref()),
                (None, Some(j), _) => (None, Some(j)),
                (None, None, v) => (v.as_ref(), None),
            };
            compose_reference(
                author.as_deref(),
                year.as_deref(),
                title.map(String::as_str),
                container.map(String::as_str),
                volume.as_deref(),
                issue.as_deref(),
                first_page.as_deref(),
                doi.as_deref(),
            )
        }
    };
    if text.is_empty() {
        return None;
    }
    Some(Reference { label, text, doi, work })
}

/// `Author (Year). Title. Container, Volume(Issue), Page. https://doi.org/DOI`,
/// leaving out what is missing.
#[allow(clippy::too_many_arguments)]
fn compose_reference(
    author: Option<&str>,
    year: Option<&str>,
    title: Option<&str>,
    container: Option<&str>,
    volume: Option<&str>,
    issue: Option<&str>,
    page: Option<&str>,
    doi: Option<&str>,
) -> String {
    let mut parts: Vec<String> = Vec::new();
    let head = match (author, year) {
        (Some(a), Some(y)) => Some(format!("{a} ({y})")),
        (Some(a), None) => Some(a.to_string()),
        (None, Some(y)) => Some(format!("({y})")),
        (None, None) => None,
    };
    parts.extend(head);
    parts.extend(title.map(str::to_string));
    let mut loc = String::new();
    if let Some(c) = container {
        loc.push_str(c);
    }
    if let Some(v) = volume {
        if !loc.is_empty() {
            loc.push_str(", ");
        }
        loc.push_str(v);
        if let Some(i) = issue {
            loc.push_str(&format!("({i})"));
        }
    }
    if let Some(p) = page {
        if !loc.is_empty() {
            loc.push_str(", ");
        }
        loc.push_str(p);
    }
    if !loc.is_empty() {
        parts.push(loc);
    }
    let mut text = parts
        .iter()
        .map(|p| p.trim_end_matches('.').to_string())
        .collect::<Vec<_>>()
        .join(". ");
    if !text.is_empty() {
        text.push('.');
    }
    if let Some(d) = doi {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(&format!("https://doi.org/{d}"));
    }
    text
}

fn year_date(y: &str) -> Option<Date> {
    let digits: String = y.chars().skip_while(|c| !c.is_ascii_digit()).take_while(char::is_ascii_digit).collect();
    let n: i32 = digits.parse().ok().filter(|_| digits.len() == 4)?;
    Some(Date { parts: vec![vec![n]], ..Date::default() })
}

/// A reference's one author string ("K. Okuma", "Okuma K", "Avise",
/// "Okuma, K.") as a name; anything else is a literal.
fn ref_author(s: &str) -> Creator {
    let mut c = Creator { role: "author".into(), ..Creator::default() };
    let is_initials = |w: &str| {
        let letters: Vec<char> = w.chars().filter(|c| *c != '.' && *c != '-').collect();
        !letters.is_empty() && letters.len() <= 3 && letters.iter().all(|c| c.is_uppercase())
    };
    if let Some((family, given)) = s.split_once(',') {
        let (f, g) = (family.trim(), given.trim());
        if !f.is_empty() && !g.is_empty() && !g.contains(',') {
            c.family = Some(f.to_string());
            c.given = Some(g.to_string());
            return c;
        }
    }
    let words: Vec<&str> = s.split_whitespace().collect();
    let lead = words.iter().take_while(|w| is_initials(w)).count();
    let trail = words.iter().rev().take_while(|w| is_initials(w)).count();
    if words.len() == 1 {
        c.family = Some(words[0].to_string());
    } else if lead > 0 && lead < words.len() && trail == 0 {
        // "K. Okuma", "A Van de Ven"
        c.given = Some(words[..lead].join(" "));
        c.family = Some(words[lead..].join(" "));
    } else if trail > 0 && trail < words.len() && lead == 0 {
        // "Okuma K", "Van de Ven A"
        c.family = Some(words[..words.len() - trail].join(" "));
        c.given = Some(words[words.len() - trail..].join(" "));
    } else {
        c.literal = Some(s.to_string());
    }
    c
}

// ---------------------------------------------------------------------------
// A chapter's book, from the book's own record.

/// What to ask Crossref for to complete a chapter's book.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContainerLookup {
    /// The book's DOI, when the record itself tells it (`relation.is-part-of`,
    /// or a chapter DOI built from the book's ISBN, as Springer's, Wiley's,
    /// CUP's, OUP's, IGI's…): `GET /works/{doi}`.
    pub doi: Option<String>,
    /// ISBNs to search with: `GET /works?filter=isbn:{isbn}`, then [`pick_book`].
    pub isbn: Vec<String>,
}

/// For a chapter-like work (chapter, entry, conference paper) whose book
/// lacks editors, ISBNs, a series or a place: what to ask Crossref for the
/// book. `None` when nothing is missing or nothing can be asked.
pub fn container_lookup(m: &Mapped) -> Option<ContainerLookup> {
    let w = &m.work;
    if container_kind(&w.work_type) != Some(ContainerKind::Book) {
        return None;
    }
    let book = w.parent.as_deref();
    let complete = book.is_some_and(|b| {
        b.creators_in("editor").next().is_some() && !b.isbn.is_empty() && b.parent.is_some() && b.publisher_place.is_some()
    });
    if complete {
        return None;
    }
    let mut isbn: Vec<String> = book.map(|b| b.isbn.clone()).unwrap_or_default();
    if isbn.is_empty() {
        isbn = w.isbn.clone();
    }
    let derived = w.doi.as_deref().and_then(|d| book_doi_from_chapter_doi(d, &isbn));
    let doi = book.and_then(|b| b.doi.clone()).or_else(|| derived.as_ref().map(|(d, _)| d.clone()));
    if isbn.is_empty() {
        if let Some((_, i)) = &derived {
            isbn.push(i.clone());
        }
    }
    if doi.is_none() && isbn.is_empty() {
        return None;
    }
    Some(ContainerLookup { doi, isbn })
}

/// A chapter DOI built from its book's ISBN (`10.1007/978-3-642-33191-6_49`,
/// `10.1002/9780470979365.ch2`, `10.1017/cbo9780511614415.023`,
/// `10.1093/acprof:oso/9780198236634.003.0005`) → the book's DOI and that
/// ISBN. Only when the ISBN is valid and is one of the record's own (or the
/// record has none). Elsevier's book DOIs are not built from ISBNs.
fn book_doi_from_chapter_doi(doi: &str, isbns: &[String]) -> Option<(String, String)> {
    let (prefix, suffix) = doi.split_once('/')?;
    if prefix == "10.1016" {
        return None;
    }
    let chars: Vec<(usize, char)> = suffix.char_indices().collect();
    for (k, &(start, c)) in chars.iter().enumerate() {
        if !c.is_ascii_digit() || (k > 0 && (chars[k - 1].1.is_ascii_digit() || chars[k - 1].1 == '-')) {
            continue;
        }
        for want in [13usize, 10] {
            let mut digits = 0;
            let mut end = None;
            for &(i, ch) in &chars[k..] {
                if ch.is_ascii_digit() || (want == 10 && digits == 9 && (ch == 'x' || ch == 'X')) {
                    digits += 1;
                    if digits == want {
                        end = Some(i + ch.len_utf8());
                        break;
                    }
                } else if ch != '-' {
                    break;
                }
            }
            let Some(end) = end else { continue };
            let Ok(isbn) = ident::normalize_isbn(&suffix[start..end]) else { continue };
            if !isbns.is_empty() && !isbns.contains(&isbn) {
                continue;
            }
            let rest = &suffix[end..];
            let book_suffix = if is_oup_part(rest) {
                format!("{}.001.0001", &suffix[..end])
            } else if prefix == "10.1093" {
                continue;
            } else if rest.len() > 1 && rest.starts_with(['_', '.', '-']) {
                suffix[..end].to_string()
            } else {
                continue;
            };
            return Some((format!("{prefix}/{book_suffix}"), isbn));
        }
    }
    None
}

/// Oxford's (and University Press Scholarship Online's) chapter part:
/// `.003.0005`; the book is `.001.0001`.
fn is_oup_part(rest: &str) -> bool {
    rest.strip_prefix(".003.").is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

/// From a `/works?filter=isbn:…` response, the book (book, monograph,
/// edited book, reference book) whose ISBNs include one of `isbns`; the one
/// with the most of them when several do. `None` when the body is not a
/// work list or nothing matches.
pub fn pick_book(list_body: &str, isbns: &[String]) -> Option<Mapped> {
    let v = parse_body(list_body).ok()?;
    let items = v.get("message").and_then(|m| m.get("items")).or_else(|| v.get("items"))?.as_array()?;
    let wanted: Vec<String> = isbns.iter().filter_map(|i| ident::normalize_isbn(i).ok()).collect();
    let mut best: Option<(usize, Mapped)> = None;
    for item in items {
        let t = item.get("type").and_then(Value::as_str).unwrap_or("");
        if !matches!(t, "book" | "monograph" | "edited-book" | "reference-book" | "book-set" | "proceedings") {
            continue;
        }
        let Some(o) = item.as_object() else { continue };
        let own = isbns_of(o, &mut Vec::new());
        let hits = own.iter().filter(|i| wanted.contains(i)).count();
        if hits == 0 || best.as_ref().is_some_and(|(h, _)| *h >= hits) {
            continue;
        }
        if let Ok(mapped) = map_message(item) {
            best = Some((hits, mapped));
        }
    }
    best.map(|(_, m)| m)
}

/// Fills the chapter's book with what the book's own record gives and the
/// chapter's record lacked: title, editors (and authors), ISBNs (added to
/// those it has), publisher, place, edition, date, DOI, series (or the
/// series' ISSN and editors). Never overwrites a value the chapter had. A
/// book that shares no ISBN, DOI or title with the chapter's book, and whose
/// DOI is not the one the chapter's DOI is built from, is not used (a
/// warning says so).
pub fn fill_container(m: &mut Mapped, book: &Mapped) {
    let src = &book.work;
    if container_kind(&m.work.work_type) != Some(ContainerKind::Book) {
        m.warnings.push(format!("a {} has no book to fill; the book record was not used", m.work.work_type));
        return;
    }
    if src.work_type != "book" {
        m.warnings.push(format!("the record for the book is a {}, not a book; not used", src.work_type));
        return;
    }
    let Some(dst) = m.work.parent.as_deref_mut() else {
        let mut b = src.clone();
        b.key = None;
        m.work.parent = Some(Box::new(b));
        return;
    };
    let shares_isbn = dst.isbn.iter().any(|i| src.isbn.contains(i));
    let same_doi = dst.doi.is_some() && dst.doi == src.doi;
    let same_title = matches!((&dst.title, &src.title), (Some(a), Some(b)) if same_text(a, b));
    let unknown = dst.isbn.is_empty() && dst.doi.is_none();
    // The book's DOI is the one the chapter's DOI is built from.
    let doi_of_chapter = src.doi.is_some()
        && m.work.doi.as_deref().and_then(|d| book_doi_from_chapter_doi(d, &dst.isbn)).map(|(d, _)| d) == src.doi;
    if !(shares_isbn || same_doi || doi_of_chapter || (same_title && (unknown || src.isbn.is_empty() || dst.isbn.is_empty()))) {
        m.warnings.push(format!(
            "the book record {} does not match the chapter's book (no shared ISBN, DOI or title); not used",
            src.doi.as_deref().unwrap_or("without a DOI")
        ));
        return;
    }
    fill_opt(&mut dst.title, &src.title);
    fill_opt(&mut dst.title_short, &src.title_short);
    fill_opt(&mut dst.publisher, &src.publisher);
    fill_opt(&mut dst.publisher_place, &src.publisher_place);
    fill_opt(&mut dst.edition, &src.edition);
    fill_opt(&mut dst.volume, &src.volume);
    fill_opt(&mut dst.doi, &src.doi);
    if dst.issued.is_none() {
        dst.issued = src.issued.clone();
    }
    for i in &src.isbn {
        if !dst.isbn.contains(i) {
            dst.isbn.push(i.clone());
        }
    }
    if dst.issn.is_empty() {
        dst.issn = src.issn.clone();
    }
    for role in ["editor", "author", "translator"] {
        if dst.creators_in(role).next().is_none() {
            dst.creators.extend(src.creators_in(role).cloned());
        }
    }
    for (k, v) in &src.extra {
        if k == "collection-number" || k == "language" {
            dst.extra.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    match (dst.parent.as_deref_mut(), src.parent.as_deref()) {
        (None, Some(s)) => {
            let mut s = s.clone();
            s.key = None;
            dst.parent = Some(Box::new(s));
        }
        (Some(d), Some(s)) => {
            fill_opt(&mut d.title, &s.title);
            if d.issn.is_empty() {
                d.issn = s.issn.clone();
            }
            if d.creators.is_empty() {
                d.creators = s.creators.clone();
            }
        }
        _ => {}
    }
}

fn fill_opt(dst: &mut Option<String>, src: &Option<String>) {
    if dst.is_none() {
        dst.clone_from(src);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn titles(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn series_told_from_book_either_order() {
        for (list, book, series) in [
            (&["Advances in Visual Computing", "Lecture Notes in Computer Science"][..], "Advances in Visual Computing", "Lecture Notes in Computer Science"),
            (&["SpringerBriefs in Medical Earth Sciences", "Human Health and Physical Activity During Heat Exposure"][..], "Human Health and Physical Activity During Heat Exposure", "SpringerBriefs in Medical Earth Sciences"),
            (&["SPIE Proceedings", "Optical Coherence Tomography and Coherence Domain Optical Methods in Biomedicine XX"][..], "Optical Coherence Tomography and Coherence Domain Optical Methods in Biomedicine XX", "SPIE Proceedings"),
            (&["Of body snatchers and cyberpunks", "Göttinger Schriften zur Englischen Philologie"][..], "Of body snatchers and cyberpunks", "Göttinger Schriften zur Englischen Philologie"),
        ] {
            let s = split_container_titles(&titles(list), None);
            assert_eq!(s.book.as_deref(), Some(book), "{list:?}");
            assert_eq!(s.series.as_deref(), Some(series), "{list:?}");
            assert!(s.guess.is_none(), "{list:?}");
        }
    }

    #[test]
    fn series_tie_is_the_shorter_and_says_it_guessed() {
        let s = split_container_titles(&titles(&["Innovative Renewable Energy", "Mediterranean Architecture and the Green-Digital Transition"]), None);
        assert_eq!(s.series.as_deref(), Some("Innovative Renewable Energy"));
        assert!(s.guess.is_some());
    }

    #[test]
    fn series_title_field_settles_it() {
        let s = split_container_titles(&titles(&["Lecture Notes in Computer Science", "A"]), Some("A"));
        assert_eq!(s.series.as_deref(), Some("A"));
        assert_eq!(s.book.as_deref(), Some("Lecture Notes in Computer Science"));
    }

    #[test]
    fn book_doi_from_chapter_dois() {
        let f = |d: &str, i: &[&str]| book_doi_from_chapter_doi(d, &titles(i)).map(|(d, _)| d);
        assert_eq!(f("10.1007/978-3-642-33191-6_49", &["9783642331909", "9783642331916"]).as_deref(), Some("10.1007/978-3-642-33191-6"));
        assert_eq!(f("10.1002/9780470979365.ch2", &[]).as_deref(), Some("10.1002/9780470979365"));
        assert_eq!(f("10.1017/cbo9780511614415.023", &[]).as_deref(), Some("10.1017/cbo9780511614415"));
        assert_eq!(f("10.1093/acprof:oso/9780198236634.003.0005", &[]).as_deref(), Some("10.1093/acprof:oso/9780198236634.001.0001"));
        assert_eq!(f("10.4324/9780203414989-9", &[]).as_deref(), Some("10.4324/9780203414989"));
        assert_eq!(f("10.1007/3-540-45591-4_12", &[]).as_deref(), Some("10.1007/3-540-45591-4"));
        // Not the record's ISBN, Elsevier, Oxford Bibliographies, no chapter part, no ISBN.
        assert_eq!(f("10.1007/978-3-642-33191-6_49", &["9780470748343"]), None);
        assert_eq!(f("10.1016/b978-0-12-384717-1.00012-9", &[]), None);
        assert_eq!(f("10.1093/obo/9780199830060-0014", &[]), None);
        assert_eq!(f("10.1007/978-3-642-33191-6", &[]), None);
        assert_eq!(f("10.5005/jp/books/12414_3", &[]), None);
    }

    #[test]
    fn reference_author_forms() {
        let n = |s: &str| {
            let c = ref_author(s);
            (c.family, c.given, c.literal)
        };
        assert_eq!(n("K. Okuma"), (Some("Okuma".into()), Some("K.".into()), None));
        assert_eq!(n("Okuma K"), (Some("Okuma".into()), Some("K".into()), None));
        assert_eq!(n("Avise"), (Some("Avise".into()), None, None));
        assert_eq!(n("Okuma, Kenji"), (Some("Okuma".into()), Some("Kenji".into()), None));
        assert_eq!(n("A Van de Ven"), (Some("Van de Ven".into()), Some("A".into()), None));
        assert_eq!(n("Van de Ven AH"), (Some("Van de Ven".into()), Some("AH".into()), None));
        assert_eq!(n("World Health Organization"), (None, None, Some("World Health Organization".into())));
    }

    #[test]
    fn subtitle_joined_or_taken_as_running_head() {
        assert_eq!(with_subtitle("Über die Eiweisslabilität des Serums", Some("Ein Versuch")).0, "Über die Eiweisslabilität des Serums: Ein Versuch");
        assert_eq!(with_subtitle("Why?", Some("Because")).0, "Why? Because");
        assert_eq!(with_subtitle("A: B", Some("B")).0, "A: B");
        let (t, short) = with_subtitle(
            "Serological Evidence of Brucella abortus Prevalence in Punjab Province, Pakistan - A Cross-Sectional Study",
            Some("Serological Evidence of B. abortus Prevalence in Punjab"),
        );
        assert!(t.starts_with("Serological Evidence of Brucella") && !t.contains(": "));
        assert_eq!(short.as_deref(), Some("Serological Evidence of B. abortus Prevalence in Punjab"));
    }

    #[test]
    fn dates_with_nulls_and_precision() {
        let mut w = Vec::new();
        let m: Map<String, Value> = serde_json::from_str(
            r#"{"published-print":{"date-parts":[[2012]]},"issued":{"date-parts":[[2012,8,21]]}}"#,
        )
        .unwrap();
        assert_eq!(issued_date(&m, &mut w).0.unwrap().parts, vec![vec![2012]]);
        let m: Map<String, Value> = serde_json::from_str(
            r#"{"published-print":{"date-parts":[[2014]]},"published-online":{"date-parts":[[2013,12,17]]}}"#,
        )
        .unwrap();
        let (d, avail) = issued_date(&m, &mut w);
        assert_eq!(d.unwrap().parts, vec![vec![2014]]);
        assert_eq!(avail.unwrap().parts, vec![vec![2013, 12, 17]]);
        let m: Map<String, Value> = serde_json::from_str(r#"{"issued":{"date-parts":[[null]]}}"#).unwrap();
        assert_eq!(issued_date(&m, &mut w), (None, None));
        let m: Map<String, Value> = serde_json::from_str(r#"{"issued":{"date-parts":[[2020, null, null]]}}"#).unwrap();
        assert_eq!(issued_date(&m, &mut w).0.unwrap().parts, vec![vec![2020]]);
    }
}
