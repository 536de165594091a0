//! `ibid duplicates`: list the candidate groups, merge them (all confident
//! groups, or the groups given), undo the last merge, dismiss a group.

use std::io::Write;

use ibid_core::store::MergeGroup;
use ibid_core::Library;
use serde_json::{json, Value};

#[derive(clap::Subcommand)]
pub enum DuplicatesCmd {
    /// Merge every confident group (--confident) or the groups given: each GROUP is KEY,KEY[,KEY…]; the work with the most fields survives (with --first, the first key)
    Merge {
        #[arg(long, conflicts_with = "groups")]
        confident: bool,
        /// The first key of each group survives
        #[arg(long)]
        first: bool,
        #[arg(value_name = "GROUP", required_unless_present = "confident")]
        groups: Vec<String>,
    },
    /// Undo the last merge (every work, field, tag, note, attachment, citation and collection as it was)
    Undo,
    /// Mark a group as not duplicates: it is not listed again
    Dismiss {
        #[arg(value_name = "GROUP")]
        group: String,
    },
}

type Res<T> = Result<T, ibid_core::Error>;

fn w(e: std::io::Error) -> ibid_core::Error {
    ibid_core::Error::io("cannot write to standard output", e)
}

fn group_ids(lib: &Library, group: &str) -> Res<Vec<i64>> {
    group
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|k| lib.resolve(k))
        .collect()
}

pub fn run(
    lib: &mut Library,
    cmd: Option<DuplicatesCmd>,
    json_out: bool,
    out: &mut impl Write,
) -> Res<()> {
    match cmd {
        None => {
            let started = std::time::Instant::now();
            let groups = lib.find_duplicates()?;
            let elapsed = started.elapsed();
            let confident = groups.iter().filter(|g| g.confident).count();
            if json_out {
                let list = groups
                    .iter()
                    .map(|g| {
                        Ok(json!({
                            "keys": g.keys, "score": g.score, "confident": g.confident, "reasons": g.reasons,
                            "works": lib.csl_items(&g.ids)?,
                        }))
                    })
                    .collect::<Res<Vec<Value>>>()?;
                writeln!(out, "{}", Value::Array(list)).map_err(w)?;
                return Ok(());
            }
            for (n, g) in groups.iter().enumerate() {
                let badge = if g.confident { "confident" } else { "check" };
                writeln!(
                    out,
                    "group {}  score {:.3}  {badge}  ({})  {}",
                    n + 1,
                    g.score,
                    g.reasons.join(", "),
                    g.keys.join(",")
                )
                .map_err(w)?;
                for item in lib.csl_items(&g.ids)? {
                    let year = item["issued"]["date-parts"][0][0]
                        .as_i64()
                        .map(|y| y.to_string())
                        .unwrap_or_else(|| "n.d.".into());
                    let creator = item
                        .get("author")
                        .or_else(|| item.get("editor"))
                        .and_then(|a| a[0].get("family").or_else(|| a[0].get("literal")))
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    let doi = item
                        .get("DOI")
                        .and_then(Value::as_str)
                        .map(|d| format!("  doi:{d}"))
                        .unwrap_or_default();
                    let title = item.get("title").and_then(Value::as_str).unwrap_or("");
                    writeln!(
                        out,
                        "  {}  {year:>4}  {creator:<20}  {title}{doi}",
                        item["id"].as_str().unwrap_or("")
                    )
                    .map_err(w)?;
                }
            }
            writeln!(
                out,
                "{} group(s), {confident} confident ({} ms)",
                groups.len(),
                elapsed.as_millis()
            )
            .map_err(w)?;
        }
        Some(DuplicatesCmd::Merge {
            confident,
            first,
            groups,
        }) => {
            let outcome = if confident {
                lib.merge_confident()?
            } else {
                let mut merge = Vec::new();
                for g in &groups {
                    let ids = group_ids(lib, g)?;
                    merge.push(MergeGroup {
                        survivor: if first { ids.first().copied() } else { None },
                        ids,
                    });
                }
                lib.merge_duplicates(&merge)?
            };
            if json_out {
                let survivors = outcome
                    .survivors
                    .iter()
                    .map(|&id| lib.key_of(id))
                    .collect::<Res<Vec<_>>>()?;
                writeln!(out, "{}", json!({"batch": outcome.batch, "groups": outcome.groups, "merged": outcome.merged, "survivors": survivors})).map_err(w)?;
            } else {
                writeln!(
                    out,
                    "merged {} work(s) in {} group(s); undo with: ibid duplicates undo",
                    outcome.merged, outcome.groups
                )
                .map_err(w)?;
            }
        }
        Some(DuplicatesCmd::Undo) => {
            let u = lib.undo_merge(None)?;
            writeln!(
                out,
                "undid merge {}: {} group(s), {} work(s) listed again",
                u.batch, u.groups, u.restored
            )
            .map_err(w)?;
        }
        Some(DuplicatesCmd::Dismiss { group }) => {
            let ids = group_ids(lib, &group)?;
            lib.dismiss_duplicates(&ids)?;
            writeln!(out, "{} work(s) marked as not duplicates", ids.len()).map_err(w)?;
        }
    }
    Ok(())
}
