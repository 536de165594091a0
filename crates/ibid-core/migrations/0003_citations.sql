-- The works a work cites: one row per citation in a note or reference list.
CREATE TABLE citations (
    id          INTEGER PRIMARY KEY,
    citing_id   INTEGER NOT NULL REFERENCES works(id) ON DELETE CASCADE,
    note_number INTEGER,                       -- NULL for a plain reference list
    position    INTEGER NOT NULL,              -- order within the note (or the list)
    raw_text    TEXT NOT NULL,
    cited_id    INTEGER REFERENCES works(id) ON DELETE SET NULL,  -- NULL until matched
    locator     TEXT,                          -- "pp. 214, 216"
    form        TEXT NOT NULL CHECK (form IN ('full', 'short', 'ibid')),
    UNIQUE (citing_id, note_number, position)
) STRICT;
CREATE INDEX citations_by_cited ON citations(cited_id) WHERE cited_id IS NOT NULL;
