//! "Cite as you write": the citation texts of Better BibTeX's
//! `/better-bibtex/cayw` endpoint, so that editor plugins written for it
//! (Vim and Emacs snippets, VS Code pickers, Scrivener scripts) get from
//! Ibid what they expect, byte for byte, from the works a writer picked.
//!
//! Only the key-based formats live here (they need nothing but the keys and
//! what the writer typed); `formatted-citation`, `formatted-bibliography`
//! and `translate` need the library and are done by `ibid_api`.

use std::collections::HashMap;

/// One picked work: its citation key and what the writer added to it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Picked {
    pub key: String,
    /// The place in the work as typed: `"12"`, `"pp. 12-14"`, `"ch. 3"`.
    pub locator: Option<String>,
    /// Text before the citation: `"see"`.
    pub prefix: Option<String>,
    /// Text after it: `"for a critique"`.
    pub suffix: Option<String>,
    /// Only the year (`-@key`, `\citeyear`).
    pub suppress_author: bool,
}

/// The key-based CAYW formats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyStyle {
    /// Pandoc / Quarto: `@a; @b, p. 12`, in brackets when asked.
    Pandoc { brackets: bool },
    /// natbib-style LaTeX: `\cite{a,b}`, `\citep[p.~12]{a}`.
    Latex { command: String },
    /// biblatex: `\autocite{a,b}`, `\autocites[see][12]{a}{b}`.
    Biblatex { command: String },
    /// MultiMarkdown: `[#a][][#b][]`.
    Mmd,
    /// asciidoctor-bibtex: `cite:[a(12), b]`.
    Asciidoctor,
    /// Typst: `@a @b[p. 12]`.
    Typst,
    /// Better BibTeX's "playground": keys with the given affixes.
    Playground { citeprefix: String, citepostfix: String, keyprefix: String, keypostfix: String, separator: String },
}

/// What a CAYW request asks for, from its query parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Citation keys in a syntax.
    Keys(KeyStyle),
    /// The citation in a CSL style, as text (`style`, else the default).
    FormattedCitation { style: Option<String> },
    /// The bibliography of the picked works in a CSL style, as text.
    FormattedBibliography { style: Option<String> },
    /// The picked works as a file: `bibtex`, `biblatex`, `csl-json` or `ris`.
    Translate { format: String },
}

/// The formats a CAYW request may name.
pub const FORMATS: &[&str] = &[
    "pandoc",
    "latex",
    "cite",
    "citep",
    "citet",
    "natbib",
    "biblatex",
    "mmd",
    "asciidoctor-bibtex",
    "typst",
    "playground",
    "formatted-citation",
    "formatted-bibliography",
    "translate",
];

/// Better BibTeX treats any non-empty value as "on".
fn on(p: &HashMap<String, String>, name: &str) -> bool {
    p.get(name).is_some_and(|v| !v.is_empty())
}

fn text(p: &HashMap<String, String>, name: &str) -> Option<String> {
    p.get(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// A LaTeX command name: letters only (and a trailing `*`), so that a
/// parameter cannot put arbitrary TeX into the writer's document.
fn command(p: &HashMap<String, String>, default: &str) -> Result<String, String> {
    match text(p, "command") {
        None => Ok(default.to_string()),
        Some(c) => {
            let c = c.trim_start_matches('\\').to_string();
            let body = c.strip_suffix('*').unwrap_or(&c);
            if !body.is_empty() && body.chars().all(|ch| ch.is_ascii_alphabetic()) {
                Ok(c)
            } else {
                Err(format!("command={c:?} is not a LaTeX command name (letters only, like citep)"))
            }
        }
    }
}

impl Request {
    /// Reads the query parameters of a CAYW request (`format` and its
    /// options); an unknown format names the known ones.
    pub fn from_params(p: &HashMap<String, String>) -> Result<Request, String> {
        let format = p.get("format").map(|f| f.trim().to_ascii_lowercase()).unwrap_or_else(|| "pandoc".into());
        let keys = |k| Ok(Request::Keys(k));
        match format.as_str() {
            "" | "pandoc" => keys(KeyStyle::Pandoc { brackets: on(p, "brackets") }),
            "latex" | "natbib" => keys(KeyStyle::Latex { command: command(p, "cite")? }),
            "cite" => keys(KeyStyle::Latex { command: "cite".into() }),
            "citep" | "citet" => keys(KeyStyle::Latex { command: command(p, &format)? }),
            "biblatex" => keys(KeyStyle::Biblatex { command: command(p, "autocite")? }),
            "mmd" => keys(KeyStyle::Mmd),
            "asciidoctor-bibtex" => keys(KeyStyle::Asciidoctor),
            "typst" => keys(KeyStyle::Typst),
            "playground" => keys(KeyStyle::Playground {
                citeprefix: p.get("citeprefix").cloned().unwrap_or_default(),
                citepostfix: p.get("citepostfix").cloned().unwrap_or_default(),
                keyprefix: p.get("keyprefix").cloned().unwrap_or_default(),
                keypostfix: p.get("keypostfix").cloned().unwrap_or_default(),
                separator: p.get("separator").cloned().unwrap_or_else(|| ",".into()),
            }),
            "formatted-citation" => Ok(Request::FormattedCitation { style: text(p, "style") }),
            "formatted-bibliography" => Ok(Request::FormattedBibliography { style: text(p, "style") }),
            "translate" => {
                let t = text(p, "translator").unwrap_or_else(|| "biblatex".into());
                // Better BibTeX's names: lower case, spaces and "better" dropped.
                let t: String = t.to_ascii_lowercase().replace("better", "").chars().filter(|c| c.is_ascii_alphanumeric()).collect();
                let format = match t.as_str() {
                    "biblatex" => "biblatex",
                    "bibtex" => "bibtex",
                    "csljson" | "json" => "csl-json",
                    "ris" => "ris",
                    _ => return Err("translator: biblatex, bibtex, csljson or ris".into()),
                };
                Ok(Request::Translate { format: format.into() })
            }
            "scannable-cite" => Err("format=scannable-cite names Zotero's own item URIs; Ibid has none: use pandoc, latex, biblatex, typst or formatted-citation".into()),
            other => Err(format!("format={other:?} is not a CAYW format; use one of: {}", FORMATS.join(", "))),
        }
    }
}

/// A locator as typed, split into its label (`page`, `chapter`, …) and
/// its value: `"12"` and `"p. 12"` are pages, `"ch. 3"` a chapter.
pub fn split_locator(typed: &str) -> (&'static str, String) {
    const LABELS: &[(&str, &str)] = &[
        ("pp.", "page"),
        ("p.", "page"),
        ("pages", "page"),
        ("page", "page"),
        ("chapter", "chapter"),
        ("ch.", "chapter"),
        ("chap.", "chapter"),
        ("section", "section"),
        ("sec.", "section"),
        ("§§", "section"),
        ("§", "section"),
        ("volume", "volume"),
        ("vol.", "volume"),
        ("note", "note"),
        ("n.", "note"),
        ("nn.", "note"),
        ("paragraph", "paragraph"),
        ("para.", "paragraph"),
        ("figure", "figure"),
        ("fig.", "figure"),
        ("line", "line"),
        ("l.", "line"),
        ("column", "column"),
        ("col.", "column"),
        ("part", "part"),
        ("pt.", "part"),
        ("verse", "verse"),
        ("v.", "verse"),
    ];
    let t = typed.trim();
    // ASCII case only, so that byte offsets agree with `t`.
    let lower = t.to_ascii_lowercase();
    for (prefix, label) in LABELS {
        if let Some(rest) = lower.strip_prefix(prefix) {
            // A whole word: "p. 12", "p.12", "page 3" — not "part" read as "p".
            let next = rest.chars().next();
            if prefix.ends_with('.') || prefix.starts_with('§') || next.is_none_or(|c| c.is_whitespace()) {
                return (label, t[t.len() - rest.len()..].trim().to_string());
            }
        }
    }
    ("page", t.to_string())
}

/// The short label Better BibTeX writes before a locator.
fn short_label(label: &str, value: &str) -> &'static str {
    let range = value.contains(['-', '–', ',']);
    match label {
        "page" if range => "pp.",
        "page" => "p.",
        "chapter" => "ch.",
        "section" => "sec.",
        "volume" => "vol.",
        "note" => "n.",
        "paragraph" => "para.",
        "figure" => "fig.",
        "line" => "l.",
        "column" => "col.",
        "part" => "pt.",
        "verse" => "vrs.",
        _ => "",
    }
}

fn labelled(locator: &str) -> String {
    let (label, value) = split_locator(locator);
    format!("{} {value}", short_label(label, &value))
}

/// LaTeX leaves a page number bare (`[12]`); other places keep their label.
fn latex_locator(locator: &str) -> String {
    let (label, value) = split_locator(locator);
    if label == "page" {
        value
    } else {
        format!("{}~{value}", short_label(label, &value))
    }
}

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The citation of the picked works, in order. Nothing picked gives `""`
/// (what Better BibTeX answers when the picker is closed).
pub fn format_keys(picked: &[Picked], style: &KeyStyle) -> String {
    if picked.is_empty() {
        return String::new();
    }
    match style {
        KeyStyle::Pandoc { brackets } => {
            let parts: Vec<String> = picked
                .iter()
                .map(|c| {
                    let mut s = String::new();
                    if let Some(p) = nonempty(&c.prefix) {
                        s.push_str(p);
                        s.push(' ');
                    }
                    if c.suppress_author {
                        s.push('-');
                    }
                    s.push('@');
                    s.push_str(&c.key);
                    if let Some(l) = nonempty(&c.locator) {
                        s.push_str(", ");
                        s.push_str(&labelled(l));
                    }
                    if let Some(x) = nonempty(&c.suffix) {
                        s.push(' ');
                        s.push_str(x);
                    }
                    s
                })
                .collect();
            let body = parts.join("; ");
            if *brackets {
                format!("[{body}]")
            } else {
                body
            }
        }
        KeyStyle::Latex { command } => {
            let plain = picked.iter().all(|c| nonempty(&c.prefix).is_none() && nonempty(&c.suffix).is_none() && nonempty(&c.locator).is_none());
            let same_suppress = picked.iter().all(|c| c.suppress_author == picked[0].suppress_author);
            let cmd = |c: &Picked| if c.suppress_author { "citeyear".to_string() } else { command.clone() };
            if plain && same_suppress {
                let keys: Vec<&str> = picked.iter().map(|c| c.key.as_str()).collect();
                return format!("\\{}{{{}}}", cmd(&picked[0]), keys.join(","));
            }
            // natbib has no way to give each work of one \cite its own
            // notes: each is cited on its own.
            picked
                .iter()
                .map(|c| {
                    let mut s = format!("\\{}", cmd(c));
                    let pre = nonempty(&c.prefix);
                    let post = match (nonempty(&c.locator), nonempty(&c.suffix)) {
                        (Some(l), Some(x)) => Some(format!("{}, {x}", latex_locator(l))),
                        (Some(l), None) => Some(latex_locator(l)),
                        (None, Some(x)) => Some(x.to_string()),
                        (None, None) => None,
                    };
                    if let Some(p) = pre {
                        s.push_str(&format!("[{p}]"));
                    }
                    match post {
                        Some(p) => s.push_str(&format!("[{p}]")),
                        None if pre.is_some() => s.push_str("[]"),
                        None => {}
                    }
                    s.push_str(&format!("{{{}}}", c.key));
                    s
                })
                .collect()
        }
        KeyStyle::Biblatex { command } => {
            let notes = |c: &Picked| {
                let post = match (nonempty(&c.locator), nonempty(&c.suffix)) {
                    (Some(l), Some(x)) => format!("{}, {x}", latex_locator(l)),
                    (Some(l), None) => latex_locator(l),
                    (None, Some(x)) => x.to_string(),
                    (None, None) => String::new(),
                };
                match nonempty(&c.prefix) {
                    Some(p) => format!("[{p}][{post}]"),
                    None if post.is_empty() => String::new(),
                    None => format!("[{post}]"),
                }
            };
            let starrable = matches!(command.as_str(), "cite" | "autocite" | "parencite");
            match picked {
                [one] => {
                    let star = if one.suppress_author && starrable { "*" } else { "" };
                    format!("\\{command}{star}{}{{{}}}", notes(one), one.key)
                }
                many if many.iter().all(|c| notes(c).is_empty()) => {
                    format!("\\{command}{{{}}}", many.iter().map(|c| c.key.as_str()).collect::<Vec<_>>().join(","))
                }
                many => {
                    // The multicite form: each work with its own notes.
                    let parts: String = many.iter().map(|c| format!("{}{{{}}}", notes(c), c.key)).collect();
                    format!("\\{command}s{parts}")
                }
            }
        }
        KeyStyle::Mmd => picked
            .iter()
            .map(|c| match nonempty(&c.prefix) {
                Some(p) => format!("[{p}][#{}]", c.key),
                None => format!("[#{}][]", c.key),
            })
            .collect(),
        KeyStyle::Asciidoctor => {
            let parts: Vec<String> = picked
                .iter()
                .map(|c| match nonempty(&c.locator) {
                    Some(l) => {
                        let (label, value) = split_locator(l);
                        if label == "page" {
                            format!("{}({value})", c.key)
                        } else {
                            format!("{}({} {value})", c.key, short_label(label, &value))
                        }
                    }
                    None => c.key.clone(),
                })
                .collect();
            format!("cite:[{}]", parts.join(", "))
        }
        KeyStyle::Typst => picked
            .iter()
            .map(|c| match nonempty(&c.locator) {
                Some(l) => format!("@{}[{}]", c.key, labelled(l)),
                None => format!("@{}", c.key),
            })
            .collect::<Vec<_>>()
            .join(" "),
        KeyStyle::Playground { citeprefix, citepostfix, keyprefix, keypostfix, separator } => {
            let keys: Vec<String> = picked.iter().map(|c| format!("{keyprefix}{}{keypostfix}", c.key)).collect();
            format!("{citeprefix}{}{citepostfix}", keys.join(separator))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(key: &str) -> Picked {
        Picked { key: key.into(), ..Default::default() }
    }

    fn params(q: &str) -> HashMap<String, String> {
        q.split('&').filter(|s| !s.is_empty()).map(|kv| kv.split_once('=').map_or((kv.to_string(), String::new()), |(k, v)| (k.into(), v.into()))).collect()
    }

    fn cite(q: &str, picked: &[Picked]) -> String {
        match Request::from_params(&params(q)).unwrap() {
            Request::Keys(k) => format_keys(picked, &k),
            other => panic!("{q}: not a key format: {other:?}"),
        }
    }

    #[test]
    fn pandoc_with_and_without_brackets_and_every_addition() {
        let two = [pick("shen2020"), pick("heinzig2004")];
        assert_eq!(cite("format=pandoc", &two), "@shen2020; @heinzig2004");
        assert_eq!(cite("format=pandoc&brackets=1", &two), "[@shen2020; @heinzig2004]");
        let rich = Picked {
            key: "heinzig2004".into(),
            locator: Some("178".into()),
            prefix: Some("see".into()),
            suffix: Some("for the treaty".into()),
            suppress_author: true,
        };
        assert_eq!(cite("format=pandoc&brackets=yes", &[rich]), "[see -@heinzig2004, p. 178 for the treaty]");
        let range = Picked { key: "a".into(), locator: Some("12-14".into()), ..Default::default() };
        let chapter = Picked { key: "b".into(), locator: Some("ch. 3".into()), ..Default::default() };
        assert_eq!(cite("format=pandoc", &[range, chapter]), "@a, pp. 12-14; @b, ch. 3");
        // An empty `brackets` is off, as in Better BibTeX.
        assert_eq!(cite("format=pandoc&brackets=", &[pick("a")]), "@a");
    }

    #[test]
    fn latex_joins_plain_keys_and_separates_annotated_ones() {
        let two = [pick("a"), pick("b")];
        assert_eq!(cite("format=latex", &two), "\\cite{a,b}");
        assert_eq!(cite("format=latex&command=citep", &two), "\\citep{a,b}");
        assert_eq!(cite("format=citep", &two), "\\citep{a,b}");
        assert_eq!(cite("format=cite&command=citet", &two), "\\cite{a,b}");
        let located = Picked { key: "b".into(), locator: Some("p. 12".into()), ..Default::default() };
        assert_eq!(cite("format=latex", &[pick("a"), located.clone()]), "\\cite{a}\\cite[12]{b}");
        let see = Picked { key: "c".into(), prefix: Some("see".into()), ..Default::default() };
        assert_eq!(cite("format=latex&command=citep", &[see]), "\\citep[see][]{c}");
        let years = [Picked { suppress_author: true, ..pick("a") }, Picked { suppress_author: true, ..pick("b") }];
        assert_eq!(cite("format=latex", &years), "\\citeyear{a,b}");
        let chapter = Picked { key: "d".into(), locator: Some("ch. 2".into()), suffix: Some("passim".into()), ..Default::default() };
        assert_eq!(cite("format=latex", &[chapter]), "\\cite[ch.~2, passim]{d}");
    }

    #[test]
    fn biblatex_multicite_and_starred_single() {
        let two = [pick("a"), pick("b")];
        assert_eq!(cite("format=biblatex", &two), "\\autocite{a,b}");
        assert_eq!(cite("format=biblatex&command=parencite", &two), "\\parencite{a,b}");
        let located = Picked { key: "b".into(), locator: Some("12".into()), prefix: Some("see".into()), ..Default::default() };
        assert_eq!(cite("format=biblatex", &[pick("a"), located]), "\\autocites{a}[see][12]{b}");
        let year = Picked { suppress_author: true, ..pick("a") };
        assert_eq!(cite("format=biblatex", std::slice::from_ref(&year)), "\\autocite*{a}");
        assert_eq!(cite("format=biblatex&command=textcite", &[year]), "\\textcite{a}");
    }

    #[test]
    fn the_other_key_formats() {
        let two = [Picked { prefix: Some("see".into()), ..pick("a") }, Picked { locator: Some("12".into()), ..pick("b") }];
        assert_eq!(cite("format=mmd", &two), "[see][#a][#b][]");
        assert_eq!(cite("format=asciidoctor-bibtex", &two), "cite:[a, b(12)]");
        assert_eq!(cite("format=typst", &two), "@a @b[p. 12]");
        assert_eq!(cite("format=playground&keyprefix=<&keypostfix=>&separator=;", &[pick("a"), pick("b")]), "<a>;<b>");
        assert_eq!(cite("format=playground&citeprefix=[&citepostfix=]", &[pick("a"), pick("b")]), "[a,b]");
    }

    #[test]
    fn nothing_picked_is_an_empty_answer() {
        for f in ["pandoc&brackets=1", "latex", "biblatex", "mmd", "typst"] {
            assert_eq!(cite(&format!("format={f}"), &[]), "", "{f}");
        }
    }

    #[test]
    fn requests_that_cannot_be_answered_say_why() {
        let err = Request::from_params(&params("format=docx")).unwrap_err();
        assert!(err.contains("pandoc") && err.contains("docx"), "{err}");
        assert!(Request::from_params(&params("format=scannable-cite")).unwrap_err().contains("Zotero"));
        // No TeX through the command name.
        assert!(Request::from_params(&params("format=latex&command=input{/etc/passwd}")).is_err());
        assert_eq!(Request::from_params(&params("format=translate&translator=Better%20CSL")).unwrap_err(), "translator: biblatex, bibtex, csljson or ris");
        assert_eq!(Request::from_params(&params("format=translate&translator=betterbibtex")).unwrap(), Request::Translate { format: "bibtex".into() });
        assert_eq!(Request::from_params(&params("format=translate")).unwrap(), Request::Translate { format: "biblatex".into() });
        assert_eq!(Request::from_params(&params("")).unwrap(), Request::Keys(KeyStyle::Pandoc { brackets: false }));
    }

    #[test]
    fn locators_are_read_with_their_labels() {
        assert_eq!(split_locator("12"), ("page", "12".into()));
        assert_eq!(split_locator("p. 12"), ("page", "12".into()));
        assert_eq!(split_locator("pp.12–14"), ("page", "12–14".into()));
        assert_eq!(split_locator("Ch. 3"), ("chapter", "3".into()));
        assert_eq!(split_locator("§ 4"), ("section", "4".into()));
        assert_eq!(split_locator("part 2"), ("part", "2".into()));
        assert_eq!(split_locator("paragraph 7"), ("paragraph", "7".into()));
        assert_eq!(split_locator("xiv"), ("page", "xiv".into()));
    }
}
