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

/// The collator upstream's `collation_cmp` builds for `locale`, or `None` where it
/// compares code points.
fn collator_for(locale: &LocaleCode) -> Option<CollatorBorrowed<'static>> {
    let locale = locale.0.parse::<IcuLocale>().ok()?;
    Some(Collator::try_new(locale.into(), CollatorOptions::default()).unwrap())
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
    ) -> Ordering {
        let (ordering, empty_value) = match key {
            SortKey::Variable { variable: Variable::Standard(s), .. } => {
                let a = cached.0.get_or_init(|| {
                    InstanceContext::variable_sort_instance(a, a_idx)
                        .resolve_standard_variable(LongShortForm::default(), *s)
                        .map(|s| s.to_string().to_lowercase())
                });
                let b = cached.1.get_or_init(|| {
                    InstanceContext::variable_sort_instance(b, b_idx)
                        .resolve_standard_variable(LongShortForm::default(), *s)
                        .map(|s| s.to_string().to_lowercase())
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
                    ctx.writing.name_options.push(InheritableNameOptions {
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

                let a_rendered = cached.0.get_or_init(|| render(a, a_idx));
                let b_rendered = cached.1.get_or_init(|| render(b, b_idx));

                (cmp_opt_str(a_rendered, b_rendered, collator), false)
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
