-- Each auto-export's file layout in a table of its own. SQLite writes a whole
-- row again on UPDATE: recording a refresh (written_at, entries) in the row
-- that held the layout copied the 1.6 MB layout of a 100k-entry file every
-- time. Here it is written only when it changes, and a one-item change
-- updates the few bytes of its entry in place (incremental BLOB I/O).
CREATE TABLE auto_export_layouts (
    export_id INTEGER PRIMARY KEY REFERENCES auto_exports(id) ON DELETE CASCADE,
    layout    BLOB NOT NULL          -- the file as written: (work id, bytes) per entry, little-endian i64 pairs
) STRICT;

INSERT INTO auto_export_layouts (export_id, layout)
    SELECT id, layout FROM auto_exports WHERE layout IS NOT NULL AND length(layout) > 0;

ALTER TABLE auto_exports DROP COLUMN layout;
