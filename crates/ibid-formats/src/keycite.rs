//! Citations that name works by citation key, for writing tools that build
//! the bibliography themselves from an exported file: Pandoc (`[@key]`),
//! LaTeX (`\cite{key}`) and Typst (`@key`).

use std::str::FromStr;

/// A citation-key syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFormat {
    /// Pandoc and Quarto Markdown: `[@a; @b, p. 79]`.
    Pandoc,
    /// LaTeX (BibTeX, natbib, biblatex): `\cite{a,b}`, `\cite[p.~79]{a}`.
    Latex,
    /// Typst: `@a @b[p. 79]`.
    Typst,
}

impl FromStr for KeyFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "pandoc" | "markdown-key" | "quarto" => Ok(KeyFormat::Pandoc),
            "latex" | "tex" | "bibtex" | "biblatex" => Ok(KeyFormat::Latex),
            "typst" => Ok(KeyFormat::Typst),
            other => Err(format!("{other:?} is not a citation-key format (pandoc, latex, typst)")),
        }
    }
}

/// One cited work: its citation key and, optionally, a locator as the
/// writer typed it ("p. 79").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyCite {
    pub key: String,
    pub locator: Option<String>,
}

/// The citation of `cites`, in that order, in `format`.
///
/// LaTeX's `\cite` takes one optional locator for the whole citation: with
/// one work it is `\cite[p.~79]{a}`; with several, each carrying a locator,
/// biblatex's `\cites[p.~79]{a}[]{b}` keeps them apart.
pub fn key_citation(cites: &[KeyCite], format: KeyFormat) -> String {
    match format {
        KeyFormat::Pandoc => {
            let parts: Vec<String> = cites
                .iter()
                .map(|c| match &c.locator {
                    Some(l) => format!("@{}, {l}", c.key),
                    None => format!("@{}", c.key),
                })
                .collect();
            format!("[{}]", parts.join("; "))
        }
        KeyFormat::Latex => {
            let tilde = |l: &str| l.replacen(". ", ".~", 1);
            match cites {
                [one] => match &one.locator {
                    Some(l) => format!("\\cite[{}]{{{}}}", tilde(l), one.key),
                    None => format!("\\cite{{{}}}", one.key),
                },
                many if many.iter().any(|c| c.locator.is_some()) => {
                    let parts: String = many
                        .iter()
                        .map(|c| format!("[{}]{{{}}}", c.locator.as_deref().map(tilde).unwrap_or_default(), c.key))
                        .collect();
                    format!("\\cites{parts}")
                }
                many => format!("\\cite{{{}}}", many.iter().map(|c| c.key.as_str()).collect::<Vec<_>>().join(",")),
            }
        }
        KeyFormat::Typst => cites
            .iter()
            .map(|c| match &c.locator {
                Some(l) => format!("@{}[{l}]", c.key),
                None => format!("@{}", c.key),
            })
            .collect::<Vec<_>>()
            .join(" "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(key: &str, locator: Option<&str>) -> KeyCite {
        KeyCite { key: key.into(), locator: locator.map(str::to_string) }
    }

    #[test]
    fn each_syntax_with_and_without_locators() {
        let one = [c("shen2020political", Some("p. 79"))];
        let two = [c("shen2020political", None), c("heinzig2004soviet", Some("p. 178"))];
        let plain = [c("a", None), c("b", None)];
        assert_eq!(key_citation(&one, KeyFormat::Pandoc), "[@shen2020political, p. 79]");
        assert_eq!(key_citation(&two, KeyFormat::Pandoc), "[@shen2020political; @heinzig2004soviet, p. 178]");
        assert_eq!(key_citation(&one, KeyFormat::Latex), "\\cite[p.~79]{shen2020political}");
        assert_eq!(key_citation(&plain, KeyFormat::Latex), "\\cite{a,b}");
        assert_eq!(key_citation(&two, KeyFormat::Latex), "\\cites[]{shen2020political}[p.~178]{heinzig2004soviet}");
        assert_eq!(key_citation(&one, KeyFormat::Typst), "@shen2020political[p. 79]");
        assert_eq!(key_citation(&plain, KeyFormat::Typst), "@a @b");
        assert_eq!("LaTeX".parse::<KeyFormat>(), Ok(KeyFormat::Latex));
        assert!("docx".parse::<KeyFormat>().is_err());
    }
}
