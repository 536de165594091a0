-- Search and sort. The FTS rows are filled by a Rust step of this migration
-- (the text of a row is composed from several tables; see store/search.rs).

-- The short fields people type, with prefix indexes so that every keystroke
-- prefix is one index lookup.
CREATE VIRTUAL TABLE work_fts USING fts5(
    title, creators, meta, container, tags,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);

-- The long text (abstracts, notes), with title and creators again so that a
-- query mixing a name and a word of the abstract matches. No prefix indexes:
-- they would triple the cost of indexing the bulk of the text.
CREATE VIRTUAL TABLE work_fts_text USING fts5(
    title, creators, abstract, notes,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Flush pending terms to a new index segment every 16 MB instead of 1 MB:
-- fewer segments to merge during a large import (persistent FTS5 setting).
INSERT INTO work_fts(work_fts, rank) VALUES ('hashsize', 16777216);
INSERT INTO work_fts_text(work_fts_text, rank) VALUES ('hashsize', 16777216);

-- Every sort the item list offers, with the row id as tie-breaker so that
-- keyset pagination is exact.
CREATE INDEX works_by_title   ON works(standalone, sort_title, id);
CREATE INDEX works_by_creator ON works(standalone, sort_creator, id);
CREATE INDEX works_by_date    ON works(standalone, sort_date, id);
CREATE INDEX works_by_added   ON works(standalone, added_at, id);
CREATE INDEX works_by_modified ON works(standalone, modified_at, id);
-- Type, then title: a generated column so that one index serves the sort.
ALTER TABLE works ADD COLUMN type_title TEXT GENERATED ALWAYS AS (type || char(31) || sort_title) VIRTUAL;
CREATE INDEX works_by_type ON works(standalone, type_title, id);
