//! A deterministic generator of realistic CSL-JSON libraries.
//!
//! The same `(works, seed)` always gives the same items, byte for byte. Items
//! are produced one at a time ([`Generator`] is an iterator) and written as a
//! stream, so a million-work file never has to be held in memory.
//!
//! The mix (by item): ~55 % journal articles (about 2,000 journals with an
//! ISSN each), ~15 % books, ~18 % chapters of edited volumes (several
//! chapters per volume, so containment is exercised: the volume and its
//! series become container records), ~6 % reports, ~6 % theses. Titles come
//! from a Cold War / international history vocabulary mixed with general
//! scholarly topics; creators' names carry diacritics and particles; about
//! half the items have a 50–150 word abstract; 90 % have a unique lower-case
//! DOI `10.5555/bench.N` (see [`doi_of`]).
//!
//! What CSL-JSON cannot carry (tags, collections, notes, citations) comes
//! from [`org`], on a random stream of its own: the CSL-JSON of a seed is
//! the same with or without it.

pub mod org;

use std::collections::HashSet;
use std::io::{self, Write};

use fastrand::Rng;
use serde_json::{json, Map, Value};

/// Journals in the pool (the issue asks for about 2,000 distinct ones).
pub const JOURNALS: usize = 2_000;
/// Book series in the pool.
const SERIES: usize = 240;

/// The DOI item `i` has, if any: every item but one in ten.
pub fn doi_of(i: usize) -> Option<String> {
    (i % 10 != 9).then(|| format!("10.5555/bench.{i}"))
}

/// Writes `n` items for `seed` as a JSON array, one item per line.
pub fn write_json(n: usize, seed: u64, out: impl Write) -> io::Result<()> {
    let mut out = io::BufWriter::with_capacity(1 << 20, out);
    out.write_all(b"[")?;
    for (i, item) in Generator::new(n, seed).enumerate() {
        out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut out, &item)?;
    }
    out.write_all(b"\n]\n")?;
    out.flush()
}

#[derive(Clone)]
struct Name {
    family: String,
    given: Option<String>,
    particle: Option<&'static str>,
}

impl Name {
    fn to_csl(&self) -> Value {
        let mut o = Map::new();
        o.insert("family".into(), Value::String(self.family.clone()));
        if let Some(g) = &self.given {
            o.insert("given".into(), Value::String(g.clone()));
        }
        if let Some(p) = self.particle {
            o.insert("non-dropping-particle".into(), Value::String(p.into()));
        }
        Value::Object(o)
    }
}

struct Journal {
    title: String,
    issn: String,
}

struct Series {
    title: String,
    editors: Vec<Name>,
}

/// An edited volume: the container of several chapters.
struct Volume {
    title: String,
    editors: Vec<Name>,
    isbn: Vec<String>,
    publisher: &'static str,
    place: &'static str,
    year: i32,
    series: Option<usize>,
}

/// Yields the items of one library, in order.
pub struct Generator {
    rng: Rng,
    n: usize,
    i: usize,
    journals: Vec<Journal>,
    series: Vec<Series>,
    volumes: Vec<Volume>,
}

impl Generator {
    pub fn new(n: usize, seed: u64) -> Generator {
        // The pools come from their own stream, so that they do not depend
        // on how many random numbers an item happens to draw.
        let mut pool = Rng::with_seed(seed ^ 0x9e37_79b9_7f4a_7c15);
        let journals = journal_pool(&mut pool);
        let series = series_pool(&mut pool);
        // ~18 % chapters, ~8 per volume on average.
        let n_volumes = (n * 18 / 100 / 8).max(4);
        let volumes = volume_pool(&mut pool, n_volumes);
        Generator { rng: Rng::with_seed(seed), n, i: 0, journals, series, volumes }
    }

    fn item(&mut self, i: usize) -> Value {
        let r = self.rng.u32(0..100);
        let mut o = Map::new();
        let kind = match r {
            0..55 => "article-journal",
            55..70 => "book",
            70..88 => "chapter",
            88..94 => "report",
            _ => "thesis",
        };
        o.insert("type".into(), Value::String(kind.into()));
        // A chapter belongs to an edited volume and has its year.
        let volume = (kind == "chapter").then(|| self.rng.usize(..self.volumes.len()));
        let year = match volume {
            Some(v) => self.volumes[v].year,
            None => random_year(&mut self.rng),
        };
        let title = title(&mut self.rng);
        let n_authors = match kind {
            "article-journal" => weighted(&mut self.rng, &[38, 26, 15, 10, 6, 5]) + 1,
            "thesis" => 1,
            _ => weighted(&mut self.rng, &[60, 25, 10, 3, 1, 1]) + 1,
        };
        let authors: Vec<Name> = (0..n_authors).map(|_| name(&mut self.rng)).collect();
        o.insert("id".into(), Value::String(citation_key(&authors, year, &title, i)));
        o.insert("title".into(), Value::String(title));
        if kind == "report" && self.rng.u32(0..4) == 0 {
            o.insert("author".into(), json!([{ "literal": pick(&mut self.rng, INSTITUTIONS) }]));
        } else {
            o.insert("author".into(), Value::Array(authors.iter().map(Name::to_csl).collect()));
        }
        match kind {
            "article-journal" => {
                // A few journals carry most articles, as in real libraries.
                let u = self.rng.f64();
                let j = &self.journals[((u * u * u) * JOURNALS as f64) as usize % JOURNALS];
                o.insert("container-title".into(), Value::String(j.title.clone()));
                o.insert("ISSN".into(), Value::String(j.issn.clone()));
                o.insert("volume".into(), Value::String(self.rng.u32(1..80).to_string()));
                if self.rng.u32(0..5) != 0 {
                    o.insert("issue".into(), Value::String(self.rng.u32(1..12).to_string()));
                }
                let first = self.rng.u32(1..900);
                o.insert("page".into(), Value::String(format!("{first}-{}", first + self.rng.u32(4..40))));
                o.insert("issued".into(), date(&mut self.rng, year));
            }
            "book" => {
                let isbn = isbn13(1, i as u64);
                let mut isbns = vec![hyphenated_or_not(&mut self.rng, &isbn)];
                if self.rng.u32(0..5) == 0 {
                    isbns.push(isbn13(2, i as u64));
                }
                o.insert("ISBN".into(), json!(isbns));
                let (publisher, place) = pick(&mut self.rng, PUBLISHERS);
                o.insert("publisher".into(), Value::String(publisher.into()));
                o.insert("publisher-place".into(), Value::String(place.into()));
                if self.rng.u32(0..6) == 0 {
                    o.insert("edition".into(), Value::String(self.rng.u32(2..6).to_string()));
                }
                if self.rng.u32(0..3) == 0 {
                    self.put_series(&mut o, None);
                }
                if self.rng.u32(0..20) == 0 {
                    o.insert("translator".into(), json!([name(&mut self.rng).to_csl()]));
                }
                o.insert("number-of-pages".into(), Value::String(self.rng.u32(120..720).to_string()));
                o.insert("issued".into(), date_year(year));
            }
            "chapter" => {
                let v = &self.volumes[volume.expect("a chapter has a volume")];
                o.insert("container-title".into(), Value::String(v.title.clone()));
                o.insert("editor".into(), Value::Array(v.editors.iter().map(Name::to_csl).collect()));
                o.insert("ISBN".into(), json!(v.isbn));
                o.insert("publisher".into(), Value::String(v.publisher.into()));
                o.insert("publisher-place".into(), Value::String(v.place.into()));
                let first = self.rng.u32(1..500);
                o.insert("page".into(), Value::String(format!("{first}-{}", first + self.rng.u32(10..45))));
                o.insert("issued".into(), date_year(year));
                if let Some(s) = v.series {
                    self.put_series(&mut o, Some(s));
                }
            }
            "report" => {
                o.insert("publisher".into(), Value::String(pick(&mut self.rng, INSTITUTIONS).into()));
                o.insert("publisher-place".into(), Value::String(pick(&mut self.rng, PLACES_OF_PUBLICATION).into()));
                o.insert("number".into(), Value::String(format!("{}-{}", pick(&mut self.rng, &["R", "WP", "DP", "TR", "No."]), self.rng.u32(1..5000))));
                o.insert("genre".into(), Value::String(pick(&mut self.rng, &["Working paper", "Research report", "Policy brief", "Technical report"]).into()));
                if self.rng.u32(0..3) == 0 {
                    self.put_series(&mut o, None);
                }
                o.insert("issued".into(), date(&mut self.rng, year));
            }
            _ => {
                o.insert("publisher".into(), Value::String(pick(&mut self.rng, UNIVERSITIES).into()));
                o.insert("publisher-place".into(), Value::String(pick(&mut self.rng, PLACES_OF_PUBLICATION).into()));
                o.insert("genre".into(), Value::String(pick(&mut self.rng, &["PhD dissertation", "Doctoral thesis", "MA thesis", "Habilitationsschrift"]).into()));
                o.insert("issued".into(), date_year(year));
            }
        }
        if let Some(doi) = doi_of(i) {
            o.insert("DOI".into(), Value::String(doi));
        }
        if self.rng.bool() {
            o.insert("abstract".into(), Value::String(abstract_text(&mut self.rng, kind)));
        }
        if self.rng.u32(0..4) == 0 {
            o.insert("URL".into(), Value::String(format!("https://example.org/bench/{i}")));
        }
        if self.rng.u32(0..3) == 0 {
            o.insert("language".into(), Value::String(pick(&mut self.rng, &["en", "en", "en", "de", "fr", "ru", "zh", "pl"]).into()));
        }
        Value::Object(o)
    }

    /// `collection-title` (and editors, if the series has them).
    fn put_series(&mut self, o: &mut Map<String, Value>, which: Option<usize>) {
        let s = &self.series[which.unwrap_or_else(|| self.rng.usize(..self.series.len()))];
        o.insert("collection-title".into(), Value::String(s.title.clone()));
        if !s.editors.is_empty() {
            o.insert("collection-editor".into(), Value::Array(s.editors.iter().map(Name::to_csl).collect()));
        }
    }
}

impl Iterator for Generator {
    type Item = Value;
    fn next(&mut self) -> Option<Value> {
        if self.i >= self.n {
            return None;
        }
        let i = self.i;
        self.i += 1;
        Some(self.item(i))
    }
}

// ---------------------------------------------------------------------------
// Pools

fn journal_pool(rng: &mut Rng) -> Vec<Journal> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(JOURNALS);
    for real in REAL_JOURNALS {
        seen.insert(real.to_string());
    }
    let mut titles: Vec<String> = REAL_JOURNALS.iter().map(|s| s.to_string()).collect();
    while titles.len() < JOURNALS {
        let field = pick(rng, FIELDS);
        let t = match rng.u32(0..10) {
            0 => format!("Journal of {field}"),
            1 => format!("{} Journal of {field}", pick(rng, &["International", "European", "American", "Asian", "Nordic", "Canadian"])),
            2 => format!("{field} Review"),
            3 => format!("{} {field} Quarterly", pick(rng, REGIONS)),
            4 => format!("Studies in {} {field}", pick(rng, REGIONS)),
            5 => format!("{} Studies in {field}", pick(rng, &["Comparative", "Critical", "Contemporary", "Historical"])),
            6 => format!("Annals of {field}"),
            7 => format!("{field} and {}", pick(rng, FIELDS)),
            8 => format!("{} Journal of {field}", pick(rng, REGIONS)),
            _ => format!("Zeitschrift für {}", pick(rng, GERMAN_FIELDS)),
        };
        if seen.insert(t.clone()) {
            titles.push(t);
        }
    }
    for (j, title) in titles.into_iter().enumerate() {
        // Distinct 7-digit bodies, with their real check digit.
        out.push(Journal { title, issn: issn(1_000_000 + j as u32 * 4_001) });
    }
    out
}

fn series_pool(rng: &mut Rng) -> Vec<Series> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(SERIES);
    for real in REAL_SERIES {
        seen.insert(real.to_string());
        out.push(Series { title: real.to_string(), editors: Vec::new() });
    }
    while out.len() < SERIES {
        let t = match rng.u32(0..5) {
            0 => format!("{} Studies in {}", pick(rng, PUBLISHERS).0, pick(rng, FIELDS)),
            1 => format!("New Perspectives on {}", pick(rng, FIELDS)),
            2 => format!("{} {} Series", pick(rng, REGIONS), pick(rng, FIELDS)),
            3 => format!("Beiträge zur {}", pick(rng, GERMAN_FIELDS)),
            _ => format!("{} Library of {}", pick(rng, &["Routledge", "Palgrave", "Cambridge", "Oxford", "Brill"]), pick(rng, FIELDS)),
        };
        if seen.insert(t.clone()) {
            let editors = if rng.u32(0..3) == 0 { (0..rng.usize(1..3)).map(|_| name(rng)).collect() } else { Vec::new() };
            out.push(Series { title: t, editors });
        }
    }
    out
}

fn volume_pool(rng: &mut Rng, n: usize) -> Vec<Volume> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let topic = topic(rng);
        let base = match rng.u32(0..6) {
            0 => format!("The {} Handbook of {}", pick(rng, &["Routledge", "Oxford", "Cambridge", "Palgrave", "Wiley Blackwell"]), topic),
            1 => format!("{} in {}: New Perspectives", topic, pick(rng, PLACES)),
            2 => format!("Essays on {}, {}", topic, year_range(rng)),
            3 => format!("{} Reconsidered: Essays in Honour of {}", topic, full_name(&name(rng))),
            4 => format!("{} and {}: A Reader", topic, pick(rng, NOUNS)),
            _ => format!("New Histories of {}, {}", topic, year_range(rng)),
        };
        let mut t = title_case(&base);
        let mut k = 2;
        while !seen.insert(t.clone()) {
            t = format!("{}, Volume {}", title_case(&base), roman(k));
            k += 1;
        }
        let idx = out.len() as u64;
        let mut isbn = vec![isbn13(3, idx)];
        if rng.u32(0..4) == 0 {
            isbn.push(isbn13(4, idx));
        }
        let editors = (0..weighted(rng, &[45, 40, 15]) + 1).map(|_| name(rng)).collect();
        let (publisher, place) = pick(rng, PUBLISHERS);
        let series = (rng.u32(0..5) < 3).then(|| rng.usize(..SERIES));
        out.push(Volume { title: t, editors, isbn, publisher, place, year: random_year(rng), series });
    }
    out
}

// ---------------------------------------------------------------------------
// Identifiers

/// An ISBN-13 with a valid check digit: 978 (or 979 for `space` 2 and 4),
/// then a registration group and an 8-digit number unique per `(space, n)`.
fn isbn13(space: u32, n: u64) -> String {
    let prefix = match space {
        1 => "9781",
        2 => "9791",
        3 => "9783",
        _ => "9790",
    };
    // A 979-0 ISBN is an ISMN (music); use 979-8 for the fourth space instead.
    let prefix = if prefix == "9790" { "9798" } else { prefix };
    // n -> n * 7919 + c (mod 10^8) is one-to-one (7919 is prime to 10), and
    // spreads the numbers out like real registrants' ranges.
    let body = format!("{prefix}{:08}", (n % 100_000_000 * 7_919 + 1_234_567) % 100_000_000);
    let sum: u32 = body.bytes().enumerate().map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 }).sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

fn hyphenated_or_not(rng: &mut Rng, isbn: &str) -> String {
    if rng.bool() {
        format!("{}-{}-{}-{}-{}", &isbn[..3], &isbn[3..4], &isbn[4..9], &isbn[9..12], &isbn[12..])
    } else {
        isbn.to_string()
    }
}

/// `NNNN-NNNC` for a 7-digit body, with its check digit (0–9 or X).
fn issn(body: u32) -> String {
    let d = format!("{:07}", body % 10_000_000);
    let sum: u32 = d.bytes().enumerate().map(|(i, b)| u32::from(b - b'0') * (8 - i as u32)).sum();
    let c = (11 - sum % 11) % 11;
    let c = if c == 10 { 'X' } else { char::from_digit(c, 10).expect("a digit") };
    format!("{}-{}{}", &d[..4], &d[4..], c)
}

fn citation_key(authors: &[Name], year: i32, title: &str, i: usize) -> String {
    let fam: String = ibid_core::text::fold(&authors[0].family).chars().filter(|c| c.is_ascii_alphabetic()).collect();
    let word: String = ibid_core::text::fold(title)
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| w.len() > 3 && !["the", "and", "from", "with"].contains(w))
        .unwrap_or("x")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    // A suffix keeps keys unique, as a reference manager would.
    format!("{fam}{year}{word}-{i}")
}

// ---------------------------------------------------------------------------
// Text

fn pick<T: Copy>(rng: &mut Rng, xs: &[T]) -> T {
    xs[rng.usize(..xs.len())]
}

/// Index drawn with the given relative weights.
fn weighted(rng: &mut Rng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut r = rng.u32(0..total);
    for (i, w) in weights.iter().enumerate() {
        if r < *w {
            return i;
        }
        r -= w;
    }
    weights.len() - 1
}

/// 1900–2025, recent years more likely.
fn random_year(rng: &mut Rng) -> i32 {
    let u = rng.f64();
    2025 - (u * u * 126.0) as i32
}

fn date_year(year: i32) -> Value {
    json!({ "date-parts": [[year]] })
}

fn date(rng: &mut Rng, year: i32) -> Value {
    match rng.u32(0..3) {
        0 => date_year(year),
        1 => json!({ "date-parts": [[year, rng.u32(1..13)]] }),
        _ => json!({ "date-parts": [[year, rng.u32(1..13), rng.u32(1..29)]] }),
    }
}

/// A year that a title would name: salient years of the period most often.
fn title_year(rng: &mut Rng) -> i32 {
    if rng.bool() {
        pick(rng, SALIENT_YEARS)
    } else {
        rng.i32(1900..2011)
    }
}

fn year_range(rng: &mut Rng) -> String {
    let a = title_year(rng);
    format!("{a}–{}", (a + rng.i32(1..31)).min(2025))
}

fn topic(rng: &mut Rng) -> &'static str {
    if rng.u32(0..100) < 60 {
        pick(rng, HISTORY_TOPICS)
    } else {
        pick(rng, GENERAL_TOPICS)
    }
}

fn title(rng: &mut Rng) -> String {
    if rng.u32(0..100) < 3 {
        return foreign_title(rng);
    }
    let t = topic(rng);
    let raw = match rng.u32(0..14) {
        0 => format!("{t}: {}", pick(rng, SUBTITLES)),
        1 => format!("{} and {} in {}, {}", cap(pick(rng, NOUNS)), pick(rng, NOUNS), pick(rng, PLACES), year_range(rng)),
        2 => format!("{t} and {}", topic(rng)),
        3 => format!("the {} {}: {t} in {}", pick(rng, ADJECTIVES), pick(rng, NOUNS), pick(rng, PLACES)),
        4 => format!("{t} in {}, {}", pick(rng, PLACES), year_range(rng)),
        5 => format!("{} {t}: {}", pick(rng, GERUNDS), pick(rng, SUBTITLES)),
        6 => format!("between {} and {}: {t}, {}", pick(rng, PLACES), pick(rng, PLACES), title_year(rng)),
        7 => format!("{t}, {}", title_year(rng)),
        8 => format!("from {} to {}: {t} in {}", pick(rng, NOUNS), pick(rng, NOUNS), pick(rng, PLACES)),
        9 => format!("{} and the {} of {t}", pick(rng, NOUNS), pick(rng, ABSTRACT_NOUNS)),
        10 => format!("the {} of {t}, {}", pick(rng, ABSTRACT_NOUNS), year_range(rng)),
        11 => format!("{} {}: {t} and the {} of {}", pick(rng, ADJECTIVES), pick(rng, NOUNS), pick(rng, ABSTRACT_NOUNS), pick(rng, PLACES)),
        12 => format!("{} {t} in the {}", pick(rng, GERUNDS), pick(rng, ERAS)),
        _ => format!("{t}: {} {} in {}", pick(rng, ADJECTIVES), pick(rng, NOUNS), pick(rng, PLACES)),
    };
    // Most titles arrive in title case; some (Crossref) in sentence case.
    if rng.u32(0..10) < 7 {
        title_case(&raw)
    } else {
        sentence_case(&raw)
    }
}

fn foreign_title(rng: &mut Rng) -> String {
    let a = title_year(rng);
    let b = (a + rng.i32(1..20)).min(2025);
    match rng.u32(0..6) {
        0 => format!("Die sowjetisch-chinesischen Beziehungen {a}–{b}: {}", pick(rng, &["Eine Neubewertung", "Quellen und Deutungen", "Bündnis und Bruch"])),
        1 => format!("Les relations sino-soviétiques de {a} à {b} : {}", pick(rng, &["une alliance inégale", "archives et témoignages", "idéologie et intérêts"])),
        2 => format!("Советско-китайские отношения, {a}–{b} гг."),
        3 => format!("中苏关系史纲 ({a}–{b})"),
        4 => format!("Stosunki polsko-radzieckie w latach {a}–{b}"),
        _ => format!("Der Kalte Krieg in {}, {a}–{b}", pick(rng, &["Europa", "Asien", "Ostmitteleuropa", "Skandinavien", "der Dritten Welt"])),
    }
}

const SMALL_WORDS: &[&str] = &["a", "an", "the", "and", "or", "of", "in", "on", "to", "for", "with", "from", "at", "by", "as", "vs."];

fn cap(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn title_case(s: &str) -> String {
    let mut out = Vec::new();
    let mut after_colon = true;
    for w in s.split(' ') {
        let word = if !after_colon && SMALL_WORDS.contains(&w) {
            w.to_string()
        } else {
            w.split('-').map(cap).collect::<Vec<_>>().join("-")
        };
        after_colon = w.ends_with(':');
        out.push(word);
    }
    out.join(" ")
}

fn sentence_case(s: &str) -> String {
    s.split(": ").map(cap).collect::<Vec<_>>().join(": ")
}

fn name(rng: &mut Rng) -> Name {
    let r = rng.u32(0..100);
    let (family, particle) = if r < 4 {
        let (p, f) = pick(rng, PARTICLE_FAMILIES);
        (f.to_string(), Some(p))
    } else {
        (pick(rng, FAMILIES).to_string(), None)
    };
    let given = match rng.u32(0..20) {
        0 => None,
        1 | 2 => {
            let g = pick(rng, GIVEN);
            let second = pick(rng, GIVEN);
            Some(format!("{}. {}.", g.chars().next().unwrap_or('A'), second.chars().next().unwrap_or('B')))
        }
        3 => Some(format!("{} {}", pick(rng, GIVEN), pick(rng, GIVEN))),
        _ => Some(pick(rng, GIVEN).to_string()),
    };
    Name { family, given, particle }
}

fn full_name(n: &Name) -> String {
    let mut s = String::new();
    if let Some(g) = &n.given {
        s.push_str(g);
        s.push(' ');
    }
    if let Some(p) = n.particle {
        s.push_str(p);
        s.push(' ');
    }
    s.push_str(&n.family);
    s
}

fn abstract_text(rng: &mut Rng, kind: &str) -> String {
    let target = rng.usize(50..151);
    let noun = match kind {
        "article-journal" => "article",
        "book" => "book",
        "chapter" => "chapter",
        "report" => "report",
        _ => "thesis",
    };
    let mut words = 0;
    let mut out: Vec<String> = Vec::new();
    let mut first = true;
    while words < target {
        let s = if first {
            first = false;
            let from = title_year(rng);
            let to = (from + rng.i32(1..41)).min(2025);
            format!("This {noun} examines {} in {} between {from} and {to}.", topic(rng), pick(rng, PLACES))
        } else {
            let t = rng.u32(0..10);
            match t {
                0 => format!("Drawing on {}, it argues that {} was shaped by {} as much as by {}.", pick(rng, SOURCES), pick(rng, NOUNS), pick(rng, NOUNS), pick(rng, ABSTRACT_NOUNS)),
                1 => format!("The {} shows how {} and {} interacted in {}.", pick(rng, &["analysis", "study", "evidence", "argument"]), pick(rng, NOUNS), topic(rng), pick(rng, PLACES)),
                2 => format!("It revisits the {} of {} and questions the familiar account of {}.", pick(rng, ABSTRACT_NOUNS), topic(rng), topic(rng)),
                3 => format!("Particular attention is paid to {} and to the role of {} in {}.", pick(rng, NOUNS), pick(rng, ACTORS), pick(rng, PLACES)),
                4 => format!("By comparing {} with {}, the {noun} identifies {} {} that earlier scholarship overlooked.", pick(rng, PLACES), pick(rng, PLACES), pick(rng, &["three", "several", "two", "four"]), pick(rng, &["patterns", "turning points", "mechanisms", "paradoxes"])),
                5 => format!("The findings suggest that {} remained {} well into the {}.", topic(rng), pick(rng, &["contested", "fragile", "central", "ambiguous", "unresolved"]), pick(rng, ERAS)),
                6 => format!("Its {} relies on {} and on {}.", pick(rng, &["method", "approach", "evidence base"]), pick(rng, SOURCES), pick(rng, SOURCES)),
                7 => format!("The {noun} concludes that {} cannot be understood apart from {}.", pick(rng, NOUNS), topic(rng)),
                8 => {
                    let adj = pick(rng, ADJECTIVES);
                    let article = if adj.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
                    format!("{} emerges as {article} {adj} {} in this account.", cap(pick(rng, ACTORS)), pick(rng, &["actor", "factor", "constraint", "catalyst"]))
                }
                _ => format!("Implications for {} and for the study of {} are discussed.", topic(rng), pick(rng, FIELDS).to_lowercase()),
            }
        };
        words += s.split_whitespace().count();
        out.push(s);
    }
    let mut text = out.join(" ");
    // Trim to at most 150 words, ending on a full stop.
    let all: Vec<&str> = text.split_whitespace().collect();
    if all.len() > 150 {
        text = all[..150].join(" ");
        text = text.trim_end_matches(|c: char| !c.is_alphanumeric()).to_string();
        text.push('.');
    }
    text
}

/// `II`…`XII`, then plain numbers (a pool of a million works repeats a
/// base title many times, and every volume title must stay distinct).
fn roman(n: usize) -> String {
    ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
        .get(n.wrapping_sub(1))
        .map_or_else(|| n.to_string(), |r| r.to_string())
}

// ---------------------------------------------------------------------------
// Vocabulary

const HISTORY_TOPICS: &[&str] = &[
    "Sino-Soviet relations", "the Sino-Soviet alliance", "the Sino-Soviet split", "the Cold War",
    "the global Cold War", "the Cold War in Asia", "Soviet foreign policy", "Chinese foreign policy",
    "the Korean War", "the Vietnam War", "the Berlin crisis", "the Cuban missile crisis",
    "the Warsaw Pact", "NATO", "the Marshall Plan", "nuclear deterrence", "détente", "Ostpolitik",
    "decolonization", "the Non-Aligned Movement", "the Bandung Conference", "socialist internationalism",
    "the Comintern", "the Chinese revolution", "the Chinese Communist Party", "the Great Leap Forward",
    "the Cultural Revolution", "land reform", "Stalinism", "de-Stalinization", "the Hungarian revolution of 1956",
    "the Prague Spring", "the Sino-Indian border war", "the Taiwan Strait crises", "the Sino-American rapprochement",
    "the alliance of 1950", "the Treaty of Friendship, Alliance and Mutual Assistance", "Soviet aid to China",
    "Soviet advisers in China", "Mao's China", "Khrushchev's diplomacy", "the Kremlin", "Yugoslavia and the Cominform",
    "the end of the Cold War", "the collapse of the Soviet Union", "arms control", "espionage", "propaganda",
    "cultural diplomacy", "the Third World", "the founding of the People's Republic in 1949", "the Chinese civil war",
    "the occupation of Germany", "the partition of Korea", "Manchuria after 1945", "the Xinjiang question",
    "Mongolian independence", "the Ussuri border clashes of 1969", "the socialist camp", "the Eastern Bloc",
];

const GENERAL_TOPICS: &[&str] = &[
    "labour migration", "monetary policy", "urban planning", "public health", "climate adaptation",
    "rural development", "industrialization", "economic planning", "trade policy", "human rights",
    "international law", "humanitarian aid", "state formation", "nationalism", "memory politics",
    "gender and work", "the welfare state", "agrarian reform", "higher education", "science policy",
    "energy security", "oil politics", "financial crises", "water governance", "food security",
    "civil society", "electoral politics", "party systems", "ethnic conflict", "refugee policy",
    "media and censorship", "religion and the state", "colonial administration", "imperial borderlands",
    "maritime trade", "infrastructure", "technology transfer", "development economics", "population policy",
    "disease control", "environmental history", "political economy", "global governance", "peacekeeping",
    "sanctions", "foreign aid", "military alliances", "intelligence services", "visual culture",
    "translation and empire", "the history of the book", "museums and heritage", "sport and politics",
    "youth movements", "labour unions", "socialist economies", "market reform", "the Asian financial crisis",
    "sovereign debt",
];

const PLACES: &[&str] = &[
    "China", "the Soviet Union", "Eastern Europe", "Poland", "Yugoslavia", "Vietnam", "India", "Germany",
    "Manchuria", "Xinjiang", "Mongolia", "Czechoslovakia", "Hungary", "Cuba", "Egypt", "Indonesia",
    "Japan", "Korea", "Latin America", "Africa", "the Middle East", "Scandinavia", "France", "Italy",
    "Brazil", "Mexico", "Kraków", "Łódź", "Zürich", "São Paulo", "Bogotá", "Reykjavík", "Hà Nội",
    "Beijing", "Moscow", "Berlin", "Warsaw", "Prague", "Budapest", "Belgrade", "Shanghai", "Harbin",
    "Tashkent", "Ulaanbaatar", "Pyongyang", "Taipei", "Hong Kong", "Geneva", "Washington", "London",
];

const NOUNS: &[&str] = &[
    "alliance", "rivalry", "diplomacy", "ideology", "power", "memory", "trade", "aid", "security",
    "modernization", "revolution", "empire", "nation", "borders", "the state", "knowledge", "science",
    "technology", "culture", "identity", "labour", "reform", "crisis", "conflict", "cooperation",
    "negotiation", "intelligence", "legitimacy", "sovereignty", "friendship", "propaganda", "solidarity",
    "development", "violence", "migration", "law", "expertise", "planning", "cities", "the countryside",
];

const ABSTRACT_NOUNS: &[&str] = &[
    "making", "origins", "politics", "limits", "end", "uses", "legacies", "economics", "meanings",
    "failure", "rise", "fall", "logic", "myth", "paradox", "anatomy", "geography", "architecture",
];

const ADJECTIVES: &[&str] = &[
    "uneasy", "forgotten", "global", "hidden", "unbreakable", "fraternal", "long", "fragile",
    "reluctant", "unequal", "divided", "contested", "socialist", "transnational", "imperial", "new",
];

const GERUNDS: &[&str] = &[
    "rethinking", "revisiting", "explaining", "remembering", "negotiating", "understanding",
    "reconsidering", "mapping", "governing", "narrating",
];

const ERAS: &[&str] = &[
    "interwar years", "early Cold War", "long 1960s", "1970s", "1980s", "postwar era",
    "twentieth century", "post-Soviet era", "age of decolonization", "Khrushchev era", "Brezhnev era",
];

const SUBTITLES: &[&str] = &[
    "A Reassessment", "New Evidence from the Archives", "Origins and Consequences", "A Comparative Perspective",
    "Ideology and Interest", "Diplomacy and Domestic Politics", "A Documentary History", "A Global History",
    "Myths and Realities", "Perspectives from the Periphery", "An International History", "A Social History",
    "Continuity and Change", "Theory and Practice", "The View from Below", "Evidence from Chinese Sources",
    "Evidence from Russian Archives", "A Case Study", "Lessons for Today", "Structures and Agents",
    "Between Cooperation and Conflict", "Friends and Enemies", "Power, Ideas and Institutions",
    "Actors, Networks and Institutions", "The Making of a Partnership", "An Unequal Alliance", "1949 and After",
];

const SALIENT_YEARS: &[i32] = &[
    1917, 1927, 1937, 1945, 1945, 1949, 1949, 1949, 1950, 1953, 1956, 1957, 1958, 1960, 1962, 1964,
    1968, 1969, 1972, 1979, 1989, 1991,
];

const SOURCES: &[&str] = &[
    "newly declassified Soviet documents", "Chinese Foreign Ministry archives", "oral history interviews",
    "party archives in Beijing and Moscow", "diplomatic correspondence", "memoirs of former officials",
    "statistical yearbooks", "press reports", "consular records", "East German archives",
    "survey data", "local gazetteers", "trade statistics", "personal papers",
];

const ACTORS: &[&str] = &[
    "Soviet advisers", "Chinese diplomats", "party leaders", "local officials", "intellectuals",
    "students", "engineers", "trade unions", "the military", "émigré communities", "journalists",
    "foreign ministries", "the security services", "women's organizations", "peasants",
];

const FIELDS: &[&str] = &[
    "Cold War Studies", "Contemporary History", "Modern History", "Asian Studies", "Chinese History",
    "Russian History", "Slavic Studies", "European Studies", "International Relations", "Diplomatic History",
    "Political Science", "Sociology", "Economic History", "Social History", "Strategic Studies",
    "Security Studies", "Area Studies", "Global History", "Intellectual History", "Cultural History",
    "Military History", "Historical Research", "Peace Research", "Development Studies", "Political Economy",
    "Public Policy", "Comparative Politics", "Law and Society", "Migration Studies", "Urban History",
    "Environmental History", "Labour History", "Women's History", "Historical Sociology", "East European Politics",
    "Post-Soviet Affairs", "Central Asian Studies", "Korean Studies", "Japanese Studies", "Southeast Asian Studies",
    "Middle Eastern Studies", "African History", "Latin American History", "Imperial and Commonwealth History",
    "Transnational History", "Communist Studies", "Socialist Studies", "Nationalities Papers", "Media History",
    "History of Science", "Technology and Culture", "Economic Geography", "Demography", "Anthropology",
];

const GERMAN_FIELDS: &[&str] = &[
    "Geschichtswissenschaft", "Osteuropäische Geschichte", "Zeitgeschichte", "Ostasienforschung",
    "Politikwissenschaft", "Sozialgeschichte", "Wirtschaftsgeschichte", "Slawistik", "Außenpolitik",
    "Kulturgeschichte", "Militärgeschichte", "Sinologie",
];

const REGIONS: &[&str] = &[
    "Asian", "European", "Slavic", "Chinese", "Russian", "Pacific", "Atlantic", "Baltic", "Balkan",
    "Eurasian", "Nordic", "Central European", "Latin American", "African", "Middle Eastern", "Global",
];

const REAL_JOURNALS: &[&str] = &[
    "Journal of Cold War Studies", "Cold War History", "The China Quarterly", "Diplomatic History",
    "Europe-Asia Studies", "Vierteljahrshefte für Zeitgeschichte", "Kritika: Explorations in Russian and Eurasian History",
    "Modern China", "The Journal of Asian Studies", "International Security", "Slavic Review",
    "Osteuropa", "Revue d'histoire moderne et contemporaine", "Cahiers du monde russe", "Jahrbücher für Geschichte Osteuropas",
];

const REAL_SERIES: &[&str] = &[
    "China Connections", "Cold War International History Project Series", "The Harvard Cold War Studies Book Series",
    "New Cold War History", "Studies of the Weatherhead East Asian Institute", "Studien zur Zeitgeschichte",
];

const PUBLISHERS: &[(&str, &str)] = &[
    ("Palgrave Macmillan", "Singapore"), ("Palgrave Macmillan", "London"), ("Routledge", "London"),
    ("Routledge", "New York"), ("Cambridge University Press", "Cambridge"), ("Oxford University Press", "Oxford"),
    ("Oxford University Press", "New York"), ("Princeton University Press", "Princeton"),
    ("Stanford University Press", "Stanford"), ("Harvard University Press", "Cambridge, MA"),
    ("Yale University Press", "New Haven"), ("University of North Carolina Press", "Chapel Hill"),
    ("Cornell University Press", "Ithaca"), ("Columbia University Press", "New York"),
    ("Brill", "Leiden"), ("De Gruyter Oldenbourg", "Berlin"), ("Böhlau", "Köln"), ("Nomos", "Baden-Baden"),
    ("Franz Steiner Verlag", "Stuttgart"), ("Éditions du Seuil", "Paris"), ("Presses de Sciences Po", "Paris"),
    ("Shehui kexue wenxian chubanshe", "Beijing"), ("Wydawnictwo Naukowe PWN", "Warszawa"),
    ("Nauka", "Moskva"), ("Lexington Books", "Lanham"), ("Bloomsbury Academic", "London"),
    ("Springer", "Cham"), ("University of California Press", "Berkeley"), ("Woodrow Wilson Center Press", "Washington, DC"),
    ("Hong Kong University Press", "Hong Kong"), ("NUS Press", "Singapore"), ("Campus Verlag", "Frankfurt am Main"),
];

const PLACES_OF_PUBLICATION: &[&str] = &[
    "Washington, DC", "Santa Monica", "Geneva", "Paris", "Berlin", "London", "Beijing", "Moscow",
    "Stockholm", "Oslo", "Tokyo", "New York", "Cambridge, MA", "Oxford", "Warszawa", "København",
];

const INSTITUTIONS: &[&str] = &[
    "RAND Corporation", "Central Intelligence Agency", "World Bank", "International Monetary Fund",
    "Stockholm International Peace Research Institute", "Woodrow Wilson International Center for Scholars",
    "Stiftung Wissenschaft und Politik", "Institut français des relations internationales",
    "Chatham House", "Brookings Institution", "United Nations Development Programme", "OECD",
    "Norwegian Institute of International Affairs", "Deutsches Institut für Entwicklungspolitik",
    "Polski Instytut Spraw Międzynarodowych", "Chinese Academy of Social Sciences",
];

const UNIVERSITIES: &[&str] = &[
    "Harvard University", "University of Oxford", "University of Cambridge", "Freie Universität Berlin",
    "Ludwig-Maximilians-Universität München", "Université Paris 1 Panthéon-Sorbonne", "Peking University",
    "East China Normal University", "Moscow State University", "Uniwersytet Jagielloński",
    "Københavns Universitet", "Universitetet i Oslo", "London School of Economics and Political Science",
    "Yale University", "Stanford University", "Universidad Nacional Autónoma de México", "Universität Wien",
    "Univerzita Karlova", "Eötvös Loránd Tudományegyetem", "National University of Singapore",
];

const FAMILIES: &[&str] = &[
    "Müller", "Heinzig", "Žižek", "García", "Nguyễn", "Kierkegaard", "Shen", "Li", "Wang", "Zhang", "Chen",
    "Liu", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Xu", "Sun", "Ma", "Zhu", "Hu", "Guo", "Lin", "He", "Gao",
    "Luo", "Niu", "Dai", "Yu", "Westad", "Lüthi", "Radchenko", "Zubok", "Goncharov", "Kramer", "Mastny",
    "Gaddis", "Leffler", "Wilson", "Smith", "Johnson", "Brown", "Taylor", "Davies", "Evans", "Thomas",
    "Roberts", "Walker", "Wright", "Robinson", "Thompson", "White", "Hughes", "Edwards", "Green", "Hall",
    "Wood", "Harris", "Lewis", "Martin", "Jackson", "Clarke", "Clark", "Turner", "Hill", "Scott", "Cooper",
    "Morris", "Ward", "Moore", "King", "Watson", "Baker", "Harrison", "Morgan", "Patel", "Young", "Allen",
    "Mitchell", "James", "Anderson", "Phillips", "Lee", "Bell", "Parker", "Davis", "Schröder", "Groß",
    "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Schäfer",
    "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann",
    "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier", "Lehmann", "Köhler", "Jäger", "Böhm",
    "Lefèvre", "Dubois", "Durand", "Leroy", "Moreau", "Simon", "Laurent", "Michel", "Bézier", "Girard",
    "Rousseau", "Mercier", "Fontaine", "Chevalier", "Peña", "Muñoz", "Ibáñez", "Rodríguez", "Fernández",
    "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Díaz", "Hernández", "Álvarez", "Romero", "Gonçalves",
    "Araújo", "Conceição", "Ivanov", "Ivanova", "Kuznetsov", "Kuznetsova", "Smirnov", "Popov", "Sokolov",
    "Lebedev", "Kozlov", "Novikov", "Morozov", "Petrov", "Volkov", "Solovyov", "Vasilyev", "Zaitsev",
    "Pavlov", "Semyonov", "Golubev", "Vinogradov", "Bogdanov", "Vorobyov", "Kowalski", "Wiśniewski",
    "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński", "Szymański", "Woźniak", "Dąbrowski",
    "Wałęsa", "Nowak", "Dvořák", "Novák", "Svoboda", "Novotný", "Černý", "Procházka", "Kučera", "Veselý",
    "Horváth", "Kovács", "Szabó", "Tóth", "Nagy", "Szőke", "Öztürk", "Çelik", "Yılmaz", "Şahin", "Doğan",
    "Tanaka", "Satō", "Suzuki", "Takahashi", "Watanabe", "Itō", "Yamamoto", "Nakamura", "Kobayashi",
    "Kim", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Trần", "Phạm", "Lê", "Hoàng", "Võ", "Đặng",
    "Bùi", "Ødegaard", "Åberg", "Søndergaard", "Jørgensen", "Lindqvist", "Björk", "Þórsson", "Guðmundsdóttir",
    "Häkkinen", "Mäkelä", "Virtanen", "Nieminen", "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi",
    "Romano", "Colombo", "Ricci", "Papadopoulos", "Georgiou", "Popescu", "Ionescu", "Petrović", "Jovanović",
    "Nikolić", "Horvat", "Kovačević", "Al-Khalil", "Haddad", "Mansour", "Sharma", "Singh", "Gupta", "Das",
    "Mukherjee", "Rao", "Iyer", "Okafor", "Mensah", "Mwangi", "Suharto", "Santoso", "Wijaya", "Gorbachev",
    "Khrushcheva", "Mao", "Deng",
];

const PARTICLE_FAMILIES: &[(&str, &str)] = &[
    ("van der", "Berg"), ("van", "Dijk"), ("de", "Vries"), ("de la", "Cruz"), ("van den", "Heuvel"),
    ("von", "Hagen"), ("de", "Souza"), ("di", "Stefano"), ("van", "Beethoven"), ("da", "Silva"),
];

const GIVEN: &[&str] = &[
    "Łukasz", "Søren", "José", "François", "Zoë", "Jürgen", "Dieter", "Zhihua", "Danhui", "Jian", "Wei",
    "Xiaoming", "Yafeng", "Odd Arne", "Lorenz", "Sergey", "Vladislav", "Mark", "Vojtech", "John Lewis",
    "Melvyn", "Chen", "Qiang", "Ying", "Hua", "Mei", "Hao", "Ling", "Anna", "Maria", "Elena", "Olga",
    "Natalia", "Tatiana", "Irina", "Ekaterina", "Svetlana", "Pavel", "Dmitri", "Aleksandr", "Nikolai",
    "Mikhail", "Ivan", "Andrei", "Piotr", "Krzysztof", "Małgorzata", "Agnieszka", "Katarzyna", "Tomasz",
    "Jiří", "Tomáš", "Zdeněk", "Lucie", "Gábor", "Zsófia", "László", "Ágnes", "Ayşe", "Mehmet", "Çağla",
    "Hiroshi", "Yūko", "Takeshi", "Keiko", "Min-jun", "Seo-yeon", "Ji-ho", "Thị Lan", "Văn Minh", "Quốc",
    "Ingrid", "Åsa", "Bjørn", "Sigríður", "Jón", "Mikko", "Aino", "Giulia", "Marco", "Francesca", "Luca",
    "Ana", "Joaquín", "Inés", "Begoña", "João", "Conceição", "Amélie", "Hélène", "Jérôme", "Benoît",
    "Céline", "Stéphane", "Renée", "André", "Klaus", "Günter", "Uwe", "Birgit", "Ute", "Sabine", "Jörg",
    "Hans-Jürgen", "Karl-Heinz", "Elisabeth", "James", "Sarah", "Emily", "David", "Michael", "Robert",
    "Jennifer", "Elizabeth", "William", "Richard", "Thomas", "Catherine", "Margaret", "Daniel", "Rachel",
    "Priya", "Arjun", "Ananya", "Chinedu", "Ama", "Wanjiru", "Fatima", "Omar", "Leila", "Youssef", "Nadia",
];

#[cfg(test)]
mod tests {
    use super::*;
    use ibid_core::Library;

    fn json_of(n: usize, seed: u64) -> Vec<u8> {
        let mut buf = Vec::new();
        write_json(n, seed, &mut buf).expect("write to memory");
        buf
    }

    #[test]
    fn deterministic_for_a_seed() {
        assert_eq!(json_of(300, 7), json_of(300, 7));
        assert_ne!(json_of(300, 7), json_of(300, 8));
        // A prefix of a larger library is the smaller library, except for
        // which volumes chapters draw from (the pool scales with the size).
        let v: Vec<Value> = serde_json::from_slice(&json_of(300, 7)).expect("valid JSON");
        assert_eq!(v.len(), 300);
    }

    #[test]
    fn check_digits() {
        assert_eq!(ibid_core::ident::normalize_issn(&issn(1_000_000)).unwrap(), issn(1_000_000));
        for space in 1..=4 {
            for n in [0, 1, 99, 12_345_678] {
                let isbn = isbn13(space, n);
                assert_eq!(ibid_core::ident::normalize_isbn(&isbn).unwrap(), isbn);
            }
        }
        for j in journal_pool(&mut Rng::with_seed(1)) {
            assert!(ibid_core::ident::normalize_issn(&j.issn).is_ok(), "{}", j.issn);
        }
    }

    #[test]
    fn pools_are_distinct() {
        // The volume pool grows with the library: a million works need
        // 22,500 distinct volume titles.
        let g = Generator::new(1_000_000, 1);
        assert_eq!(g.volumes.len(), 22_500);
        assert_eq!(g.journals.len(), JOURNALS);
        let titles: HashSet<&str> = g.journals.iter().map(|j| j.title.as_str()).collect();
        let issns: HashSet<&str> = g.journals.iter().map(|j| j.issn.as_str()).collect();
        assert_eq!((titles.len(), issns.len()), (JOURNALS, JOURNALS));
        let volumes: HashSet<&str> = g.volumes.iter().map(|v| v.title.as_str()).collect();
        assert_eq!(volumes.len(), g.volumes.len());
    }

    #[test]
    fn every_item_imports_and_typical_queries_hit() {
        let n = 500;
        let text = String::from_utf8(json_of(n, 1)).expect("UTF-8");
        let dir = tempfile::tempdir().expect("temp dir");
        let mut lib = Library::open(dir.path().join("library.sqlite")).expect("open");
        let items = ibid_core::csl::parse_document(&text).expect("parse");
        let summary = lib.import(items).expect("import");
        let failed: Vec<(usize, &str)> = summary.failed().collect();
        assert!(failed.is_empty(), "failed: {failed:?}");
        assert_eq!(summary.added().count(), n);
        assert_eq!(lib.count().expect("count"), n as i64);

        // Containment: chapters share their volumes, articles their journals.
        let containers: i64 = lib
            .connection()
            .query_row("SELECT count(*) FROM works WHERE standalone = 0", [], |r| r.get(0))
            .expect("count containers");
        let shared: i64 = lib
            .connection()
            .query_row(
                "SELECT count(*) FROM (SELECT container_id FROM works WHERE container_id IS NOT NULL \
                 GROUP BY container_id HAVING count(*) > 1)",
                [],
                |r| r.get(0),
            )
            .expect("count shared containers");
        assert!(containers > 50 && shared > 10, "containers {containers}, shared {shared}");

        let v: Vec<Value> = serde_json::from_str(&text).expect("JSON");
        let has = |pred: &dyn Fn(&Value) -> bool| v.iter().filter(|i| pred(i)).count();
        let title = |i: &Value| i["title"].as_str().unwrap_or("").to_string();
        assert!(has(&|i| title(i).contains("Sino-Soviet")) > 5);
        assert!(has(&|i| title(i).contains("Cold War")) > 5);
        assert!(has(&|i| title(i).contains("1949")) > 2);
        assert!(has(&|i| i["type"] == "chapter") > 50);
        assert!(has(&|i| i["type"] == "thesis") > 5);
        assert!(has(&|i| i.get("abstract").is_some()) > 150);
        assert!(has(&|i| i["author"].to_string().contains("Heinzig")) > 0);

        for q in ["sino sov", "cold war 1949", "heinzig", "muller"] {
            assert!(!lib.search(q, 50).expect("search").is_empty(), "no hit for {q:?}");
        }
        let doi = doi_of(250).expect("item 250 has a DOI");
        assert_eq!(lib.search(&doi, 50).expect("search").len(), 1);
    }
}
