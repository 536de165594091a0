//! NCBI E-utilities, esummary as JSON:
//! `GET https://eutils.ncbi.nlm.nih.gov/entrez/eutils/esummary.fcgi?db=pubmed&id={pmid}&retmode=json`.
//!
//! esummary was chosen over efetch XML: one small JSON document with
//! everything a reference needs. What it lacks: the abstract, full given
//! names (only initials), affiliations, MeSH terms.
//!
//! Mapping decisions:
//! * `doctype` `citation` is an `article-journal`; `book` / `chapter`
//!   (NCBI Bookshelf) are `book` / `chapter` with `booktitle`,
//!   `publishername`, `publisherlocation`, `edition`.
//! * `title` without PubMed's closing period; a title in square brackets
//!   (PubMed's English translation of a non-English title) keeps them.
//! * Authors (`authtype` `Author`): `Family AB` → family `Family`, given
//!   `A. B.`; a trailing `Jr`/`Sr`/`2nd`… is the suffix. `CollectiveName`
//!   is a literal name. `Editor` → editor.
//! * The journal: `fulljournalname` → `container-title`, `source` (the NLM
//!   abbreviation) → `container-title-short`, `issn` / `essn` → `ISSN`.
//! * `pages`: MEDLINE abbreviates (`505-10`); written out (`505-510`).
//! * `pubdate` (free text: `2019 Oct 24`, `2019 Sep-Oct`, `2019 Spring`) →
//!   `issued`; without it `epubdate`. `epubdate` → `available-date`.
//! * `articleids`: `doi` → `DOI` (else `elocationid`'s `doi:`), `pmc` →
//!   extra `PMCID`, `pubmed` → extra `PMID`.
//! * `lang` → `language` (ISO 639-2 to BCP 47: `eng` → `en`); publication
//!   types other than `Journal Article` → `genre` (`Review`, `Randomized
//!   Controlled Trial`).
//! * An `error` for the id ("cannot get document summary", "Invalid uid"),
//!   a top-level `error` (rate limit) or an `esummaryresult` message is a
//!   [`MapError`] carrying NCBI's words.

use serde_json::{json, Map, Value};

use crate::map::csl::{finish, language_tag, list_of, parse_free_date, scalar, squash_ws};
use crate::map::{MapError, Mapped};

/// Maps the esummary (JSON) record for `pmid`.
pub fn work_from_body(body: &str, pmid: &str) -> Result<Mapped, MapError> {
    let pmid = pmid.trim().trim_start_matches("PMID:").trim_start_matches("pmid:").trim();
    let v: Value = serde_json::from_str(body.trim_start_matches('\u{feff}'))
        .map_err(|e| MapError::new(format!("PubMed's esummary body is not valid JSON: {e}")))?;
    if let Some(e) = v.get("error").and_then(scalar) {
        return Err(MapError::new(format!("PubMed (NCBI) refused the request for PMID {pmid}: {e}")));
    }
    if let Some(msgs) = v.get("esummaryresult") {
        let msgs: Vec<String> = list_of(msgs).into_iter().filter_map(scalar).collect();
        return Err(MapError::not_found(format!("PubMed has no record for PMID {pmid} (not found): {}", msgs.join("; "))));
    }
    let result = v
        .get("result")
        .and_then(Value::as_object)
        .ok_or_else(|| MapError::new("PubMed's esummary body has no \"result\""))?;
    let Some(Value::Object(r)) = result.get(pmid) else {
        return Err(MapError::not_found(format!("PubMed has no record for PMID {pmid} (not found in the esummary result)")));
    };
    if let Some(e) = r.get("error").and_then(scalar) {
        return Err(MapError::not_found(format!("PubMed has no record for PMID {pmid} (not found): {e}")));
    }
    work_from_summary(r)
}

/// Maps one esummary document summary.
pub fn work_from_summary(r: &Map<String, Value>) -> Result<Mapped, MapError> {
    let get = |k: &str| r.get(k).unwrap_or(&Value::Null);
    let text = |k: &str| get(k).as_str().map(squash_ws).filter(|s| !s.is_empty());
    let doctype = text("doctype").unwrap_or_else(|| "citation".into());
    let work_type = match doctype.as_str() {
        "book" => "book",
        "chapter" => "chapter",
        _ => "article-journal",
    };
    let mut item = Map::new();
    item.insert("type".into(), json!(work_type));
    let title = text("title").or_else(|| text("booktitle").filter(|_| work_type == "book"));
    if let Some(t) = title {
        let t = match t.strip_suffix('.') {
            Some(s) if !s.ends_with('.') => s.to_string(),
            _ => t,
        };
        item.insert("title".into(), json!(t));
    }
    let mut authors = Vec::new();
    let mut editors = Vec::new();
    for a in list_of(get("authors")) {
        let Some(name) = a.get("name").and_then(Value::as_str).map(squash_ws).filter(|s| !s.is_empty()) else { continue };
        match a.get("authtype").and_then(Value::as_str).unwrap_or("Author") {
            "CollectiveName" => authors.push(json!({ "literal": name })),
            "Editor" => editors.push(medline_name(&name)),
            _ => authors.push(medline_name(&name)),
        }
    }
    if !authors.is_empty() {
        item.insert("author".into(), Value::Array(authors));
    }
    if !editors.is_empty() {
        item.insert("editor".into(), Value::Array(editors));
    }
    match work_type {
        "article-journal" => {
            if let Some(j) = text("fulljournalname").or_else(|| text("source")) {
                item.insert("container-title".into(), json!(j));
            }
            if let Some(s) = text("source").filter(|s| Some(s) != item.get("container-title").and_then(Value::as_str).map(str::to_string).as_ref()) {
                item.insert("container-title-short".into(), json!(s));
            }
            let issn: Vec<String> = [text("issn"), text("essn")].into_iter().flatten().collect();
            if !issn.is_empty() {
                item.insert("ISSN".into(), json!(issn));
            }
        }
        _ => {
            if work_type == "chapter" {
                if let Some(b) = text("booktitle").or_else(|| text("bookname")) {
                    item.insert("container-title".into(), json!(b));
                }
            }
            if let Some(p) = text("publishername") {
                item.insert("publisher".into(), json!(p));
            }
            if let Some(p) = text("publisherlocation") {
                item.insert("publisher-place".into(), json!(p));
            }
            if let Some(e) = text("edition") {
                item.insert("edition".into(), json!(e));
            }
        }
    }
    for (src, dst) in [("volume", "volume"), ("issue", "issue")] {
        if let Some(x) = text(src) {
            item.insert(dst.into(), json!(x));
        }
    }
    if let Some(p) = text("pages") {
        item.insert("page".into(), json!(expand_pages(&p)));
    }
    let pubdate = text("pubdate").and_then(|d| parse_free_date(&d));
    let epubdate = text("epubdate").and_then(|d| parse_free_date(&d));
    if let Some(d) = pubdate.clone().or_else(|| epubdate.clone()) {
        item.insert("issued".into(), d);
    }
    if let Some(d) = epubdate {
        item.insert("available-date".into(), d);
    }
    let ids: Vec<(String, String)> = list_of(get("articleids"))
        .into_iter()
        .filter_map(|i| Some((i.get("idtype")?.as_str()?.to_string(), i.get("value").and_then(scalar)?.trim().to_string())))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let id = |t: &str| ids.iter().find(|(k, _)| k == t).map(|(_, v)| v.clone());
    let doi = id("doi").or_else(|| text("elocationid").and_then(|e| e.split_once("doi:").map(|(_, d)| d.trim().to_string())));
    if let Some(d) = doi {
        item.insert("DOI".into(), json!(d));
    }
    if let Some(l) = list_of(get("lang")).into_iter().find_map(Value::as_str).map(language_tag) {
        item.insert("language".into(), json!(l));
    }
    let genres: Vec<String> = list_of(get("pubtype"))
        .into_iter()
        .filter_map(Value::as_str)
        .filter(|t| *t != "Journal Article")
        .map(str::to_string)
        .collect();
    if !genres.is_empty() {
        item.insert("genre".into(), json!(genres.join(", ")));
    }
    let pmid = id("pubmed").or_else(|| text("uid"));
    if let Some(p) = &pmid {
        item.insert("PMID".into(), json!(p));
        item.insert("URL".into(), json!(format!("https://pubmed.ncbi.nlm.nih.gov/{p}/")));
    }
    if let Some(p) = id("pmc") {
        item.insert("PMCID".into(), json!(p));
    }
    finish(item, Vec::new(), Vec::new(), &format!("PubMed {}", pmid.as_deref().unwrap_or("?")))
}

/// A MEDLINE display name (`Smith JA`, `van der Berg H`, `Smith J Jr`) as
/// a CSL name: the initials become `J. A.`.
fn medline_name(s: &str) -> Value {
    let mut words: Vec<&str> = s.split(' ').collect();
    let mut o = Map::new();
    let is_suffix = |w: &str| matches!(w, "Jr" | "Jr." | "Sr" | "Sr." | "2nd" | "3rd" | "4th" | "II" | "III" | "IV");
    if words.len() > 2 && is_suffix(words[words.len() - 1]) {
        o.insert("suffix".into(), json!(words.pop().unwrap()));
    }
    let initials = |w: &str| !w.is_empty() && w.len() <= 4 && w.chars().all(|c| c.is_uppercase());
    if words.len() >= 2 && initials(words[words.len() - 1]) {
        let ini = words.pop().unwrap();
        let given: Vec<String> = ini.chars().map(|c| format!("{c}.")).collect();
        o.insert("family".into(), json!(words.join(" ")));
        o.insert("given".into(), json!(given.join(" ")));
        return Value::Object(o);
    }
    if words.len() == 1 && o.is_empty() {
        return json!({ "family": s });
    }
    json!({ "literal": s })
}

/// `505-10` → `505-510`, `1234-9` → `1234-1239`; anything else as it is.
fn expand_pages(p: &str) -> String {
    let Some((a, b)) = p.split_once('-') else { return p.to_string() };
    let (a, b) = (a.trim(), b.trim());
    if !a.is_empty() && !b.is_empty() && a.chars().all(|c| c.is_ascii_digit()) && b.chars().all(|c| c.is_ascii_digit()) && b.len() < a.len() {
        format!("{a}-{}{b}", &a[..a.len() - b.len()])
    } else {
        p.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_pages() {
        assert_eq!(medline_name("Arute F"), json!({"family": "Arute", "given": "F."}));
        assert_eq!(medline_name("van der Berg JH"), json!({"family": "van der Berg", "given": "J. H."}));
        assert_eq!(medline_name("Smith J Jr"), json!({"suffix": "Jr", "family": "Smith", "given": "J."}));
        assert_eq!(expand_pages("505-10"), "505-510");
        assert_eq!(expand_pages("1234-9"), "1234-1239");
        assert_eq!(expand_pages("e1002276"), "e1002276");
        assert_eq!(expand_pages("S1-S10"), "S1-S10");
    }
}
