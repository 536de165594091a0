//! The one label set, and how each corpus's tags map onto it.
//!
//! AnyStyle's core set and CORA (ParsCit's tagging) name the same things
//! differently (CORA's `booktitle` is AnyStyle's `container-title`, its
//! `tech` AnyStyle's `genre`). Neither tags an issue apart from its volume
//! ("vol. 7, no. 3," and "4(2)," are one `volume` segment); [`split_issue`]
//! relabels the "no. 3" part of such a segment `issue`, so the labeller
//! learns it.

/// Every label the labeller can give, in a fixed order.
pub const LABELS: &[&str] = &[
    "author", "editor", "translator", "title", "container-title", "journal", "collection-title",
    "volume", "issue", "pages", "date", "publisher", "location", "institution", "genre", "edition",
    "note", "url", "doi", "isbn", "citation-number",
];

/// Maps a tag of AnyStyle's core set or of CORA to a label of [`LABELS`].
/// `None` for a tag neither corpus uses.
pub fn unify(tag: &str) -> Option<&'static str> {
    Some(match tag {
        "author" | "director" => "author",
        "editor" => "editor",
        "translator" => "translator",
        "title" => "title",
        // A periodical stays apart from a book or proceedings: both corpora
        // tell them apart, and the record's type follows from it.
        "journal" => "journal",
        "container-title" | "booktitle" | "source" => "container-title",
        "collection-title" => "collection-title",
        "volume" => "volume",
        "issue" => "issue",
        "pages" => "pages",
        "date" => "date",
        "publisher" | "producer" => "publisher",
        "location" => "location",
        "institution" => "institution",
        "genre" | "tech" | "medium" => "genre",
        "edition" => "edition",
        "note" => "note",
        "url" => "url",
        "doi" => "doi",
        "isbn" => "isbn",
        "citation-number" => "citation-number",
        _ => return None,
    })
}

/// Within one `volume` segment's tokens, which are the issue: a number
/// keyword ("no.", "No", "nr", "issue", "Heft") and the number after it, or a
/// parenthesised number standing alone ("(1),").
pub fn split_issue(tokens: &[&str]) -> Vec<&'static str> {
    let mut out = vec!["volume"; tokens.len()];
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i];
        let core = crate::tokenize::core(t).to_lowercase();
        let keyword = ["no", "nos", "nr", "issue", "iss", "heft", "num", "number", "n°"].contains(&core.as_str());
        let glued = (core.starts_with("no.") || t.to_lowercase().starts_with("no.")) && core.len() > 2 && core[2..].trim_start_matches('.').chars().next().is_some_and(|c| c.is_ascii_digit());
        if keyword {
            out[i] = "issue";
            if let Some(next) = tokens.get(i + 1) {
                if next.chars().any(|c| c.is_ascii_digit()) {
                    out[i + 1] = "issue";
                    i += 1;
                }
            }
        } else if glued || (t.starts_with('(') && crate::tokenize::core(t).chars().all(|c| c.is_ascii_digit() || c == '-' || c == '–') && i > 0) {
            out[i] = "issue";
        }
        i += 1;
    }
    out
}
