//! `ibid-bench match-threshold --data DIR`: the score threshold of
//! `ibid import-page --match` (`ibid_resolve::search::MIN_SCORE_PER_CHAR`),
//! chosen on labelled data.
//!
//! Data: Crossref's own evaluation of search-based reference matching
//! (Tkaczyk 2018, repository CrossRef/reference-matching-evaluation, folder
//! `analyses/1_unstructured_analysis/data/matched`; read from a checkout, never
//! copied here): `matched-sbm-*.json`, each ~2,500 reference strings formatted
//! in one of eleven styles, the DOI they refer to (`target_gt`), the top hit
//! of `query.bibliographic` for the string (`target_test`) and its score.
//! The `excluded` files are the same kind of strings for works that are not
//! in Crossref (`target_gt` null): every answer there is wrong.
//!
//! Split: by a hash of the reference string, half to choose, half to report.
//! For the score and the score per character of the query, the threshold of
//! best F1 on the first half, and precision, recall and F1 at that threshold
//! on the second, where an answer counts when it clears the threshold,
//! is right when its DOI is the target, and recall is over the strings whose
//! work is in Crossref.

use std::path::Path;

use serde_json::Value;

struct Row {
    score: f64,
    chars: usize,
    right: bool,
    present: bool,
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

fn read(dir: &Path) -> Result<Vec<(Row, bool)>, String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e} (a checkout of CrossRef/reference-matching-evaluation, folder analyses/1_unstructured_analysis/data/matched)", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("matched-sbm-") && n.ends_with(".json")))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("no matched-sbm-*.json in {}", dir.display()));
    }
    let mut rows = Vec::new();
    for f in &files {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(f).map_err(|e| e.to_string())?).map_err(|e| format!("{}: {e}", f.display()))?;
        let excluded = f.to_string_lossy().contains("excluded");
        for e in v["dataset"].as_array().ok_or("no dataset")? {
            let (Some(text), Some(score)) = (e["ref_string"].as_str(), e["score"].as_f64()) else { continue };
            let gt = e["target_gt"]["DOI"].as_str().map(str::to_lowercase);
            let got = e["target_test"]["DOI"].as_str().map(str::to_lowercase);
            let right = gt.is_some() && gt == got;
            rows.push((Row { score, chars: text.chars().count().max(1), right, present: gt.is_some() && !excluded }, fnv(text) % 2 == 0));
        }
    }
    Ok(rows)
}

/// (precision, recall, F1, accepted) at threshold `t`.
fn eval(rows: &[&Row], key: &dyn Fn(&Row) -> f64, t: f64) -> (f64, f64, f64, usize) {
    let accepted: Vec<&&Row> = rows.iter().filter(|r| key(r) >= t).collect();
    let tp = accepted.iter().filter(|r| r.right).count() as f64;
    let present = rows.iter().filter(|r| r.present).count() as f64;
    let p = if accepted.is_empty() { 1.0 } else { tp / accepted.len() as f64 };
    let r = if present == 0.0 { 0.0 } else { tp / present };
    let f = if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) };
    (p, r, f, accepted.len())
}

pub fn run(dir: &Path) -> Result<(), String> {
    let rows = read(dir)?;
    let train: Vec<&Row> = rows.iter().filter(|(_, a)| *a).map(|(r, _)| r).collect();
    let test: Vec<&Row> = rows.iter().filter(|(_, a)| !*a).map(|(r, _)| r).collect();
    let present = rows.iter().filter(|(r, _)| r.present).count();
    eprintln!("{} strings ({} of works in Crossref, top hit right for {}); {} to choose, {} to report", rows.len(), present, rows.iter().filter(|(r, _)| r.right).count(), train.len(), test.len());
    println!("| score | threshold (best F1, first half) | precision | recall | F1 | highest precision of any threshold (first half) |\n|---|---|---|---|---|---|");
    let keys: [(&str, Box<dyn Fn(&Row) -> f64>); 2] = [("Crossref score", Box::new(|r: &Row| r.score)), ("score per character of the query", Box::new(|r: &Row| r.score / r.chars as f64))];
    for (name, key) in keys {
        let mut cands: Vec<f64> = train.iter().map(|r| (key(r) * 1000.0).round() / 1000.0).collect();
        cands.sort_by(f64::total_cmp);
        cands.dedup();
        let step = (cands.len() / 4000).max(1);
        let cands: Vec<f64> = cands.into_iter().step_by(step).collect();
        let best = cands.iter().copied().max_by(|a, b| eval(&train, &*key, *a).2.total_cmp(&eval(&train, &*key, *b).2)).unwrap_or(0.0);
        let top_p = cands.iter().filter(|t| eval(&train, &*key, **t).3 >= 100).map(|t| eval(&train, &*key, *t).0).fold(0.0, f64::max);
        let (p, r, f, _) = eval(&test, &*key, best);
        println!("| {name} | {best:.3} | {p:.3} | {r:.3} | {f:.3} | {top_p:.3} (100 answers or more) |");
    }
    Ok(())
}
