//! A reference with no identifier, looked for at Crossref:
//! `GET /works?query.bibliographic=…&rows=5`, and the decision whether the
//! best answer is the work cited (ADR 0009, "Matching cited works").
//!
//! Crossref's relevance score alone does not tell a right answer from a
//! wrong one well. On Crossref's own labelled data (the search-based matching
//! evaluation of Tkaczyk 2018: ~40,000 reference strings in eleven styles,
//! half of them for works that are *not* in the index, each with the score
//! of the top hit and whether it was the right work; `ibid-bench
//! match-threshold`, BENCHMARKS.md, issue 6), the best threshold on the
//! score divided by the query's length gives precision 0.63 at recall 0.86
//! on the held-out half, and no threshold reaches precision 0.79 (0.89 on
//! the raw score, at a recall near zero). So an answer is accepted only when both
//! hold: the score clears [`MIN_SCORE_PER_CHAR`] (chosen there for the best
//! F1), and the answer agrees with what the reference says — the same title
//! (or one begins the other, as a main title begins a full title), the same year give or take one, and the
//! same first family name, where the reference gives them. The score is kept
//! with the work.

use ibid_core::text::{fold, match_title};
use ibid_core::Work;
use serde_json::{json, Value};

use crate::error::ResolveError;
use crate::http::Fetched;
use crate::map;
use crate::source::{encode_query, Crossref};

/// The lowest Crossref score per character of the query for an answer to be
/// considered: the F1-best threshold on one half of the labelled data
/// (`ibid-bench match-threshold`; on the other half: precision 0.626,
/// recall 0.857, F1 0.724).
pub const MIN_SCORE_PER_CHAR: f64 = 0.472;

/// How many answers are asked for.
pub const ROWS: usize = 5;

/// One answer of the search.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub doi: String,
    pub score: f64,
    pub work: Work,
}

/// Why an answer was taken or not.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The DOI of the work cited, with Crossref's score and the score per
    /// character of the query.
    Accepted { doi: String, score: f64, per_char: f64 },
    /// No answer taken; the best one (if any) with its score, and why.
    Rejected { best: Option<(String, f64)>, why: String },
}

impl Crossref {
    /// Crossref's bibliographic search for `query` (a reference as printed).
    pub async fn search_bibliographic(&self, query: &str) -> Result<(Vec<Candidate>, Fetched), ResolveError> {
        let base = &self.http.cfg.crossref_url;
        let url = self.polite(format!("{base}/works?query.bibliographic={}&rows={ROWS}", encode_query(query)));
        let f = self.http.get(&self.service, &url, "application/json", query, None).await?;
        let candidates = candidates_from_body(&f.body).map_err(|detail| ResolveError::Malformed { service: f.service, url: f.url.clone(), detail })?;
        Ok((candidates, f))
    }
}

/// The items of a Crossref list body, mapped, with their scores.
pub fn candidates_from_body(body: &str) -> Result<Vec<Candidate>, String> {
    let v: Value = serde_json::from_str(body.trim_start_matches('\u{feff}')).map_err(|e| format!("not JSON: {e}"))?;
    let items = v.get("message").and_then(|m| m.get("items")).and_then(Value::as_array).ok_or("no message.items in the answer")?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let (Some(doi), Some(score)) = (item.get("DOI").and_then(Value::as_str), item.get("score").and_then(Value::as_f64)) else {
            continue;
        };
        if let Ok(mapped) = map::crossref::map_message(item) {
            out.push(Candidate { doi: doi.to_lowercase(), score, work: mapped.work });
        }
    }
    Ok(out)
}

/// The first creator's family name (or literal name), folded: the person
/// the library's own duplicate identity uses (`Work::first_creator`).
fn first_family(w: &Work) -> Option<String> {
    w.first_creator().and_then(|c| c.family.as_deref().or(c.literal.as_deref())).map(fold)
}

/// Whether `a` and `b` name the same title: equal once folded, or one
/// (of three words or more) begins the other, as a main title begins a
/// title with its subtitle.
fn same_title(a: &str, b: &str) -> bool {
    let (a, b) = (match_title(a), match_title(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    if a == b {
        return true;
    }
    let (short, long) = if a.len() < b.len() { (&a, &b) } else { (&b, &a) };
    short.split(' ').count() >= 3 && long.starts_with(short.as_str()) && long[short.len()..].starts_with(' ')
}

/// Whether the best of `candidates` is the work `cited` (parsed from
/// `query`): see the module docs.
pub fn judge(cited: &Work, query: &str, candidates: &[Candidate]) -> Verdict {
    let Some(best) = candidates.iter().max_by(|a, b| a.score.total_cmp(&b.score)) else {
        return Verdict::Rejected { best: None, why: "Crossref found nothing".into() };
    };
    let best_pair = Some((best.doi.clone(), best.score));
    let chars = query.chars().count().max(1) as f64;
    let per_char = best.score / chars;
    if per_char < MIN_SCORE_PER_CHAR {
        return Verdict::Rejected { best: best_pair, why: format!("score {:.1} is {per_char:.3} per character, below {MIN_SCORE_PER_CHAR}", best.score) };
    }
    let Some(title) = cited.title.as_deref().filter(|t| !t.trim().is_empty()) else {
        return Verdict::Rejected { best: best_pair, why: "the reference has no title to check the answer against".into() };
    };
    let theirs = best.work.title.as_deref().unwrap_or("");
    if !same_title(title, theirs) {
        return Verdict::Rejected { best: best_pair, why: format!("its title ({theirs}) is not the reference's") };
    }
    if let (Some(a), Some(b)) = (cited.year(), best.work.year()) {
        if (a - b).abs() > 1 {
            return Verdict::Rejected { best: best_pair, why: format!("its year ({b}) is not the reference's ({a})") };
        }
    }
    if let (Some(a), Some(b)) = (first_family(cited), first_family(&best.work)) {
        if a != b {
            return Verdict::Rejected { best: best_pair, why: "its first author is not the reference's".into() };
        }
    }
    Verdict::Accepted { doi: best.doi.clone(), score: best.score, per_char }
}

/// Records an accepted match on the cited work: its DOI, and Crossref's
/// score under `custom.crossref-match` (CSL-JSON's place for fields of its
/// own), so that a later look can tell a matched DOI from a printed one.
pub fn apply(cited: &mut Work, verdict: &Verdict) -> bool {
    let Verdict::Accepted { doi, score, per_char } = verdict else { return false };
    cited.doi = Some(doi.clone());
    let custom = cited.extra.entry("custom").or_insert_with(|| json!({}));
    if !custom.is_object() {
        *custom = json!({});
    }
    custom["crossref-match"] = json!({ "score": score, "score-per-char": (per_char * 1000.0).round() / 1000.0, "threshold": MIN_SCORE_PER_CHAR });
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn work(title: &str, year: i32, family: &str) -> Work {
        let mut w = Work::new("book");
        w.title = Some(title.into());
        w.issued = Some(ibid_core::model::Date { parts: vec![vec![year]], ..Default::default() });
        w.creators.push(ibid_core::model::Creator { role: "author".into(), family: Some(family.into()), ..Default::default() });
        w
    }

    fn cand(doi: &str, score: f64, w: Work) -> Candidate {
        Candidate { doi: doi.into(), score, work: w }
    }

    const Q: &str = "Dieter Heinzig, The Soviet Union and Communist China, 1945–1950: The Arduous Road to the Alliance (Armonk, NY: M. E. Sharpe, 2004)";

    #[test]
    fn accepts_a_confident_answer_that_agrees_with_the_reference() {
        let cited = work("The Soviet Union and Communist China, 1945–1950", 2004, "Heinzig");
        let answer = work("The Soviet Union and Communist China 1945-1950: The Arduous Road to the Alliance", 2003, "Heinzig");
        let score = MIN_SCORE_PER_CHAR * Q.chars().count() as f64 + 1.0;
        let v = judge(&cited, Q, &[cand("10.4324/9781315698427", score, answer)]);
        assert!(matches!(&v, Verdict::Accepted { doi, .. } if doi == "10.4324/9781315698427"), "{v:?}");
        let mut w = cited.clone();
        assert!(apply(&mut w, &v));
        assert_eq!(w.doi.as_deref(), Some("10.4324/9781315698427"));
        assert_eq!(w.extra["custom"]["crossref-match"]["score"], json!(score));
    }

    #[test]
    fn rejects_a_low_score_another_title_year_or_author() {
        let cited = work("The Soviet Union and Communist China, 1945–1950", 2004, "Heinzig");
        let high = MIN_SCORE_PER_CHAR * Q.chars().count() as f64 * 2.0;
        let low = MIN_SCORE_PER_CHAR * Q.chars().count() as f64 * 0.5;
        let same = work("The Soviet Union and Communist China, 1945-1950", 2004, "Heinzig");
        let cases = [
            (cand("10.1/low", low, same.clone()), "per character"),
            (cand("10.1/title", high, work("The Soviet Union and the Korean War", 2004, "Heinzig")), "title"),
            (cand("10.1/year", high, work("The Soviet Union and Communist China, 1945–1950", 1994, "Heinzig")), "year"),
            (cand("10.1/author", high, work("The Soviet Union and Communist China, 1945–1950", 2004, "Goncharov")), "first author"),
        ];
        for (c, why) in cases {
            match judge(&cited, Q, std::slice::from_ref(&c)) {
                Verdict::Rejected { best, why: got } => {
                    assert_eq!(best.map(|b| b.0), Some(c.doi.clone()));
                    assert!(got.contains(why), "{got}");
                }
                v => panic!("{} accepted: {v:?}", c.doi),
            }
        }
        assert!(matches!(judge(&cited, Q, &[]), Verdict::Rejected { best: None, .. }));
        let mut untitled = cited.clone();
        untitled.title = None;
        assert!(matches!(judge(&untitled, Q, &[cand("10.1/x", high, same)]), Verdict::Rejected { .. }));
    }

    #[test]
    fn a_main_title_matches_the_full_title_but_a_short_prefix_does_not() {
        assert!(same_title("Mao and the Sino-Soviet Partnership", "Mao and the Sino-Soviet Partnership, 1945–1959: A New History"));
        assert!(!same_title("Mao", "Mao and the Sino-Soviet Partnership"));
        assert!(!same_title("", ""));
    }
}
