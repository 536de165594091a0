-- Collections (nested), tags, notes and attachments.
CREATE TABLE collections (
    id        INTEGER PRIMARY KEY,
    key       TEXT NOT NULL UNIQUE,
    name      TEXT NOT NULL,
    parent_id INTEGER REFERENCES collections(id) ON DELETE CASCADE,
    UNIQUE (parent_id, name)
) STRICT;

CREATE TABLE collection_items (
    collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    work_id       INTEGER NOT NULL REFERENCES works(id) ON DELETE CASCADE,
    PRIMARY KEY (collection_id, work_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX collection_items_by_work ON collection_items(work_id);

CREATE TABLE tags (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE work_tags (
    work_id INTEGER NOT NULL REFERENCES works(id) ON DELETE CASCADE,
    tag_id  INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    PRIMARY KEY (work_id, tag_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX work_tags_by_tag ON work_tags(tag_id, work_id);

CREATE TABLE notes (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,
    work_id     INTEGER NOT NULL REFERENCES works(id) ON DELETE CASCADE,
    body        TEXT NOT NULL,                 -- Markdown
    created_at  INTEGER NOT NULL,
    modified_at INTEGER NOT NULL
) STRICT;
CREATE INDEX notes_by_work ON notes(work_id);

CREATE TABLE attachments (
    id       INTEGER PRIMARY KEY,
    key      TEXT NOT NULL UNIQUE,
    work_id  INTEGER NOT NULL REFERENCES works(id) ON DELETE CASCADE,
    path     TEXT NOT NULL,
    sha256   TEXT NOT NULL,
    size     INTEGER NOT NULL,
    title    TEXT,
    added_at INTEGER NOT NULL
) STRICT;
CREATE INDEX attachments_by_work ON attachments(work_id);
