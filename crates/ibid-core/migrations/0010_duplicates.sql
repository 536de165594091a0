-- Duplicates (issue 8): merges that can be undone, and groups dismissed as
-- "not duplicates". A merged work is kept (standalone = -1: listed nowhere,
-- found by no identifier) so that Undo restores it exactly; its key still
-- resolves, to the work it was merged into.
CREATE TABLE merge_batches (
    id        INTEGER PRIMARY KEY,
    merged_at INTEGER NOT NULL,              -- unix milliseconds
    undone_at INTEGER                        -- NULL while the merge stands
) STRICT;

CREATE TABLE merges (
    id          INTEGER PRIMARY KEY,
    batch_id    INTEGER NOT NULL REFERENCES merge_batches(id) ON DELETE CASCADE,
    survivor_id INTEGER NOT NULL,
    journal     TEXT NOT NULL                -- JSON: the rows as they were before, in the order changed
) STRICT;
CREATE INDEX merges_by_batch ON merges(batch_id);

CREATE TABLE merged_works (
    work_id     INTEGER PRIMARY KEY REFERENCES works(id) ON DELETE CASCADE,
    survivor_id INTEGER NOT NULL,
    merge_id    INTEGER NOT NULL REFERENCES merges(id) ON DELETE CASCADE
) STRICT;
CREATE INDEX merged_works_by_merge ON merged_works(merge_id);

-- Pairs of works the user said are not duplicates (a < b).
CREATE TABLE not_duplicates (
    a INTEGER NOT NULL REFERENCES works(id) ON DELETE CASCADE,
    b INTEGER NOT NULL REFERENCES works(id) ON DELETE CASCADE,
    PRIMARY KEY (a, b)
) STRICT, WITHOUT ROWID;
