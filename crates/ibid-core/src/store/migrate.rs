//! Versioned migrations: the only definition of the schema. The steps from
//! the library's version to the latest run in one transaction together with
//! the `user_version` bump: all of them or none. Before any
//! migration touches a library that holds data, a backup copy is written
//! beside it (`library.sqlite.pre-vN-from-vM-<ms>.bak`).

use std::path::Path;

use rusqlite::{Connection, Transaction};

use crate::error::{Error, Result};

enum Step {
    Sql(&'static str),
    Rust(fn(&Transaction) -> Result<()>),
}

/// Migration N (1-based) is `MIGRATIONS[N - 1]`.
const MIGRATIONS: &[&[Step]] = &[
    &[Step::Sql(include_str!("../../migrations/0001_works.sql"))],
    &[Step::Sql(include_str!("../../migrations/0002_organize.sql"))],
    &[Step::Sql(include_str!("../../migrations/0003_citations.sql"))],
    &[Step::Sql(include_str!("../../migrations/0004_search.sql")), Step::Rust(super::search::rebuild_all)],
    &[Step::Sql(include_str!("../../migrations/0005_covering_sort_indexes.sql"))],
    &[Step::Sql(include_str!("../../migrations/0006_responses_settings.sql"))],
    &[Step::Sql(include_str!("../../migrations/0007_citation_keys.sql"))],
    &[Step::Sql(include_str!("../../migrations/0008_auto_exports.sql"))],
    &[Step::Sql(include_str!("../../migrations/0009_auto_export_layouts.sql"))],
    &[Step::Sql(include_str!("../../migrations/0010_duplicates.sql"))],
    &[Step::Sql(include_str!("../../migrations/0011_sidebar_counts.sql"))],
];

pub const LATEST_VERSION: i64 = MIGRATIONS.len() as i64;

pub(super) fn migrate(conn: &mut Connection, path: &Path, target: i64) -> Result<()> {
    let version = |c: &Connection| -> Result<i64> { Ok(c.pragma_query_value(None, "user_version", |r| r.get(0))?) };
    let current = version(conn)?;
    if current > LATEST_VERSION {
        return Err(Error::TooNew { path: path.to_path_buf(), found: current, known: LATEST_VERSION });
    }
    if current >= target {
        return Ok(());
    }
    if current > 0 {
        backup(conn, path, current, target)?;
    }
    // Every step in one transaction: a migration killed at any point leaves
    // the library as it was (issue 9). The transaction is IMMEDIATE (see
    // `open_raw`), so a second process opening the same old library waits
    // here and then finds it migrated: the version is read again under the
    // write lock.
    let tx = conn.transaction()?;
    let current = version(&tx)?;
    for version in current + 1..=target {
        for step in MIGRATIONS[(version - 1) as usize] {
            match step {
                Step::Sql(sql) => tx.execute_batch(sql)?,
                Step::Rust(f) => f(&tx)?,
            }
        }
    }
    if current < target {
        tx.pragma_update(None, "user_version", target)?;
    }
    tx.commit()?;
    if current < target {
        tracing::info!(from = current, to = target, "migrated library schema");
    }
    Ok(())
}

fn backup(conn: &Connection, path: &Path, from: i64, to: i64) -> Result<()> {
    let name = format!(
        "{}.pre-v{to}-from-v{from}-{}.bak",
        path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "library".into()),
        super::now_ms()
    );
    let dest = path.with_file_name(name);
    conn.execute("VACUUM INTO ?1", [dest.to_string_lossy()])?;
    tracing::info!(backup = %dest.display(), "wrote a backup before migrating");
    Ok(())
}
