//! Just enough HTML for saved publisher pages: `<meta>` tags, JSON-LD
//! scripts, the `<title>`, and the page as text (blocks on their own lines,
//! ordered-list items numbered, superscript numbers as superscript digits).
//! Tolerant: unclosed tags, comments and unknown entities are passed over.

use ibid_core::text::decode_entities;
use serde_json::Value;

/// One tag: its lower-cased name, whether it closes, its attributes.
#[derive(Debug, Clone)]
struct Tag {
    name: String,
    closing: bool,
    attrs: Vec<(String, String)>,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

enum Token<'a> {
    Text(&'a str),
    Tag(Tag),
    /// The raw content of a `<script>` or `<style>` element, with its tag.
    Raw(Tag, &'a str),
}

fn parse_tag(inner: &str) -> Tag {
    let (closing, inner) = match inner.strip_prefix('/') {
        Some(r) => (true, r),
        None => (false, inner),
    };
    let inner = inner.trim_end_matches('/');
    let name_end = inner.find(|c: char| c.is_whitespace()).unwrap_or(inner.len());
    let name = inner[..name_end].to_ascii_lowercase();
    let mut attrs = Vec::new();
    let s = &inner[name_end..];
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let k0 = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'=' {
            i += 1;
        }
        let key = s[k0..i].to_ascii_lowercase();
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < b.len() && b[i] == b'=' {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let q = b[i];
                let v0 = i + 1;
                i = v0;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
                value = decode_entities(&s[v0..i.min(b.len())]);
                i += 1;
            } else {
                let v0 = i;
                while i < b.len() && !b[i].is_ascii_whitespace() {
                    i += 1;
                }
                value = decode_entities(&s[v0..i]);
            }
        }
        if !key.is_empty() {
            attrs.push((key, value));
        }
    }
    Tag { name, closing, attrs }
}

fn tokens(html: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        if i > 0 {
            out.push(Token::Text(&rest[..i]));
        }
        let after = &rest[i..];
        if let Some(r) = after.strip_prefix("<!--") {
            rest = r.find("-->").map(|e| &r[e + 3..]).unwrap_or("");
            continue;
        }
        let Some(close) = after.find('>') else {
            out.push(Token::Text(after));
            rest = "";
            break;
        };
        let inner = &after[1..close];
        rest = &after[close + 1..];
        if inner.starts_with('!') || inner.starts_with('?') {
            continue;
        }
        let tag = parse_tag(inner);
        if !tag.closing && (tag.name == "script" || tag.name == "style") {
            let end_tag = format!("</{}", tag.name);
            let lower = rest.to_ascii_lowercase();
            let end = lower.find(&end_tag).unwrap_or(rest.len());
            let content = &rest[..end];
            rest = &rest[end..];
            rest = rest.find('>').map(|e| &rest[e + 1..]).unwrap_or("");
            out.push(Token::Raw(tag, content));
            continue;
        }
        out.push(Token::Tag(tag));
    }
    if !rest.is_empty() {
        out.push(Token::Text(rest));
    }
    out
}

/// Every `<meta>` tag as (lower-cased `name` or `property`, `content`), in order.
pub fn metas(html: &str) -> Vec<(String, String)> {
    tokens(html)
        .into_iter()
        .filter_map(|t| match t {
            Token::Tag(tag) if tag.name == "meta" && !tag.closing => {
                let name = tag.attr("name").or_else(|| tag.attr("property"))?.to_ascii_lowercase();
                Some((name, tag.attr("content")?.trim().to_string()))
            }
            _ => None,
        })
        .collect()
}

/// Every JSON-LD object (an `@graph` or a top-level array is flattened).
pub fn json_ld(html: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for t in tokens(html) {
        if let Token::Raw(tag, content) = t {
            if tag.attr("type").is_some_and(|v| v.eq_ignore_ascii_case("application/ld+json")) {
                if let Ok(v) = serde_json::from_str::<Value>(content.trim()) {
                    let mut stack = vec![v];
                    while let Some(v) = stack.pop() {
                        match v {
                            Value::Array(a) => stack.extend(a.into_iter().rev()),
                            Value::Object(mut o) => match o.remove("@graph") {
                                Some(g) => stack.push(g),
                                None => out.push(Value::Object(o)),
                            },
                            _ => {}
                        }
                    }
                }
            }
        }
    }
    out
}

/// The `<title>` text.
pub fn title(html: &str) -> Option<String> {
    let toks = tokens(html);
    let start = toks.iter().position(|t| matches!(t, Token::Tag(tag) if tag.name == "title" && !tag.closing))?;
    match toks.get(start + 1) {
        Some(Token::Text(t)) => Some(collapse(&decode_entities(t))).filter(|s| !s.is_empty()),
        _ => None,
    }
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

const BLOCKS: &[&str] = &[
    "p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "ol", "ul", "dt", "dd", "header", "footer",
    "article", "aside", "nav", "table", "blockquote", "main", "figure", "figcaption", "hr",
];

fn superscript(d: char) -> char {
    match d {
        '0' => '⁰',
        '1' => '¹',
        '2' => '²',
        '3' => '³',
        '4' => '⁴',
        '5' => '⁵',
        '6' => '⁶',
        '7' => '⁷',
        '8' => '⁸',
        _ => '⁹',
    }
}

/// The body as text: each block on its own line, `<ol>` items numbered
/// "N. ", a `<sup>` holding only digits as superscript digits. The `<head>`
/// is left out.
pub fn to_text(html: &str) -> String {
    let mut out = String::new();
    let mut lists: Vec<Option<u32>> = Vec::new(); // Some(next number) for <ol>
    let mut in_head = false;
    let mut in_sup = false;
    let mut sup_text = String::new();
    for t in tokens(html) {
        match t {
            Token::Raw(..) => {}
            Token::Text(s) => {
                if in_head {
                    continue;
                }
                let s = decode_entities(s);
                if in_sup {
                    sup_text.push_str(&s);
                } else {
                    // Inline white space collapses; line structure comes from tags.
                    let c: String = s.chars().map(|c| if c.is_whitespace() { ' ' } else { c }).collect();
                    out.push_str(&c);
                }
            }
            Token::Tag(tag) => match (tag.name.as_str(), tag.closing) {
                ("head", false) => in_head = true,
                ("head", true) | ("body", false) => in_head = false,
                ("sup", false) => {
                    in_sup = true;
                    sup_text.clear();
                }
                ("sup", true) => {
                    in_sup = false;
                    let t = sup_text.trim();
                    if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()) {
                        out.extend(t.chars().map(superscript));
                        out.push(' ');
                    } else {
                        out.push_str(&sup_text);
                    }
                }
                ("ol", false) => {
                    lists.push(Some(tag.attr("start").and_then(|s| s.parse().ok()).unwrap_or(1)));
                    out.push('\n');
                }
                ("ul", false) => {
                    lists.push(None);
                    out.push('\n');
                }
                ("ol" | "ul", true) => {
                    lists.pop();
                    out.push('\n');
                }
                ("li", false) => {
                    out.push('\n');
                    if let Some(Some(n)) = lists.last_mut() {
                        out.push_str(&format!("{n}. "));
                        *n += 1;
                    }
                }
                (name, _) if BLOCKS.contains(&name) => out.push('\n'),
                _ => {}
            },
        }
    }
    out.lines().map(collapse).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metas_json_ld_and_text() {
        let html = r#"<html><head><title>A &amp; B</title>
            <meta name="citation_title" content="On &ldquo;X&rdquo;">
            <meta property="og:type" content=book>
            <script type="application/ld+json">{"@graph": [{"@type": "Chapter", "name": "X"}]}</script>
            </head><body><h2>Notes</h2><ol><li>First <i>note</i>.</li><li>Second.</li></ol>
            <p><sup>3</sup> Third.</p><!-- <p>hidden</p> --></body></html>"#;
        assert_eq!(metas(html), vec![("citation_title".into(), "On “X”".into()), ("og:type".into(), "book".into())]);
        assert_eq!(json_ld(html)[0]["@type"], "Chapter");
        assert_eq!(title(html).as_deref(), Some("A & B"));
        let text = to_text(html);
        assert!(text.contains("Notes\n"), "{text}");
        assert!(text.contains("\n1. First note.\n") && text.contains("\n2. Second.\n"), "{text}");
        assert!(text.contains("³ Third."), "{text}");
        assert!(!text.contains("hidden"));
    }
}
