//! arXiv API: `GET http://export.arxiv.org/api/query?id_list={id}` (Atom 1.0).
//!
//! Mapping decisions:
//! * Type `article` (CSL's type for preprints), `publisher` and `archive`
//!   `arXiv`, `number` and extra `arxiv` the identifier without its version
//!   (`2101.00001`, `hep-th/0508218`), `version` the version the metadata
//!   describes (the entry's id ends in `v3`).
//! * `DOI` is arXiv's own DOI for the preprint, `10.48550/arxiv.{id}`
//!   (registered with DataCite for every paper). The DOI the authors give
//!   for the published version (`arxiv:doi`) belongs to another record, the
//!   journal article: it is kept as extra `published-doi`, and
//!   `arxiv:journal_ref` as extra `journal-ref` (both as the source wrote
//!   them, the DOI normalised), so the two records can be linked but are not
//!   confused (a shared DOI would make them one work to the library).
//! * `published` (the date of version 1) → `issued`; `updated` (the date of
//!   the version described) → extra `updated` (`YYYY-MM-DD`).
//! * Title and summary with white space normalised (arXiv wraps lines);
//!   summary → `abstract`. `arxiv:comment` → `note`.
//! * Authors' names are display names (`Given Family`); `arxiv:affiliation`
//!   → `affiliation: [{"name": …}]`.
//! * Categories → `keyword` (primary first).
//! * `URL` is the abstract page without version
//!   (`https://arxiv.org/abs/{id}`); the PDF link → extra `pdf-url`.
//! * A feed with no entry, or arXiv's error entry (title `Error`, id under
//!   `arxiv.org/api/errors`), is a [`MapError`] with arXiv's message.

use roxmltree::{Document, Node};
use serde_json::{json, Map, Value};

use crate::map::csl::{display_name, finish, parse_free_date, squash_ws};
use crate::map::{MapError, Mapped};

const ATOM: &str = "http://www.w3.org/2005/Atom";
const ARXIV: &str = "http://arxiv.org/schemas/atom";

/// Maps the entry for `id` (any common form: `2101.00001`, `2101.00001v2`,
/// `arXiv:2101.00001`, `hep-th/0508218`, an abs URL) from an arXiv API feed.
pub fn work_from_body(body: &str, id: &str) -> Result<Mapped, MapError> {
    let doc = Document::parse(body.trim_start_matches('\u{feff}'))
        .map_err(|e| MapError::new(format!("arXiv's body is not valid XML: {e}")))?;
    let feed = doc.root_element();
    if !feed.has_tag_name((ATOM, "feed")) {
        return Err(MapError::new(format!("arXiv's body is not an Atom feed (root <{}>)", feed.tag_name().name())));
    }
    let wanted = bare_id(id);
    let entries: Vec<Node> = feed.children().filter(|n| n.has_tag_name((ATOM, "entry"))).collect();
    if let Some(err) = entries.iter().find(|e| is_error(e)) {
        let msg = child_text(err, ATOM, "summary").unwrap_or_else(|| "unknown error".into());
        return Err(MapError::new(format!("arXiv reports an error for {id}: {msg}")));
    }
    let entry = entries.iter().find(|e| child_text(e, ATOM, "id").is_some_and(|eid| bare_id(&eid).eq_ignore_ascii_case(&wanted)));
    let Some(entry) = entry else {
        let others: Vec<String> = entries.iter().filter_map(|e| child_text(e, ATOM, "id")).map(|i| bare_id(&i)).collect();
        let also = if others.is_empty() { String::new() } else { format!("; it holds {}", others.join(", ")) };
        return Err(MapError::not_found(format!("arXiv has no record for {id} (not found: the feed has no entry for it{also})")));
    };
    work_from_entry(entry)
}

/// Maps one Atom `<entry>`.
pub fn work_from_entry(entry: &Node) -> Result<Mapped, MapError> {
    let entry_id = child_text(entry, ATOM, "id").unwrap_or_default();
    let arxiv_id = bare_id(&entry_id);
    if arxiv_id.is_empty() {
        return Err(MapError::new("arXiv's entry has no id"));
    }
    let version = entry_id.rsplit_once('v').map(|(_, v)| v).filter(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()));
    let mut item = Map::new();
    item.insert("type".into(), json!("article"));
    if let Some(t) = child_text(entry, ATOM, "title") {
        item.insert("title".into(), json!(t));
    } else {
        return Err(MapError::new(format!("arXiv has no record for {arxiv_id} (the entry has no title)")));
    }
    let authors: Vec<Value> = entry
        .children()
        .filter(|n| n.has_tag_name((ATOM, "author")))
        .filter_map(|a| {
            let mut n = display_name(&child_text(&a, ATOM, "name")?)?;
            let affs: Vec<Value> = a
                .children()
                .filter(|c| c.has_tag_name((ARXIV, "affiliation")))
                .filter_map(|c| c.text().map(squash_ws).filter(|s| !s.is_empty()))
                .map(|s| json!({ "name": s }))
                .collect();
            if !affs.is_empty() {
                n.as_object_mut().expect("a name is an object").insert("affiliation".into(), Value::Array(affs));
            }
            Some(n)
        })
        .collect();
    if !authors.is_empty() {
        item.insert("author".into(), Value::Array(authors));
    }
    if let Some(d) = child_text(entry, ATOM, "published").and_then(|d| parse_free_date(&d)) {
        item.insert("issued".into(), d);
    }
    if let Some(s) = child_text(entry, ATOM, "summary") {
        item.insert("abstract".into(), json!(s));
    }
    item.insert("publisher".into(), json!("arXiv"));
    item.insert("number".into(), json!(arxiv_id));
    if let Some(v) = version {
        item.insert("version".into(), json!(v));
    }
    item.insert("DOI".into(), json!(format!("10.48550/arxiv.{}", arxiv_id.to_lowercase())));
    item.insert("URL".into(), json!(format!("https://arxiv.org/abs/{arxiv_id}")));
    let mut categories = Vec::new();
    if let Some(p) = entry.children().find(|n| n.has_tag_name((ARXIV, "primary_category"))).and_then(|n| n.attribute("term")) {
        categories.push(p.to_string());
    }
    for c in entry.children().filter(|n| n.has_tag_name((ATOM, "category"))).filter_map(|n| n.attribute("term")) {
        if !categories.iter().any(|x| x == c) {
            categories.push(c.to_string());
        }
    }
    if !categories.is_empty() {
        item.insert("keyword".into(), json!(categories.join(", ")));
    }
    if let Some(c) = child_text(entry, ARXIV, "comment") {
        item.insert("note".into(), json!(c));
    }
    item.insert("archive".into(), json!("arXiv"));
    item.insert("arxiv".into(), json!(arxiv_id));
    if let Some(d) = child_text(entry, ARXIV, "doi") {
        // Several DOIs are sometimes given, separated by white space.
        if let Some(d) = d.split_whitespace().find_map(|d| ibid_core::ident::normalize_doi(d).ok()) {
            item.insert("published-doi".into(), json!(d));
        }
    }
    if let Some(j) = child_text(entry, ARXIV, "journal_ref") {
        item.insert("journal-ref".into(), json!(j));
    }
    if let Some(u) = child_text(entry, ATOM, "updated").and_then(|u| u.get(..10).map(str::to_string)) {
        item.insert("updated".into(), json!(u));
    }
    if let Some(pdf) = entry
        .children()
        .filter(|n| n.has_tag_name((ATOM, "link")))
        .find(|n| n.attribute("title") == Some("pdf") || n.attribute("type") == Some("application/pdf"))
        .and_then(|n| n.attribute("href"))
    {
        item.insert("pdf-url".into(), json!(pdf.replacen("http://", "https://", 1)));
    }
    finish(item, Vec::new(), Vec::new(), &format!("arXiv {arxiv_id}"))
}

/// An arXiv identifier without prefix, URL or version: `2101.00001`,
/// `hep-th/0508218`.
pub fn bare_id(s: &str) -> String {
    let mut s = s.trim();
    for prefix in ["https://", "http://"] {
        s = s.strip_prefix(prefix).unwrap_or(s);
    }
    for prefix in ["export.arxiv.org/abs/", "arxiv.org/abs/", "arxiv.org/pdf/", "www.arxiv.org/abs/"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest;
        }
    }
    for prefix in ["https://doi.org/", "doi.org/", "doi:"] {
        if s.to_ascii_lowercase().starts_with(prefix) {
            s = &s[prefix.len()..];
        }
    }
    if s.to_ascii_lowercase().starts_with("10.48550/arxiv.") {
        s = &s["10.48550/arxiv.".len()..];
    }
    if s.to_ascii_lowercase().starts_with("arxiv:") {
        s = &s[6..];
    }
    let s = s.trim_end_matches(".pdf");
    match s.rsplit_once('v') {
        Some((head, v)) if !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()) && head.ends_with(|c: char| c.is_ascii_digit()) => {
            head.to_string()
        }
        _ => s.to_string(),
    }
}

fn is_error(entry: &Node) -> bool {
    child_text(entry, ATOM, "id").is_some_and(|id| id.contains("arxiv.org/api/errors"))
        || child_text(entry, ATOM, "title").as_deref() == Some("Error")
}

/// A child element's text, white space normalised; `None` when missing or blank.
fn child_text(n: &Node, ns: &str, name: &str) -> Option<String> {
    n.children()
        .find(|c| c.has_tag_name((ns, name)))
        .map(|c| squash_ws(&c.descendants().filter(Node::is_text).filter_map(|t| t.text()).collect::<String>()))
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::bare_id;

    #[test]
    fn ids() {
        for (input, want) in [
            ("2101.00001", "2101.00001"),
            ("2101.00001v3", "2101.00001"),
            ("arXiv:2101.00001v1", "2101.00001"),
            ("http://arxiv.org/abs/hep-th/0508218v1", "hep-th/0508218"),
            ("https://arxiv.org/pdf/1706.03762v7.pdf", "1706.03762"),
            ("hep-th/0508218", "hep-th/0508218"),
            ("10.48550/arXiv.2101.00001", "2101.00001"),
            ("https://doi.org/10.48550/arxiv.cond-mat/0102536", "cond-mat/0102536"),
        ] {
            assert_eq!(bare_id(input), want, "{input}");
        }
    }
}
