//! Helpers shared by Ibid's tests: where the shared fixtures are, and golden
//! files that can be re-blessed with `IBID_BLESS=1`.

use std::path::{Path, PathBuf};

#[path = "services.rs"]
pub mod services;

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// The project's own fixtures (`tests/fixtures`).
pub fn project_fixture(rel: &str) -> PathBuf {
    repo_root().join("tests/fixtures").join(rel)
}

/// `../shared/fixtures` (or `$IBID_SHARED_FIXTURES`). Under CI (`CI` set) a
/// missing folder fails the test with a clear message; elsewhere the test
/// says it was skipped and returns `None`.
pub fn shared_fixtures() -> Option<PathBuf> {
    let dir = std::env::var_os("IBID_SHARED_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/fixtures"));
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "the shared fixtures are missing: expected {} (CI lays ../shared beside the clone; \
             set IBID_SHARED_FIXTURES to point elsewhere)",
            dir.display()
        );
    }
    eprintln!("SKIPPED: {} not found (outside CI, tests that need ../shared are skipped)", dir.display());
    None
}

/// A seed page in `../shared/seeds` (or `$IBID_SHARED_SEEDS`), by file name.
/// As with [`shared_fixtures`]: under CI a missing file fails the test with a
/// clear message; elsewhere the test says it was skipped and gets `None`.
pub fn shared_seed(name: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("IBID_SHARED_SEEDS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/seeds"));
    let path = dir.join(name);
    if path.is_file() {
        return Some(path);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "the shared seed is missing: expected {} (CI lays ../shared beside the clone; set IBID_SHARED_SEEDS to point elsewhere)",
            path.display()
        );
    }
    eprintln!("SKIPPED: {} not found (outside CI, tests that need ../shared are skipped)", path.display());
    None
}

/// Compares `actual` with the golden file at `tests/fixtures/golden/<rel>`.
/// With `IBID_BLESS=1` the golden file is (re)written instead. Returns a
/// description of the difference, or `None` when they match.
pub fn golden(rel: &str, actual: &str) -> Option<String> {
    let path = project_fixture("golden").join(rel);
    if std::env::var_os("IBID_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().expect("golden file has a folder")).expect("create golden folder");
        std::fs::write(&path, actual).expect("write golden file");
        return None;
    }
    let expected = match std::fs::read_to_string(&path) {
        Ok(s) => s,
        Err(_) => return Some(format!("{}: no golden file; run with IBID_BLESS=1 and check it by eye", path.display())),
    };
    if expected == actual {
        return None;
    }
    let line = expected.lines().zip(actual.lines()).position(|(a, b)| a != b).unwrap_or(expected.lines().count().min(actual.lines().count()));
    Some(format!(
        "{} differs at line {}:\n  expected: {}\n  actual:   {}\n(re-bless with IBID_BLESS=1 if the change is right)",
        path.display(),
        line + 1,
        expected.lines().nth(line).unwrap_or("<end>"),
        actual.lines().nth(line).unwrap_or("<end>")
    ))
}
