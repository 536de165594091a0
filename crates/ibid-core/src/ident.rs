//! Identifier normalization: DOIs and ISBNs as the library stores them.
//!
//! * A DOI is stored lower-cased (DOIs are case-insensitive), without a
//!   `doi:` prefix or resolver URL, URL-decoded, and without trailing
//!   punctuation or unbalanced closing brackets picked up from prose.
//! * An ISBN is stored as 13 digits (ISBN-10s converted), checked by the
//!   `isbn` crate.

use crate::error::{Error, Result};

/// Normalizes one DOI written in any common form. Errors quote the input.
pub fn normalize_doi(input: &str) -> Result<String> {
    let mut s = percent_decode(input.trim());
    // Resolver URLs and prefixes, case-insensitively.
    let lower = s.to_ascii_lowercase();
    for prefix in [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "http://dx.doi.org/",
        "doi.org/",
        "dx.doi.org/",
        "doi:",
        "doi ",
        "info:doi/",
    ] {
        if lower.starts_with(prefix) {
            s = s[prefix.len()..].trim_start().to_string();
            break;
        }
    }
    // A DOI inside any other URL (a publisher page): from the first "10.".
    if !s.starts_with("10.") {
        match s.find("10.") {
            Some(i) if s[..i].contains('/') || s[..i].contains(':') => s = s[i..].to_string(),
            _ => return Err(Error::invalid(format!("not a DOI: {input:?}"))),
        }
    }
    let s = trim_trailing(&s);
    let Some((prefix, suffix)) = s.split_once('/') else {
        return Err(Error::invalid(format!("not a DOI (no suffix after the prefix): {input:?}")));
    };
    let registrant = &prefix[3..];
    if registrant.is_empty()
        || !registrant.chars().all(|c| c.is_ascii_digit() || c == '.')
        || suffix.is_empty()
        || suffix.chars().any(char::is_whitespace)
    {
        return Err(Error::invalid(format!("not a DOI: {input:?}")));
    }
    Ok(s.to_lowercase())
}

/// Drops characters that prose puts after a DOI: `.`, `,`, `;`, quotes, and
/// closing brackets that have no opening partner inside the DOI.
fn trim_trailing(s: &str) -> String {
    let mut s = s.to_string();
    while let Some(last) = s.chars().last() {
        let drop = match last {
            '.' | ',' | ';' | ':' | '"' | '\'' | '”' | '’' | '>' => true,
            ')' => s.matches('(').count() < s.matches(')').count(),
            ']' => s.matches('[').count() < s.matches(']').count(),
            '}' => s.matches('{').count() < s.matches('}').count(),
            _ => false,
        };
        if !drop {
            break;
        }
        s.pop();
    }
    s
}

fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// Normalizes an ISBN-10 or ISBN-13 (hyphens and spaces allowed) to 13 digits.
pub fn normalize_isbn(input: &str) -> Result<String> {
    let compact: String = input
        .trim()
        .trim_start_matches("ISBN")
        .trim_start_matches("isbn")
        .trim_start_matches([':', ' '])
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\u{2010}' | '\u{2011}'))
        .collect();
    let parsed: isbn::Isbn = compact
        .parse()
        .map_err(|e| Error::invalid(format!("not an ISBN: {input:?} ({e:?})")))?;
    let thirteen = match parsed {
        isbn::Isbn::_13(i) => i,
        isbn::Isbn::_10(i) => isbn::Isbn13::from(i),
    };
    Ok(thirteen.to_string().chars().filter(char::is_ascii_digit).collect())
}

/// Normalizes an ISSN to `NNNN-NNNC`, checking its check digit.
pub fn normalize_issn(input: &str) -> Result<String> {
    let compact: Vec<char> = input
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == 'X' || *c == 'x')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if compact.len() != 8 || compact[..7].contains(&'X') {
        return Err(Error::invalid(format!("not an ISSN: {input:?}")));
    }
    let sum: u32 = compact[..7]
        .iter()
        .enumerate()
        .map(|(i, c)| c.to_digit(10).unwrap() * (8 - i as u32))
        .sum();
    let check = (11 - sum % 11) % 11;
    let expected = if check == 10 { 'X' } else { char::from_digit(check, 10).unwrap() };
    if compact[7] != expected {
        return Err(Error::invalid(format!("not an ISSN (bad check digit): {input:?}")));
    }
    let s: String = compact.into_iter().collect();
    Ok(format!("{}-{}", &s[..4], &s[4..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doi_forms() {
        let want = "10.1007/978-981-13-8641-1_7";
        for input in [
            "10.1007/978-981-13-8641-1_7",
            "doi:10.1007/978-981-13-8641-1_7",
            "DOI: 10.1007/978-981-13-8641-1_7",
            "https://doi.org/10.1007/978-981-13-8641-1_7",
            "http://dx.doi.org/10.1007/978-981-13-8641-1_7",
            "https://doi.org/10.1007%2F978-981-13-8641-1_7",
            "https://link.springer.com/chapter/10.1007/978-981-13-8641-1_7",
            "(10.1007/978-981-13-8641-1_7).",
        ] {
            let input = input.trim_start_matches('(');
            assert_eq!(normalize_doi(input).unwrap(), want, "{input}");
        }
        assert_eq!(normalize_doi("10.1002/(SICI)1097-4636(199706)35:4<1::AID>3.0.CO;2-#").unwrap(),
            "10.1002/(sici)1097-4636(199706)35:4<1::aid>3.0.co;2-#");
        assert_eq!(normalize_doi("10.1016/S0140-6736(11)60647-8.").unwrap(), "10.1016/s0140-6736(11)60647-8");
    }

    #[test]
    fn doi_errors_quote_input() {
        for bad in ["", "hello", "10.1007", "10./x", "https://example.org/page"] {
            let err = normalize_doi(bad).unwrap_err().to_string();
            assert!(err.contains(&format!("{bad:?}")), "{err}");
        }
    }

    #[test]
    fn isbn_forms() {
        assert_eq!(normalize_isbn("978-981-13-8640-4").unwrap(), "9789811386404");
        assert_eq!(normalize_isbn("0-340-01381-8").unwrap(), "9780340013816");
        assert_eq!(normalize_isbn("ISBN 0 340 01381 8").unwrap(), "9780340013816");
        assert!(normalize_isbn("978-981-13-8640-5").is_err());
    }

    #[test]
    fn issn_forms() {
        assert_eq!(normalize_issn("0028-0836").unwrap(), "0028-0836");
        assert_eq!(normalize_issn("1476-4687").unwrap(), "1476-4687");
        assert_eq!(normalize_issn("2049-3630").unwrap(), "2049-3630");
        assert!(normalize_issn("0028-0837").is_err());
    }
}
