//! The labelled data: AnyStyle's `core.xml`, CORA's tagged references and our
//! own notes-style references, read into one form; the fixed held-out split.

use std::path::{Path, PathBuf};

use crate::labels::{split_issue, unify};
use crate::tokenize::tokenize;

/// Where an example came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    AnyStyle,
    Cora,
    Notes,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::AnyStyle => "anystyle core",
            Source::Cora => "cora",
            Source::Notes => "notes (ours)",
        }
    }
}

/// One labelled reference: its text (segments joined by one space) and a
/// label per whitespace token of that text.
#[derive(Debug, Clone)]
pub struct Example {
    pub source: Source,
    pub text: String,
    pub labels: Vec<&'static str>,
}

#[derive(Debug)]
pub struct CorpusError(pub String);

impl std::fmt::Display for CorpusError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for CorpusError {}

fn push_segment(text: &mut String, labels: &mut Vec<&'static str>, tag: &str, seg: &str) -> Result<(), CorpusError> {
    let label = unify(tag).ok_or_else(|| CorpusError(format!("unknown tag <{tag}>")))?;
    let toks: Vec<&str> = seg.split_whitespace().collect();
    if toks.is_empty() {
        return Ok(());
    }
    let seg_labels = if label == "volume" { split_issue(&toks) } else { vec![label; toks.len()] };
    for t in toks {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(t);
    }
    labels.extend(seg_labels);
    Ok(())
}

/// Reads AnyStyle's XML: `<dataset><sequence><author>…</author>…</sequence>…`.
pub fn read_anystyle(xml: &str, source: Source) -> Result<Vec<Example>, CorpusError> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| CorpusError(format!("XML: {e}")))?;
    let mut out = Vec::new();
    for seq in doc.root_element().children().filter(|n| n.has_tag_name("sequence")) {
        let mut text = String::new();
        let mut labels = Vec::new();
        for seg in seq.children().filter(|n| n.is_element()) {
            let s: String = seg.descendants().filter(|d| d.is_text()).filter_map(|d| d.text()).collect();
            push_segment(&mut text, &mut labels, seg.tag_name().name(), &s)?;
        }
        if !labels.is_empty() {
            out.push(Example { source, text, labels });
        }
    }
    Ok(out)
}

/// Reads CORA as ParsCit distributes it: one reference per line,
/// `<author> … </author> <title> … </title> …`. Text outside any tag (a
/// stray final ".") takes the label of the segment before it.
pub fn read_cora(txt: &str) -> Result<Vec<Example>, CorpusError> {
    let mut out = Vec::new();
    for (n, line) in txt.lines().enumerate() {
        let mut text = String::new();
        let mut labels: Vec<&'static str> = Vec::new();
        let mut rest = line.trim();
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('<') {
                let close = after.find('>').ok_or_else(|| CorpusError(format!("line {}: unclosed tag", n + 1)))?;
                let tag = &after[..close];
                let end_tag = format!("</{tag}>");
                let body_and_rest = &after[close + 1..];
                let end = body_and_rest.find(&end_tag).ok_or_else(|| CorpusError(format!("line {}: no {end_tag}", n + 1)))?;
                push_segment(&mut text, &mut labels, tag, &body_and_rest[..end])?;
                rest = body_and_rest[end + end_tag.len()..].trim_start();
            } else {
                let end = rest.find('<').unwrap_or(rest.len());
                let stray = &rest[..end];
                if let Some(&last) = labels.last() {
                    for t in stray.split_whitespace() {
                        text.push(' ');
                        text.push_str(t);
                        labels.push(last);
                    }
                }
                rest = rest[end..].trim_start();
            }
        }
        if !labels.is_empty() {
            out.push(Example { source: Source::Cora, text, labels });
        }
    }
    Ok(out)
}

/// Letters and digits only, lower-cased: the identity of a reference
/// across corpora (CORA's references are nearly all in AnyStyle's core set
/// too).
pub fn normalized(text: &str) -> String {
    text.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// The fixed held-out split: about one reference in five, chosen by a hash
/// (FNV-1a) of the normalized text, so the same reference is held out in
/// every corpus that contains it and never trained on.
pub fn is_held_out(text: &str) -> bool {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in normalized(text).bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h.is_multiple_of(5)
}

/// The crate's folder (for the shipped model and our notes fixtures).
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    crate_dir().join("../..")
}

/// `../shared/fixtures` beside the repository (or `$IBID_SHARED_FIXTURES`),
/// by the same rule as the workspace's tests/support.rs: under CI (`CI` set) a
/// missing folder is an error with a clear message; elsewhere the caller is
/// told it was skipped (`Ok(None)`).
pub fn shared_fixtures() -> Result<Option<PathBuf>, CorpusError> {
    let dir = std::env::var_os("IBID_SHARED_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/fixtures"));
    if dir.is_dir() {
        return Ok(Some(dir));
    }
    if std::env::var_os("CI").is_some() {
        return Err(CorpusError(format!(
            "the shared fixtures are missing: expected {} (CI lays ../shared beside the clone; \
             set IBID_SHARED_FIXTURES to point elsewhere)",
            dir.display()
        )));
    }
    eprintln!("SKIPPED: {} not found (outside CI, what needs ../shared is skipped)", dir.display());
    Ok(None)
}

/// Our own notes-style references (tests/fixtures/refparse/notes.xml).
pub fn notes_fixture() -> PathBuf {
    repo_root().join("tests/fixtures/refparse/notes.xml")
}

fn read(path: &Path) -> Result<String, CorpusError> {
    std::fs::read_to_string(path).map_err(|e| CorpusError(format!("{}: {e}", path.display())))
}

/// Every labelled example: AnyStyle's core set and CORA from `shared`, and
/// our notes-style references.
pub fn load_all(shared: &Path) -> Result<Vec<Example>, CorpusError> {
    let mut all = read_anystyle(&read(&shared.join("reference-parsing/anystyle/core.xml"))?, Source::AnyStyle)?;
    all.extend(read_cora(&read(&shared.join("reference-parsing/cora-parscit/tagged_references.txt"))?)?);
    all.extend(read_anystyle(&read(&notes_fixture())?, Source::Notes)?);
    Ok(all)
}

/// Checks an example's labels line up with its tokens.
pub fn check(ex: &Example) -> bool {
    tokenize(&ex.text).len() == ex.labels.len()
}
