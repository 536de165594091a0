//! The grouped bibliography renderer and its cache (see the module docs in
//! `mod.rs` for the design), citations, and the single-pass reference.

use std::collections::{HashMap, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use hayagriva::citationberg::json::{Item, Value as CslValue};
use hayagriva::citationberg::{IndependentStyle, LocaleCode};
use hayagriva::{
    standalone_citation, BibliographyDriver, BibliographyRequest, CitationItem, CitationRequest, ElemChild, ElemChildren, ElemMeta,
    LocatorPayload, SpecificLocator,
};
use serde_json::{Map, Value};

use super::input::{fingerprint, to_item, DATE_VARIABLES};
use super::output::{plain, write};
use super::style::{locale_files_for, resolve_locale, StyleData};
use super::whole_list::{remove_any_meta, substitute_subsequent_authors};
use super::{BibEntry, CiteItem, Format, Locator, RenderError, Style};

/// One item's rendering: its citation (the item's part, without the
/// citation's affixes) and its bibliography entry (before the whole-list
/// steps).
#[derive(Debug, Clone)]
struct Piece {
    cite: ElemChildren,
    cite_full: ElemChildren,
    bib: ElemChildren,
}

/// An item rendered alone, and what grouping needs to know about it.
#[derive(Debug, Clone)]
struct Solo {
    piece: Piece,
    /// Items with the same class may become ambiguous with each other.
    class: (String, String),
    /// Whether the citation shows a date (hayagriva adds year suffixes only
    /// when some citation does).
    has_date: bool,
    cite_text: String,
}

type SoloKey = (u64, String, u64, Option<usize>);
type GroupKey = (u64, String, Vec<u64>, Option<usize>);

/// Rendered items and groups, kept between calls by the caller. Entries
/// are keyed by style, locale and the items' content (a hash of the
/// converted CSL-JSON, which includes the key), and by position for styles
/// that print citation numbers. What one call did not use is dropped once
/// the cache holds much more than that call needed.
#[derive(Debug, Default)]
pub struct RenderCache {
    solo: HashMap<SoloKey, (Arc<Solo>, u64)>,
    groups: HashMap<GroupKey, (Arc<Vec<Piece>>, u64)>,
    sorts: HashMap<(u64, String), SortMemo>,
    generation: u64,
    hits: u64,
    misses: u64,
}

/// The last order found for a style and locale.
#[derive(Debug, Default)]
struct SortMemo {
    /// The items (fingerprints) in input order.
    input: Vec<u64>,
    /// Their bibliography order (indices into `input`).
    order: Vec<usize>,
}

/// What the last calls of a [`RenderCache`] found in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    pub entries: usize,
}

struct Ctx<'a> {
    data: &'a StyleData,
    locale: LocaleCode,
    fp: u64,
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| p.downcast_ref::<String>().cloned()).unwrap_or_else(|| "hayagriva panicked".into())
}

fn locale_for(style: &Style, locale: Option<&str>) -> Result<LocaleCode, RenderError> {
    Ok(LocaleCode(match locale {
        Some(l) => resolve_locale(l)?,
        None => style.default_locale(),
    }))
}

/// The children of the citation's `Entry` element (the item without the
/// citation's prefix, suffix and delimiters).
fn entry_children(citation: &ElemChildren) -> ElemChildren {
    citation.find_elem_by(&|e| matches!(e.meta, Some(ElemMeta::Entry(_)))).map(|e| e.children.clone()).unwrap_or_else(|| citation.clone())
}

fn plain_without_names(children: &ElemChildren, out: &mut String) {
    for c in &children.0 {
        match c {
            ElemChild::Elem(e) if matches!(e.meta, Some(ElemMeta::Names(_))) => {}
            ElemChild::Elem(e) => plain_without_names(&e.children, out),
            other => {
                let _ = other.write_buf(out, hayagriva::BufWriteFormat::Plain);
            }
        }
    }
}

/// Items whose citations could become the same once disambiguated have the
/// same class: the first name as printed (or, when the names were
/// substituted, by a title for instance, all of it) and the rest of the
/// citation without the names.
fn class_of(cite: &ElemChildren) -> (String, String) {
    let first = cite
        .find_elem_by(&|e| matches!(e.meta, Some(ElemMeta::Name(_, _))))
        .or_else(|| cite.find_names())
        .map(|e| plain(&e.children))
        .unwrap_or_default();
    let mut rest = String::new();
    plain_without_names(cite, &mut rest);
    (first, rest)
}

fn has_date_var(item: &Item) -> bool {
    DATE_VARIABLES.iter().any(|v| matches!(item.0.get(*v), Some(CslValue::Date(_))))
}

/// Renders items in one hayagriva driver, one citation each, in the given
/// order; returns their pieces in that order.
fn render_run(ctx: &Ctx, items: &[&Item], offset: usize) -> Result<Vec<Piece>, RenderError> {
    render_run_with(ctx, &ctx.data.render_csl, items, offset)
}

/// [`render_run`] for a group. hayagriva 0.10 can panic while adding given
/// names to tell citations apart (an index past a name list in its
/// `by-cite` rule): such a group is rendered again with that step off, so
/// it still gets added names and year suffixes.
fn render_group(ctx: &Ctx, items: &[&Item], offset: usize) -> Result<Vec<Piece>, RenderError> {
    render_run(ctx, items, offset).or_else(|e| {
        if !ctx.data.render_csl.citation.disambiguate_add_givenname {
            return Err(e);
        }
        let mut csl = ctx.data.render_csl.clone();
        csl.citation.disambiguate_add_givenname = false;
        render_run_with(ctx, &csl, items, offset)
    })
}

fn render_run_with(ctx: &Ctx, csl: &IndependentStyle, items: &[&Item], offset: usize) -> Result<Vec<Piece>, RenderError> {
    let files = locale_files_for(&ctx.locale.0);
    let rendered = catch_unwind(AssertUnwindSafe(|| {
        let mut driver = BibliographyDriver::new().with_citation_number_offset(offset);
        for item in items {
            driver.citation(CitationRequest::new(vec![CitationItem::with_entry(*item)], csl, Some(ctx.locale.clone()), files, None));
        }
        driver.finish(BibliographyRequest::new(csl, Some(ctx.locale.clone()), files))
    }))
    .map_err(|p| RenderError::Item {
        key: items.iter().map(|i| i.id().unwrap_or_default().to_string()).collect::<Vec<_>>().join(", "),
        message: panic_message(p),
    })?;
    let cites: Vec<(ElemChildren, ElemChildren)> = rendered.citations.into_iter().map(|c| (entry_children(&c.citation), c.citation)).collect();
    let bib_items = rendered.bibliography.map(|b| b.items).unwrap_or_default();
    // The driver's bibliography comes in its own (sorted) order, which is
    // ours; map it back by key where keys are unique, else by position.
    let keys: Vec<String> = items.iter().map(|i| i.id().unwrap_or_default().to_string()).collect();
    let unique: HashSet<&String> = keys.iter().collect();
    let mut bibs: Vec<Option<ElemChildren>> = vec![None; items.len()];
    if unique.len() == keys.len() {
        for b in bib_items {
            if let Some(i) = keys.iter().position(|k| *k == b.key) {
                bibs[i] = Some(b.content);
            }
        }
    } else {
        for (i, b) in bib_items.into_iter().enumerate().take(items.len()) {
            bibs[i] = Some(b.content);
        }
    }
    Ok(cites
        .into_iter()
        .zip(bibs)
        .map(|((cite, cite_full), bib)| Piece { cite, cite_full, bib: bib.unwrap_or_default() })
        .collect())
}

/// `f` over `items` on every core (in order; each item independent), if
/// there are at least `min` items.
fn parallel_map<T: Sync, R: Send>(items: &[T], min: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = threads();
    if threads < 2 || items.len() < min.max(2) {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items.chunks(chunk).map(|part| scope.spawn(|| part.iter().map(&f).collect::<Vec<R>>())).collect();
        handles.into_iter().flat_map(|h| h.join().expect("rendering threads catch their panics")).collect()
    })
}

fn threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(8)
}

/// The steps after hayagriva, over the whole list in bibliography order:
/// each entry is (key, citation, bibliography entry).
///
/// 1. The subsequent-author substitute (`———`).
/// 2. The first field of a `second-field-align` style (`[1]`).
/// 3. An entry that prints nothing (an untitled item in a style that prints
///    only the title, say) is left out, as citeproc-js leaves it out.
///
/// (An entry rendered in a group keeps its own name forms and gets the
/// names its citation's `disambiguate-add-names` added: our hayagriva's
/// `Names::render`, vendor/hayagriva/IBID-PATCHES.md.)
fn finish_entries(entries: Vec<(String, ElemChildren, ElemChildren)>, bib_style: &hayagriva::citationberg::Bibliography, format: Format) -> Vec<BibEntry> {
    let mut keys = Vec::with_capacity(entries.len());
    let mut cites = Vec::with_capacity(entries.len());
    let mut contents = Vec::with_capacity(entries.len());
    for (key, cite, bib) in entries {
        keys.push(key);
        cites.push(cite);
        contents.push(bib);
    }
    substitute_subsequent_authors(bib_style.subsequent_author_substitute.as_ref(), bib_style.subsequent_author_substitute_rule, &mut contents);
    keys.into_iter()
        .zip(contents)
        .zip(cites)
        .filter_map(|((key, mut content), cite)| {
            let first = bib_style.second_field_align.is_some().then(|| remove_any_meta(&mut content)).flatten();
            if write(None, &content, Format::Text).is_empty() {
                return None;
            }
            let first = first.map(|c| ElemChildren(vec![c]));
            Some(BibEntry { key, text: write(first.as_ref(), &content, format), citation: write(None, &cite, format) })
        })
        .collect()
}

/// Marks a group's helper item in cache keys.
const HELPER: u64 = 0x9e37_79b9_7f4a_7c15;

/// Disjoint sets of positions.
struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> UnionFind {
        UnionFind { parent: (0..n).collect() }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            self.parent[a.max(b)] = a.min(b);
        }
    }

    /// Every set, its positions ascending; sets ordered by first position.
    fn groups(&mut self) -> Vec<Vec<usize>> {
        let mut by_root: HashMap<usize, usize> = HashMap::new();
        let mut out: Vec<Vec<usize>> = Vec::new();
        for p in 0..self.parent.len() {
            let r = self.find(p);
            let i = *by_root.entry(r).or_insert_with(|| {
                out.push(Vec::new());
                out.len() - 1
            });
            out[i].push(p);
        }
        out
    }
}

impl RenderCache {
    pub fn new() -> RenderCache {
        RenderCache::default()
    }

    /// Hits and misses since the cache was made, and its size.
    pub fn stats(&self) -> CacheStats {
        CacheStats { hits: self.hits, misses: self.misses, entries: self.solo.len() + self.groups.len() }
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        *self = RenderCache::default();
    }

    /// The bibliography of `items`, in the style's order (see the module
    /// docs): what hayagriva's driver prints for the whole list with the
    /// items cited in bibliography order, except that citations it leaves
    /// ambiguous in a long list are told apart. Rendering is linear in the
    /// list; the first sort of a list costs n·log n comparisons, later ones
    /// only what changed.
    pub fn bibliography(&mut self, items: &[Map<String, Value>], style: &Style, locale: Option<&str>, format: Format) -> Result<Vec<BibEntry>, RenderError> {
        let data = &*style.inner;
        let Some(bib_style) = data.csl.bibliography.as_ref() else {
            return Err(RenderError::NoBibliography(data.id.clone()));
        };
        let ctx = Ctx { data, locale: locale_for(style, locale)?, fp: data.fingerprint };
        self.generation += 1;

        // Convert; identical items are one entry (as in hayagriva's driver).
        let converted = parallel_map(items, 256, |m| {
            let item = to_item(m);
            let fp = fingerprint(&item);
            (item, fp)
        });
        let mut seen: HashMap<u64, Vec<usize>> = HashMap::new();
        let mut conv: Vec<(Item, u64)> = Vec::with_capacity(items.len());
        for (item, fp) in converted {
            let same = seen.entry(fp).or_default();
            if same.iter().any(|&j| conv[j].0 == item) {
                continue;
            }
            same.push(conv.len());
            conv.push((item, fp));
        }

        let t0 = std::time::Instant::now();
        let order = self.sort_order(&ctx, &conv)?;
        let t_sort = t0.elapsed();
        let n = order.len();
        let numbered = data.uses_citation_number;

        // Every item alone, at its place (in parallel where not cached).
        let solo_key = |p: usize| (ctx.fp, ctx.locale.0.clone(), conv[order[p]].1, numbered.then_some(p));
        let mut solos: Vec<Option<Arc<Solo>>> = Vec::with_capacity(n);
        let mut missing: Vec<usize> = Vec::new();
        for p in 0..n {
            match self.solo.get_mut(&solo_key(p)) {
                Some((solo, used)) => {
                    self.hits += 1;
                    *used = self.generation;
                    solos.push(Some(Arc::clone(solo)));
                }
                None => {
                    self.misses += 1;
                    solos.push(None);
                    missing.push(p);
                }
            }
        }
        let rendered = parallel_map(&missing, 16, |&p| {
            let item = &conv[order[p]].0;
            let piece = render_run(&ctx, &[item], p)?.pop().expect("one piece per item");
            let has_date = has_date_var(item);
            Ok(Solo {
                class: class_of(&piece.cite),
                has_date: piece
                    .cite
                    .find_elem_by(&|e| e.meta == Some(ElemMeta::Date) || (has_date && e.meta == Some(ElemMeta::CitationLabel)))
                    .is_some(),
                cite_text: plain(&piece.cite),
                piece,
            })
        });
        for (p, solo) in missing.into_iter().zip(rendered) {
            let solo = Arc::new(solo?);
            self.solo.insert(solo_key(p), (Arc::clone(&solo), self.generation));
            solos[p] = Some(solo);
        }
        let solos: Vec<Arc<Solo>> = solos.into_iter().map(|s| s.expect("every item rendered")).collect();

        let t_solo = t0.elapsed();

        // Groups: items of one class, and items whose final citations
        // still coincide. For styles that print citation numbers a group is
        // a contiguous run of the order, so that the numbers are right.
        let mut sets = UnionFind::new(n);
        let mut first_of_class: HashMap<&(String, String), usize> = HashMap::new();
        for (p, s) in solos.iter().enumerate() {
            if let Some(&q) = first_of_class.get(&s.class) {
                sets.union(q, p);
            } else {
                first_of_class.insert(&s.class, p);
            }
        }
        let dated: Vec<usize> = (0..n).filter(|&p| solos[p].has_date).collect();
        let mut pieces: Vec<Option<Piece>> = vec![None; n];
        let mut n_groups: usize;
        loop {
            let mut groups = sets.groups();
            if numbered && groups.iter().any(|g| g.len() > 1) {
                for g in &groups {
                    let (lo, hi) = (g[0], g[g.len() - 1]);
                    for p in lo..hi {
                        sets.union(p, p + 1);
                    }
                }
                groups = sets.groups();
            }
            groups.retain(|g| g.len() > 1);
            n_groups = groups.len();
            pieces.iter_mut().for_each(|p| *p = None);
            let mut group_of: Vec<Option<usize>> = vec![None; n];
            // (members in order, the helper if any, cache key)
            let mut jobs: Vec<(Vec<usize>, Option<usize>, GroupKey)> = Vec::with_capacity(groups.len());
            for g in &groups {
                // hayagriva adds year suffixes only when some citation in the
                // driver shows a date: lend a group without one its nearest
                // dated neighbour (rendered along, output discarded).
                let helper = if !numbered && !dated.is_empty() && !g.iter().any(|&p| solos[p].has_date) {
                    let at = dated.partition_point(|&p| p < g[0]);
                    [at.checked_sub(1).map(|i| dated[i]), dated.get(at).copied()]
                        .into_iter()
                        .flatten()
                        .min_by_key(|&p| p.abs_diff(g[0]))
                } else {
                    None
                };
                let mut members: Vec<usize> = g.clone();
                if let Some(h) = helper {
                    members.push(h);
                    members.sort_unstable();
                }
                let fps: Vec<u64> = members.iter().map(|&p| conv[order[p]].1 ^ if Some(p) == helper { HELPER } else { 0 }).collect();
                let offset = if numbered { g[0] } else { 0 };
                jobs.push((members, helper, (ctx.fp, ctx.locale.0.clone(), fps, numbered.then_some(offset))));
            }
            let mut results: Vec<Option<Arc<Vec<Piece>>>> = Vec::with_capacity(jobs.len());
            let mut todo: Vec<usize> = Vec::new();
            for (j, (_, _, key)) in jobs.iter().enumerate() {
                match self.groups.get_mut(key) {
                    Some((got, used)) => {
                        self.hits += 1;
                        *used = self.generation;
                        results.push(Some(Arc::clone(got)));
                    }
                    None => {
                        self.misses += 1;
                        results.push(None);
                        todo.push(j);
                    }
                }
            }
            let rendered = parallel_map(&todo, 16, |&j| {
                let (members, _, key) = &jobs[j];
                let items: Vec<&Item> = members.iter().map(|&p| &conv[order[p]].0).collect();
                render_group(&ctx, &items, key.3.unwrap_or(0))
            });
            for (j, got) in todo.into_iter().zip(rendered) {
                let got = Arc::new(got?);
                self.groups.insert(jobs[j].2.clone(), (Arc::clone(&got), self.generation));
                results[j] = Some(got);
            }
            for (gi, ((members, helper, _), got)) in jobs.iter().zip(results).enumerate() {
                let got = got.expect("every group rendered");
                for (&p, piece) in members.iter().zip(got.iter()) {
                    if Some(p) != *helper {
                        pieces[p] = Some(piece.clone());
                        group_of[p] = Some(gi);
                    }
                }
            }
            // Citations that still coincide across groups: join and again.
            let mut first_at: HashMap<String, usize> = HashMap::new();
            let mut joined = false;
            for p in 0..n {
                let text = match &pieces[p] {
                    Some(piece) => plain(&piece.cite),
                    None => solos[p].cite_text.clone(),
                };
                match first_at.get(&text) {
                    Some(&q) if group_of[q].is_none() || group_of[q] != group_of[p] => {
                        sets.union(q, p);
                        joined = true;
                    }
                    Some(_) => {}
                    None => {
                        first_at.insert(text, p);
                    }
                }
            }
            if !joined {
                break;
            }
        }
        let t_groups = t0.elapsed();
        // The whole-list steps, then the format.
        let entries = order
            .iter()
            .enumerate()
            .map(|(p, &i)| {
                let key = conv[i].0.id().unwrap_or_default().to_string();
                match pieces[p].take() {
                    Some(piece) => (key, piece.cite_full, piece.bib),
                    None => (key, solos[p].piece.cite_full.clone(), solos[p].piece.bib.clone()),
                }
            })
            .collect();
        let out = finish_entries(entries, bib_style, format);
        self.evict(n);
        tracing::debug!(?t_sort, ?t_solo, ?t_groups, total = ?t0.elapsed(), groups = n_groups, "bibliography rendered");
        Ok(out)
    }

    /// Drops entries the last call did not use once there are many more
    /// than it needed.
    fn evict(&mut self, used: usize) {
        let budget = 2 * used + 4096;
        if self.solo.len() + self.groups.len() > budget {
            let g = self.generation;
            self.solo.retain(|_, (_, u)| *u == g);
            self.groups.retain(|_, (_, u)| *u == g);
        }
        if self.sorts.len() > 16 {
            self.sorts.clear();
        }
    }

    /// The bibliography order (indices into `conv`), by hayagriva's own
    /// sort: unchanged input → the order found last time; a few items new
    /// or changed → each inserted by binary search (hayagriva compares);
    /// otherwise hayagriva sorts the whole list (each item's keys computed
    /// once: n key renderings and n·log n string comparisons).
    fn sort_order(&mut self, ctx: &Ctx, conv: &[(Item, u64)]) -> Result<Vec<usize>, RenderError> {
        let n = conv.len();
        let Some((sort_csl, var)) = &ctx.data.sort_csl else {
            return Ok((0..n).collect());
        };
        if n < 2 {
            return Ok((0..n).collect());
        }
        let fps: Vec<u64> = conv.iter().map(|(_, fp)| *fp).collect();
        let memo = self.sorts.entry((ctx.fp, ctx.locale.0.clone())).or_default();
        if memo.input == fps {
            return Ok(memo.order.clone());
        }
        let sorter = Sorter { ctx, csl: sort_csl, var, conv };
        let order = match incremental(memo, &fps) {
            Some((mut base, new)) if new.len() <= 64.max(n / 50) => {
                for i in new {
                    let at = sorter.insertion_point(&base, i)?;
                    base.insert(at, i);
                }
                base
            }
            // One hayagriva sort of the whole list. (Its comparator renders
            // the macro keys; our patched hayagriva renders each item's keys
            // once per sort, not on every comparison: vendor/hayagriva.)
            _ => sorter.sort(&(0..n).collect::<Vec<_>>())?,
        };
        let memo = self.sorts.entry((ctx.fp, ctx.locale.0.clone())).or_default();
        memo.input = fps;
        memo.order = order.clone();
        Ok(order)
    }
}

/// When the items known from the last sort come in the same relative
/// order: them in their sorted order, and the other (new or changed) items.
fn incremental(memo: &SortMemo, fps: &[u64]) -> Option<(Vec<usize>, Vec<usize>)> {
    if memo.order.is_empty() {
        return None;
    }
    let old_index: HashMap<u64, usize> = memo.input.iter().enumerate().map(|(i, fp)| (*fp, i)).collect();
    let mut rank_of_old = vec![0; memo.input.len()];
    for (r, &i) in memo.order.iter().enumerate() {
        rank_of_old[i] = r;
    }
    let mut last_old = None;
    let mut known: Vec<(usize, usize)> = Vec::new();
    let mut new = Vec::new();
    for (i, fp) in fps.iter().enumerate() {
        match old_index.get(fp) {
            Some(&o) => {
                if last_old.is_some_and(|l| l > o) {
                    return None;
                }
                last_old = Some(o);
                known.push((rank_of_old[o], i));
            }
            None => new.push(i),
        }
    }
    known.sort_unstable();
    Some((known.into_iter().map(|(_, i)| i).collect(), new))
}

/// Sorting with hayagriva's comparator: its sort of a citation whose items
/// carry their input index as the last key and print only it.
struct Sorter<'a> {
    ctx: &'a Ctx<'a>,
    csl: &'a IndependentStyle,
    var: &'a str,
    conv: &'a [(Item, u64)],
}

impl Sorter<'_> {
    fn copy(&self, i: usize) -> Item {
        let mut c = self.conv[i].0.clone();
        c.0.insert(self.var.to_string(), CslValue::String(format!("{i:010}")));
        c
    }

    /// hayagriva's order of the items `seed` (input indices), started from
    /// that order.
    fn sort(&self, seed: &[usize]) -> Result<Vec<usize>, RenderError> {
        let copies: Vec<Item> = seed.iter().map(|&i| self.copy(i)).collect();
        let files = locale_files_for(&self.ctx.locale.0);
        let out = catch_unwind(AssertUnwindSafe(|| {
            let req = CitationRequest::new(copies.iter().map(CitationItem::with_entry).collect(), self.csl, Some(self.ctx.locale.clone()), files, None);
            plain(&standalone_citation(req))
        }))
        .map_err(|p| RenderError::Item { key: "(sorting)".into(), message: panic_message(p) })?;
        let order: Vec<usize> = out.split_whitespace().filter_map(|t| t.parse().ok()).collect();
        let mut expected: Vec<usize> = seed.to_vec();
        expected.sort_unstable();
        let mut got = order.clone();
        got.sort_unstable();
        if got != expected {
            return Err(RenderError::Item { key: "(sorting)".into(), message: "hayagriva's sort did not return every item".into() });
        }
        Ok(order)
    }

    /// Where item `i` goes in the sorted `base`.
    fn insertion_point(&self, base: &[usize], i: usize) -> Result<usize, RenderError> {
        let (mut lo, mut hi) = (0, base.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            let first = self.sort(&[base[mid], i])?[0];
            if first == i {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        Ok(lo)
    }
}

pub(super) fn citations(
    cites: &[Vec<CiteItem>],
    style: &Style,
    locale: Option<&str>,
    format: Format,
) -> Result<Vec<String>, RenderError> {
    let data = &*style.inner;
    let locale = locale_for(style, locale)?;
    // hayagriva tells a work cited again (subsequent, ibid) by the
    // reference, so each distinct item is converted once.
    let mut unique: Vec<Item> = Vec::new();
    let converted: Vec<Vec<(usize, Option<&Locator>)>> = cites
        .iter()
        .map(|c| {
            c.iter()
                .map(|(m, l)| {
                    let item = to_item(m);
                    let i = unique.iter().position(|u| *u == item).unwrap_or_else(|| {
                        unique.push(item);
                        unique.len() - 1
                    });
                    (i, l.as_ref())
                })
                .collect()
        })
        .collect();
    let files = locale_files_for(&locale.0);
    let rendered = catch_unwind(AssertUnwindSafe(|| {
        let mut driver = BibliographyDriver::new();
        for (n, cite) in converted.iter().enumerate() {
            let items = cite
                .iter()
                .map(|&(i, loc)| {
                    CitationItem::with_locator(&unique[i], loc.map(|l| SpecificLocator(l.kind, LocatorPayload::Str(&l.value))))
                })
                .collect();
            driver.citation(CitationRequest::new(items, &data.csl, Some(locale.clone()), files, Some(n + 1)));
        }
        driver.finish(BibliographyRequest::new(&data.csl, Some(locale.clone()), files))
    }))
    .map_err(|p| RenderError::Item { key: "(citation)".into(), message: panic_message(p) })?;
    Ok(rendered.citations.iter().map(|c| write(None, &c.citation, format)).collect())
}

pub(super) fn single_pass(items: &[Map<String, Value>], style: &Style, locale: Option<&str>, format: Format) -> Result<Vec<BibEntry>, RenderError> {
    let data = &*style.inner;
    let Some(bib_style) = data.csl.bibliography.as_ref() else {
        return Err(RenderError::NoBibliography(data.id.clone()));
    };
    let ctx = Ctx { data, locale: locale_for(style, locale)?, fp: data.fingerprint };
    let conv: Vec<Item> = items.iter().map(to_item).collect();
    let files = locale_files_for(&ctx.locale.0);
    // The driver over the whole list, without the steps done afterwards.
    let csl = &data.render_csl;
    let rendered = catch_unwind(AssertUnwindSafe(|| {
        let mut driver = BibliographyDriver::new();
        for item in &conv {
            driver.citation(CitationRequest::new(vec![CitationItem::with_entry(item)], csl, Some(ctx.locale.clone()), files, None));
        }
        driver.finish(BibliographyRequest::new(csl, Some(ctx.locale.clone()), files))
    }))
    .map_err(|p| RenderError::Item { key: "(bibliography)".into(), message: panic_message(p) })?;
    let mut citation_of: HashMap<String, ElemChildren> = HashMap::new();
    for (item, c) in conv.iter().zip(rendered.citations) {
        citation_of.entry(item.id().unwrap_or_default().to_string()).or_insert(c.citation);
    }
    let bib_items = rendered.bibliography.map(|b| b.items).unwrap_or_default();
    let entries = bib_items.into_iter().map(|b| (b.key.clone(), citation_of.get(&b.key).cloned().unwrap_or_default(), b.content)).collect();
    Ok(finish_entries(entries, bib_style, format))
}
