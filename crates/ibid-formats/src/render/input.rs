//! Flat CSL-JSON items (as `Library::csl_items` gives them) into the
//! CSL-JSON items hayagriva renders (`citationberg::json::Item`, which
//! implements hayagriva's `EntryLike` with the `csl-json` feature).
//!
//! This path keeps every CSL variable as it is (a chapter's
//! `container-title`, `editor`, `collection-title`, `publisher-place`, a
//! report's `publisher`…), unlike a detour through BibTeX or hayagriva's own
//! `Entry` model. What it has to repair, because hayagriva would panic,
//! drop or misread it:
//!
//! * dates: a range's end is kept only when it is a date other than the
//!   start; months and days outside 1–12 / 1–31 are dropped (they would wrap to
//!   255 inside hayagriva); a date given only as `raw` is parsed; a
//!   `literal` date keeps the year found in it (hayagriva ignores literals);
//! * lists where CSL wants one string (`container-title`, `ISBN`, `ISSN`…
//!   as Crossref writes them): the first value;
//! * names: `{ "given": … }` alone becomes a literal name;
//! * CSL rich-text markup (`<i>`, `<b>`, `<sup>`, `<sub>`, small caps and
//!   `nocase` spans) is removed rather than printed as text, except in text
//!   variables (`title`, `container-title`…), where it is written as the
//!   vendored hayagriva reads it (its patch 53: not printed, but what is in
//!   small caps, `<sup>`, `<sub>` and `nocase` spans keeps its case, as in
//!   citeproc-js). Any other `<…>` stays text (and is escaped on output);
//! * item types as Crossref names them are mapped to CSL types;
//! * a straight apostrophe after a letter or before a year's digits, or a
//!   stray opening single quote outside a quotation, is printed typographic
//!   (’), as citeproc-js prints it (not in identifiers and links);
//! * `key: value` lines at the start of the note become variables the item
//!   lacks, as citeproc-js reads them (`URL: …` from BibTeX notes).

use std::hash::{Hash, Hasher};

use hayagriva::citationberg::taxonomy::StandardVariable;
use hayagriva::citationberg::json::{DateValue, Item, LiteralName, NameItem, NameValue, Value as CslValue, VecDate, VecDateRange};
use ibid_core::model::{normalize_type, Date, ROLES};
use serde_json::{Map, Value};

/// The CSL date variables.
pub(crate) const DATE_VARIABLES: &[&str] = &["accessed", "available-date", "event-date", "issued", "original-date", "submitted"];

/// Converts one flat CSL-JSON item.
pub(crate) fn to_item(map: &Map<String, Value>) -> Item {
    let with_note_fields = note_fields(map);
    let map = with_note_fields.as_ref().unwrap_or(map);
    let mut item = Item(Default::default());
    for (k, v) in map {
        let key = k.as_str();
        let value = if key == "id" {
            scalar(v).map(CslValue::String)
        } else if key == "type" {
            scalar(v).map(|t| CslValue::String(normalize_type(&t).map(|t| if t == "series" { "book" } else { t }).unwrap_or("document").to_string()))
        } else if DATE_VARIABLES.contains(&key) {
            date(v).map(CslValue::Date)
        } else if ROLES.contains(&key) {
            names(v).map(CslValue::Names)
        } else {
            let typographic = !VERBATIM_VARIABLES.contains(&key);
            match v {
                // A text variable keeps its markup: the vendored hayagriva
                // reads it (its patch 53), keeping what is inside small caps,
                // `<sup>`, `<sub>` and `nocase` spans from case changes, as
                // citeproc-js does.
                Value::String(s) if typographic && is_text_variable(key) => {
                    non_empty(strip_markup(s)).map(|_| CslValue::String(rich_text(s)))
                }
                Value::String(s) if typographic => non_empty(apostrophes(&strip_markup(s))).map(CslValue::String),
                Value::String(s) => non_empty(strip_markup(s)).map(CslValue::String),
                Value::Number(n) => Some(match n.as_i64() {
                    Some(i) => CslValue::Number(i),
                    None => CslValue::String(n.to_string()),
                }),
                Value::Array(a) => a.iter().find_map(scalar).and_then(|s| non_empty(strip_markup(&s))).map(CslValue::String),
                _ => None,
            }
        };
        if let Some(value) = value {
            item.0.insert(k.clone(), value);
        }
    }
    item.0.entry("type".into()).or_insert_with(|| CslValue::String("document".into()));
    item
}

/// Variables given in the `note` as `key: value` lines, read as citeproc-js
/// reads them (its "note field hacks", on by default): from the start of the
/// note (a first line that is not one is skipped), each line `key: value`
/// with a key of lower-case letters, `-` and `_` or of capitals ("URL") sets
/// that variable if the item does not have it (`type` always; a name
/// variable as `family || given` or a literal) and leaves the note; the
/// first other line ends them. BibTeX's `note = {URL: …}` becomes the link
/// citeproc-js prints. `None` when the note has no such line.
fn note_fields(map: &Map<String, Value>) -> Option<Map<String, Value>> {
    let note = map.get("note")?.as_str()?;
    let mut lines: Vec<Option<&str>> = note.split('\n').map(Some).collect();
    let mut out = map.clone();
    let mut names: Vec<(String, Vec<Value>)> = Vec::new();
    let mut changed = false;
    for i in 0..lines.len() {
        let line = lines[i].unwrap_or_default();
        if line.trim().is_empty() {
            continue;
        }
        let Some((key, val)) = note_field(line) else {
            if i == 0 {
                continue;
            }
            break;
        };
        let present = out.get(key).is_some_and(|v| !v.is_null());
        if key == "type" {
            out.insert(key.into(), Value::String(val.into()));
        } else if DATE_VARIABLES.contains(&key) {
            if !present {
                out.insert(key.into(), serde_json::json!({ "raw": val }));
            }
        } else if present {
            continue;
        } else if ROLES.contains(&key) {
            let parts: Vec<&str> = val.split("||").map(str::trim).collect();
            let name = match parts[..] {
                [literal] => serde_json::json!({ "literal": literal }),
                [family, given] => serde_json::json!({ "family": family, "given": given }),
                _ => continue,
            };
            match names.iter_mut().find(|(k, _)| k == key) {
                Some((_, list)) => list.push(name),
                None => names.push((key.to_string(), vec![name])),
            }
        } else {
            out.insert(key.into(), Value::String(val.into()));
        }
        lines[i] = None;
        changed = true;
    }
    if !changed {
        return None;
    }
    for (key, list) in names {
        out.insert(key, Value::Array(list));
    }
    let rest: Vec<&str> = lines.into_iter().flatten().collect();
    out.insert("note".into(), Value::String(rest.join("\n").trim().to_string()));
    Some(out)
}

/// A `key: value` line of a note (citeproc-js's `NOTE_FIELD_REGEXP`,
/// `^([\-_a-z]+|[A-Z]+):\s*([^\}]+)$`), the value trimmed.
fn note_field(line: &str) -> Option<(&str, &str)> {
    let (key, val) = line.split_once(':')?;
    let lower = key.chars().all(|c| c.is_ascii_lowercase() || c == '-' || c == '_');
    let upper = key.chars().all(|c| c.is_ascii_uppercase());
    let val = val.trim_start();
    (!key.is_empty() && (lower || upper) && !val.is_empty() && !val.contains('}')).then(|| (key, val.trim_end()))
}

/// Variables printed as they are (identifiers, links): no typographic
/// apostrophes.
const VERBATIM_VARIABLES: &[&str] = &["URL", "DOI", "ISBN", "ISSN", "PMID", "PMCID", "citation-key", "call-number", "number", "page", "volume", "issue"];

/// Whether a variable is one of CSL's standard (text) variables (`title`,
/// `container-title`, `publisher`…; not a number, date or name variable).
fn is_text_variable(key: &str) -> bool {
    serde_json::from_value::<StandardVariable>(Value::String(key.to_string())).is_ok()
}

/// A straight apostrophe after a letter, or at the start of a word before a
/// digit, becomes a typographic one ("Women's" → "Women’s", "O'Brien" →
/// "O’Brien", "ISSAC '15" → "ISSAC ’15"), as citeproc-js prints it;
/// hayagriva prints the input's. So does one at the start of a word that no
/// closing mark follows ("in 't leger" → "in ’t leger"), outside a
/// quotation in the value: citeproc-js prints such a stray opening quote as
/// an apostrophe, and inside double quotes leaves it ("“GenCo 's”").
fn apostrophes(s: &str) -> String {
    apostrophes_after(s, &mut None)
}

/// `apostrophes`, for text that follows text ending in `prev` (updated).
fn apostrophes_after(s: &str, prev_before: &mut Option<char>) -> String {
    if !s.contains('\'') {
        *prev_before = s.chars().next_back().or(*prev_before);
        return s.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    // A closing single quote: after a non-space, before the end, a space or
    // punctuation.
    let closes = |i: usize| {
        matches!(chars[i], '\'' | '\u{2019}')
            && i > 0
            && !chars[i - 1].is_whitespace()
            && chars.get(i + 1).is_none_or(|n| !n.is_alphanumeric())
    };
    let mut out = String::with_capacity(s.len() + 4);
    let mut in_double = false;
    for (i, &c) in chars.iter().enumerate() {
        let prev = if i == 0 { *prev_before } else { Some(chars[i - 1]) };
        let next = chars.get(i + 1).copied();
        match c {
            '"' => in_double = !in_double,
            '\u{201C}' => in_double = true,
            '\u{201D}' => in_double = false,
            _ => {}
        }
        let word_start = prev.is_none_or(char::is_whitespace);
        // After a letter, or eliding the century of a year ("W4A '07").
        let typographic = c == '\''
            && (prev.is_some_and(char::is_alphabetic)
                || (word_start && next.is_some_and(|n| n.is_ascii_digit()))
                || (word_start
                    && !in_double
                    && next.is_some_and(char::is_alphabetic)
                    && !(i + 1..chars.len()).any(closes)));
        out.push(if typographic { '\u{2019}' } else { c });
    }
    *prev_before = chars.last().copied().or(*prev_before);
    out
}

/// A stable fingerprint of a converted item (for cache keys).
pub(crate) fn fingerprint(item: &Item) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    item.hash(&mut h);
    h.finish()
}

fn non_empty(s: String) -> Option<String> {
    (!s.trim().is_empty()).then_some(s)
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn names(v: &Value) -> Option<Vec<NameValue>> {
    let Value::Array(list) = v else { return None };
    let out: Vec<NameValue> = list.iter().filter_map(name).collect();
    (!out.is_empty()).then_some(out)
}

fn name(v: &Value) -> Option<NameValue> {
    let literal = |s: &str| non_empty(apostrophes(&strip_markup(s))).map(|literal| NameValue::Literal(LiteralName { literal }));
    let o = match v {
        Value::Object(o) => o,
        Value::String(s) => return literal(s),
        _ => return None,
    };
    let get = |k: &str| o.get(k).and_then(Value::as_str).map(|s| apostrophes(&strip_markup(s))).and_then(non_empty);
    if let Some(l) = get("literal") {
        return Some(NameValue::Literal(LiteralName { literal: l }));
    }
    match (get("family"), get("given")) {
        (Some(family), given) => Some(NameValue::Item(NameItem {
            family,
            given: given.map(|g| spaced_initials(&g)),
            non_dropping_particle: get("non-dropping-particle"),
            dropping_particle: get("dropping-particle"),
            suffix: get("suffix"),
            comma_suffix: o.get("comma-suffix").and_then(|c| match c {
                Value::Bool(b) => Some(*b),
                Value::String(s) => Some(s == "true"),
                Value::Number(n) => Some(n.as_i64() == Some(1)),
                _ => None,
            }),
        })),
        (None, Some(given)) => Some(NameValue::Literal(LiteralName { literal: given })),
        (None, None) => None,
    }
}

/// Initials written together in a given name are spaced ("F.R." → "F. R.",
/// "A.B.Carl" → "A. B. Carl"), as citeproc-js normalises a given name before
/// printing or initialising it: a period directly followed by a letter gets a
/// space.
fn spaced_initials(given: &str) -> String {
    if !given.contains('.') {
        return given.to_string();
    }
    let mut out = String::with_capacity(given.len() + 4);
    let mut chars = given.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '.' && chars.peek().is_some_and(|n| n.is_alphabetic()) {
            out.push(' ');
        }
    }
    out
}

fn date(v: &Value) -> Option<DateValue> {
    let d = Date::from_csl(v).ok()?;
    let mut parts = d.parts.first().map(|p| safe_parts(p)).unwrap_or_default();
    // The end of a range, when it is a date and not the start again.
    // (A year 0 marks an open range in some data; left out.)
    let end = d.parts.get(1).map(|p| safe_parts(p)).filter(|e| e.first().is_some_and(|y| *y != 0) && *e != parts && !parts.is_empty());
    if parts.is_empty() {
        // A literal ("Spring 1997") or an unparsed raw date: keep its year.
        let text = d.literal.as_deref().or(d.raw.as_deref())?;
        parts.push(year_in(text)?);
    }
    let season = d.season.as_ref().and_then(season_number);
    let circa = match &d.circa {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true" || s == "1",
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        _ => false,
    };
    let mut range = vec![VecDate(parts)];
    range.extend(end.map(VecDate));
    Some(DateValue::DateParts { date_parts: VecDateRange(range), literal: None, season, circa })
}

/// A date's parts as hayagriva can take them: a year that fits, then a
/// month within 1–12, then a day within 1–31 (anything else would wrap);
/// empty without a year.
fn safe_parts(p: &[i32]) -> Vec<i16> {
    let mut parts = Vec::new();
    if let Some(y) = p.first().and_then(|y| i16::try_from(*y).ok()) {
        parts.push(y);
        if let Some(m) = p.get(1).copied().filter(|m| (1..=12).contains(m)) {
            parts.push(m as i16);
            if let Some(day) = p.get(2).copied().filter(|d| (1..=31).contains(d)) {
                parts.push(day as i16);
            }
        }
    }
    parts
}

fn year_in(text: &str) -> Option<i16> {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(3)).find_map(|i| {
        let w = &b[i..i + 4];
        let boundary = |j: Option<&u8>| j.is_none_or(|c| !c.is_ascii_digit());
        (w.iter().all(u8::is_ascii_digit) && (i == 0 || boundary(b.get(i - 1))) && boundary(b.get(i + 4)))
            .then(|| text[i..i + 4].parse().ok())
            .flatten()
    })
}

fn season_number(v: &Value) -> Option<String> {
    let s = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_ascii_lowercase(),
        _ => return None,
    };
    Some(
        match s.as_str() {
            "1" | "spring" => "1",
            "2" | "summer" => "2",
            "3" | "autumn" | "fall" => "3",
            "4" | "winter" => "4",
            _ => return None,
        }
        .to_string(),
    )
}

/// Removes CSL's rich-text markup tags (and only those) from a string.
pub(crate) fn strip_markup(s: &str) -> String {
    if !s.contains('<') {
        return s.to_string();
    }
    markup_pieces(s).into_iter().filter_map(|p| match p {
        Markup::Text(t) => Some(t),
        Markup::Tag(_) => None,
    }).collect()
}

/// A text variable's value for the vendored hayagriva: CSL's rich-text
/// markup written as hayagriva reads it (`rich_text` in its
/// src/csl/taxonomy.rs: `<i>`, `<b>`, `<sup>`, `<sub>`, `<sc>` for small
/// caps, `<span class="nocase">`; `<em>` and `<strong>` are dropped), any
/// other `<…>` left as text, and typographic apostrophes in the text.
fn rich_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev = None;
    for piece in markup_pieces(s) {
        match piece {
            Markup::Text(t) => out.push_str(&apostrophes_after(t, &mut prev)),
            Markup::Tag(tag) => out.push_str(tag),
        }
    }
    out
}

/// A piece of a string with CSL rich-text markup.
enum Markup<'a> {
    Text(&'a str),
    /// A markup tag as the vendored hayagriva reads it ("" for one it drops).
    Tag(&'static str),
}

/// Splits a string at CSL's rich-text markup tags (any spelling: `<I>`,
/// `<span class='nocase'>`, `<span style="font-variant: small-caps">`).
fn markup_pieces(s: &str) -> Vec<Markup<'_>> {
    const TAGS: &[(&str, &str)] = &[
        ("<i>", "<i>"), ("</i>", "</i>"), ("<b>", "<b>"), ("</b>", "</b>"),
        ("<em>", ""), ("</em>", ""), ("<strong>", ""), ("</strong>", ""),
        ("<sup>", "<sup>"), ("</sup>", "</sup>"), ("<sub>", "<sub>"), ("</sub>", "</sub>"),
        ("<sc>", "<sc>"), ("</sc>", "</sc>"),
    ];
    let mut out = Vec::new();
    // The spans open: a `</span>` closes one, else it is text.
    let mut open_spans = 0usize;
    let mut rest = s;
    while let Some(start) = rest.find('<') {
        if start > 0 {
            out.push(Markup::Text(&rest[..start]));
        }
        let tail = &rest[start..];
        let Some(end) = tail.find('>') else {
            out.push(Markup::Text(tail));
            return out;
        };
        let tag = &tail[..=end];
        let norm: String = tag.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase().replace('\'', "\"");
        if let Some(&(_, written)) = TAGS.iter().find(|t| t.0 == norm) {
            out.push(Markup::Tag(written));
        } else if norm == "<spanclass=\"nocase\">" {
            open_spans += 1;
            out.push(Markup::Tag("<span class=\"nocase\">"));
        } else if norm.starts_with("<spanstyle=\"font-variant:small-caps") {
            open_spans += 1;
            out.push(Markup::Tag("<span class=\"nocase\">"));
        } else if norm == "</span>" && open_spans > 0 {
            open_spans -= 1;
            out.push(Markup::Tag("</span>"));
        } else {
            out.push(Markup::Text(tag));
        }
        rest = &tail[end + 1..];
    }
    if !rest.is_empty() {
        out.push(Markup::Text(rest));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_stripped_but_other_tags_stay() {
        assert_eq!(strip_markup("The <i>Homo</i> <span class=\"nocase\">iPhone</span>"), "The Homo iPhone");
        assert_eq!(strip_markup("<script>x</script> & <img>"), "<script>x</script> & <img>");
        assert_eq!(strip_markup("a </span> b"), "a </span> b");
        assert_eq!(strip_markup("1 < 2"), "1 < 2");
    }

    #[test]
    fn text_variables_keep_markup_for_hayagriva() {
        assert_eq!(
            rich_text("The <I>Homo</I> <span class='nocase'>iPhone</span> isn't <em>x</em> <sc>d'A</sc> </span>"),
            "The <i>Homo</i> <span class=\"nocase\">iPhone</span> isn\u{2019}t x <sc>d\u{2019}A</sc> </span>"
        );
        let item = to_item(serde_json::json!({"id": "a", "title": "A <sc>multi</sc>", "volume": "<i>2</i>", "publisher": "<b>P</b>"}).as_object().unwrap());
        let get = |k: &str| item.0.get(k).and_then(|v| v.to_str()).map(|v| v.into_owned());
        assert_eq!(get("title").as_deref(), Some("A <sc>multi</sc>"));
        assert_eq!(get("publisher").as_deref(), Some("<b>P</b>"));
        assert_eq!(get("volume").as_deref(), Some("2"));
    }

    #[test]
    fn initials_are_spaced() {
        assert_eq!(spaced_initials("F.R."), "F. R.");
        assert_eq!(spaced_initials("A.B.Carl"), "A. B. Carl");
        assert_eq!(spaced_initials("J. W."), "J. W.");
        assert_eq!(spaced_initials("J.-P."), "J.-P.");
        assert_eq!(spaced_initials("Jean"), "Jean");
    }

    #[test]
    fn apostrophes_become_typographic() {
        assert_eq!(apostrophes("Women's work, W4A '07, 'quoted' x'"), "Women’s work, W4A ’07, 'quoted’ x’");
        // A stray opening mark, outside a quotation only.
        assert_eq!(apostrophes("in 't leger"), "in ’t leger");
        assert_eq!(apostrophes("'a' c 'b"), "'a’ c ’b");
        assert_eq!(apostrophes("Review for \"GenCo 's revenue\""), "Review for \"GenCo 's revenue\"");
    }

    #[test]
    fn dates_are_made_safe() {
        let d = |v: Value| date(&v).map(|d| match d {
            DateValue::DateParts { date_parts, .. } => date_parts.0[0].0.clone(),
            _ => vec![],
        });
        assert_eq!(d(serde_json::json!({"date-parts": [[2020, 13, 40]]})), Some(vec![2020]));
        let range = |v: Value| date(&v).map(|d| match d {
            DateValue::DateParts { date_parts, .. } => date_parts.0.iter().map(|p| p.0.clone()).collect::<Vec<_>>(),
            _ => vec![],
        });
        assert_eq!(range(serde_json::json!({"date-parts": [[2019, 5], [2020, 6]]})), Some(vec![vec![2019, 5], vec![2020, 6]]));
        assert_eq!(range(serde_json::json!({"date-parts": [[2019, 5], [2019, 5]]})), Some(vec![vec![2019, 5]]));
        assert_eq!(range(serde_json::json!({"date-parts": [[2019, 5], [0, 13]]})), Some(vec![vec![2019, 5]]));
        assert_eq!(d(serde_json::json!({"literal": "Spring 1997"})), Some(vec![1997]));
        assert_eq!(d(serde_json::json!({"raw": "2001-02-03"})), Some(vec![2001, 2, 3]));
        assert_eq!(d(serde_json::json!({"literal": "n.d."})), None);
    }
}
