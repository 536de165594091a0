//! Styles and locales: every style and locale hayagriva bundles, the styles
//! Ibid ships (`springer-link`), and `.csl` files (independent, or dependent
//! on a style we have).

use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use hayagriva::archive::{self, ArchivedStyle};
use hayagriva::citationberg::{self, IndependentStyle, LocaleCode, SortKey};

use super::RenderError;

/// The styles Ibid ships beside hayagriva's: (id, CSL XML).
const SHIPPED: &[(&str, &str)] = &[("springer-link", include_str!("../../styles/springer-link.csl"))];

/// Variables the sorting helper may use to carry an item's original index;
/// the first one the style does not mention is taken.
const INDEX_VARIABLES: &[(&str, &str)] =
    &[("dimensions", "Dimensions"), ("scale", "Scale"), ("division", "Division"), ("archive-place", "ArchivePlace"), ("call-number", "CallNumber")];

/// A loaded CSL style, ready to render. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Style {
    pub(crate) inner: Arc<StyleData>,
}

#[derive(Debug)]
pub(crate) struct StyleData {
    pub id: String,
    pub title: String,
    /// The style as written.
    pub csl: IndependentStyle,
    /// The style the grouped renderer hands hayagriva: no
    /// subsequent-author substitution and no second-field alignment (both
    /// are applied afterwards over the whole list).
    pub render_csl: IndependentStyle,
    /// A style whose citation sorts like the bibliography, with the item's
    /// original index as the last key, and prints only that index.
    pub sort_csl: Option<(IndependentStyle, &'static str)>,
    /// The dependent style's `default-locale`, which overrides the parent's.
    pub locale_override: Option<String>,
    /// Whether the output depends on an item's position (citation numbers).
    pub uses_citation_number: bool,
    pub fingerprint: u64,
}

impl Style {
    /// The id it was loaded by (`apa`, `springer-link`, or the file's path).
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// The style's title.
    pub fn title(&self) -> &str {
        &self.inner.title
    }

    /// Whether the style is a note style (citations are footnotes).
    pub fn is_note_style(&self) -> bool {
        self.inner.csl.settings.class == citationberg::StyleClass::Note
    }

    /// Whether the style defines a bibliography.
    pub fn has_bibliography(&self) -> bool {
        self.inner.csl.bibliography.is_some()
    }

    /// The locale used when none is asked for: the dependent style's
    /// default locale, else the style's, else `en-US`.
    pub fn default_locale(&self) -> String {
        self.inner
            .locale_override
            .clone()
            .or_else(|| self.inner.csl.default_locale.as_ref().map(|l| l.0.clone()))
            .and_then(|l| resolve_locale(&l).ok())
            .unwrap_or_else(|| "en-US".to_string())
    }

    fn from_independent(id: String, mut csl: IndependentStyle, locale_override: Option<String>) -> Result<Style, RenderError> {
        repair(&mut csl);
        let debug = format!("{csl:?}");
        let uses_citation_number = debug.contains("CitationNumber");
        let mut render_csl = csl.clone();
        if let Some(b) = &mut render_csl.bibliography {
            b.subsequent_author_substitute = None;
            b.second_field_align = None;
        }
        let sort_csl = match csl.bibliography.as_ref().and_then(|b| b.sort.as_ref()) {
            Some(sort) => {
                let (var, _) = INDEX_VARIABLES.iter().find(|(_, dbg)| !debug.contains(dbg)).ok_or_else(|| {
                    RenderError::BadStyle { style: id.clone(), message: "the style uses every variable the sorter could use".into() }
                })?;
                let probe = IndependentStyle::from_xml(&format!(
                    r#"<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0"><info><title>sort</title><id>sort</id><updated>2024-01-01T00:00:00+00:00</updated></info><citation><sort><key variable="{var}"/></sort><layout delimiter=" "><text variable="{var}"/></layout></citation></style>"#
                ))
                .expect("the sorting probe style parses");
                let mut s = csl.clone();
                let mut keys: Vec<SortKey> = sort.keys.clone();
                keys.extend(probe.citation.sort.clone().expect("probe has a sort").keys);
                s.citation.sort = Some(citationberg::Sort { keys });
                s.citation.layout = probe.citation.layout.clone();
                s.citation.disambiguate_add_givenname = false;
                s.citation.disambiguate_add_names = false;
                s.citation.disambiguate_add_year_suffix = false;
                s.citation.collapse = None;
                // The bibliography's et-al options cut the names in its
                // sort keys (citeproc-js; our hayagriva reads the sorted
                // element's options).
                if let Some(b) = csl.bibliography.as_ref() {
                    s.citation.name_options = b.name_options.clone();
                }
                Some((s, *var))
            }
            None => None,
        };
        let mut h = std::hash::DefaultHasher::new();
        csl.hash(&mut h);
        locale_override.hash(&mut h);
        Ok(Style {
            inner: Arc::new(StyleData {
                title: csl.info.title.value.clone(),
                id,
                render_csl,
                csl,
                sort_csl,
                locale_override,
                uses_citation_number,
                fingerprint: h.finish(),
            }),
        })
    }
}

/// Works around a hayagriva 0.10 bug by rewriting the style (the rewritten
/// style is used by every renderer here): a `<names>` with a `<label>` (or
/// `<et-al>`) but no `<name>` counts as empty when a group asks whether it
/// will print, so e.g. Vancouver (`nlm-citation-sequence`) drops a
/// chapter's editors ("In: Shen Z, editor."), and where it does print, the
/// label comes before the names. CSL reads a missing `<name>` as `<name/>`,
/// so one is added — not as a direct child of `<substitute>`, where a bare
/// `<names>` inherits the parent's `<name>` and must stay bare. Returns how
/// many were added.
pub(crate) fn repair(csl: &mut IndependentStyle) -> usize {
    use citationberg::{LayoutRenderingElement as E, NamesChild};

    fn add_name(children: &mut [E], in_substitute: bool) -> usize {
        let mut n = 0;
        for c in children {
            match c {
                E::Names(names) => {
                    if !in_substitute && !names.children.is_empty() && !names.children.iter().any(|c| matches!(c, NamesChild::Name(_))) {
                        names.children.insert(0, NamesChild::Name(Default::default()));
                        n += 1;
                    }
                    for nc in names.children.iter_mut() {
                        if let NamesChild::Substitute(s) = nc {
                            n += add_name(&mut s.children, true);
                        }
                    }
                }
                E::Group(g) => n += add_name(&mut g.children, false),
                E::Choose(ch) => {
                    n += add_name(&mut ch.if_.children, false);
                    for b in ch.else_if.iter_mut() {
                        n += add_name(&mut b.children, false);
                    }
                    if let Some(o) = ch.otherwise.as_mut() {
                        n += add_name(&mut o.children, false);
                    }
                }
                _ => {}
            }
        }
        n
    }

    let mut n = 0;
    for m in csl.macros.iter_mut() {
        n += add_name(&mut m.children, false);
        n += fix_page_labels(&mut m.children);
    }
    n += add_name(&mut csl.citation.layout.elements, false);
    n += fix_page_labels(&mut csl.citation.layout.elements);
    if let Some(b) = csl.bibliography.as_mut() {
        n += add_name(&mut b.layout.elements, false);
        n += fix_page_labels(&mut b.layout.elements);
    }
    n
}

/// Works around another hayagriva 0.10 bug: a page label ignores its
/// `plural` attribute (Vancouver's `<label variable="page" plural="never"/>`
/// printed "pp. 35–75", citeproc-js "p. 35–75"). In a group that also
/// prints the page variable, such a label becomes the term itself,
/// singular or plural as asked (the group still prints nothing without a
/// page). Returns how many were rewritten.
fn fix_page_labels(children: &mut [citationberg::LayoutRenderingElement]) -> usize {
    use citationberg::taxonomy::{NumberOrPageVariable, Term, Variable};
    use citationberg::{LabelPluralize, LayoutRenderingElement as E, Text, TextTarget};
    let mut n = 0;
    for c in children {
        match c {
            E::Group(g) => {
                let page_var = |e: &E| match e {
                    E::Text(t) => matches!(&t.target, TextTarget::Variable { var: Variable::Page(_), .. }),
                    _ => false,
                };
                if g.children.iter().any(page_var) {
                    for e in g.children.iter_mut() {
                        let E::Label(l) = e else { continue };
                        let NumberOrPageVariable::Page(pv) = l.variable else { continue };
                        let plural = match l.label.plural {
                            LabelPluralize::Never => false,
                            LabelPluralize::Always => true,
                            _ => continue,
                        };
                        let lab = l.label.clone();
                        *e = E::Text(Text {
                            target: TextTarget::Term { term: Term::from(pv), form: lab.form, plural },
                            formatting: lab.formatting,
                            affixes: lab.affixes,
                            display: None,
                            quotes: false,
                            strip_periods: lab.strip_periods,
                            text_case: lab.text_case,
                        });
                        n += 1;
                    }
                }
                n += fix_page_labels(&mut g.children);
            }
            E::Choose(ch) => {
                n += fix_page_labels(&mut ch.if_.children);
                for b in ch.else_if.iter_mut() {
                    n += fix_page_labels(&mut b.children);
                }
                if let Some(o) = ch.otherwise.as_mut() {
                    n += fix_page_labels(&mut o.children);
                }
            }
            _ => {}
        }
    }
    n
}

/// Loads a style: a bundled one by id (`apa`, `chicago-author-date`,
/// `ieee`…, or its CSL URL `http://www.zotero.org/styles/apa`), one Ibid
/// ships (`springer-link`), or a `.csl` file. A dependent `.csl` file is
/// resolved against the styles we have through its `independent-parent`
/// link.
pub fn style(id_or_path: &str) -> Result<Style, RenderError> {
    let key = id_or_path.trim();
    if let Some(s) = known(key) {
        return s;
    }
    let path = Path::new(key);
    if path.is_file() || key.ends_with(".csl") {
        let xml = std::fs::read_to_string(path).map_err(|e| RenderError::Io { path: key.to_string(), message: e.to_string() })?;
        return from_xml(key, &xml);
    }
    Err(RenderError::UnknownStyle(key.to_string()))
}

/// Parses a style from CSL XML; `id` names it in messages and caches.
pub fn style_from_xml(id: &str, xml: &str) -> Result<Style, RenderError> {
    from_xml(id, xml)
}

fn known(key: &str) -> Option<Result<Style, RenderError>> {
    let short = key.strip_prefix("http://www.zotero.org/styles/").unwrap_or(key);
    if let Some((id, xml)) = SHIPPED.iter().find(|(id, _)| *id == short || format!("urn:ibid:style:{id}") == key) {
        return Some(from_xml(id, xml));
    }
    let archived = ArchivedStyle::by_name(key).or_else(|| ArchivedStyle::by_id(key)).or_else(|| {
        // A CSL URL of a style bundled under another name.
        ArchivedStyle::all().iter().copied().find(|a| a.csl_id().rsplit('/').next() == Some(short))
    })?;
    Some(match archived.get() {
        citationberg::Style::Independent(csl) => Style::from_independent(archived.names()[0].to_string(), csl, None),
        citationberg::Style::Dependent(_) => Err(RenderError::BadStyle { style: key.into(), message: "bundled style is dependent".into() }),
    })
}

fn from_xml(id: &str, xml: &str) -> Result<Style, RenderError> {
    let parsed = citationberg::Style::from_xml(xml).map_err(|e| RenderError::BadStyle { style: id.to_string(), message: e.to_string() })?;
    match parsed {
        citationberg::Style::Independent(csl) => Style::from_independent(id.to_string(), csl, None),
        citationberg::Style::Dependent(dep) => {
            let parent = dep.parent_link.href.trim().to_string();
            let Some(Ok(p)) = known(&parent) else {
                return Err(RenderError::UnknownParent { style: id.to_string(), parent });
            };
            let csl = p.inner.csl.clone();
            let locale_override = dep.default_locale.map(|l| l.0);
            Style::from_independent(id.to_string(), csl, locale_override).map(|s| {
                let mut data = Arc::try_unwrap(s.inner).expect("fresh style");
                data.title = dep.info.title.value.clone();
                Style { inner: Arc::new(data) }
            })
        }
    }
}

/// Every style that can be named by id: (id, title), sorted by id.
pub fn list_styles() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> =
        ArchivedStyle::all().iter().map(|a| (a.names()[0].to_string(), a.display_name().to_string())).collect();
    for (id, xml) in SHIPPED {
        let title = citationberg::Style::from_xml(xml).map(|s| s.info().title.value.clone()).unwrap_or_default();
        out.push((id.to_string(), title));
    }
    out.sort();
    out
}

/// The bundled locale with this exact code (`archive::LOCALE_CODES`),
/// decoded the first time it is asked for and kept. Decoding all of them
/// took ~0.6 G instructions, paid by every process that rendered anything.
pub(crate) fn bundled_locale(code: &str) -> Option<&'static citationberg::Locale> {
    static DECODED: OnceLock<Vec<OnceLock<Option<citationberg::Locale>>>> = OnceLock::new();
    let slots = DECODED.get_or_init(|| archive::LOCALE_CODES.iter().map(|_| OnceLock::new()).collect());
    let i = archive::LOCALE_CODES.iter().position(|c| *c == code)?;
    slots[i]
        .get_or_init(|| archive::locale_at(i))
        .as_ref()
}

/// The bundled locale files hayagriva needs for `code`: the locale, its
/// primary dialect and en-US — the only ones its lookups can reach. Handing
/// hayagriva all 50 makes every term lookup scan them all.
pub(crate) fn locale_files_for(code: &str) -> &'static [citationberg::Locale] {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static CACHE: OnceLock<Mutex<HashMap<String, &'static [citationberg::Locale]>>> = OnceLock::new();
    let mut map = CACHE.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    if let Some(files) = map.get(code) {
        return files;
    }
    let code_ = LocaleCode(code.to_string());
    let wanted: Vec<LocaleCode> = [Some(code_.clone()), code_.fallback(), Some(LocaleCode::en_us())].into_iter().flatten().collect();
    let mut files: Vec<citationberg::Locale> = Vec::new();
    for w in &wanted {
        if let Some(l) = bundled_locale(&w.0) {
            if !files.iter().any(|f| f.lang == l.lang) {
                files.push(l.clone());
            }
        }
    }
    // At most one entry per bundled locale, kept for the process.
    let files: &'static [citationberg::Locale] = Box::leak(files.into_boxed_slice());
    map.insert(code.to_string(), files);
    files
}

/// Every bundled locale's code (`en-US`, `de-DE`…), sorted.
pub fn list_locales() -> Vec<String> {
    let mut v: Vec<String> = archive::LOCALE_CODES.iter().map(|c| c.to_string()).collect();
    v.sort();
    v
}

/// A locale code as the bundled locales spell it: `de-de` → `de-DE`,
/// `de` → `de-DE` (CSL's primary dialect).
pub(crate) fn resolve_locale(code: &str) -> Result<String, RenderError> {
    let code = code.trim();
    let all = list_locales();
    if let Some(found) = all.iter().find(|c| c.eq_ignore_ascii_case(code) || c.replace('-', "_").eq_ignore_ascii_case(code)) {
        return Ok(found.clone());
    }
    if let Some(fallback) = LocaleCode(code.to_ascii_lowercase()).fallback() {
        if let Some(found) = all.iter().find(|c| c.eq_ignore_ascii_case(&fallback.0)) {
            return Ok(found.clone());
        }
    }
    Err(RenderError::UnknownLocale(code.to_string()))
}


#[cfg(test)]
mod tests {
    use super::*;

    /// The vendored hayagriva's `LOCALE_CODES` (Ibid patch) names each
    /// bundled locale by its file; `bundled_locale` decodes only the ones a
    /// rendering needs by that name, so each must be the locale's own code.
    #[test]
    fn every_bundled_locale_code_names_its_locale() {
        assert_eq!(archive::LOCALE_CODES.len(), archive::LOCALES.len());
        for (i, code) in archive::LOCALE_CODES.iter().enumerate() {
            let l = archive::locale_at(i).unwrap_or_else(|| panic!("{code} decodes"));
            assert_eq!(l.lang.map(|c| c.0).as_deref(), Some(*code));
            assert!(bundled_locale(code).is_some(), "{code}");
        }
        assert!(bundled_locale("xx-YY").is_none());
    }
}
