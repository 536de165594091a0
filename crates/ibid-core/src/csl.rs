//! CSL-JSON in and out, and containment.
//!
//! A flat CSL-JSON item (a chapter with `container-title`, `editor`, `ISBN`,
//! `collection-title`…) is split into a chain of records: the chapter, its
//! book, the book's series. Going out, [`flatten`] derives the flat item from
//! the chain again. The invariant, tested on every fixture:
//! `flatten(split(item)) == item` up to the normalizations listed in
//! `docs/decisions/0001-record-model-and-schema.md`.

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::ident;
use crate::model::{normalize_type, Creator, Date, Work, ROLES, STRING_FIELDS};

/// What kind of container a work's `container-title` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerKind {
    Book,
    Periodical,
    Series,
}

/// The container kind a work of this type has, if its container is a record.
pub fn container_kind(work_type: &str) -> Option<ContainerKind> {
    match work_type {
        "chapter" | "entry" | "entry-dictionary" | "entry-encyclopedia" | "paper-conference" => {
            Some(ContainerKind::Book)
        }
        "article-journal" | "article-magazine" | "article-newspaper" | "review" | "review-book" => {
            Some(ContainerKind::Periodical)
        }
        "book" | "report" | "thesis" => Some(ContainerKind::Series),
        _ => None,
    }
}

/// Why an item that fails [`identifies_a_work`] is refused.
pub const NOTHING_TO_KNOW_IT_BY: &str =
    "no \"title\", and no creator, \"DOI\", \"ISBN\", \"URL\" or \"container-title\" to know the work by";

/// Whether a flat CSL-JSON item says enough to be a work in the library: a
/// title, or failing that a creator, an identifier (DOI, ISBN, URL) or the
/// title of what contains it. Files in the wild hold untitled records that
/// are still works (a BibTeX `@book` with author, publisher and ISBN but the
/// title left out; a web page known by its URL): they are kept, and sort and
/// display by what they have. A record with none of these (an entry holding
/// only a note) is refused with [`NOTHING_TO_KNOW_IT_BY`].
pub fn identifies_a_work(item: &Map<String, Value>) -> bool {
    let text = |k: &str| match item.get(k) {
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Array(a)) => a.iter().any(|v| v.as_str().is_some_and(|s| !s.trim().is_empty())),
        Some(Value::Number(_)) => true,
        _ => false,
    };
    ["title", "DOI", "ISBN", "URL", "container-title", "collection-title"].iter().any(|k| text(k))
        || ROLES.iter().any(|r| matches!(item.get(*r), Some(Value::Array(a)) if !a.is_empty()))
}

/// Reads one CSL-JSON item into a work (no containment yet: see [`split`]).
/// Every error in the item is reported at once.
pub fn work_from_csl(item: &Value) -> Result<Work> {
    let Value::Object(o) = item else {
        return Err(Error::invalid(format!("an item must be a JSON object, not {}", kind_of(item))));
    };
    let mut errors = Vec::new();
    let raw_type = o.get("type").and_then(Value::as_str).unwrap_or("");
    let work_type = match normalize_type(raw_type) {
        Some(t) => t,
        None if raw_type.is_empty() => {
            errors.push("missing \"type\"".to_string());
            "document"
        }
        None => {
            errors.push(format!("unknown type {raw_type:?}"));
            "document"
        }
    };
    let mut w = Work::new(work_type);
    for (k, v) in o {
        let res: Result<()> = (|| {
            match k.as_str() {
                "type" => {}
                "id" => {
                    // The source's own id. A citation-key-like id is kept as
                    // the citation key; a URL id is the DOI again (dropped).
                    if let Some(id) = scalar_string(v) {
                        let key_like = !id.is_empty() && !id.contains(['/', ':', ' ']);
                        if key_like && !o.contains_key("citation-key") {
                            w.citation_key = Some(id);
                        } else if !key_like && !looks_like_doi_url(&id, o.get("DOI")) {
                            w.extra.insert("source-id".into(), Value::String(id));
                        }
                    }
                }
                "DOI" => {
                    if let Some(s) = scalar_string(v).filter(|s| !s.is_empty()) {
                        w.doi = Some(ident::normalize_doi(&s)?);
                    }
                }
                "ISBN" => {
                    for s in string_list(v) {
                        let n = ident::normalize_isbn(&s)?;
                        if !w.isbn.contains(&n) {
                            w.isbn.push(n);
                        }
                    }
                }
                "ISSN" => {
                    for s in string_list(v) {
                        // A bad ISSN check digit is common in the wild: keep it as written.
                        let n = ident::normalize_issn(&s).unwrap_or(s);
                        if !w.issn.contains(&n) {
                            w.issn.push(n);
                        }
                    }
                }
                "issued" => w.issued = Some(Date::from_csl(v)?),
                "container-title" | "container-title-short" | "collection-title" => match v {
                    // Crossref writes these as lists; an empty list says nothing.
                    Value::Array(a) if a.is_empty() => {}
                    Value::Array(a) if a.len() == 1 && a[0].is_string() => {
                        w.extra.insert(k.clone(), a[0].clone());
                    }
                    other => {
                        w.extra.insert(k.clone(), other.clone());
                    }
                },
                name if ROLES.contains(&name) => {
                    let Value::Array(list) = v else {
                        return Err(Error::invalid(format!("\"{name}\" must be a list of names")));
                    };
                    for n in list {
                        w.creators.push(Creator::from_csl(name, n)?);
                    }
                }
                name if STRING_FIELDS.contains(&name) => match (scalar_string(v), v) {
                    (Some(s), _) => *w.string_field_mut(name).expect("listed field") = Some(s),
                    // "title": ["A", "B"] (Crossref): the first is the title; keep all.
                    (None, Value::Array(a)) if name == "title" && !a.is_empty() => {
                        w.title = scalar_string(&a[0]);
                        if a.len() > 1 {
                            w.extra.insert("title-all".into(), v.clone());
                        }
                    }
                    (None, Value::Array(a)) if a.is_empty() => {}
                    _ => {
                        w.extra.insert(name.to_string(), v.clone());
                    }
                },
                _ => {
                    w.extra.insert(k.clone(), v.clone());
                }
            }
            Ok(())
        })();
        if let Err(e) = res {
            errors.push(format!("{k}: {e}"));
        }
    }
    if !identifies_a_work(o) {
        errors.push(NOTHING_TO_KNOW_IT_BY.to_string());
    }
    if errors.is_empty() {
        Ok(w)
    } else {
        Err(Error::invalid(errors.join("; ")))
    }
}

fn looks_like_doi_url(id: &str, doi: Option<&Value>) -> bool {
    match (ident::normalize_doi(id), doi.and_then(Value::as_str).map(ident::normalize_doi)) {
        (Ok(a), Some(Ok(b))) => a == b,
        (Ok(_), None) => true,
        _ => false,
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

/// A string, or a number written as a string (CSL allows `"volume": 12`).
fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn string_list(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a.iter().filter_map(scalar_string).collect(),
        other => scalar_string(other)
            .map(|s| s.split([',', ' ']).filter(|x| !x.is_empty()).map(str::to_string).collect())
            .unwrap_or_default(),
    }
}

/// One of the work's own CSL-JSON variables (no inheritance).
pub fn own_field(w: &Work, k: &str) -> Option<Value> {
    match k {
        "type" => Some(Value::String(if w.work_type == "series" { "book".into() } else { w.work_type.clone() })),
        "issued" => w.issued.as_ref().map(Date::to_csl),
        "ISBN" => (!w.isbn.is_empty()).then(|| serde_json::json!(w.isbn)),
        "ISSN" => (!w.issn.is_empty()).then(|| serde_json::json!(w.issn)),
        role if ROLES.contains(&role) => {
            let names: Vec<Value> = w.creators_in(role).map(Creator::to_csl).collect();
            (!names.is_empty()).then_some(Value::Array(names))
        }
        f if STRING_FIELDS.contains(&f) => w.string_field(f).map(|v| Value::String(v.to_string())),
        other => w.extra.get(other).cloned(),
    }
}

/// The work's own CSL-JSON variables (no inheritance, no `id`).
pub fn own_csl(w: &Work) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("type".into(), Value::String(if w.work_type == "series" { "book".into() } else { w.work_type.clone() }));
    for name in STRING_FIELDS {
        if let Some(v) = w.string_field(name) {
            o.insert((*name).to_string(), Value::String(v.to_string()));
        }
    }
    if let Some(d) = &w.issued {
        o.insert("issued".into(), d.to_csl());
    }
    if !w.isbn.is_empty() {
        o.insert("ISBN".into(), serde_json::json!(w.isbn));
    }
    if !w.issn.is_empty() {
        o.insert("ISSN".into(), serde_json::json!(w.issn));
    }
    for role in ROLES {
        let names: Vec<Value> = w.creators_in(role).map(Creator::to_csl).collect();
        if !names.is_empty() {
            o.insert((*role).to_string(), Value::Array(names));
        }
    }
    for (k, v) in &w.extra {
        o.insert(k.clone(), v.clone());
    }
    o
}

/// The variables a work inherits from its container chain.
pub fn inherited(work_type: &str, parent: &Work) -> Map<String, Value> {
    let mut o = Map::new();
    let Some(kind) = container_kind(work_type) else { return o };
    let mut take = |from: &Work, src: &str, dst: &str| {
        if let Some(v) = own_field(from, src) {
            o.insert(dst.to_string(), v);
        }
    };
    match kind {
        ContainerKind::Periodical => {
            take(parent, "title", "container-title");
            take(parent, "title-short", "container-title-short");
            take(parent, "ISSN", "ISSN");
        }
        ContainerKind::Book => {
            take(parent, "title", "container-title");
            take(parent, "title-short", "container-title-short");
            take(parent, "editor", "editor");
            take(parent, "author", "container-author");
            for f in ["ISBN", "publisher", "publisher-place", "edition", "issued", "collection-number"] {
                take(parent, f, f);
            }
            if let Some(series) = &parent.parent {
                take(series, "title", "collection-title");
                take(series, "editor", "collection-editor");
            }
        }
        ContainerKind::Series => {
            take(parent, "title", "collection-title");
            take(parent, "editor", "collection-editor");
        }
    }
    o
}

/// The work's date as it is shown: its own, else the one its container supplies.
pub fn effective_issued(w: &Work) -> Option<Date> {
    if let Some(d) = &w.issued {
        return Some(d.clone());
    }
    let p = w.parent.as_deref()?;
    inherited(&w.work_type, p).get("issued").and_then(|v| Date::from_csl(v).ok())
}

/// The flat CSL-JSON item: the work's own variables, and whatever its
/// container chain supplies that the work does not override.
pub fn flatten(w: &Work) -> Map<String, Value> {
    let mut o = own_csl(w);
    if let Some(p) = &w.parent {
        for (k, v) in inherited(&w.work_type, p) {
            o.entry(k).or_insert(v);
        }
    }
    o
}

/// Splits a flat work into its container chain: builds the container record
/// (and a series above a book) from the flat variables and sets it as
/// `parent`. The child keeps every variable; the store removes those its
/// actual parent supplies ([`strip_inherited`]) once the parent is matched
/// against the library or inserted.
pub fn split(mut w: Work) -> Result<Work> {
    let Some(kind) = container_kind(&w.work_type) else { return Ok(w) };
    let ex = &w.extra;
    let has = |k: &str| ex.get(k).is_some_and(Value::is_string);
    let parent = match kind {
        ContainerKind::Periodical if has("container-title") => {
            let mut p = Work::new("periodical");
            p.title = str_of(&w.extra, "container-title");
            p.title_short = str_of(&w.extra, "container-title-short");
            p.issn = w.issn.clone();
            Some(p)
        }
        ContainerKind::Book if has("container-title") => {
            let mut b = Work::new("book");
            b.title = str_of(&w.extra, "container-title");
            b.title_short = str_of(&w.extra, "container-title-short");
            b.isbn = w.isbn.clone();
            b.publisher = w.publisher.clone();
            b.publisher_place = w.publisher_place.clone();
            b.edition = w.edition.clone();
            b.issued = w.issued.clone();
            for c in w.creators.iter() {
                match c.role.as_str() {
                    "editor" => b.creators.push(c.clone()),
                    "container-author" => b.creators.push(Creator { role: "author".into(), ..c.clone() }),
                    _ => {}
                }
            }
            if let Some(n) = w.extra.get("collection-number") {
                b.extra.insert("collection-number".into(), n.clone());
            }
            if has("collection-title") {
                b.parent = Some(Box::new(series_from(&w)));
            }
            Some(b)
        }
        ContainerKind::Series if has("collection-title") => Some(series_from(&w)),
        _ => None,
    };
    w.parent = parent.map(Box::new);
    Ok(w)
}

fn series_from(w: &Work) -> Work {
    let mut s = Work::new("series");
    s.title = str_of(&w.extra, "collection-title");
    s.creators = w
        .creators_in("collection-editor")
        .map(|c| Creator { role: "editor".into(), ..c.clone() })
        .collect();
    s
}

fn str_of(m: &Map<String, Value>, k: &str) -> Option<String> {
    m.get(k).and_then(Value::as_str).map(str::to_string)
}

/// Removes from `w` every variable whose value its parent chain supplies
/// identically, so that it is stored once (on the container).
pub fn strip_inherited(w: &mut Work) {
    let Some(p) = w.parent.as_deref() else { return };
    let inh = inherited(&w.work_type, p);
    for (k, v) in inh {
        if own_field(w, &k).as_ref() != Some(&v) {
            continue;
        }
        if ROLES.contains(&k.as_str()) {
            w.creators.retain(|c| c.role != k);
        } else if let Some(slot) = w.string_field_mut(&k) {
            *slot = None;
        } else {
            match k.as_str() {
                "ISBN" => w.isbn.clear(),
                "ISSN" => w.issn.clear(),
                "issued" => w.issued = None,
                _ => {
                    w.extra.remove(&k);
                }
            }
        }
    }
}

/// Parses a CSL-JSON document: an array of items or one item. Items are
/// converted one at a time as the iterator is consumed (the document is
/// only split into raw items up front), so memory stays near the size of
/// the text; each item gives its own result, so one bad item does not hide
/// the others.
pub fn parse_document(text: &str) -> Result<impl ExactSizeIterator<Item = Result<Work>> + '_> {
    use serde_json::value::RawValue;
    let text = text.trim_start_matches('\u{feff}');
    let bad_json = |e: serde_json::Error| Error::invalid(format!("not valid JSON: {e}"));
    let items: Vec<&RawValue> = match text.trim_start().as_bytes().first() {
        Some(b'[') => serde_json::from_str(text).map_err(bad_json)?,
        Some(b'{') => vec![serde_json::from_str(text).map_err(bad_json)?],
        _ => {
            let v: Value = serde_json::from_str(text).map_err(bad_json)?;
            return Err(Error::invalid(format!(
                "CSL-JSON must be a list of items or one item, not {}",
                kind_of(&v)
            )));
        }
    };
    Ok(items.into_iter().map(|raw| {
        let v: Value = serde_json::from_str(raw.get())?;
        work_from_csl(&v).and_then(split)
    }))
}