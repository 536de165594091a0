//! The grouped bibliography renderer and its cache (see the module docs in
//! `mod.rs` for the design), citations, and the single-pass reference.

use std::collections::{HashMap, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};

use hayagriva::citationberg::json::{Item, Value as CslValue};
use hayagriva::citationberg::{IndependentStyle, LocaleCode};
use hayagriva::{
    standalone_citation, BibliographyDriver, BibliographyRequest, CitationItem, CitationRequest, ElemChild, ElemChildren, ElemMeta,
    LocatorPayload, SpecificLocator,
};
use serde_json::{Map, Value};

use super::input::{fingerprint, to_item, DATE_VARIABLES};
use super::output::{plain, write};
use super::style::{locale_files, resolve_locale, StyleData};
use super::whole_list::{remove_any_meta, substitute_subsequent_authors};
use super::{BibEntry, Format, Locator, RenderError, Style};

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
    solo: HashMap<SoloKey, (Solo, u64)>,
    groups: HashMap<GroupKey, (Vec<Piece>, u64)>,
    order_hint: HashMap<(u64, String), HashMap<u64, usize>>,
    generation: u64,
    hits: u64,
    misses: u64,
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

fn class_of(cite: &ElemChildren) -> (String, String) {
    let first = cite
        .find_elem_by(&|e| matches!(e.meta, Some(ElemMeta::Name(_, _))))
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
    let csl: &IndependentStyle = &ctx.data.render_csl;
    let files = locale_files();
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

/// Contiguous, disjoint, sorted runs (inclusive bounds).
fn merge_runs(mut runs: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    runs.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(runs.len());
    for (s, e) in runs {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
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
    /// docs). Same output as hayagriva's driver over the whole list with the
    /// items cited in bibliography order, at a cost linear in the list.
    pub fn bibliography(&mut self, items: &[Map<String, Value>], style: &Style, locale: Option<&str>, format: Format) -> Result<Vec<BibEntry>, RenderError> {
        let data = &*style.inner;
        let Some(bib_style) = data.csl.bibliography.as_ref() else {
            return Err(RenderError::NoBibliography(data.id.clone()));
        };
        let ctx = Ctx { data, locale: locale_for(style, locale)?, fp: data.fingerprint };
        self.generation += 1;

        // Convert; identical items are one entry (as in hayagriva's driver).
        let mut seen: HashMap<u64, Vec<usize>> = HashMap::new();
        let mut conv: Vec<(Item, u64)> = Vec::with_capacity(items.len());
        for m in items {
            let item = to_item(m, data.guard_variable.as_deref());
            let fp = fingerprint(&item);
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

        // Every item alone, at its place.
        let mut solos: Vec<Solo> = Vec::with_capacity(n);
        for (p, &i) in order.iter().enumerate() {
            let (item, fp) = &conv[i];
            let key = (ctx.fp, ctx.locale.0.clone(), *fp, numbered.then_some(p));
            let solo = match self.solo.get_mut(&key) {
                Some((s, used)) => {
                    self.hits += 1;
                    *used = self.generation;
                    s.clone()
                }
                None => {
                    self.misses += 1;
                    let piece = render_run(&ctx, &[item], p)?.pop().expect("one piece per item");
                    let has_date = has_date_var(item);
                    let solo = Solo {
                        class: class_of(&piece.cite),
                        has_date: piece
                            .cite
                            .find_elem_by(&|e| e.meta == Some(ElemMeta::Date) || (has_date && e.meta == Some(ElemMeta::CitationLabel)))
                            .is_some(),
                        cite_text: plain(&piece.cite),
                        piece,
                    };
                    self.solo.insert(key, (solo.clone(), self.generation));
                    solo
                }
            };
            solos.push(solo);
        }

        let t_solo = t0.elapsed();
        // Runs of the order that must be rendered together.
        let mut class_span: HashMap<&(String, String), (usize, usize)> = HashMap::new();
        for (p, s) in solos.iter().enumerate() {
            class_span.entry(&s.class).and_modify(|r| r.1 = p).or_insert((p, p));
        }
        let mut runs = merge_runs(class_span.into_values().filter(|(s, e)| s < e).collect());
        let dated: Vec<usize> = (0..n).filter(|&p| solos[p].has_date).collect();
        let mut pieces: Vec<Option<Piece>> = vec![None; n];
        loop {
            // A run without a dated citation reaches to the nearest dated one.
            if !dated.is_empty() {
                loop {
                    let mut widened = false;
                    for r in runs.iter_mut() {
                        if (r.0..=r.1).any(|p| solos[p].has_date) {
                            continue;
                        }
                        let after = dated.partition_point(|&p| p < r.0);
                        let left = after.checked_sub(1).map(|i| dated[i]);
                        let right = dated.get(after).copied();
                        match (left, right) {
                            (Some(l), Some(rt)) if r.0 - l <= rt - r.1 => r.0 = l,
                            (_, Some(rt)) => r.1 = rt,
                            (Some(l), None) => r.0 = l,
                            (None, None) => continue,
                        }
                        widened = true;
                    }
                    runs = merge_runs(runs);
                    if !widened {
                        break;
                    }
                }
            }
            // Render the runs.
            let mut run_of: Vec<Option<usize>> = vec![None; n];
            for (ri, &(s, e)) in runs.iter().enumerate() {
                let members: Vec<&Item> = (s..=e).map(|p| &conv[order[p]].0).collect();
                let fps: Vec<u64> = (s..=e).map(|p| conv[order[p]].1).collect();
                let key = (ctx.fp, ctx.locale.0.clone(), fps, numbered.then_some(s));
                let got = match self.groups.get_mut(&key) {
                    Some((g, used)) => {
                        self.hits += 1;
                        *used = self.generation;
                        g.clone()
                    }
                    None => {
                        self.misses += 1;
                        let g = render_run(&ctx, &members, s)?;
                        self.groups.insert(key, (g.clone(), self.generation));
                        g
                    }
                };
                for (k, piece) in got.into_iter().enumerate() {
                    pieces[s + k] = Some(piece);
                    run_of[s + k] = Some(ri);
                }
            }
            // Citations that still coincide across runs: merge and again.
            let mut first_at: HashMap<String, usize> = HashMap::new();
            let mut extra: Vec<(usize, usize)> = Vec::new();
            for p in 0..n {
                let text = match &pieces[p] {
                    Some(piece) if run_of[p].is_some() => plain(&piece.cite),
                    _ => solos[p].cite_text.clone(),
                };
                match first_at.get(&text) {
                    Some(&q) if run_of[q].is_none() || run_of[q] != run_of[p] => extra.push((q, p)),
                    Some(_) => {}
                    None => {
                        first_at.insert(text, p);
                    }
                }
            }
            if extra.is_empty() {
                break;
            }
            runs.extend(extra);
            runs = merge_runs(runs);
            pieces = vec![None; n];
        }

        let t_groups = t0.elapsed();
        // The whole-list steps, then the format.
        let mut keys = Vec::with_capacity(n);
        let mut cites = Vec::with_capacity(n);
        let mut contents: Vec<ElemChildren> = Vec::with_capacity(n);
        for (p, &i) in order.iter().enumerate() {
            keys.push(conv[i].0.id().unwrap_or_default().to_string());
            let piece = pieces[p].take().unwrap_or_else(|| solos[p].piece.clone());
            cites.push(piece.cite_full);
            contents.push(piece.bib);
        }
        substitute_subsequent_authors(bib_style.subsequent_author_substitute.as_ref(), bib_style.subsequent_author_substitute_rule, &mut contents);
        let out = keys
            .into_iter()
            .zip(contents)
            .zip(cites)
            .map(|((key, mut content), cite)| {
                let first = bib_style.second_field_align.is_some().then(|| remove_any_meta(&mut content)).flatten();
                let first = first.map(|c| ElemChildren(vec![c]));
                BibEntry { key, text: write(first.as_ref(), &content, format), citation: write(None, &cite, format) }
            })
            .collect();
        self.evict(n);
        tracing::debug!(?t_sort, ?t_solo, ?t_groups, total = ?t0.elapsed(), runs = runs.len(), "bibliography rendered");
        if std::env::var_os("IBID_RENDER_TIMING").is_some() {
            eprintln!("sort {t_sort:?} solo {t_solo:?} groups {t_groups:?} total {:?} runs {}", t0.elapsed(), runs.len());
            let mut big: Vec<_> = runs.iter().map(|r| (r.1 - r.0 + 1, r.0, r.1)).collect();
            big.sort();
            for (len, s0, e0) in big.iter().rev().take(3) {
                eprintln!("  run {len}: {:?} .. {:?}", solos[*s0].class, solos[*e0].class);
            }
        }
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
        if self.order_hint.len() > 16 {
            self.order_hint.clear();
        }
    }

    /// The bibliography order (indices into `conv`), by hayagriva's own sort.
    fn sort_order(&mut self, ctx: &Ctx, conv: &[(Item, u64)]) -> Result<Vec<usize>, RenderError> {
        let n = conv.len();
        let Some((sort_csl, var)) = &ctx.data.sort_csl else {
            return Ok((0..n).collect());
        };
        if n < 2 {
            return Ok((0..n).collect());
        }
        // Start from the order found last time (the sort is cheap on nearly
        // sorted input); the index key makes the result the same anyway.
        let hint = self.order_hint.entry((ctx.fp, ctx.locale.0.clone())).or_default();
        let mut seed: Vec<usize> = (0..n).collect();
        seed.sort_by_key(|&i| (hint.get(&conv[i].1).copied().unwrap_or(usize::MAX), i));
        let copies: Vec<Item> = conv
            .iter()
            .enumerate()
            .map(|(i, (item, _))| {
                let mut c = item.clone();
                c.0.insert(var.to_string(), CslValue::String(format!("{i:010}")));
                c
            })
            .collect();
        let files = locale_files();
        let out = catch_unwind(AssertUnwindSafe(|| {
            let req = CitationRequest::new(
                seed.iter().map(|&i| CitationItem::with_entry(&copies[i])).collect(),
                sort_csl,
                Some(ctx.locale.clone()),
                files,
                None,
            );
            standalone_citation(req)
        }))
        .map_err(|p| RenderError::Item { key: "(sorting)".into(), message: panic_message(p) })?;
        let order: Vec<usize> = plain(&out).split_whitespace().filter_map(|t| t.parse().ok()).collect();
        let mut check = vec![false; n];
        let is_permutation = order.len() == n && order.iter().all(|&i| i < n && !std::mem::replace(&mut check[i], true));
        if !is_permutation {
            return Err(RenderError::Item { key: "(sorting)".into(), message: "hayagriva's sort did not return every item".into() });
        }
        *hint = order.iter().enumerate().map(|(p, &i)| (conv[i].1, p)).collect();
        Ok(order)
    }
}

pub(super) fn citations(
    cites: &[Vec<(Map<String, Value>, Option<Locator>)>],
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
                    let item = to_item(m, data.guard_variable.as_deref());
                    let i = unique.iter().position(|u| *u == item).unwrap_or_else(|| {
                        unique.push(item);
                        unique.len() - 1
                    });
                    (i, l.as_ref())
                })
                .collect()
        })
        .collect();
    let files = locale_files();
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
    if data.csl.bibliography.is_none() {
        return Err(RenderError::NoBibliography(data.id.clone()));
    }
    let locale = locale_for(style, locale)?;
    let conv: Vec<Item> = items.iter().map(|m| to_item(m, data.guard_variable.as_deref())).collect();
    let files = locale_files();
    let csl = &data.csl;
    let rendered = catch_unwind(AssertUnwindSafe(|| {
        let mut driver = BibliographyDriver::new();
        for item in &conv {
            driver.citation(CitationRequest::new(vec![CitationItem::with_entry(item)], csl, Some(locale.clone()), files, None));
        }
        driver.finish(BibliographyRequest::new(csl, Some(locale.clone()), files))
    }))
    .map_err(|p| RenderError::Item { key: "(bibliography)".into(), message: panic_message(p) })?;
    let citation_of: HashMap<String, String> = conv
        .iter()
        .zip(&rendered.citations)
        .rev()
        .map(|(item, c)| (item.id().unwrap_or_default().to_string(), write(None, &c.citation, format)))
        .collect();
    Ok(rendered
        .bibliography
        .map(|b| b.items)
        .unwrap_or_default()
        .into_iter()
        .map(|b| BibEntry {
            text: write(b.first_field.as_ref().map(|f| ElemChildren(vec![f.clone()])).as_ref(), &b.content, format),
            citation: citation_of.get(&b.key).cloned().unwrap_or_default(),
            key: b.key,
        })
        .collect())
}
