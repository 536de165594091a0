use std::cmp::Ordering;

use citationberg::taxonomy::Variable;
use citationberg::{
    DemoteNonDroppingParticle, InheritableNameOptions, LocaleCode, LongShortForm, Sort,
    SortDirection, SortKey,
};
use icu_collator::{Collator, CollatorBorrowed};
use std::cell::OnceCell;
use icu_collator::options::CollatorOptions;
use icu_locale::Locale as IcuLocale;

use crate::csl::BufWriteFormat;
use crate::csl::rendering::RenderCsl;

use super::taxonomy::EntryLike;
use super::{CitationItem, InstanceContext, StyleContext};

// Ibid patch: one collator per sort instead of one per comparison, and each
// item's string sort keys (macro renderings, standard variables) computed
// once per sort instead of on every comparison. The comparisons are the
// same as upstream's `collation_cmp`.

/// The collator for `locale`, or `None` where it compares code points.
///
/// Ibid patch: compares as citeproc-js does (`Intl.Collator` with
/// `sensitivity: "base"`, `ignorePunctuation: true`, `numeric: true`):
/// base letters only, spaces and punctuation ignored, digits by their
/// value. Upstream compared every character at tertiary strength, so
/// "Computer Science: GenCS" came after "Computer Science; Problems".
fn collator_for(locale: &LocaleCode) -> Option<CollatorBorrowed<'static>> {
    use icu_collator::options::{AlternateHandling, Strength};
    use icu_collator::preferences::CollationNumericOrdering;
    let locale = locale.0.parse::<IcuLocale>().ok()?;
    let mut prefs: icu_collator::CollatorPreferences = locale.into();
    prefs.numeric_ordering = Some(CollationNumericOrdering::True);
    let mut options = CollatorOptions::default();
    options.strength = Some(Strength::Primary);
    options.alternate_handling = Some(AlternateHandling::Shifted);
    Some(Collator::try_new(prefs, options).unwrap())
}

/// Ibid patch: a key as citeproc-js compares it: each space becomes `|`
/// and one ends the key. `|` is a symbol, which the collator does not
/// ignore, so word boundaries count ("Adhesives - One" before "Adhesives
/// for"), while punctuation does not.
fn key_string(s: &str) -> String {
    let mut out = s.replace(' ', "|");
    out.push('|');
    out
}

/// `Option<String>::collation_cmp` with a prepared collator.
fn cmp_opt_str(a: &Option<String>, b: &Option<String>, collator: Option<&CollatorBorrowed<'static>>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => match collator {
            Some(c) => c.compare(a, b),
            None => a.as_str().cmp(b.as_str()),
        },
        (Some(_), None) => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        (None, None) => Ordering::Equal,
    }
}

/// Applies the permutation `order` (new position → old index) to `items`
/// in place.
fn permute<E>(items: &mut [E], order: &[usize]) {
    // where[i]: the current position of the item originally at i.
    let n = items.len();
    let mut pos: Vec<usize> = (0..n).collect();
    let mut at: Vec<usize> = (0..n).collect();
    for (target, &orig) in order.iter().enumerate() {
        let cur = pos[orig];
        if cur != target {
            items.swap(target, cur);
            let displaced = at[target];
            at[cur] = displaced;
            pos[displaced] = cur;
            at[target] = orig;
            pos[orig] = target;
        }
    }
}

impl StyleContext<'_> {
    /// Retrieve the ordering of two entries according to the given sort key.
    fn cmp_entries<T: EntryLike>(
        &self,
        a: &CitationItem<T>,
        a_idx: usize,
        b: &CitationItem<T>,
        b_idx: usize,
        key: &SortKey,
        term_locale: Option<&LocaleCode>,
        cached: (&OnceCell<Option<String>>, &OnceCell<Option<String>>),
        collator: Option<&CollatorBorrowed<'static>>,
        layout_names: &InheritableNameOptions,
    ) -> Ordering {
        let (ordering, empty_value) = match key {
            SortKey::Variable { variable: Variable::Standard(s), .. } => {
                let a = cached.0.get_or_init(|| {
                    InstanceContext::variable_sort_instance(a, a_idx)
                        .resolve_standard_variable(LongShortForm::default(), *s)
                        .map(|s| key_string(&s.to_string().to_lowercase()))
                });
                let b = cached.1.get_or_init(|| {
                    InstanceContext::variable_sort_instance(b, b_idx)
                        .resolve_standard_variable(LongShortForm::default(), *s)
                        .map(|s| key_string(&s.to_string().to_lowercase()))
                });

                (cmp_opt_str(a, b, collator), a.is_none() || b.is_none())
            }
            SortKey::Variable { variable: Variable::Date(d), .. } => {
                let a = a.entry.resolve_date_variable(*d);
                let b = b.entry.resolve_date_variable(*d);

                match (a, b) {
                    (Some(a), Some(b)) => (a.csl_cmp(&b), false),
                    (Some(_), None) => (Ordering::Greater, true),
                    (None, Some(_)) => (Ordering::Less, true),
                    (None, None) => (Ordering::Equal, true),
                }
            }
            SortKey::Variable { variable: Variable::Name(n), .. } => {
                let a = a.entry.resolve_name_variable(*n);
                let b = b.entry.resolve_name_variable(*n);

                for (a_pers, b_pers) in a.iter().zip(b.iter()) {
                    let ord = a_pers.csl_cmp(
                        b_pers,
                        LongShortForm::Long,
                        self.csl.settings.demote_non_dropping_particle
                            != DemoteNonDroppingParticle::Never,
                    );
                    if ord != Ordering::Equal {
                        return ord;
                    }
                }

                (
                    if a.len() < b.len() {
                        Ordering::Less
                    } else if a.len() > b.len() {
                        Ordering::Greater
                    } else {
                        Ordering::Equal
                    },
                    false,
                )
            }
            SortKey::Variable { variable: Variable::Number(n), .. } => {
                let a = InstanceContext::variable_sort_instance(a, a_idx)
                    .resolve_number_variable(*n);
                let b = InstanceContext::variable_sort_instance(b, b_idx)
                    .resolve_number_variable(*n);

                match (a, b) {
                    (Some(a), Some(b)) => (a.csl_cmp(&b), false),
                    (Some(_), None) => (Ordering::Greater, true),
                    (None, Some(_)) => (Ordering::Less, true),
                    (None, None) => (Ordering::Equal, true),
                }
            }
            SortKey::Variable { variable: Variable::Page(pv), .. } => {
                let a = InstanceContext::variable_sort_instance(a, a_idx)
                    .resolve_page_variable(*pv);
                let b = InstanceContext::variable_sort_instance(b, b_idx)
                    .resolve_page_variable(*pv);

                match (a, b) {
                    (Some(a), Some(b)) => (a.csl_cmp(&b), false),
                    (Some(_), None) => (Ordering::Greater, true),
                    (None, Some(_)) => (Ordering::Less, true),
                    (None, None) => (Ordering::Equal, true),
                }
            }
            SortKey::MacroName {
                name,
                names_min,
                names_use_first,
                names_use_last,
                ..
            } => {
                let render = |entry: &CitationItem<T>, idx: usize| {
                    let mut ctx = self.macro_sorting_ctx(
                        entry,
                        idx,
                        entry.locale.as_ref(),
                        term_locale,
                        false,
                    );
                    // Ibid patch: the names in a macro key are cut by the
                    // et-al options of the element being sorted (the
                    // bibliography's for its sort), as citeproc-js cuts
                    // them; upstream printed every name. The key's own
                    // `names-min` etc. apply on top of them (upstream's
                    // push replaced every inherited name option).
                    ctx.writing.push_name_options(layout_names);
                    ctx.writing.push_name_options(&InheritableNameOptions {
                        et_al_min: *names_min,
                        et_al_subsequent_min: *names_min,
                        et_al_use_first: *names_use_first,
                        et_al_subsequent_use_first: *names_use_first,
                        et_al_use_last: *names_use_last,
                        ..Default::default()
                    });

                    self.get_macro(name).map(|m| {
                        for child in &m.children {
                            child.render(&mut ctx)
                        }
                        ctx.flush().0.into_iter().fold(String::new(), |mut s, f| {
                            f.write_buf(&mut s, BufWriteFormat::Plain).unwrap();
                            s.to_lowercase()
                        })
                    })
                };

                // Ibid patch: an empty rendering is no key (citeproc-js:
                // `undefined`), which sorts after every key in either
                // direction; upstream sorted "" first.
                let key = |r: Option<String>| r.filter(|s| !s.is_empty()).map(|s| key_string(&s));
                let a_rendered = cached.0.get_or_init(|| key(render(a, a_idx)));
                let b_rendered = cached.1.get_or_init(|| key(render(b, b_idx)));

                (
                    cmp_opt_str(a_rendered, b_rendered, collator),
                    a_rendered.is_none() || b_rendered.is_none(),
                )
            }
        };

        // Per CSL 1.0.2 spec (https://docs.citationstyles.org/en/v1.0.2/specification.html):
        // Entries with empty values are always displayed at the end, even with reversed order.
        // So we always reverse the order if either entry is empty.
        if empty_value || key.sort_direction() == SortDirection::Descending {
            ordering.reverse()
        } else {
            ordering
        }
    }

    /// Sorts the given citation items by the style's sort keys.
    pub fn sort<T: EntryLike>(
        &self,
        cites: &mut [CitationItem<T>],
        sort: Option<&Sort>,
        term_locale: Option<&LocaleCode>,
        citation_number: impl Fn(&T) -> usize,
    ) {
        if let Some(sort) = sort {
            if cites.len() < 2 {
                return;
            }
            let collator = collator_for(&self.locale());
            let layout_names = match self.csl.bibliography.as_ref() {
                Some(b) if b.sort.as_ref().is_some_and(|bs| std::ptr::eq(bs, sort)) => {
                    &b.name_options
                }
                _ => &self.csl.citation.name_options,
            };
            let k = sort.keys.len();
            let cache: Vec<OnceCell<Option<String>>> =
                (0..cites.len() * k).map(|_| OnceCell::new()).collect();
            let numbers: Vec<usize> =
                cites.iter().map(|c| citation_number(c.entry)).collect();
            let mut order: Vec<usize> = (0..cites.len()).collect();
            {
                let cites = &*cites;
                order.sort_by(|&a, &b| {
                    let mut ordering = Ordering::Equal;
                    for (ki, key) in sort.keys.iter().enumerate() {
                        ordering = self.cmp_entries(
                            &cites[a],
                            numbers[a],
                            &cites[b],
                            numbers[b],
                            key,
                            term_locale,
                            (&cache[a * k + ki], &cache[b * k + ki]),
                            collator.as_ref(),
                            layout_names,
                        );
                        if ordering != Ordering::Equal {
                            break;
                        }
                    }
                    ordering
                });
            }
            permute(cites, &order);
        }
    }
}
