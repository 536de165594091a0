-- The list's sort indexes also carry the work's key, so that listing every
-- key of a scope in order (the item list at a million works) reads the index
-- alone: measured at 1M works, 4.6 s with a table lookup per row, 0.3 s without.
DROP INDEX works_by_title;
DROP INDEX works_by_creator;
DROP INDEX works_by_date;
DROP INDEX works_by_added;
DROP INDEX works_by_modified;
DROP INDEX works_by_type;
CREATE INDEX works_by_title    ON works(standalone, sort_title, id, key);
CREATE INDEX works_by_creator  ON works(standalone, sort_creator, id, key);
CREATE INDEX works_by_date     ON works(standalone, sort_date, id, key);
CREATE INDEX works_by_added    ON works(standalone, added_at, id, key);
CREATE INDEX works_by_modified ON works(standalone, modified_at, id, key);
CREATE INDEX works_by_type     ON works(standalone, type_title, id, key);
