//! Identifiers: one written by a user (`ibid add ID`), or every one found in
//! a pasted block of text (a saved web page, a reference list).
//!
//! Recognised: DOIs in any common form (bare, `doi:`, doi.org / dx.doi.org
//! URLs, URL-encoded, inside a publisher URL, with trailing punctuation),
//! ISBN-10/13 (checked), arXiv ids (new `2101.00001v2` and old
//! `hep-th/9901001` style, `arXiv:` prefix or arxiv.org URL), and PMIDs
//! (`PMID: 123`, pubmed URLs; a bare number only when given alone).

use std::fmt;
use std::sync::LazyLock;

use ibid_core::ident;
use regex::Regex;

/// A normalized identifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Identifier {
    /// Lower-cased, as [`ident::normalize_doi`] gives it.
    Doi(String),
    /// 13 digits.
    Isbn(String),
    /// Without the `arXiv:` prefix; the version is kept when given.
    Arxiv(String),
    Pmid(String),
}

impl Identifier {
    /// `doi`, `isbn`, `arxiv` or `pmid` (the library's identifier kinds).
    pub fn kind(&self) -> &'static str {
        match self {
            Identifier::Doi(_) => "doi",
            Identifier::Isbn(_) => "isbn",
            Identifier::Arxiv(_) => "arxiv",
            Identifier::Pmid(_) => "pmid",
        }
    }

    pub fn value(&self) -> &str {
        match self {
            Identifier::Doi(v) | Identifier::Isbn(v) | Identifier::Arxiv(v) | Identifier::Pmid(v) => v,
        }
    }

    /// The value the library stores it under (an arXiv id without version).
    pub fn library_value(&self) -> String {
        match self {
            Identifier::Arxiv(v) => arxiv_base(v).to_lowercase(),
            other => other.value().to_string(),
        }
    }

    /// Builds one from a library identifier kind and value.
    pub fn from_kind(kind: &str, value: &str) -> Option<Identifier> {
        Some(match kind {
            "doi" => Identifier::Doi(value.to_string()),
            "isbn" => Identifier::Isbn(value.to_string()),
            "arxiv" => Identifier::Arxiv(value.to_string()),
            "pmid" => Identifier::Pmid(value.to_string()),
            _ => return None,
        })
    }

    /// Reads one identifier written on its own (a command-line argument,
    /// one line of a list). Errors quote the input.
    pub fn parse(input: &str) -> Result<Identifier, NotAnIdentifier> {
        let s = input.trim();
        let not = || NotAnIdentifier { input: input.to_string() };
        if s.is_empty() {
            return Err(not());
        }
        let lower = s.to_ascii_lowercase();
        if let Some(id) = arxiv_token(s) {
            return Ok(Identifier::Arxiv(id));
        }
        if let Some(rest) = strip_prefix_ci(s, &["pmid:", "pmid"]) {
            let rest = rest.trim();
            return if is_pmid(rest) { Ok(Identifier::Pmid(rest.to_string())) } else { Err(not()) };
        }
        if let Some(c) = PUBMED_URL.captures(s) {
            return Ok(Identifier::Pmid(c[1].to_string()));
        }
        if lower.contains("10.") {
            if let Ok(d) = ident::normalize_doi(s) {
                return Ok(Identifier::Doi(d));
            }
        }
        if let Ok(i) = ident::normalize_isbn(s) {
            return Ok(Identifier::Isbn(i));
        }
        if is_pmid(s) {
            return Ok(Identifier::Pmid(s.to_string()));
        }
        Err(not())
    }
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind(), self.value())
    }
}

/// The input is not any identifier Ibid knows.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("not an identifier (a DOI, ISBN, arXiv id or PMID): {input:?}")]
pub struct NotAnIdentifier {
    pub input: String,
}

/// An identifier found in text, with the text it was found as.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub input: String,
    pub id: Identifier,
}

static DOI_IN_TEXT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)10\.\d{4,9}(?:/|%2f)[^\s"<>\x{201c}\x{201d}]+"#).expect("valid regex"));
static ARXIV_IN_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:arxiv:\s*|arxiv\.org/(?:abs|pdf)/)((?:\d{4}\.\d{4,5}|[a-z][a-z.-]*/\d{7})(?:v\d+)?)").expect("valid regex")
});
static ARXIV_NEW: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(\d{2})(\d{2})\.\d{4,5}(v\d+)?$").expect("valid regex"));
static ARXIV_OLD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z][a-z-]*(\.[A-Z]{2})?/\d{7}(v\d+)?$").expect("valid regex"));
static PMID_IN_TEXT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)\bPMID:?\s*(\d{1,9})\b").expect("valid regex"));
static PUBMED_URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:pubmed\.ncbi\.nlm\.nih\.gov/|ncbi\.nlm\.nih\.gov/pubmed/)(\d{1,9})\b").expect("valid regex")
});
static ISBN_IN_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(ISBN(?:-1[03])?:?\s*)?\b((?:97[89][-\s]?)?\d{1,5}[-\s]?\d{1,7}[-\s]?\d{1,7}[-\s]?[\dX])\b").expect("valid regex")
});

fn strip_prefix_ci<'a>(s: &'a str, prefixes: &[&str]) -> Option<&'a str> {
    prefixes.iter().find_map(|p| {
        (s.len() >= p.len() && s.is_char_boundary(p.len()) && s[..p.len()].eq_ignore_ascii_case(p)).then(|| &s[p.len()..])
    })
}

fn is_pmid(s: &str) -> bool {
    (1..=9).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0')
}

/// An arXiv id written alone: `arXiv:2101.00001v2`, an arxiv.org URL, or
/// a bare new-style id with a plausible year-month, or an old-style id.
fn arxiv_token(s: &str) -> Option<String> {
    if let Some(c) = ARXIV_IN_TEXT.captures(s) {
        return Some(c[1].to_string());
    }
    if let Some(c) = ARXIV_NEW.captures(s) {
        let month: u32 = c[2].parse().ok()?;
        return (1..=12).contains(&month).then(|| s.to_string());
    }
    ARXIV_OLD.is_match(s).then(|| s.to_string())
}

/// `2101.00001v2` → `2101.00001`.
pub fn arxiv_base(id: &str) -> &str {
    match id.rfind('v') {
        Some(i) if i + 1 < id.len() && id[i + 1..].bytes().all(|b| b.is_ascii_digit()) && id[..i].ends_with(|c: char| c.is_ascii_digit()) => &id[..i],
        _ => id,
    }
}

/// Every identifier in `text`, in order of first appearance, each once.
///
/// A line that is one identifier on its own counts whatever its kind (so a
/// pasted list of bare ISBNs, PMIDs or arXiv ids works). In running text,
/// DOIs are found anywhere; ISBNs when labelled `ISBN` or written as
/// 978/979 13-digit numbers, and always check-digit valid; arXiv ids and
/// PMIDs only with their prefix or URL. An arXiv id or PMID inside a DOI
/// is not counted twice.
pub fn extract(text: &str) -> Vec<Found> {
    let mut hits: Vec<(usize, Found)> = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        if !trimmed.contains(char::is_whitespace) || is_spaced_isbn(trimmed) {
            if let Ok(id) = Identifier::parse(trimmed) {
                hits.push((start, Found { input: trimmed.to_string(), id }));
                continue;
            }
        }
        let mut taken: Vec<(usize, usize)> = Vec::new();
        for m in DOI_IN_TEXT.find_iter(line) {
            if let Ok(d) = ident::normalize_doi(m.as_str()) {
                taken.push((m.start(), m.end()));
                hits.push((start + m.start(), Found { input: m.as_str().to_string(), id: Identifier::Doi(d) }));
            }
        }
        let free = |s: usize, e: usize, taken: &[(usize, usize)]| taken.iter().all(|&(a, b)| e <= a || s >= b);
        for c in ARXIV_IN_TEXT.captures_iter(line) {
            let m = c.get(0).expect("match");
            if free(m.start(), m.end(), &taken) {
                taken.push((m.start(), m.end()));
                hits.push((start + m.start(), Found { input: m.as_str().to_string(), id: Identifier::Arxiv(c[1].to_string()) }));
            }
        }
        for re in [&*PMID_IN_TEXT, &*PUBMED_URL] {
            for c in re.captures_iter(line) {
                let m = c.get(0).expect("match");
                if free(m.start(), m.end(), &taken) && is_pmid(&c[1]) {
                    taken.push((m.start(), m.end()));
                    hits.push((start + m.start(), Found { input: m.as_str().to_string(), id: Identifier::Pmid(c[1].to_string()) }));
                }
            }
        }
        for c in ISBN_IN_TEXT.captures_iter(line) {
            let m = c.get(0).expect("match");
            let number = &c[2];
            let digits: String = number.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
            let labelled = c.get(1).is_some();
            let plausible = labelled || (digits.len() == 13 && (digits.starts_with("978") || digits.starts_with("979")));
            if !plausible || !free(m.start(), m.end(), &taken) || !matches!(digits.len(), 10 | 13) {
                continue;
            }
            if let Ok(i) = ident::normalize_isbn(&digits) {
                taken.push((m.start(), m.end()));
                hits.push((start + m.start(), Found { input: m.as_str().trim().to_string(), id: Identifier::Isbn(i) }));
            }
        }
    }
    hits.sort_by_key(|(pos, _)| *pos);
    let mut seen = std::collections::HashSet::new();
    hits.into_iter().filter(|(_, f)| seen.insert(f.id.library_value_key())).map(|(_, f)| f).collect()
}

fn is_spaced_isbn(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | 'X' | 'x')) && s.chars().filter(char::is_ascii_digit).count() >= 10
}

impl Identifier {
    fn library_value_key(&self) -> (&'static str, String) {
        (self.kind(), self.library_value())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(text: &str) -> Vec<String> {
        extract(text).into_iter().map(|f| f.id.to_string()).collect()
    }

    #[test]
    fn one_identifier_in_every_form() {
        let doi = Identifier::Doi("10.1007/978-981-13-8641-1_7".into());
        for s in [
            "10.1007/978-981-13-8641-1_7",
            "doi:10.1007/978-981-13-8641-1_7",
            "https://doi.org/10.1007/978-981-13-8641-1_7",
            "http://dx.doi.org/10.1007/978-981-13-8641-1_7",
            "https://doi.org/10.1007%2F978-981-13-8641-1_7",
            "https://link.springer.com/chapter/10.1007/978-981-13-8641-1_7",
            "10.1007/978-981-13-8641-1_7.",
        ] {
            assert_eq!(Identifier::parse(s).unwrap(), doi, "{s}");
        }
        assert_eq!(Identifier::parse("978-981-13-8640-4").unwrap(), Identifier::Isbn("9789811386404".into()));
        assert_eq!(Identifier::parse("0-340-01381-8").unwrap(), Identifier::Isbn("9780340013816".into()));
        assert_eq!(Identifier::parse("9780340013816").unwrap(), Identifier::Isbn("9780340013816".into()));
        assert_eq!(Identifier::parse("arXiv:2101.00001v2").unwrap(), Identifier::Arxiv("2101.00001v2".into()));
        assert_eq!(Identifier::parse("2101.00001").unwrap(), Identifier::Arxiv("2101.00001".into()));
        assert_eq!(Identifier::parse("https://arxiv.org/abs/hep-th/9901001v1").unwrap(), Identifier::Arxiv("hep-th/9901001v1".into()));
        assert_eq!(Identifier::parse("math.GT/0309136").unwrap(), Identifier::Arxiv("math.GT/0309136".into()));
        assert_eq!(Identifier::parse("PMID: 31452104").unwrap(), Identifier::Pmid("31452104".into()));
        assert_eq!(Identifier::parse("https://pubmed.ncbi.nlm.nih.gov/31452104/").unwrap(), Identifier::Pmid("31452104".into()));
        assert_eq!(Identifier::parse("31452104").unwrap(), Identifier::Pmid("31452104".into()));
    }

    #[test]
    fn not_an_identifier_quotes_the_input() {
        for bad in ["", "hello world", "978-981-13-8640-5", "10.1007", "arXiv:", "PMID: x"] {
            let e = Identifier::parse(bad).unwrap_err();
            assert_eq!(e.input, bad);
            assert!(e.to_string().contains(&format!("{bad:?}")), "{e}");
        }
    }

    #[test]
    fn arxiv_versions() {
        assert_eq!(arxiv_base("2101.00001v12"), "2101.00001");
        assert_eq!(arxiv_base("hep-th/9901001v1"), "hep-th/9901001");
        assert_eq!(arxiv_base("2101.00001"), "2101.00001");
        assert_eq!(Identifier::Arxiv("2101.00001v3".into()).library_value(), "2101.00001");
    }

    #[test]
    fn a_reference_list_yields_every_doi_once() {
        let text = "Smith J. (2019) Title. Nature 1, 2. doi:10.1038/nature12373.\n\
            [2] Doe, A. https://doi.org/10.1016/S0140-6736(11)60647-8; see also (10.1038/NATURE12373).\n\
            [3] Preprint, arXiv:2101.00001v2 [cs.CL]. PMID: 31452104.\n\
            [4] A book. ISBN 0-340-01381-8. And 978-981-13-8640-4 in print. Tel. 0123456789.";
        assert_eq!(
            ids(text),
            ["doi:10.1038/nature12373", "doi:10.1016/s0140-6736(11)60647-8", "arxiv:2101.00001v2", "pmid:31452104", "isbn:9780340013816", "isbn:9789811386404"]
        );
    }

    #[test]
    fn a_list_of_bare_identifiers() {
        let text = "10.1007/978-981-13-8641-1_7\n9780340013816\n2101.00001\n31452104\n\n";
        assert_eq!(ids(text), ["doi:10.1007/978-981-13-8641-1_7", "isbn:9780340013816", "arxiv:2101.00001", "pmid:31452104"]);
    }

    #[test]
    fn the_arxiv_doi_is_one_identifier() {
        assert_eq!(ids("see https://doi.org/10.48550/arXiv.2101.00001 here"), ["doi:10.48550/arxiv.2101.00001"]);
    }
}
