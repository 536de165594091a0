//! What CSL-JSON cannot carry: tags, nested collections, notes and
//! citations between the works of a generated library.
//!
//! Drawn from a random stream of its own (the seed mixed with a constant),
//! so the CSL-JSON of a seed is byte for byte what it was before this
//! existed. It needs only each item's type (from [`kinds`], or read back
//! from an imported library) and is applied after the import through
//! [`ibid_core::Library::organize_bulk`] (one transaction).
//!
//! The design, per work: 0–6 tags from a pool of 300 (weights 30/25/18/12/
//! 8/5/2 %: 1.6 on average), the tag drawn Zipf-like (rank r with
//! probability ∝ 1/(r+1)); 0–3 collections (45/35/14/6 %) of 100–300
//! nested ones (12 top-level, up to four levels; n/500 clamped), also
//! Zipf-like; 1–3 notes (60/28/12 %) on one work in ten, 30–120 words of
//! reading notes each; a reference list on half the chapters, a fifth of
//! the articles and theses and a tenth of the books and reports, 2–15
//! entries (skewed low: ~6.7 on average), each cited work drawn with a
//! power-law in-degree (rank `n·u³` in a fixed random order of the works:
//! in-degree ∝ rank^(-2/3)).

use std::collections::HashSet;

use fastrand::Rng;
use ibid_core::store::{BulkOrganize, CitationForm, CitationRow};
use serde_json::{json, Value};

use super::{cap, name, full_name, pick, topic, weighted, Generator, ACTORS, NOUNS, PLACES, SOURCES};

/// Tags in the pool.
pub const TAGS: usize = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Article,
    Book,
    Chapter,
    Report,
    Thesis,
}

impl Kind {
    /// The kind of a CSL type as the generator writes it.
    pub fn of(csl_type: &str) -> Kind {
        match csl_type {
            "article-journal" => Kind::Article,
            "book" => Kind::Book,
            "chapter" => Kind::Chapter,
            "report" => Kind::Report,
            _ => Kind::Thesis,
        }
    }
}

/// Each item's kind, in order, for `(n, seed)`.
pub fn kinds(n: usize, seed: u64) -> Vec<Kind> {
    Generator::new(n, seed).map(|v| Kind::of(v["type"].as_str().unwrap_or(""))).collect()
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkOrg {
    /// Indices into [`Organization::tags`], distinct.
    pub tags: Vec<u16>,
    /// Indices into [`Organization::collections`], distinct.
    pub collections: Vec<u16>,
    pub notes: Vec<String>,
    /// Indices of the cited items (never the work itself), in reference-list order.
    pub cites: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Organization {
    pub tags: Vec<String>,
    /// Name and parent index (parents first).
    pub collections: Vec<(String, Option<usize>)>,
    /// One per item.
    pub works: Vec<WorkOrg>,
}

/// The number of collections for a library of `n` works.
pub fn collection_count(n: usize) -> usize {
    (n / 500).clamp(100, 300)
}

/// A rank in `0..len` with probability ∝ 1/(rank+1).
fn zipf(rng: &mut Rng, len: usize) -> usize {
    let r = ((len as f64 + 1.0).powf(rng.f64()) - 1.0) as usize;
    r.min(len - 1)
}

pub fn organization(kinds: &[Kind], seed: u64) -> Organization {
    let n = kinds.len();
    let mut rng = Rng::with_seed(seed ^ 0x0c0f_fee0_d15e_a5e5);
    let tags = tag_pool(&mut rng);
    let collections = collection_pool(&mut rng, collection_count(n));
    // The order of popularity of cited works.
    let mut popular: Vec<u32> = (0..n as u32).collect();
    rng.shuffle(&mut popular);
    let mut works = Vec::with_capacity(n);
    for (i, kind) in kinds.iter().enumerate() {
        let mut w = WorkOrg::default();
        let n_tags = weighted(&mut rng, &[30, 25, 18, 12, 8, 5, 2]);
        while w.tags.len() < n_tags {
            let t = zipf(&mut rng, tags.len()) as u16;
            if !w.tags.contains(&t) {
                w.tags.push(t);
            }
        }
        let n_cols = weighted(&mut rng, &[45, 35, 14, 6]);
        while w.collections.len() < n_cols {
            let c = zipf(&mut rng, collections.len()) as u16;
            if !w.collections.contains(&c) {
                w.collections.push(c);
            }
        }
        if rng.u32(0..10) == 0 {
            for _ in 0..weighted(&mut rng, &[60, 28, 12]) + 1 {
                w.notes.push(note_text(&mut rng));
            }
        }
        let cites_pct = match kind {
            Kind::Chapter => 50,
            Kind::Article | Kind::Thesis => 20,
            Kind::Book | Kind::Report => 10,
        };
        if n > 1 && rng.u32(0..100) < cites_pct {
            let u = rng.f64();
            let len = (2 + (14.0 * u * u) as usize).min(n - 1);
            let mut seen = HashSet::with_capacity(len);
            let mut tries = 0;
            while w.cites.len() < len && tries < len * 20 {
                tries += 1;
                let u = rng.f64();
                let j = popular[((u * u * u) * n as f64) as usize % n];
                if j as usize != i && seen.insert(j) {
                    w.cites.push(j);
                }
            }
        }
        works.push(w);
    }
    Organization { tags, collections, works }
}

impl Organization {
    /// The sidecar file: `{"tags": [...], "collections": [{"name", "parent"}],
    /// "items": [{"i", "tags", "collections", "notes", "cites"}]}`; `i` is the
    /// item's index in the CSL-JSON array (its `id` ends in `-i`), tags and
    /// collections are indices into the lists above, cites are item indices;
    /// items with nothing are left out.
    pub fn to_json(&self) -> Value {
        let items: Vec<Value> = self
            .works
            .iter()
            .enumerate()
            .filter(|(_, w)| !(w.tags.is_empty() && w.collections.is_empty() && w.notes.is_empty() && w.cites.is_empty()))
            .map(|(i, w)| json!({"i": i, "tags": w.tags, "collections": w.collections, "notes": w.notes, "cites": w.cites}))
            .collect();
        json!({
            "tags": self.tags,
            "collections": self.collections.iter().map(|(name, parent)| json!({"name": name, "parent": parent})).collect::<Vec<_>>(),
            "items": items,
        })
    }

    /// What `Library::organize_bulk` writes, given each item's row id and
    /// citation key (a citation's text is the cited work's key).
    pub fn bulk(&self, ids: &[i64], keys: &[String]) -> BulkOrganize {
        let mut b = BulkOrganize { collections: self.collections.clone(), ..BulkOrganize::default() };
        for (i, w) in self.works.iter().enumerate() {
            let id = ids[i];
            b.tags.extend(w.tags.iter().map(|t| (id, self.tags[*t as usize].clone())));
            b.in_collections.extend(w.collections.iter().map(|c| (id, *c as usize)));
            b.notes.extend(w.notes.iter().map(|t| (id, t.clone())));
            b.citations.extend(w.cites.iter().enumerate().map(|(k, j)| {
                (
                    id,
                    CitationRow {
                        note_number: None,
                        position: k as i64,
                        raw_text: keys[*j as usize].clone(),
                        cited: Some(ids[*j as usize]),
                        locator: None,
                        form: CitationForm::Full,
                    },
                )
            }));
        }
        b
    }

    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let sum = |f: &dyn Fn(&WorkOrg) -> usize| self.works.iter().map(f).sum::<usize>();
        (sum(&|w| w.tags.len()), sum(&|w| w.collections.len()), sum(&|w| w.notes.len()), sum(&|w| w.cites.len()))
    }
}

const WORKFLOW_TAGS: &[&str] = &[
    "to read", "read", "important", "cite", "must cite", "reviewed", "to check", "teaching", "syllabus",
    "dissertation", "chapter 1", "chapter 2", "chapter 3", "chapter 4", "chapter 5", "introduction",
    "conclusion", "primary source", "secondary source", "theory", "methodology", "méthodologie",
    "historiography", "archives", "oral history", "review article", "ILL", "scanned", "annotated",
    "Quelle", "Sekundärliteratur", "à lire", "grant proposal", "reading group", "zu lesen",
];

const TOPIC_TAGS: &[&str] = &[
    "cold war", "sino-soviet split", "korean war", "vietnam war", "détente", "Ostpolitik", "decolonization",
    "diplomacy", "propaganda", "ideology", "nuclear weapons", "economy", "trade", "gender", "memory",
    "borderlands", "migration", "intelligence", "military aid", "technology transfer", "education",
    "science", "religion", "nationalism", "socialism", "communism", "revolution", "empire", "famine",
    "Großer Sprung", "Kulturrevolution", "perestroika", "Solidarność", "Prague Spring", "Hungary 1956",
    "Bandung", "Non-Aligned Movement", "Comecon", "Warsaw Pact", "NATO", "United Nations", "Comintern",
    "Khrushchev", "Stalin", "Mao", "Zhou Enlai", "Brezhnev", "Gorbachev", "Deng Xiaoping", "Tito",
];

fn tag_pool(rng: &mut Rng) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(TAGS);
    for t in WORKFLOW_TAGS.iter().chain(TOPIC_TAGS) {
        if seen.insert(t.to_string()) {
            out.push(t.to_string());
        }
    }
    while out.len() < TAGS {
        let place = pick(rng, PLACES).to_lowercase();
        let t = match rng.u32(0..4) {
            0 => place,
            1 => format!("{} – {place}", pick(rng, TOPIC_TAGS)),
            2 => format!("{} {}", pick(rng, NOUNS), pick(rng, &["sources", "debates", "case", "data", "(background)"])),
            _ => format!("project: {}", pick(rng, TOPIC_TAGS).to_lowercase()),
        };
        if seen.insert(t.clone()) {
            out.push(t);
        }
    }
    // Popularity order: the workflow tags are not always the most used.
    rng.shuffle(&mut out);
    out
}

const TOP_COLLECTIONS: &[&str] = &[
    "Dissertation", "Teaching", "Book project", "Articles in progress", "Reading groups", "Archives",
    "Grant proposals", "Reviews to write", "Conference papers", "Sino-Soviet relations", "Cold War Asia",
    "Methodology",
];

const SUB_COLLECTIONS: &[&str] = &[
    "Sources", "Secondary literature", "Chapter 1", "Chapter 2", "Chapter 3", "Chapter 4", "Chapter 5",
    "Introduction", "Conclusion", "Moscow", "Beijing", "Warszawa", "Berlin", "Hà Nội", "Pyongyang",
    "Week 1", "Week 2", "Week 3", "Week 4", "Week 5", "Week 6", "Week 7", "Week 8", "Week 9", "Week 10",
    "Theory", "Background", "To read", "Read", "Cited", "Not cited", "Reviews", "Drafts", "Economy",
    "Diplomacy", "Military", "Culture", "Ideology", "Personalities", "Archives — Moscow", "Archives — Beijing",
    "Oral history", "Statistics", "Maps", "Memoirs", "Press", "Historiography", "Überblick", "Quellen",
    "Études", "2019", "2020", "2021", "2022", "2023", "2024", "2025", "SHAFR", "AAS", "ASEEES",
];

fn collection_pool(rng: &mut Rng, n: usize) -> Vec<(String, Option<usize>)> {
    let mut out: Vec<(String, Option<usize>)> = TOP_COLLECTIONS.iter().map(|t| (t.to_string(), None)).collect();
    let mut depth: Vec<usize> = vec![1; out.len()];
    let mut names: HashSet<(String, Option<usize>)> = out.iter().cloned().collect();
    while out.len() < n {
        let parent = rng.usize(..out.len());
        if depth[parent] >= 4 {
            continue;
        }
        let base = pick(rng, SUB_COLLECTIONS);
        let mut name = base.to_string();
        let mut k = 2;
        while names.contains(&(name.clone(), Some(parent))) {
            name = format!("{base} ({k})");
            k += 1;
        }
        names.insert((name.clone(), Some(parent)));
        depth.push(depth[parent] + 1);
        out.push((name, Some(parent)));
    }
    out
}

fn note_text(rng: &mut Rng) -> String {
    let target = rng.usize(30..121);
    let mut out: Vec<String> = Vec::new();
    let mut words = 0;
    while words < target {
        let p = rng.u32(1..400);
        let s = match rng.u32(0..9) {
            0 => format!("**Key argument:** {} shaped {} more than {} did.", cap(topic(rng)), pick(rng, NOUNS), pick(rng, NOUNS)),
            1 => format!("p. {p}: on {} in {} — compare with {}'s reading.", pick(rng, ACTORS), pick(rng, PLACES), full_name(&name(rng))),
            2 => format!("Uses {}; good for the chapter on {}.", pick(rng, SOURCES), topic(rng)),
            3 => format!("Disagrees with {} about {} (pp. {p}–{}).", full_name(&name(rng)), topic(rng), p + rng.u32(1..30)),
            4 => format!("- quote p. {p} for the introduction\n- check the footnotes on {}", pick(rng, SOURCES)),
            5 => format!("Weak on {}, but the section on {} is excellent.", pick(rng, PLACES), topic(rng)),
            6 => format!("Read {}-{:02}-{:02}. Follow up: {}.", 2015 + rng.u32(0..11), rng.u32(1..13), rng.u32(1..29), pick(rng, &["archive request", "ILL", "email the author", "ask in the reading group"])),
            7 => format!("Cf. {} on {} and {}.", full_name(&name(rng)), pick(rng, ACTORS), pick(rng, NOUNS)),
            _ => format!("The evidence from {} does not support the claim about {}.", pick(rng, PLACES), topic(rng)),
        };
        words += s.split_whitespace().count();
        out.push(s);
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_independent_of_the_works_stream() {
        let k = kinds(2_000, 3);
        assert_eq!(organization(&k, 3), organization(&k, 3));
        assert_ne!(organization(&k, 3).works, organization(&k, 4).works);
        // The CSL-JSON of a seed does not depend on the organisation.
        let mut a = Vec::new();
        super::super::write_json(50, 3, &mut a).unwrap();
        let _ = organization(&kinds(50, 3), 3);
        let mut b = Vec::new();
        super::super::write_json(50, 3, &mut b).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn proportions_roughly_as_designed() {
        let n = 20_000;
        let k = kinds(n, 1);
        let o = organization(&k, 1);
        assert_eq!(o.works.len(), n);
        assert_eq!(o.tags.len(), TAGS);
        assert_eq!(o.tags.iter().collect::<HashSet<_>>().len(), TAGS);
        assert_eq!(o.collections.len(), collection_count(n));
        assert!((100..=300).contains(&collection_count(n)));
        let (tags, cols, notes, cites) = o.counts();
        let per = |x: usize| x as f64 / n as f64;
        assert!((1.4..1.8).contains(&per(tags)), "tags per work {}", per(tags));
        assert!((0.7..0.9).contains(&per(cols)), "collections per work {}", per(cols));
        assert!((0.12..0.19).contains(&per(notes)), "notes per work {}", per(notes));
        assert!((1.2..1.9).contains(&per(cites)), "citations per work {}", per(cites));
        assert!(o.works.iter().all(|w| w.tags.len() <= 6 && w.collections.len() <= 3 && w.notes.len() <= 3));
        // Zipf-like tags: the most used tag is far more used than the median one.
        let mut use_count = vec![0usize; TAGS];
        for w in &o.works {
            for t in &w.tags {
                use_count[*t as usize] += 1;
            }
        }
        use_count.sort_unstable_by(|a, b| b.cmp(a));
        assert!(use_count[0] > 20 * use_count[TAGS / 2], "{} vs {}", use_count[0], use_count[TAGS / 2]);
        // Chapters cite more often than books.
        let share = |kind: Kind| {
            let of: Vec<&WorkOrg> = o.works.iter().zip(&k).filter(|(_, k)| **k == kind).map(|(w, _)| w).collect();
            of.iter().filter(|w| !w.cites.is_empty()).count() as f64 / of.len() as f64
        };
        assert!((0.45..0.55).contains(&share(Kind::Chapter)) && (0.05..0.15).contains(&share(Kind::Book)));
        // A power-law in-degree: a few works are cited very often.
        let mut indeg = vec![0usize; n];
        for w in &o.works {
            for j in &w.cites {
                indeg[*j as usize] += 1;
            }
        }
        indeg.sort_unstable_by(|a, b| b.cmp(a));
        assert!(indeg[0] > 100 && indeg[n / 2] <= 1, "max {}, median {}", indeg[0], indeg[n / 2]);
    }

    #[test]
    fn every_cited_work_exists_and_collections_nest() {
        let n = 5_000;
        let o = organization(&kinds(n, 2), 2);
        for (i, w) in o.works.iter().enumerate() {
            let distinct: HashSet<_> = w.cites.iter().collect();
            assert_eq!(distinct.len(), w.cites.len());
            assert!(w.cites.iter().all(|j| (*j as usize) < n && *j as usize != i));
            assert!(w.tags.iter().all(|t| (*t as usize) < o.tags.len()));
            assert!(w.collections.iter().all(|c| (*c as usize) < o.collections.len()));
        }
        for (i, (_, parent)) in o.collections.iter().enumerate() {
            assert!(parent.is_none_or(|p| p < i));
        }
        let names: HashSet<_> = o.collections.iter().collect();
        assert_eq!(names.len(), o.collections.len(), "sibling names are distinct");
        assert!(o.collections.iter().any(|(_, p)| p.is_some_and(|p| o.collections[p].1.is_some())), "nested deeper than two");
    }
}
