//! Text folding shared by sort keys and search: lower case, diacritics removed,
//! markup stripped. `fold("Müller")` is `"muller"`.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Lower-cases, removes diacritics (NFD, combining marks dropped) and folds a
/// few letters that do not decompose (ø, ł, ß, æ, œ, đ, ı).
pub fn fold(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'ø' | 'Ø' => out.push('o'),
            'ł' | 'Ł' => out.push('l'),
            'đ' | 'Đ' => out.push('d'),
            'ı' => out.push('i'),
            'ß' => out.push_str("ss"),
            'æ' | 'Æ' => out.push_str("ae"),
            'œ' | 'Œ' => out.push_str("oe"),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Removes tags such as `<i>`, `</sub>` (publisher markup in titles); leaves text.
pub fn strip_markup(s: &str) -> String {
    if !s.contains('<') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Sort key for titles: markup stripped, folded, leading punctuation and an
/// English leading article dropped, runs of white space collapsed.
pub fn title_sort_key(title: &str) -> String {
    let folded = fold(&strip_markup(title));
    let trimmed = folded.trim_start_matches(|c: char| !c.is_alphanumeric());
    let mut rest = trimmed;
    for article in ["the ", "a ", "an "] {
        if let Some(r) = rest.strip_prefix(article) {
            rest = r;
            break;
        }
    }
    rest.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Words of a folded string, split on anything not alphanumeric.
pub fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_diacritics_and_special_letters() {
        assert_eq!(fold("Müller"), "muller");
        assert_eq!(fold("Łódź"), "lodz");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("Søren"), "soren");
    }

    #[test]
    fn title_sort_key_drops_article_and_markup() {
        assert_eq!(title_sort_key("The <i>Soviet</i> Union"), "soviet union");
        assert_eq!(title_sort_key("“A Short History”"), "short history”");
        assert_eq!(title_sort_key("An  Élan"), "elan");
    }
}
