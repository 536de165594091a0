//! Text folding shared by sort keys and search: lower case, diacritics removed,
//! markup stripped. `fold("Müller")` is `"muller"`.

use std::borrow::Cow;

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Lower-cases, removes diacritics (NFD, combining marks dropped) and folds a
/// few letters that do not decompose (ø, ł, ß, æ, œ, đ, ı).
pub fn fold(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    // Character by character: ASCII as is, others decomposed on their own
    // (the same as NFD here, since every combining mark is dropped anyway).
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            decompose_canonical(c, |d| fold_decomposed(d, &mut out));
        }
    }
    out
}

fn fold_decomposed(c: char, out: &mut String) {
    if is_combining_mark(c) {
        return;
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

/// Removes tags such as `<i>`, `</sub>` (publisher markup in titles); leaves text.
pub fn strip_markup(s: &str) -> String {
    strip_markup_cow(s).into_owned()
}

fn strip_markup_cow(s: &str) -> Cow<'_, str> {
    if !s.contains('<') {
        return Cow::Borrowed(s);
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
    Cow::Owned(out)
}

/// Sort key for titles: markup stripped, folded, leading punctuation and an
/// English leading article dropped, runs of white space collapsed.
pub fn title_sort_key(title: &str) -> String {
    let folded = fold(&strip_markup_cow(title));
    let trimmed = folded.trim_start_matches(|c: char| !c.is_alphanumeric());
    let mut rest = trimmed;
    for article in ["the ", "a ", "an "] {
        if let Some(r) = rest.strip_prefix(article) {
            rest = r;
            break;
        }
    }
    let mut out = String::with_capacity(rest.len());
    for w in rest.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// A title as duplicates are matched: folded, leading article dropped, only
/// letters and digits ("The Soviet Union… 1945–1950: The Arduous Road" and
/// "Soviet union … 1945-1950 - the arduous road" match).
pub fn match_title(t: &str) -> String {
    words(&title_sort_key(t)).collect::<Vec<_>>().join(" ")
}

/// Decodes character references: the XML five, `&nbsp;` and a few common
/// HTML names, and numeric references. Anything else is left as written.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest[1..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '#')).map(|e| e + 1);
        let decoded = match end {
            Some(e) if rest[e..].starts_with(';') && e > 1 => entity(&rest[1..e]).map(|c| (c, e + 1)),
            _ => None,
        };
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        return char::from_u32(code).filter(|c| *c != '\0');
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "minus" => '−',
        "times" => '×',
        "deg" => '°',
        "plusmn" => '±',
        "micro" => 'µ',
        "middot" => '·',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "thinsp" => '\u{2009}',
        "shy" => '\u{ad}',
        _ => return None,
    })
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

    /// The definition `fold` implements character by character: NFD of the
    /// whole string, combining marks dropped, a few letters mapped.
    fn fold_by_definition(s: &str) -> String {
        use unicode_normalization::UnicodeNormalization;
        let mut out = String::new();
        for c in s.nfd() {
            fold_decomposed(c, &mut out);
        }
        out
    }

    #[test]
    fn fold_matches_its_definition_on_every_letter_before_cjk() {
        for cp in 0..0x3000u32 {
            let Some(c) = char::from_u32(cp) else { continue };
            let s = format!("a{c}\u{301}b{c}");
            assert_eq!(fold(&s), fold_by_definition(&s), "U+{cp:04X}");
        }
        assert_eq!(fold("Ǿrsted ǿ"), "orsted o");
    }

    #[test]
    fn title_sort_key_drops_article_and_markup() {
        assert_eq!(title_sort_key("The <i>Soviet</i> Union"), "soviet union");
        assert_eq!(title_sort_key("“A Short History”"), "short history”");
        assert_eq!(title_sort_key("An  Élan"), "elan");
    }
}
