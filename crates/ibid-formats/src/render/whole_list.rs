//! The two bibliography steps that look across neighbouring entries, done
//! over the whole list after the entries were rendered in groups: the
//! subsequent-author substitute (`———.`) and the split of the first field
//! (`[1]`) for `second-field-align`.
//!
//! Both are ports of hayagriva 0.10's `substitute_subsequent_authors` and
//! `ElemChildren::remove_any_meta` (MIT OR Apache-2.0, © the hayagriva
//! authors) — including the quirk that once an entry without names is met,
//! the rule stays `complete-all` for the rest of the list — except where
//! citeproc-js decides otherwise: names are compared by their data (family,
//! given, particle, suffix), not by variable or printed form, and
//! `complete-all` replaces the whole name list ("and", "et al." too) and
//! keeps only its label ("---, editor"); a title standing in for the names
//! keeps its quotation marks and formatting ("“---.”").

use hayagriva::citationberg::SubsequentAuthorSubstituteRule;
use hayagriva::{Elem, ElemChild, ElemChildren, ElemMeta, Formatted, Formatting};

pub(crate) fn substitute_subsequent_authors(subs: Option<&String>, mut rule: SubsequentAuthorSubstituteRule, items: &mut [ElemChildren]) {
    let Some(subs) = subs else { return };
    let subs = Formatted { text: subs.clone(), formatting: Formatting::default() };

    fn labels(children: ElemChildren, out: &mut Vec<ElemChild>) {
        for child in children.0 {
            if let ElemChild::Elem(e) = child {
                if matches!(e.meta, Some(ElemMeta::Label)) {
                    out.push(ElemChild::Elem(e));
                } else {
                    labels(e.children, out);
                }
            }
        }
    }

    /// `complete-all` as citeproc-js does it: the whole name list, with its
    /// delimiters, "and" and "et al.", becomes the substitute; only the
    /// label stays ("---, editor").
    fn first_formatting(children: &ElemChildren) -> Option<Formatting> {
        children.0.iter().find_map(|c| match c {
            ElemChild::Text(t) => Some(t.formatting),
            ElemChild::Elem(e) => first_formatting(&e.children),
            _ => None,
        })
    }

    fn replace_all(names: &mut Elem, is_empty: bool, subs: &Formatted) {
        let old_children = std::mem::replace(&mut names.children, ElemChildren(vec![ElemChild::Text(subs.clone())]));
        if !is_empty {
            labels(old_children, &mut names.children.0);
        } else {
            // What stood in for the names (a title): citeproc-js replaces its
            // text and keeps its quotation marks, with any punctuation pulled
            // into them ("“---.”"), and its formatting.
            let text = super::output::plain(&old_children);
            let open: String = text.chars().take_while(|c| matches!(c, '“' | '‘' | '"' | '«' | '„')).collect();
            let rest = &text[open.len()..];
            let close_len: usize = rest
                .chars()
                .rev()
                .take_while(|c| matches!(c, '”' | '’' | '"' | '»' | '.' | ',' | ';' | ':' | '!' | '?'))
                .map(char::len_utf8)
                .sum();
            let close = if open.is_empty() { "" } else { &rest[rest.len() - close_len..] };
            let formatting = first_formatting(&old_children).unwrap_or(subs.formatting);
            names.children = ElemChildren(vec![ElemChild::Text(Formatted { text: format!("{open}{}{close}", subs.text), formatting })]);
        }
    }

    fn replace_name(e: Elem, subs: &Formatted) -> (ElemChild, bool) {
        if matches!(e.meta, Some(ElemMeta::Name(_, _))) {
            return (
                ElemChild::Elem(Elem { children: ElemChildren(vec![ElemChild::Text(subs.clone())]), display: e.display, meta: e.meta }),
                true,
            );
        }
        let len = e.children.0.len();
        let mut iter = e.children.0.into_iter();
        let mut children = Vec::with_capacity(len);
        let mut changed = false;
        for c in iter.by_ref() {
            match c {
                ElemChild::Elem(ec) => {
                    let (nc, ch) = replace_name(ec, subs);
                    children.push(nc);
                    if ch {
                        changed = true;
                        break;
                    }
                }
                _ => children.push(c),
            }
        }
        children.extend(iter);
        (ElemChild::Elem(Elem { display: e.display, meta: e.meta, children: ElemChildren(children) }), changed)
    }

    fn replace_each(names: &mut Elem, subs: &Formatted) {
        let old_children = std::mem::replace(&mut names.children, ElemChildren(vec![ElemChild::Text(subs.clone())]));
        for child in old_children.0 {
            match child {
                ElemChild::Elem(e) => names.children.0.push(replace_name(e, subs).0),
                _ => names.children.0.push(child),
            }
        }
    }

    /// The printed names, each as its parts in the data (family name with
    /// particle, given name, particle, suffix), as citeproc-js compares
    /// them: not the variable they come from (an editor substituted for
    /// the author is the same person) nor how they are printed ("Daniel S"
    /// and "Daniel S." differ, though both print "Daniel S.").
    fn get_names(elem: &Elem, people: &[(Vec<hayagriva::types::Person>, hayagriva::citationberg::taxonomy::NameVariable)], names: &mut Vec<String>) {
        if let Some(ElemMeta::Name(var, idx)) = &elem.meta {
            let person = people.iter().find(|(_, v)| v == var).and_then(|(ps, _)| ps.get(*idx));
            names.push(match person {
                Some(p) => [Some(&p.name), p.given_name.as_ref(), p.prefix.as_ref(), p.suffix.as_ref()].into_iter().flatten().map(String::as_str).collect::<Vec<_>>().join("\u{1}"),
                None => super::output::plain(&elem.children),
            });
        } else {
            // A substitute's names carry their own people.
            let people = match &elem.meta {
                Some(ElemMeta::Names(inner)) if !inner.is_empty() => inner.as_slice(),
                _ => people,
            };
            for c in &elem.children.0 {
                if let ElemChild::Elem(e) = c {
                    get_names(e, people, names);
                }
            }
        }
    }

    fn replace_first_n(mut num: usize, names: &mut Elem, subs: &Formatted) {
        let old_children = std::mem::replace(&mut names.children, ElemChildren(vec![ElemChild::Text(subs.clone())]));
        for child in old_children.0.into_iter() {
            if num == 0 {
                break;
            }
            match child {
                ElemChild::Elem(e) => {
                    let (c, changed) = replace_name(e, subs);
                    names.children.0.push(c);
                    if changed {
                        num -= 1;
                    }
                }
                _ => names.children.0.push(child),
            }
        }
    }

    fn num_of_matches(ns1: &[String], ns2: &[String]) -> usize {
        ns1.iter().zip(ns2.iter()).take_while(|(a, b)| a == b).count()
    }

    let mut last_names: Option<(Elem, Vec<String>)> = None;
    for ec in items.iter_mut() {
        let Some(names_elem) = ec.find_names() else { continue };
        let mut xnames = Vec::new();
        get_names(names_elem, &[], &mut xnames);
        let Some((lnames_elem, lnames)) = &last_names else {
            last_names = Some((names_elem.clone(), xnames));
            continue;
        };
        if xnames.is_empty() {
            rule = SubsequentAuthorSubstituteRule::CompleteAll;
        }
        match rule {
            SubsequentAuthorSubstituteRule::CompleteAll => {
                if lnames == &xnames && (!xnames.is_empty() || names_elem == lnames_elem) {
                    let names = ec.find_names_mut().expect("names found above");
                    replace_all(names, xnames.is_empty(), &subs);
                } else {
                    last_names = Some((names_elem.clone(), xnames.clone()));
                }
            }
            SubsequentAuthorSubstituteRule::CompleteEach => {
                if lnames == &xnames {
                    let names = ec.find_names_mut().expect("names found above");
                    replace_each(names, &subs);
                } else {
                    last_names = Some((names_elem.clone(), xnames.clone()));
                }
            }
            SubsequentAuthorSubstituteRule::PartialEach => {
                let nom = num_of_matches(&xnames, lnames);
                if nom > 0 {
                    let names = ec.find_names_mut().expect("names found above");
                    replace_first_n(nom, names, &subs);
                } else {
                    last_names = Some((names_elem.clone(), xnames.clone()));
                }
            }
            SubsequentAuthorSubstituteRule::PartialFirst => {
                let nom = num_of_matches(&xnames, lnames);
                if nom > 0 {
                    let names = ec.find_names_mut().expect("names found above");
                    replace_first_n(1, names, &subs);
                } else {
                    last_names = Some((names_elem.clone(), xnames.clone()));
                }
            }
        }
    }
}

/// Removes and returns the first element with any meta, depth first (the
/// first field of a `second-field-align` entry).
pub(crate) fn remove_any_meta(children: &mut ElemChildren) -> Option<ElemChild> {
    for i in 0..children.0.len() {
        if let ElemChild::Elem(e) = &mut children.0[i] {
            if e.meta.is_some() {
                return Some(children.0.remove(i));
            }
            if let Some(elem) = remove_any_meta(&mut e.children) {
                return Some(elem);
            }
        }
    }
    None
}
