//! `ibid-bench`: generates realistic libraries and times Ibid on them.
//!
//! ```text
//! ibid-bench generate --works 100000 [--seed 1] -o FILE.json   (and FILE.org.json)
//! ibid-bench run --works 100000 [--seed 1] [--ibid PATH] [--out DIR] [--extra ROWS.json]…
//! ibid-bench report DIR/kit-100000.json [--extra ROWS.json]…
//! ibid-bench resolve [--dois 1000] [--latency-ms 200] [--rate 50]
//! ibid-bench render [--sizes 1k,10k,100k] [--citeproc 10k]
//! ibid-bench match-threshold --data DIR
//! ```
//!
//! `run` prints one Markdown table on standard output (progress goes to
//! standard error) and writes the same rows as JSON to `DIR/kit-<works>.json`;
//! `report` prints that table again with rows measured elsewhere merged in
//! (report.rs). See BENCHMARKS.md at the repository root.

mod api;
mod autoexport;
mod bibtex;
mod duplicates;
mod generate;
mod matching;
mod render;
mod report;
mod resolve;
mod run;
mod stats;

use std::path::PathBuf;
use std::process::ExitCode;

// In-process figures (parse, export, render) are measured with the
// allocator `ibid` and the desktop app ship.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "\
usage:
  ibid-bench generate --works N [--seed S] -o FILE.json
                     the works as CSL-JSON, and FILE.org.json: their tags, collections, notes, citations
  ibid-bench run --works N [--seed S] [--ibid PATH] [--out DIR] [--cli-reps R] [--inproc-reps R]
                 [--like-reps R] [--export-reps R] [--reuse-library] [--regenerate] [--clean]
                 [--python PATH] [--bibtexparser-max N] [--citeproc N] [--styles DIR] [--node-dir DIR]
                 [--extra ROWS.json]...
                     issue 8's one table: import, organise, search (every keystroke) beside the LIKE
                     floor, list pages, sidebar counts, export, bibtexparser and citeproc-js beside Ibid;
                     rows measured elsewhere (duplicates, desktop) from --extra files
  ibid-bench report DIR/kit-N.json [--extra ROWS.json]...
                     that table again, with rows measured elsewhere merged in
  ibid-bench resolve [--dois N] [--latency-ms MS] [--rate PER_SECOND]
  ibid-bench bibtex --kwarc FILE [--entries 100000] [--ibid PATH] [--python python3]
  ibid-bench render [--sizes 1k,10k,100k] [--citeproc 10k] [--seed S] [--styles DIR] [--node-dir DIR]
                     APA bibliographies: Ibid at each size, citeproc-js (node, tests/citeproc) at one
  ibid-bench api --library FILE [--reps 50]
                     the local API's search latency over HTTP (GET /api/search) on a library
  ibid-bench auto-export [--sizes 10k,100k] [--reps 20] [--seed S] [--keep DIR] [--pause-ms 2]
                     an auto-exported BibTeX file of the whole library: first write, and the
                     refresh after a one-item change (and with nothing changed), in process;
                     --keep: the libraries and files kept in DIR and used again; --pause-ms:
                     between a refresh and the next edit
  ibid-bench duplicates [--works 100k,1M] [--share 2.5] [--seed S] [--out DIR]
                     find duplicates, merge all confident groups, undo (issue 8) on a copy of
                     DIR/library-N.sqlite (from `run`; else a generated library) with SHARE %
                     near-duplicates added
  ibid-bench match-threshold --data DIR
                     the --match score threshold, chosen on Crossref's labelled matching data
                     (DIR: analyses/1_unstructured_analysis/data/matched of a checkout of
                     CrossRef/reference-matching-evaluation)

  --works N          number of works (100000, 100k, 1M, 1_000_000)
  --seed S           generator seed [default: 1]
  --ibid PATH        the ibid binary [default: `ibid` beside this binary]
  --out DIR          data, libraries and results [default: <target>/bench]
  --cli-reps R       timed runs per whole-process command; 0 skips them [default: 20]
  --inproc-reps R    timed calls per in-process query [default: 200]
  --reuse-library    skip the import if DIR/library-N.sqlite exists
  --regenerate       write the data file even if it exists
  --clean            delete the library and the data file at the end
  --like-reps R      timed runs of each LIKE-floor query, at most (2 s of them at most) [default: 20]
  --export-reps R    timed runs of each `ibid export` [default: 3]
  --python PATH      the Python with bibtexparser 2 [default: python3]
  --bibtexparser-max N  bibtexparser parses the BibTeX export only up to N works [default: 1M]
  --citeproc N       the APA bibliography of the first N works, Ibid and citeproc-js; 0: none [default: 10k]
  --styles DIR       apa.csl and locales-en-US.xml [default: ../shared/fixtures/csl-styles]
  --node-dir DIR     tests/citeproc with its node_modules
  --extra FILE       rows measured elsewhere (JSON; see crates/ibid-bench/src/report.rs)";

fn main() -> ExitCode {
    // As `ibid` and the desktop app do first.
    ibid_api::no_huge_pages();
    match real_main() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ibid-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn real_main() -> Result<ExitCode, String> {
    let mut args = std::env::args().skip(1);
    let cmd = args.next().ok_or_else(|| USAGE.to_string())?;
    if cmd == "-h" || cmd == "--help" || cmd == "help" {
        println!("{USAGE}");
        return Ok(ExitCode::SUCCESS);
    }
    if cmd == "bibtex" {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut o = bibtex::Options {
            kwarc: PathBuf::from("../shared/fixtures/large/kwarc.bib"),
            entries: 100_000,
            ibid: exe.with_file_name("ibid"),
            python: "python3".into(),
        };
        while let Some(a) = args.next() {
            let v = args.next().ok_or_else(|| format!("{a} needs a value\n{USAGE}"))?;
            match a.as_str() {
                "--kwarc" => o.kwarc = PathBuf::from(v),
                "--entries" => o.entries = parse_count(&v)?,
                "--ibid" => o.ibid = PathBuf::from(v),
                "--python" => o.python = v,
                other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
            }
        }
        bibtex::run(&o)?;
        return Ok(ExitCode::SUCCESS);
    }
    if cmd == "report" {
        let file = args.next().ok_or_else(|| format!("report needs a results file\n{USAGE}"))?;
        let text = std::fs::read_to_string(&file).map_err(|e| format!("{file}: {e}"))?;
        let mut results: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{file}: {e}"))?;
        let mut rows = report::read_rows(&text).map_err(|e| format!("{file}: {e}"))?;
        while let Some(a) = args.next() {
            let v = args.next().ok_or_else(|| format!("{a} needs a value\n{USAGE}"))?;
            match a.as_str() {
                "--extra" => {
                    let extra = std::fs::read_to_string(&v).map_err(|e| format!("{v}: {e}"))?;
                    report::merge(&mut rows, report::read_rows(&extra).map_err(|e| format!("{v}: {e}"))?);
                }
                other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
            }
        }
        results["rows"] = serde_json::to_value(&rows).map_err(|e| e.to_string())?;
        run::print_results(&results)?;
        return Ok(ExitCode::SUCCESS);
    }
    if cmd == "match-threshold" {
        let (Some(flag), Some(dir)) = (args.next(), args.next()) else { return Err(USAGE.into()) };
        if flag != "--data" {
            return Err(format!("unknown argument {flag:?}\n{USAGE}"));
        }
        matching::run(std::path::Path::new(&dir))?;
        return Ok(ExitCode::SUCCESS);
    }
    if cmd == "api" {
        let mut o = api::Options { library: PathBuf::new(), reps: 50 };
        while let Some(a) = args.next() {
            let v = args.next().ok_or_else(|| format!("{a} needs a value\n{USAGE}"))?;
            match a.as_str() {
                "--library" => o.library = PathBuf::from(v),
                "--reps" => o.reps = parse_count(&v)?.max(1),
                other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
            }
        }
        if o.library.as_os_str().is_empty() {
            return Err(format!("--library is needed\n{USAGE}"));
        }
        api::run(&o)?;
        return Ok(ExitCode::SUCCESS);
    }
    if cmd == "duplicates" {
        let mut o = duplicates::Options { sizes: vec![100_000], seed: 1, share: 2.5, dir: duplicates::default_dir() };
        while let Some(a) = args.next() {
            let v = args.next().ok_or_else(|| format!("{a} needs a value\n{USAGE}"))?;
            match a.as_str() {
                "--works" | "--sizes" => o.sizes = v.split(',').map(parse_count).collect::<Result<_, _>>()?,
                "--seed" => o.seed = v.parse().map_err(|_| "--seed takes a number".to_string())?,
                "--share" => o.share = v.parse().map_err(|_| "--share takes a percentage".to_string())?,
                "--out" => o.dir = PathBuf::from(v),
                other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
            }
        }
        duplicates::run(&o)?;
        return Ok(ExitCode::SUCCESS);
    }
    if cmd == "auto-export" {
        let mut o = autoexport::Options { sizes: vec![10_000, 100_000], seed: 1, reps: 20, keep: None, pause: std::time::Duration::from_millis(2) };
        while let Some(a) = args.next() {
            let v = args.next().ok_or_else(|| format!("{a} needs a value\n{USAGE}"))?;
            match a.as_str() {
                "--sizes" => o.sizes = v.split(',').map(parse_count).collect::<Result<_, _>>()?,
                "--seed" => o.seed = v.parse().map_err(|_| "--seed takes a number".to_string())?,
                "--reps" => o.reps = parse_count(&v)?.max(1),
                "--keep" => o.keep = Some(PathBuf::from(v)),
                "--pause-ms" => o.pause = std::time::Duration::from_millis(v.parse().map_err(|_| "--pause-ms takes a number".to_string())?),
                other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
            }
        }
        autoexport::run(&o)?;
        return Ok(ExitCode::SUCCESS);
    }
    if cmd == "render" {
        let mut o = render::Options {
            sizes: vec![1_000, 10_000, 100_000],
            citeproc: 10_000,
            seed: 1,
            styles: PathBuf::from("../shared/fixtures/csl-styles"),
            node_dir: render::default_node_dir(),
        };
        while let Some(a) = args.next() {
            let v = args.next().ok_or_else(|| format!("{a} needs a value\n{USAGE}"))?;
            match a.as_str() {
                "--sizes" => o.sizes = v.split(',').map(parse_count).collect::<Result<_, _>>()?,
                "--citeproc" => o.citeproc = parse_count(&v)?,
                "--seed" => o.seed = v.parse().map_err(|_| "--seed takes a number".to_string())?,
                "--styles" => o.styles = PathBuf::from(v),
                "--node-dir" => o.node_dir = PathBuf::from(v),
                other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
            }
        }
        render::run(&o)?;
        return Ok(ExitCode::SUCCESS);
    }
    if cmd == "resolve" {
        let mut o = resolve::Options { dois: 1000, latency: std::time::Duration::from_millis(200), rate: 50 };
        while let Some(a) = args.next() {
            let v = args.next().ok_or_else(|| format!("{a} needs a value\n{USAGE}"))?;
            match a.as_str() {
                "--dois" => o.dois = parse_count(&v)?,
                "--latency-ms" => o.latency = std::time::Duration::from_millis(parse_count(&v)? as u64),
                "--rate" => o.rate = parse_count(&v)?.max(1),
                other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
            }
        }
        resolve::run(&o)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut works: Option<usize> = None;
    let mut seed: u64 = 1;
    let mut output: Option<PathBuf> = None;
    let mut opts = run::Options::default();
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value\n{USAGE}"));
        match a.as_str() {
            "--works" | "-n" => works = Some(parse_count(&value(&a)?)?),
            "--seed" => seed = value(&a)?.parse().map_err(|_| "--seed takes a number".to_string())?,
            "-o" | "--output" => output = Some(PathBuf::from(value(&a)?)),
            "--ibid" => opts.ibid = Some(PathBuf::from(value(&a)?)),
            "--out" => opts.out = Some(PathBuf::from(value(&a)?)),
            "--cli-reps" => opts.cli_reps = parse_count(&value(&a)?)?,
            "--inproc-reps" => opts.inproc_reps = parse_count(&value(&a)?)?.max(1),
            "--reuse-library" => opts.reuse_library = true,
            "--regenerate" => opts.regenerate = true,
            "--clean" => opts.keep_library = false,
            "--like-reps" => opts.like_reps = parse_count(&value(&a)?)?.max(1),
            "--export-reps" => opts.export_reps = parse_count(&value(&a)?)?.max(1),
            "--python" => opts.python = value(&a)?,
            "--bibtexparser-max" => opts.bibtexparser_max = parse_count(&value(&a)?)?,
            "--citeproc" => opts.citeproc = parse_count(&value(&a)?)?,
            "--styles" => opts.styles = PathBuf::from(value(&a)?),
            "--node-dir" => opts.node_dir = PathBuf::from(value(&a)?),
            "--extra" => opts.extra.push(PathBuf::from(value(&a)?)),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(ExitCode::SUCCESS);
            }
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    let works = works.ok_or_else(|| format!("--works is required\n{USAGE}"))?;
    match cmd.as_str() {
        "generate" => {
            let out = output.ok_or_else(|| format!("generate needs -o FILE\n{USAGE}"))?;
            run::generate_file(works, seed, &out)?;
            run::generate_org_file(works, seed, &out.with_extension("org.json"))?;
            Ok(ExitCode::SUCCESS)
        }
        "run" => {
            opts.works = works;
            opts.seed = seed;
            run::run(&opts)
        }
        other => Err(format!("unknown command {other:?}\n{USAGE}")),
    }
}

/// `100000`, `100_000`, `100k`, `1M`.
fn parse_count(s: &str) -> Result<usize, String> {
    let t = s.trim().replace('_', "");
    let (num, mult) = match t.chars().last() {
        Some('k' | 'K') => (&t[..t.len() - 1], 1_000),
        Some('m' | 'M') => (&t[..t.len() - 1], 1_000_000),
        _ => (t.as_str(), 1),
    };
    num.parse::<usize>().map(|n| n * mult).map_err(|_| format!("not a count: {s:?}"))
}

#[cfg(test)]
mod tests {
    use super::parse_count;

    #[test]
    fn counts() {
        assert_eq!(parse_count("100000"), Ok(100_000));
        assert_eq!(parse_count("100_000"), Ok(100_000));
        assert_eq!(parse_count("100k"), Ok(100_000));
        assert_eq!(parse_count("1M"), Ok(1_000_000));
        assert!(parse_count("lots").is_err());
    }
}
