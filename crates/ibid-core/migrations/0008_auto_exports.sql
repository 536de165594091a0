-- Auto-exports: files kept in step with the library (issue 7), and each
-- one's rendered entries, so that a change re-renders only what it touched.
CREATE TABLE auto_exports (
    id           INTEGER PRIMARY KEY,
    path         TEXT NOT NULL UNIQUE,   -- absolute
    format       TEXT NOT NULL,          -- bibtex, biblatex, csl-json, ris
    scope        TEXT NOT NULL,          -- JSON: {"library": true}, {"collection": "…"}, {"tag": "…"}, {"search": "…"}, {"keys": […]}, {"cited_by": "…"}
    written_at   INTEGER,                -- unix milliseconds of the last write
    entries      INTEGER,                -- works in the file then
    last_error   TEXT,                   -- the last refresh's error, NULL once one succeeds
    layout       BLOB                    -- the file as written: (work id, bytes) per entry, little-endian i64 pairs
) STRICT;

CREATE TABLE auto_export_entries (
    export_id INTEGER NOT NULL REFERENCES auto_exports(id) ON DELETE CASCADE,
    work_id   INTEGER NOT NULL,
    text      TEXT NOT NULL,
    PRIMARY KEY (export_id, work_id)
) STRICT, WITHOUT ROWID;
