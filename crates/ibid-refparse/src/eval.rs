//! Precision, recall and F1 per field, two ways:
//! - token level: each token's label against the gold label;
//! - field level: a predicted field (a maximal run of tokens with one label)
//!   counts only if the gold labelling has exactly that field over exactly
//!   those tokens (exact span match).
//!
//! Micro averages sum the counts over every field.

use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counts {
    pub tp: u64,
    pub fp: u64,
    pub fn_: u64,
}

impl Counts {
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
    }
    fn add(&mut self, o: Counts) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Counts per field, at token and at field level.
#[derive(Debug, Clone, Default)]
pub struct Scores {
    pub token: BTreeMap<String, Counts>,
    pub field: BTreeMap<String, Counts>,
    pub sequences: usize,
    pub exact_sequences: usize,
}

/// Maximal runs of one label: (label, first token, end token).
pub fn runs<S: AsRef<str>>(labels: &[S]) -> Vec<(String, usize, usize)> {
    let mut out: Vec<(String, usize, usize)> = Vec::new();
    for (i, l) in labels.iter().enumerate() {
        match out.last_mut() {
            Some(last) if last.0 == l.as_ref() && last.2 == i => last.2 = i + 1,
            _ => out.push((l.as_ref().to_string(), i, i + 1)),
        }
    }
    out
}

impl Scores {
    pub fn add<G: AsRef<str>, P: AsRef<str>>(&mut self, gold: &[G], pred: &[P]) {
        assert_eq!(gold.len(), pred.len(), "gold and predicted sequences differ in length");
        self.sequences += 1;
        if gold.iter().zip(pred).all(|(g, p)| g.as_ref() == p.as_ref()) {
            self.exact_sequences += 1;
        }
        for (g, p) in gold.iter().zip(pred) {
            let (g, p) = (g.as_ref(), p.as_ref());
            if g == p {
                self.token.entry(g.to_string()).or_default().tp += 1;
            } else {
                self.token.entry(p.to_string()).or_default().fp += 1;
                self.token.entry(g.to_string()).or_default().fn_ += 1;
            }
        }
        let gold_runs = runs(gold);
        let pred_runs = runs(pred);
        for r in &pred_runs {
            let c = self.field.entry(r.0.clone()).or_default();
            if gold_runs.contains(r) { c.tp += 1 } else { c.fp += 1 }
        }
        for r in &gold_runs {
            if !pred_runs.contains(r) {
                self.field.entry(r.0.clone()).or_default().fn_ += 1;
            }
        }
    }

    pub fn micro_token(&self) -> Counts {
        sum(&self.token)
    }
    pub fn micro_field(&self) -> Counts {
        sum(&self.field)
    }

    /// A table: field, support, token P/R/F1, field P/R/F1.
    pub fn table(&self) -> String {
        let mut s = format!(
            "{:<17} {:>6} | {:>6} {:>6} {:>6} | {:>6} {:>6} {:>6}\n",
            "field", "fields", "tok P", "tok R", "tok F1", "fld P", "fld R", "fld F1"
        );
        let line = |name: &str, n: u64, t: Counts, f: Counts| {
            format!(
                "{:<17} {:>6} | {:>6.3} {:>6.3} {:>6.3} | {:>6.3} {:>6.3} {:>6.3}\n",
                name, n, t.precision(), t.recall(), t.f1(), f.precision(), f.recall(), f.f1()
            )
        };
        for (name, f) in &self.field {
            let t = self.token.get(name).copied().unwrap_or_default();
            s += &line(name, f.tp + f.fn_, t, *f);
        }
        let f = self.micro_field();
        s += &line("micro", f.tp + f.fn_, self.micro_token(), f);
        s += &format!("sequences: {}, all tokens right: {}\n", self.sequences, self.exact_sequences);
        s
    }
}

fn sum(m: &BTreeMap<String, Counts>) -> Counts {
    let mut c = Counts::default();
    for v in m.values() {
        c.add(*v);
    }
    c
}
