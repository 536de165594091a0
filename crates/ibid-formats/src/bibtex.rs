//! BibTeX and BibLaTeX in and out.
//!
//! # Import ([`parse`])
//!
//! The `biblatex` crate parses a whole file or fails on its first error, so
//! the file is first split into blocks here (`@type{…}` / `@type(…)`, braces
//! and quotes matched as the crate does, `\`-escapes skipped) and every entry
//! is handed to the crate on its own: one broken entry is one
//! [`BibError`] with its line number, and every other entry still imports.
//! A block that never closes ends where the next line starting with a known
//! `@type{` begins, so a missing brace costs one entry, not the rest of the
//! file. Text after an entry's closing brace that looks like more fields
//! (`name = …`) marks that entry as broken (an extra `}` cut it short).
//!
//! * `@string` macros are resolved here, in file order (a macro may use
//!   earlier ones), case-insensitively as BibTeX does, and handed to the crate
//!   with each entry that uses them. An undefined macro is kept as its own
//!   name (BibTeX would warn and use an empty string). Month macros
//!   (`jan`…`dec`) are built in.
//! * `@preamble` blocks are read for argument-less macro definitions
//!   (`\providecommand\x{…}`, `\newcommand{\x}{…}`, `\def\x{…}`), which are
//!   expanded in the entries; `@comment` blocks and text between entries are
//!   skipped.
//! * `crossref` (BibTeX: every missing field is inherited; BibLaTeX's mapping
//!   of a book's, collection's or proceedings' `title` to a contribution's
//!   `booktitle` (unless there is a `booktitle` already: BibTeX-style
//!   proceedings carry both), `author` to `bookauthor`, a periodical's
//!   `title` to `journaltitle`; `ids`, `label`, `key`, `sortkey`,
//!   `shorthand` … are never inherited, and a contribution does not inherit
//!   its book's `doi`, `url`, `urldate`, `eprint`, `abstract`, page total:
//!   a paper with its proceedings' DOI would be taken for the proceedings)
//!   and `xdata` (all fields) are resolved against the whole file, keys
//!   matched case-insensitively, chains followed up to 8 deep. An unresolved
//!   `crossref` is kept as `bibtex-crossref`.
//! * LaTeX becomes Unicode (NFC): accents (`{\"o}`, `\"o`, `\'{e}`, `\c c`,
//!   `\'\i`…), `\ss`, `\o`, `\l`…, `--`/`---` dashes, ``` ``…'' ``` and `` ` ``
//!   quotes (“…”, ‘), `~` (a no-break space; a plain space in names), `\&`
//!   and the other escapes, `\textbackslash`, `\textasciigrave` and
//!   `\textquotesingle` (a literal `` ` `` and `'`, never a quote); white
//!   space collapsed to one blank (a no-break space written as such counts
//!   as a `~`; other Unicode spaces, thin, narrow no-break, ideographic…, are
//!   characters of the text and kept); braces are removed, the text
//!   inside them is kept as written (case protection needs no marks in CSL,
//!   where nothing is re-cased unless a style asks). `\emph`/`\textit`,
//!   `\textbf`, `\textsc`, `\textsuperscript`, `\textsubscript` become CSL's
//!   rich-text tags (`<i>`, `<b>`, small caps, `<sup>`, `<sub>`); `\url{x}`,
//!   `\texttt{x}` and other unknown one-argument commands keep their
//!   argument; font switches (`\em`, `\bf`…) and spacing (`\kern-.1em`) are
//!   dropped; `\cite{…}` and other unknown commands are kept as written.
//!   Math: `$…$` made only of letters, digits, Greek letters, common symbols
//!   and accents, `^`/`_` and font commands becomes Unicode text (with
//!   `<sup>`/`<sub>`: `$x^2$` → `x<sup>2</sup>`); any other math is kept as
//!   `$…$` (and written back as math).
//! * Names through the crate's `Person` (von/last/jr/first, and BibLaTeX's
//!   extended `family=…, given=…` format; a name with a `=` in another form
//!   is read as BibTeX; math in a name becomes text as in a field); a name
//!   that is one brace group with a blank in it (`{World Health
//!   Organization}`) is a literal name, one without (`{al.}`) a family name;
//!   `others` is kept as the literal `others`.
//! * Dates: BibLaTeX `date` (EDTF/ISO: `2020`, `2020-05`, `2020-05-01`,
//!   ranges `a/b`, `?`/`~`/`%` as circa) wins over `year`/`month`/`day`,
//!   which are dropped when they say the same and kept (`bibtex-year`…)
//!   when not; an unreadable `date` beside a `year` is kept as
//!   `bibtex-date` and the year is the date. `month` is a number, an
//!   English (or German) name or abbreviation, or `May 5`; a `year` range
//!   (`1999--2000`) is a range; anything else is a literal date. `urldate` →
//!   `accessed`, `eventdate` → `event-date`, `origdate` → `original-date`.
//! * Types are mapped by [`csl_type_of`] (`@misc` is a document, `@online` a
//!   webpage, `@unpublished` with an `eventtitle` a speech, `@phdthesis`
//!   and `@mastersthesis` a thesis with genre "PhD thesis"/"Master's
//!   thesis"); when the source's type does not follow from the CSL type
//!   (`@proceedings`, `@collection`, `@manual`, unknown types) it is kept as
//!   `bibtex-entrytype` and used again on export. Fields as in
//!   `entry_to_csl`: `journal`/`journaltitle`, or `booktitle` of a
//!   contribution → `container-title`; `series` → `collection-title`;
//!   `number` → `issue` (articles), `collection-number` (books and their
//!   parts) or `number`; school/institution → `publisher` of theses and
//!   reports; `howpublished` → `URL` when it is only a URL, else
//!   `publisher` (and a link in it the `URL`, when there is no `url`); `address`/`location` → `publisher-place`; `pages` with
//!   `-`; `keywords` → `keyword`; `type` → `genre`; `doi`, `isbn`, `issn`
//!   normalized (an invalid DOI or ISBN is kept as written in `bibtex-doi`
//!   / `bibtex-isbn` rather than failing the entry). A field named like a
//!   CSL variable (`event-place`, `PMID`, `translator`, `submitted`…)
//!   becomes that variable; any other field is kept in `extra` as
//!   `bibtex-<field>`, and so is a field whose variable another field gave
//!   already. Nothing is dropped silently: a repeated field is kept as
//!   `bibtex-<field>-2`; only a `booktitle` equal to a book's title and a
//!   `howpublished` equal to the URL are dropped as the same value twice.
//! * The entry key is the work's citation key.
//! * An entry without a title (after inheritance; a book's `booktitle` and
//!   an `@inbook`'s `chapter` name serve) is imported untitled when something
//!   else identifies it (a creator, a DOI, ISBN or URL, a booktitle or
//!   journal: [`csl::identifies_a_work`]); with none of them it is an error.
//!
//! # Export ([`write()`])
//!
//! From flat CSL-JSON items (as `Library::csl_items` gives them). See
//! [`write()`] for the choices (entry types, case protection, escaping).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use biblatex::{Bibliography, Chunk, Chunks, ChunksExt, Pair, Person, RawBibliography, RawChunk, Spanned};
use ibid_core::{csl, ident, Work};
use serde_json::{json, Map, Value};
use unicode_normalization::UnicodeNormalization;

/// One entry that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BibError {
    /// The entry's key, when it could be read.
    pub entry: Option<String>,
    /// 1-based line of the problem.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for BibError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.entry {
            Some(k) => write!(f, "line {} ({k}): {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

impl std::error::Error for BibError {}

impl From<BibError> for ibid_core::Error {
    fn from(e: BibError) -> Self {
        ibid_core::Error::invalid(e.to_string())
    }
}

/// Entry types a block may start with for recovery: a line starting with
/// `@` and one of these (and `{` or `(`) ends an unclosed entry before it.
const KNOWN_TYPES: &[&str] = &[
    "article", "book", "booklet", "conference", "inbook", "incollection", "inproceedings", "manual",
    "mastersthesis", "masterthesis", "misc", "phdthesis", "proceedings", "techreport", "unpublished",
    "online", "electronic", "www", "webpage", "report", "thesis", "collection", "mvbook", "mvcollection",
    "mvproceedings", "mvreference", "reference", "inreference", "bookinbook", "suppbook", "suppcollection",
    "suppperiodical", "periodical", "patent", "dataset", "software", "standard", "artwork", "audio",
    "image", "jurisdiction", "legislation", "legal", "letter", "movie", "music", "performance", "review",
    "video", "set", "xdata", "string", "preamble", "comment",
];

/// Deeper brace nesting than this is refused (the crate parses command
/// arguments recursively).
const MAX_DEPTH: usize = 64;
/// Larger entries are refused: no real entry comes near, and the crate's
/// chunk merging is quadratic in the number of brace groups.
const MAX_ENTRY_BYTES: usize = 1 << 20;
const MAX_ENTRY_GROUPS: usize = 5_000;

// ---------------------------------------------------------------------------
// Splitting a file into blocks
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Entry,
    Strings,
    Preamble,
    Comment,
}

#[derive(Debug)]
struct Block<'a> {
    kind: Kind,
    /// Offset of the `@`.
    start: usize,
    /// From the `@` to the closing delimiter; `(…)` rewritten as `{…}`.
    text: Cow<'a, str>,
    /// Why the block cannot be read, found while splitting (offset, message).
    problem: Option<(usize, String)>,
}

/// Reads `@type` then `{` or `(` at `at` (an `@`): (lower-case type,
/// offset of the delimiter, delimiter is a parenthesis).
fn entry_head(b: &[u8], at: usize) -> Option<(String, usize, bool)> {
    let mut i = at + 1;
    while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
        i += 1;
    }
    let s = i;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'-') {
        i += 1;
    }
    if i == s || !b[s].is_ascii_alphabetic() {
        return None;
    }
    let ty = String::from_utf8_lossy(&b[s..i]).to_ascii_lowercase();
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    match b.get(i) {
        Some(b'{') => Some((ty, i, false)),
        Some(b'(') => Some((ty, i, true)),
        _ => None,
    }
}

/// Whether a line starting at `i` (after blanks) begins a known entry.
fn starts_known_entry(b: &[u8], mut i: usize) -> bool {
    while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
        i += 1;
    }
    if b.get(i) != Some(&b'@') {
        return false;
    }
    matches!(entry_head(b, i), Some((ty, _, _)) if KNOWN_TYPES.contains(&ty.as_str()))
}

struct Scan {
    /// Exclusive end of the block.
    end: usize,
    problem: Option<(usize, String)>,
}

/// The bytes [`scan_block`] looks at.
const SCAN_SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    let special = b"\\\n\"{})";
    while i < special.len() {
        t[special[i] as usize] = true;
        i += 1;
    }
    t
};

/// Finds the end of the block whose delimiter is at `open`.
fn scan_block(b: &[u8], open: usize, paren: bool) -> Scan {
    let mut depth = 0usize;
    let mut max_depth = 0usize;
    let mut groups = 0usize;
    let mut in_quote = false;
    let mut j = open + 1;
    while j < b.len() {
        // Skip what cannot change the state (most of the text) in one go.
        match b[j..].iter().position(|&c| SCAN_SPECIAL[c as usize]) {
            Some(k) => j += k,
            None => break,
        }
        match b[j] {
            b'\\' => {
                j += 2;
                continue;
            }
            b'\n' if starts_known_entry(b, j + 1) => {
                return Scan { end: j + 1, problem: Some((open, unclosed_message(depth, in_quote, paren))) };
            }
            b'"' if depth == 0 => in_quote = !in_quote,
            _ if in_quote => {}
            b'{' => {
                depth += 1;
                groups += 1;
                max_depth = max_depth.max(depth);
            }
            b'}' if depth > 0 => depth -= 1,
            b'}' if !paren => {
                let end = j + 1;
                return Scan { end, problem: limits(open, end, max_depth, groups) };
            }
            b'}' => {
                return Scan { end: j + 1, problem: Some((j, "a closing brace with no opening brace".into())) };
            }
            b')' if paren && depth == 0 => {
                let end = j + 1;
                return Scan { end, problem: limits(open, end, max_depth, groups) };
            }
            _ => {}
        }
        j += 1;
    }
    Scan { end: b.len(), problem: Some((open, unclosed_message(depth, in_quote, paren) + " before the end of the file")) }
}

fn unclosed_message(depth: usize, in_quote: bool, paren: bool) -> String {
    if in_quote {
        "a quoted value is not closed (a stray '\"'?)".to_string()
    } else if depth > 0 {
        format!("the entry is not closed: {depth} more '{{' than '}}'")
    } else if paren {
        "the entry is not closed: no ')'".to_string()
    } else {
        "the entry is not closed (a '{' without its '}'?)".to_string()
    }
}

fn limits(open: usize, end: usize, max_depth: usize, groups: usize) -> Option<(usize, String)> {
    if end - open > MAX_ENTRY_BYTES {
        Some((open, format!("the entry is {} bytes long; entries over {} bytes are refused", end - open, MAX_ENTRY_BYTES)))
    } else if max_depth > MAX_DEPTH {
        Some((open, format!("braces are nested {max_depth} deep; more than {MAX_DEPTH} is refused")))
    } else if groups > MAX_ENTRY_GROUPS {
        Some((open, format!("the entry has {groups} brace groups; more than {MAX_ENTRY_GROUPS} is refused")))
    } else {
        None
    }
}

/// Whether text between blocks looks like fields cut off an entry.
fn junk_has_fields(junk: &[u8]) -> bool {
    junk.split(|&c| c == b'\n').any(|line| {
        let line = line.trim_ascii_start();
        if line.first() == Some(&b'%') {
            return false;
        }
        let n = line.iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_' || **c == b'-').count();
        n > 0 && line[n..].trim_ascii_start().first() == Some(&b'=')
    })
}

fn split_blocks(text: &str) -> Vec<Block<'_>> {
    let b = text.as_bytes();
    let mut out: Vec<Block> = Vec::new();
    let mut i = 0;
    let mut prev_end: Option<usize> = None;
    while i < b.len() {
        let Some(rel) = b[i..].iter().position(|&c| c == b'@') else { break };
        let at = i + rel;
        let Some((ty, open, paren)) = entry_head(b, at) else {
            i = at + 1;
            continue;
        };
        if let (Some(pe), Some(last)) = (prev_end, out.last_mut()) {
            if last.kind == Kind::Entry && last.problem.is_none() && junk_has_fields(&b[pe..at]) {
                last.problem = Some((pe, "text after the entry's closing brace looks like more fields (an extra '}'?)".into()));
            }
        }
        let scan = scan_block(b, open, paren);
        let kind = match ty.as_str() {
            "string" => Kind::Strings,
            "preamble" => Kind::Preamble,
            "comment" => Kind::Comment,
            _ => Kind::Entry,
        };
        let raw = &text[at..scan.end];
        let closed = scan.problem.is_none();
        let text_cow = if paren && closed {
            // `@type( … )` → `@type{ … }` (same length: offsets stay valid).
            let mut s = raw.to_string();
            s.replace_range(open - at..open - at + 1, "{");
            s.replace_range(s.len() - 1.., "}");
            Cow::Owned(s)
        } else {
            Cow::Borrowed(raw)
        };
        out.push(Block { kind, start: at, text: text_cow, problem: scan.problem });
        prev_end = Some(scan.end);
        i = scan.end.max(at + 1);
    }
    if let (Some(pe), Some(last)) = (prev_end, out.last_mut()) {
        if last.kind == Kind::Entry && last.problem.is_none() && junk_has_fields(&b[pe..]) {
            last.problem = Some((pe, "text after the entry's closing brace looks like more fields (an extra '}'?)".into()));
        }
    }
    out
}

struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(text.bytes().enumerate().filter(|(_, c)| *c == b'\n').map(|(i, _)| i + 1));
        Lines { starts }
    }
    /// 1-based line of a byte offset.
    fn line_of(&self, off: usize) -> usize {
        self.starts.partition_point(|&s| s <= off).max(1)
    }
}

/// The key as written after `@type{`, for error messages.
fn key_guess(block: &str) -> Option<String> {
    let open = block.find(['{', '('])?;
    let rest = &block[open + 1..];
    let end = rest.find([',', '}', '\n', '='])?;
    let key = rest[..end].trim();
    (!key.is_empty() && !rest[end..].starts_with('=')).then(|| key.to_string())
}

// ---------------------------------------------------------------------------
// Macros: @string and @preamble
// ---------------------------------------------------------------------------

fn month_name(abbr: &str) -> Option<&'static str> {
    Some(match abbr.to_ascii_lowercase().as_str() {
        "jan" => "January",
        "feb" => "February",
        "mar" => "March",
        "apr" => "April",
        "may" => "May",
        "jun" => "June",
        "jul" => "July",
        "aug" => "August",
        "sep" => "September",
        "oct" => "October",
        "nov" => "November",
        "dec" => "December",
        _ => return None,
    })
}

/// Resolves the definitions of one `@string` block into `strings` (raw
/// LaTeX, references to earlier macros substituted).
fn read_strings(block: &str, strings: &mut HashMap<String, String>) -> Result<(), (usize, String)> {
    let raw = RawBibliography::parse(block).map_err(|e| (e.span.start, describe_parse_error(&e.kind)))?;
    for pair in raw.abbreviations {
        let mut value = String::new();
        for piece in &pair.value.v {
            match piece.v {
                RawChunk::Normal(s) => value.push_str(s),
                RawChunk::Abbreviation(name) => match strings.get(&name.to_lowercase()) {
                    Some(v) => value.push_str(v),
                    None => value.push_str(month_name(name).unwrap_or(name)),
                },
            }
        }
        strings.insert(pair.key.v.to_lowercase(), value);
    }
    Ok(())
}

/// Argument-less macro definitions in a preamble: name → raw body.
fn read_preamble(block: &str, macros: &mut HashMap<String, String>) {
    let b = block.as_bytes();
    let mut i = 0;
    while let Some(rel) = block[i..].find('\\') {
        let at = i + rel;
        i = at + 1;
        let rest = &block[at..];
        let cmd_len = rest[1..].bytes().take_while(u8::is_ascii_alphabetic).count();
        let cmd = &rest[1..1 + cmd_len];
        if !matches!(cmd, "providecommand" | "newcommand" | "renewcommand" | "def" | "DeclareRobustCommand") {
            continue;
        }
        let mut j = at + 1 + cmd_len;
        if b.get(j) == Some(&b'*') {
            j += 1;
        }
        // The name: `\name` or `{\name}`.
        let braced = b.get(j) == Some(&b'{');
        if braced {
            j += 1;
        }
        if b.get(j) != Some(&b'\\') {
            continue;
        }
        j += 1;
        let name_len = block[j..].bytes().take_while(u8::is_ascii_alphabetic).count();
        if name_len == 0 {
            continue;
        }
        let name = &block[j..j + name_len];
        j += name_len;
        if braced {
            if b.get(j) != Some(&b'}') {
                continue;
            }
            j += 1;
        }
        while b.get(j).is_some_and(u8::is_ascii_whitespace) {
            j += 1;
        }
        if b.get(j) != Some(&b'{') {
            continue; // arguments (`[1]`) or an odd form: not expanded
        }
        let Some(end) = matching_brace(b, j) else { continue };
        macros.entry(name.to_string()).or_insert_with(|| block[j + 1..end].to_string());
        i = end + 1;
    }
}

/// Offset of the `}` matching the `{` at `open`.
fn matching_brace(b: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut j = open;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 1,
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => {}
        }
        j += 1;
    }
    None
}

/// What conversion needs besides the text: preamble macros, as text.
#[derive(Default)]
struct Ctx {
    macros: HashMap<String, String>,
}

// ---------------------------------------------------------------------------
// One entry through the biblatex crate
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Parsed {
    key: String,
    ty: String,
    line: usize,
    fields: BTreeMap<String, Chunks>,
    crossref: Option<String>,
    xdata: Vec<String>,
}

fn describe_parse_error(kind: &biblatex::ParseErrorKind) -> String {
    use biblatex::{ParseErrorKind as K, Token as T};
    match kind {
        K::UnexpectedEof => "the entry ends too early (an unclosed brace or quote?)".into(),
        K::Expected(T::Comma) => "expected a comma between fields".into(),
        K::Expected(T::Equals) => "expected '=' after the field name".into(),
        K::Expected(T::Identifier) => "expected a field name".into(),
        K::Expected(t) => format!("expected {t}"),
        K::Unexpected(t) => format!("unexpected {t}"),
        K::UnknownAbbreviation(a) => format!("unknown @string macro {a:?}"),
        K::MalformedCommand => "a malformed LaTeX command".into(),
        K::DuplicateKey(k) => format!("duplicate key {k:?}"),
        K::ResolutionError(e) => format!("cannot resolve a cross-reference: {e}"),
        other => other.to_string(),
    }
}

/// Fields whose content the crate reads verbatim (no LaTeX).
fn is_verbatim(field: &str) -> bool {
    matches!(field, "file" | "doi" | "uri" | "eprint" | "verba" | "verbb" | "verbc" | "pdf" | "url" | "urlraw")
}

/// Raw field text prepared for the crate: an unescaped `~` (outside
/// `\url{…}`/`\href{…}`) becomes a no-break space, so that a `~` from
/// `\textasciitilde` stays a tilde; `\'\i` becomes `\'{\i}` (the crate
/// takes only one character as an unbraced accent's argument);
/// `\textbackslash`, `\textasciigrave` and `\textquotesingle` become
/// placeholders (a backslash must not start a command later, and a `` ` ``
/// or `'` must not make a quote with its neighbour: `''` is ”); a no-break
/// space written as such is a tie, and other Unicode spaces (thin, narrow
/// no-break, ideographic…) become placeholders: they are characters of the
/// text, which the crate would make plain spaces.
fn prepare_raw(s: &str) -> Option<String> {
    let spaces = !s.is_ascii() && s.chars().any(|c| c == '\u{a0}' || space_placeholder(c).is_some());
    if !spaces && !s.bytes().any(|b| b == b'~' || b == b'\\') {
        return None;
    }
    let dotless = |r: &str| {
        let r = r.as_bytes();
        r.len() >= 4
            && r[0] == b'\\'
            && b"'\"^`~=.".contains(&r[1])
            && r[2] == b'\\'
            && (r[3] == b'i' || r[3] == b'j')
            && r.get(4).is_none_or(|c| !c.is_ascii_alphabetic())
    };
    let has_dotless = s.match_indices('\\').any(|(i, _)| dotless(&s[i..]));
    if !spaces && !s.contains('~') && !has_dotless && !LITERAL_COMMANDS.iter().any(|(cmd, _)| s.contains(cmd)) {
        return None;
    }
    let mut out = String::with_capacity(s.len() + 8);
    let b = s.as_bytes();
    let mut i = 0;
    while i < s.len() {
        let c = b[i];
        if c == b'\\' {
            let rest = &s[i..];
            if let Some(cmd) = ["\\url{", "\\href{", "\\nolinkurl{"].iter().find(|c| rest.starts_with(**c)) {
                if let Some(end) = matching_brace(b, i + cmd.len() - 1) {
                    out.push_str(&s[i..=end]);
                    i = end + 1;
                    continue;
                }
            }
            let literal = LITERAL_COMMANDS.iter().find_map(|(cmd, placeholder)| {
                let after = rest.strip_prefix(cmd).filter(|a| !a.starts_with(|c: char| c.is_ascii_alphabetic()))?;
                Some((cmd.len(), after, *placeholder))
            });
            if let Some((len, after, placeholder)) = literal {
                out.push(placeholder);
                let skip = if after.starts_with("{}") { 2 } else if after.starts_with(' ') { 1 } else { 0 };
                i += len + skip;
                continue;
            }
            if dotless(rest) {
                out.push_str(&rest[..2]);
                out.push('{');
                out.push_str(&rest[2..4]);
                out.push('}');
                i += 4;
                continue;
            }
            let n = s[i + 1..].chars().next().map_or(0, char::len_utf8);
            out.push_str(&s[i..i + 1 + n]);
            i += 1 + n;
            continue;
        }
        if c == b'~' {
            out.push(TIE);
            i += 1;
            continue;
        }
        let ch = s[i..].chars().next().expect("a character");
        match ch {
            '\u{a0}' => out.push(TIE),
            ch => out.push(space_placeholder(ch).unwrap_or(ch)),
        }
        i += ch.len_utf8();
    }
    Some(out)
}

/// A `~` on its way through the crate (which turns every blank, a no-break
/// space too, into a plain space): a private-use character.
const TIE: char = '\u{e000}';
/// A `\textbackslash` on its way through.
const BACKSLASH: char = '\u{e001}';
/// A `\textasciigrave` on its way through (the crate would give a `` ` ``,
/// which [`tex_quotes`] takes for an opening quote).
const GRAVE: char = '\u{e002}';
/// A `\textquotesingle` on its way through (next to another `'`, the
/// crate's `'` would make a closing double quote).
const APOSTROPHE: char = '\u{e003}';
/// A `=` of a name on its way through the crate (see [`bibtex_equals`]).
const EQUALS: char = '\u{e004}';
/// A `-` of a verbatim field (a URL) on its way through the crate.
const HYPHEN: char = '\u{e005}';
/// Unicode white space other than the no-break space: characters of the
/// text on their way through the crate, as `U+E010` + their index here.
const SPACES: [char; 18] = [
    '\u{85}', '\u{1680}', '\u{2000}', '\u{2001}', '\u{2002}', '\u{2003}', '\u{2004}', '\u{2005}', '\u{2006}', '\u{2007}',
    '\u{2008}', '\u{2009}', '\u{200a}', '\u{2028}', '\u{2029}', '\u{202f}', '\u{205f}', '\u{3000}',
];
const FIRST_SPACE_PLACEHOLDER: u32 = 0xe010;

fn space_placeholder(c: char) -> Option<char> {
    let i = SPACES.iter().position(|s| *s == c)?;
    char::from_u32(FIRST_SPACE_PLACEHOLDER + i as u32)
}

/// Whether [`tidy`] puts a character back in place of `c`.
fn is_placeholder(c: char) -> bool {
    let spaces = FIRST_SPACE_PLACEHOLDER..FIRST_SPACE_PLACEHOLDER + SPACES.len() as u32;
    matches!(c, BACKSLASH | GRAVE | APOSTROPHE | EQUALS) || spaces.contains(&(c as u32))
}

/// Commands for a literal character, and their placeholders.
const LITERAL_COMMANDS: [(&str, char); 3] =
    [("\\textbackslash", BACKSLASH), ("\\textasciigrave", GRAVE), ("\\textquotesingle", APOSTROPHE)];

/// The characters the placeholders stand for.
fn restore_placeholders(word: &str) -> String {
    word.chars()
        .map(|c| match c {
            BACKSLASH => '\\',
            GRAVE => '`',
            APOSTROPHE => '\'',
            EQUALS => '=',
            c if is_placeholder(c) => SPACES[(c as u32 - FIRST_SPACE_PLACEHOLDER) as usize],
            c => c,
        })
        .collect()
}

/// Fields whose `~` is not a tie (dates: `2020~` is "circa 2020").
fn keeps_tilde(field: &str) -> bool {
    is_verbatim(field) || matches!(field, "date" | "urldate" | "eventdate" | "origdate")
}

fn parse_entry(block: &str, strings: &HashMap<String, String>) -> Result<Parsed, (usize, Option<String>, String)> {
    let guess = || key_guess(block);
    let raw = RawBibliography::parse(block).map_err(|e| (e.span.start, guess(), describe_parse_error(&e.kind)))?;
    if raw.entries.len() != 1 {
        return Err((0, guess(), "not one entry".into()));
    }
    let entry_ref = &raw.entries[0].v;
    let key = entry_ref.key.v.to_string();
    let ty = entry_ref.kind.v.to_ascii_lowercase();

    // Owned replacements the raw entry will point into: repeated field
    // names, `~` rewritten, macro values.
    let mut seen: Vec<(&str, usize)> = Vec::new();
    let mut renames: Vec<(usize, String)> = Vec::new();
    let mut rewrites: Vec<(usize, usize, String)> = Vec::new();
    let mut used_macros: Vec<&str> = Vec::new();
    for (fi, f) in entry_ref.fields.iter().enumerate() {
        let lower: Cow<str> =
            if f.key.v.bytes().any(|b| b.is_ascii_uppercase()) { Cow::Owned(f.key.v.to_ascii_lowercase()) } else { Cow::Borrowed(f.key.v) };
        let n = match seen.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(f.key.v)) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                seen.push((f.key.v, 1));
                1
            }
        };
        if n > 1 {
            renames.push((fi, format!("{lower}-{n}")));
        }
        for (ci, piece) in f.value.v.iter().enumerate() {
            match piece.v {
                RawChunk::Normal(s) if !keeps_tilde(&lower) => {
                    if let Some(r) = prepare_raw(s) {
                        rewrites.push((fi, ci, r));
                    }
                }
                // The crate makes dashes of `--` even in verbatim fields (a
                // URL's `a--b`).
                RawChunk::Normal(s) if is_verbatim(&lower) && s.contains("--") => {
                    rewrites.push((fi, ci, s.replace('-', &HYPHEN.to_string())));
                }
                RawChunk::Abbreviation(name) if !used_macros.contains(&name) => used_macros.push(name),
                _ => {}
            }
        }
    }
    let macro_values: Vec<(&str, String)> = used_macros
        .iter()
        .filter_map(|name| match strings.get(&name.to_lowercase()) {
            Some(v) => Some((*name, prepare_raw(v).unwrap_or_else(|| v.clone()))),
            None if month_name(name).is_some() => None,
            None => Some((*name, name.to_string())),
        })
        .collect();

    let mut raw = raw;
    let mut spanned = raw.entries.pop().expect("one entry");
    for (fi, name) in &renames {
        spanned.v.fields[*fi].key.v = name.as_str();
    }
    for (fi, ci, s) in &rewrites {
        spanned.v.fields[*fi].value.v[*ci].v = RawChunk::Normal(s.as_str());
    }
    for f in spanned.v.fields.iter_mut() {
        // Resolved here, not by the crate (which would recurse forever on
        // an entry that cross-references itself, and drops `xdata`).
        if f.key.v.eq_ignore_ascii_case("crossref") {
            f.key.v = "ibid-crossref";
        } else if f.key.v.eq_ignore_ascii_case("xdata") {
            f.key.v = "ibid-xdata";
        }
    }
    let abbreviations: Vec<Pair> = macro_values
        .iter()
        .map(|(name, value)| {
            let span = 0..value.len();
            Pair::new(
                Spanned::new(*name, 0..name.len()),
                Spanned::new(vec![Spanned::new(RawChunk::Normal(value.as_str()), span.clone())], span),
            )
        })
        .collect();
    let entry_span = spanned.span.clone();
    let rebuilt = RawBibliography { preamble: String::new(), entries: vec![spanned], abbreviations };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| Bibliography::from_raw(rebuilt)));
    let bib = match result {
        Ok(Ok(bib)) => bib,
        Ok(Err(e)) => {
            let at = if e.span.start <= entry_span.end { e.span.start } else { 0 };
            return Err((at, Some(key), describe_parse_error(&e.kind)));
        }
        Err(_) => return Err((0, Some(key), "the BibTeX parser failed on this entry".into())),
    };
    let mut entry = bib.into_vec().pop().ok_or((0, Some(key.clone()), "no entry".to_string()))?;
    let crossref = entry.fields.remove("ibid-crossref").map(|c| c.format_verbatim().trim().to_string()).filter(|c| !c.is_empty());
    let xdata = entry
        .fields
        .remove("ibid-xdata")
        .map(|c| c.format_verbatim().split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    Ok(Parsed { key, ty, line: 0, fields: entry.fields, crossref, xdata })
}

// ---------------------------------------------------------------------------
// crossref / xdata
// ---------------------------------------------------------------------------

const NEVER_INHERITED: &[&str] = &[
    "ids", "crossref", "xref", "xdata", "entryset", "entrysubtype", "execute", "label", "options", "presort",
    "related", "relatedoptions", "relatedstring", "relatedtype", "shorthand", "shorthandintro", "sortkey", "key",
];

const OWN_TO_CONTAINER: &[&str] = &[
    "doi", "url", "urldate", "eprint", "eprinttype", "eprintclass", "archiveprefix", "primaryclass", "file", "pdf",
    "abstract", "pagetotal", "numpages", "pmid", "pmcid",
];

fn is_contribution(ty: &str) -> bool {
    matches!(
        ty,
        "inbook" | "bookinbook" | "suppbook" | "incollection" | "suppcollection" | "inproceedings" | "conference" | "inreference"
    )
}

fn is_whole_book(ty: &str) -> bool {
    matches!(
        ty,
        "book" | "mvbook" | "collection" | "mvcollection" | "proceedings" | "mvproceedings" | "reference" | "mvreference"
    )
}

/// The fields of entry `i` with everything it inherits, and whether every
/// reference was found. `budget` bounds the work (chains are followed at most
/// 8 deep, and at most 64 entries are visited for one entry).
fn effective_fields(i: usize, all: &[Option<Parsed>], index: &HashMap<String, usize>, depth: usize, budget: &mut usize) -> (BTreeMap<String, Chunks>, bool) {
    let p = all[i].as_ref().expect("parsed");
    let mut fields = p.fields.clone();
    let mut resolved = true;
    if depth > 8 || *budget == 0 {
        return (fields, false);
    }
    *budget -= 1;
    for x in &p.xdata {
        match index.get(&x.to_lowercase()).filter(|&&j| j != i && all[j].is_some()) {
            Some(&j) => {
                let (xf, _) = effective_fields(j, all, index, depth + 1, budget);
                for (k, v) in xf {
                    if !NEVER_INHERITED.contains(&k.as_str()) {
                        fields.entry(k).or_insert(v);
                    }
                }
            }
            None => resolved = false,
        }
    }
    if let Some(c) = &p.crossref {
        match index.get(&c.to_lowercase()).filter(|&&j| j != i && all[j].is_some()) {
            Some(&j) => {
                let parent_ty = all[j].as_ref().expect("parsed").ty.clone();
                let (pf, _) = effective_fields(j, all, index, depth + 1, budget);
                inherit(&mut fields, &p.ty, &parent_ty, pf);
            }
            None => resolved = false,
        }
    }
    (fields, resolved)
}

fn inherit(child: &mut BTreeMap<String, Chunks>, child_ty: &str, parent_ty: &str, parent: BTreeMap<String, Chunks>) {
    let into_book = is_contribution(child_ty) && is_whole_book(parent_ty);
    let into_journal = matches!(child_ty, "article" | "suppperiodical") && parent_ty == "periodical";
    for (k, v) in parent {
        if NEVER_INHERITED.contains(&k.as_str()) {
            continue;
        }
        // What identifies or describes the book itself is not the
        // contribution's (a paper inheriting its proceedings' DOI would be
        // taken for the proceedings).
        if (into_book || into_journal) && OWN_TO_CONTAINER.contains(&k.as_str()) {
            continue;
        }
        let target = if into_book {
            match k.as_str() {
                // A `booktitle` the child has, or the parent's own (keys come
                // in order: it was inherited just before), wins over the
                // parent's title (BibTeX-style proceedings carry both).
                "title" if child.contains_key("booktitle") => continue,
                "title" => "booktitle".to_string(),
                "subtitle" => "booksubtitle".into(),
                "titleaddon" => "booktitleaddon".into(),
                "shorttitle" | "sorttitle" | "indextitle" | "indexsorttitle" => continue,
                "author" => {
                    child.entry("bookauthor".into()).or_insert_with(|| v.clone());
                    "author".into()
                }
                other => other.to_string(),
            }
        } else if into_journal {
            match k.as_str() {
                "title" => "journaltitle".into(),
                "subtitle" => "journalsubtitle".into(),
                "shorttitle" | "sorttitle" | "indextitle" | "indexsorttitle" => continue,
                other => other.to_string(),
            }
        } else {
            k
        };
        child.entry(target).or_insert(v);
    }
}

// ---------------------------------------------------------------------------
// Text: chunks → Unicode
// ---------------------------------------------------------------------------

fn greek(name: &str) -> Option<&'static str> {
    Some(match name {
        "alpha" => "α", "beta" => "β", "gamma" => "γ", "delta" => "δ", "epsilon" => "ϵ", "varepsilon" => "ε",
        "zeta" => "ζ", "eta" => "η", "theta" => "θ", "vartheta" => "ϑ", "iota" => "ι", "kappa" => "κ",
        "lambda" => "λ", "mu" => "μ", "nu" => "ν", "xi" => "ξ", "pi" => "π", "varpi" => "ϖ", "rho" => "ρ",
        "varrho" => "ϱ", "sigma" => "σ", "varsigma" => "ς", "tau" => "τ", "upsilon" => "υ", "phi" => "ϕ",
        "varphi" => "φ", "chi" => "χ", "psi" => "ψ", "omega" => "ω", "Gamma" => "Γ", "Delta" => "Δ",
        "Theta" => "Θ", "Lambda" => "Λ", "Xi" => "Ξ", "Pi" => "Π", "Sigma" => "Σ", "Upsilon" => "Υ",
        "Phi" => "Φ", "Psi" => "Ψ", "Omega" => "Ω",
        _ => return None,
    })
}

fn math_symbol(name: &str) -> Option<&'static str> {
    if let Some(g) = greek(name) {
        return Some(g);
    }
    Some(match name {
        "to" | "rightarrow" => "→", "leftarrow" | "gets" => "←", "Rightarrow" => "⇒", "Leftarrow" => "⇐",
        "leftrightarrow" => "↔", "Leftrightarrow" => "⇔", "mapsto" => "↦", "forall" => "∀", "exists" => "∃",
        "in" => "∈", "notin" => "∉", "ni" => "∋", "subset" => "⊂", "subseteq" => "⊆", "supset" => "⊃",
        "supseteq" => "⊇", "cup" => "∪", "cap" => "∩", "emptyset" => "∅", "infty" => "∞", "times" => "×",
        "cdot" => "·", "pm" => "±", "mp" => "∓", "leq" | "le" => "≤", "geq" | "ge" => "≥", "neq" | "ne" => "≠",
        "approx" => "≈", "equiv" => "≡", "sim" => "∼", "simeq" => "≃", "cong" => "≅", "neg" | "lnot" => "¬",
        "wedge" | "land" => "∧", "vee" | "lor" => "∨", "vdash" => "⊢", "models" => "⊨", "top" => "⊤",
        "bot" => "⊥", "ldots" | "dots" | "cdots" => "…", "partial" => "∂", "nabla" => "∇", "sum" => "∑",
        "prod" => "∏", "int" => "∫", "circ" => "∘", "star" => "⋆", "ast" => "∗", "div" => "÷",
        "langle" => "⟨", "rangle" => "⟩", "lbrace" => "{", "rbrace" => "}", "prime" => "′", "ell" => "ℓ",
        "aleph" => "ℵ", "sqrt" => "√", "mid" => "∣", "oplus" => "⊕", "otimes" => "⊗", "setminus" => "∖",
        "colon" => ":", "vert" => "|", "backslash" => "\\",
        "," | ";" | ":" | " " | "quad" => " ", "!" => "",
        _ => return None,
    })
}

/// Converts simple math to Unicode text (with `<sup>`/`<sub>`); `None` when
/// it holds anything else.
fn math_to_text(s: &str) -> Option<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut pos = 0;
    let out = math_seq(&chars, &mut pos, 0)?;
    (pos == chars.len()).then_some(out)
}

fn math_seq(c: &[char], pos: &mut usize, depth: usize) -> Option<String> {
    if depth > 16 {
        return None;
    }
    let mut out = String::new();
    while *pos < c.len() {
        match c[*pos] {
            '}' => return Some(out),
            '{' => {
                *pos += 1;
                out.push_str(&math_seq(c, pos, depth + 1)?);
                if c.get(*pos) != Some(&'}') {
                    return None;
                }
                *pos += 1;
            }
            '^' | '_' => {
                let tag = if c[*pos] == '^' { "sup" } else { "sub" };
                *pos += 1;
                let inner = math_atom(c, pos, depth)?;
                out.push_str(&format!("<{tag}>{inner}</{tag}>"));
            }
            '\\' => out.push_str(&math_command(c, pos, depth)?),
            ch if ch.is_alphanumeric() || " +-=()[]<>|/,.;:!?'*".contains(ch) => {
                out.push(if ch == '-' { '−' } else { ch });
                *pos += 1;
            }
            _ => return None,
        }
    }
    Some(out)
}

fn math_atom(c: &[char], pos: &mut usize, depth: usize) -> Option<String> {
    match c.get(*pos)? {
        '{' => {
            *pos += 1;
            let s = math_seq(c, pos, depth + 1)?;
            if c.get(*pos) != Some(&'}') {
                return None;
            }
            *pos += 1;
            Some(s)
        }
        '\\' => math_command(c, pos, depth),
        ch if ch.is_alphanumeric() || *ch == '*' || *ch == '\'' || *ch == '+' || *ch == '-' => {
            *pos += 1;
            Some(if *ch == '-' { "−".into() } else { ch.to_string() })
        }
        _ => None,
    }
}

fn math_command(c: &[char], pos: &mut usize, depth: usize) -> Option<String> {
    *pos += 1; // the backslash
    let start = *pos;
    while *pos < c.len() && c[*pos].is_ascii_alphabetic() {
        *pos += 1;
    }
    if *pos == start {
        let ch = *c.get(*pos)?;
        *pos += 1;
        let s = ch.to_string();
        return match ch {
            '{' | '}' | '%' | '$' | '&' | '#' | '_' => Some(s),
            _ => math_symbol(&s).map(str::to_string),
        };
    }
    let name: String = c[start..*pos].iter().collect();
    match name.as_str() {
        "mathrm" | "mathsf" | "mathit" | "mathbf" | "mathtt" | "text" | "textrm" | "textit" | "mbox" | "mathcal"
        | "mathbb" | "operatorname" | "boldsymbol" => {
            while c.get(*pos) == Some(&' ') {
                *pos += 1;
            }
            math_atom(c, pos, depth)
        }
        "overline" | "bar" | "tilde" | "widetilde" | "hat" | "widehat" | "vec" | "dot" | "ddot" | "check" | "acute"
        | "grave" | "breve" | "underline" => {
            let mark = match name.as_str() {
                "overline" => '\u{305}',
                "bar" => '\u{304}',
                "tilde" | "widetilde" => '\u{303}',
                "hat" | "widehat" => '\u{302}',
                "vec" => '\u{20d7}',
                "dot" => '\u{307}',
                "ddot" => '\u{308}',
                "check" => '\u{30c}',
                "acute" => '\u{301}',
                "grave" => '\u{300}',
                "breve" => '\u{306}',
                _ => '\u{332}',
            };
            while c.get(*pos) == Some(&' ') {
                *pos += 1;
            }
            let inner = math_atom(c, pos, depth)?;
            if inner.chars().count() != 1 {
                return None;
            }
            Some(format!("{inner}{mark}"))
        }
        "rm" | "sf" | "it" | "bf" | "tt" | "cal" | "displaystyle" | "textstyle" | "scriptstyle" | "left" | "right"
        | "big" | "Big" | "bigl" | "bigr" | "Bigl" | "Bigr" => Some(String::new()),
        _ => math_symbol(&name).map(str::to_string),
    }
}

fn text_command(name: &str) -> Option<&'static str> {
    if let Some(g) = greek(name) {
        return Some(g);
    }
    Some(match name {
        // Font switches and spacing: no text.
        "em" | "it" | "bf" | "sc" | "rm" | "sf" | "tt" | "sl" | "up" | "md" | "normalfont" | "itshape"
        | "bfseries" | "scshape" | "slshape" | "upshape" | "rmfamily" | "sffamily" | "ttfamily" | "mdseries"
        | "relax" | "protect" | "allowbreak" | "small" | "footnotesize" | "scriptsize" | "tiny" | "large"
        | "Large" | "LARGE" | "huge" | "Huge" | "normalsize" | "noindent" | "ignorespaces" | "xspace"
        | "nobreak" | "hfill" | "null" | "unskip" | "/" | "@" | "!" | "textstyle" | "displaystyle"
        | "scriptstyle" | "boldmath" | "unboldmath" | "strut" | "smallskip" | "medskip" | "bigskip" => "",
        " " | "," | ";" | ":" | "quad" | "qquad" | "enspace" | "thinspace" => " ",
        "textonehalf" => "½",
        "TeX" => "TeX",
        "LaTeX" => "LaTeX",
        "LaTeXe" => "LaTeX2ε",
        "BibTeX" => "BibTeX",
        "XeTeX" => "XeTeX",
        "LuaTeX" => "LuaTeX",
        "AmS" => "AMS",
        // Commands whose argument follows unbraced (`\url http://…`).
        "url" | "nolinkurl" | "path" | "mathsf" | "mathrm" | "mathit" | "mathbf" | "mathcal" | "mathtt" | "mathbb"
        | "hbox" | "mbox" | "ensuremath" => "",
        "textonequarter" => "¼",
        "textthreequarters" => "¾",
        "textmu" => "µ",
        "textpm" => "±",
        "texttimes" => "×",
        "ldots" | "dots" | "textellipsis" => "…",
        "textendash" => "–",
        "textemdash" => "—",
        "euro" | "texteuro" => "€",
        "textdegree" | "degree" => "°",
        "copyright" | "textcopyright" => "©",
        "textregistered" => "®",
        "texttrademark" => "™",
        "textbackslash" => "\\",
        "newline" | "linebreak" | "par" | "\\" => " ",
        _ => return None,
    })
}

/// Whether a command's one argument keeps its text (and the command goes).
fn wrap_command(name: &str) -> Option<(&'static str, &'static str)> {
    Some(match name {
        "emph" | "textit" | "textsl" | "mathit" | "textem" => ("<i>", "</i>"),
        "textbf" | "mathbf" => ("<b>", "</b>"),
        "textsc" => ("<span style=\"font-variant:small-caps;\">", "</span>"),
        "textsuperscript" | "textsu" => ("<sup>", "</sup>"),
        "textsubscript" => ("<sub>", "</sub>"),
        _ => return None,
    })
}

/// Commands kept exactly as written (their argument is a key, not text).
fn keep_command(name: &str) -> bool {
    matches!(name, "cite" | "citet" | "citep" | "citeauthor" | "citeyear" | "ref" | "label" | "footnote" | "footcite")
}

/// Post-processes text the crate produced: it leaves unknown commands as
/// `\name{arg}` or `\name ` (with a space).
fn clean_commands(s: &str, ctx: &Ctx, depth: usize) -> String {
    let mut out = String::with_capacity(s.len());
    clean_commands_into(&mut out, s, ctx, depth);
    out
}

/// [`clean_commands`], appending to `out`.
fn clean_commands_into(out: &mut String, s: &str, ctx: &Ctx, depth: usize) {
    if !s.contains('\\') {
        out.push_str(s);
        return;
    }
    let b = s.as_bytes();
    let mut i = 0;
    while i < s.len() {
        let Some(rel) = s[i..].find(['\\', '$']) else {
            out.push_str(&s[i..]);
            break;
        };
        out.push_str(&s[i..i + rel]);
        let at = i + rel;
        if b[at] == b'$' && depth == 0 {
            // At the top a `$` is an escaped one (math is a chunk of its own).
            out.push('$');
            i = at + 1;
            continue;
        }
        if b[at] == b'$' {
            // Math inside a command's argument (the crate leaves it as text).
            match s[at + 1..].find('$') {
                Some(end) => {
                    push_math(out, &s[at + 1..at + 1 + end]);
                    i = at + 2 + end;
                }
                None => {
                    out.push('$');
                    i = at + 1;
                }
            }
            continue;
        }
        let name_len = s[at + 1..].bytes().take_while(u8::is_ascii_alphabetic).count();
        if name_len == 0 {
            // `\` then a non-letter: a literal backslash (from `\\` or
            // `\textbackslash`) or an unknown symbol command.
            let next = s[at + 1..].chars().next();
            match next.and_then(|c| text_command(&c.to_string())) {
                Some(t) => {
                    out.push_str(t);
                    i = at + 1 + next.map_or(0, char::len_utf8);
                }
                None => {
                    out.push('\\');
                    i = at + 1;
                }
            }
            continue;
        }
        let name = &s[at + 1..at + 1 + name_len];
        let mut j = at + 1 + name_len;
        let arg = if b.get(j) == Some(&b'{') {
            matching_brace(b, j).map(|end| {
                let a = &s[j + 1..end];
                j = end + 1;
                a
            })
        } else {
            None
        };
        if arg.is_none() && matches!(name, "kern" | "raise" | "lower" | "hskip" | "vskip" | "mkern" | "mskip") {
            // A dimension follows (`\kern-.1em`): layout, no text.
            j += dimension_len(&s[j..]);
            i = j;
            continue;
        }
        let original = &s[at..j];
        // The crate reads a command name up to a blank or a brace (`\TeX/`
        // is one name to it) and writes a blank after an argument-less one:
        // `after_name` is the rest of that name; the blank goes.
        let mut after_name = "";
        if arg.is_none() {
            let mut tail = j;
            while tail < s.len() && !b[tail].is_ascii_whitespace() && !b"\\{}$~\"#'(),=%@".contains(&b[tail]) {
                tail += 1;
            }
            if b.get(tail) == Some(&b' ') {
                after_name = &s[j..tail];
                j = tail + 1;
            }
        }
        if keep_command(name) {
            out.push_str(original);
        } else if let Some(body) = ctx.macros.get(name).filter(|_| depth < 4 && arg.is_none_or(str::is_empty)) {
            clean_commands_into(out, body, ctx, depth + 1);
        } else if let Some(a) = arg {
            let inner = clean_commands(a, ctx, depth + 1);
            match wrap_command(name) {
                Some((open, close)) => {
                    out.push_str(open);
                    out.push_str(&inner);
                    out.push_str(close);
                }
                None => match text_command(name) {
                    Some(t) => {
                        out.push_str(t);
                        out.push_str(&inner);
                    }
                    None if matches!(name, "MakeUppercase" | "uppercase") => out.push_str(&inner.to_uppercase()),
                    None if matches!(name, "MakeLowercase" | "lowercase") => out.push_str(&inner.to_lowercase()),
                    None => out.push_str(&inner),
                },
            }
        } else {
            match text_command(name).or_else(|| math_symbol(name)) {
                Some(t) => {
                    out.push_str(t);
                    out.push_str(after_name);
                }
                None => {
                    // Kept as written, with the blank that ended it.
                    out.push_str(original.trim_end());
                    out.push_str(after_name);
                    out.push(' ');
                }
            }
        }
        i = j;
    }
}

/// Length of a TeX dimension at the start of `s` (`-.1em`, ` 2pt`).
fn dimension_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && b[i] == b' ' {
        i += 1;
    }
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let digits = i;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
        i += 1;
    }
    if i == digits {
        return 0;
    }
    while i < b.len() && b[i] == b' ' {
        i += 1;
    }
    for unit in ["em", "ex", "pt", "mu", "cm", "mm", "in", "bp", "sp", "pc", "dd", "cc"] {
        if s[i..].starts_with(unit) {
            return i + 2;
        }
    }
    0
}

/// Field text: chunks joined, commands cleaned, math converted, white space
/// collapsed, NFC.
fn chunks_text(chunks: &[Spanned<Chunk>], ctx: &Ctx) -> String {
    let mut s = String::new();
    for c in chunks {
        match &c.v {
            Chunk::Normal(t) | Chunk::Verbatim(t) => clean_commands_into(&mut s, &tex_quotes(t), ctx, 0),
            Chunk::Math(m) => push_math(&mut s, m),
        }
    }
    tidy_owned(s)
}

/// TeX's quote ligatures: ``…'' → “…”, ` → ‘ (a lone `'` stays an apostrophe).
fn tex_quotes(t: &str) -> Cow<'_, str> {
    if !t.bytes().any(|b| b == b'`' || b == b'\'') || (!t.contains('`') && !t.contains("''")) {
        return Cow::Borrowed(t);
    }
    Cow::Owned(t.replace("``", "“").replace("''", "”").replace('`', "‘"))
}

/// Math as Unicode when it is simple, else as written between `$`.
fn push_math(out: &mut String, m: &str) {
    match math_to_text(m) {
        Some(t) => out.push_str(&t),
        None => {
            out.push('$');
            out.push_str(m);
            out.push('$');
        }
    }
}

/// [`tidy`], without a copy when there is nothing to do (ASCII, single
/// blanks between words: most fields).
fn tidy_owned(s: String) -> String {
    if is_tidy_ascii(s.as_bytes()) {
        s
    } else {
        tidy(&s)
    }
}

/// Whether [`tidy`] would give `b` back unchanged because it is ASCII
/// without leading, trailing, repeated or non-space white space.
fn is_tidy_ascii(b: &[u8]) -> bool {
    let mut after_blank = true;
    for &c in b {
        if c >= 0x80 {
            return false;
        }
        if matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
            if c != b' ' || after_blank {
                return false;
            }
            after_blank = true;
        } else {
            after_blank = false;
        }
    }
    !after_blank || b.is_empty()
}

/// Collapses white space (a no-break space or tie stays one), trims, NFC.
fn tidy(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // The separator owed before the next word: a no-break space wins.
    let mut pending: Option<char> = None;
    let mut word_start: Option<usize> = None;
    let mut has_placeholder = false;
    let push_word = |out: &mut String, word: &str, pending: &mut Option<char>, placeholder: bool| {
        if let Some(p) = pending.take() {
            if !out.is_empty() {
                out.push(p);
            }
        }
        if placeholder {
            out.push_str(&restore_placeholders(word));
        } else {
            out.push_str(word);
        }
    };
    for (i, c) in s.char_indices() {
        if c == TIE || c.is_whitespace() {
            if let Some(start) = word_start.take() {
                push_word(&mut out, &s[start..i], &mut pending, has_placeholder);
                has_placeholder = false;
            }
            if c == '\u{a0}' || c == TIE {
                pending = Some('\u{a0}');
            } else if pending.is_none() {
                pending = Some(' ');
            }
        } else {
            if word_start.is_none() {
                word_start = Some(i);
            }
            has_placeholder |= is_placeholder(c);
        }
    }
    if let Some(start) = word_start {
        push_word(&mut out, &s[start..], &mut pending, has_placeholder);
    }
    if out.is_ascii() || unicode_normalization::is_nfc_quick(out.chars()) == unicode_normalization::IsNormalized::Yes {
        out
    } else {
        out.nfc().collect()
    }
}

/// A field's raw value as written, for verbatim fields (URLs, DOIs).
fn verbatim_text(chunks: &[Spanned<Chunk>]) -> String {
    let raw = chunks.format_verbatim();
    let mut s = raw.trim();
    // `url = {\url{…}}`: the braces are gone, the command is not.
    for cmd in ["\\url", "\\href", "\\nolinkurl"] {
        if let Some(rest) = s.strip_prefix(cmd) {
            s = rest.trim_start();
        }
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(r) = after.strip_prefix("textasciitilde") {
            out.push('~');
            rest = r.strip_prefix("{}").or_else(|| r.strip_prefix(' ')).unwrap_or(r);
        } else if let Some(c) = after.chars().next().filter(|c| "_%&#$~".contains(*c)) {
            out.push(c);
            rest = &after[1..];
        } else {
            out.push('\\');
            rest = after;
        }
    }
    out.push_str(rest);
    if out.contains(HYPHEN) {
        out = out.replace(HYPHEN, "-");
    }
    out
}

// ---------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------

fn names(chunks: &[Spanned<Chunk>], ctx: &Ctx) -> Vec<Value> {
    let people: Vec<Chunks> = match chunks.parse::<Vec<Chunks>>() {
        Ok(p) => p,
        Err(_) => return Vec::new(),
    };
    let mut out = Vec::new();
    for person in people {
        // One brace group (math inside it is a chunk of its own; blanks
        // between brace groups are not: `{A} {B}` is two words).
        let outside = |c: &Spanned<Chunk>| matches!(&c.v, Chunk::Normal(t) if t.trim().is_empty());
        let first = person.iter().position(|c| !outside(c));
        let last = person.iter().rposition(|c| !outside(c));
        let group = match (first, last) {
            (Some(a), Some(b)) => &person[a..=b],
            _ => &person[..0],
        };
        let one_group = group.iter().any(|c| matches!(c.v, Chunk::Verbatim(_)))
            && group.iter().all(|c| !matches!(c.v, Chunk::Normal(_)));
        if one_group {
            // `{World Health Organization}`: a literal; `{al.}`: a family name.
            let mut text = String::new();
            for c in group {
                match &c.v {
                    Chunk::Math(m) => push_math(&mut text, m),
                    other => text.push_str(other.get()),
                }
            }
            let lit = name_part(&text, ctx);
            if lit.contains(' ') {
                out.push(json!({ "literal": lit }));
            } else if !lit.is_empty() {
                out.push(json!({ "family": lit }));
            }
            continue;
        }
        let p = Person::parse(&bibtex_equals(math_as_text(person)));
        let family = name_part(&p.name, ctx);
        let given = name_part(&p.given_name, ctx);
        let prefix = name_part(&p.prefix, ctx);
        let suffix = name_part(&p.suffix, ctx);
        if family.is_empty() && given.is_empty() && prefix.is_empty() {
            continue;
        }
        if family == "others" && given.is_empty() && prefix.is_empty() {
            out.push(json!({ "literal": "others" }));
            continue;
        }
        let mut o = Map::new();
        if family.is_empty() {
            // Only a given name (or a prefix): a literal name as written.
            let lit = [prefix.as_str(), given.as_str()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(" ");
            o.insert("literal".into(), Value::String(lit));
        } else {
            o.insert("family".into(), Value::String(family));
            if !given.is_empty() {
                o.insert("given".into(), Value::String(given));
            }
            if !prefix.is_empty() {
                o.insert("non-dropping-particle".into(), Value::String(prefix));
            }
            if !suffix.is_empty() {
                o.insert("suffix".into(), Value::String(suffix));
            }
        }
        out.push(Value::Object(o));
    }
    out
}

/// A name's math (`$\alpha$`, as the writer gives a Greek letter in ASCII)
/// as text, the way a field's is read ([`push_math`]).
fn math_as_text(person: Chunks) -> Chunks {
    if !person.iter().any(|c| matches!(c.v, Chunk::Math(_))) {
        return person;
    }
    person
        .into_iter()
        .map(|mut c| {
            if let Chunk::Math(m) = &c.v {
                let mut t = String::new();
                push_math(&mut t, m);
                c.v = Chunk::Normal(t);
            }
            c
        })
        .collect()
}

/// The crate reads a name holding a `=` anywhere (braced too) in
/// BibLaTeX's extended format (`family=…, given=…`): in a name that is not
/// in that format (no `family=`, `given=`… outside braces), `=` is made a
/// placeholder, so that `{=}, Eve` reads as the family name `=`.
fn bibtex_equals(person: Chunks) -> Chunks {
    const KEYS: &[&str] = &["family", "given", "prefix", "suffix", "id", "prefix-i", "given-i", "useprefix"];
    if !person.iter().any(|c| c.v.get().contains('=')) {
        return person;
    }
    let extended = person.iter().any(|c| match &c.v {
        Chunk::Normal(t) => t.split(',').any(|part| part.split_once('=').is_some_and(|(k, _)| KEYS.contains(&k.trim()))),
        _ => false,
    });
    if extended {
        return person;
    }
    person
        .into_iter()
        .map(|mut c| {
            let text = c.v.get().replace('=', &EQUALS.to_string());
            c.v = match c.v {
                Chunk::Normal(_) => Chunk::Normal(text),
                Chunk::Verbatim(_) => Chunk::Verbatim(text),
                Chunk::Math(_) => Chunk::Math(text),
            };
            c
        })
        .collect()
}

fn name_part(s: &str, ctx: &Ctx) -> String {
    let mut t = String::with_capacity(s.len());
    clean_commands_into(&mut t, &tex_quotes(s), ctx, 0);
    if t.contains(['\u{a0}', TIE]) {
        t = t.replace(['\u{a0}', TIE], " ");
    }
    tidy_owned(t)
}

// ---------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------

fn month_number(s: &str) -> Option<i32> {
    let t = s.trim().trim_end_matches('.').to_lowercase();
    if let Ok(n) = t.parse::<i32>() {
        return (1..=12).contains(&n).then_some(n);
    }
    const NAMES: [&str; 12] =
        ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
    if t.len() >= 3 {
        if let Some(i) = NAMES.iter().position(|n| n.starts_with(&t)) {
            return Some(i as i32 + 1);
        }
    }
    match t.as_str() {
        "sept" => Some(9),
        "januar" | "jänner" => Some(1),
        "februar" => Some(2),
        "märz" | "maerz" => Some(3),
        "mai" => Some(5),
        "juni" => Some(6),
        "juli" => Some(7),
        "oktober" => Some(10),
        "dezember" => Some(12),
        _ => None,
    }
}

/// One EDTF/ISO date: `YYYY`, `YYYY-MM`, `YYYY-MM-DD` (a time is ignored).
fn iso_parts(s: &str) -> Option<Vec<i32>> {
    let s = s.trim();
    let s = s.split_once('T').map_or(s, |(d, _)| d);
    let bits: Vec<&str> = s.split('-').collect();
    if bits.is_empty() || bits.len() > 3 || bits[0].len() != 4 || !bits.iter().all(|b| !b.is_empty() && b.bytes().all(|c| c.is_ascii_digit())) {
        return None;
    }
    let nums: Vec<i32> = bits.iter().map(|b| b.parse().ok()).collect::<Option<_>>()?;
    if bits.len() > 1 && (bits[1].len() != 2 || !(1..=12).contains(&nums[1])) {
        return None;
    }
    if bits.len() > 2 && (bits[2].len() != 2 || !(1..=31).contains(&nums[2])) {
        return None;
    }
    Some(nums)
}

/// A BibLaTeX `date`-style value as a CSL date.
fn edtf_date(s: &str) -> Value {
    let t = s.trim();
    let (body, circa) = match t.strip_suffix(['?', '~', '%']) {
        Some(b) => (b, true),
        None => (t, false),
    };
    let parts: Option<Vec<Vec<i32>>> = if let Some((a, b)) = body.split_once('/') {
        match (iso_parts(a), iso_parts(b)) {
            (Some(a), Some(b)) => Some(vec![a, b]),
            _ => None,
        }
    } else {
        iso_parts(body).map(|p| vec![p])
    };
    match parts {
        Some(parts) => {
            let mut o = Map::new();
            o.insert("date-parts".into(), json!(parts));
            if circa {
                o.insert("circa".into(), Value::Bool(true));
            }
            Value::Object(o)
        }
        None => json!({ "literal": t }),
    }
}

/// `year`/`month`/`day` as a CSL date; unreadable month or day text is
/// returned for `extra`.
fn year_month_day(year: Option<&str>, month: Option<&str>, day: Option<&str>) -> (Option<Value>, Vec<(&'static str, String)>) {
    let mut leftovers = Vec::new();
    let year_parts: Option<Vec<i32>> = year.and_then(|y| {
        let y = y.trim();
        let ys: Vec<&str> = y.split(['–', '/', '—']).map(str::trim).collect();
        let ok = |s: &str| !s.is_empty() && s.len() <= 4 && s.bytes().all(|c| c.is_ascii_digit());
        match ys.as_slice() {
            [a] if ok(a) => Some(vec![a.parse().ok()?]),
            [a, b] if ok(a) && ok(b) => Some(vec![a.parse().ok()?, b.parse().ok()?]),
            _ => None,
        }
    });
    let Some(years) = year_parts else {
        // A literal date: the text of all three.
        let text = [year, month, day].iter().flatten().map(|s| s.trim()).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ");
        return ((!text.is_empty()).then(|| json!({ "literal": text })), leftovers);
    };
    if years.len() == 2 {
        if let Some(m) = month {
            leftovers.push(("bibtex-month", m.to_string()));
        }
        if let Some(d) = day {
            leftovers.push(("bibtex-day", d.to_string()));
        }
        return (Some(json!({ "date-parts": [[years[0]], [years[1]]] })), leftovers);
    }
    let mut parts = vec![years[0]];
    if let Some(m) = month.map(str::trim).filter(|m| !m.is_empty()) {
        // "May 5", "5 May", "May": the month, and a day if there is one.
        let words: Vec<&str> = m.split(|c: char| c.is_whitespace() || c == '~' || c == '\u{a0}').filter(|w| !w.is_empty()).collect();
        let (mon, d) = match words.as_slice() {
            [w] => (month_number(w), None),
            [a, b] if month_number(a).is_some() && b.trim_end_matches([',', '.']).parse::<i32>().is_ok() => {
                (month_number(a), b.trim_end_matches([',', '.']).parse().ok())
            }
            [a, b] if month_number(b).is_some() && a.trim_end_matches('.').parse::<i32>().is_ok() => {
                (month_number(b), a.trim_end_matches('.').parse().ok())
            }
            _ => (None, None),
        };
        match mon {
            Some(mon) => {
                parts.push(mon);
                if let Some(d) = d.filter(|d| (1..=31).contains(d)) {
                    parts.push(d);
                }
            }
            None => leftovers.push(("bibtex-month", m.to_string())),
        }
    }
    if let Some(d) = day.map(str::trim).filter(|d| !d.is_empty()) {
        match d.parse::<i32>() {
            Ok(n) if parts.len() == 2 && (1..=31).contains(&n) => parts.push(n),
            _ => leftovers.push(("bibtex-day", d.to_string())),
        }
    }
    (Some(json!({ "date-parts": [parts] })), leftovers)
}

// ---------------------------------------------------------------------------
// Types and fields → CSL
// ---------------------------------------------------------------------------

/// The CSL type of a BibTeX/BibLaTeX entry type (lower case), and the genre
/// the type implies.
pub fn csl_type_of(ty: &str) -> (&'static str, Option<&'static str>) {
    match ty {
        "article" | "suppperiodical" => ("article-journal", None),
        "book" | "mvbook" | "collection" | "mvcollection" | "proceedings" | "mvproceedings" | "reference"
        | "mvreference" | "manual" => ("book", None),
        "inbook" | "bookinbook" | "suppbook" | "incollection" | "suppcollection" => ("chapter", None),
        "inreference" => ("entry-encyclopedia", None),
        "inproceedings" | "conference" => ("paper-conference", None),
        "phdthesis" => ("thesis", Some("PhD thesis")),
        "mastersthesis" | "masterthesis" => ("thesis", Some("Master's thesis")),
        "thesis" => ("thesis", None),
        "techreport" | "report" => ("report", None),
        "booklet" => ("pamphlet", None),
        "unpublished" => ("manuscript", None),
        "online" | "electronic" | "www" | "webpage" => ("webpage", None),
        "software" => ("software", None),
        "dataset" | "data" => ("dataset", None),
        "patent" => ("patent", None),
        "periodical" => ("periodical", None),
        "standard" => ("standard", None),
        "artwork" | "image" => ("graphic", None),
        "audio" | "music" => ("song", None),
        "video" | "movie" => ("motion_picture", None),
        "letter" => ("personal_communication", None),
        "jurisdiction" => ("legal_case", None),
        "legislation" | "legal" => ("legislation", None),
        "review" => ("review", None),
        "performance" => ("performance", None),
        _ => ("document", None),
    }
}

/// Entry types that are aliases of one another, for deciding whether the
/// source's type needs keeping.
fn canonical_type(ty: &str) -> &str {
    match ty {
        "conference" => "inproceedings",
        "phdthesis" | "mastersthesis" | "masterthesis" => "thesis",
        "techreport" => "report",
        "electronic" | "www" | "webpage" => "online",
        "data" => "dataset",
        "suppperiodical" => "article",
        "suppbook" | "bookinbook" | "suppcollection" => "incollection",
        "inbook" => "incollection",
        "image" => "artwork",
        "music" => "audio",
        "movie" => "video",
        "legal" => "legislation",
        other => other,
    }
}

/// CSL variables by lower-case name (a field named like one becomes it).
fn csl_variable(lower: &str) -> Option<(&'static str, VarKind)> {
    const STRINGS: &[&str] = &[
        "abstract", "annote", "archive", "archive_collection", "archive_location", "archive-place", "authority",
        "call-number", "chapter-number", "citation-label", "collection-number", "collection-title",
        "container-title", "container-title-short", "dimensions", "division", "DOI", "edition", "event",
        "event-title", "event-place", "genre", "ISBN", "ISSN", "issue", "jurisdiction", "keyword", "language",
        "license", "medium", "note", "number", "number-of-pages", "number-of-volumes", "original-publisher",
        "original-publisher-place", "original-title", "page", "page-first", "part-number", "part-title", "PMCID",
        "PMID", "printing-number", "publisher", "publisher-place", "references", "reviewed-genre",
        "reviewed-title", "scale", "section", "source", "status", "supplement-number", "title", "title-short",
        "URL", "version", "volume", "volume-title", "year-suffix",
    ];
    const DATES: &[&str] = &["accessed", "available-date", "event-date", "issued", "original-date", "submitted"];
    if let Some(s) = STRINGS.iter().find(|s| s.eq_ignore_ascii_case(lower)) {
        return Some((s, VarKind::Text));
    }
    if let Some(s) = DATES.iter().find(|s| **s == lower) {
        return Some((s, VarKind::Date));
    }
    ibid_core::model::ROLES.iter().find(|s| **s == lower).map(|s| (*s, VarKind::Names))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum VarKind {
    Text,
    Date,
    Names,
}

/// Maps BibLaTeX editor types to CSL roles.
fn editor_role(t: &str) -> &'static str {
    match t.trim().to_lowercase().as_str() {
        "compiler" => "compiler",
        "director" => "director",
        "organizer" => "organizer",
        "translator" => "translator",
        "redactor" | "collaborator" | "founder" | "continuator" | "reviser" => "contributor",
        "chair" => "chair",
        "editor" | "" => "editor",
        _ => "editor",
    }
}

/// The thesis genre for a `type` value (BibLaTeX's localisation keys).
fn thesis_genre(t: &str) -> String {
    match t.trim().to_lowercase().as_str() {
        "phdthesis" => "PhD thesis".into(),
        "mathesis" | "mastersthesis" | "masterthesis" => "Master's thesis".into(),
        "candthesis" => "Candidate thesis".into(),
        "techreport" => "technical report".into(),
        "resreport" => "research report".into(),
        _ => t.trim().to_string(),
    }
}

/// An entry's fields, looked up by name and marked when used. Entries have
/// a dozen fields or so: a scan of the names is cheaper than a map lookup.
struct Fields<'a> {
    names: Vec<&'a str>,
    values: Vec<&'a Chunks>,
    used: Vec<bool>,
    ctx: &'a Ctx,
}

impl<'a> Fields<'a> {
    fn new(map: &'a BTreeMap<String, Chunks>, ctx: &'a Ctx) -> Self {
        let (names, values): (Vec<&str>, Vec<&Chunks>) = map.iter().map(|(k, v)| (k.as_str(), v)).unzip();
        let used = vec![false; names.len()];
        Fields { names, values, used, ctx }
    }
    fn index(&self, k: &str) -> Option<usize> {
        self.names.iter().position(|n| *n == k)
    }
    fn contains(&self, k: &str) -> bool {
        self.index(k).is_some()
    }
    fn has(&self, k: &str) -> bool {
        self.index(k).is_some_and(|i| !self.values[i].format_verbatim().trim().is_empty())
    }
    /// The field's text, marking it used.
    fn take(&mut self, k: &str) -> Option<String> {
        let i = self.index(k)?;
        self.used[i] = true;
        let c = self.values[i];
        let t = if is_verbatim(k) { verbatim_text(c) } else { chunks_text(c, self.ctx) };
        (!t.is_empty()).then_some(t)
    }
    fn take_names(&mut self, k: &str) -> Vec<Value> {
        match self.index(k) {
            Some(i) => {
                self.used[i] = true;
                names(self.values[i], self.ctx)
            }
            None => Vec::new(),
        }
    }
    /// The names of the fields not used yet, in order.
    fn unused(&self) -> Vec<&'a str> {
        self.names.iter().zip(&self.used).filter(|(_, u)| !**u).map(|(n, _)| *n).collect()
    }
}

struct Out {
    m: Map<String, Value>,
}

impl Out {
    fn set(&mut self, k: &str, v: String) {
        self.m.insert(k.to_string(), Value::String(v));
    }
    /// Sets `k` unless it is set; else keeps the text as `bibtex-<field>`.
    fn set_or_keep(&mut self, k: &str, field: &str, v: String) {
        if self.m.contains_key(k) {
            self.keep(field, v);
        } else {
            self.set(k, v);
        }
    }
    fn keep(&mut self, field: &str, v: String) {
        let mut name = format!("bibtex-{field}");
        let mut n = 2;
        while self.m.contains_key(&name) {
            name = format!("bibtex-{field}-{n}");
            n += 1;
        }
        self.m.insert(name, Value::String(v));
    }
    fn names(&mut self, role: &str, list: Vec<Value>) {
        if list.is_empty() {
            return;
        }
        match self.m.get_mut(role) {
            Some(Value::Array(a)) => a.extend(list),
            _ => {
                self.m.insert(role.to_string(), Value::Array(list));
            }
        }
    }
}

fn join_title(main: Option<String>, sub: Option<String>, addon: Option<String>) -> Option<String> {
    let mut t = main?;
    if let Some(s) = sub {
        if !t.ends_with([':', '?', '!', '.']) {
            t.push(':');
        }
        t.push(' ');
        t.push_str(&s);
    }
    if let Some(a) = addon {
        if !t.ends_with(['.', '?', '!']) {
            t.push('.');
        }
        t.push(' ');
        t.push_str(&a);
    }
    Some(t)
}

fn normalize_pages(p: &str) -> String {
    let p = p.replace(['–', '—', '‐', '‑'], "-");
    let mut out = String::with_capacity(p.len());
    let chars: Vec<char> = p.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '-' {
            // Collapse runs and the blanks around them.
            while out.ends_with(' ') {
                out.pop();
            }
            out.push('-');
            i += 1;
            while i < chars.len() && (chars[i] == '-' || chars[i] == ' ') {
                i += 1;
            }
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Splits an `isbn` field into normalized ISBNs; `None` when one is invalid.
fn isbns(s: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for piece in s.split([',', ';']).map(str::trim).filter(|p| !p.is_empty()) {
        match ident::normalize_isbn(piece) {
            Ok(n) => out.push(n),
            Err(_) => {
                // "978… 978…": several separated by blanks.
                for w in piece.split_whitespace() {
                    out.push(ident::normalize_isbn(w).ok()?);
                }
            }
        }
    }
    out.dedup();
    (!out.is_empty()).then_some(out)
}

fn looks_like_url(s: &str) -> bool {
    let s = s.trim();
    (s.starts_with("http://") || s.starts_with("https://") || s.starts_with("ftp://") || s.starts_with("www."))
        && !s.contains(char::is_whitespace)
}

/// The fields that give a CSL type's `publisher`, first found first (the
/// others are kept as `bibtex-<field>`).
fn publisher_fields(csl_type: &str) -> &'static [&'static str] {
    match csl_type {
        "thesis" => &["school", "institution", "publisher", "organization", "howpublished"],
        "report" => &["institution", "school", "publisher", "organization", "howpublished"],
        _ => &["publisher", "organization", "institution", "school", "howpublished"],
    }
}

const PLACE_FIELDS: &[&str] = &["location", "address"];
const CONTAINER_FIELDS: &[&str] = &["journaltitle", "journal", "booktitle"];
const PAGES_TOTAL_FIELDS: &[&str] = &["pagetotal", "numpages"];
const ANNOTE_FIELDS: &[&str] = &["annote", "annotation"];
const LANGUAGE_FIELDS: &[&str] = &["language", "langid"];

/// The field to write a variable to: `preferred`, unless an extra kept at
/// import (`bibtex-<field>`, a field of the same group that lost to the one
/// that gave the variable) would then win when the file is read again; then
/// the group's first field no such extra occupies.
fn pick_field<'a>(kept_fields: &[&str], preferred: &'a str, group: &[&'a str]) -> &'a str {
    let kept = |f: &str| kept_fields.contains(&f);
    let rank = |f: &str| group.iter().position(|g| *g == f).unwrap_or(usize::MAX);
    if !kept(preferred) && !group.iter().any(|g| kept(g) && rank(g) < rank(preferred)) {
        return preferred;
    }
    group.iter().copied().find(|g| !kept(g)).unwrap_or(preferred)
}

/// The flat CSL-JSON item for an entry with its inherited fields.
fn entry_to_csl(p: &Parsed, fields: &BTreeMap<String, Chunks>, ctx: &Ctx, crossref_unresolved: bool) -> Result<Map<String, Value>, String> {
    let mut f = Fields::new(fields, ctx);
    let (mut ty, default_genre) = csl_type_of(&p.ty);
    let subtype = f.take("entrysubtype");
    if ty == "article-journal" {
        match subtype.as_deref().map(str::to_lowercase).as_deref() {
            Some("magazine") => ty = "article-magazine",
            Some("newspaper") => ty = "article-newspaper",
            _ => {}
        }
    }
    if ty == "manuscript" && f.has("eventtitle") {
        ty = "speech";
    }
    let mut o = Out { m: Map::new() };
    o.set("type", ty.to_string());
    if !p.key.is_empty() {
        o.set("citation-key", p.key.clone());
    }
    if canonical_type(&p.ty) != canonical_type(bib_type_for(ty, None, true)) {
        o.set("bibtex-entrytype", p.ty.clone());
    }
    if let Some(s) = subtype.filter(|_| !ty.starts_with("article-") || ty == "article-journal") {
        o.keep("entrysubtype", s);
    }

    // Titles.
    let title = join_title(f.take("title"), f.take("subtitle"), f.take("titleaddon"));
    if let Some(t) = title {
        o.set("title", t);
    }
    if let Some(t) = f.take("shorttitle") {
        o.set("title-short", t);
    }

    // Creators.
    let authors = f.take_names("author");
    o.names("author", authors);
    for (field, type_field) in [("editor", "editortype"), ("editora", "editoratype"), ("editorb", "editorbtype"), ("editorc", "editorctype")] {
        let list = f.take_names(field);
        let role = match f.take(type_field) {
            Some(t) => editor_role(&t),
            None if field == "editor" => "editor",
            None => "contributor",
        };
        o.names(role, list);
    }
    let translators = f.take_names("translator");
    o.names("translator", translators);
    let bookauthors = f.take_names("bookauthor");
    o.names("container-author", bookauthors);

    // Container titles.
    let book_like = ty == "book";
    if let Some(j) = join_title(f.take("journaltitle").or_else(|| f.take("journal")), f.take("journalsubtitle"), None) {
        o.set("container-title", j);
    }
    if f.has("journal") && f.has("journaltitle") {
        if let Some(j) = f.take("journal") {
            o.keep("journal", j);
        }
    }
    if let Some(b) = join_title(f.take("booktitle"), f.take("booksubtitle"), f.take("booktitleaddon")) {
        if book_like {
            o.keep("booktitle", b);
        } else {
            o.set_or_keep("container-title", "booktitle", b);
        }
    }
    if let Some(s) = f.take("shortjournal") {
        o.set("container-title-short", s);
    }
    if let Some(s) = f.take("series") {
        o.set("collection-title", s);
    }

    // Numbers.
    let periodical = matches!(ty, "article-journal" | "article-magazine" | "article-newspaper" | "review" | "periodical");
    let bookish = matches!(ty, "book" | "chapter" | "paper-conference" | "entry-encyclopedia");
    if let Some(n) = f.take("number") {
        if periodical {
            o.set("issue", n);
        } else if bookish {
            o.set("collection-number", n);
        } else {
            o.set("number", n);
        }
    }
    if let Some(i) = f.take("issue") {
        o.set_or_keep("issue", "issue", i);
    }
    if let Some(e) = f.take("eid") {
        o.set_or_keep("number", "eid", e);
    }
    if let Some(v) = f.take("volume") {
        o.set("volume", v);
    }
    if let Some(v) = f.take("volumes") {
        o.set("number-of-volumes", v);
    }
    if let Some(v) = f.take("part") {
        o.set("part-number", v);
    }
    if let Some(v) = f.take("edition") {
        o.set("edition", v);
    }
    if let Some(v) = f.take("version") {
        o.set("version", v);
    }
    if let Some(v) = f.take("chapter") {
        o.set("chapter-number", v);
    }
    if let Some(v) = f.take("pages") {
        o.set("page", normalize_pages(&v));
    }
    for k in PAGES_TOTAL_FIELDS {
        if let Some(v) = f.take(k) {
            o.set_or_keep("number-of-pages", k, v);
        }
    }

    // Publisher and place.
    for k in publisher_fields(ty) {
        if let Some(v) = f.take(k) {
            if *k == "howpublished" {
                let stripped = v.trim();
                if looks_like_url(stripped) {
                    if !o.m.contains_key("URL") && !f.has("url") {
                        o.set("URL", stripped.to_string());
                    } else {
                        o.keep("howpublished", v);
                    }
                    continue;
                }
                // "system homepage at \url{http://…}": the text is kept (as
                // the publisher), and the link is the work's URL when it has none.
                if !o.m.contains_key("URL") && !f.has("url") {
                    if let Some(u) = stripped.split_whitespace().find(|w| looks_like_url(w) && !w.starts_with("www.")) {
                        o.set("URL", u.trim_end_matches(['.', ',', ';', ')']).to_string());
                    }
                }
            }
            o.set_or_keep("publisher", k, v);
        }
    }
    for k in PLACE_FIELDS {
        if let Some(v) = f.take(k) {
            o.set_or_keep("publisher-place", k, v);
        }
    }

    // Genre.
    if let Some(t) = f.take("type") {
        let g = if ty == "thesis" || ty == "report" { thesis_genre(&t) } else { t };
        o.set("genre", g);
    } else if let Some(g) = default_genre {
        o.set("genre", g.to_string());
    }

    // Dates.
    let mut issued = None;
    let date = f.take("date").map(|d| (edtf_date(&d), d));
    let date_wins = date.as_ref().is_some_and(|(p, _)| p.get("date-parts").is_some() || !f.has("year"));
    if let Some((parsed, _)) = date.as_ref().filter(|_| date_wins) {
        issued = Some(parsed.clone());
        // `year`/`month`/`day` that say what `date` says are dropped (BibTeX
        // files carry both for BibTeX styles); others are kept.
        let (y, m, d) = (f.take("year"), f.take("month"), f.take("day"));
        let (same, _) = year_month_day(y.as_deref(), m.as_deref(), d.as_deref());
        let agrees = same.as_ref().and_then(|v| v.get("date-parts")?.get(0).cloned()).is_some_and(|ymd| {
            let start = parsed.get("date-parts").and_then(|p| p.get(0));
            start.and_then(Value::as_array).is_some_and(|s| {
                let ymd = ymd.as_array().cloned().unwrap_or_default();
                !ymd.is_empty() && s.len() >= ymd.len() && s[..ymd.len()] == ymd[..]
            })
        });
        if !agrees {
            for (k, v) in [("year", y), ("month", m), ("day", d)] {
                if let Some(v) = v {
                    o.keep(k, v);
                }
            }
        }
    } else if let Some((_, text)) = date {
        // An unreadable `date` beside a `year`: the year is the date.
        o.keep("date", text);
        let (y, m, d) = (f.take("year"), f.take("month"), f.take("day"));
        let (date, leftovers) = year_month_day(y.as_deref(), m.as_deref(), d.as_deref());
        issued = date;
        for (k, v) in leftovers {
            o.keep(k.trim_start_matches("bibtex-"), v);
        }
    } else if f.contains("year") || f.contains("month") {
        let (y, m, d) = (f.take("year"), f.take("month"), f.take("day"));
        let (date, leftovers) = year_month_day(y.as_deref(), m.as_deref(), d.as_deref());
        issued = date;
        for (k, v) in leftovers {
            o.keep(k.trim_start_matches("bibtex-"), v);
        }
    }
    if let Some(d) = issued {
        o.m.insert("issued".into(), d);
    }
    for (field, var) in [("urldate", "accessed"), ("eventdate", "event-date"), ("origdate", "original-date")] {
        if let Some(d) = f.take(field) {
            o.m.insert(var.into(), edtf_date(&d));
        }
    }
    if !o.m.contains_key("original-date") {
        if let Some(y) = f.take("origyear") {
            let (d, _) = year_month_day(Some(&y), None, None);
            if let Some(d) = d {
                o.m.insert("original-date".into(), d);
            }
        }
    }

    // Events, originals.
    if let Some(v) = f.take("eventtitle") {
        o.set("event-title", v);
    }
    if let Some(v) = f.take("venue") {
        o.set("event-place", v);
    }
    if let Some(v) = f.take("origtitle") {
        o.set("original-title", v);
    }
    if let Some(v) = f.take("origpublisher") {
        o.set("original-publisher", v);
    }
    if let Some(v) = f.take("origlocation") {
        o.set("original-publisher-place", v);
    }

    // Identifiers and links.
    if let Some(d) = f.take("doi") {
        match ident::normalize_doi(&d) {
            Ok(n) => o.set("DOI", n),
            Err(_) => o.keep("doi", d),
        }
    }
    if let Some(u) = f.take("url") {
        let u = u.trim().to_string();
        o.set_or_keep("URL", "url", u);
    }
    if let Some(i) = f.take("isbn") {
        match isbns(&i) {
            Some(list) => {
                o.m.insert("ISBN".into(), json!(list));
            }
            None => o.keep("isbn", i),
        }
    }
    if let Some(i) = f.take("issn") {
        let list: Vec<String> = i
            .split([',', ';'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| ident::normalize_issn(s).unwrap_or_else(|_| s.to_string()))
            .collect();
        if !list.is_empty() {
            o.m.insert("ISSN".into(), json!(list));
        }
    }

    // Notes and the rest.
    for (field, var) in [
        ("abstract", "abstract"),
        ("note", "note"),
        ("annote", "annote"),
        ("annotation", "annote"),
        ("keywords", "keyword"),
        ("language", "language"),
        ("langid", "language"),
        ("pubstate", "status"),
    ] {
        if let Some(v) = f.take(field) {
            o.set_or_keep(var, field, v);
        }
    }
    if crossref_unresolved {
        if let Some(c) = &p.crossref {
            o.keep("crossref", c.clone());
        }
    }
    if !p.xdata.is_empty() && crossref_unresolved {
        o.keep("xdata", p.xdata.join(","));
    }

    // Everything not mapped: a CSL variable of the same name, or `bibtex-…`.
    for k in f.unused() {
        match csl_variable(&k) {
            Some((var, VarKind::Names)) if !o.m.contains_key(var) => {
                let list = f.take_names(&k);
                o.names(var, list);
            }
            Some((var, VarKind::Date)) if !o.m.contains_key(var) => {
                if let Some(v) = f.take(&k) {
                    o.m.insert(var.into(), edtf_date(&v));
                }
            }
            Some((var, VarKind::Text)) if !o.m.contains_key(var) && var != "title" => {
                if let Some(v) = f.take(&k) {
                    match var {
                        "DOI" => match ident::normalize_doi(&v) {
                            Ok(n) => o.set("DOI", n),
                            Err(_) => o.keep(&k, v),
                        },
                        "ISBN" | "ISSN" => o.keep(&k, v),
                        "page" => o.set(var, normalize_pages(&v)),
                        _ => o.set(var, v),
                    }
                }
            }
            _ => {
                if let Some(v) = f.take(&k) {
                    o.keep(&k, v);
                }
            }
        }
    }
    // A `booktitle` that repeats a book's title, a `howpublished` that
    // repeats its URL: the same value twice, kept once.
    if o.m.get("bibtex-booktitle").is_some_and(|b| Some(b) == o.m.get("title")) {
        o.m.remove("bibtex-booktitle");
    }
    if o.m.get("bibtex-howpublished").is_some_and(|b| Some(b) == o.m.get("URL")) {
        o.m.remove("bibtex-howpublished");
    }
    let has_title = |o: &Out| o.m.get("title").and_then(Value::as_str).is_some_and(|t| !t.trim().is_empty());
    if !has_title(&o) && ty == "book" {
        // A BibTeX-style @proceedings with only `booktitle`: that is its title.
        if let Some(Value::String(b)) = o.m.remove("bibtex-booktitle") {
            o.set("title", b);
        }
    }
    if !has_title(&o) && ty == "chapter" {
        // A classic @inbook names its part in `chapter`.
        if let Some(c) = o.m.get("chapter-number").and_then(Value::as_str).filter(|c| c.chars().any(char::is_alphabetic) && c.contains(' ')) {
            let c = c.to_string();
            o.m.remove("chapter-number");
            o.set("title", c);
        }
    }
    if !csl::identifies_a_work(&o.m) {
        return Err(match p.crossref.as_ref().filter(|_| crossref_unresolved) {
            Some(c) => format!("the entry has no title, no author or editor, no DOI, ISBN or URL and no booktitle or journal, and its crossref {c:?} is not in the file: nothing to know the work by"),
            None => "the entry has no title, no author or editor, no DOI, ISBN or URL and no booktitle or journal: nothing to know the work by".into(),
        });
    }
    Ok(o.m)
}

// ---------------------------------------------------------------------------
// parse
// ---------------------------------------------------------------------------

/// Parses a BibTeX/BibLaTeX file: one result per entry, in file order
/// (`@string`, `@preamble`, `@comment` give none; a `@string` that cannot be
/// read gives an error). Each work is split into its container chain
/// ([`csl::split`]) as a CSL-JSON import is.
///
/// Large files are parsed on every core: the entries are read by the crate in
/// parallel, then (once every `crossref` target is known) converted in
/// parallel; the results are in file order whatever the thread count.
pub fn parse(text: &str) -> Vec<Result<Work, BibError>> {
    parse_with(text, |line, key, item| {
        csl::work_from_csl(&Value::Object(item))
            .and_then(csl::split)
            .map_err(|e| BibError { entry: key, line, message: e.to_string() })
    })
}

/// Parses a file into flat CSL-JSON items (the entry key as `citation-key`),
/// without splitting containers: what [`parse`] gives, flattened.
pub fn parse_items(text: &str) -> Vec<Result<Map<String, Value>, BibError>> {
    parse_with(text, |_, _, m| Ok(m))
}

/// Entries a thread takes at a time.
const PAR_CHUNK: usize = 128;

/// `items` mapped by `f`, in order, on up to as many threads as there are
/// cores (see [`par_chunks`]).
fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let parts = par_chunks(items, PAR_CHUNK, |part| part.iter().map(&f).collect::<Vec<R>>());
    let mut out = Vec::with_capacity(items.len());
    for p in parts {
        out.extend(p);
    }
    out
}

/// `f` of each `chunk` items in turn, in order, on up to as many threads
/// as there are cores: each thread takes the next chunk when it is done
/// with one, so a thread the system sets aside holds up little. Small
/// inputs stay on the calling thread.
fn par_chunks<T: Sync, R: Send>(items: &[T], chunk: usize, f: impl Fn(&[T]) -> R + Sync) -> Vec<R> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let chunks = items.len().div_ceil(chunk);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(chunks / 2);
    if threads <= 1 {
        return items.chunks(chunk).map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done: Vec<(usize, R)> = Vec::new();
        loop {
            let c = next.fetch_add(1, Ordering::Relaxed);
            if c >= chunks {
                return done;
            }
            done.push((c, f(&items[c * chunk..((c + 1) * chunk).min(items.len())])));
        }
    };
    let mut parts = std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(&work)).collect();
        let mut parts = work();
        for h in helpers {
            match h.join() {
                Ok(p) => parts.extend(p),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        parts
    });
    parts.sort_unstable_by_key(|(c, _)| *c);
    parts.into_iter().map(|(_, r)| r).collect()
}

/// Parses a file, giving each entry as a flat CSL-JSON item (with its line
/// and key) to `convert`, which runs on the parsing threads.
fn parse_with<T: Send>(
    text: &str,
    convert: impl Fn(usize, Option<String>, Map<String, Value>) -> Result<T, BibError> + Sync,
) -> Vec<Result<T, BibError>> {
    let lines = Lines::new(text);
    let blocks = split_blocks(text);
    let mut strings: HashMap<String, String> = HashMap::new();
    let mut ctx = Ctx::default();
    let mut raw_macros = HashMap::new();
    // Slots in output order: an entry index into `parsed`, or an error.
    enum Slot {
        Entry(usize),
        Error(BibError),
    }
    let mut slots = Vec::new();
    let mut entry_blocks: Vec<&Block> = Vec::new();
    for block in &blocks {
        match block.kind {
            Kind::Comment => {}
            Kind::Preamble => read_preamble(&block.text, &mut raw_macros),
            Kind::Strings => {
                // Problems found while splitting carry file offsets; the
                // crate's, offsets within the block.
                let res = match &block.problem {
                    Some((off, msg)) => Err((*off, msg.clone())),
                    None => read_strings(&block.text, &mut strings)
                        .map_err(|(off, msg)| (block.start + off.min(block.text.len()), msg)),
                };
                if let Err((off, msg)) = res {
                    slots.push(Slot::Error(BibError {
                        entry: None,
                        line: lines.line_of(off),
                        message: format!("a @string definition cannot be read: {msg}"),
                    }));
                }
            }
            Kind::Entry => match &block.problem {
                Some((off, msg)) => slots.push(Slot::Error(BibError {
                    entry: key_guess(&block.text),
                    line: lines.line_of(*off),
                    message: msg.clone(),
                })),
                None => {
                    // Parsed once every macro is known (below).
                    slots.push(Slot::Entry(entry_blocks.len()));
                    entry_blocks.push(block);
                }
            },
        }
    }
    // Preamble macros as text (no further macro expansion inside them).
    let plain = Ctx::default();
    for (name, body) in raw_macros {
        let wrapped = format!("@misc{{x, t = {{{body}}}}}");
        if let Ok(p) = parse_entry(&wrapped, &strings) {
            if let Some(c) = p.fields.get("t") {
                ctx.macros.insert(name, chunks_text(c, &plain));
            }
        }
    }
    // Parse the entries.
    let results = par_map(&entry_blocks, |block| match parse_entry(&block.text, &strings) {
        Ok(mut p) => {
            p.line = lines.line_of(block.start);
            Ok(p)
        }
        Err((off, key, msg)) => {
            Err(BibError { entry: key, line: lines.line_of(block.start + off.min(block.text.len())), message: msg })
        }
    });
    let mut parsed: Vec<Option<Parsed>> = Vec::with_capacity(results.len());
    let mut errors: Vec<Option<BibError>> = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok(p) => {
                parsed.push(Some(p));
                errors.push(None);
            }
            Err(e) => {
                parsed.push(None);
                errors.push(Some(e));
            }
        }
    }
    let mut index: HashMap<String, usize> = HashMap::new();
    for (i, p) in parsed.iter().enumerate() {
        if let Some(p) = p {
            index.entry(p.key.to_lowercase()).or_insert(i);
        }
    }
    // Convert them, inheriting from the whole file.
    let out = par_map(&slots, |slot| match slot {
        Slot::Error(e) => Some(Err(e.clone())),
        Slot::Entry(i) => {
            if let Some(e) = &errors[*i] {
                return Some(Err(e.clone()));
            }
            let p = parsed[*i].as_ref().expect("parsed entry");
            if p.ty == "xdata" || p.ty == "set" {
                return None; // data containers, not works
            }
            let (fields, resolved) = if p.crossref.is_some() || !p.xdata.is_empty() {
                let (f, r) = effective_fields(*i, &parsed, &index, 0, &mut 64);
                (Cow::Owned(f), r)
            } else {
                (Cow::Borrowed(&p.fields), true)
            };
            let key = (!p.key.is_empty()).then(|| p.key.clone());
            Some(match entry_to_csl(p, &fields, &ctx, !resolved) {
                Ok(item) => convert(p.line, key, item),
                Err(message) => Err(BibError { entry: key, line: p.line, message }),
            })
        }
    });
    // The parsed entries are freed while the caller goes on.
    drop_in_background(parsed);
    out.into_iter().flatten().collect()
}

/// Frees a large vector's items on a thread of their own, so that the
/// caller need not wait: freeing a file's parsed entries took 13% of a
/// kwarc.bib parse. (If no thread can be started, they are freed here.)
fn drop_in_background<T: Send + 'static>(items: Vec<T>) {
    if items.len() < 4 * PAR_CHUNK {
        return;
    }
    let _ = std::thread::Builder::new().name("ibid-bibtex-free".into()).spawn(move || drop(items));
}

// ---------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------

/// How [`write()`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BibOptions {
    /// BibLaTeX (`journaltitle`, `location`, `date`, `@online`, `@thesis`…)
    /// rather than classic BibTeX.
    pub biblatex: bool,
    /// Non-ASCII text as UTF-8; `false`: LaTeX accents (`{\'e}`).
    pub unicode: bool,
}

impl Default for BibOptions {
    fn default() -> Self {
        BibOptions { biblatex: true, unicode: true }
    }
}

/// The entry type to write for a CSL type (`genre` picks the thesis kind in BibTeX).
fn bib_type_for(csl_type: &str, genre: Option<&str>, biblatex: bool) -> &'static str {
    match (csl_type, biblatex) {
        ("article-journal" | "article-magazine" | "article-newspaper" | "review" | "review-book", _) => "article",
        ("book" | "series", _) => "book",
        ("chapter", _) => "incollection",
        ("entry" | "entry-dictionary" | "entry-encyclopedia", true) => "inreference",
        ("entry" | "entry-dictionary" | "entry-encyclopedia", false) => "incollection",
        ("paper-conference", _) => "inproceedings",
        ("thesis", true) => "thesis",
        ("thesis", false) => {
            let g = genre.unwrap_or("").to_lowercase();
            if g.contains("master") || g.starts_with("m.") || g.starts_with("ma ") || g.contains("msc") {
                "mastersthesis"
            } else {
                "phdthesis"
            }
        }
        ("report", true) => "report",
        ("report", false) => "techreport",
        ("manuscript" | "speech", _) => "unpublished",
        ("pamphlet", _) => "booklet",
        ("webpage" | "post" | "post-weblog", true) => "online",
        ("software", true) => "software",
        ("dataset", true) => "dataset",
        ("patent", true) => "patent",
        ("periodical", true) => "periodical",
        ("standard", true) => "standard",
        ("graphic", true) => "artwork",
        ("song", true) => "audio",
        ("motion_picture", true) => "video",
        ("personal_communication", true) => "letter",
        ("legal_case", true) => "jurisdiction",
        ("legislation", true) => "legislation",
        ("performance", true) => "performance",
        _ => "misc",
    }
}

const BIBTEX_TYPES: &[&str] = &[
    "article", "book", "booklet", "conference", "inbook", "incollection", "inproceedings", "manual", "mastersthesis",
    "misc", "phdthesis", "proceedings", "techreport", "unpublished",
];

/// Writes flat CSL-JSON items as BibTeX or BibLaTeX, one entry per item,
/// one field per line, entries separated by a blank line.
///
/// * Key: `citation-key`, else one from [`crate::citekey::generate`] with the
///   default pattern; keys are made unique within the output (a repeated key
///   gets `a`, `b`…), and characters BibTeX cannot have in a key (blanks,
///   `,{}()"#%'=\~`) are removed. The item's `id` (Ibid's own key) is not
///   written.
/// * Types: article → `@article` (`entrysubtype` for magazines and
///   newspapers); book → `@book`; chapter → `@incollection` in both flavours
///   (BibLaTeX's `@incollection` is "a contribution to a collection", which
///   a CSL chapter with `container-title` and `editor` is; `@inbook` is used
///   only when the chapter has a `container-author` and no editor: a part
///   of a single-author book); paper-conference → `@inproceedings`; thesis →
///   `@phdthesis`/`@mastersthesis` by genre (BibTeX) or `@thesis` with
///   `type = {phdthesis}`/`{mathesis}` (BibLaTeX); report → `@techreport`
///   / `@report`; manuscript, speech → `@unpublished`; pamphlet →
///   `@booklet`; webpage → `@misc` / `@online`; software, dataset, patent,
///   periodical… → `@misc` / their BibLaTeX types; anything else → `@misc`.
///   A `bibtex-entrytype` kept at import (`@proceedings`, `@manual`…) is
///   used again when it maps to the item's CSL type (in BibTeX only the
///   classic types).
/// * Fields in a fixed order (names, titles, container, numbers, publisher,
///   dates, identifiers, notes, then the rest alphabetically):
///   `container-title` → `journal`/`journaltitle` (articles, and books) or
///   `booktitle`; `collection-title` → `series`; `collection-number` →
///   `number` (books and their parts); `issue` → `number` (articles);
///   `publisher-place` → `address`/`location`; the publisher of a thesis →
///   `school`/`institution`, of a report → `institution`, of `@misc`,
///   `@booklet`, `@unpublished` → `howpublished`, of `@online` →
///   `organization`; `genre` → `type`; `page` → `pages` with `--`;
///   `issued` → `year` + `month` (BibTeX; plus `date` when there is a day,
///   a range or "circa") or `date` (BibLaTeX); `accessed` → `urldate`;
///   `container-author` → `bookauthor`; `bibtex-<field>` extras → `<field>`
///   (a field kept at import never takes the place of the one that won
///   then, so the file reads back the same); other CSL variables under
///   their own names (the import reads them back); list- or object-valued
///   extras that are neither names nor dates are not written.
/// * Names: `von Last, Jr, First`; a literal name in braces; a part BibTeX
///   would misread (a comma, the word "and", a lower-case family name, a
///   particle that does not start lower case) braced; a family name with no
///   given name and a blank in it as `family={…}` (BibLaTeX) or in braces
///   (BibTeX, where it reads back as a literal name).
/// * Text ([`encode_text`]): `& % $ # _ { } ~ ^ \` escaped, a `` ` `` as
///   `\textasciigrave{}` and a `'` after another as `\textquotesingle{}` (TeX
///   would make quotes of them); `<i>`, `<b>`,
///   `<sup>`, `<sub>`, small caps → `\textit`, `\textbf`,
///   `\textsuperscript`, `\textsubscript`, `\textsc`; a no-break space →
///   `~`; `--` in the text → `-{}-`; math kept at import → `$…$`; with
///   `unicode: false` accented letters as `{\'e}`, `{\v{c}}`, `{\ss}`…,
///   dashes as `--`/`---`, “ ” ‘ as two backticks, two apostrophes, one
///   backtick (next to the same mark, `\textquotedblleft{}`… instead), ’ as
///   `\textquoteright{}` (a plain `'` would read back as an apostrophe),
///   Greek as `$\alpha$`; characters with no LaTeX form stay UTF-8. URLs
///   and DOIs are written as they are.
/// * Case protection (titles, short titles, book and event titles): a word
///   with a capital after its first letter (`DNA`, `iPhone`, `LaTeX`,
///   `COVID-19`) or a lone capital other than "A" after the first word is
///   wrapped in braces. Proper nouns cannot be recognised reliably; the
///   heuristic: when a title is in sentence case (more of its longer words
///   after the first start lower case than upper case), its capitalised
///   words after the first are taken for proper nouns and protected too,
///   except the first word after a colon; a title in Title Case gets only
///   the protection above.
pub fn write(items: &[Map<String, Value>], opts: &BibOptions) -> String {
    // The entries, on every core.
    let parts = par_chunks(items, 64, |part| {
        let mut e = Entries::new(part.len(), *opts);
        for (at, item) in part.iter().enumerate() {
            e.add(at, item);
        }
        e
    });
    let mut all = Entries::new(0, *opts);
    for p in parts {
        all.append(p);
    }
    let mut out = Vec::with_capacity(items.len() * 1024);
    all.write_to(&mut out).expect("writing to memory");
    String::from_utf8(out).expect("entries are UTF-8")
}

/// BibTeX entries rendered in any order (an export renders works as the
/// library gives them) and written in their order, each key made unique in
/// that order as [`write`] does: an entry's own key if no entry before it
/// took it, else the key with a letter; an entry without a key gets one from
/// the default pattern.
#[derive(Debug)]
pub struct Entries {
    spool: crate::export::Spool,
    /// Per position: where the key goes in the entry's text, its own key
    /// (cleaned), and the generated base key of an entry without one.
    keys: Vec<(usize, Option<String>, Option<String>)>,
    opts: BibOptions,
}

impl Entries {
    pub fn new(n: usize, opts: BibOptions) -> Self {
        Entries { spool: crate::export::Spool::new(n), keys: vec![(0, None, None); n], opts }
    }

    /// Renders `item` as the entry at position `at`.
    pub fn add(&mut self, at: usize, item: &Map<String, Value>) {
        let own = var(item, "citation-key").and_then(Value::as_str).map(clean_key).filter(|k| !k.is_empty());
        let base = match own {
            Some(_) => None,
            None => Some(clean_key(&crate::citekey::generate(item, crate::citekey::DEFAULT_PATTERN))),
        };
        let opts = self.opts;
        let text = self.spool.add(at, |out| write_entry(out, item, "", &opts));
        // The key goes after the `{` of `@type{`.
        let brace = text.find('{').map_or(0, |i| i + 1);
        self.keys[at] = (brace, own, base);
    }

    /// Positions filled whose entry has no key of its own.
    pub fn without_key(&self) -> Vec<usize> {
        (0..self.keys.len()).filter(|&at| self.spool.get(at).is_some() && self.keys[at].1.is_none()).collect()
    }

    /// Gives the entry at `at` its own key (one just assigned in the library).
    pub fn set_key(&mut self, at: usize, key: &str) {
        let k = clean_key(key);
        if !k.is_empty() {
            self.keys[at].1 = Some(k);
            self.keys[at].2 = None;
        }
    }

    /// Entries of the same positions, each filled in part, as one.
    pub fn merge(parts: Vec<Entries>) -> Entries {
        let n = parts.iter().map(|p| p.keys.len()).max().unwrap_or(0);
        let opts = parts.first().map_or(BibOptions { biblatex: false, unicode: true }, |p| p.opts);
        let mut keys = vec![(0, None, None); n];
        let mut spools = Vec::with_capacity(parts.len());
        for mut p in parts {
            for (at, k) in p.keys.iter_mut().enumerate() {
                if p.spool.has(at) {
                    keys[at] = std::mem::take(k);
                }
            }
            spools.push(p.spool);
        }
        Entries { spool: crate::export::Spool::merge(spools), keys, opts }
    }

    /// `other`'s positions after this one's.
    pub fn append(&mut self, other: Entries) {
        self.spool.append(other.spool);
        self.keys.extend(other.keys);
    }

    /// The entries in position order, a blank line between them.
    pub fn write_to(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let explicit: HashSet<&str> = self.keys.iter().filter_map(|(_, own, _)| own.as_deref()).collect();
        let mut used: HashSet<String> = HashSet::with_capacity(self.keys.len());
        let mut first = true;
        for (at, (brace, own, base)) in self.keys.iter().enumerate() {
            let Some(text) = self.spool.get(at) else { continue };
            let key = match (own, base) {
                (Some(k), _) if !used.contains(k) => k.clone(),
                (Some(k), _) => crate::citekey::unique(k, &|c| used.contains(c) || explicit.contains(c)),
                (None, b) => crate::citekey::unique(b.as_deref().unwrap_or(""), &|c| used.contains(c) || explicit.contains(c)),
            };
            if !first {
                out.write_all(b"\n")?;
            }
            first = false;
            out.write_all(text[..*brace].as_bytes())?;
            out.write_all(key.as_bytes())?;
            out.write_all(text[*brace..].as_bytes())?;
            used.insert(key);
        }
        Ok(())
    }
}

fn clean_key(k: &str) -> String {
    k.chars().filter(|c| !c.is_whitespace() && !",{}()\"#%'=\\~".contains(*c)).collect()
}

/// A variable of an item. Items and names have a few dozen variables at
/// most: a scan is cheaper than hashing the name for the map.
fn var<'a>(item: &'a Map<String, Value>, k: &str) -> Option<&'a Value> {
    item.iter().find(|(name, _)| name.as_str() == k).map(|(_, v)| v)
}

fn str_of<'a>(item: &'a Map<String, Value>, k: &str) -> Option<Cow<'a, str>> {
    match var(item, k)? {
        Value::String(s) if !s.trim().is_empty() => Some(Cow::Borrowed(s.as_str())),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Array(a) if a.len() == 1 => match &a[0] {
            Value::String(s) if !s.trim().is_empty() => Some(Cow::Borrowed(s.as_str())),
            _ => None,
        },
        _ => None,
    }
}

/// An entry's fields as they are written: `,\n  name = value` each, in one
/// buffer.
struct EntryOut<'a> {
    buf: String,
    /// Where each field's name is in `buf`.
    names: Vec<std::ops::Range<usize>>,
    opts: &'a BibOptions,
}

impl EntryOut<'_> {
    /// Starts a field: `,\n  name = `; a name already written gets a number
    /// (`name-2`).
    fn start(&mut self, name: &str) {
        let taken = |buf: &str, names: &[std::ops::Range<usize>], n: &str| names.iter().any(|r| &buf[r.clone()] == n);
        self.buf.push_str(",\n  ");
        let at = self.buf.len();
        if taken(&self.buf, &self.names, name) {
            let mut name = name.to_string();
            let mut n = 2;
            while taken(&self.buf, &self.names, &name) {
                name = format!("{}-{n}", name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-'));
                n += 1;
            }
            self.buf.push_str(&name);
        } else {
            self.buf.push_str(name);
        }
        self.names.push(at..self.buf.len());
        self.buf.push_str(" = ");
    }
    fn raw(&mut self, name: &str, value: &str) {
        self.start(name);
        self.buf.push_str(value);
    }
    /// `{value}`, the value as it is.
    fn braced(&mut self, name: &str, value: &str) {
        self.start(name);
        self.buf.push('{');
        self.buf.push_str(value);
        self.buf.push('}');
    }
    fn text(&mut self, name: &str, value: &str) {
        self.start(name);
        self.buf.push('{');
        encode_text_into(&mut self.buf, value, self.opts.unicode, false);
        self.buf.push('}');
    }
    fn title(&mut self, name: &str, value: &str) {
        self.start(name);
        self.buf.push('{');
        encode_text_into(&mut self.buf, value, self.opts.unicode, true);
        self.buf.push('}');
    }
    fn verbatim(&mut self, name: &str, value: &str) {
        self.start(name);
        self.buf.push('{');
        for c in value.chars() {
            if matches!(c, '{' | '}' | '\\') {
                self.buf.push('\\');
            }
            self.buf.push(c);
        }
        self.buf.push('}');
    }
    /// A list of names, when it has one.
    fn names(&mut self, name: &str, v: Option<&Value>) {
        let (len, count) = (self.buf.len(), self.names.len());
        self.start(name);
        if !names_into(&mut self.buf, v, self.opts) {
            self.buf.truncate(len);
            self.names.truncate(count);
        }
    }
}

fn write_entry(out: &mut String, item: &Map<String, Value>, key: &str, opts: &BibOptions) {
    let csl_type = var(item, "type").and_then(Value::as_str).unwrap_or("document");
    let genre = str_of(item, "genre");
    let mut ty = bib_type_for(csl_type, genre.as_deref(), opts.biblatex).to_string();
    if let Some(hint) = str_of(item, "bibtex-entrytype") {
        let hint = hint.to_lowercase();
        let fits = csl_type_of(&hint).0 == csl_type || (csl_type == "speech" && hint == "unpublished");
        if fits && (opts.biblatex || BIBTEX_TYPES.contains(&hint.as_str())) && hint.chars().all(|c| c.is_ascii_alphanumeric()) {
            ty = hint;
        }
    }
    let has = |k: &str| var(item, k).is_some_and(|v| !v.is_null());
    if csl_type == "chapter" && ty == "incollection" && has("container-author") && !has("editor") {
        ty = "inbook".into();
    }
    let mut e = EntryOut { buf: String::with_capacity(512), names: Vec::with_capacity(16), opts };
    match csl_type {
        "article-magazine" => e.raw("entrysubtype", "{magazine}"),
        "article-newspaper" => e.raw("entrysubtype", "{newspaper}"),
        _ => {}
    }
    // Variables written so far (a short list: a vector is faster than a set).
    let mut done: Vec<&str> = vec!["type", "id", "citation-key", "bibtex-entrytype"];
    // Fields kept at import, by field name.
    let kept: Vec<&str> = item.keys().filter_map(|k| k.strip_prefix("bibtex-")).collect();
    let bl = opts.biblatex;

    // Names.
    for (var_name, field) in [("author", "author"), ("editor", "editor"), ("container-author", "bookauthor"), ("translator", "translator")] {
        done.push(var_name);
        e.names(field, var(item, var_name));
    }
    // Titles.
    done.push("title");
    if let Some(t) = str_of(item, "title") {
        e.title("title", &t);
    }
    done.push("title-short");
    if let Some(t) = str_of(item, "title-short") {
        e.title("shorttitle", &t);
    }
    // Container.
    let periodical = matches!(csl_type, "article-journal" | "article-magazine" | "article-newspaper" | "review" | "review-book" | "article" | "periodical");
    done.push("container-title");
    if let Some(c) = str_of(item, "container-title") {
        // (A book's `booktitle` is its own title again: a book's container
        // goes to `journal`, which any entry type reads back.)
        if periodical || matches!(csl_type, "book" | "series") {
            e.text(pick_field(&kept, if bl { "journaltitle" } else { "journal" }, CONTAINER_FIELDS), &c);
        } else {
            e.title(pick_field(&kept, "booktitle", CONTAINER_FIELDS), &c);
        }
    }
    done.push("container-title-short");
    if let Some(c) = str_of(item, "container-title-short") {
        e.text("shortjournal", &c);
    }
    done.push("event-title");
    if let Some(c) = str_of(item, "event-title") {
        e.title("eventtitle", &c);
    }
    done.push("collection-title");
    if let Some(c) = str_of(item, "collection-title") {
        e.text("series", &c);
    }
    // Numbers.
    done.push("volume");
    if let Some(v) = str_of(item, "volume") {
        e.text("volume", &v);
    }
    for var in ["number", "issue", "collection-number"] {
        done.push(var);
    }
    let number = str_of(item, "number");
    let issue = str_of(item, "issue");
    let coll_number = str_of(item, "collection-number");
    let bookish = matches!(csl_type, "book" | "chapter" | "paper-conference" | "entry" | "entry-dictionary" | "entry-encyclopedia");
    if periodical {
        if let Some(i) = &issue {
            e.text("number", i);
        }
        if let Some(n) = &number {
            e.text("eid", n);
        }
        if let Some(c) = &coll_number {
            e.text("collection-number", c);
        }
    } else if bookish {
        if let Some(c) = &coll_number {
            e.text("number", c);
        }
        if let Some(n) = &number {
            e.text(if coll_number.is_some() { "csl-number" } else { "number" }, n);
        }
        if let Some(i) = &issue {
            e.text("issue", i);
        }
    } else {
        if let Some(n) = &number {
            e.text("number", n);
        }
        if let Some(c) = &coll_number {
            e.text("collection-number", c);
        }
        if let Some(i) = &issue {
            e.text("issue", i);
        }
    }
    for (var, field) in [
        ("number-of-volumes", "volumes"),
        ("part-number", "part"),
        ("edition", "edition"),
        ("version", "version"),
        ("chapter-number", "chapter"),
    ] {
        done.push(var);
        if let Some(v) = str_of(item, var) {
            e.text(field, &v);
        }
    }
    done.push("page");
    if let Some(p) = str_of(item, "page") {
        e.braced("pages", &pages_out(&encode_text(&p, opts.unicode, false)));
    }
    done.push("number-of-pages");
    if let Some(p) = str_of(item, "number-of-pages") {
        e.text(pick_field(&kept, "pagetotal", PAGES_TOTAL_FIELDS), &p);
    }
    // Publisher.
    done.push("publisher");
    if let Some(p) = str_of(item, "publisher") {
        let field = match ty.as_str() {
            "thesis" | "phdthesis" | "mastersthesis" => {
                if bl {
                    "institution"
                } else {
                    "school"
                }
            }
            "report" | "techreport" => "institution",
            "online" => "organization",
            // (A URL in `howpublished` would read back as the URL.)
            "misc" | "booklet" | "unpublished" | "software" if !looks_like_url(&p) => "howpublished",
            _ => "publisher",
        };
        e.text(pick_field(&kept, field, publisher_fields(csl_type)), &p);
    }
    done.push("publisher-place");
    if let Some(p) = str_of(item, "publisher-place") {
        e.text(pick_field(&kept, if bl { "location" } else { "address" }, PLACE_FIELDS), &p);
    }
    // Genre.
    done.push("genre");
    if let Some(g) = &genre {
        let written: Option<String> = match ty.as_str() {
            "phdthesis" if g == "PhD thesis" => None,
            "mastersthesis" if g == "Master's thesis" => None,
            "thesis" if g == "PhD thesis" => Some("phdthesis".into()),
            "thesis" if g == "Master's thesis" => Some("mathesis".into()),
            _ => Some(g.to_string()),
        };
        if let Some(w) = written {
            e.text("type", &w);
        }
    }
    // Dates.
    done.push("issued");
    if let Some(d) = var(item, "issued") {
        // Fields kept at import decide which form leaves the other free:
        // a kept `date` needs `year`/`month`, a kept `year` needs `date`.
        let kept = |f: &str| kept.contains(&f);
        let form = if kept("date") {
            DateForm::YearMonth
        } else if kept("year") || kept("month") || kept("day") || bl {
            DateForm::Date
        } else {
            DateForm::YearMonthAndDate
        };
        date_out(&mut e, d, form);
    }
    for (var_name, field) in [("accessed", "urldate"), ("event-date", "eventdate"), ("original-date", "origdate")] {
        done.push(var_name);
        if let Some(d) = var(item, var_name) {
            match edtf_of(d) {
                Some(t) => e.braced(field, &t),
                None => {
                    if let Some(l) = literal_of(d) {
                        e.text(field, &l);
                    }
                }
            }
        }
    }
    done.push("event-place");
    if let Some(v) = str_of(item, "event-place") {
        e.text("venue", &v);
    }
    for (var, field) in [
        ("original-title", "origtitle"),
        ("original-publisher", "origpublisher"),
        ("original-publisher-place", "origlocation"),
    ] {
        done.push(var);
        if let Some(v) = str_of(item, var) {
            if var == "original-title" {
                e.title(field, &v);
            } else {
                e.text(field, &v);
            }
        }
    }
    // Identifiers.
    for var_name in ["ISBN", "ISSN"] {
        done.push(var_name);
        let list: Vec<String> = match var(item, var_name) {
            Some(Value::Array(a)) => a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        };
        if !list.is_empty() {
            e.text(&var_name.to_lowercase(), &list.join(", "));
        }
    }
    done.push("DOI");
    if let Some(d) = str_of(item, "DOI") {
        e.verbatim("doi", &d);
    }
    done.push("URL");
    if let Some(u) = str_of(item, "URL") {
        e.verbatim("url", &u);
    }
    for (var, field) in [
        ("language", "language"),
        ("keyword", "keywords"),
        ("abstract", "abstract"),
        ("note", "note"),
        ("annote", if bl { "annotation" } else { "annote" }),
        ("status", "pubstate"),
    ] {
        done.push(var);
        if let Some(v) = str_of(item, var) {
            let field = match var {
                "annote" => pick_field(&kept, field, ANNOTE_FIELDS),
                "language" => pick_field(&kept, field, LANGUAGE_FIELDS),
                _ => field,
            };
            e.text(field, &v);
        }
    }
    // The rest, alphabetically: `bibtex-x` → `x`; CSL variables by name.
    let mut rest: Vec<(&String, &Value)> = item.iter().filter(|(k, _)| !done.contains(&k.as_str())).collect();
    rest.sort_by(|a, b| a.0.cmp(b.0));
    for (k, v) in rest {
        let (field, is_bib) = match k.strip_prefix("bibtex-") {
            Some(f) => (f.to_string(), true),
            None => (k.to_lowercase(), false),
        };
        if field.is_empty() || !field.chars().all(|c| c.is_ascii_alphanumeric() || "-_:.+/".contains(c)) || !field.starts_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        let kind = if is_bib { None } else { csl_variable(&field).map(|(_, k)| k) };
        match (kind, v) {
            (Some(VarKind::Names), _) => {
                e.names(&field, Some(v));
            }
            (Some(VarKind::Date), _) => {
                if let Some(t) = edtf_of(v) {
                    e.braced(&field, &t);
                } else if let Some(l) = literal_of(v) {
                    e.text(&field, &l);
                }
            }
            (_, Value::String(s)) if is_verbatim(&field) => e.verbatim(&field, s),
            (_, Value::String(s)) => e.text(&field, s),
            (_, Value::Number(n)) => e.text(&field, &n.to_string()),
            (_, Value::Bool(b)) => e.text(&field, &b.to_string()),
            _ => {}
        }
    }

    out.push('@');
    out.push_str(&ty);
    out.push('{');
    out.push_str(key);
    out.push_str(&e.buf);
    out.push_str("\n}\n");
}

/// `1-10` → `1--10` (a hyphen or en dash between two alphanumerics).
fn pages_out(p: &str) -> String {
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::with_capacity(p.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        let between = i > 0 && i + 1 < chars.len() && chars[i - 1].is_alphanumeric() && chars[i + 1].is_alphanumeric();
        if (c == '-' || c == '–') && between {
            out.push_str("--");
        } else {
            out.push(c);
        }
    }
    out
}

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

fn date_parts(d: &Value) -> Option<Vec<Vec<i64>>> {
    let parts = d.get("date-parts")?.as_array()?;
    let mut out = Vec::new();
    for p in parts {
        let nums: Vec<i64> = p.as_array()?.iter().map(|n| n.as_i64().or_else(|| n.as_str()?.trim().parse().ok())).collect::<Option<_>>()?;
        if nums.is_empty() {
            continue;
        }
        out.push(nums);
    }
    (!out.is_empty() && out.len() <= 2).then_some(out)
}

fn edtf_one(p: &[i64]) -> Option<String> {
    let y = *p.first()?;
    if !(0..=9999).contains(&y) {
        return None;
    }
    let mut s = format!("{y:04}");
    if let Some(m) = p.get(1).filter(|m| (1..=12).contains(*m)) {
        s.push_str(&format!("-{m:02}"));
        if let Some(d) = p.get(2).filter(|d| (1..=31).contains(*d)) {
            s.push_str(&format!("-{d:02}"));
        }
    }
    Some(s)
}

/// A CSL date as EDTF (`2020-05-01`, `2020/2021`, `2020~`).
fn edtf_of(d: &Value) -> Option<String> {
    if let Value::String(s) = d {
        return Some(s.clone()).filter(|s| iso_parts(s).is_some());
    }
    let parts = date_parts(d)?;
    let mut s = parts.iter().map(|p| edtf_one(p)).collect::<Option<Vec<_>>>()?.join("/");
    if d.get("circa").is_some_and(|c| c.as_bool() == Some(true) || c.as_str().is_some_and(|s| !s.is_empty()) || c.as_i64().is_some_and(|n| n != 0)) {
        s.push('~');
    }
    Some(s)
}

fn literal_of(d: &Value) -> Option<String> {
    match d {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("literal").or_else(|| o.get("raw")).and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum DateForm {
    /// BibLaTeX's `date`.
    Date,
    /// BibTeX's `year` and `month` only.
    YearMonth,
    /// BibTeX's `year` and `month`, and `date` when they cannot say it all.
    YearMonthAndDate,
}

fn date_out(e: &mut EntryOut, d: &Value, form: DateForm) {
    let Some(parts) = date_parts(d) else {
        if let Some(l) = literal_of(d) {
            e.text("year", &l);
        }
        return;
    };
    let edtf = edtf_of(d);
    if form == DateForm::Date {
        if let Some(t) = edtf {
            e.braced("date", &t);
            return;
        }
    }
    let first = &parts[0];
    if parts.len() == 2 && parts[1][0] != first[0] {
        e.raw("year", &format!("{{{}--{}}}", first[0], parts[1][0]));
    } else {
        e.raw("year", &format!("{{{}}}", first[0]));
    }
    if let Some(m) = first.get(1).filter(|m| (1..=12).contains(*m)) {
        e.raw("month", MONTHS[*m as usize - 1]);
    }
    let needs_date = parts.len() == 2 || first.len() > 2 || d.get("circa").is_some();
    if needs_date && form == DateForm::YearMonthAndDate {
        if let Some(t) = edtf {
            e.braced("date", &t);
        }
    }
}

/// A list of names as a field value (`{A and B}`); `false` (nothing
/// written) when it has none.
fn names_into(out: &mut String, v: Option<&Value>, opts: &BibOptions) -> bool {
    let Some(list) = v.and_then(Value::as_array) else { return false };
    let start = out.len();
    out.push('{');
    let mut any = false;
    for n in list {
        let mark = out.len();
        if any {
            out.push_str(" and ");
        }
        if name_into(out, n, opts.unicode, opts.biblatex) {
            any = true;
        } else {
            out.truncate(mark);
        }
    }
    if !any {
        out.truncate(start);
        return false;
    }
    out.push('}');
    true
}

/// One name; `false` (nothing written) when it has no part to write.
fn name_into(out: &mut String, n: &Value, unicode: bool, biblatex: bool) -> bool {
    let Some(o) = n.as_object() else { return false };
    let get = |k: &str| var(o, k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
    let enc = |out: &mut String, s: &str| encode_text_into(out, s, unicode, false);
    let braced = |out: &mut String, s: &str| {
        out.push('{');
        encode_text_into(out, s, unicode, false);
        out.push('}');
    };
    if let Some(l) = get("literal") {
        if l == "others" {
            out.push_str("others");
        } else {
            braced(out, l);
        }
        return true;
    }
    let family = get("family");
    let given = get("given");
    let Some(family) = family else {
        if let Some(g) = given {
            braced(out, g);
            return true;
        }
        return false;
    };
    let particles: Vec<&str> = [get("non-dropping-particle"), get("dropping-particle")].into_iter().flatten().collect();
    let suffix = get("suffix");
    if given.is_none() && suffix.is_none() && particles.is_empty() {
        // A family name alone. One word: braced if BibTeX would take it for
        // a "von" part. Several: BibLaTeX's `family=` form; in BibTeX a
        // brace group (which reads back as a literal name).
        if !family.contains(char::is_whitespace) {
            if family.starts_with(|c: char| !c.is_uppercase()) {
                braced(out, family);
            } else {
                enc(out, family);
            }
            return true;
        }
        if biblatex {
            out.push_str("family=");
        }
        braced(out, family);
        return true;
    }
    // A part BibTeX would misread (a comma, the word "and", a lower-case
    // start that would make it a "von" part) is braced.
    let needs_brace = |s: &str| s.contains(',') || s.split_whitespace().any(|w| w.eq_ignore_ascii_case("and"));
    if !particles.is_empty() {
        // A particle that does not start lower case is braced, or BibTeX
        // would take it for part of the family name.
        let p = particles.join(" ");
        if particles[0].starts_with(|c: char| c.is_lowercase()) {
            enc(out, &p);
        } else {
            braced(out, &p);
        }
        out.push(' ');
    }
    let lower_start = family.split_whitespace().any(|w| w.starts_with(|c: char| c.is_lowercase()));
    // In LaTeX, a word that starts with an accented letter starts with a
    // brace group (`{\'O} Briain`), which a reader takes for a "von" part.
    let accent_start = !unicode
        && family.split_whitespace().nth(1).is_some()
        && family.split_whitespace().any(|w| !w.starts_with(|c: char| c.is_ascii()));
    if needs_brace(family) || lower_start || accent_start {
        braced(out, family);
    } else {
        enc(out, family);
    }
    if let Some(suffix) = suffix {
        out.push_str(", ");
        enc(out, suffix);
    }
    match given {
        Some(g) => {
            out.push_str(", ");
            if needs_brace(g) {
                braced(out, g);
            } else {
                enc(out, g);
            }
        }
        None if suffix.is_some() => out.push_str(", "),
        None => {}
    }
    true
}

// ---------------------------------------------------------------------------
// Text encoding
// ---------------------------------------------------------------------------

/// Function words that do not decide whether a title is in Title Case.
const MINOR_WORDS: &[&str] = &[
    "a", "an", "the", "and", "or", "nor", "but", "for", "of", "on", "in", "at", "to", "by", "from", "with", "into", "onto",
    "upon", "as", "via", "vs", "versus", "about", "over", "under", "between", "through", "than", "that", "this", "its",
    "their", "is", "are", "be", "via.",
];

fn minor_word(w: &str) -> bool {
    if w.is_ascii() {
        MINOR_WORDS.iter().any(|m| m.eq_ignore_ascii_case(w))
    } else {
        MINOR_WORDS.contains(&w.to_lowercase().as_str())
    }
}

/// Whether the plain text of a title is in sentence case.
fn is_sentence_case<'a>(words: impl Iterator<Item = &'a str>) -> bool {
    let mut lower = 0;
    let mut upper = 0;
    let mut after_stop = true;
    for w in words {
        let core: &str = w.trim_matches(|c: char| !c.is_alphanumeric());
        let first_word = after_stop;
        after_stop = w.ends_with([':', '.', '?', '!']);
        if first_word || core.chars().count() < 4 || minor_word(core) || !core.chars().all(|c| c.is_alphabetic() || c == '-' || c == '\'') {
            continue;
        }
        if core.starts_with(char::is_lowercase) {
            lower += 1;
        } else if core.starts_with(char::is_uppercase) {
            upper += 1;
        }
    }
    lower > upper
}

/// Whether a word keeps its case whatever a style does.
fn protect_word(core: &str, sentence_case: bool, first: bool) -> bool {
    if !core.chars().any(char::is_alphabetic) {
        return false;
    }
    let internal_capital = core
        .split(['-', '/', '\'', '’'])
        .any(|part| part.chars().skip(1).any(char::is_uppercase));
    if internal_capital {
        return true;
    }
    let mut letters = core.chars().filter(|c| c.is_alphabetic());
    if let (Some(c), None) = (letters.next(), letters.next()) {
        if c.is_uppercase() && c != 'A' && core.chars().count() == 1 && !first {
            return true;
        }
    }
    sentence_case && !first && core.starts_with(char::is_uppercase)
}

/// A segment of rich text: plain text or a tag.
enum Seg<'a> {
    Text(&'a str),
    Open(&'static str),
    Close,
}

/// Splits CSL rich text into plain text and the tags BibTeX can express.
fn segments(s: &str) -> Vec<Seg<'_>> {
    const TAGS: &[(&str, &str)] = &[
        ("<i>", "\\textit{"),
        ("<em>", "\\emph{"),
        ("<b>", "\\textbf{"),
        ("<strong>", "\\textbf{"),
        ("<sup>", "\\textsuperscript{"),
        ("<sub>", "\\textsubscript{"),
        ("<span style=\"font-variant:small-caps;\">", "\\textsc{"),
        ("<span style=\"font-variant: small-caps;\">", "\\textsc{"),
        ("<span class=\"nocase\">", "{"),
    ];
    const CLOSERS: &[&str] = &["</i>", "</em>", "</b>", "</strong>", "</sup>", "</sub>", "</span>"];
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    let mut text_start = 0;
    while let Some(rel) = s[i..].find('<') {
        let at = i + rel;
        let rest = &s[at..];
        if let Some((tag, cmd)) = TAGS.iter().find(|(t, _)| rest.starts_with(t)) {
            out.push(Seg::Text(&s[text_start..at]));
            out.push(Seg::Open(cmd));
            depth += 1;
            i = at + tag.len();
            text_start = i;
        } else if let Some(c) = CLOSERS.iter().find(|c| rest.starts_with(**c)).filter(|_| depth > 0) {
            out.push(Seg::Text(&s[text_start..at]));
            out.push(Seg::Close);
            depth -= 1;
            i = at + c.len();
            text_start = i;
        } else {
            i = at + 1;
        }
    }
    out.push(Seg::Text(&s[text_start..]));
    for _ in 0..depth {
        out.push(Seg::Close);
    }
    out
}

/// Encodes CSL text (with its rich-text tags) as the value of a BibTeX field,
/// without the outer braces: special characters escaped, tags as commands,
/// with `unicode: false` non-ASCII as LaTeX, with `protect_case` words whose
/// case matters wrapped in braces (see [`write()`]).
pub fn encode_text(s: &str, unicode: bool, protect_case: bool) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    encode_text_into(&mut out, s, unicode, protect_case);
    out
}

/// [`encode_text`], appending to `out` (what `out` holds already does not
/// change the encoding).
fn encode_text_into(out: &mut String, s: &str, unicode: bool, protect_case: bool) {
    let mut enc = Encoder { base: out.len(), unicode, protect: protect_case, sentence: false, first_word: true };
    if !s.contains('<') {
        // No tags (most text): one plain segment.
        enc.sentence = protect_case && is_sentence_case(s.split_whitespace());
        enc.plain(out, s);
        return;
    }
    let segs = segments(s);
    if protect_case {
        let plain: String =
            segs.iter().filter_map(|g| if let Seg::Text(t) = g { Some(*t) } else { None }).collect::<Vec<_>>().join(" ");
        enc.sentence = is_sentence_case(plain.split_whitespace());
    }
    for seg in segs {
        match seg {
            Seg::Open(cmd) => out.push_str(cmd),
            Seg::Close => out.push('}'),
            Seg::Text(t) => enc.plain(out, t),
        }
    }
}

/// The state of one [`encode_text_into`].
struct Encoder {
    /// Where the encoded text starts in the output.
    base: usize,
    unicode: bool,
    protect: bool,
    sentence: bool,
    first_word: bool,
}

impl Encoder {
    fn plain(&mut self, out: &mut String, t: &str) {
        // Math kept from the import (`$x^2_i$`) is written as math; other `$`
        // are escaped (`$$`, or a `$` next to another, is never kept math).
        let mut pos = 0;
        let mut search = 0;
        while let Some(rel) = t[search..].find('$') {
            let start = search + rel;
            let after = &t[start + 1..];
            let doubled = t[..start].ends_with('$') || after.starts_with('$');
            if let Some(end) = after.find('$').filter(|_| !doubled) {
                let inner = &after[..end];
                if !after[end + 1..].starts_with('$') && inner.contains(['\\', '^', '_', '{']) {
                    self.words(out, &t[pos..start]);
                    out.push('$');
                    out.push_str(inner);
                    out.push('$');
                    pos = start + end + 2;
                    search = pos;
                    self.first_word = false;
                    continue;
                }
            }
            search = start + 1;
        }
        self.words(out, &t[pos..]);
    }

    fn words(&mut self, out: &mut String, t: &str) {
        if !self.protect {
            self.chars(out, t);
            return;
        }
        let mut i = 0;
        while i < t.len() {
            // Any white space, as the word's end below is found: a thin or
            // ideographic space is not a word (an empty one would loop).
            let c = t[i..].chars().next().expect("a character");
            if c.is_whitespace() {
                self.chars(out, &t[i..i + c.len_utf8()]);
                i += c.len_utf8();
                continue;
            }
            let end = t[i..].find(|c: char| c.is_whitespace()).map_or(t.len(), |e| i + e);
            let word = &t[i..end];
            let core_start = word.find(|c: char| c.is_alphanumeric()).unwrap_or(word.len());
            let mut core_end =
                word.rfind(|c: char| c.is_alphanumeric()).map_or(core_start, |e| e + word[e..].chars().next().map_or(1, char::len_utf8));
            // Keep a bracket pair together: `{GL(3)}`, not `{GL(3})`.
            for (open, close) in [('(', ')'), ('[', ']')] {
                let inner = &word[core_start..core_end.max(core_start)];
                if word[core_end..].starts_with(close) && inner.matches(open).count() > inner.matches(close).count() {
                    core_end += 1;
                }
            }
            let core = &word[core_start..core_end.max(core_start)];
            if !core.is_empty() && protect_word(core, self.sentence, self.first_word) {
                self.chars(out, &word[..core_start]);
                out.push('{');
                self.chars(out, core);
                out.push('}');
                self.chars(out, &word[core_end..]);
            } else {
                self.chars(out, word);
            }
            if !core.is_empty() {
                self.first_word = word.ends_with([':', '.', '?', '!']);
            }
            i = end;
        }
    }

    /// Escapes special characters (and with `unicode: false` writes
    /// non-ASCII as LaTeX); runs of ordinary text are copied as they are.
    fn chars(&self, out: &mut String, t: &str) {
        let mut prev_hyphen = out.len() > self.base && out.ends_with('-');
        let b = t.as_bytes();
        let unicode = self.unicode;
        // Non-ASCII needs a look only without Unicode output, or for a
        // no-break space (whose UTF-8 starts with 0xC2, which no other
        // character's continuation bytes are).
        let special = |c: u8| ENCODE_SPECIAL[c as usize] || (c >= 0x80 && (!unicode || c == 0xc2));
        let mut i = 0;
        while i < b.len() {
            let run = b[i..].iter().position(|&c| special(c)).unwrap_or(b.len() - i);
            if run > 0 {
                out.push_str(&t[i..i + run]);
                i += run;
                prev_hyphen = false;
                if i == b.len() {
                    break;
                }
            }
            let c = t[i..].chars().next().expect("a character");
            i += c.len_utf8();
            if c == '-' {
                if prev_hyphen {
                    out.push_str("{}");
                }
                out.push('-');
                prev_hyphen = true;
                continue;
            }
            let after_hyphen = std::mem::replace(&mut prev_hyphen, false);
            match c {
                '&' | '%' | '$' | '#' | '_' | '{' | '}' => {
                    out.push('\\');
                    out.push(c);
                }
                '~' => out.push_str("\\textasciitilde{}"),
                '^' => out.push_str("\\textasciicircum{}"),
                // TeX's quote ligatures: a `` ` `` is an opening quote, and
                // `''` a closing double one.
                '`' => out.push_str("\\textasciigrave{}"),
                '\'' if out.len() > self.base && out.ends_with('\'') => out.push_str("\\textquotesingle{}"),
                '\\' => out.push_str("\\textbackslash{}"),
                '\u{a0}' => out.push('~'),
                c if c.is_ascii() || unicode => out.push(c),
                c => {
                    // `–` is `--`: after a hyphen, or before one, it must not
                    // join it (`---` is an em dash).
                    if after_hyphen && matches!(c, '–' | '—') {
                        out.push_str("{}");
                    }
                    latex_char(out, c);
                    prev_hyphen = out.ends_with('-');
                }
            }
        }
    }
}

/// The ASCII characters [`Encoder::chars`] does not copy as they are.
const ENCODE_SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let special = b"-&%$#_{}~^\\`'";
    let mut i = 0;
    while i < special.len() {
        t[special[i] as usize] = true;
        i += 1;
    }
    t
};

/// One non-ASCII character in LaTeX (or as itself when LaTeX has no name).
fn latex_char(out: &mut String, c: char) {
    let special = match c {
        'ß' => Some("{\\ss}"),
        'æ' => Some("{\\ae}"),
        'Æ' => Some("{\\AE}"),
        'œ' => Some("{\\oe}"),
        'Œ' => Some("{\\OE}"),
        'ø' => Some("{\\o}"),
        'Ø' => Some("{\\O}"),
        'å' => Some("{\\aa}"),
        'Å' => Some("{\\AA}"),
        'ł' => Some("{\\l}"),
        'Ł' => Some("{\\L}"),
        'ı' => Some("{\\i}"),
        'đ' => Some("{\\dj}"),
        'Đ' => Some("{\\DJ}"),
        'ð' => Some("{\\dh}"),
        'Ð' => Some("{\\DH}"),
        'þ' => Some("{\\th}"),
        'Þ' => Some("{\\TH}"),
        'ŋ' => Some("{\\ng}"),
        'Ŋ' => Some("{\\NG}"),
        '–' => Some("--"),
        '—' => Some("---"),
        // (Next to the same mark, the ligature would join it: the command.)
        '“' if out.ends_with('`') => Some("\\textquotedblleft{}"),
        '“' => Some("``"),
        '”' if out.ends_with('\'') => Some("\\textquotedblright{}"),
        '”' => Some("''"),
        '‘' if out.ends_with('`') => Some("\\textquoteleft{}"),
        '‘' => Some("`"),
        // A plain `'` reads back as an apostrophe, not as ’.
        '’' => Some("\\textquoteright{}"),
        '…' => Some("\\dots{}"),
        '«' => Some("\\guillemotleft{}"),
        '»' => Some("\\guillemotright{}"),
        '¡' => Some("\\textexclamdown{}"),
        '¿' => Some("\\textquestiondown{}"),
        '©' => Some("\\textcopyright{}"),
        '®' => Some("\\textregistered{}"),
        '™' => Some("\\texttrademark{}"),
        '§' => Some("\\S{}"),
        '¶' => Some("\\P{}"),
        '£' => Some("\\pounds{}"),
        '€' => Some("\\texteuro{}"),
        '°' => Some("\\textdegree{}"),
        '†' => Some("\\textdagger{}"),
        '‡' => Some("\\textdaggerdbl{}"),
        '•' => Some("\\textbullet{}"),
        _ => None,
    };
    if let Some(s) = special {
        out.push_str(s);
        return;
    }
    if let Some(name) = greek_name(c) {
        // Adjacent Greek letters share one math group.
        if out.ends_with('$') && !out.ends_with("\\$") {
            out.pop();
            out.push('\\');
        } else {
            out.push_str("$\\");
        }
        out.push_str(name);
        out.push('$');
        return;
    }
    // A base letter with combining accents: `{\'e}`, `{\v{c}}`.
    let decomposed: Vec<char> = std::iter::once(c).nfd().collect();
    if decomposed.len() >= 2 && decomposed[0].is_ascii_alphabetic() {
        let accents: Option<Vec<&str>> = decomposed[1..].iter().map(|m| accent_command(*m)).collect();
        if let Some(accents) = accents {
            let base = match decomposed[0] {
                'i' if accents.iter().all(|a| !matches!(*a, "c" | "d" | "b" | "k")) => "\\i".to_string(),
                'j' if accents.iter().all(|a| !matches!(*a, "c" | "d" | "b" | "k")) => "\\j".to_string(),
                b => b.to_string(),
            };
            let mut inner = base;
            for (n, a) in accents.iter().enumerate() {
                let letter_cmd = a.chars().all(|c| c.is_ascii_alphabetic());
                inner = if n == 0 && !letter_cmd && inner.len() == 1 {
                    format!("\\{a}{inner}")
                } else {
                    format!("\\{a}{{{inner}}}")
                };
            }
            out.push('{');
            out.push_str(&inner);
            out.push('}');
            return;
        }
    }
    out.push(c);
}

fn accent_command(m: char) -> Option<&'static str> {
    Some(match m {
        '\u{300}' => "`",
        '\u{301}' => "'",
        '\u{302}' => "^",
        '\u{303}' => "~",
        '\u{304}' => "=",
        '\u{306}' => "u",
        '\u{307}' => ".",
        '\u{308}' => "\"",
        '\u{30A}' => "r",
        '\u{30B}' => "H",
        '\u{30C}' => "v",
        '\u{323}' => "d",
        '\u{327}' => "c",
        '\u{328}' => "k",
        '\u{331}' | '\u{332}' => "b",
        _ => return None,
    })
}

fn greek_name(c: char) -> Option<&'static str> {
    Some(match c {
        'α' => "alpha", 'β' => "beta", 'γ' => "gamma", 'δ' => "delta", 'ε' => "varepsilon", 'ϵ' => "epsilon",
        'ζ' => "zeta", 'η' => "eta", 'θ' => "theta", 'ι' => "iota", 'κ' => "kappa", 'λ' => "lambda", 'μ' => "mu",
        'ν' => "nu", 'ξ' => "xi", 'π' => "pi", 'ρ' => "rho", 'σ' => "sigma", 'ς' => "varsigma", 'τ' => "tau",
        'υ' => "upsilon", 'φ' => "varphi", 'ϕ' => "phi", 'χ' => "chi", 'ψ' => "psi", 'ω' => "omega",
        'Γ' => "Gamma", 'Δ' => "Delta", 'Θ' => "Theta", 'Λ' => "Lambda", 'Ξ' => "Xi", 'Π' => "Pi",
        'Σ' => "Sigma", 'Υ' => "Upsilon", 'Φ' => "Phi", 'Ψ' => "Psi", 'Ω' => "Omega",
        _ => return None,
    })
}
