-- The sidebar's counts (issue 8): works per tag and per collection, not
-- counting the trash, kept by triggers in the same statements that change
-- membership or the trash, so that reading them costs one row per tag or
-- collection. Counting the memberships at a million works (3M tag rows, 5M
-- collection rows) took seconds; see BENCHMARKS.md, issue 8.
-- Invariant (tested after every kind of change): each count equals
--   SELECT count(*) FROM work_tags wt WHERE wt.tag_id = ?
--     AND NOT EXISTS (SELECT 1 FROM trash WHERE work_id = wt.work_id)
-- (and the same over collection_items); a tag or collection with no rows
-- may have no count row or a count of 0.
CREATE TABLE tag_counts (
    tag_id INTEGER PRIMARY KEY REFERENCES tags(id) ON DELETE CASCADE,
    n      INTEGER NOT NULL
) STRICT;

CREATE TABLE collection_counts (
    collection_id INTEGER PRIMARY KEY REFERENCES collections(id) ON DELETE CASCADE,
    n             INTEGER NOT NULL
) STRICT;

-- Every tag and collection with membership rows has its count row (0 when
-- all its works are in the trash), so the trash's triggers only update.
INSERT INTO tag_counts (tag_id, n)
    SELECT tag_id, sum(NOT EXISTS (SELECT 1 FROM trash WHERE work_id = wt.work_id)) FROM work_tags wt GROUP BY tag_id;
INSERT INTO collection_counts (collection_id, n)
    SELECT collection_id, sum(NOT EXISTS (SELECT 1 FROM trash WHERE work_id = ci.work_id)) FROM collection_items ci
    GROUP BY collection_id;

-- Membership rows of works outside the trash count.
CREATE TRIGGER work_tags_count_insert AFTER INSERT ON work_tags
BEGIN
    INSERT INTO tag_counts (tag_id, n) VALUES (new.tag_id, NOT EXISTS (SELECT 1 FROM trash WHERE work_id = new.work_id))
    ON CONFLICT (tag_id) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER work_tags_count_delete AFTER DELETE ON work_tags
WHEN NOT EXISTS (SELECT 1 FROM trash WHERE work_id = old.work_id)
BEGIN
    UPDATE tag_counts SET n = n - 1 WHERE tag_id = old.tag_id;
END;
CREATE TRIGGER work_tags_count_update AFTER UPDATE ON work_tags
BEGIN
    UPDATE tag_counts SET n = n - 1
    WHERE tag_id = old.tag_id AND NOT EXISTS (SELECT 1 FROM trash WHERE work_id = old.work_id);
    INSERT INTO tag_counts (tag_id, n) VALUES (new.tag_id, NOT EXISTS (SELECT 1 FROM trash WHERE work_id = new.work_id))
    ON CONFLICT (tag_id) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER collection_items_count_insert AFTER INSERT ON collection_items
BEGIN
    INSERT INTO collection_counts (collection_id, n)
    VALUES (new.collection_id, NOT EXISTS (SELECT 1 FROM trash WHERE work_id = new.work_id))
    ON CONFLICT (collection_id) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER collection_items_count_delete AFTER DELETE ON collection_items
WHEN NOT EXISTS (SELECT 1 FROM trash WHERE work_id = old.work_id)
BEGIN
    UPDATE collection_counts SET n = n - 1 WHERE collection_id = old.collection_id;
END;
CREATE TRIGGER collection_items_count_update AFTER UPDATE ON collection_items
BEGIN
    UPDATE collection_counts SET n = n - 1
    WHERE collection_id = old.collection_id AND NOT EXISTS (SELECT 1 FROM trash WHERE work_id = old.work_id);
    INSERT INTO collection_counts (collection_id, n)
    VALUES (new.collection_id, NOT EXISTS (SELECT 1 FROM trash WHERE work_id = new.work_id))
    ON CONFLICT (collection_id) DO UPDATE SET n = n + excluded.n;
END;

-- A work going into the trash stops counting; restored, it counts again.
-- (A trashed work deleted for good: whichever of its trash row and its
-- membership rows the cascade removes first, the counts end right.)
CREATE TRIGGER trash_count_insert AFTER INSERT ON trash
BEGIN
    UPDATE tag_counts SET n = n - 1 WHERE tag_id IN (SELECT tag_id FROM work_tags WHERE work_id = new.work_id);
    UPDATE collection_counts SET n = n - 1
    WHERE collection_id IN (SELECT collection_id FROM collection_items WHERE work_id = new.work_id);
END;
CREATE TRIGGER trash_count_delete AFTER DELETE ON trash
BEGIN
    UPDATE tag_counts SET n = n + 1 WHERE tag_id IN (SELECT tag_id FROM work_tags WHERE work_id = old.work_id);
    UPDATE collection_counts SET n = n + 1
    WHERE collection_id IN (SELECT collection_id FROM collection_items WHERE work_id = old.work_id);
END;
CREATE TRIGGER trash_count_update AFTER UPDATE OF work_id ON trash
BEGIN
    UPDATE tag_counts SET n = n + 1 WHERE tag_id IN (SELECT tag_id FROM work_tags WHERE work_id = old.work_id);
    UPDATE collection_counts SET n = n + 1
    WHERE collection_id IN (SELECT collection_id FROM collection_items WHERE work_id = old.work_id);
    UPDATE tag_counts SET n = n - 1 WHERE tag_id IN (SELECT tag_id FROM work_tags WHERE work_id = new.work_id);
    UPDATE collection_counts SET n = n - 1
    WHERE collection_id IN (SELECT collection_id FROM collection_items WHERE work_id = new.work_id);
END;
