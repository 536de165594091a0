//! Locators (`p. 79`, `pp. 79-81`, `chap. 3`, `§ 4`) and the `KEY:locator`
//! syntax of cite arguments.

use std::sync::OnceLock;

use hayagriva::citationberg::taxonomy::{Locator as Kind, Term};
use hayagriva::citationberg::TermForm;

/// Where in a work a citation points: a kind (page, chapter…) and a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locator {
    pub kind: Kind,
    pub value: String,
}

const KINDS: &[(Kind, &str)] = &[
    (Kind::Act, "act"),
    (Kind::Appendix, "appendix"),
    (Kind::ArticleLocator, "article-locator"),
    (Kind::Book, "book"),
    (Kind::Canon, "canon"),
    (Kind::Chapter, "chapter"),
    (Kind::Column, "column"),
    (Kind::Elocation, "elocation"),
    (Kind::Equation, "equation"),
    (Kind::Figure, "figure"),
    (Kind::Folio, "folio"),
    (Kind::Issue, "issue"),
    (Kind::Line, "line"),
    (Kind::Note, "note"),
    (Kind::Opus, "opus"),
    (Kind::Page, "page"),
    (Kind::Paragraph, "paragraph"),
    (Kind::Part, "part"),
    (Kind::Rule, "rule"),
    (Kind::Scene, "scene"),
    (Kind::Section, "section"),
    (Kind::SubVerbo, "sub verbo"),
    (Kind::Supplement, "supplement"),
    (Kind::Table, "table"),
    (Kind::Timestamp, "timestamp"),
    (Kind::Title, "title"),
    (Kind::TitleLocator, "title-locator"),
    (Kind::Verse, "verse"),
    (Kind::Volume, "volume"),
];

/// Labels that name a locator kind: CSL's names, and every form (long,
/// short, symbol; singular and plural) of the en-US terms, plus a few
/// common spellings. Longest first, so `pp.` wins over `p`.
fn labels() -> &'static [(String, Kind)] {
    static LABELS: OnceLock<Vec<(String, Kind)>> = OnceLock::new();
    LABELS.get_or_init(|| {
        let mut v: Vec<(String, Kind)> = Vec::new();
        let mut add = |s: &str, k: Kind| {
            let s = s.trim().to_lowercase();
            if !s.is_empty() && !v.iter().any(|(x, _)| *x == s) {
                v.push((s, k));
            }
        };
        for (k, name) in KINDS {
            add(name, *k);
        }
        if let Some(en) = super::style::bundled_locale("en-US") {
            for (k, _) in KINDS {
                for form in [TermForm::Long, TermForm::Short, TermForm::Symbol] {
                    if let Some(t) = en.term(Term::Locator(*k), form) {
                        for s in [t.single(), t.multiple()].into_iter().flatten() {
                            add(s, *k);
                        }
                    }
                }
            }
        }
        for (s, k) in [
            ("p", Kind::Page), ("pp", Kind::Page), ("pg.", Kind::Page), ("pgs.", Kind::Page), ("ch.", Kind::Chapter),
            ("chap", Kind::Chapter), ("sect.", Kind::Section), ("sec", Kind::Section), ("vol", Kind::Volume),
            ("fig", Kind::Figure), ("para", Kind::Paragraph), ("no.", Kind::Issue), ("s.v.", Kind::SubVerbo),
        ] {
            add(s, k);
        }
        v.sort_by_key(|(s, _)| std::cmp::Reverse(s.chars().count()));
        v
    })
}

impl Locator {
    /// A page locator.
    pub fn page(value: impl Into<String>) -> Locator {
        Locator { kind: Kind::Page, value: value.into() }
    }

    /// Parses `p. 79`, `pp. 79-81`, `chap. 3`, `§ 4`, `page 12`, `vol. 2`;
    /// a bare number or range (`79`, `79-81`) is a page. `None` when the
    /// text is not a locator.
    pub fn parse(s: &str) -> Option<Locator> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        let lower = s.to_lowercase();
        for (label, kind) in labels() {
            if let Some(rest) = lower.strip_prefix(label.as_str()) {
                let label_is_word = label.chars().last().is_some_and(char::is_alphabetic);
                let next = rest.chars().next();
                // "pages12" is not "pages 12"; "p.12" and "§4" are fine.
                if label_is_word && next.is_some_and(char::is_alphanumeric) {
                    continue;
                }
                let value: String = s.chars().skip(label.chars().count()).collect();
                let value = value.trim();
                if value.is_empty() {
                    return None;
                }
                return Some(Locator { kind: *kind, value: value.to_string() });
            }
        }
        s.chars().next().is_some_and(|c| c.is_ascii_digit()).then(|| Locator::page(s))
    }

    /// The CSL name of the kind (`page`, `chapter`…).
    pub fn kind_name(&self) -> &'static str {
        KINDS.iter().find(|(k, _)| *k == self.kind).map(|(_, n)| *n).unwrap_or("page")
    }
}

/// Splits a cite argument `KEY:p. 79` into the key and its locator. The
/// locator is what follows the last `:` when it parses as one; otherwise
/// the whole argument is the key (`KEY`, or a key that itself contains a
/// colon). A caller that knows its keys should try the whole argument as a
/// key first: `Shen:2020` is otherwise read as key `Shen`, page 2020.
pub fn parse_cite_arg(arg: &str) -> (String, Option<Locator>) {
    let arg = arg.trim();
    if let Some((key, loc)) = arg.rsplit_once(':') {
        if !key.trim().is_empty() {
            if let Some(l) = Locator::parse(loc) {
                return (key.trim().to_string(), Some(l));
            }
        }
    }
    (arg.to_string(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_locators() {
        assert_eq!(Locator::parse("p. 79"), Some(Locator::page("79")));
        assert_eq!(Locator::parse("pp. 79-81"), Some(Locator::page("79-81")));
        assert_eq!(Locator::parse("p.79"), Some(Locator::page("79")));
        assert_eq!(Locator::parse("79"), Some(Locator::page("79")));
        assert_eq!(Locator::parse("chap. 3").map(|l| l.kind), Some(Kind::Chapter));
        assert_eq!(Locator::parse("§ 4").map(|l| (l.kind, l.value)), Some((Kind::Section, "4".into())));
        assert_eq!(Locator::parse("vol. 2").map(|l| l.kind), Some(Kind::Volume));
        assert_eq!(Locator::parse("Chapter 12").map(|l| (l.kind, l.value)), Some((Kind::Chapter, "12".into())));
        assert_eq!(Locator::parse("foo"), None);
        assert_eq!(Locator::parse("pages12"), None);
    }

    #[test]
    fn splits_cite_args() {
        assert_eq!(parse_cite_arg("AB12CD34:p. 79"), ("AB12CD34".into(), Some(Locator::page("79"))));
        assert_eq!(parse_cite_arg("AB12CD34"), ("AB12CD34".into(), None));
        assert_eq!(parse_cite_arg("a:b:c"), ("a:b:c".into(), None));
    }
}
