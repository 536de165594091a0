//! Golden tests for the mappers of every source other than Crossref's REST
//! API: doi.org content negotiation (CSL-JSON), the DataCite REST API, Open
//! Library, arXiv and PubMed (esummary).
//!
//! Every body is mapped and `to_review_json()` compared with its golden file
//! in `tests/fixtures/golden/<source>/<stem>.json` (re-bless with
//! `IBID_BLESS=1`, then check the diff by eye). All differences are collected
//! and reported together. Recorded bodies are read from `../shared/fixtures`;
//! Open Library, arXiv and PubMed have none there, so their bodies are the
//! project's own (`tests/fixtures/{openlibrary,arxiv,pubmed}`, written from the
//! services' documentation; see the README in each). The named tests below
//! check facts read off the raw bodies by hand, independently of the goldens.

use std::path::{Path, PathBuf};

use ibid_resolve::map::{self, MapError, Mapped};
use serde_json::{json, Value};

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    v.sort();
    v
}

fn stem(p: &Path) -> String {
    let name = p.file_name().unwrap().to_string_lossy().into_owned();
    for suffix in [".csl.json", ".json", ".xml"] {
        if let Some(s) = name.strip_suffix(suffix) {
            return s.to_string();
        }
    }
    name
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

fn review(m: &Mapped) -> String {
    serde_json::to_string_pretty(&m.to_review_json()).unwrap() + "\n"
}

/// Maps every file with `f` and compares with `golden/<source>/<stem>.json`.
fn golden_run(
    source: &str,
    files: &[PathBuf],
    f: impl Fn(&Path, &str) -> Result<Mapped, MapError>,
    failures: &mut Vec<String>,
) -> usize {
    let mut n = 0;
    for file in files {
        let name = stem(file);
        match f(file, &read(file)) {
            Ok(m) => {
                n += 1;
                if let Some(diff) = ibid_tests::golden(&format!("{source}/{name}.json"), &review(&m)) {
                    failures.push(diff);
                }
            }
            Err(e) => failures.push(format!("{source}/{name}: mapping failed: {e}")),
        }
    }
    n
}

fn shared() -> Option<PathBuf> {
    ibid_tests::shared_fixtures()
}

fn project(rel: &str) -> PathBuf {
    ibid_tests::project_fixture(rel)
}

fn is_error_fixture(p: &Path) -> bool {
    let s = stem(p);
    s.starts_with("error") || s.starts_with("notfound") || s.ends_with(".notfound")
}

// ---------------------------------------------------------------------------
// Golden files, all bodies.

#[test]
fn golden_content_negotiation_csl_json() {
    let Some(shared) = shared() else { return };
    let mut failures = Vec::new();
    let cn = files(&shared.join("content-negotiation/csl-json"), "json");
    let other = files(&shared.join("content-negotiation/csl-json-other"), "json");
    assert_eq!(cn.len(), 76, "the recorded doi.org CSL-JSON bodies");
    assert_eq!(other.len(), 7, "the other doi.org CSL-JSON bodies");
    let n = golden_run("cn", &cn, |_, body| map::csl::work_from_body(body), &mut failures)
        + golden_run("cn-other", &other, |_, body| map::csl::work_from_body(body), &mut failures);
    assert!(failures.is_empty(), "{} problem(s):\n{}", failures.len(), failures.join("\n"));
    assert_eq!(n, 83);
}

#[test]
fn golden_datacite_api() {
    let Some(shared) = shared() else { return };
    let mut failures = Vec::new();
    let dois = files(&shared.join("datacite-api/dois"), "json");
    assert_eq!(dois.len(), 59, "the recorded DataCite /dois bodies");
    let n = golden_run("datacite", &dois, |_, body| map::datacite::work_from_body(body), &mut failures);
    assert!(failures.is_empty(), "{} problem(s):\n{}", failures.len(), failures.join("\n"));
    assert_eq!(n, 59);
}

#[test]
fn golden_openlibrary() {
    let all = files(&project("openlibrary"), "json");
    let ok: Vec<PathBuf> = all.iter().filter(|p| !is_error_fixture(p)).cloned().collect();
    assert!(ok.len() >= 2 && all.len() > ok.len(), "records and a not-found body");
    let mut failures = Vec::new();
    let isbn = |p: &Path| stem(p).trim_start_matches("ISBN_").to_string();
    let n = golden_run("openlibrary", &ok, |p, body| map::openlibrary::work_from_body(body, &isbn(p)), &mut failures);
    assert!(failures.is_empty(), "{} problem(s):\n{}", failures.len(), failures.join("\n"));
    assert_eq!(n, ok.len());
}

/// The arXiv id a fixture asks for: its stem after any `error_`/`notfound_`,
/// `_` standing for `/` (`hep-ex_0307015`).
fn arxiv_id(p: &Path) -> String {
    let s = stem(p);
    let s = s.trim_start_matches("error_").trim_start_matches("notfound_");
    s.replacen('_', "/", 1)
}

#[test]
fn golden_arxiv() {
    let all = files(&project("arxiv"), "xml");
    let ok: Vec<PathBuf> = all.iter().filter(|p| !is_error_fixture(p)).cloned().collect();
    assert!(ok.len() >= 2 && all.len() > ok.len(), "records and error bodies");
    let mut failures = Vec::new();
    let n = golden_run("arxiv", &ok, |p, body| map::arxiv::work_from_body(body, &arxiv_id(p)), &mut failures);
    assert!(failures.is_empty(), "{} problem(s):\n{}", failures.len(), failures.join("\n"));
    assert_eq!(n, ok.len());
}

fn pmid(p: &Path) -> String {
    stem(p).rsplit('_').next().unwrap().to_string()
}

#[test]
fn golden_pubmed() {
    let all = files(&project("pubmed"), "json");
    let ok: Vec<PathBuf> = all.iter().filter(|p| !is_error_fixture(p)).cloned().collect();
    assert!(ok.len() >= 2 && all.len() > ok.len(), "records and error bodies");
    let mut failures = Vec::new();
    let n = golden_run("pubmed", &ok, |p, body| map::pubmed::work_from_body(body, &pmid(p)), &mut failures);
    assert!(failures.is_empty(), "{} problem(s):\n{}", failures.len(), failures.join("\n"));
    assert_eq!(n, ok.len());
}

// ---------------------------------------------------------------------------
// Error bodies give clear errors.

#[test]
fn error_bodies_give_clear_errors() {
    let err = |r: Result<Mapped, MapError>| r.expect_err("an error body must not map").message;

    // Open Library: `{}` for an unknown ISBN.
    let body = read(&project("openlibrary/ISBN_9780000000002.notfound.json"));
    assert!(map::openlibrary::is_empty(&body));
    let e = err(map::openlibrary::work_from_body(&body, "9780000000002"));
    assert!(e.contains("Open Library has no record for ISBN 9780000000002") && e.contains("not found"), "{e}");
    // A record body asked for another ISBN.
    let zen = read(&project("openlibrary/ISBN_0385472579.json"));
    assert!(!map::openlibrary::is_empty(&zen));
    let e = err(map::openlibrary::work_from_body(&zen, "9780262033848"));
    assert!(e.contains("no record for ISBN 9780262033848") && e.contains("ISBN:0385472579"), "{e}");
    assert!(err(map::openlibrary::work_from_body("<html>busy</html>", "0385472579")).contains("not valid JSON"));

    // arXiv: the error entry, and a feed without entries.
    let e = err(map::arxiv::work_from_body(&read(&project("arxiv/error_1234.12345.xml")), "1234.12345"));
    assert!(e.contains("arXiv reports an error for 1234.12345") && e.contains("incorrect id format for 1234.12345"), "{e}");
    let e = err(map::arxiv::work_from_body(&read(&project("arxiv/notfound_2301.99999.xml")), "2301.99999"));
    assert!(e.contains("arXiv has no record for 2301.99999") && e.contains("not found"), "{e}");
    // A feed holding another paper does not answer for this one.
    let e = err(map::arxiv::work_from_body(&read(&project("arxiv/1706.03762.xml")), "2301.99999"));
    assert!(e.contains("no record for 2301.99999") && e.contains("it holds 1706.03762"), "{e}");
    assert!(err(map::arxiv::work_from_body("{}", "2301.99999")).contains("not valid XML"));
    assert!(err(map::arxiv::work_from_body("<html/>", "2301.99999")).contains("not an Atom feed"));

    // PubMed: the per-id error and the rate limit.
    let e = err(map::pubmed::work_from_body(&read(&project("pubmed/error_99999999.json")), "99999999"));
    assert!(e.contains("PubMed has no record for PMID 99999999 (not found)") && e.contains("cannot get document summary"), "{e}");
    let e = err(map::pubmed::work_from_body(&read(&project("pubmed/error_ratelimit_29618526.json")), "29618526"));
    assert!(e.contains("API rate limit exceeded") && e.contains("29618526"), "{e}");
    let e = err(map::pubmed::work_from_body(&read(&project("pubmed/29618526.json")), "11237011"));
    assert!(e.contains("no record for PMID 11237011"), "{e}");

    // DataCite: the JSON:API error body.
    let e = err(map::datacite::work_from_body(
        r#"{"errors":[{"status":"404","title":"The resource you are looking for doesn't exist."}]}"#,
    ));
    assert!(e.contains("DataCite has no record (not found)") && e.contains("doesn't exist") && e.contains("404"), "{e}");
    assert!(err(map::datacite::work_from_body(r#"{"data": []}"#)).contains("no record"));

    // doi.org: not CSL-JSON at all, or an item without a title.
    assert!(err(map::csl::work_from_body("<!DOCTYPE html><html></html>")).contains("not valid JSON"));
    assert!(err(map::csl::work_from_body(r#"{"type": "dataset", "DOI": "10.5281/zenodo.1"}"#)).contains("no title"));
}

// ---------------------------------------------------------------------------
// Facts read off the raw bodies.

fn shared_body(rel: &str) -> Option<String> {
    shared().map(|s| read(&s.join(rel)))
}

fn csl(m: &Mapped) -> serde_json::Map<String, Value> {
    ibid_core::csl::own_csl(&m.work)
}

#[test]
fn cn_chapter_has_its_book_with_isbns_and_publisher() {
    let Some(body) = shared_body("content-negotiation/csl-json/10.1007_978-3-319-00026-8_2.csl.json") else { return };
    let m = map::csl::work_from_body(&body).unwrap();
    let w = &m.work;
    assert_eq!(w.work_type, "chapter");
    assert_eq!(w.title.as_deref(), Some("Open Science: One Term, Five Schools of Thought"));
    assert_eq!(w.doi.as_deref(), Some("10.1007/978-3-319-00026-8_2"));
    assert_eq!(w.page.as_deref(), Some("17-47"));
    let authors: Vec<_> = w.creators_in("author").map(|c| c.family.clone().unwrap()).collect();
    assert_eq!(authors, ["Fecher", "Friesike"]);
    let book = w.parent.as_deref().expect("the chapter's book");
    assert_eq!(book.work_type, "book");
    assert_eq!(book.title.as_deref(), Some("Opening Science"));
    assert_eq!(book.isbn, ["9783319000251", "9783319000268"]);
    assert_eq!(book.publisher.as_deref(), Some("Springer International Publishing"));
    assert_eq!(book.publisher_place.as_deref(), Some("Cham"));
    // 48 references deposited; the first with its label and DOI.
    assert_eq!(m.references.len(), 48);
    assert_eq!(m.references[0].label.as_deref(), Some("2_CR1"));
    assert_eq!(m.references[0].doi.as_deref(), Some("10.1007/s10723-010-9176-6"));
    assert!(m.references[0].text.starts_with("Altunay, M., et al. (2010)."), "{}", m.references[0].text);
}

#[test]
fn cn_journal_article_has_its_journal_with_issns() {
    let Some(body) = shared_body("content-negotiation/csl-json/10.1016_j.tree.2005.04.023.csl.json") else { return };
    let raw: Value = serde_json::from_str(&body).unwrap();
    let m = map::csl::work_from_body(&body).unwrap();
    assert_eq!(m.work.work_type, "article-journal");
    let journal = m.work.parent.as_deref().expect("the journal");
    assert_eq!(journal.work_type, "periodical");
    // Crossref writes the entity; the record has the character.
    assert_eq!(raw["container-title"], "Trends in Ecology &amp; Evolution");
    assert_eq!(journal.title.as_deref(), Some("Trends in Ecology & Evolution"));
    let issns: Vec<String> = raw["ISSN"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    for i in &issns {
        assert!(journal.issn.contains(i), "{i} in {:?}", journal.issn);
    }
    assert_eq!(m.work.volume.as_deref(), raw["volume"].as_str());
    assert_eq!(m.work.issue.as_deref(), raw["issue"].as_str());
    assert_eq!(m.work.page.as_deref(), raw["page"].as_str());
    assert_eq!(m.work.year(), Some(2005));
}

#[test]
fn cn_datacite_dataset_keeps_version_license_and_keywords() {
    let Some(body) = shared_body("content-negotiation/csl-json/10.5281_zenodo.3699950.csl.json") else { return };
    let m = map::csl::work_from_body(&body).unwrap();
    let o = csl(&m);
    assert_eq!(o["type"], "dataset");
    assert_eq!(o["DOI"], "10.5281/zenodo.3699950");
    assert_eq!(o["publisher"], "Zenodo");
    assert_eq!(o["version"], "1.0");
    assert_eq!(o["license"], "Creative Commons Attribution 4.0 International");
    assert_eq!(o["keyword"], "Research Software, Communities, Landscape");
    assert_eq!(o["issued"], json!({"date-parts": [[2020, 3, 11]]}));
    assert_eq!(m.work.creators.len(), 6);
    assert!(!o.contains_key("source-id") && !o.contains_key("id"), "the DOI URL id is dropped");
    // The abstract's HTML is gone, its text kept.
    let abs = m.work.abstract_text.as_deref().unwrap();
    assert!(abs.contains("software landscape analysis") && !abs.contains("<strong>"), "{abs}");
}

#[test]
fn cn_datacite_repository_is_not_a_journal() {
    // DataCite calls a figshare paper an article-journal "in" figshare.
    let Some(body) = shared_body("content-negotiation/csl-json/10.6084_m9.figshare.5328442.v3.csl.json") else { return };
    let raw: Value = serde_json::from_str(&body).unwrap();
    assert_eq!((raw["type"].as_str(), raw["container-title"].as_str()), (Some("article-journal"), Some("figshare")));
    let m = map::csl::work_from_body(&body).unwrap();
    assert_eq!(m.work.work_type, "article");
    assert!(m.work.parent.is_none());
    assert_eq!(m.work.publisher.as_deref(), Some("figshare"));
    // The literal author stays literal; the repeated categories once each.
    assert_eq!(m.work.creators[0].literal.as_deref(), Some("Udit Nangia"));
    assert_eq!(
        m.work.extra["keyword"],
        "80699 Information Systems not elsewhere classified, FOS: Computer and information sciences, \
         160511 Research, Science and Technology Policy, FOS: Political science"
    );
}

#[test]
fn cn_preprint_and_pmid_extras() {
    let Some(body) = shared_body("content-negotiation/csl-json-other/manubot_10.1098_rsif.2017.0387.csl.json") else { return };
    let m = map::csl::work_from_body(&body).unwrap();
    assert_eq!(m.work.extra["PMID"], "29618526");
    assert_eq!(m.work.extra["PMCID"], "PMC5938574");
    assert_eq!(m.work.parent.as_deref().unwrap().title.as_deref(), Some("Journal of The Royal Society Interface"));
    // Manubot's own short id is not taken for the user's citation key.
    assert_eq!(m.work.citation_key, None);

    let Some(body) = shared_body("content-negotiation/csl-json/10.1101_066803.csl.json") else { return };
    let m = map::csl::work_from_body(&body).unwrap();
    assert_eq!(m.work.work_type, "article");
    assert_eq!(m.work.publisher.as_deref(), Some("bioRxiv"), "the preprint server, as it is cited");
}

#[test]
fn datacite_software_version_publisher_and_organisation() {
    let Some(body) = shared_body("datacite-api/dois/10.5281_zenodo.2598836.json") else { return };
    let m = map::datacite::work_from_body(&body).unwrap();
    let o = csl(&m);
    assert_eq!(o["type"], "software");
    assert_eq!(o["title"], "lenses-lab/LYAO_RT-2018JA026426: Original Release");
    assert_eq!(o["version"], "1.0.0");
    assert_eq!(o["publisher"], "Zenodo");
    assert_eq!(o["URL"], "https://zenodo.org/record/2598836");
    assert_eq!(o["issued"], json!({"date-parts": [[2019, 3, 20]]}));
    assert_eq!(o["author"], json!([{"literal": "Lab For Exosphere And Near Space Environment Studies"}]));
    assert_eq!(o["abstract"], "Original executables used by Gallant et al. for JGR publication 2018JA026426.");
    // "Open Access" is an access flag, not a licence.
    assert!(!o.contains_key("license"));
}

#[test]
fn datacite_dataset_resource_type_sizes_formats() {
    let Some(body) = shared_body("datacite-api/dois/10.1594_pangaea.721193.json") else { return };
    let m = map::datacite::work_from_body(&body).unwrap();
    let o = csl(&m);
    assert_eq!(o["type"], "dataset");
    assert_eq!(o["genre"], "Supplementary Dataset");
    assert_eq!(o["publisher"], "PANGAEA");
    assert_eq!(o["dimensions"], "2170 data points");
    assert_eq!(o["license"], "Creative Commons Attribution 3.0 Unported");
    assert_eq!(o["author"][0], json!({"family": "Kurihara", "given": "Haruko"}));
    assert_eq!(o["issued"], json!({"date-parts": [[2007]]}));
}

#[test]
fn datacite_conference_paper_has_proceedings_and_series() {
    let Some(body) = shared_body("datacite-api/dois/10.4230_lipics.tqc.2013.93.json") else { return };
    let m = map::datacite::work_from_body(&body).unwrap();
    let w = &m.work;
    assert_eq!(w.work_type, "paper-conference");
    assert_eq!(w.page.as_deref(), Some("93-105"));
    let book = w.parent.as_deref().expect("the proceedings");
    assert_eq!(book.title.as_deref(), Some("LIPIcs, Volume 22, TQC 2013"));
    assert_eq!(book.doi.as_deref(), Some("10.4230/lipics.tqc.2013"));
    assert_eq!(book.isbn, ["9783939897552"]);
    let editors: Vec<_> = book.creators_in("editor").map(|c| c.family.clone().unwrap()).collect();
    assert_eq!(editors, ["Severini", "Brandao"]);
    assert_eq!(book.extra["collection-number"], "22");
    let series = book.parent.as_deref().expect("the series");
    assert_eq!(series.title.as_deref(), Some("Leibniz International Proceedings in Informatics (LIPIcs)"));
    assert_eq!(series.issn, ["1868-8969"]);
}

#[test]
fn datacite_journal_article_series_information_is_split() {
    let Some(body) = shared_body("datacite-api/dois/10.3205_zma001102.json") else { return };
    let m = map::datacite::work_from_body(&body).unwrap();
    let w = &m.work;
    assert_eq!(w.work_type, "article-journal");
    assert_eq!((w.volume.as_deref(), w.issue.as_deref(), w.page.as_deref()), (Some("34"), Some("2"), Some("Doc25")));
    let j = w.parent.as_deref().unwrap();
    assert_eq!(j.title.as_deref(), Some("GMS Journal for Medical Education"));
    assert_eq!(j.issn, ["2366-5017"]);
    assert_eq!(w.issued.as_ref().unwrap().parts, [[2017, 5, 15]]);
}

#[test]
fn datacite_references_orcids_and_arxiv() {
    let Some(body) = shared_body("datacite-api/dois/10.5438_4k3m-nyvg.json") else { return };
    let m = map::datacite::work_from_body(&body).unwrap();
    assert_eq!(m.work.work_type, "post-weblog");
    let dois: Vec<_> = m.references.iter().map(|r| r.doi.clone().unwrap()).collect();
    assert_eq!(dois, ["10.5438/0012", "10.5438/55e5-t5c0"]);

    let Some(body) = shared_body("datacite-api/dois/10.14454_fqq6-w751.json") else { return };
    let m = map::datacite::work_from_body(&body).unwrap();
    let fenner = m.work.creators.iter().find(|c| c.family.as_deref() == Some("Fenner")).unwrap();
    assert_eq!(fenner.extra["ORCID"], "https://orcid.org/0000-0003-1419-2405");
    assert_eq!(fenner.extra["affiliation"], json!([{"name": "DataCite"}]));
    assert_eq!(m.work.work_type, "collection");

    let Some(body) = shared_body("datacite-api/dois/10.48550_arxiv.2311.16162.json") else { return };
    let m = map::datacite::work_from_body(&body).unwrap();
    assert_eq!(m.work.work_type, "article");
    assert_eq!(m.work.extra["arxiv"], "2311.16162");
    assert_eq!(m.work.number.as_deref(), Some("2311.16162"));
    assert_eq!(m.work.publisher.as_deref(), Some("arXiv"));
}

#[test]
fn openlibrary_book_from_the_documentation_example() {
    let body = read(&project("openlibrary/ISBN_0385472579.json"));
    // Asked by ISBN-13, keyed by ISBN-10: the same book.
    let m = map::openlibrary::work_from_body(&body, "978-0-385-47257-9").unwrap();
    let o = csl(&m);
    assert_eq!(o["type"], "book");
    assert_eq!(o["title"], "Zen speaks: shouts of nothingness");
    assert_eq!(o["author"], json!([{"family": "Cai", "given": "Zhizhong"}]));
    assert_eq!(o["publisher"], "Anchor Books");
    assert_eq!(o["publisher-place"], "New York");
    assert_eq!(o["issued"], json!({"date-parts": [[1994]]}));
    assert_eq!(o["ISBN"], json!(["9780385472579"]));
    assert_eq!(o["number-of-pages"], "159");
    assert_eq!(o["lccn"], "93005405");
    assert_eq!(o["openlibrary"], "OL1397864M");
    assert_eq!(o["URL"], "https://openlibrary.org/books/OL1397864M/Zen_speaks");
    assert_eq!(o["keyword"], "Caricatures and cartoons, Zen Buddhism");

    let body = read(&project("openlibrary/ISBN_9780262033848.json"));
    let m = map::openlibrary::work_from_body(&body, "ISBN:9780262033848").unwrap();
    let o = csl(&m);
    assert_eq!(o["issued"], json!({"date-parts": [[2009, 7, 31]]}), "July 31, 2009");
    assert_eq!(o["ISBN"], json!(["9780262033848", "9780262533058"]), "ISBN-10s are the same books");
    assert_eq!(o["author"][0], json!({"family": "Cormen", "given": "Thomas H."}));
    assert_eq!(o["author"].as_array().unwrap().len(), 4);
    assert_eq!(o["oclc"], "311310321");
    assert_eq!(o["note"], "Includes bibliographical references (p. [1231]-1250) and index.");
}

#[test]
fn arxiv_entries() {
    let body = read(&project("arxiv/cond-mat_0102536.xml"));
    let m = map::arxiv::work_from_body(&body, "arXiv:cond-mat/0102536").unwrap();
    let o = csl(&m);
    assert_eq!(o["type"], "article");
    assert_eq!(o["title"], "Impact of Electron-Electron Cusp on Configuration Interaction Energies");
    assert_eq!(o["DOI"], "10.48550/arxiv.cond-mat/0102536", "arXiv's own DOI");
    assert_eq!(o["published-doi"], "10.1063/1.1383585", "the journal version's DOI, apart");
    assert_eq!(o["journal-ref"], "J. Chem. Phys. 115, 1626 (2001)");
    assert_eq!(o["number"], "cond-mat/0102536");
    assert_eq!(o["arxiv"], "cond-mat/0102536");
    assert_eq!(o["version"], "1");
    assert_eq!(o["issued"], json!({"date-parts": [[2001, 2, 28]]}));
    assert_eq!(o["keyword"], "cond-mat.str-el");
    assert_eq!(o["publisher"], "arXiv");
    assert_eq!(o["URL"], "https://arxiv.org/abs/cond-mat/0102536");
    assert_eq!(o["pdf-url"], "https://arxiv.org/pdf/cond-mat/0102536v1");
    assert_eq!(o["note"], "11 pages, 6 figures, 3 tables, LaTeX209, submitted to The Journal of Chemical Physics");
    assert_eq!(
        o["author"][0],
        json!({"family": "Prendergast", "given": "David", "affiliation": [{"name": "Department of Physics"}]})
    );
    assert_eq!(o["author"][4]["given"], "J. C.");
    assert!(o["abstract"].as_str().unwrap().starts_with("The effect of the electron-electron cusp on the convergence of configuration interaction (CI) wave functions is examined."));

    let body = read(&project("arxiv/1706.03762.xml"));
    let m = map::arxiv::work_from_body(&body, "1706.03762v7").unwrap();
    let o = csl(&m);
    assert_eq!(o["version"], "7");
    assert_eq!(o["issued"], json!({"date-parts": [[2017, 6, 12]]}), "the first version's date");
    assert_eq!(o["updated"], "2023-08-02");
    assert_eq!(o["keyword"], "cs.CL, cs.LG");
    assert_eq!(o["author"].as_array().unwrap().len(), 8);
    assert_eq!(o["author"][5], json!({"family": "Gomez", "given": "Aidan N."}));
    assert!(!o.contains_key("published-doi"));

    let body = read(&project("arxiv/hep-ex_0307015.xml"));
    let m = map::arxiv::work_from_body(&body, "hep-ex/0307015").unwrap();
    assert_eq!(m.work.title.as_deref(), Some("Multi-Electron Production at High Transverse Momenta in ep Collisions at HERA"));
    assert_eq!(m.work.creators[0].literal.as_deref(), Some("H1 Collaboration"));
    assert_eq!(m.work.extra["journal-ref"], "Eur.Phys.J. C31 (2003) 17-29");
    assert!(!m.work.extra.contains_key("version"), "the id names no version");
}

#[test]
fn pubmed_summaries() {
    let body = read(&project("pubmed/29618526.json"));
    let m = map::pubmed::work_from_body(&body, "29618526").unwrap();
    let o = csl(&m);
    assert_eq!(o["type"], "article-journal");
    assert_eq!(o["title"], "Opportunities and obstacles for deep learning in biology and medicine");
    assert_eq!(o["PMID"], "29618526");
    assert_eq!(o["PMCID"], "PMC5938574");
    assert_eq!(o["DOI"], "10.1098/rsif.2017.0387");
    assert_eq!((o["volume"].as_str(), o["issue"].as_str(), o["page"].as_str()), (Some("15"), Some("141"), Some("20170387")));
    assert_eq!(o["issued"], json!({"date-parts": [[2018, 4]]}));
    assert_eq!(o["available-date"], json!({"date-parts": [[2018, 4, 4]]}));
    assert_eq!(o["language"], "en");
    assert_eq!(o["author"].as_array().unwrap().len(), 36);
    assert_eq!(o["author"][0], json!({"family": "Ching", "given": "T."}));
    assert_eq!(o["author"][30], json!({"family": "Segler", "given": "M. H. S."}));
    assert!(o["genre"].as_str().unwrap().contains("Review"));
    let j = m.work.parent.as_deref().expect("the journal");
    assert_eq!(j.title.as_deref(), Some("Journal of the Royal Society, Interface"));
    assert_eq!(j.title_short.as_deref(), Some("J R Soc Interface"));
    assert_eq!(j.issn, ["1742-5689", "1742-5662"]);

    let body = read(&project("pubmed/11237011.json"));
    let m = map::pubmed::work_from_body(&body, "11237011").unwrap();
    let o = csl(&m);
    assert_eq!(o["page"], "860-921");
    assert_eq!(o["issued"], json!({"date-parts": [[2001, 2, 15]]}));
    assert_eq!(o["author"][0], json!({"family": "Lander", "given": "E. S."}));
    assert_eq!(o["author"][10], json!({"literal": "International Human Genome Sequencing Consortium"}));
    assert!(!o.contains_key("available-date") && !o.contains_key("PMCID") && !o.contains_key("genre"));
    assert_eq!(m.work.parent.as_deref().unwrap().title.as_deref(), Some("Nature"));
}
