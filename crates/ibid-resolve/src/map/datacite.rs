//! DataCite REST API: `GET https://api.datacite.org/dois/{doi}` (JSON:API).
//!
//! The record (`data.attributes`) is written as a flat CSL-JSON item and
//! finished like every other source ([`crate::map::csl`]): read by core,
//! its container chain built by [`ibid_core::csl::split`].
//!
//! Mapping decisions:
//! * Type: from `types.resourceTypeGeneral` ([`csl_type`]); for `Text` and
//!   `Other` the free `resourceType` decides (thesis, book, chapter, report,
//!   blog post, conference paper, journal article…). DataCite's own
//!   `types.citeproc` calls almost every text `article-journal` and is not
//!   used. `resourceType` is kept as `genre` unless it only repeats the
//!   general type.
//! * Names: `nameType: Organizational` is a literal name; `familyName` /
//!   `givenName` when given; else `name` as `Family, Given`; a name without
//!   a comma is literal (it cannot be split safely). ORCIDs (from
//!   `nameIdentifiers`) as `https://orcid.org/…`, affiliations as
//!   `[{"name": …}]` (Crossref's shape). Contributors: `Editor` → editor,
//!   `Producer` → producer; people who worked on the work (data collector,
//!   researcher, project member, supervisor…) → contributor with their
//!   `contributorType`; hosting institutions, rights holders, contact
//!   persons, distributors, sponsors and "related persons" are left out.
//! * Dates: `issued` is the `Issued` date when it agrees with
//!   `publicationYear`, else `publicationYear`; `Available` →
//!   `available-date`, `Submitted` → `submitted`.
//! * Container: the schema 4.4 `relatedItems` (relation `IsPublishedIn`)
//!   when present, else the `container` object, completed by
//!   `relatedIdentifiers` `IsPartOf` / `IsPublishedIn` (ISSN, ISBN, DOI).
//!   Its role follows the work's type: a journal (article), a book
//!   (chapter, conference paper; a `Collection` related item is the book's
//!   series), a series (book, report, thesis); a `DataRepository` is the
//!   `archive`. `Journal; 34(2):Doc25`-style series information is split.
//! * `References` / `Cites` related identifiers → [`Mapped::references`].
//! * `descriptions` of type `Abstract` → `abstract` (plain text); `subjects`
//!   → `keyword`; `rightsList` → `license` (open-access statements
//!   skipped); `sizes` → `dimensions`; `formats` → `medium`; `url` → `URL`.
//! * arXiv's DOIs (`10.48550/arXiv.…`) also get `arxiv` and `number`.
//! * Not mapped: funding references, geolocations, alternate identifiers,
//!   usage counts, the `xml` copy of the record.

use ibid_core::csl::{container_kind, ContainerKind};
use ibid_core::{ident, Work};
use serde_json::{json, Map, Value};

use crate::map::csl::{
    clean_date, display_name, finish, first_string, keywords, language_tag, list_of, orcid_url, parse_free_date,
    plain_text, scalar, squash_ws,
};
use crate::map::{MapError, Mapped, Reference};

/// Maps a DataCite REST API `/dois/{doi}` body. A JSON:API error body
/// (`{"errors": [...]}`) is a [`MapError`] carrying DataCite's message.
pub fn work_from_body(body: &str) -> Result<Mapped, MapError> {
    let v: Value = serde_json::from_str(body.trim_start_matches('\u{feff}'))
        .map_err(|e| MapError::new(format!("DataCite's body is not valid JSON: {e}")))?;
    if let Some(errors) = v.get("errors").and_then(Value::as_array) {
        let msgs: Vec<String> = errors
            .iter()
            .map(|e| {
                let status = e.get("status").and_then(scalar).unwrap_or_default();
                let title = e.get("title").or_else(|| e.get("detail")).and_then(Value::as_str).unwrap_or("unknown error");
                if status.is_empty() { title.to_string() } else { format!("{title} ({status})") }
            })
            .collect();
        let not_found = errors.iter().any(|e| e.get("status").and_then(scalar).as_deref() == Some("404"));
        let what = if not_found { "DataCite has no record (not found)" } else { "DataCite refused the request" };
        let message = format!("{what}: {}", msgs.join("; "));
        return Err(if not_found { MapError::not_found(message) } else { MapError::new(message) });
    }
    let data = match v.get("data") {
        Some(Value::Array(a)) if a.len() == 1 => &a[0],
        Some(Value::Array(a)) if a.is_empty() => return Err(MapError::new("DataCite has no record (an empty list)")),
        Some(Value::Array(a)) => return Err(MapError::new(format!("DataCite sent {} records where one was expected", a.len()))),
        Some(d) => d,
        None => return Err(MapError::new("DataCite's body has no \"data\": not a DOI record")),
    };
    let attrs = data
        .get("attributes")
        .and_then(Value::as_object)
        .ok_or_else(|| MapError::new("DataCite's record has no \"attributes\""))?;
    let mut attrs = attrs.clone();
    if !attrs.contains_key("doi") {
        if let Some(id) = data.get("id").and_then(Value::as_str) {
            attrs.insert("doi".into(), json!(id));
        }
    }
    work_from_attributes(&attrs)
}

/// Maps the `attributes` of a DataCite DOI record.
pub fn work_from_attributes(a: &Map<String, Value>) -> Result<Mapped, MapError> {
    let get = |k: &str| a.get(k).unwrap_or(&Value::Null);
    let mut warnings = Vec::new();
    let mut item = Map::new();

    // Type.
    let types = get("types");
    let general = types.get("resourceTypeGeneral").and_then(Value::as_str).unwrap_or("").trim().to_string();
    let resource_type = types.get("resourceType").and_then(Value::as_str).map(squash_ws).unwrap_or_default();
    let container = Container::read(a);
    let work_type = csl_type(&general, &resource_type, container.title.as_deref());
    item.insert("type".into(), json!(work_type));

    // Title (and subtitle).
    let titles = list_of(get("titles"));
    let title_of = |t: &Value| t.get("title").and_then(Value::as_str).map(squash_ws).filter(|s| !s.is_empty());
    let kind_of = |t: &Value| t.get("titleType").and_then(Value::as_str).unwrap_or("").to_string();
    let main = titles.iter().find(|t| kind_of(t).is_empty()).or(titles.first()).and_then(|t| title_of(t));
    let subtitle = titles.iter().find(|t| kind_of(t) == "Subtitle").and_then(|t| title_of(t));
    let title = match (main, subtitle) {
        (Some(m), Some(s)) if !m.to_lowercase().contains(&s.to_lowercase()) => {
            Some(if m.ends_with(['?', '!', ':', '.']) { format!("{m} {s}") } else { format!("{m}: {s}") })
        }
        (m, _) => m,
    };
    if let Some(t) = title {
        item.insert("title".into(), json!(t));
    }

    // Names.
    let authors: Vec<Value> = list_of(get("creators")).into_iter().flat_map(names).collect();
    if !authors.is_empty() {
        item.insert("author".into(), Value::Array(authors));
    }
    let mut roles: Vec<(&str, Vec<Value>)> = Vec::new();
    for c in list_of(get("contributors")) {
        let ctype = c.get("contributorType").and_then(Value::as_str).unwrap_or("");
        let Some(role) = contributor_role(ctype) else { continue };
        for mut n in names(c) {
            if role == "contributor" {
                n.as_object_mut().expect("a name is an object").insert("contributorType".into(), json!(ctype));
            }
            match roles.iter_mut().find(|(r, _)| *r == role) {
                Some((_, list)) => list.push(n),
                None => roles.push((role, vec![n])),
            }
        }
    }
    for (role, list) in roles {
        item.insert(role.into(), Value::Array(list));
    }

    // Publisher, dates.
    if let Some(p) = match get("publisher") {
        Value::Object(o) => o.get("name").and_then(Value::as_str).map(squash_ws),
        other => other.as_str().map(squash_ws),
    }
    .filter(|p| !p.is_empty())
    {
        item.insert("publisher".into(), json!(p));
    }
    let year = get("publicationYear").as_i64().or_else(|| get("publicationYear").as_str().and_then(|s| s.trim().parse().ok()));
    let date_of = |kind: &str| {
        list_of(get("dates"))
            .into_iter()
            .filter(|d| d.get("dateType").and_then(Value::as_str) == Some(kind))
            .find_map(|d| d.get("date").and_then(Value::as_str).and_then(parse_free_date))
            .filter(|d| d.get("date-parts").is_some())
    };
    let issued_date = date_of("Issued");
    let issued = match (issued_date, year) {
        (Some(d), Some(y)) if d["date-parts"][0][0].as_i64() == Some(y) => Some(d),
        (_, Some(y)) => Some(json!({ "date-parts": [[y]] })),
        (Some(d), None) => Some(d),
        (None, None) => date_of("Available").or_else(|| date_of("Created")),
    };
    if let Some(d) = issued.and_then(|d| clean_date(&d)) {
        item.insert("issued".into(), d);
    }
    if let Some(d) = date_of("Available") {
        item.insert("available-date".into(), d);
    }
    if let Some(d) = date_of("Submitted") {
        item.insert("submitted".into(), d);
    }

    // Identifiers and links.
    if let Some(doi) = get("doi").as_str() {
        item.insert("DOI".into(), json!(doi));
        if let Some(id) = ident::normalize_doi(doi).ok().and_then(|d| d.strip_prefix("10.48550/arxiv.").map(str::to_string)) {
            item.insert("number".into(), json!(id));
            item.insert("arxiv".into(), json!(id));
        }
    }
    if let Some(u) = get("url").as_str().map(str::trim).filter(|u| !u.is_empty()) {
        item.insert("URL".into(), json!(u));
    }

    // Container.
    container.apply(work_type, &mut item);

    // Descriptive fields.
    if let Some(abs) = list_of(get("descriptions"))
        .into_iter()
        .filter(|d| d.get("descriptionType").and_then(Value::as_str) == Some("Abstract"))
        .find_map(|d| first_string(d.get("description").unwrap_or(&Value::Null)).map(|s| plain_text(&s)).filter(|s| !s.is_empty()))
    {
        item.insert("abstract".into(), json!(abs));
    }
    if let Some(l) = get("language").as_str().map(str::trim).filter(|l| !l.is_empty()) {
        item.insert("language".into(), json!(language_tag(l)));
    }
    if let Some(v) = get("version").as_str().map(str::trim).filter(|v| !v.is_empty()) {
        item.insert("version".into(), json!(v));
    } else if let Some(v) = get("version").as_i64() {
        item.insert("version".into(), json!(v.to_string()));
    }
    if let Some(g) = genre(&general, &resource_type) {
        item.insert("genre".into(), json!(g));
    }
    if let Some(l) = license(get("rightsList")) {
        item.insert("license".into(), json!(l));
    }
    if let Some(k) = keywords(get("subjects")) {
        item.insert("keyword".into(), json!(k));
    }
    let joined = |k: &str, sep: &str| {
        let mut bits: Vec<String> = Vec::new();
        for b in list_of(get(k)).into_iter().filter_map(scalar).map(|s| squash_ws(&s)) {
            if !b.is_empty() && !bits.contains(&b) {
                bits.push(b);
            }
        }
        (!bits.is_empty()).then(|| bits.join(sep))
    };
    if let Some(s) = joined("sizes", "; ") {
        item.insert("dimensions".into(), json!(s));
    }
    if let Some(f) = joined("formats", ", ") {
        item.insert("medium".into(), json!(f));
    }

    // References.
    let mut references = Vec::new();
    for r in list_of(get("relatedIdentifiers")) {
        let rel = r.get("relationType").and_then(Value::as_str).unwrap_or("");
        if !matches!(rel, "References" | "Cites") {
            continue;
        }
        let id = r.get("relatedIdentifier").and_then(Value::as_str).map(str::trim).unwrap_or("");
        let id_type = r.get("relatedIdentifierType").and_then(Value::as_str).unwrap_or("");
        // A journal (ISSN) is not a cited work.
        if id.is_empty() || matches!(id_type.to_ascii_uppercase().as_str(), "ISSN" | "EISSN") {
            continue;
        }
        references.push(identifier_reference(id, id_type));
    }
    for r in list_of(get("relatedItems")) {
        let rel = r.get("relationType").and_then(Value::as_str).unwrap_or("");
        if matches!(rel, "References" | "Cites") {
            if let Some(r) = related_item_reference(r) {
                references.push(r);
            }
        }
    }

    let doi_for_errors = get("doi").as_str().unwrap_or("?").to_string();
    let mut mapped = finish(item, references, std::mem::take(&mut warnings), &format!("DataCite {doi_for_errors}"))?;
    container.apply_to_parents(&mut mapped.work);
    Ok(mapped)
}

/// The CSL type for DataCite's general type, refined by the free resource
/// type for texts.
pub fn csl_type(general: &str, resource_type: &str, container_title: Option<&str>) -> &'static str {
    match general.to_ascii_lowercase().as_str() {
        "audiovisual" => "motion_picture",
        "book" | "conferenceproceeding" => "book",
        "bookchapter" => "chapter",
        "collection" => "collection",
        "computationalnotebook" | "software" | "workflow" => "software",
        "conferencepaper" => "paper-conference",
        "datapaper" | "journalarticle" => "article-journal",
        "dataset" => "dataset",
        "dissertation" => "thesis",
        "event" => "event",
        "image" => {
            if resource_type.eq_ignore_ascii_case("figure") {
                "figure"
            } else {
                "graphic"
            }
        }
        "journal" => "periodical",
        "peerreview" => "review",
        "preprint" => "article",
        "report" => "report",
        "sound" => "song",
        "standard" => "standard",
        "text" | "other" | "" => text_type(resource_type, container_title),
        _ => "document",
    }
}

/// A text's CSL type from its free-form resource type.
fn text_type(resource_type: &str, container_title: Option<&str>) -> &'static str {
    let r = resource_type.to_lowercase();
    let has = |w: &str| r.contains(w);
    let conference_container = container_title.is_some_and(|c| {
        let c = c.to_lowercase();
        ["conference", "proceedings", "symposium", "workshop", "congress"].iter().any(|w| c.contains(w))
    });
    if has("thesis") || has("dissertation") {
        "thesis"
    } else if has("chapter") {
        "chapter"
    } else if has("conference") || has("proceedings paper") {
        "paper-conference"
    } else if has("book") || has("monograph") {
        "book"
    } else if has("blog") {
        "post-weblog"
    } else if has("report") || has("working paper") {
        "report"
    } else if has("preprint") {
        "article"
    } else if has("manuscript") {
        "manuscript"
    } else if has("patent") {
        "patent"
    } else if has("standard") {
        "standard"
    } else if has("web") {
        "webpage"
    } else if has("journal") {
        "article-journal"
    } else if has("article") || has("paper") {
        if conference_container {
            "paper-conference"
        } else if container_title.is_some() && !has("paper") {
            "article-journal"
        } else {
            "article"
        }
    } else {
        "document"
    }
}

fn genre(general: &str, resource_type: &str) -> Option<String> {
    let norm = |s: &str| s.chars().filter(|c| c.is_alphanumeric()).collect::<String>().to_lowercase();
    (!resource_type.is_empty() && norm(resource_type) != norm(general)).then(|| resource_type.to_string())
}

fn contributor_role(t: &str) -> Option<&'static str> {
    Some(match t {
        "Editor" => "editor",
        "Producer" => "producer",
        "DataCollector" | "DataCurator" | "DataManager" | "ProjectLeader" | "ProjectManager" | "ProjectMember"
        | "Researcher" | "ResearchGroup" | "Supervisor" | "WorkPackageLeader" => "contributor",
        _ => return None,
    })
}

/// A DataCite creator or contributor as CSL name objects: one, or several
/// when a personal `name` lists people separated by `;` (`Enos, Ryan
/// (Harvard University); Fowler, Anthony (University Of Chicago)`).
fn names(c: &Value) -> Vec<Value> {
    if let Value::Object(o) = c {
        let has_parts = o.get("familyName").is_some_and(|v| !v.is_null()) || o.get("givenName").is_some_and(|v| !v.is_null());
        let organisational = o.get("nameType").and_then(Value::as_str) == Some("Organizational");
        if let Some(n) = o.get("name").and_then(Value::as_str).filter(|n| n.contains(';') && !has_parts && !organisational) {
            return n
                .split(';')
                .filter(|p| !p.trim().is_empty())
                .filter_map(|p| {
                    let mut one = Map::new();
                    one.insert("name".into(), json!(p.trim()));
                    one.insert("affiliation".into(), o.get("affiliation").cloned().unwrap_or(Value::Null));
                    name(&Value::Object(one))
                })
                .collect();
        }
    }
    name(c).into_iter().collect()
}

/// `Kim, Dong Eon (Ed.)` → `Kim, Dong Eon`; `Enos, Ryan (Harvard University)`
/// → the name and the affiliation.
fn strip_parenthetical(s: &str) -> (String, Option<String>) {
    let t = s.trim();
    if let Some(open) = t.strip_suffix(')').and_then(|x| x.rfind(" (")) {
        let inner = t[open + 2..t.len() - 1].trim().to_string();
        let head = t[..open].trim().to_string();
        if head.is_empty() {
            return (t.to_string(), None);
        }
        let is_role = matches!(inner.to_lowercase().as_str(), "ed." | "eds." | "ed" | "eds" | "editor" | "hrsg." | "hg.");
        return (head, (!is_role && !inner.is_empty()).then_some(inner));
    }
    (t.to_string(), None)
}

/// A DataCite creator or contributor as a CSL name object.
fn name(c: &Value) -> Option<Value> {
    let Value::Object(o) = c else {
        return c.as_str().and_then(display_name);
    };
    let s = |k: &str| o.get(k).and_then(Value::as_str).map(squash_ws).filter(|x| !x.is_empty());
    let organisational = s("nameType").as_deref() == Some("Organizational");
    let mut n = Map::new();
    // A personal name may end in its affiliation, in brackets.
    let (bare_name, extra_affiliation) = match s("name") {
        Some(name) if !organisational => match strip_parenthetical(&name) {
            // Only "Family, Given (…)": "Some Consortium (SC)" keeps its acronym.
            (bare, aff) if bare.contains(',') || (aff.is_none() && bare != name) => (Some(bare), aff),
            _ => (Some(name), None),
        },
        other => (other, None),
    };
    match (bare_name, s("familyName"), s("givenName")) {
        (Some(name), _, _) if organisational => {
            n.insert("literal".into(), json!(name));
        }
        (_, Some(family), given) => {
            n.insert("family".into(), json!(family));
            if let Some(g) = given.map(|g| strip_parenthetical(&g).0).filter(|g| !g.is_empty()) {
                n.insert("given".into(), json!(g));
            }
        }
        (Some(name), None, _) => match name.split_once(',') {
            Some((family, given)) if !family.trim().is_empty() && !given.trim().is_empty() => {
                n.insert("family".into(), json!(family.trim()));
                n.insert("given".into(), json!(given.trim()));
            }
            _ => {
                n.insert("literal".into(), json!(name));
            }
        },
        (None, None, Some(given)) => {
            n.insert("given".into(), json!(given));
        }
        (None, None, None) => return None,
    }
    if let Some(orcid) = list_of(o.get("nameIdentifiers").unwrap_or(&Value::Null)).into_iter().find_map(|ni| {
        let scheme = ni.get("nameIdentifierScheme").and_then(Value::as_str).unwrap_or("").to_lowercase();
        let uri = ni.get("schemeUri").and_then(Value::as_str).unwrap_or("").to_lowercase();
        let id = ni.get("nameIdentifier").and_then(Value::as_str).unwrap_or("");
        (scheme.contains("orcid") || uri.contains("orcid") || id.contains("orcid.org")).then(|| orcid_url(id)).flatten()
    }) {
        n.insert("ORCID".into(), json!(orcid));
    }
    let affs: Vec<Value> = list_of(o.get("affiliation").unwrap_or(&Value::Null))
        .into_iter()
        .filter_map(|a| match a {
            Value::String(s) => Some(squash_ws(s)),
            Value::Object(o) => o.get("name").and_then(Value::as_str).map(squash_ws),
            _ => None,
        })
        .chain(extra_affiliation)
        .filter(|s| !s.is_empty())
        .map(|s| json!({ "name": s }))
        .collect();
    if !affs.is_empty() {
        n.insert("affiliation".into(), Value::Array(affs));
    }
    Some(Value::Object(n))
}

/// The licence: the first rights statement that is not merely an
/// access-rights flag (`info:eu-repo/semantics/openAccess`); its text, or
/// its URI when the text is missing or a paragraph.
fn license(v: &Value) -> Option<String> {
    list_of(v).into_iter().find_map(|r| {
        let text = r.get("rights").and_then(Value::as_str).map(squash_ws).filter(|s| !s.is_empty());
        let uri = r.get("rightsUri").and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
        if uri.is_some_and(|u| u.starts_with("info:eu-repo")) {
            return None;
        }
        match (text, uri) {
            (Some(t), Some(u)) if t.len() > 120 => Some(u.to_string()),
            (Some(t), _) => Some(t),
            (None, Some(u)) => Some(u.to_string()),
            (None, None) => None,
        }
    })
}

/// A related identifier (`References` / `Cites`) as a reference: a DOI (or
/// a doi.org URL) gives a cited work known by its DOI; anything else is text.
fn identifier_reference(id: &str, id_type: &str) -> Reference {
    let lower = id.to_ascii_lowercase();
    let doi_url = ["https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/"].iter().any(|p| lower.starts_with(p));
    if id_type.eq_ignore_ascii_case("DOI") || doi_url {
        if let Ok(doi) = ident::normalize_doi(id) {
            let mut w = Work::new("document");
            w.doi = Some(doi.clone());
            return Reference { label: None, text: format!("https://doi.org/{doi}"), doi: Some(doi), work: Some(w) };
        }
    }
    let text = if id_type.eq_ignore_ascii_case("URL") || id_type.is_empty() { id.to_string() } else { format!("{id_type} {id}") };
    Reference { label: None, text, doi: None, work: None }
}

/// A schema 4.4 related item (`References` / `Cites`) as a reference.
fn related_item_reference(r: &Value) -> Option<Reference> {
    let title = list_of(r.get("titles").unwrap_or(&Value::Null))
        .into_iter()
        .find_map(|t| t.get("title").and_then(Value::as_str).map(squash_ws))
        .filter(|t| !t.is_empty());
    let rid = r.get("relatedItemIdentifier");
    let id = rid.and_then(|i| i.get("relatedItemIdentifier")).and_then(Value::as_str).unwrap_or("").trim();
    let id_type = rid.and_then(|i| i.get("relatedItemIdentifierType")).and_then(Value::as_str).unwrap_or("");
    let doi = id_type.eq_ignore_ascii_case("DOI").then(|| ident::normalize_doi(id).ok()).flatten();
    let text = match (&title, id.is_empty()) {
        (Some(t), true) => t.clone(),
        (Some(t), false) => format!("{t}. {id}"),
        (None, false) => id.to_string(),
        (None, true) => return None,
    };
    let work = (title.is_some() || doi.is_some()).then(|| {
        let t = r.get("relatedItemType").and_then(Value::as_str).unwrap_or("");
        let mut w = Work::new(csl_type(t, "", None));
        w.title = title.clone();
        w.doi = doi.clone();
        w
    });
    Some(Reference { label: None, text, doi, work })
}

/// Where the work was published: the journal, book or series, gathered
/// from `relatedItems`, `container` and `relatedIdentifiers`.
#[derive(Debug, Default)]
struct Container {
    title: Option<String>,
    kind: Option<String>,
    volume: Option<String>,
    issue: Option<String>,
    first_page: Option<String>,
    last_page: Option<String>,
    issn: Vec<String>,
    isbn: Vec<String>,
    doi: Option<String>,
    editors: Vec<Value>,
    /// A `Collection` related item: the series of a book.
    series_title: Option<String>,
    series_number: Option<String>,
    series_issn: Vec<String>,
}

impl Container {
    fn read(a: &Map<String, Value>) -> Container {
        let mut c = Container::default();
        let text = |v: Option<&Value>| v.and_then(scalar).map(|s| squash_ws(&s)).filter(|s| !s.is_empty());
        let add_id = |c: &mut Container, id: &str, id_type: &str| {
            let id = id.trim();
            let push = |list: &mut Vec<String>| {
                if !list.iter().any(|x| x == id) {
                    list.push(id.to_string());
                }
            };
            match id_type.to_ascii_uppercase().as_str() {
                "ISSN" | "EISSN" => push(&mut c.issn),
                "ISBN" => push(&mut c.isbn),
                "DOI" => c.doi = c.doi.take().or_else(|| ident::normalize_doi(id).ok()),
                _ => {}
            }
        };
        let published_in: Vec<&Value> = list_of(a.get("relatedItems").unwrap_or(&Value::Null))
            .into_iter()
            .filter(|r| r.get("relationType").and_then(Value::as_str) == Some("IsPublishedIn"))
            .collect();
        for r in &published_in {
            let rtype = r.get("relatedItemType").and_then(Value::as_str).unwrap_or("");
            let title = list_of(r.get("titles").unwrap_or(&Value::Null))
                .into_iter()
                .find(|t| t.get("titleType").is_none_or(Value::is_null))
                .and_then(|t| text(t.get("title")));
            let rid = r.get("relatedItemIdentifier");
            let id = rid.and_then(|i| i.get("relatedItemIdentifier")).and_then(Value::as_str).unwrap_or("");
            let id_type = rid.and_then(|i| i.get("relatedItemIdentifierType")).and_then(Value::as_str).unwrap_or("");
            if rtype == "Collection" || rtype == "BookSeries" {
                c.series_title = c.series_title.take().or(title);
                c.series_number = c.series_number.take().or(text(r.get("volume")));
                if matches!(id_type, "ISSN" | "EISSN") {
                    c.series_issn.push(id.trim().to_string());
                }
                continue;
            }
            if c.title.is_some() {
                continue;
            }
            c.title = title;
            c.kind = Some(rtype.to_string());
            c.volume = text(r.get("volume"));
            c.issue = text(r.get("issue"));
            c.first_page = text(r.get("firstPage"));
            c.last_page = text(r.get("lastPage"));
            add_id(&mut c, id, id_type);
            c.editors = list_of(r.get("contributors").unwrap_or(&Value::Null))
                .into_iter()
                .filter(|x| x.get("contributorType").and_then(Value::as_str) == Some("Editor"))
                .filter_map(name)
                .collect();
        }
        if let Some(Value::Object(o)) = a.get("container") {
            if c.title.is_none() && c.kind.is_none() {
                c.title = text(o.get("title"));
                c.kind = o.get("type").and_then(Value::as_str).map(str::to_string);
                c.volume = text(o.get("volume"));
                c.issue = text(o.get("issue"));
                c.first_page = text(o.get("firstPage"));
                c.last_page = text(o.get("lastPage"));
            }
            if let (Some(id), Some(t)) = (o.get("identifier").and_then(Value::as_str), o.get("identifierType").and_then(Value::as_str)) {
                add_id(&mut c, id, t);
            }
        }
        for r in list_of(a.get("relatedIdentifiers").unwrap_or(&Value::Null)) {
            if matches!(r.get("relationType").and_then(Value::as_str), Some("IsPartOf" | "IsPublishedIn")) {
                if let (Some(id), Some(t)) = (
                    r.get("relatedIdentifier").and_then(Value::as_str),
                    r.get("relatedIdentifierType").and_then(Value::as_str),
                ) {
                    add_id(&mut c, id, t);
                }
            }
        }
        // A "title" without a letter ("№1(24) (2019)") is an issue's number, not a title.
        if c.title.as_deref().is_some_and(|t| !t.chars().any(char::is_alphabetic)) {
            c.title = None;
        }
        // "GMS Journal for Medical Education; 34(2):Doc25": the title, then volume(issue):page.
        if let Some(t) = c.title.clone() {
            if let Some((name, rest)) = t.rsplit_once(';') {
                if let Some((vol_issue, page)) = rest.trim().split_once(':') {
                    if let Some((vol, issue)) = vol_issue.trim().strip_suffix(')').and_then(|x| x.split_once('(')) {
                        if !name.trim().is_empty() && vol.chars().all(|ch| ch.is_ascii_digit()) && !vol.is_empty() {
                            c.title = Some(name.trim().to_string());
                            c.volume = c.volume.take().or(Some(vol.to_string()));
                            c.issue = c.issue.take().or(Some(issue.to_string()));
                            c.first_page = c.first_page.take().or(Some(page.trim().to_string()));
                        }
                    }
                }
            }
        }
        c
    }

    fn page(&self) -> Option<String> {
        let ok = |p: &String| p.chars().any(|ch| ch.is_ascii_digit()) && !p.contains(char::is_whitespace);
        match (self.first_page.as_ref().filter(|p| ok(p)), self.last_page.as_ref().filter(|p| ok(p))) {
            (Some(f), Some(l)) if f != l => Some(format!("{f}-{l}")),
            (Some(f), _) => Some(f.clone()),
            _ => None,
        }
    }

    /// Writes the container as the flat variables of the work's type.
    fn apply(&self, work_type: &str, item: &mut Map<String, Value>) {
        // A volume or issue starts with a digit ("22", "7", "34"): DataCite's
        // containers also carry conference names and places there.
        let numberish = |v: &Option<String>| v.clone().filter(|x| x.starts_with(|c: char| c.is_ascii_digit()) && !x.contains(char::is_whitespace));
        let mut put = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                item.entry(k.to_string()).or_insert(json!(v));
            }
        };
        match container_kind(work_type) {
            Some(ContainerKind::Periodical) => {
                put("container-title", self.title.clone());
                put("volume", numberish(&self.volume));
                put("issue", numberish(&self.issue));
                put("page", self.page());
                if !self.issn.is_empty() {
                    item.entry("ISSN").or_insert(json!(self.issn));
                }
            }
            Some(ContainerKind::Book) => {
                put("container-title", self.title.clone());
                put("volume", numberish(&self.volume));
                put("page", self.page());
                put("collection-title", self.series_title.clone());
                put("collection-number", self.series_number.clone());
                if !self.isbn.is_empty() {
                    item.entry("ISBN").or_insert(json!(self.isbn));
                }
                if !self.editors.is_empty() && !item.contains_key("editor") {
                    item.insert("editor".into(), json!(self.editors));
                }
            }
            Some(ContainerKind::Series) => {
                put("collection-title", self.title.clone().or(self.series_title.clone()));
                put("collection-number", numberish(&self.volume).or(self.series_number.clone()));
            }
            None => match self.kind.as_deref() {
                Some("DataRepository") => put("archive", self.title.clone()),
                _ => put("collection-title", self.title.clone()),
            },
        }
    }

    /// What `split` cannot know: the container's DOI, the series' ISSN.
    fn apply_to_parents(&self, w: &mut Work) {
        let Some(p) = w.parent.as_deref_mut() else { return };
        if p.work_type != "series" {
            if p.doi.is_none() && self.doi.as_deref() != w.doi.as_deref() {
                p.doi = self.doi.clone();
            }
            if let Some(s) = p.parent.as_deref_mut() {
                for i in &self.series_issn {
                    s.issn.push(ident::normalize_issn(i).unwrap_or_else(|_| i.clone()));
                }
            }
        } else {
            for i in self.series_issn.iter().chain(self.issn.iter()) {
                let n = ident::normalize_issn(i).unwrap_or_else(|_| i.clone());
                if !p.issn.contains(&n) {
                    p.issn.push(n);
                }
            }
        }
    }
}
