//! hayagriva's formatted elements into text, HTML, Markdown and RTF.
//!
//! hayagriva's own writers are not used: its `Display` emits terminal colour
//! codes and its HTML writer does not escape text. Here the element tree is
//! flattened into runs of (text, formatting, link) and each format writes
//! them with its own escaping. HTML gets only `<i>`, `<b>`, `<sup>`, `<sub>`,
//! `<span style="font-variant:small-caps">` and `<a href>` for http(s) URLs.

use hayagriva::citationberg::{FontStyle, FontVariant, FontWeight, VerticalAlign};
use hayagriva::{ElemChild, ElemChildren, Formatting};

use super::Format;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Style {
    italic: bool,
    bold: bool,
    small_caps: bool,
    sup: bool,
    sub: bool,
}

impl From<Formatting> for Style {
    fn from(f: Formatting) -> Self {
        Style {
            italic: f.font_style == FontStyle::Italic,
            bold: f.font_weight == FontWeight::Bold,
            small_caps: f.font_variant == FontVariant::SmallCaps,
            sup: f.vertical_align == VerticalAlign::Sup,
            sub: f.vertical_align == VerticalAlign::Sub,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Run {
    text: String,
    style: Style,
    link: Option<String>,
}

fn push(runs: &mut Vec<Run>, text: &str, style: Style, link: Option<&str>) {
    if text.is_empty() {
        return;
    }
    if let Some(last) = runs.last_mut() {
        if last.style == style && last.link.as_deref() == link {
            last.text.push_str(text);
            return;
        }
    }
    runs.push(Run { text: text.to_string(), style, link: link.map(str::to_string) });
}

fn ends_with_space(runs: &[Run]) -> bool {
    runs.last().is_none_or(|r| r.text.ends_with(char::is_whitespace))
}

fn flatten(children: &ElemChildren, runs: &mut Vec<Run>) {
    for child in &children.0 {
        match child {
            ElemChild::Text(t) => push(runs, &t.text, t.formatting.into(), None),
            ElemChild::Markup(m) => push(runs, m, Style::default(), None),
            ElemChild::Link { text, url } => push(runs, &text.text, text.formatting.into(), Some(url)),
            ElemChild::Elem(e) => {
                // Blocks (display="block" and friends) are set off by a space:
                // every entry stays one line.
                if e.display.is_some() && !ends_with_space(runs) {
                    push(runs, " ", Style::default(), None);
                }
                flatten(&e.children, runs);
                if e.display.is_some() && !ends_with_space(runs) {
                    push(runs, " ", Style::default(), None);
                }
            }
            ElemChild::Transparent { .. } => {}
        }
    }
}

/// Trims leading and trailing whitespace across runs.
fn trim(runs: &mut Vec<Run>) {
    while let Some(first) = runs.first_mut() {
        let t = first.text.trim_start().to_string();
        if t.is_empty() {
            runs.remove(0);
        } else {
            first.text = t;
            break;
        }
    }
    while let Some(last) = runs.last_mut() {
        let t = last.text.trim_end().to_string();
        if t.is_empty() {
            runs.pop();
        } else {
            last.text = t;
            break;
        }
    }
}

/// Writes elements (optionally after a first field, such as `[1]`) in a format.
pub(crate) fn write(first: Option<&ElemChildren>, content: &ElemChildren, format: Format) -> String {
    let mut runs = Vec::new();
    if let Some(first) = first {
        flatten(first, &mut runs);
        trim(&mut runs);
        if !runs.is_empty() {
            push(&mut runs, " ", Style::default(), None);
        }
    }
    flatten(content, &mut runs);
    trim(&mut runs);
    match format {
        Format::Text => runs.iter().map(|r| r.text.as_str()).collect(),
        Format::Html => html(&runs),
        Format::Markdown => markdown(&runs),
        Format::Rtf => rtf(&runs),
    }
}

/// The plain text of elements (no formatting).
pub(crate) fn plain(children: &ElemChildren) -> String {
    let mut s = String::new();
    children.write_buf(&mut s, hayagriva::BufWriteFormat::Plain).expect("writing to a String");
    s
}

fn is_web_url(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")) && !url.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// Escapes text for HTML (element content and attribute values).
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn html(runs: &[Run]) -> String {
    let mut out = String::new();
    for r in runs {
        let link = r.link.as_deref().filter(|u| is_web_url(u));
        if let Some(url) = link {
            out.push_str("<a href=\"");
            out.push_str(&escape_html(url.trim()));
            out.push_str("\">");
        }
        let tags: Vec<(&str, &str)> = [
            (r.style.bold, ("<b>", "</b>")),
            (r.style.italic, ("<i>", "</i>")),
            (r.style.small_caps, ("<span style=\"font-variant:small-caps\">", "</span>")),
            (r.style.sup, ("<sup>", "</sup>")),
            (r.style.sub, ("<sub>", "</sub>")),
        ]
        .into_iter()
        .filter_map(|(on, t)| on.then_some(t))
        .collect();
        for (open, _) in &tags {
            out.push_str(open);
        }
        out.push_str(&escape_html(&r.text));
        for (_, close) in tags.iter().rev() {
            out.push_str(close);
        }
        if link.is_some() {
            out.push_str("</a>");
        }
    }
    out
}

fn markdown_escape(s: &str, at_line_start: bool) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for (i, c) in s.chars().enumerate() {
        let special = matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '|' | '~');
        let block_start = i == 0 && at_line_start && matches!(c, '#' | '+' | '-' | '=');
        if special || block_start {
            out.push('\\');
        }
        out.push(c);
    }
    if at_line_start {
        // "1. " at the start of a line would be an ordered list.
        let digits = out.chars().take_while(char::is_ascii_digit).count();
        if digits > 0 && matches!(out[digits..].chars().next(), Some('.' | ')')) {
            out.insert(digits, '\\');
        }
    }
    out
}

fn markdown(runs: &[Run]) -> String {
    let mut out = String::new();
    for r in runs {
        let text = &r.text;
        let lead = &text[..text.len() - text.trim_start().len()];
        let core = text.trim();
        let trail = &text[lead.len() + core.len()..];
        out.push_str(lead);
        if core.is_empty() {
            out.push_str(trail);
            continue;
        }
        let mut body = markdown_escape(core, out.is_empty());
        if r.style.italic {
            body = format!("*{body}*");
        }
        if r.style.bold {
            body = format!("**{body}**");
        }
        match r.link.as_deref().filter(|u| is_web_url(u)) {
            Some(url) if url.trim() == core => out.push_str(&format!("<{}>", url.trim())),
            Some(url) => out.push_str(&format!("[{body}]({})", url.trim().replace('(', "%28").replace(')', "%29"))),
            None => out.push_str(&body),
        }
        out.push_str(trail);
    }
    out
}

fn rtf_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '{' => out.push_str("\\{"),
            '}' => out.push_str("\\}"),
            '\n' => out.push_str("\\line "),
            '\t' => out.push_str("\\tab "),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            c if c.is_ascii() => {}
            c => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    // RTF's \u takes a signed 16-bit number; `?` is the fallback.
                    out.push_str(&format!("\\u{}?", *unit as i16));
                }
            }
        }
    }
    out
}

fn rtf(runs: &[Run]) -> String {
    let mut out = String::new();
    for r in runs {
        let mut body = rtf_escape(&r.text);
        for (on, ctrl) in [
            (r.style.sub, "\\sub"),
            (r.style.sup, "\\super"),
            (r.style.small_caps, "\\scaps"),
            (r.style.italic, "\\i"),
            (r.style.bold, "\\b"),
        ] {
            if on {
                body = format!("{{{ctrl} {body}}}");
            }
        }
        match r.link.as_deref().filter(|u| is_web_url(u)) {
            Some(url) => out.push_str(&format!(
                "{{\\field{{\\*\\fldinst{{HYPERLINK \"{}\"}}}}{{\\fldrslt{{{body}}}}}}}",
                rtf_escape(url.trim()).replace('"', "%22")
            )),
            None => out.push_str(&body),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, italic: bool) -> Run {
        Run { text: text.into(), style: Style { italic, ..Style::default() }, link: None }
    }

    #[test]
    fn markdown_moves_spaces_out_of_emphasis_and_escapes() {
        let runs = vec![run("1. A_b ", false), run(" Title ", true), run("[x]", false)];
        assert_eq!(markdown(&runs), "1\\. A\\_b  *Title* \\[x\\]");
    }

    #[test]
    fn rtf_escapes_unicode_and_braces() {
        assert_eq!(rtf(&[run("Zürich {x} 😀", true)]), "{\\i Z\\u252?rich \\{x\\} \\u-10179?\\u-8704?}");
    }

    #[test]
    fn html_links_only_web_urls() {
        let r = |url: &str| Run { text: "x".into(), style: Style::default(), link: Some(url.into()) };
        assert_eq!(html(&[r("javascript:alert(1)")]), "x");
        assert_eq!(html(&[r("https://doi.org/10.1/a\"b")]), "<a href=\"https://doi.org/10.1/a&quot;b\">x</a>");
    }
}
