//! The works a work cites, and the works that cite it: the "Cited works" and
//! "Cited by" tabs of a work's detail.

use ibid_core::store::{CitationForm, NoteCitation};
use ibid_core::{csl, Library};
use serde::{Deserialize, Serialize};

use crate::{creators_summary, Api, ApiError, ApiResult, KeyArgs};

/// Notes or a reference list pasted on a work.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PasteNotes {
    pub key: String,
    /// Numbered notes ("1. …", "[1] …", "¹ …"), or a reference list: one
    /// reference per line.
    pub text: String,
}

/// A work at the other end of a citation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CitedWork {
    pub key: String,
    #[serde(rename = "type")]
    pub work_type: String,
    /// May carry publisher markup: the UI sanitizes before rendering.
    pub title: String,
    pub creators: String,
    pub year: Option<i32>,
    /// In the library's list; `false` for a work known only as cited.
    pub standalone: bool,
}

/// One citation a work makes, in note order.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Citation {
    /// The note's number; `None` in a plain reference list.
    pub note: Option<i64>,
    pub position: i64,
    /// `full`, `short` or `ibid`.
    pub form: String,
    pub locator: Option<String>,
    /// The citation as it was written.
    pub text: String,
    /// `None` until the citation is matched to a work.
    pub work: Option<CitedWork>,
}

/// Where one work cites the work asked about.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CitedIn {
    pub note: Option<i64>,
    pub form: String,
    pub locator: Option<String>,
    pub text: String,
}

/// A work that cites the work asked about, with each place it does.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CitingWork {
    pub work: CitedWork,
    pub citations: Vec<CitedIn>,
}

fn cited_work(lib: &Library, id: i64) -> ApiResult<CitedWork> {
    let w = lib.work(id)?;
    let standalone: bool = lib
        .connection()
        .query_row("SELECT standalone FROM works WHERE id = ?1", [id], |r| r.get(0))
        .map_err(ibid_core::Error::from)?;
    Ok(CitedWork {
        key: w.key.clone().unwrap_or_default(),
        work_type: w.work_type.clone(),
        title: w.title.clone().unwrap_or_default(),
        creators: creators_summary(&w),
        year: csl::effective_issued(&w).and_then(|d| d.year()),
        standalone,
    })
}

fn form(f: CitationForm) -> String {
    f.as_str().to_string()
}

impl Api {
    /// The citations `key` makes, in note order, each with its cited work.
    pub fn cited_works(&self, args: KeyArgs) -> ApiResult<Vec<Citation>> {
        let lib = self.lib();
        let id = lib.resolve(&args.key)?;
        // A work cited in many notes is loaded once.
        let mut works: std::collections::HashMap<i64, CitedWork> = std::collections::HashMap::new();
        let mut out = Vec::new();
        for c in lib.citations_of(id)? {
            let work = match c.cited {
                Some(w) => Some(match works.get(&w) {
                    Some(cw) => cw.clone(),
                    None => works.entry(w).or_insert(cited_work(&lib, w)?).clone(),
                }),
                None => None,
            };
            out.push(Citation { note: c.note_number, position: c.position, form: form(c.form), locator: c.locator, text: c.raw_text, work });
        }
        Ok(out)
    }

    /// The works that cite `key`, each once, with every note that does.
    pub fn cited_by(&self, args: KeyArgs) -> ApiResult<Vec<CitingWork>> {
        let lib = self.lib();
        let id = lib.resolve(&args.key)?;
        let mut out: Vec<CitingWork> = Vec::new();
        let mut last = None;
        for c in lib.citing_of(id)? {
            if last != Some(c.citing) {
                out.push(CitingWork { work: cited_work(&lib, c.citing)?, citations: Vec::new() });
                last = Some(c.citing);
            }
            let here = CitedIn { note: c.note_number, form: form(c.form), locator: c.locator, text: c.raw_text };
            out.last_mut().expect("pushed above").citations.push(here);
        }
        Ok(out)
    }

    /// "Paste notes or references" on a work: numbered notes are read as
    /// notes (full citations, short forms, "ibid."); otherwise each line is
    /// one reference of a list. The work's citations are replaced; cited
    /// works are matched to the library or kept as cited-only records.
    /// Returns the work's citations as [`Api::cited_works`] does.
    pub fn paste_notes(&self, args: PasteNotes) -> ApiResult<Vec<Citation>> {
        use ibid_notes::ReferenceParser;
        let parser = ibid_notes::LabellerParser;
        let numbered = ibid_notes::notes::split_notes(&args.text);
        let (works, citations): (Vec<ibid_core::Work>, Vec<NoteCitation>) = if numbered.is_empty() {
            // A reference list: every line of some length is one full reference.
            let lines = args.text.lines().map(str::trim).filter(|l| l.chars().filter(|c| c.is_alphanumeric()).count() >= 8);
            let mut works = Vec::new();
            let mut citations = Vec::new();
            for (i, line) in lines.enumerate() {
                let p = parser.parse(line);
                if p.work.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
                    continue;
                }
                citations.push(NoteCitation {
                    note_number: None,
                    position: i as i64,
                    raw_text: line.to_string(),
                    locator: p.locator,
                    form: CitationForm::Full,
                    cited: Some(works.len()),
                });
                works.push(p.work);
            }
            (works, citations)
        } else {
            let set = ibid_notes::Reader::read(&parser, numbered);
            let citations = ibid_notes::note_citations(&set);
            (set.works, citations)
        };
        if citations.is_empty() {
            return Err(ApiError::new("invalid_input", "no notes or references found in the pasted text"));
        }
        {
            let mut lib = self.lib();
            let id = lib.resolve(&args.key)?;
            lib.set_note_citations(id, works, citations)?;
        }
        self.cited_works(KeyArgs { key: args.key })
    }
}
