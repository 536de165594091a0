//! Reference strings into tokens. A token is a run of non-whitespace with its
//! byte offsets in the original text, so a labelled run of tokens maps back to
//! the exact slice it came from. Punctuation stays attached to its word
//! ("(Lanham,", "2015),"): both training corpora put segment boundaries at
//! whitespace, and the features look at the punctuation separately.

/// One token: `text` is `original[start..end]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token<'a> {
    pub text: &'a str,
    pub start: usize,
    pub end: usize,
}

/// Splits `text` at Unicode whitespace.
pub fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                out.push(Token { text: &text[s..i], start: s, end: i });
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push(Token { text: &text[s..], start: s, end: text.len() });
    }
    out
}

/// The token without the punctuation around it ("(Lanham," → "Lanham",
/// "pp." → "pp"); empty when the token is only punctuation.
pub fn core(token: &str) -> &str {
    token.trim_matches(|c: char| !c.is_alphanumeric())
}
