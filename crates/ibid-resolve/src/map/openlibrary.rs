//! Open Library Books API:
//! `GET https://openlibrary.org/api/books?bibkeys=ISBN:{isbn}&format=json&jscmd=data`.
//!
//! The body is an object keyed by the bibkey (`"ISBN:0451526538"`); an ISBN
//! Open Library does not know gives `{}`.
//!
//! Mapping decisions: type `book`; `title` with `subtitle` (`Title:
//! Subtitle`); `authors[].name` read as a display name (`Given Family`,
//! particles and `Jr.` recognised, organisations kept literal);
//! `publishers` → `publisher` and `publish_places` → `publisher-place`
//! (several joined with `; `); `publish_date` is free text (`March 2005`)
//! read by [`crate::map::csl::parse_free_date`]; `identifiers.isbn_10` /
//! `isbn_13` → `ISBN` (all, as 13 digits), `lccn`, `oclc` and the edition's
//! Open Library id → extra `lccn`, `oclc`, `openlibrary`; `number_of_pages`
//! → `number-of-pages`; `subjects` → `keyword`; `notes` → `note`;
//! `by_statement` → extra `by-statement`; `url` → `URL`; `edition_name`
//! (when present) → `edition`. Not mapped: excerpts, covers, ebooks,
//! links, classifications, weight, subject places/people/times.

use serde_json::{json, Map, Value};

use crate::map::csl::{display_name, finish, keywords, list_of, parse_free_date, scalar, squash_ws};
use crate::map::{MapError, Mapped};

/// True when the body holds no record: blank, `{}`, `[]` or `null`.
pub fn is_empty(body: &str) -> bool {
    match serde_json::from_str::<Value>(body.trim_start_matches('\u{feff}').trim()) {
        Ok(Value::Object(o)) => o.is_empty(),
        Ok(Value::Array(a)) => a.is_empty(),
        Ok(Value::Null) => true,
        Ok(_) => false,
        Err(_) => body.trim().is_empty(),
    }
}

/// Maps the Books API record for `isbn` (with or without the `ISBN:`
/// prefix, hyphens allowed). The body's key may be written differently
/// (ISBN-10 asked, ISBN-13 keyed): any `ISBN:` key naming the same book
/// matches.
pub fn work_from_body(body: &str, isbn: &str) -> Result<Mapped, MapError> {
    let wanted = isbn.trim().trim_start_matches("ISBN:").trim_start_matches("isbn:").trim().to_string();
    if is_empty(body) {
        return Err(MapError::not_found(format!("Open Library has no record for ISBN {wanted} (not found)")));
    }
    let v: Value = serde_json::from_str(body.trim_start_matches('\u{feff}'))
        .map_err(|e| MapError::new(format!("Open Library's body is not valid JSON: {e}")))?;
    let Value::Object(o) = v else {
        return Err(MapError::new("Open Library's body is not an object keyed by ISBN"));
    };
    let norm = |s: &str| ibid_core::ident::normalize_isbn(s).ok();
    let wanted_norm = norm(&wanted);
    let record = o.get(&format!("ISBN:{wanted}")).or_else(|| {
        o.iter()
            .find(|(k, _)| {
                let k = k.trim_start_matches("ISBN:");
                k == wanted || (wanted_norm.is_some() && norm(k) == wanted_norm)
            })
            .map(|(_, v)| v)
    });
    let Some(Value::Object(r)) = record else {
        let keys: Vec<&str> = o.keys().map(String::as_str).collect();
        return Err(MapError::not_found(format!(
            "Open Library has no record for ISBN {wanted} (not found; the body holds {})",
            keys.join(", ")
        )));
    };
    work_from_record(r)
}

/// Maps one Books API (`jscmd=data`) record.
pub fn work_from_record(r: &Map<String, Value>) -> Result<Mapped, MapError> {
    let get = |k: &str| r.get(k).unwrap_or(&Value::Null);
    let text = |k: &str| get(k).as_str().map(squash_ws).filter(|s| !s.is_empty());
    let names = |k: &str| -> Vec<String> {
        list_of(get(k))
            .into_iter()
            .filter_map(|p| match p {
                Value::Object(o) => o.get("name").and_then(Value::as_str).map(squash_ws),
                other => other.as_str().map(squash_ws),
            })
            .filter(|s| !s.is_empty())
            .collect()
    };
    let mut item = Map::new();
    item.insert("type".into(), json!("book"));
    let title = match (text("title"), text("subtitle")) {
        (Some(t), Some(s)) if !t.to_lowercase().contains(&s.to_lowercase()) => {
            Some(if t.ends_with(['?', '!', ':', '.']) { format!("{t} {s}") } else { format!("{t}: {s}") })
        }
        (t, _) => t,
    };
    if let Some(t) = title {
        item.insert("title".into(), json!(t));
    }
    let authors: Vec<Value> = names("authors").iter().filter_map(|n| display_name(n)).collect();
    if !authors.is_empty() {
        item.insert("author".into(), Value::Array(authors));
    }
    let publishers = names("publishers");
    if !publishers.is_empty() {
        item.insert("publisher".into(), json!(publishers.join("; ")));
    }
    let places = names("publish_places");
    if !places.is_empty() {
        item.insert("publisher-place".into(), json!(places.join("; ")));
    }
    if let Some(d) = text("publish_date").and_then(|d| parse_free_date(&d)) {
        item.insert("issued".into(), d);
    }
    if let Some(e) = text("edition_name") {
        item.insert("edition".into(), json!(e));
    }
    let ids = get("identifiers");
    let id_list = |k: &str| -> Vec<String> {
        list_of(ids.get(k).unwrap_or(&Value::Null)).into_iter().filter_map(scalar).map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
    };
    let mut isbns = id_list("isbn_13");
    isbns.extend(id_list("isbn_10"));
    if !isbns.is_empty() {
        item.insert("ISBN".into(), json!(isbns));
    }
    if let Some(u) = text("url") {
        item.insert("URL".into(), json!(u));
    }
    if let Some(n) = get("number_of_pages").as_u64().map(|n| n.to_string()).or_else(|| text("number_of_pages")) {
        item.insert("number-of-pages".into(), json!(n));
    }
    if let Some(k) = keywords(get("subjects")) {
        item.insert("keyword".into(), json!(k));
    }
    let note = match get("notes") {
        Value::Object(o) => o.get("value").and_then(Value::as_str).map(|s| s.trim().to_string()),
        other => other.as_str().map(|s| s.trim().to_string()),
    };
    if let Some(n) = note.filter(|n| !n.is_empty()) {
        item.insert("note".into(), json!(n));
    }
    if let Some(b) = text("by_statement") {
        item.insert("by-statement".into(), json!(b));
    }
    for (src, dst) in [("lccn", "lccn"), ("oclc", "oclc"), ("openlibrary", "openlibrary")] {
        let l = id_list(src);
        if !l.is_empty() {
            item.insert(dst.into(), json!(l.join(", ")));
        }
    }
    if !item.contains_key("openlibrary") {
        if let Some(k) = text("key").and_then(|k| k.rsplit('/').next().map(str::to_string)) {
            item.insert("openlibrary".into(), json!(k));
        }
    }
    finish(item, Vec::new(), Vec::new(), "Open Library")
}
