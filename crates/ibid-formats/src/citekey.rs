//! Citation keys from a pattern (a subset of Better BibTeX's pattern
//! language), made unique.
//!
//! A pattern is literal text and `[field:filter:…]` parts:
//!
//! | field | value |
//! |---|---|
//! | `auth` | family name of the first author (else editor, else any creator; a literal name's first word) |
//! | `authEtAl` | `auth`; with two authors both family names; with more, `auth` + `EtAl` |
//! | `authors` | every author's family name |
//! | `year` | year of `issued` |
//! | `title` | every word of the title |
//! | `shorttitle` | the first three words of the title that are not function words |
//! | `veryshorttitle` | the first such word |
//!
//! Filters apply in order: `lower`, `upper`, `nopunct` (drops punctuation),
//! a number `N` (keeps the first N words), `capitalize` (first letter of
//! each word upper case). Words are joined without separators. The result
//! is folded to ASCII (`Müller` → `Muller`, `ß` → `ss`) and keeps only
//! letters, digits and `-_:.+/`. An unknown field or filter gives nothing.
//!
//! The default pattern `[auth:lower][year][shorttitle:1:nopunct:lower]` gives
//! `shen2020political` for the seed chapter.

use serde_json::{Map, Value};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The pattern used when none is configured.
pub const DEFAULT_PATTERN: &str = "[auth:lower][year][shorttitle:1:nopunct:lower]";

/// Function words `shorttitle` and `veryshorttitle` skip (English, German,
/// French, Italian, Spanish articles and prepositions, as Better BibTeX).
const SKIP_WORDS: &[&str] = &[
    "a", "ab", "aboard", "about", "above", "across", "after", "against", "al", "along", "amid", "among", "an",
    "and", "anti", "around", "as", "at", "before", "behind", "below", "beneath", "beside", "besides", "between",
    "beyond", "but", "by", "d", "da", "das", "de", "del", "dell", "dello", "dei", "degli", "della", "der", "des",
    "di", "die", "don", "down", "du", "during", "ein", "eine", "einem", "einen", "einer", "eines", "el", "en",
    "et", "except", "for", "from", "gli", "i", "il", "in", "inside", "into", "is", "l", "la", "las", "le", "les",
    "like", "lo", "los", "near", "nor", "of", "off", "on", "onto", "or", "over", "past", "per", "plus", "round",
    "save", "since", "so", "some", "sur", "than", "the", "through", "to", "toward", "towards", "un", "una",
    "unas", "under", "underneath", "une", "unlike", "uno", "unos", "until", "up", "upon", "versus", "via",
    "von", "while", "with", "within", "without", "yet", "zu", "zum",
];

/// The citation key for a flat CSL-JSON item. Never empty: a pattern that
/// gives nothing falls back to `ref`.
pub fn generate(item: &Map<String, Value>, pattern: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find(']') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        out.push_str(&part(item, &after[..close]));
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    let key = fold_key(&out);
    if key.is_empty() {
        "ref".to_string()
    } else {
        key
    }
}

/// `base` if `taken` says it is free, else `base` + `a`, `b`, … `z`, `aa`,
/// `ab`, … (the first that is free).
pub fn unique(base: &str, taken: &dyn Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_string();
    }
    let mut n: u64 = 0;
    loop {
        let candidate = format!("{base}{}", suffix(n));
        if !taken(&candidate) {
            return candidate;
        }
        n += 1;
    }
}

/// 0 → `a`, 25 → `z`, 26 → `aa`, 27 → `ab`, … (bijective base 26).
fn suffix(mut n: u64) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'a' + (n % 26) as u8);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).expect("ASCII")
}

fn part(item: &Map<String, Value>, spec: &str) -> String {
    let mut bits = spec.split(':');
    let field = bits.next().unwrap_or("").trim();
    let Some(mut words) = field_words(item, field) else { return String::new() };
    for filter in bits {
        let filter = filter.trim();
        if let Ok(n) = filter.parse::<usize>() {
            words.truncate(n);
            continue;
        }
        match filter {
            "lower" => words.iter_mut().for_each(|w| *w = w.to_lowercase()),
            "upper" => words.iter_mut().for_each(|w| *w = w.to_uppercase()),
            "nopunct" => words.iter_mut().for_each(|w| w.retain(|c| c.is_alphanumeric())),
            "capitalize" => words.iter_mut().for_each(|w| *w = capitalize(w)),
            _ => return String::new(),
        }
    }
    words.concat()
}

fn capitalize(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A field's value as words.
fn field_words(item: &Map<String, Value>, field: &str) -> Option<Vec<String>> {
    Some(match field {
        "auth" => first_family(item).into_iter().collect(),
        "authEtAl" => {
            let fams = families(item);
            match fams.len() {
                0 => Vec::new(),
                1 => vec![fams[0].clone()],
                2 => vec![fams[0].clone(), fams[1].clone()],
                _ => vec![fams[0].clone(), "EtAl".to_string()],
            }
        }
        "authors" => families(item),
        "year" => year(item).into_iter().collect(),
        "title" => title_words(item),
        "shorttitle" => significant(item).into_iter().take(3).collect(),
        "veryshorttitle" => significant(item).into_iter().take(1).collect(),
        _ => return None,
    })
}

fn family_of(name: &Value) -> Option<String> {
    let o = name.as_object()?;
    let get = |k: &str| o.get(k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
    if let Some(f) = get("family") {
        return Some(f.split_whitespace().collect());
    }
    get("literal").or_else(|| get("given")).and_then(|l| l.split_whitespace().next()).map(str::to_string)
}

/// Family names of the authors (else the editors, else the first role with names).
fn families(item: &Map<String, Value>) -> Vec<String> {
    let list = |role: &str| -> Vec<String> {
        item.get(role).and_then(Value::as_array).map(|a| a.iter().filter_map(family_of).collect()).unwrap_or_default()
    };
    let authors = list("author");
    if !authors.is_empty() {
        return authors;
    }
    let editors = list("editor");
    if !editors.is_empty() {
        return editors;
    }
    for role in ibid_core::model::ROLES {
        let l = list(role);
        if !l.is_empty() {
            return l;
        }
    }
    Vec::new()
}

fn first_family(item: &Map<String, Value>) -> Option<String> {
    families(item).into_iter().next()
}

fn year(item: &Map<String, Value>) -> Option<String> {
    let d = item.get("issued")?;
    let y = match d {
        Value::Object(o) => match o.get("date-parts").and_then(|p| p.get(0)).and_then(|p| p.get(0)) {
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::String(s)) => s.trim().to_string(),
            _ => {
                let text = o.get("raw").or_else(|| o.get("literal")).and_then(Value::as_str)?;
                four_digits(text)?
            }
        },
        Value::String(s) => four_digits(s)?,
        _ => return None,
    };
    (!y.is_empty()).then_some(y)
}

fn four_digits(s: &str) -> Option<String> {
    let b = s.as_bytes();
    (0..b.len().saturating_sub(3))
        .find(|&i| b[i..i + 4].iter().all(u8::is_ascii_digit) && (i == 0 || !b[i - 1].is_ascii_digit()) && b.get(i + 4).is_none_or(|c| !c.is_ascii_digit()))
        .map(|i| s[i..i + 4].to_string())
}

fn title_words(item: &Map<String, Value>) -> Vec<String> {
    let Some(t) = item.get("title").and_then(Value::as_str) else { return Vec::new() };
    let t = ibid_core::text::strip_markup(t);
    t.split(|c: char| c.is_whitespace() || matches!(c, '-' | '–' | '—' | '/' | ':' | ';' | ','))
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

fn significant(item: &Map<String, Value>) -> Vec<String> {
    title_words(item).into_iter().filter(|w| !SKIP_WORDS.contains(&w.to_lowercase().as_str())).collect()
}

/// Folds to ASCII (diacritics dropped, `ß` → `ss`…) and keeps the
/// characters a BibTeX key can safely have.
fn fold_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'ø' => out.push('o'),
            'Ø' => out.push('O'),
            'ł' => out.push('l'),
            'Ł' => out.push('L'),
            'đ' => out.push('d'),
            'Đ' => out.push('D'),
            'ı' => out.push('i'),
            'ß' => out.push_str("ss"),
            'æ' => out.push_str("ae"),
            'Æ' => out.push_str("AE"),
            'œ' => out.push_str("oe"),
            'Œ' => out.push_str("OE"),
            'þ' => out.push_str("th"),
            'Þ' => out.push_str("Th"),
            'ð' => out.push('d'),
            c if c.is_ascii_alphanumeric() || "-_:.+/".contains(c) => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes() {
        assert_eq!(suffix(0), "a");
        assert_eq!(suffix(25), "z");
        assert_eq!(suffix(26), "aa");
        assert_eq!(suffix(27), "ab");
        assert_eq!(suffix(26 + 26 * 26), "aaa");
    }

    #[test]
    fn four_digit_years() {
        assert_eq!(four_digits("Spring 1997").as_deref(), Some("1997"));
        assert_eq!(four_digits("12345"), None);
    }
}
