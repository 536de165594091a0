//! JATS (and the HTML that publishers mix into it) to text.
//!
//! Crossref abstracts are JATS fragments (`<jats:p>`, `<jats:italic>`, a
//! leading `<jats:title>Abstract</jats:title>`, sections, tables, MathML);
//! titles are plain strings that often carry markup escaped once
//! (`&lt;scp&gt;`, `&amp;`). Both become text with a small set of inline
//! markup that the UI's sanitizer allows: `<i>`, `<b>`, `<sub>`, `<sup>` and
//! `<sc>` (small caps). Every other tag is dropped and its text kept.
//!
//! * [`to_text`]: an abstract: paragraphs separated by a blank line.
//! * [`inline`]: a title: entities decoded first, one line.
//! * [`plain`]: a reference string: one line, no markup at all.

/// An abstract (JATS or HTML) as text: a leading title element (`Abstract`)
/// dropped; `<i>`/`<italic>`/`<em>` → `<i>`, `<b>`/`<bold>`/`<strong>` →
/// `<b>`, `<sub>`, `<sup>`, small caps → `<sc>`; every other tag dropped with
/// its text kept; paragraphs (and sections, lists, tables) separated by a
/// blank line, table rows by a line break; entities decoded; whitespace
/// collapsed.
pub fn to_text(s: &str) -> String {
    let mut tokens = tokenize(s);
    for t in &mut tokens {
        if let Token::Text(x) = t {
            *x = decode_entities(x);
        }
    }
    drop_leading_title(&mut tokens);
    let text = render(&tokens, Mode::Blocks);
    // Some publishers (Copernicus) start the first paragraph with the word.
    for lead in ["Abstract", "ABSTRACT"] {
        if let Some(rest) = text.strip_prefix(lead) {
            for sep in [". ", ": ", ".\n\n", ":\n\n", "\n\n"] {
                if let Some(body) = rest.strip_prefix(sep) {
                    return body.to_string();
                }
            }
        }
    }
    text
}

/// A title or other one-line string as text with inline markup. Entities are
/// decoded before tags are read, because Crossref titles carry their markup
/// escaped (`&lt;i&gt;`); block tags become spaces.
pub fn inline(s: &str) -> String {
    let decoded = decode_entities(s);
    render(&tokenize(&decoded), Mode::Inline)
}

/// One line of text without any markup (for reference strings).
pub fn plain(s: &str) -> String {
    let decoded = decode_entities(s);
    render(&tokenize(&decoded), Mode::Plain)
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Text(String),
    /// Local name (namespace prefix dropped), lower-cased; self-closing.
    Open(String, bool),
    Close(String),
}

/// Splits markup into text and tags. A `<` that does not start a tag
/// (`p < 0.05`, `x<y` with no `>`) is text.
fn tokenize(s: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut text = String::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < s.len() {
        if b[i] == b'<' {
            if let Some((tok, end)) = read_tag(s, i) {
                if !text.is_empty() {
                    out.push(Token::Text(std::mem::take(&mut text)));
                }
                match tok {
                    TagRead::Tag(t) => out.push(t),
                    TagRead::Skip => {}
                    TagRead::Text(t) => text.push_str(&t),
                }
                i = end;
                continue;
            }
        }
        let ch = s[i..].chars().next().expect("in bounds");
        text.push(ch);
        i += ch.len_utf8();
    }
    if !text.is_empty() {
        out.push(Token::Text(text));
    }
    out
}

enum TagRead {
    Tag(Token),
    Skip,
    Text(String),
}

/// Reads the tag starting at `s[start] == '<'`; returns it and the index after it.
fn read_tag(s: &str, start: usize) -> Option<(TagRead, usize)> {
    let rest = &s[start..];
    if let Some(r) = rest.strip_prefix("<!--") {
        let end = r.find("-->").map(|e| start + 4 + e + 3).unwrap_or(s.len());
        return Some((TagRead::Skip, end));
    }
    if let Some(r) = rest.strip_prefix("<![CDATA[") {
        let e = r.find("]]>")?;
        return Some((TagRead::Text(r[..e].to_string()), start + 9 + e + 3));
    }
    if rest.starts_with("<?") || rest.starts_with("<!") {
        let e = rest.find('>')?;
        return Some((TagRead::Skip, start + e + 1));
    }
    let (closing, name_start) = if rest.starts_with("</") { (true, 2) } else { (false, 1) };
    let name_len = rest[name_start..]
        .char_indices()
        .find(|&(k, c)| !(c.is_ascii_alphanumeric() || (k > 0 && matches!(c, ':' | '_' | '.' | '-'))))
        .map(|(k, _)| k)
        .unwrap_or(rest.len() - name_start);
    if name_len == 0 || !rest[name_start..].starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let name = &rest[name_start..name_start + name_len];
    // The rest of the tag: attributes up to '>', quotes respected; a '<'
    // first means this was not a tag.
    let mut quote: Option<char> = None;
    let after = &rest[name_start + name_len..];
    let first = after.chars().next()?;
    if !(first == '>' || first == '/' || first.is_whitespace()) {
        return None;
    }
    for (k, c) in after.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '<') => return None,
            (None, '>') => {
                let self_closing = after[..k].trim_end().ends_with('/');
                let local = name.rsplit(':').next().unwrap_or(name).to_ascii_lowercase();
                let tok = if closing { Token::Close(local) } else { Token::Open(local, self_closing) };
                return Some((TagRead::Tag(tok), start + name_start + name_len + k + 1));
            }
            _ => {}
        }
    }
    None
}

/// Removes a title element that comes before any text ("Abstract",
/// "Summary"). A section's own title ("Background") is kept unless it says
/// "Abstract".
fn drop_leading_title(tokens: &mut Vec<Token>) {
    let mut sec_depth = 0;
    for i in 0..tokens.len() {
        match &tokens[i] {
            Token::Text(t) if !t.trim().is_empty() => return,
            Token::Open(n, false) if n == "sec" => sec_depth += 1,
            Token::Open(n, false) if n == "title" => {
                let Some(len) = tokens[i + 1..].iter().position(|t| matches!(t, Token::Close(c) if c == "title")) else {
                    return;
                };
                let text: String = tokens[i + 1..i + 1 + len]
                    .iter()
                    .filter_map(|t| if let Token::Text(x) = t { Some(x.as_str()) } else { None })
                    .collect();
                let folded = text.trim().trim_end_matches([':', '.']).trim().to_lowercase();
                let generic = matches!(folded.as_str(), "abstract" | "summary" | "graphical abstract" | "abstract and figures");
                if sec_depth == 0 || generic {
                    tokens.drain(i..i + len + 2);
                }
                return;
            }
            _ => {}
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Blocks,
    Inline,
    Plain,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Gap {
    None,
    Space,
    Line,
    Para,
}

const BLOCKS: &[&str] = &[
    "p", "sec", "title", "div", "list", "list-item", "li", "ul", "ol", "table-wrap", "table", "caption",
    "disp-quote", "blockquote", "fig", "abstract", "trans-abstract", "def-list", "def-item", "boxed-text",
    "statement", "h1", "h2", "h3", "h4", "h5", "h6", "thead", "tbody", "tfoot", "disp-formula", "speech",
    "verse-group", "ack", "app", "notes", "fn", "attrib",
];

/// Tags whose content is never text (dropped with their content).
const DROP_CONTENT: &[&str] = &["script", "style", "tex-math", "object-id", "annotation"];

fn inline_markup(name: &str) -> Option<&'static str> {
    Some(match name {
        "i" | "italic" | "em" => "i",
        "b" | "bold" | "strong" => "b",
        "sub" => "sub",
        "sup" => "sup",
        "sc" | "scp" | "small-caps" | "smallcaps" => "sc",
        _ => return None,
    })
}

struct Out {
    s: String,
    gap: Gap,
    /// The pending space came from a line break in the source (pretty-printed
    /// markup), not from the text: it is dropped inside brackets and before
    /// punctuation.
    gap_from_newline: bool,
    open: Vec<&'static str>,
}

impl Out {
    fn gap(&mut self, g: Gap) {
        if !self.s.is_empty() && g > self.gap {
            self.gap = g;
        }
    }

    fn flush(&mut self, next: Option<char>) {
        let from_newline = std::mem::take(&mut self.gap_from_newline);
        if self.s.is_empty() {
            self.gap = Gap::None;
            return;
        }
        match std::mem::replace(&mut self.gap, Gap::None) {
            Gap::None => {}
            Gap::Space => {
                let after_open = self.s.ends_with(['(', '[']);
                let before_close = next.is_some_and(|c| matches!(c, ')' | ']' | '.' | ',' | ';' | ':'));
                if !(from_newline && (after_open || before_close)) {
                    self.s.push(' ');
                }
            }
            Gap::Line => self.s.push('\n'),
            Gap::Para => self.s.push_str("\n\n"),
        }
    }

    fn text(&mut self, t: &str) {
        for c in t.chars() {
            if matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c') {
                self.gap(Gap::Space);
                if c == '\n' || c == '\r' {
                    self.gap_from_newline = true;
                }
            } else {
                self.flush(Some(c));
                self.s.push(c);
            }
        }
    }

    fn open(&mut self, tag: &'static str) {
        self.flush(None);
        self.s.push('<');
        self.s.push_str(tag);
        self.s.push('>');
        self.open.push(tag);
    }

    fn close(&mut self, tag: &'static str) {
        let Some(pos) = self.open.iter().rposition(|t| *t == tag) else { return };
        // Close what was opened inside it too (mis-nested input).
        while self.open.len() > pos {
            let t = self.open.pop().expect("non-empty");
            let opener = format!("<{t}>");
            if self.s.ends_with(&opener) {
                // An empty element: leave nothing.
                self.s.truncate(self.s.len() - opener.len());
            } else {
                self.s.push_str("</");
                self.s.push_str(t);
                self.s.push('>');
            }
        }
    }
}

fn render(tokens: &[Token], mode: Mode) -> String {
    let mut out = Out { s: String::new(), gap: Gap::None, gap_from_newline: false, open: Vec::new() };
    let mut drop_depth = 0usize;
    let mut alternatives = 0usize;
    for t in tokens {
        match t {
            Token::Open(n, self_closing) => {
                if n == "alternatives" && !self_closing {
                    alternatives += 1;
                }
                if DROP_CONTENT.contains(&n.as_str()) && !self_closing {
                    // LaTeX source is dropped only where another form (MathML) stands beside it.
                    if n != "tex-math" || alternatives > 0 {
                        drop_depth += 1;
                    }
                    continue;
                }
                if drop_depth > 0 {
                    continue;
                }
                if let Some(m) = inline_markup(n) {
                    if mode != Mode::Plain && !self_closing {
                        out.open(m);
                    }
                } else if n == "br" || n == "tr" {
                    out.gap(if mode == Mode::Blocks { Gap::Line } else { Gap::Space });
                } else if n == "td" || n == "th" {
                    out.gap(Gap::Space);
                } else if BLOCKS.contains(&n.as_str()) {
                    out.gap(if mode == Mode::Blocks { Gap::Para } else { Gap::Space });
                }
            }
            Token::Close(n) => {
                if n == "alternatives" {
                    alternatives = alternatives.saturating_sub(1);
                }
                if DROP_CONTENT.contains(&n.as_str()) && (n != "tex-math" || drop_depth > 0) {
                    drop_depth = drop_depth.saturating_sub(1);
                    continue;
                }
                if drop_depth > 0 {
                    continue;
                }
                if let Some(m) = inline_markup(n) {
                    if mode != Mode::Plain {
                        out.close(m);
                    }
                } else if n == "tr" {
                    out.gap(if mode == Mode::Blocks { Gap::Line } else { Gap::Space });
                } else if n == "td" || n == "th" {
                    out.gap(Gap::Space);
                } else if BLOCKS.contains(&n.as_str()) {
                    out.gap(if mode == Mode::Blocks { Gap::Para } else { Gap::Space });
                }
            }
            Token::Text(x) => {
                if drop_depth == 0 {
                    out.text(x);
                }
            }
        }
    }
    while let Some(t) = out.open.last().copied() {
        out.close(t);
    }
    out.s
}

pub use ibid_core::text::decode_entities;


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_abstract_title_dropped_paragraphs_kept() {
        let s = "<jats:title>Abstract</jats:title><jats:p>First  para\n graph.</jats:p><jats:p>Second.</jats:p>";
        assert_eq!(to_text(s), "First para graph.\n\nSecond.");
    }

    #[test]
    fn any_leading_title_element_dropped() {
        assert_eq!(to_text("<title>Summary</title><p>Text.</p>"), "Text.");
        assert_eq!(to_text("<jats:title>Zusammenfassung</jats:title><jats:p>Text.</jats:p>"), "Text.");
    }

    #[test]
    fn section_titles_kept_as_paragraphs() {
        let s = "<jats:sec><jats:title>Background</jats:title><jats:p>Why.</jats:p></jats:sec>\
                 <jats:sec><jats:title>Results</jats:title><jats:p>What.</jats:p></jats:sec>";
        assert_eq!(to_text(s), "Background\n\nWhy.\n\nResults\n\nWhat.");
    }

    #[test]
    fn inline_markup_mapped_and_other_tags_dropped() {
        let s = "<jats:p>In <jats:italic>E. coli</jats:italic>, H<jats:sub>2</jats:sub>O and \
                 x<sup>2</sup> are <jats:bold>bold</jats:bold>; see <jats:ext-link xlink:href=\"http://x\">this</jats:ext-link>.</jats:p>";
        assert_eq!(to_text(s), "In <i>E. coli</i>, H<sub>2</sub>O and x<sup>2</sup> are <b>bold</b>; see this.");
    }

    #[test]
    fn html_em_strong_and_small_caps() {
        assert_eq!(to_text("<p><em>a</em> <strong>b</strong> <scp>c</scp></p>"), "<i>a</i> <b>b</b> <sc>c</sc>");
    }

    #[test]
    fn entities_decoded() {
        assert_eq!(to_text("<p>p &lt; 0.05 &amp; &#x3b1;&#946; &ndash; &bogus; AT&T</p>"), "p < 0.05 & αβ – &bogus; AT&T");
    }

    #[test]
    fn whitespace_inside_markup_moves_out() {
        assert_eq!(to_text("<p>a <i>b </i>c<i></i> d</p>"), "a <i>b</i> c d");
    }

    #[test]
    fn pretty_printed_line_breaks_inside_brackets_dropped() {
        let s = "<jats:p>oncogene (\n<jats:italic>KRAS</jats:italic>\n)/x, the beetle\n<italic>C. maculatus</italic>\n. Done ( spaced ).</jats:p>";
        assert_eq!(to_text(s), "oncogene (<i>KRAS</i>)/x, the beetle <i>C. maculatus</i>. Done ( spaced ).");
    }

    #[test]
    fn leading_abstract_word_dropped() {
        assert_eq!(to_text("<p>Abstract. High ice water</p>"), "High ice water");
        assert_eq!(to_text("<p>Abstract art is old.</p>"), "Abstract art is old.");
    }

    #[test]
    fn table_rows_are_lines() {
        let s = "<jats:p>Contents</jats:p><jats:table><jats:tr><jats:td>I.</jats:td><jats:td>Intro</jats:td></jats:tr>\
                 <jats:tr><jats:td>II.</jats:td><jats:td>Methods</jats:td></jats:tr></jats:table>";
        assert_eq!(to_text(s), "Contents\n\nI. Intro\nII. Methods");
    }

    #[test]
    fn less_than_that_is_not_a_tag_stays() {
        assert_eq!(to_text("P<0.001 and a <b c"), "P<0.001 and a <b c");
        assert_eq!(inline("x &lt; y"), "x < y");
    }

    #[test]
    fn mathml_text_kept_tex_alternative_dropped() {
        let s = "<p>(<mml:math><mml:mi>P</mml:mi><mml:mo>&lt;</mml:mo><mml:mn>0.01</mml:mn></mml:math>)</p>\
                 <p><alternatives><tex-math>\\alpha</tex-math><mml:math><mml:mi>α</mml:mi></mml:math></alternatives></p>";
        assert_eq!(to_text(s), "(P<0.01)\n\nα");
    }

    #[test]
    fn titles_decode_escaped_markup() {
        assert_eq!(inline("Robust &lt;scp&gt;cross‐vector&lt;/scp&gt; demand"), "Robust <sc>cross‐vector</sc> demand");
        assert_eq!(inline("Progress in Colloid &amp; Polymer Science"), "Progress in Colloid & Polymer Science");
        assert_eq!(inline("in\n   <i>Streptococcus agalactiae</i>\n "), "in <i>Streptococcus agalactiae</i>");
    }

    #[test]
    fn plain_has_no_markup() {
        assert_eq!(plain("A <i>B</i> &amp; <jats:p>C</jats:p>"), "A B & C");
    }

    #[test]
    fn comments_and_cdata() {
        assert_eq!(to_text("<p>a<!-- hidden -->b <![CDATA[<c>]]></p>"), "ab <c>");
    }

    #[test]
    fn unclosed_markup_is_closed() {
        assert_eq!(to_text("<p><i>open"), "<i>open</i>");
        assert_eq!(to_text("stray</i> close"), "stray close");
    }

    #[test]
    fn empty_input() {
        assert_eq!(to_text(""), "");
        assert_eq!(to_text("<jats:p/>"), "");
    }
}
