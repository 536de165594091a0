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
//!   `literal` date is printed as it is (in place of the year, as
//!   citeproc-js does) and sorts by the year found in it;
//! * lists where CSL wants one string (`container-title`, `ISBN`, `ISSN`…
//!   as Crossref writes them): the first value;
//! * names: `{ "given": … }` alone becomes a family name (a person
//!   known by one name, as citeproc-js treats it; not a literal, which is
//!   an institution's name);
//! * CSL rich-text markup (`<i>`, `<b>`, `<sup>`, `<sub>`, small caps and
//!   `nocase` spans) is removed rather than printed as text, except in text
//!   variables (`title`, `container-title`…), where it is written as the
//!   vendored hayagriva reads it (its patch 53: not printed, but what is in
//!   small caps, `<sup>`, `<sub>` and `nocase` spans keeps its case, as in
//!   citeproc-js). Any other `<…>` stays text (and is escaped on output);
//! * item types as Crossref names them are mapped to CSL types;
//! * a straight apostrophe is printed typographic (’) where citeproc-js
//!   prints it so: inside or after a word, and at the start of a word when
//!   no closing mark pairs with it ("’t", "’07"; not in identifiers and
//!   links);
//! * `key: value` lines in `note` set variables as citeproc-js reads them
//!   (Zotero's "Extra" convention: "URL: http://…", BibTeX notes).

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

/// citeproc-js's reading of variables in `note` (Zotero's "Extra" field):
/// each line `key: value` (a lower-case key with `-`/`_`, or an upper-case
/// one such as `URL`), also written `{:key: value}` inside a line, sets the
/// variable when the item does not have it (a date always; `type` always; a
/// name as `family || given` or a literal, one per line) and is taken out of
/// the note. A first line that is not one is skipped; any later one ends
/// the reading. `None` when nothing changes.
fn note_fields(map: &Map<String, Value>) -> Option<Map<String, Value>> {
    const NAMES: &[&str] = &[
        "author", "chair", "collection-editor", "compiler", "composer", "container-author", "contributor", "curator",
        "director", "editor", "editor-translator", "editorial-director", "executive-producer", "guest", "host",
        "illustrator", "interviewer", "narrator", "organizer", "original-author", "performer", "producer", "recipient",
        "reviewed-author", "script-writer", "series-creator", "translator", "commenter",
    ];
    const DATES: &[&str] =
        &["locator-date", "issued", "event-date", "accessed", "original-date", "publication-date", "available-date", "submitted", "alt-issued", "alt-event"];
    let note = map.get("note")?.as_str()?;
    if !note.contains(':') {
        return None;
    }
    // `key: value` as citeproc-js reads it (`^([-_a-z]+|[A-Z]+):\s*([^}]+)$`).
    fn field(line: &str) -> Option<(&str, &str)> {
        let (key, value) = line.split_once(':')?;
        let lower = !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase() || c == '-' || c == '_');
        let upper = !key.is_empty() && key.chars().all(|c| c.is_ascii_uppercase());
        let value = value.trim_start();
        ((lower || upper) && !value.is_empty() && !value.contains('}')).then_some((key, value.trim_end()))
    }
    // `{:key: value}` pieces become lines of their own, unless text that is
    // not itself a field comes before them (not at the very start).
    let mut lines: Vec<String> = Vec::new();
    for (i, line) in note.split('\n').enumerate() {
        let mut text = String::new();
        let mut rest = line;
        let mut first = true;
        while let Some(start) = rest.find("{:") {
            let Some(len) = rest[start..].find('}') else { break };
            let inner = &rest[start + 2..start + len];
            if field(inner).is_none() || inner.contains('\n') {
                text.push_str(&rest[..start + 2]);
                rest = &rest[start + 2..];
                continue;
            }
            let before = &rest[..start];
            if !before.trim().is_empty() && (i > 0 || !first) && field(before).is_none() {
                break;
            }
            text.push_str(before);
            text.push('\n');
            text.push_str(inner.trim());
            text.push('\n');
            rest = &rest[start + len + 1..];
            first = false;
        }
        text.push_str(rest);
        lines.extend(text.split('\n').map(str::to_string));
    }
    // Cloned at the first change only (most notes set nothing).
    let mut out: Option<Map<String, Value>> = None;
    let mut names: Vec<(String, Vec<Value>)> = Vec::new();
    let missing = |m: &Map<String, Value>, k: &str| match m.get(k) {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Number(n)) => n.as_f64() == Some(0.0),
        Some(Value::Bool(b)) => !b,
        _ => false,
    };
    for i in 0..lines.len() {
        if lines[i].trim().is_empty() {
            continue;
        }
        let Some((key, value)) = field(&lines[i]) else {
            if i == 0 {
                continue;
            }
            break;
        };
        let (key, value) = (key.to_string(), value.to_string());
        if key == "type" {
            out.get_or_insert_with(|| map.clone()).insert(key, Value::String(value));
        } else if DATES.contains(&key.trim_start_matches("alt-")) {
            out.get_or_insert_with(|| map.clone()).insert(key, serde_json::json!({ "raw": value }));
        } else if missing(out.as_ref().unwrap_or(map), &key) {
            if NAMES.contains(&key.trim_start_matches("alt-")) {
                let parts: Vec<&str> = value.split("||").map(str::trim).collect();
                let name = match parts.as_slice() {
                    [literal] => Some(serde_json::json!({ "literal": literal })),
                    [family, given] => Some(serde_json::json!({ "family": family, "given": given })),
                    _ => None,
                };
                match names.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, list)) => list.extend(name),
                    None => names.push((key.clone(), name.into_iter().collect())),
                }
            } else {
                out.get_or_insert_with(|| map.clone()).insert(key, Value::String(value));
            }
        } else {
            continue;
        }
        lines[i].clear();
        out.get_or_insert_with(|| map.clone());
    }
    let mut out = out?;
    for (key, list) in names {
        out.insert(key, Value::Array(list));
    }
    let note = lines.join("\n").trim().to_string();
    if note.is_empty() {
        out.remove("note");
    } else {
        out.insert("note".into(), Value::String(note));
    }
    Some(out)
}

/// Variables printed as they are (identifiers, links): no typographic
/// apostrophes.
const VERBATIM_VARIABLES: &[&str] = &["URL", "DOI", "ISBN", "ISSN", "PMID", "PMCID", "citation-key", "call-number", "number", "page", "volume", "issue"];

/// Whether a variable is one of CSL's standard (text) variables (`title`,
/// `container-title`, `publisher`…; not a number, date or name variable).
fn is_text_variable(key: &str) -> bool {
    serde_json::from_value::<StandardVariable>(Value::String(key.to_string())).is_ok()
}

/// Straight apostrophes citeproc-js prints typographic (’), by its rule for
/// quotation marks in a value (its "flip-flopper"): a `'` inside or after a
/// word that is followed by anything but `,.?:; `, a quote or the end is an
/// apostrophe ("Women's", "O'Brien", "90's"); a `'` that opens a quotation
/// (at the start, after a space or `(`) is one when followed by a space or
/// when no closing `'` ever pairs with it ("in 't leger", "ISSAC '15"), unless
/// an enclosing quotation closes over it (then it stays as written); a
/// closing `'` with no opening one is one too ("x'"). A `'` after a letter
/// is always printed ’ (a closing quote of a pair: hayagriva pairs it with
/// its opening one, patch 21). Other marks are left as they are.
///
/// It replaces marks one for one: the result has as many characters as `s`.
fn apostrophes(s: &str) -> String {
    if !s.contains('\'') {
        return s.to_string();
    }
    #[derive(Clone, Copy, PartialEq)]
    enum Kind {
        Single,
        Double,
        CurlySingle,
        CurlyDouble,
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = chars.clone();
    let mut stack: Vec<(usize, Kind)> = Vec::new();
    let mut opened_at: Vec<usize> = Vec::new();
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        let is_quote = |c: char| matches!(c, '\'' | '"' | '\u{2018}' | '\u{2019}' | '\u{201C}' | '\u{201D}');
        // Where a straight mark opens a quotation: at the start, after a
        // space or `(`, or right after another opening mark.
        let at_start = prev.is_none_or(|p| p == ' ' || p == '(') || (i > 0 && opened_at.last() == Some(&(i - 1)));
        let open = match c {
            '\'' if at_start => Some(Kind::Single),
            '"' if at_start => Some(Kind::Double),
            '\u{2018}' => Some(Kind::CurlySingle),
            '\u{201C}' => Some(Kind::CurlyDouble),
            _ => None,
        };
        if let Some(kind) = open {
            if kind == Kind::Single && next == Some(' ') {
                out[i] = '\u{2019}';
                continue;
            }
            stack.push((i, kind));
            opened_at.push(i);
            continue;
        }
        let close = match c {
            '\'' => Kind::Single,
            '"' => Kind::Double,
            // Between two letters a typographic one is an apostrophe.
            '\u{2019}' if prev.is_some_and(char::is_alphabetic) && next.is_some_and(char::is_alphabetic) => continue,
            '\u{2019}' => Kind::CurlySingle,
            '\u{201D}' => Kind::CurlyDouble,
            _ => continue,
        };
        if c == '\'' {
            let apostrophe = next.is_some_and(|n| !",.?:; ".contains(n) && !is_quote(n));
            if apostrophe || stack.last().is_none_or(|&(_, k)| k != Kind::Single) {
                // An apostrophe, or a closing mark without its opening one
                // (an enclosing quotation stays open).
                out[i] = '\u{2019}';
            } else {
                stack.pop();
                if prev.is_some_and(char::is_alphabetic) {
                    out[i] = '\u{2019}';
                }
            }
            continue;
        }
        // Any other closing mark closes its quotation; the unclosed ones
        // inside it stay as written.
        while let Some((_, k)) = stack.pop() {
            if k == close {
                break;
            }
        }
    }
    // An opening `'` never closed is an apostrophe.
    for (j, k) in stack {
        if k == Kind::Single {
            out[j] = '\u{2019}';
        }
    }
    out.into_iter().collect()
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
        // A person known by one name: printed as it is, joined as a person
        // (not as a literal, an institution's name; hayagriva patch 41).
        (None, Some(given)) => Some(NameValue::Item(NameItem {
            family: given,
            given: None,
            non_dropping_particle: None,
            dropping_particle: None,
            suffix: None,
            comma_suffix: None,
        })),
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
    // A literal ("July 1997") is printed as it is (hayagriva patch 40);
    // the year found in it, or in an unparsed raw date, sorts.
    let mut literal = None;
    if parts.is_empty() {
        let text = d.literal.as_deref().or(d.raw.as_deref())?;
        parts.push(year_in(text)?);
        literal = d.literal.clone().filter(|l| !l.trim().is_empty());
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
    Some(DateValue::DateParts { date_parts: VecDateRange(range), literal, season, circa })
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
    let pieces = markup_pieces(s);
    // Apostrophes are judged on the text without its tags (a quotation may
    // open before an `<i>` and close after it), then put back piece by piece.
    let plain: String = pieces.iter().filter_map(|p| if let Markup::Text(t) = p { Some(*t) } else { None }).collect();
    let typographic: Vec<char> = apostrophes(&plain).chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut at = 0;
    for piece in pieces {
        match piece {
            Markup::Text(t) => {
                let n = t.chars().count();
                out.extend(&typographic[at..at + n]);
                at += n;
            }
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
    fn note_fields_are_read_as_citeproc_js_reads_them() {
        let item = |v: Value| to_item(v.as_object().unwrap());
        let text = |i: &Item, k: &str| match i.0.get(k) {
            Some(CslValue::String(s)) => Some(s.clone()),
            _ => None,
        };
        let i = item(serde_json::json!({"id": "a", "type": "book", "note": "URL:\u{a0}http://example.org/x"}));
        assert_eq!(text(&i, "URL").as_deref(), Some("http://example.org/x"));
        assert_eq!(text(&i, "note"), None);
        // An existing variable wins (the line stays); a date always is taken.
        let i = item(serde_json::json!({"id": "a", "URL": "http://a", "note": "Read this\nURL: http://b\nissued: 2001-02-03\nmore text\nDOI: 10.1/x"}));
        assert_eq!(text(&i, "URL").as_deref(), Some("http://a"));
        assert_eq!(text(&i, "DOI"), None);
        assert_eq!(text(&i, "note").as_deref(), Some("Read this\nURL: http://b\n\nmore text\nDOI: 10.1/x"));
        assert!(matches!(i.0.get("issued"), Some(CslValue::Date(_))));
        // Inline, and names.
        let i = item(serde_json::json!({"id": "a", "note": "{:publisher-place: Berlin}{:editor: Doe || Jane}"}));
        assert_eq!(text(&i, "publisher-place").as_deref(), Some("Berlin"));
        assert!(matches!(i.0.get("editor"), Some(CslValue::Names(n)) if n.len() == 1));
        // Mixed-case keys are text.
        let i = item(serde_json::json!({"id": "a", "note": "Seen: 2007"}));
        assert_eq!(text(&i, "note").as_deref(), Some("Seen: 2007"));
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
        assert_eq!(apostrophes("Women's work, W4A '07, 'quoted' x"), "Women’s work, W4A ’07, 'quoted’ x");
        assert_eq!(apostrophes("the authors' work"), "the authors’ work");
        // citeproc-js pairs these two as a quotation.
        assert_eq!(apostrophes("W4A '07, authors'"), "W4A '07, authors’");
        assert_eq!(apostrophes("geschreven in 't leger by d'Abdye"), "geschreven in ’t leger by d’Abdye");
        assert_eq!(apostrophes("the 90's, a ' b"), "the 90’s, a ’ b");
        // Unclosed inside a quotation that closes: left as written.
        assert_eq!(apostrophes("Review for \"GenCo 's revenue and ISO 's cost\""), "Review for \"GenCo 's revenue and ISO 's cost\"");
        // A `'` before `)` is an apostrophe to citeproc-js, so the opening
        // one is never closed.
        assert_eq!(apostrophes("('quoted') and \"'x'\""), "(’quoted’) and \"'x’\"");
        assert_eq!(apostrophes("'a' c 'b"), "'a’ c ’b");
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
        let literal = |v: Value| date(&v).and_then(|d| match d {
            DateValue::DateParts { literal, .. } => literal,
            _ => None,
        });
        assert_eq!(literal(serde_json::json!({"literal": "July 1997"})).as_deref(), Some("July 1997"));
        assert_eq!(literal(serde_json::json!({"raw": "2001-02-03"})), None);
        assert_eq!(literal(serde_json::json!({"date-parts": [[2001]]})), None);
    }
}
