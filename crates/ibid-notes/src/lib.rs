//! Saved publisher pages and their notes into linked records.
//!
//! * [`page`]: a page (HTML with Highwire / Dublin Core / JSON-LD metadata,
//!   or a page saved as text) into the work it describes and its numbered
//!   notes ([`html`] is the small HTML reader it uses).
//! * [`notes`]: notes into citations (full, short, ibid.), linked across
//!   notes so that the same work is one record.
//! * [`parse`]: one reference string into a typed record, behind the
//!   [`parse::ReferenceParser`] trait (the trained [`parse::LabellerParser`] by
//!   default, over `ibid-refparse`; the rule-based [`parse::RuleParser`] beside it).
//! * [`store`] / [`report`]: writing the work, its cited works and the
//!   citations into a library in one transaction, and the `--json` answer.
//!
//! No I/O here: the shells read the file and resolve the DOI.

pub mod html;
pub mod names;
pub mod notes;
pub mod page;
pub mod parse;

use ibid_core::store::{NoteCitation, NotesImport, NotesImported};
use ibid_core::{Library, Work};
use serde_json::{Map, Value};

pub use notes::{Citation, Note, NoteSet, RawNote, Reader};
pub use page::{read_page, Page};
pub use parse::{LabellerParser, Parsed, ReferenceParser, RuleParser};

/// A page read: the work, its notes and what they cite.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadPage {
    pub page: Page,
    pub notes: NoteSet,
}

/// Reads a page and its notes with `parser` for the full citations.
pub fn read(input: &str, parser: &dyn ReferenceParser) -> ReadPage {
    let page = read_page(input);
    let notes = Reader::read(parser, page.notes.clone());
    ReadPage { page, notes }
}

/// Fills `w` (and its container chain, level by level) from `other`.
pub fn fill_tree(w: &mut Work, other: &Work) {
    w.fill_from(other);
    match (w.parent.as_deref_mut(), other.parent.as_deref()) {
        (Some(p), Some(o)) => fill_tree(p, o),
        (None, Some(o)) => w.parent = Some(Box::new(o.clone())),
        _ => {}
    }
}

/// Stores the page's work (or `resolved`, the record its DOI gave, completed
/// from the page) with its cited works and citations, in one transaction.
pub fn store(lib: &mut Library, read: &ReadPage, resolved: Option<(Work, Vec<ibid_core::store::CachedResponse>)>) -> ibid_core::Result<NotesImported> {
    let (work, responses) = match resolved {
        Some((mut w, responses)) => {
            fill_tree(&mut w, &read.page.work);
            (w, responses)
        }
        None => (read.page.work.clone(), Vec::new()),
    };
    let citations = note_citations(&read.notes);
    lib.import_with_citations(NotesImport { work, responses, cited: read.notes.works.clone(), citations })
}

/// The citations of a set of notes as the store takes them (each pointing
/// into `notes.works`).
pub fn note_citations(notes: &NoteSet) -> Vec<NoteCitation> {
    notes
        .notes
        .iter()
        .flat_map(|n| {
            n.citations.iter().map(move |c| NoteCitation {
                note_number: Some(n.number as i64),
                position: c.position as i64,
                raw_text: c.text.clone(),
                locator: c.locator.clone(),
                form: c.form,
                cited: c.work,
            })
        })
        .collect()
}

/// The `--json` answer: `{"work": item, "notes": [{number, text, citations:
/// [{work, locator, form, text}]}], "works": {KEY: item}}`.
pub fn report(lib: &Library, read: &ReadPage, imported: &NotesImported) -> ibid_core::Result<Value> {
    let key = |i: Option<usize>| i.and_then(|i| imported.cited.get(i)).map(|p| Value::String(p.key.clone())).unwrap_or(Value::Null);
    let notes: Vec<Value> = read
        .notes
        .notes
        .iter()
        .map(|n| {
            let cites: Vec<Value> = n
                .citations
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "work": key(c.work),
                        "locator": c.locator,
                        "form": c.form.as_str(),
                        "text": c.text,
                    })
                })
                .collect();
            serde_json::json!({ "number": n.number, "text": n.text, "citations": cites })
        })
        .collect();
    let mut works = Map::new();
    for p in &imported.cited {
        if !works.contains_key(&p.key) {
            works.insert(p.key.clone(), Value::Object(lib.csl_item(p.id)?));
        }
    }
    Ok(serde_json::json!({
        "work": Value::Object(lib.csl_item(imported.work.id)?),
        "notes": notes,
        "works": works,
    }))
}
