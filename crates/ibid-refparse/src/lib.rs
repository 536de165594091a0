//! Reference strings into typed records.
//!
//! A linear-chain CRF (the `crfs` crate, a pure-Rust CRFsuite) labels each
//! whitespace token of a reference string with a field ([`labels::LABELS`]);
//! [`parse_reference`] turns the labelled spans into an [`ibid_core::Work`]
//! (typed: book, chapter in its book, article in its journal, report,
//! manuscript, thesis…) and the locator a note cites ("pp. 12–15").
//!
//! The model ships in `model/refs.crfsuite`, trained by
//! `cargo run --release -p ibid-refparse --bin ibid-train-refs` on AnyStyle's
//! core set, CORA and our notes-style references (docs/decisions/0008).

use std::borrow::Cow;

pub mod corpus;
pub mod eval;
pub mod features;
pub mod labels;
pub mod parse;
pub mod tokenize;

pub use parse::{parse_reference, ParsedReference};

/// The shipped model.
pub static BUNDLED_MODEL: &[u8] = include_bytes!("../model/refs.crfsuite");

/// A labelled span of the input: `text` is `input[start..end]` (byte
/// offsets), punctuation included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub field: &'static str,
    pub text: String,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug)]
pub struct LabelError(pub String);

impl std::fmt::Display for LabelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "reference labeller: {}", self.0)
    }
}
impl std::error::Error for LabelError {}

/// A trained labeller.
pub struct Labeller {
    model: Cow<'static, [u8]>,
}

impl Labeller {
    /// The model shipped with the crate.
    pub fn bundled() -> Labeller {
        Labeller { model: Cow::Borrowed(BUNDLED_MODEL) }
    }

    /// A model file written by the trainer. Checks that it loads.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Labeller, LabelError> {
        crfs::Model::new(&bytes).map_err(|e| LabelError(format!("cannot read the model: {e}")))?;
        Ok(Labeller { model: Cow::Owned(bytes) })
    }

    /// One label per whitespace token of `text` (see [`tokenize::tokenize`]).
    pub fn token_labels(&self, text: &str) -> Vec<&'static str> {
        let tokens = tokenize::tokenize(text);
        if tokens.is_empty() {
            return Vec::new();
        }
        let xseq = features::extract(&tokens);
        let model = crfs::Model::new(&self.model).expect("the model was checked when loaded");
        let tagger = model.tagger().expect("a loaded model has a tagger");
        let tags = tagger.tag(&xseq).expect("tagging a non-empty sequence");
        tags.into_iter()
            .map(|t| labels::LABELS.iter().copied().find(|l| *l == t).unwrap_or("note"))
            .collect()
    }

    /// The fields of `text`: maximal runs of tokens with one label, as spans
    /// of the original text.
    pub fn label(&self, text: &str) -> Vec<Span> {
        let tokens = tokenize::tokenize(text);
        let labels = self.token_labels(text);
        let mut out: Vec<Span> = Vec::new();
        for (t, l) in tokens.iter().zip(labels) {
            match out.last_mut() {
                Some(s) if s.field == l => {
                    s.end = t.end;
                    s.text = text[s.start..s.end].to_string();
                }
                _ => out.push(Span { field: l, text: t.text.to_string(), start: t.start, end: t.end }),
            }
        }
        out
    }
}

/// Training settings (the shipped model's are the defaults).
#[derive(Debug, Clone, Copy)]
pub struct TrainSettings {
    /// L1 regularisation: most features get weight 0 and are not written,
    /// which keeps the model small.
    pub c1: f64,
    pub c2: f64,
    pub max_iterations: usize,
}

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings { c1: 0.05, c2: 0.01, max_iterations: 250 }
    }
}

/// Trains on `examples` and writes the model to `out`.
pub fn train(examples: &[&corpus::Example], settings: TrainSettings, out: &std::path::Path, verbose: bool) -> std::io::Result<()> {
    let mut trainer = crfs::Trainer::lbfgs();
    trainer.verbose(verbose);
    trainer.params_mut().set_c1(settings.c1)?;
    trainer.params_mut().set_c2(settings.c2)?;
    trainer.params_mut().set_max_iterations(settings.max_iterations)?;
    for ex in examples {
        let tokens = tokenize::tokenize(&ex.text);
        let xseq = features::extract(&tokens);
        trainer.append(&xseq, &ex.labels)?;
    }
    trainer.train(out)
}

/// Labels every example with `labeller` and scores it against its gold labels.
pub fn evaluate(labeller: &Labeller, examples: &[&corpus::Example]) -> eval::Scores {
    let mut s = eval::Scores::default();
    for ex in examples {
        let pred = labeller.token_labels(&ex.text);
        s.add(&ex.labels, &pred);
    }
    s
}
