//! From a service's response body to a record. Pure: no I/O.

use ibid_core::Work;

pub mod arxiv;
pub mod crossref;
pub mod csl;
pub mod datacite;
pub mod jats;
pub mod openlibrary;
pub mod pubmed;

/// A record as one service describes it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Mapped {
    /// The work, with its container chain in `parent` (chapter → book →
    /// series; article → journal), as [`ibid_core::csl::split`] builds it.
    pub work: Work,
    /// The works it cites, in the order the source lists them.
    pub references: Vec<Reference>,
    /// What the mapping noticed but could not use (never fatal).
    pub warnings: Vec<String>,
}

/// One entry of a work's reference list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reference {
    /// The source's own label for it (Crossref's `key`), if any.
    pub label: Option<String>,
    /// The reference as text: the source's unstructured string, else one
    /// composed from its fields. Never empty.
    pub text: String,
    /// The cited work's DOI (normalized), when the source gives one.
    pub doi: Option<String>,
    /// The cited work as a record, when the source gives structured fields
    /// (a title, or a DOI). Its `doi` is the same as above.
    pub work: Option<Work>,
}

/// A mapping failure: the body is not what the service promised, or (for
/// services that answer 200 for an unknown id) it says there is no record.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct MapError {
    pub message: String,
    /// The body says the service has no such record (Open Library's `{}`,
    /// arXiv's empty feed, an E-utilities error entry).
    pub not_found: bool,
}

impl MapError {
    pub fn new(msg: impl Into<String>) -> MapError {
        MapError { message: msg.into(), not_found: false }
    }

    pub fn not_found(msg: impl Into<String>) -> MapError {
        MapError { message: msg.into(), not_found: true }
    }
}

impl Mapped {
    /// A readable, stable JSON view for golden files and debugging: the
    /// work's own CSL variables with its container nested under
    /// `"container"` (recursively), then the references and warnings.
    pub fn to_review_json(&self) -> serde_json::Value {
        use serde_json::{json, Map, Value};
        fn tree(w: &Work) -> Value {
            let mut o: Map<String, Value> = ibid_core::csl::own_csl(w);
            // `own_csl` writes a series as "book"; say what it is.
            o.insert("type".into(), Value::String(w.work_type.clone()));
            if let Some(p) = &w.parent {
                o.insert("container".into(), tree(p));
            }
            Value::Object(o)
        }
        let refs: Vec<Value> = self
            .references
            .iter()
            .map(|r| {
                let mut o = Map::new();
                if let Some(l) = &r.label {
                    o.insert("label".into(), json!(l));
                }
                o.insert("text".into(), json!(r.text));
                if let Some(d) = &r.doi {
                    o.insert("DOI".into(), json!(d));
                }
                if let Some(w) = &r.work {
                    o.insert("work".into(), tree(w));
                }
                Value::Object(o)
            })
            .collect();
        json!({ "work": tree(&self.work), "references": refs, "warnings": self.warnings })
    }
}
