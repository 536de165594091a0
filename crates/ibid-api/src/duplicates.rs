//! Duplicates (issue 8): the groups the library finds, merging one group or
//! every confident group at once, Undo, and "not duplicates".

use ibid_core::store::MergeGroup;
use ibid_core::{csl, Library};
use serde::{Deserialize, Serialize};

use crate::{creators_summary, Api, ApiResult};

/// One work of a duplicate group, as the Duplicates view shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DuplicateWork {
    pub key: String,
    #[serde(rename = "type")]
    pub work_type: String,
    /// May carry publisher markup: the UI sanitizes before rendering.
    pub title: String,
    pub creators: String,
    pub year: Option<i32>,
    pub doi: Option<String>,
    /// The container's title (journal, book), if any.
    pub container: Option<String>,
    /// Unix milliseconds.
    pub added: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DuplicateGroupDto {
    /// The group's keys, oldest work first; what `merge_duplicates` and
    /// `dismiss_duplicates` take.
    pub keys: Vec<String>,
    /// 0–1: the weakest link between the group's works.
    pub score: f64,
    /// Merged by "Merge all confident groups".
    pub confident: bool,
    /// What matched: "doi", "isbn", "title".
    pub reasons: Vec<String>,
    pub works: Vec<DuplicateWork>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Duplicates {
    /// Confident groups first, then by score.
    pub groups: Vec<DuplicateGroupDto>,
    /// How many groups are confident.
    pub confident: usize,
    /// The merge Undo would undo, if any.
    pub last_merge: Option<i64>,
}

/// A group to merge: its keys and, if chosen, the one that survives.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MergeGroupArgs {
    pub keys: Vec<String>,
    #[serde(default)]
    pub survivor: Option<String>,
}

/// `merge_duplicates`'s argument: the groups, or every confident group.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct MergeDuplicates {
    #[serde(default)]
    pub groups: Vec<MergeGroupArgs>,
    #[serde(default)]
    pub all_confident: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Merged {
    /// What `undo_merge` takes (0: nothing was merged).
    pub batch: i64,
    pub groups: usize,
    /// Works merged into others.
    pub merged: usize,
    pub survivors: Vec<String>,
}

/// `undo_merge`'s argument: a merge (by default the latest that stands).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct UndoMerge {
    #[serde(default)]
    pub batch: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MergeUndone {
    pub batch: i64,
    pub groups: usize,
    /// Works listed again.
    pub restored: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Dismissed {
    pub keys: Vec<String>,
}

fn duplicate_work(lib: &Library, id: i64) -> ApiResult<DuplicateWork> {
    let w = lib.work(id)?;
    let added: i64 = lib
        .connection()
        .query_row("SELECT added_at FROM works WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .map_err(ibid_core::Error::from)?;
    Ok(DuplicateWork {
        key: w.key.clone().unwrap_or_default(),
        work_type: w.work_type.clone(),
        title: w.title.clone().unwrap_or_default(),
        creators: creators_summary(&w),
        year: csl::effective_issued(&w).and_then(|d| d.year()),
        doi: w.doi.clone(),
        container: w.parent.as_ref().and_then(|p| p.title.clone()),
        added,
    })
}

impl Api {
    /// Every candidate group of duplicates in the library.
    pub fn find_duplicates(&self) -> ApiResult<Duplicates> {
        let lib = self.lib();
        let groups = lib.find_duplicates()?;
        let mut out = Vec::with_capacity(groups.len());
        for g in groups {
            let works = g
                .ids
                .iter()
                .map(|&id| duplicate_work(&lib, id))
                .collect::<ApiResult<Vec<_>>>()?;
            out.push(DuplicateGroupDto {
                keys: g.keys,
                score: g.score,
                confident: g.confident,
                reasons: g.reasons,
                works,
            });
        }
        let confident = out.iter().filter(|g| g.confident).count();
        Ok(Duplicates {
            groups: out,
            confident,
            last_merge: lib.last_merge()?,
        })
    }

    /// Merges the groups given, or every confident group: one transaction,
    /// one Undo.
    pub fn merge_duplicates(&self, args: MergeDuplicates) -> ApiResult<Merged> {
        let mut lib = self.lib();
        let out = if args.all_confident {
            if !args.groups.is_empty() {
                return Err(crate::ApiError::new(
                    "invalid_input",
                    "give groups or all_confident, not both",
                ));
            }
            lib.merge_confident()?
        } else {
            if args.groups.is_empty() {
                return Err(crate::ApiError::new("invalid_input", "no groups to merge"));
            }
            let mut groups = Vec::with_capacity(args.groups.len());
            for g in &args.groups {
                let ids = g
                    .keys
                    .iter()
                    .map(|k| lib.resolve(k))
                    .collect::<Result<Vec<_>, _>>()?;
                let survivor = g.survivor.as_deref().map(|k| lib.resolve(k)).transpose()?;
                groups.push(MergeGroup { ids, survivor });
            }
            lib.merge_duplicates(&groups)?
        };
        let survivors = out
            .survivors
            .iter()
            .map(|&id| lib.key_of(id))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Merged {
            batch: out.batch,
            groups: out.groups,
            merged: out.merged,
            survivors,
        })
    }

    /// Undoes a merge: every work, field, tag, note, attachment, citation
    /// and collection membership as it was.
    pub fn undo_merge(&self, args: UndoMerge) -> ApiResult<MergeUndone> {
        let out = self.lib().undo_merge(args.batch)?;
        Ok(MergeUndone {
            batch: out.batch,
            groups: out.groups,
            restored: out.restored,
        })
    }

    /// Marks a group as not duplicates: it is not offered again.
    pub fn dismiss_duplicates(&self, args: crate::KeysArgs) -> ApiResult<Dismissed> {
        let mut lib = self.lib();
        let ids = args
            .keys
            .iter()
            .map(|k| lib.resolve(k))
            .collect::<Result<Vec<_>, _>>()?;
        lib.dismiss_duplicates(&ids)?;
        Ok(Dismissed { keys: args.keys })
    }
}
