//! doi.org content negotiation with `Accept: application/vnd.citationstyles.csl+json`.
//!
//! doi.org hands the request to the registration agency: Crossref answers
//! with its "transform" output (CSL-JSON plus its own bookkeeping), DataCite
//! (data.crosscite.org) with a small CSL-JSON item.
//!
//! * Crossref's transform is Crossref's REST record rewritten as CSL-JSON
//!   (the same fields, titles as strings, `container-title-short` for
//!   `short-container-title`). It is read by the Crossref mapper
//!   ([`crate::map::crossref::map_message`]), so that a DOI gives the same
//!   record whichever of the two Crossref services answered; CSL-only
//!   variables a body may carry beside Crossref's (`PMID`, `PMCID`) are kept.
//! * Everything else (DataCite's CSL-JSON, and a Crossref body the Crossref
//!   mapper refuses) is cleaned into a plain CSL-JSON item ([`clean_item`]),
//!   read by [`ibid_core::csl::work_from_csl`] and shaped by
//!   [`ibid_core::csl::split`], as the other non-Crossref sources are
//!   ([`finish`]).
//!
//! Cleaning, in short (the details are on [`clean_item`]):
//! * Crossref bookkeeping that changes on every fetch or says nothing about
//!   the work is dropped (`indexed`, `deposited`, `score`, counts, `link`,
//!   `content-domain`, `member`, `funder`, `assertion`…); every other
//!   variable is kept.
//! * Lists where CSL has strings (`container-title`, `original-title`,
//!   `short-title`, `subtitle`) become strings; a subtitle is joined to the
//!   title (`Title: Subtitle`); entities in names of journals, books and
//!   publishers are decoded, titles keep the UI's inline markup.
//! * `issued` is checked; when it is missing or unusable the first usable of
//!   `published-print`, `published-online`, `published`, `posted`, `created`
//!   stands in (with a warning).
//! * A JATS or HTML `abstract` becomes text ([`crate::map::jats::to_text`]).
//! * `license` (Crossref's list of licence links) becomes one URL: the
//!   version-of-record licence, else the unspecified one, else the accepted
//!   manuscript's, else a Creative Commons text-mining licence. DataCite's
//!   `copyright` becomes `license`; its `categories` become `keyword`.
//! * DataCite writes the repository (Zenodo, figshare) as the container of
//!   an `article-journal`: a container title equal to the publisher is
//!   dropped, and an `article-journal` left without a journal is an `article`.
//! * `reference` becomes [`Mapped::references`].
//! * Names: `sequence`, `authenticated-orcid` and empty affiliation lists are
//!   dropped, ORCIDs written `https://orcid.org/…`, a bare `name` becomes
//!   `literal`. A key-like `id` (a tool's own hash) is not taken as the
//!   user's citation key.
//! * What core would reject and is merely odd (an ISBN with a bad check
//!   digit, a DOI that is not one, a date part that is not a number, an
//!   unknown type) is dropped or replaced, with a warning.
//!
//! The helpers the other mappers of this module share (the final "flat CSL
//! item → [`Mapped`]" step, display names, free-text dates, keywords,
//! language codes) live here too.

use ibid_core::model::{normalize_type, ROLES};
use ibid_core::{ident, Creator, Date, Work};
use serde_json::{json, Map, Value};

use crate::map::jats::{decode_entities, inline, plain};
use crate::map::{MapError, Mapped, Reference};

/// Maps a doi.org content-negotiation CSL-JSON body (one item, or a list
/// holding one item).
pub fn work_from_body(body: &str) -> Result<Mapped, MapError> {
    let body = body.trim_start_matches('\u{feff}').trim();
    if body.is_empty() {
        return Err(MapError::new("doi.org sent an empty CSL-JSON body"));
    }
    let v: Value = serde_json::from_str(body)
        .map_err(|e| MapError::new(format!("doi.org's CSL-JSON body is not valid JSON: {e}")))?;
    work_from_item(&v)
}

/// Maps an already parsed CSL-JSON item (or a one-item list).
pub fn work_from_item(v: &Value) -> Result<Mapped, MapError> {
    let item = match v {
        Value::Object(o) => o,
        Value::Array(a) if a.len() == 1 && a[0].is_object() => a[0].as_object().expect("checked"),
        Value::Array(a) if a.is_empty() => return Err(MapError::new("doi.org sent an empty CSL-JSON list")),
        Value::Array(a) => {
            return Err(MapError::new(format!("doi.org sent {} CSL-JSON items where one was expected", a.len())))
        }
        other => return Err(MapError::new(format!("doi.org's CSL-JSON is not an item but {}", kind_of(other)))),
    };
    if is_crossref(item) {
        // Crossref's transform is its REST record rewritten as CSL-JSON: the
        // Crossref mapper reads it, so that a DOI gives the same record by
        // either path. Only the short container title was renamed.
        let mut msg = item.clone();
        if let Some(short) = msg.remove("container-title-short") {
            msg.entry("short-container-title").or_insert(short);
        }
        if let Ok(mut m) = crate::map::crossref::map_message(&Value::Object(msg)) {
            // CSL variables a CSL-JSON body may carry beside Crossref's own.
            for k in ["PMID", "PMCID"] {
                if let Some(v) = item.get(k).and_then(scalar).map(|s| s.trim().to_string()).filter(|s| !s.is_empty()) {
                    m.work.extra.entry(k).or_insert(json!(v));
                }
            }
            return Ok(m);
        }
    }
    let mut warnings = Vec::new();
    let (clean, references) = clean_item(item, &mut warnings);
    finish(clean, references, warnings, "doi.org CSL-JSON")
}

/// Crossref's transform output carries Crossref's bookkeeping; DataCite's
/// CSL-JSON does not.
fn is_crossref(item: &Map<String, Value>) -> bool {
    item.get("source").and_then(Value::as_str) == Some("Crossref")
        || ["member", "prefix", "indexed", "deposited"].iter().any(|k| item.contains_key(*k))
}

/// Crossref fields that are bookkeeping, change on every fetch, or say
/// nothing about the work itself.
const DROPPED: &[&str] = &[
    "indexed", "deposited", "score", "reference-count", "references-count",
    "is-referenced-by-count", "content-domain", "source", "prefix", "member", "resource", "link",
    "journal-issue", "update-policy", "update-to", "short_url", "alternative-id", "subject",
    "assertion", "funder", "group-title", "accepted", "published-other", "clinical-trial-number",
    "free-to-read", "archive_location-crossref",
];

/// Dates that stand in, in this order, when `issued` is missing or unusable.
const ISSUED_FALLBACKS: &[&str] = &["published-print", "published-online", "published", "posted", "created"];

/// Cleans a content-negotiation item into plain CSL-JSON (see the module
/// documentation) and takes out its reference list.
pub fn clean_item(item: &Map<String, Value>, warnings: &mut Vec<String>) -> (Map<String, Value>, Vec<Reference>) {
    let crossref = is_crossref(item);
    let mut out = Map::new();
    let mut references = Vec::new();
    let mut subtitle: Option<String> = None;
    let mut fallback_dates: Vec<(&'static str, &Value)> = Vec::new();
    for (k, v) in item {
        match k.as_str() {
            k if DROPPED.contains(&k) => {}
            f if ISSUED_FALLBACKS.contains(&f) => fallback_dates.push((ISSUED_FALLBACKS.iter().find(|x| **x == f).unwrap(), v)),
            "id" => {
                // A URL id (DataCite: the DOI again) is core's business; a
                // key-like id is the source's own hash, not the user's key.
                if let Some(id) = v.as_str().filter(|s| s.contains([':', '/'])) {
                    out.insert("id".into(), json!(id));
                }
            }
            // Titles may carry markup (escaped or not): the UI's inline set is kept.
            "title" => {
                if let Some(t) = first_string(v).map(|t| inline(&t)).filter(|t| !t.is_empty()) {
                    out.insert("title".into(), json!(t));
                }
            }
            "subtitle" => subtitle = first_string(v).map(|t| inline(&t)),
            "short-title" | "title-short" => {
                if let Some(t) = first_string(v).map(|t| inline(&t)).filter(|t| !t.is_empty()) {
                    out.entry("title-short").or_insert(json!(t));
                }
            }
            "original-title" => {
                if let Some(t) = first_string(v).map(|t| inline(&t)).filter(|t| !t.is_empty()) {
                    out.insert(k.clone(), json!(t));
                }
            }
            // Names of journals, books, series, publishers: plain text.
            "container-title" | "container-title-short" | "collection-title" | "publisher" | "publisher-place" => {
                if let Some(t) = first_string(v).map(|t| plain(&t)).filter(|t| !t.is_empty()) {
                    out.insert(k.clone(), json!(t));
                }
            }
            "publisher-location" => {
                if let Some(t) = first_string(v).map(|t| plain(&t)).filter(|t| !t.is_empty()) {
                    out.entry("publisher-place").or_insert(json!(t));
                }
            }
            "edition-number" => {
                if let Some(t) = first_string(v) {
                    out.entry("edition").or_insert(json!(t));
                }
            }
            "article-number" => {
                if let Some(t) = first_string(v) {
                    out.entry("number").or_insert(json!(t));
                }
            }
            "page-first" => {
                if let Some(t) = first_string(v) {
                    out.insert(k.clone(), json!(t));
                }
            }
            "isbn-type" | "issn-type" => {}
            "abstract" => {
                if let Some(a) = v.as_str().map(plain_text).filter(|a| !a.is_empty()) {
                    out.insert("abstract".into(), json!(a));
                }
            }
            "license" => {
                if let Some(l) = choose_license(v) {
                    out.insert("license".into(), json!(l));
                }
            }
            "copyright" => {
                if let Some(c) = first_string(v) {
                    out.entry("license").or_insert(json!(c));
                }
            }
            "categories" => {
                if let Some(kw) = keywords(v) {
                    out.entry("keyword").or_insert(json!(kw));
                }
            }
            "subtype" => {
                if v.as_str() == Some("preprint") {
                    out.entry("genre").or_insert(json!("Preprint"));
                }
            }
            "institution" => {
                // Crossref: the preprint server or the report's institution.
                let names: Vec<String> = list_of(v)
                    .iter()
                    .filter_map(|i| i.get("name").and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()))
                    .map(str::to_string)
                    .collect();
                if let Some(first) = names.first() {
                    out.insert("archive".into(), json!(first));
                }
            }
            "relation" => {
                // The published version of a preprint, as a DOI.
                if let Some(d) = v
                    .get("is-preprint-of")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter(|r| r.get("id-type").and_then(Value::as_str) == Some("doi"))
                    .find_map(|r| r.get("id").and_then(Value::as_str).and_then(|d| ident::normalize_doi(d).ok()))
                {
                    out.insert("published-doi".into(), json!(d));
                }
            }
            "reference" => {
                let list = list_of(v);
                let before = references.len();
                references.extend(list.iter().filter_map(|r| crossref_reference(r)));
                let dropped = list.len() - (references.len() - before);
                if dropped > 0 {
                    warnings.push(format!("{dropped} reference(s) with nothing to cite by (no text, title or DOI) dropped"));
                }
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    // ISBN / ISSN from the typed lists when the plain ones are missing.
    for (plain, typed) in [("ISBN", "isbn-type"), ("ISSN", "issn-type")] {
        if !out.contains_key(plain) {
            let vals: Vec<Value> = list_of(item.get(typed).unwrap_or(&Value::Null))
                .iter()
                .filter_map(|t| t.get("value").cloned())
                .collect();
            if !vals.is_empty() {
                out.insert(plain.into(), Value::Array(vals));
            }
        }
    }
    if let Some(sub) = subtitle {
        join_subtitle(&mut out, &sub);
    }
    // Titles that only DataCite/Crossref's alternates provide.
    if out.get("title").is_none_or(|t| t.as_str().is_none_or(|s| s.trim().is_empty())) {
        for alt in ["original-title", "title-short"] {
            if let Some(t) = out.get(alt).and_then(Value::as_str).map(str::to_string) {
                warnings.push(format!("no title; used the {alt} {t:?}"));
                out.insert("title".into(), json!(t));
                break;
            }
        }
    }
    if out.get("page").is_none() {
        if let Some(p) = out.get("page-first").cloned() {
            out.insert("page".into(), p);
        }
    }
    // issued: the record's own, else the first usable stand-in.
    if let Some(d) = out.get("issued").and_then(clean_date) {
        out.insert("issued".into(), d);
    } else {
        if out.remove("issued").is_some() {
            warnings.push("the issued date is unusable".into());
        }
        fallback_dates.sort_by_key(|(name, _)| ISSUED_FALLBACKS.iter().position(|x| x == name));
        if let Some((name, d)) = fallback_dates.iter().find_map(|(name, v)| clean_date(v).map(|d| (*name, d))) {
            warnings.push(format!("no issued date; used {name}"));
            out.insert("issued".into(), d);
        }
    }
    if !crossref {
        datacite_quirks(&mut out);
    }
    (out, references)
}

/// DataCite's CSL-JSON writes the repository (Zenodo, figshare) as the
/// container of a "journal article" and calls most texts `article-journal`:
/// a container title equal to the publisher is the repository again and is
/// dropped, and an `article-journal` without a journal is an `article`.
fn datacite_quirks(out: &mut Map<String, Value>) {
    let publisher = out.get("publisher").and_then(Value::as_str).map(str::to_lowercase);
    let container = out.get("container-title").and_then(Value::as_str).map(str::to_lowercase);
    if container.is_some() && container == publisher {
        out.remove("container-title");
    }
    if out.get("type").and_then(Value::as_str) == Some("article-journal") && !out.contains_key("container-title") {
        out.insert("type".into(), json!("article"));
    }
}

fn join_subtitle(out: &mut Map<String, Value>, sub: &str) {
    let sub = sub.trim();
    if sub.is_empty() {
        return;
    }
    match out.get("title").and_then(Value::as_str) {
        Some(t) if t.to_lowercase().contains(&sub.to_lowercase()) => {}
        Some(t) => {
            let t = t.trim_end();
            let sep = if t.ends_with(['?', '!', ':', '.']) { " " } else { ": " };
            let joined = format!("{t}{sep}{sub}");
            out.insert("title".into(), json!(joined));
        }
        None => {
            out.insert("title".into(), json!(sub));
        }
    }
}

fn choose_license(v: &Value) -> Option<String> {
    if let Some(s) = v.as_str() {
        return Some(s.trim().to_string()).filter(|s| !s.is_empty());
    }
    let list = list_of(v);
    let url_of = |l: &Value| l.get("URL").and_then(Value::as_str).map(|s| s.trim().to_string());
    let version = |l: &Value| l.get("content-version").and_then(Value::as_str).unwrap_or("").to_string();
    for want in ["vor", "unspecified", "am"] {
        if let Some(u) = list.iter().filter(|l| version(l) == want).find_map(|l| url_of(l)) {
            return Some(u);
        }
    }
    list.iter().filter_map(|l| url_of(l)).find(|u| u.contains("creativecommons.org"))
}

/// A Crossref `reference` entry as a [`Reference`]; `None` when it has nothing to cite by.
pub(crate) fn crossref_reference(r: &Value) -> Option<Reference> {
    let s = |k: &str| r.get(k).and_then(scalar).map(|x| plain(&x)).filter(|x| !x.is_empty());
    let doi = s("DOI").and_then(|d| ident::normalize_doi(&d).ok());
    let article_title = s("article-title");
    let journal = s("journal-title");
    let volume_title = s("volume-title");
    let series = s("series-title");
    let author = s("author");
    let year = s("year");
    let text = match s("unstructured") {
        Some(u) => u,
        None => {
            let mut bits = Vec::new();
            if let Some(a) = &author {
                bits.push(a.clone());
            }
            if let Some(y) = &year {
                bits.push(format!("({y})"));
            }
            for t in [&article_title, &journal, &volume_title, &series].into_iter().flatten() {
                bits.push(t.clone());
            }
            let mut vol = String::new();
            if let Some(v) = s("volume") {
                vol.push_str(&v);
            }
            if let Some(i) = s("issue") {
                vol.push_str(&format!("({i})"));
            }
            if let Some(p) = s("first-page") {
                vol.push_str(&if vol.is_empty() { p } else { format!(", {p}") });
            }
            if !vol.is_empty() {
                bits.push(vol);
            }
            if let Some(d) = &doi {
                bits.push(format!("doi:{d}"));
            } else if let Some(d) = s("DOI") {
                bits.push(format!("doi:{d}"));
            }
            bits.join(". ")
        }
    };
    if text.is_empty() {
        return None;
    }
    let structured = doi.is_some() || article_title.is_some() || volume_title.is_some();
    let work = structured.then(|| {
        let work_type = match (&article_title, &journal, &volume_title) {
            (Some(_), Some(_), _) | (None, Some(_), None) => "article-journal",
            (Some(_), None, Some(_)) => "chapter",
            (None, _, Some(_)) => "book",
            _ => "document",
        };
        let mut w = Work::new(work_type);
        w.title = article_title.clone().or_else(|| if work_type == "book" { volume_title.clone() } else { None });
        let container = match work_type {
            "article-journal" => journal.clone(),
            "chapter" => volume_title.clone(),
            _ => None,
        };
        if let Some(c) = container {
            w.extra.insert("container-title".into(), json!(c));
        }
        if let Some(se) = &series {
            w.extra.insert("collection-title".into(), json!(se));
        }
        if let Some(a) = &author {
            w.creators.push(Creator { role: "author".into(), literal: Some(a.clone()), ..Creator::default() });
        }
        if let Some(y) = &year {
            w.issued = Some(Date::parse_text(y));
        }
        w.volume = s("volume");
        w.issue = s("issue");
        w.page = s("first-page");
        w.edition = s("edition");
        w.doi = doi.clone();
        if let Some(i) = s("ISBN").and_then(|i| ident::normalize_isbn(&i).ok()) {
            w.isbn.push(i);
        }
        if let Some(i) = s("ISSN") {
            w.issn.push(ident::normalize_issn(&i).unwrap_or(i));
        }
        ibid_core::csl::split(w.clone()).unwrap_or(w)
    });
    Some(Reference { label: s("key"), text, doi, work })
}

// ---------------------------------------------------------------------------
// The last step every mapper shares: a flat CSL-JSON item → Mapped.

/// Checks a flat CSL-JSON item for what core would reject although the data
/// is merely odd, then reads it with [`ibid_core::csl::work_from_csl`] and
/// shapes its container chain with [`ibid_core::csl::split`]. `what` names
/// the source in error messages.
pub(crate) fn finish(
    mut item: Map<String, Value>,
    references: Vec<Reference>,
    mut warnings: Vec<String>,
    what: &str,
) -> Result<Mapped, MapError> {
    sanitize(&mut item, &mut warnings);
    if item.get("title").and_then(Value::as_str).is_none_or(|t| t.trim().is_empty()) {
        return Err(MapError::new(format!("the {what} record has no title")));
    }
    let work = ibid_core::csl::work_from_csl(&Value::Object(item))
        .map_err(|e| MapError::new(format!("the {what} record cannot be read: {e}")))?;
    let work = ibid_core::csl::split(work).map_err(|e| MapError::new(format!("the {what} record cannot be split: {e}")))?;
    Ok(Mapped { work, references, warnings })
}

/// Makes a flat item acceptable to core: a known type, a valid DOI, valid
/// ISBNs, numeric dates, name lists of objects, string titles.
fn sanitize(item: &mut Map<String, Value>, warnings: &mut Vec<String>) {
    let raw_type = item.get("type").and_then(Value::as_str).unwrap_or("").to_string();
    let t = csl_type(&raw_type).unwrap_or_else(|| {
        warnings.push(if raw_type.is_empty() {
            "no type; used \"document\"".to_string()
        } else {
            format!("unknown type {raw_type:?}; used \"document\"")
        });
        "document"
    });
    item.insert("type".into(), json!(t));
    if let Some(d) = item.get("DOI").cloned() {
        match d.as_str().map(ident::normalize_doi) {
            Some(Ok(n)) => {
                item.insert("DOI".into(), json!(n));
            }
            _ => {
                warnings.push(format!("dropped a DOI that is not one: {d}"));
                item.remove("DOI");
            }
        }
    }
    if let Some(v) = item.get("ISBN").cloned() {
        let mut good = Vec::new();
        for s in identifier_list(&v) {
            match ident::normalize_isbn(&s) {
                Ok(n) if !good.contains(&json!(n)) => good.push(json!(n)),
                Ok(_) => {}
                Err(_) => warnings.push(format!("dropped an ISBN that does not check: {s:?}")),
            }
        }
        if good.is_empty() {
            item.remove("ISBN");
        } else {
            item.insert("ISBN".into(), Value::Array(good));
        }
    }
    if let Some(v) = item.get("ISSN").cloned() {
        let list: Vec<Value> = identifier_list(&v).into_iter().map(Value::String).collect();
        if list.is_empty() {
            item.remove("ISSN");
        } else {
            item.insert("ISSN".into(), Value::Array(list));
        }
    }
    let date_keys: Vec<String> = item
        .keys()
        .filter(|k| k.as_str() == "issued" || k.ends_with("-date") || *k == "submitted" || *k == "accessed")
        .cloned()
        .collect();
    for k in date_keys {
        match item.get(&k).and_then(clean_date) {
            Some(d) => {
                item.insert(k, d);
            }
            None => {
                if let Some(v) = item.remove(&k) {
                    warnings.push(format!("dropped the unusable date {k}: {v}"));
                }
            }
        }
    }
    for role in ROLES {
        if let Some(v) = item.get(*role).cloned() {
            let names = clean_names(role, &v, warnings);
            if names.is_empty() {
                item.remove(*role);
            } else {
                item.insert((*role).to_string(), Value::Array(names));
            }
        }
    }
    if let Some(Value::Array(a)) = item.get("title") {
        if let Some(t) = a.iter().find_map(|x| x.as_str().map(str::to_string)) {
            item.insert("title".into(), json!(t));
        }
    }
    // Blank strings say nothing.
    item.retain(|_, v| !matches!(v, Value::String(s) if s.trim().is_empty()) && !matches!(v, Value::Null));
}

/// A CSL type for a type name found in the wild: CSL and Crossref names
/// (core's [`normalize_type`]) and a few more.
pub(crate) fn csl_type(t: &str) -> Option<&'static str> {
    normalize_type(t).or_else(|| {
        Some(match t.trim().to_ascii_lowercase().replace(['_', ' '], "-").as_str() {
            "database" => "dataset",
            "computer-program" | "software-source-code" => "software",
            "text" => "document",
            "audiovisual" | "video" | "film" => "motion_picture",
            "sound" | "audio" => "song",
            "image" => "graphic",
            "journal-article" => "article-journal",
            "conference-paper" => "paper-conference",
            "book-chapter" => "chapter",
            "web-page" | "website" => "webpage",
            "blog-post" | "blogposting" => "post-weblog",
            _ => return None,
        })
    })
}

fn identifier_list(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a.iter().filter_map(scalar).map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
        other => scalar(other)
            .map(|s| s.split([',', ';']).map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect())
            .unwrap_or_default(),
    }
}

/// A CSL date object with only numeric parts (nulls and junk dropped), or
/// `None` when nothing usable is left. Strings are parsed as free text.
pub(crate) fn clean_date(v: &Value) -> Option<Value> {
    match v {
        Value::String(s) => parse_free_date(s),
        Value::Object(o) => {
            let mut out = Map::new();
            if let Some(Value::Array(ranges)) = o.get("date-parts") {
                let mut parts = Vec::new();
                for r in ranges {
                    let Value::Array(bits) = r else { continue };
                    let mut nums = Vec::new();
                    for b in bits {
                        let n = match b {
                            Value::Number(n) => n.as_i64(),
                            Value::String(s) => s.trim().parse::<i64>().ok(),
                            _ => None,
                        };
                        match n {
                            Some(n) => nums.push(n),
                            None => break,
                        }
                    }
                    if !nums.is_empty() {
                        parts.push(nums);
                    }
                }
                if !parts.is_empty() {
                    out.insert("date-parts".into(), json!(parts));
                }
            }
            for k in ["season", "circa", "literal", "raw"] {
                if let Some(x) = o.get(k).filter(|x| !x.is_null()) {
                    out.insert(k.into(), x.clone());
                }
            }
            if !out.contains_key("date-parts") {
                if let Some(raw) = o.get("raw").and_then(Value::as_str) {
                    return parse_free_date(raw);
                }
                if !out.contains_key("literal") {
                    return None;
                }
            }
            Some(Value::Object(out))
        }
        _ => None,
    }
}

/// A CSL name list made of objects: a single object is wrapped, a string is
/// a literal name, `name` without other parts is `literal`; bookkeeping
/// (`sequence`, `authenticated-orcid`, empty affiliation lists) is dropped.
fn clean_names(role: &str, v: &Value, warnings: &mut Vec<String>) -> Vec<Value> {
    let mut out = Vec::new();
    for n in list_of(v) {
        match n {
            Value::String(s) if !s.trim().is_empty() => out.push(json!({ "literal": squash_ws(s) })),
            Value::Object(o) => {
                let mut c = Map::new();
                for (k, v) in o {
                    match (k.as_str(), v) {
                        ("sequence" | "authenticated-orcid", _) => {}
                        (_, Value::Null) => {}
                        ("family" | "given" | "literal" | "suffix" | "non-dropping-particle" | "dropping-particle", Value::String(s)) => {
                            let s = decode_entities(&squash_ws(s));
                            if !s.is_empty() {
                                c.insert(k.clone(), json!(s));
                            }
                        }
                        ("name", Value::String(s)) => {
                            let s = decode_entities(&squash_ws(s));
                            if !s.is_empty() {
                                c.insert("name".into(), json!(s));
                            }
                        }
                        ("affiliation", Value::Array(a)) => {
                            let affs: Vec<Value> = a
                                .iter()
                                .filter_map(|x| match x {
                                    Value::String(s) => Some(squash_ws(s)).filter(|s| !s.is_empty()).map(|s| json!({ "name": s })),
                                    Value::Object(_) => Some(x.clone()),
                                    _ => None,
                                })
                                .collect();
                            if !affs.is_empty() {
                                c.insert("affiliation".into(), Value::Array(affs));
                            }
                        }
                        ("ORCID", Value::String(s)) => {
                            if let Some(u) = orcid_url(s) {
                                c.insert("ORCID".into(), json!(u));
                            }
                        }
                        _ => {
                            c.insert(k.clone(), v.clone());
                        }
                    }
                }
                let has_parts = ["family", "given", "literal"].iter().any(|k| c.contains_key(*k));
                if let Some(name) = c.remove("name") {
                    if !has_parts {
                        c.insert("literal".into(), name);
                    } else {
                        c.insert("name".into(), name);
                    }
                }
                if ["family", "given", "literal"].iter().any(|k| c.contains_key(*k)) {
                    out.push(Value::Object(c));
                } else {
                    warnings.push(format!("dropped an {role} without a name: {}", Value::Object(o.clone())));
                }
            }
            Value::Null => {}
            other => warnings.push(format!("dropped an {role} that is not a name: {other}")),
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Small helpers the other mappers share.

/// `https://orcid.org/XXXX-XXXX-XXXX-XXXX` from any common ORCID form.
pub(crate) fn orcid_url(s: &str) -> Option<String> {
    let id: String = s.trim().rsplit('/').next()?.trim().to_string();
    let compact: Vec<char> = id.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    if compact.len() != 16 || !compact[..15].iter().all(char::is_ascii_digit) {
        return None;
    }
    let last = compact[15].to_ascii_uppercase();
    if !(last.is_ascii_digit() || last == 'X') {
        return None;
    }
    let s: String = compact[..15].iter().chain(std::iter::once(&last)).collect();
    Some(format!("https://orcid.org/{}-{}-{}-{}", &s[0..4], &s[4..8], &s[8..12], &s[12..16]))
}

/// Runs of white space (new lines included) as one space, trimmed.
pub(crate) fn squash_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A JATS or HTML fragment as plain text; plain text as it is (trimmed).
pub(crate) fn plain_text(s: &str) -> String {
    if s.contains('<') || s.contains('&') {
        crate::map::jats::to_text(s).trim().to_string()
    } else {
        s.trim().to_string()
    }
}

/// A list's elements; a single value as a one-element list; null as none.
pub(crate) fn list_of(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(a) => a.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// The first non-blank string of a string or a list of strings, trimmed.
pub(crate) fn first_string(v: &Value) -> Option<String> {
    list_of(v).into_iter().filter_map(scalar).map(|s| s.trim().to_string()).find(|s| !s.is_empty())
}

/// A string, or a number as a string.
pub(crate) fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Keywords as one CSL `keyword` string (`a, b, c`), repeats dropped.
pub(crate) fn keywords(v: &Value) -> Option<String> {
    let mut seen: Vec<String> = Vec::new();
    for k in list_of(v) {
        let k = match k {
            Value::Object(o) => o.get("subject").or_else(|| o.get("name")).and_then(Value::as_str).map(squash_ws),
            other => scalar(other).map(|s| squash_ws(&s)),
        };
        // Entities decoded; SQL's `\N` and other text without a letter or digit dropped.
        let k = k.map(|k| decode_entities(&k).trim_end_matches([',', ';']).trim().to_string());
        if let Some(k) = k.filter(|k| k.chars().any(char::is_alphanumeric) && k != "\\N") {
            if !seen.iter().any(|s| s.eq_ignore_ascii_case(&k)) {
                seen.push(k);
            }
        }
    }
    (!seen.is_empty()).then(|| seen.join(", "))
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

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/// A date written as free text as a CSL date object: `2005`, `2005-03-12`,
/// `March 2005`, `Mar 12, 2005`, `12 March 2005`, `2019 Oct 24`,
/// `2019 Sep-Oct` (a range), `2019 Spring` (a season), `c1997`, `[1997?]`.
/// Text with no year is kept as a `literal`; empty text is `None`.
pub(crate) fn parse_free_date(s: &str) -> Option<Value> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let iso = Date::parse_text(s.split('T').next().unwrap_or(s));
    if !iso.parts.is_empty() {
        return Some(iso.to_csl());
    }
    // `07.04.2017`: day, month, year.
    let dotted: Vec<&str> = s.split('.').collect();
    if let [d, m, y] = dotted.as_slice() {
        if let (Ok(d), Ok(m), Ok(y)) = (d.parse::<i32>(), m.parse::<i32>(), y.parse::<i32>()) {
            if y > 999 && (1..=12).contains(&m) && (1..=31).contains(&d) {
                return Some(json!({ "date-parts": [[y, m, d]] }));
            }
        }
    }
    // Tokens: runs of letters or of digits, and the dashes between them.
    let mut tokens: Vec<String> = Vec::new();
    let mut cur = String::new();
    for c in s.chars() {
        let same = cur.chars().next().is_some_and(|p| p.is_ascii_digit() == c.is_ascii_digit());
        if c.is_alphanumeric() && (cur.is_empty() || same) {
            cur.push(c);
        } else {
            if !cur.is_empty() {
                tokens.push(std::mem::take(&mut cur));
            }
            if c.is_alphanumeric() {
                cur.push(c);
            } else if matches!(c, '-' | '–' | '/') {
                tokens.push("-".into());
            }
        }
    }
    if !cur.is_empty() {
        tokens.push(cur);
    }
    let mut years = Vec::new();
    let mut months = Vec::new();
    let mut days = Vec::new();
    let mut season = None;
    let mut dash_between_months = false;
    for (i, t) in tokens.iter().enumerate() {
        let lower = t.to_lowercase();
        if let Ok(n) = t.parse::<i32>() {
            if t.len() == 4 && (1000..=2999).contains(&n) {
                years.push(n);
            } else if t.len() <= 2 && (1..=31).contains(&n) {
                days.push(n);
            }
        } else if lower.len() >= 3 && t.chars().all(char::is_alphabetic) {
            if let Some(m) = MONTHS.iter().position(|m| lower.starts_with(m)) {
                if i > 0 && tokens[i - 1] == "-" && !months.is_empty() {
                    dash_between_months = true;
                }
                months.push(m as i32 + 1);
            } else {
                season = match lower.as_str() {
                    "spring" => Some(1),
                    "summer" => Some(2),
                    "fall" | "autumn" => Some(3),
                    "winter" => Some(4),
                    _ => season,
                };
            }
        }
    }
    let Some(&year) = years.first() else {
        return Some(json!({ "literal": s }));
    };
    let mut first = vec![year];
    let mut parts = Vec::new();
    if let Some(&m) = months.first() {
        first.push(m);
        if months.len() == 1 && days.len() == 1 {
            first.push(days[0]);
        }
    }
    parts.push(first);
    if months.len() == 2 && dash_between_months {
        let y2 = years.get(1).copied().unwrap_or(year);
        parts.push(vec![y2, months[1]]);
    } else if months.is_empty() && years.len() == 2 && years[1] > year {
        parts.push(vec![years[1]]);
    }
    let mut o = Map::new();
    o.insert("date-parts".into(), json!(parts));
    if let (Some(se), true) = (season, months.is_empty()) {
        o.insert("season".into(), json!(se));
    }
    Some(Value::Object(o))
}

/// Lower-case particles that start a family name ("van", "de la").
const PARTICLES: &[&str] = &[
    "van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "des", "la", "le", "ten", "ter", "dos", "das",
    "zu", "vom", "zum", "op", "bin", "al", "el",
];
const SUFFIXES: &[&str] = &["jr", "jr.", "sr", "sr.", "ii", "iii", "iv"];
/// Words that make a display name an organisation's.
const ORG_WORDS: &[&str] = &[
    "press", "university", "universität", "université", "association", "society", "institute", "institut",
    "committee", "council", "department", "inc", "inc.", "ltd", "ltd.", "organization", "organisation",
    "foundation", "library", "museum", "agency", "office", "commission", "board", "group", "company",
    "corporation", "bureau", "center", "centre", "ministry", "consortium", "collaboration", "project",
    "team", "network", "publishing", "publishers", "survey", "service", "services", "laboratory", "lab",
];

/// A CSL name object from a display name: `Given Family` (`Ludwig van
/// Beethoven`, `Martin Luther King Jr.`) or `Family, Given[, Suffix]`.
/// One word, or a name with an organisation's word in it, is a `literal`.
pub(crate) fn display_name(s: &str) -> Option<Value> {
    let s = squash_ws(s);
    if s.is_empty() {
        return None;
    }
    let words: Vec<&str> = s.split(' ').collect();
    if words.len() == 1 || words.iter().any(|w| ORG_WORDS.contains(&w.to_lowercase().trim_matches(',')))
        || words.len() > 6
    {
        return Some(json!({ "literal": s }));
    }
    let mut o = Map::new();
    if s.contains(',') {
        let bits: Vec<&str> = s.split(',').map(str::trim).filter(|b| !b.is_empty()).collect();
        match bits.as_slice() {
            [family] => {
                o.insert("family".into(), json!(family));
            }
            [family, rest @ ..] => {
                o.insert("family".into(), json!(family));
                let (given, suffix): (Vec<&str>, Vec<&str>) =
                    rest.iter().partition(|b| !SUFFIXES.contains(&b.to_lowercase().as_str()));
                if !given.is_empty() {
                    o.insert("given".into(), json!(given.join(", ")));
                }
                if let Some(sfx) = suffix.first() {
                    o.insert("suffix".into(), json!(sfx));
                }
            }
            [] => return None,
        }
        return Some(Value::Object(o));
    }
    let mut words = words;
    if words.len() > 2 && SUFFIXES.contains(&words[words.len() - 1].to_lowercase().as_str()) {
        o.insert("suffix".into(), json!(words.pop().unwrap()));
    }
    let family = words.pop().expect("two words or more");
    let mut particles = Vec::new();
    while words.len() > 1 && PARTICLES.contains(&words[words.len() - 1]) {
        particles.insert(0, words.pop().unwrap());
    }
    o.insert("family".into(), json!(family));
    if !words.is_empty() {
        o.insert("given".into(), json!(words.join(" ")));
    }
    if !particles.is_empty() {
        o.insert("non-dropping-particle".into(), json!(particles.join(" ")));
    }
    Some(Value::Object(o))
}

/// A BCP 47 tag for an ISO 639-2 code as PubMed and some DataCite records
/// write them (`eng` → `en`); other values as they are.
pub(crate) fn language_tag(code: &str) -> String {
    let c = code.trim();
    let two = match c.to_ascii_lowercase().as_str() {
        "eng" => "en",
        "fre" | "fra" => "fr",
        "ger" | "deu" => "de",
        "spa" => "es",
        "ita" => "it",
        "por" => "pt",
        "dut" | "nld" => "nl",
        "rus" => "ru",
        "jpn" => "ja",
        "chi" | "zho" => "zh",
        "kor" => "ko",
        "pol" => "pl",
        "swe" => "sv",
        "dan" => "da",
        "nor" => "no",
        "fin" => "fi",
        "tur" => "tr",
        "heb" => "he",
        "ara" => "ar",
        "gre" | "ell" => "el",
        "cze" | "ces" => "cs",
        "hun" => "hu",
        "ukr" => "uk",
        "per" | "fas" => "fa",
        "hin" => "hi",
        "tha" => "th",
        "vie" => "vi",
        "ind" => "id",
        "cat" => "ca",
        "rum" | "ron" => "ro",
        "hrv" => "hr",
        "srp" => "sr",
        "slv" => "sl",
        "slo" | "slk" => "sk",
        "bul" => "bg",
        "lit" => "lt",
        "lav" => "lv",
        "est" => "et",
        "ice" | "isl" => "is",
        "afr" => "af",
        "lat" => "la",
        _ => return c.to_string(),
    };
    two.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_dates() {
        let d = |s: &str| parse_free_date(s).unwrap();
        assert_eq!(d("2005"), json!({"date-parts": [[2005]]}));
        assert_eq!(d("2005-03-12"), json!({"date-parts": [[2005, 3, 12]]}));
        assert_eq!(d("2019-03-20T02:32:02Z"), json!({"date-parts": [[2019, 3, 20]]}));
        assert_eq!(d("March 2005"), json!({"date-parts": [[2005, 3]]}));
        assert_eq!(d("Mar 12, 2005"), json!({"date-parts": [[2005, 3, 12]]}));
        assert_eq!(d("12 March 2005"), json!({"date-parts": [[2005, 3, 12]]}));
        assert_eq!(d("2019 Oct 24"), json!({"date-parts": [[2019, 10, 24]]}));
        assert_eq!(d("2019 Sep-Oct"), json!({"date-parts": [[2019, 9], [2019, 10]]}));
        assert_eq!(d("2019 Spring"), json!({"date-parts": [[2019]], "season": 1}));
        assert_eq!(d("c1997"), json!({"date-parts": [[1997]]}));
        assert_eq!(d("07.04.2017"), json!({"date-parts": [[2017, 4, 7]]}));
        assert_eq!(d("[1997?]"), json!({"date-parts": [[1997]]}));
        assert_eq!(d("n.d."), json!({"literal": "n.d."}));
        assert_eq!(parse_free_date("  "), None);
    }

    #[test]
    fn display_names() {
        let n = |s: &str| display_name(s).unwrap();
        assert_eq!(n("Mark Twain"), json!({"family": "Twain", "given": "Mark"}));
        assert_eq!(n("Ludwig van Beethoven"), json!({"family": "Beethoven", "given": "Ludwig", "non-dropping-particle": "van"}));
        assert_eq!(n("Martin Luther King Jr."), json!({"suffix": "Jr.", "family": "King", "given": "Martin Luther"}));
        assert_eq!(n("Twain, Mark"), json!({"family": "Twain", "given": "Mark"}));
        assert_eq!(n("King, Martin Luther, Jr."), json!({"family": "King", "given": "Martin Luther", "suffix": "Jr."}));
        assert_eq!(n("Plato"), json!({"literal": "Plato"}));
        assert_eq!(n("Oxford University Press"), json!({"literal": "Oxford University Press"}));
        assert_eq!(display_name(" "), None);
    }

    #[test]
    fn entities_orcids_languages() {
        assert_eq!(orcid_url("http://orcid.org/0000-0002-2728-300x").as_deref(), Some("https://orcid.org/0000-0002-2728-300X"));
        assert_eq!(orcid_url("0000000239786464").as_deref(), Some("https://orcid.org/0000-0002-3978-6464"));
        assert_eq!(orcid_url("https://orcid.org/"), None);
        assert_eq!(language_tag("eng"), "en");
        assert_eq!(language_tag("en-GB"), "en-GB");
    }

    #[test]
    fn odd_items_are_normalised_not_rejected() {
        let body = json!({
            "type": "journal-article",
            "title": ["A title"],
            "subtitle": ["and its subtitle"],
            "DOI": "not a doi",
            "ISBN": "978-981-13-8640-5",
            "issued": {"date-parts": [[null]]},
            "published-online": {"date-parts": [[2020, 5, 1]]},
            "author": {"name": "A Consortium", "sequence": "first", "affiliation": []},
            "container-title": ["Trends in Ecology &amp; Evolution"]
        });
        let m = work_from_item(&body).unwrap();
        assert_eq!(m.work.title.as_deref(), Some("A title: and its subtitle"));
        assert_eq!(m.work.doi, None);
        assert!(m.work.isbn.is_empty());
        assert_eq!(m.work.year(), Some(2020));
        assert_eq!(m.work.creators[0].literal.as_deref(), Some("A Consortium"));
        assert_eq!(m.work.parent.as_ref().unwrap().title.as_deref(), Some("Trends in Ecology & Evolution"));
        assert_eq!(m.warnings.len(), 4, "{:?}", m.warnings);
    }

    #[test]
    fn a_crossref_body_the_crossref_mapper_refuses_is_cleaned_instead() {
        // No "type": the Crossref mapper refuses it; the generic path reads it.
        let body = json!({
            "source": "Crossref",
            "title": "Untyped",
            "license": [
                {"URL": "http://www.springer.com/tdm", "content-version": "tdm"},
                {"URL": "http://creativecommons.org/licenses/by/4.0/", "content-version": "vor"}
            ],
            "reference": [{"key": "r1", "unstructured": "A. Author, A reference (2001)."}, {"key": "r2"}],
            "indexed": {"date-parts": [[2023, 1, 1]]},
            "published-print": {"date-parts": [[2001, 3]]}
        });
        let m = work_from_item(&body).unwrap();
        assert_eq!(m.work.work_type, "document");
        assert_eq!(m.work.year(), Some(2001));
        assert_eq!(m.work.extra["license"], "http://creativecommons.org/licenses/by/4.0/");
        assert!(!m.work.extra.contains_key("indexed"));
        assert_eq!(m.references.len(), 1);
        assert_eq!(m.references[0].text, "A. Author, A reference (2001).");
        assert_eq!(m.references[0].label.as_deref(), Some("r1"));
        assert!(m.warnings.iter().any(|w| w.contains("no type")), "{:?}", m.warnings);
        assert!(m.warnings.iter().any(|w| w.contains("1 reference(s) with nothing to cite by")), "{:?}", m.warnings);
    }

    #[test]
    fn unusable_bodies_are_errors() {
        assert!(work_from_body("").unwrap_err().message.contains("empty"));
        assert!(work_from_body("<html>").unwrap_err().message.contains("not valid JSON"));
        assert!(work_from_body("[]").unwrap_err().message.contains("empty"));
        assert!(work_from_body(r#"{"type": "article"}"#).unwrap_err().message.contains("no title"));
    }
}
