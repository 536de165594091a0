//! Numbered notes into citations, linked across notes.
//!
//! Splitting: Springer's "1. 1." marker lines, "1. text", "1) text", "[1]
//! text" and superscript numbers ("¹ text"), each only when the numbers run in
//! sequence. Finding: a note is cut at top-level semicolons and at "as cited
//! in"; in each piece the citation starts at the piece's start, after a cue
//! ("see", "for example,", "cf."), or at a sentence start, whichever is the
//! first that reads as a citation: "Ibid." (with its locator), a short form
//! (family names and a title that begins an earlier full citation's title),
//! or a full citation ([`crate::parse::parse_full`]). What reads as none of
//! them is commentary. Linking: a short form and "ibid." point to the work of
//! the citation they stand for; "in ibid." takes the previous citation's
//! container; a full citation of a work cited before is the same work.

use std::sync::LazyLock;

use ibid_core::store::{match_title, CitationForm};
use ibid_core::{text, Work};
use regex::Regex;

use crate::names::{is_family_only, leading_list};
use crate::parse::{parse_full, split_locator, take_quoted, ReferenceParser};

/// One note as printed.
#[derive(Debug, Clone, PartialEq)]
pub struct RawNote {
    pub number: u32,
    pub text: String,
}

/// One citation in a note.
#[derive(Debug, Clone, PartialEq)]
pub struct Citation {
    /// Order within the note, from 0.
    pub position: usize,
    /// The citation as printed.
    pub text: String,
    pub form: CitationForm,
    pub locator: Option<String>,
    /// Index into [`NoteSet::works`]; `None` for an "ibid." with nothing before it.
    pub work: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub number: u32,
    pub text: String,
    pub citations: Vec<Citation>,
}

/// Every note, and the distinct works they cite (in order of first citation).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NoteSet {
    pub notes: Vec<Note>,
    pub works: Vec<Work>,
}

static SPRINGER_MARK: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\s*(\d{1,4})\.\s+(\d{1,4})\.\s*$").unwrap());
static DOT_MARK: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\s*(\d{1,4})\.\s+(\S.*)$").unwrap());
static PAREN_MARK: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\s*(\d{1,4})\)\s+(\S.*)$").unwrap());
static BRACKET_MARK: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\s*\[(\d{1,4})\]\s*(\S.*)$").unwrap());
static SUP_MARK: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\s*([⁰¹²³⁴⁵⁶⁷⁸⁹]+)\s*(\S.*)$").unwrap());

fn superscript_number(s: &str) -> Option<u32> {
    let digits: String = s
        .chars()
        .map(|c| match c {
            '⁰' => '0',
            '¹' => '1',
            '²' => '2',
            '³' => '3',
            '⁴' => '4',
            '⁵' => '5',
            '⁶' => '6',
            '⁷' => '7',
            '⁸' => '8',
            '⁹' => '9',
            c => c,
        })
        .collect();
    digits.parse().ok()
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Splits a Notes (or References) section into numbered notes.
pub fn split_notes(section: &str) -> Vec<RawNote> {
    let lines: Vec<&str> = section.lines().collect();
    // (line index, number, text on the marker line)
    type Marks = Vec<(usize, u32, String)>;
    let scan = |re: &Regex, sup: bool, pair: bool| -> Marks {
        let mut out: Marks = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            let Some(c) = re.captures(l) else { continue };
            let n = if sup { superscript_number(&c[1]) } else { c[1].parse().ok() };
            let Some(n) = n else { continue };
            if pair && c[2].parse::<u32>().ok() != Some(n) {
                continue;
            }
            let expected = out.last().map(|(_, k, _)| k + 1);
            if expected.is_some_and(|e| e != n) || (expected.is_none() && n > 20) {
                continue;
            }
            let rest = if pair { String::new() } else { c[2].to_string() };
            out.push((i, n, rest));
        }
        out
    };
    let candidates = [
        scan(&SPRINGER_MARK, false, true),
        scan(&BRACKET_MARK, false, false),
        scan(&DOT_MARK, false, false),
        scan(&PAREN_MARK, false, false),
        scan(&SUP_MARK, true, false),
    ];
    // The first shape with the most notes (Springer's marker lines also read as "1. 1.").
    let mut best: Marks = Vec::new();
    for c in candidates {
        if c.len() > best.len() {
            best = c;
        }
    }
    let mut notes = Vec::new();
    for (k, (line, n, first)) in best.iter().enumerate() {
        let end = best.get(k + 1).map(|m| m.0).unwrap_or(lines.len());
        let mut text = first.clone();
        for l in &lines[line + 1..end] {
            text.push(' ');
            text.push_str(l);
        }
        notes.push(RawNote { number: *n, text: collapse(&text) });
    }
    notes
}

/// Splits at `sep` outside quotes, parentheses and brackets.
fn split_top_level(s: &str, sep: char) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let (mut depth, mut quote, mut straight) = (0i32, 0i32, false);
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = (depth - 1).max(0),
            '“' => quote += 1,
            '”' => quote = (quote - 1).max(0),
            '"' => straight = !straight,
            c if c == sep && depth == 0 && quote == 0 && !straight => {
                out.push((start, &s[start..i]));
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push((start, &s[start..]));
    out
}

static CITED_IN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i),?\s+\b(?:as\s+)?(?:cited|quoted)\s+in\s+").unwrap());
static CUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:see(?:\s+also)?|cf\.|e\.g\.|for\s+example|for\s+instance|compare)(?:[,:])?\s+").unwrap()
});
static SENTENCE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"[.?!][”"’)]?\s+[“"A-Z]"#).unwrap());
static IBID: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)^ibid\.?(?:,\s*|\s+|$)(.*)$").unwrap());

/// A work seen in a full citation, for short forms to find.
struct Entry {
    families: Vec<String>,
    title: String,
    year: Option<i32>,
    index: usize,
}

/// The previous citation, for "ibid." and "in ibid.".
#[derive(Clone)]
struct Last {
    work: Option<usize>,
    container: Option<Work>,
}

enum Found {
    Ibid(Option<String>),
    Short(usize, Option<String>),
    NewShort(Box<Work>, Option<String>),
    Full,
}

/// Reads citations note by note, linking them as it goes.
pub struct Reader<'p> {
    parser: &'p dyn ReferenceParser,
    works: Vec<Work>,
    entries: Vec<Entry>,
    containers: Vec<Work>,
    last: Option<Last>,
}

fn families_of(w: &Work) -> Vec<String> {
    let role = if w.creators_in("author").next().is_some() {
        "author"
    } else if w.creators_in("editor").next().is_some() {
        "editor"
    } else {
        "contributor"
    };
    w.creators_in(role).filter_map(|c| c.family.as_deref().or(c.literal.as_deref())).map(text::fold).collect()
}

fn year_of(w: &Work) -> Option<i32> {
    ibid_core::csl::effective_issued(w).and_then(|d| d.year())
}

impl<'p> Reader<'p> {
    pub fn new(parser: &'p dyn ReferenceParser) -> Reader<'p> {
        Reader { parser, works: Vec::new(), entries: Vec::new(), containers: Vec::new(), last: None }
    }

    /// Reads every note, in order.
    pub fn read(parser: &dyn ReferenceParser, notes: Vec<RawNote>) -> NoteSet {
        let mut r = Reader::new(parser);
        let notes = notes.into_iter().map(|n| r.note(n)).collect();
        NoteSet { notes, works: r.works }
    }

    /// The citations in one note.
    pub fn note(&mut self, raw: RawNote) -> Note {
        let mut citations = Vec::new();
        for (_, seg) in split_top_level(&raw.text, ';') {
            let mut pieces = Vec::new();
            let mut from = 0;
            for m in CITED_IN.find_iter(seg) {
                pieces.push(&seg[from..m.start()]);
                from = m.end();
            }
            pieces.push(&seg[from..]);
            for piece in pieces {
                if let Some(c) = self.piece(piece, citations.len()) {
                    citations.push(c);
                }
            }
        }
        Note { number: raw.number, text: raw.text, citations }
    }

    fn piece(&mut self, piece: &str, position: usize) -> Option<Citation> {
        // After a cue first ("see", "for example,"), then the piece's start,
        // then each sentence start.
        let mut starts: Vec<usize> = CUE.find_iter(piece).map(|m| m.end()).collect();
        starts.push(0);
        let mut sentences: Vec<usize> =
            SENTENCE.find_iter(piece).map(|m| m.end() - m.as_str().chars().last().map_or(0, char::len_utf8)).collect();
        sentences.sort_unstable();
        starts.extend(sentences);
        let mut seen = std::collections::HashSet::new();
        starts.retain(|s| seen.insert(*s));
        for s in starts {
            let cand = piece[s..].trim().trim_end_matches([',', ';', ' ']);
            if cand.is_empty() {
                continue;
            }
            if let Some(found) = self.classify(cand) {
                return Some(self.link(found, cand, position));
            }
        }
        None
    }

    fn classify(&self, cand: &str) -> Option<Found> {
        if let Some(c) = IBID.captures(cand) {
            let rest = c[1].trim().trim_end_matches('.');
            let loc = if rest.is_empty() {
                None
            } else {
                split_locator(&format!(", {rest}")).1.or_else(|| Some(rest.to_string()))
            };
            return Some(Found::Ibid(loc));
        }
        let short = self.short_form(cand);
        if let Some((Some(i), loc)) = &short {
            return Some(Found::Short(*i, loc.clone()));
        }
        if parse_full(cand).is_some() {
            return Some(Found::Full);
        }
        match short {
            Some((None, Some(loc))) => {
                let (w, _) = self.unmatched_short(cand)?;
                Some(Found::NewShort(Box::new(w), Some(loc)))
            }
            _ => None,
        }
    }

    /// Family names and a title: `Some((matched entry, locator))`; the entry
    /// is `None` when the shape fits but no earlier full citation does.
    fn short_form(&self, cand: &str) -> Option<(Option<usize>, Option<String>)> {
        let t = cand.trim_end_matches('.');
        let (body, loc) = split_locator(t);
        let body = body.trim().trim_end_matches(',');
        let parts = leading_list(body, &|p: &str| is_family_only(p))?;
        let mut shaped = false;
        for k in (1..=parts.len()).rev() {
            let mut rest = &body[parts[k - 1].1..];
            let et_al = rest.starts_with(" et al.");
            if et_al {
                rest = &rest[" et al.".len()..];
            }
            let Some(title) = rest.strip_prefix(", ") else { continue };
            let title = take_quoted(title).map(|(t, _)| t).unwrap_or(title).trim().trim_end_matches(',');
            let nt = match_title(title);
            if nt.is_empty() || title.starts_with(|c: char| c.is_lowercase()) {
                continue;
            }
            shaped = true;
            let fams: Vec<String> = parts[..k].iter().map(|(p, _)| text::fold(p)).collect();
            let hit = self.entries.iter().rev().find(|e| {
                let fam_ok = if et_al { e.families.first() == fams.first() } else { e.families == fams };
                fam_ok && (e.title == nt || e.title.starts_with(&format!("{nt} ")))
            });
            if let Some(e) = hit {
                return Some((Some(e.index), loc));
            }
        }
        shaped.then_some((None, loc))
    }

    fn unmatched_short(&self, cand: &str) -> Option<(Work, Option<String>)> {
        let t = cand.trim_end_matches('.');
        let (body, loc) = split_locator(t);
        let body = body.trim().trim_end_matches(',');
        let parts = leading_list(body, &|p: &str| is_family_only(p))?;
        let (_, end) = *parts.last()?;
        let title = body[end..].trim_start_matches(", ");
        let title = take_quoted(title).map(|(t, _)| t).unwrap_or(title).trim().trim_end_matches(',');
        let mut w = Work::new("document");
        w.title = Some(title.to_string());
        for (p, _) in &parts {
            w.creators.push(ibid_core::Creator { role: "author".into(), family: Some(p.to_string()), ..Default::default() });
        }
        Some((w, loc))
    }

    fn link(&mut self, found: Found, cand: &str, position: usize) -> Citation {
        let (form, work, locator) = match found {
            Found::Ibid(loc) => (CitationForm::Ibid, self.last.as_ref().and_then(|l| l.work), loc),
            Found::Short(i, loc) => (CitationForm::Short, Some(i), loc),
            Found::NewShort(w, loc) => (CitationForm::Short, Some(self.add_work(*w)), loc),
            Found::Full => {
                let full = parse_full(cand).expect("classified as full");
                let mut parsed = self.parser.parse(cand);
                if parsed.locator.is_none() {
                    parsed.locator = full.parsed.locator.clone();
                }
                let mut w = parsed.work;
                if full.container_is_ibid {
                    // "…,” 14 August 1949, in ibid.": a parser may read the
                    // only date as the (unnamed) container's; it is the work's.
                    let read_date = w.parent.as_deref().and_then(|p| p.issued.clone());
                    if w.issued.is_none() {
                        w.issued = read_date;
                    }
                    let last = self.last.clone();
                    let container = last.as_ref().and_then(|l| l.container.clone().or_else(|| l.work.map(|i| self.works[i].clone())));
                    if let Some(mut c) = container {
                        c.key = None;
                        if w.volume.is_none() {
                            w.volume = c.volume.clone();
                        }
                        w.parent = Some(Box::new(c));
                    }
                }
                self.complete_container(&mut w);
                own_date_to_original(&mut w);
                (CitationForm::Full, Some(self.add_work(w)), parsed.locator)
            }
        };
        let container = work.and_then(|i| self.works[i].parent.as_deref().cloned());
        self.last = Some(Last { work, container });
        Citation { position, text: cand.to_string(), form, locator, work }
    }

    /// A container named briefly ("in Selected Works of Mao Tse-tung, vol. 4")
    /// is completed from an earlier, fuller mention of it.
    fn complete_container(&mut self, w: &mut Work) {
        let Some(p) = w.parent.as_deref_mut() else { return };
        let key = (p.title.as_deref().map(match_title), p.volume.clone());
        if let Some(known) = self.containers.iter().find(|c| (c.title.as_deref().map(match_title), c.volume.clone()) == key) {
            p.fill_from(known);
        }
        if p.work_type == "book" {
            self.containers.push(p.clone());
        }
    }

    /// The index of `w` among the cited works: an earlier one with the same
    /// title, first family name and year, or a new one.
    fn add_work(&mut self, w: Work) -> usize {
        let title = w.title.as_deref().map(match_title).unwrap_or_default();
        let families = families_of(&w);
        let year = year_of(&w);
        if let Some(e) = self.entries.iter().find(|e| {
            e.title == title && e.families.first() == families.first() && (e.year == year || e.year.is_none() || year.is_none())
        }) {
            let i = e.index;
            self.works[i].fill_from(&w);
            return i;
        }
        if w.work_type == "book" {
            self.containers.push(w.clone());
        }
        let index = self.works.len();
        self.works.push(w);
        self.entries.push(Entry { families, title, year, index });
        index
    }
}

/// A document in a book with a date of its own ("“Cast Away Illusions,” 14
/// August 1949, in ibid.") beside the book's: that is its original date; it
/// is published when its book is.
fn own_date_to_original(w: &mut Work) {
    if w.work_type != "chapter" || w.extra.contains_key("original-date") {
        return;
    }
    let book = w.parent.as_deref().and_then(|p| p.issued.clone());
    if let (Some(own), Some(book)) = (w.issued.clone(), book) {
        if own != book {
            w.extra.insert("original-date".into(), own.to_csl());
            w.issued = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::RuleParser;

    fn read(notes: &[&str]) -> NoteSet {
        let raw = notes.iter().enumerate().map(|(i, t)| RawNote { number: i as u32 + 1, text: t.to_string() }).collect();
        Reader::read(&RuleParser, raw)
    }

    fn forms(n: &Note) -> Vec<(&'static str, Option<usize>, Option<&str>)> {
        n.citations.iter().map(|c| (c.form.as_str(), c.work, c.locator.as_deref())).collect()
    }

    #[test]
    fn splits_springer_markers() {
        let s = "  1. 1.\n\n    First note\n    goes on.\n\n  2. 2.\n\n    Second.\n";
        let n = split_notes(s);
        assert_eq!(n, vec![RawNote { number: 1, text: "First note goes on.".into() }, RawNote { number: 2, text: "Second.".into() }]);
    }

    #[test]
    fn splits_other_shapes_in_sequence_only() {
        let n = split_notes("1. One.\n2. Two, continued\non a line.\n1949. Not a note.\n3. Three.");
        assert_eq!(n.iter().map(|n| n.number).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(n[1].text, "Two, continued on a line. 1949. Not a note.");
        let n = split_notes("[1] A.\n[2] B.");
        assert_eq!(n.iter().map(|n| n.text.as_str()).collect::<Vec<_>>(), ["A.", "B."]);
        let n = split_notes("¹ A.\n² B.\n³ C.");
        assert_eq!(n.len(), 3);
        let n = split_notes("1) A.\n2) B.");
        assert_eq!(n.len(), 2);
    }

    #[test]
    fn commentary_only() {
        let s = read(&["Ivan Kovalev was minister of transportation during World War II. He was replaced by Ivan Arkhipov."]);
        assert!(s.notes[0].citations.is_empty());
        assert!(s.works.is_empty());
    }

    #[test]
    fn semicolons_cues_and_short_forms() {
        let s = read(&[
            "For reactions, see Sergei Goncharov, John Lewis, and Xue Litai, Uncertain Partners, Stalin, Mao, and the Korean War (Stanford, CA: Stanford University Press, 1993), pp. 41–43; Dieter Heinzig, The Soviet Union and Communist China, 1945–1950: The Arduous Road to the Alliance (New York: M. E. Sharpe, 2004), pp. 135–36.",
            "Heinzig notes that “it would be a quarter of a century.” Heinzig, The Soviet Union and Communist China, p. 255.",
            "Goncharov, Lewis and Xue, Uncertain Partners, p. 64.",
            "Ibid., p. 65.",
            "Ibid.",
        ]);
        assert_eq!(forms(&s.notes[0]), [("full", Some(0), Some("pp. 41–43")), ("full", Some(1), Some("pp. 135–36"))]);
        assert_eq!(forms(&s.notes[1]), [("short", Some(1), Some("p. 255"))]);
        assert_eq!(forms(&s.notes[2]), [("short", Some(0), Some("p. 64"))], "{:#?}", s.works);
        assert_eq!(forms(&s.notes[3]), [("ibid", Some(0), Some("p. 65"))]);
        assert_eq!(forms(&s.notes[4]), [("ibid", Some(0), None)]);
        assert_eq!(s.notes[1].citations[0].text, "Heinzig, The Soviet Union and Communist China, p. 255.");
    }

    #[test]
    fn as_cited_in_gives_two_citations() {
        let s = read(&[
            "Dieter Heinzig, The Soviet Union and Communist China, 1945–1950 (New York: M. E. Sharpe, 2004), p. 1.",
            "Andrei Ledovskii, Nanjing zhaji [Random Notes in Nanjing] (unpublished ms.), pp. 47, 52, 54, as cited in Heinzig, The Soviet Union and Communist China, pp. 232–45.",
        ]);
        assert_eq!(forms(&s.notes[1]), [("full", Some(1), Some("pp. 47, 52, 54")), ("short", Some(0), Some("pp. 232–45"))]);
    }

    #[test]
    fn in_ibid_takes_the_previous_container_and_brief_containers_are_completed() {
        let s = read(&[
            "“On the People’s Democratic Dictatorship,” 30 June 1949, in Selected Works of Mao Tse-tung, vol. 4 (Peking: Foreign Languages Press, 1961), pp. 416–417.",
            "See, for example, “Farewell, Leighton Stuart,” in Selected Works of Mao Tse-tung, vol. 4, pp. 433–39; “Cast Away Illusions, Prepare for Struggle,” 14 August 1949, in ibid., pp. 425–32.",
        ]);
        assert_eq!(forms(&s.notes[1]), [("full", Some(1), Some("pp. 433–39")), ("full", Some(2), Some("pp. 425–32"))]);
        for w in &s.works {
            let book = w.parent.as_deref().unwrap();
            assert_eq!((book.title.as_deref(), book.publisher.as_deref(), book.year()), (Some("Selected Works of Mao Tse-tung"), Some("Foreign Languages Press"), Some(1961)));
        }
    }

    #[test]
    fn the_same_work_cited_in_full_twice_is_one_work() {
        let s = read(&[
            "Zhihua Shen, Mao, Stalin and the Korean War, tr. Neil Silver (London: Routledge, 2012), p. 79.",
            "Zhihua Shen, Mao, Stalin and the Korean War, tr. Neil Silver (London: Routledge, 2012), p. 80.",
            "Shen, Mao, Stalin and the Korean War, p. 81.",
        ]);
        assert_eq!(s.works.len(), 1);
        assert_eq!(forms(&s.notes[2]), [("short", Some(0), Some("p. 81"))]);
    }

    #[test]
    fn an_unmatched_short_form_is_a_work_of_its_own() {
        let s = read(&["Kirby, China Unbound, p. 12."]);
        assert_eq!(forms(&s.notes[0]), [("short", Some(0), Some("p. 12"))]);
        assert_eq!(s.works[0].title.as_deref(), Some("China Unbound"));
    }
}
