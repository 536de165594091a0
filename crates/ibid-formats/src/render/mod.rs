//! Bibliographies and citations in CSL styles, through hayagriva.
//!
//! * Styles: every style hayagriva bundles (`apa`, `chicago-author-date`,
//!   `chicago-notes`, `ieee`, `mla`, `vancouver`…), the ones Ibid ships
//!   (`springer-link`), and `.csl` files (independent, or dependent on one
//!   of those) — [`style`], [`list_styles`].
//! * Locales: every locale hayagriva bundles (`en-US`, `de-DE`…), by
//!   default the style's — [`list_locales`].
//! * Input: flat CSL-JSON items (`Library::csl_items`), handed to hayagriva
//!   as CSL-JSON (see `input.rs` for what is repaired on the way).
//! * Output: [`Format::Text`] (no terminal codes), [`Format::Html`] (every
//!   text escaped; only `<i>`, `<b>`, `<sup>`, `<sub>`, small-caps spans and
//!   http(s) links added), [`Format::Markdown`], [`Format::Rtf`].
//!
//! # Bibliographies of a whole library
//!
//! hayagriva's driver compares every entry with every other (citation
//! numbers and bibliography lookups are linear searches), so a whole
//! library costs seconds at 10k entries and minutes beyond. [`RenderCache`]
//! renders the same output in groups instead (`engine.rs`):
//!
//! 1. The order is hayagriva's own sort, run once over copies of the
//!    items with a variant of the style whose citation sorts like its
//!    bibliography and prints only each item's input index (also the last
//!    sort key), so ties keep the input order as the driver's stable
//!    sort does. Our vendored hayagriva (`vendor/hayagriva`) computes each
//!    item's sort keys once per sort (upstream renders them on every
//!    comparison); the order is kept, so an unchanged list is not sorted
//!    again and a few new or edited items are inserted by binary search.
//! 2. Every item is rendered alone (in parallel), at its place in that
//!    order, so citation numbers are right.
//! 3. Items whose citations could become ambiguous with each other — the
//!    same first name as printed (all the names when they were
//!    substituted) and the same text once names are left out: the same
//!    author and year in author-date styles — are rendered again together,
//!    in one driver, cited in bibliography order (so that year suffixes
//!    follow the bibliography, as CSL says). A group whose citations show no
//!    date borrows a dated neighbour (hayagriva adds year suffixes only when
//!    some citation shows a date). Groups whose final citations still
//!    coincide are joined and rendered again.
//! 4. Over the whole list: the names of a disambiguated entry are taken from
//!    the entry rendered alone (see `finish_entries`), then the
//!    subsequent-author substitute (`———`) and the `second-field-align`
//!    first field.
//!
//! By style family: author-date and author-title styles give groups of the
//! same author (and year); note styles cite by full note, so groups are
//! rare; numeric styles cite by number, so no two citations coincide and
//! every item is its own group, rendered with its global number (should a
//! numbered style ever group items, a group is widened to the contiguous
//! run of the order that holds it, and rendered with the run's first
//! number as offset). Rendered items and groups stay in the cache, keyed by
//! style, locale and the items' content (and position, for styles that
//! print citation numbers); output formats are written from the cached
//! elements, so a second format costs no rendering.
//!
//! The result is what hayagriva's driver prints for the whole list with the
//! items cited in bibliography order ([`bibliography_single_pass`] plus the
//! same step 4), except where that driver gives up: it runs at most three
//! disambiguation rounds over the whole document and, within a round, once
//! one ambiguous group was handled by names, offers every later group only
//! names — so in a long list some citations stay ambiguous ("(Çelik et al.,
//! 2015)" twice); each group here has its own driver and gets its year
//! suffixes.

mod engine;
mod input;
mod locator;
mod output;
mod style;
mod whole_list;

use serde_json::{Map, Value};

pub use engine::{CacheStats, RenderCache};
pub use locator::{parse_cite_arg, Locator};
pub use output::escape_html;
pub use style::{list_locales, list_styles, style, style_from_xml, Style};

/// The kinds of locator, re-exported from `citationberg`.
pub use hayagriva::citationberg::taxonomy::Locator as LocatorKind;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Plain text, no terminal codes.
    Text,
    /// An HTML fragment; all text escaped.
    Html,
    /// Markdown (CommonMark): `*italics*`, `**bold**`, escaped specials.
    Markdown,
    /// An RTF fragment: `{\i …}`, `{\b …}`, `\uN?` for non-ASCII.
    Rtf,
}

impl std::str::FromStr for Format {
    type Err = RenderError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" | "txt" | "plain" => Ok(Format::Text),
            "html" => Ok(Format::Html),
            "markdown" | "md" => Ok(Format::Markdown),
            "rtf" => Ok(Format::Rtf),
            other => Err(RenderError::UnknownFormat(other.to_string())),
        }
    }
}

/// One bibliography entry: the item's `id` (the work's key), its text, and
/// how the item is cited in a document with this bibliography
/// (disambiguated against every other entry: `(Shen, 2020a)`, `[12]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BibEntry {
    pub key: String,
    pub text: String,
    pub citation: String,
}

impl std::fmt::Display for BibEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// Why a style, locale or rendering failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RenderError {
    #[error("unknown style {0:?}: give a style id (see the list of styles) or the path of a .csl file")]
    UnknownStyle(String),
    #[error("style {style}: {message}")]
    BadStyle { style: String, message: String },
    #[error("style {style} depends on {parent}, which is not a style Ibid has; use the parent's .csl file")]
    UnknownParent { style: String, parent: String },
    #[error("unknown locale {0:?}: give a locale such as en-US, de-DE or fr-FR")]
    UnknownLocale(String),
    #[error("unknown format {0:?}: text, html, markdown or rtf")]
    UnknownFormat(String),
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    #[error("style {0} has no bibliography")]
    NoBibliography(String),
    #[error("could not render {key}: {message}")]
    Item { key: String, message: String },
}

impl RenderError {
    /// A stable code for the kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            RenderError::UnknownStyle(_) => "unknown_style",
            RenderError::BadStyle { .. } => "bad_style",
            RenderError::UnknownParent { .. } => "unknown_parent_style",
            RenderError::UnknownLocale(_) => "unknown_locale",
            RenderError::UnknownFormat(_) => "unknown_format",
            RenderError::Io { .. } => "io",
            RenderError::NoBibliography(_) => "no_bibliography",
            RenderError::Item { .. } => "render_failed",
        }
    }
}

/// The bibliography of `items` (flat CSL-JSON, `id` = the work's key), one
/// entry per item in the style's order; an item that prints nothing in the
/// style has no entry (as in citeproc-js). A caller rendering repeatedly
/// should keep a [`RenderCache`] and call [`RenderCache::bibliography`].
pub fn bibliography(items: &[Map<String, Value>], style: &Style, locale: Option<&str>, format: Format) -> Result<Vec<BibEntry>, RenderError> {
    RenderCache::new().bibliography(items, style, locale, format)
}

/// One item of a citation: the flat CSL-JSON item and where in it.
pub type CiteItem = (Map<String, Value>, Option<Locator>);

/// One citation of one or more items, each with an optional locator:
/// `(Shen, 2020, p. 79)` in APA, the full note in a note style.
pub fn citation(items: &[CiteItem], style: &Style, locale: Option<&str>, format: Format) -> Result<String, RenderError> {
    Ok(citations(&[items.to_vec()], style, locale, format)?.pop().unwrap_or_default())
}

/// A sequence of citations as they appear in a document (in a note style,
/// note 1, 2, …): a work cited again gets the style's subsequent form (a
/// short note, or "Ibid.").
pub fn citations(cites: &[Vec<CiteItem>], style: &Style, locale: Option<&str>, format: Format) -> Result<Vec<String>, RenderError> {
    engine::citations(cites, style, locale, format)
}

/// The bibliography as hayagriva's driver renders it with the whole list
/// at once (one citation per item, in the given order), followed by the
/// same whole-list steps as [`RenderCache::bibliography`]. Quadratic: the
/// reference the grouped renderer is tested against, and fine for a few
/// hundred items.
pub fn bibliography_single_pass(items: &[Map<String, Value>], style: &Style, locale: Option<&str>, format: Format) -> Result<Vec<BibEntry>, RenderError> {
    engine::single_pass(items, style, locale, format)
}

/// A bibliography's entries as one document of `format`: an HTML
/// `csl-bib-body` div, an RTF document, or one entry per line (Markdown:
/// a blank line between entries).
pub fn document(entries: Vec<BibEntry>, format: Format) -> String {
    let body: Vec<String> = entries.into_iter().map(|e| e.text).collect();
    match format {
        Format::Html => {
            let mut s = String::from("<div class=\"csl-bib-body\">\n");
            for e in body {
                s.push_str("  <div class=\"csl-entry\">");
                s.push_str(&e);
                s.push_str("</div>\n");
            }
            s.push_str("</div>\n");
            s
        }
        Format::Rtf => {
            let mut s = String::from("{\\rtf1\\ansi\\deff0\n");
            for e in body {
                s.push_str(&e);
                s.push_str("\\par\n");
            }
            s.push_str("}\n");
            s
        }
        Format::Markdown => body.iter().map(|e| format!("{e}\n")).collect::<Vec<_>>().join("\n"),
        Format::Text => body.iter().map(|e| format!("{e}\n")).collect(),
    }
}
