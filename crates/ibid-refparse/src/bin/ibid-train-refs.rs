//! Retrains the reference labeller and writes the model the crate ships,
//! then prints precision, recall and F1 on the held-out split.
//!
//! cargo run --release -p ibid-refparse --bin ibid-train-refs [-- --out PATH] [--eval-only]
//!     [--c1 X] [--c2 X] [--iterations N]

use std::path::PathBuf;
use std::time::Instant;

use ibid_refparse::corpus::{self, Example, Source};
use ibid_refparse::{evaluate, train, Labeller, TrainSettings};

fn main() {
    if let Err(e) = run() {
        eprintln!("ibid-train-refs: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut out = corpus::crate_dir().join("model/refs.crfsuite");
    let mut settings = TrainSettings::default();
    let mut eval_only = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--out" => out = PathBuf::from(value()?),
            "--c1" => settings.c1 = value()?.parse()?,
            "--c2" => settings.c2 = value()?.parse()?,
            "--iterations" => settings.max_iterations = value()?.parse()?,
            "--eval-only" => eval_only = true,
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    let shared = corpus::shared_fixtures()?.ok_or("../shared/fixtures is needed to train")?;
    let all = corpus::load_all(&shared)?;
    if let Some(bad) = all.iter().find(|e| !corpus::check(e)) {
        return Err(format!("labels and tokens disagree in {:?}", bad.text).into());
    }
    let (held, trainset): (Vec<&Example>, Vec<&Example>) = all.iter().partition(|e| corpus::is_held_out(&e.text));
    for s in [Source::AnyStyle, Source::Cora, Source::Notes] {
        println!(
            "{:<14} train {:>5}  held out {:>4}",
            s.name(),
            trainset.iter().filter(|e| e.source == s).count(),
            held.iter().filter(|e| e.source == s).count()
        );
    }
    if !eval_only {
        let t = Instant::now();
        println!("training ({settings:?}) on {} references…", trainset.len());
        train(&trainset, settings, &out, false)?;
        println!("trained in {:.1} s", t.elapsed().as_secs_f64());
    }
    let bytes = std::fs::read(&out)?;
    println!("model {}: {} bytes", out.display(), bytes.len());
    let labeller = Labeller::from_bytes(bytes)?;
    let t = Instant::now();
    for (name, pick) in [
        ("AnyStyle core + CORA (held out)", &[Source::AnyStyle, Source::Cora][..]),
        ("AnyStyle core (held out)", &[Source::AnyStyle][..]),
        ("CORA (held out)", &[Source::Cora][..]),
        ("notes-style, ours (held out)", &[Source::Notes][..]),
    ] {
        let set: Vec<&Example> = held.iter().copied().filter(|e| pick.contains(&e.source)).collect();
        let s = evaluate(&labeller, &set);
        println!("\n== {name}: {} references\n{}", set.len(), s.table());
    }
    println!("labelled the held-out split in {:.2} s", t.elapsed().as_secs_f64());
    Ok(())
}
